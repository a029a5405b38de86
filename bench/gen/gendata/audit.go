package gendata

import (
	"strconv"
	"time"
)

// userInfo is an audit event's user (audit.k8s.io/v1 UserInfo).
type userInfo struct {
	name, uid string
	groups    []string
	aws       *awsExtra // user.extra of an IAM-authenticated user
}

// awsExtra is the user.extra that aws-iam-authenticator sets.
type awsExtra struct {
	accessKeyID, arn, canonicalArn, sessionName string
}

// objectRef is an audit event's objectRef.
type objectRef struct {
	resource, namespace, name, apiGroup, apiVersion, subresource string
}

// auditEvent holds the fields of one audit.k8s.io/v1 Event; appendAudit writes them in the
// order kube-apiserver does.
type auditEvent struct {
	level, auditID, stage, requestURI, verb string
	// uriEscaped: requestURI is already JSON-escaped text (to write \u0026 as kube-apiserver's
	// encoder does for '&').
	uriEscaped   bool
	user         userInfo
	impersonated *userInfo
	sourceIP     string
	userAgent    string
	obj          *objectRef
	// code 0: no responseStatus (stage RequestReceived).
	code            int
	status, message string
	reason          string
	// requestObject / responseObject: raw JSON text, or "".
	reqObj, respObj []byte
	recvUs, stageUs int64 // requestReceivedTimestamp, stageTimestamp (epoch µs)
	decision        string
	authzReason     string
}

func appendAudit(b []byte, c *dayCache, e *auditEvent) []byte {
	b = append(b, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"`...)
	b = append(b, e.level...)
	b = append(b, `","auditID":"`...)
	b = append(b, e.auditID...)
	b = append(b, `","stage":"`...)
	b = append(b, e.stage...)
	b = append(b, `","requestURI":`...)
	if e.uriEscaped {
		b = append(b, '"')
		b = append(b, e.requestURI...)
		b = append(b, '"')
	} else {
		b = appendQ(b, e.requestURI)
	}
	b = append(b, `,"verb":"`...)
	b = append(b, e.verb...)
	b = append(b, `","user":`...)
	b = appendUser(b, &e.user)
	if e.impersonated != nil {
		b = append(b, `,"impersonatedUser":`...)
		b = appendUser(b, e.impersonated)
	}
	b = append(b, `,"sourceIPs":["`...)
	b = append(b, e.sourceIP...)
	b = append(b, `"],"userAgent":`...)
	b = appendQ(b, e.userAgent)
	if o := e.obj; o != nil {
		b = append(b, `,"objectRef":{"resource":"`...)
		b = append(b, o.resource...)
		b = append(b, '"')
		if o.namespace != "" {
			b = append(b, `,"namespace":"`...)
			b = append(b, o.namespace...)
			b = append(b, '"')
		}
		if o.name != "" {
			b = append(b, `,"name":`...)
			b = appendQ(b, o.name)
		}
		if o.apiGroup != "" {
			b = append(b, `,"apiGroup":"`...)
			b = append(b, o.apiGroup...)
			b = append(b, '"')
		}
		b = append(b, `,"apiVersion":"`...)
		b = append(b, o.apiVersion...)
		b = append(b, '"')
		if o.subresource != "" {
			b = append(b, `,"subresource":"`...)
			b = append(b, o.subresource...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	if e.code != 0 {
		b = append(b, `,"responseStatus":{"metadata":{}`...)
		if e.status != "" {
			b = append(b, `,"status":"`...)
			b = append(b, e.status...)
			b = append(b, '"')
		}
		if e.message != "" {
			b = append(b, `,"message":`...)
			b = appendQ(b, e.message)
		}
		if e.reason != "" {
			b = append(b, `,"reason":"`...)
			b = append(b, e.reason...)
			b = append(b, '"')
		}
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(e.code), 10)
		b = append(b, '}')
	}
	if e.reqObj != nil {
		b = append(b, `,"requestObject":`...)
		b = append(b, e.reqObj...)
	}
	if e.respObj != nil {
		b = append(b, `,"responseObject":`...)
		b = append(b, e.respObj...)
	}
	b = append(b, `,"requestReceivedTimestamp":"`...)
	b = appendMicro(b, c, e.recvUs)
	b = append(b, `","stageTimestamp":"`...)
	b = appendMicro(b, c, e.stageUs)
	b = append(b, `","annotations":{"authorization.k8s.io/decision":"`...)
	b = append(b, e.decision...)
	b = append(b, `","authorization.k8s.io/reason":`...)
	b = appendQ(b, e.authzReason)
	return append(b, "}}"...)
}

func appendUser(b []byte, u *userInfo) []byte {
	b = append(b, `{"username":`...)
	b = appendQ(b, u.name)
	if u.uid != "" {
		b = append(b, `,"uid":"`...)
		b = append(b, u.uid...)
		b = append(b, '"')
	}
	b = append(b, `,"groups":[`...)
	for i, g := range u.groups {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQ(b, g)
	}
	b = append(b, ']')
	if x := u.aws; x != nil {
		b = append(b, `,"extra":{"accessKeyId":["`...)
		b = append(b, x.accessKeyID...)
		b = append(b, `"],"arn":["`...)
		b = append(b, x.arn...)
		b = append(b, `"],"canonicalArn":["`...)
		b = append(b, x.canonicalArn...)
		b = append(b, `"],"sessionName":["`...)
		b = append(b, x.sessionName...)
		b = append(b, `"]}`...)
	}
	return append(b, '}')
}

// appendQ appends s as a JSON string (the generator's strings need only '"', '\' and control
// characters escaped).
func appendQ(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// Time formatting without time.Format on the hot path: the date part is cached per day.

type dayCache struct {
	day  int64
	date string // "2006-01-02"
}

func dateOf(c *dayCache, sec int64) string {
	d := sec / 86400
	if c.date == "" || d != c.day {
		c.day = d
		c.date = time.Unix(d*86400, 0).UTC().Format("2006-01-02")
	}
	return c.date
}

func append2(b []byte, n int64) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func appendClock(b []byte, sec int64) []byte {
	s := sec % 86400
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	return append2(b, s%60)
}

func appendFrac(b []byte, n int64, digits int) []byte {
	var tmp [9]byte
	for i := digits - 1; i >= 0; i-- {
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, tmp[:digits]...)
}

// appendMicro appends an audit timestamp: 2021-08-11T09:29:13.033516Z.
func appendMicro(b []byte, c *dayCache, us int64) []byte {
	sec := us / 1e6
	b = append(b, dateOf(c, sec)...)
	b = append(b, 'T')
	b = appendClock(b, sec)
	b = append(b, '.')
	b = appendFrac(b, us%1e6, 6)
	return append(b, 'Z')
}

// appendExportTS appends the export line prefix timestamp: 2021-08-11T10:09:43.095Z.
func appendExportTS(b []byte, c *dayCache, ms int64) []byte {
	sec := ms / 1000
	b = append(b, dateOf(c, sec)...)
	b = append(b, 'T')
	b = appendClock(b, sec)
	b = append(b, '.')
	b = appendFrac(b, ms%1000, 3)
	return append(b, 'Z')
}
