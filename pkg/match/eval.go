package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"regexp"
	"strconv"
	"strings"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// evalFn computes an expression for one row. Expressions are compiled once into a tree of
// closures (STYLE.md item 4): no bytecode, no per-row interpretation of the AST.
//
// Boolean results use three values (spec §7.6): BoolV(true), BoolV(false), and Absent for
// "unknown" (a comparison with a missing field). A filter keeps a row only when its condition is
// truthy, so unknown and false both drop it, but `not unknown` stays unknown.
type evalFn func(r *rowState) Value

// rowState is the state of one row while it passes through the stages: the input record (nil for
// an aggregated row), the values of names defined by parse, fields, unnest and stats, and the
// lazily flattened JSON of the message. A rowState belongs to one worker and is reused.
type rowState struct {
	rec  *scan.Record
	file *scan.File
	ord  uint64

	vars []Value
	set  []bool
	aggs []Value

	js       jsonFields
	jsParsed bool
	jsOK     bool

	p       *Query
	scratch [][]Value
	depth   int
	ptr     []byte

	likeMemo []likeMemo // per worker; nil where a row state is made for one use
}

func (r *rowState) reset(rec *scan.Record, file *scan.File, ord uint64) {
	r.rec, r.file, r.ord = rec, file, ord
	for i := range r.set {
		r.set[i] = false
		r.vars[i] = Value{}
	}
	r.jsParsed = false
}

// json returns the message's flattened fields, parsing on first use.
func (r *rowState) json() (*jsonFields, bool) {
	if !r.jsParsed {
		r.jsParsed = true
		r.jsOK = r.rec != nil && r.js.parse(r.rec.Message, r.p.want)
	}
	return &r.js, r.jsOK
}

// args returns a scratch slice of n values for a function call at the current nesting depth, so
// that calls allocate nothing per row.
func (r *rowState) args(n int) []Value {
	for len(r.scratch) <= r.depth {
		r.scratch = append(r.scratch, make([]Value, 0, 8))
	}
	s := r.scratch[r.depth][:0]
	for i := 0; i < n; i++ {
		s = append(s, Value{})
	}
	r.scratch[r.depth] = s
	return s
}

// isSystemField reports whether name is one of the @ fields the input framing provides
// (systemField answers them, whatever the record): never read from the message's JSON.
func isSystemField(name string) bool {
	switch name {
	case "@timestamp", "@message", "@logStream", "@log", "@logGroup", "@ptr", "@ingestionTime":
		return true
	}
	return false
}

// systemField returns the value of an @ field the input provides, and whether name is one.
func (r *rowState) systemField(name string) (Value, bool) {
	if len(name) < 2 || name[0] != '@' {
		return Value{}, false
	}
	rec := r.rec
	switch name {
	case "@timestamp":
		if rec == nil || !rec.HasTime {
			return Value{}, true
		}
		return TimeMs(rec.Time), true
	case "@message":
		if rec == nil {
			return Value{}, true
		}
		return Value{Kind: String, Str: bytesToString(rec.Message)}, true
	case "@logStream":
		if rec == nil {
			return Value{}, true
		}
		s := rec.Stream
		if s == "" && r.file != nil {
			s = r.file.Stream
		}
		return Str(s), true
	case "@log", "@logGroup":
		if rec == nil {
			return Value{}, true
		}
		group, owner := rec.Group, rec.Owner
		if group == "" {
			group = r.p.opts.LogGroup
		}
		if owner == "" {
			owner = r.p.opts.Account
		}
		if group == "" {
			return Value{}, true
		}
		if name == "@logGroup" || owner == "" {
			return Str(group), true
		}
		return Str(owner + ":" + group), true
	case "@ptr":
		if rec == nil || r.file == nil {
			return Value{}, true
		}
		r.ptr = append(r.ptr[:0], r.file.Path...)
		r.ptr = append(r.ptr, ':')
		r.ptr = strconv.AppendInt(r.ptr, rec.Line, 10)
		return Str(string(r.ptr)), true
	case "@ingestionTime":
		// Exports and subscription envelopes do not carry it (spec §1.3).
		return Value{}, true
	}
	return Value{}, false
}

// lookupInput resolves a name against the input record: system fields, then the message's
// discovered JSON fields.
// lookupInputAt is lookupInput for the name of field slot k (Query.fieldSlot): the position of
// a wanted name in the want set is looked up once at compile time, not in a map per event.
func (r *rowState) lookupInputAt(name string, k int) Value {
	if k >= len(r.p.fieldWant) || len(name) > 0 && name[0] == '@' {
		return r.lookupInput(name)
	}
	if r.rec == nil {
		return Value{}
	}
	js, ok := r.json()
	if !ok || js.want != r.p.want {
		if ok {
			v, _ := js.get(name)
			return v
		}
		return Value{}
	}
	i := r.p.fieldWant[k]
	if i < 0 || js.slot[i] < 0 {
		return Value{}
	}
	return js.fields[js.slot[i]].v
}

func (r *rowState) lookupInput(name string) Value {
	if v, ok := r.systemField(name); ok {
		return v
	}
	if r.rec == nil {
		return Value{}
	}
	js, ok := r.json()
	if !ok {
		return Value{}
	}
	v, _ := js.get(name)
	return v
}

// scope maps the names a query defines (parse, fields and unnest aliases, stats columns) to
// variable slots.
type scope struct {
	slots map[string]int
	names []string
	// input says whether names not in the scope fall through to the input record. It is false
	// after stats: aggregated rows have no record.
	input bool
}

func newScope(input bool) *scope { return &scope{slots: map[string]int{}, input: input} }

func (s *scope) define(name string) int {
	if i, ok := s.slots[name]; ok {
		return i
	}
	s.slots[name] = len(s.names)
	s.names = append(s.names, name)
	return len(s.names) - 1
}

func (s *scope) lookup(name string) (int, bool) {
	i, ok := s.slots[name]
	return i, ok
}

// compiler turns expressions into evalFns within a scope.
type compiler struct {
	p  *Query
	sc *scope
	// aggSlot, when set, compiles aggregate calls as reads of computed aggregate values.
	aggSlot func(c *syntax.Call) (int, bool)
}

func (c *compiler) expr(e syntax.Expr) (evalFn, error) {
	switch e := e.(type) {
	case *syntax.Field:
		return c.fieldPath(e.Name, e.Path), nil
	case *syntax.StrLit:
		v := Str(e.Val)
		return func(*rowState) Value { return v }, nil
	case *syntax.NumLit:
		v := NumLexeme(e.Val, e.Text)
		return func(*rowState) Value { return v }, nil
	case *syntax.PeriodLit:
		v := Value{Kind: Period, Num: float64(e.N), Str: e.Unit}
		return func(*rowState) Value { return v }, nil
	case *syntax.Star:
		return func(*rowState) Value { return BoolV(true) }, nil
	case *syntax.RegexLit:
		return nil, syntax.Errorf(e.Sp, "a regular expression can only follow like, not like or =~")
	case *syntax.ListLit:
		return nil, syntax.Errorf(e.Sp, "a list can only follow in or not in")
	case *syntax.Unary:
		x, err := c.expr(e.X)
		if err != nil {
			return nil, err
		}
		if e.Op == "not" {
			return func(r *rowState) Value { return not3(x(r)) }, nil
		}
		return func(r *rowState) Value { return negate(x(r)) }, nil
	case *syntax.Binary:
		return c.binary(e)
	case *syntax.Like:
		return c.like(e)
	case *syntax.In:
		return c.in(e)
	case *syntax.Call:
		return c.call(e)
	case *syntax.Index:
		x, err := c.expr(e.X)
		if err != nil {
			return nil, err
		}
		if e.IsIdx {
			i := e.Idx
			return func(r *rowState) Value { return jsonIndexN(x(r), i) }, nil
		}
		k := e.Key
		return func(r *rowState) Value { return jsonIndex(x(r), k) }, nil
	}
	return nil, syntax.Errorf(e.Pos(), "BUG: unhandled expression %T", e)
}

// field reads a field by its flattened name (the segments joined with ".").
func (c *compiler) field(name string) evalFn { return c.fieldPath(name, strings.Split(name, ".")) }

// fieldPath reads a field. A name the query defines is read from its slot; so is a path under
// one, such as lf.level after parse ... logfmt as lf or j.status after fields jsonParse(x) as
// j (the docs' "dot access operator (map.attribute)"), when the defined value is a map or list.
// Otherwise the name is the input's (a discovered JSON field), as before the name was defined.
func (c *compiler) fieldPath(name string, path []string) evalFn {
	if _, ok := c.sc.lookup(name); !ok {
		for k := len(path) - 1; k >= 1; k-- {
			base := strings.Join(path[:k], ".")
			if _, ok := c.sc.lookup(base); !ok {
				continue
			}
			bf, keys := c.plainField(base), path[k:]
			full := c.plainField(name)
			return func(r *rowState) Value {
				v := bf(r)
				if v.Kind != Map && v.Kind != List {
					return full(r)
				}
				for _, key := range keys {
					v = jsonIndex(v, key)
				}
				return v
			}
		}
	}
	return c.plainField(name)
}

func (c *compiler) plainField(name string) evalFn {
	if i, ok := c.sc.lookup(name); ok {
		if !c.sc.input {
			return func(r *rowState) Value { return r.vars[i] }
		}
		k := c.p.fieldSlot(name)
		return func(r *rowState) Value {
			if r.set[i] {
				return r.vars[i]
			}
			return r.lookupInputAt(name, k)
		}
	}
	if !c.sc.input {
		return func(*rowState) Value { return Value{} }
	}
	c.p.wantName(name)
	k := c.p.fieldSlot(name)
	return func(r *rowState) Value { return r.lookupInputAt(name, k) }
}

func not3(v Value) Value {
	if v.Kind == Absent {
		return v
	}
	return BoolV(!v.Truthy())
}

func (c *compiler) binary(e *syntax.Binary) (evalFn, error) {
	x, err := c.expr(e.X)
	if err != nil {
		return nil, err
	}
	y, err := c.expr(e.Y)
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "and":
		return func(r *rowState) Value {
			a := x(r)
			if a.Kind != Absent && !a.Truthy() {
				return BoolV(false)
			}
			b := y(r)
			if b.Kind != Absent && !b.Truthy() {
				return BoolV(false)
			}
			if a.Kind == Absent || b.Kind == Absent {
				return Value{}
			}
			return BoolV(true)
		}, nil
	case "or":
		return func(r *rowState) Value {
			a := x(r)
			if a.Truthy() {
				return BoolV(true)
			}
			b := y(r)
			if b.Truthy() {
				return BoolV(true)
			}
			if a.Kind == Absent || b.Kind == Absent {
				return Value{}
			}
			return BoolV(false)
		}, nil
	case "=", "!=":
		neq := e.Op == "!="
		return func(r *rowState) Value {
			a, b := x(r), y(r)
			if a.Kind == Absent || b.Kind == Absent {
				return Value{}
			}
			eq, ok := equalValues(a, b)
			if !ok {
				return BoolV(false)
			}
			return BoolV(eq != neq)
		}, nil
	case "<", "<=", ">", ">=":
		op := e.Op
		return func(r *rowState) Value {
			a, b := x(r), y(r)
			if a.Kind == Absent || b.Kind == Absent {
				return Value{}
			}
			cmp, ok := compareValues(a, b)
			if !ok {
				return BoolV(false)
			}
			switch op {
			case "<":
				return BoolV(cmp < 0)
			case "<=":
				return BoolV(cmp <= 0)
			case ">":
				return BoolV(cmp > 0)
			}
			return BoolV(cmp >= 0)
		}, nil
	case "+", "-", "*", "/", "%", "^":
		op := e.Op[0]
		return func(r *rowState) Value { return arith(op, x(r), y(r)) }, nil
	}
	return nil, syntax.Errorf(e.Sp, "BUG: unknown operator %q", e.Op)
}

func (c *compiler) like(e *syntax.Like) (evalFn, error) {
	x, err := c.expr(e.X)
	if err != nil {
		return nil, err
	}
	var match func(s string) bool
	switch p := e.Pat.(type) {
	case *syntax.RegexLit:
		re := p.Re
		if re == nil {
			if re, err = regexp.Compile(p.Src); err != nil {
				return nil, syntax.Errorf(p.Sp, "invalid regular expression: %v", err)
			}
		}
		match = re.MatchString
	case *syntax.StrLit:
		if e.Op == "=~" {
			// A string after =~ is a pattern (A14); for plain text it is the same as a substring.
			re, err := regexp.Compile(p.Val)
			if err != nil {
				return nil, syntax.Errorf(p.Sp, "invalid regular expression: %v", err)
			}
			match = re.MatchString
		} else {
			sub := p.Val
			match = func(s string) bool { return strings.Contains(s, sub) }
		}
	default:
		return nil, syntax.Errorf(e.Pat.Pos(), "expected a quoted string or a /regex/ after %s", e.Op)
	}
	not := e.Not
	if f, ok := e.X.(*syntax.Field); ok && len(f.Path) <= 1 && (f.Name == "@logStream" || f.Name == "@log") {
		// The same stream name for every event of a file: remember the last answer (per
		// worker, in the row state) instead of running the regex on each event.
		slot := c.p.likeMemos
		c.p.likeMemos++
		return func(r *rowState) Value {
			s, ok := toText(x(r))
			if !ok {
				return Value{}
			}
			if slot >= len(r.likeMemo) {
				return BoolV(match(s) != not)
			}
			m := &r.likeMemo[slot]
			if !m.set || s != m.s {
				*m = likeMemo{s: strings.Clone(s), match: match(s), set: true}
			}
			return BoolV(m.match != not)
		}, nil
	}
	return func(r *rowState) Value {
		s, ok := toText(x(r))
		if !ok {
			return Value{}
		}
		return BoolV(match(s) != not)
	}, nil
}

// likeMemo is a like's last input (a copy: the input may alias a reused buffer) and answer.
type likeMemo struct {
	s     string
	match bool
	set   bool
}

func (c *compiler) in(e *syntax.In) (evalFn, error) {
	x, err := c.expr(e.X)
	if err != nil {
		return nil, err
	}
	set := make([]Value, 0, len(e.List.Elems))
	for _, el := range e.List.Elems {
		f, err := c.expr(el)
		if err != nil {
			return nil, err
		}
		set = append(set, f(nil))
	}
	not := e.Not
	return func(r *rowState) Value {
		v := x(r)
		if v.Kind == Absent {
			return Value{}
		}
		found := false
		for _, s := range set {
			if eq, ok := equalValues(v, s); ok && eq {
				found = true
				break
			}
		}
		return BoolV(found != not)
	}, nil
}

// engineFuncs are the functions the compiler provides itself (call), not the function table.
var engineFuncs = map[string]bool{"bin": true, "jsonparse": true, "jsonstringify": true, "jsonarraysize": true, "jsonarraycontains": true}

// knownFuncNames lists every function name, in its documented spelling, for "did you mean".
func knownFuncNames() []string {
	names := []string{"bin", "jsonParse", "jsonStringify", "jsonArraySize", "jsonArrayContains"}
	names = append(names, syntax.Aggregates...)
	for _, list := range [][]*funcDef{numericFuncs, generalFuncs, stringFuncs, timeFuncs, dateFuncs, ipFuncs} {
		for _, d := range list {
			names = append(names, d.name)
		}
	}
	return names
}

func (c *compiler) call(e *syntax.Call) (evalFn, error) {
	name := strings.ToLower(e.Name)
	if lookupAgg(name) != nil {
		if c.aggSlot != nil {
			if i, ok := c.aggSlot(e); ok {
				return func(r *rowState) Value { return r.aggs[i] }, nil
			}
		}
		return nil, syntax.Errorf(e.Sp, "%s() is an aggregate function: it can only be used in stats", e.Name)
	}
	if !engineFuncs[name] && lookupFunc(name) == nil {
		if k := syntax.Suggest(e.Name, knownFuncNames()); k != "" {
			return nil, syntax.Errorf(e.Sp, "unknown function %s(): did you mean %s()?", e.Name, k)
		}
		return nil, syntax.Errorf(e.Sp, "unknown function %s()", e.Name)
	}
	switch name {
	case "bin", "datefloor", "dateceil":
		// The period is a literal: 5m, not 5 or a field.
		if i := len(e.Args) - 1; (name == "bin" && i == 0) || (name != "bin" && i == 1) {
			if _, ok := e.Args[i].(*syntax.PeriodLit); !ok {
				at := e.Args[i].Pos()
				return nil, syntax.Errorf(at, "%s() needs a time period such as 5m or 1h, found %s", e.Name, strings.TrimSpace(c.p.q.Text[at.Start:at.End]))
			}
		}
	}
	args := make([]evalFn, len(e.Args))
	for i, a := range e.Args {
		if _, ok := a.(*syntax.Star); ok {
			return nil, syntax.Errorf(a.Pos(), "* is only allowed as the argument of count(*)")
		}
		f, err := c.expr(a)
		if err != nil {
			return nil, err
		}
		args[i] = f
	}
	arity := func(min, max int) error {
		if len(args) < min || (max >= 0 && len(args) > max) {
			want := strconv.Itoa(min)
			switch {
			case max < 0:
				want = "at least " + want
			case max != min:
				want = want + " to " + strconv.Itoa(max)
			}
			return syntax.Errorf(e.Sp, "%s() takes %s argument(s), got %d", e.Name, want, len(args))
		}
		return nil
	}
	switch name {
	case "bin":
		// bin always rounds @timestamp (spec §9): bin(p) is datefloor(@timestamp, p).
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		ts := c.field("@timestamp")
		floor := lookupFunc("datefloor")
		p := args[0]
		if size, off, fixed, ok := fixedPeriod(p(nil)); fixed && ok {
			// The usual bin(5m): bucket arithmetic on the timestamp, without the general
			// call (dateRound's fixed-unit branch, the period's lookups done once here).
			return func(r *rowState) Value {
				ms, ok := timeArgMs(ts(r))
				if !ok {
					return absentValue
				}
				return TimeMs(floorDiv(ms-off, size)*size + off)
			}, nil
		}
		return func(r *rowState) Value {
			a := r.args(2)
			a[0], a[1] = ts(r), p(r)
			r.depth++
			v := floor.fn(&r.p.evalEnv, a)
			r.depth--
			return v
		}, nil
	case "jsonparse":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		x := args[0]
		return func(r *rowState) Value {
			s, ok := toText(x(r))
			if !ok {
				return Value{}
			}
			return jsonParse(s)
		}, nil
	case "jsonstringify":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		x := args[0]
		return func(r *rowState) Value {
			v := x(r)
			if v.Kind != List && v.Kind != Map {
				return Value{}
			}
			return Str(jsonStringify(v))
		}, nil
	case "jsonarraysize":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		x := args[0]
		return func(r *rowState) Value { return jsonArraySize(x(r)) }, nil
	case "jsonarraycontains":
		if err := arity(2, 2); err != nil {
			return nil, err
		}
		x, y := args[0], args[1]
		return func(r *rowState) Value { return jsonArrayContains(x(r), y(r)) }, nil
	}
	def := lookupFunc(name)
	if err := arity(def.minArgs, def.maxArgs); err != nil {
		return nil, err
	}
	for i := range e.Args {
		check := def.argCheck[i]
		if check == nil {
			continue
		}
		if lit, ok := e.Args[i].(*syntax.StrLit); ok {
			if err := check(lit.Val); err != nil {
				return nil, syntax.Errorf(lit.Sp, "%s(): %v", def.name, err)
			}
		}
	}
	fn := def.fn
	n := len(args)
	return func(r *rowState) Value {
		a := r.args(n)
		r.depth++
		for i, f := range args {
			a[i] = f(r)
		}
		v := fn(&r.p.evalEnv, a)
		r.depth--
		return v
	}, nil
}
