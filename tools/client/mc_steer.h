/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Uplink steering of mams-client (RFC 8743 8.7): the NCM's
 * mx_traffic_steering_req names a default uplink delivery connection and a
 * list of (traffic flow template -> connections).  An uplink IPv4 packet
 * goes to the first connection of the first template it matches that is
 * usable, else to the default connection, else to any usable connection
 * (the configured interfaces in order).  Pure; the per-packet call reads
 * tables only.
 */
#ifndef MC_STEER_H
#define MC_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_msg.h"
#include "gma_tft.h"

#define MC_STEER_NONE 0xFFu

struct mc_steer {
	bool has_default;
	uint8_t default_conn;
	unsigned n_rules;
	struct gma_tft tft[CP_MAX_TFTS];          /* tft[i].flow_id = i */
	uint8_t n_conns[CP_MAX_TFTS];
	uint8_t conns[CP_MAX_TFTS][CP_MAX_CONNS]; /* connection IDs, in preference order */
	/* downlink_delivery: informational (the gateway steers the downlink) */
	unsigned n_dl;
	uint8_t dl[CP_MAX_CONNS];
};

/* No request yet: no rule, no default (the first usable connection). */
void mc_steer_init(struct mc_steer *s);

/*
 * Replaces *s with what the request says.  Uplink "local" is the client's
 * side (the source), "remote" the far end.  Protocol 255 (and 0) = any;
 * traffic_class 255 = any, else its DSCP (the upper 6 bits) must match.
 * The flow label (IPv6) is ignored.  Returns the number of rules.
 */
unsigned mc_steer_from_req(struct mc_steer *s, const struct cp_traffic_steering_req *r);

/* RFC 8743 C.2.16 template -> the shared classifier's, flow_id = id. */
void mc_tft_from_cp(struct gma_tft *g, const struct cp_tft *c, uint8_t id);

/*
 * The connection ID for the uplink IPv4 packet ip[0..len), or -1 when no
 * connection is usable.  usable: bit c set = connection ID c can carry
 * uplink now (0..15); order[0..n_order): the configured connections, the
 * last resort in that order.
 */
int mc_steer_pick(const struct mc_steer *s, const uint8_t *ip, size_t len, uint16_t usable,
		  const uint8_t *order, unsigned n_order);

#endif /* MC_STEER_H */
