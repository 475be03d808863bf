#!/usr/bin/env bash
# Install the Debian 12 packages mamsgw needs, then configure and build it.
#   tools/setup.sh            install + build into ./build
#   tools/setup.sh --deps     install only
# Safe to run again: apt-get is skipped when every package is present.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${MAMSGW_BUILDDIR:-$top/build}

# Build: compiler, meson, ninja, pkg-config.  Libraries: DPDK, libwebsockets,
# jansson, Intel IPsec-MB, Criterion, OpenSSL (wss), libcurl (mamsctl).
# clang + its runtimes:
# libFuzzer targets.  python3-websockets (Debian's /usr/bin/python3): the
# independent WebSocket client of the NCM tests (and the scripted NCM of
# tests/client/mc_esp_live.py).  python3-scapy, python3-cryptography:
# scapy's IPsec, the independent ESP peer of the dp_esp_interop test
# (tests/dpdk/esp_scapy.py), and mc_esp_live's independent AES-GCM.
# iproute2, iputils-ping,
# ethtool, iperf3: the namespace test bed (tests/e2e, docs/testbed.md).
pkgs=(
  build-essential meson ninja-build pkg-config python3-pyelftools
  dpdk-dev libdpdk-dev libwebsockets-dev libjansson-dev libipsec-mb-dev
  libcriterion-dev libssl-dev openssl libcurl4-openssl-dev
  clang libclang-rt-14-dev
  python3-websockets python3-scapy python3-cryptography
  iproute2 iputils-ping ethtool iperf3
  # the REST shim's tests: Prometheus' own text parser, the OpenAPI reader
  # and a JSON Schema validator for its answers
  python3-prometheus-client python3-yaml python3-jsonschema
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

apt_retry() {
  # dpkg's lock may be held by an unattended upgrade: wait and retry.
  local i
  for i in $(seq 1 30); do
    if DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@"; then
      return 0
    fi
    echo "setup: apt-get $1 failed (attempt $i/30), retrying in 10 s" >&2
    sleep 10
  done
  echo "setup: apt-get $* kept failing; giving up" >&2
  return 1
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO true
  if [ -n "$SUDO" ]; then
    $SUDO bash -c "$(declare -f apt_retry); apt_retry update && apt_retry install -y --no-install-recommends ${missing[*]}"
  else
    apt_retry update
    apt_retry install -y --no-install-recommends "${missing[@]}"
  fi
fi

[ "${1:-}" = "--deps" ] && exit 0

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$top" --buildtype=debugoptimized
fi
ninja -C "$builddir"
