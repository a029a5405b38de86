package main

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/alecthomas/kong"
	"golang.org/x/term"
)

// mainFlags are the query flags a newcomer's first --help lists, in this order; `auditgrep query
// --help` lists them all.
var mainFlags = []string{"format", "output", "file", "preset", "param", "start", "end", "since", "strict", "stats", "explain", "jobs"}

// helpExample is the one example of the top-level help: the README's first query, over the
// sample export of a clone of the repository.
const helpExample = `auditgrep 'filter @logStream like /^kube-apiserver-audit/
    | stats count(*) as count by responseStatus.code
    | sort count desc' testdata/export`

// helpPrinter prints the top-level help (`auditgrep --help`) as the query usage it mostly is:
// the query command is the default, so the help a newcomer sees first shows how to run a
// query, the main flags and an example, then the other commands. A command's help is kong's.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	if ctx.Selected() != nil {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	var query *kong.Node
	for _, c := range ctx.Model.Children {
		if c.Name == "query" {
			query = c
		}
	}
	if query == nil {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	width := helpWidth(ctx.Stdout)
	var b strings.Builder
	b.WriteString(`Usage: auditgrep [flags] QUERY [PATH...]
       auditgrep [flags] -f FILE [PATH...]
       auditgrep [flags] --preset NAME [-p KEY=VALUE]... [PATH...]
       auditgrep <command> ...

`)
	b.WriteString(wrap(ctx.Model.Help+" QUERY is in CloudWatch Logs Insights syntax. PATH is a file, "+
		"a folder (read recursively) or - for standard input, the default; compression and format "+
		"are detected from the content.", "", width))
	b.WriteString("\nExample:\n  " + helpExample + "\n\nMain flags:\n")
	var rows [][2]string
	for _, name := range mainFlags {
		for _, f := range query.Flags {
			if f.Name == name && !f.Hidden {
				rows = append(rows, [2]string{flagLabel(f), f.Help})
			}
		}
	}
	rows = append(rows, [2]string{"-h, --help", "Show this help; auditgrep <command> --help shows a command's."})
	writeColumns(&b, rows, width)
	b.WriteString("\nCommands:\n")
	rows = rows[:0]
	for _, c := range ctx.Model.Children {
		if c.Name == "query" || c.Hidden {
			continue
		}
		rows = append(rows, [2]string{strings.TrimSuffix(c.Summary(), " [flags]"), c.Help})
	}
	writeColumns(&b, rows, width)
	b.WriteString("\n" + wrap(`Run "auditgrep query --help" for every flag of a query, "auditgrep <command> --help" for a command.`, "", width))
	_, err := io.WriteString(ctx.Stdout, b.String())
	return err
}

// flagLabel is kong's left column for a flag, long flags aligned after the short ones.
func flagLabel(f *kong.Flag) string {
	if f.Short == 0 {
		return "    " + f.String()
	}
	return f.String()
}

// writeColumns writes rows of label and text, the text wrapped in a column after the widest
// label (capped so the text keeps room; a longer label puts its text on the next line).
func writeColumns(b *strings.Builder, rows [][2]string, width int) {
	col := 0
	for _, r := range rows {
		if l := len(r[0]); l <= 28 {
			col = max(col, l)
		}
	}
	col += 2 + 4 // indent and padding
	pad := strings.Repeat(" ", col)
	for _, r := range rows {
		text := wrap(r[1], pad, width)
		if len(r[0])+2+4 > col {
			b.WriteString("  " + r[0] + "\n" + text)
			continue
		}
		b.WriteString("  " + r[0] + strings.Repeat(" ", col-2-len(r[0])) + strings.TrimPrefix(text, pad))
	}
}

// wrap breaks text into lines of at most width columns (a longer word stands alone), each
// starting with indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if line != indent && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// helpWidth is the width help text is wrapped to: $COLUMNS, else the terminal's, else 80; at
// most 100, as long lines are hard to read.
func helpWidth(w io.Writer) int {
	return min(termWidth(w), 100)
}

// termWidth is the width of the terminal w writes to: $COLUMNS when set (the shell's, and
// what a test sets), else the terminal's own, else 80.
func termWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := w.(*os.File); ok {
		if n, _, err := term.GetSize(int(f.Fd())); err == nil && n > 0 {
			return n
		}
	}
	return 80
}
