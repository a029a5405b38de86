package main

import (
	"bytes"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// TestQueryErrorCaret checks the rendered message of parse and plan errors: the line and column,
// the query line, and a caret under the offending text.
func TestQueryErrorCaret(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"filter verb = ",
			"auditgrep: query error at line 1, column 15: expected an expression, found the end of the query\n" +
				"    filter verb = \n" +
				"                  ^\n"},
		{"fields @timestamp\n| pattern @message",
			"auditgrep: query error at line 2, column 3: the pattern command needs the CloudWatch service and is not supported offline\n" +
				"    | pattern @message\n" +
				"      ^^^^^^^\n"},
		{"filter requestURI like /(?<=pods\\/)x/",
			"auditgrep: query error at line 1, column 25: lookbehind (?<=...) is not supported: Go's RE2 regex engine has no lookaround\n" +
				"    filter requestURI like /(?<=pods\\/)x/\n" +
				"                            ^^^^\n"},
		{"stats count(*) as c by verb\n| stats count(*) by user.username",
			"auditgrep: query error at line 2, column 21: the second stats command can only use the fields the first one defines (verb, c): user.username is not one of them\n" +
				"    | stats count(*) by user.username\n" +
				"                        ^^^^^^^^^^^^^\n"},
		{"fields nosuch(verb)",
			"auditgrep: query error at line 1, column 8: unknown function nosuch()\n" +
				"    fields nosuch(verb)\n" +
				"           ^^^^^^^^^^^^\n"},
	} {
		var b bytes.Buffer
		_, err := match.Compile(tc.q, match.Options{})
		if err == nil {
			t.Errorf("%q: expected an error", tc.q)
			continue
		}
		printQueryError(&b, tc.q, err)
		if b.String() != tc.want {
			t.Errorf("%q:\ngot:\n%s\nwant:\n%s", tc.q, b.String(), tc.want)
		}
	}
}
