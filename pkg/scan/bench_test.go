package scan

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkScanExportGzip scans ~20 MB of CloudWatch export lines (audit events) gzipped in one
// file; bytes are uncompressed bytes.
func BenchmarkScanExportGzip(b *testing.B) {
	var raw bytes.Buffer
	for i := 0; raw.Len() < 20<<20; i++ {
		fmt.Fprintf(&raw, `2021-08-11T10:%02d:%02d.%03dZ {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%08x-3c5f-4ad4-b5b7-3f5a1c2d4e6f","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/configmaps/cm-%d","verb":"get","user":{"username":"system:serviceaccount:kube-system:generic","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.%d.%d"],"responseStatus":{"code":200},"requestReceivedTimestamp":"2021-08-11T10:09:43.095123Z","stageTimestamp":"2021-08-11T10:09:43.098765Z"}`+"\n",
			i/60%60, i%60, i%1000, i, i%97, i%256, i%200)
	}
	p := writeFile(b, filepath.Join(b.TempDir(), "000000.gz"), gz(raw.Bytes()))
	var want int64
	b.SetBytes(int64(raw.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var n int64
		err := Scan(context.Background(), []string{p}, Options{Workers: 1}, func(_ int, bt *Batch) error {
			n += int64(len(bt.Records))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if want == 0 {
			want = n
		}
		if n != want || n == 0 {
			panic(fmt.Sprintf("BUG: %d records, want %d", n, want))
		}
	}
}
