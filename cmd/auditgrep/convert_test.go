package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// copyExport copies the bundled export's event files (not its README) into a temporary folder.
func copyExport(t *testing.T) string {
	t.Helper()
	src := filepath.Join(testdataDir(t), "export")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// dataset is every file under dir with its content.
func dataset(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			m[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return m
}

func sameDataset(t *testing.T, a, b map[string]string, what string) {
	t.Helper()
	if len(a) == 0 {
		t.Errorf("%s: no files", what)
	}
	if len(a) != len(b) {
		t.Errorf("%s: %d files and %d files", what, len(a), len(b))
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			t.Errorf("%s: %s missing or different", what, k)
		}
	}
}

func TestConvertCLI(t *testing.T) {
	in := copyExport(t)
	out1, out4 := t.TempDir(), t.TempDir()
	_, stderr, code := runCLI(t, "", "convert", "--stats", "-j", "1", "-o", out1, in)
	if code != exitMatch || !strings.Contains(stderr, "385 events from 9 files into") {
		t.Fatalf("convert: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "convert", "-j", "4", "-o", out4, in); code != exitMatch || stderr != "" {
		t.Fatalf("convert -j 4: exit %d, stderr %q", code, stderr)
	}
	sameDataset(t, dataset(t, out1), dataset(t, out4), "-j 1 and -j 4")
	for name := range dataset(t, out1) {
		if !strings.HasPrefix(name, "date=2021-08-11/hour=") || !strings.Contains(name, "/stream=") || !strings.HasSuffix(name, ".parquet") {
			t.Errorf("unexpected file %s", name)
		}
	}
	out, _, code := runCLI(t, "", "ddl", "--engine", "duckdb", out1)
	if code != exitMatch || !strings.Contains(out, "read_parquet('"+filepath.ToSlash(out1)+"/date=*/hour=*/stream=*/*.parquet'") {
		t.Errorf("ddl: exit %d, %q", code, out)
	}
	if _, stderr, code := runCLI(t, "", "convert", "--partition-by", "day", "-o", out1, in); code != exitError || !strings.Contains(stderr, `"day"`) {
		t.Errorf("bad --partition-by: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "ddl", "--engine", "athena", out1); code != exitError || !strings.Contains(stderr, "athena reads S3") {
		t.Errorf("athena over a local folder: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "convert", in); code != exitError || !strings.Contains(stderr, "-o") {
		t.Errorf("no -o: exit %d, %q", code, stderr)
	}
}

// A damaged input is reported with its name and offsets, the rest is converted, exit 2.
func TestConvertDamagedCLI(t *testing.T) {
	in := t.TempDir()
	var lines strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&lines, "2026-12-01T13:%02d:00.000Z {\"verb\":\"get\",\"n\":%d}\n", i%60, i)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines.String()))
	zw.Close()
	for _, s := range []string{"kube-apiserver-audit-a", "kube-apiserver-audit-b"} {
		os.MkdirAll(filepath.Join(in, s), 0o755)
	}
	bad := filepath.Join(in, "kube-apiserver-audit-a", "000000.gz")
	os.WriteFile(bad, gz.Bytes()[:gz.Len()/2], 0o644)
	os.WriteFile(filepath.Join(in, "kube-apiserver-audit-b", "000000.gz"), gz.Bytes(), 0o644)
	out := t.TempDir()
	_, stderr, code := runCLI(t, "", "convert", "-o", out, in)
	if code != exitError {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "auditgrep: "+bad+":") || !strings.Contains(stderr, "(compressed byte ") ||
		!strings.Contains(stderr, "skipped input: 1 file truncated or corrupt") || !strings.Contains(stderr, "1 of 2 files read in full") {
		t.Errorf("stderr %q", stderr)
	}
	files := dataset(t, out)
	if len(files) != 2 {
		t.Errorf("%d part files, want one per input", len(files))
	}
}

// The shards of a sharded conversion write, together, exactly the files of a single run.
func TestConvertShardsUnion(t *testing.T) {
	in := copyExport(t)
	single := t.TempDir()
	if _, stderr, code := runCLI(t, "", "convert", "-o", single, in); code != exitMatch {
		t.Fatalf("single run: exit %d, %q", code, stderr)
	}
	want := dataset(t, single)
	sharded := t.TempDir()
	for i := range 3 {
		if _, stderr, code := runCLI(t, "", "convert", "--shard", fmt.Sprintf("%d/3", i), "-o", sharded, in); code != exitMatch {
			t.Fatalf("shard %d: exit %d, %q", i, code, stderr)
		}
	}
	sameDataset(t, want, dataset(t, sharded), "single run and 3 shards")

	// With a plan, from the environment's index, run again into the same folder: the same files.
	plan := filepath.Join(t.TempDir(), "plan.json")
	pj, _, code := runCLI(t, "", "plan", "--shards", "2", in)
	if code != exitMatch {
		t.Fatal("plan failed")
	}
	os.WriteFile(plan, []byte(pj), 0o644)
	for i := range 2 {
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		if _, stderr, code := runCLI(t, "", "convert", "--shard", "env/2", "--plan", plan, "-o", sharded, in); code != exitMatch {
			t.Fatalf("planned shard %d: exit %d, %q", i, code, stderr)
		}
	}
	sameDataset(t, want, dataset(t, sharded), "single run and 2 planned shards over the 3 shards' output")
	if _, stderr, code := runCLI(t, "", "convert", "--plan", plan, "-o", sharded, in); code != exitError || !strings.Contains(stderr, "--shard") {
		t.Errorf("--plan without --shard: exit %d, %q", code, stderr)
	}
}

// A Firehose delivery's events go to the partitions of their envelopes' streams, with @log from
// the envelope.
func TestConvertFirehose(t *testing.T) {
	in := filepath.Join(t.TempDir(), "delivery-1")
	os.WriteFile(in, firehoseDelivery(t), 0o644)
	out := t.TempDir()
	if _, stderr, code := runCLI(t, "", "convert", "-o", out, in); code != exitMatch {
		t.Fatalf("exit %d, %q", code, stderr)
	}
	var names []string
	for name := range dataset(t, out) {
		names = append(names, filepath.Dir(name))
	}
	slices.Sort(names)
	want := []string{"date=2021-08-11/hour=10/stream=authenticator", "date=2021-08-11/hour=10/stream=kube-apiserver-audit"}
	if !slices.Equal(names, want) {
		t.Errorf("partitions %v, want %v", names, want)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "stream=kube-apiserver-audit", "*.parquet"))
	type row struct {
		Log  *string `parquet:"log,optional"`
		Verb *string `parquet:"verb,optional"`
		Code *int32  `parquet:"response_status_code,optional"`
	}
	rows, err := parquet.ReadFile[row](files[0])
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	if *rows[0].Log != "123456789012:/aws/eks/demo/cluster" || *rows[0].Verb != "create" || *rows[0].Code != 429 || rows[1].Code != nil {
		t.Errorf("rows %+v %+v", rows[0], rows[1])
	}
}
