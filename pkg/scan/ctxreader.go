package scan

import (
	"context"
	"io"
)

// ctxReader reads r until ctx is done, then fails at once even if a Read of r is blocked (stdin
// from a terminal or a pipe that stays open), so that cancelling a scan (Ctrl-C) never waits for
// input that may never come. Reads of r run in a goroutine into a buffer of its own: one abandoned
// by cancellation finishes (or stays blocked) without touching the caller's memory.
type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	buf  []byte
	done chan readResult
	// busy is set while a Read of r is in flight whose result has not been taken.
	busy bool
	err  error
}

type readResult struct {
	n   int
	err error
}

func newCtxReader(ctx context.Context, r io.Reader) *ctxReader {
	return &ctxReader{ctx: ctx, r: r, done: make(chan readResult, 1)}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !c.busy {
		if cap(c.buf) < len(p) {
			c.buf = make([]byte, len(p))
		}
		buf := c.buf[:len(p)]
		c.busy = true
		go func() {
			n, err := c.r.Read(buf)
			c.done <- readResult{n, err}
		}()
	}
	select {
	case res := <-c.done:
		c.busy = false
		n := copy(p, c.buf[:res.n])
		if res.err != nil {
			c.err = res.err
		}
		return n, res.err
	case <-c.ctx.Done():
		// The pending Read keeps c.buf: it is never reused, as every later Read fails here.
		c.err = context.Cause(c.ctx)
		return 0, c.err
	}
}
