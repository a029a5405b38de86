package match

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// JSON field discovery (spec §2): a hand-written scanner that flattens one message, a JSON
// object, into dotted field names, keeping only the fields a query needs.
//
// Decisions (spec ambiguities A3-A8):
//   - Only leaves become fields (A6); null, {} and [] produce nothing (A5).
//   - true/false become Bool values with Num 1/0 and Str "true"/"false" (A5).
//   - Numbers keep their original lexeme (NumLexeme), so 1.50 renders as 1.50.
//   - A key containing "." or "/" is kept raw inside the joined name (A8).
//   - When two paths flatten to the same name, the first occurrence in the document wins (A7);
//     this covers duplicate keys in one object too.
//   - A top-level key starting with "@" gets an extra "@" (§1.3); deeper keys are kept as is.
//   - Every key is joined with "." below the top level, even an empty one: {"a":{"":1}} → "a.".
//   - Strings are unescaped (\uXXXX, surrogate pairs; a lone surrogate becomes U+FFFD like
//     encoding/json) but otherwise kept byte for byte: invalid UTF-8 is not replaced here (the
//     writers' jsonQuote does that on output). encoding/json would replace it with U+FFFD.
//   - A message that is not exactly one JSON object (optionally surrounded by whitespace) has
//     no fields. Nesting deeper than jsonMaxDepth is invalid, as in encoding/json.
//   - No 200-field cap (A3); an emulation flag belongs to the engine.

// jsonMaxDepth is the deepest nesting accepted; encoding/json's scanner has the same limit.
const jsonMaxDepth = 10000

// jsonStrictValidate makes parse with a want set validate the whole message like a full parse,
// as CloudWatch does (an invalid or truncated message has no fields at all).
//
// It is false by default, which is the fast path: a parse with a want set stops as soon as every
// wanted name has been found, and subtrees no wanted name lies under are skipped by only
// counting brackets and finding string ends (no check of commas, colons, literals, control
// characters or escapes in them). So a message whose prefix is valid and holds all wanted fields
// is accepted even when its tail is invalid, and garbage inside a skipped subtree may go
// unnoticed; a truncated message (one that does not end in '}') is refused like in a full parse. Everything actually read (keys on the way, wanted values) is fully checked.
// A full parse (want == nil) always validates the whole message.
var jsonStrictValidate = false

// jsonPathSet is the set of flattened field names a query needs, compiled for matching during a
// scan. The names are sorted, so the names that continue a given prefix form a contiguous range
// (a jsonNode); descending by a key narrows the range with a binary search on the bytes after
// the prefix. Matching on the joined bytes, rather than on segments, makes keys that contain "."
// work without any special case. A subtree whose range is empty is skipped without building names.
type jsonPathSet struct {
	names []string       // sorted, unique
	index map[string]int // name → position in names
}

// jsonNode is the range names[lo:hi] of names that start with the same depth bytes.
type jsonNode struct {
	lo, hi, depth int32
}

// newJSONPathSet compiles names (like "user.extra.canonicalArn.0",
// "annotations.authorization.k8s.io/decision", "@@timestamp"). Duplicates are ignored.
func newJSONPathSet(names []string) *jsonPathSet {
	sorted := append([]string(nil), names...)
	slices.Sort(sorted)
	out := sorted[:0]
	for i, n := range sorted {
		if i > 0 && n == sorted[i-1] {
			continue
		}
		out = append(out, n)
	}
	ps := &jsonPathSet{names: out, index: make(map[string]int, len(out))}
	for i, n := range out {
		ps.index[n] = i
	}
	return ps
}

func (ps *jsonPathSet) root() jsonNode { return jsonNode{0, int32(len(ps.names)), 0} }

// jsonCmpAt compares the bytes of name after d, cut to len(s), with s.
func jsonCmpAt(name string, d int, s string) int {
	t := name[d:]
	if len(t) > len(s) {
		t = t[:len(s)]
	}
	return strings.Compare(t, s)
}

// descend narrows n to the names that continue n's prefix with s.
func (ps *jsonPathSet) descend(n jsonNode, s string) jsonNode {
	if n.hi-n.lo <= jsonLinearDescend {
		return ps.descendLinear(n, s)
	}
	return ps.descendSearch(n, s)
}

// descendSearch is descend by binary search.
func (ps *jsonPathSet) descendSearch(n jsonNode, s string) jsonNode {
	d := int(n.depth)
	lo, hi := int(n.lo), int(n.hi)
	// Lower bound: first name with cmp >= 0.
	a, b := lo, hi
	for a < b {
		m := int(uint(a+b) >> 1)
		if jsonCmpAt(ps.names[m], d, s) < 0 {
			a = m + 1
		} else {
			b = m
		}
	}
	first := a
	// Upper bound: first name with cmp > 0.
	b = hi
	for a < b {
		m := int(uint(a+b) >> 1)
		if jsonCmpAt(ps.names[m], d, s) <= 0 {
			a = m + 1
		} else {
			b = m
		}
	}
	return jsonNode{int32(first), int32(a), int32(d + len(s))}
}

// jsonLinearDescend is the largest range descend scans instead of searching.
const jsonLinearDescend = 8

// descendLinear is descend by a scan of n's range. A query wants a handful of names and most
// keys of an event match none of them: one byte per name rejects a key sooner than two binary
// searches do (-10% on a one-field lookup of an audit event, -25% on five fields).
func (ps *jsonPathSet) descendLinear(n jsonNode, s string) jsonNode {
	d := int(n.depth)
	first, end := n.lo, n.lo
	for i := n.lo; i < n.hi; i++ {
		name := ps.names[i]
		if len(name)-d >= len(s) && (len(s) == 0 || name[d] == s[0]) && name[d:d+len(s)] == s {
			if first == end {
				first = i
			}
			end = i + 1
		} else if first != end {
			break // the names that match are contiguous
		}
	}
	return jsonNode{first, end, int32(d + len(s))}
}

// terminal reports whether n's prefix is itself a wanted name (it sorts first in the range).
func (ps *jsonPathSet) terminal(n jsonNode) bool {
	return n.lo < n.hi && len(ps.names[n.lo]) == int(n.depth)
}

// jsonField is one flattened field.
type jsonField struct {
	name string
	v    Value
}

// jsonFields holds the flattened fields of one message. It is reused across events: parse
// resets it and keeps its buffers' capacity. Not safe for concurrent use; one per worker.
type jsonFields struct {
	jsonScan
	fields []jsonField      // document order
	byName map[string]int32 // full parse: name → index in fields
	want   *jsonPathSet     // nil for a full parse
	slot   []int32          // want parse: position in want.names → index in fields, or -1
	found  int              // want parse: distinct wanted names found
	done   bool             // want parse: all wanted names found, scan stopped early
	path   []byte           // full parse: name of the current value
	names  []byte           // full parse: arena for field names
}

// parse flattens msg, a JSON object, keeping only the fields in want (all leaves when want is
// nil). It returns false when msg is not a JSON object (not JSON, a truncated event, a JSON
// array/string): such a message simply has no discovered fields. Values may alias msg (strings
// without escapes) or an internal buffer (unescaped strings); they, and the names given to each,
// are valid until the next parse. See jsonStrictValidate for how much of msg is validated when
// want is non-nil.
func (f *jsonFields) parse(msg []byte, want *jsonPathSet) bool {
	f.reset(msg, want)
	f.skipWS()
	if f.pos >= len(f.msg) || f.msg[f.pos] != '{' {
		return false
	}
	var ok bool
	if want == nil {
		ok = f.fullObject(1)
	} else {
		ok = f.wantObject(want.root(), 1)
		if ok && f.done {
			// Fast path - every wanted name found; the tail is not read. A truncated event
			// (CloudWatch cuts events at 256 KiB) still has no fields, as in a full parse: its
			// last byte is not the closing brace, which costs a look at the end to see.
			if jsonEndsObject(f.msg) {
				return true
			}
			f.clearFields()
			return false
		}
	}
	if ok {
		f.skipWS()
		ok = f.pos == len(f.msg)
	}
	if !ok {
		f.clearFields()
	}
	return ok
}

// jsonEndsObject reports whether the last byte of msg that is not JSON white space is '}'.
func jsonEndsObject(msg []byte) bool {
	for i := len(msg) - 1; i >= 0; i-- {
		switch msg[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '}':
			return true
		}
		return false
	}
	return false
}

func (f *jsonFields) reset(msg []byte, want *jsonPathSet) {
	f.msg, f.pos = msg, 0
	f.buf = f.buf[:0]
	f.fields = f.fields[:0]
	f.path = f.path[:0]
	f.names = f.names[:0]
	f.want = want
	f.found, f.done = 0, false
	if want == nil {
		if f.byName == nil {
			f.byName = make(map[string]int32)
		} else {
			clear(f.byName)
		}
		return
	}
	n := len(want.names)
	if cap(f.slot) < n {
		f.slot = make([]int32, n)
	}
	f.slot = f.slot[:n]
	for i := range f.slot {
		f.slot[i] = -1
	}
}

func (f *jsonFields) clearFields() {
	clear(f.fields) // drop references into msg
	f.fields = f.fields[:0]
	if f.want == nil {
		clear(f.byName)
	} else {
		for i := range f.slot {
			f.slot[i] = -1
		}
	}
	f.found, f.done = 0, false
}

// get returns the value of a flattened field. After a parse with a want set, only wanted
// names can be found.
func (f *jsonFields) get(name string) (Value, bool) {
	if f.want != nil {
		i, ok := f.want.index[name]
		if !ok || f.slot[i] < 0 {
			return absentValue, false
		}
		return f.fields[f.slot[i]].v, true
	}
	i, ok := f.byName[name]
	if !ok {
		return absentValue, false
	}
	return f.fields[i].v, true
}

// each calls fn for every field, in document order.
func (f *jsonFields) each(fn func(name string, v Value)) {
	for i := range f.fields {
		fn(f.fields[i].name, f.fields[i].v)
	}
}

// len returns the number of fields.
func (f *jsonFields) len() int { return len(f.fields) }

// emitFull adds the leaf at f.path unless a field of that name exists (A7: first wins).
func (f *jsonFields) emitFull(v Value) {
	if _, dup := f.byName[string(f.path)]; dup {
		return
	}
	start := len(f.names)
	f.names = append(f.names, f.path...)
	name := jsonAlias(f.names[start:])
	f.byName[name] = int32(len(f.fields))
	f.fields = append(f.fields, jsonField{name, v})
}

// fullValue flattens the value at f.pos under the name in f.path.
func (f *jsonFields) fullValue(depth int) bool {
	if f.pos >= len(f.msg) {
		return false
	}
	switch f.msg[f.pos] {
	case '{':
		return f.fullObject(depth + 1)
	case '[':
		return f.fullArray(depth + 1)
	}
	v, ok := f.scalar()
	if ok && v.Kind != Absent {
		f.emitFull(v)
	}
	return ok
}

func (f *jsonFields) fullObject(depth int) bool {
	if depth > jsonMaxDepth {
		return false
	}
	f.pos++ // '{'
	base := len(f.path)
	f.skipWS()
	if f.pos < len(f.msg) && f.msg[f.pos] == '}' {
		f.pos++
		return true
	}
	for {
		key, ok := f.key()
		if !ok {
			return false
		}
		f.path = f.path[:base]
		if depth > 1 {
			f.path = append(f.path, '.')
		} else if len(key) > 0 && key[0] == '@' {
			f.path = append(f.path, '@')
		}
		f.path = append(f.path, key...)
		if !f.fullValue(depth) {
			return false
		}
		if end, ok := f.next('}'); !ok {
			return false
		} else if end {
			f.path = f.path[:base]
			return true
		}
	}
}

func (f *jsonFields) fullArray(depth int) bool {
	if depth > jsonMaxDepth {
		return false
	}
	f.pos++ // '['
	base := len(f.path)
	f.skipWS()
	if f.pos < len(f.msg) && f.msg[f.pos] == ']' {
		f.pos++
		return true
	}
	for i := 0; ; i++ {
		f.path = append(f.path[:base], '.')
		f.path = strconv.AppendInt(f.path, int64(i), 10)
		f.skipWS()
		if !f.fullValue(depth) {
			return false
		}
		if end, ok := f.next(']'); !ok {
			return false
		} else if end {
			f.path = f.path[:base]
			return true
		}
	}
}

// emitWant records the leaf for the wanted name at position i (A7: first wins).
func (f *jsonFields) emitWant(i int32, v Value) {
	if f.slot[i] >= 0 {
		return
	}
	f.slot[i] = int32(len(f.fields))
	f.fields = append(f.fields, jsonField{f.want.names[i], v})
	f.found++
	if f.found == len(f.want.names) && !jsonStrictValidate {
		f.done = true
	}
}

// wantValue reads the value at f.pos whose name is n's prefix.
func (f *jsonFields) wantValue(n jsonNode, depth int) bool {
	if f.pos >= len(f.msg) {
		return false
	}
	switch f.msg[f.pos] {
	case '{', '[':
		c := f.want.descend(n, ".")
		if c.lo == c.hi {
			return f.skipValue(depth) // Fast path - no wanted name below.
		}
		if f.msg[f.pos] == '{' {
			return f.wantObject(c, depth+1)
		}
		return f.wantArray(c, depth+1)
	}
	v, ok := f.scalar()
	if ok && v.Kind != Absent && f.want.terminal(n) {
		f.emitWant(n.lo, v)
	}
	return ok
}

// wantObject reads an object; n's prefix already ends with the separator ("" at the top).
func (f *jsonFields) wantObject(n jsonNode, depth int) bool {
	if depth > jsonMaxDepth {
		return false
	}
	f.pos++ // '{'
	f.skipWS()
	if f.pos < len(f.msg) && f.msg[f.pos] == '}' {
		f.pos++
		return true
	}
	for {
		key, ok := f.key()
		if !ok {
			return false
		}
		c := n
		if depth == 1 && len(key) > 0 && key[0] == '@' {
			c = f.want.descend(c, "@")
		}
		if c.lo < c.hi {
			c = f.want.descend(c, key)
		}
		switch {
		case c.lo < c.hi:
			ok = f.wantValue(c, depth)
		case f.pos < len(f.msg) && f.msg[f.pos] == '"' && !jsonStrictValidate:
			// Fast path - an unwanted string, the most common member of an event.
			end := jsonSkipString(f.msg, f.pos+1)
			f.pos, ok = end, end >= 0
		default:
			ok = f.skipValue(depth)
		}
		if !ok {
			return false
		}
		if f.done {
			return true
		}
		if c.lo < c.hi && depth > 1 && !jsonStrictValidate && f.allFound(n) {
			// Fast path - every name under this object has its first occurrence: what is left
			// of the object cannot change them, so it is skipped like an unwanted subtree
			// (the rest of "user" after user.username, of "objectRef" after its names).
			return f.skipRest(depth)
		}
		// Fast path - `,"` as encoders write it, without white space.
		if f.pos+1 < len(f.msg) && f.msg[f.pos] == ',' && f.msg[f.pos+1] == '"' {
			f.pos++
			continue
		}
		if end, ok := f.next('}'); !ok {
			return false
		} else if end {
			return true
		}
	}
}

// allFound reports whether every name in n's range has been found.
func (f *jsonFields) allFound(n jsonNode) bool {
	for _, g := range f.slot[n.lo:n.hi] {
		if g < 0 {
			return false
		}
	}
	return true
}

// skipRest passes over the rest of the object or array whose members f.pos is among (after a
// value), through its closing bracket, by counting brackets as skipFast does.
func (f *jsonFields) skipRest(depth int) bool {
	end := jsonCloseAt(f.msg, f.pos, 1, depth-1, len(f.msg))
	if end < 0 {
		return false
	}
	f.pos = end
	return true
}

// jsonCloseAt returns the index just past the bracket that closes the d containers open before
// b[i] (d = 0 when b[i] opens the first one), found by counting brackets and jumping over
// strings; -1 when they are not closed or nest deeper than jsonMaxDepth (base is the depth
// outside them), -2 when they are still open after b[stop].
func jsonCloseAt(b []byte, i, d, base, stop int) int {
	for {
		if i > stop {
			return -2
		}
		for i < len(b) && !jsonSkipStop[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			if i = jsonSkipString(b, i+1); i < 0 {
				return -1
			}
			continue
		case '{', '[':
			if d++; base+d > jsonMaxDepth {
				return -1
			}
		default: // '}', ']'
			if d--; d == 0 {
				return i + 1
			}
		}
		i++
	}
}

func (f *jsonFields) wantArray(n jsonNode, depth int) bool {
	if depth > jsonMaxDepth {
		return false
	}
	f.pos++ // '['
	f.skipWS()
	if f.pos < len(f.msg) && f.msg[f.pos] == ']' {
		f.pos++
		return true
	}
	for i := 0; ; i++ {
		f.skipWS()
		c := f.want.descend(n, jsonIndexString(i))
		var ok bool
		if c.lo == c.hi {
			ok = f.skipValue(depth)
		} else {
			ok = f.wantValue(c, depth)
		}
		if !ok {
			return false
		}
		if f.done {
			return true
		}
		if c.lo < c.hi && !jsonStrictValidate && f.allFound(n) {
			return f.skipRest(depth) // as in wantObject
		}
		if end, ok := f.next(']'); !ok {
			return false
		} else if end {
			return true
		}
	}
}

// skipValue passes over the value at f.pos: with a full check under jsonStrictValidate,
// otherwise quickly (see jsonStrictValidate).
func (f *jsonFields) skipValue(depth int) bool {
	if jsonStrictValidate {
		return f.validValue(depth)
	}
	return f.skipFast(depth)
}

// jsonSmallIndex holds the names of array indexes 0..255, to descend without allocating.
var jsonSmallIndex = func() (a [256]string) {
	for i := range a {
		a[i] = strconv.Itoa(i)
	}
	return
}()

func jsonIndexString(i int) string {
	if i < len(jsonSmallIndex) {
		return jsonSmallIndex[i]
	}
	return strconv.Itoa(i)
}

// jsonAlias returns b as a string without copying; b must not change while the string is used.
func jsonAlias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// jsonScan is a cursor over JSON text with the token readers shared by the flattener, the
// validator and jsonParse.
type jsonScan struct {
	msg    []byte
	pos    int
	buf    []byte // unescaped strings (values alias it)
	keyBuf []byte // unescaped key scratch
}

// jsonWS marks JSON whitespace.
var jsonWS = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func (s *jsonScan) skipWS() {
	for s.pos < len(s.msg) && jsonWS[s.msg[s.pos]] {
		s.pos++
	}
}

// next consumes the separator after a member or element: ',' (returns false, true) or the
// closing byte (returns true, true).
func (s *jsonScan) next(closing byte) (end, ok bool) {
	s.skipWS()
	if s.pos >= len(s.msg) {
		return false, false
	}
	c := s.msg[s.pos]
	s.pos++
	if c == closing {
		return true, true
	}
	if c != ',' {
		return false, false
	}
	s.skipWS()
	return false, true
}

// key reads `"key" :` (whitespace before the key has been skipped) and leaves f.pos at the
// value. The key may live in scratch space valid until the next key.
func (s *jsonScan) key() (string, bool) {
	if s.pos >= len(s.msg) || s.msg[s.pos] != '"' {
		return "", false
	}
	start := s.pos + 1
	end, esc := s.stringEnd(start)
	if end < 0 {
		return "", false
	}
	var k string
	if !esc {
		k = jsonAlias(s.msg[start:end])
	} else {
		var ok bool
		s.keyBuf, ok = jsonUnescape(s.keyBuf[:0], s.msg[start:end])
		if !ok {
			return "", false
		}
		k = jsonAlias(s.keyBuf)
	}
	s.pos = end + 1
	s.skipWS()
	if s.pos >= len(s.msg) || s.msg[s.pos] != ':' {
		return "", false
	}
	s.pos++
	s.skipWS()
	return k, true
}

// jsonStrStop marks the bytes that end the fast part of a string: '"', '\\' and controls.
var jsonStrStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return
}()

// stringEnd finds the closing quote of the string whose contents start at i, checking that
// it has no raw control characters and that escapes are well-formed. It returns the index of
// the closing quote (-1 when invalid or unterminated) and whether there were escapes.
func (s *jsonScan) stringEnd(i int) (int, bool) {
	b := s.msg
	esc := false
	for {
		for i < len(b) && !jsonStrStop[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1, esc
		}
		switch b[i] {
		case '"':
			return i, esc
		case '\\':
			esc = true
			if i+1 >= len(b) {
				return -1, esc
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || jsonHex4(b[i+2:i+6]) < 0 {
					return -1, esc
				}
				i += 6
			default:
				return -1, esc
			}
		default:
			return -1, esc // control character
		}
	}
}

// str reads the string at f.pos (at its opening quote).
func (s *jsonScan) str() (string, bool) {
	start := s.pos + 1
	end, esc := s.stringEnd(start)
	if end < 0 {
		return "", false
	}
	s.pos = end + 1
	if !esc {
		return jsonAlias(s.msg[start:end]), true
	}
	// Slow path - unescape into buf. Earlier strings alias buf's old array if it grows.
	b0 := len(s.buf)
	var ok bool
	s.buf, ok = jsonUnescape(s.buf, s.msg[start:end])
	if !ok {
		return "", false
	}
	return jsonAlias(s.buf[b0:]), true
}

// scalar reads a string, number or literal; null is (Absent, true).
func (s *jsonScan) scalar() (Value, bool) {
	b := s.msg
	i := s.pos
	if i >= len(b) {
		return absentValue, false
	}
	switch b[i] {
	case '"':
		str, ok := s.str()
		return Value{Kind: String, Str: str}, ok
	case 't':
		if i+4 <= len(b) && string(b[i:i+4]) == "true" {
			s.pos += 4
			return Value{Kind: Bool, Num: 1, Str: "true"}, true
		}
	case 'f':
		if i+5 <= len(b) && string(b[i:i+5]) == "false" {
			s.pos += 5
			return Value{Kind: Bool, Num: 0, Str: "false"}, true
		}
	case 'n':
		if i+4 <= len(b) && string(b[i:i+4]) == "null" {
			s.pos += 4
			return absentValue, true
		}
	default:
		end := jsonNumberEnd(b, i)
		if end < 0 {
			return absentValue, false
		}
		s.pos = end
		lex := jsonAlias(b[i:end])
		return NumLexeme(jsonNumberValue(lex), lex), true
	}
	return absentValue, false
}

// jsonNumberEnd checks the JSON number starting at b[i]
// (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) and returns its end, or -1.
func jsonNumberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return -1
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return -1
		}
	}
	return i
}

// jsonNumberValue converts a valid JSON number lexeme. Out-of-range magnitudes become ±Inf.
func jsonNumberValue(lex string) float64 {
	// Fast path - short integers (status codes, counts, sizes) are exact in a float64.
	if len(lex) <= 15 {
		neg := lex[0] == '-'
		d := lex
		if neg {
			d = lex[1:]
		}
		var n int64
		for i := 0; i < len(d); i++ {
			c := d[i]
			if c < '0' || c > '9' {
				goto slow
			}
			n = n*10 + int64(c-'0')
		}
		if neg {
			return -float64(n)
		}
		return float64(n)
	}
slow:
	v, _ := strconv.ParseFloat(lex, 64) // ErrRange still gives ±Inf or 0
	return v
}

// jsonHex4 decodes four hex digits, or returns -1.
func jsonHex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// jsonUnescape appends the unescaped contents of a JSON string (without quotes) to dst.
// A lone or mismatched surrogate becomes U+FFFD, like encoding/json.
func jsonUnescape(dst, src []byte) ([]byte, bool) {
	for len(src) > 0 {
		k := bytes.IndexByte(src, '\\')
		if k < 0 {
			return append(dst, src...), true
		}
		dst = append(dst, src[:k]...)
		src = src[k:]
		if len(src) < 2 {
			return dst, false
		}
		switch src[1] {
		case '"', '\\', '/':
			dst = append(dst, src[1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if len(src) < 6 {
				return dst, false
			}
			r := jsonHex4(src[2:6])
			if r < 0 {
				return dst, false
			}
			src = src[6:]
			if utf16.IsSurrogate(r) {
				if len(src) >= 6 && src[0] == '\\' && src[1] == 'u' {
					if r2 := jsonHex4(src[2:6]); r2 >= 0 {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							dst = utf8.AppendRune(dst, d)
							src = src[6:]
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, false
		}
		src = src[2:]
	}
	return dst, true
}

// validValue checks the value at s.pos fully and passes over it.
func (s *jsonScan) validValue(depth int) bool {
	if s.pos >= len(s.msg) {
		return false
	}
	switch s.msg[s.pos] {
	case '{':
		if depth+1 > jsonMaxDepth {
			return false
		}
		s.pos++
		s.skipWS()
		if s.pos < len(s.msg) && s.msg[s.pos] == '}' {
			s.pos++
			return true
		}
		for {
			if s.pos >= len(s.msg) || s.msg[s.pos] != '"' {
				return false
			}
			end, _ := s.stringEnd(s.pos + 1)
			if end < 0 {
				return false
			}
			s.pos = end + 1
			s.skipWS()
			if s.pos >= len(s.msg) || s.msg[s.pos] != ':' {
				return false
			}
			s.pos++
			s.skipWS()
			if !s.validValue(depth + 1) {
				return false
			}
			if end, ok := s.next('}'); !ok {
				return false
			} else if end {
				return true
			}
		}
	case '[':
		if depth+1 > jsonMaxDepth {
			return false
		}
		s.pos++
		s.skipWS()
		if s.pos < len(s.msg) && s.msg[s.pos] == ']' {
			s.pos++
			return true
		}
		for {
			if !s.validValue(depth + 1) {
				return false
			}
			if end, ok := s.next(']'); !ok {
				return false
			} else if end {
				return true
			}
		}
	case '"':
		end, _ := s.stringEnd(s.pos + 1)
		if end < 0 {
			return false
		}
		s.pos = end + 1
		return true
	}
	_, ok := s.scalar()
	return ok
}

// jsonSkipStop marks the bytes skipFast must look at outside strings.
var jsonSkipStop = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipFast passes over the value at s.pos by counting brackets and jumping over strings
// (bytes.IndexByte for the quote, then counting the backslashes before it). Scalars are
// checked; the structure inside containers is not (see jsonStrictValidate).
func (s *jsonScan) skipFast(depth int) bool {
	b := s.msg
	i := s.pos
	if i >= len(b) {
		return false
	}
	switch b[i] {
	case '"':
		end := jsonSkipString(b, i+1)
		if end < 0 {
			return false
		}
		s.pos = end
		return true
	case '{', '[':
	default:
		_, ok := s.scalar()
		return ok
	}
	// Small containers are skipped here; one still open after jsonSonicSkipMin bytes is
	// handed to sonic from its start (see jsonSonicSkip).
	stop := i + jsonSonicSkipMin
	if !jsonUseSonic {
		stop = len(b)
	}
	end := jsonCloseAt(b, i, 0, depth, stop)
	if end == -2 {
		if end = jsonSonicSkip(b, i); end <= 0 {
			end = jsonCloseAt(b, i, 0, depth, len(b)) // sonic refused: by hand
		}
	}
	if end < 0 {
		return false
	}
	s.pos = end
	return true
}

// jsonSkipString returns the index after the closing quote of the string whose contents start
// at b[start], or -1 if it is unterminated.
func jsonSkipString(b []byte, start int) int {
	i := start
	for {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return -1
		}
		j := i + k
		n := 0
		for j-1-n >= start && b[j-1-n] == '\\' {
			n++
		}
		if n&1 == 0 {
			return j + 1
		}
		i = j + 1
	}
}

// jsonValidObjectHand is jsonValidObject (json_sonic.go) by hand: the full grammar, as
// encoding/json.Valid, at ~1.1-1.5 GB/s. It decides the messages sonic must not.
func jsonValidObjectHand(b []byte) bool {
	s := jsonScan{msg: b}
	s.skipWS()
	if s.pos >= len(b) || b[s.pos] != '{' {
		return false
	}
	if !s.validValue(0) {
		return false
	}
	s.skipWS()
	return s.pos == len(b)
}
