package syntax

import "strings"

// This file finds the name a misspelt word most likely stands for, for "did you mean" hints.

// Suggest returns the candidate closest to word (case-insensitively) by optimal string
// alignment distance (an edit is an insertion, a deletion, a substitution or a swap of two
// neighbours), when it is close enough to be a plausible typo: at most 1 edit for words of up
// to 4 letters, 2 for longer ones, and fewer edits than the word has letters. Ties go to the
// earlier candidate. It returns "" when no candidate is close.
func Suggest(word string, candidates []string) string {
	w := strings.ToLower(word)
	limit := 1
	if len(w) > 4 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == w {
			continue
		}
		if d := osaDistance(w, lc); d < bestD && d < len(w) {
			best, bestD = c, d
		}
	}
	return best
}

// osaDistance is the optimal string alignment distance between a and b (bytes).
func osaDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
