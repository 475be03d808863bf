/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: receive a burst on each of this worker's queues, look up
 * the session, hand packets of sessions owned elsewhere to their owner, run
 * the downlink or uplink pipeline, release what reorder timeouts free, send
 * the concatenation buffers whose hold time has passed, and transmit in
 * bursts.  Nothing here blocks, allocates (beyond mbufs from the
 * pool), locks or logs.
 */
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
 * Packets arrive cold (written by the NIC).  Their headers are read first
 * and GMA trailers live at the end: fetch both lines a few packets ahead.
 */
#define DP_PREFETCH_AHEAD 4

static inline void prefetch_pkt(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	rte_prefetch0(p);
	rte_prefetch0(p + rte_pktmbuf_data_len(m) - 1);
}

/* Look up, then process here or hand over to the owner. */
static void dispatch(struct dp_worker *w, struct rte_mbuf *m, uint8_t port_idx, bool handed)
{
	struct dp_ctx *dp = w->dp;
	struct dp_session *s;
	unsigned path = 0;
	bool core = dp->cfg.ports[port_idx].role == DP_PORT_CORE;

	s = core ? dp_dl_lookup(w, m, port_idx) : dp_ul_lookup(w, m, port_idx, &path);
	if (s == NULL)
		return; /* dropped and counted by the lookup */
	if (s->owner != w->idx && !handed) {
		/* The owner keeps this client's sequence numbers and windows. */
		if (rte_ring_enqueue(dp->workers[s->owner]->handoff, m) != 0) {
			dp_drop(w, m, DP_DROP_HANDOFF_FULL);
			return;
		}
		w->stats.handoff_out++;
		return;
	}
	if (core)
		dp_dl_packet(w, s, m);
	else
		dp_ul_packet(w, s, path, m);
}

static uint8_t port_idx_of(const struct dp_ctx *dp, uint16_t port_id)
{
	/* Handed-off packets come from our own RX queues: always mapped. */
	return port_id < RTE_MAX_ETHPORTS ? dp->port_idx_of[port_id] : 0;
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

	n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, burst, NULL);
	w->stats.handoff_in += n;
	for (unsigned i = 0; i < n; i++)
		dispatch(w, pkts[i], port_idx_of(dp, pkts[i]->port), true);

	for (unsigned q = 0; q < w->n_rxq; q++) {
		const struct dp_rxq *rq = &w->rxq[q];
		uint16_t nb = rte_eth_rx_burst(rq->port_id, rq->queue_id, pkts, burst);

		if (nb == 0)
			continue;
		atomic_store_explicit(&dp->last_rx_tsc, rte_rdtsc(), memory_order_relaxed);
		w->stats.rx_pkts[rq->port_idx] += nb;
		for (uint16_t i = 0; i < nb && i < DP_PREFETCH_AHEAD; i++)
			prefetch_pkt(pkts[i]);
		for (uint16_t i = 0; i < nb; i++) {
			if (i + DP_PREFETCH_AHEAD < nb)
				prefetch_pkt(pkts[i + DP_PREFETCH_AHEAD]);
			w->stats.rx_bytes[rq->port_idx] += rte_pktmbuf_pkt_len(pkts[i]);
			pkts[i]->port = rq->port_id; /* not every PMD sets it (net_ring) */
			dispatch(w, pkts[i], rq->port_idx, false);
		}
	}

	dp_ul_poll_pending(w);
	if (!LIST_EMPTY(&w->cc_held))
		dp_concat_poll(w);
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
