package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/match"
)

// run writes rows through a writer made by mk and returns the bytes.
func run(t *testing.T, mk func(w *bytes.Buffer) match.Writer, cols []string, rows [][]match.Value, raws [][]byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := mk(&buf)
	if err := w.Begin(cols); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		var raw []byte
		if i < len(raws) {
			raw = raws[i]
		}
		if err := w.Row(r, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func newJSON(w *bytes.Buffer) match.Writer  { return NewJSON(w) }
func newRaw(w *bytes.Buffer) match.Writer   { return NewRaw(w) }
func newCSV(w *bytes.Buffer) match.Writer   { return NewCSV(w) }
func newTable(w *bytes.Buffer) match.Writer { return NewTable(w) }

// ts is 2021-08-11 09:29:13.095 UTC.
var ts = match.TimeMs(1628674153095)

const auditMsg = `{"kind":"Event","user":{"username":"kubernetes-admin"},"responseStatus":{"code":201}}`

func TestJSON(t *testing.T) {
	cols := []string{"@timestamp", "a", "n", "b"}
	f := func(name string, vals []match.Value, want string) {
		t.Helper()
		got := run(t, newJSON, cols, [][]match.Value{vals}, nil)
		if got != want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(got), &m); err != nil {
			t.Errorf("%s: output does not parse: %v", name, err)
		}
	}
	f("absent omitted", []match.Value{ts, {}, match.NumLexeme(1.5, "1.50"), {}},
		`{"@timestamp":"2021-08-11 09:29:13.095","n":1.50}`+"\n")
	f("all absent", []match.Value{{}, {}, {}, {}}, "{}\n")
	f("numbers", []match.Value{match.NumLexeme(503, "503"), match.Num(0.25), match.Num(35066), match.NumLexeme(-1e3, "-1E3")},
		`{"@timestamp":503,"a":0.25,"n":35066,"b":-1E3}`+"\n")
	f("non-JSON numbers become strings", []match.Value{match.NumLexeme(1, "01"), match.NumLexeme(1, "+1"), match.Num(nanValue()), match.NumLexeme(1, "1.")},
		`{"@timestamp":"01","a":"+1","n":"NaN","b":"1."}`+"\n")
	f("bools", []match.Value{match.BoolV(true), match.BoolV(false), {Kind: match.Bool, Num: 1, Str: "true"}, {Kind: match.Bool, Str: "false"}},
		`{"@timestamp":1,"a":0,"n":true,"b":false}`+"\n")
	f("escapes", []match.Value{match.Str("q\"b\\s/<&>\n\r\t\x00\x1b[31mred\x7f"), match.Str("héllo ✓ \u2028"), match.Str("bad\xff\xfeend"), match.Str("")},
		`{"@timestamp":"q\"b\\s/<&>\n\r\t\u0000\u001b[31mred`+"\x7f"+`","a":"héllo ✓ \u2028","n":"bad\ufffd\ufffdend","b":""}`+"\n")
	f("JSON @message embedded", []match.Value{ts, {Kind: match.String, Str: auditMsg + "\r\n", JSON: true}, {}, {}},
		`{"@timestamp":"2021-08-11 09:29:13.095","a":`+auditMsg+"}\n")
	f("JSON mark on a non-object is a string", []match.Value{{Kind: match.String, Str: "not {json", JSON: true}, {}, {}, {}},
		`{"@timestamp":"not {json"}`+"\n")
	f("list and map", []match.Value{
		{Kind: match.List, Elems: []match.Value{match.Str("system:masters"), match.NumLexeme(2, "2.0")}},
		{Kind: match.Map, Keys: []string{"k", "x"}, Elems: []match.Value{match.Str("v"), {Kind: match.Bool, Str: "true", Num: 1}}},
		{}, {}},
		`{"@timestamp":["system:masters",2.0],"a":{"k":"v","x":true}}`+"\n")

	// Column names are escaped too; a multi-row run is one object per line.
	got := run(t, newJSON, []string{"`annotations.authorization.k8s.io/decision`", "c\"x"},
		[][]match.Value{{match.Str("allow"), match.Num(1)}, {match.Str("forbid"), {}}}, nil)
	want := `{"` + "`annotations.authorization.k8s.io/decision`" + `":"allow","c\"x":1}` + "\n" +
		`{"` + "`annotations.authorization.k8s.io/decision`" + `":"forbid"}` + "\n"
	if got != want {
		t.Errorf("multi-row:\n got %q\nwant %q", got, want)
	}
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("invalid JSON line %q", line)
		}
	}
	// The embedded @message is reachable as an object.
	got = run(t, newJSON, []string{"@message"}, [][]match.Value{{{Kind: match.String, Str: auditMsg, JSON: true}}}, nil)
	var m struct {
		Msg struct {
			User struct{ Username string }
		} `json:"@message"`
	}
	if err := json.Unmarshal([]byte(got), &m); err != nil || m.Msg.User.Username != "kubernetes-admin" {
		t.Errorf("@message not embedded as object: %q %v", got, err)
	}
}

func nanValue() float64 { var z float64; return z / z }

func TestJSONEmpty(t *testing.T) {
	if got := run(t, newJSON, []string{"a"}, nil, nil); got != "" {
		t.Errorf("empty result wrote %q", got)
	}
}

func TestRaw(t *testing.T) {
	raw1 := []byte("{\"kind\":\"Event\",\"x\":\"\xff\x1b[31m\"}")
	raw2 := []byte(`time="2021-08-11T10:09:43Z" level=info msg="access granted"`)
	got := run(t, newRaw, []string{"@timestamp", "@message"},
		[][]match.Value{{ts, match.Str("ignored")}, {ts, match.Str("ignored")}}, [][]byte{raw1, raw2})
	if want := string(raw1) + "\n" + string(raw2) + "\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	// Aggregated rows (raw == nil): rendered values joined by a tab.
	got = run(t, newRaw, []string{"responseStatus.code", "count"},
		[][]match.Value{{match.NumLexeme(200, "200"), match.Num(35066)}, {{}, match.Num(2)}}, nil)
	if want := "200\t35066\n\t2\n"; got != want {
		t.Errorf("aggregates: got %q want %q", got, want)
	}
	if got := run(t, newRaw, []string{"a"}, nil, nil); got != "" {
		t.Errorf("empty result wrote %q", got)
	}
}

func TestCSV(t *testing.T) {
	cols := []string{"@logStream", "@timestamp", "responseStatus.code", "@message"}
	got := run(t, newCSV, cols, [][]match.Value{
		{match.Str("kube-apiserver-audit-4d5145b53c40d10c276ad08fa36d1f11"), ts, match.NumLexeme(503, "503"), {Kind: match.String, Str: `{"a":"b,c"}`, JSON: true}},
		{match.Str("authenticator-x"), ts, {}, match.Str(`time="2021" msg="access denied"`)},
		{match.Str("line\nbreak"), {}, match.NumLexeme(1.5, "1.50"), match.Str(" leading space")},
		{match.Str("plain"), match.BoolV(true), match.Num(0.5), match.Str("cr\rhere")},
	}, nil)
	want := "@logStream,@timestamp,responseStatus.code,@message\n" +
		"kube-apiserver-audit-4d5145b53c40d10c276ad08fa36d1f11,2021-08-11 09:29:13.095,503,\"{\"\"a\"\":\"\"b,c\"\"}\"\n" +
		"authenticator-x,2021-08-11 09:29:13.095,,\"time=\"\"2021\"\" msg=\"\"access denied\"\"\"\n" +
		"\"line\nbreak\",,1.50,\" leading space\"\n" +
		"plain,1,0.5,\"cr\rhere\"\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if got := run(t, newCSV, []string{"responseStatus.code", "count"}, nil, nil); got != "responseStatus.code,count\n" {
		t.Errorf("empty result: %q", got)
	}
}

func TestTable(t *testing.T) {
	cols := []string{"@timestamp", "userAgent", "code"}
	got := run(t, newTable, cols, [][]match.Value{
		{ts, match.Str("\x1b[31mred\x1b[0m"), match.NumLexeme(200, "200")},
		{ts, match.Str("a\tb\nc\u0085d\u202ee\xff"), {}},
		{{}, match.Str("kubectl/v1.22.0"), match.NumLexeme(503, "503")},
	}, nil)
	want := "" +
		"@timestamp               userAgent                  code\n" +
		"-----------------------  -------------------------  ----\n" +
		"2021-08-11 09:29:13.095  \\x1b[31mred\\x1b[0m         200\n" +
		"2021-08-11 09:29:13.095  a\\tb\\nc\\u0085d\\u202ee\\xff\n" +
		"                         kubectl/v1.22.0            503\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s\n(%q)", got, want, got)
	}
	if strings.ContainsAny(got, "\x1b\t\u0085\u202e") {
		t.Errorf("raw control characters in table output: %q", got)
	}
	if got := run(t, newTable, []string{"a", "count"}, nil, nil); got != "a  count\n-  -----\n" {
		t.Errorf("empty result: %q", got)
	}
}

func TestTableTruncation(t *testing.T) {
	long := strings.Repeat("x", 200)
	got := run(t, newTable, []string{"@message", "f"}, [][]match.Value{{match.Str(long), match.Str(strings.Repeat("é", 100))}}, nil)
	lines := strings.Split(got, "\n")
	want := strings.Repeat("x", 119) + "…" + "  " + strings.Repeat("é", 79) + "…"
	if lines[2] != want {
		t.Errorf("got %q\nwant %q", lines[2], want)
	}
}

func TestTableWidthsFixedAfterProbe(t *testing.T) {
	rows := make([][]match.Value, tableProbeRows+1)
	for i := range rows {
		rows[i] = []match.Value{match.Str("abc"), match.Str("z")}
	}
	rows[tableProbeRows] = []match.Value{match.Str("abcdefgh"), match.Str("z")}
	got := run(t, newTable, []string{"a", "b"}, rows, nil)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != tableProbeRows+3 {
		t.Fatalf("%d lines", len(lines))
	}
	if last := lines[len(lines)-1]; last != "ab…  z" {
		t.Errorf("row after the probe: %q", last)
	}
}

// failWriter fails every write.
type failWriter struct{}

var errBroken = errors.New("broken pipe")

func (failWriter) Write(p []byte) (int, error) { return 0, errBroken }

func TestWriteErrorsReturned(t *testing.T) {
	for name, mk := range map[string]func() match.Writer{
		"json":  func() match.Writer { return NewJSON(failWriter{}) },
		"raw":   func() match.Writer { return NewRaw(failWriter{}) },
		"csv":   func() match.Writer { return NewCSV(failWriter{}) },
		"table": func() match.Writer { return NewTable(failWriter{}) },
	} {
		w := mk()
		err := w.Begin([]string{"a"})
		for i := 0; err == nil && i < 5000; i++ {
			err = w.Row([]match.Value{match.Str(strings.Repeat("v", 100))}, []byte("raw line"))
		}
		if err == nil {
			err = w.End()
		}
		if !errors.Is(err, errBroken) {
			t.Errorf("%s: error %v, want %v", name, err, errBroken)
		}
	}
}
