package syntax

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// This file is the recursive-descent parser of the query language (spec §4-§6): one function
// per precedence level, one per command, and the cross-command validation of spec §4.1. Every
// error is a *Error located at the offending token.

// Parse parses a Logs Insights query. The error, if any, is a *Error.
func Parse(text string) (*Query, error) {
	q, err := parseQueryText(text)
	if err != nil {
		return nil, err
	}
	return q, nil
}

// parseCommandNames lists the supported commands, for the unknown-command message.
const parseCommandNames = "fields, display, filter, where, stats, sort, limit, parse, dedup, unnest, unmask or filterIndex"

// parseServiceOnly are commands that need the CloudWatch service (ML, other log groups, other
// time ranges) and cannot run offline (spec §5.11-§5.16).
var parseServiceOnly = map[string]bool{
	"pattern": true, "anomaly": true, "diff": true, "lookup": true, "join": true, "source": true,
	"addtotals": true, "autoregress": true, "logcompare": true, "filldown": true, "fillmissing": true,
	"cidrlookup": true, "outlier": true, "accum": true, "appendcols": true, "sessionize": true,
	"countfrequent": true, "relevantfields": true, "expand": true,
}

// parseAggregates are the stats aggregate functions (spec §9), lower-cased.
var parseAggregates = map[string]bool{
	"count": true, "count_distinct": true, "sum": true, "avg": true, "min": true, "max": true,
	"pct": true, "stddev": true, "earliest": true, "latest": true, "sortsfirst": true, "sortslast": true,
}

type parser struct {
	src string
	lx  lexer
	// tok is the current (not yet consumed) token.
	tok lexToken
	// prevEnd is the end offset of the last consumed token.
	prevEnd int
	// names are the spans of the command names, parallel to the commands.
	names []Span
}

func parseQueryText(text string) (*Query, *Error) {
	p := &parser{src: text, lx: lexer{src: text}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == lexEOF {
		return nil, Errorf(p.tok.sp, "empty query: write a command such as fields, filter or stats")
	}
	q := &Query{Text: text}
	for {
		if p.isOp("|") || p.tok.kind == lexEOF {
			what := "the start of the query"
			if len(q.Commands) > 0 {
				what = `"|"`
			}
			return nil, Errorf(p.tok.sp, "expected a command after %s, found %s", what, p.desc())
		}
		c, err := p.parseCommand()
		if err != nil {
			return nil, err
		}
		q.Commands = append(q.Commands, c)
		if p.tok.kind == lexEOF {
			break
		}
		if !p.isOp("|") {
			expected := `"|"`
			switch c.(type) {
			case *FieldsCmd, *StatsCmd, *SortCmd, *DedupCmd:
				expected = `",", "|"`
			}
			return nil, Errorf(p.tok.sp, "unexpected %s after the %s command: expected %s or the end of the query", p.desc(), p.src[p.names[len(p.names)-1].Start:p.names[len(p.names)-1].End], expected)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if err := parseValidate(q, p.names); err != nil {
		return nil, err
	}
	return q, nil
}

// advance consumes the current token.
func (p *parser) advance() *Error {
	p.prevEnd = p.tok.sp.End
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// peek returns the token after the current one without consuming anything.
func (p *parser) peek() (lexToken, *Error) {
	save := p.lx.pos
	t, err := p.lx.next()
	p.lx.pos = save
	return t, err
}

func (p *parser) isOp(op string) bool { return p.tok.kind == lexOp && p.tok.op == op }

func (p *parser) isKw(kw string) bool { return p.tok.kind == lexIdent && p.tok.op == kw }

// desc describes the current token for an error message.
func (p *parser) desc() string { return parseDescTok(p.tok) }

func parseDescTok(t lexToken) string {
	if t.kind == lexEOF {
		return "the end of the query"
	}
	return strconv.Quote(t.text)
}

func (p *parser) sp(start int) Span { return Span{start, p.prevEnd} }

// expectOp consumes the operator op or fails with "expected op <context>".
func (p *parser) expectOp(op, context string) *Error {
	if !p.isOp(op) {
		return Errorf(p.tok.sp, "expected %q %s, found %s", op, context, p.desc())
	}
	return p.advance()
}

func (p *parser) parseCommand() (Command, *Error) {
	t := p.tok
	if t.kind != lexIdent || !t.bare || len(t.path) != 1 {
		return nil, Errorf(t.sp, "expected a command (%s), found %s", parseCommandNames, p.desc())
	}
	name := strings.ToLower(t.text)
	if parseServiceOnly[name] {
		return nil, Errorf(t.sp, "the %s command needs the CloudWatch service and is not supported offline", t.text)
	}
	start := t.sp.Start
	p.names = append(p.names, t.sp)
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch name {
	case "fields", "display":
		items, err := p.parseItems(name)
		if err != nil {
			return nil, err
		}
		return &FieldsCmd{Sp: p.sp(start), Display: name == "display", Items: items}, nil
	case "filter", "where", "filterindex":
		if name == "filterindex" {
			name = "filterIndex"
		}
		if p.tok.kind == lexEOF || p.isOp("|") {
			return nil, Errorf(p.tok.sp, "expected a condition after %s, found %s", t.text, p.desc())
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		return &FilterCmd{Sp: p.sp(start), Name: name, Cond: x}, nil
	case "stats":
		return p.parseStats(start)
	case "sort":
		return p.parseSort(start)
	case "limit", "head":
		return p.parseLimit(start, t.text)
	case "tail":
		return nil, Errorf(t.sp, "tail is deprecated and not supported: use sort @timestamp asc | limit N")
	case "parse":
		return p.parseParse(start)
	case "dedup":
		var xs []Expr
		for {
			if p.tok.kind == lexEOF || p.isOp("|") {
				return nil, Errorf(p.tok.sp, "expected a field name after %s, found %s", parseAfter(xs, "dedup"), p.desc())
			}
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			xs = append(xs, x)
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		return &DedupCmd{Sp: p.sp(start), Fields: xs}, nil
	case "unnest":
		if p.tok.kind == lexEOF || p.isOp("|") {
			return nil, Errorf(p.tok.sp, "expected a field after unnest, found %s", p.desc())
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !p.isKw("into") {
			return nil, Errorf(p.tok.sp, "expected into after the unnest field (unnest x into name), found %s", p.desc())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		into, err := p.parseName(`"into"`)
		if err != nil {
			return nil, err
		}
		return &UnnestCmd{Sp: p.sp(start), X: x, Into: into}, nil
	case "unmask":
		c := &UnmaskCmd{}
		if p.tok.kind != lexEOF && !p.isOp("|") {
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			c.X = x
		}
		c.Sp = p.sp(start)
		return c, nil
	}
	return nil, Errorf(t.sp, "unknown command %q: expected %s", t.text, parseCommandNames)
}

// parseAfter names what the next element of a list follows, for error messages.
func parseAfter(xs []Expr, cmd string) string {
	if len(xs) == 0 {
		return strconv.Quote(cmd)
	}
	return `","`
}

// parseItems parses `expr [as alias] (, expr [as alias])*`.
func (p *parser) parseItems(cmd string) ([]*Item, *Error) {
	var items []*Item
	for {
		if p.tok.kind == lexEOF || p.isOp("|") || p.isKw("by") {
			after := strconv.Quote(cmd)
			if len(items) > 0 {
				after = `","`
			}
			return nil, Errorf(p.tok.sp, "expected an expression after %s, found %s", after, p.desc())
		}
		it, err := p.parseItem()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if !p.isOp(",") {
			return items, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseItem() (*Item, *Error) {
	start := p.tok.sp.Start
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	it := &Item{X: x, Text: strings.TrimSpace(p.src[start:p.prevEnd])}
	if f, ok := x.(*Field); ok {
		// The column of a plain field is the field's name, not its spelling (`foo-bar` → foo-bar).
		it.Text = f.Name
	}
	if p.isKw("as") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		a, err := p.parseName(`"as"`)
		if err != nil {
			return nil, err
		}
		it.Alias = a
	}
	return it, nil
}

// parseName parses a name being defined (an alias, an unnest target, a parse field).
func (p *parser) parseName(after string) (string, *Error) {
	t := p.tok
	if t.kind != lexIdent {
		return "", Errorf(t.sp, "expected a field name after %s, found %s", after, p.desc())
	}
	if t.op != "" {
		return "", Errorf(t.sp, "%s is a keyword: to use it as a field name write `%s`", t.text, t.text)
	}
	if err := p.advance(); err != nil {
		return "", err
	}
	return t.val, nil
}

func (p *parser) parseStats(start int) (Command, *Error) {
	aggs, err := p.parseItems("stats")
	if err != nil {
		return nil, err
	}
	c := &StatsCmd{Aggs: aggs}
	if p.isKw("by") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == lexEOF || p.isOp("|") {
			return nil, Errorf(p.tok.sp, `expected a field name after "by", found %s`, p.desc())
		}
		by, err := p.parseItems("by")
		if err != nil {
			return nil, err
		}
		c.By = by
	}
	c.Sp = p.sp(start)
	return c, nil
}

func (p *parser) parseSort(start int) (Command, *Error) {
	c := &SortCmd{}
	for {
		if p.tok.kind == lexEOF || p.isOp("|") {
			after := `"sort"`
			if len(c.Keys) > 0 {
				after = `","`
			}
			return nil, Errorf(p.tok.sp, "expected a field to sort by after %s, found %s", after, p.desc())
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		k := SortKey{X: x}
		if p.isKw("asc") || p.isKw("desc") {
			k.Desc = p.tok.op == "desc"
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		c.Keys = append(c.Keys, k)
		if !p.isOp(",") {
			break
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	c.Sp = p.sp(start)
	return c, nil
}

func (p *parser) parseLimit(start int, name string) (Command, *Error) {
	c := &LimitCmd{}
	if p.isKw("any") && name != "head" {
		c.Any = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	t := p.tok
	if t.kind != lexNumber {
		return nil, Errorf(t.sp, "expected a positive integer after %s, found %s", name, p.desc())
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n <= 0 {
		return nil, Errorf(t.sp, "%s needs a positive integer number of rows, found %s", name, t.text)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c.N = n
	c.Sp = p.sp(start)
	return c, nil
}

func (p *parser) parseParse(start int) (Command, *Error) {
	c := &ParseCmd{}
	if p.tok.kind != lexString && !p.isOp("/") {
		if p.tok.kind == lexEOF || p.isOp("|") {
			return nil, Errorf(p.tok.sp, `expected a field, a "glob" or a /regex/ after parse, found %s`, p.desc())
		}
		src, err := p.parsePostfix()
		if err != nil {
			return nil, err
		}
		c.Source = src
	}
	switch {
	case p.tok.kind == lexString:
		pat := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		c.Pattern = pat.val
		if !p.isKw("as") {
			return nil, Errorf(p.tok.sp, `expected as and the names of the * fields after the parse pattern (parse @message "user=*" as user), found %s`, p.desc())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		for {
			a, err := p.parseName(parseAfterName(c.Aliases))
			if err != nil {
				return nil, err
			}
			c.Aliases = append(c.Aliases, a)
			if !p.isOp(",") {
				break
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if n := strings.Count(c.Pattern, "*"); n != len(c.Aliases) {
			return nil, Errorf(pat.sp, "the parse pattern has %d * wildcard(s) but %d name(s) follow as: the number of * must equal the number of names", n, len(c.Aliases))
		}
		re, cerr := regexp.Compile(parseGlobRegex(c.Pattern))
		if cerr != nil {
			// Only invalid UTF-8 can make an escaped glob fail to compile.
			return nil, Errorf(pat.sp, "the parse pattern is not valid UTF-8")
		}
		c.Re = re
	case p.isOp("/"):
		rt, err := p.lx.scanRegex(p.tok.sp.Start)
		if err != nil {
			return nil, err
		}
		p.tok = rt
		re, err := parseCompileRegex(rt)
		if err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c.Pattern, c.IsRegex, c.Re = rt.val, true, re
		for _, n := range re.SubexpNames() {
			if n != "" {
				c.Aliases = append(c.Aliases, n)
			}
		}
		if len(c.Aliases) == 0 {
			return nil, Errorf(rt.sp, "the parse regex has no named group: name each field to extract with (?<name>...)")
		}
		if p.isKw("as") {
			return nil, Errorf(p.tok.sp, "a parse /regex/ names its fields with (?<name>...) groups: remove the as list")
		}
	default:
		return nil, Errorf(p.tok.sp, `expected a "glob" pattern or a /regex/ after the parse source, found %s`, p.desc())
	}
	c.Sp = p.sp(start)
	return c, nil
}

func parseAfterName(names []string) string {
	if len(names) == 0 {
		return `"as"`
	}
	return `","`
}

// parseGlobRegex translates a parse glob (spec §5.7, A25): literal text is escaped, each * is a
// lazy group, a trailing * takes the rest of the value; the search is unanchored and . matches
// newlines.
func parseGlobRegex(glob string) string {
	parts := strings.Split(glob, "*")
	var b strings.Builder
	b.WriteString("(?s)")
	for i, part := range parts {
		b.WriteString(regexp.QuoteMeta(part))
		if i == len(parts)-1 {
			break
		}
		if i == len(parts)-2 && parts[len(parts)-1] == "" {
			b.WriteString("(.*)")
		} else {
			b.WriteString("(.*?)")
		}
	}
	return b.String()
}

// parseCompileRegex compiles a regex token (lexRegex: its pattern; lexString: its value) with
// Go's RE2 engine, after rejecting the PCRE constructs RE2 lacks with a precise position.
func parseCompileRegex(t lexToken) (*regexp.Regexp, *Error) {
	if t.kind == lexRegex {
		// Scan the raw text between the slashes so that offsets map back to the query.
		if err := parseCheckRE2(t.text[1:len(t.text)-1], t.sp.Start+1); err != nil {
			return nil, err
		}
	} else if err := parseCheckRE2(t.val, -1); err != nil {
		err.Offset, err.Len = t.sp.Start, t.sp.End-t.sp.Start
		return nil, err
	}
	re, err := regexp.Compile(t.val)
	if err != nil {
		msg := err.Error()
		var e *syntax.Error
		if errors.As(err, &e) {
			msg = fmt.Sprintf("%s: `%s`", e.Code, e.Expr)
		}
		return nil, Errorf(t.sp, "invalid regular expression: %s", msg)
	}
	return re, nil
}

// parseCheckRE2 rejects lookaround and backreferences, which RE2 (Go regexp) does not support.
// base is the query offset of raw[0].
func parseCheckRE2(raw string, base int) *Error {
	inClass := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 < len(raw) && raw[i+1] >= '1' && raw[i+1] <= '9' && !inClass {
				return Errorf(Span{base + i, base + i + 2}, "backreference %s is not supported: Go's RE2 regex engine has no backreferences", raw[i:i+2])
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// A ] right after [ or [^ is a literal.
			if i+1 < len(raw) && raw[i+1] == '^' {
				i++
			}
			if i+1 < len(raw) && raw[i+1] == ']' {
				i++
			}
		case c == '(' && strings.HasPrefix(raw[i:], "(?="), c == '(' && strings.HasPrefix(raw[i:], "(?!"):
			return Errorf(Span{base + i, base + i + 3}, "lookahead %s...) is not supported: Go's RE2 regex engine has no lookaround", raw[i:i+3])
		case c == '(' && (strings.HasPrefix(raw[i:], "(?<=") || strings.HasPrefix(raw[i:], "(?<!")):
			return Errorf(Span{base + i, base + i + 4}, "lookbehind %s...) is not supported: Go's RE2 regex engine has no lookaround", raw[i:i+4])
		}
	}
	return nil
}

// parseExpr parses a full expression (spec §6 boolexpr).
func (p *parser) parseExpr() (Expr, *Error) { return p.parseOr() }

func (p *parser) parseOr() (Expr, *Error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.isKw("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		x = &Binary{Sp: Span{x.Pos().Start, y.Pos().End}, Op: "or", X: x, Y: y}
	}
	return x, nil
}

func (p *parser) parseAnd() (Expr, *Error) {
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.isKw("and") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		x = &Binary{Sp: Span{x.Pos().Start, y.Pos().End}, Op: "and", X: x, Y: y}
	}
	return x, nil
}

func (p *parser) parseNot() (Expr, *Error) {
	if p.isKw("not") {
		start := p.tok.sp.Start
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &Unary{Sp: Span{start, x.Pos().End}, Op: "not", X: x}, nil
	}
	return p.parsePredicate()
}

func parseIsCmpOp(t lexToken) bool {
	if t.kind != lexOp {
		return false
	}
	switch t.op {
	case "=", "==", "!=", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func (p *parser) parsePredicate() (Expr, *Error) {
	x, err := p.parseAdd()
	if err != nil {
		return nil, err
	}
	start := x.Pos().Start
	var res Expr
	switch {
	case parseIsCmpOp(p.tok):
		op := p.tok.op
		if op == "==" {
			op = "="
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseAdd()
		if err != nil {
			return nil, err
		}
		res = &Binary{Sp: Span{start, y.Pos().End}, Op: op, X: x, Y: y}
	case p.isOp("=~") || p.isOp("~="):
		opText := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		pat, err := p.parsePattern(opText, true)
		if err != nil {
			return nil, err
		}
		res = &Like{Sp: Span{start, pat.Pos().End}, X: x, Pat: pat, Op: "=~"}
	case p.isKw("like"), p.isKw("in"), p.isKw("not"):
		not := false
		if p.isKw("not") {
			nt, err := p.peek()
			if err != nil {
				return nil, err
			}
			if nt.kind != lexIdent || (nt.op != "like" && nt.op != "in") {
				return nil, Errorf(nt.sp, "expected like or in after not, found %s", parseDescTok(nt))
			}
			not = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		kw := p.tok.op
		if err := p.advance(); err != nil {
			return nil, err
		}
		if kw == "like" {
			pat, err := p.parsePattern("like", false)
			if err != nil {
				return nil, err
			}
			res = &Like{Sp: Span{start, pat.Pos().End}, X: x, Pat: pat, Not: not, Op: "like"}
		} else {
			if p.isOp("(") {
				return nil, Errorf(p.tok.sp, "subqueries (in (...)) need the CloudWatch service and are not supported offline: list the values, in [\"a\", \"b\"]")
			}
			if !p.isOp("[") {
				return nil, Errorf(p.tok.sp, `expected a list such as ["a", "b"] after in, found %s`, p.desc())
			}
			l, err := p.parseList()
			if err != nil {
				return nil, err
			}
			res = &In{Sp: Span{start, l.Sp.End}, X: x, List: l, Not: not}
		}
	default:
		return x, nil
	}
	if parseIsCmpOp(p.tok) || p.isOp("=~") || p.isOp("~=") || p.isKw("like") || p.isKw("in") {
		return nil, Errorf(p.tok.sp, "comparisons cannot be chained: add parentheses, e.g. (a = b) = c")
	}
	return res, nil
}

// parsePattern parses the right side of like or =~: a "string" or a /regex/.
func (p *parser) parsePattern(op string, isRegexOp bool) (Expr, *Error) {
	switch {
	case p.isOp("/"):
		rt, err := p.lx.scanRegex(p.tok.sp.Start)
		if err != nil {
			return nil, err
		}
		p.tok = rt
		re, err := parseCompileRegex(rt)
		if err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &RegexLit{Sp: rt.sp, Src: rt.val, Re: re}, nil
	case p.tok.kind == lexString:
		t := p.tok
		if isRegexOp {
			// The string of =~ "..." is a regex (spec A14): reject a bad one here.
			if _, err := parseCompileRegex(t); err != nil {
				return nil, err
			}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &StrLit{Sp: t.sp, Val: t.val}, nil
	}
	return nil, Errorf(p.tok.sp, `expected a "string" or a /regex/ after %s, found %s`, op, p.desc())
}

// parseList parses [lit, lit, ...] of string and number literals (a number may be negated).
func (p *parser) parseList() (*ListLit, *Error) {
	start := p.tok.sp.Start
	if err := p.advance(); err != nil {
		return nil, err
	}
	l := &ListLit{}
	for !p.isOp("]") {
		if len(l.Elems) > 0 {
			if !p.isOp(",") {
				return nil, Errorf(p.tok.sp, `expected "," or "]" in the list, found %s`, p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		t := p.tok
		switch {
		case t.kind == lexString:
			l.Elems = append(l.Elems, &StrLit{Sp: t.sp, Val: t.val})
		case t.kind == lexNumber:
			l.Elems = append(l.Elems, &NumLit{Sp: t.sp, Text: t.text, Val: t.num})
		case p.isOp("-"):
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != lexNumber {
				return nil, Errorf(p.tok.sp, "expected a number after - in the list, found %s", p.desc())
			}
			n := &NumLit{Sp: p.tok.sp, Text: p.tok.text, Val: p.tok.num}
			l.Elems = append(l.Elems, &Unary{Sp: Span{t.sp.Start, n.Sp.End}, Op: "-", X: n})
		default:
			return nil, Errorf(t.sp, `expected a "string" or a number in the list, found %s`, p.desc())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	l.Sp = p.sp(start)
	return l, nil
}

func (p *parser) parseAdd() (Expr, *Error) {
	x, err := p.parseMul()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.tok.op
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseMul()
		if err != nil {
			return nil, err
		}
		x = &Binary{Sp: Span{x.Pos().Start, y.Pos().End}, Op: op, X: x, Y: y}
	}
	return x, nil
}

func (p *parser) parseMul() (Expr, *Error) {
	x, err := p.parsePow()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("%") {
		op := p.tok.op
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		x = &Binary{Sp: Span{x.Pos().Start, y.Pos().End}, Op: op, X: x, Y: y}
	}
	return x, nil
}

// parsePow parses unary ( ^ pow )?: ^ is right-associative (spec A28).
func (p *parser) parsePow() (Expr, *Error) {
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	if p.isOp("^") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parsePow()
		if err != nil {
			return nil, err
		}
		x = &Binary{Sp: Span{x.Pos().Start, y.Pos().End}, Op: "^", X: x, Y: y}
	}
	return x, nil
}

func (p *parser) parseUnary() (Expr, *Error) {
	if p.isOp("-") {
		start := p.tok.sp.Start
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &Unary{Sp: Span{start, x.Pos().End}, Op: "-", X: x}, nil
	}
	return p.parsePostfix()
}

// parsePostfix parses a primary followed by .key and [N] accesses (jsonParse maps and lists).
func (p *parser) parsePostfix() (Expr, *Error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	start := x.Pos().Start
	for {
		switch {
		case p.isOp("."):
			if err := p.advance(); err != nil {
				return nil, err
			}
			var keys []string
			switch t := p.tok; {
			case t.kind == lexIdent:
				keys = t.path
			case t.kind == lexNumber && strings.Trim(t.text, "0123456789.") == "":
				keys = strings.Split(t.text, ".")
			default:
				return nil, Errorf(t.sp, `expected a key after ".", found %s`, p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			for _, k := range keys {
				x = &Index{Sp: p.sp(start), X: x, Key: k}
			}
		case p.isOp("["):
			if err := p.advance(); err != nil {
				return nil, err
			}
			t := p.tok
			n, cerr := strconv.Atoi(t.text)
			if t.kind != lexNumber || cerr != nil {
				return nil, Errorf(t.sp, "expected a list index (0, 1, ...) after \"[\", found %s", p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if err := p.expectOp("]", "to close the list index"); err != nil {
				return nil, err
			}
			x = &Index{Sp: p.sp(start), X: x, Idx: n, IsIdx: true}
		default:
			return x, nil
		}
	}
}

func (p *parser) parsePrimary() (Expr, *Error) {
	t := p.tok
	switch t.kind {
	case lexNumber:
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &NumLit{Sp: t.sp, Text: t.text, Val: t.num}, nil
	case lexString:
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &StrLit{Sp: t.sp, Val: t.val}, nil
	case lexPeriod:
		return nil, Errorf(t.sp, "a time period such as %s is only allowed as a function argument, as in bin(%s); to name a field %s write `%s`", t.text, t.text, t.text, t.text)
	case lexIdent:
		if t.op != "" {
			return nil, Errorf(t.sp, "unexpected keyword %s: expected an expression (to use it as a field name write `%s`)", t.text, t.text)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isOp("(") {
			if !t.bare || len(t.path) != 1 || t.path[0][0] == '@' {
				return nil, Errorf(t.sp, "%s is not a function name", t.text)
			}
			return p.parseCall(t)
		}
		return &Field{Sp: t.sp, Name: t.val, Path: t.path}, nil
	case lexEOF:
		return nil, Errorf(t.sp, "expected an expression, found the end of the query")
	}
	switch t.op {
	case "(":
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !p.isOp(")") {
			return nil, Errorf(p.tok.sp, `expected ")" to close the "(" at offset %d, found %s`, t.sp.Start, p.desc())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		// The node's span covers its parentheses, so that spans of enclosing nodes do too.
		parseSetSpan(x, p.sp(t.sp.Start))
		return x, nil
	case "[":
		return p.parseList()
	case "/":
		return nil, Errorf(t.sp, "unexpected \"/\": a /regex/ is only allowed after like, not like, =~ or in parse; use a \"string\" elsewhere")
	case "*":
		return nil, Errorf(t.sp, "unexpected \"*\": * is only allowed as count(*)")
	}
	return nil, Errorf(t.sp, "unexpected %s: expected a field, a number, a \"string\", a function call or \"(\"", p.desc())
}

// parseCall parses the argument list of name; the current token is "(".
func (p *parser) parseCall(name lexToken) (Expr, *Error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	c := &Call{Name: name.text}
	for !p.isOp(")") {
		if len(c.Args) > 0 {
			if !p.isOp(",") {
				return nil, Errorf(p.tok.sp, `expected "," or ")" in the arguments of %s, found %s`, name.text, p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		arg, err := p.parseArg()
		if err != nil {
			return nil, err
		}
		c.Args = append(c.Args, arg)
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	c.Sp = p.sp(name.sp.Start)
	return c, nil
}

// parseArg parses a function argument: an expression, or * and time periods, which are allowed
// only as whole arguments.
func (p *parser) parseArg() (Expr, *Error) {
	t := p.tok
	if p.isOp("*") || t.kind == lexPeriod {
		nt, err := p.peek()
		if err != nil {
			return nil, err
		}
		if nt.kind == lexOp && (nt.op == "," || nt.op == ")") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			if t.kind == lexOp {
				return &Star{Sp: t.sp}, nil
			}
			if t.n <= 0 {
				return nil, Errorf(t.sp, "a time period must be positive, as in 5m")
			}
			return &PeriodLit{Sp: t.sp, N: t.n, Unit: t.unit, Text: t.text}, nil
		}
	}
	return p.parseExpr()
}

// parseValidate applies the cross-command rules of spec §4.1. names are the command-name spans.
func parseValidate(q *Query, names []Span) *Error {
	nStats, lastStats := 0, -1
	for i, c := range q.Commands {
		if _, ok := c.(*StatsCmd); ok {
			nStats++
			if nStats > 2 {
				return Errorf(names[i], "a query can have at most two stats commands")
			}
			lastStats = i
		}
	}
	for i, c := range q.Commands {
		switch c := c.(type) {
		case *DedupCmd:
			for j := i + 1; j < len(q.Commands); j++ {
				if _, ok := q.Commands[j].(*LimitCmd); !ok {
					return Errorf(names[j], "only limit can follow dedup: move %s before dedup", strings.ToLower(parseCmdName(q.Commands[j])))
				}
			}
		case *SortCmd, *LimitCmd:
			if nStats == 2 && i < lastStats {
				return Errorf(names[i], "%s must come after the second stats command: with two stats commands, sort and limit apply to the final result", parseCmdName(c))
			}
		case *StatsCmd:
			hasAgg := false
			for _, it := range c.Aggs {
				Walk(it.X, func(e Expr) {
					if call, ok := e.(*Call); ok && parseAggregates[strings.ToLower(call.Name)] {
						hasAgg = true
					}
				})
			}
			if !hasAgg {
				return Errorf(c.Aggs[0].X.Pos(), "stats needs at least one aggregate function (%s)", "count, count_distinct, sum, avg, min, max, pct, stddev, earliest, latest, sortsFirst or sortsLast")
			}
			if nStats == 2 && i == lastStats {
				var bin *Call
				for _, it := range append(append([]*Item(nil), c.Aggs...), c.By...) {
					Walk(it.X, func(e Expr) {
						if call, ok := e.(*Call); ok && bin == nil && strings.EqualFold(call.Name, "bin") {
							bin = call
						}
					})
				}
				if bin != nil {
					return Errorf(bin.Sp, "bin() cannot be used in the second stats command: group by bin() in the first stats and refer to its alias")
				}
			}
		}
	}
	return nil
}

// parseCmdName is the canonical name of a command, for messages.
func parseCmdName(c Command) string {
	switch c := c.(type) {
	case *FieldsCmd:
		if c.Display {
			return "display"
		}
		return "fields"
	case *FilterCmd:
		return c.Name
	case *StatsCmd:
		return "stats"
	case *SortCmd:
		return "sort"
	case *LimitCmd:
		return "limit"
	case *ParseCmd:
		return "parse"
	case *DedupCmd:
		return "dedup"
	case *UnnestCmd:
		return "unnest"
	case *UnmaskCmd:
		return "unmask"
	}
	return "?"
}

// Walk calls fn for e and every expression under it, parents before children.
func Walk(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *Unary:
		Walk(e.X, fn)
	case *Binary:
		Walk(e.X, fn)
		Walk(e.Y, fn)
	case *Like:
		Walk(e.X, fn)
		Walk(e.Pat, fn)
	case *In:
		Walk(e.X, fn)
		Walk(e.List, fn)
	case *ListLit:
		for _, x := range e.Elems {
			Walk(x, fn)
		}
	case *Call:
		for _, x := range e.Args {
			Walk(x, fn)
		}
	case *Index:
		Walk(e.X, fn)
	}
}

// parseSetSpan sets the span of e.
func parseSetSpan(e Expr, sp Span) {
	switch e := e.(type) {
	case *Field:
		e.Sp = sp
	case *StrLit:
		e.Sp = sp
	case *NumLit:
		e.Sp = sp
	case *RegexLit:
		e.Sp = sp
	case *ListLit:
		e.Sp = sp
	case *PeriodLit:
		e.Sp = sp
	case *Star:
		e.Sp = sp
	case *Unary:
		e.Sp = sp
	case *Binary:
		e.Sp = sp
	case *Like:
		e.Sp = sp
	case *In:
		e.Sp = sp
	case *Call:
		e.Sp = sp
	case *Index:
		e.Sp = sp
	}
}
