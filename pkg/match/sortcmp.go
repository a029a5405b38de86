package match

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sortNumber reports whether v is a "number value" of the sort order (spec §5.5, A23) and its
// numeric value: a Number, a Time (epoch ms), or a String (or a Bool's rendered text) that
// consists of an optional minus sign, digits and an optional fraction: -?\d+(\.\d+)?.
func sortNumber(v Value) (float64, bool) {
	switch v.Kind {
	case Number, Time:
		return v.Num, true
	case String:
		return sortNumberText(v.Str)
	case Bool:
		return sortNumberText(v.Render())
	}
	return 0, false
}

func sortNumberText(s string) (float64, bool) {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	d := i
	for i < n && isASCIIDigit(s[i]) {
		i++
	}
	if i == d {
		return 0, false
	}
	if i < n && s[i] == '.' {
		i++
		f := i
		for i < n && isASCIIDigit(s[i]) {
			i++
		}
		if i == f {
			return 0, false
		}
	}
	if i != n {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

// naturalCompare is the sort order of spec §5.5 ("an updated version of natural sorting"),
// ascending; it returns -1, 0 or +1.
//
//   - All non-number values come before all number values. Number values (A23) are Numbers,
//     Times and strings matching -?\d+(\.\d+)?; they compare numerically, and numerically equal
//     values by their rendered text in code point order ("0" before "01"), so the order is total
//     and deterministic.
//   - Other values compare by their rendered text split into chunks: a maximal run of ASCII
//     digits, a maximal run of letters (unicode.IsLetter), or any other single character. Two
//     digit runs compare by length, then by value; any other pair of chunks by Unicode code
//     points (case-sensitive, 'A' < 'a'). When all chunks of the shorter are equal, it sorts
//     first ("@" < "@_").
//   - Absent sorts after everything (callers normally place absent keys themselves; see
//     sortKeyCompare). Lists and maps are not sortable (§8.6); they compare as their JSON text.
func naturalCompare(a, b Value) int {
	if a.Kind == Absent || b.Kind == Absent {
		switch {
		case a.Kind == b.Kind:
			return 0
		case a.Kind == Absent:
			return 1
		}
		return -1
	}
	x, xn := sortNumber(a)
	y, yn := sortNumber(b)
	if xn != yn {
		if xn {
			return 1
		}
		return -1
	}
	if xn {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		case math.IsNaN(x) != math.IsNaN(y):
			if math.IsNaN(x) {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Render(), b.Render())
	}
	return chunkCompare(a.Render(), b.Render())
}

// chunkCompare compares two texts chunk by chunk (see naturalCompare).
func chunkCompare(a, b string) int {
	for a != "" && b != "" {
		ca, ka := nextChunk(a)
		cb, kb := nextChunk(b)
		var c int
		if ka == chunkDigits && kb == chunkDigits {
			c = cmpInt(len(ca), len(cb))
			if c == 0 {
				c = strings.Compare(ca, cb)
			}
		} else {
			c = strings.Compare(ca, cb)
		}
		if c != 0 {
			return c
		}
		a, b = a[len(ca):], b[len(cb):]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

const (
	chunkDigits = iota
	chunkLetters
	chunkOther
)

// nextChunk returns the first chunk of s (non-empty) and its class.
func nextChunk(s string) (string, int) {
	if isASCIIDigit(s[0]) {
		i := 1
		for i < len(s) && isASCIIDigit(s[i]) {
			i++
		}
		return s[:i], chunkDigits
	}
	r, size := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		return s[:size], chunkOther
	}
	i := size
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) {
			break
		}
		i += size
	}
	return s[:i], chunkLetters
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortKeyCompare compares two sort keys for the sort command: absent keys sort last in both
// directions (A24b); otherwise naturalCompare, reversed when desc.
func sortKeyCompare(a, b Value, desc bool) int {
	aa, ba := a.Kind == Absent, b.Kind == Absent
	switch {
	case aa && ba:
		return 0
	case aa:
		return 1
	case ba:
		return -1
	}
	c := naturalCompare(a, b)
	if desc {
		return -c
	}
	return c
}
