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
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>

#include "dp_harness.h"
#include "esp_sa.h"

#if !defined(PYTHON3) || !defined(ESP_SCAPY_PY)
#error "meson passes PYTHON3 and ESP_SCAPY_PY (tests/dpdk/meson.build)"
#endif

#define IOP_TEST(name) Test(dp_esp_interop, name, .fini = iop_fini, .timeout = 180)
#define SDU_CAP 2048
#define N_UL 48           /* ESN: from 2^32 - 40, so 8 after the carry */
#define N_DL 24
#define SPI_OUT 0x1000u   /* gateway -> client */
#define SPI_IN 0x2000u    /* client -> gateway */
#define WINDOW 32u
#define ESN_FIRST (0x100000000ull - 40u) /* left of 2^32 - WINDOW: accepted as a jump */
#define SCAPY_TIMEOUT_MS 60000u
#define UL_FLAGS (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP)

struct suite_case {
	const char *name;  /* config "suite", and esp_scapy.py's --suite */
	enum esp_suite suite;
	bool esn;
	size_t klen;       /* key bytes; + 4 salt (GCM) or + 32 auth key (CBC) */
};

static IMB_MGR *g_mb;
static struct esp_sa g_cli_out, g_cli_in; /* the client's SAs (our library) */
static uint8_t g_km_out[64], g_km_in[64];  /* gateway out / gateway in key material */
static char g_ipsec_json[1024];
static uint8_t g_sdu[N_UL][SDU_CAP];
static size_t g_sdu_len[N_UL];

static void iop_fini(void)
{
	dpt_fini();
	esp_sa_wipe(&g_cli_out);
	esp_sa_wipe(&g_cli_in);
	if (g_mb != NULL)
		free_mb_mgr(g_mb);
	g_mb = NULL;
}

static bool is_gcm(const struct suite_case *c)
{
	return c->suite == ESP_SUITE_AES128_GCM || c->suite == ESP_SUITE_AES256_GCM;
}

static void hex(char *o, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(o + 2 * i, "%02x", b[i]);
}

/* Key material, the config's "ipsec" object and the client's SAs. */
static void setup(const struct suite_case *c)
{
	char ko[80], so[80], ki[80], si[80];
	size_t tail = is_gcm(c) ? 4 : 32, kl = c->klen + tail;

	g_mb = alloc_mb_mgr(0);
	cr_assert_not_null(g_mb);
	init_mb_mgr_auto(g_mb, NULL);
	for (size_t i = 0; i < kl; i++) {
		g_km_out[i] = (uint8_t)(0x21 + 11 * i);
		g_km_in[i] = (uint8_t)(0x5A ^ (17 * i));
	}
	hex(ko, g_km_out, c->klen);
	hex(so, g_km_out + c->klen, tail);
	hex(ki, g_km_in, c->klen);
	hex(si, g_km_in + c->klen, tail);
	snprintf(g_ipsec_json, sizeof(g_ipsec_json),
		 "{ \"suite\": \"%s\", \"esn\": %s, \"replay_window\": %u, "
		 "\"out\": { \"spi\": %u, \"key\": \"%s\", \"%s\": \"%s\" }, "
		 "\"in\": { \"spi\": %u, \"key\": \"%s\", \"%s\": \"%s\" } }",
		 c->name, c->esn ? "true" : "false", WINDOW, SPI_OUT, ko,
		 is_gcm(c) ? "salt" : "auth_key", so, SPI_IN, ki, is_gcm(c) ? "salt" : "auth_key",
		 si);
	cr_assert_eq(esp_sa_init(&g_cli_in, g_mb,
				 &(struct esp_sa_cfg){ .spi = SPI_OUT, .suite = c->suite,
						       .inbound = true, .esn = c->esn,
						       .keymat = g_km_out, .keymat_len = kl }),
		     0);
	cr_assert_eq(esp_sa_init(&g_cli_out, g_mb,
				 &(struct esp_sa_cfg){ .spi = SPI_IN, .suite = c->suite,
						       .inbound = false, .esn = c->esn,
						       .keymat = g_km_in, .keymat_len = kl }),
		     0);
}

static struct dpt_session session(struct dpt_path *wifi, struct dpt_path *lte)
{
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = "trailer",
		.extra = "\"default_flow\": 5", .n_paths = 2,
		.flows = "[{ \"flow_id\": 5, "
			 "\"steering\": { \"mode\": \"switch\", \"paths\": [3] } }]",
	};

	*wifi = dpt_path_wifi();
	wifi->ipsec = g_ipsec_json;
	*lte = dpt_path_lte();
	s.paths[0] = *wifi;
	s.paths[1] = *lte;
	return s;
}

/* ---- esp_scapy.py ------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void print_file(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "%s:\n%s\n", path, buf);
}

/*
 * esp_scapy.py OP with the options of the SA (uplink: the gateway's "in",
 * client -> gateway; downlink: its "out"), then more (NULL-terminated).
 */
static void scapy_run(const struct dpt_run *r, const char *op, const struct suite_case *c,
		      bool uplink, uint64_t first_sn, const char *const *more)
{
	const uint8_t *km = uplink ? g_km_in : g_km_out;
	char spi[16], key[80], km2[80], first[32], err[128];
	const char *argv[48];
	unsigned n = 0;
	uint64_t start;
	int st = 0, fd;
	pid_t pid;

	snprintf(spi, sizeof(spi), "%#x", uplink ? SPI_IN : SPI_OUT);
	hex(key, km, c->klen);
	hex(km2, km + c->klen, is_gcm(c) ? 4 : 32);
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
	argv[n++] = is_gcm(c) ? "--salt" : "--auth-key";
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

	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execv(PYTHON3, (char *const *)argv);
		_exit(127);
	}
	start = now_ms();
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		cr_assert(w == 0 || errno == EINTR, "waitpid: %s", strerror(errno));
		if (now_ms() - start > SCAPY_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			print_file(err);
			cr_assert_fail("esp_scapy.py %s: killed after %u ms", op, SCAPY_TIMEOUT_MS);
		}
		usleep(10000);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		print_file(err);
		cr_assert_fail("esp_scapy.py %s %s failed (status 0x%x), see above", op, c->name,
			       (unsigned)st);
	}
}

/* ---- Uplink: scapy encrypts, mamsgw decrypts ------------------------------------------------ */

static size_t ul_pdu(uint8_t *pdu, size_t cap, unsigned i)
{
	struct gma_fields f = { .flags = UL_FLAGS, .flow_id = 5, .flow_sn = i,
				.delivery_sn = (uint8_t)i, .timestamp = 7000 + i };
	int len = gma_encode(GMA_METHOD_TRAILER, &f, g_sdu[i], g_sdu_len[i], pdu, cap);

	cr_assert_gt(len, 0, "gma_encode: %d", len);
	return (size_t)len;
}

/* Our span for the same SN and PDU, to compare with scapy's (--iv sn). */
static uint32_t our_span(uint8_t *esp, size_t cap, const uint8_t *pdu, size_t len, uint64_t sn)
{
	uint32_t esp_len = 0;

	*esp_sa_sn(&g_cli_out) = sn;
	memcpy(esp + esp_sa_hdr_len(&g_cli_out), pdu, len);
	cr_assert_eq(esp_encap(g_mb, &g_cli_out, esp, (uint32_t)len, (uint32_t)cap, ESP_NH_IPV4,
			       &esp_len),
		     ESP_OK);
	return esp_len;
}

static void ul_case(const struct suite_case *c)
{
	const struct dpt_port *wp = &dpt_ports[DPT_WIFI];
	uint64_t first = c->esn ? ESN_FIRST : 1u;
	struct pkt_list plain = { 0 }, enc_rand = { 0 }, enc_sn = { 0 };
	char in[128], out_rand[128], out_sn[128], src[16], dst[16], sport[8], dport[8];
	char esrc[18], edst[18];
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX], frame[PU_FRAME_MAX], mine[PU_FRAME_MAX];
	char what[96];

	setup(c);
	s = session(&wifi, &lte);
	r = dpt_new();
	for (unsigned i = 0; i < N_UL; i++) {
		size_t len = 28 + (i * 211u) % 1380;

		g_sdu_len[i] = dpt_ul_sdu(g_sdu[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, PU_PROTO_UDP,
					  (uint8_t)(64 - i), i + 1);
		len = ul_pdu(pdu, sizeof(pdu), i);
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
	snprintf(esrc, sizeof(esrc), "%02x:%02x:%02x:%02x:%02x:%02x", wp->next_hop[0],
		 wp->next_hop[1], wp->next_hop[2], wp->next_hop[3], wp->next_hop[4],
		 wp->next_hop[5]);
	snprintf(edst, sizeof(edst), "%02x:%02x:%02x:%02x:%02x:%02x", wp->mac[0], wp->mac[1],
		 wp->mac[2], wp->mac[3], wp->mac[4], wp->mac[5]);
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
				 esp_sa_hdr_len(&g_cli_out) - ESP_HDR_LEN) != 0,
			  "%s: scapy's random IV equals the SN rule", what);
		dpt_send(r, DPT_WIFI, enc_rand.v[i].data, enc_rand.v[i].len);
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_eq(r->out[DPT_CORE].n, N_UL, "%zu SDUs on core:\n%s", r->out[DPT_CORE].n, r->log);
	for (unsigned i = 0; i < N_UL; i++) {
		snprintf(what, sizeof(what), "%s: core frame %u", c->name, i);
		dpt_expect_core(&r->out[DPT_CORE].v[i], g_sdu[i], g_sdu_len[i], what);
	}
	pkt_list_free(&plain);
	pkt_list_free(&enc_rand);
	pkt_list_free(&enc_sn);
}

/* ---- Downlink: mamsgw encrypts, scapy decrypts ---------------------------------------------- */

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
	struct pkt_list dec = { 0 };
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t frame[PU_FRAME_MAX];
	char esp_pcap[128], out[128], what[96];

	setup(c);
	s = session(&wifi, &lte);
	r = dpt_new();
	for (unsigned i = 0; i < N_DL; i++) {
		size_t len = 28 + (i * 197u) % 1372;

		g_sdu_len[i] = dpt_dl_sdu(g_sdu[i], SDU_CAP, pu_ip4(DPT_ANCHOR), len, PU_PROTO_UDP,
					  (uint8_t)(64 - i), i + 1);
		dpt_send(r, DPT_CORE, frame,
			 dpt_core_in(frame, sizeof(frame), g_sdu[i], g_sdu_len[i]));
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drops_total(r), 0, "no drop expected:\n%s", r->log);
	cr_assert_eq(r->out[DPT_WIFI].n, N_DL, "%zu ESP frames on wifi:\n%s", r->out[DPT_WIFI].n,
		     r->log);
	snprintf(esp_pcap, sizeof(esp_pcap), "%s/out%u.pcap", r->dir, DPT_WIFI); /* dp_harness */
	snprintf(out, sizeof(out), "%s/dl_scapy_plain.pcap", r->dir);
	scapy_run(r, "decrypt", c, false, 1, (const char *[]){ esp_pcap, out, NULL });
	cr_assert_eq(pcap_read_file(out, &dec), 0);
	cr_assert_eq(dec.n, N_DL, "scapy decrypted %zu frames", dec.n);
	for (unsigned i = 0; i < N_DL; i++) {
		snprintf(what, sizeof(what), "%s: wifi frame %u decrypted by scapy", c->name, i);
		cr_assert_gt(dec.v[i].len, PU_ETH_HLEN);
		expect_pdu(dec.v[i].data + PU_ETH_HLEN, dec.v[i].len - PU_ETH_HLEN, i, what);
	}
	pkt_list_free(&dec);
}

static const struct suite_case gcm128 = { "aes128gcm", ESP_SUITE_AES128_GCM, false, 16 };
static const struct suite_case gcm256_esn = { "aes256gcm", ESP_SUITE_AES256_GCM, true, 32 };
static const struct suite_case cbc128 = { "aes128cbc-sha256", ESP_SUITE_AES128_CBC_SHA256, false,
					  16 };

IOP_TEST(scapy_uplink_gcm128)
{
	ul_case(&gcm128);
}

IOP_TEST(scapy_uplink_gcm256_esn)
{
	ul_case(&gcm256_esn);
}

IOP_TEST(scapy_uplink_cbc_sha256)
{
	ul_case(&cbc128);
}

IOP_TEST(scapy_downlink_gcm128)
{
	dl_case(&gcm128);
}

IOP_TEST(scapy_downlink_gcm256_esn)
{
	dl_case(&gcm256_esn);
}

IOP_TEST(scapy_downlink_cbc_sha256)
{
	dl_case(&cbc128);
}

/* ---- Tampering ------------------------------------------------------------------------------ */

static void tamper_case(const struct suite_case *c)
{
	static const char *const reasons[] = { "esp_unknown_spi", "esp_too_old", "esp_bad_icv",
					       NULL };
	const struct dpt_port *wp = &dpt_ports[DPT_WIFI];
	struct pu_ip ip;
	struct dpt_path wifi, lte;
	struct dpt_session s;
	struct dpt_run *r;
	uint8_t pdu[PU_FRAME_MAX], esp[PU_FRAME_MAX], udp[PU_FRAME_MAX], good[PU_FRAME_MAX];
	uint8_t bad[PU_FRAME_MAX];
	size_t plen, n, glen;
	uint32_t elen, bits;

	setup(c);
	s = session(&wifi, &lte);
	r = dpt_new();
	g_sdu_len[0] = dpt_ul_sdu(g_sdu[0], SDU_CAP, pu_ip4(DPT_ANCHOR), 60, PU_PROTO_UDP, 64, 1);
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
	dpt_expect_core(&r->out[DPT_CORE].v[0], g_sdu[0], g_sdu_len[0], "the genuine frame");
}

IOP_TEST(tamper_every_bit_gcm128)
{
	tamper_case(&gcm128);
}

IOP_TEST(tamper_every_bit_gcm256_esn)
{
	tamper_case(&gcm256_esn);
}

IOP_TEST(tamper_every_bit_cbc_sha256)
{
	tamper_case(&cbc128);
}
