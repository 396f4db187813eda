# test_crash.sh: writers killed with SIGKILL at random moments never leave
# the store corrupt or blocked.
#
# Each round starts WRITERS put loops on one store with a work tree (odd puts
# create a new memory, even puts update the writer's own hot.md) and kills
# some or all of them with kill -9:
#   mode 0: a random subset, after a random delay; the survivors carry on;
#   mode 1: all of them, after a random delay;
#   mode 2: all of them the moment a writer record appears in write.lock,
#           i.e. while a writer is inside the ref/index update;
#   mode 3: all of them the moment refs/heads/main.lock appears, i.e. while
#           the branch is being moved or the work tree synced.
# A writer logs a put only after memgit exited 0. After each round:
#   - no surviving writer saw a failure;
#   - git fsck --strict is clean;
#   - every logged memory is at the tip with its content, every logged
#     hot.md version is in the history;
#   - retrying the put each killed writer had in flight succeeds, and so
#     does a fresh put, without any manual cleanup;
#   - then no git lock file and no writer record are left, the index and the
#     work tree match the tip, and each hot.md holds its last logged body.
# Then deaths simulated with a record in write.lock: holding the ref lock;
# holding the ref and index locks; after moving the branch but before
# syncing the work tree; after writing a work-tree file but before writing
# the index.
#
# A retry refused as a hand edit, or a work tree left behind the branch, is
# recorded and the test goes on (healing the work tree with git reset) so
# that one run reports every finding; the test fails at the end.
. "$MEMGIT_TESTLIB"

ROUNDS=${MEMGIT_TEST_CRASH_ROUNDS:-30}
WRITERS=4
PUTS=6


S=$T/store
run 0 mg init "$S"
GD=$(cd "$S" && git rev-parse --absolute-git-dir)
REC=$GD/memgit/write.lock

# writer ID ROUND DIR: PUTS puts; DIR/cur.ID names the one in flight.
writer() {
	local k=$1 r=$2 dir=$3 j rc path body
	for ((j = 1; j <= PUTS; j++)); do
		if ((j % 2)); then
			path=w$k/r$r-n$j.md body="crash r$r w$k n$j"
		else
			path=w$k/hot.md body="hot r$r w$k n$j"
		fi
		echo "$path|$body" >"$dir/cur.$k"
		rc=0
		"$MEMGIT" -C "$S" -q put "$path" -m "$body" >/dev/null 2>"$dir/err.$k" || rc=$?
		if [ "$rc" = 0 ]; then
			echo "$path|$body" >>"$dir/ok.$k"
		else
			echo "$path|$body|exit $rc|$(cat "$dir/err.$k")" >>"$dir/bad"
		fi
	done
	: >"$dir/cur.$k"
}

# retry_put: put $path with $body again; rc=0 also when it had landed in
# this very second (exit 1, nothing to commit, the tip holds the body).
retry_put() {
	rc=0
	mg -C "$S" -q put "$path" -m "$body" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'nothing to commit' "$T/err" &&
		[ "$(git -C "$S" cat-file blob "main:memories/$path" | tail -n1)" = "$body" ]; then
		rc=0
	fi
}

# defer MESSAGE: a finding reported (and failed) at the end
defer() { echo "$*" >>"$T/deferred"; echo "FINDING: $*"; }

sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# git_locks: git lock files under the git dir (memgit's own write.lock aside)
git_locks() { find "$GD" -name '*.lock' ! -path "$REC"; }

# check_logged: every logged new memory is at the tip with its body, every
# logged hot.md body is in the history.
check_logged() {
	local x=$T/archive
	rm -rf "$x" && mkdir -p "$x"
	git -C "$S" archive main memories | tar -x -C "$x"
	grep -v '/hot\.md|' "$T/created" | awk -F'|' -v root="$x/memories/" '
		{
			f = root $1; last = ""; n = 0
			while ((getline line < f) > 0) { last = line; n++ }
			close(f)
			if (n == 0) { print "  missing: " $1; bad++ }
			else if (last != $2) { print "  " $1 ": \"" last "\", expected \"" $2 "\""; bad++ }
		}
		END { exit bad > 0 }' >"$T/logged" || { head -20 "$T/logged"; fail "round $r: a put that exited 0 is not on the branch"; }
	git -C "$S" log -p --format= main -- 'memories/*/hot.md' | sed -n 's/^+\(hot r.*\)/\1/p' | LC_ALL=C sort -u >"$T/hot.hist"
	grep '/hot\.md|' "$T/created" | cut -d'|' -f2 | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$T/hot.hist" >"$T/lost"
	[ ! -s "$T/lost" ] || { head "$T/lost"; fail "round $r: hot.md versions that exited 0 are not in the history"; }
}

# worktree_matches: index == tip and every work-tree file == its blob
worktree_matches() {
	git -C "$S" diff-index --cached --quiet main -- || return 1
	git -C "$S" ls-tree -r main >"$T/lstree"
	cut -f2 "$T/lstree" | (cd "$S" && git hash-object --stdin-paths) >"$T/disk" 2>/dev/null || return 1
	awk '{ print $3 }' "$T/lstree" | diff - "$T/disk" >/dev/null
}

# check_clean: no locks, no record, index and work tree match the tip.
# Untracked *.memgit-tmp-* files (a write killed between creating its temp
# file and renaming it) are counted, not failed; anything else must be clean.
check_clean() {
	git_locks >"$T/locks"
	[ ! -s "$T/locks" ] || { cat "$T/locks"; fail "round $r: lock files left after a successful put"; }
	! has_record "$REC" || { cat "$REC"; fail "round $r: writer record left after a successful put"; }
	if ! worktree_matches; then
		defer "round $r: after successful puts the index/work tree differ from main:" \
			"$(git -C "$S" status --porcelain | grep -v '^??' | tr '\n' ' ')" \
			"(last put said: $(tr '\n' ' ' <"$T/err"))"
		git -C "$S" reset -q --hard main
		worktree_matches || fail "round $r: git reset --hard main did not repair the work tree"
	fi
	git -C "$S" status --porcelain --untracked-files=all >"$T/status"
	grep -v '^?? .*\.memgit-tmp-[0-9a-f]*$' "$T/status" >"$T/status.other" || true
	[ ! -s "$T/status.other" ] || { head "$T/status.other"; fail "round $r: git status is not clean"; }
}

: >"$T/created"
: >"$T/deferred"
killed_total=0 recs_left=0 reflocks_left=0 idxlocks_left=0 missed=0 retries=0
retry_max_ms=0 recovered_rounds=0 stale_index=0 refused=0
started=${EPOCHREALTIME/./}

# calibration: one undisturbed round gives the span of the random kill delays
r=0
mkdir -p "$T/r0"
t0=${EPOCHREALTIME/./}
for ((k = 1; k <= WRITERS; k++)); do writer "$k" 0 "$T/r0" & done
wait
span=$(((${EPOCHREALTIME/./} - t0) / 1000))
[ ! -e "$T/r0/bad" ] || { cat "$T/r0/bad"; fail "calibration round: a put failed"; }
cat "$T/r0"/ok.* >>"$T/created"
echo "calibration: $((WRITERS * PUTS)) puts by $WRITERS writers in $span ms"
((span <= 1500)) || span=1500 # a loaded machine: keep the rounds short

set -m # each writer in its own process group: kill -9 -PGID reaches its memgit too
for ((r = 1; r <= ROUNDS; r++)); do
	dir=$T/r$r
	mkdir -p "$dir"
	mode=$((r % 4))
	pids=()
	for ((k = 1; k <= WRITERS; k++)); do
		writer "$k" "$r" "$dir" &
		pids+=($!)
	done
	victims=()
	case $mode in
	0)
		for ((k = 1; k <= WRITERS; k++)); do ((RANDOM % 2)) && victims+=("$k"); done
		[ "${#victims[@]}" -gt 0 ] || victims=($((RANDOM % WRITERS + 1)))
		[ "${#victims[@]}" -lt "$WRITERS" ] || unset 'victims[0]'
		sleep_ms $((RANDOM % span))
		;;
	1)
		mapfile -t victims < <(seq 1 "$WRITERS")
		sleep_ms $((RANDOM % span))
		;;
	2 | 3)
		mapfile -t victims < <(seq 1 "$WRITERS")
		deadline=$((${EPOCHREALTIME/./} + span * 2000))
		if [ "$mode" = 2 ]; then
			until has_record "$REC"; do
				((${EPOCHREALTIME/./} < deadline)) || { missed=$((missed + 1)); break; }
			done
		else
			until [ -e "$GD/refs/heads/main.lock" ]; do
				((${EPOCHREALTIME/./} < deadline)) || { missed=$((missed + 1)); break; }
			done
		fi
		;;
	esac
	for k in "${victims[@]}"; do kill -9 -- "-${pids[k - 1]}" 2>/dev/null || true; done
	for k in "${!pids[@]}"; do wait "${pids[k]}" 2>/dev/null || true; done
	killed_total=$((killed_total + ${#victims[@]}))

	# what the crash left behind, before anyone recovers it: every git lock
	# file left must be named in the record, or the next writer would take
	# it for git's and wait for it in vain
	left=$(git_locks)
	! has_record "$REC" || recs_left=$((recs_left + 1))
	[ -z "$left" ] || ! has_record "$REC" || recovered_rounds=$((recovered_rounds + 1))
	for l in $left; do
		case $l in
		"$GD/refs/heads/main.lock") reflocks_left=$((reflocks_left + 1)) ;;
		"$GD/index.lock") idxlocks_left=$((idxlocks_left + 1)) ;;
		esac
		# "lock PATH", "lockif ID PATH" for a ref lock that must hold ID, or
		# "lockid DEV INO CTIME PATH" for the index lock memgit created
		grep -qE "^(lock|lockif [0-9a-f]{40}|lockid [0-9]+ [0-9]+ [0-9]+\.[0-9]+) $(printf '%s' "$l" | sed 's/[.[\*^$]/\\&/g')\$" "$REC" ||
			{ cat "$REC"; fail "round $r (mode $mode): a killed writer left $l without naming it in write.lock"; }
		if grep -q "^lockid .* $l\$" "$REC"; then
			want=$(grep "^lockid .* $l\$" "$REC" | tail -n1 | cut -d' ' -f2-4)
			have=$(stat -c '%d %i %Z' "$l").$(stat -c '%z' "$l" | sed 's/.*\.\([0-9]*\) .*/\1/')
			[ "$want" = "$have" ] || fail "round $r: $l is not the file the record names ($want, file $have)"
		fi
		if grep -q "^lockif [0-9a-f]* $l\$" "$REC"; then
			want=$(grep "^lockif [0-9a-f]* $l\$" "$REC" | cut -d' ' -f2)
			# killed mid-write, the lock holds a prefix of the id (maybe nothing)
			have=$(head -c 40 "$l")
			[ "${want#"$have"}" != "$want" ] || [ -z "$have" ] ||
				fail "round $r: $l holds '$have', not (a prefix of) the id the record names"
		fi
	done
	git -C "$S" diff-index --cached --quiet main -- || stale_index=$((stale_index + 1))

	[ ! -e "$dir/bad" ] || { cat "$dir/bad"; fail "round $r (mode $mode): a writer that was not killed saw a put fail"; }
	cat "$dir"/ok.* >>"$T/created" 2>/dev/null || true
	fsck_clean "$S"
	check_logged

	# the killed writers' agents retry what they were doing
	: >"$T/dirty"
	for k in "${victims[@]}"; do
		cur=$(cat "$dir/cur.$k" 2>/dev/null || true)
		[ -n "$cur" ] || continue
		path=${cur%%|*} body=${cur#*|}
		t0=${EPOCHREALTIME/./}
		retry_put
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		((ms <= retry_max_ms)) || retry_max_ms=$ms
		retries=$((retries + 1))
		if [ "$rc" = 3 ] && grep -q 'changed by hand' "$T/err"; then
			refused=$((refused + 1))
			defer "round $r (mode $mode): retrying the killed put of $path exited 3: $(cat "$T/err")"
			echo "$path|$body" >>"$T/dirty"
			continue
		fi
		[ "$rc" = 0 ] || { cat "$T/err"; fail "round $r (mode $mode): retrying the killed put of $path exited $rc"; }
		echo "$path|$body" >>"$T/created"
	done
	run 0 mg -C "$S" -q put "next/r$r.md" -m "next r$r"
	echo "next/r$r.md|next r$r" >>"$T/created"
	if [ -s "$T/dirty" ] && ! worktree_matches; then
		defer "round $r: a put elsewhere did not bring the work tree back to main"
		git -C "$S" reset -q --hard main
	fi
	# the refused retries, once more
	while IFS='|' read -r path body; do
		retry_put
		[ "$rc" = 0 ] || { cat "$T/err"; fail "round $r (mode $mode): retrying $path after another put exited $rc"; }
		echo "$path|$body" >>"$T/created"
	done <"$T/dirty"
	check_clean
	for ((k = 1; k <= WRITERS; k++)); do
		want=$(grep "^w$k/hot\.md|" "$T/created" | tail -n1 | cut -d'|' -f2)
		[ -z "$want" ] || assert_eq "$(git -C "$S" cat-file blob "main:memories/w$k/hot.md" | tail -n1)" "$want" "round $r: w$k/hot.md at the tip"
	done
done
set +m
check_logged
fsck_clean "$S"
tmp_left=$(find "$S" -name '*.memgit-tmp-*' -not -path "$GD/*" | wc -l)
echo "crash rounds: $ROUNDS in $(((${EPOCHREALTIME/./} - started) / 1000)) ms; $killed_total writers killed; kill moments with no record seen: $missed"
echo "left by the kills: writer record $recs_left, refs/heads/main.lock $reflocks_left, index.lock $idxlocks_left (rounds with a recorded git lock: $recovered_rounds), index behind the branch $stale_index; memgit temp files now in the work tree: $tmp_left"
echo "retried killed puts: $retries (refused as hand edits: $refused), slowest $retry_max_ms ms; memories on the branch: $(mg -C "$S" ls | wc -l); commits: $(git -C "$S" rev-list --count main)"

# ---- simulated deaths ----------------------------------------------------------
r=sim
record() { # record LOCK...: what a writer that died mid-update leaves in write.lock
	printf 'pid 999999\n' >"$REC"
	for l in "$@"; do printf 'lock %s\n' "$l" >>"$REC"; done
}

# a writer died holding the ref lock: its record names the lock
tip=$(git -C "$S" rev-parse main)
record "$GD/refs/heads/main.lock"
echo "$tip" >"$GD/refs/heads/main.lock"
t0=${EPOCHREALTIME/./}
run 0 mg -C "$S" put sim/ref.md -m "after a dead ref lock"
echo "simulated dead ref lock: put took $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
[ ! -e "$GD/refs/heads/main.lock" ] || fail "the dead writer's refs/heads/main.lock is still there"
assert_eq "$(git -C "$S" rev-parse main^)" "$tip" "parent of the put after recovery"
check_clean

# ... holding the ref lock and the index lock
record "$GD/refs/heads/main.lock" "$GD/index.lock"
git -C "$S" rev-parse main >"$GD/refs/heads/main.lock"
cp "$GD/index" "$GD/index.lock"
run 0 mg -C "$S" put sim/index.md -m "after a dead ref and index lock"
[ ! -e "$GD/refs/heads/main.lock" ] || fail "the dead writer's refs/heads/main.lock is still there"
[ ! -e "$GD/index.lock" ] || fail "the dead writer's index.lock is still there"
check_clean

# ... holding the index lock it created (named by identity): recovered; a
# lock git made at that path since (another file) is git's, and is kept
cp "$GD/index" "$GD/index.lock"
printf 'pid 999999\nlockid %s %s %s.%s %s\n' $(stat -c '%d %i %Z' "$GD/index.lock") \
	"$(stat -c '%z' "$GD/index.lock" | sed 's/.*\.\([0-9]*\) .*/\1/')" "$GD/index.lock" >"$REC"
run 0 mg -C "$S" put sim/byid.md -m "after a dead index lock"
[ ! -e "$GD/index.lock" ] || fail "the dead writer's index.lock (same file as recorded) is still there"
check_clean
cp "$GD/index" "$GD/index.lock"
printf 'pid 999999\nlockid %s %s %s.%s %s\n' $(stat -c '%d %i %Z' "$GD/index.lock") \
	"$(stat -c '%z' "$GD/index.lock" | sed 's/.*\.\([0-9]*\) .*/\1/')" "$GD/index.lock" >"$REC"
rm "$GD/index.lock"
sleep 0.01
cp "$GD/index" "$T/gits.lock" && mv "$T/gits.lock" "$GD/index.lock" # git's, made since
run 0 mg -C "$S" put sim/byid2.md -m "while git holds the index"
[ -e "$GD/index.lock" ] || fail "memgit removed an index.lock git made after the writer died"
assert_contains "$T/err" "warning: work tree and index not brought up to date"
git -C "$S" cat-file -e main:memories/sim/byid2.md || fail "the put was lost"
rm "$GD/index.lock"
run 0 mg -C "$S" put sim/byid3.md -m "after git let go"
check_clean

# ... after moving the branch, before syncing the work tree: the branch is
# one commit ahead of the index and the work tree. The commit is built as
# memgit would have (same front matter, new body). The agent then retries.
run 0 mg -C "$S" put sim/stale.md -m "stale v1"
git -C "$S" cat-file blob main:memories/sim/stale.md | sed 's/^stale v1$/stale v2/' >"$T/v2"
blob=$(git -C "$S" hash-object -w "$T/v2")
export GIT_INDEX_FILE=$T/sim.index
git -C "$S" read-tree main
git -C "$S" update-index --cacheinfo "100644,$blob,memories/sim/stale.md"
tree=$(git -C "$S" write-tree)
unset GIT_INDEX_FILE
old=$(git -C "$S" rev-parse main)
commit=$(git -C "$S" commit-tree "$tree" -p "$old" -m "memory: update sim/stale.md")
git -C "$S" update-ref refs/heads/main "$commit" "$old"
record "$GD/refs/heads/main.lock" "$GD/index.lock"
assert_eq "$(tail -n1 "$S/memories/sim/stale.md")" "stale v1" "work tree before recovery"
rc=0
mg -C "$S" put sim/stale.md -m "stale v3" >"$T/out" 2>"$T/err" || rc=$?
if [ "$rc" != 0 ]; then
	defer "died after moving the branch, before syncing the work tree: retrying the put of the same memory exited $rc ($(cat "$T/err")); the file matched the index, nobody edited it"
	run 0 mg -C "$S" put sim/other.md -m "a put elsewhere"
	run 0 mg -C "$S" put sim/stale.md -m "stale v3"
fi
assert_eq "$(tail -n1 "$S/memories/sim/stale.md")" "stale v3" "work tree after recovery"
check_clean

# ... after writing the work-tree file, before writing the index: the file
# holds the tip's blob, the index still the previous one.
sleep 1 # a new 'updated' stamp, so that v2 and its retry differ
run 0 mg -C "$S" put sim/idx.md -m "idx v1"
v1=$(git -C "$S" rev-parse main:memories/sim/idx.md)
sleep 1
run 0 mg -C "$S" put sim/idx.md -m "idx v2"
git -C "$S" update-index --cacheinfo "100644,$v1,memories/sim/idx.md"
record "$GD/refs/heads/main.lock" "$GD/index.lock"
rc=0
mg -C "$S" put sim/idx.md -m "idx v3" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || defer "died before writing the index: retrying the put exited $rc ($(cat "$T/err"))"
if [ "$(tail -n1 "$S/memories/sim/idx.md")" != "idx v3" ] || ! worktree_matches; then
	defer "died after writing the work-tree file, before writing the index: the next put of that memory exited $rc but left the work tree at '$(tail -n1 "$S/memories/sim/idx.md")' and the index behind main (git status: $(git -C "$S" status --porcelain | grep -v '^??' | tr '\n' ' '); memgit said: $(tr '\n' ' ' <"$T/err"))"
	sleep 1
	rc=0
	mg -C "$S" put sim/idx.md -m "idx v4" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || defer "... and the put after it exited $rc ($(cat "$T/err")): the memory stays blocked"
	git -C "$S" reset -q --hard main
fi
check_clean
fsck_clean "$S"

echo "test_crash: total $(((${EPOCHREALTIME/./} - started) / 1000)) ms"
if [ -s "$T/deferred" ]; then
	echo "findings:"
	sed 's/^/  /' "$T/deferred"
	fail "$(wc -l <"$T/deferred") findings (above)"
fi
