// Command datasetcheck reads a dataset written by `auditgrep convert` with DuckDB, through the
// view `auditgrep ddl --engine duckdb` prints, and checks it against auditgrep's own answers on
// the original input: the rows of every partition (date, hour, stream), and the rows by
// response code and by verb. It exits 1 when any of them differs.
//
// It lives in this module (cgo, DuckDB) so that the root module stays cgo-free.
//
//	cd bench/duckdb && go run ./datasetcheck [-bin /path/to/auditgrep] [PATH...]
//
// With no PATH it checks ../../testdata/export (whose README.md is read as text lines without
// a timestamp: the null partition). With no -bin it builds auditgrep from ../.. first.
package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// kinds are the stream partition values, tried in order as prefixes of @logStream
// (docs/dataset.md, "Stream kinds").
var kinds = []string{"kube-apiserver-audit", "kube-apiserver", "authenticator", "kube-controller-manager",
	"kube-scheduler", "cloud-controller-manager"}

func kind(stream string) string {
	for _, k := range kinds {
		if strings.HasPrefix(stream, k) {
			return k
		}
	}
	return "other"
}

func main() {
	bin := flag.String("bin", "", "auditgrep binary (default: build it from ../..)")
	repo := flag.String("repo", "../..", "the auditgrep repository, to build the binary from")
	flag.Parse()
	paths := flag.Args()
	if len(paths) == 0 {
		paths = []string{filepath.Join(*repo, "testdata", "export")}
	}
	tmp, err := os.MkdirTemp("", "datasetcheck-")
	check(err)
	defer os.RemoveAll(tmp)
	if *bin == "" {
		*bin = filepath.Join(tmp, "auditgrep")
		cmd := exec.Command("go", "build", "-o", *bin, "./cmd/auditgrep")
		cmd.Dir = *repo
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		check(cmd.Run())
	}
	ds := filepath.Join(tmp, "dataset")
	out, err := exec.Command(*bin, append([]string{"convert", "--stats", "-o", ds}, paths...)...).CombinedOutput()
	fmt.Print(string(out))
	if err != nil && exitCode(err) != 2 {
		check(fmt.Errorf("convert: %v", err))
	}
	ddl, err := exec.Command(*bin, "ddl", "--engine", "duckdb", ds).Output()
	check(err)
	db, err := sql.Open("duckdb", "")
	check(err)
	defer db.Close()
	_, err = db.Exec(string(ddl))
	check(err)

	failed := 0
	compare := func(what string, want map[string]int, query string) {
		got := map[string]int{}
		rows, err := db.Query(query)
		check(err)
		for rows.Next() {
			var k sql.NullString
			var n int
			check(rows.Scan(&k, &n))
			key := "NULL"
			if k.Valid {
				key = k.String
			}
			got[key] = n
		}
		check(rows.Err())
		keys := map[string]bool{}
		for k := range want {
			keys[k] = true
		}
		for k := range got {
			keys[k] = true
		}
		bad := 0
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range keys {
				if !yield(k) {
					return
				}
			}
		}) {
			mark := "  "
			if got[k] != want[k] {
				mark, bad = "!!", bad+1
			}
			fmt.Printf("%s %-60s duckdb %8d  auditgrep %8d\n", mark, k, got[k], want[k])
		}
		if bad > 0 {
			failed++
			fmt.Printf("FAIL %s: %d keys differ\n", what, bad)
		} else {
			fmt.Printf("ok   %s: %d keys\n", what, len(keys))
		}
	}

	// Partitions, from every event's @timestamp and @logStream as auditgrep prints them.
	parts := map[string]int{}
	for _, m := range query(*bin, `fields @timestamp, @logStream`, paths) {
		ts, _ := m["@timestamp"].(string) // "YYYY-MM-DD HH:MM:SS.mmm", UTC
		date, hour := "NULL", "NULL"
		if len(ts) >= 13 {
			date, hour = ts[:10], ts[11:13]
		}
		s, _ := m["@logStream"].(string)
		parts[date+"/"+hour+"/"+kind(s)]++
	}
	compare("rows per partition", parts,
		`SELECT coalesce("date", 'NULL') || '/' || coalesce("hour", 'NULL') || '/' || stream, count(*) FROM auditgrep_events GROUP BY 1`)

	byKey := func(q, field string) map[string]int {
		want := map[string]int{}
		for _, m := range query(*bin, q, paths) {
			k := "NULL"
			if v, ok := m[field]; ok {
				k = fmt.Sprint(v)
			}
			n, _ := m["n"].(json.Number).Int64()
			want[k] += int(n)
		}
		return want
	}
	compare("audit rows by response code",
		byKey(`filter @logStream like /^kube-apiserver-audit/ | stats count(*) as n by responseStatus.code`, "responseStatus.code"),
		`SELECT CAST(response_status_code AS VARCHAR), count(*) FROM auditgrep_events WHERE stream = 'kube-apiserver-audit' GROUP BY 1`)
	// Reading @message makes auditgrep validate each whole message, as CloudWatch does: a plain
	// `stats count(*) by verb` reads a message only up to its verb, so it also counts the
	// truncated, invalid event of testdata/export, which has no fields in CloudWatch (and no
	// typed columns in the dataset).
	compare("rows by verb", byKey(`filter ispresent(@message) | stats count(*) as n by verb`, "verb"),
		`SELECT verb, count(*) FROM auditgrep_events GROUP BY 1`)
	if failed > 0 {
		fmt.Printf("datasetcheck: %d checks FAILED\n", failed)
		os.Exit(1)
	}
	fmt.Println("datasetcheck: all checks passed")
}

// query runs an auditgrep query with JSON output and returns its rows.
func query(bin, q string, paths []string) []map[string]any {
	out, err := exec.Command(bin, append([]string{"--format", "json", q}, paths...)...).Output()
	if err != nil && exitCode(err) > 2 {
		check(fmt.Errorf("auditgrep %q: %v", q, err))
	}
	var rows []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<30)
	for sc.Scan() {
		d := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		d.UseNumber()
		var m map[string]any
		check(d.Decode(&m))
		rows = append(rows, m)
	}
	return rows
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "datasetcheck:", err)
		os.Exit(1)
	}
}
