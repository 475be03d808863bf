/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the unit tests: a seeded PRNG (deterministic, no rand())
 * and an IPv4 header checksum written independently of the code under test.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* xorshift32; each test seeds rng_state itself (never 0). */
static uint32_t rng_state;

static inline uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* RFC 1071 checksum of an IPv4 header whose checksum field is zero. */
static inline uint16_t ref_cksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif /* TEST_UTIL_H */
