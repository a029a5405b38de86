package match

import "container/heap"

// topK keeps a worker's best rows for `sort ... | limit N` (STYLE.md item 7): memory is bounded
// by N whatever the input size. The heap's root is the row that sorts last, the first to go.
type topK struct {
	x    *executor
	rows []outRow
}

func (h *topK) Len() int           { return len(h.rows) }
func (h *topK) Less(i, j int) bool { return h.x.before(&h.rows[j], &h.rows[i]) }
func (h *topK) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *topK) Push(v any)         { h.rows = append(h.rows, v.(outRow)) }
func (h *topK) Pop() any {
	v := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return v
}

// before reports whether row a comes before row b in the output: by the sort keys, then in input
// order (the sort is stable).
func (x *executor) before(a, b *outRow) bool {
	for k, key := range x.p.sortKeys {
		if c := sortKeyCompare(a.sortV[k], b.sortV[k], key.desc); c != 0 {
			return c < 0
		}
	}
	return a.ord < b.ord
}

// wants reports whether a row with these sort values would enter a full heap; it lets a worker
// skip building (and cloning) rows that cannot make the cut.
func (h *topK) wants(sortV []Value, ord uint64, k int) bool {
	if len(h.rows) < k {
		return true
	}
	probe := outRow{sortV: sortV, ord: ord}
	return h.x.before(&probe, &h.rows[0])
}

func (h *topK) add(row outRow, k int) {
	if len(h.rows) < k {
		heap.Push(h, row)
		return
	}
	h.rows[0] = row
	heap.Fix(h, 0)
}
