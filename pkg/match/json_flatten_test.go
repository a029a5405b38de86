package match

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonTestField is a flattened field in a form that compares with ==.
type jsonTestField struct {
	Name string
	Kind Kind
	Str  string
	Num  float64
}

func (tf jsonTestField) String() string {
	return fmt.Sprintf("%s=%s:%q(%v)", tf.Name, tf.Kind, tf.Str, tf.Num)
}

// jsonFixUTF8 replaces every byte of an invalid UTF-8 sequence with U+FFFD, the way
// encoding/json decodes strings, so that the flattener's byte-exact strings compare with it.
func jsonFixUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func jsonCollect(f *jsonFields) []jsonTestField {
	var out []jsonTestField
	f.each(func(name string, v Value) {
		out = append(out, jsonTestField{jsonFixUTF8(name), v.Kind, jsonFixUTF8(v.Str), v.Num})
	})
	return out
}

func jsonSameFields(a, b []jsonTestField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Name != y.Name || x.Kind != y.Kind || x.Str != y.Str {
			return false
		}
		if x.Num != y.Num && !(math.IsNaN(x.Num) && math.IsNaN(y.Num)) {
			return false
		}
	}
	return true
}

// jsonRefFlatten is the reference flattening, built on encoding/json: ok is false unless msg is
// one valid JSON object; fields are in document order, first occurrence of a name wins.
func jsonRefFlatten(msg []byte) (fields []jsonTestField, ok bool) {
	if !json.Valid(msg) {
		return nil, false
	}
	if t := bytes.TrimLeft(msg, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	seen := map[string]bool{}
	var walk func(name string, top bool) error
	emit := func(name string, tf jsonTestField) {
		if seen[name] {
			return
		}
		seen[name] = true
		tf.Name = name
		fields = append(fields, tf)
	}
	walk = func(name string, top bool) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' {
				for dec.More() {
					kt, err := dec.Token()
					if err != nil {
						return err
					}
					k := kt.(string)
					child := name + "." + k
					if top {
						child = k
						if strings.HasPrefix(k, "@") {
							child = "@" + k
						}
					}
					if err := walk(child, false); err != nil {
						return err
					}
				}
			} else {
				for i := 0; dec.More(); i++ {
					if err := walk(name+"."+strconv.Itoa(i), false); err != nil {
						return err
					}
				}
			}
			_, err := dec.Token() // closing delimiter
			return err
		case string:
			emit(name, jsonTestField{Kind: String, Str: t})
		case json.Number:
			f, _ := strconv.ParseFloat(string(t), 64)
			emit(name, jsonTestField{Kind: Number, Str: string(t), Num: f})
		case bool:
			if t {
				emit(name, jsonTestField{Kind: Bool, Str: "true", Num: 1})
			} else {
				emit(name, jsonTestField{Kind: Bool, Str: "false", Num: 0})
			}
		case nil:
		}
		return nil
	}
	if err := walk("", true); err != nil {
		panic("reference flattening failed on valid JSON: " + err.Error())
	}
	return fields, true
}

func TestJSONFlattenCases(t *testing.T) {
	var fl jsonFields
	// f checks the full flattening of msg; want is "name=kind:value" per field, in order.
	f := func(msg string, want ...string) {
		t.Helper()
		if !fl.parse([]byte(msg), nil) {
			t.Fatalf("parse(%s) = false", msg)
		}
		var got []string
		fl.each(func(name string, v Value) {
			got = append(got, name+"="+v.Kind.String()+":"+v.Str)
		})
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("parse(%s):\ngot  %q\nwant %q", msg, got, want)
		}
		if fl.len() != len(want) {
			t.Fatalf("len() = %d, want %d", fl.len(), len(want))
		}
		for _, w := range want {
			name, val, _ := strings.Cut(w, "=")
			v, ok := fl.get(name)
			if !ok || v.Kind.String()+":"+v.Str != val {
				t.Fatalf("get(%q) = %v, %v; want %s", name, v, ok, val)
			}
		}
		// The reference flattening agrees.
		ref, ok := jsonRefFlatten([]byte(msg))
		if !ok || !jsonSameFields(jsonCollect(&fl), ref) {
			t.Fatalf("parse(%s) differs from reference %v", msg, ref)
		}
	}
	f(`{}`)
	f(` {"a":"b"} `+"\n", "a=string:b")
	f(`{"verb":"get","objectRef":{"resource":"pods","subresource":"exec"}}`,
		"verb=string:get", "objectRef.resource=string:pods", "objectRef.subresource=string:exec")
	f(`{"requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}}`,
		"requestParameters.instancesSet.items.0.instanceId=string:i-1",
		"requestParameters.instancesSet.items.1.instanceId=string:i-2")
	f(`{"sourceIPs":["1.2.3.4","::1"],"m":[[1,[2]],[]]}`,
		"sourceIPs.0=string:1.2.3.4", "sourceIPs.1=string:::1", "m.0.0=number:1", "m.0.1.0=number:2")
	f(`{"s":"a\"b\\c\/d\n\t\r\b\f","u":"\u00e9\u4e2d\ud83d\ude00","lone":"\ud800x","raw":"é中😀"}`,
		"s=string:a\"b\\c/d\n\t\r\b\f", "u=string:é中😀", "lone=string:\ufffdx", "raw=string:é中😀")
	f(`{"a":1.50,"b":12345678901234567890,"c":-0,"d":1e400,"e":-2.5E-3,"f":0}`,
		"a=number:1.50", "b=number:12345678901234567890", "c=number:-0", "d=number:1e400",
		"e=number:-2.5E-3", "f=number:0")
	f(`{"t":true,"f":false,"n":null,"o":{},"l":[],"x":{"n":null,"e":{}}}`, "t=boolean:true", "f=boolean:false")
	f(`{"@timestamp":"x","a":{"@b":"y"},"@":{"c":1}}`, "@@timestamp=string:x", "a.@b=string:y", "@@.c=number:1")
	f(`{"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}`,
		"annotations.authorization.k8s.io/decision=string:allow", "annotations.authorization.k8s.io/reason=string:")
	f(`{"a.b":1,"a":{"b":2,"c":3},"a.c":4}`, "a.b=number:1", "a.c=number:3")
	f(`{"k":1,"k":2}`, "k=number:1")
	f(`{"esc\u0061pe":{"k\"q":"v"}}`, `escape.k"q=string:v`)
	f(`{"a":{"":1},"":2}`, "a.=number:1", "=number:2")

	// Check the number values too.
	fl.parse([]byte(`{"a":1.50,"b":12345678901234567890,"c":-42,"d":1e400}`), nil)
	for name, n := range map[string]float64{"a": 1.5, "b": 12345678901234567890, "c": -42, "d": math.Inf(1)} {
		if v, _ := fl.get(name); v.Num != n {
			t.Fatalf("%s: Num = %v, want %v", name, v.Num, n)
		}
	}
	if v, _ := fl.get("t"); v.Kind != Absent {
		t.Fatalf("get of a missing field = %v", v)
	}
}

func TestJSONFlattenInvalid(t *testing.T) {
	var fl jsonFields
	for _, msg := range []string{
		``, ` `, `[]`, `[{"a":1}]`, `"a"`, `1`, `null`, `{`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,}`,
		`{"a":1}{}`, `{"a":1} x`, `{a:1}`, `{"a":tru}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`,
		`{"a":-}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":[1,]}`, `{"a":[1 2]}`,
		`{"a" 1}`, `{"a":1 "b":2}`, `{"a":{"b":1]}`, `{"a":[}`, `{"a":"b}`, `{"a":"b\"}`, `{,}`,
		`{"a":NaN}`, `{"a":+1}`, `{"a":Infinity}`, "{\"a\":1}\x00",
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	} {
		if fl.parse([]byte(msg), nil) || fl.len() != 0 {
			t.Errorf("parse(%.40q) = true", msg)
		}
		if json.Valid([]byte(msg)) && strings.HasPrefix(strings.TrimSpace(msg), "{") {
			t.Errorf("test bug: %.40q is valid", msg)
		}
		if jsonValidObject([]byte(msg)) {
			t.Errorf("jsonValidObject(%.40q) = true", msg)
		}
	}
	// The deepest nesting encoding/json accepts is accepted too.
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	if !json.Valid([]byte(deep)) || !fl.parse([]byte(deep), nil) || !jsonValidObject([]byte(deep)) {
		t.Errorf("depth 10000: encoding/json valid=%v", json.Valid([]byte(deep)))
	}
}

// jsonRealdataDir finds shared/realdata in an ancestor of the working directory.
func jsonRealdataDir(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "realdata")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/realdata not found above the working directory")
		}
		dir = parent
	}
}

func jsonReadLines(t testing.TB, path string) [][]byte {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := bufio.NewReaderSize(fh, 1<<20)
	var lines [][]byte
	for {
		line, err := r.ReadBytes('\n')
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) > 0 {
			lines = append(lines, line)
		}
		if err == io.EOF {
			return lines
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// jsonRealEvent returns a real audit event with nested objects, arrays and annotations.
func jsonRealEvent(t testing.TB) []byte {
	lines := jsonReadLines(t, filepath.Join(jsonRealdataDir(t), "falco-k8s-audit-traces", "create_nginx_pod_privileged.json"))
	return lines[0]
}

func TestJSONFlattenRealdata(t *testing.T) {
	dir := jsonRealdataDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "falco-k8s-audit-traces", "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "panther-analysis", "*.jsonl"))
	files = append(files, more...)
	files = append(files, filepath.Join(dir, "audit2rbac", "demo.log"),
		filepath.Join(dir, "aws-eks-best-practices", "deprecated_api_audit_event.jsonl"))
	var fl, fw jsonFields
	total := 0
	for _, file := range files {
		objects := 0
		for i, line := range jsonReadLines(t, file) {
			ref, refOK := jsonRefFlatten(line)
			ok := fl.parse(line, nil)
			if ok != refOK {
				t.Fatalf("%s:%d: parse = %v, encoding/json = %v", file, i+1, ok, refOK)
			}
			if !ok {
				continue
			}
			objects++
			got := jsonCollect(&fl)
			if !jsonSameFields(got, ref) {
				t.Fatalf("%s:%d: flattening differs from reference\ngot  %v\nwant %v", file, i+1, got, ref)
			}
			// Every field is found again through a want set of a few names, plus one missing name.
			for j := 0; j < len(ref); j += 7 {
				names := []string{ref[j].Name, ref[len(ref)-1-j/2].Name, "no.such.field"}
				if !fw.parse(line, newJSONPathSet(names)) {
					t.Fatalf("%s:%d: want parse failed", file, i+1)
				}
				for _, n := range names[:2] {
					v, ok := fw.get(n)
					w, _ := fl.get(n)
					if !ok || v.Kind != w.Kind || v.Str != w.Str {
						t.Fatalf("%s:%d: want get(%q) = %v, %v; full %v", file, i+1, n, v, ok, w)
					}
				}
			}
		}
		if strings.HasSuffix(file, "panther_k8s_audit_test_events.jsonl") && objects != 222 {
			t.Errorf("%s: %d objects, want 222", file, objects)
		}
		total += objects
	}
	t.Logf("%d files, %d objects", len(files), total)
	if total < 300 {
		t.Errorf("only %d objects in realdata", total)
	}
}

func TestJSONFlattenTruncated(t *testing.T) {
	msg := jsonRealEvent(t)
	var fl jsonFields
	want := newJSONPathSet([]string{"verb", "objectRef.subresource", "requestURI", "stageTimestamp",
		"annotations.authorization.k8s.io/decision"})
	for _, strict := range []bool{false, true} {
		jsonStrictValidate = strict
		for k := 0; k < len(msg); k++ {
			// A copy with no spare capacity, so that reading past the end would fault under -race
			// or show up as a wrong result.
			b := append([]byte(nil), msg[:k]...)
			if fl.parse(b, nil) {
				t.Fatalf("full parse of %d-byte prefix = true", k)
			}
			if fl.len() != 0 {
				t.Fatalf("fields left after failed parse")
			}
			ok := fl.parse(b, want)
			if strict && ok {
				t.Fatalf("strict want parse of %d-byte prefix = true", k)
			}
			jsonValidObject(b)
		}
	}
	jsonStrictValidate = false
}

func TestJSONFlattenWant(t *testing.T) {
	msg := jsonRealEvent(t)
	var full, fl jsonFields
	if !full.parse(msg, nil) {
		t.Fatal("real event does not parse")
	}
	names := []string{"verb", "objectRef.subresource", "requestURI", "stageTimestamp",
		"annotations.authorization.k8s.io/decision", "requestObject.spec.containers.0.image",
		"requestObject.spec.containers.0.securityContext.privileged", "user.groups.1", "objectRef", "missing"}
	for _, strict := range []bool{false, true} {
		jsonStrictValidate = strict
		if !fl.parse(msg, newJSONPathSet(names)) {
			t.Fatal("want parse failed")
		}
		n := 0
		for _, name := range names {
			v, ok := fl.get(name)
			w, wok := full.get(name)
			if ok != wok || v.Kind != w.Kind || v.Str != w.Str || v.Num != w.Num {
				t.Errorf("get(%q) = %v %v, full parse %v %v", name, v, ok, w, wok)
			}
			if ok {
				n++
			}
		}
		if fl.len() != n || n < 7 {
			t.Errorf("len() = %d, found %d", fl.len(), n)
		}
		// Only wanted fields, in document order.
		var order []string
		fl.each(func(name string, v Value) { order = append(order, name) })
		var fullOrder []string
		full.each(func(name string, v Value) {
			for _, w := range names {
				if w == name {
					fullOrder = append(fullOrder, name)
				}
			}
		})
		if strings.Join(order, ",") != strings.Join(fullOrder, ",") {
			t.Errorf("order %v, want %v", order, fullOrder)
		}
		if _, ok := fl.get("kind"); ok {
			t.Error("an unwanted field was found")
		}
	}
	jsonStrictValidate = false

	// Early exit: a truncated event (no closing brace) has no fields, as in a full parse,
	// whichever fields the query reads.
	var fw jsonFields
	ps := newJSONPathSet([]string{"verb", "@@timestamp"})
	truncated := []byte(`{"verb":"get","@timestamp":"t","requestObject":{"x":` + strings.Repeat("[", 50) + `"unterminated`)
	if fw.parse(truncated, ps) || fw.len() != 0 {
		t.Fatalf("early exit over a truncated event: parse true or %d fields", fw.len())
	}
	for _, cut := range []int{30, 60, 100} {
		if fw.parse(truncated[:cut], ps) {
			t.Errorf("event cut at %d parsed", cut)
		}
	}
	// The tail after the wanted fields is not read (non-strict) when the event is whole; strict
	// mode rejects the invalid tail.
	tail := []byte(`{"verb":"get","@timestamp":"t","requestObject":{"x":` + strings.Repeat("[", 50) + `"unterminated}`)
	if !fw.parse(tail, ps) || fw.len() != 2 {
		t.Fatalf("early exit: parse failed, %d fields", fw.len())
	}
	if v, _ := fw.get("@@timestamp"); v.Str != "t" {
		t.Fatalf("@@timestamp = %v", v)
	}
	jsonStrictValidate = true
	if fw.parse(tail, ps) {
		t.Fatal("strict parse of a truncated event = true")
	}
	jsonStrictValidate = false
	// A wanted name after a skipped subtree is found; a missing name means reading to the end.
	if !fw.parse([]byte(`{"requestObject":{"a":"}}]\"","b":[{"c":"\\"}]},"stageTimestamp":"s"}`),
		newJSONPathSet([]string{"stageTimestamp", "nope"})) {
		t.Fatal("skip failed")
	}
	if v, ok := fw.get("stageTimestamp"); !ok || v.Str != "s" {
		t.Fatalf("stageTimestamp = %v", v)
	}
	// Collisions through a want set: the first occurrence wins.
	fw.parse([]byte(`{"a.b":1,"a":{"b":2}}`), newJSONPathSet([]string{"a.b"}))
	if v, _ := fw.get("a.b"); v.Str != "1" {
		t.Fatalf("collision: %v", v)
	}
	fw.parse([]byte(`{"a":{"b":2},"a.b":1}`), newJSONPathSet([]string{"a.b", "a.b"}))
	if v, _ := fw.get("a.b"); v.Str != "2" || fw.len() != 1 {
		t.Fatalf("collision: %v", v)
	}
	// An empty want set still checks that the message is an object.
	if !fw.parse([]byte(`{"a":1}`), newJSONPathSet(nil)) || fw.parse([]byte(`[1]`), newJSONPathSet(nil)) {
		t.Fatal("empty want set")
	}
}

func FuzzJSONFlatten(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,"x",true,null,{}]},"@t":"\u00e9","a.b":2}`), uint8(1))
	f.Add([]byte(`{"k":"v\"\\","n":-1.5e3,"l":[[],[{"x":"y"}]]}`), uint8(7))
	f.Add([]byte(`{"a":1}`+"\n"), uint8(0))
	f.Add([]byte(`[1,2]`), uint8(3))
	f.Add([]byte(`{"a":"\ud800\udc00","b":"\ud800"}`), uint8(9))
	if dir := func() (d string) {
		defer func() { recover() }()
		return jsonRealdataDir(f)
	}(); dir != "" {
		for _, line := range jsonReadLines(f, filepath.Join(dir, "audit2rbac", "demo.log"))[:5] {
			f.Add(line, uint8(5))
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte, seed uint8) {
		var full, part jsonFields
		ok := full.parse(msg, nil)
		ref, refOK := jsonRefFlatten(msg)
		if ok != refOK {
			t.Fatalf("parse = %v, encoding/json = %v", ok, refOK)
		}
		if jsonValidObject(msg) != refOK {
			t.Fatalf("jsonValidObject = %v, encoding/json = %v", !refOK, refOK)
		}
		if ok && !jsonSameFields(jsonCollect(&full), ref) {
			t.Fatalf("flattening differs\ngot  %v\nwant %v", jsonCollect(&full), ref)
		}
		// A random want set: some names of the full flattening and some made-up ones.
		var names []string
		full.each(func(name string, v Value) {
			if (len(name)+int(seed))%3 == 0 {
				names = append(names, strings.Clone(name))
			}
		})
		names = append(names, "a", "a.b", "@@t", "l.1.0.x")
		for _, strict := range []bool{false, true} {
			jsonStrictValidate = strict
			pok := part.parse(msg, newJSONPathSet(names))
			jsonStrictValidate = false
			if strict && pok != ok {
				t.Fatalf("strict want parse = %v, full parse = %v", pok, ok)
			}
			if ok && !pok {
				t.Fatalf("want parse failed on a valid object")
			}
			if !ok {
				continue
			}
			part.each(func(name string, v Value) {
				w, wok := full.get(name)
				if !wok || v.Kind != w.Kind || v.Str != w.Str || v.Num != w.Num && !math.IsNaN(v.Num) {
					t.Fatalf("want field %q = %v, full %v %v", name, v, w, wok)
				}
			})
			for _, n := range names {
				if _, wok := full.get(n); wok {
					if _, pok := part.get(n); !pok {
						t.Fatalf("wanted %q missing", n)
					}
				}
			}
		}
	})
}

// TestJSONDescendLinear holds the scan that descend uses on small ranges to the binary search
// it uses on large ones: the same non-empty ranges, and empty ranges alike.
func TestJSONDescendLinear(t *testing.T) {
	ps := newJSONPathSet([]string{"a", "a.b", "a.b.c", "a.bc", "a.c", "ab", "b", "b.", "b..x",
		"user.extra.arn.0", "user.username", "userAgent", "@@t", ""})
	keys := []string{"", "a", "b", "c", "bc", "ab", ".", "a.b", "x", "user", "userAgent", "extra",
		"arn", "0", "username", "@", "@t", "t", "zzz"}
	var walk func(n jsonNode, depth int)
	walk = func(n jsonNode, depth int) {
		if depth > 4 {
			return
		}
		for _, k := range keys {
			lin := ps.descendLinear(n, k)
			old := ps.descendSearch(n, k)
			if (lin.lo == lin.hi) != (old.lo == old.hi) || lin.lo < lin.hi && lin != old {
				t.Fatalf("descend %v by %q: scan %v, search %v", n, k, lin, old)
			}
			if old.lo < old.hi {
				walk(old, depth+1)
				walk(ps.descendSearch(old, "."), depth+1)
			}
		}
	}
	walk(ps.root(), 0)
}

// TestJSONWantSkipRest: once every wanted name under an object or array is found, the rest of
// it is skipped by counting brackets; what follows it is still read.
func TestJSONWantSkipRest(t *testing.T) {
	var f jsonFields
	for _, c := range []struct {
		msg   string
		names []string
		want  string // name=value pairs in document order; "" when parse fails
	}{
		{`{"a":{"b":1,"c":{"x":"}\"]"},"d":[1,[2]]},"e":2}`, []string{"a.b", "e"}, "a.b=1 e=2"},
		{`{"l":[1,[2,"]"],{"q":"}"}],"z":4}`, []string{"l.0", "z"}, "l.0=1 z=4"},
		{`{"a":{"b":1,"b":2},"a":{"b":3},"e":5}`, []string{"a.b", "e"}, "a.b=1 e=5"},
		{`{"a":{"b":{"c":1,"d":2},"x":[{"y":"]"}]},"e":{"f":6}}`, []string{"a.b.c", "e.f"}, "a.b.c=1 e.f=6"},
		{`{"a":{"b":1,"c":"x`, []string{"a.b", "e"}, ""},                  // truncated inside the skipped rest
		{`{"a":{"b":1,"c":[[[`, []string{"a.b", "e"}, ""},                 // never closed
		{`{"a":{"b":1,"c":{]},"e":2}`, []string{"a.b", "e"}, "a.b=1 e=2"}, // unchecked, like any skipped subtree
	} {
		ok := f.parse([]byte(c.msg), newJSONPathSet(c.names))
		var got []string
		f.each(func(name string, v Value) { got = append(got, name+"="+v.Render()) })
		if g := strings.Join(got, " "); !ok && c.want != "" || ok && g != c.want {
			t.Errorf("%s: ok=%v %q, want %q", c.msg, ok, g, c.want)
		}
	}
}
