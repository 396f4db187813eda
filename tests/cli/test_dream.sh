#!/bin/bash
# test_dream.sh: memgit dream, dreams, review, blame and log through the CLI,
# read back with the git CLI (trailers, notes, fsck); main and the work tree
# untouched; dry runs and refusals write nothing; a dream killed at random
# moments never leaves a dream branch without its note. The engine's checks
# run with --no-grade (one commit per dream); grading inside a dream and
# its revision passes are test_dream_iterate.sh's.
source "$MEMGIT_TESTLIB"

export MEMGIT_NOW=2026-11-20T12:00:00Z

# session HEX8 DAY N: a Claude Code transcript of N text events in $T/HEX8.jsonl
session() {
	local hex=$1 day=$2 n=$3 i parent role
	for ((i = 0; i < n; i++)); do
		parent=null
		[ "$i" -gt 0 ] && parent="\"u$((i - 1))\""
		role=user
		[ $((i % 2)) = 1 ] && role=assistant
		printf '{"type":"%s","sessionId":"%s-0000-4000-8000-000000000001","timestamp":"2026-11-%02dT10:00:%02dZ","uuid":"u%d","parentUuid":%s,"message":{"role":"%s","content":"event %d of %s"}}\n' \
			"$role" "$hex" "$day" "$i" "$i" "$parent" "$role" "$i" "$hex"
	done >"$T/$hex.jsonl"
}

# store DIR: six memories (one pinned) and three sessions with known agents
store() {
	local d=$1
	new_store "$d"
	(
		cd "$d"
		mg -q put notes/a.md -m alpha
		mg -q put notes/b.md -m beta
		mg -q put notes/c.md -m gamma
		mg -q put notes/d.md -m delta
		mg -q put facts/e.md -m epsilon
		mg -q put prefs/pinned.md -m 'keep me' --pin
		session 11111111 10 3 && mg -q session add --agent agent-one "$T/11111111.jsonl"
		session 22222222 11 5 && mg -q session add --agent agent-two "$T/22222222.jsonl"
		session 33333333 9 2 && mg -q session add --agent agent-three "$T/33333333.jsonl"
	) >/dev/null
}

cat >"$T/apply.json" <<'EOF'
{"edits": [
 {"kind": "create", "path": "notes/new.md", "content": "---\nkind: fact\n---\nnew fact\n",
  "rationale": "new fact seen", "evidence": ["cc-11111111#0-2"]},
 {"kind": "update", "path": "notes/a.md", "content": "alpha v2\n",
  "rationale": "alpha changed", "evidence": ["cc-22222222#4"]},
 {"kind": "merge", "path": "notes/c.md", "merged": ["notes/d.md"], "content": "gamma and delta\n",
  "rationale": "same thing", "evidence": ["memory:notes/c.md", "memory:notes/d.md"]},
 {"kind": "move", "path": "facts/e.md", "to": "facts/epsilon.md", "rationale": "better name",
  "evidence": ["memory:facts/e.md"]}
]}
EOF

# main, the index and the work tree
main_state() {
	git -C "$1" rev-parse main
	git -C "$1" status --porcelain --untracked-files=all
	md5sum "$1/.git/index"
	tree_state "$1"
}

S=$T/store
store "$S"
cd "$S"

# ---- a dream: branch, message, trailers, note --------------------------------------------
check_apply() {
	local base stip id
	base=$(git rev-parse main)
	stip=$(git rev-parse refs/memgit/sessions)
	main_state . >"$T/main.before"
	run 0 mg dream --replay "$T/apply.json" --no-grade
	id=$(sed -n '1s/^dream \([^ ]*\) on branch dream\/\1 (.*)$/\1/p' "$T/out")
	[[ "$id" =~ ^20261120T120000Z-[0-9a-f]{6}$ ]] || { cat "$T/out"; fail "no dream id in the output"; }
	echo "$id" >"$T/id"
	assert_contains "$T/out" "4 edits applied, 0 refused"
	assert_contains "$T/out" "  merge notes/d.md -> notes/c.md"
	main_state . >"$T/main.after"
	assert_same_file "$T/main.after" "$T/main.before" "the dream touched main or the work tree"
	cat >"$T/msg.want" <<EOF
dream: create 1, update 1, merge 1, move 1

- create notes/new.md: new fact seen (cc-11111111#0-2)
- update notes/a.md: alpha changed (cc-22222222#4)
- merge notes/d.md -> notes/c.md: same thing (memory:notes/c.md, memory:notes/d.md)
- move facts/e.md -> facts/epsilon.md: better name (memory:facts/e.md)

Dream-Id: $id
Dream-Base: $base
Dream-Dreamer: replay
Dream-Sessions: cc-33333333 cc-11111111 cc-22222222
Dream-Sessions-Commit: $stip

EOF
	git log -1 --format=%B "dream/$id" >"$T/msg.got"
	assert_same_file "$T/msg.got" "$T/msg.want" "commit message"
	git log -1 --format='%(trailers)' "dream/$id" >"$T/tr.got"
	sed -n '/^Dream-Id/,$p' "$T/msg.want" >"$T/tr.want"
	assert_same_file "$T/tr.got" "$T/tr.want" "trailers as git reads them"
	assert_eq "$(git log -1 --format='%(trailers:key=Dream-Sessions,valueonly)' "dream/$id")" \
		"cc-33333333 cc-11111111 cc-22222222"
	assert_eq "$(git rev-parse "dream/$id^")" "$base" "parent of the dream commit"
	assert_eq "$(git show "dream/$id:memories/notes/a.md")" "alpha v2"
	git show "dream/$id:memories/notes/d.md" >/dev/null 2>&1 && fail "notes/d.md survived the merge"
	# the note, as git reads it
	git notes --ref=memgit show "dream/$id" >"$T/note"
	assert_eq "$(jq -r .id "$T/note")" "$id"
	assert_eq "$(jq -r '.edits | length' "$T/note")" 4
	assert_eq "$(jq -r '.edits[1].expect_blob' "$T/note")" "$(git rev-parse main:memories/notes/a.md)"
	assert_eq "$(jq -r '.edits[0].expect_blob' "$T/note")" ""
	assert_eq "$(jq -r '[.edits[].status] | unique | join(",")' "$T/note")" applied
	assert_eq "$(jq -r '.sessions | map(.id + "=" + .agent) | join(" ")' "$T/note")" \
		"cc-33333333=agent-three cc-11111111=agent-one cc-22222222=agent-two"
	assert_eq "$(jq -r .now "$T/note")" "2026-11-11T10:00:04Z"
	git log --notes=memgit -1 "dream/$id" >"$T/log"
	assert_contains "$T/log" "Notes (memgit):"
	assert_contains "$T/log" '"memgit_dream": 1'
	git_reads_all . "dream/$id"
	worktree_in_step .
}
check_apply
ID=$(cat "$T/id")

# ---- JSON output ---------------------------------------------------------------------------
check_json() {
	run 0 mg dream --replay "$T/apply.json" --json --no-grade
	jq -e '.status == "proposed" and .applied == 4 and .refused == 0' "$T/out" >/dev/null ||
		{ cat "$T/out"; fail "dream --json"; }
	jq -e '(.branch | startswith("dream/")) and (.commit | length == 40)' "$T/out" >/dev/null ||
		fail "dream --json branch"
	jq -e '.message | startswith("dream: create 1")' "$T/out" >/dev/null || fail "dream --json message"
	jq -e '.iteration == 1 and .verdict == null and .outcome == null and .passes == []' "$T/out" \
		>/dev/null || fail "dream --json --no-grade: grading fields"
}
soft "dream --json" check_json

# ---- dry run writes nothing -----------------------------------------------------------------
check_dry_run() {
	state . >"$T/state.before"
	tree_state . >"$T/tree.before"
	run 0 mg dream --replay "$T/apply.json" --dry-run
	assert_contains "$T/out" "dream: create 1, update 1, merge 1, move 1"
	assert_contains "$T/out" "- move facts/e.md -> facts/epsilon.md: better name (memory:facts/e.md)"
	assert_contains "$T/out" "(dry-run, nothing written)"
	assert_contains "$T/err" "dry run: nothing was written"
	state . >"$T/state.after"
	tree_state . >"$T/tree.after"
	assert_same_file "$T/state.after" "$T/state.before" "a dry run wrote to the repository"
	assert_same_file "$T/tree.after" "$T/tree.before" "a dry run changed the work tree"
}
soft "dry run" check_dry_run

# ---- refusals --------------------------------------------------------------------------------
cat >"$T/refuse.json" <<'EOF'
{"edits": [
 {"kind": "update", "path": "prefs/pinned.md", "content": "x\n", "rationale": "r", "evidence": ["cc-11111111#0"]},
 {"kind": "create", "path": "../x.md", "content": "x\n", "rationale": "r", "evidence": ["cc-11111111#0"]},
 {"kind": "create", "path": "notes/s.md", "content": "aws AKIAQWERTYUIOPASDFGH\n", "rationale": "r", "evidence": ["cc-11111111#0"]},
 {"kind": "create", "path": "notes/e1.md", "content": "x\n", "rationale": "r", "evidence": ["cc-99999999#0"]},
 {"kind": "create", "path": "notes/e2.md", "content": "x\n", "rationale": "r", "evidence": ["cc-11111111#7"]},
 {"kind": "create", "path": "notes/e3.md", "content": "x\n", "rationale": "r", "evidence": ["memory:notes/zz.md"]},
 {"kind": "update", "path": "notes/zz.md", "content": "x\n", "rationale": "r", "evidence": ["cc-11111111#0"]},
 {"kind": "create", "path": "notes/a.md", "content": "x\n", "rationale": "r", "evidence": ["cc-11111111#0"]}
]}
EOF
check_refusals() {
	state . >"$T/state.before"
	run 1 mg dream --replay "$T/refuse.json"
	assert_one_line_error
	assert_contains "$T/err" "memgit: nothing to dream"
	assert_contains "$T/err" "no proposed edit is valid (8 refused)"
	assert_contains "$T/out" "refused update prefs/pinned.md: pinned: 'prefs/pinned.md' is pinned"
	assert_contains "$T/out" "refused create ../x.md: path: invalid memory path '../x.md'"
	assert_contains "$T/out" "refused create notes/s.md: secret: secret found 'notes/s.md': line 1: aws-access-key-id"
	assert_contains "$T/out" "session 'cc-99999999' is not an input of this dream"
	assert_contains "$T/out" "event 7 is past the end of session 'cc-11111111' (3 events)"
	assert_contains "$T/out" "no memory 'notes/zz.md' in the base"
	assert_contains "$T/out" "refused update notes/zz.md: precondition: no memory 'notes/zz.md' in the base"
	assert_contains "$T/out" "refused create notes/a.md: precondition: 'notes/a.md' already exists"
	state . >"$T/state.after"
	assert_same_file "$T/state.after" "$T/state.before" "a dream with nothing to change wrote something"
	no_trace . AKIAQWERTYUIOPASDFGH
	# the same through --json: the refused edits on stdout, the error on stderr
	run 1 mg dream --replay "$T/refuse.json" --json
	assert_eq "$(jq -r '.status + " " + (.refused | tostring) + " " + (.branch | tostring)' "$T/out")" "empty 8 null"
	assert_eq "$(jq -r '.edits[0].refused | split(":")[0]' "$T/out")" pinned
}
soft "refusals" check_refusals

# a budget of one removal (6 memories x 0.25): the second is refused
check_budget() {
	cat >"$T/budget.json" <<'EOF'
{"edits": [
 {"kind": "delete", "path": "notes/b.md", "rationale": "r", "evidence": ["memory:notes/b.md"]},
 {"kind": "delete", "path": "notes/c.md", "rationale": "r", "evidence": ["memory:notes/c.md"]},
 {"kind": "update", "path": "notes/b.md", "content": "x\n", "rationale": "r", "evidence": ["memory:notes/b.md"]}
]}
EOF
	run 0 mg dream --replay "$T/budget.json" --json --no-grade
	assert_eq "$(jq -r '.edits | map(.refused // "applied" | split(":")[0]) | join(",")' "$T/out")" \
		"applied,budget,duplicate"
}
soft "deletion budget" check_budget

# ---- review -------------------------------------------------------------------------------------
check_review() {
	run 0 mg review "$ID"
	assert_contains "$T/out" "dream $ID (proposed)"
	assert_contains "$T/out" "created notes/new.md"
	assert_contains "$T/out" '      #0 user text: "event 0 of 11111111"'
	assert_contains "$T/out" "+++ b/memories/notes/new.md"
	assert_contains "$T/out" "moved facts/e.md -> facts/epsilon.md"
	run 0 mg review "$ID" --markdown
	assert_contains "$T/out" "## Dream \`$ID\`"
	assert_contains "$T/out" "| updated | \`notes/a.md\` | alpha changed |"
	assert_contains "$T/out" '```diff'
	run 0 mg review "${ID:0:21}" --json
	jq -e '(.changes | length) == 4 and (.refusals | length) == 0' "$T/out" >/dev/null ||
		{ cat "$T/out"; fail "review --json"; }
	assert_eq "$(jq -r '.changes[0].evidence[0].excerpts | map(.text) | join("|")' "$T/out")" \
		"event 0 of 11111111|event 1 of 11111111|event 2 of 11111111"
	assert_eq "$(jq -r '.changes[1].change' "$T/out")" updated
	run 2 mg review "$ID" --json --markdown
	run 3 mg review 19991231T000000Z-000000
	assert_one_line_error
	run 2 mg review
}
soft "review" check_review

# ---- dreams, merge, blame, log ---------------------------------------------------------------------
check_after_merge() {
	git branch dream/experiment main # made by hand: not a dream, not listed
	run 0 mg dreams
	assert_not_contains "$T/out" experiment
	assert_contains "$T/out" "$ID  2026-11-20T12:00:00Z  base $(git rev-parse --short=7 main)  3 sessions  4 edits  proposed"
	git merge -q --ff-only "dream/$ID"
	run 0 mg dreams --json
	assert_eq "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' "$T/out")" merged
	run 0 mg blame notes/new.md
	assert_contains "$T/out" "dream    $ID (dreamer replay)"
	assert_contains "$T/out" "why      new fact seen"
	assert_contains "$T/out" "sessions cc-11111111 (agent agent-one)"
	run 0 mg blame memories/notes/a.md --json
	assert_eq "$(jq -r '.dream + " " + .sessions[0].id + " " + .sessions[0].agent' "$T/out")" \
		"$ID cc-22222222 agent-two"
	run 0 mg blame prefs/pinned.md
	assert_contains "$T/out" "dream    none (not written by a dream)"
	run 3 mg blame notes/d.md
	run 0 mg log -n 1
	assert_contains "$T/out" "[dream $ID] [sessions cc-33333333 cc-11111111 cc-22222222]"
	# the merged dream consumed its sessions: the next one has none
	run 1 mg dream --replay "$T/refuse.json" --json
	assert_eq "$(jq -r '.sessions | length' "$T/out")" 0
}
soft "dreams, blame and log after a merge" check_after_merge

# ---- usage -------------------------------------------------------------------------------------------
check_usage() {
	run 2 mg dream --sessions 2 --session cc-11111111
	run 2 mg dream --sessions 0
	run 2 mg dream extra
	run 2 mg dream --dreamer builtin --replay "$T/apply.json"
	run 3 mg dream --dreamer oracle
	assert_one_line_error
	run 3 mg dream --replay "$T/apply.json" --session cc-00000000
	assert_contains "$T/err" "no such session 'cc-00000000'"
	run 3 mg dream --replay "$T/nonexistent.json"
	run 0 mg dream --help
	assert_contains "$T/out" "usage: memgit dream"
}
soft "usage" check_usage

# ---- killed at random moments: never a branch without its note ------------------------------------------
check_kill_rounds() {
	local k=$T/killed i pid b
	store "$k"
	cd "$k"
	{
		printf '{"edits": ['
		for ((i = 0; i < 150; i++)); do
			printf '%s{"kind": "create", "path": "bulk/n%03d.md", "content": "note %d\\n", "rationale": "r", "evidence": ["cc-22222222#%d"]}' \
				"$([ $i -gt 0 ] && echo ,)" "$i" "$i" "$((i % 5))"
		done
		printf ']}\n'
	} >"$T/bulk.json"
	for ((i = 0; i < 20; i++)); do
		mg -q dream --replay "$T/bulk.json" >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '0.%03d' $((RANDOM % 120)))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		for b in $(git for-each-ref --format='%(refname)' refs/heads/dream); do
			git notes --ref=memgit show "$b" >/dev/null 2>&1 || fail "round $i: $b has no note"
		done
	done
	run 0 mg dream --replay "$T/bulk.json"
	id=$(sed -n '1s/^dream \([^ ]*\) on branch.*/\1/p' "$T/out")
	git notes --ref=memgit show "dream/$id" | jq -e '.applied == 150' >/dev/null || fail "rerun note"
	fsck_clean .
	worktree_in_step .
	cd "$S"
}
soft "kill -9 rounds" check_kill_rounds

# ---- the builtin dreamer on the shipped demo ----------------------------------------------------------
check_builtin() {
	local demo=$T/demo f
	new_store "$demo"
	cd "$demo"
	for f in "$MEMGIT_FIXTURES"/../../templates/demo/memories/*/*.md; do
		mg -q put "$(basename "$(dirname "$f")")/$(basename "$f")" -F "$f"
	done
	mg -q session add "$MEMGIT_FIXTURES"/../../templates/demo/sessions
	# the demo plants an expired fact, a recurring failure, a workflow and preferences
	run 0 mg dream
	id=$(sed -n '1s/^dream \([^ ]*\) on branch.*/\1/p' "$T/out")
	assert_contains "$T/out" "dreamer builtin, 4 sessions"
	assert_eq "$(git log -1 --format='%(trailers:key=Dream-Dreamer,valueonly)' "dream/$id")" builtin
	git notes --ref=memgit show "dream/$id" | jq -e '.dreamer == "builtin" and .applied > 0' >/dev/null ||
		fail "builtin dream note"
	fsck_clean .
	run 0 mg review "$id" --markdown
	assert_contains "$T/out" "## Dream \`$id\`"
	# the same inputs give the same edits: a dry run proposes what was committed
	run 0 mg dream --dry-run --json
	jq -r .message "$T/out" | sed '/^Dream-Id:/d' >"$T/again"
	git log -1 --format=%B "dream/$id" | sed '/^Dream-Id:/d' >"$T/first"
	assert_same_file "$T/again" "$T/first" "the builtin dreamer is not deterministic"
	# a merge target written after the sessions keeps its newer `updated`
	# (the dream's time comes from its inputs; it once moved the stamp back)
	before=$(git show "main:memories/notes/tests-before-commit.md" | sed -n 's/^updated: //p')
	after=$(git show "dream/$id:memories/notes/tests-before-commit.md" | sed -n 's/^updated: //p')
	assert_eq "$after" "$before" "updated of the merge target"
	git merge -q --ff-only "dream/$id"
	run 0 mg log -n 1
	assert_contains "$T/out" "[dream $id] [sessions cc-4d5611e5 cc-a42b9c92 cc-c7e19f3a +1]"
	cd "$S"
}
soft "builtin dreamer smoke" check_builtin

fsck_clean "$S"
finish
