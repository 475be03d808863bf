/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: ARP and ICMP echo for the gateway's own addresses,
 * and the neighbour table that resolves next hops.
 *
 * Who does what (docs/ARCHITECTURE.md, Exception path):
 *   - Workers answer ARP requests and ICMP echo requests for the address of
 *     the port they came in on, in place (the request's mbuf becomes the
 *     reply), and count everything else addressed to the gateway as a drop
 *     with its reason.
 *   - The control thread owns the neighbour table (dp_ctx.neigh_hash, a
 *     lock-free rte_hash of immutable struct dp_neigh versions, reclaimed
 *     after an RCU grace period, as the session tables).  Workers pass it
 *     the sender of every ARP packet that concerns it (struct dp_arp_note on
 *     dp_ctx.arp_notes, copied: nothing allocated); on its tick it adds the
 *     sender when the packet was addressed to us and updates a known one
 *     (RFC 826 merge), asks worker 0 to re-request entries in use before they
 *     expire, and deletes entries not confirmed for arp.timeout_ms.
 *   - A worker that finds no entry for a next hop never waits: it queues
 *     the packet in a slot of its own (dp_worker.arp_wait, bounded:
 *     arp.queue packets per address, DP_ARP_WAIT_SLOTS addresses), sends
 *     the ARP request itself, repeats it every arp.retry_ms, and each loop
 *     looks the address up again; when the control thread has published
 *     it, the queue leaves in order.  After arp.retries requests the queue
 *     is dropped (arp_unresolved).
 */
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"

#define ARP_FRAME_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr)) /* 42 */
#define NEIGH_TICK_MAX 64u /* changes the control thread makes per tick */

static struct dp_neigh_key nkey(rte_be32_t ip, uint32_t port_idx)
{
	struct dp_neigh_key k;

	memset(&k, 0, sizeof(k));
	k.ip = ip;
	k.port_idx = port_idx;
	return k;
}

/* ---- Worker: frames of our own ----------------------------------------------- */

void dp_arp_send(struct dp_worker *w, uint8_t pidx, rte_be32_t target, bool gratuitous)
{
	const struct dp_port *port = &w->dp->ports[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->dp->pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	if (m == NULL || (eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_LEN)) == NULL) {
		rte_pktmbuf_free(m);
		w->stats.drops[DP_DROP_NO_MBUF]++;
		return;
	}
	memset(eth, 0, ARP_FRAME_LEN);
	memset(&eth->dst_addr, 0xFF, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(eth + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&port->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = port->ipv4;
	/* Gratuitous (RFC 5227 announcement): sender and target both us. */
	a->arp_data.arp_tip = gratuitous ? port->ipv4 : target;
	m->port = port->port_id;
	if (gratuitous)
		w->stats.garps_out++;
	else
		w->stats.arp_requests_out++;
	dp_tx_enqueue(w, pidx, m);
}

void dp_arp_input(struct dp_worker *w, struct rte_mbuf *m, uint8_t pidx)
{
	struct dp_ctx *dp = w->dp;
	const struct dp_port *port = &dp->ports[pidx];
	struct rte_ether_addr sha;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;
	rte_be32_t sip, tip;
	uint16_t op;
	bool to_us;

	if (rte_pktmbuf_data_len(m) < ARP_FRAME_LEN) {
		dp_drop(w, m, DP_DROP_ARP_BAD);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eth + 1);
	op = rte_be_to_cpu_16(a->arp_opcode);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)) {
		dp_drop(w, m, DP_DROP_ARP_BAD);
		return;
	}
	memcpy(&sip, &a->arp_data.arp_sip, sizeof(sip));
	memcpy(&tip, &a->arp_data.arp_tip, sizeof(tip));
	rte_ether_addr_copy(&a->arp_data.arp_sha, &sha);
	to_us = tip == port->ipv4;

	/* RFC 826: update a sender we know; add it when we are the target.
	 * The table is the control thread's: tell it. */
	if (sip != 0 && sip != port->ipv4 && rte_is_unicast_ether_addr(&sha) &&
	    !rte_is_zero_ether_addr(&sha)) {
		struct dp_neigh_key k = nkey(sip, pidx);

		if (to_us || rte_hash_lookup(dp->neigh_hash, &k) >= 0) {
			struct dp_arp_note n;

			memset(&n, 0, sizeof(n));
			n.ip = sip;
			n.mac = sha;
			n.port_idx = pidx;
			n.target_us = to_us;
			if (rte_ring_enqueue_elem(dp->arp_notes, &n, sizeof(n)) == 0)
				w->stats.arp_notes++;
			else
				w->stats.arp_note_full++; /* the sender will ask or answer again */
		}
	}
	if (!to_us) {
		dp_drop(w, m, DP_DROP_ARP_NOT_FOR_US);
		return;
	}
	if (op == RTE_ARP_OP_REPLY) {
		w->stats.arp_replies_in++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The request becomes the reply, to the sender's hardware address. */
	w->stats.arp_requests_in++;
	rte_ether_addr_copy(&sha, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&sha, &a->arp_data.arp_tha);
	memcpy(&a->arp_data.arp_tip, &sip, sizeof(sip));
	rte_ether_addr_copy(&port->mac, &a->arp_data.arp_sha);
	memcpy(&a->arp_data.arp_sip, &port->ipv4, sizeof(port->ipv4));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - ARP_FRAME_LEN)); /* padding */
	w->stats.arp_replies_out++;
	dp_tx_enqueue(w, pidx, m);
}

void dp_local_input(struct dp_worker *w, struct rte_mbuf *m, uint8_t pidx,
		    const struct rte_ipv4_hdr *cip)
{
	const struct dp_port *port = &w->dp->ports[pidx];
	unsigned ihl = (cip->version_ihl & 0x0F) * 4u;
	uint16_t tot = rte_be_to_cpu_16(cip->total_length);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint8_t *icmp;
	rte_be32_t a;

	if (cip->next_proto_id != IPPROTO_ICMP) {
		dp_drop(w, m, DP_DROP_LOCAL_PROTO);
		return;
	}
	if (tot < ihl + 8) {
		dp_drop(w, m, DP_DROP_ICMP_BAD);
		return;
	}
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		dp_drop(w, m, DP_DROP_NO_MBUF);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	icmp = (uint8_t *)ip + ihl;
	if (icmp[0] != RTE_IP_ICMP_ECHO_REQUEST || icmp[1] != 0) {
		dp_drop(w, m, DP_DROP_ICMP_UNHANDLED);
		return;
	}
	if (rte_raw_cksum(icmp, tot - ihl) != 0xFFFF) {
		dp_drop(w, m, DP_DROP_ICMP_BAD);
		return;
	}
	w->stats.icmp_echo_in++;
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN - tot));
	/* The request becomes the reply: back to where it came from. */
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp[0] = RTE_IP_ICMP_ECHO_REPLY;
	icmp[2] = 0;
	icmp[3] = 0;
	{
		uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, tot - ihl);

		memcpy(icmp + 2, &ck, sizeof(ck)); /* the sum is in network order already */
	}
	w->stats.icmp_echo_out++;
	dp_tx_enqueue(w, pidx, m);
}

/* ---- Worker: resolution -------------------------------------------------------- */

static inline void wait_free(struct dp_worker *w, struct dp_arp_wait *s)
{
	s->key.port_idx = UINT32_MAX;
	s->n = 0;
	w->n_wait--;
}

static void arp_wait_add(struct dp_worker *w, const struct dp_neigh_key *k, struct rte_mbuf *m)
{
	struct dp_arp_wait *slot = NULL;

	for (unsigned i = 0; i < DP_ARP_WAIT_SLOTS; i++) {
		struct dp_arp_wait *s = &w->arp_wait[i];

		if (s->key.port_idx == UINT32_MAX) {
			if (slot == NULL)
				slot = s;
			continue;
		}
		if (s->key.ip == k->ip && s->key.port_idx == k->port_idx) {
			if (s->n >= w->dp->cfg.arp_queue) {
				dp_drop(w, m, DP_DROP_ARP_QUEUE_FULL);
				return;
			}
			s->q[s->n++] = m;
			w->stats.arp_waited++;
			return;
		}
	}
	if (slot == NULL) {
		dp_drop(w, m, DP_DROP_ARP_WAIT_FULL);
		return;
	}
	slot->key = *k;
	slot->q[0] = m;
	slot->n = 1;
	slot->tries = 1;
	slot->next_ms = w->now_ms + w->dp->cfg.arp_retry_ms;
	w->n_wait++;
	w->stats.arp_waited++;
	dp_arp_send(w, (uint8_t)k->port_idx, k->ip, false);
}

static inline void neigh_used(struct dp_worker *w, struct dp_neigh *e)
{
	if (e->state != DP_NEIGH_STATIC && w->now_ms >= e->refresh_ms &&
	    atomic_load_explicit(&e->used_ms, memory_order_relaxed) < e->refresh_ms)
		atomic_store_explicit(&e->used_ms, w->now_ms, memory_order_relaxed);
}

void dp_neigh_tx(struct dp_worker *w, uint8_t pidx, rte_be32_t dst, struct rte_mbuf *m)
{
	const struct dp_port *port = &w->dp->ports[pidx];
	struct dp_neigh_key k;
	rte_be32_t nh = dst;
	void *d;

	if (port->gateway != 0 && ((dst ^ port->ipv4) & port->netmask) != 0)
		nh = port->gateway; /* off-link */
	if (nh == 0) {
		dp_drop(w, m, DP_DROP_BAD_IPV4);
		return;
	}
	k = nkey(nh, pidx);
	if (likely(rte_hash_lookup_data(w->dp->neigh_hash, &k, &d) >= 0)) {
		struct dp_neigh *e = d;

		memcpy(rte_pktmbuf_mtod(m, uint8_t *), e->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		neigh_used(w, e);
		dp_tx_enqueue(w, pidx, m);
		return;
	}
	arp_wait_add(w, &k, m); /* never wait: queue, ask, go on */
}

void dp_arp_wait_poll(struct dp_worker *w)
{
	const struct dp_config *c = &w->dp->cfg;

	for (unsigned i = 0; i < DP_ARP_WAIT_SLOTS && w->n_wait > 0; i++) {
		struct dp_arp_wait *s = &w->arp_wait[i];
		void *d;

		if (s->key.port_idx == UINT32_MAX)
			continue;
		if (rte_hash_lookup_data(w->dp->neigh_hash, &s->key, &d) >= 0) {
			struct dp_neigh *e = d;

			for (unsigned k = 0; k < s->n; k++) {
				memcpy(rte_pktmbuf_mtod(s->q[k], uint8_t *), e->mac.addr_bytes,
				       RTE_ETHER_ADDR_LEN);
				dp_tx_enqueue(w, (uint8_t)s->key.port_idx, s->q[k]);
			}
			w->stats.arp_released += s->n;
			neigh_used(w, e);
			wait_free(w, s);
			continue;
		}
		if (w->now_ms < s->next_ms)
			continue;
		if (s->tries >= c->arp_retries) {
			for (unsigned k = 0; k < s->n; k++)
				dp_drop(w, s->q[k], DP_DROP_ARP_UNRESOLVED);
			wait_free(w, s);
			continue;
		}
		s->tries++;
		s->next_ms = w->now_ms + c->arp_retry_ms;
		dp_arp_send(w, (uint8_t)s->key.port_idx, s->key.ip, false);
	}
}

void dp_arp_wait_drain(struct dp_worker *w)
{
	for (unsigned i = 0; i < DP_ARP_WAIT_SLOTS && w->n_wait > 0; i++) {
		struct dp_arp_wait *s = &w->arp_wait[i];

		if (s->key.port_idx == UINT32_MAX)
			continue;
		for (unsigned k = 0; k < s->n; k++)
			dp_drop(w, s->q[k], DP_DROP_ARP_UNRESOLVED);
		wait_free(w, s);
	}
}

/* ---- Control thread: the table -------------------------------------------------- */

static struct dp_neigh *neigh_new(const struct dp_ctx *dp, const struct dp_neigh_key *k,
				  const struct rte_ether_addr *mac, enum dp_neigh_state st,
				  uint64_t now)
{
	struct dp_neigh *e = rte_zmalloc("mamsgw_neigh", sizeof(*e), RTE_CACHE_LINE_SIZE);

	if (e == NULL)
		return NULL;
	e->key = *k;
	e->mac = *mac;
	e->state = (uint8_t)st;
	e->confirmed_ms = now;
	/* Re-request from retries x retry_ms before expiry (if used). */
	e->refresh_ms = st == DP_NEIGH_STATIC ? UINT64_MAX
		: now + dp->cfg.arp_timeout_ms - (uint64_t)dp->cfg.arp_retries * dp->cfg.arp_retry_ms;
	atomic_init(&e->used_ms, 0);
	return e;
}

static int static_add(struct dp_ctx *dp, uint8_t pidx, uint32_t ip, const uint8_t mac[6])
{
	struct dp_neigh_key k = nkey(rte_cpu_to_be_32(ip), pidx);
	struct rte_ether_addr a;
	struct dp_neigh *e;
	int rc;

	memcpy(a.addr_bytes, mac, 6);
	e = neigh_new(dp, &k, &a, DP_NEIGH_STATIC, 0);
	if (e == NULL)
		return -ENOMEM;
	rc = rte_hash_add_key_data(dp->neigh_hash, &k, e);
	if (rc < 0)
		rte_free(e);
	return rc;
}

int dp_neigh_init(struct dp_ctx *dp)
{
	struct rte_hash_parameters p = {
		.name = "mamsgw_neigh",
		.entries = dp->cfg.arp_entries + DP_MAX_PORTS * (DP_MAX_STATIC_NEIGH + 1),
		.key_len = sizeof(struct dp_neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	dp->neigh_hash = rte_hash_create(&p);
	if (dp->neigh_hash == NULL)
		return -rte_errno;
	dp->arp_notes = rte_ring_create_elem("mamsgw_arp_notes", sizeof(struct dp_arp_note),
					     dp->cfg.ctrl_ring, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp->arp_notes == NULL)
		return -rte_errno;
	for (uint8_t i = 0; i < dp->cfg.n_ports; i++) {
		const struct dp_port_cfg *pc = &dp->cfg.ports[i];
		static const uint8_t zero[6];
		int rc = 0;

		if (pc->gateway != 0 && memcmp(pc->next_hop_mac, zero, 6) != 0)
			rc = static_add(dp, i, pc->gateway, pc->next_hop_mac);
		for (unsigned n = 0; rc == 0 && n < pc->n_neighbors; n++)
			rc = static_add(dp, i, pc->neighbors[n].ip, pc->neighbors[n].mac);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void dp_neigh_free(struct dp_ctx *dp)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (dp->neigh_hash != NULL && rte_hash_iterate(dp->neigh_hash, &key, &data, &it) >= 0)
		rte_free(data);
	rte_hash_free(dp->neigh_hash);
	dp->neigh_hash = NULL;
	rte_ring_free(dp->arp_notes);
	dp->arp_notes = NULL;
}

/* A message for worker 0, which sends our own ARP frames. */
static void msg_send(struct dp_ctx *dp, enum dp_msg_type type, uint8_t pidx, rte_be32_t ip)
{
	struct dp_msg *m;

	if (rte_mempool_get(dp->msg_pool, (void **)&m) != 0)
		return; /* the next tick asks again (refresh), or a later request does */
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->port_idx = pidx;
	m->ip = ip;
	if (rte_ring_enqueue(dp->workers[0]->ctrl, m) != 0)
		rte_mempool_put(dp->msg_pool, m);
}

void dp_neigh_tick(struct dp_ctx *dp, uint64_t now)
{
	struct dp_neigh *old[NEIGH_TICK_MAX];
	int32_t pos[NEIGH_TICK_MAX];
	unsigned n_old = 0, n_pos = 0;
	struct dp_arp_note n;
	const void *key;
	void *data;
	uint32_t it = 0;

	if (!dp->garp_sent) {
		dp->garp_sent = true;
		if (dp->cfg.arp_gratuitous)
			msg_send(dp, DP_MSG_GARP, 0, 0);
	}
	/* Senders of ARP packets: RFC 826 merge, then add if we were the target. */
	while (n_old < NEIGH_TICK_MAX / 2 &&
	       rte_ring_dequeue_elem(dp->arp_notes, &n, sizeof(n)) == 0) {
		struct dp_neigh_key k = nkey(n.ip, n.port_idx);
		struct dp_neigh *e = NULL, *ne;
		bool known = rte_hash_lookup_data(dp->neigh_hash, &k, &data) >= 0;

		if (known)
			e = data;
		if ((known && e->state == DP_NEIGH_STATIC) || (!known && !n.target_us))
			continue;
		ne = neigh_new(dp, &k, &n.mac, DP_NEIGH_REACHABLE, now);
		if (ne == NULL)
			continue;
		if (rte_hash_add_key_data(dp->neigh_hash, &k, ne) < 0) {
			rte_free(ne);
			dp->neigh_table_full++;
			continue;
		}
		if (known) {
			old[n_old++] = e;
			dp->neigh_updated++;
		} else {
			dp->neigh_learnt++;
		}
	}
	/* Timers: refresh entries in use before they expire, expire the rest. */
	while (n_old < NEIGH_TICK_MAX && rte_hash_iterate(dp->neigh_hash, &key, &data, &it) >= 0) {
		struct dp_neigh *e = data;

		if (e->state == DP_NEIGH_STATIC)
			continue;
		if (now >= e->confirmed_ms + dp->cfg.arp_timeout_ms) {
			old[n_old++] = e; /* deleted below, after the iteration */
			continue;
		}
		if (now >= e->refresh_ms &&
		    atomic_load_explicit(&e->used_ms, memory_order_relaxed) >= e->refresh_ms &&
		    (e->req_ms == 0 || now - e->req_ms >= dp->cfg.arp_retry_ms)) {
			e->req_ms = now;
			dp->neigh_refreshes++;
			msg_send(dp, DP_MSG_ARP_REQ, (uint8_t)e->key.port_idx, e->key.ip);
		}
	}
	for (unsigned i = 0; i < n_old; i++) {
		void *cur = NULL;

		/* Expired entries are still the published version: delete them. */
		if (rte_hash_lookup_data(dp->neigh_hash, &old[i]->key, &cur) >= 0 && cur == old[i]) {
			int32_t p = rte_hash_del_key(dp->neigh_hash, &old[i]->key);

			if (p >= 0)
				pos[n_pos++] = p;
			dp->neigh_expired++;
		}
	}
	if (n_old == 0)
		return;
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	for (unsigned i = 0; i < n_pos; i++)
		rte_hash_free_key_with_position(dp->neigh_hash, pos[i]);
	for (unsigned i = 0; i < n_old; i++)
		rte_free(old[i]);
}

unsigned dp_neigh_list(struct dp_ctx *dp, struct dp_neigh_info *out, unsigned max)
{
	uint64_t now = rte_rdtsc() / dp->tsc_per_ms;
	const void *key;
	void *data;
	uint32_t it = 0;
	unsigned n = 0;

	pthread_mutex_lock(&dp->ctl_lock);
	while (n < max && rte_hash_iterate(dp->neigh_hash, &key, &data, &it) >= 0) {
		const struct dp_neigh *e = data;
		uint32_t a = rte_be_to_cpu_32(e->key.ip);
		struct dp_neigh_info *o = &out[n++];

		snprintf(o->ip, sizeof(o->ip), "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFFu,
			 (a >> 8) & 0xFFu, a & 0xFFu);
		snprintf(o->port, sizeof(o->port), "%s",
			 e->key.port_idx < dp->cfg.n_ports ? dp->cfg.ports[e->key.port_idx].name : "?");
		o->mac = e->mac;
		o->state = e->state == DP_NEIGH_STATIC ? "static"
			 : e->req_ms != 0 ? "refreshing" : "reachable";
		o->age_ms = e->state == DP_NEIGH_STATIC || now < e->confirmed_ms
			  ? 0 : now - e->confirmed_ms;
	}
	pthread_mutex_unlock(&dp->ctl_lock);
	return n;
}
