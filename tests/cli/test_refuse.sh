# test_refuse.sh: bad input is refused with exit 3 and a one-line error
# naming the subject, nothing is written (refs, objects, files under .git
# and the work tree are as before), and the refused content leaves no trace.
. "$MEMGIT_TESTLIB"

R=$T/store
new_store "$R"
cd "$R"
run 0 mg put Existing.md -m "existing"$'\n'
run 0 mg put Notes/a.md -m "a note"$'\n'
run 0 mg put keep.md -m "keep"$'\n'

n=0
# bad_path SUBJECT PATH: put, and mv onto PATH, are refused; the body never lands
bad_path() {
	local subject=$1 path=$2 marker
	n=$((n + 1))
	marker="refused-body-$n-$RANDOM$RANDOM"
	refused "$R" "$subject" mg put "$path" -m "$marker"
	no_trace "$R" "$marker"
	refused "$R" "$subject" mg mv keep.md "$path"
}

# ------------------------------------------------------------ path rules
bad_path "'../x.md': '..' segment" ../x.md
bad_path "'a/../../x.md'" a/../../x.md
bad_path "'/etc/x.md': absolute path outside /memories" /etc/x.md
bad_path "'/memories/../x.md'" /memories/../x.md
bad_path "'memories/../x.md'" memories/../x.md
bad_path "empty path" ""
bad_path "no file name" /memories
bad_path "no file name" memories/
bad_path "'a//b.md': empty segment" a//b.md
bad_path "'./x.md': '.' segment" ./x.md
bad_path "'a/./x.md': '.' segment" a/./x.md
bad_path "'a/../x.md': '..' segment" a/../x.md
bad_path "'.hidden.md': segment starts with '.'" .hidden.md
bad_path "'a/.git/x.md': segment starts with '.'" a/.git/x.md
bad_path "'a\\b.md': backslash" 'a\b.md'
bad_path "'a\\x09b.md': control character" $'a\tb.md'
bad_path "'a\\x01b.md': control character" $'a\x01b.md'
bad_path "'a\\x0ab.md': control character" $'a\nb.md'
bad_path "'a\\x7fb.md': control character" $'a\x7fb.md'
bad_path "'\\xff.md': invalid UTF-8" $'\xff.md'
bad_path "'caf\\xc3.md': invalid UTF-8" $'caf\xc3.md'
bad_path "'\\xc0\\xaf.md': invalid UTF-8" $'\xc0\xaf.md'
bad_path "'\\xed\\xa0\\x80.md': invalid UTF-8" $'\xed\xa0\x80.md'
long=$(printf 'd%.0s' $(seq 254))/$(printf 'e%.0s' $(seq 254))/$(printf 'f%.0s' $(seq 254))/$(printf 'g%.0s' $(seq 254))/hh.md
[ ${#long} -eq 1025 ] || fail "test setup: long path is ${#long} bytes"
bad_path "longer than 1024 bytes" "$long"
bad_path "'x.sh': extension not one of .md .markdown .yaml .yml .txt" x.sh
bad_path "'noext': extension" noext
bad_path "'x.md.sh': extension" x.md.sh
bad_path "x.json': extension" memories/x.json
bad_path "'EXISTING.md': differs only in letter case from 'Existing.md'" EXISTING.md
bad_path "'existing.md': differs only in letter case" existing.md
bad_path "'notes/b.md': differs only in letter case from 'Notes'" notes/b.md
bad_path "'NOTES/A.md': differs only in letter case" NOTES/A.md
# the same rules guard rm and show
refused "$R" "'../keep.md'" mg rm ../keep.md
refused "$R" "'a\\x01b.md'" mg rm $'a\x01b.md'
refused "$R" "'/etc/passwd'" mg show /etc/passwd
# a file name that is a folder, or a folder that is a memory
run 0 mg -q put folder.md/a.md -m "in a folder"$'\n'
refused "$R" "folder.md" mg put folder.md -m x
assert_contains "$T/err" "folder"
refused "$R" "keep.md" mg put keep.md/x.md -m x
# exactly 1024 bytes is allowed
ok=${long%/hh.md}/h.md
[ ${#ok} -eq 1024 ] || fail "test setup: path is ${#ok} bytes"
run 0 mg -q put "$ok" -m "long but allowed"$'\n'
git cat-file -e "main:memories/$ok" || fail "a 1024-byte path was not stored"
run 0 mg -q rm "$ok"
# C1 control characters (U+0080..U+009F; U+009B is a terminal escape) are
# control characters too
# (checked in a store of its own, so that a wrongly accepted write cannot
# disturb the checks that follow)
c1_path() {
	new_store "$T/c1"
	refused "$T/c1" "'a\\xc2\\x9bb.md': control character" mg -C "$T/c1" put $'a\xc2\x9bb.md' -m "c1 body"
}
soft "a path with the C1 control U+009B is refused" c1_path

# --------------------------------------------------------------- content
printf 'fine line\nbad \xff byte here\n' >"$T/badutf8.md"
refused "$R" "'memories/c.md': line 2" mg put c.md -F "$T/badutf8.md"
assert_contains "$T/err" "invalid UTF-8"
printf 'fine line\nnul \0 byte here refused-nul-marker\n' >"$T/nul.md"
refused "$R" "'memories/c.md': line 2" mg put c.md -F "$T/nul.md"
assert_contains "$T/err" "NUL"
no_trace "$R" "refused-nul-marker"
printf 'fine\n\0refused-nul-yaml\n' >"$T/nul.yaml"
refused "$R" "memories/c.yaml" mg put c.yaml -F "$T/nul.yaml"
no_trace "$R" "refused-nul-yaml"

# YAML anchors and aliases
printf -- '---\ntitle: &t refused-anchor-marker\nother: *t\n---\nbody\n' >"$T/anchor.md"
refused "$R" "'memories/c.md': line 2" mg put c.md -F "$T/anchor.md"
assert_contains "$T/err" "anchors and aliases"
no_trace "$R" "refused-anchor-marker"
printf 'a: &x 1\nb: *x\n' >"$T/anchor.yaml"
refused "$R" "memories/c.yaml" mg put c.yaml -F "$T/anchor.yaml"
assert_contains "$T/err" "anchors and aliases"

# billion laughs
{
	printf -- '---\nlol0: &l0 "lol"\n'
	for i in 1 2 3 4 5 6 7 8 9; do
		printf 'lol%d: &l%d [' "$i" "$i"
		for k in 1 2 3 4 5 6 7 8 9; do printf '*l%d, ' $((i - 1)); done
		printf '*l%d]\n' $((i - 1))
	done
	printf -- '---\nrefused-laughs-marker\n'
} >"$T/laughs.md"
t0=$(date +%s%N)
refused "$R" "memories/laughs.md" timeout 20 "$MEMGIT" put laughs.md -F "$T/laughs.md"
echo "billion laughs refused in $((($(date +%s%N) - t0) / 1000000)) ms"
no_trace "$R" "refused-laughs-marker"

# nesting 10,000 deep: flow, compact block, in front matter and in YAML memories
rep() { awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'; }
N=10000
{ printf -- '---\nx: '; rep '[' $N; rep ']' $N; printf '\n---\nrefused-deep-flow\n'; } >"$T/deep-flow.md"
{ printf -- '---\nx:\n  '; rep '- ' $N; printf 'refused-deep-block\n---\nbody\n'; } >"$T/deep-block.md"
{ printf -- '---\nx: '; rep '{a: ' $N; printf 1; rep '}' $N; printf '\n---\nrefused-deep-map\n'; } >"$T/deep-map.md"
{ rep '[' $N; printf '"refused-deep-yaml"'; rep ']' $N; printf '\n'; } >"$T/deep-flow.yaml"
{ rep '- ' $N; printf 'refused-deep-block-yaml\n'; } >"$T/deep-block.yaml"
# block style with indentation: 65 nested mappings, one past the limit, and 63
indented() {
	printf -- '---\nx:\n'
	for i in $(seq 1 "$1"); do rep '  ' "$i"; printf 'k%d:\n' "$i"; done
	rep '  ' $(($1 + 1)); printf '%s\n---\nbody\n' "$2"
}
indented 64 refused-deep-indent >"$T/deep-indent.md"
indented 62 fine >"$T/deep-ok.md"
for f in deep-flow.md deep-block.md deep-map.md deep-flow.yaml deep-block.yaml deep-indent.md; do
	t0=$(date +%s%N)
	refused "$R" "'memories/$f': line " timeout 20 "$MEMGIT" put "$f" -F "$T/$f"
	assert_contains "$T/err" "deeper than 64"
	echo "$f refused in $((($(date +%s%N) - t0) / 1000000)) ms"
done
for m in refused-deep-flow refused-deep-block refused-deep-map refused-deep-yaml refused-deep-block-yaml refused-deep-indent; do
	no_trace "$R" "$m"
done
run 0 mg -q put deep-ok.md -F "$T/deep-ok.md"
run 0 mg -q rm deep-ok.md

# unterminated front matter, bad known keys, front matter not a mapping
printf -- '---\ntitle: never closed\n\nrefused-unterminated\n' >"$T/unterminated.md"
refused "$R" "'memories/c.md': line 1" mg put c.md -F "$T/unterminated.md"
assert_contains "$T/err" "not closed"
no_trace "$R" "refused-unterminated"
printf -- '---\ntitle: t\nkind: bogus\n---\nrefused-kind\n' >"$T/kind.md"
refused "$R" "'memories/c.md': line 3, column 7: kind: 'bogus'" mg put c.md -F "$T/kind.md"
no_trace "$R" "refused-kind"
refused "$R" "kind: 'bogus'" mg put c.md --kind bogus -m "refused-kind-option"
no_trace "$R" "refused-kind-option"
printf -- '---\npinned: maybe\n---\nbody\n' | refused "$R" "'memories/c.md': line 2" mg put c.md
printf -- '---\nconfidence: 1.5\n---\nbody\n' | refused "$R" "confidence" mg put c.md
printf -- '---\ncreated: yesterday\n---\nbody\n' | refused "$R" "created" mg put c.md
printf -- '---\n- a\n- b\n---\nbody\n' | refused "$R" "'memories/c.md': line 2" mg put c.md
printf -- '---\na: 1\na: 2\n---\nbody\n' | refused "$R" "'memories/c.md': line 3" mg put c.md

# a YAML memory with bad YAML: file, line and column
printf 'name: memgit\nlist: [1, 2\nnext: x\n' >"$T/bad.yaml"
refused "$R" "'memories/bad.yaml': line 3, column 5" mg put bad.yaml -F "$T/bad.yaml"
printf 'a: 1\n  b: 2\n' >"$T/bad2.yml"
refused "$R" "'memories/sub/bad2.yml': line 2, column 4" mg put sub/bad2.yml -F "$T/bad2.yml"
printf 'a: 1\n---\nb: 2\n' >"$T/two.yaml"
refused "$R" "'memories/two.yaml': line 2" mg put two.yaml -F "$T/two.yaml"

# oversized: 100 KiB + 1 through -F and through standard input; the limit
# is on the file memgit would write, so 100 KiB of body plus front matter
# is too much as well
head -c 102401 /dev/zero | tr '\0' a >"$T/big.md"
refused "$R" "102400" mg put big.md -F "$T/big.md"
assert_contains "$T/err" "$T/big.md"
refused "$R" "102400" mg put big.md <"$T/big.md"
head -c 102401 /dev/zero | tr '\0' b >"$T/big.txt"
refused "$R" "102400" mg put big.txt -F "$T/big.txt"
head -c 102400 /dev/zero | tr '\0' c >"$T/limit.md"
refused "$R" "'memories/big.md'" mg put big.md -F "$T/limit.md"
head -c 102400 /dev/zero | tr '\0' d >"$T/limit.txt"
run 0 mg -q put limit.txt -F "$T/limit.txt"
assert_blob_is "$R" memories/limit.txt "$T/limit.txt"
run 0 mg -q rm limit.txt

# --------------------------------------------------------------- secrets
# The values are assembled at run time so that this file holds none.
k() { printf '%s' "$@"; }
AWS=$(k AKIA Q3EGVP7HJ2XN4KWM)
GHP=$(k ghp_ Zq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7)
GHO=$(k gho_ Yq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7)
GHS=$(k ghs_ Xq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7)
GHU=$(k ghu_ Wq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7)
PAT=$(k github_pat_ 11ABCDEFG0Zq8Xv3Lm9Tn2_Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7Zq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa)
ANT=$(k sk-ant- api03-Zq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7-AbCdEfGh)
OAI=$(k sk-proj- Zq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7AbCd)
SLK=$(k xoxb- 2384758391-2384758391234-Zq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1)
GOO=$(k AIza SyZq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2)
PEMBODY=MIIEpAIBAAKCAQEAzq8Xv3Lm9Tn2Rb7Kc4Wd6Yf1Hg5Js0Pa2Qe7AbCdEfGh
GEN=q8Zv3Lm9Tn2Rb7Kc4Wd6Yf1H
[ ${#GOO} -eq 39 ] || fail "test setup: google key length"

# secret_case RULE VALUE FILE: FILE (value on line 3) is refused by put and
# by import; the error names the rule and the line, never the value
secret_case() {
	local rule=$1 value=$2 file=$3
	n=$((n + 1))
	refused "$R" "'memories/sec$n.md': line 3: $rule" mg put "sec$n.md" -F "$file"
	assert_not_contains "$T/err" "$value"
	assert_not_contains "$T/out" "$value"
	refused "$R" "line 3: $rule" mg put "sec$n.md" --json -F "$file"
	assert_not_contains "$T/err" "$value"
	assert_not_contains "$T/out" "$value"
	mkdir -p "$T/imp$n"
	cp "$file" "$T/imp$n/secret.md"
	refused "$R" "line 3: $rule" mg import "$T/imp$n"
	assert_not_contains "$T/err" "$value"
	no_trace "$R" "$value"
}
for pair in "aws-access-key-id $AWS" "github-token $GHP" "github-token $GHO" "github-token $GHS" \
	"github-token $GHU" "github-token $PAT" "anthropic-key $ANT" "openai-key $OAI" \
	"slack-token $SLK" "google-api-key $GOO"; do
	set -- $pair
	printf 'Notes from a session\n\nthe value is %s for now\n' "$2" >"$T/secret.md"
	secret_case "$1" "$2" "$T/secret.md"
done
printf 'Notes\n\n-----BEGIN RSA PRIVATE KEY-----\n%s\n-----END RSA PRIVATE KEY-----\n' "$PEMBODY" >"$T/secret.md"
secret_case private-key "$PEMBODY" "$T/secret.md"
printf 'Notes\n\n-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n' "$PEMBODY" >"$T/secret.md"
secret_case private-key "$PEMBODY" "$T/secret.md"
printf 'config\n\napi_key = "%s"\n' "$GEN" >"$T/secret.md"
secret_case generic-secret "$GEN" "$T/secret.md"
printf 'config\n\n    "client_secret": "%s",\n' "$GEN" >"$T/secret.md"
secret_case generic-secret "$GEN" "$T/secret.md"

# secrets in front matter, options, YAML memories and paths
printf -- '---\ntitle: keys\nnote: %s\n---\nbody\n' "$AWS" >"$T/secret.md"
refused "$R" "'memories/fm.md': line 3: aws-access-key-id" mg put fm.md -F "$T/secret.md"
assert_not_contains "$T/err" "$AWS"
refused "$R" "aws-access-key-id" mg put opt.md --title "$AWS" -m body
refused "$R" "aws-access-key-id" mg put opt.md --tag "x,$AWS" -m body
assert_not_contains "$T/err" "$AWS"
printf 'service: ci\ntoken: %s\n' "$GHP" >"$T/secret.yaml"
refused "$R" "'memories/ci.yaml': line 2: github-token" mg put ci.yaml -F "$T/secret.yaml"
refused "$R" "aws-access-key-id" mg put "keys/$AWS.md" -m body
assert_not_contains "$T/err" "$AWS"
refused "$R" "aws-access-key-id" mg mv keep.md "keys/$AWS.md"
assert_not_contains "$T/err" "$AWS"
no_trace "$R" "$AWS"
no_trace "$R" "$GHP"

# a commit message is stored in .git too: it must not carry a secret
# (each in a store of its own, as above)
msg_secret() {
	new_store "$T/msg1"
	run 0 mg -C "$T/msg1" -q put gone.md -m "to be removed"
	refused "$T/msg1" "aws-access-key-id" mg -C "$T/msg1" rm gone.md -m "removed, key was $AWS"
	assert_not_contains "$T/err" "$AWS"
	no_trace "$T/msg1" "$AWS"
}
soft "rm -m MESSAGE holding a secret is refused (it is committed)" msg_secret
msg_secret_mv() {
	new_store "$T/msg2"
	run 0 mg -C "$T/msg2" -q put a.md -m "a"
	refused "$T/msg2" "anthropic-key" mg -C "$T/msg2" mv a.md b.md -m "moved; $ANT"
	no_trace "$T/msg2" "$ANT"
}
soft "mv -m MESSAGE holding a secret is refused (it is committed)" msg_secret_mv
msg_secret_import() {
	new_store "$T/msg3"
	mkdir -p "$T/plain"
	printf 'harmless\n' >"$T/plain/harmless.md"
	refused "$T/msg3" "github-token" mg -C "$T/msg3" import -m "import; token $GHO" "$T/plain"
	no_trace "$T/msg3" "$GHO"
}
soft "import -m MESSAGE holding a secret is refused (it is committed)" msg_secret_import

# secrets.allow: the template allows AWS's documentation key
DOCKEY=$(k AKIA IOSFODNN7EXAMPLE)
run 0 mg -q put doc.md -m "the docs use $DOCKEY"$'\n'
# allowing our key: edit memgit.yaml with plain git on main, then put
printf 'uses %s in the fixture\n' "$AWS" >"$T/allowed.md"
refused "$R" "aws-access-key-id" mg put allowed.md -F "$T/allowed.md"
sed -i "s/^    - \"^${DOCKEY}\\\$\"\$/&\n    - \"^${AWS}\$\"/" memgit.yaml
grep -qF "\"^$AWS\$\"" memgit.yaml || fail "test setup: allow pattern not added"
git add memgit.yaml
git commit -q -m "allow the fixture key"
run 0 mg put allowed.md -F "$T/allowed.md"
blob "$R" memories/allowed.md | grep -qF "$AWS" || fail "an allowed secret was not stored"
# the pattern is anchored: other keys stay refused
printf 'uses %sX and %s\n' "$AWS" "$(k AKIA Z3EGVP7HJ2XN4KWQ)" >"$T/other.md"
refused "$R" "aws-access-key-id" mg put other.md -F "$T/other.md"
refused "$R" "github-token" mg put other.md -m "$GHU"
worktree_in_step "$R"

# ----------------------------------------------- import: all or nothing
mkdir -p "$T/mixed/sub"
printf 'good one refused-import-good1\n' >"$T/mixed/a-good.md"
printf -- '---\nkind: [not, a, kind]\n---\nrefused-import-bad\n' >"$T/mixed/m-bad.md"
printf 'good two refused-import-good2\n' >"$T/mixed/sub/z-good.md"
refused "$R" "m-bad.md" mg import "$T/mixed"
for m in refused-import-good1 refused-import-good2 refused-import-bad; do no_trace "$R" "$m"; done
rm "$T/mixed/m-bad.md"
printf 'last one holds %s\n' "$SLK" >"$T/mixed/sub/zz-secret.md"
refused "$R" "slack-token" mg import "$T/mixed"
refused "$R" "slack-token" mg import --raw "$T/mixed"
for m in refused-import-good1 refused-import-good2 "$SLK"; do no_trace "$R" "$m"; done
rm "$T/mixed/sub/zz-secret.md"
printf 'x' >"$T/mixed/.hidden.md"
mkdir -p "$T/mixed/sub/.git"
printf 'y' >"$T/mixed/sub/.git/config.md"
head -c 102401 /dev/zero | tr '\0' a >"$T/mixed/sub/huge.md"
refused "$R" "huge.md" mg -q import "$T/mixed"
for m in refused-import-good1 refused-import-good2; do no_trace "$R" "$m"; done
rm "$T/mixed/sub/huge.md"
run 0 mg import "$T/mixed"
git cat-file -e main:memories/a-good.md && git cat-file -e main:memories/sub/z-good.md ||
	fail "the import that was left good did not land"
refused "$R" "'../up/a-good.md'" mg import "$T/mixed"/a-good.md --prefix ../up
refused "$R" "$T/absent" mg import "$T/absent" "$T/mixed"

# ------------------------------------------------------ in a bare store
B=$T/bare.git
new_store "$B" --bare
cd "$T"
refused "$B" "'../x.md'" mg -C "$B" put ../x.md -m "refused-bare-marker"
no_trace "$B" "refused-bare-marker"
refused "$B" "openai-key" mg -C "$B" put x.md -m "$OAI"
no_trace "$B" "$OAI"
MEMGIT_DIR=$B refused "$B" "invalid UTF-8" mg put x.md -F "$T/badutf8.md"

# ---- listing prefixes follow the segment rules (`ls ../x` once listed nothing, exit 0)
for p in ../x 'a/../b' .hidden 'a//b' 'a\\b' $'a\001b'; do
	refused "$R" "invalid prefix" mg -C "$R" ls "$p"
done

git_reads_all "$R"
git_reads_all "$B"
finish
