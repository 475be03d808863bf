/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: MAMS JSON codec (controlplane/cp_msg.c).
 *
 * 1. A rejected input leaves a well-formed error: a known close code, field
 *    and reason NUL-terminated inside their arrays, and the mx_error built
 *    from it encodes (its texts are valid UTF-8 whatever the input was).
 * 2. An accepted input encodes in both dialects; the text decodes again to
 *    the same message type and sequence number, and encoding that gives the
 *    same text (one decode/encode pass reaches the canonical form).
 * Any violation ends in __builtin_trap().
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_msg.h"
#include "fuzz_check.h"

static struct cp_msg m, m2;

static void check_error(const struct cp_msg_error *e)
{
	char *s;

	CHECK(e->close_code == 0 || e->close_code == 1007 || e->close_code == 1008 ||
	      e->close_code == 1009 || e->close_code == 1011);
	CHECK(memchr(e->field, '\0', sizeof(e->field)) != NULL);
	CHECK(memchr(e->reason, '\0', sizeof(e->reason)) != NULL);
	CHECK(memchr(e->message_type, '\0', sizeof(e->message_type)) != NULL);
	CHECK(e->reason[0] != '\0');
	cp_msg_make_error(&m2, e);
	s = cp_msg_encode(&m2, CP_DIALECT_RFC8743);
	CHECK(s != NULL || errno == ENOMEM);
	free(s);
}

static void reencode(enum cp_dialect d)
{
	struct cp_msg_error e;
	char *t1, *t2;

	t1 = cp_msg_encode(&m, d);
	if (t1 == NULL) {
		CHECK(errno == ENOMEM);
		return;
	}
	CHECK(cp_msg_decode(t1, strlen(t1), NULL, &m2, &e) == 0);
	CHECK(m2.type == m.type);
	CHECK(m2.sequence_num == m.sequence_num);
	t2 = cp_msg_encode(&m2, d);
	CHECK(t2 != NULL || errno == ENOMEM);
	if (t2 != NULL)
		CHECK(strcmp(t1, t2) == 0);
	free(t1);
	free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cp_msg_error e;

	if (cp_msg_decode((const char *)data, size, NULL, &m, &e) < 0) {
		check_error(&e);
		return 0;
	}
	CHECK(m.type > CP_MSG_NONE && m.type < CP_MSG_COUNT);
	CHECK(e.type == m.type);
	reencode(CP_DIALECT_RFC8743);
	reencode(CP_DIALECT_JSON00);
	return 0;
}
