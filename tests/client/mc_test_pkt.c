/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 packets for mams-client's unit tests (mc_test_pkt.h). */
#include "mc_test_pkt.h"

#include <criterion/criterion.h>
#include <string.h>

#include "gma_wire.h"

void mct_ip4_addrs(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	b[20] = (uint8_t)(sp >> 8);
	b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8);
	b[23] = (uint8_t)dp;
}

/* Total length, UDP length and header checksum of a packet of len bytes. */
static void udp_lengths(uint8_t *b, size_t len)
{
	uint16_t ck;

	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[24] = (uint8_t)((len - 20) >> 8);
	b[25] = (uint8_t)(len - 20);
	b[10] = b[11] = 0;
	ck = gma_ipv4_cksum(b, 20);
	b[10] = (uint8_t)(ck >> 8);
	b[11] = (uint8_t)ck;
}

size_t mct_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, size_t payload,
	       uint8_t fill)
{
	size_t len = 28 + payload;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[4] = 0x12;
	b[5] = 0x34;
	b[8] = 64;
	b[9] = 17;
	mct_ip4_addrs(b, src, dst, sp, dp);
	memset(b + 28, fill, payload);
	udp_lengths(b, len);
	return len;
}

size_t mct_probe_sdu(uint8_t *sdu, enum mx_dialect d, const struct mx_ctrl_pdu *req)
{
	size_t sl = mct_udp(sdu, CTRL_IP, ANCHOR, 9999, 9999, 0, 0);
	int n = mx_ctrl_encode(d, req, sdu + 28, 64);

	cr_assert_gt(n, 0, "mx_ctrl_encode: %d", n);
	sl += (size_t)n;
	udp_lengths(sdu, sl);
	return sl;
}
