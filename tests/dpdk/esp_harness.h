/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP on top of dp_harness, shared by the pcap tests that run mamsgw with
 * static SAs (test_dp_esp.c, test_dp_esp_interop.c).
 *
 * Their session: id 1, trailer method, one flow (5) with the test's steering,
 * an IPsec path (wifi, conn 3) whose "ipsec" object is esph.ipsec_json and a
 * plain path (lte, conn 7).  esph_setup builds the key material from a
 * pattern, the config's "ipsec" object (out: SPI 0x1000, gateway -> client;
 * in: SPI 0x2000, client -> gateway) and the client's SAs with our esp_sa
 * library and the same keys.  The SDUs a test sends are kept in esph.sdu so
 * that the output can be compared with them.
 *
 * One test process uses one suite: the state is the global esph, torn down
 * by esph_fini (the tests' Criterion .fini; it calls dpt_fini).
 */
#ifndef ESP_HARNESS_H
#define ESP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "dp_harness.h"
#include "esp_sa.h"

#define ESPH_SPI_OUT 0x1000u /* gateway -> client */
#define ESPH_SPI_IN 0x2000u  /* client -> gateway */
#define ESPH_FLOW 5u         /* the session's one flow */
#define ESPH_MAX_SDU 48u
#define ESPH_SDU_CAP 2048u
#define ESPH_UL_FLAGS (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP)

struct esph_suite {
	const char *name;  /* config "suite" (and esp_scapy.py's --suite) */
	enum esp_suite suite;
	bool esn;
	size_t klen;       /* key bytes; + 4 salt (GCM) or + 32 auth key (CBC) */
};

extern const struct esph_suite esph_gcm128, esph_gcm256_esn, esph_cbc128;

/* Key material byte i: gateway out = out_add + out_mul * i, gateway in = in_xor ^ (in_mul * i). */
struct esph_keys {
	uint8_t out_add, out_mul, in_xor, in_mul;
};

struct esph {
	IMB_MGR *mb;
	struct esp_sa cli_out, cli_in;   /* the client's SAs: cli_out = the gateway's "in" */
	uint8_t km_out[64], km_in[64];   /* gateway out / gateway in key material */
	char ipsec_json[1024];           /* the IPsec path's "ipsec" object */
	uint8_t sdu[ESPH_MAX_SDU][ESPH_SDU_CAP];
	size_t sdu_len[ESPH_MAX_SDU];
};

extern struct esph esph;

bool esph_is_gcm(const struct esph_suite *c);
/* Key material bytes: the key, then 4 of salt (GCM) or 32 of auth key (CBC). */
size_t esph_km_len(const struct esph_suite *c);
/* n bytes as 2n lower-case hex digits and a NUL. */
void esph_hex(char *o, const uint8_t *b, size_t n);

/*
 * The start of every test: key material from k, the config's "ipsec" object
 * (replay_window window) and the client's SAs; the session *s whose flow 5
 * has steering steer (JSON), its paths in *wifi and *lte; a fresh dpt_run.
 */
struct dpt_run *esph_start(const struct esph_suite *c, const struct esph_keys *k,
			   unsigned window, const char *steer, struct dpt_path *wifi,
			   struct dpt_path *lte, struct dpt_session *s);
/* Criterion .fini: dpt_fini, the client's SAs wiped, the IPsec-MB manager freed. */
void esph_fini(void);

/* Downlink SDUs 0..n-1 (UDP, 28 + (197 i) % 1372 bytes) into esph.sdu, sent on the core port. */
void esph_dl_sdus(struct dpt_run *r, unsigned n);
/* Uplink SDUs 0..n-1 (UDP, 28 + (211 i) % 1380 bytes) into esph.sdu. */
void esph_ul_sdus(unsigned n);

/* SDU i as an uplink GMA PDU (trailer; flow 5, Flow SN i, Delivery SN dsn, timestamp ts). */
size_t esph_ul_pdu(uint8_t *pdu, size_t cap, unsigned i, uint8_t dsn, uint32_t ts);
/* pdu encrypted by the client's outbound SA at its current SN: the ESP span in esp. */
uint32_t esph_encap(uint8_t *esp, size_t cap, const uint8_t *pdu, size_t len);

/* A downlink PDU is exactly what the shared/ codec builds from SDU i and the fields it carries. */
void esph_expect_pdu(const uint8_t *pdu, size_t len, unsigned i, const char *what);
/* No drop, exactly n frames on port dev (what: "ESP frames on wifi"). */
void esph_expect_n(const struct dpt_run *r, unsigned dev, size_t n, const char *what);
/* No drop, and SDUs 0..n-1 on the core port in order, byte-identical. */
void esph_expect_core_sdus(const struct dpt_run *r, unsigned n, const char *name);

#endif /* ESP_HARNESS_H */
