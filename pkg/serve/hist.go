package serve

import (
	"sort"
)

// histogram counts result rows over time in at most maxBuckets buckets. The span of the result
// is not known until the run ends, so the bucket width starts at a second and steps up the
// ladder (re-bucketing what it has) whenever the rows seen so far span more buckets than that:
// memory stays flat however many rows there are.
type histogram struct {
	width   int64 // milliseconds
	buckets map[int64]int64
	lo, hi  int64 // the bucket keys seen, for the span
	n       int64
	dropped int64 // rows not counted: see add
}

const maxBuckets = 120

var bucketLadder = []int64{
	1e3, 2e3, 5e3, 10e3, 15e3, 30e3, // seconds
	60e3, 2 * 60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, // minutes
	3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, // hours
	86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3, 91 * 86400e3, 365 * 86400e3,
}

func newHistogram() *histogram {
	return &histogram{width: bucketLadder[0], buckets: map[int64]int64{}}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (h *histogram) add(ms int64) {
	k := floorDiv(ms, h.width)
	if _, ok := h.buckets[k]; !ok && len(h.buckets) >= 4*maxBuckets {
		// Only at the widest bucket, with timestamps centuries apart: bounded all the same.
		h.dropped++
		return
	}
	if h.n == 0 {
		h.lo, h.hi = k, k
	} else {
		h.lo, h.hi = min(h.lo, k), max(h.hi, k)
	}
	h.buckets[k]++
	h.n++
	for h.hi-h.lo >= maxBuckets && h.width < bucketLadder[len(bucketLadder)-1] {
		h.widen()
	}
}

// widen moves to the next width of the ladder and re-buckets.
func (h *histogram) widen() {
	next := h.width
	for _, w := range bucketLadder {
		if w > h.width {
			next = w
			break
		}
	}
	nb := make(map[int64]int64, len(h.buckets))
	for k, c := range h.buckets {
		nb[floorDiv(k*h.width, next)] += c
	}
	h.lo, h.hi = floorDiv(h.lo*h.width, next), floorDiv(h.hi*h.width, next)
	h.width, h.buckets = next, nb
}

// histJSON is the histogram as the page draws it: every bucket from the first to the last,
// empty ones included, as [start ms, count].
type histJSON struct {
	Width   int64      `json:"width"`
	Buckets [][2]int64 `json:"buckets"`
	Count   int64      `json:"count"`
	Dropped int64      `json:"dropped,omitempty"`
}

func (h *histogram) snapshot() histJSON {
	out := histJSON{Width: h.width, Count: h.n, Dropped: h.dropped, Buckets: [][2]int64{}}
	if h.n == 0 {
		return out
	}
	if h.hi-h.lo > 4*maxBuckets {
		// Timestamps centuries apart (the widest bucket is a year): the non-empty buckets only.
		keys := make([]int64, 0, len(h.buckets))
		for k := range h.buckets {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, k := range keys {
			out.Buckets = append(out.Buckets, [2]int64{k * h.width, h.buckets[k]})
		}
		return out
	}
	for k := h.lo; k <= h.hi; k++ {
		out.Buckets = append(out.Buckets, [2]int64{k * h.width, h.buckets[k]})
	}
	return out
}
