package match

import (
	"strings"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// CloudWatch accepts an aggregate call as a sort key after stats (`stats count(*) by verb |
// sort count(*) desc`): it names the stats column of that aggregate, whatever its alias. This
// file rewrites such a key into a read of the column before the key is compiled.

// aggKey is the canonical text of an aggregate expression, function names lower-cased
// (COUNT(*) and count(*) are the same column).
func aggKey(e syntax.Expr) string {
	if c, ok := e.(*syntax.Call); ok {
		parts := make([]string, len(c.Args))
		for i, a := range c.Args {
			parts[i] = aggKey(a)
		}
		return strings.ToLower(c.Name) + "(" + strings.Join(parts, ", ") + ")"
	}
	return e.String()
}

func isAggCall(e syntax.Expr) bool {
	c, ok := e.(*syntax.Call)
	return ok && lookupAgg(strings.ToLower(c.Name)) != nil
}

// sortKeyExpr returns the sort key x with every aggregate call replaced by the column of st
// that computes it; x itself when it has none. st is the stats the sort follows (nil: none).
func sortKeyExpr(x syntax.Expr, st *syntax.StatsCmd) (syntax.Expr, error) {
	hasAgg := false
	syntax.Walk(x, func(e syntax.Expr) { hasAgg = hasAgg || isAggCall(e) })
	if !hasAgg {
		return x, nil
	}
	cols := map[string]string{}
	var texts []string
	if st != nil {
		for _, it := range st.Aggs {
			k := aggKey(it.X)
			if _, dup := cols[k]; !dup {
				cols[k] = it.Name()
			}
			t := it.Text
			if it.Alias != "" {
				t += " as " + it.Alias
			}
			texts = append(texts, t)
		}
	}
	var bad *syntax.Call
	var rw func(e syntax.Expr) syntax.Expr
	rw = func(e syntax.Expr) syntax.Expr {
		switch e := e.(type) {
		case *syntax.Call:
			if isAggCall(e) {
				col, ok := cols[aggKey(e)]
				if !ok {
					if bad == nil {
						bad = e
					}
					return e
				}
				return &syntax.Field{Sp: e.Sp, Name: col, Path: []string{col}}
			}
			c := *e
			c.Args = make([]syntax.Expr, len(e.Args))
			for i, a := range e.Args {
				c.Args[i] = rw(a)
			}
			return &c
		case *syntax.Binary:
			c := *e
			c.X, c.Y = rw(e.X), rw(e.Y)
			return &c
		case *syntax.Unary:
			c := *e
			c.X = rw(e.X)
			return &c
		case *syntax.Index:
			c := *e
			c.X = rw(e.X)
			return &c
		case *syntax.Like:
			c := *e
			c.X = rw(e.X)
			return &c
		case *syntax.In:
			c := *e
			c.X = rw(e.X)
			return &c
		}
		return e
	}
	out := rw(x)
	if bad != nil {
		if st == nil {
			return nil, syntax.Errorf(bad.Sp, "sort by %s needs a stats command that computes it: an aggregate has a value only after stats", bad.String())
		}
		return nil, syntax.Errorf(bad.Sp, "sort by %s: the stats command computes no %s (its aggregates: %s); add it to the stats, or sort by one of its columns", bad.String(), bad.String(), strings.Join(texts, ", "))
	}
	return out, nil
}
