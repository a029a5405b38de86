package gendata

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readTree returns every file of dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameTrees(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d files vs %d", len(a), len(b))
	}
	for p, x := range a {
		if !bytes.Equal(x, b[p]) {
			t.Errorf("%s differs between runs", p)
		}
	}
}

var exportLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)

// checkTree checks the export line format of every object and that audit messages are JSON;
// it returns the number of audit messages that are not.
func checkTree(t *testing.T, files map[string][]byte) (events, notJSON int) {
	t.Helper()
	for p, data := range files {
		if !strings.HasSuffix(p, ".gz") {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("%s: gzip header has name %q mtime %v", p, zr.Name, zr.ModTime)
		}
		stream := filepath.Base(filepath.Dir(p))
		audit := strings.HasPrefix(stream, "kube-apiserver-audit-")
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 64<<20)
		first := true
		for sc.Scan() {
			line := sc.Bytes()
			if !exportLine.Match(line) {
				// A continuation line: only klog streams have multi-line messages, and the
				// first line of an object always starts an event.
				if audit || first {
					t.Fatalf("%s: line without export timestamp: %.120q", p, line)
				}
				continue
			}
			first = false
			events++
			if audit && !json.Valid(line[25:]) {
				notJSON++
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	return events, notJSON
}

func TestGenerateDeterministic(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	s1, err := generate(d1, 2<<20, 7, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generate(d2, 2<<20, 7, 1, 1); err != nil {
		t.Fatal(err)
	}
	a, b := readTree(t, d1), readTree(t, d2)
	sameTrees(t, a, b)
	if string(a["aws-logs-write-test"]) != "Permission Check Successful" {
		t.Errorf("aws-logs-write-test = %q", a["aws-logs-write-test"])
	}
	events, notJSON := checkTree(t, a)
	if events != s1.events {
		t.Errorf("counted %d events, generate reported %d", events, s1.events)
	}
	if notJSON != 0 {
		t.Errorf("%d audit messages are not JSON", notJSON)
	}
	if s1.bytes < 2<<20 || s1.bytes > 3<<20 {
		t.Errorf("wrote %d bytes for -size 2MiB", s1.bytes)
	}
}

func TestTestdata(t *testing.T) {
	d1, d2 := filepath.Join(t.TempDir(), "export"), filepath.Join(t.TempDir(), "export")
	if err := writeTestdata(d1); err != nil {
		t.Fatal(err)
	}
	if err := writeTestdata(d2); err != nil {
		t.Fatal(err)
	}
	a, b := readTree(t, d1), readTree(t, d2)
	sameTrees(t, a, b)
	_, notJSON := checkTree(t, a)
	if notJSON != 1 {
		t.Errorf("%d non-JSON audit messages, want exactly the truncated one", notJSON)
	}
	var gz int
	for p, x := range a {
		if strings.HasSuffix(p, ".gz") {
			gz += len(x)
		}
	}
	if gz > 200_000 {
		t.Errorf("testdata objects are %d bytes compressed", gz)
	}
	for _, l := range bytes.Split(bytes.TrimSuffix(a["raw/audit.log"], []byte("\n")), []byte("\n")) {
		if !json.Valid(l) {
			t.Errorf("raw/audit.log line is not JSON: %.80q", l)
		}
	}
	// Every file of the tree is input: the description is beside it, not in it.
	for p := range a {
		if p != "aws-logs-write-test" && p != "raw/audit.log" && !strings.HasSuffix(p, ".gz") {
			t.Errorf("%s in the tree is not export data", p)
		}
	}
	desc, err := os.ReadFile(DescPath(d1))
	if err != nil || !bytes.HasPrefix(desc, []byte("# testdata/export")) {
		t.Fatalf("description %s: %v %.40q", DescPath(d1), err, desc)
	}
	// The committed tree and description are what the generator writes today.
	committed := filepath.Join("..", "..", "..", "testdata", "export")
	sameTrees(t, a, readTree(t, committed))
	if c, err := os.ReadFile(DescPath(committed)); err != nil || !bytes.Equal(c, desc) {
		t.Errorf("%s is not what the generator writes (%v): run go run ./bench/gen -testdata -out testdata/export", DescPath(committed), err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"2MiB": 2 << 20, "1GiB": 1 << 30, "500MB": 500e6, "1.5KiB": 1536, "4096": 4096} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "-1MiB", "0"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) succeeded", in)
		}
	}
}
