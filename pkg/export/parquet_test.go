package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// pqFile is a Parquet file read back with parquet-go's reader.
type pqFile struct {
	names, types []string
	rows         [][]any // nil for a null; int64, float64, bool or string otherwise
	groups       int
	file         *parquet.File
}

// writeParquet writes rows through NewParquet, with row groups of at most groupRows rows when
// groupRows > 0, and reads the file back.
func writeParquet(t *testing.T, cols []string, rows [][]match.Value, groupRows int, meta map[string]string) pqFile {
	t.Helper()
	var buf bytes.Buffer
	w := NewParquet(&buf, meta)
	if groupRows > 0 {
		w.(*parquetWriter).groupRows = groupRows
	}
	if err := w.Begin(cols); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Row(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return readParquet(t, buf.Bytes())
}

func readParquet(t *testing.T, b []byte) pqFile {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the file does not open: %v", err)
	}
	out := pqFile{file: f, groups: len(f.RowGroups())}
	for _, fl := range f.Schema().Fields() {
		if !fl.Optional() {
			t.Errorf("column %s is not OPTIONAL", fl.Name())
		}
		out.names = append(out.names, fl.Name())
		out.types = append(out.types, typeName(fl.Type()))
	}
	for _, rg := range f.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 16)
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				vals := make([]any, len(out.names))
				for _, v := range row {
					vals[v.Column()] = goValue(v)
				}
				out.rows = append(out.rows, vals)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rr.Close()
	}
	if int64(len(out.rows)) != f.NumRows() {
		t.Errorf("read %d rows, the footer says %d", len(out.rows), f.NumRows())
	}
	return out
}

// typeName is the column's logical type when it has one (STRING, TIMESTAMP(...), INT(64,true)),
// else its physical type (DOUBLE, BOOLEAN, INT64).
func typeName(t parquet.Type) string {
	if lt := t.LogicalType(); lt != nil && lt.String() != "" {
		return lt.String()
	}
	return t.Kind().String()
}

func goValue(v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return v.Double()
	case parquet.Boolean:
		return v.Boolean()
	case parquet.ByteArray:
		return string(v.ByteArray())
	}
	return v.String()
}

const (
	tsType  = "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)"
	intType = "INT(64,true)"
)

// ts2 is 2021-08-11 09:29:14.000 UTC.
var ts2 = match.TimeMs(1628674154000)

func TestParquetColumnTypes(t *testing.T) {
	list := match.Value{Kind: match.List, Elems: []match.Value{match.Str("system:masters"), match.NumLexeme(2, "2")}}
	obj := match.Value{Kind: match.Map, Keys: []string{"k"}, Elems: []match.Value{match.Str("v")}}
	trueJSON := match.Value{Kind: match.Bool, Num: 1, Str: "true"}
	for _, tc := range []struct {
		name string
		vals []match.Value // one per row
		typ  string
		want []any
	}{
		{"@timestamp", []match.Value{ts, ts2, {}}, tsType, []any{int64(1628674153095), int64(1628674154000), nil}},
		{"integers", []match.Value{match.NumLexeme(200, "200"), match.Num(35066), match.NumLexeme(-7, "-7")}, intType, []any{int64(200), int64(35066), int64(-7)}},
		{"integers with nulls", []match.Value{{}, match.NumLexeme(0, "0"), {}}, intType, []any{nil, int64(0), nil}},
		{"numbers", []match.Value{match.NumLexeme(1.5, "1.50"), match.NumLexeme(2, "2"), match.Num(0.25)}, "DOUBLE", []any{1.5, 2.0, 0.25}},
		{"decimal lexeme", []match.Value{match.NumLexeme(2, "2.0"), match.NumLexeme(1000, "1e3"), {}}, "DOUBLE", []any{2.0, 1000.0, nil}},
		{"beyond int64", []match.Value{match.NumLexeme(1.2345678901234567e19, "12345678901234567890"), match.NumLexeme(1, "1"), {}}, "DOUBLE", []any{1.2345678901234567e19, 1.0, nil}},
		{"strings", []match.Value{match.Str("a,b \"q\"\n"), match.Str(""), {}}, "STRING", []any{"a,b \"q\"\n", "", nil}},
		{"booleans", []match.Value{trueJSON, match.BoolV(false), {}}, "BOOLEAN", []any{true, false, nil}},
		{"lists and maps", []match.Value{list, obj, {}}, "STRING", []any{`["system:masters",2]`, `{"k":"v"}`, nil}},
		{"mixed kinds", []match.Value{match.Str("x"), match.NumLexeme(1.50, "1.50"), ts}, "STRING", []any{"x", "1.50", "2021-08-11 09:29:13.095"}},
		{"number and bool", []match.Value{match.BoolV(true), match.Num(3), {}}, "STRING", []any{"1", "3", nil}},
		{"absent everywhere", []match.Value{{}, {}, {}}, "STRING", []any{nil, nil, nil}},
		{"@message", []match.Value{{Kind: match.String, Str: auditMsg, JSON: true}, match.Str(`time="2021" msg="access denied"`), {}}, "STRING", []any{auditMsg, `time="2021" msg="access denied"`, nil}},
		{"invalid UTF-8", []match.Value{match.Str("ok\xff\xfeend"), match.Str("héllo"), {}}, "STRING", []any{"ok\ufffdend", "héllo", nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The column under test sits between two others, so that the order is checked too.
			cols := []string{"z", tc.name, "a"}
			var rows [][]match.Value
			for i, v := range tc.vals {
				rows = append(rows, []match.Value{match.Num(float64(i)), v, match.Str("s")})
			}
			f := writeParquet(t, cols, rows, 0, nil)
			if !reflect.DeepEqual(f.names, cols) {
				t.Fatalf("columns %v, want %v", f.names, cols)
			}
			if f.types[1] != tc.typ {
				t.Errorf("type %s, want %s", f.types[1], tc.typ)
			}
			var got []any
			for _, r := range f.rows {
				got = append(got, r[1])
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("values %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParquetMetadataAndCompression(t *testing.T) {
	meta := map[string]string{"auditgrep.query": "stats count(*) by verb", "auditgrep.version": "auditgrep v1.2.3"}
	f := writeParquet(t, []string{"verb", "count(*)"}, [][]match.Value{{match.Str("get"), match.Num(3)}}, 0, meta)
	for k, v := range meta {
		if got, ok := f.file.Lookup(k); !ok || got != v {
			t.Errorf("metadata %s = %q, want %q", k, got, v)
		}
	}
	for _, rg := range f.file.Metadata().RowGroups {
		for _, c := range rg.Columns {
			if c.MetaData.Codec != format.Zstd {
				t.Errorf("column %v compressed with %v, want zstd", c.MetaData.PathInSchema, c.MetaData.Codec)
			}
		}
	}
	if !reflect.DeepEqual(f.types, []string{"STRING", intType}) || !reflect.DeepEqual(f.rows, [][]any{{"get", int64(3)}}) {
		t.Errorf("types %v rows %v", f.types, f.rows)
	}
}

// An empty result is a valid file with the query's columns and no rows.
func TestParquetEmpty(t *testing.T) {
	f := writeParquet(t, []string{"@timestamp", "verb", "count"}, nil, 0, nil)
	if !reflect.DeepEqual(f.names, []string{"@timestamp", "verb", "count"}) || len(f.rows) != 0 || f.file.NumRows() != 0 {
		t.Errorf("columns %v, %d rows", f.names, len(f.rows))
	}
	for i, ty := range f.types {
		if ty != "STRING" {
			t.Errorf("column %s of an empty result is %s, want STRING", f.names[i], ty)
		}
	}
}

// After the first row group the schema is fixed: a value that does not fit its column goes,
// as text, to the column's __text twin; nothing is dropped.
func TestParquetLaterRowGroups(t *testing.T) {
	cols := []string{"@timestamp", "code", "avg", "ok", "verb", "code__text"}
	row := func(tm, code, avg, ok, verb match.Value) []match.Value {
		return []match.Value{tm, code, avg, ok, verb, match.Str("taken")}
	}
	var none match.Value
	rows := [][]match.Value{
		// First row group (2 rows): the types are decided here.
		row(ts, match.NumLexeme(200, "200"), match.Num(1.5), match.BoolV(true), match.Str("get")),
		row(ts2, match.NumLexeme(201, "201"), match.Num(2), none, match.Str("list")),
		// Later rows: values that fit, and values that do not.
		row(ts, match.NumLexeme(503, "503"), match.Num(3), match.BoolV(false), match.Num(7)),
		row(match.Str("not a time"), match.NumLexeme(1.5, "1.5"), match.Str("n/a"), match.Str("yes"), none),
		row(none, none, none, none, match.Str("watch")),
	}
	f := writeParquet(t, cols, rows, 2, nil)
	wantNames := []string{"@timestamp", "code", "avg", "ok", "verb", "code__text",
		"@timestamp__text", "code__text_", "avg__text", "ok__text"}
	if !reflect.DeepEqual(f.names, wantNames) {
		t.Fatalf("columns %v\nwant %v", f.names, wantNames)
	}
	wantTypes := []string{tsType, intType, "DOUBLE", "BOOLEAN", "STRING", "STRING", "STRING", "STRING", "STRING", "STRING"}
	if !reflect.DeepEqual(f.types, wantTypes) {
		t.Errorf("types %v\nwant %v", f.types, wantTypes)
	}
	if f.groups != 3 {
		t.Errorf("%d row groups, want 3", f.groups)
	}
	want := [][]any{
		{int64(1628674153095), int64(200), 1.5, true, "get", "taken", nil, nil, nil, nil},
		{int64(1628674154000), int64(201), 2.0, nil, "list", "taken", nil, nil, nil, nil},
		{int64(1628674153095), int64(503), 3.0, false, "7", "taken", nil, nil, nil, nil},
		{nil, nil, nil, nil, nil, "taken", "not a time", "1.5", "n/a", "yes"},
		{nil, nil, nil, nil, "watch", "taken", nil, nil, nil, nil},
	}
	if !reflect.DeepEqual(f.rows, want) {
		t.Errorf("rows:\n%v\nwant\n%v", f.rows, want)
	}
}

// The row group ends at the byte estimate too; one that fits needs no twins.
func TestParquetRowGroupBytes(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquet(&buf, nil)
	w.(*parquetWriter).groupBytes = 10 << 10
	w.Begin([]string{"@message", "n"})
	for i := range 100 {
		if err := w.Row([]match.Value{match.Str(strings.Repeat("x", 1000)), match.Num(float64(i))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	f := readParquet(t, buf.Bytes())
	if f.groups < 5 || len(f.rows) != 100 || f.rows[99][1] != int64(99) {
		t.Errorf("%d row groups, %d rows, last %v", f.groups, len(f.rows), f.rows[len(f.rows)-1])
	}
	if !reflect.DeepEqual(f.names, []string{"@message", "n", "n__text"}) {
		t.Errorf("columns %v", f.names)
	}

	small := writeParquet(t, []string{"n"}, [][]match.Value{{match.Num(1)}, {match.Num(2)}}, 0, nil)
	if small.groups != 1 || !reflect.DeepEqual(small.names, []string{"n"}) {
		t.Errorf("a result that fits one row group: %d groups, columns %v", small.groups, small.names)
	}
}

// Repeated column names are made unique; names with any characters are kept.
func TestParquetColumnNames(t *testing.T) {
	cols := []string{"a", "a", "count(*)", "`annotations.authorization.k8s.io/decision`", "x,y", "a_2"}
	vals := []match.Value{match.Str("1"), match.Str("2"), match.Num(3), match.Str("allow"), match.Str("c"), match.Str("d")}
	f := writeParquet(t, cols, [][]match.Value{vals}, 0, nil)
	want := []string{"a", "a_2", "count(*)", "`annotations.authorization.k8s.io/decision`", "x,y", "a_2_2"}
	if !reflect.DeepEqual(f.names, want) {
		t.Errorf("columns %v, want %v", f.names, want)
	}
	if !reflect.DeepEqual(f.rows, [][]any{{"1", "2", int64(3), "allow", "c", "d"}}) {
		t.Errorf("rows %v", f.rows)
	}
}

func TestParquetWriteError(t *testing.T) {
	w := NewParquet(failWriter{}, nil)
	w.Begin([]string{"a"})
	w.Row([]match.Value{match.Str("v")}, nil)
	if err := w.End(); !errors.Is(err, errBroken) {
		t.Errorf("End: %v, want %v", err, errBroken)
	}
}

// A large result is written in row groups as it comes: the writer never holds more than the
// type sample or one row group's estimate (plus the row that crossed the limit), however many
// rows there are. Long texts keep no page bounds (parquet-go would hold them until Close);
// short ones do.
func TestParquetBoundedBuffering(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquet(&buf, nil)
	p := w.(*parquetWriter)
	p.groupBytes, p.sampleBytes = 256<<10, 32<<10
	w.Begin([]string{"@message", "n", "verb"})
	const rows = 20000
	const rowMax = 1100 + 5 + 9 + 10
	long := strings.Repeat("y", 1100)
	for i := range rows {
		msg := long[:1000+i%100]
		if err := w.Row([]match.Value{match.Str(msg), match.Num(float64(i)), match.Str("get")}, nil); err != nil {
			t.Fatal(err)
		}
		if p.w == nil && len(p.sample.mem) > p.sampleBytes+rowMax {
			t.Fatalf("row %d: %d bytes buffered in the sample, limit %d", i, len(p.sample.mem), p.sampleBytes)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	if p.peakBuffered > p.groupBytes+rowMax {
		t.Errorf("peak buffered %d bytes, want at most a row group (%d) and a row", p.peakBuffered, p.groupBytes)
	}
	if p.peakBuffered < p.groupBytes {
		t.Errorf("peak buffered %d bytes: the counter does not count", p.peakBuffered)
	}
	f := readParquet(t, buf.Bytes())
	total := rows * (1050 + 5 + 9 + 8)
	if min := total / (p.groupBytes + rowMax); f.groups < min {
		t.Errorf("%d row groups for about %d bytes, want at least %d", f.groups, total, min)
	}
	if len(f.rows) != rows || f.rows[rows-1][1] != int64(rows-1) || f.rows[rows-1][0] != long[:1000+(rows-1)%100] {
		t.Fatalf("%d rows, last %v", len(f.rows), f.rows[len(f.rows)-1][1:])
	}
	for _, rg := range f.file.Metadata().RowGroups {
		msg, verb := rg.Columns[0].MetaData.Statistics, rg.Columns[2].MetaData.Statistics
		if len(msg.MaxValue) != 0 || len(msg.MinValue) != 0 {
			t.Fatalf("@message has bounds of %d bytes", len(msg.MaxValue))
		}
		if string(verb.MaxValue) != "get" {
			t.Fatalf("verb max = %q, want get", verb.MaxValue)
		}
	}
}

// Types come from the sample even when the row group goes on after it: a later misfit goes to
// the twin, in the same row group.
func TestParquetSampleSmallerThanGroup(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquet(&buf, nil)
	w.(*parquetWriter).sampleRows = 2
	w.Begin([]string{"code"})
	for _, v := range []match.Value{match.NumLexeme(200, "200"), match.NumLexeme(404, "404"), match.Str("n/a"), match.NumLexeme(500, "500")} {
		if err := w.Row([]match.Value{v}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	f := readParquet(t, buf.Bytes())
	want := [][]any{{int64(200), nil}, {int64(404), nil}, {nil, "n/a"}, {int64(500), nil}}
	if f.groups != 1 || !reflect.DeepEqual(f.names, []string{"code", "code__text"}) || !reflect.DeepEqual(f.rows, want) {
		t.Errorf("%d groups, columns %v, rows %v", f.groups, f.names, f.rows)
	}
}

// The engine bounds the queue in front of the Parquet writer through this method (match's
// unexported pendingLimiter interface, satisfied by name like its rowEncoder).
var _ interface{ PendingBytes() int64 } = (*parquetWriter)(nil)

// A column with no value in the first rows is sampled until it has one (here past the sample's
// memory, which spills to a temporary file), so it still gets its type; nothing is lost on the
// way through the file.
func TestParquetSampleUntilEveryColumnHasAValue(t *testing.T) {
	var buf bytes.Buffer
	w := NewParquet(&buf, nil)
	p := w.(*parquetWriter)
	p.groupBytes, p.sampleBytes = 1<<20, 16<<10
	w.Begin([]string{"@message", "code", "empty"})
	const absentRows, rows = 300, 1000
	var want [][]any
	for i := range rows {
		msg := fmt.Sprintf("%d %s \xff", i, strings.Repeat("m", 500+i%7))
		code := match.Value{}
		var wantCode any
		if i >= absentRows {
			code, wantCode = match.NumLexeme(float64(200+i%5), strconv.Itoa(200+i%5)), int64(200+i%5)
		}
		if err := w.Row([]match.Value{match.Str(msg), code}, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, []any{strings.ToValidUTF8(msg, "\uFFFD"), wantCode, nil})
		if i == absentRows-1 && (p.w != nil || p.sample.spilled == 0) {
			t.Fatalf("after %d rows without code: schema decided %v, %d bytes spilled", absentRows, p.w != nil, p.sample.spilled)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	if p.peakBuffered > p.groupBytes+600 {
		t.Errorf("peak buffered %d bytes", p.peakBuffered)
	}
	f := readParquet(t, buf.Bytes())
	if !reflect.DeepEqual(f.types[:3], []string{"STRING", intType, "STRING"}) {
		t.Errorf("types %v", f.types)
	}
	var got [][]any
	for _, r := range f.rows {
		got = append(got, r[:3])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows differ: %d rows, first %v, last %v", len(got), got[0], got[len(got)-1])
	}
}
