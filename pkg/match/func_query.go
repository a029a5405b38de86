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
	{name: "queryStartTime", minArgs: 0, maxArgs: 0, fn: func(env *Env, _ []Value) Value {
		return queryBound(env, func(e *Env) time.Time { return e.QueryStart })
	}},
	{name: "queryEndTime", minArgs: 0, maxArgs: 0, fn: func(env *Env, _ []Value) Value {
		return queryBound(env, func(e *Env) time.Time { return e.QueryEnd })
	}},
	{name: "queryTimeRange", minArgs: 0, maxArgs: 0, fn: func(env *Env, _ []Value) Value {
		if env == nil || env.QueryStart.IsZero() || env.QueryEnd.IsZero() {
			return AbsentValue
		}
		return Num(float64(env.QueryEnd.UnixMilli() - env.QueryStart.UnixMilli()))
	}},
}

func queryBound(env *Env, get func(*Env) time.Time) Value {
	if env == nil || get(env).IsZero() {
		return AbsentValue
	}
	return Num(float64(get(env).UnixMilli()))
}

func init() {
	for _, d := range queryFuncs {
		funcTable[strings.ToLower(d.name)] = d
	}
}
