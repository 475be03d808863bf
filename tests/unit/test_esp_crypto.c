/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known answers for the ESP library (dataplane/esp/):
 *  - AES-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
 *    test cases 1-4 (AES-128) and 13-16 (AES-256), through an SA's key
 *    schedule and the SA code's job set-up (esp_gcm_kat);
 *  - ESP packets: draft-mcgrew-gcm-test-01 section 4, whole packets
 *    (SPI, SN, IV, ciphertext, ICV) decapsulated by esp_decap(), with 32-bit
 *    SN and ESN, AES-128 and AES-256;
 *  - HMAC-SHA-256: RFC 4231 test cases 1-4, 6, 7 (full and truncated to 128
 *    bits as RFC 4868 uses it) and 5 (truncation), both through the HKDF's
 *    HMAC and through an IPsec-MB HMAC job with the SA code's ipad/opad;
 *  - HKDF-SHA-256: RFC 5869 test cases 1-3 (PRK and OKM).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "esp_kdf.h"
#include "esp_sa.h"
#include "test_esp_util.h"

TestSuite(esp_crypto, .init = mgr_setup, .fini = mgr_teardown);

/* ---- AES-GCM (McGrew-Viega) ---------------------------------------- */

struct gcm_kat {
	const char *name, *key, *iv, *aad, *pt, *ct, *tag;
};

#define TC3_PT                                                                                     \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24" \
	"49a6b525b16aedf5aa0de657ba637b391aafd255"
#define TC4_PT                                                                                     \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24" \
	"49a6b525b16aedf5aa0de657ba637b39"
#define TC4_AAD "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define K128 "feffe9928665731c6d6a8f9467308308"

static const struct gcm_kat gcm_kats[] = {
	{ "TC1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
	  "58e2fccefa7e3061367f1d57a4e7455a" },
	{ "TC2", "00000000000000000000000000000000", "000000000000000000000000", "",
	  "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
	  "ab6e47d42cec13bdf53a67b21257bddf" },
	{ "TC3", K128, "cafebabefacedbaddecaf888", "", TC3_PT,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
	  "ac84aa051ba30b396a0aac973d58e091473f5985",
	  "4d5c2af327cd64a62cf35abd2ba6fab4" },
	{ "TC4", K128, "cafebabefacedbaddecaf888", TC4_AAD, TC4_PT,
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
	  "ac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	{ "TC13", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "TC14", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "TC15", K128 K128, "cafebabefacedbaddecaf888", "", TC3_PT,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
	  "56828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
	{ "TC16", K128 K128, "cafebabefacedbaddecaf888", TC4_AAD, TC4_PT,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
	  "56828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static _Alignas(64) struct esp_sa sa;

/* An SA holding key (16 or 32 bytes) and an arbitrary salt. */
static void gcm_sa(const uint8_t *key, size_t key_len, const uint8_t salt[4], bool inbound,
		   bool esn, uint32_t spi)
{
	uint8_t km[36];
	struct esp_sa_cfg cfg = {
		.spi = spi,
		.suite = key_len == 16 ? ESP_SUITE_AES128_GCM : ESP_SUITE_AES256_GCM,
		.inbound = inbound,
		.esn = esn,
		.keymat = km,
		.keymat_len = key_len + 4,
	};

	memcpy(km, key, key_len);
	memcpy(km + key_len, salt, 4);
	cr_assert_eq(esp_sa_init(&sa, mgr, &cfg), 0);
}

Test(esp_crypto, gcm_mcgrew_viega)
{
	static const uint8_t nosalt[4];

	for (unsigned i = 0; i < sizeof(gcm_kats) / sizeof(gcm_kats[0]); i++) {
		const struct gcm_kat *t = &gcm_kats[i];
		uint8_t key[32], iv[12], aad[32], pt[64], ct[64], tag[16], out[64], otag[16];
		size_t kl = unhex(t->key, key, sizeof(key));
		size_t al = unhex(t->aad, aad, sizeof(aad));
		size_t pl = unhex(t->pt, pt, sizeof(pt));

		cr_assert_eq(unhex(t->iv, iv, sizeof(iv)), 12u);
		cr_assert_eq(unhex(t->ct, ct, sizeof(ct)), pl);
		unhex(t->tag, tag, sizeof(tag));
		gcm_sa(key, kl, nosalt, false, false, 0x1000);

		memset(out, 0xAA, sizeof(out));
		cr_assert_eq(esp_gcm_kat(mgr, &sa, true, iv, aad, al, pt, out, pl, otag), 0);
		cr_assert_eq(memcmp(out, ct, pl), 0, "%s ciphertext", t->name);
		cr_assert_eq(memcmp(otag, tag, 16), 0, "%s tag", t->name);

		memset(out, 0xAA, sizeof(out));
		cr_assert_eq(esp_gcm_kat(mgr, &sa, false, iv, aad, al, ct, out, pl, otag), 0);
		cr_assert_eq(memcmp(out, pt, pl), 0, "%s plaintext", t->name);
		cr_assert_eq(memcmp(otag, tag, 16), 0, "%s tag on decrypt", t->name);
	}
}

/* ---- ESP packets (draft-mcgrew-gcm-test-01 section 4) -------------- */

struct esp_kat {
	const char *name, *key, *nonce, *aad, *pt, *ct, *tag;
};

static const struct esp_kat esp_kats[] = {
	{ "case 1: AES-128, ESN", "4c80cdefbb5d10da906ac73c3613a634", "2e443b684956ed7e3b244cfe",
	  "000043218765432100000000",
	  "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	  "00000000045f736970045f756470037369700963796265726369747902646b00"
	  "0021000101020201",
	  "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	  "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	  "61bc17d768fd9732",
	  "459018148f6cbe722fd04796562dfdb4" },
	{ "case 2: AES-128, 32-bit SN", "feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", "0000a5f80000000a",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	  "0001000000000000037369700963796265726369747902646b00000100010001",
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	  "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "case 3: AES-256, 32-bit SN",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	  "112233440102030405060708", "4a2cbfe300000002",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8e",
	  "b335f4eecfdbf831824b4c4915956c96" },
	{ "case 5: AES-128, ESN", "3de09874b388e6491988d0c3607eae1f", "57690e434e280000a2fca1a3",
	  "42f67e3f1010101010101010",
	  "4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
	  "65666768696a6b6c6d6e6f707172737475767761626364656667686901020201",
	  "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917"
	  "65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a",
	  "e0d731cc978ecafaeae88f00e80d6e48" },
	{ "case 9: AES-256, ESN",
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	  "73616c74616e640169766563", "17405e67156f3126dd0db99b",
	  "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602"
	  "50101f646d540001",
	  "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f"
	  "f4d3a31ce673119e",
	  "451626c2415771e3b7eebca614c89b35" },
};

/*
 * The draft's packets end their plaintext with a trailer whose Next Header
 * is 1 (or 0 pad bytes and NH 1): esp_decap() accepts only 4 and 253, so a
 * correct decapsulation ends in ESP_BAD_NH *after* the ICV and the padding
 * verified, with the plaintext in place, byte for byte.
 */
Test(esp_crypto, esp_packets_mcgrew_draft)
{
	for (unsigned i = 0; i < sizeof(esp_kats) / sizeof(esp_kats[0]); i++) {
		const struct esp_kat *t = &esp_kats[i];
		uint8_t key[32], nonce[12], aad[12], pt[128], ct[128], tag[16], pkt[200], copy[200];
		size_t kl = unhex(t->key, key, sizeof(key));
		size_t al = unhex(t->aad, aad, sizeof(aad));
		size_t pl = unhex(t->pt, pt, sizeof(pt));
		bool esn = al == 12;
		uint32_t spi = (uint32_t)aad[0] << 24 | (uint32_t)aad[1] << 16 |
			       (uint32_t)aad[2] << 8 | aad[3];
		uint64_t sn = 0, n;
		uint32_t plen = 0;
		uint8_t nh = 0;

		cr_assert_eq(unhex(t->nonce, nonce, sizeof(nonce)), 12u);
		cr_assert_eq(unhex(t->ct, ct, sizeof(ct)), pl);
		unhex(t->tag, tag, sizeof(tag));
		for (unsigned b = 4; b < al; b++)
			sn = sn << 8 | aad[b];

		/* the wire packet: SPI, SN (low 32 bits), IV, ciphertext, ICV */
		memcpy(pkt, aad, 4);
		memcpy(pkt + 4, aad + al - 4, 4);
		memcpy(pkt + 8, nonce + 4, 8);
		memcpy(pkt + 16, ct, pl);
		memcpy(pkt + 16 + pl, tag, 16);
		n = 16 + pl + 16;
		memcpy(copy, pkt, n);

		gcm_sa(key, kl, nonce, true, esn, spi);
		sa.replay.top = sn - 1; /* the SN is the next expected one */
		cr_assert_eq(esp_decap(mgr, &sa, pkt, (uint32_t)n, &plen, &nh), ESP_BAD_NH,
			     "%s", t->name);
		cr_assert_eq(memcmp(pkt + 16, pt, pl), 0, "%s plaintext", t->name);
		cr_assert_eq(sa.replay.top, sn, "%s: window moved after the ICV verified", t->name);

		/* the same packet again: a replay, rejected before any crypto */
		memcpy(pkt, copy, n);
		cr_assert_eq(esp_decap(mgr, &sa, pkt, (uint32_t)n, &plen, &nh), ESP_REPLAY);
		cr_assert_eq(memcmp(pkt, copy, n), 0);

		/* one bit of the ICV flipped, on a fresh SA: bad ICV, window still */
		gcm_sa(key, kl, nonce, true, esn, spi);
		sa.replay.top = sn - 1;
		copy[n - 1] ^= 1;
		cr_assert_eq(esp_decap(mgr, &sa, copy, (uint32_t)n, &plen, &nh), ESP_BAD_ICV);
		cr_assert_eq(sa.replay.top, sn - 1);

		/* and the sender side: ciphertext and tag byte-exact */
		uint8_t out[128], otag[16];
		gcm_sa(key, kl, nonce, false, esn, spi);
		cr_assert_eq(esp_gcm_kat(mgr, &sa, true, nonce, aad, al, pt, out, pl, otag), 0);
		cr_assert_eq(memcmp(out, ct, pl), 0, "%s", t->name);
		cr_assert_eq(memcmp(otag, tag, 16), 0, "%s", t->name);
	}
}

/* ---- HMAC-SHA-256 (RFC 4231) ----------------------------------------- */

struct hmac_kat {
	const char *key, *data, *mac;
	bool data_is_text;
};

#define AA131 /* 131 bytes of 0xaa */                                                      \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct hmac_kat hmac_kats[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", true },
	{ "4a656665", "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", true },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", false },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", false },
	{ AA131, "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", true },
	{ AA131,
	  "This is a test using a larger than block-size key and a larger than block-size data. "
	  "The key needs to be hashed before being used by the HMAC algorithm.",
	  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", true },
};

Test(esp_crypto, hmac_sha256_rfc4231)
{
	for (unsigned i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		const struct hmac_kat *t = &hmac_kats[i];
		uint8_t key[131], data[200], mac[32], out[32];
		size_t kl = unhex(t->key, key, sizeof(key));
		size_t dl;

		cr_assert(kl == 20 || kl == 4 || kl == 25 || kl == 131, "key length %zu", kl);

		if (t->data_is_text) {
			dl = strlen(t->data);
			memcpy(data, t->data, dl);
		} else {
			dl = unhex(t->data, data, sizeof(data));
		}
		unhex(t->mac, mac, sizeof(mac));

		cr_assert_eq(esp_hmac_sha256(mgr, key, kl, data, dl, out), 0);
		cr_assert_eq(memcmp(out, mac, 32), 0, "RFC 4231 case %u (kdf HMAC)", i + 1);
		memset(out, 0, sizeof(out));
		cr_assert_eq(esp_hmac_sha256_job(mgr, key, kl, data, dl, out, 32), 0);
		cr_assert_eq(memcmp(out, mac, 32), 0, "RFC 4231 case %u (job, 256)", i + 1);
		memset(out, 0, sizeof(out));
		cr_assert_eq(esp_hmac_sha256_job(mgr, key, kl, data, dl, out, 16), 0);
		cr_assert_eq(memcmp(out, mac, 16), 0, "RFC 4231 case %u (job, 128)", i + 1);
		for (unsigned b = 16; b < 32; b++)
			cr_assert_eq(out[b], 0, "the 128-bit job wrote past its tag");
	}
}

Test(esp_crypto, hmac_sha256_rfc4231_truncation)
{
	uint8_t key[20], out[32], mac[16];
	const char *data = "Test With Truncation";

	memset(key, 0x0c, sizeof(key));
	unhex("a3b6167473100ee06e0c796c2955552b", mac, sizeof(mac));
	cr_assert_eq(esp_hmac_sha256_job(mgr, key, sizeof(key), (const uint8_t *)data,
					 strlen(data), out, 16), 0);
	cr_assert_eq(memcmp(out, mac, 16), 0);
	cr_assert_eq(esp_hmac_sha256(mgr, key, sizeof(key), (const uint8_t *)data, strlen(data),
				     out), 0);
	cr_assert_eq(memcmp(out, mac, 16), 0);
}

/* ---- HKDF-SHA-256 (RFC 5869 A.1-A.3) ---------------------------------- */

struct hkdf_kat {
	const char *ikm, *salt, *info, *prk, *okm;
};

static const struct hkdf_kat hkdf_kats[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
	  "f0f1f2f3f4f5f6f7f8f9",
	  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8" },
};

Test(esp_crypto, hkdf_rfc5869)
{
	for (unsigned i = 0; i < sizeof(hkdf_kats) / sizeof(hkdf_kats[0]); i++) {
		const struct hkdf_kat *t = &hkdf_kats[i];
		uint8_t ikm[80], salt[80], info[80], prk[32], okm[82], out[82], oprk[32];
		size_t il = unhex(t->ikm, ikm, sizeof(ikm));
		size_t sl = unhex(t->salt, salt, sizeof(salt));
		size_t nl = unhex(t->info, info, sizeof(info));
		size_t ol = unhex(t->okm, okm, sizeof(okm));

		unhex(t->prk, prk, sizeof(prk));
		cr_assert_eq(esp_hkdf_extract(mgr, sl ? salt : NULL, sl, ikm, il, oprk), 0);
		cr_assert_eq(memcmp(oprk, prk, 32), 0, "RFC 5869 A.%u PRK", i + 1);
		memset(out, 0, sizeof(out));
		cr_assert_eq(esp_hkdf_expand(mgr, oprk, 32, info, nl, out, ol), 0);
		cr_assert_eq(memcmp(out, okm, ol), 0, "RFC 5869 A.%u OKM", i + 1);
	}
}

Test(esp_crypto, hkdf_limits)
{
	uint8_t prk[32] = { 0 }, out[32], big[ESP_HMAC_MSG_MAX + 1];

	memset(big, 1, sizeof(big));
	cr_assert_eq(esp_hkdf_expand(mgr, prk, 32, NULL, 0, out, 255 * 32 + 1), -EINVAL);
	cr_assert_eq(esp_hkdf_expand(mgr, prk, 16, NULL, 0, out, 32), -EINVAL);
	cr_assert_eq(esp_hkdf_expand(mgr, prk, 32, big, ESP_HMAC_MSG_MAX, out, 32), -EINVAL);
	cr_assert_eq(esp_hmac_sha256(mgr, prk, 32, big, sizeof(big), out), -EINVAL);
	cr_assert_eq(esp_hkdf_expand(mgr, prk, 32, NULL, 0, out, 0), 0);
}
