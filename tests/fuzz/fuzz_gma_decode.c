/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: GMA decapsulation (shared/gma_wire.c).
 *
 * The input is taken as a PDU of each of the three methods in turn.  When
 * gma_decode() accepts it:
 *   - the spans it reports lie inside the input and are laid out as the
 *     method says (IP header | body | trailer, IP header | GMA header | body,
 *     GMA header | SDU); absent fields decode as 0; the rules of RFC 9188 5
 *     (a fragment has a Flow SN and no FSL) hold;
 *   - a PDU that is not a fragment is copied and gma_decap_sdus() run on the
 *     copy: the SDUs must tile the SDU area in order, each a whole IP packet
 *     inside the PDU, the first one (IP methods) with its IPv4 header
 *     restored; Flow SNs count down from the last SDU; too small an array
 *     gives -GMA_ERR_TOO_MANY;
 *   - a single restored SDU is encapsulated again with the same fields and
 *     must decode to the same fields and SDU bytes.
 * Any violation ends in __builtin_trap().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gma_wire.h"
#include "fuzz_check.h"

#define PDU_MAX 65535u
#define SDU_MAX 64u

static uint8_t copy[PDU_MAX];
static uint8_t copy2[PDU_MAX];
static uint8_t again[PDU_MAX + 64];

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static bool is_fragment(const struct gma_fields *f)
{
	return (f->flags & GMA_F_FRAG) && f->fc != 0;
}

static void check_layout(enum gma_method m, const uint8_t *pdu, size_t size,
			 const struct gma_pdu *d)
{
	const struct gma_fields *f = &d->f;
	uint16_t fl = f->flags;
	size_t hdr_fixed = m == GMA_METHOD_NONIP ? 2u : 3u;

	CHECK((size_t)d->gma_off + d->gma_len <= size);
	CHECK((size_t)d->data_off + d->data_len <= size);
	CHECK(d->ip_len <= size);
	CHECK(d->gma_len == gma_fields_len(fl) + hdr_fixed);
	CHECK((fl & GMA_F_VERSION) == GMA_VERSION);

	switch (m) {
	case GMA_METHOD_TRAILER:
		CHECK(d->ip_len >= GMA_IPV4_MIN_HDR && d->ip_len == (pdu[0] & 0x0Fu) * 4u);
		CHECK(d->data_off == d->ip_len);
		CHECK((size_t)d->data_off + d->data_len == d->gma_off);
		CHECK((size_t)d->gma_off + d->gma_len == size);
		break;
	case GMA_METHOD_HEADER_IP:
		CHECK(d->ip_len >= GMA_IPV4_MIN_HDR && d->ip_len == (pdu[0] & 0x0Fu) * 4u);
		CHECK(d->gma_off == d->ip_len);
		CHECK(d->data_off == (size_t)d->gma_off + d->gma_len);
		CHECK((size_t)d->data_off + d->data_len == size);
		break;
	case GMA_METHOD_NONIP:
		CHECK(d->ip_len == 0 && d->gma_off == 0);
		CHECK(d->data_off == d->gma_len);
		CHECK((size_t)d->data_off + d->data_len == size);
		CHECK(d->data_len > 0);
		CHECK(!(fl & (GMA_F_TTL | GMA_F_CONCAT)));
		CHECK(f->next_header == 0);
		break;
	}
	if (m != GMA_METHOD_NONIP) {
		CHECK(fl & GMA_F_TTL);
		CHECK(rd16(pdu + 2) == size);
		CHECK(pdu[9] == GMA_IPPROTO);
	}

	/* Absent fields decode as 0. */
	CHECK((fl & GMA_F_CHECKSUM) || f->checksum == 0);
	CHECK((fl & GMA_F_CONCAT) || f->fsl == 0);
	CHECK((fl & GMA_F_CONN_ID) || f->conn_id == 0);
	CHECK((fl & GMA_F_FLOW_ID) || f->flow_id == 0);
	CHECK((fl & GMA_F_FRAG) || f->fc == 0);
	CHECK((fl & GMA_F_DELIVERY_SN) || f->delivery_sn == 0);
	CHECK((fl & GMA_F_FLOW_SN) || f->flow_sn == 0);
	CHECK((fl & GMA_F_TIMESTAMP) || f->timestamp == 0);
	CHECK((fl & GMA_F_TTL) || f->ttl == 0);
	CHECK(f->flow_sn <= 0xFFFFFFu);

	/* RFC 9188 5: fragments carry a Flow SN, never FSL, at most 128. */
	if (is_fragment(f)) {
		CHECK(fl & GMA_F_FLOW_SN);
		CHECK(!(fl & GMA_F_CONCAT));
		CHECK(!((f->fc & GMA_FC_MF) && (f->fc & GMA_FC_FO) == GMA_FC_FO));
	}
	/* FSL covers the IP header and lies inside the SDU area. */
	if (fl & GMA_F_CONCAT)
		CHECK(f->fsl >= d->ip_len && f->fsl - d->ip_len <= d->data_len);
}

static bool fields_eq(const struct gma_fields *a, const struct gma_fields *b, bool cksum)
{
	return (a->flags & GMA_F_OPTIONAL) == (b->flags & GMA_F_OPTIONAL) &&
	       a->next_header == b->next_header && (!cksum || a->checksum == b->checksum) &&
	       a->fsl == b->fsl && a->conn_id == b->conn_id && a->flow_id == b->flow_id &&
	       a->fc == b->fc && a->delivery_sn == b->delivery_sn && a->flow_sn == b->flow_sn &&
	       a->timestamp == b->timestamp && a->ttl == b->ttl;
}

/* Encapsulate the one SDU again: the same fields and bytes must come out. */
static void check_reencode(enum gma_method m, const struct gma_pdu *d, const struct gma_sdu *s)
{
	struct gma_fields g = d->f;
	struct gma_pdu d2;
	struct gma_sdu s2[SDU_MAX];
	int n, k;

	g.flags &= GMA_F_OPTIONAL;
	n = gma_encode(m, &g, copy + s->off, s->len, again, sizeof(again));
	if (n < 0) {
		/* Only an SDU the method cannot carry, or a PDU over 64 KiB. */
		CHECK(n == -GMA_ERR_IP_LEN || n == -GMA_ERR_INVAL);
		return;
	}
	CHECK((size_t)n <= sizeof(again));
	CHECK(gma_decode(m, again, (size_t)n, &d2) == 0);
	/* Reserved flag bits enter the checksum, and are not sent again. */
	CHECK(fields_eq(&d->f, &d2.f, !(d->f.flags & GMA_F_RESERVED)));
	k = gma_decap_sdus(m, again, (size_t)n, &d2, s2, SDU_MAX);
	CHECK(k == 1);
	CHECK(s2[0].len == s->len);
	CHECK(memcmp(again + s2[0].off, copy + s->off, s->len) == 0);
}

static void check_decap(enum gma_method m, const uint8_t *pdu, size_t size,
			const struct gma_pdu *d)
{
	struct gma_sdu sdus[SDU_MAX];
	const struct gma_fields *f = &d->f;
	size_t pos, end;
	int n, n1;

	memcpy(copy, pdu, size);
	n = gma_decap_sdus(m, copy, size, d, sdus, SDU_MAX);
	if (n < 0) {
		CHECK(n == -GMA_ERR_SDU_LEN || n == -GMA_ERR_IP_HDR || n == -GMA_ERR_TOO_MANY ||
		      n == -GMA_ERR_FSL);
		return;
	}
	CHECK(n >= 1 && n <= (int)SDU_MAX);

	/* The SDUs tile the SDU area in order. */
	switch (m) {
	case GMA_METHOD_TRAILER:
		pos = 0;
		break;
	case GMA_METHOD_HEADER_IP:
		pos = d->gma_len; /* IP header moved up against the body */
		break;
	default:
		pos = d->data_off;
		break;
	}
	end = (size_t)d->data_off + d->data_len;
	for (int i = 0; i < n; i++) {
		CHECK(sdus[i].off == pos);
		CHECK(sdus[i].len > 0);
		CHECK((size_t)sdus[i].off + sdus[i].len <= size);
		CHECK(gma_ip_packet_len(copy + sdus[i].off, sdus[i].len) == (int)sdus[i].len);
		pos += sdus[i].len;
		if (f->flags & GMA_F_FLOW_SN)
			CHECK(sdus[i].flow_sn ==
			      ((f->flow_sn - (uint32_t)(n - 1 - i)) & 0xFFFFFFu));
		else
			CHECK(sdus[i].flow_sn == 0);
	}
	CHECK(pos == end);

	if (m != GMA_METHOD_NONIP) {
		const uint8_t *ip = copy + sdus[0].off;

		CHECK(gma_ipv4_hdr_len(ip, sdus[0].len) == (int)d->ip_len);
		CHECK(ip[8] == f->ttl && ip[9] == f->next_header);
		CHECK(rd16(ip + 2) == sdus[0].len);
		CHECK(rd16(ip + 10) == gma_ipv4_cksum(ip, d->ip_len));
		if (f->flags & GMA_F_CONCAT)
			CHECK(sdus[0].len == f->fsl);
	}

	/* Room for one SDU fewer than found: refused. */
	memcpy(copy2, pdu, size);
	n1 = gma_decap_sdus(m, copy2, size, d, sdus, (unsigned)n - 1);
	CHECK(n1 == -GMA_ERR_TOO_MANY);

	if (n == 1 && !(f->flags & GMA_F_CONCAT))
		check_reencode(m, d, &sdus[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gma_sdu sdus[SDU_MAX];
	struct gma_pdu d;
	int rc;

	if (data == NULL || size > PDU_MAX)
		return 0;
	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		rc = gma_decode((enum gma_method)m, data, size, &d);
		if (rc < 0) {
			CHECK(rc > -GMA_ERR_MAX_ && rc != -GMA_ERR_OK);
			continue;
		}
		CHECK(rc == 0);
		check_layout((enum gma_method)m, data, size, &d);
		if (is_fragment(&d.f)) {
			/* Fragments go to the reassembler, not here. */
			memcpy(copy, data, size);
			CHECK(gma_decap_sdus((enum gma_method)m, copy, size, &d, sdus, SDU_MAX) ==
			      -GMA_ERR_INVAL);
			continue;
		}
		check_decap((enum gma_method)m, data, size, &d);
	}
	return 0;
}
