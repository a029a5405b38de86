package main

import (
	"fmt"

	"github.com/auditgrep/auditgrep/pkg/convert"
)

// ddlCmd prints the table definition of a converted dataset for an engine:
// `auditgrep ddl --engine athena s3://bucket/prefix`.
type ddlCmd struct {
	Engine      string `required:"" enum:"athena,trino,spark,duckdb" help:"The SQL engine: athena, trino, spark or duckdb."`
	Table       string `default:"auditgrep_events" placeholder:"NAME" help:"The table's (DuckDB: view's) name."`
	Schema      string `default:"default" placeholder:"NAME" help:"Trino: the schema the table is created in."`
	PartitionBy string `default:"date,hour,logstream_kind" placeholder:"KEYS" help:"The dataset's partition folders, as given to convert."`
	Since       string `default:"2018-01-01" placeholder:"DATE" help:"Athena: the first date partition projection enumerates (YYYY-MM-DD)."`
	Location    string `arg:"" name:"LOCATION" help:"The dataset's root: the folder given to convert -o, or the s3:// URL it was copied to."`
}

func (c *ddlCmd) run(e *env) int {
	keys, err := convert.ParsePartitionBy(c.PartitionBy)
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: %v\n", err)
		return exitError
	}
	s, err := convert.DDL(convert.DDLOptions{Engine: c.Engine, Location: c.Location, Table: c.Table,
		Schema: c.Schema, PartitionBy: keys, Since: c.Since})
	if err != nil {
		fmt.Fprintf(e.stderr, "auditgrep: ddl: %v\n", err)
		return exitError
	}
	fmt.Fprint(e.stdout, s)
	return exitMatch
}
