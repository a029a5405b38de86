package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The bundled sample export must be pure data: the README's own example runs over it, and a
// description file inside the tree would be read as events of a stream of its own. Every file
// is a CloudWatch export object (gzip, its stream the folder name), a JSON-lines audit log (its
// stream the base name) or the export's skipped permission probe; the streams a query sees are
// exactly the streams of those files.
func TestSampleExportIsData(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	want := map[string]bool{}
	err := filepath.WalkDir(td, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(td, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "aws-logs-write-test":
			if string(data) != "Permission Check Successful" {
				t.Errorf("%s: %q is not the export's probe", rel, data)
			}
		case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
			want[filepath.Base(filepath.Dir(p))] = true
		default:
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(nil, 1<<20)
			for n := 1; sc.Scan(); n++ {
				if !json.Valid(sc.Bytes()) {
					t.Errorf("%s:%d is neither a gzip export object nor an audit JSON line: %.60q", rel, n, sc.Text())
					break
				}
			}
			want[filepath.Base(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	r := runArgs("--format", "json", "stats count(*) as n by @logStream", td)
	if r.code != exitMatch {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
		var row struct {
			Stream string `json:"@logStream"`
			N      int    `json:"n"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if strings.Contains(strings.ToLower(row.Stream), "readme") {
			t.Errorf("stream %q (%d events) is a description read as data", row.Stream, row.N)
		}
		got = append(got, row.Stream)
	}
	var wantList []string
	for s := range want {
		wantList = append(wantList, s)
	}
	slices.Sort(got)
	slices.Sort(wantList)
	if !slices.Equal(got, wantList) {
		t.Errorf("streams queried %v, want the tree's data files' %v", got, wantList)
	}
}
