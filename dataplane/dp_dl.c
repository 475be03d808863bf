/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink (core -> client): session lookup by destination address, flow
 * classification, steering, GMA encapsulation with the session's method,
 * fragmentation to the path MTU or concatenation (dp_concat.c), outer
 * IPv4/UDP/Ethernet, transmit.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "gma_frag.h"
#include "gma_wire.h"

/* Validates Ethernet + IPv4 of a received frame; returns the IPv4 header. */
const struct rte_ipv4_hdr *dp_ipv4_of(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint32_t len = rte_pktmbuf_data_len(m);
	unsigned ihl;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip)) {
		dp_drop(w, m, DP_DROP_SHORT_FRAME);
		return NULL;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		dp_drop(w, m, DP_DROP_NOT_IPV4);
		return NULL;
	}
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	ihl = (ip->version_ihl & 0x0F) * 4u;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
	    rte_be_to_cpu_16(ip->total_length) < ihl ||
	    rte_be_to_cpu_16(ip->total_length) > rte_pktmbuf_pkt_len(m) - RTE_ETHER_HDR_LEN ||
	    RTE_ETHER_HDR_LEN + ihl > len) {
		dp_drop(w, m, DP_DROP_BAD_IPV4);
		return NULL;
	}
	return ip;
}

bool dp_dl_key_of(struct dp_worker *w, struct rte_mbuf *m, rte_be32_t *key)
{
	const struct rte_ipv4_hdr *ip = dp_ipv4_of(w, m);

	if (ip == NULL)
		return false;
	if (unlikely(ip->dst_addr == w->dp->ports[w->dp->core_idx].ipv4)) {
		/* To the gateway itself: ICMP echo, or a counted drop. */
		if (ip->fragment_offset &
		    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
			dp_drop(w, m, DP_DROP_IP_FRAGMENT);
		else
			dp_local_input(w, m, w->dp->core_idx, ip);
		return false;
	}
	*key = ip->dst_addr; /* aligned copy: the hash reads it as a uint32_t */
	return true;
}

/*
 * Ethernet header at `frame`, which may sit at an odd address (after an
 * odd-length GMA header): byte copies, no rte_ether_hdr access.
 */
void dp_ether_write(uint8_t *frame, const struct rte_ether_addr *dst,
		    const struct rte_ether_addr *src)
{
	static const uint8_t ipv4_type[2] = {0x08, 0x00};

	memcpy(frame, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(frame + RTE_ETHER_ADDR_LEN, src->addr_bytes, RTE_ETHER_ADDR_LEN);
	memcpy(frame + 2 * RTE_ETHER_ADDR_LEN, ipv4_type, sizeof(ipv4_type));
}

/* Outer Ethernet + IPv4 + UDP in front of a PDU of pdu_len bytes at m. */
void dp_outer_fill(struct rte_mbuf *m, const struct dp_path *p, uint16_t pdu_len)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	dp_ether_write(frame, &p->dst_mac, &p->src_mac);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + pdu_len));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	ip->src_addr = p->gw_ip;
	ip->dst_addr = p->client_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = p->gw_port;
	udp->dst_port = p->client_port;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + pdu_len));
	udp->dgram_cksum = 0; /* optional for IPv4 (RFC 768) */
}

/* Encapsulate the SDU held by m in place (single segment). */
static int encap_inplace(enum gma_method meth, const struct gma_fields *f, struct rte_mbuf *m)
{
	uint16_t len = rte_pktmbuf_data_len(m);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct gma_fields g = *f;
	size_t glen;
	int ihl, rc;

	if (meth == GMA_METHOD_NONIP) {
		glen = gma_overhead(meth, g.flags);
		p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)glen);
		if (p == NULL)
			return -GMA_ERR_NOSPACE;
		rc = gma_write_fields(meth, &g, p, glen);
		return rc < 0 ? rc : 0;
	}
	if (meth == GMA_METHOD_TRAILER) {
		glen = gma_overhead(meth, g.flags);
		if (rte_pktmbuf_append(m, (uint16_t)glen) == NULL)
			return -GMA_ERR_NOSPACE;
		rc = gma_encap_trailer_inplace(&g, p, len, (size_t)len + glen);
		return rc < 0 ? rc : 0;
	}
	/* Header-based IP: open a gap after the IPv4 header. */
	ihl = gma_ipv4_hdr_len(p, len);
	if (ihl < 0)
		return ihl;
	g.flags |= GMA_F_TTL;
	g.ttl = p[8];
	g.next_header = p[9];
	glen = gma_overhead(meth, g.flags);
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)glen);
	if (p == NULL)
		return -GMA_ERR_NOSPACE;
	memmove(p, p + glen, (size_t)ihl);
	rc = gma_write_fields(meth, &g, p + ihl, glen);
	if (rc < 0)
		return rc;
	gma_ipv4_set(p, (size_t)ihl, GMA_IPPROTO, 1, (uint16_t)(len + glen));
	return 0;
}

/* Send one SDU (consumed) that fits the path MTU whole. */
void dp_dl_send_whole(struct dp_worker *w, const struct dp_path *p, struct dp_path_state *ps,
		      enum gma_method meth, uint8_t *dsn, const struct gma_fields *tmpl,
		      struct rte_mbuf *m)
{
	struct gma_fields f = *tmpl;
	uint16_t pdu_len;
	int rc;

	/* Delivery SN counts PDUs sent on the path (RFC 9188 4.1). */
	if (dsn != NULL && (f.flags & GMA_F_DELIVERY_SN))
		f.delivery_sn = *dsn;
	rc = encap_inplace(meth, &f, m);
	if (rc < 0) {
		ps->drops[DP_DROP_GMA_BASE_ + (unsigned)-rc]++;
		dp_drop(w, m, DP_DROP_GMA_BASE_ + (unsigned)-rc);
		return;
	}
	pdu_len = rte_pktmbuf_data_len(m);
	if (rte_pktmbuf_prepend(m, DP_OUTER_LEN) == NULL) {
		ps->drops[DP_DROP_TOO_BIG]++;
		dp_drop(w, m, DP_DROP_TOO_BIG);
		return;
	}
	dp_outer_fill(m, p, pdu_len);
	if (dsn != NULL && (f.flags & GMA_F_DELIVERY_SN))
		(*dsn)++;
	ps->tx_pkts++;
	ps->tx_bytes += pdu_len;
	dp_path_tx(w, p, m);
}

/* Send one SDU (consumed) on path index pi with fields f. */
void dp_dl_send(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		struct dp_flow_state *fs, const struct gma_fields *tmpl, struct rte_mbuf *m)
{
	struct gma_fields fields = *tmpl, *f = &fields;
	const struct dp_path *p = &s->paths[pi];
	struct dp_path_state *ps = &s->st->paths[pi];
	enum gma_method meth = s->cfg.method;
	uint16_t sdu_len = rte_pktmbuf_data_len(m);
	struct gma_frag_plan plan;
	int rc;

	/* The path MTU is the outer packet's: ESP adds up to esp_ovh bytes. */
	if (sdu_len + gma_overhead(meth, f->flags) + DP_OUTER_LEN - RTE_ETHER_HDR_LEN + p->esp_ovh <=
	    p->mtu) {
		dp_dl_send_whole(w, p, ps, meth, fs != NULL ? &fs->dl_dsn[pi] : NULL, f, m);
		return;
	}

	/* Larger than the path MTU: fragment (RFC 9188 5), copying into new mbufs. */
	rc = s->cfg.fragment ? gma_frag_plan(meth, rte_pktmbuf_mtod(m, uint8_t *), sdu_len, p->mtu,
					     DP_OUTER_LEN - RTE_ETHER_HDR_LEN + p->esp_ovh, f->flags, &plan)
			     : -GMA_ERR_MTU;
	if (rc < 0) {
		dp_drop_p(w, s->st, pi, m, DP_DROP_TOO_BIG);
		return;
	}
	for (unsigned i = 0; i < plan.n; i++) {
		struct rte_mbuf *fm = rte_pktmbuf_alloc(w->dp->pool);
		uint16_t room;
		uint8_t *buf;

		if (fm == NULL) {
			dp_drop_p(w, s->st, pi, m, DP_DROP_NO_MBUF);
			return; /* the fragments already sent are lost with it */
		}
		room = (uint16_t)RTE_MIN((uint32_t)rte_pktmbuf_tailroom(fm), (uint32_t)p->mtu + RTE_ETHER_HDR_LEN);
		buf = (uint8_t *)rte_pktmbuf_append(fm, room);
		if (fs != NULL && (f->flags & GMA_F_DELIVERY_SN))
			f->delivery_sn = fs->dl_dsn[pi];
		rc = gma_frag_build(meth, &plan, i, f, rte_pktmbuf_mtod(m, uint8_t *), sdu_len,
				    buf + DP_OUTER_LEN, room - DP_OUTER_LEN);
		if (rc < 0) {
			rte_pktmbuf_free(fm);
			dp_drop_p(w, s->st, pi, m, DP_DROP_GMA_BASE_ + (unsigned)-rc);
			return;
		}
		rte_pktmbuf_trim(fm, (uint16_t)(room - DP_OUTER_LEN - rc));
		dp_outer_fill(fm, p, (uint16_t)rc);
		if (fs != NULL && (f->flags & GMA_F_DELIVERY_SN))
			fs->dl_dsn[pi]++;
		ps->tx_pkts++;
		ps->tx_bytes += (uint64_t)rc;
		dp_path_tx(w, p, fm);
	}
	rte_pktmbuf_free(m);
}

static unsigned flow_index(const struct dp_session *s, uint8_t flow_id)
{
	for (unsigned i = 0; i < s->cfg.n_flows; i++)
		if (s->cfg.flows[i].flow_id == flow_id)
			return i;
	return 0;
}

void dp_dl_packet(struct dp_worker *w, const struct dp_session *s, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	struct dp_flow_state *fs;
	uint8_t paths[GMA_STEER_MAX_PATHS];
	struct gma_fields f = {0};
	unsigned fi, n;
	uint16_t ip_len;
	uint8_t fid;

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	ip_len = rte_be_to_cpu_16(ip->total_length);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - ip_len)); /* Ethernet padding */
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		dp_drop_s(w, s->st, m, DP_DROP_NO_MBUF);
		return;
	}

	fid = gma_tft_classify(s->tft, s->cfg.n_flows, rte_pktmbuf_mtod(m, const uint8_t *), ip_len,
			       true, s->cfg.default_flow);
	fi = flow_index(s, fid);
	if (s->steer_rc[fi] < 0) {
		dp_drop_s(w, s->st, m, DP_DROP_NO_PATH);
		return;
	}
	fs = &s->st->flows[fi];
	n = gma_steer_pick(&s->steer[fi], &fs->steer_pos, paths);
	s->st->dl_pkts++;
	s->st->dl_bytes += ip_len;

	f.flags = s->cfg.dl_flags;
	f.flow_id = fid;
	f.flow_sn = fs->dl_fsn;
	fs->dl_fsn = (fs->dl_fsn + 1) & 0xFFFFFFu;
	f.timestamp = (uint32_t)w->now_ms;

	/* Concatenation (dp_concat.c).  Held SDUs leave before any later SDU of
	 * the flow, also when concat was just turned off by an update.  A
	 * duplicated flow is never concatenated: it is steered for latency, and
	 * a PDU is per path. */
	if (unlikely(s->cfg.concat || fs->cc.n != 0)) {
		/* Not on IPsec paths: held SDUs outlive the version's SAs. */
		if (s->cfg.concat && s->steer[fi].mode != GMA_STEER_DUPLICATE &&
		    s->paths[paths[0]].esp_out == NULL) {
			f.conn_id = s->paths[paths[0]].conn_id & 0x0F;
			dp_concat_sdu(w, s, paths[0], fs, &f, m);
			return;
		}
		dp_concat_flush(w, fs);
	}

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mm = m;

		if (i + 1 < n) { /* duplication: every path but the last gets a copy */
			mm = rte_pktmbuf_copy(m, w->dp->pool, 0, UINT32_MAX);
			if (mm == NULL) {
				w->stats.drops[DP_DROP_NO_MBUF]++;
				s->st->drops[DP_DROP_NO_MBUF]++;
				continue;
			}
		}
		f.conn_id = s->paths[paths[i]].conn_id & 0x0F;
		dp_dl_send(w, s, paths[i], fs, &f, mm);
	}
}
