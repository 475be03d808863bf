/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869) on Intel IPsec-MB's
 * SHA-256, and the derivation of per-connection, per-direction ESP SAs from
 * the MAMS shared secret (docs/ipsec.md, "Keys from MAMS").  Not for the
 * packet path: each call hashes a few small buffers.
 */
#ifndef ESP_KDF_H
#define ESP_KDF_H

#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "esp_sa.h"

#define ESP_HMAC_MSG_MAX 512u      /* longest HMAC message (IKM, info + 33) */
#define ESP_SECRET_MIN 16u         /* shortest accepted MAMS shared secret */
#define ESP_SECRET_MAX 256u
#define ESP_KDF_LABEL "MAMS-ESP-v1"  /* HKDF salt; info starts with it + " SA" */

/* out = HMAC-SHA-256(key, msg).  0, or -EINVAL if msg_len > ESP_HMAC_MSG_MAX. */
int esp_hmac_sha256(IMB_MGR *mgr, const uint8_t *key, size_t key_len, const uint8_t *msg,
		    size_t msg_len, uint8_t out[32]);

/* RFC 5869 2.2; salt may be NULL/0 (then 32 zero bytes).  0 or -EINVAL. */
int esp_hkdf_extract(IMB_MGR *mgr, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		     size_t ikm_len, uint8_t prk[32]);
/* RFC 5869 2.3; okm_len <= 255 * 32.  0 or -EINVAL. */
int esp_hkdf_expand(IMB_MGR *mgr, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		    size_t info_len, uint8_t *okm, size_t okm_len);

enum esp_dir {
	ESP_DIR_UPLINK = 1,   /* client -> gateway: the gateway's inbound SA */
	ESP_DIR_DOWNLINK = 2, /* gateway -> client: the gateway's outbound SA */
};

/* Who the SA belongs to: the MAMS session and delivery connection. */
struct esp_kdf_ctx {
	uint32_t ncm_id;       /* unique_session_id.ncm_id */
	uint32_t session_id;   /* unique_session_id.session_id */
	uint8_t conn_id;       /* delivery connection ID */
	enum esp_suite suite;
	bool esn;
};

#define ESP_KDF_INFO_LEN 31u

/* The HKDF info of one SA (docs/ipsec.md); returns its length (31). */
size_t esp_kdf_info(const struct esp_kdf_ctx *ctx, enum esp_dir dir,
		    uint8_t info[ESP_KDF_INFO_LEN]);

/*
 * Key material and SPI of the SA for direction dir, from the MAMS shared
 * secret (its bytes as sent in the JSON string).  cfg gets spi, suite, esn,
 * inbound (as seen by `side`: true for the gateway, whose inbound SA is the
 * uplink one) and keymat pointing into keymat[].  0 or -EINVAL (secret
 * length, suite).
 */
int esp_kdf_derive(IMB_MGR *mgr, const uint8_t *secret, size_t secret_len,
		   const struct esp_kdf_ctx *ctx, enum esp_dir dir, bool gateway,
		   uint8_t keymat[ESP_KEYMAT_MAX], struct esp_sa_cfg *cfg);

/* Overwrite n bytes with zeros in a way the compiler keeps. */
void esp_wipe(void *p, size_t n);

#endif /* ESP_KDF_H */
