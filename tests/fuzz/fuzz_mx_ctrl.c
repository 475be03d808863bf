/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: MX control PDU codec (shared/mx_ctrl.c).
 *
 * 1. The input is decoded in both dialects.  A decoded PDU must be
 *    canonical: encoding it gives exactly as many bytes as the input, the
 *    same Type, CID and SN bytes, and decoding that again gives an equal
 *    struct.
 * 2. The input also fills a struct mx_ctrl_pdu field by field; if the
 *    encoder accepts it, the result must decode back to it (up to the
 *    fields the kind does not carry).
 * Any violation ends in __builtin_trap().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mx_ctrl.h"
#include "fuzz_check.h"

static bool pdu_eq(const struct mx_ctrl_pdu *a, const struct mx_ctrl_pdu *b)
{
	return a->kind == b->kind && a->cid == b->cid && a->sn == b->sn &&
	       a->flags == b->flags && a->has_rcid == b->has_rcid && a->rcid == b->rcid &&
	       a->timestamp == b->timestamp && a->pad_len == b->pad_len;
}

static bool rc_known(int rc)
{
	return rc == -GMA_ERR_TRUNCATED || rc == -GMA_ERR_CTRL_TYPE || rc == -GMA_ERR_CTRL_LEN;
}

static void decode_encode_decode(enum mx_dialect d, const uint8_t *data, size_t size)
{
	static uint8_t out[16 + MX_CTRL_MAX_PAD + 16];
	struct mx_ctrl_pdu p, q;
	int rc, n;

	rc = mx_ctrl_decode(d, data, size, &p);
	if (rc < 0) {
		CHECK(rc_known(rc));
		return;
	}
	CHECK(rc == 0);
	CHECK(p.kind == MX_CTRL_KEEPALIVE || p.kind == MX_CTRL_PROBE_REQ ||
	      p.kind == MX_CTRL_PROBE_ACK);
	CHECK(p.pad_len <= MX_CTRL_MAX_PAD);
	CHECK(p.has_rcid || p.rcid == 0);
	CHECK(!p.has_rcid || (p.flags & MX_PROBE_F_ACK));
	if (p.kind != MX_CTRL_PROBE_REQ)
		CHECK(p.flags == 0 && !p.has_rcid && p.pad_len == 0);
	if (d == MX_DIALECT_RFC8743) {
		CHECK(p.timestamp == 0);
		if (p.kind == MX_CTRL_PROBE_REQ)
			CHECK(!!(p.flags & MX_PROBE_F_RCID) == p.has_rcid);
	} else {
		CHECK(!p.has_rcid || p.rcid != MX_RCID_SAME);
	}
	CHECK(mx_probe_ack_cid(&p) == (p.has_rcid ? p.rcid : p.cid));

	n = mx_ctrl_encode(d, &p, out, sizeof(out));
	CHECK(n >= 0 && (size_t)n == size);
	/* Type, CID and SN/AckNum come back byte for byte. */
	CHECK(memcmp(out, data, 4) == 0);
	/* One byte less room is refused without a partial PDU counted. */
	CHECK(mx_ctrl_encode(d, &p, out, (size_t)n - 1) == -GMA_ERR_NOSPACE);

	n = mx_ctrl_encode(d, &p, out, sizeof(out));
	CHECK(mx_ctrl_decode(d, out, (size_t)n, &q) == 0);
	CHECK(pdu_eq(&p, &q));

	/* The same probe padded to the bound is accepted, one more refused. */
	if (p.kind == MX_CTRL_PROBE_REQ) {
		size_t fixed = size - p.pad_len;

		memcpy(out, data, fixed);
		memset(out + fixed, 0, MX_CTRL_MAX_PAD + 1);
		CHECK(mx_ctrl_decode(d, out, fixed + MX_CTRL_MAX_PAD, &q) == 0);
		p.pad_len = MX_CTRL_MAX_PAD;
		CHECK(pdu_eq(&p, &q));
		CHECK(mx_ctrl_decode(d, out, fixed + MX_CTRL_MAX_PAD + 1, &q) == -GMA_ERR_CTRL_LEN);
	}
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Struct from bytes -> encode -> decode: the value survives. */
static void encode_decode(const uint8_t *data, size_t size)
{
	static uint8_t out[16 + MX_CTRL_MAX_PAD + 16];
	struct mx_ctrl_pdu p, q, want;
	enum mx_dialect d;
	int n, rc;

	if (size < 13)
		return;
	d = (enum mx_dialect)(data[0] & 1);
	p.kind = (enum mx_ctrl_kind)((data[0] >> 1) % 3);
	p.cid = data[1];
	p.sn = rd16(data + 2);
	p.flags = data[4];
	p.has_rcid = data[5] & 1;
	p.rcid = data[6];
	p.timestamp = rd32(data + 7);
	p.pad_len = rd16(data + 11) % (MX_CTRL_MAX_PAD + 50);

	n = mx_ctrl_encode(d, &p, out, sizeof(out));
	if (n < 0) {
		CHECK(n == -GMA_ERR_INVAL || n == -GMA_ERR_CTRL_LEN);
		if (n == -GMA_ERR_CTRL_LEN)
			CHECK(p.kind == MX_CTRL_PROBE_REQ && p.pad_len > MX_CTRL_MAX_PAD);
		else
			CHECK(p.kind == MX_CTRL_PROBE_REQ && p.has_rcid);
		return;
	}
	rc = mx_ctrl_decode(d, out, (size_t)n, &q);
	CHECK(rc == 0);

	want = (struct mx_ctrl_pdu){ .kind = p.kind, .cid = p.cid, .sn = p.sn };
	if (d == MX_DIALECT_UP09)
		want.timestamp = p.timestamp;
	if (p.kind == MX_CTRL_PROBE_REQ) {
		want.flags = p.flags;
		want.has_rcid = p.has_rcid;
		want.rcid = p.has_rcid ? p.rcid : 0;
		want.pad_len = p.pad_len;
		if (d == MX_DIALECT_RFC8743)
			want.flags = (uint8_t)((p.flags & ~MX_PROBE_F_RCID) |
					       (p.has_rcid ? MX_PROBE_F_RCID : 0u));
	}
	CHECK(pdu_eq(&q, &want));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (data == NULL)
		return 0;
	decode_encode_decode(MX_DIALECT_UP09, data, size);
	decode_encode_decode(MX_DIALECT_RFC8743, data, size);
	encode_decode(data, size);
	return 0;
}
