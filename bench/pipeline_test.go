// Package bench holds the Go benchmarks of auditgrep's whole pipeline (scan, match, export) over
// a generated CloudWatch export; bench/run.sh compares the binary with other tools.
//
//	go test -run '^$' -bench . -benchtime 3x ./bench             # GOMAXPROCS workers
//	go test -run '^$' -bench . -benchtime 3x -cpu 1,2 ./bench    # -j 1 and -j 2
//	AUDITGREP_BENCH_SIZE=256MiB go test -run '^$' -bench Query ./bench
//
// The data (64 MiB uncompressed by default) is generated once per process into a temporary
// folder by bench/gen/gendata. Every query's result is checked against counts computed
// independently from the same files (a plain line scan with the standard library), so a fast
// but wrong engine fails the benchmark instead of reporting a number.
package bench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/auditgrep/auditgrep/bench/gen/gendata"
	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// The five queries of bench/run.sh.
var queries = []struct{ name, text string }{
	{"needle", `filter @logStream like /^kube-apiserver-audit/ | filter verb == "create" and objectRef.subresource == "eviction" | fields @timestamp, user.username, requestURI`},
	{"stats", `filter @logStream like /^kube-apiserver-audit/ | stats count(*) by responseStatus.code`},
	{"project", `filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb, requestURI, user.username, responseStatus.code`},
	{"sortlimit", `filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb, requestURI | sort @timestamp desc | limit 50`},
	{"regex", `filter @message like /eks:fargate-[a-z]+/ | fields @timestamp, @logStream`},
}

// dataset is a generated export and the facts the checks need, found by reading it back
// with the standard library only.
type dataset struct {
	dir     string
	sum     gendata.Summary
	gzFiles []string
	raw     int64 // uncompressed bytes of the .gz objects

	auditEvents int            // events in kube-apiserver-audit-* streams
	codes       map[string]int // responseStatus.code (as JSON text) → count, audit events
	maxAuditTS  string         // latest audit timestamp, "YYYY-MM-DD HH:MM:SS.mmm"
	evictions   int            // audit events with verb create and subresource eviction
	fargate     int            // events (any stream) whose message matches eks:fargate-[a-z]+
}

var (
	dsOnce  sync.Once
	ds      *dataset
	dsErr   error
	dsClean func()
)

// TestMain removes the generated data once every benchmark and test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if dsClean != nil {
		dsClean()
	}
	os.Exit(code)
}

func benchSize(tb testing.TB) int64 {
	s := os.Getenv("AUDITGREP_BENCH_SIZE")
	if s == "" {
		return 64 << 20
	}
	n, err := gendata.ParseSize(s)
	if err != nil {
		tb.Fatalf("AUDITGREP_BENCH_SIZE: %v", err)
	}
	return n
}

// getDataset generates the benchmarks' export once per process (b.TempDir would be per
// benchmark; this is shared by all of them and removed in TestMain).
func getDataset(tb testing.TB, size int64) *dataset {
	tb.Helper()
	dsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "auditgrep-bench-")
		if err != nil {
			dsErr = err
			return
		}
		dsClean = func() { os.RemoveAll(dir) }
		ds, dsErr = makeDataset(dir, size)
	})
	if dsErr != nil {
		tb.Fatal(dsErr)
	}
	return ds
}

func makeDataset(dir string, size int64) (*dataset, error) {
	sum, err := gendata.Generate(dir, size, 1, 1, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	d := &dataset{dir: dir, sum: sum, codes: map[string]int{}}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".gz") {
			d.gzFiles = append(d.gzFiles, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	fargate := regexp.MustCompile(`eks:fargate-[a-z]+`)
	tsPrefix := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z `)
	for _, p := range d.gzFiles {
		audit := strings.HasPrefix(filepath.Base(filepath.Dir(p)), gendata.AuditStreamPrefix)
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 64<<20)
		matched := false // the current event already matched the regex
		for sc.Scan() {
			line := sc.Bytes()
			d.raw += int64(len(line)) + 1
			if tsPrefix.Match(line) {
				matched = false
				if audit {
					d.auditEvents++
					ts := string(line[:10]) + " " + string(line[11:23])
					d.maxAuditTS = max(d.maxAuditTS, ts)
					var ev struct {
						Verb      string `json:"verb"`
						ObjectRef struct {
							Subresource string `json:"subresource"`
						} `json:"objectRef"`
						ResponseStatus struct {
							Code json.RawMessage `json:"code"`
						} `json:"responseStatus"`
					}
					if json.Unmarshal(line[gendata.ExportTimestampSize:], &ev) == nil {
						if ev.Verb == "create" && ev.ObjectRef.Subresource == "eviction" {
							d.evictions++
						}
						if ev.ResponseStatus.Code != nil {
							d.codes[string(ev.ResponseStatus.Code)]++
						}
					}
				}
			}
			if !matched && fargate.Match(line) {
				matched = true
				d.fargate++
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if d.evictions != sum.Needles[gendata.NeedleEviction] {
		return nil, fmt.Errorf("read back %d evictions, the generator wrote %d", d.evictions, sum.Needles[gendata.NeedleEviction])
	}
	if d.raw != sum.Bytes {
		return nil, fmt.Errorf("read back %d bytes, the generator wrote %d", d.raw, sum.Bytes)
	}
	return d, nil
}

// run runs one query over the data set with the given worker count, as cmd/auditgrep does
// with --format json, and returns the run's statistics.
func run(d *dataset, text string, workers int, out io.Writer) (match.RunStats, error) {
	prog, err := match.Compile(text, match.Options{})
	if err != nil {
		return match.RunStats{}, err
	}
	var inputErr error
	st, err := prog.Run(context.Background(), match.Input{Paths: []string{d.dir}}, export.NewJSON(out), match.RunOptions{
		Workers:      workers,
		OnInputError: func(err error) { inputErr = err },
	})
	for _, e := range []error{err, inputErr} {
		if e != nil {
			return st, e
		}
	}
	return st, nil
}

// wantRows is the number of rows each query must output.
func (d *dataset) wantRows(name string) int64 {
	switch name {
	case "needle":
		return int64(d.evictions)
	case "stats":
		return int64(len(d.codes))
	case "project":
		return int64(d.auditEvents)
	case "sortlimit":
		return min(50, int64(d.auditEvents))
	case "regex":
		return int64(d.fargate)
	}
	panic(name)
}

// check checks a query's full JSON-lines output against the data set.
func (d *dataset) check(name string, out []byte) error {
	lines := bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n"))
	if len(out) == 0 {
		lines = nil
	}
	if int64(len(lines)) != d.wantRows(name) {
		return fmt.Errorf("%s: %d rows, want %d", name, len(lines), d.wantRows(name))
	}
	rows := make([]map[string]json.RawMessage, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal(l, &rows[i]); err != nil {
			return fmt.Errorf("%s: row %d: %v: %s", name, i, err, l)
		}
	}
	str := func(r map[string]json.RawMessage, k string) string {
		var s string
		json.Unmarshal(r[k], &s)
		return s
	}
	switch name {
	case "needle":
		for _, r := range rows {
			if !strings.HasSuffix(str(r, "requestURI"), "/eviction") || str(r, "user.username") == "" {
				return fmt.Errorf("needle: unexpected row %v", r)
			}
		}
	case "stats":
		got := map[string]int{}
		for _, r := range rows {
			var n int
			if err := json.Unmarshal(r["count(*)"], &n); err != nil {
				return fmt.Errorf("stats: row %v: %v", r, err)
			}
			got[string(r["responseStatus.code"])] = n
		}
		if fmt.Sprint(got) != fmt.Sprint(d.codes) {
			return fmt.Errorf("stats: got %v, want %v", got, d.codes)
		}
	case "project":
		for _, r := range rows {
			if len(r) != 5 {
				return fmt.Errorf("project: row with %d fields: %v", len(r), r)
			}
		}
	case "sortlimit":
		prev := d.maxAuditTS
		for i, r := range rows {
			ts := str(r, "@timestamp")
			if ts > prev || (i == 0 && ts != d.maxAuditTS) {
				return fmt.Errorf("sortlimit: row %d has @timestamp %q after %q (latest is %q)", i, ts, prev, d.maxAuditTS)
			}
			prev = ts
		}
	case "regex":
		for _, r := range rows {
			if str(r, "@logStream") == "" {
				return fmt.Errorf("regex: row without @logStream: %v", r)
			}
		}
	}
	return nil
}

// TestQueries runs the benchmark queries over a small data set and checks their results, so
// that go test ./... keeps the benchmark honest.
func TestQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("generates data")
	}
	// Small, so that CI (with the race detector) stays quick; the benchmarks check their own data.
	d, err := makeDataset(t.TempDir(), 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := run(d, q.text, 2, &buf); err != nil {
				t.Fatal(err)
			}
			if err := d.check(q.name, buf.Bytes()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// countWriter discards what it is given and counts it.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkQuery runs each query over the whole data set with GOMAXPROCS workers (set with
// -cpu), output to a discarding writer. The first run's output is checked in full; every run's
// row count is checked.
func BenchmarkQuery(b *testing.B) {
	d := getDataset(b, benchSize(b))
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			workers := runtime.GOMAXPROCS(0)
			var buf bytes.Buffer
			if _, err := run(d, q.text, workers, &buf); err != nil {
				b.Fatal(err)
			}
			if err := d.check(q.name, buf.Bytes()); err != nil {
				b.Fatal(err)
			}
			buf = bytes.Buffer{}
			b.SetBytes(d.raw)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var w countWriter
				st, err := run(d, q.text, workers, &w)
				if err != nil {
					b.Fatal(err)
				}
				if st.RowsOut != d.wantRows(q.name) {
					b.Fatalf("%d rows out, want %d", st.RowsOut, d.wantRows(q.name))
				}
			}
		})
	}
}

// BenchmarkDecompressOnly is the floor of BenchmarkQuery: the same files decompressed with
// the same gzip library and worker count, the output thrown away.
func BenchmarkDecompressOnly(b *testing.B) {
	d := getDataset(b, benchSize(b))
	workers := runtime.GOMAXPROCS(0)
	b.SetBytes(d.raw)
	b.ReportAllocs()
	for b.Loop() {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			total int64
			first error
		)
		ch := make(chan string)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var zr kgzip.Reader
				for p := range ch {
					n, err := decompress(&zr, p)
					mu.Lock()
					total += n
					if err != nil && first == nil {
						first = err
					}
					mu.Unlock()
				}
			}()
		}
		for _, p := range d.gzFiles {
			ch <- p
		}
		close(ch)
		wg.Wait()
		if first != nil {
			b.Fatal(first)
		}
		if total != d.raw {
			b.Fatalf("decompressed %d bytes, want %d", total, d.raw)
		}
	}
}

func decompress(zr *kgzip.Reader, p string) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := zr.Reset(bufio.NewReaderSize(f, 1<<20)); err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, zr)
}
