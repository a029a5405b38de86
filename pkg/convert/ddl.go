package convert

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Engines are the SQL engines DDL writes for.
var Engines = []string{"athena", "trino", "spark", "duckdb"}

// DDLOptions describe the table DDL prints.
type DDLOptions struct {
	// Engine is one of Engines.
	Engine string
	// Location is the dataset's root: a local folder or an s3:// (s3a://, gs://, ...) URL.
	Location string
	// Table is the table's (or view's) name; Schema qualifies it for Trino.
	Table, Schema string
	// PartitionBy is the dataset's layout, as given to Convert (nil: DefaultPartitionBy).
	PartitionBy []Key
	// Since is the first date Athena's partition projection enumerates (YYYY-MM-DD).
	Since string
}

// DefaultTable is the table name when none is given.
const DefaultTable = "auditgrep_events"

// DefaultSince is the first date of Athena's projected date range when none is given: before
// Amazon EKS existed, and recent enough that the enumeration stays small.
const DefaultSince = "2018-01-01"

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// DDL returns the statements that make the dataset at o.Location a table (a view for DuckDB)
// of the engine: an external table over the Parquet files, with its partitions found by
// partition projection (Athena), sync_partition_metadata (Trino), MSCK REPAIR TABLE (Spark) or
// hive_partitioning (DuckDB).
func DDL(o DDLOptions) (string, error) {
	if o.Table == "" {
		o.Table = DefaultTable
	}
	if o.Schema == "" {
		o.Schema = "default"
	}
	if o.PartitionBy == nil {
		o.PartitionBy = DefaultPartitionBy
	}
	if o.Since == "" {
		o.Since = DefaultSince
	}
	if !identRE.MatchString(o.Table) {
		return "", fmt.Errorf("--table %q: use lowercase letters, digits and underscores (every engine takes those unquoted)", o.Table)
	}
	if !identRE.MatchString(o.Schema) {
		return "", fmt.Errorf("--schema %q: use lowercase letters, digits and underscores", o.Schema)
	}
	if _, err := time.Parse("2006-01-02", o.Since); err != nil {
		return "", fmt.Errorf("--since %q: want a date YYYY-MM-DD", o.Since)
	}
	if strings.ContainsAny(o.Location, "'\n") {
		return "", fmt.Errorf("location %q: a quote or line break cannot go into the DDL", o.Location)
	}
	remote := strings.Contains(o.Location, "://")
	root := o.Location
	if remote {
		root = strings.TrimRight(root, "/") + "/"
	} else {
		abs, err := filepath.Abs(root)
		if err != nil {
			return "", err
		}
		root = filepath.ToSlash(abs)
		root = strings.TrimRight(root, "/") + "/"
	}
	var b strings.Builder
	switch o.Engine {
	case "athena":
		if !strings.HasPrefix(o.Location, "s3://") {
			return "", fmt.Errorf("athena reads S3: copy the dataset to S3 (aws s3 sync %s s3://BUCKET/PREFIX/) and give that s3:// URL", o.Location)
		}
		athena(&b, o, root)
	case "trino":
		if !remote {
			root = "local://" + root
		}
		trino(&b, o, root)
	case "spark":
		if !remote {
			root = "file://" + root
		}
		spark(&b, o, root)
	case "duckdb":
		duckdb(&b, o, root)
	default:
		return "", fmt.Errorf("engine %q: want one of %s", o.Engine, strings.Join(Engines, ", "))
	}
	return b.String(), nil
}

// hiveType spells a column type for Hive DDL (Athena, Spark).
func hiveType(c Column) string { return string(c.Type) }

func trinoType(c Column) string {
	switch c.Type {
	case TypeTimestamp:
		return "timestamp(3)"
	case TypeString:
		return "varchar"
	case TypeInt:
		return "integer"
	case TypeList:
		return "array(varchar)"
	}
	return "map(varchar, varchar)"
}

func athena(b *strings.Builder, o DDLOptions, root string) {
	fmt.Fprintf(b, "CREATE EXTERNAL TABLE IF NOT EXISTS `%s` (\n", o.Table)
	for i, c := range Columns {
		fmt.Fprintf(b, "  `%s` %s%s\n", c.Name, hiveType(c), comma(i, len(Columns)))
	}
	b.WriteString(")\n")
	var template []string
	if len(o.PartitionBy) > 0 {
		var parts []string
		for _, k := range o.PartitionBy {
			parts = append(parts, fmt.Sprintf("`%s` string", k.Dir()))
			template = append(template, k.Dir()+"=${"+k.Dir()+"}")
		}
		fmt.Fprintf(b, "PARTITIONED BY (%s)\n", strings.Join(parts, ", "))
	}
	b.WriteString("STORED AS PARQUET\n")
	fmt.Fprintf(b, "LOCATION '%s'", root)
	if len(o.PartitionBy) == 0 {
		b.WriteString(";\n")
		return
	}
	b.WriteString("\nTBLPROPERTIES (\n  'projection.enabled' = 'true',\n")
	for _, k := range o.PartitionBy {
		switch k {
		case KeyDate:
			fmt.Fprintf(b, "  'projection.date.type' = 'date',\n  'projection.date.format' = 'yyyy-MM-dd',\n  'projection.date.range' = '%s,NOW',\n  'projection.date.interval' = '1',\n  'projection.date.interval.unit' = 'DAYS',\n", o.Since)
		case KeyHour:
			hours := make([]string, 24)
			for h := range hours {
				hours[h] = fmt.Sprintf("%02d", h)
			}
			fmt.Fprintf(b, "  'projection.hour.type' = 'enum',\n  'projection.hour.values' = '%s',\n", strings.Join(hours, ","))
		case KeyStream:
			fmt.Fprintf(b, "  'projection.stream.type' = 'enum',\n  'projection.stream.values' = '%s',\n", strings.Join(StreamKinds, ","))
		}
	}
	fmt.Fprintf(b, "  'storage.location.template' = '%s%s/'\n);\n", root, strings.Join(template, "/"))
}

func trino(b *strings.Builder, o DDLOptions, root string) {
	fmt.Fprintf(b, "CREATE TABLE \"%s\".\"%s\" (\n", o.Schema, o.Table)
	n := len(Columns) + len(o.PartitionBy)
	for i, c := range Columns {
		fmt.Fprintf(b, "  \"%s\" %s%s\n", c.Name, trinoType(c), comma(i, n))
	}
	var keys []string
	for i, k := range o.PartitionBy {
		fmt.Fprintf(b, "  \"%s\" varchar%s\n", k.Dir(), comma(len(Columns)+i, n))
		keys = append(keys, "'"+k.Dir()+"'")
	}
	b.WriteString(")\nWITH (\n")
	fmt.Fprintf(b, "  external_location = '%s',\n  format = 'PARQUET'", root)
	if len(keys) > 0 {
		fmt.Fprintf(b, ",\n  partitioned_by = ARRAY[%s]", strings.Join(keys, ", "))
	}
	b.WriteString("\n);\n")
	if len(keys) > 0 {
		fmt.Fprintf(b, "CALL system.sync_partition_metadata('%s', '%s', 'FULL');\n", o.Schema, o.Table)
	}
}

func spark(b *strings.Builder, o DDLOptions, root string) {
	fmt.Fprintf(b, "CREATE TABLE IF NOT EXISTS `%s` (\n", o.Table)
	n := len(Columns) + len(o.PartitionBy)
	for i, c := range Columns {
		fmt.Fprintf(b, "  `%s` %s%s\n", c.Name, strings.ToUpper(hiveType(c)), comma(i, n))
	}
	var keys []string
	for i, k := range o.PartitionBy {
		fmt.Fprintf(b, "  `%s` STRING%s\n", k.Dir(), comma(len(Columns)+i, n))
		keys = append(keys, "`"+k.Dir()+"`")
	}
	b.WriteString(")\nUSING PARQUET\n")
	if len(keys) > 0 {
		fmt.Fprintf(b, "PARTITIONED BY (%s)\n", strings.Join(keys, ", "))
	}
	fmt.Fprintf(b, "LOCATION '%s';\n", root)
	if len(keys) > 0 {
		fmt.Fprintf(b, "MSCK REPAIR TABLE `%s`;\n", o.Table)
	}
}

func duckdb(b *strings.Builder, o DDLOptions, root string) {
	glob := root
	var types []string
	for _, k := range o.PartitionBy {
		glob += k.Dir() + "=*/"
		types = append(types, fmt.Sprintf("'%s': VARCHAR", k.Dir()))
	}
	glob += "*.parquet"
	fmt.Fprintf(b, "CREATE OR REPLACE VIEW \"%s\" AS\nSELECT * FROM read_parquet('%s'", o.Table, glob)
	if len(types) > 0 {
		fmt.Fprintf(b, ", hive_partitioning = true, hive_types = {%s}", strings.Join(types, ", "))
	} else {
		b.WriteString(", hive_partitioning = false")
	}
	b.WriteString(");\n")
}

func comma(i, n int) string {
	if i < n-1 {
		return ","
	}
	return ""
}
