package syntax

import "testing"

func TestSuggest(t *testing.T) {
	cands := []string{"fields", "filter", "stats", "sort", "limit", "by", "desc", "count", "count_distinct"}
	for _, tc := range []struct{ word, want string }{
		{"fliter", "filter"}, // a swap is one edit
		{"FEILDS", "fields"}, // case-insensitive
		{"stat", "stats"},    // a deletion
		{"sotr", "sort"},     // a swap in a short word
		{"bye", "by"},        // an insertion
		{"cout", "count"},    // a deletion
		{"count_distict", "count_distinct"},
		{"filter", ""}, // the word itself is not a suggestion
		{"foo", ""},    // too far
		{"b", ""},      // a one-letter word is never "fixed" into another
		{"xyzzy", ""},
	} {
		if got := Suggest(tc.word, cands); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestWhere(t *testing.T) {
	if got := whereIn("filter (a", 7); got != "column 8" {
		t.Errorf("single line: %q", got)
	}
	if got := whereIn("fields a\n| filter é(b", 20); got != "line 2, column 11" {
		t.Errorf("second line, after a 2-byte rune: %q", got)
	}
}
