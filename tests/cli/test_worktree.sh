# test_worktree.sh: a store with a work tree keeps the checked-out files of
# main in step with the branch, never overwrites a file changed by hand (it
# refuses, naming the file, and writes nothing), and a bare store supports
# every command.
. "$MEMGIT_TESTLIB"

W=$T/work
new_store "$W"
cd "$W"
for p in a.md b.md c.md sub/d.md sub/e.md; do
	run 0 mg -q put "$p" -m "$p body"$'\n'
done
worktree_in_step "$W"

# ------------------------------------------------ a file changed by hand
printf 'my own edit\n' >>memories/a.md
cp memories/a.md "$T/a.hand"
refused "$W" "memories/a.md" mg put a.md -m "overwrite"
assert_contains "$T/err" "changed by hand"
refused "$W" "memories/a.md" mg put a.md --kind note -m "a.md body"$'\n'
refused "$W" "memories/a.md" mg rm a.md
refused "$W" "memories/a.md" mg rm b.md a.md
refused "$W" "memories/a.md" mg mv a.md moved.md
mkdir -p "$T/imp"
printf 'imported over a\n' >"$T/imp/a.md"
printf 'imported b\n' >"$T/imp/b.md"
refused "$W" "memories/a.md" mg import "$T/imp"
refused "$W" "memories/a.md" mg import --raw "$T/imp/a.md"
assert_same_file memories/a.md "$T/a.hand" "the hand edit was overwritten"
git cat-file -e main:memories/b.md || fail "a refused rm of b.md and a.md removed b.md"
# staged but not committed is still changed by hand
git add memories/a.md
refused "$W" "memories/a.md" mg put a.md -m "overwrite"
git reset -q memories/a.md

# a memory not touched by the write may stay dirty
run 0 mg put b.md -m "b updated"$'\n'
run 0 mg rm c.md
run 0 mg mv sub/d.md sub/moved/d.md
run 0 mg put new.md -m "new"$'\n'
run 0 mg import --prefix imp "$T/imp"
assert_same_file memories/a.md "$T/a.hand" "an unrelated write touched the hand edit"
assert_eq "$(git status --porcelain --untracked-files=all)" " M memories/a.md" "only the hand edit is pending"
[ ! -e memories/c.md ] || fail "rm left memories/c.md in the work tree"
[ ! -e memories/sub/d.md ] && [ -f memories/sub/moved/d.md ] || fail "mv did not move the work-tree file"
# once the edit is discarded the work tree is in step again
git checkout -q -- memories/a.md
worktree_in_step "$W"
# once an edit is committed with plain git, memgit builds on it and the
# work tree follows (in a store of its own, so that a failure here does not
# disturb the checks that follow)
hand_commit() {
	local H=$T/hand
	new_store "$H"
	cd "$H"
	run 0 mg -q put a.md -m "a"$'\n'
	printf 'committed by hand\n' >>memories/a.md
	git commit -q -am "hand edit of a"
	run 0 mg put a.md -m "after the hand commit"$'\n'
	assert_not_contains "$T/err" "warning"
	blob "$H" memories/a.md | grep -qx 'after the hand commit' || fail "put after a hand commit"
	worktree_in_step "$H"
	printf 'again by hand\n' >memories/b.md
	git add memories/b.md
	git commit -q -m "hand add of b"
	run 0 mg mv b.md c.md
	assert_not_contains "$T/err" "warning"
	worktree_in_step "$H"
}
soft "after a memory is committed by hand with git, put/mv keep the work tree in step" hand_commit

# ------------------------------------------ an untracked file in the way
printf 'untracked notes\n' >memories/fresh.md
cp memories/fresh.md "$T/fresh.hand"
refused "$W" "memories/fresh.md" mg put fresh.md -m "fresh"
refused "$W" "memories/fresh.md" mg mv b.md fresh.md
printf 'fresh import\n' >"$T/fresh.md"
refused "$W" "memories/fresh.md" mg import "$T/fresh.md"
assert_same_file memories/fresh.md "$T/fresh.hand" "an untracked file was overwritten"
mkdir -p memories/folder.md
refused "$W" "memories/folder.md" mg put folder.md -m "x"
rmdir memories/folder.md
mkdir -p memories/newdir
printf 'untracked in a new folder\n' >memories/newdir/x.md
refused "$W" "memories/newdir/x.md" mg put newdir/x.md -m "x"
# other writes are fine; the untracked files stay untracked
run 0 mg put other.md -m "other"$'\n'
assert_eq "$(git status --porcelain --untracked-files=all | sort | tr '\n' ' ')" "?? memories/fresh.md ?? memories/newdir/x.md " "untracked files left alone"
rm -r memories/fresh.md memories/newdir
run 0 mg put fresh.md -m "fresh"$'\n'
worktree_in_step "$W"

# a file deleted by hand: rm of it is what the user wanted anyway, and a
# write to another memory does not bring it back
rm memories/b.md
run 0 mg put other.md -m "other again"$'\n'
[ ! -e memories/b.md ] || fail "an unrelated write restored a file deleted by hand"
run 0 mg rm b.md
worktree_in_step "$W"

# ------------------------------------- after every kind of write: in step
run 0 mg put Case.md -m "case"$'\n'
run 0 mg mv Case.md case.md
[ -f memories/case.md ] && ! ls memories | grep -qx Case.md || fail "case-only mv in the work tree"
run 0 mg put x/y/z/deep.md -m "deep"$'\n'
run 0 mg mv x/y/z/deep.md deep.md
[ ! -e memories/x ] || fail "moving the last file out of a folder left the empty folder"
run 0 mg rm sub/e.md sub/moved/d.md
[ ! -e memories/sub ] || fail "removing the last files of a folder left the empty folder"
printf -- '---\r\ntitle: crlf\r\n---\r\nbody\r\n' >"$T/crlf.md"
run 0 mg put crlf.md -F "$T/crlf.md"
run 0 mg import --raw --prefix raw "$T/crlf.md"
worktree_in_step "$W"
# memgit run from elsewhere, through MEMGIT_DIR=.git or -C a subfolder,
# still keeps the work tree in step
cd "$T"
MEMGIT_DIR=$W/.git run 0 mg put from-env.md -m "env"$'\n'
run 0 mg -C "$W/memories/raw" put from-sub.md -m "sub"$'\n'
[ -f "$W/memories/from-env.md" ] && [ -f "$W/memories/from-sub.md" ] || fail "writes from outside did not reach the work tree"
worktree_in_step "$W"
cd "$W"

# the checked-out branch is not the memory branch: the work tree is left
# alone and main still moves
git checkout -q -b side
run 0 mg put on-main.md -m "main only"$'\n'
git cat-file -e main:memories/on-main.md || fail "put while another branch is checked out"
[ ! -e memories/on-main.md ] || fail "memgit wrote into a work tree checked out on another branch"
[ -z "$(git status --porcelain --untracked-files=all)" ] || fail "the side branch's work tree changed"
git checkout -q main
worktree_in_step "$W"

# a file name longer than the file system allows (255 bytes) can be stored
# in git but never checked out: memgit must not commit what the work tree
# cannot follow
long_segment() {
	local name L=$T/long
	name=$(printf 'n%.0s' $(seq 300)).md
	new_store "$L"
	refused "$L" "nnnnnnnn" mg -C "$L" put "$name" -m "too long for a file system"
	worktree_in_step "$L"
}
soft "a 300-byte file name is refused in a store with a work tree (it is committed and git status is left dirty)" long_segment
git_reads_all "$W"

# ------------------------------------------------------- index formats
# memgit edits git's index in place when it can (src/core/gitindex.c) and
# hands it to libgit2 otherwise; either way git sees the work tree in step.
index_formats() {
	local X=$T/ix b
	new_store "$X"
	cd "$X"
	run 0 mg -q put a.md -m "a"$'\n'
	# a commit made with git leaves cached trees (TREE) in the index
	printf 'by hand\n' >memories/hand.md
	git add memories/hand.md
	git commit -qm "by hand"
	grep -q TREE .git/index || fail "git left no cached trees to test with"
	run 0 mg put b.md -m "b"$'\n'
	worktree_in_step "$X"
	[ "$(git write-tree)" = "$(git rev-parse 'main^{tree}')" ] || fail "the index's tree is not main's"
	# index version 4 (path compression): libgit2 writes it
	git update-index --index-version 4
	run 0 mg put c.md -m "c"$'\n'
	assert_not_contains "$T/err" "warning"
	worktree_in_step "$X"
	[ "$(od -An -tx1 -j7 -N1 .git/index | tr -d ' ')" = 04 ] || fail "the index is no longer version 4"
	git update-index --index-version 2
	# a split index: libgit2 cannot read it; the commit stands, exit 0,
	# the work tree is said to be stale, and the next write catches up
	git update-index --split-index
	run 0 mg put d.md -m "d"$'\n'
	assert_contains "$T/err" "warning: work tree and index not brought up to date: unsupported mandatory extension"
	git cat-file -e main:memories/d.md || fail "the write was lost behind an unreadable index"
	git update-index --no-split-index
	run 0 mg put e.md -m "e"$'\n'
	assert_not_contains "$T/err" "warning"
	worktree_in_step "$X"
	# a path in conflict is the user's: left alone, said so
	b=$(git rev-parse :memories/b.md)
	printf '0 %s\tmemories/b.md\n100644 %s 1\tmemories/b.md\n100644 %s 2\tmemories/b.md\n' \
		0000000000000000000000000000000000000000 "$b" "$b" | git update-index --index-info
	run 0 mg put b.md -m "b2"$'\n'
	assert_contains "$T/err" "memories/b.md' not updated"
	git cat-file -e main:memories/b.md && [ "$(git ls-files -s memories/b.md | wc -l)" -eq 2 ] ||
		fail "the conflict in the index was touched"
	git fsck --strict --no-dangling 2>"$T/fsck" || { cat "$T/fsck"; fail "git fsck"; }
	cd "$W"
}
index_formats

# a `git add` made while a put runs, just before memgit takes index.lock: the
# index was replaced since memgit read it, so memgit reads it again and
# both changes are staged (a shim runs the git add inside link(2))
git_add_meanwhile() {
	local X=$T/meanwhile cc=${CC:-cc}
	command -v "$cc" >/dev/null || { echo "no C compiler: skipped the git-add-meanwhile check"; return 0; }
	"$cc" -shared -fPIC -o "$T/link_hook.so" "$(dirname "$MEMGIT_TESTLIB")/shims/link_hook.c" -ldl ||
		fail "cannot build the link shim"
	new_store "$X"
	cd "$X"
	run 0 mg -q put a.md -m "a"$'\n'
	printf 'mine\n' >theirs.txt
	LD_PRELOAD=$T/link_hook.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		MEMGIT_TEST_LINK_SUFFIX=/index.lock MEMGIT_TEST_LINK_RUN="git -C '$X' add theirs.txt" \
		run 0 mg put b.md -m "b"$'\n'
	assert_not_contains "$T/err" "warning"
	assert_eq "$(git status --porcelain)" "A  theirs.txt" "the git add made during the put"
	git cat-file -e main:memories/b.md || fail "the put"
	[ "$(git ls-files -s memories/b.md | cut -d' ' -f2)" = "$(git rev-parse main:memories/b.md)" ] ||
		fail "memories/b.md is not staged at main's version"
	cd "$W"
}
git_add_meanwhile

# -------------------------------------------- a bare store, every command
B=$T/bare.git
new_store "$B" --bare
cd "$B"
run 0 mg put a.md --kind fact --tag t -m "bare a"$'\n'
run 0 mg put b.yaml -m "k: v"$'\n'
run 0 mg show a.md
blob "$B" memories/a.md >"$T/want"
assert_same_file "$T/out" "$T/want" "bare show"
run 0 mg show --json a.md
assert_eq "$(jq -r .front_matter.kind "$T/out")" fact "bare show --json"
run 0 mg ls
printf 'a.md\nb.yaml\n' >"$T/want"
assert_same_file "$T/out" "$T/want" "bare ls"
run 0 mg ls --long --json
assert_eq "$(jq -r '.[0].kind' "$T/out")" fact "bare ls --long --json"
run 0 mg mv a.md c.md
run 0 mg rm b.yaml
run 0 mg import "$T/imp"
run 0 mg log
assert_eq "$(wc -l <"$T/out")" "$(git rev-list --count main)" "bare log"
run 0 mg log --json c.md
assert_eq "$(jq length "$T/out")" 1 "bare log PATH"
run 0 mg export --format dir -o "$T/bare-exp"
assert_eq "$(cd "$T/bare-exp" && find . -type f | sort | tr '\n' ' ')" "./a.md ./b.md ./c.md " "bare export --format dir"
run 0 mg export --format json
assert_eq "$(jq '.memories | length' "$T/out")" 3 "bare export --format json"
refused "$B" "nope.md" mg rm nope.md
refused "$B" "already a memgit store" mg init --bare "$B"
run 3 mg init "$B"
cd "$T"
MEMGIT_DIR=$B run 0 mg put env.md -m "env"$'\n'
run 0 mg -C "$B" put c-flag.md -m "c"$'\n'
run 0 mg -C "$B" ls
printf 'a.md\nb.md\nc-flag.md\nc.md\nenv.md\n' >"$T/want"
assert_same_file "$T/out" "$T/want" "bare store through MEMGIT_DIR and -C"
[ ! -e "$B/memories" ] && [ ! -e "$B/memgit.yaml" ] || fail "memgit checked files out into a bare store"
assert_eq "$(git -C "$B" rev-parse --is-bare-repository)" true "still bare"
git_reads_all "$B"
finish
