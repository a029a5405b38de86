// Package sqlgen translates a Logs Insights query into one SQL statement over the dataset
// `auditgrep convert` writes, for DuckDB, Athena, Trino and Spark SQL.
//
// The statement answers the query as pkg/match does (spec §4.3, the CloudWatch-compatible
// plan): filters on event fields run before aggregation wherever they are written, filters on
// stats outputs after it; the last sort, dedup, limit and display are query-wide; comparisons
// are numeric when both sides read as numbers and by code points otherwise; like is
// case-sensitive; a missing field is SQL NULL, which three-valued logic drops from a filter as
// Insights drops an "unknown" condition. A construct whose SQL would give a different answer is
// refused with a *syntax.Error located on it, never translated approximately. A limit without
// sort, which keeps the first rows in input order, is kept only when it does not cut: the
// statement fails when more rows match.
package sqlgen

import (
	"fmt"
	"regexp"
	resyntax "regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/auditgrep/auditgrep/pkg/convert"
	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// Options say what to write and over which table.
type Options struct {
	Engine Engine
	// Table is the table (or view) name, written as given (it may be qualified: db.table);
	// DefaultTable when empty.
	Table string
	// Columns are the table's columns; the translator reads every field it has a column for
	// from that column and the others from @message's JSON.
	Columns []Column
	// StreamPartition says the table has convert's stream partition column; a filter that
	// pins @logStream's prefix then also names the partitions to read.
	StreamPartition bool
	// Start and End, when not zero, are the query's time range on @timestamp (inclusive, as
	// the CLI's --start/--end): events outside it, and events without a timestamp, are left
	// out, as the engine's Options.QueryStart/QueryEnd do.
	Start, End time.Time
	// DatePartition says the table has convert's date partition column; a time range then
	// also names the dates to read.
	DatePartition bool
}

var tableRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,2}$`)

// Translate writes the SQL statement for q. Its errors are *syntax.Error values located in
// q.Text, except for a bad table name or engine.
func Translate(q *ast.Query, o Options) (string, error) {
	if o.Table == "" {
		o.Table = DefaultTable
	}
	if !tableRe.MatchString(o.Table) {
		return "", fmt.Errorf("table name %q: want NAME, DB.NAME or CATALOG.DB.NAME of letters, digits and underscores", o.Table)
	}
	if _, err := ParseEngine(string(o.Engine)); err != nil {
		return "", err
	}
	t := &tr{d: dialect{o.Engine}, o: o, q: q}
	return t.translate()
}

type tr struct {
	d dialect
	o Options
	q *ast.Query
}

// scope maps the names a query defines to their translations. An input scope reads other
// names from the table; a stats output scope has nothing else (other names are absent).
type scope struct {
	vars  map[string]texpr
	input bool
	// aggIn is the scope aggregate arguments read, while a stats item is translated.
	aggIn *scope
}

func newScope(input bool) *scope { return &scope{vars: map[string]texpr{}, input: input} }

func (s *scope) lookup(name string) (texpr, bool) {
	v, ok := s.vars[name]
	return v, ok
}

func (s *scope) rowScope() *scope {
	if s.aggIn != nil {
		return s.aggIn
	}
	return s
}

// statsLevel is one translated stats command: its SELECT and the scope of its outputs.
type statsLevel struct {
	sql   string
	out   *scope
	names []string
	post  []string // conditions on its outputs (filters that name them)
}

func (t *tr) translate() (string, error) {
	cmds := t.q.Commands
	var statsIdx []int
	for i, c := range cmds {
		switch c := c.(type) {
		case *ast.StatsCmd:
			statsIdx = append(statsIdx, i)
		case *ast.UnnestCmd:
			return "", ast.Errorf(c.Sp, "unnest has no SQL translation: the dataset has no jsonParse lists to expand")
		case *ast.FieldsCmd, *ast.FilterCmd, *ast.SortCmd, *ast.LimitCmd, *ast.ParseCmd, *ast.DedupCmd, *ast.UnmaskCmd:
		default:
			return "", ast.Errorf(c.Pos(), "%s has no SQL translation", c)
		}
	}
	stageOf := planStages(cmds, statsIdx)

	// Row stage: parse, computed fields and filters in the order written.
	row := newScope(true)
	where, err := t.timeRange(row)
	if err != nil {
		return "", err
	}
	for i, c := range cmds {
		if stageOf[i] != 0 {
			continue
		}
		switch c := c.(type) {
		case *ast.FilterCmd:
			x, err := t.expr(row, c.Cond)
			if err != nil {
				return "", err
			}
			if t.o.StreamPartition {
				if p := t.streamPrune(c.Cond); p != "" {
					where = append(where, p)
				}
			}
			where = append(where, t.cond(x))
		case *ast.FieldsCmd:
			if c.Display {
				continue
			}
			if err := t.defineFields(row, c); err != nil {
				return "", err
			}
		case *ast.ParseCmd:
			if err := t.parse(row, c); err != nil {
				return "", err
			}
		}
	}

	from := t.o.Table
	final := row
	var levels []*statsLevel
	in, inWhere := row, where
	for k, si := range statsIdx {
		lv, err := t.stats(cmds[si].(*ast.StatsCmd), in, from, inWhere)
		if err != nil {
			return "", err
		}
		for i, c := range cmds {
			if stageOf[i] != k+1 {
				continue
			}
			switch c := c.(type) {
			case *ast.FilterCmd:
				x, err := t.expr(lv.out, c.Cond)
				if err != nil {
					return "", err
				}
				lv.post = append(lv.post, t.cond(x))
			case *ast.FieldsCmd:
				if c.Display {
					continue
				}
				for _, it := range c.Items {
					if fl, ok := it.X.(*ast.Field); ok && (it.Alias == "" || it.Alias == fl.Name) {
						continue
					}
					x, err := t.expr(lv.out, it.X)
					if err != nil {
						return "", err
					}
					if _, ok := lv.out.vars[it.Name()]; !ok {
						lv.names = append(lv.names, it.Name())
					}
					lv.out.vars[it.Name()] = x
				}
			}
		}
		levels = append(levels, lv)
		from = "(" + lv.sql + ") AS " + t.d.ident("s"+strconv.Itoa(k+1))
		in, inWhere, final = lv.out, lv.post, lv.out
	}

	// Query-wide commands: the last sort, dedup, limit and display.
	var sortCmd *ast.SortCmd
	var dedupCmd *ast.DedupCmd
	var limitCmd *ast.LimitCmd
	var display *ast.FieldsCmd
	for _, c := range cmds {
		switch c := c.(type) {
		case *ast.SortCmd:
			sortCmd = c
		case *ast.DedupCmd:
			dedupCmd = c
		case *ast.LimitCmd:
			limitCmd = c
		case *ast.FieldsCmd:
			if c.Display {
				display = c
			}
		}
	}
	if len(statsIdx) > 0 && display != nil && display.Sp.Start < cmds[statsIdx[len(statsIdx)-1]].Pos().Start {
		display = nil // a display before the last stats describes rows that no longer exist (A47)
	}

	names, cols, err := t.projection(final, display, levels)
	if err != nil {
		return "", err
	}

	var orderBy []string
	if sortCmd != nil {
		for _, k := range sortCmd.Keys {
			x, err := t.expr(final, k.X)
			if err != nil {
				return "", err
			}
			orderBy = append(orderBy, t.orderBy(x, k.Desc)...)
		}
	}
	var dedupKeys []string
	if dedupCmd != nil {
		for _, f := range dedupCmd.Fields {
			x, err := t.expr(final, f)
			if err != nil {
				return "", err
			}
			s, err := t.text(x, f.Pos())
			if err != nil {
				return "", err
			}
			dedupKeys = append(dedupKeys, s)
		}
		if sortCmd == nil {
			// "If the results are not sorted before being run through dedup, then the default
			// descending sort order using @timestamp is used" (spec §5.8).
			ts, err := t.field(final, "@timestamp", dedupCmd.Sp)
			if err != nil {
				return "", err
			}
			orderBy = t.orderBy(ts, true)
		}
	}
	limit, guard := "", 0
	if limitCmd != nil {
		if len(orderBy) == 0 && !limitCmd.Any {
			// Insights keeps the first N rows in input order, which a table does not have.
			// When no more than N rows match, that is every row; otherwise the statement
			// fails rather than pick other rows.
			guard = limitCmd.N
		} else {
			limit = "LIMIT " + strconv.Itoa(limitCmd.N)
		}
	}

	var b strings.Builder
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = c + " AS " + t.d.ident(names[i])
	}
	var cond []string
	if len(levels) == 0 {
		cond = where
	} else {
		cond = levels[len(levels)-1].post
	}
	if dedupKeys == nil {
		b.WriteString("SELECT " + strings.Join(sel, ", ") + "\nFROM " + from)
		writeWhere(&b, cond)
		if len(orderBy) > 0 {
			b.WriteString("\nORDER BY " + strings.Join(orderBy, ", "))
		}
	} else {
		// dedup keeps the first row of each key in the sort order; rows with a missing key
		// are never duplicates (spec §5.8). Insights tells values apart by their text.
		inner := append([]string{}, sel...)
		var keep []string
		for i, k := range dedupKeys {
			n := "__dedup" + strconv.Itoa(i+1)
			inner = append(inner, k+" AS "+n)
			keep = append(keep, n+" IS NULL")
		}
		var ord []string
		for i, o := range orderBy {
			n := "__sort" + strconv.Itoa(i+1)
			expr, dir := splitOrder(o)
			inner = append(inner, expr+" AS "+n)
			ord = append(ord, n+" "+dir)
		}
		inner = append(inner, "row_number() OVER (PARTITION BY "+strings.Join(dedupKeys, ", ")+" ORDER BY "+strings.Join(orderBy, ", ")+") AS __rn")
		outer := make([]string, len(names))
		for i, n := range names {
			outer[i] = t.d.ident(n)
		}
		b.WriteString("SELECT " + strings.Join(outer, ", ") + "\nFROM (\nSELECT " + strings.Join(inner, ", ") + "\nFROM " + from)
		writeWhere(&b, cond)
		b.WriteString("\n) AS " + t.d.ident("d") + "\nWHERE __rn = 1 OR " + strings.Join(keep, " OR "))
		b.WriteString("\nORDER BY " + strings.Join(ord, ", "))
	}
	if limit != "" {
		b.WriteString("\n" + limit)
	}
	if guard > 0 {
		outer := make([]string, len(names))
		for i, n := range names {
			outer[i] = t.d.ident(n)
		}
		n := strconv.Itoa(guard)
		msg := "auditgrep: more than " + n + " rows match: limit " + n + " without sort keeps the first " + n + " in input order, which a table does not have; add a sort or write limit any " + n
		return "SELECT " + strings.Join(outer, ", ") + "\nFROM (SELECT *, count(*) OVER () AS __rows FROM (\n" + b.String() + "\n) AS " + t.d.ident("q") + ") AS " + t.d.ident("l") +
			"\nWHERE CASE WHEN __rows > " + n + " THEN " + t.d.fail(msg) + " ELSE TRUE END", nil
	}
	return b.String(), nil
}

func writeWhere(b *strings.Builder, conds []string) {
	if len(conds) > 0 {
		b.WriteString("\nWHERE " + strings.Join(conds, "\n  AND "))
	}
}

// splitOrder splits "expr DESC NULLS LAST" into the expression and the direction.
func splitOrder(o string) (string, string) {
	for _, suf := range []string{" ASC NULLS LAST", " DESC NULLS LAST"} {
		if e, ok := strings.CutSuffix(o, suf); ok {
			return e, suf[1:]
		}
	}
	return o, ""
}

// planStages mirrors pkg/match's plan: which stage each command runs in (0 the row stage, k
// after the k-th stats).
func planStages(cmds []ast.Command, statsIdx []int) []int {
	stageOf := make([]int, len(cmds))
	aggNames := make([]map[string]bool, len(statsIdx))
	for k, i := range statsIdx {
		aggNames[k] = ast.StatsOutputNames(cmds, i)
	}
	for i, c := range cmds {
		after := 0
		for k, si := range statsIdx {
			if i > si {
				after = k + 1
			}
		}
		stageOf[i] = after
		f, ok := c.(*ast.FilterCmd)
		if !ok {
			switch c.(type) {
			case *ast.ParseCmd, *ast.UnnestCmd:
				stageOf[i] = 0 // parse of raw fields only makes sense per event
			}
			continue
		}
		stage := 0
		for k := range statsIdx {
			for _, r := range fieldRefs(f.Cond) {
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
	return stageOf
}

func fieldRefs(e ast.Expr) []string {
	var out []string
	ast.Walk(e, func(x ast.Expr) {
		if f, ok := x.(*ast.Field); ok {
			out = append(out, f.Name)
		}
	})
	return out
}

// defineFields adds a fields command's computed items to the row scope; plain fields need
// nothing (they are read where they are projected).
func (t *tr) defineFields(sc *scope, c *ast.FieldsCmd) error {
	for _, it := range c.Items {
		if fl, ok := it.X.(*ast.Field); ok && (it.Alias == "" || it.Alias == fl.Name) {
			continue
		}
		x, err := t.expr(sc, it.X)
		if err != nil {
			return err
		}
		sc.vars[it.Name()] = x
	}
	return nil
}

// parse defines the captures of a parse command: a capture is set when the pattern matches;
// otherwise the name keeps what it had (pkg/match applyParse), usually nothing.
func (t *tr) parse(sc *scope, c *ast.ParseCmd) error {
	var src texpr
	var err error
	if c.Source == nil {
		src, err = t.field(sc, "@message", c.Sp)
	} else {
		src, err = t.expr(sc, c.Source)
	}
	if err != nil {
		return err
	}
	s, err := t.text(src, c.Sp)
	if err != nil {
		return err
	}
	pat := c.Re.String()
	groups := map[int]string{}
	if c.IsRegex {
		for i, n := range c.Re.SubexpNames() {
			if n != "" {
				groups[i] = n
			}
		}
	} else {
		for i, a := range c.Aliases {
			groups[i+1] = a
		}
	}
	p, err := t.regex(pat, c.Sp)
	if err != nil {
		return err
	}
	if g := optionalGroup(pat, groups); g != "" {
		// pkg/match leaves a group that did not take part in the match unset; the engines'
		// regexp_extract returns '' (DuckDB, Spark) or NULL (Trino) for it.
		return ast.Errorf(c.Sp, "parse: the group %s may not take part in a match (it is optional or in an alternative), which SQL's regexp_extract cannot tell from an empty capture", g)
	}
	m := t.d.regexMatch(s, p)
	for g := 1; g <= c.Re.NumSubexp(); g++ {
		name, ok := groups[g]
		if !ok {
			continue
		}
		prev, err := t.field(sc, name, c.Sp)
		if err != nil {
			prev = t.nullOf(tStr)
		}
		ps, err := t.text(prev, c.Sp)
		if err != nil {
			return err
		}
		sc.vars[name] = strExpr("(CASE WHEN " + m + " THEN " + t.d.regexExtract(s, p, g) + " ELSE " + ps + " END)")
	}
	return nil
}

// stats translates one stats command over the rows of from that satisfy where.
func (t *tr) stats(st *ast.StatsCmd, in *scope, from string, where []string) (*statsLevel, error) {
	lv := &statsLevel{out: newScope(false)}
	var sel, group []string
	for _, it := range st.By {
		x, err := t.expr(in, it.X)
		if err != nil {
			return nil, err
		}
		x = t.boolValue(x)
		sel = append(sel, x.sql+" AS "+t.d.ident(it.Name()))
		group = append(group, x.sql)
		lv.names = append(lv.names, it.Name())
		lv.out.vars[it.Name()] = texpr{sql: t.d.ident(it.Name()), t: x.t, isInt: x.isInt}
	}
	// Items may use the keys and earlier items; inline their SQL, as the row scope does.
	items := &scope{vars: map[string]texpr{}, aggIn: in}
	for _, it := range st.By {
		x, _ := t.expr(in, it.X) // translated without error above
		items.vars[it.Name()] = t.boolValue(x)
	}
	for _, it := range st.Aggs {
		x, err := t.expr(items, it.X)
		if err != nil {
			return nil, err
		}
		x = t.boolValue(x)
		items.vars[it.Name()] = x
		sel = append(sel, x.sql+" AS "+t.d.ident(it.Name()))
		if _, ok := lv.out.vars[it.Name()]; !ok {
			lv.names = append(lv.names, it.Name())
		}
		lv.out.vars[it.Name()] = texpr{sql: t.d.ident(it.Name()), t: x.t, isInt: x.isInt}
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(sel, ", ") + "\nFROM " + from)
	writeWhere(&b, where)
	if len(group) > 0 {
		b.WriteString("\nGROUP BY " + strings.Join(group, ", "))
	} else {
		// Insights returns no row when no event reaches stats (A21); SQL would return one.
		b.WriteString("\nHAVING count(*) > 0")
	}
	lv.sql = b.String()
	return lv, nil
}

// projection is the output columns (spec §4.3 step 6, pkg/match projection).
func (t *tr) projection(final *scope, display *ast.FieldsCmd, levels []*statsLevel) ([]string, []string, error) {
	var names, cols []string
	add := func(name string, x texpr) {
		for _, n := range names {
			if n == name {
				return
			}
		}
		names = append(names, name)
		cols = append(cols, t.boolValue(x).sql)
	}
	if display != nil {
		for _, it := range display.Items {
			name := it.Name()
			fl, isField := it.X.(*ast.Field)
			if isField && it.Alias == "" {
				name = fl.Name
			}
			var x texpr
			var err error
			if v, ok := final.lookup(name); ok && it.Alias == "" {
				x = v
			} else if x, err = t.expr(final, it.X); err != nil {
				return nil, nil, err
			}
			add(name, x)
		}
		return names, cols, nil
	}
	if len(levels) > 0 {
		lv := levels[len(levels)-1]
		for _, n := range lv.names {
			add(n, lv.out.vars[n])
		}
		return names, cols, nil
	}
	hasFields := false
	for _, c := range t.q.Commands {
		fc, ok := c.(*ast.FieldsCmd)
		if !ok || fc.Display {
			continue
		}
		hasFields = true
		for _, it := range fc.Items {
			name := it.Name()
			if fl, ok := it.X.(*ast.Field); ok && it.Alias == "" {
				name = fl.Name
			}
			x, err := t.field(final, name, it.X.Pos())
			if err != nil {
				return nil, nil, err
			}
			add(name, x)
		}
	}
	if !hasFields {
		for _, n := range []string{"@timestamp", "@message"} {
			x, err := t.field(final, n, ast.Span{})
			if err != nil {
				return nil, nil, err
			}
			add(n, x)
		}
	}
	for _, c := range t.q.Commands {
		if pc, ok := c.(*ast.ParseCmd); ok {
			for _, n := range pc.Aliases {
				x, err := t.field(final, n, pc.Sp)
				if err != nil {
					return nil, nil, err
				}
				add(n, x)
			}
		}
	}
	return names, cols, nil
}

// orderBy is the ORDER BY terms that sort x as Insights does (spec §5.5): numbers and
// timestamps by value; text with numbers after all other values, numerically, and other text
// by natural chunks; missing values last in both directions.
func (t *tr) orderBy(x texpr, desc bool) []string {
	dir := " ASC NULLS LAST"
	if desc {
		dir = " DESC NULLS LAST"
	}
	switch x.t {
	case tNum, tTime:
		return []string{x.sql + dir}
	case tBool:
		return []string{t.num(x) + dir}
	}
	isNum := t.d.regexMatch(x.sql, sortNumRe)
	return []string{
		"CASE WHEN " + x.sql + " IS NULL THEN NULL WHEN " + isNum + " THEN 1 ELSE 0 END" + dir,
		"CASE WHEN " + isNum + " THEN CAST(" + x.sql + " AS DOUBLE) END" + dir,
		"CASE WHEN " + isNum + " THEN NULL ELSE " + t.d.chunks(x.sql) + " END" + dir,
		x.sql + dir,
	}
}

// optionalGroup names a capture of groups (by number) that can be left out of a successful
// match: one under ?, *, {0,n} or in a branch of |.
func optionalGroup(pat string, groups map[int]string) string {
	re, err := resyntax.Parse(pat, resyntax.Perl)
	if err != nil {
		return ""
	}
	found := ""
	var walk func(r *resyntax.Regexp, optional bool)
	walk = func(r *resyntax.Regexp, optional bool) {
		switch r.Op {
		case resyntax.OpCapture:
			if name, ok := groups[r.Cap]; ok && optional && found == "" {
				found = name
			}
		case resyntax.OpQuest, resyntax.OpStar, resyntax.OpAlternate:
			optional = true
		case resyntax.OpRepeat:
			if r.Min == 0 {
				optional = true
			}
		}
		for _, s := range r.Sub {
			walk(s, optional)
		}
	}
	walk(re, false)
	return found
}

// timeRange is the conditions of Options.Start/End: on @timestamp, and on the date partition.
func (t *tr) timeRange(row *scope) ([]string, error) {
	if t.o.Start.IsZero() && t.o.End.IsZero() {
		return nil, nil
	}
	ts, err := t.field(row, "@timestamp", ast.Span{})
	if err != nil {
		return nil, err
	}
	lit := func(tm time.Time) string {
		return "TIMESTAMP '" + tm.UTC().Format("2006-01-02 15:04:05.000") + "'"
	}
	date := t.d.ident(convert.KeyDate.Dir())
	var out []string
	if !t.o.Start.IsZero() {
		if t.o.DatePartition {
			out = append(out, date+" >= "+t.d.str(t.o.Start.UTC().Format("2006-01-02")))
		}
	}
	if !t.o.End.IsZero() {
		if t.o.DatePartition {
			out = append(out, date+" <= "+t.d.str(t.o.End.UTC().Format("2006-01-02")))
		}
	}
	if !t.o.Start.IsZero() {
		out = append(out, ts.sql+" >= "+lit(t.o.Start))
	}
	if !t.o.End.IsZero() {
		out = append(out, ts.sql+" <= "+lit(t.o.End))
	}
	return out, nil
}
