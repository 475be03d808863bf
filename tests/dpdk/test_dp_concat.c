/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink concatenation (RFC 9188 6) through the real data plane: SDUs into
 * the core port's pcap, GMA PDUs out of the access ports' pcaps, sessions
 * with "concat": true.
 *
 * The expected PDUs come from a model of the rule in docs/gma.md written
 * with the shared/ codec: per flow, consecutive SDUs steered to the same
 * path (gma_steer_build/gma_steer_pick) are packed greedily, as many as
 * gma_concat_fit allows in the path MTU and at most 16; an SDU too large to
 * go whole is fragmented (gma_frag_plan).  Every frame is then compared
 * byte for byte with gma_concat_build (or gma_frag_build) of the SDUs it
 * must carry, Delivery SN counting PDUs per path, and decoded the way the
 * client does (gma_decode, gma_decap_sdus / gma_reasm_copy): the SDUs come
 * back byte-identical with their Flow SNs.
 *
 * pcap replay delivers the SDUs within a few receive bursts, far inside the
 * hold times used here (65535 us unless the test is about the hold time),
 * so the packing does not depend on timing; the last partial PDU of each
 * test leaves by the hold time, before the gateway's idle exit.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "dp_harness.h"
#include "gma_concat.h"
#include "gma_frag.h"
#include "gma_steer.h"

#define DL_FLAGS_DEFAULT (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID)
#define CC_MAX 16u     /* DP_CONCAT_MAX in dataplane/dp.h */
#define OUTER_IP_UDP 28u
#define FLOW 9u
#define SDU_CAP 2048
#define MAX_SDUS 128
#define MAX_PDUS (2 * MAX_SDUS + 64)
#define HOLD_LONG "\"concat_hold_us\": 65535"

#define CC_TEST(name) Test(dp_concat, name, .fini = dpt_fini, .timeout = 120)

struct sdus {
	unsigned n;
	size_t len[MAX_SDUS];
	uint8_t b[MAX_SDUS][SDU_CAP];
};

static struct sdus g_sdus; /* large: not on the stack */

/* One expected PDU: SDUs first..first+k-1 on path index `path`; k == 0:
 * SDU `first` alone, fragmented.  */
struct exp_pdu {
	unsigned path, first, k;
};

struct scenario {
	const char *method;
	const char *dl_fields; /* NULL: default */
	uint16_t flags;        /* what dl_fields selects */
	const char *steering;  /* JSON */
	struct gma_steer_cfg steer;
	uint32_t up_mask;
	unsigned n_paths;      /* 1: wifi; 2: wifi + lte */
	bool wifi_down;        /* wifi starts "up": false */
	uint16_t mtu;          /* of every path; 0 = 1500 */
	bool concat;
	const char *hold;      /* JSON member, NULL: HOLD_LONG */
};

static void add_sdu(struct dpt_run *r, size_t len)
{
	uint8_t frame[PU_FRAME_MAX];
	unsigned i = g_sdus.n++;
	size_t n;

	cr_assert_lt(i, MAX_SDUS);
	g_sdus.len[i] = dpt_dl_sdu(g_sdus.b[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len,
				   i % 4 == 3 ? PU_PROTO_TCP : PU_PROTO_UDP, (uint8_t)(2 + i % 200),
				   i + 1);
	cr_assert_eq(g_sdus.len[i], len, "cannot build SDU %u of %zu bytes", i, len);
	n = dpt_core_in(frame, sizeof(frame), g_sdus.b[i], len);
	cr_assert_gt(n, 0);
	dpt_send(r, DPT_CORE, frame, n);
}

static struct gma_span span_of(unsigned i)
{
	return (struct gma_span){ g_sdus.b[i], g_sdus.len[i] };
}

static bool cmp_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
		      const char *what)
{
	if (got_len == want_len && memcmp(got, want, want_len) == 0)
		return true;
	fprintf(stderr, "%s: bytes differ\n", what);
	dpt_hexdump("  got", got, got_len);
	dpt_hexdump("  want", want, want_len);
	return false;
}

/*
 * The model: path_of[i] is SDU i's path (a single one: switch or split).
 * Maximal runs of SDUs on one path are cut greedily into PDUs of as many
 * SDUs as fit (gma_concat_fit, outer IPv4 + UDP around) and at most CC_MAX;
 * without concatenation every PDU carries one SDU.
 */
static unsigned model(enum gma_method m, uint16_t flags, uint16_t mtu, bool concat,
		      const unsigned *path_of, struct exp_pdu *out)
{
	struct gma_span sp[MAX_SDUS];
	unsigned n = 0;

	for (unsigned i = 0; i < g_sdus.n;) {
		unsigned j = i + 1, k;

		while (j < g_sdus.n && path_of[j] == path_of[i])
			j++;
		for (unsigned x = i; x < j; x++)
			sp[x - i] = span_of(x);
		k = gma_concat_fit(m, flags, sp, j - i, mtu, OUTER_IP_UDP);
		if (k > CC_MAX)
			k = CC_MAX;
		if (!concat && k > 1)
			k = 1;
		cr_assert_lt(n, MAX_PDUS);
		out[n++] = (struct exp_pdu){ path_of[i], i, k };
		i += k ? k : 1;
	}
	return n;
}

/*
 * The frame at f must be the PDU of SDUs first..first+k-1 on path p with
 * Delivery SN dsn: headers and fields, PDU within the MTU, the SDUs back
 * byte-identical with Flow SNs first.., the bytes of gma_concat_build.
 */
static void check_pdu(const struct pkt *f, const struct dpt_path *p, uint16_t mtu,
		      enum gma_method m, uint16_t flags, unsigned first, unsigned k, uint8_t dsn,
		      const char *what)
{
	static uint8_t pdu[PU_FRAME_MAX], exp_pdu[PU_FRAME_MAX], exp[PU_FRAME_MAX];
	struct gma_fields tmpl = { .flags = flags, .flow_id = FLOW, .flow_sn = first,
				   .delivery_sn = dsn, .conn_id = p->conn_id };
	uint16_t want_flags = flags;
	struct gma_sdu out[CC_MAX + 1];
	struct gma_span sp[CC_MAX];
	struct gma_pdu d;
	size_t off, len;
	int n, elen;

	cr_expect_leq(f->len - PU_ETH_HLEN, mtu, "%s: IP packet of %zu bytes, MTU %u", what,
		      f->len - PU_ETH_HLEN, mtu);
	off = dpt_dl_decode(f, p, m, &d, what);
	len = f->len - off;
	if (m != GMA_METHOD_NONIP)
		want_flags |= GMA_F_TTL | (k > 1 ? GMA_F_CONCAT : 0);
	cr_expect_eq(d.f.flags, want_flags, "%s: flags 0x%04x, want 0x%04x", what, d.f.flags,
		     want_flags);
	cr_expect_eq(d.f.flow_id, FLOW, "%s: Flow ID %u", what, d.f.flow_id);
	/* RFC 9188 6: the PDU carries the last SDU's Flow SN. */
	cr_expect_eq(d.f.flow_sn, first + k - 1, "%s: Flow SN %u, want %u (the last SDU's)", what,
		     d.f.flow_sn, first + k - 1);
	cr_expect_eq(d.f.delivery_sn, dsn, "%s: Delivery SN %u, want %u", what, d.f.delivery_sn,
		     dsn);
	if (k > 1 && m != GMA_METHOD_NONIP)
		cr_expect_eq(d.f.fsl, g_sdus.len[first], "%s: FSL %u, first SDU %zu bytes", what,
			     d.f.fsl, g_sdus.len[first]);

	/* What the client gets out of it. */
	memcpy(pdu, f->data + off, len);
	n = gma_decap_sdus(m, pdu, len, &d, out, CC_MAX + 1);
	cr_assert_eq(n, (int)k, "%s: gma_decap_sdus gave %d SDUs (%s), want %u", what, n,
		     n < 0 ? gma_strerror(n) : "count", k);
	for (unsigned j = 0; j < k; j++) {
		char w2[128];

		snprintf(w2, sizeof(w2), "%s: SDU %u of the PDU", what, j);
		cr_expect_eq(out[j].flow_sn, first + j, "%s: Flow SN %u, want %u", w2,
			     out[j].flow_sn, first + j);
		cr_expect(cmp_bytes(pdu + out[j].off, out[j].len, g_sdus.b[first + j],
				    g_sdus.len[first + j], w2),
			  "%s differs from SDU %u", w2, first + j);
		sp[j] = span_of(first + j);
	}

	/* The whole frame as the codec builds it, with the gateway's timestamp. */
	tmpl.timestamp = d.f.timestamp;
	elen = gma_concat_build(m, &tmpl, sp, k, exp_pdu, sizeof(exp_pdu));
	cr_assert_gt(elen, 0, "%s: gma_concat_build: %s", what, gma_strerror(elen));
	cr_assert_gt(dpt_dl_frame(exp, sizeof(exp), p, exp_pdu, (size_t)elen), 0);
	memcpy(exp + PU_OUTER_LEN - 2, f->data + PU_OUTER_LEN - 2, 2); /* UDP checksum */
	cr_expect(cmp_bytes(f->data, f->len, exp, PU_OUTER_LEN + (size_t)elen, what),
		  "%s: frame differs from gma_concat_build", what);
}

/* SDU i fragmented on path p: frames out->v[*cur..], Delivery SNs from *cur. */
static void check_frags(const struct pkt_list *l, unsigned *cur, const struct dpt_path *p,
			uint16_t mtu, enum gma_method m, uint16_t flags, unsigned i)
{
	static uint8_t exp_pdu[PU_FRAME_MAX], exp[PU_FRAME_MAX], sdu[SDU_CAP];
	const uint8_t *pdus[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
	struct gma_frag_plan plan;
	char what[96];
	int rc;

	rc = gma_frag_plan(m, g_sdus.b[i], g_sdus.len[i], mtu, OUTER_IP_UDP, flags, &plan);
	cr_assert_eq(rc, 0, "gma_frag_plan: %s", gma_strerror(rc));
	cr_assert_gt(plan.n, 1, "SDU %u: the model fragments it, the plan does not", i);
	for (unsigned k = 0; k < plan.n; k++, (*cur)++) {
		struct gma_fields tmpl = { .flags = flags, .flow_id = FLOW, .flow_sn = i,
					   .delivery_sn = (uint8_t)*cur, .conn_id = p->conn_id };
		const struct pkt *fr;
		int elen;

		snprintf(what, sizeof(what), "SDU %u (%zu bytes) fragment %u/%u, frame %u", i,
			 g_sdus.len[i], k + 1, plan.n, *cur);
		cr_assert_lt(*cur, l->n, "%s missing (%zu frames)", what, l->n);
		fr = &l->v[*cur];
		cr_expect_leq(fr->len - PU_ETH_HLEN, mtu, "%s: IP packet of %zu bytes", what,
			      fr->len - PU_ETH_HLEN);
		dpt_dl_decode(fr, p, m, &dec[k], what);
		cr_expect_eq(dec[k].f.fc, (k + 1 < plan.n ? GMA_FC_MF : 0u) | k, "%s: FC 0x%02x",
			     what, dec[k].f.fc);
		cr_expect_eq(dec[k].f.flow_sn, i, "%s: Flow SN %u", what, dec[k].f.flow_sn);
		cr_expect_eq(dec[k].f.delivery_sn, (uint8_t)*cur, "%s: Delivery SN %u", what,
			     dec[k].f.delivery_sn);
		pdus[k] = fr->data + PU_OUTER_LEN;
		tmpl.timestamp = dec[k].f.timestamp;
		elen = gma_frag_build(m, &plan, k, &tmpl, g_sdus.b[i], g_sdus.len[i], exp_pdu,
				      sizeof(exp_pdu));
		cr_assert_gt(elen, 0, "gma_frag_build: %s", gma_strerror(elen));
		dpt_dl_frame(exp, sizeof(exp), p, exp_pdu, (size_t)elen);
		/* UDP checksum: dpt_dl_decode checked it is valid or 0. */
		memcpy(exp + PU_OUTER_LEN - 2, fr->data + PU_OUTER_LEN - 2, 2);
		cr_expect(cmp_bytes(fr->data, fr->len, exp, PU_OUTER_LEN + (size_t)elen, what),
			  "%s: bytes differ from gma_frag_build", what);
	}
	rc = gma_reasm_copy(m, pdus, dec, plan.n, sdu, sizeof(sdu));
	cr_assert_eq(rc, (int)g_sdus.len[i], "SDU %u: gma_reasm_copy gave %d", i, rc);
	cr_expect_arr_eq(sdu, g_sdus.b[i], g_sdus.len[i], "SDU %u reassembled differs", i);
}

/* Every frame on every access port, against the expected PDUs in order. */
static void check_output(const struct dpt_run *r, const struct dpt_path *paths, uint16_t mtu,
			 enum gma_method m, uint16_t flags, const struct exp_pdu *e, unsigned n_e)
{
	unsigned cur[DPT_NDEV] = { 0 };
	char what[96];

	for (unsigned x = 0; x < n_e; x++) {
		const struct dpt_path *p = &paths[e[x].path];
		const struct pkt_list *l = &r->out[p->port];

		if (e[x].k == 0) {
			check_frags(l, &cur[p->port], p, mtu, m, flags, e[x].first);
			continue;
		}
		snprintf(what, sizeof(what), "%s PDU %u (SDUs %u..%u)", dpt_ports[p->port].name,
			 cur[p->port], e[x].first, e[x].first + e[x].k - 1);
		cr_assert_lt(cur[p->port], l->n, "%s missing: %zu frames", what, l->n);
		check_pdu(&l->v[cur[p->port]], p, mtu, m, flags, e[x].first, e[x].k,
			  (uint8_t)cur[p->port], what);
		cur[p->port]++;
	}
	for (unsigned d = 0; d < DPT_NDEV; d++)
		cr_expect_eq(r->out[d].n, cur[d], "%s carries %zu frames, %u expected",
			     dpt_ports[d].name, r->out[d].n, cur[d]);
}

/* Run the scenario on the SDU sizes given; returns PDUs (frames) sent. */
static size_t run(const struct scenario *sc, const size_t *sizes, unsigned n)
{
	struct dpt_path paths[2] = { dpt_path_wifi(), dpt_path_lte() };
	enum gma_method m = dpt_method(sc->method);
	uint16_t mtu = sc->mtu ? sc->mtu : 1500;
	static struct exp_pdu e[MAX_PDUS];
	unsigned path_of[MAX_SDUS], n_e = 0;
	char flows[256], extra[160];
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = sc->method,
		.dl_fields = sc->dl_fields, .n_paths = sc->n_paths,
	};
	struct gma_steer plan;
	uint32_t pos = 0;
	struct dpt_run *r;

	for (unsigned i = 0; i < sc->n_paths; i++) {
		paths[i].mtu = sc->mtu;
		paths[i].down = i == 0 && sc->wifi_down;
		s.paths[i] = paths[i];
	}
	snprintf(flows, sizeof(flows), "[{ \"flow_id\": %u, \"steering\": %s }]", FLOW,
		 sc->steering);
	s.flows = flows;
	snprintf(extra, sizeof(extra), "\"default_flow\": %u, \"concat\": %s, %s", FLOW,
		 sc->concat ? "true" : "false", sc->hold ? sc->hold : HOLD_LONG);
	s.extra = extra;

	r = dpt_new();
	g_sdus.n = 0;
	for (unsigned i = 0; i < n; i++)
		add_sdu(r, sizes[i]);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_expect_eq(r->out[DPT_CORE].n, 0);

	cr_assert_eq(gma_steer_build(&sc->steer, sc->up_mask, &plan), 0);
	if (sc->steer.mode == GMA_STEER_DUPLICATE) {
		/* Never concatenated: every SDU alone on every path. */
		for (unsigned i = 0; i < n; i++) {
			uint8_t pick[GMA_STEER_MAX_PATHS];
			unsigned k = gma_steer_pick(&plan, &pos, pick);

			for (unsigned j = 0; j < k; j++)
				e[n_e++] = (struct exp_pdu){ pick[j], i, 1 };
		}
	} else {
		for (unsigned i = 0; i < n; i++) {
			uint8_t pick[GMA_STEER_MAX_PATHS];

			cr_assert_eq(gma_steer_pick(&plan, &pos, pick), 1);
			path_of[i] = pick[0];
		}
		n_e = model(m, sc->flags, mtu, sc->concat, path_of, e);
	}
	check_output(r, paths, mtu, m, sc->flags, e, n_e);
	return r->out[DPT_WIFI].n + r->out[DPT_LTE].n;
}

static const struct scenario switch_wifi = {
	.method = "trailer", .flags = DL_FLAGS_DEFAULT,
	.steering = "{ \"mode\": \"switch\", \"paths\": [3] }",
	.steer = { .mode = GMA_STEER_SWITCH, .n = 1, .path = { 0 } }, .up_mask = 1, .n_paths = 1,
	.concat = true,
};

/* ---- (1) small SDUs, one path --------------------------------------------------- */

/* 30 SDUs of 100 bytes at MTU 1500: 14 + 14 + 2 per PDU (trailer). */
static void small_sdus(const char *method, const char *fields, uint16_t flags)
{
	struct scenario sc = switch_wifi;
	size_t sizes[30];
	size_t pdus;

	sc.method = method;
	sc.dl_fields = fields;
	sc.flags = flags;
	for (unsigned i = 0; i < 30; i++)
		sizes[i] = 100;
	pdus = run(&sc, sizes, 30);
	cr_expect_lt(pdus, 30, "%zu PDUs for 30 SDUs: nothing concatenated", pdus);
	cr_expect_leq(pdus, 3, "%zu PDUs for 30 SDUs of 100 bytes", pdus);
}

CC_TEST(small_sdus_trailer)
{
	small_sdus("trailer", NULL, DL_FLAGS_DEFAULT);
}

CC_TEST(small_sdus_header)
{
	/* Every optional field the config offers except fragmentation. */
	small_sdus("header",
		   "[\"flow_id\", \"delivery_sn\", \"flow_sn\", \"timestamp\", "
		   "\"conn_id\", \"checksum\"]",
		   DL_FLAGS_DEFAULT | GMA_F_CONN_ID | GMA_F_CHECKSUM);
}

CC_TEST(small_sdus_nonip)
{
	small_sdus("nonip", NULL, DL_FLAGS_DEFAULT);
}

/* Sizes 28..300 bytes: PDUs cut at the MTU wherever the sum lands. */
CC_TEST(mixed_sizes_fill_the_mtu)
{
	struct scenario sc = switch_wifi;
	size_t sizes[80];
	size_t pdus;

	for (unsigned i = 0; i < 80; i++)
		sizes[i] = 28 + (i * 97u) % 273u;
	pdus = run(&sc, sizes, 80);
	cr_expect_lt(pdus, 40, "%zu PDUs for 80 SDUs", pdus);
}

/* 40 SDUs of 40 bytes: the 16-SDU limit cuts, not the MTU (16, 16, 8). */
CC_TEST(at_most_16_per_pdu)
{
	struct scenario sc = switch_wifi;
	size_t sizes[40];

	for (unsigned i = 0; i < 40; i++)
		sizes[i] = 40;
	cr_expect_eq(run(&sc, sizes, 40), 3);
}

/* A small path MTU (576): fewer SDUs per PDU, still within it. */
CC_TEST(small_mtu)
{
	struct scenario sc = switch_wifi;
	size_t sizes[40];

	sc.mtu = 576;
	sc.method = "nonip";
	for (unsigned i = 0; i < 40; i++)
		sizes[i] = 60 + (i * 31u) % 120u;
	cr_expect_lt(run(&sc, sizes, 40), 20);
}

/* ---- (2) the last partial PDU leaves ---------------------------------------------- */

/* Three SDUs, nothing after them: they leave together when the hold time
 * (65 ms) has passed, long before the gateway's 300 ms idle exit. */
CC_TEST(partial_buffer_leaves_by_hold_time)
{
	struct scenario sc = switch_wifi;
	const size_t sizes[] = { 100, 200, 300 };

	cr_expect_eq(run(&sc, sizes, 3), 1);
}

/* concat_hold_us 0: no waiting; what arrives in one receive burst may
 * still share a PDU, and nothing is left behind. */
CC_TEST(hold_time_zero)
{
	struct dpt_path wifi = dpt_path_wifi();
	const char *extra = "\"default_flow\": 9, \"concat\": true, \"concat_hold_us\": 0";
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer", .extra = extra,
		.flows = "[{ \"flow_id\": 9, "
			 "\"steering\": { \"mode\": \"switch\", \"paths\": [3] } }]",
		.n_paths = 1, .paths = { wifi },
	};
	const struct pkt_list *l;
	struct dpt_run *r = dpt_new();
	unsigned next = 0;

	g_sdus.n = 0;
	for (unsigned i = 0; i < 20; i++)
		add_sdu(r, 80);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	l = &r->out[DPT_WIFI];
	/* However the bursts fell: consecutive SDUs, in order, each once. */
	for (unsigned x = 0; x < l->n; x++) {
		struct gma_pdu d;
		char what[64];

		snprintf(what, sizeof(what), "PDU %u", x);
		dpt_dl_decode(&l->v[x], &wifi, GMA_METHOD_TRAILER, &d, what);
		cr_assert_geq(d.f.flow_sn, next, "%s: Flow SN %u after %u SDUs", what, d.f.flow_sn,
			      next);
		check_pdu(&l->v[x], &wifi, 1500, GMA_METHOD_TRAILER, DL_FLAGS_DEFAULT, next,
			  d.f.flow_sn - next + 1, (uint8_t)x, what);
		next = d.f.flow_sn + 1;
	}
	cr_expect_eq(next, 20, "SDUs 0..%u delivered of 20", next);
}

/* ---- (3) split over two paths ------------------------------------------------------ */

/* 50/50 alternates paths: every SDU flushes the other path's one. */
CC_TEST(split_50_50)
{
	struct scenario sc = {
		.method = "trailer", .flags = DL_FLAGS_DEFAULT,
		.steering = "{ \"mode\": \"split\", \"paths\": [3, 7], \"weights\": [50, 50] }",
		.steer = { .mode = GMA_STEER_SPLIT, .n = 2, .path = { 0, 1 },
			   .weight = { 50, 50 } },
		.up_mask = 3, .n_paths = 2, .concat = true,
	};
	size_t sizes[40];

	for (unsigned i = 0; i < 40; i++)
		sizes[i] = 100;
	cr_expect_eq(run(&sc, sizes, 40), 40);
}

/* 80/20: runs of SDUs on wifi share PDUs, cut where the path changes. */
CC_TEST(split_80_20)
{
	struct scenario sc = {
		.method = "header", .flags = DL_FLAGS_DEFAULT,
		.steering = "{ \"mode\": \"split\", \"paths\": [3, 7], \"weights\": [80, 20] }",
		.steer = { .mode = GMA_STEER_SPLIT, .n = 2, .path = { 0, 1 },
			   .weight = { 80, 20 } },
		.up_mask = 3, .n_paths = 2, .concat = true,
	};
	size_t sizes[50];

	for (unsigned i = 0; i < 50; i++)
		sizes[i] = 60 + (i * 13u) % 90u;
	cr_expect_lt(run(&sc, sizes, 50), 50);
}

/* Duplication is never concatenated: every SDU alone on both paths. */
CC_TEST(duplicate_is_not_concatenated)
{
	struct scenario sc = {
		.method = "trailer", .flags = DL_FLAGS_DEFAULT,
		.steering = "{ \"mode\": \"duplicate\", \"paths\": [3, 7] }",
		.steer = { .mode = GMA_STEER_DUPLICATE, .n = 2, .path = { 0, 1 } },
		.up_mask = 3, .n_paths = 2, .concat = true,
	};
	size_t sizes[20];

	for (unsigned i = 0; i < 20; i++)
		sizes[i] = 100;
	cr_expect_eq(run(&sc, sizes, 20), 40);
}

/* Still not with one of the paths down, when duplication sends on one path. */
CC_TEST(duplicate_on_one_path_is_not_concatenated)
{
	struct scenario sc = {
		.method = "nonip", .flags = DL_FLAGS_DEFAULT,
		.steering = "{ \"mode\": \"duplicate\", \"paths\": [3, 7] }",
		.steer = { .mode = GMA_STEER_DUPLICATE, .n = 2, .path = { 0, 1 } },
		.up_mask = 2, .n_paths = 2, .wifi_down = true, .concat = true,
	};
	size_t sizes[20];

	for (unsigned i = 0; i < 20; i++)
		sizes[i] = 100;
	cr_expect_eq(run(&sc, sizes, 20), 20);
}

/* ---- (4) off: one PDU per SDU --------------------------------------------------------- */

CC_TEST(off_one_pdu_per_sdu)
{
	struct scenario sc = switch_wifi;
	size_t sizes[30];

	sc.concat = false;
	for (unsigned i = 0; i < 30; i++)
		sizes[i] = 100;
	cr_expect_eq(run(&sc, sizes, 30), 30);
}

/* ---- (5) large SDUs between small ones ------------------------------------------------ */

/*
 * MTU 576: small SDUs, one fragmented (1000), small ones, one that fits
 * only alone (530), small ones, one fragmented (1400), small ones.  Each
 * large SDU flushes the small ones before it and goes out on its own, in
 * Flow SN order.
 */
static void large_between_small(const char *method)
{
	struct scenario sc = switch_wifi;
	const size_t sizes[] = { 60, 70, 80, 90, 100, 1000, 60, 61, 62, 63, 64, 530,
				 100, 100, 100, 1400, 40, 50 };
	unsigned n = sizeof(sizes) / sizeof(sizes[0]);

	sc.method = method;
	sc.mtu = 576;
	/* 4 PDUs of small SDUs, 530 alone, 2 + 3 fragments. */
	cr_expect_eq(run(&sc, sizes, n), 4 + 1 + 2 + 3);
}

CC_TEST(large_between_small_trailer)
{
	large_between_small("trailer");
}

CC_TEST(large_between_small_header)
{
	large_between_small("header");
}

CC_TEST(large_between_small_nonip)
{
	large_between_small("nonip");
}
