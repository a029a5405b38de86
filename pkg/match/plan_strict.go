package match

// This file plans --strict-pipeline (spec §4.3 step 7): the commands run literally in the order
// written. The commands before the first barrier (sort, limit, dedup, stats) are the ordinary
// row stage and run per event on the fast path; from the first barrier on, each command runs
// on the materialised rows of the one before (exec_strict.go). It exists to debug queries and
// to show where CloudWatch's model (plan.go) differs from a plain pipeline.

import "github.com/auditgrep/auditgrep/pkg/match/syntax"

type strictKind uint8

const (
	strictOps strictKind = iota
	strictSort
	strictLimit
	strictDedup
	strictStats
)

// strictStage is one step after the first barrier.
type strictStage struct {
	kind  strictKind
	cmd   syntax.Command
	ops   []rowOp
	keys  []sortSpec
	n     int
	dedup []evalFn
	stats *statsStage
	// implicit marks the @timestamp desc sort that dedup adds when nothing was sorted (§5.8).
	implicit bool
}

// strictPlan is the part of a strict program after the first barrier.
type strictPlan struct {
	stages   []*strictStage
	hasStats bool
}

func (p *Query) planStrict() error {
	p.rowScope = newScope(true)
	c := &compiler{p: p, sc: p.rowScope}
	sp := &strictPlan{}
	var display *syntax.FieldsCmd
	sorted := false
	lastStats := -1
	// prevStats is the stats the commands being planned follow: an aggregate sort key names
	// one of its columns.
	var prevStats *syntax.StatsCmd
	for i, cmd := range p.q.Commands {
		if _, ok := cmd.(*syntax.StatsCmd); ok {
			lastStats = i
		}
	}
	addOp := func(op rowOp, cmd syntax.Command) {
		if len(sp.stages) == 0 {
			p.rowOps = append(p.rowOps, op)
			return
		}
		last := sp.stages[len(sp.stages)-1]
		if last.kind != strictOps {
			last = &strictStage{kind: strictOps, cmd: cmd}
			sp.stages = append(sp.stages, last)
		}
		last.ops = append(last.ops, op)
	}
	for i, cmd := range p.q.Commands {
		switch cmd := cmd.(type) {
		case *syntax.FieldsCmd:
			if cmd.Display {
				// Display chooses the columns only; a display before the last stats
				// describes rows that no longer exist (A47).
				if i > lastStats {
					display = cmd
				}
				continue
			}
			op, ok, err := p.rowOp(c, cmd)
			if err != nil {
				return err
			}
			if ok {
				addOp(op, cmd)
			}
		case *syntax.FilterCmd, *syntax.ParseCmd, *syntax.UnnestCmd:
			op, ok, err := p.rowOp(c, cmd)
			if err != nil {
				return err
			}
			if ok {
				addOp(op, cmd)
			}
		case *syntax.SortCmd:
			s := &strictStage{kind: strictSort, cmd: cmd}
			for _, k := range cmd.Keys {
				x, err := sortKeyExpr(k.X, prevStats)
				if err != nil {
					return err
				}
				f, err := c.expr(x)
				if err != nil {
					return err
				}
				s.keys = append(s.keys, sortSpec{fn: f, desc: k.Desc})
			}
			sp.stages = append(sp.stages, s)
			sorted = true
		case *syntax.LimitCmd:
			sp.stages = append(sp.stages, &strictStage{kind: strictLimit, cmd: cmd, n: cmd.N})
		case *syntax.DedupCmd:
			if !sorted {
				// "If the results are not sorted before being run through dedup, then the
				// default descending sort order using @timestamp is used" (spec §5.8).
				sp.stages = append(sp.stages, &strictStage{kind: strictSort, cmd: cmd, implicit: true,
					keys: []sortSpec{{fn: c.field("@timestamp"), desc: true}}})
				sorted = true
			}
			s := &strictStage{kind: strictDedup, cmd: cmd}
			for _, x := range cmd.Fields {
				f, err := c.expr(x)
				if err != nil {
					return err
				}
				s.dedup = append(s.dedup, f)
			}
			sp.stages = append(sp.stages, s)
		case *syntax.StatsCmd:
			st, err := p.compileStats(cmd, c.sc)
			if err != nil {
				return err
			}
			prevStats = cmd
			sp.stages = append(sp.stages, &strictStage{kind: strictStats, cmd: cmd, stats: st})
			sp.hasStats = true
			c = &compiler{p: p, sc: st.out}
			// Stats rows come out in first-seen group order: not sorted by anything.
			sorted = false
		}
	}
	p.final = c.sc
	if len(sp.stages) > 0 {
		p.strict = sp
	}
	return p.projectionStrict(&compiler{p: p, sc: p.final}, display)
}

// projectionStrict is projection (spec §4.3 step 6) for a strict program: the same column
// rules, in the scope of the last stage.
func (p *Query) projectionStrict(fc *compiler, display *syntax.FieldsCmd) error {
	if p.strict == nil || !p.strict.hasStats {
		return p.projection(fc, display)
	}
	// projection decides "stats columns" by p.stats, which a strict program leaves empty (its
	// aggregation runs in exec_strict.go); lend it a placeholder for the decision.
	saved := p.stats
	p.stats = []*statsStage{nil}
	err := p.projection(fc, display)
	p.stats = saved
	return err
}
