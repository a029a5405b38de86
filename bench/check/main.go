// Command check verifies auditgrep's output of a bench/run.sh query against answers computed
// independently, with the standard library only, from the same generated export: so that a
// fast wrong answer fails the run instead of counting.
//
//	go run ./bench/check -data DIR -query NAME OUTPUT.jsonl
//
// NAME is one of count, needle, stats, project5, cdist (the other queries are checked by bench's Go
// tests). The answers are computed once per data directory and cached in DIR.check.json. It
// exits 1 and says what differs when the output is wrong.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	auditPrefix = "kube-apiserver-audit-"
	tsSize      = len("2021-08-11T10:09:43.095Z ")
	binMs       = 5 * 60 * 1000
)

// The five nested fields of the project5 query, in its column order.
var project5 = []string{"user.username", "objectRef.resource", "objectRef.namespace", "objectRef.name", "responseStatus.code"}

// facts are the expected answers.
type facts struct {
	AuditEvents int              `json:"audit_events"`
	Evictions   int              `json:"evictions"`
	Codes       map[string]int   `json:"codes"`        // responseStatus.code (normalized JSON, "" absent) → count
	ProjectHash uint64           `json:"project_hash"` // sum of the hashes of the project5 tuples
	Groups      map[string]group `json:"groups"`       // resource + "\x00" + bin start (ms) → group
}

type group struct {
	Users int    `json:"users"`
	P95   string `json:"p95"` // normalized number, "" when no code
}

func main() {
	data := flag.String("data", "", "the export directory the query ran on")
	query := flag.String("query", "", "count, needle, stats, project5 or cdist")
	flag.Parse()
	if *data == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: check -data DIR -query NAME OUTPUT.jsonl")
		os.Exit(2)
	}
	f, err := load(*data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "check: %v\n", err)
		os.Exit(2)
	}
	out, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "check: %v\n", err)
		os.Exit(2)
	}
	if err := verify(f, *query, out); err != nil {
		fmt.Fprintf(os.Stderr, "check: %s: WRONG RESULT: %v\n", *query, err)
		os.Exit(1)
	}
}

// norm is a JSON value's canonical text ("" for null or absent): strings re-quoted, numbers as
// their lexeme.
func norm(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil || v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func tupleHash(vals []string) uint64 {
	h := fnv.New64a()
	for _, v := range vals {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func load(dir string) (*facts, error) {
	cache := filepath.Clean(dir) + ".check.json"
	if b, err := os.ReadFile(cache); err == nil {
		var f facts
		if json.Unmarshal(b, &f) == nil {
			return &f, nil
		}
	}
	f := &facts{Codes: map[string]int{}, Groups: map[string]group{}}
	users := map[string]map[string]bool{}
	codes := map[string][]float64{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".gz") || !strings.HasPrefix(filepath.Base(filepath.Dir(p)), auditPrefix) {
			return err
		}
		fh, err := os.Open(p)
		if err != nil {
			return err
		}
		defer fh.Close()
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if len(line) < tsSize || line[tsSize-1] != ' ' {
				continue
			}
			ts, err := time.Parse("2006-01-02T15:04:05.000Z", string(line[:tsSize-1]))
			if err != nil {
				continue
			}
			f.AuditEvents++
			var ev struct {
				Verb string `json:"verb"`
				User struct {
					Username json.RawMessage `json:"username"`
				} `json:"user"`
				ObjectRef struct {
					Resource    json.RawMessage `json:"resource"`
					Namespace   json.RawMessage `json:"namespace"`
					Name        json.RawMessage `json:"name"`
					Subresource string          `json:"subresource"`
				} `json:"objectRef"`
				ResponseStatus struct {
					Code json.RawMessage `json:"code"`
				} `json:"responseStatus"`
			}
			if err := json.Unmarshal(line[tsSize:], &ev); err != nil {
				return fmt.Errorf("%s: an audit event that is not JSON: %w", p, err)
			}
			if ev.Verb == "create" && ev.ObjectRef.Subresource == "eviction" {
				f.Evictions++
			}
			code := norm(ev.ResponseStatus.Code)
			f.Codes[code]++
			tuple := []string{norm(ev.User.Username), norm(ev.ObjectRef.Resource), norm(ev.ObjectRef.Namespace), norm(ev.ObjectRef.Name), code}
			f.ProjectHash += tupleHash(tuple)
			key := tuple[1] + "\x00" + fmt.Sprint(ts.UnixMilli()/binMs*binMs)
			if users[key] == nil {
				users[key] = map[string]bool{}
			}
			if tuple[0] != "" {
				users[key][tuple[0]] = true
			}
			var n float64
			if code != "" && json.Unmarshal([]byte(code), &n) == nil {
				codes[key] = append(codes[key], n)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for key, u := range users {
		g := group{Users: len(u)}
		if c := codes[key]; len(c) > 0 {
			slices.Sort(c)
			rank := min(max(int(math.Ceil(0.95*float64(len(c)))), 1), len(c))
			b, _ := json.Marshal(c[rank-1])
			g.P95 = string(b)
		}
		f.Groups[key] = g
	}
	if b, err := json.Marshal(f); err == nil {
		os.WriteFile(cache, b, 0o644)
	}
	return f, nil
}

// rows decodes JSON lines into column → raw value.
func rows(out []byte) ([]map[string]json.RawMessage, error) {
	var rs []map[string]json.RawMessage
	for i, line := range bytes.Split(bytes.TrimRight(out, "\n"), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r map[string]json.RawMessage
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("output line %d is not JSON: %v", i+1, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

func verify(f *facts, query string, out []byte) error {
	rs, err := rows(out)
	if err != nil {
		return err
	}
	switch query {
	case "count":
		var n int
		if len(rs) != 1 || json.Unmarshal(rs[0]["count(*)"], &n) != nil || n != f.AuditEvents {
			return fmt.Errorf("%d rows (%v), want one with count(*) = %d audit events", len(rs), rs, f.AuditEvents)
		}
	case "needle":
		if len(rs) != f.Evictions {
			return fmt.Errorf("%d rows, want %d evictions", len(rs), f.Evictions)
		}
	case "stats":
		got := map[string]int{}
		for _, r := range rs {
			var n int
			if err := json.Unmarshal(r["count(*)"], &n); err != nil {
				return fmt.Errorf("row %v: count(*): %v", r, err)
			}
			got[norm(r["responseStatus.code"])] += n
		}
		if len(got) != len(f.Codes) {
			return fmt.Errorf("%d codes, want %d", len(got), len(f.Codes))
		}
		for c, n := range f.Codes {
			if got[c] != n {
				return fmt.Errorf("code %q: %d events, want %d", c, got[c], n)
			}
		}
	case "project5":
		if len(rs) != f.AuditEvents {
			return fmt.Errorf("%d rows, want %d audit events", len(rs), f.AuditEvents)
		}
		var sum uint64
		tuple := make([]string, len(project5))
		for _, r := range rs {
			for i, c := range project5 {
				tuple[i] = norm(r[c])
			}
			sum += tupleHash(tuple)
		}
		if sum != f.ProjectHash {
			return fmt.Errorf("the projected values differ (hash %x, want %x)", sum, f.ProjectHash)
		}
	case "cdist":
		if len(rs) != len(f.Groups) {
			return fmt.Errorf("%d groups, want %d", len(rs), len(f.Groups))
		}
		for _, r := range rs {
			var bin string
			if err := json.Unmarshal(r["bin(5m)"], &bin); err != nil {
				return fmt.Errorf("row %v: bin(5m): %v", r, err)
			}
			t, err := time.Parse("2006-01-02 15:04:05.000", bin)
			if err != nil {
				return fmt.Errorf("row %v: bin(5m): %v", r, err)
			}
			key := norm(r["objectRef.resource"]) + "\x00" + fmt.Sprint(t.UnixMilli())
			g, ok := f.Groups[key]
			var users int
			json.Unmarshal(r["users"], &users)
			if !ok || users != g.Users || norm(r["p95"]) != g.P95 {
				return fmt.Errorf("group %q at %s: users %d, p95 %s; want %+v (found %v)", norm(r["objectRef.resource"]), bin, users, r["p95"], g, ok)
			}
		}
	default:
		return fmt.Errorf("no check for query %q", query)
	}
	return nil
}
