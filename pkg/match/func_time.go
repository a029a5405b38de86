package match

import (
	"math"
	"time"
)

var timeFuncs = []*funcDef{
	{name: "datefloor", minArgs: 2, maxArgs: 2, fn: strict(func(_ *evalEnv, args []Value) Value {
		return dateRound(args[0], args[1], false)
	})},
	{name: "dateceil", minArgs: 2, maxArgs: 2, fn: strict(func(_ *evalEnv, args []Value) Value {
		return dateRound(args[0], args[1], true)
	})},
	// fromMillis(n): epoch ms → timestamp (fractions floored).
	{name: "fromMillis", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		f, ok := convNumber(args[0])
		if !ok {
			return absentValue
		}
		return timeFromMsF(f)
	}},
	// toMillis(ts): timestamp → epoch ms as a Number (a number is taken as epoch ms already).
	{name: "toMillis", minArgs: 1, maxArgs: 1, fn: func(_ *evalEnv, args []Value) Value {
		ms, ok := timeArgMs(args[0])
		if !ok {
			return absentValue
		}
		return Num(float64(ms))
	}},
	// now(): the query start time in epoch seconds (spec §8.4: "in epoch seconds").
	{name: "now", minArgs: 0, maxArgs: 0, fn: func(evalEnv *evalEnv, _ []Value) Value {
		t := time.Now()
		if evalEnv != nil && !evalEnv.Now.IsZero() {
			t = evalEnv.Now
		}
		return Num(float64(t.Unix()))
	}},
}

// timeArgMs reads a timestamp argument: a Time, or a Number or numeric String taken as epoch
// ms (floored to a whole ms).
func timeArgMs(v Value) (int64, bool) {
	if v.Kind == Time {
		return v.Ms(), true
	}
	f, ok := convNumber(v)
	if !ok || math.IsNaN(f) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

// periodUnitMs is the length of the fixed period units (spec §10.3).
var periodUnitMs = map[string]int64{
	"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000,
}

// periodUnitMonths is the length of the calendar period units in months.
var periodUnitMonths = map[string]int64{"mo": 1, "q": 3, "y": 12}

// periodCaps are the documented caps (spec §10.3: "The cap for ms is 1000, the caps for s and m
// are 60, and the cap for h is 24"; bin(300s) runs as 60s). Larger units have no cap (A43).
var periodCaps = map[string]int64{"ms": 1000, "s": 60, "m": 60, "h": 24}

// capPeriod applies the documented cap to a period count. It is idempotent, so a parser or
// engine that already capped the count can call it again harmlessly.
func capPeriod(n int64, unit string) int64 {
	if c, ok := periodCaps[unit]; ok && n > c {
		return c
	}
	return n
}

// weekEpochMs is Monday 1970-01-05 00:00 UTC: week periods are aligned to Mondays (A44).
const weekEpochMs = 4 * 86_400_000

// dateRound is datefloor (ceil false) and dateceil (ceil true) of ts to the period p (a Value
// of Kind Period: Num the count, Str the canonical unit), spec §10.4. datefloor is the floor to
// the bucket start, which is also what bin(p) means (A36). Fixed units (ms s m h d)
// floor in UTC epoch space; w is aligned to Monday 00:00 UTC (A44); mo, q and y are calendar
// UTC months, quarters and years, counted from year 0 (so 2mo buckets start in odd months,
// and 10y on decades). The count is capped as for bin (capPeriod). dateceil of a value already
// on a boundary returns it unchanged. A bad period or timestamp gives Absent.
func dateRound(ts, p Value, ceil bool) Value {
	ms, ok := timeArgMs(ts)
	if !ok || p.Kind != Period || p.Num < 1 || p.Num > 1<<40 {
		return absentValue
	}
	if size, off, fixed, ok := fixedPeriod(p); fixed {
		if !ok {
			return absentValue
		}
		f := floorDiv(ms-off, size)*size + off
		if ceil && f != ms {
			f += size
		}
		return TimeMs(f)
	}
	n := capPeriod(int64(p.Num), p.Str)
	k, ok := periodUnitMonths[p.Str]
	if !ok {
		return absentValue
	}
	k *= n
	if k > 12*10_000 {
		return absentValue
	}
	t := time.UnixMilli(ms).UTC()
	m := int64(t.Year())*12 + int64(t.Month()) - 1
	fm := floorDiv(m, k) * k
	f := monthStartMs(fm)
	if ceil && f != ms {
		f = monthStartMs(fm + k)
	}
	return TimeMs(f)
}

// fixedPeriod returns the length in ms and the epoch offset of the buckets of a period in a
// fixed unit (ms s m h d w) for dateRound; fixed is false for calendar units (mo q y) and bad
// periods, ok false for a fixed period too long to bucket (dateRound's result is then Absent).
func fixedPeriod(p Value) (size, off int64, fixed, ok bool) {
	if p.Kind != Period || p.Num < 1 || p.Num > 1<<40 {
		return 0, 0, false, false
	}
	unit, fixed := periodUnitMs[p.Str]
	if !fixed {
		return 0, 0, false, false
	}
	n := capPeriod(int64(p.Num), p.Str)
	if n > math.MaxInt64/4/unit {
		return 0, 0, true, false
	}
	if p.Str == "w" {
		off = weekEpochMs
	}
	return n * unit, off, true, true
}

// monthStartMs is the epoch ms of the first instant of month m (months since January of
// year 0).
func monthStartMs(m int64) int64 {
	y := floorDiv(m, 12)
	return time.Date(int(y), time.Month(m-y*12+1), 1, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
