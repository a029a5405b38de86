// Package duckdb is the home of the DuckDB comparisons of auditgrep's benchmarks. It is a
// module of its own (bench/duckdb/go.mod) so that the cgo build of DuckDB never enters the
// root module: `go test ./...` at the root does not see it. Each command lives in a folder
// of its own (baseline: the queries of bench/run.sh); build one with
//
//	cd bench/duckdb && go build -o /tmp/duckdb-baseline ./baseline
package duckdb
