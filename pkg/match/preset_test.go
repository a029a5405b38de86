package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"strings"
	"testing"
)

// Every preset expands, with placeholder values for its required parameters, to a query that
// parses and compiles.
func TestPresetsCompile(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Presets() {
		if seen[p.Name] {
			t.Errorf("duplicate preset %s", p.Name)
		}
		seen[p.Name] = true
		if p.Description == "" {
			t.Errorf("%s: no description", p.Name)
		}
		params := map[string]string{}
		all := map[string]string{}
		for _, pp := range p.Params {
			if pp.Required {
				params[pp.Name] = "x-" + pp.Name
			}
			all[pp.Name] = `a"b\c/d.e'f`
		}
		for _, ps := range []map[string]string{params, all} {
			q, err := expandPreset(p.Name, ps)
			if err != nil {
				t.Errorf("%s: %v", p.Name, err)
				continue
			}
			qy, err := syntax.Parse(q)
			if err != nil {
				t.Errorf("%s: %v\n%s", p.Name, err, q)
				continue
			}
			if _, err := compileSyntax(qy, Options{}); err != nil {
				t.Errorf("%s: %v\n%s", p.Name, err, q)
			}
		}
		// The displayed template parses too, once placeholders are filled: the user copies it.
		if strings.Contains(p.Display(), "?") && strings.Contains(p.Display(), "\n?") {
			t.Errorf("%s: display keeps an optional-line marker", p.Name)
		}
	}
	for _, want := range []string{"fargate-evictions", "fargate-scheduled-termination", "fargate-patching", "cluster-creator",
		"requests-by-user", "requests-by-useragent", "aws-auth-changes", "denied-authentications", "pod-to-node",
		"server-errors", "cronjob-controller", "replicaset-controller", "resource-operations", "response-codes",
		"kube-system-daemonset-changes"} {
		if !seen[want] {
			t.Errorf("missing preset %s", want)
		}
	}
}

func TestExpandPreset(t *testing.T) {
	tests := []struct {
		name    string
		preset  string
		params  map[string]string
		want    []string // substrings of the query
		notWant []string
		err     string
	}{
		{
			name:   "seed000 text kept",
			preset: "fargate-evictions",
			params: map[string]string{"namespace": "default", "pod": "web-6b7f9c-x2x9k"},
			want:   []string{`filter requestURI like "/api/v1/namespaces/default/pods/web-6b7f9c-x2x9k/"`, `objectRef.subresource == 'eviction'`},
		},
		{
			name:   "missing required",
			preset: "fargate-evictions",
			params: map[string]string{"namespace": "default"},
			err:    `missing required parameter "pod"`,
		},
		{
			name:   "empty required is missing",
			preset: "pod-to-node",
			params: map[string]string{"pod": ""},
			err:    `missing required parameter "pod"`,
		},
		{
			name:   "unknown parameter",
			preset: "server-errors",
			params: map[string]string{"code": "500"},
			err:    `unknown parameter "code"`,
		},
		{
			name:   "unknown preset",
			preset: "nope",
			err:    `unknown preset "nope"`,
		},
		{
			name:   "control character",
			preset: "pod-to-node",
			params: map[string]string{"pod": "a\nb"},
			err:    "control character",
		},
		{
			name:   "string literal escapes quote and backslash",
			preset: "pod-to-node",
			params: map[string]string{"pod": `x" or 1=1 or "\`},
			want:   []string{`filter @message like "x\" or 1=1 or \"\\"`},
		},
		{
			name:   "single-quoted literal escapes its quote",
			preset: "requests-by-user",
			params: map[string]string{"user": `o'brien"`},
			want:   []string{`strcontains(user.username,"o'brien\"")`},
		},
		{
			name:   "regex quoted",
			preset: "requests-by-useragent",
			params: map[string]string{"userAgent": "kubectl/v1.22.0 (x)", "verb": "get|list"},
			want:   []string{`filter userAgent like /kubectl\/v1\.22\.0 \(x\)/`, `filter verb like /(get\|list)/`},
		},
		{
			name:   "defaults",
			preset: "requests-by-useragent",
			want:   []string{`/kubectl\/v1\.22\.0/`, `/(get)/`},
		},
		{
			name:    "optional lines dropped",
			preset:  "fargate-patching",
			want:    []string{`user.username == "eks:fargate-manager"`},
			notWant: []string{"objectRef.namespace ==", "?"},
		},
		{
			name:   "optional lines kept, bare placeholder quoted",
			preset: "fargate-patching",
			params: map[string]string{"namespace": `de"v`, "pod": "p"},
			want:   []string{"| filter objectRef.namespace == \"de\\\"v\"\n| filter objectRef.name == \"p\""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := expandPreset(tt.preset, tt.params)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(q, w) {
					t.Errorf("query lacks %q:\n%s", w, q)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(q, w) {
					t.Errorf("query has %q:\n%s", w, q)
				}
			}
			if _, err := syntax.Parse(q); err != nil {
				t.Errorf("does not parse: %v\n%s", err, q)
			}
		})
	}
}

// An injected value stays one literal: the query has as many commands as with a plain value,
// and the stats smuggled in the value is not one of them.
func TestPresetValueIsOneLiteral(t *testing.T) {
	parse := func(v string) *syntax.Query {
		q, err := expandPreset("fargate-patching", map[string]string{"pod": v, "namespace": v})
		if err != nil {
			t.Fatal(err)
		}
		qy, err := syntax.Parse(q)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		return qy
	}
	plain := len(parse("p").Commands)
	for _, evil := range []string{`") or ispresent(verb) or ("`, `' or 1=1 #`, `\") | stats count(*) #`, `/ | stats count(*) | /`} {
		qy := parse(evil)
		if len(qy.Commands) != plain {
			t.Errorf("value %q changed the query: %s", evil, qy.String())
		}
		for _, c := range qy.Commands {
			if _, ok := c.(*syntax.StatsCmd); ok {
				t.Errorf("value %q added a stats command", evil)
			}
		}
	}
}
