#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Classify the UDP datagrams to or from one port on one interface.

Usage: udp_census.py IFACE PORT SECONDS [MAX_FRAMES]

Captures with an AF_PACKET socket (both directions) for at most SECONDS or
MAX_FRAMES frames and prints one JSON object:
  frames     UDP/IPv4 datagrams with PORT as source or destination port
  ipv4_inner payload starting with an IPv4 header (0x45..0x4f): a GMA PDU of
             the trailer/header methods in the clear
  esp        payload that looks like ESP: >= 8 + 8 + 16 bytes and an SPI of
             256 or more
  other      the rest (short or unknown)
  spis       {"0x........": count} of the ESP datagrams
  keepalive  one-byte 0xFF NAT keep-alives
A test decides what is allowed; this script only counts.
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def main():
    iface, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    max_frames = int(sys.argv[4]) if len(sys.argv) > 4 else 2_000_000
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    out = {"frames": 0, "ipv4_inner": 0, "esp": 0, "other": 0, "keepalive": 0, "spis": {}}
    end = time.monotonic() + seconds
    seen = 0
    print("ready", file=sys.stderr, flush=True)
    while time.monotonic() < end and seen < max_frames:
        try:
            f = s.recv(65535)
        except socket.timeout:
            continue
        seen += 1
        if len(f) < 14 + 20 + 8 or f[12:14] != b"\x08\x00":
            continue
        ip = f[14:]
        if ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        if port not in (sport, dport):
            continue
        pl = udp[8:ulen]
        out["frames"] += 1
        if len(pl) == 1 and pl[0] == 0xFF:
            out["keepalive"] += 1
        elif len(pl) >= 1 and pl[0] >> 4 == 4 and pl[0] & 15 >= 5:
            out["ipv4_inner"] += 1
        elif len(pl) >= 32 and struct.unpack("!I", pl[:4])[0] >= 256:
            out["esp"] += 1
            k = "0x%08x" % struct.unpack("!I", pl[:4])[0]
            out["spis"][k] = out["spis"].get(k, 0) + 1
        else:
            out["other"] += 1
    print(json.dumps(out))


if __name__ == "__main__":
    main()
