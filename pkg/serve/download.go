package serve

import (
	"net/http"
	"time"

	"github.com/auditgrep/auditgrep/pkg/export"
	"github.com/auditgrep/auditgrep/pkg/match"
)

// downloadFormats are the formats of GET /api/download: the CLI's writers, by file extension.
var downloadFormats = map[string]struct {
	ext, contentType string
}{
	"json":    {"jsonl", "application/x-ndjson"},
	"csv":     {"csv", "text/csv; charset=utf-8"},
	"parquet": {"parquet", "application/vnd.apache.parquet"},
}

// handleDownload runs the query again, over the whole result (not the rows the page shows), and
// streams it as a file in the format asked: q, start, end, root (repeatable) and format.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, ok := downloadFormats[q.Get("format")]
	if !ok {
		writeJSON(w, http.StatusBadRequest, errorJSON{Error: "format: json, csv or parquet"})
		return
	}
	req := runRequest{Query: q.Get("q"), Start: q.Get("start"), End: q.Get("end"), Roots: q["root"]}
	c, roots, ok := s.prepare(w, req)
	if !ok {
		return
	}
	ctx, id, finish, ok := s.begin(w, r)
	if !ok {
		return
	}
	var res runResult
	defer func() { finish(res) }()

	files, _, _ := inputFiles(s.roots, roots)
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Disposition", `attachment; filename="auditgrep-`+time.Now().UTC().Format("20060102-150405")+"."+f.ext+`"`)
	// The browser starts the download now, not when the first rows are written (a stats query
	// writes none until its end).
	w.WriteHeader(http.StatusOK)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	var wr match.Writer
	switch q.Get("format") {
	case "json":
		wr = export.NewJSON(w)
	case "csv":
		wr = export.NewCSV(w)
	case "parquet":
		wr = export.NewParquet(w, map[string]string{"auditgrep.query": req.Query, "auditgrep.version": s.cfg.Version})
	}
	// Input problems do not stop a download, as they do not stop the CLI; the page's run of the
	// same query has listed them.
	rs, err := c.run(ctx, files, wr, runOptions{Workers: s.cfg.Workers, OnBatch: func(int64) {
		if s.hooks.batch != nil {
			s.hooks.batch(ctx)
		}
	}})
	canceled := ctx.Err() != nil
	res = runResult{ID: id, Canceled: canceled, Stats: rs, Err: err}
	if err != nil || canceled {
		// The file is incomplete: end the response without its proper end, so that the browser
		// reports a failed download rather than keeping a short file.
		panic(http.ErrAbortHandler)
	}
}
