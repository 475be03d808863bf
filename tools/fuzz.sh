#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run every libFuzzer target of a clang build for a bounded time.
#   tools/fuzz.sh BUILD_DIR [SECONDS]
# SECONDS per target: the argument, else $FUZZ_SECONDS, else 60.
# $FUZZ_TARGETS (space separated) narrows the list.
# Each target starts from a copy of tests/fuzz/corpus/<target>/ in a temporary
# directory (the repository is never written); crash inputs are kept in a
# directory outside the repository whose path is printed.  Exits non-zero if a
# target is missing or finds a crash, leak or timeout.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
build=$1
secs=${2:-${FUZZ_SECONDS:-60}}
if ! [[ $secs =~ ^[0-9]+$ ]] || [ "$secs" -eq 0 ]; then
	usage
fi
if [ ! -d "$build" ]; then
	echo "fuzz: no build directory $build" >&2
	exit 2
fi

top=$(cd "$(dirname "$0")/.." && pwd)
read -r -a targets <<<"${FUZZ_TARGETS:-fuzz_gma_decode fuzz_reasm fuzz_mx_ctrl fuzz_cp_msg fuzz_esp_decap}"

work=$(mktemp -d "${TMPDIR:-/tmp}/mamsgw-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

failed=0
summary=()
for t in "${targets[@]}"; do
	exe=$build/tests/fuzz/$t
	if [ ! -x "$exe" ]; then
		summary+=("$t: MISSING ($exe; a clang build is needed)")
		failed=1
		continue
	fi

	dir=$work/$t
	mkdir -p "$dir/corpus" "$dir/artifacts"
	if [ -d "$top/tests/fuzz/corpus/$t" ]; then
		cp -R "$top/tests/fuzz/corpus/$t/." "$dir/corpus/"
	fi
	seeds=$(find "$dir/corpus" -type f | wc -l)

	echo "== $t: ${secs}s from $seeds seeds" >&2
	start=$(date +%s)
	rc=0
	(cd "$dir" && "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus") \
		>"$dir/log" 2>&1 || rc=$?
	elapsed=$(( $(date +%s) - start ))

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)
	corpus=$(find "$dir/corpus" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$dir/artifacts")" ]; then
		keep=$(mktemp -d "${TMPDIR:-/tmp}/mamsgw-fuzz-$t.XXXXXX")
		cp -R "$dir/artifacts/." "$dir/log" "$keep/"
		tail -n 40 "$dir/log" >&2
		msg="$t: FAILED (exit $rc) after ${execs:-?} executions in ${elapsed}s;"
		summary+=("$msg inputs and log in $keep")
		failed=1
	else
		msg="$t: ok, ${execs:-?} executions in ${elapsed}s (${rate:-?}/s),"
		summary+=("$msg corpus $seeds -> $corpus")
	fi
done

printf '%s\n' "${summary[@]}"
exit "$failed"
