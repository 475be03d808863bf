/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's IPsec adaptation (tools/client/mc_esp.c through mc_madp and
 * mc_ccm) against the gateway's side of the same SAs, derived here with
 * esp_kdf_derive(..., gateway = true, ...) on a manager of the test's own:
 * uplink GMA (and probe ACKs) only as ESP with the derived SPI, decrypted
 * by the gateway SA to the GMA PDU; downlink ESP from the gateway SA
 * delivered; each suite, both Next Header values; plaintext, keep-alive,
 * unknown SPI, replay and a flipped ICV counted by reason; the UP setup
 * through the CCM (SPIs = the derived ones; a missing, short or long
 * shared_secret refused naming the field); rekey: new outbound SA at once,
 * the old inbound SA accepted during the grace period and refused after;
 * the same secret again keeps the SAs and their counters.  Time is passed
 * in (no sleeps).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_msg.h"
#include "esp_kdf.h"
#include "esp_sa.h"
#include "gma_wire.h"
#include "mc_ccm.h"
#include "mc_esp.h"
#include "mc_madp.h"
#include "mc_test_ccm.h"
#include "mc_test_madp.h"
#include "mx_ctrl.h"

#define NCM_ID 42u
#define SID 777u
#define GRACE_MS 5000u

/* 43 characters of base64url, as the NCM generates them (32 random bytes). */
static const char secret_a[] = "q3Vx0pT9bKf2LmN8sR4wYc6ZaD1eH7jU5oIiGtQvXyE";
static const char secret_b[] = "Zz9-_Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7M";

static IMB_MGR *gw_mgr; /* the gateway's: not the client's */

/* The gateway's two SAs of one connection. */
struct gw {
	_Alignas(64) struct esp_sa in;  /* uplink */
	_Alignas(64) struct esp_sa out; /* downlink */
};

static struct gw *gw_a, *gw_b;

static void make(enum gma_method method, enum esp_suite suite, bool esn)
{
	struct mc_madp_cfg cfg = mct_madp_cfg(method);

	cfg.esp_suite = suite;
	cfg.esp_esn = esn;
	cfg.esp_replay_window = 64;
	cfg.esp_rekey_grace_ms = GRACE_MS;
	mct_madp_make(&cfg);
}

static void gw_derive(struct gw *g, const char *secret, uint32_t sid, uint8_t conn,
		      enum esp_suite suite, bool esn)
{
	struct esp_kdf_ctx c = { .ncm_id = NCM_ID, .session_id = sid, .conn_id = conn,
				 .suite = suite, .esn = esn };
	uint8_t km[ESP_KEYMAT_MAX];
	struct esp_sa_cfg sc;

	cr_assert_eq(esp_kdf_derive(gw_mgr, (const uint8_t *)secret, strlen(secret), &c,
				    ESP_DIR_UPLINK, true, km, &sc), 0);
	cr_assert(sc.inbound);
	sc.replay_window = 64;
	cr_assert_eq(esp_sa_init(&g->in, gw_mgr, &sc), 0);
	cr_assert_eq(esp_kdf_derive(gw_mgr, (const uint8_t *)secret, strlen(secret), &c,
				    ESP_DIR_DOWNLINK, true, km, &sc), 0);
	cr_assert_not(sc.inbound);
	cr_assert_eq(esp_sa_init(&g->out, gw_mgr, &sc), 0);
}

static int set_keys(unsigned path, const char *secret, uint8_t conn, uint64_t now)
{
	struct mc_esp_keys k = { .secret = (const uint8_t *)secret, .secret_len = strlen(secret),
				 .ncm_id = NCM_ID, .session_id = SID, .conn_id = conn };

	return mc_madp_set_ipsec(m, path, &k, now);
}

static void setup(void)
{
	mct_madp_init(256);
	gw_a = aligned_alloc(64, sizeof(struct gw));
	gw_b = aligned_alloc(64, sizeof(struct gw));
	cr_assert(gw_a != NULL && gw_b != NULL);
	gw_mgr = alloc_mb_mgr(0);
	cr_assert_not_null(gw_mgr);
	init_mb_mgr_auto(gw_mgr, NULL);
}

static void teardown(void)
{
	mct_madp_fini();
	free_mb_mgr(gw_mgr);
	free(gw_a);
	free(gw_b);
}

TestSuite(esp_madp, .init = setup, .fini = teardown);

/* A downlink GMA PDU (no Flow SN: delivered at once) carrying an SDU of
 * `payload` bytes of `fill`. */
static size_t dl_pdu(enum gma_method meth, uint8_t fill, uint8_t *out)
{
	struct gma_fields f = { .flags = GMA_F_CONN_ID | GMA_F_TIMESTAMP, .conn_id = 0xF0,
				.timestamp = 1234 };
	uint8_t sdu[256];
	size_t sl = mct_udp(sdu, FAR, ANCHOR, 7777, 40000, 100, fill);
	int n = gma_encode(meth, &f, sdu, sl, out, 4096);

	cr_assert_gt(n, 0, "%s", gma_strerror(-n));
	return (size_t)n;
}

/* The gateway sends pdu[0..len) on its outbound SA: the ESP span into out. */
static size_t gw_send(struct esp_sa *sa, const uint8_t *pdu, size_t len, uint8_t nh,
		      uint8_t *out)
{
	uint32_t n = 0;

	memcpy(out + esp_sa_hdr_len(sa), pdu, len);
	cr_assert_eq(esp_encap(gw_mgr, sa, out, (uint32_t)len, 4096, nh, &n), ESP_OK);
	return n;
}

/* The gateway receives the captured datagram k on its inbound SA: the GMA PDU. */
static const uint8_t *gw_recv(struct esp_sa *sa, unsigned k, uint8_t want_nh, uint32_t *len)
{
	static uint8_t copy[4096];
	uint8_t nh = 0;
	enum esp_err rc;

	cr_assert_lt(k, n_tx);
	memcpy(copy, tx[k].b, tx[k].len);
	cr_assert_eq(esp_spi_of(copy, tx[k].len), sa->spi, "SPI 0x%08x, the gateway's 0x%08x",
		     esp_spi_of(copy, tx[k].len), sa->spi);
	rc = esp_decap(gw_mgr, sa, copy, (uint32_t)tx[k].len, len, &nh);
	cr_assert_eq(rc, ESP_OK, "gateway decap: %s", esp_err_name(rc));
	cr_assert_eq(nh, want_nh, "Next Header %u", nh);
	return copy + esp_sa_hdr_len(sa);
}

static uint64_t sn_of(unsigned k)
{
	const uint8_t *b = tx[k].b;

	return (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 | (uint64_t)b[6] << 8 | b[7];
}

static struct mc_esp_stats est(unsigned p)
{
	struct mc_esp_stats s;

	mc_madp_esp_stats(m, p, &s);
	return s;
}

/* ---- round trips ------------------------------------------------------------------ */

static void roundtrip(enum gma_method meth, enum esp_suite suite, bool esn)
{
	uint8_t nh = meth == GMA_METHOD_NONIP ? ESP_NH_NOIP : ESP_NH_IPV4;
	uint8_t sdu[256], pdu[4096], esp[4096], copy[4096];
	struct mc_path_stats ps;
	struct gma_pdu d;
	struct gma_sdu s[2];
	const uint8_t *in;
	uint32_t il = 0;
	size_t len, pl, el;

	make(meth, suite, esn);
	cr_assert_eq(set_keys(0, secret_a, 0, 100), MC_ESP_NEW);
	cr_assert(mc_madp_ipsec(m, 0));
	cr_assert_not(mc_madp_ipsec(m, 1));
	gw_derive(gw_a, secret_a, SID, 0, suite, esn);
	cr_assert_eq(est(0).spi_out, gw_a->in.spi, "the client's outbound = the gateway's inbound");
	cr_assert_eq(est(0).spi_in, gw_a->out.spi);
	cr_assert_geq(gw_a->in.spi, 0x80000000u);

	/* Uplink: ESP only, from which the gateway's SA gets the GMA PDU. */
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 120, 0xAB);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_eq(mc_madp_uplink(m, sdu, len, 5000 + k), 0);
	cr_assert_eq(n_tx, 3);
	for (unsigned k = 0; k < 3; k++) {
		cr_assert_eq(tx[k].path, 0);
		cr_assert_eq(sn_of(k), k + 1, "SN from 1");
		cr_assert_lt(gma_decode(meth, tx[k].b, tx[k].len, &d), 0,
			     "what leaves an IPsec path is no GMA PDU in the clear");
		in = gw_recv(&gw_a->in, k, nh, &il);
		memcpy(copy, in, il);
		cr_assert_eq(gma_decode(meth, copy, il, &d), 0);
		cr_assert_eq(d.f.conn_id, 0xF0);
		cr_assert_eq(d.f.flow_sn, k);
		cr_assert_eq(d.f.delivery_sn, k);
		cr_assert_eq(gma_decap_sdus(meth, copy, il, &d, s, 2), 1);
		cr_assert_eq(s[0].len, len);
		cr_assert_arr_eq(copy + s[0].off, sdu, len, "the SDU comes back unchanged");
		cr_assert_leq(tx[k].len, il + mc_madp_path_overhead(m, 0) - MC_OUTER_OVERHEAD);
	}
	cr_assert_eq(mc_madp_path_overhead(m, 0),
		     MC_OUTER_OVERHEAD + esp_sa_hdr_len(&gw_a->in) + esp_sa_tail_max(&gw_a->in),
		     "ESP's largest overhead is budgeted");
	cr_assert_eq(mc_madp_path_overhead(m, 1), MC_OUTER_OVERHEAD);
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.tx_pkts, 3);
	cr_assert_eq(est(0).tx, 3);

	/* Downlink: from the gateway's outbound SA to the TUN device. */
	pl = dl_pdu(meth, 0x5C, pdu);
	for (unsigned k = 0; k < 2; k++) {
		el = gw_send(&gw_a->out, pdu, pl, nh, esp);
		mct_rx(0, esp, el, 6000 + k);
	}
	cr_assert_eq(n_dl, 2, "both delivered");
	cr_assert_eq(dl[0].len, 128);
	cr_assert_eq(dl[0].b[28], 0x5C);
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.rx_pkts, 2);
	cr_assert_eq(ps.rx_bad, 0);
	cr_assert_eq(est(0).rx, 2);

	/* The plain path next to it is unchanged. */
	mc_madp_set_steer(m, &(struct mc_steer){ .has_default = true, .default_conn = 3 });
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 7000), 0);
	cr_assert_eq(tx[n_tx - 1].path, 1);
	cr_assert_eq(gma_decode(meth, tx[n_tx - 1].b, tx[n_tx - 1].len, &d), 0,
		     "UDP_without_DTLS: GMA in the clear");
}

Test(esp_madp, aes128_gcm_esn_trailer)
{
	roundtrip(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
}

Test(esp_madp, aes256_gcm_no_esn_header)
{
	roundtrip(GMA_METHOD_HEADER_IP, ESP_SUITE_AES256_GCM, false);
}

Test(esp_madp, aes128_cbc_sha256_esn_trailer)
{
	roundtrip(GMA_METHOD_TRAILER, ESP_SUITE_AES128_CBC_SHA256, true);
}

Test(esp_madp, aes256_cbc_sha256_nonip_next_header_253)
{
	roundtrip(GMA_METHOD_NONIP, ESP_SUITE_AES256_CBC_SHA256, true);
}

Test(esp_madp, aes128_gcm_nonip_next_header_253)
{
	roundtrip(GMA_METHOD_NONIP, ESP_SUITE_AES128_GCM, false);
}

/* ---- MX control on an IPsec path ------------------------------------------------------ */

Test(esp_madp, probe_ack_goes_out_as_esp)
{
	struct mx_ctrl_pdu req = { .kind = MX_CTRL_PROBE_REQ, .cid = 0, .sn = 0x0107,
				   .flags = MX_PROBE_F_ACK };
	struct gma_fields f = { .flags = GMA_F_TIMESTAMP | GMA_F_CONN_ID, .timestamp = 5 };
	uint8_t sdu[128], pdu[4096], esp[4096], copy[4096];
	struct mx_ctrl_pdu ack;
	struct mc_path_stats ps;
	struct gma_pdu d;
	struct gma_sdu s[2];
	const uint8_t *in;
	uint32_t il = 0;
	size_t sl, el;
	int n;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_GCM, true);
	sl = mct_probe_sdu(sdu, MX_DIALECT_RFC8743, &req);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, sl, pdu, sizeof(pdu));
	cr_assert_gt(n, 0);
	el = gw_send(&gw_a->out, pdu, (size_t)n, ESP_NH_IPV4, esp);
	mct_rx(0, esp, el, 1000);

	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.probes_rx, 1, "the probe came through ESP");
	cr_assert_eq(ps.probe_acks_tx, 1);
	cr_assert_eq(n_tx, 1);
	cr_assert_eq(tx[0].path, 0);
	in = gw_recv(&gw_a->in, 0, ESP_NH_IPV4, &il);
	memcpy(copy, in, il);
	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, copy, il, &d), 0);
	cr_assert_eq(gma_decap_sdus(GMA_METHOD_TRAILER, copy, il, &d, s, 2), 1);
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_RFC8743, copy + s[0].off + 28, s[0].len - 28, &ack), 0);
	cr_assert_eq(ack.kind, MX_CTRL_PROBE_ACK);
	cr_assert_eq(ack.sn, 0x0107);
}

/* ---- refusals ---------------------------------------------------------------------- */

Test(esp_madp, every_refusal_counted_by_reason_nothing_in_the_clear)
{
	uint8_t pdu[4096], esp[4096], bad[4096];
	struct mc_path_stats ps;
	struct mc_esp_stats s;
	size_t pl, el;
	const uint8_t ka = 0xFF;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_GCM, true);
	pl = dl_pdu(GMA_METHOD_TRAILER, 0x11, pdu);

	mct_rx(0, pdu, pl, 10); /* GMA in the clear */
	cr_assert_eq(n_dl, 0, "plaintext on an IPsec path is never delivered");
	cr_assert_eq(est(0).plaintext, 1);
	mct_rx(0, &ka, 1, 11); /* NAT keep-alive */
	cr_assert_eq(est(0).keepalive, 1);
	el = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp);
	mct_rx(0, esp, el, 12);
	cr_assert_eq(n_dl, 1, "the authentic packet is delivered");
	mct_rx(0, esp, el, 13); /* the same again */
	cr_assert_eq(est(0).err[ESP_REPLAY], 1);
	el = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp);
	memcpy(bad, esp, el);
	bad[el - 1] ^= 0x01; /* ICV */
	mct_rx(0, bad, el, 14);
	cr_assert_eq(est(0).err[ESP_BAD_ICV], 1);
	memcpy(bad, esp, el);
	bad[0] ^= 0x40; /* another SPI */
	mct_rx(0, bad, el, 15);
	cr_assert_eq(est(0).err[ESP_UNKNOWN_SPI], 1);
	mct_rx(0, esp, 20, 16); /* the right SPI, cut short */
	cr_assert_eq(est(0).err[ESP_SHORT], 1);
	el = gw_send(&gw_a->out, pdu, pl, ESP_NH_NOIP, esp); /* the other method's value */
	mct_rx(0, esp, el, 17);
	cr_assert_eq(est(0).err[ESP_BAD_NH], 1);

	s = est(0);
	cr_assert_eq(s.rx, 1);
	cr_assert_eq(s.err[ESP_BAD_PAD] + s.err[ESP_TOO_OLD] + s.err[ESP_CRYPTO], 0);
	cr_assert_eq(n_dl, 1, "only the authentic packet");
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.rx_pkts, 1);
	cr_assert_eq(ps.rx_bad, 0, "ESP refusals are not GMA decode failures");
	cr_assert_str_eq(esp_err_name(ESP_BAD_NH), "esp_bad_next_header");
	cr_assert_str_eq(esp_err_name(ESP_UNKNOWN_SPI), "esp_unknown_spi");

	/* The plain path still takes GMA in the clear. */
	mct_rx(1, pdu, pl, 20);
	cr_assert_eq(n_dl, 2);
	cr_assert_eq(est(1).plaintext, 0);
}

Test(esp_madp, refused_keys_leave_the_path_silent_never_plaintext)
{
	static const char shortsecret[] = "0123456789abcde"; /* 15 bytes */
	uint8_t sdu[256];
	struct mc_path_stats ps;
	size_t len;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(set_keys(0, shortsecret, 0, 0), -EINVAL);
	cr_assert(mc_madp_ipsec(m, 0), "still an IPsec path");
	cr_assert_not(est(0).on);
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 50, 0x22);
	mc_madp_uplink(m, sdu, len, 100);
	cr_assert_eq(n_tx, 0, "nothing is sent without an SA");
	mc_madp_path_stats(m, 0, &ps);
	cr_assert_eq(ps.tx_errors, 1);
	cr_assert_eq(est(0).err[ESP_WRONG_SA], 1);
}

Test(esp_madp, fragments_leave_room_for_esp)
{
	static const enum esp_suite suites[] = { ESP_SUITE_AES128_GCM,
						 ESP_SUITE_AES256_CBC_SHA256 };
	uint8_t sdu[2048];
	struct gma_pdu d;
	size_t len;

	for (unsigned i = 0; i < 2; i++) {
		struct mc_path_cfg pc = { .conn_id = 0, .connected = true, .up = true,
					  .ul_ok = true, .mtu = 600 };

		n_tx = 0;
		make(GMA_METHOD_TRAILER, suites[i], true);
		mc_madp_set_path(m, 0, &pc);
		cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
		gw_derive(gw_a, secret_a, SID, 0, suites[i], true);
		len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 1300, 0x33);
		cr_assert_eq(mc_madp_uplink(m, sdu, len, 100), 0);
		cr_assert_geq(n_tx, 3, "fragmented");
		for (unsigned k = 0; k < n_tx; k++) {
			uint32_t il = 0;
			const uint8_t *in;

			cr_assert_leq(tx[k].len + MC_OUTER_OVERHEAD, 600,
				      "fragment %u: %zu bytes of ESP in a 600-byte MTU", k,
				      tx[k].len);
			in = gw_recv(&gw_a->in, k, ESP_NH_IPV4, &il);
			cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, in, il, &d), 0);
			cr_assert(d.f.flags & GMA_F_FRAG);
		}
	}
}

/* ---- rekey -------------------------------------------------------------------------- */

Test(esp_madp, rekey_new_outbound_at_once_old_inbound_during_grace_only)
{
	uint8_t sdu[256], pdu[4096], esp_old[4096], esp_old2[4096], esp_new[4096];
	struct mc_esp_stats s;
	size_t len, pl, el_old, el_old2, el_new;
	uint32_t il = 0;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(set_keys(0, secret_a, 0, 1000), MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_GCM, true);
	gw_derive(gw_b, secret_b, SID, 0, ESP_SUITE_AES128_GCM, true);
	cr_assert_neq(gw_a->in.spi, gw_b->in.spi);
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 80, 0x44);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 1500), 0);
	gw_recv(&gw_a->in, 0, ESP_NH_IPV4, &il);
	pl = dl_pdu(GMA_METHOD_TRAILER, 0x55, pdu);
	/* Two packets the gateway sent on the old SA, still in flight. */
	el_old = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp_old);
	el_old2 = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp_old2);

	cr_assert_eq(set_keys(0, secret_b, 0, 2000), MC_ESP_REKEYED);
	s = est(0);
	cr_assert_eq(s.rekeys, 1);
	cr_assert_eq(s.spi_out, gw_b->in.spi);
	cr_assert_eq(s.spi_in, gw_b->out.spi);
	cr_assert_eq(s.spi_in_old, gw_a->out.spi);
	cr_assert_eq(mc_madp_next_deadline(m, 2000), 2000 + GRACE_MS,
		     "the end of the grace period is a deadline");

	/* Uplink on the new SA at once, SN from 1. */
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 2001), 0);
	cr_assert_eq(n_tx, 2);
	cr_assert_eq(sn_of(1), 1);
	gw_recv(&gw_b->in, 1, ESP_NH_IPV4, &il);

	/* Downlink on both SAs while the grace lasts. */
	mct_rx(0, esp_old, el_old, 2000 + GRACE_MS - 1);
	el_new = gw_send(&gw_b->out, pdu, pl, ESP_NH_IPV4, esp_new);
	mct_rx(0, esp_new, el_new, 2000 + GRACE_MS - 1);
	cr_assert_eq(n_dl, 2);
	cr_assert_eq(est(0).rx_old_sa, 1);

	/* Then the old SA is gone. */
	mc_madp_poll(m, 2000 + GRACE_MS);
	s = est(0);
	cr_assert_eq(s.spi_in_old, 0, "wiped after the grace period");
	mct_rx(0, esp_old2, el_old2, 2000 + GRACE_MS);
	cr_assert_eq(n_dl, 2, "the old SA is refused after the grace period");
	cr_assert_eq(est(0).err[ESP_UNKNOWN_SPI], 1);
	el_new = gw_send(&gw_b->out, pdu, pl, ESP_NH_IPV4, esp_new);
	mct_rx(0, esp_new, el_new, 2000 + GRACE_MS + 1);
	cr_assert_eq(n_dl, 3, "the new one goes on");
	cr_assert_eq(mc_madp_next_deadline(m, 8000), UINT64_MAX);
}

Test(esp_madp, old_inbound_refused_after_grace_without_a_poll)
{
	uint8_t pdu[4096], esp_old[4096];
	size_t pl, el;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES256_GCM, false);
	cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES256_GCM, false);
	pl = dl_pdu(GMA_METHOD_TRAILER, 0x66, pdu);
	el = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp_old);
	cr_assert_eq(set_keys(0, secret_b, 0, 100), MC_ESP_REKEYED);
	mct_rx(0, esp_old, el, 100 + GRACE_MS);
	cr_assert_eq(n_dl, 0);
	cr_assert_eq(est(0).err[ESP_UNKNOWN_SPI], 1);
}

Test(esp_madp, same_secret_keeps_the_sas_and_their_counters)
{
	uint8_t sdu[256], pdu[4096], esp1[4096];
	struct mc_esp_stats s;
	size_t len, pl, el1;
	uint32_t il = 0;

	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_CBC_SHA256, true);
	cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_CBC_SHA256, true);
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 60, 0x77);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_eq(mc_madp_uplink(m, sdu, len, 10 + k), 0);
	pl = dl_pdu(GMA_METHOD_TRAILER, 0x78, pdu);
	el1 = gw_send(&gw_a->out, pdu, pl, ESP_NH_IPV4, esp1);
	mct_rx(0, esp1, el1, 20);
	cr_assert_eq(n_dl, 1);

	cr_assert_eq(set_keys(0, secret_a, 0, 30), MC_ESP_KEPT);
	s = est(0);
	cr_assert_eq(s.rekeys, 0);
	cr_assert_eq(s.spi_out, gw_a->in.spi);
	cr_assert_eq(s.spi_in_old, 0);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 40), 0);
	cr_assert_eq(sn_of(3), 4, "the SN goes on: no nonce reuse");
	for (unsigned k = 0; k < 4; k++)
		gw_recv(&gw_a->in, k, ESP_NH_IPV4, &il);
	mct_rx(0, esp1, el1, 50);
	cr_assert_eq(est(0).err[ESP_REPLAY], 1, "the replay window goes on");
	cr_assert_eq(n_dl, 1);
	/* A plain path for a while, then IPsec with the same secret: the same
	 * SAs go on (a restarted SN would reuse the key's nonces). */
	cr_assert_eq(mc_madp_set_ipsec(m, 0, NULL, 60), MC_ESP_KEPT);
	cr_assert_not(est(0).on);
	cr_assert_not(mc_madp_ipsec(m, 0));
	cr_assert_eq(set_keys(0, secret_a, 0, 70), MC_ESP_KEPT);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 80), 0);
	cr_assert_eq(sn_of(4), 5);
	gw_recv(&gw_a->in, 4, ESP_NH_IPV4, &il);
	/* Another secret: new SAs from SN 1, no rekey overlap from a plain spell. */
	cr_assert_eq(mc_madp_set_ipsec(m, 0, NULL, 90), MC_ESP_KEPT);
	cr_assert_eq(set_keys(0, secret_b, 0, 100), MC_ESP_NEW);
	cr_assert_eq(est(0).spi_in_old, 0);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 110), 0);
	cr_assert_eq(sn_of(5), 1);
}

/* ---- the UP setup through the CCM ------------------------------------------------------ */

static unsigned n_setup;
static struct mc_setup setup_ev;
static int apply_rc[2];

static char logbuf[65536];
static size_t logged;

static void op_log(void *o, int level, const char *line)
{
	int n;

	(void)o;
	(void)level;
	n = snprintf(logbuf + logged, sizeof(logbuf) - logged, "%s\n", line);
	if (n > 0 && logged + (size_t)n < sizeof(logbuf))
		logged += (size_t)n;
}

/* What mams-client's main does with the setup (mc_main.c, setup_adaptation). */
static void op_setup(void *o, const struct mc_setup *s)
{
	(void)o;
	setup_ev = *s;
	n_setup++;
	for (unsigned i = 0; i < s->n && i < 2; i++) {
		struct mc_esp_keys k = { .secret = s->path[i].secret,
					 .secret_len = s->path[i].secret_len,
					 .ncm_id = s->ncm_id, .session_id = s->session_id,
					 .conn_id = s->path[i].conn_id };

		apply_rc[i] = mc_madp_set_ipsec(m, i, s->path[i].ipsec ? &k : NULL, 0);
	}
}

static void ccm_setup_fn(void)
{
	static const struct mc_iface_opt ifs[2] = {
		{ .name = "wifi", .type = CP_CONN_WIFI, .ifname = "wl0" },
		{ .name = "lte", .type = CP_CONN_LTE, .ifname = "ww0" },
	};
	static const struct mc_iface_obs up0 = { .up = true, .ipv4 = 0xC000020Au, .mtu = 1500 };
	static const struct mc_iface_obs up1 = { .up = true, .ipv4 = 0xC633640Au, .mtu = 1500 };
	struct mc_ccm_ops ops = { .send = mct_ccm_send, .setup = op_setup, .log = op_log };
	struct mc_ccm_cfg cfg = { .n_ifaces = 2, .timeout_ms = 1000, .retries = 2,
				  .keep_alive_ms = 100000, .mx_port = 9999,
				  .udp_port = { 5000, 5001 } };

	setup();
	make(GMA_METHOD_TRAILER, ESP_SUITE_AES128_GCM, true);
	mct_ccm_init(64);
	n_setup = 0;
	logged = 0;
	logbuf[0] = '\0';
	memcpy(cfg.ifaces, ifs, sizeof(ifs));
	ccm = mc_ccm_create(&cfg, &ops);
	cr_assert_not_null(ccm);
	mc_ccm_iface(ccm, 0, &up0, 0);
	mc_ccm_iface(ccm, 1, &up1, 0);
}

static void ccm_teardown_fn(void)
{
	mct_ccm_fini();
	teardown();
}

TestSuite(esp_ccm, .init = ccm_setup_fn, .fini = ccm_teardown_fn);

/* Through the capability exchange (the NCM offers IPsec): SETUP_WAIT. */
static void to_setup_wait(void)
{
	const struct cp_msg *x;

	mc_ccm_on_open(ccm, 0);
	x = mct_last(CP_MSG_DISCOVER);
	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_system_info\",\"sequence_num\":%u,"
		   "\"ncm_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\","
		   "\"ncm_end_point\":{\"ip_address\":\"192.0.2.1\",\"port\":8765}}]}",
		x->sequence_num);
	x = mct_last(CP_MSG_CAPABILITY_REQ);
	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_rsp\","
		   "\"sequence_num\":%u,"
		   "\"unique_session_id\":{\"ncm_id\":%u,\"session_id\":%u},"
		   "\"feature_active\":[{\"feature_name\":\"fragmentation\",\"active\":true}],"
		   "\"num_anchor_connections\":1,"
		   "\"anchor_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\"}],"
		   "\"num_delivery_connections\":2,\"delivery_connections\":["
		   "{\"connection_id\":0,\"connection_type\":\"Wi-Fi\"},"
		   "{\"connection_id\":3,\"connection_type\":\"LTE\"}],"
		   "\"convergence_methods\":[{\"method\":\"GMA\",\"supported\":true}],"
		   "\"adaptation_methods\":[{\"method\":\"UDP_without_DTLS\",\"supported\":true},"
		   "{\"method\":\"IPsec\",\"supported\":true}]}",
		x->sequence_num, NCM_ID, SID);
	x = mct_last(CP_MSG_CAPABILITY_ACK);
	cr_assert_eq(x->u.capability_ack.capability_ack, CP_CAP_ACK_ACCEPT);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_SETUP_WAIT);
}

/* The UP setup: Wi-Fi (connection 0) with the adaptation parameters
 * wifi_param, LTE (3) UDP_without_DTLS. */
static void setup_req(uint64_t now, uint32_t seq, const char *wifi_adapt, const char *wifi_param)
{
	mct_ncm(now, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_conf_req\","
		     "\"sequence_num\":%u,"
		     "\"unique_session_id\":{\"ncm_id\":%u,\"session_id\":%u},"
		     "\"num_anchor_connections\":1,\"anchor_connections\":[{\"connection_id\":15,"
		     "\"connection_type\":\"LTE\",\"vnic_info\":{\"ip\":\"10.77.0.2\","
		     "\"gateway\":\"10.77.0.1\",\"mask\":\"255.255.255.0\",\"dns\":\"10.77.0.1\","
		     "\"vnic_port\":8765},\"convergence_config\":[{\"convergence_method\":\"GMA\","
		     "\"num_delivery_connections\":2,\"delivery_connections\":["
		     "{\"connection_id\":3,\"connection_type\":\"LTE\","
		     "\"adaptation_method\":\"UDP_without_DTLS\",\"adaptation_method_param\":"
		     "{\"tunnel_ip_addr\":\"198.51.100.1\",\"tunnel_end_port\":10021}},"
		     "{\"connection_id\":0,\"connection_type\":\"Wi-Fi\","
		     "\"adaptation_method\":\"%s\","
		     "\"adaptation_method_param\":{\"tunnel_ip_addr\":\"192.0.2.1\","
		     "\"tunnel_end_port\":4500%s}}]}]}]}",
		seq, NCM_ID, SID, wifi_adapt, wifi_param);
}

/* Answers the reconfigurations: ACTIVE. */
static void answer_reconfs(uint64_t now, unsigned from)
{
	unsigned end = n_sent;

	for (unsigned i = from; i < end; i++)
		if (mct_decode(i)->type == CP_MSG_RECONF_REQ)
			mct_ncm(now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_rsp\","
				     "\"sequence_num\":%u}", msg.sequence_num);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE, "%s", mc_ccm_reason(ccm));
}

static void bring_up_ipsec(const char *secret)
{
	char param[400];
	unsigned mark;

	to_setup_wait();
	snprintf(param, sizeof(param), ",\"shared_secret\":\"%s\"", secret);
	mark = n_sent;
	setup_req(10, 1, "IPsec", param);
	cr_assert_eq(n_setup, 1);
	answer_reconfs(20, mark);
}

Test(esp_ccm, ipsec_setup_derives_the_gateways_spis)
{
	const struct cp_msg *x;
	uint8_t sdu[256];
	size_t len;
	uint32_t il = 0;

	bring_up_ipsec(secret_a);
	cr_assert(setup_ev.path[0].ipsec, "Wi-Fi is IPsec");
	cr_assert_not(setup_ev.path[1].ipsec, "LTE is UDP_without_DTLS");
	cr_assert_eq(setup_ev.path[0].conn_id, 0);
	cr_assert_eq(setup_ev.path[0].tunnel_port, 4500);
	cr_assert_eq(setup_ev.path[0].secret_len, strlen(secret_a));
	cr_assert_arr_eq(setup_ev.path[0].secret, secret_a, strlen(secret_a),
			 "the secret's bytes as sent");
	cr_assert_eq(setup_ev.ncm_id, NCM_ID);
	cr_assert_eq(setup_ev.session_id, SID);
	cr_assert_eq(apply_rc[0], MC_ESP_NEW);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(est(0).spi_out, gw_a->in.spi, "0x%08x vs the gateway's 0x%08x",
		     est(0).spi_out, gw_a->in.spi);
	cr_assert_eq(est(0).spi_in, gw_a->out.spi);
	cr_assert_not(est(1).on);
	x = mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(x->sequence_num, 1);

	cr_assert(strstr(logbuf, "<- {") != NULL, "received messages are logged");
	cr_assert(strstr(logbuf, secret_a) == NULL, "the secret is not logged");

	/* And the gateway opens what the client sends. */
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 40, 0x99);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 100), 0);
	gw_recv(&gw_a->in, 0, ESP_NH_IPV4, &il);
}

static void refused(const char *param, const char *what)
{
	unsigned mark;

	to_setup_wait();
	mark = n_sent;
	setup_req(10, 1, "IPsec", param);
	cr_assert_eq(n_setup, 0, "nothing applied");
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING, "the session is ended");
	cr_assert_gt(n_sent, mark);
	mct_last(CP_MSG_SESSION_TERMINATION_REQ);
	mct_ncm(20, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_rsp\","
		    "\"sequence_num\":%u," "\"unique_session_id\":{\"ncm_id\":%u,"
		    "\"session_id\":%u}}",
		msg.sequence_num, NCM_ID, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(mc_ccm_reason(ccm),
			 "delivery_connections[1].adaptation_method_param.shared_secret") != NULL,
		  "names the field: %s", mc_ccm_reason(ccm));
	cr_assert(strstr(mc_ccm_reason(ccm), what) != NULL, "says why: %s", mc_ccm_reason(ccm));
}

Test(esp_ccm, ipsec_without_secret_is_refused_naming_the_field)
{
	refused("", "is missing");
}

Test(esp_ccm, short_secret_is_refused_naming_the_field)
{
	refused(",\"shared_secret\":\"0123456789abcde\"", "has 15 bytes");
}

Test(esp_ccm, secret_longer_than_256_bytes_is_refused)
{
	char param[400], longsecret[258];
	struct mc_ccm_stats st;

	memset(longsecret, 'k', 257);
	longsecret[257] = '\0';
	to_setup_wait();
	snprintf(param, sizeof(param), ",\"shared_secret\":\"%s\"", longsecret);
	setup_req(10, 1, "IPsec", param);
	/* The codec itself refuses it (CP_SECRET): the message is not taken. */
	mc_ccm_stats(ccm, &st);
	cr_assert_eq(st.decode_errors, 1);
	cr_assert_eq(n_setup, 0);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_SETUP_WAIT);
	mc_ccm_tick(ccm, 1000u * 3u);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING, "no usable setup: the session ends");
}

Test(esp_ccm, longest_secret_256_bytes_is_taken)
{
	char secret[257];

	memset(secret, 'x', 256);
	secret[256] = '\0';
	bring_up_ipsec(secret);
	cr_assert_eq(setup_ev.path[0].secret_len, 256);
	cr_assert_eq(apply_rc[0], MC_ESP_NEW);
	gw_derive(gw_a, secret, SID, 0, ESP_SUITE_AES128_GCM, true);
	cr_assert_eq(est(0).spi_out, gw_a->in.spi);
}

Test(esp_ccm, unsupported_adaptation_is_refused)
{
	to_setup_wait();
	setup_req(10, 1, "UDP_with_DTLS", "");
	cr_assert_eq(n_setup, 0);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING);
	mct_last(CP_MSG_SESSION_TERMINATION_REQ);
	mct_ncm(20, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_rsp\","
		    "\"sequence_num\":%u,\"unique_session_id\":{\"ncm_id\":%u,\"session_id\":%u}}",
		msg.sequence_num, NCM_ID, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(mc_ccm_reason(ccm), "adaptation method UDP_with_DTLS is not supported "
					     "(UDP_without_DTLS or IPsec)") != NULL,
		  "%s", mc_ccm_reason(ccm));
}

Test(esp_ccm, new_secret_rekeys_before_the_confirmation_same_secret_keeps)
{
	char param[400];
	const struct cp_msg *x;
	struct mc_ccm_stats st;
	uint8_t sdu[256];
	size_t len;
	uint32_t il = 0;

	bring_up_ipsec(secret_a);
	gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES128_GCM, true);
	gw_derive(gw_b, secret_b, SID, 0, ESP_SUITE_AES128_GCM, true);
	len = mct_udp(sdu, ANCHOR, FAR, 40000, 7777, 40, 0x12);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 30), 0);
	gw_recv(&gw_a->in, 0, ESP_NH_IPV4, &il);

	/* The same setup again (a retransmission): confirmed, SAs kept. */
	snprintf(param, sizeof(param), ",\"shared_secret\":\"%s\"", secret_a);
	setup_req(40, 1, "IPsec", param);
	cr_assert_eq(n_setup, 1, "nothing changed: not applied again");
	mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 41), 0);
	cr_assert_eq(sn_of(1), 2, "counters kept");

	/* A new secret: applied, then confirmed. */
	snprintf(param, sizeof(param), ",\"shared_secret\":\"%s\"", secret_b);
	setup_req(50, 2, "IPsec", param);
	cr_assert_eq(n_setup, 2);
	cr_assert_eq(apply_rc[0], MC_ESP_REKEYED);
	cr_assert_eq(apply_rc[1], MC_ESP_KEPT, "the plain path stays plain");
	x = mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(x->sequence_num, 2);
	cr_assert_eq(est(0).spi_out, gw_b->in.spi);
	cr_assert_eq(est(0).spi_in_old, gw_a->out.spi);
	cr_assert_eq(est(0).rekeys, 1);
	mc_ccm_stats(ccm, &st);
	cr_assert_eq(st.setup_changes, 1);
	cr_assert_eq(mc_madp_uplink(m, sdu, len, 51), 0);
	gw_recv(&gw_b->in, 2, ESP_NH_IPV4, &il);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
}

Test(esp_ccm, the_secret_is_starred_out_in_the_log)
{
	/* Keys in another order, so that the secret comes within the logged part. */
	to_setup_wait();
	mct_ncm(10, "{\"anchor_connections\":[{\"convergence_config\":[{\"delivery_connections\":["
		    "{\"adaptation_method_param\":{\"shared_secret\" : \"%s\",\"tunnel_ip_addr\":"
		    "\"192.0.2.1\",\"tunnel_end_port\":4500},\"connection_id\":0,"
		    "\"connection_type\":"
		    "\"Wi-Fi\",\"adaptation_method\":\"IPsec\"},{\"connection_id\":3,"
		    "\"connection_type\":\"LTE\",\"adaptation_method_param\":{\"tunnel_ip_addr\":"
		    "\"198.51.100.1\",\"tunnel_end_port\":10021}}],\"convergence_method\":\"GMA\","
		    "\"num_delivery_connections\":2}],\"connection_id\":15,"
		    "\"connection_type\":\"LTE\","
		    "\"vnic_info\":{\"ip\":\"10.77.0.2\",\"gateway\":\"10.77.0.1\",\"mask\":"
		    "\"255.255.255.0\",\"dns\":\"10.77.0.1\",\"vnic_port\":8765}}],"
		    "\"num_anchor_connections\":1,\"version\":\"1.0\",\"message_type\":"
		    "\"mx_up_setup_conf_req\",\"sequence_num\":1,"
		    "\"unique_session_id\":{\"ncm_id\":%u,"
		    "\"session_id\":%u}}", secret_a, NCM_ID, SID);
	cr_assert_eq(n_setup, 1, "%s", logbuf);
	cr_assert_arr_eq(setup_ev.path[0].secret, secret_a, strlen(secret_a));
	cr_assert(strstr(logbuf, "\"shared_secret\" : \"*******************************************\"")
		  != NULL, "the secret starred out: %s", logbuf);
	cr_assert(strstr(logbuf, secret_a) == NULL, "the secret is not logged: %s", logbuf);
}

Test(esp_madp, downlink_fragments_through_esp_reassembled)
{
	static const enum gma_method meths[] = { GMA_METHOD_TRAILER, GMA_METHOD_NONIP };
	uint8_t sdu[3000], frag[4096], esp[4096];
	struct gma_frag_plan plan;
	size_t len;

	for (unsigned k = 0; k < 2; k++) {
		struct gma_fields f = { .flags = GMA_F_FLOW_ID | GMA_F_FLOW_SN | GMA_F_DELIVERY_SN,
					.flow_id = 2, .flow_sn = 40 };
		uint8_t nh = meths[k] == GMA_METHOD_NONIP ? ESP_NH_NOIP : ESP_NH_IPV4;
		static const unsigned order[] = { 2, 0, 1 };

		n_dl = 0;
		make(meths[k], ESP_SUITE_AES256_CBC_SHA256, true);
		cr_assert_eq(set_keys(0, secret_a, 0, 0), MC_ESP_NEW);
		gw_derive(gw_a, secret_a, SID, 0, ESP_SUITE_AES256_CBC_SHA256, true);
		len = mct_udp(sdu, FAR, ANCHOR, 443, 40000, 2500, 0);
		for (size_t i = 28; i < len; i++)
			sdu[i] = (uint8_t)(i * 7);
		cr_assert_eq(gma_frag_plan(meths[k], sdu, len, 1000, MC_OUTER_OVERHEAD + 57, f.flags,
					   &plan), 0);
		cr_assert_eq(plan.n, 3);
		/* Out of order: the fragments sit in reassembly at their ESP offset. */
		for (unsigned j = 0; j < plan.n; j++) {
			unsigned i = order[j];
			int n;

			f.delivery_sn = (uint8_t)i;
			n = gma_frag_build(meths[k], &plan, i, &f, sdu, len, frag, sizeof(frag));
			cr_assert_gt(n, 0);
			mct_rx(0, esp, gw_send(&gw_a->out, frag, (size_t)n, nh, esp), 5);
			cr_assert_eq(n_dl, j == 2 ? 1u : 0u, "nothing before the last fragment");
		}
		cr_assert_eq(dl[0].len, len);
		cr_assert_arr_eq(dl[0].b, sdu, len, "the reassembled SDU is the original");
		cr_assert_eq(est(0).rx, 3);
		cr_assert_eq(mc_madp_held(m), 0);
	}
}
