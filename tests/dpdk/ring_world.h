/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process test bed shared by the live data-plane tests: EAL with a
 * runtime directory of the test's own, ring-PMD ports the test feeds and
 * drains directly, and the standard configuration (three ports, one session
 * with two paths).
 */
#ifndef RING_WORLD_H
#define RING_WORLD_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp_config.h"

/* RTE_IPV4() shifts a signed int: undefined for addresses >= 128.0.0.0. */
#define IP4(a, b, c, d)                                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define ANCHOR IP4(10, 8, 0, 2)
#define RW_MAX_QUEUES 2u

struct rport {
	struct rte_ring *rxq[RW_MAX_QUEUES], *txq[RW_MAX_QUEUES];
	struct rte_ring *rx, *tx;       /* queue 0 */
	uint16_t port_id;
	char dev[RTE_ETH_NAME_MAX_LEN]; /* the name DPDK gave the port */
};

/* EAL on `lcores` (an --lcores map) with --file-prefix=mamsgw-test-<pid>. */
void rw_eal_up(const char *prog, const char *lcores);
/* rte_eal_cleanup() and removal of the runtime directory EAL leaves. */
void rw_eal_down(void);

/* A ring port named `name` with nq (1..RW_MAX_QUEUES) queues of ring_size. */
void rw_port_make(struct rport *p, const char *name, unsigned nq, unsigned ring_size);

/*
 * Ports wifi, lte (access, GMA port 10020) and core; one session (id 1,
 * anchor ANCHOR, trailer, Flow SN + Delivery SN + Flow ID downlink) with
 * path 0 on wifi (192.0.2.10:5000) and path 1 on lte (198.51.100.10:5000),
 * and flow 0 split 1:1.  One worker, 8191 mbufs.
 */
void rw_config(struct dp_config *c, const struct rport *wifi, const struct rport *lte,
	       const struct rport *core);

#endif /* RING_WORLD_H */
