package export

import (
	"bufio"
	"io"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// rawWriter writes events' original messages (grep mode).
type rawWriter struct {
	w   *bufio.Writer
	buf []byte
}

// NewRaw returns a writer of the matching events' original messages, one per line, byte for
// byte: the raw argument of Row followed by "\n", whatever the columns. A row that is not an
// event (raw == nil: a stats or other aggregated row) has no original message; it is written
// as its rendered values (match.Value.Render, absent as "") joined by a tab, so that
// `--format raw` with stats still prints something useful to cut(1).
func NewRaw(w io.Writer) match.Writer {
	return &rawWriter{w: bufio.NewWriterSize(w, bufSize)}
}

func (rw *rawWriter) Begin([]string) error { return nil }

func (rw *rawWriter) Row(vals []match.Value, raw []byte) error {
	if raw != nil {
		if _, err := rw.w.Write(raw); err != nil {
			return err
		}
		return rw.w.WriteByte('\n')
	}
	rw.buf = rw.AppendRow(rw.buf[:0], vals, nil)
	_, err := rw.w.Write(rw.buf)
	return err
}

// AppendRow appends the row as Row writes it; it keeps no state, so workers may call it
// concurrently.
func (rw *rawWriter) AppendRow(b []byte, vals []match.Value, raw []byte) []byte {
	if raw != nil {
		b = append(b, raw...)
		return append(b, '\n')
	}
	for i, v := range vals {
		if i > 0 {
			b = append(b, '\t')
		}
		b = append(b, v.Render()...)
	}
	return append(b, '\n')
}

func (rw *rawWriter) WriteEncoded(b []byte) error {
	_, err := rw.w.Write(b)
	return err
}

func (rw *rawWriter) End() error { return rw.w.Flush() }
