package convert

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// eventRow reads a part file back through parquet-go's own struct decoding, which knows
// nothing of how convert laid the rows out.
type eventRow struct {
	Timestamp     *time.Time        `parquet:"timestamp,optional,timestamp(millisecond)"`
	LogStream     *string           `parquet:"log_stream,optional"`
	Log           *string           `parquet:"log,optional"`
	Message       *string           `parquet:"message,optional"`
	Verb          *string           `parquet:"verb,optional"`
	RequestURI    *string           `parquet:"request_uri,optional"`
	UserUsername  *string           `parquet:"user_username,optional"`
	UserGroups    []string          `parquet:"user_groups,optional,list"`
	UserUID       *string           `parquet:"user_uid,optional"`
	SourceIPs     []string          `parquet:"source_ips,optional,list"`
	UserAgent     *string           `parquet:"user_agent,optional"`
	ObjResource   *string           `parquet:"object_ref_resource,optional"`
	ObjNamespace  *string           `parquet:"object_ref_namespace,optional"`
	ObjName       *string           `parquet:"object_ref_name,optional"`
	ObjAPIGroup   *string           `parquet:"object_ref_api_group,optional"`
	ObjAPIVersion *string           `parquet:"object_ref_api_version,optional"`
	ObjSub        *string           `parquet:"object_ref_subresource,optional"`
	Code          *int32            `parquet:"response_status_code,optional"`
	Stage         *string           `parquet:"stage,optional"`
	Level         *string           `parquet:"level,optional"`
	AuditID       *string           `parquet:"audit_id,optional"`
	Annotations   map[string]string `parquet:"annotations,optional"`
	RRT           *time.Time        `parquet:"request_received_timestamp,optional,timestamp(microsecond)"`
	ST            *time.Time        `parquet:"stage_timestamp,optional,timestamp(microsecond)"`
}

// flat is an event as comparable text: one line per column, and its partition folder.
type flat struct {
	part string
	cols string
}

func str(p *string) string {
	if p == nil {
		return "NULL"
	}
	return strconv.Quote(*p)
}

func tm(p *time.Time) string {
	if p == nil {
		return "NULL"
	}
	return p.UTC().Format(time.RFC3339Nano)
}

func (r *eventRow) flat(part string) flat {
	code := "NULL"
	if r.Code != nil {
		code = strconv.Itoa(int(*r.Code))
	}
	list := func(l []string) string {
		if l == nil {
			return "NULL"
		}
		return fmt.Sprintf("%q", l)
	}
	ann := "NULL"
	if r.Annotations != nil {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Annotations {
				if !yield(k) {
					return
				}
			}
		})
		var b []string
		for _, k := range keys {
			b = append(b, strconv.Quote(k)+"="+strconv.Quote(r.Annotations[k]))
		}
		ann = "{" + strings.Join(b, ",") + "}"
	}
	cols := []string{tm(r.Timestamp), str(r.LogStream), str(r.Log), str(r.Message), str(r.Verb), str(r.RequestURI),
		str(r.UserUsername), list(r.UserGroups), str(r.UserUID), list(r.SourceIPs), str(r.UserAgent),
		str(r.ObjResource), str(r.ObjNamespace), str(r.ObjName), str(r.ObjAPIGroup), str(r.ObjAPIVersion), str(r.ObjSub),
		code, str(r.Stage), str(r.Level), str(r.AuditID), ann, tm(r.RRT), tm(r.ST)}
	return flat{part: part, cols: strings.Join(cols, "\n")}
}

// readDataset reads every part file under dir, in path order.
func readDataset(t *testing.T, dir string) []flat {
	t.Helper()
	var out []flat
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("temporary file left: %s", path)
			return nil
		}
		rows, err := parquet.ReadFile[eventRow](path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(path))
		if rel == "." {
			rel = ""
		}
		for i := range rows {
			out = append(out, rows[i].flat(filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// expected derives every event's row from the source with encoding/json, independently of the
// converter's JSON reader.
func expected(t *testing.T, paths []string, keys []Key) []flat {
	t.Helper()
	var mu sync.Mutex
	var out []flat
	err := scan.Scan(context.Background(), paths, scan.Options{Workers: 1}, func(_ int, b *scan.Batch) error {
		for _, r := range b.Records {
			stream := r.Stream
			if stream == "" {
				stream = b.File.Stream
			}
			mu.Lock()
			out = append(out, expectRow(r, stream, keys))
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func expectRow(r scan.Record, stream string, keys []Key) flat {
	var row eventRow
	if r.HasTime {
		ts := time.UnixMilli(r.Time).UTC()
		row.Timestamp = &ts
	}
	s := func(v string) *string { return &v }
	row.LogStream = s(stream)
	row.Message = s(strings.ToValidUTF8(string(r.Message), "\uFFFD"))
	if r.Group != "" {
		row.Log = s(r.Owner + ":" + r.Group)
	}
	if m := decodeObject(r.Message); m != nil {
		sv := func(o map[string]any, k string) *string {
			if v, ok := o[k].(string); ok {
				return &v
			}
			return nil
		}
		text := func(v any) string {
			if s, ok := v.(string); ok {
				return s
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
		lv := func(o map[string]any, k string) []string {
			a, ok := o[k].([]any)
			if !ok {
				return nil
			}
			l := []string{}
			for _, v := range a {
				l = append(l, text(v))
			}
			return l
		}
		tv := func(k string) *time.Time {
			v, ok := m[k].(string)
			if !ok {
				return nil
			}
			// The forms scan takes for @timestamp: a space for the T, no zone (UTC).
			if len(v) > 10 && v[10] == ' ' {
				v = v[:10] + "T" + v[11:]
			}
			ts, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				if ts, err = time.Parse(time.RFC3339Nano, v+"Z"); err != nil {
					return nil
				}
			}
			ts = ts.Truncate(time.Microsecond).UTC()
			return &ts
		}
		obj := func(k string) map[string]any { o, _ := m[k].(map[string]any); return o }
		row.Verb, row.RequestURI, row.UserAgent = sv(m, "verb"), sv(m, "requestURI"), sv(m, "userAgent")
		row.Stage, row.Level, row.AuditID = sv(m, "stage"), sv(m, "level"), sv(m, "auditID")
		row.SourceIPs = lv(m, "sourceIPs")
		u := obj("user")
		row.UserUsername, row.UserUID, row.UserGroups = sv(u, "username"), sv(u, "uid"), lv(u, "groups")
		o := obj("objectRef")
		row.ObjResource, row.ObjNamespace, row.ObjName = sv(o, "resource"), sv(o, "namespace"), sv(o, "name")
		row.ObjAPIGroup, row.ObjAPIVersion, row.ObjSub = sv(o, "apiGroup"), sv(o, "apiVersion"), sv(o, "subresource")
		if n, ok := obj("responseStatus")["code"].(json.Number); ok {
			if c, err := strconv.ParseInt(string(n), 10, 32); err == nil {
				c32 := int32(c)
				row.Code = &c32
			}
		}
		if a, ok := m["annotations"].(map[string]any); ok {
			row.Annotations = map[string]string{}
			for k, v := range a {
				row.Annotations[k] = text(v)
			}
		}
		row.RRT, row.ST = tv("requestReceivedTimestamp"), tv("stageTimestamp")
	}
	var part []string
	for _, k := range keys {
		v := StreamKind(stream)
		switch {
		case k == KeyStream:
		case !r.HasTime:
			v = NullPartition
		case k == KeyDate:
			v = time.UnixMilli(r.Time).UTC().Format("2006-01-02")
		default:
			v = time.UnixMilli(r.Time).UTC().Format("15")
		}
		part = append(part, k.Dir()+"="+v)
	}
	return row.flat(strings.Join(part, "/"))
}

// decodeObject reads the top-level fields of a message that is one valid JSON object, the first
// non-null occurrence of a key winning.
func decodeObject(msg []byte) map[string]any {
	if !json.Valid(msg) {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(msg))
	d.UseNumber()
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	m := map[string]any{}
	for d.More() {
		tok, err := d.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			break
		}
		var v any
		if err := d.Decode(&v); err != nil {
			break
		}
		if m[key] == nil {
			m[key] = v
		}
	}
	return m
}

func sortFlat(f []flat) {
	slices.SortFunc(f, func(a, b flat) int {
		if c := strings.Compare(a.part, b.part); c != 0 {
			return c
		}
		return strings.Compare(a.cols, b.cols)
	})
}

func checkSame(t *testing.T, got, want []flat) {
	t.Helper()
	sortFlat(got)
	sortFlat(want)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d:\n%s\n%s\nwant\n%s\n%s", i, got[i].part, got[i].cols, want[i].part, want[i].cols)
		}
	}
}

// exportCopy copies the bundled CloudWatch export (its event files, not its README) into a
// temporary folder.
func exportCopy(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "testdata", "export")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".md") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func convertOK(t *testing.T, paths []string, o Options) Stats {
	t.Helper()
	var errs []error
	o.OnInputError = func(err error) { errs = append(errs, err) }
	st, err := Convert(context.Background(), paths, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("input errors: %v", errs)
	}
	return st
}

func TestConvertExport(t *testing.T) {
	in := exportCopy(t)
	for _, keys := range [][]Key{DefaultPartitionBy, {KeyStream, KeyDate}, {}} {
		out := t.TempDir()
		st := convertOK(t, []string{in}, Options{Dir: out, PartitionBy: keys, Workers: 2})
		want := expected(t, []string{in}, keys)
		if st.Events != int64(len(want)) || st.Events == 0 {
			t.Errorf("%v: stats say %d events, the source has %d", keys, st.Events, len(want))
		}
		checkSame(t, readDataset(t, out), want)
	}
}

// The files' schema is the one docs/dataset.md specifies.
func TestSchema(t *testing.T) {
	out := t.TempDir()
	convertOK(t, []string{exportCopy(t)}, Options{Dir: out})
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "stream=kube-apiserver-audit", "*.parquet"))
	if len(files) == 0 {
		t.Fatal("no audit part file")
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, path := range pf.Schema().Columns() {
		leaf, _ := pf.Schema().Lookup(path...)
		got = append(got, strings.Join(path, ".")+" "+leaf.Node.Type().String())
	}
	want := []string{
		"timestamp TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)",
		"log_stream STRING", "log STRING", "message STRING", "verb STRING", "request_uri STRING",
		"user_username STRING", "user_groups.list.element STRING", "user_uid STRING",
		"source_ips.list.element STRING", "user_agent STRING",
		"object_ref_resource STRING", "object_ref_namespace STRING", "object_ref_name STRING",
		"object_ref_api_group STRING", "object_ref_api_version STRING", "object_ref_subresource STRING",
		"response_status_code INT(32,true)", "stage STRING", "level STRING", "audit_id STRING",
		"annotations.key_value.key STRING", "annotations.key_value.value STRING",
		"request_received_timestamp TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)",
		"stage_timestamp TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("schema:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if codec := cc.MetaData.Codec.String(); codec != "ZSTD" {
				t.Errorf("column %v compressed with %s", cc.MetaData.PathInSchema, codec)
			}
		}
	}
	if len(Columns) != numColumns {
		t.Errorf("%d columns, %d column positions", len(Columns), numColumns)
	}
}

// realdata is ../shared/realdata beside an ancestor of the working directory, as CI lays it.
func realdata(t *testing.T) string {
	d, _ := os.Getwd()
	for ; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "realdata")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if fi, err := os.Stat("/work/shared/realdata"); err == nil && fi.IsDir() {
		return "/work/shared/realdata"
	}
	t.Skip("no shared/realdata")
	return ""
}

func TestConvertRealdata(t *testing.T) {
	rd := realdata(t)
	paths := []string{
		filepath.Join(rd, "audit2rbac", "demo.log"),
		filepath.Join(rd, "falco-k8s-audit-traces"),
		filepath.Join(rd, "panther-analysis", "panther_k8s_audit_test_events.jsonl"),
		filepath.Join(rd, "aws-eks-best-practices", "deprecated_api_audit_event.jsonl"),
		filepath.Join(rd, "awsdocs-eks-user-guide"),
		filepath.Join(rd, "datadog-integrations-core", "kube_scheduler_klog.log"),
	}
	out := t.TempDir()
	var errs []error
	if _, err := Convert(context.Background(), paths, Options{Dir: out, Workers: 3, LogGroup: "/aws/eks/c/cluster", Account: "123456789012",
		OnInputError: func(err error) { errs = append(errs, err) }}); err != nil {
		t.Fatal(err)
	}
	want := expected(t, paths, DefaultPartitionBy)
	for i := range want {
		// The flags fill @log for every event, as they do for a query.
		want[i].cols = strings.Replace(want[i].cols, "\nNULL\n", "\n\"123456789012:/aws/eks/c/cluster\"\n", 1)
	}
	checkSame(t, readDataset(t, out), want)
	got := readDataset(t, out)
	audit := 0
	for _, r := range got {
		if strings.Split(r.cols, "\n")[4] != "NULL" {
			audit++
		}
	}
	t.Logf("%d rows, %d with a verb", len(got), audit)
	if audit < 250 {
		t.Errorf("only %d rows with a verb among the real audit events", audit)
	}
}

// genAudit writes a plain audit log of n events spread over hours hours, in an order that makes
// every hour come back now and then, so that part files are finished by the open-file limit and
// by idleness and started again.
func genAudit(t *testing.T, path string, n, hours int) {
	t.Helper()
	var b bytes.Buffer
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		h := (i / 50) % hours
		if i%97 == 0 {
			h = (h + 5) % hours
		}
		ts := base.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Millisecond)
		fmt.Fprintf(&b, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-%d","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ns%d/pods","verb":"list","user":{"username":"u%d","groups":["g1","g\u00e9"]},"sourceIPs":["10.0.0.%d"],"objectRef":{"resource":"pods","namespace":"ns%d"},"responseStatus":{"code":%d},"requestReceivedTimestamp":"%s","stageTimestamp":"%s","annotations":{"a":"%d"}}`+"\n",
			i, i%7, i%13, i%250, i%7, 200+i%5, ts.Add(-time.Millisecond).Format(time.RFC3339Nano), ts.Format(time.RFC3339Nano), i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeOf is every file under dir with its content.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(dir, path)
			m[rel] = string(b)
		}
		return nil
	})
	return m
}

func sameTree(t *testing.T, a, b map[string]string, what string) {
	t.Helper()
	if len(a) != len(b) {
		t.Errorf("%s: %d files and %d files", what, len(a), len(b))
	}
	for k, v := range a {
		if w, ok := b[k]; !ok {
			t.Errorf("%s: %s only on one side", what, k)
		} else if v != w {
			t.Errorf("%s: %s differs", what, k)
		}
	}
}

func smallLimits(t *testing.T) {
	oldB, oldR, oldO, oldI := rowGroupBytes, rowGroupRows, maxOpen, idleRows
	rowGroupBytes, rowGroupRows, maxOpen, idleRows = 64<<10, 300, 3, 400
	t.Cleanup(func() { rowGroupBytes, rowGroupRows, maxOpen, idleRows = oldB, oldR, oldO, oldI })
}

// The output is the same, byte for byte, for any number of workers: one large file (whose
// batches several workers parse at once) and many small ones.
func TestReproducible(t *testing.T) {
	smallLimits(t)
	in := t.TempDir()
	genAudit(t, filepath.Join(in, "big-audit.log"), 20000, 12)
	var trees []map[string]string
	export := exportCopy(t)
	for _, j := range []int{1, 4, 3} {
		out := t.TempDir()
		st := convertOK(t, []string{in, export}, Options{Dir: out, Workers: j})
		if j == 1 && st.PartFiles < 30 {
			t.Errorf("only %d part files: the limits were not exercised", st.PartFiles)
		}
		trees = append(trees, treeOf(t, out))
	}
	sameTree(t, trees[0], trees[1], "-j 1 and -j 4")
	sameTree(t, trees[0], trees[2], "-j 1 and -j 3")
}

func TestLimitsKeepEveryRow(t *testing.T) {
	smallLimits(t)
	in := t.TempDir()
	genAudit(t, filepath.Join(in, "a.log"), 5000, 12)
	genAudit(t, filepath.Join(in, "b.log"), 3000, 1)
	out := t.TempDir()
	convertOK(t, []string{in}, Options{Dir: out, Workers: 2})
	checkSame(t, readDataset(t, out), expected(t, []string{in}, DefaultPartitionBy))
	// Several row groups in a file.
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "*", "*.parquet"))
	most := 0
	for _, p := range files {
		f, _ := os.Open(p)
		fi, _ := f.Stat()
		pf, err := parquet.OpenFile(f, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		most = max(most, len(pf.RowGroups()))
		f.Close()
	}
	if most < 2 {
		t.Errorf("no part file has more than %d row group", most)
	}
}

func gz(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

// A damaged input is reported, with its name and offset, in input order; the rest is converted.
func TestDamagedInput(t *testing.T) {
	in := t.TempDir()
	var lines strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&lines, "2026-12-01T10:00:%02d.000Z {\"verb\":\"get\",\"n\":%d}\n", i%60, i)
	}
	full := gz(t, lines.String())
	os.MkdirAll(filepath.Join(in, "e", "kube-apiserver-audit-1"), 0o755)
	os.MkdirAll(filepath.Join(in, "e", "kube-apiserver-audit-2"), 0o755)
	os.WriteFile(filepath.Join(in, "e", "kube-apiserver-audit-1", "000000.gz"), full[:len(full)/2], 0o644)
	os.WriteFile(filepath.Join(in, "e", "kube-apiserver-audit-2", "000000.gz"), full, 0o644)
	out := t.TempDir()
	var errs []error
	st, err := Convert(context.Background(), []string{in}, Options{Dir: out, Workers: 2,
		OnInputError: func(err error) { errs = append(errs, err) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 {
		t.Fatalf("errors %v, want one", errs)
	}
	var ie *scan.InputError
	if !errors.As(errs[0], &ie) || !strings.Contains(ie.Path, "kube-apiserver-audit-1") || ie.Offset <= 0 || !errors.Is(ie, scan.ErrTruncated) {
		t.Errorf("error %v", errs[0])
	}
	rows := readDataset(t, out)
	if len(rows) <= 3000 || len(rows) >= 6000 || int64(len(rows)) != st.Events || st.FilesFailed != 1 {
		t.Errorf("%d rows (stats %+v): want the intact file's 3000 and part of the damaged one", len(rows), st)
	}
	checkSame(t, rows, expected(t, []string{in}, DefaultPartitionBy))
}

// A rerun of the same inputs replaces its own files: the same names, nothing left of the first
// run that the second did not write, other runs' files untouched.
func TestRerun(t *testing.T) {
	in := exportCopy(t)
	out := t.TempDir()
	convertOK(t, []string{in}, Options{Dir: out})
	first := treeOf(t, out)
	var name, part string
	for k := range first {
		name, part = filepath.Base(k), filepath.Dir(k)
		break
	}
	// An earlier run of the same inputs that wrote one more file, a killed run's temporary
	// file, and another input list's file.
	list, rest, _ := strings.Cut(strings.TrimPrefix(name, PartPrefix), "-")
	stale := filepath.Join(out, part, PartPrefix+list+"-000000-999.parquet")
	tmp := filepath.Join(out, part, "."+PartPrefix+list+"-000001-000.parquet.tmp")
	other := filepath.Join(out, part, PartPrefix+"0123456789ab-"+rest)
	for _, p := range []string{stale, tmp, other} {
		os.WriteFile(p, []byte("old"), 0o644)
	}
	st := convertOK(t, []string{in}, Options{Dir: out})
	if st.Removed != 1 {
		t.Errorf("%d files removed, want 1", st.Removed)
	}
	for _, p := range []string{stale, tmp} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left", p)
		}
	}
	second := treeOf(t, out)
	otherRel, _ := filepath.Rel(out, other)
	if second[otherRel] != "old" {
		t.Errorf("another input list's file was touched")
	}
	delete(second, otherRel)
	sameTree(t, first, second, "first and second run")
}

// A cancelled conversion leaves the folder as it was.
func TestCancelledLeavesNothing(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	in := t.TempDir()
	genAudit(t, filepath.Join(in, "a.log"), 3000, 3)
	genAudit(t, filepath.Join(in, "b.log"), 3000, 3)
	n := 0
	_, err := Convert(ctx, []string{in}, Options{Dir: out, Workers: 1, OnInputError: func(error) {}})
	if err != nil {
		t.Fatal(err)
	}
	before := treeOf(t, out)
	// Cancel once the first file is done: its part files exist under temporary names then.
	out2 := t.TempDir()
	_, err = Convert(ctx, []string{in, "-"}, Options{Dir: out2, Workers: 1, Stdin: cancelReader{cancel, &n}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	if n == 0 {
		t.Error("the conversion did not reach stdin")
	}
	if left := treeOf(t, out2); len(left) != 0 {
		t.Errorf("a cancelled conversion left %d files", len(left))
	}
	if len(before) == 0 {
		t.Error("nothing converted")
	}
}

// cancelReader cancels the conversion when it is read (as stdin, after the files).
type cancelReader struct {
	cancel context.CancelFunc
	n      *int
}

func (c cancelReader) Read(p []byte) (int, error) {
	*c.n++
	c.cancel()
	time.Sleep(10 * time.Millisecond)
	return 0, context.Canceled
}

func TestStreamKind(t *testing.T) {
	for in, want := range map[string]string{
		"kube-apiserver-audit-e7b3cb08": "kube-apiserver-audit",
		"kube-apiserver-71976ca1":       "kube-apiserver",
		"authenticator-71976ca1":        "authenticator",
		"kube-controller-manager-f01c":  "kube-controller-manager",
		"kube-scheduler-bb3e":           "kube-scheduler",
		"cloud-controller-manager-1":    "cloud-controller-manager",
		"audit.log":                     "other",
		"":                              "other",
	} {
		if got := StreamKind(in); got != want {
			t.Errorf("StreamKind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePartitionBy(t *testing.T) {
	for in, want := range map[string]string{
		"date,hour,logstream_kind": "[0 1 2]",
		"stream, date":             "[2 0]",
		"none":                     "[]",
		"date,date":                "error",
		"day":                      "error",
		"":                         "error",
	} {
		k, err := ParsePartitionBy(in)
		got := fmt.Sprint(k)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("ParsePartitionBy(%q) = %s (%v), want %s", in, got, err, want)
		}
	}
}
