/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden byte vectors for the GMA codec, written by hand from the RFC 9188
 * figures.  Every field has a distinct value, so a field written or read one
 * byte off changes the bytes or the decoded value and fails a test.
 *
 * The SDU of every vector: IPv4 192.0.2.1 -> 198.51.100.7, TTL 64, UDP
 * (protocol 17), identification 0x1234, DF, total length 28, header checksum
 * 0x3c61, and an 8-byte UDP header 12345 -> 53 with no payload.
 * Field values: TTL 0x40 (the SDU's), Timestamp 0x0A0B0C0D, Flow SN
 * 0x123456, Delivery SN 0x9A, FC 0x00, Flow ID 0x03, Connection ID 0x21
 * (anchor 2, delivery 1), FSL 0x001C, Next Header 0x11.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gma_wire.h"

static const uint8_t sdu[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x3c, 0x61,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* RFC 9188 Figure 3 + Figure 4: trailer-based IP encapsulation with every
 * optional field present (Flags 0xFF80).  IPv4: total 28 + 18 = 46, TTL 1,
 * protocol 114, checksum recomputed = 0x7aee.  Trailer checksum: byte sum of
 * the 18 trailer bytes with the Checksum as 0 is 0x374; end-around carry
 * 0x74 + 0x3 = 0x77; complement 0x88. */
static const uint8_t fig4_trailer_all[46] = {
	0x45, 0x00, 0x00, 0x2e, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xee,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
	0x40,                   /* TTL (bit 8) */
	0x0a, 0x0b, 0x0c, 0x0d, /* Timestamp (bit 7) */
	0x12, 0x34, 0x56,       /* Flow SN (bit 6) */
	0x9a,                   /* Delivery SN (bit 5) */
	0x00,                   /* Fragmentation Control (bit 4) */
	0x03,                   /* Flow ID (bit 3) */
	0x21,                   /* Connection ID (bit 2) */
	0x00, 0x1c,             /* First SDU Length (bit 1) */
	0x88,                   /* Checksum (bit 0) */
	0x11,                   /* Next Header */
	0xff, 0x80,             /* Flags */
};

/* RFC 9188 4.1: a typical data trailer, Flags 0x1780 (Flow ID, Delivery SN,
 * Flow SN, Timestamp, TTL): 13 bytes, total 41, IPv4 checksum 0x7af3. */
static const uint8_t trailer_1780[41] = {
	0x45, 0x00, 0x00, 0x29, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xf3,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
	0x40, 0x0a, 0x0b, 0x0c, 0x0d, 0x12, 0x34, 0x56, 0x9a, 0x03,
	0x11, 0x17, 0x80,
};

/* RFC 9188 4.1/4.2: the smallest IP trailer, TTL only (Flags 0x0080). */
static const uint8_t trailer_0080[32] = {
	0x45, 0x00, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xfc,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x80,
};

/* RFC 9188 Figure 5 + Figure 6: header-based IP encapsulation, Flags first
 * then the trailer's field sequence, Next Header last (docs/gma.md). */
static const uint8_t fig6_header_1780[41] = {
	0x45, 0x00, 0x00, 0x29, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xf3,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x17, 0x80,             /* Flags */
	0x40,                   /* TTL */
	0x0a, 0x0b, 0x0c, 0x0d, /* Timestamp */
	0x12, 0x34, 0x56,       /* Flow SN */
	0x9a,                   /* Delivery SN */
	0x03,                   /* Flow ID */
	0x11,                   /* Next Header */
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Figure 6 with Checksum, Connection ID and FC too (Flags 0xBF80).  Header
 * checksum: bf+80+40+0a+0b+0c+0d+12+34+56+9a+00+03+21+(00)+11 = 0x318;
 * end-around carry 0x18 + 0x3 = 0x1b; complement 0xe4.  Total 44, IPv4
 * checksum 0x7af0. */
static const uint8_t fig6_header_bf80[44] = {
	0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xf0,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0xbf, 0x80, 0x40, 0x0a, 0x0b, 0x0c, 0x0d, 0x12, 0x34, 0x56, 0x9a, 0x00,
	0x03, 0x21, 0xe4, 0x11,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* RFC 9188 Figure 7: header-based non-IP encapsulation (the UDP payload),
 * Flags 0x1700: Timestamp, Flow SN, Delivery SN, Flow ID; no TTL, FSL or
 * Next Header; the SDU follows untouched. */
static const uint8_t fig7_nonip_1700[39] = {
	0x17, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x12, 0x34, 0x56, 0x9a, 0x03,
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x3c, 0x61,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Figure 7 with Checksum and FC (Flags 0x9F00).  Header checksum:
 * 9f+00+0a+0b+0c+0d+12+34+56+9a+00+03+(00) = 0x206; 0x06 + 0x2 = 0x08;
 * complement 0xf7. */
static const uint8_t fig7_nonip_9f00[41] = {
	0x9f, 0x00, 0x0a, 0x0b, 0x0c, 0x0d, 0x12, 0x34, 0x56, 0x9a, 0x00, 0x03, 0xf7,
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x3c, 0x61,
	0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

struct golden {
	const char *name;
	enum gma_method m;
	uint16_t flags;
	const uint8_t *pdu;
	size_t len;
	size_t gma_off, gma_len;
};

static const struct golden goldens[] = {
	{"RFC 9188 Fig. 4 trailer, all fields", GMA_METHOD_TRAILER, 0xFF80, fig4_trailer_all,
	 sizeof(fig4_trailer_all), 28, 18},
	{"RFC 9188 4.1 trailer 0x1780", GMA_METHOD_TRAILER, 0x1780, trailer_1780,
	 sizeof(trailer_1780), 28, 13},
	{"RFC 9188 4.1 trailer TTL only", GMA_METHOD_TRAILER, 0x0080, trailer_0080,
	 sizeof(trailer_0080), 28, 4},
	{"RFC 9188 Fig. 6 header-IP 0x1780", GMA_METHOD_HEADER_IP, 0x1780, fig6_header_1780,
	 sizeof(fig6_header_1780), 20, 13},
	{"RFC 9188 Fig. 6 header-IP 0xBF80", GMA_METHOD_HEADER_IP, 0xBF80, fig6_header_bf80,
	 sizeof(fig6_header_bf80), 20, 16},
	{"RFC 9188 Fig. 7 non-IP 0x1700", GMA_METHOD_NONIP, 0x1700, fig7_nonip_1700,
	 sizeof(fig7_nonip_1700), 0, 11},
	{"RFC 9188 Fig. 7 non-IP 0x9F00", GMA_METHOD_NONIP, 0x9F00, fig7_nonip_9f00,
	 sizeof(fig7_nonip_9f00), 0, 13},
};
#define N_GOLDEN (sizeof(goldens) / sizeof(goldens[0]))

static struct gma_fields golden_fields(uint16_t flags)
{
	struct gma_fields f = {
		.flags = flags,
		.ttl = 0x40,
		.timestamp = 0x0A0B0C0D,
		.flow_sn = 0x123456,
		.delivery_sn = 0x9A,
		.fc = 0x00,
		.flow_id = 0x03,
		.conn_id = 0x21,
		.fsl = 0x001C,
		.next_header = 0x11,
	};
	return f;
}

/* Decoded values of the fields present, zero for the others. */
static void assert_fields(const struct golden *g, const struct gma_fields *f)
{
	struct gma_fields want = golden_fields(g->flags);

	cr_assert_eq(f->flags, g->flags, "%s: flags %#x", g->name, f->flags);
	cr_assert_eq(f->ttl, (g->flags & GMA_F_TTL) ? want.ttl : 0, "%s: ttl", g->name);
	cr_assert_eq(f->timestamp, (g->flags & GMA_F_TIMESTAMP) ? want.timestamp : 0,
		     "%s: timestamp %#x", g->name, f->timestamp);
	cr_assert_eq(f->flow_sn, (g->flags & GMA_F_FLOW_SN) ? want.flow_sn : 0,
		     "%s: flow sn %#x", g->name, f->flow_sn);
	cr_assert_eq(f->delivery_sn, (g->flags & GMA_F_DELIVERY_SN) ? want.delivery_sn : 0,
		     "%s: delivery sn", g->name);
	cr_assert_eq(f->fc, 0, "%s: fc", g->name);
	cr_assert_eq(f->flow_id, (g->flags & GMA_F_FLOW_ID) ? want.flow_id : 0, "%s: flow id",
		     g->name);
	cr_assert_eq(f->conn_id, (g->flags & GMA_F_CONN_ID) ? want.conn_id : 0, "%s: conn id",
		     g->name);
	cr_assert_eq(f->fsl, (g->flags & GMA_F_CONCAT) ? want.fsl : 0, "%s: fsl", g->name);
	cr_assert_eq(f->next_header, g->m == GMA_METHOD_NONIP ? 0 : 0x11, "%s: next header",
		     g->name);
}

Test(golden, encode_matches_rfc_figures)
{
	for (size_t i = 0; i < N_GOLDEN; i++) {
		const struct golden *g = &goldens[i];
		struct gma_fields f = golden_fields(g->flags);
		uint8_t out[128];
		int n = gma_encode(g->m, &f, sdu, sizeof(sdu), out, sizeof(out));

		cr_assert_eq(n, (int)g->len, "%s: encoded length %d", g->name, n);
		for (size_t b = 0; b < g->len; b++)
			cr_assert_eq(out[b], g->pdu[b], "%s: byte %zu is %#04x, want %#04x",
				     g->name, b, out[b], g->pdu[b]);
	}
}

Test(golden, decode_reads_every_field)
{
	for (size_t i = 0; i < N_GOLDEN; i++) {
		const struct golden *g = &goldens[i];
		struct gma_pdu d;
		int rc = gma_decode(g->m, g->pdu, g->len, &d);

		cr_assert_eq(rc, 0, "%s: %s", g->name, gma_strerror(rc));
		assert_fields(g, &d.f);
		cr_assert_eq(d.gma_off, g->gma_off, "%s: gma_off %u", g->name, d.gma_off);
		cr_assert_eq(d.gma_len, g->gma_len, "%s: gma_len %u", g->name, d.gma_len);
		cr_assert_eq(d.ip_len, g->m == GMA_METHOD_NONIP ? 0 : 20, "%s", g->name);
		cr_assert_eq(d.data_len, g->m == GMA_METHOD_NONIP ? 28 : 8, "%s: data_len %u",
			     g->name, d.data_len);
	}
}

Test(golden, decap_restores_the_original_sdu)
{
	for (size_t i = 0; i < N_GOLDEN; i++) {
		const struct golden *g = &goldens[i];
		uint8_t buf[128];
		struct gma_pdu d;
		struct gma_sdu s[4];
		int n;

		memcpy(buf, g->pdu, g->len);
		cr_assert_eq(gma_decode(g->m, buf, g->len, &d), 0, "%s", g->name);
		n = gma_decap_sdus(g->m, buf, g->len, &d, s, 4);
		cr_assert_eq(n, 1, "%s: %d SDUs", g->name, n);
		cr_assert_eq(s[0].len, sizeof(sdu), "%s", g->name);
		cr_assert_arr_eq(buf + s[0].off, sdu, sizeof(sdu), "%s: SDU differs", g->name);
		cr_assert_eq(s[0].flow_sn, (g->flags & GMA_F_FLOW_SN) ? 0x123456u : 0u, "%s",
			     g->name);
	}
}

/*
 * Swap each byte of the GMA trailer/header with its neighbour (where they
 * differ): the decoder must either reject the PDU or read a different value
 * somewhere, i.e. every byte position is significant.
 */
Test(golden, every_gma_byte_position_matters)
{
	for (size_t i = 0; i < N_GOLDEN; i++) {
		const struct golden *g = &goldens[i];

		for (size_t b = g->gma_off; b + 1 < g->gma_off + g->gma_len; b++) {
			uint8_t buf[128];
			struct gma_pdu d;
			int rc;

			if (g->pdu[b] == g->pdu[b + 1])
				continue;
			memcpy(buf, g->pdu, g->len);
			buf[b] = g->pdu[b + 1];
			buf[b + 1] = g->pdu[b];
			rc = gma_decode(g->m, buf, g->len, &d);
			if (rc < 0)
				continue;
			struct gma_fields want = golden_fields(g->flags);
			bool same = d.f.flags == g->flags &&
				    (!(g->flags & GMA_F_TTL) || d.f.ttl == want.ttl) &&
				    (!(g->flags & GMA_F_TIMESTAMP) || d.f.timestamp == want.timestamp) &&
				    (!(g->flags & GMA_F_FLOW_SN) || d.f.flow_sn == want.flow_sn) &&
				    (!(g->flags & GMA_F_DELIVERY_SN) ||
				     d.f.delivery_sn == want.delivery_sn) &&
				    (!(g->flags & GMA_F_FRAG) || d.f.fc == 0) &&
				    (!(g->flags & GMA_F_FLOW_ID) || d.f.flow_id == want.flow_id) &&
				    (!(g->flags & GMA_F_CONN_ID) || d.f.conn_id == want.conn_id) &&
				    (!(g->flags & GMA_F_CONCAT) || d.f.fsl == want.fsl) &&
				    (g->m == GMA_METHOD_NONIP || d.f.next_header == 0x11);
			cr_assert(!same, "%s: swapping bytes %zu/%zu went unnoticed", g->name, b,
				  b + 1);
		}
	}
}

/* RFC 9188 4.1: IP Length, TTL and checksum of the PDU header. */
Test(golden, trailer_rewrites_the_ipv4_header)
{
	struct gma_pdu d;

	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, fig4_trailer_all, sizeof(fig4_trailer_all), &d),
		     0);
	cr_assert_eq(fig4_trailer_all[9], GMA_IPPROTO);
	cr_assert_eq(fig4_trailer_all[8], 1);
	cr_assert_eq(gma_ipv4_cksum(fig4_trailer_all, 20), 0x7aee);
	cr_assert_eq(gma_ipv4_cksum(sdu, 20), 0x3c61);
}

/* RFC 9188 Figure 8: two SDUs behind one IP header, FSL = first SDU length,
 * Flow SN of the last SDU (0x000011), the first gets 0x000010.  Trailer
 * Flags 0x4280 (FSL, Flow SN, TTL), 9 bytes: TTL 0x40, Flow SN 00 00 11, FSL
 * 00 1c, Next Header 0x11, Flags 42 80.  Total 28 + 28 + 9 = 65 (0x41); IPv4
 * checksum 0x7adb (the SDU's 0x3c61 with TTL/protocol/length rewritten). */
Test(golden, fig8_concatenation_trailer)
{
	static const uint8_t fig8[65] = {
		0x45, 0x00, 0x00, 0x41, 0x12, 0x34, 0x40, 0x00, 0x01, 0x72, 0x7a, 0xdb,
		0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
		0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* SDU 1 body */
		0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x3c, 0x61,
		0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x07,
		0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* SDU 2, whole */
		0x40, 0x00, 0x00, 0x11, 0x00, 0x1c, 0x11, 0x42, 0x80,
	};
	uint8_t pdu[65];
	struct gma_pdu d;
	struct gma_sdu s[4];

	memcpy(pdu, fig8, sizeof(pdu));
	cr_assert_eq(gma_ipv4_cksum(fig8, 20), 0x7adb);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, sizeof(pdu), &d), 0);
	cr_assert_eq(d.f.flags, 0x4280);
	cr_assert_eq(d.f.fsl, 28);
	cr_assert_eq(d.f.flow_sn, 0x11);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_TRAILER, pdu, sizeof(pdu), &d, s, 4), 2);
	cr_assert_eq(s[0].off, 0);
	cr_assert_eq(s[1].off, 28);
	cr_assert_eq(s[0].flow_sn, 0x10);
	cr_assert_eq(s[1].flow_sn, 0x11);
	cr_assert_arr_eq(pdu + s[0].off, sdu, sizeof(sdu));
	cr_assert_arr_eq(pdu + s[1].off, sdu, sizeof(sdu));
}
