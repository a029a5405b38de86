// Command gen writes deterministic, realistic CloudWatch Logs export trees of EKS control-plane
// logs, for benchmarks (-size) and for golden tests (-testdata).
//
//	go run ./bench/gen -out DIR [-size 1GiB] [-seed N] [-level 1]
//	go run ./bench/gen -testdata -out testdata/export    # also writes testdata/export.md
//
// Layout: DIR/aws-logs-write-test and DIR/<exportTaskId>/<logStream>/000000.gz, 000001.gz, …
// (each object at most 64 MiB uncompressed). Lines are "2021-08-11T10:09:43.095Z <message>";
// a multi-line message continues on lines without that prefix. The same flags give the same
// bytes: math/rand/v2 PCG seeded per object, gzip headers with no name and mtime 0.
// The generator itself is package gendata, which the Go benchmarks of ./bench import.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/auditgrep/auditgrep/bench/gen/gendata"
)

func main() {
	out := flag.String("out", "", "output directory (required)")
	size := flag.String("size", "1GiB", "total uncompressed size, e.g. 2MiB, 1GiB, 500MB")
	seed := flag.Uint64("seed", 1, "random seed")
	level := flag.Int("level", 1, "gzip level (1 fastest … 9 smallest)")
	td := flag.Bool("testdata", false, "write the small hand-designed golden-test tree instead")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gen: -out is required")
		os.Exit(2)
	}
	if *td {
		if err := gendata.WriteTestdata(*out); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	n, err := gendata.ParseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	t := time.Now()
	sum, err := gendata.Generate(*out, n, *seed, *level, runtime.GOMAXPROCS(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	el := time.Since(t).Seconds()
	fmt.Printf("wrote %s: %d bytes (%d gzip), %d events, %.1fs, %.0f MB/s uncompressed\n",
		*out, sum.Bytes, sum.GzBytes, sum.Events, el, float64(sum.Bytes)/el/1e6)
	for k, c := range sum.Needles {
		fmt.Printf("  needle %-32s %d\n", gendata.NeedleNames[k], c)
	}
}
