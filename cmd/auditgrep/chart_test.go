package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"
)

func TestUTF8Locale(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, false}, // the C locale
		{map[string]string{"LANG": "en_US.UTF-8"}, true},
		{map[string]string{"LANG": "de_DE.utf8"}, true},
		{map[string]string{"LANG": "C"}, false},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "C"}, false}, // LC_ALL wins
		{map[string]string{"LANG": "C", "LC_CTYPE": "C.UTF-8"}, true},    // LC_CTYPE before LANG
		{map[string]string{"LC_ALL": "POSIX", "LC_CTYPE": "C.UTF-8"}, false},
		{map[string]string{"LANG": "en_US.ISO-8859-1"}, false},
	} {
		if got := utf8Locale(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: UTF-8 %v, want %v", c.env, got, c.want)
		}
	}
}

// --format auto draws a chart only when asked with --chart and only on a terminal: the
// terminal's default stays the table, and a pipe gets JSON lines with or without --chart.
func TestChartOnlyWhenAsked(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	q := `filter @logStream like /^kube-apiserver-audit/ | stats count(*) as n by bin(30m)`
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("COLUMNS", "")
	if r := runArgs("--chart", q, td); r.code != exitMatch || !strings.HasPrefix(r.out, `{"bin(30m)":`) {
		t.Errorf("--chart into a pipe: exit %d, %q; want JSON lines", r.code, r.out)
	}
	onTerminal := func(args ...string) string {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal: %v", err)
		}
		defer ptmx.Close()
		if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 60}); err != nil {
			t.Fatal(err)
		}
		var screen bytes.Buffer
		copied := make(chan struct{})
		go func() { io.Copy(&screen, ptmx); close(copied) }()
		var errb bytes.Buffer
		code := run(append(args, "--progress", "never", q, td), strings.NewReader(""), tty, &errb)
		tty.Close()
		<-copied
		if code != exitMatch {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return strings.ReplaceAll(screen.String(), "\r\n", "\n")
	}
	if got := onTerminal(); !strings.Contains(got, "bin(30m)") || strings.Contains(got, "│") {
		t.Errorf("terminal without --chart: want the table, got:\n%s", got)
	}
	got := onTerminal("--chart")
	if !strings.Contains(got, "bin(30m) │ n\n") || !strings.Contains(got, "█") {
		t.Errorf("terminal with --chart: want a chart, got:\n%s", got)
	}
	// Fitted to the terminal's 60 columns.
	for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if n := len([]rune(l)); n > 60 {
			t.Errorf("line of %d columns on a 60-column terminal: %q", n, l)
		}
	}
}

// The README's chart examples print what the README shows: each `$ [VAR=value...] auditgrep
// --format chart 'QUERY' testdata/export` of the Chart section's block is run with its
// variables, and its output compared with the lines that follow it.
func TestReadmeChartExamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdataDir(t), "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "#### Chart\n")
	if start < 0 {
		t.Fatal("README has no Chart section")
	}
	sec := readme[start:]
	sec = sec[strings.Index(sec, "\n```\n")+5:]
	sec = sec[:strings.Index(sec, "```\n")]
	examples := 0
	for _, ex := range strings.Split(sec, "$ ")[1:] {
		// VAR=value... auditgrep FLAGS 'QUERY' PATH, the query possibly over several lines.
		q0, q1 := strings.Index(ex, "'"), 0
		if q0 >= 0 {
			q1 = q0 + 1 + strings.Index(ex[q0+1:], "'")
		}
		if q0 < 0 || q1 <= q0 {
			t.Fatalf("cannot read the example %q", ex)
		}
		head := strings.Fields(ex[:q0])
		rest, want, _ := strings.Cut(ex[q1+1:], "\n")
		env := map[string]string{"COLUMNS": "", "LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""}
		for len(head) > 0 && strings.Contains(head[0], "=") {
			k, v, _ := strings.Cut(head[0], "=")
			env[k] = v
			head = head[1:]
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		if len(head) == 0 || head[0] != "auditgrep" {
			t.Fatalf("example does not run auditgrep: %q", ex)
		}
		args := append(head[1:], ex[q0+1:q1])
		for _, p := range strings.Fields(rest) {
			args = append(args, filepath.Join(testdataDir(t), strings.TrimPrefix(p, "testdata/")))
		}
		r := runArgs(args...)
		if r.code != exitMatch || r.out != want {
			t.Errorf("README example %v: exit %d, stderr %q, printed:\n%s\nthe README shows:\n%s", args, r.code, r.err, r.out, want)
		}
		examples++
	}
	if examples != 2 {
		t.Errorf("%d chart examples found in the README, want 2", examples)
	}
}
