#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# config/mamsgw.service and config/mamsgw.env (docs/deploy.md):
#   test_systemd_unit.sh SOURCE_ROOT MAMSGW_BINARY
# 1. systemd-analyze verify on a copy whose ExecStart is the built mamsgw and
#    whose EnvironmentFile is the shipped config/mamsgw.env (verify wants
#    the executable to exist); any message it prints fails the test.  First
#    it must flag a copy with a broken line, so a verify that checks nothing
#    cannot pass.  Skipped (77) where systemd-analyze is missing.
# 2. The unit agrees with the code: Type=notify only if the sources call
#    sd_notify(); every option after "--" in ExecStart is one mamsgw's
#    main() accepts; every variable ExecStart uses is set in mamsgw.env.
set -euo pipefail

top=$1
mamsgw=$2
unit=$top/config/mamsgw.service
envfile=$top/config/mamsgw.env

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not found: skipped"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mamsgw-unit.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

grep -q '^ExecStart=/usr/local/bin/mamsgw ' "$unit" || bad "ExecStart is not /usr/local/bin/mamsgw"
grep -q '^EnvironmentFile=/etc/mamsgw/mamsgw.env$' "$unit" || bad "EnvironmentFile is not /etc/mamsgw/mamsgw.env"
sed -e "s#^ExecStart=/usr/local/bin/mamsgw #ExecStart=$mamsgw #" \
    -e "s#^EnvironmentFile=/etc/mamsgw/mamsgw.env\$#EnvironmentFile=$envfile#" \
    "$unit" >"$work/mamsgw.service"

# The checker itself: a misspelt key must be reported.
sed 's/^Restart=on-failure$/Restart=on-failure\nProtectKernelTunable=yes/' \
  "$work/mamsgw.service" >"$work/broken.service"
out=$(cd "$work" && systemd-analyze verify broken.service 2>&1 || true)
if ! grep -q ProtectKernelTunable <<<"$out"; then
  bad "systemd-analyze verify did not report an unknown key; output: $out"
fi

rc=0
out=$(cd "$work" && systemd-analyze verify mamsgw.service 2>&1) || rc=$?
[[ $rc == 0 ]] || bad "systemd-analyze verify exited $rc"
[[ -z $out ]] || bad "systemd-analyze verify printed: $out"

# Type=notify needs sd_notify() in the code.
type=$(sed -n 's/^Type=//p' "$unit")
if grep -rqs --include='*.c' 'sd_notify' "$top/dataplane" "$top/controlplane" "$top/shared"; then
  :
elif [[ $type == notify* ]]; then
  bad "Type=$type, but no source calls sd_notify()"
fi

# ExecStart's options after "--" are options of dataplane/dp_main.c.
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
app_opts=${exec_line#* -- }
for o in $app_opts; do
  [[ $o == --* ]] || continue
  name=${o#--}
  grep -q "{\"$name\", " "$top/dataplane/dp_main.c" || bad "ExecStart option $o is not an option of mamsgw (dataplane/dp_main.c)"
done

# Every variable ExecStart uses is set in mamsgw.env.
for v in $(grep -o '\$[{]\{0,1\}[A-Z_]*' <<<"$exec_line" | tr -d '${'); do
  grep -q "^$v=." "$envfile" || bad "ExecStart uses \$$v, config/mamsgw.env does not set it"
done

if [[ $fail != 0 ]]; then
  exit 1
fi
echo "mamsgw.service: verified, consistent with the code"
