#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mamsctl against a running gateway (issue 7): the built mamsctl binary
against mamsgw with its REST listener, a static session and an NCM session
brought up by a real WebSocket CCM (rest_live.py's harness, imported), on
null access ports and a core port that replays downlink packets for the NCM
session without end (net_pcap, infinite_rx), so that the data plane's own
per-path counters (rte_telemetry) show how it steers.  The NCM offers its
Wi-Fi connection with IPsec.  For every subcommand:

  - the tables' and key/value lines' content (parsed row by row) against
    the REST answers read just before and just after: text equal, counters
    between the two;
  - --json equal to the REST answer (counters between the two reads);
  - session: the connections, the SPIs of the IPsec connection (derived
    here from the shared_secret the CCM received, HKDF as docs/ipsec.md),
    the flows;
  - steer split wifi=70 lte=30: the CCM gets an mx_traffic_steering_req,
    session --json shows 70/30 under operator control and the data plane
    sends 70 % / 30 % of the downlink on wifi / lte; steer switch lte: all
    of it on lte; by connection IDs as well;
  - policy, policy KEY=VALUE; reload after the file changed (applied,
    restart required, the change visible); terminate (the CCM gets the
    termination request, the session goes from REST and the data plane);
  - https: --cacert with the test CA, exit 3 without it, --insecure;
  - the token from MAMSCTL_TOKEN, --token, --token-file; 401 without;
    exit 1 with the server's message and field on stderr for an unknown
    session, flow, connection, bad policy value, invalid file; exit 3 when
    nothing listens.

    mamsctl_live.py MAMSGW_BIN MAKE_TEST_PKI_SH OPENAPI_YAML MAMSCTL_BIN

Bounded: every wait has a deadline, every mamsctl run a timeout, mamsgw
runs with --run-ms and is stopped at the end.
"""
import asyncio
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import websockets
from scapy.all import IP, UDP, Ether, wrpcap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rest_live as rl  # noqa: E402  (the harness: gateway, Rest, the CCM)
from gw_live import check, copy_config, running  # noqa: E402
from rest_live import TOKEN  # noqa: E402

MAMSCTL = sys.argv[4]
NCM_ID = 42
ANCHOR = "10.77.0.2"  # the first address of ncm.anchor.pool
POLICY_MS = 3600000  # ncm.policy.interval_ms: the policy never runs again
SPLIT_PKTS = 200000   # downlink packets the 70/30 split is measured over


def config(pcap):
    cfg = copy_config(rl.CONFIG)
    cfg["ports"][2]["device"] = "net_pcap0"
    # the policy (after its first plan) sends no steering request of its own
    # while the test waits for the operator's
    cfg["ncm"]["policy"]["interval_ms"] = POLICY_MS
    cfg["ncm"]["delivery"][0]["ipsec"] = {"rekey_s": 0}
    cfg["ncm"]["ipsec_secret_over_ws"] = True
    vdevs = ("net_null0", "net_null1", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap)
    return cfg, vdevs


def downlink_pcap(path):
    """Packets from the internet for the NCM session's anchor address."""
    wrpcap(path, [Ether(dst="02:00:00:00:03:01", src="02:00:00:00:03:02") /
                  IP(src="203.0.113.9", dst=ANCHOR) / UDP(sport=7000 + i, dport=9000) /
                  (b"x" * 64) for i in range(16)])


def esp_spi(secret, sid, conn, direction):
    """The SPI of one SA derived from the MAMS shared secret (docs/ipsec.md,
    aes128-gcm with ESN): direction 1 uplink (the gateway's inbound), 2
    downlink (its outbound)."""
    prk = hmac.new(b"MAMS-ESP-v1", secret.encode(), hashlib.sha256).digest()
    info = b"MAMS-ESP-v1 SA" + struct.pack("!IIBBHHHB", NCM_ID, sid, conn, direction,
                                           20, 128, 0, 1)
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    return struct.unpack("!I", okm[20:24])[0] | 0x80000000


def shared_secret(node, conn):
    """The shared_secret the UP setup gives connection conn."""
    if isinstance(node, dict):
        p = node.get("adaptation_method_param")
        if node.get("connection_id") == conn and isinstance(p, dict) and "shared_secret" in p:
            return p["shared_secret"]
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            s = shared_secret(v, conn)
            if s is not None:
                return s
    return None


# ---- mamsctl and its output -----------------------------------------------------------

class Ctl:
    def __init__(self, url):
        self.url = url

    def run(self, *args, env_token=TOKEN):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAMSCTL_")}
        if env_token is not None:
            env["MAMSCTL_TOKEN"] = env_token
        p = subprocess.run([MAMSCTL, "--url", self.url] + [str(a) for a in args],
                           env=env, capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def ok(self, *args, **kw):
        rc, out, err = self.run(*args, **kw)
        check(rc == 0 and err == "", "mamsctl %s: exit %d, stderr %r" % (args, rc, err))
        return out

    def json(self, *args):
        return json.loads(self.ok("--json", *args))

    def fails(self, args, status, message, field):
        """Exit 1 and the server's error on stderr, exactly as mamsctl words it."""
        rc, out, err = self.run(*args)
        want = "mamsctl: HTTP %d: %s%s\n" % (status, message,
                                            " (field: %s)" % field if field else "")
        check(rc == 1 and out == "" and err == want,
              "mamsctl %s: exit %d, stdout %r, stderr %r; expected 1 and %r" %
              (args, rc, out, err, want))


def cell(v):
    """What mamsctl prints for a JSON scalar."""
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if v is None or v == "":
        return "-"
    return str(v)


def lines_of(out):
    check(out.endswith("\n"), "output ends with a newline: %r" % out)
    ls = out[:-1].split("\n")
    check(all(l == l.rstrip() for l in ls), "trailing blanks in %r" % out)
    return ls


def table(ls, at):
    """The table whose header is ls[at]: one dict per row, up to an empty line."""
    hdr = ls[at].split()
    rows = []
    for l in ls[at + 1:]:
        if l == "":
            break
        cells = re.split(r"  +", l.strip())
        check(len(cells) == len(hdr), "row %r does not have the columns %s" % (l, hdr))
        rows.append(dict(zip(hdr, cells)))
    return rows


def kv(ls):
    out = {}
    for l in ls:
        k, v = re.split(r"  +", l, maxsplit=1)
        check(k not in out, "%s twice" % k)
        out[k] = v
    return out


def after_title(ls, title):
    check(title in ls, "no %r in %s" % (title, ls))
    return ls.index(title) + 1


def flows_of(out):
    """The flows table of mamsctl session."""
    ls = lines_of(out)
    return table(ls, after_title(ls, "flows:"))


def within(lo, v, hi, where="answer"):
    """v has lo's (and hi's) shape, equal text, numbers between the two."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        check(lo == v == hi, "%s: %r, REST said %r then %r" % (where, v, lo, hi))
    elif isinstance(v, (int, float)):
        check(lo <= v <= hi, "%s: %r, REST said %r then %r" % (where, v, lo, hi))
    elif isinstance(v, list):
        check(len(lo) == len(v) == len(hi), "%s: %d entries, REST %d, %d" %
              (where, len(v), len(lo), len(hi)))
        for i, x in enumerate(v):
            within(lo[i], x, hi[i], "%s[%d]" % (where, i))
    else:
        check(list(lo) == list(v) == list(hi), "%s: members %s, REST %s" %
              (where, list(v), list(lo)))
        for k, x in v.items():
            within(lo[k], x, hi[k], "%s.%s" % (where, k))


def num_within(lo, text, hi, where):
    check(re.fullmatch(r"[0-9]+", text) is not None, "%s: %r is not a number" % (where, text))
    within(lo, int(text), hi, where)


class Live:
    def __init__(self, gw, rest, ctl):
        self.gw, self.rest, self.ctl = gw, rest, ctl

    def around(self, path, *args):
        """mamsctl's output between two REST reads of path."""
        before = self.rest.ok("GET", path)
        out = self.ctl.ok(*args)
        return before, out, self.rest.ok("GET", path)

    def json_matches(self, path, *args):
        before = self.rest.ok("GET", path)
        j = self.ctl.json(*args)
        within(before, j, self.rest.ok("GET", path), "mamsctl --json %s" % " ".join(map(str, args)))
        return j

    def message(self, method, path, body=None):
        """The error message REST answers to a request that fails."""
        status, j = self.rest.call(method, path, body)
        check(status >= 400, "%s %s: %d %s" % (method, path, status, j))
        return j["error"]["message"]

    def dl_counts(self, sid, want):
        """Downlink data packets per path (probes left out) over at least
        want packets, read from the data plane's own counters."""
        tel = "/mamsgw/session,%d" % sid
        t0 = self.gw.telemetry(tel)
        deadline = time.monotonic() + 60
        while True:
            t1 = self.gw.telemetry(tel)
            d = {c: (t1["path%d_tx_pkts" % c] - t0["path%d_tx_pkts" % c]) -
                    (t1["path%d_probes_sent" % c] - t0["path%d_probes_sent" % c])
                 for c in (0, 3)}
            if sum(d.values()) >= want:
                return d
            check(time.monotonic() < deadline, "only %s downlink packets sent" % d)
            time.sleep(0.05)


# ---- each subcommand --------------------------------------------------------------------

def check_health(lv):
    before, out, after = lv.around("/v1/health", "health")
    h = kv(lines_of(out))
    check(list(h) == ["status", "version", "uptime_s", "sessions", "workers"], "health %r" % out)
    for k in ("status", "version", "sessions", "workers"):
        check(h[k] == cell(before[k]) == cell(after[k]), "health %s: %r, REST %r" %
              (k, h[k], before[k]))
    check(h["status"] == "ok" and h["sessions"] == "2" and h["workers"] == "1", "health %r" % h)
    num_within(before["uptime_s"], h["uptime_s"], after["uptime_s"], "uptime_s")
    lv.json_matches("/v1/health", "health")


def check_ports(lv):
    before, out, after = lv.around("/v1/ports", "ports")
    ls = lines_of(out)
    rows = table(ls, 0)
    check(len(ls) == 4 and len(rows) == 3, "ports %r" % out)
    for r, lo, hi in zip(rows, before["ports"], after["ports"]):
        for col, key in (("NAME", "name"), ("ROLE", "role"), ("IP", "ip"), ("MAC", "mac"),
                         ("INDEX", "index")):
            check(r[col] == cell(lo[key]), "ports %s %s: %r, REST %r" % (lo["name"], col,
                                                                       r[col], lo[key]))
        for col, key in (("RX_PKTS", "rx_pkts"), ("RX_BYTES", "rx_bytes"),
                         ("TX_PKTS", "tx_pkts"), ("TX_BYTES", "tx_bytes")):
            num_within(lo[key], r[col], hi[key], "ports %s %s" % (lo["name"], col))
    check([(r["NAME"], r["ROLE"], r["IP"]) for r in rows] ==
          [("wifi", "access", "192.0.2.1"), ("lte", "access", "198.51.100.1"),
           ("core", "core", "203.0.113.1")], "ports %s" % rows)
    check(int(rows[2]["RX_PKTS"]) > 0, "the core port receives the downlink")
    lv.json_matches("/v1/ports", "ports")


def check_stats(lv):
    before, out, after = lv.around("/v1/stats", "stats")
    ls = lines_of(out)
    ports = table(ls, 0)
    check([p["PORT"] for p in ports] == ["wifi", "lte", "core"], "stats ports %s" % ports)
    for r, lo, hi in zip(ports, before["ports"], after["ports"]):
        for col, key in (("RX_PKTS", "rx_pkts"), ("RX_BYTES", "rx_bytes"),
                         ("TX_PKTS", "tx_pkts"), ("TX_BYTES", "tx_bytes")):
            num_within(lo[key], r[col], hi[key], "stats %s %s" % (lo["name"], col))
        num_within(sum(lo["drops"].values()), r["DROPS"], sum(hi["drops"].values()),
                   "stats %s DROPS" % lo["name"])
    at = len(ports) + 2
    workers = table(ls, at)
    check(ls[at].split() == ["WORKER", "RX_PKTS", "TX_PKTS", "DROPS", "HANDOFF_OUT",
                             "HANDOFF_IN", "LOOPS"] and len(workers) == 1 and
          workers[0]["WORKER"] == "0", "stats workers %r" % out)
    for col in ("RX_PKTS", "TX_PKTS", "DROPS", "HANDOFF_OUT", "HANDOFF_IN", "LOOPS"):
        k = col.lower()
        num_within(before["workers"][0][k], workers[0][col], after["workers"][0][k],
                   "stats worker %s" % col)
    # drops by reason: the non-zero ones, each between the two reads
    at = after_title(ls, "drops:")
    drops = {r["REASON"]: r["COUNT"] for r in table(ls, at)}
    check(set(k for k, v in before["drops"].items() if v) <= set(drops) <=
          set(k for k, v in after["drops"].items() if v), "stats drops %s" % drops)
    for k, v in drops.items():
        num_within(before["drops"][k], v, after["drops"][k], "stats drops %s" % k)
    check("sessions  2" in ls, "stats sessions %r" % out)
    ncm = kv(ls[after_title(ls, "ncm:"):])
    check(list(ncm) == list(before["ncm"]), "stats ncm keys %s, REST %s" %
          (list(ncm), list(before["ncm"])))
    for k in ("ipsec_rekeys", "ipsec_spi_redraws", "ipsec_errors", "sessions_created"):
        check(k in ncm, "stats ncm %s" % k)
    for k, v in ncm.items():
        num_within(before["ncm"][k], v, after["ncm"][k], "stats ncm %s" % k)
    check(ncm["sessions"] == "1" and ncm["ipsec_errors"] == "0", "stats ncm %s" % ncm)
    lv.json_matches("/v1/stats", "stats")


def check_sessions(lv, sid, peer):
    before, out, after = lv.around("/v1/sessions", "sessions")
    ls = lines_of(out)
    rows = table(ls[:-1], 0)  # the last line is the count
    check(ls[-1] == "2 of 2 sessions" and len(ls) == 4, "sessions %r" % out)
    check([r["ID"] for r in rows] == [str(s["id"]) for s in before["sessions"]] ==
          [str(i) for i in sorted([7, sid])], "sessions order %s" % rows)
    want = {7: ("0", "static", "no", "-", "10.8.0.2", "0:wifi,1:lte"),
            sid: (str(NCM_ID), "active", "yes", peer, ANCHOR, "0:wifi,3:lte")}
    for r, lo, hi in zip(rows, before["sessions"], after["sessions"]):
        got = (r["NCM_ID"], r["STATE"], r["ATTACHED"], r["PEER"], r["ANCHOR"], r["CONNECTIONS"])
        check(got == want[lo["id"]], "session %d row %s, expected %s" % (lo["id"], got,
                                                                        want[lo["id"]]))
        check(got[:5] == (cell(lo["ncm_id"]), lo["state"], cell(lo["attached"]),
                          cell(lo["peer"]), lo["anchor_ip"]), "row %s vs REST %s" % (got, lo))
        num_within(lo["dl_pkts"], r["DL_PKTS"], hi["dl_pkts"], "session %d DL_PKTS" % lo["id"])
        num_within(lo["ul_pkts"], r["UL_PKTS"], hi["ul_pkts"], "session %d UL_PKTS" % lo["id"])
    check(int(rows[[r["ID"] for r in rows].index(str(sid))]["DL_PKTS"]) > 0,
          "the NCM session's downlink is counted")
    ls = lines_of(lv.ctl.ok("sessions", "--offset", "1", "--limit", "1"))
    check(len(ls) == 3 and table(ls[:-1], 0)[0]["ID"] == str(max(7, sid)) and
          ls[-1] == "1 of 2 sessions (from offset 1)", "sessions page %r" % ls)
    lv.json_matches("/v1/sessions?offset=1&limit=1", "sessions", "--offset", "1", "--limit", "1")
    lv.json_matches("/v1/sessions", "sessions")


def check_session(lv, sid, peer, secret):
    path = "/v1/sessions/%d" % sid
    before, out, after = lv.around(path, "session", sid)
    ls = lines_of(out)
    head = kv(ls[:6])
    check(head == {"id": str(sid), "ncm_id": str(NCM_ID), "state": "active", "attached": "yes",
                   "peer": peer, "anchor_ip": ANCHOR}, "session head %s" % head)
    conns = table(ls, after_title(ls, "connections:"))
    check([(c["CONN"], c["NAME"], c["TYPE"], c["STATE"], c["MTU"], c["CLIENT"], c["IPSEC"])
           for c in conns] ==
          [("0", "wifi", "Wi-Fi", "up", "1400", "192.0.2.30:5000", "yes"),
           ("3", "lte", "LTE", "up", "1400", "198.51.100.30:5000", "no")],
          "session connections %s" % conns)
    for c, lo, hi in zip(conns, before["connections"], after["connections"]):
        for col, key in (("TX_PKTS", "tx_pkts"), ("TX_BYTES", "tx_bytes"),
                         ("RX_PKTS", "rx_pkts"), ("LOST", "lost"), ("RTT_US", "rtt_us")):
            num_within(lo[key], c[col], hi[key], "connection %s %s" % (lo["name"], col))
    # IPsec on wifi: the SPIs derived from the secret the CCM got, in REST,
    # in mamsctl and in the data plane; none on lte
    spi_out, spi_in = esp_spi(secret, sid, 0, 2), esp_spi(secret, sid, 0, 1)
    wifi, lte = before["connections"]
    check((wifi["ipsec"], wifi["esp_spi_out"], wifi["esp_spi_in"], wifi["esp_spi_in_prev"]) ==
          (True, spi_out, spi_in, 0), "REST wifi SPIs %s, derived out %08x in %08x" %
          (wifi, spi_out, spi_in))
    check(lte["ipsec"] is False and "esp_spi_out" not in lte, "REST lte %s" % lte)
    ipsec = table(ls, after_title(ls, "ipsec:"))
    check(ipsec == [{"CONN": "0", "NAME": "wifi", "SPI_OUT": "0x%08x" % spi_out,
                     "SPI_IN": "0x%08x" % spi_in, "SPI_IN_PREV": "-"}], "ipsec %s" % ipsec)
    tel = lv.gw.telemetry("/mamsgw/session,%d" % sid)
    check((tel["path0_esp_spi_out"], tel["path0_esp_spi_in"], tel["path3_esp_spi_out"]) ==
          (spi_out, spi_in, 0), "data plane SPIs %s" % tel)
    flows = table(ls, after_title(ls, "flows:"))
    check(len(flows) == 1 and flows[0]["FLOW"] == "0" and flows[0]["CONTROL"] == "policy" and
          flows[0]["MATCH"] == "*", "session flows %s" % flows)
    f = before["flows"][0]["steering"]
    check(flows[0]["STEERING"].split()[0] == f["mode"], "steering %s, REST %s" % (flows, f))
    counters = kv(ls[after_title(ls, "counters:"):][:4])
    for k in ("dl_pkts", "dl_bytes", "ul_pkts", "ul_bytes"):
        num_within(before["counters"][k], counters[k], after["counters"][k], "counters " + k)
    lv.json_matches(path, "session", sid)


async def check_steer(lv, ccm, usid, first_seq):
    sid = usid["session_id"]
    path = "/v1/sessions/%d" % sid

    # The highest sequence number of a steering request already answered
    # (the bring-up answered the first).
    last = [first_seq]

    async def told(conns):
        """The next new steering request asks for conns.  Answered, like
        the NCM's retransmissions of one already answered (a loaded machine
        can delay an answer past MAMS_TIMEOUT), which are skipped: the NCM's
        sequence numbers only grow."""
        while True:
            req = await rl.recv(ccm, "mx_traffic_steering_req", usid)
            await ccm.send(json.dumps(dict(rl.base("mx_traffic_steering_rsp",
                                                   req["sequence_num"], usid),
                                           feature_active=[])))
            if req["sequence_num"] > last[0]:
                break
        last[0] = req["sequence_num"]
        check(sorted(d["connection_id"] for d in req["downlink_delivery"]) == conns,
              "the CCM was asked for %s: %s" % (conns, req))

    out = lv.ctl.ok("steer", sid, 0, "split", "wifi=70", "lte=30")
    check(out == "session %d flow 0: split wifi=70 lte=30 (control: operator)\n" % sid,
          "steer split %r" % out)
    await told([0, 3])
    f = lv.json_matches(path, "session", sid)["flows"][0]
    check(f["control"] == "operator" and f["steering"]["mode"] == "split" and
          [(p["name"], p["weight"]) for p in f["steering"]["paths"]] == [("wifi", 70), ("lte", 30)],
          "session --json flow %s" % f)
    d = lv.dl_counts(sid, SPLIT_PKTS)
    share = d[0] / (d[0] + d[3])
    check(abs(share - 0.70) < 0.002, "data plane: wifi %d, lte %d packets (%.4f on wifi)" %
          (d[0], d[3], share))
    print("ok: split wifi=70 lte=30: the data plane sent %d packets on wifi, %d on lte" %
          (d[0], d[3]))
    flows = flows_of(lv.ctl.ok("session", sid))
    check(flows[0]["STEERING"] == "split wifi=70 lte=30" and flows[0]["CONTROL"] == "operator",
          "session flows %s" % flows)

    out = lv.ctl.ok("steer", sid, 0, "switch", "lte")
    check(out == "session %d flow 0: switch lte (control: operator)\n" % sid, "switch %r" % out)
    await told([3])
    d = lv.dl_counts(sid, SPLIT_PKTS // 4)
    # (a probe read half-counted at either end of the window: +-1)
    check(abs(d[0]) <= 1 and d[3] >= SPLIT_PKTS // 4, "data plane after switch lte: %s" % d)

    # by connection ID, --json: the flow as GET shows it
    j = lv.ctl.json("steer", sid, 0, "split", "0=50", "3=50")
    await told([0, 3])
    check(j == lv.rest.ok("GET", path)["flows"][0] and
          [p["weight"] for p in j["steering"]["paths"]] == [50, 50], "steer --json %s" % j)
    d = lv.dl_counts(sid, SPLIT_PKTS // 4)
    check(abs(d[0] - d[3]) <= 64, "data plane 50/50: %s" % d)

    lv.ctl.fails(["steer", sid, 9, "switch", "wifi"], 404,
                 lv.message("PUT", path + "/flows/9/steering",
                            {"mode": "switch", "paths": [{"name": "wifi"}]}), "flow")
    lv.ctl.fails(["steer", sid, 0, "switch", "dsl"], 400,
                 lv.message("PUT", path + "/flows/0/steering",
                            {"mode": "switch", "paths": [{"name": "dsl"}]}), "paths[0].name")


def check_policy(lv):
    """Returns the policy as it was (the file's)."""
    p0 = p = lv.rest.ok("GET", "/v1/policy")
    out = lv.ctl.ok("policy")
    check(kv(lines_of(out)) == {k: str(v) for k, v in p.items()} and
          p["interval_ms"] == POLICY_MS,
          "policy %r, REST %s" % (out, p))
    out = lv.ctl.ok("policy", "min_change_pct=20", "hold_down_ms=2000")
    p = lv.rest.ok("GET", "/v1/policy")
    check(p["min_change_pct"] == 20 and p["hold_down_ms"] == 2000 and
          kv(lines_of(out)) == {k: str(v) for k, v in p.items()}, "policy set %r, REST %s" %
          (out, p))
    check(lv.ctl.json("policy") == p, "policy --json")
    lv.ctl.fails(["policy", "probe_fail=0"], 400,
                 lv.message("PUT", "/v1/policy", {"probe_fail": 0}), "probe_fail")
    check(lv.rest.ok("GET", "/v1/policy") == p, "a refused policy changed nothing")
    return p0


def check_tokens(lv, tmp):
    health = ["health"]
    rc, out, err = lv.ctl.run(*health, env_token=None)
    check(rc == 1 and out == "" and "HTTP 401" in err and "(field: Authorization)" in err and
          "MAMSCTL_TOKEN" in err, "no token: exit %d, %r" % (rc, err))
    rc, out, err = lv.ctl.run(*health, env_token="not-" + TOKEN)
    check(rc == 1 and "HTTP 401" in err and "MAMSCTL_TOKEN" not in err,
          "wrong MAMSCTL_TOKEN: exit %d, %r" % (rc, err))
    check(kv(lines_of(lv.ctl.ok("--token", TOKEN, *health, env_token=None)))["status"] == "ok",
          "--token")
    check(kv(lines_of(lv.ctl.ok("--token", TOKEN, *health, env_token="not-" + TOKEN)))
          ["status"] == "ok", "--token wins over MAMSCTL_TOKEN")
    tf = os.path.join(tmp, "token")
    with open(tf, "w") as f:
        f.write(TOKEN + "\n")
    check(kv(lines_of(lv.ctl.ok("--token-file", tf, *health, env_token="not-" + TOKEN)))
          ["status"] == "ok", "--token-file")


def check_unknown(lv, sid):
    bad = sid ^ 0x5A5A
    status, j = lv.rest.call("GET", "/v1/sessions/%d" % bad)
    check(status == 404, "REST %d %s" % (status, j))
    lv.ctl.fails(["session", bad], 404, j["error"]["message"], "id")
    rc, out, err = lv.ctl.run("--json", "session", bad)
    check(rc == 1 and json.loads(out) == j and "HTTP 404" in err,
          "--json unknown session: exit %d, %r" % (rc, out))
    status, j = lv.rest.call("DELETE", "/v1/sessions/%d" % bad)
    lv.ctl.fails(["terminate", bad], 404, j["error"]["message"], "id")


def check_reload(lv, cfg, policy0):
    cfg = copy_config(cfg)
    cfg["ncm"]["policy"]["interval_ms"] = 80
    cfg["sessions"][0]["flows"][0]["steering"] = {"mode": "split", "paths": [0, 1],
                                                  "weights": [1, 1]}
    cfg["ports"][1]["ipv4"] = "198.51.100.2"
    lv.gw.write(cfg)
    ls = lines_of(lv.ctl.ok("reload"))
    # the file's policy wins over what PUT /v1/policy set (check_policy)
    applied = ["ncm.policy.interval_ms", "ncm.policy.min_change_pct", "ncm.policy.hold_down_ms",
               "sessions[0].flows[0].steering"]
    n = len(applied)
    check(ls[0] == "applied:" and sorted(ls[1:n + 1]) == sorted("  " + a for a in applied),
          "reload applied %s" % ls)
    check(ls[n + 1] == "restart required (changed in the file, not applied until mamsgw "
          "restarts):", "reload %s" % ls)
    rr = table(ls, n + 2)
    check(len(ls) == n + 4 and len(rr) == 1 and rr[0]["FIELD"] == "ports[1].ipv4" and
          rr[0]["REASON"] != "-", "restart required %s" % rr)
    check(kv(lines_of(lv.ctl.ok("policy"))) == {k: str(v) for k, v in
                                                dict(policy0, interval_ms=80).items()},
          "the policy reloaded")
    flows = flows_of(lv.ctl.ok("session", 7))
    check((flows[0]["STEERING"], flows[0]["CONTROL"]) == ("split wifi=50 lte=50", "static"),
          "static flow after reload %s" % flows)
    # the file unchanged since: nothing to apply, but ports[1].ipv4 still
    # needs the restart that has not happened (compared with the running
    # configuration, not with the file as last read); mamsctl --json and
    # REST agree
    j = lv.ctl.json("reload")
    check(j == lv.rest.ok("POST", "/v1/config/reload") and j["applied"] == [] and
          [x["field"] for x in j["restart_required"]] == ["ports[1].ipv4"],
          "reload --json %s" % j)
    ls = lines_of(lv.ctl.ok("reload"))
    check(ls[0] == "applied: nothing changed" and
          [r["FIELD"] for r in table(ls, 2)] == ["ports[1].ipv4"], "reload again %r" % ls)
    # an invalid file: 400 naming the field, nothing changed
    cfg["ncm"]["policy"]["interval_ms"] = 5
    lv.gw.write(cfg)
    rc, out, err = lv.ctl.run("reload")
    check(rc == 1 and out == "" and err.startswith("mamsctl: HTTP 400: ") and
          err.endswith(" (field: ncm.policy.interval_ms)\n"), "invalid reload %d %r" % (rc, err))
    check(kv(lines_of(lv.ctl.ok("policy")))["interval_ms"] == "80",
          "an invalid reload changed nothing")


async def check_terminate(lv, ccm, usid):
    sid = usid["session_id"]
    out = lv.ctl.ok("terminate", sid)
    check(out == "session %d: terminating\n" % sid, "terminate %r" % out)
    term = await rl.recv(ccm, "mx_session_termination_req", usid)
    await ccm.send(json.dumps(rl.base("mx_session_termination_rsp", term["sequence_num"], usid)))
    deadline = time.monotonic() + rl.STEP
    while lv.ctl.run("session", sid)[0] != 1:
        check(time.monotonic() < deadline, "session %d still there" % sid)
        await asyncio.sleep(0.02)
    lv.ctl.fails(["session", sid], 404, lv.message("GET", "/v1/sessions/%d" % sid), "id")
    check(sid not in lv.gw.telemetry("/mamsgw/sessions"), "session %d left the data plane" % sid)
    out = lv.ctl.ok("terminate", 7)
    check(out == "session 7: removed\n", "terminate static %r" % out)
    check(lv.gw.telemetry("/mamsgw/sessions") == [], "no session in the data plane")
    ls = lines_of(lv.ctl.ok("sessions"))
    check(ls[1:] == ["(no sessions)", "0 of 0 sessions"], "sessions when none %s" % ls)


def run_tls(tmp):
    """https: the gateway's certificate checked against --cacert, refused
    without it (exit 3), --insecure; the token and tables as over http."""
    gw = rl.gateway(tmp, rl.tls_config(tmp), "mamsctl-live-tls")
    with running(gw, "https"):
        ca = os.path.join(tmp, "ca.pem")
        url = "https://127.0.0.1:%d" % gw.rest_port
        ctl = Ctl(url)
        h = kv(lines_of(ctl.ok("--cacert", ca, "health")))
        check(h["status"] == "ok" and h["sessions"] == "1", "health over https %s" % h)
        ls = lines_of(ctl.ok("--cacert", ca, "sessions"))
        row = table(ls[:-1], 0)
        check(len(row) == 1 and (row[0]["ID"], row[0]["STATE"]) == ("7", "static") and
              ls[-1] == "1 of 1 session", "sessions over https %s" % ls)
        rc, out, err = ctl.run("health")  # the test CA is not among the system's
        check(rc == 3 and out == "" and err.startswith("mamsctl: GET %s/v1/health: " % url),
              "https with an unknown CA: exit %d, %r" % (rc, err))
        check(kv(lines_of(ctl.ok("--insecure", "health")))["status"] == "ok", "--insecure")
        # no NCM: the policy is a 409 naming no field
        rc, out, err = ctl.run("--cacert", ca, "policy")
        check(rc == 1 and out == "" and err.startswith("mamsctl: HTTP 409: ") and
              "(field:" not in err, "policy without an NCM: exit %d, %r" % (rc, err))


def check_nothing_listens():
    # a bound socket that does not listen: connections to it are refused
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % s.getsockname()[1]
        rc, out, err = Ctl(url).run("health")
        check(rc == 3 and out == "" and err.startswith("mamsctl: GET %s/v1/health: " % url),
              "nothing listening: exit %d, %r" % (rc, err))


async def scenario(lv, cfg, tmp):
    uri = "ws://127.0.0.1:%d/" % lv.gw.ws_port
    async with websockets.connect(uri, open_timeout=rl.STEP) as ccm:
        usid, setup = await rl.bring_up_setup(ccm, ipsec=True)
        sid = usid["session_id"]
        secret = shared_secret(setup, 0)
        check(secret is not None and shared_secret(setup, 3) is None,
              "IPsec offered on wifi only: %s" % setup)
        peer = lv.rest.ok("GET", "/v1/sessions/%d" % sid)["peer"]
        check_health(lv)
        check_ports(lv)
        check_stats(lv)
        check_sessions(lv, sid, peer)
        check_session(lv, sid, peer, secret)
        await check_steer(lv, ccm, usid, setup["first_steering_seq"])
        policy0 = check_policy(lv)
        check_tokens(lv, tmp)
        check_unknown(lv, sid)
        check_reload(lv, cfg, policy0)
        await check_terminate(lv, ccm, usid)


def main():
    rl.setup(sys.argv[1], sys.argv[2], sys.argv[3])
    tmp = tempfile.mkdtemp(prefix="mamsctl-live-")
    try:
        pcap = os.path.join(tmp, "downlink.pcap")
        downlink_pcap(pcap)
        cfg, vdevs = config(pcap)
        gw = rl.gateway(tmp, cfg, "mamsctl-live", vdevs=vdevs)
        with running(gw, "http"):
            url = "http://127.0.0.1:%d" % gw.rest_port
            lv = Live(gw, rl.Rest(url), Ctl(url))
            asyncio.run(asyncio.wait_for(scenario(lv, cfg, tmp), 240))
        run_tls(tmp)
        check_nothing_listens()
        print("ok: every mamsctl subcommand against a running gateway")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
