package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// progress draws a bar on stderr while a scan runs: files and bytes (as stored, compressed)
// done of the total, throughput and ETA. The total comes from the walk (scan.Options.OnFiles);
// stdin counts as a file of unknown size. The zero value draws nothing.
type progress struct {
	stderr io.Writer
	// mu guards p, which the walk's callback sets while messages may already be printed, and
	// stopped; printf holds it while it writes, so no message is written while stop erases
	// the bar.
	mu      sync.Mutex
	p       *mpb.Progress
	stopped bool
	bar     *mpb.Bar
	files   atomic.Int64
	nfiles  int64
	on      bool
	// renders counts the bar's redraws, and written the count when a message last went
	// through mpb: mpb prints such a message at its next redraw, and drops it if the bar is
	// removed first, so stop waits for a redraw after the last message.
	renders atomic.Int64
	written int64
}

// showProgress decides --progress: auto draws only when stderr is a terminal.
func showProgress(mode string, stderr io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(e *env, mode string, o *scan.Options) *progress {
	pr := &progress{stderr: e.stderr}
	if !showProgress(mode, e.stderr) {
		return pr
	}
	pr.on = true
	o.OnFiles = func(files []scan.File) {
		var total int64
		for _, f := range files {
			total += f.Size
		}
		pr.nfiles = int64(len(files))
		p := mpb.New(mpb.WithOutput(e.stderr), mpb.WithAutoRefresh(), mpb.WithWidth(100))
		pr.bar = p.AddBar(total,
			mpb.BarRemoveOnComplete(),
			mpb.PrependDecorators(
				decor.Any(func(decor.Statistics) string {
					pr.renders.Add(1)
					return fmt.Sprintf("files %d/%d", pr.files.Load(), pr.nfiles)
				}, decor.WCSyncSpaceR),
				decor.Counters(decor.SizeB1024(0), "% .1f / % .1f", decor.WCSyncSpace),
			),
			mpb.AppendDecorators(
				decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace),
				decor.Name(" ETA "),
				decor.AverageETA(decor.ET_STYLE_GO),
			),
		)
		pr.mu.Lock()
		pr.p = p
		pr.mu.Unlock()
	}
	return pr
}

// printf writes one message to stderr. While the bar is drawn, a message written straight to
// the terminal would land under the bar and be erased or overwritten by its next redraw, so it
// goes through mpb, which prints it whole above the bar at the next redraw (and before erasing
// it at the end). Otherwise it is written directly.
func (pr *progress) printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.p != nil && !pr.stopped {
		if _, err := pr.p.Write([]byte(msg)); err == nil {
			pr.written = pr.renders.Load() + 1
			return
		}
	}
	io.WriteString(pr.stderr, msg)
}

// onBatch returns the hook that counts the input consumed by each batch (nil without a bar).
func (pr *progress) onBatch() func(*scan.Batch) {
	if !pr.on {
		return nil
	}
	return func(b *scan.Batch) {
		if pr.bar != nil {
			if b.Last {
				pr.files.Add(1)
			}
			pr.bar.IncrInt64(b.CompressedBytes)
		}
	}
}

// stop completes the bar and waits until it is erased, so that nothing else is written to
// stderr while it is drawn.
func (pr *progress) stop() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.stopped = true
	if pr.p == nil {
		return
	}
	// The decorator runs while a frame is built, before the frame (and the messages queued
	// before it) is flushed, hence one redraw more than the count at the write. The bar redraws
	// every 150 ms; the bound only guards against a bar that stopped drawing.
	for end := time.Now().Add(2 * time.Second); pr.written > 0 && pr.renders.Load() <= pr.written && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	pr.bar.SetTotal(-1, true)
	pr.p.Wait()
}
