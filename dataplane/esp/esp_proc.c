/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP encapsulation and decapsulation in bursts on IPsec-MB's job manager:
 * per op, structural checks and (decap) the replay check, then one job;
 * completed jobs are finished in submission order (ICV compare, replay
 * update, trailer checks); the manager is flushed at the end of the burst.
 */
#include <string.h>

#include "esp_gcm_job.h"
#include "esp_sa.h"

static const uint8_t zero_iv[16];

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* RFC 4106 5: SPI || SN (32-bit) or SPI || ESN (64-bit). */
static unsigned make_aad(const struct esp_sa *sa, uint64_t sn, uint8_t aad[12])
{
	put32(aad, sa->spi);
	if (sa->esn) {
		put64(aad + 4, sn);
		return 12;
	}
	put32(aad + 4, (uint32_t)sn);
	return 8;
}

static void job_gcm(IMB_JOB *job, const struct esp_sa *sa, struct esp_op *op, bool encrypt,
		    unsigned hdr, uint32_t ct_len)
{
	/* nonce = salt || IV (RFC 4106 4) */
	memcpy(op->nonce, sa->salt, 4);
	memcpy(op->nonce + 4, op->esp + ESP_HDR_LEN, 8);
	esp_gcm_job(job, sa, encrypt, op->esp, op->esp + hdr, hdr, ct_len, op->nonce, op->aad,
		    make_aad(sa, op->sn, op->aad), op->tag, ESP_ICV_LEN);
}

/*
 * CBC + HMAC.  The ICV covers SPI .. ciphertext and, with ESN, the high 32
 * SN bits appended (RFC 4303 2.2.1), written where the ICV goes.
 */
static void job_cbc(IMB_JOB *job, const struct esp_sa *sa, struct esp_op *op, bool encrypt,
		    unsigned hdr, uint32_t ct_len)
{
	uint32_t auth_len = hdr + ct_len;

	if (sa->esn) {
		put32(op->esp + auth_len, (uint32_t)(op->sn >> 32));
		auth_len += 4;
	}
	job->cipher_mode = IMB_CIPHER_CBC;
	job->hash_alg = IMB_AUTH_HMAC_SHA_256;
	job->enc_keys = sa->k.cbc.enc;
	job->dec_keys = sa->k.cbc.dec;
	job->key_len_in_bytes = sa->key_len;
	job->src = op->esp;
	if (encrypt) {
		/*
		 * The IV is E_K(0^64 || SN) (NIST SP 800-38A App. C): the nonce
		 * block sits in the IV field and is CBC-encrypted with a zero IV
		 * together with the payload, so one job yields the IV and the
		 * payload encrypted under it.
		 */
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
		job->dst = op->esp + ESP_HDR_LEN;
		job->cipher_start_src_offset_in_bytes = ESP_HDR_LEN;
		job->msg_len_to_cipher_in_bytes = 16u + ct_len;
		job->iv = zero_iv;
	} else {
		job->cipher_direction = IMB_DIR_DECRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->dst = op->esp + hdr;
		job->cipher_start_src_offset_in_bytes = hdr;
		job->msg_len_to_cipher_in_bytes = ct_len;
		job->iv = op->esp + ESP_HDR_LEN;
	}
	job->iv_len_in_bytes = 16;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = auth_len;
	job->u.HMAC._hashed_auth_key_xor_ipad = sa->k.cbc.ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = sa->k.cbc.opad;
	job->auth_tag_output = op->tag;
	job->auth_tag_output_len_in_bytes = ESP_ICV_LEN;
}

static enum esp_err prep_encap(struct esp_op *op, IMB_JOB *job)
{
	struct esp_sa *sa = op->sa;
	unsigned hdr = esp_sa_hdr_len(sa);
	uint32_t len = op->len, pad, ct_len, i;
	uint8_t *p;
	uint64_t sn;

	if (sa->inbound)
		return ESP_WRONG_SA;
	if (len > ESP_MAX_PAYLOAD)
		return ESP_TOO_BIG;
	sn = *esp_sa_sn(sa);
	if (sa->esn ? sn == 0 : sn > UINT32_MAX)
		return ESP_SN_EXHAUSTED; /* RFC 4303 3.3.3: never cycle; rekey */
	pad = (sa->align - (len + 2u) % sa->align) % sa->align;
	ct_len = len + pad + 2u;
	if ((uint64_t)hdr + ct_len + ESP_ICV_LEN > op->room)
		return ESP_NO_ROOM;
	*esp_sa_sn(sa) = sn + 1u;
	op->sn = sn;

	put32(op->esp, sa->spi);
	put32(op->esp + 4, (uint32_t)sn);
	p = op->esp + hdr;
	for (i = 0; i < pad; i++)
		p[len + i] = (uint8_t)(i + 1u);
	p[len + pad] = (uint8_t)pad;
	p[len + pad + 1u] = op->next_header;
	if (sa->gcm) {
		put64(op->esp + ESP_HDR_LEN, sn); /* IV = SN: unique per key */
		job_gcm(job, sa, op, true, hdr, ct_len);
	} else {
		memset(op->esp + ESP_HDR_LEN, 0, 8);
		put64(op->esp + ESP_HDR_LEN + 8, sn);
		job_cbc(job, sa, op, true, hdr, ct_len);
	}
	op->len = hdr + ct_len + ESP_ICV_LEN;
	return ESP_OK;
}

static void done_encap(IMB_JOB *job)
{
	struct esp_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED) {
		op->status = ESP_CRYPTO;
		return;
	}
	memcpy(op->esp + op->len - ESP_ICV_LEN, op->tag, ESP_ICV_LEN);
}

static enum esp_err prep_decap(struct esp_op *op, IMB_JOB *job)
{
	struct esp_sa *sa = op->sa;
	unsigned hdr = esp_sa_hdr_len(sa);
	uint32_t ct_len;

	if (!sa->inbound)
		return ESP_WRONG_SA;
	if (op->len < hdr + sa->align + ESP_ICV_LEN)
		return ESP_SHORT;
	if (get32(op->esp) != sa->spi)
		return ESP_UNKNOWN_SPI;
	ct_len = op->len - hdr - ESP_ICV_LEN;
	if (ct_len % sa->align != 0)
		return ESP_BAD_LEN;
	switch (esp_replay_check(esp_sa_replay(sa), get32(op->esp + 4), &op->sn)) {
	case ESP_REPLAY_OK:
		break;
	case ESP_REPLAY_DUP:
		return ESP_REPLAY;
	case ESP_REPLAY_TOO_OLD:
		return ESP_TOO_OLD;
	}
	memcpy(op->icv, op->esp + hdr + ct_len, ESP_ICV_LEN);
	if (sa->gcm)
		job_gcm(job, sa, op, false, hdr, ct_len);
	else
		job_cbc(job, sa, op, false, hdr, ct_len);
	return ESP_OK;
}

/* Constant time: no early exit on the first differing byte. */
static bool icv_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < ESP_ICV_LEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static void done_decap(IMB_JOB *job)
{
	struct esp_op *op = job->user_data;
	struct esp_sa *sa = op->sa;
	unsigned hdr = esp_sa_hdr_len(sa);
	uint32_t ct_len = op->len - hdr - ESP_ICV_LEN;
	const uint8_t *p = op->esp + hdr;
	uint32_t pad, i;
	uint8_t nh;

	if (job->status != IMB_STATUS_COMPLETED) {
		op->status = ESP_CRYPTO;
		return;
	}
	if (!icv_equal(op->tag, op->icv)) {
		op->status = ESP_BAD_ICV;
		return;
	}
	/* Authentic: now the window may move (RFC 4303 3.4.3). */
	switch (esp_replay_update(esp_sa_replay(sa), op->sn)) {
	case ESP_REPLAY_OK:
		break;
	case ESP_REPLAY_DUP:
		op->status = ESP_REPLAY;
		return;
	case ESP_REPLAY_TOO_OLD:
		op->status = ESP_TOO_OLD;
		return;
	}
	pad = p[ct_len - 2u];
	nh = p[ct_len - 1u];
	if (pad + 2u > ct_len) {
		op->status = ESP_BAD_PAD;
		return;
	}
	for (i = 0; i < pad; i++) {
		if (p[ct_len - 2u - pad + i] != (uint8_t)(i + 1u)) {
			op->status = ESP_BAD_PAD;
			return;
		}
	}
	if (nh == ESP_NH_DUMMY) {
		op->status = ESP_DUMMY;
		return;
	}
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_NOIP) {
		op->status = ESP_BAD_NH;
		return;
	}
	op->next_header = nh;
	op->len = ct_len - 2u - pad;
}

static unsigned run_burst(IMB_MGR *mgr, struct esp_op *ops, unsigned n,
			  enum esp_err (*prep)(struct esp_op *, IMB_JOB *),
			  void (*done)(IMB_JOB *))
{
	IMB_JOB *job;
	unsigned i, ok = 0;

	for (i = 0; i < n; i++) {
		struct esp_op *op = &ops[i];

		job = IMB_GET_NEXT_JOB(mgr);
		op->status = (uint8_t)prep(op, job);
		if (op->status != ESP_OK)
			continue; /* the job slot is reused by the next op */
		job->user_data = op;
		job = IMB_SUBMIT_JOB(mgr);
		while (job != NULL) {
			done(job);
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL) {
		do
			done(job);
		while ((job = IMB_GET_COMPLETED_JOB(mgr)) != NULL);
	}
	for (i = 0; i < n; i++)
		ok += ops[i].status == ESP_OK;
	return ok;
}

unsigned esp_encap_burst(IMB_MGR *mgr, struct esp_op *ops, unsigned n)
{
	return run_burst(mgr, ops, n, prep_encap, done_encap);
}

unsigned esp_decap_burst(IMB_MGR *mgr, struct esp_op *ops, unsigned n)
{
	return run_burst(mgr, ops, n, prep_decap, done_decap);
}

enum esp_err esp_encap(IMB_MGR *mgr, struct esp_sa *sa, uint8_t *esp, uint32_t payload_len,
		       uint32_t room, uint8_t next_header, uint32_t *esp_len)
{
	struct esp_op op = {
		.sa = sa, .esp = esp, .len = payload_len, .room = room, .next_header = next_header,
	};

	esp_encap_burst(mgr, &op, 1);
	if (op.status == ESP_OK && esp_len != NULL)
		*esp_len = op.len;
	return (enum esp_err)op.status;
}

enum esp_err esp_decap(IMB_MGR *mgr, struct esp_sa *sa, uint8_t *esp, uint32_t esp_len,
		       uint32_t *payload_len, uint8_t *next_header)
{
	struct esp_op op = { .sa = sa, .esp = esp, .len = esp_len };

	esp_decap_burst(mgr, &op, 1);
	if (op.status == ESP_OK) {
		if (payload_len != NULL)
			*payload_len = op.len;
		if (next_header != NULL)
			*next_header = op.next_header;
	}
	return (enum esp_err)op.status;
}
