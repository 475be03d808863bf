#!/usr/bin/env bash
# Install what is missing, build, and run every test of mamsgw:
#   1. the unit tests (Criterion) and the DPDK data-plane tests (pcap in ->
#      mamsgw -> pcap out, and in-process on ring ports; no NIC, no
#      hugepages) in the default build (gcc);
#   2. the same tests in a clang build with AddressSanitizer and
#      UndefinedBehaviorSanitizer (any report fails the run);
#   3. each libFuzzer target for FUZZ_SECONDS (default 60) over its seed corpus.
# Usage: bash tools/test.sh        (from anywhere; exit 0 only if all pass)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MAMSGW_BUILDDIR:-$top/build}
asan=${build}-asan
fuzz_seconds=${FUZZ_SECONDS:-60}

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

section() { printf '\n==== %s\n' "$*"; }

section "setup and build ($build)"
MAMSGW_BUILDDIR=$build bash "$top/tools/setup.sh"

section "unit and DPDK tests"
meson test -C "$build" --num-processes 1 -v 2>&1 | tee "$build/unit-tests.log"

section "unit and DPDK tests under ASan+UBSan (clang, $asan)"
if [ ! -f "$asan/build.ninja" ]; then
  CC=clang meson setup "$asan" "$top" -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$asan"
meson test -C "$asan" --num-processes 1 -v 2>&1 | tee "$asan/unit-tests.log"
# -fno-sanitize-recover makes a report abort its test; this catches any
# report printed by a process whose failure did not reach the exit code.
if grep -E 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer' "$asan/unit-tests.log"; then
  echo "test.sh: sanitizer report in the tests" >&2
  exit 1
fi

section "fuzzing (${fuzz_seconds} s per target)"
bash "$top/tools/fuzz.sh" "$asan" "$fuzz_seconds"

section "summary"
# Criterion prints one "Synthesis" line per test binary: add them up.
cat "$build/unit-tests.log" "$asan/unit-tests.log" | awk '
  /Synthesis: Tested:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Passing:") p += $(i + 1)
      if ($i == "Failing:") f += $(i + 1)
      if ($i == "Crashing:") c += $(i + 1)
    }
  }
  END { printf "%d passed, %d failed\n", p, f + c; exit (f + c) ? 1 : 0 }'
