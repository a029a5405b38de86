// Package match runs CloudWatch Logs Insights queries over exported Amazon EKS control-plane
// logs: gzipped CloudWatch exports, Firehose deliveries, kube-apiserver audit log files, or
// events held in memory. It is the engine of the auditgrep command, and the command uses
// nothing else of it than what is documented here.
//
// Compile a query once, then run it as often as needed, concurrently if you like:
//
//	q, err := match.Compile(`filter verb = "delete" | stats count(*) as n by user.username`, match.Options{})
//	if err != nil {
//		return err // a *syntax.Error: err.Offset locates the mistake in the query text
//	}
//	for row, err := range q.Rows(ctx, match.Input{Paths: []string{"export/"}}, match.RunOptions{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(row.Get("user.username").Render(), row.Get("n").Num)
//	}
//
// [Query.Rows] yields owned rows; [Query.Run] hands them to a [Writer] instead (pkg/export has
// one per output format) and is the faster path for large results. Both read files in parallel
// (RunOptions.Workers) and give the same rows in the same order whatever the parallelism.
// Problems with single files or lines (a truncated gzip member, a line that is not an event)
// are reported to RunOptions.OnInputError with the file and byte offset, and the run goes on.
//
// # Evaluation model
//
// A query is not run as a literal pipeline, because CloudWatch does not run it that way. Each
// event goes through the per-event commands (fields, parse, unnest, and every filter that reads
// event fields, wherever it is written); up to two stats aggregate; then sort, dedup, limit
// and the last display apply once, query-wide, in that order. So a filter written after
// `sort ... | limit 50` still selects the events before the 50 are taken, and a filter on a
// name that a stats defines applies after that stats. Options.StrictPipeline runs the commands
// in written order instead, for debugging. [Query.Explain] prints the stages a query runs in.
//
// # Differences from CloudWatch
//
// The answers are CloudWatch's, with deliberate differences: there is no implicit 10,000-row
// cap; without a sort, rows come in input order (files in lexical path order) so output can
// stream; stats rows without a sort come in the order their groups first appear; pct is exact
// and count_distinct is exact; @ingestionTime is absent (exports do not carry it) and @ptr is
// file:line. The full list, with every ambiguity of the documentation and the choice made, is
// in the README: https://github.com/auditgrep/auditgrep#deliberate-differences-from-cloudwatch
//
// The query language's parser, syntax tree and printer are in package
// [github.com/auditgrep/auditgrep/pkg/match/syntax]; reading the input is package
// [github.com/auditgrep/auditgrep/pkg/scan].
package match
