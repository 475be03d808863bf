/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP SA creation (key expansion with IPsec-MB) and the known-answer hooks.
 * Packet processing: esp_proc.c.
 */
#include "esp_sa.h"

#include <errno.h>
#include <string.h>

#include "esp_gcm_job.h"
#include "esp_kdf.h"

static const char *const err_names[] = {
#define ESP_ERR_NAME(name, str) str,
	ESP_ERR_LIST(ESP_ERR_NAME)
#undef ESP_ERR_NAME
};

const char *esp_err_name(unsigned err)
{
	return err < ESP_ERR_COUNT ? err_names[err] : "unknown";
}

size_t esp_suite_keymat_len(enum esp_suite suite)
{
	switch (suite) {
	case ESP_SUITE_AES128_GCM:
		return 16 + 4;
	case ESP_SUITE_AES256_GCM:
		return 32 + 4;
	case ESP_SUITE_AES128_CBC_SHA256:
		return 16 + 32;
	case ESP_SUITE_AES256_CBC_SHA256:
		return 32 + 32;
	}
	return 0;
}

const char *esp_suite_name(enum esp_suite suite)
{
	switch (suite) {
	case ESP_SUITE_AES128_GCM:
		return "aes128-gcm16";
	case ESP_SUITE_AES256_GCM:
		return "aes256-gcm16";
	case ESP_SUITE_AES128_CBC_SHA256:
		return "aes128-cbc-hmac-sha256-128";
	case ESP_SUITE_AES256_CBC_SHA256:
		return "aes256-cbc-hmac-sha256-128";
	}
	return "unknown";
}

/*
 * HMAC-SHA-256 ipad/opad states for the job API: one SHA-256 block of
 * (K ^ 0x36..) and (K ^ 0x5c..), K padded to 64 bytes (hashed first if
 * longer), as IPsec-MB's HMAC jobs expect them.
 */
static void hmac_pads(IMB_MGR *mgr, const uint8_t *key, size_t key_len, uint8_t ipad[32],
		      uint8_t opad[32])
{
	alignas(16) uint8_t k0[64];
	alignas(16) uint8_t blk[64];
	unsigned i;

	memset(k0, 0, sizeof(k0));
	if (key_len > sizeof(k0))
		IMB_SHA256(mgr, key, key_len, k0);
	else if (key_len > 0)
		memcpy(k0, key, key_len);
	for (i = 0; i < 64; i++)
		blk[i] = k0[i] ^ 0x36u;
	IMB_SHA256_ONE_BLOCK(mgr, blk, ipad);
	for (i = 0; i < 64; i++)
		blk[i] = k0[i] ^ 0x5Cu;
	IMB_SHA256_ONE_BLOCK(mgr, blk, opad);
	esp_wipe(k0, sizeof(k0));
	esp_wipe(blk, sizeof(blk));
}

int esp_sa_init(struct esp_sa *sa, IMB_MGR *mgr, const struct esp_sa_cfg *cfg)
{
	size_t klen = esp_suite_keymat_len(cfg->suite);
	int rc;

	if (klen == 0 || cfg->keymat == NULL || cfg->keymat_len != klen || cfg->spi < ESP_SPI_MIN)
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	if (cfg->inbound) {
		rc = esp_replay_init(&sa->replay, cfg->replay_window, cfg->esn);
		if (rc != 0)
			return rc;
	}
	sa->spi = cfg->spi;
	sa->suite = (uint8_t)cfg->suite;
	sa->inbound = cfg->inbound;
	sa->esn = cfg->esn;
	sa->next_sn = cfg->first_sn ? cfg->first_sn : 1u;
	if (!cfg->esn && sa->next_sn > UINT32_MAX)
		return -EINVAL;

	switch (cfg->suite) {
	case ESP_SUITE_AES128_GCM:
	case ESP_SUITE_AES256_GCM:
		sa->gcm = true;
		sa->iv_len = 8;
		sa->align = 4;
		sa->key_len = (uint8_t)(klen - 4);
		memcpy(sa->salt, cfg->keymat + sa->key_len, 4);
		if (sa->key_len == 16)
			IMB_AES128_GCM_PRE(mgr, cfg->keymat, &sa->k.gcm);
		else
			IMB_AES256_GCM_PRE(mgr, cfg->keymat, &sa->k.gcm);
		break;
	case ESP_SUITE_AES128_CBC_SHA256:
	case ESP_SUITE_AES256_CBC_SHA256:
		sa->gcm = false;
		sa->iv_len = 16;
		sa->align = 16;
		sa->key_len = (uint8_t)(klen - 32);
		if (sa->key_len == 16)
			IMB_AES_KEYEXP_128(mgr, cfg->keymat, sa->k.cbc.enc, sa->k.cbc.dec);
		else
			IMB_AES_KEYEXP_256(mgr, cfg->keymat, sa->k.cbc.enc, sa->k.cbc.dec);
		hmac_pads(mgr, cfg->keymat + sa->key_len, 32, sa->k.cbc.ipad, sa->k.cbc.opad);
		break;
	}
	return 0;
}

void esp_sa_wipe(struct esp_sa *sa)
{
	esp_wipe(sa, sizeof(*sa));
}

/* Submit one job and wait for it (the manager must hold no other job). */
static int run_one(IMB_MGR *mgr)
{
	IMB_JOB *job = IMB_SUBMIT_JOB(mgr);
	int rc = 0;

	if (job == NULL)
		job = IMB_FLUSH_JOB(mgr);
	while (job != NULL) {
		if (job->status != IMB_STATUS_COMPLETED)
			rc = -EIO;
		job = IMB_GET_COMPLETED_JOB(mgr);
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL) {
		if (job->status != IMB_STATUS_COMPLETED)
			rc = -EIO;
	}
	return rc;
}

int esp_gcm_kat(IMB_MGR *mgr, const struct esp_sa *sa, bool encrypt, const uint8_t nonce[12],
		const uint8_t *aad, size_t aad_len, const uint8_t *src, uint8_t *dst, size_t len,
		uint8_t tag[16])
{
	static const uint8_t empty[16];
	IMB_JOB *job;

	if (!sa->gcm)
		return -EINVAL;
	job = IMB_GET_NEXT_JOB(mgr);
	esp_gcm_job(job, sa, encrypt, len ? src : empty, len ? dst : tag, 0, len, nonce,
		    aad_len ? aad : empty, aad_len, tag, 16);
	job->user_data = NULL;
	return run_one(mgr);
}

int esp_hmac_sha256_job(IMB_MGR *mgr, const uint8_t *key, size_t key_len, const uint8_t *msg,
			size_t len, uint8_t *tag, size_t tag_len)
{
	alignas(16) uint8_t ipad[32], opad[32];
	static const uint8_t empty[1];
	IMB_JOB *job;
	int rc;

	if (tag_len != 16 && tag_len != 32)
		return -EINVAL;
	hmac_pads(mgr, key, key_len, ipad, opad);
	job = IMB_GET_NEXT_JOB(mgr);
	job->cipher_mode = IMB_CIPHER_NULL;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_HASH_CIPHER;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->src = len ? msg : empty;
	job->dst = NULL;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->u.HMAC._hashed_auth_key_xor_ipad = ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = opad;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = tag_len;
	job->user_data = NULL;
	rc = run_one(mgr);
	esp_wipe(ipad, sizeof(ipad));
	esp_wipe(opad, sizeof(opad));
	return rc;
}
