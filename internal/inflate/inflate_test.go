package inflate

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// auditLike returns n bytes of JSON lines shaped like audit events: long repeated keys, varied
// values, some runs (short-distance overlapping matches) and a little binary noise.
func auditLike(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	verbs := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%08x-%04x","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns-%d/pods/p-%d","verb":%q,"user":{"username":"system:serviceaccount:ns-%d:sa-%d","groups":["system:serviceaccounts","system:authenticated"]},"responseStatus":{"metadata":{},"code":%d}`,
			r.Uint32(), r.Uint32()&0xffff, r.IntN(40), r.IntN(5000), verbs[r.IntN(len(verbs))], r.IntN(40), r.IntN(300), []int{200, 201, 404, 409, 500}[r.IntN(5)])
		switch r.IntN(8) {
		case 0:
			b.WriteString(`,"pad":"` + strings.Repeat("a", r.IntN(400)) + `"`)
		case 1:
			b.WriteString(`,"pad":"` + strings.Repeat("ab", r.IntN(100)) + strings.Repeat("xyz1234", r.IntN(50)) + `"`)
		case 2:
			raw := make([]byte, r.IntN(64))
			for i := range raw {
				raw[i] = byte(r.Uint32())
			}
			fmt.Fprintf(&b, `,"noise":%q`, raw)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()[:n]
}

func random(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func gz(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func readAll(z *Reader, r io.Reader) ([]byte, error) {
	if err := z.Reset(r); err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}

func TestRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":       nil,
		"one":         []byte("x"),
		"audit-small": auditLike(10_000, 1),
		"audit-3MB":   auditLike(3<<20, 2), // more than one output chunk: the window moves
		"random":      random(200_000, 3),  // stored blocks
		"runs":        bytes.Repeat([]byte("abcabcabcdddddddddddddddddddddddddefgh"), 20_000),
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
	}
	var z Reader // reused across streams, as a worker does
	for name, data := range inputs {
		for _, level := range []int{gzip.HuffmanOnly, gzip.NoCompression, gzip.BestSpeed, 6, gzip.BestCompression} {
			comp := gz(t, data, level)
			for rn, wrap := range readers {
				if rn == "onebyte" && len(comp) > 300_000 {
					continue
				}
				got, err := readAll(&z, wrap(bytes.NewReader(comp)))
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("%s level %d %s: %d bytes, err %v; want %d bytes", name, level, rn, len(got), err, len(data))
				}
			}
		}
	}
}

// The standard library writes the header fields klauspost does not use; FHCRC is made by hand.
func TestHeaderFields(t *testing.T) {
	data := auditLike(50_000, 4)
	var b bytes.Buffer
	w := stdgzip.NewWriter(&b)
	w.Name, w.Comment, w.Extra = "export-000001.gz", "a comment", []byte("extra field")
	w.Write(data)
	w.Close()
	var z Reader
	if got, err := readAll(&z, bytes.NewReader(b.Bytes())); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("name/comment/extra: %d bytes, %v", len(got), err)
	}

	plain := gz(t, data, 6)
	hdr := append([]byte{}, plain[:10]...)
	hdr[3] |= 1 << 1
	sum := crc32.ChecksumIEEE(hdr)
	withCRC := append(append(hdr, byte(sum), byte(sum>>8)), plain[10:]...)
	if got, err := readAll(&z, bytes.NewReader(withCRC)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("FHCRC: %d bytes, %v", len(got), err)
	}
	withCRC[10]++
	if _, err := readAll(&z, bytes.NewReader(withCRC)); err != gzip.ErrHeader {
		t.Fatalf("wrong FHCRC: %v, want ErrHeader", err)
	}
	reserved := append([]byte{}, plain...)
	reserved[3] |= 0x20
	if _, err := readAll(&z, bytes.NewReader(reserved)); err != gzip.ErrHeader {
		t.Fatalf("reserved flag: %v, want ErrHeader", err)
	}
}

func TestMultiMember(t *testing.T) {
	a, b := auditLike(40_000, 5), auditLike(70_000, 6)
	stream := append(gz(t, a, 6), gz(t, b, 1)...)
	var z Reader
	got, err := readAll(&z, bytes.NewReader(stream))
	if err != nil || !bytes.Equal(got, append(append([]byte{}, a...), b...)) {
		t.Fatalf("two members: %d bytes, %v", len(got), err)
	}
	// What follows the last member must be another member: garbage is a header error, part
	// of a header is a truncation, after the first member's bytes were all given out.
	for _, tc := range []struct {
		tail string
		want error
	}{{"garbage!!!!!!", gzip.ErrHeader}, {"\x1f\x8b", io.ErrUnexpectedEOF}} {
		got, err := readAll(&z, bytes.NewReader(append(gz(t, a, 6), tc.tail...)))
		if err != tc.want || !bytes.Equal(got, a) {
			t.Errorf("tail %q: %d bytes, %v; want %d bytes, %v", tc.tail, len(got), err, len(a), tc.want)
		}
	}
}

func TestDamage(t *testing.T) {
	data := auditLike(100_000, 8)
	comp := gz(t, data, 6)
	var z Reader
	// Every cut is an error, and what came before it is the start of the content.
	for cut := 0; cut < len(comp); cut += 1 + cut/50 {
		got, err := readAll(&z, bytes.NewReader(comp[:cut]))
		if err == nil || !bytes.HasPrefix(data, got) {
			t.Fatalf("cut at %d: %d bytes, err %v", cut, len(got), err)
		}
		if cut >= 10 && err != io.ErrUnexpectedEOF {
			t.Fatalf("cut at %d: %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
	bad := append([]byte{}, comp...)
	bad[len(bad)-5]++ // the size
	if got, err := readAll(&z, bytes.NewReader(bad)); err != gzip.ErrChecksum || !bytes.Equal(got, data) {
		t.Fatalf("bad size: %d bytes, %v", len(got), err)
	}
	bad = append([]byte{}, comp...)
	bad[len(bad)-8]++ // the CRC
	if _, err := readAll(&z, bytes.NewReader(bad)); err != gzip.ErrChecksum {
		t.Fatalf("bad CRC: %v", err)
	}
	// A read error is passed on as it is.
	boom := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(comp[:len(comp)/2]), iotest.ErrReader(boom))
	if _, err := readAll(&z, r); err != boom {
		t.Fatalf("read error: %v", err)
	}
}

// rawRef decodes raw DEFLATE with klauspost, the decoder this one replaces.
func rawRef(data []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(data)))
}

func rawOurs(z *Reader, data []byte) ([]byte, error) {
	z.reset(bytes.NewReader(data), true)
	return io.ReadAll(z)
}

func deflate(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, level)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// checkSame holds the decoders to the same answer: the same bytes when the reference succeeds,
// an error when it fails (with one output the start of the other: both stop at the damage).
func checkSame(t *testing.T, z *Reader, in []byte) {
	want, werr := rawRef(in)
	got, err := rawOurs(z, in)
	// Input that arrives a byte at a time takes the tentative path at every symbol: the same
	// answer.
	z.reset(iotest.OneByteReader(bytes.NewReader(in)), true)
	slow, serr := io.ReadAll(z)
	if !bytes.Equal(slow, got) || (serr == nil) != (err == nil) {
		t.Fatalf("one byte at a time: %d bytes, err %v; whole: %d bytes, err %v", len(slow), serr, len(got), err)
	}
	if werr == nil {
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("reference decodes %d bytes; got %d bytes, err %v", len(want), len(got), err)
		}
		return
	}
	if err == nil {
		t.Fatalf("reference fails (%v) after %d bytes; got %d bytes and no error", werr, len(want), len(got))
	}
	if !bytes.HasPrefix(want, got) && !bytes.HasPrefix(got, want) {
		t.Fatalf("outputs before the error differ: %d and %d bytes", len(got), len(want))
	}
}

func TestRawAgainstReference(t *testing.T) {
	var z Reader
	for i, data := range [][]byte{auditLike(20_000, 10), random(5000, 11), []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")} {
		for _, level := range []int{-2, 0, 1, 5, 9} {
			in := deflate(t, data, level)
			checkSame(t, &z, in)
			// Flip bits: both decoders must agree on the damage.
			r := rand.New(rand.NewPCG(uint64(i), uint64(level+3)))
			for range 200 {
				bad := append([]byte{}, in...)
				bad[r.IntN(len(bad))] ^= 1 << r.IntN(8)
				checkSame(t, &z, bad)
			}
		}
	}
}

func FuzzRaw(f *testing.F) {
	for _, data := range [][]byte{auditLike(3000, 12), random(300, 13), []byte("abababababababab")} {
		for _, level := range []int{-2, 0, 1, 9} {
			f.Add(deflate(f, data, level))
		}
	}
	f.Add([]byte{0x04, 0xc0, 0x81, 0x08, 0x00, 0x00, 0x00, 0x00, 0x20, 0x7f, 0xeb, 0x0b, 0x00, 0x00}) // a single-code dynamic block
	var z Reader
	f.Fuzz(func(t *testing.T, in []byte) { checkSame(t, &z, in) })
}

func FuzzGzip(f *testing.F) {
	f.Add(gz(f, auditLike(2000, 14), 6))
	f.Add(append(gz(f, []byte("first"), 1), gz(f, []byte("second"), 9)...))
	// Cut inside the comment of a second member's header: see quirk below.
	f.Add([]byte("\x1f\x8b\b\x000000000\x05\x00\xfa\xfffirst\x030W\xeeq\x92\x05\x00\x00\x00\x1f\x8b\b00000000"))
	var z Reader
	f.Fuzz(func(t *testing.T, in []byte) {
		var ref gzip.Reader
		var want []byte
		werr := ref.Reset(bytes.NewReader(in))
		if werr == nil {
			want, werr = io.ReadAll(&ref)
		}
		got, err := readAll(&z, bytes.NewReader(in))
		// The reference ends quietly when the input stops inside the name or comment of a
		// later member's header (it returns the io.EOF of that read); this decoder reports
		// the truncation.
		quirk := err == io.ErrUnexpectedEOF && bytes.Equal(got, want) && bytes.LastIndex(in, []byte{0x1f, 0x8b}) > 0
		if werr == nil && (err != nil && !quirk || !bytes.Equal(got, want)) {
			t.Fatalf("reference reads %d bytes; got %d bytes, err %v", len(want), len(got), err)
		}
		if werr != nil && err == nil {
			t.Fatalf("reference fails (%v); got %d bytes and no error", werr, len(got))
		}
	})
}

func benchData(b *testing.B) ([]byte, []byte) {
	data := auditLike(8<<20, 20)
	return data, gz(b, data, 6)
}

// BenchmarkInflate compares this decoder with klauspost's, the one it replaced, on the same
// stream read through the same buffer.
func BenchmarkInflate(b *testing.B) {
	data, comp := benchData(b)
	for _, d := range []struct {
		name string
		zr   interface {
			Reset(io.Reader) error
			Read([]byte) (int, error)
		}
	}{{"auditgrep", new(Reader)}, {"klauspost", new(gzip.Reader)}} {
		b.Run(d.name, func(b *testing.B) {
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				d.zr.Reset(bytes.NewReader(comp))
				for {
					if _, err := d.zr.Read(buf); err != nil {
						break
					}
				}
			}
		})
	}
}

// A stream that arrives slowly gets what has been decoded so far without waiting for the rest:
// stdin from a pipe delivers records as they come.
func TestSlowStream(t *testing.T) {
	first, second := auditLike(300_000, 30), auditLike(300_000, 31)
	var comp bytes.Buffer
	w, _ := gzip.NewWriterLevel(&comp, 6)
	w.Write(first)
	w.Flush() // everything so far is decodable
	cut := comp.Len()
	w.Write(second)
	w.Close()

	pr, pw := io.Pipe()
	go func() {
		pw.Write(comp.Bytes()[:cut])
		// The rest is written only once the reader has had all of first.
	}()
	var z Reader
	done := make(chan error, 1)
	go func() {
		if err := z.Reset(pr); err != nil {
			done <- err
			return
		}
		got := make([]byte, 0, len(first))
		buf := make([]byte, 64<<10)
		for len(got) < len(first) {
			n, err := z.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				done <- err
				return
			}
		}
		if !bytes.Equal(got[:len(first)], first) {
			done <- errors.New("first part differs")
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second): // a deadlock, not a speed check
		pw.CloseWithError(errors.New("test timed out"))
		t.Fatal("Read waited for input it did not need")
	}
	go func() { pw.Write(comp.Bytes()[cut:]); pw.Close() }()
	rest, err := io.ReadAll(&z)
	if err != nil || !bytes.Equal(rest, second) {
		t.Fatalf("rest: %d bytes, %v", len(rest), err)
	}
}
