/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creating, starting, stopping and destroying a data plane: the library API
 * that main() and the in-process tests use (dp.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"

static int workers_create(struct dp_ctx *dp, char *err, size_t errlen)
{
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker *w;
		char name[RTE_RING_NAMESIZE];

		if (i == dp->n_workers)
			break;
		w = rte_zmalloc_socket("mamsgw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			goto nomem;
		dp->workers[i] = w;
		w->dp = dp;
		w->idx = i;
		w->lcore = lcore;
		w->txq = (uint16_t)i;
		snprintf(name, sizeof(name), "mamsgw_ho%u", i);
		w->handoff = rte_ring_create(name, dp->cfg.handoff_ring, (int)rte_lcore_to_socket_id(lcore),
					     RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "mamsgw_ctl%u", i);
		w->ctrl = rte_ring_create(name, dp->cfg.ctrl_ring, (int)rte_lcore_to_socket_id(lcore),
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
		w->pending = rte_zmalloc("mamsgw_pending",
					 sizeof(*w->pending) * dp->cfg.max_sessions * DP_MAX_FLOWS, 0);
		w->arp_wait = rte_zmalloc("mamsgw_arp_wait", sizeof(*w->arp_wait) * DP_ARP_WAIT_SLOTS,
					  RTE_CACHE_LINE_SIZE);
		if (w->handoff == NULL || w->ctrl == NULL || w->pending == NULL ||
		    w->arp_wait == NULL)
			goto nomem;
		for (unsigned k = 0; k < DP_ARP_WAIT_SLOTS; k++)
			w->arp_wait[k].key.port_idx = UINT32_MAX; /* free */
		i++;
	}
	return 0;
nomem:
	snprintf(err, errlen, "dataplane: cannot allocate worker %u (memory: EAL -m)", i);
	return -1;
}

static void workers_free(struct dp_ctx *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = dp->workers[i];

		if (w == NULL)
			continue;
		rte_ring_free(w->handoff);
		rte_ring_free(w->ctrl);
		rte_free(w->pending);
		rte_free(w->arp_wait);
		rte_free(w);
	}
}


struct dp_ctx *dp_create(const struct dp_config *cfg, char *err, size_t errlen)
{
	struct dp_ctx *dp = calloc(1, sizeof(*dp));
	int rc;

	if (dp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	dp->cfg = *cfg;
	pthread_mutex_init(&dp->ctl_lock, NULL);
	dp->n_workers = dp->cfg.workers;
	if (dp->n_workers == 0 || dp->n_workers > DP_MAX_WORKERS ||
	    dp->n_workers > rte_lcore_count() - 1) {
		snprintf(err, errlen, "dataplane.workers: %u workers need %u lcores (EAL -l), %u given",
			 dp->n_workers, dp->n_workers + 1, rte_lcore_count());
		goto fail;
	}
	dp->tsc_per_ms = rte_get_tsc_hz() / 1000;
	dp->pool = rte_pktmbuf_pool_create("mamsgw_mbufs", dp->cfg.mbufs, dp->cfg.mbuf_cache, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (dp->pool == NULL) {
		snprintf(err, errlen, "dataplane.mbufs: cannot create a pool of %u mbufs: %s",
			 dp->cfg.mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	if (workers_create(dp, err, errlen) < 0 || dp_ports_init(dp, err, errlen) < 0)
		goto fail;
	rc = dp_tables_init(dp);
	if (rc < 0) {
		snprintf(err, errlen, "tables: %s", rte_strerror(-rc));
		goto fail;
	}
	if (dp_install_static_sessions(dp, err, errlen) < 0)
		goto fail;
	return dp;
fail:
	dp_destroy(dp);
	return NULL;
}

int dp_start(struct dp_ctx *dp)
{
	for (unsigned i = 0; i < dp->n_workers; i++) {
		int rc = rte_eal_remote_launch(dp_worker_main, dp->workers[i], dp->workers[i]->lcore);

		if (rc != 0)
			return rc;
	}
	dp->workers_running = true;
	return 0;
}

void dp_stop(struct dp_ctx *dp)
{
	if (!dp->workers_running)
		return;
	atomic_store(&dp->quit, true);
	for (unsigned i = 0; i < dp->n_workers; i++)
		rte_eal_wait_lcore(dp->workers[i]->lcore);
	dp->workers_running = false;
}

void dp_destroy(struct dp_ctx *dp)
{
	if (dp == NULL)
		return;
	dp_stop(dp);
	dp_msgs_release(dp); /* messages the stopped workers did not read */
	dp_tables_free(dp);
	dp_ports_close(dp);
	workers_free(dp);
	rte_mempool_free(dp->pool);
	pthread_mutex_destroy(&dp->ctl_lock);
	free(dp);
}
