/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink through the real data plane: GMA PDUs built by the shared/ codec
 * (gma_encode, gma_frag_build, gma_concat_build) into the access ports'
 * pcaps, SDUs out of the core port's pcap.  The core output must be every
 * SDU exactly once, byte-identical, in Flow SN order.
 *
 * The client is the standard two-path one of dp_harness.h (conn 3 on wifi,
 * conn 7 on lte through gw port 10021) with one flow, ID 5.  Ports are
 * polled in config order (wifi, lte, core) in bursts of 32, so what is in
 * wifi's pcap reaches the gateway first, burst by burst interleaved with lte.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dp_harness.h"
#include "gma_concat.h"
#include "gma_frag.h"

#define UL_FLAGS (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP)
#define UL_FLOW 5
#define SDU_CAP 2048
#define MAX_SDUS 256

#define UL_TEST(name) Test(dp_uplink, name, .fini = dpt_fini, .timeout = 120)

static struct {
	unsigned n;
	size_t len[MAX_SDUS];
	uint8_t b[MAX_SDUS][SDU_CAP];
} g_sdus;

static struct dpt_path g_path[2];      /* wifi, lte */
static uint8_t g_dsn[2];               /* the client's next Delivery SN per path */
static const unsigned g_dev[2] = { DPT_WIFI, DPT_LTE };

static struct dpt_session ul_session(const char *method)
{
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = method,
		.extra = "\"default_flow\": 5",
		.flows = "[{ \"flow_id\": 5, \"steering\": { \"mode\": \"switch\", \"paths\": [3, 7] } }]",
		.n_paths = 2,
	};

	g_path[0] = dpt_path_wifi();
	g_path[1] = dpt_path_lte();
	g_dsn[0] = g_dsn[1] = 0;
	s.paths[0] = g_path[0];
	s.paths[1] = g_path[1];
	return s;
}

/* n SDUs anchor -> server of assorted sizes (28..1428 bytes). */
static void make_sdus(unsigned n)
{
	cr_assert_leq(n, MAX_SDUS);
	g_sdus.n = n;
	for (unsigned i = 0; i < n; i++) {
		size_t len = 28 + (i * 211u) % 1400;

		g_sdus.len[i] = dpt_ul_sdu(g_sdus.b[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, PU_PROTO_UDP,
					   (uint8_t)(64 - i % 60), i + 1);
		cr_assert_eq(g_sdus.len[i], len);
	}
}

static void send_pdu(struct dpt_run *r, unsigned pi, const uint8_t *pdu, size_t len)
{
	uint8_t frame[PU_FRAME_MAX];
	size_t n = dpt_ul_frame(frame, sizeof(frame), &g_path[pi], pdu, len);

	cr_assert_gt(n, 0);
	dpt_send(r, g_dev[pi], frame, n);
}

static struct gma_fields ul_fields(unsigned pi, uint32_t sn)
{
	return (struct gma_fields){ .flags = UL_FLAGS, .flow_id = UL_FLOW, .flow_sn = sn,
				    .delivery_sn = g_dsn[pi]++, .timestamp = 5000 + sn };
}

/* SDU sn as one whole PDU on path pi. */
static void send_sdu(struct dpt_run *r, enum gma_method m, unsigned pi, unsigned sn)
{
	struct gma_fields f = ul_fields(pi, sn);
	uint8_t pdu[PU_FRAME_MAX];
	int len = gma_encode(m, &f, g_sdus.b[sn], g_sdus.len[sn], pdu, sizeof(pdu));

	cr_assert_gt(len, 0, "gma_encode: %s", gma_strerror(len));
	send_pdu(r, pi, pdu, (size_t)len);
}

/* The core port carries SDUs first..first+n-1 exactly, in order. */
static void expect_core_in_order(const struct dpt_run *r, unsigned n)
{
	const struct pkt_list *out = &r->out[DPT_CORE];
	char what[64];

	cr_expect_eq(out->n, n, "%zu SDUs on core, %u expected", out->n, n);
	for (unsigned i = 0; i < n && i < out->n; i++) {
		snprintf(what, sizeof(what), "core frame %u (SDU %u, %zu bytes)", i, i, g_sdus.len[i]);
		dpt_expect_core(&out->v[i], g_sdus.b[i], g_sdus.len[i], what);
	}
	cr_expect_eq(r->out[DPT_WIFI].n, 0, "nothing may go back downlink");
	cr_expect_eq(r->out[DPT_LTE].n, 0, "nothing may go back downlink");
}

/* ---- Plain uplink, each method ------------------------------------------------------ */

static void ul_method(const char *method)
{
	enum gma_method m = dpt_method(method);
	struct dpt_session s = ul_session(method);
	struct dpt_run *r;

	r = dpt_new();
	make_sdus(40);
	for (unsigned i = 0; i < 40; i++)
		send_sdu(r, m, i % 5 == 4 ? 1 : 0, i); /* every 5th on lte, the rest on wifi */
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	expect_core_in_order(r, 40);
}

UL_TEST(method_trailer)
{
	ul_method("trailer");
}

UL_TEST(method_header)
{
	ul_method("header");
}

UL_TEST(method_nonip)
{
	ul_method("nonip");
}

/* ---- Reordering across two paths -------------------------------------------------------- */

/*
 * wifi carries Flow SN 0, 2, 4, ...; lte carries 1, 3, 5, ... and its stream
 * is shifted: 40 frames the gateway discards (UDP to a port that is not a
 * GMA port) come first, so lte's SNs reach the gateway bursts after wifi's.
 * The core must see 0, 1, 2, ... exactly.
 */
UL_TEST(two_paths_out_of_order)
{
	const unsigned n = 200, shift = 40;
	struct dpt_session s = ul_session("trailer");
	struct dpt_path junk;
	struct dpt_run *r;

	r = dpt_new();
	make_sdus(n);
	junk = g_path[1];
	junk.gw_port = 10099;
	for (unsigned i = 0; i < shift; i++) {
		uint8_t frame[PU_FRAME_MAX];
		size_t len = dpt_ul_frame(frame, sizeof(frame), &junk, g_sdus.b[i], g_sdus.len[i]);

		dpt_send(r, DPT_LTE, frame, len);
	}
	for (unsigned i = 0; i < n; i++)
		send_sdu(r, GMA_METHOD_TRAILER, i % 2, i);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drop(r, "not_gma_port"), shift);
	cr_expect_eq(dpt_drops_total(r), shift, "only the shift frames may be dropped:\n%s", r->log);
	expect_core_in_order(r, n);
}

/* The same SNs on both paths (duplication mode at the client): each SDU once. */
UL_TEST(duplicates_eliminated)
{
	const unsigned n = 48;
	struct dpt_session s = ul_session("trailer");
	struct dpt_run *r;

	r = dpt_new();
	make_sdus(n);
	for (unsigned i = 0; i < n; i++) {
		send_sdu(r, GMA_METHOD_TRAILER, 0, i);
		send_sdu(r, GMA_METHOD_TRAILER, 1, i);
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drop(r, "reorder_duplicate"), n, "reorder_duplicate %lu, want %u:\n%s",
		     (unsigned long)dpt_drop(r, "reorder_duplicate"), n, r->log);
	cr_expect_eq(dpt_drops_total(r), n, "only the duplicates may be dropped:\n%s", r->log);
	expect_core_in_order(r, n);
}

/* ---- Fragments -------------------------------------------------------------------- */

static unsigned g_rng = 12345;

static unsigned rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 17;
	g_rng ^= g_rng << 5;
	return g_rng;
}

/* The fragments of SDU sn for a client MTU, in a shuffled order, each on path_of(k). */
static unsigned send_fragments(struct dpt_run *r, enum gma_method m, unsigned sn, size_t mtu,
			       bool alternate)
{
	struct gma_frag_plan plan;
	unsigned order[GMA_FRAG_MAX];
	int rc = gma_frag_plan(m, g_sdus.b[sn], g_sdus.len[sn], mtu, 28, UL_FLAGS, &plan);

	cr_assert_eq(rc, 0, "gma_frag_plan: %s", gma_strerror(rc));
	cr_assert_gt(plan.n, 1, "SDU %u (%zu bytes) is not fragmented at MTU %zu", sn,
		     g_sdus.len[sn], mtu);
	for (unsigned k = 0; k < plan.n; k++)
		order[k] = k;
	for (unsigned k = plan.n; k > 1; k--) {
		unsigned j = rnd() % k, t = order[k - 1];

		order[k - 1] = order[j];
		order[j] = t;
	}
	if (order[0] == 0 && plan.n > 1) { /* make sure it really is out of order */
		order[0] = order[1];
		order[1] = 0;
	}
	for (unsigned k = 0; k < plan.n; k++) {
		unsigned pi = alternate ? k % 2 : 0;
		struct gma_fields f = ul_fields(pi, sn);
		uint8_t pdu[PU_FRAME_MAX];
		int len = gma_frag_build(m, &plan, order[k], &f, g_sdus.b[sn], g_sdus.len[sn], pdu,
					 sizeof(pdu));

		cr_assert_gt(len, 0, "gma_frag_build: %s", gma_strerror(len));
		cr_assert_leq((size_t)len + 28, mtu);
		send_pdu(r, pi, pdu, (size_t)len);
	}
	return plan.n;
}

/*
 * SDU 0 whole, SDU 1 in fragments (client MTU 576) shuffled on wifi, SDU 2
 * whole, SDU 3 in fragments (MTU 300) shuffled and spread over both paths,
 * SDU 4 whole on lte -> the core sees SDUs 0..4 whole, once, in order.
 */
static void ul_frag(const char *method)
{
	enum gma_method m = dpt_method(method);
	struct dpt_session s = ul_session(method);
	static const size_t sizes[] = { 120, 1400, 300, 1800, 90 };
	struct dpt_run *r;

	r = dpt_new();
	g_sdus.n = 5;
	for (unsigned i = 0; i < 5; i++) {
		g_sdus.len[i] = dpt_ul_sdu(g_sdus.b[i], SDU_CAP, pu_ip4(DPT_ANCHOR), sizes[i],
					   PU_PROTO_UDP, (uint8_t)(30 + i), 100 + i);
		cr_assert_eq(g_sdus.len[i], sizes[i]);
	}
	send_sdu(r, m, 0, 0);
	send_fragments(r, m, 1, 576, false);
	send_sdu(r, m, 0, 2);
	send_fragments(r, m, 3, 300, true);
	send_sdu(r, m, 1, 4);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	expect_core_in_order(r, 5);
}

UL_TEST(frag_shuffled_trailer)
{
	ul_frag("trailer");
}

UL_TEST(frag_shuffled_header)
{
	ul_frag("header");
}

UL_TEST(frag_shuffled_nonip)
{
	ul_frag("nonip");
}

/* ---- Concatenation ---------------------------------------------------------------- */

/*
 * SDU 0 alone, SDUs 1, 2, 3 concatenated in one PDU (RFC 9188 6, built by
 * gma_concat_build: Flow SN of the PDU = the last SDU's), SDU 4 alone ->
 * the core sees 0..4 in order.
 */
static void ul_concat(const char *method)
{
	enum gma_method m = dpt_method(method);
	struct dpt_session s = ul_session(method);
	static const size_t sizes[] = { 100, 200, 28, 333, 80 };
	struct gma_span spans[3];
	struct gma_fields f;
	struct gma_pdu d;
	uint8_t pdu[PU_FRAME_MAX];
	struct dpt_run *r;
	int len;

	r = dpt_new();
	g_sdus.n = 5;
	for (unsigned i = 0; i < 5; i++) {
		g_sdus.len[i] = dpt_ul_sdu(g_sdus.b[i], SDU_CAP, pu_ip4(DPT_ANCHOR), sizes[i],
					   PU_PROTO_UDP, (uint8_t)(20 + i), 200 + i);
		cr_assert_eq(g_sdus.len[i], sizes[i]);
	}
	send_sdu(r, m, 0, 0);
	for (unsigned i = 0; i < 3; i++)
		spans[i] = (struct gma_span){ g_sdus.b[1 + i], g_sdus.len[1 + i] };
	f = ul_fields(0, 1);
	len = gma_concat_build(m, &f, spans, 3, pdu, sizeof(pdu));
	cr_assert_gt(len, 0, "gma_concat_build: %s", gma_strerror(len));
	cr_assert_eq(gma_decode(m, pdu, (size_t)len, &d), 0);
	cr_assert_eq(d.f.flow_sn, 3, "the PDU carries the last SDU's Flow SN");
	send_pdu(r, 0, pdu, (size_t)len);
	send_sdu(r, m, 0, 4);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	expect_core_in_order(r, 5);
}

UL_TEST(concat_trailer)
{
	ul_concat("trailer");
}

UL_TEST(concat_header)
{
	ul_concat("header");
}

UL_TEST(concat_nonip)
{
	ul_concat("nonip");
}

/* ---- NAT rebinding: uplink_match ------------------------------------------------ */

#define REBIND_PORT 6000u
/* Downlink SDUs queued behind the rebinding: the control thread applies it
 * after some 3000 of them on an idle machine, 15000 on a loaded one; the
 * last 10000 must see it. */
#define REBIND_DL 150000u
#define REBIND_DL_SLACK 10000u

/*
 * SDUs 0..n-1 on wifi; from SDU n/2 on, the client's NAT has given it a
 * new mapping: the same address, source port REBIND_PORT.
 */
static void rebind_stream(struct dpt_run *r, unsigned n)
{
	make_sdus(n);
	for (unsigned i = 0; i < n; i++) {
		if (i == n / 2)
			g_path[0].client_port = REBIND_PORT;
		send_sdu(r, GMA_METHOD_TRAILER, 0, i);
	}
}

/* "endpoint" (the default): the new mapping is nobody's path. */
UL_TEST(rebinding_endpoint_match_drops)
{
	const unsigned n = 64;
	struct dpt_session s = ul_session("trailer");
	struct dpt_run *r;

	r = dpt_new();
	rebind_stream(r, n);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drop(r, "unknown_client"), n / 2, "unknown_client %lu, want %u:\n%s",
		     (unsigned long)dpt_drop(r, "unknown_client"), n / 2, r->log);
	cr_expect_eq(dpt_drops_total(r), n / 2, "only the rebound PDUs may be dropped:\n%s", r->log);
	cr_expect_eq(r->rebind_notices, 0);
	expect_core_in_order(r, n / 2);
}

/*
 * "client": the PDUs from the new mapping are matched by anchor address
 * (and the session's only path on wifi: no Connection ID is sent), all of
 * them are forwarded in order, the owner reports the endpoint once and the
 * control thread republishes the path with it.  Downlink SDUs queued on
 * the core port behind the rebinding go to the new port from then on.
 *
 * The pcap ports replay without pauses, so where in the downlink stream
 * the switch falls depends on when the control thread runs (it ticks every
 * millisecond); the stream is long enough for it to fall well inside.
 * What is exact: every downlink SDU once, in Flow SN order, first to the
 * old port and, once to the new one, never back.  test_dp_rebind_live.c
 * pins the same switch down without timing.
 */
UL_TEST(rebinding_client_match_follows)
{
	const unsigned n = 64;
	struct dpt_session s = ul_session("trailer");
	const struct pkt_list *out;
	struct dpt_path old, now;
	struct dpt_run *r;
	unsigned first_new = REBIND_DL, k;
	uint8_t sdu[128], frame[PU_FRAME_MAX];

	s.extra = "\"default_flow\": 5, \"uplink_match\": \"client\"";
	r = dpt_new();
	old = g_path[0];
	rebind_stream(r, n);
	now = g_path[0];
	for (unsigned i = 0; i < REBIND_DL; i++) {
		size_t len = dpt_dl_sdu(sdu, sizeof(sdu), pu_ip4(DPT_ANCHOR), 60, PU_PROTO_UDP, 64, i);
		size_t fl = dpt_core_in(frame, sizeof(frame), sdu, len);

		dpt_send(r, DPT_CORE, frame, fl);
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_expect_eq(r->rebind_notices, 1, "one notice (at most one per 100 ms):\n%s", r->log);
	cr_expect_eq(r->rebinds_applied, 1, "the session republished:\n%s", r->log);
	cr_expect_eq(r->rebinds_refused, 0);

	/* Uplink: all n, in order, nothing back on lte. */
	out = &r->out[DPT_CORE];
	cr_expect_eq(out->n, n, "%zu SDUs on core, %u expected", out->n, n);
	for (unsigned i = 0; i < n && i < out->n; i++) {
		char what[64];

		snprintf(what, sizeof(what), "core frame %u", i);
		dpt_expect_core(&out->v[i], g_sdus.b[i], g_sdus.len[i], what);
	}
	cr_expect_eq(r->out[DPT_LTE].n, 0);

	/* Downlink: flow 5 on wifi; old port, then the new one for good. */
	out = &r->out[DPT_WIFI];
	cr_assert_eq(out->n, REBIND_DL, "%zu downlink PDUs on wifi", out->n);
	for (k = 0; k < out->n; k++) {
		const struct pkt *f = &out->v[k];
		uint16_t dport = (uint16_t)(f->data[PU_ETH_HLEN + PU_IP_HLEN + 2] << 8 |
					    f->data[PU_ETH_HLEN + PU_IP_HLEN + 3]);
		struct gma_pdu d;
		char what[64];

		if (dport == REBIND_PORT && first_new == REBIND_DL)
			first_new = k;
		snprintf(what, sizeof(what), "wifi frame %u", k);
		dpt_dl_decode(f, first_new <= k ? &now : &old, GMA_METHOD_TRAILER, &d, what);
		cr_expect_eq(d.f.flow_sn, k, "%s: Flow SN %u", what, d.f.flow_sn);
	}
	cr_expect_leq(first_new, REBIND_DL - REBIND_DL_SLACK,
		      "downlink still went to the old port after %u of %u SDUs", first_new, REBIND_DL);
	cr_log_info("downlink switched to the learnt port after %u of %u SDUs", first_new, REBIND_DL);
}

/* One uplink PDU on wifi from client_ip:client_port (not a configured path). */
static void send_from(struct dpt_run *r, const char *client_ip, uint16_t client_port,
		      enum gma_method m, const struct gma_fields *f, uint32_t anchor, unsigned seed,
		      uint8_t *sdu, size_t *sdu_len)
{
	struct dpt_path p = { .port = DPT_WIFI, .client_ip = pu_ip4(client_ip),
			      .client_port = client_port };
	uint8_t pdu[PU_FRAME_MAX], frame[PU_FRAME_MAX];
	size_t len = dpt_ul_sdu(sdu, SDU_CAP, anchor, 100, PU_PROTO_UDP, 33, seed);
	int n = gma_encode(m, f, sdu, len, pdu, sizeof(pdu));
	size_t fl;

	cr_assert_gt(n, 0, "gma_encode: %s", gma_strerror(n));
	fl = dpt_ul_frame(frame, sizeof(frame), &p, pdu, (size_t)n);
	cr_assert_gt(fl, 0);
	dpt_send(r, DPT_WIFI, frame, fl);
	*sdu_len = len;
}

/*
 * Client match accepts a PDU only for a session that allows it, of that
 * session's method, on a path of that session on the port it came in on.
 * From an endpoint that is no path, on wifi:
 *   anchor of session 1 (client match), Connection ID of session 2's path
 *   -> ul_wrong_conn; Connection ID of its own lte path -> ul_wrong_conn;
 *   anchor of session 2, session 1's Connection ID -> ul_wrong_conn;
 *   session 1's anchor in a non-IP PDU / a header-based PDU -> ul_wrong_method;
 *   an anchor nobody has -> ul_unknown_anchor; the anchor of session 3,
 *   which matches by endpoint only -> unknown_client; a non-IP fragment
 *   after the first (no inner IP header) -> ul_no_anchor;
 * and two that are right (session 1 with its wifi Connection ID, session 4
 * without one: its only path on wifi) reach the core.
 */
UL_TEST(client_match_refuses_other_sessions)
{
	struct dpt_session s[4] = {
		ul_session("trailer"),
		{ .id = 2, .anchor = pu_ip4("10.8.0.3"), .method = "trailer",
		  .extra = "\"uplink_match\": \"client\"", .n_paths = 1,
		  .paths = { { .conn_id = 4, .port = DPT_WIFI, .client_ip = pu_ip4("192.0.2.20"),
			       .client_port = 5000 } } },
		{ .id = 3, .anchor = pu_ip4("10.8.0.4"), .method = "trailer", .n_paths = 1,
		  .paths = { { .conn_id = 5, .port = DPT_WIFI, .client_ip = pu_ip4("192.0.2.30"),
			       .client_port = 5000 } } },
		{ .id = 4, .anchor = pu_ip4("10.8.0.5"), .method = "nonip",
		  .extra = "\"uplink_match\": \"client\"", .n_paths = 1,
		  .paths = { { .conn_id = 6, .port = DPT_WIFI, .client_ip = pu_ip4("192.0.2.40"),
			       .client_port = 5000 } } },
	};
	const uint32_t a1 = pu_ip4(DPT_ANCHOR), a2 = pu_ip4("10.8.0.3");
	struct gma_fields f = { .flags = GMA_F_FLOW_SN | GMA_F_CONN_ID, .flow_sn = 0 };
	static uint8_t sdu[SDU_CAP], ok1[SDU_CAP], ok4[SDU_CAP];
	size_t len, ok1_len, ok4_len;
	struct dpt_run *r;

	s[0].extra = "\"default_flow\": 5, \"uplink_match\": \"client\"";
	r = dpt_new();
	f.conn_id = 4;
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_TRAILER, &f, a1, 1, sdu, &len);
	f.conn_id = 7;
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_TRAILER, &f, a1, 2, sdu, &len);
	f.conn_id = 3;
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_TRAILER, &f, a2, 3, sdu, &len);
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_NONIP, &f, a1, 4, sdu, &len);
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_HEADER_IP, &f, a1, 5, sdu, &len);
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_TRAILER, &f, pu_ip4("10.8.0.99"), 6, sdu, &len);
	send_from(r, "192.0.2.97", 7000, GMA_METHOD_TRAILER, &f, pu_ip4("10.8.0.4"), 7, sdu, &len);
	{
		/* A non-IP fragment after the first carries no inner IP header. */
		struct dpt_path p = { .port = DPT_WIFI, .client_ip = pu_ip4("192.0.2.97"),
				      .client_port = 7000 };
		struct gma_fields ff = { .flags = GMA_F_FLOW_SN | GMA_F_FRAG, .flow_sn = 9 };
		uint8_t pdu[PU_FRAME_MAX], frame[PU_FRAME_MAX];
		struct gma_frag_plan plan;
		int n;

		len = dpt_ul_sdu(sdu, SDU_CAP, pu_ip4("10.8.0.5"), 600, PU_PROTO_UDP, 33, 8);
		cr_assert_eq(gma_frag_plan(GMA_METHOD_NONIP, sdu, len, 300, 28, ff.flags, &plan), 0);
		n = gma_frag_build(GMA_METHOD_NONIP, &plan, 1, &ff, sdu, len, pdu, sizeof(pdu));
		cr_assert_gt(n, 0);
		dpt_send(r, DPT_WIFI, frame, dpt_ul_frame(frame, sizeof(frame), &p, pdu, (size_t)n));
	}
	/* The right ones last, each from an endpoint of its own: their
	 * sessions learn it, which must not turn the others into hits. */
	f.conn_id = 3;
	send_from(r, "192.0.2.99", 7000, GMA_METHOD_TRAILER, &f, a1, 10, ok1, &ok1_len);
	f.flags = GMA_F_FLOW_SN;
	send_from(r, "192.0.2.98", 7000, GMA_METHOD_NONIP, &f, pu_ip4("10.8.0.5"), 11, ok4,
		  &ok4_len);
	dpt_exec(r, s, 4);

	cr_expect_eq(dpt_drop(r, "ul_wrong_conn"), 3, "ul_wrong_conn:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "ul_wrong_method"), 2, "ul_wrong_method:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "ul_unknown_anchor"), 1, "ul_unknown_anchor:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "unknown_client"), 1, "unknown_client:\n%s", r->log);
	cr_expect_eq(dpt_drop(r, "ul_no_anchor"), 1, "ul_no_anchor:\n%s", r->log);
	cr_expect_eq(dpt_drops_total(r), 8, "nothing else dropped:\n%s", r->log);
	cr_assert_eq(r->out[DPT_CORE].n, 2, "the two right PDUs reach the core:\n%s", r->log);
	dpt_expect_core(&r->out[DPT_CORE].v[0], ok1, ok1_len, "session 1 by client match");
	dpt_expect_core(&r->out[DPT_CORE].v[1], ok4, ok4_len, "session 4 by client match");
	cr_expect_eq(r->rebinds_applied, 2, "both learnt endpoints applied:\n%s", r->log);
}
