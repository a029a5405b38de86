package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// roundTrip encodes a state and decodes it into a fresh state of the same aggregate.
func roundTrip(t testing.TB, def *aggDef, params []Value, s aggFunc) aggFunc {
	var buf bytes.Buffer
	e := newPenc(&buf)
	s.encode(e)
	e.flush()
	n, err := def.newFn(params)
	if err != nil {
		t.Fatal(err)
	}
	d := newPdec(bufio.NewReader(&buf))
	n.decode(d)
	if d.err != nil {
		t.Fatalf("%s: decode: %v", def.name, d.err)
	}
	if _, err := d.r.ReadByte(); err == nil {
		t.Fatalf("%s: bytes left after decode", def.name)
	}
	return n
}

type aggInput struct {
	v     Value
	ts    int64
	hasTs bool
	ord   uint64
}

func randValue(r *rand.Rand) Value {
	switch r.IntN(9) {
	case 0:
		return absentValue
	case 1:
		return Str([]string{"a", "b", "N/A", "", "200", "zz"}[r.IntN(6)])
	case 2:
		return NumLexeme(float64(r.IntN(5)), fmt.Sprint(r.IntN(5)))
	case 3:
		return Num((r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20)))
	case 4:
		return Num(float64(r.IntN(1000)) / 7)
	case 5:
		return TimeMs(int64(r.IntN(1000)))
	case 6:
		return BoolV(r.IntN(2) == 0)
	case 7:
		return Num([]float64{1e308, -1e308, 0.1, 1e-300, 5e-324}[r.IntN(5)])
	}
	return Value{Kind: List, Elems: []Value{Num(1)}}
}

func sameMerged(a, b Value) bool {
	return a.Kind == b.Kind && a.Str == b.Str && math.Float64bits(a.Num) == math.Float64bits(b.Num) && a.Render() == b.Render()
}

// TestAggregateMergeProperties: for every aggregate, splitting the input into any number of
// states, sending each through the partial format, and merging them in any order and grouping
// (commutative, associative), with empty states anywhere (an identity), gives the result of
// one state that saw everything in order.
func TestAggregateMergeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"count", "count_distinct", "sum", "avg", "stddev", "min", "max", "sortsFirst", "sortsLast", "earliest", "latest", "pct"}
	for _, name := range names {
		def := lookupAgg(name)
		var params []Value
		if name == "pct" {
			params = []Value{Num(90)}
		}
		mk := func() aggFunc {
			s, err := def.newFn(params)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		for trial := 0; trial < 200; trial++ {
			in := make([]aggInput, r.IntN(60))
			for i := range in {
				in[i] = aggInput{randValue(r), int64(r.IntN(20)), r.IntN(4) != 0, uint64(i)}
			}
			ref := mk()
			for _, x := range in {
				ref.add(x.v, x.ts, x.hasTs, x.ord)
			}
			want := ref.result()
			// Split into k parts, assigning events at random (not only contiguous runs).
			k := 1 + r.IntN(6)
			parts := make([]aggFunc, k)
			for i := range parts {
				parts[i] = mk()
			}
			for _, x := range in {
				parts[r.IntN(k)].add(x.v, x.ts, x.hasTs, x.ord)
			}
			for i := range parts {
				parts[i] = roundTrip(t, def, params, parts[i])
			}
			// Empty partials are identities.
			for range r.IntN(3) {
				parts = append(parts, roundTrip(t, def, params, mk()))
			}
			r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			// Merge in a random tree: pick two neighbours, merge, replace, until one is left.
			for len(parts) > 1 {
				i := r.IntN(len(parts) - 1)
				a, b := parts[i], parts[i+1]
				if r.IntN(2) == 0 {
					a, b = b, a
				}
				a.merge(b)
				if r.IntN(2) == 0 {
					a = roundTrip(t, def, params, a)
				}
				parts = append(parts[:i], append([]aggFunc{a}, parts[i+2:]...)...)
			}
			if got := parts[0].result(); !sameMerged(got, want) {
				t.Fatalf("%s trial %d: merged %#v, single %#v", name, trial, got, want)
			}
		}
	}
}

func TestValueRoundTrip(t *testing.T) {
	vals := []Value{
		absentValue, Str(""), Str("héllo\x00"), NumLexeme(1.5, "1.50"), Num(math.Copysign(0, -1)), Num(math.NaN()),
		Num(math.Inf(-1)), BoolV(true), {Kind: Bool, Num: 1, Str: "true"}, TimeMs(-5), {Kind: Period, Num: 5, Str: "m"},
		{Kind: String, Str: `{"a":1}`, JSON: true}, {Kind: List, Elems: []Value{}}, {Kind: List},
		{Kind: Map, Elems: []Value{Num(1), {Kind: List, Elems: []Value{Str("x")}}}, Keys: []string{"a", "b"}},
	}
	var buf bytes.Buffer
	e := newPenc(&buf)
	e.values(vals)
	e.values(nil)
	e.flush()
	d := newPdec(bufio.NewReader(&buf))
	got := d.values()
	if d.values() != nil || d.err != nil || len(got) != len(vals) {
		t.Fatalf("decoded %d values, err %v", len(got), d.err)
	}
	for i := range vals {
		if fmt.Sprintf("%#v", got[i]) != fmt.Sprintf("%#v", vals[i]) || math.Float64bits(got[i].Num) != math.Float64bits(vals[i].Num) {
			t.Errorf("value %d: %#v, want %#v", i, got[i], vals[i])
		}
	}
}

// statsPartial writes a partial of `stats count(*), sum(x) by requestURI` with groups URIs.
func statsPartial(t testing.TB, p *Query, shard, shards, groups int) []byte {
	var buf bytes.Buffer
	e := newPenc(&buf)
	h := PartialHeader{Version: "test", Query: p.q.String(), Canonical: p.q.String(), Shard: shard, Shards: shards, Kind: partialStats}
	e.header(&h)
	st := p.stats[0]
	for i := 0; i < groups; i++ {
		g := &group{keys: []Value{Str(fmt.Sprintf("/api/v1/namespaces/ns%d/pods/p%d", i%1000, i))}, first: ord(shard, i+1)}
		for _, a := range st.aggs {
			s, _ := a.def.newFn(a.params)
			s.add(Num(float64(i%97)+0.25), 0, false, g.first)
			g.states = append(g.states, s)
		}
		e.group(g)
	}
	if err := e.trailer(RunStats{RecordsScanned: int64(groups)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type heapAtBegin struct {
	rows int
	heap uint64
}

func (w *heapAtBegin) Begin([]string) error {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.heap = ms.HeapAlloc
	return nil
}
func (w *heapAtBegin) Row([]Value, []byte) error { w.rows++; return nil }
func (w *heapAtBegin) End() error                { return nil }

func mergeGroups(t testing.TB, partials, groups int) (heap uint64, rows int) {
	q, err := syntax.Parse(`stats count(*) as n, sum(x) as s by requestURI`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compileSyntax(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var srcs []PartialSource
	for i := 0; i < partials; i++ {
		b := statsPartial(t, p, i, partials, groups)
		srcs = append(srcs, PartialSource{Name: fmt.Sprint("p", i), R: bytes.NewReader(b), Size: int64(len(b))})
	}
	ps, err := OpenPartials(srcs)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	w := &heapAtBegin{}
	st, err := ps.Merge(p, w, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.RowsOut != int64(groups) || w.rows != groups {
		t.Fatalf("merged %d rows of %d groups", w.rows, groups)
	}
	return w.heap - min(base, w.heap), w.rows
}

// TestMergeMemoryBounded: merging streams the groups of each partial into one table, so the
// memory of a merge depends on the number of groups, not on the number of partials.
func TestMergeMemoryBounded(t *testing.T) {
	groups := 50_000
	if testing.Short() {
		groups = 20_000
	}
	h2, _ := mergeGroups(t, 2, groups)
	h8, _ := mergeGroups(t, 8, groups)
	t.Logf("heap after merging %d groups: %d MB from 2 partials, %d MB from 8", groups, h2>>20, h8>>20)
	if float64(h8) > 1.5*float64(h2)+(8<<20) {
		t.Errorf("merging 8 partials took %d bytes, 2 partials %d: memory grows with the partials", h8, h2)
	}
}

// BenchmarkMergeMillionGroups merges partials of `stats ... by requestURI` with a million
// groups each; heapMB is the live heap once all groups are merged (the whole table), the same
// for 2 or 8 partials.
func BenchmarkMergeMillionGroups(b *testing.B) {
	for _, parts := range []int{2, 8} {
		b.Run(fmt.Sprintf("partials=%d", parts), func(b *testing.B) {
			var heap uint64
			for b.Loop() {
				heap, _ = mergeGroups(b, parts, 1_000_000)
			}
			b.ReportMetric(float64(heap)/(1<<20), "heapMB")
		})
	}
}
