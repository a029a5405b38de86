package match

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuoShortMatchesBig: the short path of a sum's division gives the bits of the big-number
// path whenever it answers, and answers for the usual case of values of similar magnitude.
func TestQuoShortMatchesBig(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	gens := []func() float64{
		func() float64 { return float64(r.IntN(1000)) + 0.25 },
		func() float64 { return r.Float64()*200 - 100 },
		func() float64 { return math.Ldexp(r.Float64(), r.IntN(80)-40) },
		func() float64 { return -math.Ldexp(r.Float64(), -1000-r.IntN(74)) },
		func() float64 { return math.Ldexp(r.Float64()-0.5, 1000+r.IntN(23)) },
	}
	answered := 0
	for i := 0; i < 20000; i++ {
		gen := gens[i%len(gens)]
		var s exactSum
		n := 1 + r.IntN(5)
		for range n {
			s.add(gen())
		}
		for _, div := range []int64{1, int64(n), 3, 7} {
			got, ok := s.quoShort(div)
			if !ok {
				continue
			}
			answered++
			if want := s.quoBig(div); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("sum %v / %d: short %v (%#x), big %v (%#x)", s.acc, div, got, math.Float64bits(got), want, math.Float64bits(want))
			}
		}
	}
	if answered < 10000 { // 16,540 with this seed
		t.Errorf("the short path answered %d times of 80000", answered)
	}
}
