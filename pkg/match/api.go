package match

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// Compile parses an Insights query and plans it for running. A mistake in the query is returned
// as a *syntax.Error that locates it in text (offset and length), for a caret under it.
func Compile(text string, opts Options) (*Query, error) {
	q, err := syntax.Parse(text)
	if err != nil {
		return nil, err
	}
	return compileSyntax(q, opts)
}

// Input is what a run reads: files and folders, a stream, or events held in memory.
type Input struct {
	// Paths are files and folders (walked recursively), in the formats the CLI reads: gzipped
	// CloudWatch exports, Firehose deliveries, audit log files, JSON lines. "-" stands for
	// Reader (and Events).
	Paths []string
	// Reader is a stream in any of those formats (gzip is detected). It is read where "-"
	// appears in Paths, or alone when Paths is empty; it is not read otherwise.
	Reader io.Reader
	// Events are log events, one per element (an audit event's JSON, or a plain log line),
	// read after Reader as part of the same stream.
	Events []string
}

// scanArgs returns the scan's path list and its stdin.
func (in Input) scanArgs() ([]string, io.Reader) {
	paths := append([]string(nil), in.Paths...)
	dash := false
	for _, p := range paths {
		dash = dash || p == "-"
	}
	var readers []io.Reader
	if in.Reader != nil && (dash || len(paths) == 0) {
		readers = append(readers, in.Reader)
	}
	if len(in.Events) > 0 {
		var b bytes.Buffer
		if len(readers) > 0 {
			b.WriteByte('\n')
		}
		for _, e := range in.Events {
			b.WriteString(strings.TrimRight(e, "\r\n"))
			b.WriteByte('\n')
		}
		readers = append(readers, &b)
	}
	if len(readers) == 0 {
		if len(paths) == 0 {
			// Nothing to read: an empty stream, so that the run has no rows rather than an error.
			return []string{"-"}, strings.NewReader("")
		}
		return paths, nil
	}
	if !dash {
		paths = append(paths, "-")
	}
	return paths, io.MultiReader(readers...)
}

// RunOptions change how a compiled query runs. The zero value reads with all cores and reports
// input problems nowhere (they are still counted in RunStats).
type RunOptions struct {
	// Workers is how many files are read and evaluated at once (the CLI's -j); <= 0 means
	// runtime.GOMAXPROCS(0). The result does not depend on it.
	Workers int
	// Strict stops the run at the first input problem (the CLI's --strict): rows before it in
	// input order are written, none after it, and the run returns that problem as its error.
	Strict bool
	// OnInputError receives each problem with the input (a *scan.InputError naming the file and
	// the byte offset or line), in file order; the run goes on past it unless Strict.
	OnInputError func(error)
	// KeepRaw makes rows that are events carry their original message (Row.Raw).
	KeepRaw bool
	// OnBatch, when set, sees each batch of input before it is evaluated (for a progress
	// display); it is called concurrently from the workers.
	OnBatch func(*scan.Batch)
	// Scan tunes the reading: the longest line, an external gzip decompressor, the range of the
	// input list a shard reads (FileLo/FileHi), OnFiles. Its Workers, Stdin, KeepStream and
	// time-range fields are set from the query and the options above.
	Scan scan.Options
}

// Row is one result row. It owns its slices: they stay valid after the iteration moves on.
type Row struct {
	// Columns are the output columns, the same for every row of a run.
	Columns []string
	// Values are parallel to Columns; a Value of Kind Absent is a field the row does not have.
	Values []Value
	// Raw is the event's original message, for rows that are events and with KeepRaw.
	Raw []byte
}

// Get returns the value of the named column (Absent when the row has no such column).
func (r Row) Get(column string) Value {
	for i, c := range r.Columns {
		if c == column && i < len(r.Values) {
			return r.Values[i]
		}
	}
	return Value{}
}

// Syntax returns the parsed query the program was compiled from.
func (p *Query) Syntax() *syntax.Query { return p.q }

// Text is the query as it was given to Compile.
func (p *Query) Text() string { return p.q.Text }

// scanOptions completes ro.Scan for a run with the compile options opts.
func scanOptions(opts Options, ro *RunOptions) scan.Options {
	if ro.Workers <= 0 {
		ro.Workers = runtime.GOMAXPROCS(0)
	}
	so := ro.Scan
	so.Workers = ro.Workers
	if !opts.QueryStart.IsZero() || !opts.QueryEnd.IsZero() {
		// A run with a time range reads only the events inside it (inclusive), and no event
		// without a timestamp, as CloudWatch does.
		so.HasTimeRange, so.DropUntimed = true, true
		so.TimeMin, so.TimeMax = math.MinInt64>>1, math.MaxInt64>>1
		if !opts.QueryStart.IsZero() {
			so.TimeMin = opts.QueryStart.UnixMilli()
		}
		if !opts.QueryEnd.IsZero() {
			so.TimeMax = opts.QueryEnd.UnixMilli()
		}
	}
	return so
}

// Run evaluates the query over in and writes the result rows to w, in the order the CLI prints
// them. It returns the run's counters, and an error when the run could not finish: the context
// ended, w failed (the error wraps w's), the input list is unusable, or, with Strict, the first
// input problem. Problems with single files or lines are not errors: they go to OnInputError
// and the run goes on.
func (p *Query) Run(ctx context.Context, in Input, w Writer, ro RunOptions) (RunStats, error) {
	return p.run(ctx, in, w, ro, nil, nil)
}

// RunPartial runs one shard of a sharded run (see the README, "Beyond one machine"): the
// per-event half of the query over the shard's files, written to out as a partial result that
// Partials.Merge completes. h names the run and the shard; ro.Scan's file range is set from h.
func (p *Query) RunPartial(ctx context.Context, in Input, out io.Writer, h PartialHeader, ro RunOptions) (RunStats, error) {
	h.SetOptions(p.opts)
	if h.Query == "" {
		h.Query = p.q.Text
	}
	h.KeepRaw = ro.KeepRaw
	ro.Scan.FileLo, ro.Scan.FileHi, ro.Scan.HasFileRange = h.FileLo, h.FileHi, true
	return p.run(ctx, in, nil, ro, out, &h)
}

func (p *Query) run(ctx context.Context, in Input, w Writer, ro RunOptions, partOut io.Writer, part *PartialHeader) (RunStats, error) {
	so := scanOptions(p.opts, &ro)
	so.KeepStream = p.keepStream()
	paths, stdin := in.scanArgs()
	if stdin != nil {
		so.Stdin = stdin
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
	)
	var pending int64
	if pl, ok := w.(pendingLimiter); ok {
		pending = pl.PendingBytes()
	}
	var sw *strictWriter
	if ro.Strict && w != nil {
		sw = wrapStrict(w)
		w = sw
	}
	eo := execOptions{
		Workers:      ro.Workers,
		KeepRaw:      ro.KeepRaw,
		PendingBytes: pending,
		OnInputError: func(err error) {
			if ro.OnInputError != nil {
				ro.OnInputError(err)
			}
			if ro.Strict {
				if sw != nil {
					sw.stop()
				}
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
			}
		},
	}
	if so.HasFileRange {
		eo.FirstFile = so.FileLo
	}
	var x *executor
	if part != nil {
		var err error
		if x, err = newPartialExecutor(p, partOut, *part, eo); err != nil {
			return RunStats{}, err
		}
	} else {
		x = newExecutor(p, w, eo)
	}
	fn := x.Batch
	if ro.OnBatch != nil {
		fn = func(wid int, b *scan.Batch) error {
			ro.OnBatch(b)
			return x.Batch(wid, b)
		}
	}
	scanErr := scan.Scan(ctx, paths, so, fn)
	var (
		st   RunStats
		werr error
	)
	if part != nil {
		st, werr = x.FinishPartial()
	} else {
		st, werr = x.Finish()
	}
	if werr != nil {
		return st, fmt.Errorf("writing results: %w", werr)
	}
	mu.Lock()
	stopped := firstErr
	mu.Unlock()
	if stopped != nil {
		// The error wraps the *scan.InputError, so errors.As finds what stopped the run.
		return st, fmt.Errorf("stopped at the first input error (strict): %w", stopped)
	}
	return st, scanErr
}

// Rows runs the query over in and yields its rows in output order, then a final error if the run
// failed (see Run). Breaking out of the loop cancels the run and waits for it to stop.
func (p *Query) Rows(ctx context.Context, in Input, ro RunOptions) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch := make(chan Row, 64)
		done := make(chan error, 1)
		cw := &chanWriter{ch: ch, ctx: ctx}
		go func() {
			_, err := p.Run(ctx, in, cw, ro)
			close(ch)
			done <- err
		}()
		for r := range ch {
			if !yield(r, nil) {
				cancel()
				for range ch {
				}
				<-done
				return
			}
		}
		if err := <-done; err != nil {
			yield(Row{}, err)
		}
	}
}

// chanWriter hands cloned rows to Rows' loop.
type chanWriter struct {
	ch   chan Row
	ctx  context.Context
	cols []string
}

func (c *chanWriter) Begin(cols []string) error { c.cols = cols; return nil }
func (c *chanWriter) End() error                { return nil }
func (c *chanWriter) Row(vals []Value, raw []byte) error {
	r := Row{Columns: c.cols, Values: make([]Value, len(vals))}
	for i, v := range vals {
		r.Values[i] = v.Clone()
	}
	if raw != nil {
		r.Raw = append([]byte(nil), raw...)
	}
	select {
	case c.ch <- r:
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	}
}

// strictWriter drops every row once an input problem has been met under Strict: rows written
// before it stay, none after it (in input order) follow, and a query that aggregates or sorts
// writes nothing from a partial input.
type strictWriter struct {
	Writer
	stopped atomic.Bool
}

func wrapStrict(w Writer) *strictWriter { return &strictWriter{Writer: w} }

func (s *strictWriter) stop() { s.stopped.Store(true) }

func (s *strictWriter) Row(vals []Value, raw []byte) error {
	if s.stopped.Load() {
		return nil
	}
	return s.Writer.Row(vals, raw)
}

// Discover reads in and writes the discovered fields to w, like the console's "Discovered fields"
// panel: one row per field (system fields and flattened JSON leaves) with the columns field,
// type, count, percent and example, most frequent first. opts.LogGroup and opts.Account fill
// @log as in a query.
func Discover(ctx context.Context, in Input, w Writer, opts Options, ro RunOptions) (RunStats, error) {
	if ro.Workers <= 0 {
		ro.Workers = runtime.GOMAXPROCS(0)
	}
	d := newDiscoverer(ro.Workers, opts)
	d.OnInputError = ro.OnInputError
	so := scanOptions(opts, &ro)
	paths, stdin := in.scanArgs()
	if stdin != nil {
		so.Stdin = stdin
	}
	fn := d.Batch
	if ro.OnBatch != nil {
		fn = func(wid int, b *scan.Batch) error {
			ro.OnBatch(b)
			return d.Batch(wid, b)
		}
	}
	scanErr := scan.Scan(ctx, paths, so, fn)
	ds := d.Stats()
	st := RunStats{RecordsScanned: ds.Records, FilesRead: ds.Files, FilesFailed: ds.FilesFailed, FilesSkipped: ds.FilesSkipped}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	fields := d.Fields()
	werr := w.Begin([]string{"field", "type", "count", "percent", "example"})
	for _, f := range fields {
		if werr != nil {
			break
		}
		pct := 0.0
		if ds.Records > 0 {
			pct = float64(f.Count) * 100 / float64(ds.Records)
		}
		werr = w.Row([]Value{
			Str(f.Name), Str(strings.Join(f.Types, "|")), Num(float64(f.Count)),
			NumLexeme(pct, fmt.Sprintf("%.1f", pct)), Str(f.Example),
		}, nil)
		st.RowsOut++
	}
	if werr == nil {
		werr = w.End()
	}
	if werr != nil {
		return st, fmt.Errorf("writing results: %w", werr)
	}
	return st, scanErr
}
