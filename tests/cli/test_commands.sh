# test_commands.sh: every command of the memory CLI, end to end, checked
# against the real git CLI: exact outputs, exit codes, the files on main,
# and that git reads every commit memgit wrote.
. "$MEMGIT_TESTLIB"

ULID='^[0-9A-HJKMNP-TV-Z]{26}$'
NOW1=2026-01-02T03:04:05Z
NOW2=2026-02-03T04:05:06Z
NOW3=2026-03-04T05:06:07Z

# fm_value FILE KEY: the value of a top-level front-matter key
fm_value() { sed -n "/^---\$/,/^---\$/s/^$2: //p" "$1" | head -n 1; }
# body_of: standard input without its front matter
body_of() { sed '1,/^---$/d'; }

# ---------------------------------------------------------------- globals
run 0 mg --version
grep -qxE 'memgit [0-9]+\.[0-9]+\.[0-9]+' "$T/out" || { cat "$T/out"; fail "--version output"; }
[ ! -s "$T/err" ] || fail "--version wrote to stderr"

run 0 mg --help
assert_contains "$T/out" "usage: memgit"
for c in init put show ls rm mv log import export; do
	assert_contains "$T/out" "  $c "
done

run 2 mg
assert_contains "$T/err" "usage: memgit"

run 2 mg frob
assert_one_line_error
assert_contains "$T/err" "'frob'"

run 2 mg --frob ls
assert_contains "$T/err" "'--frob'"
global_hint() {
	run 2 mg --frob ls
	assert_contains "$T/err" "(see 'memgit --help')"
}
soft "an unknown global option points at 'memgit --help' (it prints 'memgit  --help')" global_hint

# --help and -h on every command exit 0 with the command's usage on stdout,
# even where there is no store
mkdir -p "$T/nowhere"
for c in init put show ls rm mv log import export; do
	for h in --help -h; do
		run 0 mg -C "$T/nowhere" "$c" "$h"
		head -n 1 "$T/out" | grep -q "^usage: memgit $c" || { cat "$T/out"; fail "'$c $h' does not print its usage"; }
		[ ! -s "$T/err" ] || { cat "$T/err"; fail "'$c $h' wrote to stderr"; }
	done
done

# not a store: exit 3, one line, nothing created
run 3 mg -C "$T/nowhere" ls
assert_one_line_error
run 3 mg -C "$T/nowhere" put x.md -m x
assert_one_line_error
[ -z "$(ls -A "$T/nowhere")" ] || fail "a refused command wrote into a folder that is not a store"
git init -q "$T/plaingit"
run 3 mg -C "$T/plaingit" ls
assert_one_line_error
assert_contains "$T/err" "memgit.yaml"
MEMGIT_DIR=$T/nowhere run 3 mg show x.md
assert_one_line_error
run 3 mg -C "$T/does-not-exist" ls
assert_one_line_error

# ------------------------------------------------------------------- init
S=$T/store
run 0 mg init "$S"
[ ! -s "$T/out" ] || fail "init wrote to stdout without --json"
assert_contains "$T/err" "branch main"
assert_eq "$(git -C "$S" rev-parse --is-bare-repository)" false "init makes a work tree"
assert_eq "$(git -C "$S" symbolic-ref HEAD)" refs/heads/main "HEAD"
assert_eq "$(git -C "$S" rev-list --count main)" 1 "init commits once"
assert_eq "$(git -C "$S" ls-tree -r --name-only main | tr '\n' ' ')" "memgit.yaml rubrics/default.yaml " "scaffold"
assert_eq "$(git -C "$S" log -1 --format='%an <%ae>' main)" "memgit tests <tests@memgit.invalid>" "init author"
blob "$S" memgit.yaml | grep -qx 'name: "store"' || fail "memgit.yaml does not name the store after its folder"
worktree_in_step "$S"

# init twice: refused, nothing changed
refused "$S" "already a memgit store" mg init "$S"
refused "$S" "already a memgit store" mg -C "$S" init

# --json
run 0 mg --json init --name custom "$T/j"
assert_eq "$(jq -r .branch "$T/out")" main "init --json branch"
assert_eq "$(jq -r .commit "$T/out")" "$(git -C "$T/j" rev-parse main)" "init --json commit"
blob "$T/j" memgit.yaml | grep -qx 'name: "custom"' || fail "init --name"

# --bare
run 0 mg init --bare "$T/bare.git"
assert_eq "$(git -C "$T/bare.git" rev-parse --is-bare-repository)" true "init --bare"
assert_eq "$(git -C "$T/bare.git" ls-tree -r --name-only main | tr '\n' ' ')" "memgit.yaml rubrics/default.yaml " "bare scaffold"
[ ! -e "$T/bare.git/memgit.yaml" ] || fail "init --bare checked files out"
refused "$T/bare.git" "already a memgit store" mg init --bare "$T/bare.git"

# --branch other
run 0 mg init --branch other "$T/other"
assert_eq "$(git -C "$T/other" symbolic-ref HEAD)" refs/heads/other "init --branch HEAD"
git -C "$T/other" rev-parse -q --verify refs/heads/main >/dev/null && fail "init --branch other also made main"
run 0 mg -C "$T/other" put x.md -m "on other"
assert_eq "$(git -C "$T/other" rev-list --count other)" 2 "put writes the configured branch"
git -C "$T/other" cat-file -e other:memories/x.md || fail "memory not on branch other"
git -C "$T/other" rev-parse -q --verify refs/heads/main >/dev/null && fail "put on a --branch store made main"
run 0 mg -C "$T/other" ls
assert_eq "$(cat "$T/out")" "x.md" "ls on --branch store"
worktree_in_step "$T/other" other
refused "$T/other" "already a memgit store" mg init --branch other "$T/other"

# init in an existing git repository adds one scaffold commit on top
G=$T/existing
git init -q "$G"
echo "hello" >"$G/README"
git -C "$G" add README
git -C "$G" commit -q -m "first"
first=$(git -C "$G" rev-parse HEAD)
run 0 mg -C "$G" init
assert_eq "$(git -C "$G" rev-list --count main)" 2 "init in an existing repo"
assert_eq "$(git -C "$G" rev-parse main^)" "$first" "scaffold commit's parent"
assert_eq "$(git -C "$G" ls-tree -r --name-only main | tr '\n' ' ')" "README memgit.yaml rubrics/default.yaml " "existing files kept"
worktree_in_step "$G"
git_reads_all "$G"

# MEMGIT_DIR names where init creates the store
MEMGIT_DIR=$T/envstore run 0 mg init
git -C "$T/envstore" cat-file -e main:memgit.yaml || fail "init under MEMGIT_DIR"

# -------------------------------------------------------------------- put
cd "$S"
export MEMGIT_NOW=$NOW1
run 0 mg put a/x.md --kind fact --tag a,b --tag c --pin --title "A title" -F - <<'EOF'
hello
EOF
[ ! -s "$T/out" ] || fail "put wrote to stdout without --json"
grep -qE '^created memories/a/x\.md \([0-9a-f]{7}\)$' "$T/err" || { cat "$T/err"; fail "put's report"; }
blob "$S" memories/a/x.md >"$T/x1"
id=$(fm_value "$T/x1" id)
[[ $id =~ $ULID ]] || fail "id '$id' is not a ULID"
cat >"$T/want" <<EOF
---
id: $id
title: A title
kind: fact
tags: [a, b, c]
pinned: true
created: $NOW1
updated: $NOW1
---
hello
EOF
assert_same_file "$T/x1" "$T/want" "put with every option"
assert_eq "$(git log -1 --format=%s main)" "memory: create a/x.md" "put commit subject"
assert_eq "$(git log -1 --format='%an <%ae> %aI' main)" "memgit tests <tests@memgit.invalid> 2026-01-02T03:04:05+00:00" "put author and MEMGIT_NOW"
assert_eq "$(git rev-list --count main)" 2 "one commit per put"
worktree_in_step "$S"

# an update keeps id and created, sets updated, replaces the body
export MEMGIT_NOW=$NOW2
run 0 mg put memories/a/x.md -m "hello again"$'\n'
sed -e "s/^updated: .*/updated: $NOW2/" -e 's/^hello$/hello again/' "$T/want" >"$T/want2"
assert_blob_is "$S" memories/a/x.md "$T/want2"
grep -qE '^updated memories/a/x\.md \([0-9a-f]{7}\)$' "$T/err" || { cat "$T/err"; fail "put update report"; }
assert_eq "$(git log -1 --format=%s main)" "memory: update a/x.md" "update subject"

# --no-pin and --kind change just those keys
run 0 mg put /memories/a/x.md --no-pin --kind note -m "hello again"$'\n'
sed -e 's/^pinned: true$/pinned: false/' -e 's/^kind: fact$/kind: note/' "$T/want2" >"$T/want3"
assert_blob_is "$S" memories/a/x.md "$T/want3"

# identical content -> exit 1 "nothing to commit", no commit; at the same
# time (the file would be byte-identical) and later (only `updated` would
# change, which is no change to the memory)
nothing_to_commit() {
	state "$S" >"$T/s.before"
	run 1 "$@"
	assert_contains "$T/err" "nothing to commit"
	assert_one_line_error
	state "$S" >"$T/s.after"
	assert_same_file "$T/s.after" "$T/s.before" "a put that changed nothing wrote to the store"
}
nothing_to_commit mg put a/x.md -m "hello again"$'\n'
nothing_to_commit mg put a/x.md --kind note -m "hello again"$'\n'
blob "$S" memories/a/x.md >"$T/same.md"
nothing_to_commit mg put a/x.md -F "$T/same.md"
export MEMGIT_NOW=$NOW3
nothing_to_commit mg put a/x.md -m "hello again"$'\n'
nothing_to_commit mg put a/x.md -F "$T/same.md"
# a new body at a later time changes the body and `updated`, nothing else
run 0 mg put a/x.md -m "hello, third"$'\n'
git diff -U0 main^ main -- memories/a/x.md | grep '^[-+][^-+]' >"$T/d"
printf -- '-updated: %s\n+updated: %s\n-hello again\n+hello, third\n' "$NOW2" "$NOW3" >"$T/want"
assert_same_file "$T/d" "$T/want" "an update's diff"

# -F FILE, -F - and plain standard input
printf 'from a file\nline two\n' >"$T/body.md"
run 0 mg put f.md -F "$T/body.md"
run 0 mg put dash.md -F - <"$T/body.md"
run 0 mg put stdin.md <"$T/body.md"
for p in f.md dash.md stdin.md; do
	blob "$S" "memories/$p" >"$T/got"
	body_of <"$T/got" >"$T/body.got"
	assert_same_file "$T/body.got" "$T/body.md" "body of $p"
	assert_eq "$(fm_value "$T/got" created)" "$NOW3" "created of $p"
	[[ $(fm_value "$T/got" id) =~ $ULID ]] || fail "id of $p"
done
[ "$(fm_value "$T/got" id)" != "$(fm_value <(blob "$S" memories/f.md) id)" ] || fail "two memories share an id"

# input with its own front matter: unknown keys, comments and nesting kept
# byte for byte and in order; memgit's keys are added after them
cat >"$T/own.md" <<'EOF'
---
zeta: 1
title: "Own title"
alpha: [x, y]   # a comment on a value
nested:
  deep: {a: 1, b: [2, 3]}
# a comment line
kind: procedure
---
Own body.
EOF
export MEMGIT_NOW=$NOW1
run 0 mg put own.md -F "$T/own.md"
blob "$S" memories/own.md >"$T/got"
oid=$(fm_value "$T/got" id)
[[ $oid =~ $ULID ]] || fail "id of own.md"
{ sed -n '1,8p' "$T/own.md"; printf 'id: %s\ncreated: %s\nupdated: %s\n' "$oid" "$NOW1" "$NOW1"; sed -n '9,$p' "$T/own.md"; } >"$T/want"
assert_same_file "$T/got" "$T/want" "put of a file with its own front matter"
# updating with a body only keeps every key, in order
export MEMGIT_NOW=$NOW2
run 0 mg put own.md -m "New body."$'\n'
sed -e "s/^updated: .*/updated: $NOW2/" -e 's/^Own body\.$/New body./' "$T/want" >"$T/want2"
assert_blob_is "$S" memories/own.md "$T/want2"
# updating with new front matter that lacks id/created keeps them
printf -- '---\ntitle: Replaced\n---\nReplaced body.\n' | run 0 mg put own.md
printf -- '---\ntitle: Replaced\nid: %s\ncreated: %s\nupdated: %s\n---\nReplaced body.\n' "$oid" "$NOW1" "$NOW2" >"$T/want"
assert_blob_is "$S" memories/own.md "$T/want"

# YAML and text memories are stored exactly as given
printf 'project: memgit\nlanguages: [c, sh]\n' >"$T/p.yaml"
run 0 mg put project.yaml -F "$T/p.yaml"
assert_blob_is "$S" memories/project.yaml "$T/p.yaml"
printf 'just text\n' >"$T/t.txt"
run 0 mg put notes/t.txt -F "$T/t.txt"
assert_blob_is "$S" memories/notes/t.txt "$T/t.txt"
nothing_to_commit mg put project.yaml -F "$T/p.yaml"
# front-matter options need a markdown memory
refused "$S" "'project.yaml'" mg put project.yaml --kind fact -F "$T/p.yaml"
refused "$S" "'notes/t.txt'" mg put notes/t.txt --tag x -F "$T/t.txt"
refused "$S" "'new.yml'" mg put new.yml --pin -m "a: 1"

# --json
run 0 mg put j.md --json -m "j"$'\n'
assert_eq "$(jq -r .path "$T/out")" j.md "put --json path"
assert_eq "$(jq -r .action "$T/out")" created "put --json action"
assert_eq "$(jq -r .commit "$T/out")" "$(git rev-parse main)" "put --json commit"
assert_eq "$(jq -r .parent "$T/out")" "$(git rev-parse main^)" "put --json parent"
run 0 mg --json put j.md -m "j2"$'\n'
assert_eq "$(jq -r .action "$T/out")" updated "put --json update"

# -q: silent on success
run 0 mg -q put quiet.md -m "q"$'\n'
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] || fail "-q put was not silent"

# usage errors: exit 2, nothing written
state "$S" >"$T/s.before"
run 2 mg put both.md -m x -F "$T/body.md"
run 2 mg put -m x
run 2 mg put a.md b.md -m x
run 2 mg put x.md -m
run 2 mg put x.md --frob -m x
assert_contains "$T/err" "--frob"
run 2 mg put x.md --kind
state "$S" >"$T/s.after"
assert_same_file "$T/s.after" "$T/s.before" "a usage error wrote to the store"
refused "$S" "$T/missing-file" mg put x.md -F "$T/missing-file"

# a body that happens to look like an option is still the body
dash_body() {
	run 0 mg put dash-h.md -m -h
	blob "$S" memories/dash-h.md | body_of | grep -qx -- '-h' ||
		fail "put -m -h did not store the body '-h'"
}
soft "put PATH -m -h stores '-h' (it prints help and writes nothing)" dash_body

# -m TEXT gives the same file as TEXT on standard input (a text file ends
# with a newline, as git notes/tag -m do)
m_newline() {
	run 0 mg put nl-m.md -m "same body"
	echo "same body" | run 0 mg put nl-stdin.md
	blob "$S" memories/nl-m.md | body_of >"$T/a"
	blob "$S" memories/nl-stdin.md | body_of >"$T/b"
	assert_same_file "$T/a" "$T/b" "put -m 'same body' stores a body without the final newline that 'echo same body | put' has"
}
soft "put -m TEXT ends the file with a newline" m_newline

# ------------------------------------------------------------------- show
run 0 mg show a/x.md
blob "$S" memories/a/x.md >"$T/want"
assert_same_file "$T/out" "$T/want" "show prints the memory byte for byte"
run 0 mg show memories/a/x.md
assert_same_file "$T/out" "$T/want" "show memories/PATH"
run 0 mg show /memories/a/x.md
assert_same_file "$T/out" "$T/want" "show /memories/PATH"
run 0 mg show project.yaml
assert_same_file "$T/out" "$T/p.yaml" "show a yaml memory"
refused "$S" "nope.md" mg show nope.md
refused "$S" "../x.md" mg show ../x.md

run 0 mg show --json a/x.md
jq -e . "$T/out" >/dev/null || fail "show --json is not JSON"
assert_eq "$(jq -r .path "$T/out")" a/x.md "show --json path"
jq -j .content "$T/out" >"$T/content"
assert_same_file "$T/content" "$T/want" "show --json content"
assert_eq "$(jq -r .body "$T/out")" "hello, third" "show --json body"
assert_eq "$(jq -r .front_matter.id "$T/out")" "$id" "show --json id"
assert_eq "$(jq -r .front_matter.kind "$T/out")" note "show --json kind"
assert_eq "$(jq -r .front_matter.title "$T/out")" "A title" "show --json title"
assert_eq "$(jq -c .front_matter.tags "$T/out")" '["a","b","c"]' "show --json tags"
assert_eq "$(jq -r '.front_matter | keys_unsorted | join(",")' "$T/out")" "id,title,kind,tags,pinned,created,updated" "show --json key order"
run 0 mg --json show own.md
assert_eq "$(jq -r .front_matter.title "$T/out")" Replaced "global --json show"
# show --json and export --format json describe front matter alike
fm_consistent() {
	run 0 mg show --json a/x.md
	jq -S .front_matter "$T/out" >"$T/fm.show"
	run 0 mg export --format json
	jq -S '.memories[] | select(.path == "a/x.md") | .front_matter' "$T/out" >"$T/fm.export"
	assert_same_file "$T/fm.show" "$T/fm.export" "show --json front_matter differs from export --format json (pinned: \"false\" vs false)"
}
soft "show --json front_matter types match export --format json" fm_consistent

# --------------------------------------------------------------------- ls
for p in a/y.md a/b/z.md ab.md abc/q.md; do
	run 0 mg put "$p" -m "$p"$'\n'
done
run 0 mg ls
git ls-tree -r --name-only main memories/ | sed 's|^memories/||' >"$T/want"
assert_same_file "$T/out" "$T/want" "ls lists every memory in path order"
printf 'a/b/z.md\na/x.md\na/y.md\n' >"$T/want"
for pre in a a/ memories/a /memories/a/; do
	run 0 mg ls "$pre"
	assert_same_file "$T/out" "$T/want" "ls $pre"
done
run 0 mg ls ab
[ ! -s "$T/out" ] || { cat "$T/out"; fail "ls ab matched more than the folder ab/"; }
run 0 mg ls ab.md
assert_eq "$(cat "$T/out")" ab.md "ls of one file"
run 0 mg ls abc
assert_eq "$(cat "$T/out")" abc/q.md "ls abc"
run 0 mg ls a/b
assert_eq "$(cat "$T/out")" a/b/z.md "ls a/b"
run 0 mg ls nothing-here
[ ! -s "$T/out" ] || fail "ls of an absent prefix printed something"

run 0 mg ls --long a
[ "$(wc -l <"$T/out")" -eq 3 ] || { cat "$T/out"; fail "ls --long a"; }
read -r kind size updated path title <<<"$(grep ' a/x\.md ' "$T/out")"
assert_eq "$kind" note "ls --long kind"
assert_eq "$size" "$(git cat-file -s main:memories/a/x.md)" "ls --long size"
assert_eq "$updated" "$NOW3" "ls --long updated"
assert_eq "$path $title" "a/x.md A title" "ls --long path and title"

run 0 mg ls --json a
assert_eq "$(jq -r '.[].path' "$T/out" | tr '\n' ' ')" "a/b/z.md a/x.md a/y.md " "ls --json paths"
for p in a/b/z.md a/x.md a/y.md; do
	assert_eq "$(jq -r --arg p "$p" '.[] | select(.path == $p) | .blob' "$T/out")" "$(git rev-parse "main:memories/$p")" "ls --json blob of $p"
	assert_eq "$(jq -r --arg p "$p" '.[] | select(.path == $p) | .size' "$T/out")" "$(git cat-file -s "main:memories/$p")" "ls --json size of $p"
done
run 0 mg --json ls --long a/x.md
assert_eq "$(jq -r '.[0].id' "$T/out")" "$id" "ls --long --json id"
assert_eq "$(jq -r '.[0].kind' "$T/out")" note "ls --long --json kind"
assert_eq "$(jq -c '.[0].tags' "$T/out")" '["a","b","c"]' "ls --long --json tags"
run 0 mg ls --json nothing-here
assert_eq "$(jq length "$T/out")" 0 "ls --json of nothing"

# --------------------------------------------------------------------- rm
before=$(git rev-list --count main)
run 0 mg rm a/y.md /memories/ab.md memories/abc/q.md
assert_eq "$(git rev-list --count main)" $((before + 1)) "rm of three paths is one commit"
git diff --name-status main^ main >"$T/got"
printf 'D\tmemories/a/y.md\nD\tmemories/ab.md\nD\tmemories/abc/q.md\n' >"$T/want"
assert_same_file "$T/got" "$T/want" "rm removed exactly those three"
[ ! -e memories/abc ] || fail "rm left the empty folder memories/abc in the work tree"
worktree_in_step "$S"
refused "$S" "nope.md" mg rm nope.md
refused "$S" "nope.md" mg rm a/x.md nope.md
git cat-file -e main:memories/a/x.md || fail "a refused rm removed a/x.md"
refused "$S" "'a'" mg rm a
run 0 mg rm --json -m "drop z" a/b/z.md
assert_eq "$(jq -r .removed "$T/out")" 1 "rm --json removed"
assert_eq "$(git log -1 --format=%B main)" "drop z" "rm -m message"
run 2 mg rm

# --------------------------------------------------------------------- mv
run 0 mg put Foo.md -m "foo"$'\n'
foo_blob=$(git rev-parse main:memories/Foo.md)
run 0 mg mv Foo.md foo.md
assert_eq "$(git rev-parse main:memories/foo.md)" "$foo_blob" "mv keeps the content"
git cat-file -e main:memories/Foo.md 2>/dev/null && fail "case-only mv left Foo.md"
assert_eq "$(git log -1 --format=%s main)" "memory: move Foo.md -> foo.md" "mv subject"
[ -f memories/foo.md ] && ! ls memories | grep -qx Foo.md || fail "case-only mv in the work tree"
worktree_in_step "$S"
run 0 mg mv foo.md sub/dir/foo.md
assert_eq "$(git rev-parse main:memories/sub/dir/foo.md)" "$foo_blob" "mv into a new folder"
refused "$S" "f.md" mg mv sub/dir/foo.md f.md
refused "$S" "F.md" mg mv sub/dir/foo.md F.md
refused "$S" "nope.md" mg mv nope.md other.md
refused "$S" "f.md" mg mv f.md f.md
refused "$S" "../f.md" mg mv f.md ../f.md
run 2 mg mv f.md
run 0 mg mv --json -m "rename" sub/dir/foo.md foo.md
assert_eq "$(jq -r .moved "$T/out")" 1 "mv --json moved"
assert_eq "$(git log -1 --format=%B main)" "rename" "mv -m message"
worktree_in_step "$S"

# -------------------------------------------------------------------- log
run 0 mg log
assert_eq "$(wc -l <"$T/out")" "$(git rev-list --count main)" "log shows every commit"
git log --format='%H %at %s' main | while read -r h at subject; do
	printf '%s %s %s\n' "${h:0:7}" "$(date -u -d "@$at" +%Y-%m-%dT%H:%M:%SZ)" "$subject"
done >"$T/want"
assert_same_file "$T/out" "$T/want" "log lines"
run 0 mg log a/x.md
git log --format=%H main -- memories/a/x.md | cut -c1-7 >"$T/want"
cut -d' ' -f1 "$T/out" >"$T/got"
assert_same_file "$T/got" "$T/want" "log PATH"
assert_eq "$(wc -l <"$T/got")" 4 "a/x.md changed four times"
run 0 mg log -n 2
assert_eq "$(wc -l <"$T/out")" 2 "log -n 2"
run 0 mg log --max-count 1 /memories/a/x.md
assert_eq "$(cut -d' ' -f1 "$T/out")" "$(head -n 1 "$T/want")" "log -n 1 PATH"
run 0 mg log --json -n 3
assert_eq "$(jq length "$T/out")" 3 "log --json -n 3"
assert_eq "$(jq -r '.[0].commit' "$T/out")" "$(git rev-parse main)" "log --json commit"
assert_eq "$(jq -r '.[0].subject' "$T/out")" "rename" "log --json subject"
assert_eq "$(jq -r '.[0].author' "$T/out")" "memgit tests" "log --json author"
jq -r '.[].time' "$T/out" | grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' && fail "log --json time format"
run 0 mg --json log never-existed.md
assert_eq "$(jq length "$T/out")" 0 "log of a memory with no history"
run 2 mg log -n x
run 2 mg log a.md b.md

# -------------------------------------------- -C, MEMGIT_DIR, discovery
cd "$T"
run 0 mg -C "$S" ls
cp "$T/out" "$T/ls.C"
MEMGIT_DIR=$S run 0 mg ls
assert_same_file "$T/out" "$T/ls.C" "MEMGIT_DIR"
MEMGIT_DIR=$S/.git run 0 mg ls
assert_same_file "$T/out" "$T/ls.C" "MEMGIT_DIR=.git"
run 0 mg -C "$S/memories/a" ls
assert_same_file "$T/out" "$T/ls.C" "discovery from a subfolder"
MEMGIT_DIR=$S run 0 mg put via-env.md -m "env"$'\n'
git -C "$S" cat-file -e main:memories/via-env.md || fail "put through MEMGIT_DIR"
run 0 mg -C "$S/memories/a" put from-sub.md -m "sub"$'\n'
git -C "$S" cat-file -e main:memories/from-sub.md || fail "put from a subfolder lands relative to memories/"
worktree_in_step "$S"

# -------------------------------------------------------- git reads it all
git_reads_all "$S"
worktree_in_step "$S"
[ -z "$(git -C "$S" status --porcelain --ignored)" ] || fail "memgit left ignored files in the work tree"
git_reads_all "$T/bare.git"
git_reads_all "$T/other" other

finish
