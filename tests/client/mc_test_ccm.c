/* SPDX-License-Identifier: BSD-3-Clause */
/* The CCM fixture of mams-client's unit tests (mc_test_ccm.h). */
#include "mc_test_ccm.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_ccm *ccm;
char *sent[MCT_MAX_SENT];
unsigned n_sent;
struct cp_msg msg;
int send_rc;
static unsigned max_sent;

void mct_ccm_init(unsigned max)
{
	cr_assert_leq(max, MCT_MAX_SENT);
	max_sent = max;
	n_sent = 0;
	send_rc = 0;
}

void mct_ccm_fini(void)
{
	mc_ccm_destroy(ccm);
	ccm = NULL;
	for (unsigned i = 0; i < n_sent; i++)
		free(sent[i]);
	n_sent = 0;
}

int mct_ccm_send(void *o, const char *text, size_t len)
{
	(void)o;
	if (send_rc != 0)
		return send_rc;
	cr_assert_lt(n_sent, max_sent);
	sent[n_sent++] = strndup(text, len);
	return 0;
}

void mct_ncm(uint64_t now, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mc_ccm_on_text(ccm, buf, strlen(buf), now);
}

const struct cp_msg *mct_decode(unsigned i)
{
	struct cp_msg_error err;

	cr_assert_lt(i, n_sent, "message %u was not sent (%u sent)", i, n_sent);
	cr_assert_eq(cp_msg_decode(sent[i], strlen(sent[i]), NULL, &msg, &err), 0,
		     "sent message does not decode: %s: %s: %s", err.field, err.reason, sent[i]);
	return &msg;
}

const struct cp_msg *mct_sent_msg(unsigned i, enum cp_msg_type type)
{
	mct_decode(i);
	cr_assert_eq(msg.type, type, "sent %s, expected %s: %s", cp_msg_type_name(msg.type),
		     cp_msg_type_name(type), sent[i]);
	return &msg;
}

const struct cp_msg *mct_last(enum cp_msg_type type)
{
	cr_assert_gt(n_sent, 0, "nothing sent");
	return mct_sent_msg(n_sent - 1, type);
}
