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
