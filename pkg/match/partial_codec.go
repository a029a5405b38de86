package match

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"slices"
)

// The partial-result file format (version 1) is documented in docs/partial-format.md. This file
// holds its primitives: unsigned and zig-zag varints, length-prefixed bytes, float64 as their 8
// IEEE-754 bits (so every value, NaN payloads and -0 included, reads back bit for bit), and
// Values.

// penc writes the records of a partial, keeping a CRC-32 (IEEE) of every byte written.
type penc struct {
	w   io.Writer
	crc hash.Hash32
	buf []byte
	err error
	n   int64
}

func newPenc(w io.Writer) *penc { return &penc{w: w, crc: crc32.NewIEEE()} }

// flush writes the record built in buf.
func (e *penc) flush() {
	if e.err == nil && len(e.buf) > 0 {
		e.crc.Write(e.buf)
		_, e.err = e.w.Write(e.buf)
		e.n += int64(len(e.buf))
	}
	e.buf = e.buf[:0]
}

func (e *penc) byte1(b byte)     { e.buf = append(e.buf, b) }
func (e *penc) uvarint(u uint64) { e.buf = binary.AppendUvarint(e.buf, u) }
func (e *penc) varint(i int64)   { e.buf = binary.AppendVarint(e.buf, i) }
func (e *penc) u64(u uint64)     { e.buf = binary.BigEndian.AppendUint64(e.buf, u) }
func (e *penc) f64(f float64)    { e.u64(math.Float64bits(f)) }
func (e *penc) str(s string)     { e.uvarint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *penc) bytes(b []byte)   { e.uvarint(uint64(len(b))); e.buf = append(e.buf, b...) }
func (e *penc) bool1(b bool) {
	if b {
		e.byte1(1)
	} else {
		e.byte1(0)
	}
}

const (
	valJSON  = 1
	valElems = 2
	valKeys  = 4
)

func (e *penc) value(v Value) {
	e.byte1(byte(v.Kind))
	var fl byte
	if v.JSON {
		fl |= valJSON
	}
	if v.Elems != nil {
		fl |= valElems
	}
	if v.Keys != nil {
		fl |= valKeys
	}
	e.byte1(fl)
	e.str(v.Str)
	e.f64(v.Num)
	if v.Elems != nil {
		e.uvarint(uint64(len(v.Elems)))
		for _, el := range v.Elems {
			e.value(el)
		}
	}
	if v.Keys != nil {
		e.uvarint(uint64(len(v.Keys)))
		for _, k := range v.Keys {
			e.str(k)
		}
	}
}

func (e *penc) values(vs []Value) {
	if vs == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(vs)) + 1)
	for _, v := range vs {
		e.value(v)
	}
}

// errCorrupt is what a decoding error of a partial wraps.
var errCorrupt = errors.New("corrupt partial result")

// pdec reads what penc wrote. Errors are sticky: after the first one every read returns zero.
type pdec struct {
	r   io.ByteReader
	rr  io.Reader
	br  *bufio.Reader // r, when it is one: varints are then read from its buffer in place
	err error
}

func newPdec(r interface {
	io.Reader
	io.ByteReader
}) *pdec {
	br, _ := r.(*bufio.Reader)
	return &pdec{r: r, rr: r, br: br}
}

func (d *pdec) fail(err error) {
	if d.err == nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		d.err = err
	}
}

func (d *pdec) byte1() byte {
	if d.err != nil {
		return 0
	}
	b, err := d.r.ReadByte()
	if err != nil {
		d.fail(err)
	}
	return b
}

// fastUvarint reads a varint that lies whole in the reader's buffer, or reports false (the
// caller then reads it byte by byte, which also reports the errors).
func (d *pdec) fastUvarint() (uint64, bool) {
	if d.br == nil || d.br.Buffered() < binary.MaxVarintLen64 {
		return 0, false
	}
	b, _ := d.br.Peek(binary.MaxVarintLen64)
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, false
	}
	d.br.Discard(n)
	return u, true
}

func (d *pdec) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	if u, ok := d.fastUvarint(); ok {
		return u
	}
	u, err := binary.ReadUvarint(d.r)
	if err != nil {
		d.fail(err)
	}
	return u
}

func (d *pdec) varint() int64 {
	if d.err != nil {
		return 0
	}
	if u, ok := d.fastUvarint(); ok {
		i := int64(u >> 1)
		if u&1 != 0 {
			i = ^i
		}
		return i
	}
	i, err := binary.ReadVarint(d.r)
	if err != nil {
		d.fail(err)
	}
	return i
}

func (d *pdec) u64() uint64 {
	var b [8]byte
	d.full(b[:])
	return binary.BigEndian.Uint64(b[:])
}

func (d *pdec) f64() float64 { return math.Float64frombits(d.u64()) }

func (d *pdec) full(b []byte) {
	if d.err != nil {
		return
	}
	if _, err := io.ReadFull(d.rr, b); err != nil {
		d.fail(err)
	}
}

// maxPartialLen bounds one length field, so that a corrupt length cannot make us allocate
// without limit before the read fails.
const maxPartialLen = 1 << 31

// count reads a length, failing on one that cannot be right.
func (d *pdec) count() int {
	u := d.uvarint()
	if u > maxPartialLen {
		d.fail(errors.New("length out of range"))
		return 0
	}
	return int(u)
}

func (d *pdec) bytesv() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	b := make([]byte, n)
	d.full(b)
	return b
}

func (d *pdec) str() string { return string(d.bytesv()) }

func (d *pdec) bool1() bool {
	switch d.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail(errors.New("bad boolean"))
	return false
}

func (d *pdec) value(depth int) Value {
	if depth > 1000 {
		d.fail(errors.New("values nested too deep"))
		return Value{}
	}
	var v Value
	k := d.byte1()
	if k > byte(Period) {
		d.fail(errors.New("bad value kind"))
		return v
	}
	v.Kind = Kind(k)
	fl := d.byte1()
	v.JSON = fl&valJSON != 0
	v.Str = d.str()
	v.Num = d.f64()
	d.valueRest(&v, fl, depth)
	return v
}

// valueRest reads what follows a value's number: its elements and keys, as flags fl say.
func (d *pdec) valueRest(v *Value, fl byte, depth int) {
	if fl&valElems != 0 {
		n := d.count()
		v.Elems = make([]Value, 0, min(n, 1024))
		for i := 0; i < n && d.err == nil; i++ {
			v.Elems = append(v.Elems, d.value(depth+1))
		}
	}
	if fl&valKeys != 0 {
		n := d.count()
		v.Keys = make([]string, 0, min(n, 1024))
		for i := 0; i < n && d.err == nil; i++ {
			v.Keys = append(v.Keys, d.str())
		}
	}
}

func (d *pdec) values() []Value {
	n := d.count()
	if n == 0 {
		return nil
	}
	vs := make([]Value, 0, min(n-1, 1024))
	for i := 0; i < n-1 && d.err == nil; i++ {
		vs = append(vs, d.value(0))
	}
	return vs
}

// --- aggregate states ---

func (s *exactSum) encode(e *penc) {
	e.varint(s.small)
	e.bool1(s.posInf)
	e.bool1(s.negInf)
	if s.acc == nil {
		e.bool1(false)
		return
	}
	e.bool1(true)
	var full [accLimbs]int64
	s.limbs(&full)
	for _, l := range full {
		e.varint(l)
	}
}

func (s *exactSum) decode(d *pdec) {
	s.small = d.varint()
	s.posInf = d.bool1()
	s.negInf = d.bool1()
	s.pending = 0
	if !d.bool1() {
		s.acc = nil
		return
	}
	var full [accLimbs]int64
	for i := range full {
		l := d.varint()
		if i < accLimbs-1 && (l < 0 || l > accLimbMask) {
			d.fail(errors.New("sum limb out of range"))
		}
		full[i] = l
	}
	s.setLimbs(&full)
}

func (a *countAgg) encode(e *penc) { e.varint(a.n) }
func (a *countAgg) decode(d *pdec) { a.n = d.varint() }

func (a *distinctAgg) encode(e *penc) {
	keys := make([]string, 0, len(a.seen))
	for k := range a.seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.str(k)
	}
}

func (a *distinctAgg) decode(d *pdec) {
	n := d.count()
	if n > 0 {
		a.seen = make(map[string]struct{}, min(n, 1<<16))
	}
	for i := 0; i < n && d.err == nil; i++ {
		a.seen[d.str()] = struct{}{}
	}
}

func (a *sumAgg) encode(e *penc) { e.varint(a.n); a.s.encode(e) }
func (a *sumAgg) decode(d *pdec) { a.n = d.varint(); a.s.decode(d) }

func (a *stddevAgg) encode(e *penc) { e.varint(a.n); a.s.encode(e); a.ssq.encode(e) }
func (a *stddevAgg) decode(d *pdec) { a.n = d.varint(); a.s.decode(d); a.ssq.decode(d) }

func (a *pickAgg) encode(e *penc) {
	e.bool1(a.has)
	if a.has {
		e.value(a.v)
		e.uvarint(a.ord)
	}
}

func (a *pickAgg) decode(d *pdec) {
	if a.has = d.bool1(); a.has {
		a.v = d.value(0)
		a.ord = d.uvarint()
	}
}

func (a *timedAgg) encode(e *penc) {
	e.bool1(a.has)
	if a.has {
		e.value(a.v)
		e.varint(a.ts)
		e.bool1(a.hasTs)
		e.uvarint(a.ord)
	}
}

func (a *timedAgg) decode(d *pdec) {
	if a.has = d.bool1(); a.has {
		a.v = d.value(0)
		a.ts = d.varint()
		a.hasTs = d.bool1()
		a.ord = d.uvarint()
	}
}

func (a *pctAgg) encode(e *penc) {
	e.uvarint(uint64(len(a.vals)))
	for _, f := range a.vals {
		e.f64(f)
	}
}

func (a *pctAgg) decode(d *pdec) {
	n := d.count()
	a.vals = make([]float64, 0, min(n, 1<<16))
	for i := 0; i < n && d.err == nil; i++ {
		a.vals = append(a.vals, d.f64())
	}
}
