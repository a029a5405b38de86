package gendata

import (
	"math/rand/v2"
	"strconv"
)

// Needle kinds: rare events that the seed queries look for (about one per 100k events each).
const (
	nEviction   = iota // seeds/000: create pods/eviction (some refused with 429 by a PDB, seeds/002)
	nAwsAuth           // aws-auth ConfigMap create/patch/delete (and update, which the query misses)
	nPodDelete         // delete of pod default/my-app*
	n5xx               // responseStatus.code 500/503/504
	nCronjob           // calls by the cronjob-controller
	nReplicaset        // calls by the replicaset-controller
	nDaemonset         // kube-system DaemonSet create/update/delete (and patch, which the query misses)
	nKubectl122        // get by kubectl/v1.22.0
	nAdmin             // authenticator: username=kubernetes-admin
	nDenied            // authenticator: access denied
	nSchedPod          // kube-scheduler: pod aws-6799fc88d8-jqc2r
	nNeedleKinds
)

var needleNames = [nNeedleKinds]string{"eviction", "aws-auth", "pod-delete", "5xx", "cronjob-controller",
	"replicaset-controller", "kube-system-daemonset", "kubectl-v1.22.0-get", "authenticator-kubernetes-admin",
	"authenticator-denied", "scheduler-aws-6799fc88d8-jqc2r"}

// needleRate: one needle of each kind per needleRate events of the kind's stream, on average.
const needleRate = 100_000

const (
	account = "123456789012"
	region  = "eu-west-1"
)

// gen makes events. One gen per object being written, seeded from the object's identity, so
// objects can be generated in parallel and the output is the same whatever the scheduling.
type gen struct {
	r       *rand.Rand
	c       dayCache
	ev      auditEvent
	body    []byte
	body2   []byte
	needles [nNeedleKinds]int
	events  int
	ev2obj  objectRef
}

func newGen(seed uint64, stream, obj int) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed, uint64(stream)<<32|uint64(obj)))}
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) hex(n int) string {
	const h = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = h[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) alnum(n int) string {
	const a = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[g.r.IntN(len(a))]
	}
	return string(b)
}

func (g *gen) upper(n int) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[g.r.IntN(len(a))]
	}
	return string(b)
}

func (g *gen) uuid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

// Cluster vocabulary.
var (
	nodeIPs = []string{"192-168-66-187", "192-168-12-45", "192-168-35-201", "192-168-70-9", "192-168-91-134", "192-168-5-77"}
	appNS   = []string{"default", "staging", "payments", "monitoring", "ingress-nginx"}
	apps    = []string{"web", "api", "worker", "frontend", "redis", "checkout"}
	kcmSAs  = []string{"generic-garbage-collector", "endpoint-controller", "endpointslice-controller",
		"resourcequota-controller", "deployment-controller", "namespace-controller", "horizontal-pod-autoscaler",
		"pv-protection-controller", "node-controller", "ttl-after-finished-controller", "job-controller",
		"statefulset-controller", "service-account-controller", "disruption-controller"}
	eksUsers = []string{"eks:certificate-controller", "eks:cloud-controller-manager", "eks:node-manager",
		"eks:addon-manager", "eks:authenticator", "eks:pod-identity-mutating-webhook", "eks:k8s-metrics", "eks:fargate-scheduler"}
	nonResource = []string{"/healthz", "/livez", "/readyz", "/version", "/api", "/apis", "/openapi/v2", "/metrics"}
)

const (
	uaKCM     = "kube-controller-manager/v1.21.2 (linux/amd64) kubernetes/d2965f0/system:serviceaccount:kube-system:"
	uaKubelet = "kubelet/v1.21.2-eks-55daa9d (linux/amd64) kubernetes/5c4d9c4"
	uaSched   = "kube-scheduler/v1.21.2 (linux/amd64) kubernetes/d2965f0/scheduler"
	uaAdmin   = "kubectl/v1.22.0 (darwin/amd64) kubernetes/c2b5237"
)

type resDef struct{ res, group, ver string }

var (
	rPods      = resDef{"pods", "", "v1"}
	rConfigMap = resDef{"configmaps", "", "v1"}
	rSecrets   = resDef{"secrets", "", "v1"}
	rEndpoints = resDef{"endpoints", "", "v1"}
	rServices  = resDef{"services", "", "v1"}
	rNodes     = resDef{"nodes", "", "v1"}
	rEvents    = resDef{"events", "", "v1"}
	rNS        = resDef{"namespaces", "", "v1"}
	rSA        = resDef{"serviceaccounts", "", "v1"}
	rLeases    = resDef{"leases", "coordination.k8s.io", "v1"}
	rDeploy    = resDef{"deployments", "apps", "v1"}
	rRS        = resDef{"replicasets", "apps", "v1"}
	rDS        = resDef{"daemonsets", "apps", "v1"}
	rJobs      = resDef{"jobs", "batch", "v1"}
	rCronJobs  = resDef{"cronjobs", "batch", "v1"}
	rEPS       = resDef{"endpointslices", "discovery.k8s.io", "v1"}
	rPDB       = resDef{"poddisruptionbudgets", "policy", "v1"}
	rIngress   = resDef{"ingresses", "networking.k8s.io", "v1"}
	namespaced = map[string]bool{"nodes": false, "namespaces": false}
)

func (d resDef) prefix() string {
	if d.group == "" {
		return "/api/" + d.ver
	}
	return "/apis/" + d.group + "/" + d.ver
}

// uri builds the requestURI of a call and fills the objectRef.
func (g *gen) uri(verb string, d resDef, ns, name, sub string, o *objectRef) string {
	*o = objectRef{resource: d.res, apiGroup: d.group, apiVersion: d.ver}
	nsd, ok := namespaced[d.res]
	if !ok {
		nsd = true
	}
	p := d.prefix()
	if verb == "watch" {
		// Informers watch cluster-wide.
		rv := strconv.Itoa(1_000_000 + g.r.IntN(90_000_000))
		ts := 300 + g.r.IntN(300)
		return p + "/" + d.res + "?allowWatchBookmarks=true&resourceVersion=" + rv + "&timeout=" +
			strconv.Itoa(ts/60) + "m" + strconv.Itoa(ts%60) + "s&timeoutSeconds=" + strconv.Itoa(ts) + "&watch=true"
	}
	if nsd && ns != "" {
		o.namespace = ns
		p += "/namespaces/" + ns
	}
	p += "/" + d.res
	if verb == "list" {
		return p + "?limit=500&resourceVersion=0"
	}
	if verb == "create" && sub == "" {
		o.name = name
		return p
	}
	o.name = name
	p += "/" + name
	if sub != "" {
		o.subresource = sub
		p += "/" + sub
	}
	if g.r.IntN(3) == 0 {
		p += "?timeout=" + strconv.Itoa(10+g.r.IntN(25)) + "s"
	}
	return p
}

func (g *gen) node() string { return "ip-" + g.pick(nodeIPs) + "." + region + ".compute.internal" }

func (g *gen) podName(app string) string { return app + "-" + g.alnum(10) + "-" + g.alnum(5) }

func saUser(g *gen, sa string) userInfo {
	return userInfo{name: "system:serviceaccount:kube-system:" + sa, uid: g.uuid(),
		groups: []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}}
}

func (g *gen) iamRole(role, session string) *awsExtra {
	return &awsExtra{accessKeyID: "ASIA" + g.upper(16), arn: "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session,
		canonicalArn: "arn:aws:iam::" + account + ":role/" + role, sessionName: session}
}

func adminUser(g *gen) userInfo {
	return userInfo{name: "kubernetes-admin", uid: "heptio-authenticator-aws:" + account + ":AIDAUQGC5HFOHXON7M22F",
		groups: []string{"system:masters", "system:authenticated"},
		aws: &awsExtra{accessKeyID: "AKIAUQGC5HFOKDEXAMPL", arn: "arn:aws:iam::" + account + ":user/awscli",
			canonicalArn: "arn:aws:iam::" + account + ":user/awscli", sessionName: ""}}
}

// pickCode draws a response code for a verb.
func (g *gen) pickCode(verb string) int {
	x := g.r.IntN(10000)
	if x < 5 {
		return 429
	}
	switch verb {
	case "get":
		switch {
		case x < 600:
			return 404
		case x < 700:
			return 403
		}
	case "list":
		if x < 50 {
			return 403
		}
	case "watch":
		if x < 2 {
			return 101
		}
	case "create":
		switch {
		case x < 800:
			return 409
		case x < 1100:
			return 422
		case x < 1300:
			return 403
		}
		return 201
	case "update":
		if x < 900 {
			return 409
		}
	case "patch":
		switch {
		case x < 200:
			return 422
		case x < 300:
			return 404
		}
	case "delete":
		if x < 500 {
			return 404
		}
	}
	return 200
}

var codeText = map[int]struct{ status, reason string }{
	403: {"Failure", "Forbidden"}, 404: {"Failure", "NotFound"}, 409: {"Failure", "Conflict"},
	422: {"Failure", "Invalid"}, 429: {"Failure", "TooManyRequests"}, 500: {"Failure", "InternalError"},
	503: {"Failure", "ServiceUnavailable"}, 504: {"Failure", "Timeout"},
}

// fill sets the common fields of an event at CloudWatch time tMs.
func (g *gen) fill(e *auditEvent, tMs int64, level, verb, uri string, u userInfo, ip, ua string, code int) {
	recv := tMs*1000 - int64(5000+g.r.IntN(900_000))
	*e = auditEvent{level: level, auditID: g.uuid(), stage: "ResponseComplete", requestURI: uri, verb: verb,
		user: u, sourceIP: ip, userAgent: ua, code: code, recvUs: recv, stageUs: recv + int64(200+g.r.IntN(40_000)),
		decision: "allow"}
	if ct, ok := codeText[code]; ok {
		e.status, e.reason = ct.status, ct.reason
	}
	switch {
	case code == 403:
		e.decision = "forbid"
	case u.groups != nil && u.groups[0] == "system:masters":
		e.authzReason = ""
	default:
		e.authzReason = "RBAC: allowed by ClusterRoleBinding \"system:" + u.name[strings0(u.name):] + "\" of ClusterRole \"system:" + u.name[strings0(u.name):] + "\" to User \"" + u.name + "\""
	}
}

// strings0 returns the index after the last ':' of s.
func strings0(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i + 1
		}
	}
	return 0
}

// background makes an ordinary audit event that no seed query looks for.
func (g *gen) background(tMs int64, big bool) *auditEvent {
	e := &g.ev
	var o objectRef
	x := g.r.IntN(100)
	var (
		u        userInfo
		ip, ua   string
		verb     string
		d        resDef
		ns, name string
		sub      string
	)
	switch {
	case x < 30: // kubelets
		n := g.node()
		u = userInfo{name: "system:node:" + n, groups: []string{"system:nodes", "system:authenticated"},
			aws: g.iamRole("eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5", "i-0"+g.hex(16))}
		u.uid = "aws-iam-authenticator:" + account + ":AROA" + g.upper(17)
		ip, ua = "192.168."+strconv.Itoa(g.r.IntN(100))+"."+strconv.Itoa(g.r.IntN(250)+1), uaKubelet
		switch y := g.r.IntN(10); {
		case y < 4:
			verb, d, ns, name = "update", rLeases, "kube-node-lease", n
		case y < 6:
			verb, d, ns, name = "get", rPods, g.pick(appNS), g.podName(g.pick(apps))
		case y < 7:
			verb, d, name, sub = "patch", rNodes, n, "status"
		case y < 8:
			verb, d, name = "get", rNodes, n
		default:
			verb, d = "watch", []resDef{rPods, rConfigMap, rSecrets, rServices}[g.r.IntN(4)]
		}
	case x < 62: // controllers in kube-controller-manager
		sa := g.pick(kcmSAs)
		u, ip, ua = saUser(g, sa), "172.16.50."+strconv.Itoa(g.r.IntN(200)+10), uaKCM+sa
		switch y := g.r.IntN(20); {
		case y < 7:
			verb, d = "watch", []resDef{rPods, rEndpoints, rDeploy, rRS, rJobs, rEPS, rNodes, rNS, rPDB}[g.r.IntN(9)]
		case y < 11:
			verb, d, ns = "list", []resDef{rPods, rEndpoints, rEvents, rSA}[g.r.IntN(4)], g.pick(appNS)
		case y < 15:
			verb, d, ns, name = "get", []resDef{rDeploy, rEndpoints, rSA, rPods}[g.r.IntN(4)], g.pick(appNS), g.pick(apps)
		case y < 18:
			verb, d, ns, name = "update", []resDef{rEndpoints, rEPS, rDeploy}[g.r.IntN(3)], g.pick(appNS), g.pick(apps)+"-"+g.alnum(5)
			if d == rDeploy {
				sub = "status"
			}
		case y < 19:
			verb, d, ns, name = "create", rEvents, g.pick(appNS), g.pick(apps)+"."+g.hex(16)
		default:
			verb, d, ns, name = "delete", rPods, g.pick(appNS[1:]), g.podName(g.pick(apps))
		}
	case x < 72: // leader election and scheduling
		if g.r.IntN(2) == 0 {
			u = userInfo{name: "system:kube-controller-manager", groups: []string{"system:authenticated"}}
			ua = "kube-controller-manager/v1.21.2 (linux/amd64) kubernetes/d2965f0/leader-election"
			verb, d, ns, name = []string{"get", "update"}[g.r.IntN(2)], rLeases, "kube-system", "kube-controller-manager"
		} else {
			u = userInfo{name: "system:kube-scheduler", groups: []string{"system:authenticated"}}
			ua = uaSched
			switch g.r.IntN(3) {
			case 0:
				verb, d, ns, name = []string{"get", "update"}[g.r.IntN(2)], rLeases, "kube-system", "kube-scheduler"
			case 1:
				verb, d, ns, name, sub = "create", rPods, g.pick(appNS), g.podName(g.pick(apps)), "binding"
			default:
				verb, d = "watch", rPods
			}
		}
		ip = "172.16.50." + strconv.Itoa(g.r.IntN(200)+10)
	case x < 84: // eks:* service users
		name0 := g.pick(eksUsers)
		u = userInfo{name: name0, groups: []string{"system:authenticated"}}
		ip, ua = "10.0."+strconv.Itoa(g.r.IntN(20))+"."+strconv.Itoa(g.r.IntN(250)+1), "eks-"+name0[4:]+"/v1.0.0 (linux/amd64)"
		if name0 == "eks:authenticator" {
			verb, d, ns, name = []string{"get", "watch"}[g.r.IntN(2)], rConfigMap, "kube-system", "aws-auth"
			break
		}
		if g.r.IntN(4) == 0 {
			// Non-resource URL: no objectRef.
			g.fill(e, tMs, "Metadata", "get", g.pick(nonResource), u, ip, ua, 200)
			e.obj = nil
			return e
		}
		verb, d, ns, name = []string{"get", "list", "get", "watch"}[g.r.IntN(4)], []resDef{rNodes, rConfigMap, rDS, rCronJobs, rPods}[g.r.IntN(5)], "kube-system", "aws-node"
	case x < 94: // kube-system add-ons
		sa := []string{"aws-node", "coredns", "kube-proxy", "cluster-autoscaler", "ebs-csi-controller-sa"}[g.r.IntN(5)]
		u, ip = saUser(g, sa), "192.168."+strconv.Itoa(g.r.IntN(100))+"."+strconv.Itoa(g.r.IntN(250)+1)
		ua = sa + "/v0.0.0 (linux/amd64) kubernetes/$Format"
		verb, d = []string{"list", "watch", "get"}[g.r.IntN(3)], []resDef{rPods, rEndpoints, rServices, rNodes, rNS, rEPS}[g.r.IntN(6)]
		ns, name = "kube-system", sa
	default: // people and CI through IAM roles
		who := []string{"alice", "bob", "ci-deployer"}[g.r.IntN(3)]
		u = userInfo{name: who, uid: "aws-iam-authenticator:" + account + ":AROA" + g.upper(17),
			groups: []string{"developers", "system:authenticated"}, aws: g.iamRole("eks-"+who, who+"-"+g.hex(8))}
		ip = "203.0.113." + strconv.Itoa(g.r.IntN(250)+1)
		if who == "ci-deployer" {
			ua = "Helm/3.6.3"
			verb, d, ns, name = []string{"get", "create", "patch", "list"}[g.r.IntN(4)], []resDef{rDeploy, rServices, rSecrets, rIngress}[g.r.IntN(4)], g.pick(appNS[1:]), g.pick(apps)
		} else {
			ua = []string{"kubectl/v1.27.4 (darwin/arm64) kubernetes/fa3d799", "kubectl/v1.21.2 (linux/amd64) kubernetes/092fbfb", "k9s/v0.24.15 (darwin/amd64) kubernetes/$Format"}[g.r.IntN(3)]
			verb, d, ns = []string{"get", "list", "get", "delete"}[g.r.IntN(4)], rPods, g.pick(appNS[1:])
			name = g.podName(g.pick(apps))
		}
	}
	uri := g.uri(verb, d, ns, name, sub, &o)
	code := g.pickCode(verb)
	level := "Metadata"
	switch verb {
	case "get", "list", "watch":
		if g.r.IntN(10) == 0 {
			level = "Request"
		}
		if verb == "list" && big && g.r.IntN(100) == 0 {
			level = "RequestResponse"
		}
	default:
		if d != rSecrets && d != rConfigMap && g.r.IntN(2) == 0 {
			level = "RequestResponse"
		}
	}
	g.fill(e, tMs, level, verb, uri, u, ip, ua, code)
	e.obj = &g.ev2obj
	g.ev2obj = o
	if code >= 400 {
		e.message = statusMessage(code, d.res, name)
	}
	if level == "RequestResponse" {
		g.bodies(e, verb, d, ns, name, code, big)
	}
	return e
}

func statusMessage(code int, res, name string) string {
	switch code {
	case 404:
		return res + " \"" + name + "\" not found"
	case 409:
		return "Operation cannot be fulfilled on " + res + " \"" + name + "\": the object has been modified; please apply your changes to the latest version and try again"
	case 403:
		return res + " is forbidden: User cannot access resource \"" + res + "\""
	case 422:
		return res + " \"" + name + "\" is invalid: metadata.labels: Invalid value"
	case 429:
		return "Too many requests, please try again later."
	}
	return ""
}
