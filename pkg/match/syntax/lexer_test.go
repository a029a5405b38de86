package syntax

import (
	"strings"
	"testing"
)

// lexAll renders the token stream of s as "kind:text" (with the value for strings, regexes and
// identifiers when it differs from the text). A "/" after like or =~ is re-read as a regex, as
// the parser does.
func lexAll(t *testing.T, s string) string {
	t.Helper()
	lx := lexer{src: s}
	var parts []string
	var prev lexToken
	for {
		tok, err := lx.next()
		if err != nil {
			t.Fatalf("lex %q: %v", s, err)
		}
		if tok.kind == lexOp && tok.op == "/" && ((prev.kind == lexIdent && prev.op == "like") || (prev.kind == lexOp && (prev.op == "=~" || prev.op == "~="))) {
			if tok, err = lx.scanRegex(tok.sp.Start); err != nil {
				t.Fatalf("lex %q: %v", s, err)
			}
		}
		if tok.kind == lexEOF {
			break
		}
		if s[tok.sp.Start:tok.sp.End] != tok.text {
			t.Fatalf("lex %q: span %v does not hold %q", s, tok.sp, tok.text)
		}
		p := tok.kind.String() + ":" + tok.text
		switch tok.kind {
		case lexString, lexRegex:
			p += "=" + tok.val
		case lexIdent:
			if tok.op != "" {
				p = "kw:" + tok.op
			} else if len(tok.path) > 1 || !tok.bare {
				p += "=" + strings.Join(tok.path, "|")
			}
		case lexPeriod:
			p += "=" + strings.TrimSpace(strings.Join([]string{itoa64(tok.n), tok.unit}, ""))
		}
		parts = append(parts, p)
		prev = tok
	}
	return strings.Join(parts, " ")
}

func itoa64(n int64) string { return (&PeriodLit{N: n}).String() }

func TestLexer(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := lexAll(t, in); got != want {
			t.Fatalf("lex %q:\ngot  %s\nwant %s", in, got, want)
		}
	}
	f("", "")
	f("  \n\t # only a comment", "")
	f("fields @timestamp, @message", "ident:fields ident:@timestamp op:, ident:@message")
	f("a.b.c user.extra.canonicalArn.0", "ident:a.b.c=a|b|c ident:user.extra.canonicalArn.0=user|extra|canonicalArn|0")
	f("a.`b.c`.d @`aws.tag` `foo-bar` `x|y#z`", "ident:a.`b.c`.d=a|b.c|d ident:@`aws.tag`=@aws.tag ident:`foo-bar`=foo-bar ident:`x|y#z`=x|y#z")
	f("resolver_ip _x 2xx", "ident:resolver_ip ident:_x ident:2xx")
	f("1 2.5 007 1.2.3", "number:1 number:2.5 number:007 ident:1.2.3=1|2|3")
	f("5m 1h 30s 100ms 2hrs 1mo 1qtr 3mos 2yrs 5MIN 1msec", "period:5m=5m period:1h=1h period:30s=30s period:100ms=100ms period:2hrs=2h period:1mo=1mo period:1qtr=1q period:3mos=3mo period:2yrs=2y period:5MIN=5m period:1msec=1ms")
	f("300s 61m 25h 2000ms 400d", "period:300s=60s period:61m=60m period:25h=24h period:2000ms=1000ms period:400d=400d")
	f(`"a\"b" 'it\'s' "back\\slash" "keep\d" 'mixed"quote'`, `string:"a\"b"=a"b string:'it\'s'=it's string:"back\\slash"=back\slash string:"keep\d"=keep\d string:'mixed"quote'=mixed"quote`)
	f("= == != < <= > >= =~ ~= + - * / % ^ ( ) [ ] , | .", "op:= op:== op:!= op:< op:<= op:> op:>= op:=~ op:~= op:+ op:- op:* op:/ op:% op:^ op:( op:) op:[ op:] op:, op:| op:.")
	f("AND or Not LIKE in As BY asc DESC into any", "kw:and kw:or kw:not kw:like kw:in kw:as kw:by kw:asc kw:desc kw:into kw:any")
	f("`and` a.and and.b", "ident:`and`=and ident:a.and=a|and ident:and.b=and|b")
	f("x like /a\\/b|c/ y =~ /(?i)x#y/", `ident:x kw:like regex:/a\/b|c/=a/b|c ident:y op:=~ regex:/(?i)x#y/=(?i)x#y`)
	f("a/b/c", "ident:a op:/ ident:b op:/ ident:c")
	f("a|b # c | d\n|e", "ident:a op:| ident:b op:| ident:e")
	f("f(x).a[1]", "ident:f op:( ident:x op:) op:. ident:a op:[ number:1 op:]")
	f("a-b", "ident:a op:- ident:b")
	f("count(*)", "ident:count op:( op:* op:)")
}

func TestLexerErrors(t *testing.T) {
	f := func(in string, offset int, msg string) {
		t.Helper()
		lx := lexer{src: in}
		for {
			tok, err := lx.next()
			if err != nil {
				if err.Offset != offset || err.Msg != msg {
					t.Fatalf("lex %q: got %d %q, want %d %q", in, err.Offset, err.Msg, offset, msg)
				}
				return
			}
			if tok.kind == lexEOF {
				t.Fatalf("lex %q: no error", in)
			}
		}
	}
	f(`a "abc`, 2, `unterminated string: add the closing "`)
	f("a `abc", 2, "unterminated backtick name: add the closing `")
	f("a ``", 2, "empty backtick name: put a field name between the backticks")
	f("a. b", 1, `expected a name after "." in a field name`)
	f("a ! b", 2, `unexpected "!": write != for "not equal" or the keyword not for negation`)
	f("a $", 2, "unexpected character \"$\": quote strings with \" or ', and put field names with special characters in backticks")
}
