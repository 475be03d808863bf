/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C-MADP of mams-client: GMA (RFC 9188) around the shared/ codec, for
 * one session.  Pure: no socket, no clock, no allocation after
 * mc_madp_create(); the caller passes time in and moves bytes through
 * struct mc_madp_io.
 *
 * Uplink (TUN -> access): uplink steering (mc_steer.h) picks a delivery
 * connection, the SDU is encapsulated with the session's method and the
 * fields MC_UL_FLAGS (Connection ID, Delivery SN per path, Flow SN of the
 * one uplink flow, timestamp; TTL for the IP methods), fragmented when the
 * PDU plus outer IPv4/UDP exceeds the path MTU, and handed to io.send.
 *
 * Downlink (access -> TUN): the caller receives a UDP payload into a
 * buffer from mc_madp_rx_buf() and passes it to mc_madp_downlink(), which
 * takes it over: GMA decode, reassembly (gma_frag.h), de-concatenation,
 * then per Flow ID a reorder window (gma_reorder.h) released in Flow SN
 * order to io.deliver.  SDUs without a Flow SN are delivered at once.  An
 * SDU that is IPv4/UDP to the anchor address with source and destination
 * port mx_port is an MX control PDU (mx_ctrl.h): probe requests are
 * answered with an ACK on the connection they name (else the one they came
 * on), keep-alives are counted.
 *
 * Paths are the configured interfaces, index 0..n_paths-1, each with its
 * MAMS connection ID.
 *
 * IPsec (docs/ipsec.md): a path given SAs with mc_madp_set_ipsec() sends
 * every PDU (data, fragments, probe ACKs) only as ESP (mc_esp.h) in the
 * UDP payload, the GMA PDU built MC_ESP_HEAD bytes into the scratch buffer
 * so that it is encrypted in place; what it receives is decapsulated
 * before the GMA decode.  Never plaintext on such a path: without a usable
 * SA nothing is sent, and a GMA PDU received in the clear is dropped
 * (esp_plaintext).  Fragmentation budgets the ESP overhead.
 */
#ifndef MC_MADP_H
#define MC_MADP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gma_frag.h"
#include "gma_reorder.h"
#include "gma_wire.h"
#include "mc_esp.h"
#include "mc_steer.h"
#include "mx_ctrl.h"

#define MC_MAX_PATHS 8u
#define MC_MAX_FLOWS 8u      /* downlink Flow IDs with a reorder window of their own */
#define MC_OUTER_OVERHEAD 28u /* outer IPv4 + UDP around every PDU */
#define MC_UL_FLAGS (GMA_F_CONN_ID | GMA_F_DELIVERY_SN | GMA_F_FLOW_SN | GMA_F_TIMESTAMP)
#define MC_CTRL_FLAGS (GMA_F_CONN_ID | GMA_F_TIMESTAMP) /* no Flow SN: never reordered */

struct mc_madp_cfg {
	enum gma_method method;
	enum mx_dialect mx_dialect;
	uint16_t mx_port;
	uint32_t reorder_window;     /* power of 2 */
	uint32_t reorder_timeout_ms;
	bool deliver_late;
	struct gma_reasm_cfg reasm;
	uint32_t n_bufs;             /* downlink buffers (held by reordering/reassembly) */
	uint32_t buf_size;           /* bytes of one: the largest UDP payload received */
	unsigned n_paths;
	/* IPsec paths (--ipsec-*): suite (0: AES-128-GCM), ESN, replay window
	 * (0: 1024), how long the previous inbound SA is accepted after a rekey. */
	enum esp_suite esp_suite;
	bool esp_esn;
	uint32_t esp_replay_window;
	uint32_t esp_rekey_grace_ms;
};

/* One path's state, set by the control side (mc_madp_set_path). */
struct mc_path_cfg {
	uint8_t conn_id;    /* MAMS connection ID, 0..15 */
	bool connected;     /* its socket knows the tunnel endpoint: PDUs may be sent */
	bool up;            /* the interface is up: a live path for the reorder windows */
	bool ul_ok;         /* uplink data may use it (set up, acknowledged) */
	uint16_t mtu;       /* largest outer IPv4 packet */
};

struct mc_path_stats {
	uint64_t tx_pkts, tx_bytes;     /* PDUs handed to io.send (data, fragments, ACKs) */
	uint64_t tx_errors;             /* io.send failed, or no ESP (IPsec path) */
	uint64_t rx_pkts, rx_bytes;     /* GMA PDUs received (valid); bytes of the UDP payload */
	uint64_t rx_bad;                /* payloads (decrypted on IPsec paths) that are not a PDU
					 * of the method; ESP refusals: mc_madp_esp_stats() */
	uint64_t dsn_lost;              /* gaps in the Delivery SN (per flow) */
	uint64_t probes_rx, probes_lost;/* MX probe requests; SN gaps between them */
	uint64_t probe_acks_tx;
	uint64_t keepalives_rx;
	uint64_t ctrl_bad;              /* MX control PDUs that do not decode */
};

struct mc_madp_stats {
	uint64_t ul_sdus, ul_bytes;     /* SDUs sent uplink (bytes before GMA) */
	uint64_t ul_frag_pdus;          /* fragments sent */
	uint64_t ul_no_path;            /* dropped: no usable delivery connection */
	uint64_t ul_paused;             /* refused while uplink GMA is paused (handover) */
	uint64_t ul_bad;                /* dropped: not IPv4 for an IP method, too big, ... */
	uint64_t dl_sdus, dl_bytes;     /* SDUs delivered to the TUN device */
	uint64_t dl_ctrl;               /* MX control PDUs consumed */
	uint64_t dl_no_buf;             /* dropped: no free buffer */
	uint64_t dl_reasm_reject, dl_reasm_timeout;
	uint64_t dl_reorder_drops;      /* duplicates, stale, late (deliver_late false) */
	uint64_t dl_no_flow;            /* SDUs of a Flow ID beyond MC_MAX_FLOWS: not reordered */
	struct gma_reorder_stats reorder; /* summed over the flows (mc_madp_stats()) */
};

struct mc_madp_io {
	void *opaque;
	/* Sends one GMA PDU as the UDP payload of path `path`; 0 or -errno. */
	int (*send)(void *opaque, unsigned path, const uint8_t *pdu, size_t len);
	/* One SDU for the TUN device. */
	void (*deliver)(void *opaque, const uint8_t *sdu, size_t len);
};

struct mc_madp;

struct mc_madp *mc_madp_create(const struct mc_madp_cfg *cfg, const struct mc_madp_io *io);
void mc_madp_destroy(struct mc_madp *m);

void mc_madp_set_anchor(struct mc_madp *m, uint32_t anchor_ip, uint8_t anchor_conn_id);
void mc_madp_set_path(struct mc_madp *m, unsigned path, const struct mc_path_cfg *pc);
void mc_madp_set_steer(struct mc_madp *m, const struct mc_steer *s);
/* Path becomes (k) or stays an IPsec path with SAs derived from k, or a
 * plain UDP one again (k NULL).  enum mc_esp_set, or -EINVAL. */
int mc_madp_set_ipsec(struct mc_madp *m, unsigned path, const struct mc_esp_keys *k,
		      uint64_t now_ms);
bool mc_madp_ipsec(const struct mc_madp *m, unsigned path);
/* Bytes around a GMA PDU on the path: outer IPv4/UDP, and ESP's largest on IPsec. */
unsigned mc_madp_path_overhead(const struct mc_madp *m, unsigned path);
void mc_madp_esp_stats(const struct mc_madp *m, unsigned path, struct mc_esp_stats *out);
enum esp_suite mc_madp_esp_suite(const struct mc_madp *m);
/* RFC 8743 8.3.2: no uplink GMA while a handover keep-alive is unanswered. */
void mc_madp_set_ul_paused(struct mc_madp *m, bool paused);
bool mc_madp_ul_paused(const struct mc_madp *m);

/* One uplink SDU (an IP packet from the TUN device): 0, or -errno
 * (-EAGAIN paused, -ENETUNREACH no path, -EINVAL / -EMSGSIZE bad SDU). */
int mc_madp_uplink(struct mc_madp *m, const uint8_t *sdu, size_t len, uint64_t now_ms);

/* A buffer of *cap bytes to receive the next UDP payload into, or NULL
 * when every buffer is held; it stays reserved until mc_madp_downlink(). */
uint8_t *mc_madp_rx_buf(struct mc_madp *m, size_t *cap);
/* The payload of len bytes received on path into the buffer from
 * mc_madp_rx_buf(); the buffer is taken over. */
void mc_madp_downlink(struct mc_madp *m, unsigned path, size_t len, uint64_t now_ms);

/* Reorder timeouts, reassembly expiry, the end of rekey grace periods. */
void mc_madp_poll(struct mc_madp *m, uint64_t now_ms);
/* When mc_madp_poll() next has something to do, or UINT64_MAX. */
uint64_t mc_madp_next_deadline(const struct mc_madp *m, uint64_t now_ms);
/* Delivers what the reorder windows hold, gaps skipped (session end). */
void mc_madp_flush(struct mc_madp *m);

void mc_madp_path_stats(const struct mc_madp *m, unsigned path, struct mc_path_stats *out);
void mc_madp_stats(const struct mc_madp *m, struct mc_madp_stats *out);
/* Downlink packets held (reordering + reassembly). */
unsigned mc_madp_held(const struct mc_madp *m);

/* The TUN MTU that lets an uplink SDU go unfragmented over a path of
 * path_mtu; extra: bytes beyond the outer IPv4/UDP (ESP: mc_esp_overhead()). */
uint32_t mc_madp_tun_mtu(enum gma_method method, uint32_t path_mtu, uint32_t extra);

#endif /* MC_MADP_H */
