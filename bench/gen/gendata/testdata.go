package gendata

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// The -testdata tree: a few hundred events, hand-designed so that each seed query has events
// it must find and near-misses it must not. The description written beside it (DescPath) lists
// them. It lives outside the tree on purpose: every file in the tree is read as input, so a
// description inside it would be queried as events of a stream of its own.

// Seed queries, numbered as in the description: 0 is seeds/000, 1–12 the queries of seeds/003 in order.
var seedQueries = []string{
	"seeds/000 Fargate evictions (NAMESPACE=default, pod-name=web-6b7f9c-x2x9k)",
	"seeds/003 #1 cluster creator (authenticator, username=kubernetes-admin)",
	"seeds/003 #2 requests by user (strcontains(user.username,\"kubernetes-admin\"))",
	"seeds/003 #3 by userAgent (userAgent like /kubectl\\/v1.22.0/, verb like /(get)/)",
	"seeds/003 #4 aws-auth changes (configmaps URI, objectRef.name = \"aws-auth\", verb like /(create|delete|patch)/)",
	"seeds/003 #5 denied (@logStream like /^authenticator/, @message like \"denied\")",
	"seeds/003 #6 pod to node (kube-scheduler, @message like \"aws-6799fc88d8-jqc2r\")",
	"seeds/003 #7 5xx (responseStatus.code >= 500)",
	"seeds/003 #8 cronjob-controller (user.username like ...:cronjob-controller)",
	"seeds/003 #9 replicaset-controller (user.username like ...:replicaset-controller)",
	"seeds/003 #10 delete of pod (verb == \"delete\", requestURI like \"/api/v1/namespaces/default/pods/my-app\")",
	"seeds/003 #11 response-code counts (stats count(*) by responseStatus.code)",
	"seeds/003 #12 kube-system DaemonSet changes (verb like /(create|update|delete)/, strcontains(requestURI, \".../kube-system/daemonsets\"))",
}

const (
	tdTask  = "23db5787-2889-4601-873a-99e4fa09456d"
	tdA     = "kube-apiserver-audit-71976ca11bea5d3083393f7d32dab75b" // two objects
	tdB     = "kube-apiserver-audit-4d5145b53c40d10c276ad08fa36d1f11"
	tdC     = "kube-apiserver-audit-e7b3cb08c0296daf439493a6fc9aff8c"
	tdAu1   = "authenticator-71976ca11bea5d3083393f7d32dab75b"
	tdAu2   = "authenticator-8c0c570ea5676c62c44d98da6189a02b"
	tdSched = "kube-scheduler-bb3ea89d63fd2b9735ba06b144377db6"
	tdKCM   = "kube-controller-manager-f01c77ed8078a670a2eb63af6f127163"
	// tdLevel is the gzip level of the testdata tree (fixed so that its bytes are too).
	tdLevel = 6
)

// tdEvent is one event of the tree.
type tdEvent struct {
	stream string
	obj    int
	t      int64 // CloudWatch timestamp, epoch ms
	msg    []byte
	marker string // auditID or a unique text, for README
	desc   string
	must   []int // seed queries that must return it
	near   []int // seed queries for which it is a near-miss
	code   int   // audit: responseStatus.code, 0 absent or not JSON
}

type tdBuilder struct {
	g      *gen
	events []*tdEvent
	nid    int
}

// at returns 2021-08-11 hh:mm:ss.ms UTC in epoch ms.
func at(hh, mm, ss, ms int) int64 {
	return time.Date(2021, 8, 11, hh, mm, ss, ms*1e6, time.UTC).UnixMilli()
}

// audit adds a designed audit event; set fills its fields after the defaults.
func (tb *tdBuilder) audit(stream string, obj int, t int64, desc string, must, near []int, set func(g *gen, e *auditEvent, o *objectRef)) {
	g := tb.g
	e := &auditEvent{}
	o := &objectRef{}
	g.fill(e, t, "Metadata", "get", "", adminUser(g), "12.34.56.78", uaAdmin, 200)
	set(g, e, o)
	if e.obj == nil && o.resource != "" {
		e.obj = o
	}
	tb.nid++
	q := 99
	if len(must) > 0 {
		q = must[0]
	} else if len(near) > 0 {
		q = near[0]
	}
	e.auditID = fmt.Sprintf("%08d-0000-4000-8000-%012d", q, tb.nid)
	ev := &tdEvent{stream: stream, obj: obj, t: t, msg: appendAudit(nil, &g.c, e), marker: e.auditID, desc: desc,
		must: must, near: near, code: e.code}
	tb.events = append(tb.events, ev)
}

// text adds a designed non-audit event.
func (tb *tdBuilder) text(stream string, t int64, marker, desc string, must, near []int, msg string) {
	tb.events = append(tb.events, &tdEvent{stream: stream, t: t, msg: []byte(msg), marker: marker, desc: desc, must: must, near: near})
}

func q(xs ...int) []int { return xs }

func writeTestdata(dir string) error {
	tb := &tdBuilder{g: newGen(20210811, 0, 0)}
	g := tb.g
	tb.background()
	tb.designed()

	// Order each object by time; equal timestamps keep insertion order.
	sort.SliceStable(tb.events, func(i, j int) bool { return tb.events[i].t < tb.events[j].t })
	type key struct {
		stream string
		obj    int
	}
	files := map[key]*bytes.Buffer{}
	var keys []key
	for _, ev := range tb.events {
		k := key{ev.stream, ev.obj}
		b, ok := files[k]
		if !ok {
			b = &bytes.Buffer{}
			files[k] = b
			keys = append(keys, k)
		}
		var line []byte
		line = appendExportTS(line, &g.c, ev.t)
		line = append(line, ' ')
		line = append(line, ev.msg...)
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "aws-logs-write-test"), []byte("Permission Check Successful"), 0o644); err != nil {
		return err
	}
	for _, k := range keys {
		p := filepath.Join(dir, tdTask, k.stream, fmt.Sprintf("%06d.gz", k.obj))
		if err := writeGzip(p, files[k].Bytes()); err != nil {
			return err
		}
	}
	if err := tb.writeRaw(filepath.Join(dir, "raw", "audit.log")); err != nil {
		return err
	}
	return os.WriteFile(DescPath(dir), tb.readme(), 0o644)
}

// DescPath is where the description of the tree written into dir goes: beside it, dir + ".md"
// (testdata/export.md for testdata/export).
func DescPath(dir string) string { return filepath.Clean(dir) + ".md" }

func writeGzip(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, tdLevel)
	if err != nil {
		return err
	}
	zw.ModTime = time.Unix(0, 0) // mtime field 0 (a zero time.Time would write a garbage date); no name
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

// background adds ordinary events that no seed query except #11 (code counts) returns.
func (tb *tdBuilder) background() {
	g := tb.g
	type span struct {
		stream string
		obj    int
		t0, t1 int64
		n      int
	}
	for _, s := range []span{
		{tdA, 0, at(9, 0, 0, 0), at(10, 0, 0, 0), 45},
		{tdA, 1, at(10, 0, 0, 0), at(11, 0, 0, 0), 45},
		{tdB, 0, at(9, 0, 0, 0), at(11, 0, 0, 0), 60},
		{tdC, 0, at(9, 0, 0, 0), at(11, 0, 0, 0), 60},
	} {
		for i := 0; i < s.n; i++ {
			t := s.t0 + g.r.Int64N(s.t1-s.t0)
			e := g.background(t, false)
			tb.events = append(tb.events, &tdEvent{stream: s.stream, obj: s.obj, t: t, msg: appendAudit(nil, &g.c, e), code: e.code})
		}
	}
	for _, s := range []struct {
		stream string
		n      int
		line   func(b []byte, t int64) []byte
	}{
		{tdAu1, 25, func(b []byte, t int64) []byte { return g.authLine(b, t, -1) }},
		{tdAu2, 25, func(b []byte, t int64) []byte { return g.authLine(b, t, -1) }},
		{tdSched, 25, func(b []byte, t int64) []byte { return g.schedLine(b, t, -1) }},
		{tdKCM, 15, g.kcmLine},
	} {
		for i := 0; i < s.n; i++ {
			t := at(9, 0, 0, 0) + g.r.Int64N(2*3600_000)
			tb.events = append(tb.events, &tdEvent{stream: s.stream, t: t, msg: s.line(nil, t)})
		}
	}
}

func uriOf(g *gen, verb string, d resDef, ns, name, sub string, o *objectRef) string {
	u := g.uri(verb, d, ns, name, sub, o)
	if i := strings.IndexByte(u, '?'); i >= 0 && verb != "list" && verb != "watch" {
		u = u[:i] // designed events: no random ?timeout
	}
	return u
}

func (tb *tdBuilder) designed() {
	const eviction = 0
	ev := func(ns, pod string, refused bool) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) { g.eviction(e, o, e.recvUs/1000+1, ns, pod, refused) }
	}
	fixT := func(e *auditEvent, t int64) { e.recvUs = t*1000 - 40_000; e.stageUs = t*1000 - 30_000 }
	_ = fixT

	// Q0: evictions of default/web-6b7f9c-x2x9k.
	tb.audit(tdA, 1, at(10, 15, 0, 0), "create eviction default/web-6b7f9c-x2x9k, 201 (same @timestamp as the next: tie order)", q(0), nil, ev("default", "web-6b7f9c-x2x9k", false))
	tb.audit(tdB, 0, at(10, 15, 0, 0), "create eviction default/web-6b7f9c-x2x9k, 429 refused by the PodDisruptionBudget (seeds/002 message)", q(0), nil, ev("default", "web-6b7f9c-x2x9k", true))
	tb.audit(tdC, 0, at(9, 30, 0, 500), "create eviction default/web-6b7f9c-x2x9k, 201", q(0), nil, ev("default", "web-6b7f9c-x2x9k", false))
	tb.audit(tdA, 0, at(9, 31, 0, 0), "create eviction of another pod default/web-6b7f9c-abcde", nil, q(0), ev("default", "web-6b7f9c-abcde", false))
	tb.audit(tdC, 0, at(9, 32, 0, 0), "create eviction of default/web-6b7f9c-x2x9k2 (URI lacks \"x2x9k/\")", nil, q(0), ev("default", "web-6b7f9c-x2x9k2", false))
	tb.audit(tdA, 0, at(9, 33, 0, 0), "create eviction staging/web-6b7f9c-x2x9k (other namespace)", nil, q(0), ev("staging", "web-6b7f9c-x2x9k", false))
	tb.audit(tdB, 0, at(9, 34, 0, 0), "get (not create) on the eviction URI of default/web-6b7f9c-x2x9k, 405", nil, q(0), func(g *gen, e *auditEvent, o *objectRef) {
		g.eviction(e, o, 0, "default", "web-6b7f9c-x2x9k", false)
		e.verb, e.code, e.status, e.reason, e.message, e.reqObj, e.respObj, e.level = "get", 405, "Failure", "MethodNotAllowed", "the server does not allow this method on the requested resource", nil, nil, "Metadata"
		e.recvUs, e.stageUs = at(9, 33, 59, 900)*1000, at(9, 33, 59, 910)*1000
	})
	tb.audit(tdA, 1, at(10, 45, 0, 0), "delete of pod default/web-6b7f9c-x2x9k by eks:fargate-manager after the scheduled termination time (no eviction subresource)", nil, q(0), func(g *gen, e *auditEvent, o *objectRef) {
		g.eviction(e, o, 0, "default", "web-6b7f9c-x2x9k", false)
		e.verb, e.requestURI, e.reqObj, e.respObj, e.code, e.status = "delete", "/api/v1/namespaces/default/pods/web-6b7f9c-x2x9k", []byte(`{"kind":"DeleteOptions","apiVersion":"v1"}`), nil, 200, ""
		o.subresource = ""
		e.recvUs, e.stageUs = at(10, 44, 59, 900)*1000, at(10, 44, 59, 950)*1000
	})
	_ = eviction

	// Q1: cluster creator in the authenticator streams.
	granted := func(t int64, port, user, arn string) string {
		return fmt.Sprintf(`time="%s" level=info msg="access granted" arn="%s" client="127.0.0.1:%s" groups="[system:masters]" method=POST path=/authenticate sts=sts.eu-west-1.amazonaws.com uid="heptio-authenticator-aws:123456789012:ABCDEFGHIJKLMNOP" username=%s`,
			time.UnixMilli(t-3000).UTC().Format("2006-01-02T15:04:05Z"), arn, port, user)
	}
	tb.text(tdAu1, at(10, 9, 49, 20), `client="127.0.0.1:40101"`, "access granted username=kubernetes-admin (the seed's sample)", q(1), nil, granted(at(10, 9, 49, 20), "40101", "kubernetes-admin", "arn:aws:iam::123456789012:user/awscli"))
	tb.text(tdAu2, at(10, 40, 0, 0), `client="127.0.0.1:40102"`, "access granted username=kubernetes-admin", q(1), nil, granted(at(10, 40, 0, 0), "40102", "kubernetes-admin", "arn:aws:iam::123456789012:user/awscli"))
	tb.text(tdAu1, at(9, 5, 0, 0), `client="127.0.0.1:40103"`, "username=kubernetes-admin2: like is a substring match, so it matches", q(1), nil, granted(at(9, 5, 0, 0), "40103", "kubernetes-admin2", "arn:aws:iam::123456789012:user/admin2"))
	tb.text(tdAu2, at(9, 6, 0, 0), `client="127.0.0.1:40104"`, "username=\"system:node:…\" (other user)", nil, q(1), granted(at(9, 6, 0, 0), "40104", `"system:node:ip-192-168-66-187.eu-west-1.compute.internal"`, "arn:aws:iam::123456789012:role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5"))
	tb.text(tdKCM, at(9, 7, 0, 0), `Trace[70001]`, "kube-controller-manager line holding \"username=kubernetes-admin\" (stream is not authenticator)", nil, q(1),
		"I0811 09:06:59.100200      10 trace.go:205] Trace[70001]: \"Token review\" username=kubernetes-admin (total time: 120ms):\nTrace[70001]: [0.120s] END")

	// Q2: requests by kubernetes-admin (also every admin event below, tagged there).
	tb.audit(tdA, 0, at(9, 29, 13, 95), "list endpoints kube-system by kubernetes-admin (the seed's sample)", q(2), nil, func(g *gen, e *auditEvent, o *objectRef) {
		e.verb, e.requestURI = "list", "/api/v1/namespaces/kube-system/endpoints?limit=500"
		*o = objectRef{resource: "endpoints", namespace: "kube-system", apiVersion: "v1"}
		e.userAgent = "kubectl/v1.21.2 (darwin/amd64) kubernetes/092fbfb"
	})
	tb.audit(tdB, 0, at(9, 40, 0, 0), "impersonation: user.username is ci-deployer, impersonatedUser.username kubernetes-admin", nil, q(2), func(g *gen, e *auditEvent, o *objectRef) {
		a := adminUser(g)
		a.aws = nil
		e.impersonated = &a
		e.user = userInfo{name: "ci-deployer", uid: "aws-iam-authenticator:123456789012:AROAEXAMPLECI", groups: []string{"developers", "system:authenticated"}}
		e.requestURI = uriOf(g, "get", rPods, "default", "web-6b7f9c-x2x9k", "", o)
		e.userAgent = "Helm/3.6.3"
	})
	tb.audit(tdC, 0, at(9, 41, 0, 0), "\"kubernetes-admin\" only in requestURI/objectRef.name (user alice)", nil, q(2), func(g *gen, e *auditEvent, o *objectRef) {
		e.user = userInfo{name: "alice", uid: "aws-iam-authenticator:123456789012:AROAEXAMPLEAL", groups: []string{"developers", "system:authenticated"}}
		e.requestURI = uriOf(g, "get", rSA, "kube-system", "kubernetes-admin", "", o)
		e.userAgent, e.code, e.status, e.reason, e.decision = "kubectl/v1.27.4 (darwin/arm64) kubernetes/fa3d799", 403, "Failure", "Forbidden", "forbid"
		e.message = `serviceaccounts "kubernetes-admin" is forbidden: User "alice" cannot get resource "serviceaccounts" in API group "" in the namespace "kube-system"`
	})

	// Q3: kubectl/v1.22.0 gets.
	tb.audit(tdA, 1, at(10, 20, 0, 0), "get /apis/metrics.k8s.io/v1beta1?timeout=32s by kubectl/v1.22.0 (the seed's sample; same @timestamp as two events in B and C)", q(2, 3), nil, func(g *gen, e *auditEvent, o *objectRef) {
		e.requestURI = "/apis/metrics.k8s.io/v1beta1?timeout=32s"
	})
	tb.audit(tdB, 0, at(10, 6, 47, 68), "get with an escaped requestURI: ?pretty=true\\u0026timeout=32s (requestURI decodes to '&')", q(2, 3), nil, func(g *gen, e *auditEvent, o *objectRef) {
		uriOf(g, "get", rPods, "default", "web-6b7f9c-x2x9k", "", o)
		e.requestURI, e.uriEscaped = `/api/v1/namespaces/default/pods/web-6b7f9c-x2x9k?pretty=true\u0026timeout=32s`, true
	})
	tb.audit(tdC, 0, at(10, 7, 0, 0), "get with userAgent kubectl/v1x22x0: '.' in /kubectl\\/v1.22.0/ is any character, so it matches", q(3), nil, func(g *gen, e *auditEvent, o *objectRef) {
		e.user = userInfo{name: "mallory", uid: "aws-iam-authenticator:123456789012:AIDAEXAMPLEMAL", groups: []string{"system:authenticated"}}
		e.requestURI = uriOf(g, "get", rSecrets, "default", "db-password", "", o)
		e.userAgent = "kubectl/v1x22x0 (linux/amd64) kubernetes/c2b5237"
	})
	tb.audit(tdA, 0, at(9, 50, 0, 0), "get by kubectl/v1.21.0", q(2), q(3), func(g *gen, e *auditEvent, o *objectRef) {
		e.requestURI = uriOf(g, "get", rPods, "default", "web-6b7f9c-x2x9k", "", o)
		e.userAgent = "kubectl/v1.21.0 (darwin/amd64) kubernetes/cb303e6"
	})
	tb.audit(tdB, 0, at(9, 51, 0, 0), "list (not get) by kubectl/v1.22.0", q(2), q(3), func(g *gen, e *auditEvent, o *objectRef) {
		e.verb, e.requestURI = "list", uriOf(g, "list", rPods, "default", "", "", o)
	})

	// Q4: aws-auth.
	awsAuth := func(verb, ns, name string, code int, ua string) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			e.verb, e.level, e.code, e.userAgent = verb, "RequestResponse", code, ua
			e.requestURI = uriOf(g, verb, rConfigMap, ns, name, "", o) + "?timeout=19s"
			o.name = name
			if verb != "get" && verb != "delete" {
				e.reqObj = []byte(`{"data":{"mapRoles":"- rolearn: arn:aws:iam::123456789012:role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n"}}`)
			}
		}
	}
	tb.audit(tdA, 0, at(9, 43, 1, 850), "patch configmaps/aws-auth (the seed's sample)", q(2, 4), nil, awsAuth("patch", "kube-system", "aws-auth", 200, "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191"))
	tb.audit(tdC, 0, at(9, 2, 0, 0), "create configmaps/aws-auth (eksctl)", q(2, 4), nil, awsAuth("create", "kube-system", "aws-auth", 201, "eksctl/0.60.0 (linux/amd64)"))
	tb.audit(tdB, 0, at(10, 50, 0, 0), "delete configmaps/aws-auth", q(2, 4), nil, awsAuth("delete", "kube-system", "aws-auth", 200, uaAdmin))
	tb.audit(tdB, 0, at(9, 44, 0, 0), "get configmaps/aws-auth", q(2), q(4), awsAuth("get", "kube-system", "aws-auth", 200, "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191"))
	tb.audit(tdA, 1, at(10, 10, 0, 0), "patch configmaps/aws-auth-backup (objectRef.name differs)", q(2), q(4), awsAuth("patch", "kube-system", "aws-auth-backup", 200, "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191"))
	tb.audit(tdC, 0, at(9, 45, 0, 0), "update (not create|delete|patch) of configmaps/aws-auth: the seed query misses updates", q(2), q(4), awsAuth("update", "kube-system", "aws-auth", 200, "eksctl/0.60.0 (linux/amd64)"))
	tb.audit(tdA, 1, at(10, 11, 0, 0), "patch configmaps/aws-auth in namespace default (URI regex needs kube-system)", q(2), q(4), awsAuth("patch", "default", "aws-auth", 200, "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191"))

	// Q5: denied.
	denied := func(t int64, port string) string {
		return fmt.Sprintf(`time="%s" level=warning msg="access denied" client="127.0.0.1:%s" error="sts getCallerIdentity failed: error from AWS (expected 200, got 403)" method=POST path=/authenticate`,
			time.UnixMilli(t-2000).UTC().Format("2006-01-02T15:04:05Z"), port)
	}
	tb.text(tdAu2, at(10, 4, 46, 282), `client="127.0.0.1:40501"`, "access denied (the seed's sample)", q(5), nil, denied(at(10, 4, 46, 282), "40501"))
	tb.text(tdAu1, at(9, 20, 0, 0), `client="127.0.0.1:40502"`, "access denied", q(5), nil, denied(at(9, 20, 0, 0), "40502"))
	tb.text(tdAu2, at(9, 21, 0, 0), `client="127.0.0.1:40503"`, "access denied", q(5), nil, denied(at(9, 21, 0, 0), "40503"))
	tb.text(tdSched, at(9, 22, 0, 0), `leaderelection.go:325`, "kube-scheduler line with \"permission denied\" (stream is not ^authenticator)", nil, q(5),
		`E0811 09:21:59.400100      10 leaderelection.go:325] error retrieving resource lock kube-system/kube-scheduler: leases.coordination.k8s.io "kube-scheduler" is forbidden: permission denied`)
	tb.audit(tdC, 0, at(9, 23, 0, 0), "audit 403 whose message says \"access denied\" (stream is not ^authenticator)", nil, q(5), func(g *gen, e *auditEvent, o *objectRef) {
		e.user = userInfo{name: "system:anonymous", groups: []string{"system:unauthenticated"}}
		e.requestURI, e.userAgent, e.code, e.status, e.reason, e.decision = "/api/v1/secrets", "curl/7.79.1", 403, "Failure", "Forbidden", "forbid"
		*o = objectRef{resource: "secrets", apiVersion: "v1"}
		e.message = `secrets is forbidden: User "system:anonymous" cannot list resource "secrets": access denied`
	})

	// Q6: pod aws-6799fc88d8-jqc2r in kube-scheduler.
	tb.text(tdSched, at(10, 19, 43, 0), `I0811 10:19:43.933124`, "Successfully bound pod kube-system/aws-6799fc88d8-jqc2r (the seed's sample)", q(6), nil,
		`I0811 10:19:43.933124       1 scheduler.go:604] "Successfully bound pod to node" pod="kube-system/aws-6799fc88d8-jqc2r" node="ip-192-168-66-187.eu-west-1.compute.internal" evaluatedNodes=3 feasibleNodes=2`)
	tb.text(tdSched, at(10, 19, 40, 0), `E0811 10:19:39.120000`, "multi-line event: the pod name is only on a continuation line (klog err=<…> value)", q(6), nil,
		"E0811 10:19:39.120000       1 framework.go:898] \"Failed running Bind plugin\" err=<\n\tOperation cannot be fulfilled on pods/binding \"aws-6799fc88d8-jqc2r\": pod aws-6799fc88d8-jqc2r is already assigned to node \"ip-192-168-66-187.eu-west-1.compute.internal\"\n > plugin=\"DefaultBinder\"")
	tb.text(tdSched, at(10, 19, 44, 0), `pod="kube-system/aws-6799fc88d8-jqc2s"`, "another pod, aws-6799fc88d8-jqc2s", nil, q(6),
		`I0811 10:19:44.001002       1 scheduler.go:604] "Successfully bound pod to node" pod="kube-system/aws-6799fc88d8-jqc2s" node="ip-192-168-12-45.eu-west-1.compute.internal" evaluatedNodes=3 feasibleNodes=2`)
	tb.audit(tdA, 1, at(10, 19, 44, 100), "audit: create pods/binding for aws-6799fc88d8-jqc2r by system:kube-scheduler (stream is not kube-scheduler)", nil, q(6), func(g *gen, e *auditEvent, o *objectRef) {
		e.user = userInfo{name: "system:kube-scheduler", groups: []string{"system:authenticated"}}
		e.verb, e.userAgent, e.code = "create", uaSched, 201
		e.requestURI = uriOf(g, "create", rPods, "kube-system", "aws-6799fc88d8-jqc2r", "binding", o)
		e.authzReason = `RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler"`
	})
	tb.text(tdKCM, at(10, 19, 30, 0), `Created pod: aws-6799fc88d8-jqc2r`, "kube-controller-manager line naming the pod (stream is not kube-scheduler)", nil, q(6),
		`I0811 10:19:29.800100      10 event.go:291] "Event occurred" object="kube-system/aws-6799fc88d8" kind="ReplicaSet" apiVersion="apps/v1" type="Normal" reason="SuccessfulCreate" message="Created pod: aws-6799fc88d8-jqc2r"`)

	// Q7: 5xx.
	metrics := func(sa string, code int, msg string) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			e.user, e.userAgent = saUser(g, sa), uaKCM+sa
			e.requestURI, e.code = "/apis/metrics.k8s.io/v1beta1?timeout=32s", code
			ct := codeText[code]
			e.status, e.reason, e.message = ct.status, ct.reason, msg
			e.authzReason = `RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"`
		}
	}
	tb.audit(tdB, 0, at(9, 22, 6, 518), "503 from resourcequota-controller (the seed's sample)", q(7), nil, metrics("resourcequota-controller", 503, "the server is currently unable to handle the request"))
	tb.audit(tdA, 1, at(10, 25, 0, 0), "500 InternalError", q(7), nil, metrics("generic-garbage-collector", 500, "Internal error occurred: etcdserver: request timed out"))
	tb.audit(tdC, 0, at(10, 26, 0, 0), "504 Timeout", q(7), nil, metrics("namespace-controller", 504, "the server was unable to return a response in the time allotted"))
	tb.audit(tdA, 0, at(9, 27, 0, 0), "code 499 (just below 500)", nil, q(7), func(g *gen, e *auditEvent, o *objectRef) {
		metrics("horizontal-pod-autoscaler", 503, "client closed request")(g, e, o)
		e.code, e.status, e.reason = 499, "Failure", ""
	})
	tb.audit(tdC, 0, at(9, 28, 0, 0), "stage RequestReceived: no responseStatus at all", nil, q(7), func(g *gen, e *auditEvent, o *objectRef) {
		e.stage, e.code = "RequestReceived", 0
		e.requestURI = uriOf(g, "get", rPods, "staging", "api-x7k2m9q4rt-9vz2c", "", o)
		e.user, e.userAgent = saUser(g, "endpoint-controller"), uaKCM+"endpoint-controller"
		e.stageUs = e.recvUs
	})
	// The truncated event: CloudWatch cut a >256 KB RequestResponse event; the text holds
	// "code":503 and kubernetes-admin but it is not JSON, so no field exists.
	{
		e := &auditEvent{}
		o := &objectRef{}
		t := at(9, 58, 0, 0)
		g := tb.g
		g.fill(e, t, "RequestResponse", "list", "", adminUser(g), "12.34.56.78", uaAdmin, 503)
		e.requestURI = uriOf(g, "list", rPods, "default", "", "", o)
		e.obj, e.status, e.reason, e.message = o, "Failure", "ServiceUnavailable", "the server is currently unable to handle the request"
		pod := g.appendPod(nil, "default", "web-6b7f9c-x2x9k", "ip-192-168-66-187.eu-west-1.compute.internal")
		list := []byte(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"53119047"},"items":[`)
		for len(list) < 300_000 {
			list = append(list, pod...)
			list = append(list, ',')
		}
		e.respObj = list
		tb.nid++
		e.auditID = fmt.Sprintf("%08d-0000-4000-8000-%012d", 7, tb.nid)
		msg := appendAudit(nil, &g.c, e)[:262_144]
		tb.events = append(tb.events, &tdEvent{stream: tdA, obj: 0, t: t, msg: msg, marker: e.auditID,
			desc: "TRUNCATED at 262144 bytes, not valid JSON (its text holds \"code\":503, kubernetes-admin, kubectl/v1.22.0, list)", near: q(2, 7)})
	}

	// Q8: cronjob-controller.
	cron := func(verb string, d resDef, name, sub string, code int) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			e.user, e.userAgent, e.verb, e.code = saUser(g, "cronjob-controller"), uaKCM+"cronjob-controller", verb, code
			e.requestURI = uriOf(g, verb, d, "default", name, sub, o)
			e.authzReason = `RBAC: allowed by ClusterRoleBinding "system:controller:cronjob-controller" of ClusterRole "system:controller:cronjob-controller" to ServiceAccount "cronjob-controller/kube-system"`
			if sub == "status" {
				e.level = "RequestResponse"
				e.respObj = []byte(`{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"hello","namespace":"default"},"spec":{"schedule":"*/1 * * * *"},"status":{"lastScheduleTime":"2021-08-09T07:19:00Z"}}`)
			}
		}
	}
	tb.audit(tdA, 0, at(9, 19, 0, 0), "get cronjobs default/hello", q(8), nil, cron("get", rCronJobs, "hello", "", 200))
	tb.audit(tdB, 0, at(9, 19, 0, 120), "update cronjobs/hello/status with responseObject (the seed's sample)", q(8), nil, cron("update", rCronJobs, "hello", "status", 200))
	tb.audit(tdC, 0, at(9, 19, 0, 50), "create jobs default/hello-27180000", q(8), nil, cron("create", rJobs, "hello-27180000", "", 201))
	tb.text(tdKCM, at(9, 19, 1, 0), `cronjob_controllerv2.go:185`, "kube-controller-manager line naming system:serviceaccount:kube-system:cronjob-controller (not audit)", nil, q(8),
		`I0811 09:19:00.900100      10 cronjob_controllerv2.go:185] "Job created by user system:serviceaccount:kube-system:cronjob-controller" cronjob="default/hello" job="default/hello-27180000"`)
	tb.audit(tdB, 0, at(9, 19, 2, 0), "username system:kube-controller-manager, the cronjob-controller name only in userAgent", nil, q(8), func(g *gen, e *auditEvent, o *objectRef) {
		e.user = userInfo{name: "system:kube-controller-manager", groups: []string{"system:authenticated"}}
		e.userAgent = uaKCM + "cronjob-controller"
		e.requestURI = uriOf(g, "get", rCronJobs, "default", "hello", "", o)
	})
	tb.audit(tdC, 0, at(9, 19, 3, 0), "job-controller", nil, q(8), func(g *gen, e *auditEvent, o *objectRef) {
		e.user, e.userAgent = saUser(g, "job-controller"), uaKCM+"job-controller"
		e.verb, e.requestURI = "update", uriOf(g, "update", rJobs, "default", "hello-27180000", "status", o)
	})

	// Q9: replicaset-controller.
	rs := func(sa, verb string, d resDef, name, sub string, code int) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			e.user, e.userAgent, e.verb, e.code = saUser(g, sa), uaKCM+sa, verb, code
			e.requestURI = uriOf(g, verb, d, "kube-system", name, sub, o)
		}
	}
	tb.audit(tdA, 1, at(10, 30, 0, 0), "create pods in kube-system (the seed's sample; same @timestamp as the next event in the same object)", q(9), nil, rs("replicaset-controller", "create", rPods, "coredns-6496b6c8b9-qv5lm", "", 201))
	tb.audit(tdB, 0, at(9, 18, 44, 561), "update replicasets/coredns-6496b6c8b9/status (the seed's sample)", q(9), nil, rs("replicaset-controller", "update", rRS, "coredns-6496b6c8b9", "status", 200))
	tb.audit(tdC, 0, at(9, 18, 45, 0), "replication-controller (other controller)", nil, q(9), rs("replication-controller", "get", resDef{"replicationcontrollers", "", "v1"}, "legacy", "", 200))
	tb.audit(tdC, 0, at(9, 18, 46, 0), "deployment-controller updating a ReplicaSet", nil, q(9), rs("deployment-controller", "update", rRS, "coredns-6496b6c8b9", "", 200))

	// Q10: delete of pod my-app in default.
	del := func(verb, ns, name string) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			e.verb, e.level = verb, "Request"
			e.requestURI = uriOf(g, verb, rPods, ns, name, "", o)
			if verb == "delete" {
				e.reqObj = []byte(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
			}
		}
	}
	tb.audit(tdC, 0, at(10, 9, 47, 813), "delete /api/v1/namespaces/default/pods/my-app (the seed's sample)", q(2, 10), nil, del("delete", "default", "my-app"))
	tb.audit(tdA, 1, at(10, 30, 0, 0), "delete .../default/pods/my-app-2: like is a substring match, so it matches", q(2, 10), nil, del("delete", "default", "my-app-2"))
	tb.audit(tdB, 0, at(10, 8, 0, 0), "get (not delete) default/pods/my-app", q(2, 3), q(10), del("get", "default", "my-app"))
	tb.audit(tdC, 0, at(10, 9, 0, 0), "delete staging/pods/my-app (other namespace)", q(2), q(10), del("delete", "staging", "my-app"))
	tb.audit(tdB, 0, at(10, 9, 30, 0), "deletecollection /api/v1/namespaces/default/pods?labelSelector=app%3Dmy-app", q(2), q(10), func(g *gen, e *auditEvent, o *objectRef) {
		e.verb, e.requestURI = "deletecollection", "/api/v1/namespaces/default/pods?labelSelector=app%3Dmy-app"
		*o = objectRef{resource: "pods", namespace: "default", apiVersion: "v1"}
	})

	// Q12: kube-system DaemonSets.
	ds := func(user userInfo, ua, verb, ns, name, sub, query string, code int, d resDef) func(g *gen, e *auditEvent, o *objectRef) {
		return func(g *gen, e *auditEvent, o *objectRef) {
			if user.name != "" {
				e.user = user
			}
			e.userAgent, e.verb, e.code, e.level = ua, verb, code, "RequestResponse"
			e.requestURI = uriOf(g, verb, d, ns, name, sub, o) + query
			o.name = name
			e.reqObj = []byte(`{"REDACTED":"REDACTED"}`)
		}
	}
	dsc := saUser(tb.g, "daemon-set-controller")
	tb.audit(tdA, 0, at(9, 8, 0, 0), "update daemonsets/aws-node/status by daemon-set-controller", q(12), nil, ds(dsc, uaKCM+"daemon-set-controller", "update", "kube-system", "aws-node", "status", "", 200, rDS))
	tb.audit(tdB, 0, at(9, 9, 0, 0), "create daemonset kube-system/node-local-dns", q(2, 12), nil, ds(userInfo{}, uaAdmin, "create", "kube-system", "node-local-dns", "", "?fieldManager=kubectl-client-side-apply", 201, rDS))
	tb.audit(tdC, 0, at(9, 10, 0, 0), "delete daemonsets/kube-proxy", q(2, 12), nil, ds(userInfo{}, uaAdmin, "delete", "kube-system", "kube-proxy", "", "", 200, rDS))
	tb.audit(tdA, 1, at(10, 20, 0, 0), "patch daemonsets/aws-node?fieldManager=kubectl-set: the seed's own sample output, but patch is not in /(create|update|delete)/ (same @timestamp as A/B/C events)", q(2), q(12),
		ds(userInfo{}, "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191", "patch", "kube-system", "aws-node", "", "?fieldManager=kubectl-set", 200, rDS))
	tb.audit(tdB, 0, at(10, 20, 0, 0), "update daemonset monitoring/node-exporter (other namespace; same @timestamp as A/C events)", nil, q(12), ds(dsc, uaKCM+"daemon-set-controller", "update", "monitoring", "node-exporter", "status", "", 200, rDS))
	tb.audit(tdC, 0, at(10, 20, 0, 0), "update deployments/coredns in kube-system (not a DaemonSet; same @timestamp as A/B events)", nil, q(12), ds(saUser(tb.g, "deployment-controller"), uaKCM+"deployment-controller", "update", "kube-system", "coredns", "status", "", 200, rDeploy))
}

// writeRaw writes a kube-apiserver audit log file: JSON lines, no export prefix.
func (tb *tdBuilder) writeRaw(path string) error {
	g := newGen(20210811, 1, 0)
	var out []byte
	t := at(11, 0, 0, 0)
	for i := 0; i < 20; i++ {
		t += 500 + g.r.Int64N(5000)
		var e *auditEvent
		if i == 6 || i == 13 {
			e = &auditEvent{}
			o := &objectRef{}
			g.eviction(e, o, t, "default", "web-6b7f9c-x2x9k", i == 13)
			e.auditID = fmt.Sprintf("%08d-0000-4000-8000-%012d", 0, 900+i)
		} else {
			e = g.background(t, false)
		}
		out = appendAudit(out, &g.c, e)
		out = append(out, '\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

func (tb *tdBuilder) readme() []byte {
	var b strings.Builder
	b.WriteString(`# testdata/export — golden-test tree for the seed queries

Written by ` + "`go run ./bench/gen -testdata -out testdata/export`" + ` together with this description
(deterministic: same bytes every run; do not edit by hand). The description sits beside the tree,
not in it, so that every file in the tree is input data.

A CloudWatch Logs export of an EKS cluster's log group, 2021-08-11 09:00–11:00 UTC:

- ` + "`aws-logs-write-test`" + ` — the export's permission probe (must be skipped).
- ` + "`" + tdTask + "/<logStream>/00000N.gz`" + ` — 3 audit streams (` + "`" + tdA + "`" + ` has two objects,
  000000 = 09:00–10:00 and 000001 = 10:00–11:00), 2 authenticator streams, 1 kube-scheduler stream (with
  multi-line klog events: continuation lines have no timestamp prefix), 1 kube-controller-manager stream.
- ` + "`raw/audit.log`" + ` — 20 kube-apiserver audit JSON lines (no prefix), 2 of them evictions of
  default/web-6b7f9c-x2x9k (auditIDs ...000906 and ...000913). Its @logStream is the file's base name
  ` + "`audit.log`" + `, so seeds/000 (` + "`@logStream like /^kube-apiserver-audit/`" + `) does NOT return them.

Parameters: seeds/000 is run with NAMESPACE=default and pod-name=web-6b7f9c-x2x9k, i.e.
` + "`filter requestURI like \"/api/v1/namespaces/default/pods/web-6b7f9c-x2x9k/\"`" + `.

Designed audit events have auditIDs ` + "`QQQQQQQQ-0000-4000-8000-NNNNNNNNNNNN`" + ` where QQQQQQQQ is the first query
they are listed under; other events are marked by a unique text. Background events (random auditIDs) are
ordinary traffic that none of the queries below returns, except #11 which counts every audit event.

Below, A, B and C are the audit streams ` + "`" + tdA + "`" + ` (A/000000, A/000001), ` + "`" + tdB + "`" + ` and
` + "`" + tdC + "`" + `; times are 2021-08-11 UTC @timestamp values.

Pinned details: events with equal @timestamp (2021-08-11 10:15:00.000 in A/000001 and B; 10:20:00.000 in
A/000001, B and C; 10:30:00.000 twice in A/000001) pin the tie order of ` + "`sort @timestamp desc`" + `; one
requestURI is written with a JSON escape (` + "`\\u0026`" + `) and must come out as ` + "`&`" + `; one audit event is
cut at 262144 bytes and is not JSON (a record with @message only, no fields).

`)
	streamShort := map[string]string{tdA: "A", tdB: "B", tdC: "C", tdAu1: "authenticator-7197…", tdAu2: "authenticator-8c0c…", tdSched: "kube-scheduler", tdKCM: "kube-controller-manager"}
	loc := func(ev *tdEvent) string {
		s := streamShort[ev.stream]
		if ev.stream == tdA {
			s += fmt.Sprintf("/%06d", ev.obj)
		}
		return s + " " + time.UnixMilli(ev.t).UTC().Format("15:04:05.000")
	}
	for qi, name := range seedQueries {
		fmt.Fprintf(&b, "## %d. %s\n\n", qi, name)
		if qi == 11 {
			counts := map[int]int{}
			for _, ev := range tb.events {
				if strings.HasPrefix(ev.stream, "kube-apiserver-audit-") {
					counts[ev.code]++
				}
			}
			var codes []int
			for c := range counts {
				codes = append(codes, c)
			}
			slices.Sort(codes)
			b.WriteString("Counts over the audit streams (code 0 = no responseStatus.code: a RequestReceived event and\nthe truncated, non-JSON event):\n\n| responseStatus.code | count |\n| --- | --- |\n")
			for _, c := range codes {
				fmt.Fprintf(&b, "| %d | %d |\n", c, counts[c])
			}
			b.WriteString("\n")
			continue
		}
		for _, kind := range []string{"Must return", "Must NOT return (near-misses)"} {
			fmt.Fprintf(&b, "%s:\n\n", kind)
			n := 0
			for _, ev := range tb.events {
				tags := ev.must
				if kind != "Must return" {
					tags = ev.near
				}
				if !slices.Contains(tags, qi) {
					continue
				}
				n++
				fmt.Fprintf(&b, "- `%s` (%s): %s\n", ev.marker, loc(ev), ev.desc)
			}
			if n == 0 {
				b.WriteString("- (none)\n")
			}
			b.WriteString("\n")
		}
		if qi == 2 {
			b.WriteString("Every audit event whose user.username contains kubernetes-admin is listed above; the authenticator\nlines with username=kubernetes-admin (query 1) are not audit events and must not be returned.\n\n")
		}
	}
	return []byte(b.String())
}
