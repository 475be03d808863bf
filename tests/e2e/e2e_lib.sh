# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
# Sourced first by every tests/e2e/test_*.sh: the skip rules (exit 77 when not
# root or without `ip netns`), the test bed's functions (testbed.sh), and the
# checks the tests report with.

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: network namespaces need root"
	exit 77
fi
if ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: ip netns is not available"
	exit 77
fi

# shellcheck source=testbed.sh
source "$(dirname "${BASH_SOURCE[0]}")/testbed.sh"

# e2e_need_client: skip (77) without a mams-client binary.
e2e_need_client() {
	if [[ ! -x $TB_CLIENT ]]; then
		echo "SKIP: no mams-client at $TB_CLIENT"
		exit 77
	fi
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok: $*"; }

# check_range WHAT VALUE LO HI: LO <= VALUE <= HI (decimals allowed).
check_range() {
	awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v == v + 0 && v >= lo && v <= hi) }' ||
		fail "$1: $2 not in [$3, $4]"
	ok "$1: $2 in [$3, $4]"
}
check_eq() {
	[[ $2 == "$3" ]] || fail "$1: $2, expected $3"
	ok "$1: $2"
}

# e2e_need_cmds CMD...: fail (1) when a command the test needs is missing.
e2e_need_cmds() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || fail "$c is needed (Debian package $(tb__pkg "$c"))"
	done
}

# e2e_wait_paths_up SID CONN...: waits (10 s at most) until the gateway has
# the paths with those connection IDs of session SID up; fails otherwise.
e2e_wait_paths_up() {
	local sid=$1 i c all
	shift
	for ((i = 0; i < 100; i++)); do
		all=1
		for c in "$@"; do
			[[ $(tb_telemetry "/mamsgw/session,$sid" | tb_json "path${c}_up") == 1 ]] || all=0
		done
		((all)) && return 0
		sleep 0.1
	done
	fail "paths $* of session $sid not all up: $(tb_telemetry "/mamsgw/session,$sid")"
}
