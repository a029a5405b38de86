package syntax

import (
	"strconv"
	"strings"
)

// This file prints the AST in canonical form: lower-case keywords, double-quoted strings,
// /regex/ literals, bare field names where the lexer would read them back as the same name,
// and the fewest parentheses that keep the tree. Parse(q.String()).String() == q.String().

// String prints the query, its commands joined with " | ".
func (q *Query) String() string {
	parts := make([]string, len(q.Commands))
	for i, c := range q.Commands {
		parts[i] = c.String()
	}
	return strings.Join(parts, " | ")
}

func (c *FieldsCmd) String() string {
	name := "fields "
	if c.Display {
		name = "display "
	}
	return name + printItems(c.Items)
}

func (c *FilterCmd) String() string {
	name := c.Name
	if name == "" {
		name = "filter"
	}
	return name + " " + c.Cond.String()
}

func (c *StatsCmd) String() string {
	s := "stats " + printItems(c.Aggs)
	if len(c.By) > 0 {
		s += " by " + printItems(c.By)
	}
	return s
}

func (c *SortCmd) String() string {
	var b strings.Builder
	b.WriteString("sort ")
	for i, k := range c.Keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.X.String())
		if k.Desc {
			b.WriteString(" desc")
		}
	}
	return b.String()
}

func (c *LimitCmd) String() string {
	if c.Any {
		return "limit any " + strconv.Itoa(c.N)
	}
	return "limit " + strconv.Itoa(c.N)
}

func (c *ParseCmd) String() string {
	var b strings.Builder
	b.WriteString("parse ")
	if c.Source != nil {
		b.WriteString(printOperand(c.Source, printPrecPrimary))
		b.WriteByte(' ')
	}
	names := func() {
		b.WriteString(" as ")
		for i, a := range c.Aliases {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(printName(a))
		}
	}
	switch {
	case c.Mode != "":
		b.WriteString(c.Mode)
		names()
	case c.IsRegex:
		b.WriteString(printRegex(c.Pattern))
		if c.AsList {
			names()
		}
		if c.Multi {
			b.WriteString(" multi")
		}
	default:
		b.WriteString(printQuote(c.Pattern))
		names()
	}
	return b.String()
}

func (c *DedupCmd) String() string {
	parts := make([]string, len(c.Fields))
	for i, x := range c.Fields {
		parts[i] = x.String()
	}
	return "dedup " + strings.Join(parts, ", ")
}

func (c *UnnestCmd) String() string {
	return "unnest " + c.X.String() + " into " + printName(c.Into)
}

func (c *UnmaskCmd) String() string {
	if c.X == nil {
		return "unmask"
	}
	return "unmask " + c.X.String()
}

// printItems prints expr [as alias] items. An unaliased item whose source text differs from its
// canonical form is printed with its source text as alias, so that the column keeps its name.
func printItems(items []*Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		s := it.X.String()
		switch {
		case it.Alias != "":
			s += " as " + printName(it.Alias)
		case it.Text != "" && it.Text != s && !strings.Contains(it.Text, "`"):
			if _, isField := it.X.(*Field); !isField {
				s += " as " + printName(it.Text)
			}
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// Precedence levels of the printer, matching the parser's (spec §6).
const (
	printPrecOr = 1 + iota
	printPrecAnd
	printPrecNot
	printPrecCmp
	printPrecAdd
	printPrecMul
	printPrecPow
	printPrecUnary
	printPrecPrimary
)

func printPrec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "or":
			return printPrecOr
		case "and":
			return printPrecAnd
		case "+", "-":
			return printPrecAdd
		case "*", "/", "%":
			return printPrecMul
		case "^":
			return printPrecPow
		}
		return printPrecCmp
	case *Unary:
		if e.Op == "not" {
			return printPrecNot
		}
		return printPrecUnary
	case *Like, *In:
		return printPrecCmp
	}
	return printPrecPrimary
}

// printOperand prints e, in parentheses when its precedence is below min.
func printOperand(e Expr, min int) string {
	if printPrec(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func (e *Binary) String() string {
	p := printPrec(e)
	lmin, rmin := p, p+1 // left-associative
	switch p {
	case printPrecPow: // right-associative
		lmin, rmin = p+1, p
	case printPrecCmp: // not associative
		lmin, rmin = p+1, p+1
	}
	return printOperand(e.X, lmin) + " " + e.Op + " " + printOperand(e.Y, rmin)
}

func (e *Unary) String() string {
	if e.Op == "not" {
		return "not " + printOperand(e.X, printPrecNot)
	}
	s := printOperand(e.X, printPrecUnary)
	if strings.HasPrefix(s, "-") {
		return "- " + s
	}
	return "-" + s
}

func (e *Like) String() string {
	op := " " + e.Op + " "
	if e.Op == "like" && e.Not {
		op = " not like "
	}
	return printOperand(e.X, printPrecAdd) + op + e.Pat.String()
}

func (e *In) String() string {
	op := " in "
	if e.Not {
		op = " not in "
	}
	return printOperand(e.X, printPrecAdd) + op + e.List.String()
}

func (e *Call) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return e.Name + "(" + strings.Join(parts, ", ") + ")"
}

func (e *Index) String() string {
	var x string
	switch e.X.(type) {
	case *Call, *Index:
		x = e.X.String()
	case *Field:
		if e.IsIdx {
			x = e.X.String()
		} else {
			// a.b would read back as the field "a.b".
			x = "(" + e.X.String() + ")"
		}
	default:
		x = "(" + e.X.String() + ")"
	}
	if e.IsIdx {
		return x + "[" + strconv.Itoa(e.Idx) + "]"
	}
	if printIsWord(e.Key) {
		return x + "." + e.Key
	}
	return x + ".`" + e.Key + "`"
}

func (e *Field) String() string {
	path := e.Path
	if len(path) == 0 {
		path = []string{e.Name}
	}
	segs := make([]string, len(path))
	allBare := true
	for i, s := range path {
		if printIsBareSeg(s) {
			segs[i] = s
		} else {
			segs[i] = "`" + s + "`"
			allBare = false
		}
	}
	if allBare {
		joined := strings.Join(segs, ".")
		if lexBareKind(joined) != lexIdent || (len(segs) == 1 && lexKeywords[strings.ToLower(joined)]) {
			segs[0] = "`" + segs[0] + "`"
		}
	}
	return strings.Join(segs, ".")
}

func (e *StrLit) String() string    { return printQuote(e.Val) }
func (e *NumLit) String() string    { return e.Text }
func (e *RegexLit) String() string  { return printRegex(e.Src) }
func (e *PeriodLit) String() string { return strconv.FormatInt(e.N, 10) + e.Unit }
func (e *Star) String() string      { return "*" }

func (e *ListLit) String() string {
	parts := make([]string, len(e.Elems))
	for i, x := range e.Elems {
		parts[i] = x.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// printName prints a defined name (alias, parse field, unnest target): bare when it reads back
// as the same name, else in backticks.
func printName(s string) string {
	if s != "" && lexBareKind(s) == lexIdent && !lexKeywords[strings.ToLower(s)] && !strings.HasPrefix(s, ".") && !strings.HasSuffix(s, ".") && !strings.Contains(s, "..") {
		ok := true
		for i := 0; i < len(s); i++ {
			if !lexIsIdentByte(s[i]) && s[i] != '.' {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
	}
	return "`" + s + "`"
}

func printIsBareSeg(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !lexIsIdentByte(s[i]) {
			return false
		}
	}
	return true
}

// printIsWord reports a key that can follow "." bare: it must not start with a digit.
func printIsWord(s string) bool {
	return printIsBareSeg(s) && !lexIsDigit(s[0])
}

// printQuote double-quotes s, escaping " and \.
func printQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// printRegex prints a regex source as /src/, re-escaping / as \/.
func printRegex(src string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\\' && i+1 < len(src) {
			b.WriteString(src[i : i+2])
			i++
			continue
		}
		if c == '/' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('/')
	return b.String()
}
