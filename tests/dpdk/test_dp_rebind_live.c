/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT rebinding in-process, at the moments a pcap replay cannot pin down:
 * the workers run on their lcore, the test thread is the control thread
 * and calls dp_ctl_tick() itself, so it decides when a learnt endpoint is
 * applied.
 *   - a client of a session with ul_match_client sends from a new UDP port:
 *     its PDUs are forwarded (matched by anchor), counted per path
 *     (ul_rebound), and the owner sends one notice per path per 100 ms;
 *   - the control tick republishes the path with the new endpoint: later
 *     uplink PDUs hit the tuple key (no more client matches), downlink goes
 *     to the new port, the old endpoint is unknown and, when the client
 *     comes back to it, is learnt again;
 *   - a full notice ring is counted, and the next PDU after the interval
 *     repeats the notice.
 * Runs clean under AddressSanitizer in the sanitizer build.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "gma_wire.h"
#include "ring_world.h"

#define WIFI_CLIENT IP4(192, 0, 2, 10)
#define LTE_CLIENT IP4(198, 51, 100, 10)

struct world {
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_ctx *dp;
	uint32_t next_sn; /* the client's uplink Flow SN */
};

static void world_up(struct world *wd, uint32_t ctrl_ring)
{
	static struct dp_config cfg;

	memset(wd, 0, sizeof(*wd));
	rw_world_up("test_dp_rebind_live", "0@0,1@1", 1, 4096, &wd->wifi, &wd->lte, &wd->core);
	wd->mp = rw_pool(4095, 64);
	rw_config(&cfg, &wd->wifi, &wd->lte, &wd->core);
	cfg.ctrl_ring = ctrl_ring;
	cfg.reorder_timeout_ms = 60000; /* nothing given up while the test waits */
	cfg.sessions[0].ul_match_client = true;
	wd->dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_start(wd->dp), 0);
}

static void world_down(struct world *wd)
{
	rw_world_down(wd->dp, wd->mp);
}

/* n uplink PDUs (the next Flow SNs) on path 0 (wifi) or 1 (lte) from port sport. */
static void ul_send(struct world *wd, unsigned path, uint16_t sport, unsigned n)
{
	struct rw_ul u = {
		.method = GMA_METHOD_TRAILER,
		.f = {.flags = GMA_F_FLOW_SN},
		.client_ip = path ? LTE_CLIENT : WIFI_CLIENT,
		.client_port = sport,
		.gw_ip = path ? IP4(198, 51, 100, 1) : IP4(192, 0, 2, 1),
	};
	struct rport *p = path ? &wd->lte : &wd->wifi;

	for (unsigned i = 0; i < n; i++) {
		u.f.flow_sn = wd->next_sn;
		cr_assert_eq(rte_ring_enqueue(p->rx, rw_ul_frame(wd->mp, &u, wd->next_sn)), 0);
		wd->next_sn++;
	}
}

/* Wait for n SDUs on the core port: the Flow SNs first..first+n-1, in order. */
static void core_expect(struct world *wd, uint32_t first, unsigned n)
{
	uint64_t deadline = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	struct rte_mbuf *m;
	unsigned got = 0;

	while (got < n && rte_get_tsc_cycles() < deadline) {
		if (rte_ring_dequeue(wd->core.tx, (void **)&m) != 0)
			continue;
		cr_assert_eq(rw_core_seq(m), first + got, "core position %u holds %u", got,
			     rw_core_seq(m));
		rte_pktmbuf_free(m);
		got++;
	}
	cr_assert_eq(got, n, "core received %u of %u", got, n);
	rte_delay_ms(5);
	cr_assert_eq(rte_ring_count(wd->core.tx), 0, "more than %u SDUs on core", n);
}

static struct dp_session_stats stats_of(struct world *wd)
{
	struct dp_session_stats ss;

	rte_delay_ms(5); /* the worker's counters of its last burst */
	cr_assert_eq(dp_session_stats_read(wd->dp, 1, &ss), 0);
	return ss;
}

static struct dp_stats dp_stats_of(struct world *wd)
{
	struct dp_stats st;

	cr_assert_eq(dp_stats_read(wd->dp, &st), 0);
	return st;
}

Test(rebind_live, learnt_endpoint_serves_both_directions, .timeout = 60)
{
	struct world wd;
	struct dp_session_stats ss;
	struct dp_stats st;
	unsigned to_new = 0, to_lte = 0;
	uint64_t deadline;

	world_up(&wd, 256);

	/* The client's NAT rebinds: wifi PDUs now come from port 6000. */
	ul_send(&wd, 0, 6000, 50);
	core_expect(&wd, 0, 50);
	ss = stats_of(&wd);
	st = dp_stats_of(&wd);
	cr_assert_eq(ss.paths[0].ul_rebound, 50, "ul_rebound %lu", (unsigned long)ss.paths[0].ul_rebound);
	cr_assert_eq(ss.paths[0].rx_pkts, 50);
	cr_assert_eq(ss.paths[0].client_port, 5000, "not applied before the control tick");
	cr_assert_eq(st.rebind_notices, 1, "one notice per path per 100 ms, %lu sent",
		     (unsigned long)st.rebind_notices);
	cr_assert_eq(st.rebind_ring_full, 0);
	cr_assert_eq(st.rebinds_applied, 0);

	/* The control thread applies it. */
	dp_ctl_tick(wd.dp);
	ss = stats_of(&wd);
	st = dp_stats_of(&wd);
	cr_assert_eq(st.rebinds_applied, 1);
	cr_assert_eq(ss.paths[0].client_ip, WIFI_CLIENT);
	cr_assert_eq(ss.paths[0].client_port, 6000, "the path has the learnt port");
	cr_assert_eq(ss.paths[1].client_port, 5000, "the other path is unchanged");

	/* Uplink from the new port now hits the tuple key. */
	ul_send(&wd, 0, 6000, 10);
	core_expect(&wd, 50, 10);
	ss = stats_of(&wd);
	cr_assert_eq(ss.paths[0].ul_rebound, 50, "no client match any more");
	cr_assert_eq(ss.paths[0].rx_pkts, 60);

	/* Downlink (split 1:1): wifi's half goes to the new port. */
	for (uint32_t i = 0; i < 10; i++)
		cr_assert_eq(rte_ring_enqueue(wd.core.rx, rw_dl_frame(wd.mp, RW_SERVER, 4000, ANCHOR, i)), 0);
	deadline = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	while (to_new + to_lte < 10 && rte_get_tsc_cycles() < deadline) {
		struct rte_mbuf *m;
		struct gma_pdu d;
		uint16_t dport;

		if (rte_ring_dequeue(wd.wifi.tx, (void **)&m) == 0) {
			rw_dl_seq(m, GMA_METHOD_TRAILER, &d, &dport, NULL);
			cr_assert_eq(dport, 6000, "wifi downlink to port %u", dport);
			to_new++;
			rte_pktmbuf_free(m);
		}
		if (rte_ring_dequeue(wd.lte.tx, (void **)&m) == 0) {
			rw_dl_seq(m, GMA_METHOD_TRAILER, &d, &dport, NULL);
			cr_assert_eq(dport, 5000, "lte downlink to port %u", dport);
			to_lte++;
			rte_pktmbuf_free(m);
		}
	}
	cr_assert_eq(to_new, 5);
	cr_assert_eq(to_lte, 5);

	/* Back to the old mapping, after the notice interval: learnt again. */
	rte_delay_ms(DP_REBIND_NOTE_MS + 10);
	ul_send(&wd, 0, 5000, 3);
	core_expect(&wd, 60, 3);
	ss = stats_of(&wd);
	cr_assert_eq(ss.paths[0].ul_rebound, 53);
	cr_assert_eq(dp_stats_of(&wd).rebind_notices, 2);
	dp_ctl_tick(wd.dp);
	ss = stats_of(&wd);
	cr_assert_eq(ss.paths[0].client_port, 5000);
	cr_assert_eq(dp_stats_of(&wd).rebinds_applied, 2);
	/* A notice for an endpoint the path already has changes nothing. */
	cr_assert_eq(dp_stats_of(&wd).rebinds_stale, 0);

	dp_stop(wd.dp);
	st = dp_stats_of(&wd);
	for (unsigned r = 0; r < st.n_drops; r++)
		cr_assert_eq(st.drops[r], 0, "drop %s: %lu", dp_drop_reason_name(r),
			     (unsigned long)st.drops[r]);
	world_down(&wd);
}

/* A notice ring of one slot: the second path's notice is counted as lost
 * and repeated by its next PDU after the interval. */
Test(rebind_live, full_notice_ring_is_counted_and_retried, .timeout = 60)
{
	struct world wd;
	struct dp_session_stats ss;
	struct dp_stats st;

	uint64_t t0;

	world_up(&wd, 2); /* ctrl_ring 2: rings of capacity 1 */
	ul_send(&wd, 0, 6000, 1);
	core_expect(&wd, 0, 1);
	t0 = rte_get_tsc_cycles();
	ul_send(&wd, 1, 6001, 1);
	core_expect(&wd, 1, 1);
	ss = stats_of(&wd);
	st = dp_stats_of(&wd);
	cr_assert_eq(ss.paths[0].ul_rebound, 1);
	cr_assert_eq(ss.paths[1].ul_rebound, 1);
	cr_assert_eq(st.rebind_notices, 1);
	cr_assert_eq(st.rebind_ring_full, 1);

	dp_ctl_tick(wd.dp);
	ss = stats_of(&wd);
	cr_assert_eq(ss.paths[0].client_port, 6000);
	cr_assert_eq(ss.paths[1].client_port, 5000, "its notice was lost");

	/* Within the interval nothing is repeated (a loaded machine may let
	 * the interval pass before this PDU: then it may repeat) ... */
	ul_send(&wd, 1, 6001, 1);
	core_expect(&wd, 2, 1);
	if ((rte_get_tsc_cycles() - t0) * 1000 / rte_get_tsc_hz() < DP_REBIND_NOTE_MS)
		cr_assert_eq(dp_stats_of(&wd).rebind_notices + dp_stats_of(&wd).rebind_ring_full,
			     2);
	/* ... after it, the next PDU repeats the notice. */
	rte_delay_ms(DP_REBIND_NOTE_MS + 10);
	ul_send(&wd, 1, 6001, 1);
	core_expect(&wd, 3, 1);
	st = dp_stats_of(&wd);
	cr_assert_eq(st.rebind_notices, 2);
	dp_ctl_tick(wd.dp);
	ss = stats_of(&wd);
	cr_assert_eq(ss.paths[1].client_port, 6001);
	cr_assert_eq(ss.paths[1].ul_rebound, 3);
	cr_assert_eq(dp_stats_of(&wd).rebinds_applied, 2);

	dp_stop(wd.dp);
	world_down(&wd);
}

/* With "endpoint" matching nothing of this happens: the PDUs are drops. */
Test(rebind_live, endpoint_match_learns_nothing, .timeout = 60)
{
	struct world wd;
	struct dp_session_cfg cfg;
	struct dp_session_stats ss;
	struct dp_stats st;

	world_up(&wd, 256);
	/* Switch the session to endpoint matching through the API. */
	ss = stats_of(&wd);
	cfg = wd.dp->cfg.sessions[0];
	cfg.ul_match_client = false;
	cr_assert_eq(dp_session_update(wd.dp, &cfg), 0);
	ul_send(&wd, 0, 6000, 20);
	rte_delay_ms(50);
	cr_assert_eq(rte_ring_count(wd.core.tx), 0);
	dp_ctl_tick(wd.dp);
	ss = stats_of(&wd);
	st = dp_stats_of(&wd);
	cr_assert_eq(st.drops[DP_DROP_UNKNOWN_CLIENT], 20);
	cr_assert_eq(ss.paths[0].ul_rebound, 0);
	cr_assert_eq(ss.paths[0].client_port, 5000);
	cr_assert_eq(st.rebind_notices, 0);
	cr_assert_eq(st.rebinds_applied, 0);
	dp_stop(wd.dp);
	world_down(&wd);
}
