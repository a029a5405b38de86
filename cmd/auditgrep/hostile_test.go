package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// The hostile-input corpus: every input is built here from events whose "n" identifies them, and
// each case says exactly which events come out, the exit status, and what stderr reports.

const exportTS = "2021-08-11T10:09:43.095Z"

// qn outputs the n of every event that has one.
const qn = "filter ispresent(n) | fields n"

// exportLines is a CloudWatch export object's content holding the events lo..hi-1.
func exportLines(lo, hi int) string {
	var b strings.Builder
	for n := lo; n < hi; n++ {
		fmt.Fprintf(&b, "%s {\"verb\":\"get\",\"n\":%d}\n", exportTS, n)
	}
	return b.String()
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func zstded(s string) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		panic(err)
	}
	defer enc.Close()
	return enc.EncodeAll([]byte(s), nil)
}

func put(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ns returns the "n" of every JSON line of out, in order, failing on a line that is not a whole
// JSON object.
func ns(t *testing.T, out string) []int {
	t.Helper()
	var got []int
	for _, l := range strings.SplitAfter(out, "\n") {
		if l == "" {
			continue
		}
		var row struct{ N *int }
		if !strings.HasSuffix(l, "\n") || json.Unmarshal([]byte(l), &row) != nil || row.N == nil {
			t.Fatalf("not a whole JSON row with n: %q", l)
		}
		got = append(got, *row.N)
	}
	return got
}

func seq(lo, hi int) []int {
	var s []int
	for n := lo; n < hi; n++ {
		s = append(s, n)
	}
	return s
}

var atByte = regexp.MustCompile(`cut\.gz:(\d+): at byte (\d+) \(compressed byte (\d+)\): truncated or corrupt compressed stream`)

// A gzip export cut at any offset: the events whose line is complete before the reported offset
// come out, in order, and no other; the error names the file, the line, and both offsets; the
// intact file next to it is read; the run exits 2 with a summary.
func TestHostileTruncatedGzip(t *testing.T) {
	content := exportLines(0, 200)
	full := gzipped(content)
	dir := t.TempDir()
	put(t, filepath.Join(dir, "z-intact.log"), []byte(exportLines(1000, 1003)))
	cuts := []int{1, 2, 5, 9, 10, 11, 12, 20}
	for c := 30; c < len(full); c += len(full) / 29 {
		cuts = append(cuts, c)
	}
	cuts = append(cuts, len(full)-9, len(full)-8, len(full)-4, len(full)-1)
	for _, cut := range cuts {
		p := put(t, filepath.Join(dir, "cut.gz"), full[:cut])
		out, stderr, code := runCLI(t, "", "-j", "2", "--format", "json", qn, dir)
		got := ns(t, out)
		if cut < 2 {
			// Not even the gzip magic: the byte is read as a one-line text file, without n.
			if code != exitMatch || !slices.Equal(got, seq(1000, 1003)) || stderr != "" {
				t.Errorf("cut %d: exit %d, records %v, stderr %q", cut, code, got, stderr)
			}
			continue
		}
		if code != exitError {
			t.Errorf("cut %d: exit %d, want 2", cut, code)
		}
		m := atByte.FindStringSubmatch(stderr)
		if m == nil {
			t.Fatalf("cut %d: stderr does not locate the damage in cut.gz:\n%s", cut, stderr)
		}
		off, _ := strconv.Atoi(m[2])
		coff, _ := strconv.Atoi(m[3])
		line, _ := strconv.Atoi(m[1])
		k := strings.Count(content[:off], "\n") // events complete before the damage
		if want := append(seq(0, k), seq(1000, 1003)...); !slices.Equal(got, want) {
			t.Errorf("cut %d (damage at byte %d): records %v, want 0..%d and the intact file", cut, off, got, k-1)
		}
		if coff > cut || line != k+1 {
			t.Errorf("cut %d: reported line %d, compressed byte %d; want line %d, compressed byte <= %d", cut, line, coff, k+1, cut)
		}
		if !strings.Contains(stderr, "skipped input: 1 file truncated or corrupt, events after the damage lost ("+p+":") ||
			!strings.Contains(stderr, "; 1 of 2 files read in full\n") {
			t.Errorf("cut %d: no summary:\n%s", cut, stderr)
		}
	}
}

// Damage in the middle of a multi-member gzip: the members before it are read in full; members
// after it are not (no resynchronisation); the damage is reported.
func TestHostileMultiMemberGzip(t *testing.T) {
	a, b, c := gzipped(exportLines(0, 100)), gzipped(exportLines(100, 150)), gzipped(exportLines(150, 200))
	dir := t.TempDir()

	badHeader := slices.Concat(a, b, c)
	badHeader[len(a)] ^= 0xff // the second member's magic
	p := put(t, filepath.Join(dir, "hdr", "000000.gz"), badHeader)
	out, stderr, code := runCLI(t, "", "--format", "json", qn, p)
	if got := ns(t, out); code != exitError || !slices.Equal(got, seq(0, 100)) {
		t.Errorf("bad second header: exit %d, records %v", code, got)
	}
	if !strings.Contains(stderr, p+":101: at byte "+strconv.Itoa(len(exportLines(0, 100)))) {
		t.Errorf("bad second header: %s", stderr)
	}

	badData := slices.Concat(a, b, c)
	for i := len(a) + len(b)/2; i < len(a)+len(b)/2+8; i++ {
		badData[i] ^= 0x55
	}
	p = put(t, filepath.Join(dir, "data", "000000.gz"), badData)
	out, stderr, code = runCLI(t, "", "--format", "json", qn, p)
	got := ns(t, out)
	// Deflate data that still decodes is caught only by the member's CRC at its end: the events
	// before the damaged member are exact; events decoded from the damaged part may be garbled
	// (back-references into the window copy earlier lines), which the README says.
	if code != exitError || len(got) < 100 || !slices.Equal(got[:100], seq(0, 100)) || !strings.Contains(stderr, p+":") {
		t.Errorf("bad second member data: exit %d, records %v\n%s", code, got, stderr)
	}
	if slices.Contains(got, 199) {
		t.Errorf("bad second member data: the member after the damage was read: %v", got)
	}

	// Garbage or zero padding after the last member: every event, and the trailing bytes reported.
	for name, tail := range map[string][]byte{"garbage": []byte("this is not gzip"), "zeros": make([]byte, 512)} {
		p := put(t, filepath.Join(dir, name, "000000.gz"), slices.Concat(a, b, c, tail))
		out, stderr, code := runCLI(t, "", "--format", "json", qn, p)
		if got := ns(t, out); code != exitError || !slices.Equal(got, seq(0, 200)) || !strings.Contains(stderr, p+":201: at byte") {
			t.Errorf("%s after the last member: exit %d, records %v\n%s", name, code, got, stderr)
		}
	}
}

// Single flipped bytes anywhere in a gzip or zstd file: never a panic or a hang; either the file
// reads in full (a flip in a field nobody checks, such as the gzip MTIME) or the damage is
// reported, exit 2, and every record that comes out is an event of the file.
func TestHostileFlippedBytes(t *testing.T) {
	content := exportLines(0, 200)
	dir := t.TempDir()
	for name, full := range map[string][]byte{"f.gz": gzipped(content), "f.zst": zstded(content)} {
		for i := 0; i < len(full); i += max(1, len(full)/40) {
			data := slices.Clone(full)
			data[i] ^= 0x5a
			p := put(t, filepath.Join(dir, name), data)
			out, stderr, code := runCLI(t, "", "--format", "json", "fields n | filter ispresent(n)", p)
			var got []int
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				var row struct{ N json.Number }
				if l == "" {
					continue
				}
				if json.Unmarshal([]byte(l), &row) != nil {
					t.Fatalf("%s flip at %d: not a JSON row: %q", name, i, l)
				}
				if n, err := strconv.Atoi(string(row.N)); err == nil {
					got = append(got, n)
				}
			}
			switch code {
			case exitMatch:
				if !slices.Equal(got, seq(0, 200)) || stderr != "" {
					t.Errorf("%s flip at %d: exit 0 with %d records, stderr %q", name, i, len(got), stderr)
				}
			case exitError, exitNoMatch:
				if code == exitNoMatch || !strings.Contains(stderr, p) || !strings.Contains(stderr, "skipped input:") {
					t.Errorf("%s flip at %d: exit %d, stderr %q", name, i, code, stderr)
				}
			default:
				t.Errorf("%s flip at %d: exit %d", name, i, code)
			}
		}
	}
}

// Odd files side by side, the folder given twice: each event comes out once, in path order; every
// file that is not read in full is reported with where and why, then summarised; exit 2.
func TestHostileOddFiles(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	random[0], random[1] = 'x', 0 // not a compression magic; a NUL at byte 1
	z := zstded(exportLines(0, 50))
	put(t, filepath.Join(dir, "a-crlf.log"), []byte(strings.ReplaceAll(exportLines(400, 403), "\n", "\r\n")))
	put(t, filepath.Join(dir, "b-empty.gz"), gzipped(""))
	put(t, filepath.Join(dir, "c-empty.log"), nil)
	put(t, filepath.Join(dir, "d-header.gz"), gzipped("")[:10])
	put(t, filepath.Join(dir, "e-header.zst"), z[:6])
	put(t, filepath.Join(dir, "f-long.log"), []byte(exportLines(600, 602)+exportTS+` {"n":602,"pad":"`+strings.Repeat("p", 300)+"\"}\n"+exportLines(603, 605)))
	put(t, filepath.Join(dir, "g-nonl.log"), []byte(strings.TrimSuffix(exportLines(500, 502), "\n")))
	put(t, filepath.Join(dir, "h-nul.bin"), make([]byte, 4096))
	put(t, filepath.Join(dir, "i-random.bin"), random)
	put(t, filepath.Join(dir, "j-utf8.log"), []byte(exportTS+" {\"n\":300,\"s\":\"\xff\xfe\xc3\x28\"}\n"+exportTS+" \xff\xfe not json\n"))
	if err := os.MkdirAll(filepath.Join(dir, "k-loop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", filepath.Join(dir, "k-loop", "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere", filepath.Join(dir, "m-dangling.gz")); err != nil {
		t.Fatal(err)
	}
	unreadable := os.Geteuid() != 0 // root reads anything
	if unreadable {
		put(t, filepath.Join(dir, "l-unreadable.gz"), gzipped(exportLines(700, 701)))
		if err := os.Chmod(filepath.Join(dir, "l-unreadable.gz"), 0); err != nil {
			t.Fatal(err)
		}
	}

	out, stderr, code := runCLI(t, "", "-j", "4", "--max-line-bytes", "200", "--format", "json", qn, dir, dir+"/", filepath.Join(dir, "a-crlf.log"))
	want := slices.Concat(seq(400, 403), []int{600, 601, 603, 604}, seq(500, 502), []int{300})
	if got := ns(t, out); code != exitError || !slices.Equal(got, want) {
		t.Errorf("exit %d, records %v, want %v", code, got, want)
	}
	for _, s := range []string{
		filepath.Join(dir, "d-header.gz") + ":1: at byte 0 (compressed byte 10): truncated or corrupt compressed stream",
		filepath.Join(dir, "e-header.zst") + ":1: at byte 0 (compressed byte 6): truncated or corrupt compressed stream",
		filepath.Join(dir, "f-long.log") + ":3: at byte ",
		"line too long: more than 200 bytes; skipped",
		filepath.Join(dir, "h-nul.bin") + ": at byte 0: binary content (NUL byte in the first 8 KiB of content); file skipped",
		filepath.Join(dir, "i-random.bin") + ": at byte 1: binary content",
		filepath.Join(dir, "k-loop", "up") + ": symbolic link loops back to a directory being walked; not followed",
	} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	summary := "auditgrep: skipped input: " +
		"2 files unreadable (" + filepath.Join(dir, "k-loop", "up") + ": symbolic link loops back to a directory being walked; not followed, " +
		filepath.Join(dir, "m-dangling.gz") + ": stat: no such file or directory); " +
		"2 binary files (" + filepath.Join(dir, "h-nul.bin") + ", " + filepath.Join(dir, "i-random.bin") + "); " +
		"2 files truncated or corrupt, events after the damage lost (" + filepath.Join(dir, "d-header.gz") + ":1 at byte 0, compressed byte 10, " +
		filepath.Join(dir, "e-header.zst") + ":1 at byte 0, compressed byte 6); " +
		"1 line over --max-line-bytes (" + filepath.Join(dir, "f-long.log") + ":3); " +
		"5 of 12 files read in full\n"
	if unreadable {
		summary = strings.Replace(summary, "2 files unreadable (", "3 files unreadable (", 1)
		summary = strings.Replace(summary, "not followed, ", "not followed, "+filepath.Join(dir, "l-unreadable.gz")+": open: permission denied, ", 1)
		summary = strings.Replace(summary, "5 of 12 files", "5 of 13 files", 1)
	}
	if !strings.HasSuffix(stderr, summary) {
		t.Errorf("summary:\n%s\nwant it to end with:\n%s", stderr, summary)
	}

	// --strict: the rows before the first problem (d-header.gz), nothing after, exit 2.
	out, stderr, code = runCLI(t, "", "-j", "4", "--strict", "--format", "json", qn, dir)
	if got := ns(t, out); code != exitError || !slices.Equal(got, seq(400, 403)) ||
		!strings.Contains(stderr, "d-header.gz") || !strings.HasSuffix(stderr, "stopped at the first input error (--strict)\n") {
		t.Errorf("--strict: exit %d, records %v\n%s", code, got, stderr)
	}
}

// Table output escapes control characters and terminal sequences found in values; JSON output
// carries them escaped as JSON does.
func TestHostileTableEscapes(t *testing.T) {
	in := "evil \x1b]0;title\x07 \x1b[2J \xc2\x9b31m \x08\x7f \xe2\x80\xae rlo \xff end\n"
	out, _, code := runCLI(t, in, "--format", "table", "fields @message")
	if code != exitMatch {
		t.Fatalf("exit %d", code)
	}
	for _, c := range []string{"\x1b", "\x07", "\x08", "\x7f", "\xc2\x9b", "\xe2\x80\xae", "\xff"} {
		if strings.Contains(out, c) {
			t.Errorf("table output holds %q:\n%q", c, out)
		}
	}
	if !strings.Contains(out, `\x1b]0;title\x07`) || !strings.Contains(out, `\u009b31m`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("escapes not shown: %q", out)
	}
}

// A reader that stops (| head) ends the run quietly, also over damaged input: the only stderr
// is the damage reported before the reader went away.
func TestHostileBrokenPipeQuiet(t *testing.T) {
	dir := t.TempDir()
	put(t, filepath.Join(dir, "a.gz"), gzipped(exportLines(0, 5000)))
	var errb bytes.Buffer
	code := run([]string{"--format", "json", "fields n", dir}, strings.NewReader(""), &epipeWriter{n: 1}, &errb)
	if code != exitMatch || errb.Len() != 0 {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// notifyWriter signals the first write; it is safe for one writer and one reader after Wait.
type notifyWriter struct {
	buf   bytes.Buffer
	first chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	if w.buf.Len() == 0 && len(p) > 0 {
		defer close(w.first)
	}
	return w.buf.Write(p)
}

// Ctrl-C while reading a stdin that stays open: the run returns 130 promptly, and stdout holds
// whole JSON rows only, the events read so far, in order.
func TestHostileInterrupt(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() {
		// An endless stream of export lines until the pipe is closed.
		var b []byte
		for n := 0; ; n++ {
			b = fmt.Appendf(b[:0], "%s {\"verb\":\"get\",\"n\":%d}\n", exportTS, n)
			if _, err := pw.Write(b); err != nil {
				return
			}
		}
	}()
	out := &notifyWriter{first: make(chan struct{})}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"-j", "2", "--format", "json", "fields n"}, pr, out, &errb) }()

	guard := time.After(10 * time.Second) // a hang guard, not a timing assertion
	select {
	case <-out.first:
	case code := <-done:
		t.Fatalf("run ended before the interrupt: exit %d, %s", code, errb.String())
	case <-guard:
		t.Fatal("no row came out while stdin stayed open")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != exitInterrupt {
			t.Errorf("exit %d, want 130; stderr %q", code, errb.String())
		}
	case <-guard:
		t.Fatal("run did not return after SIGINT")
	}
	got := ns(t, out.buf.String())
	if len(got) == 0 || !slices.Equal(got, seq(0, len(got))) {
		t.Errorf("rows are not the events 0..k in order: %d rows", len(got))
	}
	if s := errb.String(); s != "auditgrep: interrupted: the output covers only the input read so far\n" {
		t.Errorf("stderr %q", s)
	}
}

// Byte-identical stdout and stderr for -j 1 and -j 8 over a tree of many files of mixed formats,
// damaged ones included.
func TestHostileJobsByteIdentical(t *testing.T) {
	dir := t.TempDir()
	for i := range 60 {
		lo := i * 100
		n := 20 + i%17
		switch i % 6 {
		case 0: // CloudWatch export object
			put(t, filepath.Join(dir, "task", fmt.Sprintf("kube-apiserver-audit-%02d", i), "000000.gz"), gzipped(exportLines(lo, lo+n)))
		case 1: // audit log, plain
			var b strings.Builder
			for k := lo; k < lo+n; k++ {
				fmt.Fprintf(&b, `{"kind":"Event","verb":"list","n":%d,"stageTimestamp":"2021-10-27T05:43:%02d.042Z"}`+"\n", k, k%60)
			}
			put(t, filepath.Join(dir, "audit", fmt.Sprintf("audit-%02d.log", i)), []byte(b.String()))
		case 2: // zstd export lines, with continuation lines
			put(t, filepath.Join(dir, "zst", fmt.Sprintf("%02d.zst", i)), zstded(strings.ReplaceAll(exportLines(lo, lo+n), "}\n", "}\n  continued\n")))
		case 3: // Firehose delivery: gzip members of envelopes
			var members []byte
			for k := lo; k < lo+n; k += 5 {
				var ev []string
				for j := k; j < min(k+5, lo+n); j++ {
					ev = append(ev, fmt.Sprintf(`{"id":"%d","timestamp":%d,"message":"{\"n\":%d}"}`, j, 1628676583095+int64(j), j))
				}
				members = append(members, gzipped(`{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/eks/c/cluster","logStream":"authenticator-`+strconv.Itoa(i)+`","logEvents":[`+strings.Join(ev, ",")+`]}`)...)
			}
			put(t, filepath.Join(dir, "firehose", fmt.Sprintf("delivery-%02d", i)), members)
		case 4: // text lines
			var b strings.Builder
			for k := lo; k < lo+n; k++ {
				fmt.Fprintf(&b, "I0811 10:09:43.095 line n=%d\n", k)
			}
			put(t, filepath.Join(dir, "text", fmt.Sprintf("klog-%02d.txt", i)), []byte(b.String()))
		case 5: // damaged: truncated gzip, binary, over-long line
			switch i % 3 {
			case 0:
				full := gzipped(exportLines(lo, lo+n))
				put(t, filepath.Join(dir, "bad", fmt.Sprintf("cut-%02d.gz", i)), full[:len(full)*2/3])
			case 1:
				put(t, filepath.Join(dir, "bad", fmt.Sprintf("bin-%02d", i)), []byte("MZ\x00\x00binary"))
			case 2:
				put(t, filepath.Join(dir, "bad", fmt.Sprintf("long-%02d.log", i)), []byte(exportLines(lo, lo+2)+exportTS+" "+strings.Repeat("x", 5000)+"\n"+exportLines(lo+2, lo+n)))
			}
		}
	}
	for _, q := range []string{
		`fields @timestamp, @logStream, @log, @ptr, n, @message`,
		`stats count(*) as c, sum(n) as s by @logStream | sort @logStream`,
		`filter n % 7 = 0 | sort n desc | fields n, @ptr`,
	} {
		o1, e1, c1 := runCLI(t, "", "--max-line-bytes", "4096", "--format", "json", "-j", "1", q, dir)
		o8, e8, c8 := runCLI(t, "", "--max-line-bytes", "4096", "--format", "json", "-j", "8", q, dir)
		if o1 == "" || o1 != o8 || e1 != e8 || c1 != c8 {
			t.Errorf("%s: -j 1 and -j 8 differ: %d vs %d bytes out, exit %d vs %d\nstderr -j 1:\n%s\nstderr -j 8:\n%s", q, len(o1), len(o8), c1, c8, e1, e8)
		}
		if c1 != exitError || !strings.Contains(e1, "skipped input:") {
			t.Errorf("%s: exit %d, stderr %s", q, c1, e1)
		}
	}
}
