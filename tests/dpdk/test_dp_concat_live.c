/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink concatenation in-process, at the moments a pcap replay cannot
 * pin down: the test thread runs the worker loop itself (dp_worker_poll,
 * as the benchmark does; the workers are not launched), so it decides
 * exactly when SDUs arrive, when time passes and when the session changes.
 *   - a partial buffer leaves when the worker stops (dp_worker_drain);
 *   - ... when its hold time has passed, and not before;
 *   - ... when the session is removed (the owner's retire message);
 *   - ... when the session is updated under it (path MTU, then concat off):
 *     order kept, and the old session version, already freed, never read
 *     (AddressSanitizer in the sanitizer build);
 *   - no mbuf for the PDU: the held SDUs are counted drops, not leaks.
 * Every test ends with both mbuf pools complete: nothing leaked.
 */
#include <criterion/criterion.h>
#include <unistd.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp.h"
#include "gma_wire.h"
#include "ring_world.h"

#define PAYLOAD 64u
#define MAX_OUT 64u

/* One test's world: ports, a pool for the frames we inject, the data plane. */
struct world {
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_ctx *dp;
	struct dp_worker *w;
};

/* What came out of wifi: per PDU, the sequence numbers of its SDUs. */
struct out {
	unsigned n;
	unsigned k[MAX_OUT];
	uint32_t seq[MAX_OUT][DP_CONCAT_MAX];
	uint32_t flow_sn[MAX_OUT];
	uint8_t dsn[MAX_OUT];
};


/* One session, one flow on wifi (switch), concatenation with hold_us. */
static void world_up(struct world *wd, uint16_t hold_us)
{
	static struct dp_config c;
	struct dp_session_cfg *s = &c.sessions[0];

	rw_world_up("test_dp_concat_live", "0@0,1@1", 1, 1024, &wd->wifi, &wd->lte, &wd->core);
	wd->mp = rw_pool(1023, 0);

	rw_config(&c, &wd->wifi, &wd->lte, &wd->core);
	c.mbufs = 1023;
	c.mbuf_cache = 0; /* exhausting the pool must really empty it */
	s->concat = true;
	s->concat_hold_us = hold_us;
	s->flows[0].steer.mode = GMA_STEER_SWITCH;
	s->flows[0].steer.n = 1;
	s->flows[0].steer.path[0] = 0;
	wd->dp = rw_dp_create(&c);
	wd->w = wd->dp->workers[0];
}

/* Everything handed back: both pools complete, then torn down. */
static void world_down(struct world *wd)
{
	cr_expect_eq(rte_mempool_in_use_count(wd->dp->pool), 0, "%u gateway mbufs leaked",
		     rte_mempool_in_use_count(wd->dp->pool));
	cr_expect_eq(rte_mempool_in_use_count(wd->mp), 0, "%u frame mbufs leaked",
		     rte_mempool_in_use_count(wd->mp));
	rw_world_down(wd->dp, wd->mp);
}

/* A downlink frame to the anchor whose UDP payload starts with seq. */
static void send_frame(struct world *wd, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(wd->mp);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *p;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + PAYLOAD);
	memset(p, 0, 14 + 20 + 8 + PAYLOAD);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + PAYLOAD);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(IP4(203, 0, 113, 50));
	ip->dst_addr = rte_cpu_to_be_32(ANCHOR);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(4000);
	udp->dst_port = rte_cpu_to_be_16(4001);
	udp->dgram_len = rte_cpu_to_be_16(8 + PAYLOAD);
	memcpy(udp + 1, &seq, sizeof(seq));
	cr_assert_eq(rte_ring_enqueue(wd->core.rx, m), 0);
}

/* Take what wifi transmitted; lte must stay silent. */
static void collect(struct world *wd, struct out *o)
{
	struct rte_mbuf *m;

	cr_assert_eq(rte_ring_count(wd->lte.tx), 0, "lte transmitted");
	while (rte_ring_dequeue(wd->wifi.tx, (void **)&m) == 0) {
		uint8_t pdu[2048];
		uint16_t len = (uint16_t)(rte_pktmbuf_data_len(m) - 42);
		struct gma_sdu sdus[DP_CONCAT_MAX + 1];
		struct gma_pdu d;
		int n;

		cr_assert_lt(o->n, MAX_OUT);
		cr_assert(rte_pktmbuf_is_contiguous(m));
		memcpy(pdu, rte_pktmbuf_mtod_offset(m, const uint8_t *, 42), len);
		rte_pktmbuf_free(m);
		cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, len, &d), 0);
		n = gma_decap_sdus(GMA_METHOD_TRAILER, pdu, len, &d, sdus, DP_CONCAT_MAX + 1);
		cr_assert_gt(n, 0, "gma_decap_sdus: %s", gma_strerror(n));
		o->k[o->n] = (unsigned)n;
		o->flow_sn[o->n] = d.f.flow_sn;
		o->dsn[o->n] = d.f.delivery_sn;
		for (int i = 0; i < n; i++) {
			cr_assert_eq(sdus[i].len, 20 + 8 + PAYLOAD);
			memcpy(&o->seq[o->n][i], pdu + sdus[i].off + 28, sizeof(uint32_t));
			cr_expect_eq(sdus[i].flow_sn, o->seq[o->n][i], "SDU %u carries Flow SN %u",
				     o->seq[o->n][i], sdus[i].flow_sn);
		}
		o->n++;
	}
}

/* PDU i of o carries SDUs first..first+k-1 and has Delivery SN i. */
static void expect_pdu(const struct out *o, unsigned i, uint32_t first, unsigned k)
{
	cr_assert_lt(i, o->n, "PDU %u missing (%u out)", i, o->n);
	cr_expect_eq(o->k[i], k, "PDU %u: %u SDUs, want %u", i, o->k[i], k);
	for (unsigned j = 0; j < k && j < o->k[i]; j++)
		cr_expect_eq(o->seq[i][j], first + j, "PDU %u SDU %u: %u, want %u", i, j,
			     o->seq[i][j], first + j);
	cr_expect_eq(o->flow_sn[i], first + k - 1, "PDU %u: Flow SN %u", i, o->flow_sn[i]);
	cr_expect_eq(o->dsn[i], i, "PDU %u: Delivery SN %u", i, o->dsn[i]);
}

/* Receive what the core ring holds (one loop, one burst). */
static void poll_once(struct world *wd)
{
	dp_worker_poll(wd->w);
}

static void expect_no_drops(struct world *wd)
{
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		cr_expect_eq(wd->w->stats.drops[r], 0, "drop %s: %lu", dp_drop_name(r),
			     (unsigned long)wd->w->stats.drops[r]);
}

Test(concat_live, stop_sends_the_partial_buffer, .timeout = 60)
{
	struct world wd;
	struct out o = {0};

	world_up(&wd, 65535);
	for (uint32_t i = 0; i < 3; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 0, "held for up to 65 ms, %u PDUs out at once", o.n);
	cr_assert(!LIST_EMPTY(&wd.w->cc_held));
	dp_worker_drain(wd.w);
	collect(&wd, &o);
	cr_assert_eq(o.n, 1);
	expect_pdu(&o, 0, 0, 3);
	cr_expect(LIST_EMPTY(&wd.w->cc_held));
	expect_no_drops(&wd);
	world_down(&wd);
}

Test(concat_live, hold_time_sends_the_partial_buffer, .timeout = 60)
{
	struct world wd;
	struct out o = {0};

	world_up(&wd, 2000);
	for (uint32_t i = 0; i < 4; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 0, "%u PDUs out before the 2 ms hold time", o.n);
	rte_delay_us_block(3000);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 1, "%u PDUs out after the hold time", o.n);
	expect_pdu(&o, 0, 0, 4);
	cr_expect(LIST_EMPTY(&wd.w->cc_held));
	expect_no_drops(&wd);
	cr_expect_eq(wd.dp->workers[0]->stats.tx_pkts[0], 1);
	world_down(&wd);
}

Test(concat_live, removal_sends_the_partial_buffer, .timeout = 60)
{
	struct world wd;
	struct out o = {0};

	world_up(&wd, 65535);
	for (uint32_t i = 0; i < 5; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 0);
	/* The test thread is the owner: removal goes through its control
	 * ring as with running workers (none is registered with RCU, so the
	 * grace period is immediate). */
	wd.dp->workers_running = true;
	cr_assert_eq(dp_session_remove(wd.dp, 1), 0);
	poll_once(&wd);
	wd.dp->workers_running = false;
	collect(&wd, &o);
	cr_assert_eq(o.n, 1, "%u PDUs out on removal", o.n);
	expect_pdu(&o, 0, 0, 5);
	cr_expect(LIST_EMPTY(&wd.w->cc_held));
	cr_expect_eq(dp_ctl_reclaim(wd.dp), 1, "the state was handed back");
	expect_no_drops(&wd);
	world_down(&wd);
}

Test(concat_live, updates_flush_in_order, .timeout = 60)
{
	struct world wd;
	struct out o = {0};
	struct dp_session_cfg cfg;
	void *d = NULL;
	uint32_t id = 1;

	world_up(&wd, 65535);
	for (uint32_t i = 0; i < 3; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	/* A new version (MTU 1400): the one the SDUs were steered by is freed. */
	cr_assert_eq(dp_path_set(wd.dp, 1, 0, true, 1400), 0);
	send_frame(&wd, 3);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 1, "the path changed: the held SDUs leave first (%u PDUs)", o.n);
	expect_pdu(&o, 0, 0, 3);
	/* Concatenation turned off while SDU 3 is held: it still leaves before 4. */
	cr_assert_geq(rte_hash_lookup_data(wd.dp->id_hash, &id, &d), 0);
	cfg = ((struct dp_session *)d)->cfg;
	cfg.concat = false;
	cr_assert_eq(dp_session_update(wd.dp, &cfg), 0);
	send_frame(&wd, 4);
	send_frame(&wd, 5);
	poll_once(&wd);
	collect(&wd, &o);
	cr_assert_eq(o.n, 4, "%u PDUs", o.n);
	expect_pdu(&o, 1, 3, 1);
	expect_pdu(&o, 2, 4, 1);
	expect_pdu(&o, 3, 5, 1);
	cr_expect(LIST_EMPTY(&wd.w->cc_held));
	expect_no_drops(&wd);
	world_down(&wd);
}

Test(concat_live, no_mbuf_for_the_pdu_drops_the_held_sdus, .timeout = 60)
{
	static struct rte_mbuf *hoard[2048];
	struct world wd;
	struct out o = {0};
	unsigned n = 0;

	world_up(&wd, 65535);
	for (uint32_t i = 0; i < 3; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	while (n < RTE_DIM(hoard) && (hoard[n] = rte_pktmbuf_alloc(wd.dp->pool)) != NULL)
		n++;
	cr_assert_eq(rte_mempool_avail_count(wd.dp->pool), 0);
	dp_worker_drain(wd.w);
	collect(&wd, &o);
	cr_expect_eq(o.n, 0);
	cr_expect_eq(wd.w->stats.drops[DP_DROP_NO_MBUF], 3, "no_mbuf %lu",
		     (unsigned long)wd.w->stats.drops[DP_DROP_NO_MBUF]);
	cr_expect(LIST_EMPTY(&wd.w->cc_held));
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(hoard[i]);
	/* The flow goes on: the next SDUs are concatenated as before. */
	for (uint32_t i = 3; i < 6; i++)
		send_frame(&wd, i);
	poll_once(&wd);
	dp_worker_drain(wd.w);
	collect(&wd, &o);
	cr_assert_eq(o.n, 1);
	expect_pdu(&o, 0, 3, 3);
	world_down(&wd);
}
