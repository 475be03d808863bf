/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM state machine (controlplane/cp_ncm.c) against a fake transport
 * and a fake data plane (fake_dp.c) that records every dp_api.h call:
 * every procedure of RFC 8743 section 8, out-of-order messages,
 * retransmission and timeout, keep-alive death, MX_REJECT, termination from
 * both sides, bad input, resumption and the policy.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_config.h"
#include "cp_msg.h"
#include "cp_ncm.h"
#include "cp_policy.h"
#include "cp_test_io.h"
#include "dp_config.h"
#include "fake_dp.h"

static const char *const gw_json =
	CP_TEST_GW_HEAD("198.51.100.1", "")
	"    \"session\": { \"probe_interval_ms\": 100 },"
	"    \"policy\": { \"interval_ms\": 500, \"probe_fail\": 3, \"hold_down_ms\": 2000 },"
	"    \"ssids\": [\"operator-wifi\", \"12345\"] } }";

static struct fake_dp fdp;
static struct cp_config ccfg;
static struct cp_ncm *ncm;
static struct cp_msg msg; /* last decoded */

static void setup_json(const char *json)
{
	static struct dp_config dpc;
	char err[256];
	struct cp_ncm_io io = { .send = cp_test_io_send, .close = cp_test_io_close,
				.random = cp_test_io_random };

	memset(&fdp, 0, sizeof(fdp));
	cp_test_io_reset();
	cr_assert_eq(dp_config_parse(json, strlen(json), &dpc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &ccfg, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert(ccfg.enabled);
	ncm = cp_ncm_create(&ccfg, FAKE_DP_CTX(&fdp), &io);
	cr_assert_not_null(ncm);
}

static void setup(void)
{
	setup_json(gw_json);
}

static void teardown(void)
{
	cp_ncm_destroy(ncm);
	cp_test_io_reset();
}

TestSuite(ncm, .init = setup, .fini = teardown);

/* ---- helpers ---------------------------------------------------------------- */

#define rx(conn, now, ...) cp_test_rx(ncm, conn, now, __VA_ARGS__)

/* Decodes sent message i into msg and checks its type. */
static const struct cp_msg *sent_msg(unsigned i, enum cp_msg_type type)
{
	struct cp_msg_error err;

	cr_assert_lt(i, cp_n_sent, "message %u was not sent (%u sent)", i, cp_n_sent);
	cr_assert_eq(cp_msg_decode(cp_sent[i].text, strlen(cp_sent[i].text), NULL, &msg, &err), 0,
		     "sent message does not decode: %s: %s", err.field, err.reason);
	cr_assert_eq(msg.type, type, "sent %s, expected %s: %s", cp_msg_type_name(msg.type),
		     cp_msg_type_name(type), cp_sent[i].text);
	return &msg;
}

/* The last message sent, of the given type. */
static const struct cp_msg *last(enum cp_msg_type type)
{
	cr_assert_gt(cp_n_sent, 0);
	return sent_msg(cp_n_sent - 1, type);
}

/* Index of the first message of a type sent at or after `from`, or -1. */
static int find_sent(unsigned from, enum cp_msg_type type)
{
	struct cp_msg_error err;

	for (unsigned i = from; i < cp_n_sent; i++)
		if (cp_msg_decode(cp_sent[i].text, strlen(cp_sent[i].text), NULL, &msg, &err) == 0 &&
		    msg.type == type)
			return (int)i;
	return -1;
}

#define USID CP_TEST_USID

static const char *const cap_req = CP_TEST_CAP_REQ;

/* Capability exchange on conn; returns the session ID. */
static uint32_t caps(uint64_t conn, uint64_t now)
{
	const struct cp_msg *m;

	cp_ncm_on_open(ncm, conn, "192.0.2.10:40000", now);
	cp_ncm_on_text(ncm, conn, cap_req, strlen(cap_req), now);
	m = last(CP_MSG_CAPABILITY_RSP);
	cr_assert_eq(m->sequence_num, 3);
	cr_assert(m->has_unique_session_id);
	cr_assert_eq(m->unique_session_id.ncm_id, 7);
	cr_assert_neq(m->unique_session_id.session_id, 0);
	return m->unique_session_id.session_id;
}

/* Through ACK, reconf of both connections and UP setup: ACTIVE. */
static uint32_t bring_up(uint64_t conn, uint64_t now)
{
	uint32_t id = caps(conn, now);
	const struct cp_msg *m;
	uint32_t seq;

	rx(conn, now, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		      "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id);
	m = last(CP_MSG_UP_SETUP_CONF_REQ);
	seq = m->sequence_num;
	rx(conn, now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		      USID ",\"reconf_action\":\"setup\",\"connection_id\":0,"
		      "\"ip_address\":\"192.0.2.10\",\"mtu_size\":1500}", 7, id);
	last(CP_MSG_RECONF_RSP);
	rx(conn, now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":5,"
		      USID ",\"reconf_action\":\"setup\",\"connection_id\":3,"
		      "\"ip_address\":\"198.51.100.10\",\"mtu_size\":1400}", 7, id);
	last(CP_MSG_RECONF_RSP);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_ADD), 0, "no data-plane session before the cnf");
	rx(conn, now, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		      USID ",\"probe_param\":{\"probe_port\":5999,\"anchor_conn_id\":15},"
		      "\"num_delivery_conn\":2,\"client_params\":["
		      "{\"connection_id\":0,\"adapt_param\":{\"udp_adapt_port\":5000}},"
		      "{\"connection_id\":3,\"adapt_param\":{\"udp_adapt_port\":5001}}]}",
	   seq, 7, id);
	return id;
}

/* The CCM answers every traffic steering request sent so far. */
static void answer_steering(uint64_t conn, uint64_t now, uint32_t id)
{
	static unsigned answered;
	struct cp_msg_error err;

	if (answered > cp_n_sent)
		answered = 0;
	for (; answered < cp_n_sent; answered++) {
		uint32_t seq;

		if (cp_msg_decode(cp_sent[answered].text, strlen(cp_sent[answered].text), NULL, &msg,
				  &err) != 0 || msg.type != CP_MSG_TRAFFIC_STEERING_REQ)
			continue;
		seq = msg.sequence_num;
		rx(conn, now, "{\"version\":\"1.0\",\"message_type\":\"mx_traffic_steering_rsp\","
			      "\"sequence_num\":%u," USID ",\"feature_active\":[]}", seq, 7, id);
	}
}

/* ---- procedures ------------------------------------------------------------- */

Test(ncm, discover_answers_system_info_with_the_endpoint)
{
	const struct cp_msg *m;

	cp_ncm_on_open(ncm, 1, "192.0.2.10:40000", 0);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_discover\",\"sequence_num\":\"1\"}");
	m = last(CP_MSG_SYSTEM_INFO);
	cr_assert_eq(m->sequence_num, 1);
	cr_assert_eq(m->u.system_info.n_ncm_connections, 1);
	cr_assert_eq(m->u.system_info.ncm_connections[0].connection_id, 15);
	cr_assert_str_eq(m->u.system_info.ncm_connections[0].ncm_end_point.ip_address, "192.0.2.1");
	cr_assert_eq(m->u.system_info.ncm_connections[0].ncm_end_point.port, 8765);
	cr_assert_eq(cp_sent[cp_n_sent - 1].conn, 1);
}

Test(ncm, capability_response_lists_what_the_gateway_offers)
{
	const struct cp_msg *m;

	caps(1, 0);
	m = last(CP_MSG_CAPABILITY_RSP);
	cr_assert_eq(m->u.capability_rsp.n_delivery_connections, 2);
	cr_assert_eq(m->u.capability_rsp.delivery_connections[1].connection_id, 3);
	cr_assert_eq(m->u.capability_rsp.delivery_connections[1].connection_type, CP_CONN_LTE);
	cr_assert_eq(m->u.capability_rsp.anchor_connections[0].connection_id, 15);
	bool gma = false, other = false;

	for (unsigned i = 0; i < m->u.capability_rsp.n_convergence_methods; i++) {
		if (m->u.capability_rsp.convergence_methods[i].method == CP_CONV_GMA)
			gma = m->u.capability_rsp.convergence_methods[i].supported;
		else
			other |= m->u.capability_rsp.convergence_methods[i].supported;
	}
	cr_assert(gma);
	cr_assert_not(other);
}

Test(ncm, session_ids_are_unique_and_not_sequential)
{
	uint32_t a = caps(1, 0), b = caps(2, 0), c = caps(3, 0);

	cr_assert_neq(a, b);
	cr_assert_neq(b, c);
	cr_assert_neq(b - a, c - b, "IDs %u %u %u look sequential", a, b, c);
}

Test(ncm, full_bring_up_programs_the_data_plane)
{
	uint32_t id;
	const struct dp_session_cfg *s;
	const struct cp_msg *m;
	int i;

	id = caps(1, 0);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		 "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id);
	m = last(CP_MSG_UP_SETUP_CONF_REQ);
	/* The anchor address comes from the pool; tunnel endpoints from the ports. */
	cr_assert(m->u.up_setup_conf_req.anchor_connections[0].has_vnic_info);
	cr_assert_str_eq(m->u.up_setup_conf_req.anchor_connections[0].vnic_info.ip, "10.9.0.2");
	const struct cp_convergence_config *cc =
		&m->u.up_setup_conf_req.anchor_connections[0].convergence_config[0];
	cr_assert_eq(cc->convergence_method, CP_CONV_GMA);
	cr_assert_eq(cc->n_delivery_connections, 2);
	cr_assert_str_eq(cc->delivery_connections[0].adaptation_method_param.tunnel_ip_addr,
			 "192.0.2.1");
	cr_assert_eq(cc->delivery_connections[0].adaptation_method_param.tunnel_end_port, 10020);
	cr_assert_str_eq(cc->delivery_connections[1].adaptation_method_param.tunnel_ip_addr,
			 "198.51.100.1");
	cr_assert_eq(cc->delivery_connections[1].adaptation_method_param.tunnel_end_port, 10021);
	teardown();
	setup();

	id = bring_up(1, 0);
	i = fake_dp_last(&fdp, FAKE_ADD, id);
	cr_assert_geq(i, 0, "the confirmation creates the data-plane session");
	s = fake_dp_session(&fdp, id);
	cr_assert_not_null(s);
	cr_assert_eq(s->anchor_ip, 0x0A090002u);
	cr_assert_eq(s->n_paths, 2);
	cr_assert_eq(s->paths[0].conn_id, 0);
	cr_assert_eq(s->paths[0].client_ip, 0xC000020Au);
	cr_assert_eq(s->paths[0].client_port, 5000);
	cr_assert_eq(s->paths[0].gw_port, 10020);
	cr_assert_eq(s->paths[1].conn_id, 3);
	cr_assert_eq(s->paths[1].client_ip, 0xC633640Au);
	cr_assert_eq(s->paths[1].client_port, 5001);
	cr_assert_eq(s->paths[1].mtu, 1400);
	cr_assert_eq(s->paths[1].gw_port, 10021);
	cr_assert(s->paths[0].up && s->paths[1].up);
	cr_assert_eq(s->probe_interval_ms, 100);
	/* Then: steering, measurement configuration, path estimation. */
	int k = find_sent(0, CP_MSG_TRAFFIC_STEERING_REQ);

	cr_assert_geq(k, 0);
	sent_msg((unsigned)k, CP_MSG_TRAFFIC_STEERING_REQ);
	cr_assert_eq(msg.u.traffic_steering_req.connection_id, 15);
	cr_assert_eq(msg.u.traffic_steering_req.n_downlink_delivery, 1);
	cr_assert_eq(msg.u.traffic_steering_req.downlink_delivery[0], 0);
	k = find_sent(0, CP_MSG_MEASUREMENT_CONF);
	cr_assert_geq(k, 0);
	sent_msg((unsigned)k, CP_MSG_MEASUREMENT_CONF);
	cr_assert_eq(msg.u.measurement_conf.n_measurement_configuration, 2);
	cr_assert_eq(msg.u.measurement_conf.measurement_configuration[0].meas_rep_conf[2]
			     .meas_rep_param, CP_MEAS_WLAN_RSSI);
	cr_assert_eq(msg.u.measurement_conf.measurement_configuration[1].meas_rep_conf[2]
			     .meas_rep_param, CP_MEAS_LTE_RSRP);
	k = find_sent(0, CP_MSG_SSID_INDICATION);
	cr_assert_geq(k, 0);
	sent_msg((unsigned)k, CP_MSG_SSID_INDICATION);
	cr_assert_eq(msg.u.ssid_indication.n_ssid_list, 2);
	cr_assert_str_eq(msg.u.ssid_indication.ssid_list[0].ssid_id, "operator-wifi");
	cr_assert_str_eq(msg.u.ssid_indication.ssid_list[1].ssid_id, "12345");
	/* One path estimation request per delivery connection. */
	k = find_sent(0, CP_MSG_PATH_EST_REQ);
	cr_assert_geq(k, 0);
	cr_assert_geq(find_sent((unsigned)k + 1, CP_MSG_PATH_EST_REQ), 0);

	struct cp_ncm_session_info info;

	cr_assert_eq(cp_ncm_session(ncm, id, &info, 0), 0);
	cr_assert_eq(info.state, CP_NCM_ACTIVE);
	cr_assert(info.in_dataplane);
	cr_assert_eq(info.n_conns, 2);
}

Test(ncm, reject_ends_the_session)
{
	uint32_t id = caps(1, 0);
	struct cp_ncm_stats st;

	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		 "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_REJECT\"}", 7, id);
	cr_assert_eq(cp_n_closes, 1);
	cr_assert_eq(cp_closed_conn, 1);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_ADD), 0);
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.sessions, 0);
	cr_assert_eq(st.rejected, 1);
	cr_assert_eq(cp_ncm_session(ncm, id, &(struct cp_ncm_session_info){ 0 }, 0), -ENOENT);
}

Test(ncm, reconfiguration_release_and_update_follow_in_the_data_plane)
{
	uint32_t id = bring_up(1, 0);
	const struct dp_session_cfg *s;

	rx(1, 10, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":9,"
		  USID ",\"reconf_action\":\"release\",\"connection_id\":0}", 7, id);
	last(CP_MSG_RECONF_RSP);
	s = fake_dp_session(&fdp, id);
	cr_assert_not(s->paths[0].up, "released: down in the data plane");
	cr_assert(s->paths[1].up);
	rx(1, 20, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":10,"
		  USID ",\"reconf_action\":\"setup\",\"connection_id\":0,"
		  "\"ip_address\":\"192.0.2.77\",\"mtu_size\":1300}", 7, id);
	s = fake_dp_session(&fdp, id);
	cr_assert(s->paths[0].up);
	cr_assert_eq(s->paths[0].client_ip, 0xC000024Du);
	cr_assert_eq(s->paths[0].mtu, 1300);
	rx(1, 30, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":11,"
		  USID ",\"reconf_action\":\"update\",\"connection_id\":3,\"mtu_size\":1280,"
		  "\"connection_status\":\"disabled\"}", 7, id);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->paths[1].mtu, 1280);
	cr_assert_not(s->paths[1].up);
}

Test(ncm, reconfiguration_of_an_unknown_connection_is_refused)
{
	uint32_t id = bring_up(1, 0);
	unsigned before = fdp.n_calls;
	const struct cp_msg *m;

	rx(1, 10, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":9,"
		  USID ",\"reconf_action\":\"setup\",\"connection_id\":9,"
		  "\"ip_address\":\"192.0.2.77\"}", 7, id);
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "connection_id");
	cr_assert_eq(m->sequence_num, 9);
	cr_assert_eq(fdp.n_calls, before, "nothing changed in the data plane");
}

Test(ncm, messages_out_of_order_are_answered_and_change_nothing)
{
	const struct cp_msg *m;
	uint32_t id;

	cp_ncm_on_open(ncm, 1, "x", 0);
	/* A reconfiguration before any session. */
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		 "\"unique_session_id\":{\"ncm_id\":7,\"session_id\":99},"
		 "\"reconf_action\":\"setup\",\"connection_id\":0}");
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "unique_session_id");
	/* A confirmation before the capability ACK. */
	id = caps(2, 0);
	rx(2, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":5,"
		 USID ",\"num_delivery_conn\":1,\"client_params\":[{\"connection_id\":0,"
		 "\"adapt_param\":{\"udp_adapt_port\":5000}}]}", 7, id);
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "message_type");
	cr_assert(strstr(m->u.error.reason, "caps_sent") != NULL, "%s", m->u.error.reason);
	/* A message only an NCM sends. */
	rx(2, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_rsp\",\"sequence_num\":5}");
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.message_type, "mx_reconf_rsp");
	cr_assert_eq(fdp.n_calls, 0);
	struct cp_ncm_session_info info;

	cr_assert_eq(cp_ncm_session(ncm, id, &info, 0), 0);
	cr_assert_eq(info.state, CP_NCM_CAPS_SENT);
}

Test(ncm, unanswered_request_is_retransmitted_then_the_peer_is_dead)
{
	uint32_t id = caps(1, 0);
	unsigned first = cp_n_sent - 1;
	struct cp_ncm_stats st;

	cp_ncm_tick(ncm, 999);
	cr_assert_eq(cp_n_sent, first + 1, "nothing before MAMS_TIMEOUT");
	cp_ncm_tick(ncm, 1000);
	cr_assert_eq(cp_n_sent, first + 2);
	cr_assert_str_eq(cp_sent[first + 1].text, cp_sent[first].text, "the same request again");
	cp_ncm_tick(ncm, 2000);
	cr_assert_eq(cp_n_sent, first + 3);
	cr_assert_eq(cp_n_closes, 0);
	cp_ncm_tick(ncm, 3000); /* retries (2) exhausted */
	cr_assert_eq(cp_n_closes, 1);
	cr_assert_eq(cp_closed_code, 1001);
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.peers_dead, 1);
	cr_assert_eq(st.retransmits, 2);
	cr_assert_eq(cp_ncm_session(ncm, id, &(struct cp_ncm_session_info){ 0 }, 3000), -ENOENT);
}

Test(ncm, keep_alive_when_idle_and_death_without_answer)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;

	/* The CCM answers the policy's steering requests, all stamped at time
	 * 0: the keep-alive timer runs from there. */
	for (uint64_t t = 0; t < 10000; t += 100) {
		answer_steering(1, 0, id);
		cp_ncm_tick(ncm, t);
	}
	cr_assert_eq(find_sent(0, CP_MSG_KEEP_ALIVE_REQ), -1);
	cp_ncm_tick(ncm, 10000);
	m = last(CP_MSG_KEEP_ALIVE_REQ);
	cr_assert_eq(m->u.keep_alive_req.keep_alive_reason, CP_KEEP_ALIVE_TIMEOUT);
	cr_assert(m->has_unique_session_id);
	/* Answered: the session lives on. */
	rx(1, 10100, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_rsp\","
		     "\"sequence_num\":%u," USID "}", m->sequence_num, 7, id);
	for (uint64_t t = 10100; t < 20100; t += 100) {
		answer_steering(1, 10100, id);
		cp_ncm_tick(ncm, t);
	}
	cr_assert_not_null(fake_dp_session(&fdp, id));
	/* Not answered: removed from the data plane after the retries. */
	for (uint64_t t = 20100; t < 24000; t += 100) {
		answer_steering(1, 10100, id);
		cp_ncm_tick(ncm, t);
	}
	cr_assert_null(fake_dp_session(&fdp, id));
	cr_assert_geq(fake_dp_last(&fdp, FAKE_REMOVE, id), 0);
	cr_assert_eq(cp_closed_code, 1001);
}

Test(ncm, any_message_resets_the_keep_alive_timer)
{
	uint32_t id = bring_up(1, 0);

	for (uint64_t t = 0; t < 30000; t += 1000) {
		rx(1, t, "{\"version\":\"1.0\",\"message_type\":\"mx_measurement_report\","
			 "\"sequence_num\":11," USID ",\"measurement_reports\":[{"
			 "\"connection_id\":0,\"connection_type\":\"Wi-Fi\",\"measurements\":["
			 "{\"measurement_type\":\"DL_TPUT\",\"measurement_value\":40}]}]}", 7, id);
		cp_ncm_tick(ncm, t);
	}
	cr_assert_eq(find_sent(0, CP_MSG_KEEP_ALIVE_REQ), -1);
}

Test(ncm, keep_alive_handover_is_answered)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;

	rx(1, 5, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_req\",\"sequence_num\":12,"
		 USID ",\"keep_alive_reason\":\"Handover\",\"connection_id\":0,"
		 "\"delivery_node_id\":\"ap-2\"}", 7, id);
	m = last(CP_MSG_KEEP_ALIVE_RSP);
	cr_assert_eq(m->sequence_num, 12);
	cr_assert_eq(m->unique_session_id.session_id, id);
}

Test(ncm, termination_by_the_ccm)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;

	rx(1, 5, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_req\","
		 "\"sequence_num\":13," USID ",\"reason\":\"MX_NORMAL_RELEASE\"}", 7, id);
	m = last(CP_MSG_SESSION_TERMINATION_RSP);
	cr_assert_eq(m->sequence_num, 13);
	cr_assert_null(fake_dp_session(&fdp, id));
	cr_assert_eq(cp_ncm_session(ncm, id, &(struct cp_ncm_session_info){ 0 }, 5), -ENOENT);
}

Test(ncm, termination_by_the_ncm)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;

	cr_assert_eq(cp_ncm_terminate(ncm, id, 5), 0);
	m = last(CP_MSG_SESSION_TERMINATION_REQ);
	cr_assert_eq(m->u.session_termination_req.reason, CP_TERM_MX_NORMAL_RELEASE);
	cr_assert_null(fake_dp_session(&fdp, id), "the data plane stops at once");
	cr_assert_eq(cp_ncm_session(ncm, id, &(struct cp_ncm_session_info){ 0 }, 5), 0);
	rx(1, 6, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_rsp\","
		 "\"sequence_num\":%u," USID "}", m->sequence_num, 7, id);
	cr_assert_eq(cp_ncm_session(ncm, id, &(struct cp_ncm_session_info){ 0 }, 6), -ENOENT);
	cr_assert_eq(cp_ncm_terminate(ncm, id, 7), -ENOENT);
}

Test(ncm, malformed_input_is_answered_and_other_sessions_continue)
{
	uint32_t a = bring_up(1, 0);
	const struct cp_msg *m;
	struct cp_ncm_stats st;

	cp_ncm_on_open(ncm, 2, "y", 0);
	rx(2, 1, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		 USID ",\"reconf_action\":\"setup\",\"connection_id\":\"zero\"}", 7, a);
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "connection_id");
	cr_assert_eq(cp_sent[cp_n_sent - 1].conn, 2);
	rx(2, 1, "{\"version\":\"1.0\",\"message_type\":\"mx_bogus\",\"sequence_num\":4}");
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "message_type");
	rx(2, 1, "{not json");
	cr_assert_eq(cp_closed_conn, 2);
	cr_assert_eq(cp_closed_code, 1007);
	/* Session a is untouched and still answers. */
	rx(1, 2, "{\"version\":\"1.0\",\"message_type\":\"mx_keep_alive_req\",\"sequence_num\":12,"
		 USID ",\"keep_alive_reason\":\"Timeout\"}", 7, a);
	cr_assert_eq(last(CP_MSG_KEEP_ALIVE_RSP)->unique_session_id.session_id, a);
	cr_assert_eq(cp_sent[cp_n_sent - 1].conn, 1);
	cr_assert_not_null(fake_dp_session(&fdp, a));
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.decode_errors, 2);
	cr_assert_eq(st.protocol_closes, 1);
}

Test(ncm, another_sessions_id_on_a_connection_is_refused)
{
	uint32_t a = bring_up(1, 0);
	uint32_t b = caps(2, 0);
	const struct cp_msg *m;

	(void)b;
	rx(2, 1, "{\"version\":\"1.0\",\"message_type\":\"mx_session_termination_req\","
		 "\"sequence_num\":13," USID ",\"reason\":\"MX_NORMAL_RELEASE\"}", 7, a);
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "unique_session_id");
	cr_assert_not_null(fake_dp_session(&fdp, a), "a is not terminated by b's connection");
}

Test(ncm, resumption_on_a_new_connection_keeps_the_session)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;
	struct cp_ncm_session_info info;
	char req[2048];

	cp_ncm_on_close(ncm, 1, 100);
	cr_assert_eq(cp_ncm_session(ncm, id, &info, 100), 0);
	cr_assert_not(info.attached);
	cr_assert_not_null(fake_dp_session(&fdp, id), "traffic continues while detached");
	cp_ncm_on_open(ncm, 5, "z", 200);
	snprintf(req, sizeof(req), "%.*s," USID "}", (int)strlen(cap_req) - 1, cap_req, 7, id);
	rx(5, 200, "%s", req);
	m = last(CP_MSG_CAPABILITY_RSP);
	cr_assert_eq(m->unique_session_id.session_id, id);
	cr_assert_eq(cp_ncm_session(ncm, id, &info, 200), 0);
	cr_assert(info.attached);
	cr_assert_eq(info.state, CP_NCM_ACTIVE);
	/* An unknown session is refused. */
	snprintf(req, sizeof(req), "%.*s," USID "}", (int)strlen(cap_req) - 1, cap_req, 7, id ^ 1u);
	rx(5, 200, "%s", req);
	m = last(CP_MSG_ERROR);
	cr_assert_str_eq(m->u.error.field, "unique_session_id");
}

Test(ncm, detached_session_expires)
{
	uint32_t id = bring_up(1, 0);
	struct cp_ncm_stats st;

	cp_ncm_on_close(ncm, 1, 100);
	cp_ncm_tick(ncm, 100 + ccfg.detach_ms - 1);
	cr_assert_not_null(fake_dp_session(&fdp, id));
	cp_ncm_tick(ncm, 100 + ccfg.detach_ms);
	cr_assert_null(fake_dp_session(&fdp, id));
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.detach_expired, 1);
	cr_assert_eq(st.sessions, 0);
}

Test(ncm, analytics_are_computed_from_measurements)
{
	uint32_t id = bring_up(1, 0);
	const struct cp_msg *m;

	fdp.stats.paths[0].rtt_us = 20000;
	fdp.stats.paths[0].owd_jitter_ms = 3;
	rx(1, 5, "{\"version\":\"1.0\",\"message_type\":\"mx_network_analytics_req\","
		 "\"sequence_num\":20," USID ",\"params\":[\"latency\",\"jitter\"]}", 7, id);
	m = last(CP_MSG_NETWORK_ANALYTICS_RSP);
	cr_assert_eq(m->u.network_analytics_rsp.n_param_list, 2);
	const struct cp_param_list *pl = &m->u.network_analytics_rsp.param_list[0];

	cr_assert_eq(pl->connection_id, 0);
	cr_assert_eq(pl->n_predictions, 2);
	cr_assert_eq(pl->predictions[0].param_name, CP_ANALYTICS_LATENCY);
	cr_assert_float_eq(pl->predictions[0].prediction, 0.010, 1e-9);
	cr_assert_eq(pl->predictions[1].param_name, CP_ANALYTICS_JITTER);
	cr_assert_float_eq(pl->predictions[1].prediction, 0.003, 1e-9);
	/* The LTE path has no RTT yet: no latency prediction for it. */
	cr_assert_eq(m->u.network_analytics_rsp.param_list[1].n_predictions, 1);
}

Test(ncm, app_madp_association_is_answered)
{
	uint32_t id = bring_up(1, 0);

	rx(1, 5, "{\"version\":\"1.0\",\"message_type\":\"mx_app_madp_assoc_req\","
		 "\"sequence_num\":6," USID ",\"app_madp_assoc_list\":[{\"connection_id\":15,"
		 "\"mx_configuration_id\":1,\"ul_tft_list\":[{\"protocol_type\":6}],"
		 "\"dl_tft_list\":[{\"protocol_type\":6}]}]}", 7, id);
	cr_assert(last(CP_MSG_APP_MADP_ASSOC_RSP)->u.app_madp_assoc_rsp.is_success);
	rx(1, 5, "{\"version\":\"1.0\",\"message_type\":\"mx_app_madp_assoc_req\","
		 "\"sequence_num\":7," USID ",\"app_madp_assoc_list\":[{\"connection_id\":2,"
		 "\"mx_configuration_id\":1,\"ul_tft_list\":[{\"protocol_type\":6}],"
		 "\"dl_tft_list\":[{\"protocol_type\":6}]}]}", 7, id);
	cr_assert_not(last(CP_MSG_APP_MADP_ASSOC_RSP)->u.app_madp_assoc_rsp.is_success);
}

/* ---- the policy ------------------------------------------------------------- */

Test(ncm, policy_splits_by_reported_throughput_and_leaves_a_failing_path)
{
	uint32_t id = bring_up(1, 0);
	const struct dp_session_cfg *s;
	const struct cp_msg *m;
	unsigned before;

	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_measurement_report\","
		 "\"sequence_num\":11," USID ",\"measurement_reports\":["
		 "{\"connection_id\":0,\"connection_type\":\"Wi-Fi\",\"measurements\":["
		 "{\"measurement_type\":\"DL_TPUT\",\"measurement_value\":75}]},"
		 "{\"connection_id\":3,\"connection_type\":\"LTE\",\"measurements\":["
		 "{\"measurement_type\":\"DL_TPUT\",\"measurement_value\":25}]}]}", 7, id);
	fdp.stats.paths[0].probes_sent = 1;
	fdp.stats.paths[0].probe_acks = 1;
	cp_ncm_tick(ncm, 500);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->flows[0].steer.n, 2);
	cr_assert_eq(s->flows[0].steer.weight[0], 75);
	cr_assert_eq(s->flows[0].steer.weight[1], 25);
	m = last(CP_MSG_TRAFFIC_STEERING_REQ);
	cr_assert_eq(m->u.traffic_steering_req.n_downlink_delivery, 2);

	/* Wi-Fi probes stop being answered: everything moves to LTE. */
	before = cp_n_sent;
	fdp.stats.paths[0].probes_sent = 5;
	cp_ncm_tick(ncm, 1000);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->flows[0].steer.mode, GMA_STEER_SWITCH);
	cr_assert_eq(s->paths[s->flows[0].steer.path[0]].conn_id, 3);
	cr_assert_gt(cp_n_sent, before);
	m = last(CP_MSG_TRAFFIC_STEERING_REQ);
	cr_assert_eq(m->u.traffic_steering_req.n_downlink_delivery, 1);
	cr_assert_eq(m->u.traffic_steering_req.downlink_delivery[0], 3);

	/* Answers again: back to the split only after the hold-down time. */
	fdp.stats.paths[0].probe_acks = 2;
	cp_ncm_tick(ncm, 1500);
	cr_assert_eq(fake_dp_session(&fdp, id)->flows[0].steer.mode, GMA_STEER_SWITCH);
	cp_ncm_tick(ncm, 3500);
	cr_assert_eq(fake_dp_session(&fdp, id)->flows[0].steer.mode, GMA_STEER_SPLIT);
}

Test(ncm, policy_ignores_small_changes)
{
	uint32_t id = bring_up(1, 0);
	unsigned updates;

	fdp.stats.paths[0].rtt_us = 10000;
	fdp.stats.paths[1].rtt_us = 10000;
	cp_ncm_tick(ncm, 500);
	cr_assert_eq(fake_dp_session(&fdp, id)->flows[0].steer.weight[0], 50);
	updates = fake_dp_count(&fdp, FAKE_UPDATE);
	fdp.stats.paths[1].rtt_us = 10500; /* 5 % slower: below min_change_pct */
	cp_ncm_tick(ncm, 1000);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_UPDATE), updates);
	fdp.stats.paths[1].rtt_us = 30000; /* three times slower */
	cp_ncm_tick(ncm, 1500);
	cr_assert_gt(fake_dp_count(&fdp, FAKE_UPDATE), updates);
	cr_assert_eq(fake_dp_session(&fdp, id)->flows[0].steer.weight[0], 75);
}

/* ---- configuration ---------------------------------------------------------- */

Test(ncm_config, errors_name_the_field)
{
	static struct dp_config dpc;
	struct cp_config c;
	char err[256], json[4096];

	cr_assert_eq(dp_config_parse(gw_json, strlen(gw_json), &dpc, err, sizeof(err)), 0, "%s",
		     err);
	snprintf(json, sizeof(json), "%s", gw_json);
	char *p = strstr(json, "\"port\": \"lte\"");

	cr_assert_not_null(p);
	memcpy(p, "\"port\": \"xxx\"", 13);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ncm.delivery[1].port") != NULL, "%s", err);
	snprintf(json, sizeof(json), "%s", gw_json);
	p = strstr(json, "\"retries\": 2");
	memcpy(p, "\"retriez\": 2", 12);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ncm.timers") != NULL && strstr(err, "retriez") != NULL, "%s", err);
	snprintf(json, sizeof(json), "%s", gw_json);
	p = strstr(json, "\"gw_port\": 10021");
	memcpy(p, "\"gw_port\": 10022", 16);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ncm.delivery[1].gw_port") != NULL, "%s", err);
}

Test(ncm_config, defaults_without_optional_sections)
{
	static struct dp_config dpc;
	struct cp_config c;
	char err[256];
	const char *json =
		"{ \"ports\": ["
		"  { \"name\": \"wifi\", \"device\": \"net_null0\", \"role\": \"access\","
		"    \"ipv4\": \"192.0.2.1\", \"next_hop_mac\": \"02:00:00:00:01:02\","
		"    \"gma_udp_ports\": [10020] },"
		"  { \"name\": \"core\", \"device\": \"net_null2\", \"role\": \"core\","
		"    \"ipv4\": \"203.0.113.1\", \"next_hop_mac\": \"02:00:00:00:03:02\" } ],"
		"  \"ncm\": { \"delivery\": [ { \"connection_id\": 0, \"connection_type\": \"Wi-Fi\","
		"    \"port\": \"wifi\" } ] } }";

	cr_assert_eq(dp_config_parse(json, strlen(json), &dpc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(c.enabled);
	cr_assert_eq(c.timeout_ms, 3000);
	cr_assert_eq(c.retries, 3);
	cr_assert_eq(c.keep_alive_ms, 60000);
	cr_assert_eq(c.detach_ms, 12000);
	cr_assert_eq(c.max_message, 65536);
	cr_assert_eq(c.listen_port, 8765);
	cr_assert_eq(c.endpoint_ip, 0x7F000001u);
	cr_assert_eq(c.delivery[0].gw_port, 10020);
	cr_assert_eq(c.tmpl.n_flows, 1);
	cr_assert_eq(c.auto_flows, 1);
}

Test(ncm, resuming_another_session_detaches_the_first)
{
	uint32_t a = bring_up(1, 0);
	uint32_t b = caps(2, 0);
	struct cp_ncm_session_info ia, ib;
	char req[2048];

	cp_ncm_on_close(ncm, 2, 10);
	snprintf(req, sizeof(req), "%.*s," USID "}", (int)strlen(cap_req) - 1, cap_req, 7, b);
	rx(1, 20, "%s", req);
	cr_assert_eq(last(CP_MSG_CAPABILITY_RSP)->unique_session_id.session_id, b);
	cr_assert_eq(cp_ncm_session(ncm, a, &ia, 20), 0);
	cr_assert_eq(cp_ncm_session(ncm, b, &ib, 20), 0);
	cr_assert_not(ia.attached, "a lost its connection to b");
	cr_assert(ib.attached);
	cp_ncm_tick(ncm, 20 + ccfg.detach_ms);
	cr_assert_eq(cp_ncm_session(ncm, a, &ia, 20 + ccfg.detach_ms), -ENOENT);
	cr_assert_null(fake_dp_session(&fdp, a));
}

Test(ncm, learnt_endpoints_survive_updates)
{
	char json[4096];
	char *p;
	struct dp_session_cfg *s;
	uint32_t id;

	teardown();
	snprintf(json, sizeof(json), "%s", gw_json);
	p = strstr(json, "\"probe_interval_ms\": 100");
	cr_assert_not_null(p);
	memcpy(p, "\"uplink_match\": \"client\"", 24); /* same length */
	setup_json(json);
	cr_assert(ccfg.tmpl.ul_match_client);
	id = bring_up(1, 0);
	cr_assert(fake_dp_session(&fdp, id)->ul_match_client);
	/* The data plane learns a new port for LTE (NAT rebinding)... */
	s = (struct dp_session_cfg *)fake_dp_session(&fdp, id);
	s->paths[1].client_port = 40001;
	/* ...and a reconfiguration of Wi-Fi must not undo it. */
	rx(1, 10, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":9,"
		  USID ",\"reconf_action\":\"update\",\"connection_id\":0,\"mtu_size\":1300}", 7, id);
	s = (struct dp_session_cfg *)fake_dp_session(&fdp, id);
	cr_assert_eq(s->paths[0].mtu, 1300);
	cr_assert_eq(s->paths[1].client_port, 40001);
	/* A new address reported by the client wins. */
	rx(1, 20, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":10,"
		  USID ",\"reconf_action\":\"update\",\"connection_id\":3,"
		  "\"ip_address\":\"198.51.100.99\"}", 7, id);
	s = (struct dp_session_cfg *)fake_dp_session(&fdp, id);
	cr_assert_eq(s->paths[1].client_ip, 0xC6336463u);
}

Test(ncm_config, the_example_configuration_parses)
{
	static struct dp_config dpc;
	struct cp_config c;
	char err[256];

	cr_assert_eq(dp_config_load(MAMSGW_SOURCE_ROOT "/config/mamsgw.json", &dpc, err,
				    sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_load(MAMSGW_SOURCE_ROOT "/config/mamsgw.json", &dpc, &c, err,
				    sizeof(err)), 0, "%s", err);
	cr_assert(c.enabled);
	cr_assert_eq(c.n_delivery, 2);
	cr_assert_eq(c.delivery[1].connection_id, 3);
	cr_assert_eq(c.delivery[1].gw_port, 10021);
	cr_assert_eq(c.listen_port, 8765);
	cr_assert(c.tmpl.ul_match_client);
	cr_assert_eq(c.n_ssids, 1);
}

/* Failure detection from probe counters: fast for a dead short path, not
 * fooled by a long path's probes in flight or by a path's first probes. */
Test(ncm_policy, probe_failure_detection)
{
	struct cp_policy_cfg cfg = { .interval_ms = 50, .probe_fail = 3, .hold_down_ms = 1000 };
	struct cp_probe_track t = { 0 };

	/* Before the first answer: 4 x probe_fail probes of grace. */
	cr_assert_not(cp_policy_probe_update(&cfg, &t, 11, 0, 0, 550));
	cr_assert(cp_policy_probe_update(&cfg, &t, 12, 0, 0, 600));
	cr_assert(t.failing);
	/* Answers: back after the hold-down only. */
	cr_assert_not(cp_policy_probe_update(&cfg, &t, 13, 1, 20000, 650));
	cr_assert(t.failing);
	cr_assert(cp_policy_probe_update(&cfg, &t, 40, 5, 20000, 1600));
	cr_assert_not(t.failing);
	/* A 20 ms path that dies: failing after 3 unanswered probes (150 ms). */
	cr_assert_not(cp_policy_probe_update(&cfg, &t, 42, 5, 20000, 1700));
	cr_assert(cp_policy_probe_update(&cfg, &t, 43, 5, 20000, 1750));
	/* A 300 ms path: 3 probes in flight are not a failure before 600 ms. */
	memset(&t, 0, sizeof(t));
	cr_assert_not(cp_policy_probe_update(&cfg, &t, 10, 1, 300000, 1000));
	cr_assert_not(cp_policy_probe_update(&cfg, &t, 14, 1, 300000, 1200));
	cr_assert_not(t.failing, "answers of a long path may still be in flight");
	cr_assert(cp_policy_probe_update(&cfg, &t, 22, 1, 300000, 1600));
}

/* ---- IPsec adaptation (docs/ipsec.md) ---------------------------------------- */

#include "esp_kdf.h"

static bool rnd_frozen; /* io_random then always returns the same bytes */

static int io_random_maybe_frozen(void *o, void *buf, size_t len)
{
	if (rnd_frozen) {
		memset(buf, 0x42, len);
		return 0;
	}
	return cp_test_io_random(o, buf, len);
}

/* gw_json with IPsec on Wi-Fi (connection 0). */
static void setup_ipsec(const char *ipsec)
{
	static char json[4096];
	char err[256];
	static struct dp_config dpc;
	struct cp_ncm_io io = { .send = cp_test_io_send, .close = cp_test_io_close,
				.random = io_random_maybe_frozen };
	const char *at = "\"port\": \"wifi\" }";
	char *p;

	teardown();
	snprintf(json, sizeof(json), "%s", gw_json);
	p = strstr(json, at);
	cr_assert_not_null(p);
	snprintf(p, sizeof(json) - (size_t)(p - json), "\"port\": \"wifi\", \"ipsec\": %s }%s", ipsec,
		 strstr(gw_json, at) + strlen(at));
	p = strstr(json, "\"ncm_id\": 7,");
	cr_assert_not_null(p);
	{
		const char *ins = "\"ipsec_secret_over_ws\": true, ";
		size_t at_ncm = (size_t)(p - json) + strlen("\"ncm_id\": 7, ");

		cr_assert_lt(strlen(json) + strlen(ins), sizeof(json));
		memmove(json + at_ncm + strlen(ins), json + at_ncm, strlen(json + at_ncm) + 1);
		memcpy(json + at_ncm, ins, strlen(ins));
	}
	memset(&fdp, 0, sizeof(fdp));
	cp_n_sent = 0;
	cp_n_closes = 0;
	rnd_frozen = false;
	cr_assert_eq(dp_config_parse(json, strlen(json), &dpc, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &ccfg, err, sizeof(err)), 0, "%s: %s",
		     err, json);
	ncm = cp_ncm_create(&ccfg, FAKE_DP_CTX(&fdp), &io);
	cr_assert_not_null(ncm);
}

/* The gateway's SAs of connection conn, derived the way a client does. */
static void derive(const char *secret, uint32_t id, uint8_t conn, bool esn,
		   struct dp_ipsec_sa_cfg *in, struct dp_ipsec_sa_cfg *out)
{
	IMB_MGR *mb = alloc_mb_mgr(0);
	struct esp_kdf_ctx ctx = { .ncm_id = 7, .session_id = id, .conn_id = conn,
				   .suite = ESP_SUITE_AES128_GCM, .esn = esn };
	uint8_t km[ESP_KEYMAT_MAX];
	struct esp_sa_cfg c;

	cr_assert_not_null(mb);
	init_mb_mgr_auto(mb, NULL);
	cr_assert_eq(esp_kdf_derive(mb, (const uint8_t *)secret, strlen(secret), &ctx,
				    ESP_DIR_UPLINK, true, km, &c), 0);
	in->spi = c.spi;
	in->keymat_len = (uint8_t)c.keymat_len;
	memcpy(in->keymat, c.keymat, c.keymat_len);
	cr_assert_eq(esp_kdf_derive(mb, (const uint8_t *)secret, strlen(secret), &ctx,
				    ESP_DIR_DOWNLINK, true, km, &c), 0);
	out->spi = c.spi;
	out->keymat_len = (uint8_t)c.keymat_len;
	memcpy(out->keymat, c.keymat, c.keymat_len);
	free_mb_mgr(mb);
}

static bool sa_eq(const struct dp_ipsec_sa_cfg *a, const struct dp_ipsec_sa_cfg *b)
{
	return a->spi == b->spi && a->keymat_len == b->keymat_len &&
	       memcmp(a->keymat, b->keymat, a->keymat_len) == 0;
}

/* The secret of connection conn in the UP setup request msg, or NULL. */
static const char *secret_of(const struct cp_msg *m, uint8_t conn)
{
	const struct cp_convergence_config *cc =
		&m->u.up_setup_conf_req.anchor_connections[0].convergence_config[0];

	for (unsigned i = 0; i < cc->n_delivery_connections; i++) {
		const struct cp_setup_delivery_conn *d = &cc->delivery_connections[i];

		if (d->connection_id != conn)
			continue;
		if (d->adaptation_method != CP_ADAPT_IPSEC)
			return NULL;
		cr_assert(d->adaptation_method_param.has_shared_secret);
		return d->adaptation_method_param.shared_secret;
	}
	cr_assert_fail("connection %u is not in the UP setup", conn);
	return NULL;
}

/* cap_req with IPsec listed as supported. */
static char cap_req_ipsec[2048];

static void use_cap_req_ipsec(void)
{
	const char *udp = "{\"method\":\"UDP_without_DTLS\",\"supported\":true}";
	char *p;

	snprintf(cap_req_ipsec, sizeof(cap_req_ipsec), "%s", cap_req);
	p = strstr(cap_req_ipsec, udp);
	cr_assert_not_null(p);
	snprintf(p + strlen(udp), sizeof(cap_req_ipsec) - (size_t)(p - cap_req_ipsec) - strlen(udp),
		 ",{\"method\":\"IPsec\",\"supported\":true}]}");
}

static uint32_t bring_up_ipsec(uint64_t now, char *secret)
{
	const struct cp_msg *m;
	uint32_t id, seq;

	use_cap_req_ipsec();
	cp_ncm_on_open(ncm, 1, "192.0.2.10:40000", now);
	cp_ncm_on_text(ncm, 1, cap_req_ipsec, strlen(cap_req_ipsec), now);
	m = last(CP_MSG_CAPABILITY_RSP);
	id = m->unique_session_id.session_id;
	bool ipsec_offered = false;

	for (unsigned i = 0; i < m->u.capability_rsp.n_adaptation_methods; i++)
		ipsec_offered |= m->u.capability_rsp.adaptation_methods[i].method == CP_ADAPT_IPSEC &&
				 m->u.capability_rsp.adaptation_methods[i].supported;
	cr_assert(ipsec_offered, "the capability response lists IPsec as supported");
	rx(1, now, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		   "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id);
	m = last(CP_MSG_UP_SETUP_CONF_REQ);
	seq = m->sequence_num;
	snprintf(secret, 64, "%s", secret_of(m, 0));
	cr_assert_null(secret_of(m, 3), "LTE stays UDP_without_DTLS");
	rx(1, now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		   USID ",\"reconf_action\":\"setup\",\"connection_id\":0,"
		   "\"ip_address\":\"192.0.2.10\"}", 7, id);
	rx(1, now, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":5,"
		   USID ",\"reconf_action\":\"setup\",\"connection_id\":3,"
		   "\"ip_address\":\"198.51.100.10\"}", 7, id);
	rx(1, now, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		   USID ",\"num_delivery_conn\":2,\"client_params\":["
		   "{\"connection_id\":0,\"adapt_param\":{\"udp_adapt_port\":5000}},"
		   "{\"connection_id\":3,\"adapt_param\":{\"udp_adapt_port\":5001}}]}",
	   seq, 7, id);
	return id;
}

Test(ncm_ipsec, offered_with_sas_derived_from_a_fresh_secret)
{
	char secret[64];
	struct dp_ipsec_sa_cfg in, out;
	const struct dp_session_cfg *s;
	uint32_t id;

	setup_ipsec("{ \"suite\": \"aes128-gcm\", \"esn\": false }");
	id = bring_up_ipsec(0, secret);
	cr_assert_eq(strlen(secret), 43, "32 random bytes in base64url: %s", secret);
	for (const char *c = secret; *c; c++)
		cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
				 *c) != NULL, "base64url: %s", secret);
	s = fake_dp_session(&fdp, id);
	cr_assert_not_null(s);
	cr_assert_eq(s->n_paths, 2);
	cr_assert(s->paths[0].ipsec.enabled);
	cr_assert_eq(s->paths[0].ipsec.suite, ESP_SUITE_AES128_GCM);
	cr_assert(!s->paths[0].ipsec.esn);
	cr_assert_eq(s->paths[0].ipsec.replay_window, 1024);
	derive(secret, id, 0, false, &in, &out);
	cr_assert(sa_eq(&s->paths[0].ipsec.in, &in), "inbound SA = HKDF(secret), uplink");
	cr_assert(sa_eq(&s->paths[0].ipsec.out, &out), "outbound SA = HKDF(secret), downlink");
	cr_assert_geq(in.spi, 0x80000000u);
	cr_assert_eq(s->paths[0].ipsec.in_prev.spi, 0);
	cr_assert(!s->paths[1].ipsec.enabled, "LTE is plain GMA");

	/* Another session gets another secret. */
	char secret2[64];
	const struct cp_msg *m;

	cp_ncm_on_open(ncm, 2, "192.0.2.11:40000", 0);
	cp_ncm_on_text(ncm, 2, cap_req_ipsec, strlen(cap_req_ipsec), 0);
	m = last(CP_MSG_CAPABILITY_RSP);
	uint32_t id2 = m->unique_session_id.session_id;

	rx(2, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		 "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id2);
	snprintf(secret2, sizeof(secret2), "%s", secret_of(last(CP_MSG_UP_SETUP_CONF_REQ), 0));
	cr_assert_str_neq(secret, secret2);
}

Test(ncm_ipsec, a_ccm_without_ipsec_never_gets_the_connection_in_the_clear)
{
	const struct cp_msg *m;
	const struct dp_session_cfg *s;
	uint32_t id, seq;

	setup_ipsec("{}");
	id = caps(1, 0);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_capability_ack\","
		 "\"sequence_num\":3," USID ",\"capability_ack\":\"MX_ACCEPT\"}", 7, id);
	m = last(CP_MSG_UP_SETUP_CONF_REQ);
	seq = m->sequence_num;
	cr_assert_eq(m->u.up_setup_conf_req.anchor_connections[0].convergence_config[0]
			     .n_delivery_connections, 1, "Wi-Fi (IPsec) is not offered");
	cr_assert_eq(m->u.up_setup_conf_req.anchor_connections[0].convergence_config[0]
			     .delivery_connections[0].connection_id, 3);
	/* The client sets Wi-Fi up anyway: it stays out of the data plane. */
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":4,"
		 USID ",\"reconf_action\":\"setup\",\"connection_id\":0,"
		 "\"ip_address\":\"192.0.2.10\"}", 7, id);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_reconf_req\",\"sequence_num\":5,"
		 USID ",\"reconf_action\":\"setup\",\"connection_id\":3,"
		 "\"ip_address\":\"198.51.100.10\"}", 7, id);
	rx(1, 0, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		 USID ",\"num_delivery_conn\":2,\"client_params\":["
		 "{\"connection_id\":0,\"adapt_param\":{\"udp_adapt_port\":5000}},"
		 "{\"connection_id\":3,\"adapt_param\":{\"udp_adapt_port\":5001}}]}",
	   seq, 7, id);
	s = fake_dp_session(&fdp, id);
	cr_assert_not_null(s);
	cr_assert_eq(s->n_paths, 1);
	cr_assert_eq(s->paths[0].conn_id, 3);
	struct cp_ncm_stats st;

	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.ipsec_not_offered, 1, "counted, not silent");
}

Test(ncm_ipsec, rekey_overlaps_old_and_new_sas)
{
	char secret[64], secret2[64];
	struct dp_ipsec_sa_cfg in1, out1, in2, out2;
	const struct dp_session_cfg *s;
	struct cp_ncm_stats st;
	uint32_t id, seq;
	unsigned updates;

	setup_ipsec("{ \"rekey_s\": 60, \"grace_ms\": 2000 }");
	id = bring_up_ipsec(0, secret);
	derive(secret, id, 0, true, &in1, &out1);
	cr_assert(sa_eq(&fake_dp_session(&fdp, id)->paths[0].ipsec.in, &in1), "ESN by default");
	answer_steering(1, 0, id);

	/* Not yet. */
	updates = fake_dp_count(&fdp, FAKE_UPDATE);
	cp_ncm_tick(ncm, 59999);
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.ipsec_rekeys, 0);

	/* Step 1: the new inbound SA next to the old one, then the new secret. */
	cp_ncm_tick(ncm, 60000);
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.ipsec_rekeys, 1);
	cr_assert_gt(fake_dp_count(&fdp, FAKE_UPDATE), updates);
	const struct cp_msg *m = last(CP_MSG_UP_SETUP_CONF_REQ);

	seq = m->sequence_num;
	snprintf(secret2, sizeof(secret2), "%s", secret_of(m, 0));
	cr_assert_null(secret_of(m, 3));
	cr_assert_str_neq(secret, secret2);
	derive(secret2, id, 0, true, &in2, &out2);
	s = fake_dp_session(&fdp, id);
	cr_assert(sa_eq(&s->paths[0].ipsec.in, &in2), "new inbound SA installed first");
	cr_assert(sa_eq(&s->paths[0].ipsec.in_prev, &in1), "old inbound SA still accepted");
	cr_assert(sa_eq(&s->paths[0].ipsec.out, &out1), "still sending with the old SA");
	struct cp_ncm_session_info info;

	cr_assert_eq(cp_ncm_session(ncm, id, &info, 60000), 0);
	cr_assert_eq(info.state, CP_NCM_ACTIVE, "a rekey keeps the session active");
	cr_assert_eq(cp_ncm_rekey(ncm, id, 60001), -EBUSY, "one rekey at a time");

	/* Step 2: confirmed: the gateway sends with the new SA. */
	rx(1, 60010, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		     USID ",\"num_delivery_conn\":2,\"client_params\":["
		     "{\"connection_id\":0,\"adapt_param\":{\"udp_adapt_port\":5000}},"
		     "{\"connection_id\":3,\"adapt_param\":{\"udp_adapt_port\":5001}}]}",
	   seq, 7, id);
	s = fake_dp_session(&fdp, id);
	cr_assert(sa_eq(&s->paths[0].ipsec.out, &out2));
	cr_assert(sa_eq(&s->paths[0].ipsec.in, &in2));
	cr_assert(sa_eq(&s->paths[0].ipsec.in_prev, &in1), "grace period");

	/* Step 3: after grace_ms the old inbound SA goes. */
	cp_ncm_tick(ncm, 62009);
	cr_assert(sa_eq(&fake_dp_session(&fdp, id)->paths[0].ipsec.in_prev, &in1));
	cp_ncm_tick(ncm, 62010);
	s = fake_dp_session(&fdp, id);
	cr_assert_eq(s->paths[0].ipsec.in_prev.spi, 0);
	cr_assert(sa_eq(&s->paths[0].ipsec.in, &in2));
	cr_assert(!s->paths[1].ipsec.enabled);

	/* The operator's rekey; and with a random source that keeps giving
	 * the same bytes the SPI collides with the one in use: drawn again,
	 * then given up without touching the data plane. */
	answer_steering(1, 62010, id);
	rnd_frozen = true;
	cr_assert_eq(cp_ncm_rekey(ncm, id, 62100), 0);
	m = last(CP_MSG_UP_SETUP_CONF_REQ);
	rx(1, 62110, "{\"version\":\"1.0\",\"message_type\":\"mx_up_setup_cnf\",\"sequence_num\":%u,"
		     USID ",\"num_delivery_conn\":0,\"client_params\":[]}", m->sequence_num, 7, id);
	updates = fake_dp_count(&fdp, FAKE_UPDATE);
	cr_assert_eq(cp_ncm_rekey(ncm, id, 62200), -EIO);
	cp_ncm_stats(ncm, &st);
	cr_assert_eq(st.ipsec_rekeys, 2);
	cr_assert_eq(st.ipsec_spi_redraws, 8);
	cr_assert_eq(st.ipsec_errors, 1);
	cr_assert_eq(fake_dp_count(&fdp, FAKE_UPDATE), updates, "the data plane is untouched");
	cr_assert_eq(cp_ncm_rekey(ncm, 12345, 62200), -ENOENT);
}

Test(ncm_config, ipsec_errors_name_the_field)
{
	static const struct { const char *ipsec, *want; } cases[] = {
		{ "{ \"suite\": \"rot13\" }", "ncm.delivery[0].ipsec.suite" },
		{ "{ \"replay_window\": 1000 }", "ncm.delivery[0].ipsec.replay_window" },
		{ "{ \"rekey_s\": 1, \"grace_ms\": 5000 }", "ncm.delivery[0].ipsec.rekey_s" },
		{ "{ \"bogus\": 1 }", "ncm.delivery[0].ipsec.bogus" },
		{ "true", "ncm.delivery[0].ipsec" },
	};
	char json[4096], err[256];
	static struct dp_config dpc;
	struct cp_config c;
	const char *at = "\"port\": \"wifi\" }";

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p;

		snprintf(json, sizeof(json), "%s", gw_json);
		p = strstr(json, at);
		snprintf(p, sizeof(json) - (size_t)(p - json), "\"port\": \"wifi\", \"ipsec\": %s }%s",
			 cases[i].ipsec, strstr(gw_json, at) + strlen(at));
		cr_assert_eq(dp_config_parse(json, strlen(json), &dpc, err, sizeof(err)), 0);
		cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), -1,
			     "%s accepted", cases[i].ipsec);
		cr_assert(strstr(err, cases[i].want) != NULL, "%s: %s", cases[i].ipsec, err);
	}
	/* Valid, but the secret would cross a plain WebSocket. */
	snprintf(json, sizeof(json), "%s", gw_json);
	{
		char *p = strstr(json, at);

		snprintf(p, sizeof(json) - (size_t)(p - json), "\"port\": \"wifi\", \"ipsec\": {} }%s",
			 strstr(gw_json, at) + strlen(at));
	}
	cr_assert_eq(dp_config_parse(json, strlen(json), &dpc, err, sizeof(err)), 0);
	cr_assert_eq(cp_config_parse(json, strlen(json), &dpc, &c, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ncm.delivery[0]") && strstr(err, "ncm.tls"), "%s", err);
}
