package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/auditgrep/auditgrep/pkg/convert"
	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/sqlgen"
)

// sqlCmd prints the SQL statement that answers a query over the converted dataset:
// `auditgrep sql --engine athena 'stats count(*) by verb'`.
type sqlCmd struct {
	Engine      string `default:"duckdb" enum:"duckdb,athena,trino,spark" help:"The SQL dialect: duckdb, athena, trino or spark."`
	Table       string `default:"auditgrep_events" placeholder:"NAME" help:"The table (or view) to read, as created by auditgrep ddl; may be qualified (db.table)."`
	PartitionBy string `default:"date,hour,logstream_kind" placeholder:"KEYS" help:"The dataset's partition folders, as given to convert; with date and logstream_kind, the time range and a filter on @logStream's prefix also name the partitions to read."`
	rangeFlags  `embed:""`
	Query       string `arg:"" name:"QUERY" help:"The Logs Insights query."`
}

func (c *sqlCmd) run(e *env) int {
	// The engine's own checks first, so an invalid query gets the error a run would give.
	if _, err := match.Compile(c.Query, match.Options{}); err != nil {
		printQueryError(e.stderr, c.Query, err)
		return exitError
	}
	q, err := syntax.Parse(c.Query)
	if err != nil {
		printQueryError(e.stderr, c.Query, err)
		return exitError
	}
	tr, err := c.rangeFlags.parse(time.Now())
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	var mo match.Options
	tr.setOptions(&mo)
	keys, err := convert.ParsePartitionBy(c.PartitionBy)
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	s, err := sqlgen.Translate(q, sqlgen.Options{Engine: sqlgen.Engine(c.Engine), Table: c.Table,
		Columns: sqlgen.DatasetColumns(), StreamPartition: slices.Contains(keys, convert.KeyStream),
		Start: mo.QueryStart, End: mo.QueryEnd, DatePartition: slices.Contains(keys, convert.KeyDate)})
	if err != nil {
		printQueryError(e.stderr, c.Query, err)
		return exitError
	}
	// No trailing semicolon: APIs (Athena, Trino over HTTP/JDBC) refuse one, and the
	// command-line clients (-c, -e, --execute) do not need it.
	fmt.Fprintln(e.stdout, s)
	return exitMatch
}
