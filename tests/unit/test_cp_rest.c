/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim's core (controlplane/cp_rest.h) against the fake data plane
 * and a real NCM with a fake transport: every route's success, 401 without
 * the token, 400 naming the bad field, 404 for unknown sessions and flows;
 * operator steering reaching the data plane and the CCM; reload.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_config.h"
#include "cp_msg.h"
#include "cp_ncm.h"
#include "cp_rest.h"
#include "cp_test_io.h"
#include "dp_config.h"
#include "fake_dp.h"

#define TOKEN "t0ken-for-tests"

/* Static session 7 on wifi + lte with two flows; an NCM on the same ports. */
static const char *const gw_fmt =
	CP_TEST_GW_HEAD("%s",
		"  \"sessions\": [ { \"id\": 7, \"anchor_ip\": \"10.8.0.2\", \"method\": \"trailer\","
		"    \"paths\": ["
		"      { \"conn_id\": 0, \"port\": \"wifi\", \"client_ip\": \"192.0.2.10\", \"client_port\": 5000 },"
		"      { \"conn_id\": 1, \"port\": \"lte\", \"client_ip\": \"198.51.100.10\", \"client_port\": 5000 } ],"
		"    \"flows\": ["
		"      { \"flow_id\": 0, \"steering\": { \"mode\": \"%s\", \"paths\": [0, 1]%s } },"
		"      { \"flow_id\": 2, \"match\": { \"proto\": \"tcp\", \"remote_ports\": 443,"
		"          \"remote_ip\": \"203.0.113.0/24\", \"dscp\": 46 },"
		"        \"steering\": { \"mode\": \"duplicate\", \"paths\": [0, 1] } } ] } ],")
	"    \"session\": { \"probe_interval_ms\": 100, \"flows\": ["
	"      { \"flow_id\": 0, \"steering\": { \"mode\": \"switch\", \"paths\": [0] } },"
	"      { \"flow_id\": 5, \"match\": { \"proto\": \"udp\" }, \"steering\": %s } ] },"
	"    \"policy\": { \"interval_ms\": %u, \"probe_fail\": 3, \"hold_down_ms\": 2000,"
	"                  \"flows\": [0] } },"
	"  \"rest\": { \"listen\": { \"port\": 0 }, \"token\": \"%s\" } }";

static struct fake_dp fdp;
static struct dp_config dpc;
static struct cp_config ccfg;
static struct cp_rest_config rcfg;
static struct cp_ncm *ncm;
static struct cp_rest *rest;
static char cfg_path[64];
static int status;          /* of the last call */
static char body_text[1 << 16];

#define TSTEER "{ \"mode\": \"switch\", \"paths\": [0] }"

static void write_cfg_t(const char *lte_ip, const char *mode, const char *weights,
			const char *tsteer, unsigned interval, const char *token)
{
	FILE *f = fopen(cfg_path, "w");

	cr_assert_not_null(f);
	fprintf(f, gw_fmt, lte_ip, mode, weights, tsteer, interval, token);
	fclose(f);
}

static void write_cfg(const char *lte_ip, const char *mode, const char *weights,
		      unsigned interval, const char *token)
{
	write_cfg_t(lte_ip, mode, weights, TSTEER, interval, token);
}

static void setup(void)
{
	struct cp_ncm_io io = { .send = cp_test_io_send, .close = cp_test_io_close,
				.random = cp_test_io_random };
	struct cp_rest_env env;
	char err[256];

	memset(&fdp, 0, sizeof(fdp));
	cp_test_io_reset();
	snprintf(cfg_path, sizeof(cfg_path), "/tmp/test_cp_rest.%d.json", (int)getpid());
	write_cfg("198.51.100.1", "switch", "", 500, TOKEN);
	cr_assert_eq(dp_config_load(cfg_path, &dpc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_load(cfg_path, &dpc, &ccfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_rest_config_load(cfg_path, &rcfg, err, sizeof(err)), 0, "%s", err);
	cr_assert(rcfg.enabled);
	/* the static session, as mamsgw installs it */
	cr_assert_eq(dp_session_add(FAKE_DP_CTX(&fdp), &dpc.sessions[0]), 0);
	ncm = cp_ncm_create(&ccfg, FAKE_DP_CTX(&fdp), &io);
	cr_assert_not_null(ncm);
	env = (struct cp_rest_env){ .dp = FAKE_DP_CTX(&fdp), .ncm = ncm, .dpc = &dpc,
				    .ncfg = &ccfg, .rcfg = &rcfg, .config_path = cfg_path,
				    .start_ms = 1000 };
	rest = cp_rest_create(&env);
	cr_assert_not_null(rest);
}

static void teardown(void)
{
	cp_rest_destroy(rest);
	cp_ncm_destroy(ncm);
	cp_test_io_reset();
	unlink(cfg_path);
}

TestSuite(rest, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------ */

/* One request with the token (auth NULL: none); returns the parsed body
 * (JSON routes) and sets status. */
static json_t *req_auth(const char *auth, const char *method, const char *path,
			const char *query, const char *body)
{
	struct cp_rest_req q = { .method = method, .path = path, .query = query, .body = body,
				 .body_len = body ? strlen(body) : 0, .auth = auth,
				 .now_ms = 61000 };
	struct cp_rest_resp r;
	json_error_t jerr;
	json_t *j = NULL;

	cr_assert_eq(cp_rest_handle(rest, &q, &r), 0);
	status = r.status;
	cr_assert_not_null(r.body);
	cr_assert_lt(r.len, sizeof(body_text));
	memcpy(body_text, r.body, r.len + 1);
	if (strcmp(r.content_type, "application/json") == 0) {
		j = json_loads(r.body, 0, &jerr);
		cr_assert_not_null(j, "%s %s: not JSON: %s", method, path, r.body);
	}
	cp_rest_resp_free(&r);
	return j;
}

static json_t *req(const char *method, const char *path, const char *query, const char *body)
{
	return req_auth("Bearer " TOKEN, method, path, query, body);
}

/* The error's field, checking the status and the error object's shape. */
static void expect_error(json_t *j, int want, const char *field)
{
	json_t *e = json_object_get(j, "error");

	cr_assert_eq(status, want, "status %d, expected %d: %s", status, want, body_text);
	cr_assert(json_is_object(e), "%s", body_text);
	cr_assert_eq(json_integer_value(json_object_get(e, "status")), want);
	cr_assert_str_eq(json_string_value(json_object_get(e, "field")), field, "%s", body_text);
	cr_assert_gt(strlen(json_string_value(json_object_get(e, "message"))), 0);
	json_decref(j);
}

static json_t *ok(json_t *j, int want)
{
	cr_assert_eq(status, want, "status %d, expected %d: %s", status, want, body_text);
	return j;
}

#define USID CP_TEST_USID

#define rx(conn, now, ...) cp_test_rx(ncm, conn, now, __VA_ARGS__)

static uint32_t last_seq(const char *type, uint32_t *id)
{
	for (unsigned i = cp_n_sent; i-- > 0;) {
		json_t *j = json_loads(cp_sent[i].text, 0, NULL);
		uint32_t seq;

		if (j == NULL)
			continue;
		if (strcmp(json_string_value(json_object_get(j, "message_type")), type) != 0) {
			json_decref(j);
			continue;
		}
		seq = (uint32_t)json_integer_value(json_object_get(j, "sequence_num"));
		if (id != NULL)
			*id = (uint32_t)json_integer_value(json_object_get(
				json_object_get(j, "unique_session_id"), "session_id"));
		json_decref(j);
		return seq;
	}
	cr_assert_fail("no %s sent", type);
	return 0;
}

static unsigned count_sent(const char *type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cp_n_sent; i++)
		n += strstr(cp_sent[i].text, type) != NULL;
	return n;
}

/* An active NCM session on connection 1 (as test_cp_ncm.c brings one up). */
static uint32_t bring_up(void)
{
	uint32_t id, seq;

	cp_ncm_on_open(ncm, 1, "192.0.2.10:40000", 0);
	rx(1, 0, "%s", CP_TEST_CAP_REQ);
	last_seq("mx_capability_rsp", &id);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		 "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id);
	seq = last_seq("mx_up_setup_conf_req", NULL);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		 USID ",\"reconf_action\":\"setup\",\"connection_id\":0,"
		 "\"ip_address\":\"192.0.2.20\",\"mtu_size\":1500}", 7, id);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":5,"
		 USID ",\"reconf_action\":\"setup\",\"connection_id\":3,"
		 "\"ip_address\":\"198.51.100.20\",\"mtu_size\":1400}", 7, id);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		 USID ",\"probe_param\":{\"probe_port\":5999,\"anchor_conn_id\":15},"
		 "\"num_delivery_conn\":2,\"client_params\":["
		 "{\"connection_id\":0,\"adapt_param\":{\"udp_adapt_port\":5000}},"
		 "{\"connection_id\":3,\"adapt_param\":{\"udp_adapt_port\":5001}}]}",
	   seq, 7, id);
	cr_assert_not_null(fake_dp_session(&fdp, id), "NCM session %u in the data plane", id);
	return id;
}

/* ---- authentication and routing ---------------------------------------------- */

Test(rest, every_route_needs_the_token)
{
	static const char *const paths[] = {
		"/v1/health", "/v1/ports", "/v1/stats", "/v1/sessions", "/v1/sessions/7",
		"/v1/sessions/7", "/v1/sessions/7/flows/0/steering", "/v1/policy", "/v1/policy",
		"/v1/config/reload", "/metrics",
	};

	cr_assert_eq(cp_rest_n_routes(), sizeof(paths) / sizeof(paths[0]));
	for (unsigned i = 0; i < cp_rest_n_routes(); i++) {
		const char *m, *p;

		cp_rest_route(i, &m, &p);
		expect_error(req_auth(NULL, m, paths[i], NULL, "{}"), 401, "Authorization");
		expect_error(req_auth("Bearer wrong", m, paths[i], NULL, "{}"), 401,
			     "Authorization");
		expect_error(req_auth("Basic " TOKEN, m, paths[i], NULL, "{}"), 401,
			     "Authorization");
	}
	/* nothing was changed by the refused requests */
	cr_assert_eq(fake_dp_count(&fdp, FAKE_STEER), 0);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_REMOVE), 0);
	cr_assert_not_null(fake_dp_session(&fdp, 7));
}

Test(rest, unknown_routes_and_methods)
{
	expect_error(req("GET", "/v1/nothing", NULL, NULL), 404, "");
	expect_error(req("GET", "/v1/sessions/7/flows", NULL, NULL), 404, "");
	expect_error(req("POST", "/v1/health", NULL, NULL), 405, "");
	expect_error(req("GET", "/v1/config/reload", NULL, NULL), 405, "");
	expect_error(req("PATCH", "/v1/sessions/7", NULL, NULL), 405, "");
	/* a decoded path that is not UTF-8 still gets a JSON answer */
	expect_error(req("GET", "/v1/\xff\xfe\n", NULL, NULL), 404, "");
	cr_assert_not_null(strstr(body_text, "/v1/???"), "%s", body_text);
	/* as does a body member's name */
	expect_error(req("PUT", "/v1/policy", NULL, "{\"\\u00e9t\u00e9\":1}"), 400, "??t??");
}

/* ---- read routes ---------------------------------------------------------------- */

Test(rest, health)
{
	json_t *j = ok(req("GET", "/v1/health", NULL, NULL), 200);

	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "ok");
	cr_assert_str_eq(json_string_value(json_object_get(j, "version")), MAMSGW_VERSION);
	cr_assert_eq(json_integer_value(json_object_get(j, "uptime_s")), 60);
	cr_assert_eq(json_integer_value(json_object_get(j, "sessions")), 1);
	cr_assert(json_is_integer(json_object_get(j, "workers")));
	json_decref(j);
}

Test(rest, ports)
{
	json_t *j = ok(req("GET", "/v1/ports", NULL, NULL), 200), *p = json_object_get(j, "ports");

	cr_assert_eq(json_array_size(p), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "name")), "lte");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "ip")),
			 "198.51.100.1");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "role")),
			 "access");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 2), "role")), "core");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(p, 2), "index")), 2);
	cr_assert(json_is_string(json_object_get(json_array_get(p, 0), "mac")));
	json_decref(j);
}

Test(rest, stats)
{
	json_t *j, *ncmj;

	bring_up();
	j = ok(req("GET", "/v1/stats", NULL, NULL), 200);
	ncmj = json_object_get(j, "ncm");
	cr_assert_eq(json_integer_value(json_object_get(j, "sessions")), 2);
	cr_assert_eq(json_integer_value(json_object_get(ncmj, "sessions")), 1);
	cr_assert_eq(json_integer_value(json_object_get(ncmj, "conns")), 1);
	cr_assert_gt(json_integer_value(json_object_get(ncmj, "msgs_in")), 0);
	cr_assert_gt(json_integer_value(json_object_get(ncmj, "steering_changes")), 0);
	cr_assert(json_is_object(json_object_get(j, "drops")));
	cr_assert(json_is_array(json_object_get(j, "ports")));
	cr_assert(json_is_array(json_object_get(j, "workers")));
	json_decref(j);
}

Test(rest, sessions_list_pages_by_id)
{
	uint32_t id = bring_up();
	json_t *j, *s;

	j = ok(req("GET", "/v1/sessions", NULL, NULL), 200);
	s = json_object_get(j, "sessions");
	cr_assert_eq(json_integer_value(json_object_get(j, "total")), 2);
	cr_assert_eq(json_integer_value(json_object_get(j, "limit")), 100);
	cr_assert_eq(json_array_size(s), 2);
	/* ordered by id: the static 7 first */
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(s, 0), "id")), 7);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(s, 0), "state")),
			 "static");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(s, 1), "id")), id);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(s, 1), "state")),
			 "active");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(s, 1), "ncm_id")), 7);
	cr_assert(json_is_true(json_object_get(json_array_get(s, 1), "attached")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(s, 1), "peer")),
			 "192.0.2.10:40000");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(json_array_get(s, 1), "connections"), 1),
				 "name")),
			 "lte");
	json_decref(j);

	j = ok(req("GET", "/v1/sessions", "offset=1&limit=1", NULL), 200);
	cr_assert_eq(json_integer_value(json_object_get(j, "total")), 2);
	cr_assert_eq(json_array_size(json_object_get(j, "sessions")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(j, "sessions"), 0), "id")), id);
	json_decref(j);
	j = ok(req("GET", "/v1/sessions", "offset=5", NULL), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "sessions")), 0);
	json_decref(j);

	expect_error(req("GET", "/v1/sessions", "limit=0", NULL), 400, "limit");
	expect_error(req("GET", "/v1/sessions", "limit=1001", NULL), 400, "limit");
	expect_error(req("GET", "/v1/sessions", "limit=ten", NULL), 400, "limit");
	expect_error(req("GET", "/v1/sessions", "offset=-1", NULL), 400, "offset");
	expect_error(req("GET", "/v1/sessions", "page=2", NULL), 400, "page");
	expect_error(req("GET", "/v1/sessions", "offset=", NULL), 400, "offset");
	expect_error(req("GET", "/v1/sessions", "limit=5x", NULL), 400, "limit");
}

Test(rest, static_session_in_full)
{
	json_t *j = ok(req("GET", "/v1/sessions/7", NULL, NULL), 200), *c, *f, *t;

	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "static");
	cr_assert_str_eq(json_string_value(json_object_get(j, "anchor_ip")), "10.8.0.2");
	c = json_object_get(j, "connections");
	cr_assert_eq(json_array_size(c), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "name")), "lte");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "client_ip")),
			 "198.51.100.10");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(c, 1), "client_port")), 5000);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "state")), "up");
	cr_assert(json_is_false(json_object_get(json_array_get(c, 1), "ipsec")));
	cr_assert(json_is_object(json_object_get(json_array_get(c, 1), "drops")));
	f = json_object_get(j, "flows");
	cr_assert_eq(json_array_size(f), 2);
	t = json_object_get(json_array_get(f, 1), "template");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(f, 1), "flow_id")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(t, "remote_ip")), "203.0.113.0/24");
	cr_assert_str_eq(json_string_value(json_object_get(t, "remote_ports")), "443-443");
	cr_assert_eq(json_integer_value(json_object_get(t, "proto")), 6);
	cr_assert_eq(json_integer_value(json_object_get(t, "dscp")), 46);
	cr_assert(json_is_null(json_object_get(json_object_get(json_array_get(f, 0), "template"), "dscp")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(f, 1), "steering"), "mode")),
			 "duplicate");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "control")), "static");
	cr_assert(json_is_object(json_object_get(j, "counters")));
	json_decref(j);
}

Test(rest, ncm_session_in_full)
{
	uint32_t id = bring_up();
	char path[64];
	json_t *j, *c, *f;

	snprintf(path, sizeof(path), "/v1/sessions/%u", id);
	j = ok(req("GET", path, NULL, NULL), 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "active");
	c = json_object_get(j, "connections");
	cr_assert_eq(json_array_size(c), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(c, 1), "connection_id")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "type")), "LTE");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "name")), "lte");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(c, 1), "mtu")), 1400);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 1), "client_ip")),
			 "198.51.100.20");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(c, 1), "client_port")), 5001);
	f = json_object_get(j, "flows");
	cr_assert_eq(json_array_size(f), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "control")), "policy");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "control")), "static");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_array_get(f, 1), "template"), "proto")), 17);
	json_decref(j);
}

Test(rest, unknown_sessions_and_flows)
{
	expect_error(req("GET", "/v1/sessions/8", NULL, NULL), 404, "id");
	expect_error(req("DELETE", "/v1/sessions/8", NULL, NULL), 404, "id");
	expect_error(req("PUT", "/v1/sessions/8/flows/0/steering", NULL,
			 "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}]}"), 404, "id");
	expect_error(req("PUT", "/v1/sessions/7/flows/1/steering", NULL,
			 "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}]}"), 404, "flow");
	expect_error(req("GET", "/v1/sessions/abc", NULL, NULL), 400, "id");
	expect_error(req("GET", "/v1/sessions/4294967296", NULL, NULL), 400, "id");
	expect_error(req("PUT", "/v1/sessions/7/flows/256/steering", NULL, "{}"), 400, "flow");
	expect_error(req("PUT", "/v1/sessions/7/flows/x/steering", NULL, "{}"), 400, "flow");
}

/* ---- steering --------------------------------------------------------------------- */

Test(rest, steering_a_static_flow)
{
	const struct dp_session_cfg *s;
	json_t *j, *p;

	j = ok(req("PUT", "/v1/sessions/7/flows/0/steering", NULL,
		   "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},"
		   "{\"connection_id\":1,\"weight\":30}]}"),
	       200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "control")), "operator");
	p = json_object_get(json_object_get(j, "steering"), "paths");
	cr_assert_eq(json_array_size(p), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(p, 0), "weight")), 70);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "name")), "lte");
	json_decref(j);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_STEER), 1);
	s = fake_dp_session(&fdp, 7);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->flows[0].steer.n, 2);
	cr_assert_eq(s->flows[0].steer.path[0], 0);
	cr_assert_eq(s->flows[0].steer.weight[0], 70);
	cr_assert_eq(s->flows[0].steer.path[1], 1);
	cr_assert_eq(s->flows[0].steer.weight[1], 30);

	/* GET shows it */
	j = ok(req("GET", "/v1/sessions/7", NULL, NULL), 200);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "flows"), 0), "control")),
			 "operator");
	json_decref(j);

	/* switch to lte alone */
	json_decref(ok(req("PUT", "/v1/sessions/7/flows/0/steering", NULL,
			   "{\"mode\":\"switch\",\"paths\":[{\"name\":\"lte\"}]}"), 200));
	s = fake_dp_session(&fdp, 7);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SWITCH);
	cr_assert_eq(s->flows[0].steer.n, 1);
	cr_assert_eq(s->flows[0].steer.path[0], 1);
}

Test(rest, steering_bodies_name_the_bad_field)
{
	static const struct {
		const char *body, *field;
		int status;
	} cases[] = {
		{ "", "", 400 },
		{ "[1]", "", 400 },
		{ "{not json", "", 400 },
		{ "{\"paths\":[{\"name\":\"wifi\"}]}", "mode", 400 },
		{ "{\"mode\":\"spray\",\"paths\":[{\"name\":\"wifi\"}]}", "mode", 400 },
		{ "{\"mode\":\"switch\"}", "paths", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[]}", "paths", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}],\"x\":1}", "x", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"},{\"name\":\"lte\"}]}", "paths", 400 },
		{ "{\"mode\":\"duplicate\",\"paths\":[{\"name\":\"wifi\"}]}", "paths", 400 },
		{ "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},{\"name\":\"lte\",\"weight\":20}]}", "paths", 400 },
		{ "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},{\"name\":\"lte\"}]}", "paths[1].weight", 400 },
		{ "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":170},{\"name\":\"lte\",\"weight\":-70}]}", "paths[0].weight", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":\"dsl\"}]}", "paths[0].name", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":7}]}", "paths[0].name", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"connection_id\":9}]}", "paths[0].connection_id", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"connection_id\":16}]}", "paths[0].connection_id", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\",\"connection_id\":1}]}", "paths[0].name", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"weight\":1}]}", "paths[0]", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\",\"colour\":1}]}", "paths[0].colour", 400 },
		{ "{\"mode\":\"duplicate\",\"paths\":[{\"name\":\"wifi\"},{\"connection_id\":0}]}", "paths[1]", 400 },
		{ "{\"mode\":\"switch\",\"paths\":[\"wifi\"]}", "paths[0]", 400 },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(req("PUT", "/v1/sessions/7/flows/0/steering", NULL,
				 cases[i].body[0] ? cases[i].body : NULL),
			     cases[i].status, cases[i].field);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_STEER), 0, "no bad body reached the data plane");
}

Test(rest, oversized_body_is_413)
{
	char *big = malloc(CP_REST_MAX_BODY + 2);

	memset(big, ' ', CP_REST_MAX_BODY + 1);
	big[CP_REST_MAX_BODY + 1] = '\0';
	expect_error(req("PUT", "/v1/policy", NULL, big), 413, "");
	free(big);
}

Test(rest, steering_an_ncm_flow_reaches_the_dp_and_the_ccm_and_the_policy_leaves_it)
{
	uint32_t id = bring_up();
	const struct dp_session_cfg *s;
	unsigned steer_reqs = count_sent("mx_traffic_steering_req");
	char path[64];
	json_t *j;

	snprintf(path, sizeof(path), "/v1/sessions/%u/flows/0/steering", id);
	j = ok(req("PUT", path, NULL,
		   "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},"
		   "{\"name\":\"lte\",\"weight\":30}]}"),
	       200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "control")), "operator");
	json_decref(j);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->paths[s->flows[0].steer.path[0]].conn_id, 0);
	cr_assert_eq(s->flows[0].steer.weight[0], 70);
	cr_assert_eq(s->paths[s->flows[0].steer.path[1]].conn_id, 3);
	cr_assert_eq(s->flows[0].steer.weight[1], 30);
	cr_assert_eq(count_sent("mx_traffic_steering_req"), steer_reqs + 1, "MX steering request sent");

	/* The policy would move it (Wi-Fi fails its probes); it does not. */
	fdp.stats.paths[0].probes_sent = 50;
	fdp.stats.paths[1].probes_sent = 1;
	fdp.stats.paths[1].probe_acks = 1;
	cp_ncm_tick(ncm, 500);
	cp_ncm_tick(ncm, 1000);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->flows[0].steer.weight[0], 70);

	/* connection 1 exists in the static session, not in this one */
	expect_error(req("PUT", path, NULL,
			 "{\"mode\":\"switch\",\"paths\":[{\"connection_id\":1}]}"),
		     400, "paths[0].connection_id");
}

Test(rest, steering_a_session_without_data_plane_paths_names_the_path)
{
	uint32_t id;
	char path[64];

	cp_ncm_on_open(ncm, 1, "192.0.2.10:40000", 0);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_req\",\"sequence_num\":3,"
		 "\"feature_active\":[{\"feature_name\":\"fragmentation\",\"active\":true}],"
		 "\"num_anchor_connections\":1,"
		 "\"anchor_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\"}],"
		 "\"num_delivery_connections\":1,"
		 "\"delivery_connections\":[{\"connection_id\":0,\"connection_type\":\"Wi-Fi\"}],"
		 "\"convergence_methods\":[{\"method\":\"GMA\",\"supported\":true}],"
		 "\"adaptation_methods\":[{\"method\":\"UDP_without_DTLS\",\"supported\":true}]}");
	last_seq("mx_capability_rsp", &id);
	snprintf(path, sizeof(path), "/v1/sessions/%u/flows/0/steering", id);
	/* no data-plane path yet: the connection is unknown to the session */
	expect_error(req("PUT", path, NULL, "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}]}"),
		     400, "paths[0].name");
}

/* ---- termination -------------------------------------------------------------------- */

Test(rest, deleting_a_static_session)
{
	json_t *j = ok(req("DELETE", "/v1/sessions/7", NULL, NULL), 200);

	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "removed");
	json_decref(j);
	cr_assert_null(fake_dp_session(&fdp, 7));
	expect_error(req("GET", "/v1/sessions/7", NULL, NULL), 404, "id");
	expect_error(req("DELETE", "/v1/sessions/7", NULL, NULL), 404, "id");
}

Test(rest, deleting_an_ncm_session_asks_the_ccm)
{
	uint32_t id = bring_up();
	char path[64];
	json_t *j;

	snprintf(path, sizeof(path), "/v1/sessions/%u", id);
	j = ok(req("DELETE", path, NULL, NULL), 202);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "terminating");
	cr_assert_eq(json_integer_value(json_object_get(j, "id")), id);
	json_decref(j);
	cr_assert_eq(count_sent("mx_session_termination_req"), 1);
	cr_assert_null(fake_dp_session(&fdp, id), "the data plane stops carrying it");
	j = ok(req("GET", path, NULL, NULL), 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "state")), "terminating");
	json_decref(j);
	expect_error(req("DELETE", path, NULL, NULL), 409, "id");
	/* terminating: no more steering */
	snprintf(path, sizeof(path), "/v1/sessions/%u/flows/0/steering", id);
	expect_error(req("PUT", path, NULL, "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}]}"),
		     409, "id");
}

/* ---- policy ----------------------------------------------------------------------------- */

Test(rest, policy_get_and_partial_put)
{
	struct cp_policy_cfg p;
	json_t *j = ok(req("GET", "/v1/policy", NULL, NULL), 200);

	cr_assert_eq(json_integer_value(json_object_get(j, "interval_ms")), 500);
	cr_assert_eq(json_integer_value(json_object_get(j, "probe_fail")), 3);
	cr_assert_eq(json_integer_value(json_object_get(j, "hold_down_ms")), 2000);
	json_decref(j);
	j = ok(req("PUT", "/v1/policy", NULL, "{\"min_change_pct\":25,\"hold_down_ms\":100}"), 200);
	cr_assert_eq(json_integer_value(json_object_get(j, "interval_ms")), 500);
	cr_assert_eq(json_integer_value(json_object_get(j, "min_change_pct")), 25);
	cr_assert_eq(json_integer_value(json_object_get(j, "hold_down_ms")), 100);
	json_decref(j);
	cp_ncm_policy_get(ncm, &p);
	cr_assert_eq(p.min_change_pct, 25);
	cr_assert_eq(p.hold_down_ms, 100);
	cr_assert_eq(p.interval_ms, 500);
}

Test(rest, policy_errors_name_the_field)
{
	struct cp_policy_cfg p;

	expect_error(req("PUT", "/v1/policy", NULL, "{\"interval_ms\":5}"), 400, "interval_ms");
	expect_error(req("PUT", "/v1/policy", NULL, "{\"probe_fail\":0}"), 400, "probe_fail");
	expect_error(req("PUT", "/v1/policy", NULL, "{\"min_change_pct\":101}"), 400, "min_change_pct");
	expect_error(req("PUT", "/v1/policy", NULL, "{\"hold_down_ms\":\"1s\"}"), 400, "hold_down_ms");
	expect_error(req("PUT", "/v1/policy", NULL, "{\"interval_ms\":100,\"speed\":1}"), 400, "speed");
	expect_error(req("PUT", "/v1/policy", NULL, "{}"), 400, "");
	cp_ncm_policy_get(ncm, &p);
	cr_assert_eq(p.interval_ms, 500, "nothing applied from a refused body");
}

/* ---- reload ------------------------------------------------------------------------------ */

/* Replaces the first `from` in the configuration file by `to`. */
static void replace_in_cfg(const char *from, const char *to)
{
	char *text, *at;
	FILE *f = fopen(cfg_path, "r");
	long n;

	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_eq(fseek(f, 0, SEEK_SET), 0);
	text = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	at = strstr(text, from);
	cr_assert_not_null(at, "no %s in the file", from);
	f = fopen(cfg_path, "w");
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	fclose(f);
	free(text);
}

static bool has_string(const json_t *arr, const char *s)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return true;
	return false;
}

static bool has_field(const json_t *arr, const char *s)
{
	for (size_t i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(arr, i), "field")), s) == 0)
			return true;
	return false;
}

Test(rest, reload_applies_what_it_can_and_lists_the_rest)
{
	struct cp_policy_cfg p;
	const struct dp_session_cfg *s;
	json_t *j;

	/* unchanged file: nothing to do */
	j = ok(req("POST", "/v1/config/reload", NULL, NULL), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "applied")), 0, "%s", body_text);
	cr_assert_eq(json_array_size(json_object_get(j, "restart_required")), 0, "%s", body_text);
	json_decref(j);

	write_cfg("198.51.100.2", "split", ", \"weights\": [1, 3]", 250, TOKEN);
	j = ok(req("POST", "/v1/config/reload", NULL, NULL), 200);
	cr_assert(has_string(json_object_get(j, "applied"), "ncm.policy.interval_ms"), "%s", body_text);
	cr_assert(has_string(json_object_get(j, "applied"), "sessions[0].flows[0].steering"), "%s",
		  body_text);
	cr_assert(has_field(json_object_get(j, "restart_required"), "ports[1].ipv4"), "%s", body_text);
	cr_assert_eq(json_array_size(json_object_get(j, "restart_required")), 1, "%s", body_text);
	json_decref(j);
	cp_ncm_policy_get(ncm, &p);
	cr_assert_eq(p.interval_ms, 250);
	s = fake_dp_session(&fdp, 7);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->flows[0].steer.weight[1], 3);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_UPDATE), 0, "steering only: no session update");
	cr_assert_eq(fake_dp_count(&fdp, FAKE_REMOVE), 0, "nothing removed");

	/* the token changes live too */
	write_cfg("198.51.100.2", "split", ", \"weights\": [1, 3]", 250, "n3w-token");
	j = ok(req("POST", "/v1/config/reload", NULL, NULL), 200);
	cr_assert(has_string(json_object_get(j, "applied"), "rest.token"), "%s", body_text);
	/* Not restarted: the port's change is still reported, every time. */
	cr_assert(has_field(json_object_get(j, "restart_required"), "ports[1].ipv4"), "%s", body_text);
	cr_assert_eq(json_array_size(json_object_get(j, "restart_required")), 1, "%s", body_text);
	json_decref(j);
	expect_error(req("GET", "/v1/health", NULL, NULL), 401, "Authorization");
	json_decref(ok(req_auth("Bearer n3w-token", "GET", "/v1/health", NULL, NULL), 200));
}

Test(rest, reload_changes_the_ncm_templates_steering)
{
	uint32_t id = bring_up();
	unsigned steer_reqs = count_sent("mx_traffic_steering_req");
	const struct dp_session_cfg *s;
	char path[64];
	json_t *j;

	write_cfg_t("198.51.100.1", "switch", "",
		    "{ \"mode\": \"split\", \"paths\": [0, 3], \"weights\": [1, 1] }", 500, TOKEN);
	j = ok(req("POST", "/v1/config/reload", NULL, NULL), 200);
	cr_assert(has_string(json_object_get(j, "applied"), "ncm.session.flows[1].steering"), "%s",
		  body_text);
	cr_assert_eq(json_array_size(json_object_get(j, "applied")), 1, "%s", body_text);
	cr_assert_eq(json_array_size(json_object_get(j, "restart_required")), 0, "%s", body_text);
	json_decref(j);
	/* the running session's flow 5 (not the policy's) follows */
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->flows[1].flow_id, 5);
	cr_assert_eq(s->flows[1].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->flows[1].steer.n, 2);
	cr_assert_eq(count_sent("mx_traffic_steering_req"), steer_reqs + 1);
	snprintf(path, sizeof(path), "/v1/sessions/%u", id);
	j = ok(req("GET", path, NULL, NULL), 200);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(json_object_get(json_object_get(
				     json_array_get(json_object_get(j, "flows"), 1), "steering"), "paths"), 1),
						 "weight")), 50, "%s", body_text);
	json_decref(j);

	/* anything else in ncm.session needs a restart */
	replace_in_cfg("\"probe_interval_ms\": 100", "\"probe_interval_ms\": 200");
	j = ok(req("POST", "/v1/config/reload", NULL, NULL), 200);
	cr_assert_eq(json_array_size(json_object_get(j, "applied")), 0, "%s", body_text);
	cr_assert(has_field(json_object_get(j, "restart_required"), "ncm.session.probe_interval_ms"),
		  "%s", body_text);
	json_decref(j);
}

Test(rest, invalid_reload_names_the_field_and_changes_nothing)
{
	struct cp_policy_cfg p;
	FILE *f;

	write_cfg("198.51.100.1", "split", "", 250, TOKEN); /* split without weights */
	expect_error(req("POST", "/v1/config/reload", NULL, NULL), 400,
		     "sessions[0].flows[0].steering.weights");
	f = fopen(cfg_path, "w");
	fputs("{ \"ports\": [ ", f);
	fclose(f);
	expect_error(req("POST", "/v1/config/reload", NULL, NULL), 400, "");
	cp_ncm_policy_get(ncm, &p);
	cr_assert_eq(p.interval_ms, 500);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_STEER), 0);
	cr_assert_eq(fake_dp_session(&fdp, 7)->flows[0].steer.mode, GMA_STEER_SWITCH);
	expect_error(req("POST", "/v1/config/reload", NULL, "{}"), 400, "");
}

/* ---- /metrics ------------------------------------------------------------------------------ */

Test(rest, metrics_are_prometheus_text)
{
	uint32_t id = bring_up();
	char line[128];
	json_t *j;

	fdp.stats.dl_pkts = 1234;
	fdp.stats.paths[1].tx_pkts = 99;
	j = req("GET", "/metrics", NULL, NULL);
	cr_assert_null(j);
	cr_assert_eq(status, 200);
	cr_assert_not_null(strstr(body_text, "# TYPE mamsgw_drops_total counter\n"));
	cr_assert_not_null(strstr(body_text, "mamsgw_sessions 2\n"));
	cr_assert_not_null(strstr(body_text, "mamsgw_ncm_sessions 1\n"));
	snprintf(line, sizeof(line), "mamsgw_session_dl_packets_total{session=\"%u\"} 1234\n", id);
	cr_assert_not_null(strstr(body_text, line), "%s", line);
	snprintf(line, sizeof(line), "mamsgw_path_tx_packets_total{session=\"%u\",path=\"lte\"} 99\n", id);
	cr_assert_not_null(strstr(body_text, line), "%s", line);
	cr_assert_not_null(strstr(body_text, "mamsgw_path_tx_packets_total{session=\"7\",path=\"lte\"} 99\n"));
	/* every sample line belongs to a declared family */
	for (char *l = body_text; *l; l = strchr(l, '\n') + 1) {
		char name[96], decl[128];

		if (*l != '#') {
			sscanf(l, "%95[a-z_]", name);
			snprintf(decl, sizeof(decl), "# TYPE %s ", name);
			cr_assert_not_null(strstr(body_text, decl), "no TYPE for %s", name);
			cr_assert_eq(strncmp(name, "mamsgw_", 7), 0);
		}
	}
}
