package match

import "fmt"

// aggColumn holds one aggregate's states for all the groups of a table, indexed by group
// number. States are kept by value in one slice of their concrete type, so that a group of
// count and sum costs no heap object; only states that need one (count_distinct's set, pct's
// values, a picked string) allocate.
type aggColumn interface {
	grow() // appends an empty state for a new group
	at(g uint32) aggFunc
	add(g uint32, v Value, ts int64, hasTs bool, ord uint64)
	// decode reads an encoded state into g: into its empty state when fresh, else merged
	// into it.
	decode(g uint32, d *pdec, fresh bool)
	set(g uint32, o aggColumn, og uint32)   // g (empty) takes og's state of o
	merge(g uint32, o aggColumn, og uint32) // folds og's state of o into g
}

// aggState is an aggregate's concrete state type and its pointer, which implements aggFunc.
type aggState[T any] interface {
	*T
	aggFunc
}

type slab[T any, P aggState[T]] struct {
	empty T // the state newFn made: pickAgg's order, sumAgg's avg and pctAgg's p are in it
	s     []T
	tmp   T
}

func newSlab[T any, P aggState[T]](empty P) aggColumn { return &slab[T, P]{empty: *empty} }

func newAggColumn(s aggFunc) aggColumn {
	switch s := s.(type) {
	case *countAgg:
		return newSlab(s)
	case *sumAgg:
		return newSlab(s)
	case *stddevAgg:
		return newSlab(s)
	case *pickAgg:
		return newSlab(s)
	case *timedAgg:
		return newSlab(s)
	case *distinctAgg:
		return newSlab(s)
	case *pctAgg:
		return newSlab(s)
	}
	panic("BUG: no column for aggregate state " + fmt.Sprintf("%T", s))
}

func (c *slab[T, P]) grow()               { c.s = append(c.s, c.empty) }
func (c *slab[T, P]) at(g uint32) aggFunc { return P(&c.s[g]) }
func (c *slab[T, P]) add(g uint32, v Value, ts int64, hasTs bool, ord uint64) {
	P(&c.s[g]).add(v, ts, hasTs, ord)
}

func (c *slab[T, P]) decode(g uint32, d *pdec, fresh bool) {
	if fresh {
		P(&c.s[g]).decode(d)
		return
	}
	c.tmp = c.empty
	P(&c.tmp).decode(d)
	if d.err == nil {
		P(&c.s[g]).merge(P(&c.tmp))
	}
}

func (c *slab[T, P]) set(g uint32, o aggColumn, og uint32) { c.s[g] = o.(*slab[T, P]).s[og] }
func (c *slab[T, P]) merge(g uint32, o aggColumn, og uint32) {
	P(&c.s[g]).merge(P(&o.(*slab[T, P]).s[og]))
}
