package main

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// rangeFlags are the query's time range on @timestamp, like the console's time picker.
type rangeFlags struct {
	Start string `placeholder:"TIME" help:"Only events at or after TIME: RFC 3339 (2021-08-11T10:00:00Z), a date (2021-08-11, UTC), epoch seconds, or a duration ago (2h, 30m, 7d)."`
	End   string `placeholder:"TIME" help:"Only events at or before TIME (inclusive; a date means the end of that day, UTC); same forms as --start."`
	Since string `placeholder:"DURATION" help:"Only events of the last DURATION (2h, 90m, 7d): --start DURATION."`
}

// timeRange is an inclusive range of epoch milliseconds.
type timeRange struct {
	min, max int64
	set      bool
}

// parse resolves the flags against now. An event without a timestamp is outside every range.
func (f *rangeFlags) parse(now time.Time) (timeRange, error) {
	if f.Start == "" && f.End == "" && f.Since == "" {
		return timeRange{}, nil
	}
	if f.Since != "" && f.Start != "" {
		return timeRange{}, fmt.Errorf("--since and --start both give the start of the range: use one")
	}
	r := timeRange{min: minTimeMs, max: maxTimeMs, set: true}
	start := f.Start
	if f.Since != "" {
		d, err := parseAgo(f.Since)
		if err != nil {
			return timeRange{}, fmt.Errorf("--since %q: %v", f.Since, err)
		}
		r.min = now.Add(-d).UnixMilli()
	}
	if start != "" {
		t, err := parseTimeArg(start, now, false)
		if err != nil {
			return timeRange{}, fmt.Errorf("--start %q: %v", start, err)
		}
		r.min = t
	}
	if f.End != "" {
		t, err := parseTimeArg(f.End, now, true)
		if err != nil {
			return timeRange{}, fmt.Errorf("--end %q: %v", f.End, err)
		}
		r.max = t
	}
	if r.min > r.max {
		return timeRange{}, fmt.Errorf("the time range is empty: --start %s is after --end %s", fmtMs(r.min), fmtMs(r.max))
	}
	return r, nil
}

const (
	minTimeMs = -1 << 62
	maxTimeMs = 1<<62 - 1
)

// setOptions gives the range to the query: it reads only the events inside it, and
// queryStartTime() and queryEndTime() return its bounds; an open end stays unbounded.
func (r timeRange) setOptions(o *match.Options) {
	if !r.set {
		return
	}
	if r.min != minTimeMs {
		o.QueryStart = time.UnixMilli(r.min)
	}
	if r.max != maxTimeMs {
		o.QueryEnd = time.UnixMilli(r.max)
	}
}

// note is the --stats line describing the range.
func (r timeRange) note(w io.Writer) {
	if !r.set {
		return
	}
	lo, hi := "the beginning", "the end"
	if r.min != minTimeMs {
		lo = fmtMs(r.min)
	}
	if r.max != maxTimeMs {
		hi = fmtMs(r.max)
	}
	fmt.Fprintf(w, "auditgrep: time range %s to %s (inclusive); events outside it and events without a timestamp were not scanned\n", lo, hi)
}

func fmtMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

var (
	agoRE    = regexp.MustCompile(`^(\d+(\.\d+)?(ms|s|m|h|d|w))+$`)
	agoPart  = regexp.MustCompile(`(\d+(?:\.\d+)?)(ms|s|m|h|d|w)`)
	digitsRE = regexp.MustCompile(`^-?\d+$`)
)

// parseAgo reads a duration such as 2h, 90m, 7d, 1w, 1h30m.
func parseAgo(s string) (time.Duration, error) {
	if !agoRE.MatchString(s) {
		return 0, fmt.Errorf("not a duration (examples: 30m, 2h, 7d, 1w, 1h30m)")
	}
	var d time.Duration
	for _, m := range agoPart.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.ParseFloat(m[1], 64)
		unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
			"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
		d += time.Duration(n * float64(unit))
	}
	return d, nil
}

// dateLayouts are accepted without a zone (UTC), from the most to the least precise.
var dateLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// parseTimeArg reads a --start/--end value as epoch milliseconds. A bare date is the start of
// the day for --start and its last millisecond for --end, so that --start D --end D is day D.
func parseTimeArg(s string, now time.Time, end bool) (int64, error) {
	s = strings.TrimSpace(s)
	if digitsRE.MatchString(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		return n * 1000, nil
	}
	if agoRE.MatchString(s) {
		d, _ := parseAgo(s)
		return now.Add(-d).UnixMilli(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			return t.AddDate(0, 0, 1).UnixMilli() - 1, nil
		}
		return t.UnixMilli(), nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, fmt.Errorf("not a time: use RFC 3339 (2021-08-11T10:00:00Z), a date (2021-08-11), epoch seconds, or a duration ago (2h)")
}
