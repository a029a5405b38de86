#!/usr/bin/env bash
# bench/pgo.sh — regenerate cmd/auditgrep/default.pgo, the CPU profile `go build` and
# `go install` use for profile-guided optimization of the auditgrep binary (-pgo=auto).
#
#   DATA=/tmp/s12-1g bash bench/pgo.sh      # DATA: an export made by `go run ./bench/gen`
#
# The profile is the merge of one -j 2 run of each bench query (bench/queries.sh). Regenerate it
# after changes that move the hot paths (the JSON walk, the framing, the group table), then
# check the gain with bench/compare.sh (BASE=HEAD against the working tree).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${DATA:?DATA=<export dir from bench/gen> is required}"
source "$here/queries.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/auditgrep-pgo.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -pgo=off -o "$work/auditgrep" ./cmd/auditgrep)
for q in "${!Q[@]}"; do
	echo "pgo.sh: profiling $q" >&2
	"$work/auditgrep" query -j 2 --format json --cpu-profile "$work/$q.prof" "${Q[$q]}" "$DATA" >/dev/null
done
go tool pprof -proto "$work"/*.prof >"$repo/cmd/auditgrep/default.pgo"
echo "pgo.sh: wrote cmd/auditgrep/default.pgo ($(wc -c <"$repo/cmd/auditgrep/default.pgo") bytes)" >&2
