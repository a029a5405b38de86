package scan

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	for _, tc := range []struct {
		head string
		want Format
	}{
		{"", FormatText},
		{"hello\n", FormatText},
		{"2021-08-11T10:09:43.095Z {\"kind\":\"Event\"}\n", FormatExport},
		{"\n\n2021-08-11T10:09:43.095Z x", FormatExport},
		{"2021-08-11T10:09:43.095Z", FormatText},     // no space, no message
		{"2021-13-11T10:09:43.095Z x", FormatText},   // month 13
		{"2021-02-29T10:09:43.095Z x", FormatText},   // not a leap year
		{"2024-02-29T10:09:43.095Z x", FormatExport}, // a leap year
		{"2021-08-11 10:09:43.095Z x", FormatText},   // export stamps have a T
		{`{"kind":"Event","stageTimestamp":"x"}`, FormatAudit},
		{`{"requestObject":{"messageType":"DATA_MESSAGE","logEvents":[]}}`, FormatAudit},
		{`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":"1"`, FormatFirehose},
		{` {"owner":"1","logEvents":[],"messageType":"CONTROL_MESSAGE"}`, FormatFirehose},
		{`[1,2]`, FormatText},
		{"I0915 12:19:43.933124       1 scheduler.go:604] x", FormatText},
	} {
		if got := detectFormat([]byte(tc.head)); got != tc.want {
			t.Errorf("detectFormat(%q) = %v, want %v", tc.head, got, tc.want)
		}
	}
}

func TestRFC3339Millis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2021-10-27T05:43:01.042364Z", 1635313381042, true},
		{"2021-10-27T05:43:01Z", 1635313381000, true},
		{"2021-10-27T05:43:01.9Z", 1635313381900, true},
		{"2021-10-27T07:43:01.042+02:00", 1635313381042, true},
		{"2021-10-27T03:43:01.042-02:00", 1635313381042, true},
		{"2022-11-29 00:09:04.38", 1669680544380, true}, // Panther-normalised: read as UTC
		{"1970-01-01T00:00:00Z", 0, true},
		{"1969-12-31T23:59:59.999Z", -1, true},
		{"2021-10-27T05:43:01.Z", 0, false},
		{"2021-10-27T05:43Z", 0, false},
		{"2021-10-27T25:43:01Z", 0, false},
		{"2021-10-27T05:43:01+0200", 0, false},
		{"yesterday", 0, false},
	} {
		got, ok := rfc3339Millis([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("rfc3339Millis(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestAuditTime(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int64
		ok   bool
	}{
		{`{"requestReceivedTimestamp":"2021-10-27T05:43:01.042364Z","stageTimestamp":"2021-10-27T05:43:02.5Z"}`, 1635313382500, true},
		{`{"stageTimestamp":"2021-10-27T05:43:02.5Z","requestReceivedTimestamp":"2021-10-27T05:43:01.042364Z"}`, 1635313382500, true},
		{`{"requestReceivedTimestamp":"2021-10-27T05:43:01.042364Z"}`, 1635313381042, true},
		{`{"timestamp":"2017-09-11T19:55:05Z"}`, 1505159705000, true},
		// Nested keys of the same name are not the event's.
		{`{"requestObject":{"stageTimestamp":"2000-01-01T00:00:00Z","s":"\"stageTimestamp\":\"2001-01-01T00:00:00Z\""},"requestReceivedTimestamp":"2021-10-27T05:43:01.042Z"}`, 1635313381042, true},
		{`{"responseObject":[{"timestamp":"2000-01-01T00:00:00Z"}],"kind":"Event"}`, 0, false},
		// An unparsable stageTimestamp falls back.
		{`{"stageTimestamp":"garbage","requestReceivedTimestamp":"2021-10-27T05:43:01.042Z"}`, 1635313381042, true},
		// Cut short after the timestamp: still found.
		{`{"stageTimestamp":"2021-10-27T05:43:01.042Z","requestObject":{"a":"`, 1635313381042, true},
		{`not json "stageTimestamp":"2021-10-27T05:43:01.042Z"`, 0, false},
		{`{"a":"b\\","stageTimestamp":"2021-10-27T05:43:01.042Z"}`, 1635313381042, true},
	} {
		got, ok := auditTime([]byte(tc.line))
		if got != tc.want || ok != tc.ok {
			t.Errorf("auditTime(%s) = %d, %v; want %d, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

const (
	ts1 = "2021-08-11T10:09:43.095Z"
	ms1 = int64(1628676583095)
	ts2 = "2021-08-11T10:09:44.000Z"
	ms2 = int64(1628676584000)
)

func envelopeJSON(typ, group, stream string, events ...string) string {
	var b strings.Builder
	b.WriteString(`{"owner":"111111111111","logGroup":"` + group + `","logStream":"` + stream +
		`","subscriptionFilters":["f"],"messageType":"` + typ + `","logEvents":[`)
	for i, e := range events {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(e)
	}
	b.WriteString("]}")
	return b.String()
}

func TestFraming(t *testing.T) {
	auditA := `{"kind":"Event","requestReceivedTimestamp":"2021-10-27T05:43:01.042364Z","stageTimestamp":"2021-10-27T05:43:01.142364Z"}`
	auditB := `{"kind":"Event","requestObject":{"stageTimestamp":"1999-01-01T00:00:00Z"},"requestReceivedTimestamp":"2021-10-27T05:43:02.000001Z"}`
	data1 := envelopeJSON("DATA_MESSAGE", "/aws/eks/c/cluster", "kube-apiserver-audit-1",
		`{"id":"1","timestamp":1000,"message":"{\"kind\":\"Event\",\"x\":\"\\u00e9\\n\"}"}`,
		`{"id":"2","timestamp":2000,"message":"caf\u00e9\tsecond"}`)
	data2 := envelopeJSON("DATA_MESSAGE", "/aws/eks/c/cluster", "authenticator-2",
		`{"id":"3","timestamp":3000,"message":"third"}`)
	control := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`
	fh := func(line int64, ms int64, msg, stream string) rec {
		return rec{Line: line, Time: ms, HasTime: true, Msg: msg, Stream: stream, Group: "/aws/eks/c/cluster", Owner: "111111111111"}
	}
	firehoseWant := []rec{
		fh(1, 1000, `{"kind":"Event","x":"\u00e9\n"}`, "kube-apiserver-audit-1"),
		fh(2, 2000, "caf\u00e9\tsecond", "kube-apiserver-audit-1"),
		fh(3, 3000, "third", "authenticator-2"),
	}
	text := func(line int64, msg string) rec { return rec{Line: line, Msg: msg, Stream: "f"} }

	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
		want   []rec
	}{
		{
			name:   "export with continuation lines",
			data:   []byte(ts1 + " first\n  at line two\n\n  after a blank\n\n" + ts2 + " {\"a\":1}\r\n" + ts2 + " \n"),
			format: FormatExport,
			want: []rec{
				{Line: 1, Time: ms1, HasTime: true, Msg: "first\n  at line two\n\n  after a blank", Stream: "f"},
				{Line: 6, Time: ms2, HasTime: true, Msg: `{"a":1}`, Stream: "f"},
				{Line: 7, Time: ms2, HasTime: true, Msg: "", Stream: "f"},
			},
		},
		{
			name:   "export gzip no final newline",
			data:   gz([]byte(ts1 + " a\n" + ts2 + " b\ncontinued")),
			format: FormatExport,
			want: []rec{
				{Line: 1, Time: ms1, HasTime: true, Msg: "a", Stream: "f"},
				{Line: 2, Time: ms2, HasTime: true, Msg: "b\ncontinued", Stream: "f"},
			},
		},
		{
			name:   "audit jsonl",
			data:   []byte(auditA + "\n\n" + auditB + "\nnot json\n"),
			format: FormatAudit,
			want: []rec{
				{Line: 1, Time: 1635313381142, HasTime: true, Msg: auditA, Stream: "f"},
				{Line: 3, Time: 1635313382000, HasTime: true, Msg: auditB, Stream: "f"},
				text(4, "not json"),
			},
		},
		{
			name:   "audit gzip crlf",
			data:   gz([]byte(auditA + "\r\n" + auditB + "\r\n")),
			format: FormatAudit,
			want: []rec{
				{Line: 1, Time: 1635313381142, HasTime: true, Msg: auditA, Stream: "f"},
				{Line: 2, Time: 1635313382000, HasTime: true, Msg: auditB, Stream: "f"},
			},
		},
		{
			name:   "firehose single",
			data:   gz([]byte(data1 + data2)),
			format: FormatFirehose,
			want:   firehoseWant,
		},
		{
			name:   "firehose concatenated members with control message",
			data:   gzMembers(control, data1, control, data2),
			format: FormatFirehose,
			want:   firehoseWant,
		},
		{
			name:   "firehose double gzip",
			data:   gz(gzMembers(data1, data2)),
			format: FormatFirehose,
			want:   firehoseWant,
		},
		{
			name:   "firehose newline separated plain",
			data:   []byte(data1 + "\n" + control + "\n" + data2 + "\n"),
			format: FormatFirehose,
			want:   firehoseWant,
		},
		{
			name:   "text with empty lines, crlf and no final newline",
			data:   []byte("\n\nI0915 one\r\n\r\nW0915 two\n\xff\xfe invalid\nlast"),
			format: FormatText,
			want:   []rec{text(3, "I0915 one"), text(5, "W0915 two"), text(6, "\xff\xfe invalid"), text(7, "last")},
		},
		{
			name:   "text zstd",
			data:   zst([]byte("a\nb\n")),
			format: FormatText,
			want:   []rec{text(1, "a"), text(2, "b")},
		},
		{
			name:   "text multi-member gzip split mid-line",
			data:   gzMembers("a\nb", "c\n", "d\n"),
			format: FormatText,
			want:   []rec{text(1, "a"), text(2, "bc"), text(3, "d")},
		},
		{
			name:   "empty gzip",
			data:   gz(nil),
			format: FormatText,
		},
		{
			name:   "empty file",
			data:   nil,
			format: FormatText,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, filepath.Join(t.TempDir(), "f"), tc.data)
			for _, batch := range []int{0, 1} {
				f := runOne(t, p, Options{BatchBytes: batch})
				if len(f.Errs) > 0 {
					t.Fatalf("errors: %v", f.Errs)
				}
				if f.Format != tc.format {
					t.Errorf("format %v, want %v", f.Format, tc.format)
				}
				for i := range f.recs {
					f.recs[i].Index, f.recs[i].Seq = 0, 0
				}
				if !reflect.DeepEqual(f.recs, tc.want) {
					t.Errorf("BatchBytes %d: records\n got %+v\nwant %+v", batch, f.recs, tc.want)
				}
				if f.Comp != int64(len(tc.data)) {
					t.Errorf("compressed bytes %d, want %d", f.Comp, len(tc.data))
				}
			}
		})
	}
}

func TestTimeRange(t *testing.T) {
	dir := t.TempDir()
	exp := writeFile(t, filepath.Join(dir, "x", "stream-a", "000000.gz"),
		gz([]byte(ts1+" a\ncont\n"+ts2+" b\ncont b\n")))
	audit := writeFile(t, filepath.Join(dir, "audit.log"), []byte(
		`{"stageTimestamp":"2021-08-11T10:09:43.095Z"}`+"\n"+`{"stageTimestamp":"2021-08-11T10:09:44Z"}`+"\nno time\n"))
	res := run(t, []string{exp, audit}, Options{HasTimeRange: true, TimeMin: ms2, TimeMax: ms2 + 10})
	var got []string
	for _, r := range res.all() {
		got = append(got, r.Stream+":"+r.Msg)
	}
	want := []string{"stream-a:b\ncont b", `audit.log:{"stageTimestamp":"2021-08-11T10:09:44Z"}`, "audit.log:no time"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTimeRangeDropUntimed(t *testing.T) {
	dir := t.TempDir()
	audit := writeFile(t, filepath.Join(dir, "audit.log"), []byte(
		`{"stageTimestamp":"2021-08-11T10:09:44Z"}`+"\nno time\n"+`{"verb":"get"}`+"\n"))
	res := run(t, []string{audit}, Options{HasTimeRange: true, TimeMin: ms2, TimeMax: ms2 + 10, DropUntimed: true})
	var got []string
	for _, r := range res.all() {
		got = append(got, r.Msg)
	}
	want := []string{`{"stageTimestamp":"2021-08-11T10:09:44Z"}`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestOnFilesSizes(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a.log"), []byte("one\n"))
	writeFile(t, filepath.Join(dir, "sub", "b.log"), []byte("three\n"))
	var got []string
	run(t, []string{dir}, Options{OnFiles: func(files []File) {
		for _, f := range files {
			got = append(got, fmt.Sprintf("%s=%d", filepath.Base(f.Path), f.Size))
		}
	}})
	want := []string{"a.log=4", "b.log=6"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q (first %s)", got, want, a)
	}
}
