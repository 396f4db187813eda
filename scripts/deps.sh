#!/usr/bin/env bash
# Install the Debian packages memgit needs to build, test and benchmark,
# when they are missing. Sourced by scripts/demo and scripts/test.
set -euo pipefail

MEMGIT_DEBS=(build-essential cmake pkg-config git libgit2-dev libyaml-dev libcjson-dev zlib1g-dev
	libcurl4-openssl-dev libcmocka-dev jq valgrind openssl)

memgit_install_deps() {
	local missing=() p
	for p in "${MEMGIT_DEBS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "memgit: missing Debian packages: ${missing[*]}" >&2
		echo "memgit: installing them needs root: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "memgit: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Configure and build into $1 with the remaining arguments given to cmake;
# MEMGIT_TARGET limits the build to one target.
memgit_build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$(nproc)" ${MEMGIT_TARGET:+--target "$MEMGIT_TARGET"} >/dev/null
}
