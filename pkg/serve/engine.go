package serve

// engine.go is the only file of pkg/serve that calls the query engine (pkg/match's Compile and
// Run, its presets, pkg/match/syntax's query error), so that a change of the engine's API
// changes this file alone. Everything else in the package sees compileQuery, (*compiled).run,
// queryErrorOf and the preset helpers.

import (
	"context"
	"errors"
	"time"

	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// querySpec is what a run asks for: the query text and the time range on @timestamp (a zero
// time is an open end).
type querySpec struct {
	Text       string
	Start, End time.Time
	// LogGroup and Account fill @log where the input does not carry it (--log-group, --account).
	LogGroup, Account string
}

// compiled is a query ready to run.
type compiled struct {
	q *match.Query
}

// compileQuery compiles the query with its time range (which also bounds what the run reads,
// like --start and --end). Its error, when it is located in the text, renders with
// queryErrorOf.
func compileQuery(spec querySpec) (*compiled, error) {
	q, err := match.Compile(spec.Text, match.Options{QueryStart: spec.Start, QueryEnd: spec.End,
		LogGroup: spec.LogGroup, Account: spec.Account})
	if err != nil {
		return nil, err
	}
	return &compiled{q: q}, nil
}

func (c *compiled) columns() []string { return c.q.Columns() }
func (c *compiled) hasStats() bool    { return c.q.HasStats() }

// runOptions are the hooks and limits of one run.
type runOptions struct {
	Workers int
	// KeepRaw hands each event row's original message to the writer.
	KeepRaw bool
	// OnInputError receives the input problems, in file order; the run goes on.
	OnInputError func(error)
	// OnBatch is called for every batch read, from the scan's goroutines, with the bytes of
	// input (as stored) the batch consumed.
	OnBatch func(compressedBytes int64)
}

// runStats are the counters the statistics line prints.
type runStats = match.RunStats

// run reads files (a list of regular files, already checked to be inside the served paths) and
// writes the result rows to w. It returns when the run is complete or ctx is done.
func (c *compiled) run(ctx context.Context, files []string, w match.Writer, o runOptions) (runStats, error) {
	ro := match.RunOptions{Workers: o.Workers, KeepRaw: o.KeepRaw, OnInputError: o.OnInputError}
	if o.OnBatch != nil {
		ro.OnBatch = func(b *scan.Batch) { o.OnBatch(b.CompressedBytes) }
	}
	return c.q.Run(ctx, match.Input{Paths: files}, w, ro)
}

// queryError is a query error located in the text, for the caret rendering.
type queryError struct {
	Line   int    `json:"line"`   // 1-based
	Column int    `json:"column"` // 1-based, in characters
	Msg    string `json:"msg"`
	// Text is syntax.Error.Render's rendering, as the CLI prints it: the message, the query line, and a
	// caret under the offending text.
	Text string `json:"text"`
}

// queryErrorOf locates err in text; ok is false for an error that has no position.
//
// The rendering is the CLI's (syntax.Error.Render).
func queryErrorOf(text string, err error) (queryError, bool) {
	var qe *syntax.Error
	if !errors.As(err, &qe) {
		return queryError{}, false
	}
	line, col, r := qe.Render(text)
	return queryError{Line: line, Column: col, Msg: qe.Msg, Text: r}, true
}

// presetInfo is a preset as the page lists it.
type presetInfo struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Query       string        `json:"query"`
	Note        string        `json:"note,omitempty"`
	Params      []presetParam `json:"params"`
}

type presetParam struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Default  string `json:"default,omitempty"`
	Help     string `json:"help"`
}

func presetList() []presetInfo {
	var out []presetInfo
	for _, p := range match.Presets() {
		pi := presetInfo{Name: p.Name, Description: p.Description, Query: p.Display(), Note: p.Note, Params: []presetParam{}}
		for _, pp := range p.Params {
			pi.Params = append(pi.Params, presetParam{Name: pp.Name, Required: pp.Required, Default: pp.Default, Help: pp.Help})
		}
		out = append(out, pi)
	}
	return out
}

// expandPreset fills a preset's parameters (quoted for where they stand) into its query.
func expandPreset(name string, params map[string]string) (string, error) {
	p, err := match.LookupPreset(name)
	if err != nil {
		return "", err
	}
	return p.Expand(params)
}
