/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink concatenation (RFC 9188 6), for sessions with "concat": small
 * SDUs of one flow are held briefly and sent as one GMA PDU.
 *
 * RFC 9188 6: the SDUs of one PDU are of one flow with consecutive Flow SNs,
 * and the PDU carries the last one's.  So the buffer is per flow, it holds
 * SDUs for one path only, and it is flushed (one PDU) whenever
 *   - the next SDU of the flow goes to another path, or the session was
 *     updated in a way that changes what the PDU would be (path, method,
 *     fields),
 *   - the next SDU would not fit with the held ones in the path MTU,
 *   - not even the smallest IPv4 packet could still join (so an SDU that
 *     fills the PDU alone is not held at all),
 *   - DP_CONCAT_MAX SDUs are held,
 *   - concat_hold_us has passed since the first held SDU arrived (the
 *     worker loop checks, dp_concat_poll),
 *   - the session is retired or the worker stops,
 *   - an SDU of the flow is about to be sent another way (duplication, or
 *     concat turned off by an update), so that the flow keeps its order.
 * A buffer of one SDU is sent exactly as without concatenation.  SDUs too
 * large for the path MTU go to dp_dl_send (fragmentation) after a flush.
 *
 * The held mbufs are the received ones; the PDU is built into one new mbuf
 * from dp->pool.  If none is free the held SDUs are dropped (no_mbuf).
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "gma_concat.h"

#define FLOW_SN_MASK 0xFFFFFFu
/* Outer IPv4 + UDP: what gma_concat_fit must leave room for in the MTU. */
#define CC_EXTRA (DP_OUTER_LEN - RTE_ETHER_HDR_LEN)

/* A PDU is built in one mbuf: a jumbo path MTU is capped by its room. */
static uint16_t cc_mtu(const struct dp_worker *w, const struct dp_path *p)
{
	uint32_t room = rte_pktmbuf_data_room_size(w->dp->pool);

	room = room > RTE_PKTMBUF_HEADROOM + RTE_ETHER_HDR_LEN
		       ? room - RTE_PKTMBUF_HEADROOM - RTE_ETHER_HDR_LEN
		       : 0;
	return (uint16_t)RTE_MIN((uint32_t)p->mtu, room);
}

/* May the next SDU (fields f, path pi of s) join what c holds? */
static bool cc_same(const struct dp_concat *c, const struct dp_session *s, unsigned pi,
		    const struct gma_fields *f)
{
	return c->pi == pi && c->method == (uint8_t)s->cfg.method && c->tmpl.flags == f->flags &&
	       c->tmpl.flow_id == f->flow_id &&
	       f->flow_sn == ((c->tmpl.flow_sn + c->n) & FLOW_SN_MASK) &&
	       memcmp(&c->path, &s->paths[pi], sizeof(c->path)) == 0;
}

static void cc_drop_held(struct dp_worker *w, struct dp_concat *c, unsigned n, unsigned reason)
{
	for (unsigned i = 0; i < n; i++) {
		c->ps->drops[reason]++;
		dp_drop(w, c->pkts[i], reason);
	}
}

/* Send what the flow holds as one PDU (none held: nothing to do). */
void dp_concat_flush(struct dp_worker *w, struct dp_flow_state *fs)
{
	struct dp_concat *c = &fs->cc;
	unsigned n = c->n;
	uint8_t *dsn = &fs->dl_dsn[c->pi];
	struct gma_fields f;
	struct rte_mbuf *pdu;
	uint16_t room;
	uint8_t *buf;
	int rc;

	if (n == 0)
		return;
	c->n = 0;
	LIST_REMOVE(fs, cc.link);
	f = c->tmpl;
	/* The timestamp says when the PDU left, as for any other PDU: the
	 * receiver measures the path's delay, not the hold time. */
	f.timestamp = (uint32_t)w->now_ms;
	if (n == 1) {
		dp_dl_send_whole(w, &c->path, c->ps, (enum gma_method)c->method, dsn, &f,
				 c->pkts[0]);
		return;
	}

	pdu = rte_pktmbuf_alloc(w->dp->pool);
	if (unlikely(pdu == NULL)) {
		cc_drop_held(w, c, n, DP_DROP_NO_MBUF);
		return;
	}
	/* gma_concat_fit kept the PDU within c->mtu, which fits this room. */
	room = (uint16_t)RTE_MIN((uint32_t)rte_pktmbuf_tailroom(pdu),
				 (uint32_t)c->mtu + RTE_ETHER_HDR_LEN);
	buf = (uint8_t *)rte_pktmbuf_append(pdu, room);
	if (f.flags & GMA_F_DELIVERY_SN)
		f.delivery_sn = *dsn;
	rc = gma_concat_build((enum gma_method)c->method, &f, c->spans, n, buf + DP_OUTER_LEN,
			      room - DP_OUTER_LEN);
	if (unlikely(rc < 0)) {
		rte_pktmbuf_free(pdu);
		cc_drop_held(w, c, n, DP_DROP_GMA_BASE_ + (unsigned)-rc);
		return;
	}
	rte_pktmbuf_trim(pdu, (uint16_t)(room - DP_OUTER_LEN - rc));
	dp_outer_fill(pdu, &c->path, (uint16_t)rc);
	if (f.flags & GMA_F_DELIVERY_SN)
		(*dsn)++;
	c->ps->tx_pkts++;
	c->ps->tx_bytes += (uint64_t)rc;
	dp_path_tx(w, &c->path, pdu);
	rte_pktmbuf_free_bulk(c->pkts, n);
}

/*
 * One SDU of a concatenating flow, steered to path pi alone, with its
 * fields f (Flow SN assigned, Connection ID set); m is consumed.
 */
void dp_concat_sdu(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		   struct dp_flow_state *fs, const struct gma_fields *f, struct rte_mbuf *m)
{
	struct dp_concat *c = &fs->cc;
	struct gma_span sdu = {rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m)};
	/* The fit probe: could the smallest IPv4 packet still join after it? */
	struct gma_span probe = {sdu.p, GMA_IPV4_MIN_HDR};
	const struct dp_path *p = &s->paths[pi];
	unsigned n = c->n, fit = 0;

	if (n > 0 && !cc_same(c, s, pi, f)) {
		dp_concat_flush(w, fs);
		n = 0;
	}
	if (n > 0) {
		c->spans[n] = sdu;
		c->spans[n + 1] = probe;
		fit = gma_concat_fit((enum gma_method)c->method, c->tmpl.flags, c->spans, n + 2,
				     c->mtu, CC_EXTRA);
		if (fit < n + 1) { /* does not fit beside the held ones */
			dp_concat_flush(w, fs);
			n = 0;
		}
	}
	if (n == 0) {
		struct gma_span two[2] = {sdu, probe};
		uint16_t mtu = cc_mtu(w, p);

		fit = gma_concat_fit(s->cfg.method, f->flags, two, 2, mtu, CC_EXTRA);
		if (fit < 2) { /* nothing could join it: sent (or fragmented) now */
			dp_dl_send(w, s, pi, fs, f, m);
			return;
		}
		c->pi = (uint8_t)pi;
		c->method = (uint8_t)s->cfg.method;
		c->mtu = mtu;
		c->tmpl = *f;
		c->ps = &s->st->paths[pi];
		memcpy(&c->path, p, sizeof(c->path)); /* padding too: cc_same compares bytes */
		c->deadline_tsc =
			w->now_tsc + w->dp->tsc_per_ms * s->cfg.concat_hold_us / 1000u;
		LIST_INSERT_HEAD(&w->cc_held, fs, cc.link);
	}
	c->spans[n] = sdu;
	c->pkts[n] = m;
	c->n = (uint8_t)(n + 1);
	/* fit == n + 2: the smallest IPv4 packet would still fit after it. */
	if (c->n == DP_CONCAT_MAX || fit < n + 2)
		dp_concat_flush(w, fs);
}

/* Hold times: flush every buffer whose first SDU has waited long enough. */
void dp_concat_poll(struct dp_worker *w)
{
	struct dp_flow_state *fs, *next;

	for (fs = LIST_FIRST(&w->cc_held); fs != NULL; fs = next) {
		next = LIST_NEXT(fs, cc.link);
		if ((int64_t)(w->now_tsc - fs->cc.deadline_tsc) >= 0)
			dp_concat_flush(w, fs);
	}
}

/* The worker stops: send everything held. */
void dp_concat_flush_all(struct dp_worker *w)
{
	while (!LIST_EMPTY(&w->cc_held))
		dp_concat_flush(w, LIST_FIRST(&w->cc_held));
}
