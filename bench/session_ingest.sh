#!/usr/bin/env bash
# bench/session_ingest.sh: `memgit session add` throughput on a large Claude
# Code transcript, next to `jq -c . > /dev/null` on the same file in the
# same run. Targets: memgit at least as fast as jq (jq time / memgit time
# >= 1), and peak RSS under 64 MiB.
#
#   SESSION_MB=200    transcript size (MiB), built from the real corpus lines
#                     by bench/session_gen.py (every copy with fresh ids)
#   SESSION_RUNS=3    runs of each; figures are medians, the two alternate
#
# memgit does strictly more than jq: it parses every line with the hardened
# JSON reader (depth, UTF-8, \u0000 checks), maps it to canonical events,
# scans every string for secrets, hashes the file (SHA-256), writes the
# canonical JSONL as a compressed git blob and commits it. Peak RSS comes
# from /usr/bin/time -v.
. "$(dirname "$0")/lib.sh"

MB=${SESSION_MB:-200}
RUNS=${SESSION_RUNS:-3}
CORPUS=${MEMGIT_SHARED:-$ROOT/../shared}/corpus

bench_setup
command -v jq >/dev/null || die "jq not found (apt-get install jq)"
command -v python3 >/dev/null || die "python3 not found"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) not found"
[ -d "$CORPUS/claude-code" ] || die "no corpus at $CORPUS (set MEMGIT_SHARED)"

IN=$BENCH_TMP/transcript.jsonl
python3 "$BENCH_DIR/session_gen.py" "$CORPUS" "$IN" "$MB" >/dev/null
BYTES=$(stat -c %s "$IN")
echo "== session ingest: $(fmt "$(calc "$BYTES / 1048576")" 1) MiB Claude Code transcript, $(wc -l <"$IN") lines ($RUNS run(s))"
echo "   memgit: $MEMGIT session add"
echo "   jq:     $(jq --version) -c . > /dev/null"
echo "   dir:    $BENCH_TMP"

# timed NAME CMD...: run CMD under GNU time; sets T_WALL (s), T_CPU (s), T_RSS (KiB)
timed() {
	/usr/bin/time -f '%e %U %S %M' -o "$BENCH_TMP/time" "$@" >/dev/null 2>"$BENCH_TMP/err" ||
		{ cat "$BENCH_TMP/err" >&2; die "$* failed"; }
	read -r T_WALL u s T_RSS <"$BENCH_TMP/time"
	T_CPU=$(calc "$u + $s")
}

run_memgit() {
	rm -rf "$BENCH_TMP/store"
	new_store "$BENCH_TMP/store"
	settle
	timed "$MEMGIT" -C "$BENCH_TMP/store" -q session add "$IN"
	MW+=("$T_WALL") MC+=("$T_CPU") MR+=("$T_RSS")
}

run_jq() {
	settle
	timed jq -c . "$IN"
	JW+=("$T_WALL") JC+=("$T_CPU") JR+=("$T_RSS")
}

cat "$IN" >/dev/null # both start from a warm page cache
MW=() MC=() MR=() JW=() JC=() JR=()
for i in $(seq 1 "$RUNS"); do
	if ((i % 2)); then run_memgit; run_jq; else run_jq; run_memgit; fi
done

mw=$(median "${MW[@]}") jw=$(median "${JW[@]}")
mc=$(median "${MC[@]}") jc=$(median "${JC[@]}")
rss=$(printf '%s\n' "${MR[@]}" | sort -n | tail -1)
jrss=$(printf '%s\n' "${JR[@]}" | sort -n | tail -1)
mbs_m=$(calc "$BYTES / 1048576 / $mw") mbs_j=$(calc "$BYTES / 1048576 / $jw")
ratio=$(calc "$jw / $mw") cratio=$(calc "$jc / $mc")
tput_ok=$(awk -v r="$ratio" 'BEGIN { print (r >= 1) ? "PASS" : "MISS" }')
rss_ok=$(awk -v r="$rss" 'BEGIN { print (r < 65536) ? "PASS" : "MISS" }')

printf '  %-26s memgit %8s MB/s  jq %8s MB/s  memgit/jq %5s  target >= 1    %s   (cpu: memgit %s s, jq %s s, ratio %s)\n' \
	"throughput" "$(fmt "$mbs_m" 1)" "$(fmt "$mbs_j" 1)" "$(fmt "$ratio" 2)" "$tput_ok" \
	"$(fmt "$mc" 2)" "$(fmt "$jc" 2)" "$(fmt "$cratio" 2)"
printf '  %-26s memgit %8s MiB   jq %8s MiB                  target < 64    %s\n' \
	"peak RSS" "$(fmt "$(calc "$rss / 1024")" 1)" "$(fmt "$(calc "$jrss / 1024")" 1)" "$rss_ok"
echo "RESULT|session_ingest|throughput $MB MiB|$(fmt "$mbs_m" 2)|$(fmt "$mbs_j" 2)|MB/s|$(fmt "$ratio" 2)|>= 1|$tput_ok|$(fmt "$mc" 3)|$(fmt "$jc" 3)|$(fmt "$cratio" 2)"
echo "RESULT|session_ingest|peak RSS $MB MiB|$(fmt "$(calc "$rss / 1024")" 1)|$(fmt "$(calc "$jrss / 1024")" 1)|MiB|-|< 64|$rss_ok|||"
[ "$tput_ok" = PASS ] && [ "$rss_ok" = PASS ]
