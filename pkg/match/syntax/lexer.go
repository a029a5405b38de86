package syntax

import (
	"strconv"
	"strings"
)

// This file is the hand-written pull lexer of the query language (spec §3). The parser asks for
// one token at a time with next; there are no goroutines and no token slice. A `/` is always
// returned as an operator: where a pattern is expected (after like, =~, ~= and in parse) the
// parser calls scanRegex at that `/` to re-read it as a regex literal, so the lexer itself needs
// no context.

// lexKind is the kind of a lexToken.
type lexKind uint8

const (
	lexEOF lexKind = iota
	// lexIdent is a field reference, a function name, a command name or a keyword.
	lexIdent
	// lexString is a '...' or "..." literal.
	lexString
	// lexNumber is an integer or decimal literal.
	lexNumber
	// lexPeriod is a time period such as 5m or 2hrs.
	lexPeriod
	// lexRegex is a /.../ literal (only produced by scanRegex).
	lexRegex
	// lexOp is an operator or punctuation token.
	lexOp
)

func (k lexKind) String() string {
	switch k {
	case lexEOF:
		return "eof"
	case lexIdent:
		return "ident"
	case lexString:
		return "string"
	case lexNumber:
		return "number"
	case lexPeriod:
		return "period"
	case lexRegex:
		return "regex"
	case lexOp:
		return "op"
	}
	return "?"
}

// lexToken is one token with its byte span in the query text.
type lexToken struct {
	kind lexKind
	sp   Span
	// text is the token's source text.
	text string
	// op is the operator of a lexOp token, or the lower-cased keyword of a lexIdent token that
	// is an unquoted keyword ("" otherwise).
	op string
	// val is the unescaped value of a string, the pattern of a regex (\/ turned into /), or the
	// flattened name of an identifier (segments joined with ".").
	val string
	// path holds the segments of an identifier.
	path []string
	// bare reports an identifier written without backticks.
	bare bool
	// num is the value of a number; n and unit are the count and canonical unit of a period.
	num  float64
	n    int64
	unit string
}

// lexKeywords are reserved when written unquoted as a single bare word, in any case.
var lexKeywords = map[string]bool{
	"and": true, "or": true, "not": true, "like": true, "in": true, "as": true,
	"by": true, "asc": true, "desc": true, "into": true, "any": true,
}

// lexPeriodUnits maps the unit spellings of spec §3.5 to the canonical unit. Plurals (adding s
// to a spelling of more than one character) are handled by lexPeriodUnit.
var lexPeriodUnits = map[string]string{
	"ms": "ms", "msec": "ms", "millisecond": "ms",
	"s": "s", "sec": "s", "second": "s",
	"m": "m", "min": "m", "minute": "m",
	"h": "h", "hr": "h", "hour": "h",
	"d": "d", "day": "d",
	"w": "w", "week": "w",
	"mo": "mo", "mon": "mo", "month": "mo",
	"q": "q", "qtr": "q", "quarter": "q",
	"y": "y", "yr": "y", "year": "y",
}

// lexPeriodCaps are the documented caps of spec §10.3. CloudWatch silently lowers a larger
// value to the cap ("if you specify bin(300s), CloudWatch Logs actually implements this as 60
// seconds"), so the lexer clamps rather than rejects. d, w, mo, q and y have no documented cap.
var lexPeriodCaps = map[string]int64{"ms": 1000, "s": 60, "m": 60, "h": 24}

// lexPeriodUnit returns the canonical unit of a unit spelling (case-insensitive).
func lexPeriodUnit(u string) (string, bool) {
	u = strings.ToLower(u)
	if c, ok := lexPeriodUnits[u]; ok {
		return c, true
	}
	if len(u) > 2 && u[len(u)-1] == 's' {
		if c, ok := lexPeriodUnits[u[:len(u)-1]]; ok {
			return c, true
		}
	}
	return "", false
}

func lexIsIdentByte(c byte) bool {
	return c == '@' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func lexIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func lexAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !lexIsDigit(s[i]) {
			return false
		}
	}
	return true
}

// lexBareKind classifies a run of identifier characters and dots written without backticks:
// digits with at most one inner dot are a number, digits followed by a unit are a period,
// anything else is an identifier. The printer uses it to decide when a name needs backticks.
func lexBareKind(s string) lexKind {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if lexAllDigits(s[:i]) && lexAllDigits(s[i+1:]) {
			return lexNumber
		}
		return lexIdent
	}
	if lexAllDigits(s) {
		return lexNumber
	}
	i := 0
	for i < len(s) && lexIsDigit(s[i]) {
		i++
	}
	if i > 0 && i < len(s) {
		for j := i; j < len(s); j++ {
			c := s[j]
			if !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') {
				return lexIdent
			}
		}
		if _, ok := lexPeriodUnit(s[i:]); ok {
			return lexPeriod
		}
	}
	return lexIdent
}

// lexer is a pull lexer over the query text.
type lexer struct {
	src string
	pos int
}

// skipSpace skips whitespace (newlines included) and # comments.
func (lx *lexer) skipSpace() {
	for lx.pos < len(lx.src) {
		switch lx.src[lx.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			lx.pos++
		case '#':
			if i := strings.IndexByte(lx.src[lx.pos:], '\n'); i >= 0 {
				lx.pos += i + 1
			} else {
				lx.pos = len(lx.src)
			}
		default:
			return
		}
	}
}

// next returns the next token, or a lexEOF token at the end of the text.
func (lx *lexer) next() (lexToken, *Error) {
	lx.skipSpace()
	start := lx.pos
	if start >= len(lx.src) {
		return lexToken{kind: lexEOF, sp: Span{start, start}}, nil
	}
	c := lx.src[start]
	switch {
	case c == '"' || c == '\'':
		return lx.scanString()
	case c == '`' || lexIsIdentByte(c):
		return lx.scanIdent()
	}
	if strings.HasPrefix(lx.src[start:], "===") {
		return lexToken{}, Errorf(Span{start, start + 3}, `"===" is not an operator: write = or == for "equal"`)
	}
	if start+1 < len(lx.src) {
		switch two := lx.src[start : start+2]; two {
		case "<>":
			return lexToken{}, Errorf(Span{start, start + 2}, `"<>" is not an operator: write != for "not equal"`)
		case "&&":
			return lexToken{}, Errorf(Span{start, start + 2}, `"&&" is not an operator: write and`)
		}
		switch two := lx.src[start : start+2]; two {
		case "==", "!=", "<=", ">=", "=~", "~=":
			lx.pos += 2
			return lexToken{kind: lexOp, sp: Span{start, start + 2}, text: two, op: two}, nil
		}
	}
	switch c {
	case '=', '<', '>', '+', '-', '*', '/', '%', '^', '(', ')', '[', ']', ',', '|', '.':
		lx.pos++
		s := lx.src[start : start+1]
		return lexToken{kind: lexOp, sp: Span{start, start + 1}, text: s, op: s}, nil
	case '!':
		return lexToken{}, Errorf(Span{start, start + 1}, `unexpected "!": write != for "not equal" or the keyword not for negation`)
	case '~':
		return lexToken{}, Errorf(Span{start, start + 1}, `unexpected "~": did you mean =~ (regex match)?`)
	}
	n := 1
	if c >= 0x80 {
		// Report the whole UTF-8 sequence.
		for start+n < len(lx.src) && lx.src[start+n]&0xC0 == 0x80 {
			n++
		}
	}
	return lexToken{}, Errorf(Span{start, start + n}, "unexpected character %q: quote strings with \" or ', and put field names with special characters in backticks", lx.src[start:start+n])
}

// scanString reads a '...' or "..." literal. \" \' and \\ are escapes; any other backslash is
// kept verbatim with the character after it (spec A12).
func (lx *lexer) scanString() (lexToken, *Error) {
	start := lx.pos
	q := lx.src[start]
	var b strings.Builder
	i := start + 1
	for i < len(lx.src) {
		c := lx.src[i]
		if c == '\\' && i+1 < len(lx.src) {
			switch d := lx.src[i+1]; d {
			case '"', '\'', '\\':
				b.WriteByte(d)
				i += 2
				continue
			}
			b.WriteByte(c)
			i++
			continue
		}
		if c == q {
			lx.pos = i + 1
			return lexToken{kind: lexString, sp: Span{start, i + 1}, text: lx.src[start : i+1], val: b.String()}, nil
		}
		b.WriteByte(c)
		i++
	}
	other := byte('"')
	if q == '"' {
		other = '\''
	}
	if strings.IndexByte(lx.src[start+1:], other) >= 0 {
		return lexToken{}, Errorf(Span{start, start + 1}, "unterminated string: add the closing %c (a string that starts with %c ends with %c, not %c)", q, q, q, other)
	}
	return lexToken{}, Errorf(Span{start, start + 1}, "unterminated string: add the closing %c", q)
}

// scanIdent reads an identifier: bare segments of [@A-Za-z0-9_] and backticked segments joined
// by dots (a.`b.c`.d has the segments a, b.c and d). A bare part and a backticked part written
// next to each other form one segment (@`aws.tag` is the segment @aws.tag). A pure bare run is
// then classified as a number, a period, a keyword or an identifier.
func (lx *lexer) scanIdent() (lexToken, *Error) {
	start := lx.pos
	var path []string
	var seg strings.Builder
	bare := true
	i := start
	for {
		// One segment.
		segStart := i
		for i < len(lx.src) {
			c := lx.src[i]
			if lexIsIdentByte(c) {
				seg.WriteByte(c)
				i++
				continue
			}
			if c == '`' {
				end := strings.IndexByte(lx.src[i+1:], '`')
				if end < 0 {
					return lexToken{}, Errorf(Span{i, i + 1}, "unterminated backtick name: add the closing `")
				}
				if end == 0 {
					return lexToken{}, Errorf(Span{i, i + 2}, "empty backtick name: put a field name between the backticks")
				}
				seg.WriteString(lx.src[i+1 : i+1+end])
				bare = false
				i += end + 2
				continue
			}
			break
		}
		if i == segStart {
			return lexToken{}, Errorf(Span{i - 1, i}, `expected a name after "." in a field name`)
		}
		path = append(path, seg.String())
		seg.Reset()
		if i < len(lx.src) && lx.src[i] == '.' {
			i++
			continue
		}
		break
	}
	lx.pos = i
	text := lx.src[start:i]
	tok := lexToken{kind: lexIdent, sp: Span{start, i}, text: text, path: path, bare: bare, val: strings.Join(path, ".")}
	if !bare {
		return tok, nil
	}
	switch lexBareKind(text) {
	case lexNumber:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return lexToken{}, Errorf(tok.sp, "invalid number %q", text)
		}
		return lexToken{kind: lexNumber, sp: tok.sp, text: text, num: f}, nil
	case lexPeriod:
		j := 0
		for lexIsDigit(text[j]) {
			j++
		}
		n, err := strconv.ParseInt(text[:j], 10, 64)
		if err != nil {
			return lexToken{}, Errorf(tok.sp, "time period %q is too large", text)
		}
		unit, _ := lexPeriodUnit(text[j:])
		// Clamp to the documented cap, as CloudWatch does (spec §10.3: bin(300s) runs as 60s).
		if c, ok := lexPeriodCaps[unit]; ok && n > c {
			n = c
		}
		return lexToken{kind: lexPeriod, sp: tok.sp, text: text, n: n, unit: unit}, nil
	}
	if len(path) == 1 {
		if lw := strings.ToLower(text); lexKeywords[lw] {
			tok.op = lw
		}
	}
	return tok, nil
}

// scanRegex re-reads the text at start, which must be a `/`, as a regex literal ending at the
// next unescaped `/`. Inside, \/ stands for / and every other backslash pair is kept as is.
func (lx *lexer) scanRegex(start int) (lexToken, *Error) {
	var b strings.Builder
	i := start + 1
	for i < len(lx.src) {
		c := lx.src[i]
		if c == '\\' && i+1 < len(lx.src) {
			if lx.src[i+1] == '/' {
				b.WriteByte('/')
			} else {
				b.WriteString(lx.src[i : i+2])
			}
			i += 2
			continue
		}
		if c == '/' {
			lx.pos = i + 1
			return lexToken{kind: lexRegex, sp: Span{start, i + 1}, text: lx.src[start : i+1], val: b.String()}, nil
		}
		b.WriteByte(c)
		i++
	}
	return lexToken{}, Errorf(Span{start, start + 1}, `unterminated regex: add the closing / (write \/ for a literal slash)`)
}
