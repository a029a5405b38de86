package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// shardFlags are the query command's flags for one shard of a sharded run.
type shardFlags struct {
	Shard      string `placeholder:"i/N" help:"Run shard i of N (0-based) of a sharded run and write its partial result (--partial-out); env/N takes i from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job)."`
	Plan       string `placeholder:"FILE" help:"With --shard: the plan written by 'auditgrep plan'; the shard checks that its inputs still match it (default: cut the inputs the same way, without the check)."`
	PartialOut string `placeholder:"FILE" help:"With --shard: write the shard's partial result to FILE, for 'auditgrep merge'."`
}

// partialVersion is the auditgrep version recorded in partial results: the merge refuses
// partials written by another version.
func partialVersion() string {
	return regexp.MustCompile(` \(.*\)$`).ReplaceAllString(versionString(), "")
}

// shardRange resolves --shard and --plan against the input list: the shard, the shard count,
// its files [lo, hi) and the list's digest.
func (s *shardFlags) shardRange(paths []string) (i, n, lo, hi int, digest string, err error) {
	if i, n, err = shardSpec(s.Shard, os.Getenv); err != nil {
		return
	}
	if err = checkPaths(paths); err != nil {
		return
	}
	files := scan.Expand(paths, false)
	digest = scan.ListDigest(files)
	if s.Plan == "" {
		cuts := scan.Cut(files, n)
		return i, n, cuts[i], cuts[i+1], digest, nil
	}
	p, err := readPlan(s.Plan)
	if err != nil {
		return
	}
	if p.Shards != n {
		err = fmt.Errorf("--shard %s, but %s is a plan of %d shards", s.Shard, s.Plan, p.Shards)
		return
	}
	if p.Digest != digest {
		err = fmt.Errorf("the inputs do not match %s: %d files listed with digest %s, the plan has %d files with %s (paths and sizes must be the same as when the plan was made)",
			s.Plan, len(files), digest, len(p.Files), p.Digest)
		return
	}
	r := p.Ranges[i]
	if r.Shard != i || r.First < 0 || r.First > r.End || r.End > len(files) {
		err = fmt.Errorf("%s: bad range for shard %d", s.Plan, i)
		return
	}
	return i, n, r.First, r.End, digest, nil
}

// explainShards adds to --explain where the query is cut between shards and merge, and, when
// the inputs are known, where the input list is cut.
func (q *queryCmd) explainShards(w io.Writer, prog *match.Query, paths []string) {
	fmt.Fprint(w, prog.ShardCut())
	var p *shardPlan
	switch {
	case q.Plan != "":
		var err error
		if p, err = readPlan(q.Plan); err != nil {
			fmt.Fprintf(w, "plan: %v\n", err)
			return
		}
	case q.Shard != "" && checkPaths(paths) == nil:
		_, n, err := shardSpec(q.Shard, func(string) string { return "0" })
		if err != nil {
			fmt.Fprintf(w, "plan: %v\n", err)
			return
		}
		p = makePlan(scan.Expand(paths, false), n)
	default:
		return
	}
	fmt.Fprintf(w, "plan: %d files, %d bytes, %d shards (%s)\n", len(p.Files), p.TotalBytes, p.Shards, p.Digest)
	for _, r := range p.Ranges {
		if r.First == r.End {
			fmt.Fprintf(w, "  shard %d: no files\n", r.Shard)
			continue
		}
		fmt.Fprintf(w, "  shard %d: files %d..%d (%d files, %d bytes): %s .. %s\n", r.Shard, r.First, r.End-1,
			r.End-r.First, r.Bytes, p.Files[r.First].Path, p.Files[r.End-1].Path)
	}
}

// runShard runs one shard of a sharded run: the per-event half of the query over the shard's
// range of the input list, written as a partial result to --partial-out. It exits 0 once the
// partial is written; 2 when it could not write it, and 2 after writing it when the input had
// errors, as a single run does (the partial counts them, and the merge reports them and exits 2).
func (q *queryCmd) runShard(e *env, prog *match.Query, text string, paths []string, tr timeRange) int {
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	if q.PartialOut == "" {
		return fail(errors.New("--shard needs --partial-out FILE"))
	}
	if q.Output != "" {
		return fail(errors.New("--shard writes a partial result (--partial-out); -o goes to 'auditgrep merge'"))
	}
	i, n, lo, hi, digest, err := q.shardRange(paths)
	if err != nil {
		return fail(err)
	}
	file, err := createOutput(q.PartialOut)
	if err != nil {
		return fail(err)
	}
	defer file.abort()
	bw := bufio.NewWriterSize(file.f, 1<<20)
	h := match.PartialHeader{Version: partialVersion(), Query: text,
		PlanDigest: digest, Shard: i, Shards: n, FileLo: lo, FileHi: hi}
	var probs problems
	ro := match.RunOptions{
		Workers: q.Jobs,
		Strict:  q.Strict,
		KeepRaw: q.Format == "raw",
		OnInputError: func(err error) {
			probs.add(err)
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		},
		Scan: scan.Options{MaxLineBytes: q.MaxLineBytes},
	}
	if ro.Scan.GzipCommand, err = gzipCommand(q.Decompressor, q.Jobs); err != nil {
		return fail(err)
	}
	start := time.Now()
	st, runErr := prog.RunPartial(e.ctx, match.Input{Paths: paths, Reader: e.stdin}, bw, h, ro)
	var inputErr *scan.InputError
	stopped := q.Strict && errors.As(runErr, &inputErr)
	// A failed write of the partial is sticky in bw, so Flush tells it from a failed scan.
	if werr := bw.Flush(); werr != nil {
		return fail(fmt.Errorf("writing %s: %w", q.PartialOut, werr))
	}
	if runErr != nil && !stopped && !errors.Is(runErr, context.Canceled) {
		return fail(runErr)
	}
	if e.ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "auditgrep: interrupted: no partial result written")
		return exitInterrupt
	}
	if stopped {
		return fail(errors.New("stopped at the first input error (--strict): no partial result written"))
	}
	if err := file.commit(); err != nil {
		return fail(err)
	}
	if q.Stats {
		printStats(e.stderr, st, time.Since(start))
		fmt.Fprintf(e.stderr, "auditgrep: shard %d/%d: files %d..%d of %d-shard plan %s\n", i, n, lo, hi, n, strings.TrimPrefix(digest, "sha256:")[:12])
	}
	if probs.n > 0 {
		// Exit 2 like a single run, so that the job runner sees the failure; the partial is
		// written all the same and counts the errors, so the merge reports them and exits 2.
		probs.summary(e.stderr, st)
		return exitError
	}
	return exitMatch
}
