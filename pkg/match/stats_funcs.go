package match

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"strings"
)

// aggFunc is the partial state of one aggregate (spec §9) for one group. Workers aggregate
// separately and merge at the end; every implementation gives a result that does not depend on
// how events were split between states or in which order states were merged.
type aggFunc interface {
	// add folds one event's argument value (for count(*) the engine passes BoolV(true)).
	// ts is the event's @timestamp in ms (hasTs false when it has none); ord is the event's
	// position in input order (unique, increasing), used to break ties deterministically.
	add(v Value, ts int64, hasTs bool, ord uint64)
	merge(o aggFunc) // o is of the same concrete type
	result() Value   // Absent when nothing was added (except count: 0)
	// encode writes the state exactly, for a partial result of a sharded run (partial.go);
	// decode reads it into a fresh state made by the aggregate's newFn.
	encode(e *penc)
	decode(d *pdec)
}

// aggDef is a stats aggregate function.
type aggDef struct {
	name             string
	minArgs, maxArgs int
	// newFn makes an empty state; params are the constant extra arguments (pct's percentile).
	newFn func(params []Value) (aggFunc, error)
}

// lookupAgg returns the aggregate called name (case-insensitive), or nil.
func lookupAgg(name string) *aggDef { return aggTable[strings.ToLower(name)] }

var aggTable = func() map[string]*aggDef {
	m := map[string]*aggDef{}
	for _, d := range []*aggDef{
		{"count", 0, 1, func([]Value) (aggFunc, error) { return &countAgg{}, nil }},
		{"count_distinct", 1, 1, func([]Value) (aggFunc, error) { return &distinctAgg{}, nil }},
		{"sum", 1, 1, func([]Value) (aggFunc, error) { return &sumAgg{}, nil }},
		{"avg", 1, 1, func([]Value) (aggFunc, error) { return &sumAgg{avg: true}, nil }},
		{"stddev", 1, 1, func([]Value) (aggFunc, error) { return &stddevAgg{}, nil }},
		{"min", 1, 1, func([]Value) (aggFunc, error) { return &pickAgg{cmp: minCompare}, nil }},
		{"max", 1, 1, func([]Value) (aggFunc, error) { return &pickAgg{cmp: maxCompare}, nil }},
		{"sortsFirst", 1, 1, func([]Value) (aggFunc, error) { return &pickAgg{cmp: firstCompare}, nil }},
		{"sortsLast", 1, 1, func([]Value) (aggFunc, error) { return &pickAgg{cmp: lastCompare}, nil }},
		{"earliest", 1, 1, func([]Value) (aggFunc, error) { return &timedAgg{}, nil }},
		{"latest", 1, 1, func([]Value) (aggFunc, error) { return &timedAgg{latest: true}, nil }},
		{"pct", 2, 2, newPct},
	} {
		m[strings.ToLower(d.name)] = d
	}
	return m
}()

// --- count ---

// countAgg counts non-Absent values: count(*) and count() (the engine passes true), and
// count(field), which counts events that have the field, empty strings included (A37).
type countAgg struct{ n int64 }

func (a *countAgg) add(v Value, _ int64, _ bool, _ uint64) {
	if v.Kind != Absent {
		a.n++
	}
}
func (a *countAgg) merge(o aggFunc) { a.n += o.(*countAgg).n }
func (a *countAgg) result() Value   { return Num(float64(a.n)) }

// --- count_distinct ---

// distinctAgg counts distinct non-Absent values exactly. Values are distinct by kind class
// (string, number/boolean, timestamp, list/map) plus rendered text: "401" and 401 are two
// values, 1.0 and 1 (as JSON lexemes) too.
type distinctAgg struct{ seen map[string]struct{} }

func (a *distinctAgg) add(v Value, _ int64, _ bool, _ uint64) {
	var class byte
	switch v.Kind {
	case Absent:
		return
	case String:
		class = 's'
	case Number, Bool:
		class = 'n'
	case Time:
		class = 't'
	default:
		class = 'j'
	}
	if a.seen == nil {
		a.seen = map[string]struct{}{}
	}
	// Most values were seen before: look the key up from a stack buffer, and copy it into a
	// string only to insert it.
	var buf [80]byte
	key := append(append(buf[:0], class), v.Render()...)
	if _, ok := a.seen[string(key)]; !ok {
		a.seen[string(key)] = struct{}{}
	}
}

func (a *distinctAgg) merge(o aggFunc) {
	for k := range o.(*distinctAgg).seen {
		if a.seen == nil {
			a.seen = map[string]struct{}{}
		}
		a.seen[k] = struct{}{}
	}
}

func (a *distinctAgg) result() Value { return Num(float64(len(a.seen))) }

// --- exact summation ---

// exactSum is the exact sum of float64 values, independent of the order of addition and
// merging. Every finite double is an integer multiple of 2^-1074, so the sum is kept as an
// integer scaled by 2^1074: a fast path for integral values of magnitude ≤ 2^53 (small), and
// a superaccumulator for the others (32-bit limbs held in int64 so that carries can be
// deferred). Infinities are tracked separately. All results are computed from the exact total
// and rounded once, so they are bit-identical however the values were split.
//
// The superaccumulator has accLimbs limbs, but a group's values usually span a few of them, and
// a merge holds a sum per group: acc holds only the limbs from lo up to the highest in use
// (limb lo+i is acc[i]), the others being zero.
type exactSum struct {
	small          int64
	acc            []int64 // nil until a non-integral or large value is added
	lo             int32
	pending        int32 // additions to acc since its carries were propagated
	posInf, negInf bool
}

const (
	sumScale    = 1074
	accLimbBits = 32
	accLimbMask = 1<<accLimbBits - 1
	// The largest double reaches bit 1024+1074 of the scaled integer; 2^63 additions add 63
	// bits more.
	accLimbs = (sumScale+1024+64)/accLimbBits + 2
	// Each addition changes a limb by less than 2^32; after accMaxPending of them a limb that
	// started normalized (< 2^32) stays well inside int64.
	accMaxPending = 1 << 29
)

// cover makes acc hold the limbs [i, j) and returns them.
func (s *exactSum) cover(i, j int) []int64 {
	if s.acc == nil {
		s.acc, s.lo = make([]int64, j-i), int32(i)
		return s.acc
	}
	lo, hi := int(s.lo), int(s.lo)+len(s.acc)
	switch {
	case i >= lo && j <= hi:
	case i >= lo:
		s.acc = append(s.acc, make([]int64, j-hi)...)
	default:
		n := make([]int64, max(j, hi)-i)
		copy(n[lo-i:], s.acc)
		s.acc, s.lo = n, int32(i)
	}
	return s.acc[i-int(s.lo) : j-int(s.lo)]
}

func (s *exactSum) add(x float64) {
	switch {
	case x == 0 || math.IsNaN(x):
		return
	case math.IsInf(x, 1):
		s.posInf = true
		return
	case math.IsInf(x, -1):
		s.negInf = true
		return
	}
	if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
		s.addSmall(int64(x))
		return
	}
	frac, exp := math.Frexp(x)
	mant := int64(frac * (1 << 53)) // exact: frac has 53 significant bits
	neg := mant < 0
	if neg {
		mant = -mant
	}
	m := uint64(mant)
	sh := exp - 53 + sumScale
	if sh < 0 {
		m >>= uint(-sh) // exact: a subnormal's low bits are zero
		sh = 0
	}
	i, off := sh/accLimbBits, uint(sh%accLimbBits)
	l0 := int64((m << off) & accLimbMask)
	rest := m >> (accLimbBits - off)
	l1 := int64(rest & accLimbMask)
	l2 := int64(rest >> accLimbBits)
	if neg {
		l0, l1, l2 = -l0, -l1, -l2
	}
	a := s.cover(i, i+3)
	a[0] += l0
	a[1] += l1
	a[2] += l2
	if s.pending++; s.pending >= accMaxPending {
		s.normalize()
	}
}

func (s *exactSum) addSmall(i int64) {
	if (i > 0 && s.small > math.MaxInt64-i) || (i < 0 && s.small < math.MinInt64-i) {
		// Move small into acc: small = hi*2^32 + lo, scaled by 2^1074 = 2^(33*32+18).
		const limb, off = sumScale / accLimbBits, sumScale % accLimbBits
		a := s.cover(limb, limb+3)
		v := s.small
		s.small = 0
		// v * 2^off spans at most 64+18 bits: split v into 32-bit pieces first.
		lo, hi := v&accLimbMask, v>>accLimbBits // v = hi*2^32 + lo, lo ≥ 0
		a[0] += (lo << off) & accLimbMask
		a[1] += lo>>(accLimbBits-off) + (hi<<off)&accLimbMask
		a[2] += hi >> (accLimbBits - off)
		if s.pending += 2; s.pending >= accMaxPending {
			s.normalize()
		}
	}
	s.small += i
}

// carry propagates carries through a: every limb but the last in [0, 2^32).
func carry(a []int64) {
	for i := 0; i < len(a)-1; i++ {
		c := a[i] >> accLimbBits // floor division by 2^32
		a[i] -= c << accLimbBits
		a[i+1] += c
	}
}

// normalize propagates carries, and grows acc upwards while its top limb is outside
// (-2^32, 2^32), so that it stays as far from overflowing as the whole accumulator's.
func (s *exactSum) normalize() {
	s.pending = 0
	if s.acc == nil {
		return
	}
	carry(s.acc)
	for {
		hi := int(s.lo) + len(s.acc)
		top := s.acc[len(s.acc)-1]
		if hi >= accLimbs || (top < 1<<accLimbBits && top > -(1<<accLimbBits)) {
			return
		}
		carry(s.cover(hi-1, hi+1))
	}
}

func (s *exactSum) merge(o *exactSum) {
	s.posInf = s.posInf || o.posInf
	s.negInf = s.negInf || o.negInf
	if o.acc != nil {
		s.normalize()
		var buf [accLimbs]int64
		oa := buf[:len(o.acc)]
		copy(oa, o.acc)
		carry(oa) // normalize a copy of o's limbs
		a := s.cover(int(o.lo), int(o.lo)+len(oa))
		for i := range oa {
			a[i] += oa[i]
		}
		s.normalize()
	}
	s.addSmall(o.small)
}

// limbs sets full to the whole normalized accumulator (zero when acc is nil).
func (s *exactSum) limbs(full *[accLimbs]int64) {
	*full = [accLimbs]int64{}
	s.normalize()
	copy(full[s.lo:], s.acc)
	carry(full[:])
}

// setLimbs sets acc from a whole normalized accumulator, keeping the limbs in use.
func (s *exactSum) setLimbs(full *[accLimbs]int64) {
	lo, hi := 0, accLimbs
	for lo < hi-1 && full[lo] == 0 {
		lo++
	}
	for hi-lo > 1 {
		switch {
		case full[hi-1] == 0:
			hi--
			continue
		case full[hi-1] == -1 && full[hi-2] == accLimbMask: // ...2^32-1, -1 is -1
			full[hi-2] = -1
			hi--
			continue
		}
		break
	}
	s.acc, s.lo, s.pending = append([]int64(nil), full[lo:hi]...), int32(lo), 0
}

// special is the sum's value when an infinity was added (ok true).
func (s *exactSum) special() (float64, bool) {
	switch {
	case s.posInf && s.negInf:
		return math.NaN(), true
	case s.posInf:
		return math.Inf(1), true
	case s.negInf:
		return math.Inf(-1), true
	}
	return 0, false
}

// scaled is the finite part of the sum times 2^1074 (a new Int).
func (s *exactSum) scaled() *big.Int {
	t := new(big.Int).SetInt64(s.small)
	t.Lsh(t, sumScale)
	if s.acc != nil {
		s.normalize()
		var a, limb big.Int
		for i := len(s.acc) - 1; i >= 0; i-- {
			a.Lsh(&a, accLimbBits)
			a.Add(&a, limb.SetInt64(s.acc[i]))
		}
		a.Lsh(&a, uint(s.lo)*accLimbBits)
		t.Add(t, &a)
	}
	return t
}

// quo is the sum divided by n, correctly rounded to float64 (n = 1 gives the sum itself).
func (s *exactSum) quo(n int64) float64 {
	if f, ok := s.special(); ok {
		return f
	}
	if s.acc == nil && s.small >= -(1<<53) && s.small <= 1<<53 {
		return float64(s.small) / float64(n) // both exact: one correct rounding
	}
	if f, ok := s.quoShort(n); ok {
		return f
	}
	return s.quoBig(n)
}

// quoBig is quo with big numbers.
func (s *exactSum) quoBig(n int64) float64 {
	t := s.scaled()
	num := new(big.Float).SetInt(t) // exact: precision = bit length
	q := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven)
	q.Quo(num, new(big.Float).SetInt64(n))
	q.SetMantExp(q, -sumScale)
	f, _ := q.Float64()
	return f
}

// quoShort is quo for a sum held in at most two limbs of acc (values of similar magnitude,
// as a group's usually are), without big numbers: the limbs make an integer m < 2^53 scaled by
// 2^(32*lo-1074), m/n rounds once, and scaling by a power of two is exact unless the result is
// subnormal or overflows, when it reports false.
func (s *exactSum) quoShort(n int64) (float64, bool) {
	if s.small != 0 || s.acc == nil || n > 1<<53 {
		return 0, false
	}
	s.normalize()
	a := s.acc
	lo := int(s.lo)
	for len(a) > 1 && a[0] == 0 {
		a, lo = a[1:], lo+1
	}
	for len(a) > 1 && a[len(a)-1] == 0 {
		a = a[:len(a)-1]
	}
	if len(a) > 2 {
		return 0, false
	}
	m := a[0]
	if len(a) == 2 {
		if hi := a[1]; hi >= 1<<20 || hi < -(1<<20) {
			return 0, false
		} else {
			m += hi << accLimbBits
		}
	}
	f := math.Ldexp(float64(m)/float64(n), lo*accLimbBits-sumScale)
	if math.IsInf(f, 0) || (f != 0 && math.Abs(f) < 0x1p-1022) {
		return 0, false
	}
	return f, true
}

// numArg is the numeric reading of an aggregate's argument (toNumber), or false to skip it.
func numArg(v Value) (float64, bool) {
	f, ok := toNumber(v)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// --- sum, avg ---

// sumAgg is sum and avg over the numeric values (Numbers, Bools, numeric strings, timestamps
// as ms); absent and non-numeric values are skipped. Absent when no value was numeric, and
// when the result is not finite.
type sumAgg struct {
	avg bool
	n   int64
	s   exactSum
}

func (a *sumAgg) add(v Value, _ int64, _ bool, _ uint64) {
	if f, ok := numArg(v); ok {
		a.n++
		a.s.add(f)
	}
}

func (a *sumAgg) merge(o aggFunc) {
	b := o.(*sumAgg)
	a.n += b.n
	a.s.merge(&b.s)
}

func (a *sumAgg) result() Value {
	if a.n == 0 {
		return absentValue
	}
	if a.avg {
		return finiteNum(a.s.quo(a.n))
	}
	return finiteNum(a.s.quo(1))
}

// --- stddev ---

// stddevAgg is the sample standard deviation (n-1, A40) of the numeric values, computed from
// the exact sums Σx and Σx² (each x² is added exactly as the pair p + e with p = x*x rounded
// and e = fma(x, x, -p)) as sqrt((nΣx² - (Σx)²) / (n(n-1))), so it has no cancellation error
// and does not depend on the split. A single value gives 0; none gives Absent.
type stddevAgg struct {
	n      int64
	s, ssq exactSum
}

func (a *stddevAgg) add(v Value, _ int64, _ bool, _ uint64) {
	f, ok := numArg(v)
	if !ok {
		return
	}
	a.n++
	a.s.add(f)
	p := f * f
	a.ssq.add(p)
	if !math.IsInf(p, 0) {
		a.ssq.add(math.FMA(f, f, -p))
	}
}

func (a *stddevAgg) merge(o aggFunc) {
	b := o.(*stddevAgg)
	a.n += b.n
	a.s.merge(&b.s)
	a.ssq.merge(&b.ssq)
}

func (a *stddevAgg) result() Value {
	switch {
	case a.n == 0:
		return absentValue
	case a.n == 1:
		return Num(0)
	}
	if _, ok := a.s.special(); ok {
		return absentValue
	}
	if _, ok := a.ssq.special(); ok {
		return absentValue
	}
	// num = n*Σx² - (Σx)², scaled by 2^(2*1074).
	t1 := a.s.scaled()
	t2 := a.ssq.scaled()
	num := new(big.Int).Mul(t2, big.NewInt(a.n))
	num.Lsh(num, sumScale)
	num.Sub(num, new(big.Int).Mul(t1, t1))
	if num.Sign() <= 0 {
		return Num(0)
	}
	const prec = 128
	v := new(big.Float).SetPrec(prec).SetInt(num)
	v.Quo(v, new(big.Float).SetPrec(prec).SetInt(new(big.Int).Mul(big.NewInt(a.n), big.NewInt(a.n-1))))
	v.SetMantExp(v, -2*sumScale)
	v.Sqrt(v)
	f, _ := v.Float64()
	return finiteNum(f)
}

// --- min, max, sortsFirst, sortsLast ---

// pickAgg keeps the value that sorts first under cmp; equal values are resolved to the event
// that came first in input order. Absent values, lists and maps are skipped (§8.6: maps and
// lists are not supported in stats).
//
// sortsFirst/sortsLast use the §5.5 order as is (non-numbers before numbers). min and max
// compare numbers numerically and strings by the §5.5 order (A38), but prefer number values
// over other strings in both directions: min of [5, "N/A", 3] is 3, not "N/A"; a string wins
// only when the group has no number value. Values keep their kind: max(@timestamp) is a
// timestamp.
type pickAgg struct {
	cmp func(a, b Value) int
	v   Value
	ord uint64
	has bool
}

func minCompare(a, b Value) int {
	_, an := sortNumber(a)
	_, bn := sortNumber(b)
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	return naturalCompare(a, b)
}

func maxCompare(a, b Value) int { return -naturalCompare(a, b) }

func firstCompare(a, b Value) int { return naturalCompare(a, b) }

// lastCompare: sortsLast picks the value that sorts first in descending order.
func lastCompare(a, b Value) int { return -naturalCompare(a, b) }

func (a *pickAgg) offer(v Value, ord uint64, clone bool) {
	if a.has {
		c := a.cmp(v, a.v)
		if c > 0 || (c == 0 && ord > a.ord) {
			return
		}
	}
	if clone {
		v = v.Clone()
	}
	a.v, a.ord, a.has = v, ord, true
}

func (a *pickAgg) add(v Value, _ int64, _ bool, ord uint64) {
	switch v.Kind {
	case Absent, List, Map:
		return
	}
	a.offer(v, ord, true)
}

func (a *pickAgg) merge(o aggFunc) {
	if b := o.(*pickAgg); b.has {
		a.offer(b.v, b.ord, false)
	}
}

func (a *pickAgg) result() Value {
	if !a.has {
		return absentValue
	}
	return a.v
}

// --- earliest, latest ---

// timedAgg is earliest/latest: the value from the event with the earliest (latest)
// @timestamp among the events that have the field (A41). Events with a timestamp win over
// events without one; equal timestamps (and events without one) go to the first event in input
// order.
type timedAgg struct {
	latest bool
	v      Value
	ts     int64
	hasTs  bool
	ord    uint64
	has    bool
}

func (a *timedAgg) better(ts int64, hasTs bool, ord uint64) bool {
	if !a.has {
		return true
	}
	if hasTs != a.hasTs {
		return hasTs
	}
	if hasTs && ts != a.ts {
		return (ts < a.ts) != a.latest
	}
	return ord < a.ord
}

func (a *timedAgg) add(v Value, ts int64, hasTs bool, ord uint64) {
	if v.Kind == Absent || !a.better(ts, hasTs, ord) {
		return
	}
	a.v, a.ts, a.hasTs, a.ord, a.has = v.Clone(), ts, hasTs, ord, true
}

func (a *timedAgg) merge(o aggFunc) {
	b := o.(*timedAgg)
	if b.has && a.better(b.ts, b.hasTs, b.ord) {
		a.v, a.ts, a.hasTs, a.ord, a.has = b.v, b.ts, b.hasTs, b.ord, true
	}
}

func (a *timedAgg) result() Value {
	if !a.has {
		return absentValue
	}
	return a.v
}

// --- pct ---

// pctAgg is pct(field, p): the nearest-rank percentile (A39) of the numeric values: the
// smallest value such that at least p% of the values are ≤ it, i.e. the ceil(p*n/100)-th
// smallest (the smallest for p = 0). All numeric values are kept.
type pctAgg struct {
	p    float64
	vals []float64
}

func newPct(params []Value) (aggFunc, error) {
	if len(params) != 1 {
		return nil, errors.New("pct takes a field and a percentile")
	}
	p, ok := toNumber(params[0])
	if !ok || params[0].Kind == Time || math.IsNaN(p) || p < 0 || p > 100 {
		return nil, errors.New("pct's percentile must be a number from 0 to 100")
	}
	return &pctAgg{p: p}, nil
}

func (a *pctAgg) add(v Value, _ int64, _ bool, _ uint64) {
	if f, ok := numArg(v); ok {
		a.vals = append(a.vals, f+0)
	}
}

func (a *pctAgg) merge(o aggFunc) { a.vals = append(a.vals, o.(*pctAgg).vals...) }

func (a *pctAgg) result() Value {
	n := len(a.vals)
	if n == 0 {
		return absentValue
	}
	slices.Sort(a.vals)
	rank := int(math.Ceil(a.p * float64(n) / 100))
	rank = min(max(rank, 1), n)
	return finiteNum(a.vals[rank-1])
}
