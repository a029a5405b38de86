package sqlgen

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ast "github.com/auditgrep/auditgrep/pkg/match/syntax"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/sql/*.txtar from the translator's output")

// translateText is one engine's section of a golden file: the SQL, or the refusal with its
// position.
func translateText(q *ast.Query, e Engine) string {
	s, err := Translate(q, Options{Engine: e, Columns: DatasetColumns(), StreamPartition: true})
	if err != nil {
		var se *ast.Error
		if errors.As(err, &se) {
			return fmt.Sprintf("error: offset %d, length %d: %s\n", se.Offset, se.Len, se.Msg)
		}
		return "error: " + err.Error() + "\n"
	}
	return s + "\n"
}

// TestGoldenSQL checks the SQL of every query of testdata/golden/sql for each engine
// (go test ./pkg/sqlgen -update rewrites them).
func TestGoldenSQL(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "sql", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			secs := txtarSections(string(b))
			text := strings.TrimSpace(secs["query"])
			q, err := ast.Parse(text)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			out.WriteString("-- query --\n" + text + "\n")
			for _, e := range Engines {
				got := translateText(q, e)
				out.WriteString("-- " + string(e) + " --\n" + got)
				if !*update && secs[string(e)] != got {
					t.Errorf("%s:\n--- want\n%s--- got\n%s", e, secs[string(e)], got)
				}
			}
			if *update {
				if err := os.WriteFile(f, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func txtarSections(s string) map[string]string {
	out := map[string]string{}
	name := ""
	var buf strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		l := strings.TrimRight(line, "\n")
		if strings.HasPrefix(l, "-- ") && strings.HasSuffix(l, " --") && len(l) > 6 {
			if name != "" {
				out[name] = buf.String()
			}
			name = l[3 : len(l)-3]
			buf.Reset()
			continue
		}
		buf.WriteString(line)
	}
	if name != "" {
		out[name] = buf.String()
	}
	return out
}
