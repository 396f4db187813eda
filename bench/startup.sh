#!/usr/bin/env bash
# bench/startup.sh: the fixed cost every memgit command pays before doing
# any work, next to git's (informational, no target). It bounds what
# one-process-per-operation benchmarks (put, ls) can reach.
#
#   STARTUP_RUNS=41
#
# Figures: exec + dynamic linking (`memgit --version`, returns before
# libgit2 is initialised), exec + git_libgit2_init (`memgit ls --help`),
# a real command on an empty store (`memgit ls` vs `git ls-tree -r main`),
# and git_libgit2_init alone, measured in-process by bench/startup_probe.c
# when a C compiler and libgit2's pkg-config file are available.
# shellcheck source=bench/lib.sh disable=SC2154  # a_W, b_C, ... are set by stamp()
. "$(dirname "$0")/lib.sh"

RUNS=${STARTUP_RUNS:-41}

bench_setup
echo "== startup: fixed per-process cost ($RUNS runs each)"
echo "   memgit: $MEMGIT ($(ldd "$MEMGIT" 2>/dev/null | grep -c '=>') shared libraries)"
echo "   git:    $(git --version) ($(ldd "$(command -v git)" 2>/dev/null | grep -c '=>') shared libraries)"

S=$BENCH_TMP/store
new_store "$S"

measure_pair "$RUNS" "$MEMGIT --version" "git --version"
echo "   $HOW"
info start_exec "exec (--version)" "$MED_M" "$MED_G" ms
measure_pair "$RUNS" "$MEMGIT ls --help" "git --version"
info start_init "exec + libgit2 init" "$MED_M" "$MED_G" ms
measure_pair "$RUNS" "$MEMGIT -C $S ls" "git -C $S ls-tree -r main"
info start_ls "ls, empty store" "$MED_M" "$MED_G" ms

CC=${CC:-cc}
# shellcheck disable=SC2046  # pkg-config prints several flags
if command -v "$CC" >/dev/null && pkg-config --exists libgit2 2>/dev/null &&
	"$CC" -O2 -o "$BENCH_TMP/startup_probe" "$BENCH_DIR/startup_probe.c" \
		$(pkg-config --cflags --libs libgit2) 2>"$BENCH_TMP/cc.err"; then
	read -r ms ver feat < <("$BENCH_TMP/startup_probe" "$RUNS")
	echo "   git_libgit2_init() in-process: $ms ms median (libgit2 $ver, $feat," \
		"CA bundle: $(stat -c '%s bytes' /etc/ssl/certs/ca-certificates.crt 2>/dev/null || echo none))"
else
	echo "   (no C compiler or libgit2 pkg-config file: in-process init time not measured)"
fi
