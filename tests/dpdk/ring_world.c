/* SPDX-License-Identifier: BSD-3-Clause */
/* The in-process test bed of the live data-plane tests (ring_world.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

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
	char rn[32];
	int id;

	cr_assert(nq >= 1 && nq <= RW_MAX_QUEUES);
	memset(p, 0, sizeof(*p));
	for (unsigned q = 0; q < nq; q++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, q);
		p->rxq[q] = rte_ring_create(rn, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, q);
		p->txq[q] = rte_ring_create(rn, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		cr_assert(p->rxq[q] != NULL && p->txq[q] != NULL, "rings of %s", name);
	}
	p->rx = p->rxq[0];
	p->tx = p->txq[0];
	id = rte_eth_from_rings(name, p->rxq, nq, p->txq, nq, 0);
	cr_assert_geq(id, 0, "ring port %s", name);
	p->port_id = (uint16_t)id;
	cr_assert_eq(rte_eth_dev_get_name_by_port(p->port_id, p->dev), 0);
}

static void port_cfg(struct dp_port_cfg *pc, const char *name, const char *dev,
		     enum dp_port_role role, uint32_t ip)
{
	static const uint8_t hop[6] = {2, 0, 0, 0, 9, 9};

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->device, sizeof(pc->device), "%s", dev);
	pc->role = role;
	pc->ipv4 = ip;
	memcpy(pc->next_hop_mac, hop, 6);
	if (role == DP_PORT_ACCESS) {
		pc->n_gma_ports = 1;
		pc->gma_ports[0] = 10020;
	}
}

void rw_config(struct dp_config *c, const struct rport *wifi, const struct rport *lte,
	       const struct rport *core)
{
	struct dp_session_cfg *s = &c->sessions[0];

	dp_config_defaults(c);
	c->arp_gratuitous = false; /* the rings hold only the tests' traffic */
	c->workers = 1;
	c->mbufs = 8191;
	c->n_ports = 3;
	port_cfg(&c->ports[0], "wifi", wifi->dev, DP_PORT_ACCESS, IP4(192, 0, 2, 1));
	port_cfg(&c->ports[1], "lte", lte->dev, DP_PORT_ACCESS, IP4(198, 51, 100, 1));
	port_cfg(&c->ports[2], "core", core->dev, DP_PORT_CORE, IP4(203, 0, 113, 1));
	c->n_sessions = 1;
	memset(s, 0, sizeof(*s));
	s->id = 1;
	s->anchor_ip = ANCHOR;
	s->method = GMA_METHOD_TRAILER;
	s->dl_flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID;
	s->fragment = true;
	s->n_paths = 2;
	for (unsigned i = 0; i < 2; i++) {
		s->paths[i].conn_id = (uint8_t)i;
		s->paths[i].port = (uint8_t)i;
		s->paths[i].client_ip = i == 0 ? IP4(192, 0, 2, 10) : IP4(198, 51, 100, 10);
		s->paths[i].client_port = 5000;
		s->paths[i].gw_port = 10020;
		s->paths[i].mtu = 1500;
		s->paths[i].up = true;
	}
	s->n_flows = 1;
	gma_tft_any(&s->flows[0].tft, 0);
	s->flows[0].steer.mode = GMA_STEER_SPLIT;
	s->flows[0].steer.n = 2;
	s->flows[0].steer.path[0] = 0;
	s->flows[0].steer.path[1] = 1;
	s->flows[0].steer.weight[0] = 1;
	s->flows[0].steer.weight[1] = 1;
}

/* ---- Frames ------------------------------------------------------------------- */

static void ipv4_udp(uint8_t *p, uint16_t total, uint32_t src, uint32_t dst, uint16_t sport,
		     uint16_t dport)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	memset(p, 0, sizeof(*ip) + sizeof(*udp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(total - sizeof(*ip)));
}

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

	ipv4_udp(p + 14, 28 + RW_PAYLOAD, server, anchor, sport, 4001);
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
	ipv4_udp(sdu, sizeof(sdu), u->anchor ? u->anchor : ANCHOR, RW_SERVER,
		 u->sport ? u->sport : 4001, 4000);
	memcpy(sdu + 28, &seq, sizeof(seq));
	n = gma_encode(u->method, &u->f, sdu, sizeof(sdu), pdu, sizeof(pdu));
	cr_assert_gt(n, 0, "gma_encode: %s", gma_strerror(n));
	m = eth_frame(mp, (uint16_t)(14 + 28 + n), &p);
	ipv4_udp(p + 14, (uint16_t)(28 + n), u->client_ip, u->gw_ip, u->client_port,
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
