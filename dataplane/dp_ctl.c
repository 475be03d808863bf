/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session tables and the control -> data API (shared/dp_api.h).
 *
 * Sessions are immutable versions published in lock-free hash tables
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF: one writer, the control thread;
 * workers read without locks).  A change builds a new version aside, swaps
 * the table entries to it, waits for an RCU grace period (every worker
 * reports quiescence once per loop) and only then frees the old version and
 * the key slots it used.  The mutable per-session state (sequence numbers,
 * reorder windows) is shared by consecutive versions, so an update neither
 * loses nor reorders packets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"

static int hash_new(struct rte_hash **h, const char *name, uint32_t entries, uint32_t key_len,
		    bool lock_free)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = entries < 8 ? 8 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = lock_free ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF : 0,
	};

	*h = rte_hash_create(&p);
	return *h == NULL ? -rte_errno : 0;
}

int dp_tables_init(struct dp_ctx *dp)
{
	uint32_t n = dp->cfg.max_sessions;
	size_t sz;
	int rc;

	/* A cuckoo table may refuse a key before it is full: twice the room,
	 * and session_add() counts the sessions against max_sessions. */
	rc = hash_new(&dp->dl_hash, "mamsgw_dl", 2 * n, sizeof(rte_be32_t), true);
	if (rc == 0)
		rc = hash_new(&dp->ul_hash, "mamsgw_ul", n * DP_MAX_PATHS, sizeof(struct dp_ul_key),
			      true);
	if (rc == 0)
		rc = hash_new(&dp->id_hash, "mamsgw_id", 2 * n, sizeof(uint32_t), false);
	if (rc == 0)
		rc = hash_new(&dp->esp_hash, "mamsgw_esp", n * DP_MAX_PATHS, sizeof(uint32_t), true);
	if (rc == 0)
		rc = dp_esp_workers_init(dp);
	if (rc < 0)
		return rc;

	sz = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->rcu = rte_zmalloc("mamsgw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (dp->rcu == NULL)
		return -ENOMEM;
	dp->retired = rte_ring_create("mamsgw_retired", rte_align32pow2(n + 1), (int)rte_socket_id(),
				      RING_F_SC_DEQ);
	if (dp->retired == NULL)
		return -rte_errno;
	/* Learnt endpoints, at most one per path per DP_REBIND_NOTE_MS: a full
	 * ring only delays a notice (counted), the next PDU repeats it. */
	dp->rebind = rte_ring_create_elem("mamsgw_rebind", sizeof(struct dp_rebind),
					  dp->cfg.ctrl_ring, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp->rebind == NULL)
		return -rte_errno;
	/* Enough for every worker's control ring to be full. */
	dp->msg_pool = rte_mempool_create("mamsgw_msgs", dp->n_workers * dp->cfg.ctrl_ring + 64,
					  sizeof(struct dp_msg), 0, 0, NULL, NULL, NULL, NULL,
					  (int)rte_socket_id(), 0);
	if (dp->msg_pool == NULL)
		return -rte_errno;
	rc = dp_neigh_init(dp);
	if (rc < 0)
		return rc;
	return rte_rcu_qsbr_init(dp->rcu, dp->n_workers);
}

/* Wait until no worker can still hold a pointer read before now. */
static void grace_period(struct dp_ctx *dp)
{
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

static struct dp_session *session_find(struct dp_ctx *dp, uint32_t id)
{
	void *data = NULL;

	if (rte_hash_lookup_data(dp->id_hash, &id, &data) < 0)
		return NULL;
	return data;
}

static struct dp_ul_key ul_key(const struct dp_path *p)
{
	struct dp_ul_key k;

	memset(&k, 0, sizeof(k)); /* padding is part of the hashed key */
	k.client_ip = p->client_ip;
	k.client_port = p->client_port;
	k.port_id = p->port_id;
	return k;
}

/* A version no worker can hold any more (after a grace period). */
static void version_free(struct dp_session *s)
{
	if (s == NULL)
		return;
	dp_esp_free(s);
	rte_free(s);
}

/* SPI table value: the version, the path index and DP_ESP_PREV (dp_esp.c). */
static inline void *esp_ref(const struct dp_session *s, unsigned pi)
{
	return (void *)((uintptr_t)s | pi); /* versions are cache-line aligned */
}

/* Inbound SPI `which` (0: current, 1: previous of a rekey) of a path; 0 = none. */
static inline uint32_t path_spi(const struct dp_path *p, unsigned which)
{
	const struct esp_sa *sa = which == 0 ? p->esp_in : p->esp_in_prev;

	return sa != NULL ? sa->spi : 0;
}

static void state_free(struct dp_session_state *st)
{
	if (st == NULL)
		return;
	for (unsigned i = 0; i < DP_MAX_FLOWS; i++) {
		struct dp_concat *c = &st->flows[i].cc;

		/* Only reached with the workers stopped (they flush on the way
		 * out), so this is a safeguard: never leak held SDUs. */
		rte_pktmbuf_free_bulk(c->pkts, c->n);
		c->n = 0;
		rte_free(st->flows[i].reorder);
		rte_free(st->flows[i].reasm);
	}
	rte_free(st);
}

/* Allocate the uplink windows of flows [0, n) that do not have them yet. */
static int state_grow(struct dp_ctx *dp, struct dp_session_state *st, unsigned n)
{
	struct gma_reorder_cfg rcfg = {
		.window = dp->cfg.reorder_window,
		.timeout_ms = dp->cfg.reorder_timeout_ms,
		.deliver_late = dp->cfg.reorder_deliver_late,
	};
	struct gma_reasm_cfg acfg = {
		.max_bytes = dp->cfg.reasm_max_bytes,
		.timeout_ms = dp->cfg.reasm_timeout_ms,
		.slots = dp->cfg.reasm_slots,
	};
	size_t rsz = gma_reorder_memsize(rcfg.window), asz = gma_reasm_memsize(&acfg);

	if (rsz == 0 || asz == 0)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		struct dp_flow_state *f = &st->flows[i];
		void *rm, *am;

		if (f->reorder != NULL)
			continue;
		rm = rte_malloc("mamsgw_reorder", rsz, RTE_CACHE_LINE_SIZE);
		am = rte_malloc("mamsgw_reasm", asz, RTE_CACHE_LINE_SIZE);
		if (rm == NULL || am == NULL) {
			rte_free(rm);
			rte_free(am);
			return -ENOMEM;
		}
		f->reorder = gma_reorder_init(rm, rsz, &rcfg);
		f->reasm = gma_reasm_init(am, asz, &acfg);
		if (f->reorder == NULL || f->reasm == NULL) {
			rte_free(rm);
			rte_free(am);
			f->reorder = NULL;
			f->reasm = NULL;
			return -EINVAL;
		}
		/* Paths that do not exist must not hold gaps open. */
		for (unsigned p = 0; p < GMA_REORDER_MAX_PATHS; p++)
			gma_reorder_set_path(f->reorder, p, false);
	}
	return 0;
}

static void reorder_paths_sync(struct dp_session *s)
{
	for (unsigned i = 0; i < s->cfg.n_flows; i++)
		for (unsigned p = 0; p < s->cfg.n_paths; p++)
			gma_reorder_set_path(s->st->flows[i].reorder, p, s->paths[p].up);
}

static void steer_build(struct dp_session *s)
{
	for (unsigned i = 0; i < s->cfg.n_flows; i++)
		s->steer_rc[i] = gma_steer_build(&s->cfg.flows[i].steer, s->up_mask, &s->steer[i]);
}

static bool tft_is_any(const struct gma_tft *t)
{
	return t->remote_mask == 0 && t->local_mask == 0 && t->remote_port_min == 0 &&
	       t->remote_port_max == 0xFFFF && t->local_port_min == 0 && t->local_port_max == 0xFFFF &&
	       t->proto == 0 && !t->dscp_match;
}

/* A new version of a session from cfg (validated here: the API is public). */
static int session_build(struct dp_ctx *dp, const struct dp_session_cfg *cfg,
			 struct dp_session_state *st, const struct dp_session *old,
			 struct dp_session **out)
{
	struct dp_session *s;
	int rc;

	if (cfg->n_paths == 0 || cfg->n_paths > DP_MAX_PATHS || cfg->n_flows == 0 ||
	    cfg->n_flows > DP_MAX_FLOWS || cfg->id == 0 ||
	    (unsigned)cfg->method >= GMA_METHOD_COUNT)
		return -EINVAL;
	s = rte_zmalloc("mamsgw_session", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	s->cfg = *cfg;
	s->st = st;
	s->owner = (uint16_t)(rte_hash_crc_4byte(cfg->id, 0) % dp->n_workers);
	for (unsigned i = 0; i < cfg->n_paths; i++) {
		const struct dp_path_cfg *pc = &cfg->paths[i];
		struct dp_path *p = &s->paths[i];
		const struct dp_port *port;

		if (pc->port >= dp->cfg.n_ports || dp->cfg.ports[pc->port].role != DP_PORT_ACCESS ||
		    pc->mtu < 68 || pc->client_ip == 0 || pc->client_port == 0) {
			rte_free(s);
			return -EINVAL;
		}
		port = &dp->ports[pc->port];
		p->port_id = port->port_id;
		p->port_idx = pc->port;
		p->conn_id = pc->conn_id;
		p->gw_ip = port->ipv4;
		p->client_ip = rte_cpu_to_be_32(pc->client_ip);
		p->gw_port = rte_cpu_to_be_16(pc->gw_port);
		p->client_port = rte_cpu_to_be_16(pc->client_port);
		p->mtu = pc->mtu;
		p->up = pc->up;
		p->src_mac = port->mac;
		p->dst_mac = port->next_hop;
		p->resolve = !port->nh_static;
		if (pc->up)
			s->up_mask |= 1u << i;
	}
	/* Flows with a template first, in the order given; match-anything
	 * flows last, so that a catch-all listed first does not shadow them. */
	unsigned nt = 0;
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < cfg->n_flows; i++) {
			if (tft_is_any(&cfg->flows[i].tft) != (pass == 1))
				continue;
			s->tft[nt] = cfg->flows[i].tft;
			s->tft[nt++].flow_id = cfg->flows[i].flow_id;
		}
	}
	steer_build(s);
	rc = dp_esp_build(dp, s, old);
	if (rc < 0) {
		rte_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Point every key of s at s; on failure nothing of s stays published. */
static int session_publish_keys(struct dp_ctx *dp, struct dp_session *s)
{
	rte_be32_t anchor = rte_cpu_to_be_32(s->cfg.anchor_ip);
	int rc;

	rc = rte_hash_add_key_data(dp->dl_hash, &anchor, s);
	for (unsigned i = 0; rc == 0 && i < s->cfg.n_paths; i++) {
		struct dp_ul_key k = ul_key(&s->paths[i]);

		rc = rte_hash_add_key_data(dp->ul_hash, &k, s);
	}
	for (unsigned i = 0; rc == 0 && i < s->cfg.n_paths; i++) {
		const struct dp_path *p = &s->paths[i];

		if (p->esp_in != NULL)
			rc = rte_hash_add_key_data(dp->esp_hash, &p->esp_in->spi, esp_ref(s, i));
		if (rc == 0 && p->esp_in_prev != NULL)
			rc = rte_hash_add_key_data(dp->esp_hash, &p->esp_in_prev->spi,
						   esp_ref(s, i | DP_ESP_PREV));
	}
	if (rc == 0)
		rc = rte_hash_add_key_data(dp->id_hash, &s->cfg.id, s);
	atomic_store_explicit(&dp->n_esp_in, (unsigned)rte_hash_count(dp->esp_hash),
			      memory_order_relaxed);
	return rc < 0 ? rc : 0;
}

/* Delete the keys of `old` that `keep` (may be NULL) does not use. */
static void session_unpublish_keys(struct dp_ctx *dp, const struct dp_session *old,
				   const struct dp_session *keep, int32_t *pos, unsigned *n_pos,
				   int32_t *ulpos, unsigned *n_ulpos, int32_t *espos,
				   unsigned *n_espos)
{
	rte_be32_t anchor = rte_cpu_to_be_32(old->cfg.anchor_ip);
	int32_t p;

	for (unsigned i = 0; i < 2u * old->cfg.n_paths; i++) {
		uint32_t spi = path_spi(&old->paths[i / 2], i % 2);
		bool kept = false;

		if (spi == 0)
			continue;
		for (unsigned j = 0; keep != NULL && j < 2u * keep->cfg.n_paths; j++)
			kept |= path_spi(&keep->paths[j / 2], j % 2) == spi;
		if (!kept) {
			p = rte_hash_del_key(dp->esp_hash, &spi);
			if (p >= 0)
				espos[(*n_espos)++] = p;
		}
	}
	atomic_store_explicit(&dp->n_esp_in, (unsigned)rte_hash_count(dp->esp_hash),
			      memory_order_relaxed);

	if (keep == NULL || keep->cfg.anchor_ip != old->cfg.anchor_ip) {
		p = rte_hash_del_key(dp->dl_hash, &anchor);
		if (p >= 0)
			pos[(*n_pos)++] = p;
	}
	for (unsigned i = 0; i < old->cfg.n_paths; i++) {
		struct dp_ul_key k = ul_key(&old->paths[i]);
		bool kept = false;

		for (unsigned j = 0; keep != NULL && j < keep->cfg.n_paths; j++) {
			struct dp_ul_key kk = ul_key(&keep->paths[j]);

			kept |= memcmp(&k, &kk, sizeof(k)) == 0;
		}
		if (!kept) {
			p = rte_hash_del_key(dp->ul_hash, &k);
			if (p >= 0)
				ulpos[(*n_ulpos)++] = p;
		}
	}
}

/* Keys a new version would take from another session. */
static int keys_conflict(struct dp_ctx *dp, const struct dp_session *s)
{
	rte_be32_t anchor = rte_cpu_to_be_32(s->cfg.anchor_ip);
	void *d;

	if (rte_hash_lookup_data(dp->dl_hash, &anchor, &d) >= 0 &&
	    ((struct dp_session *)d)->cfg.id != s->cfg.id)
		return -EEXIST;
	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		struct dp_ul_key k = ul_key(&s->paths[i]);

		for (unsigned j = 0; j < i; j++) {
			struct dp_ul_key kj = ul_key(&s->paths[j]);

			if (memcmp(&k, &kj, sizeof(k)) == 0)
				return -EINVAL;
		}
		if (rte_hash_lookup_data(dp->ul_hash, &k, &d) >= 0 &&
		    ((struct dp_session *)d)->cfg.id != s->cfg.id)
			return -EEXIST;
	}
	for (unsigned i = 0; i < 2u * s->cfg.n_paths; i++) {
		uint32_t spi = path_spi(&s->paths[i / 2], i % 2);

		if (spi == 0)
			continue;
		for (unsigned j = 0; j < i; j++)
			if (path_spi(&s->paths[j / 2], j % 2) == spi)
				return -EINVAL;
		if (rte_hash_lookup_data(dp->esp_hash, &spi, &d) >= 0 &&
		    ((struct dp_session *)((uintptr_t)d & ~(uintptr_t)15u))->cfg.id != s->cfg.id)
			return -EEXIST;
	}
	return 0;
}

/* Publish `s` in place of `old` (NULL for a new session), then reclaim. */
static int session_swap(struct dp_ctx *dp, struct dp_session *old, struct dp_session *s)
{
	int32_t pos[1], ulpos[DP_MAX_PATHS], espos[2 * DP_MAX_PATHS];
	unsigned n_pos = 0, n_ulpos = 0, n_espos = 0;
	int rc;

	rc = keys_conflict(dp, s);
	if (rc < 0)
		return rc;
	/* Remove old keys first so that the table never holds both versions'
	 * distinct keys beyond its size; kept keys are swapped in place. */
	if (old != NULL)
		session_unpublish_keys(dp, old, s, pos, &n_pos, ulpos, &n_ulpos, espos,
				       &n_espos);
	rc = session_publish_keys(dp, s);
	if (rc < 0 && old == NULL) {
		session_unpublish_keys(dp, s, NULL, pos, &n_pos, ulpos, &n_ulpos, espos,
				       &n_espos);
		rte_hash_del_key(dp->id_hash, &s->cfg.id);
	}
	grace_period(dp);
	for (unsigned i = 0; i < n_pos; i++)
		rte_hash_free_key_with_position(dp->dl_hash, pos[i]);
	for (unsigned i = 0; i < n_ulpos; i++)
		rte_hash_free_key_with_position(dp->ul_hash, ulpos[i]);
	for (unsigned i = 0; i < n_espos; i++)
		rte_hash_free_key_with_position(dp->esp_hash, espos[i]);
	if (old != NULL)
		version_free(old);
	return rc;
}

static int session_add(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	struct dp_session_state *st;
	struct dp_session *s;
	int rc;

	if (dp == NULL || cfg == NULL)
		return -EINVAL;
	if (session_find(dp, cfg->id) != NULL)
		return -EEXIST;
	/* The workers' pending lists and the retired ring are sized for it. */
	if ((uint32_t)rte_hash_count(dp->id_hash) >= dp->cfg.max_sessions)
		return -ENOSPC;
	st = rte_zmalloc("mamsgw_state", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (st == NULL)
		return -ENOMEM;
	rc = state_grow(dp, st, cfg->n_flows);
	if (rc == 0)
		rc = session_build(dp, cfg, st, NULL, &s);
	if (rc == 0)
		st->owner = s->owner;
	if (rc < 0) {
		state_free(st);
		return rc;
	}
	reorder_paths_sync(s);
	rc = session_swap(dp, NULL, s);
	if (rc < 0) {
		version_free(s);
		state_free(st);
		return rc;
	}
	if (cfg->ul_match_client)
		atomic_fetch_add_explicit(&dp->n_match_client, 1, memory_order_relaxed);
	return 0;
}

static int session_update(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	struct dp_session *old, *s;
	bool was_client;
	int rc;

	if (dp == NULL || cfg == NULL)
		return -EINVAL;
	old = session_find(dp, cfg->id);
	if (old == NULL)
		return -ENOENT;
	was_client = old->cfg.ul_match_client;
	rc = state_grow(dp, old->st, cfg->n_flows);
	if (rc == 0)
		rc = session_build(dp, cfg, old->st, old, &s);
	if (rc < 0)
		return rc;
	s->owner = old->owner; /* the state stays with its worker */
	rc = session_swap(dp, old, s);
	if (rc < 0) {
		version_free(s);
		return rc;
	}
	if (cfg->ul_match_client && !was_client)
		atomic_fetch_add_explicit(&dp->n_match_client, 1, memory_order_relaxed);
	else if (!cfg->ul_match_client && was_client)
		atomic_fetch_sub_explicit(&dp->n_match_client, 1, memory_order_relaxed);
	/* Window path states are the owner's; they only narrow the early
	 * release rule, so a brief race with the owner is benign. */
	reorder_paths_sync(s);
	return 0;
}

static int flow_steer(struct dp_ctx *dp, uint32_t session_id, uint8_t flow_id,
		      const struct gma_steer_cfg *steer)
{
	struct dp_session *old = session_find(dp, session_id);
	struct dp_session_cfg cfg;
	struct gma_steer probe;

	if (old == NULL)
		return -ENOENT;
	if (steer == NULL || gma_steer_build(steer, 0xFFu, &probe) < 0)
		return -EINVAL;
	cfg = old->cfg;
	for (unsigned i = 0; i < cfg.n_flows; i++) {
		if (cfg.flows[i].flow_id != flow_id)
			continue;
		for (unsigned j = 0; j < steer->n; j++)
			if (steer->path[j] >= cfg.n_paths)
				return -EINVAL;
		cfg.flows[i].steer = *steer;
		return session_update(dp, &cfg);
	}
	return -ENOENT;
}

static int path_set(struct dp_ctx *dp, uint32_t session_id, uint8_t conn_id, bool up,
		    uint16_t mtu)
{
	struct dp_session *old = session_find(dp, session_id);
	struct dp_session_cfg cfg;

	if (old == NULL)
		return -ENOENT;
	cfg = old->cfg;
	for (unsigned i = 0; i < cfg.n_paths; i++) {
		if (cfg.paths[i].conn_id != conn_id)
			continue;
		cfg.paths[i].up = up;
		if (mtu != 0)
			cfg.paths[i].mtu = mtu;
		return session_update(dp, &cfg);
	}
	return -ENOENT;
}

static int session_remove(struct dp_ctx *dp, uint32_t session_id)
{
	struct dp_session *s = session_find(dp, session_id);
	int32_t pos[1], ulpos[DP_MAX_PATHS], espos[2 * DP_MAX_PATHS];
	unsigned n_pos = 0, n_ulpos = 0, n_espos = 0;
	struct dp_session_state *st;

	if (s == NULL)
		return -ENOENT;
	st = s->st;
	if (s->cfg.ul_match_client)
		atomic_fetch_sub_explicit(&dp->n_match_client, 1, memory_order_relaxed);
	session_unpublish_keys(dp, s, NULL, pos, &n_pos, ulpos, &n_ulpos, espos, &n_espos);
	rte_hash_del_key(dp->id_hash, &session_id);
	grace_period(dp);
	for (unsigned i = 0; i < n_pos; i++)
		rte_hash_free_key_with_position(dp->dl_hash, pos[i]);
	for (unsigned i = 0; i < n_ulpos; i++)
		rte_hash_free_key_with_position(dp->ul_hash, ulpos[i]);
	for (unsigned i = 0; i < n_espos; i++)
		rte_hash_free_key_with_position(dp->esp_hash, espos[i]);
	version_free(s);
	/* No worker can find the session any more, but its owner may still
	 * hold packets in its windows and list its flows as pending: the owner
	 * delivers what it holds and hands the state back (dp_ctl_reclaim). */
	if (!dp->workers_running) {
		state_free(st);
		return 0;
	}
	struct dp_msg *m;

	while (rte_mempool_get(dp->msg_pool, (void **)&m) != 0)
		rte_pause(); /* owners return messages every loop */
	m->type = DP_MSG_RETIRE;
	m->st = st;
	while (rte_ring_enqueue(dp->workers[st->owner]->ctrl, m) != 0)
		rte_pause(); /* the owner drains its ring every loop */
	return 0;
}

/* Free the states the owners have handed back; returns how many. */
unsigned dp_ctl_reclaim(struct dp_ctx *dp)
{
	void *st;
	unsigned n = 0;

	while (dp->retired != NULL && rte_ring_dequeue(dp->retired, &st) == 0) {
		state_free(st);
		n++;
	}
	return n;
}

/*
 * Endpoints the owners learnt by client match (dp_ul_rebound): republish
 * each session with its path's new client address and port, so that the
 * next uplink PDUs match by tuple again and downlink goes there.  A notice
 * is ignored when its session is gone or was replaced (another state), no
 * longer matches by client, or the path already has that endpoint.
 */
unsigned dp_ctl_rebinds(struct dp_ctx *dp)
{
	struct dp_rebind n;
	unsigned count = 0;

	while (dp->rebind != NULL && count < 64 &&
	       rte_ring_dequeue_elem(dp->rebind, &n, sizeof(n)) == 0) {
		struct dp_session *s = session_find(dp, n.session_id);
		struct dp_session_cfg cfg;
		struct dp_path_cfg *pc;

		count++;
		/* Learnt by client match, or from an authenticated ESP packet. */
		if (s == NULL || s->st != n.st || n.path >= s->cfg.n_paths ||
		    !(s->cfg.ul_match_client || s->paths[n.path].esp_in != NULL) ||
		    n.path >= s->cfg.n_paths || s->cfg.paths[n.path].conn_id != n.conn_id ||
		    (s->paths[n.path].client_ip == n.client_ip &&
		     s->paths[n.path].client_port == n.client_port)) {
			dp->rebinds_stale++;
			continue;
		}
		cfg = s->cfg;
		pc = &cfg.paths[n.path];
		pc->client_ip = rte_be_to_cpu_32(n.client_ip);
		pc->client_port = rte_be_to_cpu_16(n.client_port);
		if (session_update(dp, &cfg) == 0)
			dp->rebinds_applied++;
		else
			dp->rebinds_refused++; /* e.g. another path has that endpoint */
	}
	return count;
}

/* ---- The public API: one caller at a time ---------------------------------- */

#define LOCKED_RETURN(dp, call)                                                            \
	do {                                                                               \
		int rc_;                                                                   \
		if ((dp) == NULL)                                                          \
			return -EINVAL;                                                    \
		pthread_mutex_lock(&(dp)->ctl_lock);                                       \
		rc_ = (call);                                                              \
		pthread_mutex_unlock(&(dp)->ctl_lock);                                     \
		return rc_;                                                                \
	} while (0)

int dp_session_add(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	LOCKED_RETURN(dp, session_add(dp, cfg));
}

int dp_session_update(struct dp_ctx *dp, const struct dp_session_cfg *cfg)
{
	LOCKED_RETURN(dp, session_update(dp, cfg));
}

int dp_session_remove(struct dp_ctx *dp, uint32_t session_id)
{
	LOCKED_RETURN(dp, session_remove(dp, session_id));
}

int dp_flow_steer(struct dp_ctx *dp, uint32_t session_id, uint8_t flow_id,
		  const struct gma_steer_cfg *steer)
{
	LOCKED_RETURN(dp, flow_steer(dp, session_id, flow_id, steer));
}

int dp_path_set(struct dp_ctx *dp, uint32_t session_id, uint8_t conn_id, bool up, uint16_t mtu)
{
	LOCKED_RETURN(dp, path_set(dp, session_id, conn_id, up, mtu));
}

/*
 * Readers.  Counters are written by their owner worker without atomics;
 * aligned 64-bit loads never tear on the platforms DPDK supports, and a
 * reader may see a value one packet old.  Session memory cannot go away
 * meanwhile: only a locked API call frees it.
 */
static int session_stats(struct dp_ctx *dp, uint32_t id, struct dp_session_stats *out)
{
	const struct dp_session *s = session_find(dp, id);

	if (s == NULL)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->owner = s->owner;
	out->dl_pkts = s->st->dl_pkts;
	out->dl_bytes = s->st->dl_bytes;
	out->ul_pkts = s->st->ul_pkts;
	out->ul_bytes = s->st->ul_bytes;
	out->n_drops = DP_DROP_MAX;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		out->drops[r] = s->st->drops[r];
	out->n_paths = s->cfg.n_paths;
	for (unsigned i = 0; i < s->cfg.n_paths; i++) {
		const struct dp_path_state *ps = &s->st->paths[i];
		struct dp_path_stats *o = &out->paths[i];

		o->conn_id = s->paths[i].conn_id;
		o->up = s->paths[i].up;
		o->mtu = s->paths[i].mtu;
		o->tx_pkts = ps->tx_pkts;
		o->tx_bytes = ps->tx_bytes;
		o->rx_pkts = ps->rx_pkts;
		o->rx_bytes = ps->rx_bytes;
		o->lost = ps->dsn_lost;
		o->owd_jitter_ms = ps->owd_jitter_ms / 16u;
		o->rtt_us = ps->srtt_us;
		o->probes_sent = ps->probes_sent;
		o->probe_acks = ps->probe_acks;
		o->keepalives = ps->keepalives;
		o->probes = ps->probes;
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			o->drops[r] = ps->drops[r];
		o->client_ip = rte_be_to_cpu_32(s->paths[i].client_ip);
		o->client_port = rte_be_to_cpu_16(s->paths[i].client_port);
		o->ul_rebound = ps->ul_rebound;
		o->esp_spi_out = s->paths[i].esp_out != NULL ? s->paths[i].esp_out->spi : 0;
		o->esp_spi_in = path_spi(&s->paths[i], 0);
		o->esp_spi_in_prev = path_spi(&s->paths[i], 1);
	}
	out->n_flows = s->cfg.n_flows;
	for (unsigned i = 0; i < s->cfg.n_flows; i++) {
		const struct dp_flow_state *fs = &s->st->flows[i];
		const struct gma_reorder_stats *r = gma_reorder_stats(fs->reorder);
		const struct gma_reasm_stats *a = gma_reasm_stats(fs->reasm);
		struct dp_flow_stats *o = &out->flows[i];

		o->flow_id = s->cfg.flows[i].flow_id;
		o->in_order = r->in_order;
		o->reordered = r->reordered;
		o->late = r->late;
		o->duplicate = r->duplicate;
		o->timed_out = r->timed_out;
		o->early = r->early;
		o->overflow = r->overflow;
		o->stale = r->stale;
		o->held = gma_reorder_held(fs->reorder);
		o->frag_completed = a->completed;
		o->frag_lost = a->lost_timeout;
	}
	return 0;
}

int dp_session_stats_read(struct dp_ctx *dp, uint32_t session_id, struct dp_session_stats *out)
{
	if (out == NULL)
		return -EINVAL;
	LOCKED_RETURN(dp, session_stats(dp, session_id, out));
}

static int sessions_list(struct dp_ctx *dp, uint32_t *ids, unsigned max, unsigned *total)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	unsigned n = 0;

	while (rte_hash_iterate(dp->id_hash, &key, &data, &it) >= 0) {
		if (n < max)
			ids[n] = ((const struct dp_session *)data)->cfg.id;
		n++;
	}
	*total = n;
	return 0;
}

int dp_sessions_list(struct dp_ctx *dp, uint32_t *ids, unsigned max, unsigned *total)
{
	if (total == NULL || (ids == NULL && max > 0))
		return -EINVAL;
	LOCKED_RETURN(dp, sessions_list(dp, ids, max, total));
}

int dp_stats_read(struct dp_ctx *dp, struct dp_stats *out)
{
	struct dp_worker_stats t;

	if (dp == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	dp_stats_sum(dp, &t);
	out->n_ports = dp->cfg.n_ports;
	for (unsigned p = 0; p < dp->cfg.n_ports; p++) {
		snprintf(out->ports[p].name, sizeof(out->ports[p].name), "%s", dp->cfg.ports[p].name);
		out->ports[p].rx_pkts = t.rx_pkts[p];
		out->ports[p].rx_bytes = t.rx_bytes[p];
		out->ports[p].tx_pkts = t.tx_pkts[p];
		out->ports[p].tx_bytes = t.tx_bytes[p];
		memcpy(out->ports[p].mac, dp->ports[p].mac.addr_bytes, sizeof(out->ports[p].mac));
	}
	out->n_workers = dp->n_workers;
	for (unsigned w = 0; w < dp->n_workers; w++) {
		const struct dp_worker_stats *ws = &dp->workers[w]->stats;
		struct dp_worker_counters *o = &out->workers[w];

		for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
			o->rx_pkts += ws->rx_pkts[p];
			o->tx_pkts += ws->tx_pkts[p];
		}
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			o->drops += ws->drops[r];
		o->handoff_out = ws->handoff_out;
		o->handoff_in = ws->handoff_in;
		o->loops = ws->loops;
		o->rebind_notices = ws->rebind_notices;
		o->rebind_ring_full = ws->rebind_ring_full;
	}
	out->rebind_notices = t.rebind_notices;
	out->rebind_ring_full = t.rebind_ring_full;
	out->n_drops = DP_DROP_MAX;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		out->drops[r] = t.drops[r];
	for (unsigned p = 0; p < dp->cfg.n_ports; p++)
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			out->port_drops[p][r] = t.port_drops[p][r];
	pthread_mutex_lock(&dp->ctl_lock);
	out->n_sessions = (uint32_t)rte_hash_count(dp->id_hash);
	out->rebinds_applied = dp->rebinds_applied;
	out->rebinds_refused = dp->rebinds_refused;
	out->rebinds_stale = dp->rebinds_stale;
	pthread_mutex_unlock(&dp->ctl_lock);
	return 0;
}

const char *dp_drop_reason_name(unsigned i)
{
	return dp_drop_name(i);
}

int dp_install_static_sessions(struct dp_ctx *dp, char *err, size_t errlen)
{
	for (unsigned i = 0; i < dp->cfg.n_sessions; i++) {
		int rc = dp_session_add(dp, &dp->cfg.sessions[i]);

		if (rc < 0) {
			snprintf(err, errlen, "sessions[%u] (id %u): %s", i, dp->cfg.sessions[i].id,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void dp_tables_free(struct dp_ctx *dp)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (dp->id_hash != NULL && rte_hash_iterate(dp->id_hash, &key, &data, &it) >= 0) {
		struct dp_session *s = data;

		state_free(s->st);
		version_free(s);
	}
	rte_hash_free(dp->dl_hash);
	rte_hash_free(dp->esp_hash);
	dp_esp_workers_free(dp);
	rte_hash_free(dp->ul_hash);
	rte_hash_free(dp->id_hash);
	dp_neigh_free(dp);
	dp_ctl_reclaim(dp);
	rte_ring_free(dp->retired);
	rte_ring_free(dp->rebind);
	rte_mempool_free(dp->msg_pool);
	rte_free(dp->rcu);
}
