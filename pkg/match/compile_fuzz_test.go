package match

import (
	"errors"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// FuzzCompile checks that planning never panics, in both evaluation modes, and that its errors
// are located *syntax.Error values inside the text. (syntax.FuzzParse fuzzes the parser alone.)
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"fields @timestamp, @message | sort @timestamp desc | limit 20",
		"filter verb = 'create' and objectRef.subresource = 'eviction' | stats count(*) by bin(5m)",
		"parse @message /user=(?<u>\\S+)/ | stats count_distinct(u) as n by bin(1h) as t | filter n > 1",
		"stats count(*) as c by verb | stats max(c) | sort c desc",
		"dedup user.username | unnest user.groups into g | display g",
		"parse @message logfmt as lf | filter lf.level = \"error\" | stats count(*) by lf.host | sort count(*) desc",
		"parse @message csv as a, b | parse b /(\\d+)/ as n multi | fields formatDate(@timestamp, \"%F\", \"UTC\") as d, md5(a) as h",
		"fields parseDate(x, \"yyyy-MM-dd'T'HH:mm:ssXXX\") as t | stats max(t) by bin(1h) | sort max(t)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, strict := range []bool{false, true} {
			p, err := Compile(in, Options{StrictPipeline: strict})
			if err != nil {
				var e *syntax.Error
				if !errors.As(err, &e) {
					t.Fatalf("Compile(%q): error %T is not a *syntax.Error", in, err)
				}
				if e.Offset < 0 || e.Offset > len(in) || e.Len < 1 {
					t.Fatalf("Compile(%q): bad error span %d+%d", in, e.Offset, e.Len)
				}
				continue
			}
			_ = p.Explain()
		}
	})
}
