package sqlgen

import (
	"errors"
	"strings"
	"testing"
	"time"

	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// TestRefusals checks that what has no faithful SQL is refused with a *syntax.Error that
// covers the construct (so the CLI draws its caret there) and names it.
func TestRefusals(t *testing.T) {
	cases := []struct {
		q, at, msg string
		engines    []Engine // nil: every engine
	}{
		{`fields @ptr, @timestamp | sort @timestamp`, `@ptr`, `@ptr (the event's file and line) is not in the dataset`, nil},
		{`filter user.groups = "system:masters"`, `user.groups`, `JSON array or object`, nil},
		{`stats count(*) by verb | fields now() as t`, `now()`, `now() has no faithful`, nil},
		{`filter ispresent(verb) | fields now() as t | sort t`, `now()`, `now() has no faithful`, nil},
		{`fields jsonParse(@message) as j | unnest j.items into it`, `unnest j.items into it`, `unnest has no SQL translation`, nil},
		{`fields round(lat / 7, 2) as r | sort r`, `round(lat / 7, 2)`, `decimal text`, nil},
		{`fields trim(verb, "x") as v | sort v`, `trim(verb, "x")`, `set of characters`, nil},
		{`filter strcontains(verb, "GET", 1)`, `1`, `case-insensitive`, nil},
		{`filter isValidIp(sourceIPs.0)`, `isValidIp(sourceIPs.0)`, `IPv6`, nil},
		{`filter isIpv4InSubnet(sourceIPs.0, verb)`, `verb`, `string literal`, nil},
		{`fields substr(verb, lat) as s | sort s`, `substr(verb, lat)`, `integer literals`, nil},
		{`fields @timestamp + 1000 as later | sort later`, `@timestamp + 1000`, `shifts a timestamp`, nil},
		{`fields coalesce(verb, @timestamp) as c | sort c`, `@timestamp`, `different types`, nil},
		{`stats count(*) by bin(x)`, `x`, `period must be a literal`, nil},
		{`filter verb like /a$/`, `/a$/`, `final newline`, []Engine{Athena, Trino, Spark}},
		{`fields avg_lat * 1.5 as x | filter x like "2"`, `x like "2"`, `scientific notation`, []Engine{Athena, Trino}},
		{`fields datefloor(verb, 1h) as d | sort d`, `datefloor(verb, 1h)`, `must be a timestamp`, nil},
		{`parse @message /a(?<x>b)?c/ | sort x`, `parse @message /a(?<x>b)?c/`, `group x may not take part`, nil},
		{`parse @message /(?<x>b)|(?<y>c)/ | sort x`, `parse @message /(?<x>b)|(?<y>c)/`, `group x may not`, nil},
	}
	for _, c := range cases {
		q, err := ast.Parse(c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		engines := c.engines
		if engines == nil {
			engines = Engines
		}
		for _, e := range engines {
			_, err := Translate(q, Options{Engine: e, Columns: DatasetColumns()})
			var se *ast.Error
			if !errors.As(err, &se) {
				t.Errorf("%s (%s): want a *syntax.Error, got %v", c.q, e, err)
				continue
			}
			at := strings.Index(c.q, c.at)
			if se.Offset != at || !strings.Contains(se.Msg, c.msg) {
				t.Errorf("%s (%s): error at %d %q, want at %d (%q) containing %q", c.q, e, se.Offset, se.Msg, at, c.at, c.msg)
			}
		}
	}
	// The dollar anchor is fine on DuckDB, whose RE2 reads it as Insights does.
	q, _ := ast.Parse(`filter verb like /a$/`)
	if _, err := Translate(q, Options{Engine: DuckDB, Columns: DatasetColumns()}); err != nil {
		t.Errorf("DuckDB: %v", err)
	}
}

func TestBadOptions(t *testing.T) {
	q, _ := ast.Parse(`stats count(*)`)
	if _, err := Translate(q, Options{Engine: "mysql"}); err == nil || !strings.Contains(err.Error(), "mysql") {
		t.Errorf("unknown engine: %v", err)
	}
	if _, err := Translate(q, Options{Engine: Trino, Table: "x; drop table y"}); err == nil || !strings.Contains(err.Error(), "table name") {
		t.Errorf("bad table name: %v", err)
	}
	s, err := Translate(q, Options{Engine: Trino, Table: "hive.audit.events", Columns: DatasetColumns()})
	if err != nil || !strings.Contains(s, "FROM hive.audit.events") {
		t.Errorf("qualified table: %v\n%s", err, s)
	}
	if _, err := ParseEngine("SPARK"); err != nil {
		t.Error(err)
	}
}

// TestStripGroupNames: named groups become plain groups, escapes and lookalikes stay.
func TestStripGroupNames(t *testing.T) {
	for in, want := range map[string]string{
		`(?<a>x)(?P<b>y)`:    `(x)(y)`,
		`\(?<a>x\)`:          `\(?<a>x\)`,
		`(?:x)(?i)(?<n>\d+)`: `(?:x)(?i)(\d+)`,
	} {
		if got := stripGroupNames(in); got != want {
			t.Errorf("stripGroupNames(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStreamPrune: filters that pin @logStream's prefix name the stream partitions, exactly
// the kinds convert.StreamKind can give such streams; others add nothing.
func TestStreamPrune(t *testing.T) {
	for q, want := range map[string]string{
		`filter @logStream like /^kube-apiserver-audit/`:                      `"stream" = 'kube-apiserver-audit'`,
		`filter @logStream like /^kube-apiserver/ and verb = "get"`:           `"stream" IN ('kube-apiserver-audit', 'kube-apiserver')`,
		`filter @logStream =~ "^auth"`:                                        `"stream" IN ('authenticator', 'other')`,
		`filter @logStream like /^kube-scheduler-[0-9a-f]+/`:                  `"stream" = 'kube-scheduler'`,
		`filter @logStream = "kube-apiserver-audit-abc"`:                      `"stream" = 'kube-apiserver-audit'`,
		`filter @logStream like /^authenticator/ and @logStream like /^kube/`: `FALSE`,
		`filter @logStream like /kube-apiserver-audit/`:                       ``,
		`filter @logStream like /(?i)^kube-apiserver-audit/`:                  ``,
		`filter @logStream like /^kube-apiserver-audit/ or verb = "get"`:      ``,
		`filter @logStream not like /^kube-apiserver-audit/`:                  ``,
		`filter @logStream like "^kube"`:                                      ``,
	} {
		pq, err := ast.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Translate(pq, Options{Engine: Trino, Columns: DatasetColumns(), StreamPartition: true})
		if err != nil {
			t.Fatal(err)
		}
		has := strings.Contains(s, `"stream"`) || strings.Contains(s, "WHERE FALSE")
		if want == "" && has {
			t.Errorf("%s: no partition condition expected:\n%s", q, s)
		}
		if want != "" && !strings.Contains(s, "WHERE "+want+"\n") {
			t.Errorf("%s: want WHERE %s first:\n%s", q, want, s)
		}
		s2, _ := Translate(pq, Options{Engine: Trino, Columns: DatasetColumns()})
		if strings.Contains(s2, `"stream"`) {
			t.Errorf("%s: a partition condition without StreamPartition", q)
		}
	}
}

// TestTimeRange: --start/--end become inclusive conditions on @timestamp, and on the date
// partition when the table has it; the stats over them see only those rows.
func TestTimeRange(t *testing.T) {
	q, _ := ast.Parse(`stats count(*) as n by verb`)
	start := time.Date(2021, 8, 11, 10, 0, 0, 0, time.UTC)
	end := time.Date(2021, 8, 12, 9, 59, 59, 999e6, time.UTC)
	for e, want := range map[Engine]string{
		Trino:  "WHERE \"date\" >= '2021-08-11'\n  AND \"date\" <= '2021-08-12'\n  AND \"timestamp\" >= TIMESTAMP '2021-08-11 10:00:00.000'\n  AND \"timestamp\" <= TIMESTAMP '2021-08-12 09:59:59.999'\n",
		DuckDB: "WHERE \"date\" >= '2021-08-11'\n  AND \"date\" <= '2021-08-12'\n  AND (\"timestamp\" AT TIME ZONE 'UTC') >= TIMESTAMP '2021-08-11 10:00:00.000'\n",
		Spark:  "WHERE `date` >= '2021-08-11'\n",
	} {
		s, err := Translate(q, Options{Engine: e, Columns: DatasetColumns(), Start: start, End: end, DatePartition: true})
		if err != nil || !strings.Contains(s, want) {
			t.Errorf("%s: %v\n%s\nwant it to contain\n%s", e, err, s, want)
		}
	}
	s, _ := Translate(q, Options{Engine: Trino, Columns: DatasetColumns(), End: end})
	if strings.Contains(s, `"date"`) || !strings.Contains(s, `WHERE "timestamp" <= TIMESTAMP '2021-08-12 09:59:59.999'`) {
		t.Errorf("end only, no date partition:\n%s", s)
	}
}
