package sqlgen

import (
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/auditgrep/auditgrep/pkg/convert"
	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// streamPrune returns a condition on the stream partition column implied by a filter
// condition, or "": a top-level conjunct `@logStream like /^prefix/` (or =~, or = "name")
// limits the stream kinds (convert.StreamKind) the matching events can have, so an engine
// reads only those folders. The condition is redundant: it never changes the answer.
func (t *tr) streamPrune(cond ast.Expr) string {
	var kinds []string
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.Binary:
			switch e.Op {
			case "and":
				walk(e.X)
				walk(e.Y)
			case "=":
				if f, ok := e.X.(*ast.Field); ok && f.Name == "@logStream" {
					if s, ok := e.Y.(*ast.StrLit); ok {
						kinds = intersect(kinds, []string{convert.StreamKind(s.Val)})
					}
				}
			}
		case *ast.Like:
			f, ok := e.X.(*ast.Field)
			if !ok || f.Name != "@logStream" || e.Not {
				return
			}
			var src string
			switch p := e.Pat.(type) {
			case *ast.RegexLit:
				src = p.Src
			case *ast.StrLit:
				if e.Op != "=~" {
					return
				}
				src = p.Val
			}
			if prefix, ok := anchoredPrefix(src); ok {
				kinds = intersect(kinds, kindsWithPrefix(prefix))
			}
		}
	}
	walk(cond)
	if kinds == nil {
		return ""
	}
	col := t.d.ident(convert.KeyStream.Dir())
	if len(kinds) == 0 {
		return "FALSE"
	}
	q := make([]string, len(kinds))
	for i, k := range kinds {
		q[i] = t.d.str(k)
	}
	if len(q) == 1 {
		return col + " = " + q[0]
	}
	return col + " IN (" + strings.Join(q, ", ") + ")"
}

// anchoredPrefix is the literal text a regex requires at the start of the value: ^ followed
// by case-sensitive literal characters (then anything).
func anchoredPrefix(src string) (string, bool) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	if len(subs) < 2 || subs[0].Op != syntax.OpBeginText {
		return "", false
	}
	var b strings.Builder
	for _, s := range subs[1:] {
		if s.Op != syntax.OpLiteral || s.Flags&syntax.FoldCase != 0 {
			break
		}
		b.WriteString(string(s.Rune))
	}
	return b.String(), b.Len() > 0
}

// kindsWithPrefix are the stream kinds a @logStream that starts with prefix can have.
func kindsWithPrefix(prefix string) []string {
	var out []string
	for _, k := range convert.StreamKinds[:len(convert.StreamKinds)-1] {
		switch {
		case strings.HasPrefix(prefix, k):
			// Every such stream has kind k, unless an earlier kind (already listed) matched.
			return append(out, k)
		case strings.HasPrefix(k, prefix):
			out = append(out, k)
		}
	}
	return append(out, "other")
}

// intersect narrows a kind set; nil is "not limited yet".
func intersect(a, b []string) []string {
	if a == nil {
		return b
	}
	out := []string{}
	for _, k := range a {
		if slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}
