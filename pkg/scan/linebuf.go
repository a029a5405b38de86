package scan

import (
	"bytes"
	"fmt"
	"io"
)

// evState is where a CloudWatch export event stands while its lines are read.
type evState uint8

const (
	evNone     evState = iota
	evPending          // an event has started and may continue on the next lines
	evDropping         // the current event is dropped (too long, or outside the time range)
)

// lineFramer splits the decompressed content of a text, audit or export file into records.
//
// The content is read in blocks into buf and framed in place: a record's Message aliases buf, so
// the buffer is compacted (or grown, for a long line) only after the records pointing into it
// have been delivered. Bytes are copied only when a line spans a compaction.
type lineFramer struct {
	w      *worker
	format Format
	max    int

	buf []byte
	// buf[pos:end] is the content not framed yet; buf[pos:from] is known to hold no newline.
	pos, from, end int
	// base is the content offset of buf[0].
	base int64
	// lineNo is the number of lines framed so far.
	lineNo int64
	// skipping is set while the rest of an over-long line is discarded.
	skipping bool

	// The CloudWatch export event being gathered: its message is buf[evStart:evEnd].
	ev             evState
	evStart, evEnd int
	evLine         int64
	evTime         int64
}

func (w *worker) frameLines() error {
	f := lineFramer{w: w, format: w.format, max: w.s.opts.MaxLineBytes, buf: w.buf[:cap(w.buf)]}
	err := f.run()
	w.buf = f.buf
	return err
}

func (f *lineFramer) run() error {
	var rerr error
	for {
		for {
			i := bytes.IndexByte(f.buf[f.from:f.end], '\n')
			if i < 0 {
				f.from = f.end
				break
			}
			ls, le := f.pos, f.from+i
			f.pos, f.from = le+1, le+1
			f.lineNo++
			if f.skipping {
				f.skipping = false
				continue
			}
			if err := f.line(ls, le); err != nil {
				return err
			}
		}
		if rerr != nil {
			break
		}
		if f.w.stdin && len(f.w.recs) > 0 {
			// Stdin may be a stream that pauses (tail -f, a terminal): what has arrived is
			// delivered before waiting for more.
			if err := f.w.emit(false); err != nil {
				return err
			}
		}
		if err := f.checkLong(); err != nil {
			return err
		}
		if err := f.makeRoom(); err != nil {
			return err
		}
		if f.w.s.stopped.Load() {
			return errStopped
		}
		var n int
		n, rerr = f.w.raw.Read(f.buf[f.end:])
		f.end += n
	}

	if rerr == io.EOF {
		// A final line without a newline is an event.
		if !f.skipping && f.pos < f.end {
			f.lineNo++
			ls, le := f.pos, f.end
			f.pos, f.from = f.end, f.end
			if err := f.line(ls, le); err != nil {
				return err
			}
		}
		if err := f.endEvent(); err != nil {
			return err
		}
		return f.w.emit(true)
	}

	// The stream is damaged: the complete lines before the damage have been framed; a partial
	// line may be cut anywhere, so it is reported, not emitted.
	partial := 0
	if !f.skipping {
		partial = f.end - f.pos
	}
	if err := f.endEvent(); err != nil {
		return err
	}
	f.w.errs = append(f.w.errs, f.w.streamError(rerr, f.lineNo+1, partial))
	return f.w.emit(true)
}

// line frames the line buf[ls:le] (without its newline), number f.lineNo.
func (f *lineFramer) line(ls, le int) error {
	if le > ls && f.buf[le-1] == '\r' {
		le--
	}
	if f.format == FormatExport {
		if t, ok := exportTime(f.buf[ls:le]); ok {
			if err := f.endEvent(); err != nil {
				return err
			}
			switch {
			case le-ls > f.max:
				f.tooLong(ls, f.lineNo)
				f.ev = evDropping
			case f.outOfRange(t):
				f.ev = evDropping
			default:
				f.ev, f.evStart, f.evEnd, f.evLine, f.evTime = evPending, ls+exportTSLen+1, le, f.lineNo, t
			}
			return nil
		}
		switch f.ev {
		case evPending:
			// A continuation line. Blank lines inside the event are kept, trailing ones are not.
			if le > ls {
				if le-f.evStart > f.max {
					f.tooLong(f.evStart-exportTSLen-1, f.evLine)
					f.ev = evDropping
					return nil
				}
				f.evEnd = le
			}
			return nil
		case evDropping:
			return nil
		}
		// Lines before the first timestamped one are events without a timestamp.
	}
	if le == ls {
		return nil
	}
	if le-ls > f.max {
		f.tooLong(ls, f.lineNo)
		return nil
	}
	r := Record{Message: f.buf[ls:le], Line: f.lineNo, Stream: f.w.file.Stream}
	if f.format == FormatAudit {
		r.Time, r.HasTime = auditTime(r.Message)
	}
	return f.w.add(r)
}

func (f *lineFramer) outOfRange(t int64) bool {
	o := f.w.s.opts
	return o.HasTimeRange && (t < o.TimeMin || t > o.TimeMax)
}

// endEvent delivers the pending CloudWatch export event, if any.
func (f *lineFramer) endEvent() error {
	if f.ev != evPending {
		f.ev = evNone
		return nil
	}
	f.ev = evNone
	return f.w.add(Record{Time: f.evTime, HasTime: true, Message: f.buf[f.evStart:f.evEnd],
		Line: f.evLine, Stream: f.w.file.Stream})
}

// tooLong reports the line (or export event) starting at buf[off], number line, as skipped.
func (f *lineFramer) tooLong(off int, line int64) {
	f.w.errs = append(f.w.errs, &InputError{Path: f.w.file.Path, Offset: f.base + int64(off),
		CompressedOffset: -1, Line: line,
		Err: fmt.Errorf("%w: more than %d bytes; skipped", ErrLineTooLong, f.max)})
}

// checkLong handles a partial line (no newline yet in buf[pos:end]) that is already over the
// cap: it is reported and its bytes are discarded as they arrive, until its newline.
func (f *lineFramer) checkLong() error {
	if f.skipping {
		f.pos = f.end
		return nil
	}
	partial := f.end - f.pos
	if f.format == FormatExport && f.ev == evPending && f.end-f.evStart > f.max {
		if partial <= exportTSLen {
			return nil // not known yet whether the partial line starts a new event
		}
		if _, ok := exportTime(f.buf[f.pos:f.end]); !ok {
			// A continuation line makes the event too long.
			f.tooLong(f.evStart-exportTSLen-1, f.evLine)
			f.ev = evDropping
			f.skipping = true
			f.pos = f.end
			return nil
		}
		// The partial line starts a new event: the pending one is complete.
		if err := f.endEvent(); err != nil {
			return err
		}
	}
	if partial <= f.max {
		return nil
	}
	if f.format == FormatExport {
		if _, ok := exportTime(f.buf[f.pos:f.end]); ok {
			if err := f.endEvent(); err != nil {
				return err
			}
			f.tooLong(f.pos, f.lineNo+1)
			f.ev = evDropping
		} else if f.ev == evNone {
			f.tooLong(f.pos, f.lineNo+1)
		}
		// Continuation of a dropped event: dropped silently with it.
	} else {
		f.tooLong(f.pos, f.lineNo+1)
	}
	f.skipping = true
	f.pos = f.end
	return nil
}

// makeRoom makes sure at least minRead bytes are free at the end of buf: it delivers the records
// pointing into buf, moves the unframed bytes to the front, and grows buf if they fill it.
func (f *lineFramer) makeRoom() error {
	if len(f.buf)-f.end >= minRead {
		return nil
	}
	keep := f.pos
	if f.ev == evPending && f.evStart < keep {
		keep = f.evStart
	}
	if len(f.w.recs) > 0 {
		if err := f.w.emit(false); err != nil {
			return err
		}
	}
	if keep > 0 {
		f.end = copy(f.buf, f.buf[keep:f.end])
		f.pos -= keep
		f.from -= keep
		f.evStart -= keep
		f.evEnd -= keep
		f.base += int64(keep)
	}
	if len(f.buf)-f.end < minRead {
		// Only a line (or an export event) near the cap fills the buffer: grow it, but never
		// much beyond what the cap can need.
		n := min(2*len(f.buf), f.max+exportTSLen+2*minRead)
		n = max(n, f.end+minRead)
		nb := make([]byte, n)
		copy(nb, f.buf[:f.end])
		f.buf = nb
	}
	return nil
}
