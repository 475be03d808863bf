/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the N-MADP data plane.  Ownership of every field is written
 * next to it: "control" = the control thread, "owner" = the worker that owns
 * the session, "worker" = the worker whose context it is.
 */
#ifndef DP_H
#define DP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_hash.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp_api.h"
#include "dp_config.h"
#include "esp_sa.h"
#include "gma_concat.h"
#include "gma_frag.h"
#include "gma_reorder.h"
#include "gma_steer.h"

#define DP_MAX_WORKERS DP_API_MAX_WORKERS
#define DP_BURST_MAX 64u
#define DP_OUTER_LEN (RTE_ETHER_HDR_LEN + 20u + 8u) /* Ethernet + IPv4 + UDP */

/* Every reason a packet is dropped: one list, one enum, one name each. */
#define DP_DROPS(X)                                                                        \
	X(SHORT_FRAME, "frame shorter than Ethernet + IPv4 headers")                       \
	X(NOT_IPV4, "neither IPv4 nor ARP (IPv6, other ethertypes)")                       \
	X(BAD_IPV4, "malformed IPv4 header or length")                                     \
	X(IP_FRAGMENT, "outer IPv4 fragment (not reassembled)")                            \
	X(NO_SESSION, "downlink: no session for the destination address")                  \
	X(NOT_FOR_US, "access: not addressed to the gateway")                              \
	X(NOT_GMA_PORT, "access: UDP to the gateway on a port that is no GMA port")        \
	X(LOCAL_PROTO, "to the gateway: not GMA, ICMP or ARP (TCP, UDP on the core, ...)") \
	X(ICMP_UNHANDLED, "to the gateway: ICMP other than an echo request")               \
	X(ICMP_BAD, "to the gateway: malformed ICMP echo request (length, checksum)")      \
	X(ARP_BAD, "malformed ARP, or not Ethernet/IPv4 ARP")                              \
	X(ARP_NOT_FOR_US, "ARP whose target is not the gateway's address on the port")     \
	X(ARP_QUEUE_FULL, "waiting for ARP resolution: the address's queue is full")       \
	X(ARP_WAIT_FULL, "waiting for ARP resolution: no free slot for another address")   \
	X(ARP_UNRESOLVED, "the next hop did not answer ARP (retries exhausted)")           \
	X(UNKNOWN_CLIENT, "uplink: source address/port is no session's path")              \
	X(UL_NO_ANCHOR, "uplink: unknown endpoint, no inner IPv4 source in the PDU")       \
	X(UL_UNKNOWN_ANCHOR, "uplink: unknown endpoint, inner source is no anchor")        \
	X(UL_WRONG_METHOD, "uplink: unknown endpoint, not the anchor session's method")    \
	X(UL_WRONG_CONN, "uplink: unknown endpoint, no such Connection ID on this port")   \
	X(NO_PATH, "downlink: no path of the flow is up")                                  \
	X(NO_MBUF, "mbuf pool empty")                                                      \
	X(TOO_BIG, "PDU larger than the path MTU and not fragmentable")                    \
	X(TX_FULL, "transmit queue full")                                                  \
	X(HANDOFF_FULL, "hand-off ring to the owning worker full")                         \
	X(REORDER_DUPLICATE, "uplink: duplicate Flow SN")                                  \
	X(REORDER_STALE, "uplink: Flow SN older than the reorder history")                 \
	X(REORDER_LATE, "uplink: arrived after its gap was given up")                      \
	X(REASM_REJECT, "uplink: fragment refused by reassembly (bounds, duplicate)")      \
	X(REASM_TIMEOUT, "uplink: fragment of an SDU that timed out")                      \
	X(CTRL_BAD, "uplink: malformed MX control PDU")                                    \
	X(CTRL_CONSUMED, "uplink: MX control PDU handled by the gateway (not an error)")     \
	X(ESP_PLAINTEXT, "uplink: plaintext GMA PDU on a path that requires IPsec")        \
	X(ESP_KEEPALIVE, "uplink: NAT keep-alive (0xFF) on an IPsec path (not an error)")

_Static_assert(DP_API_MAX_PORTS >= DP_MAX_PORTS, "dp_stats.ports must hold every port");

enum dp_drop {
#define DP_DROP_ENUM_(n, t) DP_DROP_##n,
	DP_DROPS(DP_DROP_ENUM_)
#undef DP_DROP_ENUM_
	DP_DROP_GMA_BASE_,
	/* DP_DROP_GMA_BASE_ + enum gma_err: the GMA decoder's reasons */
	DP_DROP_ESP_BASE_ = DP_DROP_GMA_BASE_ + GMA_ERR_MAX_,
	/* DP_DROP_ESP_BASE_ + enum esp_err: the ESP library's reasons (esp_err.h) */
	DP_DROP_MAX = DP_DROP_ESP_BASE_ + ESP_ERR_COUNT,
};

_Static_assert(DP_DROP_MAX <= DP_API_MAX_DROPS, "dp_stats.drops must hold every reason");

const char *dp_drop_name(unsigned reason); /* "no_session", "gma_truncated" */
const char *dp_drop_text(unsigned reason);

/* ---- Sessions ------------------------------------------------------------- */

/* ESP state of one path that the owner writes (docs/ipsec.md): outlives the
 * versions of the SAs, which point here (esp_sa.next_sn_ext, replay_ext).
 * out_spi/in_spi[]: the SAs the counters belong to; an SA with another SPI
 * (a new SA after an update) restarts them, on the owner.  Two replay
 * windows: during a rekey the new and the previous inbound SA are both
 * live (dp_path.esp_in_slot says which is whose). */
struct dp_path_esp {
	uint32_t out_spi;
	uint32_t in_spi[2];
	uint64_t next_sn;
	struct esp_replay replay[2];
};

/* A path as the fast path needs it: built once by the control thread. */
struct dp_path {
	uint16_t port_id;               /* DPDK port of the access network */
	uint8_t port_idx;               /* index in dp_config.ports */
	uint8_t conn_id;
	rte_be32_t gw_ip, client_ip;
	rte_be16_t gw_port, client_port;
	uint16_t mtu;
	bool up;
	bool resolve;                   /* dst_mac is not static: ask the neighbour table */
	struct rte_ether_addr src_mac, dst_mac;
	/* IPsec (NULL: plain UDP).  The SAs are the version's (keys expanded
	 * by the control thread), their counters the state's (esp_st). */
	struct esp_sa *esp_out, *esp_in;
	struct esp_sa *esp_in_prev;     /* rekey overlap: the previous inbound SA, or NULL */
	struct dp_path_esp *esp_st;
	uint8_t esp_in_slot;            /* esp_st->replay[] of esp_in; esp_in_prev has the other */
	uint8_t esp_ovh;                /* ESP bytes added to a GMA PDU at most */
	uint8_t esp_nh;                 /* Next Header of the session's method */
};

/* Counters and measurements of one path; written by the owner only. */
struct dp_path_state {
	uint64_t tx_pkts, tx_bytes; /* downlink PDUs sent on this path */
	uint64_t rx_pkts, rx_bytes; /* uplink PDUs received on it */
	uint64_t dsn_lost;          /* uplink PDUs missing by Delivery SN gaps */
	uint64_t keepalives, probes;
	/* The gateway's own probes (RTT): sent by the owner, timed on the ACK. */
	uint16_t probe_sn;          /* next probe SN on this path */
	uint16_t probe_tx_sn[8];    /* SNs of the last 8 probes ... */
	uint64_t probe_tx_tsc[8];   /* ... and when they left (0 = answered) */
	uint32_t srtt_us;           /* smoothed RTT (RFC 6298 gain 1/8), 0 = no sample */
	uint64_t probes_sent, probe_acks;
	uint32_t owd_jitter_ms;     /* one-way-delay variation (RFC 3550 style, x16) */
	uint32_t last_owd;          /* previous (local ms - GMA timestamp), mod 2^32 */
	bool owd_valid;
	uint64_t drops[DP_DROP_MAX]; /* this path's packets dropped, by reason */
	/* Uplink PDUs accepted by client match from an endpoint that is not
	 * the path's (ul_match_client), and when the owner last told the
	 * control thread about one (0: never). */
	uint64_t ul_rebound;
	uint64_t rebind_note_ms;
	struct dp_path_esp esp;     /* IPsec counters (owner) */
};

/* At most one endpoint notice per path this often (dp_ul_rebound). */
#define DP_REBIND_NOTE_MS 100u

#define DP_CONCAT_MAX 16u /* SDUs in one concatenated downlink PDU */

struct dp_flow_state;

/*
 * Downlink SDUs of one flow held for concatenation (dp_concat.c); written by
 * the owner only.  Consecutive Flow SNs, all for one path.  Everything the
 * flush needs is copied here: the session version they were steered by may
 * be freed while they wait (the owner reports quiescence every loop).
 */
struct dp_concat {
	uint8_t n;                               /* SDUs held; > 0: on the owner's cc_held */
	uint8_t pi;                              /* path index */
	uint8_t method;                          /* enum gma_method */
	uint16_t mtu;                            /* path MTU, capped by the mbuf room */
	uint64_t deadline_tsc;                   /* first SDU's arrival + concat_hold_us */
	LIST_ENTRY(dp_flow_state) link;          /* on the owner's cc_held while n > 0 */
	struct dp_path_state *ps;                /* tx counters (in the session state) */
	struct gma_fields tmpl;                  /* first SDU's fields: flow_sn = its SN */
	struct dp_path path;                     /* copy of the path they were steered to */
	struct rte_mbuf *pkts[DP_CONCAT_MAX];
	struct gma_span spans[DP_CONCAT_MAX + 1]; /* pkts' bytes, + 1 for the fit probe */
};

/* Mutable state of one flow; written by the owner only. */
struct dp_flow_state {
	uint32_t dl_fsn;                 /* next downlink Flow SN */
	uint32_t steer_pos;              /* split cycle position */
	uint8_t dl_dsn[DP_MAX_PATHS];    /* next downlink Delivery SN per path */
	uint8_t ul_dsn[DP_MAX_PATHS];    /* last uplink Delivery SN seen per path */
	uint8_t ul_dsn_valid[DP_MAX_PATHS];
	struct gma_reorder *reorder;     /* uplink window (memory below) */
	struct gma_reasm *reasm;
	bool pending;                    /* on the owner's pending list */
	struct dp_concat cc;             /* downlink concatenation buffer */
};

/* Mutable state of a session: survives table swaps (shared by versions). */
struct dp_session_state {
	struct dp_flow_state flows[DP_MAX_FLOWS];
	uint16_t owner;                 /* worker index (fixed for the state's life) */
	uint64_t next_probe_ms;         /* control: when to ask the owner for probes */
	struct dp_path_state paths[DP_MAX_PATHS];
	uint64_t dl_pkts, dl_bytes, ul_pkts, ul_bytes;
	uint64_t drops[DP_DROP_MAX];    /* packets of this session dropped, by reason */
};

/*
 * One immutable version of a session.  An update publishes a new version
 * (same state pointer) and frees the old one after an RCU grace period.
 */
struct dp_session {
	struct dp_session_cfg cfg;
	uint16_t owner;                        /* worker index */
	uint32_t up_mask;                      /* bit i: paths[i] up */
	struct dp_path paths[DP_MAX_PATHS];
	struct gma_steer steer[DP_MAX_FLOWS];  /* per flow, built from cfg + up_mask */
	struct gma_tft tft[DP_MAX_FLOWS];      /* cfg.flows[i].tft, contiguous for classify */
	int steer_rc[DP_MAX_FLOWS];            /* 0, or no path up (-GMA_ERR_NOSPACE) */
	struct dp_session_state *st;
	struct esp_sa *esp_sas;                /* this version's SAs (3 per IPsec path), or NULL */
	unsigned n_esp_sas;
};

/* ---- Neighbours (dp_neigh.c) ------------------------------------------------ */

#define DP_ARP_QUEUE_MAX 64u  /* arp.queue at most */
#define DP_ARP_WAIT_SLOTS 32u /* addresses a worker resolves at once */

/* Neighbour table key: an IPv4 address on one port. */
struct dp_neigh_key {
	rte_be32_t ip;
	uint32_t port_idx;
};

enum dp_neigh_state {
	DP_NEIGH_STATIC = 0,    /* from the config: never expires */
	DP_NEIGH_REACHABLE = 1, /* confirmed by ARP less than arp.timeout_ms ago */
};

/*
 * One immutable version of a neighbour entry, published by the control
 * thread in dp_ctx.neigh_hash; a change publishes a new version and frees
 * the old one after an RCU grace period.  The one exception is used_ms:
 * workers that use the entry after refresh_ms store the time (relaxed, only
 * while it is still below refresh_ms: once per version), so that the control
 * thread refreshes entries in use and lets the others expire.
 */
struct dp_neigh {
	struct dp_neigh_key key;
	struct rte_ether_addr mac;
	uint8_t state;                 /* enum dp_neigh_state */
	uint64_t confirmed_ms;         /* control: last ARP from it (learnt entries) */
	uint64_t refresh_ms;           /* control: re-request from here on, if used */
	uint64_t req_ms;               /* control: last refresh request, 0 = none */
	atomic_uint_least64_t used_ms; /* workers: see above */
};

/* Worker -> control thread: an ARP packet's sender (RFC 826 merge). */
struct dp_arp_note {
	rte_be32_t ip;
	struct rte_ether_addr mac;
	uint8_t port_idx;
	uint8_t target_us; /* the packet was addressed to us: add, not only update */
};

/* Packets of one worker waiting for one address to resolve (worker only). */
struct dp_arp_wait {
	struct dp_neigh_key key;   /* port_idx UINT32_MAX: slot free */
	uint8_t tries;             /* requests sent */
	uint16_t n;
	uint64_t next_ms;          /* next request (or give up) */
	struct rte_mbuf *q[DP_ARP_QUEUE_MAX];
};

/* Uplink key: which access port, which client address and UDP port. */
struct dp_ul_key {
	rte_be32_t client_ip;
	rte_be16_t client_port;
	uint16_t port_id;
};

/*
 * Owner -> control thread: path `path` of the session whose state is `st`
 * (its identity: a notice outliving the session is ignored) received an
 * uplink PDU, accepted by client match, from client_ip:client_port.  Copied
 * into dp_ctx.rebind (a ring of elements: nothing allocated).
 */
struct dp_rebind {
	struct dp_session_state *st;
	uint32_t session_id;
	rte_be32_t client_ip;
	rte_be16_t client_port;
	uint8_t path;
	uint8_t conn_id;
};

/* ---- Workers -------------------------------------------------------------- */

struct dp_rxq {
	uint16_t port_id;
	uint16_t queue_id;
	uint8_t port_idx;
};

struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST_MAX * 2];
};

/* ESP packets of one burst, processed together at its end (dp_esp.c). */
#define DP_ESP_Q 128u
struct dp_esp_q {
	unsigned n;
	struct rte_mbuf *m[DP_ESP_Q];
	const struct dp_path *p[DP_ESP_Q];     /* downlink: the path (version's) */
	const struct dp_session *s[DP_ESP_Q];  /* uplink: the session version */
	uint8_t pi[DP_ESP_Q];
	struct esp_op ops[DP_ESP_Q];
};

struct dp_worker_stats {
	uint64_t drops[DP_DROP_MAX];
	uint64_t port_drops[DP_MAX_PORTS][DP_DROP_MAX]; /* by input port (TX full: output) */
	uint64_t rx_pkts[DP_MAX_PORTS], rx_bytes[DP_MAX_PORTS];
	uint64_t tx_pkts[DP_MAX_PORTS], tx_bytes[DP_MAX_PORTS];
	uint64_t handoff_out, handoff_in;
	uint64_t loops;
	uint64_t rebind_notices, rebind_ring_full; /* learnt endpoints to the control thread */
	/* Exception path (dp_neigh.c) */
	uint64_t arp_requests_in, arp_replies_out; /* requests for our addresses, answered */
	uint64_t arp_replies_in;                   /* replies addressed to us */
	uint64_t arp_requests_out, garps_out;      /* our requests; gratuitous announcements */
	uint64_t arp_notes, arp_note_full;         /* senders passed to the control thread */
	uint64_t arp_waited, arp_released;         /* packets queued for / sent after resolution */
	uint64_t icmp_echo_in, icmp_echo_out;      /* echo requests to us, replies sent */
};

struct dp_ctx;

struct dp_worker {
	struct dp_ctx *dp;                 /* control: set once */
	unsigned idx;                      /* control: set once */
	unsigned lcore;                    /* control: set once */
	uint16_t n_rxq;                    /* control: set once */
	struct dp_rxq rxq[DP_MAX_PORTS * 2]; /* control: set once */
	uint16_t txq;                      /* control: set once; this worker's TX queue */
	struct rte_ring *handoff;          /* control: creates; others: enqueue; worker: dequeue */
	struct rte_ring *ctrl;             /* control: enqueue struct dp_msg; worker: dequeue */
	struct dp_txbuf tx[DP_MAX_PORTS];  /* worker */
	uint64_t now_ms;                   /* worker: once per loop */
	uint64_t now_tsc;                  /* worker: once per loop (now_ms's source) */
	LIST_HEAD(, dp_flow_state) cc_held; /* worker: flows holding SDUs to concatenate */
	unsigned n_wait;                   /* worker: slots of arp_wait in use */
	struct dp_arp_wait *arp_wait;      /* worker: DP_ARP_WAIT_SLOTS slots */
	unsigned n_pending;                /* worker */
	struct dp_flow_state **pending;    /* worker: flows holding packets */
	struct dp_worker_stats stats;      /* worker writes; control sums */
	IMB_MGR *mb;                       /* worker: IPsec-MB manager (control allocates) */
	struct dp_esp_q *esp_out, *esp_in; /* worker: ESP ops of the current burst */
} __rte_cache_aligned;

/* Control -> worker messages, fixed size, from dp_ctx.msg_pool. */
enum dp_msg_type {
	DP_MSG_RETIRE = 1, /* session removed: deliver its held packets, hand back st */
	DP_MSG_PROBE = 2,  /* send an MX probe on every up path of the session */
	DP_MSG_GARP = 3,   /* send a gratuitous ARP on every port */
	DP_MSG_ARP_REQ = 4, /* send an ARP request for ip on port_idx (refresh) */
};

struct dp_msg {
	enum dp_msg_type type;
	struct dp_session_state *st;
	rte_be32_t anchor; /* PROBE: finds the session's current version */
	rte_be32_t ip;     /* ARP_REQ */
	uint8_t port_idx;  /* ARP_REQ */
};

struct dp_port {
	uint16_t port_id;
	uint16_t n_rxq, n_txq;
	struct rte_ether_addr mac;       /* source MAC for frames sent here */
	struct rte_ether_addr next_hop;  /* nh_static: every frame goes there */
	bool nh_static;                  /* next_hop_mac without gateway: no ARP */
	rte_be32_t ipv4;
	rte_be32_t gateway;              /* 0: every destination is on-link */
	rte_be32_t netmask;              /* on-link prefix (with a gateway) */
};

struct dp_ctx {
	struct dp_config cfg;            /* control: read-only after start */
	struct rte_mempool *pool;
	struct dp_port ports[DP_MAX_PORTS];
	uint8_t core_idx;                /* index of the core port */
	uint8_t n_ports_up;              /* ports started (closed at exit) */
	uint8_t port_idx_of[RTE_MAX_ETHPORTS]; /* DPDK port id -> config index, 0xFF: not ours */
	uint16_t n_workers;
	struct dp_worker *workers[DP_MAX_WORKERS];
	struct rte_hash *dl_hash;        /* anchor IPv4 (be32) -> dp_session*; lock-free readers */
	struct rte_hash *ul_hash;        /* dp_ul_key -> dp_session* */
	struct rte_hash *id_hash;        /* session id -> dp_session* (control only) */
	struct rte_hash *esp_hash;       /* inbound SPI (host order) -> dp_session* | path index */
	atomic_uint n_esp_in;            /* inbound SAs published (0: no SPI lookup) */
	IMB_MGR *ctl_mb;                 /* control: expands SA keys */
	struct rte_rcu_qsbr *rcu;
	struct rte_ring *retired;        /* owners -> control: states safe to free */
	struct rte_ring *rebind;         /* owners -> control: struct dp_rebind elements */
	atomic_uint n_match_client;      /* control writes, workers read: sessions with
					  * ul_match_client (0: no client match tried) */
	uint64_t rebinds_applied, rebinds_refused, rebinds_stale; /* control (ctl_lock) */
	struct rte_hash *neigh_hash;     /* dp_neigh_key -> dp_neigh*; control writes, lock-free readers */
	struct rte_ring *arp_notes;      /* workers -> control: struct dp_arp_note elements */
	bool garp_sent;                  /* control */
	uint64_t neigh_learnt, neigh_updated, neigh_expired, neigh_refreshes,
		 neigh_table_full;      /* control (ctl_lock) */
	struct rte_mempool *msg_pool;    /* struct dp_msg for the workers' control rings */
	bool workers_running;            /* control */
	pthread_mutex_t ctl_lock;        /* serialises API calls (control, telemetry threads) */
	uint64_t tsc_per_ms;
	atomic_bool quit;
	atomic_uint_least64_t last_rx_tsc; /* any worker: last time a packet arrived */
};

/* dp_init.c: the data plane as a library (main() and in-process tests) */
struct dp_ctx *dp_create(const struct dp_config *cfg, char *err, size_t errlen);
int dp_start(struct dp_ctx *dp);
void dp_stop(struct dp_ctx *dp);
void dp_destroy(struct dp_ctx *dp);

/* dp_port.c */
int dp_ports_init(struct dp_ctx *dp, char *err, size_t errlen);
void dp_ports_close(struct dp_ctx *dp);

/* dp_ctl.c */
int dp_tables_init(struct dp_ctx *dp);
void dp_tables_free(struct dp_ctx *dp);
int dp_install_static_sessions(struct dp_ctx *dp, char *err, size_t errlen);
unsigned dp_ctl_reclaim(struct dp_ctx *dp);
/* Control thread, ctl_lock held: republish sessions with the endpoints
 * their owners learnt (dp_rebind); returns how many notices were read. */
unsigned dp_ctl_rebinds(struct dp_ctx *dp);

/* dp_probe.c: control messages and the gateway's probes */
void dp_ctl_tick(struct dp_ctx *dp);                  /* control thread, every ms or so */
void dp_ctrl_msg(struct dp_worker *w, void *msg);     /* worker: one control message */
void dp_probe_ack(struct dp_worker *w, struct dp_path_state *ps, uint16_t sn);
void dp_msgs_release(struct dp_ctx *dp);              /* after the workers stopped */
void dp_state_release(struct dp_worker *w, struct dp_session_state *st);

/* dp_worker.c */
int dp_worker_main(void *arg);
void dp_worker_poll(struct dp_worker *w);
void dp_worker_drain(struct dp_worker *w);
void dp_tx_enqueue(struct dp_worker *w, uint8_t port_idx, struct rte_mbuf *m);
void dp_drop(struct dp_worker *w, struct rte_mbuf *m, unsigned reason);

/* A drop of a packet known to belong to a session: counted there too. */
static inline void dp_drop_s(struct dp_worker *w, struct dp_session_state *st, struct rte_mbuf *m,
			     unsigned reason)
{
	if (reason < DP_DROP_MAX)
		st->drops[reason]++;
	dp_drop(w, m, reason);
}

/* ... and of a known path of that session: counted on the path too. */
static inline void dp_drop_p(struct dp_worker *w, struct dp_session_state *st, unsigned pi,
			     struct rte_mbuf *m, unsigned reason)
{
	if (reason < DP_DROP_MAX && pi < DP_MAX_PATHS)
		st->paths[pi].drops[reason]++;
	dp_drop_s(w, st, m, reason);
}

/* dp_dl.c / dp_ul.c: one packet each, after the owner check */
const struct rte_ipv4_hdr *dp_ipv4_of(struct dp_worker *w, struct rte_mbuf *m);

/*
 * The UDP payload of a received frame whose outer IPv4 header is checked,
 * the mbuf made contiguous, its length in *len.  NULL with m dropped and
 * counted: DP_DROP_BAD_IPV4 when the UDP length is short or runs past the
 * frame, DP_DROP_NO_MBUF when it cannot be linearized.  Per packet: inline.
 */
static inline const uint8_t *dp_udp_payload(struct dp_worker *w, struct rte_mbuf *m,
					    uint32_t *len)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	unsigned ihl = (ip->version_ihl & 0x0F) * 4u;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)((const uint8_t *)ip + ihl);
	uint32_t l = rte_be_to_cpu_16(udp->dgram_len);

	if (l < sizeof(*udp) || RTE_ETHER_HDR_LEN + ihl + l > rte_pktmbuf_pkt_len(m)) {
		dp_drop(w, m, DP_DROP_BAD_IPV4);
		return NULL;
	}
	if (!rte_pktmbuf_is_contiguous(m) && rte_pktmbuf_linearize(m) < 0) {
		dp_drop(w, m, DP_DROP_NO_MBUF);
		return NULL;
	}
	*len = l - (uint32_t)sizeof(*udp);
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_HDR_LEN + ihl + sizeof(*udp));
}
void dp_ether_write(uint8_t *frame, const struct rte_ether_addr *dst,
		    const struct rte_ether_addr *src);
void dp_outer_fill(struct rte_mbuf *m, const struct dp_path *p, uint16_t pdu_len);
/* Encapsulate and send one SDU on path pi; fs (may be NULL: control PDUs)
 * supplies the Delivery SN, taken per PDU actually queued. */
void dp_dl_send(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		struct dp_flow_state *fs, const struct gma_fields *tmpl, struct rte_mbuf *m);
/* The same for an SDU known to fit the path MTU whole, given the path
 * itself; dsn (NULL: none) is the path's Delivery SN counter. */
void dp_dl_send_whole(struct dp_worker *w, const struct dp_path *p, struct dp_path_state *ps,
		      enum gma_method meth, uint8_t *dsn, const struct gma_fields *tmpl,
		      struct rte_mbuf *m);
void dp_ul_forward_core(struct dp_worker *w, struct rte_mbuf *m);
void dp_dl_packet(struct dp_worker *w, const struct dp_session *s, struct rte_mbuf *m);
void dp_ul_packet(struct dp_worker *w, const struct dp_session *s, unsigned path,
		  struct rte_mbuf *m);
void dp_ul_poll_pending(struct dp_worker *w);
/* Session lookups are done per burst (dp_worker.c, rte_hash_lookup_bulk_data)
 * on the keys these functions take out of each frame.
 * Ethernet/IPv4 checks of a core frame and its key, the destination
 * address; false: dropped and counted. */
bool dp_dl_key_of(struct dp_worker *w, struct rte_mbuf *m, rte_be32_t *key);
/* Outer Ethernet/IPv4/UDP checks of an access frame and its tuple key;
 * false: dropped and counted. */
bool dp_ul_key_of(struct dp_worker *w, struct rte_mbuf *m, uint8_t port_idx,
		  struct dp_ul_key *k);
/* The path of s that tuple k names, or -1. */
int dp_ul_path_of(const struct dp_session *s, const struct dp_ul_key *k);
/* The tuple named no session: match by client (anchor, method, Connection
 * ID) where sessions allow it; NULL: dropped and counted. */
struct dp_session *dp_ul_by_client(struct dp_worker *w, struct rte_mbuf *m, uint8_t port_idx,
				   unsigned *path);
/* Owner: a PDU of path pi accepted by client match (m still has its outer
 * headers): count it and, at most every DP_REBIND_NOTE_MS, tell the control
 * thread the endpoint it came from. */
void dp_ul_rebound(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		   const struct rte_mbuf *m);

/* dp_neigh.c: the exception path (ARP, ICMP echo) and neighbour resolution */
int dp_neigh_init(struct dp_ctx *dp);                 /* tables + static entries */
void dp_neigh_free(struct dp_ctx *dp);
void dp_neigh_tick(struct dp_ctx *dp, uint64_t now_ms); /* control, ctl_lock held */
/* Worker: an ARP frame from port pidx (consumed). */
void dp_arp_input(struct dp_worker *w, struct rte_mbuf *m, uint8_t pidx);
/* Worker: an IPv4 packet addressed to the gateway on port pidx that is not
 * GMA (consumed: answered or dropped with its reason). */
void dp_local_input(struct dp_worker *w, struct rte_mbuf *m, uint8_t pidx,
		    const struct rte_ipv4_hdr *ip);
/* Worker: a frame whose Ethernet header is written but for the destination
 * MAC, to IPv4 destination dst on port pidx: resolved, or queued (bounded)
 * while its next hop is resolved. */
void dp_neigh_tx(struct dp_worker *w, uint8_t pidx, rte_be32_t dst, struct rte_mbuf *m);
void dp_arp_wait_poll(struct dp_worker *w);         /* each loop while n_wait > 0 */
void dp_arp_wait_drain(struct dp_worker *w);        /* stopping: drop what waits */
void dp_arp_send(struct dp_worker *w, uint8_t pidx, rte_be32_t target, bool gratuitous);
/* The table as telemetry shows it (takes ctl_lock); returns the entries written. */
struct dp_neigh_info {
	char ip[16];
	char port[DP_NAME_LEN];
	struct rte_ether_addr mac;
	const char *state;  /* "static", "reachable", "refreshing" (in use, re-requested) */
	uint64_t age_ms;    /* since the last confirmation (0 for static entries) */
};
unsigned dp_neigh_list(struct dp_ctx *dp, struct dp_neigh_info *out, unsigned max);

/* dp_esp.c */
int dp_esp_build(struct dp_ctx *dp, struct dp_session *s, const struct dp_session *old);
void dp_esp_free(struct dp_session *s);
int dp_esp_workers_init(struct dp_ctx *dp);
void dp_esp_workers_free(struct dp_ctx *dp);
/* Downlink: the frame m (outer headers + GMA PDU) of IPsec path p, queued
 * for ESP and sent by dp_esp_flush. */
void dp_esp_out(struct dp_worker *w, const struct dp_path *p, struct rte_mbuf *m);
/* Uplink: an access frame whose tuple named path pi of s (s NULL, pi -1:
 * no path).  0: not ESP, go on as before; 1: ESP for path *path of *sp
 * (then dp_esp_in on its owner; *path has DP_ESP_PREV set when the SPI is
 * the path's previous inbound SA); -1: dropped and counted. */
#define DP_ESP_PREV 8u
int dp_esp_ul_classify(struct dp_worker *w, struct rte_mbuf *m, struct dp_session *s, int pi,
		       struct dp_session **sp, unsigned *path);
void dp_esp_in(struct dp_worker *w, const struct dp_session *s, unsigned pi, struct rte_mbuf *m);
void dp_esp_flush(struct dp_worker *w);

static inline void dp_path_tx_plain(struct dp_worker *w, const struct dp_path *p,
				    struct rte_mbuf *m)
{
	if (likely(!p->resolve))
		dp_tx_enqueue(w, p->port_idx, m);
	else
		dp_neigh_tx(w, p->port_idx, p->client_ip, m);
}

/* A downlink frame on path p. */
static inline void dp_path_tx(struct dp_worker *w, const struct dp_path *p, struct rte_mbuf *m)
{
	if (unlikely(p->esp_out != NULL)) {
		dp_esp_out(w, p, m);
		return;
	}
	if (likely(!p->resolve))
		dp_tx_enqueue(w, p->port_idx, m);
	else
		dp_neigh_tx(w, p->port_idx, p->client_ip, m);
}

/* dp_concat.c: downlink concatenation, owner only */
void dp_concat_sdu(struct dp_worker *w, const struct dp_session *s, unsigned pi,
		   struct dp_flow_state *fs, const struct gma_fields *f, struct rte_mbuf *m);
void dp_concat_flush(struct dp_worker *w, struct dp_flow_state *fs);
void dp_concat_poll(struct dp_worker *w);
void dp_concat_flush_all(struct dp_worker *w);

/* dp_stats.c */
void dp_stats_sum(const struct dp_ctx *dp, struct dp_worker_stats *out);
void dp_stats_print(const struct dp_ctx *dp, FILE *f);
int dp_telemetry_init(struct dp_ctx *dp);

#endif /* DP_H */
