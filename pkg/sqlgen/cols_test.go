package sqlgen

// testColumns is the dataset's column table as pkg/convert defines it (Field -> Name, Type).
var testColumns = []Column{
	{"timestamp", "@timestamp", Timestamp},
	{"log_stream", "@logStream", String},
	{"log", "@log", String},
	{"message", "@message", String},
	{"verb", "verb", String},
	{"request_uri", "requestURI", String},
	{"user_username", "user.username", String},
	{"user_groups", "user.groups", List},
	{"user_uid", "user.uid", String},
	{"source_ips", "sourceIPs", List},
	{"user_agent", "userAgent", String},
	{"object_ref_resource", "objectRef.resource", String},
	{"object_ref_namespace", "objectRef.namespace", String},
	{"object_ref_name", "objectRef.name", String},
	{"object_ref_api_group", "objectRef.apiGroup", String},
	{"object_ref_api_version", "objectRef.apiVersion", String},
	{"object_ref_subresource", "objectRef.subresource", String},
	{"response_status_code", "responseStatus.code", Int},
	{"stage", "stage", String},
	{"level", "level", String},
	{"audit_id", "auditID", String},
	{"annotations", "annotations", Map},
	{"request_received_timestamp", "requestReceivedTimestamp", Timestamp},
	{"stage_timestamp", "stageTimestamp", Timestamp},
}
