package match

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/internal/jsonstr"
)

func TestJSONParseStringify(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		v := jsonParse(in)
		if want == "" {
			if v.Kind != Absent {
				t.Fatalf("jsonParse(%q) = %v, want absent", in, v)
			}
			return
		}
		if got := jsonStringify(v); got != want {
			t.Fatalf("jsonStringify(jsonParse(%q)) = %s, want %s", in, got, want)
		}
	}
	f(`{}`, `{}`)
	f(`[]`, `[]`)
	f(` { "a" : 1.50 , "b" : [ true , false , null , "x" ] } `, `{"a":1.50,"b":[true,false,null,"x"]}`)
	f(`{"s":"\u00e9\/\"\\\n\u0001\u2028<>&"}`, `{"s":"é/\"\\\n\u0001\u2028<>&"}`)
	f(`{"k":1,"k":2}`, `{"k":1,"k":2}`)
	f(`[[{"a":{}}],12345678901234567890,-0.0e+1]`, `[[{"a":{}}],12345678901234567890,-0.0e+1]`)
	f(`"str"`, "")
	f(`1`, "")
	f(`true`, "")
	f(`null`, "")
	f(``, "")
	f(`{"a":1`, "")
	f(`{"a":1}x`, "")
	f(`[1,]`, "")

	v := jsonParse(`{"status_code":200,"users":[{"action":"a0"},{"action":"a1"}],"user.id":"u","k":1,"k":2}`)
	if v.Kind != Map || strings.Join(v.Keys, ",") != "status_code,users,user.id,k,k" {
		t.Fatalf("keys %v", v.Keys)
	}
	if got := jsonIndex(v, "status_code"); got.Kind != Number || got.Num != 200 || got.Render() != "200" {
		t.Fatalf("status_code = %v", got)
	}
	if got := jsonIndex(jsonIndexN(jsonIndex(v, "users"), 1), "action"); got.Str != "a1" {
		t.Fatalf("users[1].action = %v", got)
	}
	if got := jsonIndex(v, "user.id"); got.Str != "u" {
		t.Fatalf("user.id = %v", got)
	}
	if got := jsonIndex(v, "k"); got.Num != 1 {
		t.Fatalf("duplicate key: %v", got)
	}
	for _, got := range []Value{jsonIndex(v, "nope"), jsonIndexN(jsonIndex(v, "users"), 2),
		jsonIndexN(jsonIndex(v, "users"), -1), jsonIndex(Str("x"), "a"), jsonIndexN(v, 0),
		jsonIndex(jsonIndex(v, "users"), "0")} {
		if got.Kind != Absent {
			t.Fatalf("expected absent, got %v", got)
		}
	}
	if got := jsonIndex(jsonParse(`{"b":true}`), "b"); got.Kind != Bool || got.Num != 1 || got.Render() != "true" {
		t.Fatalf("bool = %v", got)
	}
	if got := jsonIndex(jsonParse(`{"n":null}`), "n"); got.Kind != Absent {
		t.Fatalf("null = %v", got)
	}

	// Computed values.
	m := Value{Kind: Map, Keys: []string{"a", "b", "c", "d", "e"}, Elems: []Value{
		Num(2.5), BoolV(false), {Kind: String, JSON: true, Str: `{"x": 1} `}, Num(0), TimeMs(0)}}
	m.Elems[3].Num = 1.0 / 3
	want := `{"a":2.5,"b":false,"c":{"x": 1},"d":0.3333333333333333,"e":"1970-01-01 00:00:00.000"}`
	if got := jsonStringify(m); got != want {
		t.Fatalf("stringify computed = %s, want %s", got, want)
	}
	if got := (Value{Kind: List, Elems: []Value{Str("a")}}).Render(); got != `["a"]` {
		t.Fatalf("Render of a list = %s", got)
	}
}

func TestJSONArrayFuncs(t *testing.T) {
	arr := jsonParse(`["a","B",401,true,{"x":1},[1]]`)
	f := func(v, x Value, want bool) {
		t.Helper()
		got := jsonArrayContains(v, x)
		if got.Kind != Bool || (got.Num != 0) != want {
			t.Fatalf("jsonArrayContains(%v, %v) = %v, want %v", v, x, got, want)
		}
	}
	f(arr, Str("a"), true)
	f(arr, Str("b"), false) // case-sensitive
	f(arr, Str("B"), true)
	f(arr, Num(401), true)
	f(arr, NumLexeme(401, "401.0"), true)
	f(arr, Str("401"), false)
	f(arr, BoolV(true), true)
	f(arr, BoolV(false), false)
	f(arr, jsonParse(`{"x":1}`), true)
	f(arr, jsonParse(`[1]`), true)
	f(arr, absentValue, false)
	f(Str(`["p","q"]`), Str("q"), true)
	f(Str(`["p","q"`), Str("q"), false)
	f(Str(`{"q":1}`), Str("q"), false)
	f(Num(1), Num(1), false)
	f(jsonParse(`[]`), Str(""), false)

	if got := jsonArraySize(arr); got.Kind != Number || got.Num != 6 {
		t.Fatalf("size = %v", got)
	}
	if got := jsonArraySize(Str(`[1,2]`)); got.Num != 2 {
		t.Fatalf("size of string = %v", got)
	}
	for _, v := range []Value{Str("x"), jsonParse(`{}`), Num(3), absentValue, Str(`[1,`)} {
		if got := jsonArraySize(v); got.Kind != Absent {
			t.Fatalf("jsonArraySize(%v) = %v", v, got)
		}
	}
}

func TestJSONQuote(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := string(jsonstr.Append([]byte("x"), in)); got != "x"+want {
			t.Fatalf("jsonstr.Append(%q) = %s, want %s", in, got[1:], want)
		}
	}
	f("", `""`)
	f("plain é 中 😀 <>&", `"plain é 中 😀 <>&"`)
	f("q\"b\\s/", `"q\"b\\s/"`)
	f("\n\r\t\b\f\x00\x1f\x7f", `"\n\r\t\b\f\u0000\u001f`+"\x7f"+`"`)
	f("\u2028\u2029", `"\u2028\u2029"`)
	f("a\xffb\xe4\xb8c", `"a\ufffdb\ufffd\ufffdc"`)
	// Agrees with encoding/json (which also replaces invalid bytes) without HTML escaping.
	for _, s := range []string{"a\"\\\x01\u2028é\xff<", "tab\there", "\xed\xa0\x80"} {
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		if got := string(jsonstr.Append(nil, s)); got != strings.TrimSuffix(sb.String(), "\n") {
			t.Fatalf("jsonstr.Append(%q) = %s, encoding/json %s", s, got, sb.String())
		}
	}
}

// jsonRoundTripFields checks that stringifying a parsed object keeps its flattening.
func jsonRoundTripFields(t *testing.T, msg []byte) {
	t.Helper()
	var a, b jsonFields
	if !a.parse(msg, nil) {
		return
	}
	v := jsonParse(string(msg))
	if v.Kind != Map {
		t.Fatalf("jsonParse of a valid object = %v", v.Kind)
	}
	out := jsonStringify(v)
	if !json.Valid([]byte(out)) || !b.parse([]byte(out), nil) {
		t.Fatalf("stringify output is not a valid object: %s", out)
	}
	if !jsonSameFields(jsonCollect(&a), jsonCollect(&b)) {
		t.Fatalf("round trip changed the fields:\n%s\n%s", msg, out)
	}
}

func TestJSONValueRealdata(t *testing.T) {
	dir := jsonRealdataDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json*"))
	files = append(files, filepath.Join(dir, "audit2rbac", "demo.log"))
	for _, file := range files {
		for _, line := range jsonReadLines(t, file) {
			jsonRoundTripFields(t, line)
			if jsonValidObject(line) != json.Valid(line) {
				t.Fatalf("%s: jsonValidObject disagrees with encoding/json", file)
			}
		}
	}
}

func FuzzJSONValue(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"\u00e9"}],"a":null}`))
	f.Add([]byte(`[1,"x\ud800",{"":[]}]`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		jsonRoundTripFields(t, msg)
		v := jsonParse(string(msg))
		if (v.Kind != Absent) != (json.Valid(msg) && len(strings.TrimLeft(string(msg), " \t\r\n")) > 0 &&
			strings.ContainsAny(strings.TrimLeft(string(msg), " \t\r\n")[:1], "[{")) {
			t.Fatalf("jsonParse kind %v, encoding/json valid %v", v.Kind, json.Valid(msg))
		}
		if v.Kind != Absent && !json.Valid([]byte(jsonStringify(v))) {
			t.Fatalf("invalid stringify output")
		}
		q := jsonstr.Append(nil, string(msg))
		var back string
		if err := json.Unmarshal(q, &back); err != nil || back != jsonFixUTF8(string(msg)) {
			t.Fatalf("jsonstr.Append(%q) = %s does not decode back: %v", msg, q, err)
		}
	})
}
