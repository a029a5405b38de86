package match

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"math"
	"strings"
)

// numericOf reports the numeric reading of v for comparison and arithmetic (spec §7.2):
// Numbers and Bools by value, Times as epoch ms, Strings when the whole string is a decimal
// number (ParseNumber). Absent, List, Map and Period values are not numeric.
func numericOf(v Value) (float64, bool) {
	switch v.Kind {
	case Number, Bool, Time:
		return v.Num, true
	case String:
		return num.Parse(v.Str)
	}
	return 0, false
}

// compareValues compares a and b for = != < <= > >= (spec §7.2): numerically when both are
// numeric (Number, Bool, a String that parses completely as a decimal number, a Time as epoch
// ms), otherwise by the Unicode code points of their rendered text, case-sensitive (A2). A JSON
// boolean renders "true"/"false" and so equals the string "true" (A5), and equals 1/0 numerically.
// ok is false when either operand is Absent, a List or a Map (spec §7.6, §8.6: every
// comparison with them is false), or when a numeric comparison involves NaN. The caller treats
// !ok as "unknown": = and != are both false, so `verb != "watch"` drops events without verb (A31).
func compareValues(a, b Value) (c int, ok bool) {
	if !cmpOperandOK(a) || !cmpOperandOK(b) {
		return 0, false
	}
	if x, xok := numericOf(a); xok {
		if y, yok := numericOf(b); yok {
			switch {
			case math.IsNaN(x) || math.IsNaN(y):
				return 0, false
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	// Go compares strings bytewise; for valid UTF-8 that is Unicode code point order.
	return strings.Compare(a.Render(), b.Render()), true
}

func cmpOperandOK(v Value) bool {
	switch v.Kind {
	case Absent, List, Map:
		return false
	}
	return true
}

// equalValues is compareValues(a, b) == 0, for = != and in/not in (spec §7.7).
func equalValues(a, b Value) (eq bool, ok bool) {
	c, ok := compareValues(a, b)
	return ok && c == 0, ok
}

// toNumber is v's value as a number for arithmetic and numeric functions: Number, Bool, Time
// (epoch ms) and numeric Strings. Absent, List, Map, Period and other strings give false.
func toNumber(v Value) (float64, bool) { return numericOf(v) }

// toText is v's text for string functions: its rendered form. Absent, List and Map give false
// ("Maps and lists are treated as null for string, number, and datetime functions", §8.6).
func toText(v Value) (string, bool) {
	switch v.Kind {
	case Absent, List, Map:
		return "", false
	}
	return v.Render(), true
}

// finiteNum returns Num(f), or Absent when f is NaN or infinite: no expression produces a
// non-finite number (x/0, log(0), sqrt(-1) and overflow are all absent).
func finiteNum(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return absentValue
	}
	return Num(f + 0) // + 0 turns -0 into 0
}

// timeFromMsF returns a Time value for the epoch-ms reading f (floored to a whole ms), or Absent
// when f is not finite.
func timeFromMsF(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
		return absentValue
	}
	return TimeMs(int64(math.Floor(f)))
}

// arith applies the arithmetic operator op (one of + - * / % ^) to a and b (spec §7.1).
// Operands are read as numbers (toNumber); a non-numeric or absent operand gives Absent, as do
// division or remainder by zero and non-finite results. / is floating-point division, % is the
// truncated remainder (sign of the dividend, like Java/Go), ^ is math.Pow.
// The result is a Number, except Time ± number and number + Time, which stay a Time (a time
// shifted by milliseconds); Time - Time is a Number of milliseconds.
func arith(op byte, a, b Value) Value {
	x, ok := toNumber(a)
	if !ok {
		return absentValue
	}
	y, ok := toNumber(b)
	if !ok {
		return absentValue
	}
	var r float64
	switch op {
	case '+':
		r = x + y
	case '-':
		r = x - y
	case '*':
		r = x * y
	case '/':
		if y == 0 {
			return absentValue
		}
		r = x / y
	case '%':
		if y == 0 {
			return absentValue
		}
		r = math.Mod(x, y)
	case '^':
		r = math.Pow(x, y)
	default:
		return absentValue
	}
	if op == '+' || op == '-' {
		at, bt := a.Kind == Time, b.Kind == Time
		if (at && !bt) || (bt && !at && op == '+') {
			return timeFromMsF(r)
		}
	}
	return finiteNum(r)
}

// negate is unary minus: -x of a numeric value (a Time negates to a Number of ms); Absent
// otherwise.
func negate(v Value) Value {
	x, ok := toNumber(v)
	if !ok {
		return absentValue
	}
	return finiteNum(-x)
}
