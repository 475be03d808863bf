/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control -> data API: the one narrow header through which the control
 * plane (NCM, REST shim, static config) programs the N-MADP.  DPDK-free, so
 * the control plane can be tested against a fake that implements these
 * functions.  Implemented in dataplane/dp_ctl.c with per-worker rings and
 * RCU-protected table swaps (docs/ARCHITECTURE.md).
 *
 * Every call is made from the control thread; returns 0 or -errno
 * (-EINVAL bad argument, -ENOENT unknown session/flow/path, -EEXIST session
 * ID or key already used, -ENOSPC table full, -ENOMEM).
 */
#ifndef DP_API_H
#define DP_API_H

#include <stdbool.h>
#include <stdint.h>

#include "gma_steer.h"
#include "gma_tft.h"
#include "gma_wire.h"
#include "mx_ctrl.h"

#define DP_MAX_PATHS GMA_STEER_MAX_PATHS /* delivery connections per session */
#define DP_MAX_FLOWS 8u

/* One delivery connection of a session (RFC 8743: an access path). */
struct dp_path_cfg {
	uint8_t conn_id;      /* MAMS connection ID, 0..15 (GMA Connection ID, low nibble) */
	uint8_t port;         /* index of the access port in the config's port list */
	uint32_t client_ip;   /* client's IPv4 on this access network, host order */
	uint16_t client_port; /* client's UDP port on this path */
	uint16_t gw_port;     /* gateway's GMA UDP port on that access port */
	uint16_t mtu;         /* largest IP packet on this path, outer headers included */
	bool up;
};

/* One flow: how to recognise its downlink packets and where to send them. */
struct dp_flow_cfg {
	uint8_t flow_id;
	struct gma_tft tft;         /* downlink classification (tft.flow_id == flow_id) */
	struct gma_steer_cfg steer; /* path indexes refer to dp_session_cfg.paths[] */
};

struct dp_session_cfg {
	uint32_t id;                /* unique, chosen by the control plane */
	uint32_t anchor_ip;         /* the client's anchor IPv4, host order (downlink key) */
	enum gma_method method;     /* GMA encapsulation for both directions */
	uint16_t dl_flags;          /* optional GMA fields sent downlink (GMA_F_*) */
	enum mx_dialect ctrl_dialect;
	bool fragment;              /* fragment downlink PDUs larger than the path MTU */
	bool concat;                /* concatenate small downlink SDUs of one flow */
	uint16_t concat_hold_us;    /* longest wait for a concatenation partner */
	uint8_t default_flow;       /* flow of packets no template matches */
	uint8_t n_paths;
	struct dp_path_cfg paths[DP_MAX_PATHS];
	uint8_t n_flows;
	struct dp_flow_cfg flows[DP_MAX_FLOWS];
};

struct dp_ctx; /* the running data plane (opaque to the control plane) */

int dp_session_add(struct dp_ctx *dp, const struct dp_session_cfg *cfg);
int dp_session_update(struct dp_ctx *dp, const struct dp_session_cfg *cfg);
int dp_session_remove(struct dp_ctx *dp, uint32_t session_id);
int dp_flow_steer(struct dp_ctx *dp, uint32_t session_id, uint8_t flow_id,
		  const struct gma_steer_cfg *steer);
int dp_path_set(struct dp_ctx *dp, uint32_t session_id, uint8_t conn_id, bool up, uint16_t mtu);

#endif /* DP_API_H */
