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
#include "gma_wire.h"
#include "ring_bed.h" /* struct rport, IP4(), ANCHOR: shared with mamsgw-bench */

#define RW_MAX_QUEUES RB_MAX_QUEUES

/* EAL on `lcores` (an --lcores map) with --file-prefix=mamsgw-test-<pid>. */
void rw_eal_up(const char *prog, const char *lcores);
/* rte_eal_cleanup() and removal of the runtime directory EAL leaves. */
void rw_eal_down(void);

/* A ring port named `name` with nq (1..RW_MAX_QUEUES) queues of ring_size. */
void rw_port_make(struct rport *p, const char *name, unsigned nq, unsigned ring_size);

/* rw_eal_up(), then ports wifi, lte and core, each rw_port_make(nq, ring_size). */
void rw_world_up(const char *prog, const char *lcores, unsigned nq, unsigned ring_size,
		 struct rport *wifi, struct rport *lte, struct rport *core);
/* The tests' mbuf pool "test_pool": n mbufs, a per-lcore cache of `cache` (asserted). */
struct rte_mempool *rw_pool(unsigned n, unsigned cache);
struct dp_ctx;
/* dp_create(c), asserted (the message is dp_create()'s error). */
struct dp_ctx *rw_dp_create(const struct dp_config *c);
/* dp_destroy(dp), rte_mempool_free(mp), rw_eal_down(). */
void rw_world_down(struct dp_ctx *dp, struct rte_mempool *mp);

/*
 * Ports wifi, lte (access, GMA port 10020) and core; one session (id 1,
 * anchor ANCHOR, trailer, Flow SN + Delivery SN + Flow ID downlink) with
 * path 0 on wifi (192.0.2.10:5000) and path 1 on lte (198.51.100.10:5000),
 * and flow 0 split 1:1.  One worker, 8191 mbufs.
 */
void rw_config(struct dp_config *c, const struct rport *wifi, const struct rport *lte,
	       const struct rport *core);

/* ---- Frames of the live tests ------------------------------------------------ */

#define RW_SERVER IP4(203, 0, 113, 50)
#define RW_PAYLOAD 64u

/*
 * Downlink: server:sport -> anchor:4001, UDP with RW_PAYLOAD bytes whose
 * first four are seq (host order), as the core port receives it.
 */
struct rte_mbuf *rw_dl_frame(struct rte_mempool *mp, uint32_t server, uint16_t sport,
			     uint32_t anchor, uint32_t seq);

/* Uplink: a GMA PDU carrying anchor:sport -> RW_SERVER:4000 (payload seq). */
struct rw_ul {
	enum gma_method method;
	struct gma_fields f;    /* GMA fields of the PDU */
	uint32_t client_ip;     /* outer source, host order */
	uint16_t client_port;
	uint32_t gw_ip;         /* outer destination: the access port's address */
	uint16_t gw_port;       /* 0: 10020 */
	uint32_t anchor;        /* inner source; 0: ANCHOR */
	uint16_t sport;         /* inner UDP source port; 0: 4001 */
};
struct rte_mbuf *rw_ul_frame(struct rte_mempool *mp, const struct rw_ul *u, uint32_t seq);

/* The seq of an uplink SDU the core port sent. */
uint32_t rw_core_seq(const struct rte_mbuf *m);

/*
 * A downlink frame an access port sent: decodes its GMA PDU (asserts) and
 * returns the seq of the SDU; *dport (may be NULL) gets the outer UDP
 * destination port, *sport the SDU's UDP source port (the server's).
 */
uint32_t rw_dl_seq(const struct rte_mbuf *m, enum gma_method meth, struct gma_pdu *d,
		   uint16_t *dport, uint16_t *sport);

#endif /* RING_WORLD_H */
