// Package gendata writes deterministic, realistic CloudWatch Logs export trees of EKS
// control-plane logs, for benchmarks (Generate) and for golden tests (WriteTestdata). The command
// ./bench/gen is its command-line front end; the Go benchmarks of ./bench call it directly.
//
// Layout: DIR/aws-logs-write-test and DIR/<exportTaskId>/<logStream>/000000.gz, 000001.gz, …
// (each object at most 64 MiB uncompressed). Lines are "2021-08-11T10:09:43.095Z <message>";
// a multi-line message continues on lines without that prefix. The same arguments give the same
// bytes: math/rand/v2 PCG seeded per object, gzip headers with no name and mtime 0.
package gendata

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// maxObject is the uncompressed size of one export object.
const maxObject = 64 << 20

// Stream kinds.
const (
	kAudit = iota
	kAuth
	kSched
	kKCM
	kAPI
)

var kindPrefix = [...]string{"kube-apiserver-audit-", "authenticator-", "kube-scheduler-", "kube-controller-manager-", "kube-apiserver-"}

// share of the bytes and average event size per stream kind (the latter sets the time step).
var kindShare = [...]float64{0.88, 0.04, 0.03, 0.03, 0.02}
var kindAvg = [...]int64{2500, 330, 200, 190, 150}

// streamsOfKind: audit has one stream per API server instance.
var streamsOfKind = [...]int{4, 1, 1, 1, 1}

// start is the first event's time: 2021-08-11T00:00:00Z.
var start = time.Date(2021, 8, 11, 0, 0, 0, 0, time.UTC).UnixMilli()

// objectSpan is the time range an object covers.
const objectSpan = 3600_000

type job struct {
	dir         string
	kind        int
	stream, obj int
	target      int64
	t0, t1      int64
	seed        uint64
	level       int
}

type result struct {
	bytes, gzBytes int64
	events         int
	needles        [nNeedleKinds]int
	err            error
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suf string
		m   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}
	for _, u := range units {
		if strings.HasSuffix(s, u.suf) {
			f, err := strconv.ParseFloat(strings.TrimSuffix(s, u.suf), 64)
			if err != nil || f <= 0 {
				return 0, fmt.Errorf("bad size %q", s)
			}
			return int64(f * float64(u.m)), nil
		}
	}
	f, err := strconv.ParseInt(s, 10, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return f, nil
}

// generate writes a tree of about total uncompressed bytes with workers goroutines.
func generate(out string, total int64, seed uint64, level, workers int) (result, error) {
	names := newGen(seed, 1<<20, 0)
	task := names.uuid()
	root := filepath.Join(out, task)
	var jobs []job
	si := 0
	for kind, share := range kindShare {
		for s := 0; s < streamsOfKind[kind]; s++ {
			name := kindPrefix[kind] + names.hex(32)
			bytes := int64(float64(total) * share / float64(streamsOfKind[kind]))
			nobj := int((bytes + maxObject - 1) / maxObject)
			if nobj == 0 {
				nobj = 1
			}
			for o := 0; o < nobj; o++ {
				jobs = append(jobs, job{dir: filepath.Join(root, name), kind: kind, stream: si, obj: o,
					target: bytes / int64(nobj), t0: start + int64(o)*objectSpan, t1: start + int64(o+1)*objectSpan,
					seed: seed, level: level})
			}
			si++
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return result{}, err
	}
	if err := os.WriteFile(filepath.Join(out, "aws-logs-write-test"), []byte("Permission Check Successful"), 0o644); err != nil {
		return result{}, err
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	ch := make(chan int)
	for w := 0; w < max(1, workers); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ch {
				results[i] = writeObject(jobs[i])
			}
		}()
	}
	for i := range jobs {
		ch <- i
	}
	close(ch)
	wg.Wait()
	var sum result
	for _, r := range results {
		if r.err != nil {
			return sum, r.err
		}
		sum.bytes += r.bytes
		sum.gzBytes += r.gzBytes
		sum.events += r.events
		for k := range r.needles {
			sum.needles[k] += r.needles[k]
		}
	}
	return sum, nil
}

// countWriter counts bytes written.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeObject(j job) (res result) {
	if err := os.MkdirAll(j.dir, 0o755); err != nil {
		return result{err: err}
	}
	f, err := os.Create(filepath.Join(j.dir, fmt.Sprintf("%06d.gz", j.obj)))
	if err != nil {
		return result{err: err}
	}
	defer func() {
		if err := f.Close(); err != nil && res.err == nil {
			res.err = err
		}
	}()
	cw := &countWriter{w: bufio.NewWriterSize(f, 1<<20)}
	zw, err := gzip.NewWriterLevel(cw, j.level)
	if err != nil {
		return result{err: err}
	}
	zw.ModTime = time.Unix(0, 0) // mtime field 0 (a zero time.Time would write a garbage date); no name
	g := newGen(j.seed, j.stream, j.obj)
	// Mean step so that the object's events spread over its time range.
	expected := max(1, j.target/kindAvg[j.kind])
	step := max(1, (j.t1-j.t0)/expected)
	t := j.t0
	buf := make([]byte, 0, 4<<20)
	for res.bytes < j.target {
		buf = appendExportTS(buf, &g.c, t)
		buf = append(buf, ' ')
		k := -1
		rate := needleRate
		if j.kind != kAudit {
			// The text streams carry ~10x fewer events: keep their needles present at 1 GiB.
			rate /= 10
		}
		if g.r.IntN(rate) < needleKindsOf(j.kind) {
			k = needleFirst(j.kind) + g.r.IntN(needleKindsOf(j.kind))
		}
		switch j.kind {
		case kAudit:
			var e *auditEvent
			if k >= 0 {
				e = g.needle(k, t)
			} else {
				e = g.background(t, true)
			}
			buf = appendAudit(buf, &g.c, e)
		case kAuth:
			buf = g.authLine(buf, t, k)
		case kSched:
			buf = g.schedLine(buf, t, k)
		case kKCM:
			buf = g.kcmLine(buf, t)
		case kAPI:
			buf = g.apiserverLine(buf, t)
		}
		buf = append(buf, '\n')
		res.events++
		if len(buf) >= 1<<20 || res.bytes+int64(len(buf)) >= j.target {
			res.bytes += int64(len(buf))
			if _, err := zw.Write(buf); err != nil {
				return result{err: err}
			}
			buf = buf[:0]
		}
		// Timestamps never go back; equal timestamps happen (step 0).
		t = min(j.t1-1, t+g.r.Int64N(2*step+1))
	}
	if err := zw.Close(); err != nil {
		return result{err: err}
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil {
		return result{err: err}
	}
	res.gzBytes = cw.n
	res.needles = g.needles
	return res
}

func needleKindsOf(kind int) int {
	switch kind {
	case kAudit:
		return nKubectl122 + 1
	case kAuth:
		return 2
	case kSched:
		return 1
	}
	return 0
}

func needleFirst(kind int) int {
	switch kind {
	case kAuth:
		return nAdmin
	case kSched:
		return nSchedPod
	}
	return 0
}
