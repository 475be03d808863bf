/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Words on command lines that name a value (--gma-method trailer, dist=normal),
 * shared by the tools (mams-client, mams-linkem): one table per option
 * instead of a chain of strcmp().  Header-only.
 */
#ifndef CLI_NAME_H
#define CLI_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct cli_name {
	const char *name;
	int value;
};

/* The value the table t (n entries) gives the word s: true and *out, or false. */
static inline bool cli_name_value(const struct cli_name *t, size_t n, const char *s, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].value;
			return true;
		}
	}
	return false;
}

/* The words of t as an error message lists them: "a, b or c" (cut to len). */
static inline void cli_name_list(const struct cli_name *t, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int k = snprintf(buf + used, len - used, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " or " : ", ", t[i].name);

		if (k < 0)
			return;
		used += (size_t)k;
	}
}

#endif /* CLI_NAME_H */
