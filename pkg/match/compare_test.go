package match

import (
	"math/rand"
	"slices"
	"testing"
)

func TestCompareValuesCoercion(t *testing.T) {
	absent := absentValue
	list := Value{Kind: List, Elems: []Value{Num(1)}}
	mp := Value{Kind: Map, Keys: []string{"a"}, Elems: []Value{Num(1)}}
	tests := []struct {
		name string
		a, b Value
		c    int
		ok   bool
	}{
		{"number 401 = string 401", NumLexeme(401, "401"), Str("401"), 0, true},
		{"string 401.0 = number 401", Str("401.0"), Num(401), 0, true},
		{"abc < abd", Str("abc"), Str("abd"), -1, true},
		{"case-sensitive A < a", Str("A"), Str("a"), -1, true},
		{"10 > 9 numeric", Str("10"), Num(9), 1, true},
		{"10 > 9 both strings numeric", Str("10"), Str("9"), 1, true},
		{"10 < 9a as strings", Str("10"), Str("9a"), -1, true},
		{"number vs non-numeric string", Num(10), Str("9a"), -1, true},
		{"1e3 = 1000", Str("1e3"), Num(1000), 0, true},
		{" 1 is not numeric", Str(" 1"), Num(1), -1, true},
		{"bool true = 1", BoolV(true), Num(1), 0, true},
		{"json bool true = \"true\"", Value{Kind: Bool, Num: 1, Str: "true"}, Str("true"), 0, true},
		{"time vs ms", TimeMs(1000), Num(999), 1, true},
		{"time vs time", TimeMs(5), TimeMs(5), 0, true},
		{"absent vs string", absent, Str(""), 0, false},
		{"string vs absent", Str("x"), absent, 0, false},
		{"absent vs absent", absent, absent, 0, false},
		{"list vs number", list, Num(1), 0, false},
		{"map vs string", Str("{}"), mp, 0, false},
		{"empty strings", Str(""), Str(""), 0, true},
		{"unicode code point", Str("é"), Str("z"), 1, true},
	}
	for _, tt := range tests {
		c, ok := compareValues(tt.a, tt.b)
		if c != tt.c || ok != tt.ok {
			t.Errorf("%s: compareValues = %d,%v want %d,%v", tt.name, c, ok, tt.c, tt.ok)
		}
	}
	if eq, ok := equalValues(NumLexeme(401, "401"), Str("401")); !eq || !ok {
		t.Errorf("401 = \"401\" should be true")
	}
	if eq, ok := equalValues(absentValue, Str("401")); eq || ok {
		t.Errorf("absent = \"401\" should be unknown")
	}
}

func TestArith(t *testing.T) {
	tests := []struct {
		op   byte
		a, b Value
		want Value
	}{
		{'+', Num(1), Num(2), Num(3)},
		{'+', Str("1.5"), Num(2), Num(3.5)},
		{'-', Num(1), Num(3), Num(-2)},
		{'*', Num(4), BoolV(true), Num(4)},
		{'/', Num(10), Num(4), Num(2.5)},
		{'/', Num(10), Num(0), absentValue},
		{'%', Num(10), Num(3), Num(1)},
		{'%', Num(-10), Num(3), Num(-1)},
		{'%', Num(10), Num(0), absentValue},
		{'^', Num(2), Num(3), Num(8)},
		{'+', Num(1), absentValue, absentValue},
		{'+', Str("x"), Num(1), absentValue},
		{'+', Value{Kind: List}, Num(1), absentValue},
		{'+', TimeMs(1000), Num(500), TimeMs(1500)},
		{'-', TimeMs(1000), Num(500), TimeMs(500)},
		{'+', Num(500), TimeMs(1000), TimeMs(1500)},
		{'-', TimeMs(1000), TimeMs(400), Num(600)},
		{'-', Num(0), Num(0), Num(0)},
		{'^', Num(10), Num(400), absentValue},
	}
	for _, tt := range tests {
		got := arith(tt.op, tt.a, tt.b)
		if !sameValue(got, tt.want) {
			t.Errorf("arith(%c, %+v, %+v) = %+v, want %+v", tt.op, tt.a, tt.b, got, tt.want)
		}
	}
	if got := negate(Str("5")); !sameValue(got, Num(-5)) {
		t.Errorf("negate(\"5\") = %+v", got)
	}
	if got := negate(Str("x")); got.Kind != Absent {
		t.Errorf("negate(\"x\") = %+v", got)
	}
}

// sameValue compares kind, rendered text and (for numbers) value.
func sameValue(a, b Value) bool {
	if a.Kind != b.Kind || a.Render() != b.Render() {
		return false
	}
	if a.Kind == List || a.Kind == Map {
		if len(a.Elems) != len(b.Elems) || !slices.Equal(a.Keys, b.Keys) {
			return false
		}
		for i := range a.Elems {
			if !sameValue(a.Elems[i], b.Elems[i]) {
				return false
			}
		}
	}
	return a.Kind == String || a.Num == b.Num
}

// documentedSortOrder is the ascending order listed in the sort documentation (spec §5.5).
var documentedSortOrder = []string{"!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A",
	"A9876fghj", "a12345hfh", "0", "01", "1", "2", "3"}

func TestNaturalCompareDocumentedOrder(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for trial := 0; trial < 200; trial++ {
		vals := make([]Value, len(documentedSortOrder))
		for i, s := range documentedSortOrder {
			vals[i] = Str(s)
		}
		r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
		slices.SortFunc(vals, naturalCompare)
		for i, v := range vals {
			if v.Str != documentedSortOrder[i] {
				got := make([]string, len(vals))
				for j, v := range vals {
					got[j] = v.Str
				}
				t.Fatalf("sorted = %q\nwant     %q", got, documentedSortOrder)
			}
		}
		// Descending is the exact reverse.
		slices.SortFunc(vals, func(a, b Value) int { return sortKeyCompare(a, b, true) })
		for i, v := range vals {
			if v.Str != documentedSortOrder[len(vals)-1-i] {
				t.Fatalf("descending order wrong at %d: %q", i, v.Str)
			}
		}
	}
	// Every pair is consistent (antisymmetric) and distinct values never tie.
	for i, a := range documentedSortOrder {
		for j, b := range documentedSortOrder {
			c := naturalCompare(Str(a), Str(b))
			if want := cmpInt(i, j); c != want {
				t.Errorf("naturalCompare(%q, %q) = %d, want %d", a, b, c, want)
			}
		}
	}
}

func TestNaturalCompareKinds(t *testing.T) {
	tests := []struct {
		a, b Value
		want int
	}{
		{Num(10), Str("9"), 1},
		{Num(10), Str("10"), 0},
		{NumLexeme(10, "10.0"), Str("10"), 1}, // equal numbers: by text
		{Str("-5"), Num(3), -1},
		{Str("1.5"), Str("1.25"), 1},
		{Str("1e5"), Num(1), -1}, // not a number value (A23)
		{Str("zzz"), Num(-1e9), -1},
		{TimeMs(2000), TimeMs(1000), 1},
		{TimeMs(1000), Num(999), 1},
		{Str("a2"), Str("a10"), -1},
		{Str("a10b"), Str("a10a"), 1},
		{Str("x"), absentValue, -1},
		{absentValue, absentValue, 0},
		{BoolV(true), Str("a"), 1},
	}
	for _, tt := range tests {
		if got := naturalCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalCompare(%+v, %+v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := naturalCompare(tt.b, tt.a); got != -tt.want {
			t.Errorf("naturalCompare(%+v, %+v) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
	// Absent last in both directions.
	for _, desc := range []bool{false, true} {
		if sortKeyCompare(absentValue, Str("a"), desc) != 1 || sortKeyCompare(Num(1), absentValue, desc) != -1 {
			t.Errorf("absent not last (desc=%v)", desc)
		}
	}
	if sortKeyCompare(Num(1), Num(2), true) != 1 || sortKeyCompare(Num(1), Num(2), false) != -1 {
		t.Errorf("desc not reversed")
	}
}
