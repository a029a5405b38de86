package match

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"math"
	"strings"
	"unsafe"

	"github.com/auditgrep/auditgrep/pkg/internal/jsonstr"
)

// JSON structure values (spec §8.6): jsonParse builds Map and List values from JSON text,
// jsonStringify renders them back, and the helpers below implement postfix access,
// jsonArraySize and jsonArrayContains.
//
// Decisions:
//   - jsonParse of anything but a JSON object or array (a scalar, invalid or truncated text) is
//     Absent ("an empty value").
//   - Inside a Map or List, JSON null is an Absent element; jsonStringify renders it as null, so
//     parse and stringify round-trip. Numbers keep their lexeme, booleans are Bool with Str
//     "true"/"false" (as in field discovery).
//   - Duplicate keys are all kept in Keys (stringify round-trips them); jsonIndex returns the
//     first, matching the flattener's "first occurrence wins" (A7).

// jsonParse parses s as a JSON object or array into a Map or List; Absent if s is not one valid
// JSON object or array (surrounding whitespace is allowed). The result's strings may alias s.
func jsonParse(s string) Value {
	sc := jsonScan{msg: unsafe.Slice(unsafe.StringData(s), len(s))}
	sc.skipWS()
	if sc.pos >= len(sc.msg) || (sc.msg[sc.pos] != '{' && sc.msg[sc.pos] != '[') {
		return absentValue
	}
	v, ok := sc.tree(0)
	if !ok {
		return absentValue
	}
	sc.skipWS()
	if sc.pos != len(sc.msg) {
		return absentValue
	}
	return v
}

// tree builds the value at s.pos. Unescaped strings go to s.buf, which is never reset here, so
// the strings that alias it stay valid.
func (s *jsonScan) tree(depth int) (Value, bool) {
	if s.pos >= len(s.msg) {
		return absentValue, false
	}
	switch s.msg[s.pos] {
	case '{':
		if depth+1 > jsonMaxDepth {
			return absentValue, false
		}
		s.pos++
		s.skipWS()
		m := Value{Kind: Map, Keys: []string{}, Elems: []Value{}}
		if s.pos < len(s.msg) && s.msg[s.pos] == '}' {
			s.pos++
			return m, true
		}
		for {
			if s.pos >= len(s.msg) || s.msg[s.pos] != '"' {
				return absentValue, false
			}
			k, ok := s.str()
			if !ok {
				return absentValue, false
			}
			s.skipWS()
			if s.pos >= len(s.msg) || s.msg[s.pos] != ':' {
				return absentValue, false
			}
			s.pos++
			s.skipWS()
			e, ok := s.tree(depth + 1)
			if !ok {
				return absentValue, false
			}
			m.Keys = append(m.Keys, k)
			m.Elems = append(m.Elems, e)
			if end, ok := s.next('}'); !ok {
				return absentValue, false
			} else if end {
				return m, true
			}
		}
	case '[':
		if depth+1 > jsonMaxDepth {
			return absentValue, false
		}
		s.pos++
		s.skipWS()
		l := Value{Kind: List, Elems: []Value{}}
		if s.pos < len(s.msg) && s.msg[s.pos] == ']' {
			s.pos++
			return l, true
		}
		for {
			e, ok := s.tree(depth + 1)
			if !ok {
				return absentValue, false
			}
			l.Elems = append(l.Elems, e)
			if end, ok := s.next(']'); !ok {
				return absentValue, false
			} else if end {
				return l, true
			}
		}
	}
	return s.scalar()
}

// jsonStringify renders v as compact JSON: a Map as an object (keys in order), a List as an
// array, a String quoted (or embedded as is when it is a JSON-marked valid object), a Number by
// its lexeme or FormatNumber (null when not finite), a Bool as true/false, Absent as null, and
// a Time or Period as its quoted rendering.
func jsonStringify(v Value) string {
	return string(jsonAppendValue(nil, v))
}

func jsonAppendValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case Map:
		dst = append(dst, '{')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			k := ""
			if i < len(v.Keys) {
				k = v.Keys[i]
			}
			dst = jsonstr.Append(dst, k)
			dst = append(dst, ':')
			dst = jsonAppendValue(dst, e)
		}
		return append(dst, '}')
	case List:
		dst = append(dst, '[')
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonAppendValue(dst, e)
		}
		return append(dst, ']')
	case String:
		if v.JSON && jsonValidObject([]byte(v.Str)) {
			return append(dst, strings.TrimSpace(v.Str)...)
		}
		return jsonstr.Append(dst, v.Str)
	case Number:
		if v.Str != "" && jsonNumberEnd([]byte(v.Str), 0) == len(v.Str) {
			return append(dst, v.Str...)
		}
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
			return append(dst, "null"...)
		}
		return append(dst, num.Format(v.Num)...)
	case Bool:
		if v.Num != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Absent:
		return append(dst, "null"...)
	}
	return jsonstr.Append(dst, v.Render())
}

// jsonIndex is postfix access by key (json.status_code, json.`user.id`): the first value of key
// in a Map, Absent otherwise.
func jsonIndex(v Value, key string) Value {
	if v.Kind != Map {
		return absentValue
	}
	for i, k := range v.Keys {
		if k == key && i < len(v.Elems) {
			return v.Elems[i]
		}
	}
	return absentValue
}

// jsonIndexN is postfix access by position (json.users[1]): element i of a List, Absent
// otherwise (also for a negative or out-of-range i).
func jsonIndexN(v Value, i int) Value {
	if v.Kind != List || i < 0 || i >= len(v.Elems) {
		return absentValue
	}
	return v.Elems[i]
}

// jsonAsList returns v as a List: v itself, or a String holding a JSON array parsed.
func jsonAsList(v Value) (Value, bool) {
	switch v.Kind {
	case List:
		return v, true
	case String:
		p := jsonParse(v.Str)
		return p, p.Kind == List
	}
	return absentValue, false
}

// jsonArraySize is the number of elements of a List (or of a String holding a JSON array);
// Absent for anything else.
func jsonArraySize(v Value) Value {
	l, ok := jsonAsList(v)
	if !ok {
		return absentValue
	}
	return Num(float64(len(l.Elems)))
}

// jsonArrayContains reports whether the List (or String holding a JSON array) v has an element
// equal to x: strings case-sensitively, numbers and booleans by value, maps and lists by their
// JSON text. Elements only equal values of their own kind ("401" does not match 401). False for
// an invalid or non-array v and for an absent x.
func jsonArrayContains(v Value, x Value) Value {
	l, ok := jsonAsList(v)
	if !ok || x.Kind == Absent {
		return BoolV(false)
	}
	for _, e := range l.Elems {
		if e.Kind != x.Kind {
			continue
		}
		switch e.Kind {
		case String:
			if e.Str == x.Str {
				return BoolV(true)
			}
		case Number, Bool, Time:
			if e.Num == x.Num {
				return BoolV(true)
			}
		case Map, List:
			if jsonStringify(e) == jsonStringify(x) {
				return BoolV(true)
			}
		}
	}
	return BoolV(false)
}
