/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic flow templates: hand-built IPv4 packets against templates that
 * restrict one field at a time, then the packets a classifier must survive
 * (truncated, fragmented, not IPv4).
 *
 * Truncated packets are copied into a heap block of exactly their length,
 * so that a read past the end is caught by AddressSanitizer.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gma_tft.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define TCP 6
#define UDP 17
#define ICMP 1
#define GRE 47
#define SCTP 132

#define SERVER IP4(198, 51, 100, 7)
#define CLIENT IP4(10, 1, 2, 33)
#define DEF 200 /* default flow in every call */
#define PKT_MAX 128

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static void ip_cksum(uint8_t *ip)
{
	unsigned hl = (ip[0] & 0x0Fu) * 4u, i;
	uint32_t sum = 0;

	wr16(ip + 10, 0);
	for (i = 0; i < hl; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	wr16(ip + 10, (uint16_t)~sum);
}

/*
 * A valid IPv4 header of ihl 32-bit words (options are NOPs, 0x01, which
 * would read as port 257 if the parser ignored them) and a 20-byte transport
 * header whose first 4 bytes are the ports (TCP/UDP/SCTP) or ICMP type and
 * code.  Returns the packet length.
 */
static size_t mkpkt_ihl(uint8_t *buf, unsigned ihl, uint8_t proto, uint32_t src, uint32_t dst,
			uint16_t sport, uint16_t dport)
{
	size_t hl = ihl * 4u, len = hl + 20u;

	cr_assert_leq(len, PKT_MAX);
	memset(buf, 0, len);
	buf[0] = (uint8_t)(0x40 | ihl);
	wr16(buf + 2, (uint16_t)len);
	wr16(buf + 4, 0x1234); /* identification */
	buf[8] = 64;
	buf[9] = proto;
	wr32(buf + 12, src);
	wr32(buf + 16, dst);
	memset(buf + 20, 0x01, hl - 20u);
	if (proto == ICMP) {
		buf[hl] = 8; /* echo request */
	} else {
		wr16(buf + hl, sport);
		wr16(buf + hl + 2, dport);
	}
	ip_cksum(buf);
	return len;
}

static size_t mkpkt(uint8_t *buf, uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
		    uint16_t dport)
{
	return mkpkt_ihl(buf, 5, proto, src, dst, sport, dport);
}

static void set_tos(uint8_t *ip, uint8_t tos)
{
	ip[1] = tos;
	ip_cksum(ip);
}

/* offset in 8-byte units; mf: More Fragments. */
static void set_frag(uint8_t *ip, uint16_t offset, bool mf)
{
	wr16(ip + 6, (uint16_t)((mf ? 0x2000u : 0) | offset));
	ip_cksum(ip);
}

/* A downlink TCP packet server:sport -> client:dport. */
static size_t dl_tcp(uint8_t *buf, uint16_t sport, uint16_t dport)
{
	return mkpkt(buf, TCP, SERVER, CLIENT, sport, dport);
}

static uint8_t cls1(const struct gma_tft *t, const uint8_t *ip, size_t len, bool downlink)
{
	return gma_tft_classify(t, 1, ip, len, downlink, DEF);
}

/* Classifies a copy of ip[0..len) in a heap block of exactly len bytes. */
static uint8_t cls_exact(const struct gma_tft *t, unsigned n, const uint8_t *ip, size_t len)
{
	uint8_t *copy = malloc(len);
	uint8_t f;

	cr_assert(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, ip, len);
	f = gma_tft_classify(t, n, copy, len, true, DEF);
	free(copy);
	return f;
}

/* ---- Template basics ------------------------------------------------------------ */

Test(tft_any, fields)
{
	struct gma_tft t;

	memset(&t, 0xA5, sizeof(t));
	gma_tft_any(&t, 7);
	cr_assert_eq(t.remote_mask, 0u);
	cr_assert_eq(t.local_mask, 0u);
	cr_assert_eq(t.remote_port_min, 0);
	cr_assert_eq(t.remote_port_max, 65535);
	cr_assert_eq(t.local_port_min, 0);
	cr_assert_eq(t.local_port_max, 65535);
	cr_assert_eq(t.proto, 0);
	cr_assert_eq(t.dscp_match, false);
	cr_assert_eq(t.flow_id, 7);
}

Test(classify, no_templates_gives_default)
{
	uint8_t p[PKT_MAX];
	size_t len = dl_tcp(p, 443, 50000);

	cr_assert_eq(gma_tft_classify(NULL, 0, p, len, true, DEF), DEF);
	cr_assert_eq(gma_tft_classify(NULL, 0, p, 0, false, 3), 3);
}

Test(classify, any_matches_every_packet)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];
	size_t len;

	gma_tft_any(&t, 4);
	len = dl_tcp(p, 443, 50000);
	cr_assert_eq(cls1(&t, p, len, true), 4);
	cr_assert_eq(cls1(&t, p, len, false), 4);
	len = mkpkt(p, ICMP, SERVER, CLIENT, 0, 0);
	cr_assert_eq(cls1(&t, p, len, true), 4);
	set_frag(p, 100, false);
	cr_assert_eq(cls1(&t, p, len, true), 4);
	cr_assert_eq(cls1(&t, p, 3, true), 4, "even a malformed packet");
}

/* ---- Addresses ---------------------------------------------------------------- */

Test(address, remote_masks)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];

	gma_tft_any(&t, 1);
	/* /0: any address, whatever remote_ip holds. */
	t.remote_ip = IP4(1, 2, 3, 4);
	t.remote_mask = 0;
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(203, 0, 113, 9), CLIENT, 53, 4000), true), 1);

	/* /24, with host bits set in remote_ip: compared under the mask. */
	t.remote_ip = IP4(198, 51, 100, 99);
	t.remote_mask = 0xFFFFFF00u;
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(198, 51, 100, 0), CLIENT, 1, 2), true), 1);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(198, 51, 100, 255), CLIENT, 1, 2), true), 1);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(198, 51, 101, 7), CLIENT, 1, 2), true), DEF);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(198, 51, 99, 7), CLIENT, 1, 2), true), DEF);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, IP4(70, 51, 100, 7), CLIENT, 1, 2), true), DEF);

	/* /32 */
	t.remote_ip = SERVER;
	t.remote_mask = 0xFFFFFFFFu;
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, SERVER, CLIENT, 1, 2), true), 1);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, SERVER + 1, CLIENT, 1, 2), true), DEF);
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, SERVER ^ 0x80000000u, CLIENT, 1, 2), true), DEF);
}

Test(address, local_masks)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];

	gma_tft_any(&t, 2);
	t.local_ip = IP4(10, 1, 2, 0);
	t.local_mask = 0xFFFFFF00u;
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, SERVER, IP4(10, 1, 2, 200), 80, 5), true), 2);
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, SERVER, IP4(10, 1, 3, 200), 80, 5), true), DEF);

	t.local_ip = CLIENT;
	t.local_mask = 0xFFFFFFFFu;
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, SERVER, CLIENT, 80, 5), true), 2);
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, SERVER, CLIENT - 1, 80, 5), true), DEF);
	/* The server's address in the local slot does not count. */
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, CLIENT, SERVER, 80, 5), true), DEF);
}

/* ---- Ports -------------------------------------------------------------------- */

/* Range [1000, 2000] on one port of the template: min-1, min, max, max+1. */
static void port_edges(uint8_t proto, bool remote)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];
	static const struct {
		uint16_t port;
		bool match;
	} e[] = {{999, false}, {1000, true}, {1500, true}, {2000, true}, {2001, false},
		 {0, false},   {65535, false}};
	unsigned i;

	gma_tft_any(&t, 3);
	if (remote) {
		t.remote_port_min = 1000;
		t.remote_port_max = 2000;
	} else {
		t.local_port_min = 1000;
		t.local_port_max = 2000;
	}
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		/* Downlink: remote = source port, local = destination port.  The
		 * other port sits inside the range, so only this one decides. */
		size_t len = remote ? mkpkt(p, proto, SERVER, CLIENT, e[i].port, 1500)
				    : mkpkt(p, proto, SERVER, CLIENT, 1500, e[i].port);

		cr_assert_eq(cls1(&t, p, len, true), e[i].match ? 3 : DEF,
			     "proto %u %s port %u", proto, remote ? "remote" : "local", e[i].port);
	}
}

Test(ports, range_edges)
{
	port_edges(TCP, true);
	port_edges(TCP, false);
	port_edges(UDP, true);
	port_edges(UDP, false);
	port_edges(SCTP, true);
	port_edges(SCTP, false);
}

Test(ports, single_port_and_open_ended_ranges)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];

	gma_tft_any(&t, 5);
	t.remote_port_min = t.remote_port_max = 443;
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 443, 1), true), 5);
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 442, 1), true), DEF);
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 444, 1), true), DEF);

	/* 1..65535 restricts (excludes port 0). */
	gma_tft_any(&t, 5);
	t.local_port_min = 1;
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 80, 1), true), 5);
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 80, 0), true), DEF);

	/* 0..65534 restricts too. */
	gma_tft_any(&t, 5);
	t.local_port_max = 65534;
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 80, 65534), true), 5);
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 80, 65535), true), DEF);

	/* An empty range (min > max) matches nothing. */
	gma_tft_any(&t, 5);
	t.remote_port_min = 2000;
	t.remote_port_max = 1000;
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 1500, 1), true), DEF);
	cr_assert_eq(cls1(&t, p, dl_tcp(p, 2000, 1), true), DEF);
}

/* ---- Protocol and DSCP ---------------------------------------------------------- */

Test(proto, exact_protocol)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];

	gma_tft_any(&t, 6);
	t.proto = UDP;
	cr_assert_eq(cls1(&t, p, mkpkt(p, UDP, SERVER, CLIENT, 1, 2), true), 6);
	cr_assert_eq(cls1(&t, p, mkpkt(p, TCP, SERVER, CLIENT, 1, 2), true), DEF);
	cr_assert_eq(cls1(&t, p, mkpkt(p, ICMP, SERVER, CLIENT, 0, 0), true), DEF);
	t.proto = ICMP;
	cr_assert_eq(cls1(&t, p, mkpkt(p, ICMP, SERVER, CLIENT, 0, 0), true), 6);
	t.proto = GRE;
	cr_assert_eq(cls1(&t, p, mkpkt(p, GRE, SERVER, CLIENT, 0, 0), true), 6);
}

Test(dscp, match_ignores_ecn)
{
	struct gma_tft t;
	uint8_t p[PKT_MAX];
	size_t len = dl_tcp(p, 443, 5000);

	gma_tft_any(&t, 8);
	t.dscp_match = true;
	t.dscp = 46; /* EF */
	set_tos(p, 46 << 2);
	cr_assert_eq(cls1(&t, p, len, true), 8);
	set_tos(p, 46 << 2 | 3); /* ECN CE */
	cr_assert_eq(cls1(&t, p, len, true), 8);
	set_tos(p, 45 << 2);
	cr_assert_eq(cls1(&t, p, len, true), DEF);
	set_tos(p, 0);
	cr_assert_eq(cls1(&t, p, len, true), DEF);

	/* dscp 0 with dscp_match: only best effort. */
	t.dscp = 0;
	cr_assert_eq(cls1(&t, p, len, true), 8);
	set_tos(p, 3);
	cr_assert_eq(cls1(&t, p, len, true), 8);
	set_tos(p, 10 << 2);
	cr_assert_eq(cls1(&t, p, len, true), DEF);

	/* Without dscp_match the field is ignored. */
	t.dscp_match = false;
	t.dscp = 46;
	cr_assert_eq(cls1(&t, p, len, true), 8);
}

/* ---- Order and direction -------------------------------------------------------- */

Test(classify, first_match_wins)
{
	struct gma_tft t[3];
	uint8_t p[PKT_MAX];
	size_t len = dl_tcp(p, 443, 5000);

	gma_tft_any(&t[0], 1);
	t[0].proto = UDP; /* does not match */
	gma_tft_any(&t[1], 2);
	t[1].remote_port_min = t[1].remote_port_max = 443;
	gma_tft_any(&t[2], 3);
	t[2].proto = TCP;
	cr_assert_eq(gma_tft_classify(t, 3, p, len, true, DEF), 2);
	/* Swap 1 and 2: the other one. */
	t[1].flow_id = 3;
	t[2].flow_id = 2;
	t[1].remote_port_min = 0;
	t[1].remote_port_max = 65535;
	t[1].proto = TCP;
	t[2].proto = 0;
	t[2].remote_port_min = t[2].remote_port_max = 443;
	cr_assert_eq(gma_tft_classify(t, 3, p, len, true, DEF), 3);
	/* n limits the list. */
	cr_assert_eq(gma_tft_classify(t, 1, p, len, true, DEF), DEF);
	/* Nothing matches: default. */
	len = dl_tcp(p, 80, 5000);
	t[1].proto = UDP;
	cr_assert_eq(gma_tft_classify(t, 3, p, len, true, DEF), DEF);
	cr_assert_eq(gma_tft_classify(t, 3, p, len, true, 0), 0);
}

Test(direction, uplink_swaps_remote_and_local)
{
	struct gma_tft t;
	uint8_t dl[PKT_MAX], ul[PKT_MAX];
	size_t dl_len, ul_len;

	/* Server 198.51.100.0/24 port 443, client 10.1.2.33 ports 40000..40999. */
	gma_tft_any(&t, 9);
	t.remote_ip = IP4(198, 51, 100, 0);
	t.remote_mask = 0xFFFFFF00u;
	t.local_ip = CLIENT;
	t.local_mask = 0xFFFFFFFFu;
	t.remote_port_min = t.remote_port_max = 443;
	t.local_port_min = 40000;
	t.local_port_max = 40999;
	t.proto = TCP;

	dl_len = mkpkt(dl, TCP, SERVER, CLIENT, 443, 40500);
	ul_len = mkpkt(ul, TCP, CLIENT, SERVER, 40500, 443);
	cr_assert_eq(gma_tft_classify(&t, 1, dl, dl_len, true, DEF), 9);
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, false, DEF), 9);
	/* The same packets read the other way: no match. */
	cr_assert_eq(gma_tft_classify(&t, 1, dl, dl_len, false, DEF), DEF);
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, true, DEF), DEF);

	/* Ports alone swap too: addresses wildcard. */
	t.remote_mask = t.local_mask = 0;
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, false, DEF), 9);
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, true, DEF), DEF);
	/* Addresses alone swap too: ports wildcard. */
	t.remote_mask = 0xFFFFFF00u;
	t.local_mask = 0xFFFFFFFFu;
	t.remote_port_min = t.local_port_min = 0;
	t.remote_port_max = t.local_port_max = 65535;
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, false, DEF), 9);
	cr_assert_eq(gma_tft_classify(&t, 1, ul, ul_len, true, DEF), DEF);
}

/* ---- Packets without ports ------------------------------------------------------ */

Test(fragments, non_first_fragment_has_no_ports)
{
	struct gma_tft t[2];
	uint8_t p[PKT_MAX];
	size_t len = dl_tcp(p, 443, 5000);
	static const uint16_t offs[] = {1, 2, 185, 0x1FFF};
	unsigned i;

	gma_tft_any(&t[0], 1);
	t[0].remote_port_min = t[0].remote_port_max = 443;
	gma_tft_any(&t[1], 2);
	t[1].proto = TCP;
	t[1].remote_ip = SERVER;
	t[1].remote_mask = 0xFFFFFFFFu;

	/* First fragment (offset 0, MF): ports are there. */
	set_frag(p, 0, true);
	cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 1);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		set_frag(p, offs[i], true);
		cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 2, "offset %u MF",
			     offs[i]);
		set_frag(p, offs[i], false);
		cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 2, "offset %u last",
			     offs[i]);
	}
	/* DF (0x4000) is not an offset. */
	wr16(p + 6, 0x4000);
	ip_cksum(p);
	cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 1);
}

Test(ports, other_protocols_have_no_ports)
{
	struct gma_tft t[2];
	uint8_t p[PKT_MAX];
	size_t len;

	/* proto 0 with a port range: TCP/UDP/SCTP only. */
	gma_tft_any(&t[0], 1);
	t[0].local_port_min = 0;
	t[0].local_port_max = 100;
	gma_tft_any(&t[1], 2);
	t[1].remote_ip = SERVER;
	t[1].remote_mask = 0xFFFFFFFFu;

	/* ICMP echo: type 8 code 0 would read as port 0x0800, cksum as 0. */
	len = mkpkt(p, ICMP, SERVER, CLIENT, 0, 0);
	cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 2);
	/* GRE with bytes that would look like ports in range. */
	len = mkpkt(p, GRE, SERVER, CLIENT, 50, 50);
	cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 2);
	/* The same bytes as UDP do match the port template. */
	len = mkpkt(p, UDP, SERVER, CLIENT, 50, 50);
	cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 1);
}

/*
 * Every length from 0 to the end of the ports minus one byte: no read past
 * the end (heap copy of exact size, run under ASan), and no port template
 * matches.  Below the IP header length the packet is malformed and only the
 * full wildcard applies; from the header length on, the address template
 * does.  The full length then matches the port template.
 */
static void truncated(unsigned ihl)
{
	struct gma_tft t[3];
	uint8_t p[PKT_MAX];
	size_t full = mkpkt_ihl(p, ihl, UDP, SERVER, CLIENT, 5353, 5353);
	size_t hl = ihl * 4u, len;

	gma_tft_any(&t[0], 1);
	t[0].remote_port_min = t[0].remote_port_max = 5353;
	gma_tft_any(&t[1], 2);
	t[1].remote_ip = SERVER;
	t[1].remote_mask = 0xFFFFFFFFu;
	gma_tft_any(&t[2], 3);

	for (len = 0; len <= hl + 3; len++) {
		uint8_t want = len < hl ? 3 : 2;

		cr_assert_eq(cls_exact(t, 3, p, len), want, "ihl %u len %zu", ihl, len);
		cr_assert_eq(cls_exact(t, 2, p, len), len < hl ? DEF : 2, "ihl %u len %zu", ihl,
			     len);
		cr_assert_eq(cls_exact(t, 1, p, len), DEF, "ihl %u len %zu", ihl, len);
	}
	for (len = hl + 4; len <= full; len++)
		cr_assert_eq(cls_exact(t, 3, p, len), 1, "ihl %u len %zu", ihl, len);
}

Test(truncated, every_length_no_options)
{
	truncated(5);
}

Test(truncated, every_length_with_options)
{
	truncated(6);
	truncated(15);
}

/* ---- Malformed and option-bearing headers ---------------------------------------- */

/* Templates that each restrict one thing, then two wildcards (flows 9, 10). */
static unsigned malformed_list(struct gma_tft *t)
{
	unsigned n = 0;

	gma_tft_any(&t[n], 1);
	t[n++].proto = TCP;
	gma_tft_any(&t[n], 2);
	t[n].dscp_match = true;
	t[n++].dscp = 0;
	gma_tft_any(&t[n], 3);
	t[n].remote_ip = 0; /* 0.0.0.0/1: half the space */
	t[n++].remote_mask = 0x80000000u;
	gma_tft_any(&t[n], 4);
	t[n].local_ip = 0;
	t[n++].local_mask = 0x80000000u;
	gma_tft_any(&t[n], 5);
	t[n++].remote_port_max = 65534;
	gma_tft_any(&t[n], 6);
	t[n++].local_port_min = 1;
	gma_tft_any(&t[n], 9);
	n++;
	gma_tft_any(&t[n], 10);
	n++;
	return n;
}

Test(malformed, only_full_wildcard_matches)
{
	struct gma_tft t[8];
	unsigned n = malformed_list(t), ihl;
	uint8_t p[PKT_MAX];
	size_t len;

	/* Sanity: the well-formed packet matches the first template. */
	len = mkpkt(p, TCP, IP4(1, 1, 1, 1), IP4(2, 2, 2, 2), 1, 1);
	cr_assert_eq(gma_tft_classify(t, n, p, len, true, DEF), 1);

	/* IPv6 (version 6), version 0, version 5. */
	p[0] = 0x60;
	cr_assert_eq(gma_tft_classify(t, n, p, len, true, DEF), 9);
	p[0] = 0x05;
	cr_assert_eq(gma_tft_classify(t, n, p, len, true, DEF), 9);
	p[0] = 0x55;
	cr_assert_eq(gma_tft_classify(t, n, p, len, true, DEF), 9);

	/* IHL 0..4. */
	for (ihl = 0; ihl < 5; ihl++) {
		p[0] = (uint8_t)(0x40 | ihl);
		cr_assert_eq(gma_tft_classify(t, n, p, len, true, DEF), 9, "ihl %u", ihl);
		cr_assert_eq(gma_tft_classify(t, n - 2, p, len, false, DEF), DEF, "ihl %u", ihl);
	}

	/* IHL 15 (60 bytes) in a 40-byte buffer, and in a 59-byte one. */
	p[0] = 0x4F;
	cr_assert_eq(cls_exact(t, n, p, len), 9);
	len = mkpkt_ihl(p, 15, TCP, IP4(1, 1, 1, 1), IP4(2, 2, 2, 2), 1, 1);
	cr_assert_eq(cls_exact(t, n, p, 59), 9);
	cr_assert_eq(cls_exact(t, n, p, 60), 1);
}

Test(options, ports_found_after_options)
{
	struct gma_tft t[2];
	uint8_t p[PKT_MAX];
	unsigned ihl;

	/* A template for the NOP bytes read as ports (0x0101 = 257) comes first
	 * and must never match. */
	gma_tft_any(&t[0], 1);
	t[0].remote_port_min = t[0].remote_port_max = 257;
	gma_tft_any(&t[1], 2);
	t[1].remote_port_min = t[1].remote_port_max = 8080;
	t[1].local_port_min = t[1].local_port_max = 9090;
	for (ihl = 5; ihl <= 15; ihl++) {
		size_t len = mkpkt_ihl(p, ihl, UDP, SERVER, CLIENT, 8080, 9090);

		cr_assert_eq(gma_tft_classify(t, 2, p, len, true, DEF), 2, "ihl %u", ihl);
	}
	/* And the address/DSCP fields are still read from the fixed part. */
	t[1].dscp_match = true;
	t[1].dscp = 10;
	t[1].local_ip = CLIENT;
	t[1].local_mask = 0xFFFFFFFFu;
	mkpkt_ihl(p, 9, UDP, SERVER, CLIENT, 8080, 9090);
	set_tos(p, 10 << 2);
	cr_assert_eq(gma_tft_classify(t, 2, p, 56, true, DEF), 2);
}
