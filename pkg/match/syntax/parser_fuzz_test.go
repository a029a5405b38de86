package syntax

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are *Error inside the text, and that
// the canonical form of a successful parse is a fixed point.
func FuzzParse(f *testing.F) {
	for _, c := range parseSuccessCases {
		f.Add(c[0])
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := Parse(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %T is not a *Error", in, err)
			}
			if e.Offset < 0 || e.Offset > len(in) || e.Len < 1 {
				t.Fatalf("Parse(%q): bad error span %d+%d", in, e.Offset, e.Len)
			}
			return
		}
		s := q.String()
		q2, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not reparse: %v", in, s, err)
		}
		if s2 := q2.String(); s2 != s {
			t.Fatalf("Parse(%q): String() is not a fixed point:\nfirst  %s\nsecond %s", in, s, s2)
		}
	})
}
