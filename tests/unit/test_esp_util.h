/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the ESP tests: a hex decoder and one IPsec-MB manager. */
#ifndef TEST_ESP_UTIL_H
#define TEST_ESP_UTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

static IMB_MGR *mgr;

static void mgr_setup(void)
{
	mgr = alloc_mb_mgr(0);
	cr_assert_not_null(mgr);
	init_mb_mgr_auto(mgr, NULL);
	cr_assert_eq(imb_get_errno(mgr), 0);
}

static void mgr_teardown(void)
{
	free_mb_mgr(mgr);
	mgr = NULL;
}

static unsigned hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	cr_assert(c >= 'A' && c <= 'F', "bad hex digit %c", c);
	return (unsigned)(c - 'A' + 10);
}

/* Decode a hex string (spaces ignored) into out; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		if (*s == ' ') {
			s++;
			continue;
		}
		cr_assert(s[1] != '\0', "odd hex length");
		cr_assert_lt(n, max);
		out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		s += 2;
	}
	return n;
}

#endif /* TEST_ESP_UTIL_H */
