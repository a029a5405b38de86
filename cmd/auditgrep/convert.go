package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/auditgrep/auditgrep/pkg/convert"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// convertCmd writes the inputs as a partitioned Parquet dataset:
// `auditgrep convert [--partition-by ...] -o DIR PATH...`.
type convertCmd struct {
	Output       string   `short:"o" required:"" placeholder:"DIR" help:"The dataset's root folder (created if missing)."`
	PartitionBy  string   `default:"date,hour,logstream_kind" placeholder:"KEYS" help:"Partition folders, outermost first: date, hour, logstream_kind (stream=KIND), comma-separated; none for no partitions."`
	Jobs         int      `short:"j" placeholder:"N" help:"Files converted at once (default: all cores)."`
	MaxLineBytes int      `default:"67108864" placeholder:"N" help:"Longest line accepted; a longer one is reported and skipped."`
	LogGroup     string   `placeholder:"NAME" help:"Log group for @log where the input does not carry it."`
	Account      string   `placeholder:"ID" help:"Account id for @log where the input does not carry it."`
	Decompressor string   `enum:"go,igzip,auto" default:"go" help:"gzip decompressor: go, igzip, auto (as for queries)."`
	Stats        bool     `help:"Print events, files and bytes converted and the wall time on stderr at the end."`
	Shard        string   `placeholder:"i/N" help:"Convert shard i of N (0-based) of the inputs, cut as 'auditgrep plan' cuts them; env/N takes i from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX. Every shard writes into the same DIR."`
	Plan         string   `placeholder:"FILE" help:"With --shard: the plan written by 'auditgrep plan'; the shard checks that its inputs still match it."`
	Paths        []string `arg:"" optional:"" name:"PATH" predictor:"file" help:"Files, directories, or - for stdin (default: stdin)."`
}

// convertMemoryLimit is the Go heap size convert asks the collector to stay under (see run).
const convertMemoryLimit = 200 << 20

func (c *convertCmd) run(e *env) int {
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	keys, err := convert.ParsePartitionBy(c.PartitionBy)
	if err != nil {
		return fail(err)
	}
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	jobs := c.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	var probs problems
	o := convert.Options{
		Dir: c.Output, PartitionBy: keys, Workers: jobs, MaxLineBytes: c.MaxLineBytes,
		Stdin: e.stdin, LogGroup: c.LogGroup, Account: c.Account,
		Meta: map[string]string{"auditgrep.version": versionString(), "auditgrep.dataset": "auditgrep-dataset/1"},
		OnInputError: func(err error) {
			probs.add(err)
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		},
	}
	if o.GzipCommand, err = gzipCommand(c.Decompressor, jobs); err != nil {
		return fail(err)
	}
	shard := ""
	if c.Shard != "" {
		sf := shardFlags{Shard: c.Shard, Plan: c.Plan}
		i, n, lo, hi, _, err := sf.shardRange(paths)
		if err != nil {
			return fail(err)
		}
		o.FileLo, o.FileHi, o.HasFileRange = lo, hi, true
		shard = fmt.Sprintf(" (shard %d/%d: files %d..%d)", i, n, lo, hi)
	} else if c.Plan != "" {
		return fail(fmt.Errorf("--plan goes with --shard i/N"))
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// Garbage waiting for collection is most of the peak: collect sooner than GOGC alone
		// would once the heap nears convertMemoryLimit (a soft limit: the live data of many
		// workers may exceed it, and then the collector runs more often, nothing fails).
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(convertMemoryLimit))
	}
	start := time.Now()
	st, err := convert.Convert(e.ctx, paths, o)
	if e.ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "auditgrep: interrupted: nothing written")
		return exitInterrupt
	}
	if err != nil {
		return fail(fmt.Errorf("convert: %w; nothing written", err))
	}
	if c.Stats {
		secs := max(time.Since(start).Seconds(), 1e-9)
		fmt.Fprintf(e.stderr, "auditgrep: %d events from %d files%s into %d Parquet files in %d partitions (%d files of an earlier run removed); %d bytes read (%d compressed); %.3fs, %.1f MB/s\n",
			st.Events, st.Files, shard, st.PartFiles, st.Partitions, st.Removed, st.BytesRaw, st.BytesCompressed, secs, float64(st.BytesRaw)/secs/1e6)
	}
	if probs.n > 0 {
		probs.summary(e.stderr, match.RunStats{FilesRead: st.Files - st.FilesFailed, FilesFailed: st.FilesFailed})
		return exitError
	}
	return exitMatch
}
