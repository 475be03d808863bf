/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA encapsulation codec (RFC 9188 4).  See gma_wire.h for the API and
 * docs/gma.md for the wire decisions (field order in headers, checksum).
 */
#include "gma_wire.h"
#include "gma_util.h"

#include <stdbool.h>
#include <string.h>

#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define IPV4_OFF_CKSUM 10
#define IPV6_HDR_LEN 40u
#define IP_MAX_LEN 0xFFFFu

size_t gma_fields_len(uint16_t flags)
{
	size_t n = 0;

	n += (flags & GMA_F_CHECKSUM) ? 1 : 0;
	n += (flags & GMA_F_CONCAT) ? 2 : 0;
	n += (flags & GMA_F_CONN_ID) ? 1 : 0;
	n += (flags & GMA_F_FLOW_ID) ? 1 : 0;
	n += (flags & GMA_F_FRAG) ? 1 : 0;
	n += (flags & GMA_F_DELIVERY_SN) ? 1 : 0;
	n += (flags & GMA_F_FLOW_SN) ? 3 : 0;
	n += (flags & GMA_F_TIMESTAMP) ? 4 : 0;
	n += (flags & GMA_F_TTL) ? 1 : 0;
	return n;
}

size_t gma_overhead(enum gma_method m, uint16_t flags)
{
	if (method_is_ip(m))
		flags |= GMA_F_TTL;
	/* Trailer: fields + Next Header + Flags.  Header-IP: Flags + fields +
	 * Next Header.  Non-IP: Flags + fields. */
	return gma_fields_len(flags) + (m == GMA_METHOD_NONIP ? 2u : 3u);
}

/*
 * The optional fields in wire order.  RFC 9188 4.1 puts them in reverse
 * flag-bit order in the trailer (TTL first ... Checksum last, then Next
 * Header and Flags); we keep the same sequence after the Flags in the
 * header-based methods (docs/gma.md, "Header field order").
 */
static uint8_t *put_fields(uint8_t *p, const struct gma_fields *f, uint16_t flags)
{
	if (flags & GMA_F_TTL)
		*p++ = f->ttl;
	if (flags & GMA_F_TIMESTAMP) {
		wr32(p, f->timestamp);
		p += 4;
	}
	if (flags & GMA_F_FLOW_SN) {
		wr24(p, f->flow_sn);
		p += 3;
	}
	if (flags & GMA_F_DELIVERY_SN)
		*p++ = f->delivery_sn;
	if (flags & GMA_F_FRAG)
		*p++ = f->fc;
	if (flags & GMA_F_FLOW_ID)
		*p++ = f->flow_id;
	if (flags & GMA_F_CONN_ID)
		*p++ = f->conn_id;
	if (flags & GMA_F_CONCAT) {
		wr16(p, f->fsl);
		p += 2;
	}
	if (flags & GMA_F_CHECKSUM)
		*p++ = 0; /* filled in once the whole trailer/header is written */
	return p;
}

/* Reads the fields put_fields() writes; *cksum_at: the Checksum byte or NULL. */
static const uint8_t *get_fields(const uint8_t *p, struct gma_fields *f, uint16_t flags,
				 const uint8_t **cksum_at)
{
	*cksum_at = NULL;
	if (flags & GMA_F_TTL)
		f->ttl = *p++;
	if (flags & GMA_F_TIMESTAMP) {
		f->timestamp = rd32(p);
		p += 4;
	}
	if (flags & GMA_F_FLOW_SN) {
		f->flow_sn = rd24(p);
		p += 3;
	}
	if (flags & GMA_F_DELIVERY_SN)
		f->delivery_sn = *p++;
	if (flags & GMA_F_FRAG)
		f->fc = *p++;
	if (flags & GMA_F_FLOW_ID)
		f->flow_id = *p++;
	if (flags & GMA_F_CONN_ID)
		f->conn_id = *p++;
	if (flags & GMA_F_CONCAT) {
		f->fsl = rd16(p);
		p += 2;
	}
	if (flags & GMA_F_CHECKSUM) {
		*cksum_at = p;
		f->checksum = *p++;
	}
	return p;
}

/*
 * RFC 9188 4.1 Checksum: "one's complement checksum sum of all 8 bits in the
 * trailer", the Checksum byte taken as zero.  We sum every byte of the
 * trailer/header (Flags and Next Header included) with end-around carry and
 * send the complement (docs/gma.md, "Checksum").
 */
static uint8_t gma_cksum8(const uint8_t *p, size_t len, const uint8_t *cksum_at)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (p + i == cksum_at) ? 0u : p[i];
	while (sum >> 8)
		sum = (sum & 0xFFu) + (sum >> 8);
	return (uint8_t)~sum;
}

/* Rules on the fields that hold for encode and decode alike. */
static int check_fields(enum gma_method m, uint16_t flags, uint8_t fc, uint32_t flow_sn)
{
	if (method_is_ip(m)) {
		if (!(flags & GMA_F_TTL))
			return -GMA_ERR_TTL_MISSING;
	} else if (flags & (GMA_F_TTL | GMA_F_CONCAT)) {
		return -GMA_ERR_NONIP_FIELD;
	}
	if ((flags & GMA_F_FRAG) && fc != 0) {
		if (flags & GMA_F_CONCAT)
			return -GMA_ERR_FRAG_CONCAT;
		if (!(flags & GMA_F_FLOW_SN))
			return -GMA_ERR_FRAG_NO_SN;
		/* A "more fragments" flag at offset 127 announces a 129th. */
		if ((fc & GMA_FC_MF) && (fc & GMA_FC_FO) == GMA_FC_FO)
			return -GMA_ERR_FRAG_OFFSET;
	}
	if ((flags & GMA_F_FLOW_SN) && flow_sn > 0xFFFFFFu)
		return -GMA_ERR_INVAL;
	return 0;
}

int gma_write_fields(enum gma_method m, const struct gma_fields *f, uint8_t *dst, size_t cap)
{
	uint16_t flags;
	size_t len;
	uint8_t *p, *cksum_at = NULL;
	int rc;

	if (f == NULL || dst == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	flags = f->flags & GMA_F_OPTIONAL; /* version 0, reserved bits 0 */
	rc = check_fields(m, flags, f->fc, f->flow_sn);
	if (rc < 0)
		return rc;
	len = gma_overhead(m, flags);
	if (len > cap)
		return -GMA_ERR_NOSPACE;

	p = dst;
	if (m != GMA_METHOD_TRAILER) {
		wr16(p, flags);
		p += 2;
	}
	p = put_fields(p, f, flags);
	if (flags & GMA_F_CHECKSUM)
		cksum_at = p - 1;
	if (m != GMA_METHOD_NONIP)
		*p++ = f->next_header;
	if (m == GMA_METHOD_TRAILER) {
		wr16(p, flags);
		p += 2;
	}
	if (cksum_at != NULL)
		*cksum_at = gma_cksum8(dst, len, cksum_at);
	return (int)len;
}

int gma_read_trailer(const uint8_t *pdu, size_t len, struct gma_fields *f)
{
	const uint8_t *start, *cksum_at;
	uint16_t flags;
	size_t tlen;

	if (pdu == NULL || f == NULL)
		return -GMA_ERR_INVAL;
	memset(f, 0, sizeof(*f));
	if (len < 3)
		return -GMA_ERR_TRUNCATED;
	/* RFC 9188 4.1: decode the Flags (last two bytes) first. */
	flags = rd16(pdu + len - 2);
	if ((flags & GMA_F_VERSION) != GMA_VERSION)
		return -GMA_ERR_VERSION;
	tlen = gma_fields_len(flags) + 3;
	if (tlen > len)
		return -GMA_ERR_TRAILER_LEN;
	start = pdu + len - tlen;
	f->flags = flags;
	get_fields(start, f, flags, &cksum_at);
	f->next_header = pdu[len - 3];
	if (cksum_at != NULL && gma_cksum8(start, tlen, cksum_at) != f->checksum)
		return -GMA_ERR_CHECKSUM;
	return (int)tlen;
}

int gma_read_header(enum gma_method m, const uint8_t *hdr, size_t len, struct gma_fields *f)
{
	const uint8_t *p, *cksum_at;
	uint16_t flags;
	size_t hlen;

	if (hdr == NULL || f == NULL || !method_valid(m) || m == GMA_METHOD_TRAILER)
		return -GMA_ERR_INVAL;
	memset(f, 0, sizeof(*f));
	if (len < 2)
		return -GMA_ERR_TRUNCATED;
	flags = rd16(hdr);
	if ((flags & GMA_F_VERSION) != GMA_VERSION)
		return -GMA_ERR_VERSION;
	if (m == GMA_METHOD_NONIP && (flags & (GMA_F_TTL | GMA_F_CONCAT)))
		return -GMA_ERR_NONIP_FIELD;
	/* Flags + fields (+ Next Header for header-IP), as the flags say. */
	hlen = gma_fields_len(flags) + (m == GMA_METHOD_HEADER_IP ? 3u : 2u);
	if (hlen > len)
		return -GMA_ERR_TRAILER_LEN;
	f->flags = flags;
	p = get_fields(hdr + 2, f, flags, &cksum_at);
	if (m == GMA_METHOD_HEADER_IP)
		f->next_header = *p;
	if (cksum_at != NULL && gma_cksum8(hdr, hlen, cksum_at) != f->checksum)
		return -GMA_ERR_CHECKSUM;
	return (int)hlen;
}

/* ---- IPv4 ----------------------------------------------------------------- */

int gma_ipv4_hdr_len(const uint8_t *ip, size_t len)
{
	unsigned ihl;

	if (ip == NULL || len < 1)
		return -GMA_ERR_TRUNCATED;
	if ((ip[0] >> 4) == 6)
		return -GMA_ERR_IPV6_SDU;
	if ((ip[0] >> 4) != 4)
		return -GMA_ERR_IP_HDR;
	if (len < GMA_IPV4_MIN_HDR)
		return -GMA_ERR_TRUNCATED;
	ihl = (ip[0] & 0x0Fu) * 4u;
	if (ihl < GMA_IPV4_MIN_HDR)
		return -GMA_ERR_IP_HDR;
	if (ihl > len)
		return -GMA_ERR_TRUNCATED;
	return (int)ihl;
}

uint16_t gma_ipv4_cksum(const uint8_t *ip, size_t hdr_len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < hdr_len; i += 2) {
		if (i == IPV4_OFF_CKSUM)
			continue;
		sum += rd16(ip + i);
	}
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)~sum;
}

void gma_ipv4_set(uint8_t *ip, size_t hdr_len, uint8_t proto, uint8_t ttl, uint16_t total_len)
{
	ip[IPV4_OFF_TTL] = ttl;
	ip[IPV4_OFF_PROTO] = proto;
	wr16(ip + IPV4_OFF_TOTLEN, total_len);
	wr16(ip + IPV4_OFF_CKSUM, gma_ipv4_cksum(ip, hdr_len));
}

/* Validates an IPv4 SDU for the IP methods; returns its header length. */
int gma_ipv4_sdu_check(const uint8_t *sdu, size_t sdu_len)
{
	int ihl = gma_ipv4_hdr_len(sdu, sdu_len);

	if (ihl < 0)
		return ihl;
	if (rd16(sdu + IPV4_OFF_TOTLEN) != sdu_len)
		return -GMA_ERR_IP_LEN;
	return ihl;
}

int gma_ip_packet_len(const uint8_t *p, size_t avail)
{
	size_t total;

	if (p == NULL || avail < 1)
		return -GMA_ERR_TRUNCATED;
	switch (p[0] >> 4) {
	case 4:
		if (avail < GMA_IPV4_MIN_HDR)
			return -GMA_ERR_TRUNCATED;
		total = rd16(p + IPV4_OFF_TOTLEN);
		if ((p[0] & 0x0Fu) < 5 || total < (p[0] & 0x0Fu) * 4u)
			return -GMA_ERR_IP_HDR;
		break;
	case 6:
		if (avail < IPV6_HDR_LEN)
			return -GMA_ERR_TRUNCATED;
		total = IPV6_HDR_LEN + rd16(p + 4);
		break;
	default:
		return -GMA_ERR_IP_HDR;
	}
	if (total > avail)
		return -GMA_ERR_SDU_LEN;
	return (int)total;
}

/* ---- Encapsulation ------------------------------------------------------- */

/* For the IP methods the SDU's own protocol and TTL travel in the fields. */
static struct gma_fields ip_fields(const struct gma_fields *f, const uint8_t *sdu)
{
	struct gma_fields g = *f;

	g.flags |= GMA_F_TTL;
	g.next_header = sdu[IPV4_OFF_PROTO];
	g.ttl = sdu[IPV4_OFF_TTL];
	return g;
}

int gma_encode(enum gma_method m, const struct gma_fields *f, const uint8_t *sdu, size_t sdu_len,
	       uint8_t *out, size_t cap)
{
	struct gma_fields g;
	size_t glen, total;
	int ihl, rc;

	if (f == NULL || sdu == NULL || out == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	if (sdu_len == 0)
		return -GMA_ERR_TRUNCATED;

	if (m == GMA_METHOD_NONIP) {
		rc = gma_write_fields(m, f, out, cap);
		if (rc < 0)
			return rc;
		if ((size_t)rc + sdu_len > cap)
			return -GMA_ERR_NOSPACE;
		if ((size_t)rc + sdu_len > IP_MAX_LEN)
			return -GMA_ERR_INVAL;
		memcpy(out + rc, sdu, sdu_len);
		return rc + (int)sdu_len;
	}

	ihl = gma_ipv4_sdu_check(sdu, sdu_len);
	if (ihl < 0)
		return ihl;
	g = ip_fields(f, sdu);
	glen = gma_overhead(m, g.flags);
	total = sdu_len + glen;
	if (total > IP_MAX_LEN)
		return -GMA_ERR_IP_LEN; /* would not fit an IPv4 total length */
	if (total > cap)
		return -GMA_ERR_NOSPACE;

	if (m == GMA_METHOD_TRAILER) {
		memcpy(out, sdu, sdu_len);
		rc = gma_write_fields(m, &g, out + sdu_len, glen);
	} else {
		memcpy(out, sdu, (size_t)ihl);
		rc = gma_write_fields(m, &g, out + ihl, glen);
		memcpy(out + ihl + glen, sdu + ihl, sdu_len - (size_t)ihl);
	}
	if (rc < 0)
		return rc;
	gma_ipv4_set(out, (size_t)ihl, GMA_IPPROTO, 1, (uint16_t)total);
	return (int)total;
}

int gma_encap_trailer_inplace(const struct gma_fields *f, uint8_t *buf, size_t len, size_t cap)
{
	struct gma_fields g;
	size_t total;
	int ihl, rc;

	if (f == NULL || buf == NULL)
		return -GMA_ERR_INVAL;
	ihl = gma_ipv4_sdu_check(buf, len);
	if (ihl < 0)
		return ihl;
	g = ip_fields(f, buf);
	total = len + gma_overhead(GMA_METHOD_TRAILER, g.flags);
	if (total > IP_MAX_LEN)
		return -GMA_ERR_IP_LEN;
	if (total > cap)
		return -GMA_ERR_NOSPACE;
	rc = gma_write_fields(GMA_METHOD_TRAILER, &g, buf + len, cap - len);
	if (rc < 0)
		return rc;
	gma_ipv4_set(buf, (size_t)ihl, GMA_IPPROTO, 1, (uint16_t)total);
	return (int)total;
}

/* ---- Decapsulation ------------------------------------------------------- */

int gma_decode(enum gma_method m, const uint8_t *pdu, size_t len, struct gma_pdu *out)
{
	struct gma_fields *f;
	size_t ihl = 0, glen;
	int rc;

	if (pdu == NULL || out == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	f = &out->f;
	if (len > IP_MAX_LEN)
		return -GMA_ERR_IP_LEN;

	if (method_is_ip(m)) {
		rc = gma_ipv4_hdr_len(pdu, len);
		if (rc < 0)
			return rc;
		ihl = (size_t)rc;
		if (rd16(pdu + IPV4_OFF_TOTLEN) != len)
			return -GMA_ERR_IP_LEN;
		if (pdu[IPV4_OFF_PROTO] != GMA_IPPROTO)
			return -GMA_ERR_NOT_GMA;
	}

	/* The trailer/header must not reach into the IP header. */
	if (m == GMA_METHOD_TRAILER)
		rc = gma_read_trailer(pdu + ihl, len - ihl, f);
	else
		rc = gma_read_header(m, pdu + ihl, len - ihl, f);
	if (rc < 0)
		return rc;
	glen = (size_t)rc;
	rc = check_fields(m, f->flags, f->fc, f->flow_sn);
	if (rc < 0)
		return rc;

	out->ip_len = (uint16_t)ihl;
	out->gma_len = (uint16_t)glen;
	if (m == GMA_METHOD_TRAILER) {
		out->gma_off = (uint16_t)(len - glen);
		out->data_off = (uint16_t)ihl;
	} else {
		out->gma_off = (uint16_t)ihl;
		out->data_off = (uint16_t)(ihl + glen);
	}
	out->data_len = (uint16_t)(len - ihl - glen);

	if (m == GMA_METHOD_NONIP && out->data_len == 0)
		return -GMA_ERR_TRUNCATED;
	/* FSL counts the first SDU's IP header, which leads the PDU. */
	if ((f->flags & GMA_F_CONCAT) &&
	    (f->fsl < ihl || (size_t)f->fsl - ihl > out->data_len))
		return -GMA_ERR_FSL;
	return 0;
}

static int walk_sdus(const uint8_t *buf, size_t off, size_t end, struct gma_sdu *out, unsigned n,
		     unsigned max)
{
	while (off < end) {
		int len = gma_ip_packet_len(buf + off, end - off);

		if (len < 0)
			return len == -GMA_ERR_TRUNCATED ? -GMA_ERR_SDU_LEN : len;
		if (n >= max)
			return -GMA_ERR_TOO_MANY;
		out[n].off = (uint16_t)off;
		out[n].len = (uint16_t)len;
		n++;
		off += (size_t)len;
	}
	return (int)n;
}

int gma_decap_sdus(enum gma_method m, uint8_t *pdu, size_t len, const struct gma_pdu *d,
		   struct gma_sdu *out, unsigned max)
{
	const struct gma_fields *f;
	size_t base = 0, first_len, end;
	int n;

	if (pdu == NULL || d == NULL || out == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	f = &d->f;
	if ((f->flags & GMA_F_FRAG) && f->fc != 0)
		return -GMA_ERR_INVAL; /* a fragment: reassemble first */
	if ((size_t)d->data_off + d->data_len > len || d->ip_len > d->data_off)
		return -GMA_ERR_INVAL;
	if (max == 0)
		return -GMA_ERR_TOO_MANY;

	end = (size_t)d->data_off + d->data_len;
	if (method_is_ip(m)) {
		first_len = (f->flags & GMA_F_CONCAT) ? f->fsl : (size_t)d->ip_len + d->data_len;
		if (first_len < d->ip_len || first_len - d->ip_len > d->data_len)
			return -GMA_ERR_FSL;
		if (m == GMA_METHOD_HEADER_IP) {
			/* Move the IP header up against the body: SDU contiguous. */
			base = d->gma_len;
			memmove(pdu + base, pdu, d->ip_len);
		}
		gma_ipv4_set(pdu + base, d->ip_len, f->next_header, f->ttl, (uint16_t)first_len);
		out[0].off = (uint16_t)base;
		out[0].len = (uint16_t)first_len;
		n = walk_sdus(pdu, base + first_len, end, out, 1, max);
	} else {
		n = walk_sdus(pdu, d->data_off, end, out, 0, max);
	}
	if (n < 0)
		return n;

	for (int i = 0; i < n; i++) {
		out[i].flow_sn = 0;
		if (f->flags & GMA_F_FLOW_SN)
			out[i].flow_sn = (f->flow_sn - (uint32_t)(n - 1 - i)) & 0xFFFFFFu;
	}
	return n;
}
