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

#endif /* GMA_SEQ_H */
