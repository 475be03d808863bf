/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MX control PDU codec (shared/mx_ctrl.c): golden byte vectors written by
 * hand from draft-zhu-intarea-mams-user-protocol-09 5.1-5.3 ("UP-09") and
 * RFC 8743 8.6.2-8.6.3, round trips of every kind in both dialects, every
 * rejection reason, and a byte-map test: each golden vector names the field
 * every byte belongs to, and changing that byte must change exactly that
 * field, so a codec reading a field one byte off or in the wrong byte order
 * fails.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "mx_ctrl.h"

#define BUF_MAX (16u + MX_CTRL_MAX_PAD + 16u)

/*
 * Byte map characters: T type, C CID, S/s SN or AckNum high/low, F flags,
 * R a valid R-CID, 0-3 timestamp bytes (0 = most significant), P padding
 * (ignored), I an ignored R-CID byte (UP-09, ACK flag clear), X an R-CID of
 * all ones (UP-09: "same path").
 */
struct golden {
	const char *section;
	enum mx_dialect d;
	const uint8_t *bytes;
	size_t len;
	struct mx_ctrl_pdu pdu; /* the decoded value */
	const char *map;
	bool canonical; /* encode(pdu) gives these bytes back */
};

/* UP-09 5.1: Keep-Alive, CID 0x21 (anchor 2, delivery 1), SN 0x1234,
 * timestamp 0x89abcdef. */
static const uint8_t up09_ka[] = {
	0x00, 0x21, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef,
};

/* UP-09 5.2: Probe, SN 0xbeef, ACK expected + active phase, R-CID 0x13,
 * timestamp 0x01020304, 3 bytes of padding. */
static const uint8_t up09_probe_rcid[] = {
	0x01, 0x12, 0xbe, 0xef, 0x03, 0x13, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00,
};

/* UP-09 5.2: Probe with R-CID all ones: the ACK goes on the same path. */
static const uint8_t up09_probe_same[] = {
	0x01, 0x12, 0x00, 0x01, 0x01, 0xff, 0x00, 0x00, 0x00, 0x64,
};

/* UP-09 5.2: Probe without the ACK flag: the R-CID byte (0x05) is not valid
 * and is ignored; 1 byte of (non-zero) padding. */
static const uint8_t up09_probe_noack[] = {
	0x01, 0x12, 0x00, 0x02, 0x02, 0x05, 0x00, 0x00, 0x00, 0x00, 0x5a,
};

/* UP-09 5.2: reserved flag bits 2-7 all set: kept in `flags`. */
static const uint8_t up09_probe_rsvd[] = {
	0x01, 0x40, 0xff, 0xfe, 0xfd, 0x07, 0xff, 0xff, 0xff, 0xfe,
};

/* UP-09 5.3: ACK of SN 0xbeef, timestamp 12345. */
static const uint8_t up09_ack[] = {
	0x02, 0x31, 0xbe, 0xef, 0x00, 0x00, 0x30, 0x39,
};

/* RFC 8743 8.6.2: Keep-Alive on CID 3, SN 0xabcd ("2 bytes long"). */
static const uint8_t r8743_ka[] = {
	0x00, 0x03, 0xab, 0xcd,
};

/* RFC 8743 8.6.3: Probe-REQ SN 7, ACK expected, no R-CID, 2 bytes padding. */
static const uint8_t r8743_req[] = {
	0x01, 0x02, 0x00, 0x07, 0x01, 0x00, 0x00,
};

/* RFC 8743 8.6.3: Probe-REQ SN 8, flags bits 0+1+2, R-CID 5, no padding. */
static const uint8_t r8743_req_rcid[] = {
	0x01, 0x02, 0x00, 0x08, 0x07, 0x05,
};

/* RFC 8743 8.6.3: the smallest Probe-REQ: SN and flags (active, no ACK). */
static const uint8_t r8743_req_min[] = {
	0x01, 0x04, 0x12, 0x34, 0x02,
};

/* RFC 8743 8.6.3: bit 2 without bit 0 (a SHOULD violation): no R-CID, the
 * byte after the flags is padding and bit 2 is dropped from `flags`. */
static const uint8_t r8743_req_bit2[] = {
	0x01, 0x04, 0x00, 0x01, 0x06, 0x09,
};

/* RFC 8743 8.6.3: reserved bits 3-7 set with ACK expected: kept. */
static const uint8_t r8743_req_rsvd[] = {
	0x01, 0x04, 0x00, 0x02, 0xf9, 0x00,
};

/* RFC 8743 8.6.3: Probe-ACK of SN 7, same type as the REQ, 2-byte body. */
static const uint8_t r8743_ack[] = {
	0x01, 0x05, 0x00, 0x07,
};

#define G(sec, dia, arr, m, canon, ...)                                                  \
	{                                                                                \
		.section = (sec), .d = (dia), .bytes = (arr), .len = sizeof(arr),        \
		.pdu = { __VA_ARGS__ }, .map = (m), .canonical = (canon),                \
	}

static const struct golden goldens[] = {
	G("UP-09 5.1", MX_DIALECT_UP09, up09_ka, "TCSs0123", true,
	  .kind = MX_CTRL_KEEPALIVE, .cid = 0x21, .sn = 0x1234, .timestamp = 0x89abcdefu),
	G("UP-09 5.2", MX_DIALECT_UP09, up09_probe_rcid, "TCSsFR0123PPP", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x12, .sn = 0xbeef,
	  .flags = MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, .has_rcid = true, .rcid = 0x13,
	  .timestamp = 0x01020304u, .pad_len = 3),
	G("UP-09 5.2", MX_DIALECT_UP09, up09_probe_same, "TCSsFX0123", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x12, .sn = 1, .flags = MX_PROBE_F_ACK,
	  .timestamp = 100),
	G("UP-09 5.2", MX_DIALECT_UP09, up09_probe_noack, "TCSsFI0123P", false,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x12, .sn = 2, .flags = MX_PROBE_F_ACTIVE,
	  .pad_len = 1),
	G("UP-09 5.2", MX_DIALECT_UP09, up09_probe_rsvd, "TCSsFR0123", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x40, .sn = 0xfffe, .flags = 0xfd,
	  .has_rcid = true, .rcid = 0x07, .timestamp = 0xfffffffeu),
	G("UP-09 5.3", MX_DIALECT_UP09, up09_ack, "TCSs0123", true,
	  .kind = MX_CTRL_PROBE_ACK, .cid = 0x31, .sn = 0xbeef, .timestamp = 12345),
	G("RFC 8743 8.6.2", MX_DIALECT_RFC8743, r8743_ka, "TCSs", true,
	  .kind = MX_CTRL_KEEPALIVE, .cid = 0x03, .sn = 0xabcd),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_req, "TCSsFPP", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x02, .sn = 7, .flags = MX_PROBE_F_ACK,
	  .pad_len = 2),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_req_rcid, "TCSsFR", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x02, .sn = 8,
	  .flags = MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE | MX_PROBE_F_RCID, .has_rcid = true,
	  .rcid = 0x05),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_req_min, "TCSsF", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x04, .sn = 0x1234, .flags = MX_PROBE_F_ACTIVE),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_req_bit2, "TCSsFP", false,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x04, .sn = 1, .flags = MX_PROBE_F_ACTIVE,
	  .pad_len = 1),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_req_rsvd, "TCSsFP", true,
	  .kind = MX_CTRL_PROBE_REQ, .cid = 0x04, .sn = 2, .flags = 0xf9, .pad_len = 1),
	G("RFC 8743 8.6.3", MX_DIALECT_RFC8743, r8743_ack, "TCSs", true,
	  .kind = MX_CTRL_PROBE_ACK, .cid = 0x05, .sn = 7),
};

#define N_GOLDENS (sizeof(goldens) / sizeof(goldens[0]))

static bool pdu_eq(const struct mx_ctrl_pdu *a, const struct mx_ctrl_pdu *b)
{
	return a->kind == b->kind && a->cid == b->cid && a->sn == b->sn &&
	       a->flags == b->flags && a->has_rcid == b->has_rcid && a->rcid == b->rcid &&
	       a->timestamp == b->timestamp && a->pad_len == b->pad_len;
}

static void pdu_str(const struct mx_ctrl_pdu *p, char *s, size_t n)
{
	snprintf(s, n,
		 "{kind %d cid 0x%02x sn 0x%04x flags 0x%02x has_rcid %d rcid 0x%02x ts 0x%08x pad %u}",
		 (int)p->kind, p->cid, p->sn, p->flags, (int)p->has_rcid, p->rcid,
		 (unsigned)p->timestamp, (unsigned)p->pad_len);
}

static void assert_pdu_eq(const struct mx_ctrl_pdu *got, const struct mx_ctrl_pdu *want,
			  const char *what)
{
	char g[160], w[160];

	pdu_str(got, g, sizeof(g));
	pdu_str(want, w, sizeof(w));
	cr_assert(pdu_eq(got, want), "%s: got %s, want %s", what, g, w);
}

/* ---- Golden vectors ------------------------------------------------------ */

Test(mx_ctrl_golden, decode, .description = "UP-09 5.1-5.3, RFC 8743 8.6.2-8.6.3: decode")
{
	for (size_t i = 0; i < N_GOLDENS; i++) {
		const struct golden *g = &goldens[i];
		struct mx_ctrl_pdu p;
		char what[64];

		cr_assert_eq(strlen(g->map), g->len, "%s #%zu: map length", g->section, i);
		snprintf(what, sizeof(what), "%s vector #%zu", g->section, i);
		cr_assert_eq(mx_ctrl_decode(g->d, g->bytes, g->len, &p), 0, "%s: decode", what);
		assert_pdu_eq(&p, &g->pdu, what);
	}
}

Test(mx_ctrl_golden, encode, .description = "UP-09 5.1-5.3, RFC 8743 8.6.2-8.6.3: encode")
{
	for (size_t i = 0; i < N_GOLDENS; i++) {
		const struct golden *g = &goldens[i];
		uint8_t buf[BUF_MAX];
		int n;

		if (!g->canonical)
			continue;
		memset(buf, 0xa5, sizeof(buf));
		n = mx_ctrl_encode(g->d, &g->pdu, buf, sizeof(buf));
		cr_assert_eq(n, (int)g->len, "%s #%zu: length %d, want %zu", g->section, i, n,
			     g->len);
		cr_assert_arr_eq(buf, g->bytes, g->len, "%s #%zu: bytes", g->section, i);
		/* Exactly the cap needed is enough. */
		n = mx_ctrl_encode(g->d, &g->pdu, buf, g->len);
		cr_assert_eq(n, (int)g->len, "%s #%zu: exact cap", g->section, i);
	}
}

/* The non-canonical vectors come out in their canonical form. */
Test(mx_ctrl_golden, encode_canonical_forms)
{
	static const uint8_t up09_noack_out[] = {
		/* UP-09 5.2: R-CID not valid -> sent as all ones, padding zero */
		0x01, 0x12, 0x00, 0x02, 0x02, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t r8743_bit2_out[] = {
		/* RFC 8743 8.6.3: bit 2 without R-CID cleared, padding zero */
		0x01, 0x04, 0x00, 0x01, 0x02, 0x00,
	};
	struct mx_ctrl_pdu p;
	uint8_t buf[BUF_MAX];

	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, up09_probe_noack, sizeof(up09_probe_noack), &p), 0);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &p, buf, sizeof(buf)), (int)sizeof(up09_noack_out));
	cr_assert_arr_eq(buf, up09_noack_out, sizeof(up09_noack_out));

	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, r8743_req_bit2, sizeof(r8743_req_bit2), &p), 0);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &p, buf, sizeof(buf)),
		     (int)sizeof(r8743_bit2_out));
	cr_assert_arr_eq(buf, r8743_bit2_out, sizeof(r8743_bit2_out));
}

/* RFC 8743 8.6.3: the encoder derives bit 2 from has_rcid, whatever `flags`. */
Test(mx_ctrl_golden, rfc8743_rcid_bit_from_has_rcid)
{
	struct mx_ctrl_pdu p = {
		.kind = MX_CTRL_PROBE_REQ, .cid = 2, .sn = 8,
		.flags = MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, .has_rcid = true, .rcid = 5,
	};
	uint8_t buf[BUF_MAX];

	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &p, buf, sizeof(buf)),
		     (int)sizeof(r8743_req_rcid));
	cr_assert_arr_eq(buf, r8743_req_rcid, sizeof(r8743_req_rcid));

	p.has_rcid = false;
	p.flags = MX_PROBE_F_ACK | MX_PROBE_F_RCID;
	p.sn = 7;
	p.pad_len = 2;
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &p, buf, sizeof(buf)), (int)sizeof(r8743_req));
	cr_assert_arr_eq(buf, r8743_req, sizeof(r8743_req));
}

/* UP-09 5.2: bit 2 is reserved there, not an R-CID flag: sent and kept. */
Test(mx_ctrl_golden, up09_bit2_is_reserved)
{
	struct mx_ctrl_pdu p = {
		.kind = MX_CTRL_PROBE_REQ, .cid = 1, .sn = 3, .flags = MX_PROBE_F_RCID,
	};
	struct mx_ctrl_pdu q;
	uint8_t buf[BUF_MAX];

	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &p, buf, sizeof(buf)), 10);
	cr_assert_eq(buf[4], MX_PROBE_F_RCID);
	cr_assert_eq(buf[5], MX_RCID_SAME);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, buf, 10, &q), 0);
	assert_pdu_eq(&q, &p, "UP-09 5.2 bit 2");
}

/* ---- Byte map: every field byte read at its own offset ------------------- */

static bool flags_bit_reserved(enum mx_dialect d, uint8_t m)
{
	uint8_t rsvd = d == MX_DIALECT_UP09 ? 0xfc : 0xf8;

	return (m & rsvd) == m;
}

/* What decoding the vector with byte i XOR m must give; false if only "fails
 * or differs" can be said. */
static bool expected_after_flip(const struct golden *g, size_t i, uint8_t m,
				struct mx_ctrl_pdu *want, bool *same)
{
	*want = g->pdu;
	*same = false;
	switch (g->map[i]) {
	case 'C':
		want->cid ^= m;
		return true;
	case 'S':
		want->sn ^= (uint16_t)(m << 8);
		return true;
	case 's':
		want->sn ^= m;
		return true;
	case '0': case '1': case '2': case '3':
		want->timestamp ^= (uint32_t)m << (8 * (3 - (g->map[i] - '0')));
		return true;
	case 'R':
		if (g->d == MX_DIALECT_UP09 && (g->pdu.rcid ^ m) == MX_RCID_SAME)
			return false;
		want->rcid ^= m;
		return true;
	case 'F':
		if (!flags_bit_reserved(g->d, m))
			return false;
		want->flags ^= m;
		return true;
	case 'P':
	case 'I':
		*same = true;
		return true;
	default: /* 'T', 'X' */
		return false;
	}
}

Test(mx_ctrl_golden, every_byte_maps_to_its_field,
     .description = "UP-09 5.1-5.3, RFC 8743 8.6.2-8.6.3: field offsets and byte order")
{
	static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff, 0x5a };

	for (size_t gi = 0; gi < N_GOLDENS; gi++) {
		const struct golden *g = &goldens[gi];

		for (size_t i = 0; i < g->len; i++) {
			for (size_t k = 0; k < sizeof(masks); k++) {
				uint8_t buf[BUF_MAX];
				struct mx_ctrl_pdu got, want;
				bool same;
				char what[96];
				int rc;

				memcpy(buf, g->bytes, g->len);
				buf[i] ^= masks[k];
				snprintf(what, sizeof(what), "%s #%zu byte %zu ('%c') ^ 0x%02x",
					 g->section, gi, i, g->map[i], masks[k]);
				rc = mx_ctrl_decode(g->d, buf, g->len, &got);
				if (expected_after_flip(g, i, masks[k], &want, &same)) {
					cr_assert_eq(rc, 0, "%s: decode %d", what, rc);
					assert_pdu_eq(&got, same ? &g->pdu : &want, what);
				} else {
					cr_assert(rc < 0 || !pdu_eq(&got, &g->pdu),
						  "%s: change not seen", what);
				}
			}
		}
	}
}

/* Fields moved by one byte (a codec with a wrong offset reads this). */
Test(mx_ctrl_golden, shifted_fields_change_the_value)
{
	for (size_t gi = 0; gi < N_GOLDENS; gi++) {
		const struct golden *g = &goldens[gi];
		uint8_t buf[BUF_MAX];
		struct mx_ctrl_pdu got;
		int rc;

		/* Left: drop the first body byte, pad with a zero. */
		memcpy(buf, g->bytes, 2);
		memcpy(buf + 2, g->bytes + 3, g->len - 3);
		buf[g->len - 1] = 0;
		rc = mx_ctrl_decode(g->d, buf, g->len, &got);
		cr_assert(rc < 0 || !pdu_eq(&got, &g->pdu), "%s #%zu: shift left not seen",
			  g->section, gi);

		/* Right: insert a byte after the common header, drop the last. */
		memcpy(buf, g->bytes, 2);
		buf[2] = 0xa5;
		memcpy(buf + 3, g->bytes + 2, g->len - 3);
		rc = mx_ctrl_decode(g->d, buf, g->len, &got);
		cr_assert(rc < 0 || !pdu_eq(&got, &g->pdu), "%s #%zu: shift right not seen",
			  g->section, gi);

		/* Longer by one: fixed-length kinds refuse, probes gain padding. */
		memcpy(buf, g->bytes, g->len);
		buf[g->len] = 0;
		rc = mx_ctrl_decode(g->d, buf, g->len + 1, &got);
		if (g->pdu.kind == MX_CTRL_PROBE_REQ) {
			cr_assert_eq(rc, 0);
			cr_assert_eq(got.pad_len, g->pdu.pad_len + 1, "%s #%zu", g->section, gi);
		} else if (g->d == MX_DIALECT_RFC8743 && g->pdu.kind == MX_CTRL_PROBE_ACK) {
			/* RFC 8743 8.6.3: a 3-byte type-1 body is a REQ. */
			cr_assert_eq(rc, 0);
			cr_assert_eq(got.kind, MX_CTRL_PROBE_REQ);
		} else {
			cr_assert_eq(rc, -GMA_ERR_CTRL_LEN, "%s #%zu: rc %d", g->section, gi, rc);
		}
	}
}

/* ---- Round trips --------------------------------------------------------- */

static const uint16_t pads[] = { 0, 1, 100, MX_CTRL_MAX_PAD };

static size_t expected_len(enum mx_dialect d, const struct mx_ctrl_pdu *p)
{
	if (d == MX_DIALECT_UP09)
		return p->kind == MX_CTRL_PROBE_REQ ? 10u + p->pad_len : 8u;
	if (p->kind == MX_CTRL_PROBE_REQ)
		return 5u + (p->has_rcid ? 1u : 0u) + p->pad_len;
	return 4u;
}

static void round_trip(enum mx_dialect d, const struct mx_ctrl_pdu *p, const char *what)
{
	uint8_t buf[BUF_MAX], again[BUF_MAX];
	struct mx_ctrl_pdu q;
	size_t want = expected_len(d, p);
	size_t body;
	int n;

	memset(buf, 0xa5, sizeof(buf));
	n = mx_ctrl_encode(d, p, buf, sizeof(buf));
	cr_assert_eq(n, (int)want, "%s: length %d, want %zu", what, n, want);
	cr_assert_eq(buf[(size_t)n], 0xa5, "%s: wrote past the PDU", what);
	if (p->kind == MX_CTRL_PROBE_REQ) {
		body = (size_t)n - p->pad_len;
		for (size_t i = body; i < (size_t)n; i++)
			cr_assert_eq(buf[i], 0, "%s: padding byte %zu", what, i);
	}
	cr_assert_eq(mx_ctrl_decode(d, buf, (size_t)n, &q), 0, "%s: decode", what);
	assert_pdu_eq(&q, p, what);
	cr_assert_eq(mx_ctrl_encode(d, &q, again, sizeof(again)), n, "%s: re-encode", what);
	cr_assert_arr_eq(again, buf, (size_t)n, "%s: re-encoded bytes", what);
}

Test(mx_ctrl_roundtrip, keepalive_and_ack, .description = "UP-09 5.1/5.3, RFC 8743 8.6.2/8.6.3")
{
	static const uint16_t sns[] = { 0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff };
	static const enum mx_ctrl_kind kinds[] = { MX_CTRL_KEEPALIVE, MX_CTRL_PROBE_ACK };

	for (int d = MX_DIALECT_UP09; d <= MX_DIALECT_RFC8743; d++)
		for (size_t k = 0; k < 2; k++)
			for (size_t s = 0; s < sizeof(sns) / sizeof(sns[0]); s++) {
				struct mx_ctrl_pdu p = {
					.kind = kinds[k], .cid = (uint8_t)(0x10 + s), .sn = sns[s],
					.timestamp = d == MX_DIALECT_UP09 ? 0xdead0000u + s : 0,
				};
				char what[64];

				snprintf(what, sizeof(what), "dialect %d kind %d sn 0x%x", d,
					 (int)kinds[k], sns[s]);
				round_trip((enum mx_dialect)d, &p, what);
			}
}

Test(mx_ctrl_roundtrip, probe_up09,
     .description = "UP-09 5.2: padding 0/1/100/max, R-CID valid/not")
{
	static const uint8_t flag_sets[] = {
		0, MX_PROBE_F_ACK, MX_PROBE_F_ACTIVE, MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, 0xfc, 0xff,
	};

	for (size_t pi = 0; pi < sizeof(pads) / sizeof(pads[0]); pi++)
		for (size_t f = 0; f < sizeof(flag_sets); f++)
			for (int r = 0; r < 2; r++) {
				struct mx_ctrl_pdu p = {
					.kind = MX_CTRL_PROBE_REQ, .cid = 0x21, .sn = 0x8001,
					.flags = flag_sets[f], .timestamp = 0xfedcba98u,
					.pad_len = pads[pi],
				};
				char what[64];

				if (r) {
					if (!(p.flags & MX_PROBE_F_ACK))
						continue;
					p.has_rcid = true;
					p.rcid = 0x22;
				}
				snprintf(what, sizeof(what), "UP-09 5.2 pad %u flags 0x%02x rcid %d",
					 (unsigned)pads[pi], p.flags, r);
				round_trip(MX_DIALECT_UP09, &p, what);
			}
}

Test(mx_ctrl_roundtrip, probe_rfc8743,
     .description = "RFC 8743 8.6.3: padding 0/1/100/max, R-CID present/absent")
{
	static const uint8_t flag_sets[] = {
		0, MX_PROBE_F_ACK, MX_PROBE_F_ACTIVE, MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, 0xf8, 0xfb,
	};

	for (size_t pi = 0; pi < sizeof(pads) / sizeof(pads[0]); pi++)
		for (size_t f = 0; f < sizeof(flag_sets); f++)
			for (int r = 0; r < 2; r++) {
				struct mx_ctrl_pdu p = {
					.kind = MX_CTRL_PROBE_REQ, .cid = 0x03, .sn = 0xffff,
					.flags = flag_sets[f], .pad_len = pads[pi],
				};
				char what[64];

				if (r) {
					if (!(p.flags & MX_PROBE_F_ACK))
						continue;
					p.has_rcid = true;
					p.rcid = 0xff; /* any value, all ones included */
					p.flags |= MX_PROBE_F_RCID;
				}
				snprintf(what, sizeof(what), "RFC 8743 8.6.3 pad %u flags 0x%02x rcid %d",
					 (unsigned)pads[pi], p.flags, r);
				round_trip(MX_DIALECT_RFC8743, &p, what);
			}
}

/* RFC 8743 8.6.3: REQ and ACK share type 1; length tells them apart. */
Test(mx_ctrl_roundtrip, rfc8743_req_ack_by_length)
{
	struct mx_ctrl_pdu req = { .kind = MX_CTRL_PROBE_REQ, .cid = 1, .sn = 9 };
	struct mx_ctrl_pdu ack = { .kind = MX_CTRL_PROBE_ACK, .cid = 1, .sn = 9 };
	struct mx_ctrl_pdu q;
	uint8_t buf[16];

	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &ack, buf, sizeof(buf)), 4);
	cr_assert_eq(buf[0], 1);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 4, &q), 0);
	cr_assert_eq(q.kind, MX_CTRL_PROBE_ACK);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &req, buf, sizeof(buf)), 5);
	cr_assert_eq(buf[0], 1);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 5, &q), 0);
	cr_assert_eq(q.kind, MX_CTRL_PROBE_REQ);
}

/* ---- Rejections ---------------------------------------------------------- */

Test(mx_ctrl_reject, truncated, .description = "UP-09 5.1-5.3, RFC 8743 8.6: short PDUs")
{
	struct mx_ctrl_pdu p;

	for (size_t gi = 0; gi < N_GOLDENS; gi++) {
		const struct golden *g = &goldens[gi];
		/* The fixed part: everything before padding. */
		size_t fixed = g->len - g->pdu.pad_len;

		for (size_t n = 0; n < fixed; n++) {
			int rc = mx_ctrl_decode(g->d, g->bytes, n, &p);

			/* RFC 8743: a REQ cut to 4 bytes reads as an ACK. */
			if (g->d == MX_DIALECT_RFC8743 && g->pdu.kind == MX_CTRL_PROBE_REQ && n == 4) {
				cr_assert_eq(rc, 0);
				cr_assert_eq(p.kind, MX_CTRL_PROBE_ACK);
				continue;
			}
			cr_assert_eq(rc, -GMA_ERR_TRUNCATED, "%s #%zu cut to %zu: rc %d",
				     g->section, gi, n, rc);
		}
	}
}

/* RFC 8743 8.6.3: bits 0 and 2 set but the R-CID byte missing. */
Test(mx_ctrl_reject, rfc8743_rcid_missing)
{
	static const uint8_t pdu[] = { 0x01, 0x02, 0x00, 0x08, 0x05 };
	struct mx_ctrl_pdu p;

	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, pdu, sizeof(pdu), &p), -GMA_ERR_TRUNCATED);
}

Test(mx_ctrl_reject, unknown_type, .description = "UP-09 5 (types 0-2), RFC 8743 8.6.1 (types 0-1)")
{
	uint8_t buf[BUF_MAX];
	struct mx_ctrl_pdu p;

	memset(buf, 0, sizeof(buf));
	for (unsigned t = 0; t < 256; t++) {
		buf[0] = (uint8_t)t;
		for (size_t n = 2; n <= 12; n += 2) {
			int up = mx_ctrl_decode(MX_DIALECT_UP09, buf, n, &p);
			int rfc = mx_ctrl_decode(MX_DIALECT_RFC8743, buf, n, &p);

			if (t > 2)
				cr_assert_eq(up, -GMA_ERR_CTRL_TYPE, "UP-09 type %u len %zu", t, n);
			else
				cr_assert_neq(up, -GMA_ERR_CTRL_TYPE);
			if (t > 1)
				cr_assert_eq(rfc, -GMA_ERR_CTRL_TYPE, "RFC 8743 type %u len %zu", t, n);
			else
				cr_assert_neq(rfc, -GMA_ERR_CTRL_TYPE);
		}
	}
	/* Type 2 (UP-09 ACK) is unknown to RFC 8743. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, up09_ack, sizeof(up09_ack), &p),
		     -GMA_ERR_CTRL_TYPE);
}

Test(mx_ctrl_reject, trailing_bytes, .description = "UP-09 5.1/5.3, RFC 8743 8.6.2: fixed lengths")
{
	uint8_t buf[BUF_MAX];
	struct mx_ctrl_pdu p;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, up09_ka, sizeof(up09_ka));
	for (size_t n = 9; n < 16; n++)
		cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, buf, n, &p), -GMA_ERR_CTRL_LEN);
	memcpy(buf, up09_ack, sizeof(up09_ack));
	for (size_t n = 9; n < 16; n++)
		cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, buf, n, &p), -GMA_ERR_CTRL_LEN);
	memcpy(buf, r8743_ka, sizeof(r8743_ka));
	for (size_t n = 5; n < 16; n++)
		cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, n, &p), -GMA_ERR_CTRL_LEN);
}

Test(mx_ctrl_reject, padding_over_max, .description = "UP-09 5.2, RFC 8743 8.6.3: padding bound")
{
	static uint8_t buf[BUF_MAX];
	struct mx_ctrl_pdu p;
	struct mx_ctrl_pdu req = { .kind = MX_CTRL_PROBE_REQ, .pad_len = MX_CTRL_MAX_PAD + 1 };

	memset(buf, 0, sizeof(buf));
	/* UP-09: 10 fixed bytes. */
	buf[0] = 1;
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, buf, 10 + MX_CTRL_MAX_PAD, &p), 0);
	cr_assert_eq(p.pad_len, MX_CTRL_MAX_PAD);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, buf, 11 + MX_CTRL_MAX_PAD, &p), -GMA_ERR_CTRL_LEN);
	/* RFC 8743 without R-CID: 5 fixed bytes. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 5 + MX_CTRL_MAX_PAD, &p), 0);
	cr_assert_eq(p.pad_len, MX_CTRL_MAX_PAD);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 6 + MX_CTRL_MAX_PAD, &p), -GMA_ERR_CTRL_LEN);
	/* RFC 8743 with R-CID: 6 fixed bytes. */
	buf[4] = MX_PROBE_F_ACK | MX_PROBE_F_RCID;
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 6 + MX_CTRL_MAX_PAD, &p), 0);
	cr_assert_eq(p.pad_len, MX_CTRL_MAX_PAD);
	cr_assert(p.has_rcid);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, buf, 7 + MX_CTRL_MAX_PAD, &p), -GMA_ERR_CTRL_LEN);
	/* Encode refuses too. */
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &req, buf, sizeof(buf)), -GMA_ERR_CTRL_LEN);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &req, buf, sizeof(buf)), -GMA_ERR_CTRL_LEN);
	req.pad_len = 0xffff;
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &req, buf, sizeof(buf)), -GMA_ERR_CTRL_LEN);
}

Test(mx_ctrl_reject, encode_nospace)
{
	for (size_t gi = 0; gi < N_GOLDENS; gi++) {
		const struct golden *g = &goldens[gi];
		uint8_t buf[BUF_MAX];

		for (size_t cap = 0; cap < g->len; cap++) {
			memset(buf, 0xa5, sizeof(buf));
			cr_assert_eq(mx_ctrl_encode(g->d, &g->pdu, buf, cap), -GMA_ERR_NOSPACE,
				     "%s #%zu cap %zu", g->section, gi, cap);
			for (size_t i = 0; i < sizeof(buf); i++)
				cr_assert_eq(buf[i], 0xa5, "%s #%zu: written on failure", g->section, gi);
		}
	}
}

Test(mx_ctrl_reject, invalid_arguments)
{
	struct mx_ctrl_pdu ka = { .kind = MX_CTRL_KEEPALIVE };
	struct mx_ctrl_pdu p;
	uint8_t buf[32] = { 0 };

	/* NULL */
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, NULL, buf, sizeof(buf)), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &ka, NULL, 0), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, NULL, 8, &p), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, up09_ka, sizeof(up09_ka), NULL), -GMA_ERR_INVAL);
	/* Dialect */
	cr_assert_eq(mx_ctrl_encode((enum mx_dialect)2, &ka, buf, sizeof(buf)), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_encode((enum mx_dialect)-1, &ka, buf, sizeof(buf)), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_decode((enum mx_dialect)2, up09_ka, sizeof(up09_ka), &p), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_decode((enum mx_dialect)-1, up09_ka, sizeof(up09_ka), &p), -GMA_ERR_INVAL);
	/* Kind */
	for (int d = MX_DIALECT_UP09; d <= MX_DIALECT_RFC8743; d++) {
		struct mx_ctrl_pdu bad = { .kind = (enum mx_ctrl_kind)3 };

		cr_assert_eq(mx_ctrl_encode((enum mx_dialect)d, &bad, buf, sizeof(buf)), -GMA_ERR_INVAL);
		bad.kind = (enum mx_ctrl_kind)-1;
		cr_assert_eq(mx_ctrl_encode((enum mx_dialect)d, &bad, buf, sizeof(buf)), -GMA_ERR_INVAL);
	}
}

/* An R-CID the peer would not read as one is refused. */
Test(mx_ctrl_reject, rcid_without_ack, .description = "RFC 8743 8.6.3, UP-09 5.2")
{
	struct mx_ctrl_pdu p = {
		.kind = MX_CTRL_PROBE_REQ, .cid = 1, .flags = MX_PROBE_F_ACTIVE | MX_PROBE_F_RCID,
		.has_rcid = true, .rcid = 2,
	};
	uint8_t buf[32];

	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &p, buf, sizeof(buf)), -GMA_ERR_INVAL);
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &p, buf, sizeof(buf)), -GMA_ERR_INVAL);
	/* UP-09: all ones means "same path", not an R-CID. */
	p.flags = MX_PROBE_F_ACK;
	p.rcid = MX_RCID_SAME;
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_UP09, &p, buf, sizeof(buf)), -GMA_ERR_INVAL);
	/* RFC 8743 has no such sentinel: 0xff is a connection ID like any. */
	cr_assert_eq(mx_ctrl_encode(MX_DIALECT_RFC8743, &p, buf, sizeof(buf)), 6);
	cr_assert_eq(buf[5], 0xff);
}

/* ---- mx_probe_ack_cid ---------------------------------------------------- */

Test(mx_ctrl_ack_cid, from_struct)
{
	struct mx_ctrl_pdu p = { .kind = MX_CTRL_PROBE_REQ, .cid = 0x21, .rcid = 0x22 };

	cr_assert_eq(mx_probe_ack_cid(&p), 0x21);
	p.has_rcid = true;
	cr_assert_eq(mx_probe_ack_cid(&p), 0x22);
	p.rcid = 0;
	cr_assert_eq(mx_probe_ack_cid(&p), 0);
}

Test(mx_ctrl_ack_cid, from_wire, .description = "UP-09 5.2, RFC 8743 8.6.3: where the ACK goes")
{
	struct mx_ctrl_pdu p;

	/* UP-09 5.2: valid R-CID. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, up09_probe_rcid, sizeof(up09_probe_rcid), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x13);
	/* UP-09 5.2: all ones -> the same connection. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, up09_probe_same, sizeof(up09_probe_same), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x12);
	/* UP-09 5.2: ACK flag clear -> R-CID not valid. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, up09_probe_noack, sizeof(up09_probe_noack), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x12);
	/* RFC 8743 8.6.3: R-CID present. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, r8743_req_rcid, sizeof(r8743_req_rcid), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x05);
	/* RFC 8743 8.6.3: no R-CID -> the same connection. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, r8743_req, sizeof(r8743_req), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x02);
	/* RFC 8743 8.6.3: bit 2 without bit 0 -> no R-CID. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, r8743_req_bit2, sizeof(r8743_req_bit2), &p), 0);
	cr_assert_eq(mx_probe_ack_cid(&p), 0x04);
}
