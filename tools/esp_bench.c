/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw-esp-bench: cost of the ESP library (dataplane/esp/) relative to the
 * bare IPsec-MB AES-GCM call on the same buffers, measured in the same run.
 *
 *   mamsgw-esp-bench [--packets N] [--rounds R]
 *
 * No EAL, no ports, no hugepages: one thread, one IMB_MGR, N buffers of
 * 2 KiB.  For each GCM suite (AES-128, AES-256) and payload size (64, 512,
 * 1400 bytes: the GMA PDU) one round times four passes over the N buffers:
 *   raw ENC    IMB_AES{128,256}_GCM_ENC per buffer, in place, on exactly the
 *              bytes ESP encrypts (payload, padding, pad length, next header)
 *              with the nonce (salt || SN) and the 8-byte AAD (SPI || SN)
 *              ESP uses and a 16-byte tag: the least an ESP stack must do
 *   esp_encap  esp_encap_burst() in bursts of 32: SN, header, IV, padding,
 *              job API, ICV placement
 *   raw DEC    IMB_AES{128,256}_GCM_DEC per buffer, in place, same inputs
 *              (tag computed, not compared)
 *   esp_decap  esp_decap_burst() in bursts of 32: structural checks, replay
 *              check, job API, constant-time ICV compare, replay window
 *              update, padding and next header checks
 * The SNs grow across rounds (one outbound and one inbound SA per suite), so
 * every decapsulated packet is new to the replay window.  Raw and ESP are
 * checked against each other outside the clock: the raw tags must equal the
 * ICVs ESP wrote, and every decap must succeed.
 * Printed per size: Mpps and cycles per packet (median of R rounds) and the
 * ratio ESP cycles / raw cycles.  Docs: docs/benchmark.md.
 */
#include <getopt.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <intel-ipsec-mb.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "bench_median.h"
#include "esp_sa.h"

#define BURST 32u
#define STRIDE 2048u     /* bytes per buffer, as an mbuf's data room */
#define MAX_ROUNDS 31u
#define SPI 0x00001234u

struct suite {
	enum esp_suite id;
	const char *name;
	unsigned key_len;
};

static const struct suite suites[] = {
	{ESP_SUITE_AES128_GCM, "AES-128-GCM", 16},
	{ESP_SUITE_AES256_GCM, "AES-256-GCM", 32},
};

static unsigned n_pkts = 4096, rounds = 21;
static IMB_MGR *mgr;
static alignas(64) struct esp_sa out_sa, in_sa;
static alignas(64) struct gcm_key_data raw_key;
static alignas(64) struct gcm_context_data raw_ctx;
static uint8_t *work, *pristine;        /* n_pkts * STRIDE each */
static uint8_t (*nonce)[16], (*aad)[8], (*tag)[16];
static struct esp_op *ops;
static uint32_t *esp_len;

static void die(const char *what)
{
	fprintf(stderr, "mamsgw-esp-bench: %s\n", what);
	exit(1);
}

static void *xalloc(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) / 64 * 64);

	if (p == NULL)
		die("out of memory");
	memset(p, 0, n);
	return p;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* TSC rate against CLOCK_MONOTONIC over 100 ms (no EAL to ask). */
static double tsc_hz(void)
{
	struct timespec a, b, d = {0, 100 * 1000 * 1000};
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = rte_rdtsc_precise();
	nanosleep(&d, NULL);
	t1 = rte_rdtsc_precise();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(t1 - t0) /
	       ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
}

/* Bytes ESP encrypts for a payload of len (GCM: 4-byte alignment). */
static uint32_t ct_len_of(uint32_t len)
{
	return (len + 2u + 3u) / 4u * 4u;
}

/* The plaintext ESP encrypts: payload, padding 1,2,.., pad length, NH. */
static void fill_plain(uint32_t len, unsigned hdr)
{
	uint32_t ct = ct_len_of(len), pad = ct - len - 2u;

	for (unsigned i = 0; i < n_pkts; i++) {
		uint8_t *p = work + (size_t)i * STRIDE + hdr;

		memset(p, (int)(0x40 + i % 64), len);
		for (uint32_t k = 0; k < pad; k++)
			p[len + k] = (uint8_t)(k + 1u);
		p[len + pad] = (uint8_t)pad;
		p[len + pad + 1u] = ESP_NH_IPV4;
	}
}

static void copy_bufs(uint8_t *dst, const uint8_t *src)
{
	for (unsigned i = 0; i < n_pkts; i++)
		memcpy(dst + (size_t)i * STRIDE, src + (size_t)i * STRIDE, esp_len[i]);
}

static uint64_t raw_pass(bool aes256, bool encrypt, uint32_t ct, unsigned hdr)
{
	uint64_t t0 = rte_rdtsc_precise();

	for (unsigned i = 0; i < n_pkts; i++) {
		uint8_t *p = work + (size_t)i * STRIDE + hdr;

		if (aes256 && encrypt)
			IMB_AES256_GCM_ENC(mgr, &raw_key, &raw_ctx, p, p, ct, nonce[i], aad[i], 8,
					   tag[i], 16);
		else if (aes256)
			IMB_AES256_GCM_DEC(mgr, &raw_key, &raw_ctx, p, p, ct, nonce[i], aad[i], 8,
					   tag[i], 16);
		else if (encrypt)
			IMB_AES128_GCM_ENC(mgr, &raw_key, &raw_ctx, p, p, ct, nonce[i], aad[i], 8,
					   tag[i], 16);
		else
			IMB_AES128_GCM_DEC(mgr, &raw_key, &raw_ctx, p, p, ct, nonce[i], aad[i], 8,
					   tag[i], 16);
	}
	return rte_rdtsc_precise() - t0;
}

static uint64_t esp_pass(bool encap, uint32_t len)
{
	unsigned ok = 0;
	uint64_t t0 = rte_rdtsc_precise();

	for (unsigned i = 0; i < n_pkts; i += BURST) {
		for (unsigned k = 0; k < BURST; k++) {
			struct esp_op *op = &ops[i + k];

			op->esp = work + (size_t)(i + k) * STRIDE;
			if (encap) {
				op->sa = &out_sa;
				op->len = len;
				op->room = STRIDE;
				op->next_header = ESP_NH_IPV4;
			} else {
				op->sa = &in_sa;
				op->len = esp_len[i + k];
			}
		}
		ok += encap ? esp_encap_burst(mgr, ops + i, BURST)
			    : esp_decap_burst(mgr, ops + i, BURST);
	}
	t0 = rte_rdtsc_precise() - t0;
	if (ok != n_pkts)
		die(encap ? "esp_encap_burst failed" : "esp_decap_burst failed");
	return t0;
}

struct round_cycles {
	uint64_t enc, encap, dec, decap;
};

/* One round of the four passes; SNs continue from the SAs' counters. */
static void one_round(const struct suite *s, uint32_t len, struct round_cycles *c)
{
	unsigned hdr = esp_sa_hdr_len(&out_sa);
	uint32_t ct = ct_len_of(len);
	uint64_t sn0 = *esp_sa_sn(&out_sa);
	bool aes256 = s->key_len == 32;

	for (unsigned i = 0; i < n_pkts; i++) {
		uint64_t sn = sn0 + i;

		memcpy(nonce[i], out_sa.salt, 4);
		put32(nonce[i] + 4, (uint32_t)(sn >> 32));
		put32(nonce[i] + 8, (uint32_t)sn);
		put32(aad[i], SPI);
		put32(aad[i] + 4, (uint32_t)sn);
		esp_len[i] = hdr + ct + ESP_ICV_LEN;
	}
	fill_plain(len, hdr);
	c->enc = raw_pass(aes256, true, ct, hdr);
	fill_plain(len, hdr);
	c->encap = esp_pass(true, len);
	for (unsigned i = 0; i < n_pkts; i++) {
		const uint8_t *icv = work + (size_t)i * STRIDE + esp_len[i] - ESP_ICV_LEN;

		if (ops[i].len != esp_len[i] || ops[i].sn != sn0 + i || memcmp(icv, tag[i], 16) != 0)
			die("raw GCM and esp_encap disagree (key, nonce or AAD)");
	}
	copy_bufs(pristine, work);
	copy_bufs(work, pristine); /* the same cache state before both decrypt passes */
	c->dec = raw_pass(aes256, false, ct, hdr);
	for (unsigned i = 0; i < n_pkts; i++)
		if (memcmp(pristine + (size_t)i * STRIDE + esp_len[i] - ESP_ICV_LEN, tag[i], 16) != 0)
			die("raw GCM decryption does not reproduce the ICV");
	copy_bufs(work, pristine);
	c->decap = esp_pass(false, 0);
	for (unsigned i = 0; i < n_pkts; i++)
		if (ops[i].len != len || ops[i].next_header != ESP_NH_IPV4)
			die("esp_decap_burst returned a wrong payload");
}

static void sa_pair(const struct suite *s)
{
	uint8_t keymat[ESP_KEYMAT_MAX];
	struct esp_sa_cfg cfg = {
		.spi = SPI,
		.suite = s->id,
		.keymat = keymat,
		.keymat_len = esp_suite_keymat_len(s->id),
		.replay_window = 1024,
	};

	for (size_t i = 0; i < sizeof(keymat); i++)
		keymat[i] = (uint8_t)(0x11 + i * 29);
	if (esp_sa_init(&out_sa, mgr, &cfg) != 0)
		die("esp_sa_init (outbound) failed");
	cfg.inbound = true;
	if (esp_sa_init(&in_sa, mgr, &cfg) != 0)
		die("esp_sa_init (inbound) failed");
	/* The baseline's own key schedule, from the same key bytes. */
	if (s->key_len == 32)
		IMB_AES256_GCM_PRE(mgr, keymat, &raw_key);
	else
		IMB_AES128_GCM_PRE(mgr, keymat, &raw_key);
}

static double median_cycles(uint64_t *v)
{
	return bench_median_cycles(v, rounds, n_pkts);
}

static const char *arch_name(IMB_ARCH a)
{
	static const char *const names[] = {"none", "no-AESNI", "SSE", "AVX", "AVX2", "AVX512"};

	return (unsigned)a < RTE_DIM(names) ? names[a] : "?";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"packets", required_argument, NULL, 'n'},
		{"rounds", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	static const uint32_t sizes[] = {64, 512, 1400};
	uint64_t enc[MAX_ROUNDS], encap[MAX_ROUNDS], dec[MAX_ROUNDS], decap[MAX_ROUNDS];
	struct timespec t_start, t_end;
	IMB_ARCH arch = IMB_ARCH_NONE;
	double hz;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n')
			n_pkts = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = (unsigned)strtoul(optarg, NULL, 10);
		else
			die("usage: mamsgw-esp-bench [--packets N] [--rounds R]");
	}
	if (n_pkts < 256 || n_pkts > 16384 || n_pkts % BURST != 0 || rounds < 1 ||
	    rounds > MAX_ROUNDS)
		die("--packets must be a multiple of 32 in 256..16384, --rounds 1..31");

	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		die("alloc_mb_mgr failed");
	init_mb_mgr_auto(mgr, &arch);
	if (imb_get_errno(mgr) != 0)
		die("init_mb_mgr_auto failed");
	work = xalloc((size_t)n_pkts * STRIDE);
	pristine = xalloc((size_t)n_pkts * STRIDE);
	nonce = xalloc((size_t)n_pkts * sizeof(*nonce));
	aad = xalloc((size_t)n_pkts * sizeof(*aad));
	tag = xalloc((size_t)n_pkts * sizeof(*tag));
	ops = xalloc((size_t)n_pkts * sizeof(*ops));
	esp_len = xalloc((size_t)n_pkts * sizeof(*esp_len));

	hz = tsc_hz();
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	printf("mamsgw-esp-bench: %u packets x %u rounds per cell (median), burst %u, one thread, "
	       "IPsec-MB %s (%s), TSC %.2f GHz\n", n_pkts, rounds, BURST, imb_get_version_str(),
	       arch_name(arch), hz / 1e9);
	for (unsigned su = 0; su < RTE_DIM(suites); su++) {
		const struct suite *s = &suites[su];
		struct round_cycles c;

		sa_pair(s);
		printf("\n%s, 8-byte AAD (32-bit SN), 16-byte ICV\n", s->name);
		printf("%-5s | %-18s | %-26s | %-18s | %-26s\n", "bytes", "raw GCM_ENC",
		       "esp_encap (burst 32)", "raw GCM_DEC", "esp_decap (burst 32)");
		printf("%-5s | %7s %10s | %7s %10s %7s | %7s %10s | %7s %10s %7s\n", "", "Mpps",
		       "cyc/pkt", "Mpps", "cyc/pkt", "ratio", "Mpps", "cyc/pkt", "Mpps", "cyc/pkt",
		       "ratio");
		for (unsigned z = 0; z < RTE_DIM(sizes); z++) {
			double ce, cn, cd, cx;

			one_round(s, sizes[z], &c); /* warm-up: caches, branch predictors */
			for (unsigned r = 0; r < rounds; r++) {
				one_round(s, sizes[z], &c);
				enc[r] = c.enc;
				encap[r] = c.encap;
				dec[r] = c.dec;
				decap[r] = c.decap;
			}
			ce = median_cycles(enc);
			cn = median_cycles(encap);
			cd = median_cycles(dec);
			cx = median_cycles(decap);
			printf("%-5u | %7.2f %10.1f | %7.2f %10.1f %7.2f | %7.2f %10.1f | %7.2f %10.1f "
			       "%7.2f\n", sizes[z], hz / ce / 1e6, ce, hz / cn / 1e6, cn, cn / ce,
			       hz / cd / 1e6, cd, hz / cx / 1e6, cx, cx / cd);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	printf("\n(%.1f s)\n", (double)(t_end.tv_sec - t_start.tv_sec) +
				   (double)(t_end.tv_nsec - t_start.tv_nsec) / 1e9);
	esp_sa_wipe(&out_sa);
	esp_sa_wipe(&in_sa);
	free_mb_mgr(mgr);
	free(work);
	free(pristine);
	free(nonce);
	free(aad);
	free(tag);
	free(ops);
	free(esp_len);
	return 0;
}
