#!/usr/bin/env bash
# test_grade_judge.sh: memgit grade with judge and questions criteria
# (docs/grading.md section 3) on a builtin dream of the demo store: without
# a model both are skipped; through the loopback model server
# (tests/llm/model_server.py, Anthropic streaming and not, OpenAI) the
# verdicts and scores land in the note, each request forces its tool and
# carries the criterion and the diff but none of the dreamer's rationales;
# an invalid answer fails the criterion; a replay folder grades with no
# network; a failed request exits 5 and records nothing.
source "${MEMGIT_TESTLIB:?run through ctest}"
source "$(dirname "$MEMGIT_TESTLIB")/model_lib.sh"

S=$T/store
demo_store "$S"
cd "$S"
run 0 mg dream
ID=$(dream_id)
[ -n "$ID" ] || { cat "$T/out"; fail "no builtin dream"; }

mkdir -p rubrics
cat >rubrics/judged.yaml <<'EOF'
version: 1
threshold: 0.5
criteria:
  - {id: valid, check: valid_front_matter, required: true}
  - id: useful
    judge: llm
    weight: 2
    description: "Durable, specific and actionable memories; no one-off event turned into a rule"
  - {id: recall, questions: rubrics/questions.yaml, weight: 1}
EOF
cat >rubrics/questions.yaml <<'EOF'
version: 1
questions:
  - q: How are the unit tests run?
    expect: [ctest, build directory]
  - {q: How is the build configured?, expect: ["cmake -S . -B build"]}
EOF
git add rubrics/judged.yaml rubrics/questions.yaml
git commit -q -m "rubric with a judge and questions"
cp memgit.yaml "$S.yaml" # set_model's base: with the rubric committed
RUBRIC=(--rubric rubrics/judged.yaml)
JUDGE=(--judge anthropic --model claude-test)
note "$ID" | jq -r '.edits[].rationale' >"$T/rationales"
[ "$(wc -l <"$T/rationales")" -ge 3 ] || fail "the builtin dream has too few edits to check rationales"

# outcomes: how many outcomes the note holds; last: the latest one
outcomes() { note "$ID" | jq '.outcomes // [] | length'; }
last() { note "$ID" | jq -c ".outcomes[-1]$1"; }
crit() { note "$ID" | jq -c ".outcomes[-1].criteria[] | select(.id == \"$1\") | $2"; }

JUDGE_OK='{"input": {"pass": true, "score": 0.8, "explanation": "The new mistake and workflow memories are specific and actionable."}}'
ANSWERS='{"input": {"answers": ["Run ctest from the build directory.", "not in memory"]}}'

# graded_ok CODE [options...]: memgit grade exits CODE, one more outcome,
# nothing on stderr, no key anywhere
graded_ok() {
	local code=$1 before
	shift
	before=$(outcomes)
	run "$code" mg grade "$ID" "${RUBRIC[@]}" "$@"
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "grading wrote to stderr"; }
	assert_eq "$(outcomes)" "$((before + 1))" "outcomes in the note"
	no_key "$T/out" "$T/err"
	note "$ID" >"$T/note"
	no_key "$T/note"
}

# grade_fails CODE TEXT [options...]: exit CODE with one line naming TEXT,
# the note unchanged
grade_fails() {
	local code=$1 text=$2
	shift 2
	note "$ID" >"$T/note.before"
	run "$code" mg grade "$ID" "${RUBRIC[@]}" "$@"
	assert_one_line_error
	assert_contains "$T/err" "$text"
	no_key "$T/out" "$T/err"
	note "$ID" >"$T/note.after"
	assert_same_file "$T/note.after" "$T/note.before" "a failed grading changed the note"
}

# ---- (a) no model: both skipped ------------------------------------------------------------
case_skipped() {
	graded_ok 0
	assert_contains "$T/out" "skip useful"
	assert_contains "$T/out" "skip recall"
	assert_contains "$T/out" "no model configured; skipped"
	assert_eq "$(crit useful '[.skipped, .pass]')" "[true,false]"
	assert_eq "$(crit recall '[.skipped, .kind]')" '[true,"questions"]'
	assert_eq "$(last .grader)" '"memgit/0.1.0"'
	assert_eq "$(last .usage)" 'null' # no request, no usage
}
soft "no model: skipped" case_skipped

# ---- (b) anthropic: a pass, a failed question, what the requests carry -------------------------
case_anthropic() {
	serve a '{"steps": {"judge-useful": ['"$JUDGE_OK"'], "questions-recall": ['"$ANSWERS"']}}'
	graded_ok 0 "${JUDGE[@]}"
	assert_eq "$(crit useful '[.pass, .skipped, .score, .kind]')" '[true,false,0.8,"judge"]'
	assert_eq "$(crit useful .explanation)" '"The new mistake and workflow memories are specific and actionable."'
	assert_eq "$(crit recall '[.pass, .skipped, .score]')" '[false,false,0.5]'
	crit recall .explanation | grep -qF "1 of 2 questions answered from the memory; failed: q2 'How is the build configured?' lacks 'cmake -S . -B build'" ||
		fail "recall explanation: $(crit recall .explanation)"
	assert_eq "$(last .grader)" '"memgit/0.1.0+anthropic:claude-test"'
	assert_eq "$(last .verdict)" '"satisfied"'
	assert_contains "$T/out" "pass useful"
	assert_contains "$T/out" "FAIL recall"
	assert_eq "$(roles)" "judge-useful questions-recall"
	jq -s -e --arg k "$(sha "$KEY_A")" '
		.[0].tool_choice == {"type": "tool", "name": "grade_criterion"} and .[0].tools == ["grade_criterion"]
		and .[1].tool_choice == {"type": "tool", "name": "answer_questions"} and .[1].tools == ["answer_questions"]
		and all(.[]; .model == "claude-test" and .x_api_key_sha256 == $k and .stream == true)' "$LOG" >/dev/null ||
		{ cat "$LOG"; fail "the judge requests"; }
	# the judge sees the criterion, the diff and the memory after, never the rationales
	jq -r '[.system[].text, .messages[0].content[0].text] | join("\n")' "$BODIES/1.json" >"$T/judge.txt"
	assert_contains "$T/judge.txt" "Durable, specific and actionable memories; no one-off event turned into a rule"
	assert_contains "$T/judge.txt" "=== change: facts/python-version.md deleted ==="
	assert_contains "$T/judge.txt" "=== change: notes/running-tests.md merged into notes/tests-before-commit.md ==="
	assert_contains "$T/judge.txt" "=== change: notes/tests-before-commit.md updated by a merge ==="
	assert_contains "$T/judge.txt" "The build helper scripts need Python 3.8" # the deleted memory, before
	assert_contains "$T/judge.txt" "=== memory:notes/build.md ==="
	while IFS= read -r r; do
		assert_not_contains "$T/judge.txt" "$r"
	done <"$T/rationales"
	# the questions request: the memory alone and the questions, not the answers expected
	jq -r '[.system[].text, .messages[0].content[0].text] | join("\n")' "$BODIES/2.json" >"$T/questions.txt"
	assert_contains "$T/questions.txt" "2. How is the build configured?"
	assert_contains "$T/questions.txt" "=== memory:notes/build.md ==="
	assert_not_contains "$T/questions.txt" "=== change:"
	no_key "$BODIES"/*.json
}
mcase "anthropic: pass and fail" case_anthropic

case_anthropic_fail() {
	set_model "stream: false"
	serve a-fail '{"steps": {"judge": [{"input": {"pass": false, "score": 0.2, "explanation": "One-off\nevents   became rules."}, "usage": {"input_tokens": 1000, "output_tokens": 50, "cache_read_input_tokens": 7, "cache_creation_input_tokens": 3}}], "questions": [{"input": {"answers": ["ctest in the build directory", "cmake -S . -B build"]}, "usage": {"input_tokens": 900, "output_tokens": 40, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}}]}}'
	graded_ok 0 "${JUDGE[@]}"
	# what the judge's requests used is part of the outcome
	assert_eq "$(last .usage)" '{"requests":2,"input":1900,"output":90,"cache_read":7,"cache_write":3}'
	assert_contains "$T/out" "judge: 2 requests, 1900 input + 90 output tokens (cache: 7 read, 3 written)"
	assert_eq "$(crit useful '[.pass, .score, .explanation]')" '[false,0.2,"One-off events became rules."]'
	assert_eq "$(crit recall '[.pass, .score, .explanation]')" '[true,1,"2 of 2 questions answered from the memory"]'
	assert_eq "$(last .verdict)" '"satisfied"' # (1 + 0.4 + 1) / 4 >= 0.5
	assert_eq "$(last .score)" 0.6
	jq -s -e 'all(.[]; .stream == false)' "$LOG" >/dev/null || fail "model.stream: false not honoured"
	set_model
}
mcase "anthropic: a failing verdict, not streamed" case_anthropic_fail

case_invalid() {
	serve inv '{"steps": {"judge": [{"input": {"pass": true, "score": 1.5, "explanation": "great"}}], "questions": [{"input": {"answers": ["only one"]}}]}}'
	graded_ok 1 "${JUDGE[@]}"
	assert_eq "$(last .verdict)" '"needs_revision"' # (1 + 0 + 0) / 4 < 0.5
	assert_eq "$(crit useful '[.pass, .score, .explanation]')" '[false,0,"judge answer invalid: score: 1.5 is not in [0, 1]"]'
	assert_eq "$(crit recall '[.pass, .score, .explanation]')" '[false,0,"questions answer invalid: 1 answer for 2 questions"]'
	assert_eq "$(nreq)" 2 "an invalid answer is not asked again"
}
mcase "invalid answers fail the criterion" case_invalid

# ---- (b) openai ---------------------------------------------------------------------------------
case_openai() {
	serve o '{"steps": {"judge-useful": ['"$JUDGE_OK"'], "questions-recall": ['"$ANSWERS"']}}'
	graded_ok 0 --judge openai --model gpt-test
	assert_eq "$(crit useful '[.pass, .score]')" '[true,0.8]'
	assert_eq "$(crit recall '[.pass, .score]')" '[false,0.5]'
	assert_eq "$(last .grader)" '"memgit/0.1.0+openai:gpt-test"'
	jq -s -e --arg k "$(sha "$KEY_O")" '
		.[0].tool_choice == {"type": "function", "function": {"name": "grade_criterion"}}
		and .[1].tool_choice == {"type": "function", "function": {"name": "answer_questions"}}
		and all(.[]; .path == "/v1/chat/completions" and .bearer_sha256 == $k)' "$LOG" >/dev/null ||
		{ cat "$LOG"; fail "the openai judge requests"; }
	jq -r '.messages[0].content' "$BODIES/1.json" >"$T/judge.txt"
	assert_contains "$T/judge.txt" "=== change: facts/python-version.md deleted ==="
	while IFS= read -r r; do
		assert_not_contains "$T/judge.txt" "$r"
	done <"$T/rationales"
}
mcase "openai" case_openai

# ---- (c) replay: recorded responses, no network -------------------------------------------------
case_replay() {
	serve rec '{"steps": {"judge-useful": ['"$JUDGE_OK"'], "questions-recall": ['"$ANSWERS"']}}'
	graded_ok 0 "${JUDGE[@]}"
	mkdir -p "$T/replay"
	for n in 1 2; do
		role=$(jq -r "select(.n == $n) | .role" "$LOG")
		jq -c '.stream = false' "$BODIES/$n.json" |
			curl -sS --fail-with-body -H "x-api-key: $KEY_A" -H "anthropic-version: 2023-06-01" \
				-H "content-type: application/json" --data-binary @- "$ANTHROPIC_BASE_URL/v1/messages" \
				>"$T/replay/$role.json" || fail "cannot record $role"
	done
	stop_server
	(
		unset ANTHROPIC_API_KEY
		export ANTHROPIC_BASE_URL=http://127.0.0.1:9 # nothing listens: no network
		graded_ok 0 --replay "$T/replay"
		assert_eq "$(crit useful '[.pass, .score]')" '[true,0.8]'
		assert_eq "$(crit recall '[.pass, .score]')" '[false,0.5]'
		assert_eq "$(last .grader)" '"memgit/0.1.0+replay:recorded"'
		graded_ok 0 --judge replay --replay "$T/replay" --model claude-test
		assert_eq "$(last .grader)" '"memgit/0.1.0+replay:claude-test"'
		rm "$T/replay/questions-recall.json"
		grade_fails 3 "no recorded response for request 'questions-recall'" --replay "$T/replay"
		grade_fails 3 "the replay judge needs a folder" --judge replay
	)
	assert_eq "$(nreq)" 4 "requests: the live grading and the recording, none from the replays"
}
mcase "replay" case_replay

# ---- (d) a failed request: exit 5, nothing recorded ----------------------------------------------
case_errors() {
	serve e400 '{"steps": {"judge": [{"status": 400, "message": "prompt is too long"}]}}'
	grade_fails 5 "model request failed 'judge-useful': HTTP 400: anthropic error 'invalid_request_error': prompt is too long" "${JUDGE[@]}"
	assert_eq "$(nreq)" 1 "a 400 is not retried"
	# the judge passed, the questions failed: no partial outcome either
	set_model "retries: 1"
	serve e529 '{"steps": {"judge": ['"$JUDGE_OK"'], "questions": [{"status": 529, "headers": {"retry-after-ms": "10"}}]}}'
	grade_fails 5 "model request failed 'questions-recall': HTTP 529" "${JUDGE[@]}"
	assert_contains "$T/err" "2 attempts"
	assert_eq "$(roles)" "judge-useful questions-recall questions-recall"
	# an answer with another tool than the one forced
	serve wrong '{"steps": {"judge": [{"tool": "propose_edits", "input": {"edits": []}}]}}'
	grade_fails 5 "no grade_criterion tool call" "${JUDGE[@]}"
	set_model
	stop_server
	grade_fails 2 "--replay goes with --judge replay" --judge anthropic --replay "$T"
	grade_fails 3 "unknown judge 'claude'" --judge claude
	(
		unset ANTHROPIC_API_KEY
		grade_fails 3 "no API key" "${JUDGE[@]}"
	)
	# a rubric of checks alone makes no request and needs no key
	printf 'version: 1\ncriteria:\n  - {id: valid, check: valid_front_matter}\n' >"$T/checks.yaml"
	(
		unset ANTHROPIC_API_KEY
		run 0 mg grade "$ID" --rubric "$T/checks.yaml" --judge anthropic
		assert_eq "$(last .grader)" '"memgit/0.1.0"'
		run 3 mg grade "$ID" --rubric "$T/checks.yaml" --judge claude
		assert_contains "$T/err" "unknown judge 'claude'"
	)
	git mv rubrics/questions.yaml rubrics/q2.yaml && git commit -q -m "move the questions"
	grade_fails 3 "no questions file 'rubrics/questions.yaml'" "${JUDGE[@]}"
	git mv rubrics/q2.yaml rubrics/questions.yaml && git commit -q -m "questions back"
}
mcase "failures record nothing" case_errors

keys_nowhere "$S"
fsck_clean "$S"
finish
