/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ring-port bed shared by mamsgw-bench (tools/dp_bench.c) and the
 * in-process DPDK tests (tests/dpdk/ring_world.c): ring-PMD ports the
 * caller feeds and drains directly, the three-port configuration, the
 * two-path session and the IPv4/UDP headers of their frames.  Errors are
 * returned, not asserted: the tests assert, the benchmark dies.  Nothing
 * here runs on the packet path (frames are built outside the clock).
 */
#ifndef RING_BED_H
#define RING_BED_H

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp_config.h"

/* RTE_IPV4() shifts a signed int: undefined for addresses >= 128.0.0.0. */
#define IP4(a, b, c, d)                                                                    \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define ANCHOR IP4(10, 8, 0, 2)
#define RB_MAX_QUEUES 2u

struct rport {
	struct rte_ring *rxq[RB_MAX_QUEUES], *txq[RB_MAX_QUEUES];
	struct rte_ring *rx, *tx;       /* queue 0 */
	uint16_t port_id;
	char dev[RTE_ETH_NAME_MAX_LEN]; /* the name DPDK gave the port */
};

/*
 * A ring port named `name` with nq (1..RB_MAX_QUEUES) queues whose rings
 * (<name>_rx<q>, <name>_tx<q>) hold ring_size entries.  0 or -errno.
 */
int rb_port_make(struct rport *p, const char *name, unsigned nq, unsigned ring_size);

/*
 * dp_config_defaults(), one worker, 8191 mbufs and three ports: wifi
 * (192.0.2.1) and lte (198.51.100.1), access on GMA port 10020, and core
 * (203.0.113.1), each with next hop 02:00:00:00:09:09.  No sessions.
 */
void rb_config(struct dp_config *c, const char *wifi_dev, const char *lte_dev,
	       const char *core_dev);

/*
 * Session k: id k + 1, anchor ANCHOR + k, trailer with downlink flags
 * dl_flags, fragmentation on; path 0 on wifi (192.0.2.10) and path 1 on lte
 * (198.51.100.10), client UDP port 5000 + k, MTU 1500; flow 0 split 1:1.
 */
void rb_session(struct dp_session_cfg *s, unsigned k, uint16_t dl_flags);

/* IPv4 (TTL 64, checksum) + UDP headers at p for a packet of `total` bytes. */
void rb_ipv4_udp(uint8_t *p, uint16_t total, uint32_t src, uint32_t dst, uint16_t sport,
		 uint16_t dport);

#endif /* RING_BED_H */
