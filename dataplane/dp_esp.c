/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP per delivery connection (docs/ipsec.md): the IPsec adaptation of the
 * paths that have one.
 *
 * Control thread: each session version gets its own SAs (keys expanded once
 * with esp_sa_init on the control thread's IPsec-MB manager), allocated with
 * the version and wiped and freed with it after the RCU grace period; their
 * SN counter and replay window point into the owner's session state
 * (dp_path_esp), so that they continue across versions.  Inbound SPIs are
 * published in dp_ctx.esp_hash (SPI -> session version | path index).
 *
 * Workers: downlink frames of an IPsec path (outer headers + GMA PDU, after
 * encapsulation and fragmentation) and uplink ESP frames are queued per
 * burst and processed with one esp_encap_burst / esp_decap_burst call on the
 * worker's own manager at the end of the burst; every failure is a counted
 * drop with the library's reason.  Nothing here allocates or logs.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_udp.h>

#include "dp.h"

#define HDRS (RTE_ETHER_HDR_LEN + 20u + 8u) /* Ethernet + IPv4 (no options) + UDP */

/* ---- Control thread ------------------------------------------------------- */

static bool sa_cfg_eq(const struct dp_ipsec_sa_cfg *a, const struct dp_ipsec_sa_cfg *b)
{
	return a->spi == b->spi && a->keymat_len == b->keymat_len &&
	       memcmp(a->keymat, b->keymat, a->keymat_len) == 0;
}

static bool key_eq(const struct dp_ipsec_sa_cfg *a, const struct dp_ipsec_sa_cfg *b)
{
	return a->keymat_len == b->keymat_len && memcmp(a->keymat, b->keymat, a->keymat_len) == 0;
}

/*
 * What an inbound SA of the new version is to the old one: 0 new, 1 the old
 * `in`, 2 the old `in_prev`; -1 a known SPI with other keys.
 */
static int in_origin(const struct dp_ipsec_cfg *o, const struct dp_ipsec_sa_cfg *sa)
{
	if (o->in.spi == sa->spi)
		return sa_cfg_eq(&o->in, sa) ? 1 : -1;
	if (o->in_prev.spi != 0 && o->in_prev.spi == sa->spi)
		return sa_cfg_eq(&o->in_prev, sa) ? 2 : -1;
	return 0;
}

/*
 * Is `n` a valid successor of `o` on one path (shared/dp_api.h)?  Each SA
 * either continues (same SPI and key) or is new; a new outbound SA needs a
 * new SPI and a new key (its SN restarts at 1: the old key with a restarted
 * SN would reuse GCM nonces); the previous inbound SA of a rekey must be one
 * the path had.  Never back to plaintext.
 */
static int update_ok(const struct dp_ipsec_cfg *o, const struct dp_ipsec_cfg *n)
{
	int oin, oprev = 0;
	bool out_kept, cont;

	if (!o->enabled)
		return 0; /* IPsec added: the owner starts the counters afresh */
	if (!n->enabled)
		return -EINVAL;
	out_kept = sa_cfg_eq(&o->out, &n->out);
	if (!out_kept && (o->out.spi == n->out.spi || key_eq(&o->out, &n->out)))
		return -EINVAL;
	oin = in_origin(o, &n->in);
	if (oin < 0 || oin == 2)
		return -EINVAL; /* the previous SA cannot become the current one again */
	if (n->in_prev.spi != 0) {
		oprev = in_origin(o, &n->in_prev);
		if (oprev <= 0)
			return -EINVAL;
	}
	cont = out_kept || oin > 0 || oprev > 0;
	if (cont && (o->suite != n->suite || o->esn != n->esn ||
		     o->replay_window != n->replay_window))
		return -EINVAL; /* a continuing SA keeps its transform */
	return 0;
}

/* Which of the two replay windows the new version's inbound SAs use. */
static void in_slots(const struct dp_path *op, const struct dp_ipsec_cfg *o,
		     const struct dp_ipsec_cfg *n, uint8_t *slot)
{
	uint8_t old_in = op != NULL ? op->esp_in_slot : 1;
	int oin = op != NULL ? in_origin(o, &n->in) : 0;
	int oprev = op != NULL && n->in_prev.spi != 0 ? in_origin(o, &n->in_prev) : 0;

	if (oin == 1)
		*slot = old_in; /* kept: its window continues */
	else if (oprev == 2)
		*slot = old_in; /* the old previous SA keeps the other window */
	else
		*slot = (uint8_t)(1u - old_in); /* new: the window the old `in` does not use */
}

static int sa_make(struct dp_ctx *dp, struct esp_sa *sa, const struct dp_ipsec_cfg *ic,
		   const struct dp_ipsec_sa_cfg *c, bool inbound)
{
	struct esp_sa_cfg e = {
		.spi = c->spi, .suite = (enum esp_suite)ic->suite, .inbound = inbound,
		.esn = ic->esn, .replay_window = inbound ? ic->replay_window : 0,
		.keymat = c->keymat, .keymat_len = c->keymat_len,
	};

	return esp_sa_init(sa, dp->ctl_mb, &e);
}

int dp_esp_build(struct dp_ctx *dp, struct dp_session *s, const struct dp_session *old)
{
	unsigned n = 0, k = 0;

	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		const struct dp_ipsec_cfg *ic = &s->cfg.paths[i].ipsec;

		if (old != NULL && i < old->cfg.n_paths &&
		    update_ok(&old->cfg.paths[i].ipsec, ic) < 0)
			return -EINVAL;
		if (ic->enabled && (ic->in_prev.spi == ic->in.spi || ic->in.spi == 0))
			return -EINVAL;
		if (ic->enabled)
			n++;
	}
	if (n == 0)
		return 0;
	if (dp->ctl_mb == NULL)
		return -ENOMEM;
	s->esp_sas = rte_zmalloc("mamsgw_esp_sa", 3 * n * sizeof(struct esp_sa), 64);
	if (s->esp_sas == NULL)
		return -ENOMEM;
	s->n_esp_sas = 3 * n;
	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		const struct dp_ipsec_cfg *ic = &s->cfg.paths[i].ipsec;
		const struct dp_path *op = NULL;
		struct dp_path *p = &s->paths[i];
		struct dp_path_esp *pe = &s->st->paths[i].esp;
		uint8_t slot;
		int rc;

		if (!ic->enabled)
			continue;
		if (old != NULL && i < old->cfg.n_paths && old->paths[i].esp_in != NULL)
			op = &old->paths[i];
		in_slots(op, op != NULL ? &old->cfg.paths[i].ipsec : NULL, ic, &slot);
		p->esp_out = &s->esp_sas[k++];
		p->esp_in = &s->esp_sas[k++];
		p->esp_in_prev = &s->esp_sas[k++];
		rc = sa_make(dp, p->esp_out, ic, &ic->out, false);
		if (rc == 0)
			rc = sa_make(dp, p->esp_in, ic, &ic->in, true);
		if (rc == 0 && ic->in_prev.spi != 0)
			rc = sa_make(dp, p->esp_in_prev, ic, &ic->in_prev, true);
		else if (rc == 0)
			p->esp_in_prev = NULL;
		if (rc < 0) {
			dp_esp_free(s);
			return -EINVAL;
		}
		p->esp_st = pe;
		p->esp_in_slot = slot;
		p->esp_out->next_sn_ext = &pe->next_sn;
		p->esp_in->replay_ext = &pe->replay[slot];
		if (p->esp_in_prev != NULL)
			p->esp_in_prev->replay_ext = &pe->replay[1u - slot];
		p->esp_ovh = (uint8_t)(esp_sa_hdr_len(p->esp_out) + esp_sa_tail_max(p->esp_out));
		p->esp_nh = s->cfg.method == GMA_METHOD_NONIP ? ESP_NH_NOIP : ESP_NH_IPV4;
	}
	return 0;
}

void dp_esp_free(struct dp_session *s)
{
	if (s->esp_sas == NULL)
		return;
	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		s->paths[i].esp_out = NULL;
		s->paths[i].esp_in = NULL;
		s->paths[i].esp_in_prev = NULL;
	}
	for (unsigned i = 0; i < s->n_esp_sas; i++)
		esp_sa_wipe(&s->esp_sas[i]);
	rte_free(s->esp_sas);
	s->esp_sas = NULL;
	s->n_esp_sas = 0;
}

int dp_esp_workers_init(struct dp_ctx *dp)
{
	dp->ctl_mb = alloc_mb_mgr(0);
	if (dp->ctl_mb == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(dp->ctl_mb, NULL);
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		w->mb = alloc_mb_mgr(0);
		w->esp_out = rte_zmalloc("mamsgw_esp_q", sizeof(*w->esp_out), 64);
		w->esp_in = rte_zmalloc("mamsgw_esp_q", sizeof(*w->esp_in), 64);
		if (w->mb == NULL || w->esp_out == NULL || w->esp_in == NULL)
			return -ENOMEM;
		init_mb_mgr_auto(w->mb, NULL);
	}
	return 0;
}

void dp_esp_workers_free(struct dp_ctx *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		if (w == NULL)
			continue;
		if (w->mb != NULL)
			free_mb_mgr(w->mb);
		rte_free(w->esp_out);
		rte_free(w->esp_in);
		w->mb = NULL;
		w->esp_out = w->esp_in = NULL;
	}
	if (dp->ctl_mb != NULL)
		free_mb_mgr(dp->ctl_mb);
	dp->ctl_mb = NULL;
}

/* ---- Workers -------------------------------------------------------------- */

static inline struct dp_path_state *ps_of(const struct dp_path *p)
{
	return container_of(p->esp_st, struct dp_path_state, esp);
}

static void drop_path(struct dp_worker *w, const struct dp_path *p, struct rte_mbuf *m,
		      unsigned reason)
{
	ps_of(p)->drops[reason]++;
	dp_drop(w, m, reason);
}

/* The owner's counters belong to this SA (a new SA restarts them). */
static inline void out_sync(const struct dp_path *p)
{
	if (unlikely(p->esp_st->out_spi != p->esp_out->spi)) {
		p->esp_st->out_spi = p->esp_out->spi;
		p->esp_st->next_sn = p->esp_out->next_sn; /* esp_sa_init's first SN */
	}
}

/* The window of inbound SA sa (slot of the path's state) is that SA's. */
static inline void in_sync(const struct dp_path *p, const struct esp_sa *sa, unsigned slot)
{
	if (unlikely(p->esp_st->in_spi[slot] != sa->spi)) {
		p->esp_st->in_spi[slot] = sa->spi;
		p->esp_st->replay[slot] = sa->replay; /* esp_sa_init's empty window */
	}
}

static void out_flush(struct dp_worker *w)
{
	struct dp_esp_q *q = w->esp_out;

	if (q->n == 0)
		return;
	esp_encap_burst(w->mb, q->ops, q->n);
	for (unsigned i = 0; i < q->n; i++) {
		struct rte_mbuf *m = q->m[i];
		const struct dp_path *p = q->p[i];
		struct esp_op *op = &q->ops[i];
		struct rte_ipv4_hdr *ip;
		struct rte_udp_hdr *udp;

		if (op->status != ESP_OK) {
			drop_path(w, p, m, DP_DROP_ESP_BASE_ + op->status);
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - HDRS - op->len));
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
		udp = (struct rte_udp_hdr *)(ip + 1);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20u + 8u + op->len));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8u + op->len));
		udp->dgram_cksum = 0; /* RFC 3948 3.1.2 */
		dp_path_tx_plain(w, p, m);
	}
	q->n = 0;
}

void dp_esp_out(struct dp_worker *w, const struct dp_path *p, struct rte_mbuf *m)
{
	struct dp_esp_q *q = w->esp_out;
	unsigned hdr = esp_sa_hdr_len(p->esp_out), tail = esp_sa_tail_max(p->esp_out);
	uint32_t pdu_len;
	uint8_t *f;
	struct esp_op *op;

	if (q->n == DP_ESP_Q)
		out_flush(w);
	/* m: Ethernet + IPv4 + UDP (dp_outer_fill) + GMA PDU, one segment. */
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		drop_path(w, p, m, DP_DROP_NO_MBUF);
		return;
	}
	pdu_len = rte_pktmbuf_data_len(m) - HDRS;
	f = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hdr);
	if (f == NULL || rte_pktmbuf_append(m, (uint16_t)tail) == NULL) {
		drop_path(w, p, m, DP_DROP_ESP_BASE_ + ESP_NO_ROOM);
		return;
	}
	memmove(f, f + hdr, HDRS); /* the outer headers in front of the ESP header */
	out_sync(p);
	op = &q->ops[q->n];
	op->sa = p->esp_out;
	op->esp = f + HDRS;
	op->len = pdu_len;
	op->room = hdr + pdu_len + tail;
	op->next_header = p->esp_nh;
	q->m[q->n] = m;
	q->p[q->n] = p;
	q->n++;
}

/* Is the datagram payload a GMA PDU of the session's method in the clear? */
static bool is_plain_gma(const struct dp_session *s, const uint8_t *pl, uint32_t len)
{
	struct gma_pdu d;

	return gma_decode(s->cfg.method, pl, len, &d) >= 0;
}

int dp_esp_ul_classify(struct dp_worker *w, struct rte_mbuf *m, struct dp_session *s, int pi,
		       struct dp_session **sp, unsigned *path)
{
	const uint8_t *pl;
	uint32_t len, spi;
	void *data;

	if (s != NULL && (pi < 0 || s->paths[pi].esp_in == NULL))
		return 0; /* a plain path */
	if (s == NULL && atomic_load_explicit(&w->dp->n_esp_in, memory_order_relaxed) == 0)
		return 0;
	pl = dp_udp_payload(w, m, &len);
	if (pl == NULL)
		return -1;
	spi = esp_spi_of(pl, len);
	if (spi != 0 && rte_hash_lookup_data(w->dp->esp_hash, &spi, &data) >= 0) {
		/* The SPI names the session and path: authenticated by the ICV, so
		 * an endpoint no path has (NAT rebinding) is fine too. */
		*sp = (struct dp_session *)((uintptr_t)data & ~(uintptr_t)15u);
		*path = (unsigned)((uintptr_t)data & 15u);
		return 1;
	}
	if (s == NULL)
		return 0; /* not ESP of ours: client match or a counted drop */
	/* From an IPsec path's endpoint, but no SA: which failure? */
	if (len == 1 && pl[0] == 0xFF) {
		dp_drop_p(w, s->st, (unsigned)pi, m, DP_DROP_ESP_KEEPALIVE);
		return -1;
	}
	dp_drop_p(w, s->st, (unsigned)pi, m,
		  is_plain_gma(s, pl, len) ? DP_DROP_ESP_PLAINTEXT
					   : DP_DROP_ESP_BASE_ + ESP_UNKNOWN_SPI);
	return -1;
}

static void in_flush(struct dp_worker *w)
{
	struct dp_esp_q *q = w->esp_in;

	if (q->n == 0)
		return;
	esp_decap_burst(w->mb, q->ops, q->n);
	for (unsigned i = 0; i < q->n; i++) {
		struct rte_mbuf *m = q->m[i];
		const struct dp_session *s = q->s[i];
		unsigned pi = q->pi[i], ihl, hl, eh;
		struct esp_op *op = &q->ops[i];
		struct rte_ipv4_hdr *ip;
		struct rte_udp_hdr *udp;
		uint8_t *f;

		if (op->status == ESP_OK && op->next_header != s->paths[pi].esp_nh)
			op->status = ESP_BAD_NH; /* never guessed: the session's method */
		if (op->status != ESP_OK) {
			dp_drop_p(w, s->st, pi, m, DP_DROP_ESP_BASE_ + op->status);
			continue;
		}
		/* Outer headers moved up to the payload: dp_ul_packet as for UDP. */
		f = rte_pktmbuf_mtod(m, uint8_t *);
		ip = (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
		ihl = (ip->version_ihl & 0x0F) * 4u;
		hl = RTE_ETHER_HDR_LEN + ihl + 8u;
		eh = esp_sa_hdr_len(op->sa);
		memmove(f + eh, f, hl);
		rte_pktmbuf_adj(m, (uint16_t)eh);
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - hl - op->len));
		f = rte_pktmbuf_mtod(m, uint8_t *);
		udp = (struct rte_udp_hdr *)(f + RTE_ETHER_HDR_LEN + ihl);
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8u + op->len));
		ip = (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
		if (unlikely(ip->src_addr != s->paths[pi].client_ip ||
			     udp->src_port != s->paths[pi].client_port))
			dp_ul_rebound(w, s, pi, m); /* authenticated: learn the endpoint */
		dp_ul_packet(w, s, pi, m);
	}
	q->n = 0;
}

void dp_esp_in(struct dp_worker *w, const struct dp_session *s, unsigned pi, struct rte_mbuf *m)
{
	struct dp_esp_q *q = w->esp_in;
	bool prev = (pi & DP_ESP_PREV) != 0;
	const struct dp_path *p = &s->paths[pi & ~DP_ESP_PREV];
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	struct esp_sa *sa;
	struct esp_op *op;
	unsigned ihl;

	pi &= ~DP_ESP_PREV;
	sa = prev ? p->esp_in_prev : p->esp_in;
	if (unlikely(sa == NULL)) {
		/* A version published after the lookup dropped the previous SA. */
		dp_drop_p(w, s->st, pi, m, DP_DROP_ESP_BASE_ + ESP_UNKNOWN_SPI);
		return;
	}
	if (q->n == DP_ESP_Q)
		in_flush(w);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	ihl = (ip->version_ihl & 0x0F) * 4u;
	udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	in_sync(p, sa, prev ? 1u - p->esp_in_slot : p->esp_in_slot);
	op = &q->ops[q->n];
	op->sa = sa;
	op->esp = (uint8_t *)(udp + 1);
	op->len = rte_be_to_cpu_16(udp->dgram_len) - (uint32_t)sizeof(*udp); /* checked */
	q->m[q->n] = m;
	q->s[q->n] = s;
	q->pi[q->n] = (uint8_t)pi;
	q->n++;
}

void dp_esp_flush(struct dp_worker *w)
{
	if (w->esp_in != NULL)
		in_flush(w);
	if (w->esp_out != NULL)
		out_flush(w); /* after: uplink may answer probes downlink */
}
