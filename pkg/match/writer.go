package match

// Writer receives the result rows of a query. pkg/export implements it for each output format.
// Its methods are called from one goroutine, in output order.
type Writer interface {
	// Begin is called once, before any row, with the output columns.
	Begin(cols []string) error
	// Row writes one result row. vals is parallel to the columns given to Begin; a value of
	// Kind Absent is a field the row does not have. raw is the event's original @message for
	// rows that are events (nil for aggregated rows). The writer must not keep vals or raw, or
	// anything they reference, after it returns.
	Row(vals []Value, raw []byte) error
	// End is called once after the last row (also when there were none) and flushes.
	End() error
}

// rowEncoder is implemented by writers whose rows encode independently of each other (JSON
// lines, raw): Exec then encodes rows on its workers, in parallel and straight from the input
// buffers, and the writer only copies the encoded bytes out in order (STYLE.md item 10).
type rowEncoder interface {
	Writer
	// AppendRow appends the encoding of one row to dst, as Row would write it. It is called
	// concurrently, after Begin, and must not keep vals, raw or dst.
	AppendRow(dst []byte, vals []Value, raw []byte) []byte
	// WriteEncoded writes whole rows encoded by AppendRow.
	WriteEncoded(b []byte) error
}

// pendingLimiter is implemented by writers much slower than the workers (Parquet): the rows
// that workers ahead of the writer hold are bounded by about PendingBytes (estimated) instead
// of the default 64 MiB, since a deep queue in front of a slow writer buys no speed, only memory.
type pendingLimiter interface {
	PendingBytes() int64
}
