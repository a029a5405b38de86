package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// discoverCmd lists the discovered fields, like the console's "Discovered fields" panel.
type discoverCmd struct {
	Format       string `enum:"auto,json,table,csv" default:"auto" help:"Output format: auto (table on a terminal, json otherwise), json (JSON lines), table, csv."`
	Jobs         int    `short:"j" placeholder:"N" help:"Files read at once (default: all cores)."`
	MaxLineBytes int    `default:"67108864" placeholder:"N" help:"Longest line accepted; a longer one is reported and skipped."`
	LogGroup     string `placeholder:"NAME" help:"Log group for @log where the input does not carry it."`
	Account      string `placeholder:"ID" help:"Account id for @log where the input does not carry it."`
	Progress     string `enum:"auto,always,never" default:"auto" help:"Progress bar on stderr: auto (only when stderr is a terminal), always, never."`
	rangeFlags   `embed:""`

	Paths []string `arg:"" optional:"" name:"PATH" help:"Files, directories, or - for stdin (default: stdin)."`
}

func (c *discoverCmd) run(e *env) int {
	tr, err := c.rangeFlags.parse(time.Now())
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	var inputErrs atomic.Int64
	d := match.NewDiscoverer(jobs, match.Options{LogGroup: c.LogGroup, Account: c.Account})
	d.OnInputError = func(err error) {
		inputErrs.Add(1)
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
	}
	sopts := scan.Options{Workers: jobs, MaxLineBytes: c.MaxLineBytes, Stdin: e.stdin}
	tr.apply(&sopts)
	bar := newProgress(e, c.Progress, &sopts)
	scanErr := scan.Scan(e.ctx, paths, sopts, bar.wrap(d.Batch))
	bar.stop()
	if e.ctx.Err() != nil {
		return exitInterrupt
	}

	format := c.Format
	if format == "auto" {
		format = "json"
		if isTerminal(e.stdout) {
			format = "table"
		}
	}
	var w match.Writer
	switch format {
	case "table":
		w = export.NewTable(e.stdout)
	case "csv":
		w = export.NewCSV(e.stdout)
	default:
		w = export.NewJSON(e.stdout)
	}
	fields := d.Fields()
	total := d.Stats().Records
	werr := w.Begin([]string{"field", "type", "count", "percent", "example"})
	for _, f := range fields {
		if werr != nil {
			break
		}
		pct := 0.0
		if total > 0 {
			pct = float64(f.Count) * 100 / float64(total)
		}
		werr = w.Row([]match.Value{
			match.Str(f.Name), match.Str(strings.Join(f.Types, "|")), match.Num(float64(f.Count)),
			match.NumLexeme(pct, fmt.Sprintf("%.1f", pct)), match.Str(f.Example),
		}, nil)
	}
	if werr == nil {
		werr = w.End()
	}
	if werr != nil {
		if errors.Is(werr, syscall.EPIPE) {
			return exitMatch
		}
		fmt.Fprintf(e.stderr, "auditgrep: writing results: %v\n", werr)
		return exitError
	}
	if scanErr != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", scanErr)
		return exitError
	}
	if inputErrs.Load() > 0 {
		fmt.Fprintf(e.stderr, "auditgrep: %d input problem(s) reported above; the fields cover the rest of the input\n", inputErrs.Load())
		return exitError
	}
	if len(fields) == 0 {
		return exitNoMatch
	}
	return exitMatch
}
