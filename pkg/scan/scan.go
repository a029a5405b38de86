// Package scan finds, decompresses and frames input files into records, in parallel.
//
// It knows nothing about queries: it turns paths into an ordered list of files and each file into
// batches of records, and hands the batches to a callback. The callback decides what to do with
// them (pkg/match evaluates a query over them).
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Format is the framing of a file's decompressed content, detected from its first bytes.
type Format uint8

const (
	// FormatText is any other text: one event per line, @message only.
	FormatText Format = iota
	// FormatExport is a CloudWatch export object: "<YYYY-MM-DDTHH:MM:SS.mmmZ> <message>" lines;
	// a line without that prefix continues the previous event.
	FormatExport
	// FormatAudit is a kube-apiserver audit log file: one JSON object per line.
	FormatAudit
	// FormatFirehose is a Firehose delivery of CloudWatch subscription envelopes.
	FormatFirehose
)

func (f Format) String() string {
	switch f {
	case FormatExport:
		return "cloudwatch-export"
	case FormatAudit:
		return "audit-jsonl"
	case FormatFirehose:
		return "firehose"
	}
	return "text"
}

// File is one input, in the sorted input list.
type File struct {
	// Index is the file's position in the input list; output is ordered by it.
	Index int
	// Path is the path as given or walked; "-" for stdin.
	Path string
	// Stream is the @logStream the file's records get unless their framing carries one
	// (the name of the folder holding a CloudWatch export object, or the file's base name).
	Stream string
	// Size is the file's size as stored (compressed) when known from the walk, else 0 (stdin).
	Size int64
}

// Record is one log event. Message aliases a buffer that is reused after the callback returns:
// a consumer that keeps it must copy it.
type Record struct {
	// Time is @timestamp in epoch milliseconds; valid when HasTime.
	Time    int64
	HasTime bool
	// Message is the event text (@message), without the export timestamp prefix and without
	// the line terminator.
	Message []byte
	// Line is the 1-based line number of the event's first line in the decompressed file (for
	// Firehose deliveries: the 1-based index of the event in the file).
	Line int64
	// Stream is @logStream.
	Stream string
	// Group and Owner are the log group and account when the framing carries them (Firehose).
	Group, Owner string
}

// Batch is a run of consecutive records of one file. Batches, of one file or of different files,
// may reach the callback concurrently and out of order: a consumer that needs input order sorts
// by (File.Index, Seq).
// Every file, including one that could not be opened or was skipped, ends with exactly one batch
// with Last set, so that a consumer reordering output by (File.Index, Seq) never waits forever.
type Batch struct {
	File    *File
	Seq     int
	Format  Format
	Records []Record
	// Buf, when set, is the buffer the messages of Records lie in, in record order, so that a
	// consumer can search the whole batch at once (a literal prefilter) and map hits back to
	// records by offset.
	Buf []byte
	// Errs are the problems met while producing this batch: lines skipped for being too long,
	// and on the last batch the error that stopped reading the file. Each is an *InputError.
	Errs []error
	// Last marks the final batch of File.
	Last bool
	// Skipped is set on the last batch of a file that was not read because Options.KeepStream
	// rejected it.
	Skipped bool
	// CompressedBytes and RawBytes count the input consumed for this batch, before and after
	// decompression.
	CompressedBytes, RawBytes int64
}

// InputError is a problem with one input, located as precisely as the input allows.
type InputError struct {
	Path string
	// Offset is the offset in the decompressed stream, or -1 when unknown.
	Offset int64
	// CompressedOffset is the offset in the file as stored, or -1 when unknown or the same.
	CompressedOffset int64
	// Line is the 1-based line number, or 0 when unknown.
	Line int64
	Err  error
}

func (e *InputError) Error() string {
	s := e.Path
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	switch {
	case e.Offset >= 0 && e.CompressedOffset >= 0:
		s += fmt.Sprintf(": at byte %d (compressed byte %d)", e.Offset, e.CompressedOffset)
	case e.Offset >= 0:
		s += fmt.Sprintf(": at byte %d", e.Offset)
	}
	return s + ": " + e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// Options control a scan. The zero value is usable.
type Options struct {
	// Workers is the number of files read at once; <= 0 means runtime.GOMAXPROCS(0).
	Workers int
	// MaxLineBytes is the longest line accepted; a longer one is reported and skipped.
	// <= 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// BatchBytes is the target amount of message bytes per batch; <= 0 means DefaultBatchBytes.
	BatchBytes int
	// KeepStream, when set, is asked about each file's Stream once its format is known (after
	// the first block is peeked); a file it rejects is not read further (its last batch has
	// Skipped set). For Firehose deliveries, whose envelopes carry their own streams, it is asked
	// per envelope and the rejected envelopes' events are dropped.
	KeepStream func(stream string) bool
	// Stdin is read for the path "-"; nil means no stdin.
	Stdin io.Reader
	// TimeMin and TimeMax bound @timestamp (epoch milliseconds, both inclusive) when HasTimeRange
	// is set: a record that has a timestamp outside the range is dropped before it reaches the
	// callback. Records without a timestamp are kept. For CloudWatch export lines the decision is
	// made from the timestamp prefix, before the message is looked at.
	TimeMin, TimeMax int64
	HasTimeRange     bool
	// DropUntimed, with HasTimeRange, drops the records that have no timestamp too (lines of
	// plain text files, audit events without stageTimestamp or requestReceivedTimestamp): a
	// time-ranged query then returns only events known to be in the range.
	DropUntimed bool
	// GzipCommand, when set, is an external gzip decompressor run as `GzipCommand -dc` with the
	// compressed bytes on its standard input, such as ISA-L's igzip. The built-in decoder
	// (internal/inflate) is about as fast as igzip on one core; a child process per file only
	// pays when cores are idle. Its exit status tells a truncated or corrupt input.
	GzipCommand string
	// OnFiles, when set, is called once with the expanded input list before any file is read
	// (a progress display learns the total size from File.Size). It must not keep the slice.
	OnFiles func(files []File)
	// FileLo and FileHi, when HasFileRange is set, restrict the scan to the files at positions
	// [FileLo, FileHi) of the expanded input list (a shard of a sharded run). The files keep
	// their Index in the whole list, so event positions are the same as in a run over all of it.
	FileLo, FileHi int
	HasFileRange   bool
}

// ErrFileRange is returned by Scan when Options.FileLo/FileHi do not fit the expanded input
// list (the inputs changed since the range was computed).
var ErrFileRange = errors.New("file range does not fit the input list")

// Expand returns the input list Scan would read for paths: directories walked recursively in
// lexical order, "-" as stdin, files reached twice listed once. Paths that cannot be used are in
// the list too, with Size 0.
func Expand(paths []string, haveStdin bool) []File {
	files, _ := expand(paths, haveStdin)
	return files
}

const (
	// DefaultMaxLineBytes is the default cap on one line: RequestResponse audit events reach
	// megabytes, so the cap is far above them and exists only to bound memory on garbage input.
	DefaultMaxLineBytes = 64 << 20
	// DefaultBatchBytes balances per-batch overhead against memory held per worker. A batch
	// small enough to stay in a core's L2 cache between framing and the query measured faster
	// than 1 MiB (a 5-field projection of the 1 GiB bench export: median CPU 3.49 s vs 3.91 s;
	// a stats query: no difference).
	DefaultBatchBytes = 256 << 10
)

// ErrLineTooLong is wrapped by the *InputError reported for a line (or a CloudWatch export event)
// longer than Options.MaxLineBytes; the line is skipped and reading goes on.
var ErrLineTooLong = errors.New("line too long")

// ErrTruncated is wrapped by the *InputError that ends a file whose compressed stream is truncated
// or corrupt. The complete events before the damage have been delivered; a partial last line has not.
var ErrTruncated = errors.New("truncated or corrupt compressed stream")

// ErrBinary is wrapped by the *InputError reported for a file whose decompressed content has a
// NUL byte in its first 8 KiB: log files have none, so the file is taken for binary and skipped
// (no records). InputError.Offset is the offset of the first NUL byte.
var ErrBinary = errors.New("binary content")

// ErrStop may be returned by a batch callback to end the scan early without an error.
var ErrStop = fmt.Errorf("scan stopped")

// Scan expands paths into files (directories walked recursively in lexical order, "-" for stdin,
// CloudWatch's aws-logs-write-test probe objects skipped), reads up to Options.Workers files at
// once, and calls fn for every batch. fn is called concurrently from several goroutines; worker
// is in [0, Workers) and identifies the calling goroutine, so fn can keep per-worker state. fn
// must not keep references into Batch.Records after it returns.
//
// If fn returns an error, the scan stops and Scan returns it (nil for ErrStop). Problems with
// inputs are not returned: they reach fn as Batch.Errs, in file order.
func Scan(ctx context.Context, paths []string, opts Options, fn func(worker int, b *Batch) error) error {
	opts = opts.withDefaults()
	files, inputs := expand(paths, opts.Stdin != nil)
	if opts.HasFileRange {
		if opts.FileLo < 0 || opts.FileLo > opts.FileHi || opts.FileHi > len(files) {
			return fmt.Errorf("%w: files [%d, %d) of %d", ErrFileRange, opts.FileLo, opts.FileHi, len(files))
		}
		files, inputs = files[opts.FileLo:opts.FileHi], inputs[opts.FileLo:opts.FileHi]
	}
	if opts.OnFiles != nil {
		opts.OnFiles(files)
	}
	if len(files) == 0 {
		return ctx.Err()
	}
	if opts.Stdin != nil {
		opts.Stdin = newCtxReader(ctx, opts.Stdin)
	}
	s := &scanner{ctx: ctx, opts: &opts, files: files, inputs: inputs, fn: fn}
	stopCtx := context.AfterFunc(ctx, func() { s.fail(context.Cause(ctx)) })
	defer stopCtx()
	if err := ctx.Err(); err != nil {
		return err
	}

	// Readers decompress and frame files; evaluators run fn. Splitting the two lets several
	// cores work on one large file (a plain audit.log of gigabytes), and lets a reader go on
	// decompressing while its previous batch is evaluated. Batches move between them in buffers
	// of their own from a bounded free list, which keeps memory flat.
	//
	// With at least twice as many files as workers, every worker has files of its own for
	// nearly the whole run, and the hand-off would only add a copy of every batch: readers then
	// call fn themselves.
	readers := min(opts.Workers, len(files))
	evaluators := opts.Workers
	if len(files) >= 2*opts.Workers || opts.Workers == 1 {
		// -j 1 means one goroutine doing everything, as the user asked.
		evaluators = 0
	}
	pool := 2*evaluators + readers
	if evaluators > 0 {
		s.work = make(chan *ownedBatch, evaluators)
		s.free = make(chan *ownedBatch, pool)
		for range pool {
			s.free <- new(ownedBatch)
		}
	}
	var ewg sync.WaitGroup
	for id := range evaluators {
		ewg.Add(1)
		go func() {
			defer ewg.Done()
			for ob := range s.work {
				if !s.stopped.Load() {
					if err := s.fn(id, &ob.b); err != nil {
						s.fail(err)
					}
				}
				ob.release()
				s.free <- ob
			}
		}()
	}
	var wg sync.WaitGroup
	for id := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(id, s)
			defer w.close()
			for !s.stopped.Load() {
				i := int(s.next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				if err := w.scanFile(i); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if s.work != nil {
		close(s.work)
	}
	ewg.Wait()
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = DefaultBatchBytes
	}
	return o
}

// scanner is the state shared by the workers of one Scan.
type scanner struct {
	ctx    context.Context
	opts   *Options
	files  []File
	inputs []input
	fn     func(worker int, b *Batch) error

	// work carries batches from readers to evaluators; free holds the batch buffers not in use.
	work, free chan *ownedBatch

	// next is the index of the next file to hand out.
	next    atomic.Int64
	stopped atomic.Bool

	mu  sync.Mutex
	err error
}

// errStopped is returned inside a worker once the scan has been stopped, to unwind it.
var errStopped = errors.New("scan: stopped")

// fail records the first error that stops the scan and makes every worker stop at its next batch.
func (s *scanner) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.stopped.Store(true)
}

// deliver hands b to the callback unless the scan has been stopped.
func (s *scanner) deliver(worker int, b *Batch) error {
	if s.stopped.Load() {
		return errStopped
	}
	// The AfterFunc set by Scan stops workers that deliver nothing; this stops the others at once.
	if s.ctx.Err() != nil {
		s.fail(context.Cause(s.ctx))
		return errStopped
	}
	if s.work == nil {
		// Direct: the batch aliases the reader's buffers, valid until fn returns.
		if err := s.fn(worker, b); err != nil {
			s.fail(err)
			return errStopped
		}
		return nil
	}
	ob := <-s.free
	ob.fill(b)
	s.work <- ob
	return nil
}

// ownedBatch is a batch whose records point into a buffer of its own, so that it can be
// evaluated while the reader that framed it reuses its buffers.
type ownedBatch struct {
	b    Batch
	recs []Record
	buf  []byte
}

// fill copies b, messages included. The messages are laid out in one buffer in record order, so
// the records of a batch always alias one buffer in order (see Batch).
func (ob *ownedBatch) fill(b *Batch) {
	total := 0
	for i := range b.Records {
		total += len(b.Records[i].Message)
	}
	if cap(ob.buf) < total {
		ob.buf = make([]byte, 0, total+total/4)
	}
	buf := ob.buf[:0]
	recs := ob.recs[:0]
	for _, r := range b.Records {
		start := len(buf)
		buf = append(buf, r.Message...)
		r.Message = buf[start:len(buf):len(buf)]
		recs = append(recs, r)
	}
	ob.buf, ob.recs = buf, recs
	ob.b = *b
	ob.b.Records = recs
	ob.b.Buf = buf
}

// release drops the references the batch holds, and its buffer if it grew for a huge event, so
// that one multi-megabyte line does not pin memory for the rest of the scan.
func (ob *ownedBatch) release() {
	clear(ob.recs)
	ob.b = Batch{}
	if cap(ob.buf) > 4*DefaultBatchBytes {
		ob.buf = nil
	}
}
