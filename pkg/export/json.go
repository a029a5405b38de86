package export

import (
	"bufio"
	"io"

	"github.com/auditgrep/auditgrep/pkg/internal/jsonstr"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// jsonWriter writes one JSON object per row (JSON lines).
type jsonWriter struct {
	w    *bufio.Writer
	keys [][]byte // `"col":` per column, escaped once in Begin
	buf  []byte   // the row being built; reused
}

// NewJSON returns a writer of JSON lines: one object per row, keys in column order, absent
// values omitted.
//
//   - String: a JSON string (control characters, '"' and '\' escaped; no HTML escaping; invalid
//     UTF-8 bytes become U+FFFD). A String marked JSON (an audit event's @message) is embedded as
//     the object it is, so that `jq '.["@message"].user.username'` works.
//   - Number: its original digits unquoted ("1.50" stays 1.50); a rendering that is not a JSON
//     number (NaN, Inf, a lexeme such as "01" or "+1") is written as a string instead.
//   - Bool: true/false when read from JSON, else 1/0 like CloudWatch.
//   - Time: a string in the console's layout (2006-01-02 15:04:05.000), UTC.
//   - List, Map: embedded JSON.
func NewJSON(w io.Writer) match.Writer {
	return &jsonWriter{w: bufio.NewWriterSize(w, bufSize)}
}

func (jw *jsonWriter) Begin(cols []string) error {
	jw.keys = make([][]byte, len(cols))
	for i, c := range cols {
		k := jsonstr.Append(nil, c)
		jw.keys[i] = append(k, ':')
	}
	return nil
}

func (jw *jsonWriter) Row(vals []match.Value, raw []byte) error {
	jw.buf = jw.AppendRow(jw.buf[:0], vals, raw)
	_, err := jw.w.Write(jw.buf)
	return err
}

func (jw *jsonWriter) WriteEncoded(b []byte) error {
	_, err := jw.w.Write(b)
	return err
}

// AppendRow appends one JSON line; it only reads the keys set by Begin, so workers may call it
// concurrently.
func (jw *jsonWriter) AppendRow(b []byte, vals []match.Value, _ []byte) []byte {
	b = append(b, '{')
	first := true
	for i, v := range vals {
		if v.Kind == match.Absent || i >= len(jw.keys) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, jw.keys[i]...)
		b = appendJSONValue(b, v)
	}
	return append(b, '}', '\n')
}

func (jw *jsonWriter) End() error { return jw.w.Flush() }

// appendJSONValue appends v as a JSON value (v is not Absent).
func appendJSONValue(b []byte, v match.Value) []byte {
	switch v.Kind {
	case match.String:
		if v.JSON {
			if obj, ok := trimJSONObject(v.Str); ok {
				return append(b, obj...)
			}
		}
		return jsonstr.Append(b, v.Str)
	case match.Number:
		r := v.Render()
		if isJSONNumber(r) {
			return append(b, r...)
		}
		return jsonstr.Append(b, r)
	case match.Bool:
		switch v.Str {
		case "true", "false":
			return append(b, v.Str...)
		}
		if v.Num != 0 {
			return append(b, '1')
		}
		return append(b, '0')
	case match.List, match.Map:
		// Render is pkg/match's compact JSON of the structure (jsonStringify): always valid.
		return append(b, v.Render()...)
	}
	// Time, Period and anything newer: the rendered text as a string.
	return jsonstr.Append(b, v.Render())
}

// trimJSONObject returns s without trailing whitespace when it looks like a JSON object. The
// caller (pkg/match) has validated the text; the check of the braces is a cheap guard so that a
// wrongly marked value cannot break the line.
func trimJSONObject(s string) (string, bool) {
	e := len(s)
	for e > 0 && (s[e-1] == ' ' || s[e-1] == '\t' || s[e-1] == '\r' || s[e-1] == '\n') {
		e--
	}
	st := 0
	for st < e && (s[st] == ' ' || s[st] == '\t' || s[st] == '\r' || s[st] == '\n') {
		st++
	}
	if e-st < 2 || s[st] != '{' || s[e-1] != '}' {
		return "", false
	}
	return s[:e], true
}

// isJSONNumber reports whether s matches the JSON number grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	switch {
	case i < n && s[i] == '0':
		i++
	case i < n && s[i] >= '1' && s[i] <= '9':
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < n && s[i] == '.' {
		i++
		d := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == n
}

const hexDigits = "0123456789abcdef"
