package serve

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/internal/jsonstr"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// runRequest is a run as the page asks for it (the body of POST /api/run, the parameters of
// GET /api/download).
type runRequest struct {
	Query string `json:"query"`
	// Start and End bound @timestamp (RFC 3339; empty is an open end), like --start and --end.
	Start string `json:"start"`
	End   string `json:"end"`
	// Roots are the numbers of the served paths to read; none means all of them.
	Roots []string `json:"roots"`
}

// errorJSON is a refused request: a query error carries its position and caret rendering.
type errorJSON struct {
	Error string      `json:"error"`
	Query *queryError `json:"query,omitempty"`
}

// prepare turns a request into a compiled query and the files to read, or answers the request
// with what is wrong (400).
func (s *Server) prepare(w http.ResponseWriter, req runRequest) (*compiled, []root, bool) {
	if strings.TrimSpace(req.Query) == "" {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "no query given"})
		return nil, nil, false
	}
	spec := querySpec{Text: req.Query, LogGroup: s.cfg.LogGroup, Account: s.cfg.Account}
	var err error
	if spec.Start, err = parseTime(req.Start); err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "start: " + err.Error()})
		return nil, nil, false
	}
	if spec.End, err = parseTime(req.End); err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "end: " + err.Error()})
		return nil, nil, false
	}
	if !spec.Start.IsZero() && !spec.End.IsZero() && spec.Start.After(spec.End) {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "the time range is empty: start is after end"})
		return nil, nil, false
	}
	roots, err := pickRoots(s.roots, req.Roots)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: err.Error()})
		return nil, nil, false
	}
	c, err := compileQuery(spec)
	if err != nil {
		e := errorJSON{Error: "query error: " + err.Error()}
		if qe, ok := queryErrorOf(req.Query, err); ok {
			e.Error, e.Query = strings.SplitN(qe.Text, "\n", 2)[0], &qe
		}
		writeJSON(w, http.StatusBadRequest, e)
		return nil, nil, false
	}
	return c, roots, true
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2021-08-11T10:00:00Z)", s)
	}
	return t, nil
}

// maxEventBytes bounds the original message sent with one row for the event view; a longer one
// is cut (and says so).
const maxEventBytes = 1 << 20

// maxProblems bounds the problems listed one by one; the rest are counted.
const maxProblems = 200

// handleRun runs a query and streams the result as JSON lines (application/x-ndjson): "start",
// then "problem", "row", "progress" (with the histogram so far) in the order they happen, and
// "end" with the statistics line. The run ends when the request does: closing the page or
// pressing Cancel (which aborts the request, and calls /api/cancel too) stops it.
func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	var req runRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "request: " + err.Error()})
		return
	}
	c, roots, ok := s.prepare(w, req)
	if !ok {
		return
	}
	ctx, id, finish, ok := s.begin(w, r)
	if !ok {
		return
	}
	var res runResult
	defer func() { finish(res) }()

	files, total, probs := inputFiles(s.roots, roots)
	w.Header().Set("Content-Type", "application/x-ndjson")
	st := &pageStream{w: w, maxRows: s.cfg.MaxRows, hist: newHistogram(), fields: newFieldCounter(), total: total,
		stats: c.hasStats(), tsCol: -1}
	st.fl, _ = w.(http.Flusher)
	st.send(map[string]any{"type": "start", "id": id, "columns": c.columns(), "stats": c.hasStats(),
		"files": len(files), "totalBytes": total, "maxRows": s.cfg.MaxRows})
	for _, p := range probs {
		st.problem(p)
	}
	st.flush()

	start := time.Now()
	rs, err := c.run(ctx, files, st, runOptions{
		Workers: s.cfg.Workers,
		KeepRaw: !c.hasStats(),
		OnInputError: func(err error) {
			st.problem(err.Error())
		},
		OnBatch: func(n int64) {
			if s.hooks.batch != nil {
				s.hooks.batch(ctx)
			}
			st.progress(n)
		},
	})
	elapsed := time.Since(start)
	canceled := ctx.Err() != nil
	res = runResult{ID: id, Canceled: canceled, Stats: rs, Err: err}
	end := map[string]any{"type": "end", "rowsOut": rs.RowsOut, "shown": st.shown, "maxRows": s.cfg.MaxRows,
		"statsLine": statsLine(rs, elapsed), "canceled": canceled, "problems": st.problems}
	if err != nil && !canceled {
		end["error"] = err.Error()
	}
	st.mu.Lock()
	st.sendLocked(map[string]any{"type": "progress", "bytes": st.bytes.Load(), "total": st.total, "hist": st.histLocked()})
	st.sendLocked(map[string]any{"type": "fields", "fields": st.fields.snapshot()})
	st.sendLocked(end)
	st.flushLocked()
	st.mu.Unlock()
}

// statsLine is the CLI's --stats line (cmd/auditgrep printStats) without its "auditgrep: ".
func statsLine(st runStats, elapsed time.Duration) string {
	secs := elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	return fmt.Sprintf("%d records scanned, %d matched, %d rows out; %d bytes scanned (%d compressed); %d files read, %d skipped, %d failed, %d input errors; %.3fs, %.1f MB/s",
		st.RecordsScanned, st.RecordsMatched, st.RowsOut, st.BytesRaw, st.BytesCompressed,
		st.FilesRead, st.FilesSkipped, st.FilesFailed, st.InputErrors, secs, float64(st.BytesRaw)/secs/1e6)
}

// rowEncoder is the part of the JSON lines writer that encodes one row on its own.
type rowEncoder interface {
	match.Writer
	AppendRow(dst []byte, vals []match.Value, raw []byte) []byte
}

// pageStream is the match.Writer of a page run: it sends the first maxRows rows, counts them
// all into the histogram, and interleaves the progress and the problems. Rows come from one
// goroutine at a time; progress and problems from the scan's goroutines: mu orders them all.
// A write that fails (the page went away) fails the run, which then stops.
type pageStream struct {
	mu      sync.Mutex
	w       io.Writer
	fl      http.Flusher
	buf     []byte // the message being sent
	rowBuf  []byte // Row's encoding
	err     error
	flushed time.Time
	sentAt  time.Time // the last progress message

	stats    bool
	cols     []string
	enc      rowEncoder
	tsCol    int
	present  []bool
	maxRows  int
	shown    int64
	problems int64

	hist   *histogram
	fields *fieldCounter
	bytes  atomic.Int64
	total  int64
}

func (st *pageStream) Begin(cols []string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.cols = cols
	st.present = make([]bool, len(cols))
	// The JSON lines writer encodes the row values, so the page shows what --format json prints.
	st.enc = export.NewJSON(io.Discard).(rowEncoder)
	if err := st.enc.Begin(cols); err != nil {
		return err
	}
	for i, c := range cols {
		if c == "@timestamp" && !st.stats {
			st.tsCol = i
		}
	}
	return st.err
}

// Rows reach the page through AppendRow and WriteEncoded, so that the engine encodes them on
// its workers straight from the input buffers instead of cloning every row (it does so for the
// writers that have these two methods, as pkg/export's JSON writer does): a page run then needs
// about the memory of `--format json`. A query whose rows are collected first (sort, dedup,
// stats) calls Row, which goes the same way.
//
// A row is encoded as a record: its length (uint32), @timestamp in ms (int64) and whether it has
// one (byte), one byte per column saying whether the value is present, the `"row":...` part of
// the message (uint32 length, bytes) and the event's original message (uint32 length, bytes;
// noRaw for none). WriteEncoded does the rest for the rows the page is sent: the event's JSON
// and the discovered fields.

const noRaw = ^uint32(0)

// AppendRow encodes one row; the engine calls it concurrently, after Begin.
func (st *pageStream) AppendRow(b []byte, vals []match.Value, raw []byte) []byte {
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	var ts int64
	var hasTS byte
	if st.tsCol >= 0 && st.tsCol < len(vals) && vals[st.tsCol].Kind == match.Time {
		ts, hasTS = vals[st.tsCol].Ms(), 1
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(ts))
	b = append(b, hasTS)
	for i := range st.cols {
		p := byte(0)
		if i < len(vals) && vals[i].Kind != match.Absent {
			p = 1
		}
		b = append(b, p)
	}
	lenAt := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, `,"row":`...)
	b = bytes.TrimRight(st.enc.AppendRow(b, vals, nil), "\n")
	// Times as epoch milliseconds too, for the charts.
	sep := byte('{')
	for i, v := range vals {
		if v.Kind == match.Time && i < len(st.cols) {
			if sep == '{' {
				b = append(b, `,"ts":`...)
			}
			b = append(b, sep)
			b = jsonstr.Append(b, st.cols[i])
			b = fmt.Appendf(b, ":%d", v.Ms())
			sep = ','
		}
	}
	if sep == ',' {
		b = append(b, '}')
	}
	binary.LittleEndian.PutUint32(b[lenAt:], uint32(len(b)-lenAt-4))
	if raw == nil {
		b = binary.LittleEndian.AppendUint32(b, noRaw)
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(raw)))
		b = append(b, raw...)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// WriteEncoded takes rows encoded by AppendRow, in output order.
func (st *pageStream) WriteEncoded(b []byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.writeEncodedLocked(b)
}

func (st *pageStream) Row(vals []match.Value, raw []byte) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rowBuf = st.AppendRow(st.rowBuf[:0], vals, raw)
	return st.writeEncodedLocked(st.rowBuf)
}

func (st *pageStream) writeEncodedLocked(b []byte) error {
	le := binary.LittleEndian
	for len(b) >= 4 {
		n := int(le.Uint32(b))
		rec := b[4 : 4+n]
		b = b[4+n:]
		if rec[8] == 1 {
			st.hist.add(int64(le.Uint64(rec)))
		}
		if st.shown >= int64(st.maxRows) {
			continue
		}
		present := rec[9 : 9+len(st.cols)]
		rec = rec[9+len(st.cols):]
		pl := int(le.Uint32(rec))
		part := rec[4 : 4+pl]
		rec = rec[4+pl:]
		var raw []byte
		if rl := le.Uint32(rec); rl != noRaw {
			raw = rec[4 : 4+int(rl)]
		}
		m := st.buf[:0]
		m = fmt.Appendf(m, `{"type":"row","n":%d`, st.shown)
		m = append(m, part...)
		if raw != nil {
			m = append(m, `,"event":`...)
			m = appendEvent(m, raw)
		}
		m = append(m, "}\n"...)
		st.buf = m
		for i, p := range present {
			st.present[i] = p == 1
		}
		st.fields.addRow(st.cols, st.present, raw)
		st.shown++
		st.writeLocked(m)
	}
	if time.Since(st.flushed) > 100*time.Millisecond {
		st.flushLocked()
	}
	return st.err
}

// appendEvent appends the event's original message: the object itself when it is one, else a
// string; cut at maxEventBytes.
func appendEvent(b []byte, raw []byte) []byte {
	if len(raw) > maxEventBytes {
		b = append(b, `{"cut":true,"bytes":`...)
		b = fmt.Appendf(b, "%d", len(raw))
		b = append(b, `,"message":`...)
		b = jsonstr.Append(b, string(raw[:maxEventBytes]))
		return append(b, '}')
	}
	t := bytes.TrimSpace(raw)
	if len(t) > 1 && t[0] == '{' && json.Valid(t) {
		return append(b, t...)
	}
	return jsonstr.Append(b, string(raw))
}

func (st *pageStream) End() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

func (st *pageStream) problem(msg string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.problems++
	if st.problems <= maxProblems {
		st.sendLocked(map[string]any{"type": "problem", "msg": msg})
	}
}

// progress counts a batch's input and, at most ten times a second, sends the bytes read and
// the histogram so far.
func (st *pageStream) progress(n int64) {
	st.bytes.Add(n)
	st.mu.Lock()
	defer st.mu.Unlock()
	if time.Since(st.sentAt) < 100*time.Millisecond {
		return
	}
	st.sentAt = time.Now()
	st.sendLocked(map[string]any{"type": "progress", "bytes": st.bytes.Load(), "total": st.total, "hist": st.histLocked()})
	st.flushLocked()
}

func (st *pageStream) histLocked() any {
	if st.tsCol < 0 {
		return nil
	}
	return st.hist.snapshot()
}

func (st *pageStream) send(v any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sendLocked(v)
}

func (st *pageStream) sendLocked(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		st.err = errors.Join(st.err, err)
		return
	}
	st.writeLocked(append(b, '\n'))
}

func (st *pageStream) writeLocked(b []byte) {
	if st.err != nil {
		return
	}
	if _, err := st.w.Write(b); err != nil {
		st.err = fmt.Errorf("sending to the page: %w", err)
	}
}

func (st *pageStream) flush() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.flushLocked()
}

func (st *pageStream) flushLocked() {
	st.flushed = time.Now()
	if st.fl != nil && st.err == nil {
		st.fl.Flush()
	}
}

// The engine takes the encoded path for writers with these methods (see AppendRow).
var _ interface {
	AppendRow(dst []byte, vals []match.Value, raw []byte) []byte
	WriteEncoded(b []byte) error
} = (*pageStream)(nil)
