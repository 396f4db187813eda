#!/usr/bin/env bash
# test_dream_model.sh: memgit dream --dreamer anthropic|openai against the
# scripted loopback model API (tests/llm/model_server.py): the requests as
# the server saw them (anthropic-version, forced propose_edits, cache_control,
# model, max_tokens, keys only as hashes), trailers and note, streaming and
# not, map-reduce over several chunks with --jobs 1 and 4, the token budget,
# the repair request, --instructions, a replay of recorded responses, a key
# file; the key never reaches an output, .git or the server's log.
# Failures of the API: test_dream_model_fail.sh.
source "${MEMGIT_TESTLIB:?run through ctest}"
source "$(dirname "$MEMGIT_TESTLIB")/model_lib.sh"

S=$T/store
demo_store "$S"
cd "$S"
MODEL=(--dreamer anthropic --model claude-test)
SESSIONS="cc-4d5611e5 cc-a42b9c92 cc-c7e19f3a cc-f0b3d5e7"

USAGE='"usage": {"input_tokens": 1234, "output_tokens": 567, "cache_read_input_tokens": 89, "cache_creation_input_tokens": 10}'
GOOD='{"kind": "create", "path": "notes/good.md", "content": "---\ntitle: good\n---\nGood.\n", "rationale": "seen", "evidence": ["cc-4d5611e5#0"]}'
FIXED='{"kind": "create", "path": "notes/fixed.md", "content": "---\ntitle: fixed\n---\nFixed.\n", "rationale": "seen again", "evidence": ["cc-4d5611e5#1"]}'
NO_CONTENT='{"kind": "update", "path": "notes/build.md", "rationale": "changed", "evidence": ["cc-4d5611e5#0"]}'

# check_anthropic_request STREAM MAX_TOKENS LOG: what every anthropic request
# carries, as the server logged it
check_anthropic_request() {
	jq -s -e --arg k "$(sha "$KEY_A")" --argjson stream "$1" --argjson max "$2" 'length > 0 and all(.[];
		.path == "/v1/messages" and .provider == "anthropic"
		and .headers["anthropic-version"] == "2023-06-01"
		and .headers["content-type"] == "application/json"
		and .x_api_key and .x_api_key_sha256 == $k and (.authorization | not)
		and .model == "claude-test" and .max_tokens == $max and .stream == $stream
		and .tool_choice == {"type": "tool", "name": "propose_edits"}
		and .tools == ["propose_edits"]
		and .system_blocks == 2 and .system_cache_control == [true, true]
		and .json_ok)' "$3" >/dev/null || { cat "$3"; fail "the anthropic requests are not as documented"; }
}

# ---- anthropic, streaming ----------------------------------------------------------
case_anthropic_stream() {
	serve a-stream '{"steps": {"map-1": [{"edits": ['"$GOOD"'], '"$USAGE"'}]}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	assert_contains "$T/out" "create notes/good.md"
	assert_eq "$(trailer "$ID" Dream-Usage)" "input=1234 output=567 cache_read=89 cache_write=10 requests=1"
	assert_eq "$(trailer "$ID" Dream-Sessions)" "$SESSIONS"
	# the model's file, with the keys memgit fills on every write added
	# (an id named by the content, and `created` at the dream's time)
	git show "dream/$ID:memories/notes/good.md" >"$T/good"
	assert_eq "$(sed -n '1,2p;$p' "$T/good")" "$(printf -- '---\ntitle: good\nGood.')"
	grep -Eq '^id: [0-9A-Z]{26}$' "$T/good" || fail "no id filled in: $(cat "$T/good")"
	grep -Eq '^created: 20[0-9-]{8}T' "$T/good" || fail "no created filled in: $(cat "$T/good")"
	note "$ID" >"$T/note"
	jq -e '.model.usage == {"input": 1234, "output": 567, "cache_read": 89, "cache_write": 10, "requests": 1}
		and .model.chunks == 1 and .model.reduced == false and .model.repaired == false
		and .model.budget_stopped == false and .model.dropped == []' "$T/note" >/dev/null ||
		{ cat "$T/note"; fail "the note's model section"; }
	assert_eq "$(jq -r .model.prompt_sha256 "$T/note")" "$(trailer "$ID" Dream-Prompt-Sha256)"
	assert_eq "$(roles)" map-1
	check_anthropic_request true 8192 "$LOG"
	assert_eq "$(jq -r .user_first_line "$LOG")" "memgit request: map 1/1"
	# the request body: the key only in the header; the memory in system[1]
	no_key "$BODIES/1.json"
	jq -e '.system[1].text | contains("=== memory:notes/build.md ===")' "$BODIES/1.json" >/dev/null ||
		fail "the memory is not the second system block"
	jq -e '.messages[0].content[0].text | contains("## session cc-f0b3d5e7")' "$BODIES/1.json" >/dev/null ||
		fail "the sessions are not in the user turn"
	trailer "$ID" Dream-Prompt-Sha256 >"$T/prompt.plain"
}
mcase "anthropic streaming" case_anthropic_stream

# ---- anthropic, not streaming (memgit.yaml model.stream: false) ------------------------
case_anthropic_whole() {
	set_model "stream: false"
	serve a-whole '{"steps": {"map-1": [{"edits": ['"$GOOD"'], '"$USAGE"'}]}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	assert_eq "$(trailer "$ID" Dream-Usage)" "input=1234 output=567 cache_read=89 cache_write=10 requests=1"
	check_anthropic_request false 8192 "$LOG"
	jq -e 'has("stream_options") | not' "$BODIES/1.json" >/dev/null || fail "stream_options sent"
	git show "dream/$ID:memories/notes/good.md" >/dev/null || fail "no notes/good.md"
	set_model
}
mcase "anthropic not streaming" case_anthropic_whole

# ---- openai, streaming -------------------------------------------------------------------
case_openai_stream() {
	serve o-stream '{"steps": {"map-1": [{"edits": ['"$GOOD"'], '"$USAGE"'}]}}'
	dream_ok openai:gpt-test --dreamer openai --model gpt-test
	# prompt_tokens 1333 with 89 cached: memgit's input is the uncached part
	assert_eq "$(trailer "$ID" Dream-Usage)" "input=1244 output=567 cache_read=89 cache_write=0 requests=1"
	jq -e --arg k "$(sha "$KEY_O")" '
		.path == "/v1/chat/completions" and .provider == "openai"
		and .bearer_sha256 == $k and (.x_api_key | not)
		and .model == "gpt-test" and .max_tokens == 8192 and .stream == true
		and .include_usage == true and .system_blocks == 1
		and .tool_choice == {"type": "function", "function": {"name": "propose_edits"}}
		and .tools == ["propose_edits"]' "$LOG" >/dev/null || { cat "$LOG"; fail "the openai request"; }
	no_key "$BODIES/1.json"
}
mcase "openai streaming" case_openai_stream

# ---- a key file ----------------------------------------------------------------------------
case_key_file() {
	printf '%s\n' "$KEY_A" >"$T/anthropic.key"
	chmod 644 "$T/anthropic.key"
	set_model "key_file: $T/anthropic.key"
	serve key '{"steps": {}}'
	(
		unset ANTHROPIC_API_KEY
		dream_fails 3 "refusing key file" "chmod 600" -- "${MODEL[@]}"
		chmod 600 "$T/anthropic.key"
		dream_ok anthropic:claude-test "${MODEL[@]}"
		jq -e --arg k "$(sha "$KEY_A")" '.x_api_key_sha256 == $k' "$LOG" >/dev/null ||
			fail "the key file's key was not sent"
		assert_eq "$(nreq)" 1 "requests"
	)
	set_model
}
mcase "key file" case_key_file

# ---- --instructions: in the first system block, and in the prompt hash -------------------
case_instructions() {
	serve instr '{"steps": {}}'
	dream_ok anthropic:claude-test "${MODEL[@]}" --instructions "Prefer notes about XYZZY-marker."
	jq -e '.system[0].text | contains("XYZZY-marker")' "$BODIES/1.json" >/dev/null ||
		fail "the instructions are not in the first system block"
	jq -e '[.system[1].text, .messages[0].content[0].text] | map(contains("XYZZY-marker")) == [false, false]' \
		"$BODIES/1.json" >/dev/null || fail "the instructions leaked past the first system block"
	local with
	with=$(trailer "$ID" Dream-Prompt-Sha256)
	dream_ok anthropic:claude-test "${MODEL[@]}"
	! jq -e '.system[0].text | contains("XYZZY-marker")' "$BODIES/2.json" >/dev/null ||
		fail "instructions sent without --instructions"
	jq -s -e '.[0].system_sha256[0] != .[1].system_sha256[0] and .[0].system_sha256[1] == .[1].system_sha256[1]' \
		"$LOG" >/dev/null || fail "the instructions block (alone) should differ"
	[ "$with" != "$(trailer "$ID" Dream-Prompt-Sha256)" ] || fail "--instructions did not change Dream-Prompt-Sha256"
	# the same prompt, the same hash
	[ ! -s "$T/prompt.plain" ] || assert_eq "$(trailer "$ID" Dream-Prompt-Sha256)" "$(cat "$T/prompt.plain")" \
		"Dream-Prompt-Sha256 of two dreams asked the same way"
}
mcase "instructions" case_instructions

# ---- repair --------------------------------------------------------------------------------
# a schema-breaking edit beside a valid one: one repair request, its answer used
case_repair() {
	serve repair '{"steps": {"map-1": [{"edits": ['"$NO_CONTENT, $GOOD"']}], "repair": [{"edits": ['"$GOOD, $FIXED"']}]}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	assert_eq "$(roles)" "map-1 repair"
	jq -e '.messages[0].content[0].text | contains("edits[0] (update notes/build.md): '"'"'content'"'"': required for update")' \
		"$BODIES/2.json" >/dev/null || fail "the repair request does not quote the problem"
	assert_contains "$T/out" "2 edits applied, 0 refused"
	assert_contains "$T/out" "create notes/fixed.md"
	note "$ID" >"$T/note"
	jq -e '.model.repaired == true and .model.dropped == [] and .model.usage.requests == 2' "$T/note" >/dev/null ||
		{ cat "$T/note"; fail "note after a repair"; }
	assert_eq "$(trailer "$ID" Dream-Usage | sed 's/.* //')" requests=2
}
mcase "repair used" case_repair

# the repair answer breaks the schema again: that edit is dropped and recorded
case_repair_dropped() {
	serve repair2 '{"steps": {"map-1": [{"edits": ['"$NO_CONTENT, $GOOD"']}], "repair": [{"edits": ['"$NO_CONTENT, $FIXED"']}]}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	assert_eq "$(roles)" "map-1 repair"
	assert_contains "$T/out" "1 edit applied, 0 refused"
	assert_contains "$T/out" "create notes/fixed.md"
	note "$ID" >"$T/note"
	assert_eq "$(jq -c .model.dropped "$T/note")" "[\"edits[0] (update notes/build.md): 'content': required for update\"]"
	assert_eq "$(git rev-parse "dream/$ID:memories/notes/build.md")" "$(git rev-parse "main:memories/notes/build.md")" \
		"the dropped update changed notes/build.md"
}
mcase "repair dropped" case_repair_dropped

# edits the engine would refuse (no such memory; a path with ..) are repaired too
case_repair_engine() {
	local bad
	for bad in '{"kind": "delete", "path": "notes/nope.md", "rationale": "gone", "evidence": ["memory:notes/build.md"]}' \
		'{"kind": "create", "path": "../x.md", "content": "x\n", "rationale": "r", "evidence": ["cc-4d5611e5#0"]}'; do
		serve repair3 '{"steps": {"map-1": [{"edits": ['"$bad, $GOOD"']}], "repair": [{"edits": ['"$FIXED"']}]}}'
		dream_ok anthropic:claude-test "${MODEL[@]}"
		assert_eq "$(roles)" "map-1 repair"
		assert_contains "$T/out" "1 edit applied, 0 refused"
		assert_contains "$T/out" "create notes/fixed.md"
		jq -e '.messages[0].content[0].text | test("edits\\[0\\] \\((delete notes/nope.md|create ../x.md)\\): ")' \
			"$BODIES/2.json" >/dev/null || fail "the repair request does not quote the engine's refusal"
	done
	# not JSON at all (a tool input cut short) is repaired as well
	serve repair4 '{"steps": {"map-1": [{"tool_input_raw": "{\"edits\": [{\"kind\": \"cre"}], "repair": [{"edits": ['"$FIXED"']}]}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	assert_eq "$(roles)" "map-1 repair"
	assert_contains "$T/out" "create notes/fixed.md"
}
mcase "repair of engine refusals" case_repair_engine

# ---- replay of a recorded response: the same dream, no network -----------------------------
case_replay() {
	serve rec '{"steps": {}}'
	dream_ok anthropic:claude-test "${MODEL[@]}"
	local live=$ID
	mkdir -p "$T/replay1"
	# the same request, not streamed: the complete message is map-1.json
	jq -c '.stream = false' "$BODIES/1.json" |
		curl -sS --fail-with-body -H "x-api-key: $KEY_A" -H "anthropic-version: 2023-06-01" \
			-H "content-type: application/json" --data-binary @- "$ANTHROPIC_BASE_URL/v1/messages" \
			>"$T/replay1/map-1.json" || fail "cannot record the response"
	stop_server
	(
		unset ANTHROPIC_API_KEY
		export ANTHROPIC_BASE_URL=http://127.0.0.1:9 # nothing listens: no network
		dream_ok replay:claude-test --replay "$T/replay1" --model claude-test
		assert_eq "$(git rev-parse "dream/$ID^{tree}")" "$(git rev-parse "dream/$live^{tree}")" \
			"the replay's tree differs from the live dream's"
		note "$ID" | jq -c '[.edits[] | del(.expect_blob)]' >"$T/edits.replay"
		note "$live" | jq -c '[.edits[] | del(.expect_blob)]' >"$T/edits.live"
		assert_same_file "$T/edits.replay" "$T/edits.live" "replayed edits"
	)
	assert_eq "$(nreq)" 2 "requests: the live dream and the recording, none from the replay"
}
mcase "replay" case_replay

# ---- many sessions, several chunks: map-1..K and one reduce ----------------------------------
# a second store: the demo plus four longer sessions, and a context small
# enough (the memory and the answer must still fit) for several chunks
cc_session() { # cc_session FILE HEX8 DAY N
	python3 - "$@" <<'EOF'
import json, sys
f, hx, day, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
with open(f, "w") as out:
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        out.write(json.dumps({"type": role, "sessionId": hx + "-0000-4000-8000-000000000001",
            "timestamp": "2026-11-%02dT10:%02d:%02dZ" % (day, i // 60, i % 60),
            "uuid": "%s-%d" % (hx, i), "parentUuid": "%s-%d" % (hx, i - 1) if i else None,
            "message": {"role": role, "content": "step %d of session %s: the build of module %d "
                "failed on a missing header, so the include path was fixed and the tests were run "
                "again." % (i, hx, i)}}) + "\n")
EOF
}
MS=$T/many
demo_store "$MS"
for i in 1 2 3 4; do
	cc_session "$T/extra-$i.jsonl" "5a5a000$i" "2$i" 16
done
(cd "$MS" && mg -q session add "$T"/extra-*.jsonl) >/dev/null
cd "$MS"
set_model "context_tokens: 6100" "max_output_tokens: 1024"
REDUCED='{"kind": "create", "path": "notes/reduced.md", "content": "---\ntitle: reduced\n---\nThe reduce answer.\n", "rationale": "reconciled", "evidence": ["cc-4d5611e5#0"]}'

# the sessions in each map request: "K id id ..." lines (a continued session
# counts in every chunk it reaches)
chunk_map() {
	local f
	for f in $(jq -r 'select(.role | startswith("map-")) | "\(.n)"' "$LOG"); do
		printf '%s %s\n' "$(jq -r '.messages[-1].content[0].text | capture("map (?<k>[0-9]+)/").k' "$BODIES/$f.json")" \
			"$(jq -r '.messages[-1].content[0].text' "$BODIES/$f.json" | sed -n 's/^## session \([^ ]*\).*/\1/p' | tr '\n' ' ')"
	done | sort -n
}

case_chunks() {
	local jobs k
	for jobs in 1 4; do
		serve "chunks-$jobs" '{"steps": {"map": [{"latency_ms": 300}], "reduce": [{"edits": ['"$REDUCED"']}]}}'
		dream_ok anthropic:claude-test "${MODEL[@]}" --jobs "$jobs"
		K=$(jq -s '[.[] | select(.role | startswith("map-"))] | length' "$LOG")
		[ "$K" -ge 4 ] || fail "only $K chunks"
		assert_eq "$(jq -r 'select(.role | startswith("map-")) | .role' "$LOG" | sort -t- -k2n | tr '\n' ' ')" \
			"$(for ((k = 1; k <= K; k++)); do printf 'map-%d ' "$k"; done)" "map requests"
		assert_eq "$(jq -s -r '.[-1].role' "$LOG")" reduce "the last request"
		assert_eq "$(nreq)" $((K + 1)) "requests"
		jq -s -e --arg k "$K" 'map(select(.role | startswith("map-")) | .user_first_line) | unique |
			all(endswith("/" + $k))' "$LOG" >/dev/null || fail "map K/N lines"
		check_anthropic_request true 1024 "$LOG"
		# the reduce request holds every chunk's answer
		for ((k = 1; k <= K; k++)); do
			grep -qF "### edits proposed for part $k of $K" "$BODIES/$(nreq).json" ||
				fail "the reduce request lacks part $k"
		done
		# the edits are the reduce answer's, not the chunks'
		assert_eq "$(git diff --name-only "dream/$ID^" "dream/$ID")" memories/notes/reduced.md
		note "$ID" >"$T/note"
		jq -e --arg k "$K" '.model.chunks == ($k | tonumber) and .model.chunks_done == ($k | tonumber)
			and .model.reduced and (.model.budget_stopped | not)' "$T/note" >/dev/null ||
			{ cat "$T/note"; fail "the note's chunks"; }
		assert_eq "$(trailer "$ID" Dream-Usage | sed 's/.* //')" "requests=$((K + 1))"
		# each map answers after 300 ms: when each one arrived tells how
		# many ran at once (the server's max_concurrent counts a handler
		# still returning as busy, so it is not used)
		jq -s -r '[.[] | select(.role | startswith("map-")) | .ts] | sort | (.[0]) as $t0 | map(. - $t0) | map(tostring) | join(" ")' \
			"$LOG" >"$T/arrivals.$jobs"
		if [ "$jobs" = 1 ]; then
			python3 -c 'import sys; t = list(map(float, sys.argv[1:])); sys.exit(not all(b - a >= 0.29 for a, b in zip(t, t[1:])))' \
				$(cat "$T/arrivals.$jobs") || fail "--jobs 1 ran requests at once: arrivals $(cat "$T/arrivals.$jobs")"
			chunk_map >"$T/chunk.map"
			# every session, in the order the chunks hold them
			assert_eq "$(trailer "$ID" Dream-Sessions)" "$(cut -d' ' -f2- "$T/chunk.map" | tr ' ' '\n' |
				awk 'NF && !seen[$0]++' | tr '\n' ' ' | sed 's/ $//')" "Dream-Sessions of every chunk"
			[ "$(trailer "$ID" Dream-Sessions | wc -w)" = 8 ] || fail "not all 8 sessions dreamt"
			cp "$LOG" "$T/chunks.log"
			trailer "$ID" Dream-Usage >"$T/usage.all"
		else
			# four at once, the fifth when one of them answered
			python3 -c 'import sys; t = list(map(float, sys.argv[1:])); sys.exit(not (t[3] < 0.25 and t[4] >= 0.29))' \
				$(cat "$T/arrivals.$jobs") || fail "--jobs 4 did not run 4 requests at once: arrivals $(cat "$T/arrivals.$jobs")"
		fi
	done
}
mcase "several chunks, --jobs 1 and 4" case_chunks

# ---- the token budget: only some chunks ------------------------------------------------------
case_budget() {
	[ -s "$T/chunk.map" ] || fail "needs the chunks case"
	local total budget done_maps want
	# half of what the whole dream used: a few maps fit (each reserves its
	# input estimate plus max_output_tokens), not all
	total=$(sed -E 's/input=([0-9]+) output=([0-9]+) cache_read=([0-9]+) cache_write=([0-9]+).*/\1 + \2 + \3 + \4/' "$T/usage.all")
	budget=$(((total) / 2))
	serve budget '{"steps": {}}'
	dream_ok anthropic:claude-test "${MODEL[@]}" --jobs 1 --max-tokens "$budget"
	done_maps=$(jq -r 'select(.role | startswith("map-")) | .role[4:]' "$LOG" | tr '\n' ' ')
	K=$(wc -l <"$T/chunk.map")
	local n
	n=$(echo $done_maps | wc -w)
	[ "$n" -ge 1 ] && [ "$n" -lt "$K" ] || fail "a budget of $budget ran $n of $K chunks"
	[ "$(jq -s '[.[] | select(.role == "reduce")] | length' "$LOG")" -le 1 ] || fail "more than one reduce"
	# the sessions all of whose chunks ran, in input order
	want=$(python3 - "$T/chunk.map" "$done_maps" <<'EOF'
import sys
chunks = {}
order = []
for line in open(sys.argv[1]):
    k, *ids = line.split()
    chunks[int(k)] = ids
    for s in ids:
        if s not in order:
            order.append(s)
done = {int(k) for k in sys.argv[2].split()}
print(" ".join(s for s in order if all(k in done for k, ids in chunks.items() if s in ids)))
EOF
)
	[ -n "$want" ] || fail "no session was fully reviewed: pick another budget"
	assert_eq "$(trailer "$ID" Dream-Sessions)" "$want" "Dream-Sessions under a budget"
	note "$ID" >"$T/note"
	jq -e --arg n "$n" '.model.budget_stopped == true and .model.chunks_done == ($n | tonumber)' "$T/note" >/dev/null ||
		{ cat "$T/note"; fail "the note under a budget"; }
	jq -r '.sessions[].id' "$T/note" | tr '\n' ' ' | sed 's/ $//' >"$T/note.sessions"
	assert_eq "$(cat "$T/note.sessions")" "$want" "the note's sessions"
	# the usage stayed within the budget
	local used
	used=$(trailer "$ID" Dream-Usage | sed -E 's/input=([0-9]+) output=([0-9]+) cache_read=([0-9]+) cache_write=([0-9]+).*/\1 + \2 + \3 + \4/')
	[ $((used)) -le "$budget" ] || fail "used $((used)) tokens of a budget of $budget"
	# a budget below one request: refused before any request
	dream_fails 3 "token budget (1000)" "too small" -- "${MODEL[@]}" --max-tokens 1000
	assert_eq "$(nreq)" "$n" "a budget too small still made requests"
}
mcase "token budget" case_budget

# ---- a replay of a multi-chunk dream: every map and the reduce, recorded as streams ----------
case_replay_chunks() {
	[ -s "$T/chunks.log" ] || fail "needs the chunks case"
	local live n role
	serve rec-many '{"steps": {}}'
	dream_ok anthropic:claude-test "${MODEL[@]}" --jobs 1
	live=$ID
	# a fresh server with the same script answers the same bodies the same way
	cp -r "$BODIES" "$T/rec-many.sent"
	cp "$LOG" "$T/rec-many.sent.log"
	serve rec-many2 '{"steps": {}}'
	mkdir -p "$T/replay2"
	for n in $(jq -r .n "$T/rec-many.sent.log"); do
		role=$(jq -r "select(.n == $n) | .role" "$T/rec-many.sent.log")
		curl -sS -N --fail-with-body -H "x-api-key: $KEY_A" -H "anthropic-version: 2023-06-01" \
			-H "content-type: application/json" --data-binary "@$T/rec-many.sent/$n.json" \
			"$ANTHROPIC_BASE_URL/v1/messages" >"$T/replay2/$role.sse" || fail "cannot record $role"
	done
	stop_server
	(
		unset ANTHROPIC_API_KEY
		export ANTHROPIC_BASE_URL=http://127.0.0.1:9
		dream_ok replay:claude-test --replay "$T/replay2" --model claude-test --jobs 4
		assert_eq "$(git rev-parse "dream/$ID^{tree}")" "$(git rev-parse "dream/$live^{tree}")" \
			"the replay's tree differs from the live dream's"
		assert_eq "$(note "$ID" | jq -c '[.model.chunks, .model.reduced]')" \
			"$(note "$live" | jq -c '[.model.chunks, .model.reduced]')"
	)
}
mcase "replay of several chunks" case_replay_chunks

stop_server
cd "$S"
soft "memgit dreams" dreams_listed
cd "$MS"
soft "memgit dreams (many)" dreams_listed
soft "no key anywhere" keys_nowhere "$S" "$MS"
finish
