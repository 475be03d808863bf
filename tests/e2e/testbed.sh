#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The namespace test bed of mamsgw (docs/testbed.md): a client with two
# access links (Wi-Fi, LTE), each through its own link emulator (mams-linkem),
# the gateway (mamsgw on net_af_packet ports), a server behind its core port,
# and a control link from the client to the NCM's WebSocket.
#
#   testbed.sh up [--gw] [--no-emu] [--id ID]   build one (prints its ID)
#   testbed.sh down ID | --stale | --all        remove one / the abandoned / every one
#   testbed.sh status [ID]                      what exists; exit 1 on leftovers
#   testbed.sh emu ID LINK COMMAND...           change an emulator (LINK wifi|lte)
#   testbed.sh env ID                           its variables, for eval
#
# Sourced by the e2e tests, it gives functions: tb_up, tb_down, tb_start_emus,
# tb_emu, tb_emu_stat, tb_start_gw, tb_gw_config, tb_telemetry, tb_json,
# tb_start_client, tb_iperf_server, tb_iperf, tb_ping, tb_bg, tb_stop,
# tb_exec, tb_wait_session, tb_leftovers, tb_status, tb_attach.  tb_up installs an EXIT trap
# (and INT/TERM traps that exit through it) that runs tb_down, so that a
# failing test leaves nothing behind; TB_NO_TRAP=1 leaves traps alone.
#
# Names carry a run ID (TB_ID, default "<pid>-<random>"): namespaces
# mc-{cli,emu,gw,srv}-ID, DPDK file prefix mc-ID, state directory
# $TB_STATE/ID (sockets, logs, PIDs, the gateway's config).  Interfaces are
# created inside the namespaces, never in the caller's, so their names are
# fixed.  Every background process is started with a time bound.

# ---- Settings (set them before sourcing or in the environment) ---------------

TB_TOP=${TB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TB_BUILD=${TB_BUILD:-${MAMSGW_BUILDDIR:-$TB_TOP/build}}
TB_MAMSGW=${TB_MAMSGW:-$TB_BUILD/mamsgw}
TB_LINKEM=${TB_LINKEM:-$TB_BUILD/tools/linkem/mams-linkem}
TB_CLIENT=${TB_CLIENT:-$TB_BUILD/tools/client/mams-client}
TB_STATE=${TB_STATE:-${TMPDIR:-/tmp}/mamsgw-testbed}
TB_PYTHON=${TB_PYTHON:-/usr/bin/python3}   # Debian's, with python3-websockets
TB_SEED=${TB_SEED:-1}                       # emulator seeds: wifi TB_SEED, lte TB_SEED+1
TB_MAX_SECONDS=${TB_MAX_SECONDS:-3600}      # every background process ends by then
TB_GW_LCORES=${TB_GW_LCORES:-0,1}           # mamsgw -l: main lcore, one worker
TB_GW_MEM=${TB_GW_MEM:-1024}                # mamsgw -m (MB, --no-huge)
TB_STATIC_NEIGH=${TB_STATIC_NEIGH:-0}       # 1: static MACs instead of ARP on the gateway's links

# ---- Addresses (documentation and private ranges) ----------------------------

TB_WIFI_GW=192.0.2.1        TB_WIFI_CLI=192.0.2.10       TB_WIFI_PREFIX=24
TB_LTE_GW=198.51.100.1      TB_LTE_CLI=198.51.100.10     TB_LTE_PREFIX=24
TB_CORE_GW=203.0.113.1      TB_SRV=203.0.113.10          TB_CORE_PREFIX=24
TB_CTL_GW=10.99.0.1         TB_CTL_CLI=10.99.0.2         TB_CTL_PREFIX=24
TB_ANCHOR_POOL=10.8.0.0/24  TB_ANCHOR_GW=10.8.0.1
TB_NCM_PORT=8765            TB_GMA_PORT=10020            TB_MX_CTRL_PORT=9999
TB_TUN=mams0
# Fixed MACs (each link is its own L2 domain): gateway ::X:01, peer ::X:02.
TB_MAC_GW_WIFI=02:00:00:00:01:01  TB_MAC_CLI_WIFI=02:00:00:00:01:02
TB_MAC_GW_LTE=02:00:00:00:02:01   TB_MAC_CLI_LTE=02:00:00:00:02:02
TB_MAC_GW_CORE=02:00:00:00:03:01  TB_MAC_SRV_CORE=02:00:00:00:03:02

TB_ROLES=(cli emu gw srv)

# ---- Helpers -------------------------------------------------------------------

tb__log() { printf 'testbed: %s\n' "$*" >&2; }
tb__die() { tb__log "error: $*"; return 1; }

# Namespace of a role (cli, emu, gw, srv) in the current run.
tb_ns() { printf 'mc-%s-%s' "$1" "$TB_ID"; }

# tb_exec ROLE CMD...: a command in a role's namespace.
tb_exec() {
	local role=$1
	shift
	ip netns exec "$(tb_ns "$role")" "$@"
}

# The MAC of an interface, read back from the kernel.
tb_mac() { ip -n "$(tb_ns "$1")" -br link show dev "$2" | awk '{print $3}'; }

# Start time of a process (field 22 of /proc/PID/stat), to tell a PID reused.
tb__starttime() { awk '{sub(/^.*\) /, ""); print $20}' "/proc/$1/stat" 2>/dev/null; }

# Alive and not a zombie.
tb__alive() {
	local st
	st=$(awk '{sub(/^.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null) || return 1
	[[ -n $st && $st != Z && $st != X ]]
}

tb__need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || tb__die "$c not found (Debian package: $(tb__pkg "$c"))" || return 1
	done
}
tb__pkg() {
	case $1 in
	ip) echo iproute2 ;; ethtool) echo ethtool ;; ping) echo iputils-ping ;;
	iperf3) echo iperf3 ;; *) echo "$1" ;;
	esac
}

# ---- Background processes ---------------------------------------------------------

# tb_bg NAME ROLE CMD...: CMD in ROLE's namespace, in the background, output
# in $TB_RUN/NAME.log, PID in $TB_RUN/pids/NAME.
tb_bg() {
	local name=$1 role=$2 pid
	shift 2
	ip netns exec "$(tb_ns "$role")" "$@" </dev/null >"$TB_RUN/$name.log" 2>&1 &
	pid=$!
	echo "$pid $(tb__starttime "$pid")" >"$TB_RUN/pids/$name"
}

tb_pid() { awk '{print $1}' "$TB_RUN/pids/$1" 2>/dev/null; }

# tb_stop NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 5).
tb_stop() {
	local f=$TB_RUN/pids/$1 pid st i
	[[ -f $f ]] || return 0
	read -r pid st <"$f"
	if tb__alive "$pid" && [[ $(tb__starttime "$pid") == "$st" ]]; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < ${2:-5} * 20; i++)); do
			tb__alive "$pid" || break
			sleep 0.05
		done
		if tb__alive "$pid"; then
			tb__log "$1 (pid $pid) ignored SIGTERM: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
	rm -f "$f"
}

# ---- Runs ---------------------------------------------------------------------------

tb__write_env() {
	# Plain assignments (not declare -p: sourced in a function, those would be local).
	local v
	for v in TB_ID TB_RUN TB_MAMSGW TB_LINKEM TB_CLIENT TB_PYTHON TB_SEED TB_MAX_SECONDS \
		TB_GW_LCORES TB_GW_MEM; do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$TB_RUN/tb.env"
}

# tb_attach ID: work on an existing run (from another shell).
tb_attach() {
	[[ -f $TB_STATE/$1/tb.env ]] || { tb__die "no test bed $1 in $TB_STATE"; return 1; }
	# shellcheck disable=SC1090
	source "$TB_STATE/$1/tb.env"
}

tb__exit_trap() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n ${TB_ID:-} && -d ${TB_RUN:-/nonexistent} ]]; then
		if [[ $rc -ne 0 && ${TB_DUMP_LOGS:-1} == 1 ]]; then
			tb_dump_logs
		fi
		tb_down || true
	fi
	exit "$rc"
}

tb__err_trap() {
	[[ $- == *e* ]] && tb__log "failed (status $1) at ${BASH_SOURCE[1]:-?}:$2: $3"
	return 0
}

# Every log of the run on stderr (the tests call it on failure).
tb_dump_logs() {
	local f
	for f in "$TB_RUN"/*.log; do
		[[ -f $f ]] || continue
		printf '\n----- %s (last 60 lines)\n' "${f##*/}" >&2
		tail -n 60 "$f" >&2
	done
}

# tb_up [--gw] [--no-emu]: namespaces, veths, addresses, emulators (and mamsgw).
tb_up() {
	local emu=1 gw=0 owner="${TB_OWNER:-$$ $(tb__starttime $$)}" _try
	while [[ $# -gt 0 ]]; do
		case $1 in
		--gw) gw=1 ;;
		--no-emu) emu=0 ;;
		*) tb__die "tb_up: unknown option $1"; return 1 ;;
		esac
		shift
	done
	[[ $(id -u) -eq 0 ]] || { tb__die "needs root (network namespaces)"; return 1; }
	tb__need ip ethtool || return 1
	[[ -x $TB_LINKEM ]] || { tb__die "no mams-linkem at $TB_LINKEM (build first, or set TB_LINKEM)"; return 1; }
	mkdir -p "$TB_STATE"
	# Claim a run ID: mkdir is atomic; an ID in use (by a run or a leftover) is never reused.
	# shellcheck disable=SC2034 # a bounded retry count
	for _try in 1 2 3 4 5 6 7 8; do
		TB_ID=${TB_ID_WANTED:-$$-$RANDOM}
		# (no "ip netns list | grep -q": with pipefail, grep's early exit can fail the pipe)
		if ! grep -Eq "^mc-(cli|emu|gw|srv)-$TB_ID( |$)" <<<"$(ip netns list)" &&
			mkdir "$TB_STATE/$TB_ID" 2>/dev/null; then
			break
		fi
		[[ -n ${TB_ID_WANTED:-} ]] && { tb__die "test bed $TB_ID_WANTED exists"; TB_ID=; return 1; }
		TB_ID=
	done
	[[ -n $TB_ID ]] || { tb__die "no free run ID"; return 1; }
	TB_RUN=$TB_STATE/$TB_ID
	mkdir -p "$TB_RUN/pids"
	echo "$owner" >"$TB_RUN/owner"
	tb__write_env
	if [[ ${TB_NO_TRAP:-0} != 1 ]]; then
		trap tb__exit_trap EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		trap 'tb__err_trap $? $LINENO "$BASH_COMMAND"' ERR
	fi
	tb__log "up: run $TB_ID (state $TB_RUN)"
	tb__build || { tb__die "building the topology failed"; return 1; }
	if [[ $emu == 1 ]]; then
		tb_start_emus || return 1
	fi
	if [[ $gw == 1 ]]; then
		tb_start_gw || return 1
	fi
	return 0
}

tb__build() {
	local role ns cli emu gw srv
	cli=$(tb_ns cli) emu=$(tb_ns emu) gw=$(tb_ns gw) srv=$(tb_ns srv)
	for role in "${TB_ROLES[@]}"; do
		ns=$(tb_ns "$role")
		echo "$ns" >>"$TB_RUN/netns"
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		# No IPv6: no router or neighbour solicitations on the links.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	# Access links through the emulator namespace; core and control links direct.
	ip -n "$cli" link add name cli-wifi type veth peer name emu-wifi-c netns "$emu" &&
		ip -n "$emu" link add name emu-wifi-g type veth peer name gw-wifi netns "$gw" &&
		ip -n "$cli" link add name cli-lte type veth peer name emu-lte-c netns "$emu" &&
		ip -n "$emu" link add name emu-lte-g type veth peer name gw-lte netns "$gw" &&
		ip -n "$gw" link add name gw-core type veth peer name srv-core netns "$srv" &&
		ip -n "$cli" link add name cli-ctl type veth peer name gw-ctl netns "$gw" || return 1
	ip -n "$cli" link set dev cli-wifi address "$TB_MAC_CLI_WIFI" &&
		ip -n "$cli" link set dev cli-lte address "$TB_MAC_CLI_LTE" &&
		ip -n "$gw" link set dev gw-wifi address "$TB_MAC_GW_WIFI" &&
		ip -n "$gw" link set dev gw-lte address "$TB_MAC_GW_LTE" &&
		ip -n "$gw" link set dev gw-core address "$TB_MAC_GW_CORE" &&
		ip -n "$srv" link set dev srv-core address "$TB_MAC_SRV_CORE" || return 1
	# Offloads off on every veth end: the emulator impairs frames, and the
	# gateway's af_packet ports read what the wire would carry (no GSO
	# super-frames, no checksums left to "hardware").
	local pair
	for pair in cli:cli-wifi cli:cli-lte cli:cli-ctl emu:emu-wifi-c emu:emu-wifi-g \
		emu:emu-lte-c emu:emu-lte-g gw:gw-wifi gw:gw-lte gw:gw-core gw:gw-ctl srv:srv-core; do
		tb_exec "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off tx off rx off \
			>/dev/null 2>&1
		tb__offloads_off "${pair%%:*}" "${pair#*:}" ||
			{ tb__die "offloads still on: ${pair#*:} in $(tb_ns "${pair%%:*}")"; return 1; }
		ip -n "$(tb_ns "${pair%%:*}")" link set dev "${pair#*:}" up || return 1
	done
	# Client: its access addresses, the control link, the gateway's MACs.
	ip -n "$cli" addr add "$TB_WIFI_CLI/$TB_WIFI_PREFIX" dev cli-wifi &&
		ip -n "$cli" addr add "$TB_LTE_CLI/$TB_LTE_PREFIX" dev cli-lte &&
		ip -n "$cli" addr add "$TB_CTL_CLI/$TB_CTL_PREFIX" dev cli-ctl || return 1
	if [[ $TB_STATIC_NEIGH == 1 ]]; then
		ip -n "$cli" neigh replace "$TB_WIFI_GW" lladdr "$(tb_mac gw gw-wifi)" dev cli-wifi nud permanent &&
			ip -n "$cli" neigh replace "$TB_LTE_GW" lladdr "$(tb_mac gw gw-lte)" dev cli-lte nud permanent ||
			return 1
	fi
	# Gateway namespace: only the control link has a kernel address; the
	# access and core ports belong to mamsgw (af_packet), the kernel there
	# must not answer for anything.
	ip -n "$gw" addr add "$TB_CTL_GW/$TB_CTL_PREFIX" dev gw-ctl &&
		tb_exec gw sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.ip_forward=0 || return 1
	# Server: the core network, the anchor pool behind the gateway.
	ip -n "$srv" addr add "$TB_SRV/$TB_CORE_PREFIX" dev srv-core || return 1
	if [[ $TB_STATIC_NEIGH == 1 ]]; then
		ip -n "$srv" neigh replace "$TB_CORE_GW" lladdr "$(tb_mac gw gw-core)" dev srv-core nud permanent ||
			return 1
	fi
	ip -n "$srv" route add "$TB_ANCHOR_POOL" via "$TB_CORE_GW" dev srv-core || return 1
	return 0
}

# True when the offloads that change frames are off on an interface.
tb__offloads_off() {
	local k
	k=$(tb_exec "$1" ethtool -k "$2" 2>/dev/null) || return 1
	! grep -Eq '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|rx-checksumming): on' <<<"$k"
}

# ---- Link emulators -------------------------------------------------------------------

# One mams-linkem per access link, in the emulator namespace: a = client
# side, b = gateway side, so "ab" is the uplink and "ba" the downlink.
tb_start_emus() {
	local link k=0 i
	for link in wifi lte; do
		tb_bg "linkem-$link" emu "$TB_LINKEM" -a "emu-$link-c" -b "emu-$link-g" \
			--seed $((TB_SEED + k)) --ctl "$TB_RUN/linkem-$link.sock" \
			--max-seconds "$TB_MAX_SECONDS"
		k=$((k + 1))
	done
	for link in wifi lte; do
		for ((i = 0; i < 100; i++)); do
			tb_emu "$link" show >/dev/null 2>&1 && break
			tb__alive "$(tb_pid "linkem-$link")" ||
				{ tb__die "mams-linkem ($link) exited: $(tail -n 5 "$TB_RUN/linkem-$link.log")"; return 1; }
			sleep 0.05
		done
		tb_emu "$link" show >/dev/null || { tb__die "mams-linkem ($link) does not answer"; return 1; }
	done
}

# tb_emu LINK COMMAND...: e.g. tb_emu wifi ab delay=20 loss=1; tb_emu lte down;
# tb_emu wifi stats.  The reply (parameters or counters) is printed.
tb_emu() {
	local link=$1
	shift
	"$TB_LINKEM" ctl "$TB_RUN/linkem-$link.sock" "$@"
}

# tb_emu_stat LINK DIR KEY: one counter (DIR ab|ba, KEY fwd, drop_loss, ...).
tb_emu_stat() {
	tb_emu "$1" stats | awk -v d="$2" -v k="$3" '$1 == d {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }'
}

# ---- The gateway ------------------------------------------------------------------------

# With TB_STATIC_NEIGH=1 the veth peers' MACs are pinned as static next hops
# (and the gateway's MACs in the client and server); by default both sides
# resolve each other with ARP, the gateway through its own neighbour table.
tb__nh() {
	[[ $TB_STATIC_NEIGH == 1 ]] && printf ' "next_hop_mac": "%s",' "$(tb_mac "$1" "$2")"
	return 0
}
tb__nh_last() {
	[[ $TB_STATIC_NEIGH == 1 ]] && printf ', "next_hop_mac": "%s"' "$(tb_mac "$1" "$2")"
	return 0
}

# The gateway's configuration: its three af_packet ports, no static session,
# the NCM on the control link with delivery connections wifi (0) and lte (3).
tb_gw_config() {
	cat <<EOF
{
  "dataplane": { "workers": 1, "mbufs": 8191, "mbuf_cache": 128, "max_sessions": 64 },
  "mx_control": { "ip": "$TB_ANCHOR_GW", "port": $TB_MX_CTRL_PORT },
  "ports": [
    { "name": "wifi", "device": "net_af_packet0", "role": "access", "ipv4": "$TB_WIFI_GW",
      "mac": "$(tb_mac gw gw-wifi)",$(tb__nh cli cli-wifi)
      "gma_udp_ports": [$TB_GMA_PORT] },
    { "name": "lte", "device": "net_af_packet1", "role": "access", "ipv4": "$TB_LTE_GW",
      "mac": "$(tb_mac gw gw-lte)",$(tb__nh cli cli-lte)
      "gma_udp_ports": [$TB_GMA_PORT] },
    { "name": "core", "device": "net_af_packet2", "role": "core", "ipv4": "$TB_CORE_GW",
      "mac": "$(tb_mac gw gw-core)"$(tb__nh_last srv srv-core) }
  ],
  "ncm": {
    "ncm_id": 1,
    "listen": { "ip": "$TB_CTL_GW", "port": $TB_NCM_PORT },
    "anchor": { "connection_id": 15, "connection_type": "LTE", "pool": "$TB_ANCHOR_POOL",
                "gateway": "$TB_ANCHOR_GW" },
    "delivery": [
      { "connection_id": 0, "connection_type": "Wi-Fi", "port": "wifi" },
      { "connection_id": 3, "connection_type": "LTE", "port": "lte" }
    ]
  }
}
EOF
}

# tb_start_gw [mamsgw options after --]: mamsgw in the gateway namespace on
# net_af_packet ports over gw-wifi, gw-lte, gw-core; waits until its NCM
# listens.  TB_GW_CONFIG: a config file of your own instead of tb_gw_config.
# shellcheck disable=SC2120 # arguments are optional
tb_start_gw() {
	local cfg=${TB_GW_CONFIG:-$TB_RUN/mamsgw.json} i pid
	[[ -x $TB_MAMSGW ]] || { tb__die "no mamsgw at $TB_MAMSGW (build first, or set TB_MAMSGW)"; return 1; }
	[[ -n ${TB_GW_CONFIG:-} ]] || tb_gw_config >"$cfg"
	tb_bg mamsgw gw "$TB_MAMSGW" --no-huge --no-shconf --no-pci -m "$TB_GW_MEM" \
		--file-prefix="mc-$TB_ID" -l "$TB_GW_LCORES" \
		--vdev "net_af_packet0,iface=gw-wifi" --vdev "net_af_packet1,iface=gw-lte" \
		--vdev "net_af_packet2,iface=gw-core" \
		-- --config "$cfg" --run-ms $((TB_MAX_SECONDS * 1000)) "$@"
	pid=$(tb_pid mamsgw)
	for ((i = 0; i < 600; i++)); do
		grep -q 'listening on' "$TB_RUN/mamsgw.log" 2>/dev/null && break
		tb__alive "$pid" || break
		sleep 0.05
	done
	if ! grep -q 'listening on' "$TB_RUN/mamsgw.log"; then
		tb__die "mamsgw did not start (its NCM does not listen):"
		tail -n 20 "$TB_RUN/mamsgw.log" >&2
		return 1
	fi
}

# tb_telemetry CMD: a DPDK telemetry command of the gateway, its answer as JSON
# (e.g. tb_telemetry /ethdev/stats,0; tb_telemetry /mamsgw/ncm).
tb_telemetry() {
	"$TB_PYTHON" - "/var/run/dpdk/mc-$TB_ID/dpdk_telemetry.v2" "$1" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(5)
s.connect(sys.argv[1])
s.recv(16384)  # the greeting
s.send(sys.argv[2].encode())
reply = json.loads(s.recv(1 << 20).decode())
print(json.dumps(reply[sys.argv[2].split(",")[0]]))
EOF
}

# tb_json KEY[.KEY...]: one value of the JSON on stdin (tb_telemetry ... | tb_json ipackets).
tb_json() {
	"$TB_PYTHON" -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1"
}

# ---- Client, server, traffic --------------------------------------------------------------

# tb_start_client [mams-client options]: the client in its namespace, on both
# access interfaces, its NCM over the control link; waits for its tun
# device ($TB_TUN).  TB_CLIENT_ARGS replaces the default options.
# shellcheck disable=SC2120 # arguments are optional
tb_start_client() {
	local i pid
	[[ -x $TB_CLIENT ]] || { tb__die "no mams-client at $TB_CLIENT (set TB_CLIENT)"; return 1; }
	if [[ -n ${TB_CLIENT_ARGS:-} ]]; then
		# shellcheck disable=SC2086
		tb_bg mams-client cli timeout --foreground "$TB_MAX_SECONDS" "$TB_CLIENT" $TB_CLIENT_ARGS "$@"
	else
		# Connection IDs as the NCM's delivery connections (wifi 0, lte 3);
		# the core network through the tunnel.
		tb_bg mams-client cli timeout --foreground "$TB_MAX_SECONDS" "$TB_CLIENT" \
			--ncm "ws://$TB_CTL_GW:$TB_NCM_PORT/" \
			--iface "wifi=cli-wifi:0" --iface "lte=cli-lte:3" --tun "$TB_TUN" \
			--mx-port "$TB_MX_CTRL_PORT" --route "203.0.113.0/$TB_CORE_PREFIX" \
			--run-ms $((TB_MAX_SECONDS * 1000)) "$@"
	fi
	pid=$(tb_pid mams-client)
	for ((i = 0; i < ${TB_CLIENT_WAIT:-30} * 20; i++)); do
		ip -n "$(tb_ns cli)" link show dev "$TB_TUN" >/dev/null 2>&1 && return 0
		tb__alive "$pid" || break
		sleep 0.05
	done
	tb__die "mams-client did not bring $TB_TUN up:"
	tail -n 20 "$TB_RUN/mams-client.log" >&2
	return 1
}

# tb_wait_session [SECONDS]: waits (default 15 s) until the NCM has a session
# that is active and in the data plane; prints its ID and anchor address.
tb_wait_session() {
	local i out
	for ((i = 0; i < ${1:-15} * 10; i++)); do
		out=$(tb_telemetry /mamsgw/ncm/sessions 2>/dev/null | "$TB_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
for k, v in d.items():
    if k != "total" and v["state"] == "active" and v["in_dataplane"]:
        print(k, v["anchor_ip"])
        break' 2>/dev/null) || true
		[[ -n $out ]] && { echo "$out"; return 0; }
		sleep 0.1
	done
	tb__die "no active session within ${1:-15} s: $(tb_telemetry /mamsgw/ncm/sessions 2>&1)"
}

# tb_iperf_server [PORT]: iperf3 server on the server's core address.
# shellcheck disable=SC2120 # arguments are optional
tb_iperf_server() {
	local port=${1:-5201} i
	tb__need iperf3 || return 1
	tb_bg "iperf3-$port" srv timeout --foreground "$TB_MAX_SECONDS" iperf3 -s -B "$TB_SRV" -p "$port"
	for ((i = 0; i < 100; i++)); do
		tb_exec srv ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	tb__die "iperf3 server on port $port did not start"
}

# tb_iperf [iperf3 client options]: iperf3 client in the client namespace
# toward the server (add -J for JSON, -u -b RATE for UDP, -R for downlink).
tb_iperf() {
	tb_exec cli timeout "${TB_IPERF_TIMEOUT:-120}" iperf3 -c "$TB_SRV" "$@"
}

# tb_ping ROLE DST COUNT INTERVAL [ping options]: prints
# "sent received loss_pct min avg max" (ms) on one line; with TB_PING_RTTS=FILE
# each reply's RTT (ms) goes to FILE, one per line.
tb_ping() {
	local role=$1 dst=$2 count=$3 interval=$4 out
	shift 4
	out=$(tb_exec "$role" timeout $((count / 10 + 30)) ping -n -c "$count" -i "$interval" -W 2 "$@" "$dst" 2>&1) || true
	if [[ -n ${TB_PING_RTTS:-} ]]; then
		sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' <<<"$out" >"$TB_PING_RTTS"
	fi
	awk '
		/packets transmitted/ { sent = $1; recv = $4 }
		/^rtt|^round-trip/ { split($4, r, "/"); min = r[1]; avg = r[2]; max = r[3] }
		END {
			if (sent == "") exit 1
			if (min == "") { min = avg = max = "nan" }
			printf "%d %d %.2f %s %s %s\n", sent, recv, sent ? (sent - recv) * 100 / sent : 0, min, avg, max
		}' <<<"$out"
}

# ---- Down, status, leftovers ------------------------------------------------------------------

# Everything of run $1 that still exists, one line each (nothing: clean).
tb_leftovers() {
	local id=$1 ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^mc-(cli|emu|gw|srv)-$id$"); do
		echo "namespace $ns"
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			echo "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)) in $ns"
		done
	done
	if [[ -d $TB_STATE/$id/pids ]]; then
		local f st
		for f in "$TB_STATE/$id"/pids/*; do
			[[ -f $f ]] || continue
			read -r pid st <"$f"
			tb__alive "$pid" && [[ $(tb__starttime "$pid") == "$st" ]] &&
				echo "process $pid (${f##*/})"
		done
	fi
	[[ -e /var/run/dpdk/mc-$id ]] && echo "DPDK runtime directory /var/run/dpdk/mc-$id"
	[[ -e $TB_STATE/$id ]] && echo "state directory $TB_STATE/$id"
	return 0
}

# tb_down [ID]: stops the run's processes, removes its namespaces (and the
# veths in them), its DPDK runtime directory and its state directory
# (kept with TB_KEEP=1).  Safe to call twice, and after a half-done tb_up.
tb_down() {
	local id=${1:-${TB_ID:-}} run ns pid name f left
	[[ -n $id ]] || { tb__die "tb_down: which run?"; return 1; }
	run=$TB_STATE/$id
	if [[ -d $run/pids ]]; then
		# The client and the gateway first (they talk to each other), emulators last.
		for name in mams-client mamsgw; do
			[[ -f $run/pids/$name ]] && TB_RUN=$run tb_stop "$name"
		done
		for f in "$run"/pids/*; do
			[[ -f $f ]] && TB_RUN=$run tb_stop "${f##*/}"
		done
	fi
	# Whatever else runs in our namespaces (started by hand, say) is ours too.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^mc-(cli|emu|gw|srv)-$id$"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null || true
		done
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^mc-(cli|emu|gw|srv)-$id$"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			local i
			for ((i = 0; i < 40; i++)); do
				tb__alive "$pid" || break
				sleep 0.05
			done
			tb__alive "$pid" && kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null || tb__log "cannot delete namespace $ns"
	done
	rm -rf "/var/run/dpdk/mc-$id"
	if [[ ${TB_KEEP:-0} == 1 ]]; then
		tb__log "down: run $id; logs kept in $run"
		rm -rf "$run/pids" "$run"/*.sock
	else
		rm -rf "$run"
	fi
	left=$(tb_leftovers "$id" | grep -v "^state directory" || true)
	if [[ -n $left ]]; then
		tb__log "down: run $id left behind:"
		printf '  %s\n' "$left" >&2
		return 1
	fi
	[[ ${TB_KEEP:-0} == 1 ]] || tb__log "down: run $id removed"
	return 0
}

# Runs whose owner is gone (a test killed before its trap ran), and
# namespaces of runs without a state directory.
tb__stale_ids() {
	local d id owner st
	for d in "$TB_STATE"/*/; do
		[[ -d $d ]] || continue
		id=$(basename "$d")
		if ! read -r owner st <"$d/owner" 2>/dev/null; then
			# No owner yet: a tb_up between its mkdir and its owner file, unless old.
			[[ -n $(find "$d" -maxdepth 0 -mmin +1 2>/dev/null) ]] && echo "$id"
			continue
		fi
		[[ $owner == manual ]] && continue
		tb__alive "$owner" && [[ $(tb__starttime "$owner") == "$st" ]] && continue
		echo "$id"
	done
	ip netns list 2>/dev/null | awk '{print $1}' | sed -nE 's/^mc-(cli|emu|gw|srv)-(.+)$/\2/p' |
		sort -u | while read -r id; do
		[[ -d $TB_STATE/$id ]] || echo "$id"
	done
}

tb__all_ids() {
	{
		for d in "$TB_STATE"/*/; do [[ -d $d ]] && basename "$d"; done
		ip netns list 2>/dev/null | awk '{print $1}' | sed -nE 's/^mc-(cli|emu|gw|srv)-(.+)$/\2/p'
	} | sort -u
}

# tb_status [ID]: runs, their namespaces and processes; leftovers (runs
# whose owner is gone, namespaces without a run) make it return 1.
tb_status() {
	local id ids stale owner st rc=0 f pid name
	ids=${1:-$(tb__all_ids)}
	stale=" $(tb__stale_ids | tr '\n' ' ') "
	if [[ -z $ids ]]; then
		echo "no test bed (state: $TB_STATE)"
	fi
	for id in $ids; do
		owner=manual
		[[ -f $TB_STATE/$id/owner ]] && read -r owner st <"$TB_STATE/$id/owner"
		if [[ $stale == *" $id "* ]]; then
			echo "run $id: LEFTOVER (owner $owner gone or state missing)"
			rc=1
		elif [[ -d $TB_STATE/$id ]]; then
			echo "run $id: owner $owner, state $TB_STATE/$id"
		else
			echo "run $id: does not exist"
			[[ -n ${1:-} ]] && rc=1
			continue
		fi
		ip netns list | awk '{print $1}' | grep -E "^mc-(cli|emu|gw|srv)-$id$" | sed 's/^/  namespace /'
		for f in "$TB_STATE/$id"/pids/*; do
			[[ -f $f ]] || continue
			read -r pid st <"$f"
			name=${f##*/}
			if tb__alive "$pid" && [[ $(tb__starttime "$pid") == "$st" ]]; then
				echo "  process $name: pid $pid running"
			else
				echo "  process $name: pid $pid exited"
			fi
		done
	done
	# Other runs' leftovers fail a global status only: "status ID" is about ID.
	[[ $stale == "  " ]] || {
		echo "leftovers: $stale(remove: testbed.sh down --stale)"
		[[ -n ${1:-} ]] || rc=1
	}
	[[ $stale != "  " ]] || echo "leftovers: none"
	return $rc
}

# ---- Command line ---------------------------------------------------------------------------------

tb__main() {
	local cmd=${1:-}
	shift || true
	case $cmd in
	up)
		local args=()
		while [[ $# -gt 0 ]]; do
			case $1 in
			--id) TB_ID_WANTED=$2; shift ;;
			--gw | --no-emu) args+=("$1") ;;
			*) tb__die "up: unknown option $1"; return 2 ;;
			esac
			shift
		done
		TB_OWNER=manual TB_NO_TRAP=1
		if ! tb_up "${args[@]}"; then
			[[ -n ${TB_ID:-} ]] && tb_dump_logs && tb_down "$TB_ID"
			return 1
		fi
		echo "TB_ID=$TB_ID"
		cat <<EOF
test bed $TB_ID is up (state: $TB_RUN)
  namespaces: $(tb_ns cli) $(tb_ns emu) $(tb_ns gw) $(tb_ns srv)
  emulators:  $0 emu $TB_ID wifi|lte COMMAND...   (ab = uplink, ba = downlink)
  by hand:    ip netns exec $(tb_ns cli) ping $TB_WIFI_GW
  functions:  source $0; tb_attach $TB_ID; tb_emu wifi stats
  remove:     $0 down $TB_ID
EOF
		;;
	down)
		case ${1:-} in
		"") tb__die "down: give a run ID, --stale or --all"; return 2 ;;
		--stale)
			local id rc=0
			for id in $(tb__stale_ids | sort -u); do tb_down "$id" || rc=1; done
			return $rc ;;
		--all)
			local id rc=0
			for id in $(tb__all_ids); do tb_down "$id" || rc=1; done
			return $rc ;;
		*) tb_down "$1" ;;
		esac
		;;
	status) tb_status "${1:-}" ;;
	emu)
		[[ $# -ge 3 ]] || { tb__die "usage: emu ID wifi|lte COMMAND..."; return 2; }
		tb_attach "$1" || return 1
		shift
		tb_emu "$@"
		;;
	env) tb_attach "$1" && cat "$TB_STATE/$1/tb.env" ;;
	*)
		sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'
		[[ $cmd == -h || $cmd == --help || $cmd == help ]] && return 0
		return 2
		;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -uo pipefail
	tb__main "$@"
	exit $?
fi
