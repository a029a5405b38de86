package export

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// pqSample holds the rows written before the Parquet schema is decided, and what the types are
// decided from: per column, the kinds seen, whether every number is an integer, the longest
// text. Rows are kept encoded (a kind byte, the number, the text), not as Go values, so they
// cost about their size; past memLimit bytes they go to an unlinked temporary file, so that a
// column with no value in the first rows (responseStatus.code after a stream of authenticator
// events) can be sampled until it has one without holding those rows in memory.
type pqSample struct {
	mem      []byte // encoded rows not spilled: uvarint length, then the row
	memLimit int
	spill    *os.File // nil until mem first reaches memLimit
	spillW   *bufio.Writer
	spillErr error // the temporary file could not be made: rows stay in memory
	rmName   string
	spilled  int64 // bytes written to spill
	rows     int
	est      int // cellSize estimate of every sampled row
	stats    []pqColStats
	scratch  []byte
}

type pqColStats struct {
	kind    match.Kind // kind of the first present value; Absent when none yet
	mixed   bool
	allInt  bool
	longest int
}

func newPQSample(ncols, memLimit int) *pqSample {
	s := &pqSample{memLimit: memLimit, stats: make([]pqColStats, ncols)}
	for i := range s.stats {
		s.stats[i].allInt = true
	}
	return s
}

// add encodes one row and updates the column statistics.
func (s *pqSample) add(vals []match.Value) error {
	start := len(s.mem)
	s.mem = append(s.mem, 0, 0, 0, 0, 0) // room for the row length, fixed up below
	for i := range s.stats {
		var c cell
		if i < len(vals) {
			c = rawCell(vals[i])
		}
		s.est += cellSize(c)
		st := &s.stats[i]
		s.mem = append(s.mem, byte(c.kind))
		if c.kind == match.Absent {
			continue
		}
		if st.kind == match.Absent {
			st.kind = c.kind
		} else if st.kind != c.kind {
			st.mixed = true
		}
		if c.kind == match.Number && st.allInt {
			_, st.allInt = asInt(c)
		}
		st.longest = max(st.longest, len(c.str))
		s.mem = binary.LittleEndian.AppendUint64(s.mem, math.Float64bits(c.num))
		s.mem = binary.AppendUvarint(s.mem, uint64(len(c.str)))
		s.mem = append(s.mem, c.str...)
	}
	// The length, as a fixed 5-byte little-endian-base-128 prefix (rows are < 2^35 bytes).
	n := uint64(len(s.mem) - start - 5)
	for k := range 5 {
		b := byte(n & 0x7f)
		if k < 4 {
			b |= 0x80
		}
		s.mem[start+k] = b
		n >>= 7
	}
	s.rows++
	if len(s.mem) >= s.memLimit && s.spillErr == nil {
		return s.toSpill()
	}
	return nil
}

// toSpill moves the rows held in memory to the temporary file.
func (s *pqSample) toSpill() error {
	if s.spill == nil {
		f, err := os.CreateTemp("", "auditgrep-parquet-sample-*")
		if err != nil {
			s.spillErr = err // keep sampling in memory: slower to free, but correct
			return nil
		}
		// Unlinked at once where the system allows it, so nothing is left behind whatever
		// happens to the run; elsewhere removed by close.
		if os.Remove(f.Name()) != nil {
			s.rmName = f.Name()
		}
		s.spill, s.spillW = f, bufio.NewWriterSize(f, 64<<10)
	}
	if _, err := s.spillW.Write(s.mem); err != nil {
		return fmt.Errorf("parquet: sample file %s: %w", s.spill.Name(), err)
	}
	s.spilled += int64(len(s.mem))
	s.mem = s.mem[:0]
	return nil
}

// allSeen reports whether every column has had a value.
func (s *pqSample) allSeen() bool {
	for i := range s.stats {
		if s.stats[i].kind == match.Absent {
			return false
		}
	}
	return true
}

// replay calls fn with each sampled row in order. The cells alias a scratch buffer valid until
// fn returns.
func (s *pqSample) replay(fn func(r []cell) error) error {
	row := make([]cell, len(s.stats))
	if s.spill != nil {
		if err := s.spillW.Flush(); err != nil {
			return fmt.Errorf("parquet: sample file %s: %w", s.spill.Name(), err)
		}
		if _, err := s.spill.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("parquet: sample file %s: %w", s.spill.Name(), err)
		}
		r := bufio.NewReaderSize(s.spill, 64<<10)
		for off := int64(0); off < s.spilled; {
			var hdr [5]byte
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				return fmt.Errorf("parquet: sample file %s at byte %d: %w", s.spill.Name(), off, err)
			}
			n, _ := binary.Uvarint(hdr[:])
			if cap(s.scratch) < int(n) {
				s.scratch = make([]byte, n)
			}
			b := s.scratch[:n]
			if _, err := io.ReadFull(r, b); err != nil {
				return fmt.Errorf("parquet: sample file %s at byte %d: %w", s.spill.Name(), off+5, err)
			}
			decodeRow(row, b)
			if err := fn(row); err != nil {
				return err
			}
			off += 5 + int64(n)
		}
	}
	for b := s.mem; len(b) > 0; {
		n, _ := binary.Uvarint(b[:5])
		decodeRow(row, b[5:5+n])
		if err := fn(row); err != nil {
			return err
		}
		b = b[5+n:]
	}
	return nil
}

// decodeRow decodes one encoded row into r; strings alias b.
func decodeRow(r []cell, b []byte) {
	for i := range r {
		k := match.Kind(b[0])
		b = b[1:]
		if k == match.Absent {
			r[i] = cell{}
			continue
		}
		num := math.Float64frombits(binary.LittleEndian.Uint64(b))
		n, w := binary.Uvarint(b[8:])
		b = b[8+w:]
		var str string
		if n > 0 {
			str = unsafe.String(&b[0], int(n))
		}
		r[i] = cell{kind: k, num: num, str: str}
		b = b[n:]
	}
}

// close releases the memory and the temporary file.
func (s *pqSample) close() {
	s.mem = nil
	if s.spill != nil {
		s.spill.Close()
		if s.rmName != "" {
			os.Remove(s.rmName)
		}
		s.spill = nil
	}
}

// typeOf is the type of column i (see NewParquet).
func (s *pqSample) typeOf(i int) pqType {
	st := s.stats[i]
	if st.mixed {
		return pqString
	}
	switch st.kind {
	case match.Time:
		return pqTimestamp
	case match.Number:
		if st.allInt {
			return pqInt64
		}
		return pqDouble
	case match.Bool:
		return pqBool
	}
	return pqString
}
