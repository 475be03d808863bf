/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim's writing routes (cp_rest.h): steering by operator, session
 * termination, the steering policy, configuration reload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_rest_int.h"

/* ---- PUT /v1/sessions/{id}/flows/{flow}/steering --------------------------- */

static int find_flow(const struct dp_session_cfg *s, unsigned flow_id)
{
	for (unsigned f = 0; f < s->n_flows; f++)
		if (s->flows[f].flow_id == flow_id)
			return (int)f;
	return -1;
}

/* Body -> steering in path indexes of s->cfg; 0, or -1 after answering 400. */
static int parse_steering(struct cp_rest *r, struct rest_call *c, const struct rest_sess *s,
			  const json_t *b, struct gma_steer_cfg *out)
{
	static const char *const keys[] = { "mode", "paths" };
	const json_t *mode = json_object_get(b, "mode"), *paths = json_object_get(b, "paths");
	const char *k;
	const json_t *v;
	unsigned sum = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	json_object_foreach((json_t *)b, k, v)
		if (strcmp(k, keys[0]) != 0 && strcmp(k, keys[1]) != 0)
			return rest_error(c->resp, 400, k, "unknown member '%s' (mode, paths)", k), -1;
	if (!json_is_string(mode))
		return rest_error(c->resp, 400, "mode",
				  "mode is required: \"switch\", \"split\" or \"duplicate\""), -1;
	if (strcmp(json_string_value(mode), "switch") == 0)
		out->mode = GMA_STEER_SWITCH;
	else if (strcmp(json_string_value(mode), "split") == 0)
		out->mode = GMA_STEER_SPLIT;
	else if (strcmp(json_string_value(mode), "duplicate") == 0)
		out->mode = GMA_STEER_DUPLICATE;
	else
		return rest_error(c->resp, 400, "mode",
				  "mode '%.32s' is not \"switch\", \"split\" or \"duplicate\"",
				  json_string_value(mode)), -1;
	n = json_array_size(paths);
	if (!json_is_array(paths) || n == 0 || n > DP_MAX_PATHS)
		return rest_error(c->resp, 400, "paths", "paths must be an array of 1..%u paths",
				  DP_MAX_PATHS), -1;
	if (out->mode == GMA_STEER_SWITCH && n != 1)
		return rest_error(c->resp, 400, "paths", "switch takes exactly one path, not %zu", n), -1;
	if (out->mode == GMA_STEER_DUPLICATE && n < 2)
		return rest_error(c->resp, 400, "paths", "duplicate takes two paths or more"), -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(paths, i);
		const json_t *name = json_object_get(p, "name"), *cid = json_object_get(p, "connection_id");
		const json_t *w = json_object_get(p, "weight");
		char f[48];
		int idx = -1;

		snprintf(f, sizeof(f), "paths[%zu]", i);
		if (!json_is_object(p))
			return rest_error(c->resp, 400, f, "%s must be an object", f), -1;
		json_object_foreach((json_t *)p, k, v)
			if (strcmp(k, "name") && strcmp(k, "connection_id") && strcmp(k, "weight")) {
				snprintf(f, sizeof(f), "paths[%zu].%.24s", i, k);
				return rest_error(c->resp, 400, f,
						  "unknown member '%s' (name, connection_id, weight)", k), -1;
			}
		if (name == NULL && cid == NULL)
			return rest_error(c->resp, 400, f, "%s needs a name or a connection_id", f), -1;
		if (cid != NULL) {
			snprintf(f, sizeof(f), "paths[%zu].connection_id", i);
			if (!json_is_integer(cid) || json_integer_value(cid) < 0 ||
			    json_integer_value(cid) > 15)
				return rest_error(c->resp, 400, f, "%s must be an integer 0..15", f), -1;
			for (unsigned k2 = 0; k2 < s->cfg->n_paths; k2++)
				if (s->cfg->paths[k2].conn_id == json_integer_value(cid))
					idx = (int)k2;
			if (idx < 0)
				return rest_error(c->resp, 400, f, "session %u has no connection %lld",
						  s->cfg->id, json_integer_value(cid)), -1;
		}
		if (name != NULL) {
			int by_name = -1;

			snprintf(f, sizeof(f), "paths[%zu].name", i);
			if (!json_is_string(name))
				return rest_error(c->resp, 400, f, "%s must be a string", f), -1;
			for (unsigned k2 = 0; k2 < s->cfg->n_paths; k2++)
				if (strcmp(rest_port_name(r, s->cfg->paths[k2].port),
					   json_string_value(name)) == 0) {
					if (by_name >= 0 && idx < 0)
						return rest_error(c->resp, 400, f,
								  "session %u has several connections on '%.32s': give connection_id",
								  s->cfg->id, json_string_value(name)), -1;
					if (by_name < 0 || (int)k2 == idx)
						by_name = (int)k2;
				}
			if (by_name < 0)
				return rest_error(c->resp, 400, f, "session %u has no connection named '%.32s'",
						  s->cfg->id, json_string_value(name)), -1;
			if (idx >= 0 && idx != by_name)
				return rest_error(c->resp, 400, f,
						  "name '%.32s' and connection_id %d are different connections",
						  json_string_value(name), s->cfg->paths[idx].conn_id), -1;
			idx = by_name;
		}
		for (unsigned j = 0; j < out->n; j++)
			if (out->path[j] == idx) {
				snprintf(f, sizeof(f), "paths[%zu]", i);
				return rest_error(c->resp, 400, f, "connection %u is listed twice",
						  s->cfg->paths[idx].conn_id), -1;
			}
		snprintf(f, sizeof(f), "paths[%zu].weight", i);
		if (w != NULL && (!json_is_integer(w) || json_integer_value(w) < 0 ||
				  json_integer_value(w) > 100))
			return rest_error(c->resp, 400, f, "%s must be an integer 0..100", f), -1;
		if (out->mode == GMA_STEER_SPLIT && w == NULL)
			return rest_error(c->resp, 400, f, "split needs a weight on every path"), -1;
		out->path[out->n] = (uint8_t)idx;
		out->weight[out->n] = out->mode == GMA_STEER_SPLIT ? (uint16_t)json_integer_value(w) : 0;
		sum += out->weight[out->n];
		out->n++;
	}
	if (out->mode == GMA_STEER_SPLIT && sum != 100)
		return rest_error(c->resp, 400, "paths", "split weights sum to %u, not 100", sum), -1;
	return 0;
}

int rest_put_steering(struct cp_rest *r, struct rest_call *c)
{
	struct gma_steer_cfg steer, by_conn;
	struct rest_sess s;
	json_t *b;
	int f, rc;

	if (rest_find_session(r, c, &s) != 0)
		return 0;
	f = find_flow(s.cfg, c->flow);
	if (f < 0)
		return rest_error(c->resp, 404, "flow", "session %u has no flow %u", s.cfg->id, c->flow);
	b = rest_body_object(c);
	if (b == NULL)
		return 0;
	rc = parse_steering(r, c, &s, b, &steer);
	json_decref(b);
	if (rc != 0)
		return 0;
	if (s.is_static) {
		rc = dp_flow_steer(r->dp, s.cfg->id, (uint8_t)c->flow, &steer);
		if (rc == -ENOENT)
			return rest_error(c->resp, 404, "id", "session %u is no longer in the data plane",
					  s.cfg->id);
		if (rc != 0)
			return rest_error(c->resp, 409, "", "the data plane refused the steering: %s",
					  strerror(-rc));
		r->dpc->sessions[s.idx].flows[f].steer = steer;
		r->static_operator[s.idx] |= (uint8_t)(1u << f);
	} else {
		by_conn = steer;
		for (unsigned j = 0; j < steer.n; j++)
			by_conn.path[j] = s.cfg->paths[steer.path[j]].conn_id;
		rc = cp_ncm_operator_steer(r->ncm, s.cfg->id, (uint8_t)c->flow, &by_conn,
					   c->req->now_ms);
		if (rc == -ENOENT)
			return rest_error(c->resp, 404, "id", "no session %u", s.cfg->id);
		if (rc == -ESRCH)
			return rest_error(c->resp, 404, "flow", "session %u has no flow %u", s.cfg->id,
					  c->flow);
		if (rc == -EBUSY)
			return rest_error(c->resp, 409, "id", "session %u is %s, not active", s.cfg->id,
					  cp_ncm_state_name(r->det.info.state));
		if (rc != 0)
			return rest_error(c->resp, 409, "paths", "steering not applied: %s",
					  rc == -EIO ? "the data plane refused the update"
						     : strerror(-rc));
	}
	if (rest_find_session(r, c, &s) != 0)
		return 0;
	return rest_json(c->resp, 200, rest_flow_json(r, &s, (unsigned)f));
}

/* ---- DELETE /v1/sessions/{id} ------------------------------------------------ */

int rest_delete_session(struct cp_rest *r, struct rest_call *c)
{
	struct rest_sess s;
	int rc;

	if (rest_find_session(r, c, &s) != 0)
		return 0;
	if (s.is_static) {
		rc = dp_session_remove(r->dp, s.cfg->id);
		if (rc != 0 && rc != -ENOENT)
			return rest_error(c->resp, 409, "id", "the data plane refused: %s",
					  strerror(-rc));
		r->static_removed[s.idx] = true;
		r->static_operator[s.idx] = 0;
		return rest_json(c->resp, 200, json_pack("{s:I,s:s}", "id", (json_int_t)c->id,
							 "state", "removed"));
	}
	if (r->det.info.state == CP_NCM_TERMINATING)
		return rest_error(c->resp, 409, "id", "session %llu is already terminating",
				  (unsigned long long)c->id);
	if (cp_ncm_terminate(r->ncm, (uint32_t)c->id, c->req->now_ms) != 0)
		return rest_error(c->resp, 404, "id", "no session %llu", (unsigned long long)c->id);
	/* Without its WebSocket the NCM removes it at once. */
	if (!r->det.info.attached)
		return rest_json(c->resp, 200, json_pack("{s:I,s:s}", "id", (json_int_t)c->id,
							 "state", "removed"));
	return rest_json(c->resp, 202,
			 json_pack("{s:I,s:s}", "id", (json_int_t)c->id, "state", "terminating"));
}

/* ---- /v1/policy ------------------------------------------------------------------ */

static json_t *policy_json(const struct cp_policy_cfg *p)
{
	return json_pack("{s:I,s:i,s:i,s:I}", "interval_ms", (json_int_t)p->interval_ms,
			 "min_change_pct", p->min_change_pct, "probe_fail", p->probe_fail,
			 "hold_down_ms", (json_int_t)p->hold_down_ms);
}

int rest_get_policy(struct cp_rest *r, struct rest_call *c)
{
	struct cp_policy_cfg p;

	if (r->ncm == NULL)
		return rest_error(c->resp, 409, "", "no NCM: the configuration has no \"ncm\" section");
	cp_ncm_policy_get(r->ncm, &p);
	return rest_json(c->resp, 200, policy_json(&p));
}

int rest_put_policy(struct cp_rest *r, struct rest_call *c)
{
	static const struct {
		const char *name;
		long long min, max;
	} f[] = {
		{ "interval_ms", 10, 3600000 },
		{ "min_change_pct", 0, 100 },
		{ "probe_fail", 1, 100 },
		{ "hold_down_ms", 0, 3600000 },
	};
	long long val[4];
	struct cp_policy_cfg p;
	const char *k;
	json_t *b, *v;

	if (r->ncm == NULL)
		return rest_error(c->resp, 409, "", "no NCM: the configuration has no \"ncm\" section");
	b = rest_body_object(c);
	if (b == NULL)
		return 0;
	cp_ncm_policy_get(r->ncm, &p);
	val[0] = p.interval_ms;
	val[1] = p.min_change_pct;
	val[2] = p.probe_fail;
	val[3] = p.hold_down_ms;
	if (json_object_size(b) == 0) {
		json_decref(b);
		return rest_error(c->resp, 400, "",
				  "give at least one of interval_ms, min_change_pct, probe_fail, hold_down_ms");
	}
	json_object_foreach(b, k, v) {
		unsigned i;

		for (i = 0; i < 4 && strcmp(k, f[i].name) != 0; i++)
			;
		if (i == 4) {
			rest_error(c->resp, 400, k,
				   "unknown member '%s' (interval_ms, min_change_pct, probe_fail, hold_down_ms)",
				   k);
			json_decref(b); /* k is in b */
			return 0;
		}
		if (!json_is_integer(v) || json_integer_value(v) < f[i].min ||
		    json_integer_value(v) > f[i].max) {
			json_decref(b);
			return rest_error(c->resp, 400, f[i].name, "%s must be an integer %lld..%lld",
					  f[i].name, f[i].min, f[i].max);
		}
		val[i] = json_integer_value(v);
	}
	json_decref(b);
	p.interval_ms = (uint32_t)val[0];
	p.min_change_pct = (uint8_t)val[1];
	p.probe_fail = (uint8_t)val[2];
	p.hold_down_ms = (uint32_t)val[3];
	cp_ncm_policy_set(r->ncm, &p);
	r->ncfg->policy = p;
	return rest_json(c->resp, 200, policy_json(&p));
}
