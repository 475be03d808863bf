#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# A UDP echo stream that times an outage (tests/e2e/test_steering.sh).
#   udp_echo.py server ADDR PORT SECONDS
#       echo every datagram back to its sender, for SECONDS at most.
#   udp_echo.py client ADDR PORT SECONDS INTERVAL_MS
#       send a datagram (sequence number) every INTERVAL_MS for SECONDS, time
#       each echo at arrival, then print one line:
#       sent=N received=N gap_ms=G last_s=N last_s_min_rtt_ms=R
#       gap_ms: the longest time between two consecutive echoes (by arrival);
#       last_s: echoes of the datagrams sent in the last second, and their
#       smallest RTT.  ping(8) cannot keep a 1 ms pace on a busy 2-core
#       machine; this sends on a schedule (catching up after a late wake-up).
import select
import socket
import struct
import sys
import time


def server(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], 0.5)
        if r:
            data, peer = s.recvfrom(2048)
            s.sendto(data, peer)


def client(addr, port, seconds, interval_ms):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.setblocking(False)
    step = interval_ms / 1000.0
    t0 = time.monotonic()
    n_total = int(seconds / step)
    sent_at = []
    rtt = {}
    arrivals = []
    seq = 0
    end = t0 + seconds + 1.0  # a second more for the last echoes
    while True:
        now = time.monotonic()
        while seq < n_total and t0 + seq * step <= now:
            sent_at.append(now)
            try:
                s.send(struct.pack("!Id", seq, now))
            except OSError:
                pass
            seq += 1
        while True:
            try:
                data = s.recv(2048)
            except BlockingIOError:
                break
            except OSError:
                break
            t = time.monotonic()
            if len(data) >= 12:
                k, _ = struct.unpack("!Id", data[:12])
                if k not in rtt and k < len(sent_at):
                    rtt[k] = (t - sent_at[k]) * 1000.0
                    arrivals.append(t)
        if now >= end:
            break
        nxt = t0 + seq * step if seq < n_total else now + 0.005
        select.select([s], [], [], max(0.0, min(nxt - time.monotonic(), 0.005)))
    gap = max((b - a for a, b in zip(arrivals, arrivals[1:])), default=float("inf")) * 1000.0
    first_last = n_total - int(1.0 / step)
    last = [rtt[k] for k in range(first_last, n_total) if k in rtt]
    print("sent=%d received=%d gap_ms=%.1f last_s=%d last_s_min_rtt_ms=%.1f" % (
        seq, len(rtt), gap, len(last), min(last) if last else -1))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
