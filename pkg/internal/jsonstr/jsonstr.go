// Package jsonstr quotes strings as JSON, the one way pkg/match (the engine's row encoding) and
// pkg/export (the writers) both do it, so that a value prints the same whichever encodes it.
package jsonstr

import (
	"encoding/binary"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Append appends s as a JSON string literal: like encoding/json without HTML escaping
// (quote, backslash and control characters escaped, \b \f \n \r \t by name, U+2028/U+2029 as
// \u escapes), keeping valid UTF-8 and replacing each invalid byte with \ufffd.
func Append(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight plain ASCII bytes at a time (no control, quote, backslash or non-ASCII byte):
		// most values written are names, paths and codes that need no escaping at all.
		for i+8 <= len(s) && plain8(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plain8 reports whether the eight bytes of x are all ASCII, not controls, and neither '"' nor
// '\\'. A byte's high bit in each mask marks a match; bytes >= 0x80 are kept out of the
// subtractions by ^x, so no borrow crosses into a byte that does not match (none can: the
// answer only asks whether any bit is set).
func plain8(x uint64) bool {
	const ones, hi = 0x0101010101010101, 0x8080808080808080
	q, b := x^0x2222222222222222, x^0x5c5c5c5c5c5c5c5c
	return (x|(x-0x2020202020202020)|(q-ones)&^q|(b-ones)&^b)&hi == 0
}
