package scan

import (
	"encoding/json"
	"fmt"
	"io"
)

// envelope is a CloudWatch Logs subscription message as delivered by Firehose.
type envelope struct {
	MessageType string `json:"messageType"`
	Owner       string `json:"owner"`
	LogGroup    string `json:"logGroup"`
	LogStream   string `json:"logStream"`
	LogEvents   []struct {
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	} `json:"logEvents"`
}

// frameFirehose turns a Firehose delivery (subscription envelopes concatenated, with or without
// newlines between them) into one record per log event of each DATA_MESSAGE envelope. Message
// bytes are copied into the worker's arena, which is reused after each batch.
func (w *worker) frameFirehose() error {
	dec := json.NewDecoder(&w.raw)
	var env envelope
	var n int64 // events seen so far: Record.Line
	for {
		if w.s.stopped.Load() {
			return errStopped
		}
		env.MessageType, env.Owner, env.LogGroup, env.LogStream = "", "", "", ""
		env.LogEvents = env.LogEvents[:0]
		err := dec.Decode(&env)
		if err == io.EOF {
			break
		}
		if err != nil {
			e := w.streamError(err, 0, 0)
			e.Offset = dec.InputOffset()
			if w.raw.err == nil {
				// The stream is fine, its content is not an envelope.
				e.CompressedOffset = -1
				e.Err = fmt.Errorf("firehose envelope %d: %w", n+1, err)
			}
			w.errs = append(w.errs, e)
			break
		}
		if env.MessageType != "DATA_MESSAGE" {
			continue // CONTROL_MESSAGE: a destination health check
		}
		stream := env.LogStream
		if stream == "" {
			stream = w.file.Stream
		}
		if keep := w.s.opts.KeepStream; keep != nil && !keep(stream) {
			n += int64(len(env.LogEvents))
			continue
		}
		for _, ev := range env.LogEvents {
			n++
			start := len(w.arena)
			w.arena = append(w.arena, ev.Message...)
			r := Record{Time: ev.Timestamp, HasTime: true, Message: w.arena[start:len(w.arena):len(w.arena)],
				Line: n, Stream: stream, Group: env.LogGroup, Owner: env.Owner}
			if err := w.add(r); err != nil {
				return err
			}
		}
	}
	return w.emit(true)
}
