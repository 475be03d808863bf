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
import ssl
import subprocess
import sys
import tempfile

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gw_live import (STEP, Gateway, base, bring_up, check, copy_config,  # noqa: E402
                     recv, running)

MAMSGW, PKI = sys.argv[1], sys.argv[2]


async def bring_up_checked(ws, client_ip_last):
    """RFC 8743 8.4 from discovery to an active session; returns (usid, setup)."""
    await ws.send(json.dumps(base("mx_discover", 1)))
    si = await recv(ws, "mx_system_info")
    check(si["ncm_connections"][0]["connection_id"] == 15, "anchor connection in system info")
    usid, setup = await bring_up(ws, client_ip_last, 1500)
    check(usid["ncm_id"] == 42 and usid["session_id"] > 0, "session id %s" % usid)
    dcs = setup["anchor_connections"][0]["convergence_config"][0]["delivery_connections"]
    check([d["adaptation_method_param"]["tunnel_ip_addr"] for d in dcs] ==
          ["192.0.2.1", "198.51.100.1"], "tunnel endpoints %s" % dcs)
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
        usid, setup = await bring_up_checked(a, 10)
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
    cfg = copy_config()
    cfg["ncm"].update(ncm_extra)
    gw = Gateway(MAMSGW, tmp, cfg, "ncm-live-" + scheme)
    with running(gw, name):
        asyncio.run(asyncio.wait_for(
            scenario(gw, "%s://127.0.0.1:%d/" % (scheme, gw.ws_port), ssl_ctx, headers), 90))
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
