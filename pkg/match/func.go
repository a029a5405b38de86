package match

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"math"
	"strconv"
	"strings"
	"time"
)

// evalEnv is what scalar functions may read besides their arguments.
type evalEnv struct {
	// Now is the query start time; now() returns it in epoch seconds (spec §8.4).
	Now time.Time
	// QueryStart and QueryEnd are the query's time range, for queryStartTime(), queryEndTime()
	// and queryTimeRange(); zero when the run has no range.
	QueryStart, QueryEnd time.Time
}

// funcDef is a scalar function (spec §8).
type funcDef struct {
	name             string // canonical spelling, for messages
	minArgs, maxArgs int    // maxArgs < 0: variadic
	fn               func(evalEnv *evalEnv, args []Value) Value
	// argCheck validates arguments written as string literals (a date pattern, a time zone)
	// when the query is compiled, so that a pattern that can never work is an error with a
	// caret rather than an absent value on every row. Keyed by argument index.
	argCheck map[int]func(string) error
}

// lookupFunc returns the scalar function called name (case-insensitive), or nil.
// bin, jsonParse, jsonStringify, jsonArraySize and jsonArrayContains are not here: the engine
// and the JSON code provide them.
func lookupFunc(name string) *funcDef { return funcTable[strings.ToLower(name)] }

var funcTable = map[string]*funcDef{}

func init() {
	for _, list := range [][]*funcDef{numericFuncs, generalFuncs, stringFuncs, timeFuncs, dateFuncs, ipFuncs} {
		for _, d := range list {
			k := strings.ToLower(d.name)
			if funcTable[k] != nil {
				panic("match: duplicate function " + d.name)
			}
			funcTable[k] = d
		}
	}
}

// strict wraps fn so that any Absent argument makes the result Absent (spec §7.6).
func strict(fn func(evalEnv *evalEnv, args []Value) Value) func(evalEnv *evalEnv, args []Value) Value {
	return func(evalEnv *evalEnv, args []Value) Value {
		for _, a := range args {
			if a.Kind == Absent {
				return absentValue
			}
		}
		return fn(evalEnv, args)
	}
}

// num1 is a one-argument numeric function; non-numeric arguments and non-finite results are
// Absent.
func num1(name string, f func(float64) float64) *funcDef {
	return &funcDef{name: name, minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		x, ok := toNumber(args[0])
		if !ok {
			return absentValue
		}
		return finiteNum(f(x))
	}}
}

var numericFuncs = []*funcDef{
	num1("abs", math.Abs),
	num1("ceil", math.Ceil),
	num1("floor", math.Floor),
	num1("log", math.Log),
	num1("sqrt", math.Sqrt),
	{name: "greatest", minArgs: 1, maxArgs: -1, fn: func(_ *evalEnv, args []Value) Value {
		return extremeNum(args, 1)
	}},
	{name: "least", minArgs: 1, maxArgs: -1, fn: func(_ *evalEnv, args []Value) Value {
		return extremeNum(args, -1)
	}},
	{name: "round", minArgs: 1, maxArgs: 2, fn: strict(fnRound)},
	{name: "haversine", minArgs: 4, maxArgs: 4, fn: strict(fnHaversine)},
	{name: "toNumber", minArgs: 1, maxArgs: 1, fn: fnToDouble},
	{name: "toDouble", minArgs: 1, maxArgs: 1, fn: fnToDouble},
	{name: "toInt", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		return toInteger(args[0], math.MinInt32, math.MaxInt32)
	}},
	{name: "toLong", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		// The largest float64 below 2^63.
		return toInteger(args[0], -(1 << 63), 1<<63-1024)
	}},
}

// extremeNum is greatest (sign 1) or least (sign -1) of the numeric arguments; absent and
// non-numeric arguments are skipped; Absent when none is numeric.
func extremeNum(args []Value, sign float64) Value {
	best, found := 0.0, false
	for _, a := range args {
		x, ok := toNumber(a)
		if !ok || math.IsNaN(x) {
			continue
		}
		if !found || (x-best)*sign > 0 {
			best, found = x, true
		}
	}
	if !found {
		return absentValue
	}
	return finiteNum(best)
}

// fnRound is round(a[, d]): a rounded to d decimal places (default 0), halves away from zero
// (A34). Rounding is done on the shortest decimal form of a, so round(1.005, 2) is 1.01 as a
// reader expects, not 1 (1.005 is 1.00499999999999989... in binary). d may be negative
// (round(1234, -2) = 1200); a fractional d is truncated.
func fnRound(_ *evalEnv, args []Value) Value {
	x, ok := toNumber(args[0])
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return absentValue
	}
	d := 0
	if len(args) > 1 {
		f, ok := toNumber(args[1])
		if !ok || math.IsNaN(f) {
			return absentValue
		}
		f = math.Trunc(math.Max(-400, math.Min(400, f)))
		d = int(f)
	}
	return finiteNum(roundHalfAway(x, d))
}

func roundHalfAway(x float64, d int) float64 {
	if d < 0 {
		p := math.Pow(10, float64(-d))
		return math.Round(x/p) * p
	}
	neg := x < 0
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	if len(frac) <= d {
		return x
	}
	digits := []byte(intPart + frac[:d])
	if frac[d] >= '5' {
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '9' {
				digits[i] = '0'
				continue
			}
			digits[i]++
			break
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	n := len(digits) - d
	out := string(digits[:n])
	if d > 0 {
		out += "." + string(digits[n:])
	}
	r, _ := strconv.ParseFloat(out, 64)
	if neg {
		r = -r
	}
	return r
}

// fnHaversine is the great-circle distance in km between two points given in degrees
// (mean Earth radius 6371 km).
func fnHaversine(_ *evalEnv, args []Value) Value {
	var v [4]float64
	for i := range v {
		x, ok := toNumber(args[i])
		if !ok {
			return absentValue
		}
		v[i] = x * math.Pi / 180
	}
	dLat, dLon := v[2]-v[0], v[3]-v[1]
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(v[0])*math.Cos(v[2])*math.Pow(math.Sin(dLon/2), 2)
	return finiteNum(2 * 6371 * math.Asin(math.Sqrt(math.Min(1, h))))
}

// fnToDouble is toNumber/toDouble: the numeric reading of its argument (a numeric string,
// surrounding whitespace allowed), Absent when there is none.
func fnToDouble(_ *evalEnv, args []Value) Value {
	if f, ok := convNumber(args[0]); ok {
		return finiteNum(f)
	}
	return absentValue
}

func convNumber(v Value) (float64, bool) {
	if v.Kind == String {
		return num.Parse(strings.TrimSpace(v.Str))
	}
	return toNumber(v)
}

// toInteger is toInt (32-bit) / toLong (64-bit): the number truncated toward zero; Absent when
// not numeric or out of range.
func toInteger(v Value, lo, hi float64) Value {
	f, ok := convNumber(v)
	if !ok || math.IsNaN(f) {
		return absentValue
	}
	f = math.Trunc(f)
	if f < lo || f > hi {
		return absentValue
	}
	return Num(f + 0)
}

var generalFuncs = []*funcDef{
	{name: "ispresent", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		return BoolV(args[0].Kind != Absent)
	}},
	{name: "coalesce", minArgs: 1, maxArgs: -1, fn: func(_ *evalEnv, args []Value) Value {
		for _, a := range args {
			if a.Kind != Absent {
				return a
			}
		}
		return absentValue
	}},
	// case(cond1, val1, ..., [default]): at most 10 condition/value pairs (spec §8.2).
	{name: "case", minArgs: 2, maxArgs: 21, fn: func(_ *evalEnv, args []Value) Value {
		i := 0
		for ; i+1 < len(args); i += 2 {
			if args[i].Truthy() {
				return args[i+1]
			}
		}
		if i < len(args) {
			return args[i]
		}
		return absentValue
	}},
	{name: "if", minArgs: 3, maxArgs: 3, fn: func(_ *evalEnv, args []Value) Value {
		if args[0].Truthy() {
			return args[1]
		}
		return args[2]
	}},
	// isNumeric: true for numbers and strings that are a whole decimal number.
	{name: "isNumeric", minArgs: 1, maxArgs: 1, fn: strict(func(_ *evalEnv, args []Value) Value {
		switch args[0].Kind {
		case Number:
			return BoolV(true)
		case String:
			_, ok := num.Parse(strings.TrimSpace(args[0].Str))
			return BoolV(ok)
		}
		return BoolV(false)
	})},
	// messageSize: the byte length of the value's text.
	{name: "messageSize", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		s, ok := toText(args[0])
		if !ok {
			return absentValue
		}
		return Num(float64(len(s)))
	}},
}
