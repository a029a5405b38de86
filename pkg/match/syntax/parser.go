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

// parseServiceOnly are commands that need the CloudWatch service (ML, lookup tables, other log
// groups, other time ranges) and cannot run offline (spec §5.11-§5.16).
var parseServiceOnly = map[string]bool{
	"pattern": true, "anomaly": true, "diff": true, "lookup": true, "join": true, "source": true,
	"logcompare": true, "cidrlookup": true, "outlier": true, "countfrequent": true, "relevantfields": true,
}

// parseNotYet are commands of the current Insights documentation that could run offline but
// are not implemented yet; they are refused by name rather than misread.
var parseNotYet = map[string]bool{
	"addtotals": true, "autoregress": true, "filldown": true, "fillmissing": true, "accum": true,
	"appendcols": true, "sessionize": true, "expand": true, "json": true,
}

// parseCommandList are the supported command names, for "did you mean" hints.
var parseCommandList = []string{"fields", "display", "filter", "where", "stats", "sort", "limit", "parse", "dedup", "unnest", "unmask", "filterIndex"}

// parseNotYetFuncs are functions of the current Insights documentation that are not implemented yet
// (the time-series functions, used with stats); a call is refused by name.
var parseNotYetFuncs = map[string]string{
	"rate": "rate", "count_over_time": "count_over_time", "countovertime": "countOverTime",
	"sum_over_time": "sum_over_time", "sumovertime": "sumOverTime", "histogram": "histogram",
}

// Aggregates are the names of the stats aggregate functions, as documented.
var Aggregates = []string{"count", "count_distinct", "sum", "avg", "min", "max", "pct", "stddev", "earliest", "latest", "sortsFirst", "sortsLast"}

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
			if len(q.Commands) == 0 {
				return nil, Errorf(p.tok.sp, "expected a command after the start of the query, found %s", p.desc())
			}
			if p.isOp("|") && p.tok.sp.Start == p.prevEnd {
				return nil, Errorf(Span{p.tok.sp.Start - 1, p.tok.sp.End}, `"||" is not an operator: write or ("|" separates commands)`)
			}
			if p.isOp("|") {
				return nil, Errorf(p.tok.sp, `expected a command after "|", found "|": remove one of the two`)
			}
			return nil, Errorf(p.tok.sp, `expected a command after "|", found the end of the query: remove the trailing "|"`)
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
			return nil, p.afterCommand(c)
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

// afterCommand explains a token that follows a complete command where "|" or the end was
// expected: a missing "|" before a command, a misspelt keyword, a missing ",", a ")" or "]"
// with nothing to close, a word written for an operator.
func (p *parser) afterCommand(c Command) *Error {
	t := p.tok
	list := false
	switch c.(type) {
	case *FieldsCmd, *StatsCmd, *SortCmd, *DedupCmd:
		list = true
	}
	if t.kind == lexOp && (t.op == ")" || t.op == "]") {
		return Errorf(t.sp, "unmatched %q: there is no %q for it to close; remove it", t.op, map[string]string{")": "(", "]": "["}[t.op])
	}
	if isWord(t) {
		w := strings.ToLower(t.text)
		if _, isStats := c.(*StatsCmd); isStats && w == "offset" {
			return Errorf(t.sp, "offset (time-shifted stats bins) is not supported yet")
		}
		if parseIsCommand(w) {
			return Errorf(t.sp, `missing "|" before %s: commands are separated by "|"`, t.text)
		}
		var kws []string
		switch c.(type) {
		case *StatsCmd:
			kws = []string{"by", "as"}
		case *SortCmd:
			kws = []string{"desc", "asc"}
		case *FieldsCmd, *DedupCmd:
			kws = []string{"as"}
		case *FilterCmd:
			kws = []string{"and", "or", "like", "in", "not"}
		}
		if k := Suggest(t.text, kws); k != "" {
			return Errorf(t.sp, "unexpected %q: did you mean %s?", t.text, k)
		}
		if op, ok := parseWordOps[w]; ok {
			if _, isFilter := c.(*FilterCmd); isFilter {
				return Errorf(t.sp, "unexpected %q: the operator is written %s", t.text, op)
			}
		}
		if k := Suggest(t.text, parseCommandList); k != "" {
			if list && t.op == "" {
				// fields code status: a missing comma as likely as a misspelt stats.
				return Errorf(t.sp, `missing "," before %s, or did you mean | %s?`, p.desc(), k)
			}
			return Errorf(t.sp, `unexpected %q: did you mean | %s?`, t.text, k)
		}
	}
	if list && (t.kind == lexIdent && t.op == "" || t.kind == lexString || t.kind == lexNumber) {
		return Errorf(t.sp, `missing "," before %s: separate the items of a list with ","`, p.desc())
	}
	expected := `"|"`
	if list {
		expected = `",", "|"`
	}
	return Errorf(t.sp, "unexpected %s after the %s command: expected %s or the end of the query", p.desc(), p.src[p.names[len(p.names)-1].Start:p.names[len(p.names)-1].End], expected)
}

// parseIsCommand reports whether w (lower case) names a command, supported or not.
func parseIsCommand(w string) bool {
	if parseServiceOnly[w] || parseNotYet[w] {
		return true
	}
	switch w {
	case "fields", "display", "filter", "where", "filterindex", "stats", "sort", "limit", "head", "tail", "parse", "dedup", "unnest", "unmask":
		return true
	}
	return false
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

// where names the position off for a message: "column N", or "line L, column N" in a query of
// several lines (columns count characters, as the CLI's caret rendering does).
func (p *parser) where(off int) string { return whereIn(p.src, off) }

// whereIn names the position off of text for a message: "column N", or "line L, column N" in a
// text of several lines.
func whereIn(text string, off int) string {
	off = min(max(off, 0), len(text))
	ls := strings.LastIndexByte(text[:off], '\n') + 1
	col := len([]rune(text[ls:off])) + 1
	if !strings.Contains(text, "\n") {
		return fmt.Sprintf("column %d", col)
	}
	return fmt.Sprintf("line %d, column %d", strings.Count(text[:ls], "\n")+1, col)
}

// isWord reports whether t is a bare single-segment identifier (a possible misspelt keyword or
// command name).
func isWord(t lexToken) bool {
	return t.kind == lexIdent && t.bare && len(t.path) == 1 && t.path[0] != "" && t.path[0][0] != '@'
}

// parseWordOps are operators people write as words (from SQL and shells), with the operator
// the language uses.
var parseWordOps = map[string]string{
	"eq": "=", "ne": "!=", "neq": "!=", "lt": "<", "gt": ">", "le": "<=", "lte": "<=", "ge": ">=", "gte": ">=",
	"contains": "like", "is": "=",
}

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
	if parseNotYet[name] {
		return nil, Errorf(t.sp, "the %s command is not supported yet", t.text)
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
	if k := Suggest(t.text, parseCommandList); k != "" {
		return nil, Errorf(t.sp, "unknown command %q: did you mean %s?", t.text, k)
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
	comma := Span{}
	for {
		if p.isOp(",") {
			if len(items) == 0 {
				return nil, Errorf(p.tok.sp, "unexpected \",\" after %q: remove it", cmd)
			}
			return nil, Errorf(p.tok.sp, "stray \",\": two commas in a row; remove one")
		}
		if len(items) > 0 && p.isKw("by") {
			return nil, Errorf(comma, `stray "," before by: remove it`)
		}
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
		comma = p.tok.sp
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
	if t.op == "by" {
		return "", Errorf(t.sp, "expected a name after %s, found by: write the name before by (count(*) as n by verb)", after)
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

// parseModeNames says what follows as in each parse mode, for messages.
var parseModeNames = map[string]string{
	"logfmt": "the name of the map (parse @message logfmt as lf, then lf.level)",
	"csv":    "a name for each value (parse @message csv as time, level, msg)",
}

// parseModeWord reports whether t is the logfmt or csv word of a parse command.
func parseModeWord(t lexToken) (string, bool) {
	if t.kind != lexIdent || !t.bare || len(t.path) != 1 {
		return "", false
	}
	switch m := strings.ToLower(t.text); m {
	case "logfmt", "csv":
		return m, true
	}
	return "", false
}

func (p *parser) parseParse(start int) (Command, *Error) {
	c := &ParseCmd{}
	mode, isMode := parseModeWord(p.tok)
	if isMode {
		// parse logfmt as m reads @message; in parse csv "x=*" as a, csv is the source field.
		nt, err := p.peek()
		if err != nil {
			return nil, err
		}
		isMode = nt.kind == lexIdent && nt.op == "as"
	}
	if !isMode && p.tok.kind != lexString && !p.isOp("/") {
		if p.tok.kind == lexEOF || p.isOp("|") {
			return nil, Errorf(p.tok.sp, `expected a field, a "glob", a /regex/, logfmt or csv after parse, found %s`, p.desc())
		}
		st := p.tok
		src, err := p.parsePostfix()
		if err != nil {
			return nil, err
		}
		if m, ok := parseModeWord(st); ok && (p.tok.kind == lexEOF || p.isOp("|")) {
			// parse csv | ...: the mode word, not a field with nothing to parse it with.
			return nil, Errorf(p.tok.sp, "expected as and %s after %s, found %s", parseModeNames[m], st.text, p.desc())
		}
		c.Source = src
		mode, isMode = parseModeWord(p.tok)
	}
	parseNames := func() *Error {
		for {
			a, err := p.parseName(parseAfterName(c.Aliases))
			if err != nil {
				return err
			}
			c.Aliases = append(c.Aliases, a)
			if !p.isOp(",") {
				return nil
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
	}
	switch {
	case isMode:
		mt := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		c.Mode = mode
		if !p.isKw("as") {
			return nil, Errorf(p.tok.sp, "expected as and %s after %s, found %s", parseModeNames[mode], mt.text, p.desc())
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := parseNames(); err != nil {
			return nil, err
		}
		if mode == "logfmt" && len(c.Aliases) > 1 {
			return nil, Errorf(Span{mt.sp.Start, p.prevEnd}, "parse logfmt makes one map of all the key=value pairs: name it once (logfmt as lf) and read lf.%s", c.Aliases[1])
		}
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
		if err := parseNames(); err != nil {
			return nil, err
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
		if p.isMulti() {
			return nil, Errorf(p.tok.sp, "multi is only allowed after a parse /regex/: a glob extracts one match")
		}
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
		if p.tok.kind == lexIdent && p.tok.sp.Start == rt.sp.End {
			return nil, Errorf(p.tok.sp, "regex flags after the closing / are not supported: write (?%s) at the start of the regex, as in /(?%s)%s/", p.tok.text, p.tok.text, rt.val)
		}
		c.Pattern, c.IsRegex, c.Re = rt.val, true, re
		if p.isKw("as") {
			// The docs' multi-match example names an unnamed group this way:
			// parse @message /(\d+\.\d+\.\d+\.\d+)/ as ip_addr multi.
			if err := p.advance(); err != nil {
				return nil, err
			}
			asStart := p.tok.sp.Start
			if err := parseNames(); err != nil {
				return nil, err
			}
			if n := re.NumSubexp(); n != len(c.Aliases) {
				return nil, Errorf(Span{asStart, p.prevEnd}, "the parse regex has %d capture group(s) but %d name(s) follow as: name each group, in order", n, len(c.Aliases))
			}
			c.AsList = true
		} else {
			for _, n := range re.SubexpNames() {
				if n != "" {
					c.Aliases = append(c.Aliases, n)
				}
			}
			if len(c.Aliases) == 0 {
				return nil, Errorf(rt.sp, "the parse regex has no named group: name each field to extract with (?<name>...), or list the names after as")
			}
		}
		if p.isMulti() {
			c.Multi = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
	default:
		return nil, Errorf(p.tok.sp, `expected a "glob" pattern, a /regex/, logfmt or csv after the parse source, found %s`, p.desc())
	}
	c.Sp = p.sp(start)
	return c, nil
}

// isMulti reports whether the current token is the multi word of a parse /regex/.
func (p *parser) isMulti() bool {
	return p.tok.kind == lexIdent && p.tok.bare && len(p.tok.path) == 1 && strings.EqualFold(p.tok.text, "multi")
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
		if p.tok.kind == lexIdent && p.tok.sp.Start == rt.sp.End {
			// /x/i: JavaScript-style flags (spec A13).
			return nil, Errorf(p.tok.sp, "regex flags after the closing / are not supported: write (?%s) at the start of the regex, as in /(?%s)%s/", p.tok.text, p.tok.text, rt.val)
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
	if p.tok.kind == lexIdent {
		return nil, Errorf(p.tok.sp, `expected a "string" or a /regex/ after %s, found %s: quote the text, as in %s "%s"`, op, p.desc(), op, p.tok.text)
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
		if p.tok.kind == lexEOF {
			return nil, Errorf(Span{start, start + 1}, `this "[" is never closed: add the missing "]"`)
		}
		if len(l.Elems) > 0 {
			if !p.isOp(",") {
				if p.tok.kind == lexString || p.tok.kind == lexNumber {
					return nil, Errorf(p.tok.sp, `missing "," before %s in the list opened at %s`, p.tok.text, p.where(start))
				}
				return nil, Errorf(p.tok.sp, `expected "," or "]" in the list opened at %s, found %s`, p.where(start), p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.isOp(",") || p.isOp("]") {
				return nil, Errorf(p.tok.sp, `stray "," in the list: remove it`)
			}
			if p.tok.kind == lexEOF {
				return nil, Errorf(Span{start, start + 1}, `this "[" is never closed: add the missing "]"`)
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
			if name, ok := parseNotYetFuncs[strings.ToLower(t.text)]; ok {
				return nil, Errorf(t.sp, "the time-series function %s() is not supported yet", name)
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
			if p.tok.kind == lexEOF {
				return nil, Errorf(t.sp, `this "(" is never closed: add the missing ")"`)
			}
			return nil, Errorf(p.tok.sp, `expected ")" to close the "(" opened at %s, found %s`, p.where(t.sp.Start), p.desc())
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
	case "=", "==", "!=", "<", "<=", ">", ">=", "=~", "~=":
		return nil, Errorf(t.sp, "unexpected %q: a comparison needs a value on each side; repeat the field, as in x >= 1 and x <= 9", t.op)
	case ",":
		return nil, Errorf(t.sp, "unexpected \",\": an expression is missing before it")
	}
	return nil, Errorf(t.sp, "unexpected %s: expected a field, a number, a \"string\", a function call or \"(\"", p.desc())
}

// parseCall parses the argument list of name; the current token is "(".
func (p *parser) parseCall(name lexToken) (Expr, *Error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	open := p.prevEnd - 1
	c := &Call{Name: name.text}
	for !p.isOp(")") {
		if p.tok.kind == lexEOF {
			return nil, Errorf(Span{open, open + 1}, `the "(" of %s( is never closed: add the missing ")"`, name.text)
		}
		if len(c.Args) > 0 {
			if !p.isOp(",") {
				if n, ok := c.Args[len(c.Args)-1].(*NumLit); ok && p.tok.kind == lexIdent && p.tok.sp.Start > n.Sp.End {
					if _, unit := lexPeriodUnit(p.tok.text); unit {
						return nil, Errorf(Span{n.Sp.Start, p.tok.sp.End}, "a time period is written without a space: %s%s", n.Text, p.tok.text)
					}
				}
				return nil, Errorf(p.tok.sp, `expected "," or ")" in the arguments of %s( opened at %s, found %s`, name.text, p.where(open), p.desc())
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.isOp(")") || p.isOp(",") {
				return nil, Errorf(p.tok.sp, `stray "," in the arguments of %s: remove it`, name.text)
			}
			if p.tok.kind == lexEOF {
				return nil, Errorf(Span{open, open + 1}, `the "(" of %s( is never closed: add the missing ")"`, name.text)
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
	if t.kind == lexPeriod {
		// A period is a whole argument: whatever follows is the call's business (a "," or ")",
		// or an error there that names the unclosed "(", not the period).
		if err := p.advance(); err != nil {
			return nil, err
		}
		if t.n <= 0 {
			return nil, Errorf(t.sp, "a time period must be positive, as in 5m")
		}
		return &PeriodLit{Sp: t.sp, N: t.n, Unit: t.unit, Text: t.text}, nil
	}
	if p.isOp("*") {
		nt, err := p.peek()
		if err != nil {
			return nil, err
		}
		if nt.kind == lexEOF || nt.kind == lexOp && (nt.op == "," || nt.op == ")") {
			if err := p.advance(); err != nil {
				return nil, err
			}
			return &Star{Sp: t.sp}, nil
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
				for _, it := range c.Aggs {
					var near *Call
					var k string
					Walk(it.X, func(e Expr) {
						if call, ok := e.(*Call); ok && near == nil {
							if k = Suggest(call.Name, Aggregates); k != "" {
								near = call
							}
						}
					})
					if near != nil {
						return Errorf(near.Sp, "%s() is not an aggregate function: did you mean %s()?", near.Name, k)
					}
				}
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
