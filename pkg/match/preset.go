package match

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Presets are the AWS articles' queries (seeds/000, seeds/003) and the Fargate patching queries,
// with their hard-coded names, users and pods turned into parameters.
//
// A template is query text with placeholders <param>. What a value becomes depends on where its
// placeholder stands, so that a value can never change the query's structure:
//   - inside a "..." or '...' string literal: the value with \ and the literal's quote escaped;
//   - inside a /regex/: the value escaped with regexp.QuoteMeta, and / as \/ (matched literally);
//   - anywhere else: a double-quoted string literal.
//
// A template line starting with "?param " is kept only when param has a non-empty value (an
// optional filter); the marker is removed.

// PresetParam is one parameter of a preset.
type PresetParam struct {
	Name     string
	Required bool
	// Default is used when the parameter is not given (and it is not required).
	Default string
	Help    string
}

// Preset is a named query template.
type Preset struct {
	Name        string
	Description string
	// Source says where the query comes from.
	Source string
	Params []PresetParam
	// Query is the template (see above).
	Query string
	// Note says what the preset can and cannot find, when that is not obvious.
	Note string
}

var presets = []Preset{
	{
		Name:        "fargate-evictions",
		Description: "Did Fargate OS patching evict my pod? Eviction API calls for one pod.",
		Source:      "seeds/000 (AWS knowledge center: Fargate OS patching)",
		Params: []PresetParam{
			{Name: "namespace", Required: true, Help: "the pod's namespace"},
			{Name: "pod", Required: true, Help: "the pod's name"},
		},
		Query: `filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, user.username, user.extra.canonicalArn.0, @message
 | sort @timestamp desc
 | filter verb == "create" and objectRef.subresource == 'eviction'
 | filter requestURI like "/api/v1/namespaces/<namespace>/pods/<pod>/"`,
	},
	{
		Name:        "fargate-scheduled-termination",
		Description: "Audit-log side of \"EKS Fargate Pod Scheduled Termination\": evictions refused (429, PodDisruptionBudget), after which EKS deletes the pod at the scheduled time.",
		Source:      "seeds/002 and seeds/004 (Fargate OS patching events)",
		Params: []PresetParam{
			{Name: "namespace", Help: "only pods of this namespace"},
			{Name: "pod", Help: "only this pod"},
		},
		Query: `filter @logStream like /^kube-apiserver-audit/
| filter verb == "create" and objectRef.subresource == "eviction" and responseStatus.code == 429
?namespace | filter objectRef.namespace == <namespace>
?pod | filter objectRef.name == <pod>
| fields @timestamp, objectRef.namespace, objectRef.name, user.username, responseStatus.message, responseObject.details.causes.0.message
| sort @timestamp desc`,
		Note: `The "EKS Fargate Pod Scheduled Termination" event itself is sent to EventBridge, not to the control-plane logs, so its scheduledTerminationTime and fargateProfileName cannot be found offline. What the audit log holds is the failed eviction that caused it (verb create on pods/eviction answered 429 TooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget", or the multiple-PDB error) and, later, the delete of the pod: see the fargate-patching preset.`,
	},
	{
		Name:        "fargate-patching",
		Description: "Fargate OS patching: evictions and the pod deletes that followed, per pod in time order.",
		Source:      "seeds/000, seeds/002, seeds/004",
		Params: []PresetParam{
			{Name: "user", Default: "eks:fargate-manager", Help: "the user that evicts and deletes Fargate pods"},
			{Name: "namespace", Help: "only pods of this namespace"},
			{Name: "pod", Help: "only this pod"},
		},
		Query: `filter @logStream like /^kube-apiserver-audit/
| filter objectRef.resource == "pods" and user.username == <user>
| filter (verb == "create" and objectRef.subresource == "eviction") or (verb == "delete" and ispresent(objectRef.name) and not ispresent(objectRef.subresource))
?namespace | filter objectRef.namespace == <namespace>
?pod | filter objectRef.name == <pod>
| fields @timestamp, objectRef.namespace, objectRef.name, verb, objectRef.subresource, responseStatus.code, responseStatus.reason
| sort objectRef.namespace asc, objectRef.name asc, @timestamp asc`,
		Note: `One pass cannot join events, so "the deletes that followed for the same pods" are shown as every delete of a pod by the same user, sorted next to that pod's evictions: read them per pod (an eviction answered 429 followed by a delete is a pod removed at its scheduled termination time). Check the user name in your cluster with: auditgrep --preset requests-by-user -p user=fargate.`,
	},
	{
		Name:        "cluster-creator",
		Description: "Who created the cluster: the IAM entity mapped to kubernetes-admin in the authenticator logs.",
		Source:      "seeds/003 #1",
		Params:      []PresetParam{{Name: "username", Default: "kubernetes-admin", Help: "the Kubernetes user name"}},
		Query: `fields @logStream, @timestamp, @message
| sort @timestamp desc
| filter @logStream like /authenticator/
| filter @message like "username=<username>"
| limit 50`,
	},
	{
		Name:        "requests-by-user",
		Description: "Requests made by a user (user.username contains the value).",
		Source:      "seeds/003 #2",
		Params:      []PresetParam{{Name: "user", Default: "kubernetes-admin", Help: "text contained in user.username"}},
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter strcontains(user.username,"<user>")
| sort @timestamp desc
| limit 50`,
	},
	{
		Name:        "requests-by-useragent",
		Description: "API calls made by a userAgent (contains the value, matched literally) with a verb.",
		Source:      "seeds/003 #3",
		Params: []PresetParam{
			{Name: "userAgent", Default: "kubectl/v1.22.0", Help: "text contained in userAgent (matched literally: '.' is a dot)"},
			{Name: "verb", Default: "get", Help: "text contained in verb"},
		},
		Query: `fields @logStream, @timestamp, userAgent, verb, requestURI, @message
| filter @logStream like /kube-apiserver-audit/
| filter userAgent like /<userAgent>/
| sort @timestamp desc
| filter verb like /(<verb>)/`,
		Note: `The article's /kubectl\/v1.22.0/ leaves '.' unescaped (any character); the preset quotes the value, so it matches the text exactly.`,
	},
	{
		Name:        "aws-auth-changes",
		Description: "Mutating changes (create, delete, patch) to the aws-auth ConfigMap.",
		Source:      "seeds/003 #4",
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter requestURI like /\/api\/v1\/namespaces\/kube-system\/configmaps/
| filter objectRef.name = "aws-auth"
| filter verb like /(create|delete|patch)/
| sort @timestamp desc
| limit 50`,
		Note: "As in the article, updates (verb update) are not included.",
	},
	{
		Name:        "denied-authentications",
		Description: "Requests denied by the authenticator.",
		Source:      "seeds/003 #5",
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /^authenticator/
| filter @message like "denied"
| sort @timestamp desc
| limit 50`,
	},
	{
		Name:        "pod-to-node",
		Description: "The node a pod was scheduled on (kube-scheduler logs).",
		Source:      "seeds/003 #6",
		Params:      []PresetParam{{Name: "pod", Required: true, Help: "the pod's name"}},
		Query: `fields @logStream, @timestamp, @message
| sort @timestamp desc
| filter @logStream like /kube-scheduler/
| filter @message like "<pod>"
| limit 50`,
	},
	{
		Name:        "server-errors",
		Description: "HTTP 5xx server errors of Kubernetes API server requests.",
		Source:      "seeds/003 #7",
		Query: `fields @logStream, @timestamp, responseStatus.code, @message
| filter @logStream like /^kube-apiserver-audit/
| filter responseStatus.code >= 500
| limit 50`,
	},
	{
		Name:        "cronjob-controller",
		Description: "API calls made by the cronjob-controller (CronJob activation problems).",
		Source:      "seeds/003 #8",
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /kube-apiserver-audit/
| filter user.username like "system:serviceaccount:kube-system:cronjob-controller"
| display @logStream, @timestamp, @message, objectRef.namespace, objectRef.name
| sort @timestamp desc
| limit 50`,
	},
	{
		Name:        "replicaset-controller",
		Description: "API calls made by the replicaset-controller.",
		Source:      "seeds/003 #9",
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /kube-apiserver-audit/
| filter user.username like "system:serviceaccount:kube-system:replicaset-controller"
| display @logStream, @timestamp, requestURI, verb, user.username
| sort @timestamp desc
| limit 50`,
	},
	{
		Name:        "resource-operations",
		Description: "Operations (a verb) on a Kubernetes resource of the core API group (requestURI starts with the value).",
		Source:      "seeds/003 #10",
		Params: []PresetParam{
			{Name: "name", Required: true, Help: "the resource's name (requestURI like is a substring match: my-app also finds my-app-2)"},
			{Name: "namespace", Default: "default", Help: "the resource's namespace"},
			{Name: "resource", Default: "pods", Help: "the resource type (core API group: pods, configmaps, secrets, services...)"},
			{Name: "verb", Default: "delete", Help: "the verb"},
		},
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter verb == "<verb>" and requestURI like "/api/v1/namespaces/<namespace>/<resource>/<name>"
| sort @timestamp desc
| limit 10`,
	},
	{
		Name:        "response-codes",
		Description: "Count of HTTP response codes of calls to the Kubernetes API server.",
		Source:      "seeds/003 #11",
		Query: `fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| stats count(*) as count by responseStatus.code
| sort count desc`,
	},
	{
		Name:        "kube-system-daemonset-changes",
		Description: "Changes (create, update, delete) to DaemonSets/add-ons in kube-system.",
		Source:      "seeds/003 #12",
		Query: `filter @logStream like /^kube-apiserver-audit/
| fields @logStream, @timestamp, @message
| filter verb like /(create|update|delete)/ and strcontains(requestURI,"/apis/apps/v1/namespaces/kube-system/daemonsets")
| sort @timestamp desc
| limit 50`,
		Note: "As in the article, patch is not included (kubectl set/apply patch).",
	},
}

// Presets returns the presets, in listing order. The slice must not be modified.
func Presets() []Preset { return presets }

// LookupPreset returns the preset called name; the error for an unknown name lists the known
// ones.
func LookupPreset(name string) (*Preset, error) {
	for i := range presets {
		if presets[i].Name == name {
			return &presets[i], nil
		}
	}
	names := make([]string, len(presets))
	for i := range presets {
		names[i] = presets[i].Name
	}
	return nil, fmt.Errorf("unknown preset %q (auditgrep presets lists them: %s)", name, strings.Join(names, ", "))
}

// expandPreset returns the query of the preset called name with params substituted.
func expandPreset(name string, params map[string]string) (string, error) {
	p, err := LookupPreset(name)
	if err != nil {
		return "", err
	}
	return p.Expand(params)
}

// Expand returns the preset's query with params substituted, each value quoted for the place it
// fills so that it stays one literal. A missing required parameter, an unknown parameter, or a
// value holding a control character is an error naming the parameter.
func (p *Preset) Expand(params map[string]string) (string, error) {
	var unknown []string
	for k := range params {
		if !slices.ContainsFunc(p.Params, func(pp PresetParam) bool { return pp.Name == k }) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return "", fmt.Errorf("preset %s: unknown parameter %q (%s)", p.Name, unknown[0], p.paramList())
	}
	vals := make(map[string]string, len(p.Params))
	for _, pp := range p.Params {
		v, ok := params[pp.Name]
		if !ok || v == "" {
			if pp.Required {
				return "", fmt.Errorf("preset %s: missing required parameter %q (-p %s=VALUE: %s)", p.Name, pp.Name, pp.Name, pp.Help)
			}
			v = pp.Default
		}
		for _, r := range v {
			if r < 0x20 || r == 0x7f {
				return "", fmt.Errorf("preset %s: parameter %q holds a control character", p.Name, pp.Name)
			}
		}
		vals[pp.Name] = v
	}
	return expandTemplate(p.Query, vals)
}

func (p *Preset) paramList() string {
	if len(p.Params) == 0 {
		return "it takes no parameters"
	}
	names := make([]string, len(p.Params))
	for i, pp := range p.Params {
		names[i] = pp.Name
	}
	return "parameters: " + strings.Join(names, ", ")
}

// Display is the template as shown to a user: optional lines end with a comment saying which
// parameter enables them.
func (p *Preset) Display() string {
	lines := strings.Split(p.Query, "\n")
	for i, l := range lines {
		if name, rest, ok := optionalLine(l); ok {
			lines[i] = rest + "   # only with -p " + name + "=..."
		}
	}
	return strings.Join(lines, "\n")
}

var placeholderRE = regexp.MustCompile(`^<([A-Za-z][A-Za-z0-9_]*)>`)

func optionalLine(l string) (name, rest string, ok bool) {
	if !strings.HasPrefix(l, "?") {
		return "", "", false
	}
	name, rest, ok = strings.Cut(l[1:], " ")
	return name, rest, ok
}

// expandTemplate substitutes vals into tmpl, quoting each value for the context of its
// placeholder. Placeholders naming no parameter are left as they are.
func expandTemplate(tmpl string, vals map[string]string) (string, error) {
	var out strings.Builder
	lines := strings.Split(tmpl, "\n")
	first := true
	for _, l := range lines {
		if name, rest, ok := optionalLine(l); ok {
			if _, known := vals[name]; !known {
				return "", fmt.Errorf("template: optional line names unknown parameter %q", name)
			}
			if vals[name] == "" {
				continue
			}
			l = rest
		}
		if !first {
			out.WriteByte('\n')
		}
		first = false
		out.WriteString(l)
	}
	src := out.String()
	out.Reset()
	// quote is the delimiter of the literal being read: '"', '\'', '/', '`', or 0 outside.
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		if quote != 0 && c == '\\' && i+1 < len(src) {
			out.WriteByte(c)
			out.WriteByte(src[i+1])
			i++
			continue
		}
		if c == '<' && quote != '`' {
			if m := placeholderRE.FindStringSubmatch(src[i:]); m != nil {
				if v, ok := vals[m[1]]; ok {
					switch quote {
					case 0:
						out.WriteString(quoteString(v, '"'))
					case '/':
						out.WriteString(strings.ReplaceAll(regexp.QuoteMeta(v), "/", `\/`))
					default:
						s := quoteString(v, quote)
						out.WriteString(s[1 : len(s)-1])
					}
					i += len(m[0]) - 1
					continue
				}
			}
		}
		switch {
		case quote == 0 && (c == '"' || c == '\'' || c == '/' || c == '`'):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		}
		out.WriteByte(c)
	}
	if quote != 0 {
		return "", fmt.Errorf("template: unterminated %c literal", quote)
	}
	return out.String(), nil
}

// quoteString returns v as a query string literal delimited by q, with \ and q escaped.
func quoteString(v string, q byte) string {
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' || v[i] == q {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	b.WriteByte(q)
	return b.String()
}
