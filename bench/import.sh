#!/usr/bin/env bash
# bench/import.sh: importing N memories in one commit, `memgit import DIR`
# (and `memgit import --raw DIR`) versus `git add -A && git commit` of the
# same files. Target: memgit no slower (git/memgit >= 1).
#
#   IMPORT_N=10000     memories (realistic markdown, 300-800 bytes, front matter)
#   IMPORT_ROUNDS=3    rounds; medians are reported
#
# Every side starts from an identical fresh `memgit init` store with a work
# tree. memgit reads the files from a folder outside the store and, as part of
# the measured command, writes them into its work tree and index; the git
# reference gets the files copied under memories/ beforehand (not measured),
# exactly as `git add -A && git commit` expects them. The order of the three
# commands rotates every round, and dirty pages are flushed before each.
# With --raw the resulting tree must be byte-identical to git's; that is checked.
# shellcheck source=bench/lib.sh disable=SC2154  # a_W, b_C, ... are set by stamp()
. "$(dirname "$0")/lib.sh"

N=${IMPORT_N:-10000}
ROUNDS=${IMPORT_ROUNDS:-3}
TARGET=1

bench_setup
echo "== import: $N memories in one commit ($ROUNDS round(s))"
echo "   memgit: $MEMGIT"
echo "   git:    $(git --version)   (git add -A && git commit, files already in the work tree)"
echo "   dir:    $BENCH_TMP"

DATA=$BENCH_TMP/data
gen_memories "$DATA" "$N" 11
echo "   data:   $(find "$DATA" -type f | wc -l) files, $(du -sk "$DATA" | cut -f1) KiB in $(find "$DATA" -mindepth 1 -type d | wc -l) folders"

run_memgit() { # STORE [--raw]
	"$MEMGIT" -C "$1" -q import ${2:+"$2"} "$DATA" >/dev/null
}
run_git() { # REPO
	git -C "$1" add -A && git -C "$1" commit -q -m "import: $N memories"
}
# the same work as `memgit import` into a store with a work tree: the files
# have to get into the work tree first
run_git_copy() { # REPO
	mkdir -p "$1/memories" && cp -R "$DATA/." "$1/memories/" && run_git "$1"
}

check_store() { # DIR
	[ "$(git -C "$1" rev-list --count main)" -eq 2 ] || die "$1: expected one new commit"
	[ "$(git -C "$1" ls-tree -r --name-only main memories/ | wc -l)" -eq "$N" ] || die "$1: wrong number of memories"
	[ -z "$(git -C "$1" status --porcelain)" ] || die "$1: work tree or index out of step with the branch"
}

declare -A W C
for k in m r g c b; do W[$k]="" C[$k]=""; done
for round in $(seq 1 "$ROUNDS"); do
	R=$BENCH_TMP/r$round
	new_store "$R/m"
	new_store "$R/r"
	new_store "$R/g"
	new_store "$R/c"
	"$MEMGIT" init -q --bare "$R/b"
	mkdir -p "$R/g/memories"
	cp -R "$DATA/." "$R/g/memories/"
	case $((round % 3)) in
	1) order="m r g c b" ;;
	2) order="r g c b m" ;;
	0) order="g c b m r" ;;
	esac
	line="   round $round:"
	for k in $order; do
		settle
		stamp a
		case $k in
		m) run_memgit "$R/m" ;;
		r) run_memgit "$R/r" --raw ;;
		g) run_git "$R/g" ;;
		c) run_git_copy "$R/c" ;;
		b) run_memgit "$R/b" ;;
		esac
		stamp b
		W[$k]+=" $((b_W - a_W))" C[$k]+=" $((b_C - a_C))"
		line+=$(printf '  %s %.3f s (cpu %.3f)' "$k" "$(calc "($b_W - $a_W) / 1e6")" "$(calc "($b_C - $a_C) / 1e6")")
	done
	echo "$line"
	echo "     (m = memgit import, r = memgit import --raw, g = git add -A && git commit of files already"
	echo "      in place, c = copy them in + git add -A && git commit, b = memgit import into a bare store)"
	for k in m r g c; do check_store "$R/$k"; done
	[ "$(git -C "$R/b" ls-tree -r --name-only main memories/ | wc -l)" -eq "$N" ] || die "bare: wrong number of memories"
	git -C "$R/b" fsck --strict --no-progress >/dev/null 2>&1 || die "bare: fsck failed"
	[ "$(git -C "$R/r" rev-parse main:memories)" = "$(git -C "$R/g" rev-parse main:memories)" ] ||
		die "memgit import --raw and git produced different trees"
	rm -rf "$R"
done

# shellcheck disable=SC2086  # the lists are meant to split
med() { calc "$(median ${W[$1]}) / 1e6"; }
# shellcheck disable=SC2086
medc() { calc "$(median ${C[$1]}) / 1e6"; }
echo "   results, medians (git/memgit of $TARGET or more passes):"
# like for like: both end with the files in a work tree, in the index and committed
result import "import $N (git: cp + add + commit)" "$(med m)" "$(med c)" s "$TARGET" "$(medc m)" "$(medc c)"
result import_raw "import --raw $N (git: cp + add + commit)" "$(med r)" "$(med c)" s "$TARGET" "$(medc r)" "$(medc c)"
# no work tree on memgit's side, none to fill on git's
result import_bare "import $N, bare (git: add + commit)" "$(med b)" "$(med g)" s "$TARGET" "$(medc b)" "$(medc g)"
# git's files already in place: memgit writes 10,000 files more (information)
info import_vs_add "import $N (git: add + commit only)" "$(med m)" "$(med g)" s
