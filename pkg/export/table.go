package export

import (
	"bufio"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// Table layout knobs.
const (
	// tableProbeRows is how many rows the table buffers to compute its column widths; later
	// rows reuse those widths.
	tableProbeRows = 1000
	// tableMaxWidth caps a column's width in runes; tableMaxMessageWidth caps @message's.
	tableMaxWidth        = 80
	tableMaxMessageWidth = 120
	// tableGap separates columns.
	tableGap = "  "
)

// tableWriter writes aligned columns for a terminal.
type tableWriter struct {
	w      *bufio.Writer
	cols   []string
	caps   []int
	widths []int
	rows   [][]string // escaped cells of the rows buffered until widths are fixed
	fixed  bool       // widths are computed and the header is written
	buf    []byte
}

// NewTable returns a writer of aligned columns for a person at a terminal: a header row, a
// separator, then one line per row, columns separated by two spaces.
//
// The table is for eyes, not for programs (use json or csv for those):
//   - Control characters, Unicode format characters (bidi overrides, zero-width characters),
//     line/paragraph separators and invalid UTF-8 in values are escaped (\n, \t, \x1b, \u0085,
//     \u202e, \xff), never written raw: audit logs carry attacker-controlled strings such as
//     userAgent, and a raw ESC could rewrite the user's terminal. A backslash is not escaped.
//   - Widths come from the first 1000 rows (which are held back until then); each column is
//     capped at 80 runes, @message at 120. A longer value is cut to its column's width and
//     ends in "…" — the only writer that shortens values.
//   - Widths count runes; East Asian wide characters may misalign a row.
func NewTable(w io.Writer) match.Writer {
	return &tableWriter{w: bufio.NewWriterSize(w, bufSize)}
}

func (t *tableWriter) Begin(cols []string) error {
	t.cols = make([]string, len(cols))
	t.caps = make([]int, len(cols))
	t.widths = make([]int, len(cols))
	for i, c := range cols {
		t.cols[i] = escapeTerminal(c)
		t.caps[i] = tableMaxWidth
		if c == "@message" {
			t.caps[i] = tableMaxMessageWidth
		}
	}
	return nil
}

func (t *tableWriter) Row(vals []match.Value, _ []byte) error {
	cells := make([]string, len(t.cols))
	for i := range cells {
		if i < len(vals) {
			// escapeTerminal always copies, so the row keeps no reference into vals.
			cells[i] = escapeTerminal(vals[i].Render())
		}
	}
	if t.fixed {
		return t.writeRow(cells)
	}
	t.rows = append(t.rows, cells)
	if len(t.rows) >= tableProbeRows {
		return t.flushProbe()
	}
	return nil
}

func (t *tableWriter) End() error {
	if !t.fixed {
		if err := t.flushProbe(); err != nil {
			return err
		}
	}
	return t.w.Flush()
}

// flushProbe fixes the widths from the header and the buffered rows, then writes them.
func (t *tableWriter) flushProbe() error {
	for i, c := range t.cols {
		t.widths[i] = min(utf8.RuneCountInString(c), t.caps[i])
	}
	for _, r := range t.rows {
		for i, c := range r {
			t.widths[i] = max(t.widths[i], min(utf8.RuneCountInString(c), t.caps[i]))
		}
	}
	t.fixed = true
	if err := t.writeRow(t.cols); err != nil {
		return err
	}
	sep := make([]string, len(t.cols))
	for i, w := range t.widths {
		sep[i] = strings.Repeat("-", w)
	}
	if err := t.writeRow(sep); err != nil {
		return err
	}
	for _, r := range t.rows {
		if err := t.writeRow(r); err != nil {
			return err
		}
	}
	t.rows = nil
	return nil
}

// writeRow writes cells padded to the widths; the last column is not padded.
func (t *tableWriter) writeRow(cells []string) error {
	b := t.buf[:0]
	for i, c := range cells {
		if i > 0 {
			b = append(b, tableGap...)
		}
		w := t.widths[i]
		n := utf8.RuneCountInString(c)
		if n > w {
			b = appendTruncated(b, c, w)
			n = w
		} else {
			b = append(b, c...)
		}
		if i < len(cells)-1 {
			for ; n < w; n++ {
				b = append(b, ' ')
			}
		}
	}
	// No trailing spaces when trailing cells are empty.
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.w.Write(b)
	return err
}

// appendTruncated appends the first w-1 runes of s and "…" (w runes in all).
func appendTruncated(b []byte, s string, w int) []byte {
	if w <= 0 {
		return b
	}
	k := 0
	for i := range s {
		if k == w-1 {
			b = append(b, s[:i]...)
			return append(b, "…"...)
		}
		k++
	}
	return append(b, s...)
}

// escapeTerminal returns s with every character that could act on a terminal or hide text
// escaped: C0/C1 controls and DEL, format characters (Cf: bidi overrides, zero-width), line and
// paragraph separators, and invalid UTF-8 bytes. The result is always a fresh string.
func escapeTerminal(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xf])
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co):
			if r > 0xffff {
				b.WriteString(`\U`)
				for sh := 28; sh >= 0; sh -= 4 {
					b.WriteByte(hexDigits[(r>>sh)&0xf])
				}
			} else {
				b.WriteString(`\u`)
				for sh := 12; sh >= 0; sh -= 4 {
					b.WriteByte(hexDigits[(r>>sh)&0xf])
				}
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
