package convert

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the DDL goldens in testdata/ddl")

// The DDL of every engine, for an S3 URL and a local folder, is the text in testdata/ddl
// (an error is written as "error: ...").
func TestDDLGolden(t *testing.T) {
	locations := map[string]string{"s3": "s3://audit-bucket/eks/prod-dataset", "local": "/data/auditgrep-dataset"}
	for _, engine := range Engines {
		for kind, loc := range locations {
			got, err := DDL(DDLOptions{Engine: engine, Location: loc})
			if err != nil {
				got = "error: " + err.Error() + "\n"
			}
			golden := filepath.Join("testdata", "ddl", engine+"-"+kind+".sql")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./pkg/convert -run DDLGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s %s:\n%s\nwant (%s):\n%s", engine, kind, got, golden, want)
			}
		}
	}
}

func TestDDLOptions(t *testing.T) {
	for _, c := range []struct {
		o    DDLOptions
		want string // a substring of the DDL, or of the error after "error: "
	}{
		{DDLOptions{Engine: "athena", Location: "s3://b/p/", Table: "audit", Since: "2024-03-01"}, "'projection.date.range' = '2024-03-01,NOW'"},
		{DDLOptions{Engine: "athena", Location: "s3://b/p", PartitionBy: []Key{KeyStream, KeyDate}}, "'storage.location.template' = 's3://b/p/stream=${stream}/date=${date}/'"},
		{DDLOptions{Engine: "athena", Location: "s3://b/p", PartitionBy: []Key{}}, "LOCATION 's3://b/p/';"},
		{DDLOptions{Engine: "duckdb", Location: "/d", PartitionBy: []Key{}}, "read_parquet('/d/*.parquet', hive_partitioning = false)"},
		{DDLOptions{Engine: "duckdb", Location: "/d", PartitionBy: []Key{KeyHour}}, "'/d/hour=*/*.parquet', hive_partitioning = true, hive_types = {'hour': VARCHAR}"},
		{DDLOptions{Engine: "trino", Location: "s3://b/p", Schema: "logs"}, "CALL system.sync_partition_metadata('logs', 'auditgrep_events', 'FULL');"},
		{DDLOptions{Engine: "spark", Location: "s3a://b/p"}, "LOCATION 's3a://b/p/';\nMSCK REPAIR TABLE `auditgrep_events`;"},
		{DDLOptions{Engine: "athena", Location: "s3://b/p", Table: "Bad-Name"}, "error: --table"},
		{DDLOptions{Engine: "athena", Location: "s3://b/p", Since: "yesterday"}, "error: --since"},
		{DDLOptions{Engine: "duckdb", Location: "/it's"}, "error: location"},
		{DDLOptions{Engine: "mysql", Location: "/d"}, "error: engine"},
	} {
		got, err := DDL(c.o)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%+v:\n%s\nwant it to contain %q", c.o, got, c.want)
		}
	}
}
