package match

import (
	"sort"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/auditgrep/auditgrep/pkg/scan"
)

// Field discovery, like the console's "Discovered fields" panel: every field of every event
// (system fields and flattened JSON leaves), its type(s), how many events carry it, and an example.

// discoveredField is one row of the panel.
type discoveredField struct {
	Name string
	// Types are the kinds of value seen (string, number, boolean, timestamp), in that order.
	Types []string
	// Count is the number of events carrying the field.
	Count int64
	// Example is the value in the first event carrying the field, in input order (so the same
	// whatever the number of workers), cut at ExampleMaxBytes.
	Example string
}

// exampleMaxBytes caps a discovered field's example (an @message may be megabytes).
const exampleMaxBytes = 200

// discoverStats are the counters of a discovery run.
type discoverStats struct {
	Records, Files, FilesFailed, FilesSkipped int64
}

type discAcc struct {
	count   int64
	kinds   uint8 // bit per Kind
	example string
	exOrd   uint64
}

type discWorker struct {
	f      jsonFields
	fields map[string]*discAcc
}

// discoverer gathers discovered fields from scan batches. Feed it with Batch from the scan's
// callback (concurrently, one worker id per goroutine) and read Fields once the scan is over.
type discoverer struct {
	opts    Options
	workers []*discWorker
	// OnInputError receives the input problems reported by the scan.
	OnInputError func(error)
	stats        discoverStats
}

// newDiscoverer prepares a discovery for workers goroutines; opts.LogGroup and opts.Account
// fill @log as in a query.
func newDiscoverer(workers int, opts Options) *discoverer {
	d := &discoverer{opts: opts}
	for range max(workers, 1) {
		d.workers = append(d.workers, &discWorker{fields: map[string]*discAcc{}})
	}
	return d
}

func (w *discWorker) add(name string, v Value, o uint64) {
	a := w.fields[name]
	if a == nil {
		a = &discAcc{exOrd: ^uint64(0)}
		w.fields[strings.Clone(name)] = a
	}
	a.count++
	a.kinds |= 1 << v.Kind
	if o < a.exOrd {
		a.exOrd = o
		a.example = example(v)
	}
}

func example(v Value) string {
	s := v.Render()
	if len(s) > exampleMaxBytes {
		cut := exampleMaxBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Clone(s)
}

// Batch records the fields of one batch's events.
func (d *discoverer) Batch(wid int, b *scan.Batch) error {
	w := d.workers[wid]
	for i := range b.Records {
		rec := &b.Records[i]
		o := ord(b.File.Index, int(rec.Line))
		if rec.HasTime {
			w.add("@timestamp", TimeMs(rec.Time), o)
		}
		w.add("@message", Value{Kind: String, Str: bytesToString(rec.Message)}, o)
		stream := rec.Stream
		if stream == "" {
			stream = b.File.Stream
		}
		if stream != "" {
			w.add("@logStream", Str(stream), o)
		}
		group, owner := rec.Group, rec.Owner
		if group == "" {
			group = d.opts.LogGroup
		}
		if owner == "" {
			owner = d.opts.Account
		}
		if group != "" {
			if owner != "" {
				group = owner + ":" + group
			}
			w.add("@log", Str(group), o)
		}
		if w.f.parse(rec.Message, nil) {
			w.f.each(func(name string, v Value) { w.add(name, v, o) })
		}
	}
	atomic.AddInt64(&d.stats.Records, int64(len(b.Records)))
	if b.Last {
		switch {
		case b.Skipped:
			atomic.AddInt64(&d.stats.FilesSkipped, 1)
		case len(b.Errs) > 0:
			atomic.AddInt64(&d.stats.FilesFailed, 1)
		default:
			atomic.AddInt64(&d.stats.Files, 1)
		}
	}
	if d.OnInputError != nil {
		for _, err := range b.Errs {
			d.OnInputError(err)
		}
	}
	return nil
}

// Stats returns the counters; call it after the scan.
func (d *discoverer) Stats() discoverStats { return d.stats }

// Fields returns the discovered fields, most frequent first, then by name.
func (d *discoverer) Fields() []discoveredField {
	all := map[string]*discAcc{}
	for _, w := range d.workers {
		for name, a := range w.fields {
			m := all[name]
			if m == nil {
				c := *a
				all[name] = &c
				continue
			}
			m.count += a.count
			m.kinds |= a.kinds
			if a.exOrd < m.exOrd {
				m.exOrd, m.example = a.exOrd, a.example
			}
		}
	}
	out := make([]discoveredField, 0, len(all))
	for name, a := range all {
		f := discoveredField{Name: name, Count: a.count, Example: a.example}
		for _, k := range []Kind{String, Number, Bool, Time, List, Map} {
			if a.kinds&(1<<k) != 0 {
				f.Types = append(f.Types, k.String())
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}
