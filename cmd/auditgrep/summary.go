package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/auditgrep/auditgrep/pkg/match"
	"github.com/auditgrep/auditgrep/pkg/scan"
)

// problemKind sorts the input problems of a run for the summary printed at its end.
type problemKind int

const (
	probUnreadable problemKind = iota // not read at all: missing, permission, loop, ...
	probBinary                        // binary content: skipped
	probDamaged                       // compressed stream truncated or corrupt: read up to the damage
	probCutShort                      // any other read error: read up to it
	probLongLine                      // one line or event over --max-line-bytes: skipped
	numProblemKinds
)

// maxListed is how many locations of one kind the summary names.
const maxListed = 5

// problems gathers the input problems reported during a run. Exec reports them in file order, so
// the summary is the same for any -j.
type problems struct {
	mu    sync.Mutex
	n     int
	count [numProblemKinds]int
	where [numProblemKinds][]string
	// files are the paths that were not read in full (a skipped line counts too).
	files map[string]bool
}

func (p *problems) add(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.files == nil {
		p.files = map[string]bool{}
	}
	p.n++
	var ie *scan.InputError
	if !errors.As(err, &ie) {
		p.note(probCutShort, err.Error())
		return
	}
	p.files[ie.Path] = true
	switch {
	case errors.Is(ie, scan.ErrLineTooLong):
		p.note(probLongLine, fmt.Sprintf("%s:%d", ie.Path, ie.Line))
	case errors.Is(ie, scan.ErrBinary):
		p.note(probBinary, ie.Path)
	case errors.Is(ie, scan.ErrTruncated):
		p.note(probDamaged, ie.Path+at(ie))
	case ie.Offset >= 0:
		p.note(probCutShort, ie.Path+at(ie))
	default:
		p.note(probUnreadable, ie.Path+": "+ie.Err.Error())
	}
}

// at says where in its file a stream error stopped the reading.
func at(ie *scan.InputError) string {
	s := ""
	if ie.Line > 0 {
		s = fmt.Sprintf(":%d", ie.Line)
	}
	if ie.CompressedOffset >= 0 {
		return s + fmt.Sprintf(" at byte %d, compressed byte %d", ie.Offset, ie.CompressedOffset)
	}
	return s + fmt.Sprintf(" at byte %d", ie.Offset)
}

func (p *problems) note(k problemKind, where string) {
	p.count[k]++
	if len(p.where[k]) < maxListed {
		p.where[k] = append(p.where[k], where)
	}
}

// summary writes the one-line account of the skipped input, e.g.
//
//	auditgrep: skipped input: 1 file unreadable (a.gz: open: permission denied); 1 line over --max-line-bytes (c.log:17); 3 of 5 files read in full
//
// Nothing is written when no problem was reported.
func (p *problems) summary(w io.Writer, st match.RunStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.n == 0 {
		return
	}
	var parts []string
	list := func(k problemKind, one, many string) {
		n := p.count[k]
		if n == 0 {
			return
		}
		what := one
		if n > 1 {
			what = many
		}
		where := strings.Join(p.where[k], ", ")
		if n > len(p.where[k]) {
			where += fmt.Sprintf(", and %d more", n-len(p.where[k]))
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s)", n, what, where))
	}
	list(probUnreadable, "file unreadable", "files unreadable")
	list(probBinary, "binary file", "binary files")
	list(probDamaged, "file truncated or corrupt, events after the damage lost",
		"files truncated or corrupt, events after the damage lost")
	list(probCutShort, "file read only up to an error", "files read only up to an error")
	list(probLongLine, "line over --max-line-bytes", "lines over --max-line-bytes")
	total := st.FilesRead + st.FilesFailed + st.FilesSkipped
	full := max(total-int64(len(p.files)), 0)
	parts = append(parts, fmt.Sprintf("%d of %d files read in full", full, total))
	fmt.Fprintf(w, "auditgrep: skipped input: %s\n", strings.Join(parts, "; "))
}
