package main

import (
	"bytes"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// TestQueryTypos renders the error of typical typos as the CLI prints them (issue #14, defect
// 5): each message names the real cause, with the caret on it. Unclosed "(", "[" and strings
// point at the opening (or, where another token stands where the closer should be, name where
// the opening is); misspelt commands, functions and keywords get a "did you mean" from edit
// distance; commands and functions of the current docs that are not implemented are refused by
// name.
func TestQueryTypos(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"stats count(*) by bin(5m",
			"auditgrep: query error at line 1, column 22: the \"(\" of bin( is never closed: add the missing \")\"\n    stats count(*) by bin(5m\n                         ^\n"},
		{"fields concat(verb, \"x\"",
			"auditgrep: query error at line 1, column 14: the \"(\" of concat( is never closed: add the missing \")\"\n    fields concat(verb, \"x\"\n                 ^\n"},
		{"filter (verb = \"get\" | limit 5",
			"auditgrep: query error at line 1, column 22: expected \")\" to close the \"(\" opened at column 8, found \"|\"\n    filter (verb = \"get\" | limit 5\n                         ^\n"},
		{"filter (verb = \"get\"))",
			"auditgrep: query error at line 1, column 22: unmatched \")\": there is no \"(\" for it to close; remove it\n    filter (verb = \"get\"))\n                         ^\n"},
		{"fields toupper(verb)) as v",
			"auditgrep: query error at line 1, column 21: unmatched \")\": there is no \"(\" for it to close; remove it\n    fields toupper(verb)) as v\n                        ^\n"},
		{"filter verb in [\"get\", \"list\"",
			"auditgrep: query error at line 1, column 16: this \"[\" is never closed: add the missing \"]\"\n    filter verb in [\"get\", \"list\"\n                   ^\n"},
		{"filter verb in [\"get\",, \"list\"]",
			"auditgrep: query error at line 1, column 23: stray \",\" in the list: remove it\n    filter verb in [\"get\",, \"list\"]\n                          ^\n"},
		{"fields count(*,)",
			"auditgrep: query error at line 1, column 16: stray \",\" in the arguments of count: remove it\n    fields count(*,)\n                   ^\n"},
		{"filter verb = \"get",
			"auditgrep: query error at line 1, column 15: unterminated string: add the closing \"\n    filter verb = \"get\n                  ^\n"},
		{"filter verb = \"get' | limit 5",
			"auditgrep: query error at line 1, column 15: unterminated string: add the closing \" (a string that starts with \" ends with \", not ')\n    filter verb = \"get' | limit 5\n                  ^\n"},
		{"fields `foo",
			"auditgrep: query error at line 1, column 8: unterminated backtick name: add the closing `\n    fields `foo\n           ^\n"},
		{"filter @message like /error",
			"auditgrep: query error at line 1, column 22: unterminated regex: add the closing / (write \\/ for a literal slash)\n    filter @message like /error\n                         ^\n"},
		{"filter verb = \"get\" stats count(*)",
			"auditgrep: query error at line 1, column 21: missing \"|\" before stats: commands are separated by \"|\"\n    filter verb = \"get\" stats count(*)\n                        ^^^^^\n"},
		{"sort @timestamp desc limit 20",
			"auditgrep: query error at line 1, column 22: missing \"|\" before limit: commands are separated by \"|\"\n    sort @timestamp desc limit 20\n                         ^^^^^\n"},
		{"stats avg(lat) by verb sort avg(lat)",
			"auditgrep: query error at line 1, column 24: missing \"|\" before sort: commands are separated by \"|\"\n    stats avg(lat) by verb sort avg(lat)\n                           ^^^^\n"},
		{"fields @timestamp @message",
			"auditgrep: query error at line 1, column 19: missing \",\" before \"@message\": separate the items of a list with \",\"\n    fields @timestamp @message\n                      ^^^^^^^^\n"},
		{"filter verb === \"get\"",
			"auditgrep: query error at line 1, column 13: \"===\" is not an operator: write = or == for \"equal\"\n    filter verb === \"get\"\n                ^^^\n"},
		{"filter verb <> \"get\"",
			"auditgrep: query error at line 1, column 13: \"<>\" is not an operator: write != for \"not equal\"\n    filter verb <> \"get\"\n                ^^\n"},
		{"filter verb = \"get\" && code = 200",
			"auditgrep: query error at line 1, column 21: \"&&\" is not an operator: write and\n    filter verb = \"get\" && code = 200\n                        ^^\n"},
		{"filter verb = \"get\" || verb = \"list\"",
			"auditgrep: query error at line 1, column 21: \"||\" is not an operator: write or (\"|\" separates commands)\n    filter verb = \"get\" || verb = \"list\"\n                        ^^\n"},
		{"filter verb eq \"get\"",
			"auditgrep: query error at line 1, column 13: unexpected \"eq\": the operator is written =\n    filter verb eq \"get\"\n                ^^\n"},
		{"filter verb = \"get\" | | limit 5",
			"auditgrep: query error at line 1, column 23: expected a command after \"|\", found \"|\": remove one of the two\n    filter verb = \"get\" | | limit 5\n                          ^\n"},
		{"filter verb = \"get\" |",
			"auditgrep: query error at line 1, column 22: expected a command after \"|\", found the end of the query: remove the trailing \"|\"\n    filter verb = \"get\" |\n                         ^\n"},
		{"fields verb,, user",
			"auditgrep: query error at line 1, column 13: stray \",\": two commas in a row; remove one\n    fields verb,, user\n                ^\n"},
		{"fields , verb",
			"auditgrep: query error at line 1, column 8: unexpected \",\" after \"fields\": remove it\n    fields , verb\n           ^\n"},
		{"stats count(*), by verb",
			"auditgrep: query error at line 1, column 15: stray \",\" before by: remove it\n    stats count(*), by verb\n                  ^\n"},
		{"fliter verb = \"get\"",
			"auditgrep: query error at line 1, column 1: unknown command \"fliter\": did you mean filter?\n    fliter verb = \"get\"\n    ^^^^^^\n"},
		{"stat count(*) by verb",
			"auditgrep: query error at line 1, column 1: unknown command \"stat\": did you mean stats?\n    stat count(*) by verb\n    ^^^^\n"},
		{"sotr @timestamp",
			"auditgrep: query error at line 1, column 1: unknown command \"sotr\": did you mean sort?\n    sotr @timestamp\n    ^^^^\n"},
		{"limt 10",
			"auditgrep: query error at line 1, column 1: unknown command \"limt\": did you mean limit?\n    limt 10\n    ^^^^\n"},
		{"feilds verb",
			"auditgrep: query error at line 1, column 1: unknown command \"feilds\": did you mean fields?\n    feilds verb\n    ^^^^^^\n"},
		{"dedupe verb",
			"auditgrep: query error at line 1, column 1: unknown command \"dedupe\": did you mean dedup?\n    dedupe verb\n    ^^^^^^\n"},
		{"stats cout(*) by verb",
			"auditgrep: query error at line 1, column 7: cout() is not an aggregate function: did you mean count()?\n    stats cout(*) by verb\n          ^^^^^^^\n"},
		{"stats count_distict(verb)",
			"auditgrep: query error at line 1, column 7: count_distict() is not an aggregate function: did you mean count_distinct()?\n    stats count_distict(verb)\n          ^^^^^^^^^^^^^^^^^^^\n"},
		{"stats avg(lat), countt(*)",
			"auditgrep: query error at line 1, column 17: unknown function countt(): did you mean count()?\n    stats avg(lat), countt(*)\n                    ^^^^^^^^^\n"},
		{"fields tolowr(verb)",
			"auditgrep: query error at line 1, column 8: unknown function tolowr(): did you mean tolower()?\n    fields tolowr(verb)\n           ^^^^^^^^^^^^\n"},
		{"filter isprsent(verb)",
			"auditgrep: query error at line 1, column 8: unknown function isprsent(): did you mean ispresent()?\n    filter isprsent(verb)\n           ^^^^^^^^^^^^^^\n"},
		{"stats count(*) bye verb",
			"auditgrep: query error at line 1, column 16: unexpected \"bye\": did you mean by?\n    stats count(*) bye verb\n                   ^^^\n"},
		{"sort verb dsc",
			"auditgrep: query error at line 1, column 11: unexpected \"dsc\": did you mean desc?\n    sort verb dsc\n              ^^^\n"},
		{"filter verb lik \"get\"",
			"auditgrep: query error at line 1, column 13: unexpected \"lik\": did you mean like?\n    filter verb lik \"get\"\n                ^^^\n"},
		{"stats count(*) as by verb",
			"auditgrep: query error at line 1, column 19: expected a name after \"as\", found by: write the name before by (count(*) as n by verb)\n    stats count(*) as by verb\n                      ^^\n"},
		{"stats count(*) by bin(5 m)",
			"auditgrep: query error at line 1, column 23: a time period is written without a space: 5m\n    stats count(*) by bin(5 m)\n                          ^^^\n"},
		{"stats count(*) by bin(5)",
			"auditgrep: query error at line 1, column 23: bin() needs a time period such as 5m or 1h, found 5\n    stats count(*) by bin(5)\n                          ^\n"},
		{"stats count(*) by bin(5x)",
			"auditgrep: query error at line 1, column 23: bin() needs a time period such as 5m or 1h, found 5x\n    stats count(*) by bin(5x)\n                          ^^\n"},
		{"filter verb like get",
			"auditgrep: query error at line 1, column 18: expected a \"string\" or a /regex/ after like, found \"get\": quote the text, as in like \"get\"\n    filter verb like get\n                     ^^^\n"},
		{"filter statusCode >= 400 and <= 499",
			"auditgrep: query error at line 1, column 30: unexpected \"<=\": a comparison needs a value on each side; repeat the field, as in x >= 1 and x <= 9\n    filter statusCode >= 400 and <= 499\n                                 ^^\n"},
		{"fields verb ass v",
			"auditgrep: query error at line 1, column 13: unexpected \"ass\": did you mean as?\n    fields verb ass v\n                ^^^\n"},
		{"fields rate(lat, 5m)",
			"auditgrep: query error at line 1, column 8: the time-series function rate() is not supported yet\n    fields rate(lat, 5m)\n           ^^^^\n"},
		{"stats histogram(lat, 10)",
			"auditgrep: query error at line 1, column 7: the time-series function histogram() is not supported yet\n    stats histogram(lat, 10)\n          ^^^^^^^^^\n"},
		{"stats count(*) by bin(5m) offset 1h",
			"auditgrep: query error at line 1, column 27: offset (time-shifted stats bins) is not supported yet\n    stats count(*) by bin(5m) offset 1h\n                              ^^^^^^\n"},
		{"json field=payload \"user.name\" as username",
			"auditgrep: query error at line 1, column 1: the json command is not supported yet\n    json field=payload \"user.name\" as username\n    ^^^^\n"},
		{"expand items",
			"auditgrep: query error at line 1, column 1: the expand command is not supported yet\n    expand items\n    ^^^^^^\n"},
		{"fields @message | pattern @message",
			"auditgrep: query error at line 1, column 19: the pattern command needs the CloudWatch service and is not supported offline\n    fields @message | pattern @message\n                      ^^^^^^^\n"},
		{"fields datefloor(@timestamp, 1)",
			"auditgrep: query error at line 1, column 30: datefloor() needs a time period such as 5m or 1h, found 1\n    fields datefloor(@timestamp, 1)\n                                 ^\n"},
		{"filter verb = \"get\" | limit 5 | fliter verb = \"x\"",
			"auditgrep: query error at line 1, column 33: unknown command \"fliter\": did you mean filter?\n    filter verb = \"get\" | limit 5 | fliter verb = \"x\"\n                                    ^^^^^^\n"},
		{"filter verb in [\"get\" \"list\"]",
			"auditgrep: query error at line 1, column 23: missing \",\" before \"list\" in the list opened at column 16\n    filter verb in [\"get\" \"list\"]\n                          ^^^^^^\n"},
		{"fields strlen(@message",
			"auditgrep: query error at line 1, column 14: the \"(\" of strlen( is never closed: add the missing \")\"\n    fields strlen(@message\n                 ^\n"},
		{"filter verb = \"get\"\n| filter (code = 200 or code = 201\n| stats count(*) by bin(5m)",
			"auditgrep: query error at line 3, column 1: expected \")\" to close the \"(\" opened at line 2, column 10, found \"|\"\n    | stats count(*) by bin(5m)\n    ^\n"},
		{"fields verb, code status",
			"auditgrep: query error at line 1, column 19: missing \",\" before \"status\", or did you mean | stats?\n    fields verb, code status\n                      ^^^^^^\n"},
		{"filter verb = \"get\" sotr verb",
			"auditgrep: query error at line 1, column 21: unexpected \"sotr\": did you mean | sort?\n    filter verb = \"get\" sotr verb\n                        ^^^^\n"},
		{"filter @message like /error/i",
			"auditgrep: query error at line 1, column 29: regex flags after the closing / are not supported: write (?i) at the start of the regex, as in /(?i)error/\n    filter @message like /error/i\n                                ^\n"},
		{"parse @message /level=(?<level>\\w+)/i",
			"auditgrep: query error at line 1, column 37: regex flags after the closing / are not supported: write (?i) at the start of the regex, as in /(?i)level=(?<level>\\w+)/\n    parse @message /level=(?<level>\\w+)/i\n                                        ^\n"},
	} {
		_, err := match.Compile(tc.q, match.Options{})
		if err == nil {
			t.Errorf("%q: expected an error", tc.q)
			continue
		}
		var b bytes.Buffer
		printQueryError(&b, tc.q, err)
		if b.String() != tc.want {
			t.Errorf("%q:\ngot:\n%s\nwant:\n%s", tc.q, b.String(), tc.want)
		}
	}
	// = and == are both equality (the docs use =, AWS's EKS queries ==): neither is a typo.
	for _, q := range []string{`filter verb = "get"`, `filter verb == "get"`, `filter verb != "get" and code >= 400`} {
		if _, err := match.Compile(q, match.Options{}); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}
