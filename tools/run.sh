#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Set up mamsgw on a fresh machine and show it carrying a client's traffic.
#   sudo bash tools/run.sh          (root: network namespaces)
# installs the packages and builds (tools/setup.sh), then brings up the
# namespace test bed (tests/e2e/testbed.sh, docs/testbed.md): mams-client
# with a Wi-Fi and an LTE link, each through the link emulator mams-linkem,
# mamsgw (DPDK, af_packet ports) with its NCM — Wi-Fi protected with IPsec
# (ESP, keys derived from the NCM's secret), LTE plain GMA — and its REST API,
# and a server behind it.  Through the client's tunnel: ping, then iperf3 TCP
# for 5 s each way; prints the throughput, the gateway's per-path counters
# (telemetry /mamsgw/session,<id>), `mamsctl sessions` and `mamsctl session
# ID` (the operator's view over REST) and mams-client's stats lines.  Everything is removed at exit; the exit
# status is non-zero when the demo fails.
#
#   bash tools/run.sh --pcap        the offline demo (no root needed): the
# example configuration (config/mamsgw.json: two clients, Wi-Fi and LTE
# access ports, a core port) with net_pcap ports replaying generated traffic
# (tools/pcapgen.c) — downlink steering (switch, 70/30 split, duplication),
# fragmentation to the LTE MTU, uplink reordering across two paths, a probe
# answered on the path it names — then prints the gateway's counters and what
# it wrote on each port.  No NIC, no hugepages, nothing left behind.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${MAMSGW_BUILDDIR:-$top/build}
config=${MAMSGW_CONFIG:-$top/config/mamsgw.json}
mode=live
case ${1:-} in
"") ;;
--pcap) mode=pcap ;;
-h | --help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "run.sh: unknown option $1 (--pcap, --help)" >&2; exit 2 ;;
esac

if [[ $mode == live && $(id -u) -ne 0 ]]; then
  echo "run.sh: the live demo needs root (network namespaces, raw sockets, a TUN device):" >&2
  echo "  sudo bash tools/run.sh        (or: bash tools/run.sh --pcap, the offline demo)" >&2
  exit 1
fi

MAMSGW_BUILDDIR=$build bash "$top/tools/setup.sh"

# ---- The offline demo: pcap replay --------------------------------------------------------
if [[ $mode == pcap ]]; then
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
  exit 0
fi

# ---- The live demo: the namespace test bed ---------------------------------------------------
export TB_BUILD=$build
# shellcheck source=../tests/e2e/testbed.sh
source "$top/tests/e2e/testbed.sh"
tb__need ip ethtool ping iperf3

failed=0
fail() { echo "run.sh: FAILED: $*" >&2; failed=1; }

echo
echo "==== test bed: client (Wi-Fi + LTE) -> mams-linkem -> mamsgw -> server"
tb_up # its EXIT trap removes everything, and prints the logs on failure
# The test bed's gateway configuration, plus: Wi-Fi offered with the IPsec
# adaptation (ESP with keys derived from the NCM's per-session secret; the
# secret crosses the test bed's own control link, hence ipsec_secret_over_ws),
# LTE plain GMA; the REST API on 127.0.0.1:8080 in the gateway's namespace.
tb_gw_config | "$TB_PYTHON" -c '
import json, sys
c = json.load(sys.stdin)
c["ncm"]["ipsec_secret_over_ws"] = True
c["ncm"]["delivery"][0]["ipsec"] = {"suite": "aes128-gcm", "esn": True}
c["rest"] = {"listen": {"ip": "127.0.0.1", "port": 8080}}
json.dump(c, sys.stdout, indent=1)' >"$TB_RUN/mamsgw-demo.json"
TB_GW_CONFIG=$TB_RUN/mamsgw-demo.json tb_start_gw
tb_emu wifi both delay=10 rate=50mbit >/dev/null
tb_emu lte both delay=30 rate=20mbit >/dev/null
echo "links: Wi-Fi 10 ms each way, 50 Mbit/s (IPsec); LTE 30 ms each way, 20 Mbit/s (mams-linkem)"
tb_start_client --stats-interval-ms 1000 --ipsec-suite aes128-gcm --ipsec-esn on
read -r sid anchor < <(tb_wait_session 15)
echo "session $sid: client anchor address $anchor on $TB_TUN; gateway NCM ws://$TB_CTL_GW:$TB_NCM_PORT/"
sleep 1 # both paths in the data plane, the policy's first probes
tb_iperf_server

echo
echo "==== ping $TB_SRV through the tunnel (20 x 100 ms)"
read -r sent recv loss min avg max < <(tb_ping cli "$TB_SRV" 20 0.1)
echo "ping: $recv/$sent answered ($loss % lost), RTT min/avg/max $min/$avg/$max ms"
[[ $recv -gt 0 ]] || fail "no ping answered"

declare -A mbps
for dir in uplink downlink; do
  echo
  echo "==== iperf3 TCP $dir, 5 s"
  args=(-t 5 -J)
  [[ $dir == downlink ]] && args+=(-R)
  if json=$(tb_iperf "${args[@]}"); then
    mbps[$dir]=$(tb_json end.sum_received.bits_per_second <<<"$json" | awk '{printf "%.1f", $1 / 1e6}')
    echo "TCP $dir: ${mbps[$dir]} Mbit/s"
    awk -v v="${mbps[$dir]}" 'BEGIN { exit !(v > 1) }' || fail "TCP $dir: ${mbps[$dir]} Mbit/s"
  else
    mbps[$dir]=0
    fail "iperf3 $dir: $(tail -n 3 <<<"$json")"
  fi
done

echo
echo "==== the gateway's counters per path (telemetry /mamsgw/session,$sid)"
tb_telemetry "/mamsgw/session,$sid" | "$TB_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print("session: dl_pkts=%d dl_bytes=%d ul_pkts=%d ul_bytes=%d" % (d["dl_pkts"], d["dl_bytes"], d["ul_pkts"], d["ul_bytes"]))
for conn, name in ((0, "wifi"), (3, "lte")):
    k = lambda f: d.get("path%d_%s" % (conn, f), "-")
    print("path %-4s (conn %d): up=%s tx_pkts=%s rx_pkts=%s lost=%s rtt_us=%s probes_sent=%s probe_acks=%s drops=%s" % (
        name, conn, k("up"), k("tx_pkts"), k("rx_pkts"), k("lost"), k("rtt_us"), k("probes_sent"), k("probe_acks"), k("drops")))'

echo
echo "==== the operator's view: mamsctl against the REST API (in the gateway's namespace)"
mamsctl=$build/tools/mamsctl/mamsctl
for cmd in sessions "session $sid"; do
  echo "\$ mamsctl $cmd"
  # shellcheck disable=SC2086 # $cmd is two words on purpose
  tb_exec gw "$mamsctl" --url http://127.0.0.1:8080 $cmd || fail "mamsctl $cmd"
done

echo
echo "==== mams-client's stats lines (latest)"
sleep 1.1
for sel in " path=wifi " " path=lte " " session="; do
  grep -F -- "$sel" "$TB_RUN/mams-client.log" | tail -n 1
done

echo
echo "==== the link emulators"
for link in wifi lte; do
  echo "$link: uplink fwd $(tb_emu_stat "$link" ab fwd) frames, downlink fwd $(tb_emu_stat "$link" ba fwd) frames"
done

echo
if [[ $failed == 0 ]]; then
  echo "==== demo passed: ping $recv/$sent, TCP uplink ${mbps[uplink]} Mbit/s, downlink ${mbps[downlink]} Mbit/s"
else
  echo "==== demo FAILED (logs follow)"
  exit 1
fi
