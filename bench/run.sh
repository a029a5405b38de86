#!/usr/bin/env bash
# bench/run.sh — auditgrep against decompress-only floors and other tools, side by side, on the
# same generated CloudWatch export and the same worker counts.
#
#   bash bench/run.sh                       # 1 GiB data set in a temp dir, removed at the end
#   SIZE=512MiB RUNS=5 bash bench/run.sh
#   DATA=/tmp/ag-1g bash bench/run.sh       # use (or generate once into) DATA, kept afterwards
#   INSTALL=1 bash bench/run.sh             # apt-get the missing tools first (root)
#
# Environment:
#   SIZE     uncompressed size of the generated export (default 1GiB; go run ./bench/gen -size)
#   DATA     data directory; generated if absent; default a temp dir under $TMPDIR (removed)
#   JOBS     worker counts to compare (default "1 2"): auditgrep -j N, N goroutines, xargs -P N,
#            DuckDB threads, rg -j N
#   RUNS     timed runs per command (default 3); SLOW_RUNS for jq and gojq (default 1)
#   ONLY     space-separated tool filter, e.g. ONLY="auditgrep decompress" (default: all)
#   OUT      Markdown file (default bench/results-YYYY-MM-DD.md); the table also goes to stdout
#   INSTALL  1: apt-get update && apt-get install the missing Debian packages
#
# Every command runs once under /usr/bin/time (peak RSS, and its output is kept to count the
# rows and, for auditgrep, to check the result: see below), then RUNS rounds run every command
# once each, in turn, under /usr/bin/time, so that a change of load on a shared machine hits
# all commands alike; the table has the median wall of the rounds and the CPU of that run.
# Columns: wall
# seconds, CPU seconds (user+sys, children included), peak RSS (largest process), MB/s
# (uncompressed bytes of the whole export / wall; 1 MB = 10^6 bytes), rows out, and
# wall / auditgrep's wall for the same query and worker count (decompress-only rows: vs
# auditgrep's needle query). one-file-project reads one uncompressed audit log made of every audit
# event of the export (its MB/s is over that file's size): several cores sharing one file.
#
# Results are checked: the output of auditgrep's count, needle, stats, project5 and cdist queries is
# compared with answers computed independently by bench/check (the standard library reading
# the same export; cached in DATA.check.json). A wrong result is marked WRONG in the table and
# the script exits 1 after writing it, so a fast wrong answer never counts as a result.
#
# Tools (missing ones are reported and skipped):
#   auditgrep       go build ./cmd/auditgrep, the queries below, --format json to /dev/null
#   decompress      bench/decompress: klauspost gzip, N goroutines, output discarded (the floor),
#                   and the same with -impl auditgrep (auditgrep's own decoder, internal/inflate)
#   zcat, igzip, pigz  decompress-only, `find | xargs [-P N] tool -dc > /dev/null`
#   rg              ripgrep -z (gunzip subprocess per file): grep, not a query (rows differ)
#   jq, gojq        zcat | cut -d' ' -f2- | jq -c 'select(...)': the eviction needle
#   duckdb          bench/duckdb/baseline (own module, cgo): read_csv of whole lines + JSON
#                   functions for the needle and the stats query; read_json on raw audit
#                   JSONL (a gzipped copy of the audit streams without the 25-byte prefix)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
SIZE=${SIZE:-1GiB}
JOBS=${JOBS:-"1 2"}
RUNS=${RUNS:-3}
SLOW_RUNS=${SLOW_RUNS:-1}
ONLY=${ONLY:-}
OUT=${OUT:-$here/results-$(date +%F).md}

# ---- tools -------------------------------------------------------------------------------
declare -A pkg_of=([jq]=jq [gojq]=gojq [rg]=ripgrep [pigz]=pigz [igzip]=isal [/usr/bin/time]=time)
missing=()
for t in "${!pkg_of[@]}"; do
	command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}")
done
if ((${#missing[@]})); then
	if [[ ${INSTALL:-} == 1 ]]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "run.sh: not installed: ${missing[*]} (install: apt-get update && apt-get install -y ${missing[*]}, or run with INSTALL=1); those rows are skipped" >&2
	fi
fi
have() { command -v "$1" >/dev/null 2>&1; }
want() { [[ -z $ONLY || " $ONLY " == *" $1 "* ]]; }
have /usr/bin/time || { echo "run.sh: /usr/bin/time is required (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/auditgrep-run.XXXXXX")
cleanup_data=""
trap 'rm -rf "$work" $cleanup_data' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo '?')
echo "run.sh: building auditgrep and bench/decompress" >&2
(cd "$repo" && go build -o "$work/auditgrep" ./cmd/auditgrep && go build -o "$work/decompress" ./bench/decompress && go build -o "$work/check" ./bench/check)
duckdb_bin=""
if want duckdb; then
	if (cd "$here/duckdb" && go build -o "$work/duckdb-baseline" ./baseline) >"$work/duckdb-build.log" 2>&1; then
		duckdb_bin=$work/duckdb-baseline
	else
		echo "run.sh: DuckDB baseline did not build (bench/duckdb, cgo): skipped; see below" >&2
		tail -5 "$work/duckdb-build.log" >&2
	fi
fi

# ---- data --------------------------------------------------------------------------------
if [[ -z ${DATA:-} ]]; then
	DATA=$work/data
	cleanup_data="$DATA $DATA.jsonl $DATA.onefile $DATA.gen.txt"
fi
if [[ ! -d $DATA ]]; then
	echo "run.sh: generating $SIZE into $DATA" >&2
	(cd "$repo" && go run ./bench/gen -out "$DATA" -size "$SIZE") >"$DATA.gen.txt"
fi
audit_glob="$DATA/*/kube-apiserver-audit-*/*.gz"
want_needle=""
[[ -f $DATA.gen.txt ]] && want_needle=$(awk '$1=="needle" && $2=="eviction" {print $3}' "$DATA.gen.txt")
if [[ -n $duckdb_bin && ! -d $DATA.jsonl ]]; then
	# Raw audit log files for read_json: the audit streams without the export's 25-byte prefix.
	echo "run.sh: writing raw audit JSONL into $DATA.jsonl" >&2
	mkdir -p "$DATA.jsonl"
	i=0
	for f in $audit_glob; do
		zcat "$f" | cut -c26- | gzip -1 >"$DATA.jsonl/audit-$(printf %03d $i).jsonl.gz"
		i=$((i + 1))
	done
fi
bytes=$("$work/decompress" -j 2 "$DATA" | awk '{print $1}')
gzbytes=$(find "$DATA" -name '*.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')
nfiles=$(find "$DATA" -name '*.gz' | wc -l)

# ---- measuring ---------------------------------------------------------------------------
# measure QUERY TOOL J RUNS CMD: one /usr/bin/time run (RSS, rows, result check) now; the timed
# runs later, in rounds over every measured command (run_rounds).
rows_tsv=$work/rows.tsv
: >"$rows_tsv"
wrong=0
ncmd=0
declare -a cmd_of=() runs_of=() info_of=()
measure() {
	local query=$1 tool=$2 j=$3 runs=$4 cmd=$5
	local out=$work/out.txt tf=$work/time.txt
	echo "run.sh: $query / $tool -j $j: $cmd" >&2
	if ! /usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c "set -o pipefail; $cmd" >"$out" 2>"$work/err.txt"; then
		# grep-like tools exit 1 on no match; anything else is reported.
		if ! grep -q '^[0-9]' "$tf" 2>/dev/null || [[ -s $work/err.txt ]]; then
			echo "run.sh:   failed: $(head -3 "$work/err.txt")" >&2
		fi
	fi
	local t rss rows
	t=$(tail -1 "$tf")
	rss=$(awk '{printf "%.0f", $4/1024}' <<<"$t")
	rows=$(wc -l <"$out")
	if [[ $tool == auditgrep* && " count needle stats project5 cdist " == *" $query "* ]]; then
		if ! "$work/check" -data "$DATA" -query "$query" "$out" >&2; then
			rows="$rows WRONG"
			wrong=1
		fi
	fi
	cmd_of[ncmd]=$cmd
	runs_of[ncmd]=$runs
	info_of[ncmd]=$(printf '%s\t%s\t%s\t%s\t%s' "$query" "$tool" "$j" "$rss" "$rows")
	ncmd=$((ncmd + 1))
}

# run_rounds: round r runs every command that wants at least r runs, in order; then each
# command's median wall (and the CPU of that run) goes to rows.tsv.
run_rounds() {
	local r i max=0
	for ((i = 0; i < ncmd; i++)); do ((runs_of[i] > max)) && max=${runs_of[i]}; done
	for ((r = 1; r <= max; r++)); do
		echo "run.sh: round $r of $max (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
		for ((i = 0; i < ncmd; i++)); do
			((r > runs_of[i])) && continue
			/usr/bin/time -f '%e %U %S' -o "$work/time.txt" bash -c "set -o pipefail; ${cmd_of[i]}" >/dev/null 2>&1 || true
			awk '{print $1, $2+$3}' "$work/time.txt" >>"$work/walls.$i"
		done
	done
	for ((i = 0; i < ncmd; i++)); do
		local wall cpu query tool j rss rows
		read -r wall cpu < <(sort -n "$work/walls.$i" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
		IFS=$'\t' read -r query tool j rss rows <<<"${info_of[i]}"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$query" "$tool" "$j" "$wall" "$cpu" "$rss" "$rows" >>"$rows_tsv"
	done
}

ag=$work/auditgrep

# One large uncompressed kube-apiserver audit log (every audit event of the export, without the
# export's timestamp prefix): the case where several cores must share one file.
onefile=$DATA.onefile/audit.log
if want auditgrep && [[ ! -s $onefile ]]; then
	echo "run.sh: writing one large audit log into $onefile" >&2
	mkdir -p "$DATA.onefile"
	find "$DATA" -path '*/kube-apiserver-audit-*/*.gz' -print0 | sort -z | xargs -0 zcat | cut -c26- >"$onefile"
fi
onefileq='fields @timestamp, verb, requestURI, user.username, responseStatus.code'
source "$here/queries.sh" # declares Q: query name -> query text
order=${QUERIES:-"count needle stats project project5 cdist sortlimit regex"}
jqsel='select(.verb=="create" and .objectRef.subresource=="eviction")'
findgz="find '$DATA' -name '*.gz' -print0"
findaudit="find '$DATA' -path '*/kube-apiserver-audit-*/*.gz' -print0"
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

for j in $JOBS; do
	if want auditgrep; then
		for name in $order; do
			measure "$name" auditgrep "$j" "$RUNS" "'$ag' -j $j --format json $(q "${Q[$name]}") '$DATA'"
		done
		if have igzip; then
			for name in needle stats; do
				measure "$name" "auditgrep --decompressor igzip" "$j" "$RUNS" "'$ag' -j $j --decompressor igzip --format json $(q "${Q[$name]}") '$DATA'"
			done
		fi
		measure "one-file-project" auditgrep "$j" "$RUNS" "'$ag' -j $j --format json $(q "$onefileq") '$onefile'"
	fi
	want decompress && measure decompress-only "klauspost gzip (bench/decompress)" "$j" "$RUNS" "'$work/decompress' -j $j '$DATA'"
	want decompress && measure decompress-only "auditgrep's gzip decoder (bench/decompress -impl auditgrep)" "$j" "$RUNS" "'$work/decompress' -impl auditgrep -j $j '$DATA'"
	if want zcat; then
		if ((j == 1)); then
			measure decompress-only zcat "$j" "$RUNS" "$findgz | xargs -0 zcat"
		else
			measure decompress-only "zcat (xargs -P)" "$j" "$RUNS" "$findgz | xargs -0 -n 1 -P $j zcat"
		fi
	fi
	if want igzip; then
		if have igzip; then
			measure decompress-only "igzip -dc (xargs -P)" "$j" "$RUNS" "$findgz | xargs -0 -n 1 -P $j igzip -dc"
		elif ((j == 1)); then echo "run.sh: igzip not installed (Debian package isal): skipped" >&2; fi
	fi
	if want pigz && have pigz; then
		measure decompress-only "pigz -dc (xargs -P)" "$j" "$RUNS" "$findgz | xargs -0 -n 1 -P $j pigz -dc"
	fi
	if want rg && have rg; then
		measure needle "rg -z -F eviction" "$j" "$RUNS" "rg -z -j $j -F eviction '$DATA'"
		measure regex "rg -z -e eks:fargate-[a-z]+" "$j" "$RUNS" "rg -z -j $j -e 'eks:fargate-[a-z]+' '$DATA'"
	fi
	if ((j == 1)); then
		want jq && have jq && measure needle "zcat | cut | jq" 1 "$SLOW_RUNS" "$findaudit | xargs -0 zcat | cut -d' ' -f2- | jq -c '$jqsel'"
		want gojq && have gojq && measure needle "zcat | cut | gojq" 1 "$SLOW_RUNS" "$findaudit | xargs -0 zcat | cut -d' ' -f2- | gojq -c '$jqsel'"
	fi
	if [[ -n $duckdb_bin ]]; then
		measure needle "duckdb read_csv lines + json_extract" "$j" "$RUNS" "'$duckdb_bin' -q needle-csv -threads $j '$audit_glob'"
		measure stats "duckdb read_csv lines + json_extract" "$j" "$RUNS" "'$duckdb_bin' -q stats-csv -threads $j '$audit_glob'"
		measure needle "duckdb read_json (raw audit JSONL)" "$j" "$RUNS" "'$duckdb_bin' -q needle-json -threads $j '$DATA.jsonl/*.jsonl.gz'"
	fi
done

run_rounds

# ---- report ------------------------------------------------------------------------------
{
	echo "## auditgrep benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- data: \`go run ./bench/gen -size $SIZE\`: $nfiles objects, $bytes bytes uncompressed, $gzbytes gzip${want_needle:+, $want_needle eviction needles}"
	echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; load average before: $load_before"
	echo "- commit $commit (when the binaries were built); $(go version | cut -d' ' -f3); rounds: $RUNS (jq, gojq: $SLOW_RUNS), median wall of the rounds; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- wall and CPU in seconds, RSS in MB, MB/s = uncompressed bytes of the whole export / wall, ratio = wall / auditgrep wall, same query and -j (decompress-only: vs the needle query); ÷ decompress = wall / klauspost decompress-only wall, same -j"
	echo
	echo "| query | tool | -j | wall s | CPU s | peak RSS MB | MB/s | rows | ÷ auditgrep | ÷ decompress |"
	echo "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: |"
	onebytes=$(stat -c %s "$onefile" 2>/dev/null || echo 0)
	awk -F'\t' -v bytes="$bytes" -v onebytes="$onebytes" -v needle="$want_needle" '
		{ q[NR]=$1; t[NR]=$2; j[NR]=$3; w[NR]=$4; c[NR]=$5; r[NR]=$6; n[NR]=$7
		  if ($2 == "auditgrep") ag[$1 "/" $3] = $4
		  if ($2 ~ /^klauspost/) dc[$3] = $4 }
		END {
			no = split("count needle stats project project5 cdist sortlimit regex one-file-project decompress-only", order, " ")
			for (o = 1; o <= no; o++) for (i = 1; i <= NR; i++) {
				if (q[i] != order[o]) continue
				ref = ag[(q[i] == "decompress-only" ? "needle" : q[i]) "/" j[i]]
				ratio = (ref > 0) ? sprintf("%.2f", w[i] / ref) : "-"
				rows = n[i]
				if (q[i] == "decompress-only") rows = "-"
				else if (q[i] == "needle" && needle != "" && t[i] !~ /^rg/ && n[i] != needle) rows = rows " (want " needle ")"
				tool = t[i]; gsub(/\|/, "\\|", tool)
				b = (q[i] == "one-file-project") ? onebytes : bytes
				dratio = (dc[j[i]] > 0 && q[i] != "one-file-project") ? sprintf("%.2f", w[i] / dc[j[i]]) : "-"
				printf "| %s | %s | %s | %.2f | %.2f | %s | %.0f | %s | %s | %s |\n", q[i], tool, j[i], w[i], c[i], r[i], b / w[i] / 1e6, rows, ratio, dratio
			}
		}' "$rows_tsv"
} | tee "$OUT"
echo "run.sh: wrote $OUT" >&2
if ((wrong)); then
	echo "run.sh: WRONG RESULTS (marked in the table): this run does not count" >&2
	exit 1
fi
