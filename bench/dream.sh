#!/usr/bin/env bash
# bench/dream.sh: how the builtin dreamer scales with the memory.
#
#   bench/dream.sh [N ...]          (default: 1000 5000 10000 memories)
#
# For each N, bench/dream_gen.py builds a store of N memories and 100
# sessions with planted patterns (duplicates, expired and superseded
# memories, recurring mistakes and workflows, preferences), and the dream is
# timed under /usr/bin/time -v (wall clock and peak RSS, median of RUNS):
#
#   driver   bench/dream_driver.c: load every memory, read the sessions,
#            run the builtin dreamer (propose, also timed alone); nothing
#            is validated or written
#   cli      `memgit dream --dry-run`, when the command exists: the whole
#            dream as a user runs it (inputs, dreamer, validation)
#   mem      propose without sessions (--sessions 0): the memory rules alone
#            (duplicates, retire), whose cost is the one that grows with N;
#            the 100 sessions cost the same at every N
#
# Then the growth exponent k of time ~ N^k (least squares on log-log; target
# <= 1.2) and the 10,000-memory time (target < 10 s). Also the score: each
# run's edits are checked against the generator's answer key.
#
# Knobs: LIB (libmemgit.a, default build-d2/libmemgit.a), MEMGIT (default
# build-d2/memgit), SESSIONS (100), EVENTS (300 noise events a session),
# SEED (1), RUNS (3), BENCH_KEEP=1 keeps the temp dir, TMPDIR.
# Exit status: 0 both targets met, 1 a target missed, 2 a failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
LIB=${LIB:-$root/build-d2/libmemgit.a}
MEMGIT=${MEMGIT:-$root/build-d2/memgit}
SESSIONS=${SESSIONS:-100}
EVENTS=${EVENTS:-300}
SEED=${SEED:-1}
RUNS=${RUNS:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 10000)

die() { echo "bench/dream: $*" >&2; exit 2; }
[ -f "$LIB" ] || die "no $LIB: cmake -S . -B build-d2 && cmake --build build-d2 -j2"
[ -x "$MEMGIT" ] || die "no $MEMGIT"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memgit-dream-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench/dream: keeping $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT; fi
export HOME=$tmp/home GIT_CONFIG_NOSYSTEM=1 LC_ALL=C TZ=UTC
mkdir -p "$HOME"
git config --global user.name "Bench Mark"
git config --global user.email "bench@example.invalid"
git config --global init.defaultBranch main
git config --global gc.auto 0
unset MEMGIT_DIR MEMGIT_NOW

# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" "$here/dream_driver.c" "$LIB" \
	$(pkg-config --libs libgit2 yaml-0.1 libcjson zlib) -lpthread -ldl -o "$tmp/dream_driver"
has_cli=0
"$MEMGIT" dream --help >/dev/null 2>&1 && has_cli=1

# timed OUT CMD...: run CMD under /usr/bin/time -v; "wall_s rss_kib" to OUT
timed() {
	local out=$1
	shift
	/usr/bin/time -v "$@" >"$tmp/cmd.out" 2>"$tmp/time.err" || { cat "$tmp/time.err" >&2; die "'$*' failed"; }
	awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
			for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s }
		/Maximum resident set size/ { r = $2 }
		END { print w, r }' "$tmp/time.err" >"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "builtin dreamer: $(uname -srm), $(nproc) CPU(s), $SESSIONS sessions of ~$EVENTS noise events, seed $SEED, median of $RUNS"
printf '%8s %10s %11s %9s %9s %10s %9s  %s\n' memories "driver s" "propose s" "mem s" "RSS MiB" "cli s" "cli MiB" score
: >"$tmp/points"
for n in "${sizes[@]}"; do
	d=$tmp/n$n
	python3 "$here/dream_gen.py" "$d/gen" --memories "$n" --sessions "$SESSIONS" --events "$EVENTS" \
		--seed "$SEED" >/dev/null
	"$MEMGIT" -q init "$d/store" >/dev/null
	"$MEMGIT" -q -C "$d/store" import --raw "$d/gen/memories"
	"$MEMGIT" -q -C "$d/store" session add "$d/gen/sessions" >/dev/null
	: >"$d/walls"; : >"$d/proposes"; : >"$d/mems"; : >"$d/rss"; : >"$d/cwalls"; : >"$d/crss"
	for _ in $(seq "$RUNS"); do
		timed "$d/t" "$tmp/dream_driver" "$d/store" --max-edits 1000000 --out "$d/edits.json"
		read -r w r <"$d/t"
		echo "$w" >>"$d/walls"
		echo "$r" >>"$d/rss"
		sed -n 's/.*propose_ms=\([0-9.]*\).*/\1/p' "$tmp/time.err" | awk '{ print $1 / 1000 }' >>"$d/proposes"
		"$tmp/dream_driver" "$d/store" --max-edits 1000000 --sessions 0 --repeat 5 --out /dev/null 2>"$d/mem.err"
		sed -n 's/.*propose_ms=\([0-9.]*\).*/\1/p' "$d/mem.err" | awk '{ print $1 / 1000 }' >>"$d/mems"
		if [ "$has_cli" = 1 ]; then
			timed "$d/t" "$MEMGIT" -q -C "$d/store" dream --dry-run
			read -r w r <"$d/t"
			echo "$w" >>"$d/cwalls"
			echo "$r" >>"$d/crss"
		fi
	done
	if python3 "$here/dream_score.py" "$d/gen/key.json" "$d/edits.json" >"$d/score" 2>&1; then
		score="precision and recall >= 0.95 for every kind"
		awk 'NR > 1 && ($5 < 1 || $6 < 1) { bad = 1 } END { exit bad }' "$d/score" &&
			score="precision and recall 1.00 for every kind"
	else
		score="BELOW 0.95"
	fi
	wall=$(median <"$d/walls"); prop=$(median <"$d/proposes"); mem=$(median <"$d/mems")
	rss=$(sort -g "$d/rss" | tail -1)
	cw=-; cr=-
	if [ "$has_cli" = 1 ]; then cw=$(median <"$d/cwalls"); cr=$(sort -g "$d/crss" | tail -1); cr=$((cr / 1024)); fi
	printf '%8d %10.2f %11.3f %9.3f %9d %10s %9s  %s\n' "$n" "$wall" "$prop" "$mem" $((rss / 1024)) "$cw" "$cr" "$score"
	echo "$n $wall $prop $cw $mem" >>"$tmp/points"
	case $score in BELOW*) cat "$d/score" ;; esac
done

# least squares of log(time) on log(N)
fit() {
	awk -v col="$1" '$col != "-" && $col > 0 { x = log($1); y = log($col); n++; sx += x; sy += y;
			sxx += x * x; sxy += x * y }
		END { if (n < 2 || n * sxx == sx * sx) print "-"; else printf "%.2f", (n * sxy - sx * sy) / (n * sxx - sx * sx) }' \
		"$tmp/points"
}
kd=$(fit 2); kp=$(fit 3); kc=$(fit 4); km=$(fit 5)
echo "growth exponent (time ~ N^k): driver $kd, propose $kp, cli $kc, memory rules alone $km   (target <= 1.2)"
t10=$(awk '$1 == 10000 { print ($4 != "-" ? $4 : $2) }' "$tmp/points")
status=0
if [ -n "$t10" ]; then
	ok=$(awk -v t="$t10" 'BEGIN { print (t < 10 ? "PASS" : "MISS") }')
	echo "10,000 memories + $SESSIONS sessions: ${t10} s ($([ "$has_cli" = 1 ] && echo "memgit dream --dry-run" || echo driver); target < 10 s): $ok"
	[ "$ok" = PASS ] || status=1
fi
for k in "$kd" "$kc" "$km"; do
	[ "$k" = "-" ] || awk -v k="$k" 'BEGIN { exit !(k <= 1.2) }' || status=1
done
exit $status
