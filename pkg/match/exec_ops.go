package match

// This file is the one loop that runs row operations (filter, fields, parse, unnest) on a row,
// for every stage that has them: the streaming row stage (exec.go), the stages after a stats
// (stats_exec.go) and the stages after a --strict-pipeline barrier (exec_strict.go). What differs
// between them is only where the extra rows of a one-to-many operation live and what becomes of
// a row that passes; opsRun holds those two choices so that a fix to an operation lands once.

// opsRun runs a list of row operations.
type opsRun struct {
	ops []rowOp
	// fork returns the row that one of several rows made from r is written to (unnest, parse
	// ... multi). The streaming row stage returns r itself: each branch runs to its end before
	// the next starts, so one row can be reused. A stage whose rows outlive the call returns a
	// copy (copyRow).
	fork func(r *rowState) *rowState
	// emit takes a row that passed every operation.
	emit func(r *rowState)
}

// sameRow is the fork of the streaming row stage.
func sameRow(r *rowState) *rowState { return r }

// run runs the operations from i on r.
func (o *opsRun) run(r *rowState, i int) {
	ops := o.ops
	for ; i < len(ops); i++ {
		op := &ops[i]
		switch op.kind {
		case opFilter:
			if !op.cond(r).Truthy() {
				return
			}
		case opSet:
			for _, s := range op.sets {
				r.vars[s.slot] = s.fn(r)
				r.set[s.slot] = true
			}
		case opParse:
			if op.multi {
				o.parseMulti(r, op, i)
				return
			}
			applyParse(r, op)
		case opUnnest:
			// A non-list, including an absent value, is a list of one item; an empty list
			// drops the row (A27).
			v := op.src(r)
			elems := []Value{v}
			if v.Kind == List {
				elems = v.Elems
			}
			for _, e := range elems {
				n := o.fork(r)
				n.vars[op.slot] = e
				n.set[op.slot] = true
				o.run(n, i+1)
			}
			r.set[op.slot] = false
			return
		}
	}
	o.emit(r)
}

// parseMulti is `parse ... /regex/ multi`: one row per match of the regex, each with that
// match's groups; a value with no match passes once, without the extracted fields, as any
// parse does.
func (o *opsRun) parseMulti(r *rowState, op *rowOp, i int) {
	s, ok := toText(op.src(r))
	var all [][]int
	if ok {
		all = op.re.FindAllStringSubmatchIndex(s, -1)
	}
	if len(all) == 0 {
		o.run(r, i+1)
		return
	}
	for _, m := range all {
		n := o.fork(r)
		for _, slot := range op.groupTo {
			if slot >= 0 {
				n.set[slot] = false
			}
		}
		setGroups(n, op, s, m)
		o.run(n, i+1)
	}
	for _, slot := range op.groupTo {
		if slot >= 0 {
			r.set[slot] = false
		}
	}
}
