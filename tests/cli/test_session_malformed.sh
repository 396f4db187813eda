# test_session_malformed.sh: every kind of malformed transcript the issue
# lists gets one error line naming the file and the line, exit 3, and
# writes nothing (refs, objects, files under .git, work tree); a session
# still being written and a \u0000 are ingested with a warning instead.
. "$MEMGIT_TESTLIB"

CORPUS=$MEMGIT_SHARED/corpus
SRC=$CORPUS/claude-code/simonw/sample_session.jsonl
R=$T/store
new_store "$R"
cd "$R"
run 0 mg session add "$CORPUS/codex/rollout-2026-02-23T20-34-25-019c8bfe-ec25-79e0-97d7-bda6a9c575ff.jsonl"
D=$T/in
mkdir -p "$D"
MARK=planted-marker-$RANDOM$RANDOM

# line N broken: the earlier lines must not land either
{ sed -n 1,3p "$SRC"; echo '{"type":"user","message":{"content":"'"$MARK"'"}, oops}'; sed -n '5,$p' "$SRC"; } >"$D/json.jsonl"
refused "$R" "refused transcript '$D/json.jsonl': line 4, column" mg session add "$D/json.jsonl"
no_trace "$R" "$MARK"

# nested beyond the limit (64)
deep=$(printf '[%.0s' $(seq 70))$(printf ']%.0s' $(seq 70))
{ head -2 "$SRC"; echo '{"type":"user","x":'"$deep"'}'; } >"$D/deep.jsonl"
refused "$R" "'$D/deep.jsonl': line 3, column" mg session add "$D/deep.jsonl"
assert_contains "$T/err" "nested deeper than 64"

# invalid UTF-8
{ head -1 "$SRC"; printf '{"type":"user","message":{"content":"caf\xc3 %s"}}\n' "$MARK"; } >"$D/utf8.jsonl"
refused "$R" "'$D/utf8.jsonl': line 2, column" mg session add "$D/utf8.jsonl"
assert_contains "$T/err" "invalid UTF-8"
no_trace "$R" "$MARK"
printf 'User: hello\n\xff\xfe %s\n' "$MARK" >"$D/notes.md"
refused "$R" "'$D/notes.md': line 2, column 1: invalid UTF-8" mg session add "$D/notes.md"

# empty, blank, binary
: >"$D/empty.jsonl"
refused "$R" "'$D/empty.jsonl': empty file" mg session add "$D/empty.jsonl"
printf '\n  \n\t\n' >"$D/blank.txt"
refused "$R" "'$D/blank.txt': empty file" mg session add "$D/blank.txt"
head -c 4096 "$MEMGIT" >"$D/binary.jsonl"
refused "$R" "'$D/binary.jsonl': line 1: binary file (NUL byte)" mg session add "$D/binary.jsonl"
{ head -2 "$SRC"; printf 'more\0text\n'; } >"$D/nul-later.md"
refused "$R" "'$D/nul-later.md': line 3: binary file (NUL byte)" mg session add "$D/nul-later.md"

# a line over the cap: refused with its number, the cap is configurable
{ head -2 "$SRC"; printf '{"type":"user","message":{"content":"%s"}}\n' "$(head -c 3000 /dev/zero | tr '\0' x)"; } >"$D/long.jsonl"
refused "$R" "'$D/long.jsonl': line 3: longer than 2048 bytes (the line limit)" \
	mg session add --max-line-bytes 2048 "$D/long.jsonl"
run 0 mg session add --max-line-bytes 4096 "$D/long.jsonl"
run 2 mg session add --max-line-bytes 0 "$D/long.jsonl"

# a file that does not exist, a format forced on the wrong file, an unknown format
refused "$R" "'$D/missing.jsonl': no such file" mg session add "$D/missing.jsonl"
refused "$R" "'$SRC': line 1: not a codex transcript" mg session add --format codex "$SRC"
refused "$R" "unknown transcript format 'yaml'" mg session add --format yaml "$SRC"

# a bad file among good ones refuses the batch, good ones included
refused "$R" "'$D/json.jsonl': line 4" mg session add "$CORPUS/claude-code/bookminder" "$D/json.jsonl"

# a session still being written: the complete lines are ingested, and said so
n=$(wc -l <"$SRC")
{ cat "$SRC"; printf '{"type":"assistant","timestamp":"2025-12-24T10:02:00.000Z","message":{"role":"assis'; } >"$D/live.jsonl"
L=$T/live-store
new_store "$L"
run 0 mg -C "$L" --json session add "$D/live.jsonl"
assert_contains "$T/err" "'$D/live.jsonl': line $((n + 1)): truncated final line"
assert_eq "$(jq -r '.files[0].status' "$T/out")" added "the live session"
assert_eq "$(jq -r '.files[0].events' "$T/out")" "$(python3 "$(dirname "$MEMGIT_TESTLIB")/session_expect.py" claude-code "$SRC" | wc -l)" "events before the cut"

# \u0000 would end a C string early: replaced by U+FFFD, with a warning
printf '%s\n' '{"type":"user","sessionId":"nul-1","message":{"content":"before\u0000after"}}' >"$D/nul.jsonl"
run 0 mg --json session add "$D/nul.jsonl"
assert_contains "$T/err" "'$D/nul.jsonl': line 1: 1 \\u0000 escape replaced by U+FFFD"
id=$(jq -r '.files[0].id' "$T/out")
git cat-file blob "refs/memgit/sessions:sessions/$id.jsonl" | tail -1 | jq -r .text >"$T/text"
printf 'before\xef\xbf\xbdafter\n' | cmp -s - "$T/text" || fail "\\u0000 not replaced by U+FFFD"

fsck_clean "$R"
echo "ok: ${0##*/}"
