package gendata

import "strconv"

// needle makes an audit event of kind k (one of the audit needle kinds).
func (g *gen) needle(k int, tMs int64) *auditEvent {
	e := &g.ev
	o := &g.ev2obj
	g.needles[k]++
	switch k {
	case nEviction:
		ns, pod := g.pick(appNS), g.podName(g.pick(apps))
		if g.r.IntN(3) == 0 {
			ns, pod = "default", "web-6b7f9c-x2x9k"
		}
		g.eviction(e, o, tMs, ns, pod, g.r.IntN(4) == 0)
	case nAwsAuth:
		verb := []string{"patch", "patch", "patch", "update", "create", "delete"}[g.r.IntN(6)]
		uri := g.uri(verb, rConfigMap, "kube-system", "aws-auth", "", o)
		if verb == "create" {
			uri += "?timeout=19s"
		}
		code := map[string]int{"create": 201}[verb]
		if code == 0 {
			code = 200
		}
		g.fill(e, tMs, "RequestResponse", verb, uri, adminUser(g), "12.34.56.78", "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191", code)
		e.reqObj = []byte(`{"data":{"mapRoles":"- rolearn: arn:aws:iam::` + account + `:role/eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1XK2F8Q3ZRJ5\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n","mapUsers":"- userarn: arn:aws:iam::` + account + `:user/mallory\n  username: mallory\n  groups:\n  - system:masters\n"}}`)
	case nPodDelete:
		name := "my-app"
		if g.r.IntN(2) == 0 {
			name = "my-app-" + g.alnum(5)
		}
		g.fill(e, tMs, "RequestResponse", "delete", g.uri("delete", rPods, "default", name, "", o), adminUser(g), "12.34.56.78", uaAdmin, 200)
		e.reqObj = []byte(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
	case n5xx:
		sa := "resourcequota-controller"
		code := []int{503, 503, 500, 504}[g.r.IntN(4)]
		g.fill(e, tMs, "Metadata", "get", "/apis/metrics.k8s.io/v1beta1?timeout=32s", saUser(g, sa), "12.34.56.78", uaKCM+sa, code)
		e.message = "the server is currently unable to handle the request"
		*o = objectRef{resource: "", apiGroup: "metrics.k8s.io", apiVersion: "v1beta1"}
		e.obj = nil
		return e
	case nCronjob:
		sa := "cronjob-controller"
		switch g.r.IntN(3) {
		case 0:
			g.fill(e, tMs, "Metadata", "get", g.uri("get", rCronJobs, "default", "hello", "", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 200)
		case 1:
			g.fill(e, tMs, "RequestResponse", "update", g.uri("update", rCronJobs, "default", "hello", "status", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 200)
			e.respObj = []byte(`{"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"hello","namespace":"default"},"spec":{"schedule":"*/1 * * * *"},"status":{"lastScheduleTime":"2021-08-09T07:19:00Z"}}`)
		default:
			g.fill(e, tMs, "Metadata", "create", g.uri("create", rJobs, "default", "hello-2718"+strconv.Itoa(g.r.IntN(90000)+10000), "", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 201)
		}
	case nReplicaset:
		sa := "replicaset-controller"
		if g.r.IntN(2) == 0 {
			g.fill(e, tMs, "Metadata", "create", g.uri("create", rPods, "kube-system", "coredns-6496b6c8b9-"+g.alnum(5), "", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 201)
		} else {
			g.fill(e, tMs, "Metadata", "update", g.uri("update", rRS, "kube-system", "coredns-6496b6c8b9", "status", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 200)
		}
	case nDaemonset:
		name := []string{"aws-node", "kube-proxy"}[g.r.IntN(2)]
		switch x := g.r.IntN(20); {
		case x < 12:
			sa := "daemon-set-controller"
			g.fill(e, tMs, "Metadata", "update", g.uri("update", rDS, "kube-system", name, "status", o), saUser(g, sa), "172.16.50.21", uaKCM+sa, 200)
		case x < 18:
			g.fill(e, tMs, "RequestResponse", "patch", g.uri("patch", rDS, "kube-system", name, "", o), adminUser(g), "12.34.56.78", "kubectl/v1.22.2 (darwin/amd64) kubernetes/8b5a191", 200)
			e.requestURI = "/apis/apps/v1/namespaces/kube-system/daemonsets/" + name + "?fieldManager=kubectl-set"
			e.reqObj = []byte(`{"REDACTED":"REDACTED"}`)
		case x < 19:
			g.fill(e, tMs, "RequestResponse", "create", g.uri("create", rDS, "kube-system", name, "", o), adminUser(g), "12.34.56.78", uaAdmin, 201)
		default:
			g.fill(e, tMs, "Metadata", "delete", g.uri("delete", rDS, "kube-system", name, "", o), adminUser(g), "12.34.56.78", uaAdmin, 200)
		}
	case nKubectl122:
		if g.r.IntN(2) == 0 {
			g.fill(e, tMs, "Metadata", "get", "/apis/metrics.k8s.io/v1beta1?timeout=32s", adminUser(g), "12.34.56.78", uaAdmin, 200)
			e.obj = nil
			return e
		}
		g.fill(e, tMs, "Metadata", "get", g.uri("get", rPods, "default", g.podName("web"), "", o), adminUser(g), "12.34.56.78", uaAdmin, 200)
	}
	e.obj = o
	return e
}

// eviction fills an eviction (seeds/000); refused evictions get the 429 of a PodDisruptionBudget
// (the evictErrorMessage of seeds/002).
func (g *gen) eviction(e *auditEvent, o *objectRef, tMs int64, ns, pod string, refused bool) {
	u := userInfo{name: "eks:fargate-manager", uid: "aws-iam-authenticator:" + account + ":AROA" + g.upper(17),
		groups: []string{"system:authenticated"},
		aws:    g.iamRole("aws-service-role/eks-fargate.amazonaws.com/AWSServiceRoleForAmazonEKSForFargate", "eks-fargate-"+g.hex(8))}
	// canonicalArn of a service-linked role has its path.
	u.aws.arn = "arn:aws:sts::" + account + ":assumed-role/AWSServiceRoleForAmazonEKSForFargate/" + u.aws.sessionName
	code := 201
	if refused {
		code = 429
	}
	g.fill(e, tMs, "RequestResponse", "create", "/api/v1/namespaces/"+ns+"/pods/"+pod+"/eviction", u, "10.0.3.17", "eks-fargate-manager/v1.0.0 (linux/amd64)", code)
	*o = objectRef{resource: "pods", namespace: ns, name: pod, apiVersion: "v1", subresource: "eviction"}
	e.obj = o
	e.reqObj = []byte(`{"kind":"Eviction","apiVersion":"policy/v1beta1","metadata":{"name":"` + pod + `","namespace":"` + ns + `","creationTimestamp":null}}`)
	if refused {
		e.message = "Cannot evict pod as it would violate the pod's disruption budget."
		e.respObj = []byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget ` + pod[:len(pod)-6] + `-pdb needs 2 healthy pods and has 2 currently"}]},"code":429}`)
	} else {
		e.status = "Success"
		e.respObj = []byte(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}`)
	}
}
