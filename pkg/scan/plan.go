package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"math/bits"
	"strconv"
)

// ListDigest identifies an input list for a sharded run: the SHA-256 of every file's path and
// size as listed (path, NUL, size in decimal, newline, in list order). It reads no file content:
// it tells that every shard sees the same list, cut the same way, not that the bytes are
// unchanged.
func ListDigest(files []File) string {
	h := sha256.New()
	var b []byte
	for _, f := range files {
		b = append(b[:0], f.Path...)
		b = append(b, 0)
		b = strconv.AppendInt(b, f.Size, 10)
		b = append(b, '\n')
		h.Write(b)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Cut splits files into n contiguous ranges of about equal total size: range i is
// [cuts[i], cuts[i+1]). A file goes to the shard in whose share of the total bytes its middle
// byte lies, so a shard may be empty (more shards than files, or one huge file). When the files
// have no known size they are cut by count. The result depends only on the sizes and n.
func Cut(files []File, n int) []int {
	if n < 1 {
		n = 1
	}
	var total uint64
	for _, f := range files {
		total += uint64(max(f.Size, 0))
	}
	cuts := make([]int, n+1)
	shard := make([]int, len(files))
	var before uint64
	for j, f := range files {
		sz := uint64(max(f.Size, 0))
		var s int
		if total == 0 {
			s = j * n / len(files)
		} else {
			// floor((2*before + sz) * n / (2*total)), in 128 bits.
			mid := 2*before + sz
			hi, lo := bits.Mul64(mid, uint64(n))
			q, _ := bits.Div64(hi, lo, 2*total)
			s = int(q)
		}
		shard[j] = min(s, n-1)
		before += sz
	}
	// cuts[i] is the first file of shard i or later.
	k := 0
	for i := 0; i <= n; i++ {
		for k < len(files) && shard[k] < i {
			k++
		}
		cuts[i] = k
	}
	cuts[n] = len(files)
	return cuts
}
