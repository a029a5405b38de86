#!/usr/bin/env bash
# bench/compare.sh — two builds of auditgrep side by side on the bench queries, with the
# klauspost decompress-only floor, in interleaved rounds: for a before/after table on a machine
# whose speed drifts between runs (each round runs every command once, in turn).
#
#   BASE=7429e2b DATA=/tmp/s12-1g bash bench/compare.sh
#   BASE=main ROUNDS=11 QUERIES="stats cdist" JOBS=2 DATA=/tmp/s12-1g bash bench/compare.sh
#
# Environment:
#   BASE     git revision of the "before" build (required); "after" is the working tree
#   DATA     export directory made by `go run ./bench/gen` (required; not generated here)
#   ROUNDS   rounds (default 7); QUERIES (default "count needle stats project5 cdist"); JOBS (-j, 2)
#
# Each build's output of each query is checked once by bench/check first (exit 1 if wrong).
# The table: median and minimum wall over the rounds, median CPU (user+sys), and each median
# and minimum ÷ the decompress-only median and minimum (klauspost gzip, the floor issue #12
# names). A second floor, bench/decompress -impl auditgrep (auditgrep's own gzip decoder), is
# timed in the same rounds and reported above the table.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${BASE:?BASE=<git revision> is required}" "${DATA:?DATA=<export dir from bench/gen> is required}"
ROUNDS=${ROUNDS:-7}
QUERIES=${QUERIES:-"count needle stats project5 cdist"}
JOBS=${JOBS:-2}
command -v /usr/bin/time >/dev/null || { echo "compare.sh: /usr/bin/time is required (apt-get install time)" >&2; exit 2; }
source "$here/queries.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/auditgrep-compare.XXXXXX")
trap 'git -C "$repo" worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
echo "compare.sh: building $BASE and the working tree" >&2
git -C "$repo" worktree add --detach "$work/base-src" "$BASE" >/dev/null 2>&1
(cd "$work/base-src" && go build -o "$work/before" ./cmd/auditgrep)
(cd "$repo" && go build -o "$work/after" ./cmd/auditgrep && go build -o "$work/decompress" ./bench/decompress &&
	go build -o "$work/check" ./bench/check)

for q in $QUERIES; do
	[[ -n ${Q[$q]:-} ]] || { echo "compare.sh: no query $q" >&2; exit 2; }
	case " count needle stats project5 cdist " in *" $q "*) ;; *) continue ;; esac
	for b in before after; do
		"$work/$b" query -j "$JOBS" --format json "${Q[$q]}" "$DATA" >"$work/out.json" 2>/dev/null || true
		if ! "$work/check" -data "$DATA" -query "$q" "$work/out.json" >&2; then
			echo "compare.sh: $b gives a wrong answer to $q" >&2
			exit 1
		fi
	done
done

run() { # run NAME CMD...: one timed run, appended to $work/t.NAME
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
	awk '{print $1, $2+$3}' "$work/time" >>"$work/t.$name"
}
for ((r = 1; r <= ROUNDS; r++)); do
	echo "compare.sh: round $r of $ROUNDS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
	run decompress "$work/decompress" -j "$JOBS" "$DATA"
	run inflate "$work/decompress" -impl auditgrep -j "$JOBS" "$DATA"
	for q in $QUERIES; do
		for b in before after; do
			run "$q.$b" "$work/$b" query -j "$JOBS" --format json "${Q[$q]}" "$DATA"
		done
	done
done

stat() { # stat FILE: median wall, min wall, median CPU
	sort -n "$1" | awk '{w[NR]=$1} END {printf "%s %s ", w[int((NR+1)/2)], w[1]}'
	awk '{print $2}' "$1" | sort -n | awk '{c[NR]=$1} END {print c[int((NR+1)/2)]}'
}
read -r dmed dmin dcpu < <(stat "$work/t.decompress")
read -r imed imin icpu < <(stat "$work/t.inflate")
echo "## auditgrep $BASE (before) and the working tree at $(git -C "$repo" rev-parse --short HEAD) (after), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- data: $DATA; -j $JOBS; $ROUNDS interleaved rounds; machine: $(nproc) cores; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- klauspost decompress-only: median $dmed s, min $dmin s, CPU $dcpu s; ratios are median ÷ median and min ÷ min"
echo "- auditgrep's decoder, decompress-only (bench/decompress -impl auditgrep; the working tree): median $imed s, min $imin s, CPU $icpu s ($(awk -v a="$imed" -v b="$dmed" 'BEGIN {printf "%.2f", a/b}')× klauspost)"
echo
echo "| query | before: wall median (min) s | CPU s | ÷ decompress | after: wall median (min) s | CPU s | ÷ decompress |"
echo "| --- | --: | --: | --: | --: | --: | --: |"
for q in $QUERIES; do
	read -r bmed bmin bcpu < <(stat "$work/t.$q.before")
	read -r amed amin acpu < <(stat "$work/t.$q.after")
	awk -v q="$q" -v bmed="$bmed" -v bmin="$bmin" -v bcpu="$bcpu" -v amed="$amed" -v amin="$amin" -v acpu="$acpu" \
		-v dmed="$dmed" -v dmin="$dmin" 'BEGIN {
		printf "| %s | %.2f (%.2f) | %.2f | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.2f (%.2f) |\n",
			q, bmed, bmin, bcpu, bmed/dmed, bmin/dmin, amed, amin, acpu, amed/dmed, amin/dmin }'
done
