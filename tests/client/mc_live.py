#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mams-client live against mamsgw's NCM, in a network namespace of its own.

    mc_live.py MAMSGW_BIN MAMS_CLIENT_BIN MC_GMA_DUMP_BIN MAKE_TEST_PKI_SH

The namespace (mc-test-PID, deleted at the end whatever happens) holds two
veth pairs standing for a laptop's Wi-Fi and LTE: wl0 (192.0.2.10) and ww0
(198.51.100.10), their peers wl0p/ww0p where a raw socket captures what the
client sends; loopback carries the WebSocket.  mamsgw runs in it on null
vdevs (its data plane is not connected: this is a control-plane test), and
mams-client runs against it.  Checked:

  * the session appears in mamsgw's telemetry (/mamsgw/ncm/sessions) as
    active with both delivery connections, in the data plane
    (/mamsgw/sessions), with the anchor address the client put on its TUN;
  * uplink datagrams written to the TUN leave a delivery interface as GMA
    PDUs of the configured method (decoded by the shared/ codec:
    mc_gma_dump): outer UDP from the client's port to the gateway's GMA
    port, inner SDU unchanged, Connection ID of that path, consecutive Flow
    SN and Delivery SN;
  * LTE down: the NCM shows one delivery connection; up again: two;
  * after --run-ms the client terminates the session (gone from the NCM and
    the data plane) and exits 0; mamsgw exits 0 on SIGTERM;
  * failures exit non-zero with a message naming the cause: an unknown
    interface (1), an NCM that does not answer (2), a refused session (2);
  * again over wss:// with a test CA (tests/cp/make_test_pki.sh), a client
    certificate and a bearer token from MAMS_TOKEN: a wrong token is refused
    at once (2); with LTE down at the start the session has one connection,
    LTE is set up when it comes; with Wi-Fi gone the uplink leaves over LTE;
    SIGINT terminates the session cleanly (0).

Every wait is bounded.  Needs root (namespaces, TUN): exits 77 (skipped)
otherwise.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

from mc_live_util import STEP, check, run, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cp"))
from gw_live import copy_config  # noqa: E402

MAMSGW, CLIENT, DUMP, PKI = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
NS = "mc-test-%d" % os.getpid()
PREFIX = "mc-live-%d" % os.getpid()

# tests/cp/gw_live.py's gateway, with a second GMA port on lte for its
# delivery connection and shorter NCM timers.
CONFIG = copy_config()
CONFIG["ports"][1]["gma_udp_ports"] = [10020, 10021]
CONFIG["ncm"]["timers"] = {"timeout_ms": 1000, "retries": 2}
CONFIG["ncm"]["delivery"][1]["gw_port"] = 10021

CAPTURE = r"""
import select, socket, struct, sys, time
out = open(sys.argv[1], "w", buffering=1)
socks = {}
for ifn in sys.argv[2:]:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((ifn, 0))
    socks[s] = ifn
out.write("ready\n")
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select(list(socks), [], [], 0.5)
    for s in r:
        f = s.recv(65535)
        ip = f[14:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
        out.write("%s %s %d %s %d %s\n" % (socks[s], socket.inet_ntoa(ip[12:16]), sport,
                                           socket.inet_ntoa(ip[16:20]), dport,
                                           ip[ihl + 8:ihl + ulen].hex()))
"""


def nsx(*args):
    return ["ip", "netns", "exec", NS] + list(args)


PROCS = []


class Proc:
    """A background process in the namespace, its output in a file."""

    def __init__(self, tmp, name, args, env=None):
        self.path = os.path.join(tmp, name + ".out")
        self.out = open(self.path, "w+")
        self.proc = subprocess.Popen(nsx(*args), stdout=self.out, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        PROCS.append(self)

    def log(self):
        self.out.flush()
        with open(self.path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Gateway(Proc):
    def __init__(self, tmp, name="mamsgw", ncm_extra=None):
        cfg = copy_config(CONFIG)
        cfg["ncm"].update(ncm_extra or {})
        cfgfile = os.path.join(tmp, name + ".json")
        with open(cfgfile, "w") as f:
            json.dump(cfg, f)
        self.prefix = "%s-%s" % (PREFIX, name)
        super().__init__(tmp, name, [
            MAMSGW, "--no-huge", "--no-shconf", "--no-pci", "-m", "256",
            "--file-prefix=" + self.prefix, "-l", "0,1", "--log-level=lib.eal:error",
            "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2",
            "--", "--config", cfgfile, "--run-ms", "120000"])

        def port():
            check(self.proc.poll() is None, "mamsgw exited: " + self.log())
            m = re.search(r"listening on wss?://127\.0\.0\.1:(\d+)", self.log())
            return int(m.group(1)) if m else None
        self.port = wait_for("mamsgw to listen", port, 30)
        self.sock_path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix

    def stop(self, sig=signal.SIGTERM, timeout=30):
        rc = super().stop(sig, timeout)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        return rc

    def telemetry(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(STEP)
        s.connect(self.sock_path)
        s.recv(16384)
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
        s.close()
        return reply[cmd.split(",")[0]]

    def in_dataplane(self, sid):
        t = self.telemetry("/mamsgw/sessions")
        return sid in t or str(sid) in t

    def sessions(self):
        t = self.telemetry("/mamsgw/ncm/sessions")
        return {k: v for k, v in t.items() if k != "total"}


def make_namespace():
    run("ip", "netns", "add", NS)
    script = """
set -e
ip link set lo up
ip link add wl0 type veth peer name wl0p
ip link add ww0 type veth peer name ww0p
ip addr add 192.0.2.10/24 dev wl0
ip addr add 198.51.100.10/24 dev ww0
for d in wl0 wl0p ww0 ww0p; do ip link set $d up; done
"""
    run(*nsx("sh", "-c", script))
    neighbours()


def neighbours():
    """The gateway's access addresses resolve to the veth peers (no ARP answers)."""
    for dev, peer, gw in (("wl0", "wl0p", "192.0.2.1"), ("ww0", "ww0p", "198.51.100.1")):
        mac = run(*nsx("cat", "/sys/class/net/%s/address" % peer)).strip()
        run(*nsx("ip", "neigh", "replace", gw, "lladdr", mac, "dev", dev, "nud", "permanent"))


def client(tmp, name, port, extra, scheme="ws", env=None):
    return Proc(tmp, name, [CLIENT, "--ncm", "%s://127.0.0.1:%d/" % (scheme, port),
                            "--iface", "wifi=wl0", "--iface", "lte=ww0", "--tun", "mct0"] + extra,
                env)


def send_uplink(n):
    code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "for i in range(%d):\n"
            "    s.sendto(b'mc-live-%%03d' %% i, ('203.0.113.5', 7777))\n" % n)
    run(*nsx("/usr/bin/python3", "-c", code))


def decode(lines):
    if not lines:
        return []
    r = subprocess.run([DUMP, "trailer"], input="\n".join(l[5] for l in lines) + "\n",
                       stdout=subprocess.PIPE, text=True, timeout=30, check=True)
    out = []
    for cap, dec in zip(lines, r.stdout.splitlines()):
        fields = dict(kv.split("=", 1) for kv in dec.split()[1:] if "=" in kv)
        out.append((cap, dec.split()[0], fields))
    return out


def start_capture(tmp, name):
    cap_file = os.path.join(tmp, name + ".txt")
    capture = Proc(tmp, name, ["/usr/bin/python3", "-c", CAPTURE, cap_file, "wl0p", "ww0p"])
    wait_for("the capture", lambda: os.path.exists(cap_file) and
             open(cap_file).read().startswith("ready"))
    return capture, cap_file


def captured(cap_file, n, ifn=None):
    """The first n captured UDP datagrams to a GMA port (on ifn), or None."""
    lines = [l.split() for l in open(cap_file).read().splitlines()[1:]]
    lines = [l for l in lines if len(l) == 6 and l[4] in ("10020", "10021") and
             (ifn is None or l[0] == ifn)]
    return lines if len(lines) >= n else None


def dump_logs(tmp, gw, clients):
    """On a failure: the gateway's log and each client's output, to stderr."""
    print(gw.log(), file=sys.stderr)
    for name in clients:
        p = os.path.join(tmp, name + ".out")
        if os.path.exists(p):
            print("---- %s ----\n%s" % (name, open(p).read()), file=sys.stderr)


def scenario(tmp):
    capture, cap_file = start_capture(tmp, "capture")
    gw = Gateway(tmp)
    try:
        # ---- failures first: clear messages, non-zero exits ----
        bad = client(tmp, "bad_iface", gw.port, ["--iface", "5g=nosuch0"])
        check(bad.proc.wait(timeout=STEP) == 1, "unknown interface: exit 1")
        check("--iface 5g=nosuch0: no interface named nosuch0" in bad.log(), bad.log())

        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
        closed.close()
        dead = client(tmp, "dead_ncm", dead_port, ["--timeout-ms", "200", "--retries", "1"])
        check(dead.proc.wait(timeout=STEP) == 2, "NCM unreachable: exit 2: " + dead.log())
        check("NCM unreachable ws://127.0.0.1:%d/ after 2 attempts" % dead_port in dead.log(),
              dead.log())

        refused = client(tmp, "refused", gw.port, ["--iface", "5g=lo", "--run-ms", "20000"])
        check(refused.proc.wait(timeout=STEP) == 2, "session refused: exit 2: " + refused.log())
        check("MX_REJECT" in refused.log() and "no free 5G_NR delivery connection" in
              refused.log(), refused.log())
        wait_for("the refused session to go", lambda: gw.sessions() == {})

        # ---- the session ----
        c = client(tmp, "client", gw.port, ["--route", "203.0.113.0/24", "--run-ms", "8000",
                                            "--stats-interval-ms", "300", "-v"])

        def active():
            check(c.proc.poll() is None, "mams-client exited: " + c.log())
            s = [v for v in gw.sessions().values()
                 if v["state"] == "active" and v["delivery_connections"] == 2]
            return s[0] if s else None
        sess = wait_for("an active session with both delivery connections", active)
        sid = sess["session_id"]
        check(sess["in_dataplane"] == 1, "in the data plane: %s" % sess)
        check(gw.in_dataplane(sid), "the data plane lists session %d" % sid)
        addr = run(*nsx("ip", "-4", "-o", "addr", "show", "dev", "mct0"))
        check(" %s/24 " % sess["anchor_ip"] in addr,
              "TUN carries the anchor %s: %s" % (sess["anchor_ip"], addr))
        mtu = int(re.search(r"mtu (\d+)", run(*nsx("ip", "link", "show", "mct0"))).group(1))
        check(mtu == 1500 - 28 - 13, "TUN MTU leaves room for GMA + UDP/IP: %d" % mtu)

        # ---- uplink GMA on the wire ----
        wait_for("uplink usable", lambda: re.search(r"path=wifi .* ul=on", c.log()))
        send_uplink(5)

        pdus = wait_for("5 uplink PDUs", lambda: captured(cap_file, 5))
        ports = dict(re.findall(r"path=(\w+) if=\w+ conn=\d+ state=\w+ ul=\w+ port=(\d+)",
                                c.log()))
        data = [d for d in decode(pdus) if d[2].get("dst") == "203.0.113.5"]
        check(len(data) == 5, "5 data PDUs: %s" % decode(pdus))
        fsns = []
        for cap, status, f in data:
            ifn, src, sport, dst, dport = cap[:5]
            check(status == "ok", "decodes with the shared codec: %s %s" % (status, f))
            path = "wifi" if ifn == "wl0p" else "lte"
            check(src == ("192.0.2.10" if path == "wifi" else "198.51.100.10"),
                  "outer source = the interface's address: %s" % cap)
            check(dst == ("192.0.2.1" if path == "wifi" else "198.51.100.1") and
                  dport == ("10020" if path == "wifi" else "10021"),
                  "to the tunnel end point of the setup: %s" % cap)
            check(sport == ports[path], "from the client's announced port %s: %s" %
                  (ports[path], cap))
            check(int(f["conn"], 16) == (0xF0 if path == "wifi" else 0xF3),
                  "Connection ID anchor 15 / delivery: %s" % f)
            check(int(f["flags"], 16) & 0x0780 == 0x0780, "Delivery SN, Flow SN, timestamp, "
                  "TTL present: %s" % f)
            check(f["src"] == sess["anchor_ip"] and f["proto"] == "17" and
                  f["dport"] == "7777" and f["len"] == str(20 + 8 + 11),
                  "the SDU as the application sent it: %s" % f)
            fsns.append(int(f["fsn"]))
        check(fsns == list(range(fsns[0], fsns[0] + 5)), "consecutive Flow SNs: %s" % fsns)

        # ---- interface events ----
        run(*nsx("ip", "link", "set", "ww0", "down"))
        wait_for("the NCM to see LTE released",
                 lambda: gw.sessions().get(str(sid), {}).get("delivery_connections") == 1)
        run(*nsx("ip", "link", "set", "ww0", "up"))
        neighbours()
        wait_for("the NCM to see LTE set up again",
                 lambda: gw.sessions().get(str(sid), {}).get("delivery_connections") == 2)
        wait_for("the handover keep-alive answered",
                 lambda: "uplink GMA resumed" in c.log())

        # ---- clean termination after --run-ms ----
        try:
            rc = c.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("mams-client did not exit after --run-ms: " + c.log())
        check(rc == 0, "mams-client exit status %d: %s" % (rc, c.log()))
        check("session terminated" in c.log(), "terminated cleanly: " + c.log())
        check(re.search(r"stats .*path=wifi .*tx_pkts=([5-9]|\d\d+)", c.log()),
              "stats line counts the uplink PDUs: " + c.log())
        wait_for("the session to go from the NCM", lambda: gw.sessions() == {})
        ncm = gw.telemetry("/mamsgw/ncm")
        check(ncm["sessions"] == 0 and ncm["peers_dead"] == 0 and ncm["decode_errors"] == 0,
              "NCM counters: %s" % ncm)
        check(not gw.in_dataplane(sid), "gone from the data plane")
    except BaseException:
        dump_logs(tmp, gw, ("client", "refused", "dead_ncm", "bad_iface"))
        raise
    finally:
        rc = gw.stop()
        capture.stop()
    check(rc == 0, "mamsgw exit status %d" % rc)


def scenario_tls(tmp):
    """wss:// with a CA, a client certificate and a bearer token.  LTE is down
    when the session starts and comes later; with Wi-Fi gone the uplink
    falls back to LTE; SIGINT ends the session."""
    subprocess.run(["sh", PKI, tmp], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    tls = {"tls": {"cert": os.path.join(tmp, "server.pem"),
                   "key": os.path.join(tmp, "server.key"),
                   "client_ca": os.path.join(tmp, "ca.pem")},
           "token": "s3cret-token"}
    creds = ["--ca", os.path.join(tmp, "ca.pem"), "--cert", os.path.join(tmp, "client.pem"),
             "--key", os.path.join(tmp, "client.key")]
    capture, cap_file = start_capture(tmp, "capture-tls")
    gw = Gateway(tmp, "mamsgw-tls", tls)
    try:
        wrong = client(tmp, "wrong_token", gw.port, creds, "wss", {"MAMS_TOKEN": "nope"})
        check(wrong.proc.wait(timeout=STEP) == 2, "wrong token: exit 2: " + wrong.log())
        check("refused the WebSocket upgrade" in wrong.log() and
              "wrong bearer token (--token / MAMS_TOKEN)" in wrong.log(), wrong.log())
        check(gw.telemetry("/mamsgw/ncm")["ws_refused_auth"] == 1,
              "refused once, not retried")

        run(*nsx("ip", "link", "set", "ww0", "down"))
        c = client(tmp, "tls_client", gw.port,
                   creds + ["--subprotocol", "mams", "--route", "203.0.113.0/24"], "wss",
                   {"MAMS_TOKEN": "s3cret-token"})

        def conns(n):
            def fn():
                check(c.proc.poll() is None, "mams-client exited: " + c.log())
                return [v for v in gw.sessions().values()
                        if v["state"] == "active" and v["delivery_connections"] == n]
            return fn
        sid = wait_for("an active session over wss:// on Wi-Fi only", conns(1))[0]["session_id"]
        run(*nsx("ip", "link", "set", "ww0", "up"))
        neighbours()
        wait_for("LTE set up when it comes", conns(2))
        wait_for("the handover keep-alive answered", lambda: "uplink GMA resumed" in c.log())
        run(*nsx("ip", "link", "set", "wl0", "down"))
        wait_for("Wi-Fi released", conns(1))
        send_uplink(3)
        pdus = wait_for("uplink over LTE", lambda: captured(cap_file, 3, "ww0p"))
        data = [d for d in decode(pdus) if d[2].get("dst") == "203.0.113.5"]
        check(len(data) == 3 and all(st == "ok" and int(f["conn"], 16) == 0xF3 and
                                     cap[4] == "10021" for cap, st, f in data),
              "the uplink fell back to LTE (connection 3, gateway port 10021): %s" % data)
        check(captured(cap_file, 1, "wl0p") is None, "nothing left over Wi-Fi")
        run(*nsx("ip", "link", "set", "wl0", "up"))
        neighbours()
        wait_for("Wi-Fi back", conns(2))

        c.proc.send_signal(signal.SIGINT)
        try:
            rc = c.proc.wait(timeout=STEP)
        except subprocess.TimeoutExpired:
            raise AssertionError("mams-client did not end after SIGINT: " + c.log())
        check(rc == 0, "exit status after SIGINT %d: %s" % (rc, c.log()))
        check("terminating the session" in c.log() and "session terminated" in c.log(),
              c.log())
        wait_for("the session to go from the NCM", lambda: gw.sessions() == {})
        check(not gw.in_dataplane(sid), "gone from the data plane")
    except BaseException:
        dump_logs(tmp, gw, ("tls_client", "wrong_token"))
        raise
    finally:
        rc = gw.stop()
        capture.stop()
    check(rc == 0, "mamsgw exit status %d" % rc)


def main():
    if os.geteuid() != 0:
        print("skipped: needs root for network namespaces and TUN")
        sys.exit(77)
    # A timeout (SIGTERM from meson) must still clean up: finally runs.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit("killed by signal %d" % sig))
    tmp = tempfile.mkdtemp(prefix="mc-live-")
    try:
        make_namespace()
        scenario(tmp)
        print("ok: mams-client live against mamsgw (ws://)")
        scenario_tls(tmp)
        print("ok: mams-client live against mamsgw (wss://, client certificate, token)")
    finally:
        for p in PROCS:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
        subprocess.run(["ip", "netns", "del", NS], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for p in PROCS:
            if isinstance(p, Gateway):
                shutil.rmtree("/var/run/dpdk/" + p.prefix, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
