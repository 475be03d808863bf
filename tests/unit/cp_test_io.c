/* SPDX-License-Identifier: BSD-3-Clause */
/* The NCM's fake transport for test_cp_ncm.c and test_cp_rest.c (cp_test_io.h). */
#include "cp_test_io.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cp_test_sent cp_sent[CP_TEST_MAX_SENT];
unsigned cp_n_sent;
uint64_t cp_closed_conn;
int cp_closed_code;
unsigned cp_n_closes;
static uint32_t rnd = 0x1234567u;

int cp_test_io_send(void *o, uint64_t conn, const char *text, size_t len)
{
	(void)o;
	cr_assert_lt(cp_n_sent, CP_TEST_MAX_SENT);
	cp_sent[cp_n_sent].conn = conn;
	cp_sent[cp_n_sent].text = strndup(text, len);
	cp_n_sent++;
	return 0;
}

int cp_test_io_close(void *o, uint64_t conn, int code, const char *reason)
{
	(void)o;
	(void)reason;
	cp_closed_conn = conn;
	cp_closed_code = code;
	cp_n_closes++;
	return 0;
}

int cp_test_io_random(void *o, void *buf, size_t len)
{
	(void)o;
	for (size_t i = 0; i < len; i++) {
		rnd = rnd * 1103515245u + 12345u;
		((uint8_t *)buf)[i] = (uint8_t)(rnd >> 16);
	}
	return 0;
}

void cp_test_io_reset(void)
{
	for (unsigned i = 0; i < cp_n_sent; i++)
		free(cp_sent[i].text);
	cp_n_sent = 0;
	cp_n_closes = 0;
}

void cp_test_rx(struct cp_ncm *ncm, uint64_t conn, uint64_t now, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cp_ncm_on_text(ncm, conn, buf, strlen(buf), now);
}
