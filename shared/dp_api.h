/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control -> data API: the one narrow header through which the control
 * plane (NCM, REST shim, static config) programs the N-MADP.  DPDK-free, so
 * the control plane can be tested against a fake that implements these
 * functions.  Implemented in dataplane/dp_ctl.c with per-worker rings and
 * RCU-protected table swaps (docs/ARCHITECTURE.md).
 *
 * Calls are serialised by the data plane (any thread may make them; the
 * workers never wait for them); each returns 0 or -errno
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

/*
 * ESP (RFC 4303 in UDP, RFC 3948) on one delivery connection: the IPsec
 * adaptation (docs/ipsec.md).  Values of `suite` are the ESP library's
 * enum esp_suite (1 AES-128-GCM, 2 AES-256-GCM, 3 AES-128-CBC + HMAC-SHA-256-128,
 * 4 AES-256-CBC + HMAC-SHA-256-128); this header stays free of it.
 */
#define DP_IPSEC_KEYMAT_MAX 64u /* AES-256 key + HMAC-SHA-256 key */

struct dp_ipsec_sa_cfg {
	uint32_t spi;                          /* >= 256; static SAs < 0x80000000 */
	uint8_t keymat_len;                    /* the suite's length (docs/ipsec.md, Suites) */
	uint8_t keymat[DP_IPSEC_KEYMAT_MAX];   /* GCM: key || salt; CBC: enc key || auth key */
};

struct dp_ipsec_cfg {
	bool enabled;                /* false: plain UDP adaptation (the rest is ignored) */
	uint8_t suite;               /* enum esp_suite */
	bool esn;                    /* 64-bit extended sequence numbers, both SAs */
	uint32_t replay_window;      /* inbound: power of 2, 32..4096; 0 = 1024 */
	struct dp_ipsec_sa_cfg out;  /* downlink: the gateway's outbound SA */
	struct dp_ipsec_sa_cfg in;   /* uplink: the gateway's inbound SA (SPI unique) */
	/* Rekey overlap (spi 0: none): the previous inbound SA, still accepted
	 * while the client may send with it.  It must be the `in` (or the
	 * `in_prev`) of the version it replaces, so its replay window
	 * continues; see docs/ipsec.md, "Rekey". */
	struct dp_ipsec_sa_cfg in_prev;
};

/* One delivery connection of a session (RFC 8743: an access path). */
struct dp_path_cfg {
	uint8_t conn_id;      /* MAMS connection ID, 0..15 (GMA Connection ID, low nibble) */
	uint8_t port;         /* index of the access port in the config's port list */
	uint32_t client_ip;   /* client's IPv4 on this access network, host order */
	uint16_t client_port; /* client's UDP port on this path */
	uint16_t gw_port;     /* gateway's GMA UDP port on that access port */
	uint16_t mtu;         /* largest IP packet on this path, outer headers included */
	bool up;
	/* IPsec adaptation: with it the path never carries plaintext.  An
	 * update may add it to a path; each SA of an update either is one of
	 * the path's current SAs (same SPI and key: its SN counter or replay
	 * window continues; inbound ones may move from `in` to `in_prev`) or
	 * is new (a new SPI and, outbound, a new key: counters restart).
	 * Anything else -- a known SPI with another key, a reused outbound
	 * key, removing IPsec -- is -EINVAL. */
	struct dp_ipsec_cfg ipsec;
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
	uint32_t probe_interval_ms; /* MX probe per up path this often, for RTT; 0 = none */
	uint8_t n_paths;
	struct dp_path_cfg paths[DP_MAX_PATHS];
	uint8_t n_flows;
	struct dp_flow_cfg flows[DP_MAX_FLOWS];
	/*
	 * Uplink matching.  false ("endpoint", the default): an uplink PDU
	 * belongs to a path only by (access port, client address, client UDP
	 * port).  true ("client"): a PDU from an endpoint no path has is also
	 * accepted when its inner IPv4 source is this session's anchor, it
	 * decodes with this session's method and its Connection ID (or, when
	 * absent, the only path of the session on that port) names a path on
	 * the access port it came in on; the path's endpoint is then learnt
	 * and the session republished with it (NAT rebinding).  Without IPsec
	 * anyone who knows the anchor address can claim the path this way:
	 * config/README.md, docs/ARCHITECTURE.md.
	 */
	bool ul_match_client;
};

struct dp_ctx; /* the running data plane (opaque to the control plane) */

int dp_session_add(struct dp_ctx *dp, const struct dp_session_cfg *cfg);
int dp_session_update(struct dp_ctx *dp, const struct dp_session_cfg *cfg);
int dp_session_remove(struct dp_ctx *dp, uint32_t session_id);
int dp_flow_steer(struct dp_ctx *dp, uint32_t session_id, uint8_t flow_id,
		  const struct gma_steer_cfg *steer);
int dp_path_set(struct dp_ctx *dp, uint32_t session_id, uint8_t conn_id, bool up, uint16_t mtu);

/* ---- Reading counters and measurements ------------------------------------ */

#define DP_API_MAX_PORTS 8u
#define DP_API_MAX_WORKERS 16u
#define DP_API_MAX_DROPS 96u

struct dp_port_counters {
	char name[32];
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint8_t mac[6];                  /* the port's source MAC */
};

struct dp_worker_counters {
	uint64_t rx_pkts, tx_pkts;       /* over all ports */
	uint64_t drops;                  /* over all reasons */
	uint64_t handoff_out, handoff_in; /* packets handed to / taken from other workers */
	uint64_t loops;                  /* iterations of the poll loop */
	uint64_t rebind_notices;         /* learnt endpoints sent to the control thread */
	uint64_t rebind_ring_full;       /* ... not sent: the notice ring was full */
};

/* The whole data plane, summed over workers where it says so. */
struct dp_stats {
	uint8_t n_ports;
	struct dp_port_counters ports[DP_API_MAX_PORTS];   /* summed over workers */
	uint16_t n_workers;
	struct dp_worker_counters workers[DP_API_MAX_WORKERS];
	uint16_t n_drops;                                  /* reasons: dp_drop_reason_name() */
	uint64_t drops[DP_API_MAX_DROPS];                  /* summed over workers */
	uint64_t port_drops[DP_API_MAX_PORTS][DP_API_MAX_DROPS]; /* by port: input (TX full: output) */
	uint32_t n_sessions;
	/* Learnt uplink endpoints (ul_match_client): notices summed over the
	 * workers, and what the control thread made of them. */
	uint64_t rebind_notices, rebind_ring_full;
	uint64_t rebinds_applied;    /* sessions republished with the new endpoint */
	uint64_t rebinds_refused;    /* the update failed (endpoint used by another path) */
	uint64_t rebinds_stale;      /* nothing to do: session gone or changed, endpoint known */
};

/* One delivery connection's counters and measurements. */
struct dp_path_stats {
	uint8_t conn_id;
	bool up;
	uint16_t mtu;
	uint64_t tx_pkts, tx_bytes;  /* downlink PDUs sent on the path */
	uint64_t rx_pkts, rx_bytes;  /* uplink PDUs received on it */
	uint64_t lost;               /* uplink PDUs missing by Delivery SN gaps */
	uint32_t owd_jitter_ms;      /* one-way-delay variation from GMA timestamps */
	uint32_t rtt_us;             /* smoothed round-trip time from probes; 0 = none yet */
	uint64_t probes_sent, probe_acks; /* the gateway's probes and their answers */
	uint64_t keepalives, probes; /* MX control PDUs received on it */
	uint64_t drops[DP_API_MAX_DROPS]; /* this path's packets dropped, by reason */
	uint32_t client_ip;          /* the endpoint in use (learnt ones included), host order */
	uint16_t client_port;
	uint64_t ul_rebound;         /* uplink PDUs accepted by client match from another endpoint */
	/* IPsec (0: a plain path): the SPIs in use; esp_spi_in_prev during a
	 * rekey's overlap. */
	uint32_t esp_spi_out, esp_spi_in, esp_spi_in_prev;
};

/* One flow's uplink receiver state (gma_reorder_stats / gma_reasm_stats). */
struct dp_flow_stats {
	uint8_t flow_id;
	uint64_t in_order, reordered, late, duplicate, timed_out, early, overflow, stale;
	uint32_t held;               /* packets waiting in the reorder window now */
	uint64_t frag_completed, frag_lost;
};

struct dp_session_stats {
	uint32_t id;
	uint16_t owner;              /* worker index */
	uint64_t dl_pkts, dl_bytes, ul_pkts, ul_bytes;
	uint16_t n_drops;
	uint64_t drops[DP_API_MAX_DROPS];  /* this session's packets dropped, by reason */
	uint8_t n_paths;
	struct dp_path_stats paths[DP_MAX_PATHS];
	uint8_t n_flows;
	struct dp_flow_stats flows[DP_MAX_FLOWS];
};

int dp_stats_read(struct dp_ctx *dp, struct dp_stats *out);
int dp_session_stats_read(struct dp_ctx *dp, uint32_t session_id, struct dp_session_stats *out);
/* Session IDs in no particular order; *total is the number of sessions. */
int dp_sessions_list(struct dp_ctx *dp, uint32_t *ids, unsigned max, unsigned *total);
/* Short name of drop reason i (< dp_stats.n_drops): "no_session", "gma_version". */
const char *dp_drop_reason_name(unsigned i);

#endif /* DP_API_H */
