package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiscoverCLI(t *testing.T) {
	dir := t.TempDir()
	for i := range 6 {
		var b strings.Builder
		for j := range 50 {
			fmt.Fprintf(&b, `{"verb":"v%d-%d","stageTimestamp":"2021-08-11T10:00:%02d.000Z","n":%d}`+"\n", i, j, j%60, j)
		}
		b.WriteString("plain line\n")
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.log", i)), []byte(b.String()), 0o644)
	}
	one, _, code := runCLI(t, "", "discover", "-j", "1", dir)
	if code != exitMatch {
		t.Fatalf("exit %d", code)
	}
	many, _, _ := runCLI(t, "", "discover", "-j", "4", dir)
	if one != many {
		t.Errorf("output depends on -j:\n%s\n%s", one, many)
	}
	want := `{"field":"verb","type":"string","count":300,"percent":98.0,"example":"v0-0"}`
	if !strings.Contains(one, want) {
		t.Errorf("missing %s in\n%s", want, one)
	}
	if !strings.HasPrefix(one, `{"field":"@logStream","type":"string","count":306`) {
		t.Errorf("not sorted by count:\n%s", one)
	}

	table, _, _ := runCLI(t, "", "discover", "--format", "table", dir)
	if !strings.HasPrefix(table, "field ") || !strings.Contains(table, "number") {
		t.Errorf("table:\n%s", table)
	}
	// stdin, and a time range that leaves out the untimed plain lines
	out, _, code := runCLI(t, `{"a":1,"stageTimestamp":"2021-08-11T10:00:00Z"}`+"\nx\n", "discover", "--format", "csv", "--start", "2021-08-11")
	if code != exitMatch || !strings.Contains(out, "\na,number,1,100.0,1\n") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	if _, stderr, code := runCLI(t, "", "discover", filepath.Join(dir, "missing")); code != exitError || !strings.Contains(stderr, "missing") {
		t.Errorf("missing input: exit %d %q", code, stderr)
	}
}
