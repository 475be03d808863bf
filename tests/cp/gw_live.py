# SPDX-License-Identifier: BSD-3-Clause
"""What the live scripts of tests/cp (ncm_live.py, rest_live.py,
mamsctl_live.py) share: mamsgw on null vdevs in the background (Gateway,
running), the configuration they start from (CONFIG), and a CCM speaking
RFC 8743 over a WebSocket (base, recv, bring_up).  Every wait is bounded."""
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

STEP = 5.0  # seconds: the longest any single answer may take
NULL_VDEVS = ("net_null0", "net_null1", "net_null2")

# Access ports wifi and lte, a core port (all null vdevs), an NCM delivering
# on both access ports.  Callers copy it (copy_config) before changing it.
CONFIG = {
    "dataplane": {"workers": 1, "mbufs": 4095, "mbuf_cache": 64, "max_sessions": 64},
    "ports": [
        {"name": "wifi", "device": "net_null0", "role": "access", "ipv4": "192.0.2.1",
         "next_hop_mac": "02:00:00:00:01:02", "gma_udp_ports": [10020]},
        {"name": "lte", "device": "net_null1", "role": "access", "ipv4": "198.51.100.1",
         "next_hop_mac": "02:00:00:00:02:02", "gma_udp_ports": [10020]},
        {"name": "core", "device": "net_null2", "role": "core", "ipv4": "203.0.113.1",
         "next_hop_mac": "02:00:00:00:03:02"},
    ],
    "ncm": {
        "ncm_id": 42,
        "listen": {"ip": "127.0.0.1", "port": 0},
        "anchor": {"connection_id": 15, "pool": "10.77.0.0/24"},
        "delivery": [
            {"connection_id": 0, "connection_type": "Wi-Fi", "port": "wifi"},
            {"connection_id": 3, "connection_type": "LTE", "port": "lte"},
        ],
    },
}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def copy_config(cfg=None):
    """A deep copy of cfg (default CONFIG) to change."""
    return json.loads(json.dumps(CONFIG if cfg is None else cfg))


class Gateway:
    """mamsgw on cfg in the background (file prefix mamsgw-NAME-PID), its
    stdout, its telemetry socket.  Started when it listens: on ws_port (the
    NCM's WebSocket) and, with a "rest" section, on rest_port."""

    def __init__(self, mamsgw, tmp, cfg, name, vdevs=NULL_VDEVS):
        self.cfgfile = os.path.join(tmp, name + ".json")
        self.write(cfg)
        self.prefix = "mamsgw-%s-%d" % (name, os.getpid())
        args = [mamsgw, "--no-huge", "--no-shconf", "--no-pci", "-m", "256",
                "--file-prefix=" + self.prefix, "-l", "0,1", "--log-level=lib.eal:error"]
        for v in vdevs:
            args += ["--vdev", v]
        args += ["--", "--config", self.cfgfile, "--run-ms", "120000"]
        self.out = open(os.path.join(tmp, name + ".out"), "w+")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        self.ws_port = self.rest_port = None
        what = "rest_port" if "rest" in cfg else "ws_port"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and getattr(self, what) is None:
            check(self.proc.poll() is None, "mamsgw exited: " + self.log())
            for line in self.log().splitlines():
                if "ncm" in line and "listening on" in line:
                    self.ws_port = int(line.rsplit(":", 1)[1])
                if "rest listening on" in line:
                    self.rest_port = int(line.rsplit(":", 1)[1])
            time.sleep(0.05)
        check(getattr(self, what) is not None, "mamsgw did not listen (%s): %s" %
              (what, self.log()))

    def write(self, cfg):
        """Replaces the configuration file (atomically: reloads see all or nothing)."""
        with open(self.cfgfile + ".tmp", "w") as f:
            json.dump(cfg, f)
        os.replace(self.cfgfile + ".tmp", self.cfgfile)

    def log(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read()

    def telemetry(self, cmd):
        """The data plane's own view: one rte_telemetry command's answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.settimeout(STEP)
            s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix)
            s.recv(16384)  # the greeting
            s.send(cmd.encode())
            return json.loads(s.recv(1 << 20).decode())[cmd.split(",")[0]]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        return rc


@contextlib.contextmanager
def running(gw, what):
    """The body's checks against gw, then gw stopped: it must exit 0.  A
    failure prints gw's output, stops it and goes on up."""
    try:
        yield gw
    except BaseException:
        print(gw.log(), file=sys.stderr)
        gw.stop()
        raise
    rc = gw.stop()
    check(rc == 0, "%s: mamsgw exit status %d: %s" % (what, rc, gw.log()))


# ---- the CCM -----------------------------------------------------------------------

UNSOLICITED = ("mx_measurement_conf", "mx_path_est_req", "mx_ssid_indication")


def base(mtype, seq, usid=None):
    m = {"version": "1.0", "message_type": mtype, "sequence_num": seq}
    if usid is not None:
        m["unique_session_id"] = usid
    return m


async def recv(ws, want, usid=None):
    """The next message of type want.  With usid (a session is up), on the
    way, like a CCM: indications are taken note of, steering and keep-alive
    requests answered; without, anything else fails."""
    deadline = time.monotonic() + STEP
    while True:
        left = deadline - time.monotonic()
        msg = json.loads(await asyncio.wait_for(ws.recv(), max(left, 0.01)))
        mtype = msg["message_type"]
        if mtype == want:
            return msg
        if usid is not None and mtype in UNSOLICITED:
            continue
        if usid is not None and mtype == "mx_traffic_steering_req":
            await ws.send(json.dumps(dict(base("mx_traffic_steering_rsp", msg["sequence_num"],
                                               usid), feature_active=[])))
            continue
        if usid is not None and mtype == "mx_keep_alive_req":
            await ws.send(json.dumps(base("mx_keep_alive_rsp", msg["sequence_num"], usid)))
            continue
        check(False, "expected %s, got %s" % (want, msg))


def cap_req(ipsec=False):
    """The MX Capability Request of a CCM with connections 0 (Wi-Fi) and 3
    (LTE); with ipsec it lists the IPsec adaptation as well."""
    adapt = [{"method": "UDP_without_DTLS", "supported": True}]
    if ipsec:
        adapt.append({"method": "IPsec", "supported": True})
    return dict(base("mx_capability_req", 3), **{
        "feature_active": [{"feature_name": "fragmentation", "active": True}],
        "num_anchor_connections": 1,
        "anchor_connections": [{"connection_id": 15, "connection_type": "LTE"}],
        "num_delivery_connections": 2,
        "delivery_connections": [{"connection_id": 0, "connection_type": "Wi-Fi"},
                                 {"connection_id": 3, "connection_type": "LTE"}],
        "convergence_methods": [{"method": "GMA", "supported": True}],
        "adaptation_methods": adapt})


async def bring_up(ws, client_ip_last, mtu, ipsec=False):
    """RFC 8743 8.4 from the capability exchange to an active session with
    connections 0 (192.0.2.LAST) and 3 (198.51.100.LAST); returns its
    unique_session_id and the NCM's UP setup."""
    await ws.send(json.dumps(cap_req(ipsec)))
    usid = (await recv(ws, "mx_capability_rsp"))["unique_session_id"]
    await ws.send(json.dumps(dict(base("mx_capability_ack", 3, usid), capability_ack="MX_ACCEPT")))
    setup = await recv(ws, "mx_up_setup_conf_req")
    for seq, cid, ip in ((4, 0, "192.0.2.%d" % client_ip_last),
                         (5, 3, "198.51.100.%d" % client_ip_last)):
        await ws.send(json.dumps(dict(base("mx_reconf_req", seq, usid), reconf_action="setup",
                                      connection_id=cid, ip_address=ip, mtu_size=mtu)))
        await recv(ws, "mx_reconf_rsp", usid)
    await ws.send(json.dumps(dict(
        base("mx_up_setup_cnf", setup["sequence_num"], usid),
        probe_param={"probe_port": 5999, "anchor_conn_id": 15}, num_delivery_conn=2,
        client_params=[{"connection_id": 0, "adapt_param": {"udp_adapt_port": 5000}},
                       {"connection_id": 3, "adapt_param": {"udp_adapt_port": 5000}}])))
    steer = await recv(ws, "mx_traffic_steering_req", usid)
    await ws.send(json.dumps(dict(base("mx_traffic_steering_rsp", steer["sequence_num"], usid),
                                  feature_active=[])))
    # (not a field of the message: the sequence number of the first steering
    # request, answered here, for tests that must tell retransmissions apart)
    setup["first_steering_seq"] = steer["sequence_num"]
    return usid, setup
