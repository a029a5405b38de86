package scan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "exports")
	exp := writeFile(t, filepath.Join(root, "task-1", "kube-apiserver-audit-abc", "000000.gz"), gz([]byte(ts1+" a\n")))
	writeFile(t, filepath.Join(root, "task-1", "kube-apiserver-audit-abc", "000001.gz"), gz([]byte(ts1+" b\n")))
	writeFile(t, filepath.Join(root, "aws-logs-write-test"), []byte("Permission Check Successful"))
	writeFile(t, filepath.Join(root, "b", "audit.log"), []byte("c\n"))
	writeFile(t, filepath.Join(root, "a.log"), []byte("d\n"))
	other := writeFile(t, filepath.Join(dir, "single", "kube-apiserver-audit-x.log"), []byte("e\n"))
	if err := os.Symlink(other, filepath.Join(root, "link.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(root, filepath.Join(root, "b", "loop")); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.gz")

	// The export object is given alone first, then again through its directory, the directory
	// twice, the linked file by its own name, and stdin twice.
	res := run(t, []string{exp, root, missing, root + "/", other, "-", "-"}, Options{Stdin: strings.NewReader("f\n")})
	if res.err != nil {
		t.Fatal(res.err)
	}
	var got []string
	for i := range len(res.files) {
		f := res.files[i]
		if f == nil {
			t.Fatalf("no batch for file %d", i)
		}
		rel, _ := filepath.Rel(dir, f.Path)
		if f.Path == "-" {
			rel = "-"
		}
		s := rel + " " + f.Stream
		for _, r := range f.recs {
			s += " " + r.Msg
		}
		for _, e := range f.Errs {
			var ie *InputError
			if !errors.As(e, &ie) || ie.Path != f.Path {
				t.Errorf("error %v is not an InputError for %s", e, f.Path)
			}
			switch {
			case errors.Is(e, fs.ErrNotExist):
				s += " ERR:notexist"
			case strings.Contains(e.Error(), "loop"):
				s += " ERR:loop"
			default:
				s += " ERR:" + e.Error()
			}
		}
		got = append(got, s)
	}
	want := []string{
		"exports/task-1/kube-apiserver-audit-abc/000000.gz kube-apiserver-audit-abc a",
		"exports/a.log a.log d",
		"exports/b/audit.log audit.log c",
		"exports/b/loop loop ERR:loop",
		"exports/link.log link.log e",
		"exports/task-1/kube-apiserver-audit-abc/000001.gz kube-apiserver-audit-abc b",
		"missing.gz missing.gz ERR:notexist",
		"- stdin f",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	p := writeFile(t, filepath.Join(dir, "secret.log"), []byte("x\n"))
	os.Chmod(p, 0)
	sub := filepath.Join(dir, "sub")
	writeFile(t, filepath.Join(sub, "f.log"), []byte("y\n"))
	os.Chmod(sub, 0)
	defer os.Chmod(sub, 0o755)
	res := run(t, []string{dir}, Options{})
	errs := res.errs()
	if len(errs) != 2 || !errors.Is(errs[0], fs.ErrPermission) || !errors.Is(errs[1], fs.ErrPermission) {
		t.Errorf("errors %v", errs)
	}
}

func TestNoStdin(t *testing.T) {
	res := run(t, []string{"-"}, Options{})
	if errs := res.errs(); len(errs) != 1 {
		t.Errorf("errors %v", errs)
	}
}

func TestKeepStream(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "t", "authenticator-1", "000000.gz"), gz([]byte(ts1+" a\n")))
	writeFile(t, filepath.Join(dir, "t", "kube-apiserver-audit-1", "000000.gz"), gz([]byte(ts1+" b\n")))
	res := run(t, []string{dir}, Options{KeepStream: func(s string) bool { return strings.HasPrefix(s, "kube-") }})
	if len(res.files) != 2 || !res.files[0].Skipped || res.files[0].Lasts != 1 || res.files[1].Skipped {
		t.Fatalf("files %+v", res.files)
	}
	if all := res.all(); len(all) != 1 || all[0].Msg != "b" {
		t.Errorf("records %+v", all)
	}
}

// tree writes ~20 files of every format and returns their directory.
func tree(t testing.TB) string {
	dir := t.TempDir()
	for i := range 20 {
		var b strings.Builder
		for j := range 300 + i*50 {
			switch i % 4 {
			case 0:
				fmt.Fprintf(&b, "2021-08-11T10:%02d:%02d.%03dZ event %d.%d\n", j/60%60, j%60, j%1000, i, j)
				if j%7 == 0 {
					b.WriteString("  continued\n")
				}
			case 1:
				fmt.Fprintf(&b, `{"kind":"Event","n":%d,"stageTimestamp":"2021-10-27T05:43:%02d.042Z"}`+"\n", j, j%60)
			case 2:
				fmt.Fprintf(&b, "I0915 12:19:43.933124 %d %d\n", i, j)
			case 3:
				b.WriteString(envelopeJSON("DATA_MESSAGE", "g", fmt.Sprint("s", i),
					fmt.Sprintf(`{"id":"1","timestamp":%d,"message":"m%d"}`, j, j)))
			}
		}
		data := []byte(b.String())
		switch i % 3 {
		case 1:
			data = gz(data)
		case 2:
			data = zst(data)
		}
		writeFile(t, filepath.Join(dir, fmt.Sprint("d", i%5), fmt.Sprintf("%03d", i)), data)
	}
	return dir
}

func TestDeterminism(t *testing.T) {
	dir := tree(t)
	one := run(t, []string{dir}, Options{Workers: 1, BatchBytes: 2000})
	many := run(t, []string{dir}, Options{Workers: 8, BatchBytes: 2000})
	if one.err != nil || many.err != nil {
		t.Fatal(one.err, many.err)
	}
	a, b := one.all(), many.all()
	if len(a) < 5000 {
		t.Fatalf("only %d records", len(a))
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Workers=1 and Workers=8 differ: %d vs %d records", len(a), len(b))
	}
	// With fewer than two files per worker, batches go through the reader/evaluator hand-off.
	split := run(t, []string{dir}, Options{Workers: 16, BatchBytes: 2000})
	if split.err != nil || !reflect.DeepEqual(a, split.all()) {
		t.Errorf("Workers=16 (hand-off) differs: %v, %d vs %d records", split.err, len(a), len(split.all()))
	}
	for i, f := range many.files {
		if f.Lasts != 1 || len(f.Errs) > 0 {
			t.Errorf("file %d: %d last batches, errors %v", i, f.Lasts, f.Errs)
		}
		fi, _ := os.Stat(f.Path)
		if f.Comp != fi.Size() {
			t.Errorf("%s: compressed bytes %d, file size %d", f.Path, f.Comp, fi.Size())
		}
	}
}

func TestStop(t *testing.T) {
	dir := tree(t)
	for _, stopErr := range []error{ErrStop, errors.New("disk full")} {
		var n atomic.Int64
		err := Scan(context.Background(), []string{dir}, Options{Workers: 4, BatchBytes: 100}, func(int, *Batch) error {
			if n.Add(1) == 3 {
				return stopErr
			}
			return nil
		})
		want := stopErr
		if stopErr == ErrStop {
			want = nil
		}
		if err != want {
			t.Errorf("Scan returned %v, want %v", err, want)
		}
		// Other workers finish at most their current batch.
		if got := n.Load(); got > 3+4 {
			t.Errorf("%d batches delivered after stopping", got)
		}
	}
}

func TestContextCancel(t *testing.T) {
	dir := tree(t)
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	err := Scan(ctx, []string{dir}, Options{Workers: 2, BatchBytes: 100}, func(int, *Batch) error {
		if n.Add(1) == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n.Load() > 2+2 {
		t.Errorf("Scan returned %v after %d batches", err, n.Load())
	}
}

func TestRealdata(t *testing.T) {
	rd := realdata(t)
	count := func(path string, want int, format Format) {
		t.Helper()
		f := runOne(t, filepath.Join(rd, path), Options{})
		if len(f.recs) != want || f.Format != format || len(f.Errs) > 0 {
			t.Errorf("%s: %d records (%v, errors %v), want %d (%v)", path, len(f.recs), f.Format, f.Errs, want, format)
		}
	}
	count("audit2rbac/demo.log", 37, FormatAudit)
	count("panther-analysis/panther_k8s_audit_test_events.jsonl", 222, FormatAudit)
	count("awsdocs-eks-user-guide/cluster_autoscaler_klog.log", 12, FormatText)
	count("datadog-integrations-core/kube_scheduler_klog.log", 3, FormatText)
	count("awsdocs-eks-user-guide/authenticator_mapping_iam_role.log", 1, FormatText)
	count("falco-k8s-audit-traces/create_configmap_sensitive_values.json", 6, FormatAudit)
	count("falco-k8s-audit-traces/fal_01_003.json", 1, FormatAudit) // no final newline

	f := runOne(t, filepath.Join(rd, "audit2rbac/demo.log"), Options{})
	for _, r := range f.recs {
		if !r.HasTime || r.Stream != "demo.log" {
			t.Errorf("line %d: time %v stream %q", r.Line, r.HasTime, r.Stream)
		}
	}

	res := run(t, []string{filepath.Join(rd, "falco-k8s-audit-traces")}, Options{Workers: 3})
	n := 0
	for _, f := range res.files {
		if f.Format != FormatAudit || len(f.Errs) > 0 {
			t.Errorf("%s: %v %v", f.Path, f.Format, f.Errs)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(must(os.ReadFile(f.Path)))), "\n") {
			if strings.TrimSpace(line) != "" {
				n--
			}
		}
		n += len(f.recs)
	}
	if len(res.files) != 47 || n != 0 {
		t.Errorf("falco: %d files, record count off by %d", len(res.files), n)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
