package match

import (
	"strings"
	"time"
)

// The query-window functions of spec §8.2 ("new"): queryStartTime() and queryEndTime() are the
// bounds of the query's time range in epoch milliseconds, queryTimeRange() its length in
// milliseconds. Offline the range is the one given to the run (Options.QueryStart/QueryEnd);
// without one, or without the needed bound, they are absent, so a filter on them keeps nothing
// rather than guessing.
var queryFuncs = []*funcDef{
	{name: "queryStartTime", minArgs: 0, maxArgs: 0, fn: func(ev *evalEnv, _ []Value) Value {
		return queryBound(ev, func(e *evalEnv) time.Time { return e.QueryStart })
	}},
	{name: "queryEndTime", minArgs: 0, maxArgs: 0, fn: func(ev *evalEnv, _ []Value) Value {
		return queryBound(ev, func(e *evalEnv) time.Time { return e.QueryEnd })
	}},
	{name: "queryTimeRange", minArgs: 0, maxArgs: 0, fn: func(ev *evalEnv, _ []Value) Value {
		if ev == nil || ev.QueryStart.IsZero() || ev.QueryEnd.IsZero() {
			return absentValue
		}
		return Num(float64(ev.QueryEnd.UnixMilli() - ev.QueryStart.UnixMilli()))
	}},
}

func queryBound(ev *evalEnv, get func(*evalEnv) time.Time) Value {
	if ev == nil || get(ev).IsZero() {
		return absentValue
	}
	return Num(float64(get(ev).UnixMilli()))
}

func init() {
	for _, d := range queryFuncs {
		funcTable[strings.ToLower(d.name)] = d
	}
}
