// Command parquetcheck reads auditgrep's Parquet output with DuckDB and checks it against
// auditgrep's JSON output for the same query: the row count, each column's DuckDB type (integers
// as BIGINT, other numbers as DOUBLE, timestamps as TIMESTAMP WITH TIME ZONE, strings as
// VARCHAR), and every value.
//
// It lives in its own module (bench/duckdb) because duckdb-go needs cgo and a large native
// library; the root module's tests never build it.
//
//	cd bench/duckdb && go run ./parquetcheck -bin /path/to/auditgrep ../../testdata/export
//
// With no -bin it builds auditgrep from the repository (../..) into a temporary folder.
//
// With -sql it only runs that SQL in DuckDB and prints the rows tab-separated (for machines
// without the duckdb CLI):
//
//	go run ./parquetcheck -sql "SELECT count(*) FROM 'calls.parquet'"
package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// queries cover event rows (timestamps, strings, integers, @message) and stats rows (counts,
// averages, a bin() timestamp).
var queries = []string{
	`fields @timestamp, @logStream, verb, responseStatus.code, user.username, requestURI, @message`,
	`filter @logStream like /^kube-apiserver-audit/ | stats count(*) as count by responseStatus.code | sort count desc`,
	`stats count(*) as n, avg(responseStatus.code) as avg_code, max(@timestamp) as last by verb | sort verb`,
	`stats count(*) as n by bin(1h) as hour | sort hour`,
	`filter verb = "no-such-verb" | fields @timestamp, verb`,
}

func main() {
	bin := flag.String("bin", "", "auditgrep binary (default: build it from ../..)")
	repo := flag.String("repo", "../..", "the auditgrep repository, to build the binary from")
	query := flag.String("sql", "", "only run this SQL in DuckDB and print the rows")
	flag.Parse()
	if *query != "" {
		check(runSQL(*query))
		return
	}
	paths := flag.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join(*repo, "testdata", "export")}
	}
	tmp, err := os.MkdirTemp("", "parquetcheck-")
	check(err)
	defer os.RemoveAll(tmp)
	if *bin == "" {
		*bin = filepath.Join(tmp, "auditgrep")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/auditgrep")
		cmd.Dir = *repo
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}
	db, err := sql.Open("duckdb", "")
	check(err)
	defer db.Close()

	var version string
	check(db.QueryRow("SELECT version()").Scan(&version))
	fmt.Printf("DuckDB %s, auditgrep %s\n", version, *bin)

	failed := 0
	for i, q := range queries {
		pq := filepath.Join(tmp, fmt.Sprintf("q%d.parquet", i))
		args := append([]string{"--format", "json", q}, paths...)
		jsonOut, err := exec.Command(*bin, args...).Output()
		if err != nil && exitCode(err) > 1 {
			check(fmt.Errorf("auditgrep json: %v", err))
		}
		args = append([]string{"-o", pq, q}, paths...)
		if out, err := exec.Command(*bin, args...).CombinedOutput(); err != nil && exitCode(err) > 1 {
			check(fmt.Errorf("auditgrep parquet: %v: %s", err, out))
		}
		start := time.Now()
		errs, schema := compare(db, pq, jsonOut)
		if len(errs) > 0 {
			failed++
			fmt.Printf("FAIL %s\n", q)
			for _, e := range errs {
				fmt.Printf("    %s\n", e)
			}
		} else {
			fmt.Printf("ok   %s\n     %d rows, read in %v; %s\n", q, bytes.Count(jsonOut, []byte("\n")), time.Since(start).Round(time.Millisecond), schema)
		}
	}
	if failed > 0 {
		fmt.Printf("parquetcheck: %d of %d queries FAILED\n", failed, len(queries))
		os.Exit(1)
	}
	fmt.Printf("parquetcheck: all %d queries passed\n", len(queries))
}

// compare checks the Parquet file against the JSON lines of the same query; it also returns
// the file's columns with their DuckDB types.
func compare(db *sql.DB, pq string, jsonOut []byte) (errs []string, schema string) {
	errs, cols, types := compareFile(db, pq, jsonOut)
	for i := range cols {
		if i > 0 {
			schema += ", "
		}
		schema += cols[i] + " " + types[i]
	}
	return errs, schema
}

func compareFile(db *sql.DB, pq string, jsonOut []byte) (errs []string, cols, types []string) {
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }

	var rows []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(jsonOut))
	sc.Buffer(nil, 1<<30)
	for sc.Scan() {
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			return []string{fmt.Sprintf("json line: %v", err)}, nil, nil
		}
		rows = append(rows, m)
	}

	lit := "'" + strings.ReplaceAll(pq, "'", "''") + "'"
	var n int
	if err := db.QueryRow("SELECT count(*) FROM read_parquet(" + lit + ")").Scan(&n); err != nil {
		return []string{fmt.Sprintf("count: %v", err)}, nil, nil
	}
	if n != len(rows) {
		bad("row count: parquet %d, json %d", n, len(rows))
	}

	// Column names and DuckDB types.
	r, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(" + lit + "))")
	if err != nil {
		return append(errs, fmt.Sprintf("describe: %v", err)), nil, nil
	}
	for r.Next() {
		var c, t string
		if err := r.Scan(&c, &t); err != nil {
			return append(errs, err.Error()), cols, types
		}
		cols, types = append(cols, c), append(types, t)
	}
	r.Close()
	for i, c := range cols {
		if want := expectType(c, rows); want != "" && want != types[i] {
			bad("column %s: DuckDB type %s, want %s", c, types[i], want)
		}
	}

	// Every value, in row order (the file keeps the output order).
	sel := make([]string, len(cols))
	for i, c := range cols {
		q := `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		if types[i] == "TIMESTAMP WITH TIME ZONE" {
			// As the JSON renders it: UTC, milliseconds.
			sel[i] = "strftime(timezone('UTC', " + q + "), '%Y-%m-%d %H:%M:%S.%g')"
		} else {
			sel[i] = q
		}
	}
	r, err = db.Query("SELECT " + strings.Join(sel, ", ") + " FROM read_parquet(" + lit + ")")
	if err != nil {
		return append(errs, fmt.Sprintf("select: %v", err)), cols, types
	}
	defer r.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := 0
	for r.Next() && len(errs) < 10 {
		if err := r.Scan(ptrs...); err != nil {
			return append(errs, err.Error()), cols, types
		}
		if row >= len(rows) {
			break
		}
		for i, c := range cols {
			jv, ok := rows[row][c]
			if !equal(vals[i], jv, ok, c) {
				bad("row %d column %s: parquet %v (%T), json %v", row, c, short(vals[i]), vals[i], short(jv))
			}
		}
		row++
	}
	return errs, cols, types
}

// expectType is the DuckDB type auditgrep's schema rules give a column with the JSON values
// seen in rows ("" when the JSON cannot tell, such as a column absent from every row).
func expectType(col string, rows []map[string]any) string {
	if col == "@message" {
		return "VARCHAR"
	}
	allInt, allNum, allTime, any := true, true, true, false
	for _, m := range rows {
		v, ok := m[col]
		if !ok {
			continue
		}
		any = true
		switch v := v.(type) {
		case json.Number:
			allTime = false
			if _, err := strconv.ParseInt(string(v), 10, 64); err != nil {
				allInt = false
			}
		case string:
			allInt, allNum = false, false
			if _, err := time.Parse("2006-01-02 15:04:05.000", v); err != nil {
				allTime = false
			}
		default:
			allInt, allNum, allTime = false, false, false
		}
	}
	switch {
	case !any:
		return ""
	case allInt && allNum:
		return "BIGINT"
	case allNum:
		return "DOUBLE"
	case allTime:
		return "TIMESTAMP WITH TIME ZONE"
	}
	return "VARCHAR"
}

func equal(pv, jv any, present bool, col string) bool {
	if !present {
		return pv == nil
	}
	switch j := jv.(type) {
	case json.Number:
		f, _ := j.Float64()
		switch p := pv.(type) {
		case int64:
			return float64(p) == f
		case float64:
			return p == f || math.Abs(p-f) <= 1e-9*math.Abs(f)
		case string:
			return p == string(j)
		}
		return false
	case string:
		p, ok := pv.(string)
		return ok && p == j
	case bool:
		p, ok := pv.(bool)
		return ok && p == j
	default:
		// An embedded object or list (@message, a list value): compare as JSON.
		p, ok := pv.(string)
		if !ok {
			return false
		}
		var a, b any
		if json.Unmarshal([]byte(p), &a) != nil {
			return false
		}
		bj, _ := json.Marshal(jv)
		json.Unmarshal(bj, &b)
		aj, _ := json.Marshal(a)
		bj, _ = json.Marshal(b)
		return bytes.Equal(aj, bj)
	}
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

func runSQL(q string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := db.Query(q)
	if err != nil {
		return err
	}
	defer r.Close()
	cols, _ := r.Columns()
	fmt.Println(strings.Join(cols, "\t"))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for r.Next() {
		if err := r.Scan(ptrs...); err != nil {
			return err
		}
		s := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			s[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(s, "\t"))
	}
	return r.Err()
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "parquetcheck:", err)
		os.Exit(2)
	}
}
