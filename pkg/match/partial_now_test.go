package match

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMergeNowIsTheRunsStart: now() after stats is evaluated when the partials are merged; it
// must have the run's start time, carried in the partial header, so that a sharded run prints
// what the single run prints (issue #14, defect 3).
func TestMergeNowIsTheRunsStart(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, body := range []string{
		`{"kind":"Event","verb":"get","stageTimestamp":"2024-01-01T00:00:01Z"}
{"kind":"Event","verb":"list","stageTimestamp":"2024-01-01T00:00:02Z"}
`,
		`{"kind":"Event","verb":"get","stageTimestamp":"2024-01-01T00:00:03Z"}
`,
	} {
		p := filepath.Join(dir, []string{"a.jsonl", "b.jsonl"}[i])
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	const text = `stats count(*) as n by verb | fields now() as t, n * 0 + now() as u | sort verb`
	opts := Options{Now: start}
	single := runAPI(t, text, opts, paths)

	var srcs []PartialSource
	for shard := 0; shard < 2; shard++ {
		q, err := Compile(text, opts)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		h := PartialHeader{Version: "test", Canonical: q.String(), Shard: shard, Shards: 2, FileLo: shard, FileHi: shard + 1}
		if _, err := q.RunPartial(context.Background(), Input{Paths: paths}, &buf, h, RunOptions{Workers: 1}); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, PartialSource{Name: "p" + string(rune('0'+shard)), R: bytes.NewReader(buf.Bytes()), Size: int64(buf.Len())})
	}
	ps, err := OpenPartials(srcs)
	if err != nil {
		t.Fatal(err)
	}
	if got := ps.Header.Options().Now; !got.Equal(start) {
		t.Fatalf("header carries now %v, want %v", got, start)
	}
	// The merge runs an hour later: compiled with its own time, it must still print the run's.
	later := Options{Now: start.Add(time.Hour)}
	for _, mo := range []Options{ps.Header.Options(), later} {
		q, err := Compile(text, mo)
		if err != nil {
			t.Fatal(err)
		}
		c := &capture{}
		if _, err := ps.Merge(q, c, false); err != nil {
			t.Fatal(err)
		}
		if got, want := c.String(), single; got != want {
			t.Errorf("merge compiled with now=%v:\n%s\nsingle run:\n%s", mo.Now, got, want)
		}
	}
	if want := "verb=get n=2 t=1704110400 u=1704110400\nverb=list n=1 t=1704110400 u=1704110400\n"; single != want {
		t.Errorf("single run:\n%s\nwant:\n%s", single, want)
	}
}

func (c *capture) String() string {
	var b bytes.Buffer
	for _, l := range c.lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func runAPI(t *testing.T, text string, opts Options, paths []string) string {
	t.Helper()
	q, err := Compile(text, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := &capture{}
	if _, err := q.Run(context.Background(), Input{Paths: paths}, c, RunOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	return c.String()
}
