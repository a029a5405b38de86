package match

import (
	"encoding/binary"
	"unsafe"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"
)

// github.com/bytedance/sonic (v1.15.5) does the JSON work that is measured faster with it
// (BenchmarkJSONLookup, BenchmarkJSONEmbed; table in bench/README.md): validating an @message
// before it is embedded, and skipping the objects and arrays a lookup passes over. On amd64 and
// arm64 with Go >= 1.17 and < 1.28 its build constraints select the native (SIMD assembly, no
// cgo) code; elsewhere its compat files fall back to encoding/json, still correct, only slower.
//
// sonic is more lenient than JSON in places (measured, and guarded below): its validator
// accepts raw control characters in strings ("\x01") and invalid escapes (\x, \u00g0), and it
// refuses valid JSON nested deeper than 4096. The walk of the keys a lookup reads, the values it
// returns and their unescaping stay hand-written (json_flatten.go): they decide which
// occurrence of a name wins and what a value is, and sonic's path search cannot follow the
// flattening rules (a key "a.b" and a path a → b are the same field; the first one wins).
// Its path search alone is ~4x faster for one field of a 2 KB event (the unguarded bound in
// BenchmarkJSONLookup), but the guards that would make it answer as the flattener does
// (scanning the text before the value for dotted-key spellings of the name, \u00XX escapes of
// its characters, raw controls and bad escapes in keys) were tried and measured ~1.7 µs on
// that event, more than the whole hand-written lookup: removed.

// jsonSonicSkip returns the index just past the object or array starting at b[i], found by
// sonic's skip, or -1 when sonic reports an error (the caller then skips by hand, so a message
// sonic refuses is handled exactly as before). Like skipFast, it does not validate what it
// skips: sonic's non-validating search (ValidateJSON false) only matches brackets and strings.
func jsonSonicSkip(b []byte, i int) int {
	s := ast.NewSearcher(jsonAlias(b[i:]))
	s.ValidateJSON = false
	n, err := s.GetByPath()
	if err != nil {
		return -1
	}
	raw, err := n.Raw()
	if err != nil || len(raw) == 0 || unsafe.StringData(raw) != &b[i] {
		return -1
	}
	// The node starts at b[i] ('{' or '['), so its text ends len(raw) bytes later; a closing
	// byte that is not there means sonic read something else, and the hand skip decides.
	end := i + len(raw)
	if c := b[end-1]; c != '}' && c != ']' {
		return -1
	}
	return end
}

// jsonSonicSkipMin is how far skipFast reads a container by hand before handing it to sonic:
// a sonic search costs a setup and an allocation, more than the hand loop spends on the small
// objects of an audit event (measured with BenchmarkJSONLookup).
var jsonSonicSkipMin = 1024 // a variable so that the fuzz test can send every container to sonic

// jsonUseSonic turns sonic off, for the benchmarks that compare with the hand-written code.
var jsonUseSonic = true

// jsonValidObject reports whether b is exactly one JSON object, optionally surrounded by
// whitespace (encoding/json.Valid plus the object check). The JSON writers use it to embed an
// @message as an object. It checks the full grammar like encoding/json.Valid (including raw
// control characters in strings, escapes, nesting depth) but, like it, not UTF-8 validity.
//
// sonic validates; what it wrongly accepts is ruled out first: a message with any byte below
// 0x20 (raw controls, and the whitespace that JSON allows outside strings only) or an escape
// that is not one of JSON's goes to the hand-written validator, which also decides every
// message sonic refuses (so nesting deeper than sonic's 4096 is still accepted).
func jsonValidObject(b []byte) bool {
	i := 0
	for i < len(b) && jsonWS[b[i]] {
		i++
	}
	if i >= len(b) || b[i] != '{' {
		return false
	}
	if !jsonUseSonic || !jsonSonicSafe(b) || !sonic.Valid(b) {
		return jsonValidObjectHand(b)
	}
	return true
}

// jsonSonicSafe reports whether b has no byte below 0x20 and every backslash in b starts a
// JSON escape (\" \\ \/ \b \f \n \r \t, or \u and four hex digits): then sonic's leniency
// cannot matter. Eight bytes are checked at a time for either. Backslashes are only valid
// inside strings and an escape never holds a lone backslash, so reading them in order from
// the start pairs each one with its escape.
func jsonSonicSafe(b []byte) bool {
	const ones, lo, hi, bs = 0x0101010101010101, 0x2020202020202020, 0x8080808080808080, 0x5c5c5c5c5c5c5c5c
	i := 0
	for {
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			y := x ^ bs
			// A byte below 0x20 (or a zero byte of y, a backslash) borrows into its high bit;
			// bytes >= 0x80 are masked by ^x (^y).
			if ((x-lo)&^x|(y-ones)&^y)&hi != 0 {
				break
			}
			i += 8
		}
		if i >= len(b) {
			return true
		}
		// A word with a control or a backslash, or the tail: byte by byte up to the word's end.
		for end := min(i+8, len(b)); i < end; {
			switch c := b[i]; {
			case c < 0x20:
				return false
			case c == '\\':
				if i+1 >= len(b) {
					return false
				}
				switch b[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
				case 'u':
					if i+6 > len(b) || jsonHex4(b[i+2:i+6]) < 0 {
						return false
					}
					i += 6
				default:
					return false
				}
			default:
				i++
			}
		}
	}
}
