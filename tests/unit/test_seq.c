/* SPDX-License-Identifier: BSD-3-Clause */
/* Serial-number arithmetic for the 8-, 16- and 24-bit GMA/MX fields. */
#include <criterion/criterion.h>

#include "gma_seq.h"

/* RFC 9188 4.1: Flow SN is 24 bits and wraps to 0 after 0xFFFFFF. */
Test(seq, flow_sn_wraps_at_2_24)
{
	cr_assert_eq(gma_sn24_diff(0x000000, 0xFFFFFF), 1);
	cr_assert_eq(gma_sn24_diff(0xFFFFFF, 0x000000), -1);
	cr_assert_eq(gma_sn24_diff(0x000005, 0xFFFFFA), 11);
	cr_assert_eq(gma_sn24_add(0xFFFFFF, 1), 0);
	cr_assert_eq(gma_sn24_add(0xFFFFFE, 5), 3);
	cr_assert_eq(gma_sn24_add(0x000002, -3), 0xFFFFFF);
	cr_assert(gma_sn24_lt(0xFFFFF0, 0x000010));
	cr_assert(!gma_sn24_lt(0x000010, 0xFFFFF0));
	/* Bits above 24 are not part of the number. */
	cr_assert_eq(gma_sn24_diff(0x01000003, 0x00000001), 2);
}

/* RFC 9188 4.1: Delivery SN is 8 bits. */
Test(seq, delivery_sn_wraps_at_2_8)
{
	uint8_t dsn = 255;

	dsn++;
	cr_assert_eq(dsn, 0);
	cr_assert_eq(gma_sn8_diff(0, 255), 1);
	cr_assert_eq(gma_sn8_diff(255, 0), -1);
	cr_assert_eq(gma_sn8_diff(3, 250), 9);
	cr_assert(gma_sn8_lt(250, 3));
}

/* RFC 8743 8.6 / UP-09 5: keep-alive and probe SNs are 16 bits. */
Test(seq, control_sn_wraps_at_2_16)
{
	cr_assert_eq(gma_sn16_diff(0, 0xFFFF), 1);
	cr_assert_eq(gma_sn16_diff(0xFFFF, 0), -1);
	cr_assert(gma_sn16_lt(0xFFF0, 0x0010));
}

/* Half the range apart is the one ambiguous point: always "before". */
Test(seq, half_range)
{
	cr_assert_eq(gma_sn24_diff(0x800000, 0), -0x800000);
	cr_assert_eq(gma_sn24_diff(0, 0x800000), -0x800000);
	cr_assert_eq(gma_sn24_diff(0x7FFFFF, 0), 0x7FFFFF);
	cr_assert_eq(gma_sn24_diff(0x800001, 0), -0x7FFFFF);
	cr_assert_eq(gma_sn8_diff(128, 0), -128);
	cr_assert_eq(gma_sn8_diff(127, 0), 127);
	cr_assert_eq(gma_sn16_diff(0x8000, 0), -0x8000);
}

/* diff(a, b) == -diff(b, a) and a + diff(b, a) == b, everywhere but half range. */
Test(seq, antisymmetric_and_consistent)
{
	uint32_t x = 12345;

	for (int i = 0; i < 100000; i++) {
		uint32_t a, b;
		int32_t d;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		a = x & GMA_SN24_MASK;
		b = (x >> 7) & GMA_SN24_MASK;
		d = gma_sn24_diff(b, a);
		cr_assert_eq(gma_sn24_add(a, d), b);
		if (((a - b) & GMA_SN24_MASK) != 0x800000)
			cr_assert_eq(gma_sn24_diff(a, b), -d);
		uint16_t a16 = (uint16_t)a, b16 = (uint16_t)b;
		if ((uint16_t)(a16 - b16) != 0x8000)
			cr_assert_eq(gma_sn16_diff(a16, b16), -gma_sn16_diff(b16, a16));
		uint8_t a8 = (uint8_t)a, b8 = (uint8_t)b;
		if ((uint8_t)(a8 - b8) != 0x80)
			cr_assert_eq(gma_sn8_diff(a8, b8), -gma_sn8_diff(b8, a8));
	}
}

/* ---- gma_jitter16_update (RFC 3550 6.4.1 on GMA timestamps) ---------------- */

Test(jitter, constant_delay_gives_zero)
{
	uint32_t j = 0;

	for (uint32_t i = 0; i < 100; i++)
		j = gma_jitter16_update(j, 40, 40);
	cr_assert_eq(j, 0);
}

Test(jitter, alternating_delay_converges_to_the_mean_change)
{
	uint32_t j = 0, owd = 100;

	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t next = i % 2 ? 100 : 110; /* |D| = 10 ms every PDU */

		j = gma_jitter16_update(j, owd, next);
		owd = next;
	}
	cr_assert(j >= 9 * 16 && j <= 10 * 16, "j16 %u (%.2f ms)", j, j / 16.0);
}

Test(jitter, decreases_without_wrapping)
{
	uint32_t j = 0, prev;

	for (uint32_t i = 0; i < 200; i++)
		j = gma_jitter16_update(j, 0, i % 2 ? 0 : 50); /* large variation */
	cr_assert_gt(j, 16 * 20);
	for (uint32_t i = 0; i < 300; i++) {
		prev = j;
		j = gma_jitter16_update(j, 70, 70); /* then steady: it decays */
		cr_assert_leq(j, prev, "step %u: %u after %u (it must never jump up)", i, j, prev);
	}
	cr_assert_lt(j, 16, "decayed to under 1 ms: %u", j);
}

Test(jitter, timestamp_wrap_is_a_small_change)
{
	/* The one-way delay crosses 2^32 (the timestamp wrapped): D = 21 ms. */
	uint32_t j = gma_jitter16_update(0, 0xFFFFFFF0u, 0x00000005u);

	cr_assert_eq(j, 21, "21 ms x 16 / 16 = 21 (x16 scale), got %u", j);
	/* A clock jump is capped (65535 ms), never an overflow. */
	j = gma_jitter16_update(0, 0, 0x40000000u);
	cr_assert_eq(j, 65535);
}
