package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	kongcompletion "github.com/jotaen/kong-completion"
	"github.com/posener/complete"
	"golang.org/x/term"

	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// Exit codes follow grep.
const (
	exitMatch     = 0
	exitNoMatch   = 1
	exitError     = 2
	exitInterrupt = 130
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise it comes from the
// module's build information.
var version = ""

func versionString() string {
	v := version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("auditgrep %s (%s %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

type cli struct {
	Query   queryCmd   `cmd:"" default:"withargs" help:"Run a query (the default command): auditgrep [flags] QUERY [PATH...]"`
	Version versionCmd `cmd:"" help:"Print the version."`

	Presets  presetsCmd  `cmd:"" help:"List the presets: name, description, parameters and query text."`
	Discover discoverCmd `cmd:"" help:"List the discovered fields: name, type(s), count, example value."`

	Plan  planCmd  `cmd:"" help:"Cut the inputs into N byte-balanced shards for a job runner: auditgrep plan --shards N PATH... > plan.json"`
	Merge mergeCmd `cmd:"" help:"Merge the partial results of a sharded run (--shard) into the output of a single run."`

	Convert convertCmd `cmd:"" help:"Write the inputs as a partitioned Parquet dataset for SQL engines: auditgrep convert -o DIR PATH..."`
	DDL     ddlCmd     `cmd:"" name:"ddl" help:"Print the CREATE TABLE (or view) of a converted dataset for athena, trino, spark or duckdb."`
	Serve   serveCmd   `cmd:"" help:"Start the web console over the exports: auditgrep serve PATH... prints the URL to open."`
	SQL     sqlCmd     `cmd:"" name:"sql" help:"Print the SQL statement that answers a query over the converted dataset (duckdb, athena, trino, spark)."`

	Completion kongcompletion.Completion `cmd:"" help:"Print how to turn on tab completion for bash, zsh or fish (-c: the code itself)."`
}

type queryCmd struct {
	File         string `short:"f" placeholder:"FILE" help:"Read the query from FILE ('#' comments allowed); then every argument is a PATH."`
	Format       string `enum:"auto,json,table,csv,parquet,raw,chart" default:"auto" help:"Output format: auto (table on a terminal, json otherwise; a chart with --chart), json (JSON lines), table, csv, parquet (needs -o), raw (matching events' original messages), chart (a bar chart of a numeric column: stats ... by bin(5m))."`
	Output       string `short:"o" placeholder:"FILE" help:"Write results to FILE (format from the extension: .jsonl/.json, .csv, .parquet, .txt for raw) instead of stdout."`
	Jobs         int    `short:"j" placeholder:"N" help:"Files read at once (default: all cores)."`
	Strict       bool   `help:"Stop at the first input error instead of reporting it and going on."`
	MaxLineBytes int    `default:"67108864" placeholder:"N" help:"Longest line accepted; a longer one is reported and skipped."`
	LogGroup     string `placeholder:"NAME" help:"Log group for @log where the input does not carry it."`
	Account      string `placeholder:"ID" help:"Account id for @log where the input does not carry it."`
	Stats        bool   `help:"Print records scanned, bytes, records matched, skipped input, wall time and throughput on stderr at the end."`
	CPUProfile   string `hidden:"" placeholder:"FILE" help:"Write a CPU profile to FILE."`
	Decompressor string `enum:"go,igzip,auto" default:"go" help:"gzip decompressor: go (built in, always available), igzip (ISA-L's igzip on PATH, a child process beside each worker: faster only on cores -j leaves idle; Debian package isal), auto (igzip when on PATH and -j leaves a core idle)."`
	// The query-language flags.
	StrictPipeline bool `name:"strict-pipeline" help:"Run the commands literally in the order written (sort, limit, dedup and stats act where they stand) instead of as CloudWatch does; for debugging a query."`
	Explain        bool `help:"Print how the query will run (stages, moved filters, columns, fields read) and exit without reading input."`

	presetFlags `embed:""`
	chartFlags  `embed:""`
	rangeFlags  `embed:""`
	shardFlags  `embed:""`
	Progress    string `enum:"auto,always,never" default:"auto" help:"Progress bar on stderr: auto (only when stderr is a terminal), always, never."`

	// Two positionals rather than one slice: kong ends a slice positional at the first flag, so
	// `auditgrep QUERY --format csv DIR` needs the paths to be a positional of their own.
	Query string   `arg:"" optional:"" name:"QUERY" help:"The query, in CloudWatch Logs Insights syntax (with -f, the first PATH)."`
	Paths []string `arg:"" optional:"" name:"PATH" predictor:"file" help:"Files, directories, or - for stdin (default: stdin)."`
}

type versionCmd struct{}

// env is what a command runs with: the process's streams, injectable for tests.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitError carries an exit status out of a command.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// run is the whole program; main only passes it the process's arguments and streams.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var c cli
	code := -1
	parser, err := kong.New(&c,
		kong.Name("auditgrep"),
		kong.Description("Run CloudWatch Logs Insights queries offline over exported Amazon EKS control-plane logs."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(n int) { code = n; panic(exitCode(n)) }),
		kong.UsageOnError(),
		kong.Help(helpPrinter),
	)
	if err != nil {
		fmt.Fprintf(stderr, "auditgrep: %v\n", err)
		return exitError
	}
	// Tab completion: when the shell asks (COMP_LINE is set), answer from the kong model and stop.
	if completeShell(parser, stdout) {
		return 0
	}
	kctx, err := func() (k *kong.Context, err error) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(exitCode); !ok {
					panic(r)
				}
			}
		}()
		return parser.Parse(args)
	}()
	if code >= 0 {
		// --help or a usage error already printed by kong.
		if code == 0 {
			return 0
		}
		return exitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "auditgrep: %v\n", err)
		return exitError
	}
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	switch kctx.Command() {
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "completion", "completion <shell>":
		// Run ends with kong's exit (our hook panics with the code) after printing.
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(exitCode); !ok {
						panic(r)
					}
				}
			}()
			return c.Completion.Run(kctx)
		}()
		if err != nil {
			fmt.Fprintf(stderr, "auditgrep: completion: %v\n", err)
			return exitError
		}
		return 0
	case "presets", "presets <NAME>":
		return c.Presets.run(e)
	case "discover", "discover <PATH>":
		return c.Discover.run(e)
	case "plan <PATH>":
		return c.Plan.run(e)
	case "merge <PARTIAL>":
		return c.Merge.run(e)
	case "convert", "convert <PATH>":
		return c.Convert.run(e)
	case "ddl <LOCATION>":
		return c.DDL.run(e)
	case "serve <PATH>":
		return c.Serve.run(e)
	case "sql <QUERY>":
		return c.SQL.run(e)
	default:
		n := c.Query.run(e)
		if ctx.Err() != nil {
			return exitInterrupt
		}
		return n
	}
}

func (q *queryCmd) run(e *env) int {
	var text string
	paths := q.Paths
	if q.Preset != "" {
		var err error
		if text, paths, err = q.presetQuery(); err != nil {
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
			return exitError
		}
	} else if q.File != "" {
		if q.Query != "" {
			paths = append([]string{q.Query}, paths...)
		}
		b, err := os.ReadFile(q.File)
		if err != nil {
			fmt.Fprintf(e.stderr, "auditgrep: reading query: %v\n", err)
			return exitError
		}
		text = string(b)
	} else {
		if q.Query == "" {
			fmt.Fprintln(e.stderr, "auditgrep: no query given\nusage: auditgrep [flags] QUERY [PATH...]   (auditgrep --help for more)")
			return exitError
		}
		text = q.Query
	}
	if len(paths) == 0 {
		paths = []string{"-"}
	}

	tr, err := q.rangeFlags.parse(time.Now())
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	mopts := match.Options{LogGroup: q.LogGroup, Account: q.Account, StrictPipeline: q.StrictPipeline}
	tr.setOptions(&mopts)
	prog, err := match.Compile(text, mopts)
	if err != nil {
		printQueryError(e.stderr, text, err)
		return exitError
	}
	if q.Explain {
		fmt.Fprint(e.stdout, prog.Explain())
		if q.Shard != "" || q.Plan != "" {
			q.explainShards(e.stdout, prog, paths)
		}
		return exitMatch
	}
	if q.Shard != "" {
		return q.runShard(e, prog, text, paths, tr)
	}
	if q.Plan != "" || q.PartialOut != "" {
		fmt.Fprintln(e.stderr, "auditgrep: --plan and --partial-out go with --shard i/N")
		return exitError
	}

	o, err := openOutput(e.stdout, q.Format, q.Output, prog, text, q.chartFlags)
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	format, w, file := o.format, o.w, o.file
	if file != nil {
		defer file.abort()
	}

	var probs problems
	var bar *progress
	ro := match.RunOptions{
		Workers: q.Jobs,
		Strict:  q.Strict,
		KeepRaw: format == "raw",
		OnInputError: func(err error) {
			probs.add(err)
			bar.printf("auditgrep: %v\n", err)
		},
		Scan: scan.Options{MaxLineBytes: q.MaxLineBytes},
	}
	bar = newProgress(e, q.Progress, &ro.Scan)
	if ro.Scan.GzipCommand, err = gzipCommand(q.Decompressor, q.Jobs); err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	if q.CPUProfile != "" {
		pf, err := os.Create(q.CPUProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
			return exitError
		}
		pprof.StartCPUProfile(pf)
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	start := time.Now()
	ro.OnBatch = bar.onBatch()
	st, runErr := prog.Run(e.ctx, match.Input{Paths: paths, Reader: e.stdin}, w, ro)
	bar.stop()
	elapsed := time.Since(start)

	var inputErr *scan.InputError
	stoppedStrict := q.Strict && errors.As(runErr, &inputErr)
	if runErr != nil && !stoppedStrict && !errors.Is(runErr, context.Canceled) {
		if errors.Is(runErr, syscall.EPIPE) {
			// The reader went away (| head): that is how a pipeline ends, not an error.
			return exitMatch
		}
		// The output failed (Run says "writing results: ...") or the input list is unusable:
		// nothing more to report, and no -o file.
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", chartRefusal(runErr))
		return exitError
	}
	if file != nil && (e.ctx.Err() != nil || (q.Strict && probs.n > 0)) {
		// An interrupted or stopped run has partial results: leave no file (the deferred
		// abort removes the temporary one).
		file = nil
	}
	if file != nil {
		if err := file.commit(); err != nil {
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
			return exitError
		}
	}
	if q.Stats {
		printStats(e.stderr, st, elapsed)
		tr.note(e.stderr)
	}
	if probs.n > 0 {
		if q.Strict {
			fmt.Fprintln(e.stderr, "auditgrep: stopped at the first input error (--strict)")
		} else {
			probs.summary(e.stderr, st)
		}
	}
	if e.ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "auditgrep: interrupted: the output covers only the input read so far")
		return exitInterrupt
	}
	if probs.n > 0 {
		return exitError
	}
	if st.RowsOut == 0 {
		return exitNoMatch
	}
	return exitMatch
}

func printStats(w io.Writer, st match.RunStats, elapsed time.Duration) {
	secs := elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	fmt.Fprintf(w, "auditgrep: %d records scanned, %d matched, %d rows out; %d bytes scanned (%d compressed); %d files read, %d skipped, %d failed, %d input errors; %.3fs, %.1f MB/s\n",
		st.RecordsScanned, st.RecordsMatched, st.RowsOut, st.BytesRaw, st.BytesCompressed,
		st.FilesRead, st.FilesSkipped, st.FilesFailed, st.InputErrors, secs, float64(st.BytesRaw)/secs/1e6)
}

// printQueryError shows the query line with a caret under the offending text.
func printQueryError(w io.Writer, text string, err error) {
	var qe *syntax.Error
	if !errors.As(err, &qe) {
		fmt.Fprintf(w, "auditgrep: query error: %v\n", err)
		return
	}
	_, _, r := qe.Render(text)
	fmt.Fprint(w, "auditgrep: "+r)
}

func formatFromExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".parquet":
		return "parquet"
	case ".txt", ".log":
		return "raw"
	}
	return "json"
}

// isTerminal asks the terminal driver, not the file mode: /dev/null is a character device too,
// and `auditgrep ... > /dev/null` must not pick the table format.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// outputFile is written under a temporary name in the target's folder and renamed on success,
// so that a failed or interrupted run never leaves a half-written file at the target path.
type outputFile struct {
	f      *os.File
	target string
	done   bool
}

func createOutput(target string) (*outputFile, error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating output: %w", err)
	}
	return &outputFile{f: f, target: target}, nil
}

func (o *outputFile) commit() error {
	if err := o.f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", o.target, err)
	}
	if err := os.Rename(o.f.Name(), o.target); err != nil {
		return fmt.Errorf("writing %s: %w", o.target, err)
	}
	o.done = true
	return nil
}

func (o *outputFile) abort() {
	if !o.done {
		o.f.Close()
		os.Remove(o.f.Name())
	}
}

// gzipCommand resolves --decompressor to the external command scan runs, "" for the Go code.
// auto takes igzip only when the workers (-j; 0 means GOMAXPROCS) leave a core idle: igzip runs
// as a child process beside each worker, and the built-in decoder is as fast as igzip on a
// core of its own (bench/README.md: at -j 2 on 2 cores the stats query took 0.74 s built in
// and 1.10 s with igzip; at -j 1, 1.42 s and 1.22-1.36 s).
func gzipCommand(choice string, workers int) (string, error) {
	if choice == "go" || choice == "" {
		return "", nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if choice == "auto" && workers >= runtime.NumCPU() {
		return "", nil
	}
	p, err := exec.LookPath("igzip")
	if err != nil {
		if choice == "auto" {
			return "", nil
		}
		return "", fmt.Errorf("--decompressor igzip: igzip is not on PATH (Debian/Ubuntu: apt-get install isal)")
	}
	return p, nil
}

func presetNames() []string {
	var names []string
	for _, p := range match.Presets() {
		names = append(names, p.Name)
	}
	return names
}

// completeShell answers a shell's completion request, if this run is one. The query command is
// the default, so its flags and arguments complete at the top level too, without naming it.
func completeShell(parser *kong.Kong, stdout io.Writer) bool {
	cmd, err := kongcompletion.Command(parser,
		kongcompletion.WithPredictor("file", complete.PredictFiles("*")),
		kongcompletion.WithPredictor("preset", complete.PredictSet(presetNames()...)))
	if err != nil {
		return false
	}
	if q, ok := cmd.Sub["query"]; ok {
		cmd.Flags = q.GlobalFlags
		cmd.Args = q.Args
	}
	c := complete.New("auditgrep", cmd)
	c.Out = stdout
	return c.Complete()
}
