package sqlcheck

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditgrep/auditgrep/pkg/convert"
	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/sqlgen"
	"github.com/auditgrep/auditgrep/sqlcheck/render"

	_ "github.com/duckdb/duckdb-go/v2"
)

const absent = render.Absent

// The log group and account both sides are given, so that @log and @logGroup have values.
const logGroup, account = "/aws/eks/demo/cluster", "111122223333"

// exportFiles are the data files of testdata/export: everything but documentation.
func exportFiles(t *testing.T) []string {
	t.Helper()
	root := filepath.Join("..", "testdata", "export")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".md") {
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		t.Fatal("no files under testdata/export")
	}
	return files
}

// queryCase is one query of the equivalence test and the golden file it came from.
type queryCase struct {
	name, text string
	refused    bool // the golden file records a refusal: the query is checked to be refused
}

// cases reads testdata/golden/sql/*.txtar; every seed query must be among them.
func cases(t *testing.T) []queryCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "sql", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden SQL files: %v", err)
	}
	var out []queryCase
	have := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := sections(string(b))
		q := strings.TrimSpace(s["query"])
		refused := strings.HasPrefix(s["duckdb"], "error:")
		out = append(out, queryCase{name: strings.TrimSuffix(filepath.Base(f), ".txtar"), text: q, refused: refused})
		have[q] = true
	}
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "golden", "seed*.txtar"))
	if len(seeds) == 0 {
		t.Fatal("no seed queries found")
	}
	for _, f := range seeds {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if q := strings.TrimSpace(sections(string(b))["query"]); !have[q] {
			t.Errorf("seed query of %s has no golden SQL file in testdata/golden/sql", f)
		}
	}
	return out
}

// sections splits a txtar text into its named sections.
func sections(s string) map[string]string {
	out := map[string]string{}
	name := ""
	var buf strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimRight(line, "\n"), " --") {
			if name != "" {
				out[name] = buf.String()
			}
			name = strings.TrimSuffix(strings.TrimPrefix(strings.TrimRight(line, "\n"), "-- "), " --")
			buf.Reset()
			continue
		}
		buf.WriteString(line)
	}
	if name != "" {
		out[name] = buf.String()
	}
	return out
}

// TestDuckDBEquivalence converts testdata/export with pkg/convert, runs each query's DuckDB
// translation over the dataset on an embedded DuckDB, and checks the answer equals
// auditgrep's own answer over the original export.
func TestDuckDBEquivalence(t *testing.T) {
	files, dropped := wellFormedCopy(t, exportFiles(t))
	if dropped != 1 {
		t.Fatalf("dropped %d truncated JSON messages from the export; the test expects the one it documents", dropped)
	}
	dir := t.TempDir()
	ctx := context.Background()
	start := time.Now()
	var inputErrs []error
	if _, err := convert.Convert(ctx, files, convert.Options{Dir: dir, LogGroup: logGroup, Account: account, OnInputError: func(err error) { inputErrs = append(inputErrs, err) }}); err != nil {
		t.Fatal(err)
	}
	if len(inputErrs) > 0 {
		t.Fatalf("convert reported input errors: %v", inputErrs)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ddl, err := convert.DDL(convert.DDLOptions{Engine: "duckdb", Location: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatalf("%v\n%s", err, ddl)
	}
	// A session zone far from UTC: the answers must not depend on it.
	if _, err := db.Exec("SET TimeZone = 'Asia/Kolkata'"); err != nil {
		t.Fatal(err)
	}
	t.Logf("converted and opened in %v", time.Since(start))

	seedRan, langRan, seeds := 0, 0, 0
	for _, c := range cases(t) {
		isSeed := strings.HasPrefix(c.name, "seed")
		if isSeed {
			seeds++
		}
		t.Run(c.name, func(t *testing.T) {
			pq, err := syntax.Parse(c.text)
			if err != nil {
				t.Fatal(err)
			}
			stmt, err := sqlgen.Translate(pq, sqlgen.Options{Engine: sqlgen.DuckDB, Columns: sqlgen.DatasetColumns(), StreamPartition: true})
			if c.refused {
				if err == nil {
					t.Fatalf("the golden file records a refusal, but the query translates:\n%s", stmt)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantCols, want := engineRows(t, c.text, files)
			if len(want) == 0 {
				t.Fatal("auditgrep returns no rows: the case would compare nothing")
			}
			gotCols, got, err := render.Query(db, stmt)
			if err != nil && strings.Contains(err.Error(), "auditgrep: more than") && limitWithoutSort(pq) {
				// The statement refuses at run time to pick rows from more than N (a table has
				// no input order); that is right when auditgrep's answer was cut at N too.
				if n := limitN(pq); len(want) != n {
					t.Fatalf("DuckDB refused a cut at limit %d, but auditgrep returned %d rows", n, len(want))
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, stmt)
			}
			if !slices.Equal(wantCols, gotCols) {
				t.Fatalf("columns: auditgrep %q, DuckDB %q\n%s", wantCols, gotCols, stmt)
			}
			if msg := compareRows(pq, wantCols, want, got); msg != "" {
				t.Fatalf("%s\n%s", msg, stmt)
			}
			if isSeed {
				seedRan++
			} else {
				langRan++
			}
		})
	}
	// A time range (--start/--end) on both sides: the engine's QueryStart/QueryEnd, the SQL's
	// conditions on @timestamp and the date partition.
	for i, r := range []struct{ q, start, end string }{
		{`stats count(*) as n by verb | sort verb`, "2021-08-11T10:00:00Z", "2021-08-11T10:29:59.999Z"},
		{`filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb | sort @timestamp desc`, "2021-08-11T09:30:00.500Z", "2021-08-11T09:31:00Z"},
		{`stats count(*) as n by bin(1h) as h | sort h`, "2021-08-11T09:15:00Z", ""},
		{`stats count(*) as n, min(@timestamp) as first`, "", "2021-08-11T09:05:00Z"},
		{`filter toMillis(@timestamp) > queryEndTime() - 600000 | stats count(*) as n, queryTimeRange() as r by verb | sort verb`, "2021-08-11T09:00:00Z", "2021-08-11T10:00:00Z"},
	} {
		t.Run(fmt.Sprintf("range%d", i+1), func(t *testing.T) {
			var start, end time.Time
			if r.start != "" {
				start, _ = time.Parse(time.RFC3339Nano, r.start)
			}
			if r.end != "" {
				end, _ = time.Parse(time.RFC3339Nano, r.end)
			}
			pq, err := syntax.Parse(r.q)
			if err != nil {
				t.Fatal(err)
			}
			stmt, err := sqlgen.Translate(pq, sqlgen.Options{Engine: sqlgen.DuckDB, Columns: sqlgen.DatasetColumns(),
				StreamPartition: true, DatePartition: true, Start: start, End: end})
			if err != nil {
				t.Fatal(err)
			}
			wantCols, want := engineRowsOpts(t, r.q, files, match.Options{LogGroup: logGroup, Account: account, QueryStart: start, QueryEnd: end})
			if len(want) == 0 {
				t.Fatal("auditgrep returns no rows: the case would compare nothing")
			}
			gotCols, got, err := render.Query(db, stmt)
			if err != nil {
				t.Fatalf("%v\n%s", err, stmt)
			}
			if !slices.Equal(wantCols, gotCols) {
				t.Fatalf("columns: auditgrep %q, DuckDB %q", wantCols, gotCols)
			}
			if msg := compareRows(pq, wantCols, want, got); msg != "" {
				t.Fatalf("%s\n%s", msg, stmt)
			}
		})
	}
	t.Logf("%d seed and %d language queries gave the same answer on DuckDB and auditgrep", seedRan, langRan)
	// (With -run picking cases, the count is not checked.)
	if f := flag.Lookup("test.run"); !t.Failed() && (f == nil || f.Value.String() == "") && (seedRan != seeds || langRan < 40) {
		t.Errorf("compared %d of %d seed queries and %d language queries; want every seed query and at least 40 language queries", seedRan, seeds, langRan)
	}
}

// TestTruncatedEventAgrees checks the audit event truncated at 256 KiB on the original export:
// it has no fields for SQL (and for the spec), and none for pkg/match either, whose fast JSON
// path once read the fields of its valid prefix when they were all a query named.
func TestTruncatedEventAgrees(t *testing.T) {
	files := exportFiles(t)
	dir := t.TempDir()
	if _, err := convert.Convert(context.Background(), files, convert.Options{Dir: dir, LogGroup: logGroup, Account: account}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ddl, err := convert.DDL(convert.DDLOptions{Engine: "duckdb", Location: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	const q = `filter verb = "list" | stats count(*) as n`
	_, want := engineRows(t, q, files)
	pq, _ := syntax.Parse(q)
	stmt, err := sqlgen.Translate(pq, sqlgen.Options{Engine: sqlgen.DuckDB, Columns: sqlgen.DatasetColumns()})
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := render.Query(db, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 1 || len(got) != 1 {
		t.Fatalf("want one row each, got %v and %v", want, got)
	}
	w, _ := strconv.Atoi(want[0][0])
	g, _ := strconv.Atoi(got[0][0])
	if w != g {
		t.Fatalf("auditgrep counts %d list events, DuckDB %d: the truncated event (a list) is counted by one of them", w, g)
	}
}

func engineRows(t *testing.T, text string, files []string) ([]string, [][]string) {
	t.Helper()
	return engineRowsOpts(t, text, files, match.Options{LogGroup: logGroup, Account: account})
}

func engineRowsOpts(t *testing.T, text string, files []string, opts match.Options) ([]string, [][]string) {
	t.Helper()
	q, err := match.Compile(text, opts)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	var rows [][]string
	for row, err := range q.Rows(context.Background(), match.Input{Paths: files}, match.RunOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		cols = row.Columns
		r := make([]string, len(row.Values))
		for i, v := range row.Values {
			if v.Kind == match.Absent {
				r[i] = absent
			} else {
				r[i] = v.Render()
			}
		}
		rows = append(rows, r)
	}
	if cols == nil {
		cols = q.Columns()
	}
	return cols, rows
}

// compareRows checks got against want: the same rows, in the same order when the query
// sorts. Rows whose sort keys are equal may come in any order (pkg/match keeps input order
// for them; a table has none): when every sort key is an output column, rows are compared
// block by block of equal keys; otherwise as a multiset.
func compareRows(q *syntax.Query, cols []string, want, got [][]string) string {
	if len(want) != len(got) {
		return fmt.Sprintf("auditgrep gave %d rows, DuckDB %d\nauditgrep: %s\nDuckDB:    %s", len(want), len(got), show(want), show(got))
	}
	var keys []int
	sorted, allProjected := false, true
	for _, c := range q.Commands {
		switch c := c.(type) {
		case *syntax.SortCmd:
			sorted, keys, allProjected = true, nil, true
			for _, k := range c.Keys {
				f, ok := k.X.(*syntax.Field)
				i := -1
				if ok {
					i = slices.Index(cols, f.Name)
				}
				if i < 0 {
					allProjected = false
				}
				keys = append(keys, i)
			}
		case *syntax.DedupCmd:
			if !sorted {
				sorted = true
				keys = []int{slices.Index(cols, "@timestamp")}
				allProjected = keys[0] >= 0
			}
		}
	}
	if !sorted || !allProjected {
		if !sameMultiset(want, got) {
			return fmt.Sprintf("different rows\nauditgrep: %s\nDuckDB:    %s", show(want), show(got))
		}
		return ""
	}
	keyOf := func(r []string) string {
		var b strings.Builder
		for _, i := range keys {
			b.WriteString(r[i] + "\x01")
		}
		return b.String()
	}
	for i := 0; i < len(want); {
		j := i + 1
		for j < len(want) && keyOf(want[j]) == keyOf(want[i]) {
			j++
		}
		if j == len(want) && hasLimit(q) {
			// A limit may cut a block of equal keys: any of its rows may be the ones kept.
			for k := i; k < j; k++ {
				if keyOf(got[k]) != keyOf(want[i]) {
					return fmt.Sprintf("row %d has other sort keys\nauditgrep: %s\nDuckDB:    %s", k, show(want), show(got))
				}
			}
			break
		}
		if !sameMultiset(want[i:j], got[i:j]) {
			return fmt.Sprintf("rows %d..%d differ\nauditgrep: %s\nDuckDB:    %s", i, j-1, show(want), show(got))
		}
		i = j
	}
	return ""
}

func limitWithoutSort(q *syntax.Query) bool {
	sorted := false
	for _, c := range q.Commands {
		switch c.(type) {
		case *syntax.SortCmd, *syntax.DedupCmd:
			sorted = true
		}
	}
	return !sorted && hasLimit(q)
}

func limitN(q *syntax.Query) int {
	n := 0
	for _, c := range q.Commands {
		if l, ok := c.(*syntax.LimitCmd); ok {
			n = l.N
		}
	}
	return n
}

func hasLimit(q *syntax.Query) bool {
	for _, c := range q.Commands {
		if _, ok := c.(*syntax.LimitCmd); ok {
			return true
		}
	}
	return false
}

func sameMultiset(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, r := range a {
		m[strings.Join(r, "\x02")]++
	}
	for _, r := range b {
		k := strings.Join(r, "\x02")
		if m[k] == 0 {
			return false
		}
		m[k]--
	}
	return true
}

func show(rows [][]string) string {
	var b strings.Builder
	for i, r := range rows {
		if i == 8 {
			fmt.Fprintf(&b, "\n  ... %d rows", len(rows))
			break
		}
		b.WriteString("\n  " + strings.ReplaceAll(strings.Join(r, " | "), absent, "<absent>"))
	}
	return b.String()
}

// wellFormedCopy copies the export files into a temporary folder (same relative paths, so the
// same @logStream) without the messages that start as a JSON object but are not one: the
// export has one audit event truncated at 256 KiB. The spec gives such a message no fields,
// and so does SQL (the dataset's typed columns are null for it, the JSON functions read
// nothing); pkg/match, on its fast path, reads the fields of its valid prefix when every field
// a query names lies there (json_flatten.go, jsonStrictValidate), so its answer for that event
// depends on the query. TestTruncatedEventAgrees checks that pkg/match now agrees on it.
func wellFormedCopy(t *testing.T, files []string) ([]string, int) {
	t.Helper()
	root := filepath.Join("..", "testdata", "export")
	dst := t.TempDir()
	dropped := 0
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		gz := bytes.HasPrefix(data, []byte{0x1f, 0x8b})
		if gz {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		var buf bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			line := sc.Bytes()
			msg := line
			// An export line is "TIMESTAMP MESSAGE"; an audit log line is the message.
			if i := bytes.IndexByte(line, ' '); i > 0 && !bytes.HasPrefix(line, []byte("{")) {
				msg = line[i+1:]
			}
			if bytes.HasPrefix(msg, []byte("{")) && !json.Valid(msg) {
				dropped++
				continue
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(b)
			zw.Close()
			b = z.Bytes()
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out, dropped
}
