CREATE TABLE "default"."auditgrep_events" (
  "timestamp" timestamp(3),
  "log_stream" varchar,
  "log" varchar,
  "message" varchar,
  "verb" varchar,
  "request_uri" varchar,
  "user_username" varchar,
  "user_groups" array(varchar),
  "user_uid" varchar,
  "source_ips" array(varchar),
  "user_agent" varchar,
  "object_ref_resource" varchar,
  "object_ref_namespace" varchar,
  "object_ref_name" varchar,
  "object_ref_api_group" varchar,
  "object_ref_api_version" varchar,
  "object_ref_subresource" varchar,
  "response_status_code" integer,
  "stage" varchar,
  "level" varchar,
  "audit_id" varchar,
  "annotations" map(varchar, varchar),
  "request_received_timestamp" timestamp(3),
  "stage_timestamp" timestamp(3),
  "date" varchar,
  "hour" varchar,
  "stream" varchar
)
WITH (
  external_location = 's3://audit-bucket/eks/prod-dataset/',
  format = 'PARQUET',
  partitioned_by = ARRAY['date', 'hour', 'stream']
);
CALL system.sync_partition_metadata('default', 'auditgrep_events', 'FULL');
