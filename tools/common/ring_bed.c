/* SPDX-License-Identifier: BSD-3-Clause */
/* The ring-port bed of mamsgw-bench and the in-process DPDK tests (ring_bed.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "gma_wire.h"
#include "ring_bed.h"

int rb_port_make(struct rport *p, const char *name, unsigned nq, unsigned ring_size)
{
	char rn[RTE_RING_NAMESIZE];
	int id;

	if (nq < 1 || nq > RB_MAX_QUEUES)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	for (unsigned q = 0; q < nq; q++) {
		snprintf(rn, sizeof(rn), "%s_rx%u", name, q);
		p->rxq[q] = rte_ring_create(rn, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "%s_tx%u", name, q);
		p->txq[q] = rte_ring_create(rn, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (p->rxq[q] == NULL || p->txq[q] == NULL)
			return -(rte_errno ? rte_errno : ENOMEM);
	}
	p->rx = p->rxq[0];
	p->tx = p->txq[0];
	id = rte_eth_from_rings(name, p->rxq, nq, p->txq, nq, 0);
	if (id < 0)
		return -(rte_errno ? rte_errno : ENODEV);
	p->port_id = (uint16_t)id;
	return rte_eth_dev_get_name_by_port(p->port_id, p->dev);
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

void rb_config(struct dp_config *c, const char *wifi_dev, const char *lte_dev,
	       const char *core_dev)
{
	dp_config_defaults(c);
	c->workers = 1;
	c->mbufs = 8191;
	c->n_ports = 3;
	port_cfg(&c->ports[0], "wifi", wifi_dev, DP_PORT_ACCESS, IP4(192, 0, 2, 1));
	port_cfg(&c->ports[1], "lte", lte_dev, DP_PORT_ACCESS, IP4(198, 51, 100, 1));
	port_cfg(&c->ports[2], "core", core_dev, DP_PORT_CORE, IP4(203, 0, 113, 1));
}

void rb_session(struct dp_session_cfg *s, unsigned k, uint16_t dl_flags)
{
	memset(s, 0, sizeof(*s));
	s->id = k + 1;
	s->anchor_ip = ANCHOR + k;
	s->method = GMA_METHOD_TRAILER;
	s->dl_flags = dl_flags;
	s->fragment = true;
	s->n_paths = 2;
	for (unsigned i = 0; i < 2; i++) {
		s->paths[i].conn_id = (uint8_t)i;
		s->paths[i].port = (uint8_t)i;
		s->paths[i].client_ip = i == 0 ? IP4(192, 0, 2, 10) : IP4(198, 51, 100, 10);
		s->paths[i].client_port = (uint16_t)(5000 + k);
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

void rb_ipv4_udp(uint8_t *p, uint16_t total, uint32_t src, uint32_t dst, uint16_t sport,
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
