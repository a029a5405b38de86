package serve

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// fieldCounter is the discovered-fields panel of a result: the fields present in the rows the
// page shows, and in their events (the flattened names of a JSON @message, as the query language
// names them: objectRef.name, sourceIPs.0), with the number of rows that have each.
type fieldCounter struct {
	counts map[string]int64
	rows   int64
	// capped says names were left out: a result whose events carry more distinct names than
	// maxFieldNames (a hostile input could have millions) keeps the first ones.
	capped bool
	seen   map[string]bool // scratch: the names of the current row
}

const maxFieldNames = 2000

func newFieldCounter() *fieldCounter {
	return &fieldCounter{counts: map[string]int64{}, seen: map[string]bool{}}
}

// addRow counts the row's columns (present values only) and its event's fields.
func (fc *fieldCounter) addRow(cols []string, present []bool, raw []byte) {
	fc.rows++
	clear(fc.seen)
	for i, c := range cols {
		if present[i] {
			fc.note(c)
		}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) == nil {
			fc.flatten("", v)
		}
	}
}

func (fc *fieldCounter) note(name string) {
	if fc.seen[name] {
		return
	}
	fc.seen[name] = true
	if _, ok := fc.counts[name]; !ok && len(fc.counts) >= maxFieldNames {
		fc.capped = true
		return
	}
	fc.counts[name]++
}

func (fc *fieldCounter) flatten(prefix string, v any) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fc.flatten(join(k), e)
		}
	case []any:
		for i, e := range x {
			fc.flatten(join(strconv.Itoa(i)), e)
		}
	default:
		if prefix != "" {
			fc.note(prefix)
		}
	}
}

type fieldJSON struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

type fieldsJSON struct {
	Rows   int64       `json:"rows"`
	Fields []fieldJSON `json:"fields"`
	Capped bool        `json:"capped,omitempty"`
}

// snapshot lists the fields, the most frequent first, then by name.
func (fc *fieldCounter) snapshot() fieldsJSON {
	out := fieldsJSON{Rows: fc.rows, Capped: fc.capped, Fields: []fieldJSON{}}
	for n, c := range fc.counts {
		out.Fields = append(out.Fields, fieldJSON{n, c})
	}
	sort.Slice(out.Fields, func(i, j int) bool {
		a, b := out.Fields[i], out.Fields[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Name < b.Name
	})
	return out
}
