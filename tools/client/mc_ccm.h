/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CCM of mams-client: the client side of RFC 8743 section 8 against
 * mamsgw's NCM (controlplane/cp_ncm.c), one session.
 *
 * Pure and transport-free: the caller feeds it the transport's events
 * (mc_ccm_on_open / on_close / on_text, or on_msg with an already decoded
 * struct cp_msg), the interfaces' state (mc_ccm_iface) and the time
 * (mc_ccm_tick); it answers through struct mc_ccm_ops: encoded JSON to
 * send, and what the data path must do (anchor address and tunnel
 * endpoints, which paths may carry uplink, uplink steering, pause).  Every
 * MAMS message goes through the project's codec (cp_msg.h) both ways.
 *
 * Bring-up: mx_discover -> mx_system_info -> mx_capability_req (GMA;
 * UDP_without_DTLS and IPsec; the configured interfaces as delivery
 * connections) -> mx_capability_rsp (session ID kept; interfaces without a
 * connection ID get the NCM's connection of their type) ->
 * mx_capability_ack MX_ACCEPT (MX_REJECT when the NCM lacks GMA, both
 * adaptations or a connection an interface needs) -> mx_up_setup_conf_req
 * (tunnel endpoints, each connection's adaptation with IPsec's
 * shared_secret; the anchor address from vnic_info) -> mx_reconf_req setup
 * for each interface that is up -> (all answered) mx_up_setup_cnf with the
 * client's UDP ports -> ACTIVE.  A later mx_up_setup_conf_req that changes
 * anything (a new shared_secret: a rekey) goes to ops->setup again before
 * it is confirmed.  Requests are retransmitted every timeout_ms, retries
 * times; then the session has failed.  Details and decisions:
 * docs/client.md.
 */
#ifndef MC_CCM_H
#define MC_CCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_msg.h"
#include "mc_opts.h"
#include "mc_steer.h"

enum mc_ccm_state {
	MC_CCM_IDLE = 0,    /* no transport yet */
	MC_CCM_DISCOVER,    /* mx_discover sent, waiting for mx_system_info */
	MC_CCM_CAPS,        /* mx_capability_req sent */
	MC_CCM_SETUP_WAIT,  /* MX_ACCEPT sent, waiting for mx_up_setup_conf_req */
	MC_CCM_RECONF,      /* interfaces set up, waiting for the answers */
	MC_CCM_ACTIVE,      /* mx_up_setup_cnf sent: the session carries traffic */
	MC_CCM_DETACHED,    /* transport lost while active: resumed on the next open */
	MC_CCM_RESUMING,    /* mx_capability_req with the session ID sent */
	MC_CCM_TERMINATING, /* mx_session_termination_req sent */
	MC_CCM_DONE,        /* session ended cleanly (either side) */
	MC_CCM_FAILED,      /* refused, no answer, protocol error: mc_ccm_reason() */
	MC_CCM_STATE_COUNT
};

const char *mc_ccm_state_name(enum mc_ccm_state s);

#define MC_SECRET_MIN 16u  /* IPsec shared_secret bytes (= ESP_SECRET_MIN, esp_kdf.h) */
#define MC_SECRET_MAX 256u /* (= ESP_SECRET_MAX) */

/* What the NCM's UP setup says, for the data path. */
struct mc_setup {
	uint32_t ncm_id, session_id;                /* unique_session_id (IPsec keys) */
	uint32_t anchor_ip, anchor_mask, anchor_gw; /* host order (vnic_info) */
	uint8_t anchor_conn_id;
	bool has_udp_port;                          /* the NCM's MX control port, if announced */
	uint16_t udp_port;
	unsigned n;                                 /* = the configured interfaces */
	struct {
		uint8_t conn_id;
		uint32_t tunnel_ip;                 /* host order */
		uint16_t tunnel_port;
		bool ipsec;                         /* adaptation IPsec, else UDP_without_DTLS */
		uint16_t secret_len;                /* IPsec: MC_SECRET_MIN..MC_SECRET_MAX */
		uint8_t secret[MC_SECRET_MAX];      /* shared_secret, its bytes as sent */
	} path[MC_MAX_IFACES];
};

/* Whether two UP setups say the same (a retransmission) or not (a change). */
bool mc_setup_same(const struct mc_setup *a, const struct mc_setup *b);

/* One interface as the system shows it now. */
struct mc_iface_obs {
	bool up;                 /* exists, IFF_UP and IFF_RUNNING, with an IPv4 address */
	uint32_t ipv4;           /* host order; 0 = none */
	uint32_t mtu;
	char node_id[CP_STR];    /* AP BSSID if known, else "" (the interface name is used) */
	char ssid[CP_STR];       /* Wi-Fi SSID if known */
};

/* Cumulative counters of one path, for measurement reports and path estimation. */
struct mc_ccm_counters {
	uint64_t rx_bytes, tx_bytes;
	uint64_t probes_rx, probes_lost;
};

#define MC_LOG_ERR 0
#define MC_LOG_INFO 1
#define MC_LOG_DEBUG 2

struct mc_ccm_ops {
	void *opaque;
	/* One text message for the NCM; 0 or -errno. */
	int (*send)(void *opaque, const char *text, size_t len);
	/* The UP setup arrived, or changed (a rekey, a new session). */
	void (*setup)(void *opaque, const struct mc_setup *s);
	/* Path i may (or may no longer) carry uplink data; mtu its current MTU. */
	void (*path)(void *opaque, unsigned i, bool ul_ok, uint32_t mtu);
	/* Uplink steering from the NCM. */
	void (*steer)(void *opaque, const struct mc_steer *s);
	/* Uplink GMA paused (a handover keep-alive is unanswered) or resumed. */
	void (*ul_pause)(void *opaque, bool paused);
	/* State changes; reason set for FAILED and DONE. */
	void (*state)(void *opaque, enum mc_ccm_state st, const char *reason);
	/* Counters of path i (may be NULL: measurements then report none). */
	void (*counters)(void *opaque, unsigned i, struct mc_ccm_counters *out);
	/* Radio measurement of path i (WLAN_RSSI, LTE_RSRP, ...); false when unknown. */
	bool (*signal)(void *opaque, unsigned i, enum cp_meas_param p, double *value);
	/* A log line (no newline); may be NULL. */
	void (*log)(void *opaque, int level, const char *line);
};

struct mc_ccm_cfg {
	unsigned n_ifaces;
	struct mc_iface_opt ifaces[MC_MAX_IFACES];
	uint16_t udp_port[MC_MAX_IFACES]; /* the client's UDP port per interface */
	uint32_t timeout_ms, retries, keep_alive_ms;
	uint16_t mx_port;                 /* probe_param.probe_port */
};

struct mc_ccm_stats {
	uint64_t msgs_in, msgs_out;
	uint64_t retransmits;
	uint64_t decode_errors;       /* NCM text the codec refused */
	uint64_t unexpected;          /* messages ignored in the current state */
	uint64_t errors_rx;           /* mx_error answers */
	uint64_t keep_alives_tx, keep_alives_rx;
	uint64_t handovers;
	uint64_t steering;            /* traffic steering requests applied */
	uint64_t reports;             /* measurement reports sent */
	uint64_t path_est_results;
	uint64_t resumes;
	uint64_t setup_changes;       /* later mx_up_setup_conf_req that changed the setup */
};

struct mc_ccm;

struct mc_ccm *mc_ccm_create(const struct mc_ccm_cfg *cfg, const struct mc_ccm_ops *ops);
void mc_ccm_destroy(struct mc_ccm *c);

/* The transport is open: mx_discover, or the resumption of the session. */
void mc_ccm_on_open(struct mc_ccm *c, uint64_t now_ms);
/* The transport is gone. */
void mc_ccm_on_close(struct mc_ccm *c, uint64_t now_ms);
/* One text message from the NCM. */
void mc_ccm_on_text(struct mc_ccm *c, const char *text, size_t len, uint64_t now_ms);
/* One decoded message from the NCM. */
void mc_ccm_on_msg(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms);
/* Retransmission, keep-alive, measurement reports, path estimation. */
void mc_ccm_tick(struct mc_ccm *c, uint64_t now_ms);
/* When mc_ccm_tick() next has something to do, or UINT64_MAX. */
uint64_t mc_ccm_next_deadline(const struct mc_ccm *c);

/* The state of interface i now (call whenever it may have changed). */
void mc_ccm_iface(struct mc_ccm *c, unsigned i, const struct mc_iface_obs *o, uint64_t now_ms);
/* Interface i's UDP port changed (its socket was bound again). */
void mc_ccm_set_port(struct mc_ccm *c, unsigned i, uint16_t port, uint64_t now_ms);

/* The user wants out: mx_session_termination_req, then DONE on the answer
 * (FAILED when unanswered after the retries).  Without a session: DONE. */
void mc_ccm_terminate(struct mc_ccm *c, uint64_t now_ms);

enum mc_ccm_state mc_ccm_state(const struct mc_ccm *c);
const char *mc_ccm_reason(const struct mc_ccm *c);
bool mc_ccm_finished(const struct mc_ccm *c); /* DONE or FAILED */
/* The session ID (0 before the capability response). */
uint32_t mc_ccm_session_id(const struct mc_ccm *c);
/* Connection ID of interface i (after the capability response), or -1. */
int mc_ccm_conn_id(const struct mc_ccm *c, unsigned i);
/* Whether interface i is set up at the NCM (reconfiguration acknowledged). */
bool mc_ccm_path_setup(const struct mc_ccm *c, unsigned i);
void mc_ccm_stats(const struct mc_ccm *c, struct mc_ccm_stats *out);

#endif /* MC_CCM_H */
