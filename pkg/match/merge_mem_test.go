package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// twoKeyPartial writes a partial of `stats count(*), sum(x) by verb, requestURI` with the
// groups [lo, hi) of one run.
func twoKeyPartial(t testing.TB, p *Query, shard, shards, lo, hi int) PartialSource {
	var buf bytes.Buffer
	e := newPenc(&buf)
	h := PartialHeader{Version: "test", Query: p.q.String(), Canonical: p.q.String(), Shard: shard, Shards: shards, Kind: partialStats}
	e.header(&h)
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	for i := lo; i < hi; i++ {
		g := &group{keys: []Value{Str(verbs[i%len(verbs)]), Str(fmt.Sprintf("/api/v1/namespaces/ns%d/pods/p%d", i%1000, i))}, first: ord(shard, i+1)}
		for _, a := range p.stats[0].aggs {
			s, _ := a.def.newFn(a.params)
			s.add(Num(float64(i%97)+0.25), 0, false, g.first)
			g.states = append(g.states, s)
		}
		e.group(g)
	}
	if err := e.trailer(RunStats{RecordsScanned: int64(hi - lo)}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	return PartialSource{Name: fmt.Sprint("p", shard), R: bytes.NewReader(b), Size: int64(len(b))}
}

// mergedTableBytes merges two partials that share half of their groups (groups in all) into
// one group table and returns the live heap that table holds after a GC.
func mergedTableBytes(t testing.TB, groups int) uint64 {
	q, err := syntax.Parse(`stats count(*) as n, sum(x) as s by verb, requestURI`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compileSyntax(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srcs := []PartialSource{
		twoKeyPartial(t, p, 0, 2, 0, groups*3/4),
		twoKeyPartial(t, p, 1, 2, groups/4, groups),
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	x := newExecutor(p, &heapAtBegin{}, execOptions{Workers: 1})
	for _, s := range srcs {
		if err := x.mergeOne(s, x.workers[0], false); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	after := ms.HeapAlloc
	if n := x.workers[0].groups.len(); n != groups {
		t.Fatalf("merged %d groups, want %d", n, groups)
	}
	runtime.KeepAlive(x)
	runtime.KeepAlive(srcs)
	return after - min(base, after)
}

// TestMergeBytesPerGroup: a merged group of simple aggregates holds its keys once, as bytes,
// and its states inline in slabs, so that a million groups fit in 400 MB.
func TestMergeBytesPerGroup(t *testing.T) {
	const groups = 100_000
	perGroup := float64(mergedTableBytes(t, groups)) / groups
	t.Logf("%.0f bytes of state per group (count(*) and sum by two string keys)", perGroup)
	if perGroup > 400 {
		t.Errorf("%.0f bytes of state per group, want <= 400", perGroup)
	}
}

// BenchmarkMergeGroups is BenchmarkMergeMillionGroups at 200k groups, for quick comparisons.
func BenchmarkMergeGroups(b *testing.B) {
	b.Run("groups=200k/partials=2", func(b *testing.B) {
		var heap uint64
		for b.Loop() {
			heap, _ = mergeGroups(b, 2, 200_000)
		}
		b.ReportMetric(float64(heap)/(1<<20), "heapMB")
	})
}
