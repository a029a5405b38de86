package gendata

import "strconv"

// appendPod appends a realistic v1 Pod object (about 1.5 KB).
func (g *gen) appendPod(b []byte, ns, name, node string) []byte {
	app := name
	if i := len(name) - 17; i > 0 {
		app = name[:i]
	}
	b = append(b, `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"`...)
	b = append(b, name...)
	b = append(b, `","generateName":"`...)
	b = append(b, app...)
	b = append(b, `-","namespace":"`...)
	b = append(b, ns...)
	b = append(b, `","uid":"`...)
	b = append(b, g.uuid()...)
	b = append(b, `","resourceVersion":"`...)
	b = strconv.AppendInt(b, int64(1_000_000+g.r.IntN(90_000_000)), 10)
	b = append(b, `","creationTimestamp":"2021-08-10T17:13:53Z","labels":{"app":"`...)
	b = append(b, app...)
	b = append(b, `","pod-template-hash":"`...)
	b = append(b, g.alnum(10)...)
	b = append(b, `"},"annotations":{"kubernetes.io/psp":"eks.privileged"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"`...)
	b = append(b, app...)
	b = append(b, `","uid":"`...)
	b = append(b, g.uuid()...)
	b = append(b, `","controller":true,"blockOwnerDeletion":true}]},"spec":{"volumes":[{"name":"kube-api-access-`...)
	b = append(b, g.alnum(5)...)
	b = append(b, `","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],"containers":[{"name":"app","image":"`...)
	b = append(b, account...)
	b = append(b, `.dkr.ecr.eu-west-1.amazonaws.com/`...)
	b = append(b, app...)
	b = append(b, `:1.`...)
	b = strconv.AppendInt(b, int64(g.r.IntN(40)), 10)
	b = append(b, `.0","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"250m","memory":"256Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"`...)
	b = append(b, node...)
	b = append(b, `","schedulerName":"default-scheduler","priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2021-08-10T17:14:02Z"}],"hostIP":"192.168.`...)
	b = strconv.AppendInt(b, int64(g.r.IntN(100)), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(g.r.IntN(250)+1), 10)
	b = append(b, `","podIP":"192.168.`...)
	b = strconv.AppendInt(b, int64(g.r.IntN(100)), 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(g.r.IntN(250)+1), 10)
	b = append(b, `","startTime":"2021-08-10T17:13:53Z","qosClass":"Burstable"}}`...)
	return b
}

// appendPodList appends a PodList of about size bytes: the long tail of RequestResponse events.
func (g *gen) appendPodList(b []byte, ns string, size int) []byte {
	b = append(b, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"`...)
	b = strconv.AppendInt(b, int64(1_000_000+g.r.IntN(90_000_000)), 10)
	b = append(b, `"},"items":[`...)
	start := len(b)
	for first := true; len(b)-start < size; first = false {
		if !first {
			b = append(b, ',')
		}
		b = g.appendPod(b, ns, g.podName(g.pick(apps)), g.node())
	}
	return append(b, "]}"...)
}

// bigSize draws the size of a large response: 100 KB to 2 MB, smaller sizes likelier.
func (g *gen) bigSize() int {
	f := g.r.Float64()
	return 100_000 + int(f*f*f*1_900_000)
}

// bodies sets requestObject/responseObject of a RequestResponse event.
func (g *gen) bodies(e *auditEvent, verb string, d resDef, ns, name string, code int, big bool) {
	g.body = g.body[:0]
	g.body2 = g.body2[:0]
	if verb == "list" {
		size := 3000 + g.r.IntN(20000)
		if big && g.r.IntN(10) == 0 {
			size = g.bigSize()
		}
		g.body2 = g.appendPodList(g.body2, ns, size)
		e.respObj = g.body2
		return
	}
	if code >= 400 {
		g.body2 = append(g.body2, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":`...)
		g.body2 = appendQ(g.body2, e.message)
		g.body2 = append(g.body2, `,"reason":"`...)
		g.body2 = append(g.body2, e.reason...)
		g.body2 = append(g.body2, `","code":`...)
		g.body2 = strconv.AppendInt(g.body2, int64(code), 10)
		g.body2 = append(g.body2, '}')
		e.respObj = g.body2
	}
	switch verb {
	case "delete":
		e.reqObj = []byte(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
		if code < 400 {
			g.body2 = g.appendPod(g.body2, ns, name, g.node())
			e.respObj = g.body2
		}
		return
	case "patch":
		g.body = append(g.body, `{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2021-08-11T10:0`...)
		g.body = strconv.AppendInt(g.body, int64(g.r.IntN(10)), 10)
		g.body = append(g.body, `:00Z"}}}`...)
	default:
		if d == rPods || d == rDeploy || d == rRS {
			g.body = g.appendPod(g.body, ns, name, g.node())
		} else {
			g.body = append(g.body, `{"kind":"`...)
			g.body = append(g.body, d.res...)
			g.body = append(g.body, `","apiVersion":"`...)
			if d.group != "" {
				g.body = append(g.body, d.group...)
				g.body = append(g.body, '/')
			}
			g.body = append(g.body, d.ver...)
			g.body = append(g.body, `","metadata":{"name":`...)
			g.body = appendQ(g.body, name)
			g.body = append(g.body, `,"namespace":"`...)
			g.body = append(g.body, ns...)
			g.body = append(g.body, `","creationTimestamp":null}}`...)
		}
	}
	e.reqObj = g.body
	if code < 400 && e.respObj == nil {
		e.respObj = g.body
	}
}
