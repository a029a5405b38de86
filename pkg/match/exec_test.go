package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"fmt"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// capture renders rows as "col=value col=value" lines, absent values left out, so that a test
// reads like the table the console would show.
type capture struct {
	cols  []string
	lines []string
	raw   []string
}

func (c *capture) Begin(cols []string) error { c.cols = cols; return nil }
func (c *capture) Row(vals []Value, raw []byte) error {
	var parts []string
	for i, v := range vals {
		if v.Kind == Absent {
			continue
		}
		parts = append(parts, c.cols[i]+"="+v.Render())
	}
	c.lines = append(c.lines, strings.Join(parts, " "))
	c.raw = append(c.raw, string(raw))
	return nil
}
func (c *capture) End() error { return nil }

// event is "<epoch seconds> <stream> <message>".
func batches(events []string, perBatch int) []*scan.Batch {
	files := map[string]*scan.File{}
	var order []string
	recs := map[string][]scan.Record{}
	for i, e := range events {
		parts := strings.SplitN(e, " ", 3)
		var sec int64
		fmt.Sscan(parts[0], &sec)
		st := parts[1]
		if files[st] == nil {
			files[st] = &scan.File{Index: len(order), Path: st + ".log", Stream: st}
			order = append(order, st)
		}
		recs[st] = append(recs[st], scan.Record{Time: sec * 1000, HasTime: true, Message: []byte(parts[2]), Line: int64(i + 1), Stream: st})
	}
	var out []*scan.Batch
	for _, st := range order {
		rs := recs[st]
		seq := 0
		for len(rs) > 0 || seq == 0 {
			n := min(perBatch, len(rs))
			out = append(out, &scan.Batch{File: files[st], Seq: seq, Records: rs[:n], Last: n == len(rs)})
			rs = rs[n:]
			seq++
		}
	}
	return out
}

// runQuery compiles q with the default test options (a log group and account for @log) and
// feeds the events to it as the scanner would, one goroutine per file (runQueryOpts).
func runQuery(t *testing.T, q string, events []string, workers int) (*capture, error) {
	t.Helper()
	return runQueryOpts(t, q, events, workers, Options{})
}

var audit = []string{
	`100 kube-apiserver-audit-a {"verb":"get","requestURI":"/api/v1/pods","user":{"username":"alice"},"responseStatus":{"code":200}}`,
	`101 kube-apiserver-audit-a {"verb":"create","requestURI":"/api/v1/namespaces/default/pods/p1/eviction","objectRef":{"subresource":"eviction","name":"p1"},"user":{"username":"eks:fargate","extra":{"canonicalArn":["arn:aws:iam::1:role/x"]}},"responseStatus":{"code":201}}`,
	`102 kube-apiserver-audit-b {"verb":"delete","requestURI":"/api/v1/namespaces/default/pods/p1","user":{"username":"alice"},"responseStatus":{"code":200}}`,
	`103 kube-apiserver-audit-b {"verb":"get","requestURI":"/api/v1/nodes","user":{"username":"bob"},"responseStatus":{"code":503}}`,
	`104 authenticator-x time="2021" level=info msg="access granted" username=kubernetes-admin`,
	`105 kube-apiserver-audit-a {"verb":"list","requestURI":"/api/v1/pods?limit=500","user":{"username":"bob"},"responseStatus":{"code":"403"}}`,
	`99 kube-apiserver-audit-b {"verb":"watch","user":{"username":"carol"}}`,
}

func TestExec(t *testing.T) {
	f := func(q string, want ...string) {
		t.Helper()
		for _, workers := range []int{1, 3} {
			c, err := runQuery(t, q, audit, workers)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if strings.Join(c.lines, "\n") != strings.Join(want, "\n") {
				t.Fatalf("%s (workers=%d):\ngot:\n%s\nwant:\n%s", q, workers, strings.Join(c.lines, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	// Streams in input order (files, then events) without sort.
	f(`filter verb = "get" | fields @timestamp, verb, user.username`,
		"@timestamp=1970-01-01 00:01:40.000 verb=get user.username=alice",
		"@timestamp=1970-01-01 00:01:43.000 verb=get user.username=bob")
	// A filter written after sort and limit applies before them (spec §4.2, the tutorial).
	f(`fields @timestamp, verb | sort @timestamp desc | limit 2 | filter verb = "get"`,
		"@timestamp=1970-01-01 00:01:43.000 verb=get",
		"@timestamp=1970-01-01 00:01:40.000 verb=get")
	// A filter on raw fields after stats applies to the events before aggregation.
	f(`stats count(*) as n by user.username | filter verb = "get" | sort user.username`,
		"user.username=alice n=1", "user.username=bob n=1")
	// A filter on an aggregate applies after it.
	f(`stats count(*) as n by user.username | filter n > 1 | sort n desc`,
		"user.username=alice n=2", "user.username=bob n=2")
	// Number/string coercion: a JSON number compares equal to "403" and a JSON string to 403.
	f(`filter responseStatus.code = "403" or responseStatus.code = 503 | fields responseStatus.code`,
		`responseStatus.code=403`, "responseStatus.code=503")
	f(`filter responseStatus.code in [201, "200"] | fields verb | sort verb`, "verb=create", "verb=delete", "verb=get")
	// != drops events without the field (A31).
	f(`filter user.username != "alice" and ispresent(verb) | fields user.username | sort user.username desc`,
		"user.username=eks:fargate", "user.username=carol", "user.username=bob", "user.username=bob")
	f(`filter @message like "username=kubernetes-admin" | fields @logStream, @log`,
		"@logStream=authenticator-x @log=111122223333:/aws/eks/demo/cluster")
	// Arrays flatten to .N, and stats order groups by first appearance.
	f(`filter ispresent(user.extra.canonicalArn.0) | fields user.extra.canonicalArn.0 as arn`, "arn=arn:aws:iam::1:role/x")
	f(`stats count(*) as c by verb`, "verb=get c=2", "verb=create c=1", "verb=list c=1", "verb=delete c=1", "verb=watch c=1", "c=1")
	// Arithmetic over aggregates and earlier aliases.
	f(`filter ispresent(verb) | stats count(*) as all, sum(responseStatus.code) as s, s / all as avgcode`,
		"all=6 s=1507 avgcode=251.16666666666666") // 200+201+200+503+"403"
	// Two stats: the second groups the first's rows.
	f(`filter ispresent(verb) | stats count(*) as c by user.username | stats count(*) as users by c | sort c`,
		"c=1 users=2", "c=2 users=2")
	// parse: glob and regex; parsed fields are appended to the projection (A51).
	f(`filter @logStream like /authenticator/ | parse @message 'msg="*"' as msg | fields @logStream`,
		`@logStream=authenticator-x msg=access granted`)
	f(`parse requestURI /namespaces\/(?<ns>[^\/]+)\/pods\/(?<pod>[^\/]+)/ | filter ispresent(pod) | display ns, pod, verb`,
		"ns=default pod=p1 verb=create", "ns=default pod=p1 verb=delete")
	// dedup keeps the first row in sort order; limit is final.
	f(`filter ispresent(verb) | fields user.username | sort @timestamp desc | dedup user.username`,
		"user.username=bob", "user.username=alice", "user.username=eks:fargate", "user.username=carol")
	f(`filter ispresent(verb) | fields verb | limit 3`, "verb=get", "verb=create", "verb=list")
	// display: the last one wins; expressions are allowed.
	f(`filter verb = "create" | display verb | display verb, toupper(verb) as V, strlen(requestURI) as n`,
		"verb=create V=CREATE n=43")
	// bin() groups by @timestamp buckets.
	f(`filter ispresent(verb) | stats count(*) as c by bin(2s) as t | sort t`,
		"t=1970-01-01 00:01:38.000 c=1", "t=1970-01-01 00:01:40.000 c=2", "t=1970-01-01 00:01:42.000 c=2", "t=1970-01-01 00:01:44.000 c=1")
}

// TestExecBinKeysInterleaved: events whose bins alternate, and a string key spelled like a bin's
// time, which groups with it (keys are compared by rendered text).
func TestExecBinKeysInterleaved(t *testing.T) {
	var events []string
	for i, sec := range []int{100, 160, 100, 220, 160, 100} {
		events = append(events, fmt.Sprintf(`%d s {"i":%d}`, sec, i))
	}
	events = append(events, `1 s {"k":"1970-01-01 00:01:00.000"}`)
	for _, workers := range []int{1, 2} {
		c, err := runQuery(t, `stats count(*) as c by coalesce(k, bin(1m)) as t | sort t`, events, workers)
		if err != nil {
			t.Fatal(err)
		}
		want := "t=1970-01-01 00:01:00.000 c=4\nt=1970-01-01 00:02:00.000 c=2\nt=1970-01-01 00:03:00.000 c=1"
		if got := strings.Join(c.lines, "\n"); got != want {
			t.Fatalf("workers=%d:\ngot:\n%s\nwant:\n%s", workers, got, want)
		}
	}
}

func TestExecRawAndErrors(t *testing.T) {
	c, err := runQuery(t, `filter verb = "delete"`, audit, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.raw) != 1 || !strings.Contains(c.raw[0], `"verb":"delete"`) {
		t.Fatalf("raw: %q", c.raw)
	}
	if c.cols[0] != "@timestamp" || c.cols[1] != "@message" {
		t.Fatalf("default columns %v", c.cols)
	}
	for _, q := range []string{`filter count(*) > 1`, `fields nosuchfn(verb)`, `fields strlen()`} {
		if _, err := runQuery(t, q, audit, 1); err == nil {
			t.Errorf("%s: expected an error", q)
		} else if _, ok := err.(*syntax.Error); !ok {
			t.Errorf("%s: error %T is not a *Error", q, err)
		}
	}
}

// sort | limit keeps a bounded heap per worker; it must return exactly the head of the full sort,
// ties in input order included.
func TestTopKEqualsFullSort(t *testing.T) {
	var events []string
	for i := 0; i < 300; i++ {
		events = append(events, fmt.Sprintf(`%d s%d {"verb":"v%d","n":%d}`, 1000+(i*7919)%50, i%7, i%5, i%13))
	}
	for _, q := range []string{
		`fields @timestamp, n, verb | sort @timestamp desc`,
		`fields @timestamp, n, verb | sort n, verb desc`,
		`fields n | sort verb`,
	} {
		for _, workers := range []int{1, 4} {
			full, err := runQuery(t, q, events, workers)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []int{1, 7, 50, 299, 300, 1000} {
				top, err := runQuery(t, q+fmt.Sprintf(" | limit %d", k), events, workers)
				if err != nil {
					t.Fatal(err)
				}
				want := full.lines[:min(k, len(full.lines))]
				if strings.Join(top.lines, "\n") != strings.Join(want, "\n") {
					t.Fatalf("%s | limit %d (workers=%d): top-K differs from the full sort", q, k, workers)
				}
			}
		}
	}
}

// TestExecLikeStreamMemo: a like on @logStream remembers its last answer per worker; events of
// several streams through one worker still get each their own stream's answer.
func TestExecLikeStreamMemo(t *testing.T) {
	events := []string{
		`1 s-a {"v":1}`, `2 s-a {"v":2}`, `3 s-a {"v":3}`,
		`4 s-b {"v":4}`, `5 s-b {"v":5}`,
		`6 s-c {"v":6}`,
	}
	for _, tc := range []struct{ q, want string }{
		{`filter @logStream like /-[ac]$/ | stats count(*) as n`, "n=4"},
		{`filter @logStream not like /-[ac]$/ | stats count(*) as n`, "n=2"},
		{`filter @logStream like /-b/ or @logStream like /-c/ | stats count(*) as n`, "n=3"},
		{`fields @logStream =~ /-a/ as isA | filter isA | stats count(*) as n`, "n=3"},
	} {
		for _, workers := range []int{1, 2} {
			c, err := runQuery(t, tc.q, events, workers)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.lines, "\n"); got != tc.want {
				t.Fatalf("%s (workers=%d): %s, want %s", tc.q, workers, got, tc.want)
			}
		}
	}
}

// TestWantSetWithoutSystemFields: the fields the framing answers are not looked for in the
// JSON, so a query that filters on @logStream still stops reading a message at its last
// wanted name (with @logStream in the want set, every message was read to its end).
func TestWantSetWithoutSystemFields(t *testing.T) {
	q, err := Compile(`filter @logStream like /^kube-apiserver-audit/ and @log like /x/ and ispresent(@message)
		| fields @timestamp, @ptr, @ingestionTime, @logGroup | stats count(*) by kind`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(q.want.names, ","); got != "kind" {
		t.Fatalf("want set %q, want only kind", got)
	}
	var f jsonFields
	msg := []byte(`{"kind":"Event","user":{"username":"u"},"annotations":{"a":"b"}}`)
	if !f.parse(msg, q.want) || !f.done {
		t.Fatalf("parse did not stop after kind (done=%v)", f.done)
	}
	// Every name isSystemField lists is answered by systemField, even without a record.
	r := &rowState{p: q}
	for _, n := range []string{"@timestamp", "@message", "@logStream", "@log", "@logGroup", "@ptr", "@ingestionTime"} {
		if !isSystemField(n) {
			t.Errorf("%s is not a system field", n)
		}
		if _, ok := r.systemField(n); !ok {
			t.Errorf("systemField does not answer %s", n)
		}
	}
	for _, n := range []string{"@x", "@@logStream", "logStream", "@requestId"} {
		if _, ok := r.systemField(n); ok || isSystemField(n) {
			t.Errorf("%s taken for a system field", n)
		}
	}
}

// TestBinFixedPeriodFast: bin() with a fixed-unit period is computed without the general call;
// it must equal datefloor(@timestamp, p) for every period and timestamp, calendar units and
// periods too long to bucket included.
func TestBinFixedPeriodFast(t *testing.T) {
	var events []string
	for _, sec := range []int64{0, 1, 59, 299, 300, 86399, 86400, 1628640000, 1628640299, -1, -301, -86401, 253402300799} {
		events = append(events, fmt.Sprintf(`%d s {"x":1}`, sec))
	}
	for _, p := range []string{"1ms", "7s", "5m", "3h", "2d", "1w", "3w", "1mo", "1q", "1y", "2000000000000d"} {
		c, err := runQuery(t, `fields bin(`+p+`) as a, datefloor(@timestamp, `+p+`) as b`, events, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.lines) != len(events) {
			t.Fatalf("%s: %d rows", p, len(c.lines))
		}
		for _, l := range c.lines {
			a, b, _ := strings.Cut(strings.TrimPrefix(l, "a="), " b=")
			if a != b {
				t.Errorf("bin(%s) = %q, datefloor = %q", p, a, b)
			}
		}
	}
}
