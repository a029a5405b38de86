CREATE TABLE IF NOT EXISTS `auditgrep_events` (
  `timestamp` TIMESTAMP,
  `log_stream` STRING,
  `log` STRING,
  `message` STRING,
  `verb` STRING,
  `request_uri` STRING,
  `user_username` STRING,
  `user_groups` ARRAY<STRING>,
  `user_uid` STRING,
  `source_ips` ARRAY<STRING>,
  `user_agent` STRING,
  `object_ref_resource` STRING,
  `object_ref_namespace` STRING,
  `object_ref_name` STRING,
  `object_ref_api_group` STRING,
  `object_ref_api_version` STRING,
  `object_ref_subresource` STRING,
  `response_status_code` INT,
  `stage` STRING,
  `level` STRING,
  `audit_id` STRING,
  `annotations` MAP<STRING,STRING>,
  `request_received_timestamp` TIMESTAMP,
  `stage_timestamp` TIMESTAMP,
  `date` STRING,
  `hour` STRING,
  `stream` STRING
)
USING PARQUET
PARTITIONED BY (`date`, `hour`, `stream`)
LOCATION 's3://audit-bucket/eks/prod-dataset/';
MSCK REPAIR TABLE `auditgrep_events`;
