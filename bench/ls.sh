#!/usr/bin/env bash
# bench/ls.sh: `memgit ls` of an N-memory store versus `git ls-tree -r main`
# on the same repository. Target: memgit within 2x of git (git/memgit >= 0.5).
#
#   LS_N=10000    memories in the store
#   LS_RUNS=21    runs of each command; medians are reported
#
# The store is made the way a user makes it: `memgit init` then
# `memgit import` (loose objects, as memgit leaves them). The same listing is
# then measured again after `git gc` has packed the store. hyperfine is used
# when installed (BENCH_NO_HYPERFINE=1 to not); otherwise the two commands
# alternate run by run.
# shellcheck source=bench/lib.sh disable=SC2154  # a_W, b_C, ... are set by stamp()
. "$(dirname "$0")/lib.sh"

N=${LS_N:-10000}
RUNS=${LS_RUNS:-21}
TARGET=0.5

bench_setup
echo "== ls: listing a $N-memory store ($RUNS runs each)"
echo "   memgit: $MEMGIT"
echo "   git:    $(git --version)   (git ls-tree -r main)"
echo "   dir:    $BENCH_TMP"

DATA=$BENCH_TMP/data
S=$BENCH_TMP/store
gen_memories "$DATA" "$N" 5
new_store "$S"
"$MEMGIT" -C "$S" -q import "$DATA" >/dev/null
rm -rf "$DATA"

# Same listing on both sides (memgit prints paths relative to memories/).
"$MEMGIT" -C "$S" ls >"$BENCH_TMP/m.out"
git -C "$S" ls-tree -r --name-only main memories/ | sed 's|^memories/||' >"$BENCH_TMP/g.out"
[ "$(wc -l <"$BENCH_TMP/m.out")" -eq "$N" ] || die "memgit ls printed $(wc -l <"$BENCH_TMP/m.out") lines, wanted $N"
cmp -s "$BENCH_TMP/m.out" "$BENCH_TMP/g.out" || die "memgit ls and git ls-tree list different memories"

measure() {
	measure_pair "$RUNS" "$MEMGIT -C $S ls" "git -C $S ls-tree -r main"
	echo "   $1: $HOW"
}

echo "   store: $(git -C "$S" count-objects -v | awk '/^count:/ { l = $2 } /^in-pack:/ { p = $2 } END { print l " loose objects, " p " packed" }')"
measure "loose store"
result ls "ls $N (loose store)" "$MED_M" "$MED_G" ms "$TARGET" "$CPU_M" "$CPU_G"

git -C "$S" gc -q
echo "   store: $(git -C "$S" count-objects -v | awk '/^count:/ { l = $2 } /^in-pack:/ { p = $2 } END { print l " loose objects, " p " packed" }') (after git gc)"
measure "packed store"
result ls_packed "ls $N (packed store)" "$MED_M" "$MED_G" ms "$TARGET" "$CPU_M" "$CPU_G"
