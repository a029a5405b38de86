package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// readParquetFile opens a Parquet file with parquet-go's reader and returns its column names,
// their types (the logical type when there is one, else the physical type), and its rows.
func readParquetFile(t *testing.T, path string) (cols, types []string, rows [][]any, f *parquet.File) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err = parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("%s does not open: %v", path, err)
	}
	for _, fl := range f.Schema().Fields() {
		cols = append(cols, fl.Name())
		ty := fl.Type().Kind().String()
		if lt := fl.Type().LogicalType(); lt != nil && lt.String() != "" {
			ty = lt.String()
		}
		types = append(types, ty)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			vals := make([]any, len(cols))
			for _, v := range row {
				switch {
				case v.IsNull():
				case v.Kind() == parquet.ByteArray:
					vals[v.Column()] = string(v.ByteArray())
				case v.Kind() == parquet.Int64:
					vals[v.Column()] = v.Int64()
				case v.Kind() == parquet.Double:
					vals[v.Column()] = v.Double()
				default:
					vals[v.Column()] = v.String()
				}
			}
			rows = append(rows, vals)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return cols, types, rows, f
}

const (
	tsType  = "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)"
	intType = "INT(64,true)"
)

// -o x.parquet over the bundled export: a readable file with a row per json row, typed
// columns, and the query and version in its metadata.
func TestParquetOutputFile(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	for _, tc := range []struct {
		query string
		args  []string
		types []string
	}{
		{`fields @timestamp, @logStream, verb, responseStatus.code, @message | filter ispresent(verb)`, nil,
			[]string{tsType, "STRING", "STRING", intType, "STRING"}},
		{`stats count(*) as n, max(@timestamp) as last by verb | sort verb`, nil,
			[]string{"STRING", intType, tsType}},
		// --format wins over the extension.
		{`stats count(*) as n by bin(1h) as hour`, []string{"--format", "parquet"},
			[]string{tsType, intType}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "out.parquet")
			if len(tc.args) > 0 {
				target = filepath.Join(dir, "out.data")
			}
			args := append(append([]string{"-o", target}, tc.args...), tc.query, td)
			if out, stderr, code := runCLI(t, "", args...); code != exitMatch || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", code, out, stderr)
			}
			jsonOut, _, _ := runCLI(t, "", "--format", "json", tc.query, td)
			cols, types, rows, f := readParquetFile(t, target)
			if n := strings.Count(jsonOut, "\n"); n == 0 || len(rows) != n {
				t.Errorf("%d rows in the file, %d json rows", len(rows), n)
			}
			if !reflect.DeepEqual(types, tc.types) {
				t.Errorf("columns %v types %v, want %v", cols, types, tc.types)
			}
			if q, _ := f.Lookup("auditgrep.query"); q != tc.query {
				t.Errorf("metadata query %q", q)
			}
			if v, _ := f.Lookup("auditgrep.version"); !strings.HasPrefix(v, "auditgrep ") {
				t.Errorf("metadata version %q", v)
			}
			// @message holds the original text: the first row's is the json output's object.
			if cols[len(cols)-1] == "@message" {
				first := strings.SplitN(jsonOut, "\n", 2)[0]
				if msg := rows[0][len(cols)-1].(string); !strings.Contains(first, strings.TrimSpace(msg)) {
					t.Errorf("@message %q is not in the json row %q", msg, first)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("the folder holds %d entries, want only the output", len(entries))
			}
		})
	}
}

// An empty result is a valid file with the query's columns and no rows; the exit status is 1.
func TestParquetEmptyResult(t *testing.T) {
	target := filepath.Join(t.TempDir(), "empty.parquet")
	if _, stderr, code := runCLI(t, "", "-o", target, `filter verb = "no-such-verb" | fields @timestamp, verb`, filepath.Join(testdataDir(t), "export")); code != exitNoMatch {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cols, _, rows, _ := readParquetFile(t, target)
	if !reflect.DeepEqual(cols, []string{"@timestamp", "verb"}) || len(rows) != 0 {
		t.Errorf("columns %v, %d rows", cols, len(rows))
	}
}

func TestParquetNeedsOutputFile(t *testing.T) {
	out, stderr, code := runCLI(t, `{"verb":"get"}`+"\n", "--format", "parquet", "fields verb")
	if code != exitError || out != "" || !strings.Contains(stderr, "-o") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// A failed or stopped run leaves neither the target nor a temporary file behind.
func TestFailedRunLeavesNoFile(t *testing.T) {
	in := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(`{"verb":"get","n":1}`+"\n", 1000)))
	zw.Close()
	os.WriteFile(filepath.Join(in, "0.gz"), gz.Bytes()[:gz.Len()/2], 0o644) // cut in half
	os.WriteFile(filepath.Join(in, "1.log"), []byte(`{"verb":"delete"}`+"\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"bad query", []string{"fields (", in}},
		{"stopped by --strict", []string{"--strict", "-j", "1", "fields verb, n", in}},
		{"raw with stats", []string{"--format", "raw", "stats count(*)", in}},
	} {
		for _, ext := range []string{".parquet", ".csv", ".jsonl"} {
			t.Run(tc.name+ext, func(t *testing.T) {
				dir := t.TempDir()
				target := filepath.Join(dir, "out"+ext)
				if _, _, code := runCLI(t, "", append([]string{"-o", target}, tc.args...)...); code != exitError {
					t.Errorf("exit %d, want 2", code)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("the failed run left %v", entries[0].Name())
				}
			})
		}
	}
}

// CSV: the console's "Export results" CSV, with RFC 4180 quoting; numbers and timestamps as in
// json; -o x.csv writes the same bytes.
func TestCSVOutput(t *testing.T) {
	in := `{"user":"a,b","msg":"say \"hi\"","code":200,"ratio":1.50,"note":"line1\nline2"}` + "\n" +
		`{"user":"plain","msg":" lead","code":503,"ratio":2}` + "\n"
	q := `fields user, msg, code, ratio, note, fromMillis(1628674153095) as t`
	want := "user,msg,code,ratio,note,t\n" +
		`"a,b","say ""hi""",200,1.50,"line1` + "\n" + `line2",2021-08-11 09:29:13.095` + "\n" +
		`plain," lead",503,2,,2021-08-11 09:29:13.095` + "\n"
	out, stderr, code := runCLI(t, in, "--format", "csv", q)
	if code != exitMatch || out != want {
		t.Errorf("exit %d %s\n got %q\nwant %q", code, stderr, out, want)
	}
	target := filepath.Join(t.TempDir(), "x.csv")
	if _, stderr, code := runCLI(t, in, "-o", target, q); code != exitMatch {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, _ := os.ReadFile(target); string(got) != want {
		t.Errorf("-o x.csv:\n got %q\nwant %q", got, want)
	}
	// The json output renders the same numbers and timestamp.
	js, _, _ := runCLI(t, in, "--format", "json", q)
	if !strings.Contains(js, `"ratio":1.50`) || !strings.Contains(js, `"t":"2021-08-11 09:29:13.095"`) {
		t.Errorf("json: %s", js)
	}
}
