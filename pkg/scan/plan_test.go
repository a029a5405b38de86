package scan

import "testing"

func TestCutContiguousBalanced(t *testing.T) {
	files := []File{{Size: 10}, {Size: 10}, {Size: 10}, {Size: 70}, {Size: 0}, {Size: 100}}
	for n := 1; n <= 9; n++ {
		cuts := Cut(files, n)
		if len(cuts) != n+1 || cuts[0] != 0 || cuts[n] != len(files) {
			t.Fatalf("n=%d: cuts %v", n, cuts)
		}
		for i := 0; i < n; i++ {
			if cuts[i] > cuts[i+1] {
				t.Fatalf("n=%d: cuts not increasing: %v", n, cuts)
			}
		}
		again := Cut(files, n)
		for i := range cuts {
			if cuts[i] != again[i] {
				t.Fatalf("n=%d: not deterministic", n)
			}
		}
	}
	if got := Cut(files, 2); got[1] != 4 && got[1] != 5 {
		t.Errorf("2 shards of 100+100 bytes cut at %v", got)
	}
	if got := Cut([]File{{}, {}, {}, {}}, 2); got[1] != 2 {
		t.Errorf("sizeless files cut by count: %v", got)
	}
	if got := Cut(nil, 3); len(got) != 4 || got[3] != 0 {
		t.Errorf("no files: %v", got)
	}
}

func TestListDigest(t *testing.T) {
	a := ListDigest([]File{{Path: "a", Size: 1}, {Path: "b", Size: 2}})
	if a != ListDigest([]File{{Path: "a", Size: 1}, {Path: "b", Size: 2}}) {
		t.Fatal("digest not deterministic")
	}
	for _, other := range [][]File{{{Path: "a", Size: 1}, {Path: "b", Size: 3}}, {{Path: "b", Size: 2}, {Path: "a", Size: 1}}, {{Path: "a", Size: 1}}} {
		if ListDigest(other) == a {
			t.Errorf("digest of %v equals", other)
		}
	}
}

func TestFileRangeKeepsGlobalIndex(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.log", "b.log", "c.log", "d.log"} {
		writeFile(t, dir+"/"+n, []byte("x\n"))
	}
	all := Expand([]string{dir}, false)
	if len(all) != 4 {
		t.Fatalf("expanded %d files", len(all))
	}
	seen := map[int]string{}
	var mu = make(chan struct{}, 1)
	err := Scan(t.Context(), []string{dir}, Options{FileLo: 1, FileHi: 3, HasFileRange: true}, func(_ int, b *Batch) error {
		mu <- struct{}{}
		seen[b.File.Index] = b.File.Path
		<-mu
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != all[1].Path || seen[2] != all[2].Path {
		t.Fatalf("scanned %v", seen)
	}
	if err := Scan(t.Context(), []string{dir}, Options{FileLo: 2, FileHi: 9, HasFileRange: true}, func(int, *Batch) error { return nil }); err == nil {
		t.Fatal("a range past the list is no error")
	}
}
