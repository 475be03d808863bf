/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's CCM (tools/client/mc_ccm.c) against the real NCM
 * (controlplane/cp_ncm.c) in one process: the encoded JSON of each side is
 * handed to the other, the NCM drives the fake data plane of the NCM's own
 * tests (tests/unit/fake_dp.c).  Checked on both sides: the session reaches
 * ACTIVE, the data plane gets the client's addresses and ports, releasing
 * and setting up an interface changes the path's state, termination from
 * either side cleans up both, a dropped WebSocket resumes the session.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_config.h"
#include "cp_msg.h"
#include "cp_ncm.h"
#include "dp_config.h"
#include "fake_dp.h"
#include "mc_ccm.h"

#define QMAX 256u

static const char *const gw_json =
	"{ \"ports\": ["
	"  { \"name\": \"wifi\", \"device\": \"net_null0\", \"role\": \"access\","
	"    \"ipv4\": \"192.0.2.1\", \"next_hop_mac\": \"02:00:00:00:01:02\","
	"    \"gma_udp_ports\": [10020] },"
	"  { \"name\": \"lte\", \"device\": \"net_null1\", \"role\": \"access\","
	"    \"ipv4\": \"198.51.100.1\", \"next_hop_mac\": \"02:00:00:00:02:02\","
	"    \"gma_udp_ports\": [10020, 10021] },"
	"  { \"name\": \"core\", \"device\": \"net_null2\", \"role\": \"core\","
	"    \"ipv4\": \"203.0.113.1\", \"next_hop_mac\": \"02:00:00:00:03:02\" } ],"
	"  \"ncm\": { \"ncm_id\": 7,"
	"    \"listen\": { \"ip\": \"127.0.0.1\", \"port\": 0 },"
	"    \"endpoint\": { \"ip\": \"192.0.2.1\", \"port\": 8765 },"
	"    \"timers\": { \"timeout_ms\": 1000, \"retries\": 2, \"keep_alive_ms\": 5000 },"
	"    \"anchor\": { \"connection_id\": 15, \"pool\": \"10.9.0.0/24\" },"
	"    \"delivery\": ["
	"      { \"connection_id\": 0, \"connection_type\": \"Wi-Fi\", \"port\": \"wifi\" },"
	"      { \"connection_id\": 3, \"connection_type\": \"LTE\", \"port\": \"lte\","
	"        \"gw_port\": 10021, \"mtu\": 1400 } ],"
	"    \"session\": { \"probe_interval_ms\": 0 },"
	"    \"ssids\": [\"operator-wifi\"] } }";

struct queue {
	unsigned head, n;
	char *text[QMAX];
};

static struct fake_dp fdp;
static struct cp_config ncfg;
static struct cp_ncm *ncm;
static struct mc_ccm *ccm;
static struct queue to_ncm, to_ccm;
static uint64_t conn = 1;       /* the WebSocket's ID at the NCM */
static bool ws_closed;          /* the NCM closed it */
static struct mc_setup setup_ev;
static bool ul_ok[MC_MAX_IFACES];
static unsigned n_steer;
static bool paused;
static unsigned n_pause;
static char reason_ev[512];

static void push(struct queue *q, const char *text, size_t len)
{
	cr_assert_lt(q->n, QMAX, "queue full");
	q->text[(q->head + q->n) % QMAX] = strndup(text, len);
	q->n++;
}

static char *pop(struct queue *q)
{
	char *t;

	if (q->n == 0)
		return NULL;
	t = q->text[q->head];
	q->head = (q->head + 1) % QMAX;
	q->n--;
	return t;
}

/* ---- the NCM's side --------------------------------------------------------------- */

static int ncm_send(void *o, uint64_t c, const char *text, size_t len)
{
	(void)o;
	if (c == conn)
		push(&to_ccm, text, len);
	return 0;
}

static int ncm_close(void *o, uint64_t c, int code, const char *reason)
{
	(void)o;
	(void)code;
	(void)reason;
	if (c == conn)
		ws_closed = true;
	return 0;
}

static uint32_t rnd = 99;

static int ncm_random(void *o, void *buf, size_t len)
{
	(void)o;
	for (size_t i = 0; i < len; i++) {
		rnd = rnd * 1103515245u + 12345u;
		((uint8_t *)buf)[i] = (uint8_t)(rnd >> 16);
	}
	return 0;
}

/* ---- the CCM's side ------------------------------------------------------------------ */

static int ccm_send(void *o, const char *text, size_t len)
{
	(void)o;
	push(&to_ncm, text, len);
	return 0;
}

static void ccm_setup(void *o, const struct mc_setup *s)
{
	(void)o;
	setup_ev = *s;
}

static void ccm_path(void *o, unsigned i, bool ok, uint32_t mtu)
{
	(void)o;
	(void)mtu;
	ul_ok[i] = ok;
}

static void ccm_steer(void *o, const struct mc_steer *s)
{
	(void)o;
	(void)s;
	n_steer++;
}

static void ccm_pause(void *o, bool p)
{
	(void)o;
	paused = p;
	n_pause++;
}

static void ccm_state(void *o, enum mc_ccm_state st, const char *reason)
{
	(void)o;
	(void)st;
	snprintf(reason_ev, sizeof(reason_ev), "%s", reason != NULL ? reason : "");
}

static void ccm_counters(void *o, unsigned i, struct mc_ccm_counters *out)
{
	(void)o;
	memset(out, 0, sizeof(*out));
	out->rx_bytes = 1000u * (i + 1);
}

static const struct mc_iface_obs wl_up = { .up = true, .ipv4 = 0xC000020Au, .mtu = 1500 };
static const struct mc_iface_obs ww_up = { .up = true, .ipv4 = 0xC633640Au, .mtu = 1400 };

static void setup(void)
{
	static struct dp_config dpc;
	char err[256];
	struct cp_ncm_io nio = { .send = ncm_send, .close = ncm_close, .random = ncm_random };
	struct mc_ccm_ops cops = {
		.send = ccm_send, .setup = ccm_setup, .path = ccm_path, .steer = ccm_steer,
		.ul_pause = ccm_pause, .state = ccm_state, .counters = ccm_counters,
	};
	struct mc_ccm_cfg cc;

	memset(&fdp, 0, sizeof(fdp));
	memset(&to_ncm, 0, sizeof(to_ncm));
	memset(&to_ccm, 0, sizeof(to_ccm));
	memset(ul_ok, 0, sizeof(ul_ok));
	n_steer = n_pause = 0;
	paused = false;
	conn = 1;
	ws_closed = false;
	cr_assert_eq(dp_config_parse(gw_json, strlen(gw_json), &dpc, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(cp_config_parse(gw_json, strlen(gw_json), &dpc, &ncfg, err, sizeof(err)), 0,
		     "%s", err);
	ncm = cp_ncm_create(&ncfg, FAKE_DP_CTX(&fdp), &nio);
	cr_assert_not_null(ncm);

	memset(&cc, 0, sizeof(cc));
	cc.n_ifaces = 2;
	cc.ifaces[0] = (struct mc_iface_opt){ .name = "wifi", .type = CP_CONN_WIFI, .ifname = "wl0" };
	cc.ifaces[1] = (struct mc_iface_opt){ .name = "lte", .type = CP_CONN_LTE, .ifname = "ww0" };
	cc.udp_port[0] = 5000;
	cc.udp_port[1] = 5001;
	cc.timeout_ms = 1000;
	cc.retries = 2;
	cc.keep_alive_ms = 4000;
	cc.mx_port = 9999;
	ccm = mc_ccm_create(&cc, &cops);
	cr_assert_not_null(ccm);
	mc_ccm_iface(ccm, 0, &wl_up, 0);
	mc_ccm_iface(ccm, 1, &ww_up, 0);
}

static void teardown(void)
{
	char *t;

	mc_ccm_destroy(ccm);
	cp_ncm_destroy(ncm);
	while ((t = pop(&to_ncm)) != NULL)
		free(t);
	while ((t = pop(&to_ccm)) != NULL)
		free(t);
}

TestSuite(ccm_ncm, .init = setup, .fini = teardown);

/* Moves messages both ways until both are quiet; returns how many moved. */
static unsigned pump(uint64_t now)
{
	unsigned moved = 0;
	char *t;

	for (unsigned round = 0; round < 1000; round++) {
		bool any = false;

		if ((t = pop(&to_ncm)) != NULL) {
			if (!ws_closed)
				cp_ncm_on_text(ncm, conn, t, strlen(t), now);
			free(t);
			any = true;
			moved++;
		}
		if ((t = pop(&to_ccm)) != NULL) {
			mc_ccm_on_text(ccm, t, strlen(t), now);
			free(t);
			any = true;
			moved++;
		}
		if (!any)
			return moved;
	}
	cr_assert_fail("the two sides never go quiet");
	return moved;
}

/* Both sides' timers from t0 to t1 in 100 ms steps, messages moved each step. */
static void run(uint64_t t0, uint64_t t1)
{
	for (uint64_t t = t0; t <= t1; t += 100) {
		cp_ncm_tick(ncm, t);
		mc_ccm_tick(ccm, t);
		pump(t);
	}
}

static struct cp_ncm_session_info info;

static void ncm_view(void)
{
	cr_assert_eq(cp_ncm_session(ncm, mc_ccm_session_id(ccm), &info, 0), 0,
		     "the NCM knows session %u", mc_ccm_session_id(ccm));
}

/* The WebSocket `conn` opens from peer at time now; both ends must reach ACTIVE. */
static void open_ws(const char *peer, uint64_t now)
{
	cp_ncm_on_open(ncm, conn, peer, now);
	mc_ccm_on_open(ccm, now);
	pump(now);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE, "CCM state %s: %s",
		     mc_ccm_state_name(mc_ccm_state(ccm)), reason_ev);
}

static void bring_up(void)
{
	open_ws("192.0.2.10:40000", 0);
}

/* The WebSocket drops at time now: both ends see it close. */
static void drop_ws(uint64_t now)
{
	cp_ncm_on_close(ncm, conn, now);
	mc_ccm_on_close(ccm, now);
}

/* ---- tests ------------------------------------------------------------------------ */

Test(ccm_ncm, session_active_on_both_sides_with_the_clients_addresses)
{
	const struct dp_session_cfg *s;
	struct cp_ncm_stats ns;
	struct mc_ccm_stats cs;

	bring_up();
	ncm_view();
	cr_assert_eq(info.state, CP_NCM_ACTIVE);
	cr_assert_eq(info.ncm_id, 7);
	cr_assert(info.in_dataplane);
	cr_assert_eq(info.n_conns, 2, "both delivery connections set up");
	cr_assert_eq(info.anchor_ip, setup_ev.anchor_ip, "the CCM uses the anchor the NCM gave");
	cr_assert_eq(setup_ev.anchor_ip & 0xFFFFFF00u, 0x0A090000u, "from the pool 10.9.0.0/24");
	cr_assert_eq(setup_ev.path[1].tunnel_port, 10021);

	s = fake_dp_session(&fdp, mc_ccm_session_id(ccm));
	cr_assert_not_null(s, "the data plane carries the session");
	cr_assert_eq(s->anchor_ip, setup_ev.anchor_ip);
	cr_assert_eq(s->n_paths, 2);
	for (unsigned k = 0; k < 2; k++) {
		const struct dp_path_cfg *p = &s->paths[k];

		if (p->conn_id == 0) {
			cr_assert_eq(p->client_ip, 0xC000020Au);
			cr_assert_eq(p->client_port, 5000);
			cr_assert_eq(p->mtu, 1500);
		} else {
			cr_assert_eq(p->conn_id, 3);
			cr_assert_eq(p->client_ip, 0xC633640Au);
			cr_assert_eq(p->client_port, 5001);
			cr_assert_eq(p->mtu, 1400);
		}
		cr_assert(p->up);
	}
	cr_assert(ul_ok[0] && ul_ok[1]);
	cr_assert_geq(n_steer, 1, "the NCM's steering reached the CCM");

	/* Reports and estimates flow for a while; nobody complains or retransmits. */
	run(100, 3000);
	cp_ncm_stats(ncm, &ns);
	mc_ccm_stats(ccm, &cs);
	cr_assert_eq(ns.decode_errors, 0);
	cr_assert_eq(ns.unexpected, 0, "every message of the CCM is one the NCM expects");
	cr_assert_eq(ns.retransmits, 0, "every NCM request was answered");
	cr_assert_eq(cs.retransmits, 0);
	cr_assert_eq(cs.errors_rx, 0);
	cr_assert_eq(cs.decode_errors, 0);
	cr_assert_geq(cs.reports, 2, "measurement reports sent");
	cr_assert_geq(cs.path_est_results, 2, "path estimation answered for both paths");
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
}

Test(ccm_ncm, release_and_setup_change_the_data_plane_path)
{
	struct mc_iface_obs down = ww_up;
	const struct dp_session_cfg *s;
	uint32_t id;

	bring_up();
	id = mc_ccm_session_id(ccm);
	down.up = false;
	mc_ccm_iface(ccm, 1, &down, 100);
	pump(100);
	s = fake_dp_session(&fdp, id);
	for (unsigned k = 0; k < s->n_paths; k++)
		cr_assert_eq(s->paths[k].up, s->paths[k].conn_id != 3,
			     "connection %u up=%d after the release", s->paths[k].conn_id,
			     s->paths[k].up);
	ncm_view();
	cr_assert_eq(info.n_conns, 1);
	cr_assert_not(ul_ok[1]);

	mc_ccm_iface(ccm, 1, &ww_up, 200);
	cr_assert(paused, "uplink paused until the handover keep-alive is answered");
	pump(200);
	cr_assert_not(paused);
	cr_assert_eq(n_pause, 2);
	s = fake_dp_session(&fdp, id);
	for (unsigned k = 0; k < s->n_paths; k++)
		cr_assert(s->paths[k].up, "connection %u up again", s->paths[k].conn_id);
	ncm_view();
	cr_assert_eq(info.n_conns, 2);
	cr_assert(ul_ok[1]);
}

Test(ccm_ncm, new_address_reaches_the_data_plane)
{
	struct mc_iface_obs moved = wl_up;
	const struct dp_session_cfg *s;

	bring_up();
	moved.ipv4 = 0xC0000263u; /* 192.0.2.99 */
	mc_ccm_iface(ccm, 0, &moved, 100);
	pump(100);
	s = fake_dp_session(&fdp, mc_ccm_session_id(ccm));
	for (unsigned k = 0; k < s->n_paths; k++)
		if (s->paths[k].conn_id == 0)
			cr_assert_eq(s->paths[k].client_ip, 0xC0000263u);
	cr_assert_not(paused);
}

Test(ccm_ncm, termination_by_the_ccm_cleans_up_both)
{
	uint32_t id;
	struct cp_ncm_stats ns;

	bring_up();
	id = mc_ccm_session_id(ccm);
	mc_ccm_terminate(ccm, 500);
	pump(500);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DONE, "%s", reason_ev);
	cr_assert_null(fake_dp_session(&fdp, id), "gone from the data plane");
	cr_assert_geq(fake_dp_last(&fdp, FAKE_REMOVE, id), 0);
	cp_ncm_stats(ncm, &ns);
	cr_assert_eq(ns.sessions, 0);
	cr_assert_eq(ns.sessions_removed, 1);
	cr_assert_not(ul_ok[0] || ul_ok[1]);
}

Test(ccm_ncm, termination_by_the_ncm_cleans_up_both)
{
	uint32_t id;
	struct cp_ncm_stats ns;

	bring_up();
	id = mc_ccm_session_id(ccm);
	cr_assert_eq(cp_ncm_terminate(ncm, id, 500), 0);
	cr_assert_null(fake_dp_session(&fdp, id), "the data plane stops at once");
	pump(500);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DONE);
	cr_assert(strstr(reason_ev, "MX_NORMAL_RELEASE") != NULL, "%s", reason_ev);
	cp_ncm_stats(ncm, &ns);
	cr_assert_eq(ns.sessions, 0, "the CCM's answer frees the NCM's record");
	cr_assert(ws_closed, "and the NCM closes the WebSocket");
}

Test(ccm_ncm, keep_alives_both_ways_keep_the_session)
{
	struct cp_ncm_stats ns;
	struct mc_ccm_stats cs;

	bring_up();
	/* Silence on both sides beyond both keep-alive timers. */
	run(100, 12000);
	mc_ccm_stats(ccm, &cs);
	cp_ncm_stats(ncm, &ns);
	cr_assert_geq(cs.keep_alives_tx, 1);
	cr_assert_eq(ns.peers_dead, 0);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
	ncm_view();
	cr_assert_eq(info.state, CP_NCM_ACTIVE);
}

Test(ccm_ncm, dropped_websocket_resumes_the_same_session)
{
	uint32_t id;
	struct cp_ncm_stats ns;

	bring_up();
	id = mc_ccm_session_id(ccm);
	drop_ws(100);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DETACHED);
	conn = 2;
	open_ws("192.0.2.10:40001", 1000);
	cr_assert_eq(mc_ccm_session_id(ccm), id, "the same session");
	cp_ncm_stats(ncm, &ns);
	cr_assert_eq(ns.sessions_resumed, 1);
	cr_assert_eq(ns.sessions, 1);
	cr_assert_not_null(fake_dp_session(&fdp, id), "the data plane kept it");
	ncm_view();
	cr_assert(info.attached);
}

Test(ccm_ncm, expired_session_is_replaced_by_a_new_one)
{
	uint32_t id;

	bring_up();
	id = mc_ccm_session_id(ccm);
	drop_ws(100);
	cp_ncm_tick(ncm, 100 + ncfg.detach_ms); /* the NCM gives up the detached session */
	cr_assert_null(fake_dp_session(&fdp, id));
	conn = 2;
	open_ws("192.0.2.10:40001", 20000);
	cr_assert_neq(mc_ccm_session_id(ccm), id, "a new session");
	cr_assert_not_null(fake_dp_session(&fdp, mc_ccm_session_id(ccm)));
}
