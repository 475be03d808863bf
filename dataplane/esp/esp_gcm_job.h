/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPsec-MB AES-GCM job of an SA, shared by the burst path (esp_proc.c)
 * and the known-answer entry point (esp_sa.c).  Internal to dataplane/esp.
 * Inline: the burst path fills one per packet.
 */
#ifndef ESP_GCM_JOB_H
#define ESP_GCM_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>

#include "esp_sa.h"

/*
 * Cipher and GMAC over len bytes at src + off, the result at dst; nonce of
 * 12 bytes, aad_len bytes of AAD, a tag of tag_len bytes written at tag.
 */
static inline void esp_gcm_job(IMB_JOB *job, const struct esp_sa *sa, bool encrypt,
			       const uint8_t *src, uint8_t *dst, uint64_t off, uint64_t len,
			       const uint8_t *nonce, const void *aad, uint64_t aad_len,
			       uint8_t *tag, uint64_t tag_len)
{
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = &sa->k.gcm;
	job->dec_keys = &sa->k.gcm;
	job->key_len_in_bytes = sa->key_len;
	job->src = src;
	job->dst = dst;
	job->cipher_start_src_offset_in_bytes = off;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = off;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.GCM.aad = aad;
	job->u.GCM.aad_len_in_bytes = aad_len;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = tag_len;
}

#endif /* ESP_GCM_JOB_H */
