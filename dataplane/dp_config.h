/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw configuration: one JSON file, parsed and validated at start-up.
 * DPDK-free (jansson only) so that it is unit-tested without EAL.  Every
 * error names the field at fault, as a JSON path ("ports[1].ipv4"), and the
 * reason.  The documented example is config/mamsgw.json.
 */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_api.h"

#define DP_MAX_PORTS 8u
#define DP_MAX_GMA_PORTS 4u
#define DP_MAX_STATIC_SESSIONS 64u
#define DP_NAME_LEN 32u
#define DP_DEV_LEN 64u
#define DP_MAX_STATIC_NEIGH 16u /* ports[].neighbors entries per port */

enum dp_port_role {
	DP_PORT_ACCESS = 0, /* toward clients: GMA over UDP (or IP) */
	DP_PORT_CORE = 1,   /* toward the anchor / internet: plain IP */
};

struct dp_port_cfg {
	char name[DP_NAME_LEN];  /* "wifi", "lte", "core": referenced by sessions */
	char device[DP_DEV_LEN]; /* DPDK device: PCI address or vdev name (net_pcap0) */
	enum dp_port_role role;
	uint32_t ipv4;           /* gateway address on this network, host order */
	uint8_t mac[6];          /* gateway MAC; all zero = the port's own */
	uint8_t next_hop_mac[6]; /* all zero: not given.  Given without `gateway`: every
				  * frame sent on this port goes there (no ARP); with
				  * `gateway`: the gateway's static entry */
	uint32_t gateway;        /* host order, 0 = none: everything is on-link */
	uint8_t prefix_len;      /* on-link prefix with a gateway (default 32) */
	uint8_t n_neighbors;     /* static neighbour entries */
	struct {
		uint32_t ip;     /* host order */
		uint8_t mac[6];
	} neighbors[DP_MAX_STATIC_NEIGH];
	uint16_t rx_queues;      /* 0 = one per worker */
	uint8_t n_gma_ports;     /* access: GMA UDP ports of the gateway */
	uint16_t gma_ports[DP_MAX_GMA_PORTS];
};

struct dp_config {
	/* "dataplane" */
	uint16_t workers;        /* worker lcores wanted (>= 1) */
	uint32_t mbufs;          /* mbufs in the pool */
	uint16_t mbuf_cache;
	uint16_t rx_desc, tx_desc;
	uint16_t burst;          /* 1..64 */
	uint32_t max_sessions;
	uint32_t handoff_ring;   /* per-worker hand-off ring size (power of 2) */
	uint32_t ctrl_ring;      /* per-worker control ring size (power of 2) */
	/* "mx_control": where MX control PDUs (keep-alive, probes) are addressed */
	uint32_t ctrl_ip;        /* host order */
	uint16_t ctrl_port;
	/* "reorder" */
	uint32_t reorder_window; /* power of 2 */
	uint32_t reorder_timeout_ms;
	bool reorder_deliver_late;
	/* "reassembly" */
	uint32_t reasm_timeout_ms;
	uint32_t reasm_max_bytes;
	uint16_t reasm_slots;
	/* "arp": neighbour resolution (docs/ARCHITECTURE.md, Exception path) */
	uint32_t arp_timeout_ms;  /* a learnt entry lives this long after its last confirmation */
	uint32_t arp_retry_ms;    /* between two requests for one address */
	uint8_t arp_retries;      /* requests before waiting packets are dropped */
	uint16_t arp_queue;       /* packets waiting per address and worker */
	uint32_t arp_entries;     /* size of the neighbour table */
	bool arp_gratuitous;      /* announce every port's address at start */
	/* "ports" */
	uint8_t n_ports;
	struct dp_port_cfg ports[DP_MAX_PORTS];
	/* "sessions": static sessions, installed through dp_api.h at start */
	uint16_t n_sessions;
	struct dp_session_cfg sessions[DP_MAX_STATIC_SESSIONS];
};

/* Defaults for every optional field (documented in config/README.md). */
void dp_config_defaults(struct dp_config *c);

/*
 * Parse and validate a configuration from a JSON text / file.  On error,
 * returns -1 and writes "field: reason" into err[0..errlen).  Unknown keys
 * are errors too (a typo must not be silently ignored).
 */
int dp_config_parse(const char *json, size_t len, struct dp_config *c, char *err, size_t errlen);
int dp_config_load(const char *path, struct dp_config *c, char *err, size_t errlen);

/* Index of the port named `name`, or -1. */
int dp_config_port_index(const struct dp_config *c, const char *name);

#endif /* DP_CONFIG_H */
