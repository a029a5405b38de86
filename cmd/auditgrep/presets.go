package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// presetFlags select a preset instead of a query text.
type presetFlags struct {
	Preset string            `placeholder:"NAME" predictor:"preset" help:"Run the named preset (auditgrep presets lists them); every argument is then a PATH."`
	Param  map[string]string `short:"p" placeholder:"KEY=VALUE" help:"A preset parameter (repeatable): -p namespace=default -p pod=web-1."`
}

type presetsCmd struct {
	Names []string `arg:"" optional:"" name:"NAME" help:"Show only these presets."`
}

// presetQuery returns the preset's query and the paths (every positional is a path).
func (q *queryCmd) presetQuery() (string, []string, error) {
	if q.File != "" {
		return "", nil, fmt.Errorf("--preset and -f both give a query: use one")
	}
	p, err := match.LookupPreset(q.Preset)
	if err != nil {
		return "", nil, err
	}
	text, err := p.Expand(q.Param)
	if err != nil {
		return "", nil, err
	}
	paths := q.Paths
	if q.Query != "" {
		paths = append([]string{q.Query}, paths...)
	}
	return text, paths, nil
}

func (c *presetsCmd) run(e *env) int {
	all := match.Presets()
	var list []match.Preset
	if len(c.Names) == 0 {
		list = all
	}
	for _, n := range c.Names {
		p, err := match.LookupPreset(n)
		if err != nil {
			fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
			return exitError
		}
		list = append(list, *p)
	}
	for i, p := range list {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		writePreset(e.stdout, p)
	}
	return 0
}

func writePreset(w io.Writer, p match.Preset) {
	fmt.Fprintf(w, "%s\n  %s\n", p.Name, p.Description)
	if p.Source != "" {
		fmt.Fprintf(w, "  source: %s\n", p.Source)
	}
	if len(p.Params) == 0 {
		fmt.Fprintln(w, "  parameters: none")
	} else {
		fmt.Fprintln(w, "  parameters:")
		params := append([]match.PresetParam(nil), p.Params...)
		sort.SliceStable(params, func(i, j int) bool { return params[i].Required && !params[j].Required })
		width := 0
		for _, pp := range params {
			width = max(width, len(pp.Name))
		}
		for _, pp := range params {
			var tag string
			switch {
			case pp.Required:
				tag = "required"
			case pp.Default != "":
				tag = fmt.Sprintf("default %q", pp.Default)
			default:
				tag = "optional"
			}
			fmt.Fprintf(w, "    %-*s  %s (%s)\n", width, pp.Name, pp.Help, tag)
		}
	}
	fmt.Fprintln(w, "  query:")
	for _, l := range strings.Split(p.Display(), "\n") {
		fmt.Fprintf(w, "    %s\n", l)
	}
	if p.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", p.Note)
	}
}
