package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// specPath finds the shared insights-spec.md beside an ancestor of the working directory.
func specPath(t *testing.T) string {
	t.Helper()
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, c := range []string{filepath.Join(d, "shared", "insights-spec.md"), filepath.Join(d, "..", "shared", "insights-spec.md")} {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if os.Getenv("CI") != "" {
		t.Fatal("shared/insights-spec.md not found beside the repository")
	}
	t.Skip("shared/insights-spec.md not found")
	return ""
}

var (
	specSpan2 = regexp.MustCompile("``\\s?(.+?)\\s?``")
	specSpan1 = regexp.MustCompile("`([^`\n]+)`")
	specCmd   = regexp.MustCompile(`(?i)^(fields|display|filter|where|filterindex|stats|sort|limit|parse|dedup|unnest|unmask)\s`)
)

// specQueries extracts the code spans of the spec that are whole queries: they start with a
// command and are not abbreviated with an ellipsis.
func specQueries(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(q string) {
		q = strings.TrimSpace(q)
		q = strings.TrimSpace(strings.TrimPrefix(q, "|"))
		if !specCmd.MatchString(q) || strings.Contains(q, "…") || strings.Contains(q, "...") || seen[q] {
			return
		}
		seen[q] = true
		out = append(out, q)
	}
	for _, m := range specSpan2.FindAllStringSubmatch(text, -1) {
		add(m[1])
	}
	rest := specSpan2.ReplaceAllString(text, "")
	for _, m := range specSpan1.FindAllStringSubmatch(rest, -1) {
		add(m[1])
	}
	return out
}

// specQueryRejected are spec quotes that must not parse: syntax sketches, the documented doc
// bugs (A50) and service-only commands.
var specQueryRejected = map[string]bool{
	"fields filter stats sort limit parse": true, // a list of command names
	"limit any N":                          true, // syntax sketches
	"limit N":                              true,
	"parse @message":                       true,
	"fields item (, item)*":                true,
	"display item (, item)*":               true,
	"stats aggitem (, aggitem)* [by groupitem (, groupitem)*]": true,
	"sort expr [asc|desc] (, expr [asc|desc])*":                true,
	"parse [sourceField] /regex/":                              true,
	"parse f /regex/ multi":                                    true, // newest multi-match parse: not supported
}

// TestSpecQueries checks that every query quoted in insights-spec.md parses, that its canonical
// form is a fixed point, and that the canonical form compiles to the same plan.
func TestSpecQueries(t *testing.T) {
	data, err := os.ReadFile(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	qs := specQueries(string(data))
	if len(qs) < 30 {
		t.Fatalf("only %d queries found in the spec", len(qs))
	}
	for _, in := range qs {
		q, err := syntax.Parse(in)
		if specQueryRejected[in] {
			if err == nil {
				t.Errorf("Parse(%q) should fail", in)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		s := q.String()
		q2, err := syntax.Parse(s)
		if err != nil {
			t.Errorf("reparse of %q (from %q): %v", s, in, err)
			continue
		}
		if s2 := q2.String(); s2 != s {
			t.Errorf("not a fixed point: %q -> %q", s, s2)
		}
		p1, err1 := compileSyntax(q, Options{})
		p2, err2 := compileSyntax(q2, Options{})
		if (err1 == nil) != (err2 == nil) {
			t.Errorf("%q: compile errors differ: %v / %v", in, err1, err2)
			continue
		}
		if err1 == nil {
			if e1, e2 := p1.Explain(), p2.Explain(); e1 != e2 {
				t.Errorf("%q: plans differ:\n%s\n%s", in, e1, e2)
			}
		}
	}
	t.Logf("%d spec queries", len(qs))
}
