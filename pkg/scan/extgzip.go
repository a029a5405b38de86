package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
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
	// feed is closed when the goroutine copying the compressed bytes to the process ends.
	feed chan struct{}
}

func startExtGzip(command string, in io.Reader) (*extGzip, error) {
	cmd := exec.Command(command, "-dc")
	e := &extGzip{name: filepath.Base(command), cmd: cmd, stderr: &capBuffer{max: 4096}}
	cmd.Stderr = e.stderr
	// Our own pipes, enlarged: with the default 64 KiB the decompressor and the reader wake each
	// other for every 64 KiB of output, and the switches cost more than ISA-L saves.
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		pr.Close()
		pw.Close()
		return nil, err
	}
	growPipe(pr)
	growPipe(inW)
	cmd.Stdout, cmd.Stdin = pw, inR
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("starting %s: %w", command, err)
	}
	pw.Close()
	inR.Close()
	e.out = pr
	e.feed = make(chan struct{})
	go func() {
		defer close(e.feed)
		io.Copy(inW, in)
		inW.Close()
	}()
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
		e.out.Close()
		<-e.feed
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
	<-e.feed // the copy ends when the killed process's stdin breaks
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
