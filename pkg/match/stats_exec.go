package match

import (
	"sort"
	"strconv"
)

// group is the partial aggregate of one distinct tuple of `by` keys.
type group struct {
	keys   []Value
	states []aggFunc
	// first is the input position of the group's first event: groups are output in that order
	// when the query does not sort, which is the same for any split of the input.
	first uint64
	// seq orders groups whose first event is the same one (an event that unnest or parse ...
	// multi made several rows of): the order the table created them in. Groups of one event are
	// always created by one table, so seqs of different tables are never compared.
	seq uint64
}

// before reports whether g comes before h in first-seen order.
func (g *group) before(h *group) bool {
	if g.first != h.first {
		return g.first < h.first
	}
	return g.seq < h.seq
}

// groupTable holds one worker's partial aggregates for one stats stage.
type groupTable struct {
	st     *statsStage
	m      map[string]*group
	keyBuf []byte
	vals   []Value
	// n counts the groups the table has created, for group.seq.
	n uint64
}

func newGroupTable(st *statsStage) *groupTable {
	return &groupTable{st: st, m: map[string]*group{}, vals: make([]Value, len(st.keys))}
}

func (t *groupTable) add(r *rowState) {
	for i, k := range t.st.keys {
		t.vals[i] = k(r)
	}
	t.keyBuf = appendGroupKey(t.keyBuf[:0], t.vals)
	g := t.m[string(t.keyBuf)]
	if g == nil {
		g = &group{keys: make([]Value, len(t.vals)), states: make([]aggFunc, len(t.st.aggs)), first: r.ord, seq: t.n}
		t.n++
		for i, v := range t.vals {
			g.keys[i] = v.Clone()
		}
		for i, a := range t.st.aggs {
			s, err := a.def.newFn(a.params)
			if err != nil {
				panic("BUG: aggregate state checked at compile time: " + err.Error())
			}
			g.states[i] = s
		}
		t.m[string(t.keyBuf)] = g
	}
	if r.ord < g.first {
		g.first = r.ord
	}
	var ts int64
	hasTs := false
	if r.rec != nil && r.rec.HasTime {
		ts, hasTs = r.rec.Time, true
	}
	for i, a := range t.st.aggs {
		g.states[i].add(a.arg(r), ts, hasTs, r.ord)
	}
}

// appendGroupKey appends the map key of a tuple of `by` values. Keys are told apart by kind
// class and rendered text, so 200 (a number) and "200" (a string) group together, as CloudWatch
// shows them identically.
func appendGroupKey(b []byte, vals []Value) []byte {
	for _, v := range vals {
		if v.Kind == Absent {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = strconv.AppendInt(b, int64(len(v.Render())), 10)
			b = append(b, ':')
			b = append(b, v.Render()...)
		}
	}
	return b
}

// mergeGroup folds the group og (whose key is key) into t.
func (t *groupTable) mergeGroup(key []byte, og *group) {
	// Partials list their groups in first-seen order: reading order numbers them.
	og.seq = t.n
	t.n++
	g := t.m[string(key)]
	if g == nil {
		t.m[string(key)] = og
		return
	}
	for i := range g.states {
		g.states[i].merge(og.states[i])
	}
	if og.before(g) {
		g.first, g.seq = og.first, og.seq
	}
}

// merge folds o into t.
func (t *groupTable) merge(o *groupTable) {
	for k, og := range o.m {
		g := t.m[k]
		if g == nil {
			t.m[k] = og
			continue
		}
		for i := range g.states {
			g.states[i].merge(og.states[i])
		}
		if og.first < g.first {
			// The seq goes with the first event: it orders g among that event's groups,
			// which are all in o.
			g.first, g.seq = og.first, og.seq
		}
	}
}

// rows turns the groups into rows of the stage's output scope, in first-seen order, and runs
// the stage's post-stats operations on them.
func (t *groupTable) rows(p *Query) []*rowState {
	groups := make([]*group, 0, len(t.m))
	for _, g := range t.m {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].before(groups[j]) })
	st := t.st
	n := len(st.out.names)
	out := make([]*rowState, 0, len(groups))
	post := opsRun{ops: st.postOps, fork: copyRow, emit: func(r *rowState) { out = append(out, r) }}
	for i, g := range groups {
		r := &rowState{p: p, vars: make([]Value, n), set: make([]bool, n), aggs: make([]Value, len(g.states)), ord: uint64(i)}
		copy(r.vars, g.keys)
		for j := range g.keys {
			r.set[j] = true
		}
		for j, s := range g.states {
			r.aggs[j] = s.result()
		}
		for _, it := range st.items {
			r.vars[it.slot] = it.fn(r)
			r.set[it.slot] = true
		}
		post.run(r, 0)
	}
	return out
}

func (x *executor) finishStats() []outRow {
	t := x.workers[0].groups
	for _, wk := range x.workers[1:] {
		t.merge(wk.groups)
	}
	rows := t.rows(x.p)
	for _, st := range x.p.stats[1:] {
		t2 := newGroupTable(st)
		for _, r := range rows {
			t2.add(r)
		}
		rows = t2.rows(x.p)
	}
	out := make([]outRow, 0, len(rows))
	for _, r := range rows {
		row := outRow{vals: make([]Value, len(x.p.colFns)), ord: r.ord}
		for j, f := range x.p.colFns {
			row.vals[j] = f(r)
		}
		if len(x.p.sortKeys) > 0 {
			row.sortV = make([]Value, len(x.p.sortKeys))
			for j, k := range x.p.sortKeys {
				row.sortV[j] = k.fn(r)
			}
		}
		if len(x.p.dedup) > 0 {
			row.dedup = make([]Value, len(x.p.dedup))
			for j, f := range x.p.dedup {
				row.dedup[j] = f(r)
			}
		}
		out = append(out, row)
	}
	return out
}
