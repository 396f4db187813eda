# test_concurrency.sh: many real memgit processes writing one store at once.
#
# Round 1: a store with a work tree, 16 writers x 50 puts of distinct paths,
#          all started together. No put may fail (exit 4 would be a lost
#          write); the branch, the index, the work tree and git fsck must all
#          agree afterwards.
# Round 2: the same on a --bare store (smaller).
# Round 3: 16 writers updating the SAME memory in a work tree: every
#          successful put is one commit in history, nothing else is.
# Prints attempts and latency figures for each round.
. "$MEMGIT_TESTLIB"

WRITERS=${MEMGIT_TEST_WRITERS:-16}
PUTS=${MEMGIT_TEST_PUTS:-50}
BARE_WRITERS=8
BARE_PUTS=20
SAME_PUTS=${MEMGIT_TEST_SAME_PUTS:-10}


# writer STORE ID N MODE LOGDIR: wait for the start signal, then run N puts.
# MODE distinct: w<ID>/m<j>.md; MODE same: shared.md. One log line per put:
#   path|body|exit code|attempts|microseconds|action
writer() {
	local store=$1 id=$2 n=$3 mode=$4 dir=$5 j rc t0 t1 path body att action line
	while [ ! -e "$dir/go" ]; do sleep 0.005; done
	for ((j = 1; j <= n; j++)); do
		if [ "$mode" = same ]; then
			path=shared.md body="same w$id n$j"
		else
			path=w$id/m$j.md body="body w$id m$j"
		fi
		rc=0
		t0=${EPOCHREALTIME/./}
		"$MEMGIT" -C "$store" --json put "$path" -m "$body" >"$dir/out.$id" 2>"$dir/err.$id.$j" || rc=$?
		t1=${EPOCHREALTIME/./}
		att=- action=-
		while IFS= read -r line; do
			[[ $line =~ \"attempts\":\ *([0-9]+) ]] && att=${BASH_REMATCH[1]}
			[[ $line =~ \"action\":\ *\"([a-z]+)\" ]] && action=${BASH_REMATCH[1]}
		done <"$dir/out.$id"
		[ "$rc" != 0 ] || rm -f "$dir/err.$id.$j"
		echo "$path|$body|$rc|$att|$((t1 - t0))|$action" >>"$dir/log.$id"
	done
}

# run_round STORE NWRITERS NPUTS MODE DIR: start every writer, release them
# together, wait; the merged log is DIR/all, wall time in ms in DIR/wall.
run_round() {
	local store=$1 nw=$2 np=$3 mode=$4 dir=$5 i t0 pids=()
	mkdir -p "$dir"
	for ((i = 1; i <= nw; i++)); do
		writer "$store" "$i" "$np" "$mode" "$dir" &
		pids+=($!)
	done
	sleep 0.2
	t0=${EPOCHREALTIME/./}
	touch "$dir/go"
	for p in "${pids[@]}"; do wait "$p" || fail "writer process $p failed"; done
	echo $(((${EPOCHREALTIME/./} - t0) / 1000)) >"$dir/wall"
	cat "$dir"/log.* >"$dir/all"
	[ "$(wc -l <"$dir/all")" -eq $((nw * np)) ] || fail "writers logged $(wc -l <"$dir/all") puts, expected $((nw * np))"
}

# report NAME DIR: print figures; fail on any put that did not exit 0.
report() {
	local name=$1 dir=$2
	awk -F'|' -v name="$name" -v wall="$(cat "$dir/wall")" '
		{ n++; rc[$3]++; if ($3 == 0) { ok++; a = $4 + 0; att += a; if (a > amax) amax = a; hist[a]++ } }
		END {
			printf "%s: %d puts in %d ms (%.1f puts/s); exit codes:", name, n, wall, n * 1000 / (wall ? wall : 1)
			for (c in rc) printf " %s=%d", c, rc[c]
			printf "\n%s: attempts mean %.2f max %d; histogram:", name, ok ? att / ok : 0, amax
			for (k = 1; k <= amax; k++) if (hist[k]) printf " %d:%d", k, hist[k]
			printf "\n"
		}' "$dir/all"
	awk -F'|' '$3 == 0 { print $5 }' "$dir/all" | sort -n | awk -v name="$name" '
		{ v[NR] = $1; s += $1 }
		END { if (NR) printf "%s: latency ms mean %.1f p50 %.1f p95 %.1f max %.1f\n", name,
			s / NR / 1000, v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.95) + (NR > 1 ? 0 : 1)] / 1000, v[NR] / 1000 }'
	local busy bad
	busy=$(awk -F'|' '$3 == 4' "$dir/all" | wc -l)
	bad=$(awk -F'|' '$3 != 0' "$dir/all" | wc -l)
	if [ "$bad" -ne 0 ]; then
		awk -F'|' '$3 != 0 { print "  failed: " $1 " (" $2 ") exit " $3 }' "$dir/all" >"$T/failed"
		head -10 "$T/failed"
		for f in "$dir"/err.*; do [ ! -e "$f" ] || sed "s|^|  $(basename "$f"): |" "$f"; done >"$T/failed"
		head -10 "$T/failed"
		fail "$name: $bad of $(wc -l <"$dir/all") puts failed ($busy with exit 4 = lost writes)"
	fi
}

# no_stale_locks DIR: no git lock file left anywhere, and no writer record.
no_stale_locks() {
	local gd
	gd=$(cd "$1" && git rev-parse --absolute-git-dir)
	find "$gd" -name '*.lock' ! -path "$gd/memgit/write.lock" >"$T/locks"
	[ ! -s "$T/locks" ] || { cat "$T/locks"; fail "lock files left under $gd"; }
	! has_record "$gd/memgit/write.lock" || { cat "$gd/memgit/write.lock"; fail "a writer record was left in $gd/memgit/write.lock"; }
}

# check_contents STORE EXPECTED_PATHS: the branch holds exactly these
# memories (paths relative to memories/), each with body "body wI mJ",
# each with its own id, as seen by git (archive) and by memgit ls.
check_contents() {
	local store=$1 want=$2 x=$T/archive
	LC_ALL=C sort "$want" >"$T/want.sorted"
	git -C "$store" ls-tree -r --name-only main memories | sed 's|^memories/||' | LC_ALL=C sort >"$T/tree.paths"
	diff "$T/want.sorted" "$T/tree.paths" >"$T/diff" || { head -20 "$T/diff"; fail "git ls-tree main memories differs from the puts that succeeded"; }
	mg -C "$store" ls | LC_ALL=C sort >"$T/ls.paths"
	diff "$T/want.sorted" "$T/ls.paths" >"$T/diff" || { head -20 "$T/diff"; fail "memgit ls differs from the puts that succeeded"; }
	rm -rf "$x" && mkdir -p "$x"
	git -C "$store" archive main memories | tar -x -C "$x"
	(cd "$x/memories" && LC_ALL=C sort "$T/want.sorted" | xargs awk '
		function check(f, l,   a, want) {
			split(f, a, "/"); sub(/\.md$/, "", a[2]); want = "body " a[1] " " a[2]
			if (l != want) { print "  " f ": last line \"" l "\", expected \"" want "\""; bad++ }
		}
		FNR == 1 { if (NR > 1) check(cur, last); cur = FILENAME; files++ }
		{ last = $0 }
		/^id: / { ids[$2]++; if (ids[$2] == 2) dup++ }
		END { if (NR) check(cur, last); printf "%d %d %d\n", files, bad + 0, dup + 0 }' >"$T/content")
	local files bad dup
	read -r files bad dup < <(tail -n1 "$T/content")
	[ "$bad" -eq 0 ] || { head -20 "$T/content"; fail "$bad memories have the wrong content"; }
	[ "$dup" -eq 0 ] || fail "$dup memory ids are shared by several memories"
	assert_eq "$files" "$(wc -l <"$T/want.sorted")" "memories read back"
}

# check_history STORE NCOMMITS [once]: linear history of NCOMMITS commits;
# with "once", each memory path was touched by exactly one commit.
check_history() {
	local store=$1 n=$2
	assert_eq "$(git -C "$store" rev-list --count main)" "$n" "git rev-list --count main"
	assert_eq "$(git -C "$store" rev-list --min-parents=2 main | wc -l)" 0 "merge commits"
	[ "${3:-}" = once ] || return 0
	git -C "$store" log --format= --name-only main -- memories | sed '/^$/d' | LC_ALL=C sort | uniq -d >"$T/dups"
	[ ! -s "$T/dups" ] || { head "$T/dups"; fail "memories created by more than one commit"; }
}

# check_worktree STORE: index == tip, every work-tree file == its blob,
# nothing modified or untracked.
check_worktree() {
	local store=$1
	assert_eq "$(git -C "$store" symbolic-ref HEAD)" refs/heads/main "HEAD"
	git -C "$store" diff-index --cached --quiet main -- || { git -C "$store" diff-index --cached --stat main | tail -5; fail "the index differs from main"; }
	git -C "$store" ls-tree -r main >"$T/lstree"
	cut -f2 "$T/lstree" | (cd "$store" && git hash-object --stdin-paths) >"$T/disk" ||
		fail "a work-tree file is missing"
	awk '{ print $3 }' "$T/lstree" | diff - "$T/disk" >"$T/diff" || { head "$T/diff"; fail "work-tree files differ from their blobs"; }
	git -C "$store" status --porcelain --untracked-files=all >"$T/status"
	[ ! -s "$T/status" ] || { head -20 "$T/status"; fail "git status --porcelain is not empty"; }
}

started=${EPOCHREALTIME/./}

# ---- round 1: work tree, distinct paths --------------------------------------
S=$T/wt
run 0 mg init "$S"
run_round "$S" "$WRITERS" "$PUTS" distinct "$T/r1"
report "worktree ${WRITERS}x${PUTS}" "$T/r1"
assert_eq "$(awk -F'|' '$6 != "created"' "$T/r1/all" | wc -l)" 0 "puts not reported as created"
cut -d'|' -f1 "$T/r1/all" >"$T/r1/paths"
check_contents "$S" "$T/r1/paths"
fsck_clean "$S"
check_history "$S" $((WRITERS * PUTS + 1)) once
no_stale_locks "$S"
check_worktree "$S"
echo "worktree ${WRITERS}x${PUTS}: objects reachable $(git -C "$S" rev-list --objects --all | wc -l), unreachable (written by lost races) $(git -C "$S" fsck --unreachable --no-reflogs --no-progress 2>/dev/null | grep -c '^unreachable' || true)"

# ---- round 2: bare store -----------------------------------------------------
B=$T/bare.git
run 0 mg init --bare "$B"
assert_eq "$(git -C "$B" rev-parse --is-bare-repository)" true "bare store"
run_round "$B" "$BARE_WRITERS" "$BARE_PUTS" distinct "$T/r2"
report "bare ${BARE_WRITERS}x${BARE_PUTS}" "$T/r2"
cut -d'|' -f1 "$T/r2/all" >"$T/r2/paths"
check_contents "$B" "$T/r2/paths"
fsck_clean "$B"
check_history "$B" $((BARE_WRITERS * BARE_PUTS + 1)) once
no_stale_locks "$B"

# ---- round 3: everyone updates the same memory -------------------------------
# same_round STORE NWRITERS DIR NAME: last writer wins, and every successful
# put (and nothing else) is a commit in the history of shared.md.
same_round() {
	local store=$1 nw=$2 dir=$3 name=$4 ok
	run_round "$store" "$nw" "$SAME_PUTS" same "$dir"
	ok=$(awk -F'|' '$3 == 0' "$dir/all" | wc -l)
	# the history first, so that failing puts are reported after what the branch shows
	awk -F'|' '$3 == 0 { print $2 }' "$dir/all" | LC_ALL=C sort >"$dir/ok.bodies"
	git -C "$store" log --format='%H:memories/shared.md' main -- memories/shared.md >"$dir/revs"
	git -C "$store" cat-file --batch <"$dir/revs" >"$dir/versions"
	grep '^same w' "$dir/versions" | LC_ALL=C sort >"$dir/hist.bodies"
	echo "$name: $ok successful puts, $(wc -l <"$dir/revs") commits touch memories/shared.md"
	diff "$dir/ok.bodies" "$dir/hist.bodies" >"$T/diff" || { head -20 "$T/diff"; fail "$name: history of shared.md differs from the successful puts (< only succeeded, > only in history)"; }
	assert_eq "$(wc -l <"$dir/revs")" "$ok" "$name: commits touching shared.md"
	assert_eq "$(grep -c '^id: ' "$dir/versions")" "$ok" "$name: versions with an id"
	assert_eq "$(grep '^id: ' "$dir/versions" | sort -u | wc -l)" 1 "$name: distinct ids across versions of shared.md"
	assert_eq "$(awk -F'|' '$3 == 0 && $6 == "created"' "$dir/all" | wc -l)" 1 "$name: puts reporting 'created'"
	# last writer wins: the tip is the newest commit touching shared.md
	assert_eq "$(git -C "$store" log -1 --format=%H main -- memories/shared.md)" "$(git -C "$store" rev-parse main)" "$name: tip"
	fsck_clean "$store"
	check_history "$store" $((ok + 1))
	no_stale_locks "$store"
	report "$name" "$dir"
}

U=$T/same.git
run 0 mg init --bare "$U"
same_round "$U" "$WRITERS" "$T/r3" "same memory, bare ${WRITERS}x${SAME_PUTS}"

V=$T/same-wt
run 0 mg init "$V"
same_round "$V" "$WRITERS" "$T/r4" "same memory, work tree ${WRITERS}x${SAME_PUTS}"
check_worktree "$V"

echo "test_concurrency: total $(((${EPOCHREALTIME/./} - started) / 1000)) ms"
