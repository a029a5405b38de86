package match

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/auditgrep/auditgrep/pkg/match/syntax"
)

// TestDateAndHashFuncs: parseDate, formatDate/strftime, md5 and sha256. The first case of each
// date function is the documentation's own example (CWL_QuerySyntax-operations-functions,
// "Datetime functions"); the hashing page gives no examples, so the hashes are the RFC 1321 and
// FIPS 180-2 test vectors of "abc" and "".
func TestDateAndHashFuncs(t *testing.T) {
	ts := TimeMs(time.Date(2024, 3, 15, 13, 45, 30, 123_000_000, time.UTC).UnixMilli())
	A := absentValue
	tests := []struct {
		name string
		args []Value
		want Value
	}{
		// fields parseDate(field, "yyyy-MM-dd", "UTC") as epoch
		{"parseDate", []Value{Str("2024-03-15"), Str("yyyy-MM-dd"), Str("UTC")}, Num(1710460800000)},
		{"parseDate", []Value{Str("2024-03-15"), Str("yyyy-MM-dd")}, Num(1710460800000)},
		{"parseDate", []Value{Str("2024-03-15"), Str("yyyy-MM-dd"), Str("Asia/Tokyo")}, Num(1710460800000 - 9*3600_000)},
		{"parseDate", []Value{Str("2024-03-15"), Str("yyyy-MM-dd"), Str("+09:00")}, Num(1710460800000 - 9*3600_000)},
		{"parseDate", []Value{Str("2024-03-15T13:45:30.123Z"), Str("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")}, Num(1710510330123)},
		{"parseDate", []Value{Str("2024-03-15T13:45:30+01:00"), Str("yyyy-MM-dd'T'HH:mm:ssXXX"), Str("Asia/Tokyo")}, Num(1710510330000 - 3600_000)},
		{"parseDate", []Value{Str("15/Mar/2024:13:45:30 +0000"), Str("dd/MMM/yyyy:HH:mm:ss Z")}, Num(1710510330000)},
		{"parseDate", []Value{Str("Fri, 15 March 2024 01:45 PM"), Str("EEE, d MMMM yyyy hh:mm a")}, Num(1710510300000)},
		{"parseDate", []Value{Str("20240315"), Str("yyyyMMdd")}, Num(1710460800000)},
		{"parseDate", []Value{Str("24-3-5"), Str("yy-M-d")}, Num(1709596800000)},
		{"parseDate", []Value{Str("at 2024"), Str("'at' yyyy")}, Num(1704067200000)},
		{"parseDate", []Value{Str("2024-02-30"), Str("yyyy-MM-dd")}, A}, // no such day
		{"parseDate", []Value{Str("2024-03-15 extra"), Str("yyyy-MM-dd")}, A},
		{"parseDate", []Value{Str("15.03.2024"), Str("yyyy-MM-dd")}, A},
		{"parseDate", []Value{A, Str("yyyy-MM-dd")}, A},
		{"parseDate", []Value{Str("2024-03-15"), Str("yyyy-MM-dd"), Str("Mars/Olympus")}, A},
		// fields formatDate(@timestamp, "%Y-%m-%d", "UTC") as date
		{"formatDate", []Value{ts, Str("%Y-%m-%d"), Str("UTC")}, Str("2024-03-15")},
		{"formatDate", []Value{ts, Str("%Y-%m-%d")}, Str("2024-03-15")},
		{"strftime", []Value{ts, Str("%Y-%m-%d")}, Str("2024-03-15")},
		{"formatDate", []Value{ts, Str("%Y/%m/%d %H:%M:%S"), Str("Asia/Tokyo")}, Str("2024/03/15 22:45:30")},
		{"formatDate", []Value{ts, Str("%FT%T.%L%z")}, Str("2024-03-15T13:45:30.123+0000")},
		{"formatDate", []Value{ts, Str("%a %A %b %B %e %j %I %p %u %w %y %D %R %Z %s %%")}, Str("Fri Friday Mar March 15 075 01 PM 5 5 24 03/15/24 13:45 UTC 1710510330 %")},
		{"formatDate", []Value{Num(0), Str("%F %T")}, Str("1970-01-01 00:00:00")},
		{"formatDate", []Value{Str("2024-03-15T13:45:30Z"), Str("%H"), Str("-05:00")}, Str("08")},
		{"formatDate", []Value{Str("not a date"), Str("%F")}, A},
		{"formatDate", []Value{ts, Str("%Q")}, A},
		{"md5", []Value{Str("abc")}, Str("900150983cd24fb0d6963f7d28e17f72")},
		{"md5", []Value{Str("")}, Str("d41d8cd98f00b204e9800998ecf8427e")},
		{"md5", []Value{Num(42)}, Str("a1d0c6e83f027327d8461063f4ac58a6")},
		{"md5", []Value{A}, A},
		{"sha256", []Value{Str("abc")}, Str("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")},
		{"sha256", []Value{Str("")}, Str("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")},
	}
	for _, tt := range tests {
		d := lookupFunc(tt.name)
		if d == nil {
			t.Fatalf("lookupFunc(%q) = nil", tt.name)
		}
		got := d.fn(&evalEnv{}, tt.args)
		if !sameValue(got, tt.want) {
			t.Errorf("%s(%v) = %+v (%q), want %+v (%q)", tt.name, tt.args, got, got.Render(), tt.want, tt.want.Render())
		}
	}
}

// TestDateFuncsInQueries runs the documentation's examples as queries, and checks that a
// constant pattern or zone that can never work is refused with a caret at the argument.
func TestDateFuncsInQueries(t *testing.T) {
	runLangCases(t, Options{}, []langCase{
		{`filter verb = "delete" | fields parseDate("2024-03-15", "yyyy-MM-dd", "UTC") as epoch`, []string{"epoch=1710460800000"}},
		{`filter verb = "delete" | fields formatDate(@timestamp, "%Y-%m-%d", "UTC") as date`, []string{"date=1970-01-01"}},
		{`filter verb = "delete" | fields strftime(@timestamp, "%H:%M:%S") as t, md5(verb) as h`, []string{"t=00:01:43 h=099af53f601532dbd31e0ea99ffdeb64"}},
		{`filter verb = "delete" | fields sha256(user.username) as h`, []string{"h=2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90"}},
	})
	for _, tc := range []struct{ q, at, msg string }{
		{`fields parseDate(x, "yyyy-MM-dd QQ")`, `"yyyy-MM-dd QQ"`, "parseDate(): pattern letter Q is not supported"},
		{`fields parseDate(x, "yyyy", "Mars/Olympus")`, `"Mars/Olympus"`, `parseDate(): unknown time zone "Mars/Olympus"`},
		{`fields formatDate(@timestamp, "%Y-%Q")`, `"%Y-%Q"`, "formatDate(): %Q is not a supported strftime directive"},
		{`fields strftime(@timestamp, "100%")`, `"100%"`, "strftime(): the format ends with a lone %"},
		{`fields parseDate(x, "'T")`, `"'T"`, "parseDate(): the quoted text at character 1 of the pattern is not closed"},
	} {
		_, err := Compile(tc.q, Options{})
		var se *syntax.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a *syntax.Error", tc.q, err)
			continue
		}
		if got := tc.q[se.Offset : se.Offset+se.Len]; got != tc.at || !strings.HasPrefix(se.Msg, tc.msg) {
			t.Errorf("%s: error at %q: %s; want at %q: %s...", tc.q, got, se.Msg, tc.at, tc.msg)
		}
	}
}
