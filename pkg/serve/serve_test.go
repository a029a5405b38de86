package serve

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// The repository's testdata export, as the CLI's golden tests read it.
var testExport = filepath.Join("..", "..", "testdata", "export")

// testServer is a Server behind httptest, with the token added to every request.
type testServer struct {
	*Server
	ts *httptest.Server
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &testServer{Server: s, ts: ts}
}

// url is the absolute URL of path with the token.
func (s *testServer) url(path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("token", s.Token())
	return s.ts.URL + path + "?" + q.Encode()
}

func (s *testServer) do(t *testing.T, ctx context.Context, method, path string, q url.Values, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.url(path, q), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// msg is one message of a run's stream.
type msg map[string]any

func (m msg) typ() string { return m["type"].(string) }

// runPage posts a run and reads its whole stream.
func (s *testServer) runPage(t *testing.T, req runRequest) (int, []msg) {
	t.Helper()
	b, _ := json.Marshal(req)
	resp := s.do(t, context.Background(), "POST", "/api/run", nil, string(b))
	defer resp.Body.Close()
	var out []msg
	d := json.NewDecoder(resp.Body)
	for {
		var m msg
		if err := d.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("stream: %v", err)
		}
		out = append(out, m)
	}
	return resp.StatusCode, out
}

func only(ms []msg, typ string) []msg {
	var out []msg
	for _, m := range ms {
		if m.typ() == typ {
			out = append(out, m)
		}
	}
	return out
}

func last(t *testing.T, ms []msg, typ string) msg {
	t.Helper()
	o := only(ms, typ)
	if len(o) == 0 {
		t.Fatalf("no %q message in %v", typ, ms)
	}
	return o[len(o)-1]
}

// rowLines re-encodes the rows of a stream as JSON lines, to compare with the CLI's output.
func rowLines(t *testing.T, ms []msg) []string {
	var out []string
	for _, m := range only(ms, "row") {
		// Re-encoding sorts the keys: both sides are compared that way.
		b, err := json.Marshal(m["row"])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// canonLines parses JSON lines and re-encodes them with sorted keys.
func canonLines(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

// golden reads the query and the expected output of a testdata/golden case.
func golden(t *testing.T, name string) (query, stdout string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	sec := map[string]*strings.Builder{}
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(string(b), "\n") {
		l := strings.TrimRight(line, "\n")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") {
			cur = &strings.Builder{}
			sec[strings.TrimSuffix(strings.TrimPrefix(l, "-- "), " --")] = cur
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	return sec["query"].String(), sec["stdout"].String()
}

func TestTokenRefused(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	endpoints := []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/static/app.js"}, {"GET", "/static/app.css"}, {"GET", "/api/info"},
		{"GET", "/api/preset"}, {"POST", "/api/run"}, {"POST", "/api/cancel"}, {"GET", "/api/download"},
	}
	for _, ep := range endpoints {
		for _, tc := range []struct {
			name   string
			modify func(r *http.Request)
		}{
			{"no token", func(*http.Request) {}},
			{"wrong token", func(r *http.Request) { r.URL.RawQuery = "token=" + strings.Repeat("0", len(s.Token())) }},
			{"token prefix", func(r *http.Request) { r.URL.RawQuery = "token=" + s.Token()[:10] }},
			{"wrong cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: s.cookieName, Value: "x" + s.Token()}) }},
			{"token as another cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "auditgrep", Value: s.Token()}) }},
		} {
			req, _ := http.NewRequest(ep.method, s.ts.URL+ep.path, strings.NewReader(`{"query":"fields @message"}`))
			tc.modify(req)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "access token") {
				t.Errorf("%s %s, %s: %d %q, want 403", ep.method, ep.path, tc.name, resp.StatusCode, body)
			}
		}
	}
}

func TestTokenThenCookie(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	resp := s.do(t, context.Background(), "GET", "/", nil, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("GET /?token=: %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == s.cookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value != s.Token() {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, the token", cookie)
	}
	for _, path := range []string{"/", "/static/app.js", "/static/app.css", "/api/info"} {
		req, _ := http.NewRequest("GET", s.ts.URL+path, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s with the cookie: %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
}

func TestIndexAndAssets(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	for path, want := range map[string]string{
		"/":               `<script src="/static/app.js"`,
		"/static/app.js":  "function drawHistogram",
		"/static/app.css": ".chart",
	} {
		req, _ := http.NewRequest("GET", s.ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: s.cookieName, Value: s.Token()})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("GET %s: no %q", path, want)
		}
		// Nothing is fetched from elsewhere: the machine may be offline.
		if regexp.MustCompile(`(src|href)="https?:`).Match(b) || bytes.Contains(b, []byte("fetch(\"http")) {
			t.Errorf("GET %s refers to another site", path)
		}
	}
}

func TestInfo(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport, filepath.Join(testExport, "raw", "audit.log")}, MaxRows: 7, Version: "v-test"})
	resp := s.do(t, context.Background(), "GET", "/api/info", nil, "")
	defer resp.Body.Close()
	var info struct {
		Version string
		Roots   []rootJSON
		Presets []presetInfo
		MaxRows int
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	if info.Version != "v-test" || info.MaxRows != 7 || len(info.Roots) != 2 || !info.Roots[0].Dir || info.Roots[1].Dir ||
		info.Roots[1].Path != filepath.Join(testExport, "raw", "audit.log") {
		t.Errorf("info: %+v", info)
	}
	names := map[string]bool{}
	for _, p := range info.Presets {
		names[p.Name] = true
	}
	if len(info.Presets) != len(presetList()) || !names["fargate-evictions"] {
		t.Errorf("presets: %v", names)
	}
}

func TestPreset(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	for _, tc := range []struct {
		q        url.Values
		code     int
		contains string
	}{
		{url.Values{"name": {"fargate-evictions"}, "p.namespace": {"default"}, "p.pod": {"web-1"}}, 200, `/api/v1/namespaces/default/pods/web-1/`},
		{url.Values{"name": {"fargate-evictions"}, "p.namespace": {"default"}}, 400, "pod"},
		{url.Values{"name": {"no-such-preset"}}, 400, "no-such-preset"},
	} {
		resp := s.do(t, context.Background(), "GET", "/api/preset", tc.q, "")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%v: %d %s, want %d with %q", tc.q, resp.StatusCode, b, tc.code, tc.contains)
		}
	}
}

// TestRunSeedQueries runs the seed queries through the page and compares the rows with the
// CLI's golden output: the page runs the same engine.
func TestRunSeedQueries(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "seed*.txtar"))
	if len(files) < 10 {
		t.Fatalf("seed cases: %v", files)
	}
	statsRE := regexp.MustCompile(`^\d+ records scanned, \d+ matched, (\d+) rows out; \d+ bytes scanned \((\d+) compressed\); \d+ files read, \d+ skipped, 0 failed, 0 input errors; \d+\.\d{3}s, \d+\.\d MB/s$`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			q, want := golden(t, filepath.Base(f))
			code, ms := s.runPage(t, runRequest{Query: q})
			if code != 200 {
				t.Fatalf("status %d: %v", code, ms)
			}
			got, wantLines := rowLines(t, ms), canonLines(t, want)
			if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
				t.Errorf("rows differ from the CLI's:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
			}
			start, end := ms[0], last(t, ms, "end")
			if start.typ() != "start" {
				t.Fatalf("first message %v", start)
			}
			m := statsRE.FindStringSubmatch(end["statsLine"].(string))
			if m == nil || m[1] != fmt.Sprint(len(wantLines)) || m[2] != fmt.Sprint(start["totalBytes"]) {
				t.Errorf("stats line %q (total %v, rows %d)", end["statsLine"], start["totalBytes"], len(wantLines))
			}
			// The progress reaches the total at the end.
			p := last(t, ms, "progress")
			if p["bytes"] != start["totalBytes"] || p["total"] != start["totalBytes"] {
				t.Errorf("last progress %v, total %v", p, start["totalBytes"])
			}
			if end["canceled"] != false || end["error"] != nil {
				t.Errorf("end %v", end)
			}
		})
	}
}

// TestRunEventsAndHistogram: a query without stats streams each row with its whole event and
// counts every row (not only the ones shown) into the histogram.
func TestRunEventsAndHistogram(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}, MaxRows: 5})
	code, ms := s.runPage(t, runRequest{Query: `filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb`})
	if code != 200 {
		t.Fatal(code)
	}
	rows, end := only(ms, "row"), last(t, ms, "end")
	rowsOut := int(end["rowsOut"].(float64))
	if len(rows) != 5 || end["shown"] != 5.0 || rowsOut <= 5 {
		t.Fatalf("%d rows sent, end %v: want the first 5 of more", len(rows), end)
	}
	for _, r := range rows {
		ev, ok := r["event"].(map[string]any)
		if !ok || ev["kind"] != "Event" || ev["verb"] != r["row"].(map[string]any)["verb"] {
			t.Errorf("row %v: event %v", r["row"], r["event"])
		}
		if _, ok := r["ts"].(map[string]any)["@timestamp"].(float64); !ok {
			t.Errorf("row %v has no @timestamp in ms", r)
		}
	}
	h := last(t, ms, "progress")["hist"].(map[string]any)
	var sum float64
	for _, b := range h["buckets"].([]any) {
		sum += b.([]any)[1].(float64)
	}
	if h["count"] != float64(rowsOut) || sum != float64(rowsOut) || len(h["buckets"].([]any)) > maxBuckets {
		t.Errorf("histogram %v: want %d rows in at most %d buckets", h, rowsOut, maxBuckets)
	}
	f := last(t, ms, "fields")["fields"].(map[string]any)
	counts := map[string]float64{}
	for _, x := range f["fields"].([]any) {
		counts[x.(map[string]any)["name"].(string)] = x.(map[string]any)["count"].(float64)
	}
	if f["rows"] != 5.0 || counts["verb"] != 5 || counts["objectRef.resource"] == 0 || counts["user.groups.0"] == 0 {
		t.Errorf("fields %v", f)
	}
}

func TestRunStatsByBin(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	code, ms := s.runPage(t, runRequest{Query: `filter ispresent(verb) | stats count(*) as n by bin(10m)`})
	if code != 200 || ms[0]["stats"] != true {
		t.Fatal(code, ms[0])
	}
	rows := only(ms, "row")
	if len(rows) < 3 {
		t.Fatalf("rows %v", rows)
	}
	for _, r := range rows {
		ts, ok := r["ts"].(map[string]any)["bin(10m)"].(float64)
		if !ok || int64(ts)%600000 != 0 || r["event"] != nil {
			t.Errorf("row %v: want bin(10m) in ms on a 10-minute boundary, no event", r)
		}
	}
	if last(t, ms, "progress")["hist"] != nil {
		t.Errorf("a stats query has no histogram of events")
	}
}

// TestQueryErrorCaret: a query error is refused with the CLI's caret rendering.
func TestQueryErrorCaret(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	for _, tc := range []struct{ q, want string }{
		{"filter verb = ",
			"query error at line 1, column 15: expected an expression, found the end of the query\n" +
				"    filter verb = \n" +
				"                  ^\n"},
		{"fields @timestamp\n| pattern @message",
			"query error at line 2, column 3: the pattern command needs the CloudWatch service and is not supported offline\n" +
				"    | pattern @message\n" +
				"      ^^^^^^^\n"},
		{"stats count(*) as c by verb\n| stats count(*) by user.username",
			"query error at line 2, column 21: the second stats command can only use the fields the first one defines (verb, c): user.username is not one of them\n" +
				"    | stats count(*) by user.username\n" +
				"                        ^^^^^^^^^^^^^\n"},
	} {
		for _, path := range []string{"/api/run", "/api/download"} {
			var resp *http.Response
			if path == "/api/run" {
				b, _ := json.Marshal(runRequest{Query: tc.q})
				resp = s.do(t, context.Background(), "POST", path, nil, string(b))
			} else {
				resp = s.do(t, context.Background(), "GET", path, url.Values{"q": {tc.q}, "format": {"csv"}}, "")
			}
			var e errorJSON
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != 400 || e.Query == nil || e.Query.Text != tc.want {
				t.Errorf("%s %q: %d %+v, want 400 with\n%s", path, tc.q, resp.StatusCode, e.Query, tc.want)
			}
		}
	}
}

func TestBadRequests(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	for _, tc := range []struct {
		body, want string
	}{
		{`{"query":""}`, "no query"},
		{`{"query":"fields @message","start":"yesterday"}`, "RFC 3339"},
		{`{"query":"fields @message","start":"2021-08-12T00:00:00Z","end":"2021-08-11T00:00:00Z"}`, "empty"},
		{`not json`, "request"},
	} {
		resp := s.do(t, context.Background(), "POST", "/api/run", nil, tc.body)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %s, want 400 with %q", tc.body, resp.StatusCode, b, tc.want)
		}
	}
	resp := s.do(t, context.Background(), "GET", "/api/download", url.Values{"q": {"fields @message"}, "format": {"xlsx"}}, "")
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("format xlsx: %d", resp.StatusCode)
	}
}

// TestTimeRange: start and end bound @timestamp as --start and --end do.
func TestTimeRange(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}})
	q := `filter @logStream like /^authenticator/ | filter @message like "denied" | fields @timestamp | sort @timestamp`
	_, all := s.runPage(t, runRequest{Query: q})
	_, some := s.runPage(t, runRequest{Query: q, Start: "2021-08-11T09:20:30Z", End: "2021-08-11T10:00:00Z"})
	if got := rowLines(t, all); len(got) != 3 {
		t.Fatalf("all: %v", got)
	}
	if got := rowLines(t, some); len(got) != 1 || !strings.Contains(got[0], "09:21:00.000") {
		t.Errorf("09:20:30 to 10:00: %v", got)
	}
}

// writeGz writes an export object holding the events lo..hi-1 (each with its "n").
func exportLines(lo, hi int) string {
	var b strings.Builder
	for n := lo; n < hi; n++ {
		fmt.Fprintf(&b, "2021-08-11T10:09:43.095Z {\"verb\":\"get\",\"n\":%d}\n", n)
	}
	return b.String()
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func put(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func ns(t *testing.T, ms []msg) []int {
	var out []int
	for _, r := range only(ms, "row") {
		out = append(out, int(r["row"].(map[string]any)["n"].(float64)))
	}
	return out
}

// TestDamagedInputProblems: damaged files show in the problems and the run goes on.
func TestDamagedInputProblems(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "a", "000000.gz"), gzipped(exportLines(0, 3)))
	whole := gzipped(exportLines(3, 400))
	put(t, filepath.Join(dir, "b", "000000.gz"), whole[:len(whole)/2])
	put(t, filepath.Join(dir, "c", "000000.gz"), append([]byte("\x00\x01binary"), make([]byte, 100)...))
	put(t, filepath.Join(dir, "d", "000000.gz"), gzipped(exportLines(400, 402)))
	s := newTestServer(t, Config{Paths: []string{dir}})
	code, ms := s.runPage(t, runRequest{Query: "filter ispresent(n) | fields n"})
	if code != 200 {
		t.Fatal(code)
	}
	probs := only(ms, "problem")
	text := ""
	for _, p := range probs {
		text += p["msg"].(string) + "\n"
	}
	if len(probs) != 2 || !strings.Contains(text, filepath.Join(dir, "b", "000000.gz")) || !strings.Contains(text, "truncated or corrupt") ||
		!strings.Contains(text, filepath.Join(dir, "c", "000000.gz")) {
		t.Errorf("problems:\n%s", text)
	}
	got := ns(t, ms)
	if len(got) < 5 || got[0] != 0 || got[2] != 2 || got[3] != 3 || got[len(got)-1] != 401 {
		t.Errorf("rows %v: want 0-2, the events of b before the damage, 400-401", got)
	}
	end := last(t, ms, "end")
	if end["problems"] != 2.0 || !strings.Contains(end["statsLine"].(string), "2 input errors") {
		t.Errorf("end %v", end)
	}
}

// TestPathEscapes: a request chooses among the served paths by number only, and the walk does
// not follow a symbolic link out of them.
func TestPathEscapes(t *testing.T) {
	base := t.TempDir()
	served, outside := filepath.Join(base, "served"), filepath.Join(base, "outside")
	put(t, filepath.Join(served, "in", "000000.gz"), gzipped(exportLines(0, 2)))
	put(t, filepath.Join(outside, "secret", "000000.gz"), gzipped(exportLines(900, 902)))
	put(t, filepath.Join(outside, "secret.log"), []byte(exportLines(950, 951)))
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Links out of the served folder: to a folder, to a file, relative and absolute.
	must(os.Symlink(filepath.Join(outside, "secret"), filepath.Join(served, "linkdir")))
	must(os.Symlink(filepath.Join("..", "outside", "secret.log"), filepath.Join(served, "link.log")))
	// A link that stays inside is followed (and its file read once).
	must(os.Symlink(filepath.Join(served, "in"), filepath.Join(served, "samedir")))
	// A link that loops.
	must(os.Symlink(served, filepath.Join(served, "in", "loop")))

	s := newTestServer(t, Config{Paths: []string{served}})
	code, ms := s.runPage(t, runRequest{Query: "filter ispresent(n) | fields n"})
	if code != 200 {
		t.Fatal(code)
	}
	if got := fmt.Sprint(ns(t, ms)); got != "[0 1]" {
		t.Errorf("rows %s: want only the served events, once", got)
	}
	var text string
	for _, p := range only(ms, "problem") {
		text += p["msg"].(string) + "\n"
	}
	for _, want := range []string{
		filepath.Join(served, "linkdir") + ": not read: a symbolic link to " + filepath.Join(outside, "secret") + ", outside the paths being served",
		filepath.Join(served, "link.log") + ": not read: a symbolic link to " + filepath.Join(outside, "secret.log") + ", outside the paths being served",
		filepath.Join(served, "in", "loop") + ": symbolic link loops back",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems:\n%s\nwant %q", text, want)
		}
	}

	// Paths in the request, in every form, are refused: the roots are numbers.
	for _, root := range []string{"..", "../outside", outside, filepath.Join(outside, "secret.log"), "/etc/passwd", "1", "-1", "00", "0/..", " 0", "0x0", "%2e%2e"} {
		b, _ := json.Marshal(runRequest{Query: "fields @message", Roots: []string{root}})
		resp := s.do(t, context.Background(), "POST", "/api/run", nil, string(b))
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "chosen by its number") {
			t.Errorf("run with root %q: %d %s, want 400", root, resp.StatusCode, body)
		}
		resp = s.do(t, context.Background(), "GET", "/api/download", url.Values{"q": {"fields @message"}, "format": {"json"}, "root": {root}}, "")
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "chosen by its number") {
			t.Errorf("download with root %q: %d %s, want 400", root, resp.StatusCode, body)
		}
	}
	// Unknown fields (a "path") are ignored, not read.
	resp := s.do(t, context.Background(), "POST", "/api/run", nil, `{"query":"filter ispresent(n) | fields n","path":"`+outside+`","paths":["`+outside+`"]}`)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), `"n":9`) {
		t.Errorf("a path in the request was read: %s", b)
	}

	// A served path that is itself a link is served where it leads, and the roots can be chosen.
	must(os.Symlink(served, filepath.Join(base, "alias")))
	s2 := newTestServer(t, Config{Paths: []string{filepath.Join(base, "alias"), filepath.Join(outside, "secret.log")}})
	_, ms = s2.runPage(t, runRequest{Query: "filter ispresent(n) | fields n", Roots: []string{"1"}})
	if got := fmt.Sprint(ns(t, ms)); got != "[950]" {
		t.Errorf("root 1: rows %s", got)
	}
	_, ms = s2.runPage(t, runRequest{Query: "filter ispresent(n) | fields n", Roots: []string{"0"}})
	// With secret.log served too, the link to it inside root 0 leads inside the served paths.
	if got := fmt.Sprint(ns(t, ms)); got != "[0 1 950]" {
		t.Errorf("root 0 (a link): rows %s", got)
	}
	// secret.log, reached twice, is read once.
	_, ms = s2.runPage(t, runRequest{Query: "filter ispresent(n) | fields n"})
	if got := fmt.Sprint(ns(t, ms)); got != "[0 1 950]" {
		t.Errorf("both roots: rows %s", got)
	}
}

// TestLogGroup: @log is filled from the configuration where the input does not carry it, as the
// CLI's --log-group and --account do.
func TestLogGroup(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{filepath.Join(testExport, "raw", "audit.log")}, LogGroup: "/aws/eks/demo/cluster", Account: "123456789012"})
	_, ms := s.runPage(t, runRequest{Query: "fields @log | limit 1"})
	if got := rowLines(t, ms); len(got) != 1 || got[0] != `{"@log":"123456789012:/aws/eks/demo/cluster"}` {
		t.Errorf("rows %v", got)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, paths := range [][]string{nil, {"-"}, {filepath.Join(t.TempDir(), "missing")}} {
		if _, err := New(Config{Paths: paths}); err == nil {
			t.Errorf("New(%q): no error", paths)
		}
	}
}

// snapshot lists every file under dir with its size and modification time.
func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %v %v\n", p, fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		return nil
	})
	return b.String()
}

// TestDownloads: the whole result, in each format, read back; nothing is written on the server.
func TestDownloads(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		put(t, filepath.Join(dir, fmt.Sprintf("s%d", i), "000000.gz"), gzipped(exportLines(i*1000, i*1000+700)))
	}
	before := snapshot(t, dir)
	cwd, _ := os.Getwd()
	cwdBefore := snapshot(t, cwd)
	// The page shows 10 rows; the downloads have all 2100.
	s := newTestServer(t, Config{Paths: []string{dir}, MaxRows: 10, Version: "v-test"})
	q := "filter ispresent(n) | fields n, verb, @timestamp"
	get := func(format string) (*http.Response, []byte) {
		resp := s.do(t, context.Background(), "GET", "/api/download", url.Values{"q": {q}, "format": {format}}, "")
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", format, resp.StatusCode, err)
		}
		return resp, b
	}

	resp, b := get("csv")
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); !strings.HasPrefix(ct, "text/csv") ||
		!regexp.MustCompile(`^attachment; filename="auditgrep-\d{8}-\d{6}\.csv"$`).MatchString(cd) {
		t.Errorf("csv headers %q %q", ct, cd)
	}
	recs, err := readCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2101 || strings.Join(recs[0], ",") != "n,verb,@timestamp" || recs[1][0] != "0" || recs[2100][0] != "2699" ||
		recs[5][2] != "2021-08-11 10:09:43.095" {
		t.Errorf("csv: %d records, %v ... %v", len(recs), recs[:2], recs[len(recs)-1])
	}

	_, b = get("json")
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2100 {
		t.Fatalf("json: %d lines", len(lines))
	}
	for i, l := range lines {
		var v struct {
			N    int
			Verb string
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Verb != "get" || v.N != (i/700)*1000+i%700 {
			t.Fatalf("json line %d: %s (%v)", i, l, err)
		}
	}

	_, b = get("parquet")
	cols, rows, meta := readParquet(t, b)
	if strings.Join(cols, ",") != "n,verb,@timestamp" || len(rows) != 2100 || meta["auditgrep.query"] != q || meta["auditgrep.version"] != "v-test" {
		t.Errorf("parquet: columns %v, %d rows, metadata %v", cols, len(rows), meta)
	}
	if len(rows) == 2100 && (fmt.Sprint(rows[0][0]) != "0" || fmt.Sprint(rows[2099][0]) != "2699" || rows[0][1] != "get") {
		t.Errorf("parquet rows %v ... %v", rows[0], rows[2099])
	}

	if after := snapshot(t, dir); after != before {
		t.Errorf("the served folder changed:\n%s\nto\n%s", before, after)
	}
	if after := snapshot(t, cwd); after != cwdBefore {
		t.Errorf("the working folder changed")
	}
}

func TestBusy(t *testing.T) {
	s := newTestServer(t, Config{Paths: []string{testExport}, MaxRuns: 1, Workers: 1})
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.hooks.batch = func(ctx context.Context) {
		once.Do(func() { close(started); <-release })
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runPage(t, runRequest{Query: "fields @message"})
	}()
	<-started
	for _, path := range []string{"/api/run", "/api/download"} {
		var resp *http.Response
		if path == "/api/run" {
			resp = s.do(t, context.Background(), "POST", path, nil, `{"query":"fields @message"}`)
		} else {
			resp = s.do(t, context.Background(), "GET", path, url.Values{"q": {"fields @message"}, "format": {"csv"}}, "")
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "1 runs are going on") {
			t.Errorf("%s while busy: %d %s", path, resp.StatusCode, b)
		}
	}
	close(release)
	<-done
	// The slot is free again.
	code, ms := s.runPage(t, runRequest{Query: "fields @message | limit 1"})
	if code != 200 || len(only(ms, "row")) != 1 {
		t.Errorf("after the run: %d %v", code, ms)
	}
}

// cancelSetup serves many files read one at a time; each run's first batch waits until the run
// is canceled, so that the test knows the run was going on when it was canceled.
func cancelSetup(t *testing.T) (*testServer, chan runResult, *int64, *sync.Mutex) {
	dir := t.TempDir()
	for i := 0; i < 30; i++ {
		put(t, filepath.Join(dir, fmt.Sprintf("s%02d", i), "000000.gz"), gzipped(exportLines(i*10, i*10+10)))
	}
	s := newTestServer(t, Config{Paths: []string{dir}, Workers: 1})
	results := make(chan runResult, 1)
	var batches int64
	var mu sync.Mutex
	started := map[context.Context]bool{}
	s.hooks.batch = func(ctx context.Context) {
		mu.Lock()
		batches++
		first := !started[ctx]
		started[ctx] = true
		mu.Unlock()
		if first {
			<-ctx.Done()
		}
	}
	s.hooks.done = func(r runResult) { results <- r }
	return s, results, &batches, &mu
}

func checkCanceled(t *testing.T, s *testServer, r runResult, batches *int64, mu *sync.Mutex) {
	t.Helper()
	mu.Lock()
	n := *batches
	mu.Unlock()
	if !r.Canceled || r.Stats.FilesRead >= 30 || n >= 30 {
		t.Errorf("run %+v after %d batches: want canceled before reading the 30 files", r, n)
	}
	s.mu.Lock()
	left := len(s.runs)
	s.mu.Unlock()
	if left != 0 {
		t.Errorf("%d runs still registered", left)
	}
}

// TestCancelByClosing: a page that goes away (its request ends) stops its run.
func TestCancelByClosing(t *testing.T) {
	s, results, batches, mu := cancelSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	resp := s.do(t, ctx, "POST", "/api/run", nil, `{"query":"fields n"}`)
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, `"type":"start"`) {
		t.Fatalf("first line %q %v", line, err)
	}
	cancel()
	resp.Body.Close()
	checkCanceled(t, s, <-results, batches, mu)
}

// TestCancelByButton: /api/cancel stops the run named, and its stream ends saying so.
func TestCancelByButton(t *testing.T) {
	s, results, batches, mu := cancelSetup(t)
	resp := s.do(t, context.Background(), "POST", "/api/run", nil, `{"query":"fields n"}`)
	defer resp.Body.Close()
	d := json.NewDecoder(resp.Body)
	var start msg
	if err := d.Decode(&start); err != nil || start.typ() != "start" {
		t.Fatal(start, err)
	}
	r := s.do(t, context.Background(), "POST", "/api/cancel", url.Values{"id": {"nosuchrun"}}, "")
	r.Body.Close()
	if r.StatusCode != 404 {
		t.Errorf("cancel of an unknown run: %d", r.StatusCode)
	}
	r = s.do(t, context.Background(), "POST", "/api/cancel", url.Values{"id": {start["id"].(string)}}, "")
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Errorf("cancel: %d", r.StatusCode)
	}
	checkCanceled(t, s, <-results, batches, mu)
	var end msg
	for d.Decode(&end) == nil && end.typ() != "end" {
	}
	if end["canceled"] != true {
		t.Errorf("end %v: want canceled", end)
	}
}

// TestCancelDownload: a download that is abandoned stops its run.
func TestCancelDownload(t *testing.T) {
	s, results, batches, mu := cancelSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	resp := s.do(t, ctx, "GET", "/api/download", url.Values{"q": {"fields n"}, "format": {"csv"}}, "")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	cancel()
	resp.Body.Close()
	checkCanceled(t, s, <-results, batches, mu)
}

// TestRun: the command's server prints the URL with the token and serves it on loopback; a
// non-loopback address needs AllowRemote and prints a warning.
func TestRun(t *testing.T) {
	if err := Run(context.Background(), Config{Paths: []string{testExport}, Addr: "0.0.0.0:0"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--allow-remote") {
		t.Errorf("non-loopback without AllowRemote: %v", err)
	}
	for _, tc := range []struct {
		addr   string
		remote bool
		warn   bool
	}{
		{"", false, false},
		{"127.0.0.1:0", false, false},
		{"0.0.0.0:0", true, true},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		errc := make(chan error, 1)
		go func() {
			errc <- Run(ctx, Config{Paths: []string{testExport}, Addr: tc.addr, AllowRemote: tc.remote}, pw)
			pw.Close()
		}()
		sc := bufio.NewScanner(pr)
		var out []string
		var u string
		for sc.Scan() {
			out = append(out, sc.Text())
			if m := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{48})$`).FindStringSubmatch(sc.Text()); m != nil {
				u = m[1]
				break
			}
		}
		if u == "" {
			t.Fatalf("%s: no URL in %q", tc.addr, out)
		}
		go io.Copy(io.Discard, pr)
		warned := strings.Contains(strings.Join(out, "\n"), "WARNING")
		if warned != tc.warn {
			t.Errorf("%s: warning %v, want %v: %q", tc.addr, warned, tc.warn, out)
		}
		jar := &cookieJar{}
		c := &http.Client{Jar: jar}
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "auditgrep") || resp.Request.URL.RawQuery != "" {
			t.Errorf("%s: GET the URL: %d, ended at %s", tc.addr, resp.StatusCode, resp.Request.URL)
		}
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("%s: Run: %v", tc.addr, err)
		}
	}
}

// cookieJar keeps the cookies of one host, enough to follow the token redirect.
type cookieJar struct {
	mu sync.Mutex
	c  []*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.c = append(j.c, cs...)
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.c
}
