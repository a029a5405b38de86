error: athena reads S3: copy the dataset to S3 (aws s3 sync /data/auditgrep-dataset s3://BUCKET/PREFIX/) and give that s3:// URL
