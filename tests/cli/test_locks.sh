# test_locks.sh: memgit and lock files it does not own, and live holders of
# its own writer lock.
#   1. a foreign refs/heads/main.lock (no writer record, as the git CLI
#      leaves it): put waits limits.lock_timeout_ms, exits 4 with one line
#      naming the lock file, removes nothing, moves nothing; once the lock is
#      gone, put succeeds;
#   2. a foreign index.lock: the branch moves, the put warns, the lock is
#      left alone; the next put after its removal brings the index back;
#   3. a live holder of write.lock (flock from the shell): a put waits and
#      succeeds after the release; with the short timeout it exits 4 while
#      the lock is held;
#   4. a live holder mid-update (its record and refs/heads/main.lock in
#      place): a waiting put never removes the holder's lock; it succeeds
#      after the holder finishes, and also after the holder dies leaving
#      its record and lock file behind.
. "$MEMGIT_TESTLIB"

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

S=$T/store
run 0 mg init "$S"
GD=$(cd "$S" && git rev-parse --absolute-git-dir)
REC=$GD/memgit/write.lock
REFLOCK=$GD/refs/heads/main.lock
run 0 mg -C "$S" put a.md -m "first"

# set_timeout MS: limits.lock_timeout_ms in memgit.yaml, committed with plain git
set_timeout() {
	sed -i "s/^\(  lock_timeout_ms:\) *[0-9]*/\1 $1/" "$S/memgit.yaml"
	grep -q "^  lock_timeout_ms: $1\b" "$S/memgit.yaml" || fail "cannot set lock_timeout_ms in memgit.yaml"
	git -C "$S" commit -q -m "lock_timeout_ms: $1" memgit.yaml
}

# refs_state: refs, reflogs, index and work tree (what a refused put must not touch)
refs_state() {
	git -C "$S" for-each-ref --format='%(refname) %(objectname)'
	cat "$GD/logs/HEAD" "$GD/logs/refs/heads/main"
	git -C "$S" ls-files -s
	(cd "$S" && find . -path ./.git -prune -o -type f -print | sort | xargs md5sum)
}

count_objects() { git -C "$S" count-objects -v | awk '$1 == "count:" || $1 == "in-pack:" { n += $2 } END { print n }'; }

set_timeout 1500

# ---- 1. a foreign ref lock -----------------------------------------------------
! has_record "$REC" || fail "write.lock holds a record before the test"
git -C "$S" rev-parse main >"$REFLOCK"
cp "$REFLOCK" "$T/reflock.before"
refs_state >"$T/before"
objs=$(count_objects)
t0=$(now_ms)
run 4 mg -C "$S" put b.md -m "blocked by a foreign lock"
ms=$(($(now_ms) - t0))
echo "foreign ref lock: put exited 4 after $ms ms (lock_timeout_ms 1500); unreferenced objects it left: $(($(count_objects) - objs))"
echo "  stderr: $(cat "$T/err")"
assert_one_line_error
assert_contains "$T/err" "$REFLOCK"
[ "$ms" -ge 1400 ] || fail "put gave up after $ms ms, before lock_timeout_ms (1500)"
[ "$ms" -le 8000 ] || fail "put took $ms ms to give up, lock_timeout_ms is 1500"
[ -e "$REFLOCK" ] || fail "the foreign refs/heads/main.lock was removed"
cmp -s "$REFLOCK" "$T/reflock.before" || fail "the foreign refs/heads/main.lock was changed"
refs_state >"$T/after"
diff "$T/before" "$T/after" >"$T/diff" || { cat "$T/diff"; fail "a put refused with exit 4 changed refs, reflogs, index or work tree"; }
! has_record "$REC" || { cat "$REC"; fail "a writer record was left behind"; }
# memgit ls and show do not see the refused memory
run 0 mg -C "$S" ls
assert_not_contains "$T/out" "b.md"
# git gives up the lock: the put goes through
old=$(git -C "$S" rev-parse main)
rm "$REFLOCK"
run 0 mg -C "$S" put b.md -m "after the foreign lock"
assert_eq "$(git -C "$S" rev-parse main^)" "$old" "parent of the put"
assert_eq "$(git -C "$S" cat-file blob main:memories/b.md | tail -n1)" "after the foreign lock" "b.md"
assert_eq "$(tail -n1 "$S/memories/b.md")" "after the foreign lock" "b.md in the work tree"
fsck_clean "$S"

# ---- 2. a foreign index lock -----------------------------------------------------
cp "$GD/index" "$GD/index.lock"
old=$(git -C "$S" rev-parse main)
rc=0
mg -C "$S" put c.md -m "index locked by git" >"$T/out" 2>"$T/err" || rc=$?
echo "foreign index.lock: put exited $rc: $(tr '\n' ' ' <"$T/err")"
assert_eq "$rc" 0 "put with a foreign index.lock"
assert_contains "$T/err" "warning"
[ -e "$GD/index.lock" ] || fail "the foreign index.lock was removed"
assert_eq "$(git -C "$S" rev-parse main^)" "$old" "the branch moved by one commit"
rm "$GD/index.lock"
run 0 mg -C "$S" put d.md -m "index free again"
git -C "$S" diff-index --cached --quiet main -- || { git -C "$S" status --short; fail "the index did not catch up with main"; }
git -C "$S" status --porcelain >"$T/status"
[ ! -s "$T/status" ] || { cat "$T/status"; fail "git status is not clean after the index lock went away"; }

# ---- 3. a live holder of the writer lock ---------------------------------------
# hold_lock SECONDS [COMMAND]: flock write.lock in the background; returns once held
hold_lock() {
	local secs=$1
	shift
	flock "$REC" sh -c "${1:-:}; sleep $secs" &
	holder=$!
	until ! flock -n "$REC" true; do sleep 0.01; done
	held_at=$(now_ms)
}

# short timeout while held: exit 4 naming write.lock, nothing moved
old=$(git -C "$S" rev-parse main)
hold_lock 3
run 4 mg -C "$S" put e.md -m "while held"
ms=$(($(now_ms) - held_at))
echo "live holder, lock_timeout_ms 1500: put exited 4 after $ms ms"
echo "  stderr: $(cat "$T/err")"
assert_one_line_error
assert_contains "$T/err" "write.lock"
kill -0 "$holder" 2>/dev/null || fail "the holder is gone before the put gave up (the test machine is too slow?)"
assert_eq "$(git -C "$S" rev-parse main)" "$old" "branch after a refused put"
wait "$holder"

# long timeout: the put waits for the release and succeeds
set_timeout 20000
old=$(git -C "$S" rev-parse main)
hold_lock 3
t0=$(now_ms)
run 0 mg -C "$S" put e.md -m "after the holder"
done_at=$(now_ms)
wait "$holder"
echo "live holder for 3 s: put waited $((done_at - t0)) ms, finished $((done_at - held_at)) ms after the lock was taken"
[ $((done_at - held_at)) -ge 2500 ] || fail "put finished $((done_at - held_at)) ms after the lock was taken: it did not wait for the holder"
assert_eq "$(git -C "$S" rev-parse main^)" "$old" "parent of the put"

# ---- 4. a live holder in the middle of an update -------------------------------
# it recorded refs/heads/main.lock and created it; a waiting put must leave it
old=$(git -C "$S" rev-parse main)
hold_lock 2 "printf 'pid %s\nlock %s\n' \$\$ '$REFLOCK' >'$REC'; git -C '$S' rev-parse main >'$REFLOCK'"
mg -C "$S" put f.md -m "waits for a live update" >"$T/out.f" 2>"$T/err.f" &
waiter=$!
sleep 1
[ -e "$REFLOCK" ] || fail "a waiting put removed the ref lock of a live holder"
kill -0 "$waiter" 2>/dev/null || { cat "$T/err.f"; fail "the put did not wait for the live holder"; }
# the holder finishes cleanly (as memgit does): lock file and record go
sleep 1.5
rm -f "$REFLOCK"
: >"$REC"
wait "$holder"
rc=0
wait "$waiter" || rc=$?
[ "$rc" = 0 ] || { cat "$T/err.f"; fail "put after a live holder finished exited $rc"; }
assert_eq "$(git -C "$S" rev-parse main^)" "$old" "parent of the put"

# the holder dies mid-update: flock released by the kernel, record and lock left
old=$(git -C "$S" rev-parse main)
hold_lock 1.5 "printf 'pid %s\nlock %s\n' \$\$ '$REFLOCK' >'$REC'; git -C '$S' rev-parse main >'$REFLOCK'"
run 0 mg -C "$S" put g.md -m "after a holder died"
wait "$holder"
[ ! -e "$REFLOCK" ] || fail "the dead holder's ref lock is still there"
! has_record "$REC" || { cat "$REC"; fail "the dead holder's record is still there"; }
assert_eq "$(git -C "$S" rev-parse main^)" "$old" "parent of the put"
git -C "$S" status --porcelain >"$T/status"
[ ! -s "$T/status" ] || { cat "$T/status"; fail "git status is not clean"; }
fsck_clean "$S"
