package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// shardQueries are the seed queries (the `-- query --` sections of testdata/golden/seed*.txtar)
// and a broad set of language queries: every aggregate (float sums included), two stats,
// post-stats commands, sort + limit (top-K), sort, dedup, limit without sort, parse, unnest.
func shardQueries(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(testdataDir(t), "golden", "seed*.txtar"))
	if err != nil || len(files) != 13 {
		t.Fatalf("want the 13 seed queries, found %d (%v)", len(files), err)
	}
	var qs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := parseTxtar(string(b))
		q, ok := c.sections["query"]
		if !ok {
			t.Fatalf("%s: no query section", f)
		}
		qs = append(qs, strings.TrimRight(q, "\n"))
	}
	return append(qs,
		`stats count(*) by verb`,
		`stats count(*)`,
		`stats count(*) as n, count(objectRef.name) as named, count_distinct(user.username) as u, sum(responseStatus.code) as s, avg(responseStatus.code) as a, min(responseStatus.code) as mn, max(responseStatus.code) as mx, stddev(responseStatus.code) as sd, pct(responseStatus.code, 90) as p90 by verb`,
		`fields responseStatus.code / 7 as f, responseStatus.code * 0.1 + 1e-9 as g | stats sum(f) as s, avg(f) as a, stddev(f) as sd, pct(f, 50) as p, sum(g) as sg, avg(g) as ag by objectRef.resource`,
		`stats earliest(requestURI) as e, latest(requestURI) as l, sortsFirst(user.username) as sf, sortsLast(user.username) as sl, min(user.username) as mu, max(requestURI) as mr by verb`,
		`stats min(@timestamp) as first, max(@timestamp) as last, count(*) as n by @logStream`,
		`stats count(*) as n by bin(5m) as t | sort t desc`,
		`stats count(*) as n by verb, user.username | stats sum(n) as total, count(*) as users, max(n) as top by verb | sort total desc`,
		`stats count(*) as n by verb | filter n > 10 | sort n desc | limit 3`,
		`stats count(*) as n by requestURI | dedup n | limit 20`,
		`stats count(*) as n by verb | sort verb desc | limit 2`,
		`fields @timestamp, verb | sort @timestamp desc | limit 7`,
		`fields @timestamp, requestURI | sort requestURI | limit 25`,
		`fields verb, user.username | sort verb`,
		`fields verb | dedup verb`,
		`fields verb, user.username | sort @timestamp desc | dedup user.username`,
		`fields @timestamp, @message | limit 5`,
		`fields @timestamp, @logStream, verb`,
		`filter verb = "delete" | fields requestURI`,
		`parse @message /(?<word>[a-z]+)=/ | stats count(*) as n by word | sort n desc, word`,
		`filter ispresent(user.groups.0) | unnest user.groups into g | stats count(*) as n by g`,
		`filter @message like /aws-auth/ | fields @timestamp, verb, objectRef.name | sort @timestamp asc | limit 3`,
		`display verb, responseStatus.code | filter responseStatus.code >= 400`,
		`fields @message | filter @message like /never-there-xyz/`,
		`fields @timestamp, verb | sort verb | limit any 4`,
	)
}

type cliRun struct {
	out, err string
	code     int
}

func runArgs(args ...string) cliRun {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return cliRun{out.String(), errb.String(), code}
}

// shardedRun runs q as n shards (with a plan when withPlan) and merges them.
func shardedRun(t *testing.T, dir, q string, n int, flags []string, withPlan bool, mergeFlags ...string) cliRun {
	t.Helper()
	td := filepath.Join(testdataDir(t), "export")
	var planArgs []string
	if withPlan {
		pr := runArgs("plan", "--shards", fmt.Sprint(n), td)
		if pr.code != 0 {
			t.Fatalf("plan: %d %s", pr.code, pr.err)
		}
		plan := filepath.Join(dir, "plan.json")
		if err := os.WriteFile(plan, []byte(pr.out), 0o644); err != nil {
			t.Fatal(err)
		}
		planArgs = []string{"--plan", plan}
	}
	var parts []string
	// Shards in reverse, merged in a scrambled order: neither order may matter.
	for i := n - 1; i >= 0; i-- {
		part := filepath.Join(dir, fmt.Sprintf("part-%d-of-%d", i, n))
		args := append(append(append([]string{}, flags...), "-j", "2", q, "--shard", fmt.Sprintf("%d/%d", i, n), "--partial-out", part), planArgs...)
		r := runArgs(append(args, td)...)
		if r.code != 0 {
			t.Fatalf("shard %d/%d: exit %d: %s", i, n, r.code, r.err)
		}
		parts = append(parts, part)
	}
	for i := 0; i+1 < len(parts); i += 2 {
		parts[i], parts[i+1] = parts[i+1], parts[i]
	}
	return runArgs(append(append([]string{"merge"}, mergeFlags...), parts...)...)
}

func TestShardedEqualsSingle(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	nfiles := len(scan.Expand([]string{td}, false))
	ns := []int{1, 2, 3, 7, nfiles + 2}
	for qi, q := range shardQueries(t) {
		t.Run(fmt.Sprintf("q%02d", qi), func(t *testing.T) {
			single := runArgs("--format", "json", "-j", "2", q, td)
			if single.code == 2 {
				t.Fatalf("single run of %q: %s", q, single.err)
			}
			dir := t.TempDir()
			for _, n := range ns {
				got := shardedRun(t, dir, q, n, []string{"--format", "json"}, n == 3, "--format", "json")
				if got.code != single.code || got.out != single.out {
					t.Fatalf("%q with %d shards: exit %d (single %d), stderr %s\ngot:\n%s\nwant:\n%s", q, n, got.code, single.code, got.err, got.out, single.out)
				}
			}
		})
	}
}

// The other writers get the merged rows the same way; raw needs the shards to keep messages.
func TestShardedFormats(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	dir := t.TempDir()
	for _, c := range []struct{ q, format string }{
		{`filter verb = "delete" | fields @timestamp, requestURI`, "raw"},
		{`filter verb = "get" | sort @timestamp desc | limit 4`, "raw"},
		{`stats count(*) as n, avg(responseStatus.code) as a by verb`, "csv"},
		{`stats count(*) as n, avg(responseStatus.code) as a by verb`, "table"},
	} {
		single := runArgs("--format", c.format, c.q, td)
		got := shardedRun(t, dir, c.q, 3, []string{"--format", c.format}, false, "--format", c.format)
		if got.code != single.code || got.out != single.out {
			t.Errorf("%q as %s: exit %d (single %d) %s\ngot:\n%s\nwant:\n%s", c.q, c.format, got.code, single.code, got.err, got.out, single.out)
		}
	}
	// Merging as raw partials written without --format raw is refused.
	got := shardedRun(t, dir, `fields @message`, 2, []string{"--format", "json"}, false, "--format", "raw")
	if got.code != 2 || !strings.Contains(got.err, "--format raw") {
		t.Errorf("raw merge of non-raw partials: exit %d: %s", got.code, got.err)
	}
}

func TestMergeRefusesBadPartials(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	dir := t.TempDir()
	shard := func(q string, i, n int, name string, extra ...string) string {
		p := filepath.Join(dir, name)
		r := runArgs(append([]string{q, "--shard", fmt.Sprintf("%d/%d", i, n), "--partial-out", p}, append(extra, td)...)...)
		if r.code != 0 {
			t.Fatalf("shard: %d %s", r.code, r.err)
		}
		return p
	}
	q := `stats count(*) by verb`
	a0, a1 := shard(q, 0, 2, "a0"), shard(q, 1, 2, "a1")
	b1 := shard(`stats count(*) by user.username`, 1, 2, "b1")
	c1 := shard(q, 1, 3, "c1")
	g1 := shard(q, 1, 2, "g1", "--log-group", "other")
	data, _ := os.ReadFile(a1)
	trunc := filepath.Join(dir, "trunc")
	os.WriteFile(trunc, data[:len(data)-10], 0o644)
	corrupt := filepath.Join(dir, "corrupt")
	bad := bytes.Clone(data)
	bad[len(bad)/2] ^= 0x40
	os.WriteFile(corrupt, bad, 0o644)
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("{\"not\": \"a partial\"}\n"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	for _, c := range []struct {
		parts []string
		want  string
	}{
		{[]string{a0, trunc}, trunc + ": corrupt partial result"},
		{[]string{a0, corrupt}, corrupt + ": corrupt partial result"},
		{[]string{junk, a1}, junk + ": not an auditgrep partial result"},
		{[]string{a0, empty}, empty + ": corrupt partial result: truncated"},
		{[]string{a0, b1}, b1 + ": is of another query"},
		{[]string{a0, c1}, c1 + ": is shard 1/3"},
		{[]string{a0, g1}, g1 + ": was run with other settings"},
		{[]string{a0}, "missing shard 1/2"},
		{[]string{a0, a1, a1}, a1 + ": is shard 1/2, and so is " + a1},
		{[]string{filepath.Join(dir, "nope")}, "nope"},
	} {
		r := runArgs(append([]string{"merge"}, c.parts...)...)
		if r.code != 2 || !strings.Contains(r.err, c.want) {
			t.Errorf("merge %v: exit %d, stderr %q; want 2 and %q", c.parts, r.code, r.err, c.want)
		}
	}
	if r := runArgs("merge", a1, a0); r.code != 0 {
		t.Fatalf("good merge: %d %s", r.code, r.err)
	}
}

func TestShardAgainstPlan(t *testing.T) {
	td := filepath.Join(testdataDir(t), "export")
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.json")
	pr := runArgs("plan", "--shards", "2", td)
	os.WriteFile(plan, []byte(pr.out), 0o644)
	// Another input list than the plan's.
	sub := filepath.Join(td, "raw")
	r := runArgs("stats count(*)", "--shard", "0/2", "--plan", plan, "--partial-out", filepath.Join(dir, "p"), sub)
	if r.code != 2 || !strings.Contains(r.err, "do not match") {
		t.Errorf("shard over other inputs: %d %s", r.code, r.err)
	}
	r = runArgs("stats count(*)", "--shard", "0/3", "--plan", plan, "--partial-out", filepath.Join(dir, "p"), td)
	if r.code != 2 || !strings.Contains(r.err, "plan of 2 shards") {
		t.Errorf("shard count other than the plan's: %d %s", r.code, r.err)
	}
	r = runArgs("stats count(*)", "--shard", "0/2", td)
	if r.code != 2 || !strings.Contains(r.err, "--partial-out") {
		t.Errorf("no --partial-out: %d %s", r.code, r.err)
	}
	r = runArgs("stats count(*)", "--shard", "0/2", "--partial-out", filepath.Join(dir, "p"), "-")
	if r.code != 2 || !strings.Contains(r.err, "stdin") {
		t.Errorf("stdin shard: %d %s", r.code, r.err)
	}
	r = runArgs("--explain", "stats count(*)", "--plan", plan, "--shard", "0/2", td)
	if r.code != 0 || !strings.Contains(r.out, "shard 1: files") || !strings.Contains(r.out, "merge folds the groups") {
		t.Errorf("explain: %d %s", r.code, r.out)
	}
}

func TestShardSpecEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		spec string
		vars map[string]string
		i, n int
		bad  string
	}{
		{"2/5", nil, 2, 5, ""},
		{"env/4", map[string]string{"JOB_COMPLETION_INDEX": "3"}, 3, 4, ""},
		{"env/4", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "1"}, 1, 4, ""},
		{"env/4", map[string]string{"JOB_COMPLETION_INDEX": "2", "AWS_BATCH_JOB_ARRAY_INDEX": "2"}, 2, 4, ""},
		{"env/4", map[string]string{"JOB_COMPLETION_INDEX": "2", "AWS_BATCH_JOB_ARRAY_INDEX": "1"}, 0, 0, "disagree"},
		{"env/4", nil, 0, 0, "neither"},
		{"env/4", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "4"}, 0, 0, "not in 0..3"},
		{"5/5", nil, 0, 0, "not in 0..4"},
		{"1/0", nil, 0, 0, "positive"},
		{"3", nil, 0, 0, "want i/N"},
	} {
		i, n, err := shardSpec(c.spec, env(c.vars))
		if c.bad != "" {
			if err == nil || !strings.Contains(err.Error(), c.bad) {
				t.Errorf("%s %v: err %v, want %q", c.spec, c.vars, err, c.bad)
			}
			continue
		}
		if err != nil || i != c.i || n != c.n {
			t.Errorf("%s %v: %d/%d %v", c.spec, c.vars, i, n, err)
		}
	}
	// Through the CLI, from the environment.
	td := filepath.Join(testdataDir(t), "export")
	dir := t.TempDir()
	q := `stats count(*) as n by verb`
	var parts []string
	for i, v := range []string{"JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"} {
		t.Setenv("JOB_COMPLETION_INDEX", "")
		t.Setenv("AWS_BATCH_JOB_ARRAY_INDEX", "")
		t.Setenv(v, fmt.Sprint(i))
		p := filepath.Join(dir, v)
		if r := runArgs(q, "--shard", "env/2", "--partial-out", p, td); r.code != 0 {
			t.Fatalf("env shard: %d %s", r.code, r.err)
		}
		parts = append(parts, p)
	}
	single := runArgs(q, td)
	if got := runArgs(append([]string{"merge"}, parts...)...); got.out != single.out || got.code != 0 {
		t.Errorf("env shards merged:\n%s\nwant:\n%s", got.out, single.out)
	}
}

// A shard whose input is damaged exits 2, as a single run over the same input does, so that a
// job runner sees the failure; its partial is still written, with the input errors counted in
// it, and the merge names the shard, prints the single run's rows and exits 2 too.
func TestShardDamagedInput(t *testing.T) {
	in := t.TempDir()
	good := gzipped(exportLines(0, 50))
	put(t, filepath.Join(in, "task", "s1", "000000.gz"), good)
	put(t, filepath.Join(in, "task", "s2", "000000.gz"), good[:len(good)/2]) // cut short
	put(t, filepath.Join(in, "task", "s3", "000000.gz"), gzipped(exportLines(50, 60)))
	q := `stats count(*) as n by @logStream`
	single := runArgs(q, in)
	if single.code != exitError {
		t.Fatalf("single run over damaged input: exit %d, want 2: %s", single.code, single.err)
	}
	dir := t.TempDir()
	var parts []string
	damaged := -1
	for i := range 3 {
		part := filepath.Join(dir, fmt.Sprintf("part-%d", i))
		r := runArgs(q, "--shard", fmt.Sprintf("%d/3", i), "--partial-out", part, in)
		_, statErr := os.Stat(part)
		if statErr != nil {
			t.Fatalf("shard %d/3: no partial written (exit %d): %v", i, r.code, statErr)
		}
		want := exitMatch
		if strings.Contains(r.err, "s2") {
			want, damaged = exitError, i
			if !strings.Contains(r.err, "skipped input") {
				t.Errorf("shard %d/3: no summary of the skipped input: %s", i, r.err)
			}
		}
		if r.code != want {
			t.Errorf("shard %d/3: exit %d, want %d; stderr %s", i, r.code, want, r.err)
		}
		parts = append(parts, part)
	}
	if damaged < 0 {
		t.Fatal("no shard read the damaged file")
	}
	got := runArgs(append([]string{"merge"}, parts...)...)
	if got.code != exitError || got.out != single.out {
		t.Errorf("merge: exit %d, stdout:\n%s\nwant 2 and the single run's:\n%s", got.code, got.out, single.out)
	}
	if want := fmt.Sprintf("shard %d/3 (%s)", damaged, parts[damaged]); !strings.Contains(got.err, want) {
		t.Errorf("merge stderr %q does not name %s", got.err, want)
	}
}
