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

#include <intel-ipsec-mb.h>

#include "dp_harness.h"
#include "esp_sa.h"

#define ESP_TEST(name) Test(dp_esp, name, .fini = esp_fini, .timeout = 120)
#define SDU_CAP 2048
#define N_SDU 24
#define SPI_OUT 0x1000u /* gateway -> client */
#define SPI_IN 0x2000u  /* client -> gateway */
#define UL_FLAGS (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP)

struct suite_case {
	const char *name;  /* config "suite" */
	enum esp_suite suite;
	bool esn;
	size_t klen;       /* key bytes; + 4 salt (GCM) or + 32 auth key (CBC) */
};

static IMB_MGR *g_mb;
static struct esp_sa g_cli_out, g_cli_in; /* the client's SAs */
static uint8_t g_km_out[64], g_km_in[64];  /* gateway out / gateway in key material */
static size_t g_km_len;
static char g_ipsec_json[1024];
static uint8_t g_sdu[N_SDU][SDU_CAP];
static size_t g_sdu_len[N_SDU];

static void esp_fini(void)
{
	dpt_fini();
	if (g_mb != NULL)
		free_mb_mgr(g_mb);
	g_mb = NULL;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void hex(char *o, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(o + 2 * i, "%02x", b[i]);
}

/* Key material, the config's "ipsec" object and the client's SAs. */
static void setup(const struct suite_case *c)
{
	bool gcm = c->suite == ESP_SUITE_AES128_GCM || c->suite == ESP_SUITE_AES256_GCM;
	char ko[80], so[80], ki[80], si[80];
	size_t tail = gcm ? 4 : 32;

	g_mb = alloc_mb_mgr(0);
	cr_assert_not_null(g_mb);
	init_mb_mgr_auto(g_mb, NULL);
	g_km_len = c->klen + tail;
	for (size_t i = 0; i < g_km_len; i++) {
		g_km_out[i] = (uint8_t)(0x11 + 7 * i);
		g_km_in[i] = (uint8_t)(0xA5 ^ (13 * i));
	}
	hex(ko, g_km_out, c->klen);
	hex(so, g_km_out + c->klen, tail);
	hex(ki, g_km_in, c->klen);
	hex(si, g_km_in + c->klen, tail);
	snprintf(g_ipsec_json, sizeof(g_ipsec_json),
		 "{ \"suite\": \"%s\", \"esn\": %s, \"replay_window\": 64, "
		 "\"out\": { \"spi\": %u, \"key\": \"%s\", \"%s\": \"%s\" }, "
		 "\"in\": { \"spi\": %u, \"key\": \"%s\", \"%s\": \"%s\" } }",
		 c->name, c->esn ? "true" : "false", SPI_OUT, ko, gcm ? "salt" : "auth_key", so,
		 SPI_IN, ki, gcm ? "salt" : "auth_key", si);
	cr_assert_eq(esp_sa_init(&g_cli_in, g_mb,
				 &(struct esp_sa_cfg){ .spi = SPI_OUT, .suite = c->suite,
						       .inbound = true, .esn = c->esn,
						       .keymat = g_km_out, .keymat_len = g_km_len }),
		     0);
	cr_assert_eq(esp_sa_init(&g_cli_out, g_mb,
				 &(struct esp_sa_cfg){ .spi = SPI_IN, .suite = c->suite,
						       .inbound = false, .esn = c->esn,
						       .keymat = g_km_in, .keymat_len = g_km_len }),
		     0);
}

static struct dpt_session session(struct dpt_path *wifi, struct dpt_path *lte, const char *steer)
{
	static char flows[256];
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
		.extra = "\"default_flow\": 5", .n_paths = 2,
	};

	snprintf(flows, sizeof(flows), "[{ \"flow_id\": 5, \"steering\": %s }]", steer);
	s.flows = flows;
	*wifi = dpt_path_wifi();
	wifi->ipsec = g_ipsec_json;
	*lte = dpt_path_lte();
	s.paths[0] = *wifi;
	s.paths[1] = *lte;
	return s;
}

/* ---- Downlink --------------------------------------------------------------- */

static void dl_sdus(struct dpt_run *r, unsigned n, size_t max)
{
	uint8_t frame[PU_FRAME_MAX];

	for (unsigned i = 0; i < n; i++) {
		size_t len = 28 + (i * 197u) % (max - 28);

		g_sdu_len[i] = dpt_dl_sdu(g_sdu[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, PU_PROTO_UDP,
					  (uint8_t)(64 - i), i + 1);
		dpt_send(r, DPT_CORE, frame, dpt_core_in(frame, sizeof(frame), g_sdu[i], g_sdu_len[i]));
	}
}

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
	cr_expect_eq(esp_spi_of(buf, len), SPI_OUT, "%s: SPI", what);
	e = esp_decap(g_mb, &g_cli_in, buf, len, &pl, &nh);
	cr_assert_eq(e, ESP_OK, "%s: esp_decap: %s", what, esp_err_name(e));
	cr_expect_eq(nh, ESP_NH_IPV4, "%s: next header", what);
	cr_expect_eq(be32(buf + 4), (uint32_t)want_sn,
		     "%s: SN", what);
	cr_expect_leq(f->len - PU_ETH_HLEN, p->mtu ? p->mtu : 1500, "%s: within the MTU", what);
	memcpy(pdu, buf + esp_sa_hdr_len(&g_cli_in), pl);
	return pl;
}

/* The PDU is exactly what the shared/ codec builds from the SDU and the fields it carries. */
static void expect_pdu(const uint8_t *pdu, size_t len, unsigned i, const char *what)
{
	uint8_t want[PU_FRAME_MAX];
	struct gma_pdu d;
	int rc = gma_decode(GMA_METHOD_TRAILER, pdu, len, &d), n;

	cr_assert_eq(rc, 0, "%s: gma_decode: %s", what, gma_strerror(rc));
	cr_expect_eq(d.f.flow_sn, i, "%s: Flow SN", what);
	n = gma_encode(GMA_METHOD_TRAILER, &d.f, g_sdu[i], g_sdu_len[i], want, sizeof(want));
	cr_assert_eq((size_t)n, len, "%s: %zu bytes, the codec builds %d", what, len, n);
	cr_expect(memcmp(want, pdu, len) == 0, "%s: PDU differs from the codec's", what);
}

static void dl_case(const struct suite_case *c)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX];
	char what[64];

	setup(c);
	s = session(&wifi, &lte, "{ \"mode\": \"duplicate\", \"paths\": [3, 7] }");
	r = dpt_new();
	dl_sdus(r, N_SDU, 1400);
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_eq(r->out[DPT_WIFI].n, N_SDU, "%zu ESP frames on wifi:\n%s", r->out[DPT_WIFI].n,
		     r->log);
	cr_assert_eq(r->out[DPT_LTE].n, N_SDU, "%zu plain frames on lte", r->out[DPT_LTE].n);
	for (unsigned i = 0; i < N_SDU; i++) {
		size_t n;

		snprintf(what, sizeof(what), "%s: wifi frame %u", c->name, i);
		n = dl_decrypt(&r->out[DPT_WIFI].v[i], &wifi, pdu, i + 1u, what);
		expect_pdu(pdu, n, i, what);
		/* The plain path: the same PDU in the clear. */
		snprintf(what, sizeof(what), "%s: lte frame %u", c->name, i);
		struct gma_pdu d;
		size_t off = dpt_dl_decode(&r->out[DPT_LTE].v[i], &lte, GMA_METHOD_TRAILER, &d, what);
		expect_pdu(r->out[DPT_LTE].v[i].data + off, r->out[DPT_LTE].v[i].len - off, i, what);
	}
}

static const struct suite_case gcm128 = { "aes128gcm", ESP_SUITE_AES128_GCM, false, 16 };
static const struct suite_case gcm256_esn = { "aes256gcm", ESP_SUITE_AES256_GCM, true, 32 };
static const struct suite_case cbc128 = { "aes128cbc-sha256", ESP_SUITE_AES128_CBC_SHA256, false,
					  16 };

ESP_TEST(downlink_gcm128)
{
	dl_case(&gcm128);
}

ESP_TEST(downlink_gcm256_esn)
{
	dl_case(&gcm256_esn);
}

ESP_TEST(downlink_cbc_sha256)
{
	dl_case(&cbc128);
}

/* Large SDUs on a small MTU: the fragments with ESP fit the path MTU. */
ESP_TEST(downlink_fragment_mtu)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;

	setup(&gcm128);
	s = session(&wifi, &lte, "{ \"mode\": \"switch\", \"paths\": [3] }");
	s.paths[0].mtu = 600;
	wifi.mtu = 600;
	s.extra = "\"default_flow\": 5, \"fragment\": true";
	r = dpt_new();
	dl_sdus(r, 4, 1400);
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
	struct gma_fields f = { .flags = UL_FLAGS, .flow_id = 5, .flow_sn = i,
				.delivery_sn = g_dsn++, .timestamp = 5000 + i };
	uint8_t esp[PU_FRAME_MAX];
	unsigned hdr = esp_sa_hdr_len(&g_cli_out);
	uint32_t esp_len;
	int len = gma_encode(GMA_METHOD_TRAILER, &f, g_sdu[i], g_sdu_len[i], esp + hdr,
			     sizeof(esp) - hdr - 64);

	cr_assert_gt(len, 0);
	cr_assert_eq(esp_encap(g_mb, &g_cli_out, esp, (uint32_t)len, sizeof(esp), ESP_NH_IPV4,
			       &esp_len),
		     ESP_OK);
	return dpt_ul_frame(frame, PU_FRAME_MAX, wifi, esp, esp_len);
}

static size_t ul_plain_frame(uint8_t *frame, const struct dpt_path *p, unsigned i)
{
	struct gma_fields f = { .flags = UL_FLAGS, .flow_id = 5, .flow_sn = i,
				.delivery_sn = g_dsn++, .timestamp = 5000 + i };
	uint8_t pdu[PU_FRAME_MAX];
	int len = gma_encode(GMA_METHOD_TRAILER, &f, g_sdu[i], g_sdu_len[i], pdu, sizeof(pdu));

	cr_assert_gt(len, 0);
	return dpt_ul_frame(frame, PU_FRAME_MAX, p, pdu, (size_t)len);
}

static void ul_sdus(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t len = 28 + (i * 211u) % 1380;

		g_sdu_len[i] = dpt_ul_sdu(g_sdu[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, PU_PROTO_UDP,
					  (uint8_t)(64 - i), i + 1);
	}
}

static void ul_case(const struct suite_case *c)
{
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t frame[PU_FRAME_MAX];
	char what[64];

	setup(c);
	s = session(&wifi, &lte, "{ \"mode\": \"switch\", \"paths\": [3, 7] }");
	r = dpt_new();
	ul_sdus(N_SDU);
	g_dsn = 0;
	for (unsigned i = 0; i < N_SDU; i++) {
		if (i % 4 == 3) /* every 4th on the plain path */
			dpt_send(r, DPT_LTE, frame, ul_plain_frame(frame, &lte, i));
		else
			dpt_send(r, DPT_WIFI, frame, ul_esp_frame(frame, &wifi, i));
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_eq(r->out[DPT_CORE].n, N_SDU, "%zu SDUs on core:\n%s", r->out[DPT_CORE].n,
		     r->log);
	for (unsigned i = 0; i < N_SDU; i++) {
		snprintf(what, sizeof(what), "%s: core frame %u", c->name, i);
		dpt_expect_core(&r->out[DPT_CORE].v[i], g_sdu[i], g_sdu_len[i], what);
	}
}

ESP_TEST(uplink_gcm128)
{
	ul_case(&gcm128);
}

ESP_TEST(uplink_gcm256_esn)
{
	ul_case(&gcm256_esn);
}

ESP_TEST(uplink_cbc_sha256)
{
	ul_case(&cbc128);
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

	setup(&gcm128);
	s = session(&wifi, &lte, "{ \"mode\": \"switch\", \"paths\": [3, 7] }");
	r = dpt_new();
	ul_sdus(6);
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
	dpt_expect_core(&r->out[DPT_CORE].v[0], g_sdu[0], g_sdu_len[0], "SDU 0");
	dpt_expect_core(&r->out[DPT_CORE].v[1], g_sdu[1], g_sdu_len[1], "SDU 1");
	dpt_expect_core(&r->out[DPT_CORE].v[2], g_sdu[2], g_sdu_len[2], "SDU 2");
	dpt_expect_core(&r->out[DPT_CORE].v[3], g_sdu[5], g_sdu_len[5], "SDU 5");
}
