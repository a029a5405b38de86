package syntax

import (
	"errors"
	"testing"
)

// parseSuccessCases lists queries that must parse, with their canonical String(). They also seed
// FuzzParse.
var parseSuccessCases = [][2]string{
	// Seed 000: the Fargate eviction query.
	{`filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, user.username, user.extra.canonicalArn.0, @message
 | sort @timestamp desc
 | filter verb == "create" and objectRef.subresource == 'eviction'
 | filter requestURI like "/api/v1/namespaces/NAMESPACE/pods/pod-name/"`,
		"filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, user.username, user.extra.canonicalArn.0, @message | sort @timestamp desc | filter verb = \"create\" and objectRef.subresource = \"eviction\" | filter requestURI like \"/api/v1/namespaces/NAMESPACE/pods/pod-name/\""},
	// Seed 003: the 12 EKS control-plane queries.
	{`fields @logStream, @timestamp, @message
| sort @timestamp desc
| filter @logStream like /authenticator/
| filter @message like "username=kubernetes-admin"
| limit 50`,
		"fields @logStream, @timestamp, @message | sort @timestamp desc | filter @logStream like /authenticator/ | filter @message like \"username=kubernetes-admin\" | limit 50"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter strcontains(user.username,"kubernetes-admin")
| sort @timestamp desc
| limit 50`,
		"fields @logStream, @timestamp, @message | filter @logStream like /^kube-apiserver-audit/ | filter strcontains(user.username, \"kubernetes-admin\") | sort @timestamp desc | limit 50"},
	{`fields @logStream, @timestamp, userAgent, verb, requestURI, @message
| filter @logStream like /kube-apiserver-audit/
| filter userAgent like /kubectl\/v1.22.0/
| sort @timestamp desc
| filter verb like /(get)/`,
		"fields @logStream, @timestamp, userAgent, verb, requestURI, @message | filter @logStream like /kube-apiserver-audit/ | filter userAgent like /kubectl\\/v1.22.0/ | sort @timestamp desc | filter verb like /(get)/"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter requestURI like /\/api\/v1\/namespaces\/kube-system\/configmaps/
| filter objectRef.name = "aws-auth"
| filter verb like /(create|delete|patch)/
| sort @timestamp desc
| limit 50`,
		"fields @logStream, @timestamp, @message | filter @logStream like /^kube-apiserver-audit/ | filter requestURI like /\\/api\\/v1\\/namespaces\\/kube-system\\/configmaps/ | filter objectRef.name = \"aws-auth\" | filter verb like /(create|delete|patch)/ | sort @timestamp desc | limit 50"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /^authenticator/
| filter @message like "denied"
| sort @timestamp desc
| limit 50`,
		"fields @logStream, @timestamp, @message | filter @logStream like /^authenticator/ | filter @message like \"denied\" | sort @timestamp desc | limit 50"},
	{`fields @logStream, @timestamp, @message
| sort @timestamp desc
| filter @logStream like /kube-scheduler/
| filter @message like "aws-6799fc88d8-jqc2r"
| limit 50`,
		"fields @logStream, @timestamp, @message | sort @timestamp desc | filter @logStream like /kube-scheduler/ | filter @message like \"aws-6799fc88d8-jqc2r\" | limit 50"},
	{`fields @logStream, @timestamp, responseStatus.code, @message
| filter @logStream like /^kube-apiserver-audit/
| filter responseStatus.code >= 500
| limit 50`,
		"fields @logStream, @timestamp, responseStatus.code, @message | filter @logStream like /^kube-apiserver-audit/ | filter responseStatus.code >= 500 | limit 50"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /kube-apiserver-audit/
| filter user.username like "system:serviceaccount:kube-system:cronjob-controller"
| display @logStream, @timestamp, @message, objectRef.namespace, objectRef.name
| sort @timestamp desc
| limit 50`,
		"fields @logStream, @timestamp, @message | filter @logStream like /kube-apiserver-audit/ | filter user.username like \"system:serviceaccount:kube-system:cronjob-controller\" | display @logStream, @timestamp, @message, objectRef.namespace, objectRef.name | sort @timestamp desc | limit 50"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /kube-apiserver-audit/
| filter user.username like "system:serviceaccount:kube-system:replicaset-controller"
| display @logStream, @timestamp, requestURI, verb, user.username
| sort @timestamp desc
| limit 50`,
		"fields @logStream, @timestamp, @message | filter @logStream like /kube-apiserver-audit/ | filter user.username like \"system:serviceaccount:kube-system:replicaset-controller\" | display @logStream, @timestamp, requestURI, verb, user.username | sort @timestamp desc | limit 50"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| filter verb == "delete" and requestURI like "/api/v1/namespaces/default/pods/my-app"
| sort @timestamp desc
| limit 10`,
		"fields @logStream, @timestamp, @message | filter @logStream like /^kube-apiserver-audit/ | filter verb = \"delete\" and requestURI like \"/api/v1/namespaces/default/pods/my-app\" | sort @timestamp desc | limit 10"},
	{`fields @logStream, @timestamp, @message
| filter @logStream like /^kube-apiserver-audit/
| stats count(*) as count by responseStatus.code
| sort count desc`,
		"fields @logStream, @timestamp, @message | filter @logStream like /^kube-apiserver-audit/ | stats count(*) as count by responseStatus.code | sort count desc"},
	{`filter @logStream like /^kube-apiserver-audit/
| fields @logStream, @timestamp, @message
| filter verb like /(create|update|delete)/ and strcontains(requestURI,"/apis/apps/v1/namespaces/kube-system/daemonsets")
| sort @timestamp desc
| limit 50`,
		"filter @logStream like /^kube-apiserver-audit/ | fields @logStream, @timestamp, @message | filter verb like /(create|update|delete)/ and strcontains(requestURI, \"/apis/apps/v1/namespaces/kube-system/daemonsets\") | sort @timestamp desc | limit 50"},
	// Queries quoted in insights-spec.md.
	{"FIELDS @message | PARSE @message \"[*] *\" as loggingType, loggingMessage | FILTER loggingType IN [\"ERROR\", \"INFO\"] | DISPLAY loggingMessage, loggingType = \"ERROR\" as isError",
		"fields @message | parse @message \"[*] *\" as loggingType, loggingMessage | filter loggingType in [\"ERROR\", \"INFO\"] | display loggingMessage, loggingType = \"ERROR\" as isError"},
	{"STATS count(*) BY BIN(5m) AS @t",
		"stats count(*) by BIN(5m) as @t"},
	{"fields @timestamp, @message | sort @timestamp desc | limit 50",
		"fields @timestamp, @message | sort @timestamp desc | limit 50"},
	{"fields @timestamp, @message | filter verb = \"x\"",
		"fields @timestamp, @message | filter verb = \"x\""},
	{"fields concat(Operation, '-', StatusCode) as opStatus",
		"fields concat(Operation, \"-\", StatusCode) as opStatus"},
	{"fields jsonParse(api.request.data).startTime as startTime",
		"fields jsonParse(api.request.data).startTime as startTime"},
	{"fields `foo-bar`, action, abs(f3-f4)",
		"fields `foo-bar`, action, abs(f3 - f4) as `abs(f3-f4)`"},
	{"filter (duration>2000)",
		"filter duration > 2000"},
	{"filter (range>3000 and accountId=123456789012)",
		"filter range > 3000 and accountId = 123456789012"},
	{"filter @logStream like /^cloud-controller/",
		"filter @logStream like /^cloud-controller/"},
	{"filter @logStream ~= \"kube-apiserver-audit\"",
		"filter @logStream =~ \"kube-apiserver-audit\""},
	{"filter CountTime >=50",
		"filter CountTime >= 50"},
	{"filter f1 =~ /^(?i)Exception$/",
		"filter f1 =~ /^(?i)Exception$/"},
	{"filter f1 like /(?i)Exception/",
		"filter f1 like /(?i)Exception/"},
	{"filter f3 like /E*/",
		"filter f3 like /E*/"},
	{"filter ispresent(a) AND ispresent(b)",
		"filter ispresent(a) and ispresent(b)"},
	{"filter logGroup in [\"example_group\"]",
		"filter logGroup in [\"example_group\"]"},
	{"filter statusCode in [300,400,500]",
		"filter statusCode in [300, 400, 500]"},
	{"filter Type not in [\"foo\",\"bar\",1]",
		"filter Type not in [\"foo\", \"bar\", 1]"},
	{"filter restarts > 2",
		"filter restarts > 2"},
	{"filter verb != \"watch\"",
		"filter verb != \"watch\""},
	{"filter isIpv4InSubnet(srcAddr, \"192.0.2.0/24\")",
		"filter isIpv4InSubnet(srcAddr, \"192.0.2.0/24\")"},
	{"filterIndex IPaddress = \"198.51.100.0\"",
		"filterIndex IPaddress = \"198.51.100.0\""},
	{"filterIndex IPaddress in [\"198.51.100.0\",\"198.51.100.1\"]",
		"filterIndex IPaddress in [\"198.51.100.0\", \"198.51.100.1\"]"},
	{"parse @message \"url=*\" as url | parse url \"/api/*/users/*\" as apiVersion, userId",
		"parse @message \"url=*\" as url | parse url \"/api/*/users/*\" as apiVersion, userId"},
	{"parse @message /\\[(?<level>\\S+)\\]\\s+(?<config>\\{.*\\})\\s+The error was: (?<exception>\\S+)/",
		"parse @message /\\[(?<level>\\S+)\\]\\s+(?<config>\\{.*\\})\\s+The error was: (?<exception>\\S+)/"},
	// The current PARSE page's modes: multi-match, logfmt, csv (the docs' examples).
	{"parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi\n| stats count(*) by ip_addr",
		"parse @message /(\\d+\\.\\d+\\.\\d+\\.\\d+)/ as ip_addr multi | stats count(*) by ip_addr"},
	{"parse @message /(?<ip>\\d+)/ MULTI", "parse @message /(?<ip>\\d+)/ multi"},
	{"parse @message logfmt as lf\n| filter lf.level = \"error\"\n| display lf.msg, lf.duration",
		"parse @message logfmt as lf | filter lf.level = \"error\" | display lf.msg, lf.duration"},
	{"parse logfmt as lf | stats count(*) by lf.host", "parse logfmt as lf | stats count(*) by lf.host"},
	{"parse @message csv as timestamp, level, message\n| filter level = \"ERROR\"\n| display timestamp, message",
		"parse @message csv as timestamp, level, message | filter level = \"ERROR\" | display timestamp, message"},
	{"PARSE @message CSV AS host, method", "parse @message csv as host, method"},
	// csv and logfmt are field names where no as follows them.
	{"parse csv \"a=*\" as a | parse logfmt /(?<b>x)/", "parse csv \"a=*\" as a | parse logfmt /(?<b>x)/"},
	{"parse @message 'Failed to do: *' as cause",
		"parse @message \"Failed to do: *\" as cause"},
	{"parse @message \"subject: *, seconds after warning threshold:*\\\"\" as subject, elapsedtime",
		"parse @message \"subject: *, seconds after warning threshold:*\\\"\" as subject, elapsedtime"},
	{"stats count(*) as count by requestURI, verb, responseStatus.code, userAgent | filter @logStream =~ \"kube-apiserver-audit\" | filter responseStatus.code >= 500 | sort count desc",
		"stats count(*) as count by requestURI, verb, responseStatus.code, userAgent | filter @logStream =~ \"kube-apiserver-audit\" | filter responseStatus.code >= 500 | sort count desc"},
	{"STATS count_distinct(client_ip) AS session_ips, count(*) AS requests BY session_id, client_platform | FILTER session_ips > 1 | STATS count(*) AS sessions BY client_platform",
		"stats count_distinct(client_ip) as session_ips, count(*) as requests by session_id, client_platform | filter session_ips > 1 | stats count(*) as sessions by client_platform"},
	{"stats sum(message_length)/1024/1024 as logs_mb",
		"stats sum(message_length) / 1024 / 1024 as logs_mb"},
	{"stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB, max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB, provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
		"stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB, max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB, provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB"},
	{"STATS MAX(strlen(@message)) AS MaxMessageSize # Invalid reference to @message",
		"stats MAX(strlen(@message)) as MaxMessageSize"},
	{"STATS avg(node_cpu_utilization) as avg_node_cpu_utilization by NodeName | SORT avg_node_cpu_utilization DESC",
		"stats avg(node_cpu_utilization) as avg_node_cpu_utilization by NodeName | sort avg_node_cpu_utilization desc"},
	{"stats count(*) by bin(1h)",
		"stats count(*) by bin(1h)"},
	{"stats count(*) by queryType, bin(1h)",
		"stats count(*) by queryType, bin(1h)"},
	{"stats count(*) by duration as time",
		"stats count(*) by duration as time"},
	{"stats max(@timestamp) as @t by dateceil(@t, 10m)",
		"stats max(@timestamp) as @t by dateceil(@t, 10m)"},
	{"stats count(*) by bin(1h) as t | sort t",
		"stats count(*) by bin(1h) as t | sort t"},
	{"fields (StartHour * 3600 + StartMinute * 60 + StartSec + StartMsec / 1000000) as StartTime, (EndHour * 3600 + EndMinute * 60 + EndSec + EndMsec / 1000000) as EndTime, (EndTime - StartTime) as DeltaTime",
		"fields StartHour * 3600 + StartMinute * 60 + StartSec + StartMsec / 1000000 as StartTime, EndHour * 3600 + EndMinute * 60 + EndSec + EndMsec / 1000000 as EndTime, EndTime - StartTime as DeltaTime"},
	{"fields @timestamp, @message | filter @message like 'Skip putting node'",
		"fields @timestamp, @message | filter @message like \"Skip putting node\""},
	{"filter objectRef.subresource == 'eviction'",
		"filter objectRef.subresource = \"eviction\""},
	{"fields @timestamp | filter requestURI not like \"?timeout=32s\"",
		"fields @timestamp | filter requestURI not like \"?timeout=32s\""},
	{"filter statusCode like /2\\d\\d/",
		"filter statusCode like /2\\d\\d/"},
	{"filter responseStatus.code=\"401\"",
		"filter responseStatus.code = \"401\""},
	{"filter responseStatus.code in [\"401\", \"403\"]",
		"filter responseStatus.code in [\"401\", \"403\"]"},
	{"stats count(*) by objectRef.name as secret | filter verb=\"get\" and objectRef.resource=\"secrets\"",
		"stats count(*) by objectRef.name as secret | filter verb = \"get\" and objectRef.resource = \"secrets\""},
	{"filter responseStatus.code not like /500/",
		"filter responseStatus.code not like /500/"},
	{"fields timestamp, pod, err, @message | filter @logStream like /kube-scheduler/ | parse @message /pod=\"(?<pod>[^\"]+)\" err=\"(?<err>[^\"]+)\"/",
		"fields timestamp, pod, err, @message | filter @logStream like /kube-scheduler/ | parse @message /pod=\"(?<pod>[^\"]+)\" err=\"(?<err>[^\"]+)\"/"},
	{"fields @`aws.tag.aws:cloudformation:stack-name`, map.attributes.`special.char`, json_message.`user.id`, json_message.users[1].action",
		"fields `@aws.tag.aws:cloudformation:stack-name`, map.attributes.`special.char`, json_message.`user.id`, json_message.users[1].action"},
	{"dedup isPresent(field), b | limit 10",
		"dedup isPresent(field), b | limit 10"},
	{"unnest jsonParse(api.request.data).list into item",
		"unnest jsonParse(api.request.data).list into item"},
	{"unmask",
		"unmask"},
	{"fields 2 ^ 3, 10 % 3, 10/4",
		"fields 2 ^ 3, 10 % 3, 10 / 4 as `10/4`"},
	{"stats pct(@duration, 95), stddev(x), earliest(a), latest(a), sortsFirst(a), sortsLast(a), avg(x), sum(x), min(x), max(x) by bin(30s)",
		"stats pct(@duration, 95), stddev(x), earliest(a), latest(a), sortsFirst(a), sortsLast(a), avg(x), sum(x), min(x), max(x) by bin(30s)"},
	{"stats count() by bin(100ms), bin(1000ms), bin(1001ms), bin(61m), bin(25h), bin(3d), bin(2w), bin(1qtr), bin(2yrs), bin(3mos), bin(1min), bin(2hours), bin(5sec), bin(1y)",
		"stats count() by bin(100ms), bin(1000ms), bin(1000ms) as `bin(1001ms)`, bin(60m) as `bin(61m)`, bin(24h) as `bin(25h)`, bin(3d), bin(2w), bin(1q) as `bin(1qtr)`, bin(2y) as `bin(2yrs)`, bin(3mo) as `bin(3mos)`, bin(1m) as `bin(1min)`, bin(2h) as `bin(2hours)`, bin(5s) as `bin(5sec)`, bin(1y)"},
	// Every construct of the grammar.
	{"filter a and b or c and d",
		"filter a and b or c and d"},
	{"filter a or b and c",
		"filter a or b and c"},
	{"filter (a or b) and c",
		"filter (a or b) and c"},
	{"filter not not a",
		"filter not not a"},
	{"filter not a = 1",
		"filter not a = 1"},
	{"filter (not a) = 1",
		"filter (not a) = 1"},
	{"filter a = 1 or not b like \"x\"",
		"filter a = 1 or not b like \"x\""},
	{"filter -x > -2",
		"filter -x > -2"},
	{"filter - -x = 1",
		"filter - -x = 1"},
	{"filter a + b * c - d / e % f = 1",
		"filter a + b * c - d / e % f = 1"},
	{"filter (a + b) * c = 1",
		"filter (a + b) * c = 1"},
	{"filter a - (b + c) = 1",
		"filter a - (b + c) = 1"},
	{"filter 2 ^ 3 ^ 2 = 512",
		"filter 2 ^ 3 ^ 2 = 512"},
	{"filter (2 ^ 3) ^ 2 = 64",
		"filter (2 ^ 3) ^ 2 = 64"},
	{"filter -2 ^ 2 = 4",
		"filter -2 ^ 2 = 4"},
	{"filter -(2 ^ 2) = -4",
		"filter -(2 ^ 2) = -4"},
	{"filter a == 1 and b != 2 and c < 3 and d <= 4 and e > 5 and f >= 6",
		"filter a = 1 and b != 2 and c < 3 and d <= 4 and e > 5 and f >= 6"},
	{"filter (a = b) = c",
		"filter (a = b) = c"},
	{"filter a = (b = c)",
		"filter a = (b = c)"},
	{"filter x like \"\" and y like 'it\\'s' and z like \"back\\\\slash\" and w like \"keep\\d\"",
		"filter x like \"\" and y like \"it's\" and z like \"back\\\\slash\" and w like \"keep\\\\d\""},
	{"filter x like /a\\/b\\\\/ and y =~ /(?<name>x)/",
		"filter x like /a\\/b\\\\/ and y =~ /(?<name>x)/"},
	{"filter x =~ \"a.c\"",
		"filter x =~ \"a.c\""},
	{"filter x in [1, -2, 3.5, \"a\"] and y not in []",
		"filter x in [1, -2, 3.5, \"a\"] and y not in []"},
	{"filter a.b.c = 1 and `a b`.c = 2 and a.`b c` = 3 and `and` = 4 and `desc` = 5 and `0` = 6 and `5m` = 7 and `1.5` = 8 and `0`.a = 9",
		"filter a.b.c = 1 and `a b`.c = 2 and a.`b c` = 3 and `and` = 4 and `desc` = 5 and `0` = 6 and `5m` = 7 and `1.5` = 8 and 0.a = 9"},
	{"fields jsonParse(@message).a.b.c, jsonParse(@message)[0][1], (jsonParse(@message)).x, (a).b, f(x).`a.b`, f(x).0, f(x).and",
		"fields jsonParse(@message).a.b.c, jsonParse(@message)[0][1], jsonParse(@message).x as `(jsonParse(@message)).x`, (a).b, f(x).`a.b`, f(x).`0` as `f(x).0`, f(x).and"},
	{"fields a as `my col`, b as `and`, c as @t, d as x.y",
		"fields a as `my col`, b as `and`, c as @t, d as x.y"},
	{"fields a,b,c|display a|sort b|limit 1",
		"fields a, b, c | display a | sort b | limit 1"},
	{"FILTER A LIKE \"x\" AnD b In [1] oR NOT c",
		"filter A like \"x\" and b in [1] or not c"},
	{"filter a NOT LIKE \"x\" and b NOT IN [\"y\"]",
		"filter a not like \"x\" and b not in [\"y\"]"},
	{"sort a, b asc, c desc, f(x) desc",
		"sort a, b, c desc, f(x) desc"},
	{"limit any 100",
		"limit any 100"},
	{"head 3",
		"limit 3"},
	{"LIMIT 10000",
		"limit 10000"},
	{"parse \"*\" as a",
		"parse \"*\" as a"},
	{"parse @message \"a*b*\" as x, y",
		"parse @message \"a*b*\" as x, y"},
	{"parse jsonParse(x).msg \"k=*\" as v",
		"parse jsonParse(x).msg \"k=*\" as v"},
	{"parse `my field` /(?<a>.)/",
		"parse `my field` /(?<a>.)/"},
	{"parse @message /(?P<a>x)(?<b>y)(z)/",
		"parse @message /(?P<a>x)(?<b>y)(z)/"},
	{`filter a # comment | not a pipe
| fields b`,
		"filter a | fields b"},
	{"filter a like \"x # not a comment | nor a pipe\"",
		"filter a like \"x # not a comment | nor a pipe\""},
	{"filter a like /x # | y/",
		"filter a like /x # | y/"},
	{"fields `x|y`",
		"fields `x|y`"},
	{`fields
  a,
  b
|
sort a`,
		"fields a, b | sort a"},
	{"fields count(*), count(), f(a, *, 1)",
		"fields count(*), count(), f(a, *, 1)"},
	{"stats count(*) as count by responseStatus.code | sort count desc",
		"stats count(*) as count by responseStatus.code | sort count desc"},
	{"stats count(*) as c by bin(5m) as t | stats avg(c) by t | sort t | limit 5",
		"stats count(*) as c by bin(5m) as t | stats avg(c) by t | sort t | limit 5"},
	{"dedup a | limit 1 | limit 2",
		"dedup a | limit 1 | limit 2"},
	{"fields 1.50, 007, \"tab\there\"",
		"fields 1.50, 007, \"tab\there\""},
	{"unnest x into `out put`",
		"unnest x into `out put`"},
	{"unmask @message",
		"unmask @message"},
	{"filter x =~ /(?s).*/ and y like /[(?=]/ and z like /\\(?=x\\)/",
		"filter x =~ /(?s).*/ and y like /[(?=]/ and z like /\\(?=x\\)/"},
	{"where a = 1",
		"where a = 1"},
	{"filterindex a = 1",
		"filterIndex a = 1"},
	{"stats count(*) by `foo-bar`",
		"stats count(*) by `foo-bar`"},
	{"fields user.extra.canonicalArn.0, items.0.instanceId",
		"fields user.extra.canonicalArn.0, items.0.instanceId"},
}

// TestParseQuery_Success checks the canonical form of each query and that it is a fixed point.
func TestParseQuery_Success(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): unexpected error: %v", in, err)
		}
		got := q.String()
		if got != want {
			t.Fatalf("Parse(%q).String():\ngot  %s\nwant %s", in, got, want)
		}
		q2, err := Parse(got)
		if err != nil {
			t.Fatalf("reparse of %q: %v", got, err)
		}
		if got2 := q2.String(); got2 != got {
			t.Fatalf("String() is not a fixed point:\nfirst  %s\nsecond %s", got, got2)
		}
		checkSpans(t, in, q)
	}
	for _, c := range parseSuccessCases {
		f(c[0], c[1])
	}
}

// TestParseQuery_Failure checks the offset and message of errors.
func TestParseQuery_Failure(t *testing.T) {
	f := func(in string, offset int, msg string) {
		t.Helper()
		q, err := Parse(in)
		if err == nil {
			t.Fatalf("Parse(%q): expected an error, got %s", in, q)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q): error %T is not a *Error", in, err)
		}
		if e.Offset != offset || e.Msg != msg {
			t.Fatalf("Parse(%q):\ngot  %d %q\nwant %d %q", in, e.Offset, e.Msg, offset, msg)
		}
		if e.Len < 1 || e.Offset+e.Len > len(in)+1 {
			t.Fatalf("Parse(%q): bad error span %d+%d", in, e.Offset, e.Len)
		}
	}
	f("", 0, "empty query: write a command such as fields, filter or stats")
	f("   # only a comment", 19, "empty query: write a command such as fields, filter or stats")
	f("|", 0, "expected a command after the start of the query, found \"|\"")
	f("fields a |", 10, "expected a command after \"|\", found the end of the query: remove the trailing \"|\"")
	f("fields a | | sort b", 11, "expected a command after \"|\", found \"|\": remove one of the two")
	f("fields a sort b", 9, "missing \"|\" before sort: commands are separated by \"|\"")
	f("filter (a = 1", 7, "this \"(\" is never closed: add the missing \")\"")
	f("filter (a = 1 | limit 2", 14, "expected \")\" to close the \"(\" opened at column 8, found \"|\"")
	f("filter a = 1\n| filter (a = 1 | limit 2", 29, "expected \")\" to close the \"(\" opened at line 2, column 10, found \"|\"")
	f("parse @message \"\x84*\" as a", 15, "the parse pattern is not valid UTF-8")
	f("filter a = 1)", 12, "unmatched \")\": there is no \"(\" for it to close; remove it")
	f("filter f(a, b", 8, "the \"(\" of f( is never closed: add the missing \")\"")
	f("filter f(a b)", 11, "expected \",\" or \")\" in the arguments of f( opened at column 9, found \"b\"")
	f("fields", 6, "expected an expression after \"fields\", found the end of the query")
	f("fields a,", 9, "expected an expression after \",\", found the end of the query")
	f("fields a as", 11, "expected a field name after \"as\", found the end of the query")
	f("fields a as 1", 12, "expected a field name after \"as\", found \"1\"")
	f("fields a as and", 12, "and is a keyword: to use it as a field name write `and`")
	f("stats count(*) by", 17, "expected a field name after \"by\", found the end of the query")
	f("stats count(*) as c by x as", 27, "expected a field name after \"as\", found the end of the query")
	f("parse @message \"*,*\" as a", 15, "the parse pattern has 2 * wildcard(s) but 1 name(s) follow as: the number of * must equal the number of names")
	f("parse @message \"*\" as a, b", 15, "the parse pattern has 1 * wildcard(s) but 2 name(s) follow as: the number of * must equal the number of names")
	f("parse @message \"x\"", 18, "expected as and the names of the * fields after the parse pattern (parse @message \"user=*\" as user), found the end of the query")
	f("parse @message /(x)/", 15, "the parse regex has no named group: name each field to extract with (?<name>...), or list the names after as")
	// The current docs name a regex's groups with as (parse @message /(\d+)/ as ip multi): the
	// names must match the groups one for one.
	f("parse @message /(x)(y)/ as a", 27, "the parse regex has 2 capture group(s) but 1 name(s) follow as: name each group, in order")
	f("parse @message /(x)/ as a, b multi", 24, "the parse regex has 1 capture group(s) but 2 name(s) follow as: name each group, in order")
	f("parse @message \"*\" as a multi", 24, "multi is only allowed after a parse /regex/: a glob extracts one match")
	f("parse @message logfmt", 21, "expected as and the name of the map (parse @message logfmt as lf, then lf.level) after logfmt, found the end of the query")
	f("parse csv", 9, "expected as and a name for each value (parse @message csv as time, level, msg) after csv, found the end of the query")
	f("parse logfmt as a, b", 6, "parse logfmt makes one map of all the key=value pairs: name it once (logfmt as lf) and read lf.b")
	f("parse @message logfmt as", 24, "expected a field name after \"as\", found the end of the query")
	f("parse", 5, "expected a field, a \"glob\", a /regex/, logfmt or csv after parse, found the end of the query")
	f("parse @message", 14, "expected a \"glob\" pattern, a /regex/, logfmt or csv after the parse source, found the end of the query")
	f("foo a", 0, "unknown command \"foo\": expected fields, display, filter, where, stats, sort, limit, parse, dedup, unnest, unmask or filterIndex")
	f("FOO", 0, "unknown command \"FOO\": expected fields, display, filter, where, stats, sort, limit, parse, dedup, unnest, unmask or filterIndex")
	f("pattern @message", 0, "the pattern command needs the CloudWatch service and is not supported offline")
	f("fields @message | pattern @message | anomaly", 18, "the pattern command needs the CloudWatch service and is not supported offline")
	f("SOURCE logGroups()", 0, "the SOURCE command needs the CloudWatch service and is not supported offline")
	f("source x", 0, "the source command needs the CloudWatch service and is not supported offline")
	f("diff previousDay", 0, "the diff command needs the CloudWatch service and is not supported offline")
	f("lookup t", 0, "the lookup command needs the CloudWatch service and is not supported offline")
	f("countFrequent x", 0, "the countFrequent command needs the CloudWatch service and is not supported offline")
	f("filter x like /(?=a)b/", 15, "lookahead (?=...) is not supported: Go's RE2 regex engine has no lookaround")
	f("filter x like /a(?!b)/", 16, "lookahead (?!...) is not supported: Go's RE2 regex engine has no lookaround")
	f("filter x =~ /(?<=a)b/", 13, "lookbehind (?<=...) is not supported: Go's RE2 regex engine has no lookaround")
	f("filter x like /(?<!a)b/", 15, "lookbehind (?<!...) is not supported: Go's RE2 regex engine has no lookaround")
	f("filter x like /(a)\\1/", 18, "backreference \\1 is not supported: Go's RE2 regex engine has no backreferences")
	f("filter x =~ \"(?=a)\"", 12, "lookahead (?=...) is not supported: Go's RE2 regex engine has no lookaround")
	f("parse @message /(?<a>x)(?=y)/", 23, "lookahead (?=...) is not supported: Go's RE2 regex engine has no lookaround")
	f("filter x like /(/", 14, "invalid regular expression: missing closing ): `(`")
	f("filter x =~ \"(\"", 12, "invalid regular expression: missing closing ): `(`")
	f("stats count(*) | stats count(*) | stats count(*)", 34, "a query can have at most two stats commands")
	f("sort a | stats count(*) by a | stats count(*)", 0, "sort must come after the second stats command: with two stats commands, sort and limit apply to the final result")
	f("stats count(*) by a | limit 5 | stats count(*)", 22, "limit must come after the second stats command: with two stats commands, sort and limit apply to the final result")
	f("stats count(*) as c by a | stats sum(c) by bin(5m)", 43, "bin() cannot be used in the second stats command: group by bin() in the first stats and refer to its alias")
	f("stats a", 6, "stats needs at least one aggregate function (count, count_distinct, sum, avg, min, max, pct, stddev, earliest, latest, sortsFirst or sortsLast)")
	f("stats a + 1 as b", 6, "stats needs at least one aggregate function (count, count_distinct, sum, avg, min, max, pct, stddev, earliest, latest, sortsFirst or sortsLast)")
	f("filter a like \"abc", 14, "unterminated string: add the closing \"")
	f("filter a like 'abc", 14, "unterminated string: add the closing '")
	f("filter a like /abc", 14, "unterminated regex: add the closing / (write \\/ for a literal slash)")
	f("fields `abc", 7, "unterminated backtick name: add the closing `")
	f("fields ``", 7, "empty backtick name: put a field name between the backticks")
	f("limit 0", 6, "limit needs a positive integer number of rows, found 0")
	f("limit x", 6, "expected a positive integer after limit, found \"x\"")
	f("limit -1", 6, "expected a positive integer after limit, found \"-\"")
	f("limit 1.5", 6, "limit needs a positive integer number of rows, found 1.5")
	f("limit", 5, "expected a positive integer after limit, found the end of the query")
	f("limit any", 9, "expected a positive integer after limit, found the end of the query")
	f("head x", 5, "expected a positive integer after head, found \"x\"")
	f("tail 5", 0, "tail is deprecated and not supported: use sort @timestamp asc | limit N")
	f("dedup a | sort a", 10, "only limit can follow dedup: move sort before dedup")
	f("dedup a | filter b", 10, "only limit can follow dedup: move filter before dedup")
	f("dedup", 5, "expected a field name after \"dedup\", found the end of the query")
	f("unnest x", 8, "expected into after the unnest field (unnest x into name), found the end of the query")
	f("unnest x into", 13, "expected a field name after \"into\", found the end of the query")
	f("unnest", 6, "expected a field after unnest, found the end of the query")
	f("filter a in (fields b)", 12, "subqueries (in (...)) need the CloudWatch service and are not supported offline: list the values, in [\"a\", \"b\"]")
	f("filter a in b", 12, "expected a list such as [\"a\", \"b\"] after in, found \"b\"")
	f("filter a in [b]", 13, "expected a \"string\" or a number in the list, found \"b\"")
	f("filter a not b", 13, "expected like or in after not, found \"b\"")
	f("filter a not", 12, "expected like or in after not, found the end of the query")
	f("filter a like b", 14, "expected a \"string\" or a /regex/ after like, found \"b\": quote the text, as in like \"b\"")
	f("filter a =~ b", 12, "expected a \"string\" or a /regex/ after =~, found \"b\": quote the text, as in =~ \"b\"")
	f("filter a = b = c", 13, "comparisons cannot be chained: add parentheses, e.g. (a = b) = c")
	f("filter a < b like \"x\"", 13, "comparisons cannot be chained: add parentheses, e.g. (a = b) = c")
	f("filter a ! b", 9, "unexpected \"!\": write != for \"not equal\" or the keyword not for negation")
	f("filter a ~ b", 9, "unexpected \"~\": did you mean =~ (regex match)?")
	f("filter é", 7, "unexpected character \"é\": quote strings with \" or ', and put field names with special characters in backticks")
	f("filter a.", 8, "expected a name after \".\" in a field name")
	f("filter a..b", 8, "expected a name after \".\" in a field name")
	f("filter and", 7, "unexpected keyword and: expected an expression (to use it as a field name write `and`)")
	f("filter a and", 12, "expected an expression, found the end of the query")
	f("filter", 6, "expected a condition after filter, found the end of the query")
	f("filter a = ", 11, "expected an expression, found the end of the query")
	f("fields 5m", 7, "a time period such as 5m is only allowed as a function argument, as in bin(5m); to name a field 5m write `5m`")
	f("fields bin(0m)", 11, "a time period must be positive, as in 5m")
	f("fields f(x)[a]", 12, "expected a list index (0, 1, ...) after \"[\", found \"a\"")
	f("fields f(x).", 12, "expected a key after \".\", found the end of the query")
	f("fields a / /b/", 11, "unexpected \"/\": a /regex/ is only allowed after like, not like, =~ or in parse; use a \"string\" elsewhere")
	f("fields *", 7, "unexpected \"*\": * is only allowed as count(*)")
	f("fields f(*+1)", 9, "unexpected \"*\": * is only allowed as count(*)")
	f("fields a.b(x)", 7, "a.b is not a function name")
	f("fields @x(y)", 7, "@x is not a function name")
	f("sort", 4, "expected a field to sort by after \"sort\", found the end of the query")
	f("sort a,", 7, "expected a field to sort by after \",\", found the end of the query")
	f("sort a desc desc", 12, "unexpected \"desc\" after the sort command: expected \",\", \"|\" or the end of the query")
	f("stats count(*) by bin(5m) by", 26, "unexpected \"by\" after the stats command: expected \",\", \"|\" or the end of the query")
	f("fields a b", 9, "missing \",\" before \"b\": separate the items of a list with \",\"")
	f("filter x like /a/ b", 18, "unexpected \"b\" after the filter command: expected \"|\" or the end of the query")
}

// checkSpans checks that every command and expression has a non-empty span inside the text.
func checkSpans(t *testing.T, in string, q *Query) {
	t.Helper()
	ok := func(sp Span, what string) {
		t.Helper()
		if sp.Start < 0 || sp.End > len(in) || sp.Start >= sp.End {
			t.Fatalf("Parse(%q): %s has bad span %v", in, what, sp)
		}
	}
	for _, c := range q.Commands {
		ok(c.Pos(), c.String())
		var xs []Expr
		switch c := c.(type) {
		case *FieldsCmd:
			for _, it := range c.Items {
				xs = append(xs, it.X)
			}
		case *StatsCmd:
			for _, it := range append(append([]*Item(nil), c.Aggs...), c.By...) {
				xs = append(xs, it.X)
			}
		case *FilterCmd:
			xs = append(xs, c.Cond)
		case *SortCmd:
			for _, k := range c.Keys {
				xs = append(xs, k.X)
			}
		case *ParseCmd:
			xs = append(xs, c.Source)
		case *DedupCmd:
			xs = c.Fields
		case *UnnestCmd:
			xs = append(xs, c.X)
		case *UnmaskCmd:
			xs = append(xs, c.X)
		}
		for _, x := range xs {
			Walk(x, func(e Expr) {
				ok(e.Pos(), e.String())
				if sp := e.Pos(); sp.Start < c.Pos().Start || sp.End > c.Pos().End {
					t.Fatalf("Parse(%q): span %v of %s is outside its command %v", in, sp, e, c.Pos())
				}
			})
		}
	}
}

func TestParseQuery_AST(t *testing.T) {
	parse := func(in string) *Query {
		t.Helper()
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		return q
	}

	// Mixed bare/backticked paths and the @`...` form.
	q := parse("fields a.`b.c`.d, @`aws.tag`, user.extra.canonicalArn.0, `foo-bar`, abs(f3-f4)")
	items := q.Commands[0].(*FieldsCmd).Items
	f := items[0].X.(*Field)
	if f.Name != "a.b.c.d" || len(f.Path) != 3 || f.Path[1] != "b.c" {
		t.Fatalf("mixed path: %+v", f)
	}
	if f := items[1].X.(*Field); f.Name != "@aws.tag" || len(f.Path) != 1 {
		t.Fatalf("@` form: %+v", f)
	}
	if f := items[2].X.(*Field); f.Name != "user.extra.canonicalArn.0" || len(f.Path) != 4 {
		t.Fatalf("digit segment: %+v", f)
	}
	if items[3].Name() != "foo-bar" || items[4].Name() != "abs(f3-f4)" {
		t.Fatalf("item names: %q %q", items[3].Name(), items[4].Name())
	}

	// count is an alias and a sort key; == is =, ~= is =~.
	q = parse(`stats COUNT(*) as count by responseStatus.code | sort count desc | filter a == 1 and b ~= "x" and c not like /y/`)
	st := q.Commands[0].(*StatsCmd)
	if st.Aggs[0].Alias != "count" || st.Aggs[0].Text != "COUNT(*)" || st.By[0].Name() != "responseStatus.code" {
		t.Fatalf("stats: %+v %+v", st.Aggs[0], st.By[0])
	}
	if _, ok := st.Aggs[0].X.(*Call).Args[0].(*Star); !ok {
		t.Fatalf("count(*) arg is not a Star")
	}
	if k := q.Commands[1].(*SortCmd).Keys[0]; !k.Desc || k.X.(*Field).Name != "count" {
		t.Fatalf("sort key: %+v", k)
	}
	and := q.Commands[2].(*FilterCmd).Cond.(*Binary)
	if and.Op != "and" || and.X.(*Binary).X.(*Binary).Op != "=" {
		t.Fatalf("filter tree: %s", and)
	}
	if l := and.X.(*Binary).Y.(*Like); l.Op != "=~" || l.Pat.(*StrLit).Val != "x" {
		t.Fatalf("~=: %+v", l)
	}
	if l := and.Y.(*Like); l.Op != "like" || !l.Not || l.Pat.(*RegexLit).Re == nil {
		t.Fatalf("not like: %+v", l)
	}

	// Periods are canonical and clamped to the caps of spec §10.3.
	q = parse("stats count(*) by bin(300s), bin(2hrs), bin(1qtr), bin(90m), bin(5000ms), bin(48h), bin(400d)")
	want := []string{"60s", "2h", "1q", "60m", "1000ms", "24h", "400d"}
	for i, it := range q.Commands[0].(*StatsCmd).By {
		p := it.X.(*Call).Args[0].(*PeriodLit)
		if got := p.String(); got != want[i] {
			t.Fatalf("period %d: got %s want %s", i, got, want[i])
		}
	}

	// Regex literals: \/ is /, spans and Src.
	q = parse(`filter userAgent like /kubectl\/v1.22.0/`)
	re := q.Commands[0].(*FilterCmd).Cond.(*Like).Pat.(*RegexLit)
	if re.Src != "kubectl/v1.22.0" || !re.Re.MatchString("kubectl/v1.22.0 (darwin)") || re.Sp != (Span{22, 40}) {
		t.Fatalf("regex: %+v", re)
	}

	// Parenthesised nodes' spans cover the parentheses.
	q = parse("filter (a) + (b * c) = 1")
	if b := q.Commands[0].(*FilterCmd).Cond.(*Binary); b.Sp != (Span{7, 24}) || b.X.Pos() != (Span{7, 20}) || b.X.(*Binary).Y.Pos() != (Span{13, 20}) {
		t.Fatalf("paren spans: %v %v", b.Sp, b.X.Pos())
	}

	// Division is not a regex outside a pattern position.
	q = parse("fields a / b / c as x")
	if b := q.Commands[0].(*FieldsCmd).Items[0].X.(*Binary); b.Op != "/" || b.X.(*Binary).Op != "/" {
		t.Fatalf("division: %s", b)
	}

	// Postfix access on call results.
	q = parse("fields jsonParse(x).a[2].b")
	ix := q.Commands[0].(*FieldsCmd).Items[0].X.(*Index)
	if ix.Key != "b" || !ix.X.(*Index).IsIdx || ix.X.(*Index).Idx != 2 || ix.X.(*Index).X.(*Index).Key != "a" {
		t.Fatalf("postfix: %s", ix)
	}

	// Glob translation: lazy groups, trailing * to the end, unanchored, . matches newlines.
	q = parse(`parse @message "[*] * The error was: *" as level, config, exception`)
	pc := q.Commands[0].(*ParseCmd)
	m := pc.Re.FindStringSubmatch("25 May 2019 10:24:39,474 [ERROR] {foo=2, bar=data} The error was: DataIntegrityException\nmore")
	if pc.Source.(*Field).Name != "@message" || len(m) != 4 || m[1] != "ERROR" || m[2] != "{foo=2, bar=data}" || m[3] != "DataIntegrityException\nmore" {
		t.Fatalf("glob: %q %q", pc.Re, m)
	}
	q = parse(`parse "a=*," as a`)
	if pc := q.Commands[0].(*ParseCmd); pc.Source != nil || pc.Re.FindStringSubmatch("x a=1,b=2,")[1] != "1" {
		t.Fatalf("glob without source: %q", pc.Re)
	}

	// Regex parse: aliases are the named groups in order.
	q = parse(`parse @message /(?<level>\S+) (\d+) (?P<n>\d+)/`)
	if pc := q.Commands[0].(*ParseCmd); !pc.IsRegex || len(pc.Aliases) != 2 || pc.Aliases[0] != "level" || pc.Aliases[1] != "n" {
		t.Fatalf("regex parse: %+v", pc)
	}

	// filter, where and filterIndex record their name; head is limit; limit any.
	q = parse("WHERE a = 1 | FilterIndex b = 2 | filter c | head 7 | limit any 3")
	if q.Commands[0].(*FilterCmd).Name != "where" || q.Commands[1].(*FilterCmd).Name != "filterIndex" || q.Commands[2].(*FilterCmd).Name != "filter" {
		t.Fatalf("filter names")
	}
	if l := q.Commands[3].(*LimitCmd); l.N != 7 || l.Any {
		t.Fatalf("head: %+v", l)
	}
	if l := q.Commands[4].(*LimitCmd); l.N != 3 || !l.Any {
		t.Fatalf("limit any: %+v", l)
	}
	if q.Text != "WHERE a = 1 | FilterIndex b = 2 | filter c | head 7 | limit any 3" {
		t.Fatalf("Text: %q", q.Text)
	}
}
