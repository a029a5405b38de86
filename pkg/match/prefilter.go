package match

import (
	"github.com/auditgrep/auditgrep/pkg/internal/num"

	"bytes"
	"fmt"
	resyntax "regexp/syntax"
	"sort"
	"strings"
	"unsafe"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// prefilter is what the row stage requires of an event's raw bytes: literals that every event
// the query can keep must contain. It is checked on the raw message before any JSON work, and
// follows ripgrep's contract: an event it passes is only a candidate (the filters still run), an
// event it rejects could never have matched (STYLE.md item 5).
//
// The literals come from the row stage's filters: the union over `and`, the literals common to
// both sides of an `or`, nothing from `not`. A literal required of a discovered JSON field may be
// written in the raw JSON with escapes (\u0065 for "e", \/ for "/"), so an event that lacks the
// literal is rejected only when it also holds no escape that could stand for one of the
// literal's bytes. A literal required of @message is compared with the raw bytes themselves.
type prefilter struct {
	lits []litReq
}

type litReq struct {
	lit string
	// escapes are the letters that, after a backslash, make a JSON escape that can decode to a
	// byte of lit; empty when the literal is matched against the raw message itself.
	escapes string
	// field is where the literal came from, for --explain.
	field string
	// rare is the literal's least frequent byte in audit logs, at rareOff: searching for it
	// rather than the first byte skips most false starts ('e' and '"' are everywhere in JSON).
	rare    byte
	rareOff int
}

func (l *litReq) init() {
	for i := 0; i < len(l.lit); i++ {
		if i == 0 || byteRank[l.lit[i]] < byteRank[l.rare] {
			l.rare, l.rareOff = l.lit[i], i
		}
	}
}

// index returns the first position of the literal in h, or -1.
func (l *litReq) index(h []byte) int {
	n, off := len(l.lit), l.rareOff
	for i := 0; i+n <= len(h); {
		j := bytes.IndexByte(h[i+off:len(h)-n+off+1], l.rare)
		if j < 0 {
			return -1
		}
		start := i + j
		if string(h[start:start+n]) == l.lit {
			return start
		}
		i = start + 1
	}
	return -1
}

// pass reports whether msg may match.
func (pf *prefilter) pass(msg []byte) bool { return pf.passFrom(msg, 0) }

func (pf *prefilter) passFrom(msg []byte, from int) bool {
	for i := from; i < len(pf.lits); i++ {
		l := &pf.lits[i]
		if l.index(msg) >= 0 {
			continue
		}
		if l.escapes != "" && hasEscape(msg, l.escapes) {
			continue
		}
		return false
	}
	return true
}

// hasEscape reports whether msg holds a backslash followed by one of the letters.
func hasEscape(msg []byte, letters string) bool {
	for {
		i := bytes.IndexByte(msg, '\\')
		if i < 0 || i+1 >= len(msg) {
			return false
		}
		if c := msg[i+1]; c == '\\' {
			// An escaped backslash: it decodes to '\' (counted when the literal holds one) and
			// the next byte starts afresh.
			if strings.IndexByte(letters, '\\') >= 0 {
				return true
			}
			msg = msg[i+2:]
			continue
		} else if strings.IndexByte(letters, c) >= 0 {
			return true
		}
		msg = msg[i+2:]
	}
}

// escapeLetters lists the JSON escapes that could produce a byte of lit: \u can produce any
// character; the short escapes produce one byte each.
func escapeLetters(lit string) string {
	letters := "u"
	for _, pair := range [...]struct {
		c      byte
		letter byte
	}{{'"', '"'}, {'\\', '\\'}, {'/', '/'}, {'\b', 'b'}, {'\f', 'f'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}} {
		if strings.IndexByte(lit, pair.c) >= 0 {
			letters += string(pair.letter)
		}
	}
	return letters
}

// buildPrefilter derives the prefilter and the @logStream file test from the row stage's filters.
func (p *Query) buildPrefilter(filters []syntax.Expr) {
	seen := map[string]bool{}
	for _, f := range filters {
		for _, l := range p.requiredLits(f) {
			key := l.lit + "\x00" + l.escapes
			if l.lit == "" || seen[key] {
				continue
			}
			seen[key] = true
			p.pre.lits = append(p.pre.lits, l)
		}
	}
	// Check the literal whose rarest byte is rarest first, the longer one on a tie: it rejects
	// the most events for the least searching.
	for i := range p.pre.lits {
		p.pre.lits[i].init()
	}
	sort.SliceStable(p.pre.lits, func(i, j int) bool {
		a, b := &p.pre.lits[i], &p.pre.lits[j]
		if ra, rb := byteRank[a.rare], byteRank[b.rare]; ra != rb {
			return ra < rb
		}
		return len(a.lit) > len(b.lit)
	})

	var streamConds []syntax.Expr
	for _, f := range filters {
		for _, c := range conjuncts(f) {
			refs := fieldRefs(c)
			if len(refs) == 0 {
				continue
			}
			only := true
			for _, r := range refs {
				if r != "@logStream" {
					only = false
				}
			}
			if only {
				streamConds = append(streamConds, c)
			}
		}
	}
	if len(streamConds) > 0 {
		c := &compiler{p: p, sc: newScope(true)}
		for _, e := range streamConds {
			fn, err := c.expr(e)
			if err != nil {
				continue // compiled fine in the row stage; never here
			}
			p.streamConds = append(p.streamConds, fn)
			p.streamText = append(p.streamText, e.String())
		}
	}
}

// explainPrefilter describes the file skip and the literals, for --explain.
func (p *Query) explainPrefilter() string {
	var parts []string
	if len(p.streamText) > 0 {
		parts = append(parts, "skip files whose @logStream fails "+strings.Join(p.streamText, " and "))
	}
	for _, l := range p.pre.lits {
		where := "raw message"
		if l.escapes != "" {
			where = l.field + ", or a JSON escape"
		}
		parts = append(parts, fmt.Sprintf("events must contain %q (%s)", l.lit, where))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// keepStream returns a test of a log stream name that is false only for streams whose events
// the query's filters reject whatever their content (filter @logStream like /^kube-apiserver-audit/),
// so that whole files can be skipped; nil when the query has no such filter.
func (p *Query) keepStream() func(stream string) bool {
	if len(p.streamConds) == 0 {
		return nil
	}
	return func(stream string) bool {
		r := &rowState{p: p, rec: &scan.Record{Stream: stream}}
		for _, fn := range p.streamConds {
			if !fn(r).Truthy() {
				return false
			}
		}
		return true
	}
}

func conjuncts(e syntax.Expr) []syntax.Expr {
	if b, ok := e.(*syntax.Binary); ok && b.Op == "and" {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	return []syntax.Expr{e}
}

// rawField reports whether e reads an input field whose text is in the raw message: @message
// itself (verbatim) or a discovered JSON field (possibly escaped). Names the query defines
// (parse, fields, unnest) are not raw: their values are computed.
func (p *Query) rawField(e syntax.Expr) (name string, verbatim, ok bool) {
	f, isField := e.(*syntax.Field)
	if !isField {
		return "", false, false
	}
	for k := len(f.Path); k >= 1; k-- {
		// lf.level after parse ... logfmt as lf is computed too.
		if _, defined := p.rowScope.lookup(strings.Join(f.Path[:k], ".")); defined {
			return "", false, false
		}
	}
	if f.Name == "@message" {
		return f.Name, true, true
	}
	if strings.HasPrefix(f.Name, "@") && !strings.HasPrefix(f.Name, "@@") {
		return "", false, false // other system fields are not in the message
	}
	return f.Name, false, true
}

func (p *Query) litFor(field string, verbatim bool, lit string) litReq {
	l := litReq{lit: lit, field: field}
	if !verbatim {
		l.escapes = escapeLetters(lit)
	}
	return l
}

// requiredLits returns literals that every event satisfying e contains.
func (p *Query) requiredLits(e syntax.Expr) []litReq {
	switch e := e.(type) {
	case *syntax.Binary:
		switch e.Op {
		case "and":
			return append(p.requiredLits(e.X), p.requiredLits(e.Y)...)
		case "or":
			a, b := p.requiredLits(e.X), p.requiredLits(e.Y)
			var out []litReq
			for _, x := range a {
				for _, y := range b {
					if x == y {
						out = append(out, x)
					}
				}
			}
			return out
		case "=":
			field, lit := e.X, e.Y
			if _, ok := lit.(*syntax.StrLit); !ok {
				field, lit = e.Y, e.X
			}
			s, ok := lit.(*syntax.StrLit)
			if !ok {
				return nil
			}
			// A numeric-looking string compares numerically (401 = "401.0"), so the text need
			// not appear as written.
			if _, numeric := num.Parse(s.Val); numeric {
				return nil
			}
			if name, verbatim, ok := p.rawField(field); ok {
				return []litReq{p.litFor(name, verbatim, s.Val)}
			}
		}
	case *syntax.Like:
		if e.Not {
			return nil
		}
		name, verbatim, ok := p.rawField(e.X)
		if !ok {
			return nil
		}
		switch pat := e.Pat.(type) {
		case *syntax.StrLit:
			if e.Op == "like" {
				return []litReq{p.litFor(name, verbatim, pat.Val)}
			}
			return p.regexLitReqs(name, verbatim, pat.Val)
		case *syntax.RegexLit:
			return p.regexLitReqs(name, verbatim, pat.Src)
		}
	case *syntax.Call:
		if strings.EqualFold(e.Name, "strcontains") && len(e.Args) == 2 {
			if s, ok := e.Args[1].(*syntax.StrLit); ok {
				if name, verbatim, ok := p.rawField(e.Args[0]); ok {
					return []litReq{p.litFor(name, verbatim, s.Val)}
				}
			}
		}
	}
	return nil
}

func (p *Query) regexLitReqs(field string, verbatim bool, src string) []litReq {
	re, err := resyntax.Parse(src, resyntax.Perl)
	if err != nil {
		return nil
	}
	var out []litReq
	for _, l := range regexLits(re.Simplify()) {
		out = append(out, p.litFor(field, verbatim, l))
	}
	return out
}

// regexLits returns literals that every match of re contains. Case-folded literals are left
// out: the raw bytes may hold any case.
func regexLits(re *resyntax.Regexp) []string {
	switch re.Op {
	case resyntax.OpLiteral:
		if re.Flags&resyntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case resyntax.OpCapture:
		return regexLits(re.Sub[0])
	case resyntax.OpPlus:
		return regexLits(re.Sub[0])
	case resyntax.OpRepeat:
		if re.Min >= 1 {
			return regexLits(re.Sub[0])
		}
	case resyntax.OpConcat:
		// Adjacent literals join into one longer (rarer) literal.
		var out []string
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				out = append(out, run.String())
				run.Reset()
			}
		}
		for _, sub := range re.Sub {
			if sub.Op == resyntax.OpLiteral && sub.Flags&resyntax.FoldCase == 0 {
				run.WriteString(string(sub.Rune))
				continue
			}
			flush()
			out = append(out, regexLits(sub)...)
		}
		flush()
		return out
	}
	return nil
}

// filterBatch sets keep[i] for the records that may match. A batch whose messages lie in one
// buffer (Batch.Buf) is searched as one region, which costs one pass of a rare-byte search over
// the batch rather than a search per event; hits are mapped back to records by offset.
func (pf *prefilter) filterBatch(b *scan.Batch, keep []bool, offs []int) []int {
	recs := b.Records
	region, offs, ok := batchRegion(b, offs[:0])
	if !ok {
		for i := range recs {
			keep[i] = pf.pass(recs[i].Message)
		}
		return offs
	}
	for i := range keep {
		keep[i] = false
	}
	l := &pf.lits[0]
	end := func(k int) int { return offs[k] + len(recs[k].Message) }
	k := 0
	for pos := 0; pos < len(region); {
		i := l.index(region[pos:])
		if i < 0 {
			break
		}
		abs := pos + i
		for k < len(recs) && end(k) <= abs {
			k++
		}
		if k == len(recs) {
			break
		}
		if abs >= offs[k] && abs+len(l.lit) <= end(k) {
			keep[k] = true
			pos = end(k)
		} else {
			pos = abs + 1
		}
	}
	if l.escapes != "" {
		k = 0
		for pos := 0; pos < len(region); {
			i := bytes.IndexByte(region[pos:], '\\')
			if i < 0 {
				break
			}
			abs := pos + i
			for k < len(recs) && end(k) <= abs {
				k++
			}
			if k == len(recs) {
				break
			}
			switch {
			case abs < offs[k] || keep[k]:
				pos = max(abs+1, offs[k])
				if keep[k] {
					pos = end(k)
				}
			case abs+1 >= end(k):
				pos = end(k)
			case strings.IndexByte(l.escapes, region[abs+1]) >= 0:
				keep[k] = true
				pos = end(k)
			default:
				pos = abs + 2 // an escape pair, \\ included, is consumed whole
			}
		}
	}
	if len(pf.lits) > 1 {
		for k := range recs {
			if keep[k] && !pf.passFrom(recs[k].Message, 1) {
				keep[k] = false
			}
		}
	}
	return offs
}

// batchRegion returns the bytes from the first record's message to the end of the last one,
// with each record's offset in it (-1 for an empty message), when the messages lie in one
// buffer in order.
func batchRegion(b *scan.Batch, offs []int) ([]byte, []int, bool) {
	if len(b.Buf) == 0 {
		return nil, offs, false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b.Buf)))
	prevEnd := 0
	for i := range b.Records {
		m := b.Records[i].Message
		if len(m) == 0 {
			offs = append(offs, -1)
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
		// Every message must lie inside Buf, after the previous one; otherwise search per event.
		if p < base || p-base > uintptr(len(b.Buf)) || int(p-base) < prevEnd || int(p-base)+len(m) > len(b.Buf) {
			return nil, offs, false
		}
		offs = append(offs, int(p-base))
		prevEnd = int(p-base) + len(m)
	}
	return b.Buf[:prevEnd], offs, true
}

// byteRank orders bytes by how often they occur in kube-apiserver audit logs (0 rarest, 255 most
// frequent), measured on generated EKS exports and the real samples of shared/realdata.
var byteRank = [256]uint8{
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 187, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
	231, 31, 255, 32, 175, 170, 188, 169, 185, 186, 171, 33, 239, 245, 234, 227,
	237, 242, 236, 222, 230, 226, 228, 221, 233, 225, 249, 173, 34, 194, 35, 179,
	172, 209, 202, 210, 193, 192, 191, 181, 177, 211, 184, 190, 178, 195, 196, 189,
	204, 182, 219, 200, 214, 199, 205, 180, 183, 176, 208, 206, 212, 207, 36, 174,
	37, 251, 232, 243, 241, 254, 216, 220, 213, 247, 197, 229, 240, 238, 248, 250,
	235, 203, 246, 253, 252, 244, 224, 215, 198, 223, 201, 218, 38, 217, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56,
	57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72,
	73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88,
	89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104,
	105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120,
	121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136,
	137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152,
	153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168,
}
