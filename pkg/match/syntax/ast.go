package syntax

import "regexp"

// Span is a half-open byte range [Start, End) of the query text.
type Span struct{ Start, End int }

// Query is a parsed Logs Insights query.
type Query struct {
	// Text is the query as given.
	Text     string
	Commands []Command
}

// Command is one pipe stage.
type Command interface {
	Pos() Span
	// String prints the command in canonical form: it reparses to the same tree.
	String() string
	command()
}

// Expr is an expression node.
type Expr interface {
	Pos() Span
	// String prints the expression in canonical form, fully parenthesised where precedence
	// would otherwise be ambiguous to a reader; it reparses to the same tree.
	String() string
	expr()
}

// Item is one element of a fields, display or stats list: an expression with an optional alias.
type Item struct {
	X     Expr
	Alias string
	// Text is the expression's source text, trimmed: the column name of an unaliased item
	// (spec §12.4, A18/A20).
	Text string
}

// Name is the column name of the item.
func (it *Item) Name() string {
	if it.Alias != "" {
		return it.Alias
	}
	return it.Text
}

// FieldsCmd is `fields` or, with Display set, `display`.
type FieldsCmd struct {
	Sp      Span
	Display bool
	Items   []*Item
}

// FilterCmd is `filter`, `where` or `filterIndex` (Name says which was written).
type FilterCmd struct {
	Sp   Span
	Name string
	Cond Expr
}

// StatsCmd is `stats aggs [by keys]`.
type StatsCmd struct {
	Sp   Span
	Aggs []*Item
	By   []*Item
}

// SortKey is one key of a sort command.
type SortKey struct {
	X    Expr
	Desc bool
}

// SortCmd is `sort key [asc|desc], ...`.
type SortCmd struct {
	Sp   Span
	Keys []SortKey
}

// LimitCmd is `limit N` or `limit any N`.
type LimitCmd struct {
	Sp  Span
	N   int
	Any bool
}

// ParseCmd is `parse [source] "glob" as a, b`, `parse [source] /regex/ [as a, b] [multi]`,
// `parse [source] logfmt as m` or `parse [source] csv as a, b`.
type ParseCmd struct {
	Sp Span
	// Source is the field parsed; nil means @message.
	Source Expr
	// Pattern is the glob (IsRegex false) or regex source (IsRegex true) as written, unquoted;
	// empty for logfmt and csv.
	Pattern string
	IsRegex bool
	// Mode is "logfmt" or "csv" for those modes, "" for a glob or a regex.
	Mode string
	// AsList reports a regex whose fields are named by an as list, the i-th name for the i-th
	// capture group, rather than by (?<name>...) groups.
	AsList bool
	// Multi is the multi keyword after a regex: one row per match.
	Multi bool
	// Aliases are the names the command defines, in order: the as names of a glob, csv or
	// logfmt (one name, a map of the pairs), or of a regex with an as list, or else the
	// regex's named groups.
	Aliases []string
	// Re is the compiled matcher of a glob or regex: for a glob, the translation of spec §5.7
	// (each * a lazy group, a trailing * to the end); for a regex, the regex itself.
	Re *regexp.Regexp
}

// DedupCmd is `dedup f1, f2, ...`.
type DedupCmd struct {
	Sp     Span
	Fields []Expr
}

// UnnestCmd is `unnest x into name`.
type UnnestCmd struct {
	Sp   Span
	X    Expr
	Into string
}

// UnmaskCmd is `unmask` (optionally with an argument); a no-op offline (spec §5.10).
type UnmaskCmd struct {
	Sp Span
	X  Expr
}

func (c *FieldsCmd) Pos() Span { return c.Sp }
func (c *FilterCmd) Pos() Span { return c.Sp }
func (c *StatsCmd) Pos() Span  { return c.Sp }
func (c *SortCmd) Pos() Span   { return c.Sp }
func (c *LimitCmd) Pos() Span  { return c.Sp }
func (c *ParseCmd) Pos() Span  { return c.Sp }
func (c *DedupCmd) Pos() Span  { return c.Sp }
func (c *UnnestCmd) Pos() Span { return c.Sp }
func (c *UnmaskCmd) Pos() Span { return c.Sp }

func (*FieldsCmd) command() {}
func (*FilterCmd) command() {}
func (*StatsCmd) command()  {}
func (*SortCmd) command()   {}
func (*LimitCmd) command()  {}
func (*ParseCmd) command()  {}
func (*DedupCmd) command()  {}
func (*UnnestCmd) command() {}
func (*UnmaskCmd) command() {}

// Field is a field reference. Path holds the segments as written (a backticked segment may
// contain dots: `annotations.authorization.k8s.io/decision` is one segment); Name is the
// flattened name, the segments joined with ".", which is how discovered JSON fields are keyed.
// A leading @ written outside backticks (@`aws.tag`) is part of the first segment.
type Field struct {
	Sp   Span
	Name string
	Path []string
}

// StrLit is a quoted string, with escapes resolved.
type StrLit struct {
	Sp  Span
	Val string
}

// NumLit is a number literal; Text is the lexeme as written.
type NumLit struct {
	Sp   Span
	Text string
	Val  float64
}

// RegexLit is a /regex/ literal; Src is the pattern between the slashes with \/ turned into /.
type RegexLit struct {
	Sp  Span
	Src string
	Re  *regexp.Regexp
}

// ListLit is [a, b, ...].
type ListLit struct {
	Sp    Span
	Elems []Expr
}

// PeriodLit is a time period such as 5m or 1h, an argument of bin, datefloor and dateceil.
// Unit is canonical: ms, s, m, h, d, w, mo, q, y.
type PeriodLit struct {
	Sp   Span
	N    int64
	Unit string
	Text string
}

// Star is the * of count(*).
type Star struct{ Sp Span }

// Unary is -x or not x (Op "-" or "not").
type Unary struct {
	Sp Span
	Op string
	X  Expr
}

// Binary is an arithmetic, comparison or boolean operation. Op is one of
// + - * / % ^ = != < <= > >= and or ("==" is parsed as "=").
type Binary struct {
	Sp   Span
	Op   string
	X, Y Expr
}

// Like is x like pat, x not like pat, x =~ pat (Op "like" or "=~"; "~=" is parsed as "=~").
// Pat is a *StrLit (substring for like, regex for =~) or a *RegexLit.
type Like struct {
	Sp  Span
	X   Expr
	Pat Expr
	Not bool
	Op  string
}

// In is x in [..] or x not in [..].
type In struct {
	Sp   Span
	X    Expr
	List *ListLit
	Not  bool
}

// Call is a function call; Name is as written (function names are case-insensitive).
type Call struct {
	Sp   Span
	Name string
	Args []Expr
}

// Index is a postfix access on a map/list value: x.key or x[N] (IsIdx).
type Index struct {
	Sp    Span
	X     Expr
	Key   string
	Idx   int
	IsIdx bool
}

func (e *Field) Pos() Span     { return e.Sp }
func (e *StrLit) Pos() Span    { return e.Sp }
func (e *NumLit) Pos() Span    { return e.Sp }
func (e *RegexLit) Pos() Span  { return e.Sp }
func (e *ListLit) Pos() Span   { return e.Sp }
func (e *PeriodLit) Pos() Span { return e.Sp }
func (e *Star) Pos() Span      { return e.Sp }
func (e *Unary) Pos() Span     { return e.Sp }
func (e *Binary) Pos() Span    { return e.Sp }
func (e *Like) Pos() Span      { return e.Sp }
func (e *In) Pos() Span        { return e.Sp }
func (e *Call) Pos() Span      { return e.Sp }
func (e *Index) Pos() Span     { return e.Sp }

func (*Field) expr()     {}
func (*StrLit) expr()    {}
func (*NumLit) expr()    {}
func (*RegexLit) expr()  {}
func (*ListLit) expr()   {}
func (*PeriodLit) expr() {}
func (*Star) expr()      {}
func (*Unary) expr()     {}
func (*Binary) expr()    {}
func (*Like) expr()      {}
func (*In) expr()        {}
func (*Call) expr()      {}
func (*Index) expr()     {}

// StatsOutputNames are the names a stats command defines that a filter can only mean after
// that stats: its aggregates, its aliased keys (`by bin(1h) as t`), and the aliases of computed
// fields written after it (before the next stats). A key that is a plain field keeps its event
// meaning, so a filter on it may run before aggregation with the same result. si is the
// index of the stats command in cmds. The engine and the SQL translator both stage filters by it.
func StatsOutputNames(cmds []Command, si int) map[string]bool {
	st := cmds[si].(*StatsCmd)
	m := map[string]bool{}
	for _, it := range st.Aggs {
		m[it.Name()] = true
	}
	for _, it := range st.By {
		if fl, ok := it.X.(*Field); !ok || (it.Alias != "" && it.Alias != fl.Name) {
			m[it.Name()] = true
		}
	}
	for _, c := range cmds[si+1:] {
		if _, ok := c.(*StatsCmd); ok {
			break
		}
		if fc, ok := c.(*FieldsCmd); ok && !fc.Display {
			for _, it := range fc.Items {
				if fl, ok := it.X.(*Field); !ok || (it.Alias != "" && it.Alias != fl.Name) {
					m[it.Name()] = true
				}
			}
		}
	}
	return m
}
