/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path through the real binary (pcap in, pcap out):
 *   - ARP requests for the gateway's address on each port are answered with
 *     the exact reply frame (built here from RFC 826, not by the gateway's
 *     code); ARP for another address is not, and is counted;
 *   - ICMP echo requests to the gateway's addresses get the exact echo reply
 *     (checksums verified); TCP and a bad ICMP checksum are counted drops;
 *   - a gratuitous ARP leaves every port at start;
 *   - a core port without next_hop_mac resolves its gateway: the uplink SDU
 *     waits while the ARP request goes out and leaves with the MAC of the
 *     reply; a full queue and an unanswered request are counted drops.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dp_harness.h"

#define ARP_TEST(name) Test(dp_arp, name, .fini = dpt_fini, .timeout = 120)

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ZERO6[6];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An Ethernet/IPv4 ARP frame (RFC 826), padded to 60 bytes when pad. */
static size_t arp_frame(uint8_t *b, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint16_t op,
			const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa,
			bool pad)
{
	uint8_t body[28];

	body[0] = 0;
	body[1] = 1;    /* Ethernet */
	body[2] = 0x08; /* IPv4 */
	body[3] = 0x00;
	body[4] = 6;
	body[5] = 4;
	body[6] = (uint8_t)(op >> 8);
	body[7] = (uint8_t)op;
	memcpy(body + 8, sha, 6);
	put32(body + 14, spa);
	memcpy(body + 18, tha, 6);
	put32(body + 24, tpa);
	return pu_eth(b, PU_FRAME_MAX, eth_dst, eth_src, PU_ETHERTYPE_ARP, body, sizeof(body), pad);
}

static void expect_frame(const struct pkt *f, const uint8_t *want, size_t len, const char *what)
{
	bool same = f->len == len && memcmp(f->data, want, len) == 0;

	if (!same) {
		dpt_hexdump("got", f->data, f->len);
		dpt_hexdump("want", want, len);
	}
	cr_expect(same, "%s: frame differs (%zu bytes, want %zu)", what, f->len, len);
}

/* The neighbour asking, per port: a host on that network. */
static const uint8_t ASKER_MAC[6] = { 0x02, 0xaa, 0, 0, 0, 0x10 };

static uint32_t asker_ip(unsigned dev)
{
	return (dpt_ports[dev].ipv4 & 0xFFFFFF00u) | 0x10u;
}

ARP_TEST(reply_for_each_gateway_address)
{
	struct dpt_session s = { .id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
				 .n_paths = 1, .paths = { dpt_path_wifi() } };
	uint8_t frame[PU_FRAME_MAX], want[PU_FRAME_MAX];
	struct dpt_run *r = dpt_new();
	size_t n;

	for (unsigned d = 0; d < DPT_NDEV; d++) {
		n = arp_frame(frame, BCAST, ASKER_MAC, 1, ASKER_MAC, asker_ip(d), ZERO6,
			      dpt_ports[d].ipv4, true);
		dpt_send(r, d, frame, n);
		/* For another host on the same network: not ours to answer. */
		n = arp_frame(frame, BCAST, ASKER_MAC, 1, ASKER_MAC, asker_ip(d), ZERO6,
			      dpt_ports[d].ipv4 + 5, true);
		dpt_send(r, d, frame, n);
	}
	/* Our address asked on the wrong port: not answered there. */
	n = arp_frame(frame, BCAST, ASKER_MAC, 1, ASKER_MAC, asker_ip(DPT_LTE), ZERO6,
		      dpt_ports[DPT_WIFI].ipv4, true);
	dpt_send(r, DPT_LTE, frame, n);
	dpt_exec(r, &s, 1);

	for (unsigned d = 0; d < DPT_NDEV; d++) {
		cr_assert_eq(r->out[d].n, 1, "%s: %zu frames, want the one ARP reply:\n%s",
			     dpt_ports[d].name, r->out[d].n, r->log);
		n = arp_frame(want, ASKER_MAC, dpt_ports[d].mac, 2, dpt_ports[d].mac, dpt_ports[d].ipv4,
			      ASKER_MAC, asker_ip(d), false);
		expect_frame(&r->out[d].v[0], want, n, dpt_ports[d].name);
	}
	cr_expect_eq(dpt_drop(r, "arp_not_for_us"), 4, "arp_not_for_us:\n%s", r->log);
	dpt_expect_only_drops(r, (const char *const[]){ "arp_not_for_us", NULL });
	cr_expect_eq(r->arp.requests_in, 3);
	cr_expect_eq(r->arp.replies_out, 3);
	/* RFC 826: the askers asked us, so they are learnt (one per port). */
	cr_expect_eq(r->arp.learnt, 3, "learnt %lu:\n%s", (unsigned long)r->arp.learnt, r->log);
	cr_expect_eq(r->arp.garps, 0);
}

/* ---- ICMP ------------------------------------------------------------------------ */

static uint16_t icmp_cksum(const uint8_t *p, size_t len)
{
	return (uint16_t)~pu_fold(pu_sum(0, p, len));
}

/* An echo request or reply: IPv4 + ICMP (id, seq) + 56 bytes of payload. */
static size_t icmp_echo(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t type, uint16_t id,
			uint16_t seq, uint8_t ttl, uint16_t ip_id)
{
	struct pu_ip h = { .src = src, .dst = dst, .proto = 1, .ttl = ttl, .id = ip_id, .df = true };
	uint8_t *icmp = ip + PU_IP_HLEN;
	size_t len = 8 + 56;
	uint16_t ck;

	pu_ipv4_hdr(ip, &h, (uint16_t)(PU_IP_HLEN + len));
	memset(icmp, 0, len);
	icmp[0] = type;
	icmp[4] = (uint8_t)(id >> 8);
	icmp[5] = (uint8_t)id;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	for (size_t i = 8; i < len; i++)
		icmp[i] = (uint8_t)(i * 7 + seq);
	ck = icmp_cksum(icmp, len);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	return PU_IP_HLEN + len;
}

ARP_TEST(icmp_echo_and_other_traffic_to_the_gateway)
{
	struct dpt_session s = { .id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
				 .n_paths = 1, .paths = { dpt_path_wifi() } };
	static const unsigned devs[2] = { DPT_WIFI, DPT_CORE };
	uint8_t frame[PU_FRAME_MAX], want[PU_FRAME_MAX], ip[256];
	struct dpt_run *r = dpt_new();
	size_t n, l;

	for (unsigned i = 0; i < 2; i++) {
		unsigned d = devs[i];

		l = icmp_echo(ip, asker_ip(d), dpt_ports[d].ipv4, 8, 0x1234, (uint16_t)(i + 1), 61,
			      (uint16_t)(0x4000 + i));
		n = pu_eth(frame, sizeof(frame), dpt_ports[d].mac, ASKER_MAC, PU_ETHERTYPE_IPV4, ip, l,
			   true);
		dpt_send(r, d, frame, n);
		/* TCP SYN to the gateway: nothing listens. */
		{
			struct pu_ip h = { .src = asker_ip(d), .dst = dpt_ports[d].ipv4, .proto = 6,
					   .ttl = 64, .id = 7 };
			uint8_t tcp[40];

			pu_ipv4_hdr(tcp, &h, 40);
			memset(tcp + 20, 0, 20);
			tcp[20] = 0x9c; /* source port 40000 */
			tcp[21] = 0x40;
			tcp[23] = 22;   /* destination port 22 */
			tcp[32] = 0x50; /* data offset 5 */
			tcp[33] = 0x02; /* SYN */
			n = pu_eth(frame, sizeof(frame), dpt_ports[d].mac, ASKER_MAC, PU_ETHERTYPE_IPV4,
				   tcp, 40, true);
			dpt_send(r, d, frame, n);
		}
	}
	/* An echo request with a wrong ICMP checksum; an echo reply (not asked for). */
	l = icmp_echo(ip, asker_ip(DPT_LTE), dpt_ports[DPT_LTE].ipv4, 8, 1, 1, 64, 9);
	ip[PU_IP_HLEN + 2] ^= 0x01;
	n = pu_eth(frame, sizeof(frame), dpt_ports[DPT_LTE].mac, ASKER_MAC, PU_ETHERTYPE_IPV4, ip, l,
		   true);
	dpt_send(r, DPT_LTE, frame, n);
	l = icmp_echo(ip, asker_ip(DPT_LTE), dpt_ports[DPT_LTE].ipv4, 0, 1, 1, 64, 10);
	n = pu_eth(frame, sizeof(frame), dpt_ports[DPT_LTE].mac, ASKER_MAC, PU_ETHERTYPE_IPV4, ip, l,
		   true);
	dpt_send(r, DPT_LTE, frame, n);
	dpt_exec(r, &s, 1);

	for (unsigned i = 0; i < 2; i++) {
		unsigned d = devs[i];
		const struct pkt *f;

		cr_assert_eq(r->out[d].n, 1, "%s: %zu frames, want the echo reply:\n%s",
			     dpt_ports[d].name, r->out[d].n, r->log);
		f = &r->out[d].v[0];
		/* The reply: addresses swapped, TTL 64, same id, type 0, the same data. */
		l = icmp_echo(ip, dpt_ports[d].ipv4, asker_ip(d), 0, 0x1234, (uint16_t)(i + 1), 64,
			      (uint16_t)(0x4000 + i));
		n = pu_eth(want, sizeof(want), ASKER_MAC, dpt_ports[d].mac, PU_ETHERTYPE_IPV4, ip, l,
			   false);
		expect_frame(f, want, n, dpt_ports[d].name);
		cr_assert_geq(f->len, PU_ETH_HLEN + l);
		cr_expect(pu_ipv4_cksum_ok(f->data + PU_ETH_HLEN), "%s: IPv4 checksum",
			  dpt_ports[d].name);
		cr_expect_eq(pu_fold(pu_sum(0, f->data + PU_ETH_HLEN + PU_IP_HLEN, l - PU_IP_HLEN)),
			     0xFFFF, "%s: ICMP checksum", dpt_ports[d].name);
	}
	cr_expect_eq(r->out[DPT_LTE].n, 0);
	cr_expect_eq(dpt_drop(r, "local_proto"), 2, "local_proto:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "icmp_bad"), 1, "icmp_bad:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "icmp_unhandled"), 1, "icmp_unhandled:\n%s", r->log);
	dpt_expect_only_drops(r, (const char *const[]){ "local_proto", "icmp_bad", "icmp_unhandled",
							NULL });
	cr_expect_eq(r->arp.echo_in, 2);
	cr_expect_eq(r->arp.echo_out, 2);
}

ARP_TEST(gratuitous_arp_at_start)
{
	uint8_t want[PU_FRAME_MAX];
	struct dpt_run *r = dpt_new();
	size_t n;

	r->arp_json = "{ \"gratuitous\": true }";
	dpt_exec(r, NULL, 0);
	for (unsigned d = 0; d < DPT_NDEV; d++) {
		cr_assert_eq(r->out[d].n, 1, "%s: %zu frames, want one gratuitous ARP:\n%s",
			     dpt_ports[d].name, r->out[d].n, r->log);
		/* RFC 5227 announcement: a request with our address as sender and target. */
		n = arp_frame(want, BCAST, dpt_ports[d].mac, 1, dpt_ports[d].mac, dpt_ports[d].ipv4,
			      ZERO6, dpt_ports[d].ipv4, false);
		expect_frame(&r->out[d].v[0], want, n, dpt_ports[d].name);
	}
	cr_expect_eq(r->arp.garps, 3);
	cr_expect_eq(dpt_drops_total(r), 0, "%s", r->log);
}

/* ---- Resolution on the core port -------------------------------------------------- */

#define CORE_GW "203.0.113.254"
static const uint8_t GW_MAC[6] = { 0x02, 0, 0, 0, 0x03, 0xfe };

/* Uplink SDUs 0..n-1 of the wifi path (no Flow SN: forwarded as they come). */
static void send_uplink(struct dpt_run *r, uint8_t sdu[][256], size_t *len, unsigned n)
{
	struct dpt_path p = dpt_path_wifi();
	uint8_t pdu[512], frame[PU_FRAME_MAX];
	struct gma_fields f = { 0 };

	for (unsigned i = 0; i < n; i++) {
		int pl;
		size_t fl;

		len[i] = dpt_ul_sdu(sdu[i], 256, pu_ip4(DPT_ANCHOR), 100 + i, 17, 64, i);
		pl = gma_encode(GMA_METHOD_TRAILER, &f, sdu[i], len[i], pdu, sizeof(pdu));
		cr_assert_gt(pl, 0);
		fl = dpt_ul_frame(frame, sizeof(frame), &p, pdu, (size_t)pl);
		cr_assert_gt(fl, 0);
		dpt_send(r, DPT_WIFI, frame, fl);
	}
}

static void core_resolving(struct dpt_run *r, const char *arp)
{
	r->no_next_hop[DPT_CORE] = true;
	r->port_extra[DPT_CORE] = "\"gateway\": \"" CORE_GW "\"";
	r->arp_json = arp;
}

ARP_TEST(core_next_hop_resolved_then_released)
{
	struct dpt_session s = { .id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
				 .dl_fields = "[]", .n_paths = 1, .paths = { dpt_path_wifi() } };
	const struct dpt_port *c = &dpt_ports[DPT_CORE];
	uint8_t sdu[2][256], frame[PU_FRAME_MAX], want[PU_FRAME_MAX];
	size_t len[2], n;
	struct dpt_run *r = dpt_new();

	core_resolving(r, "{ \"gratuitous\": false, \"retry_ms\": 1000 }");
	send_uplink(r, sdu, len, 2);
	/* The gateway's answer (polled after wifi in the worker's loop). */
	n = arp_frame(frame, c->mac, GW_MAC, 2, GW_MAC, pu_ip4(CORE_GW), c->mac, c->ipv4, true);
	dpt_send(r, DPT_CORE, frame, n);
	dpt_exec(r, &s, 1);

	cr_assert_eq(r->out[DPT_CORE].n, 3, "core: %zu frames, want ARP request + 2 SDUs:\n%s",
		     r->out[DPT_CORE].n, r->log);
	n = arp_frame(want, BCAST, c->mac, 1, c->mac, c->ipv4, ZERO6, pu_ip4(CORE_GW), false);
	expect_frame(&r->out[DPT_CORE].v[0], want, n, "ARP request for the core gateway");
	for (unsigned i = 0; i < 2; i++) {
		n = pu_eth(want, sizeof(want), GW_MAC, c->mac, PU_ETHERTYPE_IPV4, sdu[i], len[i], false);
		expect_frame(&r->out[DPT_CORE].v[1 + i], want, n, "released SDU");
	}
	cr_expect_eq(r->arp.requests_out, 1);
	cr_expect_eq(r->arp.replies_in, 1);
	cr_expect_eq(r->arp.waited, 2);
	cr_expect_eq(r->arp.released, 2);
	cr_expect_eq(r->arp.learnt, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "%s", r->log);
}

ARP_TEST(core_queue_overflow_and_unanswered)
{
	struct dpt_session s = { .id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
				 .dl_fields = "[]", .n_paths = 1, .paths = { dpt_path_wifi() } };
	const struct dpt_port *c = &dpt_ports[DPT_CORE];
	uint8_t sdu[10][256], want[PU_FRAME_MAX];
	size_t len[10], n;
	struct dpt_run *r = dpt_new();

	/* 4 wait, 6 overflow; 2 requests 20 ms apart, given up 20 ms later. */
	core_resolving(r, "{ \"gratuitous\": false, \"queue\": 4, \"retries\": 2, \"retry_ms\": 20,"
			  " \"timeout_ms\": 1000 }");
	send_uplink(r, sdu, len, 10);
	dpt_exec(r, &s, 1);

	cr_expect_eq(dpt_drop(r, "arp_queue_full"), 6, "arp_queue_full:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "arp_unresolved"), 4, "arp_unresolved:\n%s", r->log);
	dpt_expect_only_drops(r, (const char *const[]){ "arp_queue_full", "arp_unresolved", NULL });
	cr_assert_eq(r->out[DPT_CORE].n, 2, "core: %zu frames, want 2 ARP requests:\n%s",
		     r->out[DPT_CORE].n, r->log);
	n = arp_frame(want, BCAST, c->mac, 1, c->mac, c->ipv4, ZERO6, pu_ip4(CORE_GW), false);
	for (unsigned i = 0; i < 2; i++)
		expect_frame(&r->out[DPT_CORE].v[i], want, n, "ARP request");
	cr_expect_eq(r->arp.requests_out, 2);
	cr_expect_eq(r->arp.waited, 4);
	cr_expect_eq(r->arp.released, 0);
}
