package scan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan feeds arbitrary bytes to Scan as a plain file and gzipped. Scan must not panic, and for
// every framing but Firehose the records must account for every line: each non-empty line is
// covered by exactly one record's message (export events spanning their continuation lines), and
// every line no record covers is empty.
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
