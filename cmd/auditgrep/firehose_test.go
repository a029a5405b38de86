package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type fhEvent struct {
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

type fhEnvelope struct {
	MessageType string    `json:"messageType"`
	Owner       string    `json:"owner"`
	LogGroup    string    `json:"logGroup"`
	LogStream   string    `json:"logStream"`
	LogEvents   []fhEvent `json:"logEvents"`
}

// firehoseDelivery builds a Firehose delivery of CloudWatch subscription data as S3 receives it:
// gzip members of JSON envelopes concatenated with no newline, a CONTROL_MESSAGE among them.
func firehoseDelivery(t *testing.T) []byte {
	t.Helper()
	envs := []fhEnvelope{
		{MessageType: "CONTROL_MESSAGE", Owner: "CloudwatchLogs", LogGroup: "", LogStream: "",
			LogEvents: []fhEvent{{ID: "", Timestamp: 1628676000000, Message: "CWL CONTROL MESSAGE: Checking health of destination Firehose."}}},
		{MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: "/aws/eks/demo/cluster", LogStream: "kube-apiserver-audit-aaa",
			LogEvents: []fhEvent{
				{ID: "1", Timestamp: 1628676001000, Message: `{"kind":"Event","verb":"create","objectRef":{"resource":"pods","subresource":"eviction","name":"web-1"},"responseStatus":{"code":429}}`},
				{ID: "2", Timestamp: 1628676002000, Message: `{"kind":"Event","verb":"get"}`},
			}},
		{MessageType: "DATA_MESSAGE", Owner: "123456789012", LogGroup: "/aws/eks/demo/cluster", LogStream: "authenticator-bbb",
			LogEvents: []fhEvent{{ID: "3", Timestamp: 1628676003000, Message: `time="2021-08-11T10:00:03Z" level=info msg="access granted" username=kubernetes-admin`}}},
	}
	var out []byte
	for _, e := range envs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, gzipBytes(t, b)...)
	}
	return out
}

func TestFirehoseCLI(t *testing.T) {
	dir := t.TempDir()
	delivery := firehoseDelivery(t)
	// Firehose's own compression on top of the subscription's gzip: gzipped twice.
	files := map[string][]byte{
		"once/delivery-1":  delivery,
		"twice/delivery-2": gzipBytes(t, delivery),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	want := `{"@timestamp":"2021-08-11 10:00:01.000","@log":"123456789012:/aws/eks/demo/cluster","@logStream":"kube-apiserver-audit-aaa","verb":"create","responseStatus.code":429}
{"@timestamp":"2021-08-11 10:00:02.000","@log":"123456789012:/aws/eks/demo/cluster","@logStream":"kube-apiserver-audit-aaa","verb":"get"}
{"@timestamp":"2021-08-11 10:00:03.000","@log":"123456789012:/aws/eks/demo/cluster","@logStream":"authenticator-bbb"}
`
	for name := range files {
		out, stderr, code := runCLI(t, "", "fields @timestamp, @log, @logStream, verb, responseStatus.code", "--format", "json",
			"--log-group", "ignored-when-the-envelope-has-one", filepath.Join(dir, name))
		if code != exitMatch || out != want {
			t.Errorf("%s: exit %d, stderr %q\ngot\n%s\nwant\n%s", name, code, stderr, out, want)
		}
	}
	// The preset over the delivery: the refused eviction.
	out, _, code := runCLI(t, "", "--preset", "fargate-scheduled-termination", "--format", "csv", dir)
	if code != exitMatch || strings.Count(out, "web-1") != 2 {
		t.Errorf("preset over Firehose: exit %d\n%s", code, out)
	}
	// The time range applies to the envelope's event timestamps.
	out, _, _ = runCLI(t, "", "fields @logStream", "--format", "csv", "--start", "1628676002", "--end", "1628676002", filepath.Join(dir, "once"))
	if out != "@logStream\nkube-apiserver-audit-aaa\n" {
		t.Errorf("time range over Firehose:\n%s", out)
	}
}

func TestStatsLine(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.gz"), gzipBytes(t, []byte(strings.Repeat(`{"verb":"get"}`+"\n", 10)+`{"verb":"delete"}`+"\n")), 0o644)
	os.WriteFile(filepath.Join(dir, "b.log"), []byte(`{"verb":"delete"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "c.gz"), []byte{0x1f, 0x8b, 8, 0, 1, 2}, 0o644) // corrupt
	_, stderr, code := runCLI(t, "", `filter verb = "delete"`, "--stats", "--format", "json", dir)
	if code != exitError {
		t.Errorf("exit %d", code)
	}
	re := regexp.MustCompile(`auditgrep: 12 records scanned, 2 matched, 2 rows out; 186 bytes scanned \(\d+ compressed\); 2 files read, 0 skipped, 1 failed, 1 input errors; [0-9.]+s, [0-9.]+ MB/s\n`)
	if !re.MatchString(stderr) {
		t.Errorf("stats line:\n%s", stderr)
	}
}
