// Package render reads DuckDB results as auditgrep prints Insights values, so the two can be
// compared text for text.
package render

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Absent stands for SQL NULL: a field the row does not have.
const Absent = "\x00absent"

// Query runs stmt and returns its column names and rendered rows.
func Query(db *sql.DB, stmt string) ([]string, [][]string, error) {
	cols, raw, err := QueryRaw(db, stmt)
	if err != nil {
		return nil, nil, err
	}
	rows := make([][]string, len(raw))
	for i, r := range raw {
		rows[i] = make([]string, len(r))
		for j, v := range r {
			rows[i][j] = Value(v)
		}
	}
	return cols, rows, nil
}

// QueryRaw runs stmt and returns its column names and the values as the driver gives them.
func QueryRaw(db *sql.DB, stmt string) ([]string, [][]any, error) {
	rs, err := db.Query(stmt)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, nil, err
	}
	var rows [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		rows = append(rows, vals)
	}
	return cols, rows, rs.Err()
}

// Value prints a DuckDB value as auditgrep prints the Insights value: timestamps as
// YYYY-MM-DD HH:MM:SS.mmm UTC, numbers as pkg/match formats them, booleans 1/0.
func Value(v any) string {
	switch v := v.(type) {
	case nil:
		return Absent
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04:05.000")
	case float64:
		return FormatNumber(v)
	case float32:
		return FormatNumber(float64(v))
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case bool:
		if v {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(v)
}

// FormatNumber is pkg/match's rendering of a computed number.
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return strconv.FormatFloat(f, 'g', -1, 64)
	case f == math.Trunc(f) && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case math.Abs(f) >= 1e-6 && math.Abs(f) < 1e21:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
