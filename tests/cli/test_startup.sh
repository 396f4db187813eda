#!/usr/bin/env bash
# Start-up work memgit must not do: parse the CA bundle (libgit2 with mbedTLS
# does it in git_libgit2_init; lazy_tls.c defers it) or open every object to
# list names. Checked with strace; both were once most of a command's time.
. "$MEMGIT_TESTLIB"

command -v strace >/dev/null || { echo "strace not installed: skipped"; exit 0; }
mg init -q "$T/s"
for i in 1 2 3; do mg -C "$T/s" -q put "n$i.md" -m "note $i"; done

# LeakSanitizer cannot run under ptrace: leaks are checked by every other test
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -e trace=openat,open -o "$T/trace" "$MEMGIT" -C "$T/s" ls >/dev/null
if grep -E "ca-certificates|/etc/ssl/certs" "$T/trace"; then
	fail "memgit ls read the CA bundle at start-up"
fi
# names only: no object file is opened
if grep -E "/objects/[0-9a-f]{2}/" "$T/trace" | grep -v ENOENT | grep -q .; then
	blobs=$(grep -cE "/objects/[0-9a-f]{2}/" "$T/trace")
	# the tip commit and its trees are read; a blob per memory would be 3 more
	[ "$blobs" -lt 6 ] || fail "memgit ls opened $blobs loose objects for 3 memories"
fi
# the interposed loaders still forward when enabled: libgit2 itself is intact
run 0 mg -C "$T/s" ls --long
assert_contains "$T/out" "n3.md"
echo "ok: test_startup.sh"
