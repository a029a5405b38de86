# bench/queries.sh — the bench queries, by name; sourced by run.sh and compare.sh. bench/check
# verifies the output of count, needle, stats, project5 and cdist.
# shellcheck disable=SC2034
declare -A Q=(
	[count]='filter @logStream like /^kube-apiserver-audit/ | stats count(*)'
	[needle]='filter @logStream like /^kube-apiserver-audit/ | filter verb == "create" and objectRef.subresource == "eviction" | fields @timestamp, user.username, requestURI'
	[stats]='filter @logStream like /^kube-apiserver-audit/ | stats count(*) by responseStatus.code'
	[project]='filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb, requestURI, user.username, responseStatus.code'
	[project5]='filter @logStream like /^kube-apiserver-audit/ | fields user.username, objectRef.resource, objectRef.namespace, objectRef.name, responseStatus.code'
	[cdist]='filter @logStream like /^kube-apiserver-audit/ | stats count_distinct(user.username) as users, pct(responseStatus.code, 95) as p95 by objectRef.resource, bin(5m)'
	[sortlimit]='filter @logStream like /^kube-apiserver-audit/ | fields @timestamp, verb, requestURI | sort @timestamp desc | limit 50'
	[regex]='filter @message like /eks:fargate-[a-z]+/ | fields @timestamp, @logStream'
)
