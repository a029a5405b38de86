package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// planCmd cuts the input list for a job runner: `auditgrep plan --shards N PATH... > plan.json`.
type planCmd struct {
	Shards int      `required:"" placeholder:"N" help:"Number of shards (workers) to cut the input into."`
	Paths  []string `arg:"" name:"PATH" help:"Files or directories (not stdin): the same paths every shard will be given."`
}

const planFormat = "auditgrep-plan/1"

// shardPlan is plan.json: the input list in scan order with sizes, its digest, and the
// contiguous, byte-balanced ranges of files each shard reads.
type shardPlan struct {
	Format     string      `json:"format"`
	Digest     string      `json:"digest"`
	DigestOf   string      `json:"digest_of"`
	Shards     int         `json:"shards"`
	TotalBytes int64       `json:"total_bytes"`
	Ranges     []planRange `json:"ranges"`
	Files      []planEntry `json:"files"`
}

type planRange struct {
	Shard int   `json:"shard"`
	First int   `json:"first"` // index of the shard's first file
	End   int   `json:"end"`   // one past its last file
	Bytes int64 `json:"bytes"`
}

type planEntry struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

const digestOf = "sha256 of the input list: each file's path, NUL, size in decimal, newline, in scan order (no file content)"

func makePlan(files []scan.File, n int) *shardPlan {
	p := &shardPlan{Format: planFormat, Digest: scan.ListDigest(files), DigestOf: digestOf, Shards: n}
	for _, f := range files {
		p.Files = append(p.Files, planEntry{f.Path, f.Size})
		p.TotalBytes += f.Size
	}
	cuts := scan.Cut(files, n)
	for i := 0; i < n; i++ {
		r := planRange{Shard: i, First: cuts[i], End: cuts[i+1]}
		for _, f := range files[r.First:r.End] {
			r.Bytes += f.Size
		}
		p.Ranges = append(p.Ranges, r)
	}
	return p
}

func checkPaths(paths []string) error {
	for _, p := range paths {
		if p == "-" {
			return fmt.Errorf("a sharded run reads files, not stdin (-)")
		}
	}
	if len(paths) == 0 {
		return fmt.Errorf("a sharded run needs PATHs (it does not read stdin)")
	}
	return nil
}

func (c *planCmd) run(e *env) int {
	if c.Shards < 1 {
		fmt.Fprintln(e.stderr, "auditgrep: --shards must be at least 1")
		return exitError
	}
	if err := checkPaths(c.Paths); err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	files := scan.Expand(c.Paths, false)
	b, err := json.MarshalIndent(makePlan(files, c.Shards), "", "  ")
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	e.stdout.Write(append(b, '\n'))
	return exitMatch
}

func readPlan(path string) (*shardPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p shardPlan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: not a plan: %v", path, err)
	}
	if p.Format != planFormat {
		return nil, fmt.Errorf("%s: plan format %q; this auditgrep reads %q", path, p.Format, planFormat)
	}
	if p.Shards < 1 || len(p.Ranges) != p.Shards {
		return nil, fmt.Errorf("%s: a plan of %d shards with %d ranges", path, p.Shards, len(p.Ranges))
	}
	return &p, nil
}

// shardSpec parses --shard: "i/N", or "env/N" with i from JOB_COMPLETION_INDEX (Kubernetes
// Indexed Jobs) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array jobs).
func shardSpec(s string, getenv func(string) string) (i, n int, err error) {
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("--shard %q: want i/N (0 ≤ i < N) or env/N", s)
	}
	if n, err = strconv.Atoi(ns); err != nil || n < 1 {
		return 0, 0, fmt.Errorf("--shard %q: N must be a positive number", s)
	}
	if is == "env" {
		k8s, batch := getenv("JOB_COMPLETION_INDEX"), getenv("AWS_BATCH_JOB_ARRAY_INDEX")
		switch {
		case k8s != "" && batch != "" && k8s != batch:
			return 0, 0, fmt.Errorf("--shard env/%d: JOB_COMPLETION_INDEX=%s and AWS_BATCH_JOB_ARRAY_INDEX=%s disagree", n, k8s, batch)
		case k8s != "":
			is = k8s
		case batch != "":
			is = batch
		default:
			return 0, 0, fmt.Errorf("--shard env/%d: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set", n)
		}
	}
	if i, err = strconv.Atoi(is); err != nil || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: shard index %q is not in 0..%d", s, is, n-1)
	}
	return i, n, nil
}
