package match

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/bytedance/sonic"
	"github.com/bytedance/sonic/ast"
)

// The lookups the bench queries make, done by the hand-written flattener (jsonFields.parse
// with a want set, as the engine runs it) without and with sonic skipping large containers,
// and by github.com/bytedance/sonic's path search alone (ast.Searcher, one GetByPath per
// field, the value converted to a Value as the engine needs it; it cannot follow the
// flattening rules, so it is the bound, not a candidate). Run with
//
//	go test -run '^$' -bench 'JSONLookup|JSONEmbed' -count 6 ./pkg/match | tee new.txt
//	benchstat -col /impl new.txt
//
// Every iteration checks its result, so a lookup that finds the wrong thing fails instead of
// reporting a number.

type jsonLookupCase struct {
	name  string
	msg   []byte
	names []string // flattened names, as the engine's want set holds them
	want  []string // each name's value as Value.Str (the lexeme of a number)
}

func jsonLookupCases() []jsonLookupCase {
	big := jsonBenchEvent1M()
	five := []string{"user.username", "objectRef.resource", "objectRef.namespace", "objectRef.name", "responseStatus.code"}
	return []jsonLookupCase{
		// stats count(*) by responseStatus.code: one field after the user and objectRef objects;
		// the event's requestURI has \u0026 escapes, so sonic-guarded falls back to the hand walk.
		{"one-field/2KB", []byte(jsonBenchEvent2K), []string{"responseStatus.code"}, []string{"101"}},
		// the same without escapes before the value, as in 96% of the bench export's events.
		{"one-field/2KB-noescape", []byte(strings.ReplaceAll(jsonBenchEvent2K, `\u0026`, "&")), []string{"responseStatus.code"}, []string{"101"}},
		// a fields projection of five nested fields.
		{"five-nested/2KB", []byte(jsonBenchEvent2K), five,
			[]string{"arn:aws:sts::123456789012:assumed-role/Admin/jane.doe@example.com", "pods", "kube-system", "aws-node-7xk2p", "101"}},
		// a field after large objects: behind a ~1 MB responseObject.
		{"after-large/1MB", big, []string{"stageTimestamp"}, []string{"2024-05-01T12:35:41.123456Z"}},
	}
}

// sonicPath splits a flattened name into a sonic path (objects only: the bench's names have no
// array index).
func sonicPath(name string) []any {
	var p []any
	for _, k := range strings.Split(name, ".") {
		p = append(p, k)
	}
	return p
}

// sonicLookup finds each path with a non-validating ast.Searcher and converts the node to the
// Value the engine would hold.
func sonicLookup(msg string, paths [][]any, out []Value) bool {
	s := ast.NewSearcher(msg)
	s.ValidateJSON = false
	for i, p := range paths {
		n, err := s.GetByPath(p...)
		if err != nil {
			return false
		}
		switch n.TypeSafe() {
		case ast.V_STRING:
			str, err := n.String()
			if err != nil {
				return false
			}
			out[i] = Value{Kind: String, Str: str}
		case ast.V_NUMBER:
			raw, err := n.Raw()
			if err != nil {
				return false
			}
			out[i] = NumLexeme(jsonNumberValue(raw), raw)
		default:
			return false
		}
	}
	return true
}

// sonicGuardedLookup finds one name whose path has no dotted key with sonic's validating path
// search, then refuses (ok false: ask the hand-written walk) when the text before the value
// could make the flattener answer differently: a backslash (an escaped key may spell the name;
// bad escapes make the message fieldless), a raw control character (refused in keys), or the
// first key followed by a dot (a key "responseStatus.code" flattens to the same name, and the
// first occurrence wins). It is the bound of what sonic could do for the engine, measured; it
// is not used by the engine.
func sonicGuardedLookup(msg []byte, path []any, dotted []byte) (string, bool) {
	s := ast.NewSearcher(jsonAlias(msg))
	n, err := s.GetByPath(path...)
	if err != nil {
		return "", false
	}
	raw, err := n.Raw()
	if err != nil || len(raw) == 0 {
		return "", false
	}
	pre := msg[:uintptr(unsafe.Pointer(unsafe.StringData(raw)))-uintptr(unsafe.Pointer(&msg[0]))]
	if bytes.IndexByte(pre, '\\') >= 0 || bytes.Index(pre, dotted) >= 0 || !jsonEndsObject(msg) {
		return "", false
	}
	const lo, hi = 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+8 <= len(pre); i += 8 {
		x := binary.LittleEndian.Uint64(pre[i:])
		if (x-lo)&^x&hi != 0 {
			return "", false
		}
	}
	for ; i < len(pre); i++ {
		if pre[i] < 0x20 {
			return "", false
		}
	}
	return raw, true
}

func BenchmarkJSONLookup(b *testing.B) {
	for _, c := range jsonLookupCases() {
		ps := newJSONPathSet(c.names)
		var paths [][]any
		for _, n := range c.names {
			paths = append(paths, sonicPath(n))
		}
		check := func(get func(i int) string) {
			for i, w := range c.want {
				if g := get(i); g != w {
					panic(fmt.Sprintf("BUG: %s: %s = %q, want %q", c.name, c.names[i], g, w))
				}
			}
		}
		for _, impl := range []struct {
			name  string
			sonic bool
		}{{"hand", false}, {"hand+sonic-skip", true}} {
			b.Run(c.name+"/impl="+impl.name, func(b *testing.B) {
				jsonUseSonic = impl.sonic
				defer func() { jsonUseSonic = true }()
				var f jsonFields
				b.SetBytes(int64(len(c.msg)))
				b.ReportAllocs()
				for b.Loop() {
					if !f.parse(c.msg, ps) {
						panic("BUG: parse failed")
					}
					check(func(i int) string { v, _ := f.get(c.names[i]); return v.Str })
				}
			})
		}
		if len(paths) == 1 {
			// The cheapest exact use of the path search for one name: the search, then guards
			// that make its answer the flattener's, and the hand walk when a guard trips.
			b.Run(c.name+"/impl=sonic-guarded", func(b *testing.B) {
				var f jsonFields
				dotted := []byte(strings.SplitN(c.names[0], ".", 2)[0] + ".")
				b.SetBytes(int64(len(c.msg)))
				b.ReportAllocs()
				for b.Loop() {
					raw, ok := sonicGuardedLookup(c.msg, paths[0], dotted)
					if !ok {
						if !f.parse(c.msg, ps) {
							panic("BUG: parse failed")
						}
						v, _ := f.get(c.names[0])
						raw = v.Str
					}
					check(func(int) string { return raw })
				}
			})
		}
		b.Run(c.name+"/impl=sonic-path", func(b *testing.B) {
			out := make([]Value, len(paths))
			msg := string(c.msg)
			b.SetBytes(int64(len(c.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !sonicLookup(msg, paths, out) {
					panic("BUG: sonic lookup failed")
				}
				check(func(i int) string { return out[i].Str })
			}
		})
	}
}

// @message embedding: the JSON writers embed an @message as an object only when it is exactly
// one valid JSON object.
func BenchmarkJSONEmbed(b *testing.B) {
	big := jsonBenchEvent1M()
	for _, ev := range []struct {
		name string
		msg  []byte
	}{{"2KB", []byte(jsonBenchEvent2K)}, {"1MB", big}} {
		b.Run(ev.name+"/impl=hand", func(b *testing.B) {
			b.SetBytes(int64(len(ev.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !jsonValidObjectHand(ev.msg) {
					panic("BUG: invalid")
				}
			}
		})
		b.Run(ev.name+"/impl=sonic-guarded", func(b *testing.B) {
			b.SetBytes(int64(len(ev.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !jsonValidObject(ev.msg) {
					panic("BUG: invalid")
				}
			}
		})
		// sonic.Valid alone is not correct (it accepts raw controls and bad escapes): the bound.
		b.Run(ev.name+"/impl=sonic-unguarded", func(b *testing.B) {
			b.SetBytes(int64(len(ev.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !sonic.Valid(ev.msg) {
					panic("BUG: invalid")
				}
			}
		})
	}
}
