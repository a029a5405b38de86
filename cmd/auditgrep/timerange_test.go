package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseTimeRange(t *testing.T) {
	now := time.Date(2021, 8, 11, 12, 0, 0, 0, time.UTC)
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	tests := []struct {
		name     string
		f        rangeFlags
		min, max int64
		err      string
	}{
		{name: "none"},
		{name: "rfc3339", f: rangeFlags{Start: "2021-08-11T10:00:00Z", End: "2021-08-11T10:30:00.5+00:00"},
			min: ms("2021-08-11T10:00:00Z"), max: ms("2021-08-11T10:30:00.5Z")},
		{name: "zone offset", f: rangeFlags{Start: "2021-08-11T12:00:00+02:00"}, min: ms("2021-08-11T10:00:00Z"), max: maxTimeMs},
		{name: "dates cover whole days", f: rangeFlags{Start: "2021-08-11", End: "2021-08-11"},
			min: ms("2021-08-11T00:00:00Z"), max: ms("2021-08-11T23:59:59.999Z")},
		{name: "date and time without zone is UTC", f: rangeFlags{Start: "2021-08-11 10:00"}, min: ms("2021-08-11T10:00:00Z"), max: maxTimeMs},
		{name: "epoch seconds", f: rangeFlags{Start: "1628676000", End: "1628677800"},
			min: ms("2021-08-11T10:00:00Z"), max: ms("2021-08-11T10:30:00Z")},
		{name: "relative start", f: rangeFlags{Start: "2h"}, min: ms("2021-08-11T10:00:00Z"), max: maxTimeMs},
		{name: "since", f: rangeFlags{Since: "1h30m"}, min: ms("2021-08-11T10:30:00Z"), max: maxTimeMs},
		{name: "since days", f: rangeFlags{Since: "1d"}, min: ms("2021-08-10T12:00:00Z"), max: maxTimeMs},
		{name: "end only", f: rangeFlags{End: "30m"}, min: minTimeMs, max: ms("2021-08-11T11:30:00Z")},
		{name: "since and start", f: rangeFlags{Since: "2h", Start: "1h"}, err: "use one"},
		{name: "bad time", f: rangeFlags{Start: "yesterday"}, err: `--start "yesterday": not a time`},
		{name: "bad duration", f: rangeFlags{Since: "2 hours"}, err: "not a duration"},
		{name: "empty range", f: rangeFlags{Start: "2021-08-12", End: "2021-08-11"}, err: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.f.parse(now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.f == (rangeFlags{}) {
				if r.set {
					t.Error("range set without flags")
				}
				return
			}
			if !r.set || r.min != tt.min || r.max != tt.max {
				t.Errorf("got %+v, want [%d, %d]", r, tt.min, tt.max)
			}
		})
	}
}

// Both ends are inclusive, and a time-ranged query leaves out events without a timestamp.
func TestTimeRangeCLI(t *testing.T) {
	dir := t.TempDir()
	audit := `{"verb":"a","stageTimestamp":"2021-08-11T10:00:00.000Z"}
{"verb":"b","stageTimestamp":"2021-08-11T10:00:00.001Z"}
{"verb":"c","stageTimestamp":"2021-08-11T10:30:00.000Z"}
{"verb":"d","stageTimestamp":"2021-08-11T10:30:00.001Z"}
{"verb":"untimed"}
`
	os.WriteFile(filepath.Join(dir, "audit.log"), []byte(audit), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "a b c d untimed"},
		{[]string{"--start", "2021-08-11T10:00:00.001Z"}, "b c d"},
		{[]string{"--end", "2021-08-11T10:30:00Z"}, "a b c"},
		{[]string{"--start", "2021-08-11T10:00:00Z", "--end", "2021-08-11T10:30:00Z"}, "a b c"},
		{[]string{"--start", "1628676000", "--end", "1628676000"}, "a"},
		{[]string{"--since", "100000d"}, "a b c d"},
	}
	for _, tt := range tests {
		args := append([]string{"fields verb", "--format", "csv", dir}, tt.args...)
		out, stderr, code := runCLI(t, "", args...)
		if code != exitMatch {
			t.Errorf("%v: exit %d: %s", tt.args, code, stderr)
		}
		got := strings.Join(strings.Fields(strings.TrimPrefix(out, "verb\n")), " ")
		if got != tt.want {
			t.Errorf("%v: got %q, want %q", tt.args, got, tt.want)
		}
	}
	_, stderr, code := runCLI(t, "", "fields verb", "--stats", "--since", "1h", dir)
	if code != exitNoMatch || !strings.Contains(stderr, "without a timestamp were not scanned") {
		t.Errorf("--stats with a range: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "fields verb", "--start", "nope", dir); code != exitError || !strings.Contains(stderr, "--start") {
		t.Errorf("bad --start: exit %d, %q", code, stderr)
	}
}
