package convert

import (
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/jsonlite"
)

// item is an element of a list column or the value of a map entry.
type item struct {
	s    string
	null bool
}

// entry is an entry of the annotations map.
type entry struct {
	key string
	val item
}

// fields are the typed columns of one event, taken from its @message when that is a JSON
// object. Strings alias the message (or an unescaped copy of a part of it).
type fields struct {
	has [numColumns]bool
	// seen marks the columns whose field has been met with a value other than null: as in a
	// query, the first occurrence of a field wins over a duplicate key.
	seen   [numColumns]bool
	str    [numColumns]string
	lists  [2][]item // user_groups, source_ips
	ann    []entry
	code   int32
	micros [2]int64 // request_received_timestamp, stage_timestamp
}

// extractor parses messages into fields, reusing its buffers from one event to the next.
type extractor struct {
	it *jsonlite.Iterator
	f  fields
}

// parse fills e.f from msg. A message that is not one valid JSON object leaves every typed
// column null; a field whose value has another type than its column's is null.
func (e *extractor) parse(msg string) {
	f := &e.f
	f.has, f.seen = [numColumns]bool{}, [numColumns]bool{}
	f.lists[0], f.lists[1], f.ann = f.lists[0][:0], f.lists[1][:0], f.ann[:0]
	i := 0
	for i < len(msg) && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n') {
		i++
	}
	if i == len(msg) || msg[i] != '{' {
		return
	}
	// A message that is not exactly one valid JSON object has no fields at all, as in CloudWatch
	// (and in a query reading @message): CloudWatch cuts events at 256 KiB, and a RequestResponse
	// audit event cut in its request object does not get the verb or user it starts with.
	if !jsonlite.Valid(msg) {
		return
	}
	// A fresh iterator: Reset keeps the nesting state an earlier malformed message left.
	e.it = jsonlite.Iterate(msg)
	it := e.it
	if !it.Next() || it.Kind() != jsonlite.Object {
		f.has = [numColumns]bool{}
		return
	}
	for key, err := range it.Object {
		if err != nil {
			break
		}
		switch key {
		case "verb":
			e.str(colVerb)
		case "requestURI":
			e.str(colRequestURI)
		case "userAgent":
			e.str(colUserAgent)
		case "stage":
			e.str(colStage)
		case "level":
			e.str(colLevel)
		case "auditID":
			e.str(colAuditID)
		case "sourceIPs":
			e.list(colSourceIPs, 1)
		case "requestReceivedTimestamp":
			e.time(colRequestReceived, 0)
		case "stageTimestamp":
			e.time(colStageTimestamp, 1)
		case "annotations":
			e.annotations()
		case "user":
			e.object(e.user)
		case "objectRef":
			e.object(e.objectRef)
		case "responseStatus":
			e.object(e.responseStatus)
		default:
			// A top-level key with a dot names the same field as the nested one does
			// ({"user.username": ...}), as in a query.
			if prefix, rest, ok := strings.Cut(key, "."); ok {
				switch prefix {
				case "user":
					e.user(rest)
				case "objectRef":
					e.objectRef(rest)
				case "responseStatus":
					e.responseStatus(rest)
				}
			}
		}
	}
}

func (e *extractor) user(k string) {
	switch k {
	case "username":
		e.str(colUserUsername)
	case "uid":
		e.str(colUserUID)
	case "groups":
		e.list(colUserGroups, 0)
	}
}

func (e *extractor) objectRef(k string) {
	switch k {
	case "resource":
		e.str(colObjResource)
	case "namespace":
		e.str(colObjNamespace)
	case "name":
		e.str(colObjName)
	case "apiGroup":
		e.str(colObjAPIGroup)
	case "apiVersion":
		e.str(colObjAPIVersion)
	case "subresource":
		e.str(colObjSubresource)
	}
}

func (e *extractor) responseStatus(k string) {
	if k != "code" || !e.first(colCode) {
		return
	}
	if e.it.Kind() == jsonlite.Number {
		// Only a number written as an integer: "200", not "200.0" or "2e2".
		if n, err := strconv.ParseInt(e.token(), 10, 32); err == nil {
			e.f.code, e.f.has[colCode] = int32(n), true
		}
	}
}

// token is the current scalar's JSON text.
func (e *extractor) token() string {
	v, err := e.it.Value()
	if err != nil {
		return ""
	}
	return v.JSON()
}

// first tells whether the current value is the first non-null one of column c's field, and
// marks it seen.
func (e *extractor) first(c int) bool {
	if e.f.seen[c] || e.it.Kind() == jsonlite.Null {
		return false
	}
	e.f.seen[c] = true
	return true
}

// str sets string column c from the current value: a JSON string, else null.
func (e *extractor) str(c int) {
	if !e.first(c) || e.it.Kind() != jsonlite.String {
		return
	}
	s, err := e.it.String()
	if err != nil {
		return
	}
	e.f.str[c], e.f.has[c] = s, true
}

// object calls fn for each key of the current value when it is an object, positioned on the
// key's value.
func (e *extractor) object(fn func(key string)) {
	if e.it.Kind() != jsonlite.Object {
		return
	}
	for key, err := range e.it.Object {
		if err != nil {
			return
		}
		fn(key)
	}
}

// text is the current value as a list element or map value: a string as itself, null as null,
// anything else as its JSON text.
func (e *extractor) text() item {
	switch e.it.Kind() {
	case jsonlite.Null:
		return item{null: true}
	case jsonlite.String:
		s, err := e.it.String()
		if err != nil {
			return item{null: true}
		}
		return item{s: s}
	}
	v, err := e.it.Value()
	if err != nil {
		return item{null: true}
	}
	return item{s: v.JSON()}
}

// list sets list column c (lists[k]) from the current value when it is an array.
func (e *extractor) list(c, k int) {
	f := &e.f
	if !e.first(c) || e.it.Kind() != jsonlite.Array {
		return
	}
	for _, err := range e.it.Array {
		if err != nil {
			return
		}
		f.lists[k] = append(f.lists[k], e.text())
	}
	f.has[c] = true
}

func (e *extractor) annotations() {
	f := &e.f
	if !e.first(colAnnotations) || e.it.Kind() != jsonlite.Object {
		return
	}
	for key, err := range e.it.Object {
		if err != nil {
			return
		}
		f.ann = append(f.ann, entry{key: key, val: e.text()})
	}
	f.has[colAnnotations] = true
}

// time sets timestamp column c (micros[k]) from an RFC 3339 string.
func (e *extractor) time(c, k int) {
	if !e.first(c) || e.it.Kind() != jsonlite.String {
		return
	}
	s, err := e.it.String()
	if err != nil {
		return
	}
	if us, ok := parseMicros(s); ok {
		e.f.micros[k], e.f.has[c] = us, true
	}
}

// timeLayouts are the timestamp forms taken: RFC 3339 with any fraction, and the same with a
// space for the 'T' or without a zone (read as UTC), as some pipelines rewrite audit times.
var timeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// parseMicros parses a timestamp into epoch microseconds (the fraction beyond them truncated).
func parseMicros(s string) (int64, bool) {
	if len(s) < 19 {
		return 0, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}
