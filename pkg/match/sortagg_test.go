package match

import (
	"errors"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// TestSortByAggregate: an aggregate call as a sort key after stats names the stats column of
// that aggregate, by its canonical text, whatever its alias (issue #14).
func TestSortByAggregate(t *testing.T) {
	cases := []langCase{
		{`stats count(*) by verb | sort count(*) desc, verb`,
			[]string{"verb=get count(*)=3", "count(*)=2", "verb=delete count(*)=1", "verb=list count(*)=1"}},
		// With an alias; the function name in any case.
		{`stats count(*) as n by verb | sort COUNT(*) desc, verb | limit 2`, []string{"verb=get n=3", "n=2"}},
		// Several aggregates: each names its own column; inside an expression too.
		{`filter ispresent(verb) | stats count(*) as n, avg(lat) as a by verb | sort avg(lat) desc`,
			[]string{"verb=delete n=1 a=40", "verb=list n=1 a=30", "verb=get n=3 a=11.666666666666666"}},
		{`filter ispresent(verb) | stats count(*) as n, sum(lat) by verb | sort -sum(lat), verb`,
			[]string{"verb=delete n=1 sum(lat)=40", "verb=get n=3 sum(lat)=35", "verb=list n=1 sum(lat)=30"}},
		// Two stats: the key names a column of the last one.
		{`stats count(*) as n by verb, user.username | stats sum(n) as total by verb | sort sum(n) desc`,
			[]string{"verb=get total=3", "total=2", "verb=list total=1", "verb=delete total=1"}},
	}
	runLangCases(t, Options{}, cases)
	runLangCases(t, Options{StrictPipeline: true}, cases)

	for _, tc := range []struct{ q, at, msg string }{
		{`stats count(*) as n, avg(lat) by verb | sort max(lat) desc`, "max(lat)",
			"sort by max(lat): the stats command computes no max(lat) (its aggregates: count(*) as n, avg(lat)); add it to the stats, or sort by one of its columns"},
		{`stats count(*) * 2 as n by verb | sort count(*)`, "count(*)",
			"sort by count(*): the stats command computes no count(*) (its aggregates: count(*) * 2 as n); add it to the stats, or sort by one of its columns"},
		{`fields verb | sort count(*) desc`, "count(*)",
			"sort by count(*) needs a stats command that computes it: an aggregate has a value only after stats"},
	} {
		for _, strict := range []bool{false, true} {
			_, err := Compile(tc.q, Options{StrictPipeline: strict})
			var se *syntax.Error
			if !errors.As(err, &se) {
				t.Errorf("%s: error %v, want a *syntax.Error", tc.q, err)
				continue
			}
			if got := tc.q[se.Offset : se.Offset+se.Len]; got != tc.at || se.Msg != tc.msg {
				t.Errorf("%s (strict %v): error at %q: %s\nwant at %q: %s", tc.q, strict, got, se.Msg, tc.at, tc.msg)
			}
		}
	}
}
