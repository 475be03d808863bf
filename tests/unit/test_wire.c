/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA codec: round trips over every combination of the nine optional fields
 * for each method, and one test per rejection reason.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gma_seq.h"
#include "gma_wire.h"

static const uint16_t opt_bits[9] = {
	GMA_F_CHECKSUM, GMA_F_CONCAT,    GMA_F_CONN_ID,   GMA_F_FLOW_ID, GMA_F_FRAG,
	GMA_F_DELIVERY_SN, GMA_F_FLOW_SN, GMA_F_TIMESTAMP, GMA_F_TTL,
};

static uint32_t rng_state = 0x9E3779B9u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A valid IPv4/UDP packet of total length len with a patterned payload. */
static size_t make_ipv4(uint8_t *p, size_t len, uint8_t ttl, uint8_t proto)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = 0xab;
	p[5] = 0xcd;
	p[8] = ttl;
	p[9] = proto;
	p[12] = 192; p[13] = 0; p[14] = 2; p[15] = 10;
	p[16] = 198; p[17] = 51; p[18] = 100; p[19] = 20;
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	gma_ipv4_set(p, 20, proto, ttl, (uint16_t)len);
	return len;
}

static size_t make_ipv6(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	p[7] = 64;
	for (size_t i = 40; i < len; i++)
		p[i] = (uint8_t)(i * 5 + 1);
	return len;
}

static const char *mname(enum gma_method m)
{
	return m == GMA_METHOD_TRAILER ? "trailer" : m == GMA_METHOD_HEADER_IP ? "header-ip" : "non-ip";
}

/* RFC 9188 4.1-4.3: all 512 flag combinations, each method. */
Test(wire, round_trip_all_512_combinations)
{
	uint8_t sdu[300], pdu[400], work[400];

	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		for (unsigned combo = 0; combo < 512; combo++) {
			struct gma_fields f = {0}, want;
			struct gma_pdu d;
			struct gma_sdu s[2];
			size_t sdu_len = 21 + rng() % 250;
			int n, rc;

			for (unsigned b = 0; b < 9; b++)
				if (combo & (1u << b))
					f.flags |= opt_bits[b];
			make_ipv4(sdu, sdu_len, (uint8_t)(1 + rng() % 255), (uint8_t)(rng() % 256));
			f.timestamp = rng();
			f.flow_sn = rng() & GMA_SN24_MASK;
			f.delivery_sn = (uint8_t)rng();
			f.flow_id = (uint8_t)rng();
			f.conn_id = (uint8_t)rng();
			f.fsl = (uint16_t)sdu_len;
			/* A fragment needs a Flow SN and no FSL; otherwise FC = 0 (whole SDU). */
			f.fc = ((f.flags & GMA_F_FLOW_SN) && !(f.flags & GMA_F_CONCAT)) ? 0x85 : 0;

			rc = gma_encode((enum gma_method)m, &f, sdu, sdu_len, pdu, sizeof(pdu));
			if (m == GMA_METHOD_NONIP && (f.flags & (GMA_F_TTL | GMA_F_CONCAT))) {
				/* RFC 9188 4.3: TTL, FSL, Next Header MUST NOT be included. */
				cr_assert_eq(rc, -GMA_ERR_NONIP_FIELD, "%s %#x: %d", mname(m), f.flags,
					     rc);
				continue;
			}
			cr_assert_gt(rc, 0, "%s flags %#x: %s", mname(m), f.flags, gma_strerror(rc));
			want = f;
			if (m != GMA_METHOD_NONIP) {
				want.flags |= GMA_F_TTL; /* forced for IP methods (RFC 9188 4.2) */
				want.ttl = sdu[8];
				want.next_header = sdu[9];
			}
			cr_assert_eq((size_t)rc, sdu_len + gma_overhead((enum gma_method)m, f.flags));

			cr_assert_eq(gma_decode((enum gma_method)m, pdu, (size_t)rc, &d), 0,
				     "%s flags %#x", mname(m), f.flags);
			cr_assert_eq(d.f.flags, want.flags);
#define FIELD_EQ(flag, field)                                                                     \
	cr_assert_eq(d.f.field, (want.flags & (flag)) ? want.field : 0, "%s %#x: " #field,       \
		     mname(m), want.flags)
			FIELD_EQ(GMA_F_TTL, ttl);
			FIELD_EQ(GMA_F_TIMESTAMP, timestamp);
			FIELD_EQ(GMA_F_FLOW_SN, flow_sn);
			FIELD_EQ(GMA_F_DELIVERY_SN, delivery_sn);
			FIELD_EQ(GMA_F_FRAG, fc);
			FIELD_EQ(GMA_F_FLOW_ID, flow_id);
			FIELD_EQ(GMA_F_CONN_ID, conn_id);
			FIELD_EQ(GMA_F_CONCAT, fsl);
#undef FIELD_EQ
			cr_assert_eq(d.f.next_header, m == GMA_METHOD_NONIP ? 0 : sdu[9]);
			cr_assert_eq(d.gma_len, gma_overhead((enum gma_method)m, f.flags));

			if ((d.f.flags & GMA_F_FRAG) && d.f.fc != 0) {
				/* A fragment: its data is the SDU body (IP) or the SDU (non-IP). */
				size_t skip = m == GMA_METHOD_NONIP ? 0 : 20;
				cr_assert_eq(d.data_len, sdu_len - skip);
				cr_assert_arr_eq(pdu + d.data_off, sdu + skip, d.data_len);
				cr_assert_eq(gma_decap_sdus((enum gma_method)m, pdu, (size_t)rc, &d, s, 2),
					     -GMA_ERR_INVAL);
				continue;
			}
			memcpy(work, pdu, (size_t)rc);
			n = gma_decap_sdus((enum gma_method)m, work, (size_t)rc, &d, s, 2);
			cr_assert_eq(n, 1, "%s %#x: %d", mname(m), f.flags, n);
			cr_assert_eq(s[0].len, sdu_len);
			cr_assert_arr_eq(work + s[0].off, sdu, sdu_len, "%s %#x: SDU differs", mname(m),
					 f.flags);
		}
	}
}

/* The in-place trailer path used by the data plane equals gma_encode(). */
Test(wire, trailer_inplace_equals_copy)
{
	uint8_t sdu[100], a[200], b[200];
	struct gma_fields f = {.flags = 0x9780, .flow_sn = 77, .timestamp = 5, .flow_id = 2};
	int na, nb;

	make_ipv4(sdu, 100, 33, 6);
	na = gma_encode(GMA_METHOD_TRAILER, &f, sdu, 100, a, sizeof(a));
	memcpy(b, sdu, 100);
	nb = gma_encap_trailer_inplace(&f, b, 100, sizeof(b));
	cr_assert_eq(na, nb);
	cr_assert_arr_eq(a, b, (size_t)na);
	memcpy(b, sdu, 100);
	cr_assert_eq(gma_encap_trailer_inplace(&f, b, 100, (size_t)na - 1), -GMA_ERR_NOSPACE);
}

/* RFC 9188 4: non-IP carries IPv6 SDUs (the IP methods MUST NOT). */
Test(wire, ipv6_sdu)
{
	uint8_t sdu[120], pdu[200];
	struct gma_fields f = {.flags = GMA_F_FLOW_SN, .flow_sn = 9};
	struct gma_pdu d;
	struct gma_sdu s[2];
	int n;

	make_ipv6(sdu, sizeof(sdu));
	cr_assert_eq(gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_IPV6_SDU);
	cr_assert_eq(gma_encode(GMA_METHOD_HEADER_IP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_IPV6_SDU);
	n = gma_encode(GMA_METHOD_NONIP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_eq(n, 5 + (int)sizeof(sdu));
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, (size_t)n, &d), 0);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, (size_t)n, &d, s, 2), 1);
	cr_assert_arr_eq(pdu + s[0].off, sdu, sizeof(sdu));
	/* An IPv6 packet offered to an IP-method decoder. */
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, sdu, sizeof(sdu), &d), -GMA_ERR_IPV6_SDU);
}

/* Flow SN is 24 bits: 0xFFFFFF is the last value, 2^24 does not exist. */
Test(wire, flow_sn_24_bit_limit)
{
	uint8_t sdu[40], pdu[100];
	struct gma_fields f = {.flags = GMA_F_FLOW_SN, .flow_sn = 0xFFFFFF};
	struct gma_pdu d;
	int n;

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n, &d), 0);
	cr_assert_eq(d.f.flow_sn, 0xFFFFFF);
	f.flow_sn = 0x1000000;
	cr_assert_eq(gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_INVAL);
}

/* Concatenated SDU Flow SNs wrap at 2^24 (RFC 9188 6: last SDU carries SN). */
Test(wire, concat_flow_sn_wraps)
{
	uint8_t a[30], pdu[200];
	struct gma_pdu d;
	struct gma_sdu s[4];
	int n;

	make_ipv4(a, sizeof(a), 64, 17);
	/* Non-IP: the receiver walks the inner headers; three SDUs, SN 1 last. */
	pdu[0] = 0x02;
	pdu[1] = 0x00;
	pdu[2] = 0x00;
	pdu[3] = 0x00;
	pdu[4] = 0x01;
	memcpy(pdu + 5, a, 30);
	memcpy(pdu + 35, a, 30);
	memcpy(pdu + 65, a, 30);
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 95, &d), 0);
	n = gma_decap_sdus(GMA_METHOD_NONIP, pdu, 95, &d, s, 4);
	cr_assert_eq(n, 3);
	cr_assert_eq(s[0].flow_sn, 0xFFFFFF);
	cr_assert_eq(s[1].flow_sn, 0x000000);
	cr_assert_eq(s[2].flow_sn, 0x000001);
}

/* ---- One test per rejection reason --------------------------------------- */

static int encode_std(enum gma_method m, uint16_t flags, uint8_t *pdu, size_t cap)
{
	uint8_t sdu[60];
	struct gma_fields f = {.flags = flags, .flow_sn = 100, .timestamp = 7};

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	return gma_encode(m, &f, sdu, sizeof(sdu), pdu, cap);
}

Test(reject, version)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	int n;

	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		n = encode_std((enum gma_method)m, GMA_F_FLOW_SN, pdu, sizeof(pdu));
		cr_assert_gt(n, 0);
		if (m == GMA_METHOD_TRAILER)
			pdu[n - 1] |= 0x01;
		else
			pdu[m == GMA_METHOD_NONIP ? 1 : 21] |= 0x01;
		cr_assert_eq(gma_decode((enum gma_method)m, pdu, (size_t)n, &d), -GMA_ERR_VERSION,
			     "%s", mname(m));
	}
}

Test(reject, reserved_bits_are_ignored)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	int n = encode_std(GMA_METHOD_TRAILER, GMA_F_FLOW_SN, pdu, sizeof(pdu));

	pdu[n - 1] |= 0x78; /* bits 9-12 */
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n, &d), 0);
	cr_assert_eq(d.f.flow_sn, 100);
}

Test(reject, truncated)
{
	uint8_t pdu[200];
	struct gma_pdu d;

	make_ipv4(pdu, 40, 1, GMA_IPPROTO);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, 10, &d), -GMA_ERR_TRUNCATED);
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, 0, &d), -GMA_ERR_TRUNCATED);
	pdu[0] = 0x00;
	pdu[1] = 0x00;
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 1, &d), -GMA_ERR_TRUNCATED);
	/* A non-IP header with no SDU behind it. */
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 2, &d), -GMA_ERR_TRUNCATED);
	/* IHL says 24 bytes of header, only 22 there. */
	make_ipv4(pdu, 22, 1, GMA_IPPROTO);
	pdu[0] = 0x46;
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, 22, &d), -GMA_ERR_TRUNCATED);
}

/* The reference implementation crashed on a 24-byte packet: every short
 * length must be answered with a reason, for every method. */
Test(reject, every_short_length_is_safe)
{
	uint8_t full[200], buf[200];
	struct gma_pdu d;

	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		int n = encode_std((enum gma_method)m, 0xFF80 & ~GMA_F_FRAG &
				   (m == GMA_METHOD_NONIP ? ~(GMA_F_TTL | GMA_F_CONCAT) : 0xFFFF),
				   full, sizeof(full));
		cr_assert_gt(n, 0, "%s: %d", mname(m), n);
		for (int len = 0; len < n; len++) {
			struct gma_sdu s[4];
			int rc;

			memcpy(buf, full, (size_t)len);
			rc = gma_decode((enum gma_method)m, buf, (size_t)len, &d);
			/* A cut non-IP PDU is still a PDU; its inner SDU is what is short. */
			if (rc == 0 && m == GMA_METHOD_NONIP)
				rc = gma_decap_sdus((enum gma_method)m, buf, (size_t)len, &d, s, 4);
			cr_assert_lt(rc, 0, "%s len %d accepted", mname(m), len);
		}
	}
}

Test(reject, trailer_longer_than_packet)
{
	uint8_t pdu[64];
	struct gma_pdu d;

	/* 20-byte header + 4 bytes of payload; the Flags claim 18 bytes. */
	make_ipv4(pdu, 24, 1, GMA_IPPROTO);
	pdu[21] = 0x11;
	pdu[22] = 0xFF;
	pdu[23] = 0x80;
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, 24, &d), -GMA_ERR_TRAILER_LEN);
	/* Header-IP: Flags right after the IP header claim more than there is. */
	pdu[20] = 0xFF;
	pdu[21] = 0x80;
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, 24, &d), -GMA_ERR_TRAILER_LEN);
	/* Non-IP: a 0x0100 header (timestamp) with only 3 bytes. */
	pdu[0] = 0x01;
	pdu[1] = 0x00;
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 3, &d), -GMA_ERR_TRAILER_LEN);
}

Test(reject, ip_total_length_disagrees)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	int n = encode_std(GMA_METHOD_TRAILER, GMA_F_FLOW_SN, pdu, sizeof(pdu));

	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n - 1, &d), -GMA_ERR_IP_LEN);
	pdu[n] = 0;
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n + 1, &d), -GMA_ERR_IP_LEN);
	/* Encoding an SDU whose IP length is not its buffer length. */
	uint8_t sdu[60];
	struct gma_fields f = {.flags = 0};
	make_ipv4(sdu, 60, 64, 17);
	cr_assert_eq(gma_encode(GMA_METHOD_TRAILER, &f, sdu, 59, pdu, sizeof(pdu)),
		     -GMA_ERR_IP_LEN);
}

Test(reject, ip_header)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	int n = encode_std(GMA_METHOD_TRAILER, GMA_F_FLOW_SN, pdu, sizeof(pdu));

	pdu[0] = 0x55; /* version 5 */
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n, &d), -GMA_ERR_IP_HDR);
	pdu[0] = 0x44; /* IHL 4 */
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, (size_t)n, &d), -GMA_ERR_IP_HDR);
}

Test(reject, not_gma)
{
	uint8_t pdu[200];
	struct gma_pdu d;

	make_ipv4(pdu, 60, 64, 17);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, 60, &d), -GMA_ERR_NOT_GMA);
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, 60, &d), -GMA_ERR_NOT_GMA);
}

/* RFC 9188 4.2: TTL MUST be present for the IP methods. */
Test(reject, ttl_missing)
{
	uint8_t pdu[64];
	struct gma_pdu d;

	/* IPv4 header + trailer: Flow SN 00 00 05, Next Header 0x11, Flags 0x0200. */
	make_ipv4(pdu, 26, 1, GMA_IPPROTO);
	pdu[20] = 0x00;
	pdu[21] = 0x00;
	pdu[22] = 0x05;
	pdu[23] = 0x11;
	pdu[24] = 0x02;
	pdu[25] = 0x00;
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, 26, &d), -GMA_ERR_TTL_MISSING);
	struct gma_fields f = {.flags = GMA_F_FLOW_SN};
	cr_assert_eq(gma_write_fields(GMA_METHOD_TRAILER, &f, pdu, sizeof(pdu)),
		     -GMA_ERR_TTL_MISSING);
}

/* RFC 9188 4.3: TTL, FSL and Next Header MUST NOT be in non-IP PDUs. */
Test(reject, nonip_forbidden_fields)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	int n = encode_std(GMA_METHOD_NONIP, GMA_F_FLOW_SN, pdu, sizeof(pdu));

	cr_assert_gt(n, 0);
	pdu[1] = 0x80; /* TTL flag */
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, (size_t)n, &d), -GMA_ERR_NONIP_FIELD);
	pdu[0] = 0x42; /* FSL flag */
	pdu[1] = 0x00;
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, (size_t)n, &d), -GMA_ERR_NONIP_FIELD);
	cr_assert_eq(encode_std(GMA_METHOD_NONIP, GMA_F_CONCAT, pdu, sizeof(pdu)),
		     -GMA_ERR_NONIP_FIELD);
}

Test(reject, checksum)
{
	uint8_t pdu[200];
	struct gma_pdu d;

	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		int n = encode_std((enum gma_method)m, GMA_F_CHECKSUM | GMA_F_FLOW_SN |
				   GMA_F_TIMESTAMP, pdu, sizeof(pdu));
		struct gma_pdu ok;

		cr_assert_eq(gma_decode((enum gma_method)m, pdu, (size_t)n, &ok), 0);
		pdu[ok.gma_off + ok.gma_len - (m == GMA_METHOD_NONIP ? 2 : 4)] ^= 0x10;
		cr_assert_eq(gma_decode((enum gma_method)m, pdu, (size_t)n, &d), -GMA_ERR_CHECKSUM,
			     "%s", mname(m));
	}
}

/* RFC 9188 5: at most 128 fragments, offsets 0..127; MF at 127 needs a 128th. */
Test(reject, fragment_offset_128)
{
	uint8_t pdu[200];
	struct gma_pdu d;
	uint8_t sdu[60];
	struct gma_fields f = {.flags = GMA_F_FRAG | GMA_F_FLOW_SN, .fc = 0xFF};
	int n;

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	cr_assert_eq(gma_encode(GMA_METHOD_NONIP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_FRAG_OFFSET);
	f.fc = 0x7F; /* last fragment at offset 127: valid */
	n = gma_encode(GMA_METHOD_NONIP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, (size_t)n, &d), 0);
	cr_assert_eq(d.f.fc, 0x7F);
	pdu[5] = 0xFF; /* Flags(2) FlowSN(3) FC */
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, (size_t)n, &d), -GMA_ERR_FRAG_OFFSET);
}

/* RFC 9188 6: no fragmentation and concatenation in one PDU. */
Test(reject, fragment_with_concatenation)
{
	uint8_t sdu[60], pdu[200];
	struct gma_fields f = {.flags = GMA_F_FRAG | GMA_F_FLOW_SN | GMA_F_CONCAT, .fc = 0x80,
			       .fsl = 60};
	struct gma_pdu d;
	int n;

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	cr_assert_eq(gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_FRAG_CONCAT);
	f.fc = 0;
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	/* Trailer: ... FlowSN(3) FC(1) FSL(2) NH Flags: FC is 6 bytes from the end. */
	pdu[n - 6] = 0x80;
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n, &d), -GMA_ERR_FRAG_CONCAT);
}

Test(reject, fragment_without_flow_sn)
{
	uint8_t sdu[60], pdu[200];
	struct gma_fields f = {.flags = GMA_F_FRAG, .fc = 0x80};
	struct gma_pdu d;
	int n;

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	cr_assert_eq(gma_encode(GMA_METHOD_HEADER_IP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu)),
		     -GMA_ERR_FRAG_NO_SN);
	f.fc = 0;
	n = gma_encode(GMA_METHOD_HEADER_IP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	pdu[20 + 2 + 1] = 0x81; /* Flags(2) TTL(1) FC */
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, (size_t)n, &d), -GMA_ERR_FRAG_NO_SN);
}

Test(reject, fsl_outside_pdu)
{
	uint8_t sdu[60], pdu[200];
	struct gma_fields f = {.flags = GMA_F_CONCAT, .fsl = 61};
	struct gma_pdu d;
	int n;

	make_ipv4(sdu, sizeof(sdu), 64, 17);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, (size_t)n, &d), -GMA_ERR_FSL);
	f.fsl = 19; /* shorter than the IP header it includes */
	n = gma_encode(GMA_METHOD_HEADER_IP, &f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_eq(gma_decode(GMA_METHOD_HEADER_IP, pdu, (size_t)n, &d), -GMA_ERR_FSL);
}

Test(reject, concatenated_sdu_length)
{
	uint8_t a[40], pdu[200];
	struct gma_pdu d;
	struct gma_sdu s[4];

	make_ipv4(a, sizeof(a), 64, 17);
	pdu[0] = 0x00;
	pdu[1] = 0x00;
	memcpy(pdu + 2, a, 40);
	memcpy(pdu + 42, a, 40);
	pdu[42 + 3] = 41; /* second SDU claims one byte more than is there */
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 82, &d), 0);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 82, &d, s, 4), -GMA_ERR_SDU_LEN);
	pdu[42 + 3] = 40;
	pdu[42] = 0x75; /* not an IP header */
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 82, &d, s, 4), -GMA_ERR_IP_HDR);
	pdu[42] = 0x45;
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 82, &d, s, 4), 2);
	/* Trailing bytes too short to be a header. */
	pdu[82] = 0x45;
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 83, &d), 0);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 83, &d, s, 4), -GMA_ERR_SDU_LEN);
}

Test(reject, too_many_sdus)
{
	uint8_t a[40], pdu[200];
	struct gma_pdu d;
	struct gma_sdu s[4];

	make_ipv4(a, sizeof(a), 64, 17);
	pdu[0] = 0x00;
	pdu[1] = 0x00;
	memcpy(pdu + 2, a, 40);
	memcpy(pdu + 42, a, 40);
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, pdu, 82, &d), 0);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 82, &d, s, 1), -GMA_ERR_TOO_MANY);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_NONIP, pdu, 82, &d, s, 0), -GMA_ERR_TOO_MANY);
}

Test(reject, output_too_small)
{
	uint8_t pdu[200];

	for (int m = 0; m < GMA_METHOD_COUNT; m++) {
		int n = encode_std((enum gma_method)m, GMA_F_FLOW_SN, pdu, sizeof(pdu));

		cr_assert_gt(n, 0);
		cr_assert_eq(encode_std((enum gma_method)m, GMA_F_FLOW_SN, pdu, (size_t)n),
			     n);
		cr_assert_eq(encode_std((enum gma_method)m, GMA_F_FLOW_SN, pdu, (size_t)n - 1),
			     -GMA_ERR_NOSPACE, "%s", mname(m));
	}
}

Test(reject, bad_arguments)
{
	uint8_t pdu[64] = {0};
	struct gma_pdu d;
	struct gma_fields f = {0};

	cr_assert_eq(gma_decode((enum gma_method)7, pdu, 40, &d), -GMA_ERR_INVAL);
	cr_assert_eq(gma_decode(GMA_METHOD_NONIP, NULL, 40, &d), -GMA_ERR_INVAL);
	cr_assert_eq(gma_write_fields((enum gma_method)3, &f, pdu, 64), -GMA_ERR_INVAL);
	cr_assert_eq(gma_read_header(GMA_METHOD_TRAILER, pdu, 64, &f), -GMA_ERR_INVAL);
}

Test(errors, every_reason_has_a_distinct_name_and_text)
{
	for (int i = 0; i < GMA_ERR_MAX_; i++) {
		cr_assert_not_null(gma_strerror(-i));
		cr_assert_str_eq(gma_strerror(i), gma_strerror(-i));
		for (int j = 0; j < i; j++) {
			cr_assert_str_neq(gma_errname(i), gma_errname(j));
			cr_assert_str_neq(gma_strerror(i), gma_strerror(j));
		}
	}
	cr_assert_str_eq(gma_errname(-GMA_ERR_TRUNCATED), "TRUNCATED");
	cr_assert_str_eq(gma_errname(GMA_ERR_MAX_ + 5), "UNKNOWN");
}
