package match

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// execOptions control one run of a Program.
type execOptions struct {
	// Workers is the number of goroutines that will call Batch (worker ids 0..Workers-1).
	Workers int
	// OnInputError receives the input problems reported by the scan, in file order.
	OnInputError func(err error)
	// KeepRaw makes event rows carry the original message (for the raw output format).
	KeepRaw bool
	// PendingBytes bounds the output held for files that are ahead of the one being written;
	// <= 0 means 64 MiB.
	PendingBytes int64
	// FirstFile is the Index of the first file the scan delivers: 0, or the first file of a
	// shard's range (scan.Options.FileLo).
	FirstFile int
}

// RunStats are the counters of a run, like the console's statistics line.
type RunStats struct {
	FilesRead, FilesSkipped, FilesFailed int64
	InputErrors                          int64
	RecordsScanned, RecordsMatched       int64
	RowsOut                              int64
	BytesCompressed, BytesRaw            int64
}

// outRow is a result row that outlives its batch: its values are cloned.
type outRow struct {
	vals  []Value
	sortV []Value
	dedup []Value
	raw   []byte
	ord   uint64
}

type batchOut struct {
	file, seq int
	last      bool
	rows      []outRow
	// enc holds the batch's rows already encoded by a RowEncoder, rowEnds where each ends.
	enc     []byte
	rowEnds []int
	errs    []error
	size    int64
}

type worker struct {
	r      rowState
	rows   []outRow // collected rows (sort/dedup), or the current batch's rows when streaming
	groups *groupTable
	// enc and rowEnds collect the current batch's encoded rows (RowEncoder writers); vals is
	// scratch for the row being encoded.
	enc     []byte
	rowEnds []int
	vals    []Value
	// top holds the best rows of `sort ... | limit N`; sortV is scratch for its probes.
	top   *topK
	sortV []Value
	// keep and offs are the prefilter's per-batch scratch.
	keep   []bool
	offs   []int
	strict strictWorker // --strict-pipeline rows (exec_strict.go)
	// ops runs the row stage on r, handing the rows that pass to collect.
	ops opsRun
	// stats of this worker
	scanned, matched int64
}

// executor runs a Query over scan batches. Create it with NewExec, feed it with Batch from the
// scan's callback, and call Finish once the scan has returned.
type executor struct {
	p    *Query
	w    Writer
	opts execOptions

	workers []*worker
	stream  bool
	// enc is set when rows can be encoded on the workers (a streaming query and a RowEncoder).
	enc       rowEncoder
	beginOnce sync.Once

	mu       sync.Mutex
	cond     *sync.Cond
	pending  map[[2]int]*batchOut
	nextFile int
	nextSeq  int
	pendSize int64
	werr     error
	begun    bool
	stop     atomic.Bool

	stats RunStats

	// part is set when the run writes a shard's partial result (partial.go).
	part    *penc
	partHdr PartialHeader
}

// newExecutor prepares a run writing to w.
func newExecutor(p *Query, w Writer, opts execOptions) *executor {
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.PendingBytes <= 0 {
		opts.PendingBytes = 64 << 20
	}
	x := &executor{p: p, w: w, opts: opts, pending: map[[2]int]*batchOut{}, nextFile: opts.FirstFile}
	x.cond = sync.NewCond(&x.mu)
	x.stream = len(p.stats) == 0 && len(p.sortKeys) == 0 && len(p.dedup) == 0 && p.strict == nil
	if e, ok := w.(rowEncoder); ok && x.stream {
		x.enc = e
	}
	for i := 0; i < opts.Workers; i++ {
		wk := &worker{}
		wk.r.p = p
		wk.ops = opsRun{ops: p.rowOps, fork: sameRow, emit: func(r *rowState) { x.collect(wk, r) }}
		n := len(p.rowScope.names)
		wk.r.vars = make([]Value, n)
		wk.r.set = make([]bool, n)
		wk.r.likeMemo = make([]likeMemo, p.likeMemos)
		if len(p.stats) > 0 {
			wk.groups = newGroupTable(p.stats[0])
		} else if x.topK() > 0 {
			wk.top = &topK{x: x}
			wk.sortV = make([]Value, len(p.sortKeys))
		}
		x.workers = append(x.workers, wk)
	}
	return x
}

// topK is N when the query sorts and limits without dedup, so that only the best N rows of each
// worker need keeping; 0 otherwise.
func (x *executor) topK() int {
	if len(x.p.stats) == 0 && len(x.p.sortKeys) > 0 && len(x.p.dedup) == 0 && x.p.limit > 0 && !x.p.limitAny {
		return x.p.limit
	}
	return 0
}

// Stopped reports whether the run needs no more input (a limit without sort was reached, or
// the writer failed).
func (x *executor) Stopped() bool { return x.stop.Load() }

// ord orders events across the run: files in input order, then events in file order.
func ord(file int, n int) uint64 { return uint64(file)<<40 | uint64(n) }

// Batch evaluates one batch. It is called concurrently with different worker ids.
func (x *executor) Batch(wid int, b *scan.Batch) error {
	wk := x.workers[wid]
	out := &batchOut{file: b.File.Index, seq: b.Seq, last: b.Last, errs: b.Errs}
	if !x.stop.Load() {
		before := len(wk.rows)
		if x.enc != nil {
			x.beginOnce.Do(func() {
				x.mu.Lock()
				x.begun = true
				if x.werr = x.w.Begin(x.p.cols); x.werr != nil {
					x.stop.Store(true)
				}
				x.mu.Unlock()
			})
			wk.enc, wk.rowEnds = encPool.get(), wk.rowEnds[:0]
		}
		r := &wk.r
		pre := &x.p.pre
		usePre := len(pre.lits) > 0
		if usePre {
			if cap(wk.keep) < len(b.Records) {
				wk.keep = make([]bool, len(b.Records))
			}
			wk.keep = wk.keep[:len(b.Records)]
			wk.offs = pre.filterBatch(b, wk.keep, wk.offs)
		}
		wk.scanned += int64(len(b.Records))
		for i := range b.Records {
			rec := &b.Records[i]
			if usePre && !wk.keep[i] {
				continue
			}
			r.reset(rec, b.File, ord(b.File.Index, int(rec.Line)))
			wk.ops.run(r, 0)
		}
		if x.enc != nil {
			out.enc, out.rowEnds = wk.enc, append([]int(nil), wk.rowEnds...)
			out.size = int64(len(wk.enc))
			wk.enc = nil
		} else if x.stream {
			out.rows = append([]outRow(nil), wk.rows[before:]...)
			for _, row := range out.rows {
				out.size += rowSize(row)
			}
			wk.rows = wk.rows[:before]
		}
	}
	atomic.AddInt64(&x.stats.BytesCompressed, b.CompressedBytes)
	atomic.AddInt64(&x.stats.BytesRaw, b.RawBytes)
	if b.Last {
		switch {
		case b.Skipped:
			atomic.AddInt64(&x.stats.FilesSkipped, 1)
		case len(b.Errs) > 0:
			atomic.AddInt64(&x.stats.FilesFailed, 1)
		default:
			atomic.AddInt64(&x.stats.FilesRead, 1)
		}
	}
	if err := x.deliver(out); err != nil {
		return err
	}
	if x.stop.Load() {
		return scan.ErrStop
	}
	return nil
}

func rowSize(r outRow) int64 {
	n := int64(len(r.raw)) + 64
	for _, v := range r.vals {
		n += int64(len(v.Str)) + 32
	}
	return n
}

// deliver hands a batch's output to the ordered writer: batches are written in (file, seq)
// order whatever order the workers finish them in, so output is the same for any -j. A worker
// that is ahead waits while too much output is pending; the worker holding the batch that is
// written next never waits, so this cannot deadlock.
func (x *executor) deliver(out *batchOut) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	key := [2]int{out.file, out.seq}
	for !(out.file == x.nextFile && out.seq == x.nextSeq) && x.pendSize > x.opts.PendingBytes && x.werr == nil && !x.stop.Load() {
		x.cond.Wait()
	}
	x.pending[key] = out
	x.pendSize += out.size
	for {
		b, ok := x.pending[[2]int{x.nextFile, x.nextSeq}]
		if !ok {
			break
		}
		delete(x.pending, [2]int{x.nextFile, x.nextSeq})
		x.pendSize -= b.size
		x.emitLocked(b)
		if b.last {
			x.nextFile++
			x.nextSeq = 0
		} else {
			x.nextSeq++
		}
	}
	x.cond.Broadcast()
	return x.werr
}

func (x *executor) emitLocked(b *batchOut) {
	for _, err := range b.errs {
		x.stats.InputErrors++
		if x.opts.OnInputError != nil {
			x.opts.OnInputError(err)
		}
	}
	if b.enc != nil {
		x.emitEncodedLocked(b)
		return
	}
	if x.werr != nil || len(b.rows) == 0 {
		return
	}
	if !x.begun {
		x.begun = true
		if x.werr = x.w.Begin(x.p.cols); x.werr != nil {
			x.stop.Store(true)
			return
		}
	}
	for i := range b.rows {
		if x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit) {
			x.stop.Store(true)
			return
		}
		if x.werr = x.w.Row(b.rows[i].vals, b.rows[i].raw); x.werr != nil {
			x.stop.Store(true)
			return
		}
		x.stats.RowsOut++
	}
	if x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit) {
		x.stop.Store(true)
	}
}

// collect takes a row that passed the row stage: it goes to the strict stages, the worker's
// groups, the worker's encoder or the worker's rows.
func (x *executor) collect(wk *worker, r *rowState) {
	wk.matched++
	if x.p.strict != nil {
		x.strictCollect(wk, r)
		return
	}
	if wk.groups != nil {
		wk.groups.add(r)
		return
	}
	if x.enc != nil {
		// Encoded straight from the input buffers: nothing is cloned.
		if len(wk.vals) != len(x.p.colFns) {
			wk.vals = make([]Value, len(x.p.colFns))
		}
		for j, f := range x.p.colFns {
			wk.vals[j] = markJSON(f(r), x.p.cols[j])
		}
		var raw []byte
		if x.opts.KeepRaw && r.rec != nil {
			raw = r.rec.Message
		}
		wk.enc = x.enc.AppendRow(wk.enc, wk.vals, raw)
		wk.rowEnds = append(wk.rowEnds, len(wk.enc))
		return
	}
	if wk.top != nil {
		for j, k := range x.p.sortKeys {
			wk.sortV[j] = k.fn(r)
		}
		if !wk.top.wants(wk.sortV, r.ord, x.p.limit) {
			return
		}
	}
	row := outRow{vals: make([]Value, len(x.p.colFns)), ord: r.ord}
	for j, f := range x.p.colFns {
		row.vals[j] = markJSON(f(r), x.p.cols[j]).Clone()
	}
	if len(x.p.sortKeys) > 0 {
		row.sortV = make([]Value, len(x.p.sortKeys))
		for j, k := range x.p.sortKeys {
			row.sortV[j] = k.fn(r).Clone()
		}
	}
	if len(x.p.dedup) > 0 {
		row.dedup = make([]Value, len(x.p.dedup))
		for j, f := range x.p.dedup {
			row.dedup[j] = f(r).Clone()
		}
	}
	if x.opts.KeepRaw && r.rec != nil {
		row.raw = append([]byte(nil), r.rec.Message...)
	}
	if wk.top != nil {
		wk.top.add(row, x.p.limit)
		return
	}
	wk.rows = append(wk.rows, row)
}

// markJSON flags an @message that is a JSON object so the JSON writer embeds it as one.
func markJSON(v Value, col string) Value {
	if v.Kind == String && col == "@message" && len(v.Str) > 0 && v.Str[0] == '{' && jsonValidObject([]byte(v.Str)) {
		v.JSON = true
	}
	return v
}

func applyParse(r *rowState, op *rowOp) {
	s, ok := toText(op.src(r))
	if !ok {
		return
	}
	switch op.mode {
	case "logfmt":
		r.vars[op.groupTo[0]] = parseLogfmt(s)
		r.set[op.groupTo[0]] = true
		return
	case "csv":
		parseCSV(r, op, s)
		return
	}
	m := op.re.FindStringSubmatchIndex(s)
	if m == nil {
		return
	}
	setGroups(r, op, s, m)
}

// setGroups sets the fields of a parse from the match m of its regex in s.
func setGroups(r *rowState, op *rowOp, s string, m []int) {
	for g, slot := range op.groupTo {
		if slot < 0 || m[2*g] < 0 {
			continue
		}
		r.vars[slot] = Str(s[m[2*g]:m[2*g+1]])
		r.set[slot] = true
	}
}

// Finish completes the run after the scan has returned: it merges the workers' aggregates or
// collected rows, applies the final stage and writes the rows.
func (x *executor) Finish() (RunStats, error) {
	for _, wk := range x.workers {
		x.stats.RecordsScanned += wk.scanned
		x.stats.RecordsMatched += wk.matched
	}
	if x.werr != nil {
		return x.stats, x.werr
	}
	if x.p.strict != nil {
		return x.finishStrict()
	}
	var rows []outRow
	switch {
	case len(x.p.stats) == 1 && len(x.p.sortKeys) == 0 && len(x.p.dedup) == 0:
		if err := x.streamStats(); err != nil {
			return x.stats, err
		}
	case len(x.p.stats) > 0:
		rows = x.finishStats()
	case !x.stream:
		for _, wk := range x.workers {
			rows = append(rows, wk.rows...)
			if wk.top != nil {
				rows = append(rows, wk.top.rows...)
			}
		}
	}
	if !x.stream || len(x.p.stats) > 0 {
		rows = x.finalStage(rows)
		if err := x.writeRows(rows); err != nil {
			return x.stats, err
		}
	}
	if !x.begun {
		x.begun = true
		if err := x.w.Begin(x.p.cols); err != nil {
			return x.stats, err
		}
	}
	return x.stats, x.w.End()
}

func (x *executor) writeRows(rows []outRow) error {
	if len(rows) > 0 && !x.begun {
		x.begun = true
		if err := x.w.Begin(x.p.cols); err != nil {
			return err
		}
	}
	for i := range rows {
		if err := x.w.Row(rows[i].vals, rows[i].raw); err != nil {
			return err
		}
		x.stats.RowsOut++
	}
	return nil
}

// finalStage sorts (stably, ties in input order), dedups and limits collected rows.
func (x *executor) finalStage(rows []outRow) []outRow {
	if len(x.p.sortKeys) > 0 {
		keys := x.p.sortKeys
		sort.SliceStable(rows, func(i, j int) bool {
			for k := range keys {
				if c := sortKeyCompare(rows[i].sortV[k], rows[j].sortV[k], keys[k].desc); c != 0 {
					return c < 0
				}
			}
			return rows[i].ord < rows[j].ord
		})
	} else {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].ord < rows[j].ord })
	}
	if len(x.p.dedup) > 0 {
		seen := map[string]bool{}
		kept := rows[:0]
		var key []byte
		for _, r := range rows {
			key = key[:0]
			hasNull := false
			for _, v := range r.dedup {
				if v.Kind == Absent {
					hasNull = true
					break
				}
				// Values compare by their rendered text (A26).
				key = strconv.AppendQuote(key, v.Render())
			}
			if !hasNull {
				if seen[string(key)] {
					continue
				}
				seen[string(key)] = true
			}
			kept = append(kept, r)
		}
		rows = kept
	}
	if x.p.limit > 0 && len(rows) > x.p.limit {
		rows = rows[:x.p.limit]
	}
	return rows
}

// emitEncodedLocked writes a batch of encoded rows, cut at the limit.
func (x *executor) emitEncodedLocked(b *batchOut) {
	defer encPool.put(b.enc)
	if x.werr != nil || len(b.rowEnds) == 0 {
		return
	}
	n := len(b.rowEnds)
	if x.p.limit > 0 {
		n = min(n, x.p.limit-int(x.stats.RowsOut))
	}
	if n <= 0 {
		x.stop.Store(true)
		return
	}
	if x.werr = x.enc.WriteEncoded(b.enc[:b.rowEnds[n-1]]); x.werr != nil {
		x.stop.Store(true)
		return
	}
	x.stats.RowsOut += int64(n)
	if x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit) {
		x.stop.Store(true)
	}
}

// encPool recycles the buffers of encoded batches.
var encPool bufPool

type bufPool struct{ p sync.Pool }

func (bp *bufPool) get() []byte {
	if b, ok := bp.p.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 64<<10)
}

func (bp *bufPool) put(b []byte) {
	if b == nil || cap(b) > 16<<20 {
		return
	}
	bp.p.Put(&b)
}
