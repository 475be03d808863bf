/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP interop with an independent implementation in the test process:
 * DPDK's own rte_ipsec library (lookaside-none, tunnel IPv4, NAT-T) on the
 * software crypto PMDs of drivers/crypto/ipsec_mb (crypto_aesni_gcm,
 * crypto_aesni_mb), with the keys, salt and SPI of one of our esp_sa
 * (docs/ipsec.md, "Interop").
 *
 * Per suite and SN mode, for SNs 1..16 (every pad length) and jumps to the
 * end of the 32-bit space (across 2^32 with ESN):
 *   (a) our esp_encap() span behind outer IPv4 + UDP is decapsulated by
 *       rte_ipsec to exactly the GMA PDU we encrypted;
 *   (b) rte_ipsec's outbound packet (its own outer IPv4 + UDP header from the
 *       SA template) has an ESP part that our esp_decap() decapsulates to
 *       exactly its inner packet;
 *   (c) GCM: our span for the same SN and payload is byte-identical to
 *       rte_ipsec's ESP part (IV = the 64-bit SN, padding 1, 2, 3, ...).
 *       CBC: the IVs legitimately differ (rte_ipsec: E_K(SN64 || 0^64) with a
 *       zero op IV, see rte_path; ours: E_K(0^64 || SN64)), so the
 *       ciphertexts differ; SPI, SN, length and both IV rules are checked,
 *       and (a) and (b) prove interop.
 * Without ESN, rte_ipsec 22.11 refuses to send SN 2^32 - 1 (its last is
 * 2^32 - 2; it accepts 2^32 - 1 inbound), esp_encap sends it and refuses
 * 2^32.  One flipped ICV bit is refused by rte_ipsec (so that (a) can fail).
 *
 * rte_ipsec 22.11 starts an outbound SA at SN 1 and has no API to start it
 * elsewhere (ipsec_xform.esn.value is not read), so the test finds the SA's
 * counter by behaviour (the one 64-bit word of the opaque SA that went from 1
 * to 2 when SN 1 was sent) and sets it to the next SN wanted; the SN field
 * and, with ESN, the ICV (the high half is authenticated) then prove that it
 * took effect.  Inbound, rte_ipsec 22.11 has no UDP awareness: the ESP
 * header is at l2_len + l3_len, so the UDP header is counted in l3_len, as
 * DPDK's ipsec-secgw does for NAT-T.
 */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ipsec.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include <intel-ipsec-mb.h>

#include "esp_sa.h"
#include "gma_wire.h"
#include "pcap_util.h"

#define SPI 0x4711u
#define WINDOW 64u
#define CLIENT_IP "192.0.2.10"
#define GW_IP "192.0.2.1"
#define CLIENT_PORT 5000u
#define GW_PORT 10020u
#define IV_OFS (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define OUTER_LEN (PU_IP_HLEN + PU_UDP_HLEN)
#define POLL_MAX 1000000u /* dequeue attempts for one op (the SW PMD completes at once) */
#define MAX_SN 32u

struct rc_case {
	const char *dev;   /* crypto PMD instance */
	enum esp_suite suite;
	bool esn;
	size_t klen;       /* cipher key bytes */
};

/* What one test uses; torn down in fini. */
static struct {
	bool eal;
	int dev;
	struct rte_mempool *mbufs, *ops, *sess_pool;
	void *ses[2];
	struct rte_ipsec_sa *sa[2];  /* 0: outbound (egress), 1: inbound */
	size_t sa_size[2];
	struct rte_ipsec_session ss[2];
	IMB_MGR *mb;
	struct esp_sa ours_out, ours_in;
	uint64_t *rte_sqn;           /* the outbound SA's counter, found by behaviour */
	uint8_t km[ESP_KEYMAT_MAX];  /* both ends' key material */
} g;

static void rc_fini(void)
{
	char dir[256];

	for (unsigned i = 0; i < 2; i++) {
		if (g.ses[i] != NULL)
			rte_cryptodev_sym_session_free((uint8_t)g.dev, g.ses[i]);
		rte_free(g.sa[i]);
	}
	if (g.mb != NULL)
		free_mb_mgr(g.mb);
	esp_sa_wipe(&g.ours_out);
	esp_sa_wipe(&g.ours_in);
	if (!g.eal)
		return;
	rte_cryptodev_stop((uint8_t)g.dev);
	rte_cryptodev_close((uint8_t)g.dev);
	rte_mempool_free(g.sess_pool);
	rte_mempool_free(g.ops);
	rte_mempool_free(g.mbufs);
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

#define RC_TEST(name) Test(rte_ipsec, name, .fini = rc_fini, .timeout = 120)

static void eal_up(const char *dev)
{
	char vdev[64], prefix[64];
	char *argv[] = { "test_esp_rte_ipsec", "--no-huge", "--no-pci", "--no-shconf", "-m", "512",
			 "--lcores", "0", "--log-level=3", "--no-telemetry", "--vdev", vdev, prefix,
			 NULL };

	snprintf(vdev, sizeof(vdev), "%s", dev);
	snprintf(prefix, sizeof(prefix), "--file-prefix=mamsgw-rteipsec-%d", (int)getpid());
	cr_assert_geq(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0]) - 1), argv), 0,
		      "EAL init: %s", rte_strerror(rte_errno));
	g.eal = true;
	g.dev = rte_cryptodev_get_dev_id(dev);
	cr_assert_geq(g.dev, 0, "crypto PMD %s missing (librte_crypto_ipsec_mb.so)", dev);
	g.mbufs = rte_pktmbuf_pool_create("rc_mbufs", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	g.ops = rte_crypto_op_pool_create("rc_ops", RTE_CRYPTO_OP_TYPE_SYMMETRIC, 63, 0, 32,
					  SOCKET_ID_ANY);
	g.sess_pool = rte_cryptodev_sym_session_pool_create(
		"rc_sess", 4, rte_cryptodev_sym_get_private_session_size((uint8_t)g.dev), 0, 0,
		SOCKET_ID_ANY);
	cr_assert(g.mbufs != NULL && g.ops != NULL && g.sess_pool != NULL, "pools: %s",
		  rte_strerror(rte_errno));
	cr_assert_eq(rte_cryptodev_configure((uint8_t)g.dev,
					     &(struct rte_cryptodev_config){
						     .socket_id = SOCKET_ID_ANY,
						     .nb_queue_pairs = 1 }),
		     0);
	cr_assert_eq(rte_cryptodev_queue_pair_setup((uint8_t)g.dev, 0,
						    &(struct rte_cryptodev_qp_conf){
							    .nb_descriptors = 64,
							    .mp_session = g.sess_pool },
						    SOCKET_ID_ANY),
		     0);
	cr_assert_eq(rte_cryptodev_start((uint8_t)g.dev), 0);
}

/* ---- SAs ---------------------------------------------------------------------------------- */

static bool is_gcm(const struct rc_case *c)
{
	return c->suite == ESP_SUITE_AES128_GCM || c->suite == ESP_SUITE_AES256_GCM;
}

/* One rte_ipsec SA + crypto session with our key material; dir 0 egress, 1 ingress. */
static void rte_sa(const struct rc_case *c, const uint8_t *km, unsigned dir)
{
	struct rte_crypto_sym_xform x[2];
	struct rte_ipsec_sa_prm prm;
	struct rte_ipv4_hdr tmpl = {
		.version_ihl = RTE_IPV4_VHL_DEF, .time_to_live = 64, .next_proto_id = IPPROTO_UDP,
		.src_addr = rte_cpu_to_be_32(pu_ip4(GW_IP)),
		.dst_addr = rte_cpu_to_be_32(pu_ip4(CLIENT_IP)),
	};
	bool out = dir == 0;
	int sz;

	memset(x, 0, sizeof(x));
	memset(&prm, 0, sizeof(prm));
	if (is_gcm(c)) {
		x[0].type = RTE_CRYPTO_SYM_XFORM_AEAD;
		x[0].aead = (struct rte_crypto_aead_xform){
			.op = out ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT,
			.algo = RTE_CRYPTO_AEAD_AES_GCM,
			.key = { .data = km, .length = (uint16_t)c->klen },
			.iv = { .offset = IV_OFS, .length = 12 },
			.digest_length = ESP_ICV_LEN,
			.aad_length = c->esn ? 12 : 8, /* SPI || SN, or SPI || ESN (RFC 4106 5) */
		};
		memcpy(&prm.ipsec_xform.salt, km + c->klen, 4); /* nonce bytes 0..3, as sent */
	} else {
		struct rte_crypto_sym_xform ciph = { .type = RTE_CRYPTO_SYM_XFORM_CIPHER };
		struct rte_crypto_sym_xform auth = { .type = RTE_CRYPTO_SYM_XFORM_AUTH };

		ciph.cipher = (struct rte_crypto_cipher_xform){
			.op = out ? RTE_CRYPTO_CIPHER_OP_ENCRYPT : RTE_CRYPTO_CIPHER_OP_DECRYPT,
			.algo = RTE_CRYPTO_CIPHER_AES_CBC,
			.key = { .data = km, .length = (uint16_t)c->klen },
			.iv = { .offset = IV_OFS, .length = 16 },
		};
		auth.auth = (struct rte_crypto_auth_xform){
			.op = out ? RTE_CRYPTO_AUTH_OP_GENERATE : RTE_CRYPTO_AUTH_OP_VERIFY,
			.algo = RTE_CRYPTO_AUTH_SHA256_HMAC,
			.key = { .data = km + c->klen, .length = 32 },
			.digest_length = ESP_ICV_LEN, /* HMAC-SHA-256-128 (RFC 4868) */
		};
		/* rte_ipsec wants CIPHER then AUTH outbound, AUTH then CIPHER inbound. */
		x[0] = out ? ciph : auth;
		x[1] = out ? auth : ciph;
		x[0].next = &x[1];
	}
	prm.ipsec_xform.spi = SPI;
	prm.ipsec_xform.options.esn = c->esn;
	/* RFC 3948 outbound: the template gets a UDP header.  Inbound, 22.11 has no
	 * NAT-T case (an ingress SA with udp_encap is left without its offsets and
	 * fails every ICV): plain ESP there, the UDP header counted in l3_len. */
	prm.ipsec_xform.options.udp_encap = out;
	prm.ipsec_xform.udp.sport = GW_PORT; /* host order: 22.11.x converts them */
	prm.ipsec_xform.udp.dport = CLIENT_PORT;
	prm.ipsec_xform.direction = out ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS
					: RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
	prm.ipsec_xform.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
	prm.ipsec_xform.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
	prm.ipsec_xform.tunnel.type = RTE_SECURITY_IPSEC_TUNNEL_IPV4;
	prm.ipsec_xform.replay_win_sz = out ? 0 : WINDOW;
	prm.crypto_xform = x;
	prm.tun.hdr_len = sizeof(tmpl);
	prm.tun.hdr_l3_off = 0;
	prm.tun.next_proto = IPPROTO_IPIP; /* Next Header 4: the trailer method's IPv4 PDU */
	prm.tun.hdr = &tmpl;

	sz = rte_ipsec_sa_size(&prm);
	cr_assert_gt(sz, 0, "rte_ipsec_sa_size: %d", sz);
	g.sa_size[dir] = (size_t)sz;
	g.sa[dir] = rte_zmalloc("rc_sa", (size_t)sz, RTE_CACHE_LINE_SIZE);
	cr_assert_not_null(g.sa[dir]);
	cr_assert_eq(rte_ipsec_sa_init(g.sa[dir], &prm, (uint32_t)sz), sz, "rte_ipsec_sa_init");
	g.ses[dir] = rte_cryptodev_sym_session_create((uint8_t)g.dev, x, g.sess_pool);
	cr_assert_not_null(g.ses[dir], "crypto session on %s: %s", c->dev,
			   rte_strerror(rte_errno));
	g.ss[dir] = (struct rte_ipsec_session){
		.sa = g.sa[dir], .type = RTE_SECURITY_ACTION_TYPE_NONE,
		.crypto = { .ses = g.ses[dir], .dev_id = (uint8_t)g.dev },
	};
	cr_assert_eq(rte_ipsec_session_prepare(&g.ss[dir]), 0, "rte_ipsec_session_prepare");
}

/* Key material (layout of docs/ipsec.md "Suites"), both ends' SAs. */
static void sas_up(const struct rc_case *c)
{
	uint8_t *km = g.km;
	size_t kl = esp_suite_keymat_len(c->suite);

	cr_assert_gt(kl, 0u);
	for (size_t i = 0; i < kl; i++)
		km[i] = (uint8_t)(0x3C + 29 * i);
	g.mb = alloc_mb_mgr(0);
	cr_assert_not_null(g.mb);
	init_mb_mgr_auto(g.mb, NULL);
	cr_assert_eq(esp_sa_init(&g.ours_out, g.mb,
				 &(struct esp_sa_cfg){ .spi = SPI, .suite = c->suite, .esn = c->esn,
						       .keymat = km, .keymat_len = kl }),
		     0);
	cr_assert_eq(esp_sa_init(&g.ours_in, g.mb,
				 &(struct esp_sa_cfg){ .spi = SPI, .suite = c->suite, .esn = c->esn,
						       .inbound = true, .replay_window = WINDOW,
						       .keymat = km, .keymat_len = kl }),
		     0);
	rte_sa(c, km, 0);
	rte_sa(c, km, 1);
}

/* ---- Packets ------------------------------------------------------------------------------ */

/* GMA PDU (trailer method, an IPv4 packet) j: 28 + j bytes of SDU, so pads cycle. */
static size_t pdu_of(uint8_t *b, size_t cap, unsigned j)
{
	uint8_t sdu[2048];
	struct pu_ip ip = { .src = pu_ip4("10.8.0.2"), .dst = pu_ip4("203.0.113.50"),
			    .proto = PU_PROTO_UDP, .ttl = 64 };
	struct gma_fields f = { .flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID,
				.flow_id = 5, .flow_sn = j, .delivery_sn = (uint8_t)j };
	size_t len = j < 20 ? 28 + j : 1400;
	int n;

	cr_assert_eq(pu_sdu(sdu, sizeof(sdu), &ip, 4001, 4000, len, j + 1), len);
	n = gma_encode(GMA_METHOD_TRAILER, &f, sdu, len, b, cap);
	cr_assert_gt(n, 0, "gma_encode: %d", n);
	return (size_t)n;
}

/* One op through the PMD: prepare (done by the caller), enqueue, dequeue, status. */
static bool crypto_run(struct rte_crypto_op *op)
{
	struct rte_crypto_op *done = NULL;
	uint16_t n = 0;

	cr_assert_eq(rte_cryptodev_enqueue_burst((uint8_t)g.dev, 0, &op, 1), 1, "enqueue");
	for (unsigned i = 0; i < POLL_MAX && n == 0; i++)
		n = rte_cryptodev_dequeue_burst((uint8_t)g.dev, 0, &done, 1);
	cr_assert_eq(n, 1, "the PMD returned no op after %u polls", POLL_MAX);
	cr_assert_eq(done, op);
	return op->status == RTE_CRYPTO_OP_STATUS_SUCCESS;
}

/*
 * The whole rte_ipsec lookaside-none path for one mbuf: crypto_prepare,
 * enqueue/dequeue, a failed op flagged in ol_flags (as ipsec-secgw does),
 * process.  Returns true when process accepted it.
 */
static bool rte_path(unsigned dir, struct rte_mbuf *m)
{
	struct rte_crypto_op *op = rte_crypto_op_alloc(g.ops, RTE_CRYPTO_OP_TYPE_SYMMETRIC);
	bool ok;

	cr_assert_not_null(op);
	/* CBC outbound: rte_ipsec leaves the op's cipher IV to the application
	 * (it encrypts the packet's IV field, SN64 || 0^64, as the first block
	 * under that IV).  Zero, as for a fresh op; GCM and inbound write it. */
	memset(rte_crypto_op_ctod_offset(op, uint8_t *, IV_OFS), 0, 16);
	if (rte_ipsec_pkt_crypto_prepare(&g.ss[dir], &m, &op, 1) != 1) {
		rte_crypto_op_free(op);
		return false;
	}
	if (!crypto_run(op))
		m->ol_flags |= RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
	rte_crypto_op_free(op);
	ok = rte_ipsec_pkt_process(&g.ss[dir], &m, 1) == 1;
	return ok;
}

static struct rte_mbuf *mbuf_of(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g.mbufs);
	char *p;

	cr_assert_not_null(m);
	p = rte_pktmbuf_append(m, (uint16_t)len);
	cr_assert_not_null(p);
	memcpy(p, data, len);
	return m;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Our span for SN sn: the PDU encrypted by esp_encap. */
static uint32_t our_encap(uint8_t *esp, size_t cap, const uint8_t *pdu, size_t len, uint64_t sn)
{
	uint32_t esp_len = 0;
	enum esp_err e;

	*esp_sa_sn(&g.ours_out) = sn;
	memcpy(esp + esp_sa_hdr_len(&g.ours_out), pdu, len);
	e = esp_encap(g.mb, &g.ours_out, esp, (uint32_t)len, (uint32_t)cap, ESP_NH_IPV4, &esp_len);
	cr_assert_eq(e, ESP_OK, "esp_encap SN %#llx: %s", (unsigned long long)sn, esp_err_name(e));
	return esp_len;
}

/*
 * rte_ipsec encapsulates PDU pdu with SN sn: outer IPv4 + UDP of its template
 * and the ESP part; returns the frame's length in out.  The first call (SN 1)
 * finds the SA's counter; later ones set it to sn.
 */
static size_t rte_encap(uint8_t *out, size_t cap, const uint8_t *pdu, size_t len, uint64_t sn,
			const char *what)
{
	static uint64_t before[4096 / 8];
	struct rte_mbuf *m = mbuf_of(pdu, len);
	size_t words = 0, n;
	uint8_t *f;

	m->l2_len = 0;
	if (g.rte_sqn == NULL) {
		cr_assert_eq(sn, 1u, "the first SN sent must be 1");
		words = g.sa_size[0] / 8;
		cr_assert_leq(words, sizeof(before) / 8);
		memcpy(before, g.sa[0], words * 8);
	} else {
		*g.rte_sqn = sn;
	}
	cr_assert(rte_path(0, m), "%s: rte_ipsec outbound failed (rte_errno %d)", what, rte_errno);
	if (words != 0) {
		const uint64_t *after = (const uint64_t *)(const void *)g.sa[0];

		for (size_t i = 0; i < words; i++) {
			if (before[i] == 1 && after[i] == 2) {
				cr_assert_null(g.rte_sqn, "two candidates for the SN counter");
				g.rte_sqn = (uint64_t *)(void *)g.sa[0] + i;
			}
		}
		cr_assert_not_null(g.rte_sqn, "the outbound SA's SN counter was not found");
	}
	cr_assert_eq(m->nb_segs, 1);
	n = rte_pktmbuf_pkt_len(m);
	cr_assert_leq(n, cap);
	f = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(out, f, n);
	rte_pktmbuf_free(m);
	return n;
}

/*
 * rte_ipsec decapsulates our span behind outer IPv4 + UDP; true and the
 * inner packet in inner/inner_len when accepted.
 */
static bool rte_decap(const uint8_t *esp, size_t len, uint8_t *inner, size_t *inner_len)
{
	uint8_t frame[PU_FRAME_MAX];
	struct pu_ip ip = { .src = pu_ip4(CLIENT_IP), .dst = pu_ip4(GW_IP), .ttl = 64 };
	size_t n = pu_udp4(frame, sizeof(frame), &ip, CLIENT_PORT, GW_PORT, esp, len, false);
	struct rte_mbuf *m;
	bool ok;

	cr_assert_eq(n, OUTER_LEN + len);
	m = mbuf_of(frame, n);
	m->l2_len = 0;
	m->l3_len = OUTER_LEN; /* ESP at l2_len + l3_len: UDP counted as L3 (NAT-T) */
	ok = rte_path(1, m);
	if (ok) {
		cr_assert_eq(m->nb_segs, 1);
		*inner_len = rte_pktmbuf_pkt_len(m);
		memcpy(inner, rte_pktmbuf_mtod(m, uint8_t *), *inner_len);
	}
	rte_pktmbuf_free(m);
	return ok;
}

/* ---- The cases ---------------------------------------------------------------------------- */

/* E_K(in): one AES block with the cipher key of the case (an IPsec-MB ECB job). */
static void aes_block(const struct rc_case *c, const uint8_t in[16], uint8_t out[16])
{
	alignas(16) uint32_t enc[4 * 15], dec[4 * 15];
	IMB_JOB *job;

	if (c->klen == 16)
		IMB_AES_KEYEXP_128(g.mb, g.km, enc, dec);
	else
		IMB_AES_KEYEXP_256(g.mb, g.km, enc, dec);
	job = IMB_GET_NEXT_JOB(g.mb);
	job->cipher_mode = IMB_CIPHER_ECB;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->hash_alg = IMB_AUTH_NULL;
	job->enc_keys = enc;
	job->dec_keys = dec;
	job->key_len_in_bytes = c->klen;
	job->src = in;
	job->dst = out;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 16;
	job->iv = NULL;
	job->iv_len_in_bytes = 0;
	job = IMB_SUBMIT_JOB(g.mb);
	if (job == NULL)
		job = IMB_FLUSH_JOB(g.mb);
	cr_assert_not_null(job);
	cr_assert_eq(job->status, IMB_STATUS_COMPLETED, "ECB job: %d", (int)job->status);
}

static void check_frame(const uint8_t *f, size_t n, uint64_t sn, const char *what)
{
	cr_assert_gt(n, OUTER_LEN + ESP_HDR_LEN, "%s: %zu bytes", what, n);
	cr_expect_eq(f[0], 0x45, "%s: outer IPv4", what);
	cr_expect_eq(f[9], IPPROTO_UDP, "%s: UDP-encapsulated (RFC 3948)", what);
	cr_expect_eq(be16(f + 2), n, "%s: outer total length", what);
	cr_expect_eq(be16(f + 20), GW_PORT, "%s: UDP source port %u", what, be16(f + 20));
	cr_expect_eq(be16(f + 22), CLIENT_PORT, "%s: UDP destination port %u", what, be16(f + 22));
	cr_expect_eq(be16(f + 24), n - PU_IP_HLEN, "%s: UDP length %u", what, be16(f + 24));
	cr_expect_eq(be16(f + 26), 0, "%s: UDP checksum 0", what);
	cr_expect_eq(be32(f + OUTER_LEN), SPI, "%s: SPI", what);
	cr_expect_eq(be32(f + OUTER_LEN + 4), (uint32_t)sn, "%s: SN (low 32 bits)", what);
}

static void sn_list(const struct rc_case *c, uint64_t *sns, unsigned *n)
{
	unsigned k = 0;

	for (uint64_t s = 1; s <= 16; s++)
		sns[k++] = s; /* every pad length of CBC, and of GCM */
	sns[k++] = 0x10000;
	sns[k++] = 0xFFFFFFFEu;
	sns[k++] = 0xFFFFFFFFu;
	if (c->esn) {
		sns[k++] = 0x100000000u; /* low half 0, high half 1 (authenticated) */
		sns[k++] = 0x100000001u;
		sns[k++] = 0x100000002u;
		sns[k++] = 0x100001000u;
	}
	cr_assert_leq(k, MAX_SN);
	*n = k;
}

static void run_case(const struct rc_case *c)
{
	uint64_t sns[MAX_SN];
	unsigned n_sn;
	uint8_t pdu[PU_FRAME_MAX], mine[PU_FRAME_MAX], theirs[PU_FRAME_MAX], out[PU_FRAME_MAX];
	char what[96];

	eal_up(c->dev);
	sas_up(c);
	sn_list(c, sns, &n_sn);
	for (unsigned j = 0; j < n_sn; j++) {
		uint64_t sn = sns[j];
		size_t plen = pdu_of(pdu, sizeof(pdu), j), n, ilen = 0;
		uint32_t mlen, tlen, pl = 0;
		uint8_t nh = 0;
		enum esp_err e;

		snprintf(what, sizeof(what), "%s %s%s SN %#llx (%zu-byte PDU)", c->dev,
			 esp_suite_name(c->suite), c->esn ? " ESN" : "", (unsigned long long)sn,
			 plen);

		/* (a) ours -> rte_ipsec; first a flipped ICV bit, refused (so that (a) can fail) */
		mlen = our_encap(mine, sizeof(mine), pdu, plen, sn);
		if (j == 0) {
			mine[mlen - 1] ^= 0x01;
			cr_assert_not(rte_decap(mine, mlen, out, &ilen),
				      "%s: rte_ipsec accepted a flipped ICV bit", what);
			mine[mlen - 1] ^= 0x01;
		}
		cr_assert(rte_decap(mine, mlen, out, &ilen),
			  "%s: rte_ipsec refused our packet (rte_errno %d)", what, rte_errno);
		cr_assert_eq(ilen, plen, "%s: rte_ipsec gave %zu bytes", what, ilen);
		cr_assert(memcmp(out, pdu, plen) == 0, "%s: rte_ipsec's plaintext differs", what);

		/* (b) rte_ipsec -> ours.  Without ESN, rte_ipsec 22.11 stops one SN
		 * early: its counter holds the next SN and refuses to reach 2^32, so
		 * 2^32 - 1 is never sent (RFC 4303 allows it; esp_encap sends it). */
		if (!c->esn && sn == UINT32_MAX) {
			struct rte_mbuf *m = mbuf_of(pdu, plen);

			*g.rte_sqn = sn;
			rte_errno = 0;
			cr_expect_not(rte_path(0, m), "%s: rte_ipsec sent it", what);
			cr_expect_eq(rte_errno, EOVERFLOW, "%s: rte_errno %d", what, rte_errno);
			rte_pktmbuf_free(m);
			continue;
		}
		n = rte_encap(theirs, sizeof(theirs), pdu, plen, sn, what);
		check_frame(theirs, n, sn, what);
		tlen = (uint32_t)(n - OUTER_LEN);
		memcpy(out, theirs + OUTER_LEN, tlen);
		e = esp_decap(g.mb, &g.ours_in, out, tlen, &pl, &nh);
		cr_assert_eq(e, ESP_OK, "%s: esp_decap of rte_ipsec's packet: %s", what,
			     esp_err_name(e));
		cr_expect_eq(nh, ESP_NH_IPV4, "%s: Next Header", what);
		cr_assert_eq(pl, plen, "%s: payload %u bytes", what, pl);
		cr_assert(memcmp(out + esp_sa_hdr_len(&g.ours_in), pdu, plen) == 0,
			  "%s: our plaintext of rte_ipsec's packet differs", what);

		/* (c) the same bytes where the format is deterministic */
		cr_assert_eq(tlen, mlen, "%s: rte_ipsec's ESP part %u bytes, ours %u", what, tlen,
			     mlen);
		if (is_gcm(c)) {
			cr_assert(memcmp(theirs + OUTER_LEN, mine, mlen) == 0,
				  "%s: ESP spans differ", what);
		} else {
			/* SPI and SN equal; the IVs differ by design (see the top):
			 * rte_ipsec's is E_K(SN64 || 0^64), ours E_K(0^64 || SN64). */
			uint8_t nonce[16] = { 0 }, iv[16];

			cr_assert(memcmp(theirs + OUTER_LEN, mine, ESP_HDR_LEN) == 0,
				  "%s: SPI/SN differ", what);
			for (unsigned b = 0; b < 8; b++)
				nonce[b] = (uint8_t)(sn >> (56 - 8 * b));
			aes_block(c, nonce, iv);
			cr_expect(memcmp(theirs + OUTER_LEN + ESP_HDR_LEN, iv, 16) == 0,
				  "%s: rte_ipsec's CBC IV is not E_K(SN64 || 0^64)", what);
			memset(nonce, 0, sizeof(nonce));
			for (unsigned b = 0; b < 8; b++)
				nonce[8 + b] = (uint8_t)(sn >> (56 - 8 * b));
			aes_block(c, nonce, iv);
			cr_expect(memcmp(mine + ESP_HDR_LEN, iv, 16) == 0,
				  "%s: our CBC IV is not E_K(0^64 || SN64)", what);
		}
	}

	/* 32-bit SN: after 2^32 - 1 ours refuses to send (RFC 4303 3.3.3). */
	if (!c->esn) {
		uint32_t esp_len;

		*esp_sa_sn(&g.ours_out) = 0x100000000u;
		cr_expect_eq(esp_encap(g.mb, &g.ours_out, mine, 100, sizeof(mine), ESP_NH_IPV4,
				       &esp_len),
			     ESP_SN_EXHAUSTED);
	}
}

/* One test per row: name, crypto PMD instance, suite, ESN, cipher key bytes. */
#define RC_CASE(name, dev, suite, esn, klen)                                                       \
	RC_TEST(name)                                                                              \
	{                                                                                          \
		run_case(&(struct rc_case){ dev, suite, esn, klen });                              \
	}

RC_CASE(gcm128, "crypto_aesni_gcm0", ESP_SUITE_AES128_GCM, false, 16)
RC_CASE(gcm128_esn, "crypto_aesni_gcm0", ESP_SUITE_AES128_GCM, true, 16)
RC_CASE(gcm256, "crypto_aesni_gcm0", ESP_SUITE_AES256_GCM, false, 32)
RC_CASE(gcm256_esn, "crypto_aesni_gcm0", ESP_SUITE_AES256_GCM, true, 32)
/* The same GCM through the multi-buffer PMD. */
RC_CASE(gcm128_esn_aesni_mb, "crypto_aesni_mb0", ESP_SUITE_AES128_GCM, true, 16)
RC_CASE(cbc128_sha256, "crypto_aesni_mb0", ESP_SUITE_AES128_CBC_SHA256, false, 16)
RC_CASE(cbc128_sha256_esn, "crypto_aesni_mb0", ESP_SUITE_AES128_CBC_SHA256, true, 16)
RC_CASE(cbc256_sha256_esn, "crypto_aesni_mb0", ESP_SUITE_AES256_CBC_SHA256, true, 32)
