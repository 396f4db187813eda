#!/usr/bin/env bash
# test_model_server.sh: tests/llm/model_server.py, the scripted loopback model
# API the dream tests talk to, checked with curl: the Anthropic SSE event
# order and the OpenAI stream's [DONE]; the streams it sends are byte for
# byte the fixtures tests/fixtures/llm/server_*_stream.sse, which
# unit/test_provider feeds through memgit's own parser (set
# MEMGIT_UPDATE_FIXTURES=1 to rewrite them); the script's per-role order and
# fallbacks; the failure steps; the request log (keys hashed, never raw);
# 8 parallel requests served in parallel; TLS with a self-signed cert.
source "${MEMGIT_TESTLIB:?run through ctest}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SERVER=$ROOT/tests/llm/model_server.py
FIX=$ROOT/tests/fixtures/llm
KEY=sk-ant-test-PLANTEDkey0123456789
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$T"' EXIT

# start NAME SCRIPT [options...]: a server; its first line in $T/NAME.port,
# its log in $T/NAME.log; sets PORT (and CERT with --tls)
start() {
	local name=$1 script=$2 i
	shift 2
	python3 "$SERVER" --script "$script" --log "$T/$name.log" --lifetime 60 "$@" \
		>"$T/$name.port" 2>"$T/$name.err" &
	PIDS+=($!)
	for ((i = 0; i < 200; i++)); do
		[ -s "$T/$name.port" ] && break
		sleep 0.05
	done
	read -r PORT CERT <"$T/$name.port" || { cat "$T/$name.err"; fail "$name did not start"; }
}

# abody|obody STREAM FIRSTLINE: a request body as memgit sends it
abody() {
	printf '{"model":"claude-opus-4-7","max_tokens":8192,"system":[{"type":"text","text":"You consolidate memories.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"memories/a.md: alpha","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"%s\\n\\n## session cc-4d5611e5\\nevent 0"}]}],"tools":[{"name":"propose_edits","description":"d","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"propose_edits"},"stream":%s}' "$2" "$1"
}
obody() {
	local so=""
	[ "$1" = true ] && so=',"stream_options":{"include_usage":true}'
	printf '{"model":"gpt-4o","max_tokens":8192,"messages":[{"role":"system","content":"You consolidate memories."},{"role":"user","content":"%s\\n\\n## session cc-4d5611e5\\nevent 0"}],"tools":[{"type":"function","function":{"name":"propose_edits","description":"d","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"propose_edits"}},"stream":%s%s}' "$2" "$1" "$so"
}
# ant|oai BASE STREAM FIRSTLINE [curl options]: POST; headers in $T/h, body in
# $T/b, curl's exit status in RC
ant() {
	local base=$1 stream=$2 line=$3
	shift 3
	RC=0
	curl -sS -N -D "$T/h" -o "$T/b" "$@" -H "x-api-key: $KEY" -H "anthropic-version: 2023-06-01" \
		-H "content-type: application/json" --data-binary "$(abody "$stream" "$line")" \
		"$base/v1/messages" 2>"$T/curl.err" || RC=$?
}
oai() {
	local url=$1 stream=$2 line=$3
	shift 3
	RC=0
	curl -sS -N -D "$T/h" -o "$T/b" "$@" -H "authorization: Bearer $KEY" \
		-H "content-type: application/json" --data-binary "$(obody "$stream" "$line")" \
		"$url" 2>"$T/curl.err" || RC=$?
}
status() { head -1 "$T/h" | cut -d' ' -f2; }
# tool_input FILE: the tool input rebuilt from a stream's pieces
tool_input() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for block in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    for line in block.split("\n"):
        if line.startswith("data: {"):
            d = json.loads(line[6:])
            if d.get("type") == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
                out.append(d["delta"]["partial_json"])
            for ch in d.get("choices") or []:
                for tc in ch["delta"].get("tool_calls") or []:
                    out.append(tc["function"].get("arguments", ""))
print("".join(out))
PY
}
ms() { echo $(($(date +%s%N) / 1000000)); }
# the 'created' stamp of OpenAI chunks is the clock's: normalised for comparison
norm() { sed -E 's/"created":[0-9]+/"created":0/g' "$1"; }

# ---- 1. the streams, and memgit's parser accepts them (fixtures) -----------
python3 - "$FIX/edits_expected.json" >"$T/fix.json" <<'EOF'
import json, sys
edits = json.load(open(sys.argv[1]))["edits"]
print(json.dumps({"steps": {"map-1": [{"edits": edits, "text": "I will merge the duplicate test notes.",
    "usage": {"input_tokens": 2095, "output_tokens": 3120, "cache_read_input_tokens": 40110,
              "cache_creation_input_tokens": 0}}]}}))
EOF
start fix "$T/fix.json"
B=http://127.0.0.1:$PORT
ant "$B" true "memgit request: map 1/1"
assert_eq "$(status)" 200 "anthropic stream status"
assert_contains "$T/h" "content-type: text/event-stream"
assert_contains "$T/h" "request-id: req_1"
cp "$T/b" "$T/anthropic.sse"
# the event order of the real API, each data a JSON object of that type, and
# the tool input rebuilt from its pieces is the scripted edits
python3 - "$T/anthropic.sse" "$FIX/edits_expected.json" <<'EOF' || fail "anthropic SSE stream"
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n\n"), "stream does not end with a blank line"
names, parts, cuts = [], [], 0
for block in text[:-2].split("\n\n"):
    ev, data = block.split("\n")
    assert ev.startswith("event: ") and data.startswith("data: "), block
    d = json.loads(data[6:])
    assert d["type"] == ev[7:], block
    names.append(ev[7:])
    if d["type"] == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
        parts.append(d["delta"]["partial_json"])
order = " ".join(names)
want = (r"message_start content_block_start ping (content_block_delta )+content_block_stop "
        r"content_block_start (content_block_delta |ping )+content_block_stop message_delta message_stop")
assert re.fullmatch(want, order), order
tool = "".join(parts)
assert json.loads(tool) == json.load(open(sys.argv[2])), "tool input differs"
# cut mid-string: some piece ends inside a JSON string
assert len(parts) > 10 and any(p.count('"') % 2 for p in parts), "pieces never cut a string"
EOF
oai "$B/v1/chat/completions" true "memgit request: map 1/1"
assert_eq "$(status)" 200 "openai stream status"
assert_contains "$T/h" "x-request-id: req_2"
cp "$T/b" "$T/openai.sse"
[ "$(tail -c 14 "$T/openai.sse")" = "data: [DONE]" ] ||
	fail "openai stream does not end with data: [DONE]"
python3 - "$T/openai.sse" "$FIX/edits_expected.json" <<'EOF' || fail "openai SSE stream"
import json, sys
blocks = open(sys.argv[1], encoding="utf-8").read()[:-2].split("\n\n")
assert blocks[-1] == "data: [DONE]", blocks[-1]
chunks = [json.loads(b[6:]) for b in blocks[:-1]]
assert all(c["object"] == "chat.completion.chunk" for c in chunks)
args = "".join(tc["function"].get("arguments", "") for c in chunks for ch in c["choices"]
               for tc in ch["delta"].get("tool_calls", []))
assert json.loads(args) == json.load(open(sys.argv[2])), "arguments differ"
assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["prompt_tokens"] == 42205
EOF
if [ -n "${MEMGIT_UPDATE_FIXTURES:-}" ]; then
	norm "$T/anthropic.sse" >"$FIX/server_anthropic_stream.sse"
	norm "$T/openai.sse" >"$FIX/server_openai_stream.sse"
fi
norm "$T/anthropic.sse" >"$T/a.norm"
norm "$T/openai.sse" >"$T/o.norm"
assert_same_file "$T/a.norm" "$FIX/server_anthropic_stream.sse" "the anthropic stream is not the fixture unit/test_provider parses"
assert_same_file "$T/o.norm" "$FIX/server_openai_stream.sse" "the openai stream is not the fixture unit/test_provider parses"
# non-streaming: one complete message / chat.completion
ant "$B" false "memgit request: map 1/1"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["type"]=="message" and m["content"][1]["name"]=="propose_edits" and len(m["content"][1]["input"]["edits"])==5' "$T/b" ||
	fail "anthropic complete message"
oai "$B/chat/completions" false "memgit request: map 1/1"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); c=m["choices"][0]; assert m["object"]=="chat.completion" and c["finish_reason"]=="tool_calls"; json.loads(c["message"]["tool_calls"][0]["function"]["arguments"])' "$T/b" ||
	fail "openai chat.completion (on /chat/completions)"
# the log: headers as sent, keys only hashed
python3 - "$T/fix.log" "$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)" <<'EOF' || fail "request log"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 4, len(recs)
a, o = recs[0], recs[1]
assert a["role"] == "map-1" and a["path"] == "/v1/messages" and a["stream"] is True
assert a["headers"]["anthropic-version"] == "2023-06-01" and a["x_api_key"] and a["x_api_key_sha256"] == sys.argv[2]
assert a["system_cache_control"] == [True, True] and a["tool_choice"]["type"] == "tool"
assert a["user_first_line"] == "memgit request: map 1/1" and a["model"] == "claude-opus-4-7" and a["max_tokens"] == 8192
assert o["bearer_sha256"] == sys.argv[2] and o["include_usage"] is True and not o["x_api_key"]
assert recs[3]["path"] == "/chat/completions"
EOF
assert_not_contains "$T/fix.log" "$KEY"

# ---- 2. the script: per-role order, fallbacks, failure steps ---------------
cat >"$T/script.json" <<'EOF'
{"steps": {
 "map-1": [{"status": 429, "headers": {"retry-after": "1"}},
           {"status": 529, "error_type": "overloaded_error", "message": "Overloaded", "headers": {"x-should-retry": "true"}},
           {"edits": [{"kind": "delete", "path": "old.md", "rationale": "r", "evidence": ["memory:old.md"]}]}],
 "map": [{"cut_after": 5}, {"sse_error_after": 3, "error_type": "overloaded_error"}, {}],
 "map-9": [{"stall_after": 2}],
 "repair": [{"echo_key": true}, {"tool_input_raw": "{\"edits\": [{\"kind\": \"cre"}],
 "reduce": [{"raw_body": "{\"type\": mess", "status": 200},
            {"status": 429, "error_type": "insufficient_quota", "code": "insufficient_quota", "message": "You exceeded your current quota"},
            {"huge_bytes": 300000}, {"redirect_to": "/v1/messages"}],
 "*": [{"status": 500}]
}}
EOF
start main "$T/script.json"
B=http://127.0.0.1:$PORT
ant "$B" true "memgit request: map 1/3"
assert_eq "$(status)" 429 "map-1 first step"
assert_contains "$T/h" "retry-after: 1"
assert_contains "$T/b" '{"type":"error","error":{"type":"rate_limit_error","message":'
assert_contains "$T/b" '"request_id":"req_1"'
assert_contains "$T/h" "request-id: req_1"
ant "$B" true "memgit request: map 1/3"
assert_eq "$(status)" 529 "map-1 second step"
assert_contains "$T/h" "x-should-retry: true"
assert_contains "$T/b" '"overloaded_error"'
ant "$B" true "memgit request: map 1/3"
assert_eq "$(status)" 200 "map-1 third step"
assert_eq "$(tool_input "$T/b")" '{"edits":[{"kind":"delete","path":"old.md","rationale":"r","evidence":["memory:old.md"]}]}' "map-1 scripted edits"
ant "$B" true "memgit request: map 1/3" # exhausted: the last step repeats
assert_contains "$T/b" 'event: message_stop'
# map-2 and map-3 share the "map" list, in arrival order
ant "$B" true "memgit request: map 2/3"
assert_eq "$RC" 18 "cut_after: curl sees the transfer cut"
[ "$(grep -c '^event: ' "$T/b")" = 5 ] || fail "cut_after 5 sent $(grep -c '^event: ' "$T/b") events"
ant "$B" true "memgit request: map 3/3"
assert_eq "$(status)" 200 "sse_error_after status"
[ "$(grep '^event: ' "$T/b" | tail -1)" = "event: error" ] || fail "sse_error_after: no error event last"
assert_contains "$T/b" 'data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
[ "$(grep -c '^event: ' "$T/b")" = 4 ] || fail "sse_error_after 3: not 3 events then the error"
ant "$B" true "memgit request: map 2/3" # the "map" list's last step: the default answer
tool_input "$T/b" >"$T/tool"
assert_eq "$(cat "$T/tool")" '{"edits":[{"kind":"create","path":"notes/chunk-2.md","content":"---\ntitle: chunk 2\n---\nNotes from chunk 2.\n","rationale":"chunk 2 summary","evidence":["cc-4d5611e5#0"]}]}' "default map answer"
ant "$B" true "memgit request: reduce"
assert_eq "$(cat "$T/b")" '{"type": mess' "raw_body"
oai "$B/v1/chat/completions" false "memgit request: reduce"
assert_eq "$(status)" 429 "openai quota"
assert_contains "$T/b" '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}'
assert_contains "$T/h" "x-request-id: req_"
oai "$B/v1/chat/completions" false "memgit request: reduce"
[ "$(stat -c %s "$T/b")" -ge 300000 ] || fail "huge_bytes sent $(stat -c %s "$T/b") bytes"
ant "$B" true "memgit request: reduce" -L --max-redirs 3 # the last step repeats: a loop
assert_eq "$RC" 47 "redirect loop"
ant "$B" true "memgit request: repair"
assert_eq "$(status)" 401 "echo_key"
assert_contains "$T/b" "invalid x-api-key: $KEY"
oai "$B/v1/chat/completions" true "memgit request: repair"
assert_eq "$(tool_input "$T/b")" '{"edits": [{"kind": "cre' "tool_input_raw"
assert_contains "$T/b" 'data: [DONE]'
ant "$B" true "memgit request: map 9/9" --max-time 1
assert_eq "$RC" 28 "stall_after: curl times out"
[ "$(grep -c '^event: ' "$T/b")" = 2 ] || fail "stall_after 2 sent $(grep -c '^event: ' "$T/b") events"
oai "$B/v1/chat/completions" true "no role line"
assert_eq "$(status)" 500 "other takes the * list"
assert_contains "$T/b" '{"error":{"message":"Internal server error","type":"server_error","param":null,"code":null}}' 
# roles in the log, in order
python3 - "$T/main.log" <<'EOF' || fail "roles and steps in the log"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
got = [(r["role"], r["step"]["key"], r["step"]["kind"]) for r in recs]
want = [("map-1", "map-1", "status")] * 2 + [("map-1", "map-1", "edits")] * 2 + [
    ("map-2", "map", "cut_after"), ("map-3", "map", "sse_error_after"), ("map-2", "map", "default"),
    ("reduce", "reduce", "raw_body"), ("reduce", "reduce", "status"), ("reduce", "reduce", "huge_bytes")] + [
    ("reduce", "reduce", "redirect_to")] * 4 + [
    ("repair", "repair", "echo_key"), ("repair", "repair", "tool_input_raw"),
    ("map-9", "map-9", "stall_after"), ("other", "*", "status")]
assert got == want, "\n".join(map(str, got))
EOF
# the stalled request ended when curl gave up
for ((i = 0; i < 20; i++)); do
	curl -sS "$B/stats" >"$T/stats"
	grep -q '"in_flight":0' "$T/stats" && break
	sleep 0.1
done
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["in_flight"]==0 and s["total"]==18 and s["roles"]["reduce"]==7, s' "$T/stats" ||
	{ cat "$T/stats"; fail "stats"; }

# ---- 3. parallel requests are served in parallel ---------------------------
echo '{"steps": {"repair": [{"latency_ms": 1000}]}}' >"$T/slow.json"
start slow "$T/slow.json" --latency-ms 250
B=http://127.0.0.1:$PORT
par() { # par N FIRSTLINE: N requests at once
	local pids=() i
	for ((i = 1; i <= $1; i++)); do
		curl -sS -o "$T/par.$i" -H "content-type: application/json" \
			--data-binary "$(abody true "$2")" "$B/v1/messages" & pids+=($!)
	done
	wait "${pids[@]}" || fail "a parallel request failed"
}
t0=$(ms)
ant "$B" true "memgit request: map 1/1"
one=$(($(ms) - t0))
[ "$one" -ge 250 ] || fail "--latency-ms 250 answered in $one ms"
t0=$(ms)
par 8 "memgit request: map 1/8"
took=$(($(ms) - t0))
echo "1 request: $one ms; 8 in parallel: $took ms"
[ "$took" -lt 1200 ] || fail "8 parallel requests of 250 ms took $took ms: not served in parallel"
for i in 1 2 3 4 5 6 7 8; do assert_contains "$T/par.$i" "event: message_stop"; done
# 8 requests of 1 s each: all 8 in flight at once
par 8 "memgit request: repair"
curl -sS "$B/stats" >"$T/stats"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["max_concurrent"]==8 and s["total"]==17, s' "$T/stats" ||
	{ cat "$T/stats"; fail "max_concurrent is not 8"; }

# ---- 4. TLS: a self-signed cert curl refuses unless told ------------------
start tls "$T/script.json" --tls
[ -s "$CERT" ] || fail "--tls printed no cert file"
ant "https://127.0.0.1:$PORT" true "memgit request: map 2/2"
assert_eq "$RC" 60 "curl accepted the self-signed cert"
ant "https://127.0.0.1:$PORT" true "memgit request: map 2/2" --cacert "$CERT"
assert_eq "$RC" 18 "https with the cert as CA (first map step: cut_after)"
ant "https://127.0.0.1:$PORT" true "memgit request: map 1/2" -k
assert_eq "$(status)" 429 "https -k"
curl -sS -k "https://127.0.0.1:$PORT/shutdown" >/dev/null
for name in fix main slow tls; do
	[ ! -s "$T/$name.err" ] || { cat "$T/$name.err"; fail "$name wrote to stderr"; }
done
echo "ok: ${0##*/}"
