package syntax

import "fmt"

// Error is a query error located in the query text. The CLI renders it with the query and a
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
