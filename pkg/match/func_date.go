package match

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	// The IANA zone names of formatDate/parseDate's timezone argument must resolve the same on
	// every machine, with or without a zoneinfo directory.
	_ "time/tzdata"
)

// This file holds the date-string functions of the newest Insights documentation (spec §8.4)
// and the hashing functions (CWL_QuerySyntax-hash-functions):
//
//	parseDate(fieldName: string, format: string [, timezone: string]) → number: "Parses a date
//	string to epoch milliseconds using a Java DateTimeFormatter pattern."
//	formatDate(timestamp: LogField, format: string [, timezone: string]) → string: "Formats a
//	timestamp using a strftime-style format string. Also available as the alias strftime."
//	md5(fieldName: string), sha256(fieldName: string) → string
//
// Both date functions default to UTC. A pattern is compiled once and cached; a constant pattern
// or zone that cannot work is refused when the query is compiled (funcDef.argCheck).

var dateFuncs = []*funcDef{
	{name: "parseDate", minArgs: 2, maxArgs: 3, fn: strict(fnParseDate),
		argCheck: map[int]func(string) error{1: checkJavaPattern, 2: checkZone}},
	{name: "formatDate", minArgs: 2, maxArgs: 3, fn: strict(fnFormatDate),
		argCheck: map[int]func(string) error{1: checkStrftime, 2: checkZone}},
	{name: "strftime", minArgs: 2, maxArgs: 3, fn: strict(fnFormatDate),
		argCheck: map[int]func(string) error{1: checkStrftime, 2: checkZone}},
	str1("md5", 1, 1, func(s []string) Value {
		h := md5.Sum([]byte(s[0]))
		return Str(hex.EncodeToString(h[:]))
	}),
	str1("sha256", 1, 1, func(s []string) Value {
		h := sha256.Sum256([]byte(s[0]))
		return Str(hex.EncodeToString(h[:]))
	}),
}

// dtKind is what one element of a compiled date pattern reads or writes.
type dtKind uint8

const (
	dtLit        dtKind = iota
	dtYear              // width 0: any number of digits; else exactly width
	dtYear2             // two digits, 2000-2099 when parsing
	dtMonth             // 1-12
	dtMonthShort        // Jan
	dtMonthLong         // January
	dtDay               // day of month
	dtYearDay           // day of year
	dtHour24            // 0-23
	dtHour12            // 1-12
	dtMinute
	dtSecond
	dtFrac      // fraction of a second, width digits
	dtAMPM      // AM/PM
	dtWeekShort // Mon
	dtWeekLong  // Monday
	dtWeekNum   // strftime %u (1-7, Monday 1) or %w (0-6, Sunday 0): width 1 or 0
	dtOffset    // zone offset; style says how
	dtZoneName  // zone abbreviation (UTC, GMT, JST...)
	dtZoneID    // IANA zone name (Europe/Paris)
	dtEpochSec  // seconds since the epoch
	dtSpaceDay  // strftime %e: day of month padded with a space
)

// Offset styles: whether Z stands for +00:00, and whether hours and minutes are separated.
const (
	offZ     = 1 // "Z" for zero
	offColon = 2 // +HH:MM
	offHour  = 4 // +HH only
)

type dtTok struct {
	kind  dtKind
	width int // digits: 0 means one or more (up to the field's natural maximum)
	style int
	lit   string
}

// dtCache holds compiled patterns and loaded zones, keyed by kind and text: a pattern or zone
// is usually a constant, and compiling it (or reading a zone from tzdata) on every event would
// cost more than the formatting. Workers read it without a lock.
var (
	dtCache  sync.Map // dtKey → dtCached
	dtCached atomic.Int64
)

type dtKey struct {
	kind byte
	s    string
}

type dtEntry struct {
	toks []dtTok
	loc  *time.Location
	err  error
}

// dtCacheMax bounds the cache: a pattern read from a field could be different on every row.
const dtCacheMax = 512

func dtLookup(k dtKey, make func() dtEntry) dtEntry {
	if e, ok := dtCache.Load(k); ok {
		return e.(dtEntry)
	}
	e := make()
	if dtCached.Load() < dtCacheMax {
		if _, loaded := dtCache.LoadOrStore(k, e); !loaded {
			dtCached.Add(1)
		}
	}
	return e
}

// dtCompile compiles a pattern with comp, through the cache.
func dtCompile(kind byte, pat string, comp func(string) ([]dtTok, error)) ([]dtTok, error) {
	e := dtLookup(dtKey{kind, pat}, func() dtEntry {
		toks, err := comp(pat)
		return dtEntry{toks: toks, err: err}
	})
	return e.toks, e.err
}

// zoneArg is the time zone of args[i], UTC when the argument is not given; ok is false for a
// value that is not a zone.
func zoneArg(args []Value, i int) (loc *time.Location, ok bool) {
	if len(args) <= i {
		return time.UTC, true
	}
	z, ok := toText(args[i])
	if !ok {
		return nil, false
	}
	e := dtLookup(dtKey{'z', z}, func() dtEntry {
		loc, err := loadZone(z)
		return dtEntry{loc: loc, err: err}
	})
	return e.loc, e.err == nil
}

func checkJavaPattern(p string) error { _, err := javaPattern(p); return err }
func checkStrftime(p string) error    { _, err := strftimePattern(p); return err }
func checkZone(z string) error        { _, err := loadZone(z); return err }

// loadZone reads a timezone argument: an IANA name, UTC/GMT/Z, or a fixed offset such as
// +09:00, -0500 or UTC+9.
func loadZone(z string) (*time.Location, error) {
	s := strings.TrimSpace(z)
	switch strings.ToUpper(s) {
	case "", "UTC", "GMT", "Z":
		return time.UTC, nil
	}
	u := strings.ToUpper(s)
	if rest, ok := strings.CutPrefix(u, "UTC"); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(u, "GMT"); ok {
		s = rest
	}
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if off, n, ok := parseOffset(s, 0); ok && n == len(s) {
			return time.FixedZone(z, off), nil
		}
		if h, err := strconv.Atoi(s[1:]); err == nil && h <= 18 {
			if s[0] == '-' {
				h = -h
			}
			return time.FixedZone(z, h*3600), nil
		}
		return nil, fmt.Errorf("unknown time zone %q: use a name such as Europe/Paris or an offset such as +09:00", z)
	}
	loc, err := time.LoadLocation(strings.TrimSpace(z))
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use a name such as Europe/Paris or an offset such as +09:00", z)
	}
	return loc, nil
}

// parseOffset reads +HH, +HHMM or +HH:MM at s[i:]; it returns the offset in seconds and the end.
func parseOffset(s string, i int) (int, int, bool) {
	if i >= len(s) || (s[i] != '+' && s[i] != '-') {
		return 0, i, false
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	j := i + 1
	h, j, ok := readDigits(s, j, 2, 2)
	if !ok || h > 18 {
		return 0, i, false
	}
	m := 0
	k := j
	if k < len(s) && s[k] == ':' {
		k++
	}
	if mm, e, ok := readDigits(s, k, 2, 2); ok && mm < 60 {
		m, j = mm, e
	}
	return sign * (h*3600 + m*60), j, true
}

// readDigits reads between lo and hi ASCII digits at s[i:], as many as there are.
func readDigits(s string, i, lo, hi int) (int, int, bool) {
	n, j := 0, i
	for j < len(s) && j-i < hi && s[j] >= '0' && s[j] <= '9' {
		n = n*10 + int(s[j]-'0')
		j++
	}
	if j-i < lo {
		return 0, i, false
	}
	return n, j, true
}

// javaPattern compiles a java.time DateTimeFormatter pattern: the letters y u M L d D H h m s S
// a E X x Z z V, text in single quotes (two single quotes are one quote), other characters
// literal.
func javaPattern(p string) ([]dtTok, error) {
	var toks []dtTok
	lit := func(s string) {
		if n := len(toks); n > 0 && toks[n-1].kind == dtLit {
			toks[n-1].lit += s
			return
		}
		toks = append(toks, dtTok{kind: dtLit, lit: s})
	}
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			if i+1 < len(p) && p[i+1] == '\'' {
				lit("'")
				i += 2
				continue
			}
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("the quoted text at character %d of the pattern is not closed with '", i+1)
			}
			// '' inside quoted text is one quote.
			lit(strings.ReplaceAll(p[i+1:i+1+end], "''", "'"))
			i += end + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			lit(p[i : i+1])
			i++
			continue
		}
		n := 1
		for i+n < len(p) && p[i+n] == c {
			n++
		}
		t, err := javaLetter(c, n)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i += n
	}
	return toks, nil
}

func javaLetter(c byte, n int) (dtTok, error) {
	num := func(k dtKind, max int) (dtTok, error) {
		if n > max {
			return dtTok{}, fmt.Errorf("pattern letter %c repeated %d times is not valid (at most %d)", c, n, max)
		}
		w := n
		if n == 1 {
			w = 0
		}
		return dtTok{kind: k, width: w}, nil
	}
	switch c {
	case 'y', 'u':
		switch n {
		case 2:
			return dtTok{kind: dtYear2, width: 2}, nil
		case 1:
			return dtTok{kind: dtYear}, nil
		}
		return dtTok{kind: dtYear, width: n}, nil
	case 'M', 'L':
		switch n {
		case 1, 2:
			return num(dtMonth, 2)
		case 3:
			return dtTok{kind: dtMonthShort}, nil
		case 4:
			return dtTok{kind: dtMonthLong}, nil
		}
	case 'd':
		return num(dtDay, 2)
	case 'D':
		return num(dtYearDay, 3)
	case 'H':
		return num(dtHour24, 2)
	case 'h':
		return num(dtHour12, 2)
	case 'm':
		return num(dtMinute, 2)
	case 's':
		return num(dtSecond, 2)
	case 'S':
		if n > 9 {
			break
		}
		return dtTok{kind: dtFrac, width: n}, nil
	case 'a':
		if n == 1 {
			return dtTok{kind: dtAMPM}, nil
		}
	case 'E':
		switch {
		case n <= 3:
			return dtTok{kind: dtWeekShort}, nil
		case n == 4:
			return dtTok{kind: dtWeekLong}, nil
		}
	case 'X', 'x':
		z := 0
		if c == 'X' {
			z = offZ
		}
		switch n {
		case 1:
			return dtTok{kind: dtOffset, style: z | offHour}, nil
		case 2, 4:
			return dtTok{kind: dtOffset, style: z}, nil
		case 3, 5:
			return dtTok{kind: dtOffset, style: z | offColon}, nil
		}
	case 'Z':
		switch {
		case n <= 3:
			return dtTok{kind: dtOffset}, nil
		case n == 5:
			return dtTok{kind: dtOffset, style: offZ | offColon}, nil
		}
	case 'z':
		if n <= 4 {
			return dtTok{kind: dtZoneName}, nil
		}
	case 'V':
		if n == 2 {
			return dtTok{kind: dtZoneID}, nil
		}
	default:
		return dtTok{}, fmt.Errorf("pattern letter %c is not supported (supported: y u M L d D H h m s S a E X x Z z VV; put literal text in '...')", c)
	}
	return dtTok{}, fmt.Errorf("pattern letter %c repeated %d times is not supported", c, n)
}

var (
	monthShort = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	monthLong  = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	weekShort  = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	weekLong   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// matchName finds which of names s[i:] starts with (case-insensitively), longest first.
func matchName(s string, i int, names []string) (int, int, bool) {
	best, end := -1, i
	for k, n := range names {
		if len(s)-i >= len(n) && strings.EqualFold(s[i:i+len(n)], n) && i+len(n) > end {
			best, end = k, i+len(n)
		}
	}
	return best, end, best >= 0
}

// dtParse reads s with a compiled Java pattern; fields the pattern lacks default to
// 1970-01-01 00:00:00, and a text without an offset is read in loc.
func dtParse(s string, toks []dtTok, loc *time.Location) (time.Time, bool) {
	year, month, day, yday := 1970, 1, 1, 0
	hour, minute, sec, nsec := 0, 0, 0, 0
	pm, hasAMPM, h12 := false, false, false
	i := 0
	for _, t := range toks {
		var ok bool
		var v int
		switch t.kind {
		case dtLit:
			if !strings.HasPrefix(s[i:], t.lit) {
				return time.Time{}, false
			}
			i += len(t.lit)
			continue
		case dtMonthShort, dtMonthLong:
			names := monthShort
			if t.kind == dtMonthLong {
				names = monthLong
			}
			if v, i, ok = matchName(s, i, names); !ok {
				return time.Time{}, false
			}
			month = v + 1
			continue
		case dtWeekShort, dtWeekLong:
			// The day of the week is read and ignored: the date fixes it.
			names := weekShort
			if t.kind == dtWeekLong {
				names = weekLong
			}
			if _, i, ok = matchName(s, i, names); !ok {
				return time.Time{}, false
			}
			continue
		case dtAMPM:
			if v, i, ok = matchName(s, i, []string{"AM", "PM"}); !ok {
				return time.Time{}, false
			}
			pm, hasAMPM = v == 1, true
			continue
		case dtOffset:
			if t.style&offZ != 0 && i < len(s) && s[i] == 'Z' {
				loc, i = time.UTC, i+1
				continue
			}
			var off int
			if off, i, ok = parseOffset(s, i); !ok {
				return time.Time{}, false
			}
			loc = time.FixedZone("", off)
			continue
		case dtZoneName, dtZoneID:
			j := i
			for j < len(s) && (s[j] == '/' || s[j] == '_' || s[j] == '+' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z') {
				j++
			}
			l, err := loadZone(s[i:j])
			if j == i || err != nil {
				return time.Time{}, false
			}
			loc, i = l, j
			continue
		case dtFrac:
			start := i
			if v, i, ok = readDigits(s, i, t.width, t.width); !ok {
				return time.Time{}, false
			}
			for k := i - start; k < 9; k++ {
				v *= 10
			}
			nsec = v
			continue
		}
		lo, hi := t.width, t.width
		if t.width == 0 {
			lo, hi = 1, 2
			switch t.kind {
			case dtYear:
				hi = 9
			case dtYearDay:
				hi = 3
			}
		}
		if v, i, ok = readDigits(s, i, lo, hi); !ok {
			return time.Time{}, false
		}
		switch t.kind {
		case dtYear:
			year = v
		case dtYear2:
			year = 2000 + v
		case dtMonth:
			month = v
		case dtDay:
			day = v
		case dtYearDay:
			yday = v
		case dtHour24:
			hour = v
		case dtHour12:
			hour, h12 = v, true
		case dtMinute:
			minute = v
		case dtSecond:
			sec = v
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	if h12 {
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		hour %= 12
	}
	if hasAMPM && pm {
		hour += 12
	}
	if month < 1 || month > 12 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if yday > 0 {
		t := time.Date(year, 1, yday, hour, minute, sec, nsec, loc)
		if t.Year() != year {
			return time.Time{}, false
		}
		return t, true
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	// time.Date normalises Feb 30 to Mar 2: such a date does not exist.
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, false
	}
	return t, true
}

func fnParseDate(_ *evalEnv, args []Value) Value {
	s, ok1 := toText(args[0])
	pat, ok2 := toText(args[1])
	if !ok1 || !ok2 {
		return absentValue
	}
	loc, ok := zoneArg(args, 2)
	if !ok {
		return absentValue
	}
	toks, err := dtCompile('j', pat, javaPattern)
	if err != nil {
		return absentValue
	}
	t, ok := dtParse(strings.TrimSpace(s), toks, loc)
	if !ok {
		return absentValue
	}
	return Num(float64(t.UnixMilli()))
}

// strftimePattern compiles a strftime format: %Y %y %m %d %e %j %H %I %M %S %L (milliseconds)
// %f (microseconds) %p %b %h %B %a %A %u %w %z %Z %s, the shorthands %F %T %D %R, and %n %t %%.
func strftimePattern(p string) ([]dtTok, error) {
	var toks []dtTok
	lit := func(s string) {
		if n := len(toks); n > 0 && toks[n-1].kind == dtLit {
			toks[n-1].lit += s
			return
		}
		toks = append(toks, dtTok{kind: dtLit, lit: s})
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			lit(p[i : i+1])
			continue
		}
		if i+1 == len(p) {
			return nil, fmt.Errorf("the format ends with a lone %%: write %%%% for a percent sign")
		}
		i++
		var add []dtTok
		switch d := p[i]; d {
		case 'Y':
			add = []dtTok{{kind: dtYear, width: 4}}
		case 'y':
			add = []dtTok{{kind: dtYear2, width: 2}}
		case 'm':
			add = []dtTok{{kind: dtMonth, width: 2}}
		case 'd':
			add = []dtTok{{kind: dtDay, width: 2}}
		case 'e':
			add = []dtTok{{kind: dtSpaceDay}}
		case 'j':
			add = []dtTok{{kind: dtYearDay, width: 3}}
		case 'H':
			add = []dtTok{{kind: dtHour24, width: 2}}
		case 'I':
			add = []dtTok{{kind: dtHour12, width: 2}}
		case 'M':
			add = []dtTok{{kind: dtMinute, width: 2}}
		case 'S':
			add = []dtTok{{kind: dtSecond, width: 2}}
		case 'L':
			add = []dtTok{{kind: dtFrac, width: 3}}
		case 'f':
			add = []dtTok{{kind: dtFrac, width: 6}}
		case 'p':
			add = []dtTok{{kind: dtAMPM}}
		case 'b', 'h':
			add = []dtTok{{kind: dtMonthShort}}
		case 'B':
			add = []dtTok{{kind: dtMonthLong}}
		case 'a':
			add = []dtTok{{kind: dtWeekShort}}
		case 'A':
			add = []dtTok{{kind: dtWeekLong}}
		case 'u':
			add = []dtTok{{kind: dtWeekNum, width: 1}}
		case 'w':
			add = []dtTok{{kind: dtWeekNum}}
		case 'z':
			add = []dtTok{{kind: dtOffset}}
		case 'Z':
			add = []dtTok{{kind: dtZoneName}}
		case 's':
			add = []dtTok{{kind: dtEpochSec}}
		case 'F':
			add = []dtTok{{kind: dtYear, width: 4}, {kind: dtLit, lit: "-"}, {kind: dtMonth, width: 2}, {kind: dtLit, lit: "-"}, {kind: dtDay, width: 2}}
		case 'T':
			add = []dtTok{{kind: dtHour24, width: 2}, {kind: dtLit, lit: ":"}, {kind: dtMinute, width: 2}, {kind: dtLit, lit: ":"}, {kind: dtSecond, width: 2}}
		case 'R':
			add = []dtTok{{kind: dtHour24, width: 2}, {kind: dtLit, lit: ":"}, {kind: dtMinute, width: 2}}
		case 'D':
			add = []dtTok{{kind: dtMonth, width: 2}, {kind: dtLit, lit: "/"}, {kind: dtDay, width: 2}, {kind: dtLit, lit: "/"}, {kind: dtYear2, width: 2}}
		case 'n':
			lit("\n")
		case 't':
			lit("\t")
		case '%':
			lit("%")
		default:
			return nil, fmt.Errorf("%%%c is not a supported strftime directive (supported: %%Y %%y %%m %%d %%e %%j %%H %%I %%M %%S %%L %%f %%p %%b %%B %%a %%A %%u %%w %%z %%Z %%s %%F %%T %%D %%R %%n %%t %%%%)", d)
		}
		for _, t := range add {
			if t.kind == dtLit {
				lit(t.lit)
			} else {
				toks = append(toks, t)
			}
		}
	}
	return toks, nil
}

// dtFormat writes t with a compiled strftime pattern.
func dtFormat(t time.Time, toks []dtTok) string {
	var b []byte
	pad := func(v, w int) {
		s := strconv.Itoa(v)
		for k := len(s); k < w; k++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	for _, k := range toks {
		switch k.kind {
		case dtLit:
			b = append(b, k.lit...)
		case dtYear:
			pad(t.Year(), k.width)
		case dtYear2:
			pad(t.Year()%100, 2)
		case dtMonth:
			pad(int(t.Month()), 2)
		case dtDay:
			pad(t.Day(), 2)
		case dtSpaceDay:
			if t.Day() < 10 {
				b = append(b, ' ')
			}
			pad(t.Day(), 1)
		case dtYearDay:
			pad(t.YearDay(), 3)
		case dtHour24:
			pad(t.Hour(), 2)
		case dtHour12:
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, 2)
		case dtMinute:
			pad(t.Minute(), 2)
		case dtSecond:
			pad(t.Second(), 2)
		case dtFrac:
			f := t.Nanosecond()
			for w := 9; w > k.width; w-- {
				f /= 10
			}
			pad(f, k.width)
		case dtAMPM:
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case dtMonthShort:
			b = append(b, monthShort[t.Month()-1]...)
		case dtMonthLong:
			b = append(b, monthLong[t.Month()-1]...)
		case dtWeekShort:
			b = append(b, weekShort[t.Weekday()]...)
		case dtWeekLong:
			b = append(b, weekLong[t.Weekday()]...)
		case dtWeekNum:
			w := int(t.Weekday())
			if k.width == 1 && w == 0 {
				w = 7
			}
			pad(w, 1)
		case dtOffset:
			b = t.AppendFormat(b, "-0700")
		case dtZoneName:
			b = t.AppendFormat(b, "MST")
		case dtEpochSec:
			b = strconv.AppendInt(b, t.Unix(), 10)
		}
	}
	return string(b)
}

// dateArgTime reads formatDate's timestamp: a timestamp, a number of epoch ms, or an RFC 3339
// date string such as an audit event's requestReceivedTimestamp.
func dateArgTime(v Value) (time.Time, bool) {
	if ms, ok := timeArgMs(v); ok {
		return time.UnixMilli(ms), true
	}
	if v.Kind == String {
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v.Str)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func fnFormatDate(_ *evalEnv, args []Value) Value {
	t, ok := dateArgTime(args[0])
	pat, ok2 := toText(args[1])
	if !ok || !ok2 {
		return absentValue
	}
	loc, ok := zoneArg(args, 2)
	if !ok {
		return absentValue
	}
	toks, err := dtCompile('s', pat, strftimePattern)
	if err != nil {
		return absentValue
	}
	return Str(dtFormat(t.In(loc), toks))
}
