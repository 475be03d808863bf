/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC-SHA-256 and HKDF on IMB_SHA256().  IPsec-MB 1.3 has a one-shot
 * SHA-256 of a buffer and no streaming API, so HMAC hashes (K ^ pad) || msg
 * from one stack buffer; messages are bounded (ESP_HMAC_MSG_MAX).
 */
#include "esp_kdf.h"

#include <errno.h>
#include <string.h>

#define BLOCK 64u
#define HLEN 32u

void esp_wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

int esp_hmac_sha256(IMB_MGR *mgr, const uint8_t *key, size_t key_len, const uint8_t *msg,
		    size_t msg_len, uint8_t out[32])
{
	uint8_t k0[BLOCK];
	uint8_t buf[BLOCK + ESP_HMAC_MSG_MAX];
	uint8_t inner[HLEN];
	unsigned i;

	if (msg_len > ESP_HMAC_MSG_MAX || (key_len > 0 && key == NULL) ||
	    (msg_len > 0 && msg == NULL))
		return -EINVAL;
	memset(k0, 0, sizeof(k0));
	if (key_len > BLOCK)
		IMB_SHA256(mgr, key, key_len, k0);
	else if (key_len > 0)
		memcpy(k0, key, key_len);

	for (i = 0; i < BLOCK; i++)
		buf[i] = k0[i] ^ 0x36u;
	if (msg_len > 0)
		memcpy(buf + BLOCK, msg, msg_len);
	IMB_SHA256(mgr, buf, BLOCK + msg_len, inner);

	for (i = 0; i < BLOCK; i++)
		buf[i] = k0[i] ^ 0x5Cu;
	memcpy(buf + BLOCK, inner, HLEN);
	IMB_SHA256(mgr, buf, BLOCK + HLEN, out);

	esp_wipe(k0, sizeof(k0));
	esp_wipe(buf, BLOCK + (msg_len > HLEN ? msg_len : HLEN));
	esp_wipe(inner, sizeof(inner));
	return 0;
}

int esp_hkdf_extract(IMB_MGR *mgr, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
		     size_t ikm_len, uint8_t prk[32])
{
	static const uint8_t zeros[HLEN];

	if (salt == NULL || salt_len == 0) {
		salt = zeros;
		salt_len = HLEN;
	}
	return esp_hmac_sha256(mgr, salt, salt_len, ikm, ikm_len, prk);
}

int esp_hkdf_expand(IMB_MGR *mgr, const uint8_t *prk, size_t prk_len, const uint8_t *info,
		    size_t info_len, uint8_t *okm, size_t okm_len)
{
	uint8_t msg[HLEN + ESP_HMAC_MSG_MAX];
	uint8_t t[HLEN];
	size_t done = 0, tlen = 0;
	unsigned ctr = 1;
	int rc = 0;

	if (okm_len > 255u * HLEN || prk_len < HLEN || HLEN + info_len + 1 > ESP_HMAC_MSG_MAX ||
	    (info_len > 0 && info == NULL))
		return -EINVAL;
	while (done < okm_len) {
		size_t n;

		/* T(i) = HMAC(PRK, T(i-1) || info || i) */
		memcpy(msg, t, tlen);
		if (info_len > 0)
			memcpy(msg + tlen, info, info_len);
		msg[tlen + info_len] = (uint8_t)ctr;
		rc = esp_hmac_sha256(mgr, prk, prk_len, msg, tlen + info_len + 1, t);
		if (rc != 0)
			break;
		tlen = HLEN;
		n = okm_len - done < HLEN ? okm_len - done : HLEN;
		memcpy(okm + done, t, n);
		done += n;
		ctr++;
	}
	esp_wipe(msg, sizeof(msg));
	esp_wipe(t, sizeof(t));
	return rc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* IKEv2 transform IDs (IANA "IKEv2 Parameters"): ENCR, key bits, INTEG. */
static int suite_transforms(enum esp_suite s, uint16_t *encr, uint16_t *bits, uint16_t *integ)
{
	switch (s) {
	case ESP_SUITE_AES128_GCM:
		*encr = 20; /* ENCR_AES_GCM_16 */
		*bits = 128;
		*integ = 0;
		return 0;
	case ESP_SUITE_AES256_GCM:
		*encr = 20;
		*bits = 256;
		*integ = 0;
		return 0;
	case ESP_SUITE_AES128_CBC_SHA256:
		*encr = 12; /* ENCR_AES_CBC */
		*bits = 128;
		*integ = 12; /* AUTH_HMAC_SHA2_256_128 */
		return 0;
	case ESP_SUITE_AES256_CBC_SHA256:
		*encr = 12;
		*bits = 256;
		*integ = 12;
		return 0;
	}
	return -EINVAL;
}

size_t esp_kdf_info(const struct esp_kdf_ctx *ctx, enum esp_dir dir,
		    uint8_t info[ESP_KDF_INFO_LEN])
{
	static const char label[] = ESP_KDF_LABEL " SA"; /* 14 bytes, no NUL */
	uint16_t encr = 0, bits = 0, integ = 0;
	uint8_t *p = info;

	(void)suite_transforms(ctx->suite, &encr, &bits, &integ);
	memcpy(p, label, sizeof(label) - 1);
	p += sizeof(label) - 1;
	put32(p, ctx->ncm_id);
	p += 4;
	put32(p, ctx->session_id);
	p += 4;
	*p++ = ctx->conn_id;
	*p++ = (uint8_t)dir;
	put16(p, encr);
	p += 2;
	put16(p, bits);
	p += 2;
	put16(p, integ);
	p += 2;
	*p++ = ctx->esn ? 1u : 0u;
	return (size_t)(p - info);
}

int esp_kdf_derive(IMB_MGR *mgr, const uint8_t *secret, size_t secret_len,
		   const struct esp_kdf_ctx *ctx, enum esp_dir dir, bool gateway,
		   uint8_t keymat[ESP_KEYMAT_MAX], struct esp_sa_cfg *cfg)
{
	static const char salt[] = ESP_KDF_LABEL;
	uint8_t prk[HLEN], info[ESP_KDF_INFO_LEN], okm[ESP_KEYMAT_MAX + 4];
	uint16_t encr, bits, integ;
	size_t klen = esp_suite_keymat_len(ctx->suite);
	int rc;

	if (secret_len < ESP_SECRET_MIN || secret_len > ESP_SECRET_MAX || klen == 0 ||
	    suite_transforms(ctx->suite, &encr, &bits, &integ) != 0 ||
	    (dir != ESP_DIR_UPLINK && dir != ESP_DIR_DOWNLINK))
		return -EINVAL;
	rc = esp_hkdf_extract(mgr, (const uint8_t *)salt, sizeof(salt) - 1, secret, secret_len, prk);
	if (rc == 0)
		rc = esp_hkdf_expand(mgr, prk, sizeof(prk), info, esp_kdf_info(ctx, dir, info), okm,
				     klen + 4);
	if (rc == 0) {
		memcpy(keymat, okm, klen);
		memset(cfg, 0, sizeof(*cfg));
		cfg->spi = ((uint32_t)okm[klen] << 24 | (uint32_t)okm[klen + 1] << 16 |
			    (uint32_t)okm[klen + 2] << 8 | okm[klen + 3]) |
			   UINT32_C(0x80000000);
		cfg->suite = ctx->suite;
		cfg->esn = ctx->esn;
		cfg->inbound = gateway ? dir == ESP_DIR_UPLINK : dir == ESP_DIR_DOWNLINK;
		cfg->keymat = keymat;
		cfg->keymat_len = klen;
	}
	esp_wipe(prk, sizeof(prk));
	esp_wipe(okm, sizeof(okm));
	return rc;
}
