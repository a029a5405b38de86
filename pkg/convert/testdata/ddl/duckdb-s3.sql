CREATE OR REPLACE VIEW "auditgrep_events" AS
SELECT * FROM read_parquet('s3://audit-bucket/eks/prod-dataset/date=*/hour=*/stream=*/*.parquet', hive_partitioning = true, hive_types = {'date': VARCHAR, 'hour': VARCHAR, 'stream': VARCHAR});
