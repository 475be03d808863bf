/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CCM fixture of test_mc_ccm and test_mc_esp: the CCM `ccm` against a
 * scripted NCM.  Its ops.send is mct_ccm_send, which keeps every message
 * sent (sent[0..n_sent)); mct_ncm feeds it the NCM's messages.  Plain
 * globals: Criterion runs each test in a process of its own.
 */
#ifndef MC_TEST_CCM_H
#define MC_TEST_CCM_H

#include <stddef.h>
#include <stdint.h>

#include "cp_msg.h"
#include "mc_ccm.h"

#define MCT_MAX_SENT 256u

extern struct mc_ccm *ccm;
extern char *sent[MCT_MAX_SENT];
extern unsigned n_sent;
extern struct cp_msg msg; /* the last message decoded by mct_sent_msg or mct_decode */
extern int send_rc;       /* what mct_ccm_send returns; 0: keeps the message */

/* Nothing sent, send_rc 0; more than max_sent (<= MCT_MAX_SENT) fails the test. */
void mct_ccm_init(unsigned max_sent);
/* Destroys ccm and frees what it sent. */
void mct_ccm_fini(void);

/* The CCM's ops.send. */
int mct_ccm_send(void *o, const char *text, size_t len);

/* The NCM sends the printf-formatted text at now. */
void mct_ncm(uint64_t now, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sent message i, which must decode, into msg. */
const struct cp_msg *mct_decode(unsigned i);
/* The same, and it must be of type `type`. */
const struct cp_msg *mct_sent_msg(unsigned i, enum cp_msg_type type);
/* The last message sent, which must be of type `type`. */
const struct cp_msg *mct_last(enum cp_msg_type type);

#endif
