/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPsec adaptation of mams-client (docs/ipsec.md, docs/client.md):
 * ESP-in-UDP per delivery connection with SAs derived from the MAMS
 * shared_secret (esp_kdf_derive(), the client's side), rekey with overlap.
 *
 * Pure: no socket, no clock (time is passed in), no allocation after
 * mc_esp_create(), nothing logged per packet.  One IPsec-MB manager for the
 * whole client (alloc_mb_mgr(0) + init_mb_mgr_auto()), made here.
 *
 * Per path: one outbound SA (uplink) and up to two inbound SAs (downlink):
 * the current one and, for rekey_grace_ms after a rekey, the previous one.
 * A rekey switches the outbound SA at once (the gateway installs its new
 * inbound SA before it sends the new secret) and keeps accepting the old
 * inbound SA until the grace period ends (the gateway sends on it until it
 * has the client's mx_up_setup_cnf); then the old SA is wiped.  The same
 * secret (and session, connection) again keeps the SAs and their counters.
 *
 * Every refusal is counted by reason: the esp_err.h outcomes, and
 * esp_plaintext (a GMA PDU in the clear on an IPsec path) and
 * esp_keepalive (a one-byte 0xFF NAT keep-alive: counted, not an error).
 */
#ifndef MC_ESP_H
#define MC_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_sa.h"
#include "gma_wire.h"

#define MC_ESP_MAX_PATHS 8u
#define MC_ESP_HEAD 24u /* largest ESP header + IV (CBC): room before an uplink PDU */
#define MC_ESP_TAIL 33u /* largest padding + pad length + next header + ICV (CBC) */

struct mc_esp_cfg {
	enum esp_suite suite;     /* 0: ESP_SUITE_AES128_GCM */
	bool esn;                 /* 64-bit extended sequence numbers */
	uint32_t replay_window;   /* inbound: power of 2, 32..4096; 0: 1024 */
	uint32_t rekey_grace_ms;  /* the previous inbound SA is accepted this long */
	enum gma_method method;   /* Next Header: 4 (IP methods) or 253 (non-IP) */
	unsigned n_paths;
};

/* What one path's SAs are derived from (docs/ipsec.md, "Keys from MAMS"). */
struct mc_esp_keys {
	const uint8_t *secret;    /* shared_secret, its bytes as sent */
	size_t secret_len;        /* 16..256 */
	uint32_t ncm_id, session_id;
	uint8_t conn_id;
};

struct mc_esp_stats {
	bool on;                    /* the path is an IPsec one */
	uint32_t spi_out, spi_in;   /* current SAs */
	uint32_t spi_in_old;        /* previous inbound SA during the grace period, else 0 */
	uint64_t tx, rx;            /* ESP packets sent, accepted */
	uint64_t rx_old_sa;         /* of rx: on the previous inbound SA */
	uint64_t rekeys;            /* SAs replaced by ones from another secret */
	uint64_t keepalive;         /* esp_keepalive */
	uint64_t plaintext;         /* esp_plaintext */
	uint64_t err[ESP_ERR_COUNT]; /* by enum esp_err; err[ESP_OK] unused */
};

enum mc_esp_set {
	MC_ESP_KEPT = 0,     /* same secret, session and connection: SAs and counters kept */
	MC_ESP_NEW = 1,      /* the path had no SAs */
	MC_ESP_REKEYED = 2,  /* new SAs; the previous inbound one stays for the grace period */
};

struct mc_esp;

/* NULL with errno (EINVAL: suite, window, paths; ENOMEM). */
struct mc_esp *mc_esp_create(const struct mc_esp_cfg *cfg);
void mc_esp_destroy(struct mc_esp *e);

/* Derives the path's SAs (enum mc_esp_set), or -EINVAL (secret length, path). */
int mc_esp_set_keys(struct mc_esp *e, unsigned path, const struct mc_esp_keys *k,
		    uint64_t now_ms);
/* The path is a plain UDP one again.  Its SAs are kept, unused, so that
 * the same secret later goes on with their SN and replay window (another
 * secret replaces them; mc_esp_destroy() wipes them). */
void mc_esp_clear(struct mc_esp *e, unsigned path);
bool mc_esp_on(const struct mc_esp *e, unsigned path);
/* The most bytes ESP adds around a GMA PDU with the configured suite
 * (header, IV, padding, trailer, ICV): 37 GCM, 57 CBC. */
unsigned mc_esp_overhead(const struct mc_esp *e);
enum esp_suite mc_esp_suite(const struct mc_esp *e);

/*
 * Encapsulates the GMA PDU pdu[0..len) of path in place: MC_ESP_HEAD bytes
 * before pdu and MC_ESP_TAIL after pdu + len must be writable.  On ESP_OK
 * the ESP span (the UDP payload) is (*esp)[0..*esp_len).  Failures are
 * counted (e.g. esp_sn_exhausted, esp_too_big).
 */
enum esp_err mc_esp_encap(struct mc_esp *e, unsigned path, uint8_t *pdu, uint32_t len,
			  uint8_t **esp, uint32_t *esp_len);

/*
 * One UDP payload received on an IPsec path, buf[0..len): 0 with the GMA
 * PDU at buf + *off, *pdu_len bytes (decrypted in place); -1 when it is
 * dropped, counted by reason (keep-alive, plaintext, unknown SPI, ICV,
 * replay, ...).
 */
int mc_esp_decap(struct mc_esp *e, unsigned path, uint8_t *buf, uint32_t len, uint64_t now_ms,
		 uint32_t *off, uint32_t *pdu_len);

/* Wipes previous inbound SAs whose grace period has ended. */
void mc_esp_poll(struct mc_esp *e, uint64_t now_ms);
/* When mc_esp_poll() next has something to do, or UINT64_MAX. */
uint64_t mc_esp_next_deadline(const struct mc_esp *e);

void mc_esp_stats(const struct mc_esp *e, unsigned path, struct mc_esp_stats *out);

/* --ipsec-suite names: aes128-gcm, aes256-gcm, aes128-cbc-sha256, aes256-cbc-sha256. */
int mc_esp_suite_parse(const char *name, enum esp_suite *out);
const char *mc_esp_suite_flag(enum esp_suite s);

#endif /* MC_ESP_H */
