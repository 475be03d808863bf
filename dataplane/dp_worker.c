/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: receive a burst on each of this worker's queues, look up
 * the sessions of the whole burst at once (bulk hash lookups), hand packets
 * of sessions owned elsewhere to their owner, run the downlink or uplink
 * pipeline, release what reorder timeouts free, send the concatenation
 * buffers whose hold time has passed, and transmit in bursts.  Nothing here blocks, allocates (beyond mbufs from the
 * pool), locks or logs.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_prefetch.h>

#include "dp.h"

void dp_drop(struct dp_worker *w, struct rte_mbuf *m, unsigned reason)
{
	unsigned r = reason < DP_DROP_MAX ? reason : DP_DROP_MAX - 1;
	uint8_t pi = m->port < RTE_MAX_ETHPORTS ? w->dp->port_idx_of[m->port] : 0xFF;

	w->stats.drops[r]++;
	if (pi < DP_MAX_PORTS)
		w->stats.port_drops[pi][r]++;
	rte_pktmbuf_free(m);
}

static void tx_flush(struct dp_worker *w, uint8_t port_idx)
{
	struct dp_txbuf *b = &w->tx[port_idx];
	uint16_t port_id = w->dp->ports[port_idx].port_id;
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = rte_eth_tx_burst(port_id, w->txq, b->pkts, b->n);
	for (uint16_t i = 0; i < sent; i++)
		w->stats.tx_bytes[port_idx] += rte_pktmbuf_pkt_len(b->pkts[i]);
	w->stats.tx_pkts[port_idx] += sent;
	for (uint16_t i = sent; i < b->n; i++) {
		w->stats.drops[DP_DROP_TX_FULL]++;
		w->stats.port_drops[port_idx][DP_DROP_TX_FULL]++;
		rte_pktmbuf_free(b->pkts[i]);
	}
	b->n = 0;
}

void dp_tx_enqueue(struct dp_worker *w, uint8_t port_idx, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->tx[port_idx];

	if (b->n == RTE_DIM(b->pkts))
		tx_flush(w, port_idx);
	b->pkts[b->n++] = m;
}

/*
 * Packets arrive cold (written by the NIC).  A burst is read twice: its
 * headers when the lookup keys are gathered, then the whole packet when it
 * is processed.  So the mbuf headers of the burst are fetched at once and
 * each packet's first line a few packets ahead of the gathering; the lines
 * only processing touches -- the last one, where GMA trailers are read or
 * written, and the one in front, where downlink writes the outer headers --
 * a few packets ahead of the processing.
 */
#define DP_PREFETCH_AHEAD 4

static inline void prefetch_head(const struct rte_mbuf *m)
{
	rte_prefetch0(rte_pktmbuf_mtod(m, const uint8_t *));
}

static inline void prefetch_body(const struct rte_mbuf *m, bool core)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(p + rte_pktmbuf_data_len(m) - 1);
	if (core)
		rte_prefetch0(p + RTE_ETHER_HDR_LEN - DP_OUTER_LEN); /* outer headers go there */
}

static uint8_t port_idx_of(const struct dp_ctx *dp, uint16_t port_id)
{
	/* Handed-off packets come from our own RX queues: always mapped. */
	return port_id < RTE_MAX_ETHPORTS ? dp->port_idx_of[port_id] : 0;
}

/*
 * One burst's session lookups.  The keys of its packets are gathered first
 * -- a packet whose key equals the previous distinct key of its table
 * shares that key's lookup (bursts carry runs of one client) -- and looked
 * up with one rte_hash_lookup_bulk_data() per table, which computes the
 * signatures and fetches the buckets of all keys before comparing any, so
 * that their cache misses overlap.  The sessions found are prefetched, and
 * the packets processed in arrival order.
 */
struct dp_burst {
	uint64_t valid;                     /* bit i: packet i has a key */
	uint64_t core;                      /* bit i: packet i came from the core port */
	uint8_t key[DP_BURST_MAX];          /* packet -> index of its key */
	uint8_t port_idx[DP_BURST_MAX];
	unsigned nd, nu;                    /* distinct downlink / uplink keys */
	rte_be32_t dk[DP_BURST_MAX];
	struct dp_ul_key uk[DP_BURST_MAX];
	int8_t upath[DP_BURST_MAX];         /* uplink key -> path index, -1: none */
	const void *kp[DP_BURST_MAX];
	void *ds[DP_BURST_MAX], *us[DP_BURST_MAX]; /* key -> session, NULL: miss */
};

_Static_assert(DP_BURST_MAX <= RTE_HASH_LOOKUP_BULK_MAX, "one bulk lookup per burst and table");
_Static_assert(DP_BURST_MAX <= 64, "bit masks of a burst");
_Static_assert(sizeof(struct dp_ul_key) == sizeof(uint64_t), "uplink keys compare as one word");

static inline bool ul_key_eq(const struct dp_ul_key *a, const struct dp_ul_key *b)
{
	uint64_t x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x == y;
}

/* Outer checks of packet i and its key; a packet that fails is dropped (counted). */
static inline void gather(struct dp_worker *w, struct dp_burst *b, unsigned i,
			  struct rte_mbuf *m, uint8_t pidx, bool core)
{
	b->port_idx[i] = pidx;
	if (unlikely(rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN &&
		     rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
			     rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))) {
		dp_arp_input(w, m, pidx); /* answered, learnt from or dropped: consumed */
		return;
	}
	if (core) {
		rte_be32_t *k = &b->dk[b->nd];

		b->core |= 1ull << i;
		if (!dp_dl_key_of(w, m, k))
			return;
		if (b->nd == 0 || *k != b->dk[b->nd - 1])
			b->nd++;
		b->key[i] = (uint8_t)(b->nd - 1);
	} else {
		struct dp_ul_key *k = &b->uk[b->nu];

		if (!dp_ul_key_of(w, m, pidx, k))
			return;
		if (b->nu == 0 || !ul_key_eq(k, &b->uk[b->nu - 1]))
			b->nu++;
		b->key[i] = (uint8_t)(b->nu - 1);
	}
	b->valid |= 1ull << i;
}

/* The session version and its state are read right after the lookup. */
static inline void prefetch_session(const struct dp_session *s)
{
	rte_prefetch0(s);
	rte_prefetch0(&s->owner);
}

static void lookup(struct dp_worker *w, struct dp_burst *b)
{
	uint64_t hits;

	if (b->nd > 0) {
		hits = 0;
		for (unsigned k = 0; k < b->nd; k++)
			b->kp[k] = &b->dk[k];
		rte_hash_lookup_bulk_data(w->dp->dl_hash, b->kp, b->nd, &hits, b->ds);
		for (unsigned k = 0; k < b->nd; k++) {
			if (!(hits & (1ull << k)))
				b->ds[k] = NULL;
			else
				prefetch_session(b->ds[k]);
		}
	}
	if (b->nu > 0) {
		hits = 0;
		for (unsigned k = 0; k < b->nu; k++)
			b->kp[k] = &b->uk[k];
		rte_hash_lookup_bulk_data(w->dp->ul_hash, b->kp, b->nu, &hits, b->us);
		for (unsigned k = 0; k < b->nu; k++) {
			if (!(hits & (1ull << k))) {
				b->us[k] = NULL;
				continue;
			}
			b->upath[k] = (int8_t)dp_ul_path_of(b->us[k], &b->uk[k]);
			prefetch_session(b->us[k]);
		}
	}
}

/*
 * Look up the sessions of n packets, then process each here or hand it over
 * to its owner.  rq: the RX queue they came from; NULL for packets other
 * workers handed over (from any port), which are processed here.
 */
static void burst_run(struct dp_worker *w, struct rte_mbuf **pkts, unsigned n,
		      const struct dp_rxq *rq)
{
	struct dp_ctx *dp = w->dp;
	struct dp_burst b;

	b.valid = 0;
	b.core = 0;
	b.nd = 0;
	b.nu = 0;
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (unsigned i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		prefetch_head(pkts[i]);
	if (rq != NULL) {
		bool core = dp->cfg.ports[rq->port_idx].role == DP_PORT_CORE;
		uint64_t bytes = 0;

		for (unsigned i = 0; i < n; i++) {
			if (i + DP_PREFETCH_AHEAD < n)
				prefetch_head(pkts[i + DP_PREFETCH_AHEAD]);
			bytes += rte_pktmbuf_pkt_len(pkts[i]);
			pkts[i]->port = rq->port_id; /* not every PMD sets it (net_ring) */
			gather(w, &b, i, pkts[i], rq->port_idx, core);
		}
		w->stats.rx_bytes[rq->port_idx] += bytes;
	} else {
		for (unsigned i = 0; i < n; i++) {
			uint8_t pidx = port_idx_of(dp, pkts[i]->port);

			if (i + DP_PREFETCH_AHEAD < n)
				prefetch_head(pkts[i + DP_PREFETCH_AHEAD]);
			gather(w, &b, i, pkts[i], pidx, dp->cfg.ports[pidx].role == DP_PORT_CORE);
		}
	}
	lookup(w, &b);

	for (unsigned i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		prefetch_body(pkts[i], b.core & (1ull << i));
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_session *s;
		bool rebound = false, esp = false;
		unsigned pi = 0;

		if (i + DP_PREFETCH_AHEAD < n)
			prefetch_body(pkts[i + DP_PREFETCH_AHEAD],
				      b.core & (1ull << (i + DP_PREFETCH_AHEAD)));
		if (!(b.valid & (1ull << i)))
			continue; /* dropped and counted by gather() */
		if (b.core & (1ull << i)) {
			s = b.ds[b.key[i]];
			if (s == NULL) {
				dp_drop(w, m, DP_DROP_NO_SESSION);
				continue;
			}
		} else {
			int e;

			s = b.us[b.key[i]];
			/* IPsec paths: the SPI names session and path (dp_esp.c). */
			e = dp_esp_ul_classify(w, m, s, s != NULL ? b.upath[b.key[i]] : -1, &s, &pi);
			if (e < 0)
				continue;
			if (e > 0) {
				esp = true;
			} else if (s != NULL && b.upath[b.key[i]] >= 0) {
				pi = (unsigned)b.upath[b.key[i]];
			} else if (s != NULL) {
				dp_drop(w, m, DP_DROP_UNKNOWN_CLIENT);
				continue;
			} else {
				/* No path has this endpoint: NAT rebinding? (dp_ul.c) */
				s = dp_ul_by_client(w, m, b.port_idx[i], &pi);
				if (s == NULL)
					continue;
				if (s->paths[pi].esp_in != NULL) {
					/* A path with IPsec never takes plaintext. */
					dp_drop_p(w, s->st, pi, m, DP_DROP_ESP_PLAINTEXT);
					continue;
				}
				rebound = true;
			}
		}
		if (s->owner != w->idx && rq != NULL) {
			/* The owner keeps this client's sequence numbers and windows. */
			if (rte_ring_enqueue(dp->workers[s->owner]->handoff, m) != 0) {
				dp_drop(w, m, DP_DROP_HANDOFF_FULL);
				continue;
			}
			w->stats.handoff_out++;
			continue;
		}
		if (b.core & (1ull << i)) {
			dp_dl_packet(w, s, m);
			continue;
		}
		if (esp) {
			dp_esp_in(w, s, pi, m);
			continue;
		}
		if (unlikely(rebound))
			dp_ul_rebound(w, s, pi, m);
		dp_ul_packet(w, s, pi, m);
	}
	/* The burst's ESP jobs, while its session versions are still held. */
	dp_esp_flush(w);
}

/*
 * A session was removed: send what its concatenation buffers hold, deliver
 * what its windows hold (in order, gaps skipped), discard partial SDUs,
 * forget its flows, and hand the state back to the control thread to free.
 */
void dp_state_release(struct dp_worker *w, struct dp_session_state *st)
{
	void *out[DP_BURST_MAX];
	unsigned n;

	for (unsigned i = 0; i < DP_MAX_FLOWS; i++) {
		struct dp_flow_state *f = &st->flows[i];

		dp_concat_flush(w, f);
		if (f->reorder != NULL) {
			while ((n = gma_reorder_flush(f->reorder, out, RTE_DIM(out))) > 0)
				for (unsigned k = 0; k < n; k++)
					dp_ul_forward_core(w, out[k]);
		}
		if (f->reasm != NULL) {
			while ((n = gma_reasm_expire(f->reasm, UINT64_MAX, out, RTE_DIM(out))) > 0)
				for (unsigned k = 0; k < n; k++)
					dp_drop(w, out[k], DP_DROP_REASM_TIMEOUT);
		}
		if (f->pending) {
			for (unsigned k = 0; k < w->n_pending; k++) {
				if (w->pending[k] == f) {
					w->pending[k] = w->pending[--w->n_pending];
					break;
				}
			}
			f->pending = false;
		}
	}
	/* The ring holds one slot per session: it cannot be full. */
	rte_ring_enqueue(w->dp->retired, st);
}

/* One iteration of the worker loop (also driven directly by the benchmark). */
void dp_worker_poll(struct dp_worker *w)
{
	struct dp_ctx *dp = w->dp;
	struct rte_mbuf *pkts[DP_BURST_MAX];
	uint16_t burst = dp->cfg.burst;
	void *msg;
	unsigned n;

	w->now_tsc = rte_rdtsc();
	w->now_ms = w->now_tsc / dp->tsc_per_ms;
	w->stats.loops++;

	for (unsigned i = 0; i < 4 && rte_ring_dequeue(w->ctrl, &msg) == 0; i++)
		dp_ctrl_msg(w, msg);
	dp_esp_flush(w); /* probes sent on IPsec paths */

	n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, burst, NULL);
	w->stats.handoff_in += n;
	if (n > 0)
		burst_run(w, pkts, n, NULL);

	for (unsigned q = 0; q < w->n_rxq; q++) {
		const struct dp_rxq *rq = &w->rxq[q];
		uint16_t nb = rte_eth_rx_burst(rq->port_id, rq->queue_id, pkts, burst);

		if (nb == 0)
			continue;
		atomic_store_explicit(&dp->last_rx_tsc, rte_rdtsc(), memory_order_relaxed);
		w->stats.rx_pkts[rq->port_idx] += nb;
		burst_run(w, pkts, nb, rq);
	}

	dp_ul_poll_pending(w);
	if (!LIST_EMPTY(&w->cc_held))
		dp_concat_poll(w);
	if (unlikely(w->n_wait > 0))
		dp_arp_wait_poll(w);
	dp_esp_flush(w);
	for (uint8_t p = 0; p < dp->cfg.n_ports; p++)
		tx_flush(w, p);
}

/* Stopping: send and deliver what the buffers and windows hold rather than lose it. */
void dp_worker_drain(struct dp_worker *w)
{
	dp_concat_flush_all(w);
	for (unsigned k = 0; k < w->n_pending; k++) {
		void *out[DP_BURST_MAX];
		unsigned n;

		while ((n = gma_reorder_flush(w->pending[k]->reorder, out, RTE_DIM(out))) > 0)
			for (unsigned i = 0; i < n; i++)
				dp_ul_forward_core(w, out[i]);
		while ((n = gma_reasm_expire(w->pending[k]->reasm, UINT64_MAX, out, RTE_DIM(out))) > 0)
			for (unsigned i = 0; i < n; i++)
				dp_drop(w, out[i], DP_DROP_REASM_TIMEOUT);
		w->pending[k]->pending = false;
	}
	w->n_pending = 0;
	dp_esp_flush(w);
	dp_arp_wait_drain(w); /* what still waits for ARP is counted lost */
	for (uint8_t p = 0; p < w->dp->cfg.n_ports; p++)
		tx_flush(w, p);
}

int dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_ctx *dp = w->dp;

	rte_rcu_qsbr_thread_register(dp->rcu, w->idx);
	rte_rcu_qsbr_thread_online(dp->rcu, w->idx);
	while (!atomic_load_explicit(&dp->quit, memory_order_relaxed)) {
		dp_worker_poll(w);
		rte_rcu_qsbr_quiescent(dp->rcu, w->idx);
	}
	dp_worker_drain(w);
	rte_rcu_qsbr_thread_offline(dp->rcu, w->idx);
	rte_rcu_qsbr_thread_unregister(dp->rcu, w->idx);
	return 0;
}
