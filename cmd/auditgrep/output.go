package main

import (
	"errors"
	"io"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// output is where a run's rows go: the writer for the chosen format, and the -o file written
// under a temporary name (nil for stdout) that the caller commits on success or aborts.
type output struct {
	w      match.Writer
	format string
	file   *outputFile
}

// openOutput resolves --format (auto: from -o's extension, else table on a terminal and json
// otherwise), refuses combinations that cannot work, and creates the writer. The query text goes
// into Parquet metadata.
func openOutput(stdout io.Writer, format, path string, prog *match.Query, text string) (*output, error) {
	o := &output{format: format}
	out := stdout
	if path != "" {
		if o.format == "auto" {
			o.format = formatFromExt(path)
		}
	} else if o.format == "auto" {
		o.format = "json"
		if isTerminal(stdout) {
			o.format = "table"
		}
	}
	if o.format == "raw" && prog.HasStats() {
		return nil, errors.New("--format raw prints matching events, but this query aggregates them with stats: use json, table or csv")
	}
	if o.format == "parquet" && path == "" {
		return nil, errors.New("--format parquet writes a binary file: give it with -o FILE.parquet")
	}
	if path != "" {
		f, err := createOutput(path)
		if err != nil {
			return nil, err
		}
		o.file, out = f, f.f
	}
	switch o.format {
	case "json":
		o.w = export.NewJSON(out)
	case "table":
		o.w = export.NewTable(out)
	case "csv":
		o.w = export.NewCSV(out)
	case "raw":
		o.w = export.NewRaw(out)
	case "parquet":
		o.w = export.NewParquet(out, parquetMeta(text))
	}
	return o, nil
}
