package match

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"time"
)

// A sharded run splits the input list into contiguous ranges of files; each shard runs the
// per-event half of the query over its range and writes a partial result (NewPartialExec,
// FinishPartial), and Merge runs the final half over all the partials. Events keep their global
// position (ord: the file's index in the whole list, and the line), so tie-breaks, first-seen
// group order and input order are those of a single run, and the merged output is byte for byte
// the single run's. What a partial carries depends on the query:
//
//   - stats: every group of the first stats stage, with its keys, the input position of its
//     first event and each aggregate's exact state;
//   - sort, dedup, or sort + limit: the shard's rows after the final stage has been applied to
//     them alone (a row that the shard's sort/dedup/limit drops is dropped by the whole run's);
//   - otherwise (rows streaming in input order): the rows in order, at most `limit` of them.
//
// The format is in docs/partial-format.md.

// partialFormat is the version of the partial-result format this code reads and writes.
const partialFormat = 1

const partialMagic = "AUDITGREP-PARTIAL\n"

// Partial kinds.
const (
	partialStats  = 'S'
	partialRows   = 'R'
	partialStream = 'T'
)

// PartialHeader identifies a partial result: which run (version, query, settings, plan) and
// which shard of it.
type PartialHeader struct {
	Version string // auditgrep version that wrote it
	Query   string // the query text as given
	// Canonical is the query as Query.String() prints it: partials of one run have the same.
	Canonical            string
	LogGroup, Account    string
	QueryStart, QueryEnd int64 // the time range, epoch ms; 0 when open
	StrictPipeline       bool
	KeepRaw              bool   // rows carry their raw message (the shards ran with --format raw)
	PlanDigest           string // scan.ListDigest of the whole input list
	Shard, Shards        int
	FileLo, FileHi       int // the shard's files: [FileLo, FileHi) of the input list
	Kind                 byte
}

// SetOptions records the compile options that change results.
func (h *PartialHeader) SetOptions(o Options) {
	h.LogGroup, h.Account, h.StrictPipeline = o.LogGroup, o.Account, o.StrictPipeline
	h.QueryStart, h.QueryEnd = 0, 0
	if !o.QueryStart.IsZero() {
		h.QueryStart = o.QueryStart.UnixMilli()
	}
	if !o.QueryEnd.IsZero() {
		h.QueryEnd = o.QueryEnd.UnixMilli()
	}
}

// Options are the compile options recorded by SetOptions.
func (h *PartialHeader) Options() Options {
	o := Options{LogGroup: h.LogGroup, Account: h.Account, StrictPipeline: h.StrictPipeline}
	if h.QueryStart != 0 {
		o.QueryStart = time.UnixMilli(h.QueryStart)
	}
	if h.QueryEnd != 0 {
		o.QueryEnd = time.UnixMilli(h.QueryEnd)
	}
	return o
}

func partialKind(p *Query) byte {
	switch {
	case len(p.stats) > 0:
		return partialStats
	case len(p.sortKeys) == 0 && len(p.dedup) == 0:
		return partialStream
	}
	return partialRows
}

func (e *penc) header(h *PartialHeader) {
	e.buf = append(e.buf, partialMagic...)
	e.uvarint(partialFormat)
	e.str(h.Version)
	e.str(h.Query)
	e.str(h.Canonical)
	e.str(h.LogGroup)
	e.str(h.Account)
	e.varint(h.QueryStart)
	e.varint(h.QueryEnd)
	e.bool1(h.StrictPipeline)
	e.bool1(h.KeepRaw)
	e.str(h.PlanDigest)
	e.uvarint(uint64(h.Shard))
	e.uvarint(uint64(h.Shards))
	e.uvarint(uint64(h.FileLo))
	e.uvarint(uint64(h.FileHi))
	e.byte1(h.Kind)
	e.flush()
}

func (d *pdec) header() PartialHeader {
	var h PartialHeader
	magic := make([]byte, len(partialMagic))
	d.full(magic)
	if d.err != nil || string(magic) != partialMagic {
		d.fail(errors.New("not an auditgrep partial result"))
		return h
	}
	if v := d.uvarint(); d.err == nil && v != partialFormat {
		d.fail(fmt.Errorf("partial result format %d; this auditgrep reads format %d", v, partialFormat))
		return h
	}
	h.Version = d.str()
	h.Query = d.str()
	h.Canonical = d.str()
	h.LogGroup = d.str()
	h.Account = d.str()
	h.QueryStart = d.varint()
	h.QueryEnd = d.varint()
	h.StrictPipeline = d.bool1()
	h.KeepRaw = d.bool1()
	h.PlanDigest = d.str()
	h.Shard = d.count()
	h.Shards = d.count()
	h.FileLo = d.count()
	h.FileHi = d.count()
	h.Kind = d.byte1()
	if d.err == nil && (h.Shards < 1 || h.Shard >= h.Shards || h.FileLo > h.FileHi ||
		(h.Kind != partialStats && h.Kind != partialRows && h.Kind != partialStream)) {
		d.fail(errors.New("bad header"))
	}
	return h
}

func (e *penc) row(r *outRow, keepRaw bool) {
	e.byte1('R')
	e.values(r.vals)
	e.values(r.sortV)
	e.values(r.dedup)
	if keepRaw && r.raw != nil {
		e.bool1(true)
		e.bytes(r.raw)
	} else {
		e.bool1(false)
	}
	e.uvarint(r.ord)
	e.flush()
}

func (d *pdec) row() outRow {
	var r outRow
	r.vals = d.values()
	r.sortV = d.values()
	r.dedup = d.values()
	if d.bool1() {
		r.raw = d.bytesv()
	}
	r.ord = d.uvarint()
	return r
}

func (e *penc) group(g *group) {
	e.byte1('G')
	e.values(g.keys)
	e.uvarint(g.first)
	for _, s := range g.states {
		s.encode(e)
	}
	e.flush()
}

// statsLen is the size of the trailer's run counters.
const statsLen = 8 * 8

// trailer ends a partial: the end mark, the shard's counters, and the CRC-32 of every byte
// before the CRC.
func (e *penc) trailer(st RunStats) error {
	e.byte1('E')
	for _, n := range []int64{st.FilesRead, st.FilesSkipped, st.FilesFailed, st.InputErrors,
		st.RecordsScanned, st.RecordsMatched, st.BytesCompressed, st.BytesRaw} {
		e.u64(uint64(n))
	}
	e.flush()
	if e.err != nil {
		return e.err
	}
	var crc [4]byte
	binary.BigEndian.PutUint32(crc[:], e.crc.Sum32())
	_, err := e.w.Write(crc[:])
	return err
}

func readStats(b []byte) RunStats {
	n := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[8*i:])) }
	return RunStats{FilesRead: n(0), FilesSkipped: n(1), FilesFailed: n(2), InputErrors: n(3),
		RecordsScanned: n(4), RecordsMatched: n(5), BytesCompressed: n(6), BytesRaw: n(7)}
}

// partialRowWriter receives the rows of a streaming query and writes them to the partial.
type partialRowWriter struct {
	e       *penc
	keepRaw bool
}

func (w *partialRowWriter) Begin([]string) error { return nil }
func (w *partialRowWriter) End() error           { return nil }
func (w *partialRowWriter) Row(vals []Value, raw []byte) error {
	w.e.row(&outRow{vals: vals, raw: raw}, w.keepRaw)
	return w.e.err
}

// newPartialExecutor prepares the run of one shard, writing its partial result to out. h names the
// run and the shard; its Canonical and Kind are filled in here. Call FinishPartial after the
// scan instead of Finish.
func newPartialExecutor(p *Query, out io.Writer, h PartialHeader, opts execOptions) (*executor, error) {
	if p.strict != nil {
		return nil, errors.New("a --strict-pipeline query with sort, limit, dedup or stats before other commands cannot be sharded")
	}
	h.Canonical = p.q.String()
	h.Kind = partialKind(p)
	opts.KeepRaw = h.KeepRaw
	e := newPenc(out)
	e.header(&h)
	if e.err != nil {
		return nil, e.err
	}
	x := newExecutor(p, &partialRowWriter{e: e, keepRaw: h.KeepRaw}, opts)
	x.part, x.partHdr = e, h
	return x, nil
}

// FinishPartial completes a shard's run: it writes the shard's groups or rows and the trailer.
func (x *executor) FinishPartial() (RunStats, error) {
	for _, wk := range x.workers {
		x.stats.RecordsScanned += wk.scanned
		x.stats.RecordsMatched += wk.matched
	}
	if x.werr != nil {
		return x.stats, x.werr
	}
	e := x.part
	switch x.partHdr.Kind {
	case partialStats:
		t := x.workers[0].groups
		for _, wk := range x.workers[1:] {
			t.merge(wk.groups)
		}
		groups := make([]*group, 0, len(t.m))
		for _, g := range t.m {
			groups = append(groups, g)
		}
		// In first-seen order, so that the same shard writes the same bytes.
		slices.SortFunc(groups, func(a, b *group) int {
			switch {
			case a.first < b.first:
				return -1
			case a.first > b.first:
				return 1
			}
			return 0
		})
		for _, g := range groups {
			e.group(g)
			if e.err != nil {
				return x.stats, e.err
			}
		}
	case partialRows:
		var rows []outRow
		for _, wk := range x.workers {
			rows = append(rows, wk.rows...)
			if wk.top != nil {
				rows = append(rows, wk.top.rows...)
			}
		}
		// A row that this shard's sort, dedup and limit drop is dropped by the whole run's too.
		rows = x.finalStage(rows)
		for i := range rows {
			e.row(&rows[i], x.partHdr.KeepRaw)
			if e.err != nil {
				return x.stats, e.err
			}
		}
		x.stats.RowsOut = int64(len(rows))
	}
	return x.stats, e.trailer(x.stats)
}

// PartialSource is a partial result to merge: Name (a file name) is used in error messages.
type PartialSource struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// partialError is a problem with one partial result.
type partialError struct {
	Name string
	Err  error
}

func (e *partialError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *partialError) Unwrap() error { return e.Err }

// Partials is a checked, complete set of partial results of one run.
type Partials struct {
	// Header is the first shard's header; every partial has the same run fields.
	Header PartialHeader
	// Shards are the partials in shard order.
	Shards []PartialSource
	// Stats are the shards' counters, summed.
	Stats RunStats
	// ShardStats are each shard's counters, in shard order: the merge names the shards whose
	// input was damaged.
	ShardStats []RunStats
}

// OpenPartials checks each partial (magic, format version, header, CRC-32, trailer) and that
// together they are every shard of one run, once: same auditgrep version, query, settings and
// plan. Errors name the file.
func OpenPartials(srcs []PartialSource) (*Partials, error) {
	if len(srcs) == 0 {
		return nil, errors.New("no partial results to merge")
	}
	type one struct {
		src PartialSource
		h   PartialHeader
		st  RunStats
	}
	var all []one
	var stats RunStats
	for _, s := range srcs {
		h, st, err := verifyPartial(s)
		if err != nil {
			return nil, &partialError{s.Name, err}
		}
		all = append(all, one{s, h, st})
		stats.add(st)
	}
	ref := all[0]
	for _, o := range all[1:] {
		h, r := o.h, ref.h
		var why string
		switch {
		case h.Version != r.Version:
			why = fmt.Sprintf("written by %s, %s by %s", h.Version, ref.src.Name, r.Version)
		case h.Canonical != r.Canonical:
			why = fmt.Sprintf("is of another query (%q; %s is of %q)", h.Canonical, ref.src.Name, r.Canonical)
		case h.LogGroup != r.LogGroup || h.Account != r.Account || h.QueryStart != r.QueryStart ||
			h.QueryEnd != r.QueryEnd || h.StrictPipeline != r.StrictPipeline || h.KeepRaw != r.KeepRaw:
			why = "was run with other settings (--log-group, --account, time range, --strict-pipeline or --format raw) than " + ref.src.Name
		case h.PlanDigest != r.PlanDigest:
			why = fmt.Sprintf("is of another plan (input list %s; %s has %s)", h.PlanDigest, ref.src.Name, r.PlanDigest)
		case h.Shards != r.Shards:
			why = fmt.Sprintf("is shard %d/%d; %s is of %d shards", h.Shard, h.Shards, ref.src.Name, r.Shards)
		}
		if why != "" {
			return nil, &partialError{o.src.Name, errors.New(why)}
		}
	}
	n := ref.h.Shards
	byShard := make([]*one, n)
	for i := range all {
		o := &all[i]
		if prev := byShard[o.h.Shard]; prev != nil {
			return nil, &partialError{o.src.Name, fmt.Errorf("is shard %d/%d, and so is %s", o.h.Shard, n, prev.src.Name)}
		}
		byShard[o.h.Shard] = o
	}
	var missing []int
	for i, o := range byShard {
		if o == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		s := fmt.Sprintf("shard %d/%d", missing[0], n)
		if len(missing) > 1 {
			s = fmt.Sprintf("%d shards of %d (%d/%d first)", len(missing), n, missing[0], n)
		}
		return nil, fmt.Errorf("missing %s: got %d partial results of %d", s, len(all), n)
	}
	ps := &Partials{Header: ref.h, Stats: stats}
	next := 0
	for _, o := range byShard {
		if o.h.FileLo != next {
			return nil, &partialError{o.src.Name, fmt.Errorf("covers files [%d, %d) of the plan, but the shards before it end at file %d", o.h.FileLo, o.h.FileHi, next)}
		}
		next = o.h.FileHi
		ps.Shards = append(ps.Shards, o.src)
		ps.ShardStats = append(ps.ShardStats, o.st)
	}
	return ps, nil
}

func (s *RunStats) add(o RunStats) {
	s.FilesRead += o.FilesRead
	s.FilesSkipped += o.FilesSkipped
	s.FilesFailed += o.FilesFailed
	s.InputErrors += o.InputErrors
	s.RecordsScanned += o.RecordsScanned
	s.RecordsMatched += o.RecordsMatched
	s.BytesCompressed += o.BytesCompressed
	s.BytesRaw += o.BytesRaw
}

// verifyPartial reads a partial's header and trailer and checks its CRC over the whole file.
func verifyPartial(s PartialSource) (PartialHeader, RunStats, error) {
	const tail = 1 + statsLen + 4
	d := newPdec(bufio.NewReader(io.NewSectionReader(s.R, 0, s.Size)))
	h := d.header()
	if d.err != nil {
		if errors.Is(d.err, io.ErrUnexpectedEOF) {
			return h, RunStats{}, fmt.Errorf("%w: truncated", errCorrupt)
		}
		return h, RunStats{}, d.err
	}
	if s.Size < int64(len(partialMagic))+tail {
		return h, RunStats{}, fmt.Errorf("%w: truncated", errCorrupt)
	}
	crc := crc32.NewIEEE()
	if _, err := io.Copy(crc, io.NewSectionReader(s.R, 0, s.Size-4)); err != nil {
		return h, RunStats{}, err
	}
	b := make([]byte, tail)
	if _, err := s.R.ReadAt(b, s.Size-tail); err != nil {
		return h, RunStats{}, err
	}
	if crc.Sum32() != binary.BigEndian.Uint32(b[tail-4:]) || b[0] != 'E' {
		return h, RunStats{}, fmt.Errorf("%w: checksum mismatch (truncated or damaged)", errCorrupt)
	}
	return h, readStats(b[1 : 1+statsLen]), nil
}

// Merge runs the final half of the query over the partials and writes the rows to w, as Finish
// does for a single run. p must be compiled from ps.Header.Query with ps.Header.Options(). The
// stats returned are the shards' counters with the merged output's row count.
func (ps *Partials) Merge(p *Query, w Writer, keepRaw bool) (RunStats, error) {
	if p.q.String() != ps.Header.Canonical {
		return RunStats{}, errors.New("BUG: merging with another program than the partials'")
	}
	if partialKind(p) != ps.Header.Kind {
		return RunStats{}, errors.New("partial results of another kind than the query's")
	}
	if keepRaw && !ps.Header.KeepRaw {
		return RunStats{}, errors.New("--format raw needs partial results written with --format raw")
	}
	x := newExecutor(p, w, execOptions{Workers: 1, KeepRaw: keepRaw})
	wk := x.workers[0]
	for _, s := range ps.Shards {
		if err := x.mergeOne(s, wk, keepRaw); err != nil {
			return RunStats{}, err
		}
		if x.werr != nil {
			return x.stats, x.werr
		}
		if x.stream && p.limit > 0 && x.stats.RowsOut >= int64(p.limit) {
			break
		}
	}
	st, err := x.Finish()
	rows := st.RowsOut
	st = ps.Stats
	st.RowsOut = rows
	return st, err
}

func (x *executor) mergeOne(s PartialSource, wk *worker, keepRaw bool) error {
	d := newPdec(bufio.NewReaderSize(io.NewSectionReader(s.R, 0, s.Size), 1<<16))
	d.header()
	var key []byte
	for d.err == nil {
		switch tag := d.byte1(); tag {
		case 'E':
			return nil
		case 'G':
			t := wk.groups
			if t == nil {
				d.fail(errors.New("group in a partial of rows"))
				break
			}
			g := &group{keys: d.values(), states: make([]aggFunc, len(t.st.aggs))}
			g.first = d.uvarint()
			if d.err == nil && len(g.keys) != len(t.st.keys) {
				d.fail(errors.New("group of another stats"))
			}
			for i, a := range t.st.aggs {
				st, err := a.def.newFn(a.params)
				if err != nil {
					return err
				}
				st.decode(d)
				g.states[i] = st
			}
			if d.err == nil {
				key = appendGroupKey(key[:0], g.keys)
				t.mergeGroup(key, g)
			}
		case 'R':
			r := d.row()
			if d.err != nil {
				break
			}
			if len(r.vals) != len(x.p.colFns) {
				d.fail(errors.New("row of other columns"))
				break
			}
			if !keepRaw {
				r.raw = nil
			}
			if !x.stream {
				wk.rows = append(wk.rows, r)
				break
			}
			// Streaming: the shards are in input order, and so are each shard's rows.
			if x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit) {
				return nil
			}
			if !x.begun {
				x.begun = true
				if x.werr = x.w.Begin(x.p.cols); x.werr != nil {
					return nil
				}
			}
			if x.werr = x.w.Row(r.vals, r.raw); x.werr != nil {
				return nil
			}
			x.stats.RowsOut++
		default:
			d.fail(fmt.Errorf("bad record tag %#x", tag))
		}
	}
	return &partialError{s.Name, fmt.Errorf("%w: %v", errCorrupt, d.err)}
}

// ShardCut says where a sharded run cuts this query between the shards and the merge, for
// --explain.
func (p *Query) ShardCut() string {
	if p.strict != nil {
		return "sharded: not possible (a --strict-pipeline query with a barrier before other commands)\n"
	}
	var b strings.Builder
	switch partialKind(p) {
	case partialStats:
		b.WriteString("sharded: each shard runs the row stage and the first stats into partial groups (keys, first event, exact aggregate states)\n")
		b.WriteString("         merge folds the groups of all shards, then runs the rest: ")
		rest := []string{"post-stats commands"}
		if len(p.stats) > 1 {
			rest = append(rest, "second stats")
		}
		rest = append(rest, "sort, dedup, limit", "columns")
		b.WriteString(strings.Join(rest, ", ") + "\n")
	case partialRows:
		b.WriteString("sharded: each shard runs the row stage, then sort, dedup and limit over its own rows (top-K for sort + limit)\n")
		b.WriteString("         merge runs sort, dedup and limit again over the rows of all shards\n")
	default:
		b.WriteString("sharded: each shard runs the row stage and keeps its rows in input order")
		if p.limit > 0 {
			fmt.Fprintf(&b, " (at most %d)", p.limit)
		}
		b.WriteString("\n         merge writes the shards' rows in shard order")
		if p.limit > 0 {
			fmt.Fprintf(&b, ", stopping after %d", p.limit)
		}
		b.WriteString("\n")
	}
	return b.String()
}
