/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP SAs end to end (dataplane/esp/): encap -> decap for every suite, with
 * 32-bit SN and ESN, payloads of 0..1500 bytes; every byte of a packet
 * flipped; replays; short and misaligned packets; bad padding and next
 * header crafted with the key; SN exhaustion without ESN and the ESN carry
 * across 2^32; bursts with failures in the middle; the HKDF derivation of
 * SAs from a MAMS shared secret against values computed independently
 * (Python's hmac/hashlib), as docs/ipsec.md lists them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "esp_kdf.h"
#include "esp_sa.h"
#include "test_esp_util.h"
#include "test_util.h"

TestSuite(esp_sa, .init = mgr_setup, .fini = mgr_teardown);

static const enum esp_suite suites[] = {
	ESP_SUITE_AES128_GCM,
	ESP_SUITE_AES256_GCM,
	ESP_SUITE_AES128_CBC_SHA256,
	ESP_SUITE_AES256_CBC_SHA256,
};
#define N_SUITES (sizeof(suites) / sizeof(suites[0]))

static _Alignas(64) struct esp_sa out_sa, in_sa;
static uint8_t keymat[ESP_KEYMAT_MAX];

#define SPI 0x12345678u
#define BUF 2048u

static void mk_pair(enum esp_suite s, bool esn, uint64_t first_sn, uint32_t window)
{
	struct esp_sa_cfg cfg = {
		.spi = SPI,
		.suite = s,
		.esn = esn,
		.keymat = keymat,
		.keymat_len = esp_suite_keymat_len(s),
		.first_sn = first_sn,
		.replay_window = window,
	};

	for (size_t i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(0x40 + i * 7);
	cfg.inbound = false;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), 0);
	cfg.inbound = true;
	cr_assert_eq(esp_sa_init(&in_sa, mgr, &cfg), 0);
	if (first_sn > 1)
		in_sa.replay.top = first_sn - 1;
}

/* Encapsulate len bytes of pattern seed into buf; returns the ESP length. */
static uint32_t seal(uint8_t *buf, uint32_t len, uint8_t seed, uint8_t nh)
{
	uint32_t esp_len = 0;
	unsigned hdr = esp_sa_hdr_len(&out_sa);

	for (uint32_t i = 0; i < len; i++)
		buf[hdr + i] = (uint8_t)(seed + i * 13);
	cr_assert_eq(esp_encap(mgr, &out_sa, buf, len, BUF, nh, &esp_len), ESP_OK);
	return esp_len;
}

static void check_payload(const uint8_t *buf, uint32_t len, uint8_t seed)
{
	unsigned hdr = esp_sa_hdr_len(&in_sa);

	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(buf[hdr + i], (uint8_t)(seed + i * 13), "byte %u", i);
}

Test(esp_sa, init_rejects)
{
	struct esp_sa_cfg cfg = {
		.spi = SPI, .suite = ESP_SUITE_AES128_GCM, .keymat = keymat, .keymat_len = 20,
	};

	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), 0);
	cfg.keymat_len = 16;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), -EINVAL);
	cfg.keymat_len = 20;
	cfg.spi = 255;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), -EINVAL);
	cfg.spi = SPI;
	cfg.suite = (enum esp_suite)9;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), -EINVAL);
	cfg.suite = ESP_SUITE_AES128_GCM;
	cfg.inbound = true;
	cfg.replay_window = 100;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), -EINVAL);
	cfg.inbound = false;
	cfg.first_sn = UINT64_C(1) << 32;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), -EINVAL); /* no ESN: 32 bits */
	cfg.esn = true;
	cr_assert_eq(esp_sa_init(&out_sa, mgr, &cfg), 0);
	cr_assert_eq(esp_suite_keymat_len(ESP_SUITE_AES256_CBC_SHA256), 64u);
	cr_assert_str_eq(esp_err_name(ESP_BAD_ICV), "esp_bad_icv");
	cr_assert_str_eq(esp_err_name(1000), "unknown");
}

/* Every suite, 32-bit SN and ESN, every payload size 0..1500. */
Test(esp_sa, round_trip_all_sizes, .timeout = 60)
{
	static uint8_t buf[BUF];

	for (unsigned s = 0; s < N_SUITES; s++) {
		for (int esn = 0; esn < 2; esn++) {
			/* ESN runs start just below 2^32: the carry is crossed */
			mk_pair(suites[s], esn, esn ? (UINT64_C(1) << 32) - 700 : 1, 0);
			for (uint32_t len = 0; len <= 1500; len++) {
				uint8_t nh = len & 1 ? ESP_NH_NOIP : ESP_NH_IPV4;
				uint32_t esp_len = seal(buf, len, (uint8_t)len, nh);
				uint32_t align = suites[s] <= ESP_SUITE_AES256_GCM ? 4 : 16;
				uint32_t ct = (len + 2 + align - 1) / align * align;
				uint32_t plen = 0;
				uint8_t rnh = 0;

				cr_assert_eq(esp_len, esp_sa_hdr_len(&out_sa) + ct + ESP_ICV_LEN);
				cr_assert_eq(esp_spi_of(buf, esp_len), SPI);
				cr_assert_eq(esp_decap(mgr, &in_sa, buf, esp_len, &plen, &rnh), ESP_OK,
					     "%s esn %d len %u", esp_suite_name(suites[s]), esn, len);
				cr_assert_eq(plen, len);
				cr_assert_eq(rnh, nh);
				check_payload(buf, len, (uint8_t)len);
			}
			cr_assert_eq(in_sa.replay.top, out_sa.next_sn - 1);
			if (esn)
				cr_assert_gt(in_sa.replay.top, UINT32_MAX);
		}
	}
}

/* The IV is derived from the SN: distinct per packet, never repeated. */
Test(esp_sa, iv_distinct)
{
	uint8_t a[BUF], b[BUF];

	for (unsigned s = 0; s < N_SUITES; s++) {
		mk_pair(suites[s], false, 1, 0);
		uint32_t la = seal(a, 100, 1, ESP_NH_IPV4);
		uint32_t lb = seal(b, 100, 1, ESP_NH_IPV4);

		cr_assert_eq(la, lb);
		cr_assert_neq(memcmp(a + 8, b + 8, out_sa.iv_len), 0);
		cr_assert_neq(memcmp(a + 16, b + 16, la - 16), 0);
	}
}

/* Every byte of a small packet flipped in turn: never accepted. */
Test(esp_sa, tamper_every_byte)
{
	uint8_t pkt[BUF], t[BUF];

	for (unsigned s = 0; s < N_SUITES; s++) {
		for (int esn = 0; esn < 2; esn++) {
			mk_pair(suites[s], esn, 1, 0);
			uint32_t n = seal(pkt, 21, 9, ESP_NH_IPV4);

			for (uint32_t i = 0; i < n; i++) {
				for (unsigned bit = 0; bit < 8; bit += 7) {
					memcpy(t, pkt, n);
					t[i] ^= (uint8_t)(1u << bit);
					enum esp_err e = esp_decap(mgr, &in_sa, t, n, NULL, NULL);

					/* SN 1 -> 0 is refused before the ICV as too old */
					enum esp_err want = i < 4 ? ESP_UNKNOWN_SPI
						: i == 7 && bit == 0 ? ESP_TOO_OLD : ESP_BAD_ICV;

					cr_assert_eq(e, want, "%s esn %d byte %u bit %u: %s",
						     esp_suite_name(suites[s]), esn, i, bit,
						     esp_err_name(e));
				}
			}
			/* nothing moved: the original is still accepted, once */
			cr_assert_eq(in_sa.replay.top, 0u);
			memcpy(t, pkt, n);
			cr_assert_eq(esp_decap(mgr, &in_sa, t, n, NULL, NULL), ESP_OK);
			memcpy(t, pkt, n);
			cr_assert_eq(esp_decap(mgr, &in_sa, t, n, NULL, NULL), ESP_REPLAY);
			/* truncated or extended by one byte */
			memcpy(t, pkt, n);
			cr_assert_neq(esp_decap(mgr, &in_sa, t, n - 1, NULL, NULL), ESP_OK);
			memcpy(t, pkt, n);
			t[n] = 0;
			cr_assert_neq(esp_decap(mgr, &in_sa, t, n + 1, NULL, NULL), ESP_OK);
		}
	}
}

Test(esp_sa, replay_and_too_old)
{
	static uint8_t pk[40][256];
	uint32_t len[40];

	mk_pair(ESP_SUITE_AES128_GCM, false, 1, 32);
	for (unsigned i = 0; i < 40; i++)
		len[i] = seal(pk[i], 30, (uint8_t)i, ESP_NH_IPV4);
	uint8_t t[256];
	/* SN 40 first: the 32-wide window is 9..40, SNs 1..8 are left of it */
	memcpy(t, pk[39], len[39]);
	cr_assert_eq(esp_decap(mgr, &in_sa, t, len[39], NULL, NULL), ESP_OK);
	for (unsigned i = 0; i < 8; i++) {
		memcpy(t, pk[i], len[i]);
		cr_assert_eq(esp_decap(mgr, &in_sa, t, len[i], NULL, NULL), ESP_TOO_OLD, "sn %u",
			     i + 1);
	}
	for (unsigned i = 8; i < 39; i++) {
		memcpy(t, pk[i], len[i]);
		cr_assert_eq(esp_decap(mgr, &in_sa, t, len[i], NULL, NULL), ESP_OK, "sn %u", i + 1);
		memcpy(t, pk[i], len[i]);
		cr_assert_eq(esp_decap(mgr, &in_sa, t, len[i], NULL, NULL), ESP_REPLAY);
	}
}

Test(esp_sa, short_and_misaligned)
{
	uint8_t pkt[BUF], t[BUF];

	for (unsigned s = 0; s < N_SUITES; s++) {
		mk_pair(suites[s], false, 1, 0);
		uint32_t n = seal(pkt, 40, 3, ESP_NH_IPV4);
		uint32_t min = esp_sa_hdr_len(&in_sa) + in_sa.align + ESP_ICV_LEN;

		for (uint32_t l = 0; l < min; l++) {
			memcpy(t, pkt, n);
			cr_assert_eq(esp_decap(mgr, &in_sa, t, l, NULL, NULL), ESP_SHORT, "len %u", l);
		}
		for (uint32_t l = min; l < n; l++) {
			enum esp_err want = (l - min) % in_sa.align ? ESP_BAD_LEN : ESP_BAD_ICV;

			memcpy(t, pkt, n);
			cr_assert_eq(esp_decap(mgr, &in_sa, t, l, NULL, NULL), want, "len %u", l);
		}
		/* wrong direction */
		cr_assert_eq(esp_decap(mgr, &out_sa, t, n, NULL, NULL), ESP_WRONG_SA);
		cr_assert_eq(esp_encap(mgr, &in_sa, t, 10, BUF, 4, NULL), ESP_WRONG_SA);
		/* no room for the trailer; too big */
		cr_assert_eq(esp_encap(mgr, &out_sa, t, 100, esp_sa_hdr_len(&out_sa) + 100, 4, NULL),
			     ESP_NO_ROOM);
		cr_assert_eq(esp_encap(mgr, &out_sa, t, ESP_MAX_PAYLOAD + 1, UINT32_MAX, 4, NULL),
			     ESP_TOO_BIG);
	}
}

/*
 * A packet whose plaintext (payload + trailer) is chosen by the test,
 * encrypted and authenticated with the SA's keys outside the SA code:
 * GCM through esp_gcm_kat, CBC through a raw IPsec-MB CBC job and the HMAC
 * of esp_kdf.  SN 1, 32-bit.
 */
static uint32_t craft(uint8_t *pkt, const uint8_t *plain, uint32_t n)
{
	unsigned hdr = esp_sa_hdr_len(&out_sa);
	uint8_t tag[32];

	memset(pkt, 0, hdr);
	pkt[0] = SPI >> 24;
	pkt[1] = (SPI >> 16) & 0xFF;
	pkt[2] = (SPI >> 8) & 0xFF;
	pkt[3] = SPI & 0xFF;
	pkt[7] = 1;
	for (unsigned i = 8; i < hdr; i++)
		pkt[i] = (uint8_t)(i * 29);
	if (out_sa.gcm) {
		uint8_t nonce[12];

		memcpy(nonce, out_sa.salt, 4);
		memcpy(nonce + 4, pkt + 8, 8);
		cr_assert_eq(esp_gcm_kat(mgr, &out_sa, true, nonce, pkt, 8, plain, pkt + hdr, n, tag),
			     0);
	} else {
		IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

		cr_assert_eq(n % 16, 0u);
		job->cipher_mode = IMB_CIPHER_CBC;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_CIPHER_HASH;
		job->hash_alg = IMB_AUTH_NULL;
		job->enc_keys = out_sa.k.cbc.enc;
		job->dec_keys = out_sa.k.cbc.dec;
		job->key_len_in_bytes = out_sa.key_len;
		job->src = plain;
		job->dst = pkt + hdr;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = n;
		job->iv = pkt + 8;
		job->iv_len_in_bytes = 16;
		job->auth_tag_output_len_in_bytes = 0;
		job = IMB_SUBMIT_JOB(mgr);
		if (job == NULL)
			job = IMB_FLUSH_JOB(mgr);
		cr_assert_not_null(job);
		cr_assert_eq(job->status, IMB_STATUS_COMPLETED);
		cr_assert_eq(esp_hmac_sha256(mgr, keymat + out_sa.key_len, 32, pkt, hdr + n, tag), 0);
	}
	memcpy(pkt + hdr + n, tag, ESP_ICV_LEN);
	return hdr + n + ESP_ICV_LEN;
}

Test(esp_sa, crafted_trailers)
{
	uint8_t plain[64], pkt[BUF];
	uint32_t plen = 0;
	uint8_t nh = 0;

	for (unsigned s = 0; s < N_SUITES; s++) {
		uint32_t n = suites[s] <= ESP_SUITE_AES256_GCM ? 20 : 32;
		struct {
			uint8_t pad, nh, bad_at; /* bad_at: index of a wrong pad byte, 0xFF none */
			enum esp_err want;
		} cases[] = {
			{ 3, 4, 0xFF, ESP_OK },
			{ 3, 253, 0xFF, ESP_OK },
			{ 3, 4, 0, ESP_BAD_PAD },
			{ 3, 4, 2, ESP_BAD_PAD },
			{ (uint8_t)(n - 2), 4, 0xFF, ESP_OK },  /* all padding, empty payload */
			{ (uint8_t)(n - 1), 4, 0xFF, ESP_BAD_PAD }, /* longer than the ciphertext */
			{ 255, 4, 0xFF, ESP_BAD_PAD },
			{ 1, 17, 0xFF, ESP_BAD_NH },
			{ 1, 41, 0xFF, ESP_BAD_NH },
			{ 1, 59, 0xFF, ESP_DUMMY },
		};

		for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			mk_pair(suites[s], false, 1, 0);
			memset(plain, 0xEE, sizeof(plain));
			uint32_t pad = cases[c].pad;
			if (pad <= n - 2) {
				for (uint32_t i = 0; i < pad; i++)
					plain[n - 2 - pad + i] = (uint8_t)(i + 1);
				if (cases[c].bad_at != 0xFF)
					plain[n - 2 - pad + cases[c].bad_at] ^= 0x40;
			}
			plain[n - 2] = (uint8_t)pad;
			plain[n - 1] = cases[c].nh;
			uint32_t len = craft(pkt, plain, n);
			enum esp_err e = esp_decap(mgr, &in_sa, pkt, len, &plen, &nh);

			cr_assert_eq(e, cases[c].want, "%s case %u: %s", esp_suite_name(suites[s]), c,
				     esp_err_name(e));
			if (e == ESP_OK) {
				cr_assert_eq(plen, n - 2 - pad);
				cr_assert_eq(nh, cases[c].nh);
			}
			/* authentic: the SN counts as received whatever the trailer */
			cr_assert_eq(in_sa.replay.top, 1u);
		}
	}
}

Test(esp_sa, sn_exhausted_without_esn)
{
	uint8_t pkt[BUF];

	for (unsigned s = 0; s < N_SUITES; s++) {
		mk_pair(suites[s], false, UINT32_MAX - 1, 0);
		uint32_t n = seal(pkt, 10, 0, ESP_NH_IPV4);
		cr_assert_eq(esp_decap(mgr, &in_sa, pkt, n, NULL, NULL), ESP_OK);
		n = seal(pkt, 10, 0, ESP_NH_IPV4);
		cr_assert_eq(pkt[4] & pkt[5] & pkt[6] & pkt[7], 0xFF);
		cr_assert_eq(esp_decap(mgr, &in_sa, pkt, n, NULL, NULL), ESP_OK);
		/* RFC 4303 3.3.3: the counter must not cycle */
		for (int k = 0; k < 3; k++)
			cr_assert_eq(esp_encap(mgr, &out_sa, pkt, 10, BUF, 4, NULL), ESP_SN_EXHAUSTED);
		cr_assert_eq(out_sa.next_sn, UINT64_C(1) << 32);
		/* the receiver refuses SN 0 / a wrapped counter as too old */
		out_sa.next_sn = 1;
		n = seal(pkt, 10, 0, ESP_NH_IPV4);
		cr_assert_eq(esp_decap(mgr, &in_sa, pkt, n, NULL, NULL), ESP_TOO_OLD);
	}
}

Test(esp_sa, esn_carry)
{
	uint8_t pkt[8][256];
	uint32_t n[8];

	for (unsigned s = 0; s < N_SUITES; s++) {
		mk_pair(suites[s], true, UINT32_MAX - 3, 64);
		for (unsigned i = 0; i < 8; i++)
			n[i] = seal(pkt[i], 50, (uint8_t)i, ESP_NH_IPV4);
		/* SNs 2^32-4 .. 2^32+3: wire low bits fffffffc .. 00000003 */
		cr_assert_eq(pkt[7][7], 3);
		/* deliver out of order across the carry */
		static const unsigned order[] = { 5, 0, 7, 1, 2, 6, 4, 3 };
		for (unsigned k = 0; k < 8; k++) {
			unsigned i = order[k];
			cr_assert_eq(esp_decap(mgr, &in_sa, pkt[i], n[i], NULL, NULL), ESP_OK,
				     "%s pkt %u", esp_suite_name(suites[s]), i);
			check_payload(pkt[i], 50, (uint8_t)i);
		}
		cr_assert_eq(in_sa.replay.top, (UINT64_C(1) << 32) + 3);
		/* the high bits are authenticated: a receiver one subspace off fails */
		mk_pair(suites[s], true, (UINT64_C(1) << 32) + 10, 64);
		uint32_t m = seal(pkt[0], 50, 0, ESP_NH_IPV4);
		in_sa.replay.top = (UINT64_C(2) << 32) + 5;
		cr_assert_eq(esp_decap(mgr, &in_sa, pkt[0], m, NULL, NULL), ESP_BAD_ICV);
	}
}

/* A burst with failures in the middle: statuses per op, window right. */
Test(esp_sa, burst_mixed)
{
	static uint8_t bufs[16][512];
	struct esp_op ops[16];
	uint8_t dup[512];
	unsigned ok;

	for (unsigned s = 0; s < N_SUITES; s++) {
		mk_pair(suites[s], true, 1, 0);
		memset(ops, 0, sizeof(ops));
		for (unsigned i = 0; i < 16; i++) {
			for (unsigned b = 0; b < 300; b++)
				bufs[i][esp_sa_hdr_len(&out_sa) + b] = (uint8_t)(i ^ b);
			ops[i] = (struct esp_op){ .sa = &out_sa, .esp = bufs[i], .len = 20 + i * 17,
						  .room = sizeof(bufs[i]), .next_header = 4 };
		}
		ops[9].room = 10; /* fails mid-burst; its SN is not consumed */
		ok = esp_encap_burst(mgr, ops, 16);
		cr_assert_eq(ok, 15u);
		cr_assert_eq(ops[9].status, ESP_NO_ROOM);
		cr_assert_eq(ops[10].sn, 10u);
		cr_assert_eq(out_sa.next_sn, 16u);

		/* inbound: op 3 duplicated as op 9, op 5 tampered, op 12 short */
		memcpy(dup, bufs[3], ops[3].len);
		bufs[5][ops[5].len - 1] ^= 0x10;
		for (unsigned i = 0; i < 16; i++) {
			uint32_t l = ops[i].len;
			ops[i] = (struct esp_op){ .sa = &in_sa, .esp = i == 9 ? dup : bufs[i], .len = l };
		}
		ops[9].len = ops[3].len;
		ops[12].len = 7;
		ok = esp_decap_burst(mgr, ops, 16);
		cr_assert_eq(ok, 13u);
		for (unsigned i = 0; i < 16; i++) {
			enum esp_err want = i == 5 ? ESP_BAD_ICV : i == 9 ? ESP_REPLAY
							   : i == 12 ? ESP_SHORT : ESP_OK;
			cr_assert_eq(ops[i].status, want, "%s op %u: %s", esp_suite_name(suites[s]), i,
				     esp_err_name(ops[i].status));
			if (want == ESP_OK) {
				cr_assert_eq(ops[i].len, 20 + i * 17);
				cr_assert_eq(ops[i].next_header, 4);
				for (unsigned b = 0; b < ops[i].len; b++)
					cr_assert_eq(ops[i].esp[esp_sa_hdr_len(&in_sa) + b],
						     (uint8_t)(i ^ b));
			}
		}
		cr_assert_eq(in_sa.replay.top, 15u);
		/* the tampered SN (6) was never marked: the genuine one still passes */
		cr_assert_eq(esp_replay_check(&in_sa.replay, 6, &(uint64_t){ 0 }), ESP_REPLAY_OK);
	}
}

/* A burst larger than the manager's job queue. */
Test(esp_sa, burst_large)
{
	static uint8_t bufs[300][128];
	static struct esp_op ops[300];

	mk_pair(ESP_SUITE_AES256_GCM, false, 1, 4096);
	for (unsigned i = 0; i < 300; i++)
		ops[i] = (struct esp_op){ .sa = &out_sa, .esp = bufs[i], .len = 64,
					  .room = sizeof(bufs[i]), .next_header = 4 };
	cr_assert_eq(esp_encap_burst(mgr, ops, 300), 300u);
	for (unsigned i = 0; i < 300; i++)
		ops[i] = (struct esp_op){ .sa = &in_sa, .esp = bufs[i], .len = ops[i].len };
	cr_assert_eq(esp_decap_burst(mgr, ops, 300), 300u);
}

/* ---- keys from the MAMS shared secret ---------------------------------- */

static const uint8_t secret[] = "0123456789abcdef0123456789abcdef";

static const struct esp_kdf_ctx kctx = {
	.ncm_id = 0x01020304,
	.session_id = 0x0a0b0c0d,
	.conn_id = 2,
	.suite = ESP_SUITE_AES128_GCM,
	.esn = true,
};

/* Values computed with Python's hmac + hashlib (docs/ipsec.md lists them). */
Test(esp_sa, kdf_golden)
{
	uint8_t info[ESP_KDF_INFO_LEN], want[64], km[ESP_KEYMAT_MAX];
	struct esp_sa_cfg cfg;
	struct esp_kdf_ctx c = kctx;

	cr_assert_eq(esp_kdf_info(&c, ESP_DIR_UPLINK, info), 31u);
	unhex("4d414d532d4553502d7631205341010203040a0b0c0d020100140080000001", want, 64);
	cr_assert_eq(memcmp(info, want, 31), 0);

	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km, &cfg), 0);
	unhex("08d21929780335feb65794c435e3762c99a949b8", want, 64);
	cr_assert_eq(cfg.keymat_len, 20u);
	cr_assert_eq(memcmp(cfg.keymat, want, 20), 0);
	cr_assert_eq(cfg.spi, 0xd3d1fde5u);
	cr_assert(cfg.inbound);
	cr_assert(cfg.esn);

	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_DOWNLINK, true, km, &cfg), 0);
	unhex("de830be9759e5c8be77bbacd58de46fcc66d5e28", want, 64);
	cr_assert_eq(memcmp(cfg.keymat, want, 20), 0);
	cr_assert_eq(cfg.spi, 0xfcb3ea00u);
	cr_assert(!cfg.inbound);

	c.suite = ESP_SUITE_AES128_CBC_SHA256;
	c.esn = false;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, false, km, &cfg), 0);
	unhex("02674c63a2796c8118fc2636ff7beea23f9922c22edef239525b7e39ad3c2928374176de864bd5b6"
	      "b2f852287296bc8a", want, 64);
	cr_assert_eq(cfg.keymat_len, 48u);
	cr_assert_eq(memcmp(cfg.keymat, want, 48), 0);
	cr_assert_eq(cfg.spi, 0xc400d837u);
	cr_assert(!cfg.inbound); /* the client sends uplink */
}

Test(esp_sa, kdf_pair_round_trip)
{
	uint8_t gw_km[ESP_KEYMAT_MAX], cl_km[ESP_KEYMAT_MAX], pkt[BUF];
	struct esp_sa_cfg gw, cl;
	_Alignas(64) static struct esp_sa gw_sa, cl_sa;
	struct esp_kdf_ctx c = kctx;

	for (unsigned s = 0; s < N_SUITES; s++) {
		c.suite = suites[s];
		for (int d = ESP_DIR_UPLINK; d <= ESP_DIR_DOWNLINK; d++) {
			cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, d, true, gw_km, &gw), 0);
			cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, d, false, cl_km, &cl), 0);
			cr_assert_eq(gw.spi, cl.spi);
			cr_assert_geq(gw.spi, 0x80000000u);
			cr_assert_neq(gw.inbound, cl.inbound);
			cr_assert_eq(memcmp(gw_km, cl_km, gw.keymat_len), 0);
			cr_assert_eq(esp_sa_init(&gw_sa, mgr, &gw), 0);
			cr_assert_eq(esp_sa_init(&cl_sa, mgr, &cl), 0);
			struct esp_sa *tx = gw.inbound ? &cl_sa : &gw_sa;
			struct esp_sa *rx = gw.inbound ? &gw_sa : &cl_sa;
			uint32_t n = 0, plen = 0;

			memset(pkt + esp_sa_hdr_len(tx), 0x5A, 100);
			cr_assert_eq(esp_encap(mgr, tx, pkt, 100, BUF, 4, &n), ESP_OK);
			cr_assert_eq(esp_decap(mgr, rx, pkt, n, &plen, NULL), ESP_OK);
			cr_assert_eq(plen, 100u);
		}
	}
}

Test(esp_sa, kdf_separation)
{
	uint8_t km[8][ESP_KEYMAT_MAX];
	struct esp_sa_cfg cfg[8];
	struct esp_kdf_ctx c = kctx;
	unsigned k = 0;

	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km[k], &cfg[k]), 0);
	k++;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_DOWNLINK, true, km[k], &cfg[k]), 0);
	k++;
	c.conn_id = 3;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km[k], &cfg[k]), 0);
	k++;
	c = kctx;
	c.session_id ^= 1;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km[k], &cfg[k]), 0);
	k++;
	c = kctx;
	c.esn = false;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km[k], &cfg[k]), 0);
	k++;
	c = kctx;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 31, &c, ESP_DIR_UPLINK, true, km[k], &cfg[k]), 0);
	k++;
	for (unsigned i = 0; i < k; i++)
		for (unsigned j = i + 1; j < k; j++) {
			cr_assert_neq(memcmp(km[i], km[j], 20), 0, "%u vs %u", i, j);
			cr_assert_neq(cfg[i].spi, cfg[j].spi);
		}
	cr_assert_eq(esp_kdf_derive(mgr, secret, 15, &c, ESP_DIR_UPLINK, true, km[0], &cfg[0]),
		     -EINVAL);
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, 3, true, km[0], &cfg[0]), -EINVAL);
	c.suite = 0;
	cr_assert_eq(esp_kdf_derive(mgr, secret, 32, &c, ESP_DIR_UPLINK, true, km[0], &cfg[0]),
		     -EINVAL);
}
