package main

import (
	"bytes"
	"compress/gzip"

	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestExitCodes(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	if _, _, code := runCLI(t, "", `filter verb = "create"`, td); code != exitMatch {
		t.Errorf("matching query: exit %d", code)
	}
	if out, _, code := runCLI(t, "", `filter verb = "no-such-verb"`, td); code != exitNoMatch || out != "" {
		t.Errorf("query without matches: exit %d, output %q", code, out)
	}
	if _, stderr, code := runCLI(t, "", `filter verb = `, td); code != exitError || !strings.Contains(stderr, "^") {
		t.Errorf("bad query: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", `fields verb`, filepath.Join(t.TempDir(), "missing")); code != exitError || !strings.Contains(stderr, "missing") {
		t.Errorf("missing input: exit %d, stderr %q", code, stderr)
	}
	if out, _, code := runCLI(t, "", "version"); code != 0 || !strings.HasPrefix(out, "auditgrep ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
	if _, stderr, code := runCLI(t, ""); code != exitError || !strings.Contains(stderr, "no query") {
		t.Errorf("no args: exit %d, %q", code, stderr)
	}
	if _, _, code := runCLI(t, "", "--format", "bogus", "fields x"); code != exitError {
		t.Errorf("bad flag value: exit %d", code)
	}
}

// A corrupt input is reported with its name, the other inputs are still processed, and the
// exit status is 2; --strict stops at the first problem.
func TestInputErrorsGoOn(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(`{"verb":"get","n":1}`+"\n", 1000)))
	zw.Close()
	// 0.gz is cut in half: its complete lines still count; 1.log is intact.
	os.WriteFile(filepath.Join(dir, "0.gz"), gz.Bytes()[:gz.Len()/2], 0o644)
	os.WriteFile(filepath.Join(dir, "1.log"), []byte(`{"verb":"delete"}`+"\n"), 0o644)
	out, stderr, code := runCLI(t, "", `filter verb = "delete"`, "--format", "json", dir)
	if code != exitError {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(out, `"verb":"delete"`) {
		t.Errorf("the intact file was not processed: %q", out)
	}
	if !strings.Contains(stderr, "0.gz") {
		t.Errorf("stderr does not name the corrupt file: %q", stderr)
	}
	_, stderr, code = runCLI(t, "", `filter verb = "delete"`, "--strict", "-j", "1", dir)
	if code != exitError || !strings.Contains(stderr, "--strict") {
		t.Errorf("strict: exit %d, stderr %q", code, stderr)
	}
}

func TestOutputFileAndQueryFile(t *testing.T) {
	dir := t.TempDir()
	td := filepath.Join(testdataDir(t), "export")
	qf := filepath.Join(dir, "q.insights")
	os.WriteFile(qf, []byte("# aws-auth changes\nfilter objectRef.name = \"aws-auth\" # the configmap\n| stats count(*) as n by verb\n| sort verb\n"), 0o644)
	target := filepath.Join(dir, "out.csv")
	if _, stderr, code := runCLI(t, "", "-f", qf, "-o", target, td); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if want := "verb,n\ncreate,1\ndelete,1\nget,3\npatch,2\nupdate,1\n"; string(got) != want { // 2 of the gets are background traffic
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
	// Only the target is left in the folder: the temporary file was renamed.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d entries, want q.insights and out.csv", len(entries))
	}
	// A failed run leaves no file at the target path.
	bad := filepath.Join(dir, "bad.jsonl")
	if _, _, code := runCLI(t, "", "-o", bad, "fields (", td); code != exitError {
		t.Errorf("bad query: exit %d", code)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", bad)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("a failed run left a temporary file: %d entries", len(entries))
	}
}

func TestStdinAndRaw(t *testing.T) {
	in := `{"verb":"get","user":{"username":"a"}}` + "\n" + `not json at all` + "\n" + `{"verb":"delete"}` + "\n"
	out, _, code := runCLI(t, in, "--format", "raw", `filter verb like /e/`)
	if code != 0 || out != `{"verb":"get","user":{"username":"a"}}`+"\n"+`{"verb":"delete"}`+"\n" {
		t.Errorf("raw from stdin: exit %d\n%s", code, out)
	}
	out, _, _ = runCLI(t, in, "--format", "json", `fields @logStream, @message | filter @message like "json"`, "-")
	if out != `{"@logStream":"stdin","@message":"not json at all"}`+"\n" {
		t.Errorf("json from stdin: %q", out)
	}
	if _, stderr, code := runCLI(t, in, "--format", "raw", `stats count(*)`); code != exitError || !strings.Contains(stderr, "raw") {
		t.Errorf("raw with stats: exit %d %q", code, stderr)
	}
}

// The same inputs and query give byte-identical output whatever the worker count.
func TestDeterministicAcrossJobs(t *testing.T) {
	td := testdataDir(t)
	for _, q := range []string{
		`fields @timestamp, @logStream, verb, requestURI, @message`,
		`filter ispresent(verb) | fields @timestamp, verb | sort @timestamp desc`,
		`stats count(*) as n, count_distinct(user.username) as users, max(@timestamp) as last by verb, objectRef.resource`,
	} {
		one, _, _ := runCLI(t, "", "--format", "json", "-j", "1", q, filepath.Join(td, "export"))
		eight, _, _ := runCLI(t, "", "--format", "json", "-j", "8", q, filepath.Join(td, "export"))
		if one == "" || one != eight {
			t.Errorf("%s: -j 1 and -j 8 differ (or are empty): %d vs %d bytes", q, len(one), len(eight))
		}
	}
}

type epipeWriter struct{ n int }

func (w *epipeWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, syscall.EPIPE
	}
	w.n--
	return len(p), nil
}

// A closed stdout (| head) ends the run quietly.
func TestBrokenPipeIsQuiet(t *testing.T) {
	var errb bytes.Buffer
	code := run([]string{"--format", "json", "fields @message", filepath.Join(testdataDir(t), "export")}, strings.NewReader(""), &epipeWriter{n: 1}, &errb)
	if code != exitMatch || errb.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestTableEscapesControlCharacters(t *testing.T) {
	in := `{"userAgent":"evil\u001b[31mred\u001b[0m"}` + "\n"
	out, _, _ := runCLI(t, in, "--format", "table", "fields userAgent")
	if strings.ContainsRune(out, 0x1b) || !strings.Contains(out, `\x1b[31mred`) {
		t.Errorf("table output: %q", out)
	}
}

// --decompressor igzip gives the same rows as the built-in decompressor.
func TestDecompressorIgzip(t *testing.T) {
	if _, err := gzipCommand("igzip", 1); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	td := filepath.Join(testdataDir(t), "export")
	q := `fields @timestamp, @logStream, verb, requestURI | sort @timestamp desc`
	builtin, _, code1 := runCLI(t, "", "--format", "json", q, td)
	ext, stderr, code2 := runCLI(t, "", "--format", "json", "--decompressor", "igzip", q, td)
	if code1 != 0 || code2 != 0 || builtin != ext || builtin == "" {
		t.Fatalf("exit %d/%d, %d vs %d bytes, stderr %q", code1, code2, len(builtin), len(ext), stderr)
	}
}

// auto takes igzip only when the workers leave a core for its child processes; go never does,
// and igzip always does (or fails when it is not on PATH).
func TestDecompressorAuto(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "igzip")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	cpus := runtime.NumCPU()
	for _, tc := range []struct {
		choice  string
		workers int
		want    string
	}{
		{"go", 1, ""},
		{"igzip", cpus, fake},
		{"auto", cpus, ""},
		{"auto", cpus + 4, ""},
		{"auto", cpus - 1, fake}, // 0 when one CPU: GOMAXPROCS, no idle core
	} {
		want := tc.want
		if tc.choice == "auto" && tc.workers == 0 && runtime.GOMAXPROCS(0) >= cpus {
			want = ""
		}
		got, err := gzipCommand(tc.choice, tc.workers)
		if err != nil || got != want {
			t.Errorf("%s with %d workers: %q, %v; want %q", tc.choice, tc.workers, got, err, want)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := gzipCommand("igzip", 1); err == nil || !strings.Contains(err.Error(), "apt-get install isal") {
		t.Errorf("igzip missing: %v", err)
	}
	if got, err := gzipCommand("auto", 1); got != "" || err != nil {
		t.Errorf("auto with igzip missing: %q, %v", got, err)
	}
}

// Tab completion: a shell's request (COMP_LINE) is answered from the kong model, with the query
// command's flags at the top level and presets and enum values predicted.
func TestShellCompletion(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"auditgrep --pre", "--preset\n"},
		{"auditgrep --preset fargate-p", "fargate-patching\n"},
		{"auditgrep --decompressor ig", "igzip\n"},
		{"auditgrep disc", "discover\n"},
		{"auditgrep discover --for", "--format\n"},
	} {
		t.Setenv("COMP_LINE", tc.line)
		t.Setenv("COMP_POINT", strconv.Itoa(len(tc.line)))
		out, _, code := runCLI(t, "")
		if code != 0 || out != tc.want {
			t.Errorf("%q: exit %d, completions %q, want %q", tc.line, code, out, tc.want)
		}
	}
	os.Unsetenv("COMP_LINE")
	os.Unsetenv("COMP_POINT")
	for _, sh := range []string{"bash", "zsh", "fish"} {
		out, stderr, code := runCLI(t, "", "completion", "-c", sh)
		if code != 0 || !strings.Contains(out, "auditgrep") {
			t.Errorf("completion -c %s: exit %d, %q %q", sh, code, out, stderr)
		}
	}
}
