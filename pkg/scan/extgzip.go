package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// extGzip is an external decompressor process (igzip -dc) reading the compressed bytes from our
// own reader, so that byte counts, stdin and the framing work as on the Go path.
type extGzip struct {
	name   string
	cmd    *exec.Cmd
	out    io.ReadCloser
	stderr *capBuffer
	done   bool
}

func startExtGzip(command string, in io.Reader) (*extGzip, error) {
	cmd := exec.Command(command, "-dc")
	cmd.Stdin = in
	e := &extGzip{name: filepath.Base(command), cmd: cmd, stderr: &capBuffer{max: 4096}}
	cmd.Stderr = e.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	e.out = out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", command, err)
	}
	return e, nil
}

// Read returns the decompressed bytes; at their end, a failed exit becomes ErrTruncated with what
// the decompressor said, after the complete bytes it produced have been read.
func (e *extGzip) Read(p []byte) (int, error) {
	if e.done {
		return 0, io.EOF
	}
	n, err := e.out.Read(p)
	if err == io.EOF {
		e.done = true
		if werr := e.cmd.Wait(); werr != nil {
			msg := strings.TrimSpace(e.stderr.String())
			if msg == "" {
				msg = werr.Error()
			}
			return n, fmt.Errorf("%w: %s: %s", ErrTruncated, e.name, msg)
		}
	}
	return n, err
}

// stop ends the process if the file was not read to the end (the scan stopped, or the framer
// gave up), and reaps it.
func (e *extGzip) stop() {
	if e.done {
		return
	}
	e.done = true
	e.cmd.Process.Kill()
	e.out.Close()
	if err := e.cmd.Wait(); err != nil {
		var ee *exec.ExitError
		_ = errors.As(err, &ee) // killed on purpose: nothing to report
	}
}

// capBuffer keeps the first max bytes written to it: enough of a decompressor's complaint.
type capBuffer struct {
	mu  sync.Mutex
	b   bytes.Buffer
	max int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}
