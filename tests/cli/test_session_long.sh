# test_session_long.sh (opt-in: MEMGIT_LONG_TESTS=1): a 1 GiB Claude Code
# transcript is ingested with bounded memory. The transcript is built from
# real corpus lines (bench/session_gen.py); peak RSS is measured with
# /usr/bin/time -v and must stay under 64 MiB. The event count is checked
# against one copy's count, computed by session_expect.py, times the copies.
#
#   MEMGIT_LONG_TESTS=1 ctest -R test_session_long
#   MEMGIT_LONG_MB=1024   size of the transcript (MiB)
. "$MEMGIT_TESTLIB"

if [ "${MEMGIT_LONG_TESTS:-0}" != 1 ]; then
	echo "skipped: set MEMGIT_LONG_TESTS=1 to ingest a ${MEMGIT_LONG_MB:-1024} MiB transcript"
	exit 0
fi
[ -x /usr/bin/time ] || fail "/usr/bin/time (GNU time) is needed to measure peak memory"

HERE=$(dirname "$MEMGIT_TESTLIB")
GEN=$HERE/../../bench/session_gen.py
MB=${MEMGIT_LONG_MB:-1024}
R=$T/store
new_store "$R"

python3 "$GEN" "$MEMGIT_SHARED/corpus" "$T/one.jsonl" 0 >/dev/null
per_copy=$(python3 "$HERE/session_expect.py" claude-code "$T/one.jsonl" | wc -l)
copies=$(python3 "$GEN" "$MEMGIT_SHARED/corpus" "$T/big.jsonl" "$MB")
bytes=$(stat -c %s "$T/big.jsonl")
[ "$bytes" -ge $((MB * 1024 * 1024)) ] || fail "generated only $bytes bytes"

/usr/bin/time -v "$MEMGIT" -C "$R" --json session add "$T/big.jsonl" >"$T/out" 2>"$T/time" ||
	{ cat "$T/time"; fail "session add of $bytes bytes failed"; }
rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$T/time")
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$T/time")
echo "ingested $bytes bytes in $secs, peak RSS $rss KiB"
[ "$rss" -lt 65536 ] || fail "peak RSS $rss KiB for a $MB MiB transcript (limit 64 MiB)"
assert_eq "$(jq -r '.files[0].events' "$T/out")" $((per_copy * copies)) "events"
id=$(jq -r '.files[0].id' "$T/out")

# listing reads the header only
/usr/bin/time -v "$MEMGIT" -C "$R" session ls >"$T/ls" 2>"$T/time" || fail "session ls failed"
rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$T/time")
[ "$rss" -lt 65536 ] || fail "session ls peak RSS $rss KiB"
assert_contains "$T/ls" "$id"
echo "ok: ${0##*/}"
