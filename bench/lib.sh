# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# bench/lib.sh: shared helpers for the memgit benchmarks (sourced, not run).
#
# Every benchmark runs memgit and a git-CLI reference doing the same work in
# the same invocation, on the same machine, in a private temp dir with an
# isolated git configuration, and prints one machine-readable line per figure:
#
#   RESULT|name|what|memgit|git|unit|git/memgit|target|PASS or MISS|memgit cpu|git cpu|cpu ratio
#
# Figures are wall-clock medians; CPU (user+sys of the measured processes) is
# reported beside them because it is steadier on a shared machine.
#
# Environment:
#   MEMGIT        memgit binary (default: build-bench/memgit, then build/memgit)
#   BENCH_KEEP=1  keep the temp dir (its path is printed)
#   BENCH_NO_HYPERFINE=1  do not use hyperfine even when it is installed
#   TMPDIR        where the temp dir is created (default /tmp)

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

die() { echo "bench: $*" >&2; exit 1; }

# ---- the binary ------------------------------------------------------------
find_memgit() {
	local m
	if [ -n "${MEMGIT:-}" ]; then
		m=$MEMGIT
		case $m in */*) ;; *) m=$(command -v "$m" || true) ;; esac
	elif [ -x "$ROOT/build-bench/memgit" ]; then
		m=$ROOT/build-bench/memgit
	elif [ -x "$ROOT/build/memgit" ]; then
		m=$ROOT/build/memgit
	else
		die "no memgit binary: set MEMGIT or build build-bench/ (see bench/README.md)"
	fi
	[ -x "$m" ] || die "MEMGIT=$m is not executable"
	MEMGIT=$(cd "$(dirname "$m")" && pwd)/$(basename "$m")
	export MEMGIT
}

# ---- a private, isolated place to work ------------------------------------
bench_setup() {
	find_memgit
	command -v git >/dev/null || die "git not found"
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/memgit-bench.XXXXXX")
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: keeping $BENCH_TMP" >&2
	else
		trap 'rm -rf "$BENCH_TMP"' EXIT
		trap 'exit 130' INT TERM
	fi
	# nothing from the caller's git or memgit setup may leak in
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CEILING_DIRECTORIES \
		GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
		GIT_AUTHOR_DATE GIT_COMMITTER_DATE GIT_TRACE GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
		MEMGIT_DIR
	export HOME=$BENCH_TMP/home XDG_CONFIG_HOME=$BENCH_TMP/home/.config
	export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 LC_ALL=C TZ=UTC
	mkdir -p "$HOME"
	git config --global user.name "Bench Mark"
	git config --global user.email "bench@example.invalid"
	git config --global init.defaultBranch main
	git config --global advice.detachedHead false
	# memgit never packs or prunes on its own; git's automatic gc would run
	# detached after a commit and spill CPU into the next measurement
	git config --global gc.auto 0
	git config --global maintenance.auto false
}

# A fresh memgit store at $1 (with a work tree). The git reference runs in a
# store made the same way, so both sides start from the identical repository.
new_store() {
	"$MEMGIT" -q init "$1" >/dev/null
}

# ---- timing ------------------------------------------------------------------
# stamp PREFIX: set PREFIX_W to the wall clock and PREFIX_C to the CPU time
# (user+sys) used so far by finished child processes, both in microseconds,
# without forking (EPOCHREALTIME and the `times` built-in).
stamp() {
	local w=${EPOCHREALTIME/[.,]/} _ l2
	times >"$BENCH_TMP/.times"
	{ read -r _; read -r l2; } <"$BENCH_TMP/.times"
	[[ $l2 =~ ^([0-9]+)m([0-9]+)[.,]([0-9]+)s\ ([0-9]+)m([0-9]+)[.,]([0-9]+)s ]] ||
		die "cannot parse 'times' output: $l2"
	local -a r=("${BASH_REMATCH[@]}")
	local c=$(( ((10#${r[1]} * 60 + 10#${r[2]}) * 1000 + 10#${r[3]} +
		(10#${r[4]} * 60 + 10#${r[5]}) * 1000 + 10#${r[6]}) * 1000 ))
	printf -v "${1}_W" '%s' "$w"
	printf -v "${1}_C" '%s' "$c"
}

# Median of the numbers given as arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
fmt() { awk -v v="$1" -v d="${2:-3}" 'BEGIN { printf "%.*f", d, v }'; }

# result NAME WHAT MEMGIT GIT UNIT LIMIT [MEMGIT_CPU GIT_CPU]
# The ratio is git/memgit (above 1: memgit is faster); the target is
# "ratio >= LIMIT" on wall-clock time. CPU time (user+sys, same unit) is
# reported beside it: on a busy machine it is the steadier of the two.
result() {
	local name=$1 what=$2 m=$3 g=$4 unit=$5 lim=$6 mc=${7:-} gc=${8:-} ratio status cr=""
	ratio=$(calc "$g / $m")
	status=$(awk -v r="$ratio" -v l="$lim" 'BEGIN { print (r >= l) ? "PASS" : "MISS" }')
	[ -n "$mc" ] && cr=$(fmt "$(calc "$gc / ($mc > 0 ? $mc : 1e-9)")" 2)
	printf '  %-26s memgit %9s %-2s  git %9s %-2s  git/memgit %6s  target >= %-4s %s%s\n' \
		"$what" "$(fmt "$m")" "$unit" "$(fmt "$g")" "$unit" "$(fmt "$ratio" 2)" "$lim" "$status" \
		"${cr:+   (cpu: memgit $(fmt "$mc") git $(fmt "$gc") $unit, ratio $cr)}"
	echo "RESULT|$name|$what|$(fmt "$m" 4)|$(fmt "$g" 4)|$unit|$(fmt "$ratio" 2)|>= $lim|$status|${mc:+$(fmt "$mc" 4)}|${gc:+$(fmt "$gc" 4)}|$cr"
}

# info NAME WHAT MEMGIT GIT UNIT: a figure without a target.
info() {
	local ratio
	ratio=$(calc "$4 / ($3 > 0 ? $3 : 1e-9)")
	printf '  %-26s memgit %9s %-2s  git %9s %-2s  git/memgit %6s  (no target)\n' \
		"$2" "$(fmt "$3")" "$5" "$(fmt "$4")" "$5" "$(fmt "$ratio" 2)"
	echo "RESULT|$1|$2|$(fmt "$3" 4)|$(fmt "$4" 4)|$5|$(fmt "$ratio" 2)|-|INFO|||"
}

have_hyperfine() {
	[ "${BENCH_NO_HYPERFINE:-0}" != 1 ] && command -v hyperfine >/dev/null
}

# measure_pair RUNS CMD_MEMGIT CMD_GIT: time two quick commands (strings,
# split on blanks: no quoting inside), output discarded. Sets MED_M MED_G
# (median wall, ms), CPU_M CPU_G (user+sys, ms) and HOW. Uses hyperfine when
# installed, else alternates the two commands run by run (who goes first
# swaps every run). 3 warm-up runs each either way.
measure_pair() {
	local runs=$1 cm=$2 cg=$3 i
	if have_hyperfine; then
		hyperfine -N --style none --warmup 3 --runs "$runs" --export-csv "$BENCH_TMP/h.csv" \
			"$cm" "$cg" >/dev/null
		# command,mean,stddev,median,user,system,min,max (the command may hold commas)
		read -r MED_M CPU_M < <(awk -F, 'NR == 2 { printf "%f %f\n", $(NF-4) * 1000, ($(NF-3) + $(NF-2)) * 1000 }' "$BENCH_TMP/h.csv")
		read -r MED_G CPU_G < <(awk -F, 'NR == 3 { printf "%f %f\n", $(NF-4) * 1000, ($(NF-3) + $(NF-2)) * 1000 }' "$BENCH_TMP/h.csv")
		HOW="hyperfine, $runs runs each after 3 warm-ups; cpu is the mean"
		return
	fi
	local mw=() gw=() mcs=() gcs=()
	for i in 1 2 3; do
		$cm >/dev/null 2>&1 || true
		$cg >/dev/null 2>&1 || true
	done
	for ((i = 1; i <= runs; i++)); do
		if ((i % 2)); then
			stamp a; $cm >/dev/null; stamp b; $cg >/dev/null; stamp c
			mw+=($((b_W - a_W))) mcs+=($((b_C - a_C))) gw+=($((c_W - b_W))) gcs+=($((c_C - b_C)))
		else
			stamp a; $cg >/dev/null; stamp b; $cm >/dev/null; stamp c
			gw+=($((b_W - a_W))) gcs+=($((b_C - a_C))) mw+=($((c_W - b_W))) mcs+=($((c_C - b_C)))
		fi
	done
	MED_M=$(calc "$(median "${mw[@]}") / 1e3") MED_G=$(calc "$(median "${gw[@]}") / 1e3")
	CPU_M=$(calc "$(median "${mcs[@]}") / 1e3") CPU_G=$(calc "$(median "${gcs[@]}") / 1e3")
	HOW="alternating runs, $runs each after 3 warm-ups; cpu is the median"
}

# Flush dirty pages so that one side does not pay for the other's writeback.
settle() { sync; }

# ---- realistic memory files ------------------------------------------------------
# gen_memories DIR N [SEED]: N markdown memories of 300-800 bytes with front
# matter (title, kind, tags, sometimes description/pinned), spread over topic
# folders (and a few sub-folders), deterministic for a given seed.
gen_memories() {
	local dir=$1 n=$2 seed=${3:-42}
	mkdir -p "$dir"
	awk -v dir="$dir" -v n="$n" -v seed="$seed" '
	BEGIN {
		srand(seed)
		nt = split("projects preferences people tools workflows mistakes facts infra clients research", topics, " ")
		nk = split("fact preference procedure mistake workflow note", kinds, " ")
		nw = split("the build fails when the cache is stale so always run clean first user prefers " \
			"short answers with code examples deploy staging through the pipeline never push to main " \
			"directly tests must pass before merge database migrations need a backup snapshot api " \
			"keys live in the vault rotate them monthly reviewer wants small focused commits use " \
			"rebase instead of merge the flaky test is in the payments suite retry once lint with " \
			"strict settings ask before deleting files the customer is in berlin timezone meetings " \
			"after ten prefer postgres over mysql for new services memory limits matter on the " \
			"edge nodes benchmarks run nightly on the same machine profile before optimising", words, " ")
		ntag = split("build ci deploy style testing security database frontend backend ops docs perf", tags, " ")
		for (i = 1; i <= n; i++) {
			t = topics[(i % nt) + 1]
			sub_ = (i % 7 == 0) ? sprintf("/%s-%02d", "archive", i % 5) : ""
			path = sprintf("%s/%s%s", dir, t, sub_)
			if (!(path in made)) { system("mkdir -p \"" path "\""); made[path] = 1 }
			file = sprintf("%s/note-%05d.md", path, i)
			target = 300 + int(rand() * 500)
			title = ""
			for (w = 0; w < 3 + int(rand() * 4); w++)
				title = title (w ? " " : "") words[1 + int(rand() * nw)]
			s = "---\n"
			s = s "title: " toupper(substr(title, 1, 1)) substr(title, 2) "\n"
			s = s "kind: " kinds[1 + (i % nk)] "\n"
			s = s "tags: [" tags[1 + int(rand() * ntag)] ", " tags[1 + int(rand() * ntag)] "]\n"
			if (i % 3 == 0) s = s "description: remembered while working on item " i "\n"
			if (i % 11 == 0) s = s "pinned: true\n"
			s = s "---\n\n# " title "\n\n"
			line = ""
			while (length(s) + length(line) < target - 2) {
				wd = words[1 + int(rand() * nw)]
				if (length(line) + length(wd) > 72) {
					s = s (rand() < 0.3 ? "- " : "") line "\n"; line = ""
					if (rand() < 0.15) s = s "\n"
				}
				line = line (line == "" ? "" : " ") wd
			}
			s = s line "\n"
			printf "%s", s > file
			close(file)
		}
	}'
}
