/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA fragmentation and reassembly (RFC 9188 5): planning at the MTU
 * boundaries, the 128-fragment limit, the bytes of every fragment (checked
 * by decoding them with the codec), reassembly in any arrival order through
 * both the handle API and gma_reasm_copy(), and the receiver's bounds,
 * timeout and rejection reasons.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gma_frag.h"
#include "test_util.h"

#define PDU_CAP 2048
#define SDU_CAP 70000
#define SN_MASK 0xFFFFFFu

static const enum gma_method methods[] = {
	GMA_METHOD_TRAILER, GMA_METHOD_HEADER_IP, GMA_METHOD_NONIP,
};
static const char *const mname[] = { "trailer", "header-ip", "non-ip" };

/* ---- helpers --------------------------------------------------------------- */

static void shuffle(unsigned *v, unsigned n)
{
	for (unsigned i = n; i > 1; i--) {
		unsigned j = rng() % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* RFC 1071 sum over the header, checksum field included: 0 when valid. */
/* A valid IPv4 packet of `total` bytes: IHL `ihl_words` (options are NOPs),
 * the given protocol and TTL, and a payload patterned from `seed`. */
static size_t make_ipv4(uint8_t *b, size_t total, unsigned ihl_words, uint8_t proto, uint8_t ttl,
			unsigned seed)
{
	size_t ihl = ihl_words * 4u;
	uint16_t c;

	cr_assert(total >= ihl && total <= 0xFFFF);
	memset(b, 0, ihl);
	b[0] = (uint8_t)(0x40 | ihl_words);
	b[1] = 0x2e;
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[4] = (uint8_t)(seed >> 8);
	b[5] = (uint8_t)seed;
	b[6] = 0x40; /* DF */
	b[8] = ttl;
	b[9] = proto;
	memcpy(b + 12, (const uint8_t[]){ 192, 0, 2, 1, 198, 51, 100, 7 }, 8);
	for (size_t i = 20; i < ihl; i++)
		b[i] = 0x01; /* NOP option */
	for (size_t i = ihl; i < total; i++)
		b[i] = (uint8_t)(seed + i * 31u + (i >> 8));
	c = ref_cksum(b, ihl);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	return total;
}

/* A valid IPv6 packet (for non-IP encapsulation, where the SDU is opaque). */
static size_t make_ipv6(uint8_t *b, size_t total, unsigned seed)
{
	cr_assert(total >= 40 && total - 40 <= 0xFFFF);
	memset(b, 0, 40);
	b[0] = 0x60;
	b[4] = (uint8_t)((total - 40) >> 8);
	b[5] = (uint8_t)(total - 40);
	b[6] = 17;
	b[7] = 64;
	b[8] = b[24] = 0x20; /* 2001::, 2001::1 */
	b[9] = b[25] = 0x01;
	b[39] = 1;
	for (size_t i = 40; i < total; i++)
		b[i] = (uint8_t)(seed * 7u + i * 13u + (i >> 8));
	return total;
}

/* A test SDU of `total` bytes suited to the method. */
static size_t make_sdu(enum gma_method m, uint8_t *b, size_t total, unsigned seed)
{
	if (m == GMA_METHOD_NONIP)
		return make_ipv6(b, total, seed);
	return make_ipv4(b, total, 5, 6, 57, seed);
}

static bool is_ip(enum gma_method m)
{
	return m != GMA_METHOD_NONIP;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* All fragments of one SDU, built and decoded. */
struct frags {
	struct gma_frag_plan plan;
	unsigned n;
	uint8_t pdu[GMA_FRAG_MAX][PDU_CAP];
	size_t len[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
};

static struct frags F, G;
static uint8_t sdu_buf[SDU_CAP], sdu2_buf[SDU_CAP], out_buf[SDU_CAP];

static struct gma_fields tmpl_sn(uint16_t flags, uint32_t flow_sn)
{
	return (struct gma_fields){ .flags = flags, .flow_sn = flow_sn, .timestamp = 0x0A0B0C0D,
				    .flow_id = 3, .delivery_sn = 0x9A, .conn_id = 0x21 };
}

/*
 * Plan, build and decode every fragment, and check what RFC 9188 5 says
 * each one carries: FC (MF on all but the last, FO = index), the same Flow
 * SN, and for the IP methods the SDU's IPv4 header (protocol 114, TTL 1,
 * the fragment's own length, a valid checksum) with Next Header and TTL
 * in the fields.
 */
static void fragment_all(enum gma_method m, const uint8_t *sdu, size_t sdu_len, size_t mtu,
			 size_t extra, const struct gma_fields *t, struct frags *fr)
{
	int rc = gma_frag_plan(m, sdu, sdu_len, mtu, extra, t->flags, &fr->plan);
	size_t ihl = is_ip(m) ? (size_t)(sdu[0] & 0x0F) * 4u : 0;
	size_t body = 0;

	cr_assert_eq(rc, 0, "%s: plan %d", mname[m], rc);
	cr_assert(fr->plan.n >= 2, "%s: %u fragments", mname[m], fr->plan.n);
	cr_assert(fr->plan.head_len == ihl && fr->plan.body_len == sdu_len - ihl);
	fr->n = fr->plan.n;
	for (unsigned i = 0; i < fr->n; i++) {
		struct gma_pdu *d = &fr->dec[i];
		uint8_t *p = fr->pdu[i];
		size_t off, len;

		rc = gma_frag_build(m, &fr->plan, i, t, sdu, sdu_len, p, PDU_CAP);
		cr_assert_gt(rc, 0, "%s: build %u: %d", mname[m], i, rc);
		fr->len[i] = (size_t)rc;
		cr_assert_leq(fr->len[i] + extra, mtu, "%s: fragment %u is %zu", mname[m], i,
			      fr->len[i]);
		rc = gma_decode(m, p, fr->len[i], d);
		cr_assert_eq(rc, 0, "%s: decode %u: %d", mname[m], i, rc);
		cr_assert_eq(d->f.flags & (GMA_F_FRAG | GMA_F_FLOW_SN | GMA_F_CONCAT),
			     GMA_F_FRAG | GMA_F_FLOW_SN);
		cr_assert_eq(d->f.fc, (i + 1 < fr->n ? GMA_FC_MF : 0u) | i, "%s: fc %#x at %u",
			     mname[m], d->f.fc, i);
		cr_assert_eq(d->f.flow_sn, t->flow_sn);
		cr_assert_eq(d->f.timestamp, t->flags & GMA_F_TIMESTAMP ? t->timestamp : 0u);
		cr_assert_eq(d->f.flow_id, t->flags & GMA_F_FLOW_ID ? t->flow_id : 0u);
		cr_assert_eq(d->f.conn_id, t->flags & GMA_F_CONN_ID ? t->conn_id : 0u);
		cr_assert_eq(d->f.delivery_sn, t->flags & GMA_F_DELIVERY_SN ? t->delivery_sn : 0u);
		gma_frag_span(&fr->plan, i, &off, &len);
		cr_assert_eq(off, body);
		cr_assert(d->data_len == len && len > 0);
		cr_assert_eq(memcmp(p + d->data_off, sdu + ihl + off, len), 0);
		body += len;
		if (is_ip(m)) {
			cr_assert(d->ip_len == ihl && p[9] == GMA_IPPROTO && p[8] == 1 &&
				  rd16(p + 2) == fr->len[i], "%s: IPv4 length/proto/TTL", mname[m]);
			cr_assert_eq(ref_cksum(p, ihl), 0, "%s: IPv4 checksum", mname[m]);
			/* Everything else of the header is the SDU's. */
			cr_assert_eq(memcmp(p + 4, sdu + 4, 4), 0);
			cr_assert_eq(memcmp(p + 12, sdu + 12, ihl - 12), 0);
			cr_assert(d->f.flags & GMA_F_TTL);
			cr_assert(d->f.next_header == sdu[9] && d->f.ttl == sdu[8]);
		} else {
			cr_assert(d->ip_len == 0 && !(d->f.flags & GMA_F_TTL));
		}
	}
	cr_assert_eq(body, sdu_len - ihl, "spans tile the body");
}

/* Reassembler memory from a small static ring: the way a caller without
 * malloc would give it, and nothing for LeakSanitizer to report. */
static struct gma_reasm *reasm_new(uint16_t slots, uint32_t max_bytes, uint32_t timeout_ms)
{
	static _Alignas(64) uint8_t arena[4][16384];
	static unsigned next;
	struct gma_reasm_cfg cfg = { .max_bytes = max_bytes, .timeout_ms = timeout_ms,
				     .slots = slots };
	size_t sz = gma_reasm_memsize(&cfg);
	struct gma_reasm *r;

	cr_assert_gt(sz, 0);
	cr_assert_leq(sz, sizeof(arena[0]));
	r = gma_reasm_init(arena[next++ % 4], sz, &cfg);
	cr_assert_not_null(r);
	return r;
}

static void held_is(const struct gma_reasm *r, unsigned n, uint32_t bytes)
{
	uint32_t b = 0xDEAD;
	unsigned h = gma_reasm_held(r, &b);

	cr_assert(h == n && b == bytes, "held %u/%u bytes, want %u/%u", h, b, n, bytes);
}

/* gma_reasm_copy() of the fragments, listed in done-handle order. */
static void copy_check(enum gma_method m, const struct frags *fr,
		       const struct gma_reasm_done *done, const uint8_t *sdu, size_t sdu_len)
{
	const uint8_t *pdus[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
	int rc;

	for (unsigned k = 0; k < done->n; k++) {
		unsigned idx = (unsigned)((const struct gma_pdu *)done->handles[k] - fr->dec);

		cr_assert_lt(idx, fr->n);
		pdus[k] = fr->pdu[idx];
		dec[k] = fr->dec[idx];
	}
	memset(out_buf, 0xEE, sizeof(out_buf));
	rc = gma_reasm_copy(m, pdus, dec, done->n, out_buf, sizeof(out_buf));
	cr_assert_eq(rc, (int)sdu_len, "%s: copy %d", mname[m], rc);
	cr_assert_eq(memcmp(out_buf, sdu, sdu_len), 0, "%s: reassembled bytes", mname[m]);
}

/* Offer fragment i to the reassembler, its handle being its decoded PDU. */
static int offer(struct gma_reasm *r, const struct frags *fr, unsigned i, uint64_t now,
		 struct gma_reasm_done *done)
{
	return gma_reasm_add(r, fr->dec[i].f.flow_sn, fr->dec[i].f.fc, (void *)&fr->dec[i],
			     (uint16_t)fr->len[i], now, done);
}

/* Offer the fragments in `order`; only the very last offer completes. */
static void reasm_order(enum gma_method m, const struct frags *fr, const unsigned *order,
			const uint8_t *sdu, size_t sdu_len)
{
	struct gma_reasm *r = reasm_new(4, 1u << 20, 1000);
	struct gma_reasm_done done;
	uint32_t total = 0;

	for (unsigned k = 0; k < fr->n; k++) {
		unsigned i = order[k];
		int rc = offer(r, fr, i, 10 + k, &done);

		total += (uint32_t)fr->len[i];
		if (k + 1 < fr->n) {
			cr_assert_eq(rc, GMA_REASM_HELD, "%s: add %u (fragment %u): %d", mname[m],
				     k, i, rc);
			held_is(r, k + 1, total);
		} else {
			cr_assert_eq(rc, GMA_REASM_COMPLETE, "%s: last add: %d", mname[m], rc);
		}
	}
	cr_assert(done.n == fr->n && done.flow_sn == fr->dec[0].f.flow_sn && done.bytes == total);
	for (unsigned k = 0; k < done.n; k++) {
		cr_assert_eq(done.handles[k], (void *)&fr->dec[k], "handle %u out of order", k);
		cr_assert_eq(done.lens[k], fr->len[k]);
	}
	held_is(r, 0, 0);
	cr_assert_eq(gma_reasm_stats(r)->completed, 1);
	cr_assert_eq(gma_reasm_stats(r)->fragments, fr->n);
	copy_check(m, fr, &done, sdu, sdu_len);
}

/* In order, reversed and three seeded shuffles. */
static void reasm_all_orders(enum gma_method m, const struct frags *fr, const uint8_t *sdu,
			     size_t sdu_len, uint32_t seed)
{
	unsigned order[GMA_FRAG_MAX];

	for (unsigned i = 0; i < fr->n; i++)
		order[i] = i;
	reasm_order(m, fr, order, sdu, sdu_len);
	for (unsigned i = 0; i < fr->n; i++)
		order[i] = fr->n - 1 - i;
	reasm_order(m, fr, order, sdu, sdu_len);
	rng_state = seed;
	for (int s = 0; s < 3; s++) {
		shuffle(order, fr->n);
		reasm_order(m, fr, order, sdu, sdu_len);
	}
}

static void add_ok(struct gma_reasm *r, uint32_t sn, uint8_t fc, void *h, uint16_t len,
		   uint64_t now, int want)
{
	struct gma_reasm_done done;
	int rc = gma_reasm_add(r, sn, fc, h, len, now, &done);

	cr_assert_eq(rc, want, "add sn %#x fc %#x: %d, want %d", sn, fc, rc, want);
}

#define H(x) ((void *)(uintptr_t)(x))

/* ---- planning ---------------------------------------------------------------- */

Test(frag, mtu_boundary_sdu, .description = "RFC 9188 5: PDU at MTU-1/MTU not fragmented, +1 is")
{
	const uint16_t flags = GMA_F_FLOW_SN | GMA_F_TIMESTAMP;

	for (unsigned k = 0; k < 3; k++) {
		enum gma_method m = methods[k];
		size_t extra = m == GMA_METHOD_NONIP ? 28 : 0, mtu = 1500;
		size_t room = mtu - extra, ovh = gma_overhead(m, flags);
		struct gma_fields t = tmpl_sn(flags, 77);
		struct gma_frag_plan p;
		uint8_t enc[PDU_CAP];

		for (int d = -1; d <= 1; d++) {
			size_t len = make_sdu(m, sdu_buf, (size_t)((long)(room - ovh) + d), 1);
			int rc = gma_frag_plan(m, sdu_buf, len, mtu, extra, flags, &p);

			cr_assert_eq(rc, 0);
			cr_assert_eq(p.n, d <= 0 ? 1 : 2, "%s d=%d n=%u", mname[m], d, p.n);
			if (d > 0)
				continue;
			cr_assert_eq(p.body_len, len - p.head_len);
			/* One PDU: exactly gma_encode(), no FC. */
			rc = gma_frag_build(m, &p, 0, &t, sdu_buf, len, F.pdu[0], PDU_CAP);
			cr_assert(rc == (int)(len + ovh) &&
				  (size_t)rc == (d == 0 ? room : room - 1));
			cr_assert_eq(gma_encode(m, &t, sdu_buf, len, enc, sizeof(enc)), rc);
			cr_assert_eq(memcmp(enc, F.pdu[0], (size_t)rc), 0);
		}

		/* One byte over: greedy, the first fragment is exactly the MTU. */
		fragment_all(m, sdu_buf, room - ovh + 1, mtu, extra, &t, &F);
		cr_assert_eq(F.n, 2);
		cr_assert_eq(F.len[0] + extra, mtu, "%s: first fragment %zu", mname[m], F.len[0]);
		cr_assert_eq(F.plan.chunk,
			     room - F.plan.head_len - gma_overhead(m, flags | GMA_F_FRAG));
		reasm_all_orders(m, &F, sdu_buf, room - ovh + 1, 11);
	}
}

Test(frag, limit_128, .description = "RFC 9188 5: at most 2^7 fragments, 128 OK, 129 rejected")
{
	const uint16_t flags = GMA_F_FLOW_SN | GMA_F_FLOW_ID;

	for (unsigned k = 0; k < 3; k++) {
		enum gma_method m = methods[k];
		size_t mtu = 120, extra = m == GMA_METHOD_NONIP ? 28 : 0;
		size_t head = is_ip(m) ? 20 : 0;
		size_t chunk = mtu - extra - head - gma_overhead(m, flags | GMA_F_FRAG);
		size_t len = head + 128 * chunk;
		struct gma_fields t = tmpl_sn(flags, 0x345678);
		struct gma_frag_plan p;

		make_sdu(m, sdu_buf, len, 3);
		fragment_all(m, sdu_buf, len, mtu, extra, &t, &F);
		cr_assert(F.n == 128 && F.plan.chunk == chunk);
		cr_assert_eq(F.dec[127].f.fc, 0x7F, "last fragment: MF 0, FO 127");
		for (unsigned i = 0; i < 128; i++)
			cr_assert_eq(F.len[i] + extra, mtu);
		reasm_all_orders(m, &F, sdu_buf, len, 128);

		make_sdu(m, sdu_buf, len + 1, 3);
		cr_assert_eq(gma_frag_plan(m, sdu_buf, len + 1, mtu, extra, flags, &p),
			     -GMA_ERR_FRAG_OFFSET, "%s: 129 fragments", mname[m]);
	}
}

/* SDU variants for the planning table. */
enum sdu_kind { V4, V6, V4_IHL4, V4_VER5, V4_LEN_OFF };

struct plan_case {
	enum gma_method m;
	enum sdu_kind kind;
	size_t len, mtu, extra;
	uint16_t flags;
	int rc;
	unsigned n;
};

/*
 * Overheads: trailer/header-IP with Flow SN = 3 + TTL 1 + SN 3 = 7 whole,
 * 8 with FC; non-IP = 2 + SN 3 = 5, 6 with FC; an IPv4 header is 20.
 */
static const struct plan_case plan_cases[] = {
	/* MTU = PDU + 1 / PDU / PDU - 1 for a fixed SDU */
	{ GMA_METHOD_TRAILER, V4, 1000, 1008, 0, GMA_F_FLOW_SN, 0, 1 },
	{ GMA_METHOD_TRAILER, V4, 1000, 1007, 0, GMA_F_FLOW_SN, 0, 1 },
	{ GMA_METHOD_TRAILER, V4, 1000, 1006, 0, GMA_F_FLOW_SN, 0, 2 },
	{ GMA_METHOD_HEADER_IP, V4, 1000, 1007, 0, GMA_F_FLOW_SN, 0, 1 },
	{ GMA_METHOD_HEADER_IP, V4, 1000, 1006, 0, GMA_F_FLOW_SN, 0, 2 },
	{ GMA_METHOD_NONIP, V6, 1000, 1014, 8, GMA_F_FLOW_SN, 0, 1 },
	{ GMA_METHOD_NONIP, V6, 1000, 1013, 8, GMA_F_FLOW_SN, 0, 1 },
	{ GMA_METHOD_NONIP, V6, 1000, 1012, 8, GMA_F_FLOW_SN, 0, 2 },
	/* FRAG among the caller's flags costs nothing for a whole SDU */
	{ GMA_METHOD_TRAILER, V4, 1000, 1007, 0, GMA_F_FLOW_SN | GMA_F_FRAG, 0, 1 },
	/* Not one body byte fits: IPv4 header + 8; extra eats the MTU */
	{ GMA_METHOD_TRAILER, V4, 100, 28, 0, 0, -GMA_ERR_MTU, 0 },
	{ GMA_METHOD_TRAILER, V4, 100, 29, 0, 0, 0, 80 },
	{ GMA_METHOD_TRAILER, V4, 100, 38, 10, 0, -GMA_ERR_MTU, 0 },
	{ GMA_METHOD_TRAILER, V4, 100, 39, 10, 0, 0, 80 },
	{ GMA_METHOD_TRAILER, V4, 100, 28, 28, 0, -GMA_ERR_MTU, 0 },
	{ GMA_METHOD_TRAILER, V4, 100, 10, 28, 0, -GMA_ERR_MTU, 0 },
	{ GMA_METHOD_NONIP, V6, 100, 34, 28, 0, -GMA_ERR_MTU, 0 },
	{ GMA_METHOD_NONIP, V6, 100, 35, 28, 0, 0, 100 },
	/* IP methods take consistent IPv4 SDUs only (RFC 9188 4.1, 4.2) */
	{ GMA_METHOD_TRAILER, V6, 200, 100, 0, 0, -GMA_ERR_IPV6_SDU, 0 },
	{ GMA_METHOD_HEADER_IP, V6, 200, 100, 0, 0, -GMA_ERR_IPV6_SDU, 0 },
	{ GMA_METHOD_TRAILER, V4_IHL4, 200, 100, 0, 0, -GMA_ERR_IP_HDR, 0 },
	{ GMA_METHOD_HEADER_IP, V4_VER5, 200, 100, 0, 0, -GMA_ERR_IP_HDR, 0 },
	{ GMA_METHOD_TRAILER, V4_LEN_OFF, 200, 100, 0, 0, -GMA_ERR_IP_LEN, 0 },
	{ GMA_METHOD_HEADER_IP, V4, 10, 100, 0, 0, -GMA_ERR_TRUNCATED, 0 },
	{ GMA_METHOD_NONIP, V4, 0, 100, 0, 0, -GMA_ERR_TRUNCATED, 0 },
	/* Non-IP splits whatever the SDU is */
	{ GMA_METHOD_NONIP, V4_VER5, 200, 100, 0, 0, 0, 3 },
};

Test(frag, plan_table, .description = "RFC 9188 5: MTU -1/exact/+1, too small, bad SDUs")
{
	struct gma_frag_plan p;

	for (unsigned c = 0; c < sizeof(plan_cases) / sizeof(plan_cases[0]); c++) {
		const struct plan_case *pc = &plan_cases[c];
		int rc;

		memset(sdu_buf, 0, 64);
		if (pc->kind == V6)
			make_ipv6(sdu_buf, pc->len, c);
		else if (pc->len >= 20)
			make_ipv4(sdu_buf, pc->len, 5, 17, 64, c);
		else
			sdu_buf[0] = 0x45;
		if (pc->kind == V4_IHL4)
			sdu_buf[0] = 0x44;
		if (pc->kind == V4_VER5)
			sdu_buf[0] = 0x55;
		if (pc->kind == V4_LEN_OFF)
			sdu_buf[3]++;
		rc = gma_frag_plan(pc->m, sdu_buf, pc->len, pc->mtu, pc->extra, pc->flags, &p);
		cr_assert_eq(rc, pc->rc, "case %u: rc %d, want %d", c, rc, pc->rc);
		if (rc == 0)
			cr_assert_eq(p.n, pc->n, "case %u: n %u, want %u", c, p.n, pc->n);
	}
	cr_assert_eq(gma_frag_plan(GMA_METHOD_NONIP, NULL, 10, 100, 0, 0, &p), -GMA_ERR_INVAL);
	cr_assert_eq(gma_frag_plan((enum gma_method)3, sdu_buf, 10, 100, 0, 0, &p),
		     -GMA_ERR_INVAL);
}

Test(frag, build_errors, .description = "RFC 9188 5: build refuses bad indexes, plans, buffers")
{
	struct gma_fields t = tmpl_sn(GMA_F_FLOW_SN, 1);
	struct gma_frag_plan p, q;
	size_t len = make_ipv4(sdu_buf, 600, 5, 17, 64, 6);
	uint8_t out[PDU_CAP];
#define BUILD(m, pl, i, l, cap) gma_frag_build(m, pl, i, &t, sdu_buf, l, out, cap)

	cr_assert_eq(gma_frag_plan(GMA_METHOD_TRAILER, sdu_buf, len, 250, 0, t.flags, &p), 0);
	cr_assert_eq(p.n, 3);
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 3, len, sizeof(out)), -GMA_ERR_INVAL);
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 0, len - 1, sizeof(out)), -GMA_ERR_INVAL);
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 0, len, sizeof(out)), 250);
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 0, len, 250), 250);
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 0, len, 249), -GMA_ERR_NOSPACE);
	cr_assert_eq(BUILD(GMA_METHOD_HEADER_IP, &p, 0, len, 249), -GMA_ERR_NOSPACE);
	cr_assert_eq(BUILD(GMA_METHOD_NONIP, &p, 0, len, sizeof(out)), -GMA_ERR_INVAL,
		     "an IP plan's head is not a non-IP plan's");
	/* Plans that do not describe this SDU. */
	q = p;
	q.chunk = 10;
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &q, 0, len, sizeof(out)), -GMA_ERR_INVAL);
	q = p;
	q.n = 129;
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &q, 0, len, sizeof(out)), -GMA_ERR_INVAL);
	q = p;
	q.head_len = 0;
	q.body_len = (uint16_t)len;
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &q, 0, len, sizeof(out)), -GMA_ERR_INVAL);
	/* Every fragment has a Flow SN: beyond 24 bits it is a bug, as in gma_encode(). */
	t.flow_sn = 0x1000000;
	t.flags = 0;
	cr_assert_eq(BUILD(GMA_METHOD_TRAILER, &p, 1, len, sizeof(out)), -GMA_ERR_INVAL);
	t.flow_sn = 1;
	/* Non-IP carries no TTL: the codec refuses it. */
	cr_assert_eq(gma_frag_plan(GMA_METHOD_NONIP, sdu_buf, len, 250, 0, t.flags, &p), 0);
	t.flags |= GMA_F_TTL;
	cr_assert_eq(BUILD(GMA_METHOD_NONIP, &p, 0, len, sizeof(out)), -GMA_ERR_NONIP_FIELD);
#undef BUILD
}

Test(frag, random_roundtrip, .description = "RFC 9188 5: random sizes/MTUs/flags/IHLs round-trip")
{
	/* CONCAT too: a fragment drops it (RFC 9188 6). */
	static const uint16_t opt[] = { GMA_F_CHECKSUM, GMA_F_CONCAT, GMA_F_CONN_ID,
					GMA_F_FLOW_ID, GMA_F_DELIVERY_SN, GMA_F_FLOW_SN,
					GMA_F_TIMESTAMP, GMA_F_TTL };
	unsigned fragmented = 0;

	for (unsigned iter = 0; iter < 400; iter++) {
		size_t len, mtu, extra, room, need, head = 0;
		uint16_t flags = 0;
		struct gma_fields t;
		struct gma_frag_plan p;
		enum gma_method m;
		int rc;

		rng_state = 0x9E3779B9u ^ (iter * 2654435761u);
		m = methods[rng() % 3];
		len = 60 + rng() % 6000;
		if (is_ip(m)) {
			head = 4 * (5 + (rng() % 4 ? 0 : rng() % 11)); /* options repeated too */
			make_ipv4(sdu_buf, len, (unsigned)head / 4, 17, (uint8_t)rng(), iter);
		} else {
			make_ipv6(sdu_buf, len, iter);
		}
		mtu = 48 + rng() % 1500;
		extra = rng() % 40;
		for (unsigned b = 0; b < sizeof(opt) / sizeof(opt[0]); b++)
			flags |= rng() & 1 ? opt[b] : 0;
		if (!is_ip(m))
			flags &= (uint16_t)~(GMA_F_TTL | GMA_F_CONCAT);
		t = tmpl_sn(flags, rng() & SN_MASK);
		rc = gma_frag_plan(m, sdu_buf, len, mtu, extra, flags, &p);
		room = mtu > extra ? mtu - extra : 0;
		need = head + gma_overhead(m, (flags & ~GMA_F_CONCAT) | GMA_F_FRAG | GMA_F_FLOW_SN);
		if (rc == -GMA_ERR_MTU || rc == -GMA_ERR_FRAG_OFFSET) {
			cr_assert(rc == -GMA_ERR_MTU ? room <= need
						      : len - head > 128 * (room - need),
				  "iter %u: %d", iter, rc);
			continue;
		}
		cr_assert_eq(rc, 0, "iter %u: %d", iter, rc);
		cr_assert_eq(p.n == 1, len + gma_overhead(m, flags) <= room, "iter %u", iter);
		if (p.n == 1)
			continue;
		fragmented++;
		fragment_all(m, sdu_buf, len, mtu, extra, &t, &F);
		for (unsigned i = 0; i + 1 < F.n; i++)
			cr_assert_eq(F.len[i], room, "greedy: all but the last are full");
		reasm_all_orders(m, &F, sdu_buf, len, iter);
	}
	cr_assert_gt(fragmented, 100);
}

/* ---- reassembly ---------------------------------------------------------------- */

Test(reasm, init_cfg, .description = "RFC 9188 5: reassembly bounds are configured, checked")
{
	struct gma_reasm_cfg ok = { .max_bytes = 4096, .timeout_ms = 50, .slots = 64 };
	struct gma_reasm_cfg bad[] = { { 4096, 50, 0 }, { 4096, 50, 65 }, { 4096, 0, 4 },
				       { 0, 50, 4 } }; /* max_bytes, timeout_ms, slots */
	size_t sz = gma_reasm_memsize(&ok);
	uint8_t *mem = malloc(sz + 1);
	struct gma_reasm *r;

	cr_assert_gt(sz, 64 * GMA_FRAG_MAX * sizeof(void *));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(gma_reasm_memsize(&bad[i]), 0);
		cr_assert_null(gma_reasm_init(mem, sz, &bad[i]));
	}
	cr_assert_eq(gma_reasm_memsize(NULL), 0);
	cr_assert(!gma_reasm_init(mem, sz - 1, &ok) && !gma_reasm_init(NULL, sz, &ok) &&
		  !gma_reasm_init(mem, sz, NULL));
	/* Unaligned memory of memsize bytes is enough. */
	memset(mem, 0xA5, sz + 1);
	r = gma_reasm_init(mem + 1, sz, &ok);
	cr_assert_not_null(r);
	held_is(r, 0, 0);
	cr_assert_eq(gma_reasm_stats(r)->fragments, 0);
	add_ok(r, 1, GMA_FC_MF | 0, H(1), 10, 0, GMA_REASM_HELD);
	add_ok(r, 1, 1, H(2), 10, 0, GMA_REASM_COMPLETE);
	free(mem);
}

Test(reasm, partial_never_released, .description = "RFC 9188 5: complete only with MF=0 + all")
{
	struct gma_reasm *r = reasm_new(2, 100000, 100);
	struct gma_reasm_done done;
	void *out[8];

	/* 0, 1, 3, 4(last): the hole at 2 keeps it partial. */
	add_ok(r, 9, GMA_FC_MF | 0, H(10), 100, 1000, GMA_REASM_HELD);
	add_ok(r, 9, GMA_FC_MF | 1, H(11), 100, 1001, GMA_REASM_HELD);
	add_ok(r, 9, 4, H(14), 50, 1002, GMA_REASM_HELD);
	add_ok(r, 9, GMA_FC_MF | 3, H(13), 100, 1003, GMA_REASM_HELD);
	held_is(r, 4, 350);
	cr_assert_eq(gma_reasm_expire(r, 1099, out, 8), 0);
	held_is(r, 4, 350);
	cr_assert_eq(gma_reasm_stats(r)->completed, 0);
	/* Only "more fragments" pieces: never complete either. */
	add_ok(r, 10, GMA_FC_MF | 1, H(21), 10, 1000, GMA_REASM_HELD);
	add_ok(r, 10, GMA_FC_MF | 0, H(20), 10, 1000, GMA_REASM_HELD);
	add_ok(r, 10, GMA_FC_MF | 2, H(22), 10, 1000, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_add(r, 9, GMA_FC_MF | 2, H(12), 100, 1050, &done),
		     GMA_REASM_COMPLETE);
	cr_assert(done.n == 5 && done.flow_sn == 9 && done.bytes == 450 && done.lens[4] == 50);
	for (unsigned i = 0; i < 5; i++)
		cr_assert_eq(done.handles[i], H(10 + i));
	held_is(r, 3, 30);
}

Test(reasm, timeout, .description = "RFC 9188 5 (timer unspecified): expiry counted lost")
{
	struct gma_reasm *r = reasm_new(4, 100000, 100);
	void *out[8];

	add_ok(r, 7, GMA_FC_MF | 0, H(70), 100, 1000, GMA_REASM_HELD);
	add_ok(r, 7, 2, H(72), 30, 1040, GMA_REASM_HELD);
	add_ok(r, 8, GMA_FC_MF | 1, H(81), 100, 1050, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_expire(r, 1099, out, 8), 0);
	cr_assert_eq(gma_reasm_stats(r)->lost_timeout, 0);
	/* Age counts from the first fragment, not the latest. */
	cr_assert_eq(gma_reasm_expire(r, 1100, out, 8), 2);
	cr_assert(out[0] == H(70) && out[1] == H(72));
	cr_assert_eq(gma_reasm_stats(r)->lost_timeout, 1);
	held_is(r, 1, 100);
	/* A late piece of the lost SDU starts over and cannot complete it. */
	add_ok(r, 7, GMA_FC_MF | 1, H(71), 100, 1101, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_expire(r, 1149, out, 8), 0);
	cr_assert_eq(gma_reasm_expire(r, 1150, out, 8), 1);
	cr_assert_eq(out[0], H(81));
	/* A clock that goes back expires nothing. */
	cr_assert_eq(gma_reasm_expire(r, 5, out, 8), 0);
	cr_assert_eq(gma_reasm_expire(r, 1201, out, 8), 1);
	cr_assert_eq(out[0], H(71));
	cr_assert_eq(gma_reasm_stats(r)->lost_timeout, 3);
	cr_assert_eq(gma_reasm_stats(r)->completed, 0);
	held_is(r, 0, 0);
}

Test(reasm, timeout_small_out, .description = "RFC 9188 5: expiry drained over several calls")
{
	struct gma_reasm *r = reasm_new(2, 100000, 10);
	void *out[2];
	unsigned seen = 0;

	for (unsigned i = 0; i < 5; i++)
		add_ok(r, 0xFFFFFF, (uint8_t)(GMA_FC_MF | i), H(100 + i), 10, 0, GMA_REASM_HELD);
	/* out[] takes two: 2 + 2 + 1 handles, in offset order, one SDU lost. */
	for (unsigned call = 0; call < 3; call++) {
		unsigned w = gma_reasm_expire(r, 10, out, 2);

		cr_assert_eq(w, call < 2 ? 2u : 1u);
		for (unsigned k = 0; k < w; k++)
			cr_assert_eq(out[k], H(100 + seen++));
		if (call == 0) {
			/* Mid-drain the SN is lost: new fragments go to a fresh slot. */
			add_ok(r, 0xFFFFFF, 5, H(200), 10, 10, GMA_REASM_HELD);
			held_is(r, 4, 40);
		}
	}
	cr_assert_eq(gma_reasm_stats(r)->lost_timeout, 1);
	held_is(r, 1, 10);
	cr_assert_eq(gma_reasm_expire(r, 19, out, 0), 0);
	cr_assert_eq(gma_reasm_expire(r, 20, out, 2), 1);
	cr_assert_eq(out[0], H(200));
}

Test(reasm, byte_bound, .description = "RFC 9188 5 (buffer limits unspecified): byte bound")
{
	struct gma_reasm *r = reasm_new(4, 1000, 100);

	add_ok(r, 1, GMA_FC_MF | 0, H(1), 400, 0, GMA_REASM_HELD);
	add_ok(r, 2, GMA_FC_MF | 0, H(2), 400, 0, GMA_REASM_HELD);
	add_ok(r, 1, 1, H(3), 201, 0, -GMA_ERR_NOSPACE);
	add_ok(r, 3, GMA_FC_MF | 0, H(4), 201, 0, -GMA_ERR_NOSPACE);
	cr_assert_eq(gma_reasm_stats(r)->over_bytes, 2);
	held_is(r, 2, 800);
	/* Exactly at the bound is accepted (and here completes SN 1). */
	add_ok(r, 1, 1, H(3), 200, 0, GMA_REASM_COMPLETE);
	held_is(r, 1, 400);
	add_ok(r, 3, GMA_FC_MF | 0, H(4), 600, 0, GMA_REASM_HELD);
	add_ok(r, 3, GMA_FC_MF | 1, H(5), 1, 0, -GMA_ERR_NOSPACE);
	cr_assert_eq(gma_reasm_stats(r)->over_bytes, 3);
	cr_assert_eq(gma_reasm_stats(r)->fragments, 4);
}

Test(reasm, slot_bound, .description = "RFC 9188 5: SDUs in progress per flow are bounded")
{
	struct gma_reasm *r = reasm_new(2, 100000, 100);

	add_ok(r, 10, GMA_FC_MF | 0, H(1), 10, 0, GMA_REASM_HELD);
	add_ok(r, 11, GMA_FC_MF | 0, H(2), 10, 0, GMA_REASM_HELD);
	add_ok(r, 12, GMA_FC_MF | 0, H(3), 10, 0, -GMA_ERR_NOSPACE);
	cr_assert_eq(gma_reasm_stats(r)->no_slot, 1);
	held_is(r, 2, 20);
	/* SNs already in progress still get their fragments. */
	add_ok(r, 11, GMA_FC_MF | 1, H(4), 10, 0, GMA_REASM_HELD);
	add_ok(r, 10, 1, H(5), 10, 0, GMA_REASM_COMPLETE);
	add_ok(r, 12, GMA_FC_MF | 0, H(3), 10, 0, GMA_REASM_HELD);
	add_ok(r, 13, 1, H(6), 10, 0, -GMA_ERR_NOSPACE);
	cr_assert_eq(gma_reasm_stats(r)->no_slot, 2);
}

Test(reasm, duplicate, .description = "RFC 9188 5: a fragment held twice is refused")
{
	struct gma_reasm *r = reasm_new(2, 100000, 100);
	struct gma_reasm_done done;

	add_ok(r, 5, GMA_FC_MF | 0, H(1), 10, 0, GMA_REASM_HELD);
	add_ok(r, 5, GMA_FC_MF | 0, H(9), 10, 0, -GMA_ERR_INVAL);
	add_ok(r, 5, 2, H(3), 10, 0, GMA_REASM_HELD);
	add_ok(r, 5, 2, H(9), 10, 0, -GMA_ERR_INVAL);
	cr_assert_eq(gma_reasm_stats(r)->dup_fragment, 2);
	held_is(r, 2, 20);
	cr_assert_eq(gma_reasm_add(r, 5, GMA_FC_MF | 1, H(2), 10, 0, &done), GMA_REASM_COMPLETE);
	cr_assert(done.n == 3 && done.handles[0] == H(1) && done.handles[1] == H(2) &&
		  done.handles[2] == H(3), "the first copy of a duplicate is kept");
	/* Once complete the SN is free: the same offset starts a new SDU. */
	add_ok(r, 5, GMA_FC_MF | 0, H(9), 10, 0, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_stats(r)->dup_fragment, 2);
}

Test(reasm, bad_fragment, .description = "RFC 9188 5: inconsistent FC refused, SDU still whole")
{
	struct gma_reasm *r = reasm_new(4, 100000, 100);
	struct gma_reasm_done done;
	const struct gma_reasm_stats *st = gma_reasm_stats(r);

	/* MF at offset 127 would announce a 129th fragment. */
	add_ok(r, 1, GMA_FC_MF | 127, H(1), 10, 0, -GMA_ERR_FRAG_OFFSET);
	cr_assert_eq(st->bad_fragment, 1);
	held_is(r, 0, 0);
	/* FC 0 is a whole SDU, not a fragment: no counter. */
	add_ok(r, 1, 0, H(1), 10, 0, -GMA_ERR_INVAL);
	cr_assert_eq(st->bad_fragment + st->dup_fragment, 1);

	/* SN 2: the last fragment (offset 2) is known. */
	add_ok(r, 2, 2, H(22), 10, 0, GMA_REASM_HELD);
	add_ok(r, 2, GMA_FC_MF | 3, H(99), 10, 0, -GMA_ERR_FRAG_OFFSET); /* past the end */
	add_ok(r, 2, 3, H(99), 10, 0, -GMA_ERR_FRAG_OFFSET);             /* a second end */
	add_ok(r, 2, 1, H(99), 10, 0, -GMA_ERR_FRAG_OFFSET);             /* an earlier end */
	cr_assert_eq(st->bad_fragment, 4);
	add_ok(r, 2, GMA_FC_MF | 0, H(20), 10, 0, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_add(r, 2, GMA_FC_MF | 1, H(21), 10, 0, &done), GMA_REASM_COMPLETE);
	cr_assert(done.n == 3 && done.handles[2] == H(22));

	/* SN 3: pieces up to 5 held, then an end at 3 contradicts them. */
	for (unsigned i = 0; i <= 5; i += 5)
		add_ok(r, 3, (uint8_t)(GMA_FC_MF | i), H(30 + i), 10, 0, GMA_REASM_HELD);
	add_ok(r, 3, 3, H(99), 10, 0, -GMA_ERR_FRAG_OFFSET);
	add_ok(r, 3, 127, H(99), 10, 0, GMA_REASM_HELD); /* an end at 127 is fine */
	cr_assert_eq(st->bad_fragment, 5);
	held_is(r, 3, 30);
	cr_assert_eq(st->completed, 1);
}

Test(reasm, flow_sn_wrap, .description = "RFC 9188 5: Flow SN 2^24-1 and 0 kept apart")
{
	struct gma_fields t1 = tmpl_sn(GMA_F_FLOW_SN, 0xFFFFFF), t2 = tmpl_sn(0, 0);
	struct gma_reasm *r = reasm_new(2, 1u << 20, 100);
	struct gma_reasm_done done;
	size_t l1 = make_ipv4(sdu_buf, 900, 5, 17, 64, 21);
	size_t l2 = make_ipv4(sdu2_buf, 700, 5, 6, 9, 22);

	fragment_all(GMA_METHOD_TRAILER, sdu_buf, l1, 300, 0, &t1, &F);
	fragment_all(GMA_METHOD_TRAILER, sdu2_buf, l2, 300, 0, &t2, &G);
	cr_assert(F.n == 4 && G.n == 3);
	cr_assert(F.dec[0].f.flow_sn == 0xFFFFFF && G.dec[0].f.flow_sn == 0);
	/* Interleaved, F forwards and G backwards: G completes first. */
	for (unsigned k = 0; k < 3; k++) {
		cr_assert_eq(offer(r, &F, k, 0, &done), GMA_REASM_HELD);
		cr_assert_eq(offer(r, &G, 2 - k, 0, &done),
			     k < 2 ? GMA_REASM_HELD : GMA_REASM_COMPLETE);
	}
	cr_assert_eq(done.flow_sn, 0);
	copy_check(GMA_METHOD_TRAILER, &G, &done, sdu2_buf, l2);
	cr_assert_eq(offer(r, &F, 3, 0, &done), GMA_REASM_COMPLETE);
	cr_assert_eq(done.flow_sn, 0xFFFFFF);
	copy_check(GMA_METHOD_TRAILER, &F, &done, sdu_buf, l1);
	/* The reassembler keys on 24 bits too. */
	add_ok(r, 0x1000005, GMA_FC_MF | 0, H(1), 10, 0, GMA_REASM_HELD);
	cr_assert_eq(gma_reasm_add(r, 5, 1, H(2), 10, 0, &done), GMA_REASM_COMPLETE);
	cr_assert_eq(done.flow_sn, 5);
}

Test(reasm, copy_errors, .description = "RFC 9188 5: gma_reasm_copy wants offsets 0..n-1")
{
	struct gma_fields t = tmpl_sn(GMA_F_FLOW_SN, 3);
	size_t len = make_ipv4(sdu_buf, 1000, 5, 17, 64, 31);
	const uint8_t *pdus[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
#define COPY(m, n, cap) gma_reasm_copy(m, pdus, dec, n, out_buf, cap)

	fragment_all(GMA_METHOD_HEADER_IP, sdu_buf, len, 400, 0, &t, &F);
	cr_assert_eq(F.n, 3);
	for (unsigned i = 0; i < F.n; i++) {
		pdus[i] = F.pdu[i];
		dec[i] = F.dec[i];
	}
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 3, len), (int)len);
	cr_assert_eq(memcmp(out_buf, sdu_buf, len), 0);
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 3, len - 1), -GMA_ERR_NOSPACE);
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 2, len), -GMA_ERR_FRAG_OFFSET, "no last fragment");
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 1, len), -GMA_ERR_INVAL);
	cr_assert_eq(COPY(GMA_METHOD_NONIP, 3, len), -GMA_ERR_INVAL, "IP fragments as non-IP");
	dec[1] = F.dec[2];
	pdus[1] = F.pdu[2];
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 3, len), -GMA_ERR_FRAG_OFFSET);
	dec[1] = F.dec[1];
	pdus[1] = F.pdu[1];
	dec[2].f.flow_sn = 4;
	cr_assert_eq(COPY(GMA_METHOD_HEADER_IP, 3, len), -GMA_ERR_INVAL, "Flow SNs differ");
#undef COPY
}
