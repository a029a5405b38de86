package match

import (
	"encoding/json"
	"strings"
	"testing"
)

// What sonic accepts and JSON does not must still be refused, and what sonic refuses and JSON
// accepts must still be accepted: the guards of jsonValidObject, case by case.
func TestJSONValidObjectSonicGuards(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	for _, tc := range []struct {
		name string
		msg  string
	}{
		{"plain", `{"a":"b","n":1.5e3,"l":[true,false,null]}`},
		{"surrounding whitespace", " \t{\"a\":1}\r\n"},
		{"whitespace inside", "{\n\t\"a\" : [ 1 , 2 ]\r\n}"},
		{"raw control in a string", "{\"a\":\"x\x01y\"}"},
		{"raw tab in a string", "{\"a\":\"x\ty\"}"},
		{"raw newline in a key", "{\"a\nb\":1}"},
		{"NUL", "{\"a\":\"\x00\"}"},
		{"invalid escape", `{"a":"\x41"}`},
		{"invalid unicode escape", `{"a":"\u00g0"}`},
		{"short unicode escape", `{"a":"\u00"}`},
		{"escaped backslash then x", `{"a":"\\x"}`},
		{"escaped quote", `{"a":"say \"hi\"","b":"\\"}`},
		{"valid unicode escapes", `{"a":"\u0026\ud83d\ude00\u00e9"}`},
		{"lone surrogate", `{"a":"\ud800"}`},
		{"backslash outside a string", `{"a":1}\`},
		{"DEL and high bytes", "{\"a\":\"\x7f\xc3\xa9\xff\"}"},
		{"control at a word boundary", "{\"abcdef\":\"0123456\x1f\"}"},
		{"nested deeper than sonic's 4096", deep},
		{"too deep for encoding/json", strings.Repeat("[", 10001) + strings.Repeat("]", 10001)},
		{"array", `[1,2]`},
		{"two objects", `{"a":1}{"b":2}`},
		{"truncated", `{"a":{"b":1}`},
		{"leading zero", `{"a":01}`},
		{"bad literal", `{"a":tru}`},
		{"trailing comma", `{"a":1,}`},
		{"empty", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.msg)
			want := json.Valid(b) && strings.HasPrefix(strings.TrimLeft(tc.msg, " \t\r\n"), "{")
			if got := jsonValidObject(b); got != want {
				t.Errorf("jsonValidObject = %v, encoding/json %v", got, want)
			}
			if got := jsonValidObjectHand(b); got != want {
				t.Errorf("jsonValidObjectHand = %v, encoding/json %v", got, want)
			}
		})
	}
}

// jsonSonicSafe against a byte-by-byte reading, at every offset within a word.
func TestJSONSonicSafe(t *testing.T) {
	slow := func(b []byte) bool {
		for i := 0; i < len(b); i++ {
			switch c := b[i]; {
			case c < 0x20:
				return false
			case c == '\\':
				if i+1 >= len(b) {
					return false
				}
				switch b[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i++
				case 'u':
					if i+6 > len(b) || jsonHex4(b[i+2:i+6]) < 0 {
						return false
					}
					i += 5
				default:
					return false
				}
			}
		}
		return true
	}
	for _, ins := range []string{"\x00", "\x1f", " ", "\x7f", "\x80", "\xff", `\n`, `\u0041`, `\u004`, `\q`, `\\`, `\`, `\\\`, "é"} {
		for off := range 17 {
			b := []byte(strings.Repeat("a", off) + ins + strings.Repeat("b", 9))
			if got, want := jsonSonicSafe(b), slow(b); got != want {
				t.Errorf("%q: %v, want %v", b, got, want)
			}
			b = b[:off+len(ins)]
			if got, want := jsonSonicSafe(b), slow(b); got != want {
				t.Errorf("%q (at the end): %v, want %v", b, got, want)
			}
		}
	}
}

// A large container is skipped by sonic and a lookup after it finds the same as without
// sonic; in strict mode and on a container sonic refuses, the hand-written code decides.
func TestJSONSonicSkip(t *testing.T) {
	big := string(jsonBenchEvent1M())
	cases := []struct {
		name string
		msg  string
		ok   bool
	}{
		{"1MB event", big, true},
		{"large array of strings with escapes", `{"l":[` + strings.Repeat(`"a\"]}\\",`, 500) + `"z"],"k":"v"}`, true},
		// Not validated inside a skipped container (non-strict): as before.
		{"garbage inside a skipped object", `{"o":{` + strings.Repeat(`"x":tru,`, 300) + `"y":1},"k":"v"}`, true},
		{"unterminated large object", `{"o":{` + strings.Repeat(`"x":1,`, 300), false},
		{"mismatched close", `{"o":[` + strings.Repeat(`1,`, 600) + `1},"k":"v"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := newJSONPathSet([]string{"k", "stageTimestamp"})
			var with, without jsonFields
			okWith := with.parse([]byte(tc.msg), ps)
			jsonUseSonic = false
			okWithout := without.parse([]byte(tc.msg), ps)
			jsonUseSonic = true
			if okWith != okWithout || okWith != tc.ok {
				t.Fatalf("parse with sonic %v, without %v, want %v", okWith, okWithout, tc.ok)
			}
			for _, n := range []string{"k", "stageTimestamp"} {
				a, aok := with.get(n)
				b, bok := without.get(n)
				if aok != bok || a.Str != b.Str {
					t.Errorf("%s: with sonic %v %v, without %v %v", n, a, aok, b, bok)
				}
			}
		})
	}
}

// With every container handed to sonic, a want parse of valid JSON finds exactly what the
// hand-written skip finds (encoding/json decides what is valid).
func FuzzJSONSonicSkip(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,"x\"]",{"c":{}}]},"k":"v","a.b":2}`), uint8(1))
	f.Add([]byte(`{"o":[[],[{"x":"y\\"}]],"k":[{"k":1}],"z":null}`), uint8(4))
	f.Fuzz(func(t *testing.T, msg []byte, seed uint8) {
		names := []string{"k", "z", "a.b", "k.0.k"}
		if seed%2 == 1 {
			names = names[:1]
		}
		ps := newJSONPathSet(names)
		defer func(n int) { jsonSonicSkipMin = n }(jsonSonicSkipMin)
		jsonSonicSkipMin = 0
		var with, without jsonFields
		okWith := with.parse(msg, ps)
		jsonUseSonic = false
		okWithout := without.parse(msg, ps)
		jsonUseSonic = true
		if !json.Valid(msg) {
			return
		}
		if okWith != okWithout {
			t.Fatalf("parse with sonic %v, without %v", okWith, okWithout)
		}
		for _, n := range names {
			a, aok := with.get(n)
			b, bok := without.get(n)
			if aok != bok || a.Kind != b.Kind || a.Str != b.Str {
				t.Fatalf("%s: with sonic %v %v, without %v %v", n, a, aok, b, bok)
			}
		}
	})
}
