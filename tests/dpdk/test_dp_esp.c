/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP per delivery connection (docs/ipsec.md) through the real data plane:
 * one session with an IPsec path (wifi, conn 3) and a plain path (lte,
 * conn 7).  The test plays the client with the same ESP library and the
 * keys of the config: downlink ESP frames are decrypted here and must hold
 * exactly the GMA PDU the shared/ codec builds; uplink ESP frames built here
 * must reach the core port byte-identical; replays, tampered ICVs, unknown
 * SPIs and plaintext on the IPsec path are each a counted drop.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "esp_harness.h"

#define ESP_TEST(name) Test(dp_esp, name, .fini = esph_fini, .timeout = 120)
#define N_SDU 24
#define WINDOW 64u
/* Steering of flow 5 */
#define DUPLICATE_3_7 "{ \"mode\": \"duplicate\", \"paths\": [3, 7] }"
#define SWITCH_3_7 "{ \"mode\": \"switch\", \"paths\": [3, 7] }"
#define SWITCH_3 "{ \"mode\": \"switch\", \"paths\": [3] }"

static const struct esph_keys keys = { .out_add = 0x11, .out_mul = 7, .in_xor = 0xA5,
				       .in_mul = 13 };

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- Downlink --------------------------------------------------------------- */

/* Decrypt a downlink frame of the IPsec path; returns the GMA PDU's length in pdu. */
static size_t dl_decrypt(const struct pkt *f, const struct dpt_path *p, uint8_t *pdu,
			 uint64_t want_sn, const char *what)
{
	uint8_t buf[PU_FRAME_MAX];
	const uint8_t *ip = f->data + PU_ETH_HLEN;
	uint32_t len, pl;
	uint8_t nh;
	enum esp_err e;

	cr_assert_gt(f->len, PU_OUTER_LEN + 8, "%s: %zu bytes", what, f->len);
	cr_expect(pu_ipv4_cksum_ok(ip), "%s: outer IPv4 checksum", what);
	cr_expect_eq(ip[9], 17, "%s: UDP", what);
	cr_expect_eq((size_t)(ip[2] << 8 | ip[3]), f->len - PU_ETH_HLEN, "%s: total length", what);
	cr_expect_eq(be32(ip + 16), p->client_ip,
		     "%s: to the client's address", what);
	cr_expect_eq(ip[20] << 8 | ip[21], 10020, "%s: from the gateway's port", what);
	cr_expect_eq(ip[22] << 8 | ip[23], p->client_port, "%s: to the client's port", what);
	cr_expect_eq((size_t)(ip[24] << 8 | ip[25]), f->len - PU_ETH_HLEN - 20, "%s: UDP length",
		     what);
	cr_expect_eq(ip[26] | ip[27], 0, "%s: UDP checksum 0 (RFC 3948)", what);
	len = (uint32_t)(f->len - PU_OUTER_LEN);
	memcpy(buf, f->data + PU_OUTER_LEN, len);
	cr_expect_eq(esp_spi_of(buf, len), ESPH_SPI_OUT, "%s: SPI", what);
	e = esp_decap(esph.mb, &esph.cli_in, buf, len, &pl, &nh);
	cr_assert_eq(e, ESP_OK, "%s: esp_decap: %s", what, esp_err_name(e));
	cr_expect_eq(nh, ESP_NH_IPV4, "%s: next header", what);
	cr_expect_eq(be32(buf + 4), (uint32_t)want_sn,
		     "%s: SN", what);
	cr_expect_leq(f->len - PU_ETH_HLEN, p->mtu ? p->mtu : 1500, "%s: within the MTU", what);
	memcpy(pdu, buf + esp_sa_hdr_len(&esph.cli_in), pl);
	return pl;
}

static void dl_case(const struct esph_suite *c)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX];
	char what[64];

	r = esph_start(c, &keys, WINDOW, DUPLICATE_3_7, &wifi, &lte, &s);
	esph_dl_sdus(r, N_SDU);
	dpt_exec(r, &s, 1);
	esph_expect_n(r, DPT_WIFI, N_SDU, "ESP frames on wifi");
	cr_assert_eq(r->out[DPT_LTE].n, N_SDU, "%zu plain frames on lte", r->out[DPT_LTE].n);
	for (unsigned i = 0; i < N_SDU; i++) {
		size_t n;

		snprintf(what, sizeof(what), "%s: wifi frame %u", c->name, i);
		n = dl_decrypt(&r->out[DPT_WIFI].v[i], &wifi, pdu, i + 1u, what);
		esph_expect_pdu(pdu, n, i, what);
		/* The plain path: the same PDU in the clear. */
		snprintf(what, sizeof(what), "%s: lte frame %u", c->name, i);
		struct gma_pdu d;
		size_t off = dpt_dl_decode(&r->out[DPT_LTE].v[i], &lte, GMA_METHOD_TRAILER, &d, what);
		esph_expect_pdu(r->out[DPT_LTE].v[i].data + off, r->out[DPT_LTE].v[i].len - off, i, what);
	}
}

ESP_TEST(downlink_gcm128)
{
	dl_case(&esph_gcm128);
}

ESP_TEST(downlink_gcm256_esn)
{
	dl_case(&esph_gcm256_esn);
}

ESP_TEST(downlink_cbc_sha256)
{
	dl_case(&esph_cbc128);
}

/* Large SDUs on a small MTU: the fragments with ESP fit the path MTU. */
ESP_TEST(downlink_fragment_mtu)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;

	r = esph_start(&esph_gcm128, &keys, WINDOW, SWITCH_3, &wifi, &lte, &s);
	s.paths[0].mtu = 600;
	wifi.mtu = 600;
	s.extra = "\"default_flow\": 5, \"fragment\": true";
	esph_dl_sdus(r, 4);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_geq(r->out[DPT_WIFI].n, 5, "fragments expected:\n%s", r->log);
	for (unsigned i = 0; i < r->out[DPT_WIFI].n; i++) {
		uint8_t pdu[PU_FRAME_MAX];
		struct gma_pdu d;
		size_t n = dl_decrypt(&r->out[DPT_WIFI].v[i], &wifi, pdu, i + 1u, "fragment");

		cr_expect_eq(gma_decode(GMA_METHOD_TRAILER, pdu, n, &d), 0);
		cr_expect_leq(r->out[DPT_WIFI].v[i].len - PU_ETH_HLEN, 600u);
	}
}

/* ---- Uplink ----------------------------------------------------------------- */

static uint8_t g_dsn;

/* SDU i as a GMA PDU (trailer) in an ESP frame of the client's SA. */
static size_t ul_esp_frame(uint8_t *frame, const struct dpt_path *wifi, unsigned i)
{
	uint8_t pdu[PU_FRAME_MAX], esp[PU_FRAME_MAX];
	size_t len = esph_ul_pdu(pdu, sizeof(pdu), i, g_dsn++, 5000 + i);
	uint32_t esp_len = esph_encap(esp, sizeof(esp), pdu, len);

	return dpt_ul_frame(frame, PU_FRAME_MAX, wifi, esp, esp_len);
}

static size_t ul_plain_frame(uint8_t *frame, const struct dpt_path *p, unsigned i)
{
	uint8_t pdu[PU_FRAME_MAX];
	size_t len = esph_ul_pdu(pdu, sizeof(pdu), i, g_dsn++, 5000 + i);

	return dpt_ul_frame(frame, PU_FRAME_MAX, p, pdu, len);
}

static void ul_case(const struct esph_suite *c)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t frame[PU_FRAME_MAX];

	r = esph_start(c, &keys, WINDOW, SWITCH_3_7, &wifi, &lte, &s);
	esph_ul_sdus(N_SDU);
	g_dsn = 0;
	for (unsigned i = 0; i < N_SDU; i++) {
		if (i % 4 == 3) /* every 4th on the plain path */
			dpt_send(r, DPT_LTE, frame, ul_plain_frame(frame, &lte, i));
		else
			dpt_send(r, DPT_WIFI, frame, ul_esp_frame(frame, &wifi, i));
	}
	dpt_exec(r, &s, 1);
	esph_expect_core_sdus(r, N_SDU, c->name);
}

ESP_TEST(uplink_gcm128)
{
	ul_case(&esph_gcm128);
}

ESP_TEST(uplink_gcm256_esn)
{
	ul_case(&esph_gcm256_esn);
}

ESP_TEST(uplink_cbc_sha256)
{
	ul_case(&esph_cbc128);
}

/* Each failure a counted drop with its own reason; the good frames pass. */
ESP_TEST(uplink_drops)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t frame[PU_FRAME_MAX], f2[PU_FRAME_MAX];
	size_t n;
	static const char *const reasons[] = { "esp_replay", "esp_bad_icv", "esp_unknown_spi",
					       "esp_plaintext", "esp_short", NULL };

	r = esph_start(&esph_gcm128, &keys, WINDOW, SWITCH_3_7, &wifi, &lte, &s);
	esph_ul_sdus(6);
	g_dsn = 0;
	n = ul_esp_frame(frame, &wifi, 0);
	dpt_send(r, DPT_WIFI, frame, n);
	dpt_send(r, DPT_WIFI, frame, n);                 /* replayed */
	n = ul_esp_frame(frame, &wifi, 1);
	memcpy(f2, frame, n);
	f2[n - 1] ^= 0x01;                               /* ICV bit flipped */
	dpt_send(r, DPT_WIFI, f2, n);
	dpt_send(r, DPT_WIFI, frame, n);                 /* the genuine one still passes */
	n = ul_esp_frame(frame, &wifi, 2);
	memcpy(f2, frame, n);
	f2[PU_OUTER_LEN + 2] ^= 0x40;                    /* unknown SPI */
	dpt_send(r, DPT_WIFI, f2, n);
	dpt_send(r, DPT_WIFI, frame, n);
	n = ul_plain_frame(frame, &wifi, 3);             /* plaintext on the IPsec path */
	dpt_send(r, DPT_WIFI, frame, n);
	n = ul_esp_frame(frame, &wifi, 4);
	memcpy(f2, frame, n);
	n = dpt_ul_frame(f2, sizeof(f2), &wifi, frame + PU_OUTER_LEN, 20); /* truncated */
	dpt_send(r, DPT_WIFI, f2, n);
	n = ul_plain_frame(frame, &lte, 5);              /* the plain path still works */
	dpt_send(r, DPT_LTE, frame, n);
	dpt_exec(r, &s, 1);

	cr_expect_eq(dpt_drop(r, "esp_replay"), 1, "%s", r->log);
	cr_expect_eq(dpt_drop(r, "esp_bad_icv"), 1, "%s", r->log);
	cr_expect_eq(dpt_drop(r, "esp_unknown_spi"), 1, "%s", r->log);
	cr_expect_eq(dpt_drop(r, "esp_plaintext"), 1, "%s", r->log);
	cr_expect_eq(dpt_drop(r, "esp_short"), 1, "%s", r->log);
	dpt_expect_only_drops(r, reasons);
	/* SDUs 0, 1, 2 and 5 reach the core; 3 (plaintext) and 4 (short) do not. */
	cr_assert_eq(r->out[DPT_CORE].n, 4, "%zu SDUs on core:\n%s", r->out[DPT_CORE].n, r->log);
	dpt_expect_core(&r->out[DPT_CORE].v[0], esph.sdu[0], esph.sdu_len[0], "SDU 0");
	dpt_expect_core(&r->out[DPT_CORE].v[1], esph.sdu[1], esph.sdu_len[1], "SDU 1");
	dpt_expect_core(&r->out[DPT_CORE].v[2], esph.sdu[2], esph.sdu_len[2], "SDU 2");
	dpt_expect_core(&r->out[DPT_CORE].v[3], esph.sdu[5], esph.sdu_len[5], "SDU 5");
}
