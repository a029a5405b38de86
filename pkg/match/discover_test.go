package match

import (
	"reflect"
	"strings"
	"testing"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

func TestDiscoverer(t *testing.T) {
	file := &scan.File{Index: 0, Path: "a", Stream: "kube-apiserver-audit-1"}
	long := strings.Repeat("é", exampleMaxBytes)
	b1 := &scan.Batch{File: file, Records: []scan.Record{
		{Time: 1628676000000, HasTime: true, Line: 1, Message: []byte(`{"verb":"get","code":200,"user":{"username":"alice"},"ok":true}`)},
		{Time: 1628676000001, HasTime: true, Line: 2, Message: []byte(`{"verb":"list","code":"x","long":"` + long + `"}`)},
	}}
	b2 := &scan.Batch{File: &scan.File{Index: 1, Path: "b", Stream: "b"}, Last: true, Records: []scan.Record{
		{Line: 1, Message: []byte(`not json`), Group: "/aws/eks/c/cluster", Owner: "123"},
	}}
	d := newDiscoverer(2, Options{LogGroup: "g"})
	// Worker 1 sees the later file first: the examples still come from the first events.
	if err := d.Batch(1, b2); err != nil {
		t.Fatal(err)
	}
	if err := d.Batch(0, b1); err != nil {
		t.Fatal(err)
	}
	got := map[string]discoveredField{}
	var order []string
	for _, f := range d.Fields() {
		got[f.Name] = f
		order = append(order, f.Name)
	}
	wantOrder := []string{"@log", "@logStream", "@message", "@timestamp", "code", "verb", "long", "ok", "user.username"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("order %q, want %q", order, wantOrder)
	}
	checks := []struct {
		name    string
		types   []string
		count   int64
		example string
	}{
		{"@logStream", []string{"string"}, 3, "kube-apiserver-audit-1"},
		{"@log", []string{"string"}, 3, "g"},
		{"@timestamp", []string{"timestamp"}, 2, "2021-08-11 10:00:00.000"},
		{"code", []string{"string", "number"}, 2, "200"},
		{"ok", []string{"boolean"}, 1, "true"},
		{"user.username", []string{"string"}, 1, "alice"},
	}
	for _, c := range checks {
		f := got[c.name]
		if !reflect.DeepEqual(f.Types, c.types) || f.Count != c.count || f.Example != c.example {
			t.Errorf("%s: got %+v, want %v %d %q", c.name, f, c.types, c.count, c.example)
		}
	}
	if ex := got["long"].Example; len(ex) > exampleMaxBytes+len("…") || !strings.HasSuffix(ex, "…") {
		t.Errorf("long example not cut: %d bytes", len(ex))
	}
	if st := d.Stats(); st.Records != 3 || st.Files != 1 {
		t.Errorf("stats %+v", st)
	}
}
