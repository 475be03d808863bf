/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's ESP per delivery connection (mc_esp.h).  The SAs are
 * embedded in the context (allocated once, 64-byte aligned as struct
 * esp_sa wants); their keys are expanded in mc_esp_set_keys(), off the
 * packet path.  The packet path is single-packet esp_encap()/esp_decap():
 * the client's loop handles one datagram at a time.
 */
#include "mc_esp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "esp_kdf.h"

struct mc_esp_path {
	struct esp_sa out;          /* uplink: the client's outbound SA */
	struct esp_sa in[2];        /* downlink: in[cur] current, in[!cur] previous */
	unsigned cur;
	bool sas;                   /* out and in[cur] hold SAs derived from secret */
	bool on;                    /* the path is an IPsec one now (sas set) */
	bool has_old;               /* in[!cur] is accepted until old_until */
	uint64_t old_until;
	struct esp_kdf_ctx ctx;     /* what the SAs were derived from */
	uint16_t secret_len;
	uint8_t secret[ESP_SECRET_MAX];
	struct mc_esp_stats st;
};

struct mc_esp {
	struct mc_esp_path path[MC_ESP_MAX_PATHS];
	struct mc_esp_cfg cfg;
	IMB_MGR *mgr;
	uint8_t nh;                 /* Next Header of the method: 4 or 253 */
};

static const struct {
	const char *flag;
	enum esp_suite suite;
} suite_names[] = {
	{ "aes128-gcm", ESP_SUITE_AES128_GCM },
	{ "aes256-gcm", ESP_SUITE_AES256_GCM },
	{ "aes128-cbc-sha256", ESP_SUITE_AES128_CBC_SHA256 },
	{ "aes256-cbc-sha256", ESP_SUITE_AES256_CBC_SHA256 },
};

int mc_esp_suite_parse(const char *name, enum esp_suite *out)
{
	for (size_t i = 0; i < sizeof(suite_names) / sizeof(suite_names[0]); i++)
		if (strcmp(name, suite_names[i].flag) == 0) {
			*out = suite_names[i].suite;
			return 0;
		}
	return -EINVAL;
}

const char *mc_esp_suite_flag(enum esp_suite s)
{
	for (size_t i = 0; i < sizeof(suite_names) / sizeof(suite_names[0]); i++)
		if (suite_names[i].suite == s)
			return suite_names[i].flag;
	return "?";
}

static void old_wipe(struct mc_esp_path *p)
{
	if (!p->has_old)
		return;
	esp_sa_wipe(&p->in[!p->cur]);
	p->has_old = false;
	p->old_until = 0;
}

static void old_expire(struct mc_esp_path *p, uint64_t now_ms)
{
	if (p->has_old && now_ms >= p->old_until)
		old_wipe(p);
}

struct mc_esp *mc_esp_create(const struct mc_esp_cfg *cfg)
{
	size_t size = (sizeof(struct mc_esp) + 63u) & ~(size_t)63u;
	struct mc_esp_cfg c = *cfg;
	struct mc_esp *e;

	if (c.suite == 0)
		c.suite = ESP_SUITE_AES128_GCM;
	if (c.replay_window == 0)
		c.replay_window = 1024;
	if (esp_suite_keymat_len(c.suite) == 0 || c.replay_window < 32 ||
	    c.replay_window > 4096 || (c.replay_window & (c.replay_window - 1)) != 0 ||
	    c.n_paths == 0 || c.n_paths > MC_ESP_MAX_PATHS ||
	    (unsigned)c.method >= GMA_METHOD_COUNT) {
		errno = EINVAL;
		return NULL;
	}
	e = aligned_alloc(64, size);
	if (e == NULL)
		return NULL;
	memset(e, 0, size);
	e->cfg = c;
	e->nh = c.method == GMA_METHOD_NONIP ? ESP_NH_NOIP : ESP_NH_IPV4;
	e->mgr = alloc_mb_mgr(0);
	if (e->mgr == NULL) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	init_mb_mgr_auto(e->mgr, NULL);
	return e;
}

/* Forgets the path's SAs and secret. */
static void path_wipe(struct mc_esp_path *p)
{
	esp_sa_wipe(&p->out);
	esp_sa_wipe(&p->in[0]);
	esp_sa_wipe(&p->in[1]);
	esp_wipe(p->secret, sizeof(p->secret));
	p->secret_len = 0;
	p->sas = false;
	p->on = false;
	p->has_old = false;
	p->old_until = 0;
	p->cur = 0;
	p->st.on = false;
}

void mc_esp_destroy(struct mc_esp *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < MC_ESP_MAX_PATHS; i++)
		path_wipe(&e->path[i]);
	free_mb_mgr(e->mgr);
	esp_wipe(e, sizeof(*e));
	free(e);
}

static bool same_keys(const struct mc_esp_path *p, const struct esp_kdf_ctx *ctx,
		      const struct mc_esp_keys *k)
{
	return p->sas && p->secret_len == k->secret_len &&
	       memcmp(p->secret, k->secret, k->secret_len) == 0 && p->ctx.ncm_id == ctx->ncm_id &&
	       p->ctx.session_id == ctx->session_id && p->ctx.conn_id == ctx->conn_id &&
	       p->ctx.suite == ctx->suite && p->ctx.esn == ctx->esn;
}

int mc_esp_set_keys(struct mc_esp *e, unsigned path, const struct mc_esp_keys *k,
		    uint64_t now_ms)
{
	uint8_t km_out[ESP_KEYMAT_MAX], km_in[ESP_KEYMAT_MAX];
	struct esp_sa_cfg c_out, c_in;
	struct esp_kdf_ctx ctx = {
		.ncm_id = k->ncm_id,
		.session_id = k->session_id,
		.conn_id = k->conn_id,
		.suite = e->cfg.suite,
		.esn = e->cfg.esn,
	};
	struct mc_esp_path *p;
	bool was_on;
	unsigned slot;
	int rc;

	if (path >= e->cfg.n_paths || k->secret == NULL || k->secret_len < ESP_SECRET_MIN ||
	    k->secret_len > ESP_SECRET_MAX)
		return -EINVAL;
	p = &e->path[path];
	old_expire(p, now_ms);
	if (same_keys(p, &ctx, k)) {
		/* Also after a spell as a plain path: the same keys must go on
		 * with their SN (a restarted SN would reuse nonces). */
		p->on = true;
		p->st.on = true;
		return MC_ESP_KEPT;
	}
	/* The client sends uplink and receives downlink (gateway = false). */
	rc = esp_kdf_derive(e->mgr, k->secret, k->secret_len, &ctx, ESP_DIR_UPLINK, false, km_out,
			    &c_out);
	if (rc == 0)
		rc = esp_kdf_derive(e->mgr, k->secret, k->secret_len, &ctx, ESP_DIR_DOWNLINK, false,
				    km_in, &c_in);
	if (rc != 0)
		goto wipe_keymat;
	c_in.replay_window = e->cfg.replay_window;
	was_on = p->on;
	if (!was_on)
		path_wipe(p); /* SAs kept from before a spell as a plain path */
	/* Outbound: the new SA at once, the old one is gone. */
	esp_sa_wipe(&p->out);
	rc = esp_sa_init(&p->out, e->mgr, &c_out);
	if (rc != 0)
		goto fail;
	/* Inbound: the new SA goes into the other slot; the current one
	 * becomes the previous one (an older previous one is dropped now). */
	if (was_on) {
		old_wipe(p);
		slot = !p->cur;
	} else {
		slot = 0;
	}
	esp_sa_wipe(&p->in[slot]);
	rc = esp_sa_init(&p->in[slot], e->mgr, &c_in);
	if (rc != 0)
		goto fail;
	if (was_on) {
		p->cur = slot;
		p->has_old = e->cfg.rekey_grace_ms > 0;
		p->old_until = now_ms + e->cfg.rekey_grace_ms;
		if (!p->has_old)
			esp_sa_wipe(&p->in[!slot]);
		p->st.rekeys++;
	} else {
		p->cur = 0;
		p->has_old = false;
	}
	p->sas = true;
	p->on = true;
	p->ctx = ctx;
	p->secret_len = (uint16_t)k->secret_len;
	memcpy(p->secret, k->secret, k->secret_len);
	p->st.on = true;
	rc = was_on ? MC_ESP_REKEYED : MC_ESP_NEW;
	goto wipe_keymat;
fail:
	path_wipe(p);
wipe_keymat:
	esp_wipe(km_out, sizeof(km_out));
	esp_wipe(km_in, sizeof(km_in));
	return rc;
}

void mc_esp_clear(struct mc_esp *e, unsigned path)
{
	struct mc_esp_path *p;

	if (path >= MC_ESP_MAX_PATHS)
		return;
	p = &e->path[path];
	/* The SAs stay (not used) until other keys come: the same secret
	 * again must not restart the SN under the same key. */
	p->on = false;
	p->st.on = false;
	old_wipe(p);
}

bool mc_esp_on(const struct mc_esp *e, unsigned path)
{
	return path < MC_ESP_MAX_PATHS && e->path[path].on;
}

enum esp_suite mc_esp_suite(const struct mc_esp *e)
{
	return e->cfg.suite;
}

unsigned mc_esp_overhead(const struct mc_esp *e)
{
	bool gcm = e->cfg.suite == ESP_SUITE_AES128_GCM || e->cfg.suite == ESP_SUITE_AES256_GCM;
	unsigned iv = gcm ? 8u : 16u, align = gcm ? 4u : 16u;

	return ESP_HDR_LEN + iv + (align - 1u) + 2u + ESP_ICV_LEN;
}

enum esp_err mc_esp_encap(struct mc_esp *e, unsigned path, uint8_t *pdu, uint32_t len,
			  uint8_t **esp, uint32_t *esp_len)
{
	struct mc_esp_path *p;
	enum esp_err rc;
	uint8_t *span;
	uint32_t hl, n = 0;

	if (path >= e->cfg.n_paths)
		return ESP_WRONG_SA;
	p = &e->path[path];
	if (!p->on) {
		p->st.err[ESP_WRONG_SA]++; /* no SA (yet): nothing is sent, never plaintext */
		return ESP_WRONG_SA;
	}
	hl = esp_sa_hdr_len(&p->out);
	span = pdu - hl;
	rc = esp_encap(e->mgr, &p->out, span, len, hl + len + MC_ESP_TAIL, e->nh, &n);
	if (rc != ESP_OK) {
		p->st.err[rc]++;
		return rc;
	}
	p->st.tx++;
	*esp = span;
	*esp_len = n;
	return ESP_OK;
}

int mc_esp_decap(struct mc_esp *e, unsigned path, uint8_t *buf, uint32_t len, uint64_t now_ms,
		 uint32_t *off, uint32_t *pdu_len)
{
	struct mc_esp_path *p;
	struct esp_sa *sa = NULL;
	struct gma_pdu d;
	uint32_t spi, plen = 0;
	uint8_t nh = 0;
	bool old = false;
	enum esp_err rc;

	if (path >= e->cfg.n_paths)
		return -1;
	p = &e->path[path];
	if (!p->on) {
		p->st.err[ESP_UNKNOWN_SPI]++;
		return -1;
	}
	old_expire(p, now_ms);
	if (len == 1 && buf[0] == 0xFF) {
		p->st.keepalive++; /* RFC 3948 2.3 NAT keep-alive */
		return -1;
	}
	spi = esp_spi_of(buf, len);
	if (spi != 0 && spi == p->in[p->cur].spi) {
		sa = &p->in[p->cur];
	} else if (spi != 0 && p->has_old && spi == p->in[!p->cur].spi) {
		sa = &p->in[!p->cur];
		old = true;
	}
	if (sa == NULL) {
		/* Not ours: a GMA PDU in the clear is told apart (never accepted). */
		if (gma_decode(e->cfg.method, buf, len, &d) == 0)
			p->st.plaintext++;
		else
			p->st.err[ESP_UNKNOWN_SPI]++;
		return -1;
	}
	rc = esp_decap(e->mgr, sa, buf, len, &plen, &nh);
	if (rc == ESP_OK && nh != e->nh)
		rc = ESP_BAD_NH; /* the other method's value: never guessed */
	if (rc != ESP_OK) {
		p->st.err[rc]++;
		return -1;
	}
	p->st.rx++;
	if (old)
		p->st.rx_old_sa++;
	*off = esp_sa_hdr_len(sa);
	*pdu_len = plen;
	return 0;
}

void mc_esp_poll(struct mc_esp *e, uint64_t now_ms)
{
	for (unsigned i = 0; i < e->cfg.n_paths; i++)
		old_expire(&e->path[i], now_ms);
}

uint64_t mc_esp_next_deadline(const struct mc_esp *e)
{
	uint64_t t = UINT64_MAX;

	for (unsigned i = 0; i < e->cfg.n_paths; i++)
		if (e->path[i].has_old && e->path[i].old_until < t)
			t = e->path[i].old_until;
	return t;
}

void mc_esp_stats(const struct mc_esp *e, unsigned path, struct mc_esp_stats *out)
{
	const struct mc_esp_path *p;

	memset(out, 0, sizeof(*out));
	if (path >= e->cfg.n_paths)
		return;
	p = &e->path[path];
	*out = p->st;
	out->on = p->on;
	if (p->on) {
		out->spi_out = p->out.spi;
		out->spi_in = p->in[p->cur].spi;
		out->spi_in_old = p->has_old ? p->in[!p->cur].spi : 0;
	}
}
