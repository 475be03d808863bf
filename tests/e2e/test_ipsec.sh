#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The IPsec adaptation end to end (docs/ipsec.md) through the test bed
# (docs/testbed.md): the NCM offers Wi-Fi (connection 0) with IPsec and LTE
# (connection 3) plain; mams-client derives the same SAs from the secret.
#   1. the session comes up with ESP on wifi only: the gateway's wifi path has
#      derived SPIs (>= 0x80000000), lte has none; the REST API (mamsctl
#      --json session) shows the same, and no key material;
#   2. iperf3 TCP downlink and uplink through both paths (downlink split
#      50/50) while the NCM rekeys every 3 s: both complete, at least two
#      rekeys happened, and neither the gateway nor the client dropped a
#      single packet for an ESP reason (no unknown SPI, bad ICV, replay...);
#   3. a census of the UDP datagrams of the GMA port on the client's wifi and
#      lte links during the transfer, both directions: on wifi every one is ESP (none carries a
#      GMA PDU in the clear) and the SPIs changed with the rekeys; on lte
#      every one is a plain GMA PDU (an IPv4 packet), none is ESP.
# Exit 0, 1 with the failed check, 77 (skip) when not root or without netns.
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# shellcheck source=e2e_lib.sh
source "$here/e2e_lib.sh"
e2e_need_client

STREAM_S=${IPSEC_STREAM_S:-8}
REKEY_S=3


e2e_need_cmds ethtool iperf3

bash "$here/testbed.sh" down --stale >/dev/null 2>&1 || true

gw_stat() { tb_telemetry "/mamsgw/session,$sid" | tb_json "$1"; }
ncm_stat() { tb_telemetry /mamsgw/ncm | tb_json "$1"; }
# ESP drops in the gateway (all workers; the only session is ours): every
# esp_* reason but the keep-alives (counted, not errors).
gw_esp_drops() {
	tb_telemetry /mamsgw/drops | "$TB_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
print(sum(v for k, v in d.items() if k.startswith("esp_") and k != "esp_keepalive"))'
}
# The client's ESP drops (its latest stats lines: esp_* fields, keep-alives excluded).
cli_esp_drops() {
	grep -E ' path=(wifi|lte) ' "$TB_RUN/mams-client.log" | tail -n 2 | tr ' ' '\n' |
		awk -F= '$1 ~ /^esp_/ && $1 !~ /keepalive|rekeys|spi/ { s += $2 } END { print s + 0 }'
}

# ---- 1. The session, with IPsec on wifi ---------------------------------------------------
tb_up
cfg=$TB_RUN/mamsgw-ipsec.json
tb_gw_config | "$TB_PYTHON" -c '
import json, sys
c = json.load(sys.stdin)
n = c["ncm"]
n["ipsec_secret_over_ws"] = True  # the control link is the test bed own namespace link
n["delivery"][0]["ipsec"] = {"suite": "aes128-gcm", "esn": True,
                             "rekey_s": int(sys.argv[1]), "grace_ms": 1000}
n["session"] = {"flows": [{"flow_id": 0, "steering": {"mode": "split", "paths": [0, 3],
                                                        "weights": [1, 1]}}]}
n["policy"] = {"flows": []}
c["rest"] = {"listen": {"ip": "127.0.0.1", "port": 8080}}  # in the gateway namespace
json.dump(c, sys.stdout, indent=1)' "$REKEY_S" >"$cfg"
TB_GW_CONFIG=$cfg tb_start_gw
tb_start_client --stats-interval-ms 250 --ipsec-suite aes128-gcm --ipsec-esn on \
	--ipsec-rekey-grace-ms 1000
read -r sid _ < <(tb_wait_session 15)
e2e_wait_paths_up "$sid" 0 3
spi_in=$(gw_stat path0_esp_spi_in)
check_range "wifi: derived inbound SPI" "$spi_in" 2147483648 4294967295
check_range "wifi: derived outbound SPI" "$(gw_stat path0_esp_spi_out)" 2147483648 4294967295
check_range "lte: no SA (plain GMA)" "$(gw_stat path3_esp_spi_in)" 0 0
# The operator's view (REST through mamsctl, in the gateway's namespace): the
# SPIs in use, never a key.
[[ -x ${TB_MAMSCTL:-} ]] || fail "no mamsctl at '${TB_MAMSCTL:-}' (TB_MAMSCTL; meson sets it)"
rest=$(tb_exec gw "$TB_MAMSCTL" --url http://127.0.0.1:8080 --json session "$sid") ||
	fail "mamsctl session $sid: $rest"
read -r r_ipsec r_spi r_lte < <("$TB_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
c = {x["connection_id"]: x for x in d["connections"]}
print(c[0]["ipsec"], c[0].get("esp_spi_in", 0), c[3]["ipsec"])' <<<"$rest")
check_eq "REST: wifi is IPsec" "$r_ipsec" True
check_eq "REST: lte is plain" "$r_lte" False
check_eq "REST: wifi inbound SPI = the data plane's" "$r_spi" "$spi_in"
[[ $rest != *keymat* && $rest != *secret* ]] || fail "REST shows key material: $rest"
drops0=$(gw_esp_drops)
rekeys0=$(ncm_stat ipsec_rekeys)

# ---- 2. TCP both ways under rekeys, 3. the census -------------------------------------
tb_iperf_server
census_s=$((2 * STREAM_S + 6))
census_pids=()
for link in wifi lte; do
	# On the client's side of each link: its kernel sends uplink through the
	# packet taps, and downlink arrives through them (mamsgw's af_packet
	# ports bypass the qdisc, so a tap on the gateway side misses its TX).
	tb_exec cli "$TB_PYTHON" "$here/udp_census.py" "cli-$link" "$TB_GMA_PORT" "$census_s" \
		>"$TB_RUN/census-$link.json" 2>"$TB_RUN/census-$link.err" &
	census_pids+=($!)
done
for ((i = 0; i < 100; i++)); do
	grep -q ready "$TB_RUN/census-wifi.err" 2>/dev/null &&
		grep -q ready "$TB_RUN/census-lte.err" 2>/dev/null && break
	sleep 0.05
done
json=$(tb_iperf -t "$STREAM_S" -R -J) || fail "iperf3 TCP downlink: $json"
down=$("$TB_PYTHON" -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' <<<"$json")
json=$(tb_iperf -t "$STREAM_S" -J) || fail "iperf3 TCP uplink: $json"
up=$("$TB_PYTHON" -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' <<<"$json")
echo "TCP through the tunnel with IPsec on wifi: downlink $down Mbit/s, uplink $up Mbit/s"
check_range "TCP downlink (Mbit/s)" "$down" 5 100000
check_range "TCP uplink (Mbit/s)" "$up" 5 100000
wait "${census_pids[@]}" || fail "the census failed: $(cat "$TB_RUN"/census-*.err)"

rekeys=$(($(ncm_stat ipsec_rekeys) - rekeys0))
check_range "rekeys during the transfer" "$rekeys" 2 100
check_range "gateway: ESP drops during the transfer" "$(($(gw_esp_drops) - drops0))" 0 0
sleep 0.6 # a fresh client stats line
check_range "client: ESP drops" "$(cli_esp_drops)" 0 0
check_range "gateway: downlink on wifi (pkts)" "$(gw_stat path0_tx_pkts)" 1000 1000000000
check_range "gateway: downlink on lte (pkts)" "$(gw_stat path3_tx_pkts)" 1000 1000000000
check_range "gateway: uplink on wifi (pkts)" "$(gw_stat path0_rx_pkts)" 1 1000000000

census() { "$TB_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]] if sys.argv[2] != "nspis" else len(d["spis"]))' "$TB_RUN/census-$1.json" "$2"; }
echo "census wifi: $(cat "$TB_RUN/census-wifi.json")" | cut -c1-400
echo "census lte: $(cat "$TB_RUN/census-lte.json")"
check_range "wifi: GMA-port datagrams seen" "$(census wifi frames)" 1000 1000000000
check_range "wifi: GMA PDUs in the clear" "$(census wifi ipv4_inner)" 0 0
check_range "wifi: neither ESP nor keep-alive" "$(census wifi other)" 0 0
check_range "wifi: ESP datagrams" "$(census wifi esp)" 1000 1000000000
# Two directions x (the first SAs + one per rekey): several SPIs.
check_range "wifi: distinct SPIs (rekeys)" "$(census wifi nspis)" 4 1000
check_range "lte: GMA-port datagrams seen" "$(census lte frames)" 1000 1000000000
check_range "lte: ESP datagrams" "$(census lte esp)" 0 0
check_range "lte: other than plain GMA" "$(census lte other)" 0 0

tb_stop mams-client
tb_down
echo "PASS"
