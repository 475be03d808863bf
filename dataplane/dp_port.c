/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port start-up: each configured port by its DPDK device name (PCI address
 * or vdev), one TX queue per worker, RX queues spread over the workers with
 * RSS when the device has several.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp.h"

static bool mac_is_zero(const uint8_t m[6])
{
	static const uint8_t z[6];

	return memcmp(m, z, 6) == 0;
}

static int port_init(struct dp_ctx *dp, unsigned idx, char *err, size_t errlen)
{
	const struct dp_port_cfg *pc = &dp->cfg.ports[idx];
	struct dp_port *p = &dp->ports[idx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t rxd = dp->cfg.rx_desc, txd = dp->cfg.tx_desc;
	int rc;

	if (rte_eth_dev_get_port_by_name(pc->device, &p->port_id) != 0) {
		snprintf(err, errlen, "ports[%u].device: no DPDK device \"%s\" (give it to EAL with -a or --vdev)",
			 idx, pc->device);
		return -1;
	}
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		goto fail;
	p->n_txq = dp->n_workers;
	if (p->n_txq > info.max_tx_queues) {
		snprintf(err, errlen, "ports[%u] (%s): %u workers need %u TX queues, the device has %u",
			 idx, pc->device, dp->n_workers, p->n_txq, info.max_tx_queues);
		return -1;
	}
	p->n_rxq = pc->rx_queues ? pc->rx_queues : dp->n_workers;
	if (p->n_rxq > info.max_rx_queues)
		p->n_rxq = info.max_rx_queues;
	memset(&conf, 0, sizeof(conf));
	if (p->n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	for (uint16_t q = 0; rc == 0 && q < p->n_rxq; q++)
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, rte_eth_dev_socket_id(p->port_id), NULL,
					    dp->pool);
	for (uint16_t q = 0; rc == 0 && q < p->n_txq; q++)
		rc = rte_eth_tx_queue_setup(p->port_id, q, txd, rte_eth_dev_socket_id(p->port_id), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		goto fail;
	rte_eth_promiscuous_enable(p->port_id); /* not every vdev supports it */

	if (mac_is_zero(pc->mac))
		rte_eth_macaddr_get(p->port_id, &p->mac);
	else
		memcpy(p->mac.addr_bytes, pc->mac, 6);
	memcpy(p->next_hop.addr_bytes, pc->next_hop_mac, 6);
	p->ipv4 = rte_cpu_to_be_32(pc->ipv4);
	/* next_hop_mac alone: today's static next hop, every frame to it, no
	 * ARP.  Otherwise next hops are resolved (dp_neigh.c): the gateway for
	 * destinations outside ipv4/prefix_len, the destination itself else. */
	p->nh_static = !mac_is_zero(pc->next_hop_mac) && pc->gateway == 0;
	p->gateway = rte_cpu_to_be_32(pc->gateway);
	p->netmask = rte_cpu_to_be_32(pc->prefix_len == 0 ? 0 : ~0u << (32 - pc->prefix_len));
	if (pc->role == DP_PORT_CORE)
		dp->core_idx = (uint8_t)idx;
	return 0;
fail:
	snprintf(err, errlen, "ports[%u] (%s): start-up failed: %s", idx, pc->device, rte_strerror(-rc));
	return -1;
}

int dp_ports_init(struct dp_ctx *dp, char *err, size_t errlen)
{
	memset(dp->port_idx_of, 0xFF, sizeof(dp->port_idx_of));
	for (unsigned i = 0; i < dp->cfg.n_ports; i++) {
		if (port_init(dp, i, err, errlen) < 0)
			return -1;
		dp->n_ports_up = (uint8_t)(i + 1);
		dp->port_idx_of[dp->ports[i].port_id] = (uint8_t)i;
		/* RX queue q of every port is polled by worker q % workers. */
		for (uint16_t q = 0; q < dp->ports[i].n_rxq; q++) {
			struct dp_worker *w = dp->workers[q % dp->n_workers];

			if (w->n_rxq == RTE_DIM(w->rxq)) {
				snprintf(err, errlen, "ports[%u].rx_queues: worker %u would poll more "
					 "than %u RX queues (fewer queues, or more workers)", i,
					 w->idx, (unsigned)RTE_DIM(w->rxq));
				return -1;
			}
			w->rxq[w->n_rxq].port_id = dp->ports[i].port_id;
			w->rxq[w->n_rxq].queue_id = q;
			w->rxq[w->n_rxq].port_idx = (uint8_t)i;
			w->n_rxq++;
		}
	}
	return 0;
}

void dp_ports_close(struct dp_ctx *dp)
{
	for (unsigned i = 0; i < dp->n_ports_up; i++) {
		rte_eth_dev_stop(dp->ports[i].port_id);
		rte_eth_dev_close(dp->ports[i].port_id);
	}
}
