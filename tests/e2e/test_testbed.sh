#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The test bed itself (tests/e2e/testbed.sh, docs/testbed.md), with numbers:
#   1. namespaces, veths (offloads off) and both emulators come up;
#   2. across the emulated links, before the gateway owns them (the gateway
#      namespace's kernel answers on gw-wifi / gw-lte for this part only):
#      20 ms each way -> ping RTT 40 ms (+0/+3); 20 % uplink loss over 500
#      pings at 5 ms -> 15..25 % ping loss, equal to the emulator's count;
#      10 +- 5 ms uniform jitter each way -> RTT in [20, 40] ms, mean 20 +- 3;
#      down -> every ping lost and counted "down", up -> none lost;
#      5 Mbit/s uplink -> iperf3 UDP at 8 Mbit/s delivers 5 Mbit/s of frames +- 5 %;
#   3. mamsgw starts on net_af_packet ports in its namespace with the
#      generated config; frames sent over each emulated link reach its ports
#      (DPDK telemetry); its NCM answers mx_discover with mx_system_info from
#      the client namespace (python3-websockets);
#   4. down removes everything (namespaces, processes, DPDK runtime directory,
#      state); the command line's up/status/down; a run whose owner was
#      killed is reported as a leftover by status and removed by down --stale.
# Exit 0 on success, 1 with the failed check, 77 (skip) when not root or
# without `ip netns`.  Environment: TB_MAMSGW, TB_LINKEM (meson sets them).
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=e2e_lib.sh
source "$here/e2e_lib.sh"

e2e_need_cmds ethtool ping
[[ -x $TB_LINKEM ]] || fail "no mams-linkem at $TB_LINKEM"
[[ -x $TB_MAMSGW ]] || fail "no mamsgw at $TB_MAMSGW"
"$TB_PYTHON" -c 'import websockets' 2>/dev/null || fail "$TB_PYTHON without websockets (python3-websockets)"

# Runs of earlier tests that were killed before their trap ran.
bash "$here/testbed.sh" down --stale >/dev/null 2>&1 || true

# ---- 1. Up ---------------------------------------------------------------------
tb_up
id=$TB_ID
for role in cli emu gw srv; do
	grep -q "^$(tb_ns "$role")\b" <<<"$(ip netns list)" || fail "namespace $(tb_ns "$role") missing"
done
for pair in cli:cli-wifi cli:cli-lte cli:cli-ctl emu:emu-wifi-c emu:emu-wifi-g emu:emu-lte-c \
	emu:emu-lte-g gw:gw-wifi gw:gw-lte gw:gw-core gw:gw-ctl srv:srv-core; do
	grep -q ' UP ' <<<"$(ip -n "$(tb_ns "${pair%%:*}")" -br link show dev "${pair#*:}")" ||
		fail "${pair#*:} is not up"
	tb__offloads_off "${pair%%:*}" "${pair#*:}" || fail "offloads on: ${pair#*:}"
done
ok "4 namespaces, 12 veth ends up with offloads off, 2 emulators answering"

# ---- 2. The emulated links --------------------------------------------------------
# For this part only: the gateway namespace's kernel answers on the access
# links (mamsgw owns them later), with static neighbours both ways.
ip -n "$(tb_ns gw)" addr add "$TB_WIFI_GW/24" dev gw-wifi
ip -n "$(tb_ns gw)" addr add "$TB_LTE_GW/24" dev gw-lte
ip -n "$(tb_ns gw)" neigh replace "$TB_WIFI_CLI" lladdr "$(tb_mac cli cli-wifi)" dev gw-wifi nud permanent
ip -n "$(tb_ns gw)" neigh replace "$TB_LTE_CLI" lladdr "$(tb_mac cli cli-lte)" dev gw-lte nud permanent
tb_ping cli "$TB_WIFI_GW" 3 0.05 >/dev/null
tb_ping cli "$TB_LTE_GW" 3 0.05 >/dev/null

# 20 ms each way on Wi-Fi: RTT 40 ms.
tb_emu wifi both delay=20 >/dev/null
read -r sent recv loss min avg _ < <(tb_ping cli "$TB_WIFI_GW" 50 0.02)
check_eq "wifi delay 20 ms: pings answered" "$recv" 50
check_range "wifi delay 20 ms: min RTT (ms)" "$min" 40.0 43.0
check_range "wifi delay 20 ms: mean RTT (ms)" "$avg" 40.0 43.0

# 20 % loss uplink, none downlink: ~20 % of the pings lost, each one counted.
tb_emu wifi both reset >/dev/null
tb_emu wifi ab loss=20 >/dev/null
before=$(tb_emu_stat wifi ab drop_loss)
read -r sent recv loss min avg _ < <(tb_ping cli "$TB_WIFI_GW" 500 0.005)
after=$(tb_emu_stat wifi ab drop_loss)
check_eq "wifi loss 20 %: pings sent" "$sent" 500
check_range "wifi loss 20 %: ping loss (%)" "$loss" 15 25
check_eq "wifi loss 20 %: pings lost = emulator's loss count" "$((sent - recv))" "$((after - before))"
tb_emu wifi both reset >/dev/null

# 10 +- 5 ms (uniform) each way on LTE: RTT within [10, 30] ms (95 % of them:
# a late wake-up on a busy machine may add to a few), mean 20 +- 3.
tb_emu lte both delay=10 jitter=5 dist=uniform >/dev/null
rtts=$TB_RUN/lte-rtts
read -r sent recv loss min avg _ < <(TB_PING_RTTS=$rtts tb_ping cli "$TB_LTE_GW" 100 0.02)
check_eq "lte jitter: pings answered" "$recv" 100
check_range "lte jitter 10+-5 ms: min RTT (ms)" "$min" 10.0 30.0
check_range "lte jitter 10+-5 ms: mean RTT (ms)" "$avg" 17.0 23.0
check_range "lte jitter 10+-5 ms: RTTs in [10, 30.5] ms" \
	"$(awk '$1 >= 10 && $1 <= 30.5' "$rtts" | wc -l)" 95 100
check_range "lte jitter 10+-5 ms: RTTs below 15 ms (expected 12.5 %)" \
	"$(awk '$1 < 15' "$rtts" | wc -l)" 3 30

# Down and up again.
tb_emu lte both reset >/dev/null
tb_emu lte down >/dev/null
before=$(tb_emu_stat lte ab drop_down)
read -r sent recv loss min avg _ < <(tb_ping cli "$TB_LTE_GW" 20 0.02)
after=$(tb_emu_stat lte ab drop_down)
check_eq "lte down: pings answered" "$recv" 0
check_eq "lte down: counted as down" "$((after - before))" 20
tb_emu lte up >/dev/null
read -r sent recv loss min avg _ < <(tb_ping cli "$TB_LTE_GW" 20 0.02)
check_eq "lte up again: pings answered" "$recv" 20

# Rate: 5 Mbit/s uplink with a 50-packet queue, iperf3 UDP offered at 8 Mbit/s.
# 1200-byte datagrams are 1242-byte frames: 5 Mbit/s of frames is 4.831 Mbit/s
# of payload (iperf3 counts payload), +- 2 %.
if command -v iperf3 >/dev/null; then
	tb_bg iperf3-gw gw timeout 60 iperf3 -s -B "$TB_WIFI_GW" -p 5201 -1 -J
	for ((i = 0; i < 100; i++)); do
		tb_exec gw ss -Hltn "sport = :5201" | grep -q . && break
		sleep 0.05
	done
	tb_emu wifi ab rate=5mbit queue=50 >/dev/null
	json=$(tb_exec cli timeout 30 iperf3 -c "$TB_WIFI_GW" -p 5201 -u -b 8M -l 1200 -t 4 -J \
		--get-server-output)
	# Steady state: the server's (receiver's) 1 s intervals but the first and the last.
	rcv=$("$TB_PYTHON" -c '
import json, sys
iv = json.load(sys.stdin)["server_output_json"]["intervals"][1:-1]
print("%.3f" % (sum(i["sum"]["bits_per_second"] for i in iv) / len(iv) / 1e6))' <<<"$json")
	check_range "wifi rate 5 Mbit/s: UDP payload received (Mbit/s)" "$rcv" 4.73 4.93
	qd=$(tb_emu_stat wifi ab drop_queue)
	check_range "wifi rate 5 Mbit/s: tail drops counted" "$qd" 1 100000
	tb_stop iperf3-gw
	tb_emu wifi both reset >/dev/null
else
	echo "SKIP (part): iperf3 not installed, rate not measured (Debian package iperf3)"
fi

# The access links belong to mamsgw from here on.
ip -n "$(tb_ns gw)" addr flush dev gw-wifi
ip -n "$(tb_ns gw)" addr flush dev gw-lte
ip -n "$(tb_ns gw)" neigh flush dev gw-wifi
ip -n "$(tb_ns gw)" neigh flush dev gw-lte

# ---- 3. The gateway ---------------------------------------------------------------
tb_start_gw
grep -q '3 port(s)' "$TB_RUN/mamsgw.log" || fail "mamsgw: $(cat "$TB_RUN/mamsgw.log")"
check_eq "mamsgw: DPDK ports" "$(tb_telemetry /ethdev/list)" "[0, 1, 2]"
ok "mamsgw started: $(grep 'listening on' "$TB_RUN/mamsgw.log")"

# Frames over each emulated link reach the gateway's port (nothing answers them yet).
for link in wifi:0:$TB_WIFI_GW lte:1:$TB_LTE_GW; do
	IFS=: read -r name port dst <<<"$link"
	before=$(tb_telemetry "/ethdev/stats,$port" | tb_json ipackets)
	fwd0=$(tb_emu_stat "$name" ab fwd)
	tb_ping cli "$dst" 10 0.02 -W 1 >/dev/null
	after=$(tb_telemetry "/ethdev/stats,$port" | tb_json ipackets)
	fwd1=$(tb_emu_stat "$name" ab fwd)
	check_eq "$name: frames forwarded by the emulator" "$((fwd1 - fwd0))" 10
	check_eq "$name: frames received by mamsgw port $port" "$((after - before))" 10
done

# The NCM from the client namespace, over the control link.
reply=$(tb_exec cli "$TB_PYTHON" "$here/ncm_probe.py" "ws://$TB_CTL_GW:$TB_NCM_PORT/" 15 \
	"$TB_CTL_GW" "$TB_NCM_PORT") || fail "NCM not reachable from the client: $reply"
ok "NCM from $(tb_ns cli): $reply"
ncm=$(tb_telemetry /mamsgw/ncm)
check_range "NCM: WebSocket connections accepted" "$(tb_json ws_accepted <<<"$ncm")" 1 1
check_range "NCM: messages in" "$(tb_json msgs_in <<<"$ncm")" 1 1

# ---- 4. Down, command line, leftovers ---------------------------------------------
pids=$(cat "$TB_RUN"/pids/* | awk '{print $1}')
tb_down
for pid in $pids; do
	tb__alive "$pid" && fail "process $pid still runs after down"
done
left=$(tb_leftovers "$id")
[[ ${TB_KEEP:-0} == 1 ]] && left=$(grep -v '^state directory' <<<"$left" || true)
[[ -z $left ]] || fail "left behind by down: $left"
ok "down: nothing left of run $id"
trap - EXIT INT TERM ERR
export TB_KEEP=0 # the runs below are checked for a clean removal

out=$(bash "$here/testbed.sh" up 2>&1) || fail "testbed.sh up: $out"
cid=$(sed -n 's/^TB_ID=//p' <<<"$out")
[[ -n $cid ]] || fail "testbed.sh up printed no ID: $out"
trap 'bash "$here/testbed.sh" down "$cid" >/dev/null 2>&1' EXIT
status=$(bash "$here/testbed.sh" status "$cid") || fail "status: $status"
grep -q "process linkem-wifi: pid .* running" <<<"$status" || fail "status does not show the run: $status"
reply=$(bash "$here/testbed.sh" emu "$cid" wifi ab delay=5) || fail "testbed.sh emu: $reply"
grep -q "^ab up delay=5 " <<<"$reply" || fail "testbed.sh emu did not change the emulator: $reply"
bash "$here/testbed.sh" down "$cid" >/dev/null 2>&1 || fail "testbed.sh down $cid failed"
[[ -z $(tb_leftovers "$cid") ]] || fail "testbed.sh down left: $(tb_leftovers "$cid")"
ok "command line: up, status, emu, down"

# A test killed before its trap: status reports it, down --stale removes it.
kid=$(TB_STATE=$TB_STATE bash -c 'source "$1"; TB_NO_TRAP=1; tb_up >/dev/null 2>&1; echo "$TB_ID"; kill -9 $$' \
	_ "$here/testbed.sh" | head -n 1) || true
[[ -n $kid ]] || fail "no run from the killed shell"
trap 'bash "$here/testbed.sh" down "$kid" >/dev/null 2>&1' EXIT
st=0
status=$(bash "$here/testbed.sh" status "$kid") || st=$?
[[ $st -eq 1 && $status == *"run $kid: LEFTOVER"* ]] || fail "status (exit $st) missed the leftover: $status"
bash "$here/testbed.sh" down --stale >/dev/null 2>&1 || fail "down --stale failed"
[[ -z $(tb_leftovers "$kid") ]] || fail "down --stale left: $(tb_leftovers "$kid")"
ok "leftover of a killed run: reported by status, removed by down --stale"
trap - EXIT
echo "test_testbed: all checks passed"
