package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"regexp"
	"sort"
	"strings"
	"time"
	"unsafe"
)

// Options change how a query is compiled.
type Options struct {
	// LogGroup and Account fill @log ("account:group") where the input does not carry it.
	LogGroup, Account string
	// Now is the query's start time, for now(); zero means time.Now().
	Now time.Time
	// NoPrefilter turns off the raw-byte prefilter and the @logStream file skip (for checking
	// that they change nothing, and for debugging).
	NoPrefilter bool
	// QueryStart and QueryEnd are the query's time range (the CLI's time-range flags), read by
	// queryStartTime(), queryEndTime() and queryTimeRange(); zero means unbounded, and those
	// functions are then absent.
	QueryStart, QueryEnd time.Time
	// StrictPipeline runs the commands literally in the order written instead of the
	// CloudWatch-compatible model of spec §4.3 (see exec_strict.go).
	StrictPipeline bool
}

// Query is a compiled query, laid out in the stages of the CloudWatch-compatible evaluation
// model (spec §4.3): a per-event row stage, up to two aggregation stages, and a final stage of
// sort, dedup, limit and projection. It is safe for concurrent use by the workers of one Exec.
type Query struct {
	q       *syntax.Query
	opts    Options
	evalEnv evalEnv

	wantNames map[string]bool
	want      *jsonPathSet
	likeMemos int // like tests on the stream name that remember their last answer (rowState.likeMemo)
	// fieldNames are the input field names compiled into lookups, by slot (fieldSlot), and
	// fieldWant their positions in want.names (-1: not wanted), filled once want is built.
	fieldNames []string
	fieldWant  []int32

	rowScope *scope
	rowOps   []rowOp

	stats []*statsStage

	// pre and streamConds come from the row stage's filters (prefilter.go).
	pre         prefilter
	streamConds []evalFn
	streamText  []string
	rowFilters  []syntax.Expr

	final      *scope
	cols       []string
	colFns     []evalFn
	sortKeys   []sortSpec
	dedup      []evalFn
	limit      int
	limitAny   bool
	hasDisplay bool

	// strict is the part after the first barrier of a --strict-pipeline program (nil otherwise,
	// and when the query has no barrier: it then runs the same either way).
	strict *strictPlan
	// stageOf is the stage each command runs in (0: row stage, k: after the k-th stats), for
	// Explain; nil for a strict program.
	stageOf []int
}

type opKind uint8

const (
	opFilter opKind = iota
	opSet
	opParse
	opUnnest
)

// rowOp is one per-row operation of the row stage or of a post-stats stage.
type rowOp struct {
	kind opKind
	cond evalFn
	sets []setItem
	// parse
	src     evalFn
	re      *regexp.Regexp
	groupTo []int  // regex group index -> slot (-1: unnamed group)
	multi   bool   // parse ... multi: one row per match
	mode    string // parse logfmt or csv: groupTo[i] is the slot of the i-th name
	// unnest
	slot int
}

type setItem struct {
	slot int
	fn   evalFn
}

type sortSpec struct {
	fn   evalFn
	desc bool
}

type aggSpec struct {
	def    *aggDef
	arg    evalFn
	params []Value
}

type statsStage struct {
	keys     []evalFn
	aggs     []aggSpec
	items    []setItem // computed in the output scope after aggregation
	out      *scope
	postOps  []rowOp
	keyCount int
}

// Columns returns the output columns, in order.
func (p *Query) Columns() []string { return p.cols }

// HasStats reports whether the query aggregates; its rows then carry no raw event.
func (p *Query) HasStats() bool { return len(p.stats) > 0 || (p.strict != nil && p.strict.hasStats) }

func (p *Query) wantName(name string) {
	if p.wantNames == nil {
		p.wantNames = map[string]bool{}
	}
	p.wantNames[name] = true
}

// compileSyntax plans a parsed query.
func compileSyntax(q *syntax.Query, opts Options) (*Query, error) {
	p := &Query{q: q, opts: opts}
	p.evalEnv.Now = opts.Now
	p.evalEnv.QueryStart, p.evalEnv.QueryEnd = opts.QueryStart, opts.QueryEnd
	if p.evalEnv.Now.IsZero() {
		p.evalEnv.Now = time.Now()
	}
	plan := p.plan
	if opts.StrictPipeline {
		plan = p.planStrict
	}
	if err := plan(); err != nil {
		return nil, err
	}
	if !opts.NoPrefilter {
		p.buildPrefilter(p.rowFilters)
	}
	names := make([]string, 0, len(p.wantNames))
	for n := range p.wantNames {
		// A system field is always answered by the framing (rowState.systemField), never
		// looked up in the JSON; in the want set it could never be found, and the scan of
		// every message would go on to its end instead of stopping at the last wanted name.
		if !isSystemField(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	p.want = newJSONPathSet(names)
	p.fieldWant = make([]int32, len(p.fieldNames))
	for k, n := range p.fieldNames {
		p.fieldWant[k] = -1
		if i, ok := p.want.index[n]; ok {
			p.fieldWant[k] = int32(i)
		}
	}
	return p, nil
}

// fieldSlot returns the slot of an input field lookup (see fieldNames).
func (p *Query) fieldSlot(name string) int {
	p.fieldNames = append(p.fieldNames, name)
	return len(p.fieldNames) - 1
}

func (p *Query) plan() error {
	cmds := p.q.Commands
	var statsIdx []int
	for i, c := range cmds {
		if _, ok := c.(*syntax.StatsCmd); ok {
			statsIdx = append(statsIdx, i)
		}
	}
	// stageOf says which stage a command runs in: 0 is the row stage, k is after the k-th stats.
	stageOf := make([]int, len(cmds))
	aggNames := make([]map[string]bool, len(statsIdx))
	for k, i := range statsIdx {
		aggNames[k] = syntax.StatsOutputNames(cmds, i)
	}
	for i, c := range cmds {
		after := 0
		for k, si := range statsIdx {
			if i > si {
				after = k + 1
			}
		}
		stageOf[i] = after
		f, ok := c.(*syntax.FilterCmd)
		if !ok {
			if _, isFields := c.(*syntax.FieldsCmd); isFields && after > 0 {
				continue
			}
			if after > 0 {
				// parse and unnest of raw fields only make sense per event.
				switch c.(type) {
				case *syntax.ParseCmd, *syntax.UnnestCmd:
					stageOf[i] = 0
				}
			}
			continue
		}
		// A filter runs after the stats whose aggregate it names, wherever it is written; a
		// filter on raw event fields written after stats runs before aggregation (spec §4.2).
		refs := fieldRefs(f.Cond)
		stage := 0
		for k := range statsIdx {
			for _, r := range refs {
				if aggNames[k][r] && k+1 > stage {
					stage = k + 1
				}
			}
		}
		if stage > 0 && stage < after {
			stage = after
		}
		stageOf[i] = stage
	}

	p.stageOf = stageOf
	p.rowScope = newScope(true)
	c := &compiler{p: p, sc: p.rowScope}
	for i, cmd := range cmds {
		if stageOf[i] != 0 {
			continue
		}
		switch cmd := cmd.(type) {
		case *syntax.FilterCmd, *syntax.FieldsCmd, *syntax.ParseCmd, *syntax.UnnestCmd:
			if _, ok := cmd.(*syntax.FieldsCmd); ok && cmd.(*syntax.FieldsCmd).Display {
				continue
			}
			op, ok, err := p.rowOp(c, cmd)
			if err != nil {
				return err
			}
			if ok {
				p.rowOps = append(p.rowOps, op)
			}
			if f, isFilter := cmd.(*syntax.FilterCmd); isFilter {
				p.rowFilters = append(p.rowFilters, f.Cond)
			}
		}
	}

	in := p.rowScope
	for k, si := range statsIdx {
		st, err := p.compileStats(cmds[si].(*syntax.StatsCmd), in)
		if err != nil {
			return err
		}
		sc := &compiler{p: p, sc: st.out}
		for i, cmd := range cmds {
			// A filter written before this stats that names one of its outputs is deferred to
			// here too (spec §4.2), so position is not checked: only the stage.
			if stageOf[i] != k+1 {
				continue
			}
			if fc, ok := cmd.(*syntax.FieldsCmd); ok && fc.Display {
				continue
			}
			switch cmd.(type) {
			case *syntax.FilterCmd, *syntax.FieldsCmd:
				op, ok, err := p.rowOp(sc, cmd)
				if err != nil {
					return err
				}
				if ok {
					st.postOps = append(st.postOps, op)
				}
			}
		}
		p.stats = append(p.stats, st)
		in = st.out
	}
	p.final = in
	fc := &compiler{p: p, sc: p.final}

	// Query-global commands: the last sort, dedup, limit and display win (spec §4.3 step 3).
	var sortCmd *syntax.SortCmd
	var dedupCmd *syntax.DedupCmd
	var display *syntax.FieldsCmd
	for _, cmd := range cmds {
		switch cmd := cmd.(type) {
		case *syntax.SortCmd:
			sortCmd = cmd
		case *syntax.DedupCmd:
			dedupCmd = cmd
		case *syntax.LimitCmd:
			p.limit, p.limitAny = cmd.N, cmd.Any
		case *syntax.FieldsCmd:
			if cmd.Display {
				display = cmd
			}
		}
	}
	lastStats := -1
	if len(statsIdx) > 0 {
		lastStats = statsIdx[len(statsIdx)-1]
		// A display before the last stats describes rows that no longer exist (A47).
		if display != nil && display.Sp.Start < cmds[lastStats].Pos().Start {
			display = nil
		}
	}
	if sortCmd != nil {
		var st *syntax.StatsCmd
		if lastStats >= 0 {
			st = cmds[lastStats].(*syntax.StatsCmd)
		}
		for _, k := range sortCmd.Keys {
			x, err := sortKeyExpr(k.X, st)
			if err != nil {
				return err
			}
			f, err := fc.expr(x)
			if err != nil {
				return err
			}
			p.sortKeys = append(p.sortKeys, sortSpec{fn: f, desc: k.Desc})
		}
	}
	if dedupCmd != nil {
		for _, x := range dedupCmd.Fields {
			f, err := fc.expr(x)
			if err != nil {
				return err
			}
			p.dedup = append(p.dedup, f)
		}
		if sortCmd == nil {
			// "If the results are not sorted before being run through dedup, then the default
			// descending sort order using @timestamp is used" (spec §5.8).
			p.sortKeys = []sortSpec{{fn: fc.field("@timestamp"), desc: true}}
		}
	}
	return p.projection(fc, display)
}

// rowOp compiles a filter, fields, parse or unnest command into a per-row operation.
func (p *Query) rowOp(c *compiler, cmd syntax.Command) (rowOp, bool, error) {
	switch cmd := cmd.(type) {
	case *syntax.FilterCmd:
		f, err := c.expr(cmd.Cond)
		if err != nil {
			return rowOp{}, false, err
		}
		return rowOp{kind: opFilter, cond: f}, true, nil
	case *syntax.FieldsCmd:
		var sets []setItem
		for _, it := range cmd.Items {
			if fl, ok := it.X.(*syntax.Field); ok && (it.Alias == "" || it.Alias == fl.Name) {
				// A plain field needs no computing; it is read at projection time.
				c.expr(fl)
				continue
			}
			f, err := c.expr(it.X)
			if err != nil {
				return rowOp{}, false, err
			}
			sets = append(sets, setItem{slot: c.sc.define(it.Name()), fn: f})
		}
		if len(sets) == 0 {
			return rowOp{}, false, nil
		}
		return rowOp{kind: opSet, sets: sets}, true, nil
	case *syntax.ParseCmd:
		var src evalFn
		if cmd.Source == nil {
			src = c.field("@message")
		} else {
			f, err := c.expr(cmd.Source)
			if err != nil {
				return rowOp{}, false, err
			}
			src = f
		}
		if cmd.Mode != "" {
			// logfmt and csv: groupTo holds the names' slots in order.
			op := rowOp{kind: opParse, src: src, mode: cmd.Mode}
			for _, a := range cmd.Aliases {
				op.groupTo = append(op.groupTo, c.sc.define(a))
			}
			return op, true, nil
		}
		re := cmd.Re
		op := rowOp{kind: opParse, src: src, re: re, groupTo: make([]int, re.NumSubexp()+1), multi: cmd.Multi}
		for i := range op.groupTo {
			op.groupTo[i] = -1
		}
		if cmd.IsRegex && !cmd.AsList {
			for i, n := range re.SubexpNames() {
				if n != "" {
					op.groupTo[i] = c.sc.define(n)
				}
			}
		} else {
			// A glob's groups are its stars, in order, named by the aliases; so are the groups
			// of a regex followed by an as list.
			for i, a := range cmd.Aliases {
				if i+1 < len(op.groupTo) {
					op.groupTo[i+1] = c.sc.define(a)
				}
			}
		}
		return op, true, nil
	case *syntax.UnnestCmd:
		f, err := c.expr(cmd.X)
		if err != nil {
			return rowOp{}, false, err
		}
		return rowOp{kind: opUnnest, src: f, slot: c.sc.define(cmd.Into)}, true, nil
	}
	return rowOp{}, false, nil
}

func (p *Query) compileStats(st *syntax.StatsCmd, in *scope) (*statsStage, error) {
	s := &statsStage{out: newScope(false)}
	if !in.input {
		if err := checkSecondStats(st, in); err != nil {
			return nil, err
		}
	}
	ic := &compiler{p: p, sc: in}
	for _, it := range st.By {
		f, err := ic.expr(it.X)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, f)
		s.out.define(it.Name())
	}
	s.keyCount = len(st.By)
	oc := &compiler{p: p, sc: s.out}
	var aggErr error
	oc.aggSlot = func(call *syntax.Call) (int, bool) {
		def := lookupAgg(strings.ToLower(call.Name))
		if len(call.Args) < def.minArgs || (def.maxArgs >= 0 && len(call.Args) > def.maxArgs) {
			aggErr = syntax.Errorf(call.Sp, "%s() takes %d to %d argument(s), got %d", call.Name, def.minArgs, def.maxArgs, len(call.Args))
			return 0, false
		}
		spec := aggSpec{def: def}
		if len(call.Args) == 0 {
			spec.arg = func(*rowState) Value { return BoolV(true) }
		} else {
			f, err := ic.expr(call.Args[0])
			if err != nil {
				aggErr = err
				return 0, false
			}
			spec.arg = f
			for _, a := range call.Args[1:] {
				pf, err := ic.expr(a)
				if err != nil {
					aggErr = err
					return 0, false
				}
				if !isConstant(a) {
					aggErr = syntax.Errorf(a.Pos(), "the extra arguments of %s() must be constants", call.Name)
					return 0, false
				}
				spec.params = append(spec.params, pf(nil))
			}
		}
		s.aggs = append(s.aggs, spec)
		return len(s.aggs) - 1, true
	}
	for _, it := range st.Aggs {
		f, err := oc.expr(it.X)
		if aggErr != nil {
			return nil, aggErr
		}
		if err != nil {
			return nil, err
		}
		s.items = append(s.items, setItem{slot: s.out.define(it.Name()), fn: f})
	}
	// Check the aggregates' states can be made, so that a bad pct() argument fails here.
	for _, a := range s.aggs {
		if _, err := a.def.newFn(a.params); err != nil {
			return nil, &syntax.Error{Offset: st.Sp.Start, Len: st.Sp.End - st.Sp.Start, Msg: err.Error()}
		}
	}
	return s, nil
}

// checkSecondStats enforces "In the second stats command in a single query, you can refer only
// to fields that are defined in the first stats command" (spec §4.1): the fields read by its
// keys and inside its aggregates must be outputs of the first stats (or of fields after it).
func checkSecondStats(st *syntax.StatsCmd, in *scope) error {
	var bad *syntax.Field
	check := func(e syntax.Expr) {
		syntax.Walk(e, func(x syntax.Expr) {
			if f, ok := x.(*syntax.Field); ok && bad == nil {
				if _, ok := in.lookup(f.Name); !ok {
					bad = f
				}
			}
		})
	}
	for _, it := range st.By {
		check(it.X)
	}
	for _, it := range st.Aggs {
		syntax.Walk(it.X, func(x syntax.Expr) {
			if c, ok := x.(*syntax.Call); ok && lookupAgg(strings.ToLower(c.Name)) != nil {
				for _, a := range c.Args {
					check(a)
				}
			}
		})
	}
	if bad != nil {
		return syntax.Errorf(bad.Sp, "the second stats command can only use the fields the first one defines (%s): %s is not one of them", strings.Join(in.names, ", "), bad.Name)
	}
	return nil
}

func isConstant(e syntax.Expr) bool {
	switch e := e.(type) {
	case *syntax.StrLit, *syntax.NumLit, *syntax.PeriodLit:
		return true
	case *syntax.Unary:
		return e.Op == "-" && isConstant(e.X)
	}
	return false
}

// projection decides the output columns (spec §4.3 step 6).
func (p *Query) projection(fc *compiler, display *syntax.FieldsCmd) error {
	add := func(name string, f evalFn) {
		for _, c := range p.cols {
			if c == name {
				return
			}
		}
		p.cols = append(p.cols, name)
		p.colFns = append(p.colFns, f)
	}
	if display != nil {
		p.hasDisplay = true
		for _, it := range display.Items {
			name := it.Name()
			if fl, ok := it.X.(*syntax.Field); ok && it.Alias == "" {
				name = fl.Name
			}
			var f evalFn
			if _, ok := fc.sc.lookup(name); ok && it.Alias == "" {
				f = fc.field(name)
			} else {
				var err error
				if f, err = fc.expr(it.X); err != nil {
					return err
				}
			}
			add(name, f)
		}
		return nil
	}
	if len(p.stats) > 0 {
		for _, n := range p.final.names {
			add(n, fc.field(n))
		}
		// Names defined by fields after the last stats are shown too, after the stats columns.
		return nil
	}
	hasFields := false
	for _, cmd := range p.q.Commands {
		fcmd, ok := cmd.(*syntax.FieldsCmd)
		if !ok || fcmd.Display {
			continue
		}
		hasFields = true
		for _, it := range fcmd.Items {
			name := it.Name()
			if fl, ok := it.X.(*syntax.Field); ok && it.Alias == "" {
				name = fl.Name
			}
			add(name, fc.field(name))
		}
	}
	if !hasFields {
		add("@timestamp", fc.field("@timestamp"))
		add("@message", fc.field("@message"))
	}
	// Fields created by parse are shown after the listed ones (A51).
	for _, cmd := range p.q.Commands {
		if pc, ok := cmd.(*syntax.ParseCmd); ok {
			names := pc.Aliases
			for _, n := range names {
				add(n, fc.field(n))
			}
		}
	}
	return nil
}

// fieldRefs lists the field names an expression reads.
func fieldRefs(e syntax.Expr) []string {
	var out []string
	var walk func(syntax.Expr)
	walk = func(e syntax.Expr) {
		switch e := e.(type) {
		case *syntax.Field:
			out = append(out, e.Name)
		case *syntax.Unary:
			walk(e.X)
		case *syntax.Binary:
			walk(e.X)
			walk(e.Y)
		case *syntax.Like:
			walk(e.X)
		case *syntax.In:
			walk(e.X)
		case *syntax.Call:
			for _, a := range e.Args {
				walk(a)
			}
		case *syntax.Index:
			walk(e.X)
		}
	}
	walk(e)
	return out
}

// bytesToString views b as a string without copying. The result aliases b: it must be cloned
// before b's buffer is reused.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// String is the query in canonical form (the same for texts that differ only in spacing,
// quoting or keyword case).
func (p *Query) String() string { return p.q.String() }
