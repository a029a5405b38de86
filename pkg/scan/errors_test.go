package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestLongLineIntact(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 5<<20/16) // 5 MiB
	content := []byte("{\"first\":1}\n" + `{"big":"` + long + `"}` + "\nlast\n")
	dir := t.TempDir()
	for name, data := range map[string][]byte{"plain": content, "gzip": gz(content)} {
		t.Run(name, func(t *testing.T) {
			f := runOne(t, writeFile(t, filepath.Join(dir, name), data), Options{BatchBytes: 64 << 10})
			if len(f.Errs) > 0 {
				t.Fatal(f.Errs)
			}
			if len(f.recs) != 3 || f.recs[1].Msg != `{"big":"`+long+`"}` || f.recs[2].Msg != "last" || f.recs[2].Line != 3 {
				t.Fatalf("long line not delivered intact: %d records", len(f.recs))
			}
			if f.Raw != int64(len(content)) {
				t.Errorf("raw bytes %d, want %d", f.Raw, len(content))
			}
		})
	}
}

func TestOverCapLine(t *testing.T) {
	const max = 100 << 10
	for _, tc := range []struct {
		name    string
		content string
		want    []string
		errLine int64
	}{
		{"text in one block", "a\n" + strings.Repeat("x", max+1) + "\nb\n", []string{"a", "b"}, 2},
		{"text across blocks", "a\n" + strings.Repeat("x", 3*max) + "\nb\n", []string{"a", "b"}, 2},
		{"text last line", "a\n" + strings.Repeat("x", 3*max), []string{"a"}, 2},
		{"exact cap kept", "a\n" + strings.Repeat("y", max) + "\nb\n", []string{"a", strings.Repeat("y", max), "b"}, 0},
		{"export event over cap by continuation", ts1 + " a\n" + ts1 + " b\n" + strings.Repeat("c\n", max) + ts2 + " d\n",
			[]string{"a", "d"}, 2},
		{"export line over cap", ts1 + " a\n" + ts1 + " " + strings.Repeat("b", 2*max) + "\ncont\n" + ts2 + " d\n",
			[]string{"a", "d"}, 2},
		{"export long event under cap", ts1 + " a\n" + ts1 + " b\n" + strings.Repeat("c\n", max/4) + ts2 + " d\n",
			[]string{"a", "b\n" + strings.Repeat("c\n", max/4-1) + "c", "d"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(t.TempDir(), "f"), gz([]byte(tc.content)))
			for _, batch := range []int{0, 100} {
				f := runOne(t, p, Options{MaxLineBytes: max, BatchBytes: batch})
				var got []string
				for _, r := range f.recs {
					got = append(got, r.Msg)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("records %.200q, want %.200q", got, tc.want)
				}
				if tc.errLine == 0 {
					if len(f.Errs) > 0 {
						t.Errorf("errors: %v", f.Errs)
					}
					continue
				}
				var ie *InputError
				if len(f.Errs) != 1 || !errors.As(f.Errs[0], &ie) || !errors.Is(ie, ErrLineTooLong) ||
					ie.Line != tc.errLine || ie.Path != p || ie.Offset < 0 {
					t.Errorf("errors %v, want one line-too-long at line %d", f.Errs, tc.errLine)
				}
			}
		})
	}
}

func TestTruncatedGzip(t *testing.T) {
	var content bytes.Buffer
	var lines []string
	for i := range 3000 {
		l := fmt.Sprintf(`{"n":%d,"stageTimestamp":"2021-10-27T05:43:01.042Z","pad":"%s"}`, i, strings.Repeat("p", i%97))
		lines = append(lines, l)
		content.WriteString(l + "\n")
	}
	full := gz(content.Bytes())
	dir := t.TempDir()
	for _, cut := range []int{5, 10, 11, 100, len(full) / 3, len(full) / 2, len(full) - 9, len(full) - 1} {
		t.Run(fmt.Sprint(cut), func(t *testing.T) {
			p := writeFile(t, filepath.Join(dir, fmt.Sprint(cut)), full[:cut])
			f := runOne(t, p, Options{BatchBytes: 4096})
			for i, r := range f.recs {
				if r.Msg != lines[i] || r.Line != int64(i+1) {
					t.Fatalf("record %d = %.80q line %d, want %.80q", i, r.Msg, r.Line, lines[i])
				}
			}
			var ie *InputError
			if len(f.Errs) != 1 || !errors.As(f.Errs[0], &ie) {
				t.Fatalf("want one InputError, got %v", f.Errs)
			}
			if !errors.Is(ie, ErrTruncated) || ie.Path != p || ie.CompressedOffset < 0 || ie.CompressedOffset > int64(cut) ||
				ie.Offset < 0 || ie.Offset > int64(content.Len()) {
				t.Errorf("bad error %#v: %v", ie, ie)
			}
			if cut >= len(full)/2 && len(f.recs) < 1000 {
				t.Errorf("only %d records before a cut at %d of %d", len(f.recs), cut, len(full))
			}
			t.Logf("%d records; %v", len(f.recs), ie)
		})
	}
}

func TestCorruptGzip(t *testing.T) {
	content := []byte(strings.Repeat("line of text\n", 10000))
	data := gz(content)
	for i := len(data) / 2; i < len(data)/2+64; i++ {
		data[i] ^= 0x55
	}
	f := runOne(t, writeFile(t, filepath.Join(t.TempDir(), "f"), data), Options{})
	// Deflate data that decodes but is wrong is only caught by the member's CRC at its end, so
	// records after the damage may differ; those well before it may not.
	for i, r := range f.recs[:min(len(f.recs), 1000)] {
		if r.Msg != "line of text" {
			t.Fatalf("record %d corrupt: %q", i, r.Msg)
		}
	}
	if len(f.Errs) != 1 || !errors.Is(f.Errs[0], ErrTruncated) {
		t.Fatalf("want one truncated error, got %v", f.Errs)
	}
}

func TestHeaderOnlyGzip(t *testing.T) {
	f := runOne(t, writeFile(t, filepath.Join(t.TempDir(), "f"), gz(nil)[:10]), Options{})
	if len(f.recs) != 0 || len(f.Errs) != 1 || !errors.Is(f.Errs[0], ErrTruncated) {
		t.Fatalf("records %v errors %v", f.recs, f.Errs)
	}
}

func TestTruncatedOther(t *testing.T) {
	var lines []string
	var content strings.Builder
	var members []string
	for i := range 20000 { // zstd blocks hold up to 128 KiB: several of them
		l := fmt.Sprintf("line %d %s", i, strings.Repeat("z", i%50))
		lines = append(lines, l)
		content.WriteString(l + "\n")
		if i < 300 {
			members = append(members, envelopeJSON("DATA_MESSAGE", "g", "s", fmt.Sprintf(`{"id":"1","timestamp":%d,"message":%q}`, i, l)))
		}
	}
	zs := zst([]byte(content.String()))
	fh := gzMembers(members...)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"zstd": zs[:len(zs)/2], "firehose": fh[:len(fh)/2]} {
		t.Run(name, func(t *testing.T) {
			f := runOne(t, writeFile(t, filepath.Join(dir, name), data), Options{BatchBytes: 1000})
			if len(f.recs) == 0 {
				t.Errorf("no records before the cut")
			}
			for i, r := range f.recs {
				if r.Msg != lines[i] {
					t.Fatalf("record %d = %q, want %q", i, r.Msg, lines[i])
				}
			}
			var ie *InputError
			if len(f.Errs) != 1 || !errors.As(f.Errs[0], &ie) || !errors.Is(ie, ErrTruncated) || ie.CompressedOffset <= 0 {
				t.Fatalf("errors %v", f.Errs)
			}
			t.Logf("%d records; %v", len(f.recs), ie)
		})
	}
}

func TestStdinGzip(t *testing.T) {
	res := run(t, []string{"-"}, Options{Stdin: bytes.NewReader(gz([]byte(ts1 + " from stdin\n")))})
	f := res.files[0]
	if res.err != nil || f == nil || len(f.recs) != 1 || f.recs[0].Msg != "from stdin" || f.recs[0].Stream != "stdin" ||
		f.Path != "-" || f.Format != FormatExport {
		t.Fatalf("%v %+v", res.err, f)
	}
}

// Binary content (a NUL byte in the first 8 KiB once decompressed) is reported with the offset of
// the NUL and skipped; invalid UTF-8, CRLF and a missing final newline are text like any other.
func TestBinaryAndOddText(t *testing.T) {
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919>>3) ^ byte(i*31)
	}
	random[100] = 0 // whatever the generator gives, there is a NUL
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		nul  int64 // -1: text
		want []string
	}{
		{"nul.bin", make([]byte, 1000), 0, nil},
		{"random.bin", random, int64(bytes.IndexByte(random, 0)), nil},
		{"nul.gz", gz(append([]byte("a line\n"), 0)), 7, nil},
		{"nul.zst", zst([]byte("x\x00")), 1, nil},
		{"late-nul.log", []byte("a\n" + strings.Repeat("b", binaryProbe) + "\x00\n"), -1, []string{"a", strings.Repeat("b", binaryProbe) + "\x00"}},
		{"utf8.log", []byte("ok\n\xff\xfe\xc3\x28\nend"), -1, []string{"ok", "\xff\xfe\xc3\x28", "end"}},
		{"crlf.log", []byte("one\r\ntwo\r\n\r\nthree"), -1, []string{"one", "two", "three"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(dir, tc.name), tc.data)
			f := runOne(t, p, Options{})
			var got []string
			for _, r := range f.recs {
				got = append(got, r.Msg)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("records %q, want %q", got, tc.want)
			}
			if tc.nul < 0 {
				if len(f.Errs) > 0 {
					t.Errorf("errors %v", f.Errs)
				}
				return
			}
			var ie *InputError
			if len(f.Errs) != 1 || !errors.As(f.Errs[0], &ie) || !errors.Is(ie, ErrBinary) || ie.Offset != tc.nul || ie.Path != p {
				t.Fatalf("errors %v, want binary at byte %d", f.Errs, tc.nul)
			}
			if !strings.Contains(ie.Error(), "skipped") {
				t.Errorf("message %q does not say the file is skipped", ie)
			}
		})
	}
}

// Empty inputs, compressed or not, give no record and no error; a zstd frame cut after its header
// is reported like a truncated gzip.
func TestEmptyInputs(t *testing.T) {
	dir := t.TempDir()
	z := zst([]byte("some content that is compressed\n"))
	for name, data := range map[string][]byte{"empty": nil, "empty.gz": gz(nil), "empty.zst": zst(nil), "blank": []byte("\n\r\n\n")} {
		f := runOne(t, writeFile(t, filepath.Join(dir, name), data), Options{})
		if len(f.recs) != 0 || len(f.Errs) != 0 {
			t.Errorf("%s: records %v, errors %v", name, f.recs, f.Errs)
		}
	}
	for name, data := range map[string][]byte{"header.zst": z[:6], "header.gz": gz(nil)[:10], "magic.gz": gz(nil)[:2]} {
		f := runOne(t, writeFile(t, filepath.Join(dir, name), data), Options{})
		if len(f.recs) != 0 || len(f.Errs) != 1 || !errors.Is(f.Errs[0], ErrTruncated) {
			t.Errorf("%s: records %v, errors %v", name, f.recs, f.Errs)
		}
	}
}

// Cancelling the scan stops it while stdin is blocked in a Read that never returns.
func TestCancelBlockedStdin(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan int, 1)
	done := make(chan error, 1)
	go func() {
		done <- Scan(ctx, []string{"-"}, Options{Stdin: pr}, func(_ int, b *Batch) error {
			if len(b.Records) > 0 {
				select {
				case got <- len(b.Records):
				default:
				}
			}
			return nil
		})
	}()
	if _, err := pw.Write([]byte("first line\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got: // the line was delivered at once; the scan now waits for more input
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		cancel()
		buf := make([]byte, 1<<20)
		t.Fatalf("a line on stdin was not delivered while stdin stayed open\n%s", buf[:runtime.Stack(buf, true)])
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Scan returned %v", err)
		}
	case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("Scan did not return after cancel while stdin was blocked")
	}
}
