/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake data plane for the NCM's unit tests: implements shared/dp_api.h by
 * recording every call and serving statistics the test sets.
 */
#ifndef FAKE_DP_H
#define FAKE_DP_H

#include "dp_api.h"

#define FAKE_DP_MAX_CALLS 256u
#define FAKE_DP_MAX_SESSIONS 16u

enum fake_dp_op { FAKE_ADD = 1, FAKE_UPDATE, FAKE_REMOVE, FAKE_STEER, FAKE_PATH_SET };

struct fake_dp_call {
	enum fake_dp_op op;
	uint32_t id;
	struct dp_session_cfg cfg; /* add / update */
};

struct fake_dp {
	unsigned n_calls;
	struct fake_dp_call calls[FAKE_DP_MAX_CALLS];
	unsigned n_sessions;
	struct dp_session_cfg sessions[FAKE_DP_MAX_SESSIONS]; /* what is installed now */
	struct dp_session_stats stats;                        /* served for every session */
	int fail_add;                                         /* -errno for the next add */
};

/* The struct dp_ctx * the NCM is given is really one of these. */
#define FAKE_DP_CTX(f) ((struct dp_ctx *)(void *)(f))

/* Index of the last call of op (for session id, or any when id is 0), or -1. */
int fake_dp_last(const struct fake_dp *f, enum fake_dp_op op, uint32_t id);
unsigned fake_dp_count(const struct fake_dp *f, enum fake_dp_op op);
/* The installed configuration of session id, or NULL. */
const struct dp_session_cfg *fake_dp_session(const struct fake_dp *f, uint32_t id);

#endif /* FAKE_DP_H */
