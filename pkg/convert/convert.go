package convert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// Options control a conversion. Dir is required; the zero value of the others is usable.
type Options struct {
	// Dir is the dataset's root folder; it is created if missing.
	Dir string
	// PartitionBy is the directory layout (nil: DefaultPartitionBy; empty: no partitions).
	PartitionBy []Key
	// Workers is the number of files converted at once; <= 0 means runtime.GOMAXPROCS(0).
	Workers int
	// MaxLineBytes, GzipCommand and Stdin are passed to scan.
	MaxLineBytes int
	GzipCommand  string
	Stdin        io.Reader
	// LogGroup and Account fill @log where the input does not carry it, as for queries.
	LogGroup, Account string
	// FileLo, FileHi and HasFileRange restrict the conversion to a shard of the input list, as
	// in scan.Options.
	FileLo, FileHi int
	HasFileRange   bool
	// OnInputError is called for each problem with an input, in input order.
	OnInputError func(error)
	// Meta is written into every part file's key=value metadata.
	Meta map[string]string
}

// Stats count what a conversion did.
type Stats struct {
	// Files is the number of input files; FilesFailed those that could not be read to the end.
	Files, FilesFailed int64
	// Events is the number of rows written.
	Events int64
	// BytesRaw and BytesCompressed are the input bytes, decompressed and as stored.
	BytesRaw, BytesCompressed int64
	// PartFiles is the number of Parquet files written; Partitions the number of partition
	// folders they are in; Removed the files of an earlier run of the same inputs deleted.
	PartFiles, Partitions, Removed int
}

// Limits on the part files one input file keeps open: when an event belongs to a partition
// whose file is not open and maxOpen are, the least recently used is finished; a file that has
// not had an event for idleRows events of its input is finished too. Both depend only on the
// input's events, never on timing, so the output is the same for any number of workers.
var (
	maxOpen  = 16
	idleRows = int64(1 << 16)
)

// PartPrefix starts every part file's name: part-<list>-<file>-<n>.parquet, where list is the
// first 12 hex digits of the input list's digest (scan.ListDigest), file the input file's index
// in the list (at least 6 digits) and n counts the files that input wrote into the partition
// (at least 3 digits).
const PartPrefix = "part-"

// Convert reads paths as a query does and writes their events into the dataset at o.Dir. The
// part files are written under temporary names and renamed once every input has been read; an
// error or a cancelled ctx leaves Dir as it was. After the renames, the part files of an
// earlier conversion of the same input list and files that this one did not write again are
// removed (see docs/dataset.md, "Reruns").
//
// Problems with inputs do not stop the conversion: they reach o.OnInputError and the rest is
// converted.
func Convert(ctx context.Context, paths []string, o Options) (Stats, error) {
	if o.Dir == "" {
		return Stats{}, errors.New("convert: no output folder")
	}
	if o.PartitionBy == nil {
		o.PartitionBy = DefaultPartitionBy
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	files := scan.Expand(paths, o.Stdin != nil)
	lo, hi := 0, len(files)
	if o.HasFileRange {
		lo, hi = o.FileLo, o.FileHi
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return Stats{}, err
	}
	spill, err := os.MkdirTemp(o.Dir, ".auditgrep-tmp-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(spill)
	cfg, err := newWriterConfig(o.Meta, &spillPool{dir: spill})
	if err != nil {
		return Stats{}, err
	}
	c := &converter{
		o:       &o,
		cfg:     cfg,
		list:    strings.TrimPrefix(scan.ListDigest(files), "sha256:")[:12],
		states:  map[int]*fileState{},
		done:    map[int]*fileState{},
		nextErr: lo,
		written: map[string]bool{},
		dirs:    map[string]bool{},
	}
	c.scratch = make([]scratch, o.Workers)
	sopts := scan.Options{Workers: o.Workers, MaxLineBytes: o.MaxLineBytes, GzipCommand: o.GzipCommand,
		Stdin: o.Stdin, FileLo: o.FileLo, FileHi: o.FileHi, HasFileRange: o.HasFileRange}
	scanErr := scan.Scan(ctx, paths, sopts, c.batch)
	if scanErr == nil {
		scanErr = ctx.Err()
	}
	if scanErr == nil {
		scanErr = c.err
	}
	if scanErr != nil {
		c.abort()
		return c.st, scanErr
	}
	if err := c.commit(lo, hi); err != nil {
		return c.st, err
	}
	return c.st, nil
}

// converter is the state of one conversion.
type converter struct {
	o    *Options
	cfg  *parquet.WriterConfig
	list string

	scratch []scratch // per worker

	mu sync.Mutex
	// states are the files being converted, by index.
	states map[int]*fileState
	// done are the finished files whose errors wait for an earlier file's to be reported;
	// nextErr is the index of the next file to report.
	done    map[int]*fileState
	nextErr int
	// finished are the closed part files, to rename or remove.
	finished []*partWriter
	written  map[string]bool
	dirs     map[string]bool
	st       Stats
	err      error
}

// fileState is one input file's conversion: its batches are written in order (Seq), whichever
// worker parsed them.
type fileState struct {
	mu   sync.Mutex
	cond *sync.Cond
	next int // Seq of the next batch to write
	file *scan.File
	// open are its open part files by partition path; counts the files it started per partition.
	open   map[string]*partWriter
	counts map[string]int
	rows   int64
	errs   []error
	failed bool
}

func (c *converter) state(f *scan.File) *fileState {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.states[f.Index]
	if s == nil {
		s = &fileState{file: f, open: map[string]*partWriter{}, counts: map[string]int{}}
		s.cond = sync.NewCond(&s.mu)
		c.states[f.Index] = s
	}
	return s
}

// scratch is a worker's parsed batch: every event's row, laid out before the worker waits for
// its turn to write, so that several workers parse the batches of one large file at once.
type scratch struct {
	ex    extractor
	rb    rowBuilder
	vals  []parquet.Value
	ends  []int // end of each row in vals
	sizes []int
	parts []string
	// The partition of the last event, reused while the hour and stream stay the same.
	lastHour   int64
	lastTimed  bool
	lastStream string
	lastPart   string
}

// batch is the scan callback: it lays out the batch's events as rows, waits for the file's
// earlier batches to be written, and writes its rows.
func (c *converter) batch(worker int, b *scan.Batch) error {
	sc := &c.scratch[worker]
	sc.vals, sc.ends, sc.sizes, sc.parts = sc.vals[:0], sc.ends[:0], sc.sizes[:0], sc.parts[:0]
	for i := range b.Records {
		r := &b.Records[i]
		stream := r.Stream
		if stream == "" {
			stream = b.File.Stream
		}
		sc.ex.parse(unsafe.String(unsafe.SliceData(r.Message), len(r.Message)))
		sc.vals = append(sc.vals, sc.rb.build(r, stream, c.log(r), &sc.ex.f)...)
		sc.ends = append(sc.ends, len(sc.vals))
		sc.sizes = append(sc.sizes, sc.rb.size)
		hour := r.Time / 3_600_000
		if r.Time < 0 && r.Time%3_600_000 != 0 {
			hour--
		}
		if sc.lastPart == "" || sc.lastTimed != r.HasTime || (r.HasTime && sc.lastHour != hour) || sc.lastStream != stream {
			sc.lastPart = c.partition(r, stream)
			sc.lastTimed, sc.lastHour, sc.lastStream = r.HasTime, hour, stream
		}
		sc.parts = append(sc.parts, sc.lastPart)
	}
	clear(sc.rb.row)

	s := c.state(b.File)
	s.mu.Lock()
	for s.next != b.Seq {
		s.cond.Wait()
	}
	defer func() {
		s.next++
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	c.mu.Lock()
	c.st.BytesRaw += b.RawBytes
	c.st.BytesCompressed += b.CompressedBytes
	c.mu.Unlock()
	start := 0
	for i, end := range sc.ends {
		row := parquet.Row(sc.vals[start:end:end])
		start = end
		w, err := c.writer(s, sc.parts[i])
		if err != nil {
			return c.fail(err)
		}
		s.rows++
		w.lastRow = s.rows
		if err := w.write(row, sc.sizes[i]); err != nil {
			return c.fail(err)
		}
		if s.rows%4096 == 0 {
			if err := c.closeIdle(s); err != nil {
				return c.fail(err)
			}
		}
	}
	clear(sc.vals) // keep no reference to the batch's messages
	s.errs = append(s.errs, b.Errs...)
	if !b.Last {
		return nil
	}
	if len(b.Errs) > 0 {
		s.failed = true
	}
	// The file is done: finish its part files and report its errors in input order.
	var err error
	for _, k := range slices.Sorted(maps.Keys(s.open)) {
		if e := c.finish(s, k); e != nil && err == nil {
			err = e
		}
	}
	c.mu.Lock()
	delete(c.states, b.File.Index)
	c.st.Files++
	if s.failed {
		c.st.FilesFailed++
	}
	c.st.Events += s.rows
	c.done[b.File.Index] = s
	for {
		d, ok := c.done[c.nextErr]
		if !ok {
			break
		}
		delete(c.done, c.nextErr)
		c.nextErr++
		if c.o.OnInputError != nil {
			for _, e := range d.errs {
				c.o.OnInputError(e)
			}
		}
	}
	c.mu.Unlock()
	if err != nil {
		return c.fail(err)
	}
	return nil
}

func (c *converter) fail(err error) error {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	return err
}

// log is @log as a query sees it: owner:group, or the group alone.
func (c *converter) log(r *scan.Record) string {
	group, owner := r.Group, r.Owner
	if group == "" {
		group = c.o.LogGroup
	}
	if owner == "" {
		owner = c.o.Account
	}
	if group == "" {
		return ""
	}
	if owner == "" {
		return group
	}
	return owner + ":" + group
}

// partition is the partition folder of an event, relative to the dataset's root ("" without
// partitions).
func (c *converter) partition(r *scan.Record, stream string) string {
	var b []byte
	var t time.Time
	if r.HasTime {
		t = time.UnixMilli(r.Time).UTC()
	}
	for i, k := range c.o.PartitionBy {
		if i > 0 {
			b = append(b, '/')
		}
		b = append(b, k.Dir()...)
		b = append(b, '=')
		switch {
		case k == KeyStream:
			b = append(b, StreamKind(stream)...)
		case !r.HasTime:
			b = append(b, NullPartition...)
		case k == KeyDate:
			b = t.AppendFormat(b, "2006-01-02")
		default:
			b = t.AppendFormat(b, "15")
		}
	}
	return string(b)
}

// writer returns the open part file of the event's partition, starting one if needed.
func (c *converter) writer(s *fileState, part string) (*partWriter, error) {
	if w := s.open[part]; w != nil {
		return w, nil
	}
	if len(s.open) >= maxOpen {
		// Finish the least recently used; ties cannot happen (each row goes to one file).
		var lru string
		for k, w := range s.open {
			if lru == "" || w.lastRow < s.open[lru].lastRow {
				lru = k
			}
		}
		if err := c.finish(s, lru); err != nil {
			return nil, err
		}
	}
	dir := filepath.Join(c.o.Dir, filepath.FromSlash(part))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	n := s.counts[part]
	s.counts[part] = n + 1
	name := fmt.Sprintf("%s%s-%06d-%03d.parquet", PartPrefix, c.list, s.file.Index, n)
	tmp := filepath.Join(dir, "."+name+".tmp")
	w, err := newPartWriter(tmp, filepath.Join(dir, name), c.cfg)
	if err != nil {
		return nil, err
	}
	s.open[part] = w
	return w, nil
}

// closeIdle finishes the part files that have had no event for idleRows events of the input.
func (c *converter) closeIdle(s *fileState) error {
	for _, k := range slices.Sorted(maps.Keys(s.open)) {
		if s.rows-s.open[k].lastRow >= idleRows {
			if err := c.finish(s, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *converter) finish(s *fileState, part string) error {
	w := s.open[part]
	delete(s.open, part)
	err := w.close()
	c.mu.Lock()
	c.finished = append(c.finished, w)
	c.mu.Unlock()
	return err
}

// abort removes every temporary file: those finished and those still open after a failure.
func (c *converter) abort() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range c.finished {
		os.Remove(w.tmp)
	}
	for _, s := range c.states {
		for _, w := range s.open {
			w.abort()
		}
	}
}

// commit renames the part files into place, then removes the part files of an earlier run of
// the same input list (and shard range) that this run did not write again, and temporary files
// such a run left behind when it was killed.
func (c *converter) commit(lo, hi int) error {
	slices.SortFunc(c.finished, func(a, b *partWriter) int { return strings.Compare(a.final, b.final) })
	for _, w := range c.finished {
		if err := os.Rename(w.tmp, w.final); err != nil {
			// Leave no temporary file behind; the renamed ones are complete files.
			for _, v := range c.finished {
				os.Remove(v.tmp)
			}
			return err
		}
		c.written[w.final] = true
		c.dirs[filepath.Dir(w.final)] = true
	}
	c.st.PartFiles = len(c.finished)
	c.st.Partitions = len(c.dirs)
	prefix := PartPrefix + c.list + "-"
	return filepath.WalkDir(c.o.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".auditgrep-tmp-") {
				return filepath.SkipDir
			}
			return nil
		}
		name := strings.TrimPrefix(d.Name(), ".")
		if !strings.HasPrefix(name, prefix) || c.written[path] {
			return nil
		}
		// part-<list>-<file>-<n>.parquet[.tmp]
		rest := strings.TrimPrefix(name, prefix)
		idx, _, ok := strings.Cut(rest, "-")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || i < lo || i >= hi {
			return nil
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		if !strings.HasPrefix(d.Name(), ".") {
			c.st.Removed++
		}
		return nil
	})
}
