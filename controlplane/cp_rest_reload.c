/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POST /v1/config/reload (cp_rest.h, docs/rest.md): re-read the file the
 * gateway started with, validate all of it, then apply what can change
 * live and list the rest.
 *
 * Live: static sessions (added, removed, changed: a steering-only change
 * goes through dp_flow_steer, anything else dp_session_update — the data
 * plane's RCU swap, no packet dropped); ncm.policy's parameters; the
 * steering of the NCM session template's flows; the REST token.  Everything else (ports, workers, pools, the NCM's listener and
 * session template, the REST listener) is fixed at start: each difference
 * is reported in restart_required, found by comparing the two JSON texts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_rest_int.h"

struct reload {
	json_t *applied, *restart;
	json_t *skip;            /* JSON paths handled live (diff() leaves them alone) */
};

static void restart(struct reload *rl, const char *field, const char *reason)
{
	json_array_append_new(rl->restart, json_pack("{s:s,s:s}", "field", field, "reason", reason));
}

static const char *section_reason(const char *path)
{
	if (strncmp(path, "ports", 5) == 0)
		return "ports are set up at start; restart mamsgw to change them";
	if (strncmp(path, "dataplane", 9) == 0)
		return "workers, queues and memory pools are allocated at start";
	if (strncmp(path, "ncm.policy.flows", 16) == 0)
		return "which flows follow the policy is fixed when a session is made";
	if (strncmp(path, "ncm", 3) == 0)
		return "the NCM's listener, connections and session template are fixed at start";
	if (strncmp(path, "rest", 4) == 0)
		return "the REST listener is set up at start";
	return "read at start only";
}

/* Leaf differences between a and b under path, each reported as restart
 * required unless skip() says it is handled live. */
static void diff(struct reload *rl, const json_t *a, const json_t *b, const char *path)
{
	char sub[128];

	if (a != NULL && b != NULL && json_equal((json_t *)a, (json_t *)b))
		return;
	for (size_t i = 0; i < json_array_size(rl->skip); i++)
		if (strcmp(path, json_string_value(json_array_get(rl->skip, i))) == 0)
			return;
	if (strcmp(path, "sessions") == 0 || strcmp(path, "ncm.policy.interval_ms") == 0 ||
	    strcmp(path, "ncm.policy.min_change_pct") == 0 ||
	    strcmp(path, "ncm.policy.probe_fail") == 0 ||
	    strcmp(path, "ncm.policy.hold_down_ms") == 0 || strcmp(path, "rest.token") == 0 ||
	    strcmp(path, "rest.token_file") == 0)
		return; /* applied live */
	if (json_is_object(a) && json_is_object(b)) {
		const char *k;
		json_t *v;

		json_object_foreach((json_t *)a, k, v) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", k);
			diff(rl, v, json_object_get(b, k), sub);
		}
		json_object_foreach((json_t *)b, k, v) {
			if (json_object_get(a, k) != NULL)
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", k);
			diff(rl, NULL, v, sub);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
		for (size_t i = 0; i < json_array_size(a); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			diff(rl, json_array_get(a, i), json_array_get(b, i), sub);
		}
		return;
	}
	if (strcmp(path, "ncm.policy") == 0 && a != NULL && b != NULL)
		return; /* one side not an object: cannot happen after validation */
	restart(rl, path, section_reason(path));
}

/* The next step of a diff() path: key (into k) or [index] (into *idx). */
static const char *path_step(const char *p, char *k, size_t kl, long *idx)
{
	size_t n = 0;

	*idx = -1;
	if (*p == '.')
		p++;
	if (*p == '[') {
		*idx = strtol(p + 1, (char **)&p, 10);
		return *p == ']' ? p + 1 : p;
	}
	while (*p != '\0' && *p != '.' && *p != '[' && n + 1 < kl)
		k[n++] = *p++;
	k[n] = '\0';
	return p;
}

static json_t *child(json_t *j, const char *k, long idx)
{
	return idx >= 0 ? json_array_get(j, (size_t)idx) : json_object_get(j, k);
}

/*
 * In run (the new file's JSON), put back at path what old (the running
 * configuration's JSON) has there: a change that needs a restart is not
 * running, so the next reload reports it again.
 */
static void revert(json_t *run, const json_t *old, const char *path)
{
	char k[128];
	long idx;
	json_t *r = run, *o = (json_t *)old;

	while (*path != '\0') {
		const char *next = path_step(path, k, sizeof(k), &idx);
		json_t *oc = o != NULL ? child(o, k, idx) : NULL;

		if (*next == '\0') {
			if (idx >= 0 && oc != NULL && (size_t)idx < json_array_size(r))
				json_array_set_new(r, (size_t)idx, json_deep_copy(oc));
			else if (idx < 0 && oc != NULL && json_is_object(r))
				json_object_set_new(r, k, json_deep_copy(oc));
			else if (idx < 0 && json_is_object(r))
				json_object_del(r, k);
			return;
		}
		r = child(r, k, idx);
		o = oc;
		if (r == NULL)
			return;
		path = next;
	}
}

static const json_t *session_json(const json_t *root, uint32_t id)
{
	const json_t *arr = json_object_get(root, "sessions");

	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *s = json_array_get(arr, i);

		if (json_integer_value(json_object_get(s, "id")) == (json_int_t)id)
			return s;
	}
	return NULL;
}

/* A copy of session object s without its flows' steering. */
static json_t *without_steering(const json_t *s)
{
	json_t *c = json_deep_copy(s);
	json_t *flows = json_object_get(c, "flows");

	for (size_t i = 0; i < json_array_size(flows); i++)
		json_object_del(json_array_get(flows, i), "steering");
	return c;
}

static int apply_sessions(struct cp_rest *r, struct reload *rl, const struct dp_config *nd,
			  const json_t *nroot, char *err, size_t errlen, uint8_t *op_out)
{
	char f[96];
	int rc;

	/* Removed first: their IDs or anchors may be reused by new ones. */
	for (unsigned i = 0; i < r->dpc->n_sessions; i++) {
		bool kept = false;

		if (r->static_removed[i])
			continue;
		for (unsigned j = 0; j < nd->n_sessions; j++)
			kept |= nd->sessions[j].id == r->dpc->sessions[i].id;
		if (kept)
			continue;
		rc = dp_session_remove(r->dp, r->dpc->sessions[i].id);
		if (rc != 0 && rc != -ENOENT) {
			snprintf(err, errlen, "sessions: removing id %u: %s", r->dpc->sessions[i].id,
				 strerror(-rc));
			return -1;
		}
		snprintf(f, sizeof(f), "sessions (id %u removed)", r->dpc->sessions[i].id);
		json_array_append_new(rl->applied, json_string(f));
	}
	for (unsigned j = 0; j < nd->n_sessions; j++) {
		const struct dp_session_cfg *ns = &nd->sessions[j];
		const json_t *oj = r->config_json ? session_json(r->config_json, ns->id) : NULL;
		const json_t *nj = session_json(nroot, ns->id);
		int old = -1;

		for (unsigned i = 0; i < r->dpc->n_sessions; i++)
			if (!r->static_removed[i] && r->dpc->sessions[i].id == ns->id)
				old = (int)i;
		op_out[j] = old >= 0 ? r->static_operator[old] : 0;
		if (old < 0) {
			rc = dp_session_add(r->dp, ns);
			snprintf(f, sizeof(f), "sessions[%u]", j);
		} else if (oj != NULL && json_equal((json_t *)oj, (json_t *)nj)) {
			continue;
		} else {
			json_t *a = oj ? without_steering(oj) : NULL, *b = without_steering(nj);
			bool steer_only = a != NULL && json_equal(a, b) &&
					  r->dpc->sessions[old].n_flows == ns->n_flows;

			json_decref(a);
			json_decref(b);
			if (!steer_only) {
				rc = dp_session_update(r->dp, ns);
				op_out[j] = 0;
				snprintf(f, sizeof(f), "sessions[%u]", j);
			} else {
				const json_t *of = json_object_get(oj, "flows"), *nf = json_object_get(nj, "flows");

				rc = 0;
				for (unsigned k = 0; k < ns->n_flows && rc == 0; k++) {
					if (json_equal(json_object_get(json_array_get(of, k), "steering"),
						       json_object_get(json_array_get(nf, k), "steering")))
						continue;
					rc = dp_flow_steer(r->dp, ns->id, ns->flows[k].flow_id,
							   &ns->flows[k].steer);
					op_out[j] &= (uint8_t)~(1u << k);
					snprintf(f, sizeof(f), "sessions[%u].flows[%u].steering", j, k);
					if (rc == 0)
						json_array_append_new(rl->applied, json_string(f));
				}
				if (rc == 0)
					continue;
			}
		}
		if (rc != 0) {
			snprintf(err, errlen, "%s: the data plane refused it: %s", f, strerror(-rc));
			return -1;
		}
		json_array_append_new(rl->applied, json_string(f));
	}
	return 0;
}

/*
 * The NCM's session template: when only its flows' steering changed, each
 * changed flow is applied (cp_ncm_template_steer) and skipped by diff();
 * any other change to ncm.session is left to diff() (restart required).
 */
static void template_steering(struct cp_rest *r, struct reload *rl, const struct cp_config *nc,
			      const json_t *nroot, uint64_t now_ms)
{
	const json_t *os = json_object_get(json_object_get(r->config_json, "ncm"), "session");
	const json_t *ns = json_object_get(json_object_get(nroot, "ncm"), "session");
	const json_t *of = json_object_get(os, "flows"), *nf = json_object_get(ns, "flows");
	json_t *a, *b;
	bool steer_only;
	char f[96];

	if (r->ncm == NULL || os == NULL || ns == NULL || json_equal((json_t *)os, (json_t *)ns) ||
	    nc->tmpl.n_flows != r->ncfg->tmpl.n_flows || json_array_size(of) != json_array_size(nf))
		return;
	a = without_steering(os);
	b = without_steering(ns);
	steer_only = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	if (!steer_only)
		return;
	for (size_t k = 0; k < json_array_size(nf) && k < nc->tmpl.n_flows; k++) {
		if (json_equal(json_object_get(json_array_get(of, k), "steering"),
			       json_object_get(json_array_get(nf, k), "steering")))
			continue;
		snprintf(f, sizeof(f), "ncm.session.flows[%zu].steering", k);
		json_array_append_new(rl->skip, json_string(f));
		if (cp_ncm_template_steer(r->ncm, nc->tmpl.flows[k].flow_id, &nc->tmpl.flows[k].steer,
					  now_ms) != 0) {
			restart(rl, f, "the NCM refused the new steering");
			continue;
		}
		r->ncfg->tmpl.flows[k].steer = nc->tmpl.flows[k].steer;
		json_array_append_new(rl->applied, json_string(f));
	}
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	long n;

	*out = NULL;
	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "cannot read %s", path);
		fclose(f);
		free(*out);
		*out = NULL;
		return -1;
	}
	fclose(f);
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* "field: reason" -> 400 naming field. */
static int invalid(struct rest_call *c, const char *err)
{
	const char *colon = strstr(err, ": ");
	char field[128] = "";

	if (colon != NULL && (size_t)(colon - err) < sizeof(field) &&
	    strcspn(err, " ") >= (size_t)(colon - err))
		snprintf(field, sizeof(field), "%.*s", (int)(colon - err), err);
	return rest_error(c->resp, 400, field, "invalid configuration, nothing changed: %s", err);
}

int rest_reload(struct cp_rest *r, struct rest_call *c)
{
	struct reload rl = { json_array(), json_array(), json_array() };
	struct dp_config *nd = calloc(1, sizeof(*nd));
	struct cp_config *nc = calloc(1, sizeof(*nc));
	struct cp_rest_config nr;
	uint8_t op[DP_MAX_STATIC_SESSIONS];
	char err[512], *text = NULL;
	json_t *root = NULL;
	json_error_t jerr;
	size_t len = 0;
	int ret;

	if (nd == NULL || nc == NULL) {
		ret = rest_error(c->resp, 500, "", "out of memory");
		goto out;
	}
	if (r->config_path == NULL) {
		ret = rest_error(c->resp, 409, "", "the gateway was started without a file to reload");
		goto out;
	}
	if (c->req->body_len > 0) {
		ret = rest_error(c->resp, 400, "", "reload takes no body: it reads %s", r->config_path);
		goto out;
	}
	if (read_file(r->config_path, &text, &len, err, sizeof(err)) != 0) {
		ret = rest_error(c->resp, 400, "", "%s", err);
		goto out;
	}
	if (dp_config_parse(text, len, nd, err, sizeof(err)) != 0 ||
	    cp_config_parse(text, len, nd, nc, err, sizeof(err)) != 0 ||
	    cp_rest_config_parse(text, len, &nr, err, sizeof(err)) != 0) {
		ret = invalid(c, err);
		goto out;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ret = invalid(c, jerr.text);
		goto out;
	}
	/* Valid: apply.  Differences needing a restart first (nothing to undo). */
	if (r->config_json == NULL) {
		restart(&rl, "", "the file could not be read at start: nothing to compare with");
	} else {
		template_steering(r, &rl, nc, root, c->req->now_ms);
		diff(&rl, r->config_json, root, "");
	}
	if (nc->enabled != r->ncfg->enabled) {
		/* diff() reported "ncm" already */
	} else if (r->ncm != NULL) {
		const struct cp_policy_cfg *o = &r->ncfg->policy, *n = &nc->policy;
		bool any = false;

#define POL(k)                                                                          \
	if (o->k != n->k) {                                                             \
		json_array_append_new(rl.applied, json_string("ncm.policy." #k));      \
		any = true;                                                             \
	}
		POL(interval_ms)
		POL(min_change_pct)
		POL(probe_fail)
		POL(hold_down_ms)
#undef POL
		if (any) {
			cp_ncm_policy_set(r->ncm, n);
			r->ncfg->policy = *n;
		}
	}
	if (strcmp(nr.token, r->rcfg.token) != 0) {
		json_array_append_new(rl.applied, json_string("rest.token"));
		memcpy(r->rcfg.token, nr.token, sizeof(nr.token));
	}
	if (apply_sessions(r, &rl, nd, root, err, sizeof(err), op) != 0) {
		ret = rest_error(c->resp, 409, "sessions", "%s (earlier changes were applied: %s)",
				 err, "see GET /v1/sessions");
		goto out;
	}
	/* The running configuration is the new file's for what was applied;
	 * the rest keeps its running values (ports etc. are not re-read), and
	 * its JSON too, so that a later reload reports them again until a
	 * restart. */
	memcpy(r->dpc->sessions, nd->sessions, sizeof(nd->sessions));
	r->dpc->n_sessions = nd->n_sessions;
	memset(r->static_removed, 0, sizeof(r->static_removed));
	memcpy(r->static_operator, op, sizeof(op));
	if (r->config_json != NULL)
		for (size_t i = 0; i < json_array_size(rl.restart); i++)
			revert(root, r->config_json,
			       json_string_value(json_object_get(json_array_get(rl.restart, i), "field")));
	json_decref(r->config_json);
	r->config_json = root;
	root = NULL;
	ret = rest_json(c->resp, 200, json_pack("{s:O,s:O}", "applied", rl.applied,
						"restart_required", rl.restart));
out:
	json_decref(root);
	json_decref(rl.applied);
	json_decref(rl.restart);
	json_decref(rl.skip);
	free(text);
	free(nc);
	free(nd);
	return ret;
}
