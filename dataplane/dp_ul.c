/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink (client -> core): outer IPv4/UDP to a gateway GMA port, session
 * lookup by (access port, client address, client port) -- or, for sessions
 * that allow it, by client (anchor address and Connection ID in the PDU:
 * NAT rebinding) -- GMA decode,
 * reassembly or de-concatenation, per-flow reordering, forward to the core.
 * MX control PDUs (inner UDP to the gateway's control address) are answered
 * here: keep-alives recorded, probes acknowledged on the path they name.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "gma_seq.h"
#include "mx_ctrl.h"

bool dp_ul_key_of(struct dp_worker *w, struct rte_mbuf *m, uint8_t port_idx,
		  struct dp_ul_key *k)
{
	const struct dp_port_cfg *pc = &w->dp->cfg.ports[port_idx];
	const struct rte_ipv4_hdr *ip = dp_ipv4_of(w, m);
	const struct rte_udp_hdr *udp;
	unsigned ihl;
	bool gma_port = false;

	if (ip == NULL)
		return false;
	if (ip->dst_addr != w->dp->ports[port_idx].ipv4) {
		dp_drop(w, m, DP_DROP_NOT_FOR_US);
		return false;
	}
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		dp_drop(w, m, DP_DROP_IP_FRAGMENT);
		return false;
	}
	ihl = (ip->version_ihl & 0x0F) * 4u;
	if (ip->next_proto_id != IPPROTO_UDP) {
		dp_local_input(w, m, port_idx, ip); /* ICMP echo, or a counted drop */
		return false;
	}
	if (rte_be_to_cpu_16(ip->total_length) < ihl + sizeof(*udp) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + ihl + sizeof(*udp)) {
		dp_drop(w, m, DP_DROP_NOT_GMA_PORT);
		return false;
	}
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	for (unsigned i = 0; i < pc->n_gma_ports; i++)
		gma_port |= udp->dst_port == rte_cpu_to_be_16(pc->gma_ports[i]);
	if (!gma_port) {
		dp_drop(w, m, DP_DROP_NOT_GMA_PORT);
		return false;
	}
	memset(k, 0, sizeof(*k)); /* padding is part of the hashed key */
	k->client_ip = ip->src_addr;
	k->client_port = udp->src_port;
	k->port_id = w->dp->ports[port_idx].port_id;
	return true;
}

int dp_ul_path_of(const struct dp_session *s, const struct dp_ul_key *k)
{
	for (unsigned i = 0; i < s->cfg.n_paths; i++)
		if (s->paths[i].client_ip == k->client_ip &&
		    s->paths[i].client_port == k->client_port && s->paths[i].port_id == k->port_id)
			return (int)i;
	return -1;
}

/*
 * The client's anchor address in a GMA PDU whose method is not known yet.
 * IP methods (trailer, header): the PDU is the SDU's IPv4 header with
 * protocol 114, so the anchor is its source.  Non-IP: a GMA header, then
 * the SDU's own IP header -- except in a fragment after the first, which
 * carries a slice of the SDU's middle.  A Flags byte of 0x4X would mean
 * First SDU Length, which non-IP never has, so the two cannot be confused.
 * Returns false if neither layout gives an IPv4 source.
 */
static bool anchor_of(const uint8_t *pdu, size_t len, rte_be32_t *anchor, bool *ip_layout)
{
	struct gma_fields f;
	int hl;

	if (len >= 20 && (pdu[0] >> 4) == 4 && (pdu[0] & 0x0F) >= 5 && pdu[9] == GMA_IPPROTO) {
		memcpy(anchor, pdu + 12, sizeof(*anchor));
		*ip_layout = true;
		return true;
	}
	hl = gma_read_header(GMA_METHOD_NONIP, pdu, len, &f);
	if (hl < 0 || ((f.flags & GMA_F_FRAG) && (f.fc & GMA_FC_FO) != 0) ||
	    len < (size_t)hl + 20 || (pdu[hl] >> 4) != 4)
		return false;
	memcpy(anchor, pdu + hl + 12, sizeof(*anchor));
	*ip_layout = false;
	return true;
}

struct dp_session *dp_ul_by_client(struct dp_worker *w, struct rte_mbuf *m, uint8_t port_idx,
				   unsigned *path)
{
	struct dp_session *s;
	struct gma_pdu d;
	const uint8_t *pdu;
	uint16_t port_id = w->dp->ports[port_idx].port_id;
	rte_be32_t anchor;
	uint32_t len;
	unsigned n = 0, pi = 0;
	bool ip_layout;
	void *data;

	/* Only sessions that ask for it are matched by client. */
	if (atomic_load_explicit(&w->dp->n_match_client, memory_order_relaxed) == 0) {
		dp_drop(w, m, DP_DROP_UNKNOWN_CLIENT);
		return NULL;
	}
	pdu = dp_udp_payload(w, m, &len);
	if (pdu == NULL)
		return NULL;
	if (!anchor_of(pdu, len, &anchor, &ip_layout)) {
		dp_drop(w, m, DP_DROP_UL_NO_ANCHOR);
		return NULL;
	}
	if (rte_hash_lookup_data(w->dp->dl_hash, &anchor, &data) < 0) {
		dp_drop(w, m, DP_DROP_UL_UNKNOWN_ANCHOR);
		return NULL;
	}
	s = data;
	if (!s->cfg.ul_match_client) {
		dp_drop(w, m, DP_DROP_UNKNOWN_CLIENT);
		return NULL;
	}
	/* The method is the session's, never guessed (docs/gma.md). */
	if (ip_layout != (s->cfg.method != GMA_METHOD_NONIP) ||
	    gma_decode(s->cfg.method, pdu, len, &d) < 0) {
		dp_drop(w, m, DP_DROP_UL_WRONG_METHOD);
		return NULL;
	}
	/* The path: the one of this port the Connection ID names; without a
	 * Connection ID, the session's only path on this port. */
	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		if (s->paths[i].port_id != port_id ||
		    ((d.f.flags & GMA_F_CONN_ID) && s->paths[i].conn_id != (d.f.conn_id & 0x0F)))
			continue;
		pi = i;
		n++;
	}
	if (n != 1) {
		dp_drop(w, m, DP_DROP_UL_WRONG_CONN);
		return NULL;
	}
	*path = pi;
	return s;
}

void dp_ul_rebound(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		   const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	const struct rte_udp_hdr *udp =
		(const struct rte_udp_hdr *)((const uint8_t *)ip + (ip->version_ihl & 0x0F) * 4u);
	struct dp_path_state *ps = &s->st->paths[pi];
	struct dp_rebind n;

	ps->ul_rebound++;
	if (ps->rebind_note_ms != 0 && w->now_ms - ps->rebind_note_ms < DP_REBIND_NOTE_MS)
		return;
	ps->rebind_note_ms = w->now_ms != 0 ? w->now_ms : 1;
	memset(&n, 0, sizeof(n));
	n.st = s->st;
	n.session_id = s->cfg.id;
	n.client_ip = ip->src_addr;
	n.client_port = udp->src_port;
	n.path = (uint8_t)pi;
	n.conn_id = s->paths[pi].conn_id;
	if (rte_ring_enqueue_elem(w->dp->rebind, &n, sizeof(n)) != 0)
		w->stats.rebind_ring_full++; /* the next PDU after the interval tries again */
	else
		w->stats.rebind_notices++;
}

void dp_ul_forward_core(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct dp_port *core = &w->dp->ports[w->dp->core_idx];
	uint8_t *frame = (uint8_t *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	rte_be32_t dst;

	if (frame == NULL) {
		dp_drop(w, m, DP_DROP_NO_MBUF);
		return;
	}
	dp_ether_write(frame, &core->next_hop, &core->mac);
	if (likely(core->nh_static)) {
		dp_tx_enqueue(w, w->dp->core_idx, m);
		return;
	}
	/* The SDU's destination (its IPv4 header is contiguous: checked by the
	 * decoder, or built by reassembly). */
	if (rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + 20)
		memcpy(&dst, frame + RTE_ETHER_HDR_LEN + 16, sizeof(dst));
	else
		dst = 0; /* no IPv4 header: only a gateway can take it */
	dp_neigh_tx(w, w->dp->core_idx, dst, m);
}

static void pending_add(struct dp_worker *w, struct dp_flow_state *fs)
{
	if (fs->pending || w->n_pending >= w->dp->cfg.max_sessions * DP_MAX_FLOWS)
		return;
	fs->pending = true;
	w->pending[w->n_pending++] = fs;
}

/* Answer an MX control PDU; m is consumed. */
static void ctrl_pdu(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		     struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	unsigned ihl = (ip->version_ihl & 0x0F) * 4u;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	struct dp_path_state *ps = &s->st->paths[pi];
	struct mx_ctrl_pdu req, ack;
	struct rte_ipv4_hdr *rip;
	struct rte_udp_hdr *rudp;
	struct gma_fields f = {0};
	uint8_t *payload;
	unsigned reply = pi;
	int len;

	if (mx_ctrl_decode(s->cfg.ctrl_dialect, (const uint8_t *)(udp + 1),
			   rte_pktmbuf_data_len(m) - ihl - sizeof(*udp), &req) < 0) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_CTRL_BAD);
		return;
	}
	if (req.kind == MX_CTRL_KEEPALIVE)
		ps->keepalives++;
	if (req.kind == MX_CTRL_PROBE_ACK)
		dp_probe_ack(w, ps, req.sn);
	if (req.kind != MX_CTRL_PROBE_REQ || !(req.flags & MX_PROBE_F_ACK)) {
		if (req.kind == MX_CTRL_PROBE_REQ)
			ps->probes++;
		dp_drop_p(w, s->st, pi, m, DP_DROP_CTRL_CONSUMED);
		return;
	}
	ps->probes++;
	for (unsigned i = 0; i < s->cfg.n_paths; i++)
		if (s->paths[i].conn_id == mx_probe_ack_cid(&req))
			reply = i;

	/* Turn the request into the ACK in place: swap the inner addresses. */
	memset(&ack, 0, sizeof(ack));
	ack.kind = MX_CTRL_PROBE_ACK;
	ack.cid = s->paths[reply].conn_id;
	ack.sn = req.sn;
	ack.timestamp = (uint32_t)(w->now_ms * 10u); /* 100 us units */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - ihl - sizeof(*udp)));
	payload = (uint8_t *)rte_pktmbuf_append(m, 16);
	if (payload == NULL) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_NO_MBUF);
		return;
	}
	len = mx_ctrl_encode(s->cfg.ctrl_dialect, &ack, payload, 16);
	rte_pktmbuf_trim(m, (uint16_t)(16 - (len > 0 ? len : 0)));
	rip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	rudp = (struct rte_udp_hdr *)((uint8_t *)rip + ihl);
	rte_be32_t a = rip->src_addr;
	rip->src_addr = rip->dst_addr;
	rip->dst_addr = a;
	rte_be16_t pt = rudp->src_port;
	rudp->src_port = rudp->dst_port;
	rudp->dst_port = pt;
	rudp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + (unsigned)len));
	rudp->dgram_cksum = 0;
	rip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + sizeof(*udp) + (unsigned)len));
	rip->time_to_live = 64;
	rip->hdr_checksum = 0;
	rip->hdr_checksum = rte_ipv4_cksum(rip);
	/* Control PDUs carry no Flow SN: they must not enter the peer's window. */
	f.flags = s->cfg.dl_flags & (GMA_F_TIMESTAMP | GMA_F_CONN_ID);
	f.timestamp = (uint32_t)w->now_ms;
	f.conn_id = ack.cid & 0x0F;
	dp_dl_send(w, s, reply, NULL, &f, m);
}

static bool is_ctrl(const struct dp_ctx *dp, struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	unsigned ihl;

	if (len < 28 || (p[0] >> 4) != 4 || p[9] != IPPROTO_UDP)
		return false;
	ihl = (p[0] & 0x0Fu) * 4u;
	if (len < ihl + 8)
		return false;
	return memcmp(p + 16, &(rte_be32_t){rte_cpu_to_be_32(dp->cfg.ctrl_ip)}, 4) == 0 &&
	       ((unsigned)p[ihl + 2] << 8 | p[ihl + 3]) == dp->cfg.ctrl_port;
}

/* One SDU: control PDU, or into the flow's reorder window, or straight on. */
static void sdu_deliver(struct dp_worker *w, const struct dp_session *s, unsigned fi,
			unsigned pi, struct rte_mbuf *m, uint32_t fsn, bool has_sn)
{
	struct dp_flow_state *fs = &s->st->flows[fi];
	const struct gma_reorder_stats *rs;
	void *out[DP_BURST_MAX], *dropped = NULL;
	uint64_t dup, stale;
	unsigned n;

	if (is_ctrl(w->dp, m)) {
		ctrl_pdu(w, s, pi, m);
		return;
	}
	s->st->ul_pkts++;
	s->st->ul_bytes += rte_pktmbuf_data_len(m);
	if (!has_sn) {
		dp_ul_forward_core(w, m);
		return;
	}
	rs = gma_reorder_stats(fs->reorder);
	dup = rs->duplicate;
	stale = rs->stale;
	n = gma_reorder_insert(fs->reorder, fsn, pi, m, w->now_ms, out, RTE_DIM(out), &dropped);
	if (dropped != NULL)
		dp_drop_p(w, s->st, pi, dropped,
			rs->duplicate != dup ? DP_DROP_REORDER_DUPLICATE
			: rs->stale != stale ? DP_DROP_REORDER_STALE : DP_DROP_REORDER_LATE);
	for (unsigned i = 0; i < n; i++)
		dp_ul_forward_core(w, out[i]);
	if (gma_reorder_held(fs->reorder) > 0)
		pending_add(w, fs);
}

/* Per-path measurements from the GMA fields (RFC 9188 4.1). */
static void measure(struct dp_worker *w, const struct dp_session *s, unsigned fi, unsigned pi,
		    const struct gma_fields *f)
{
	struct dp_flow_state *fs = &s->st->flows[fi];
	struct dp_path_state *ps = &s->st->paths[pi];

	if (f->flags & GMA_F_DELIVERY_SN) {
		if (fs->ul_dsn_valid[pi]) {
			int32_t gap = gma_sn8_diff(f->delivery_sn, (uint8_t)(fs->ul_dsn[pi] + 1));

			if (gap > 0)
				ps->dsn_lost += (uint64_t)gap;
		}
		fs->ul_dsn[pi] = f->delivery_sn;
		fs->ul_dsn_valid[pi] = 1;
	}
	if (f->flags & GMA_F_TIMESTAMP) {
		uint32_t owd = (uint32_t)w->now_ms - f->timestamp; /* mod 2^32, as the field */

		if (ps->owd_valid)
			ps->owd_jitter_ms = gma_jitter16_update(ps->owd_jitter_ms, ps->last_owd, owd);
		ps->last_owd = owd;
		ps->owd_valid = true;
	}
}

static unsigned flow_of(const struct dp_session *s, const struct gma_fields *f)
{
	uint8_t id = (f->flags & GMA_F_FLOW_ID) ? f->flow_id : s->cfg.default_flow;

	for (unsigned i = 0; i < s->cfg.n_flows; i++)
		if (s->cfg.flows[i].flow_id == id)
			return i;
	for (unsigned i = 0; i < s->cfg.n_flows; i++)
		if (s->cfg.flows[i].flow_id == s->cfg.default_flow)
			return i;
	return 0;
}

static void reasm_done(struct dp_worker *w, const struct dp_session *s, unsigned fi,
		       unsigned pi, const struct gma_reasm_done *done)
{
	const uint8_t *pdus[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
	struct rte_mbuf *nm = rte_pktmbuf_alloc(w->dp->pool);
	uint16_t room;
	uint8_t *buf;
	int len = -GMA_ERR_NOSPACE;

	for (unsigned i = 0; i < done->n; i++) {
		struct rte_mbuf *fm = done->handles[i];

		pdus[i] = rte_pktmbuf_mtod(fm, const uint8_t *);
		gma_decode(s->cfg.method, pdus[i], rte_pktmbuf_data_len(fm), &dec[i]);
	}
	if (nm != NULL) {
		room = (uint16_t)RTE_MIN(rte_pktmbuf_tailroom(nm), (uint16_t)UINT16_MAX);
		buf = (uint8_t *)rte_pktmbuf_append(nm, room);
		len = gma_reasm_copy(s->cfg.method, pdus, dec, done->n, buf, room);
		if (len > 0)
			rte_pktmbuf_trim(nm, (uint16_t)(room - len));
	}
	for (unsigned i = 0; i < done->n; i++)
		rte_pktmbuf_free(done->handles[i]);
	if (nm == NULL || len < 0) {
		unsigned r = nm == NULL ? DP_DROP_NO_MBUF : DP_DROP_GMA_BASE_ + (unsigned)-len;

		/* One SDU lost; its fragments are already freed. */
		w->stats.drops[r]++;
		s->st->drops[r]++;
		s->st->paths[pi].drops[r]++;
		rte_pktmbuf_free(nm);
		return;
	}
	sdu_deliver(w, s, fi, pi, nm, done->flow_sn, true);
}

void dp_ul_packet(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		  struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	struct gma_sdu sdus[DP_BURST_MAX];
	struct rte_mbuf *extra[DP_BURST_MAX];
	struct gma_pdu d;
	unsigned ihl, fi;
	uint16_t len;
	int rc, n;

	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ihl = (ip->version_ihl & 0x0F) * 4u;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
	if (rte_be_to_cpu_16(udp->dgram_len) < sizeof(*udp) ||
	    RTE_ETHER_HDR_LEN + ihl + sizeof(*udp) + len > rte_pktmbuf_pkt_len(m)) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_BAD_IPV4);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)(RTE_ETHER_HDR_LEN + ihl + sizeof(*udp)));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_NO_MBUF);
		return;
	}

	rc = gma_decode(s->cfg.method, rte_pktmbuf_mtod(m, uint8_t *), len, &d);
	if (rc < 0) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_GMA_BASE_ + (unsigned)-rc);
		return;
	}
	fi = flow_of(s, &d.f);
	s->st->paths[pi].rx_pkts++;
	s->st->paths[pi].rx_bytes += len;
	measure(w, s, fi, pi, &d.f);

	if ((d.f.flags & GMA_F_FRAG) && d.f.fc != 0) {
		struct gma_reasm_done done;
		struct dp_flow_state *fs = &s->st->flows[fi];

		rc = gma_reasm_add(fs->reasm, d.f.flow_sn, d.f.fc, m, len, w->now_ms, &done);
		if (rc < 0)
			dp_drop_p(w, s->st, pi, m, DP_DROP_REASM_REJECT);
		else if (rc == GMA_REASM_COMPLETE)
			reasm_done(w, s, fi, pi, &done);
		else
			pending_add(w, fs);
		return;
	}

	n = gma_decap_sdus(s->cfg.method, rte_pktmbuf_mtod(m, uint8_t *), len, &d, sdus,
			   RTE_DIM(sdus));
	if (n < 0) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_GMA_BASE_ + (unsigned)-n);
		return;
	}
	/* Concatenated SDUs after the first are copied out before m is cut. */
	for (int i = 1; i < n; i++) {
		extra[i] = rte_pktmbuf_alloc(w->dp->pool);
		uint8_t *dst = extra[i] ? (uint8_t *)rte_pktmbuf_append(extra[i], sdus[i].len) : NULL;

		if (dst == NULL) {
			rte_pktmbuf_free(extra[i]);
			extra[i] = NULL;
			w->stats.drops[DP_DROP_NO_MBUF]++;
			s->st->drops[DP_DROP_NO_MBUF]++;
			s->st->paths[pi].drops[DP_DROP_NO_MBUF]++;
			continue;
		}
		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, sdus[i].off), sdus[i].len);
	}
	rte_pktmbuf_adj(m, sdus[0].off);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - sdus[0].len));
	sdu_deliver(w, s, fi, pi, m, sdus[0].flow_sn, (d.f.flags & GMA_F_FLOW_SN) != 0);
	for (int i = 1; i < n; i++)
		if (extra[i] != NULL)
			sdu_deliver(w, s, fi, pi, extra[i], sdus[i].flow_sn,
				    (d.f.flags & GMA_F_FLOW_SN) != 0);
}

/* Reorder timeouts and reassembly expiry of the flows holding packets. */
void dp_ul_poll_pending(struct dp_worker *w)
{
	void *out[DP_BURST_MAX];

	for (unsigned k = 0; k < w->n_pending;) {
		struct dp_flow_state *fs = w->pending[k];
		unsigned n;

		if (gma_reorder_next_deadline(fs->reorder) <= w->now_ms) {
			n = gma_reorder_poll(fs->reorder, w->now_ms, out, RTE_DIM(out));
			for (unsigned i = 0; i < n; i++)
				dp_ul_forward_core(w, out[i]);
		}
		n = gma_reasm_expire(fs->reasm, w->now_ms, out, RTE_DIM(out));
		for (unsigned i = 0; i < n; i++)
			dp_drop(w, out[i], DP_DROP_REASM_TIMEOUT);
		if (gma_reorder_held(fs->reorder) == 0 && gma_reasm_held(fs->reasm, NULL) == 0) {
			fs->pending = false;
			w->pending[k] = w->pending[--w->n_pending];
			continue;
		}
		k++;
	}
}
