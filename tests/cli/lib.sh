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

# ---- helpers for test_commands, test_refuse, test_import_export, test_worktree

# Checks that should not hide the ones after them: soft NAME FN [ARGS...]
# runs FN in a subshell (with set -e); a failure is reported and counted,
# and finish fails the script at the end if any soft check failed.
SOFT_FAILED=0
soft() {
	local name=$1 rc=0
	shift
	set +e
	( set -e; "$@" )
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		echo "FAIL (continuing): $name" >&2
		SOFT_FAILED=$((SOFT_FAILED + 1))
	fi
}
finish() {
	[ "$SOFT_FAILED" -eq 0 ] || fail "$SOFT_FAILED check(s) failed (see FAIL lines above)"
	echo "ok: ${0##*/}"
}

# new_store DIR [init options...]: a fresh store, made quietly
new_store() {
	local d=$1
	shift
	run 0 mg -q init "$@" "$d"
}

# blob DIR PATH [BRANCH]: the bytes of BRANCH:PATH (default main) on stdout
blob() { git -C "$1" cat-file blob "${3:-main}:$2"; }

# assert_blob_is DIR PATH FILE [BRANCH]: BRANCH:PATH holds exactly FILE's bytes
assert_blob_is() {
	blob "$1" "$2" "${4:-main}" >"$T/blob.got" || fail "no $2 on ${4:-main} in $1"
	cmp -s "$T/blob.got" "$3" || { diff "$3" "$T/blob.got" || true; fail "$2 in $1 is not as expected"; }
}

# assert_same_file GOT WANT [what]: byte-for-byte equality, with a diff on failure
assert_same_file() {
	cmp -s "$1" "$2" || { diff "$2" "$1" || true; fail "${3:-$1 differs from $2}"; }
}

# git_reads_all DIR [BRANCH]: git fsck --strict, git log and git show of every
# commit of BRANCH succeed
git_reads_all() {
	local d=$1 br=${2:-main} c
	fsck_clean "$d"
	git -C "$d" log "$br" >/dev/null || fail "git log $br failed in $d"
	for c in $(git -C "$d" rev-list "$br"); do
		git -C "$d" show --stat "$c" >/dev/null || fail "git show $c failed in $d"
	done
}

# has_record WRITE_LOCK: the writer lock file names git lock files (a writer
# is mid-update, or died there); a finished write cuts it to one byte
has_record() { grep -qE '^(lock|lockif) ' "$1" 2>/dev/null; }

# worktree_in_step DIR [BRANCH]: git status --porcelain is empty and every
# file of BRANCH is checked out with the same bytes
worktree_in_step() {
	local d=$1 br=${2:-main} p st
	st=$(git -C "$d" status --porcelain --untracked-files=all)
	[ -z "$st" ] || { printf '%s\n' "$st"; fail "git status in $d is not clean"; }
	while IFS= read -r -d '' p; do
		git -C "$d" cat-file blob "$br:$p" | cmp -s - "$d/$p" ||
			fail "work-tree file '$p' differs from $br:$p"
	done < <(git -C "$d" ls-tree -r -z --name-only "$br")
}

# tree_state DIR: every file of the work tree (outside .git) with its checksum
tree_state() { (cd "$1" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0r md5sum); }

# refused DIR SUBJECT CMD...: CMD exits 3 with a one-line error that names
# SUBJECT, and neither DIR's repository nor its work tree changed
refused() {
	local d=$1 subject=$2
	shift 2
	state "$d" >"$T/state.before"
	tree_state "$d" >"$T/tree.before"
	run 3 "$@"
	assert_one_line_error
	assert_contains "$T/err" "$subject"
	state "$d" >"$T/state.after"
	tree_state "$d" >"$T/tree.after"
	cmp -s "$T/state.before" "$T/state.after" ||
		{ diff "$T/state.before" "$T/state.after" || true; fail "refused '$*' changed the repository"; }
	cmp -s "$T/tree.before" "$T/tree.after" ||
		{ diff "$T/tree.before" "$T/tree.after" || true; fail "refused '$*' changed the work tree"; }
}
