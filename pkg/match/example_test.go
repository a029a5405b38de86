package match_test

import (
	"context"
	"fmt"
	"os"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// sample is the bundled CloudWatch export of the repository (testdata/export).
var sample = match.Input{Paths: []string{"../../testdata/export"}}

// Count the audit events by verb: compile once, then range over the rows.
func Example_countByField() {
	q, err := match.Compile(`filter @logStream like /^kube-apiserver-audit/ and ispresent(verb)
		| stats count(*) as n by verb | sort n desc, verb asc | limit 4`, match.Options{})
	if err != nil {
		panic(err)
	}
	for row, err := range q.Rows(context.Background(), sample, match.RunOptions{}) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-7s %3.0f\n", row.Get("verb").Str, row.Get("n").Num)
	}
	// Output:
	// get      91
	// watch    43
	// update   42
	// list     38
}

// Search a folder for a needle and write the matches as JSON lines, as `auditgrep --format json`
// does: Run with a Writer from pkg/export is the fast path for large results.
func Example_needle() {
	q, err := match.Compile(`filter objectRef.subresource = "eviction"
		| fields @timestamp, user.username, objectRef.name | sort @timestamp asc | limit 2`, match.Options{})
	if err != nil {
		panic(err)
	}
	st, err := q.Run(context.Background(), sample, export.NewJSON(os.Stdout), match.RunOptions{Workers: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(st.RowsOut, "rows")
	// Output:
	// {"@timestamp":"2021-08-11 09:30:00.500","user.username":"eks:fargate-manager","objectRef.name":"web-6b7f9c-x2x9k"}
	// {"@timestamp":"2021-08-11 09:31:00.000","user.username":"eks:fargate-manager","objectRef.name":"web-6b7f9c-abcde"}
	// 2 rows
}

// Read rows as typed values: a Value's Kind says which of Str, Num or Ms to read. Events can
// also come from memory, one JSON event per element.
func Example_typedValues() {
	events := []string{
		`{"kind":"Event","verb":"delete","user":{"username":"alice"},"responseStatus":{"code":200},"stageTimestamp":"2026-12-01T10:00:00.000000Z"}`,
		`{"kind":"Event","verb":"delete","user":{"username":"bob"},"responseStatus":{"code":403},"stageTimestamp":"2026-12-01T10:05:00.000000Z"}`,
	}
	q, err := match.Compile(`fields user.username as who, responseStatus.code as code, code >= 400 as denied`, match.Options{})
	if err != nil {
		panic(err)
	}
	for row, err := range q.Rows(context.Background(), match.Input{Events: events}, match.RunOptions{}) {
		if err != nil {
			panic(err)
		}
		who, code, denied := row.Get("who"), row.Get("code"), row.Get("denied")
		fmt.Printf("%s: %s %s=%g, denied %s=%s\n", who.Str, code.Kind, code.Str, code.Num, denied.Kind, denied.Render())
	}
	// Output:
	// alice: number 200=200, denied boolean=0
	// bob: number 403=403, denied boolean=1
}

// Run a preset: the named queries of `auditgrep presets`, with parameters quoted safely.
func ExampleLookupPreset() {
	p, err := match.LookupPreset("fargate-evictions")
	if err != nil {
		panic(err)
	}
	text, err := p.Expand(map[string]string{"namespace": "default", "pod": "web-6b7f9c-x2x9k"})
	if err != nil {
		panic(err)
	}
	q, err := match.Compile(text, match.Options{})
	if err != nil {
		panic(err)
	}
	for row, err := range q.Rows(context.Background(), sample, match.RunOptions{}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.Get("@timestamp").Render(), row.Get("user.username").Str)
	}
	// Output:
	// 2021-08-11 10:15:00.000 eks:fargate-manager
	// 2021-08-11 10:15:00.000 eks:fargate-manager
	// 2021-08-11 09:30:00.500 eks:fargate-manager
}

// Stop a run early: breaking out of Rows cancels the run and waits for its workers, and a
// cancelled context ends Run with the context's error.
func Example_cancel() {
	q, err := match.Compile(`fields @timestamp, verb`, match.Options{})
	if err != nil {
		panic(err)
	}
	n := 0
	for _, err := range q.Rows(context.Background(), sample, match.RunOptions{}) {
		if err != nil {
			panic(err)
		}
		if n++; n == 3 {
			break
		}
	}
	fmt.Println("took", n, "rows")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = q.Run(ctx, sample, export.NewJSON(os.Stdout), match.RunOptions{})
	fmt.Println(err)
	// Output:
	// took 3 rows
	// context canceled
}
