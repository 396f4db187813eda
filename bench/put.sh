#!/usr/bin/env bash
# bench/put.sh: N memories written one `memgit put` each, in a store with a
# work tree, versus the git CLI doing the same: write the file, `git add`,
# `git commit`. Target: memgit at least 2x faster (git/memgit >= 2).
#
#   PUT_N=1000      memories per round
#   PUT_ROUNDS=1    rounds; figures are medians over rounds (totals) or over
#                   all operations (per-op median)
#
# Both sides start from an identical fresh `memgit init` store and write the
# same pre-generated memories (300-800 bytes with front matter, in topic
# folders). The two sides alternate memory by memory (and swap who goes first
# every other memory), so a change in machine load hits both alike. The git
# side reads and writes the file with shell built-ins only, so no extra
# process is charged to it.
#
# On ext4 without a journal, files deleted in the last minute (more while
# their inode table is unwritten) slow down every file creation: ext4 skips
# recently freed inodes one by one. Both sides create about nine files per
# put, so a busy file system narrows the ratio. Run it on a quiet file
# system, or with TMPDIR=/dev/shm.
# shellcheck source=bench/lib.sh disable=SC2154  # a_W, b_C, ... are set by stamp()
. "$(dirname "$0")/lib.sh"

N=${PUT_N:-1000}
ROUNDS=${PUT_ROUNDS:-1}
TARGET=2

bench_setup
echo "== put: $N memories, one process each, store with a work tree ($ROUNDS round(s))"
echo "   memgit: $MEMGIT"
echo "   git:    $(git --version)   (write file + git add + git commit)"
echo "   dir:    $BENCH_TMP"

IN=$BENCH_TMP/input
gen_memories "$IN" "$N" 7
mapfile -t FILES < <(cd "$IN" && find . -type f -name '*.md' | sed 's|^\./||' | sort)
[ "${#FILES[@]}" -eq "$N" ] || die "generated ${#FILES[@]} inputs, wanted $N"

put_memgit() {
	stamp a
	"$MEMGIT" -C "$MS" -q put "$f" -F "$IN/$f" >/dev/null
	stamp b
	MW+=($((b_W - a_W))) MC+=($((b_C - a_C)))
}

put_git() {
	local content
	stamp a
	IFS= read -r -d '' content <"$IN/$f" || true
	[ -d "$GS/memories/${f%/*}" ] || mkdir -p "$GS/memories/${f%/*}"
	printf '%s' "$content" >"$GS/memories/$f"
	git -C "$GS" add "memories/$f"
	git -C "$GS" commit -q -m "memory: create $f"
	stamp b
	GW+=($((b_W - a_W))) GC+=($((b_C - a_C)))
}

sum() { local t=0 x; for x in "$@"; do t=$((t + x)); done; echo "$t"; }

ALL_MW=() ALL_GW=() TOT_MW=() TOT_GW=() TOT_MC=() TOT_GC=()
for r in $(seq 1 "$ROUNDS"); do
	MS=$BENCH_TMP/m$r GS=$BENCH_TMP/g$r
	new_store "$MS"
	new_store "$GS"
	settle
	MW=() MC=() GW=() GC=()
	for i in "${!FILES[@]}"; do
		f=${FILES[$i]}
		if ((i % 2)); then put_git; put_memgit; else put_memgit; put_git; fi
	done
	# both sides must have done the whole job
	for d in "$MS" "$GS"; do
		[ "$(git -C "$d" rev-list --count main)" -eq $((N + 1)) ] || die "$d: wrong number of commits"
		[ "$(git -C "$d" ls-tree -r --name-only main memories/ | wc -l)" -eq "$N" ] || die "$d: wrong number of memories"
		[ -z "$(git -C "$d" status --porcelain)" ] || die "$d: work tree or index out of step with the branch"
	done
	rm -rf "$MS" "$GS"
	mt=$(sum "${MW[@]}") gt=$(sum "${GW[@]}") mc=$(sum "${MC[@]}") gc=$(sum "${GC[@]}")
	TOT_MW+=("$mt") TOT_GW+=("$gt") TOT_MC+=("$mc") TOT_GC+=("$gc")
	ALL_MW+=("${MW[@]}") ALL_GW+=("${GW[@]}")
	printf '   round %d: memgit %.3f s (%.2f ms/op, cpu %.2f ms/op)   git %.3f s (%.2f ms/op, cpu %.2f ms/op)\n' "$r" \
		"$(calc "$mt / 1e6")" "$(calc "$mt / 1e3 / $N")" "$(calc "$mc / 1e3 / $N")" \
		"$(calc "$gt / 1e6")" "$(calc "$gt / 1e3 / $N")" "$(calc "$gc / 1e3 / $N")"
done

mt=$(calc "$(median "${TOT_MW[@]}") / 1e6") gt=$(calc "$(median "${TOT_GW[@]}") / 1e6")
mc=$(calc "$(median "${TOT_MC[@]}") / 1e6") gc=$(calc "$(median "${TOT_GC[@]}") / 1e6")
echo "   results (git/memgit above $TARGET passes):"
result put_total "put x$N, total" "$mt" "$gt" s "$TARGET" "$mc" "$gc"
result put_mean "put, per op (mean)" "$(calc "$mt * 1000 / $N")" "$(calc "$gt * 1000 / $N")" ms "$TARGET" \
	"$(calc "$mc * 1000 / $N")" "$(calc "$gc * 1000 / $N")"
result put_median "put, per op (median)" "$(calc "$(median "${ALL_MW[@]}") / 1e3")" \
	"$(calc "$(median "${ALL_GW[@]}") / 1e3")" ms "$TARGET"
