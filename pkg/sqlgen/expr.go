package sqlgen

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"math"
	"net/netip"
	"regexp/syntax"
	"strconv"
	"strings"

	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// vtype is the static type of a translated expression. Insights values are typed per row;
// the translator knows statically what a typed column, a literal or a function returns, and
// treats text (a JSON field, a parse capture) as Insights treats a string: numeric when it
// reads completely as a decimal number (spec §7.2).
type vtype int

const (
	tStr vtype = iota
	tNum
	tTime
	tBool
)

// texpr is a translated expression.
type texpr struct {
	sql   string
	t     vtype
	isInt bool // a tNum known to be integral (an INT column, count(*), an integer literal)
	// lit is set for literals: the Insights value's text (a string's value, a number's digits).
	lit   *string
	isNum bool // lit is a number literal
}

// numRe is what Insights reads as a number in a string (pkg/internal/num): an optional
// sign, digits with an optional fraction, an optional exponent. \z, not $, so that a trailing
// newline does not match under Java's regexes (Trino, Spark).
const numRe = `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\z`

// sortNumRe is a "number value" of the sort order (pkg/match sortNumberText): -?\d+(\.\d+)?.
const sortNumRe = `^-?[0-9]+(\.[0-9]+)?\z`

// wsClass is Go's unicode.IsSpace set, which trim and isblank use.
const wsClass = `[\t\n\x{0B}\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]`

func strExpr(sql string) texpr { return texpr{sql: sql, t: tStr} }

func (t *tr) nullOf(ty vtype) texpr {
	switch ty {
	case tNum:
		return texpr{sql: "CAST(NULL AS DOUBLE)", t: tNum}
	case tTime:
		return texpr{sql: "CAST(NULL AS TIMESTAMP)", t: tTime}
	case tBool:
		return texpr{sql: "CAST(NULL AS BOOLEAN)", t: tBool}
	}
	return texpr{sql: "CAST(NULL AS " + t.d.varchar() + ")", t: tStr}
}

// num is e's numeric reading (DOUBLE or integer), NULL where Insights has none.
func (t *tr) num(e texpr) string {
	switch e.t {
	case tNum:
		return e.sql
	case tBool:
		return "(CASE WHEN " + e.sql + " THEN 1 WHEN NOT " + e.sql + " THEN 0 END)"
	case tTime:
		return t.d.epochMs(e.sql)
	}
	if e.lit != nil {
		if f, ok := num.Parse(*e.lit); ok {
			return num.Format(f)
		}
		return "CAST(NULL AS DOUBLE)"
	}
	return "(CASE WHEN " + t.d.regexMatch(e.sql, numRe) + " THEN CAST(" + e.sql + " AS DOUBLE) END)"
}

// alwaysNum reports whether e's numeric reading is e itself whenever e is present.
func alwaysNum(e texpr) bool {
	if e.t == tStr {
		if e.lit != nil {
			_, ok := num.Parse(*e.lit)
			return ok
		}
		return false
	}
	return true
}

// neverNum reports whether e never has a numeric reading.
func neverNum(e texpr) bool {
	if e.t == tStr && e.lit != nil {
		_, ok := num.Parse(*e.lit)
		return !ok
	}
	return false
}

// text is e rendered as Insights renders it (spec §12.2), for like, string functions and
// comparisons as text.
func (t *tr) text(e texpr, sp ast.Span) (string, error) {
	switch e.t {
	case tStr:
		if e.lit != nil {
			return t.d.str(*e.lit), nil
		}
		return e.sql, nil
	case tTime:
		return t.d.fmtTime(e.sql), nil
	case tBool:
		return "(CASE WHEN " + e.sql + " THEN '1' WHEN NOT " + e.sql + " THEN '0' END)", nil
	}
	if e.lit != nil {
		return t.d.str(*e.lit), nil
	}
	if e.isInt {
		return "CAST(CAST(" + e.sql + " AS BIGINT) AS " + t.d.varchar() + ")", nil
	}
	if t.d.e == Trino || t.d.e == Athena {
		// Trino prints a DOUBLE in scientific notation (2.5E0); Insights prints 2.5.
		return "", ast.Errorf(sp, "a computed number used as text has no faithful rendering in %s (it prints doubles in scientific notation)", t.d.e)
	}
	return "(CASE WHEN " + e.sql + " = floor(" + e.sql + ") AND abs(" + e.sql + ") < 1e15 THEN CAST(CAST(" + e.sql + " AS BIGINT) AS " + t.d.varchar() + ") ELSE CAST(" + e.sql + " AS " + t.d.varchar() + ") END)", nil
}

// cond is e as a filter condition: booleans as they are, numbers when non-zero, strings when
// they read as a non-zero number (Value.Truthy).
func (t *tr) cond(e texpr) string {
	if e.t == tBool {
		return e.sql
	}
	return "(" + t.num(e) + " <> 0)"
}

// boolValue turns a boolean into the value Insights keeps (1 or 0) when it is projected.
func (t *tr) boolValue(e texpr) texpr {
	if e.t != tBool {
		return e
	}
	return texpr{sql: "(CASE WHEN " + e.sql + " THEN 1 WHEN NOT " + e.sql + " THEN 0 END)", t: tNum, isInt: true}
}

// expr translates an expression in scope sc.
func (t *tr) expr(sc *scope, e ast.Expr) (texpr, error) {
	switch e := e.(type) {
	case *ast.Field:
		return t.field(sc, e.Name, e.Sp)
	case *ast.StrLit:
		v := e.Val
		return texpr{sql: t.d.str(v), t: tStr, lit: &v}, nil
	case *ast.NumLit:
		s := num.Format(e.Val)
		if math.IsInf(e.Val, 0) || math.IsNaN(e.Val) {
			return texpr{}, ast.Errorf(e.Sp, "number %s is out of range", e.Text)
		}
		return texpr{sql: s, t: tNum, isInt: e.Val == math.Trunc(e.Val), lit: &s, isNum: true}, nil
	case *ast.Unary:
		x, err := t.expr(sc, e.X)
		if err != nil {
			return texpr{}, err
		}
		if e.Op == "not" {
			return texpr{sql: "(NOT " + t.cond(x) + ")", t: tBool}, nil
		}
		return texpr{sql: "(-" + t.num(x) + ")", t: tNum, isInt: x.isInt}, nil
	case *ast.Binary:
		return t.binary(sc, e)
	case *ast.Like:
		return t.like(sc, e)
	case *ast.In:
		return t.in(sc, e)
	case *ast.Call:
		return t.call(sc, e)
	case *ast.Index:
		return texpr{}, ast.Errorf(e.Sp, "%s: indexing a jsonParse value has no SQL translation (only flattened fields such as a.b.0 do)", e)
	case *ast.PeriodLit:
		return texpr{}, ast.Errorf(e.Sp, "a time period can only be an argument of bin, datefloor or dateceil")
	case *ast.RegexLit:
		return texpr{}, ast.Errorf(e.Sp, "a regular expression can only follow like, not like or =~")
	case *ast.ListLit:
		return texpr{}, ast.Errorf(e.Sp, "a list can only follow in or not in")
	case *ast.Star:
		return texpr{}, ast.Errorf(e.Sp, "* is only allowed as the argument of count(*)")
	}
	return texpr{}, ast.Errorf(e.Pos(), "%s has no SQL translation", e)
}

// field resolves a field name: a name defined by the query, a column, an element of a list or
// map column, or a leaf of the message's JSON.
func (t *tr) field(sc *scope, name string, sp ast.Span) (texpr, error) {
	if v, ok := sc.lookup(name); ok {
		return v, nil
	}
	if !sc.input {
		// After stats only its outputs exist: any other name is absent (as in pkg/match).
		return t.nullOf(tStr), nil
	}
	if c, ok := columnFor(t.o.Columns, name); ok && (c.Type != Timestamp || name == "@timestamp") {
		// requestReceivedTimestamp and stageTimestamp are strings to Insights (compared and
		// printed as the RFC 3339 text); the typed columns would compare as instants and print
		// in another form, so those fields are read from @message like any other.
		col := t.d.ident(c.Name)
		switch c.Type {
		case Int:
			return texpr{sql: col, t: tNum, isInt: true}, nil
		case Timestamp:
			if t.d.duckdb() {
				// DuckDB reads the dataset's UTC-adjusted timestamps as TIMESTAMP WITH TIME ZONE,
				// whose year(), month() and strftime() follow the session's TimeZone; the UTC
				// wall clock makes every function independent of it.
				col = "(" + col + " AT TIME ZONE 'UTC')"
			}
			return texpr{sql: col, t: tTime}, nil
		case List, Map:
			return texpr{}, ast.Errorf(sp, "%s is a JSON array or object, which Insights does not make a field (only its leaves, such as %s.0, are)", name, name)
		}
		return strExpr(col), nil
	}
	for _, c := range t.o.Columns {
		rest, ok := strings.CutPrefix(name, c.Field+".")
		if !ok {
			continue
		}
		switch c.Type {
		case List:
			i, err := strconv.Atoi(rest)
			if err != nil || !isDigits(rest) {
				return t.nullOf(tStr), nil
			}
			return strExpr(t.d.listElem(t.d.ident(c.Name), i)), nil
		case Map:
			return strExpr(t.d.mapElem(t.d.ident(c.Name), rest)), nil
		}
	}
	if strings.HasPrefix(name, "@") && !strings.HasPrefix(name, "@@") {
		switch name {
		case "@ptr":
			return texpr{}, ast.Errorf(sp, "@ptr (the event's file and line) is not in the dataset")
		case "@logGroup":
			// The group is @log after "account:" (a log group name has no colon).
			if c, ok := columnFor(t.o.Columns, "@log"); ok {
				l := t.d.ident(c.Name)
				return strExpr("(CASE WHEN " + t.d.strpos(l, "':'") + " > 0 THEN substr(" + l + ", " + t.d.strpos(l, "':'") + " + 1) ELSE " + l + " END)"), nil
			}
		}
		// Any other @ name is absent to pkg/match too (@ingestionTime is not exported; a JSON
		// key "@x" is the field @@x).
		return t.nullOf(tStr), nil
	}
	msg, ok := columnFor(t.o.Columns, "@message")
	if !ok {
		return texpr{}, ast.Errorf(sp, "%s: the table has no @message column to read it from", name)
	}
	key := strings.TrimPrefix(name, "@") // a JSON key @x is the field @@x
	if !strings.HasPrefix(name, "@@") {
		key = name
	}
	return strExpr(t.d.jsonScalar(t.d.ident(msg.Name), t.d.jsonPath(strings.Split(key, ".")))), nil
}

func (t *tr) binary(sc *scope, e *ast.Binary) (texpr, error) {
	x, err := t.expr(sc, e.X)
	if err != nil {
		return texpr{}, err
	}
	y, err := t.expr(sc, e.Y)
	if err != nil {
		return texpr{}, err
	}
	switch e.Op {
	case "and", "or":
		return texpr{sql: "(" + t.cond(x) + " " + strings.ToUpper(e.Op) + " " + t.cond(y) + ")", t: tBool}, nil
	case "=", "!=", "<", "<=", ">", ">=":
		return t.compare(x, y, e.Op, e.Sp)
	case "+", "-", "*", "/", "%", "^":
		if x.t == tTime || y.t == tTime {
			if !(e.Op == "-" && x.t == tTime && y.t == tTime) {
				return texpr{}, ast.Errorf(e.Sp, "%s: arithmetic that shifts a timestamp has no SQL translation here; use toMillis()", e)
			}
		}
		a, b := t.num(x), t.num(y)
		isInt := x.isInt && y.isInt
		var s string
		switch e.Op {
		case "/":
			s = "(CAST(" + a + " AS DOUBLE) / NULLIF(" + b + ", 0))"
			isInt = false
		case "%":
			if t.d.e == Trino || t.d.e == Athena {
				s = "mod(" + a + ", NULLIF(" + b + ", 0))"
			} else {
				s = "(" + a + " % NULLIF(" + b + ", 0))"
			}
		case "^":
			s = "power(" + a + ", " + b + ")"
			isInt = false
		default:
			if !isInt {
				a = "CAST(" + a + " AS DOUBLE)"
			}
			s = "(" + a + " " + e.Op + " " + b + ")"
		}
		return texpr{sql: s, t: tNum, isInt: isInt}, nil
	}
	return texpr{}, ast.Errorf(e.Sp, "operator %s has no SQL translation", e.Op)
}

// compare is x op y under Insights' rules (spec §7.2): numerically when both read as numbers,
// otherwise as text in code point order; NULL when either is absent.
func (t *tr) compare(x, y texpr, op string, sp ast.Span) (texpr, error) {
	sqlOp := op
	if op == "!=" {
		sqlOp = "<>"
	}
	if x.t == tTime && y.t == tTime {
		return texpr{sql: "(" + x.sql + " " + sqlOp + " " + y.sql + ")", t: tBool}, nil
	}
	numCmp := func() string { return "(" + t.num(x) + " " + sqlOp + " " + t.num(y) + ")" }
	textCmp := func() (string, error) {
		a, err := t.text(x, sp)
		if err != nil {
			return "", err
		}
		b, err := t.text(y, sp)
		if err != nil {
			return "", err
		}
		return "(" + a + " " + sqlOp + " " + b + ")", nil
	}
	switch {
	case alwaysNum(x) && alwaysNum(y):
		return texpr{sql: numCmp(), t: tBool}, nil
	case neverNum(x) || neverNum(y):
		s, err := textCmp()
		return texpr{sql: s, t: tBool}, err
	}
	s, err := textCmp()
	if err != nil {
		return texpr{}, err
	}
	var both []string
	for _, v := range []texpr{x, y} {
		if !alwaysNum(v) {
			both = append(both, t.num(v)+" IS NOT NULL")
		}
	}
	return texpr{sql: "(CASE WHEN " + strings.Join(both, " AND ") + " THEN " + numCmp() + " ELSE " + s + " END)", t: tBool}, nil
}

func (t *tr) like(sc *scope, e *ast.Like) (texpr, error) {
	x, err := t.expr(sc, e.X)
	if err != nil {
		return texpr{}, err
	}
	s, err := t.text(x, e.Sp)
	if err != nil {
		return texpr{}, err
	}
	var m string
	switch p := e.Pat.(type) {
	case *ast.RegexLit:
		pat, err := t.regex(p.Src, p.Sp)
		if err != nil {
			return texpr{}, err
		}
		m = t.d.regexMatch(s, pat)
	case *ast.StrLit:
		if e.Op == "=~" {
			pat, err := t.regex(p.Val, p.Sp)
			if err != nil {
				return texpr{}, err
			}
			m = t.d.regexMatch(s, pat)
		} else {
			m = "(" + t.d.strpos(s, t.d.str(p.Val)) + " > 0)"
		}
	default:
		return texpr{}, ast.Errorf(e.Pat.Pos(), "expected a quoted string or a /regex/ after %s", e.Op)
	}
	if e.Not {
		m = "(NOT " + m + ")"
	}
	return texpr{sql: m, t: tBool}, nil
}

// regex checks that a Go (RE2) pattern means the same in the engine's regex flavour (RE2 for
// DuckDB, Joni for Trino, java.util.regex for Spark) and returns it as the engine spells it.
// Named groups become plain groups (their numbers do not change). Constructs whose meaning
// differs are refused: \z-less end anchors are fine, but RE2-only syntax such as \pN class
// names without braces, \C, (?U) and possessive-looking sequences are not.
func (t *tr) regex(src string, sp ast.Span) (string, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return "", ast.Errorf(sp, "invalid regular expression: %v", err)
	}
	var bad string
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpEndText:
			// Go's $ (without m) is the end of text; Java's $ also matches before a final
			// line terminator.
			if !t.d.duckdb() && r.Flags&syntax.WasDollar != 0 {
				bad = "$ (in Java regexes it also matches before a final newline; write \\z)"
			}
		case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			// Go's . excludes only \n; Java's also excludes \r, \u0085, \u2028 and \u2029.
			// Identical on single-line text, which audit messages are; refused only with (?s).
		}
		for _, s := range r.Sub {
			walk(s)
		}
	}
	walk(re)
	if bad != "" {
		return "", ast.Errorf(sp, "regular expression: %s", bad)
	}
	if strings.Contains(src, "(?U") || strings.Contains(src, `\C`) {
		return "", ast.Errorf(sp, "regular expression: RE2-only syntax ((?U), \\C) has no equivalent in %s", t.d.e)
	}
	out := stripGroupNames(src)
	if t.d.spark() && strings.Contains(out, "(?") && strings.ContainsRune(out, 'i') {
		// java.util.regex folds case in ASCII only unless UNICODE_CASE (?u) is on; Go folds
		// Unicode letters.
		out = "(?u)" + out
	}
	return out, nil
}

// stripGroupNames turns (?P<name>…) and (?<name>…) into (…).
func stripGroupNames(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' && i+1 < len(src) {
			b.WriteString(src[i : i+2])
			i++
			continue
		}
		if c == '(' {
			rest := src[i+1:]
			var n int
			switch {
			case strings.HasPrefix(rest, "?P<"):
				n = 3
			case strings.HasPrefix(rest, "?<") && !strings.HasPrefix(rest, "?<=") && !strings.HasPrefix(rest, "?<!"):
				n = 2
			}
			if n > 0 {
				if j := strings.IndexByte(rest[n:], '>'); j >= 0 {
					b.WriteByte('(')
					i += n + j + 1
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (t *tr) in(sc *scope, e *ast.In) (texpr, error) {
	x, err := t.expr(sc, e.X)
	if err != nil {
		return texpr{}, err
	}
	var ors []string
	for _, el := range e.List.Elems {
		y, err := t.expr(sc, el)
		if err != nil {
			return texpr{}, err
		}
		if y.lit == nil {
			return texpr{}, ast.Errorf(el.Pos(), "in: list elements must be string or number literals")
		}
		c, err := t.compare(x, y, "=", e.Sp)
		if err != nil {
			return texpr{}, err
		}
		ors = append(ors, c.sql)
	}
	var s string
	if len(ors) == 0 {
		s = "(CASE WHEN " + x.sql + " IS NOT NULL THEN FALSE END)"
	} else {
		s = "(" + strings.Join(ors, " OR ") + ")"
	}
	if e.Not {
		s = "(NOT " + s + ")"
	}
	return texpr{sql: s, t: tBool}, nil
}

// periodArg reads a period literal (bin, datefloor, dateceil), capped as pkg/match caps it.
func periodArg(e ast.Expr, fn string) (*ast.PeriodLit, int64, error) {
	p, ok := e.(*ast.PeriodLit)
	if !ok {
		return nil, 0, ast.Errorf(e.Pos(), "%s: the period must be a literal such as 5m", fn)
	}
	n := p.N
	caps := map[string]int64{"ms": 1000, "s": 60, "m": 60, "h": 24}
	if c, ok := caps[p.Unit]; ok && n > c {
		n = c
	}
	if n < 1 {
		return nil, 0, ast.Errorf(p.Sp, "%s: the period must be positive", fn)
	}
	return p, n, nil
}

var unitMs = map[string]int64{"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
var unitMonths = map[string]int64{"mo": 1, "q": 3, "y": 12}

// dateRound is datefloor (ceil false) or dateceil of a timestamp (pkg/match dateRound): fixed
// units in UTC epoch space, weeks from Monday 1970-01-05, months, quarters and years as
// calendar months counted from year 0.
func (t *tr) dateRound(ts texpr, p *ast.PeriodLit, n int64, ceil bool, sp ast.Span) (texpr, error) {
	if ts.t != tTime {
		return texpr{}, ast.Errorf(sp, "the first argument must be a timestamp such as @timestamp for a SQL translation")
	}
	if u, ok := unitMs[p.Unit]; ok {
		size := n * u
		off := int64(0)
		if p.Unit == "w" {
			off = 4 * 86_400_000
		}
		ms := t.d.epochMs(ts.sql)
		if off != 0 {
			ms = "(" + ms + " - " + strconv.FormatInt(off, 10) + ")"
		}
		sz := strconv.FormatInt(size, 10)
		var b string
		if ceil {
			b = "ceil(" + ms + " / " + sz + ".0) * " + sz
		} else {
			b = "floor(" + ms + " / " + sz + ".0) * " + sz
		}
		if off != 0 {
			b = "(" + b + " + " + strconv.FormatInt(off, 10) + ")"
		}
		return texpr{sql: t.d.fromEpochMs(b), t: tTime}, nil
	}
	k, ok := unitMonths[p.Unit]
	if !ok {
		return texpr{}, ast.Errorf(p.Sp, "unknown period unit %q", p.Unit)
	}
	k *= n
	m := t.d.monthsSinceYear0(ts.sql)
	ks := strconv.FormatInt(k, 10)
	fm := "(floor(" + m + " / " + ks + ".0) * " + ks + ")"
	start := t.d.monthStart(fm)
	if !ceil {
		return texpr{sql: start, t: tTime}, nil
	}
	next := t.d.monthStart("(" + fm + " + " + ks + ")")
	return texpr{sql: "(CASE WHEN " + start + " = " + ts.sql + " THEN " + ts.sql + " ELSE " + next + " END)", t: tTime}, nil
}

// ipv4Number is the number of an IPv4 address in text s (trimmed), NULL when s is not one
// (netip.ParseAddr: four decimal octets, no leading zeros).
func (t *tr) ipv4Number(s string) (valid, num string) {
	oct := `(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	tr := "trim(" + s + ")"
	valid = t.d.regexMatch(tr, `^`+oct+`\.`+oct+`\.`+oct+`\.`+oct+`\z`)
	part := func(i int) string {
		return "CAST(split_part(" + tr + ", '.', " + strconv.Itoa(i) + ") AS BIGINT)"
	}
	num = "(CASE WHEN " + valid + " THEN " + part(1) + " * 16777216 + " + part(2) + " * 65536 + " + part(3) + " * 256 + " + part(4) + " END)"
	return valid, num
}

// cidrRange is the first and last IPv4 number of a literal CIDR.
func cidrRange(s string) (lo, hi uint32, ok bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || !p.Addr().Is4() {
		return 0, 0, false
	}
	p = p.Masked()
	b := p.Addr().As4()
	lo = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	hi = lo | uint32((uint64(1)<<(32-p.Bits()))-1)
	return lo, hi, true
}
