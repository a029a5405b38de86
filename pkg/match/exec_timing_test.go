package match

import (
	"fmt"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// BenchmarkRowStage measures the row stage alone (filter, fields, parse, unnest over batches of
// already-read events), the loop every event goes through.
func BenchmarkRowStage(b *testing.B) {
	var events []string
	for i := 0; i < 4096; i++ {
		verb := []string{"get", "list", "watch", "delete"}[i%4]
		events = append(events, fmt.Sprintf(`%d kube-apiserver-audit-a {"verb":%q,"user":{"username":"u%d"},"requestURI":"/api/v1/namespaces/ns%d/pods/p%d","lat":%d}`, 1000+i, verb, i%50, i%7, i, i%97))
	}
	bs := batches(events, 512)
	for _, tc := range []struct{ name, q string }{
		{"filter-fields", `filter verb = "get" or verb = "list" | fields verb, lat * 2 as d`},
		{"parse-stats", `parse requestURI "/namespaces/*/pods/*" as ns, pod | stats count(*) by ns`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			pq, err := syntax.Parse(tc.q)
			if err != nil {
				b.Fatal(err)
			}
			p, err := compileSyntax(pq, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				x := newExecutor(p, &capture{}, execOptions{Workers: 1})
				for _, bt := range bs {
					if err := x.Batch(0, bt); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := x.Finish(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
