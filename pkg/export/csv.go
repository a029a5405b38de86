package export

import (
	"bufio"
	"encoding/csv"
	"io"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// csvWriter writes the CloudWatch console's "Export results" CSV.
type csvWriter struct {
	bw  *bufio.Writer
	cw  *csv.Writer
	rec []string
}

// NewCSV returns a writer of the console's "Export results" CSV (spec §12.3): a header row of
// the column names, then one record per row with RFC 4180 quoting (a value is quoted when it
// holds a comma, a quote, CR or LF, or starts with a space; inner quotes are doubled). Values
// render as match.Value.Render (timestamps in the console's layout (2006-01-02 15:04:05.000), numbers with their original
// digits, @message as its original text); absent values are empty. Records end with "\n".
func NewCSV(w io.Writer) match.Writer {
	bw := bufio.NewWriterSize(w, bufSize)
	return &csvWriter{bw: bw, cw: csv.NewWriter(bw)}
}

func (c *csvWriter) Begin(cols []string) error {
	c.rec = make([]string, len(cols))
	return c.cw.Write(cols)
}

func (c *csvWriter) Row(vals []match.Value, _ []byte) error {
	for i := range c.rec {
		c.rec[i] = ""
		if i < len(vals) {
			c.rec[i] = vals[i].Render()
		}
	}
	err := c.cw.Write(c.rec)
	clear(c.rec) // keep no reference to the row's strings
	return err
}

func (c *csvWriter) End() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}
