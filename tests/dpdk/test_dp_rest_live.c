/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim over a live data plane, in-process on ring ports: the
 * shim's core (controlplane/cp_rest.h) handles the requests exactly as the
 * control thread does, while downlink traffic flows.
 *   - PUT steering: with packets in flight a flow moves from switch (wifi)
 *     to split 70/30; once the change is seen, 10 000 packets split exactly
 *     7 000 / 3 000, every packet arrives once, nothing is dropped, and the
 *     per-path counters of GET /v1/sessions/1 say the same;
 *   - POST /v1/config/reload: the file's steering for the flow changes
 *     (split 1:1) with packets in flight; it takes effect the same way,
 *     nothing is dropped, and what cannot change live is listed.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "cp_config.h"
#include "cp_rest.h"
#include "dp.h"
#include "ring_world.h"

#define N_MEASURED 10000u
#define N_INFLIGHT 1000u
#define MAX_AHEAD 2048u
#define N_BEFORE 500u
#define MAX_SEQ (N_BEFORE + N_INFLIGHT + 200u + N_MEASURED)

struct world {
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_config cfg;
	struct cp_config ncfg;
	struct cp_rest_config rcfg;
	struct dp_ctx *dp;
	struct cp_rest *rest;
	char path[64];
	uint8_t seen[MAX_SEQ];
	uint32_t per_path[2];
	uint32_t next_seq;
	uint32_t got;
};

static struct world w;

static void write_cfg(const char *steering, unsigned burst)
{
	FILE *f = fopen(w.path, "w");

	cr_assert_not_null(f);
	fprintf(f,
		"{ \"dataplane\": { \"workers\": 1, \"mbufs\": 8191, \"burst\": %u },"
		"  \"arp\": { \"gratuitous\": false },"
		"  \"ports\": ["
		"    { \"name\": \"wifi\", \"device\": \"%s\", \"role\": \"access\", \"ipv4\": \"192.0.2.1\","
		"      \"next_hop_mac\": \"02:00:00:00:09:09\", \"gma_udp_ports\": [10020] },"
		"    { \"name\": \"lte\", \"device\": \"%s\", \"role\": \"access\", \"ipv4\": \"198.51.100.1\","
		"      \"next_hop_mac\": \"02:00:00:00:09:09\", \"gma_udp_ports\": [10020] },"
		"    { \"name\": \"core\", \"device\": \"%s\", \"role\": \"core\", \"ipv4\": \"203.0.113.1\","
		"      \"next_hop_mac\": \"02:00:00:00:09:09\" } ],"
		"  \"sessions\": [ { \"id\": 1, \"anchor_ip\": \"10.8.0.2\", \"method\": \"trailer\","
		"    \"dl_fields\": [\"flow_id\", \"delivery_sn\", \"flow_sn\"], \"fragment\": true,"
		"    \"paths\": ["
		"      { \"conn_id\": 0, \"port\": \"wifi\", \"client_ip\": \"192.0.2.10\", \"client_port\": 5000 },"
		"      { \"conn_id\": 1, \"port\": \"lte\", \"client_ip\": \"198.51.100.10\", \"client_port\": 5000 } ],"
		"    \"flows\": [ { \"flow_id\": 0, \"steering\": %s } ] } ],"
		"  \"rest\": { \"listen\": { \"port\": 0 } } }",
		burst, w.wifi.dev, w.lte.dev, w.core.dev, steering);
	fclose(f);
}

static void up(void)
{
	struct cp_rest_env env;
	char err[256];

	memset(&w, 0, sizeof(w));
	rw_world_up("test_dp_rest_live", "0@0,1@1,2@1", 2, 4096, &w.wifi, &w.lte, &w.core);
	w.mp = rw_pool(8191, 64);
	snprintf(w.path, sizeof(w.path), "/tmp/test_dp_rest_live.%d.json", (int)getpid());
	write_cfg("{ \"mode\": \"switch\", \"paths\": [0] }", 32);
	cr_assert_eq(dp_config_load(w.path, &w.cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_load(w.path, &w.cfg, &w.ncfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_rest_config_load(w.path, &w.rcfg, err, sizeof(err)), 0, "%s", err);
	w.dp = rw_dp_create(&w.cfg);
	cr_assert_eq(dp_start(w.dp), 0);
	env = (struct cp_rest_env){ .dp = w.dp, .dpc = &w.cfg, .ncfg = &w.ncfg, .rcfg = &w.rcfg,
				    .config_path = w.path };
	w.rest = cp_rest_create(&env);
	cr_assert_not_null(w.rest);
}

static void down(void)
{
	cp_rest_destroy(w.rest);
	dp_stop(w.dp);
	dp_destroy(w.dp);
	rte_mempool_free(w.mp);
	unlink(w.path);
	rw_eal_down();
}

TestSuite(rest_live, .init = up, .fini = down);

static json_t *call(const char *method, const char *path, const char *body, int want)
{
	struct cp_rest_req q = { .method = method, .path = path, .body = body,
				 .body_len = body ? strlen(body) : 0 };
	struct cp_rest_resp r;
	json_t *j;

	cr_assert_eq(cp_rest_handle(w.rest, &q, &r), 0);
	cr_assert_eq(r.status, want, "%s %s: %d %s", method, path, r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j);
	cp_rest_resp_free(&r);
	return j;
}

/* Per-path downlink packets of session 1 as GET /v1/sessions/1 reports them. */
static void path_counters(uint64_t out[2])
{
	json_t *j = call("GET", "/v1/sessions/1", NULL, 200);
	json_t *c = json_object_get(j, "connections");

	cr_assert_eq(json_array_size(c), 2);
	for (unsigned i = 0; i < 2; i++)
		out[i] = (uint64_t)json_integer_value(json_object_get(json_array_get(c, i), "tx_pkts"));
	json_decref(j);
}

static unsigned drain_port(struct rport *p, unsigned path, uint32_t *last_seq)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	while (rte_ring_dequeue(p->txq[0], (void **)&m) == 0 ||
	       rte_ring_dequeue(p->txq[1], (void **)&m) == 0) {
		struct gma_pdu d;
		uint32_t seq = rw_dl_seq(m, GMA_METHOD_TRAILER, &d, NULL, NULL);

		cr_assert_lt(seq, MAX_SEQ);
		w.seen[seq]++;
		w.got++;
		w.per_path[path]++;
		if (last_seq != NULL)
			*last_seq = seq;
		n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

static void drain(void)
{
	drain_port(&w.wifi, 0, NULL);
	drain_port(&w.lte, 1, NULL);
}

/* One more downlink packet; at most MAX_AHEAD ahead of what came out (the
 * test pool is not bottomless, and a slow worker, under ASan, lags). */
static void send_one(void)
{
	uint64_t deadline = rte_get_tsc_cycles() + 5 * rte_get_tsc_hz();

	while (w.next_seq - w.got >= MAX_AHEAD) {
		cr_assert_lt(rte_get_tsc_cycles(), deadline, "stuck: %u sent, %u out", w.next_seq,
			     w.got);
		drain();
	}
	while (rte_ring_enqueue(w.core.rx, rw_dl_frame(w.mp, RW_SERVER, 4000, ANCHOR,
						       w.next_seq)) != 0)
		drain();
	w.next_seq++;
}

/* Waits (bounded) until every packet sent so far came out. */
static void settle(void)
{
	uint64_t deadline = rte_get_tsc_cycles() + 5 * rte_get_tsc_hz();

	while (w.got < w.next_seq && rte_get_tsc_cycles() < deadline)
		drain();
	cr_assert_eq(w.got, w.next_seq, "received %u of %u", w.got, w.next_seq);
}

/* Sends packets one at a time until one comes out on lte: the new
 * steering is in force from then on (bounded: 200 packets). */
static void until_lte(void)
{
	settle();
	for (unsigned i = 0; i < 200; i++) {
		uint32_t before = w.per_path[1];

		send_one();
		settle();
		if (w.per_path[1] != before)
			return;
	}
	cr_assert_fail("the new steering never sent a packet on lte");
}

/* N_MEASURED packets with the steering in force: the split per path. */
static void measure(uint32_t per_path[2], uint64_t counted[2])
{
	uint32_t base[2] = { w.per_path[0], w.per_path[1] };
	uint64_t c0[2], c1[2];

	path_counters(c0);
	for (unsigned i = 0; i < N_MEASURED; i++) {
		send_one();
		if (i % 64 == 0)
			drain();
	}
	settle();
	path_counters(c1);
	per_path[0] = w.per_path[0] - base[0];
	per_path[1] = w.per_path[1] - base[1];
	counted[0] = c1[0] - c0[0];
	counted[1] = c1[1] - c0[1];
}

static void nothing_lost(void)
{
	struct dp_stats st;

	settle();
	for (uint32_t i = 0; i < w.next_seq; i++)
		cr_assert_eq(w.seen[i], 1, "packet %u seen %u times", i, w.seen[i]);
	cr_assert_eq(dp_stats_read(w.dp, &st), 0);
	for (unsigned r = 0; r < st.n_drops; r++)
		cr_assert_eq(st.drops[r], 0, "drop %s: %lu", dp_drop_reason_name(r),
			     (unsigned long)st.drops[r]);
}

Test(rest_live, steering_through_rest_while_traffic_flows, .timeout = 300)
{
	uint32_t split[2];
	uint64_t counted[2];
	json_t *j;

	/* switch on wifi: everything there */
	for (unsigned i = 0; i < N_BEFORE; i++)
		send_one();
	settle();
	cr_assert_eq(w.per_path[0], N_BEFORE);
	cr_assert_eq(w.per_path[1], 0);

	/* packets in flight while the operator re-steers */
	for (unsigned i = 0; i < N_INFLIGHT; i++)
		send_one();
	j = call("PUT", "/v1/sessions/1/flows/0/steering",
		 "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},"
		 "{\"name\":\"lte\",\"weight\":30}]}", 200);
	cr_assert_str_eq(json_string_value(json_object_get(j, "control")), "operator");
	json_decref(j);
	until_lte();
	measure(split, counted);
	cr_assert_eq(split[0], N_MEASURED * 7 / 10, "wifi carried %u of %u", split[0], N_MEASURED);
	cr_assert_eq(split[1], N_MEASURED * 3 / 10, "lte carried %u of %u", split[1], N_MEASURED);
	cr_assert_eq(counted[0], split[0], "GET /v1/sessions/1 counted %lu on wifi",
		     (unsigned long)counted[0]);
	cr_assert_eq(counted[1], split[1], "GET /v1/sessions/1 counted %lu on lte",
		     (unsigned long)counted[1]);
	nothing_lost();
}

Test(rest_live, reload_under_traffic, .timeout = 300)
{
	uint32_t split[2];
	uint64_t counted[2];
	json_t *j, *a, *rr;

	for (unsigned i = 0; i < N_BEFORE; i++)
		send_one();
	settle();
	cr_assert_eq(w.per_path[1], 0);

	/* the file's default steering for the flow changes; so does a
	 * setting that is fixed at start */
	write_cfg("{ \"mode\": \"split\", \"paths\": [0, 1], \"weights\": [1, 1] }", 16);
	for (unsigned i = 0; i < N_INFLIGHT; i++)
		send_one();
	j = call("POST", "/v1/config/reload", NULL, 200);
	a = json_object_get(j, "applied");
	rr = json_object_get(j, "restart_required");
	cr_assert_eq(json_array_size(a), 1);
	cr_assert_str_eq(json_string_value(json_array_get(a, 0)), "sessions[0].flows[0].steering");
	cr_assert_eq(json_array_size(rr), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rr, 0), "field")),
			 "dataplane.burst");
	json_decref(j);
	until_lte();
	measure(split, counted);
	cr_assert_eq(split[0], N_MEASURED / 2, "wifi carried %u of %u", split[0], N_MEASURED);
	cr_assert_eq(split[1], N_MEASURED / 2, "lte carried %u of %u", split[1], N_MEASURED);
	cr_assert_eq(counted[0], split[0]);
	cr_assert_eq(counted[1], split[1]);
	nothing_lost();
	/* the flow is the configuration's again */
	j = call("GET", "/v1/sessions/1", NULL, 200);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "flows"), 0), "control")),
			 "static");
	json_decref(j);
}
