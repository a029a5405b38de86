package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden CLI cases")

// goldenCase is one CLI case of testdata/golden/*.txtar. Sections:
//
//	-- query --   the query text (may span lines); passed as the first argument
//	-- args --    further arguments, one per line; $TD is the repository's testdata folder
//	-- env --     environment variables, KEY=VALUE one per line (optional); every case runs with
//	              COLUMNS=80, LANG=C.UTF-8 and LC_ALL, LC_CTYPE unset unless it sets them
//	-- stdin --   standard input (optional)
//	-- stdout --  expected standard output
//	-- stderr --  expected standard error ($TD stands for the testdata folder)
//	-- exit --    expected exit status
type goldenCase struct {
	order    []string
	sections map[string]string
}

func parseTxtar(data string) *goldenCase {
	c := &goldenCase{sections: map[string]string{}}
	name := ""
	var buf strings.Builder
	flush := func() {
		if name != "" {
			c.sections[name] = buf.String()
		}
		buf.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(t, "-- "), " --")
			c.order = append(c.order, name)
			continue
		}
		if name != "" {
			buf.WriteString(line)
		}
	}
	flush()
	return c
}

func (c *goldenCase) format() string {
	var b strings.Builder
	for _, n := range c.order {
		b.WriteString("-- " + n + " --\n")
		s := c.sections[n]
		b.WriteString(s)
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func testdataDir(t testing.TB) string {
	d, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// realdataDir finds ../shared/realdata beside an ancestor of the working directory (CI clones
// the repository with shared/ beside it).
func realdataDir(t testing.TB) string {
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, c := range []string{filepath.Join(d, "shared", "realdata"), filepath.Join(d, "..", "shared", "realdata")} {
			if fi, err := os.Stat(c); err == nil && fi.IsDir() {
				c, _ = filepath.Abs(c)
				return c
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if os.Getenv("CI") != "" {
		t.Fatal("shared/realdata not found beside the repository")
	}
	return ""
}

func TestGolden(t *testing.T) {
	td := testdataDir(t)
	rd := realdataDir(t)
	files, err := filepath.Glob(filepath.Join(td, "golden", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden cases found")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := parseTxtar(string(data))
			if strings.Contains(c.sections["args"], "$RD") && rd == "" {
				t.Skip("shared/realdata not found")
			}
			// The help's wrapping and the chart's width and blocks depend on these.
			env := map[string]string{"COLUMNS": "80", "LANG": "C.UTF-8", "LC_ALL": "", "LC_CTYPE": ""}
			for _, kv := range strings.Split(c.sections["env"], "\n") {
				if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
					env[k] = v
				}
			}
			for k, v := range env {
				t.Setenv(k, v)
			}
			var args []string
			for _, a := range strings.Split(c.sections["args"], "\n") {
				if a = strings.TrimSpace(a); a != "" {
					a = strings.ReplaceAll(a, "$TD", td)
					args = append(args, strings.ReplaceAll(a, "$RD", rd))
				}
			}
			if q, ok := c.sections["query"]; ok {
				args = append([]string{strings.TrimRight(q, "\n")}, args...)
			}
			var stdout, stderr bytes.Buffer
			code := run(args, strings.NewReader(c.sections["stdin"]), &stdout, &stderr)
			gotOut := strings.ReplaceAll(stdout.String(), td, "$TD")
			gotErr := strings.ReplaceAll(stderr.String(), td, "$TD")
			if rd != "" {
				gotOut = strings.ReplaceAll(gotOut, rd, "$RD")
				gotErr = strings.ReplaceAll(gotErr, rd, "$RD")
			}
			if *update {
				for _, s := range []string{"stdout", "stderr", "exit"} {
					if _, ok := c.sections[s]; !ok {
						c.order = append(c.order, s)
					}
				}
				c.sections["stdout"] = gotOut
				c.sections["stderr"] = gotErr
				c.sections["exit"] = strconv.Itoa(code) + "\n"
				if err := os.WriteFile(file, []byte(c.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := c.sections["stdout"]; gotOut != want {
				t.Errorf("stdout differs\n--- got\n%s\n--- want\n%s", gotOut, want)
			}
			if want := c.sections["stderr"]; gotErr != want {
				t.Errorf("stderr differs\n--- got\n%s\n--- want\n%s", gotErr, want)
			}
			if want := strings.TrimSpace(c.sections["exit"]); strconv.Itoa(code) != want {
				t.Errorf("exit status %d, want %s", code, want)
			}
		})
	}
}
