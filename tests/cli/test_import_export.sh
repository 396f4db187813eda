# test_import_export.sh: importing other tools' memory files (CLAUDE.md, a
# Claude Code memory folder, a Letta MemFS folder) in one commit each, and
# exporting the memory as a folder and as JSON, checked with git and jq.
. "$MEMGIT_TESTLIB"

FIX=
for d in "${MEMGIT_FIXTURES:-}" "$(dirname "$MEMGIT_TESTLIB")/../fixtures" "$(dirname "$0")/../fixtures"; do
	if [ -n "$d" ] && [ -d "$d/cli/import" ]; then
		FIX=$(cd "$d/cli/import" && pwd)
		break
	fi
done
[ -n "$FIX" ] || fail "cannot find tests/fixtures/cli/import (set MEMGIT_FIXTURES)"
ULID='^[0-9A-HJKMNP-TV-Z]{26}$'
NOW1=2026-01-01T10:00:00Z
NOW2=2026-01-02T10:00:00Z

# the sources, with the clutter real folders have
cp -R "$FIX" "$T/src"
CC=$T/src/claude-code/memory
LETTA=$T/src/letta/memory
printf 'hidden\n' >"$CC/.hidden.md"
printf '{"not": "memory"}\n' >"$CC/notes.json"
printf '#!/bin/sh\n' >"$CC/run.sh"
mkdir -p "$CC/.obsidian"
printf 'workspace\n' >"$CC/.obsidian/workspace.md"
printf 'sync: 1\n' >"$LETTA/system/.sync-state.yml"
printf '\211PNG\r\n' >"$LETTA/system/avatar.png"

fm_value() { sed -n "/^---\$/,/^---\$/s/^$2: //p" "$1" | head -n 1; }
body_of() { sed '1,/^---\r\{0,1\}$/d'; }
# expected SRC ID CREATED UPDATED: SRC as memgit imports it: its own front
# matter (or none) followed by id, created and updated
expected() {
	awk -v id="$2" -v c="$3" -v u="$4" '
		function ours() { print "id: " id; print "created: " c; print "updated: " u }
		NR == 1 && $0 != "---" { print "---"; ours(); print "---"; print; state = 2; next }
		NR == 1 { print; state = 1; next }
		state == 1 && $0 == "---" { ours(); print; state = 2; next }
		{ print }' "$1"
}
# check_imported SRC MEMORY CREATED UPDATED: the memory is SRC plus memgit's keys
check_imported() {
	blob "$S" "memories/$2" >"$T/got" || fail "memories/$2 was not imported"
	local id
	id=$(fm_value "$T/got" id)
	[[ $id =~ $ULID ]] || fail "memories/$2: id '$id'"
	expected "$1" "$id" "$3" "$4" >"$T/want"
	assert_same_file "$T/got" "$T/want" "memories/$2 is not $1 with id/created/updated added"
}

S=$T/store
new_store "$S"
cd "$S"

# ------------------------------------- CLAUDE.md + Claude Code, one commit
export MEMGIT_NOW=$NOW1
before=$(git rev-list --count main)
run 0 mg import "$T/src/CLAUDE.md" "$CC"
assert_eq "$(git rev-list --count main)" $((before + 1)) "one import, one commit"
git diff --name-status main^ main >"$T/got"
printf 'A\tmemories/%s\n' CLAUDE.md MEMORY.md feedback_testing.md project_release.md user_role.md >"$T/want"
assert_same_file "$T/got" "$T/want" "files imported from CLAUDE.md and the Claude Code folder"
for f in .hidden.md notes.json run.sh .obsidian; do
	assert_contains "$T/err" "$CC/$f"
done
assert_contains "$T/err" "imported 5 memories"
assert_not_contains "$T/err" "workspace.md"
check_imported "$T/src/CLAUDE.md" CLAUDE.md "$NOW1" "$NOW1"
for f in MEMORY.md feedback_testing.md project_release.md user_role.md; do
	check_imported "$CC/$f" "$f" "$NOW1" "$NOW1"
done
# front matter keys of the Claude Code files kept in order
assert_eq "$(blob "$S" memories/user_role.md | sed -n '2,4p' | cut -d: -f1 | tr '\n' ' ')" "name description type " "key order"
ids=$(for f in CLAUDE.md MEMORY.md feedback_testing.md project_release.md user_role.md; do
	blob "$S" "memories/$f" | sed -n 's/^id: //p'
done | sort -u | wc -l)
assert_eq "$ids" 5 "each imported memory has its own id"
blob "$S" memories/user_role.md | sed -n 's/^id: //p' >"$T/id.user_role"
worktree_in_step "$S"

# importing the same files at the same time changes nothing
before=$(git rev-list --count main)
state "$S" >"$T/s.before"
run 1 mg import "$T/src/CLAUDE.md" "$CC"
assert_contains "$T/err" "nothing to commit"
state "$S" >"$T/s.after"
assert_same_file "$T/s.after" "$T/s.before" "a re-import that changed nothing wrote"
# and later, when only `updated` would change
export MEMGIT_NOW=$NOW2
run 1 mg import "$T/src/CLAUDE.md" "$CC"
state "$S" >"$T/s.after"
assert_same_file "$T/s.after" "$T/s.before" "a later re-import of the same files wrote"
# one source changed: one memory updated, its id and created kept
printf 'Also: prefers examples over explanations.\n' >>"$CC/user_role.md"
run 0 mg import --json "$T/src/CLAUDE.md" "$CC"
assert_eq "$(jq -r .created "$T/out")" 0 "re-import created"
assert_eq "$(jq -r .updated "$T/out")" 1 "re-import updated"
assert_eq "$(jq -r .skipped "$T/out")" 4 "re-import skipped"
assert_eq "$(jq -r .commit "$T/out")" "$(git rev-parse main)" "import --json commit"
git diff --name-status main^ main >"$T/got"
printf 'M\tmemories/user_role.md\n' >"$T/want"
assert_same_file "$T/got" "$T/want" "re-import changed only the changed source"
assert_eq "$(blob "$S" memories/user_role.md | sed -n 's/^id: //p')" "$(cat "$T/id.user_role")" "re-import keeps the id"
check_imported "$CC/user_role.md" user_role.md "$NOW1" "$NOW2"
assert_eq "$(git rev-list --count main)" $((before + 1)) "re-import is one commit"

# ------------------------------------------------- Letta MemFS, --prefix
before=$(git rev-list --count main)
run 0 mg import --prefix letta "$LETTA"
assert_eq "$(git rev-list --count main)" $((before + 1)) "letta import is one commit"
git diff --name-status main^ main >"$T/got"
printf 'A\tmemories/letta/%s\n' notes/archive.md notes/scratch.txt system/human.md system/persona.md system/project/conventions.md >"$T/want"
assert_same_file "$T/got" "$T/want" "files imported from the Letta folder"
assert_contains "$T/err" "$LETTA/system/.sync-state.yml"
assert_contains "$T/err" "$LETTA/system/avatar.png"
for f in notes/archive.md system/human.md system/persona.md system/project/conventions.md; do
	check_imported "$LETTA/$f" "letta/$f" "$NOW2" "$NOW2"
done
assert_blob_is "$S" memories/letta/notes/scratch.txt "$LETTA/notes/scratch.txt"
run 0 mg ls letta/system
printf 'letta/system/human.md\nletta/system/persona.md\nletta/system/project/conventions.md\n' >"$T/want"
assert_same_file "$T/out" "$T/want" "ls of the imported Letta system folder"
worktree_in_step "$S"

# ----------------------------------------------------- --raw: byte for byte
mkdir -p "$T/rawsrc/deep/er"
printf -- '---\r\nname: crlf\r\n---\r\nwindows line endings\r\n' >"$T/rawsrc/crlf.md"
printf 'no final newline' >"$T/rawsrc/nonl.md"
printf 'project: memgit\nlist: [a, b]\n' >"$T/rawsrc/deep/er/conf.yaml"
printf -- '---\nname: odd\nweird_key: {a: [1, {b: 2}]}\n---\n\n\nbody after blank lines\n' >"$T/rawsrc/deep/odd.markdown"
before=$(git rev-list --count main)
run 0 mg import --raw --prefix raw "$T/rawsrc" "$CC" "$T/src/CLAUDE.md"
assert_eq "$(git rev-list --count main)" $((before + 1)) "raw import is one commit"
for f in crlf.md nonl.md deep/er/conf.yaml deep/odd.markdown; do
	assert_blob_is "$S" "memories/raw/$f" "$T/rawsrc/$f"
done
for f in MEMORY.md feedback_testing.md project_release.md user_role.md; do
	assert_blob_is "$S" "memories/raw/$f" "$CC/$f"
done
assert_blob_is "$S" memories/raw/CLAUDE.md "$T/src/CLAUDE.md"
worktree_in_step "$S"
# without --raw, YAML and text are still stored as given
run 0 mg import --prefix cooked "$T/rawsrc/deep/er/conf.yaml"
assert_blob_is "$S" memories/cooked/conf.yaml "$T/rawsrc/deep/er/conf.yaml"

# ------------------------------------------------- collisions and misses
mkdir -p "$T/d1" "$T/d2" "$T/d3"
printf 'one\n' >"$T/d1/same.md"
printf 'two\n' >"$T/d2/same.md"
printf 'three\n' >"$T/d3/Same.md"
refused "$S" "memories/same.md" mg import "$T/d1/same.md" "$T/d2/same.md"
refused "$S" "memories/same.md" mg import "$T/d1" "$T/d2"
refused "$S" "same.md" mg import "$T/d1" "$T/d3"
refused "$S" "memories/p/same.md" mg import --prefix p "$T/d1" "$T/d2/same.md"
run 0 mg -q put clash.md -m "x"$'\n'
printf 'clash\n' >"$T/d3/CLASH.md"
refused "$S" "CLASH.md" mg import --prefix . "$T/d3/CLASH.md"
refused "$S" "CLASH.md" mg import "$T/d3/CLASH.md"
refused "$S" "$T/none" mg import "$T/none"
mkdir -p "$T/empty/.git"
printf 'x\n' >"$T/empty/.git/HEAD.md"
printf 'x\n' >"$T/empty/a.json"
state "$S" >"$T/s.before"
run 1 mg import "$T/empty"
assert_contains "$T/err" "nothing to import"
state "$S" >"$T/s.after"
assert_same_file "$T/s.after" "$T/s.before" "an import of nothing wrote"
run 2 mg import
git_reads_all "$S"

# ------------------------------------------------------- export --format dir
N=$(git ls-tree -r --name-only main memories | wc -l)
run 0 mg export --format dir -o "$T/exp"
assert_contains "$T/err" "exported $N memories"
mkdir "$T/archive"
git archive main memories | tar -x -C "$T/archive"
diff -r "$T/archive/memories" "$T/exp" || fail "export --format dir differs from git archive"
assert_eq "$(find "$T/exp" -type f | wc -l)" "$N" "export wrote exactly the memories"
# a non-empty folder is refused and left alone
printf 'mine\n' >"$T/exp/mine.txt"
tree_state "$T/exp" >"$T/o.before"
refused "$S" "$T/exp" mg export --format dir -o "$T/exp"
tree_state "$T/exp" >"$T/o.after"
assert_same_file "$T/o.after" "$T/o.before" "a refused export touched the folder"
mkdir -p "$T/hidden-only"
touch "$T/hidden-only/.keep"
refused "$S" "$T/hidden-only" mg export --format dir -o "$T/hidden-only"
printf 'x' >"$T/a-file"
refused "$S" "$T/a-file" mg export --format dir -o "$T/a-file"
assert_eq "$(cat "$T/a-file")" x "a refused export overwrote a file"
# an empty folder, or one to be made
mkdir "$T/empty-out"
run 0 mg export --format dir -o "$T/empty-out"
diff -r "$T/archive/memories" "$T/empty-out" || fail "export into an empty folder"
run 0 mg export --format dir -o "$T/new/nested/out"
diff -r "$T/archive/memories" "$T/new/nested/out" || fail "export into a new nested folder"
run 2 mg export --format dir
run 2 mg export
run 2 mg export --format xml -o "$T/x"
[ ! -e "$T/x" ] || fail "a usage error created the output"

# ------------------------------------------------------ export --format json
run 0 mg export --format json
cp "$T/out" "$T/export.json"
jq -e . "$T/export.json" >/dev/null || fail "export --format json is not JSON"
assert_eq "$(jq -r .store "$T/export.json")" store "json store"
assert_eq "$(jq -r .branch "$T/export.json")" main "json branch"
assert_eq "$(jq -r .commit "$T/export.json")" "$(git rev-parse main)" "json commit"
jq -r '.memories[].path' "$T/export.json" >"$T/got"
run 0 mg ls
assert_same_file "$T/got" "$T/out" "json lists the memories ls lists"
while IFS= read -r p; do
	jq -j --arg p "$p" '.memories[] | select(.path == $p) | .content' "$T/export.json" >"$T/c"
	assert_blob_is "$S" "memories/$p" "$T/c"
	assert_eq "$(jq -r --arg p "$p" '.memories[] | select(.path == $p) | .blob' "$T/export.json")" \
		"$(git rev-parse "main:memories/$p")" "json blob of $p"
	case $p in
	*.md | *.markdown)
		if head -n 1 "$T/c" | tr -d '\r' | grep -qx -- '---'; then
			assert_eq "$(jq -r --arg p "$p" '.memories[] | select(.path == $p) | .front_matter | type' "$T/export.json")" object "front_matter of $p"
			body_of <"$T/c" >"$T/want"
		else
			assert_eq "$(jq -r --arg p "$p" '.memories[] | select(.path == $p) | .front_matter' "$T/export.json")" null "front_matter of $p"
			cp "$T/c" "$T/want"
		fi
		jq -j --arg p "$p" '.memories[] | select(.path == $p) | .body' "$T/export.json" >"$T/b"
		assert_same_file "$T/b" "$T/want" "json body of $p"
		;;
	esac
done <"$T/got"
uid=$(cat "$T/id.user_role")
assert_eq "$(jq -c '.memories[] | select(.path == "user_role.md") | .front_matter' "$T/export.json")" \
	"{\"name\":\"User role\",\"description\":\"senior C engineer, prefers terse answers\",\"type\":\"user\",\"id\":\"$uid\",\"created\":\"$NOW1\",\"updated\":\"$NOW2\"}" \
	"front_matter of user_role.md"
assert_eq "$(jq -c '.memories[] | select(.path == "letta/system/persona.md") | .front_matter | [.description, .limit, .read_only]' "$T/export.json")" \
	'["My persona and how I behave",2000,false]' "typed front_matter values"
assert_eq "$(jq -c '.memories[] | select(.path == "raw/deep/odd.markdown") | .front_matter.weird_key' "$T/export.json")" \
	'{"a":[1,{"b":2}]}' "nested front_matter values"
assert_eq "$(jq -r '.memories[] | select(.path == "raw/crlf.md") | .front_matter.name' "$T/export.json")" crlf "CRLF front matter"
run 0 mg export --format json -o "$T/e.json"
assert_same_file "$T/e.json" "$T/export.json" "export --format json -o FILE"
run 0 mg --json export --format json
assert_same_file "$T/out" "$T/export.json" "global --json export"

# ---------------------------------------------------------- in a bare store
B=$T/bare.git
new_store "$B" --bare
cd "$T"
run 0 mg -C "$B" import "$T/src/CLAUDE.md" "$CC"
run 0 mg -C "$B" import --prefix letta "$LETTA"
assert_eq "$(git -C "$B" rev-list --count main)" 3 "bare store: init + two imports"
run 0 mg -C "$B" export --format dir -o "$T/bare-out"
mkdir "$T/bare-archive"
git -C "$B" archive main memories | tar -x -C "$T/bare-archive"
diff -r "$T/bare-archive/memories" "$T/bare-out" || fail "bare export --format dir"
MEMGIT_DIR=$B run 0 mg export --format json
assert_eq "$(jq '.memories | length' "$T/out")" 10 "bare export --format json"
git_reads_all "$B"
git_reads_all "$S"
worktree_in_step "$S"
finish
