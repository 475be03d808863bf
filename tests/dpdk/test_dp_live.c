/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A live data plane in-process on ring ports, driven through the control
 * API while traffic flows:
 *   - table swaps: a flow's steering changed 10 000 times under downlink
 *     traffic; every packet comes out exactly once, in Flow SN order per
 *     path, nothing dropped (an update never stalls a worker, never frees
 *     what a worker reads, never loses or duplicates a packet);
 *   - hand-off: packets arriving on a queue of a worker that does not own
 *     the session are handed to the owner and still come out in order;
 *   - removal: a session removed while its owner holds packets in a reorder
 *     window: the owner delivers them and hands the state back for freeing.
 * Runs clean under AddressSanitizer in the sanitizer build.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp.h"
#include "gma_wire.h"
#include "mx_ctrl.h"
#include "ring_world.h"

#define N_UPDATES 10000u
/* A downlink frame to the anchor whose UDP payload is the sequence number. */
static struct rte_mbuf *frame(struct rte_mempool *mp, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 8 + 64);
	memset(p, 0, 14 + 20 + 8 + 64);
	p[12] = 0x08;
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 8 + 64);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(IP4(203, 0, 113, 50));
	ip->dst_addr = rte_cpu_to_be_32(ANCHOR);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(4000);
	udp->dst_port = rte_cpu_to_be_16(4001);
	udp->dgram_len = rte_cpu_to_be_16(8 + 64);
	memcpy(udp + 1, &seq, sizeof(seq));
	return m;
}

struct tally {
	uint8_t *seen;     /* per sequence number: copies received */
	uint32_t got;
	uint32_t last_fsn[2];
	bool any[2];
	uint32_t per_path[2];
};

static void drain(struct rport *p, unsigned path, struct tally *t)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(p->txq[0], (void **)&m) == 0 ||
	       rte_ring_dequeue(p->txq[1], (void **)&m) == 0) {
		const uint8_t *pdu = rte_pktmbuf_mtod_offset(m, const uint8_t *, 42);
		uint16_t len = (uint16_t)(rte_pktmbuf_data_len(m) - 42);
		struct gma_pdu d;
		uint32_t seq;

		cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, len, &d), 0);
		memcpy(&seq, pdu + d.data_off + 8, sizeof(seq));
		cr_assert_lt(seq, N_UPDATES);
		cr_assert_eq(d.f.flow_sn, seq, "Flow SN %u carries packet %u", d.f.flow_sn, seq);
		/* A path carries its packets in Flow SN order. */
		if (t->any[path])
			cr_assert_gt(d.f.flow_sn, t->last_fsn[path]);
		t->any[path] = true;
		t->last_fsn[path] = d.f.flow_sn;
		t->seen[seq]++;
		t->got++;
		t->per_path[path]++;
		rte_pktmbuf_free(m);
	}
}

Test(table_swap, steering_updates_under_traffic_lose_nothing, .timeout = 600)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct tally t = {0};
	struct dp_ctx *dp;
	struct dp_worker_stats st;
	uint64_t deadline;

	rw_world_up("test_dp_live", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(4095, 64);
	rw_config(&cfg, &wifi, &lte, &core);
	dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_start(dp), 0);
	t.seen = calloc(N_UPDATES, 1);

	for (uint32_t i = 0; i < N_UPDATES; i++) {
		struct gma_steer_cfg sc = {.n = 2, .path = {0, 1}, .weight = {1, 1}};

		while (rte_ring_enqueue(core.rx, frame(mp, i)) != 0)
			drain(&wifi, 0, &t), drain(&lte, 1, &t);
		/* Cycle switch->wifi, switch->lte, split, with packets in flight. */
		sc.mode = i % 3 == 2 ? GMA_STEER_SPLIT : GMA_STEER_SWITCH;
		if (i % 3 == 1) {
			sc.path[0] = 1;
			sc.path[1] = 0;
		}
		cr_assert_eq(dp_flow_steer(dp, 1, 0, &sc), 0, "update %u", i);
		drain(&wifi, 0, &t);
		drain(&lte, 1, &t);
	}
	deadline = rte_get_tsc_cycles() + 5 * rte_get_tsc_hz();
	while (t.got < N_UPDATES && rte_get_tsc_cycles() < deadline) {
		drain(&wifi, 0, &t);
		drain(&lte, 1, &t);
	}
	dp_stop(dp);
	dp_stats_sum(dp, &st);

	cr_assert_eq(t.got, N_UPDATES, "received %u of %u", t.got, N_UPDATES);
	for (uint32_t i = 0; i < N_UPDATES; i++)
		cr_assert_eq(t.seen[i], 1, "packet %u seen %u times", i, t.seen[i]);
	cr_assert_gt(t.per_path[0], N_UPDATES / 4, "wifi carried %u", t.per_path[0]);
	cr_assert_gt(t.per_path[1], N_UPDATES / 4, "lte carried %u", t.per_path[1]);
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		cr_assert_eq(st.drops[r], 0, "drop %s: %lu", dp_drop_name(r), (unsigned long)st.drops[r]);
	free(t.seen);
	rw_world_down(dp, mp);
}

/* Drain the core port's TX rings into an array of mbufs. */
static unsigned core_out(struct rport *core, struct rte_mbuf **out, unsigned max)
{
	unsigned n = 0;

	for (unsigned q = 0; q < 2; q++)
		while (n < max && rte_ring_dequeue(core->txq[q], (void **)&out[n]) == 0)
			n++;
	return n;
}

/* An uplink frame on `path` carrying a trailer PDU with Flow SN fsn. */
static struct rte_mbuf *ul_frame(struct rte_mempool *mp, unsigned path, uint32_t fsn)
{
	struct rte_mbuf *sdu = frame(mp, fsn), *m = rte_pktmbuf_alloc(mp);
	struct gma_fields f = {.flags = GMA_F_FLOW_SN, .flow_sn = fsn};
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *p;
	int n;

	cr_assert_not_null(m);
	/* The SDU goes client -> server: swap its addresses. */
	ip = rte_pktmbuf_mtod_offset(sdu, struct rte_ipv4_hdr *, 14);
	ip->src_addr = rte_cpu_to_be_32(ANCHOR);
	ip->dst_addr = rte_cpu_to_be_32(IP4(203, 0, 113, 50));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p = (uint8_t *)rte_pktmbuf_append(m, 200);
	memset(p, 0, 42);
	p[12] = 0x08;
	n = gma_encode(GMA_METHOD_TRAILER, &f, rte_pktmbuf_mtod_offset(sdu, uint8_t *, 14),
		       rte_pktmbuf_data_len(sdu) - 14, p + 42, 200 - 42);
	cr_assert_gt(n, 0);
	rte_pktmbuf_trim(m, (uint16_t)(200 - 42 - n));
	ip = (struct rte_ipv4_hdr *)(p + 14);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + n));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(path ? IP4(198, 51, 100, 10) : IP4(192, 0, 2, 10));
	ip->dst_addr = rte_cpu_to_be_32(path ? IP4(198, 51, 100, 1) : IP4(192, 0, 2, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(5000);
	udp->dst_port = rte_cpu_to_be_16(10020);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + n));
	rte_pktmbuf_free(sdu);
	return m;
}

static uint32_t seq_of_core_frame(struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *, 14 + 28), sizeof(seq));
	return seq;
}

static struct dp_session *session_of(struct dp_ctx *dp, uint32_t id)
{
	void *d = NULL;

	cr_assert_geq(rte_hash_lookup_data(dp->id_hash, &id, &d), 0);
	return d;
}

Test(handoff, packets_on_another_workers_queue_reach_the_owner, .timeout = 120)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct rte_mbuf *out[512];
	struct dp_worker_stats st;
	struct dp_ctx *dp;
	unsigned owner, n = 0;
	uint64_t deadline;

	rw_world_up("test_dp_live", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(4095, 64);
	rw_config(&cfg, &wifi, &lte, &core);
	cfg.workers = 2;
	dp = rw_dp_create(&cfg);
	owner = session_of(dp, 1)->owner;
	cr_assert_eq(dp_start(dp), 0);

	/* 300 uplink PDUs on wifi, queue polled by the worker that is not the owner. */
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_eq(rte_ring_enqueue(wifi.rxq[1 - owner], ul_frame(mp, 0, i)), 0);
	deadline = rte_get_tsc_cycles() + 5 * rte_get_tsc_hz();
	while (n < 300 && rte_get_tsc_cycles() < deadline)
		n += core_out(&core, out + n, 512 - n);
	dp_stop(dp);
	dp_stats_sum(dp, &st);

	cr_assert_eq(n, 300, "core received %u of 300", n);
	for (unsigned i = 0; i < n; i++) {
		cr_assert_eq(seq_of_core_frame(out[i]), i, "position %u holds %u", i,
			     seq_of_core_frame(out[i]));
		rte_pktmbuf_free(out[i]);
	}
	cr_assert_eq(st.handoff_out, 300);
	cr_assert_eq(st.handoff_in, 300);
	cr_assert_eq(dp->workers[1 - owner]->stats.handoff_out, 300);
	rw_world_down(dp, mp);
}

Test(remove, held_packets_are_delivered_and_the_state_reclaimed, .timeout = 120)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct rte_mbuf *out[64];
	struct dp_ctx *dp;
	unsigned n = 0, reclaimed = 0;
	uint64_t deadline;

	rw_world_up("test_dp_live", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(4095, 64);
	rw_config(&cfg, &wifi, &lte, &core);
	cfg.reorder_timeout_ms = 60000; /* nothing leaves the window by timeout */
	dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_start(dp), 0);

	/* SN 0 and 1 on wifi, 3 and 4 on lte: 2 is missing, both paths are
	 * live and neither has passed it, so 3 and 4 wait in the window. */
	cr_assert_eq(rte_ring_enqueue(wifi.rx, ul_frame(mp, 0, 0)), 0);
	cr_assert_eq(rte_ring_enqueue(wifi.rx, ul_frame(mp, 0, 1)), 0);
	cr_assert_eq(rte_ring_enqueue(lte.rx, ul_frame(mp, 1, 3)), 0);
	cr_assert_eq(rte_ring_enqueue(lte.rx, ul_frame(mp, 1, 4)), 0);
	deadline = rte_get_tsc_cycles() + rte_get_tsc_hz();
	while (n < 2 && rte_get_tsc_cycles() < deadline)
		n += core_out(&core, out + n, 64 - n);
	rte_delay_ms(50);
	n += core_out(&core, out + n, 64 - n);
	cr_assert_eq(n, 2, "before removal the window must hold 3 and 4 (got %u out)", n);

	cr_assert_eq(dp_session_remove(dp, 1), 0);
	cr_assert_eq(dp_session_remove(dp, 1), -ENOENT);
	deadline = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	while ((n < 4 || reclaimed == 0) && rte_get_tsc_cycles() < deadline) {
		n += core_out(&core, out + n, 64 - n);
		reclaimed += dp_ctl_reclaim(dp);
	}
	cr_assert_eq(n, 4, "held packets delivered on removal: %u of 4", n);
	cr_assert_eq(seq_of_core_frame(out[2]), 3);
	cr_assert_eq(seq_of_core_frame(out[3]), 4);
	cr_assert_eq(reclaimed, 1, "the owner handed the state back");
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	/* The session is gone: a new uplink packet is an unknown client. */
	cr_assert_eq(rte_ring_enqueue(wifi.rx, ul_frame(mp, 0, 5)), 0);
	rte_delay_ms(50);
	dp_stop(dp);
	struct dp_worker_stats st;
	dp_stats_sum(dp, &st);
	cr_assert_eq(st.drops[DP_DROP_UNKNOWN_CLIENT], 1);
	rw_world_down(dp, mp);
}

/* Send one command on the telemetry socket and parse the JSON answer. */
static json_t *telemetry(const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[16384];
	json_t *j, *v;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect %s: %s",
		     sa.sun_path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1); /* the greeting */
	cr_assert_gt(n, 0);
	cr_assert_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	close(fd);
	j = json_loads(buf, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", buf);
	char key[64];

	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd); /* answer key: no params */
	v = json_incref(json_object_get(j, key));
	json_decref(j);
	cr_assert_not_null(v, "no \"%s\" in the answer", cmd);
	return v;
}

static uint64_t jget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_integer(v), "telemetry key %s missing", key);
	return (uint64_t)json_integer_value(v);
}

Test(readers, counters_through_the_api_and_telemetry, .timeout = 120)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct rte_mbuf *out[64];
	struct dp_session_stats ss;
	struct dp_stats st;
	struct dp_ctx *dp;
	uint32_t ids[4];
	unsigned total = 0, n = 0;
	uint64_t deadline;
	struct tally t = {0};
	json_t *j;

	rw_world_up("test_dp_live", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(4095, 64);
	rw_config(&cfg, &wifi, &lte, &core);
	dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_telemetry_init(dp), 0);
	cr_assert_eq(dp_start(dp), 0);

	/* 10 downlink packets (split 1:1 -> 5 per path), 6 uplink in order on wifi,
	 * one unknown anchor. */
	t.seen = calloc(N_UPDATES, 1);
	for (uint32_t i = 0; i < 10; i++)
		cr_assert_eq(rte_ring_enqueue(core.rx, frame(mp, i)), 0);
	struct rte_mbuf *stray = frame(mp, 99);
	rte_pktmbuf_mtod_offset(stray, uint8_t *, 14 + 16)[3] = 99; /* 10.8.0.99 */
	struct rte_ipv4_hdr *sip = rte_pktmbuf_mtod_offset(stray, struct rte_ipv4_hdr *, 14);
	sip->hdr_checksum = 0;
	sip->hdr_checksum = rte_ipv4_cksum(sip);
	cr_assert_eq(rte_ring_enqueue(core.rx, stray), 0);
	for (uint32_t i = 0; i < 6; i++)
		cr_assert_eq(rte_ring_enqueue(wifi.rx, ul_frame(mp, 0, i)), 0);
	/* A PDU of the session with GMA version 1: the session's drop. */
	struct rte_mbuf *badv = ul_frame(mp, 0, 6);
	rte_pktmbuf_mtod(badv, uint8_t *)[rte_pktmbuf_data_len(badv) - 1] |= 0x01;
	cr_assert_eq(rte_ring_enqueue(wifi.rx, badv), 0);
	deadline = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	while ((t.got < 10 || n < 6) && rte_get_tsc_cycles() < deadline) {
		drain(&wifi, 0, &t);
		drain(&lte, 1, &t);
		n += core_out(&core, out + n, 64 - n);
	}
	cr_assert_eq(t.got, 10);
	cr_assert_eq(n, 6);
	rte_delay_ms(20); /* the worker's counters of its last burst */

	cr_assert_eq(dp_stats_read(dp, &st), 0);
	cr_assert_eq(st.n_ports, 3);
	cr_assert_str_eq(st.ports[2].name, "core");
	cr_assert_eq(st.ports[2].rx_pkts, 11);
	cr_assert_eq(st.ports[2].tx_pkts, 6);
	cr_assert_eq(st.ports[0].tx_pkts, 5);
	cr_assert_eq(st.ports[1].tx_pkts, 5);
	cr_assert_eq(st.ports[0].rx_pkts, 7);
	cr_assert_eq(st.drops[DP_DROP_NO_SESSION], 1);
	cr_assert_eq(st.port_drops[2][DP_DROP_NO_SESSION], 1);
	cr_assert_eq(st.port_drops[0][DP_DROP_NO_SESSION], 0);
	cr_assert_eq(st.drops[DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 1);
	cr_assert_eq(st.port_drops[0][DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 1);
	cr_assert_eq(st.port_drops[1][DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 0);
	cr_assert_str_eq(dp_drop_reason_name(DP_DROP_NO_SESSION), "no_session");
	cr_assert_eq(st.n_workers, 1);
	cr_assert_eq(st.workers[0].rx_pkts, 18);
	cr_assert_eq(st.workers[0].drops, 2);
	cr_assert_eq(st.n_sessions, 1);

	cr_assert_eq(dp_sessions_list(dp, ids, 4, &total), 0);
	cr_assert_eq(total, 1);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(dp_session_stats_read(dp, 2, &ss), -ENOENT);
	cr_assert_eq(dp_session_stats_read(dp, 1, &ss), 0);
	cr_assert_eq(ss.dl_pkts, 10);
	cr_assert_eq(ss.ul_pkts, 6);
	cr_assert_eq(ss.drops[DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 1);
	cr_assert_eq(ss.drops[DP_DROP_NO_SESSION], 0); /* not this session's packet */
	cr_assert_eq(ss.n_paths, 2);
	cr_assert_eq(ss.paths[0].tx_pkts, 5);
	cr_assert_eq(ss.paths[1].tx_pkts, 5);
	cr_assert_eq(ss.paths[0].rx_pkts, 6); /* the bad PDU is dropped before it counts */
	cr_assert_eq(ss.paths[0].drops[DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 1);
	cr_assert_eq(ss.paths[1].drops[DP_DROP_GMA_BASE_ + GMA_ERR_VERSION], 0);
	cr_assert_eq(ss.paths[1].rx_pkts, 0);
	cr_assert_eq(ss.n_flows, 1);
	cr_assert_eq(ss.flows[0].in_order, 6);
	cr_assert_eq(ss.flows[0].held, 0);

	/* The same numbers through rte_telemetry, as dpdk-telemetry.py reads them. */
	j = telemetry("/mamsgw/stats");
	cr_assert_eq(jget(j, "core_rx_pkts"), 11);
	cr_assert_eq(jget(j, "wifi_tx_pkts"), 5);
	cr_assert_eq(jget(j, "core_drops"), 1);
	cr_assert_eq(jget(j, "wifi_drops"), 1);
	cr_assert_eq(jget(j, "lte_drops"), 0);
	json_decref(j);
	j = telemetry("/mamsgw/drops");
	cr_assert_eq(jget(j, "no_session"), 1);
	cr_assert_eq(jget(j, "gma_version"), 1);
	cr_assert_eq(jget(j, "gma_truncated"), 0);
	json_decref(j);
	j = telemetry("/mamsgw/workers");
	cr_assert_eq(jget(j, "w0_rx_pkts"), 18);
	json_decref(j);
	j = telemetry("/mamsgw/sessions");
	cr_assert(json_is_array(j) && json_array_size(j) == 1);
	cr_assert_eq(json_integer_value(json_array_get(j, 0)), 1);
	json_decref(j);
	j = telemetry("/mamsgw/session,1");
	cr_assert_eq(jget(j, "dl_pkts"), 10);
	cr_assert_eq(jget(j, "path1_tx_pkts"), 5);
	cr_assert_eq(jget(j, "flow0_in_order"), 6);
	cr_assert_eq(jget(j, "drop_gma_version"), 1);
	cr_assert_eq(jget(j, "path0_drops"), 1);
	cr_assert_eq(jget(j, "path1_drops"), 0);
	json_decref(j);

	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	free(t.seen);
	rw_world_down(dp, mp);
}

/* Answer a probe REQ PDU taken from an access port's TX ring with an ACK
 * frame on the same path; returns the ACK frame, or NULL if m is no probe. */
static struct rte_mbuf *ack_for(struct rte_mempool *mp, struct rte_mbuf *m, unsigned path)
{
	const uint8_t *pdu = rte_pktmbuf_mtod_offset(m, const uint8_t *, 42);
	uint16_t len = (uint16_t)(rte_pktmbuf_data_len(m) - 42);
	struct mx_ctrl_pdu req, ack;
	struct gma_pdu d;
	uint8_t sdu[64];
	int n;

	cr_assert_eq(gma_decode(GMA_METHOD_TRAILER, pdu, len, &d), 0);
	cr_assert_eq(d.f.flags & GMA_F_FLOW_SN, 0, "a probe must not carry a Flow SN");
	/* inner IPv4 (20) + UDP (8) + MX control PDU; the IP header is restored
	 * from the trailer's Next Header, so read the UDP payload directly. */
	cr_assert_eq(mx_ctrl_decode(MX_DIALECT_UP09, pdu + 28, (size_t)d.data_len - 8, &req), 0);
	cr_assert_eq(req.kind, MX_CTRL_PROBE_REQ);
	cr_assert(req.flags & MX_PROBE_F_ACK);
	cr_assert_eq(req.cid, path);
	memset(&ack, 0, sizeof(ack));
	ack.kind = MX_CTRL_PROBE_ACK;
	ack.cid = (uint8_t)path;
	ack.sn = req.sn;
	n = mx_ctrl_encode(MX_DIALECT_UP09, &ack, sdu + 28, sizeof(sdu) - 28);
	cr_assert_gt(n, 0);
	/* The ACK goes anchor:9999 -> 10.8.0.1:9999 inside an uplink PDU. */
	struct rte_mbuf *f = ul_frame(mp, path, 0);
	uint8_t *fp = rte_pktmbuf_mtod(f, uint8_t *);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(fp + 14);
	struct rte_udp_hdr *oudp = (struct rte_udp_hdr *)(oip + 1);
	struct gma_fields g = {.flags = GMA_F_TIMESTAMP};
	struct rte_ipv4_hdr *iip = (struct rte_ipv4_hdr *)sdu;
	struct rte_udp_hdr *iudp = (struct rte_udp_hdr *)(iip + 1);

	memset(sdu, 0, 28);
	iip->version_ihl = RTE_IPV4_VHL_DEF;
	iip->total_length = rte_cpu_to_be_16((uint16_t)(28 + n));
	iip->time_to_live = 64;
	iip->next_proto_id = IPPROTO_UDP;
	iip->src_addr = rte_cpu_to_be_32(ANCHOR);
	iip->dst_addr = rte_cpu_to_be_32(IP4(10, 8, 0, 1));
	iip->hdr_checksum = rte_ipv4_cksum(iip);
	iudp->src_port = rte_cpu_to_be_16(9999);
	iudp->dst_port = rte_cpu_to_be_16(9999);
	iudp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + n));
	n = gma_encode(GMA_METHOD_TRAILER, &g, sdu, (size_t)(28 + n), fp + 42, 200 - 42);
	cr_assert_gt(n, 0);
	rte_pktmbuf_trim(f, (uint16_t)(rte_pktmbuf_data_len(f) - 42 - (uint16_t)n));
	oip->total_length = rte_cpu_to_be_16((uint16_t)(28 + n));
	oip->hdr_checksum = 0;
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	oudp->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + n));
	return f;
}

Test(probes, rtt_is_measured_on_every_path, .timeout = 120)
{
	static struct dp_config cfg;
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_session_stats ss;
	struct dp_ctx *dp;
	unsigned answered[2] = {0, 0};
	uint64_t end;

	rw_world_up("test_dp_live", "0@0,1@1,2@1", 2, 4096, &wifi, &lte, &core);
	mp = rw_pool(4095, 64);
	rw_config(&cfg, &wifi, &lte, &core);
	cfg.ctrl_ip = IP4(10, 8, 0, 1);
	cfg.ctrl_port = 9999;
	cfg.sessions[0].probe_interval_ms = 20;
	dp = rw_dp_create(&cfg);
	cr_assert_eq(dp_start(dp), 0);

	/* 200 ms of control ticks; each probe answered 5 ms after it is seen. */
	end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 5;
	while (rte_get_tsc_cycles() < end) {
		struct rport *ports[2] = {&wifi, &lte};

		dp_ctl_tick(dp);
		for (unsigned p = 0; p < 2; p++) {
			struct rte_mbuf *m;

			while (rte_ring_dequeue(ports[p]->txq[0], (void **)&m) == 0) {
				struct rte_mbuf *a = ack_for(mp, m, p);

				rte_pktmbuf_free(m);
				rte_delay_ms(5);
				cr_assert_eq(rte_ring_enqueue(ports[p]->rx, a), 0);
				answered[p]++;
			}
		}
		rte_delay_us_block(500);
	}
	/* The worker takes the last ACKs in its own time: wait (bounded) for
	 * them rather than for a fixed delay, which a loaded machine outlasts. */
	end = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	do {
		rte_delay_ms(5);
		cr_assert_eq(dp_session_stats_read(dp, 1, &ss), 0);
	} while ((ss.paths[0].probe_acks < answered[0] || ss.paths[1].probe_acks < answered[1]) &&
		 rte_get_tsc_cycles() < end);
	dp_stop(dp);

	for (unsigned p = 0; p < 2; p++) {
		cr_assert_geq(answered[p], 3, "path %u: %u probes seen", p, answered[p]);
		cr_assert_geq(ss.paths[p].probes_sent, answered[p]);
		cr_assert_eq(ss.paths[p].probe_acks, answered[p], "path %u: %lu acks", p,
			     (unsigned long)ss.paths[p].probe_acks);
		/* Each ACK left >= 5 ms after its probe.  On a loaded 2-core
		 * machine it may wait much longer for a CPU, so the upper bound
		 * only catches a wrong unit or clock (which would be 1000x off). */
		cr_assert_geq(ss.paths[p].rtt_us, 5000, "path %u rtt %u us", p, ss.paths[p].rtt_us);
		cr_assert_lt(ss.paths[p].rtt_us, 200000, "path %u rtt %u us", p, ss.paths[p].rtt_us);
		cr_assert_eq(ss.paths[p].probes, 0); /* ACKs are not counted as client probes */
	}
	rw_world_down(dp, mp);
}
