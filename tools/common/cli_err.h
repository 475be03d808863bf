/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tools' error convention (mams-client, mams-linkem): a function that
 * fails writes one message naming what was wrong into the caller's err
 * buffer (may be NULL) and returns -1.  Header-only.
 */
#ifndef CLI_ERR_H
#define CLI_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline int cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#endif /* CLI_ERR_H */
