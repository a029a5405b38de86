package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// jsonBenchEvent2K is a realistic ~2 KB EKS audit event (Metadata level, IAM-authenticated user).
const jsonBenchEvent2K = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"3c5b7f0e-2a9d-4d7e-9f1a-5b6c7d8e9f01","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/pods/aws-node-7xk2p/exec?command=sh\u0026container=aws-node\u0026stdin=true\u0026stdout=true\u0026tty=true","verb":"create","user":{"username":"arn:aws:sts::123456789012:assumed-role/Admin/jane.doe@example.com","uid":"aws-iam-authenticator:123456789012:AROAEXAMPLEID12345","groups":["system:authenticated","system:masters"],"extra":{"accessKeyId":["ASIAEXAMPLEKEY12345"],"arn":["arn:aws:sts::123456789012:assumed-role/Admin/jane.doe@example.com"],"canonicalArn":["arn:aws:iam::123456789012:role/Admin"],"principalId":["AROAEXAMPLEID12345"],"sessionName":["jane.doe@example.com"]}},"sourceIPs":["203.0.113.17"],"userAgent":"kubectl/v1.29.3 (linux/amd64) kubernetes/6813625","objectRef":{"resource":"pods","namespace":"kube-system","name":"aws-node-7xk2p","apiVersion":"v1","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2024-05-01T12:34:56.789012Z","stageTimestamp":"2024-05-01T12:35:41.123456Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"EKS Access Policy: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to Group \"system:masters\"","pod-security.kubernetes.io/enforce-policy":"privileged:latest","apiserver.latency.k8s.io/etcd":"1.234ms","apiserver.latency.k8s.io/response-write":"812ns","apiserver.latency.k8s.io/serialize-response-object":"15.1µs","apiserver.latency.k8s.io/total":"44.33s","apiserver.latency.k8s.io/transform-response-object":"1.2µs","apiserver.latency.k8s.io/validating-admission":"98.7µs","mutation.webhook.admission.k8s.io/round_0_index_0":"{\"configuration\":\"pod-identity-webhook\",\"webhook\":\"iam-for-pods.amazonaws.com\",\"mutated\":false}"}}`

// jsonBenchEvent1M builds a ~1 MB RequestResponse event: the usual header fields first, then a
// large responseObject (a ConfigMapList with last-applied annotations full of escaped quotes,
// managedFields and long data strings), then the timestamps and annotations.
func jsonBenchEvent1M() []byte {
	var b bytes.Buffer
	head := jsonBenchEvent2K[:strings.Index(jsonBenchEvent2K, `,"requestReceivedTimestamp"`)]
	b.WriteString(strings.Replace(head, `"level":"Metadata"`, `"level":"RequestResponse"`, 1))
	b.WriteString(`,"responseObject":{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"123456"},"items":[`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		data := strings.Repeat("line of configuration text, key=value; ", 40)
		applied, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%d", i), "namespace": "default"},
			"data":     map[string]string{"config.yaml": data[:200]}})
		fmt.Fprintf(&b, `{"metadata":{"name":"cm-%d","namespace":"default","uid":"0b6f5c1e-%04d","resourceVersion":"%d",`+
			`"creationTimestamp":"2024-05-01T12:00:00Z","labels":{"app.kubernetes.io/name":"demo","tier":"backend"},`+
			`"annotations":{"kubectl.kubernetes.io/last-applied-configuration":%q},`+
			`"managedFields":[{"manager":"kubectl-client-side-apply","operation":"Update","apiVersion":"v1",`+
			`"time":"2024-05-01T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:config.yaml":{}},`+
			`"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}}}}]},`+
			`"data":{"config.yaml":%q,"replicas":"3","enabled":"true"}}`, i, i, 1000+i, applied, data)
	}
	b.WriteString(`]}`)
	b.WriteString(jsonBenchEvent2K[strings.Index(jsonBenchEvent2K, `,"requestReceivedTimestamp"`):])
	return b.Bytes()
}

func BenchmarkJSONFlatten(b *testing.B) {
	big := jsonBenchEvent1M()
	want := newJSONPathSet([]string{"verb", "objectRef.subresource", "requestURI"})
	wantLate := newJSONPathSet([]string{"verb", "stageTimestamp", "annotations.authorization.k8s.io/decision"})
	for _, ev := range []struct {
		name string
		msg  []byte
	}{{"2KB", []byte(jsonBenchEvent2K)}, {"1MB", big}} {
		for _, c := range []struct {
			name   string
			want   *jsonPathSet
			strict bool
			n      int
		}{
			{"full", nil, false, -1},
			{"want3", want, false, 3},
			{"want3-strict", want, true, 3},
			{"want-after-body", wantLate, false, 3},
		} {
			b.Run(ev.name+"/"+c.name, func(b *testing.B) {
				jsonStrictValidate = c.strict
				defer func() { jsonStrictValidate = false }()
				var f jsonFields
				b.SetBytes(int64(len(ev.msg)))
				b.ReportAllocs()
				for b.Loop() {
					if !f.parse(ev.msg, c.want) || (c.n >= 0 && f.len() != c.n) {
						panic(fmt.Sprintf("BUG: wrong result: %d fields", f.len()))
					}
				}
			})
		}
	}
}

func BenchmarkJSONValidObject(b *testing.B) {
	big := jsonBenchEvent1M()
	for _, ev := range []struct {
		name string
		msg  []byte
	}{{"2KB", []byte(jsonBenchEvent2K)}, {"1MB", big}} {
		b.Run(ev.name+"/jsonValidObject", func(b *testing.B) {
			b.SetBytes(int64(len(ev.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !jsonValidObject(ev.msg) {
					panic("BUG: invalid")
				}
			}
		})
		b.Run(ev.name+"/encoding-json-Valid", func(b *testing.B) {
			b.SetBytes(int64(len(ev.msg)))
			b.ReportAllocs()
			for b.Loop() {
				if !json.Valid(ev.msg) {
					panic("BUG: invalid")
				}
			}
		})
	}
}

func BenchmarkJSONParseValue(b *testing.B) {
	s := jsonBenchEvent2K
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if jsonParse(s).Kind != Map {
			panic("BUG: not a map")
		}
	}
}
