#!/usr/bin/env bash
# test_builtin_score.sh: precision and recall of the builtin dreamer on a
# store and sessions with planted patterns (bench/dream_gen.py: duplicates,
# expired and superseded memories, recurring mistakes and workflows, stated
# preferences, and decoys of each), scored per planted kind by
# bench/dream_score.py; each must reach 0.95.
#
# Scored twice: the dreamer alone (bench/dream_driver.c, built here against
# the library next to $MEMGIT), and through `memgit dream --json`, which
# validates and commits the edits on a dream branch.
source "${MEMGIT_TESTLIB:?run through ctest}"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LIB=$(dirname "$MEMGIT")/libmemgit.a
SEED=${SCORE_SEED:-1}

python3 "$ROOT/bench/dream_gen.py" "$T/gen" --memories 1000 --sessions 100 --seed "$SEED" >/dev/null
mg -q init "$T/store" >/dev/null
mg -q -C "$T/store" import --raw "$T/gen/memories"
mg -q -C "$T/store" session add "$T/gen/sessions" >/dev/null

# ---- the dreamer alone -------------------------------------------------------
flags=""
if nm "$LIB" 2>/dev/null | grep __asan_init >/dev/null; then  # no -q: a closed pipe would fail nm
	flags="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046,SC2086
cc -O1 -std=c11 -D_GNU_SOURCE $flags -I"$ROOT/include" -I"$ROOT/src" "$ROOT/bench/dream_driver.c" \
	"$LIB" $(pkg-config --libs libgit2 yaml-0.1 libcjson zlib) -lpthread -ldl -o "$T/dream_driver"
"$T/dream_driver" "$T/store" --out "$T/edits.json" 2>"$T/driver.err" || { cat "$T/driver.err"; fail "dream_driver"; }
echo "builtin dreamer (bench/dream_driver): $(cat "$T/driver.err")"
python3 "$ROOT/bench/dream_score.py" "$T/gen/key.json" "$T/edits.json" || fail "score below 0.95 (driver)"

# the same input gives the same edits, byte for byte
"$T/dream_driver" "$T/store" --out "$T/edits2.json" 2>/dev/null
cmp -s "$T/edits.json" "$T/edits2.json" || fail "two runs proposed different edits"

# ---- through the engine ----------------------------------------------------------
if mg dream --help >/dev/null 2>&1; then
	run 0 mg -C "$T/store" dream --json
	cp "$T/out" "$T/dream.json"
	commit=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commit"])' "$T/dream.json")
	refused=$(python3 -c 'import json,sys; print(sum(1 for e in json.load(open(sys.argv[1]))["edits"] if e.get("refused")))' "$T/dream.json")
	echo "memgit dream: commit $commit, $refused edits refused by the engine"
	assert_eq "$refused" 0 "edits refused by the engine"
	python3 "$ROOT/bench/dream_score.py" "$T/gen/key.json" "$T/dream.json" \
		--content-from "$T/store/.git" "$commit" || fail "score below 0.95 (memgit dream)"
	fsck_clean "$T/store"
fi
echo "ok"
