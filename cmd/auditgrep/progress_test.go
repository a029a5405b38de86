package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// syncBuffer is a bytes.Buffer safe for the bar's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func progressInput(t *testing.T) string {
	dir := t.TempDir()
	for _, n := range []string{"a.log", "b.log", "c.log"} {
		os.WriteFile(filepath.Join(dir, n), []byte(strings.Repeat(`{"verb":"get"}`+"\n", 1000)), 0o644)
	}
	return dir
}

func TestProgressModes(t *testing.T) {
	dir := progressInput(t)
	tests := []struct {
		mode string
		bar  bool
	}{
		{"always", true},
		{"never", false},
		{"auto", false}, // stderr is not a terminal
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			var out bytes.Buffer
			var errb syncBuffer
			code := run([]string{"--progress", tt.mode, `filter verb = "get" | stats count(*)`, dir}, strings.NewReader(""), &out, &errb)
			if code != exitMatch || out.String() != "{\"count(*)\":3000}\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
			}
			got := errb.String()
			if tt.bar != strings.Contains(got, "files 3/3") {
				t.Errorf("bar drawn: %v, want %v; stderr %q", !tt.bar, tt.bar, got)
			}
			if tt.bar && !strings.Contains(got, "43.9 KiB / 43.9 KiB") {
				t.Errorf("total size missing from %q", got)
			}
		})
	}
	if _, _, code := runCLI(t, "", "--progress", "sometimes", "fields x", dir); code != exitError {
		t.Errorf("bad --progress: exit %d", code)
	}
}

// With stderr on a pseudo-terminal, --progress auto draws the bar. The input is a pipe on stdin
// that is held open until the bar has been seen on the terminal, so no timing is assumed.
func TestProgressPTY(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	if !showProgress("auto", tty) {
		t.Fatal("auto: a pseudo-terminal is not taken for a terminal")
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if showProgress("auto", devnull) {
		t.Error("auto: /dev/null is taken for a terminal")
	}

	seen := make(chan struct{})
	var screen syncBuffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := ptmx.Read(buf)
			screen.Write(buf[:n])
			if strings.Contains(screen.String(), "files 0/1") {
				once.Do(func() { close(seen) })
			}
			if err != nil {
				return // EIO once the tty side is closed
			}
		}
	}()
	pr, pw := io.Pipe()
	var out bytes.Buffer
	finished := make(chan int)
	go func() { finished <- run([]string{`filter verb = "get" | stats count(*)`, "-"}, pr, &out, tty) }()
	pw.Write([]byte(`{"verb":"get"}` + "\n"))
	select {
	case <-seen:
	case code := <-finished:
		t.Fatalf("run ended (exit %d) before a bar was drawn: %q", code, screen.String())
	case <-time.After(20 * time.Second): // a guard against a hang, not a timing assertion
		pw.Close()
		t.Fatalf("no bar drawn: %q", screen.String())
	}
	pw.Close()
	code := <-finished
	tty.Close()
	<-copied
	if code != exitMatch || out.String() != "{\"count(*)\":1}\n" {
		t.Fatalf("exit %d, stdout %q", code, out.String())
	}
	if !strings.Contains(screen.String(), "\x1b[") {
		t.Errorf("the bar is not redrawn in place: %q", screen.String())
	}
}

// screen replays what a terminal shows for the bytes written to it: printable text, CR, LF, and
// the CSI sequences mpb uses (cursor up, erase down, erase line); others are ignored. It has no
// height limit and no line wrapping (the pseudo-terminal is wider than any line written).
func screen(out []byte) []string {
	var rows [][]rune
	r, c := 0, 0
	put := func(ch rune) {
		for len(rows) <= r {
			rows = append(rows, nil)
		}
		for len(rows[r]) <= c {
			rows[r] = append(rows[r], ' ')
		}
		rows[r][c] = ch
		c++
	}
	s := []rune(string(out))
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\r':
			c = 0
		case ch == '\n':
			r++
		case ch == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			if j == len(s) {
				i = j
				break
			}
			arg := string(s[i+2 : j])
			n := 1
			if v, err := strconv.Atoi(arg); err == nil {
				n = v
			}
			switch s[j] {
			case 'A':
				r = max(r-n, 0)
			case 'J':
				if r < len(rows) {
					rows[r] = rows[r][:min(c, len(rows[r]))]
					rows = rows[:r+1]
				}
			case 'K':
				if r < len(rows) {
					rows[r] = rows[r][:min(c, len(rows[r]))]
				}
			}
			i = j
		case ch >= ' ':
			put(ch)
		}
	}
	var lines []string
	for _, row := range rows {
		if l := strings.TrimRight(string(row), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// An input error met while the bar is drawn appears above it, whole, and stays on the screen
// once the bar is erased; nothing of the bar is left. The input is a held-open pipe on stdin,
// then a damaged file: the file's error is reported (in input order) only after stdin ends,
// which the test does once the bar has been seen, so the error comes while the bar is up.
func TestProgressErrorAboveBar(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		summary string
	}{
		{"query", []string{`stats count(*)`}, "auditgrep: skipped input:"},
		{"discover", []string{"discover"}, "auditgrep: 1 input problem(s) reported above"},
	} {
		t.Run(c.name, func(t *testing.T) { progressErrorAboveBar(t, c.args, c.summary) })
	}
}

func progressErrorAboveBar(t *testing.T, args []string, summary string) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 500}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	full := gzipped(exportLines(0, 200))
	damaged := put(t, filepath.Join(dir, "task", "s1", "000000.gz"), full[:len(full)/2])

	seen := make(chan struct{})
	var term syncBuffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := ptmx.Read(buf)
			term.Write(buf[:n])
			if strings.Contains(term.String(), "/2 ") {
				once.Do(func() { close(seen) })
			}
			if err != nil {
				return
			}
		}
	}()
	pr, pw := io.Pipe()
	var out bytes.Buffer
	finished := make(chan int)
	go func() { finished <- run(append(args, "-", damaged), pr, &out, tty) }()
	pw.Write([]byte(`{"verb":"get"}` + "\n"))
	select {
	case <-seen:
	case code := <-finished:
		t.Fatalf("run ended (exit %d) before a bar was drawn: %q", code, term.String())
	case <-time.After(20 * time.Second): // a guard against a hang, not a timing assertion
		pw.Close()
		t.Fatalf("no bar drawn: %q", term.String())
	}
	pw.Close()
	code := <-finished
	tty.Close()
	<-copied
	if code != exitError {
		t.Fatalf("exit %d, want 2; stdout %q", code, out.String())
	}
	lines := screen([]byte(term.String()))
	errLine := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "auditgrep: "+damaged+":") && strings.HasSuffix(l, "not emitted)") {
			errLine = i
		}
		if strings.Contains(l, "files ") && strings.Contains(l, "/2") {
			t.Errorf("line %d: the bar is left on the screen: %q", i, l)
		}
	}
	if errLine < 0 {
		t.Fatalf("the input error is not on the screen whole; screen:\n%s\nbytes: %q", strings.Join(lines, "\n"), term.String())
	}
	if errLine+1 >= len(lines) || !strings.HasPrefix(lines[errLine+1], summary) {
		t.Errorf("the summary does not follow the error; screen:\n%s", strings.Join(lines, "\n"))
	}
}
