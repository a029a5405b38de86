package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/bench/gen/gendata"
)

// The answers read back from a small generated export agree with what the generator wrote,
// and are cached.
func TestLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	sum, err := gendata.Generate(dir, 4<<20, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Evictions != sum.Needles[gendata.NeedleEviction] || f.AuditEvents == 0 || f.AuditEvents > sum.Events {
		t.Errorf("evictions %d (generator %d), audit events %d of %d", f.Evictions, sum.Needles[gendata.NeedleEviction], f.AuditEvents, sum.Events)
	}
	n := 0
	for _, c := range f.Codes {
		n += c
	}
	if n != f.AuditEvents || len(f.Groups) == 0 {
		t.Errorf("codes count %d events of %d; %d groups", n, f.AuditEvents, len(f.Groups))
	}
	g, err := load(dir)
	if err != nil || g.ProjectHash != f.ProjectHash || len(g.Groups) != len(f.Groups) {
		t.Errorf("the cached answers differ: %v", err)
	}
}

// verify accepts the right output, in any row order and with any string escaping, and refuses
// each kind of wrong one.
func TestVerify(t *testing.T) {
	tuple := []string{`"alice"`, `"pods"`, `"default"`, `"p1"`, "200"}
	f := &facts{
		AuditEvents: 2, Evictions: 1,
		Codes:       map[string]int{"200": 1, "": 1},
		ProjectHash: tupleHash(tuple) + tupleHash([]string{"", "", "", "", ""}),
		Groups: map[string]group{
			`"pods"` + "\x00" + "1628640000000": {Users: 1, P95: "200"},
			"\x00" + "1628640300000":            {Users: 0},
		},
	}
	const (
		stats = `{"responseStatus.code":200,"count(*)":1}` + "\n" + `{"count(*)":1}` + "\n"
		proj  = `{}` + "\n" + `{"user.username":"\u0061lice","objectRef.resource":"pods","objectRef.namespace":"default","objectRef.name":"p1","responseStatus.code":200}` + "\n"
		cdist = `{"objectRef.resource":"pods","bin(5m)":"2021-08-11 00:00:00.000","users":1,"p95":200}` + "\n" + `{"bin(5m)":"2021-08-11 00:05:00.000","users":0}` + "\n"
	)
	for _, tc := range []struct {
		query, out string
		wrong      string // "" when right; else a word of the error
	}{
		{"count", fmt.Sprintf(`{"count(*)":%d}`, f.AuditEvents) + "\n", ""},
		{"count", fmt.Sprintf(`{"count(*)":%d}`, f.AuditEvents+1) + "\n", "want one"},
		{"count", "", "0 rows"},
		{"needle", `{"a":1}` + "\n", ""},
		{"needle", "", "0 rows"},
		{"stats", stats, ""},
		{"stats", strings.Replace(stats, `"count(*)":1}`+"\n"+`{"count(*)":1}`, `"count(*)":1}`+"\n"+`{"count(*)":2}`, 1), `code ""`},
		{"stats", `{"responseStatus.code":200,"count(*)":1}` + "\n", "1 codes"},
		{"project5", proj, ""},
		{"project5", strings.Replace(proj, `"p1"`, `"p2"`, 1), "values differ"},
		{"project5", `{}` + "\n", "1 rows"},
		{"cdist", cdist, ""},
		{"cdist", strings.Replace(cdist, `"p95":200`, `"p95":201`, 1), "p95"},
		{"cdist", strings.Replace(cdist, `00:05:00`, `00:10:00`, 1), "found false"},
		{"regex", "", "no check"},
		{"stats", "not json\n", "not JSON"},
	} {
		err := verify(f, tc.query, []byte(tc.out))
		if tc.wrong == "" && err != nil || tc.wrong != "" && (err == nil || !strings.Contains(err.Error(), tc.wrong)) {
			t.Errorf("%s %q: %v, want %s", tc.query, tc.out, err, fmt.Sprint(tc.wrong != "", " ", tc.wrong))
		}
	}
}
