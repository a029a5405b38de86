package serve

import "testing"

// TestHistogramBounded: however far apart the rows are, the buckets stay few, every row is
// counted, and the width is the narrowest of the ladder that fits.
func TestHistogramBounded(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ms        []int64
		wantWidth int64
	}{
		{"one second", []int64{1000, 1500, 1999}, 1000},
		{"two minutes by seconds", seqMs(0, 120e3, 1e3), 1000},
		{"two hours by seconds", seqMs(1628672400000, 1628672400000+2*3600e3, 1e3), 60e3},
		{"a year by hours", seqMs(0, 365*86400e3, 3600e3), 7 * 86400e3},
		{"negative times", seqMs(-3600e3, 3600e3, 10e3), 60e3},
	} {
		h := newHistogram()
		for _, ms := range tc.ms {
			h.add(ms)
		}
		s := h.snapshot()
		var sum int64
		for i, b := range s.Buckets {
			sum += b[1]
			if i > 0 && b[0]-s.Buckets[i-1][0] != s.Width {
				t.Errorf("%s: bucket %d starts at %d, after %d", tc.name, i, b[0], s.Buckets[i-1][0])
			}
		}
		if sum != int64(len(tc.ms)) || s.Count != int64(len(tc.ms)) || len(s.Buckets) > maxBuckets || s.Width != tc.wantWidth {
			t.Errorf("%s: %d rows in %d buckets of %d ms (count %d); want %d rows, width %d, at most %d buckets",
				tc.name, sum, len(s.Buckets), s.Width, s.Count, len(tc.ms), tc.wantWidth, maxBuckets)
		}
	}
}

func seqMs(lo, hi, step int64) []int64 {
	var out []int64
	for v := lo; v < hi; v += step {
		out = append(out, v)
	}
	return out
}
