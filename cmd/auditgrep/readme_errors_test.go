package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's query-error examples print what the README shows: each `$ auditgrep 'QUERY'
// testdata/export` of the block after "A query error shows" exits 2 and prints to stderr the
// lines that follow it.
func TestReadmeQueryErrorExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdataDir(t), "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "A query error shows")
	if start < 0 {
		t.Fatal("README has no query error examples")
	}
	sec := readme[start:]
	sec = sec[strings.Index(sec, "\n```\n")+5:]
	sec = sec[:strings.Index(sec, "```\n")]
	examples := 0
	for _, ex := range strings.Split(sec, "$ auditgrep ")[1:] {
		q0 := strings.Index(ex, "'")
		q1 := q0 + 1 + strings.Index(ex[q0+1:], "'")
		if q0 != 0 || q1 <= q0 {
			t.Fatalf("cannot read the example %q", ex)
		}
		rest, want, _ := strings.Cut(ex[q1+1:], "\n")
		args := []string{ex[q0+1 : q1]}
		for _, p := range strings.Fields(rest) {
			args = append(args, filepath.Join(testdataDir(t), strings.TrimPrefix(p, "testdata/")))
		}
		r := runArgs(args...)
		if r.code != exitError || r.err != want || r.out != "" {
			t.Errorf("README example %q: exit %d, stdout %q, stderr:\n%s\nthe README shows:\n%s", args[0], r.code, r.out, r.err, want)
		}
		examples++
	}
	if examples != 3 {
		t.Errorf("%d query error examples found in the README, want 3", examples)
	}
}
