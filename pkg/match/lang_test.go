package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// langEvents exercise the language end to end. Streams become files in order of first
// appearance, so input order is the order written here (timestamps 100..106).
var langEvents = []string{
	`100 kube-apiserver-audit-a {"verb":"get","user":{"username":"alice"},"code":200,"lat":10,"requestURI":"/api/v1/namespaces/default/pods/p1","list":"[1,2,3]","note":"url=/api/v1/users/42","annotations":{"authorization.k8s.io/decision":"allow"}}`,
	`101 kube-apiserver-audit-a {"verb":"list","user":{"username":"bob"},"code":403,"lat":30,"requestURI":"/api/v1/pods","list":"[]","note":"url=/api/v2/users/7"}`,
	`102 kube-apiserver-audit-a {"verb":"get","user":{"username":"bob"},"code":"500","lat":20,"requestURI":"/api/v1/namespaces/kube-system/pods/p2","list":"{\"a\":1}"}`,
	`103 kube-apiserver-audit-b {"verb":"delete","user":{"username":"alice"},"code":200,"lat":40,"requestURI":"/api/v1/namespaces/default/pods/p1"}`,
	`104 kube-apiserver-audit-b {"verb":"get","user":{"username":"carol"},"lat":5,"list":"[\"x\"]"}`,
	`105 app 25 May 2019 10:24:39,474 [ERROR] {foo=2, bar=data} The error was: DataIntegrityException`,
	`106 app 25 May 2019 10:24:40,001 [INFO] all good`,
}

// runQueryOpts is runQuery with compile options.
func runQueryOpts(t *testing.T, q string, events []string, workers int, opts Options) (*capture, error) {
	t.Helper()
	pq, err := syntax.Parse(q)
	if err != nil {
		return nil, err
	}
	if opts.LogGroup == "" {
		opts.LogGroup, opts.Account = "/aws/eks/demo/cluster", "111122223333"
	}
	prog, err := compileSyntax(pq, opts)
	if err != nil {
		return nil, err
	}
	c := &capture{}
	x := newExecutor(prog, c, execOptions{Workers: workers, KeepRaw: true})
	byFile := map[int][]*scan.Batch{}
	for _, b := range batches(events, 2) {
		byFile[b.File.Index] = append(byFile[b.File.Index], b)
	}
	var wg sync.WaitGroup
	sem := make(chan int, workers)
	for i := 0; i < workers; i++ {
		sem <- i
	}
	for f := 0; f < len(byFile); f++ {
		wid := <-sem
		wg.Add(1)
		go func(f, wid int) {
			defer wg.Done()
			defer func() { sem <- wid }()
			for _, b := range byFile[f] {
				if err := x.Batch(wid, b); err != nil {
					return
				}
			}
		}(f, wid)
	}
	wg.Wait()
	if _, err := x.Finish(); err != nil {
		return nil, err
	}
	return c, nil
}

type langCase struct {
	q    string
	want []string
}

func runLangCases(t *testing.T, opts Options, cases []langCase) {
	t.Helper()
	for _, tc := range cases {
		for _, workers := range []int{1, 3} {
			c, err := runQueryOpts(t, tc.q, langEvents, workers, opts)
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

func TestLangCommands(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		// fields: an alias is visible to later items of the same list (spec §5.1).
		{`filter verb = "delete" | fields lat * 2 as d, d + 1 as e`, []string{"d=80 e=81"}},
		// display: the last one wins.
		{`filter verb = "delete" | display verb | display user.username`, []string{"user.username=alice"}},
		// where and filterIndex are filter.
		{`where verb = "list" | fields verb`, []string{"verb=list"}},
		{`filterIndex verb in ["delete"] | fields verb`, []string{"verb=delete"}},
		// unmask is a no-op offline.
		{`unmask @message | filter verb = "delete" | fields verb`, []string{"verb=delete"}},
		// Several sort keys, each with its direction; asc is the default (A17).
		{`filter ispresent(verb) | fields verb, lat | sort verb, lat desc`,
			[]string{"verb=delete lat=40", "verb=get lat=20", "verb=get lat=10", "verb=get lat=5", "verb=list lat=30"}},
		// limit any: the first N found (scan order offline).
		{`filter ispresent(verb) | fields verb | limit any 2`, []string{"verb=get", "verb=list"}},
		{`filter ispresent(verb) | fields verb | sort lat | limit 2`, []string{"verb=get", "verb=get"}},
		// Comments and case-insensitive keywords.
		{"# first line\nFILTER verb = 'delete' # trailing\n# | filter verb = 'get'\n| FIELDS verb AS V", []string{"V=delete"}},
		// Strings: single and double quotes with escapes.
		{`filter @message like "[INFO]" | fields "a\"b" as q, 'it\'s' as s, "back\\slash" as b`, []string{`q=a"b s=it's b=back\slash`}},
		// Backtick names, including @`...` and a backticked segment of a JSON path.
		{"filter verb = \"delete\" | fields @`logStream`, `verb`", []string{"@logStream=kube-apiserver-audit-b verb=delete"}},
		{"filter annotations.`authorization.k8s.io/decision` = \"allow\" | fields verb", []string{"verb=get"}},
		{"filter `annotations.authorization.k8s.io/decision` = \"allow\" | fields verb", []string{"verb=get"}},
	})
}

func TestLangParse(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		// The QS-2023 glob example and its regex equivalent give the documented values.
		{`parse @message "[*] * The error was: *" as level, config, exception | filter ispresent(level) | display level, config, exception`,
			[]string{"level=ERROR config={foo=2, bar=data} exception=DataIntegrityException"}},
		{`parse @message /\[(?<level>\S+)\]\s+(?<config>\{.*\})\s+The error was: (?<exception>\S+)/ | filter ispresent(level) | display level, config, exception`,
			[]string{"level=ERROR config={foo=2, bar=data} exception=DataIntegrityException"}},
		// Parse from a JSON field, then from a parse output (chained); unmatched events pass
		// through without the extracted fields.
		{`parse note "url=*" as url | parse url "/api/*/users/*" as apiVersion, userId | filter ispresent(verb) | display verb, apiVersion, userId`,
			[]string{"verb=get apiVersion=v1 userId=42", "verb=list apiVersion=v2 userId=7", "verb=get", "verb=delete", "verb=get"}},
		{`parse requestURI /namespaces\/(?<ns>[^\/]+)\/pods\/(?<pod>\w+)/ | stats count(*) as n by ns, pod`,
			[]string{"ns=default pod=p1 n=2", "n=4", "ns=kube-system pod=p2 n=1"}},
		// Parsed fields are appended to the projection (A51) and numeric-looking values compare
		// as numbers.
		{`parse note "users/*" as uid | filter uid > 10 | fields verb`, []string{"verb=get uid=42"}},
	})
}

func TestLangStats(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		{`filter ispresent(verb) | stats count(*) as n, count(code) as c, count_distinct(user.username) as u, sum(lat) as s, avg(lat) as a, min(lat) as mn, max(lat) as mx`,
			[]string{"n=5 c=4 u=3 s=105 a=21 mn=5 mx=40"}},
		{`filter ispresent(verb) | stats pct(lat, 50) as p50, stddev(lat) as sd, earliest(user.username) as e, latest(user.username) as l, sortsFirst(verb) as sf, sortsLast(verb) as sl`,
			[]string{"p50=20 sd=14.317821063276353 e=alice l=carol sf=delete sl=list"}},
		{`filter ispresent(verb) | stats min(@timestamp) as first, max(@timestamp) as last`,
			[]string{"first=1970-01-01 00:01:40.000 last=1970-01-01 00:01:44.000"}},
		// Arithmetic over aggregates and over earlier aliases of the same stats.
		{`filter ispresent(verb) | stats sum(lat) as s, count(*) as n, s / n as mean, max(lat) - min(lat) as spread`,
			[]string{"s=105 n=5 mean=21 spread=35"}},
		// Unaliased items are named by their text (spec §12.4).
		{`filter ispresent(verb) | stats count(*), avg(lat) by bin(1h)`,
			[]string{"bin(1h)=1970-01-01 00:00:00.000 count(*)=5 avg(lat)=21"}},
		// Period caps (§10.3): 300s is 60s.
		{`stats count(*) as n by bin(300s) as t`, []string{"t=1970-01-01 00:01:00.000 n=7"}},
		// Two stats: the second groups the rows of the first and reads only its outputs.
		{`filter ispresent(verb) | stats count(*) as c by user.username | stats sum(c) as total, count(*) as users, max(c) as top`,
			[]string{"total=5 users=3 top=2"}},
		{`filter ispresent(verb) | stats count(*) as c by bin(1m) as t, verb | stats avg(c) as avgc by t | sort t`,
			[]string{"t=1970-01-01 00:01:00.000 avgc=1.6666666666666667"}},
		// A filter between two stats on the first's output.
		{`filter ispresent(verb) | stats count(*) as c by user.username | filter c > 1 | stats count(*) as busy`,
			[]string{"busy=2"}},
		// Stats over nothing: no row (A21).
		{`filter verb = "nope" | stats count(*) as n`, nil},
		// A group whose key is absent is a group (A22).
		{`stats count(*) as n by verb | sort n desc, verb`,
			[]string{"verb=get n=3", "n=2", "verb=delete n=1", "verb=list n=1"}},
	})
}

func TestLangDedupUnnest(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		// Without sort, dedup keeps the newest of each value (@timestamp desc).
		{`filter ispresent(verb) | fields user.username, verb | dedup user.username`,
			[]string{"user.username=carol verb=get", "user.username=alice verb=delete", "user.username=bob verb=get"}},
		// Rows with a null dedup field are all kept.
		{`filter ispresent(verb) | fields verb, code | dedup code`,
			[]string{"verb=get", "verb=delete code=200", "verb=get code=500", "verb=list code=403"}},
		{`filter ispresent(verb) | fields verb, lat | sort lat | dedup verb | limit 2`,
			[]string{"verb=get lat=5", "verb=list lat=30"}},
		// unnest of a jsonParse list: one row per element; an empty list drops the row (A27); a
		// map or scalar is a list of one.
		{`filter ispresent(list) | fields jsonParse(list) as l | unnest l into item | display verb, item`,
			[]string{"verb=get item=1", "verb=get item=2", "verb=get item=3", `verb=get item={"a":1}`, "verb=get item=x"}},
		{`filter verb = "get" | unnest jsonParse(list) into item | display lat, item`,
			[]string{"lat=10 item=1", "lat=10 item=2", "lat=10 item=3", `lat=20 item={"a":1}`, "lat=5 item=x"}},
		{`filter verb = "delete" | unnest verb into v | display v`, []string{"v=delete"}},
		// An absent input is a list of one absent item (A27).
		{`filter verb = "delete" | unnest jsonParse(list) into item | display verb, item`, []string{"verb=delete"}},
	})
}

func TestLangAbsentAndIn(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		// A comparison with an absent field is unknown: the row is dropped (§7.6, A31).
		{`filter code != 200 | fields verb`, []string{"verb=list", "verb=get"}},
		{`filter not (code = 200) | fields verb`, []string{"verb=list", "verb=get"}},
		{`filter not ispresent(code) | fields verb`, []string{"verb=get", "", ""}},
		// or with a true side keeps the row even if the other side is unknown.
		{`filter code = 200 or verb = "get" | fields verb`, []string{"verb=get", "verb=get", "verb=delete", "verb=get"}},
		{`filter code = 200 and verb = "get" | fields verb`, []string{"verb=get"}},
		{`filter verb not like "e" | fields verb`, []string{"verb=list"}},
		{`filter code in [200, "403"] | fields verb`, []string{"verb=get", "verb=list", "verb=delete"}},
		{`filter code not in [200] | fields verb`, []string{"verb=list", "verb=get"}},
		{`filter user.username in ["alice"] and verb not in ["get"] | fields verb`, []string{"verb=delete"}},
		// Arithmetic with an absent operand is absent; isempty/isblank are 1 for absent.
		{`filter verb = "get" | fields code + 1 as c1, isempty(code) as e, coalesce(code, "none") as c`,
			[]string{"c1=201 e=0 c=200", "c1=501 e=0 c=500", "e=1 c=none"}},
	})
}

// The §4.2 behaviours: commands that CloudWatch does not run at their written position.
func TestLangEvaluationModel(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		// A filter after sort and limit applies before them (the AWS tutorial).
		{`fields verb | sort @timestamp desc | limit 2 | filter verb = "get"`, []string{"verb=get", "verb=get"}},
		// A filter on raw fields written after stats applies to the events.
		{`stats count(*) as n by user.username | filter verb = "get" | sort n desc, user.username`,
			[]string{"user.username=alice n=1", "user.username=bob n=1", "user.username=carol n=1"}},
		// A filter on a stats alias written before the stats runs after it.
		{`filter n > 1 | stats count(*) as n by user.username | sort user.username`,
			[]string{"user.username=alice n=2", "user.username=bob n=2", "n=2"}},
		// A filter after stats on a computed field defined after it runs on the stats rows.
		{`filter ispresent(verb) | stats count(*) as n by user.username | fields n * 10 as n10 | filter n10 > 10 | sort user.username`,
			[]string{"user.username=alice n=2 n10=20", "user.username=bob n=2 n10=20"}},
		// ... and so does a filter on an aliased key.
		{`filter ispresent(verb) | stats count(*) as n by bin(1m) as t | filter t > 0 | fields t`,
			[]string{"t=1970-01-01 00:01:00.000 n=5"}},
		// fields is not a projection barrier; a later parse fills a name listed earlier.
		{`fields @timestamp, uid | filter verb = "list" | parse note "users/*" as uid`,
			[]string{"@timestamp=1970-01-01 00:01:41.000 uid=7"}},
	})
}

func TestLangNowAndRange(t *testing.T) {
	now := time.Unix(7200+102, 0)
	runLangCases(t, Options{Now: now}, []langCase{
		// The documented way to filter on recent events.
		{`filter toMillis(@timestamp) >= (now() * 1000 - 7200000) | fields @timestamp`,
			[]string{"@timestamp=1970-01-01 00:01:42.000", "@timestamp=1970-01-01 00:01:43.000", "@timestamp=1970-01-01 00:01:44.000", "@timestamp=1970-01-01 00:01:45.000", "@timestamp=1970-01-01 00:01:46.000"}},
		{`filter verb = "delete" | fields now() as n, datefloor(@timestamp, 1m) as f, dateceil(@timestamp, 1m) as c, fromMillis(toMillis(@timestamp) + 1) as m`,
			[]string{"n=7302 f=1970-01-01 00:01:00.000 c=1970-01-01 00:02:00.000 m=1970-01-01 00:01:43.001"}},
	})
}

func TestLangErrors(t *testing.T) {
	for _, tc := range []struct{ q, msg string }{
		{`stats count(*) as c by verb | stats count(*) by user.username`, "user.username"},
		{`filter count(*) > 1`, "aggregate"},
		{`fields nosuch(verb)`, "unknown function"},
		{`stats pct(lat, verb)`, "constant"},
		{`fields bin(5m, 1)`, "argument"},
	} {
		_, err := runQueryOpts(t, tc.q, langEvents, 1, Options{})
		if err == nil {
			t.Errorf("%s: expected an error", tc.q)
			continue
		}
		if _, ok := err.(*syntax.Error); !ok {
			t.Errorf("%s: error %T is not a *Error", tc.q, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not mention %q", tc.q, err, tc.msg)
		}
	}
}

func TestLangQueryRange(t *testing.T) {
	start, end := time.UnixMilli(101_000), time.UnixMilli(103_500)
	runLangCases(t, Options{QueryStart: start, QueryEnd: end}, []langCase{
		{`filter verb = "delete" | fields queryStartTime() as s, queryEndTime() as e, queryTimeRange() as r`,
			[]string{"s=101000 e=103500 r=2500"}},
		{`filter toMillis(@timestamp) >= queryStartTime() and toMillis(@timestamp) <= queryEndTime() | fields verb`,
			[]string{"verb=list", "verb=get", "verb=delete"}},
	})
	// Without a range they are absent.
	runLangCases(t, Options{}, []langCase{
		{`filter verb = "delete" | fields verb, queryStartTime() as s, queryTimeRange() as r`, []string{"verb=delete"}},
	})
}

// --strict-pipeline runs the commands in the order written; the same queries give CloudWatch's
// answer by default (TestLangEvaluationModel).
func TestLangStrictPipeline(t *testing.T) {
	strict := Options{StrictPipeline: true}
	runLangCases(t, strict, []langCase{
		// The limit keeps the 2 newest events; the filter then sees only those.
		{`fields verb | sort @timestamp desc | limit 2 | filter verb = "get"`, nil},
		{`fields verb | sort @timestamp desc | limit 3 | filter verb = "get"`, []string{"verb=get"}},
		// A filter on raw fields after stats sees stats rows, which have no verb.
		{`stats count(*) as n by user.username | filter verb = "get"`, nil},
		// A filter on a stats alias before the stats sees events, which have no n.
		{`filter n > 1 | stats count(*) as n by user.username`, nil},
		// Rows keep their record after a barrier: a filter on a raw field still works, and so
		// do parse and unnest.
		{`filter ispresent(verb) | sort lat desc | limit 3 | filter user.username = "bob" | fields verb, lat`,
			[]string{"verb=list lat=30", "verb=get lat=20"}},
		{`sort @timestamp | limit 2 | parse note "users/*" as uid | fields verb`,
			[]string{"verb=get uid=42", "verb=list uid=7"}},
		{`filter verb = "get" | sort lat | limit 2 | unnest jsonParse(list) into item | display lat, item`,
			[]string{"lat=5 item=x", "lat=10 item=1", "lat=10 item=2", "lat=10 item=3"}},
		// sort then limit then stats aggregates only the kept rows (A15).
		{`filter ispresent(verb) | sort lat desc | limit 2 | stats count(*) as n, sum(lat) as s`,
			[]string{"n=2 s=70"}},
		// Two stats, and a filter on the first's output between them.
		{`filter ispresent(verb) | stats count(*) as c by user.username | filter c > 1 | stats count(*) as busy`,
			[]string{"busy=2"}},
		// dedup without sort uses @timestamp desc, then only limit follows.
		{`filter ispresent(verb) | fields user.username | dedup user.username | limit 2`,
			[]string{"user.username=carol", "user.username=alice"}},
		// Without a barrier the two modes agree.
		{`filter verb = "get" | fields verb, lat`, []string{"verb=get lat=10", "verb=get lat=20", "verb=get lat=5"}},
		{`stats count(*) as n by verb | sort n desc, verb | limit 2`, []string{"verb=get n=3", "n=2"}},
	})
	// The default mode for the first query returns every match.
	runLangCases(t, Options{}, []langCase{
		{`fields verb | sort @timestamp desc | limit 2 | filter verb = "get"`, []string{"verb=get", "verb=get"}},
		{`filter ispresent(verb) | sort lat desc | limit 2 | stats count(*) as n, sum(lat) as s`,
			[]string{"n=5 s=105"}},
	})
}

func TestLangStrictRaw(t *testing.T) {
	q, _ := syntax.Parse(`filter ispresent(verb) | sort lat desc | limit 1`)
	p, err := compileSyntax(q, Options{StrictPipeline: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasStats() {
		t.Fatal("HasStats")
	}
	c, err := runQueryOpts(t, `filter ispresent(verb) | sort lat desc | limit 1`, langEvents, 2, Options{StrictPipeline: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.raw) != 1 || !strings.Contains(c.raw[0], `"verb":"delete"`) {
		t.Fatalf("raw: %q", c.raw)
	}
	q, _ = syntax.Parse(`sort lat | stats count(*)`)
	if p, err := compileSyntax(q, Options{StrictPipeline: true}); err != nil || !p.HasStats() {
		t.Fatalf("HasStats of a strict stats query: %v", err)
	}
}

func TestLangExplain(t *testing.T) {
	for _, tc := range []struct {
		q      string
		strict bool
		want   string
	}{
		{`fields @timestamp, verb | sort @timestamp desc | limit 50 | filter verb = "get"`, false,
			`mode: CloudWatch-compatible (spec §4.3; --strict-pipeline runs commands in written order)
row stage (per event, in this order):
  fields @timestamp, verb
  filter verb = "get"   (written after sort, limit; runs in the row stage)
final: sort @timestamp desc | limit 50
columns: @timestamp, verb
fields read from the message: verb
prefilter: events must contain "get" (verb, or a JSON escape)
`},
		{`filter n > 1 | stats count(*) as n by user.username | filter verb = "get" | sort n desc`, false,
			`mode: CloudWatch-compatible (spec §4.3; --strict-pipeline runs commands in written order)
row stage (per event, in this order):
  filter verb = "get"   (written after stats; runs in the row stage)
stats 1: stats count(*) as n by user.username
  then filter n > 1   (written before this stats; runs on its rows)
final: sort n desc
columns: user.username, n
fields read from the message: user.username, verb
prefilter: events must contain "get" (verb, or a JSON escape)
`},
		{`filter ispresent(verb) | fields user.username | dedup user.username | limit 5`, false,
			`mode: CloudWatch-compatible (spec §4.3; --strict-pipeline runs commands in written order)
row stage (per event, in this order):
  filter ispresent(verb)
  fields user.username
final: sort @timestamp desc (dedup's default order) | dedup user.username | limit 5
columns: user.username
fields read from the message: user.username, verb
prefilter: none
`},
		{`filter ispresent(verb) | sort @timestamp desc | limit 2 | filter verb = "get" | parse note "users/*" as uid | stats count(*) as n`, true,
			`mode: strict pipeline (commands run in written order)
row stage (per event, in this order):
  filter ispresent(verb)
then, on the materialised rows:
  sort @timestamp desc
  limit 2
  filter verb = "get"
  parse note "users/*" as uid
  stats count(*) as n
columns: n
fields read from the message: note, verb
prefilter: none
`},
	} {
		q, err := syntax.Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compileSyntax(q, Options{StrictPipeline: tc.strict})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Explain(); got != tc.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", tc.q, got, tc.want)
		}
	}
}

// TestLangFunctions runs one expression per line through the engine (fields EXPR as v) on one
// event, with the spec's documented examples where it gives them (§8).
func TestLangFunctions(t *testing.T) {
	ev := []string{`1642195111 s {"ip":"192.0.2.10","ip6":"2001:db8::1","pub":"8.8.8.8","s":"  hi  ","n":-3.5,"code":404,"empty":"","j":"{\"users\":[{\"action\":\"a0\"},{\"action\":\"a1\"}],\"user.id\":\"u\",\"status_code\":200}","arr":"[1,\"b\"]"}`}
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ expr, want string }{
		// §7.1 arithmetic: documented 2 ^ 3 = 8 and 10 % 3 = 1.
		{`2 ^ 3`, "8"}, {`10 % 3`, "1"}, {`10 / 4`, "2.5"}, {`1 / 0`, ""}, {`-n`, "3.5"}, {`2 ^ 3 ^ 2`, "512"},
		// §8.1 numeric.
		{`abs(n)`, "3.5"}, {`ceil(n)`, "-3"}, {`floor(n)`, "-4"}, {`greatest(1, code, 7)`, "404"},
		{`least(1, code, 7)`, "1"}, {`log(1)`, "0"}, {`sqrt(16)`, "4"}, {`round(2.5)`, "3"}, {`round(3.14159, 2)`, "3.14"},
		// §8.2 general.
		{`ispresent(code)`, "1"}, {`ispresent(nosuch)`, "0"}, {`strlen(coalesce(nosuch, empty, "x"))`, "0"},
		{`coalesce(nosuch, code)`, "404"}, {`if(code > 400, "bad", "ok")`, "bad"},
		{`case(code < 300, "2xx", code < 500, "4xx", "5xx")`, "4xx"}, {`isNumeric(code)`, "1"}, {`messageSize(s)`, "6"},
		// §8.3 string, with the documented examples.
		{`isempty(empty)`, "1"}, {`isempty(nosuch)`, "1"}, {`isblank(s)`, "0"}, {`isblank("  ")`, "1"},
		{`concat(ip, "-", code)`, "192.0.2.10-404"},
		{`ltrim("xyZxyfooxyZ", "xyZ")`, "fooxyZ"}, {`rtrim("xyZfooxyxyZ", "xyZ")`, "xyZfoo"}, {`trim("xyZxyfooxyxyZ", "xyZ")`, "foo"},
		{`trim(s)`, "hi"}, {`strlen("héllo")`, "5"}, {`toupper("ab")`, "AB"}, {`tolower("AB")`, "ab"},
		{`substr("xyZfooxyZ", 3, 3)`, "foo"}, {`substr("xyZfooxyZ", 3)`, "fooxyZ"}, {`replace("foo", "o", "0")`, "f00"},
		{`strcontains(ip, "0.2")`, "1"}, {`strcontains("ABC", "b")`, "0"},
		{`startsWith(ip, "192.")`, "1"}, {`endsWith(ip, ".11")`, "0"}, {`regexReplace(ip, "\\.[0-9]+$", ".0")`, "192.0.2.0"},
		{`split("a,b,c", ",")`, `["a","b","c"]`}, {`base64encode("hi")`, "aGk="}, {`base64decode("aGk=")`, "hi"},
		{`urlencode("a b")`, "a+b"}, {`urldecode("a%20b")`, "a b"},
		// §8.4 datetime: the documented toMillis example, and now() in epoch seconds.
		{`toMillis(@timestamp)`, "1642195111000"}, {`fromMillis(1642195111000)`, "2022-01-14 21:18:31.000"},
		{`datefloor(@timestamp, 1h)`, "2022-01-14 21:00:00.000"}, {`dateceil(@timestamp, 1h)`, "2022-01-14 22:00:00.000"},
		{`bin(1d)`, "2022-01-14 00:00:00.000"}, {`bin(90m)`, "2022-01-14 21:00:00.000"}, {`now()`, "1709294400"},
		// §8.5 IP.
		{`isValidIp(ip)`, "1"}, {`isValidIpV4(ip6)`, "0"}, {`isValidIpV6(ip6)`, "1"},
		{`isIpInSubnet(ip, "192.0.2.0/24")`, "1"}, {`isIpv4InSubnet(ip, "192.0.3.0/24")`, "0"}, {`isIpv6InSubnet(ip6, "2001:db8::/32")`, "1"},
		{`ipv4ToNumber(ip)`, "3221225994"}, {`isPrivateIP("10.1.2.3")`, "1"}, {`isPublicIP(pub)`, "1"},
		// §8.6 JSON: access by key, index and backticked key.
		{`jsonParse(j).status_code`, "200"}, {`jsonParse(j).users[1].action`, "a1"}, {"jsonParse(j).`user.id`", "u"},
		{`jsonStringify(jsonParse(arr))`, `[1,"b"]`}, {`jsonArraySize(jsonParse(arr))`, "2"},
		{`jsonParse("not json")`, ""},
	} {
		q := `fields ` + tc.expr + ` as v`
		c, err := runQueryOpts(t, q, ev, 1, Options{Now: now})
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		want := "v=" + tc.want
		if tc.want == "" {
			want = ""
		}
		if len(c.lines) != 1 || c.lines[0] != want {
			t.Errorf("%s = %q, want %q", tc.expr, c.lines, want)
		}
	}
}
