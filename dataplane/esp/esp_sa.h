/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP security associations and packet processing with Intel IPsec-MB
 * (RFC 4303 ESP, RFC 3948 UDP encapsulation, RFC 4106 AES-GCM, RFC 3602
 * AES-CBC with RFC 4868 HMAC-SHA-256-128).  Layout and rules: docs/ipsec.md.
 *
 * DPDK-free: works on byte spans, in place.  The caller owns one IMB_MGR per
 * thread (init_mb_mgr_auto) and passes it in; an SA's keys are expanded once,
 * in esp_sa_init().  An outbound SA's SN counter and an inbound SA's replay
 * window are written only by the thread that processes the SA's packets.
 *
 * ESP span (starts right after the outer UDP header, RFC 3948):
 *
 *   0      SPI (4)          | SN low 32 bits (4)
 *   8      IV  (8 GCM: the 64-bit SN; 16 CBC: E_K(0^64 || SN64))
 *   8+iv   payload (the GMA PDU) | padding 1,2,3.. | pad length | next header
 *          (the encrypted part; 4-byte aligned (GCM) / 16-byte (CBC))
 *   end-16 ICV (16: GCM tag; HMAC-SHA-256 truncated to 128 bits)
 */
#ifndef ESP_SA_H
#define ESP_SA_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "esp_err.h"
#include "esp_replay.h"

/* Next Header values (docs/ipsec.md, "Next Header"). */
#define ESP_NH_IPV4 4u    /* GMA PDU of the trailer or header-based IP method */
#define ESP_NH_NOIP 253u  /* GMA PDU of the non-IP method (RFC 3692 experimental value) */
#define ESP_NH_DUMMY 59u  /* RFC 4303 2.6 dummy packet: discarded on receipt */

#define ESP_HDR_LEN 8u       /* SPI + SN */
#define ESP_ICV_LEN 16u
#define ESP_MAX_PAYLOAD 9000u /* larger inner packets are refused (jumbo at most) */
#define ESP_KEYMAT_MAX 64u   /* AES-256 key + HMAC-SHA-256 key */
#define ESP_SPI_MIN 256u     /* 0..255 are reserved (RFC 4303 2.1) */

enum esp_suite {
	ESP_SUITE_AES128_GCM = 1,      /* RFC 4106, 16-byte ICV; keymat: key 16 || salt 4 */
	ESP_SUITE_AES256_GCM = 2,      /* RFC 4106, 16-byte ICV; keymat: key 32 || salt 4 */
	ESP_SUITE_AES128_CBC_SHA256 = 3, /* RFC 3602 + RFC 4868; keymat: key 16 || auth 32 */
	ESP_SUITE_AES256_CBC_SHA256 = 4, /* RFC 3602 + RFC 4868; keymat: key 32 || auth 32 */
};

struct esp_sa_cfg {
	uint32_t spi;            /* >= ESP_SPI_MIN */
	enum esp_suite suite;
	bool inbound;            /* true: decap with a replay window; false: encap */
	bool esn;                /* 64-bit extended sequence numbers (RFC 4303 2.2.1) */
	uint32_t replay_window;  /* inbound: power of 2, 32..4096; 0 = 1024 */
	const uint8_t *keymat;   /* esp_suite_keymat_len() bytes, layout above */
	size_t keymat_len;
	uint64_t first_sn;       /* outbound: first SN to send; 0 = 1 (tests start near 2^32) */
};

/* Key schedules: expanded once at SA creation. */
union esp_sa_keys {
	struct gcm_key_data gcm;
	struct {
		alignas(16) uint32_t enc[4 * 15]; /* AES-128/256 round keys */
		alignas(16) uint32_t dec[4 * 15];
		alignas(16) uint8_t ipad[32];     /* SHA-256 state after (K ^ ipad) */
		alignas(16) uint8_t opad[32];     /* SHA-256 state after (K ^ opad) */
	} cbc;
};

struct esp_sa {
	/* Set by esp_sa_init(), read-only afterwards (every thread may read). */
	uint32_t spi;
	uint8_t suite;           /* enum esp_suite */
	bool inbound;
	bool esn;
	bool gcm;
	uint8_t iv_len;          /* 8 (GCM) or 16 (CBC) */
	uint8_t align;           /* ciphertext alignment: 4 (GCM) or 16 (CBC) */
	uint8_t key_len;         /* 16 or 32 */
	uint8_t salt[4];         /* GCM nonce salt (RFC 4106 4) */
	/* Owner worker writes. */
	uint64_t next_sn;        /* outbound: SN of the next packet */
	struct esp_replay replay; /* inbound */
	/* Optional, set by the caller after esp_sa_init(): the SN counter and
	 * the replay window kept elsewhere (the data plane keeps them in the
	 * owner's session state, so that they outlive a version of the SA).
	 * NULL: next_sn and replay above. */
	uint64_t *next_sn_ext;
	struct esp_replay *replay_ext;
	alignas(64) union esp_sa_keys k;
};

/* Key material length of a suite, 0 if unknown. */
size_t esp_suite_keymat_len(enum esp_suite suite);
const char *esp_suite_name(enum esp_suite suite);

/* 0, or -EINVAL (bad suite, key length, SPI, window).  Expands the keys. */
int esp_sa_init(struct esp_sa *sa, IMB_MGR *mgr, const struct esp_sa_cfg *cfg);
/* Overwrite the keys (and everything else) with zeros. */
void esp_sa_wipe(struct esp_sa *sa);

static inline uint64_t *esp_sa_sn(struct esp_sa *sa)
{
	return sa->next_sn_ext != NULL ? sa->next_sn_ext : &sa->next_sn;
}

static inline struct esp_replay *esp_sa_replay(struct esp_sa *sa)
{
	return sa->replay_ext != NULL ? sa->replay_ext : &sa->replay;
}

/* Bytes before the payload: SPI, SN, IV. */
static inline unsigned esp_sa_hdr_len(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + sa->iv_len;
}

/* Most bytes encap appends after the payload: padding, pad length, NH, ICV. */
static inline unsigned esp_sa_tail_max(const struct esp_sa *sa)
{
	return sa->align - 1u + 2u + ESP_ICV_LEN;
}

/* The SPI of an ESP span, for the caller's SA lookup (0 if too short). */
static inline uint32_t esp_spi_of(const uint8_t *esp, size_t len)
{
	if (len < ESP_HDR_LEN)
		return 0;
	return (uint32_t)esp[0] << 24 | (uint32_t)esp[1] << 16 | (uint32_t)esp[2] << 8 | esp[3];
}

/*
 * One packet of a burst.  Encap: the payload (len bytes) is already at
 * esp + esp_sa_hdr_len(sa), and room bytes from esp are writable; on ESP_OK
 * the ESP span is esp[0..len).  Decap: esp[0..len) is the received ESP span;
 * on ESP_OK the payload is at esp + esp_sa_hdr_len(sa), len bytes, and
 * next_header is 4 or 253.  Both work in place.
 */
struct esp_op {
	struct esp_sa *sa;       /* in */
	uint8_t *esp;            /* in */
	uint32_t len;            /* in/out, see above */
	uint32_t room;           /* encap: in */
	uint8_t next_header;     /* encap: in; decap: out */
	uint8_t status;          /* out: enum esp_err */
	uint64_t sn;             /* out: 64-bit SN sent or received */
	/* Scratch owned by the burst functions while the job is in flight. */
	uint8_t aad[12];
	uint8_t icv[ESP_ICV_LEN];
	alignas(16) uint8_t tag[ESP_ICV_LEN];
	alignas(16) uint8_t nonce[16];
};

/*
 * Process n ops with one job each, submitted to mgr in order and flushed at
 * the end, so mgr holds no job on return.  Each op gets its status; returns
 * the number of ESP_OK.  Decap verifies the ICV before it updates the replay
 * window; two copies of one SN in a burst: the second is ESP_REPLAY.
 */
unsigned esp_encap_burst(IMB_MGR *mgr, struct esp_op *ops, unsigned n);
unsigned esp_decap_burst(IMB_MGR *mgr, struct esp_op *ops, unsigned n);

/* One packet (a burst of one): returns the status (ESP_OK = 0). */
enum esp_err esp_encap(IMB_MGR *mgr, struct esp_sa *sa, uint8_t *esp, uint32_t payload_len,
		       uint32_t room, uint8_t next_header, uint32_t *esp_len);
enum esp_err esp_decap(IMB_MGR *mgr, struct esp_sa *sa, uint8_t *esp, uint32_t esp_len,
		       uint32_t *payload_len, uint8_t *next_header);

/*
 * Known-answer hooks: the same job set-up as the packet path with the inputs
 * exposed.  AES-GCM with a 12-byte nonce and any AAD under a GCM SA's key
 * (16-byte tag); HMAC-SHA-256 with the SA code's ipad/opad precompute,
 * truncated to tag_len (16 or 32) bytes.  0 or -EIO (job error) / -EINVAL.
 */
int esp_gcm_kat(IMB_MGR *mgr, const struct esp_sa *sa, bool encrypt, const uint8_t nonce[12],
		const uint8_t *aad, size_t aad_len, const uint8_t *src, uint8_t *dst, size_t len,
		uint8_t tag[16]);
int esp_hmac_sha256_job(IMB_MGR *mgr, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t len, uint8_t *tag, size_t tag_len);

#endif /* ESP_SA_H */
