package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// rec is a Record copied out of its batch, with where it came from.
type rec struct {
	Index, Seq    int
	Line          int64
	Time          int64
	HasTime       bool
	Msg           string
	Stream, Group string
	Owner         string
}

// fileResult is everything Scan said about one file.
type fileResult struct {
	Path, Stream   string
	Format         Format
	Errs           []error
	Batches, Lasts int
	Skipped        bool
	Comp, Raw      int64
	seqs           []int
	recs           []rec
}

type result struct {
	files map[int]*fileResult
	err   error
}

// all returns the records of every file, ordered by (Index, Seq).
func (r *result) all() []rec {
	var idx []int
	for i := range r.files {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var out []rec
	for _, i := range idx {
		out = append(out, r.files[i].recs...)
	}
	return out
}

func (r *result) errs() []error {
	var out []error
	for i := 0; i < len(r.files); i++ {
		if f := r.files[i]; f != nil {
			out = append(out, f.Errs...)
		}
	}
	return out
}

// run scans paths and collects the result, checking the batch contract on the way: batches
// may arrive concurrently and out of order, so they are put back in (file, seq) order at the end,
// where every file must have seqs 0..n-1 once each with Last on the final one.
func run(t testing.TB, paths []string, opts Options) *result {
	t.Helper()
	type got struct {
		b    Batch
		recs []rec
	}
	var mu sync.Mutex
	byFile := map[int]map[int]*got{}
	files := map[int]*File{}
	workers := opts.withDefaults().Workers
	res := &result{files: map[int]*fileResult{}}
	res.err = Scan(context.Background(), paths, opts, func(worker int, b *Batch) error {
		if worker < 0 || worker >= workers {
			t.Errorf("worker %d out of range", worker)
		}
		checkOneBuffer(t, b)
		g := &got{b: *b}
		g.b.Records = nil
		for _, r := range b.Records {
			g.recs = append(g.recs, rec{Index: b.File.Index, Seq: b.Seq, Line: r.Line, Time: r.Time, HasTime: r.HasTime,
				Msg: string(r.Message), Stream: r.Stream, Group: r.Group, Owner: r.Owner})
		}
		mu.Lock()
		defer mu.Unlock()
		if byFile[b.File.Index] == nil {
			byFile[b.File.Index] = map[int]*got{}
		}
		if byFile[b.File.Index][b.Seq] != nil {
			t.Errorf("%s: batch seq %d delivered twice", b.File.Path, b.Seq)
		}
		byFile[b.File.Index][b.Seq] = g
		files[b.File.Index] = b.File
		return nil
	})
	for idx, batches := range byFile {
		file := files[idx]
		f := &fileResult{Path: file.Path, Stream: file.Stream}
		res.files[idx] = f
		for seq := 0; seq < len(batches); seq++ {
			g := batches[seq]
			if g == nil {
				t.Errorf("%s: batch seq %d missing", file.Path, seq)
				continue
			}
			if f.Lasts > 0 {
				t.Errorf("%s: batch after the last one", file.Path)
			}
			f.Batches++
			f.Format = g.b.Format
			f.Errs = append(f.Errs, g.b.Errs...)
			f.recs = append(f.recs, g.recs...)
			f.Comp += g.b.CompressedBytes
			f.Raw += g.b.RawBytes
			if g.b.Last {
				f.Lasts++
				f.Skipped = g.b.Skipped
			}
		}
	}
	return res
}

// checkOneBuffer checks Batch.Buf's promise: when set, every message lies inside it, after the
// previous one, so that a consumer can search the batch as one region.
func checkOneBuffer(t testing.TB, b *Batch) {
	if b.Buf == nil {
		return
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b.Buf)))
	prevEnd := base
	for i, r := range b.Records {
		if len(r.Message) == 0 {
			continue
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(r.Message)))
		if start < prevEnd || start+uintptr(len(r.Message)) > base+uintptr(len(b.Buf)) {
			t.Errorf("%s: batch %d record %d is not inside Buf after the previous one", b.File.Path, b.Seq, i)
		}
		prevEnd = start + uintptr(len(r.Message))
	}
}

// runOne scans a single file and returns its result, failing on anything but one complete file.
func runOne(t testing.TB, path string, opts Options) *fileResult {
	t.Helper()
	res := run(t, []string{path}, opts)
	if res.err != nil {
		t.Fatalf("Scan: %v", res.err)
	}
	if len(res.files) != 1 || res.files[0] == nil || res.files[0].Lasts != 1 {
		t.Fatalf("want one file with one last batch, got %+v", res.files)
	}
	return res.files[0]
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// gzMembers gzips each part as its own member and concatenates the members.
func gzMembers(parts ...string) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, gz([]byte(p))...)
	}
	return out
}

func zst(b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		panic(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

func writeFile(t testing.TB, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// realdata returns the shared/realdata directory next to an ancestor of the working directory.
func realdata(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "realdata")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/realdata not found above the working directory")
		}
		dir = parent
	}
}
