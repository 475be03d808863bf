/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-process test bed of the live data-plane tests (ring_world.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "ring_world.h"

void rw_eal_up(const char *prog, const char *lcores)
{
	/* A prefix of our own: the telemetry socket lives in the runtime
	 * directory, and another DPDK process must not answer our queries. */
	char prefix[48], lc[64], name[64];
	char *argv[] = {name, "--no-huge", "--no-shconf", "--no-pci", "-m", "512", "--lcores", lc,
			"--log-level=2", prefix, NULL};

	snprintf(name, sizeof(name), "%s", prog);
	snprintf(lc, sizeof(lc), "%s", lcores);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mamsgw-test-%d", (int)getpid());
	cr_assert_geq(rte_eal_init(10, argv), 0, "EAL init: %s", rte_strerror(rte_errno));
}

void rw_eal_down(void)
{
	char dir[256], sock[300];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* The telemetry socket is only unlinked at exit: do it now. */
	snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", dir);
	unlink(sock);
	rmdir(dir);
}

void rw_port_make(struct rport *p, const char *name, unsigned nq, unsigned ring_size)
{
	int rc;

	cr_assert(nq >= 1 && nq <= RW_MAX_QUEUES);
	rc = rb_port_make(p, name, nq, ring_size);
	cr_assert_eq(rc, 0, "ring port %s: %s", name, rte_strerror(-rc));
}

void rw_world_up(const char *prog, const char *lcores, unsigned nq, unsigned ring_size,
		 struct rport *wifi, struct rport *lte, struct rport *core)
{
	rw_eal_up(prog, lcores);
	rw_port_make(wifi, "wifi", nq, ring_size);
	rw_port_make(lte, "lte", nq, ring_size);
	rw_port_make(core, "core", nq, ring_size);
}

struct rte_mempool *rw_pool(unsigned n, unsigned cache)
{
	struct rte_mempool *mp =
		rte_pktmbuf_pool_create("test_pool", n, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);

	cr_assert_not_null(mp, "test_pool: %s", rte_strerror(rte_errno));
	return mp;
}

struct dp_ctx *rw_dp_create(const struct dp_config *c)
{
	char err[256];
	struct dp_ctx *dp = dp_create(c, err, sizeof(err));

	cr_assert_not_null(dp, "dp_create: %s", err);
	return dp;
}

void rw_world_down(struct dp_ctx *dp, struct rte_mempool *mp)
{
	dp_destroy(dp);
	rte_mempool_free(mp);
	rw_eal_down();
}

void rw_config(struct dp_config *c, const struct rport *wifi, const struct rport *lte,
	       const struct rport *core)
{
	rb_config(c, wifi->dev, lte->dev, core->dev);
	c->arp_gratuitous = false; /* the rings hold only the tests' traffic */
	c->n_sessions = 1;
	rb_session(&c->sessions[0], 0, GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID);
}

/* ---- Frames ------------------------------------------------------------------- */

static struct rte_mbuf *eth_frame(struct rte_mempool *mp, uint16_t len, uint8_t **p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	cr_assert_not_null(m, "test pool empty");
	*p = (uint8_t *)rte_pktmbuf_append(m, len);
	cr_assert_not_null(*p);
	memset(*p, 0, len);
	(*p)[12] = 0x08; /* IPv4 */
	return m;
}

struct rte_mbuf *rw_dl_frame(struct rte_mempool *mp, uint32_t server, uint16_t sport,
			     uint32_t anchor, uint32_t seq)
{
	uint8_t *p;
	struct rte_mbuf *m = eth_frame(mp, 14 + 28 + RW_PAYLOAD, &p);

	rb_ipv4_udp(p + 14, 28 + RW_PAYLOAD, server, anchor, sport, 4001);
	memcpy(p + 14 + 28, &seq, sizeof(seq));
	return m;
}

struct rte_mbuf *rw_ul_frame(struct rte_mempool *mp, const struct rw_ul *u, uint32_t seq)
{
	uint8_t sdu[28 + RW_PAYLOAD], *p;
	uint8_t pdu[28 + RW_PAYLOAD + GMA_OVERHEAD_MAX];
	struct rte_mbuf *m;
	int n;

	memset(sdu, 0, sizeof(sdu));
	rb_ipv4_udp(sdu, sizeof(sdu), u->anchor ? u->anchor : ANCHOR, RW_SERVER,
		 u->sport ? u->sport : 4001, 4000);
	memcpy(sdu + 28, &seq, sizeof(seq));
	n = gma_encode(u->method, &u->f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0, "gma_encode: %s", gma_strerror(n));
	m = eth_frame(mp, (uint16_t)(14 + 28 + n), &p);
	rb_ipv4_udp(p + 14, (uint16_t)(28 + n), u->client_ip, u->gw_ip, u->client_port,
		 u->gw_port ? u->gw_port : 10020);
	memcpy(p + 14 + 28, pdu, (size_t)n);
	return m;
}

uint32_t rw_core_seq(const struct rte_mbuf *m)
{
	uint32_t seq;

	cr_assert_geq(rte_pktmbuf_data_len(m), 14 + 28 + sizeof(seq));
	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *, 14 + 28), sizeof(seq));
	return seq;
}

uint32_t rw_dl_seq(const struct rte_mbuf *m, enum gma_method meth, struct gma_pdu *d,
		   uint16_t *dport, uint16_t *sport)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const uint8_t *udp;
	uint32_t seq;

	cr_assert_gt(len, 42);
	cr_assert_eq(gma_decode(meth, f + 42, (size_t)(len - 42), d), 0, "not a GMA PDU");
	if (dport != NULL)
		*dport = (uint16_t)(f[14 + 20 + 2] << 8 | f[14 + 20 + 3]);
	/* The SDU's UDP header: the IP methods' data starts after the IPv4
	 * header (and GMA header), non-IP's with the inner IPv4 header. */
	cr_assert_geq(d->data_len, (meth == GMA_METHOD_NONIP ? 20u : 0u) + 8u + sizeof(seq));
	udp = f + 42 + d->data_off + (meth == GMA_METHOD_NONIP ? 20 : 0);
	if (sport != NULL)
		*sport = (uint16_t)(udp[0] << 8 | udp[1]);
	memcpy(&seq, udp + 8, sizeof(seq));
	return seq;
}
