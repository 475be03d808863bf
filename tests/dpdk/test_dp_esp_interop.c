/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP through the real data plane against an independent peer, and
 * tampering (docs/ipsec.md, "Interop"): mamsgw on pcap vdevs (dp_harness)
 * with one session of an IPsec path (wifi, conn 3, static SAs) and a plain
 * path (lte, conn 7).
 *
 * scapy (esp_scapy.py, Debian python3-scapy under /usr/bin/python3) plays the
 * client: it encrypts uplink GMA PDUs with scapy's own random IVs, and
 * mamsgw must put exactly the inner SDUs on the core port; it decrypts
 * mamsgw's downlink ESP frames, which must hold exactly the GMA PDUs the
 * shared/ codec builds.  With mamsgw's IV rule (--iv sn) scapy's ESP spans
 * must be byte-identical to esp_encap's for the same SN: GCM-128, GCM-256
 * with ESN (uplink across 2^32) and CBC-HMAC-SHA-256-128 (no ESN: scapy 2.5
 * leaves the SN's high half out of its HMAC).
 *
 * Tampering: one valid uplink ESP frame, and one copy per bit of its ESP
 * span (SPI to ICV) with that bit flipped: nothing reaches the core, every
 * copy is a counted ESP drop (SPI bits: esp_unknown_spi; SN 1 -> 0:
 * esp_too_old; every other bit: esp_bad_icv), then the genuine frame
 * passes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "esp_harness.h"

#if !defined(PYTHON3) || !defined(ESP_SCAPY_PY)
#error "meson passes PYTHON3 and ESP_SCAPY_PY (tests/dpdk/meson.build)"
#endif

#define IOP_TEST(name) Test(dp_esp_interop, name, .fini = esph_fini, .timeout = 180)
#define N_UL 48           /* ESN: from 2^32 - 40, so 8 after the carry */
#define N_DL 24
#define WINDOW 32u
#define ESN_FIRST (0x100000000ull - 40u) /* left of 2^32 - WINDOW: accepted as a jump */
#define SCAPY_TIMEOUT_MS 60000u
#define STEER_WIFI "{ \"mode\": \"switch\", \"paths\": [3] }"

static const struct esph_keys keys = { .out_add = 0x21, .out_mul = 11, .in_xor = 0x5A,
				       .in_mul = 17 };

/* ---- esp_scapy.py ------------------------------------------------------------------------- */

/*
 * esp_scapy.py OP with the options of the SA (uplink: the gateway's "in",
 * client -> gateway; downlink: its "out"), then more (NULL-terminated).
 */
static void scapy_run(const struct dpt_run *r, const char *op, const struct esph_suite *c,
		      bool uplink, uint64_t first_sn, const char *const *more)
{
	const uint8_t *km = uplink ? esph.km_in : esph.km_out;
	char spi[16], key[80], km2[80], first[32], err[128];
	const char *argv[48];
	unsigned n = 0;
	bool killed;
	int st;

	snprintf(spi, sizeof(spi), "%#x", uplink ? ESPH_SPI_IN : ESPH_SPI_OUT);
	esph_hex(key, km, c->klen);
	esph_hex(km2, km + c->klen, esph_km_len(c) - c->klen);
	snprintf(first, sizeof(first), "%#llx", (unsigned long long)first_sn);
	snprintf(err, sizeof(err), "%s/scapy_%s.txt", r->dir, op);
	argv[n++] = PYTHON3;
	argv[n++] = "-I"; /* no PYTHON* variables, no user site: Debian's modules */
	argv[n++] = ESP_SCAPY_PY;
	argv[n++] = op;
	argv[n++] = "--suite";
	argv[n++] = c->name;
	argv[n++] = "--spi";
	argv[n++] = spi;
	argv[n++] = "--key";
	argv[n++] = key;
	argv[n++] = esph_is_gcm(c) ? "--salt" : "--auth-key";
	argv[n++] = km2;
	argv[n++] = "--first-sn";
	argv[n++] = first;
	if (c->esn)
		argv[n++] = "--esn";
	for (; *more != NULL; more++) {
		cr_assert_lt(n, 47u);
		argv[n++] = *more;
	}
	argv[n] = NULL;

	st = dpt_spawn((char *const *)argv, err, NULL, SCAPY_TIMEOUT_MS, &killed);
	if (killed || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char *text = dpt_slurp(err);

		fprintf(stderr, "%s:\n%s\n", err, text != NULL ? text : "");
		free(text);
		if (killed)
			cr_assert_fail("esp_scapy.py %s: killed after %u ms", op, SCAPY_TIMEOUT_MS);
		cr_assert_fail("esp_scapy.py %s %s failed (status 0x%x), see above", op, c->name,
			       (unsigned)st);
	}
}

/* ---- Uplink: scapy encrypts, mamsgw decrypts ------------------------------------------------ */

/* The run of every case here: the IPsec path alone carries flow 5 (wifi, conn 3). */
static struct dpt_run *start(const struct esph_suite *c, struct dpt_path *wifi,
			     struct dpt_session *s)
{
	struct dpt_path lte;

	return esph_start(c, &keys, WINDOW, STEER_WIFI, wifi, &lte, s);
}

static size_t ul_pdu(uint8_t *pdu, size_t cap, unsigned i)
{
	return esph_ul_pdu(pdu, cap, i, (uint8_t)i, 7000 + i);
}

/* Our span for the same SN and PDU, to compare with scapy's (--iv sn). */
static uint32_t our_span(uint8_t *esp, size_t cap, const uint8_t *pdu, size_t len, uint64_t sn)
{
	*esp_sa_sn(&esph.cli_out) = sn;
	return esph_encap(esp, cap, pdu, len);
}

static void ul_case(const struct esph_suite *c)
{
	const struct dpt_port *wp = &dpt_ports[DPT_WIFI];
	uint64_t first = c->esn ? ESN_FIRST : 1u;
	struct pkt_list plain = { 0 }, enc_rand = { 0 }, enc_sn = { 0 };
	char in[128], out_rand[128], out_sn[128], src[16], dst[16], sport[8], dport[8];
	char esrc[18], edst[18];
	struct dpt_path wifi;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX], frame[PU_FRAME_MAX], mine[PU_FRAME_MAX];
	char what[96];

	r = start(c, &wifi, &s);
	esph_ul_sdus(N_UL);
	for (unsigned i = 0; i < N_UL; i++) {
		size_t len = ul_pdu(pdu, sizeof(pdu), i);

		len = pu_eth(frame, sizeof(frame), wp->mac, wp->next_hop, PU_ETHERTYPE_IPV4, pdu,
			     len, false);
		cr_assert_eq(pkt_list_add(&plain, frame, len), 0);
	}
	snprintf(in, sizeof(in), "%s/ul_plain.pcap", r->dir);
	snprintf(out_rand, sizeof(out_rand), "%s/ul_scapy_random_iv.pcap", r->dir);
	snprintf(out_sn, sizeof(out_sn), "%s/ul_scapy_sn_iv.pcap", r->dir);
	cr_assert_eq(pcap_write_file(in, &plain), 0);
	snprintf(src, sizeof(src), "%s", "192.0.2.10"); /* dpt_path_wifi()'s client */
	snprintf(dst, sizeof(dst), "%s", "192.0.2.1");  /* the wifi port */
	cr_assert_eq(pu_ip4(src), wifi.client_ip);
	cr_assert_eq(pu_ip4(dst), wp->ipv4);
	snprintf(sport, sizeof(sport), "%u", wifi.client_port);
	snprintf(dport, sizeof(dport), "%u", 10020u);
	dpt_mac_str(esrc, wp->next_hop);
	dpt_mac_str(edst, wp->mac);
	scapy_run(r, "encrypt", c, true, first,
		  (const char *[]){ "--src", src, "--dst", dst, "--sport", sport, "--dport", dport,
				    "--eth-src", esrc, "--eth-dst", edst, "--iv", "random", in,
				    out_rand, NULL });
	scapy_run(r, "encrypt", c, true, first,
		  (const char *[]){ "--src", src, "--dst", dst, "--sport", sport, "--dport", dport,
				    "--eth-src", esrc, "--eth-dst", edst, "--iv", "sn", in, out_sn,
				    NULL });
	cr_assert_eq(pcap_read_file(out_rand, &enc_rand), 0);
	cr_assert_eq(pcap_read_file(out_sn, &enc_sn), 0);
	cr_assert_eq(enc_rand.n, N_UL, "scapy wrote %zu frames", enc_rand.n);
	cr_assert_eq(enc_sn.n, N_UL, "scapy wrote %zu frames", enc_sn.n);

	for (unsigned i = 0; i < N_UL; i++) {
		const struct pkt *f = &enc_sn.v[i];
		size_t plen = ul_pdu(pdu, sizeof(pdu), i);
		uint32_t mlen = our_span(mine, sizeof(mine), pdu, plen, first + i);
		const uint8_t *ip = f->data + PU_ETH_HLEN;

		snprintf(what, sizeof(what), "%s: scapy frame %u (SN %#llx)", c->name, i,
			 (unsigned long long)(first + i));
		cr_assert_eq(f->len, PU_OUTER_LEN + mlen, "%s: %zu bytes, ours %u + headers", what,
			     f->len, mlen);
		cr_expect(pu_ipv4_cksum_ok(ip), "%s: outer IPv4 checksum", what);
		cr_expect_eq(ip[9], 17, "%s: UDP", what);
		cr_expect_eq(ip[26] | ip[27], 0, "%s: UDP checksum 0", what);
		cr_expect(memcmp(f->data + PU_OUTER_LEN, mine, mlen) == 0,
			  "%s: scapy's ESP span differs from esp_encap's", what);
		/* The random-IV copy: same length, different IV (else the test is void). */
		cr_assert_eq(enc_rand.v[i].len, f->len, "%s: random-IV frame length", what);
		cr_expect(memcmp(enc_rand.v[i].data + PU_OUTER_LEN + ESP_HDR_LEN,
				 f->data + PU_OUTER_LEN + ESP_HDR_LEN,
				 esp_sa_hdr_len(&esph.cli_out) - ESP_HDR_LEN) != 0,
			  "%s: scapy's random IV equals the SN rule", what);
		dpt_send(r, DPT_WIFI, enc_rand.v[i].data, enc_rand.v[i].len);
	}
	dpt_exec(r, &s, 1);
	esph_expect_core_sdus(r, N_UL, c->name);
	pkt_list_free(&plain);
	pkt_list_free(&enc_rand);
	pkt_list_free(&enc_sn);
}

/* ---- Downlink: mamsgw encrypts, scapy decrypts ---------------------------------------------- */

static void dl_case(const struct esph_suite *c)
{
	struct pkt_list dec = { 0 };
	struct dpt_path wifi;
	struct dpt_session s;
	struct dpt_run *r;
	char esp_pcap[128], out[128], what[96];

	r = start(c, &wifi, &s);
	esph_dl_sdus(r, N_DL);
	dpt_exec(r, &s, 1);
	esph_expect_n(r, DPT_WIFI, N_DL, "ESP frames on wifi");
	snprintf(esp_pcap, sizeof(esp_pcap), "%s/out%u.pcap", r->dir, DPT_WIFI); /* dp_harness */
	snprintf(out, sizeof(out), "%s/dl_scapy_plain.pcap", r->dir);
	scapy_run(r, "decrypt", c, false, 1, (const char *[]){ esp_pcap, out, NULL });
	cr_assert_eq(pcap_read_file(out, &dec), 0);
	cr_assert_eq(dec.n, N_DL, "scapy decrypted %zu frames", dec.n);
	for (unsigned i = 0; i < N_DL; i++) {
		snprintf(what, sizeof(what), "%s: wifi frame %u decrypted by scapy", c->name, i);
		cr_assert_gt(dec.v[i].len, PU_ETH_HLEN);
		esph_expect_pdu(dec.v[i].data + PU_ETH_HLEN, dec.v[i].len - PU_ETH_HLEN, i, what);
	}
	pkt_list_free(&dec);
}

IOP_TEST(scapy_uplink_gcm128)
{
	ul_case(&esph_gcm128);
}

IOP_TEST(scapy_uplink_gcm256_esn)
{
	ul_case(&esph_gcm256_esn);
}

IOP_TEST(scapy_uplink_cbc_sha256)
{
	ul_case(&esph_cbc128);
}

IOP_TEST(scapy_downlink_gcm128)
{
	dl_case(&esph_gcm128);
}

IOP_TEST(scapy_downlink_gcm256_esn)
{
	dl_case(&esph_gcm256_esn);
}

IOP_TEST(scapy_downlink_cbc_sha256)
{
	dl_case(&esph_cbc128);
}

/* ---- Tampering ------------------------------------------------------------------------------ */

static void tamper_case(const struct esph_suite *c)
{
	static const char *const reasons[] = { "esp_unknown_spi", "esp_too_old", "esp_bad_icv",
					       NULL };
	const struct dpt_port *wp = &dpt_ports[DPT_WIFI];
	struct pu_ip ip;
	struct dpt_path wifi;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX], esp[PU_FRAME_MAX], udp[PU_FRAME_MAX], good[PU_FRAME_MAX];
	uint8_t bad[PU_FRAME_MAX];
	size_t plen, n, glen;
	uint32_t elen, bits;

	r = start(c, &wifi, &s);
	esph.sdu_len[0] = dpt_ul_sdu(esph.sdu[0], ESPH_SDU_CAP, pu_ip4(DPT_ANCHOR), 60, PU_PROTO_UDP,
				     64, 1);
	plen = ul_pdu(pdu, sizeof(pdu), 0);
	elen = our_span(esp, sizeof(esp), pdu, plen, 1);
	/* RFC 3948 3.1.2: UDP checksum 0, so every flipped bit reaches ESP. */
	ip = (struct pu_ip){ .src = wifi.client_ip, .dst = wp->ipv4, .ttl = 64, .id = 1 };
	n = pu_udp4(udp, sizeof(udp), &ip, wifi.client_port, 10020, esp, elen, false);
	cr_assert_gt(n, 0u);
	glen = pu_eth(good, sizeof(good), wp->mac, wp->next_hop, PU_ETHERTYPE_IPV4, udp, n, true);
	cr_assert_eq(glen, PU_OUTER_LEN + elen, "no Ethernet padding behind the span");
	bits = elen * 8u;
	for (uint32_t b = 0; b < bits; b++) {
		memcpy(bad, good, glen);
		bad[PU_OUTER_LEN + b / 8] ^= (uint8_t)(0x80u >> (b % 8));
		dpt_send(r, DPT_WIFI, bad, glen);
	}
	dpt_send(r, DPT_WIFI, good, glen); /* the genuine frame still passes */
	dpt_exec(r, &s, 1);

	cr_expect_eq(dpt_drops_total(r), bits, "%s: %u tampered frames, drops:\n%s", c->name, bits,
		     r->log);
	cr_expect_eq(dpt_drop(r, "esp_unknown_spi"), 32, "%s: SPI bits:\n%s", c->name, r->log);
	cr_expect_eq(dpt_drop(r, "esp_too_old"), 1, "%s: SN 1 -> 0:\n%s", c->name, r->log);
	cr_expect_eq(dpt_drop(r, "esp_bad_icv"), bits - 33, "%s: every other bit:\n%s", c->name,
		     r->log);
	dpt_expect_only_drops(r, reasons);
	cr_assert_eq(r->out[DPT_CORE].n, 1, "%s: %zu frames on core, only the genuine one expected",
		     c->name, r->out[DPT_CORE].n);
	dpt_expect_core(&r->out[DPT_CORE].v[0], esph.sdu[0], esph.sdu_len[0], "the genuine frame");
}

IOP_TEST(tamper_every_bit_gcm128)
{
	tamper_case(&esph_gcm128);
}

IOP_TEST(tamper_every_bit_gcm256_esn)
{
	tamper_case(&esph_gcm256_esn);
}

IOP_TEST(tamper_every_bit_cbc_sha256)
{
	tamper_case(&esph_cbc128);
}
