// Package export writes query results in the output formats of auditgrep: JSON lines, raw
// messages, an aligned table for terminals, and the CloudWatch console's CSV.
//
// Each writer implements match.Writer. Writers are not safe for concurrent use; match calls them
// from one goroutine, in output order. They never keep the values or raw bytes passed to Row
// after it returns. Errors of the underlying io.Writer are returned as they are (the CLI treats
// EPIPE as a quiet end of the run).
package export

// bufSize is the size of the buffered writer between a writer and its io.Writer.
const bufSize = 64 << 10
