package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/auditgrep/auditgrep/internal/inflate"
	"github.com/klauspost/compress/zstd"
)

// Buffer sizes. The line buffer holds a whole batch of messages plus room to read into; it grows
// for long lines up to MaxLineBytes and shrinks back after a file that made it large.
const (
	// readBufSize is the size of the buffered readers in front of the file and the decompressors,
	// and the most of the decompressed content looked at to detect the framing.
	readBufSize = 64 << 10
	// minRead is the least free space the line buffer reads into; less than that and the buffer
	// is compacted or grown first.
	minRead = 32 << 10
	// shrinkAbove is the line buffer capacity above its initial size that is released after a file.
	shrinkAbove = 8 << 20
	// binaryProbe is how much of the decompressed content is looked at for a NUL byte, the sign
	// of a binary file.
	binaryProbe = 8 << 10
)

// worker reads files one at a time with buffers and decompressors it owns for its lifetime.
type worker struct {
	id int
	s  *scanner

	br1, br2, br3 *bufio.Reader
	gz1, gz2      *inflate.Reader
	zd            *zstd.Decoder
	// ext is the running external decompressor (Options.GzipCommand) of the current file.
	ext *extGzip

	// comp counts the bytes read from the file; raw the decompressed bytes taken by the framer.
	comp, raw countReader

	buf   []byte
	arena []byte // Firehose message bytes

	// Per-file state.
	file       *File
	compressed string // "gzip", "zstd" or ""
	binaryAt   int64  // offset of the NUL byte that makes the content binary, or -1
	stdin      bool   // the file is stdin: records are delivered as soon as they are read
	format     Format
	seq        int
	recs       []Record
	errs       []error
	msgBytes   int
	sentComp   int64
	sentRaw    int64
	batch      Batch
}

func newWorker(id int, s *scanner) *worker {
	return &worker{
		id:  id,
		s:   s,
		br1: bufio.NewReaderSize(nil, readBufSize),
		br2: bufio.NewReaderSize(nil, readBufSize),
		br3: bufio.NewReaderSize(nil, readBufSize),
		buf: make([]byte, s.initialBufSize()),
	}
}

func (s *scanner) initialBufSize() int {
	return s.opts.BatchBytes + s.opts.BatchBytes/4 + 2*minRead
}

func (w *worker) close() {
	if w.zd != nil {
		w.zd.Close()
	}
}

// countReader counts the bytes read through it and keeps the first error other than io.EOF, so
// that a damaged stream is reported once and the same way whoever met it first.
type countReader struct {
	r   io.Reader
	n   int64 // atomic: with --decompressor, a goroutine feeding the child process reads comp
	err error
}

// count is the number of bytes read so far; safe while another goroutine reads.
func (c *countReader) count() int64 { return atomic.LoadInt64(&c.n) }

func (c *countReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	atomic.AddInt64(&c.n, int64(n))
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// scanFile reads the file at index i and delivers its batches. It returns an error only when the
// scan has been stopped.
func (w *worker) scanFile(i int) error {
	f := &w.s.files[i]
	in := w.s.inputs[i]
	w.file, w.compressed, w.format, w.seq = f, "", FormatText, 0
	w.recs, w.errs, w.msgBytes = w.recs[:0], nil, 0
	w.sentComp, w.sentRaw = 0, 0
	w.comp, w.raw = countReader{}, countReader{}
	w.binaryAt = -1
	w.stdin = in.stdin
	defer w.release()

	if in.err != nil {
		w.errs = append(w.errs, in.err)
		return w.emit(true)
	}
	var src io.Reader
	if in.stdin {
		src = w.s.opts.Stdin
	} else {
		fh, err := os.Open(f.Path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
			}
			w.errs = append(w.errs, &InputError{Path: f.Path, Offset: -1, CompressedOffset: -1, Err: err})
			return w.emit(true)
		}
		defer fh.Close()
		src = fh
	}
	w.comp.r = src

	if err := w.open(); err != nil {
		w.errs = append(w.errs, &InputError{Path: f.Path, Offset: 0, CompressedOffset: w.comp.count(), Line: 1,
			Err: fmt.Errorf("%w: %s header: %w", ErrTruncated, w.compressed, err)})
		return w.emit(true)
	}
	if w.binaryAt >= 0 {
		w.errs = append(w.errs, &InputError{Path: f.Path, Offset: w.binaryAt, CompressedOffset: -1,
			Err: fmt.Errorf("%w (NUL byte in the first %d KiB of content); file skipped", ErrBinary, binaryProbe>>10)})
		return w.emit(true)
	}
	if w.format == FormatFirehose {
		// Each envelope names its own stream: KeepStream is asked per envelope.
		return w.frameFirehose()
	}
	// The file's stream is every record's stream only once the framing is known not to carry
	// its own, so the decision waits for format detection (one peeked block).
	if keep := w.s.opts.KeepStream; keep != nil && !keep(f.Stream) {
		w.batch = Batch{File: f, Last: true, Skipped: true, CompressedBytes: w.comp.count()}
		return w.s.deliver(w.id, &w.batch)
	}
	return w.frameLines()
}

// release drops what a file made the worker hold: the reader chain and an oversized line buffer.
func (w *worker) release() {
	if w.ext != nil {
		w.ext.stop()
		w.ext = nil
	}
	w.br1.Reset(nil)
	w.br2.Reset(nil)
	w.br3.Reset(nil)
	w.comp.r, w.raw.r = nil, nil
	if cap(w.buf) > w.s.initialBufSize()+shrinkAbove {
		w.buf = make([]byte, w.s.initialBufSize())
	}
	if cap(w.arena) > shrinkAbove {
		w.arena = nil
	}
	clear(w.recs[:cap(w.recs)]) // drop references into released buffers
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

func isZstd(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd
}

// open sets up decompression from the first bytes of the file (never its name), detects the
// framing from the first bytes of the content, and points w.raw at the content. The error is
// that of a compressed stream whose header cannot be read.
func (w *worker) open() error {
	w.br1.Reset(&w.comp)
	magic, _ := w.br1.Peek(4)
	content := w.br1
	switch {
	case isGzip(magic) && w.s.opts.GzipCommand != "":
		w.compressed = "gzip"
		ext, err := startExtGzip(w.s.opts.GzipCommand, w.br1)
		if err != nil {
			return err
		}
		w.ext = ext
		w.br2.Reset(ext)
		if content, err = w.innerGzip(); err != nil {
			return err
		}
	case isGzip(magic):
		w.compressed = "gzip"
		if w.gz1 == nil {
			w.gz1 = new(inflate.Reader)
		}
		if err := w.gz1.Reset(w.br1); err != nil {
			return err
		}
		w.br2.Reset(w.gz1)
		var err error
		if content, err = w.innerGzip(); err != nil {
			return err
		}
	case isZstd(magic):
		w.compressed = "zstd"
		if w.zd == nil {
			zd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return err
			}
			w.zd = zd
		}
		if err := w.zd.Reset(w.br1); err != nil {
			return err
		}
		w.br2.Reset(w.zd)
		content = w.br2
	}
	var head []byte
	var err error
	if w.stdin {
		head, err = peekLine(content)
	} else {
		head, err = content.Peek(readBufSize)
	}
	if i := bytes.IndexByte(head[:min(len(head), binaryProbe)], 0); i >= 0 {
		// Log files hold no NUL bytes; a file that does is binary (or not a log at all), and its
		// "lines" would be noise. It is reported and skipped.
		w.binaryAt = int64(i)
		return nil
	}
	w.format = detectFormat(head)
	w.raw.r = content
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		// bufio hands a read error out once; make the framer meet it after the peeked bytes.
		w.raw.r = &errAfter{r: content, err: err}
	}
	return nil
}

// peekLine peeks at the first bytes of a stream that may be slow (stdin from a pipe or a terminal):
// as soon as they hold a non-blank line, the framing can be decided, so it does not wait for more
// (a file peeks at up to readBufSize bytes). It returns at most readBufSize bytes.
func peekLine(r *bufio.Reader) ([]byte, error) {
	n := 1
	for {
		head, err := r.Peek(n)
		if err != nil || len(head) >= readBufSize {
			return head, err
		}
		head, _ = r.Peek(r.Buffered()) // Peek(n) returns n bytes; take all that have come
		if bytes.IndexByte(bytes.TrimLeft(head, "\r\n\t "), '\n') >= 0 {
			return head, nil
		}
		n = r.Buffered() + 1
	}
}

// innerGzip returns the content behind the first gzip layer (in br2): Firehose deliveries are
// sometimes gzipped again as a whole, so a second layer is unwrapped too.
func (w *worker) innerGzip() (*bufio.Reader, error) {
	if m, _ := w.br2.Peek(2); !isGzip(m) {
		return w.br2, nil
	}
	if w.gz2 == nil {
		w.gz2 = new(inflate.Reader)
	}
	if err := w.gz2.Reset(w.br2); err != nil {
		return nil, err
	}
	w.br3.Reset(w.gz2)
	return w.br3, nil
}

// errAfter reads r and turns its io.EOF into err: the error a bufio.Reader reported from Peek and
// will not report again.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		err = e.err
	}
	return n, err
}

// emit delivers the records gathered so far as the file's next batch.
func (w *worker) emit(last bool) error {
	w.batch = Batch{
		File:            w.file,
		Seq:             w.seq,
		Format:          w.format,
		Records:         w.recs,
		Errs:            w.errs,
		Last:            last,
		CompressedBytes: w.comp.count() - w.sentComp,
		RawBytes:        w.raw.count() - w.sentRaw,
	}
	w.seq++
	w.sentComp, w.sentRaw = w.comp.count(), w.raw.count()
	err := w.s.deliver(w.id, &w.batch)
	w.recs = w.recs[:0]
	w.errs = nil // the callback may keep the errors; never reuse their slice
	w.msgBytes = 0
	w.arena = w.arena[:0]
	return err
}

// add appends a record to the current batch, delivering the batch once it is full.
func (w *worker) add(r Record) error {
	if o := w.s.opts; o.HasTimeRange {
		if r.HasTime && (r.Time < o.TimeMin || r.Time > o.TimeMax) || !r.HasTime && o.DropUntimed {
			return nil
		}
	}
	w.recs = append(w.recs, r)
	w.msgBytes += len(r.Message)
	if w.msgBytes >= w.s.opts.BatchBytes {
		return w.emit(false)
	}
	return nil
}

// streamError is the error ending a file whose content could not be read to the end.
func (w *worker) streamError(err error, line int64, partial int) *InputError {
	e := &InputError{Path: w.file.Path, Offset: w.raw.count(), CompressedOffset: -1, Line: line}
	tail := ""
	if partial > 0 {
		tail = fmt.Sprintf(" (partial line of %d bytes not emitted)", partial)
	}
	if w.compressed != "" {
		e.CompressedOffset = w.comp.count()
		e.Err = fmt.Errorf("%w: %s: %w%s", ErrTruncated, w.compressed, err, tail)
	} else {
		e.Err = fmt.Errorf("read: %w%s", err, tail)
	}
	return e
}
