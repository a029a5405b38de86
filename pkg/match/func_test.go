package match

import (
	"testing"
	"time"
)

func period(n int64, unit string) Value { return Value{Kind: Period, Num: float64(n), Str: unit} }

func tsv(s string) Value {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return TimeMs(t.UnixMilli())
}

func list(ss ...string) Value {
	el := make([]Value, len(ss))
	for i, s := range ss {
		el[i] = Str(s)
	}
	return Value{Kind: List, Elems: el}
}

func TestFuncs(t *testing.T) {
	evalEnv := &evalEnv{Now: time.Date(2024, 3, 1, 12, 0, 0, 500_000_000, time.UTC)}
	A := absentValue
	mp := Value{Kind: Map, Keys: []string{"a"}, Elems: []Value{Num(1)}}
	tests := []struct {
		name string
		args []Value
		want Value
	}{
		// §8.1 numeric
		{"abs", []Value{Num(-3.5)}, Num(3.5)},
		{"abs", []Value{Str("-2")}, Num(2)},
		{"abs", []Value{Str("x")}, A},
		{"abs", []Value{A}, A},
		{"ceil", []Value{Num(1.2)}, Num(2)},
		{"ceil", []Value{Num(-1.2)}, Num(-1)},
		{"floor", []Value{Num(-1.2)}, Num(-2)},
		{"floor", []Value{Num(7)}, Num(7)},
		{"greatest", []Value{Num(1), Str("5"), Num(3)}, Num(5)},
		{"greatest", []Value{Num(1), A, Str("x")}, Num(1)},
		{"greatest", []Value{A}, A},
		{"least", []Value{Num(1), Num(-5), Num(3)}, Num(-5)},
		{"log", []Value{Num(1)}, Num(0)},
		{"log", []Value{Num(0)}, A},
		{"sqrt", []Value{Num(16)}, Num(4)},
		{"sqrt", []Value{Num(-1)}, A},
		{"round", []Value{Num(2.5)}, Num(3)},
		{"round", []Value{Num(-2.5)}, Num(-3)},
		{"round", []Value{Num(2.4)}, Num(2)},
		{"round", []Value{Num(1.005), Num(2)}, Num(1.01)},
		{"round", []Value{Num(9.995), Num(2)}, Num(10)},
		{"round", []Value{Num(-0.125), Num(2)}, Num(-0.13)},
		{"round", []Value{Num(1234.5), Num(-2)}, Num(1200)},
		{"round", []Value{Num(3), Num(2)}, Num(3)},
		{"round", []Value{Num(-0.4)}, Num(0)},
		{"toNumber", []Value{Str(" 42 ")}, Num(42)},
		{"toNumber", []Value{Str("4x")}, A},
		{"toDouble", []Value{Str("1.5e1")}, Num(15)},
		{"toInt", []Value{Str("12.7")}, Num(12)},
		{"toInt", []Value{Str("-12.7")}, Num(-12)},
		{"toInt", []Value{Num(3e9)}, A},
		{"toLong", []Value{Num(3e9)}, Num(3e9)},
		{"TOINT", []Value{BoolV(true)}, Num(1)},
		{"haversine", []Value{Num(0), Num(0), Num(0), Num(1)}, Num(111.19492664455873)},
		// §8.2 general
		{"ispresent", []Value{A}, BoolV(false)},
		{"ispresent", []Value{Str("")}, BoolV(true)},
		{"isPresent", []Value{mp}, BoolV(true)},
		{"coalesce", []Value{A, A, Str(""), Str("x")}, Str("")},
		{"coalesce", []Value{A, Num(2)}, Num(2)},
		{"coalesce", []Value{A}, A},
		{"case", []Value{BoolV(false), Str("a"), BoolV(true), Str("b"), Str("c")}, Str("b")},
		{"case", []Value{BoolV(false), Str("a"), Str("dflt")}, Str("dflt")},
		{"case", []Value{A, Str("a")}, A},
		{"if", []Value{Num(1), Str("y"), Str("n")}, Str("y")},
		{"if", []Value{A, Str("y"), Str("n")}, Str("n")},
		{"isNumeric", []Value{Str("1.5")}, BoolV(true)},
		{"isNumeric", []Value{Str("1.5x")}, BoolV(false)},
		{"isNumeric", []Value{Num(3)}, BoolV(true)},
		{"isNumeric", []Value{A}, A},
		{"messageSize", []Value{Str("héllo")}, Num(6)},
		{"messageSize", []Value{A}, A},
		// §8.3 string
		{"isempty", []Value{A}, Num(1)},
		{"isempty", []Value{Str("")}, Num(1)},
		{"isempty", []Value{Str(" ")}, Num(0)},
		{"isempty", []Value{Num(0)}, Num(0)},
		{"isblank", []Value{A}, Num(1)},
		{"isblank", []Value{Str(" \t\n\u00a0\u2003")}, Num(1)},
		{"isblank", []Value{Str(" x ")}, Num(0)},
		{"concat", []Value{Str("a"), Num(1.5), A, BoolV(true), Str("z")}, Str("a1.51z")},
		{"concat", []Value{A, A}, A},
		{"concat", []Value{Str("a"), list("x")}, Str("a")},
		{"ltrim", []Value{Str("xyZxyfooxyZ"), Str("xyZ")}, Str("fooxyZ")},
		{"rtrim", []Value{Str("xyZfooxyxyZ"), Str("xyZ")}, Str("xyZfoo")},
		{"trim", []Value{Str("xyZxyfooxyxyZ"), Str("xyZ")}, Str("foo")},
		{"trim", []Value{Str(" \t foo bar \n")}, Str("foo bar")},
		{"ltrim", []Value{Str("  foo  ")}, Str("foo  ")},
		{"rtrim", []Value{Str("  foo  ")}, Str("  foo")},
		{"trim", []Value{A}, A},
		{"trim", []Value{mp}, A},
		{"strlen", []Value{Str("héllo")}, Num(5)},
		{"strlen", []Value{Num(401)}, Num(3)},
		{"strlen", []Value{A}, A},
		{"toupper", []Value{Str("abcÉé")}, Str("ABCÉÉ")},
		{"tolower", []Value{Str("ABC")}, Str("abc")},
		{"substr", []Value{Str("xyZfooxyZ"), Num(3), Num(3)}, Str("foo")},
		{"substr", []Value{Str("xyZfooxyZ"), Num(3)}, Str("fooxyZ")},
		{"substr", []Value{Str("xyZfooxyZ"), Num(7), Num(10)}, Str("yZ")},
		{"substr", []Value{Str("xyZ"), Num(5)}, Str("")},
		{"substr", []Value{Str("xyZ"), Num(-2), Num(2)}, Str("xy")},
		{"substr", []Value{Str("xyZ"), Num(1), Num(-1)}, Str("")},
		{"substr", []Value{Str("héllo"), Num(1), Num(2)}, Str("él")},
		{"substr", []Value{A, Num(1)}, A},
		{"replace", []Value{Str("foo"), Str("o"), Str("0")}, Str("f00")},
		{"replace", []Value{Str("a.b.c"), Str("."), Str("")}, Str("abc")},
		{"replace", []Value{Str("abc"), Str(""), Str("x")}, Str("abc")},
		{"strcontains", []Value{Str("Forbidden"), Str("bid")}, Num(1)},
		{"strcontains", []Value{Str("Forbidden"), Str("FOR")}, Num(0)},
		{"strcontains", []Value{Str("Forbidden"), Str("FOR"), BoolV(true)}, Num(1)},
		{"strcontains", []Value{A, Str("x")}, A},
		{"startsWith", []Value{Str("system:node"), Str("system:")}, Num(1)},
		{"startsWith", []Value{Str("system:node"), Str("node")}, Num(0)},
		{"endsWith", []Value{Str("system:node"), Str("node")}, Num(1)},
		{"regexReplace", []Value{Str("a1b22c"), Str(`\d+`), Str("#")}, Str("a#b#c")},
		{"regexReplace", []Value{Str("user=bob"), Str(`user=(\w+)`), Str("u:$1")}, Str("u:bob")},
		{"regexReplace", []Value{Str("x"), Str(`(`), Str("#")}, A},
		{"split", []Value{Str("a,b,,c"), Str(",")}, list("a", "b", "", "c")},
		{"urlencode", []Value{Str("a b&c=d/é")}, Str("a+b%26c%3Dd%2F%C3%A9")},
		{"urldecode", []Value{Str("a+b%26c%3Dd%2F%C3%A9")}, Str("a b&c=d/é")},
		{"urldecode", []Value{Str("%zz")}, A},
		{"base64encode", []Value{Str("hello")}, Str("aGVsbG8=")},
		{"base64decode", []Value{Str("aGVsbG8=")}, Str("hello")},
		{"base64decode", []Value{Str("aGVsbG8")}, Str("hello")},
		{"base64decode", []Value{Str("!!")}, A},
		{"hexToAscii", []Value{Str("48656c6c6f")}, Str("Hello")},
		{"hexToDec", []Value{Str("0xff")}, Num(255)},
		{"hexToDec", []Value{Str("ff")}, Num(255)},
		{"decToHex", []Value{Num(255.9)}, Str("0xff")},
		{"decToHex", []Value{Num(-255)}, Str("-0xff")},
		// §8.4 datetime
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "h")}, tsv("2024-03-01T12:00:00Z")},
		{"dateceil", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "h")}, tsv("2024-03-01T13:00:00Z")},
		{"dateceil", []Value{tsv("2024-03-01T12:00:00Z"), period(1, "h")}, tsv("2024-03-01T12:00:00Z")},
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(5, "m")}, tsv("2024-03-01T12:30:00Z")},
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(300, "s")}, tsv("2024-03-01T12:34:00Z")}, // cap 60s
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "d")}, tsv("2024-03-01T00:00:00Z")},
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "w")}, tsv("2024-02-26T00:00:00Z")}, // Monday
		{"datefloor", []Value{tsv("2024-02-26T00:00:00Z"), period(1, "w")}, tsv("2024-02-26T00:00:00Z")},
		{"dateceil", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "w")}, tsv("2024-03-04T00:00:00Z")},
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "mo")}, tsv("2024-03-01T00:00:00Z")},
		{"dateceil", []Value{tsv("2024-03-01T12:34:56.789Z"), period(1, "mo")}, tsv("2024-04-01T00:00:00Z")},
		{"dateceil", []Value{tsv("2024-12-15T00:00:00Z"), period(1, "mo")}, tsv("2025-01-01T00:00:00Z")},
		{"datefloor", []Value{tsv("2024-08-15T00:00:00Z"), period(1, "q")}, tsv("2024-07-01T00:00:00Z")},
		{"dateceil", []Value{tsv("2024-08-15T00:00:00Z"), period(1, "q")}, tsv("2024-10-01T00:00:00Z")},
		{"datefloor", []Value{tsv("2024-08-15T00:00:00Z"), period(1, "y")}, tsv("2024-01-01T00:00:00Z")},
		{"dateceil", []Value{tsv("2024-08-15T00:00:00Z"), period(1, "y")}, tsv("2025-01-01T00:00:00Z")},
		{"datefloor", []Value{tsv("1969-12-31T23:30:00Z"), period(1, "h")}, tsv("1969-12-31T23:00:00Z")},
		{"datefloor", []Value{Num(1709296496789), period(1, "h")}, tsv("2024-03-01T12:00:00Z")},
		{"datefloor", []Value{Str("1709296496789"), period(1, "h")}, tsv("2024-03-01T12:00:00Z")},
		{"datefloor", []Value{Str("yesterday"), period(1, "h")}, A},
		{"datefloor", []Value{A, period(1, "h")}, A},
		{"datefloor", []Value{tsv("2024-03-01T12:34:56.789Z"), Num(3600000)}, A},
		{"fromMillis", []Value{Num(1642195111000)}, tsv("2022-01-14T21:18:31Z")},
		{"toMillis", []Value{tsv("2022-01-14T13:18:31.000-08:00")}, Num(1642195111000)},
		{"toMillis", []Value{A}, A},
		{"now", nil, Num(1709294400)},
		// §8.5 IP
		{"isValidIp", []Value{Str("10.0.0.1")}, BoolV(true)},
		{"isValidIp", []Value{Str("2001:db8::1")}, BoolV(true)},
		{"isValidIp", []Value{Str("10.0.0.256")}, BoolV(false)},
		{"isValidIp", []Value{A}, A},
		{"isValidIpV4", []Value{Str("10.0.0.1")}, BoolV(true)},
		{"isValidIpV4", []Value{Str("::1")}, BoolV(false)},
		{"isValidIpV6", []Value{Str("::1")}, BoolV(true)},
		{"isIpInSubnet", []Value{Str("192.0.2.7"), Str("192.0.2.0/24")}, BoolV(true)},
		{"isIpInSubnet", []Value{Str("192.0.3.7"), Str("192.0.2.0/24")}, BoolV(false)},
		{"isIpInSubnet", []Value{Str("2001:db8::5"), Str("2001:db8::/32")}, BoolV(true)},
		{"isIpInSubnet", []Value{Str("::ffff:192.0.2.7"), Str("192.0.2.0/24")}, BoolV(true)},
		{"isIpInSubnet", []Value{Str("192.0.2.7"), Str("bogus")}, BoolV(false)},
		{"isIpv4InSubnet", []Value{Str("192.0.2.7"), Str("192.0.2.0/24")}, BoolV(true)},
		{"isIpv4InSubnet", []Value{Str("2001:db8::5"), Str("2001:db8::/32")}, BoolV(false)},
		{"isIpv6InSubnet", []Value{Str("2001:db8::5"), Str("2001:db8::/32")}, BoolV(true)},
		{"isPrivateIP", []Value{Str("172.16.5.4")}, BoolV(true)},
		{"isPrivateIP", []Value{Str("172.32.0.1")}, BoolV(false)},
		{"isPublicIP", []Value{Str("8.8.8.8")}, BoolV(true)},
		{"isPublicIP", []Value{Str("10.1.2.3")}, BoolV(false)},
		{"isPublicIP", []Value{Str("127.0.0.1")}, BoolV(false)},
		{"isReservedIP", []Value{Str("127.0.0.1")}, BoolV(true)},
		{"isReservedIP", []Value{Str("8.8.8.8")}, BoolV(false)},
		{"ipv4ToNumber", []Value{Str("10.0.0.1")}, Num(167772161)},
		{"ipv4ToNumber", []Value{Str("::1")}, A},
	}
	for _, tt := range tests {
		d := lookupFunc(tt.name)
		if d == nil {
			t.Errorf("lookupFunc(%q) = nil", tt.name)
			continue
		}
		if len(tt.args) < d.minArgs || (d.maxArgs >= 0 && len(tt.args) > d.maxArgs) {
			t.Errorf("%s: %d args outside [%d, %d]", tt.name, len(tt.args), d.minArgs, d.maxArgs)
		}
		got := d.fn(evalEnv, tt.args)
		if !sameValue(got, tt.want) {
			t.Errorf("%s(%v) = %+v (%q), want %+v (%q)", tt.name, tt.args, got, got.Render(), tt.want, tt.want.Render())
		}
	}
}

func TestFuncTable(t *testing.T) {
	for _, name := range []string{"bin", "jsonParse", "jsonStringify", "jsonArraySize", "jsonArrayContains", "nosuch"} {
		if lookupFunc(name) != nil {
			t.Errorf("lookupFunc(%q) should be nil", name)
		}
	}
	if d := lookupFunc("DATEFLOOR"); d == nil || d.name != "datefloor" {
		t.Errorf("case-insensitive lookup failed")
	}
	if d := lookupFunc("case"); d.maxArgs != 21 {
		t.Errorf("case allows at most 10 branches and a default")
	}
}

// The documented example: toMillis(@timestamp) of 2022-01-14T13:18:031.000-08:00 is
// 1642195111000, and fromMillis/toMillis round-trip.
func TestMillisRoundTrip(t *testing.T) {
	from, to := lookupFunc("fromMillis"), lookupFunc("toMillis")
	for _, ms := range []int64{0, 1642195111000, -1, 253402300799999} {
		tv := from.fn(nil, []Value{Num(float64(ms))})
		if tv.Kind != Time || tv.Ms() != ms {
			t.Errorf("fromMillis(%d) = %+v", ms, tv)
		}
		if n := to.fn(nil, []Value{tv}); n.Kind != Number || n.Num != float64(ms) {
			t.Errorf("toMillis(fromMillis(%d)) = %+v", ms, n)
		}
	}
	if got := from.fn(nil, []Value{Num(1642195111000)}).Render(); got != "2022-01-14 21:18:31.000" {
		t.Errorf("fromMillis renders %q", got)
	}
}
