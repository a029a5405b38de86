package match

import "testing"

func BenchmarkSumFloats(b *testing.B) {
	a, _ := lookupAgg("sum").newFn(nil)
	v := Num(0.123456)
	for i := 0; b.Loop(); i++ {
		a.add(v, 0, false, uint64(i))
	}
}

func BenchmarkSumInts(b *testing.B) {
	a, _ := lookupAgg("sum").newFn(nil)
	v := Num(123)
	for i := 0; b.Loop(); i++ {
		a.add(v, 0, false, uint64(i))
	}
}

func BenchmarkStddevFloats(b *testing.B) {
	a, _ := lookupAgg("stddev").newFn(nil)
	v := Num(0.123456)
	for i := 0; b.Loop(); i++ {
		a.add(v, 0, false, uint64(i))
	}
}
