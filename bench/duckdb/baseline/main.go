// Command baseline runs the DuckDB side of bench/run.sh: the eviction needle and the
// response-code count of auditgrep's benchmark, written the fastest correct way we found for
// DuckDB, over the same files, with the same thread count. It prints the result rows as JSON
// lines on stdout and, on stderr, the row count and the time.
//
//	baseline -q QUERY [-threads N] [-explain] GLOB
//
// Queries (-q):
//
//	needle-csv   eviction needle over a CloudWatch export: read_csv of whole lines
//	             (delimiter \x01, no quoting), JSON taken from byte 26 on (after the
//	             "2021-08-11T10:09:43.095Z " prefix) with json_extract_string.
//	             GLOB: the export's audit objects, DIR/*/kube-apiserver-audit-*/*.gz
//	             (the @logStream filter is the glob).
//	stats-csv    count(*) by responseStatus.code, same reading as needle-csv.
//	needle-json  eviction needle with read_json (newline_delimited, explicit columns) over
//	             raw audit log files, GLOB e.g. DIR/*.jsonl.gz: DuckDB's documented way.
//	sql          GLOB is a whole SQL statement, for experiments.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// lines reads whole lines of gzipped text, one VARCHAR column "line": no delimiter can occur
// (\x01), no quoting or escaping, no sniffing, lines up to 64 MiB like auditgrep's default.
const lines = `read_csv(FILES, delim=E'\x01', columns={'line':'VARCHAR'}, header=false, compression='gzip',
	quote='', escape='', auto_detect=false, max_line_size=67108864, parallel=true)`

// msg is the message after the export's 25-character timestamp prefix.
const msg = `substr(line, 26)`

var queries = map[string]string{
	// The LIKE on the raw line is a cheap prefilter that DuckDB evaluates before the JSON
	// functions; the JSON predicates alone decide (the needle count is the same without it).
	"needle-csv": `SELECT substr(line, 1, 24) AS "@timestamp",
	json_extract_string(` + msg + `, '$.user.username') AS "user.username",
	json_extract_string(` + msg + `, '$.requestURI') AS "requestURI"
FROM ` + lines + `
WHERE line LIKE '%eviction%'
  AND json_extract_string(` + msg + `, '$.verb') = 'create'
  AND json_extract_string(` + msg + `, '$.objectRef.subresource') = 'eviction'`,

	"stats-csv": `SELECT json_extract(` + msg + `, '$.responseStatus.code')::BIGINT AS "responseStatus.code", count(*) AS "count(*)"
FROM ` + lines + `
GROUP BY 1`,

	"needle-json": `SELECT stageTimestamp AS "@timestamp", "user".username AS "user.username", requestURI
FROM read_json(FILES, format='newline_delimited', compression='gzip', maximum_object_size=67108864,
	columns={'stageTimestamp':'VARCHAR', 'verb':'VARCHAR', 'requestURI':'VARCHAR',
		'user':'STRUCT(username VARCHAR)', 'objectRef':'STRUCT(subresource VARCHAR)'})
WHERE verb = 'create' AND objectRef.subresource = 'eviction'`,
}

func main() {
	q := flag.String("q", "", "query: needle-csv, stats-csv, needle-json or sql")
	threads := flag.Int("threads", runtime.GOMAXPROCS(0), "DuckDB threads")
	explain := flag.Bool("explain", false, "print the SQL and the plan instead of running it")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: baseline -q needle-csv|stats-csv|needle-json|sql [-threads N] GLOB|SQL")
		os.Exit(2)
	}
	text := flag.Arg(0)
	if *q != "sql" {
		tmpl, ok := queries[*q]
		if !ok {
			fmt.Fprintf(os.Stderr, "baseline: unknown query %q\n", *q)
			os.Exit(2)
		}
		text = strings.ReplaceAll(tmpl, "FILES", quote(text))
	}
	if err := run(text, *threads, *explain); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func run(text string, threads int, explain bool) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
		return err
	}
	if explain {
		fmt.Println(text)
		text = "EXPLAIN " + text
	}
	start := time.Now()
	rows, err := conn.QueryContext(ctx, text)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	n := 0
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if explain {
			fmt.Println(vals[len(vals)-1])
			continue
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			row[c] = vals[i]
		}
		if err := enc.Encode(row); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "baseline: %d rows in %.3fs\n", n, time.Since(start).Seconds())
	return nil
}
