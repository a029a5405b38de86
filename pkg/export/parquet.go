package export

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	pqzstd "github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// Row groups end when their values reach about ParquetRowGroupBytes (uncompressed, as estimated
// from the values' sizes) or ParquetRowGroupRows rows, whichever comes first: large enough for
// readers to scan efficiently, small enough that a writer or a reader holds one in memory.
const (
	ParquetRowGroupBytes = 64 << 20
	ParquetRowGroupRows  = 1 << 20
)

// Column types are decided from a sample of the first rows: up to ParquetSampleBytes (estimated
// as for row groups) or ParquetSampleRows rows, and never more than a row group. Only the sample
// is held as Go values; every later row goes straight to the Parquet writer, whose buffered
// pages are compressed. A bounded sample is what keeps a large result's memory flat: deciding
// from the whole first row group held ~5x its 64 MB estimate (peak RSS 360 MB on a 300 MiB
// export).
const (
	ParquetSampleBytes = 4 << 20
	ParquetSampleRows  = 8192
)

// TextTwinSuffix names the STRING column that receives, as text, the values of a later row
// group that do not fit their column's type (see NewParquet).
const TextTwinSuffix = "__text"

// Column types of a Parquet file, decided from the sample.
type pqType uint8

const (
	pqString pqType = iota
	pqInt64
	pqDouble
	pqTimestamp
	pqBool
)

// cell is a value as written: its kind, text and number.
type cell struct {
	kind match.Kind
	str  string  // Render() text of strings, lists, maps and periods; the lexeme of a number
	num  float64 // a Number's or Time's value, 1/0 of a Bool
}

type parquetWriter struct {
	out  io.Writer
	meta map[string]string

	// Limits of a row group and of the sample; the package's constants unless a test changes them.
	groupBytes  int
	groupRows   int
	sampleBytes int
	sampleRows  int

	cols []string
	// The sample, buffered until it is complete (or End) to decide the schema.
	sample *pqSample
	// peakBuffered is the most bytes held at once: of sampled rows in memory, or (estimated)
	// of a row group not yet flushed. Tests check it to see that memory is bounded.
	peakBuffered int

	// Set once the schema is decided.
	w        *parquet.Writer
	types    []pqType
	twin     []int // leaf index of each column's text twin, -1 when it has none
	nLeaves  int
	row      parquet.Row
	groupN   int // rows in the current row group
	groupSz  int // estimated bytes in the current row group
	rowsOut  int64
	finished bool
}

// NewParquet returns a writer of a Parquet file: one row per result row, one column per result
// column in column order, every column OPTIONAL (a missing value is a null). meta is written as
// the file's key=value metadata (the CLI puts the query text and auditgrep's version there).
// Values are compressed with zstd.
//
// Column types are decided from a sample of the first rows: ParquetSampleBytes or
// ParquetSampleRows, longer while a column has had no value (up to a row group). The sample is
// buffered, past ParquetSampleBytes in a temporary file. Types:
//
//   - every present value a timestamp: TIMESTAMP(MILLIS, UTC);
//   - every present value a number that is an integer (its original digits parse as an int64, or
//     a computed number with an integral value within ±2^53): INT64;
//   - every present value a number, some not integers: DOUBLE;
//   - every present value a boolean: BOOLEAN;
//   - anything else — strings, lists and maps (as their JSON text), a mix of kinds, a column with
//     no value at all: STRING (UTF-8), holding each value's text as the json and csv outputs
//     render it. @message is a STRING holding the event's original text.
//
// Text is written as UTF-8: bytes that are not valid UTF-8 become U+FFFD, since Parquet readers
// (DuckDB among them) reject STRING columns that are not.
//
// When the whole result fits in the sample, every value fits its column by construction and
// the file has exactly the result's columns. When it does not, the schema is decided from the
// sample and then each non-STRING column c gets a STRING twin column "c__text", placed after
// all the result columns: a later value that does not fit c's
// type (a fraction in an INT64 column, a string in a TIMESTAMP column) is written there as its
// text and c is null in that row. The twin is null wherever c's value fits, so no value is ever
// dropped and the result columns keep their names and positions.
//
// Column names are the result's column names; a repeated name gets a suffix _2, _3, ... so
// that the schema is valid.
func NewParquet(w io.Writer, meta map[string]string) match.Writer {
	return &parquetWriter{out: w, meta: meta, groupBytes: ParquetRowGroupBytes, groupRows: ParquetRowGroupRows,
		sampleBytes: ParquetSampleBytes, sampleRows: ParquetSampleRows}
}

// PendingBytes bounds the engine's queue in front of this writer (match's pendingLimiter). This
// writer is the slowest stage by far (it encodes and compresses every value), and at the
// engine's default 64 MB the rows queued in front of it, with the input buffers they point
// into, tripled the run's memory (1.2M rows at -j 2: 280 MB).
func (p *parquetWriter) PendingBytes() int64 { return 4 << 20 }

func (p *parquetWriter) Begin(cols []string) error {
	p.cols = append([]string(nil), cols...)
	p.sample = newPQSample(len(cols), p.sampleBytes)
	return nil
}

func (p *parquetWriter) Row(vals []match.Value, _ []byte) error {
	if p.w != nil {
		return p.write(vals)
	}
	sm := p.sample
	if err := sm.add(vals); err != nil {
		return err
	}
	p.peakBuffered = max(p.peakBuffered, len(sm.mem))
	// The sample is complete at its limits once every column has had a value, and at a row
	// group's limits in any case; more rows may follow, so the schema gets twin columns.
	if sm.est >= p.groupBytes || sm.rows >= p.groupRows ||
		(sm.est >= p.sampleBytes || sm.rows >= p.sampleRows) && sm.allSeen() {
		return p.start(true)
	}
	return nil
}

func (p *parquetWriter) End() error {
	if p.finished {
		return nil
	}
	p.finished = true
	if p.sample != nil {
		defer p.sample.close()
	}
	if p.w == nil {
		if err := p.start(false); err != nil {
			return err
		}
	}
	return p.w.Close()
}

// start decides the schema from the sample, creates the Parquet writer and writes the sample
// as the start of the first row group. twins says whether to add the text twin columns.
func (p *parquetWriter) start(twins bool) error {
	if p.sample == nil { // End without Begin
		p.sample = newPQSample(0, 0)
	}
	sm := p.sample
	defer sm.close()
	p.types = make([]pqType, len(p.cols))
	for i := range p.cols {
		p.types[i] = sm.typeOf(i)
	}
	used := map[string]bool{}
	unique := func(name string) string {
		n := name
		for k := 2; used[n]; k++ {
			n = name + "_" + strconv.Itoa(k)
		}
		used[n] = true
		return n
	}
	var fields []parquet.Field
	for i, c := range p.cols {
		fields = append(fields, field{parquet.Optional(leafOf(p.types[i])), unique(c)})
	}
	p.twin = make([]int, len(p.cols))
	for i, c := range p.cols {
		p.twin[i] = -1
		if twins && p.types[i] != pqString {
			p.twin[i] = len(fields)
			name := c + TextTwinSuffix
			for used[name] {
				name += "_"
			}
			used[name] = true
			fields = append(fields, field{parquet.Optional(parquet.String()), name})
		}
	}
	p.nLeaves = len(fields)
	opts := []parquet.WriterOption{
		parquet.NewSchema("auditgrep", group(fields)),
		parquet.Compression(newPQZstd()),
	}
	for i := range p.cols {
		if p.types[i] == pqString && sm.stats[i].longest > pqBoundsMaxLen {
			opts = append(opts, parquet.SkipPageBounds(fields[i].Name()), parquet.SkipPageStatistics(fields[i].Name()))
		}
	}
	for k, v := range p.meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	cfg, err := parquet.NewWriterConfig(opts...)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	p.w = parquet.NewWriter(p.out, cfg)
	return sm.replay(func(r []cell) error {
		if err := p.writeRow(func(i int) cell { return r[i] }); err != nil {
			return err
		}
		return p.flushFull()
	})
}

// write writes a row after the schema is decided.
func (p *parquetWriter) write(vals []match.Value) error {
	if err := p.writeRow(func(i int) cell {
		if i < len(vals) {
			return rawCell(vals[i])
		}
		return cell{}
	}); err != nil {
		return err
	}
	return p.flushFull()
}

// flushFull ends the row group when it has reached its limits.
func (p *parquetWriter) flushFull() error {
	p.peakBuffered = max(p.peakBuffered, p.groupSz)
	if p.groupSz < p.groupBytes && p.groupN < p.groupRows {
		return nil
	}
	p.groupN, p.groupSz = 0, 0
	return p.w.Flush()
}

// writeRow writes one row whose i-th cell is at(i).
func (p *parquetWriter) writeRow(at func(i int) cell) error {
	row := p.row[:0]
	if cap(row) < p.nLeaves {
		row = make(parquet.Row, 0, p.nLeaves)
	}
	row = row[:p.nLeaves]
	for i := range row {
		row[i] = parquet.NullValue().Level(0, 0, i)
	}
	for i := range p.cols {
		c := at(i)
		p.groupSz += cellSize(c)
		if c.kind == match.Absent {
			continue
		}
		if v, ok := fit(p.types[i], c); ok {
			row[i] = v.Level(0, 1, i)
		} else {
			// Only possible after the sample, when every column that is not STRING has a
			// twin.
			row[p.twin[i]] = stringValue(c.str).Level(0, 1, p.twin[i])
		}
	}
	p.row = row
	p.groupN++
	p.rowsOut++
	_, err := p.w.WriteRows([]parquet.Row{row})
	clear(row) // keep no reference to the row's strings
	return err
}

// rawCell is v as a cell; its text may alias v (writeRow copies what it keeps).
func rawCell(v match.Value) cell {
	switch v.Kind {
	case match.Absent:
		return cell{}
	case match.Number, match.Time, match.Bool:
		return cell{kind: v.Kind, num: v.Num, str: v.Render()}
	}
	// Strings (@message included), lists and maps as JSON, periods: their text.
	return cell{kind: v.Kind, str: v.Render()}
}

func cellSize(c cell) int {
	switch c.kind {
	case match.Absent:
		return 1
	case match.Number, match.Time:
		return 9
	case match.Bool:
		return 2
	}
	return len(c.str) + 5
}

// asInt reports whether a Number cell is an integer that INT64 holds exactly: its text (the
// original digits, or a computed number's rendering, which has no decimal point when the value
// is integral) parses as an int64. "2.0" and "1e3" are written as non-integers by their source
// and stay DOUBLE.
func asInt(c cell) (int64, bool) {
	n, err := strconv.ParseInt(c.str, 10, 64)
	return n, err == nil
}

// pqBoundsMaxLen is the longest sampled text for which a STRING column keeps page bounds (the
// min and max value of each page, and the column chunk's statistics). parquet-go holds every
// page's min and max values whole, not truncated, until the file is closed, so a column of long
// texts (@message, lists and maps) made the writer's memory grow with the file: ~16 MB per GB
// of @message. Min/max of such texts do not help a reader skip pages anyway.
const pqBoundsMaxLen = 128

// fit returns c as a value of type t, or false when it does not fit.
func fit(t pqType, c cell) (parquet.Value, bool) {
	switch t {
	case pqString:
		return stringValue(c.str), true
	case pqInt64:
		if c.kind == match.Number {
			if n, ok := asInt(c); ok {
				return parquet.Int64Value(n), true
			}
		}
	case pqDouble:
		if c.kind == match.Number {
			return parquet.DoubleValue(c.num), true
		}
	case pqTimestamp:
		if c.kind == match.Time {
			return parquet.Int64Value(int64(c.num)), true
		}
	case pqBool:
		if c.kind == match.Bool {
			return parquet.BooleanValue(c.num != 0), true
		}
	}
	return parquet.Value{}, false
}

// pqZstd is parquet-go's zstd codec with one long-lived encoder whose window fits a page.
// parquet-go's own codec keeps its encoders in a pool that each GC empties, and each new encoder
// allocates a 16 MB history for zstd's default 8 MB window: two of them were half of the
// writer's live heap, and their churn doubled it at peak. Pages are at most the page buffer
// (256 KiB), compressed one by one, so a 1 MiB window loses no match.
type pqZstd struct {
	pqzstd.Codec // Decode, String, CompressionCodec
	enc          *zstd.Encoder
}

func newPQZstd() *pqZstd {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderLevel(pqzstd.DefaultLevel),
		zstd.WithWindowSize(1<<20),
		zstd.WithLowerEncoderMem(true),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false),
	)
	if err != nil {
		panic(err) // constant options
	}
	return &pqZstd{enc: enc}
}

// Encode is safe for concurrent use (zstd.Encoder.EncodeAll is).
func (c *pqZstd) Encode(dst, src []byte) ([]byte, error) {
	return c.enc.EncodeAll(src, dst[:0]), nil
}

func stringValue(s string) parquet.Value {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return parquet.ByteArrayValue([]byte(s))
}

func leafOf(t pqType) parquet.Node {
	switch t {
	case pqInt64:
		return parquet.Int(64)
	case pqDouble:
		return parquet.Leaf(parquet.DoubleType)
	case pqTimestamp:
		return parquet.Timestamp(parquet.Millisecond)
	case pqBool:
		return parquet.Leaf(parquet.BooleanType)
	}
	return parquet.String()
}

// group is a Parquet group node whose fields keep the order they are given in (parquet.Group is
// a map and sorts its fields by name; the file's columns must follow the result's columns).
type group []parquet.Field

func (g group) ID() int                           { return 0 }
func (g group) Type() parquet.Type                { return parquet.Group{}.Type() }
func (g group) Optional() bool                    { return false }
func (g group) Repeated() bool                    { return false }
func (g group) Required() bool                    { return true }
func (g group) Leaf() bool                        { return false }
func (g group) Fields() []parquet.Field           { return g }
func (g group) Encoding() encoding.Encoding       { return nil }
func (g group) Compression() compress.Codec       { return nil }
func (g group) GoType() reflect.Type              { return goTypeOf(g) }
func (g group) String() string                    { return fmt.Sprintf("group(%d fields)", len(g)) }
func (f field) Name() string                      { return f.name }
func (f field) Value(reflect.Value) reflect.Value { return reflect.Value{} }

// field is a named node of a group.
type field struct {
	parquet.Node
	name string
}

// goTypeOf is a struct type with a field per column. Rows are written as parquet.Row, never
// from Go values, so the names only need to be valid identifiers.
func goTypeOf(g group) reflect.Type {
	fs := make([]reflect.StructField, len(g))
	for i, f := range g {
		fs[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: f.GoType()}
	}
	return reflect.StructOf(fs)
}
