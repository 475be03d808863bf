/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "ncm" section of the gateway configuration (cp_config.h; reference:
 * config/README.md).  Same conventions as dataplane/dp_config.c: every
 * object's keys are checked before its values are read, the result is
 * copied out only when everything passed, messages are "ncm.path: reason".
 */
#include "cp_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_config_util.h"

#define CP_MAX_TIMER_MS 3600000u  /* an hour */
#define CP_DEFAULT_LISTEN_PORT 8765u

static const char *const ncm_keys[] = {
	"ncm_id", "listen", "endpoint", "tls", "token", "token_file", "limits", "timers",
	"anchor", "delivery", "session", "policy", "ssids", "ipsec_secret_over_ws", NULL,
};
static const char *const limit_keys[] = {
	"max_message", "max_depth", "max_array", "max_sessions", NULL,
};
static const char *const timer_keys[] = {
	"timeout_ms", "retries", "keep_alive_ms", "detach_ms", NULL,
};
static const char *const anchor_keys[] = {
	"connection_id", "connection_type", "pool", "gateway", "dns", NULL,
};
static const char *const delivery_keys[] = {
	"connection_id", "connection_type", "port", "gw_port", "mtu", "ipsec", NULL,
};
static const char *const delivery_ipsec_keys[] = {
	"suite", "esn", "replay_window", "rekey_s", "grace_ms", NULL,
};
static const char *const session_keys[] = {
	"method", "dl_fields", "mx_dialect", "fragment", "concat", "concat_hold_us",
	"probe_interval_ms", "default_flow", "uplink_match", "flows", NULL,
};
static const char *const policy_keys[] = {
	"flows", "interval_ms", "min_change_pct", "probe_fail", "hold_down_ms", NULL,
};

static const struct cfg_name conn_types[] = {
	{ "Wi-Fi", 0 }, { "LTE", 1 }, { "5G_NR", 2 }, { "MulteFire", 3 }, { NULL, 0 },
};

void cp_config_defaults(struct cp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ncm_id = 1;
	c->listen_ip = (127u << 24) | 1u;
	c->listen_port = CP_DEFAULT_LISTEN_PORT;
	c->max_message = 65536;
	c->max_depth = 16;
	c->max_array = 64;
	c->max_sessions = 1024;
	c->timeout_ms = 3000;
	c->retries = 3;
	c->keep_alive_ms = 60000;
	c->detach_ms = 0; /* 0: timeout_ms * (retries + 1), set after parsing */
	c->anchor_conn_id = 15;
	snprintf(c->anchor_type, sizeof(c->anchor_type), "LTE");
	c->anchor_net = (10u << 24) | (8u << 16);  /* 10.8.0.0/16 */
	c->anchor_mask = 0xFFFF0000u;
	c->tmpl.method = GMA_METHOD_TRAILER;
	c->tmpl.dl_flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID;
	c->tmpl.ctrl_dialect = MX_DIALECT_RFC8743;
	c->tmpl.fragment = true;
	c->tmpl.concat_hold_us = 200;
	/* The policy's failure detection needs probes: with 3 unanswered in a
	 * row, a dead path is left 150..250 ms after it died (issue 5: under
	 * 500 ms with the default timers). */
	c->tmpl.probe_interval_ms = 50;
	c->policy.interval_ms = 50;
	c->policy.min_change_pct = 10;
	c->policy.probe_fail = 3;
	c->policy.hold_down_ms = 5000;
}

static int parse_limits_timers(struct cfg_parser *p, const json_t *ncm, struct cp_config *c)
{
	const json_t *o = json_object_get(ncm, "limits");

	if (o != NULL &&
	    (cfg_check_object(p, o, "ncm.limits", limit_keys) ||
	     cfg_get_u32(p, o, "ncm.limits", "max_message", false, 1024, 16u << 20,
			 &c->max_message) ||
	     cfg_get_u32(p, o, "ncm.limits", "max_depth", false, 4, 64, &c->max_depth) ||
	     cfg_get_u32(p, o, "ncm.limits", "max_array", false, 1, 4096, &c->max_array) ||
	     cfg_get_u32(p, o, "ncm.limits", "max_sessions", false, 1, 1u << 20,
			 &c->max_sessions)))
		return -1;
	o = json_object_get(ncm, "timers");
	if (o != NULL &&
	    (cfg_check_object(p, o, "ncm.timers", timer_keys) ||
	     cfg_get_u32(p, o, "ncm.timers", "timeout_ms", false, 10, CP_MAX_TIMER_MS,
			 &c->timeout_ms) ||
	     cfg_get_u32(p, o, "ncm.timers", "retries", false, 0, 100, &c->retries) ||
	     cfg_get_u32(p, o, "ncm.timers", "keep_alive_ms", false, 100, CP_MAX_TIMER_MS,
			 &c->keep_alive_ms) ||
	     cfg_get_u32(p, o, "ncm.timers", "detach_ms", false, 0, CP_MAX_TIMER_MS,
			 &c->detach_ms)))
		return -1;
	return 0;
}

static int parse_anchor(struct cfg_parser *p, const json_t *ncm, struct cp_config *c)
{
	const json_t *o = json_object_get(ncm, "anchor");
	int type = 1;

	if (o == NULL)
		return 0;
	if (cfg_check_object(p, o, "ncm.anchor", anchor_keys) ||
	    cfg_get_u8(p, o, "ncm.anchor", "connection_id", false, 0, 15, &c->anchor_conn_id) ||
	    cfg_get_name(p, o, "ncm.anchor", "connection_type", false, conn_types, &type) ||
	    cfg_get_prefix(p, o, "ncm.anchor", "pool", &c->anchor_net, &c->anchor_mask) ||
	    cfg_get_ipv4(p, o, "ncm.anchor", "gateway", false, &c->anchor_gw) ||
	    cfg_get_ipv4(p, o, "ncm.anchor", "dns", false, &c->anchor_dns))
		return -1;
	if (json_object_get(o, "connection_type") != NULL)
		snprintf(c->anchor_type, sizeof(c->anchor_type), "%s", conn_types[type].name);
	if (~c->anchor_mask < 3)
		return cfg_fail(p, "ncm.anchor", "pool", "needs at least 2 client addresses (/30)");
	return 0;
}

/* Optional "ipsec" of a delivery connection: SAs derived from the MAMS
 * shared secret (docs/ipsec.md, "Keys from MAMS"). */
static int parse_delivery_ipsec(struct cfg_parser *p, const json_t *o, const char *path,
				struct cp_delivery_cfg *d)
{
	const json_t *v;
	char sub[CFG_PATH_LEN];
	int suite = 1; /* AES-128-GCM */

	d->ipsec_esn = true;
	d->ipsec_replay_window = 1024;
	d->ipsec_rekey_s = 3600;
	d->ipsec_grace_ms = 5000;
	if (cfg_ipsec_open(p, o, path, delivery_ipsec_keys, false, &v, sub, &suite, &d->ipsec_esn,
			   &d->ipsec_replay_window))
		return -1;
	if (v == NULL)
		return 0;
	d->ipsec = true;
	if (cfg_get_u32(p, v, sub, "rekey_s", false, 0, 30u * 86400u, &d->ipsec_rekey_s) ||
	    cfg_get_u32(p, v, sub, "grace_ms", false, 100, 600000, &d->ipsec_grace_ms))
		return -1;
	d->ipsec_suite = (uint8_t)suite;
	if (d->ipsec_rekey_s != 0 && d->ipsec_rekey_s * 1000ull <= d->ipsec_grace_ms)
		return cfg_fail(p, sub, "rekey_s", "%u s is not longer than grace_ms (%u ms)",
				d->ipsec_rekey_s, d->ipsec_grace_ms);
	return 0;
}

static int parse_delivery(struct cfg_parser *p, const json_t *ncm, const struct dp_config *dpc,
			  struct cp_config *c)
{
	const json_t *a;
	char path[CFG_PATH_LEN];

	if (cfg_get_array(p, ncm, "ncm", "delivery", true, DP_MAX_PATHS, "DP_MAX_PATHS", &a))
		return -1;
	if (json_array_size(a) == 0)
		return cfg_fail(p, "ncm", "delivery", "at least one delivery connection is needed");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *o = json_array_get(a, i);
		struct cp_delivery_cfg *d = &c->delivery[i];
		const struct dp_port_cfg *pc;
		const char *port;
		int type, pi;

		cfg_subpath(path, "ncm.delivery[%zu]", i);
		if (cfg_check_object(p, o, path, delivery_keys) ||
		    cfg_get_u8(p, o, path, "connection_id", true, 0, 15, &d->connection_id) ||
		    cfg_get_name(p, o, path, "connection_type", true, conn_types, &type) ||
		    cfg_get_str(p, o, path, "port", true, &port) < 0)
			return -1;
		snprintf(d->connection_type, sizeof(d->connection_type), "%s", conn_types[type].name);
		pi = dp_config_port_index(dpc, port);
		if (pi < 0)
			return cfg_fail(p, path, "port", "no port is named \"%s\"", port);
		pc = &dpc->ports[pi];
		if (pc->role != DP_PORT_ACCESS)
			return cfg_fail(p, path, "port", "\"%s\" is not an access port", port);
		d->port = (uint8_t)pi;
		d->gw_ip = pc->ipv4;
		d->gw_port = pc->gma_ports[0];
		d->mtu = 1500;
		if (cfg_get_u16(p, o, path, "gw_port", false, 1, UINT16_MAX, &d->gw_port) ||
		    cfg_get_u16(p, o, path, "mtu", false, 576, 9000, &d->mtu))
			return -1;
		bool known = false;
		for (unsigned k = 0; k < pc->n_gma_ports; k++)
			known |= pc->gma_ports[k] == d->gw_port;
		if (!known)
			return cfg_fail(p, path, "gw_port", "%u is not a GMA UDP port of \"%s\"",
					d->gw_port, port);
		if (parse_delivery_ipsec(p, o, path, d))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (c->delivery[j].connection_id == d->connection_id)
				return cfg_fail(p, path, "connection_id",
						"%u is already used by ncm.delivery[%zu]",
						d->connection_id, j);
		c->n_delivery = (uint8_t)(i + 1);
	}
	return 0;
}

/* The template's paths: one per delivery connection, addresses unknown. */
static int parse_template(struct cfg_parser *p, const json_t *ncm, struct cp_config *c)
{
	struct dp_session_cfg *s = &c->tmpl;
	const json_t *o = json_object_get(ncm, "session"), *a;
	char sub[CFG_PATH_LEN];
	int method = (int)s->method, dialect = (int)s->ctrl_dialect, match = s->ul_match_client;

	s->n_paths = c->n_delivery;
	for (unsigned i = 0; i < c->n_delivery; i++) {
		s->paths[i].conn_id = c->delivery[i].connection_id;
		s->paths[i].port = c->delivery[i].port;
		s->paths[i].gw_port = c->delivery[i].gw_port;
		s->paths[i].mtu = c->delivery[i].mtu;
	}
	if (o != NULL) {
		if (cfg_check_object(p, o, "ncm.session", session_keys) ||
		    cfg_get_name(p, o, "ncm.session", "method", false, cfg_gma_methods, &method))
			return -1;
		s->method = (enum gma_method)method;
		if (cfg_parse_dl_fields(p, o, "ncm.session", s) ||
		    cfg_get_name(p, o, "ncm.session", "mx_dialect", false, cfg_mx_dialects, &dialect) ||
		    cfg_get_bool(p, o, "ncm.session", "fragment", &s->fragment) ||
		    cfg_get_bool(p, o, "ncm.session", "concat", &s->concat) ||
		    cfg_get_u16(p, o, "ncm.session", "concat_hold_us", false, 0, UINT16_MAX,
				&s->concat_hold_us) ||
		    cfg_get_u32(p, o, "ncm.session", "probe_interval_ms", false, 0, 3600000,
				&s->probe_interval_ms) ||
		    cfg_get_u8(p, o, "ncm.session", "default_flow", false, 0, UINT8_MAX,
			       &s->default_flow) ||
		    cfg_get_name(p, o, "ncm.session", "uplink_match", false, cfg_uplink_matches, &match))
			return -1;
		s->ctrl_dialect = (enum mx_dialect)dialect;
		s->ul_match_client = match != 0;
		if (cfg_get_array(p, o, "ncm.session", "flows", false, DP_MAX_FLOWS,
				  "DP_MAX_FLOWS", &a))
			return -1;
		for (size_t i = 0; i < json_array_size(a); i++) {
			cfg_subpath(sub, "ncm.session.flows[%zu]", i);
			if (cfg_parse_flow(p, json_array_get(a, i), sub, s, &s->flows[i]))
				return -1;
			for (size_t j = 0; j < i; j++)
				if (s->flows[j].flow_id == s->flows[i].flow_id)
					return cfg_fail(p, sub, "flow_id",
							"%u is already used by "
							"ncm.session.flows[%zu]",
							s->flows[i].flow_id, j);
			s->n_flows = (uint8_t)(i + 1);
		}
	}
	if (s->n_flows == 0) {
		/* One flow for everything, steered by the policy. */
		memset(&s->flows[0], 0, sizeof(s->flows[0]));
		s->flows[0].flow_id = s->default_flow;
		s->flows[0].tft.flow_id = s->default_flow;
		s->flows[0].tft.remote_port_max = UINT16_MAX;
		s->flows[0].tft.local_port_max = UINT16_MAX;
		s->flows[0].steer.mode = GMA_STEER_SWITCH;
		s->flows[0].steer.n = 1;
		s->n_flows = 1;
	}
	for (unsigned i = 0; i < s->n_flows; i++)
		if (s->flows[i].flow_id == s->default_flow)
			return 0;
	return cfg_fail(p, "ncm.session", "default_flow", "%u is not the flow_id of any flow",
			s->default_flow);
}

static int parse_policy(struct cfg_parser *p, const json_t *ncm, struct cp_config *c)
{
	const json_t *o = json_object_get(ncm, "policy"), *a = NULL;
	char ep[CFG_PATH_LEN];

	if (o != NULL &&
	    (cfg_check_object(p, o, "ncm.policy", policy_keys) ||
	     cfg_get_u32(p, o, "ncm.policy", "interval_ms", false, 10, CP_MAX_TIMER_MS,
			 &c->policy.interval_ms) ||
	     cfg_get_u8(p, o, "ncm.policy", "min_change_pct", false, 0, 100,
			&c->policy.min_change_pct) ||
	     cfg_get_u8(p, o, "ncm.policy", "probe_fail", false, 1, 100, &c->policy.probe_fail) ||
	     cfg_get_u32(p, o, "ncm.policy", "hold_down_ms", false, 0, CP_MAX_TIMER_MS,
			 &c->policy.hold_down_ms) ||
	     cfg_get_array(p, o, "ncm.policy", "flows", false, DP_MAX_FLOWS, "DP_MAX_FLOWS", &a)))
		return -1;
	if (a == NULL) {
		/* Default: the default flow follows the policy. */
		for (unsigned i = 0; i < c->tmpl.n_flows; i++)
			if (c->tmpl.flows[i].flow_id == c->tmpl.default_flow)
				c->auto_flows |= (uint8_t)(1u << i);
		return 0;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		long long id;
		unsigned j;

		cfg_subpath(ep, "ncm.policy.flows[%zu]", i);
		if (cfg_int_value(p, json_array_get(a, i), ep, NULL, 0, UINT8_MAX, NULL, &id))
			return -1;
		for (j = 0; j < c->tmpl.n_flows && c->tmpl.flows[j].flow_id != id; j++)
			;
		if (j == c->tmpl.n_flows)
			return cfg_fail(p, ep, NULL, "no flow of ncm.session has flow_id %lld", id);
		c->auto_flows |= (uint8_t)(1u << j);
	}
	return 0;
}

static int parse_ssids(struct cfg_parser *p, const json_t *ncm, struct cp_config *c)
{
	const json_t *a;
	char ep[CFG_PATH_LEN];

	if (cfg_get_array(p, ncm, "ncm", "ssids", false, CP_MAX_SSIDS_CFG, "CP_MAX_SSIDS", &a))
		return -1;
	for (size_t i = 0; a != NULL && i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);

		cfg_subpath(ep, "ncm.ssids[%zu]", i);
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 32)
			return cfg_fail(p, ep, NULL, "expected an SSID: a string of 1..32 bytes");
		memcpy(c->ssids[i], json_string_value(v), json_string_length(v) + 1);
		c->n_ssids = (uint8_t)(i + 1);
	}
	return 0;
}

static int parse_ncm(struct cfg_parser *p, const json_t *ncm, const struct dp_config *dpc,
		     struct cp_config *c)
{
	if (cfg_check_object(p, ncm, "ncm", ncm_keys) ||
	    cfg_get_u32(p, ncm, "ncm", "ncm_id", false, 0, UINT32_MAX, &c->ncm_id) ||
	    cp_cfg_parse_endpoint(p, ncm, "ncm", "listen", true, &c->listen_ip, &c->listen_port) ||
	    cp_cfg_parse_endpoint(p, ncm, "ncm", "endpoint", false, &c->endpoint_ip,
				  &c->endpoint_port) ||
	    cp_cfg_parse_tls(p, ncm, "ncm", c->cert, c->key, c->client_ca) ||
	    cp_cfg_parse_token(p, ncm, "ncm", c->token) || parse_limits_timers(p, ncm, c) ||
	    parse_anchor(p, ncm, c) || parse_delivery(p, ncm, dpc, c) ||
	    parse_template(p, ncm, c) || parse_policy(p, ncm, c) || parse_ssids(p, ncm, c))
		return -1;
	if (c->detach_ms == 0)
		c->detach_ms = c->timeout_ms * (c->retries + 1);
	if (c->endpoint_ip == 0)
		c->endpoint_ip = c->listen_ip != 0 ? c->listen_ip : c->delivery[0].gw_ip;
	if (c->endpoint_port == 0)
		c->endpoint_port = c->listen_port;
	if (c->anchor_gw == 0)
		c->anchor_gw = c->anchor_net | 1u;
	if ((c->anchor_gw & c->anchor_mask) != c->anchor_net)
		return cfg_fail(p, "ncm.anchor", "gateway", "is outside the pool");
	/* Static sessions keep their anchors: none may fall in the pool. */
	for (unsigned i = 0; i < dpc->n_sessions; i++)
		if ((dpc->sessions[i].anchor_ip & c->anchor_mask) == c->anchor_net)
			return cfg_fail(p, "ncm.anchor", "pool",
					"contains the anchor_ip of sessions[%u]", i);
	if (cfg_get_bool(p, ncm, "ncm", "ipsec_secret_over_ws", &c->secret_over_ws))
		return -1;
	for (unsigned i = 0; i < c->n_delivery; i++) {
		char dpath[CFG_PATH_LEN];

		cfg_subpath(dpath, "ncm.delivery[%u]", i);
		if (c->delivery[i].ipsec && c->cert[0] == '\0' && !c->secret_over_ws)
			return cfg_fail(p, dpath, "ipsec",
					"the shared secret would cross the WebSocket in the clear: "
					"configure ncm.tls (or, for tests, "
					"ncm.ipsec_secret_over_ws: true)");
	}
	c->enabled = true;
	return 0;
}

int cp_config_parse(const char *json, size_t len, const struct dp_config *dpc,
		    struct cp_config *c, char *err, size_t errlen)
{
	struct cfg_parser p = { .err = err, .errlen = errlen };
	struct cp_config *tmp;
	const json_t *ncm;
	json_t *root = cp_cfg_load_section(&p, json, len, "ncm", &ncm);
	int ret = -1;

	if (root == NULL)
		return -1;
	tmp = malloc(sizeof(*tmp));
	if (tmp == NULL) {
		cfg_fail(&p, "", NULL, "out of memory");
		goto out;
	}
	cp_config_defaults(tmp);
	if (ncm == NULL || parse_ncm(&p, ncm, dpc, tmp) == 0) {
		*c = *tmp;
		ret = 0;
	}
	free(tmp);
out:
	json_decref(root);
	return ret;
}

int cp_config_load(const char *path, const struct dp_config *dpc, struct cp_config *c,
		   char *err, size_t errlen)
{
	size_t len;
	char *buf = cp_cfg_read_file(path, &len, err, errlen);
	int rc;

	if (buf == NULL)
		return -1;
	rc = cp_config_parse(buf, len, dpc, c, err, errlen);
	free(buf);
	return rc;
}
