package scan

import "bytes"

// exportTSLen is the length of the "YYYY-MM-DDTHH:MM:SS.mmmZ" prefix of a CloudWatch export line;
// a space follows it.
const exportTSLen = 24

// detectFormat decides the framing of a file from the first bytes of its decompressed content.
func detectFormat(head []byte) Format {
	// Leading blank lines do not decide anything.
	head = bytes.TrimLeft(head, "\r\n\t ")
	if _, ok := exportTime(head); ok {
		return FormatExport
	}
	if len(head) > 0 && head[0] == '{' {
		if isEnvelope(head) {
			return FormatFirehose
		}
		return FormatAudit
	}
	return FormatText
}

// exportTime parses the "YYYY-MM-DDTHH:MM:SS.mmmZ " prefix of a CloudWatch export line into epoch
// milliseconds.
func exportTime(line []byte) (int64, bool) {
	if len(line) < exportTSLen+1 || line[exportTSLen] != ' ' || line[10] != 'T' ||
		line[19] != '.' || line[23] != 'Z' {
		return 0, false
	}
	ms, ok := digits(line[20:23])
	if !ok {
		return 0, false
	}
	t, ok := dateTime(line[:19])
	if !ok {
		return 0, false
	}
	return t*1000 + int64(ms), true
}

// dateTime parses "YYYY-MM-DD?HH:MM:SS" (any separator between date and time) into epoch seconds,
// UTC, checking the ranges of every field.
func dateTime(s []byte) (int64, bool) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	h, ok4 := digits(s[11:13])
	mi, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 60 {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	return days*86400 + int64(h*3600+mi*60+sec), true
}

// rfc3339Millis parses an RFC 3339 timestamp ("2021-10-27T05:43:01.042364Z", "...+02:00") into
// epoch milliseconds, truncating the fraction. It also takes a space for the 'T' and a missing zone
// (read as UTC), as some pipelines rewrite audit timestamps that way.
func rfc3339Millis(s []byte) (int64, bool) {
	if len(s) < 19 {
		return 0, false
	}
	switch s[10] {
	case 'T', 't', ' ':
	default:
		return 0, false
	}
	secs, ok := dateTime(s[:19])
	if !ok {
		return 0, false
	}
	ms := int64(0)
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start < 3 {
				ms = ms*10 + int64(s[i]-'0')
			}
			i++
		}
		n := i - start
		if n == 0 {
			return 0, false
		}
		for ; n < 3; n++ {
			ms *= 10
		}
	}
	if i < len(s) {
		switch s[i] {
		case 'Z', 'z':
			i++
		case '+', '-':
			if len(s)-i != 6 || s[i+3] != ':' {
				return 0, false
			}
			oh, ok1 := digits(s[i+1 : i+3])
			om, ok2 := digits(s[i+4 : i+6])
			if !ok1 || !ok2 || oh > 23 || om > 59 {
				return 0, false
			}
			off := int64(oh*3600 + om*60)
			if s[i] == '+' {
				off = -off
			}
			secs += off
			i += 6
		default:
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	return secs*1000 + ms, true
}

func digits(s []byte) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is the number of days from 1970-01-01 to the given proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// auditTime finds the event time of a kube-apiserver audit event: the top-level "stageTimestamp",
// else "requestReceivedTimestamp", else "timestamp" (audit.k8s.io/v1alpha1 and some forwarders).
// It walks the object's top level without decoding it, so keys of the same name nested in
// requestObject or responseObject are not mistaken for the event's own.
func auditTime(line []byte) (int64, bool) {
	// Fast path - no key ending in "imestamp" at all.
	if !bytes.Contains(line, []byte(`imestamp"`)) {
		return 0, false
	}
	var best int64
	rank := 0 // 3 stageTimestamp, 2 requestReceivedTimestamp, 1 timestamp
	scanTopLevel(line, func(key, val []byte, complete bool) bool {
		if !complete || len(val) < 2 || val[0] != '"' {
			return true
		}
		r := 0
		switch string(key) {
		case "stageTimestamp":
			r = 3
		case "requestReceivedTimestamp":
			r = 2
		case "timestamp":
			r = 1
		default:
			return true
		}
		if r <= rank {
			return true
		}
		if t, ok := rfc3339Millis(val[1 : len(val)-1]); ok {
			best, rank = t, r
		}
		return rank < 3
	})
	return best, rank > 0
}

// isEnvelope reports whether head starts with a CloudWatch Logs subscription envelope: a JSON
// object with top-level "messageType" and "logEvents" keys. head may stop inside the object.
func isEnvelope(head []byte) bool {
	var msgType, events bool
	scanTopLevel(head, func(key, _ []byte, _ bool) bool {
		switch string(key) {
		case "messageType":
			msgType = true
		case "logEvents":
			events = true
		}
		return !(msgType && events)
	})
	return msgType && events
}

// scanTopLevel walks the members of the JSON object at the start of b and calls fn with each key
// (raw, without quotes) and its raw value (strings with their quotes). When b ends or turns
// malformed inside a value, fn is called once more with that key and complete false, and the walk
// ends. The walk also ends when fn returns false, at the end of the object, or at malformed input.
func scanTopLevel(b []byte, fn func(key, val []byte, complete bool) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return
		}
		ke := skipString(b, i)
		if ke < 0 {
			return
		}
		key := b[i+1 : ke-1]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		ve := skipValue(b, i)
		if ve < 0 {
			fn(key, nil, false)
			return
		}
		if !fn(key, b[i:ve], true) {
			return
		}
		i = skipSpace(b, ve)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the string whose opening quote is at b[i], or -1.
func skipString(b []byte, i int) int {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		bs := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// skipValue returns the index just after the JSON value starting at b[i], or -1 when b ends first
// or the value is malformed. Scalars are only delimited, not validated.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				if i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if i == start {
				return -1
			}
			return i
		}
		i++
	}
	return -1
}
