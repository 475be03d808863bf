/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake data plane of the NCM tests (fake_dp.h). */
#include "fake_dp.h"

#include <errno.h>
#include <string.h>

#define FAKE(dp) ((struct fake_dp *)(void *)(dp))

static void record(struct fake_dp *f, enum fake_dp_op op, uint32_t id,
		   const struct dp_session_cfg *cfg)
{
	struct fake_dp_call *c;

	if (f->n_calls >= FAKE_DP_MAX_CALLS)
		return;
	c = &f->calls[f->n_calls++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->id = id;
	if (cfg != NULL)
		c->cfg = *cfg;
}

static int find(const struct fake_dp *f, uint32_t id)
{
	for (unsigned i = 0; i < f->n_sessions; i++)
		if (f->sessions[i].id == id)
			return (int)i;
	return -1;
}

int dp_session_add(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	struct fake_dp *f = FAKE(dp);

	record(f, FAKE_ADD, cfg->id, cfg);
	if (f->fail_add != 0) {
		int rc = f->fail_add;

		f->fail_add = 0;
		return rc;
	}
	if (find(f, cfg->id) >= 0)
		return -EEXIST;
	if (cfg->n_paths == 0 || f->n_sessions >= FAKE_DP_MAX_SESSIONS)
		return -EINVAL;
	f->sessions[f->n_sessions++] = *cfg;
	return 0;
}

int dp_session_update(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	struct fake_dp *f = FAKE(dp);
	int i = find(f, cfg->id);

	record(f, FAKE_UPDATE, cfg->id, cfg);
	if (i < 0)
		return -ENOENT;
	f->sessions[i] = *cfg;
	return 0;
}

int dp_session_remove(struct dp_ctx *dp, uint32_t session_id)
{
	struct fake_dp *f = FAKE(dp);
	int i = find(f, session_id);

	record(f, FAKE_REMOVE, session_id, NULL);
	if (i < 0)
		return -ENOENT;
	f->sessions[i] = f->sessions[--f->n_sessions];
	return 0;
}

int dp_flow_steer(struct dp_ctx *dp, uint32_t session_id, uint8_t flow_id,
		  const struct gma_steer_cfg *steer)
{
	struct fake_dp *f = FAKE(dp);
	int i = find(f, session_id);

	record(f, FAKE_STEER, session_id, NULL);
	if (i < 0)
		return -ENOENT;
	for (unsigned k = 0; k < f->sessions[i].n_flows; k++)
		if (f->sessions[i].flows[k].flow_id == flow_id) {
			f->sessions[i].flows[k].steer = *steer;
			return 0;
		}
	return -ENOENT;
}

int dp_path_set(struct dp_ctx *dp, uint32_t session_id, uint8_t conn_id, bool up, uint16_t mtu)
{
	(void)conn_id;
	(void)up;
	(void)mtu;
	record(FAKE(dp), FAKE_PATH_SET, session_id, NULL);
	return find(FAKE(dp), session_id) < 0 ? -ENOENT : 0;
}

int dp_stats_read(struct dp_ctx *dp, struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->n_sessions = FAKE(dp)->n_sessions;
	return 0;
}

int dp_session_stats_read(struct dp_ctx *dp, uint32_t session_id, struct dp_session_stats *out)
{
	struct fake_dp *f = FAKE(dp);
	int i = find(f, session_id);

	if (i < 0)
		return -ENOENT;
	*out = f->stats;
	out->id = session_id;
	out->n_paths = f->sessions[i].n_paths;
	for (unsigned k = 0; k < out->n_paths; k++) {
		out->paths[k].conn_id = f->sessions[i].paths[k].conn_id;
		out->paths[k].up = f->sessions[i].paths[k].up;
		out->paths[k].client_ip = f->sessions[i].paths[k].client_ip;
		out->paths[k].client_port = f->sessions[i].paths[k].client_port;
	}
	return 0;
}

int dp_sessions_list(struct dp_ctx *dp, uint32_t *ids, unsigned max, unsigned *total)
{
	struct fake_dp *f = FAKE(dp);
	unsigned k;

	for (k = 0; k < f->n_sessions && k < max; k++)
		ids[k] = f->sessions[k].id;
	*total = f->n_sessions;
	return 0;
}

const char *dp_drop_reason_name(unsigned i)
{
	(void)i;
	return "fake";
}

int fake_dp_last(const struct fake_dp *f, enum fake_dp_op op, uint32_t id)
{
	for (int i = (int)f->n_calls - 1; i >= 0; i--)
		if (f->calls[i].op == op && (id == 0 || f->calls[i].id == id))
			return i;
	return -1;
}

unsigned fake_dp_count(const struct fake_dp *f, enum fake_dp_op op)
{
	unsigned n = 0;

	for (unsigned i = 0; i < f->n_calls; i++)
		n += f->calls[i].op == op;
	return n;
}

const struct dp_session_cfg *fake_dp_session(const struct fake_dp *f, uint32_t id)
{
	int i = find(f, id);

	return i < 0 ? NULL : &f->sessions[i];
}
