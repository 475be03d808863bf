/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM: one MAMS session state machine per CCM (RFC 8743 section 8),
 * driving the data plane through shared/dp_api.h only.
 *
 * DPDK-free and transport-free: the caller feeds it WebSocket events
 * (cp_ncm_on_open/on_text/on_close) and the time (cp_ncm_tick, every few
 * milliseconds), and it answers through the send/close callbacks.  The
 * unit tests drive it with a fake transport and a fake data plane that
 * records the dp_api.h calls; mamsgw connects it to cp_ws and the real
 * data plane.  Procedures, states and decisions: docs/mams.md.
 */
#ifndef CP_NCM_H
#define CP_NCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_msg.h"

struct dp_ctx;
struct cp_ncm;

struct cp_ncm_io {
	void *opaque;
	/* Queue one text message on connection conn; 0 or -errno. */
	int (*send)(void *opaque, uint64_t conn, const char *text, size_t len);
	/* Close conn with a WebSocket close code; on_close follows later. */
	int (*close)(void *opaque, uint64_t conn, int code, const char *reason);
	/* len bytes from a CSPRNG; 0 or -errno.  NULL: getrandom(2). */
	int (*random)(void *opaque, void *buf, size_t len);
};

enum cp_ncm_state {
	CP_NCM_CAPS_SENT = 0, /* capability response sent, waiting for the ACK */
	CP_NCM_SETUP_SENT,    /* accepted; UP setup request sent, waiting for the confirmation */
	CP_NCM_ACTIVE,        /* confirmed: the data plane carries the session */
	CP_NCM_TERMINATING,   /* termination request sent, waiting for the response */
	CP_NCM_STATE_COUNT
};

const char *cp_ncm_state_name(enum cp_ncm_state s);

/* Counters of the NCM as a whole. */
struct cp_ncm_stats {
	uint64_t msgs_in, msgs_out;
	uint64_t decode_errors;     /* answered with mx_error */
	uint64_t protocol_closes;   /* connections closed for what they sent */
	uint64_t unexpected;        /* messages refused in the session's state (mx_error) */
	uint64_t sessions_created, sessions_resumed, sessions_removed;
	uint64_t rejected;          /* MX_REJECT */
	uint64_t retransmits;
	uint64_t peers_dead;        /* sessions removed after MAMS_RETRY retransmissions */
	uint64_t detach_expired;    /* sessions removed after their WebSocket stayed closed */
	uint64_t steering_changes;  /* traffic steering requests sent */
	uint64_t dp_errors;         /* data-plane API calls that failed */
	uint32_t sessions;          /* now */
	uint32_t conns;             /* WebSocket connections now */
	/* IPsec adaptation (docs/ipsec.md) */
	uint64_t ipsec_rekeys;      /* new secrets sent to active sessions */
	uint64_t ipsec_spi_redraws; /* secrets drawn again: their inbound SPI was in use */
	uint64_t ipsec_errors;      /* no keys (random source, derivation) or refused by the data plane */
	uint64_t ipsec_not_offered; /* IPsec connections left out of an UP setup: the CCM lacks IPsec */
};

/* One session, for the operator (telemetry, REST). */
struct cp_ncm_session_info {
	uint32_t ncm_id, session_id;
	enum cp_ncm_state state;
	bool attached;              /* its WebSocket is open */
	char peer[48];              /* "a.b.c.d:port" of that WebSocket, or "" */
	uint32_t anchor_ip;         /* host order */
	bool in_dataplane;
	uint8_t n_conns;            /* delivery connections the client has set up */
	uint8_t conn_ids[DP_MAX_PATHS];
	uint64_t idle_ms;           /* since the last message from the CCM */
	uint64_t msgs_in, msgs_out;
};

/* cfg is copied; dp is passed to every dp_api.h call. */
struct cp_ncm *cp_ncm_create(const struct cp_config *cfg, struct dp_ctx *dp,
			     const struct cp_ncm_io *io);
void cp_ncm_destroy(struct cp_ncm *n); /* removes its sessions from the data plane */
/* The port the WebSocket server got, announced when the configuration left
 * it to the kernel (listen port 0, no endpoint port). */
void cp_ncm_set_listen_port(struct cp_ncm *n, uint16_t port);

void cp_ncm_on_open(struct cp_ncm *n, uint64_t conn, const char *peer, uint64_t now_ms);
void cp_ncm_on_text(struct cp_ncm *n, uint64_t conn, const char *text, size_t len,
		    uint64_t now_ms);
void cp_ncm_on_close(struct cp_ncm *n, uint64_t conn, uint64_t now_ms);
/* Timers: retransmission, keep-alive, detached sessions, the policy. */
void cp_ncm_tick(struct cp_ncm *n, uint64_t now_ms);

/* NCM-initiated termination (operator); -ENOENT when unknown. */
int cp_ncm_terminate(struct cp_ncm *n, uint32_t session_id, uint64_t now_ms);
/* Rekey the session's IPsec connections now (operator, tests): 0,
 * -ENOENT unknown, -EINVAL no IPsec, -EBUSY not active or a configuration
 * unconfirmed, -EIO no keys or refused by the data plane. */
int cp_ncm_rekey(struct cp_ncm *n, uint32_t session_id, uint64_t now_ms);

void cp_ncm_stats(const struct cp_ncm *n, struct cp_ncm_stats *out);
/* Up to max sessions; returns how many were written, *total all of them. */
unsigned cp_ncm_sessions(const struct cp_ncm *n, struct cp_ncm_session_info *out, unsigned max,
			 unsigned *total, uint64_t now_ms);
int cp_ncm_session(const struct cp_ncm *n, uint32_t session_id, struct cp_ncm_session_info *out,
		   uint64_t now_ms);

/* ---- The operator (REST shim, docs/rest.md) ------------------------------- */

/* One session in full: what the NCM gives the data plane for it. */
struct cp_ncm_session_detail {
	struct cp_ncm_session_info info;
	/* The data-plane session as the NCM builds it: paths are the delivery
	 * connections in the data plane (n_paths 0 before the first), flows
	 * the template's with their current steering (path indexes). */
	struct dp_session_cfg dp;
	uint8_t delivery[DP_MAX_PATHS]; /* index in cfg.delivery[] of dp.paths[k] */
	uint8_t operator_flows;  /* bit f: dp.flows[f] is steered by an operator */
	uint8_t auto_flows;      /* bit f: dp.flows[f] follows the policy */
};

/* -ENOENT when unknown. */
int cp_ncm_session_detail(const struct cp_ncm *n, uint32_t session_id,
			  struct cp_ncm_session_detail *out, uint64_t now_ms);

/*
 * Steer one template flow of a session by operator: steer's path[] holds
 * MAMS connection IDs (weights and mode as in gma_steer_cfg).  The data
 * plane is updated and the CCM gets an MX Traffic Steering Request; the
 * policy no longer moves the flow.  0; -ENOENT unknown session; -ESRCH
 * unknown flow; -ENXIO a connection the session has no data-plane path
 * for; -EBUSY the session is not active; -EINVAL no path; -EIO the data
 * plane refused the update (counted in dp_errors).
 */
int cp_ncm_operator_steer(struct cp_ncm *n, uint32_t session_id, uint8_t flow_id,
			  const struct gma_steer_cfg *steer, uint64_t now_ms);

/*
 * A new steering for template flow flow_id (config reload): steer's paths
 * are delivery indexes (cfg.delivery[]), as in the template.  New sessions
 * start with it; existing sessions' flows that neither the policy nor an
 * operator steers take it now (data plane, MX Traffic Steering Request).
 * 0; -ESRCH unknown flow; -EINVAL a path out of range.
 */
int cp_ncm_template_steer(struct cp_ncm *n, uint8_t flow_id, const struct gma_steer_cfg *steer,
			  uint64_t now_ms);

/* The default steering policy's parameters; set takes effect at the next run. */
void cp_ncm_policy_get(const struct cp_ncm *n, struct cp_policy_cfg *out);
void cp_ncm_policy_set(struct cp_ncm *n, const struct cp_policy_cfg *p);

#endif /* CP_NCM_H */
