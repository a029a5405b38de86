package main

import (
	"errors"
	"fmt"
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
	var inputErrs atomic.Int64
	var bar *progress
	ro := match.RunOptions{
		Workers: c.Jobs,
		OnInputError: func(err error) {
			inputErrs.Add(1)
			bar.printf("auditgrep: %v\n", err)
		},
		Scan: scan.Options{MaxLineBytes: c.MaxLineBytes},
	}
	mopts := match.Options{LogGroup: c.LogGroup, Account: c.Account}
	tr.setOptions(&mopts)
	bar = newProgress(e, c.Progress, &ro.Scan)
	ro.OnBatch = bar.onBatch()
	st, err := match.Discover(e.ctx, match.Input{Paths: paths, Reader: e.stdin}, w, mopts, ro)
	bar.stop()
	if e.ctx.Err() != nil {
		return exitInterrupt
	}
	if err != nil {
		if errors.Is(err, syscall.EPIPE) {
			return exitMatch
		}
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	if inputErrs.Load() > 0 {
		fmt.Fprintf(e.stderr, "auditgrep: %d input problem(s) reported above; the fields cover the rest of the input\n", inputErrs.Load())
		return exitError
	}
	if st.RowsOut == 0 {
		return exitNoMatch
	}
	return exitMatch
}
