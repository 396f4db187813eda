# test_session.sh: memgit session add/ls/show/rm on the real corpus.
#
# What each transcript should become is computed here from the raw files
# (tests/cli/session_expect.py for Claude Code, jq for Codex), never read
# off memgit's output. Sessions live on refs/memgit/sessions: the memory
# branch and the work tree must not move.
. "$MEMGIT_TESTLIB"

CORPUS=$MEMGIT_SHARED/corpus
EXPECT="python3 $(dirname "$MEMGIT_TESTLIB")/session_expect.py"
[ -d "$CORPUS/claude-code" ] || fail "no corpus at $CORPUS"

R=$T/store
new_store "$R"
cd "$R"
MAIN=$(git rev-parse main)

commits() { git rev-list --count refs/memgit/sessions 2>/dev/null || echo 0; }
# the stored canonical JSONL of session $1 into $T/canon.jsonl
canon() { git cat-file blob "refs/memgit/sessions:sessions/$1.jsonl" >"$T/canon.jsonl" || fail "no session $1"; }
hdr() { head -1 "$T/canon.jsonl" | jq -r ".$1"; }
id_of() { jq -r --arg f "$1" '.files[] | select(.file == $f) | .id' "$T/add.json"; }

# ------------------------------------------------------------ the whole corpus
mapfile -t FILES < <(find "$CORPUS" -type f \( -name '*.jsonl' -o -name '*.json' \) ! -name '*.meta.json' | sort)
[ "${#FILES[@]}" -ge 10 ] || fail "only ${#FILES[@]} corpus files"
run 0 mg --json session add "$CORPUS"
cp "$T/out" "$T/add.json"
assert_eq "$(jq '.files | length' "$T/add.json")" "${#FILES[@]}" "files ingested"
assert_eq "$(jq '[.files[] | select(.status == "added")] | length' "$T/add.json")" "${#FILES[@]}" "added"
assert_eq "$(commits)" 1 "one commit for the whole add"
assert_eq "$(git ls-tree --name-only refs/memgit/sessions:sessions | wc -l)" "${#FILES[@]}" "sessions stored"
assert_eq "$(git rev-parse main)" "$MAIN" "the memory branch moved"
worktree_in_step "$R"
fsck_clean "$R"

claude_checked=0
for f in "${FILES[@]}"; do
	id=$(id_of "$f")
	[ -n "$id" ] && [ "$id" != null ] || fail "no id for $f"
	canon "$id"
	# the header counts what follows it
	assert_eq "$(hdr events)" "$(($(wc -l <"$T/canon.jsonl") - 1))" "events in the header of $id"
	assert_eq "$(hdr original_sha256)" "$(sha256sum <"$f" | cut -c1-64)" "original_sha256 of $f"
	assert_eq "$(hdr original_bytes)" "$(wc -c <"$f")" "original_bytes of $f"
	case $f in
	*/claude-code/*)
		assert_eq "$(hdr source)" claude-code "format of $f"
		$EXPECT claude-code "$f" >"$T/want"
		$EXPECT canonical "$T/canon.jsonl" >"$T/got"
		assert_same_file "$T/got" "$T/want" "events of $f (role, type, is_error, tool)"
		assert_eq "$(hdr errors)" "$(awk -F'\t' '$3 == "true"' "$T/want" | wc -l)" "errors of $f"
		assert_eq "$(hdr tool_calls)" "$(awk -F'\t' '$2 == "tool_use"' "$T/want" | wc -l)" "tool calls of $f"
		claude_checked=$((claude_checked + 1))
		;;
	*/codex/*)
		assert_eq "$(hdr source)" codex "format of $f"
		assert_eq "$(hdr source_id)" "$(jq -r 'select(.type == "session_meta") | .payload.id' "$f" | head -1)" "codex id"
		want_use=$(jq -s '[.[] | select(.type == "response_item" and (.payload.type |
			IN("function_call", "custom_tool_call", "local_shell_call", "web_search_call")))] | length' "$f")
		want_res=$(jq -s '[.[] | select(.type == "response_item" and (.payload.type |
			IN("function_call_output", "custom_tool_call_output")))] | length' "$f")
		want_asst=$(jq -s '[.[] | select(.type == "response_item" and .payload.type == "message" and
			.payload.role == "assistant")] | length' "$f")
		want_user=$(jq -s '[.[] | select(.type == "response_item" and .payload.type == "message" and
			.payload.role == "user")] | length' "$f")
		want_err=$(jq -s '[.[] | select(.type == "event_msg" and (.payload.type | IN("error", "stream_error")))] | length' "$f")
		got() { jq -s "[.[1:][] | select($1)] | length" "$T/canon.jsonl"; }
		assert_eq "$(got '.type == "tool_use"')" "$want_use" "tool calls of $f"
		assert_eq "$(got '.type == "tool_result"')" "$want_res" "tool results of $f"
		assert_eq "$(got '.role == "assistant" and .type == "text"')" "$want_asst" "assistant messages of $f"
		assert_eq "$(got '.role == "user"')" "$want_user" "user messages of $f"
		assert_eq "$(got '.is_error')" "$want_err" "errors of $f"
		# every result names the tool of its call
		assert_eq "$(got '.type == "tool_result" and .tool == null')" 0 "unnamed tool results in $f"
		;;
	*/openhands/*)
		# no parser knows OpenHands trajectories: kept as text, whole
		assert_eq "$(hdr source)" text "format of $f"
		assert_eq "$(jq -s '.[1:] | map(.role + "/" + .type) | join(",")' "$T/canon.jsonl")" '"user/text"' "openhands as text"
		;;
	esac
done
assert_eq "$claude_checked" "$(printf '%s\n' "${FILES[@]}" | grep -c /claude-code/)" "claude-code files checked"

# ------------------------------------------------------------ subagents and ls
# a store with no sessions lists nothing (this once sorted a NULL array: UB)
mg init -q "$T/empty"
run 0 mg -C "$T/empty" session ls --json
assert_eq "$(jq length "$T/out")" 0 "ls --json with no sessions"
run 0 mg -C "$T/empty" session ls
assert_eq "$(cat "$T/out")" "" "ls with no sessions"
run 0 mg session ls --json
cp "$T/out" "$T/ls.json"
assert_eq "$(jq length "$T/ls.json")" "${#FILES[@]}" "ls --json"
for f in "$CORPUS"/claude-code/bookminder/subagents/agent-*.jsonl; do
	agent=$(basename "$f" .jsonl)
	agent=${agent#agent-}
	sid=$(jq -r 'select(.sessionId) | .sessionId' "$f" | head -1)
	want_id="cc-${sid:0:8}-$agent"
	assert_eq "$(jq -r --arg i "$want_id" '.[] | select(.id == $i) | .parent' "$T/ls.json")" "cc-${sid:0:8}" "parent of $want_id"
	assert_eq "$(jq -r --arg i "$want_id" '.[] | select(.id == $i) | .agent' "$T/ls.json")" \
		"claude-code $(jq -r 'select(.version) | .version' "$f" | head -1)" "agent of $want_id"
done
run 0 mg session ls
assert_contains "$T/out" "parent cc-a42b9c92"
[ "$(wc -l <"$T/out")" -eq $((${#FILES[@]} + 1)) ] || fail "session ls prints a header and a line per session"

# ------------------------------------------------------------ show
run 0 mg session show cc-a42b9c92-a05d358b0666d872d
assert_contains "$T/out" "session  cc-a42b9c92-a05d358b0666d872d"
assert_contains "$T/out" "parent   cc-a42b9c92"
assert_contains "$T/out" "assistant -> Bash"
assert_contains "$T/out" "tool <- Bash"
id=$(id_of "$CORPUS/claude-code/bookminder/detectors-fixtures/clean_tdd.jsonl")
run 0 mg session show "$id"
grep -q '^#[0-9]* tool <- Bash  ERROR' "$T/out" || fail "show marks the failing tool result"
run 0 mg session show --json "$id"
git cat-file blob "refs/memgit/sessions:sessions/$id.jsonl" | cmp -s - "$T/out" || fail "show --json is the stored JSONL"
run 3 mg session show cc-00000000
assert_one_line_error
assert_contains "$T/err" "no such session 'cc-00000000'"

# ------------------------------------------------------------ idempotent
before=$(commits)
run 1 mg session add "$CORPUS"
assert_contains "$T/err" "nothing new"
assert_eq "$(commits)" "$before" "a repeated add made a commit"
run 1 mg -q session add "$CORPUS/claude-code/simonw/sample_session.jsonl"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "-q: stderr not empty"; }

# ------------------------------------------------------------ a growing live session
G=$T/live/agent-a12564cd38b6218a0.jsonl
mkdir -p "$T/live"
S=$T/grow
new_store "$S"
full=$CORPUS/claude-code/bookminder/subagents/agent-a12564cd38b6218a0.jsonl
head -n 12 "$full" >"$G"
run 0 mg -C "$S" --json session add "$G"
assert_eq "$(jq -r '.files[0].status' "$T/out")" added "first part"
first=$(jq -r '.files[0].events' "$T/out")
cat "$full" >"$G"
run 0 mg -C "$S" --json session add "$G"
assert_eq "$(jq -r '.files[0].status' "$T/out")" updated "the grown transcript"
assert_eq "$(jq -r '.files[0].id' "$T/out")" cc-a42b9c92-a12564cd38b6218a0 "same id"
[ "$(jq -r '.files[0].events' "$T/out")" -gt "$first" ] || fail "the session did not grow"
assert_eq "$(git -C "$S" rev-list --count refs/memgit/sessions)" 2 "commits after growth"
$EXPECT claude-code "$full" | wc -l >"$T/n"
assert_eq "$(jq -r '.files[0].events' "$T/out")" "$(cat "$T/n")" "events of the grown session"

# ------------------------------------------------------------ redaction
P=$T/secret.jsonl
AWS=AKIA$(printf 'Q7R3ZK2M5N8P4W6X')
GH=ghp_$(printf 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0EdCbA1')
ANT=sk-ant-api03-$(printf 'Qw9Er8Ty7Ui6Op5As4Df3Gh2Jk1Lz0')
GEN=q8ZmV3xR7pL2nW9kT4bY6cJ1
PEM=MIIEowIBAAKCAQEA7Zq3mPL0wXYZplanted
jq -c --arg aws "$AWS" --arg gh "$GH" --arg ant "$ANT" --arg gen "$GEN" --arg pem "$PEM" '
	if .type == "user" and (.message.content | type) == "string" then
		.message.content += " deploy with " + $aws + " and " + $gh | .cwd = "/home/" + $aws
	elif .type == "assistant" and (.message.content[0].type == "tool_use") then
		.message.content[0].input.command = "export ANTHROPIC_API_KEY=" + $ant
	elif .type == "user" then
		.message.content[0].content = "api_key = \"" + $gen + "\"\n-----BEGIN RSA PRIVATE KEY-----\n" + $pem + "\n-----END RSA PRIVATE KEY-----"
	else . end' "$CORPUS/claude-code/simonw/sample_session.jsonl" >"$P"
for s in "$AWS" "$GH" "$ANT" "$GEN" "$PEM"; do grep -qF -- "$s" "$P" || fail "test setup: $s not planted"; done
X=$T/redact
new_store "$X"
run 0 mg -C "$X" --json session add "$P"
[ "$(jq -r '.redactions' "$T/out")" -ge 5 ] || { cat "$T/out"; fail "redactions not counted"; }
assert_contains "$T/err" "replaced by [REDACTED:<rule>]"
for s in "$AWS" "$GH" "$ANT" "$GEN" "$PEM"; do no_trace "$X" "$s"; done
git -C "$X" cat-file blob "refs/memgit/sessions:sessions/cc-08001f8f.jsonl" >"$T/r.jsonl"
for rule in aws-access-key-id github-token anthropic-key generic-secret private-key; do
	grep -qF "[REDACTED:$rule]" "$T/r.jsonl" || fail "no [REDACTED:$rule]"
done

# ------------------------------------------------------------ keep-going
K=$T/keep
new_store "$K"
printf '%s\n' '{"type":"user","sessionId":"k1","message":{"content":"a"}}' '{"type":' >"$T/bad.jsonl"
printf '%s\n' '{"type":"user","sessionId":"k1","message":{"content":"a"}}' >>"$T/bad.jsonl"
refused "$K" "'$T/bad.jsonl': line 2" mg -C "$K" session add "$CORPUS/codex" "$T/bad.jsonl"
run 3 mg -C "$K" session add --keep-going "$CORPUS/codex" "$T/bad.jsonl"
assert_contains "$T/err" "refused transcript '$T/bad.jsonl': line 2"
assert_contains "$T/err" "1 file refused"
assert_eq "$(git -C "$K" ls-tree --name-only refs/memgit/sessions:sessions | wc -l)" 3 "good files kept"

# ------------------------------------------------------------ rm
run 0 mg session rm "$id"
run 3 mg session show "$id"
refused "$R" "no such session 'cc-00000000'" mg session rm cc-00000000
refused "$R" "invalid session id" mg session rm ../etc
git cat-file -e "refs/memgit/sessions~1:sessions/$id.jsonl" || fail "history lost the removed session"
run 2 mg session frobnicate
run 2 mg session add
mkdir -p "$T/nothing/memory"
echo '# notes' >"$T/nothing/memory/MEMORY.md"
run 1 mg session add "$T/nothing"
assert_one_line_error
assert_contains "$T/err" "no .jsonl or .json transcript"

# ------------------------------------------------------------ concurrent adds
C=$T/conc
new_store "$C"
pids=()
for f in "$CORPUS"/claude-code/bookminder/subagents/agent-*.jsonl; do
	mg -C "$C" -q session add "$f" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent session add failed"; done
assert_eq "$(git -C "$C" ls-tree --name-only refs/memgit/sessions:sessions | wc -l)" 4 "concurrent sessions"
assert_eq "$(git -C "$C" rev-list --count refs/memgit/sessions)" 4 "one commit each"

assert_eq "$(git rev-parse main)" "$MAIN" "the memory branch moved"
worktree_in_step "$R"
git_reads_all "$R" refs/memgit/sessions
echo "ok: ${0##*/}"
