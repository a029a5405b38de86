package main

// parquetMeta is the key=value metadata of a Parquet output: the query text and the version of
// auditgrep that wrote it, so that a file can be traced back to what produced it.
func parquetMeta(query string) map[string]string {
	return map[string]string{
		"auditgrep.query":   query,
		"auditgrep.version": versionString(),
	}
}
