/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Serial-number arithmetic (RFC 1982 style) for the 8-, 16- and 24-bit
 * sequence numbers of GMA and MX control PDUs.
 *
 * gma_snN_diff(a, b) is the signed distance a - b taken modulo 2^N and mapped
 * into [-2^(N-1), 2^(N-1)): positive when a is "after" b.  At exactly half the
 * range the answer is -2^(N-1) (a is taken as "before" b), so the comparison
 * is total and antisymmetric everywhere except that single point.
 */
#ifndef GMA_SEQ_H
#define GMA_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#define GMA_SN24_MASK 0x00FFFFFFu

static inline int32_t gma_sn_diff_bits(uint32_t a, uint32_t b, unsigned bits)
{
	uint32_t mask = bits == 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
	uint32_t half = 1u << (bits - 1u);
	uint32_t d = (a - b) & mask;

	return d < half ? (int32_t)d : -(int32_t)((mask - d) + 1u);
}

static inline int32_t gma_sn8_diff(uint8_t a, uint8_t b)
{
	return gma_sn_diff_bits(a, b, 8);
}

static inline int32_t gma_sn16_diff(uint16_t a, uint16_t b)
{
	return gma_sn_diff_bits(a, b, 16);
}

static inline int32_t gma_sn24_diff(uint32_t a, uint32_t b)
{
	return gma_sn_diff_bits(a, b, 24);
}

static inline uint32_t gma_sn24_add(uint32_t a, int32_t n)
{
	return (a + (uint32_t)n) & GMA_SN24_MASK;
}

static inline bool gma_sn24_lt(uint32_t a, uint32_t b)
{
	return gma_sn24_diff(a, b) < 0;
}

static inline bool gma_sn16_lt(uint16_t a, uint16_t b)
{
	return gma_sn16_diff(a, b) < 0;
}

static inline bool gma_sn8_lt(uint8_t a, uint8_t b)
{
	return gma_sn8_diff(a, b) < 0;
}

/*
 * RFC 3550 6.4.1 interarrival jitter from GMA timestamps (ms), kept scaled
 * by 16: j16 += (|D| * 16 - j16) / 16, D being the change of the one-way
 * delay (local ms - the PDU's timestamp) from one PDU to the next.  Both
 * delays are 32-bit ms values that wrap with the timestamp, so D is their
 * serial difference; |D| is capped at 65535 ms so that a clock jump cannot
 * overflow the estimate, which then decays by 1/16 per PDU.
 */
static inline uint32_t gma_jitter16_update(uint32_t j16, uint32_t owd_prev, uint32_t owd)
{
	int64_t d = gma_sn_diff_bits(owd, owd_prev, 32);
	int64_t ad = d < 0 ? -d : d;

	if (ad > 65535)
		ad = 65535;
	return (uint32_t)((int64_t)j16 + (ad * 16 - (int64_t)j16) / 16);
}

#endif /* GMA_SEQ_H */
