package jsonstr

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// reference is encoding/json without HTML escaping, which Append matches.
func reference(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppend(t *testing.T) {
	for _, s := range []string{
		"", "plain", "system:serviceaccount:kube-system:replicaset-controller",
		`a"b\c`, "tab\there", "\x00\x01\x1f\x7f", "line\nbreak\r\b\f", "é ü 漢字", "\u2028\u2029",
		"bad \xff utf8 \xc3", strings.Repeat("x", 7) + `"`, strings.Repeat("y", 8) + "\x01", strings.Repeat("z", 16) + "é",
		"<html>&amp;</html>",
	} {
		if got, want := string(Append(nil, s)), reference(s); got != want {
			t.Errorf("Append(%q) = %s, want %s", s, got, want)
		}
	}
}

// FuzzAppend holds Append to encoding/json on any string, at every alignment of the eight-byte
// fast path.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "abcdefgh\"", "0123456789abcdef\\", "\x1fxxxxxxx", "ééééé", "x\u2028yyyyyyy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for k := 0; k < 8 && k <= len(s); k++ {
			if got, want := string(Append(nil, s[k:])), reference(s[k:]); got != want {
				t.Fatalf("Append(%q) = %s, want %s", s[k:], got, want)
			}
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	vals := []string{"system:serviceaccount:kube-system:generic-garbage-collector", "pods", "kube-system",
		"aws-node-7xk2p", "arn:aws:sts::123456789012:assumed-role/Admin/jane.doe@example.com"}
	n := 0
	for _, v := range vals {
		n += len(v)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vals {
			buf = Append(buf, v)
		}
	}
}
