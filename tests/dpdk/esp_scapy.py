#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ESP-in-UDP with scapy's IPsec (scapy.layers.ipsec, Debian python3-scapy on
python3-cryptography): the independent peer of the dp_esp_interop tests.

usage:
  esp_scapy.py encrypt SA-OPTIONS --src IP --dst IP --sport P --dport P
                       --eth-src MAC --eth-dst MAC [--iv random|sn] IN.pcap OUT.pcap
  esp_scapy.py decrypt SA-OPTIONS IN.pcap OUT.pcap

SA-OPTIONS: --suite aes128gcm|aes256gcm|aes128cbc-sha256|aes256cbc-sha256
            --spi N --key HEX (--salt HEX | --auth-key HEX) [--esn] --first-sn N

encrypt: every frame of IN.pcap is Ethernet + a GMA PDU of the IPv4 methods
  (an IPv4 packet); frame i is sent with SN first-sn + i by a tunnel-mode SA
  (Next Header 4) with the NAT-T header UDP(sport, dport), checksum 0
  (RFC 3948), under outer IPv4 src -> dst, in Ethernet eth-src -> eth-dst.
  IV: "random" is scapy's own (os.urandom); "sn" is mamsgw's choice
  (docs/ipsec.md): GCM the 64-bit SN, CBC E_K(0^64 || SN64) computed here
  with AES-ECB, so that the test can compare the bytes with esp_encap's.
decrypt: every frame of IN.pcap must be Ethernet / IPv4 / UDP / ESP of this
  SA with SN first-sn + i (low 32 bits in the packet, the high ones
  authenticated with ESN); it is verified and decrypted by scapy, its Next
  Header must be 4, and OUT.pcap gets Ethernet + the inner packet.

ESN with scapy 2.5: only for AES-GCM (its HMAC path leaves out the high
half of the SN), so --esn with a CBC suite is a usage error.  scapy 2.5.0
also writes UDP length 8 in its NAT-T header; encrypt corrects that field.
Exit status: 0 done, 1 a packet failed (the message names it), 2 usage.
"""
import argparse
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, IPSecIntegrityError, SecurityAssociation
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import rdpcap, wrpcap

SUITES = {
    # name: (scapy crypt_algo, key bytes, scapy auth_algo)
    "aes128gcm": ("AES-GCM", 16, None),
    "aes256gcm": ("AES-GCM", 32, None),
    "aes128cbc-sha256": ("AES-CBC", 16, "SHA2-256-128"),
    "aes256cbc-sha256": ("AES-CBC", 32, "SHA2-256-128"),
}


def usage(msg):
    print("esp_scapy.py: " + msg, file=sys.stderr)
    sys.exit(2)


def fail(msg):
    print("esp_scapy.py: " + msg, file=sys.stderr)
    sys.exit(1)


def make_sa(a, with_outer):
    algo, klen, auth = SUITES[a.suite]
    key = bytes.fromhex(a.key)
    if len(key) != klen:
        usage("--key: %d bytes, %s needs %d" % (len(key), a.suite, klen))
    if auth is None:
        if a.salt is None or len(bytes.fromhex(a.salt)) != 4:
            usage("--salt: 4 bytes needed for %s" % a.suite)
        # scapy's AES-GCM key is key || salt (RFC 4106 keying material).
        kw = dict(crypt_algo=algo, crypt_key=key + bytes.fromhex(a.salt))
    else:
        if a.esn:
            usage("--esn: scapy leaves the SN's high half out of HMAC, GCM only")
        if a.auth_key is None or len(bytes.fromhex(a.auth_key)) != 32:
            usage("--auth-key: 32 bytes needed for %s" % a.suite)
        kw = dict(crypt_algo=algo, crypt_key=key, auth_algo=auth,
                  auth_key=bytes.fromhex(a.auth_key))
    if with_outer:
        kw["tunnel_header"] = IP(src=a.src, dst=a.dst)
        kw["nat_t_header"] = UDP(sport=a.sport, dport=a.dport)
    return SecurityAssociation(ESP, spi=a.spi, esn_en=a.esn, **kw), key


def iv_for(a, key, sn):
    if a.iv == "random":
        return None  # scapy draws it
    if SUITES[a.suite][2] is None:
        return struct.pack("!Q", sn)
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(b"\0" * 8 + struct.pack("!Q", sn)) + enc.finalize()


def set_sn(sa, sn):
    # scapy takes "seq_num or sa.seq_num" and "esn or sa.esn": a low half of 0
    # (SN 2^32) must come from the SA, not from the argument.
    sa.seq_num = sn & 0xFFFFFFFF
    sa.esn = sn >> 32


def encrypt(a):
    sa, key = make_sa(a, True)
    out = []
    for i, frame in enumerate(rdpcap(a.inp)):
        pdu = bytes(frame)[14:]
        inner = IP(pdu)
        if bytes(inner) != pdu:
            fail("frame %d: the PDU is not a well-formed IPv4 packet (%d bytes)" % (i, len(pdu)))
        sn = a.first_sn + i
        set_sn(sa, sn)
        pkt = sa.encrypt(inner, iv=iv_for(a, key, sn))
        # scapy 2.5.0 freezes its NAT-T header before it appends the ESP
        # (UDP length 8): set that one field to the datagram's length.
        pkt[UDP].len = len(pkt[UDP])
        out.append(Ether(src=a.eth_src, dst=a.eth_dst) / pkt)
    wrpcap(a.out, out)


def decrypt(a):
    sa, _ = make_sa(a, False)
    out = []
    for i, frame in enumerate(rdpcap(a.inp)):
        sn = a.first_sn + i
        eth = Ether(bytes(frame))
        if IP not in eth or UDP not in eth:
            fail("frame %d: not IPv4/UDP" % i)
        ip, udp = eth[IP], eth[UDP]
        if udp.chksum != 0:
            fail("frame %d: UDP checksum %#x, RFC 3948 wants 0" % (i, udp.chksum))
        esp = ESP(bytes(udp.payload))
        if esp.spi != a.spi:
            fail("frame %d: SPI %#x, the SA's is %#x" % (i, esp.spi, a.spi))
        if esp.seq != sn & 0xFFFFFFFF:
            fail("frame %d: SN %#x, expected %#x" % (i, esp.seq, sn & 0xFFFFFFFF))
        set_sn(sa, sn)
        pkt = IP(src=ip.src, dst=ip.dst) / UDP(sport=udp.sport, dport=udp.dport) / esp
        try:
            plain = sa.decrypt(pkt)
        except IPSecIntegrityError as e:
            fail("frame %d (SN %#x): integrity check failed: %s" % (i, sn, e))
        if plain.proto != 4:
            fail("frame %d: Next Header %d, expected 4 (IPv4)" % (i, plain.proto))
        out.append(Ether(src=eth.src, dst=eth.dst, type=0x0800) / Raw(bytes(plain.payload)))
    wrpcap(a.out, out)


def main():
    p = argparse.ArgumentParser(add_help=True)
    p.add_argument("op", choices=["encrypt", "decrypt"])
    p.add_argument("--suite", required=True, choices=sorted(SUITES))
    p.add_argument("--spi", required=True, type=lambda s: int(s, 0))
    p.add_argument("--key", required=True)
    p.add_argument("--salt")
    p.add_argument("--auth-key")
    p.add_argument("--esn", action="store_true")
    p.add_argument("--first-sn", required=True, type=lambda s: int(s, 0))
    p.add_argument("--src")
    p.add_argument("--dst")
    p.add_argument("--sport", type=int)
    p.add_argument("--dport", type=int)
    p.add_argument("--eth-src")
    p.add_argument("--eth-dst")
    p.add_argument("--iv", choices=["random", "sn"], default="random")
    p.add_argument("inp")
    p.add_argument("out")
    a = p.parse_args()
    if a.op == "encrypt":
        for k in ("src", "dst", "sport", "dport", "eth_src", "eth_dst"):
            if getattr(a, k) is None:
                usage("encrypt needs --" + k.replace("_", "-"))
        encrypt(a)
    else:
        decrypt(a)


if __name__ == "__main__":
    main()
