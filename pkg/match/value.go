package match

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"math"
	"strconv"
	"time"
)

// Kind is the type of a Value.
type Kind uint8

const (
	// Absent is a field that is not present: distinct from the empty string (spec §7.6).
	Absent Kind = iota
	String
	Number
	Bool
	// Time is a timestamp; Num holds epoch milliseconds.
	Time
	List
	Map
	// Period is a time period argument (bin(5m)); Num holds the count and Str the canonical unit.
	Period
)

// String is the kind's name as discovery reports it (string, number, boolean, timestamp, ...).
func (k Kind) String() string {
	switch k {
	case Absent:
		return "absent"
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	case Time:
		return "timestamp"
	case List:
		return "list"
	case Map:
		return "map"
	case Period:
		return "period"
	}
	return "unknown"
}

// Value is a query-time value. Values are small and passed by value; Str of a value taken from
// an input record may alias the record's buffer only inside the row stage, and is copied
// (Value.Clone) before anything keeps it.
type Value struct {
	Kind Kind
	// Str is the text of a String; the original lexeme of a Number or Bool read from JSON (so
	// output keeps the input's digits), or "" when the value was computed; the unit of a Period.
	Str string
	// Num is the value of a Number, 1/0 for a Bool, epoch ms for a Time, the count of a Period.
	Num float64
	// JSON marks a String that holds a whole JSON object (an audit event's @message): JSON
	// writers embed it as an object rather than a string.
	JSON bool
	// Elems are a List's elements or a Map's values; Keys are a Map's keys, in document order.
	Elems []Value
	Keys  []string
}

// absentValue is the value of a missing field.
var absentValue = Value{}

// Str returns a String value.
func Str(s string) Value { return Value{Kind: String, Str: s} }

// Num returns a computed Number value.
func Num(f float64) Value { return Value{Kind: Number, Num: f} }

// NumLexeme returns a Number value that renders as lex (its original digits).
func NumLexeme(f float64, lex string) Value { return Value{Kind: Number, Num: f, Str: lex} }

// BoolV returns a computed Bool value; it renders as 1 or 0 like CloudWatch (spec §1.2).
func BoolV(b bool) Value {
	if b {
		return Value{Kind: Bool, Num: 1}
	}
	return Value{Kind: Bool, Num: 0}
}

// TimeMs returns a Time value for epoch milliseconds.
func TimeMs(ms int64) Value { return Value{Kind: Time, Num: float64(ms)} }

// IsAbsent reports whether v is a missing value.
func (v Value) IsAbsent() bool { return v.Kind == Absent }

// Ms returns a Time value's epoch milliseconds.
func (v Value) Ms() int64 { return int64(v.Num) }

// Truthy is the filter's notion of truth (spec §7.5): boolean true or a non-zero number.
// A string is truthy when it is a non-zero number ("1"), so that a parsed flag works as a filter.
func (v Value) Truthy() bool {
	switch v.Kind {
	case Bool, Number:
		return v.Num != 0 && !math.IsNaN(v.Num)
	case String:
		f, ok := num.Parse(v.Str)
		return ok && f != 0
	}
	return false
}

// TimeLayout is how timestamps render, like the CloudWatch console (UTC, milliseconds).
const timeLayout = "2006-01-02 15:04:05.000"

// Render is the value as CloudWatch displays it: strings verbatim, numbers with their original
// digits or in shortest form, booleans 1/0 (true/false when read from JSON), timestamps in
// TimeLayout. Absent renders as "".
func (v Value) Render() string {
	switch v.Kind {
	case String:
		return v.Str
	case Number:
		if v.Str != "" {
			return v.Str
		}
		return num.Format(v.Num)
	case Bool:
		if v.Str != "" {
			return v.Str
		}
		if v.Num != 0 {
			return "1"
		}
		return "0"
	case Time:
		return time.UnixMilli(int64(v.Num)).UTC().Format(timeLayout)
	case Period:
		return strconv.FormatInt(int64(v.Num), 10) + v.Str
	case List, Map:
		return jsonStringify(v)
	}
	return ""
}

// Clone returns a copy of v that shares no memory with an input buffer.
func (v Value) Clone() Value {
	if v.Str != "" {
		v.Str = string(append([]byte(nil), v.Str...))
	}
	if v.Elems != nil {
		el := make([]Value, len(v.Elems))
		for i, e := range v.Elems {
			el[i] = e.Clone()
		}
		v.Elems = el
		if v.Keys != nil {
			v.Keys = append([]string(nil), v.Keys...)
		}
	}
	return v
}
