package scan

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// igzipPath finds ISA-L's igzip; CI installs it (.ci/run), elsewhere the tests of this path skip.
func igzipPath(t *testing.T) string {
	p, err := exec.LookPath("igzip")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("igzip not found: .ci/run installs the isal package")
		}
		t.Skip("igzip not on PATH (Debian package isal)")
	}
	return p
}

func TestExternalGzipSameRecords(t *testing.T) {
	ig := igzipPath(t)
	dir := t.TempDir()
	var lines []string
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf(`2021-08-11T10:09:%02d.%03dZ {"verb":"get","n":%d}`, i%60, i%1000, i))
	}
	body := []byte(strings.Join(lines, "\n") + "\n")
	half := len(body) / 2
	// One member, two members split mid-line, and gzip of gzip.
	writeFile(t, filepath.Join(dir, "a", "000000.gz"), gz(body))
	writeFile(t, filepath.Join(dir, "b", "000000.gz"), append(gz(body[:half]), gz(body[half:])...))
	writeFile(t, filepath.Join(dir, "c", "000000.gz"), gz(gz(body)))
	goRes := run(t, []string{dir}, Options{Workers: 2})
	extRes := run(t, []string{dir}, Options{Workers: 2, GzipCommand: ig})
	if goRes.err != nil || extRes.err != nil {
		t.Fatal(goRes.err, extRes.err)
	}
	a, b := goRes.all(), extRes.all()
	if len(a) != 9000 {
		t.Fatalf("go path: %d records", len(a))
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("igzip path differs: %d vs %d records", len(a), len(b))
	}
	for i, f := range extRes.files {
		fi, _ := os.Stat(f.Path)
		if len(f.Errs) > 0 || f.Comp != fi.Size() {
			t.Errorf("file %d: errors %v, compressed bytes %d of %d", i, f.Errs, f.Comp, fi.Size())
		}
	}
}

func TestExternalGzipTruncated(t *testing.T) {
	ig := igzipPath(t)
	dir := t.TempDir()
	var sb strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&sb, `{"verb":"get","n":%d,"pad":"%s"}`+"\n", i, strings.Repeat("x", i%50))
	}
	full := gz([]byte(sb.String()))
	path := filepath.Join(dir, "audit.log.gz")
	writeFile(t, path, full[:len(full)*2/3])
	res := runOne(t, path, Options{GzipCommand: ig})
	if len(res.Errs) != 1 || !errors.Is(res.Errs[0], ErrTruncated) || !strings.Contains(res.Errs[0].Error(), path) {
		t.Fatalf("errors: %v", res.Errs)
	}
	if len(res.recs) == 0 || len(res.recs) >= 20000 {
		t.Fatalf("%d records before the cut", len(res.recs))
	}
	for i, r := range res.recs {
		if want := fmt.Sprintf(`{"verb":"get","n":%d,`, i); !strings.HasPrefix(r.Msg, want) || !strings.HasSuffix(r.Msg, `"}`) {
			t.Fatalf("record %d is not complete: %q", i, r.Msg)
		}
	}
}

func TestExternalGzipMissingCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.gz")
	writeFile(t, path, gz([]byte("a\n")))
	res := runOne(t, path, Options{GzipCommand: filepath.Join(dir, "no-such-igzip")})
	if len(res.Errs) != 1 || !strings.Contains(res.Errs[0].Error(), "no-such-igzip") {
		t.Fatalf("errors: %v", res.Errs)
	}
}
