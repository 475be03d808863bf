/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict decimal numbers on command lines, shared by the tools (mamsctl,
 * mams-client): the whole string, digits only (no sign, no blanks, no
 * hex), within lo..hi.  Header-only: the tools share no library.
 */
#ifndef CLI_NUM_H
#define CLI_NUM_H

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static inline bool cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

#endif /* CLI_NUM_H */
