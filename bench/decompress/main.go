// Command decompress is the decompress-only baseline of bench/run.sh: it reads every .gz file
// under the given directories with N goroutines (one file at a time each, as auditgrep -j N
// does), decompresses it with github.com/klauspost/compress/gzip (the library the project's
// design names), discards the output and prints the uncompressed byte count. No line
// splitting, no parsing: the floor that any query over the same files can reach with the same
// worker count. -impl auditgrep decompresses with auditgrep's own decoder (internal/inflate)
// instead, to compare the two.
//
//	go run ./bench/decompress [-j N] [-impl klauspost|auditgrep] DIR...
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditgrep/auditgrep/internal/inflate"
	"github.com/klauspost/compress/gzip"
)

func main() {
	jobs := flag.Int("j", runtime.GOMAXPROCS(0), "files decompressed at once")
	impl := flag.String("impl", "klauspost", "gzip decoder: klauspost or auditgrep")
	flag.Parse()
	switch *impl {
	case "klauspost":
		newReader = func() gzipReader { return new(gzip.Reader) }
	case "auditgrep":
		newReader = func() gzipReader { return new(inflate.Reader) }
	default:
		fmt.Fprintln(os.Stderr, "decompress: -impl is klauspost or auditgrep")
		os.Exit(2)
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: decompress [-j N] DIR...")
		os.Exit(2)
	}
	var files []string
	for _, root := range flag.Args() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gz") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "decompress:", err)
			os.Exit(1)
		}
	}
	t := time.Now()
	total, err := decompressAll(files, max(1, *jobs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "decompress:", err)
		os.Exit(1)
	}
	el := time.Since(t).Seconds()
	fmt.Printf("%d bytes from %d files in %.3fs (%.1f MB/s)\n", total, len(files), el, float64(total)/el/1e6)
}

func decompressAll(files []string, workers int) (int64, error) {
	var total atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zr := newReader()
			buf := make([]byte, 1<<20)
			for p := range ch {
				n, err := decompress(zr, p, buf)
				total.Add(n)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: %w", p, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range files {
		ch <- p
	}
	close(ch)
	wg.Wait()
	return total.Load(), firstErr
}

// gzipReader is what both decoders offer; both read every member of a multi-member file.
type gzipReader interface {
	Reset(io.Reader) error
	Read([]byte) (int, error)
}

var newReader func() gzipReader

// decompress reads the whole (possibly multi-member) gzip file p into buf and throws it away.
func decompress(zr gzipReader, p string, buf []byte) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	if err := zr.Reset(br); err != nil {
		return 0, err
	}
	var n int64
	for {
		m, err := zr.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
