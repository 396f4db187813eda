#!/usr/bin/env bash
# Start-up work memgit must not do: load libcurl (~23 shared libraries; only
# a request needs it, and src/llm/http.c loads it then) or libraries the
# tool never calls (Kerberos, libssh2, OpenSSL), parse the CA bundle
# (libgit2 with mbedTLS does it in git_libgit2_init; lazy_tls.c defers it) or
# open every object to list names. Each was once a large part of a command's
# time.
. "$MEMGIT_TESTLIB"

mg init -q "$T/s"
for i in 1 2 3; do mg -C "$T/s" -q put "n$i.md" -m "note $i"; done

# libcurl: linked by neither the tool nor the library, and not loaded by a
# command that makes no request. LD_DEBUG=files lists every object the
# loader maps, dlopen included, whatever the build (static tool or not).
LD_DEBUG=files "$MEMGIT" -C "$T/s" ls 2>"$T/ld" >/dev/null
grep -q "libc\.so" "$T/ld" || { head "$T/ld"; fail "LD_DEBUG=files listed nothing"; }
if grep libcurl "$T/ld"; then
	fail "memgit ls loaded libcurl"
fi
# the static tool (no libgit2.so among its NEEDED) maps neither the Kerberos
# library (lazy_gss.c loads it if libgit2 ever calls it) nor libssh2 and
# OpenSSL (no_ssh.c keeps libgit2's SSH transport out)
if ! readelf -d "$MEMGIT" | grep -q 'NEEDED.*libgit2'; then
	if grep -E "libgssapi|libkrb5|libssh2|libcrypto" "$T/ld"; then
		fail "memgit ls loaded a library the static tool never calls"
	fi
	if nm "$MEMGIT" 2>/dev/null | grep -E " T (libssh2_session_init_ex|OPENSSL_init_crypto)$"; then
		fail "the static tool links libssh2 or OpenSSL"
	fi
fi
if command -v readelf >/dev/null; then
	for f in "$MEMGIT" "${MEMGIT_LIBSO:?run through ctest, which sets MEMGIT_LIBSO}"; do
		readelf -d "$f" >"$T/dyn"
		grep -q NEEDED "$T/dyn" || fail "readelf -d $f shows no NEEDED entry"
		if grep NEEDED "$T/dyn" | grep libcurl; then
			fail "$f links libcurl"
		fi
	done
	# no curl_* call left for the loader to bind: http.c calls through dlsym
	if readelf --dyn-syms -W "$MEMGIT_LIBSO" | awk '$7 == "UND" { print $8 }' | grep '^curl_'; then
		fail "$MEMGIT_LIBSO needs curl symbols"
	fi
fi

command -v strace >/dev/null || { echo "strace not installed: skipped the strace checks"; exit 0; }

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
