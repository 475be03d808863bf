/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic flow templates: map an IPv4 SDU to a GMA flow ID (RFC 8743 8.7,
 * C.2 "TrafficFlowTemplate": remote/local address and port ranges, protocol,
 * DSCP).  Templates are tried in order; the first match wins; no match
 * gives the session's default flow.
 *
 * "Remote" is the far end (the server on the internet), "local" the client:
 * for a downlink SDU remote = source, local = destination; for uplink the
 * other way round.
 */
#ifndef GMA_TFT_H
#define GMA_TFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gma_tft {
	uint32_t remote_ip;   /* host byte order; compared under remote_mask */
	uint32_t remote_mask; /* 0 = any address */
	uint32_t local_ip;
	uint32_t local_mask;
	uint16_t remote_port_min, remote_port_max; /* 0..65535 = any */
	uint16_t local_port_min, local_port_max;
	uint8_t proto;        /* 0 = any; ports only checked for TCP (6), UDP (17), SCTP (132) */
	bool dscp_match;
	uint8_t dscp;         /* 6-bit DSCP, when dscp_match */
	uint8_t flow_id;
};

/* A template matching everything (for initialising before narrowing). */
void gma_tft_any(struct gma_tft *t, uint8_t flow_id);

/*
 * Flow ID of the IPv4 packet ip[0..len): the first template that matches, or
 * default_flow.  A packet whose ports are needed but absent (truncated, or a
 * non-first IPv4 fragment) matches no template that restricts ports.
 */
uint8_t gma_tft_classify(const struct gma_tft *t, unsigned n, const uint8_t *ip, size_t len,
			 bool downlink, uint8_t default_flow);

#endif /* GMA_TFT_H */
