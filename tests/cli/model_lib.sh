# model_lib.sh: helpers for the model-dream CLI tests (test_dream_model*.sh),
# sourced after lib.sh. Each case starts its own tests/llm/model_server.py
# (a scripted loopback model API), points ANTHROPIC_BASE_URL / OPENAI_BASE_URL
# at it, and runs the real memgit with a fake but secret-looking key that
# must never reach an output, a file under .git, or the server's log.

ROOT=$(cd "$(dirname "$MEMGIT_TESTLIB")/../.." && pwd)
SERVER=$ROOT/tests/llm/model_server.py
DEMO=$ROOT/templates/demo
[ -f "$SERVER" ] && [ -d "$DEMO/sessions" ] || fail "no model server or demo at $ROOT"

# alnum N: N random letters and digits
alnum() { python3 -c 'import secrets, string, sys; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(int(sys.argv[1]))))' "$1"; }
KEY_A=sk-ant-api03-$(alnum 40)
KEY_O=sk-proj-$(alnum 48)
export ANTHROPIC_API_KEY=$KEY_A OPENAI_API_KEY=$KEY_O
unset MEMGIT_MODEL ANTHROPIC_BASE_URL OPENAI_BASE_URL

# servers are started in subshells (soft cases): their pids go to a file
: >"$T/pids"
trap 'while read -r p; do kill "$p" 2>/dev/null || true; done <"$T/pids"; rm -rf "$T"' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }

# serve NAME SCRIPT-JSON [server options...]: stop the last server, start a
# fresh one answering from the script (text); waits for the port line it
# prints. Sets PORT, CERT (--tls), LOG ($T/NAME.log), BODIES ($T/NAME.bodies)
# and the two base URLs.
SPID=
serve() {
	local name=$1
	printf '%s\n' "$2" >"$T/$name.json"
	shift 2
	stop_server
	LOG=$T/$name.log BODIES=$T/$name.bodies
	rm -rf "$LOG" "$BODIES"
	exec {SFD}< <(exec python3 "$SERVER" --script "$T/$name.json" --log "$LOG" --bodies "$BODIES" \
		--lifetime 120 "$@" 2>"$T/$name.err")
	SPID=$!
	echo "$SPID" >>"$T/pids"
	CERT=
	read -r -t 20 -u "$SFD" PORT CERT || { cat "$T/$name.err"; fail "model server $name did not start"; }
	export ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1
}
stop_server() {
	[ -n "$SPID" ] || return 0
	kill "$SPID" 2>/dev/null || true
	exec {SFD}<&-
	SPID=
}
# stats: the server's /stats
stats() { curl -sS --max-time 5 "http://127.0.0.1:$PORT/stats"; }
# roles: the roles of the logged requests, in order, one line
roles() { jq -r .role "$LOG" | tr '\n' ' ' | sed 's/ $//'; }
# nreq: how many model requests the server saw
nreq() { wc -l <"$LOG" | tr -d ' '; }
# gaps: the seconds between consecutive logged requests
gaps() { jq -s -r '[.[].ts] as $t | [range(1; $t | length) | ($t[.] - $t[. - 1])] | map(tostring) | join(" ")' "$LOG"; }
# between LO HI X: LO <= X <= HI (decimals)
between() { python3 -c 'import sys; lo, hi, x = map(float, sys.argv[1:]); sys.exit(not lo <= x <= hi)' "$@"; }

sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

# demo_store DIR: the demo memories and sessions in a fresh store; keeps its
# memgit.yaml in DIR.yaml for set_model
demo_store() {
	new_store "$1"
	(cd "$1" && mg -q import "$DEMO/memories" && mg -q session add "$DEMO/sessions") >/dev/null ||
		fail "cannot set up the demo store"
	cp "$1/memgit.yaml" "$1.yaml"
}

# set_model [LINE...]: memgit.yaml `model:` with these lines (none: no
# model section), committed on main with plain git (run inside a store)
set_model() {
	{
		cat "$PWD.yaml"
		if [ $# -gt 0 ]; then
			echo "model:"
			printf '  %s\n' "$@"
		fi
	} >memgit.yaml
	git diff --quiet memgit.yaml || git commit -q -m "model settings" memgit.yaml
}

dream_refs() { git for-each-ref --format='%(refname) %(objectname)' refs/heads/dream; }
# dream_id: the id in "dream ID on branch dream/ID (...)" of $T/out
dream_id() { sed -n 's/^dream \([^ ]*\) on branch dream\/\1 .*/\1/p' "$T/out"; }
trailer() { git log -1 --format="%(trailers:key=$2,valueonly)" "dream/$1"; }
note() { git notes --ref=memgit show "dream/$1"; }

# no_key FILE...: neither key in these files
no_key() {
	local f
	for f in "$@"; do
		! grep -qaF -- "$KEY_A" "$f" || fail "$f holds the anthropic key"
		! grep -qaF -- "$KEY_O" "$f" || fail "$f holds the openai key"
	done
}

# dream_ok DREAMER [memgit dream options...]: exit 0, a new dream branch,
# nothing on stderr, no key on stdout; DREAMER the Dream-Dreamer value;
# Dream-Prompt-Sha256 64 hex; git fsck --strict clean. Sets ID; the id is
# recorded in $T/ids.<store> for the final `memgit dreams` check. The
# dream is not graded: these tests are about the provider and what the
# model proposes (grading: test_dream_iterate.sh).
dream_ok() {
	local want=$1
	shift
	run 0 mg dream --no-grade "$@"
	no_key "$T/out" "$T/err"
	[ ! -s "$T/err" ] || { cat "$T/err"; fail "a dream that succeeded wrote to stderr"; }
	ID=$(dream_id)
	[ -n "$ID" ] || { cat "$T/out"; fail "no dream id in the output"; }
	echo "$ID" >>"$T/ids.${PWD##*/}"
	git rev-parse -q --verify "refs/heads/dream/$ID" >/dev/null || fail "no branch dream/$ID"
	assert_eq "$(trailer "$ID" Dream-Dreamer)" "$want" "Dream-Dreamer"
	[[ "$(trailer "$ID" Dream-Prompt-Sha256)" =~ ^[0-9a-f]{64}$ ]] ||
		fail "Dream-Prompt-Sha256 is '$(trailer "$ID" Dream-Prompt-Sha256)'"
	fsck_clean .
}

# dream_fails CODE TEXT... -- [memgit dream options...]: exit CODE, stderr
# exactly one line "memgit: ..." holding every TEXT, no new dream branch,
# no key on stdout or stderr.
dream_fails() {
	local code=$1 texts=() t
	shift
	while [ "$1" != -- ]; do texts+=("$1"); shift; done
	shift
	dream_refs >"$T/refs.before"
	run "$code" mg dream "$@"
	assert_one_line_error
	[ "$(head -c 8 "$T/err")" = "memgit: " ] || { cat "$T/err"; fail "stderr does not start with 'memgit: '"; }
	for t in "${texts[@]}"; do assert_contains "$T/err" "$t"; done
	no_key "$T/out" "$T/err"
	dream_refs >"$T/refs.after"
	assert_same_file "$T/refs.after" "$T/refs.before" "a failed dream left a dream branch"
}

# keys_nowhere STORE...: neither key under .git (files and the inflated
# objects), in any server log, request body or server stderr
keys_nowhere() {
	local d
	for d in "$@"; do
		no_trace "$d" "$KEY_A"
		no_trace "$d" "$KEY_O"
	done
	if grep -rqaF -e "$KEY_A" -e "$KEY_O" "$T" --include='*.log' --include='*.err' --include='*.json' 2>/dev/null; then
		fail "a server log, body or stderr holds a key"
	fi
}

# dreams_listed: `memgit dreams` lists exactly the dreams dream_ok recorded
dreams_listed() {
	run 0 mg dreams --json
	jq -r '.[].id' "$T/out" | sort >"$T/dreams.got"
	sort "$T/ids.${PWD##*/}" >"$T/dreams.want"
	assert_same_file "$T/dreams.got" "$T/dreams.want" "memgit dreams does not list just the successful dreams"
}

# mcase NAME FN: a soft case (lib.sh) whose server is stopped when it ends,
# passed or not (each case runs in a subshell: its server pid is its own);
# with MODEL_RESET set, it starts with no memgit.yaml `model:` section, so
# a case that failed half-way leaves no setting behind
MODEL_RESET=
mcase() {
	local name=$1
	shift
	soft "$name" with_server "$@"
}
with_server() {
	trap stop_server EXIT
	[ -z "$MODEL_RESET" ] || set_model
	"$@"
}
