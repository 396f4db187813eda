# lib.sh: shared helpers for the CLI tests. Each test script sources it,
# runs the real memgit binary ($MEMGIT) and checks results with the real git CLI.
set -euo pipefail

: "${MEMGIT:?run through ctest, which sets MEMGIT}"
T=$(mktemp -d "${TMPDIR:-/tmp}/memgit-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
# isolate from the machine's git configuration
export HOME=$T/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "memgit tests"
git config --global user.email "tests@memgit.invalid"
git config --global init.defaultBranch main
unset MEMGIT_DIR MEMGIT_NOW

fail() { echo "FAIL: $*" >&2; exit 1; }

# run CODE CMD...: run CMD, keep stdout in $T/out and stderr in $T/err,
# and fail unless it exits with CODE.
run() {
	local want=$1 got=0
	shift
	"$@" >"$T/out" 2>"$T/err" || got=$?
	if [ "$got" != "$want" ]; then
		echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
		fail "'$*' exited $got, expected $want"
	fi
}

mg() { "$MEMGIT" "$@"; }

assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', expected '$2'"; }
assert_contains() { grep -qF -- "$2" "$1" || { cat "$1"; fail "'$1' lacks '$2'"; }; }
assert_not_contains() { ! grep -qF -- "$2" "$1" || { cat "$1"; fail "'$1' holds '$2'"; }; }
# one-line error on stderr starting with "memgit: "
assert_one_line_error() {
	[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "stderr is not one line"; }
	assert_contains "$T/err" "memgit: "
}

# fsck_clean DIR: git fsck --strict agrees with what memgit wrote
fsck_clean() { git -C "$1" fsck --strict --no-progress >"$T/fsck" 2>&1 || { cat "$T/fsck"; fail "git fsck --strict failed in $1"; }; }

# state DIR: refs and every object id, to prove a refused command wrote nothing
state() {
	local gd
	gd=$(git -C "$1" rev-parse --git-dir)
	git -C "$1" for-each-ref --format='%(refname) %(objectname)'
	git -C "$1" cat-file --batch-all-objects --batch-check='%(objectname)'
	(cd "$1" && find "$gd" -type f ! -name 'write.lock' | sort | xargs -r md5sum)
}

# no_trace DIR TEXT: no object and no file under the git dir contains TEXT
no_trace() {
	local gd
	gd=$(cd "$1" && git rev-parse --absolute-git-dir)
	if git -C "$1" cat-file --batch-all-objects --batch 2>/dev/null | grep -qaF -- "$2"; then
		fail "an object in $1 contains the refused text"
	fi
	if grep -rqaF -- "$2" "$gd"; then
		fail "a file under $gd contains the refused text"
	fi
}
