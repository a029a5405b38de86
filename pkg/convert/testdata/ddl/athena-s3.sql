CREATE EXTERNAL TABLE IF NOT EXISTS `auditgrep_events` (
  `timestamp` timestamp,
  `log_stream` string,
  `log` string,
  `message` string,
  `verb` string,
  `request_uri` string,
  `user_username` string,
  `user_groups` array<string>,
  `user_uid` string,
  `source_ips` array<string>,
  `user_agent` string,
  `object_ref_resource` string,
  `object_ref_namespace` string,
  `object_ref_name` string,
  `object_ref_api_group` string,
  `object_ref_api_version` string,
  `object_ref_subresource` string,
  `response_status_code` int,
  `stage` string,
  `level` string,
  `audit_id` string,
  `annotations` map<string,string>,
  `request_received_timestamp` timestamp,
  `stage_timestamp` timestamp
)
PARTITIONED BY (`date` string, `hour` string, `stream` string)
STORED AS PARQUET
LOCATION 's3://audit-bucket/eks/prod-dataset/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.date.type' = 'date',
  'projection.date.format' = 'yyyy-MM-dd',
  'projection.date.range' = '2018-01-01,NOW',
  'projection.date.interval' = '1',
  'projection.date.interval.unit' = 'DAYS',
  'projection.hour.type' = 'enum',
  'projection.hour.values' = '00,01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23',
  'projection.stream.type' = 'enum',
  'projection.stream.values' = 'kube-apiserver-audit,kube-apiserver,authenticator,kube-controller-manager,kube-scheduler,cloud-controller-manager,other',
  'storage.location.template' = 's3://audit-bucket/eks/prod-dataset/date=${date}/hour=${hour}/stream=${stream}/'
);
