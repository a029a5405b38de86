package scan

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzScan feeds arbitrary bytes to Scan as a plain file and gzipped. Scan must not panic, and for
// every framing but Firehose the records must account for every line: each non-empty line is
// covered by exactly one record's message (export events spanning their continuation lines), and
// every line no record covers is empty. Content with a NUL byte in its first 8 KiB must instead be
// reported as binary, at that byte, with no record.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"",
		"\n\n\r\n",
		"plain\ntext\r\nno final newline",
		ts1 + " a\n  cont\r\n\n" + ts2 + " b\n\n",
		"  " + ts1 + " leading blank\n" + ts1 + " x\n",
		`{"stageTimestamp":"2021-10-27T05:43:01.042Z"}` + "\n{broken\n",
		envelopeJSON("DATA_MESSAGE", "g", "s", `{"id":"1","timestamp":1,"message":"m"}`),
		"\xff\xfe\x00\n\x1f\x8b",
		"invalid \xff\xfe utf-8\r\n\xc3\x28\n",
		"text\n" + strings.Repeat("x", binaryProbe) + "\x00 NUL after the probe\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	var n int
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		plain := writeFile(t, filepath.Join(dir, fmt.Sprint(n, ".log")), data)
		defer os.Remove(plain)
		zipped := writeFile(t, filepath.Join(dir, fmt.Sprint(n, ".gz")), gz(data))
		defer os.Remove(zipped)
		for _, p := range []string{plain, zipped} {
			res := run(t, []string{p}, Options{Workers: 1, BatchBytes: 64})
			if res.err != nil {
				t.Fatal(res.err)
			}
			fr := res.files[0]
			if fr == nil || fr.Lasts != 1 {
				t.Fatalf("%s: no last batch", p)
			}
			if fr.Format == FormatFirehose {
				continue // envelopes, not lines
			}
			if p == zipped && bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
				continue // double gzip: data itself is decompressed
			}
			if p == plain && (bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd})) {
				continue // compressed (or damaged) by accident
			}
			if nul := bytes.IndexByte(data[:min(len(data), binaryProbe)], 0); nul >= 0 {
				// Binary content: reported where the NUL is, and no record.
				var ie *InputError
				if len(fr.recs) > 0 || len(fr.Errs) != 1 || !errors.As(fr.Errs[0], &ie) || !errors.Is(ie, ErrBinary) || ie.Offset != int64(nul) {
					t.Fatalf("%s: binary content gave %d records, errors %v", p, len(fr.recs), fr.Errs)
				}
				continue
			}
			if len(fr.Errs) > 0 {
				t.Fatalf("%s: errors %v", p, fr.Errs)
			}
			checkLines(t, data, fr)
		}
	})
}

func checkLines(t *testing.T, data []byte, fr *fileResult) {
	t.Helper()
	lines := bytes.Split(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] == '\n' {
		lines = lines[:len(lines)-1]
	}
	if len(data) == 0 {
		lines = nil
	}
	for i, l := range lines {
		lines[i] = bytes.TrimSuffix(l, []byte("\r"))
	}
	covered := make([]bool, len(lines))
	for _, r := range fr.recs {
		parts := bytes.Split([]byte(r.Msg), []byte("\n"))
		for k, part := range parts {
			idx := int(r.Line) - 1 + k
			if idx < 0 || idx >= len(lines) {
				t.Fatalf("record at line %d (%q) runs past the %d lines", r.Line, r.Msg, len(lines))
			}
			if covered[idx] {
				t.Fatalf("line %d covered twice", idx+1)
			}
			covered[idx] = true
			want := lines[idx]
			if k == 0 && fr.Format == FormatExport && r.HasTime {
				tm, ok := exportTime(want)
				if !ok || tm != r.Time {
					t.Fatalf("line %d: %q is no export line with time %d", idx+1, want, r.Time)
				}
				want = want[exportTSLen+1:]
			}
			if k < len(parts)-1 {
				part = bytes.TrimSuffix(part, []byte("\r"))
			}
			if !bytes.Equal(part, want) {
				t.Fatalf("line %d: record has %q, file has %q", idx+1, part, want)
			}
		}
	}
	for i, c := range covered {
		if !c && len(lines[i]) > 0 {
			t.Fatalf("line %d (%q) is in no record", i+1, lines[i])
		}
	}
}

// FuzzScanTruncated cuts the gzipped data at a fuzzed offset. The cut file must be reported once,
// as truncated, at a compressed offset within the file, and its records must be the records of
// the intact data up to the damage: the same messages at the same lines, except that the last one
// may be cut short at a line boundary (a CloudWatch export event whose continuation lines are
// lost). Nothing is invented and no partial line is emitted.
func FuzzScanTruncated(f *testing.F) {
	f.Add([]byte("plain\ntext\r\nno final newline"), uint16(7))
	f.Add([]byte(ts1+" a\n  cont\r\n\n"+ts2+" b\n\n"), uint16(30))
	f.Add([]byte(strings.Repeat(`{"stageTimestamp":"2021-10-27T05:43:01.042Z","n":1}`+"\n", 200)), uint16(150))
	dir := f.TempDir()
	var n int
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		if bytes.IndexByte(data[:min(len(data), binaryProbe)], 0) >= 0 ||
			bytes.HasPrefix(data, []byte{0x1f, 0x8b}) || bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
			return // binary or compressed content: covered by FuzzScan
		}
		n++
		z := gz(data)
		c := 2 + int(cut)%(len(z)-2) // at least the magic, at most one byte short
		plain := writeFile(t, filepath.Join(dir, fmt.Sprint(n, ".log")), data)
		defer os.Remove(plain)
		cutp := writeFile(t, filepath.Join(dir, fmt.Sprint(n, ".cut.gz")), z[:c])
		defer os.Remove(cutp)
		want := runOne(t, plain, Options{Workers: 1, BatchBytes: 64})
		if want.Format == FormatFirehose || len(want.Errs) > 0 {
			return
		}
		got := runOne(t, cutp, Options{Workers: 1, BatchBytes: 64})
		var ie *InputError
		if len(got.Errs) != 1 || !errors.As(got.Errs[0], &ie) || !errors.Is(ie, ErrTruncated) ||
			ie.Path != cutp || ie.CompressedOffset < 0 || ie.CompressedOffset > int64(c) || ie.Offset < 0 || ie.Offset > int64(len(data)) {
			t.Fatalf("cut at %d of %d: errors %v", c, len(z), got.Errs)
		}
		if len(got.recs) > len(want.recs) {
			t.Fatalf("cut at %d: %d records, the intact data has %d", c, len(got.recs), len(want.recs))
		}
		for i, r := range got.recs {
			w := want.recs[i]
			if r.Line != w.Line || r.Time != w.Time || r.HasTime != w.HasTime {
				t.Fatalf("cut at %d: record %d at line %d, want line %d", c, i, r.Line, w.Line)
			}
			if r.Msg != w.Msg && (i < len(got.recs)-1 || got.Format != FormatExport || !strings.HasPrefix(w.Msg, r.Msg+"\n")) {
				t.Fatalf("cut at %d: record %d is %q, want %q", c, i, r.Msg, w.Msg)
			}
		}
	})
}
