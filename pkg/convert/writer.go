package convert

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// Row groups end when their values reach about RowGroupBytes (uncompressed, estimated from the
// values' sizes) or RowGroupRows rows: big enough for engines to read efficiently, and the
// boundaries depend only on the rows, so the files are the same for any -j.
const (
	RowGroupBytes = 128 << 20
	RowGroupRows  = 1 << 20
)

// The row group limits in force; tests lower them.
var rowGroupBytes, rowGroupRows = RowGroupBytes, RowGroupRows

// pageBufferSize is the uncompressed size at which a column's page is cut and compressed;
// every open part file holds up to this much per column.
const pageBufferSize = 256 << 10

// spillAbove is how much of a column chunk's compressed pages a part file keeps in memory
// before moving them to a temporary file: a row group's compressed data waits in these buffers
// until the row group is written, and spilling it keeps memory flat whatever the row group size.
const spillAbove = 64 << 10

// pageCodec is shared by every part file, so that its encoders are pooled across them.
var pageCodec = &zstdCodec{}

// newWriterConfig is the configuration of every part file.
func newWriterConfig(meta map[string]string, pool parquet.BufferPool) (*parquet.WriterConfig, error) {
	opts := []parquet.WriterOption{
		schema,
		parquet.Compression(pageCodec),
		parquet.PageBufferSize(pageBufferSize),
		parquet.ColumnPageBuffers(pool),
	}
	for k, v := range meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	return parquet.NewWriterConfig(opts...)
}

// partWriter writes one part file under a temporary name.
type partWriter struct {
	tmp, final string
	f          *os.File
	w          *parquet.Writer
	groupRows  int
	groupBytes int
	rows       int64
	// lastRow is the file's row count when this writer last got a row (for closing idle ones).
	lastRow int64
}

func newPartWriter(tmp, final string, cfg *parquet.WriterConfig) (*partWriter, error) {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &partWriter{tmp: tmp, final: final, f: f, w: parquet.NewWriter(f, cfg)}, nil
}

func (p *partWriter) write(row parquet.Row, size int) error {
	if _, err := p.w.WriteRows([]parquet.Row{row}); err != nil {
		return fmt.Errorf("writing %s: %w", p.final, err)
	}
	p.rows++
	p.groupRows++
	p.groupBytes += size
	if p.groupRows >= rowGroupRows || p.groupBytes >= rowGroupBytes {
		p.groupRows, p.groupBytes = 0, 0
		if err := p.w.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", p.final, err)
		}
	}
	return nil
}

// close writes the footer and closes the temporary file; it does not rename it. The writer's
// buffers are dropped: only the names are kept, for the rename.
func (p *partWriter) close() error {
	err := p.w.Close()
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.w, p.f = nil, nil
	if err != nil {
		return fmt.Errorf("writing %s: %w", p.final, err)
	}
	return nil
}

// abort closes and removes the temporary file.
func (p *partWriter) abort() {
	p.f.Close()
	os.Remove(p.tmp)
}

// rowBuilder lays out one event as a parquet.Row.
type rowBuilder struct {
	row  parquet.Row
	size int
}

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// validUTF8 returns s, with invalid bytes replaced by U+FFFD: engines (DuckDB among them)
// reject STRING columns that are not UTF-8.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (b *rowBuilder) null(leaf int) {
	b.row = append(b.row, parquet.NullValue().Level(0, 0, leaf))
	b.size++
}

func (b *rowBuilder) str(leaf int, s string) {
	s = validUTF8(s)
	b.row = append(b.row, parquet.ByteArrayValue(bytesOf(s)).Level(0, 1, leaf))
	b.size += len(s) + 4
}

func (b *rowBuilder) optStr(leaf int, has bool, s string) {
	if has {
		b.str(leaf, s)
	} else {
		b.null(leaf)
	}
}

func (b *rowBuilder) int64v(leaf int, has bool, v int64) {
	if !has {
		b.null(leaf)
		return
	}
	b.row = append(b.row, parquet.Int64Value(v).Level(0, 1, leaf))
	b.size += 8
}

// list writes a LIST column (optional group, repeated list, optional element): definition
// level 0 is a null list, 1 an empty one, 2 a null element, 3 an element.
func (b *rowBuilder) list(leaf int, has bool, items []item) {
	switch {
	case !has:
		b.null(leaf)
	case len(items) == 0:
		b.row = append(b.row, parquet.NullValue().Level(0, 1, leaf))
		b.size++
	default:
		for i, it := range items {
			rep := 1
			if i == 0 {
				rep = 0
			}
			if it.null {
				b.row = append(b.row, parquet.NullValue().Level(rep, 2, leaf))
				b.size++
				continue
			}
			s := validUTF8(it.s)
			b.row = append(b.row, parquet.ByteArrayValue(bytesOf(s)).Level(rep, 3, leaf))
			b.size += len(s) + 4
		}
	}
}

// annotations writes the MAP column (optional group, repeated key_value, required key,
// optional value): its key leaf, then its value leaf.
func (b *rowBuilder) annotations(has bool, ents []entry) {
	switch {
	case !has:
		b.null(leafAnnotationKey)
		b.null(leafAnnotationValue)
		return
	case len(ents) == 0:
		b.row = append(b.row, parquet.NullValue().Level(0, 1, leafAnnotationKey), parquet.NullValue().Level(0, 1, leafAnnotationValue))
		b.size += 2
		return
	}
	for i, e := range ents {
		k := validUTF8(e.key)
		b.row = append(b.row, parquet.ByteArrayValue(bytesOf(k)).Level(min(i, 1), 2, leafAnnotationKey))
		b.size += len(k) + 4
	}
	for i, e := range ents {
		if e.val.null {
			b.row = append(b.row, parquet.NullValue().Level(min(i, 1), 2, leafAnnotationValue))
			b.size++
			continue
		}
		v := validUTF8(e.val.s)
		b.row = append(b.row, parquet.ByteArrayValue(bytesOf(v)).Level(min(i, 1), 3, leafAnnotationValue))
		b.size += len(v) + 4
	}
}

// build lays out rec, whose typed columns are f, as the builder's row. The row's strings alias
// rec.Message and f: it is valid until either changes.
func (b *rowBuilder) build(rec *scan.Record, stream, log string, f *fields) parquet.Row {
	b.row, b.size = b.row[:0], 0
	b.int64v(leafTimestamp, rec.HasTime, rec.Time)
	b.str(leafLogStream, stream)
	b.optStr(leafLog, log != "", log)
	b.str(leafMessage, unsafe.String(unsafe.SliceData(rec.Message), len(rec.Message)))
	b.optStr(leafVerb, f.has[colVerb], f.str[colVerb])
	b.optStr(leafRequestURI, f.has[colRequestURI], f.str[colRequestURI])
	b.optStr(leafUserUsername, f.has[colUserUsername], f.str[colUserUsername])
	b.list(leafUserGroups, f.has[colUserGroups], f.lists[0])
	b.optStr(leafUserUID, f.has[colUserUID], f.str[colUserUID])
	b.list(leafSourceIPs, f.has[colSourceIPs], f.lists[1])
	b.optStr(leafUserAgent, f.has[colUserAgent], f.str[colUserAgent])
	for c, leaf := colObjResource, leafObjResource; c <= colObjSubresource; c, leaf = c+1, leaf+1 {
		b.optStr(leaf, f.has[c], f.str[c])
	}
	if f.has[colCode] {
		b.row = append(b.row, parquet.Int32Value(f.code).Level(0, 1, leafCode))
		b.size += 4
	} else {
		b.null(leafCode)
	}
	b.optStr(leafStage, f.has[colStage], f.str[colStage])
	b.optStr(leafLevel, f.has[colLevel], f.str[colLevel])
	b.optStr(leafAuditID, f.has[colAuditID], f.str[colAuditID])
	b.annotations(f.has[colAnnotations], f.ann)
	b.int64v(leafRequestReceived, f.has[colRequestReceived], f.micros[0])
	b.int64v(leafStageTimestamp, f.has[colStageTimestamp], f.micros[1])
	return b.row
}

// spillPool is a parquet.BufferPool whose buffers keep up to spillAbove bytes in memory and
// move to a temporary file in dir beyond that.
type spillPool struct {
	dir  string
	mems sync.Pool
}

func (p *spillPool) GetBuffer() io.ReadWriteSeeker {
	b := &spillBuffer{dir: p.dir}
	if m, ok := p.mems.Get().(*[]byte); ok {
		b.mem = (*m)[:0]
	}
	return b
}

func (p *spillPool) PutBuffer(rws io.ReadWriteSeeker) {
	b, ok := rws.(*spillBuffer)
	if !ok {
		return
	}
	if b.file != nil {
		b.file.Close()
		os.Remove(b.file.Name())
		b.file = nil
	}
	if b.mem != nil {
		m := b.mem[:0]
		p.mems.Put(&m)
	}
}

// spillBuffer is written sequentially after a Seek to 0, then read from 0 to its end.
type spillBuffer struct {
	dir  string
	mem  []byte
	file *os.File
	size int64 // bytes written
	pos  int64 // read offset
	err  error
}

func (b *spillBuffer) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.file == nil && len(b.mem)+len(p) <= spillAbove {
		b.mem = append(b.mem, p...)
		b.size += int64(len(p))
		return len(p), nil
	}
	if b.file == nil {
		f, err := os.CreateTemp(b.dir, "spill-*")
		if err != nil {
			b.err = err
			return 0, err
		}
		b.file = f
		if _, err := f.WriteAt(b.mem, 0); err != nil {
			b.err = err
			return 0, err
		}
		b.mem = b.mem[:0]
	}
	n, err := b.file.WriteAt(p, b.size)
	b.size += int64(n)
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *spillBuffer) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.pos >= b.size {
		return 0, io.EOF
	}
	var n int
	var err error
	if b.file == nil {
		n = copy(p, b.mem[b.pos:])
	} else {
		n, err = b.file.ReadAt(p[:min(int64(len(p)), b.size-b.pos)], b.pos)
		if err == io.EOF && n > 0 {
			err = nil
		}
	}
	b.pos += int64(n)
	return n, err
}

func (b *spillBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += b.pos
	case io.SeekEnd:
		off += b.size
	}
	if off < 0 {
		return 0, fmt.Errorf("spill buffer: negative offset")
	}
	b.pos = off
	return off, nil
}
