#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent WebSocket client of the cp_ws tests (Debian's python3-websockets).

usage: ws_client.py URL STEP...

The steps run in order; NAME names a connection (any word):
  NAME:open[:OPTS]      connect; OPTS is k=v,... with token=T, ca=FILE,
                        cert=FILE, key=FILE (cert and key: a client certificate),
                        proto=P1|P2 (subprotocols offered)
  NAME:send:TEXT        send one text message
  NAME:sendsize:N       send one text message of N 'x'
  NAME:sendbin:N        send one binary message of N bytes
  NAME:sendfrag:A,B,..  send one text message in fragments A, B, ...
  NAME:sendraw:HEX,..   send one text message, fragments given as hex bytes
                        (not necessarily UTF-8)
  NAME:recv             receive one message
  NAME:recvlen          receive one message, print its length and first char
  NAME:http             plain HTTP GET / (no upgrade) on a new connection
  NAME:waitclose        receive until the server closes the connection
  NAME:close            close it (1000)
  sleep:MS

Output, one line per outcome:
  NAME OPEN [<subprotocol>] | NAME STATUS <http status> | NAME ERROR <exception> [<cause>]
  NAME RECV <text> | NAME RECVBIN <bytes> | NAME CLOSED <code> [<reason>]
  NAME RECVLEN <length> <first char> <"same" if all chars are the first>
  NAME HTTP <status>
  NAME SENT | NAME SENDFAIL | NAME TIMEOUT
Exit status 0 once all steps ran (what happened is in the output), 2 on a
usage error.
"""
import asyncio
import http.client
import ssl
import sys
import urllib.parse

import websockets
import websockets.exceptions
from websockets.frames import Opcode

STEP_TIMEOUT = 15.0


def out(*words):
    print(" ".join(str(w) for w in words).rstrip(), flush=True)


def parse_opts(text):
    opts = {}
    for item in filter(None, text.split(",")):
        k, _, v = item.partition("=")
        opts[k] = v
    return opts


async def do_open(url, name, opts):
    headers = {}
    if "token" in opts:
        headers["Authorization"] = "Bearer " + opts["token"]
    kw = {}
    if "proto" in opts:
        kw["subprotocols"] = opts["proto"].split("|")
    if url.startswith("wss:"):
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=opts.get("ca"))
        if "cert" in opts:
            ctx.load_cert_chain(opts["cert"], opts["key"])
        kw["ssl"] = ctx
    try:
        ws = await websockets.connect(url, extra_headers=headers, open_timeout=STEP_TIMEOUT,
                                      close_timeout=5, max_size=None, **kw)
    except websockets.exceptions.InvalidStatusCode as e:
        out(name, "STATUS", e.status_code)
        return None
    except Exception as e:  # what failed is the result
        cause = e.__cause__ or e.__context__
        out(name, "ERROR", type(e).__name__, type(cause).__name__ if cause else "")
        return None
    if ws.subprotocol:
        out(name, "OPEN", ws.subprotocol)
    else:
        out(name, "OPEN")
    return ws


def report_msg(name, msg):
    if isinstance(msg, str):
        out(name, "RECV", msg)
    else:
        out(name, "RECVBIN", len(msg))


async def report_close(name, ws):
    """Print what still arrives, then how the connection closed."""
    try:
        while True:
            report_msg(name, await asyncio.wait_for(ws.recv(), STEP_TIMEOUT))
    except asyncio.TimeoutError:
        out(name, "TIMEOUT")
        return
    except websockets.exceptions.ConnectionClosed:
        pass
    out(name, "CLOSED", ws.close_code, ws.close_reason or "")


async def send(name, ws, msg):
    try:
        await asyncio.wait_for(ws.send(msg), STEP_TIMEOUT)
        out(name, "SENT")
    except asyncio.TimeoutError:
        out(name, "TIMEOUT")
    except websockets.exceptions.ConnectionClosed:
        out(name, "SENDFAIL")


async def send_raw(name, ws, parts):
    try:
        for i, p in enumerate(parts):
            opcode = Opcode.TEXT if i == 0 else Opcode.CONT
            await ws.write_frame(i == len(parts) - 1, opcode, p)
        out(name, "SENT")
    except websockets.exceptions.ConnectionClosed:
        out(name, "SENDFAIL")


async def recv_one(name, ws):
    """(True, the next message), or (False, None) once a timeout or the close
    has been reported; a message may be empty, hence the flag."""
    try:
        return True, await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        out(name, "TIMEOUT")
    except websockets.exceptions.ConnectionClosed:
        await report_close(name, ws)
    return False, None


async def run(url, steps):
    conns = {}
    for step in steps:
        name, _, rest = step.partition(":")
        verb, _, arg = rest.partition(":")
        if name == "sleep":
            await asyncio.sleep(int(verb) / 1000)
            continue
        if verb == "http":
            u = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=STEP_TIMEOUT)
            try:
                conn.request("GET", "/")
                out(name, "HTTP", conn.getresponse().status)
            except Exception as e:
                out(name, "ERROR", type(e).__name__)
            conn.close()
            continue
        if verb == "open":
            ws = await do_open(url, name, parse_opts(arg))
            if ws is not None:
                conns[name] = ws
            continue
        ws = conns.get(name)
        if ws is None:
            out(name, "NOCONN")
            continue
        if verb == "send":
            await send(name, ws, arg)
        elif verb == "sendsize":
            await send(name, ws, "x" * int(arg))
        elif verb == "sendbin":
            await send(name, ws, bytes(int(arg)))
        elif verb == "sendfrag":
            await send(name, ws, arg.split(","))
        elif verb == "sendraw":
            await send_raw(name, ws, [bytes.fromhex(h) for h in arg.split(",")])
        elif verb == "recvlen":
            got, msg = await recv_one(name, ws)
            if got:
                same = "same" if msg and msg == msg[0] * len(msg) else "mixed"
                out(name, "RECVLEN", len(msg), msg[:1], same)
        elif verb == "recv":
            got, msg = await recv_one(name, ws)
            if got:
                report_msg(name, msg)
        elif verb == "waitclose":
            await report_close(name, ws)
        elif verb == "close":
            await ws.close()
            out(name, "CLOSED", ws.close_code, ws.close_reason or "")
        else:
            print("ws_client.py: unknown step " + step, file=sys.stderr)
            sys.exit(2)
    for ws in conns.values():
        await ws.close()


def main():
    sys.stdout.reconfigure(encoding="utf-8")
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    asyncio.run(run(sys.argv[1], sys.argv[2:]))


if __name__ == "__main__":
    main()
