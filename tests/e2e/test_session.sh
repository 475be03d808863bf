#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A client session end to end through the test bed (docs/testbed.md):
# mams-client in the client namespace, mamsgw in the gateway namespace, the
# access links through mams-linkem, the server behind the core port.
#   1. the session comes up: the NCM has it active and in the data plane, the
#      client's tun device has the anchor address the NCM handed out;
#   2. ping client -> server through the tunnel with Wi-Fi at 10 ms and LTE
#      at 30 ms each way: every ping answered, no RTT under 20 ms (nothing
#      can beat the emulated delays), none over 60 ms + slack;
#   3. iperf3 TCP uplink and downlink through the tunnel: at least 20 Mbit/s;
#   4. failover: Wi-Fi down in the middle of a ping stream at 50 ms: at most
#      2 s of pings lost; while Wi-Fi stays down at least 90 % of the pings
#      are answered, over LTE (RTT >= 60 ms); the emulator counted the drops;
#   5. the client stops: the session leaves the NCM and the data plane.
# The bounds are loose on purpose: they check that the gateway carries the
# traffic and reacts, not the steering policy's exact choices.
# Exit 0, 1 with the failed check, 77 (skip) when not root, without
# `ip netns`, or without a mams-client binary.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=e2e_lib.sh
source "$here/e2e_lib.sh"
e2e_need_client

e2e_need_cmds ethtool ping iperf3

bash "$here/testbed.sh" down --stale >/dev/null 2>&1 || true

# ---- 1. The session ------------------------------------------------------------------
tb_up --gw
tb_start_client
read -r sid anchor < <(tb_wait_session 15)
ok "session $sid active in the NCM and the data plane, anchor $anchor"
[[ $anchor == 10.8.0.* && $anchor != "$TB_ANCHOR_GW" ]] || fail "anchor $anchor not from the pool"
tun=$(tb_exec cli ip -br -4 addr show dev "$TB_TUN")
[[ $tun == *" $anchor/"* ]] || fail "$TB_TUN does not have $anchor: $tun"
ok "$TB_TUN: $tun"
[[ $(tb_telemetry /mamsgw/sessions) == *"$sid"* ]] || fail "session $sid not in /mamsgw/sessions"

# ---- 2. Ping through the tunnel -----------------------------------------------------------
tb_emu wifi both delay=10 >/dev/null
tb_emu lte both delay=30 >/dev/null
read -r _ recv _ min avg max < <(tb_ping cli "$TB_SRV" 50 0.05)
check_range "ping through the tunnel: answered" "$recv" 50 50
check_range "ping through the tunnel: min RTT (ms)" "$min" 20.0 63.0
check_range "ping through the tunnel: max RTT (ms)" "$max" 20.0 66.0
echo "ping: mean RTT $avg ms"
# Without static MACs (the default) the gateway found the client and the
# server with ARP: its neighbour table has them, with the veth peers' MACs.
if [[ $TB_STATIC_NEIGH == 0 ]]; then
	neigh=$(tb_telemetry /mamsgw/neighbors)
	for want in "wifi $TB_WIFI_CLI $(tb_mac cli cli-wifi)" "core $TB_SRV $(tb_mac srv srv-core)"; do
		read -r port ip mac <<<"$want"
		"$TB_PYTHON" -c '
import json, sys
t = json.loads(sys.argv[1])
sys.exit(0 if any(e["port"] == sys.argv[2] and e["ip"] == sys.argv[3] and
                  e["mac"].lower() == sys.argv[4].lower() for e in t.values()) else 1)' \
			"$neigh" "$port" "$ip" "$mac" ||
			fail "gateway neighbour $ip on $port with $mac not learnt: $neigh"
	done
	ok "gateway resolved the client (wifi) and the server (core) with ARP"
fi

# ---- 3. TCP both ways ------------------------------------------------------------------------
tb_iperf_server
for dir in up down; do
	args=(-t 3 -J)
	[[ $dir == down ]] && args+=(-R)
	json=$(tb_iperf "${args[@]}") || fail "iperf3 $dir: $json"
	mbps=$(tb_json end.sum_received.bits_per_second <<<"$json" | awk '{printf "%.1f", $1 / 1e6}')
	check_range "iperf3 TCP $dir through the tunnel (Mbit/s)" "$mbps" 20 100000
done

# ---- 4. Failover ---------------------------------------------------------------------------------
# 160 pings at 50 ms (8 s); Wi-Fi down from 2 s to 6 s.
out=$TB_RUN/failover-ping.txt
tb_exec cli timeout 30 ping -n -i 0.05 -c 160 -W 1 "$TB_SRV" >"$out" 2>&1 &
ping_pid=$!
sleep 2
drops0=$(tb_emu_stat wifi ab drop_down)
tb_emu wifi down >/dev/null
sleep 4
tb_emu wifi up >/dev/null
wait "$ping_pid" || true
read -r lost_down answered_late late_total lte_rtt < <(awk -F'[= ]' '
	/icmp_seq=/ {
		for (i = 1; i <= NF; i++) { if ($i == "icmp_seq") s = $(i + 1); if ($i == "time") t = $(i + 1) }
		got[s] = t
	}
	END {
		# Wi-Fi is down for seq ~41..120; lost: seq 41..120 without answer.
		for (s = 41; s <= 120; s++) if (!(s in got)) lost++
		# Once switched (2 s after the cut at the latest): seq 81..120 on LTE.
		for (s = 81; s <= 120; s++) { n++; if (s in got) { a++; if (got[s] >= 60) lte++ } }
		printf "%d %d %d %d\n", lost, a, n, lte
	}' "$out")
echo "failover: $(tail -n 2 "$out" | head -n 1)"
check_range "failover: pings lost while Wi-Fi is down (50 ms apart)" "$lost_down" 0 40
check_range "failover: answered 2..4 s after the cut (of $late_total)" "$answered_late" 36 40
check_range "failover: of those, over LTE (RTT >= 60 ms)" "$lte_rtt" "$answered_late" 40
drops1=$(tb_emu_stat wifi ab drop_down)
check_range "failover: uplink frames dropped by the Wi-Fi emulator" "$((drops1 - drops0))" 1 1000000

# ---- 5. The client stops --------------------------------------------------------------------------
tb_stop mams-client
for ((i = 0; i < 100; i++)); do
	[[ $(tb_telemetry /mamsgw/ncm/sessions | tb_json total) == 0 ]] && break
	sleep 0.1
done
check_range "after the client stopped: NCM sessions" "$(tb_telemetry /mamsgw/ncm/sessions | tb_json total)" 0 0
[[ $(tb_telemetry /mamsgw/sessions) != *"$sid"* ]] || fail "session $sid still in the data plane"
ok "session $sid removed from the NCM and the data plane"
echo "test_session: all checks passed"
