package match

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
	"unsafe"
)

type aggEvent struct {
	v     Value
	ts    int64
	hasTs bool
}

func ev(v Value) aggEvent             { return aggEvent{v: v} }
func evTs(v Value, ts int64) aggEvent { return aggEvent{v: v, ts: ts, hasTs: true} }
func nums(fs ...float64) (out []aggEvent) {
	for _, f := range fs {
		out = append(out, ev(Num(f)))
	}
	return out
}

func newAgg(t *testing.T, name string, params []Value) aggFunc {
	t.Helper()
	d := lookupAgg(name)
	if d == nil {
		t.Fatalf("lookupAgg(%q) = nil", name)
	}
	a, err := d.newFn(params)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

// runAgg adds events [lo, hi) (ord = index) to a fresh state.
func runAgg(t *testing.T, name string, params []Value, evs []aggEvent, lo, hi int) aggFunc {
	a := newAgg(t, name, params)
	for i := lo; i < hi; i++ {
		e := evs[i]
		a.add(e.v, e.ts, e.hasTs, uint64(i))
	}
	return a
}

// identical compares results bit for bit (kind, text, float bits).
func identical(a, b Value) bool {
	return a.Kind == b.Kind && a.Render() == b.Render() && math.Float64bits(a.Num) == math.Float64bits(b.Num) && a.Str == b.Str
}

// checkSplits verifies that every two-way split merged either way, a three-way split merged in
// several orders, and a shuffled add order all give the unsplit result, and returns it.
func checkSplits(t *testing.T, name string, params []Value, evs []aggEvent) Value {
	t.Helper()
	n := len(evs)
	want := runAgg(t, name, params, evs, 0, n).result()
	for k := 0; k <= n; k++ {
		a, b := runAgg(t, name, params, evs, 0, k), runAgg(t, name, params, evs, k, n)
		a.merge(b)
		if got := a.result(); !identical(got, want) {
			t.Errorf("%s split %d a+b = %+v, want %+v", name, k, got, want)
		}
		a, b = runAgg(t, name, params, evs, 0, k), runAgg(t, name, params, evs, k, n)
		b.merge(a)
		if got := b.result(); !identical(got, want) {
			t.Errorf("%s split %d b+a = %+v, want %+v", name, k, got, want)
		}
		for j := k; j <= n; j++ {
			x, y, z := runAgg(t, name, params, evs, 0, k), runAgg(t, name, params, evs, k, j), runAgg(t, name, params, evs, j, n)
			z.merge(x)
			y.merge(z)
			if got := y.result(); !identical(got, want) {
				t.Errorf("%s split %d/%d = %+v, want %+v", name, k, j, got, want)
			}
		}
	}
	// Shuffled add order, with each event keeping its ord.
	r := rand.New(rand.NewSource(int64(n)))
	for trial := 0; trial < 5; trial++ {
		perm := r.Perm(n)
		a := newAgg(t, name, params)
		for _, i := range perm {
			a.add(evs[i].v, evs[i].ts, evs[i].hasTs, uint64(i))
		}
		if got := a.result(); !identical(got, want) {
			t.Errorf("%s shuffled = %+v, want %+v", name, got, want)
		}
	}
	return want
}

func TestAggregates(t *testing.T) {
	mixed := []aggEvent{ev(Num(5)), ev(Str("N/A")), ev(absentValue), ev(Str("3")), ev(Str("")), ev(NumLexeme(3, "3.0"))}
	timed := []aggEvent{evTs(Str("a"), 5), evTs(Str("b"), 3), evTs(Str("c"), 3), evTs(absentValue, 1), ev(Str("d")), evTs(Str("e"), 7)}
	tests := []struct {
		name   string
		params []Value
		evs    []aggEvent
		want   Value
	}{
		{"count", nil, []aggEvent{ev(BoolV(true)), ev(BoolV(true))}, Num(2)},
		{"count", nil, nil, Num(0)},
		{"count", nil, mixed, Num(5)}, // absent not counted, "" counted (A37)
		{"COUNT_DISTINCT", nil, []aggEvent{ev(Str("a")), ev(Str("a")), ev(Num(1)), ev(Str("1")), ev(Str("")), ev(absentValue)}, Num(4)},
		{"count_distinct", nil, nil, Num(0)},
		{"sum", nil, nums(1, 2, 3), Num(6)},
		{"sum", nil, mixed, Num(11)},
		{"sum", nil, nums(0.1, 1e16, -1e16), Num(0.1)},
		{"sum", nil, nums(1e308, 1e308, -1e308), Num(1e308)},
		{"sum", nil, nums(math.MaxInt64/2, math.MaxInt64/2, math.MaxInt64/2, -math.MaxInt64/2), Num(math.MaxInt64)},
		{"sum", nil, []aggEvent{ev(Str("x")), ev(absentValue)}, absentValue},
		{"sum", nil, nil, absentValue},
		{"avg", nil, nums(1, 2, 3, 4), Num(2.5)},
		{"avg", nil, nums(0.1, 0.2, 0.3), Num(0.2)},
		{"avg", nil, nums(0.1, 1e16, -1e16), Num(0.1 / 3)},
		{"avg", nil, mixed, Num(11.0 / 3)},
		{"avg", nil, nil, absentValue},
		{"stddev", nil, nums(2, 4, 4, 4, 5, 5, 7, 9), Num(math.Sqrt(32.0 / 7))},
		{"stddev", nil, nums(1e9+1, 1e9+2, 1e9+3), Num(1)},
		{"stddev", nil, nums(0.1, 0.1, 0.1), Num(0)},
		{"stddev", nil, nums(42), Num(0)},
		{"stddev", nil, nil, absentValue},
		{"min", nil, mixed, Str("3")}, // "3" and 3.0 tie numerically; text "3" < "3.0"
		{"max", nil, mixed, Num(5)},
		{"min", nil, []aggEvent{ev(Str("b")), ev(Str("a10")), ev(Str("a9"))}, Str("a9")},
		{"max", nil, []aggEvent{ev(Str("b")), ev(Str("a10")), ev(Str("a9"))}, Str("b")},
		{"max", nil, []aggEvent{ev(TimeMs(5)), ev(TimeMs(9)), ev(TimeMs(7))}, TimeMs(9)},
		{"min", nil, []aggEvent{ev(NumLexeme(1, "1")), ev(Str("1"))}, NumLexeme(1, "1")}, // tie → first
		{"max", nil, []aggEvent{ev(Str("1")), ev(NumLexeme(1, "1"))}, Str("1")},
		{"min", nil, nil, absentValue},
		{"sortsFirst", nil, mixed, Str("")},
		{"sortsLast", nil, mixed, Num(5)},
		{"sortsFirst", nil, []aggEvent{ev(Str("1")), ev(Str("a"))}, Str("a")},
		{"sortsLast", nil, []aggEvent{ev(Str("1")), ev(Str("a"))}, Str("1")},
		{"earliest", nil, timed, Str("b")},
		{"latest", nil, timed, Str("e")},
		{"earliest", nil, []aggEvent{ev(Str("x")), ev(Str("y"))}, Str("x")},
		{"latest", nil, []aggEvent{ev(Str("x")), ev(Str("y"))}, Str("x")},
		{"latest", nil, []aggEvent{evTs(Str("x"), 3), evTs(Str("y"), 3)}, Str("x")},
		{"earliest", nil, nil, absentValue},
		{"pct", []Value{Num(95)}, nums(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), Num(19)},
		{"pct", []Value{Num(50)}, nums(20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1), Num(10)},
		{"pct", []Value{Num(0)}, nums(3, 1, 2), Num(1)},
		{"pct", []Value{Num(100)}, nums(3, 1, 2), Num(3)},
		{"pct", []Value{Str("90")}, mixed, Num(5)},
		{"pct", []Value{Num(90)}, nil, absentValue},
	}
	for _, tt := range tests {
		got := checkSplits(t, tt.name, tt.params, tt.evs)
		if !identical(got, tt.want) {
			t.Errorf("%s(%v) over %d events = %+v (%q), want %+v (%q)", tt.name, tt.params, len(tt.evs), got, got.Render(), tt.want, tt.want.Render())
		}
	}
}

func TestAggFloatsSplitInvariant(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var evs []aggEvent
	for i := 0; i < 40; i++ {
		var f float64
		switch i % 5 {
		case 0:
			f = 0.1
		case 1:
			f = 1e16
		case 2:
			f = -1e16
		case 3:
			f = r.NormFloat64() * math.Pow(10, float64(r.Intn(30)-15))
		default:
			f = float64(r.Intn(1000))
		}
		evs = append(evs, ev(Num(f)))
	}
	evs = append(evs, ev(Num(5e-324)), ev(Num(-2.5e-320)))
	for _, name := range []string{"sum", "avg", "stddev", "pct"} {
		params := []Value(nil)
		if name == "pct" {
			params = []Value{Num(37)}
		}
		checkSplits(t, name, params, evs)
	}
}

func TestAggDefs(t *testing.T) {
	if _, err := lookupAgg("pct").newFn([]Value{Num(101)}); err == nil {
		t.Errorf("pct(x, 101) should fail")
	}
	if _, err := lookupAgg("pct").newFn([]Value{Str("x")}); err == nil {
		t.Errorf("pct(x, \"x\") should fail")
	}
	if lookupAgg("SortsFirst") == nil || lookupAgg("nosuch") != nil {
		t.Errorf("lookupAgg")
	}
	if d := lookupAgg("count"); d.minArgs != 0 || d.maxArgs != 1 {
		t.Errorf("count arity")
	}
	// Kept values do not alias the event buffer.
	buf := []byte("hello")
	a := newAgg(t, "min", nil)
	a.add(Str(unsafeString(buf)), 0, false, 0)
	copy(buf, "HELLO")
	if got := a.result().Str; got != "hello" {
		t.Errorf("min kept an alias of the input buffer: %q", got)
	}
}

func unsafeString(b []byte) string { return unsafe.String(&b[0], len(b)) }

// TestExactSumReference checks sum and avg against exact rational arithmetic, including the
// int64 fast path overflowing into the accumulator, subnormals and values near the maximum.
func TestExactSumReference(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	gens := []func() float64{
		func() float64 { return float64(r.Int63n(1<<53)) * float64(1-2*r.Intn(2)) },
		func() float64 { return r.NormFloat64() * math.Pow(2, float64(r.Intn(200)-100)) },
		func() float64 { return math.Float64frombits(r.Uint64() & 0x7fefffffffffffff) }, // any finite
		func() float64 { return math.Float64frombits(r.Uint64()&0x000fffffffffffff) * float64(1-2*r.Intn(2)) },
		func() float64 { return []float64{0.1, 1e16, -1e16, 1 << 53, -(1 << 53), 5e-324}[r.Intn(6)] },
	}
	for trial := 0; trial < 100; trial++ {
		n := 1 + r.Intn(1000)
		g1, g2 := gens[r.Intn(len(gens))], gens[r.Intn(len(gens))]
		var exact big.Rat
		sum, avg := newAgg(t, "sum", nil), newAgg(t, "avg", nil)
		sum2, avg2 := newAgg(t, "sum", nil), newAgg(t, "avg", nil)
		for i := 0; i < n; i++ {
			g := g1
			if i%2 == 1 {
				g = g2
			}
			f := g()
			var q big.Rat
			exact.Add(&exact, q.SetFloat64(f))
			if i%3 == 0 {
				sum.add(Num(f), 0, false, uint64(i))
				avg.add(Num(f), 0, false, uint64(i))
			} else {
				sum2.add(Num(f), 0, false, uint64(i))
				avg2.add(Num(f), 0, false, uint64(i))
			}
		}
		sum.merge(sum2)
		avg.merge(avg2)
		wantSum, _ := exact.Float64()
		wantAvg, _ := new(big.Rat).Quo(&exact, new(big.Rat).SetInt64(int64(n))).Float64()
		if got := sum.result(); !math.IsInf(wantSum, 0) && (got.Kind != Number || math.Float64bits(got.Num) != math.Float64bits(wantSum+0)) {
			t.Fatalf("trial %d: sum = %v, want %v", trial, got.Num, wantSum)
		}
		if got := avg.result(); got.Kind != Number || math.Float64bits(got.Num) != math.Float64bits(wantAvg+0) {
			t.Fatalf("trial %d: avg = %v, want %v", trial, got.Num, wantAvg)
		}
	}
	// Many integers of magnitude 2^53 overflow the int64 fast path.
	a, b := newAgg(t, "sum", nil), newAgg(t, "sum", nil)
	for i := 0; i < 3000; i++ {
		a.add(Num(1<<53), 0, false, uint64(i))
		b.add(Num(-(1<<53)+1), 0, false, uint64(i))
	}
	a.merge(b)
	if got := a.result(); got.Num != 3000 {
		t.Errorf("overflowing integer sum = %v, want 3000", got.Num)
	}
}

func TestStddevReference(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for trial := 0; trial < 100; trial++ {
		n := 2 + r.Intn(200)
		base := r.NormFloat64() * math.Pow(10, float64(r.Intn(20)))
		var s1, s2 big.Rat
		a := newAgg(t, "stddev", nil)
		for i := 0; i < n; i++ {
			f := base + r.NormFloat64()*math.Pow(10, float64(r.Intn(6)-3))
			var q big.Rat
			q.SetFloat64(f)
			s1.Add(&s1, &q)
			s2.Add(&s2, q.Mul(&q, &q))
			a.add(Num(f), 0, false, uint64(i))
		}
		nn := new(big.Rat).SetInt64(int64(n))
		v := new(big.Rat).Mul(nn, &s2)
		v.Sub(v, new(big.Rat).Mul(&s1, &s1))
		v.Quo(v, new(big.Rat).SetInt64(int64(n)*int64(n-1)))
		vf, _ := v.Float64()
		want := math.Sqrt(vf)
		got := a.result().Num
		if math.Abs(got-want) > 2*math.Abs(math.Nextafter(want, math.Inf(1))-want) {
			t.Fatalf("trial %d: stddev = %v, want %v", trial, got, want)
		}
	}
}

// count_distinct allocates only for a value it has not seen (strings and JSON numbers, whose
// text needs no formatting): the per-event cost of a count_distinct over a few users is a map
// lookup.
func TestDistinctAddSeenNoAlloc(t *testing.T) {
	var a distinctAgg
	vals := []Value{Str("system:serviceaccount:kube-system:generic-garbage-collector"), NumLexeme(200, "200"), Str("u")}
	for _, v := range vals {
		a.add(v, 0, false, 0)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, v := range vals {
			a.add(v, 0, false, 0)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per add of seen values", n)
	}
	a.add(Str("new"), 0, false, 0)
	a.add(Num(200), 0, false, 0) // the same class and text as the lexeme 200
	a.add(Str("200"), 0, false, 0)
	if r := a.result(); r.Num != 5 {
		t.Fatalf("count_distinct = %v, want 5", r.Num)
	}
}
