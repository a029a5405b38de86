package export

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match"
)

func newChart(o ChartOptions) func(w *bytes.Buffer) match.Writer {
	return func(w *bytes.Buffer) match.Writer { return NewChart(w, o) }
}

// Labels and column names are attacker-controlled text (userAgent, requestURI): escaped as in
// the table, never written raw to the terminal.
func TestChartEscapes(t *testing.T) {
	got := run(t, newChart(ChartOptions{Width: 60}), []string{"ua\x1b[2J", "n"},
		[][]match.Value{{match.Str("curl\x1b]0;owned\x07"), match.Num(3)}, {match.Str("kubectl\u202e"), match.Num(1)}}, nil)
	if strings.ContainsAny(got, "\x1b\x07\u202e") {
		t.Errorf("control characters written raw:\n%q", got)
	}
	for _, want := range []string{`ua\x1b[2J`, `curl\x1b]0;owned\x07`, `kubectl\u202e`} {
		if !strings.Contains(got, want) {
			t.Errorf("%q not in:\n%s", want, got)
		}
	}
}

// Every line fits the width when the labels can be cut; the bars keep at least chartMinBars.
func TestChartFitsWidth(t *testing.T) {
	rows := [][]match.Value{
		{match.Str(strings.Repeat("x", 200)), match.Num(12345)},
		{match.Str("short"), match.Num(-2)},
	}
	for _, w := range []int{30, 50, 80, 132} {
		for _, ascii := range []bool{false, true} {
			got := run(t, newChart(ChartOptions{Width: w, ASCII: ascii}), []string{"k", "v"}, rows, nil)
			for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if n := len([]rune(l)); n > w {
					t.Errorf("width %d ascii %v: line of %d: %q", w, ascii, n, l)
				}
				if ascii && strings.ContainsFunc(l, func(r rune) bool { return r > 0x7e }) {
					t.Errorf("ASCII chart has %q", l)
				}
			}
		}
	}
}

func TestChartRefusesAndEmpty(t *testing.T) {
	var buf bytes.Buffer
	w := NewChart(&buf, ChartOptions{})
	w.Begin([]string{"verb"})
	w.Row([]match.Value{match.Str("get")}, nil)
	var ce *ChartError
	if err := w.End(); !errors.As(err, &ce) || buf.Len() != 0 {
		t.Errorf("no numeric column: err %v, wrote %q", err, buf.String())
	}
	if got := run(t, newChart(ChartOptions{}), []string{"k", "n"}, nil, nil); got != "" {
		t.Errorf("empty result drew %q", got)
	}
}
