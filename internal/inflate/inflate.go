// Package inflate decompresses gzip streams (RFC 1952 around RFC 1951 DEFLATE) for the scan.
//
// It exists because decompression is most of the CPU of every query: on the bench export it was
// 80% of `stats count(*) by responseStatus.code`. github.com/klauspost/compress/gzip, the default,
// decodes into a 32 KiB ring and copies every match through memmove calls and every byte out of
// the ring again; this decoder keeps the techniques of libdeflate instead: output goes straight
// into one flat buffer that also serves as the window, matches are copied eight bytes at a time,
// the input is read into a 64-bit bit buffer with one load per symbol, and a table entry carries
// the code length and the length's extra-bit count so that a symbol costs one or two lookups.
// bench/README.md has the measured table that justified replacing the default here.
//
// Corrupt or truncated input gets the errors the standard library's gzip and flate readers give
// (gzip.ErrHeader, gzip.ErrChecksum, flate.CorruptInputError, io.ErrUnexpectedEOF), after every
// byte that decoded before the damage. Every member's CRC-32 and size are checked, so a decoding
// bug would surface as ErrChecksum, never as wrong output.
package inflate

import (
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/bits"
	"unsafe"
)

const (
	windowSize = 32 << 10
	// chunkSize is how much output one fill decodes before Read hands it out: the window is
	// moved to the front of the buffer once per chunk, so a large chunk makes that copy rare.
	chunkSize = 1 << 20
	// outSlack is the room past outLimit: the longest match (258) plus the overshoot of the
	// eight-byte match copy.
	outSlack = 258 + 16
	inSize   = 128 << 10
	// inPad is the zero bytes kept after the input so that the bit buffer can load eight bytes
	// at any position up to eight bytes past the end.
	inPad = 16
)

// Table entry layout (uint32): bits 0-4 the code length; bit 5 a literal; bit 6 end of block;
// bit 7 a pointer to a subtable; bit 8 an invalid code; bits 9-13 the extra bits of a length or
// distance, or the index bits of a subtable; bits 16-31 the literal, base or subtable start.
const (
	fLiteral  = 1 << 5
	fEOB      = 1 << 6
	fSub      = 1 << 7
	fInvalid  = 1 << 8
	extraShft = 9
)

const (
	litBits  = 11 // primary index bits of the literal/length table
	distBits = 8  // of the distance table
	clBits   = 7  // of the code-length table (its codes are at most 7 bits)
	// Subtables: one per primary prefix, at most 2^(15-bits) entries each, at most one prefix
	// per symbol.
	litTableSize  = 1<<litBits + 288*(1<<(15-litBits))
	distTableSize = 1<<distBits + 32*(1<<(15-distBits))
)

var lengthBase = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
var lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
var distBase = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
var distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

// clOrder is the order of the code-length code lengths in a dynamic block header.
var clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// litEntries, distEntries and clEntries are the table entries of each symbol, without the code
// length.
var litEntries, distEntries, clEntries = func() (lit [288]uint32, dist [32]uint32, cl [19]uint32) {
	for sym := range lit {
		switch {
		case sym < 256:
			lit[sym] = uint32(sym)<<16 | fLiteral
		case sym == 256:
			lit[sym] = fEOB
		case sym < 286:
			i := sym - 257
			lit[sym] = uint32(lengthBase[i])<<16 | uint32(lengthExtra[i])<<extraShft
		default:
			lit[sym] = fInvalid // 286 and 287 have fixed codes but no meaning
		}
	}
	for sym := range dist {
		dist[sym] = fInvalid
		if sym < 30 {
			dist[sym] = uint32(distBase[sym])<<16 | uint32(distExtra[sym])<<extraShft
		}
	}
	for sym := range cl {
		cl[sym] = uint32(sym) << 16
	}
	return
}()

// buildTable fills table with the canonical Huffman code of lens (RFC 1951 3.2.2), indexed by
// the next bits of the stream (least significant first); entries[sym] is the entry of a symbol.
// It reports false when the code is over-subscribed, or incomplete other than a single one-bit
// code, the codes the standard library refuses; an empty code is accepted and every lookup in
// it is invalid.
func buildTable(table []uint32, lens []uint8, bits uint, entries []uint32) bool {
	var count [16]int
	for _, l := range lens {
		count[l&15]++
	}
	count[0] = 0
	left, maxLen := 1, 0
	for l := 1; l < 16; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false
		}
		if count[l] > 0 {
			maxLen = l
		}
	}
	primary := table[:1<<bits]
	if left > 0 {
		// Only an empty code or a single one-bit code leaves entries unfilled.
		if maxLen > 1 || count[1] > 1 {
			return false
		}
		for i := range primary {
			primary[i] = fInvalid
		}
		if maxLen == 0 {
			return true
		}
	}
	var next [16]int
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	free := 1 << bits
	if maxLen > int(bits) {
		// One subtable per primary prefix of the codes longer than bits, as large as the
		// longest code under that prefix needs. A complete code fills every entry.
		var sub [1 << litBits]uint8
		var prefixes [288]uint16
		np := 0
		n := next
		for _, l := range lens {
			if uint(l) > bits {
				p := reverse(n[l], uint(l)) & (1<<bits - 1)
				n[l]++
				if sub[p] == 0 {
					prefixes[np] = uint16(p)
					np++
				}
				sub[p] = max(sub[p], l-uint8(bits))
			}
		}
		for _, p := range prefixes[:np] {
			sb := uint(sub[p])
			if free+1<<sb > len(table) {
				return false // cannot happen for a complete code; be safe
			}
			primary[p] = uint32(free)<<16 | uint32(sb)<<extraShft | fSub
			free += 1 << sb
		}
	}
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		r := reverse(next[l], uint(l))
		next[l]++
		e := entries[sym] | uint32(l)
		if uint(l) <= bits {
			for i := r; i < 1<<bits; i += 1 << l {
				primary[i] = e
			}
			continue
		}
		ptr := primary[r&(1<<bits-1)]
		start, sb := int(ptr>>16), uint(ptr>>extraShft&31)
		for i := r >> bits; i < 1<<sb; i += 1 << (uint(l) - bits) {
			table[start+i] = e
		}
	}
	return true
}

// reverse returns the low n bits of code in reverse order.
func reverse(code int, n uint) int {
	return int(bits.Reverse16(uint16(code)) >> (16 - n))
}

var fixedLit, fixedDist = func() (lit [litTableSize]uint32, dist [distTableSize]uint32) {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	if !buildTable(lit[:], l[:], litBits, litEntries[:]) || !buildTable(dist[:], d[:], distBits, distEntries[:]) {
		panic("inflate: fixed tables")
	}
	return
}()

// Decoder states between fills.
const (
	stBlock   = iota // at a block header
	stHuffman        // inside a Huffman-coded block
	stStored         // inside a stored block (storedLeft bytes to go)
	stTrailer        // after the final block of a member
	stDone           // at the end of the stream (err is set)
)

// Reader decompresses a gzip stream of one or more members. The zero value is ready for Reset.
// Not safe for concurrent use.
type Reader struct {
	r    io.Reader
	raw  bool // raw DEFLATE, no gzip framing (tests)
	in   []byte
	ip   int // next unread byte of in
	iend int // end of the bytes read into in
	eof  bool
	rerr error // the read error that ended the input, io.EOF at the end
	// consumed is the input bytes dropped from in before in[0]: the stream offset of in[0].
	consumed int64

	bitbuf   uint64
	bitsleft uint

	out  []byte
	op   int // end of the decoded output
	rp   int // next byte Read hands out
	base int // start of the current member's output in out: matches may not reach before it

	state      int
	final      bool
	storedLeft int
	err        error
	crc, size  uint32

	lit  [litTableSize]uint32
	dist [distTableSize]uint32
	lit0 *[litTableSize]uint32 // the table in use: lit or fixedLit
	dst0 *[distTableSize]uint32
}

// Reset starts decompressing the gzip stream r and reads its first header.
func (z *Reader) Reset(r io.Reader) error {
	z.reset(r, false)
	if err := z.header(); err != nil {
		z.fail(err)
		return err
	}
	return nil
}

func (z *Reader) reset(r io.Reader, raw bool) {
	if z.in == nil {
		z.in = make([]byte, inSize+inPad)
		z.out = make([]byte, windowSize+chunkSize+outSlack)
	}
	z.r, z.raw = r, raw
	z.ip, z.iend, z.eof, z.rerr, z.consumed = 0, 0, false, nil, 0
	z.bitbuf, z.bitsleft = 0, 0
	z.op, z.rp, z.base = 0, 0, 0
	z.state, z.final, z.storedLeft, z.err = stBlock, false, 0, nil
	z.crc, z.size = 0, 0
}

func (z *Reader) fail(err error) {
	if z.err == nil {
		z.err = err
	}
	z.state = stDone
}

// Read reads decompressed bytes; at the end of the last member it returns io.EOF.
func (z *Reader) Read(p []byte) (int, error) {
	for z.rp == z.op {
		if z.state == stDone {
			return 0, z.err
		}
		z.fill()
	}
	n := copy(p, z.out[z.rp:z.op])
	z.rp += n
	return n, nil
}

// fill decodes the next output (or ends the stream with z.err set).
func (z *Reader) fill() {
	if z.op >= len(z.out)-outSlack-windowSize/2 {
		// Keep the window at the front: matches reach at most 32 KiB back.
		shift := z.op - windowSize
		copy(z.out, z.out[shift:z.op])
		z.op, z.rp, z.base = windowSize, windowSize, max(0, z.base-shift)
	}
	// start is where this fill's output begins (what is pending for Read); sum is where the
	// output not yet in the member's checksum begins (it moves at a member's end).
	start, sum := z.op, z.op
	defer func() { z.checksum(sum) }()
	limit := len(z.out) - outSlack
	for z.op < limit && z.state != stDone {
		if (z.state == stBlock || z.state == stTrailer) && z.op > start && !z.eof && z.iend-z.ip < 1<<10 {
			// A header may need more input than is buffered: hand out what is decoded first
			// (see errYield).
			return
		}
		var err error
		switch z.state {
		case stBlock:
			if z.final {
				z.state = stTrailer
				continue
			}
			err = z.blockHeader()
		case stHuffman:
			err = z.huffman(start, limit)
		case stStored:
			err = z.stored(start, limit)
		case stTrailer:
			if z.raw {
				z.fail(io.EOF)
				return
			}
			z.checksum(sum)
			sum = z.op
			err = z.trailer()
		}
		if err == errYield {
			return
		}
		if err != nil {
			z.fail(err)
		}
	}
}

// checksum adds out[from:op] to the member's CRC-32 and size.
func (z *Reader) checksum(from int) {
	if !z.raw {
		z.crc = crc32.Update(z.crc, crc32.IEEETable, z.out[from:z.op])
		z.size += uint32(z.op - from)
	}
}

// corrupt is the error for invalid DEFLATE data, at the input offset reached.
func (z *Reader) corrupt() error {
	return flate.CorruptInputError(z.consumed + int64(z.ip) - int64(z.bitsleft>>3))
}

// more reads more input, keeping in[ip:iend]; it reports whether any came.
func (z *Reader) more() bool {
	if z.eof {
		return false
	}
	before := z.iend - z.ip
	// The eight bytes before ip stay: the bit buffer may hold some of them and give them back.
	if keep := min(z.ip, 8); z.ip > keep {
		n := copy(z.in, z.in[z.ip-keep:z.iend])
		z.consumed += int64(z.ip - keep)
		z.ip, z.iend = keep, n
	}
	for z.iend < inSize {
		n, err := z.r.Read(z.in[z.iend:inSize])
		z.iend += n
		if err != nil {
			z.eof, z.rerr = true, err
			clear(z.in[z.iend:])
			break
		}
		if n > 0 {
			break
		}
	}
	return z.iend-z.ip > before
}

// inputEnd is the error for input that ends too soon: the read error, or io.ErrUnexpectedEOF.
func (z *Reader) inputEnd() error {
	if z.rerr != nil && z.rerr != io.EOF {
		return z.rerr
	}
	return io.ErrUnexpectedEOF
}

// need makes n bytes available at in[ip:], which must hold no bits in the bit buffer.
func (z *Reader) need(n int) error {
	for z.iend-z.ip < n {
		if !z.more() {
			return z.inputEnd()
		}
	}
	return nil
}

// toBytes drops the bits up to the next byte boundary and gives whole unused bytes of the bit
// buffer back to the input.
func (z *Reader) toBytes() {
	z.ip -= int(z.bitsleft >> 3)
	z.bitbuf, z.bitsleft = 0, 0
}

// fillBits loads input into the bit buffer, a byte at a time, until it holds n bits or the
// input ends.
func (z *Reader) fillBits(n uint) {
	for z.bitsleft < n && (z.ip < z.iend || z.more()) {
		z.bitbuf |= uint64(z.in[z.ip]) << z.bitsleft
		z.ip++
		z.bitsleft += 8
	}
}

// bits returns the next n (at most 32) bits of the stream, reading input as needed.
func (z *Reader) bits(n uint) (uint32, error) {
	if z.fillBits(n); z.bitsleft < n {
		return 0, z.inputEnd()
	}
	v := uint32(z.bitbuf & (1<<n - 1))
	z.bitbuf >>= n
	z.bitsleft -= n
	return v, nil
}

func (z *Reader) header() error {
	if err := z.need(10); err != nil {
		if z.iend == z.ip && err == io.ErrUnexpectedEOF {
			return io.EOF // the end of the last member: a stream is zero or more members
		}
		return err
	}
	h := z.in[z.ip : z.ip+10]
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
		return gzip.ErrHeader
	}
	flg := h[3]
	digest := crc32.ChecksumIEEE(h)
	z.ip += 10
	const fhcrc, fextra, fname, fcomment = 1 << 1, 1 << 2, 1 << 3, 1 << 4
	if flg&fextra != 0 {
		if err := z.need(2); err != nil {
			return err
		}
		n := int(binary.LittleEndian.Uint16(z.in[z.ip:]))
		if err := z.need(2 + n); err != nil {
			return err
		}
		digest = crc32.Update(digest, crc32.IEEETable, z.in[z.ip:z.ip+2+n])
		z.ip += 2 + n
	}
	for _, f := range []byte{fname, fcomment} {
		if flg&f == 0 {
			continue
		}
		// A name or comment is at most 511 bytes and a NUL, as the standard library reads them.
		for i := 1; ; i++ {
			if i > 512 {
				return gzip.ErrHeader
			}
			if err := z.need(i); err != nil {
				return err
			}
			if z.in[z.ip+i-1] == 0 {
				digest = crc32.Update(digest, crc32.IEEETable, z.in[z.ip:z.ip+i])
				z.ip += i
				break
			}
		}
	}
	if flg&fhcrc != 0 {
		if err := z.need(2); err != nil {
			return err
		}
		if binary.LittleEndian.Uint16(z.in[z.ip:]) != uint16(digest) {
			return gzip.ErrHeader
		}
		z.ip += 2
	}
	if flg>>5 != 0 {
		return gzip.ErrHeader // reserved flags
	}
	z.state, z.final, z.crc, z.size, z.base = stBlock, false, 0, 0, z.op
	return nil
}

// trailer checks the member's CRC-32 and size and reads the next member's header, if any.
func (z *Reader) trailer() error {
	z.toBytes()
	if err := z.need(8); err != nil {
		return err
	}
	t := z.in[z.ip : z.ip+8]
	if binary.LittleEndian.Uint32(t) != z.crc || binary.LittleEndian.Uint32(t[4:]) != z.size {
		return gzip.ErrChecksum
	}
	z.ip += 8
	return z.header()
}

func (z *Reader) blockHeader() error {
	h, err := z.bits(3)
	if err != nil {
		return err
	}
	z.final = h&1 != 0
	switch h >> 1 {
	case 0:
		z.toBytes()
		if err := z.need(4); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint16(z.in[z.ip:])
		if ^n != binary.LittleEndian.Uint16(z.in[z.ip+2:]) {
			return z.corrupt()
		}
		z.ip += 4
		z.storedLeft, z.state = int(n), stStored
	case 1:
		z.lit0, z.dst0, z.state = &fixedLit, &fixedDist, stHuffman
	case 2:
		if err := z.dynamic(); err != nil {
			return err
		}
		z.lit0, z.dst0, z.state = &z.lit, &z.dist, stHuffman
	default:
		return z.corrupt()
	}
	return nil
}

// dynamic reads the code lengths of a dynamic block and builds its tables.
func (z *Reader) dynamic() error {
	h, err := z.bits(14)
	if err != nil {
		return err
	}
	nlit, ndist, nclen := int(h&31)+257, int(h>>5&31)+1, int(h>>10)+4
	if nlit > 286 || ndist > 30 {
		return z.corrupt()
	}
	var cl [19]uint8
	for i := range nclen {
		v, err := z.bits(3)
		if err != nil {
			return err
		}
		cl[clOrder[i]] = uint8(v)
	}
	var clTable [1 << clBits]uint32
	if !buildTable(clTable[:], cl[:], clBits, clEntries[:]) {
		return z.corrupt()
	}
	var lens [286 + 30]uint8
	n := nlit + ndist
	for i := 0; i < n; {
		// A code-length code is at most 7 bits and its repeat at most 7 more; near the end of
		// the input fewer may be there, and the code is refused if it needed more.
		z.fillBits(14)
		e := clTable[z.bitbuf&(1<<clBits-1)]
		l := uint(e & 31)
		switch {
		case l > z.bitsleft || e&fInvalid != 0 && z.bitsleft < clBits:
			return z.inputEnd()
		case e&fInvalid != 0:
			return z.corrupt()
		}
		z.bitbuf >>= l
		z.bitsleft -= l
		sym := int(e >> 16)
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return z.corrupt()
			}
			b, err := z.bits(2)
			if err != nil {
				return err
			}
			rep, v = 3+int(b), lens[i-1]
		case 17:
			b, err := z.bits(3)
			if err != nil {
				return err
			}
			rep = 3 + int(b)
		default:
			b, err := z.bits(7)
			if err != nil {
				return err
			}
			rep = 11 + int(b)
		}
		if i+rep > n {
			return z.corrupt()
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if lens[256] == 0 {
		return z.corrupt() // a block that cannot end
	}
	if !buildTable(z.lit[:], lens[:nlit], litBits, litEntries[:]) || !buildTable(z.dist[:], lens[nlit:n], distBits, distEntries[:]) {
		return z.corrupt()
	}
	return nil
}

// stored copies the rest of a stored block, up to limit in the output; start is where the
// fill's output begins (see errYield).
func (z *Reader) stored(start, limit int) error {
	for z.storedLeft > 0 && z.op < limit {
		if z.ip == z.iend {
			if z.op > start {
				return errYield
			}
			if !z.more() {
				return z.inputEnd()
			}
		}
		k := min(z.storedLeft, z.iend-z.ip, limit-z.op)
		copy(z.out[z.op:], z.in[z.ip:z.ip+k])
		z.op += k
		z.ip += k
		z.storedLeft -= k
	}
	if z.storedLeft == 0 {
		z.state = stBlock
	}
	return nil
}

// huffman decodes symbols of a Huffman-coded block until its end or until the output reaches
// limit; start is where the fill's output begins (see errYield). The loop keeps the stream
// state in locals; every exit stores it back.
func (z *Reader) huffman(start, limit int) error {
	lit, dist := z.lit0, z.dst0
	in := z.in
	bitbuf, bitsleft, ip, op := z.bitbuf, z.bitsleft, z.ip, z.op
	iend, base := z.iend, z.base
	// out[op] below limit+2 is in the buffer (outSlack), so writes go through a pointer
	// without bounds checks.
	outp := unsafe.Pointer(unsafe.SliceData(z.out))
	var err error
	// A symbol decoded from fewer than eight buffered bytes before the end of the input is
	// tentative: if it needed bits not read yet, the state before it comes back and more
	// input is read. Reading only then keeps a slowly arriving stream from waiting on input
	// that the symbols decoded so far do not need.
	tentative := false
	var tBitbuf uint64
	var tBitsleft uint
	var tIP, tOp int
retry:
	for op < limit {
		if ip+8 > iend && !z.eof {
			if op > start {
				err = errYield
				break
			}
			clear(in[iend : iend+inPad])
			tentative, tBitbuf, tBitsleft, tIP, tOp = true, bitbuf, bitsleft, ip, op
		}
		// Past the bytes read, the load reads zero padding. A refill leaves at least 56 bits,
		// more than a symbol takes (48); before a symbol is written, it is refused if it used
		// bits of the padding (ip > iend only then).
		bitbuf |= binary.LittleEndian.Uint64(in[ip:]) << bitsleft
		ip += int((63 - bitsleft) >> 3)
		bitsleft |= 56

		e := lit[bitbuf&(1<<litBits-1)]
		if e&fSub != 0 {
			e = lit[int(e>>16)+int(bitbuf>>litBits&(1<<(e>>extraShft&31)-1))]
		}
		n := uint(e & 31)
		bitbuf >>= n
		bitsleft -= n
		if e&fLiteral != 0 {
			if pastEnd(ip, bitsleft, iend) {
				err = errShort
				break
			}
			*(*byte)(unsafe.Add(outp, op)) = byte(e >> 16)
			op++
			// A second literal fits in the bits left (at least 41; a primary entry is at
			// most 11 bits).
			e = lit[bitbuf&(1<<litBits-1)]
			if e&(fLiteral|fSub) == fLiteral && !tentative {
				n := uint(e & 31)
				bitbuf >>= n
				bitsleft -= n
				if pastEnd(ip, bitsleft, iend) {
					err = errShort
					break
				}
				*(*byte)(unsafe.Add(outp, op)) = byte(e >> 16)
				op++
			}
			continue
		}
		if e&(fEOB|fInvalid) != 0 {
			switch {
			case e&fInvalid != 0 && ip > iend:
				err = errShort // not a code, but the bits looked at run into the padding
			case e&fInvalid != 0:
				err = errCorrupt
			case pastEnd(ip, bitsleft, iend):
				err = errShort
			default:
				z.state = stBlock
			}
			break
		}
		x := uint(e >> extraShft & 31)
		length := int(e>>16) + int(bitbuf&(1<<x-1))
		bitbuf >>= x
		bitsleft -= x
		d := dist[bitbuf&(1<<distBits-1)]
		if d&fSub != 0 {
			d = dist[int(d>>16)+int(bitbuf>>distBits&(1<<(d>>extraShft&31)-1))]
		}
		n = uint(d & 31)
		bitbuf >>= n
		bitsleft -= n
		x = uint(d >> extraShft & 31)
		dd := int(d>>16) + int(bitbuf&(1<<x-1))
		bitbuf >>= x
		bitsleft -= x
		if d&fInvalid != 0 && ip > iend || pastEnd(ip, bitsleft, iend) {
			err = errShort
			break
		}
		if d&fInvalid != 0 || dd > op-base {
			err = errCorrupt
			break
		}
		dst, src := op, op-dd
		op += length
		if dd >= 8 {
			// The common case inline: eight bytes at a time, each read already written.
			for ; dst < op; dst, src = dst+8, src+8 {
				*(*uint64)(unsafe.Add(outp, dst)) = *(*uint64)(unsafe.Add(outp, src))
			}
			continue
		}
		copyMatch(outp, dst, src, length)
	}
	if err == errShort && tentative {
		bitbuf, bitsleft, ip, op = tBitbuf, tBitsleft, tIP, tOp
		tentative, err = false, nil
		z.bitbuf, z.bitsleft, z.ip, z.op = bitbuf, bitsleft, ip, op
		z.more() // at the end of the input this sets eof, and the symbol is cut short for good
		bitbuf, bitsleft, ip, iend = z.bitbuf, z.bitsleft, z.ip, z.iend
		goto retry
	}
	if ip > iend && (err == nil || err == errYield) {
		// The bit buffer holds zero padding past the bytes read as if it were input; the
		// symbols taken did not use it (checked above), so it is given back: the bytes read
		// later take its place.
		bitsleft -= uint(ip-iend) * 8
		bitbuf &= 1<<bitsleft - 1
		ip = iend
	}
	z.bitbuf, z.bitsleft, z.ip, z.op = bitbuf, bitsleft, ip, op
	switch err {
	case errCorrupt:
		return z.corrupt()
	case errShort:
		return z.inputEnd()
	}
	return err
}

// pastEnd reports whether the bits taken from the bit buffer (ip bytes loaded, bitsleft of
// them not taken) reach past the iend bytes of real input into the zero padding.
func pastEnd(ip int, bitsleft uint, iend int) bool {
	return ip > iend && uint64(ip)*8-uint64(bitsleft) > uint64(iend)*8
}

// errCorrupt and errShort mark a corrupt symbol and one cut short inside huffman. errYield
// ends a fill that has output before it reads more input: a stream that arrives slowly (stdin
// from a pipe) gets what has been decoded so far without waiting for the next read.
var errCorrupt, errShort, errYield = errors.New("corrupt"), errors.New("short"), errors.New("yield")

// copyMatch copies length bytes from out[src:] to out[dst:] (src < dst, overlapping forward as
// DEFLATE means it). It may write up to 15 bytes past dst+length, which outSlack leaves room for.
func copyMatch(out unsafe.Pointer, dst, src, length int) {
	if dst-src >= 8 {
		for end := dst + length; dst < end; dst, src = dst+8, src+8 {
			*(*uint64)(unsafe.Add(out, dst)) = *(*uint64)(unsafe.Add(out, src))
		}
		return
	}
	if dst-src == 1 {
		v := uint64(*(*byte)(unsafe.Add(out, src))) * 0x0101010101010101
		for end := dst + length; dst < end; dst += 8 {
			*(*uint64)(unsafe.Add(out, dst)) = v
		}
		return
	}
	for end := dst + length; dst < end; dst, src = dst+1, src+1 {
		*(*byte)(unsafe.Add(out, dst)) = *(*byte)(unsafe.Add(out, src))
	}
}
