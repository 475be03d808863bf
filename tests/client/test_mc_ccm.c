/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's CCM state machine (tools/client/mc_ccm.c) against a scripted
 * NCM: every message type the NCM sends, the whole bring-up, retransmission
 * and its limit, refusal (MX_REJECT, mx_error), termination from both
 * sides, interface loss and return (release, setup, handover keep-alive
 * and the uplink pause), resumption after the transport drops, measurement
 * reports and path estimation computed from the counters.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cp_msg.h"
#include "mc_ccm.h"
#include "mc_test_ccm.h"

#define SID 777u

static struct mc_setup setup_ev;
static unsigned n_setup;
static bool ul_ok[MC_MAX_IFACES];
static uint32_t ul_mtu[MC_MAX_IFACES];
static unsigned n_path_ev;
static struct mc_steer steer_ev;
static unsigned n_steer;
static bool paused;
static unsigned n_pause;
static enum mc_ccm_state state_ev;
static char reason_ev[512];
static struct mc_ccm_counters ctr[MC_MAX_IFACES];
static bool rssi_known;

static void op_setup(void *o, const struct mc_setup *s)
{
	(void)o;
	setup_ev = *s;
	n_setup++;
}

static void op_path(void *o, unsigned i, bool ok, uint32_t mtu)
{
	(void)o;
	cr_assert_lt(i, MC_MAX_IFACES);
	ul_ok[i] = ok;
	ul_mtu[i] = mtu;
	n_path_ev++;
}

static void op_steer(void *o, const struct mc_steer *s)
{
	(void)o;
	steer_ev = *s;
	n_steer++;
}

static void op_pause(void *o, bool p)
{
	(void)o;
	paused = p;
	n_pause++;
}

static void op_state(void *o, enum mc_ccm_state st, const char *reason)
{
	(void)o;
	state_ev = st;
	snprintf(reason_ev, sizeof(reason_ev), "%s", reason != NULL ? reason : "");
}

static void op_counters(void *o, unsigned i, struct mc_ccm_counters *out)
{
	(void)o;
	*out = ctr[i];
}

static bool op_signal(void *o, unsigned i, enum cp_meas_param p, double *v)
{
	(void)o;
	if (p == CP_MEAS_WLAN_RSSI && i == 0 && rssi_known) {
		*v = -61.0;
		return true;
	}
	return false;
}

static const struct mc_iface_obs wl_up = { .up = true, .ipv4 = 0xC000020Au, .mtu = 1500,
					   .node_id = "aa:bb:cc:dd:ee:01", .ssid = "home" };
static const struct mc_iface_obs ww_up = { .up = true, .ipv4 = 0xC633640Au, .mtu = 1400 };

static struct mc_ccm_cfg cfg;

static void make(unsigned n_ifaces, const struct mc_iface_opt *ifs)
{
	struct mc_ccm_ops ops = {
		.send = mct_ccm_send, .setup = op_setup, .path = op_path, .steer = op_steer,
		.ul_pause = op_pause, .state = op_state, .counters = op_counters,
		.signal = op_signal,
	};

	memset(&cfg, 0, sizeof(cfg));
	cfg.n_ifaces = n_ifaces;
	memcpy(cfg.ifaces, ifs, n_ifaces * sizeof(*ifs));
	for (unsigned i = 0; i < n_ifaces; i++)
		cfg.udp_port[i] = (uint16_t)(5000 + i);
	cfg.timeout_ms = 1000;
	cfg.retries = 2;
	cfg.keep_alive_ms = 10000;
	cfg.mx_port = 9999;
	ccm = mc_ccm_create(&cfg, &ops);
	cr_assert_not_null(ccm);
}

static void setup(void)
{
	const struct mc_iface_opt ifs[2] = {
		{ .name = "wifi", .type = CP_CONN_WIFI, .ifname = "wl0" },
		{ .name = "lte", .type = CP_CONN_LTE, .ifname = "ww0" },
	};

	mct_ccm_init(MCT_MAX_SENT);
	n_setup = n_path_ev = n_steer = n_pause = 0;
	paused = false;
	memset(ul_ok, 0, sizeof(ul_ok));
	memset(ctr, 0, sizeof(ctr));
	rssi_known = true;
	state_ev = MC_CCM_IDLE;
	reason_ev[0] = '\0';
	make(2, ifs);
	mc_ccm_iface(ccm, 0, &wl_up, 0);
	mc_ccm_iface(ccm, 1, &ww_up, 0);
}

TestSuite(ccm, .init = setup, .fini = mct_ccm_fini);

/* ---- helpers -------------------------------------------------------------------- */

static int find_sent(unsigned from, enum cp_msg_type type)
{
	struct cp_msg_error err;

	for (unsigned i = from; i < n_sent; i++)
		if (cp_msg_decode(sent[i], strlen(sent[i]), NULL, &msg, &err) == 0 &&
		    msg.type == type)
			return (int)i;
	return -1;
}

static unsigned count_sent(unsigned from, enum cp_msg_type type)
{
	unsigned n = 0;
	int i;

	while ((i = find_sent(from, type)) >= 0) {
		n++;
		from = (unsigned)i + 1;
	}
	return n;
}

#define USID "\"unique_session_id\":{\"ncm_id\":42,\"session_id\":%u}"

static const char *const cap_rsp_fmt =
	"{\"version\":\"1.0\",\"message_type\":\"mx_capability_rsp\",\"sequence_num\":%u," USID ","
	"\"feature_active\":[{\"feature_name\":\"fragmentation\",\"active\":true}],"
	"\"num_anchor_connections\":1,"
	"\"anchor_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\"}],"
	"\"num_delivery_connections\":%u,\"delivery_connections\":[%s],"
	"\"convergence_methods\":[{\"method\":\"GMA\",\"supported\":%s}],"
	"\"adaptation_methods\":[{\"method\":\"UDP_without_DTLS\",\"supported\":true}]}";

static const char *const two_conns =
	"{\"connection_id\":0,\"connection_type\":\"Wi-Fi\"},"
	"{\"connection_id\":3,\"connection_type\":\"LTE\"}";

static const char *const setup_req =
	"{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_conf_req\",\"sequence_num\":%u,"
	"\"num_anchor_connections\":1,\"anchor_connections\":[{\"connection_id\":15,"
	"\"connection_type\":\"LTE\",\"vnic_info\":{\"ip\":\"10.77.0.2\",\"gateway\":\"10.77.0.1\","
	"\"mask\":\"255.255.255.0\",\"dns\":\"10.77.0.1\",\"vnic_port\":8765},"
	"\"convergence_config\":[{\"convergence_method\":\"GMA\",\"num_delivery_connections\":2,"
	"\"delivery_connections\":["
	"{\"connection_id\":0,\"connection_type\":\"Wi-Fi\",\"adaptation_method\":\"UDP_without_DTLS\","
	"\"adaptation_method_param\":{\"tunnel_ip_addr\":\"192.0.2.1\",\"tunnel_end_port\":10020}},"
	"{\"connection_id\":3,\"connection_type\":\"LTE\",\"adaptation_method\":\"UDP_without_DTLS\","
	"\"adaptation_method_param\":{\"tunnel_ip_addr\":\"198.51.100.1\",\"tunnel_end_port\":10021}}"
	"]}]}]}";

static void system_info(uint64_t now, uint32_t seq)
{
	mct_ncm(now, "{\"version\":\"1.0\",\"message_type\":\"mx_system_info\",\"sequence_num\":%u,"
		     "\"ncm_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\","
		     "\"ncm_end_point\":{\"ip_address\":\"192.0.2.1\",\"port\":8765}}]}", seq);
}

/* Up to the capability request; returns its sequence number. */
static uint32_t to_caps(uint64_t now)
{
	const struct cp_msg *m;

	mc_ccm_on_open(ccm, now);
	m = mct_last(CP_MSG_DISCOVER);
	system_info(now, m->sequence_num);
	m = mct_last(CP_MSG_CAPABILITY_REQ);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_CAPS);
	return m->sequence_num;
}

/*
 * From CAPS (seq: the mx_capability_req's), at time now, to the NCM's mx_up_setup_conf_req
 * for two connections; returns n_sent before that request, so the caller can
 * look at the mx_reconf_req the client sent for it.
 */
static unsigned to_setup(uint64_t now, uint32_t seq)
{
	unsigned mark;

	mct_ncm(now, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mark = n_sent;
	mct_ncm(now, setup_req, 1u);
	return mark;
}

static void reconf_rsp(uint64_t now, uint32_t seq)
{
	mct_ncm(now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_rsp\","
		     "\"sequence_num\":%u}", seq);
}

/* Answers every reconfiguration request sent at or after `from`. */
static void answer_reconfs(uint64_t now, unsigned from)
{
	struct cp_msg_error err;
	unsigned end = n_sent;

	for (unsigned i = from; i < end; i++)
		if (cp_msg_decode(sent[i], strlen(sent[i]), NULL, &msg, &err) == 0 &&
		    msg.type == CP_MSG_RECONF_REQ)
			reconf_rsp(now, msg.sequence_num);
}

static void bring_up(uint64_t now)
{
	unsigned mark = to_setup(now, to_caps(now));

	answer_reconfs(now, mark);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE, "state %s",
		     mc_ccm_state_name(mc_ccm_state(ccm)));
}

/* ---- bring-up ---------------------------------------------------------------------- */

Test(ccm, discover_then_capabilities_with_gma_and_the_interfaces)
{
	const struct cp_msg *m;
	uint32_t seq;

	cr_assert_eq(n_sent, 0, "nothing before the transport is open");
	mc_ccm_on_open(ccm, 0);
	m = mct_last(CP_MSG_DISCOVER);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DISCOVER);
	seq = m->sequence_num;
	cr_assert_geq(seq, 1);
	system_info(5, seq);
	m = mct_last(CP_MSG_CAPABILITY_REQ);
	cr_assert_neq(m->sequence_num, seq, "a new exchange, a new sequence number");
	cr_assert_not(m->has_unique_session_id, "a new session presents no ID");
	const struct cp_capability *c = &m->u.capability_req;
	cr_assert_eq(c->n_anchor_connections, 1);
	cr_assert_eq(c->anchor_connections[0].connection_id, 15, "the NCM's anchor connection");
	cr_assert_eq(c->n_delivery_connections, 2);
	cr_assert_eq(c->delivery_connections[0].connection_type, CP_CONN_WIFI);
	cr_assert_eq(c->delivery_connections[1].connection_type, CP_CONN_LTE);
	cr_assert_neq(c->delivery_connections[0].connection_id,
		      c->delivery_connections[1].connection_id);
	cr_assert_eq(c->n_convergence_methods, 1);
	cr_assert_eq(c->convergence_methods[0].method, CP_CONV_GMA);
	cr_assert(c->convergence_methods[0].supported);
	cr_assert_eq(c->n_adaptation_methods, 2);
	cr_assert_eq(c->adaptation_methods[0].method, CP_ADAPT_UDP_WITHOUT_DTLS);
	cr_assert(c->adaptation_methods[0].supported);
	cr_assert_eq(c->adaptation_methods[1].method, CP_ADAPT_IPSEC);
	cr_assert(c->adaptation_methods[1].supported, "IPsec (ESP-in-UDP) is supported");
	cr_assert(strstr(sent[n_sent - 1], "\"IPsec\"") != NULL, "spelt IPsec: %s",
		  sent[n_sent - 1]);
}

Test(ccm, full_bring_up_reaches_active_with_ports_and_anchor)
{
	const struct cp_msg *m;
	uint32_t seq = to_caps(0);
	unsigned mark;
	int r0, r1;

	mct_ncm(10, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	m = mct_last(CP_MSG_CAPABILITY_ACK);
	cr_assert_eq(m->sequence_num, seq, "the ACK belongs to the capability exchange");
	cr_assert_eq(m->u.capability_ack.capability_ack, CP_CAP_ACK_ACCEPT);
	cr_assert(m->has_unique_session_id);
	cr_assert_eq(m->unique_session_id.ncm_id, 42);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_SETUP_WAIT);
	cr_assert_eq(mc_ccm_session_id(ccm), SID);
	cr_assert_eq(mc_ccm_conn_id(ccm, 0), 0, "Wi-Fi interface -> the NCM's Wi-Fi connection");
	cr_assert_eq(mc_ccm_conn_id(ccm, 1), 3, "LTE interface -> the NCM's LTE connection");

	mark = n_sent;
	mct_ncm(20, setup_req, 9u);
	cr_assert_eq(n_setup, 1);
	cr_assert_eq(setup_ev.anchor_ip, 0x0A4D0002u);
	cr_assert_eq(setup_ev.anchor_mask, 0xFFFFFF00u);
	cr_assert_eq(setup_ev.anchor_gw, 0x0A4D0001u);
	cr_assert_eq(setup_ev.anchor_conn_id, 15);
	cr_assert_eq(setup_ev.n, 2);
	cr_assert_eq(setup_ev.path[0].tunnel_ip, 0xC0000201u);
	cr_assert_eq(setup_ev.path[0].tunnel_port, 10020);
	cr_assert_eq(setup_ev.path[1].conn_id, 3);
	cr_assert_eq(setup_ev.path[1].tunnel_ip, 0xC6336401u);
	cr_assert_eq(setup_ev.path[1].tunnel_port, 10021);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_RECONF);

	/* One setup per interface, with its address, MTU and node. */
	r0 = find_sent(mark, CP_MSG_RECONF_REQ);
	cr_assert_geq(r0, 0);
	m = mct_sent_msg((unsigned)r0, CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_SETUP);
	cr_assert_eq(m->u.reconf_req.connection_id, 0);
	cr_assert_str_eq(m->u.reconf_req.ip_address, "192.0.2.10");
	cr_assert_eq(m->u.reconf_req.mtu_size, 1500);
	cr_assert_str_eq(m->u.reconf_req.delivery_node_id, "aa:bb:cc:dd:ee:01");
	cr_assert_str_eq(m->u.reconf_req.ssid, "home");
	cr_assert_eq(m->unique_session_id.session_id, SID);
	r1 = find_sent((unsigned)r0 + 1, CP_MSG_RECONF_REQ);
	cr_assert_geq(r1, 0);
	m = mct_sent_msg((unsigned)r1, CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.connection_id, 3);
	cr_assert_str_eq(m->u.reconf_req.ip_address, "198.51.100.10");
	cr_assert_eq(m->u.reconf_req.mtu_size, 1400);
	cr_assert_str_eq(m->u.reconf_req.delivery_node_id, "ww0", "no BSSID: the interface name");
	cr_assert_eq(find_sent(mark, CP_MSG_UP_SETUP_CNF), -1, "no confirmation before the answers");

	answer_reconfs(30, mark);
	m = mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(m->sequence_num, 9, "the confirmation answers the setup request");
	cr_assert(m->u.up_setup_cnf.has_probe_param);
	cr_assert_eq(m->u.up_setup_cnf.probe_param.probe_port, 9999);
	cr_assert_eq(m->u.up_setup_cnf.probe_param.anchor_conn_id, 15);
	cr_assert_eq(m->u.up_setup_cnf.n_client_params, 2);
	cr_assert_eq(m->u.up_setup_cnf.client_params[0].connection_id, 0);
	cr_assert_eq(m->u.up_setup_cnf.client_params[0].adapt_param.udp_adapt_port, 5000);
	cr_assert_eq(m->u.up_setup_cnf.client_params[1].connection_id, 3);
	cr_assert_eq(m->u.up_setup_cnf.client_params[1].adapt_param.udp_adapt_port, 5001);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
	cr_assert(ul_ok[0] && ul_ok[1], "both paths carry uplink once active");
	cr_assert_eq(ul_mtu[1], 1400);
}

Test(ccm, explicit_connection_ids_and_two_interfaces_of_one_type)
{
	const struct mc_iface_opt ifs[3] = {
		{ .name = "wifi", .type = CP_CONN_WIFI, .ifname = "wl0" },
		{ .name = "wifi2", .type = CP_CONN_WIFI, .ifname = "wl1" },
		{ .name = "lte", .type = CP_CONN_LTE, .ifname = "ww0", .has_conn_id = true, .conn_id = 7 },
	};
	uint32_t seq;

	mc_ccm_destroy(ccm);
	make(3, ifs);
	seq = to_caps(0);
	cr_assert_eq(msg.u.capability_req.delivery_connections[2].connection_id, 7,
		     "an explicit ID is offered as given");
	mct_ncm(0, cap_rsp_fmt, seq, SID, 4u,
		"{\"connection_id\":1,\"connection_type\":\"Wi-Fi\"},"
		"{\"connection_id\":3,\"connection_type\":\"LTE\"},"
		"{\"connection_id\":2,\"connection_type\":\"wifi\"},"
		"{\"connection_id\":7,\"connection_type\":\"LTE\"}", "true");
	mct_last(CP_MSG_CAPABILITY_ACK);
	cr_assert_eq(msg.u.capability_ack.capability_ack, CP_CAP_ACK_ACCEPT);
	cr_assert_eq(mc_ccm_conn_id(ccm, 0), 1, "first Wi-Fi interface, first Wi-Fi connection");
	cr_assert_eq(mc_ccm_conn_id(ccm, 1), 2, "second Wi-Fi interface, second one");
	cr_assert_eq(mc_ccm_conn_id(ccm, 2), 7);
}

/*
 * A CCM remade with ifs, answered with the NCM's two connections (Wi-Fi and
 * LTE): it must send MX_REJECT and fail.
 */
static void expect_caps_refused(unsigned n_ifaces, const struct mc_iface_opt *ifs)
{
	uint32_t seq;

	mc_ccm_destroy(ccm);
	make(n_ifaces, ifs);
	seq = to_caps(0);
	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	cr_assert_eq(mct_last(CP_MSG_CAPABILITY_ACK)->u.capability_ack.capability_ack,
		     CP_CAP_ACK_REJECT);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
}

Test(ccm, explicit_connection_id_the_ncm_lacks_is_refused_naming_the_flag)
{
	const struct mc_iface_opt ifs[1] = {
		{ .name = "lte", .type = CP_CONN_LTE, .ifname = "wwan0", .has_conn_id = true, .conn_id = 5 },
	};

	expect_caps_refused(1, ifs);
	cr_assert_eq(state_ev, MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "--iface lte=wwan0:5") != NULL, "%s", reason_ev);
	cr_assert(strstr(reason_ev, "0 Wi-Fi, 3 LTE") != NULL, "what it offers: %s", reason_ev);
}

Test(ccm, no_connection_of_the_type_is_refused)
{
	const struct mc_iface_opt ifs[2] = {
		{ .name = "wifi", .type = CP_CONN_WIFI, .ifname = "wl0" },
		{ .name = "5g", .type = CP_CONN_5G_NR, .ifname = "nr0" },
	};

	expect_caps_refused(2, ifs);
	cr_assert(strstr(reason_ev, "5G_NR") != NULL && strstr(reason_ev, "nr0") != NULL, "%s",
		  reason_ev);
}

Test(ccm, ncm_without_gma_gets_mx_reject)
{
	uint32_t seq = to_caps(0);

	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "false");
	cr_assert_eq(mct_last(CP_MSG_CAPABILITY_ACK)->u.capability_ack.capability_ack,
		     CP_CAP_ACK_REJECT);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "GMA") != NULL, "%s", reason_ev);
}

Test(ccm, session_refused_with_mx_error_fails_with_the_reason)
{
	uint32_t seq = to_caps(0);

	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_error\",\"sequence_num\":%u,"
		   "\"error\":{\"message_type\":\"mx_capability_req\",\"field\":\"\","
		   "\"reason\":\"no session available (max_sessions 1, anchor pool)\"}}", seq);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "max_sessions") != NULL, "%s", reason_ev);
}

Test(ccm, setup_without_an_anchor_address_terminates_the_session)
{
	uint32_t seq = to_caps(0);
	const struct cp_msg *m;

	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_conf_req\","
		   "\"sequence_num\":4,"
		   "\"num_anchor_connections\":1,\"anchor_connections\":[{\"connection_id\":15,"
		   "\"connection_type\":\"LTE\","
		   "\"convergence_config\":[{\"convergence_method\":\"GMA\","
		   "\"num_delivery_connections\":0,\"delivery_connections\":[]}]}]}");
	m = mct_last(CP_MSG_SESSION_TERMINATION_REQ);
	cr_assert_eq(m->u.session_termination_req.reason, CP_TERM_INTERNAL_ERROR);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING);
	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_rsp\","
		   "\"sequence_num\":%u," USID "}", m->sequence_num, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "vnic_info") != NULL, "%s", reason_ev);
}

Test(ccm, lost_capability_ack_is_sent_again)
{
	uint32_t seq = to_caps(0);

	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mct_ncm(1000, cap_rsp_fmt, seq, SID, 2u, two_conns, "true"); /* the NCM retransmits */
	cr_assert_eq(count_sent(0, CP_MSG_CAPABILITY_ACK), 2);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_SETUP_WAIT);
}

Test(ccm, no_setup_after_accept_fails)
{
	uint32_t seq = to_caps(0);

	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mc_ccm_tick(ccm, 2999);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_SETUP_WAIT);
	mc_ccm_tick(ccm, 3000); /* timeout * (retries + 1) */
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING);
	mct_last(CP_MSG_SESSION_TERMINATION_REQ);
}

/* ---- retransmission -------------------------------------------------------------- */

Test(ccm, unanswered_request_is_retransmitted_then_fails)
{
	uint64_t d;

	mc_ccm_on_open(ccm, 0);
	cr_assert_eq(n_sent, 1);
	d = mc_ccm_next_deadline(ccm);
	cr_assert_eq(d, 1000, "deadline = MAMS_TIMEOUT after sending");
	mc_ccm_tick(ccm, 999);
	cr_assert_eq(n_sent, 1);
	mc_ccm_tick(ccm, 1000);
	cr_assert_eq(n_sent, 2);
	cr_assert_str_eq(sent[1], sent[0], "the same text, same sequence number");
	mc_ccm_tick(ccm, 2000);
	cr_assert_eq(n_sent, 3);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DISCOVER);
	mc_ccm_tick(ccm, 3000); /* retries (2) used up */
	cr_assert_eq(n_sent, 3);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "no answer to mx_discover after 2 retransmissions") != NULL,
		  "%s", reason_ev);
	struct mc_ccm_stats st;
	mc_ccm_stats(ccm, &st);
	cr_assert_eq(st.retransmits, 2);
}

Test(ccm, answer_stops_retransmission)
{
	uint32_t seq = to_caps(0);

	mct_ncm(500, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mc_ccm_tick(ccm, 1500);
	cr_assert_eq(count_sent(0, CP_MSG_CAPABILITY_REQ), 1);
	cr_assert_eq(count_sent(0, CP_MSG_DISCOVER), 1);
}

Test(ccm, reconfiguration_answered_by_sequence_number)
{
	unsigned mark = to_setup(0, to_caps(0));
	int r;

	/* Answer only the LTE one: still waiting for the Wi-Fi answer. */
	r = find_sent(mark, CP_MSG_RECONF_REQ);
	r = find_sent((unsigned)r + 1, CP_MSG_RECONF_REQ);
	reconf_rsp(0, mct_sent_msg((unsigned)r, CP_MSG_RECONF_REQ)->sequence_num);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_RECONF);
	mc_ccm_tick(ccm, 1000);
	cr_assert_eq(count_sent(mark, CP_MSG_RECONF_REQ), 3, "only the unanswered one again");
	reconf_rsp(1000, mct_sent_msg(n_sent - 1, CP_MSG_RECONF_REQ)->sequence_num);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
}

Test(ccm, refused_reconfiguration_leaves_the_interface_out)
{
	unsigned mark = to_setup(0, to_caps(0));
	int r;

	r = find_sent(mark, CP_MSG_RECONF_REQ);
	mct_ncm(0, "{\"version\":\"1.0\",\"message_type\":\"mx_error\",\"sequence_num\":%u,"
		   "\"error\":{\"message_type\":\"mx_reconf_req\",\"field\":\"mtu_size\","
		   "\"reason\":\"1500 is outside 576..1400\"}}",
		mct_sent_msg((unsigned)r, CP_MSG_RECONF_REQ)->sequence_num);
	r = find_sent((unsigned)r + 1, CP_MSG_RECONF_REQ);
	reconf_rsp(0, mct_sent_msg((unsigned)r, CP_MSG_RECONF_REQ)->sequence_num);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE, "the session goes on");
	cr_assert_not(ul_ok[0], "the refused interface carries nothing");
	cr_assert(ul_ok[1]);
	cr_assert_not(mc_ccm_path_setup(ccm, 0));
}

/* ---- serving the NCM ------------------------------------------------------------------ */

Test(ccm, traffic_steering_applied_and_answered)
{
	const struct cp_msg *m;

	bring_up(0);
	mct_ncm(10, "{\"version\":\"1.0\",\"message_type\":\"mx_traffic_steering_req\","
		    "\"sequence_num\":31,"
		    "\"connection_id\":15,\"downlink_delivery\":[{\"connection_id\":0},"
		    "{\"connection_id\":3}],"
		    "\"default_uplink_delivery\":3,\"uplink_delivery\":[{\"ul_tft\":{"
		    "\"remote_addr_mask\":\"203.0.113.0/24\",\"protocol_type\":17,"
		    "\"remote_port_range\":{\"start\":5060,\"end\":5061}},"
		    "\"conn_list\":[{\"connection_id\":0}]}],"
		    "\"feature_active\":[{\"feature_name\":\"lossless_switching\","
		    "\"active\":true}]}");
	cr_assert_eq(n_steer, 1);
	cr_assert(steer_ev.has_default);
	cr_assert_eq(steer_ev.default_conn, 3);
	cr_assert_eq(steer_ev.n_rules, 1);
	cr_assert_eq(steer_ev.tft[0].remote_ip, 0xCB007100u);
	cr_assert_eq(steer_ev.tft[0].remote_mask, 0xFFFFFF00u);
	cr_assert_eq(steer_ev.tft[0].proto, 17);
	cr_assert_eq(steer_ev.tft[0].remote_port_min, 5060);
	cr_assert_eq(steer_ev.n_conns[0], 1);
	cr_assert_eq(steer_ev.conns[0][0], 0);
	cr_assert_eq(steer_ev.n_dl, 2);
	m = mct_last(CP_MSG_TRAFFIC_STEERING_RSP);
	cr_assert_eq(m->sequence_num, 31);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(m->u.traffic_steering_rsp.n_feature_active, 1);
	cr_assert_eq(m->u.traffic_steering_rsp.feature_active[0].feature_name,
		     CP_FEATURE_LOSSLESS_SWITCHING);
}

Test(ccm, keep_alive_request_answered_and_sent_when_idle)
{
	const struct cp_msg *m;
	uint32_t ka;

	bring_up(0);
	mct_ncm(100, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_req\","
		     "\"sequence_num\":44,"
		     USID ",\"keep_alive_reason\":\"Timeout\"}", SID);
	m = mct_last(CP_MSG_KEEP_ALIVE_RSP);
	cr_assert_eq(m->sequence_num, 44);
	cr_assert_eq(m->unique_session_id.session_id, SID);

	/* Idle for MAMS_KEEP_ALIVE_TIMEOUT after the last message received. */
	mc_ccm_tick(ccm, 10099);
	cr_assert_eq(find_sent(0, CP_MSG_KEEP_ALIVE_REQ), -1);
	cr_assert_leq(mc_ccm_next_deadline(ccm), 10100);
	mc_ccm_tick(ccm, 10100);
	m = mct_last(CP_MSG_KEEP_ALIVE_REQ);
	cr_assert_eq(m->u.keep_alive_req.keep_alive_reason, CP_KEEP_ALIVE_TIMEOUT);
	ka = m->sequence_num;
	cr_assert_eq(mc_ccm_next_deadline(ccm), 11100,
		     "while it is on its way: its retransmission, not the idle timer (no spin)");
	cr_assert_not(paused, "a Timeout keep-alive does not pause the uplink");
	mct_ncm(10200, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_rsp\","
		       "\"sequence_num\":%u,"
		       USID "}", ka, SID);
	mc_ccm_tick(ccm, 14000);
	cr_assert_eq(count_sent(0, CP_MSG_KEEP_ALIVE_REQ), 1, "answered: not retransmitted");
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
}

Test(ccm, unanswered_keep_alives_mean_the_ncm_is_gone)
{
	bring_up(0);
	mc_ccm_tick(ccm, 10000);
	mct_last(CP_MSG_KEEP_ALIVE_REQ);
	mc_ccm_tick(ccm, 11000);
	mc_ccm_tick(ccm, 12000);
	cr_assert_eq(count_sent(0, CP_MSG_KEEP_ALIVE_REQ), 3);
	mc_ccm_tick(ccm, 13000);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "mx_keep_alive_req") != NULL, "%s", reason_ev);
	cr_assert_not(ul_ok[0] || ul_ok[1], "no uplink after the session failed");
}

Test(ccm, measurement_reports_from_the_counters)
{
	const struct cp_msg *m;
	const struct cp_meas_report *r;

	bring_up(0);
	mct_ncm(1000, "{\"version\":\"1.0\",\"message_type\":\"mx_measurement_conf\","
		      "\"sequence_num\":12,"
		      "\"measurement_configuration\":["
		      "{\"connection_id\":0,\"connection_type\":\"Wi-Fi\",\"meas_rep_conf\":["
		      "{\"meas_rep_param\":\"DL_TPUT\",\"meas_period_ms\":1000},"
		      "{\"meas_rep_param\":\"UL_TPUT\",\"meas_period_ms\":1000},"
		      "{\"meas_rep_param\":\"WLAN_RSSI\",\"meas_period_ms\":1000}]},"
		      "{\"connection_id\":3,\"connection_type\":\"LTE\",\"meas_rep_conf\":["
		      "{\"meas_rep_param\":\"DL_TPUT\",\"meas_period_ms\":500},"
		      "{\"meas_rep_param\":\"LTE_RSRP\",\"meas_period_ms\":500}]},"
		      "{\"connection_id\":9,\"connection_type\":\"LTE\",\"meas_rep_conf\":["
		      "{\"meas_rep_param\":\"DL_TPUT\"}]}]}");
	cr_assert_eq(find_sent(0, CP_MSG_MEASUREMENT_REPORT), -1, "nothing at once");
	/* 1 Mbit/s down and 0.5 Mbit/s up on Wi-Fi, 2 Mbit/s down on LTE. */
	ctr[0].rx_bytes = 125000;
	ctr[0].tx_bytes = 62500;
	ctr[1].rx_bytes = 125000;
	mc_ccm_tick(ccm, 1500);
	m = mct_last(CP_MSG_MEASUREMENT_REPORT);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(m->u.measurement_report.n_measurement_reports, 1, "LTE's period first");
	r = &m->u.measurement_report.measurement_reports[0];
	cr_assert_eq(r->connection_id, 3);
	cr_assert_eq(r->connection_type, CP_CONN_LTE);
	cr_assert_eq(r->n_measurements, 1, "RSRP is not readable: omitted");
	cr_assert_eq(r->measurements[0].measurement_type, CP_MEAS_DL_TPUT);
	cr_assert_float_eq(r->measurements[0].measurement_value, 2.0, 1e-9);

	mc_ccm_tick(ccm, 2000);
	m = mct_last(CP_MSG_MEASUREMENT_REPORT);
	cr_assert_eq(m->u.measurement_report.n_measurement_reports, 2, "both due: one message");
	r = &m->u.measurement_report.measurement_reports[0];
	cr_assert_eq(r->connection_id, 0);
	cr_assert_str_eq(r->delivery_node_id, "aa:bb:cc:dd:ee:01");
	cr_assert_eq(r->n_measurements, 3);
	cr_assert_eq(r->measurements[0].measurement_type, CP_MEAS_DL_TPUT);
	cr_assert_float_eq(r->measurements[0].measurement_value, 1.0, 1e-9);
	cr_assert_eq(r->measurements[1].measurement_type, CP_MEAS_UL_TPUT);
	cr_assert_float_eq(r->measurements[1].measurement_value, 0.5, 1e-9);
	cr_assert_eq(r->measurements[2].measurement_type, CP_MEAS_WLAN_RSSI);
	cr_assert_float_eq(r->measurements[2].measurement_value, -61.0, 1e-9);
	r = &m->u.measurement_report.measurement_reports[1];
	cr_assert_eq(r->connection_id, 3);
	cr_assert_float_eq(r->measurements[0].measurement_value, 0.0, 1e-9,
			   "nothing more since the last report");
}

Test(ccm, path_estimation_results_from_what_was_measured)
{
	const struct cp_msg *m;

	bring_up(0);
	ctr[1].probes_rx = 10;
	ctr[1].rx_bytes = 1000;
	mct_ncm(100, "{\"version\":\"1.0\",\"message_type\":\"mx_path_est_req\","
		     "\"sequence_num\":13,"
		     "\"connection_id\":3,\"init_probe_test_duration_ms\":200,"
		     "\"init_probe_test_rate_Mbps\":1,\"init_probe_size_bytes\":100,"
		     "\"init_probe_ack_req\":\"no\",\"active_probe_freq_ms\":1000,"
		     "\"active_probe_size_bytes\":100,\"active_probe_duration_sec\":10,"
		     "\"active_probe_ack_req\":\"no\"}");
	cr_assert_eq(find_sent(0, CP_MSG_PATH_EST_RESULTS), -1);
	/* 3 probes, 1 lost; 25000 bytes in 200 ms = 1 Mbit/s. */
	ctr[1].probes_rx = 13;
	ctr[1].probes_lost = 1;
	ctr[1].rx_bytes = 26000;
	mc_ccm_tick(ccm, 299);
	cr_assert_eq(find_sent(0, CP_MSG_PATH_EST_RESULTS), -1);
	mc_ccm_tick(ccm, 300);
	m = mct_last(CP_MSG_PATH_EST_RESULTS);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(m->u.path_est_results.connection_id, 3);
	cr_assert(m->u.path_est_results.has_init_probe_results);
	cr_assert_not(m->u.path_est_results.has_active_probe_results);
	cr_assert_eq(m->u.path_est_results.init_probe_results.lost_probes_percentage, 25);
	cr_assert_float_eq(m->u.path_est_results.init_probe_results.probe_rate_Mbps, 1.0, 1e-9);
	/* Active phase: 10 s, 12.5 MB = 10 Mbit/s. */
	ctr[1].rx_bytes += 12500000;
	mc_ccm_tick(ccm, 10299);
	cr_assert_eq(count_sent(0, CP_MSG_PATH_EST_RESULTS), 1);
	mc_ccm_tick(ccm, 10300);
	m = mct_last(CP_MSG_PATH_EST_RESULTS);
	cr_assert(m->u.path_est_results.has_active_probe_results);
	cr_assert_float_eq(m->u.path_est_results.active_probe_results
				   .avg_tput_last_probe_duration_Mbps, 10.0, 1e-9);
}

Test(ccm, ssid_indication_is_noted_without_answer)
{
	unsigned before;

	bring_up(0);
	before = n_sent;
	mct_ncm(10, "{\"version\":\"1.0\",\"message_type\":\"mx_ssid_indication\","
		    "\"sequence_num\":14,"
		    "\"ssid_list\":[{\"ssid_type\":\"ssid\",\"ssid_id\":\"operator-wifi\"}]}");
	cr_assert_eq(n_sent, before, "an indication has no answer");
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
}

Test(ccm, retransmitted_setup_request_gets_the_confirmation_again)
{
	bring_up(0);
	mct_ncm(10, setup_req, 1u);
	cr_assert_eq(count_sent(0, CP_MSG_UP_SETUP_CNF), 2);
	cr_assert_eq(n_setup, 1, "the data path is not set up twice");
}

Test(ccm, bad_text_and_other_sessions_are_ignored)
{
	struct mc_ccm_stats st;
	unsigned before;

	bring_up(0);
	before = n_sent;
	mct_ncm(10, "{not json");
	mct_ncm(10, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_req\","
		    "\"sequence_num\":44,"
		    USID ",\"keep_alive_reason\":\"Timeout\"}", SID + 1);
	mct_ncm(10, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_req\","
		    "\"sequence_num\":3,"
		    "\"feature_active\":[],\"num_anchor_connections\":0,\"anchor_connections\":[],"
		    "\"num_delivery_connections\":0,\"delivery_connections\":[],"
		    "\"convergence_methods\":[],\"adaptation_methods\":[]}");
	cr_assert_eq(n_sent, before);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
	mc_ccm_stats(ccm, &st);
	cr_assert_eq(st.decode_errors, 1);
	cr_assert_eq(st.unexpected, 2);
}

/* ---- termination ------------------------------------------------------------------ */

Test(ccm, termination_by_the_ncm_is_answered_and_ends_cleanly)
{
	const struct cp_msg *m;

	bring_up(0);
	mct_ncm(10, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_req\","
		    "\"sequence_num\":50," USID ",\"reason\":\"MX_NORMAL_RELEASE\"}", SID);
	m = mct_last(CP_MSG_SESSION_TERMINATION_RSP);
	cr_assert_eq(m->sequence_num, 50);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DONE);
	cr_assert(mc_ccm_finished(ccm));
	cr_assert(strstr(reason_ev, "MX_NORMAL_RELEASE") != NULL, "%s", reason_ev);
	cr_assert_not(ul_ok[0] || ul_ok[1]);
}

Test(ccm, termination_by_the_user_waits_for_the_answer)
{
	const struct cp_msg *m;

	bring_up(0);
	mc_ccm_terminate(ccm, 100);
	m = mct_last(CP_MSG_SESSION_TERMINATION_REQ);
	cr_assert_eq(m->u.session_termination_req.reason, CP_TERM_MX_NORMAL_RELEASE);
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING);
	cr_assert_not(mc_ccm_finished(ccm));
	mct_ncm(150, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_rsp\","
		     "\"sequence_num\":%u," USID "}", m->sequence_num, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DONE);
}

Test(ccm, termination_unanswered_is_bounded)
{
	bring_up(0);
	mc_ccm_terminate(ccm, 100);
	mc_ccm_tick(ccm, 1100);
	mc_ccm_tick(ccm, 2100);
	cr_assert_eq(count_sent(0, CP_MSG_SESSION_TERMINATION_REQ), 3);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_TERMINATING);
	mc_ccm_tick(ccm, 3100);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "mx_session_termination_req") != NULL, "%s", reason_ev);
}

Test(ccm, termination_before_any_session_needs_no_ncm)
{
	mc_ccm_on_open(ccm, 0);
	mc_ccm_terminate(ccm, 1);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DONE);
	cr_assert_eq(find_sent(0, CP_MSG_SESSION_TERMINATION_REQ), -1);
}

/* ---- interfaces ---------------------------------------------------------------------- */

Test(ccm, interface_down_is_released_and_back_is_a_handover)
{
	struct mc_iface_obs down = ww_up, back = ww_up;
	const struct cp_msg *m;
	unsigned mark;
	uint32_t rseq, kseq;

	bring_up(0);
	cr_assert(ul_ok[1]);
	down.up = false;
	mark = n_sent;
	mc_ccm_iface(ccm, 1, &down, 100);
	m = mct_last(CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_RELEASE);
	cr_assert_eq(m->u.reconf_req.connection_id, 3);
	cr_assert_not(ul_ok[1], "not used uplink from the moment it is gone");
	cr_assert(ul_ok[0]);
	cr_assert_eq(find_sent(mark, CP_MSG_KEEP_ALIVE_REQ), -1, "going away is no handover");
	reconf_rsp(110, m->sequence_num);
	cr_assert_not(ul_ok[1]);

	mark = n_sent;
	back.ipv4 = 0xC633640Bu; /* a new address too */
	mc_ccm_iface(ccm, 1, &back, 200);
	m = mct_sent_msg((unsigned)find_sent(mark, CP_MSG_RECONF_REQ), CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_SETUP);
	cr_assert_str_eq(m->u.reconf_req.ip_address, "198.51.100.11");
	rseq = m->sequence_num;
	m = mct_last(CP_MSG_KEEP_ALIVE_REQ);
	cr_assert_eq(m->u.keep_alive_req.keep_alive_reason, CP_KEEP_ALIVE_HANDOVER);
	cr_assert(m->u.keep_alive_req.has_connection_id);
	cr_assert_eq(m->u.keep_alive_req.connection_id, 3);
	cr_assert_str_eq(m->u.keep_alive_req.delivery_node_id, "ww0");
	kseq = m->sequence_num;
	cr_assert(paused, "uplink GMA stops until the keep-alive answer (RFC 8743 8.3.2)");
	cr_assert_not(ul_ok[1], "not before its setup is acknowledged");
	reconf_rsp(210, rseq);
	cr_assert(ul_ok[1]);
	cr_assert(paused);
	mct_ncm(220, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_rsp\","
		     "\"sequence_num\":%u,"
		     USID "}", kseq, SID);
	cr_assert_not(paused);
	cr_assert_eq(n_pause, 2);
}

Test(ccm, address_change_is_an_update_and_a_handover)
{
	struct mc_iface_obs moved = wl_up;
	const struct cp_msg *m;
	unsigned mark;

	bring_up(0);
	mark = n_sent;
	moved.ipv4 = 0xC0000214u;
	snprintf(moved.node_id, sizeof(moved.node_id), "aa:bb:cc:dd:ee:02");
	mc_ccm_iface(ccm, 0, &moved, 100);
	m = mct_sent_msg((unsigned)find_sent(mark, CP_MSG_RECONF_REQ), CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_UPDATE);
	cr_assert_str_eq(m->u.reconf_req.ip_address, "192.0.2.20");
	m = mct_last(CP_MSG_KEEP_ALIVE_REQ);
	cr_assert_eq(m->u.keep_alive_req.keep_alive_reason, CP_KEEP_ALIVE_HANDOVER);
	cr_assert_str_eq(m->u.keep_alive_req.delivery_node_id, "aa:bb:cc:dd:ee:02",
			 "the new AP's BSSID");
	cr_assert(paused);
}

Test(ccm, mtu_change_is_an_update_without_handover)
{
	struct mc_iface_obs smaller = ww_up;
	const struct cp_msg *m;
	unsigned mark;

	bring_up(0);
	mark = n_sent;
	smaller.mtu = 1280;
	mc_ccm_iface(ccm, 1, &smaller, 100);
	m = mct_last(CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_UPDATE);
	cr_assert_eq(m->u.reconf_req.mtu_size, 1280);
	cr_assert_eq(find_sent(mark, CP_MSG_KEEP_ALIVE_REQ), -1);
	cr_assert_not(paused);
	cr_assert_eq(ul_mtu[1], 1280, "the data path fragments to the new MTU");
}

Test(ccm, interface_down_at_setup_is_set_up_when_it_comes)
{
	struct mc_iface_obs down = ww_up;
	uint32_t seq;
	unsigned mark;

	down.up = false;
	mc_ccm_iface(ccm, 1, &down, 0);
	seq = to_caps(0);
	mark = to_setup(0, seq);
	cr_assert_eq(count_sent(mark, CP_MSG_RECONF_REQ), 1, "only the interface that is up");
	answer_reconfs(0, mark);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
	mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(msg.u.up_setup_cnf.n_client_params, 2, "every port is announced");
	cr_assert_not(ul_ok[1]);
	mark = n_sent;
	mc_ccm_iface(ccm, 1, &ww_up, 50);
	cr_assert_eq(mct_sent_msg((unsigned)find_sent(mark, CP_MSG_RECONF_REQ), CP_MSG_RECONF_REQ)
			     ->u.reconf_req.reconf_action, CP_RECONF_SETUP);
	answer_reconfs(60, mark);
	cr_assert(ul_ok[1]);
}

Test(ccm, new_port_is_confirmed_again)
{
	const struct cp_msg *m;

	bring_up(0);
	mc_ccm_set_port(ccm, 1, 6001, 10);
	m = mct_last(CP_MSG_UP_SETUP_CNF);
	cr_assert_eq(m->u.up_setup_cnf.client_params[1].adapt_param.udp_adapt_port, 6001);
}

/* ---- transport loss ----------------------------------------------------------------- */

Test(ccm, transport_loss_resumes_the_session)
{
	struct mc_iface_obs down = ww_up;
	const struct cp_msg *m;
	unsigned mark;

	bring_up(0);
	mc_ccm_on_close(ccm, 100);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DETACHED);
	cr_assert(ul_ok[0] && ul_ok[1], "the data path goes on while the NCM keeps the session");
	down.up = false;
	mc_ccm_iface(ccm, 1, &down, 150); /* changes while detached */
	mark = n_sent;
	mc_ccm_on_open(ccm, 200);
	m = mct_last(CP_MSG_CAPABILITY_REQ);
	cr_assert(m->has_unique_session_id, "the session is presented");
	cr_assert_eq(m->unique_session_id.session_id, SID);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_RESUMING);
	mct_ncm(210, cap_rsp_fmt, m->sequence_num, SID, 2u, two_conns, "true");
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_ACTIVE);
	cr_assert_eq(find_sent(mark, CP_MSG_CAPABILITY_ACK), -1,
		     "a resumed session is not acknowledged again");
	m = mct_last(CP_MSG_RECONF_REQ);
	cr_assert_eq(m->u.reconf_req.reconf_action, CP_RECONF_RELEASE,
		     "what changed meanwhile is told");
	cr_assert_eq(m->u.reconf_req.connection_id, 3);
}

Test(ccm, resumption_refused_starts_a_new_session)
{
	const struct cp_msg *m;

	bring_up(0);
	mc_ccm_on_close(ccm, 100);
	mc_ccm_on_open(ccm, 200);
	m = mct_last(CP_MSG_CAPABILITY_REQ);
	mct_ncm(210, "{\"version\":\"1.0\",\"message_type\":\"mx_error\",\"sequence_num\":%u,"
		     "\"error\":{\"message_type\":\"mx_capability_req\","
		     "\"field\":\"unique_session_id\","
		     "\"reason\":\"unknown session 777 of NCM 42\"}}", m->sequence_num);
	mct_last(CP_MSG_DISCOVER);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_DISCOVER);
	cr_assert_eq(mc_ccm_session_id(ccm), 0);
	cr_assert_not(ul_ok[0] || ul_ok[1]);
}

Test(ccm, transport_loss_during_bring_up_starts_over)
{
	uint32_t seq = to_caps(0);

	mct_ncm(0, cap_rsp_fmt, seq, SID, 2u, two_conns, "true");
	mc_ccm_on_close(ccm, 10);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_IDLE);
	mc_ccm_tick(ccm, 5000);
	mc_ccm_on_open(ccm, 6000);
	mct_last(CP_MSG_DISCOVER);
	cr_assert_eq(mc_ccm_session_id(ccm), 0);
}

Test(ccm, transport_loss_while_terminating_fails)
{
	bring_up(0);
	mc_ccm_terminate(ccm, 10);
	mc_ccm_on_close(ccm, 20);
	cr_assert_eq(mc_ccm_state(ccm), MC_CCM_FAILED);
	cr_assert(strstr(reason_ev, "closed") != NULL, "%s", reason_ev);
}
