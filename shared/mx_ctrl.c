/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MX control PDU codec: keep-alive, probe and probe ACK in the two dialects
 * of mx_ctrl.h.  All fields big-endian.
 *
 *   UP-09 (draft-zhu-intarea-mams-user-protocol-09 5.1-5.3)
 *     type 0  Type CID SN(2) TS(4)                               8 bytes
 *     type 1  Type CID SN(2) Flag(1) R-CID(1) TS(4) Padding     10 + pad
 *     type 2  Type CID AckNum(2) TS(4)                           8 bytes
 *   RFC 8743 (8.6.2, 8.6.3)
 *     type 0  Type CID SN(2)                                     4 bytes
 *     type 1  Type CID AckNum(2)                   (ACK)         4 bytes
 *     type 1  Type CID SN(2) Flag(1) [R-CID(1)] Padding  (REQ)  5.. bytes
 *
 * Decisions beyond the header:
 *   - A decoded PDU is canonical, so that decode(encode(decode(x))) equals
 *     decode(x): fields a kind does not carry are 0, and rcid is 0 whenever
 *     has_rcid is false (UP-09: R-CID not valid; RFC 8743: absent).
 *   - RFC 8743: MX_PROBE_F_RCID in `flags` means "R-CID present".  A REQ
 *     with bit 2 set but bit 0 clear (a SHOULD violation, RFC 8743 8.6.3)
 *     carries no R-CID; its bit 2 is cleared on decode.  The encoder sets the
 *     bit from has_rcid, whatever `flags` says.
 *   - UP-09: bit 2 is reserved and kept as is.  The encoder refuses
 *     has_rcid without MX_PROBE_F_ACK or with rcid == MX_RCID_SAME
 *     (-GMA_ERR_INVAL): the peer would not read it as an R-CID.
 *   - Padding over MX_CTRL_MAX_PAD is -GMA_ERR_CTRL_LEN on both sides; the
 *     padding's content is ignored on receipt and zero on send.
 */
#include "mx_ctrl.h"
#include "gma_util.h"

#include <string.h>

#define MX_TYPE_KEEPALIVE 0u
#define MX_TYPE_PROBE 1u
#define MX_TYPE_ACK 2u /* UP-09 only */

/* UP-09 lengths, common header included. */
#define UP09_KA_LEN 8u
#define UP09_PROBE_MIN 10u
#define UP09_ACK_LEN 8u

/* RFC 8743 lengths, common header included. */
#define R8743_KA_LEN 4u
#define R8743_ACK_LEN 4u
#define R8743_REQ_MIN 5u /* SN + Flag, no R-CID */

static int encode_up09(const struct mx_ctrl_pdu *p, uint8_t *buf, size_t cap)
{
	size_t len;

	switch (p->kind) {
	case MX_CTRL_KEEPALIVE:
		if (cap < UP09_KA_LEN)
			return -GMA_ERR_NOSPACE;
		buf[0] = MX_TYPE_KEEPALIVE;
		buf[1] = p->cid;
		wr16(buf + 2, p->sn);
		wr32(buf + 4, p->timestamp);
		return (int)UP09_KA_LEN;
	case MX_CTRL_PROBE_REQ:
		if (p->has_rcid && (!(p->flags & MX_PROBE_F_ACK) || p->rcid == MX_RCID_SAME))
			return -GMA_ERR_INVAL;
		if (p->pad_len > MX_CTRL_MAX_PAD)
			return -GMA_ERR_CTRL_LEN;
		len = UP09_PROBE_MIN + p->pad_len;
		if (cap < len)
			return -GMA_ERR_NOSPACE;
		buf[0] = MX_TYPE_PROBE;
		buf[1] = p->cid;
		wr16(buf + 2, p->sn);
		buf[4] = p->flags;
		buf[5] = p->has_rcid ? p->rcid : MX_RCID_SAME;
		wr32(buf + 6, p->timestamp);
		memset(buf + UP09_PROBE_MIN, 0, p->pad_len);
		return (int)len;
	case MX_CTRL_PROBE_ACK:
		if (cap < UP09_ACK_LEN)
			return -GMA_ERR_NOSPACE;
		buf[0] = MX_TYPE_ACK;
		buf[1] = p->cid;
		wr16(buf + 2, p->sn);
		wr32(buf + 4, p->timestamp);
		return (int)UP09_ACK_LEN;
	}
	return -GMA_ERR_INVAL;
}

static int encode_rfc8743(const struct mx_ctrl_pdu *p, uint8_t *buf, size_t cap)
{
	size_t len;
	size_t off;

	switch (p->kind) {
	case MX_CTRL_KEEPALIVE:
	case MX_CTRL_PROBE_ACK:
		/* Same layout, told apart by the type. */
		if (cap < R8743_KA_LEN)
			return -GMA_ERR_NOSPACE;
		buf[0] = (uint8_t)(p->kind == MX_CTRL_KEEPALIVE ? MX_TYPE_KEEPALIVE : MX_TYPE_PROBE);
		buf[1] = p->cid;
		wr16(buf + 2, p->sn);
		return (int)R8743_KA_LEN;
	case MX_CTRL_PROBE_REQ:
		if (p->has_rcid && !(p->flags & MX_PROBE_F_ACK))
			return -GMA_ERR_INVAL;
		if (p->pad_len > MX_CTRL_MAX_PAD)
			return -GMA_ERR_CTRL_LEN;
		len = R8743_REQ_MIN + (p->has_rcid ? 1u : 0u) + p->pad_len;
		if (cap < len)
			return -GMA_ERR_NOSPACE;
		buf[0] = MX_TYPE_PROBE;
		buf[1] = p->cid;
		wr16(buf + 2, p->sn);
		buf[4] = (uint8_t)((p->flags & ~MX_PROBE_F_RCID) | (p->has_rcid ? MX_PROBE_F_RCID : 0u));
		off = R8743_REQ_MIN;
		if (p->has_rcid)
			buf[off++] = p->rcid;
		memset(buf + off, 0, p->pad_len);
		return (int)len;
	}
	return -GMA_ERR_INVAL;
}

int mx_ctrl_encode(enum mx_dialect d, const struct mx_ctrl_pdu *p, uint8_t *buf, size_t cap)
{
	if (p == NULL || buf == NULL)
		return -GMA_ERR_INVAL;
	switch (d) {
	case MX_DIALECT_UP09:
		return encode_up09(p, buf, cap);
	case MX_DIALECT_RFC8743:
		return encode_rfc8743(p, buf, cap);
	}
	return -GMA_ERR_INVAL;
}

/* A fixed-length PDU: short is truncated, long has trailing bytes. */
static inline int check_exact(size_t len, size_t want)
{
	if (len < want)
		return -GMA_ERR_TRUNCATED;
	if (len > want)
		return -GMA_ERR_CTRL_LEN;
	return 0;
}

static int decode_up09(const uint8_t *buf, size_t len, struct mx_ctrl_pdu *p)
{
	int rc;

	switch (buf[0]) {
	case MX_TYPE_KEEPALIVE:
	case MX_TYPE_ACK:
		rc = check_exact(len, UP09_KA_LEN);
		if (rc < 0)
			return rc;
		p->kind = buf[0] == MX_TYPE_KEEPALIVE ? MX_CTRL_KEEPALIVE : MX_CTRL_PROBE_ACK;
		p->sn = rd16(buf + 2);
		p->timestamp = rd32(buf + 4);
		return 0;
	case MX_TYPE_PROBE:
		if (len < UP09_PROBE_MIN)
			return -GMA_ERR_TRUNCATED;
		if (len - UP09_PROBE_MIN > MX_CTRL_MAX_PAD)
			return -GMA_ERR_CTRL_LEN;
		p->kind = MX_CTRL_PROBE_REQ;
		p->sn = rd16(buf + 2);
		p->flags = buf[4];
		p->has_rcid = (p->flags & MX_PROBE_F_ACK) && buf[5] != MX_RCID_SAME;
		p->rcid = p->has_rcid ? buf[5] : 0;
		p->timestamp = rd32(buf + 6);
		p->pad_len = (uint16_t)(len - UP09_PROBE_MIN);
		return 0;
	}
	return -GMA_ERR_CTRL_TYPE;
}

static int decode_rfc8743(const uint8_t *buf, size_t len, struct mx_ctrl_pdu *p)
{
	size_t off;
	int rc;

	switch (buf[0]) {
	case MX_TYPE_KEEPALIVE:
		rc = check_exact(len, R8743_KA_LEN);
		if (rc < 0)
			return rc;
		p->kind = MX_CTRL_KEEPALIVE;
		p->sn = rd16(buf + 2);
		return 0;
	case MX_TYPE_PROBE:
		if (len < R8743_ACK_LEN)
			return -GMA_ERR_TRUNCATED;
		p->sn = rd16(buf + 2);
		if (len == R8743_ACK_LEN) {
			p->kind = MX_CTRL_PROBE_ACK;
			return 0;
		}
		p->kind = MX_CTRL_PROBE_REQ;
		p->flags = buf[4];
		off = R8743_REQ_MIN;
		if ((p->flags & MX_PROBE_F_ACK) && (p->flags & MX_PROBE_F_RCID)) {
			if (len < R8743_REQ_MIN + 1u)
				return -GMA_ERR_TRUNCATED;
			p->has_rcid = true;
			p->rcid = buf[off++];
		} else {
			p->flags &= (uint8_t)~MX_PROBE_F_RCID;
		}
		if (len - off > MX_CTRL_MAX_PAD)
			return -GMA_ERR_CTRL_LEN;
		p->pad_len = (uint16_t)(len - off);
		return 0;
	}
	return -GMA_ERR_CTRL_TYPE;
}

int mx_ctrl_decode(enum mx_dialect d, const uint8_t *buf, size_t len, struct mx_ctrl_pdu *p)
{
	if (buf == NULL || p == NULL)
		return -GMA_ERR_INVAL;
	if (d != MX_DIALECT_UP09 && d != MX_DIALECT_RFC8743)
		return -GMA_ERR_INVAL;
	memset(p, 0, sizeof(*p));
	if (len < MX_CTRL_HDR_LEN)
		return -GMA_ERR_TRUNCATED;
	p->cid = buf[1];
	if (d == MX_DIALECT_UP09)
		return decode_up09(buf, len, p);
	return decode_rfc8743(buf, len, p);
}

uint8_t mx_probe_ack_cid(const struct mx_ctrl_pdu *req)
{
	return req->has_rcid ? req->rcid : req->cid;
}
