/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink through the real data plane: SDUs into the core port's pcap, GMA
 * PDUs out of the access ports' pcaps.  Every expectation is built with the
 * shared/ codec: gma_encode for whole PDUs, gma_steer_build/gma_steer_pick
 * for the per-packet path choice, gma_frag_plan/gma_frag_build and
 * gma_reasm_copy for fragments.  Only the GMA timestamp (the gateway's
 * clock) is taken from the output, and checked loosely.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dp_harness.h"
#include "gma_frag.h"
#include "gma_steer.h"

#define DL_FLAGS_DEFAULT (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID)
#define SDU_CAP 2048
#define MAX_SDUS 128

#define DL_TEST(name) Test(dp_downlink, name, .fini = dpt_fini, .timeout = 120)

struct sdus {
	unsigned n;
	size_t len[MAX_SDUS];
	uint8_t b[MAX_SDUS][SDU_CAP];
};

static struct sdus g_sdus; /* large: not on the stack */

/* SDU i: server -> anchor, `len` bytes, UDP or (proto 6) raw bytes. */
static void add_sdu(struct dpt_run *r, size_t len, uint8_t proto, uint8_t ttl)
{
	uint8_t frame[PU_FRAME_MAX];
	unsigned i = g_sdus.n++;
	size_t n;

	cr_assert_lt(i, MAX_SDUS);
	g_sdus.len[i] = dpt_dl_sdu(g_sdus.b[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, proto, ttl, i + 1);
	cr_assert_eq(g_sdus.len[i], len, "cannot build SDU %u of %zu bytes", i, len);
	n = dpt_core_in(frame, sizeof(frame), g_sdus.b[i], len);
	cr_assert_gt(n, 0);
	dpt_send(r, DPT_CORE, frame, n);
}

/* GMA timestamps of one port: non-decreasing and within a few seconds. */
static void expect_timestamps(const struct pkt_list *l, enum gma_method m, const char *port)
{
	uint32_t first = 0, prev = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct gma_pdu d;

		if (gma_decode(m, l->v[i].data + PU_OUTER_LEN, l->v[i].len - PU_OUTER_LEN, &d) != 0 ||
		    !(d.f.flags & GMA_F_TIMESTAMP))
			continue;
		if (i == 0)
			first = prev = d.f.timestamp;
		cr_expect((int32_t)(d.f.timestamp - prev) >= 0,
			  "%s PDU %zu: timestamp %u went back (previous %u)", port, i, d.f.timestamp,
			  prev);
		cr_expect_lt(d.f.timestamp - first, 10000u, "%s PDU %zu: timestamp %u, first %u", port,
			     i, d.f.timestamp, first);
		prev = d.f.timestamp;
	}
}

static struct dpt_session one_path_session(const char *method, const char *fields,
					   const struct dpt_path *p)
{
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = method, .dl_fields = fields,
		.extra = "\"default_flow\": 9",
		.n_paths = 1, .paths = { *p },
	};
	static char flows[128];

	snprintf(flows, sizeof(flows),
		 "[{ \"flow_id\": 9, \"steering\": { \"mode\": \"switch\", \"paths\": [%u] } }]",
		 p->conn_id);
	s.flows = flows;
	return s;
}

/*
 * N SDUs of many sizes (20 bytes up to exactly the path MTU once
 * encapsulated, so the largest PDU is not fragmented), protocols and TTLs
 * -> N PDUs on wifi, Flow SN and Delivery SN 0..N-1, Flow ID 9.
 */
static void dl_method(const char *method, const char *fields, uint16_t flags)
{
	static const size_t sizes[] = { 20, 28, 29, 40, 46, 60, 64, 100, 128, 200, 255, 256,
					300, 512, 576, 700, 999, 1000, 1200, 1300, 1400, 1450 };
	enum gma_method m = dpt_method(method);
	struct dpt_path wifi = dpt_path_wifi();
	struct dpt_session s = one_path_session(method, fields, &wifi);
	size_t max = 1500 - 28 - gma_overhead(m, flags);
	const unsigned n_fixed = sizeof(sizes) / sizeof(sizes[0]);
	struct dpt_run *r;
	char what[64];

	r = dpt_new();
	g_sdus.n = 0;
	for (unsigned i = 0; i < n_fixed; i++) {
		uint8_t proto = (i % 3 == 1 || sizes[i] < 28) ? PU_PROTO_TCP : PU_PROTO_UDP;

		add_sdu(r, sizes[i] < max ? sizes[i] : max - 2, proto, (uint8_t)(1 + (i * 37) % 255));
	}
	add_sdu(r, max - 1, PU_PROTO_UDP, 255);
	add_sdu(r, max, PU_PROTO_UDP, 1);
	dpt_exec(r, &s, 1);

	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_expect_eq(r->out[DPT_LTE].n, 0);
	cr_expect_eq(r->out[DPT_CORE].n, 0);
	cr_assert_eq(r->out[DPT_WIFI].n, g_sdus.n, "%zu PDUs on wifi for %u SDUs",
		     r->out[DPT_WIFI].n, g_sdus.n);
	for (unsigned i = 0; i < g_sdus.n; i++) {
		struct gma_fields want = { .flags = flags, .flow_id = 9, .flow_sn = i,
					   .delivery_sn = (uint8_t)i, .conn_id = wifi.conn_id };

		snprintf(what, sizeof(what), "%s PDU %u (SDU %zu bytes)", method, i, g_sdus.len[i]);
		dpt_expect_dl(&r->out[DPT_WIFI].v[i], &wifi, m, &want, g_sdus.b[i], g_sdus.len[i], what);
	}
	expect_timestamps(&r->out[DPT_WIFI], m, "wifi");
}

DL_TEST(method_trailer)
{
	dl_method("trailer", NULL, DL_FLAGS_DEFAULT);
}

DL_TEST(method_header)
{
	/* Every optional field the config offers except fragmentation. */
	dl_method("header",
		  "[\"flow_id\", \"delivery_sn\", \"flow_sn\", \"timestamp\", \"conn_id\", \"checksum\"]",
		  DL_FLAGS_DEFAULT | GMA_F_CONN_ID | GMA_F_CHECKSUM);
}

DL_TEST(method_nonip)
{
	dl_method("nonip", NULL, DL_FLAGS_DEFAULT);
}

/* ---- Steering ------------------------------------------------------------------- */

/*
 * Two paths (wifi conn 3 = index 0, lte conn 7 = index 1), one flow (ID 5)
 * steered by `steering`; N SDUs.  The expected path(s) of every SDU come
 * from gma_steer_build(cfg, up_mask) + gma_steer_pick; on each port the
 * PDUs must come in Flow SN order with Delivery SN 0, 1, 2, ...
 */
static void dl_steer(const char *steering, const struct gma_steer_cfg *cfg, uint32_t up_mask,
		     bool wifi_down, unsigned n, unsigned *count_out)
{
	struct dpt_path paths[2] = { dpt_path_wifi(), dpt_path_lte() };
	static const unsigned dev[2] = { DPT_WIFI, DPT_LTE };
	char flows[256], what[80];
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
		.extra = "\"default_flow\": 5", .n_paths = 2,
	};
	unsigned next[2] = { 0, 0 };
	struct gma_steer plan;
	uint32_t pos = 0;
	struct dpt_run *r;

	paths[0].down = wifi_down;
	s.paths[0] = paths[0];
	s.paths[1] = paths[1];
	snprintf(flows, sizeof(flows), "[{ \"flow_id\": 5, \"steering\": %s }]", steering);
	s.flows = flows;
	cr_assert_eq(gma_steer_build(cfg, up_mask, &plan), 0);

	r = dpt_new();
	g_sdus.n = 0;
	for (unsigned i = 0; i < n; i++)
		add_sdu(r, 60 + (i * 53) % 400, PU_PROTO_UDP, 64);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_expect_eq(r->out[DPT_CORE].n, 0);

	for (unsigned i = 0; i < n; i++) {
		uint8_t pick[GMA_STEER_MAX_PATHS];
		unsigned k = gma_steer_pick(&plan, &pos, pick);

		cr_assert_gt(k, 0);
		for (unsigned j = 0; j < k; j++) {
			unsigned pi = pick[j], d = dev[pi];
			struct gma_fields want = { .flags = DL_FLAGS_DEFAULT, .flow_id = 5, .flow_sn = i,
						   .delivery_sn = (uint8_t)next[pi] };

			snprintf(what, sizeof(what), "SDU %u: PDU %u on %s", i, next[pi],
				 dpt_ports[d].name);
			cr_assert_lt(next[pi], r->out[d].n, "%s missing: %s carries %zu PDUs", what,
				     dpt_ports[d].name, r->out[d].n);
			dpt_expect_dl(&r->out[d].v[next[pi]], &paths[pi], GMA_METHOD_TRAILER, &want,
				      g_sdus.b[i], g_sdus.len[i], what);
			next[pi]++;
		}
	}
	for (unsigned pi = 0; pi < 2; pi++) {
		cr_expect_eq(r->out[dev[pi]].n, next[pi], "%s carries %zu PDUs, expected %u",
			     dpt_ports[dev[pi]].name, r->out[dev[pi]].n, next[pi]);
		count_out[pi] = (unsigned)r->out[dev[pi]].n;
		expect_timestamps(&r->out[dev[pi]], GMA_METHOD_TRAILER, dpt_ports[dev[pi]].name);
	}
}

/* Switch with a preference list whose first path is down: all on the second. */
DL_TEST(steer_switch_first_up)
{
	struct gma_steer_cfg cfg = { .mode = GMA_STEER_SWITCH, .n = 2, .path = { 0, 1 } };
	unsigned count[2];

	dl_steer("{ \"mode\": \"switch\", \"paths\": [3, 7] }", &cfg, 0x2u, true, 40, count);
	cr_expect_eq(count[0], 0);
	cr_expect_eq(count[1], 40);
}

/* 70/30 split over 10*k packets: exactly 7k / 3k, in gma_steer's cycle order. */
DL_TEST(steer_split_70_30)
{
	struct gma_steer_cfg cfg = { .mode = GMA_STEER_SPLIT, .n = 2, .path = { 0, 1 },
				     .weight = { 70, 30 } };
	const unsigned k = 10;
	unsigned count[2];

	dl_steer("{ \"mode\": \"split\", \"paths\": [3, 7], \"weights\": [70, 30] }", &cfg, 0x3u,
		 false, 10 * k, count);
	cr_expect_eq(count[0], 7 * k, "wifi carries %u PDUs, want %u", count[0], 7 * k);
	cr_expect_eq(count[1], 3 * k, "lte carries %u PDUs, want %u", count[1], 3 * k);
}

/* Duplicate: every SDU on both paths with the same Flow SN. */
DL_TEST(steer_duplicate)
{
	struct gma_steer_cfg cfg = { .mode = GMA_STEER_DUPLICATE, .n = 2, .path = { 0, 1 } };
	unsigned count[2];

	dl_steer("{ \"mode\": \"duplicate\", \"paths\": [3, 7] }", &cfg, 0x3u, false, 30, count);
	cr_expect_eq(count[0], 30);
	cr_expect_eq(count[1], 30);
}

/* ---- Fragmentation ---------------------------------------------------------------- */

#define FRAG_MTU 576u

/*
 * SDUs around the 576-byte path MTU: whole ones, one exactly at the MTU once
 * encapsulated (not fragmented), one a byte over (2 fragments), larger ones.
 * Every frame: outer IPv4 total length <= MTU; fragments: flags, FC (MF and
 * offset), Flow SN, Flow ID as gma_frag_plan/gma_frag_build make them, the
 * bytes equal to gma_frag_build's, and gma_reasm_copy of the decoded
 * fragments gives the SDU back.  (Delivery SNs: see frag_delivery_sn.)
 */
static void dl_frag(const char *method)
{
	struct dpt_run *r;
	enum gma_method m = dpt_method(method);
	struct dpt_path wifi = dpt_path_wifi();
	struct dpt_session s;
	size_t fit = FRAG_MTU - 28 - gma_overhead(m, DL_FLAGS_DEFAULT);
	const size_t sizes[] = { 200, 1400, fit, fit + 1, 1472, 100, 1000 };
	size_t f = 0;
	char what[96];

	wifi.mtu = FRAG_MTU;
	s = one_path_session(method, NULL, &wifi);
	r = dpt_new();
	g_sdus.n = 0;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		add_sdu(r, sizes[i], PU_PROTO_UDP, (uint8_t)(10 + i));
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);

	for (unsigned i = 0; i < g_sdus.n; i++) {
		const struct pkt_list *out = &r->out[DPT_WIFI];
		struct gma_frag_plan plan;
		const uint8_t *pdus[GMA_FRAG_MAX];
		struct gma_pdu dec[GMA_FRAG_MAX];
		uint8_t sdu[SDU_CAP];
		int rc = gma_frag_plan(m, g_sdus.b[i], g_sdus.len[i], FRAG_MTU, 28, DL_FLAGS_DEFAULT,
				       &plan);

		cr_assert_eq(rc, 0, "gma_frag_plan: %s", gma_strerror(rc));
		cr_expect_eq(plan.n > 1, g_sdus.len[i] > fit, "SDU %u: %u fragments planned", i, plan.n);
		for (unsigned k = 0; k < plan.n; k++, f++) {
			struct gma_fields tmpl = { .flags = DL_FLAGS_DEFAULT, .flow_id = 9, .flow_sn = i };
			uint8_t exp_pdu[PU_FRAME_MAX], exp[PU_FRAME_MAX];
			const struct pkt *fr;
			struct gma_pdu d;
			int elen;

			snprintf(what, sizeof(what), "%s SDU %u (%zu bytes) PDU %u/%u", method, i,
				 g_sdus.len[i], k + 1, plan.n);
			cr_assert_lt(f, out->n, "%s missing (%zu PDUs on wifi)", what, out->n);
			fr = &out->v[f];
			cr_expect_leq(fr->len - PU_ETH_HLEN, FRAG_MTU, "%s: IP packet of %zu bytes",
				      what, fr->len - PU_ETH_HLEN);
			dpt_dl_decode(fr, &wifi, m, &d, what);
			if (plan.n == 1) {
				tmpl.delivery_sn = d.f.delivery_sn;
				dpt_expect_dl(fr, &wifi, m, &tmpl, g_sdus.b[i], g_sdus.len[i], what);
				continue;
			}
			cr_expect_eq(d.f.flags, DL_FLAGS_DEFAULT | GMA_F_FRAG |
						(m == GMA_METHOD_NONIP ? 0 : GMA_F_TTL),
				     "%s: flags 0x%04x", what, d.f.flags);
			cr_expect_eq(d.f.fc, (k + 1 < plan.n ? GMA_FC_MF : 0u) | k, "%s: FC 0x%02x", what,
				     d.f.fc);
			cr_expect_eq(d.f.flow_sn, i, "%s: Flow SN %u", what, d.f.flow_sn);
			cr_expect_eq(d.f.flow_id, 9, "%s: Flow ID %u", what, d.f.flow_id);
			pdus[k] = fr->data + PU_OUTER_LEN;
			dec[k] = d;

			/* Bytes as gma_frag_build makes them (timestamp and Delivery
			 * SN from the output; the Delivery SN has its own test). */
			tmpl.timestamp = d.f.timestamp;
			tmpl.delivery_sn = d.f.delivery_sn;
			elen = gma_frag_build(m, &plan, k, &tmpl, g_sdus.b[i], g_sdus.len[i], exp_pdu,
					      sizeof(exp_pdu));
			cr_assert_gt(elen, 0, "gma_frag_build: %s", gma_strerror(elen));
			dpt_dl_frame(exp, sizeof(exp), &wifi, exp_pdu, (size_t)elen);
			memcpy(exp + 40, fr->data + 40, 2); /* UDP checksum: checked valid-or-0 */
			cr_expect(fr->len == PU_OUTER_LEN + (size_t)elen &&
					  memcmp(fr->data, exp, fr->len) == 0,
				  "%s: bytes differ from gma_frag_build", what);
		}
		if (plan.n > 1) {
			rc = gma_reasm_copy(m, pdus, dec, plan.n, sdu, sizeof(sdu));
			cr_assert_eq(rc, (int)g_sdus.len[i], "SDU %u: gma_reasm_copy gave %d (%s)", i,
				     rc, rc < 0 ? gma_strerror(rc) : "length");
			cr_expect_arr_eq(sdu, g_sdus.b[i], g_sdus.len[i], "SDU %u reassembled differs", i);
		}
	}
	cr_expect_eq(r->out[DPT_WIFI].n, f, "%zu PDUs on wifi, %zu expected", r->out[DPT_WIFI].n, f);
}

DL_TEST(frag_trailer)
{
	dl_frag("trailer");
}

DL_TEST(frag_header)
{
	dl_frag("header");
}

DL_TEST(frag_nonip)
{
	dl_frag("nonip");
}

/*
 * RFC 9188 4.1: "Delivery SN: an auto-incremented integer to indicate the GMA
 * PDU transmission order on a delivery connection" -- per PDU, so each
 * fragment takes its own.  SDUs 200, 1400 (3 fragments), 200 bytes at MTU
 * 576 -> five PDUs with Delivery SN 0, 1, 2, 3, 4.
 *
 * Delivery SN counts the PDUs actually sent on the path: each fragment takes
 * one, an SDU dropped before sending takes none (this test found the bug
 * where it was taken once per SDU).
 */
DL_TEST(frag_delivery_sn)
{
	struct dpt_path wifi = dpt_path_wifi();
	struct dpt_session s;
	struct gma_frag_plan plan;
	struct dpt_run *r;

	wifi.mtu = FRAG_MTU;
	s = one_path_session("trailer", NULL, &wifi);
	r = dpt_new();
	g_sdus.n = 0;
	add_sdu(r, 200, PU_PROTO_UDP, 64);
	add_sdu(r, 1400, PU_PROTO_UDP, 64);
	add_sdu(r, 200, PU_PROTO_UDP, 64);
	cr_assert_eq(gma_frag_plan(GMA_METHOD_TRAILER, g_sdus.b[1], g_sdus.len[1], FRAG_MTU, 28,
				   DL_FLAGS_DEFAULT, &plan), 0);
	cr_assert_eq(plan.n, 3);
	dpt_exec(r, &s, 1);
	cr_assert_eq(r->out[DPT_WIFI].n, 5);
	for (unsigned i = 0; i < 5; i++) {
		struct gma_pdu d;

		dpt_dl_decode(&r->out[DPT_WIFI].v[i], &wifi, GMA_METHOD_TRAILER, &d, "PDU");
		cr_expect_eq(d.f.delivery_sn, i, "PDU %u (Flow SN %u, FC 0x%02x): Delivery SN %u, want %u",
			     i, d.f.flow_sn, d.f.fc, d.f.delivery_sn, i);
	}
}

/*
 * "fragment": false: an SDU over the path MTU is dropped (too_big) and the
 * next ones pass.  The dropped SDU was never sent, so it must not take a
 * Delivery SN (RFC 9188 4.1: the PDU transmission order on the connection;
 * a gap would count as a loss on a path that lost nothing): the two PDUs
 * sent carry Delivery SN 0 and 1.  Its Flow SN may or may not be skipped
 * (a gap in Flow SN is an ordinary loss to the receiver).
 *
 * Delivery SN counts the PDUs actually sent on the path: each fragment takes
 * one, an SDU dropped before sending takes none (this test found the bug
 * where it was taken once per SDU).
 */
DL_TEST(too_big_without_fragmentation)
{
	struct dpt_path wifi = dpt_path_wifi();
	struct dpt_session s;
	struct dpt_run *r;

	wifi.mtu = FRAG_MTU;
	s = one_path_session("trailer", NULL, &wifi);
	s.extra = "\"default_flow\": 9, \"fragment\": false";
	r = dpt_new();
	g_sdus.n = 0;
	add_sdu(r, 200, PU_PROTO_UDP, 64);
	add_sdu(r, 1000, PU_PROTO_UDP, 64);
	add_sdu(r, 300, PU_PROTO_UDP, 64);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drop(r, "too_big"), 1, "too_big %lu:\n%s",
		     (unsigned long)dpt_drop(r, "too_big"), r->log);
	cr_expect_eq(dpt_drops_total(r), 1, "unexpected drops:\n%s", r->log);
	cr_assert_eq(r->out[DPT_WIFI].n, 2, "%zu PDUs on wifi, want 2", r->out[DPT_WIFI].n);
	for (unsigned k = 0; k < 2; k++) {
		unsigned i = k == 0 ? 0 : 2;
		struct gma_fields want = { .flags = DL_FLAGS_DEFAULT, .flow_id = 9, .flow_sn = i,
					   .delivery_sn = (uint8_t)k };
		struct gma_pdu d;

		dpt_dl_decode(&r->out[DPT_WIFI].v[k], &wifi, GMA_METHOD_TRAILER, &d, "PDU");
		if (k == 1) {
			cr_expect(d.f.flow_sn == 1 || d.f.flow_sn == 2, "Flow SN %u after the drop",
				  d.f.flow_sn);
			want.flow_sn = d.f.flow_sn;
		}
		dpt_expect_dl(&r->out[DPT_WIFI].v[k], &wifi, GMA_METHOD_TRAILER, &want, g_sdus.b[i],
			      g_sdus.len[i], k ? "PDU after the dropped SDU" : "PDU before it");
	}
}
