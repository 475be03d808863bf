/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several RX queues per port, as RSS spreads them, in-process on ring
 * ports: every port has 2 RX queues, polled by 2 workers (queue q by
 * worker q), configured from JSON text the way the config file does it
 * ("workers": 2, "rx_queues": 2).  Two clients, one owned by each worker;
 * each client's traffic arrives on both queues, as RSS would put it there
 * (a hash of the outer addresses: one queue per flow):
 *   downlink  flow 1 (server port 4000) on the core port's queue 0,
 *             flow 2 (server port 4002) on its queue 1;
 *   uplink    Flow SNs alternating over the client's two paths: wifi's
 *             (even SNs) on queue 0, lte's (odd SNs) on queue 1.
 * Asserted: every packet comes out exactly once; each downlink flow in
 * order (its GMA Flow SNs, given by the owner in the order it processes
 * the flow, equal the order the packets were sent in) and each client's
 * uplink in Flow SN order; everything a client sends is transmitted by its
 * owner's TX queue only (its state is touched by no other worker); the
 * hand-offs are exactly the packets that arrived on the other worker's
 * queue (handoff_out of one = handoff_in of the other); nothing dropped.
 *
 * And the session table at its configured size: max_sessions sessions fit
 * (a cuckoo hash sized exactly would refuse some), one more is -ENOSPC; and
 * more RX queues than a worker can poll are a start-up error naming the
 * field, not a write past the worker's queue list.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "gma_wire.h"
#include "ring_world.h"

#define N_DL 1000u /* downlink packets per flow and client */
#define N_UL 512u  /* uplink SDUs per client (< the 1024-SN reorder window) */
#define N_CLIENTS 2u

struct client {
	uint32_t id, anchor, wifi_ip, lte_ip;
	unsigned owner;
	/* what arrived where */
	unsigned on_queue[2];
	/* what came out */
	uint8_t dl_seen[2][N_DL];        /* per flow (0: port 4000, 1: port 4002) */
	uint32_t dl_next_fsn[2];         /* per flow: the Flow SN the next one must carry */
	uint8_t ul_seen[N_UL];
	uint32_t ul_next;                /* uplink: the next SN the core must carry */
	unsigned dl_got, ul_got;
};

static struct client g_cl[N_CLIENTS];

/* The lowest session ID owned by worker `owner` of 2 (dp_ctl.c: crc % workers). */
static uint32_t id_owned_by(unsigned owner, uint32_t from)
{
	for (uint32_t id = from;; id++)
		if (rte_hash_crc_4byte(id, 0) % 2 == owner)
			return id;
}

/*
 * The hand-off rings hold all that the test hands over: here both workers
 * share one CPU, and one may sleep a whole time slice while the other
 * fills the ring (a full ring is a counted drop, not what is tested here).
 */
static int config_json(char *buf, size_t cap, const struct rport *wifi, const struct rport *lte,
		       const struct rport *core)
{
	const char *flows =
		"\"default_flow\": 1, \"flows\": ["
		"{\"flow_id\": 1, \"match\": {\"remote_ports\": 4000},"
		" \"steering\": {\"mode\": \"split\", \"paths\": [0, 1], \"weights\": [1, 1]}},"
		"{\"flow_id\": 2, \"match\": {\"remote_ports\": 4002},"
		" \"steering\": {\"mode\": \"split\", \"paths\": [0, 1], \"weights\": [1, 1]}}]";
	int n = snprintf(buf, cap,
		"{\"dataplane\": {\"workers\": 2, \"mbufs\": 8191, \"burst\": 32, \"handoff_ring\": 4096},"
		" \"reorder\": {\"window\": 1024, \"timeout_ms\": 60000},"
		" \"ports\": ["
		"  {\"name\": \"wifi\", \"device\": \"%s\", \"role\": \"access\", \"ipv4\": \"192.0.2.1\","
		"   \"next_hop_mac\": \"02:00:00:00:09:09\", \"rx_queues\": 2, \"gma_udp_ports\": [10020]},"
		"  {\"name\": \"lte\", \"device\": \"%s\", \"role\": \"access\", \"ipv4\": \"198.51.100.1\","
		"   \"next_hop_mac\": \"02:00:00:00:09:09\", \"rx_queues\": 2, \"gma_udp_ports\": [10020]},"
		"  {\"name\": \"core\", \"device\": \"%s\", \"role\": \"core\", \"ipv4\": \"203.0.113.1\","
		"   \"next_hop_mac\": \"02:00:00:00:09:09\", \"rx_queues\": 2}],"
		" \"sessions\": ["
		"  {\"id\": %u, \"anchor_ip\": \"10.8.0.2\", \"method\": \"trailer\", %s, \"paths\": ["
		"   {\"conn_id\": 0, \"port\": \"wifi\", \"client_ip\": \"192.0.2.10\", \"client_port\": 5000},"
		"   {\"conn_id\": 1, \"port\": \"lte\", \"client_ip\": \"198.51.100.10\", \"client_port\": 5000}]},"
		"  {\"id\": %u, \"anchor_ip\": \"10.8.0.3\", \"method\": \"trailer\", %s, \"paths\": ["
		"   {\"conn_id\": 0, \"port\": \"wifi\", \"client_ip\": \"192.0.2.11\", \"client_port\": 5000},"
		"   {\"conn_id\": 1, \"port\": \"lte\", \"client_ip\": \"198.51.100.11\", \"client_port\": 5000}]}]}",
		wifi->dev, lte->dev, core->dev, g_cl[0].id, flows, g_cl[1].id, flows);

	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static struct client *client_of_anchor(uint32_t anchor)
{
	for (unsigned c = 0; c < N_CLIENTS; c++)
		if (g_cl[c].anchor == anchor)
			return &g_cl[c];
	cr_assert_fail("a packet of no client (anchor 0x%08x)", anchor);
	return NULL;
}

/* Everything the gateway sent so far; TX queue q is worker q's. */
static void drain(struct rport *wifi, struct rport *lte, struct rport *core)
{
	struct rport *access[2] = {wifi, lte};
	struct rte_mbuf *m;

	for (unsigned q = 0; q < 2; q++) {
		for (unsigned p = 0; p < 2; p++) {
			while (rte_ring_dequeue(access[p]->txq[q], (void **)&m) == 0) {
				uint32_t anchor, seq;
				uint16_t sport;
				struct gma_pdu d;
				struct client *c;
				unsigned f;

				seq = rw_dl_seq(m, GMA_METHOD_TRAILER, &d, NULL, &sport);
				memcpy(&anchor, rte_pktmbuf_mtod_offset(m, uint8_t *, 42 + 16), 4);
				c = client_of_anchor(rte_be_to_cpu_32(anchor));
				cr_assert_eq(q, c->owner, "client %u's downlink sent by worker %u",
					     c->id, q);
				f = sport == 4000 ? 0 : 1;
				cr_assert_eq(d.f.flow_id, f + 1u);
				cr_assert_lt(seq, N_DL);
				cr_assert_eq(c->dl_seen[f][seq], 0, "downlink %u/%u twice", f, seq);
				/* In order: the owner numbered the flow as it arrived. */
				cr_assert_eq(d.f.flow_sn, seq, "client %u flow %u: Flow SN %u carries %u",
					     c->id, f + 1, d.f.flow_sn, seq);
				c->dl_seen[f][seq] = 1;
				c->dl_got++;
				rte_pktmbuf_free(m);
			}
		}
		while (rte_ring_dequeue(core->txq[q], (void **)&m) == 0) {
			uint32_t anchor, seq = rw_core_seq(m);
			struct client *c;

			memcpy(&anchor, rte_pktmbuf_mtod_offset(m, uint8_t *, 14 + 12), 4);
			c = client_of_anchor(rte_be_to_cpu_32(anchor));
			cr_assert_eq(q, c->owner, "client %u's uplink sent by worker %u", c->id, q);
			cr_assert_eq(seq, c->ul_next, "client %u: uplink %u where %u was due", c->id,
				     seq, c->ul_next);
			c->ul_next++;
			c->ul_seen[seq] = 1;
			c->ul_got++;
			rte_pktmbuf_free(m);
		}
	}
}

static void send_ul(struct rte_mempool *mp, struct rport *wifi, struct rport *lte,
		    struct client *c, uint32_t sn)
{
	unsigned path = sn & 1; /* RSS: wifi's outer tuple to queue 0, lte's to queue 1 */
	struct rw_ul u = {
		.method = GMA_METHOD_TRAILER,
		.f = {.flags = GMA_F_FLOW_SN | GMA_F_FLOW_ID | GMA_F_DELIVERY_SN, .flow_id = 1,
		      .flow_sn = sn, .delivery_sn = (uint8_t)(sn / 2)},
		.client_ip = path ? c->lte_ip : c->wifi_ip,
		.client_port = 5000,
		.gw_ip = path ? IP4(198, 51, 100, 1) : IP4(192, 0, 2, 1),
		.anchor = c->anchor,
	};
	struct rport *p = path ? lte : wifi;

	while (rte_ring_enqueue(p->rxq[path], rw_ul_frame(mp, &u, sn)) != 0)
		rte_pause();
	c->on_queue[path]++;
}

static void wait_out(struct rport *wifi, struct rport *lte, struct rport *core, unsigned dl,
		     unsigned ul)
{
	uint64_t deadline = rte_get_tsc_cycles() + 10 * rte_get_tsc_hz();

	for (;;) {
		bool done = true;

		drain(wifi, lte, core);
		for (unsigned c = 0; c < N_CLIENTS; c++)
			done &= g_cl[c].dl_got >= dl && g_cl[c].ul_got >= ul;
		if (done || rte_get_tsc_cycles() > deadline)
			return;
	}
}

Test(rss, two_queues_two_workers_each_client_owned_by_one, .timeout = 120)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_stats st;
	struct dp_ctx *dp;
	char json[4096], err[256];

	rw_world_up("test_dp_rss", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(16383, 64);

	memset(g_cl, 0, sizeof(g_cl));
	for (unsigned c = 0; c < N_CLIENTS; c++) {
		g_cl[c].id = id_owned_by(c, 1);
		g_cl[c].owner = c;
		g_cl[c].anchor = IP4(10, 8, 0, 2 + c);
		g_cl[c].wifi_ip = IP4(192, 0, 2, 10 + c);
		g_cl[c].lte_ip = IP4(198, 51, 100, 10 + c);
	}
	cr_assert_eq(config_json(json, sizeof(json), &wifi, &lte, &core), 0);
	cr_assert_eq(dp_config_parse(json, strlen(json), &cfg, err, sizeof(err)), 0, "%s", err);
	dp = rw_dp_create(&cfg);
	/* What the config gave: 2 RX queues per port, queue q polled by worker q. */
	for (unsigned w = 0; w < 2; w++) {
		cr_assert_eq(dp->workers[w]->n_rxq, 3, "worker %u polls %u queues", w,
			     dp->workers[w]->n_rxq);
		for (unsigned q = 0; q < 3; q++)
			cr_assert_eq(dp->workers[w]->rxq[q].queue_id, w);
	}
	for (unsigned c = 0; c < N_CLIENTS; c++) {
		struct dp_session_stats ss;

		cr_assert_eq(dp_session_stats_read(dp, g_cl[c].id, &ss), 0);
		cr_assert_eq(ss.owner, g_cl[c].owner);
	}
	cr_assert_eq(dp_start(dp), 0);

	/* The first uplink SN of each client alone: it starts the reorder window. */
	for (unsigned c = 0; c < N_CLIENTS; c++)
		send_ul(mp, &wifi, &lte, &g_cl[c], 0);
	wait_out(&wifi, &lte, &core, 0, 1);
	cr_assert_eq(g_cl[0].ul_got + g_cl[1].ul_got, 2);

	/* Then everything, interleaved, both clients on both queues. */
	for (uint32_t i = 0; i < N_DL || i < N_UL; i++) {
		for (unsigned c = 0; c < N_CLIENTS; c++) {
			if (i < N_DL) {
				for (unsigned f = 0; f < 2; f++) {
					struct rte_mbuf *m = rw_dl_frame(mp, RW_SERVER,
									 f ? 4002 : 4000,
									 g_cl[c].anchor, i);

					while (rte_ring_enqueue(core.rxq[f], m) != 0)
						drain(&wifi, &lte, &core);
					g_cl[c].on_queue[f]++;
				}
			}
			if (i > 0 && i < N_UL)
				send_ul(mp, &wifi, &lte, &g_cl[c], i);
		}
		if (i % 64 == 0)
			drain(&wifi, &lte, &core);
	}
	wait_out(&wifi, &lte, &core, 2 * N_DL, N_UL);
	rte_delay_ms(20);
	drain(&wifi, &lte, &core);
	dp_stop(dp);
	cr_assert_eq(dp_stats_read(dp, &st), 0);

	for (unsigned r = 0; r < st.n_drops; r++)
		cr_assert_eq(st.drops[r], 0, "drop %s: %lu", dp_drop_reason_name(r),
			     (unsigned long)st.drops[r]);
	for (unsigned c = 0; c < N_CLIENTS; c++) {
		cr_assert_eq(g_cl[c].dl_got, 2 * N_DL, "client %u: %u of %u downlink", g_cl[c].id,
			     g_cl[c].dl_got, 2 * N_DL);
		cr_assert_eq(g_cl[c].ul_got, N_UL, "client %u: %u of %u uplink", g_cl[c].id,
			     g_cl[c].ul_got, N_UL);
	}
	/* Hand-offs: exactly what arrived on the queue of the worker that
	 * does not own it; each worker hands the other's clients over. */
	for (unsigned w = 0; w < 2; w++) {
		const struct client *other = &g_cl[1 - w]; /* owned by the other worker */

		cr_assert_gt(other->on_queue[w], 0);
		cr_assert_eq(st.workers[w].handoff_out, other->on_queue[w],
			     "worker %u handed %lu over, %u arrived on its queue for worker %u", w,
			     (unsigned long)st.workers[w].handoff_out, other->on_queue[w], 1 - w);
		cr_assert_eq(st.workers[1 - w].handoff_in, st.workers[w].handoff_out);
	}
	rw_world_down(dp, mp);
}

/* The session table holds max_sessions sessions, and not one more. */
Test(rss, session_table_holds_max_sessions, .timeout = 60)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct dp_ctx *dp;

	rw_world_up("test_dp_rss", "0@0,1@1", 1, 64, &wifi, &lte, &core);
	rw_config(&cfg, &wifi, &lte, &core);
	cfg.n_sessions = 0;
	cfg.max_sessions = 1024;
	dp = rw_dp_create(&cfg);
	for (uint32_t k = 0; k <= 1024; k++) {
		struct dp_session_cfg s;
		int rc;

		rw_config(&cfg, &wifi, &lte, &core);
		s = cfg.sessions[0];
		s.id = k + 1;
		s.anchor_ip = IP4(10, 8, 0, 2) + k;
		s.paths[0].client_port = (uint16_t)(5000 + k);
		s.paths[1].client_port = (uint16_t)(5000 + k);
		s.n_flows = 1;
		rc = dp_session_add(dp, &s);
		if (k < 1024)
			cr_assert_eq(rc, 0, "session %u of 1024: %s", k + 1, strerror(-rc));
		else
			cr_assert_eq(rc, -ENOSPC, "session 1025: %d", rc);
	}
	dp_destroy(dp);
	rw_eal_down();
}

/* 3 ports x 8 queues for one worker: more than its list of queues holds. */
Test(rss, more_queues_than_a_worker_polls_is_an_error, .timeout = 60)
{
	static struct dp_config cfg;
	struct rport ports[3];
	struct dp_ctx *dp;
	char err[256];

	rw_eal_up("test_dp_rss", "0@0,1@1");
	memset(ports, 0, sizeof(ports));
	for (unsigned i = 0; i < 3; i++) {
		snprintf(ports[i].dev, sizeof(ports[i].dev), "net_null%u", i);
		cr_assert_eq(rte_vdev_init(ports[i].dev, NULL), 0, "vdev %s", ports[i].dev);
	}
	rw_config(&cfg, &ports[0], &ports[1], &ports[2]);
	for (unsigned i = 0; i < 3; i++)
		cfg.ports[i].rx_queues = 8;
	dp = dp_create(&cfg, err, sizeof(err));
	cr_assert_null(dp);
	cr_assert(strstr(err, "ports[2].rx_queues: worker 0 would poll more than 16 RX queues") != NULL,
		  "%s", err);
	rw_eal_down();
}
