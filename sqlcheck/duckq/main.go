// Command duckq runs an Insights query on an embedded DuckDB over a dataset written by
// `auditgrep convert`: it translates the query with pkg/sqlgen, creates the view with
// pkg/convert's DDL, and prints the rows as JSON lines (absent fields left out), like
// `auditgrep --format json`.
//
//	cd sqlcheck && go run ./duckq [-sql] DIR 'QUERY'
//
// With -sql the QUERY is SQL, run as is over the view auditgrep_events.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/auditgrep/auditgrep/pkg/convert"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/sqlgen"
	"github.com/auditgrep/auditgrep/sqlcheck/render"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	raw := flag.Bool("sql", false, "QUERY is SQL, not an Insights query")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: duckq [-sql] DIR QUERY")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *raw); err != nil {
		fmt.Fprintln(os.Stderr, "duckq:", err)
		os.Exit(2)
	}
}

func run(dir, query string, raw bool) error {
	stmt := query
	if !raw {
		q, err := syntax.Parse(query)
		if err != nil {
			return err
		}
		if stmt, err = sqlgen.Translate(q, sqlgen.Options{Engine: sqlgen.DuckDB, Columns: sqlgen.DatasetColumns(), StreamPartition: true}); err != nil {
			if se, ok := err.(*syntax.Error); ok {
				return fmt.Errorf("%s\n    %s\n    %s^", se.Msg, query, strings.Repeat(" ", se.Offset))
			}
			return err
		}
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	ddl, err := convert.DDL(convert.DDLOptions{Engine: "duckdb", Location: dir})
	if err != nil {
		return err
	}
	if _, err := db.Exec(ddl); err != nil {
		return err
	}
	cols, rows, err := render.QueryRaw(db, stmt)
	if err != nil {
		return fmt.Errorf("%v\n%s", err, stmt)
	}
	for _, r := range rows {
		var b strings.Builder
		b.WriteString("{")
		first := true
		for i, raw := range r {
			v := render.Value(raw)
			if v == render.Absent {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			k, _ := json.Marshal(cols[i])
			val, _ := json.Marshal(v)
			switch raw.(type) {
			case float64, float32, int64, int32, int16, int8, uint64, uint32, uint16, uint8, bool:
				val = []byte(v) // numbers (and booleans, as 1/0) print as JSON numbers
			}
			b.Write(k)
			b.WriteString(":")
			b.Write(val)
		}
		b.WriteString("}")
		fmt.Println(b.String())
	}
	return nil
}
