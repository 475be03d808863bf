/* SPDX-License-Identifier: BSD-3-Clause */
/* Static SAs, SDUs and PDU checks of the ESP pcap tests (esp_harness.h). */
#include "esp_harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

struct esph esph;

const struct esph_suite esph_gcm128 = { "aes128gcm", ESP_SUITE_AES128_GCM, false, 16 };
const struct esph_suite esph_gcm256_esn = { "aes256gcm", ESP_SUITE_AES256_GCM, true, 32 };
const struct esph_suite esph_cbc128 = { "aes128cbc-sha256", ESP_SUITE_AES128_CBC_SHA256, false,
					16 };

bool esph_is_gcm(const struct esph_suite *c)
{
	return c->suite == ESP_SUITE_AES128_GCM || c->suite == ESP_SUITE_AES256_GCM;
}

size_t esph_km_len(const struct esph_suite *c)
{
	return c->klen + (esph_is_gcm(c) ? 4 : 32);
}

void esph_hex(char *o, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(o + 2 * i, "%02x", b[i]);
}

/* One SA of the config's "ipsec" object: { "spi", "key", "salt" or "auth_key" }. */
static void sa_json(char *o, size_t cap, const struct esph_suite *c, uint32_t spi,
		   const uint8_t *km)
{
	size_t tail = esph_km_len(c) - c->klen;
	char key[2 * 32 + 1], more[2 * 32 + 1];

	cr_assert_leq(c->klen, 32u, "%s: key length", c->name);
	esph_hex(key, km, c->klen);
	esph_hex(more, km + c->klen, tail);
	snprintf(o, cap, "{ \"spi\": %u, \"key\": \"%s\", \"%s\": \"%s\" }", spi, key,
		 esph_is_gcm(c) ? "salt" : "auth_key", more);
}

/* One of the client's SAs, with the gateway's key material of the other direction. */
static void client_sa(struct esp_sa *sa, const struct esph_suite *c, uint32_t spi, bool inbound,
		      const uint8_t *km)
{
	int rc = esp_sa_init(sa, esph.mb,
			     &(struct esp_sa_cfg){ .spi = spi, .suite = c->suite, .inbound = inbound,
						   .esn = c->esn, .keymat = km,
						   .keymat_len = esph_km_len(c) });

	cr_assert_eq(rc, 0, "%s: the client's %s SA (SPI %#x): %d", c->name,
		     inbound ? "inbound" : "outbound", spi, rc);
}

static void setup(const struct esph_suite *c, const struct esph_keys *k, unsigned window)
{
	size_t kl = esph_km_len(c);
	char out[256], in[256];

	esph.mb = alloc_mb_mgr(0);
	cr_assert_not_null(esph.mb);
	init_mb_mgr_auto(esph.mb, NULL);
	cr_assert_leq(kl, sizeof(esph.km_out), "%s: key material", c->name);
	for (size_t i = 0; i < kl; i++) {
		esph.km_out[i] = (uint8_t)(k->out_add + k->out_mul * i);
		esph.km_in[i] = (uint8_t)(k->in_xor ^ (k->in_mul * i));
	}
	sa_json(out, sizeof(out), c, ESPH_SPI_OUT, esph.km_out);
	sa_json(in, sizeof(in), c, ESPH_SPI_IN, esph.km_in);
	snprintf(esph.ipsec_json, sizeof(esph.ipsec_json),
		 "{ \"suite\": \"%s\", \"esn\": %s, \"replay_window\": %u, "
		 "\"out\": %s, \"in\": %s }",
		 c->name, c->esn ? "true" : "false", window, out, in);
	client_sa(&esph.cli_in, c, ESPH_SPI_OUT, true, esph.km_out);
	client_sa(&esph.cli_out, c, ESPH_SPI_IN, false, esph.km_in);
}

static struct dpt_session session(struct dpt_path *wifi, struct dpt_path *lte, const char *steer)
{
	static char flows[256];
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
		.extra = "\"default_flow\": 5", .n_paths = 2,
	};

	snprintf(flows, sizeof(flows), "[{ \"flow_id\": %u, \"steering\": %s }]", ESPH_FLOW, steer);
	s.flows = flows;
	*wifi = dpt_path_wifi();
	wifi->ipsec = esph.ipsec_json;
	*lte = dpt_path_lte();
	s.paths[0] = *wifi;
	s.paths[1] = *lte;
	return s;
}

struct dpt_run *esph_start(const struct esph_suite *c, const struct esph_keys *k,
			   unsigned window, const char *steer, struct dpt_path *wifi,
			   struct dpt_path *lte, struct dpt_session *s)
{
	setup(c, k, window);
	*s = session(wifi, lte, steer);
	return dpt_new();
}

void esph_fini(void)
{
	dpt_fini();
	esp_sa_wipe(&esph.cli_out);
	esp_sa_wipe(&esph.cli_in);
	if (esph.mb != NULL)
		free_mb_mgr(esph.mb);
	esph.mb = NULL;
}

/* ---- SDUs and PDUs ---------------------------------------------------------- */

void esph_dl_sdus(struct dpt_run *r, unsigned n)
{
	uint8_t frame[PU_FRAME_MAX];

	cr_assert_leq(n, ESPH_MAX_SDU);
	for (unsigned i = 0; i < n; i++) {
		size_t len = 28 + (i * 197u) % 1372;

		esph.sdu_len[i] = dpt_dl_sdu(esph.sdu[i], ESPH_SDU_CAP, pu_ip4(DPT_ANCHOR), len,
					     PU_PROTO_UDP, (uint8_t)(64 - i), i + 1);
		dpt_send(r, DPT_CORE, frame,
			 dpt_core_in(frame, sizeof(frame), esph.sdu[i], esph.sdu_len[i]));
	}
}

void esph_ul_sdus(unsigned n)
{
	cr_assert_leq(n, ESPH_MAX_SDU);
	for (unsigned i = 0; i < n; i++) {
		size_t len = 28 + (i * 211u) % 1380;

		esph.sdu_len[i] = dpt_ul_sdu(esph.sdu[i], ESPH_SDU_CAP, pu_ip4(DPT_ANCHOR), len,
					     PU_PROTO_UDP, (uint8_t)(64 - i), i + 1);
	}
}

size_t esph_ul_pdu(uint8_t *pdu, size_t cap, unsigned i, uint8_t dsn, uint32_t ts)
{
	struct gma_fields f = { .flags = ESPH_UL_FLAGS, .flow_id = ESPH_FLOW, .flow_sn = i,
				.delivery_sn = dsn, .timestamp = ts };
	int len = gma_encode(GMA_METHOD_TRAILER, &f, esph.sdu[i], esph.sdu_len[i], pdu, cap);

	cr_assert_gt(len, 0, "uplink PDU %u: gma_encode: %d", i, len);
	return (size_t)len;
}

uint32_t esph_encap(uint8_t *esp, size_t cap, const uint8_t *pdu, size_t len)
{
	unsigned hdr = esp_sa_hdr_len(&esph.cli_out);
	uint32_t esp_len = 0;
	enum esp_err e;

	cr_assert_leq(hdr + len, cap, "esph_encap: %zu-byte PDU", len);
	memcpy(esp + hdr, pdu, len);
	e = esp_encap(esph.mb, &esph.cli_out, esp, (uint32_t)len, (uint32_t)cap, ESP_NH_IPV4,
		      &esp_len);
	cr_assert_eq(e, ESP_OK, "esp_encap SN %#llx: %s",
		     (unsigned long long)*esp_sa_sn(&esph.cli_out), esp_err_name(e));
	return esp_len;
}

/* ---- Checks ------------------------------------------------------------------ */

void esph_expect_pdu(const uint8_t *pdu, size_t len, unsigned i, const char *what)
{
	uint8_t want[PU_FRAME_MAX];
	struct gma_pdu d;
	int rc = gma_decode(GMA_METHOD_TRAILER, pdu, len, &d), n;

	cr_assert_eq(rc, 0, "%s: gma_decode: %s", what, gma_strerror(rc));
	cr_expect_eq(d.f.flow_sn, i, "%s: Flow SN", what);
	n = gma_encode(GMA_METHOD_TRAILER, &d.f, esph.sdu[i], esph.sdu_len[i], want, sizeof(want));
	cr_assert_eq((size_t)n, len, "%s: %zu bytes, the codec builds %d", what, len, n);
	cr_expect(memcmp(want, pdu, len) == 0, "%s: PDU differs from the codec's", what);
}

void esph_expect_n(const struct dpt_run *r, unsigned dev, size_t n, const char *what)
{
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_eq(r->out[dev].n, n, "%zu %s:\n%s", r->out[dev].n, what, r->log);
}

void esph_expect_core_sdus(const struct dpt_run *r, unsigned n, const char *name)
{
	char what[96];

	esph_expect_n(r, DPT_CORE, n, "SDUs on core");
	for (unsigned i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s: core frame %u", name, i);
		dpt_expect_core(&r->out[DPT_CORE].v[i], esph.sdu[i], esph.sdu_len[i], what);
	}
}
