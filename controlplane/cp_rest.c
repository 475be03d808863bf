/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim's core (cp_rest.h): routing, the bearer token, errors, and
 * the read routes.  Steering, termination, the policy and reload are in
 * cp_rest_ops.c, /metrics in cp_rest_metrics.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_rest_int.h"

#ifndef MAMSGW_VERSION
#define MAMSGW_VERSION "unknown"
#endif

/* ---- Answers ---------------------------------------------------------------- */

int rest_json(struct cp_rest_resp *o, int status, json_t *j)
{
	o->status = status;
	o->content_type = "application/json";
	o->body = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (o->body == NULL) {
		o->status = 500;
		o->len = 0;
		return -ENOMEM;
	}
	o->len = strlen(o->body);
	return 0;
}

/* Printable ASCII only: a request's bytes quoted in a message (a decoded
 * path, a body member's name) cannot make the answer invalid JSON. */
static void ascii(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			*s = '?';
}

int rest_error(struct cp_rest_resp *o, int status, const char *field, const char *fmt, ...)
{
	char msg[512], f[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(f, sizeof(f), "%s", field != NULL ? field : "");
	ascii(msg);
	ascii(f);
	return rest_json(o, status,
			 json_pack("{s:{s:i,s:s,s:s}}", "error", "status", status, "field", f,
				   "message", msg));
}

json_t *rest_ip(uint32_t a)
{
	char b[16];

	snprintf(b, sizeof(b), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFFu, (a >> 8) & 0xFFu,
		 a & 0xFFu);
	return json_string(b);
}

const char *rest_port_name(const struct cp_rest *r, uint8_t port)
{
	return port < r->dpc->n_ports ? r->dpc->ports[port].name : "?";
}

json_t *rest_body_object(struct rest_call *c)
{
	json_error_t jerr;
	json_t *j;

	if (c->req->body_len > CP_REST_MAX_BODY) {
		rest_error(c->resp, 413, "", "body larger than %u bytes", CP_REST_MAX_BODY);
		return NULL;
	}
	if (c->req->body == NULL || c->req->body_len == 0) {
		rest_error(c->resp, 400, "", "a JSON object body is required");
		return NULL;
	}
	j = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		rest_error(c->resp, 400, "", "body is not JSON: line %d, column %d: %s", jerr.line,
			   jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		rest_error(c->resp, 400, "", "body must be a JSON object");
		return NULL;
	}
	return j;
}

/* ---- Sessions ---------------------------------------------------------------- */

static int static_index(const struct cp_rest *r, uint64_t id)
{
	for (unsigned i = 0; i < r->dpc->n_sessions; i++)
		if (!r->static_removed[i] && r->dpc->sessions[i].id == id)
			return (int)i;
	return -1;
}

int rest_find_session(struct cp_rest *r, struct rest_call *c, struct rest_sess *s)
{
	int i = static_index(r, c->id);

	memset(s, 0, sizeof(*s));
	if (i >= 0) {
		s->is_static = true;
		s->idx = (unsigned)i;
		s->cfg = &r->dpc->sessions[i];
		s->operator_flows = r->static_operator[i];
		return 0;
	}
	if (r->ncm != NULL && c->id <= UINT32_MAX &&
	    cp_ncm_session_detail(r->ncm, (uint32_t)c->id, &r->det, c->req->now_ms) == 0) {
		s->cfg = &r->det.dp;
		s->operator_flows = r->det.operator_flows;
		s->auto_flows = r->det.auto_flows;
		return 0;
	}
	rest_error(c->resp, 404, "id", "no session %llu", (unsigned long long)c->id);
	return -ENOENT;
}

static json_t *drops_json(const uint64_t *drops, unsigned n, bool all)
{
	json_t *o = json_object();

	for (unsigned i = 0; i < n; i++)
		if (all || drops[i] != 0)
			json_object_set_new(o, dp_drop_reason_name(i), json_integer((json_int_t)drops[i]));
	return o;
}

static const char *mode_name(enum gma_steer_mode m)
{
	return m == GMA_STEER_SPLIT ? "split" : m == GMA_STEER_DUPLICATE ? "duplicate" : "switch";
}

static json_t *prefix_json(uint32_t ip, uint32_t mask)
{
	char b[24];

	snprintf(b, sizeof(b), "%u.%u.%u.%u/%d", ip >> 24, (ip >> 16) & 0xFFu, (ip >> 8) & 0xFFu,
		 ip & 0xFFu, __builtin_popcount(mask));
	return json_string(b);
}

static json_t *ports_json(uint16_t lo, uint16_t hi)
{
	char b[16];

	snprintf(b, sizeof(b), "%u-%u", lo, hi);
	return json_string(b);
}

json_t *rest_flow_json(struct cp_rest *r, const struct rest_sess *s, unsigned f)
{
	const struct dp_flow_cfg *fc = &s->cfg->flows[f];
	const struct gma_tft *t = &fc->tft;
	const struct gma_steer_cfg *st = &fc->steer;
	json_t *paths = json_array();
	unsigned sum = 0;
	const char *control;

	for (unsigned j = 0; j < st->n; j++)
		sum += st->weight[j];
	for (unsigned j = 0; j < st->n; j++) {
		const struct dp_path_cfg *p;
		unsigned w = 0;

		if (st->path[j] >= s->cfg->n_paths)
			continue; /* NCM: the connection is not in the data plane yet */
		p = &s->cfg->paths[st->path[j]];
		if (st->mode == GMA_STEER_SPLIT && sum != 0)
			w = (st->weight[j] * 100u + sum / 2u) / sum;
		json_array_append_new(paths, json_pack("{s:i,s:s,s:i}", "connection_id", p->conn_id,
						       "name", rest_port_name(r, p->port),
						       "weight", (int)w));
	}
	if (s->operator_flows & (1u << f))
		control = "operator";
	else if (s->auto_flows & (1u << f))
		control = "policy";
	else
		control = "static";
	return json_pack("{s:i,s:{s:o,s:o,s:o,s:o,s:i,s:o},s:{s:s,s:o},s:s}", "flow_id",
			 fc->flow_id, "template", "remote_ip",
			 prefix_json(t->remote_ip, t->remote_mask), "local_ip",
			 prefix_json(t->local_ip, t->local_mask), "remote_ports",
			 ports_json(t->remote_port_min, t->remote_port_max), "local_ports",
			 ports_json(t->local_port_min, t->local_port_max), "proto", t->proto,
			 "dscp", t->dscp_match ? json_integer(t->dscp) : json_null(), "steering",
			 "mode", mode_name(st->mode), "paths", paths, "control", control);
}

/* The fields common to the list and the detail; the session's counters are
 * read into r->ss (zero when it is not in the data plane). */
static json_t *session_summary(struct cp_rest *r, const struct rest_sess *s,
			       const struct cp_ncm_session_info *info)
{
	json_t *conns = json_array();
	json_t *o;

	if (dp_session_stats_read(r->dp, s->is_static ? s->cfg->id : info->session_id, &r->ss) != 0)
		memset(&r->ss, 0, sizeof(r->ss));
	if (s->is_static) {
		for (unsigned k = 0; k < s->cfg->n_paths; k++)
			json_array_append_new(conns, json_pack("{s:i,s:s}", "connection_id",
							       s->cfg->paths[k].conn_id, "name",
							       rest_port_name(r, s->cfg->paths[k].port)));
		o = json_pack("{s:I,s:i,s:s,s:b,s:s,s:o}", "id", (json_int_t)s->cfg->id, "ncm_id", 0,
			      "state", "static", "attached", 0, "peer", "", "anchor_ip",
			      rest_ip(s->cfg->anchor_ip));
	} else {
		for (unsigned k = 0; k < info->n_conns; k++) {
			const char *name = "?";

			for (unsigned d = 0; d < r->ncfg->n_delivery; d++)
				if (r->ncfg->delivery[d].connection_id == info->conn_ids[k])
					name = rest_port_name(r, r->ncfg->delivery[d].port);
			json_array_append_new(conns, json_pack("{s:i,s:s}", "connection_id",
							       info->conn_ids[k], "name", name));
		}
		o = json_pack("{s:I,s:I,s:s,s:b,s:s,s:o}", "id", (json_int_t)info->session_id,
			      "ncm_id", (json_int_t)info->ncm_id, "state",
			      cp_ncm_state_name(info->state), "attached", info->attached, "peer",
			      info->peer, "anchor_ip", rest_ip(info->anchor_ip));
	}
	json_object_set_new(o, "connections", conns);
	json_object_set_new(o, "dl_pkts", json_integer((json_int_t)r->ss.dl_pkts));
	json_object_set_new(o, "ul_pkts", json_integer((json_int_t)r->ss.ul_pkts));
	return o;
}

static const char *conn_type(const struct cp_rest *r, const struct rest_sess *s, unsigned k)
{
	if (s->is_static || r->det.delivery[k] >= r->ncfg->n_delivery)
		return "";
	return r->ncfg->delivery[r->det.delivery[k]].connection_type;
}

static int get_session(struct cp_rest *r, struct rest_call *c)
{
	struct rest_sess s;
	json_t *o, *conns, *flows;

	if (rest_find_session(r, c, &s) != 0)
		return 0;
	o = session_summary(r, &s, &r->det.info);
	conns = json_array();
	for (unsigned k = 0; k < s.cfg->n_paths; k++) {
		const struct dp_path_cfg *p = &s.cfg->paths[k];
		const struct dp_path_stats *ps = NULL;
		uint32_t ip = p->client_ip;
		uint16_t port = p->client_port;
		bool up = p->up;
		json_t *pc;

		for (unsigned j = 0; j < r->ss.n_paths; j++)
			if (r->ss.paths[j].conn_id == p->conn_id)
				ps = &r->ss.paths[j];
		if (ps != NULL) {
			up = ps->up;
			if (ps->client_ip != 0) {
				ip = ps->client_ip;
				port = ps->client_port;
			}
		}
		pc = json_pack("{s:i,s:s,s:s,s:s,s:i,s:o,s:i,s:b}", "connection_id", p->conn_id,
			       "name", rest_port_name(r, p->port), "type", conn_type(r, &s, k),
			       "state", up ? "up" : "down", "mtu", ps && ps->mtu ? ps->mtu : p->mtu,
			       "client_ip", rest_ip(ip), "client_port", port, "ipsec",
			       p->ipsec.enabled);
#define PU(k_, v_) json_object_set_new(pc, k_, json_integer((json_int_t)(ps ? (v_) : 0)))
		PU("rtt_us", ps->rtt_us);
		PU("delay_variation_ms", ps->owd_jitter_ms);
		PU("lost", ps->lost);
		PU("tx_pkts", ps->tx_pkts);
		PU("tx_bytes", ps->tx_bytes);
		PU("rx_pkts", ps->rx_pkts);
		PU("rx_bytes", ps->rx_bytes);
		if (p->ipsec.enabled) { /* the SPIs in use; never keys */
			PU("esp_spi_out", ps->esp_spi_out);
			PU("esp_spi_in", ps->esp_spi_in);
			PU("esp_spi_in_prev", ps->esp_spi_in_prev);
		}
#undef PU
		json_object_set_new(pc, "drops", ps ? drops_json(ps->drops, r->ss.n_drops, false)
						    : json_object());
		json_array_append_new(conns, pc);
	}
	json_object_set_new(o, "connections", conns);
	flows = json_array();
	for (unsigned f = 0; f < s.cfg->n_flows; f++)
		json_array_append_new(flows, rest_flow_json(r, &s, f));
	json_object_set_new(o, "flows", flows);
	json_object_set_new(o, "counters",
			    json_pack("{s:I,s:I,s:I,s:I,s:o}", "dl_pkts", (json_int_t)r->ss.dl_pkts,
				      "dl_bytes", (json_int_t)r->ss.dl_bytes, "ul_pkts",
				      (json_int_t)r->ss.ul_pkts, "ul_bytes",
				      (json_int_t)r->ss.ul_bytes, "drops",
				      drops_json(r->ss.drops, r->ss.n_drops, false)));
	return rest_json(c->resp, 200, o);
}

/* One entry of the session list: NCM (index in r->infos) or static. */
struct list_ent {
	uint32_t id;
	bool is_static;
	unsigned idx;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct list_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static bool query_uint(const char *q, const char *key, unsigned long long *v, bool *bad)
{
	size_t kl = strlen(key);

	for (const char *p = q; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		char *end;

		if (strncmp(p, key, kl) != 0 || p[kl] != '=')
			continue;
		*v = strtoull(p + kl + 1, &end, 10);
		*bad = end == p + kl + 1 || (*end != '\0' && *end != '&') || p[kl + 1] == '-';
		return true;
	}
	return false;
}

static int list_sessions(struct cp_rest *r, struct rest_call *c)
{
	unsigned long long offset = 0, limit = 100, v;
	unsigned n_ncm = 0, total = 0, n = 0;
	struct list_ent *ents;
	json_t *arr, *o;
	bool bad = false;

	for (const char *p = c->req->query; p != NULL && *p;) {
		size_t len = strcspn(p, "&");

		if (!((len >= 7 && strncmp(p, "offset=", 7) == 0) ||
		      (len >= 6 && strncmp(p, "limit=", 6) == 0))) {
			char k[32];

			snprintf(k, sizeof(k), "%.*s", (int)strcspn(p, "=&"), p);
			return rest_error(c->resp, 400, k, "unknown query parameter '%s' (offset, limit)",
					  k);
		}
		p += len + (p[len] == '&');
	}
	if (query_uint(c->req->query, "offset", &v, &bad)) {
		if (bad || v > UINT32_MAX)
			return rest_error(c->resp, 400, "offset", "offset must be an integer >= 0");
		offset = v;
	}
	if (query_uint(c->req->query, "limit", &v, &bad)) {
		if (bad || v < 1 || v > 1000)
			return rest_error(c->resp, 400, "limit", "limit must be an integer 1..1000");
		limit = v;
	}
	if (r->ncm != NULL)
		n_ncm = cp_ncm_sessions(r->ncm, r->infos, r->max_infos, &total, c->req->now_ms);
	ents = calloc(n_ncm + r->dpc->n_sessions + 1u, sizeof(*ents));
	if (ents == NULL)
		return rest_error(c->resp, 500, "", "out of memory");
	for (unsigned i = 0; i < n_ncm; i++)
		ents[n++] = (struct list_ent){ .id = r->infos[i].session_id, .idx = i };
	for (unsigned i = 0; i < r->dpc->n_sessions; i++)
		if (!r->static_removed[i])
			ents[n++] = (struct list_ent){ .id = r->dpc->sessions[i].id, .is_static = true,
						       .idx = i };
	qsort(ents, n, sizeof(*ents), ent_cmp);
	arr = json_array();
	for (unsigned long long i = offset; i < n && i < offset + limit; i++) {
		struct rest_sess s = { .is_static = ents[i].is_static, .idx = ents[i].idx };

		if (s.is_static)
			s.cfg = &r->dpc->sessions[s.idx];
		json_array_append_new(arr, session_summary(r, &s, &r->infos[s.is_static ? 0 : s.idx]));
	}
	free(ents);
	o = json_pack("{s:i,s:I,s:I,s:o}", "total", (int)n, "offset", (json_int_t)offset, "limit",
		      (json_int_t)limit, "sessions", arr);
	return rest_json(c->resp, 200, o);
}

/* ---- Gateway ------------------------------------------------------------------ */

static int get_health(struct cp_rest *r, struct rest_call *c)
{
	dp_stats_read(r->dp, &r->st);
	return rest_json(c->resp, 200,
			 json_pack("{s:s,s:s,s:I,s:i,s:i}", "status", "ok", "version",
				   MAMSGW_VERSION, "uptime_s",
				   (json_int_t)((c->req->now_ms - r->start_ms) / 1000u), "sessions",
				   (int)r->st.n_sessions, "workers", (int)r->st.n_workers));
}

static int get_ports(struct cp_rest *r, struct rest_call *c)
{
	json_t *arr = json_array();

	dp_stats_read(r->dp, &r->st);
	for (unsigned p = 0; p < r->dpc->n_ports; p++) {
		const struct dp_port_counters *pc = &r->st.ports[p];
		const uint8_t *m = pc->mac;
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		json_array_append_new(
			arr, json_pack("{s:i,s:s,s:s,s:o,s:s,s:I,s:I,s:I,s:I}", "index", (int)p,
				       "name", r->dpc->ports[p].name, "role",
				       r->dpc->ports[p].role == DP_PORT_CORE ? "core" : "access",
				       "ip", rest_ip(r->dpc->ports[p].ipv4), "mac", mac, "rx_pkts",
				       (json_int_t)pc->rx_pkts, "rx_bytes", (json_int_t)pc->rx_bytes,
				       "tx_pkts", (json_int_t)pc->tx_pkts, "tx_bytes",
				       (json_int_t)pc->tx_bytes));
	}
	return rest_json(c->resp, 200, json_pack("{s:o}", "ports", arr));
}

static int get_stats(struct cp_rest *r, struct rest_call *c)
{
	struct cp_ncm_stats n;
	json_t *ports = json_array(), *workers = json_array(), *ncm;

	memset(&n, 0, sizeof(n));
	if (r->ncm != NULL)
		cp_ncm_stats(r->ncm, &n);
	dp_stats_read(r->dp, &r->st);
	for (unsigned p = 0; p < r->st.n_ports; p++) {
		const struct dp_port_counters *pc = &r->st.ports[p];

		json_array_append_new(
			ports, json_pack("{s:s,s:I,s:I,s:I,s:I,s:o}", "name", pc->name, "rx_pkts",
					 (json_int_t)pc->rx_pkts, "rx_bytes", (json_int_t)pc->rx_bytes,
					 "tx_pkts", (json_int_t)pc->tx_pkts, "tx_bytes",
					 (json_int_t)pc->tx_bytes, "drops",
					 drops_json(r->st.port_drops[p], r->st.n_drops, true)));
	}
	for (unsigned w = 0; w < r->st.n_workers; w++) {
		const struct dp_worker_counters *wc = &r->st.workers[w];

		json_array_append_new(
			workers,
			json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I}", "index", (int)w, "rx_pkts",
				  (json_int_t)wc->rx_pkts, "tx_pkts", (json_int_t)wc->tx_pkts, "drops",
				  (json_int_t)wc->drops, "handoff_out", (json_int_t)wc->handoff_out,
				  "handoff_in", (json_int_t)wc->handoff_in, "loops",
				  (json_int_t)wc->loops));
	}
	ncm = json_object();
#define N(k) json_object_set_new(ncm, #k, json_integer((json_int_t)n.k))
	N(sessions);
	N(conns);
	N(msgs_in);
	N(msgs_out);
	N(decode_errors);
	N(protocol_closes);
	N(unexpected);
	N(sessions_created);
	N(sessions_resumed);
	N(sessions_removed);
	N(rejected);
	N(retransmits);
	N(peers_dead);
	N(detach_expired);
	N(steering_changes);
	N(dp_errors);
	N(ipsec_rekeys);
	N(ipsec_spi_redraws);
	N(ipsec_errors);
	N(ipsec_not_offered);
#undef N
	return rest_json(c->resp, 200,
			 json_pack("{s:o,s:o,s:o,s:i,s:o}", "ports", ports, "workers", workers,
				   "drops", drops_json(r->st.drops, r->st.n_drops, true), "sessions",
				   (int)r->st.n_sessions, "ncm", ncm));
}

/* ---- Routing -------------------------------------------------------------------- */

typedef int (*rest_fn)(struct cp_rest *r, struct rest_call *c);

static const struct route {
	const char *method, *path;
	rest_fn fn;
} routes[] = {
	{ "GET", "/v1/health", get_health },
	{ "GET", "/v1/ports", get_ports },
	{ "GET", "/v1/stats", get_stats },
	{ "GET", "/v1/sessions", list_sessions },
	{ "GET", "/v1/sessions/{id}", get_session },
	{ "DELETE", "/v1/sessions/{id}", rest_delete_session },
	{ "PUT", "/v1/sessions/{id}/flows/{flow}/steering", rest_put_steering },
	{ "GET", "/v1/policy", rest_get_policy },
	{ "PUT", "/v1/policy", rest_put_policy },
	{ "POST", "/v1/config/reload", rest_reload },
	{ "GET", "/metrics", rest_metrics },
};

unsigned cp_rest_n_routes(void)
{
	return sizeof(routes) / sizeof(routes[0]);
}

void cp_rest_route(unsigned i, const char **method, const char **path)
{
	*method = i < cp_rest_n_routes() ? routes[i].method : NULL;
	*path = i < cp_rest_n_routes() ? routes[i].path : NULL;
}

/* Matches path against a template; parameters (segments in braces) are
 * copied into params[]. */
static bool route_match(const char *tmpl, const char *path, char params[][24], unsigned *n_params)
{
	*n_params = 0;
	while (*tmpl && *path) {
		size_t tl = strcspn(tmpl, "/"), pl = strcspn(path, "/");

		if (tmpl[0] == '{') {
			if (pl == 0 || *n_params >= REST_MAX_PARAMS)
				return false;
			snprintf(params[(*n_params)++], 24, "%.*s", (int)(pl < 23 ? pl : 23), path);
			if (pl >= 23)
				params[*n_params - 1][0] = 'x'; /* too long: not a number */
		} else if (tl != pl || strncmp(tmpl, path, tl) != 0) {
			return false;
		}
		tmpl += tl;
		path += pl;
		if (*tmpl == '/' && *path == '/') {
			tmpl++;
			path++;
		} else if (*tmpl != *path) {
			return false;
		}
	}
	return *tmpl == '\0' && *path == '\0';
}

static bool parse_param(const char *s, unsigned long long max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static bool token_ok(const struct cp_rest *r, const char *auth)
{
	const char *t = r->rcfg.token;
	size_t tl = strlen(t), al;
	unsigned char diff = 0;

	if (t[0] == '\0')
		return true;
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	auth += 7;
	al = strlen(auth);
	if (al != tl)
		return false;
	for (size_t i = 0; i < tl; i++)
		diff |= (unsigned char)(auth[i] ^ t[i]);
	return diff == 0;
}

int cp_rest_handle(struct cp_rest *r, const struct cp_rest_req *req, struct cp_rest_resp *resp)
{
	struct rest_call c = { .req = req, .resp = resp };
	bool path_known = false;
	char allowed[64] = "";

	memset(resp, 0, sizeof(*resp));
	if (!token_ok(r, req->auth))
		return rest_error(resp, 401, "Authorization",
				  req->auth == NULL ? "an Authorization: Bearer <token> header is required"
						    : "the bearer token is not the configured one");
	for (unsigned i = 0; i < cp_rest_n_routes(); i++) {
		char params[REST_MAX_PARAMS][24];
		unsigned np;

		if (!route_match(routes[i].path, req->path, params, &np))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, req->method) != 0) {
			size_t l = strlen(allowed);

			snprintf(allowed + l, sizeof(allowed) - l, "%s%s", l ? ", " : "",
				 routes[i].method);
			continue;
		}
		if (np >= 1 && !parse_param(params[0], UINT32_MAX, &c.id))
			return rest_error(resp, 400, "id", "session id '%s' is not an integer 0..%u",
					  params[0], UINT32_MAX);
		if (np >= 2) {
			uint64_t f;

			if (!parse_param(params[1], 255, &f))
				return rest_error(resp, 400, "flow",
						  "flow id '%s' is not an integer 0..255", params[1]);
			c.flow = (unsigned)f;
		}
		return routes[i].fn(r, &c);
	}
	if (path_known)
		return rest_error(resp, 405, "", "%s is not allowed on %s (allowed: %s)", req->method,
				  req->path, allowed);
	return rest_error(resp, 404, "", "no route %s %s", req->method, req->path);
}

void cp_rest_resp_free(struct cp_rest_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/* ---- Life ------------------------------------------------------------------------ */

struct cp_rest *cp_rest_create(const struct cp_rest_env *env)
{
	struct cp_rest *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->dp = env->dp;
	r->ncm = env->ncm;
	r->dpc = malloc(sizeof(*r->dpc));
	r->ncfg = malloc(sizeof(*r->ncfg));
	r->rcfg = *env->rcfg;
	r->start_ms = env->start_ms;
	r->ws_stats = env->ws_stats;
	r->ws_opaque = env->ws_opaque;
	r->max_infos = env->ncfg->enabled ? env->ncfg->max_sessions : 0;
	r->infos = calloc(r->max_infos + 1u, sizeof(*r->infos));
	if (env->config_path != NULL) {
		json_error_t jerr;

		r->config_path = strdup(env->config_path);
		r->config_json = json_load_file(env->config_path, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (r->dpc == NULL || r->ncfg == NULL || r->infos == NULL ||
	    (env->config_path != NULL && r->config_path == NULL)) {
		cp_rest_destroy(r);
		return NULL;
	}
	*r->dpc = *env->dpc;
	*r->ncfg = *env->ncfg;
	return r;
}

void cp_rest_destroy(struct cp_rest *r)
{
	if (r == NULL)
		return;
	json_decref(r->config_json);
	free(r->config_path);
	free(r->infos);
	free(r->ncfg);
	free(r->dpc);
	free(r);
}
