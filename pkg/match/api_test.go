package match_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// The tests in this file use the package as a library user does: only its exported API.

func mustCompile(t *testing.T, text string, opts match.Options) *match.Query {
	t.Helper()
	q, err := match.Compile(text, opts)
	if err != nil {
		t.Fatalf("Compile(%q): %v", text, err)
	}
	return q
}

// jsonRun runs q with Run and returns its JSON lines.
func jsonRun(t *testing.T, q *match.Query, in match.Input, ro match.RunOptions) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := q.Run(context.Background(), in, export.NewJSON(&b), ro); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rowsJSON collects q.Rows and encodes them as the JSON writer would.
func rowsJSON(t *testing.T, q *match.Query, in match.Input, ro match.RunOptions) string {
	t.Helper()
	var b bytes.Buffer
	w := export.NewJSON(&b)
	if err := w.Begin(q.Columns()); err != nil {
		t.Fatal(err)
	}
	for row, err := range q.Rows(context.Background(), in, ro) {
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Row(row.Values, row.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var apiQueries = []string{
	`filter @logStream like /^kube-apiserver-audit/ | stats count(*) as n by verb | sort n desc, verb`,
	`filter verb = "create" and objectRef.subresource = "eviction" | fields @timestamp, objectRef.name | sort @timestamp desc`,
	`fields @timestamp, @logStream, @message | filter @message like /authenticator/ | limit 5`,
	`filter ispresent(responseStatus.code) | stats count(*) by responseStatus.code, bin(1h) | sort responseStatus.code`,
	`parse @message /"username":"(?<who>[^"]+)"/ | filter ispresent(who) | display who | dedup who`,
}

// Rows and Run give the same rows, whatever the number of workers.
func TestAPIRowsEqualRun(t *testing.T) {
	in := match.Input{Paths: []string{"../../testdata/export"}}
	for _, text := range apiQueries {
		q := mustCompile(t, text, match.Options{})
		want := jsonRun(t, q, in, match.RunOptions{Workers: 1})
		if want == "" {
			t.Errorf("%s: no rows over the sample export", text)
		}
		for _, workers := range []int{1, 3, 8} {
			if got := jsonRun(t, q, in, match.RunOptions{Workers: workers}); got != want {
				t.Errorf("%s: Run with %d workers differs from 1:\n%s\nwant\n%s", text, workers, got, want)
			}
			if got := rowsJSON(t, q, in, match.RunOptions{Workers: workers}); got != want {
				t.Errorf("%s: Rows with %d workers differs from Run:\n%s\nwant\n%s", text, workers, got, want)
			}
		}
	}
}

// The three kinds of input read the same events: a file, the same file as a gzip stream, and
// its lines held in memory.
func TestAPIInputs(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/export/raw/audit.log")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	var events []string
	for _, l := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		events = append(events, l)
	}
	q := mustCompile(t, `stats count(*) as n, count_distinct(user.username) as users by verb | sort verb`, match.Options{})
	want := jsonRun(t, q, match.Input{Paths: []string{"../../testdata/export/raw/audit.log"}}, match.RunOptions{})
	if want == "" {
		t.Fatal("no rows from the file")
	}
	for name, in := range map[string]match.Input{
		"reader":         {Reader: bytes.NewReader(gz.Bytes())},
		"dash":           {Paths: []string{"-"}, Reader: bytes.NewReader(raw)},
		"events":         {Events: events},
		"reader+events":  {Reader: bytes.NewReader(raw[:0]), Events: events},
		"path, no stdin": {Paths: []string{"../../testdata/export/raw/audit.log"}, Reader: strings.NewReader("not read")},
	} {
		if got := jsonRun(t, q, in, match.RunOptions{}); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	if got := jsonRun(t, q, match.Input{}, match.RunOptions{}); got != "" {
		t.Errorf("empty input gave rows: %s", got)
	}
}

// A query error is a *syntax.Error that locates the mistake.
func TestAPICompileError(t *testing.T) {
	text := `filter verb = "get" | stats count(*) by nosuch(verb)`
	_, err := match.Compile(text, match.Options{})
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *syntax.Error", err, err)
	}
	if got := text[se.Offset : se.Offset+se.Len]; got != "nosuch(verb)" {
		t.Errorf("error spans %q, want nosuch(verb)", got)
	}
}

// damaged writes a directory with one good file and one truncated gzip file.
func damaged(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var good bytes.Buffer
	for i := 0; i < 50; i++ {
		good.WriteString(`{"kind":"Event","verb":"get","auditID":"a` + strings.Repeat("x", i) + `"}` + "\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good.Bytes())
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "a-bad.gz"), gz.Bytes()[:gz.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b-good.log"), good.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Input problems go to OnInputError with the file named, and the run goes on; with Strict the
// run stops and returns the problem.
func TestAPIInputErrors(t *testing.T) {
	dir := damaged(t)
	q := mustCompile(t, `stats count(*) as n`, match.Options{})
	var probs []error
	out := jsonRun(t, q, match.Input{Paths: []string{dir}}, match.RunOptions{OnInputError: func(err error) { probs = append(probs, err) }})
	var ie *scan.InputError
	if len(probs) != 1 || !errors.As(probs[0], &ie) || !strings.HasSuffix(ie.Path, "a-bad.gz") {
		t.Fatalf("problems %v, want one *scan.InputError naming a-bad.gz", probs)
	}
	if !strings.Contains(out, `"n":`) {
		t.Errorf("no count after an input problem: %q", out)
	}

	var b bytes.Buffer
	st, err := q.Run(context.Background(), match.Input{Paths: []string{dir}}, export.NewJSON(&b), match.RunOptions{Strict: true, Workers: 1})
	if !errors.As(err, &ie) {
		t.Fatalf("Strict run: error %v, want one wrapping *scan.InputError", err)
	}
	if b.Len() != 0 {
		t.Errorf("Strict run of an aggregate wrote rows from partial input: %q", b.String())
	}
	if st.InputErrors == 0 {
		t.Errorf("Strict run counted no input error: %+v", st)
	}
}

// The time range of Options selects the events, and queryStartTime() reads it.
func TestAPITimeRange(t *testing.T) {
	events := []string{
		`{"kind":"Event","verb":"get","stageTimestamp":"2026-12-01T10:00:00Z","requestReceivedTimestamp":"2026-12-01T10:00:00Z"}`,
		`{"kind":"Event","verb":"list","stageTimestamp":"2026-12-01T11:00:00Z","requestReceivedTimestamp":"2026-12-01T11:00:00Z"}`,
		`{"kind":"Event","verb":"watch","stageTimestamp":"2026-12-01T12:00:00Z","requestReceivedTimestamp":"2026-12-01T12:00:00Z"}`,
	}
	start := time.Date(2026, 12, 1, 10, 30, 0, 0, time.UTC)
	q := mustCompile(t, `fields verb, queryStartTime() as s`, match.Options{QueryStart: start})
	got := jsonRun(t, q, match.Input{Events: events}, match.RunOptions{})
	want := "{\"verb\":\"list\",\"s\":1796121000000}\n{\"verb\":\"watch\",\"s\":1796121000000}\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Breaking out of Rows stops the run: no goroutine is left behind.
func TestAPIRowsBreak(t *testing.T) {
	q := mustCompile(t, `fields @timestamp, @message`, match.Options{})
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		n := 0
		for _, err := range q.Rows(context.Background(), match.Input{Paths: []string{"../../testdata/export"}}, match.RunOptions{Workers: 4}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 2 {
				break
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+2 {
		t.Errorf("%d goroutines after 20 abandoned runs, %d before", g, before)
	}
	// A cancelled context ends the iteration with its error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var last error
	for _, err := range q.Rows(ctx, match.Input{Paths: []string{"../../testdata/export"}}, match.RunOptions{}) {
		last = err
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("cancelled Rows ended with %v", last)
	}
}

// Two shards and a merge give the single run's rows.
func TestAPIShards(t *testing.T) {
	paths := []string{"../../testdata/export"}
	files := scan.Expand(paths, false)
	cuts := scan.Cut(files, 2)
	for _, text := range apiQueries {
		q := mustCompile(t, text, match.Options{})
		want := jsonRun(t, q, match.Input{Paths: paths}, match.RunOptions{})
		var srcs []match.PartialSource
		for i := 0; i < 2; i++ {
			var b bytes.Buffer
			h := match.PartialHeader{Version: "test", Query: text, PlanDigest: scan.ListDigest(files),
				Shard: i, Shards: 2, FileLo: cuts[i], FileHi: cuts[i+1]}
			if _, err := q.RunPartial(context.Background(), match.Input{Paths: paths}, &b, h, match.RunOptions{}); err != nil {
				t.Fatalf("%s: shard %d: %v", text, i, err)
			}
			srcs = append(srcs, match.PartialSource{Name: "p" + string(rune('0'+i)), R: bytes.NewReader(b.Bytes()), Size: int64(b.Len())})
		}
		ps, err := match.OpenPartials(srcs)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := ps.Merge(q, export.NewJSON(&out), false); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("%s: merge\n%s\nwant\n%s", text, out.String(), want)
		}
	}
}

// Discover writes one row per field.
func TestAPIDiscover(t *testing.T) {
	var b bytes.Buffer
	st, err := match.Discover(context.Background(), match.Input{Events: []string{`{"kind":"Event","verb":"get","user":{"username":"a"}}`, `{"kind":"Event","verb":"list"}`}},
		export.NewCSV(&b), match.Options{}, match.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verb,string,2,100.0,get", "user.username,string,1,50.0,a"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("discovered fields lack %q:\n%s", want, b.String())
		}
	}
	if st.RecordsScanned != 2 || st.RowsOut == 0 {
		t.Errorf("stats %+v", st)
	}
}

// The package's API fits on one screen of go doc: at most 25 names, each documented.
func TestAPISurface(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, f := range pkgs["match"].Files {
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/auditgrep/auditgrep/pkg/match")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	undocumented := func(name, d string) {
		if strings.TrimSpace(d) == "" {
			t.Errorf("%s has no doc comment", name)
		}
	}
	// Count as go doc -short lists them: each const/var group, func, type, and each type's
	// constructors; methods are not names of the package.
	for _, v := range append(p.Consts, p.Vars...) {
		names = append(names, strings.Join(v.Names, ","))
		undocumented(v.Names[0], v.Doc)
	}
	for _, f := range p.Funcs {
		names = append(names, f.Name)
		undocumented(f.Name, f.Doc)
	}
	for _, ty := range p.Types {
		names = append(names, ty.Name)
		undocumented(ty.Name, ty.Doc)
		for _, v := range append(ty.Consts, ty.Vars...) {
			names = append(names, strings.Join(v.Names, ","))
		}
		for _, f := range ty.Funcs {
			names = append(names, f.Name)
			undocumented(f.Name, f.Doc)
		}
		for _, m := range ty.Methods {
			undocumented(ty.Name+"."+m.Name, m.Doc)
		}
	}
	if len(names) > 25 {
		t.Errorf("go doc lists %d names, want at most 25: %s", len(names), strings.Join(names, " "))
	}
}

var _ io.Writer = (*bytes.Buffer)(nil)
