package match

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// str1 is a string function whose arguments must all have text (toText): an Absent, List or Map
// argument makes the result Absent.
func str1(name string, minArgs, maxArgs int, f func(s []string) Value) *funcDef {
	return &funcDef{name: name, minArgs: minArgs, maxArgs: maxArgs, fn: func(_ *evalEnv, args []Value) Value {
		var buf [4]string
		ss := buf[:0]
		for _, a := range args {
			s, ok := toText(a)
			if !ok {
				return absentValue
			}
			ss = append(ss, s)
		}
		return f(ss)
	}}
}

// boolNum is 1 or 0 as a Number: isempty, isblank, strcontains, startsWith and endsWith are
// documented to return 1/0 numbers (spec §8.3).
func boolNum(b bool) Value {
	if b {
		return Num(1)
	}
	return Num(0)
}

var stringFuncs = []*funcDef{
	// isempty: 1 when the field is missing or an empty string (lists and maps are not empty).
	{name: "isempty", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		a := args[0]
		return boolNum(a.Kind == Absent || (a.Kind == String && a.Str == ""))
	}},
	// isblank: 1 when missing, empty, or only Unicode white space (A35).
	{name: "isblank", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		a := args[0]
		return boolNum(a.Kind == Absent || (a.Kind == String && strings.TrimFunc(a.Str, unicode.IsSpace) == ""))
	}},
	// concat: the texts of the arguments; absent arguments (and lists/maps, "treated as null")
	// are skipped, like empty strings; Absent only when every argument is.
	{name: "concat", minArgs: 1, maxArgs: -1, fn: func(_ *evalEnv, args []Value) Value {
		var b strings.Builder
		found := false
		for _, a := range args {
			if s, ok := toText(a); ok {
				b.WriteString(s)
				found = true
			}
		}
		if !found {
			return absentValue
		}
		return Str(b.String())
	}},
	str1("ltrim", 1, 2, func(s []string) Value { return Str(strings.TrimLeftFunc(s[0], trimSet(s))) }),
	str1("rtrim", 1, 2, func(s []string) Value { return Str(strings.TrimRightFunc(s[0], trimSet(s))) }),
	str1("trim", 1, 2, func(s []string) Value { return Str(strings.TrimFunc(s[0], trimSet(s))) }),
	str1("strlen", 1, 1, func(s []string) Value { return Num(float64(utf8.RuneCountInString(s[0]))) }),
	str1("toupper", 1, 1, func(s []string) Value { return Str(strings.ToUpper(s[0])) }),
	str1("tolower", 1, 1, func(s []string) Value { return Str(strings.ToLower(s[0])) }),
	{name: "substr", minArgs: 2, maxArgs: 3, fn: strict(fnSubstr)},
	// replace: every literal occurrence; an empty search string leaves the text unchanged.
	str1("replace", 3, 3, func(s []string) Value {
		if s[1] == "" {
			return Str(s[0])
		}
		return Str(strings.ReplaceAll(s[0], s[1], s[2]))
	}),
	// strcontains(str, search[, caseInsensitive]): 1/0; case-sensitive unless the third argument
	// is true (a truthy value).
	{name: "strcontains", minArgs: 2, maxArgs: 3, fn: strict(func(_ *evalEnv, args []Value) Value {
		s, ok1 := toText(args[0])
		sub, ok2 := toText(args[1])
		if !ok1 || !ok2 {
			return absentValue
		}
		if len(args) > 2 && truthyArg(args[2]) {
			return boolNum(strings.Contains(foldCase(s), foldCase(sub)))
		}
		return boolNum(strings.Contains(s, sub))
	})},
	str1("startsWith", 2, 2, func(s []string) Value { return boolNum(strings.HasPrefix(s[0], s[1])) }),
	str1("endsWith", 2, 2, func(s []string) Value { return boolNum(strings.HasSuffix(s[0], s[1])) }),
	// regexReplace(str, pattern, replacement): RE2 (Go regexp); the pattern is a string
	// argument, not a /regex/ literal (A29); $1 / ${name} in the replacement expand groups.
	// An invalid pattern gives Absent (the engine may reject a constant one at plan time with
	// cachedRegexp).
	str1("regexReplace", 3, 3, func(s []string) Value {
		re, err := cachedRegexp(s[1])
		if err != nil {
			return absentValue
		}
		return Str(re.ReplaceAllString(s[0], s[2]))
	}),
	// split(str, delimiter): a List of Strings; an empty delimiter splits into characters.
	str1("split", 2, 2, func(s []string) Value {
		parts := strings.Split(s[0], s[1])
		el := make([]Value, len(parts))
		for i, p := range parts {
			el[i] = Str(p)
		}
		return Value{Kind: List, Elems: el}
	}),
	// urlencode: form encoding (space as +, like Java's URLEncoder); urldecode its inverse
	// (Absent on a malformed escape).
	str1("urlencode", 1, 1, func(s []string) Value { return Str(url.QueryEscape(s[0])) }),
	str1("urldecode", 1, 1, func(s []string) Value {
		d, err := url.QueryUnescape(s[0])
		if err != nil {
			return absentValue
		}
		return Str(d)
	}),
	str1("base64encode", 1, 1, func(s []string) Value {
		return Str(base64.StdEncoding.EncodeToString([]byte(s[0])))
	}),
	// base64decode accepts padded or unpadded standard or URL-safe base64; Absent if invalid.
	str1("base64decode", 1, 1, func(s []string) Value {
		in := strings.TrimRight(strings.TrimSpace(s[0]), "=")
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(in); err == nil {
				return Str(string(d))
			}
		}
		return absentValue
	}),
	// hexToAscii("48656c6c6f") = "Hello" (an optional 0x prefix is allowed); Absent if invalid.
	str1("hexToAscii", 1, 1, func(s []string) Value {
		d, err := hex.DecodeString(trimHexPrefix(strings.TrimSpace(s[0])))
		if err != nil {
			return absentValue
		}
		return Str(string(d))
	}),
	// hexToDec("0xff") = 255 (the prefix is optional); Absent if invalid.
	str1("hexToDec", 1, 1, func(s []string) Value {
		h := strings.TrimSpace(s[0])
		neg := strings.HasPrefix(h, "-")
		if neg {
			h = h[1:]
		}
		n, err := strconv.ParseUint(trimHexPrefix(h), 16, 64)
		if err != nil {
			return absentValue
		}
		f := float64(n)
		if neg {
			f = -f
		}
		return Num(f + 0)
	}),
	// decToHex(255) = "0xff", decToHex(-255) = "-0xff"; fractions are truncated.
	{name: "decToHex", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		f, ok := convNumber(args[0])
		if !ok || math.IsNaN(f) || math.Abs(f) >= 1<<64 {
			return absentValue
		}
		f = math.Trunc(f)
		if f < 0 {
			return Str("-0x" + strconv.FormatUint(uint64(-f), 16))
		}
		return Str("0x" + strconv.FormatUint(uint64(f), 16))
	}},
}

func trimHexPrefix(s string) string {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:]
	}
	return s
}

// trimSet is the predicate of ltrim/rtrim/trim: the characters of the optional second argument
// (a set, not a sequence), or Unicode white space by default (A35).
func trimSet(s []string) func(rune) bool {
	if len(s) < 2 {
		return unicode.IsSpace
	}
	set := s[1]
	return func(r rune) bool { return strings.ContainsRune(set, r) }
}

// fnSubstr is substr(str, start[, len]): code points, 0-based. A negative start counts as 0,
// a start past the end gives "", a negative len gives "", a len past the end stops at the
// end; fractional arguments are truncated.
func fnSubstr(_ *evalEnv, args []Value) Value {
	s, ok := toText(args[0])
	if !ok {
		return absentValue
	}
	start, ok := intArg(args[1])
	if !ok {
		return absentValue
	}
	n := utf8.RuneCountInString(s)
	start = max(start, 0)
	if start >= n {
		return Str("")
	}
	length := n - start
	if len(args) > 2 {
		l, ok := intArg(args[2])
		if !ok {
			return absentValue
		}
		length = min(max(l, 0), length)
	}
	// Byte offsets of the code point range.
	i, b0, b1 := 0, len(s), len(s)
	for off := range s {
		if i == start {
			b0 = off
		}
		if i == start+length {
			b1 = off
			break
		}
		i++
	}
	return Str(s[b0:b1])
}

// intArg reads a numeric argument as an int, truncated toward zero and clamped to ±2^31.
func intArg(v Value) (int, bool) {
	f, ok := toNumber(v)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	f = math.Trunc(math.Max(-(1 << 31), math.Min(1<<31, f)))
	return int(f), true
}

// truthyArg is a boolean flag argument: true, a non-zero number, or the string "true".
func truthyArg(v Value) bool {
	if v.Kind == String && strings.EqualFold(strings.TrimSpace(v.Str), "true") {
		return true
	}
	return v.Truthy()
}

func foldCase(s string) string { return strings.ToLower(strings.ToUpper(s)) }

var (
	regexpCache     sync.Map // pattern string → regexpCacheEntry
	regexpCacheSize atomic.Int64
)

// regexpCacheMax bounds the cache: patterns taken from event fields could be unbounded.
const regexpCacheMax = 4096

type regexpCacheEntry struct {
	re  *regexp.Regexp
	err error
}

// cachedRegexp compiles pattern (Go RE2 syntax) once per process.
func cachedRegexp(pattern string) (*regexp.Regexp, error) {
	if e, ok := regexpCache.Load(pattern); ok {
		e := e.(regexpCacheEntry)
		return e.re, e.err
	}
	re, err := regexp.Compile(pattern)
	if regexpCacheSize.Add(1) <= regexpCacheMax {
		// The key may alias an input buffer: store a copy.
		regexpCache.Store(strings.Clone(pattern), regexpCacheEntry{re, err})
	}
	return re, err
}
