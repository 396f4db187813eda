#!/usr/bin/env bash
# test_dream_model_fail.sh: memgit dream --dreamer anthropic|openai when the
# model API fails (tests/llm/model_server.py scripts each failure): retries
# as the providers advise (retry-after, retry-after-ms, x-should-retry,
# backoff, never a spend limit), errors mid-stream, a stall, a cut
# connection, the size cap, a body that is not JSON, a redirect, a
# self-signed certificate, an error quoting the key, a missing key, a key in
# memgit.yaml, and one failing request among parallel ones. Every failure:
# exit 5 (3 for a refused setting), one line on stderr naming the status
# and the request id, no dream branch, and the key nowhere.
source "${MEMGIT_TESTLIB:?run through ctest}"
source "$(dirname "$MEMGIT_TESTLIB")/model_lib.sh"

S=$T/store
demo_store "$S"
cd "$S"
A=(--dreamer anthropic --model claude-test)
O=(--dreamer openai --model gpt-test)
MODEL_RESET=1

# ---- retried, then answered ----------------------------------------------------------------
case_429_retry_after() {
	set_model
	serve r429 '{"steps": {"map-1": [{"status": 429, "headers": {"retry-after": "1"}}, {}]}}'
	local t0 took
	t0=$(ms)
	dream_ok anthropic:claude-test "${A[@]}"
	took=$(($(ms) - t0))
	assert_eq "$(roles)" "map-1 map-1"
	between 0.95 2.5 "$(gaps)" || fail "retry-after: 1 waited $(gaps) s"
	[ "$took" -ge 1000 ] || fail "done in $took ms: retry-after not honoured"
	assert_eq "$(trailer "$ID" Dream-Usage | sed 's/.* //')" requests=1 "a retried request counts once"
}
mcase "429 retry-after" case_429_retry_after

case_retry_after_ms() {
	serve rms '{"steps": {"map-1": [{"status": 429, "headers": {"retry-after-ms": "300", "retry-after": "5"}}, {}]}}'
	dream_ok anthropic:claude-test "${A[@]}"
	assert_eq "$(nreq)" 2
	between 0.27 2.5 "$(gaps)" || fail "retry-after-ms: 300 waited $(gaps) s"
}
mcase "retry-after-ms" case_retry_after_ms

case_500_then_ok() {
	serve r500 '{"steps": {"map-1": [{"status": 500}, {}]}}'
	dream_ok anthropic:claude-test "${A[@]}"
	assert_eq "$(nreq)" 2
	# x-should-retry: true makes even a 400 worth another try
	serve r400t '{"steps": {"map-1": [{"status": 400, "headers": {"x-should-retry": "true", "retry-after-ms": "10"}}, {}]}}'
	dream_ok anthropic:claude-test "${A[@]}"
	assert_eq "$(nreq)" 2
}
mcase "500 then success" case_500_then_ok

# ---- retries exhausted: 529 three times (two retries by default) ---------------------------
case_529() {
	serve r529 '{"steps": {"map-1": [{"status": 529}]}}'
	dream_fails 5 "HTTP 529" "overloaded_error" "req_3" "3 attempts" -- "${A[@]}"
	assert_eq "$(nreq)" 3 "attempts"
	# backoff: 0.5 s then 1 s, each +-20 %
	read -r g1 g2 <<<"$(gaps)"
	between 0.35 0.9 "$g1" && between 0.75 1.7 "$g2" || fail "backoff $g1 s then $g2 s"
}
mcase "529 exhausted" case_529

# ---- not retried ------------------------------------------------------------------------------
case_not_retried() {
	serve n400 '{"steps": {"map-1": [{"status": 400}]}}'
	dream_fails 5 "HTTP 400" "invalid_request_error" "req_1" "1 attempt)" -- "${A[@]}"
	assert_eq "$(nreq)" 1
	serve nsr '{"steps": {"map-1": [{"status": 500, "headers": {"x-should-retry": "false"}}]}}'
	dream_fails 5 "HTTP 500" "api_error" "req_1" "1 attempt)" -- "${A[@]}"
	assert_eq "$(nreq)" 1
	# spend limits: waiting does not help
	serve credit '{"steps": {"map-1": [{"status": 400, "message": "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}]}}'
	dream_fails 5 "HTTP 400" "credit balance is too low" "req_1" -- "${A[@]}"
	assert_eq "$(nreq)" 1
	serve quota '{"steps": {"map-1": [{"status": 429, "error_type": "insufficient_quota", "code": "insufficient_quota", "message": "You exceeded your current quota, please check your plan and billing details."}]}}'
	dream_fails 5 "HTTP 429" "insufficient_quota" "req_1" "1 attempt)" -- "${O[@]}"
	assert_eq "$(nreq)" 1
}
mcase "not retried" case_not_retried

# ---- failures inside a 200 --------------------------------------------------------------------
case_stream_error() {
	serve sse-a '{"steps": {"map-1": [{"sse_error_after": 4, "error_type": "overloaded_error"}]}}'
	dream_fails 5 "HTTP 200" "anthropic error 'overloaded_error'" "req_1" "1 attempt)" -- "${A[@]}"
	assert_eq "$(nreq)" 1 "an error event after a 200 is an answer: not retried"
	serve sse-o '{"steps": {"map-1": [{"sse_error_after": 3, "error_type": "server_error", "message": "The server had an error"}]}}'
	dream_fails 5 "HTTP 200" "openai error 'server_error'" "req_1" -- "${O[@]}"
	assert_eq "$(nreq)" 1
}
mcase "error event mid-stream" case_stream_error

case_malformed() {
	serve bad-json '{"steps": {"map-1": [{"raw_body": "{\"type\": \"message\", \"content\": [", "status": 200}]}}'
	dream_fails 5 "HTTP 200" "invalid JSON" "req_1" "1 attempt)" -- "${A[@]}"
	assert_eq "$(nreq)" 1
}
mcase "malformed body" case_malformed

case_stall() {
	set_model "stall_timeout_ms: 1000" "retries: 0"
	serve stall '{"steps": {"map-1": [{"stall_after": 3}]}}'
	local t0 took
	t0=$(ms)
	dream_fails 5 "stalled: no data for 1000 ms" "HTTP 200" "req_1" -- "${A[@]}"
	took=$(($(ms) - t0))
	[ "$took" -lt 4000 ] || fail "a stall of 1000 ms took $took ms to fail"
	set_model
}
mcase "stall" case_stall

case_cut() {
	set_model "retries: 1"
	serve cut '{"steps": {"map-1": [{"cut_after": 6}]}}'
	dream_fails 5 "connection closed before the response was complete" "HTTP 200" "req_2" "2 attempts" -- "${A[@]}"
	assert_eq "$(nreq)" 2 "a cut connection is retried"
	set_model
}
mcase "connection cut" case_cut

# no memgit.yaml knob for the cap (max_response_bytes): the default 64 MiB
case_too_large() {
	serve huge '{"steps": {"map-1": [{"huge_bytes": 68157440}]}}'
	dream_fails 5 "response larger than 67108864 bytes" "HTTP 200" "req_1" "1 attempt)" -- "${A[@]}"
	assert_eq "$(nreq)" 1 "the size cap is not retried"
}
mcase "over the size cap" case_too_large

# redirects are not followed (headers carry the key): a 307 is the answer
case_redirect() {
	serve redir '{"steps": {"map-1": [{"redirect_to": "/v1/messages"}]}}'
	dream_fails 5 "HTTP 307" "req_1" -- "${A[@]}"
	assert_eq "$(nreq)" 1 "a redirect was followed"
}
mcase "redirect" case_redirect

case_tls() {
	command -v openssl >/dev/null || { echo "skip: no openssl for --tls"; return 0; }
	serve tls '{"steps": {}}' --tls
	[ -s "$CERT" ] || fail "the server printed no certificate"
	ANTHROPIC_BASE_URL=https://127.0.0.1:$PORT dream_fails 5 "tls verification failed" -- "${A[@]}"
	assert_eq "$(nreq)" 0 "a request went through a certificate nobody signed"
}
mcase "self-signed certificate" case_tls

# ---- the key --------------------------------------------------------------------------------------
case_echo_key() {
	serve echo-a '{"steps": {"map-1": [{"echo_key": true}]}}'
	dream_fails 5 "HTTP 401" "authentication_error" "[REDACTED]" "req_1" -- "${A[@]}"
	serve echo-o '{"steps": {"map-1": [{"echo_key": true}]}}'
	dream_fails 5 "HTTP 401" "[REDACTED]" "req_1" -- "${O[@]}"
}
mcase "an error quoting the key" case_echo_key

case_no_key() {
	serve nokey '{"steps": {}}'
	(
		unset ANTHROPIC_API_KEY
		dream_fails 3 "no API key" "ANTHROPIC_API_KEY" -- "${A[@]}"
	)
	set_model "api_key: not-a-real-key-0123456789"
	dream_fails 3 "model.api_key" "memgit.yaml is committed" -- "${A[@]}"
	set_model
	assert_eq "$(nreq)" 0 "a request without a usable key"
}
mcase "no key, a key in memgit.yaml" case_no_key

# ---- one of several parallel requests fails: the others stop ---------------------------------------
case_parallel() {
	set_model "context_tokens: 6100" "max_output_tokens: 1024" "retries: 0"
	local t0 took
	serve par4 '{"steps": {"map-3": [{"status": 400, "latency_ms": 300}], "map": [{"latency_ms": 8000}]}}'
	t0=$(ms)
	dream_fails 5 "'map-3'" "HTTP 400" "invalid_request_error" -- "${A[@]}" --jobs 4
	took=$(($(ms) - t0))
	[ "$(nreq)" -ge 3 ] || fail "only $(nreq) requests: the chunks did not run in parallel"
	[ "$took" -lt 3500 ] || fail "the failure took $took ms to stop the other requests (8 s each)"
	# two jobs, the first fails: the second is cancelled, the third never sent
	serve par2 '{"steps": {"map-1": [{"status": 400, "latency_ms": 300}], "map": [{"latency_ms": 8000}]}}'
	t0=$(ms)
	dream_fails 5 "'map-1'" "HTTP 400" -- "${A[@]}" --jobs 2
	took=$(($(ms) - t0))
	assert_eq "$(roles | tr ' ' '\n' | sort | tr '\n' ' ')" "map-1 map-2 " "requests after the failure"
	[ "$took" -lt 3500 ] || fail "the failure took $took ms to stop the other request"
	set_model
}
mcase "a failure among parallel requests" case_parallel

# ---- a base URL that is not a URL: the user's input, refused at once ---------------------------------
case_bad_url() {
	local t0 took code=0
	t0=$(ms)
	ANTHROPIC_BASE_URL="not a url" "$MEMGIT" -C "$S" dream "${A[@]}" >"$T/out" 2>"$T/err" || code=$?
	took=$(($(ms) - t0))
	assert_eq "$code" 3 "exit code for a bad base URL"
	assert_contains "$T/err" "invalid url"
	[ "$took" -lt 1000 ] || fail "a bad URL took $took ms: it was retried"
}
mcase "a base URL that is not a URL" case_bad_url

stop_server
soft "memgit dreams lists the successes only" dreams_listed
soft "no key anywhere" keys_nowhere "$S"
finish
