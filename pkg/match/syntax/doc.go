// Package syntax parses CloudWatch Logs Insights queries into a syntax tree and prints the tree
// back in canonical form, as Go's regexp/syntax stands apart from regexp.
//
// Most programs do not need it: match.Compile parses and plans in one call. It is for tools
// that inspect or rewrite queries (a linter, a translator to SQL, an editor's completion):
// [Parse] gives a [*Query] whose Commands are the pipe stages ([*FilterCmd], [*StatsCmd], ...) and
// whose expressions are [Expr] nodes, each with the [Span] of query text it came from. Every
// node prints itself (String) in a canonical form that parses back to the same tree.
//
// Errors are [*Error] values holding the byte offset and length of the offending text, so that
// a caller can draw a caret under it.
package syntax
