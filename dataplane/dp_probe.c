/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control -> worker messages and the gateway's own MX probes.
 *
 * The control thread never touches a worker's state or queues: it sends the
 * owner of a session a fixed-size message (struct dp_msg, from a mempool) on
 * the owner's control ring, drained a few per loop.  RETIRE hands over a
 * removed session's state; PROBE asks for one probe request on each up path
 * of a session.  The owner sends the probe like any downlink PDU (without a
 * Flow SN, so it does not enter the client's reorder window), notes when it
 * left, and the uplink turns the matching ACK into a round-trip-time sample.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "mx_ctrl.h"

/* Control thread: apply learnt endpoints (dp_ctl_rebinds), then ask owners
 * for probes where the interval has passed. */
void dp_ctl_tick(struct dp_ctx *dp)
{
	uint64_t now = rte_rdtsc() / dp->tsc_per_ms;
	const void *key;
	void *data;
	uint32_t it = 0;

	if (!dp->workers_running)
		return;
	pthread_mutex_lock(&dp->ctl_lock);
	dp_neigh_tick(dp, now); /* ARP: learn, refresh, expire; announce at start */
	dp_ctl_rebinds(dp); /* before iterating: it republishes sessions */
	while (rte_hash_iterate(dp->id_hash, &key, &data, &it) >= 0) {
		struct dp_session *s = data;
		struct dp_msg *m;

		if (s->cfg.probe_interval_ms == 0 || now < s->st->next_probe_ms)
			continue;
		s->st->next_probe_ms = now + s->cfg.probe_interval_ms;
		if (rte_mempool_get(dp->msg_pool, (void **)&m) != 0)
			continue; /* owners are behind: the next tick asks again */
		m->type = DP_MSG_PROBE;
		m->st = s->st;
		m->anchor = rte_cpu_to_be_32(s->cfg.anchor_ip);
		if (rte_ring_enqueue(dp->workers[s->owner]->ctrl, m) != 0)
			rte_mempool_put(dp->msg_pool, m);
	}
	pthread_mutex_unlock(&dp->ctl_lock);
}

/* One probe request on path pi: inner IPv4/UDP from the MX control address. */
static void probe_send(struct dp_worker *w, const struct dp_session *s, unsigned pi)
{
	struct dp_path_state *ps = &s->st->paths[pi];
	const struct dp_ctx *dp = w->dp;
	struct mx_ctrl_pdu req = {
		.kind = MX_CTRL_PROBE_REQ,
		.cid = s->paths[pi].conn_id,
		.sn = ps->probe_sn,
		.flags = MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE,
		.timestamp = (uint32_t)(w->now_ms * 10u), /* 100 us units (UP-09) */
	};
	struct gma_fields f = {0};
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
	uint8_t *p;
	int len;

	if (m == NULL) {
		w->stats.drops[DP_DROP_NO_MBUF]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, sizeof(*ip) + sizeof(*udp) + 16);
	len = p == NULL ? -1 : mx_ctrl_encode(s->cfg.ctrl_dialect, &req, p + 28, 16);
	if (len < 0) {
		dp_drop(w, m, DP_DROP_NO_MBUF);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(16 - len));
	ip = (struct rte_ipv4_hdr *)p;
	udp = (struct rte_udp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + (unsigned)len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(dp->cfg.ctrl_ip);
	ip->dst_addr = rte_cpu_to_be_32(s->cfg.anchor_ip);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(dp->cfg.ctrl_port);
	udp->dst_port = rte_cpu_to_be_16(dp->cfg.ctrl_port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + (unsigned)len));
	udp->dgram_cksum = 0;

	ps->probe_tx_sn[req.sn & 7u] = req.sn;
	ps->probe_tx_tsc[req.sn & 7u] = rte_rdtsc();
	ps->probe_sn++;
	ps->probes_sent++;
	f.flags = s->cfg.dl_flags & (GMA_F_TIMESTAMP | GMA_F_CONN_ID);
	f.timestamp = (uint32_t)w->now_ms;
	f.conn_id = req.cid & 0x0F;
	dp_dl_send(w, s, pi, NULL, &f, m);
}

/* The ACK of one of our probes arrived on the path whose state is ps. */
void dp_probe_ack(struct dp_worker *w, struct dp_path_state *ps, uint16_t sn)
{
	unsigned slot = sn & 7u;
	uint64_t tx = ps->probe_tx_tsc[slot], rtt;

	if (tx == 0 || ps->probe_tx_sn[slot] != sn)
		return; /* not ours, answered already, or older than 8 probes */
	ps->probe_tx_tsc[slot] = 0;
	rtt = (rte_rdtsc() - tx) * 1000u / w->dp->tsc_per_ms;
	if (rtt > UINT32_MAX)
		rtt = UINT32_MAX;
	/* RFC 6298: SRTT = 7/8 SRTT + 1/8 R, the first sample taken as is. */
	ps->srtt_us = ps->srtt_us == 0 ? (uint32_t)rtt
				       : (uint32_t)(((uint64_t)ps->srtt_us * 7u + rtt) / 8u);
	if (ps->srtt_us == 0)
		ps->srtt_us = 1; /* 0 means "no sample" */
	ps->probe_acks++;
}

void dp_ctrl_msg(struct dp_worker *w, void *msg)
{
	struct dp_msg *m = msg;
	void *d;

	switch (m->type) {
	case DP_MSG_RETIRE:
		dp_state_release(w, m->st);
		break;
	case DP_MSG_PROBE:
		/* The current version; a message older than a removal finds
		 * nothing or another session's state, and is ignored. */
		if (rte_hash_lookup_data(w->dp->dl_hash, &m->anchor, &d) >= 0 &&
		    ((struct dp_session *)d)->st == m->st) {
			const struct dp_session *s = d;

			for (unsigned i = 0; i < s->cfg.n_paths; i++)
				if (s->paths[i].up)
					probe_send(w, s, i);
		}
		break;
	case DP_MSG_GARP:
		for (uint8_t p = 0; p < w->dp->cfg.n_ports; p++)
			dp_arp_send(w, p, 0, true);
		break;
	case DP_MSG_ARP_REQ:
		if (m->port_idx < w->dp->cfg.n_ports)
			dp_arp_send(w, m->port_idx, m->ip, false);
		break;
	}
	rte_mempool_put(w->dp->msg_pool, m);
}

/* After the workers stopped: hand back retired states, free the rest. */
void dp_msgs_release(struct dp_ctx *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];
		struct dp_msg *m;

		while (w != NULL && w->ctrl != NULL && rte_ring_dequeue(w->ctrl, (void **)&m) == 0) {
			if (m->type == DP_MSG_RETIRE && dp->retired != NULL)
				rte_ring_enqueue(dp->retired, m->st);
			rte_mempool_put(dp->msg_pool, m);
		}
	}
}
