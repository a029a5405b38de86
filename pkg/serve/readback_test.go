package serve

import (
	"bytes"
	"encoding/csv"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func readCSV(b []byte) ([][]string, error) {
	return csv.NewReader(bytes.NewReader(b)).ReadAll()
}

// readParquet reads a downloaded Parquet file back with parquet-go: the column names, the rows
// (nil for a null; int64, float64, bool or string otherwise) and the key=value metadata.
func readParquet(t *testing.T, b []byte) (cols []string, rows [][]any, meta map[string]string) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the file does not open: %v", err)
	}
	for _, fl := range f.Schema().Fields() {
		cols = append(cols, fl.Name())
	}
	meta = map[string]string{}
	for _, kv := range f.Metadata().KeyValueMetadata {
		meta[kv.Key] = kv.Value
	}
	for _, rg := range f.RowGroups() {
		rr := rg.Rows()
		buf := make([]parquet.Row, 64)
		for {
			n, err := rr.ReadRows(buf)
			for _, row := range buf[:n] {
				vals := make([]any, len(cols))
				for _, v := range row {
					vals[v.Column()] = goValue(v)
				}
				rows = append(rows, vals)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		rr.Close()
	}
	if int64(len(rows)) != f.NumRows() {
		t.Errorf("read %d rows, the footer says %d", len(rows), f.NumRows())
	}
	return cols, rows, meta
}

func goValue(v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return v.Double()
	case parquet.Boolean:
		return v.Boolean()
	case parquet.ByteArray:
		return string(v.ByteArray())
	}
	return v.String()
}
