package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// mergeCmd is the final half of a sharded run: `auditgrep merge [--format ...] [-o FILE] PARTIAL...`.
type mergeCmd struct {
	Format     string `enum:"auto,json,table,csv,parquet,raw,chart" default:"auto" help:"Output format, as for a query (raw needs shards run with --format raw)."`
	Output     string `short:"o" placeholder:"FILE" help:"Write results to FILE (format from the extension) instead of stdout."`
	Stats      bool   `help:"Print the run's counters (summed over the shards) on stderr at the end."`
	chartFlags `embed:""`
	Partials   []string `arg:"" name:"PARTIAL" help:"The partial results of every shard (--partial-out files), in any order."`
}

func (c *mergeCmd) run(e *env) int {
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	start := time.Now()
	var srcs []match.PartialSource
	for _, name := range c.Partials {
		f, err := os.Open(name)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fail(err)
		}
		srcs = append(srcs, match.PartialSource{Name: name, R: f, Size: fi.Size()})
	}
	ps, err := match.OpenPartials(srcs)
	if err != nil {
		return fail(err)
	}
	if v := partialVersion(); ps.Header.Version != v {
		return fail(fmt.Errorf("%s: written by %s; this is %s", ps.Shards[0].Name, ps.Header.Version, v))
	}
	text := ps.Header.Query
	prog, err := match.Compile(text, ps.Header.Options())
	if err != nil {
		printQueryError(e.stderr, text, err)
		return exitError
	}

	o, err := openOutput(e.stdout, c.Format, c.Output, prog, text, c.chartFlags)
	if err != nil {
		return fail(err)
	}
	format, w, file := o.format, o.w, o.file
	if file != nil {
		defer file.abort()
	}
	st, err := ps.Merge(prog, w, format == "raw")
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return exitMatch
		}
		return fail(chartRefusal(err))
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return fail(err)
		}
	}
	if c.Stats {
		printStats(e.stderr, st, time.Since(start))
	}
	if st.InputErrors > 0 {
		// Each partial counts its shard's input errors: name the shards, whose logs say more.
		var which []string
		for i, sst := range ps.ShardStats {
			if sst.InputErrors > 0 {
				which = append(which, fmt.Sprintf("shard %d/%d (%s): %d", i, len(ps.Shards), ps.Shards[i].Name, sst.InputErrors))
			}
		}
		fmt.Fprintf(e.stderr, "auditgrep: the shards reported %d input errors (%s; see their logs); the output covers the rest of the input\n",
			st.InputErrors, strings.Join(which, ", "))
		return exitError
	}
	if st.RowsOut == 0 {
		return exitNoMatch
	}
	return exitMatch
}
