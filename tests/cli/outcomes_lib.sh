# outcomes_lib.sh: helpers for test_outcomes.sh and test_outcomes_merge.sh
# (sourced after lib.sh): the demo store, replay dreams with known edits,
# and what a grade or a merge must have left.

DEMO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../templates/demo" && pwd)
PINNED=preferences/commit-messages.md

# demo_store DIR: memgit init, the 8 demo memories, the 4 demo sessions
demo_store() {
	new_store "$1"
	(
		cd "$1"
		mg -q import "$DEMO/memories"
		mg -q session add "$DEMO/sessions"
	) >/dev/null
}

# fm ID KIND TITLE BODY: a markdown memory with the keys the grader's
# valid_front_matter wants of a dream's content (id, kind, created)
fm() { printf -- '---\nid: %s\ntitle: %s\nkind: %s\ncreated: 2026-11-20T12:00:00Z\n---\n%s\n' "$1" "$3" "$2" "$4"; }

# edit KIND PATH CONTENT EVIDENCE...: one edit as JSON (CONTENT "" for none)
edit() {
	local kind=$1 path=$2 content=$3
	shift 3
	jq -cn --arg k "$kind" --arg p "$path" --arg c "$content" '$ARGS.positional as $ev |
		{kind: $k, path: $p, rationale: ("planted " + $k + " of " + $p), evidence: $ev} +
		(if $c == "" then {} else {content: $c} end)' --args "$@"
}

# replay NAME EDIT...: the replay file $T/NAME.json holding these edits
replay() {
	local name=$1
	shift
	printf '%s\n' "$@" | jq -s '{edits: .}' >"$T/$name.json"
}

dream_ids() { mg dreams --json | jq -r '.[].id' | sort; }

# dream NAME [OPTIONS...]: run the replay dreamer on $T/NAME.json (its exit
# status is not checked: a dream may grade itself and exit 1), keep its
# output in $T/NAME.out/.err and print the id of the one new dream
dream() {
	local name=$1 id
	shift
	dream_ids >"$T/ids.before"
	mg dream --dreamer replay --replay "$T/$name.json" "$@" >"$T/$name.out" 2>"$T/$name.err" || true
	! grep -q 'Sanitizer' "$T/$name.err" || { cat "$T/$name.err" >&2; fail "dream $name: sanitizer report"; }
	dream_ids >"$T/ids.after"
	id=$(comm -13 "$T/ids.before" "$T/ids.after")
	[ -n "$id" ] && [ "$(printf '%s\n' "$id" | wc -l)" = 1 ] ||
		{ cat "$T/$name.out" "$T/$name.err" >&2; fail "dream $name made no single new dream"; }
	printf '%s\n' "$id"
}

status_of() { mg dreams --json | jq -r --arg id "$1" '.[] | select(.id == $id) | .status'; }
note() { git notes --ref=memgit show "dream/$1"; }

# graded_fail ID CRITERION [GRADE OPTIONS...]: memgit grade exits 1 and
# names CRITERION as FAIL
graded_fail() {
	local id=$1 crit=$2
	shift 2
	run 1 mg grade "$id" "$@"
	grep -qE "^  FAIL $crit( |\$)" "$T/out" || { cat "$T/out"; fail "grade of $id does not FAIL $crit"; }
	assert_contains "$T/out" "dream $id: needs_revision"
}

# merge_refused ID: memgit merge exits 1, says not satisfied, main unchanged
merge_refused() {
	local before
	before=$(git rev-parse main)
	run 1 mg merge "$1"
	assert_contains "$T/err" "not satisfied"
	assert_eq "$(git rev-parse main)" "$before" "main moved on a refused merge of $1"
	assert_eq "$(status_of "$1")" proposed "status of $1 after a refused merge"
}

# set_dream_key KEY VALUE: memgit.yaml dream.KEY, committed on main with git
set_dream_key() {
	sed -i "s/^dream:\$/dream:\n  $1: $2/" memgit.yaml
	git commit -q -m "dream.$1 $2" memgit.yaml
}

# crit ID CRITERION FIELD: a field of the criterion in the dream's latest outcome
crit() { note "$1" | jq -r --arg c "$2" ".outcomes[-1].criteria[] | select(.id == \$c) | .$3"; }
