package match

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
)

// This file runs the part of a --strict-pipeline program after its first barrier (see
// plan_strict.go). Rows reaching the barrier are materialised: their record is copied (message
// included) so that later commands can still read raw event fields, and their values cloned.
// Three hooks in exec.go lead here: NewExec turns streaming off, collect hands each row that
// passed the row stage to strictCollect, and Finish calls finishStrict.

// strictWorker is one worker's share of the first barrier's input.
type strictWorker struct {
	rows   []*rowState
	groups *groupTable
}

// strictCollect takes a row that passed the row stage.
func (x *executor) strictCollect(wk *worker, r *rowState) {
	first := x.p.strict.stages[0]
	if first.kind == strictStats {
		if wk.strict.groups == nil {
			wk.strict.groups = newGroupTable(first.stats)
		}
		wk.strict.groups.add(r)
		return
	}
	wk.strict.rows = append(wk.strict.rows, snapshotRow(r))
}

// snapshotRow copies a row so that it outlives its batch.
func snapshotRow(r *rowState) *rowState {
	n := &rowState{p: r.p, file: r.file, ord: r.ord}
	if r.rec != nil {
		rec := *r.rec
		rec.Message = bytes.Clone(r.rec.Message)
		rec.Stream, rec.Group, rec.Owner = strings.Clone(rec.Stream), strings.Clone(rec.Group), strings.Clone(rec.Owner)
		n.rec = &rec
	}
	n.vars = make([]Value, len(r.vars))
	for i, v := range r.vars {
		n.vars[i] = v.Clone()
	}
	n.set = append([]bool(nil), r.set...)
	if r.aggs != nil {
		n.aggs = make([]Value, len(r.aggs))
		for i, v := range r.aggs {
			n.aggs[i] = v.Clone()
		}
	}
	return n
}

// copyRow is a shallow copy of a materialised row, for unnest.
func copyRow(r *rowState) *rowState {
	n := &rowState{p: r.p, rec: r.rec, file: r.file, ord: r.ord}
	n.vars = append([]Value(nil), r.vars...)
	n.set = append([]bool(nil), r.set...)
	n.aggs = r.aggs
	return n
}

func (x *executor) finishStrict() (RunStats, error) {
	sp := x.p.strict
	var rows []*rowState
	stages := sp.stages
	if stages[0].kind == strictStats {
		var t *groupTable
		for _, wk := range x.workers {
			switch {
			case wk.strict.groups == nil:
			case t == nil:
				t = wk.strict.groups
			default:
				t.merge(wk.strict.groups)
			}
		}
		if t != nil {
			rows = t.rows(x.p)
		}
		stages = stages[1:]
	} else {
		for _, wk := range x.workers {
			rows = append(rows, wk.strict.rows...)
		}
		// Input order: files in order, then events in file order, whatever the split.
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].ord < rows[j].ord })
	}
	for _, s := range stages {
		rows = runStrictStage(x.p, s, rows)
	}
	out := make([]outRow, 0, len(rows))
	for _, r := range rows {
		row := outRow{vals: make([]Value, len(x.p.colFns)), ord: r.ord}
		for j, f := range x.p.colFns {
			row.vals[j] = markJSON(f(r), x.p.cols[j])
		}
		if x.opts.KeepRaw && r.rec != nil {
			row.raw = r.rec.Message
		}
		out = append(out, row)
	}
	if err := x.writeRows(out); err != nil {
		return x.stats, err
	}
	if !x.begun {
		x.begun = true
		if err := x.w.Begin(x.p.cols); err != nil {
			return x.stats, err
		}
	}
	return x.stats, x.w.End()
}

func runStrictStage(p *Query, s *strictStage, rows []*rowState) []*rowState {
	switch s.kind {
	case strictOps:
		var out []*rowState
		o := opsRun{ops: s.ops, fork: copyRow, emit: func(r *rowState) { out = append(out, r) }}
		for _, r := range rows {
			o.run(r, 0)
		}
		return out
	case strictSort:
		keys := make([][]Value, len(rows))
		for i, r := range rows {
			keys[i] = make([]Value, len(s.keys))
			for k, sk := range s.keys {
				keys[i][k] = sk.fn(r)
			}
		}
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			for k := range s.keys {
				if c := sortKeyCompare(keys[idx[a]][k], keys[idx[b]][k], s.keys[k].desc); c != 0 {
					return c < 0
				}
			}
			return false
		})
		out := make([]*rowState, len(rows))
		for i, j := range idx {
			out[i] = rows[j]
		}
		return out
	case strictLimit:
		if len(rows) > s.n {
			rows = rows[:s.n]
		}
		return rows
	case strictDedup:
		seen := map[string]bool{}
		var out []*rowState
		var key []byte
	rowLoop:
		for _, r := range rows {
			key = key[:0]
			for _, f := range s.dedup {
				v := f(r)
				if v.Kind == Absent {
					// Rows with a null dedup field are all kept (spec §5.8).
					out = append(out, r)
					continue rowLoop
				}
				key = strconv.AppendQuote(key, v.Render())
			}
			if !seen[string(key)] {
				seen[string(key)] = true
				out = append(out, r)
			}
		}
		return out
	case strictStats:
		t := newGroupTable(s.stats)
		for i, r := range rows {
			// Groups come out in the order of their first row in the current order.
			r.ord = uint64(i)
			t.add(r)
		}
		return t.rows(p)
	}
	return rows
}
