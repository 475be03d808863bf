/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA concatenation (RFC 9188 6).  See gma_concat.h; unpacking is
 * gma_decap_sdus() in gma_wire.c.
 */
#include "gma_concat.h"
#include "gma_util.h"

#include <stdbool.h>
#include <string.h>

#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define FLOW_SN_MASK 0xFFFFFFu
/* IPv4 total length and struct gma_pdu offsets are 16 bits wide. */
#define PDU_MAX_LEN 0xFFFFu

/*
 * Flags of a PDU with two or more SDUs.  IP methods: CONCAT (FSL tells the
 * receiver where the first SDU, whose header leads the PDU, ends) and TTL.
 * Never FRAG: RFC 9188 6 forbids a fragment beside anything else, and an FC
 * of zero would only say "whole SDU".  Non-IP keeps the caller's flags; FSL
 * is not sent there (RFC 9188 4.3) and the codec rejects it.
 */
static uint16_t concat_flags(enum gma_method m, uint16_t flags)
{
	flags &= GMA_F_OPTIONAL & ~GMA_F_FRAG;
	if (method_is_ip(m))
		flags |= GMA_F_CONCAT | GMA_F_TTL;
	return flags;
}

unsigned gma_concat_fit(enum gma_method m, uint16_t flags, const struct gma_span *sdus, unsigned n,
			size_t mtu, size_t extra_overhead)
{
	size_t room, sum, multi, limit;
	unsigned k;

	if (sdus == NULL || n == 0 || !method_valid(m) || mtu <= extra_overhead)
		return 0;
	room = mtu - extra_overhead;
	if (room > PDU_MAX_LEN)
		room = PDU_MAX_LEN;

	/* Alone, the first SDU is sent by gma_encode() with the caller's flags. */
	sum = sdus[0].len;
	if (sum > room || gma_overhead(m, flags) > room - sum)
		return 0;

	multi = gma_overhead(m, concat_flags(m, flags));
	if (multi > room)
		return 1;
	/* Whatever the method, the PDU is every SDU byte plus one overhead:
	 * the first SDU's IPv4 header doubles as the PDU's. */
	limit = room - multi;
	for (k = 1; k < n; k++) {
		if (sum > limit || sdus[k].len > limit - sum)
			break;
		sum += sdus[k].len;
	}
	/* k == 1 here means the second did not fit: one SDU, sized above. */
	return k;
}

/* An SDU the receiver can find again: its own IP header gives its length. */
static int sdu_check(enum gma_method m, const struct gma_span *s)
{
	int rc;

	if (s->p == NULL || s->len == 0)
		return -GMA_ERR_INVAL;
	if (s->len > PDU_MAX_LEN)
		return -GMA_ERR_SDU_LEN;
	if (method_is_ip(m)) {
		rc = gma_ipv4_hdr_len(s->p, s->len);
		if (rc < 0)
			return rc;
		if (rd16(s->p + IPV4_OFF_TOTLEN) != s->len)
			return -GMA_ERR_IP_LEN;
		return rc;
	}
	rc = gma_ip_packet_len(s->p, s->len);
	if (rc < 0)
		return rc;
	if ((size_t)rc != s->len)
		return -GMA_ERR_SDU_LEN;
	return 0;
}

int gma_concat_build(enum gma_method m, const struct gma_fields *tmpl, const struct gma_span *sdus,
		     unsigned n, uint8_t *out, size_t cap)
{
	struct gma_fields f;
	size_t sum = 0, head = 0, ovh, pos;
	int rc;

	if (tmpl == NULL || sdus == NULL || out == NULL || n == 0 || !method_valid(m))
		return -GMA_ERR_INVAL;
	if (n == 1)
		return gma_encode(m, tmpl, sdus[0].p, sdus[0].len, out, cap);
	if ((tmpl->flags & GMA_F_FRAG) && tmpl->fc != 0)
		return -GMA_ERR_FRAG_CONCAT;
	/* The first SDU's SN is a 24-bit value, as gma_encode() wants it. */
	if ((tmpl->flags & GMA_F_FLOW_SN) && tmpl->flow_sn > FLOW_SN_MASK)
		return -GMA_ERR_INVAL;

	for (unsigned i = 0; i < n; i++) {
		rc = sdu_check(m, &sdus[i]);
		if (rc < 0)
			return rc;
		if (i == 0)
			head = (size_t)rc;
		/* Bounded each time, so the sum cannot wrap on any size_t. */
		if (sdus[i].len > PDU_MAX_LEN - sum)
			return method_is_ip(m) ? -GMA_ERR_IP_LEN : -GMA_ERR_SDU_LEN;
		sum += sdus[i].len;
	}

	f = *tmpl;
	f.flags = concat_flags(m, tmpl->flags);
	f.fc = 0;
	/* RFC 9188 6: the PDU's Flow SN is the last SDU's. */
	f.flow_sn = (tmpl->flow_sn + n - 1) & FLOW_SN_MASK;
	if (method_is_ip(m)) {
		f.fsl = (uint16_t)sdus[0].len;
		f.next_header = sdus[0].p[IPV4_OFF_PROTO];
		f.ttl = sdus[0].p[IPV4_OFF_TTL];
	} else {
		f.fsl = 0;
	}

	ovh = gma_overhead(m, f.flags);
	if (ovh > PDU_MAX_LEN - sum)
		return method_is_ip(m) ? -GMA_ERR_IP_LEN : -GMA_ERR_SDU_LEN;
	if (sum + ovh > cap)
		return -GMA_ERR_NOSPACE;

	/* Layout (RFC 9188 4.1-4.3, 6): trailer: SDU1..n | trailer;
	 * header-IP: SDU1 IP hdr | header | SDU1 body | SDU2..n;
	 * non-IP: header | SDU1..n. */
	pos = 0;
	if (m == GMA_METHOD_HEADER_IP) {
		memcpy(out, sdus[0].p, head);
		rc = gma_write_fields(m, &f, out + head, ovh);
		if (rc < 0)
			return rc;
		memcpy(out + head + ovh, sdus[0].p + head, sdus[0].len - head);
		pos = sdus[0].len + ovh;
	} else if (m == GMA_METHOD_NONIP) {
		rc = gma_write_fields(m, &f, out, ovh);
		if (rc < 0)
			return rc;
		memcpy(out + ovh, sdus[0].p, sdus[0].len);
		pos = sdus[0].len + ovh;
	} else {
		memcpy(out, sdus[0].p, sdus[0].len);
		pos = sdus[0].len;
	}
	for (unsigned i = 1; i < n; i++) {
		memcpy(out + pos, sdus[i].p, sdus[i].len);
		pos += sdus[i].len;
	}
	if (m == GMA_METHOD_TRAILER) {
		rc = gma_write_fields(m, &f, out + pos, ovh);
		if (rc < 0)
			return rc;
		pos += ovh;
	}
	if ((size_t)rc != ovh)
		return -GMA_ERR_INVAL; /* codec and gma_overhead() disagree */
	if (method_is_ip(m))
		gma_ipv4_set(out, head, GMA_IPPROTO, 1, (uint16_t)pos);
	return (int)pos;
}
