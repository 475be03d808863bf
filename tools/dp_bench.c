/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw-bench: cost of the data-plane pipeline relative to a plain
 * receive -> transmit loop on the same ports, measured in the same run.
 *
 *   mamsgw-bench [EAL options] [-- --packets N --rounds R --sessions S]
 *
 * Ports are ring PMDs (no NIC needed).  For each SDU size (64, 512, 1400
 * bytes of IPv4 packet) N frames are built in advance and queued on the
 * input ring; the clock runs only while the packets are processed:
 *   baseline  rte_eth_rx_burst(core) -> prefetch and rewrite the Ethernet
 *             addresses -> rte_eth_tx_burst(wifi): what DPDK's l2fwd does,
 *             the least a forwarder must do (it touches each packet's first
 *             cache line)
 *   (a) downlink  dp_worker_poll(): core RX, session lookup, flow
 *       classification, split steering over two paths, trailer encapsulation,
 *       outer IPv4/UDP/Ethernet, TX
 *   (b) uplink    dp_worker_poll(): access RX on two paths whose Flow SNs
 *       interleave and arrive skewed by a burst, outer checks, session lookup,
 *       GMA decode, reorder window, forward to core TX
 * With --sessions S the packets go round-robin to S clients (anchors
 * 10.8.0.2 + k, client UDP ports 5000 + k, each with its own Flow SNs), so
 * that consecutive packets belong to different sessions and the session
 * tables and states no longer sit in the cache.
 * Printed per size: Mpps, cycles per packet (median of R rounds) and the
 * ratio of each pipeline's cycles to the baseline's.  A ratio of 3.0 means
 * the pipeline spends three times the cycles of bare forwarding.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp.h"
#include "gma_wire.h"
#include "bench_median.h"
#include "ring_bed.h"

#define MAX_ROUNDS 31

static struct rport core_p, wifi_p, lte_p;
static struct rte_mempool *in_pool;
static unsigned n_pkts = 16384, rounds = 5, n_sessions = 1;
static uint32_t *ul_sn; /* per session: uplink Flow SN carried on between rounds */

static void die(const char *what)
{
	fprintf(stderr, "mamsgw-bench: %s\n", what);
	exit(1);
}

static void bport_make(struct rport *p, const char *name, unsigned size)
{
	if (rb_port_make(p, name, 1, size) != 0)
		die("cannot create ring port");
}

static void config(struct dp_config *c)
{
	rb_config(c, wifi_p.dev, lte_p.dev, core_p.dev);
	c->max_sessions = n_sessions > 512 ? 2 * n_sessions : 1024; /* cuckoo headroom */
}

/* Session k: anchor ANCHOR + k, client ports 5000 + k, flow 0 split 1:1. */
static void session_cfg(unsigned k, struct dp_session_cfg *s)
{
	rb_session(s, k, GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP);
}

static struct rte_mbuf *frame_alloc(uint16_t len, uint8_t **data)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(in_pool);

	if (m == NULL)
		die("input pool empty");
	*data = (uint8_t *)rte_pktmbuf_append(m, len);
	memset(*data, 0xA5, len);
	(*data)[12] = 0x08;
	(*data)[13] = 0x00;
	return m;
}

/* Downlink input: SDUs of `size` bytes to the anchor, on the core ring. */
static void make_downlink(uint16_t size)
{
	for (unsigned i = 0; i < n_pkts; i++) {
		uint8_t *p;
		struct rte_mbuf *m = frame_alloc((uint16_t)(14 + size), &p);

		rb_ipv4_udp(p + 14, size, IP4(203, 0, 113, 50), ANCHOR + i % n_sessions, 4000, 4001);
		if (rte_ring_enqueue(core_p.rx, m) != 0)
			die("core ring full");
	}
}

/* Uplink input: per session even SNs on wifi, odd SNs on lte, each a GMA trailer PDU. */
static void make_uplink(uint16_t size)
{
	uint8_t sdu[1600];

	for (unsigned i = 0; i < n_pkts; i++) {
		unsigned k = i % n_sessions;
		uint32_t sn = ul_sn[k];
		unsigned path = sn & 1;
		struct gma_fields f = {
			.flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP,
			.flow_sn = sn,
			.delivery_sn = (uint8_t)(sn / 2),
		};
		uint16_t pdu_len = (uint16_t)(size + gma_overhead(GMA_METHOD_TRAILER, f.flags));
		uint8_t *p;
		struct rte_mbuf *m = frame_alloc((uint16_t)(14 + 28 + pdu_len), &p);

		ul_sn[k] = (sn + 1) & 0xFFFFFFu;
		memset(sdu, 0x5A, size);
		rb_ipv4_udp(sdu, size, ANCHOR + k, IP4(203, 0, 113, 50), 4001, 4000);
		if (gma_encode(GMA_METHOD_TRAILER, &f, sdu, size, p + 42, pdu_len) != pdu_len)
			die("cannot encode an uplink PDU");
		rb_ipv4_udp(p + 14, (uint16_t)(28 + pdu_len),
			  path ? IP4(198, 51, 100, 10) : IP4(192, 0, 2, 10),
			  path ? IP4(198, 51, 100, 1) : IP4(192, 0, 2, 1), (uint16_t)(5000 + k), 10020);
		if (rte_ring_enqueue(path ? lte_p.rx : wifi_p.rx, m) != 0)
			die("access ring full");
	}
}

static unsigned drain(struct rte_ring *r)
{
	struct rte_mbuf *m[64];
	unsigned n, total = 0;

	while ((n = rte_ring_dequeue_burst(r, (void **)m, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

static uint64_t baseline_round(uint16_t size)
{
	struct rte_mbuf *m[32];
	unsigned done = 0;
	uint64_t t0;

	make_downlink(size);
	t0 = rte_rdtsc_precise();
	while (done < n_pkts) {
		uint16_t n = rte_eth_rx_burst(core_p.port_id, 0, m, 32);

		for (uint16_t i = 0; i < n; i++) {
			struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);

			rte_prefetch0(eth); /* as l2fwd does before l2fwd_simple_forward() */

			eth->dst_addr = eth->src_addr;
			eth->src_addr.addr_bytes[0] = 0x02;
		}
		uint16_t s = rte_eth_tx_burst(wifi_p.port_id, 0, m, n);

		if (s < n)
			rte_pktmbuf_free_bulk(m + s, n - s);
		done += n;
	}
	t0 = rte_rdtsc_precise() - t0;
	drain(wifi_p.tx);
	return t0;
}

static uint64_t pipeline_round(struct dp_worker *w, uint16_t size, bool uplink)
{
	unsigned out = 0;
	uint64_t t0, guard = 0;

	if (uplink)
		make_uplink(size);
	else
		make_downlink(size);
	t0 = rte_rdtsc_precise();
	while (out < n_pkts && guard++ < 100u * n_pkts) {
		dp_worker_poll(w);
		out = rte_ring_count(uplink ? core_p.tx : wifi_p.tx) +
		      (uplink ? 0 : rte_ring_count(lte_p.tx));
	}
	t0 = rte_rdtsc_precise() - t0;
	if (out < n_pkts)
		die("the pipeline lost packets: see the drop counters of the tests");
	drain(core_p.tx);
	drain(wifi_p.tx);
	drain(lte_p.tx);
	return t0;
}

static double median_cycles(uint64_t *v)
{
	return bench_median_cycles(v, rounds, n_pkts);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"packets", required_argument, NULL, 'n'},
		{"rounds", required_argument, NULL, 'r'},
		{"sessions", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	static const uint16_t sizes[] = {64, 512, 1400};
	static struct dp_config cfg;
	uint64_t base[MAX_ROUNDS], dl[MAX_ROUNDS], ul[MAX_ROUNDS];
	double hz;
	struct dp_ctx *dp;
	char err[256];
	int rc, opt;

	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		die("EAL initialisation failed (try: --no-huge --no-shconf --no-pci -m 1024 -l 0,1)");
	argc -= rc;
	argv += rc;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'n')
			n_pkts = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			rounds = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 's')
			n_sessions = (unsigned)strtoul(optarg, NULL, 10);
		else
			die("usage: mamsgw-bench [EAL options] -- [--packets N] [--rounds R] "
			    "[--sessions S]");
	}
	if (n_pkts < 1024 || n_pkts > 65536 || rounds < 1 || rounds > MAX_ROUNDS ||
	    n_sessions < 1 || n_sessions > 16384)
		die("--packets must be 1024..65536, --rounds 1..31 and --sessions 1..16384");
	ul_sn = calloc(n_sessions, sizeof(*ul_sn));
	if (ul_sn == NULL)
		die("out of memory");

	unsigned ring = rte_align32pow2(n_pkts + 1);
	bport_make(&core_p, "core", ring);
	bport_make(&wifi_p, "wifi", ring);
	bport_make(&lte_p, "lte", ring);
	in_pool = rte_pktmbuf_pool_create("bench_in", n_pkts + 1024, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (in_pool == NULL)
		die("cannot create the input pool (more memory: -m)");
	config(&cfg);
	dp = dp_create(&cfg, err, sizeof(err));
	if (dp == NULL) {
		fprintf(stderr, "mamsgw-bench: %s\n", err);
		return 1;
	}
	for (unsigned k = 0; k < n_sessions; k++) {
		struct dp_session_cfg sc;

		session_cfg(k, &sc);
		rc = dp_session_add(dp, &sc);
		if (rc < 0) {
			fprintf(stderr, "mamsgw-bench: session %u: %s (more memory: -m)\n", k + 1,
				strerror(-rc));
			return 1;
		}
	}

	hz = (double)rte_get_tsc_hz();
	printf("mamsgw-bench: %u packets x %u rounds per cell (median), %u session(s), one lcore, "
	       "ring ports, TSC %.2f GHz\n", n_pkts, rounds, n_sessions, hz / 1e9);
	printf("%-5s | %-18s | %-26s | %-26s\n", "SDU", "baseline l2fwd", "(a) downlink",
	       "(b) uplink");
	printf("%-5s | %7s %10s | %7s %10s %7s | %7s %10s %7s\n", "bytes", "Mpps", "cyc/pkt",
	       "Mpps", "cyc/pkt", "ratio", "Mpps", "cyc/pkt", "ratio");
	for (unsigned s = 0; s < RTE_DIM(sizes); s++) {
		double cb, cd, cu;

		for (unsigned r = 0; r < rounds; r++) {
			base[r] = baseline_round(sizes[s]);
			dl[r] = pipeline_round(dp->workers[0], sizes[s], false);
			ul[r] = pipeline_round(dp->workers[0], sizes[s], true);
		}
		cb = median_cycles(base);
		cd = median_cycles(dl);
		cu = median_cycles(ul);
		printf("%-5u | %7.2f %10.1f | %7.2f %10.1f %7.2f | %7.2f %10.1f %7.2f\n", sizes[s],
		       hz / cb / 1e6, cb, hz / cd / 1e6, cd, cd / cb, hz / cu / 1e6, cu, cu / cb);
	}
	dp_destroy(dp);
	free(ul_sn);
	rte_eal_cleanup();
	return 0;
}
