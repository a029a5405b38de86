package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

func TestRequiredLiterals(t *testing.T) {
	f := func(q string, want ...string) {
		t.Helper()
		pq, err := syntax.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		p, err := compileSyntax(pq, Options{})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var got []string
		for _, l := range p.pre.lits {
			got = append(got, l.lit+"|"+l.escapes)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s:\n got %v\nwant %v", q, got, want)
		}
	}
	f(`filter verb == "create" and objectRef.subresource == 'eviction'`, "eviction|u", "create|u")
	f(`filter requestURI like "/api/v1/namespaces/default/pods/x/"`, "/api/v1/namespaces/default/pods/x/|u/")
	f(`filter @message like "username=kubernetes-admin"`, "username=kubernetes-admin|")
	f(`filter @message like /kubectl\/v1.22.0/`, "kubectl/v1|", "22|", "0|")
	f(`filter userAgent like /(?i)kubectl/`)
	f(`filter verb like /(create|delete|patch)/`)
	f(`filter verb = "get" or verb = "list"`)
	f(`filter verb = "get" or (verb = "get" and x = "y")`, "get|u")
	f(`filter not verb = "get"`)
	f(`filter verb != "get"`)
	f(`filter verb not like "get"`)
	f(`filter responseStatus.code = "401"`)
	f(`filter responseStatus.code >= 500`)
	f(`filter strcontains(user.username, "admin")`, "admin|u")
	f(`filter @logStream like /^kube-apiserver-audit/`)
	f(`parse @message "user=*" as u | filter u = "bob"`)
	f(`fields tolower(verb) as verb | filter verb = "get"`)
	f(`filter x = "a\"b\\c"`, `a"b\c|u"\`)
}

func TestKeepStream(t *testing.T) {
	pq, _ := syntax.Parse(`filter @logStream like /^kube-apiserver-audit/ and verb = "get" | filter @logStream not like "x"`)
	p, err := compileSyntax(pq, Options{})
	if err != nil {
		t.Fatal(err)
	}
	keep := p.keepStream()
	for s, want := range map[string]bool{"kube-apiserver-audit-1": true, "authenticator-1": false, "kube-apiserver-audit-x": false} {
		if keep(s) != want {
			t.Errorf("%s: %v", s, !want)
		}
	}
	pq, _ = syntax.Parse(`filter @logStream like /a/ or verb = "get"`)
	p, _ = compileSyntax(pq, Options{})
	if p.keepStream() != nil {
		t.Error("an or with a non-stream condition must not skip files")
	}
}

// prefilterQueries are the queries the differential tests and the fuzz test run with and without
// the prefilter.
var prefilterQueries = []string{
	`filter verb == "create" and objectRef.subresource == 'eviction'`,
	`filter requestURI like "/api/v1/namespaces/default/pods/"`,
	`filter @message like "denied"`,
	`filter userAgent like /kubectl\/v1.22.0/ and verb like /(get)/`,
	`filter strcontains(user.username, "admin") | stats count(*) by verb`,
	`filter x = "a\"b\\c"`,
	"filter msg like \"e\nb\"", // a real newline: the JSON has it as the escape \n
	`filter verb = "get" or verb = "get"`,
	`filter k like "é"`,
	`filter @message like /ab+c/`,
}

// runBoth runs q over msgs, one record per line, with and without the prefilter.
func runBoth(t testing.TB, q string, msgs [][]byte) (with, without string) {
	pq, err := syntax.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	var recs []scan.Record
	for i, m := range msgs {
		start := len(buf)
		buf = append(buf, m...)
		buf = append(buf, '\n')
		recs = append(recs, scan.Record{Line: int64(i + 1)})
		recs[i].Message = buf[start : start+len(m)]
	}
	// Re-slice after the last append: the records must alias the final buffer, as the framer's do.
	off := 0
	for i, m := range msgs {
		recs[i].Message = buf[off : off+len(m)]
		off += len(m) + 1
	}
	run := func(noPre, region bool) string {
		p, err := compileSyntax(pq, Options{NoPrefilter: noPre})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		w := &lineWriter{w: &out}
		x := newExecutor(p, w, execOptions{Workers: 1})
		f := &scan.File{Index: 0, Path: "f", Stream: "s"}
		b := &scan.Batch{File: f, Format: scan.FormatAudit, Records: recs, Last: true}
		if region {
			b.Buf = buf
		}
		if err := x.Batch(0, b); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Finish(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	with = run(false, true)
	if perEvent := run(false, false); perEvent != with {
		t.Fatalf("%s: the batch-wide and the per-event prefilter disagree\nbatch:\n%s\nper event:\n%s", q, with, perEvent)
	}
	return with, run(true, false)
}

type lineWriter struct{ w *bytes.Buffer }

func (l *lineWriter) Begin([]string) error { return nil }
func (l *lineWriter) Row(vals []Value, raw []byte) error {
	for _, v := range vals {
		fmt.Fprintf(l.w, "%d:%q ", v.Kind, v.Render())
	}
	l.w.WriteByte('\n')
	return nil
}
func (l *lineWriter) End() error { return nil }

func TestPrefilterChangesNothing(t *testing.T) {
	msgs := [][]byte{
		[]byte(`{"verb":"create","objectRef":{"subresource":"eviction"}}`),
		[]byte(`{"verb":"cr\u0065ate","objectRef":{"subresource":"evi\u0063tion"}}`),
		[]byte(`{"verb":"create","objectRef":{"subresource":"evictions"}}`),
		[]byte(`{"requestURI":"\/api\/v1\/namespaces\/default\/pods\/x"}`),
		[]byte(`{"requestURI":"/api/v1/namespaces/default/pods/y"}`),
		[]byte(`time="x" level=warning msg="access denied"`),
		[]byte(`{"userAgent":"kubectl/v1x22x0","verb":"get"}`),
		[]byte(`{"user":{"username":"kubernetes-admin"},"verb":"list"}`),
		[]byte(`{"x":"a\"b\\c"}`),
		[]byte(`{"x":"a\u0022b\u005cc"}`),
		[]byte(`{"msg":"line\nbreak"}`),
		[]byte(`{"k":"\u00e9"}`),
		[]byte(`{"k":"é"}`),
		[]byte(`abbbc`),
		[]byte(``),
		[]byte(`{"verb":"get","x":"\\u0065"}`),
	}
	for _, q := range prefilterQueries {
		with, without := runBoth(t, q, msgs)
		if with != without {
			t.Errorf("%s: the prefilter changed the result\nwith:\n%s\nwithout:\n%s", q, with, without)
		}
		if without == "" && !strings.Contains(q, "ab+c") {
			t.Errorf("%s: the corpus matches nothing, so the test proves nothing", q)
		}
	}
}

// FuzzPrefilter checks the prefilter's contract: it never rejects an event that the full
// evaluator matches (with the batch-wide search and the per-event one alike).
func FuzzPrefilter(f *testing.F) {
	f.Add([]byte(`{"verb":"cr\u0065ate","objectRef":{"subresource":"eviction"}}`), uint8(0))
	f.Add([]byte(`{"requestURI":"\/api\/v1\/namespaces\/default\/pods\/x"}`), uint8(1))
	f.Add([]byte("access denied\nx"), uint8(2))
	f.Add([]byte(`{"x":"a\"b\\c"}`+"\n"+`{"x":"a\u0022b\u005cc"}`), uint8(5))
	f.Add([]byte(`{"msg":"\\n\n"}`), uint8(6))
	f.Fuzz(func(t *testing.T, data []byte, qi uint8) {
		q := prefilterQueries[int(qi)%len(prefilterQueries)]
		lines := bytes.Split(data, []byte("\n"))
		with, without := runBoth(t, q, lines)
		if with != without {
			t.Fatalf("%s: the prefilter changed the result\nwith:\n%s\nwithout:\n%s", q, with, without)
		}
	})
}
