package match

import (
	"github.com/auditgrep/auditgrep/pkg/match/syntax"

	"fmt"
	"sort"
	"strings"
)

// Explain describes how the program runs: the stages in execution order, the JSON fields it
// reads, and which commands the CloudWatch-compatible model (spec §4.3) moved from where they
// were written.
func (p *Query) Explain() string {
	var b strings.Builder
	cmds := p.q.Commands
	if p.opts.StrictPipeline {
		p.explainStrict(&b)
	} else {
		b.WriteString("mode: CloudWatch-compatible (spec §4.3; --strict-pipeline runs commands in written order)\n")
		p.explainStages(&b, cmds)
	}
	fmt.Fprintf(&b, "columns: %s\n", strings.Join(p.cols, ", "))
	names := make([]string, 0, len(p.wantNames))
	for n := range p.wantNames {
		if isSystemField(n) {
			continue
		}
		if p.underDefined(n) {
			// lf.level after parse ... logfmt as lf is read from lf, not from the message.
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		b.WriteString("fields read from the message: none\n")
	} else {
		fmt.Fprintf(&b, "fields read from the message: %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(&b, "prefilter: %s\n", p.explainPrefilter())
	return b.String()
}

// barriersBefore names the sort, limit, dedup and stats commands written before command i.
func barriersBefore(cmds []syntax.Command, i int) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cmds[:i] {
		var n string
		switch c.(type) {
		case *syntax.SortCmd:
			n = "sort"
		case *syntax.LimitCmd:
			n = "limit"
		case *syntax.DedupCmd:
			n = "dedup"
		case *syntax.StatsCmd:
			n = "stats"
		}
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func (p *Query) explainStages(b *strings.Builder, cmds []syntax.Command) {
	var statsIdx []int
	for i, c := range cmds {
		if _, ok := c.(*syntax.StatsCmd); ok {
			statsIdx = append(statsIdx, i)
		}
	}
	line := func(indent string, i int, note string) {
		fmt.Fprintf(b, "%s%s", indent, cmds[i].String())
		if note != "" {
			fmt.Fprintf(b, "   (%s)", note)
		}
		b.WriteByte('\n')
	}
	perStage := func(stage int) []int {
		var out []int
		for i, c := range cmds {
			if p.stageOf == nil || p.stageOf[i] != stage {
				continue
			}
			switch c := c.(type) {
			case *syntax.FilterCmd, *syntax.ParseCmd, *syntax.UnnestCmd:
				out = append(out, i)
			case *syntax.FieldsCmd:
				if !c.Display {
					out = append(out, i)
				}
			}
		}
		return out
	}
	b.WriteString("row stage (per event, in this order):\n")
	rows := perStage(0)
	if len(rows) == 0 {
		b.WriteString("  (every event)\n")
	}
	for _, i := range rows {
		note := ""
		if bs := barriersBefore(cmds, i); len(bs) > 0 {
			note = "written after " + strings.Join(bs, ", ") + "; runs in the row stage"
		}
		line("  ", i, note)
	}
	for k, si := range statsIdx {
		fmt.Fprintf(b, "stats %d: %s\n", k+1, cmds[si].String())
		for _, i := range perStage(k + 1) {
			note := ""
			if i < si {
				note = "written before this stats; runs on its rows"
			}
			line("  then ", i, note)
		}
	}
	var final []string
	if len(p.sortKeys) > 0 {
		var sc syntax.Command
		for _, c := range cmds {
			if s, ok := c.(*syntax.SortCmd); ok {
				sc = s
			}
		}
		if sc != nil {
			final = append(final, sc.String())
		} else {
			final = append(final, "sort @timestamp desc (dedup's default order)")
		}
	}
	for _, c := range cmds {
		if d, ok := c.(*syntax.DedupCmd); ok && len(p.dedup) > 0 {
			final = append(final[:len(final):len(final)], d.String())
			break
		}
	}
	if p.limit > 0 {
		s := fmt.Sprintf("limit %d", p.limit)
		if p.limitAny {
			s = fmt.Sprintf("limit any %d", p.limit)
		}
		if len(p.sortKeys) == 0 && len(p.stats) == 0 {
			s += " (stops reading once reached)"
		}
		final = append(final, s)
	}
	if len(final) == 0 {
		if len(p.stats) == 0 {
			b.WriteString("final: rows stream out in input order\n")
		} else {
			b.WriteString("final: groups in order of first appearance\n")
		}
	} else {
		fmt.Fprintf(b, "final: %s\n", strings.Join(final, " | "))
	}
}

func (p *Query) explainStrict(b *strings.Builder) {
	b.WriteString("mode: strict pipeline (commands run in written order)\n")
	b.WriteString("row stage (per event, in this order):\n")
	n := 0
	for _, c := range p.q.Commands {
		switch c := c.(type) {
		case *syntax.SortCmd, *syntax.LimitCmd, *syntax.DedupCmd, *syntax.StatsCmd:
			goto barrier
		case *syntax.FieldsCmd:
			if c.Display {
				continue
			}
		case *syntax.UnmaskCmd:
			continue
		}
		fmt.Fprintf(b, "  %s\n", c.String())
		n++
	}
barrier:
	if n == 0 {
		b.WriteString("  (every event)\n")
	}
	if p.strict == nil {
		return
	}
	b.WriteString("then, on the materialised rows:\n")
	for _, s := range p.strict.stages {
		switch {
		case s.implicit:
			b.WriteString("  sort @timestamp desc (dedup's default order)\n")
		case s.kind == strictOps:
			// An ops stage groups consecutive row commands; print them from the query.
			for _, c := range p.strictOpCmds(s) {
				fmt.Fprintf(b, "  %s\n", c.String())
			}
		default:
			fmt.Fprintf(b, "  %s\n", s.cmd.String())
		}
	}
}

// strictOpCmds lists the row commands of an ops stage: those written after the stage's first
// command up to the next barrier.
func (p *Query) strictOpCmds(s *strictStage) []syntax.Command {
	var out []syntax.Command
	on := false
	for _, c := range p.q.Commands {
		if c == s.cmd {
			on = true
		}
		if !on {
			continue
		}
		switch c := c.(type) {
		case *syntax.SortCmd, *syntax.LimitCmd, *syntax.DedupCmd, *syntax.StatsCmd:
			return out
		case *syntax.FieldsCmd:
			if c.Display {
				continue
			}
		case *syntax.UnmaskCmd:
			continue
		}
		out = append(out, c)
	}
	return out
}

// underDefined reports whether a dotted name is a path under a name the row stage defines.
func (p *Query) underDefined(n string) bool {
	if p.rowScope == nil {
		return false
	}
	for i := strings.LastIndexByte(n, '.'); i > 0; i = strings.LastIndexByte(n[:i], '.') {
		if _, ok := p.rowScope.lookup(n[:i]); ok {
			return true
		}
	}
	return false
}
