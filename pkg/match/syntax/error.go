package syntax

import (
	"fmt"
	"strings"
)

// Error is a query error located in the query text; Render draws it with the query line and a
// caret under [Offset, Offset+Len).
type Error struct {
	Offset int
	Len    int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("query error at offset %d: %s", e.Offset, e.Msg)
}

// Errorf makes an Error covering sp, for the engine's semantic checks as well as the parser's.
func Errorf(sp Span, format string, args ...any) *Error {
	n := sp.End - sp.Start
	if n < 1 {
		n = 1
	}
	return &Error{Offset: sp.Start, Len: n, Msg: fmt.Sprintf(format, args...)}
}

// Render is the error as the CLI and the web console show it: where it is (1-based line and
// column in characters), the message, the query line, and a caret under the offending text. The
// caret spans the offending token on its line, and is one column wide at the end of the query
// (a missing token). text is the query the error was found in.
func (e *Error) Render(text string) (line, column int, rendered string) {
	off := min(max(e.Offset, 0), len(text))
	lineStart := strings.LastIndexByte(text[:off], '\n') + 1
	lineEnd := strings.IndexByte(text[off:], '\n')
	if lineEnd < 0 {
		lineEnd = len(text)
	} else {
		lineEnd += off
	}
	line = strings.Count(text[:lineStart], "\n") + 1
	col := len([]rune(text[lineStart:off]))
	carets := max(1, len([]rune(text[off:min(off+max(e.Len, 0), lineEnd)])))
	rendered = fmt.Sprintf("query error at line %d, column %d: %s\n    %s\n    %s%s\n", line, col+1, e.Msg,
		strings.ReplaceAll(text[lineStart:lineEnd], "\t", " "), strings.Repeat(" ", col), strings.Repeat("^", carets))
	return line, col + 1, rendered
}
