package sqlcheck

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/match/syntax"
	"github.com/auditgrep/auditgrep/pkg/sqlgen"
	"github.com/auditgrep/auditgrep/sqlcheck/render"
)

// specOrder is the ascending order the CloudWatch documentation shows for its sort (spec §5.5).
var specOrder = []string{"!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"}

// TestNaturalSortOnDuckDB runs the translation of sort, min, max, sortsFirst and sortsLast on
// a text field over the documented list, shuffled, plus a missing value.
func TestNaturalSortOnDuckDB(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE auditgrep_events ("timestamp" TIMESTAMP, message VARCHAR, v VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(specOrder)
	slices.Reverse(shuffled)
	shuffled[0], shuffled[7] = shuffled[7], shuffled[0]
	for _, v := range append(shuffled, "\x00") {
		var arg any = v
		if v == "\x00" {
			arg = nil
		}
		if _, err := db.Exec(`INSERT INTO auditgrep_events VALUES (TIMESTAMP '2026-12-01 00:00:00', '', ?)`, arg); err != nil {
			t.Fatal(err)
		}
	}
	cols := []sqlgen.Column{
		{Name: "timestamp", Field: "@timestamp", Type: sqlgen.Timestamp},
		{Name: "message", Field: "@message", Type: sqlgen.String},
		{Name: "v", Field: "v", Type: sqlgen.String},
	}
	run := func(q string) [][]string {
		t.Helper()
		pq, err := syntax.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		stmt, err := sqlgen.Translate(pq, sqlgen.Options{Engine: sqlgen.DuckDB, Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		_, rows, err := render.Query(db, stmt)
		if err != nil {
			t.Fatalf("%v\n%s", err, stmt)
		}
		return rows
	}
	column := func(rows [][]string) []string {
		var out []string
		for _, r := range rows {
			out = append(out, strings.ReplaceAll(r[0], render.Absent, "<absent>"))
		}
		return out
	}
	want := append(slices.Clone(specOrder), "<absent>")
	if got := column(run(`fields v | sort v asc`)); !slices.Equal(got, want) {
		t.Errorf("sort v asc:\n got %q\nwant %q", got, want)
	}
	desc := slices.Clone(specOrder)
	slices.Reverse(desc)
	if got := column(run(`fields v | sort v desc`)); !slices.Equal(got, append(desc, "<absent>")) {
		t.Errorf("sort v desc:\n got %q\nwant %q", got, append(desc, "<absent>"))
	}
	// auditgrep over the same values as JSON events agrees.
	var events []string
	for _, v := range shuffled {
		b, _ := json.Marshal(map[string]string{"v": v})
		events = append(events, string(b))
	}
	events = append(events, `{"other":1}`)
	for _, q := range []string{`fields v | sort v asc`, `fields v | sort v desc`, `stats min(v) as a, max(v) as b, sortsFirst(v) as c, sortsLast(v) as d`} {
		mq, err := match.Compile(q, match.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var eng [][]string
		for row, err := range mq.Rows(context.Background(), match.Input{Events: events}, match.RunOptions{}) {
			if err != nil {
				t.Fatal(err)
			}
			r := make([]string, len(row.Values))
			for i, v := range row.Values {
				r[i] = render.Absent
				if v.Kind != match.Absent {
					r[i] = v.Render()
				}
			}
			eng = append(eng, r)
		}
		if got := run(q); !slices.EqualFunc(got, eng, slices.Equal) {
			t.Errorf("%s: DuckDB %q, auditgrep %q", q, got, eng)
		}
	}
	// min and max prefer numbers (pkg/match minCompare); sortsFirst/sortsLast take the order.
	got := run(`stats min(v) as a, max(v) as b, sortsFirst(v) as c, sortsLast(v) as d`)
	if w := []string{"0", "3", "!:", "3"}; len(got) != 1 || !slices.Equal(got[0], w) {
		t.Errorf("min, max, sortsFirst, sortsLast = %q, want %q", got, w)
	}
}
