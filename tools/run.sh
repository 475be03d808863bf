#!/usr/bin/env bash
# Set up mamsgw on a fresh machine and run its main job on virtual devices:
# the example configuration (config/mamsgw.json: two clients, Wi-Fi and LTE
# access ports, a core port) with net_pcap ports replaying generated traffic
# (tools/pcapgen.c) — downlink steering (switch, 70/30 split, duplication),
# fragmentation to the LTE MTU, uplink reordering across two paths, a probe
# answered on the path it names — then prints the gateway's counters and what
# it wrote on each port.  No NIC, no hugepages, nothing left behind.
#   bash tools/run.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MAMSGW_BUILDDIR:-$top/build}
config=${MAMSGW_CONFIG:-$top/config/mamsgw.json}

MAMSGW_BUILDDIR=$build bash "$top/tools/setup.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/mamsgw-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "==== generating traffic"
"$build/tools/mamsgw-pcapgen" "$work"

# One TX queue per worker: the example runs two workers, so each port writes
# two pcap files (one per worker's queue).  The second worker shares a CPU.
vdev() {
  echo "--vdev=net_pcap$1,rx_pcap=$work/$2_in.pcap,tx_pcap=$work/$2_out_q0.pcap,tx_pcap=$work/$2_out_q1.pcap"
}
echo
echo "==== mamsgw on $config"
"$build/mamsgw" --no-huge --no-shconf --no-pci -m 1024 --lcores 0@0,1@1,2@1 \
  --log-level=2 "$(vdev 0 wifi)" "$(vdev 1 lte)" "$(vdev 2 core)" \
  -- --config "$config" --idle-exit-ms 500

echo
echo "==== packets written per port (queue files of both workers)"
"$build/tools/mamsgw-pcapgen" --count "$work"/*_out_q*.pcap
