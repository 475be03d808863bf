#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The NCM live: mamsgw on null vdevs, a real WebSocket client (Debian's
python3-websockets, not our code) running the whole RFC 8743 flow over ws://
and over wss:// with a test CA, the session checked in the data plane's and
the NCM's telemetry, bad input from other connections while it is active.

    ncm_live.py MAMSGW_BIN MAKE_TEST_PKI_SH

Exits non-zero with the failed assertion on any deviation.  Bounded: every
wait has a timeout, mamsgw runs with --run-ms and is killed at the end.
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import websockets

MAMSGW, PKI = sys.argv[1], sys.argv[2]
STEP = 5.0  # seconds: the longest any single answer may take

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


class Gateway:
    """mamsgw in the background, its telemetry socket, its stdout."""

    def __init__(self, tmp, ncm_extra):
        cfg = json.loads(json.dumps(CONFIG))
        cfg["ncm"].update(ncm_extra)
        self.cfgfile = os.path.join(tmp, "gw.json")
        with open(self.cfgfile, "w") as f:
            json.dump(cfg, f)
        self.prefix = "mamsgw-ncm-live-%d" % os.getpid()
        args = [MAMSGW, "--no-huge", "--no-shconf", "--no-pci", "-m", "256",
                "--file-prefix=" + self.prefix, "-l", "0,1", "--log-level=lib.eal:error",
                "--vdev", "net_null0", "--vdev", "net_null1", "--vdev", "net_null2",
                "--", "--config", self.cfgfile, "--run-ms", "120000"]
        self.out = open(os.path.join(tmp, "gw.out"), "w+")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.port is None:
            check(self.proc.poll() is None, "mamsgw exited: " + self.log())
            for line in self.log().splitlines():
                if "listening on" in line:
                    self.port = int(line.rsplit(":", 1)[1])
            time.sleep(0.05)
        check(self.port is not None, "mamsgw did not listen: " + self.log())
        self.sock_path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % self.prefix

    def log(self):
        self.out.flush()
        self.out.seek(0)
        return self.out.read()

    def telemetry(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(STEP)
        s.connect(self.sock_path)
        s.recv(16384)  # the greeting
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
        s.close()
        return reply[cmd.split(",")[0]]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        return rc


UNSOLICITED = ("mx_measurement_conf", "mx_path_est_req", "mx_ssid_indication")


async def recv(ws, want, usid=None):
    """The next message of type want.  On the way, like a CCM: indications
    are taken note of, steering and keep-alive requests answered."""
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


def base(mtype, seq, usid=None):
    m = {"version": "1.0", "message_type": mtype, "sequence_num": seq}
    if usid is not None:
        m["unique_session_id"] = usid
    return m


CAP_REQ = dict(base("mx_capability_req", 3), **{
    "feature_active": [{"feature_name": "fragmentation", "active": True}],
    "num_anchor_connections": 1,
    "anchor_connections": [{"connection_id": 15, "connection_type": "LTE"}],
    "num_delivery_connections": 2,
    "delivery_connections": [{"connection_id": 0, "connection_type": "Wi-Fi"},
                             {"connection_id": 3, "connection_type": "LTE"}],
    "convergence_methods": [{"method": "GMA", "supported": True}],
    "adaptation_methods": [{"method": "UDP_without_DTLS", "supported": True}],
})


async def bring_up(ws, client_ip_last):
    """RFC 8743 8.4 from discovery to an active session; returns (usid, setup)."""
    await ws.send(json.dumps(base("mx_discover", 1)))
    si = await recv(ws, "mx_system_info")
    check(si["ncm_connections"][0]["connection_id"] == 15, "anchor connection in system info")
    await ws.send(json.dumps(CAP_REQ))
    rsp = await recv(ws, "mx_capability_rsp")
    usid = rsp["unique_session_id"]
    check(usid["ncm_id"] == 42 and usid["session_id"] > 0, "session id %s" % usid)
    await ws.send(json.dumps(dict(base("mx_capability_ack", 3, usid), capability_ack="MX_ACCEPT")))
    setup = await recv(ws, "mx_up_setup_conf_req")
    dcs = setup["anchor_connections"][0]["convergence_config"][0]["delivery_connections"]
    check([d["adaptation_method_param"]["tunnel_ip_addr"] for d in dcs] ==
          ["192.0.2.1", "198.51.100.1"], "tunnel endpoints %s" % dcs)
    for seq, cid, ip in ((4, 0, "192.0.2.%d" % client_ip_last),
                         (5, 3, "198.51.100.%d" % client_ip_last)):
        await ws.send(json.dumps(dict(base("mx_reconf_req", seq, usid), reconf_action="setup",
                                      connection_id=cid, ip_address=ip, mtu_size=1500)))
        await recv(ws, "mx_reconf_rsp", usid)
    await ws.send(json.dumps(dict(
        base("mx_up_setup_cnf", setup["sequence_num"], usid),
        probe_param={"probe_port": 5999, "anchor_conn_id": 15}, num_delivery_conn=2,
        client_params=[{"connection_id": 0, "adapt_param": {"udp_adapt_port": 5000}},
                       {"connection_id": 3, "adapt_param": {"udp_adapt_port": 5000}}])))
    steer = await recv(ws, "mx_traffic_steering_req", usid)
    await ws.send(json.dumps(dict(base("mx_traffic_steering_rsp", steer["sequence_num"], usid),
                                  feature_active=[])))
    return usid, setup


async def expect_close(ws, code, what):
    try:
        while True:
            await asyncio.wait_for(ws.recv(), STEP)
    except websockets.exceptions.ConnectionClosed as e:
        check(e.code == code, "%s: close code %s, expected %s" % (what, e.code, code))
        return
    check(False, what + ": not closed")


async def scenario(gw, uri, ssl_ctx, extra_headers):
    kw = dict(ssl=ssl_ctx, max_size=None, extra_headers=extra_headers, open_timeout=STEP)
    async with websockets.connect(uri, **kw) as a:
        usid, setup = await bring_up(a, 10)
        sid = usid["session_id"]
        anchor = setup["anchor_connections"][0]["vnic_info"]["ip"]
        check(anchor.startswith("10.77.0."), "anchor address %s from the pool" % anchor)
        # The data plane carries it, the NCM shows it active.
        check(sid in gw.telemetry("/mamsgw/sessions"), "session %d in the data plane" % sid)
        info = gw.telemetry("/mamsgw/ncm/session,%d" % sid)
        check(info["state"] == "active" and info["anchor_ip"] == anchor, "ncm view %s" % info)

        # Bad input from other connections while A is active.
        async with websockets.connect(uri, **kw) as b:
            await b.send("{this is not json")
            await expect_close(b, 1007, "malformed JSON")
        async with websockets.connect(uri, **kw) as b:
            await b.send(json.dumps(dict(base("mx_discover", 1), pad="x" * (1 << 20))))
            await expect_close(b, 1009, "1 MiB frame")
        async with websockets.connect(uri, **kw) as b:
            await b.send('{"a":' * 40 + "1" + "}" * 40)
            await expect_close(b, 1008, "deep nesting")
        async with websockets.connect(uri, **kw) as b:
            bad = dict(base("mx_reconf_req", 4, usid), reconf_action="setup", connection_id=0,
                       mtu_size="big")
            await b.send(json.dumps(bad))
            err = await recv(b, "mx_error")
            check(err["error"]["field"] == "mtu_size", "wrong type named: %s" % err)
            unknown = {"ncm_id": 42, "session_id": sid ^ 0x5A5A}
            await b.send(json.dumps(dict(base("mx_keep_alive_req", 12, unknown),
                                         keep_alive_reason="Timeout")))
            err = await recv(b, "mx_error")
            check(err["error"]["field"] == "unique_session_id", "unknown session: %s" % err)
            await b.send(json.dumps(base("mx_frobnicate", 3)))
            err = await recv(b, "mx_error")
            check(err["error"]["field"] == "message_type", "unknown type: %s" % err)

        # A is undisturbed.
        await a.send(json.dumps(dict(base("mx_keep_alive_req", 12, usid),
                                     keep_alive_reason="Timeout")))
        ka = await recv(a, "mx_keep_alive_rsp", usid)
        check(ka["sequence_num"] == 12, "keep-alive answer")
        check(sid in gw.telemetry("/mamsgw/sessions"), "session still in the data plane")

        # Termination from the CCM: gone from the data plane and the NCM.
        await a.send(json.dumps(dict(base("mx_session_termination_req", 13, usid),
                                     reason="MX_NORMAL_RELEASE")))
        await recv(a, "mx_session_termination_rsp", usid)
    if extra_headers:
        # The same upgrade without the bearer token is refused.
        try:
            async with websockets.connect(uri, ssl=ssl_ctx, open_timeout=STEP):
                check(False, "upgrade without the token accepted")
        except websockets.exceptions.InvalidStatusCode as e:
            check(e.status_code == 401, "without the token: HTTP %d" % e.status_code)
    check(sid not in gw.telemetry("/mamsgw/sessions"), "session removed from the data plane")
    check(gw.telemetry("/mamsgw/ncm")["sessions"] == 0, "no NCM session left")
    ncm = gw.telemetry("/mamsgw/ncm")
    check(ncm["protocol_closes"] >= 2 and ncm["ws_too_big"] == 1,
          "counted: %s" % ncm)


def run(tmp, name, ncm_extra, scheme, ssl_ctx, headers):
    gw = Gateway(tmp, ncm_extra)
    try:
        asyncio.run(asyncio.wait_for(
            scenario(gw, "%s://127.0.0.1:%d/" % (scheme, gw.port), ssl_ctx, headers), 90))
    except BaseException:
        print(gw.log(), file=sys.stderr)
        gw.stop()
        raise
    rc = gw.stop()
    check(rc == 0, "%s: mamsgw exit status %d: %s" % (name, rc, gw.log()))
    print("ok: %s" % name)


def main():
    tmp = tempfile.mkdtemp(prefix="ncm-live-")
    try:
        run(tmp, "ws", {}, "ws", None, None)
        subprocess.run(["sh", PKI, tmp], check=True)
        ctx = ssl.create_default_context(cafile=os.path.join(tmp, "ca.pem"))
        ctx.load_cert_chain(os.path.join(tmp, "client.pem"), os.path.join(tmp, "client.key"))
        tls = {"tls": {"cert": os.path.join(tmp, "server.pem"),
                       "key": os.path.join(tmp, "server.key"),
                       "client_ca": os.path.join(tmp, "ca.pem")},
               "token": "s3cret-token"}
        run(tmp, "wss + client certificate + token", tls, "wss", ctx,
            {"Authorization": "Bearer s3cret-token"})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
