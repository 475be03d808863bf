/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MX control PDUs: keep-alive, probe request and probe acknowledgement.
 *
 * Two wire dialects exist and a gateway must speak the one its peer speaks:
 *   MX_DIALECT_UP09     draft-zhu-intarea-mams-user-protocol-09 section 5:
 *                       Keep-Alive (type 0) SN(2) TS(4); Probe (1) SN(2)
 *                       Flag(1) R-CID(1) TS(4) Padding; ACK (2) AckNum(2)
 *                       TS(4).  Timestamps in 100 us units.  Default.
 *   MX_DIALECT_RFC8743  RFC 8743 8.6: Keep-Alive (0) SN(2); Probe-REQ (1)
 *                       SN(2) Flag(1) [R-CID(1)] Padding; Probe-ACK (1)
 *                       AckNum(2).  No timestamps; REQ and ACK share type 1
 *                       and are told apart by length (docs/gma.md).
 * Every PDU starts with Type(1) CID(1).  Probe flag bit numbering and the
 * other decisions: docs/gma.md.
 */
#ifndef MX_CTRL_H
#define MX_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gma_err.h"

enum mx_dialect {
	MX_DIALECT_UP09 = 0,
	MX_DIALECT_RFC8743 = 1,
};

enum mx_ctrl_kind {
	MX_CTRL_KEEPALIVE = 0,
	MX_CTRL_PROBE_REQ = 1,
	MX_CTRL_PROBE_ACK = 2,
};

/* Probing Flag bits (1-byte field, bit 0 = least significant; docs/gma.md). */
#define MX_PROBE_F_ACK    0x01u /* bit 0: an ACK is expected */
#define MX_PROBE_F_ACTIVE 0x02u /* bit 1: active phase (path carries data) */
#define MX_PROBE_F_RCID   0x04u /* bit 2 (RFC 8743 only): R-CID present */
#define MX_RCID_SAME      0xFFu /* UP-09: R-CID all ones = answer on the same path */

#define MX_CTRL_HDR_LEN 2u
#define MX_CTRL_MAX_PAD 1500u

struct mx_ctrl_pdu {
	enum mx_ctrl_kind kind;
	uint8_t cid;        /* delivery connection the PDU is sent on */
	uint16_t sn;        /* keep-alive/probe SN, or the ACK number */
	uint8_t flags;      /* probe: MX_PROBE_F_* */
	bool has_rcid;      /* probe: R-CID present (RFC 8743) / valid (UP-09) */
	uint8_t rcid;       /* probe: connection for the ACK */
	uint32_t timestamp; /* UP-09 only: 100 us units */
	uint16_t pad_len;   /* probe: padding bytes (zeros on encode) */
};

/* Encode into buf[0..cap); returns the PDU length or -GMA_ERR_*. */
int mx_ctrl_encode(enum mx_dialect d, const struct mx_ctrl_pdu *p, uint8_t *buf, size_t cap);

/*
 * Decode buf[0..len).  Rejections: -GMA_ERR_TRUNCATED (shorter than its
 * type's fixed fields), -GMA_ERR_CTRL_TYPE (unknown type), -GMA_ERR_CTRL_LEN
 * (keep-alive or ACK with trailing bytes, padding over MX_CTRL_MAX_PAD).
 */
int mx_ctrl_decode(enum mx_dialect d, const uint8_t *buf, size_t len, struct mx_ctrl_pdu *p);

/*
 * The connection a probe's ACK must go out on: the R-CID when the probe
 * carries a valid one, else the connection the probe came in on.
 */
uint8_t mx_probe_ack_cid(const struct mx_ctrl_pdu *req);

#endif /* MX_CTRL_H */
