package match

import (
	"encoding/csv"
	"strings"
)

// This file holds the logfmt and csv modes of parse (the current PARSE page: "parse fieldName
// logfmt as alias ... The result is a map that you access with dot notation (for example,
// lf.level, lf.msg)"; "parse fieldName csv as alias1, alias2, alias3 ... Each comma-separated
// value is assigned to the corresponding alias").

// parseLogfmt reads the space-separated key=value pairs of a logfmt line into a map, in the
// order written: a value may be "double quoted" with backslash escapes; a key without = is
// "true" (logfmt's boolean flag); key= is the empty string. A repeated key keeps its last
// value, at its first position. A line with no pair gives Absent, as a parse that does not match.
func parseLogfmt(s string) Value {
	// The map outlives the input buffer s may alias.
	s = strings.Clone(s)
	m := Value{Kind: Map, Keys: []string{}, Elems: []Value{}}
	set := func(k string, v Value) {
		for i, kk := range m.Keys {
			if kk == k {
				m.Elems[i] = v
				return
			}
		}
		m.Keys = append(m.Keys, k)
		m.Elems = append(m.Elems, v)
	}
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		start := i
		for i < len(s) && s[i] > ' ' && s[i] != '=' && s[i] != '"' {
			i++
		}
		key := s[start:i]
		if key == "" {
			// Stray = or " with no key: skip it.
			if i < len(s) {
				i++
			}
			continue
		}
		if i >= len(s) || s[i] != '=' {
			set(key, Str("true"))
			continue
		}
		i++ // =
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					default:
						b.WriteByte(s[i])
					}
					i++
					continue
				}
				b.WriteByte(s[i])
				i++
			}
			i++ // closing quote (or the end of an unterminated value)
			set(key, Str(b.String()))
			continue
		}
		vs := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' {
			i++
		}
		set(key, Str(s[vs:i]))
	}
	if len(m.Keys) == 0 {
		return absentValue
	}
	return m
}

// parseCSV assigns the comma-separated values of the first record of s to the parse's names in
// order, with RFC 4180 quoting ("a, b" is one value, "" in quotes is a quote). Names beyond the
// values are not set; values beyond the names are ignored. Values are kept as written: a space
// after a comma is part of the value.
func parseCSV(r *rowState, op *rowOp, s string) {
	cr := csv.NewReader(strings.NewReader(s))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err != nil {
		return
	}
	for i, slot := range op.groupTo {
		if i >= len(rec) {
			break
		}
		r.vars[slot] = Str(rec[i])
		r.set[slot] = true
	}
}
