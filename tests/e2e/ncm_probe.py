#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Is the NCM reachable?  One WebSocket connection (Debian's python3-websockets),
mx_discover -> mx_system_info, checked and printed as JSON.

    ncm_probe.py URL [ANCHOR_CONN_ID [ENDPOINT_IP [ENDPOINT_PORT]]]

Exit 0 when the answer is an mx_system_info whose NCM connection has the
given anchor connection ID and endpoint; 1 with the reason otherwise.
Bounded: 10 s for everything.
"""
import asyncio
import json
import sys

import websockets


async def probe(url):
    async with websockets.connect(url, open_timeout=5, close_timeout=2) as ws:
        await ws.send(json.dumps({"version": "1.0", "message_type": "mx_discover",
                                  "sequence_num": 1}))
        return json.loads(await asyncio.wait_for(ws.recv(), 5))


def main():
    url = sys.argv[1]
    try:
        msg = asyncio.run(asyncio.wait_for(probe(url), 10))
    except Exception as e:  # what failed is the result
        print("ncm_probe: %s: %s: %s" % (url, type(e).__name__, e), file=sys.stderr)
        return 1
    print(json.dumps(msg))
    if msg.get("message_type") != "mx_system_info":
        print("ncm_probe: expected mx_system_info", file=sys.stderr)
        return 1
    conn = msg["ncm_connections"][0]
    want = sys.argv[2:]
    got = [str(conn["connection_id"]), conn["ncm_end_point"]["ip_address"],
           str(conn["ncm_end_point"]["port"])]
    if got[:len(want)] != want:
        print("ncm_probe: NCM connection %s, expected %s" % (got, want), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
