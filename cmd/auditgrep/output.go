package main

import (
	"errors"
	"io"
	"os"
	"strings"

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

// chartFlags are the chart's flags, for a query and a merge.
type chartFlags struct {
	Chart      bool `help:"With --format auto: draw a chart (as --format chart) when standard output is a terminal; piped or with -o, auto is unchanged."`
	ChartASCII bool `name:"chart-ascii" help:"Draw the chart with ASCII characters (#, |) instead of Unicode blocks; the default when the locale (LC_ALL, else LC_CTYPE, else LANG) is not UTF-8."`
}

// utf8Locale says whether the locale's character set is UTF-8: the first of LC_ALL, LC_CTYPE
// and LANG that is set decides, as in POSIX; none set is the C locale, which is ASCII.
func utf8Locale(getenv func(string) string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

// openOutput resolves --format (auto: from -o's extension, else table on a terminal, or chart
// there with --chart, and json otherwise), refuses combinations that cannot work, and creates
// the writer. The query text goes into Parquet metadata.
func openOutput(stdout io.Writer, format, path string, prog *match.Query, text string, cf chartFlags) (*output, error) {
	o := &output{format: format}
	out := stdout
	if path != "" {
		if o.format == "auto" {
			o.format = formatFromExt(path)
		}
	} else if o.format == "auto" {
		// A chart only when asked: a terminal's default stays the table.
		o.format = "json"
		if isTerminal(stdout) {
			o.format = "table"
			if cf.Chart {
				o.format = "chart"
			}
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
	case "chart":
		o.w = export.NewChart(out, export.ChartOptions{Width: termWidth(out), ASCII: cf.ChartASCII || !utf8Locale(os.Getenv)})
	}
	return o, nil
}

// chartRefusal returns the chart's refusal of the result when err holds one: it is about the
// query, not a failed write, and is printed without "writing results:". Otherwise err.
func chartRefusal(err error) error {
	var ce *export.ChartError
	if errors.As(err, &ce) {
		return ce
	}
	return err
}
