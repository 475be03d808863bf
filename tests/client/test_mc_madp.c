/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's C-MADP (tools/client/mc_madp.c) through the shared/ codec:
 * uplink encapsulation for each method decoded back by gma_decode, uplink
 * steering and fragmentation, downlink decapsulation for each method,
 * reassembly, de-concatenation, reordering across paths, duplicates, and
 * the MX probe REQ -> ACK bytes in both dialects.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "gma_concat.h"
#include "gma_frag.h"
#include "gma_wire.h"
#include "mc_madp.h"
#include "mc_test_madp.h"
#include "mx_ctrl.h"

static void make(enum gma_method method, enum mx_dialect d, unsigned n_paths)
{
	struct mc_madp_cfg cfg = mct_madp_cfg(method);

	cfg.mx_dialect = d;
	cfg.n_bufs = 256;
	cfg.n_paths = n_paths;
	mct_madp_make(&cfg);
}

static void setup(void)
{
	mct_madp_init(512);
	make(GMA_METHOD_TRAILER, MX_DIALECT_RFC8743, 2);
}

TestSuite(madp, .init = setup, .fini = mct_madp_fini);

/* Encapsulates a downlink SDU as the gateway would. */
static size_t dl_pdu(enum gma_method meth, const uint8_t *sdu, size_t len, uint32_t fsn,
		     uint8_t dsn, uint8_t *out)
{
	struct gma_fields f = { .flags = GMA_F_FLOW_ID | GMA_F_DELIVERY_SN | GMA_F_FLOW_SN |
					 GMA_F_TIMESTAMP,
				.flow_id = 1, .delivery_sn = dsn, .flow_sn = fsn, .timestamp = 1234 };
	int n = gma_encode(meth, &f, sdu, len, out, 4096);

	cr_assert_gt(n, 0, "%s", gma_strerror(-n));
	return (size_t)n;
}

/* ---- uplink ----------------------------------------------------------------------- */

static void uplink_roundtrip(enum gma_method meth)
{
	uint8_t sdu[256], copy[4096];
	struct gma_pdu d;
	struct gma_sdu s[4];
	size_t len;

	make(meth, MX_DIALECT_RFC8743, 2);
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 100, 0xAB);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 5000), 0);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 5001), 0);
	cr_assert_eq(n_tx, 2);
	for (unsigned k = 0; k < 2; k++) {
		cr_assert_eq(tx[k].path, 0, "no steering yet: the first usable path");
		cr_assert_eq(gma_decode(meth, tx[k].b, tx[k].len, &d), 0, "PDU %u", k);
		cr_assert_eq(d.f.flags & MC_UL_FLAGS, MC_UL_FLAGS);
		cr_assert_eq(d.f.conn_id, 0xF0, "anchor 15 / delivery 0");
		cr_assert_eq(d.f.flow_sn, k, "Flow SN counts SDUs");
		cr_assert_eq(d.f.delivery_sn, k, "Delivery SN counts PDUs on the path");
		cr_assert_eq(d.f.timestamp, 5000 + k);
		cr_assert_leq(tx[k].len + MC_OUTER_OVERHEAD, 1500);
		if (meth != GMA_METHOD_NONIP)
			cr_assert(d.f.flags & GMA_F_TTL, "the IP methods carry the TTL");
		memcpy(copy, tx[k].b, tx[k].len);
		cr_assert_eq(gma_decap_sdus(meth, copy, tx[k].len, &d, s, 4), 1);
		cr_assert_eq(s[0].len, len);
		cr_assert_arr_eq(copy + s[0].off, sdu, len, "the SDU comes back unchanged");
	}
	cr_assert_eq(tx[0].len, len + gma_overhead(meth, MC_UL_FLAGS));
}

Test(madp, uplink_trailer_roundtrip)
{
	uplink_roundtrip(GMA_METHOD_TRAILER);
}

Test(madp, uplink_header_roundtrip)
{
	uplink_roundtrip(GMA_METHOD_HEADER_IP);
}

Test(madp, uplink_nonip_roundtrip)
{
	uplink_roundtrip(GMA_METHOD_NONIP);
}

Test(madp, uplink_follows_the_steering)
{
	struct cp_traffic_steering_req r;
	struct mc_steer s;
	uint8_t a[128], b[128];
	size_t la, lb;
	struct mc_path_cfg pc = { .conn_id = 3, .connected = true, .up = true, .ul_ok = false,
				  .mtu = 1500 };

	memset(&r, 0, sizeof(r));
	r.has_default_uplink_delivery = true;
	r.default_uplink_delivery = 3;
	r.n_uplink_delivery = 1;
	cp_tft_default(&r.uplink_delivery[0].ul_tft);
	r.uplink_delivery[0].ul_tft.protocol_type = 17;
	r.uplink_delivery[0].ul_tft.remote_port_range.start = 5060;
	r.uplink_delivery[0].ul_tft.remote_port_range.end = 5061;
	r.uplink_delivery[0].n_conn_list = 1;
	r.uplink_delivery[0].conn_list[0] = 0;
	mc_steer_from_req(&s, &r);
	mc_madp_set_steer(m, &s);
	la = mct_udp(a, ANCHOR, FAR, 40000, 5060, 20, 1); /* the template: connection 0 */
	lb = mct_udp(b, ANCHOR, FAR, 40000, 80, 20, 2);   /* the default: connection 3 */
	cr_assert_eq(mc_madp_uplink(m, a, la, 0), 0);
	cr_assert_eq(mc_madp_uplink(m, b, lb, 0), 0);
	cr_assert_eq(tx[0].path, 0);
	cr_assert_eq(tx[1].path, 1);
	/* Connection 3 may not carry uplink (handover): the others take it. */
	mc_madp_set_path(m, 1, &pc);
	cr_assert_eq(mc_madp_uplink(m, b, lb, 0), 0);
	cr_assert_eq(tx[2].path, 0);
}

Test(madp, uplink_paused_or_without_path_sends_nothing)
{
	uint8_t a[128];
	size_t la = mct_udp(a, ANCHOR, FAR, 1, 2, 20, 1);
	struct mc_madp_stats st;
	struct mc_path_cfg off = { .conn_id = 0, .connected = true, .up = false, .ul_ok = false,
				   .mtu = 1500 };

	mc_madp_set_ul_paused(m, true);
	cr_assert_eq(mc_madp_uplink(m, a, la, 0), -EAGAIN);
	mc_madp_set_ul_paused(m, false);
	mc_madp_set_path(m, 0, &off);
	off.conn_id = 3;
	mc_madp_set_path(m, 1, &off);
	cr_assert_eq(mc_madp_uplink(m, a, la, 0), -ENETUNREACH);
	cr_assert_eq(n_tx, 0);
	a[0] = 0x60; /* IPv6 with an IP method */
	cr_assert_eq(mc_madp_uplink(m, a, la, 0), -EINVAL);
	mc_madp_stats(m, &st);
	cr_assert_eq(st.ul_paused, 1);
	cr_assert_eq(st.ul_no_path, 1);
	cr_assert_eq(st.ul_bad, 1);
}

static void uplink_fragments(enum gma_method meth)
{
	uint8_t sdu[1500], out[4096];
	const uint8_t *pdus[16];
	struct gma_pdu dec[16];
	struct mc_path_cfg pc = { .conn_id = 0, .connected = true, .up = true, .ul_ok = true,
				  .mtu = 600 };
	size_t len;
	int n;

	make(meth, MX_DIALECT_RFC8743, 1);
	mc_madp_set_path(m, 0, &pc);
	len = mct_udp(sdu, ANCHOR, FAR, 1, 2, 1372, 0);
	for (size_t i = 28; i < len; i++)
		sdu[i] = (uint8_t)i;
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 9), 0);
	cr_assert_geq(n_tx, 3, "1400 bytes over a 600-byte path");
	for (unsigned k = 0; k < n_tx; k++) {
		cr_assert_leq(tx[k].len + MC_OUTER_OVERHEAD, 600, "fragment %u fits the MTU", k);
		cr_assert_eq(gma_decode(meth, tx[k].b, tx[k].len, &dec[k]), 0);
		cr_assert(dec[k].f.flags & GMA_F_FRAG);
		cr_assert_eq(dec[k].f.flow_sn, 0, "one SDU, one Flow SN");
		cr_assert_eq(dec[k].f.delivery_sn, k, "each fragment is a PDU of the path");
		cr_assert_eq(dec[k].f.fc & GMA_FC_FO, k);
		cr_assert_eq((dec[k].f.fc & GMA_FC_MF) != 0, k + 1 < n_tx);
		pdus[k] = tx[k].b;
	}
	n = gma_reasm_copy(meth, pdus, dec, n_tx, out, sizeof(out));
	cr_assert_eq(n, (int)len);
	cr_assert_arr_eq(out, sdu, len);
}

Test(madp, uplink_fragmentation_trailer)
{
	uplink_fragments(GMA_METHOD_TRAILER);
}

Test(madp, uplink_fragmentation_nonip)
{
	uplink_fragments(GMA_METHOD_NONIP);
}

Test(madp, tun_mtu_leaves_room_for_gma_and_udp)
{
	cr_assert_eq(mc_madp_tun_mtu(GMA_METHOD_TRAILER, 1500, 0), 1459);
	cr_assert_eq(mc_madp_tun_mtu(GMA_METHOD_HEADER_IP, 1500, 0), 1459);
	cr_assert_eq(mc_madp_tun_mtu(GMA_METHOD_NONIP, 1500, 0), 1500 - 28 - 11);
	cr_assert_eq(mc_madp_tun_mtu(GMA_METHOD_TRAILER, 1400, 0),
		     1400 - MC_OUTER_OVERHEAD - gma_overhead(GMA_METHOD_TRAILER, MC_UL_FLAGS));
	/* IPsec: ESP's largest overhead too (AES-GCM 37 bytes: 57 with IPv4/UDP). */
	cr_assert_eq(mc_madp_tun_mtu(GMA_METHOD_TRAILER, 1500, 37), 1459 - 37);
}

/* ---- downlink ---------------------------------------------------------------------- */

static void downlink_roundtrip(enum gma_method meth)
{
	uint8_t sdu[512], pdu[4096];
	size_t len, pl;
	struct mc_path_stats ps;

	make(meth, MX_DIALECT_RFC8743, 2);
	len = mct_udp(sdu, FAR, ANCHOR, 443, 40000, 300, 0x5A);
	pl = dl_pdu(meth, sdu, len, 100, 7, pdu);
	mct_rx(1, pdu, pl, 10);
	cr_assert_eq(n_dl, 1);
	cr_assert_eq(dl[0].len, len);
	cr_assert_arr_eq(dl[0].b, sdu, len, "the SDU reaches the TUN device unchanged");
	mc_madp_path_stats(m, 1, &ps);
	cr_assert_eq(ps.rx_pkts, 1);
	cr_assert_eq(ps.rx_bytes, pl);
	cr_assert_eq(mc_madp_held(m), 0);
}

Test(madp, downlink_trailer)
{
	downlink_roundtrip(GMA_METHOD_TRAILER);
}

Test(madp, downlink_header)
{
	downlink_roundtrip(GMA_METHOD_HEADER_IP);
}

Test(madp, downlink_nonip)
{
	downlink_roundtrip(GMA_METHOD_NONIP);
}

Test(madp, downlink_garbage_is_counted_not_delivered)
{
	uint8_t junk[60] = { 0x45, 0 };
	struct mc_path_stats ps;

	mct_rx(0, junk, sizeof(junk), 0);
	cr_assert_eq(n_dl, 0);
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.rx_bad, 1);
	cr_assert_eq(ps.rx_pkts, 0);
}

static void downlink_reassembly(enum gma_method meth)
{
	uint8_t sdu[3000], frag[8][4096];
	size_t flen[8], len;
	struct gma_frag_plan plan;
	struct gma_fields f = { .flags = GMA_F_FLOW_ID | GMA_F_FLOW_SN | GMA_F_DELIVERY_SN,
				.flow_id = 2, .flow_sn = 40 };
	static const unsigned order[] = { 2, 0, 1 };

	make(meth, MX_DIALECT_RFC8743, 2);
	len = mct_udp(sdu, FAR, ANCHOR, 443, 40000, 2500, 0);
	for (size_t i = 28; i < len; i++)
		sdu[i] = (uint8_t)(i * 7);
	cr_assert_eq(gma_frag_plan(meth, sdu, len, 1000, MC_OUTER_OVERHEAD, f.flags, &plan), 0);
	cr_assert_eq(plan.n, 3);
	for (unsigned i = 0; i < plan.n; i++) {
		int n;

		f.delivery_sn = (uint8_t)i;
		n = gma_frag_build(meth, &plan, i, &f, sdu, len, frag[i], sizeof(frag[i]));
		cr_assert_gt(n, 0);
		flen[i] = (size_t)n;
	}
	/* Out of order, over both paths. */
	for (unsigned k = 0; k < 3; k++) {
		mct_rx(order[k] % 2, frag[order[k]], flen[order[k]], 5);
		cr_assert_eq(n_dl, k == 2 ? 1u : 0u, "nothing before the last fragment");
	}
	cr_assert_eq(dl[0].len, len);
	cr_assert_arr_eq(dl[0].b, sdu, len, "the reassembled SDU is the original");
	cr_assert_eq(mc_madp_held(m), 0);
}

Test(madp, downlink_reassembly_trailer)
{
	downlink_reassembly(GMA_METHOD_TRAILER);
}

Test(madp, downlink_reassembly_header)
{
	downlink_reassembly(GMA_METHOD_HEADER_IP);
}

Test(madp, downlink_reassembly_nonip)
{
	downlink_reassembly(GMA_METHOD_NONIP);
}

Test(madp, incomplete_fragments_expire)
{
	uint8_t sdu[3000], frag[4096];
	struct gma_frag_plan plan;
	struct gma_fields f = { .flags = GMA_F_FLOW_SN, .flow_sn = 1 };
	struct mc_madp_stats st;
	size_t len = mct_udp(sdu, FAR, ANCHOR, 1, 2, 2500, 3);
	int n;

	cr_assert_eq(gma_frag_plan(GMA_METHOD_TRAILER, sdu, len, 1000, 28, f.flags, &plan), 0);
	n = gma_frag_build(GMA_METHOD_TRAILER, &plan, 0, &f, sdu, len, frag, sizeof(frag));
	mct_rx(0, frag, (size_t)n, 0);
	cr_assert_eq(mc_madp_held(m), 1);
	cr_assert_leq(mc_madp_next_deadline(m, 0), 100);
	mc_madp_poll(m, 150);
	cr_assert_eq(mc_madp_held(m), 0, "the partial SDU is dropped, never delivered");
	cr_assert_eq(n_dl, 0);
	mc_madp_stats(m, &st);
	cr_assert_eq(st.dl_reasm_timeout, 1);
}

static void downlink_concat(enum gma_method meth)
{
	uint8_t a[200], b[300], pdu[4096];
	struct gma_span sp[2];
	struct gma_fields f = { .flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN, .flow_sn = 10 };
	size_t la, lb;
	int n;

	make(meth, MX_DIALECT_RFC8743, 2);
	la = mct_udp(a, FAR, ANCHOR, 1, 2, 100, 0xA);
	lb = mct_udp(b, FAR, ANCHOR, 1, 2, 200, 0xB);
	sp[0] = (struct gma_span){ a, la };
	sp[1] = (struct gma_span){ b, lb };
	n = gma_concat_build(meth, &f, sp, 2, pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	mct_rx(0, pdu, (size_t)n, 0);
	cr_assert_eq(n_dl, 2);
	cr_assert_eq(dl[0].len, la);
	cr_assert_arr_eq(dl[0].b, a, la);
	cr_assert_eq(dl[1].len, lb);
	cr_assert_arr_eq(dl[1].b, b, lb);
}

Test(madp, downlink_concatenation_trailer)
{
	downlink_concat(GMA_METHOD_TRAILER);
}

Test(madp, downlink_concatenation_nonip)
{
	downlink_concat(GMA_METHOD_NONIP);
}

Test(madp, downlink_reordered_across_paths)
{
	uint8_t s[4][128], p[4][4096];
	size_t sl[4], pl[4];
	struct mc_madp_stats st;

	for (unsigned i = 0; i < 4; i++) {
		sl[i] = mct_udp(s[i], FAR, ANCHOR, 1, 2, 40, (uint8_t)i);
		pl[i] = dl_pdu(GMA_METHOD_TRAILER, s[i], sl[i], 500 + i, (uint8_t)i, p[i]);
	}
	mct_rx(0, p[0], pl[0], 0);
	mct_rx(1, p[2], pl[2], 1); /* 501 is late on path 0 */
	mct_rx(1, p[3], pl[3], 2);
	cr_assert_eq(n_dl, 1, "502 and 503 wait for 501");
	mct_rx(0, p[1], pl[1], 3);
	cr_assert_eq(n_dl, 4);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(dl[i].b[28], i, "delivered in Flow SN order");
	mct_rx(0, p[1], pl[1], 4); /* a duplicate */
	cr_assert_eq(n_dl, 4, "duplicates are dropped");
	mc_madp_stats(m, &st);
	cr_assert_eq(st.reorder.reordered, 2, "502 and 503 waited; 501 was the next expected");
	cr_assert_eq(st.reorder.duplicate, 1);
	/* 502 waited from 1 to 3 ms, 503 from 2 to 3: the hold delay on the stats line. */
	cr_assert_eq(st.reorder.hold_ms_sum, 3);
	cr_assert_eq(st.reorder.hold_ms_max, 2);
}

Test(madp, downlink_gap_given_up_after_the_timeout)
{
	uint8_t s[3][128], p[3][4096];
	size_t sl[3], pl[3];

	for (unsigned i = 0; i < 3; i++) {
		sl[i] = mct_udp(s[i], FAR, ANCHOR, 1, 2, 40, (uint8_t)i);
		pl[i] = dl_pdu(GMA_METHOD_TRAILER, s[i], sl[i], i, (uint8_t)i, p[i]);
	}
	mct_rx(0, p[0], pl[0], 1000);
	mct_rx(1, p[2], pl[2], 1001); /* 1 lost; path 0 still live */
	cr_assert_eq(n_dl, 1);
	cr_assert_leq(mc_madp_next_deadline(m, 1001), 1101);
	mc_madp_poll(m, 1050);
	cr_assert_eq(n_dl, 1, "not before reorder-timeout-ms");
	mc_madp_poll(m, 1101);
	cr_assert_eq(n_dl, 2);
	cr_assert_eq(dl[1].b[28], 2);
}

Test(madp, downlink_without_flow_sn_is_delivered_at_once)
{
	uint8_t s[128], p[4096];
	struct gma_fields f = { .flags = GMA_F_TIMESTAMP, .timestamp = 1 };
	size_t sl = mct_udp(s, FAR, ANCHOR, 1, 2, 40, 9);
	int n = gma_encode(GMA_METHOD_TRAILER, &f, s, sl, p, sizeof(p));

	mct_rx(0, p, (size_t)n, 0);
	cr_assert_eq(n_dl, 1);
	cr_assert_eq(mc_madp_held(m), 0);
}

/* ---- MX control --------------------------------------------------------------------- */

/* A probe request from the gateway as an SDU on path `on`, GMA-encapsulated
 * like dataplane/dp_probe.c does (no Flow SN). */
static void probe(enum mx_dialect d, unsigned on, uint16_t sn, uint8_t flags, bool rcid,
		  uint8_t rcid_v)
{
	struct mx_ctrl_pdu req = { .kind = MX_CTRL_PROBE_REQ, .cid = (uint8_t)(on == 0 ? 0 : 3),
				   .sn = sn, .flags = flags, .has_rcid = rcid, .rcid = rcid_v,
				   .timestamp = 77 };
	struct gma_fields f = { .flags = GMA_F_TIMESTAMP | GMA_F_CONN_ID, .timestamp = 5,
				.conn_id = req.cid };
	uint8_t sdu[128], pdu[4096];
	size_t sl;
	int n;

	if (rcid && d == MX_DIALECT_RFC8743)
		req.flags |= MX_PROBE_F_RCID;
	sl = mct_probe_sdu(sdu, d, &req);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sl, pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	mct_rx(on, pdu, (size_t)n, 1000);
}

/* The ACK sent last: GMA decoded, inner IPv4/UDP checked; returns its body. */
static const uint8_t *ack_body(unsigned *path, size_t *len)
{
	static uint8_t copy[4096];
	struct gma_pdu d;
	struct gma_sdu s[2];
	const uint8_t *ip;

	cr_assert_gt(n_tx, 0, "an ACK is sent");
	*path = tx[n_tx - 1].path;
	memcpy(copy, tx[n_tx - 1].b, tx[n_tx - 1].len);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, copy, tx[n_tx - 1].len, &d), 0);
	cr_assert_not(d.f.flags & GMA_F_FLOW_SN, "control PDUs stay out of the reorder window");
	cr_assert(d.f.flags & GMA_F_CONN_ID);
	cr_assert_eq(d.f.conn_id >> 4, 15);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_TRAILER, copy, tx[n_tx - 1].len, &d, s, 2), 1);
	ip = copy + s[0].off;
	cr_assert_eq(ip[9], 17);
	cr_assert_eq((ip[10] << 8 | ip[11]), gma_ipv4_cksum(ip, 20), "a valid IPv4 header checksum");
	cr_assert_arr_eq(ip + 12, ((uint8_t[]){ 10, 77, 0, 2 }), 4, "from the anchor");
	cr_assert_arr_eq(ip + 16, ((uint8_t[]){ 10, 77, 0, 1 }), 4, "to the probe's source");
	cr_assert_arr_eq(ip + 20, ((uint8_t[]){ 0x27, 0x0F, 0x27, 0x0F }), 4, "ports 9999");
	cr_assert_eq(d.f.conn_id & 0x0F, *path == 0 ? 0 : 3);
	*len = s[0].len - 28;
	return ip + 28;
}

Test(madp, probe_req_rfc8743_ack_on_the_named_connection)
{
	unsigned path;
	size_t len;
	const uint8_t *b;
	struct mc_path_stats ps;

	probe(MX_DIALECT_RFC8743, 0, 0x0107, MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, true, 3);
	cr_assert_eq(n_dl, 0, "control PDUs are not delivered to the TUN device");
	b = ack_body(&path, &len);
	cr_assert_eq(path, 1, "R-CID 3: the ACK goes on connection 3");
	/* RFC 8743 8.6.3: Type 1, CID, Probing Ack Number (2 bytes). */
	cr_assert_eq(len, 4);
	cr_assert_arr_eq(b, ((uint8_t[]){ 0x01, 0x03, 0x01, 0x07 }), 4);
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.probes_rx, 1, "counted on the path it came on");
	mc_madp_path_stats(m, 1, &ps);
	cr_assert_eq(ps.probe_acks_tx, 1);
}

Test(madp, probe_req_without_rcid_answered_on_the_same_path)
{
	unsigned path;
	size_t len;
	const uint8_t *b;

	probe(MX_DIALECT_RFC8743, 1, 9, MX_PROBE_F_ACK, false, 0);
	b = ack_body(&path, &len);
	cr_assert_eq(path, 1);
	cr_assert_arr_eq(b, ((uint8_t[]){ 0x01, 0x03, 0x00, 0x09 }), 4);
}

Test(madp, probe_req_up09_ack_bytes)
{
	unsigned path;
	size_t len;
	const uint8_t *b;
	struct mx_ctrl_pdu ack;

	make(GMA_METHOD_TRAILER, MX_DIALECT_UP09, 2);
	probe(MX_DIALECT_UP09, 0, 0x2222, MX_PROBE_F_ACK, false, 0); /* R-CID all ones on the wire */
	b = ack_body(&path, &len);
	cr_assert_eq(path, 0, "R-CID all ones: the same connection");
	/* UP-09 5.3: Type 2, CID, AckNum (2), Timestamp (4, 100 us). */
	cr_assert_eq(len, 8);
	cr_assert_arr_eq(b, ((uint8_t[]){ 0x02, 0x00, 0x22, 0x22 }), 4);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, b, len, &ack), 0);
	cr_assert_eq(ack.kind, MX_CTRL_PROBE_ACK);
	cr_assert_eq(ack.timestamp, 10000, "1000 ms in 100 us units");
}

Test(madp, probe_without_ack_flag_and_losses_are_counted)
{
	struct mc_path_stats ps;

	probe(MX_DIALECT_RFC8743, 0, 1, 0, false, 0);
	probe(MX_DIALECT_RFC8743, 0, 4, 0, false, 0); /* 2 and 3 lost */
	cr_assert_eq(n_tx, 0, "no ACK asked, none sent");
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.probes_rx, 2);
	cr_assert_eq(ps.probes_lost, 2);
}

Test(madp, keep_alive_counted)
{
	struct mx_ctrl_pdu ka = { .kind = MX_CTRL_KEEPALIVE, .cid = 0, .sn = 3 };
	struct gma_fields f = { .flags = GMA_F_TIMESTAMP, .timestamp = 5 };
	uint8_t sdu[128], pdu[4096];
	struct mc_path_stats ps;
	size_t sl = mct_udp(sdu, CTRL_IP, ANCHOR, 9999, 9999, 4, 0);
	int n;

	n = mx_ctrl_encode(MX_DIALECT_RFC8743, &ka, sdu + 28, 4);
	cr_assert_eq(n, 4);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sl, pdu, sizeof(pdu));
	mct_rx(0, pdu, (size_t)n, 0);
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.keepalives_rx, 1);
	cr_assert_eq(n_dl, 0);
	cr_assert_eq(n_tx, 0);
}

Test(madp, udp_to_another_port_is_user_traffic)
{
	uint8_t sdu[128], pdu[4096];
	size_t sl = mct_udp(sdu, CTRL_IP, ANCHOR, 9999, 53, 10, 0);
	struct gma_fields f = { .flags = GMA_F_TIMESTAMP, .timestamp = 5 };
	int n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sl, pdu, sizeof(pdu));

	mct_rx(0, pdu, (size_t)n, 0);
	cr_assert_eq(n_dl, 1);
}
