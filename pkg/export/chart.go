package export

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// ChartOptions shape the chart to the terminal it is drawn on.
type ChartOptions struct {
	// Width is the terminal's width in columns; 0 or less means 80.
	Width int
	// ASCII draws with '#', '|' and '-' instead of Unicode blocks and box lines, for terminals
	// whose locale is not UTF-8.
	ASCII bool
}

// Chart layout knobs.
const (
	chartDefaultWidth = 80
	// chartMinBars is the fewest columns the bars get; on a narrower terminal the labels are
	// cut first, and the lines are then longer than the terminal rather than the bars unreadable.
	chartMinBars = 10
	// chartMinLabel is the fewest columns the labels are cut to.
	chartMinLabel = 8
	// chartMaxFill caps how many empty bins a time series gets between its rows: a step
	// found from two close rows must not turn a sparse series into a million lines.
	chartMaxFill = 10000
)

// Eighth blocks, from one eighth to a full cell, for the Unicode bars.
var eighths = []string{"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"}

// chartWriter buffers the result and draws it at End.
type chartWriter struct {
	w    *bufio.Writer
	o    ChartOptions
	cols []string
	rows [][]match.Value
}

// NewChart returns a writer that draws the result as a horizontal bar chart for a terminal:
// one bar per row, labelled with the row's key, its length the row's value.
//
// The value is the first column whose values are all numbers; the key is every column that is
// not a number (joined with ", " when there are several), or, when every column is a number,
// the first column (stats writes its group keys first: `stats count(*) by responseStatus.code`).
// Other numeric columns are named under the chart as not drawn. When the key is one column of
// timestamps (stats ... by bin(5m)) the chart is a time series: bars in time order, one per
// step (the smallest interval between two rows), an empty bar for a step with no row, and the
// labels shortened to what changes (the date is said once above). Negative values grow to the
// left of the zero axis. Labels are escaped like the table's (attacker-controlled strings must
// not act on the terminal) and cut to fit; values are printed after their bars as the table
// prints them. A result without a numeric column is an error; an empty result draws nothing.
// The whole result is held until End.
func NewChart(w io.Writer, o ChartOptions) match.Writer {
	if o.Width <= 0 {
		o.Width = chartDefaultWidth
	}
	return &chartWriter{w: bufio.NewWriterSize(w, bufSize), o: o}
}

func (c *chartWriter) Begin(cols []string) error {
	c.cols = slices.Clone(cols)
	return nil
}

func (c *chartWriter) Row(vals []match.Value, _ []byte) error {
	row := make([]match.Value, len(c.cols))
	for i := range row {
		if i < len(vals) {
			row[i] = vals[i].Clone()
		}
	}
	c.rows = append(c.rows, row)
	return nil
}

// ChartError is the chart's refusal of a result it cannot draw: none of its columns holds only
// numbers. It is a fault of the query, not of the output, so a caller can say so.
type ChartError struct {
	Cols []string // the result's columns
}

func (e *ChartError) Error() string {
	return fmt.Sprintf("--format chart draws a numeric column, and none of this result's columns (%s) holds only numbers: chart a stats result, e.g. stats count(*) by bin(5m)",
		escapeTerminal(strings.Join(e.Cols, ", ")))
}

// chartRow is one bar: its label, value and value text; gap marks a time step with no row.
type chartRow struct {
	label string
	num   float64
	text  string
	gap   bool
	has   bool // num is a finite number to draw
}

func (c *chartWriter) End() error {
	if len(c.rows) == 0 {
		return c.w.Flush()
	}
	numeric, timeCols := c.classify()
	var nums, keys []int
	for i := range c.cols {
		if numeric[i] {
			nums = append(nums, i)
		} else {
			keys = append(keys, i)
		}
	}
	if len(nums) == 0 {
		return &ChartError{Cols: slices.Clone(c.cols)}
	}
	if len(keys) == 0 && len(nums) > 1 {
		keys, nums = nums[:1], nums[1:]
	}
	val := nums[0]
	var above, below []string
	var rows []chartRow
	keyName := "row"
	if len(keys) > 0 {
		var names []string
		for _, k := range keys {
			names = append(names, escapeTerminal(c.cols[k]))
		}
		keyName = strings.Join(names, ", ")
	}
	if len(keys) == 1 && timeCols[keys[0]] {
		var head string
		rows, head = c.timeSeries(keys[0], val)
		above = append(above, head)
	} else {
		for i, r := range c.rows {
			label := strconv.Itoa(i + 1)
			if len(keys) > 0 {
				var parts []string
				for _, k := range keys {
					parts = append(parts, escapeTerminal(r[k].Render()))
				}
				label = strings.Join(parts, ", ")
			}
			rows = append(rows, valueRow(label, r[val]))
		}
	}
	if len(nums) > 1 {
		var names []string
		for _, n := range nums[1:] {
			names = append(names, escapeTerminal(c.cols[n]))
		}
		below = append(below, "not drawn: "+strings.Join(names, ", ")+" (the chart draws the first numeric column)")
	}
	c.draw(keyName, escapeTerminal(c.cols[val]), rows, above, below)
	return c.w.Flush()
}

// classify says which columns hold only numbers and which only timestamps (absent values
// aside; a column with no value at all is neither).
func (c *chartWriter) classify() (numeric, times []bool) {
	numeric = make([]bool, len(c.cols))
	times = make([]bool, len(c.cols))
	for i := range c.cols {
		num, tm, any := true, true, false
		for _, r := range c.rows {
			switch r[i].Kind {
			case match.Absent:
				continue
			case match.Number:
				tm = false
			case match.Time:
				num = false
			default:
				num, tm = false, false
			}
			any = true
		}
		numeric[i], times[i] = any && num, any && tm
	}
	return numeric, times
}

func valueRow(label string, v match.Value) chartRow {
	r := chartRow{label: label, text: escapeTerminal(v.Render())}
	if v.Kind == match.Number && !math.IsNaN(v.Num) && !math.IsInf(v.Num, 0) {
		r.num, r.has = v.Num, true
	}
	return r
}

// timeSeries orders the rows by time, fills the steps with no row, and labels each bar with
// the part of its time that changes; the heading returned says the rest (date, step, empty
// steps).
func (c *chartWriter) timeSeries(key, val int) ([]chartRow, string) {
	type point struct {
		ms  int64
		has bool
		v   match.Value
	}
	pts := make([]point, len(c.rows))
	for i, r := range c.rows {
		pts[i] = point{int64(r[key].Num), r[key].Kind == match.Time, r[val]}
	}
	// Rows without a time go last, in their order.
	slices.SortStableFunc(pts, func(a, b point) int {
		if a.has != b.has {
			if a.has {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ms, b.ms)
	})
	var step int64
	for i := 1; i < len(pts) && pts[i].has; i++ {
		if d := pts[i].ms - pts[i-1].ms; d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	fill := step > 0
	var want int64
	for i := 1; i < len(pts) && pts[i].has && fill; i++ {
		d := pts[i].ms - pts[i-1].ms
		if d%step != 0 {
			fill = false
		}
		want += max(d/step-1, 0)
	}
	fill = fill && want <= chartMaxFill

	sameDay, sameYear := true, true
	var sec, milli bool
	first := time.UnixMilli(pts[0].ms).UTC()
	for _, p := range pts {
		if !p.has {
			continue
		}
		t := time.UnixMilli(p.ms).UTC()
		sameDay = sameDay && t.YearDay() == first.YearDay() && t.Year() == first.Year()
		sameYear = sameYear && t.Year() == first.Year()
		sec = sec || t.Second() != 0
		milli = milli || t.Nanosecond() != 0
	}
	layout := "15:04"
	switch {
	case milli:
		layout = "15:04:05.000"
	case sec:
		layout = "15:04:05"
	}
	switch {
	case !sameYear:
		layout = "2006-01-02 " + layout
	case !sameDay:
		layout = "01-02 " + layout
	}
	label := func(ms int64) string { return time.UnixMilli(ms).UTC().Format(layout) }

	var rows []chartRow
	gaps := 0
	for i, p := range pts {
		if !p.has {
			rows = append(rows, valueRow("", p.v))
			continue
		}
		if fill && i > 0 && pts[i-1].has {
			for t := pts[i-1].ms + step; t < p.ms; t += step {
				rows = append(rows, chartRow{label: label(t), gap: true})
				gaps++
			}
		}
		rows = append(rows, valueRow(label(p.ms), p.v))
	}
	head := "UTC"
	if sameDay {
		head = first.Format("2006-01-02") + " UTC"
	}
	if step > 0 {
		head += ", one bar per " + formatStep(step)
	}
	switch {
	case gaps > 0:
		head += fmt.Sprintf("; %d with no row left empty", gaps)
	case step > 0 && !fill:
		head += "; steps with no row are not drawn"
	}
	return rows, head
}

// formatStep writes a step in ms as a period like bin()'s: 5m, 1h, 30s, 1d, 250ms.
func formatStep(ms int64) string {
	for _, u := range []struct {
		ms   int64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}} {
		if ms%u.ms == 0 {
			return strconv.FormatInt(ms/u.ms, 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// draw writes the lines above (the time series' date and step), the header of the key and
// value names, the bars, the scale under them, and the lines below (columns not drawn).
func (c *chartWriter) draw(keyName, valName string, rows []chartRow, above, below []string) {
	axis, cut := "│", "…"
	if c.o.ASCII {
		axis, cut = "|", "~"
	}
	var lo, hi float64
	labelW, textW := utf8.RuneCountInString(keyName), 0
	for _, r := range rows {
		labelW = max(labelW, utf8.RuneCountInString(r.label))
		textW = max(textW, utf8.RuneCountInString(r.text))
		if r.has {
			lo, hi = min(lo, r.num), max(hi, r.num)
		}
	}
	loText, hiText := formatScale(lo), formatScale(hi)
	textW = max(textW, utf8.RuneCountInString(hiText))
	// label, space, [negative bars], axis, positive bars, space, value text.
	fixed := 1 + 1 + 1 + textW
	// Labels get at most two fifths of the width, and less when the bars would get fewer than
	// chartMinBars columns, but never fewer than chartMinLabel.
	labelW = min(labelW, max(min(c.o.Width*2/5, c.o.Width-fixed-chartMinBars), chartMinLabel))
	area := max(c.o.Width-labelW-fixed, chartMinBars)
	negArea := 0
	if lo < 0 {
		negArea = int(math.Round(float64(area) * -lo / (hi - lo)))
		negArea = min(max(negArea, 1), area-1)
	}
	posArea := area - negArea

	fitLabel := func(s string) string {
		n := utf8.RuneCountInString(s)
		if n > labelW {
			cw := utf8.RuneCountInString(cut)
			s = string([]rune(s)[:max(labelW-cw, 0)]) + cut
			n = utf8.RuneCountInString(s)
		}
		return s + strings.Repeat(" ", max(labelW-n, 0))
	}
	line := func(s string) {
		c.w.WriteString(strings.TrimRight(s, " "))
		c.w.WriteByte('\n')
	}

	for _, l := range above {
		line(l)
	}
	line(fitLabel(keyName) + " " + strings.Repeat(" ", negArea) + axis + " " + valName)
	for _, r := range rows {
		var b strings.Builder
		b.WriteString(fitLabel(r.label))
		b.WriteByte(' ')
		switch {
		case r.has && r.num < 0:
			bar := c.negBar(-r.num/-lo, negArea)
			b.WriteString(strings.Repeat(" ", negArea-utf8.RuneCountInString(bar)))
			b.WriteString(bar)
			b.WriteString(axis)
		case r.has && r.num > 0:
			b.WriteString(strings.Repeat(" ", negArea))
			b.WriteString(axis)
			b.WriteString(c.posBar(r.num/hi, posArea))
		default:
			b.WriteString(strings.Repeat(" ", negArea))
			b.WriteString(axis)
		}
		if !r.gap {
			b.WriteByte(' ')
			b.WriteString(r.text)
		}
		line(b.String())
	}
	// The scale: the smallest value at the left end (when negative), 0 under the axis, the
	// largest at the right end of the bars.
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", labelW+1))
	if negArea > 0 {
		b.WriteString(loText)
		b.WriteString(strings.Repeat(" ", max(negArea-utf8.RuneCountInString(loText), 1)))
	}
	b.WriteString("0")
	if hi > 0 {
		b.WriteString(strings.Repeat(" ", max(posArea-utf8.RuneCountInString(hiText), 1)))
		b.WriteString(hiText)
	}
	line(b.String())
	for _, l := range below {
		line(l)
	}
}

// posBar draws a bar of frac (0..1] of width cells, in eighths of a cell (whole cells in
// ASCII); a value above zero always gets at least the smallest mark, so it is not taken for 0.
func (c *chartWriter) posBar(frac float64, width int) string {
	if c.o.ASCII {
		return strings.Repeat("#", max(int(math.Round(frac*float64(width))), 1))
	}
	n := max(int(math.Round(frac*float64(width*8))), 1)
	s := strings.Repeat("█", n/8)
	if n%8 != 0 {
		s += eighths[n%8-1]
	}
	return s
}

// negBar draws a bar growing to the left: Unicode has no left-growing eighths, so it is drawn
// in half cells (▐), whole cells in ASCII.
func (c *chartWriter) negBar(frac float64, width int) string {
	if c.o.ASCII {
		return strings.Repeat("#", max(int(math.Round(frac*float64(width))), 1))
	}
	n := max(int(math.Round(frac*float64(width*2))), 1)
	s := strings.Repeat("█", n/2)
	if n%2 != 0 {
		s = "▐" + s
	}
	return s
}

// formatScale writes an end of the scale: integers without a decimal point, others shortest.
func formatScale(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}
