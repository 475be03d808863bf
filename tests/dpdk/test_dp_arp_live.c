/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour entries over time, in-process: the worker runs on its lcore,
 * the test thread is the control thread and calls dp_ctl_tick() itself, so
 * it decides when replies are learnt, refreshed and expired.  The core port
 * has no next_hop_mac and no gateway: uplink SDUs to RW_SERVER resolve it.
 * arp: timeout 3000 ms, retry 300 ms, 3 retries (refresh from 2100 ms): wide
 * margins, the test shares its cores.
 *   - resolution: the SDU waits, the worker sends the request, the reply
 *     (learnt on a tick) releases it with the server's MAC;
 *   - refresh: an entry used after 2100 ms is re-requested every 300 ms; the
 *     reply renews it (age back to ~0);
 *   - an unused entry is never re-requested and expires at 3000 ms; the next
 *     SDU resolves it again;
 *   - an entry in use whose refresh is not answered gets exactly 3 requests,
 *     then expires and is re-resolved by the worker.
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

static const uint8_t SRV_MAC[6] = { 0x02, 0x5e, 0, 0, 0, 0x50 };

struct world {
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_ctx *dp;
	uint32_t seq;
};

static void world_up(struct world *wd)
{
	static struct dp_config cfg;

	memset(wd, 0, sizeof(*wd));
	rw_world_up("test_dp_arp_live", "0@0,1@1", 1, 1024, &wd->wifi, &wd->lte, &wd->core);
	wd->mp = rw_pool(4095, 64);
	rw_config(&cfg, &wd->wifi, &wd->lte, &wd->core);
	memset(cfg.ports[2].next_hop_mac, 0, 6); /* resolve the core's neighbours */
	cfg.arp_timeout_ms = 3000;
	cfg.arp_retry_ms = 300;
	cfg.arp_retries = 3;
	wd->dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_start(wd->dp), 0);
}

static void world_down(struct world *wd)
{
	rw_world_down(wd->dp, wd->mp);
}

static uint64_t now_ms(const struct world *wd)
{
	return rte_rdtsc() / wd->dp->tsc_per_ms;
}

/* The control thread: tick every ms for `ms`. */
static void tick_for(struct world *wd, unsigned ms)
{
	uint64_t end = now_ms(wd) + ms;

	do {
		dp_ctl_tick(wd->dp);
		rte_delay_ms(1);
	} while (now_ms(wd) < end);
}

static void tick_until(struct world *wd, uint64_t t)
{
	while (now_ms(wd) < t) {
		dp_ctl_tick(wd->dp);
		rte_delay_ms(1);
	}
}

/* One uplink SDU (no Flow SN: forwarded at once) on the wifi path. */
static void ul_send(struct world *wd)
{
	struct rw_ul u = {
		.method = GMA_METHOD_TRAILER,
		.client_ip = IP4(192, 0, 2, 10),
		.client_port = 5000,
		.gw_ip = IP4(192, 0, 2, 1),
	};

	cr_assert_eq(rte_ring_enqueue(wd->wifi.rx, rw_ul_frame(wd->mp, &u, wd->seq++)), 0);
}

static struct rte_mbuf *core_pop(struct world *wd, unsigned wait_ms)
{
	uint64_t end = now_ms(wd) + wait_ms;
	struct rte_mbuf *m;

	/* The control thread keeps ticking while the test waits. */
	for (;;) {
		if (rte_ring_dequeue(wd->core.tx, (void **)&m) == 0)
			return m;
		if (now_ms(wd) >= end)
			return NULL;
		dp_ctl_tick(wd->dp);
		rte_delay_us_block(200);
	}
}

static void put_arp(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t op,
		    const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = 0x08;
	b[13] = 0x06;
	memcpy(b + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 0 }, 8);
	b[21] = (uint8_t)op;
	memcpy(b + 22, sha, 6);
	b[28] = (uint8_t)(spa >> 24);
	b[29] = (uint8_t)(spa >> 16);
	b[30] = (uint8_t)(spa >> 8);
	b[31] = (uint8_t)spa;
	memcpy(b + 32, tha, 6);
	b[38] = (uint8_t)(tpa >> 24);
	b[39] = (uint8_t)(tpa >> 16);
	b[40] = (uint8_t)(tpa >> 8);
	b[41] = (uint8_t)tpa;
}

/* m must be the gateway's broadcast request for RW_SERVER: byte for byte. */
static void expect_request(struct world *wd, struct rte_mbuf *m, const char *what)
{
	const uint8_t *mac = wd->dp->ports[2].mac.addr_bytes;
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6];
	uint8_t want[42];

	cr_assert_not_null(m, "%s: no frame on core", what);
	put_arp(want, bcast, mac, 1, mac, IP4(203, 0, 113, 1), zero, RW_SERVER);
	cr_assert_eq(rte_pktmbuf_data_len(m), 42, "%s: %u bytes", what, rte_pktmbuf_data_len(m));
	cr_assert_eq(memcmp(rte_pktmbuf_mtod(m, const uint8_t *), want, 42), 0,
		     "%s: not the ARP request for the server", what);
	rte_pktmbuf_free(m);
}

/* m must be SDU seq, sent to the server's MAC. */
static void expect_sdu(struct world *wd, struct rte_mbuf *m, uint32_t seq, const char *what)
{
	cr_assert_not_null(m, "%s: no SDU on core", what);
	cr_assert_eq(memcmp(rte_pktmbuf_mtod(m, const uint8_t *), SRV_MAC, 6), 0,
		     "%s: destination MAC is not the server's", what);
	cr_assert_eq(memcmp(rte_pktmbuf_mtod_offset(m, const uint8_t *, 6),
			    wd->dp->ports[2].mac.addr_bytes, 6), 0, "%s: source MAC", what);
	cr_assert_eq(rw_core_seq(m), seq, "%s: SDU %u, want %u", what, rw_core_seq(m), seq);
	rte_pktmbuf_free(m);
}

static void server_replies(struct world *wd)
{
	const uint8_t *mac = wd->dp->ports[2].mac.addr_bytes;
	struct rte_mbuf *m = rte_pktmbuf_alloc(wd->mp);
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 60);
	memset(p, 0, 60);
	put_arp(p, mac, SRV_MAC, 2, SRV_MAC, RW_SERVER, mac, IP4(203, 0, 113, 1));
	cr_assert_eq(rte_ring_enqueue(wd->core.rx, m), 0);
}

/* The one entry of the table, or NULL if the table is empty. */
static bool entry(struct world *wd, struct dp_neigh_info *e)
{
	struct dp_neigh_info all[4];
	unsigned n = dp_neigh_list(wd->dp, all, 4);

	cr_assert_leq(n, 1, "%u entries", n);
	if (n == 1)
		*e = all[0];
	return n == 1;
}

/* Resolve from scratch: SDU waits, request, reply, SDU released; returns when learnt. */
static uint64_t resolve(struct world *wd, const char *what)
{
	struct dp_neigh_info e;
	uint32_t seq = wd->seq;
	struct rte_mbuf *m;

	ul_send(wd);
	expect_request(wd, core_pop(wd, 2000), what);
	cr_assert_null(core_pop(wd, 20), "%s: the SDU left before the reply", what);
	server_replies(wd);
	tick_for(wd, 5);
	/* A worker descheduled for retry_ms (shared cores) may have asked again. */
	while ((m = core_pop(wd, 2000)) != NULL && rte_pktmbuf_data_len(m) == 42 &&
	       rte_pktmbuf_mtod(m, const uint8_t *)[12] == 0x08 &&
	       rte_pktmbuf_mtod(m, const uint8_t *)[13] == 0x06)
		expect_request(wd, m, "retry");
	expect_sdu(wd, m, seq, what);
	cr_assert(entry(wd, &e), "%s: nothing learnt", what);
	cr_assert_str_eq(e.ip, "203.0.113.50");
	cr_assert_str_eq(e.port, "core");
	cr_assert_str_eq(e.state, "reachable");
	cr_assert_eq(memcmp(e.mac.addr_bytes, SRV_MAC, 6), 0);
	cr_assert_lt(e.age_ms, 200);
	return now_ms(wd) - e.age_ms; /* when it was confirmed */
}

Test(arp_live, resolve_refresh_expire, .timeout = 60)
{
	struct world wd;
	struct dp_neigh_info e;
	uint64_t t0, refreshes;
	uint32_t seq;

	world_up(&wd);

	/* Resolution. */
	t0 = resolve(&wd, "first resolution");
	cr_expect_eq(wd.dp->neigh_learnt, 1);

	/* In use after the refresh point (2100 ms): re-requested, the reply renews it. */
	tick_until(&wd, t0 + 2150);
	seq = wd.seq;
	ul_send(&wd);
	expect_sdu(&wd, core_pop(&wd, 2000), seq, "SDU in the refresh window");
	tick_for(&wd, 30);
	expect_request(&wd, core_pop(&wd, 500), "refresh request");
	cr_assert(entry(&wd, &e));
	cr_expect_str_eq(e.state, "refreshing");
	cr_expect_eq(wd.dp->neigh_refreshes, 1);
	server_replies(&wd);
	for (uint64_t end = now_ms(&wd) + 2000; wd.dp->neigh_updated == 0 && now_ms(&wd) < end;)
		tick_for(&wd, 1); /* the worker passes the reply on; a tick learns it */
	cr_assert(entry(&wd, &e));
	cr_expect_str_eq(e.state, "reachable");
	cr_expect_lt(e.age_ms, 200, "age %lu after the refresh reply", (unsigned long)e.age_ms);
	cr_expect_eq(wd.dp->neigh_updated, 1);
	t0 = now_ms(&wd) - e.age_ms;

	/* Unused: no request at all, expired at 3000 ms, then resolved again. */
	tick_until(&wd, t0 + 2900);
	cr_assert(entry(&wd, &e), "expired before its time");
	cr_expect_null(core_pop(&wd, 0), "a request for an unused entry");
	tick_until(&wd, t0 + 3100);
	cr_assert(!entry(&wd, &e), "not expired after timeout_ms");
	cr_expect_eq(wd.dp->neigh_expired, 1);
	cr_expect_null(core_pop(&wd, 0), "a frame on core while idle");
	t0 = resolve(&wd, "re-resolution after expiry");
	cr_expect_eq(wd.dp->neigh_learnt, 2);

	/* In use, refresh unanswered: exactly 3 requests, 300 ms apart, then expiry. */
	refreshes = wd.dp->neigh_refreshes;
	tick_until(&wd, t0 + 2110);
	seq = wd.seq;
	ul_send(&wd);
	expect_sdu(&wd, core_pop(&wd, 2000), seq, "SDU before the unanswered refresh");
	tick_until(&wd, t0 + 3100);
	for (unsigned i = 0; i < 3; i++)
		expect_request(&wd, core_pop(&wd, 500), "unanswered refresh");
	cr_expect_null(core_pop(&wd, 50), "more than 3 refresh requests");
	cr_expect_eq(wd.dp->neigh_refreshes - refreshes, 3);
	cr_assert(!entry(&wd, &e), "not expired after an unanswered refresh");
	cr_expect_eq(wd.dp->neigh_expired, 2);
	resolve(&wd, "re-resolution after an unanswered refresh");

	world_down(&wd);
}
