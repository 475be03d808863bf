#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""mams-client's IPsec adaptation live, against an independent gateway side.

    mc_esp_live.py MAMS_CLIENT_BIN

Two network namespaces of their own (client-esp-c-PID, client-esp-g-PID,
deleted at the end whatever happens) joined by a veth pair: wl0
(10.66.0.2) holds mams-client, wl0p (10.66.0.1) a scripted NCM (Python's
websockets) and the gateway's end of ESP written here in Python (HKDF from
hmac/hashlib, AES-GCM from cryptography): nothing of the C library on the
gateway side.  The NCM offers IPsec on the Wi-Fi connection with a
shared_secret; checked:

  * the capability request lists IPsec; the client confirms the UP setup;
  * datagrams written to the client's TUN leave wl0 only as ESP-in-UDP to
    tunnel_ip_addr:tunnel_end_port with the SPI derived here, and decrypt
    (AES-128-GCM, ESN) to the GMA PDU carrying the datagram (Next Header 4);
  * ESP the gateway sends is decrypted and reaches the TUN; a GMA PDU in
    the clear does not (esp_plaintext); a 0xFF byte is esp_keepalive;
  * rekey (a new shared_secret in a later mx_up_setup_conf_req): the next
    uplink uses the new SA; the old inbound SA is still accepted after the
    confirmation, and refused (esp_unknown_spi) once the grace period
    (--ipsec-rekey-grace-ms) is over, while the new one goes on; the stats
    line shows the SPIs and rekeys=1;
  * SIGINT ends the session cleanly (exit 0).

Every wait is bounded.  Needs root (namespaces, TUN): exits 77 (skipped)
otherwise.
"""
import asyncio
import hashlib
import hmac
import json
import os
import signal
import socket
import struct
import subprocess
import sys

from mc_live_util import STEP, check, run, wait_for_async

NCM_ID, SID = 42, 777
SECRET_A = b"q3Vx0pT9bKf2LmN8sR4wYc6ZaD1eH7jU5oIiGtQvXyE"
SECRET_B = b"Zz9-_Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7M"
GW_IP, CL_IP, GW_PORT = "10.66.0.1", "10.66.0.2", 4500
ANCHOR, FAR = "10.77.0.2", "10.99.0.5"
GRACE_MS = 1500


# ---- ESP, the gateway's side (docs/ipsec.md), independent of dataplane/esp ----------

def kdf(secret, ncm_id, sid, conn, direction):
    """AES-128-GCM with ESN: (key, salt, SPI) of one direction (1 up, 2 down)."""
    prk = hmac.new(b"MAMS-ESP-v1", secret, hashlib.sha256).digest()
    info = b"MAMS-ESP-v1 SA" + struct.pack("!IIBBHHHB", ncm_id, sid, conn, direction,
                                           20, 128, 0, 1)
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:24]
    return okm[:16], okm[16:20], struct.unpack("!I", okm[20:24])[0] | 0x80000000


class Sa:
    def __init__(self, secret, direction):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        key, self.salt, self.spi = kdf(secret, NCM_ID, SID, 0, direction)
        self.aead = AESGCM(key)
        self.sn = 0

    def encap(self, payload, nh=4):
        self.sn += 1
        pad = (-(len(payload) + 2)) % 4
        pt = payload + bytes(range(1, pad + 1)) + bytes([pad, nh])
        iv = struct.pack("!Q", self.sn)
        aad = struct.pack("!III", self.spi, self.sn >> 32, self.sn & 0xFFFFFFFF)
        return (struct.pack("!II", self.spi, self.sn & 0xFFFFFFFF) + iv +
                self.aead.encrypt(self.salt + iv, pt, aad))

    def decap(self, pkt):
        spi, snl = struct.unpack("!II", pkt[:8])
        check(spi == self.spi, "SPI %08x, expected %08x" % (spi, self.spi))
        iv = pkt[8:16]
        sn = struct.unpack("!Q", iv)[0]
        check(sn & 0xFFFFFFFF == snl, "IV = the 64-bit SN")
        pt = self.aead.decrypt(self.salt + iv, pkt[16:],
                               struct.pack("!III", spi, sn >> 32, snl))
        pad, nh = pt[-2], pt[-1]
        check(pt[-2 - pad:-2] == bytes(range(1, pad + 1)), "padding 1, 2, 3, ...")
        return pt[:-2 - pad], nh, sn


def self_test_kdf():
    """docs/ipsec.md's worked example, so that this side is right on its own."""
    prk = hmac.new(b"MAMS-ESP-v1", b"0123456789abcdef0123456789abcdef", hashlib.sha256).digest()
    info = b"MAMS-ESP-v1 SA" + struct.pack("!IIBBHHHB", 0x01020304, 0x0a0b0c0d, 2, 1,
                                           20, 128, 0, 1)
    okm = hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    check(okm[:20].hex() == "08d21929780335feb65794c435e3762c99a949b8", "KDF golden keymat")
    check(struct.unpack("!I", okm[20:24])[0] | 0x80000000 == 0xd3d1fde5, "KDF golden SPI")


# ---- GMA (trailer method), RFC 9188 4.1 -------------------------------------------

def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return struct.pack("!H", ~s & 0xFFFF)


def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                                socket.inet_aton(src), socket.inet_aton(dst)))
    hdr[10:12] = cksum(bytes(hdr))
    return bytes(hdr) + udp


def gma_trailer(sdu):
    """Trailer-based GMA with the TTL field only: TTL | Next Header | Flags."""
    ip = bytearray(sdu)
    ttl, proto = ip[8], ip[9]
    ip[8], ip[9] = 1, 114
    ip[2:4] = struct.pack("!H", len(sdu) + 4)
    ip[10:12] = b"\0\0"
    ip[10:12] = cksum(bytes(ip[:20]))
    return bytes(ip) + bytes([ttl, proto]) + struct.pack("!H", 0x0080)


def downlink(text):
    return gma_trailer(ipv4_udp(FAR, ANCHOR, 7777, 7777, text))


# ---- the scripted NCM -----------------------------------------------------------------

CAP_RSP = {
    "version": "1.0", "message_type": "mx_capability_rsp",
    "unique_session_id": {"ncm_id": NCM_ID, "session_id": SID},
    "feature_active": [{"feature_name": "fragmentation", "active": True}],
    "num_anchor_connections": 1,
    "anchor_connections": [{"connection_id": 15, "connection_type": "LTE"}],
    "num_delivery_connections": 1,
    "delivery_connections": [{"connection_id": 0, "connection_type": "Wi-Fi"}],
    "convergence_methods": [{"method": "GMA", "supported": True}],
    "adaptation_methods": [{"method": "UDP_without_DTLS", "supported": True},
                           {"method": "IPsec", "supported": True}],
}


def setup_req(seq, secret):
    return {
        "version": "1.0", "message_type": "mx_up_setup_conf_req", "sequence_num": seq,
        "unique_session_id": {"ncm_id": NCM_ID, "session_id": SID},
        "num_anchor_connections": 1,
        "anchor_connections": [{
            "connection_id": 15, "connection_type": "LTE",
            "vnic_info": {"ip": ANCHOR, "gateway": "10.77.0.1", "mask": "255.255.255.0",
                          "dns": "10.77.0.1", "vnic_port": 8765},
            "convergence_config": [{
                "convergence_method": "GMA", "num_delivery_connections": 1,
                "delivery_connections": [{
                    "connection_id": 0, "connection_type": "Wi-Fi",
                    "adaptation_method": "IPsec",
                    "adaptation_method_param": {"tunnel_ip_addr": GW_IP,
                                                "tunnel_end_port": GW_PORT,
                                                "shared_secret": secret.decode()}}]}]}]}


class Ncm:
    def __init__(self):
        self.ws = None
        self.seen = []

    def got(self, mtype, seq=None):
        return [m for m in self.seen if m.get("message_type") == mtype and
                (seq is None or m.get("sequence_num") == seq)]

    async def send(self, msg):
        await self.ws.send(json.dumps(msg))

    async def handler(self, ws, path=None):
        self.ws = ws
        async for text in ws:
            m = json.loads(text)
            self.seen.append(m)
            t, seq = m.get("message_type"), m.get("sequence_num")
            reply = None
            if t == "mx_discover":
                reply = {"version": "1.0", "message_type": "mx_system_info",
                         "ncm_connections": [{"connection_id": 15, "connection_type": "LTE",
                                              "ncm_end_point": {"ip_address": GW_IP,
                                                                "port": 8765}}]}
            elif t == "mx_capability_req":
                reply = dict(CAP_RSP)
            elif t == "mx_capability_ack":
                await self.send(setup_req(1, SECRET_A))
            elif t == "mx_reconf_req":
                reply = {"version": "1.0", "message_type": "mx_reconf_rsp"}
            elif t == "mx_keep_alive_req":
                reply = {"version": "1.0", "message_type": "mx_keep_alive_rsp"}
            elif t == "mx_session_termination_req":
                reply = {"version": "1.0", "message_type": "mx_session_termination_rsp",
                         "unique_session_id": {"ncm_id": NCM_ID, "session_id": SID}}
            if reply is not None:
                reply["sequence_num"] = seq
                await self.send(reply)


# ---- the test, inside the gateway's namespace ----------------------------------------------

class Lines:
    """A process in the client's namespace; its output lines collected."""

    def __init__(self, ns, args):
        self.ns, self.args, self.lines, self.proc = ns, args, [], None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", self.ns, *self.args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        asyncio.get_running_loop().create_task(self._read())

    async def _read(self):
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                return
            self.lines.append(line.decode(errors="replace").rstrip("\n"))

    def text(self):
        return "\n".join(self.lines)


RECEIVER = r"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 7777))
s.settimeout(120)
print("ready", flush=True)
while True:
    d, a = s.recvfrom(4096)
    print("got " + d.decode(errors="replace"), flush=True)
"""


def esp_stats(client):
    """The last 'stats ... ipsec=wifi' line as a dict."""
    for line in reversed(client.lines):
        if line.startswith("stats ") and " ipsec=wifi " in line:
            return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
    return {}


async def inner(client_bin, ns_c):
    import websockets
    self_test_kdf()
    a_up, a_dn, b_up, b_dn = Sa(SECRET_A, 1), Sa(SECRET_A, 2), Sa(SECRET_B, 1), Sa(SECRET_B, 2)
    loop = asyncio.get_running_loop()
    gw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gw.bind((GW_IP, GW_PORT))
    gw.setblocking(False)
    rx = []

    async def gw_rx():
        while True:
            rx.append(await loop.sock_recvfrom(gw, 65535))
    loop.create_task(gw_rx())
    ncm = Ncm()
    server = await websockets.serve(ncm.handler, GW_IP, 0, subprotocols=["mams"])
    port = server.sockets[0].getsockname()[1]
    recv = Lines(ns_c, ["/usr/bin/python3", "-c", RECEIVER])
    await recv.start()
    await wait_for_async("the receiver", lambda: "ready" in recv.lines)
    client = Lines(ns_c, [client_bin, "--ncm", "ws://%s:%d/" % (GW_IP, port),
                          "--iface", "wifi=wl0", "--tun", "mce0", "--route", "10.99.0.0/24",
                          "--stats-interval-ms", "100", "--timeout-ms", "1000",
                          "--retries", "2", "--ipsec-rekey-grace-ms", str(GRACE_MS)])
    await client.start()
    try:
        await wait_for_async("mx_up_setup_cnf 1", lambda: ncm.got("mx_up_setup_cnf", 1))
        cap = ncm.got("mx_capability_req")[0]
        check({"method": "IPsec", "supported": True} in cap["adaptation_methods"],
              "the capability request lists IPsec: %r" % cap["adaptation_methods"])

        async def uplink(text, sa):
            """Sends text through the TUN until a datagram with sa's SPI comes."""
            code = ("import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    "try:\n    s.sendto(%r, (%r, 7777))\nexcept OSError:\n    pass\n"
                    % (text, FAR))
            for _ in range(50):
                n = len(rx)
                p = await asyncio.create_subprocess_exec(
                    "ip", "netns", "exec", ns_c, "/usr/bin/python3", "-c", code)
                await p.wait()
                try:
                    await wait_for_async("an uplink datagram", lambda: len(rx) > n, 0.2)
                except AssertionError:
                    continue
                for data, addr in rx[n:]:
                    check(len(data) > 8 and struct.unpack("!I", data[:4])[0] == sa.spi,
                          "uplink only as ESP with SPI %08x: %s" % (sa.spi, data[:32].hex()))
                    pdu, nh, _ = sa.decap(data)
                    check(nh == 4, "Next Header 4 (trailer method)")
                    check(pdu[9] == 114 and text in pdu, "the GMA PDU of the datagram")
                return addr
            raise AssertionError("no uplink ESP for %r" % text)

        def received(text):
            return ("got " + text) in recv.lines

        # Uplink and downlink on the first SAs.
        caddr = await uplink(b"UL-1", a_up)
        check(caddr[0] == CL_IP, "from the client's address")
        gw.sendto(a_dn.encap(downlink(b"DL-1")), caddr)
        await wait_for_async("DL-1 through the TUN", lambda: received("DL-1"))
        st = await wait_for_async("the ipsec stats line",
                                  lambda: esp_stats(client).get("esp_rx") == "1" and
                                  esp_stats(client))
        check(int(st["spi_out"], 16) == a_up.spi and int(st["spi_in"], 16) == a_dn.spi,
              "the SPIs derived here: %r" % st)
        # Plaintext and a NAT keep-alive.
        gw.sendto(downlink(b"DL-PLAIN"), caddr)
        gw.sendto(b"\xff", caddr)
        await wait_for_async("esp_plaintext and esp_keepalive",
                             lambda: esp_stats(client).get("esp_plaintext") == "1" and
                             esp_stats(client).get("esp_keepalive") == "1")

        # Rekey: the NCM sends a new secret.
        await ncm.send(setup_req(2, SECRET_B))
        await wait_for_async("mx_up_setup_cnf 2", lambda: ncm.got("mx_up_setup_cnf", 2))
        gw.sendto(a_dn.encap(downlink(b"DL-OLD")), caddr)
        await wait_for_async("DL-OLD on the old SA during the grace period",
                             lambda: received("DL-OLD"))
        await uplink(b"UL-2", b_up)
        await wait_for_async("the grace period to end",
                             lambda: esp_stats(client).get("spi_in_old") == "0x00000000" and
                             esp_stats(client).get("rekeys") == "1", GRACE_MS / 1000.0 + STEP)
        gw.sendto(a_dn.encap(downlink(b"DL-OLD2")), caddr)
        gw.sendto(b_dn.encap(downlink(b"DL-NEW")), caddr)
        await wait_for_async("DL-NEW on the new SA", lambda: received("DL-NEW"))
        st = await wait_for_async("esp_unknown_spi", lambda: esp_stats(client).get(
            "esp_unknown_spi") == "1" and esp_stats(client))
        check(not received("DL-OLD2"), "the old SA is refused after the grace period")
        check(not received("DL-PLAIN"), "plaintext never reaches the TUN")
        check(st["esp_rx_old_sa"] == "1" and st["esp_bad_icv"] == "0",
              "one packet on the old SA, no ICV failure: %r" % st)
        check(int(st["spi_out"], 16) == b_up.spi and int(st["spi_in"], 16) == b_dn.spi,
              "the new SPIs: %r" % st)

        client.proc.send_signal(signal.SIGINT)
        rc = await asyncio.wait_for(client.proc.wait(), STEP)
        check(rc == 0, "exit 0 after SIGINT, not %d" % rc)
        check(ncm.got("mx_session_termination_req"), "the session was terminated")
        print("mc_esp_live: OK")
    except BaseException:
        print("---- client\n" + client.text() + "\n---- receiver\n" + recv.text() +
              "\n---- NCM saw\n" + "\n".join(json.dumps(m) for m in ncm.seen))
        raise
    finally:
        for p in (client.proc, recv.proc):
            if p is not None and p.returncode is None:
                p.kill()
                await p.wait()
        server.close()


def outer(client_bin):
    if os.geteuid() != 0:
        print("mc_esp_live: needs root (namespaces, TUN): skipped")
        return 77
    ns_c, ns_g = "client-esp-c-%d" % os.getpid(), "client-esp-g-%d" % os.getpid()
    try:
        run("ip", "netns", "add", ns_c)
        run("ip", "netns", "add", ns_g)
        run("ip", "-n", ns_c, "link", "add", "wl0", "type", "veth", "peer", "name", "wl0p",
            "netns", ns_g)
        run("ip", "-n", ns_c, "addr", "add", CL_IP + "/24", "dev", "wl0")
        run("ip", "-n", ns_g, "addr", "add", GW_IP + "/24", "dev", "wl0p")
        for ns, dev in ((ns_c, "wl0"), (ns_c, "lo"), (ns_g, "wl0p"), (ns_g, "lo")):
            run("ip", "-n", ns, "link", "set", dev, "up")
        r = subprocess.run(["ip", "netns", "exec", ns_g, "/usr/bin/python3",
                            os.path.abspath(__file__), "--inner", client_bin, ns_c],
                           timeout=120)
        return r.returncode
    finally:
        for ns in (ns_c, ns_g):
            subprocess.run(["ip", "netns", "del", ns], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inner":
        asyncio.run(inner(sys.argv[2], sys.argv[3]))
        sys.exit(0)
    sys.exit(outer(sys.argv[1]))
