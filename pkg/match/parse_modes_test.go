package match

import (
	"strings"
	"testing"
)

// runModeCases runs the cases over events, with 1 and 3 workers.
func runModeCases(t *testing.T, events []string, cases []langCase) {
	t.Helper()
	for _, tc := range cases {
		for _, workers := range []int{1, 3} {
			c, err := runQueryOpts(t, tc.q, events, workers, Options{})
			if err != nil {
				t.Errorf("%s: %v", tc.q, err)
				break
			}
			if got, want := strings.Join(c.lines, "\n"), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("%s (workers=%d):\ngot:\n%s\nwant:\n%s", tc.q, workers, got, want)
				break
			}
		}
	}
}

// TestParseLogfmt runs the PARSE page's logfmt examples, as written, over logfmt lines.
func TestParseLogfmt(t *testing.T) {
	events := []string{
		`200 app level=error msg="connection failed" duration=42 host=web-1`,
		`201 app level=info msg=started duration=1 host=web-2`,
		`202 app level=error msg="disk \"full\"\tnow" duration=7 host=web-1 debug empty=`,
		`203 other not logfmt at all`,
	}
	runModeCases(t, events, []langCase{
		{"parse @message logfmt as lf\n| filter lf.level = \"error\"\n| display lf.msg, lf.duration",
			[]string{"lf.msg=connection failed lf.duration=42", "lf.msg=disk \"full\"\tnow lf.duration=7"}},
		{"parse @message logfmt as lf\n| stats count(*) by lf.host",
			[]string{"lf.host=web-1 count(*)=2", "lf.host=web-2 count(*)=1", "count(*)=1"}},
		// A bare key is true, key= is empty; the map is a value of its own (jsonStringify), and
		// numbers compare as numbers.
		{`parse logfmt as lf | filter lf.duration > 5 | fields lf.debug, lf.empty, jsonStringify(lf) as j`, []string{
			`j={"level":"error","msg":"connection failed","duration":"42","host":"web-1"} lf={"level":"error","msg":"connection failed","duration":"42","host":"web-1"}`,
			"lf.debug=true lf.empty= " + `j={"level":"error","msg":"disk \"full\"\tnow","duration":"7","host":"web-1","debug":"true","empty":""} lf={"level":"error","msg":"disk \"full\"\tnow","duration":"7","host":"web-1","debug":"true","empty":""}`,
		}},
		// A line of words is bare keys; an absent source leaves the map absent (m is not shown).
		{`filter @logStream = "other" | parse @message logfmt as lf | fields lf.not, lf.at | parse nosuch logfmt as m | fields ispresent(m) as p`,
			[]string{`lf.not=true lf.at=true p=0 lf={"not":"true","logfmt":"true","at":"true","all":"true"}`}},
	})
}

// TestParseCSV runs the PARSE page's csv examples, as written, over CSV lines.
func TestParseCSV(t *testing.T) {
	runModeCases(t, []string{
		`300 app 2024-01-01T00:00:00Z,ERROR,boom`,
		`301 app 2024-01-01T00:00:01Z,INFO,"hello, ""world"""`,
		`302 app 2024-01-01T00:00:02Z,ERROR,"disk full, again"`,
	}, []langCase{
		{"parse @message csv as timestamp, level, message\n| filter level = \"ERROR\"\n| display timestamp, message",
			[]string{"timestamp=2024-01-01T00:00:00Z message=boom", "timestamp=2024-01-01T00:00:02Z message=disk full, again"}},
		{`parse @message csv as t, l, m | filter l = "INFO" | display m`, []string{`m=hello, "world"`}},
		// Fewer values than names: the extra names are absent; more: the extra values are ignored.
		{`parse @message csv as t, l, m, extra | parse @message csv as only | filter l = "INFO" | display only, extra`,
			[]string{"only=2024-01-01T00:00:01Z"}},
	})
	runModeCases(t, []string{
		`310 web web-1,GET,/index,200,12`,
		`311 web web-2,POST,/login,302,30`,
		`312 web web-1,GET,/about,200,18`,
	}, []langCase{
		{"parse @message csv as host, method, path, status, duration\n| stats avg(duration) by method",
			[]string{"method=GET avg(duration)=15", "method=POST avg(duration)=30"}},
	})
}

// TestParseMulti runs the PARSE page's multi-match example: one row per match.
func TestParseMulti(t *testing.T) {
	events := []string{
		`400 net from 10.0.0.1 to 10.0.0.2 via 10.0.0.1`,
		`401 net nothing here`,
		`402 net only 192.168.1.7`,
	}
	runModeCases(t, events, []langCase{
		{"parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi\n| stats count(*) by ip_addr",
			[]string{"ip_addr=10.0.0.1 count(*)=2", "ip_addr=10.0.0.2 count(*)=1", "count(*)=1", "ip_addr=192.168.1.7 count(*)=1"}},
		// Named groups, every match a row in order; a value with no match passes once without
		// the fields, as any parse does; later commands run on each row.
		{`parse @message /(?<a>\d+)\.(?<b>\d+)\.\d+\.(?<d>\d+)/ multi | filter ispresent(d) | display a, b, d`,
			[]string{"a=10 b=0 d=1", "a=10 b=0 d=2", "a=10 b=0 d=1", "a=192 b=168 d=7"}},
		{`parse @message /(?<ip>\d+\.\d+\.\d+\.\d+)/ multi | display ip`,
			[]string{"ip=10.0.0.1", "ip=10.0.0.2", "ip=10.0.0.1", "", "ip=192.168.1.7"}},
		// multi then unnest-like commands and sort: each row is independent.
		{`parse @message /(?<ip>\d+\.\d+\.\d+\.\d+)/ multi | filter ispresent(ip) | fields ip | sort ip desc | limit 2`,
			[]string{"ip=192.168.1.7", "ip=10.0.0.2"}},
	})
	// The same under --strict-pipeline, where the stage runs on materialised rows.
	for _, workers := range []int{1, 3} {
		c, err := runQueryOpts(t, `sort @timestamp desc | parse @message /(?<ip>\d+\.\d+\.\d+\.\d+)/ multi | filter ispresent(ip) | display ip`, events, workers, Options{StrictPipeline: true})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(c.lines, ","), "ip=192.168.1.7,ip=10.0.0.1,ip=10.0.0.2,ip=10.0.0.1"; got != want {
			t.Errorf("strict multi: %s, want %s", got, want)
		}
	}
}

// TestMapAliasDotAccess: a name the query defines that holds a map or list is read with the
// dot and bracket operators, as the docs' structure-type examples do (and as lf.level needs).
func TestMapAliasDotAccess(t *testing.T) {
	runModeCases(t, []string{
		`500 app {"status_code":200,"users":[{"action":"a0"},{"action":"PutData"}],"user.id":"123"}`,
		`501 app {"status_code":404,"users":[],"user":{"id":"9"}}`,
	}, []langCase{
		{"fields jsonParse(@message) as json_message\n| stats count() by json_message.status_code",
			[]string{"json_message.status_code=200 count()=1", "json_message.status_code=404 count()=1"}},
		{"fields jsonParse(@message) as json_message\n| filter json_message.users[1].action = \"PutData\" | display json_message.status_code",
			[]string{"json_message.status_code=200"}},
		{"fields jsonParse(@message) as json_message\n| filter json_message.`user.id` = \"123\" | display json_message.status_code",
			[]string{"json_message.status_code=200"}},
		// A defined name that is not a map leaves the dotted name to the input, as before.
		{`fields "x" as user | filter status_code = 404 | display user.id`, []string{"user.id=9"}},
	})
}
