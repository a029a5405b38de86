package match

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"unsafe"
)

// group is the partial aggregate of one distinct tuple of `by` keys, as a partial result
// carries it (partial.go). The group table does not hold groups this way: see groupTable.
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

// groupTable holds one worker's partial aggregates for one stats stage.
//
// A merge can hold millions of groups, so a group is not an object: it is a number g, and its
// parts live in slices indexed by g. Its keys are one record in arena (see appendKeyRecord),
// found through an open-addressing index over the records' lookup keys; each aggregate's
// states are one slab of the state's concrete type (aggColumn), so that count and sum keep no
// per-group heap object. A group costs about 100 bytes plus its keys' text.
type groupTable struct {
	st *statsStage
	// arena holds the key records back to back; recOff[g] is where g's starts (it ends where
	// g+1's starts). Records are never rewritten, so strings may point into arena.
	arena  []byte
	recOff []uint64
	hashes []uint32 // the lookup key's hash, to skip most key comparisons and to grow slots
	first  []uint64
	seq    []uint64 // group.seq
	// n counts the groups the table has created or read, for seq.
	n    uint64
	cols []aggColumn
	// slots is the index: 0 for empty, g+1 for group g; linear probing, at most half full.
	slots []uint32

	keyBuf, extBuf []byte
	vals           []Value
	sbuf           []byte

	// render's last Time: its milliseconds and text.
	timeMs   int64
	timeText string
	timeSet  bool
}

// groupSeed is shared by all tables, so that merging tables reuses the hashes.
var groupSeed = maphash.MakeSeed()

func newGroupTable(st *statsStage) *groupTable {
	t := &groupTable{st: st, vals: make([]Value, len(st.keys)), slots: make([]uint32, 64)}
	for _, a := range st.aggs {
		s, err := a.def.newFn(a.params)
		if err != nil {
			panic("BUG: aggregate state checked at compile time: " + err.Error())
		}
		t.cols = append(t.cols, newAggColumn(s))
	}
	return t
}

// len is the number of groups.
func (t *groupTable) len() int { return len(t.first) }

func hashKey(key []byte) uint32 {
	h := maphash.Bytes(groupSeed, key)
	return uint32(h ^ h>>32)
}

// lookupKey is the lookup key of group g (appendGroupKey's bytes).
func (t *groupTable) lookupKey(g uint32) []byte {
	rec := t.record(g)
	n, w := binary.Uvarint(rec)
	return rec[w : w+int(n)]
}

// record is the key record of group g.
func (t *groupTable) record(g uint32) []byte {
	end := uint64(len(t.arena))
	if int(g)+1 < len(t.recOff) {
		end = t.recOff[g+1]
	}
	return t.arena[t.recOff[g]:end]
}

// find returns the group whose lookup key is key, or the free slot where it goes.
func (t *groupTable) find(key []byte, h uint32) (g uint32, slot int, ok bool) {
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, i, false
		}
		if g := s - 1; t.hashes[g] == h && bytes.Equal(t.lookupKey(g), key) {
			return g, i, true
		}
	}
}

// insert adds a group with the key record rec (whose lookup key hashes to h) at the free slot
// that find returned, with empty states; it returns the group's number.
func (t *groupTable) insert(slot int, h uint32, rec []byte, first, seq uint64) uint32 {
	if len(t.first) >= math.MaxUint32-1 {
		panic("more than 4 billion groups")
	}
	g := uint32(len(t.first))
	t.recOff = append(t.recOff, uint64(len(t.arena)))
	t.arena = append(t.arena, rec...)
	t.hashes = append(t.hashes, h)
	t.first = append(t.first, first)
	t.seq = append(t.seq, seq)
	for _, c := range t.cols {
		c.grow()
	}
	t.slots[slot] = g + 1
	if 2*len(t.first) > len(t.slots) {
		t.rehash()
	}
	return g
}

func (t *groupTable) rehash() {
	t.slots = make([]uint32, 2*len(t.slots))
	mask := len(t.slots) - 1
	for g, h := range t.hashes {
		i := int(h) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(g) + 1
	}
}

func (t *groupTable) add(r *rowState) {
	for i, k := range t.st.keys {
		t.vals[i] = k(r)
	}
	t.keyBuf = t.appendGroupKey(t.keyBuf[:0], t.vals)
	h := hashKey(t.keyBuf)
	g, slot, ok := t.find(t.keyBuf, h)
	if !ok {
		t.extBuf = t.extBuf[:0]
		for _, v := range t.vals {
			t.extBuf = appendKeyExtra(t.extBuf, v)
		}
		g = t.insert(slot, h, t.keyRecord(), r.ord, t.n)
		t.n++
	}
	if r.ord < t.first[g] {
		t.first[g] = r.ord
	}
	var ts int64
	hasTs := false
	if r.rec != nil && r.rec.HasTime {
		ts, hasTs = r.rec.Time, true
	}
	for i, a := range t.st.aggs {
		t.cols[i].add(g, a.arg(r), ts, hasTs, r.ord)
	}
}

// keyRecord builds the key record of keyBuf (the lookup key) and extBuf (the extras) in sbuf.
//
// A key record is the lookup key's length (uvarint), the lookup key, then one extra per key:
// 0 when the key is a plain string (or a bare Absent), which the lookup key renders exactly, or
// 1 and the value as a partial encodes it (penc.value) for any other value, since the lookup
// key does not tell 200 from "200" and the group keeps the kind it was first seen with.
func (t *groupTable) keyRecord() []byte {
	b := binary.AppendUvarint(t.sbuf[:0], uint64(len(t.keyBuf)))
	b = append(b, t.keyBuf...)
	b = append(b, t.extBuf...)
	t.sbuf = b
	return b
}

// plainKey reports whether v is rebuilt exactly from its part of the lookup key.
func plainKey(v Value) bool {
	return (v.Kind == String || (v.Kind == Absent && v.Str == "")) && !v.JSON &&
		math.Float64bits(v.Num) == 0 && v.Elems == nil && v.Keys == nil
}

func appendKeyExtra(b []byte, v Value) []byte {
	if plainKey(v) {
		return append(b, 0)
	}
	e := penc{buf: append(b, 1)}
	e.value(v)
	return e.buf
}

// keys appends the `by` values of group g to dst. Plain strings point into the arena.
func (t *groupTable) keys(g uint32, dst []Value) []Value {
	rec := t.record(g)
	n, w := binary.Uvarint(rec)
	key, ext := rec[w:w+int(n)], rec[w+int(n):]
	for range t.st.keys {
		var text []byte
		if key[0] == 0 {
			key = key[1:]
		} else {
			i := bytes.IndexByte(key, ':')
			l, _ := strconv.Atoi(string(key[1:i]))
			text, key = key[i+1:i+1+l], key[i+1+l:]
		}
		if ext[0] == 0 {
			var v Value
			if text != nil {
				v = Value{Kind: String, Str: unsafe.String(unsafe.SliceData(text), len(text))}
			}
			dst = append(dst, v)
			ext = ext[1:]
			continue
		}
		r := &sliceByteReader{b: ext[1:]}
		d := newPdec(r)
		dst = append(dst, d.value(0))
		if d.err != nil {
			panic("BUG: key record: " + d.err.Error())
		}
		ext = r.b
	}
	return dst
}

// sliceByteReader reads a byte slice, leaving the rest in b.
type sliceByteReader struct{ b []byte }

func (r *sliceByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errors.New("end of key record")
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *sliceByteReader) ReadByte() (byte, error) {
	if len(r.b) == 0 {
		return 0, errors.New("end of key record")
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

// appendGroupKey appends the map key of a tuple of `by` values. Keys are told apart by kind
// class and rendered text, so 200 (a number) and "200" (a string) group together, as CloudWatch
// shows them identically.
func (t *groupTable) appendGroupKey(b []byte, vals []Value) []byte {
	for _, v := range vals {
		b = t.appendKeyPart(b, v)
	}
	return b
}

func (t *groupTable) appendKeyPart(b []byte, v Value) []byte {
	if v.Kind == Absent {
		return append(b, 0)
	}
	text := t.render(v)
	b = append(b, 1)
	b = strconv.AppendInt(b, int64(len(text)), 10)
	b = append(b, ':')
	return append(b, text...)
}

// render is v.Render(), remembering the last time it rendered: a bin() key is the same instant
// for every event of a bin, and formatting it took 14% of a count_distinct by resource and
// bin(5m) query's CPU.
func (t *groupTable) render(v Value) string {
	if v.Kind != Time {
		return v.Render()
	}
	if ms := int64(v.Num); !t.timeSet || ms != t.timeMs {
		t.timeMs, t.timeText, t.timeSet = ms, v.Render(), true
	}
	return t.timeText
}

// decodeGroup reads a group record of a partial (after its tag) and folds it into t, decoding
// plain keys and simple states in place, without making a group.
func (t *groupTable) decodeGroup(d *pdec) {
	n := d.count()
	if d.err == nil && !(n == len(t.st.keys)+1 || (n == 0 && len(t.st.keys) == 0)) {
		d.fail(errors.New("group of another stats"))
	}
	t.keyBuf, t.extBuf = t.keyBuf[:0], t.extBuf[:0]
	for i := 0; i < n-1 && d.err == nil; i++ {
		t.decodeKey(d)
	}
	first := d.uvarint()
	if d.err != nil {
		return
	}
	// Partials list their groups in first-seen order: reading order numbers them.
	seq := t.n
	t.n++
	h := hashKey(t.keyBuf)
	g, slot, ok := t.find(t.keyBuf, h)
	if !ok {
		g = t.insert(slot, h, t.keyRecord(), first, seq)
	} else if first < t.first[g] || (first == t.first[g] && seq < t.seq[g]) {
		t.first[g], t.seq[g] = first, seq
	}
	for _, c := range t.cols {
		c.decode(g, d, !ok)
	}
}

// decodeKey reads one key value (penc.value) and appends its lookup key part and extra.
func (t *groupTable) decodeKey(d *pdec) {
	k := d.byte1()
	fl := d.byte1()
	if d.err != nil {
		return
	}
	if k > byte(Period) {
		d.fail(errors.New("bad value kind"))
		return
	}
	l := d.count()
	if d.err != nil {
		return
	}
	if cap(t.sbuf) < l {
		t.sbuf = make([]byte, l)
	}
	s := t.sbuf[:l]
	d.full(s)
	num := d.u64()
	if d.err != nil {
		return
	}
	if fl == 0 && num == 0 && (Kind(k) == String || (Kind(k) == Absent && l == 0)) {
		if Kind(k) == Absent {
			t.keyBuf = append(t.keyBuf, 0)
		} else {
			t.keyBuf = append(t.keyBuf, 1)
			t.keyBuf = strconv.AppendInt(t.keyBuf, int64(l), 10)
			t.keyBuf = append(t.keyBuf, ':')
			t.keyBuf = append(t.keyBuf, s...)
		}
		t.extBuf = append(t.extBuf, 0)
		return
	}
	v := Value{Kind: Kind(k), JSON: fl&valJSON != 0, Str: string(s), Num: math.Float64frombits(num)}
	d.valueRest(&v, fl, 0)
	t.keyBuf = t.appendKeyPart(t.keyBuf, v)
	t.extBuf = appendKeyExtra(t.extBuf, v)
}

// merge folds o into t.
func (t *groupTable) merge(o *groupTable) {
	for og := range uint32(o.len()) {
		h := o.hashes[og]
		g, slot, ok := t.find(o.lookupKey(og), h)
		if !ok {
			g = t.insert(slot, h, o.record(og), o.first[og], o.seq[og])
			for i, c := range t.cols {
				c.set(g, o.cols[i], og)
			}
			continue
		}
		for i, c := range t.cols {
			c.merge(g, o.cols[i], og)
		}
		if o.first[og] < t.first[g] {
			// The seq goes with the first event: it orders g among that event's groups,
			// which are all in o.
			t.first[g], t.seq[g] = o.first[og], o.seq[og]
		}
	}
}

// order is the groups in first-seen order.
func (t *groupTable) order() []uint32 {
	gs := make([]uint32, t.len())
	for i := range gs {
		gs[i] = uint32(i)
	}
	slices.SortFunc(gs, func(a, b uint32) int {
		switch fa, fb := t.first[a], t.first[b]; {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return cmp.Compare(t.seq[a], t.seq[b])
	})
	return gs
}

// group fills g with group i's keys and states (pointers into t's slabs), as a partial
// writes it.
func (t *groupTable) group(i uint32, g *group) {
	g.keys = t.keys(i, g.keys[:0])
	g.states = g.states[:0]
	for _, c := range t.cols {
		g.states = append(g.states, c.at(i))
	}
	g.first, g.seq = t.first[i], t.seq[i]
}

// fillRow sets r, a row of the stage's output scope, to group g's keys, aggregates and items.
func (t *groupTable) fillRow(g uint32, r *rowState) {
	t.keys(g, r.vars[:0])
	for j := range t.st.keys {
		r.set[j] = true
	}
	for j, c := range t.cols {
		r.aggs[j] = c.at(g).result()
	}
	for _, it := range t.st.items {
		r.vars[it.slot] = it.fn(r)
		r.set[it.slot] = true
	}
}

// streamStats writes the rows of a query with one stats and no sort or dedup as it makes them,
// in first-seen order, from one reused row: the output of a million groups is never held.
func (x *executor) streamStats() error {
	t := x.workers[0].groups
	for _, wk := range x.workers[1:] {
		t.merge(wk.groups)
	}
	n := len(t.st.out.names)
	vars, set, aggs := make([]Value, n), make([]bool, n), make([]Value, len(t.cols))
	vals := make([]Value, len(x.p.colFns))
	var err error
	// Each row that the post-stats commands make is written before the next is made, so
	// they can all be one row (sameRow).
	post := opsRun{ops: t.st.postOps, fork: sameRow, emit: func(r *rowState) {
		if err != nil || (x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit)) {
			return
		}
		for j, f := range x.p.colFns {
			vals[j] = f(r)
		}
		if !x.begun {
			x.begun = true
			if err = x.w.Begin(x.p.cols); err != nil {
				return
			}
		}
		if err = x.w.Row(vals, nil); err == nil {
			x.stats.RowsOut++
		}
	}}
	for i, g := range t.order() {
		if err != nil || (x.p.limit > 0 && x.stats.RowsOut >= int64(x.p.limit)) {
			break
		}
		clear(vars)
		clear(set)
		r := &rowState{p: x.p, vars: vars, set: set, aggs: aggs, ord: uint64(i)}
		t.fillRow(g, r)
		post.run(r, 0)
	}
	return err
}

// rows turns the groups into rows of the stage's output scope, in first-seen order, and runs
// the stage's post-stats operations on them.
func (t *groupTable) rows(p *Query) []*rowState {
	st := t.st
	n := len(st.out.names)
	out := make([]*rowState, 0, t.len())
	post := opsRun{ops: st.postOps, fork: copyRow, emit: func(r *rowState) { out = append(out, r) }}
	for i, g := range t.order() {
		r := &rowState{p: p, vars: make([]Value, n), set: make([]bool, n), aggs: make([]Value, len(t.cols)), ord: uint64(i)}
		t.fillRow(g, r)
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
