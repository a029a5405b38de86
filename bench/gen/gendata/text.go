package gendata

import "strconv"

// logfmt value quoting as logrus does it: bare when made only of [A-Za-z0-9-._/@^+].
func appendLogfmt(b []byte, key, val string) []byte {
	b = append(b, ' ')
	b = append(b, key...)
	b = append(b, '=')
	for i := 0; i < len(val); i++ {
		c := val[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+') {
			return appendQ(b, val)
		}
	}
	return append(b, val...)
}

// appendAuthTime appends time="2021-08-11T10:09:43Z" (the authenticator logs whole seconds,
// a little before CloudWatch's timestamp).
func (g *gen) appendAuthTime(b []byte, tMs int64) []byte {
	sec := (tMs - int64(g.r.IntN(3000))) / 1000
	b = append(b, `time="`...)
	b = append(b, dateOf(&g.c, sec)...)
	b = append(b, 'T')
	b = appendClock(b, sec)
	return append(b, `Z"`...)
}

// authLine appends an aws-iam-authenticator line; k is nAdmin, nDenied or -1 (background).
func (g *gen) authLine(b []byte, tMs int64, k int) []byte {
	b = g.appendAuthTime(b, tMs)
	client := "127.0.0.1:" + strconv.Itoa(30000+g.r.IntN(35000))
	switch k {
	case nDenied:
		g.needles[k]++
		b = append(b, ` level=warning msg="access denied"`...)
		b = appendLogfmt(b, "client", client)
		b = appendLogfmt(b, "error", "sts getCallerIdentity failed: error from AWS (expected 200, got 403). Body: {\"Error\":{\"Code\":\"InvalidClientTokenId\",\"Message\":\"The security token included in the request is invalid.\",\"Type\":\"Sender\"},\"RequestId\":\""+g.uuid()+"\"}")
		b = append(b, " method=POST path=/authenticate"...)
		return b
	case nAdmin:
		g.needles[k]++
		b = append(b, ` level=info msg="access granted"`...)
		b = appendLogfmt(b, "arn", "arn:aws:iam::"+account+":user/awscli")
		b = appendLogfmt(b, "client", client)
		b = appendLogfmt(b, "groups", "[system:masters]")
		b = append(b, " method=POST path=/authenticate sts=sts."+region+".amazonaws.com"...)
		b = appendLogfmt(b, "uid", "heptio-authenticator-aws:"+account+":AIDAUQGC5HFOHXON7M22F")
		b = appendLogfmt(b, "username", "kubernetes-admin")
		return b
	}
	if g.r.IntN(10) == 0 {
		b = append(b, ` level=info msg="STS response"`...)
		b = appendLogfmt(b, "accesskeyid", "ASIA"+g.upper(16))
		b = appendLogfmt(b, "accountid", account)
		b = appendLogfmt(b, "arn", "arn:aws:sts::"+account+":assumed-role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5/i-0"+g.hex(16))
		b = appendLogfmt(b, "client", client)
		b = append(b, " method=POST path=/authenticate"...)
		b = appendLogfmt(b, "session", "i-0"+g.hex(16))
		b = appendLogfmt(b, "userid", "AROA"+g.upper(17))
		return b
	}
	b = append(b, ` level=info msg="access granted"`...)
	if g.r.IntN(5) == 0 {
		who := []string{"alice", "bob", "ci-deployer"}[g.r.IntN(3)]
		b = appendLogfmt(b, "arn", "arn:aws:iam::"+account+":role/eks-"+who)
		b = appendLogfmt(b, "client", client)
		b = appendLogfmt(b, "groups", "[developers]")
		b = append(b, " method=POST path=/authenticate sts=sts."+region+".amazonaws.com"...)
		b = appendLogfmt(b, "uid", "aws-iam-authenticator:"+account+":AROA"+g.upper(17))
		return appendLogfmt(b, "username", who)
	}
	b = appendLogfmt(b, "arn", "arn:aws:iam::"+account+":role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5")
	b = appendLogfmt(b, "client", client)
	b = appendLogfmt(b, "groups", "[system:bootstrappers system:nodes]")
	b = append(b, " method=POST path=/authenticate sts=sts."+region+".amazonaws.com"...)
	b = appendLogfmt(b, "uid", "aws-iam-authenticator:"+account+":AROA"+g.upper(17))
	return appendLogfmt(b, "username", "system:node:"+g.node())
}

// klogHeader appends "I0811 10:09:43.933124      10 file.go:123] ".
func (g *gen) klogHeader(b []byte, tMs int64, sev byte, file string) []byte {
	us := tMs*1000 - int64(g.r.IntN(900_000))
	sec := us / 1e6
	d := dateOf(&g.c, sec)
	b = append(b, sev)
	b = append(b, d[5:7]...)
	b = append(b, d[8:10]...)
	b = append(b, ' ')
	b = appendClock(b, sec)
	b = append(b, '.')
	b = appendFrac(b, us%1e6, 6)
	b = append(b, "      10 "...)
	b = append(b, file...)
	return append(b, "] "...)
}

// schedLine appends a kube-scheduler message; some are multi-line traces.
func (g *gen) schedLine(b []byte, tMs int64, k int) []byte {
	pod := g.pick(appNS) + "/" + g.podName(g.pick(apps))
	if k == nSchedPod {
		g.needles[k]++
		pod = "kube-system/aws-6799fc88d8-jqc2r"
	}
	switch x := g.r.IntN(100); {
	case x < 85 || k == nSchedPod:
		b = g.klogHeader(b, tMs, 'I', "scheduler.go:604")
		b = append(b, `"Successfully bound pod to node" pod="`...)
		b = append(b, pod...)
		b = append(b, `" node="`...)
		b = append(b, g.node()...)
		b = append(b, `" evaluatedNodes=`...)
		n := 3 + g.r.IntN(4)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " feasibleNodes="...)
		return strconv.AppendInt(b, int64(1+g.r.IntN(n)), 10)
	case x < 95:
		b = g.klogHeader(b, tMs, 'I', "factory.go:338")
		b = append(b, `"Unable to schedule pod; no fit; waiting" pod="`...)
		b = append(b, pod...)
		return append(b, `" err="0/6 nodes are available: 3 Insufficient cpu, 3 node(s) didn't match Pod's node affinity/selector."`...)
	}
	return g.trace(b, tMs, "trace.go:205", "\"Scheduling\" namespace:"+pod[:indexByte(pod, '/')]+",name:"+pod[indexByte(pod, '/')+1:])
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// trace appends a multi-line klog trace: continuation lines carry no timestamp prefix.
func (g *gen) trace(b []byte, tMs int64, file, what string) []byte {
	id := strconv.Itoa(1_000_000_000 + g.r.IntN(1_000_000_000))
	b = g.klogHeader(b, tMs, 'I', file)
	b = append(b, "Trace["...)
	b = append(b, id...)
	b = append(b, "]: "...)
	b = append(b, what...)
	total := 100 + g.r.IntN(2000)
	b = append(b, " (total time: "...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, "ms):\nTrace["...)
	b = append(b, id...)
	b = append(b, `]: ---"Computing predicates done" `...)
	b = strconv.AppendInt(b, int64(total/2), 10)
	b = append(b, "ms\nTrace["...)
	b = append(b, id...)
	b = append(b, "]: [0."...)
	b = appendFrac(b, int64(total), 3)
	b = append(b, "s] END"...)
	return b
}

// kcmLine appends a kube-controller-manager message.
func (g *gen) kcmLine(b []byte, tMs int64) []byte {
	app := g.pick(apps)
	ns := g.pick(appNS)
	if g.r.IntN(2) == 0 {
		b = g.klogHeader(b, tMs, 'I', "event.go:291")
		b = append(b, `"Event occurred" object="`...)
		b = append(b, ns+"/"+app+"-"+g.alnum(10)...)
		b = append(b, `" kind="ReplicaSet" apiVersion="apps/v1" type="Normal" reason="SuccessfulCreate" message="Created pod: `...)
		b = append(b, g.podName(app)...)
		return append(b, '"')
	}
	if g.r.IntN(50) == 0 {
		return g.trace(b, tMs, "trace.go:205", `"Reflector ListAndWatch" name:k8s.io/client-go/informers/factory.go:134`)
	}
	b = g.klogHeader(b, tMs, 'I', "replica_set.go:563")
	b = append(b, `"Too few replicas" replicaSet="`...)
	b = append(b, ns+"/"+app+"-"+g.alnum(10)...)
	b = append(b, `" need=3 creating=1`...)
	return b
}

// apiserverLine appends a kube-apiserver (not audit) message.
func (g *gen) apiserverLine(b []byte, tMs int64) []byte {
	switch g.r.IntN(10) {
	case 0:
		return g.trace(b, tMs, "trace.go:205", `"List" url:/api/v1/pods,user-agent:kubelet/v1.21.2-eks-55daa9d (linux/amd64) kubernetes/5c4d9c4,client:192.168.12.45`)
	case 1, 2:
		b = g.klogHeader(b, tMs, 'W', "watcher.go:220")
		return append(b, "watch chan error: etcdserver: mvcc: required revision has been compacted"...)
	}
	b = g.klogHeader(b, tMs, 'I', "controller.go:611")
	b = append(b, `quota admission added evaluator for: `...)
	return append(b, []string{"leases.coordination.k8s.io", "endpoints", "events.events.k8s.io", "jobs.batch"}[g.r.IntN(4)]...)
}
