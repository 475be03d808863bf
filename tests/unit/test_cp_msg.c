/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAMS JSON codec (controlplane/cp_msg.c): the 24 RFC 8743 C.4 examples
 * decode with the values printed in them; every message type survives
 * encode -> decode with every member set (both dialects); every spelling
 * variant of DIGEST D.8/D.9 is accepted; every rejection names its field and
 * the WebSocket close code; the encoder writes RFC 8743 spellings (or JSON-00
 * ones on request) and refuses what the decoder would refuse.
 *
 * JSON in this file is written with single quotes; sq() turns them into
 * double quotes.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_msg.h"

#ifndef MAMSGW_SHARED_SPEC
#error "meson passes MAMSGW_SHARED_SPEC (tests/unit/meson.build)"
#endif

static struct cp_msg m, m2, want;
static struct cp_msg_error e;
static char text[70000];

/* Single-quoted JSON to JSON, in a static buffer. */
static const char *sq(const char *s)
{
	static char out[16384];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof(out); i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	out[i] = '\0';
	return out;
}

/* Decodes single-quoted JSON built from fmt into m / e. */
__attribute__((format(printf, 1, 2)))
static int decf(const char *fmt, ...)
{
	char buf[16384];
	const char *t;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t = sq(buf);
	return cp_msg_decode(t, strlen(t), NULL, &m, &e);
}

static int dec_lim(const char *t, size_t len, size_t max_bytes, unsigned max_depth,
		   unsigned max_array)
{
	struct cp_limits l;

	cp_limits_default(&l);
	if (max_bytes)
		l.max_bytes = max_bytes;
	if (max_depth)
		l.max_depth = max_depth;
	if (max_array)
		l.max_array = max_array;
	return cp_msg_decode(t, len, &l, &m, &e);
}

static size_t load(const char *name)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", MAMSGW_SHARED_SPEC, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return n;
}

static void dec_example(const char *name, enum cp_msg_type type)
{
	size_t n = load(name);
	int rc = cp_msg_decode(text, n, NULL, &m, &e);

	cr_assert_eq(rc, 0, "%s: rc %d, %s: %s", name, rc, e.field, e.reason);
	cr_assert_eq(m.type, type, "%s: type %d", name, m.type);
	cr_assert_str_eq(m.version, "1.0");
}

static void expect_usid(uint32_t ncm, uint32_t sess)
{
	cr_assert(m.has_unique_session_id);
	cr_expect_eq(m.unique_session_id.ncm_id, ncm);
	cr_expect_eq(m.unique_session_id.session_id, sess);
}

/* Rejection with the exact field and close code; reason contains `part`. */
static void expect_fail(int rc, const char *field, int close, const char *part)
{
	cr_assert_eq(rc, -1, "accepted; expected %s", field);
	cr_expect_str_eq(e.field, field, "field \"%s\" (reason %s)", e.field, e.reason);
	cr_expect_eq(e.close_code, close, "close %d (field %s: %s)", e.close_code, e.field,
		     e.reason);
	if (part != NULL)
		cr_expect(strstr(e.reason, part) != NULL, "reason \"%s\" lacks \"%s\"", e.reason,
			  part);
}

/* ---- The RFC 8743 C.4 examples -------------------------------------------- */

Test(examples, all_24_files_decode)
{
	DIR *dir = opendir(MAMSGW_SHARED_SPEC);
	struct dirent *de;
	unsigned n = 0;

	cr_assert_not_null(dir);
	while ((de = readdir(dir)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		char type[64];
		size_t len;
		int rc;

		if (dot == NULL || strcmp(dot, ".json") != 0)
			continue;
		len = load(de->d_name);
		rc = cp_msg_decode(text, len, NULL, &m, &e);
		cr_expect_eq(rc, 0, "%s: %s: %s", de->d_name, e.field, e.reason);
		/* "C.4.NN_<message_type>.json" */
		snprintf(type, sizeof(type), "%.*s", (int)(dot - de->d_name - 7), de->d_name + 7);
		cr_expect_str_eq(cp_msg_type_name(m.type), type, "%s", de->d_name);
		n++;
	}
	closedir(dir);
	cr_expect_eq(n, 24);
}

Test(examples, c4_01_discover)
{
	dec_example("C.4.01_mx_discover.json", CP_MSG_DISCOVER);
	cr_expect_eq(m.sequence_num, 1);
	cr_expect_not(m.u.discover.has_MCC_MNC_Tuple);
	cr_expect_not(m.has_unique_session_id);
}

Test(examples, c4_02_system_info)
{
	const struct cp_system_info *b = &m.u.system_info;

	dec_example("C.4.02_mx_system_info.json", CP_MSG_SYSTEM_INFO);
	cr_expect_eq(m.sequence_num, 2);
	cr_assert_eq(b->n_ncm_connections, 2);
	cr_expect_eq(b->ncm_connections[0].connection_type, CP_CONN_LTE);
	cr_expect_eq(b->ncm_connections[1].connection_id, 1);
	cr_expect_eq(b->ncm_connections[1].connection_type, CP_CONN_WIFI);
	cr_expect_str_eq(b->ncm_connections[1].connection_type_raw, "Wi-Fi");
	cr_expect_str_eq(b->ncm_connections[1].ncm_end_point.ip_address, "192.168.1.10");
	cr_expect_eq(b->ncm_connections[1].ncm_end_point.port, 1234);
}

static void check_capability(const struct cp_capability *c)
{
	cr_assert_eq(c->n_feature_active, 2);
	cr_expect_eq(c->feature_active[0].feature_name, CP_FEATURE_LOSSLESS_SWITCHING);
	cr_expect(c->feature_active[0].active);
	cr_expect_eq(c->feature_active[1].feature_name, CP_FEATURE_FRAGMENTATION);
	cr_expect_not(c->feature_active[1].active);
	cr_expect_eq(c->num_anchor_connections, 2);
	cr_assert_eq(c->n_anchor_connections, 2);
	cr_expect_eq(c->anchor_connections[1].connection_type, CP_CONN_WIFI);
	cr_expect_eq(c->num_delivery_connections, 2);
	cr_assert_eq(c->n_delivery_connections, 2);
	cr_expect_eq(c->delivery_connections[0].connection_type, CP_CONN_LTE);
	cr_assert_eq(c->n_convergence_methods, 2);
	cr_expect_eq(c->convergence_methods[0].method, CP_CONV_GMA);
	cr_expect(c->convergence_methods[0].supported);
	cr_expect_eq(c->convergence_methods[1].method, CP_CONV_MPTCP_PROXY);
	cr_expect_not(c->convergence_methods[1].supported);
	cr_assert_eq(c->n_adaptation_methods, 4);
	cr_expect_eq(c->adaptation_methods[0].method, CP_ADAPT_UDP_WITHOUT_DTLS);
	cr_expect_eq(c->adaptation_methods[1].method, CP_ADAPT_UDP_WITH_DTLS);
	cr_expect_eq(c->adaptation_methods[2].method, CP_ADAPT_IPSEC);
	cr_expect(c->adaptation_methods[2].supported);
	cr_expect_eq(c->adaptation_methods[3].method, CP_ADAPT_CLIENT_NAT);
	cr_expect_not(c->adaptation_methods[3].supported);
}

Test(examples, c4_03_capability_req)
{
	dec_example("C.4.03_mx_capability_req.json", CP_MSG_CAPABILITY_REQ);
	cr_expect_eq(m.sequence_num, 3);
	check_capability(&m.u.capability_req);
}

Test(examples, c4_04_capability_rsp)
{
	dec_example("C.4.04_mx_capability_rsp.json", CP_MSG_CAPABILITY_RSP);
	check_capability(&m.u.capability_rsp);
	expect_usid(110, 1111);
}

Test(examples, c4_05_capability_ack)
{
	dec_example("C.4.05_mx_capability_ack.json", CP_MSG_CAPABILITY_ACK);
	expect_usid(110, 1111);
	cr_expect_eq(m.u.capability_ack.capability_ack, CP_CAP_ACK_ACCEPT);
}

Test(examples, c4_06_reconf_req)
{
	const struct cp_reconf_req *b = &m.u.reconf_req;

	dec_example("C.4.06_mx_reconf_req.json", CP_MSG_RECONF_REQ);
	cr_expect_eq(m.sequence_num, 4);
	expect_usid(110, 1111);
	cr_expect_eq(b->reconf_action, CP_RECONF_SETUP);
	cr_expect_eq(b->connection_id, 0);
	cr_expect(b->has_ip_address);
	cr_expect_str_eq(b->ip_address, "192.168.110.1");
	cr_expect(b->has_ssid);
	cr_expect_str_eq(b->ssid, "SSID_1");
	cr_expect(b->has_mtu_size);
	cr_expect_eq(b->mtu_size, 1300);
	cr_expect(b->has_connection_status);
	cr_expect_eq(b->connection_status, CP_CONN_STATUS_CONNECTED);
	cr_expect(b->has_delivery_node_id);
	cr_expect_str_eq(b->delivery_node_id, "2A12C");
}

Test(examples, c4_07_reconf_rsp)
{
	dec_example("C.4.07_mx_reconf_rsp.json", CP_MSG_RECONF_RSP);
	cr_expect_eq(m.sequence_num, 4);
}

Test(examples, c4_08_up_setup_conf_req)
{
	const struct cp_up_setup_conf_req *b = &m.u.up_setup_conf_req;
	const struct cp_setup_anchor_conn *a0 = &b->anchor_connections[0];
	const struct cp_setup_anchor_conn *a1 = &b->anchor_connections[1];
	const struct cp_convergence_config *c;

	dec_example("C.4.08_mx_up_setup_conf_req.json", CP_MSG_UP_SETUP_CONF_REQ);
	cr_expect_eq(b->num_anchor_connections, 2);
	cr_assert_eq(b->n_anchor_connections, 2);

	/* first anchor: RFC nested form, two MX configurations */
	cr_expect_eq(a0->connection_id, 1);
	cr_expect_eq(a0->connection_type, CP_CONN_WIFI);
	cr_expect_not(a0->flat);
	cr_expect(a0->has_num_active_mx_conf);
	cr_expect_eq(a0->num_active_mx_conf, 2);
	cr_assert_eq(a0->n_convergence_config, 2);
	c = &a0->convergence_config[0];
	cr_expect(c->has_mx_configuration_id);
	cr_expect_eq(c->mx_configuration_id, 1);
	cr_expect_eq(c->convergence_method, CP_CONV_GMA);
	cr_expect(c->has_convergence_method_params);
	cr_expect_not(c->convergence_method_params.has_proxy_ip);
	cr_expect_eq(c->num_delivery_connections, 2);
	cr_assert_eq(c->n_delivery_connections, 2);
	cr_expect_eq(c->delivery_connections[0].adaptation_method, CP_ADAPT_UDP_WITHOUT_DTLS);
	cr_expect(c->delivery_connections[0].has_adaptation_method_param);
	cr_expect_str_eq(c->delivery_connections[0].adaptation_method_param.tunnel_ip_addr,
			 "6.6.6.6");
	cr_expect_eq(c->delivery_connections[0].adaptation_method_param.tunnel_end_port, 9999);
	cr_expect(c->delivery_connections[0].adaptation_method_param.mx_header_optimization);
	cr_expect_not(c->delivery_connections[0].adaptation_method_param.has_shared_secret);
	cr_expect_eq(c->delivery_connections[1].connection_type, CP_CONN_WIFI);
	cr_expect_not(c->delivery_connections[1].has_adaptation_method);
	cr_expect_not(c->delivery_connections[1].has_adaptation_method_param);
	c = &a0->convergence_config[1];
	cr_expect_eq(c->mx_configuration_id, 2);
	cr_assert_eq(c->n_delivery_connections, 1);
	cr_expect_eq(c->delivery_connections[0].adaptation_method_param.tunnel_end_port, 8877);
	cr_expect_not(c->delivery_connections[0].adaptation_method_param.mx_header_optimization);

	/* second anchor: JSON-00 flat form, udp_port extension, "6000" as a string */
	cr_expect_eq(a1->connection_id, 0);
	cr_expect_eq(a1->connection_type, CP_CONN_LTE);
	cr_expect(a1->flat);
	cr_expect(a1->has_udp_port);
	cr_expect_eq(a1->udp_port, 8888);
	cr_expect_not(a1->has_vnic_info);
	cr_assert_eq(a1->n_convergence_config, 1);
	c = &a1->convergence_config[0];
	cr_expect_not(c->has_convergence_method);
	cr_expect_not(c->has_mx_configuration_id);
	cr_assert_eq(c->n_delivery_connections, 2);
	cr_expect_str_eq(c->delivery_connections[1].adaptation_method_param.tunnel_ip_addr,
			 "192.168.3.3");
	cr_expect_eq(c->delivery_connections[1].adaptation_method_param.tunnel_end_port, 6000);
}

Test(examples, c4_09_up_setup_cnf)
{
	const struct cp_up_setup_cnf *b = &m.u.up_setup_cnf;

	dec_example("C.4.09_mx_up_setup_cnf.json", CP_MSG_UP_SETUP_CNF);
	expect_usid(110, 1111);
	cr_assert(b->has_probe_param);
	cr_expect_eq(b->probe_param.probe_port, 48700);
	cr_expect(b->probe_param.has_anchor_conn_id);
	cr_expect_eq(b->probe_param.anchor_conn_id, 0);
	cr_expect(b->probe_param.has_mx_configuration_id);
	cr_expect_eq(b->probe_param.mx_configuration_id, 1);
	cr_expect_eq(b->num_delivery_conn, 2);
	cr_assert_eq(b->n_client_params, 2);
	cr_expect_eq(b->client_params[0].connection_id, 0);
	cr_expect(b->client_params[0].has_adapt_param);
	cr_expect_eq(b->client_params[0].adapt_param.udp_adapt_port, 51000);
	cr_expect_eq(b->client_params[1].adapt_param.udp_adapt_port, 52000);
}

Test(examples, c4_10_traffic_steering_req)
{
	const struct cp_traffic_steering_req *b = &m.u.traffic_steering_req;
	const struct cp_tft *t;

	dec_example("C.4.10_mx_traffic_steering_req.json", CP_MSG_TRAFFIC_STEERING_REQ);
	cr_expect_eq(b->connection_id, 0);
	cr_expect(b->has_mx_configuration_id);
	cr_expect_eq(b->mx_configuration_id, 1);
	/* downlink: the example's array of {"connection_id": n} */
	cr_assert_eq(b->n_downlink_delivery, 2);
	cr_expect_eq(b->downlink_delivery[0], 0);
	cr_expect_eq(b->downlink_delivery[1], 1);
	cr_expect(b->has_default_uplink_delivery);
	cr_expect_eq(b->default_uplink_delivery, 0);
	/* uplink: the example's array of {ul_tft: {...}, conn_list: [{...}]} */
	cr_assert_eq(b->n_uplink_delivery, 2);
	t = &b->uplink_delivery[0].ul_tft;
	cr_expect_eq(t->remote_addr, 0x0A0A0000u);
	cr_expect_eq(t->remote_prefix_len, 24);
	cr_expect_eq(t->local_addr, 0xC0A80000u);
	cr_expect_eq(t->local_prefix_len, 24);
	cr_expect_eq(t->protocol_type, 6);
	cr_expect_eq(t->local_port_range.start, 100);
	cr_expect_eq(t->local_port_range.end, 1000);
	cr_expect_eq(t->remote_port_range.start, 100);
	cr_expect_eq(t->traffic_class, 20);
	cr_expect_eq(t->flow_label, 100);
	cr_assert_eq(b->uplink_delivery[0].n_conn_list, 1);
	cr_expect_eq(b->uplink_delivery[0].conn_list[0], 1);
	t = &b->uplink_delivery[1].ul_tft;
	cr_expect_eq(t->local_port_range.start, 2000);
	cr_expect_eq(t->local_port_range.end, 2000);
	cr_expect_eq(t->flow_label, 50);
	/* feature names dl_/ul_aggregation (R12) */
	cr_assert_eq(b->n_feature_active, 2);
	cr_expect_eq(b->feature_active[0].feature_name, CP_FEATURE_DOWNLINK_AGGREGATION);
	cr_expect_str_eq(b->feature_active[0].feature_name_raw, "dl_aggregation");
	cr_expect(b->feature_active[0].active);
	cr_expect_eq(b->feature_active[1].feature_name, CP_FEATURE_UPLINK_AGGREGATION);
	cr_expect_not(b->feature_active[1].active);
}

Test(examples, c4_11_traffic_steering_rsp)
{
	dec_example("C.4.11_mx_traffic_steering_rsp.json", CP_MSG_TRAFFIC_STEERING_RSP);
	expect_usid(110, 1111);
	cr_assert_eq(m.u.traffic_steering_rsp.n_feature_active, 2);
	cr_expect_eq(m.u.traffic_steering_rsp.feature_active[0].feature_name,
		     CP_FEATURE_LOSSLESS_SWITCHING);
}

Test(examples, c4_12_app_madp_assoc_req)
{
	const struct cp_app_madp_assoc *a = &m.u.app_madp_assoc_req.app_madp_assoc_list[0];

	dec_example("C.4.12_mx_app_madp_assoc_req.json", CP_MSG_APP_MADP_ASSOC_REQ);
	expect_usid(110, 1111);
	cr_assert_eq(m.u.app_madp_assoc_req.n_app_madp_assoc_list, 1);
	cr_expect_eq(a->connection_id, 0);
	cr_expect(a->has_mx_configuration_id);
	cr_expect_eq(a->mx_configuration_id, 1);
	cr_assert_eq(a->n_ul_tft_list, 1);
	cr_expect_eq(a->ul_tft_list[0].protocol_type, 17);
	cr_expect_eq(a->ul_tft_list[0].local_port_range.start, 8888);
	cr_expect_eq(a->ul_tft_list[0].local_port_range.end, 8888);
	/* absent members take the C.2.16 defaults */
	cr_expect_eq(a->ul_tft_list[0].remote_port_range.start, 0);
	cr_expect_eq(a->ul_tft_list[0].remote_port_range.end, 65535);
	cr_expect_eq(a->ul_tft_list[0].remote_prefix_len, 0);
	cr_expect_eq(a->ul_tft_list[0].traffic_class, 255);
	cr_assert_eq(a->n_dl_tft_list, 1);
	cr_expect_eq(a->dl_tft_list[0].remote_port_range.start, 8888);
	cr_expect_eq(a->dl_tft_list[0].local_port_range.end, 65535);
}

Test(examples, c4_13_app_madp_assoc_rsp)
{
	dec_example("C.4.13_mx_app_madp_assoc_rsp.json", CP_MSG_APP_MADP_ASSOC_RSP);
	cr_expect(m.u.app_madp_assoc_rsp.is_success);
}

Test(examples, c4_14_path_est_req)
{
	const struct cp_path_est_req *b = &m.u.path_est_req;

	dec_example("C.4.14_mx_path_est_req.json", CP_MSG_PATH_EST_REQ);
	cr_expect_eq(m.sequence_num, 7);
	cr_expect_eq(b->connection_id, 0);
	cr_expect_eq(b->init_probe_test_duration_ms, 100);
	cr_expect_eq(b->init_probe_test_rate_Mbps, 10);
	cr_expect_eq(b->init_probe_size_bytes, 1000);
	cr_expect_eq(b->init_probe_ack_req, CP_YES);
	cr_expect_eq(b->active_probe_freq_ms, 10000);
	cr_expect_eq(b->active_probe_size_bytes, 1000);
	cr_expect_eq(b->active_probe_duration_sec, 10);
	cr_expect_eq(b->active_probe_ack_req, CP_NO);
}

Test(examples, c4_15_path_est_results)
{
	const struct cp_path_est_results *b = &m.u.path_est_results;

	dec_example("C.4.15_mx_path_est_results.json", CP_MSG_PATH_EST_RESULTS);
	cr_expect_eq(m.sequence_num, 8);
	expect_usid(110, 1111);
	cr_assert(b->has_init_probe_results);
	cr_expect_eq(b->init_probe_results.lost_probes_percentage, 1);
	cr_expect_float_eq(b->init_probe_results.probe_rate_Mbps, 9.9, 1e-9);
	cr_assert(b->has_active_probe_results);
	cr_expect_float_eq(b->active_probe_results.avg_tput_last_probe_duration_Mbps, 9.8, 1e-9);
}

Test(examples, c4_16_ssid_indication)
{
	const struct cp_ssid_indication *b = &m.u.ssid_indication;

	dec_example("C.4.16_mx_ssid_indication.json", CP_MSG_SSID_INDICATION);
	cr_assert_eq(b->n_ssid_list, 2);
	cr_expect_eq(b->ssid_list[0].ssid_type, CP_SSID_TYPE_SSID);
	cr_expect_str_eq(b->ssid_list[0].ssid_id, "SSID_1");
	cr_expect_eq(b->ssid_list[1].ssid_type, CP_SSID_TYPE_BSSID);
	cr_expect_str_eq(b->ssid_list[1].ssid_id, "xxx-yyy");
}

Test(examples, c4_17_measurement_conf)
{
	const struct cp_measurement_conf *b = &m.u.measurement_conf;
	const struct cp_meas_conf *c;

	dec_example("C.4.17_mx_measurement_conf.json", CP_MSG_MEASUREMENT_CONF);
	cr_assert_eq(b->n_measurement_configuration, 2);
	c = &b->measurement_configuration[0];
	cr_expect_eq(c->connection_type, CP_CONN_WIFI);
	cr_assert_eq(c->n_meas_rep_conf, 3);
	cr_expect_eq(c->meas_rep_conf[0].meas_rep_param, CP_MEAS_WLAN_RSSI);
	cr_expect(c->meas_rep_conf[0].has_meas_threshold);
	cr_expect_float_eq(c->meas_rep_conf[0].meas_threshold.high, -10.0, 1e-9);
	cr_expect_float_eq(c->meas_rep_conf[0].meas_threshold.low, -15.0, 1e-9);
	cr_expect(c->meas_rep_conf[0].has_meas_period_ms);
	cr_expect_eq(c->meas_rep_conf[0].meas_period_ms, 500);
	cr_expect_eq(c->meas_rep_conf[1].meas_rep_param, CP_MEAS_WLAN_LOAD);
	cr_expect_eq(c->meas_rep_conf[2].meas_rep_param, CP_MEAS_EST_UL_TPUT);
	cr_expect_float_eq(c->meas_rep_conf[2].meas_threshold.high, 100.0, 1e-9);
	c = &b->measurement_configuration[1];
	cr_expect_eq(c->connection_id, 1);
	cr_expect_eq(c->connection_type, CP_CONN_LTE);
	cr_assert_eq(c->n_meas_rep_conf, 2);
	cr_expect_eq(c->meas_rep_conf[1].meas_rep_param, CP_MEAS_LTE_RSRQ);
}

Test(examples, c4_18_measurement_report)
{
	const struct cp_measurement_report *b = &m.u.measurement_report;

	dec_example("C.4.18_mx_measurement_report.json", CP_MSG_MEASUREMENT_REPORT);
	expect_usid(110, 1111);
	cr_assert_eq(b->n_measurement_reports, 2);
	cr_expect_str_eq(b->measurement_reports[0].delivery_node_id, "2021A");
	cr_assert_eq(b->measurement_reports[0].n_measurements, 3);
	cr_expect_eq(b->measurement_reports[0].measurements[0].measurement_type, CP_MEAS_WLAN_RSSI);
	cr_expect_float_eq(b->measurement_reports[0].measurements[0].measurement_value, -12.0, 1e-9);
	cr_expect_eq(b->measurement_reports[0].measurements[1].measurement_type, CP_MEAS_UL_TPUT);
	cr_expect_float_eq(b->measurement_reports[0].measurements[2].measurement_value, 20.0, 1e-9);
	cr_expect_str_eq(b->measurement_reports[1].delivery_node_id, "12323");
	cr_expect_eq(b->measurement_reports[1].connection_type, CP_CONN_LTE);
	cr_expect_eq(b->measurement_reports[1].measurements[1].measurement_type, CP_MEAS_LTE_RSRQ);
}

Test(examples, c4_19_keep_alive_req)
{
	const struct cp_keep_alive_req *b = &m.u.keep_alive_req;

	dec_example("C.4.19_mx_keep_alive_req.json", CP_MSG_KEEP_ALIVE_REQ);
	expect_usid(110, 1111);
	cr_expect_eq(b->keep_alive_reason, CP_KEEP_ALIVE_HANDOVER);
	cr_expect(b->has_connection_id);
	cr_expect_eq(b->connection_id, 0);
	cr_expect(b->has_delivery_node_id);
	cr_expect_str_eq(b->delivery_node_id, "2021A");
}

Test(examples, c4_20_keep_alive_rsp)
{
	dec_example("C.4.20_mx_keep_alive_rsp.json", CP_MSG_KEEP_ALIVE_RSP);
	cr_expect_eq(m.sequence_num, 12);
	expect_usid(110, 1111);
}

Test(examples, c4_21_session_termination_req)
{
	dec_example("C.4.21_mx_session_termination_req.json", CP_MSG_SESSION_TERMINATION_REQ);
	expect_usid(110, 1111);
	cr_expect_eq(m.u.session_termination_req.reason, CP_TERM_MX_NORMAL_RELEASE);
}

Test(examples, c4_22_session_termination_rsp)
{
	dec_example("C.4.22_mx_session_termination_rsp.json", CP_MSG_SESSION_TERMINATION_RSP);
	cr_expect_eq(m.sequence_num, 13);
	expect_usid(110, 1111);
}

Test(examples, c4_23_network_analytics_req)
{
	dec_example("C.4.23_mx_network_analytics_req.json", CP_MSG_NETWORK_ANALYTICS_REQ);
	cr_expect_eq(m.sequence_num, 20);
	expect_usid(110, 1111);
	cr_assert_eq(m.u.network_analytics_req.n_params, 2);
	cr_expect_eq(m.u.network_analytics_req.params[0], CP_ANALYTICS_JITTER);
	cr_expect_eq(m.u.network_analytics_req.params[1], CP_ANALYTICS_LATENCY);
}

Test(examples, c4_24_network_analytics_rsp)
{
	const struct cp_network_analytics_rsp *b = &m.u.network_analytics_rsp;

	dec_example("C.4.24_mx_network_analytics_rsp.json", CP_MSG_NETWORK_ANALYTICS_RSP);
	cr_assert_eq(b->n_param_list, 2);
	cr_expect_eq(b->param_list[0].connection_id, 1);
	cr_expect_eq(b->param_list[0].connection_type, CP_CONN_WIFI);
	cr_assert_eq(b->param_list[0].n_predictions, 2);
	cr_expect_eq(b->param_list[0].predictions[0].param_name, CP_ANALYTICS_JITTER);
	cr_expect_float_eq(b->param_list[0].predictions[0].prediction, 100.0, 1e-9);
	cr_expect_eq(b->param_list[0].predictions[0].likelihood, 50);
	cr_expect_eq(b->param_list[0].predictions[0].validity_time, 10);
	cr_expect_not(b->param_list[0].predictions[0].has_additional_param);
	cr_expect_eq(b->param_list[1].connection_id, 2);
	cr_expect_eq(b->param_list[1].predictions[1].param_name, CP_ANALYTICS_LATENCY);
	cr_expect_float_eq(b->param_list[1].predictions[1].prediction, 4.0, 1e-9);
	cr_expect_eq(b->param_list[1].predictions[1].likelihood, 60);
}

/* ---- Round trip: every type, every member ----------------------------------- */

#define SET_CT(x, T)                                                                   \
	do {                                                                           \
		(x).connection_type = (T);                                             \
		strcpy((x).connection_type_raw, cp_conn_type_name(T));                 \
	} while (0)

static void fill_tft(struct cp_tft *t, unsigned seed)
{
	cp_tft_default(t);
	t->remote_addr = 0x0A0A0000u + (seed << 8);
	t->remote_prefix_len = 24;
	t->local_addr = 0xC0A80000u;
	t->local_prefix_len = (uint8_t)(16 + seed);
	t->protocol_type = seed % 2 ? 17 : 6;
	t->local_port_range.start = (uint16_t)(100 + seed);
	t->local_port_range.end = 1000;
	t->remote_port_range.start = 0;
	t->remote_port_range.end = (uint16_t)(65535 - seed);
	t->traffic_class = (uint8_t)(20 + seed);
	t->flow_label = 0xFFFFFu - seed;
}

static void fill_features(unsigned *n, struct cp_feature_info *f)
{
	*n = CP_FEATURE_COUNT - 1;
	for (unsigned i = 0; i < *n; i++) {
		f[i].feature_name = (enum cp_feature)(i + 1);
		strcpy(f[i].feature_name_raw, cp_feature_name(f[i].feature_name));
		f[i].active = i % 2 == 0;
	}
}

static void fill_capability(struct cp_capability *c)
{
	fill_features(&c->n_feature_active, c->feature_active);
	c->n_anchor_connections = 2;
	c->num_anchor_connections = 2;
	c->anchor_connections[0].connection_id = 0;
	SET_CT(c->anchor_connections[0], CP_CONN_LTE);
	c->anchor_connections[1].connection_id = 4;
	SET_CT(c->anchor_connections[1], CP_CONN_VNIC);
	c->n_delivery_connections = 4;
	c->num_delivery_connections = 4;
	for (unsigned i = 0; i < 4; i++) {
		c->delivery_connections[i].connection_id = (uint8_t)i;
		SET_CT(c->delivery_connections[i], (enum cp_conn_type)(i + 1));
	}
	c->n_convergence_methods = CP_CONV_COUNT - 1;
	for (unsigned i = 0; i < c->n_convergence_methods; i++) {
		c->convergence_methods[i].method = (enum cp_conv_method)(i + 1);
		strcpy(c->convergence_methods[i].method_raw,
		       cp_conv_method_name(c->convergence_methods[i].method));
		c->convergence_methods[i].supported = i == 0;
	}
	c->n_adaptation_methods = CP_ADAPT_COUNT - 1;
	for (unsigned i = 0; i < c->n_adaptation_methods; i++) {
		c->adaptation_methods[i].method = (enum cp_adapt_method)(i + 1);
		strcpy(c->adaptation_methods[i].method_raw,
		       cp_adapt_method_name(c->adaptation_methods[i].method));
		c->adaptation_methods[i].supported = i != 1;
	}
}

static void fill_conv_config(struct cp_convergence_config *c, unsigned seed, bool full)
{
	c->has_mx_configuration_id = true;
	c->mx_configuration_id = (uint8_t)(seed + 1);
	c->has_convergence_method = true;
	c->convergence_method = CP_CONV_GMA;
	strcpy(c->convergence_method_raw, "GMA");
	c->has_convergence_method_params = true;
	if (full) {
		c->convergence_method_params.has_proxy_ip = true;
		strcpy(c->convergence_method_params.proxy_ip, "10.0.0.1");
		c->convergence_method_params.has_proxy_port = true;
		c->convergence_method_params.proxy_port = 8080;
		c->convergence_method_params.has_client_key = true;
		strcpy(c->convergence_method_params.client_key, "a2V5");
	}
	c->n_delivery_connections = 2;
	c->num_delivery_connections = 2;
	for (unsigned i = 0; i < 2; i++) {
		struct cp_setup_delivery_conn *d = &c->delivery_connections[i];

		d->connection_id = (uint8_t)(i == 0 ? 3 : 0);
		SET_CT(*d, i == 0 ? CP_CONN_LTE : CP_CONN_WIFI);
		d->has_adaptation_method = true;
		d->adaptation_method = i == 0 ? CP_ADAPT_UDP_WITHOUT_DTLS : CP_ADAPT_IPSEC;
		strcpy(d->adaptation_method_raw, cp_adapt_method_name(d->adaptation_method));
		if (i == 0 || full) {
			d->has_adaptation_method_param = true;
			strcpy(d->adaptation_method_param.tunnel_ip_addr,
			       i == 0 ? "198.51.100.1" : "2001:db8::1");
			d->adaptation_method_param.tunnel_end_port = (uint16_t)(9999 + seed);
			d->adaptation_method_param.has_shared_secret = full;
			if (full)
				strcpy(d->adaptation_method_param.shared_secret, "s3cr3t");
			d->adaptation_method_param.mx_header_optimization = i == 1;
		}
	}
}

/* Every member of type t set (raw spellings = what the decoder will read). */
static void fill(enum cp_msg_type t, struct cp_msg *x)
{
	memset(x, 0, sizeof(*x));
	x->type = t;
	strcpy(x->version, "1.0");
	x->sequence_num = 4000000000u + (uint32_t)t;
	if (cp_msg_has_session_id(t)) {
		x->has_unique_session_id = true;
		x->unique_session_id.ncm_id = 110;
		x->unique_session_id.session_id = 0xFFFFFFFFu;
	}
	switch (t) {
	case CP_MSG_DISCOVER:
		x->u.discover.has_MCC_MNC_Tuple = true;
		strcpy(x->u.discover.MCC_MNC_Tuple, "310-410");
		break;
	case CP_MSG_SYSTEM_INFO: {
		struct cp_system_info *b = &x->u.system_info;
		static const char *const hosts[] = { "192.0.2.10", "2001:db8::10", "ncm.example.net" };

		b->n_ncm_connections = 3;
		for (unsigned i = 0; i < 3; i++) {
			b->ncm_connections[i].connection_id = (uint8_t)i;
			SET_CT(b->ncm_connections[i], (enum cp_conn_type)(i + 1));
			strcpy(b->ncm_connections[i].ncm_end_point.ip_address, hosts[i]);
			b->ncm_connections[i].ncm_end_point.port = (uint16_t)(i == 2 ? 65535 : 1 + i);
		}
		break;
	}
	case CP_MSG_CAPABILITY_REQ:
		fill_capability(&x->u.capability_req);
		break;
	case CP_MSG_CAPABILITY_RSP:
		fill_capability(&x->u.capability_rsp);
		break;
	case CP_MSG_CAPABILITY_ACK:
		x->u.capability_ack.capability_ack = CP_CAP_ACK_REJECT;
		break;
	case CP_MSG_UP_SETUP_CONF_REQ: {
		struct cp_up_setup_conf_req *b = &x->u.up_setup_conf_req;
		struct cp_setup_anchor_conn *a = &b->anchor_connections[0];

		b->n_anchor_connections = 2;
		b->num_anchor_connections = 2;
		a->connection_id = 4;
		SET_CT(*a, CP_CONN_VNIC);
		a->has_num_active_mx_conf = true;
		a->num_active_mx_conf = 2;
		a->n_convergence_config = 2;
		fill_conv_config(&a->convergence_config[0], 0, true);
		fill_conv_config(&a->convergence_config[1], 1, false);
		a->has_udp_port = true;
		a->udp_port = 9999;
		a->has_vnic_info = true;
		strcpy(a->vnic_info.ip, "10.8.0.2");
		strcpy(a->vnic_info.gateway, "10.8.0.1");
		strcpy(a->vnic_info.mask, "255.255.255.0");
		strcpy(a->vnic_info.dns, "8.8.8.8");
		a->vnic_info.vnic_port = 8443;
		a = &b->anchor_connections[1];
		a->connection_id = 0;
		SET_CT(*a, CP_CONN_LTE);
		a->flat = true;
		a->n_convergence_config = 1;
		fill_conv_config(&a->convergence_config[0], 2, true);
		break;
	}
	case CP_MSG_UP_SETUP_CNF: {
		struct cp_up_setup_cnf *b = &x->u.up_setup_cnf;

		b->has_probe_param = true;
		b->probe_param.probe_port = 48700;
		b->probe_param.has_anchor_conn_id = true;
		b->probe_param.anchor_conn_id = 4;
		b->probe_param.has_mx_configuration_id = true;
		b->probe_param.mx_configuration_id = 255;
		b->n_client_params = 2;
		b->num_delivery_conn = 2;
		b->client_params[0].connection_id = 3;
		b->client_params[0].has_adapt_param = true;
		b->client_params[0].adapt_param.udp_adapt_port = 51000;
		b->client_params[1].connection_id = 0;
		break;
	}
	case CP_MSG_RECONF_REQ: {
		struct cp_reconf_req *b = &x->u.reconf_req;

		b->reconf_action = CP_RECONF_UPDATE;
		b->connection_id = 1;
		b->has_ip_address = true;
		strcpy(b->ip_address, "fe80::1");
		b->has_ssid = true;
		strcpy(b->ssid, "Caf\xc3\xa9 \"guest\"");
		b->has_mtu_size = true;
		b->mtu_size = 65535;
		b->has_connection_status = true;
		b->connection_status = CP_CONN_STATUS_DISABLED;
		b->has_delivery_node_id = true;
		strcpy(b->delivery_node_id, "00:11:22:33:44:55");
		break;
	}
	case CP_MSG_PATH_EST_REQ: {
		struct cp_path_est_req *b = &x->u.path_est_req;

		b->connection_id = 1;
		b->init_probe_test_duration_ms = 10000;
		b->init_probe_test_rate_Mbps = 1;
		b->init_probe_size_bytes = 1500;
		b->init_probe_ack_req = CP_YES;
		b->active_probe_freq_ms = 100;
		b->active_probe_size_bytes = 100;
		b->active_probe_duration_sec = 100;
		b->active_probe_ack_req = CP_NO;
		break;
	}
	case CP_MSG_PATH_EST_RESULTS: {
		struct cp_path_est_results *b = &x->u.path_est_results;

		b->connection_id = 2;
		b->has_init_probe_results = true;
		b->init_probe_results.lost_probes_percentage = 0;
		b->init_probe_results.probe_rate_Mbps = 9.9;
		b->has_active_probe_results = true;
		b->active_probe_results.avg_tput_last_probe_duration_Mbps = 1.0 / 3.0;
		break;
	}
	case CP_MSG_TRAFFIC_STEERING_REQ: {
		struct cp_traffic_steering_req *b = &x->u.traffic_steering_req;

		b->connection_id = 4;
		b->has_mx_configuration_id = true;
		b->mx_configuration_id = 1;
		b->n_downlink_delivery = 2;
		b->downlink_delivery[0] = 0;
		b->downlink_delivery[1] = 3;
		b->has_default_uplink_delivery = true;
		b->default_uplink_delivery = 3;
		b->n_uplink_delivery = 3;
		for (unsigned i = 0; i < 3; i++) {
			fill_tft(&b->uplink_delivery[i].ul_tft, i);
			b->uplink_delivery[i].n_conn_list = i + 1;
			for (unsigned j = 0; j <= i; j++)
				b->uplink_delivery[i].conn_list[j] = (uint8_t)(j * 3);
		}
		fill_features(&b->n_feature_active, b->feature_active);
		break;
	}
	case CP_MSG_TRAFFIC_STEERING_RSP:
		fill_features(&x->u.traffic_steering_rsp.n_feature_active,
			      x->u.traffic_steering_rsp.feature_active);
		break;
	case CP_MSG_APP_MADP_ASSOC_REQ: {
		struct cp_app_madp_assoc_req *b = &x->u.app_madp_assoc_req;

		b->n_app_madp_assoc_list = 2;
		for (unsigned i = 0; i < 2; i++) {
			struct cp_app_madp_assoc *a = &b->app_madp_assoc_list[i];

			a->connection_id = (uint8_t)(4 + i);
			a->has_mx_configuration_id = i == 0;
			a->mx_configuration_id = i == 0 ? 7 : 0;
			a->n_ul_tft_list = 2;
			fill_tft(&a->ul_tft_list[0], 1);
			fill_tft(&a->ul_tft_list[1], 2);
			a->n_dl_tft_list = i == 0 ? 1 : 0;
			if (i == 0)
				fill_tft(&a->dl_tft_list[0], 3);
		}
		break;
	}
	case CP_MSG_APP_MADP_ASSOC_RSP:
		x->u.app_madp_assoc_rsp.is_success = true;
		break;
	case CP_MSG_SSID_INDICATION: {
		struct cp_ssid_indication *b = &x->u.ssid_indication;

		b->n_ssid_list = 3;
		for (unsigned i = 0; i < 3; i++) {
			b->ssid_list[i].ssid_type = (enum cp_ssid_type)(i + 1);
			strcpy(b->ssid_list[i].ssid_type_raw, cp_ssid_type_name(b->ssid_list[i].ssid_type));
		}
		strcpy(b->ssid_list[0].ssid_id, "SSID_1");
		strcpy(b->ssid_list[1].ssid_id, "02:00:00:00:00:01");
		strcpy(b->ssid_list[2].ssid_id, "12345");
		break;
	}
	case CP_MSG_MEASUREMENT_CONF: {
		struct cp_measurement_conf *b = &x->u.measurement_conf;

		b->n_measurement_configuration = 2;
		for (unsigned i = 0; i < 2; i++) {
			struct cp_meas_conf *c = &b->measurement_configuration[i];

			c->connection_id = (uint8_t)i;
			SET_CT(*c, i == 0 ? CP_CONN_WIFI : CP_CONN_5G_NR);
			c->n_meas_rep_conf = 5;
			for (unsigned j = 0; j < 5; j++) {
				struct cp_meas_rep_conf *r = &c->meas_rep_conf[j];

				r->meas_rep_param = (enum cp_meas_param)(j + 1 + 5 * i);
				strcpy(r->meas_rep_param_raw, cp_meas_param_name(r->meas_rep_param));
				r->has_meas_threshold = j != 1;
				if (r->has_meas_threshold) {
					r->meas_threshold.high = -10.5 + j;
					r->meas_threshold.low = -95;
				}
				r->has_meas_period_ms = j != 2;
				if (r->has_meas_period_ms)
					r->meas_period_ms = 500 * (j + 1);
			}
		}
		break;
	}
	case CP_MSG_MEASUREMENT_REPORT: {
		struct cp_measurement_report *b = &x->u.measurement_report;

		b->n_measurement_reports = 2;
		for (unsigned i = 0; i < 2; i++) {
			struct cp_meas_report *r = &b->measurement_reports[i];

			r->connection_id = (uint8_t)(i * 3);
			SET_CT(*r, i == 0 ? CP_CONN_WIFI : CP_CONN_LTE);
			r->has_delivery_node_id = i == 0;
			if (i == 0)
				strcpy(r->delivery_node_id, "2021A");
			r->n_measurements = 3;
			for (unsigned j = 0; j < 3; j++) {
				r->measurements[j].measurement_type =
					(enum cp_meas_param)(i == 0 ? 1 + j : 7 + j);
				strcpy(r->measurements[j].measurement_type_raw,
				       cp_meas_param_name(r->measurements[j].measurement_type));
				r->measurements[j].measurement_value = -85.25 + 10 * j;
			}
		}
		break;
	}
	case CP_MSG_KEEP_ALIVE_REQ: {
		struct cp_keep_alive_req *b = &x->u.keep_alive_req;

		b->keep_alive_reason = CP_KEEP_ALIVE_HANDOVER;
		b->has_connection_id = true;
		b->connection_id = 3;
		b->has_delivery_node_id = true;
		strcpy(b->delivery_node_id, "ECGI-310410-1");
		break;
	}
	case CP_MSG_SESSION_TERMINATION_REQ:
		x->u.session_termination_req.reason = CP_TERM_MX_NO_RESPONSE;
		strcpy(x->u.session_termination_req.reason_raw, "MX_NO_RESPONSE");
		break;
	case CP_MSG_NETWORK_ANALYTICS_REQ: {
		struct cp_network_analytics_req *b = &x->u.network_analytics_req;

		b->n_params = 4;
		for (unsigned i = 0; i < 4; i++) {
			b->params[i] = (enum cp_analytics_param)(i + 1);
			strcpy(b->params_raw[i], cp_analytics_param_name(b->params[i]));
		}
		break;
	}
	case CP_MSG_NETWORK_ANALYTICS_RSP: {
		struct cp_network_analytics_rsp *b = &x->u.network_analytics_rsp;

		b->n_param_list = 2;
		for (unsigned i = 0; i < 2; i++) {
			struct cp_param_list *p = &b->param_list[i];

			p->connection_id = (uint8_t)(i + 1);
			SET_CT(*p, i == 0 ? CP_CONN_WIFI : CP_CONN_LTE);
			p->n_predictions = 2;
			for (unsigned j = 0; j < 2; j++) {
				struct cp_prediction *r = &p->predictions[j];

				r->param_name = j == 0 ? CP_ANALYTICS_SIGNAL_QUALITY : CP_ANALYTICS_LATENCY;
				strcpy(r->param_name_raw, cp_analytics_param_name(r->param_name));
				r->has_additional_param = j == 0;
				if (j == 0) {
					r->additional_param = i == 0 ? CP_MEAS_WLAN_RSSI : CP_MEAS_LTE_RSRP;
					strcpy(r->additional_param_raw,
					       cp_meas_param_name(r->additional_param));
				}
				r->prediction = j == 0 ? -71 : 0.019;
				r->likelihood = 100 - 20 * j;
				r->validity_time = 10 + j;
			}
		}
		break;
	}
	case CP_MSG_ERROR:
		strcpy(x->u.error.message_type, "mx_reconf_req");
		strcpy(x->u.error.field, "mtu_size");
		strcpy(x->u.error.reason, "70000 out of range 1..65535");
		break;
	default:
		break;
	}
}

static void roundtrip(enum cp_msg_type t, enum cp_dialect d, const struct cp_msg *expect)
{
	char *s;
	int rc;

	fill(t, &want);
	s = cp_msg_encode(&want, d);
	cr_assert_not_null(s, "%s: encode failed, errno %d", cp_msg_type_name(t), errno);
	rc = cp_msg_decode(s, strlen(s), NULL, &m2, &e);
	cr_expect_eq(rc, 0, "%s: %s: %s\n%s", cp_msg_type_name(t), e.field, e.reason, s);
	cr_expect_eq(m2.type, t);
	cr_expect(memcmp(expect != NULL ? expect : &want, &m2, sizeof(m2)) == 0,
		  "%s (dialect %d) differs after a round trip:\n%s", cp_msg_type_name(t), d, s);
	free(s);
}

Test(roundtrip, every_type_rfc8743)
{
	for (int t = CP_MSG_NONE + 1; t < CP_MSG_COUNT; t++)
		roundtrip((enum cp_msg_type)t, CP_DIALECT_RFC8743, NULL);
}

/* JSON-00 writes single-configuration anchors flat and spells GMA/IPsec its
 * way: the re-read raw spellings and flags follow. */
static void json00_expect(struct cp_msg *x)
{
	struct cp_capability *c = x->type == CP_MSG_CAPABILITY_REQ ? &x->u.capability_req
								: &x->u.capability_rsp;

	if (x->type == CP_MSG_CAPABILITY_REQ || x->type == CP_MSG_CAPABILITY_RSP) {
		strcpy(c->convergence_methods[0].method_raw, "Trailer_Based");
		strcpy(c->adaptation_methods[2].method_raw, "IPSec");
	}
	if (x->type != CP_MSG_UP_SETUP_CONF_REQ)
		return;
	for (unsigned i = 0; i < x->u.up_setup_conf_req.n_anchor_connections; i++) {
		struct cp_setup_anchor_conn *a = &x->u.up_setup_conf_req.anchor_connections[i];

		a->flat = a->flat || a->n_convergence_config == 1;
		for (unsigned j = 0; j < a->n_convergence_config; j++) {
			struct cp_convergence_config *cc = &a->convergence_config[j];

			strcpy(cc->convergence_method_raw, "Trailer_Based");
			for (unsigned k = 0; k < cc->n_delivery_connections; k++)
				if (cc->delivery_connections[k].adaptation_method == CP_ADAPT_IPSEC)
					strcpy(cc->delivery_connections[k].adaptation_method_raw,
					       "IPSec");
		}
	}
}

Test(roundtrip, every_type_json00)
{
	static struct cp_msg x;

	for (int t = CP_MSG_NONE + 1; t < CP_MSG_COUNT; t++) {
		fill((enum cp_msg_type)t, &x);
		json00_expect(&x);
		roundtrip((enum cp_msg_type)t, CP_DIALECT_JSON00, &x);
	}
}

Test(roundtrip, unknown_enum_values_are_echoed)
{
	char *s;

	fill(CP_MSG_CAPABILITY_REQ, &want);
	memset(want.u.capability_req.delivery_connections[0].connection_type_raw, 0, CP_NAME);
	memset(want.u.capability_req.feature_active[0].feature_name_raw, 0, CP_NAME);
	want.u.capability_req.delivery_connections[0].connection_type = CP_CONN_UNKNOWN;
	strcpy(want.u.capability_req.delivery_connections[0].connection_type_raw, "Bluetooth");
	want.u.capability_req.feature_active[0].feature_name = CP_FEATURE_UNKNOWN;
	strcpy(want.u.capability_req.feature_active[0].feature_name_raw, "teleportation");
	s = cp_msg_encode(&want, CP_DIALECT_RFC8743);
	cr_assert_not_null(s);
	cr_assert_eq(cp_msg_decode(s, strlen(s), NULL, &m2, &e), 0, "%s: %s", e.field, e.reason);
	cr_expect_eq(m2.u.capability_req.delivery_connections[0].connection_type, CP_CONN_UNKNOWN);
	cr_expect_str_eq(m2.u.capability_req.delivery_connections[0].connection_type_raw,
			 "Bluetooth");
	cr_expect_str_eq(m2.u.capability_req.feature_active[0].feature_name_raw, "teleportation");
	cr_expect(memcmp(&want, &m2, sizeof(m2)) == 0);
	free(s);
}

Test(roundtrip, error_from_a_failed_decode)
{
	char *s;

	cr_assert_eq(decf("{'version':'1.0','message_type':'mx_reconf_req','sequence_num':9,"
			  "'unique_session_id':{'ncm_id':1,'session_id':2},"
			  "'reconf_action':'setup','connection_id':0,'mtu_size':70000}"), -1);
	cp_msg_make_error(&want, &e);
	cr_expect_eq(want.type, CP_MSG_ERROR);
	cr_expect_eq(want.sequence_num, 9);
	s = cp_msg_encode(&want, CP_DIALECT_RFC8743);
	cr_assert_not_null(s);
	cr_assert_eq(cp_msg_decode(s, strlen(s), NULL, &m2, &e), 0);
	cr_expect_eq(m2.type, CP_MSG_ERROR);
	cr_expect_eq(m2.sequence_num, 9);
	cr_expect_str_eq(m2.u.error.message_type, "mx_reconf_req");
	cr_expect_str_eq(m2.u.error.field, "mtu_size");
	cr_expect(strstr(m2.u.error.reason, "70000") != NULL, "%s", m2.u.error.reason);
	free(s);
}

/* ---- Accepted spelling variants (DIGEST D.8, D.9) -------------------------------- */

#define SYSINFO_T                                                                      \
	"{'version':'1.0','message_type':'mx_system_info','sequence_num':2,"           \
	"'ncm_connections':[{'connection_id':0,'connection_type':'%s',"                \
	"'ncm_end_point':{'ip_address':'192.0.2.1','port':1234}}]}"

Test(variants, connection_type)
{
	static const struct {
		const char *s;
		enum cp_conn_type t;
	} cases[] = {
		{ "Wi-Fi", CP_CONN_WIFI }, { "wifi", CP_CONN_WIFI }, { "wi-fi", CP_CONN_WIFI },
		{ "WIFI", CP_CONN_WIFI }, { " wifi ", CP_CONN_WIFI }, { "5G_NR", CP_CONN_5G_NR },
		{ "5g-nr", CP_CONN_5G_NR }, { "5G NR", CP_CONN_5G_NR },
		{ "MulteFire", CP_CONN_MULTEFIRE }, { "multi-fire", CP_CONN_MULTEFIRE },
		{ "Multi-Fire", CP_CONN_MULTEFIRE }, { "LTE", CP_CONN_LTE }, { "lte", CP_CONN_LTE },
		{ "vnic", CP_CONN_VNIC }, { "Bluetooth", CP_CONN_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decf(SYSINFO_T, cases[i].s);

		cr_expect(rc == 0 && m.u.system_info.ncm_connections[0].connection_type == cases[i].t &&
				  strcmp(m.u.system_info.ncm_connections[0].connection_type_raw,
					 cases[i].s) == 0,
			  "\"%s\": rc %d type %d (%s)", cases[i].s, rc,
			  m.u.system_info.ncm_connections[0].connection_type, e.reason);
	}
}

#define STEERING_RSP_T                                                                  \
	"{'version':'1.0','message_type':'mx_traffic_steering_rsp','sequence_num':6,"  \
	"'unique_session_id':{'ncm_id':1,'session_id':2},"                             \
	"'%s':[{'feature_name':'%s','active':%s}]}"

Test(variants, feature_name_and_list_key)
{
	static const struct {
		const char *key, *name, *active;
		enum cp_feature f;
		bool on;
	} cases[] = {
		{ "feature_active", "dl_aggregation", "true", CP_FEATURE_DOWNLINK_AGGREGATION, true },
		{ "feature_active", "ul_aggregation", "false", CP_FEATURE_UPLINK_AGGREGATION, false },
		{ "feature_active", "downlink_aggregation", "'true'", CP_FEATURE_DOWNLINK_AGGREGATION,
		  true },
		{ "feature_activation", "probing", "'yes'", CP_FEATURE_PROBING, true },
		{ "feature_activation", "Lossless_Switching", "0", CP_FEATURE_LOSSLESS_SWITCHING,
		  false },
		{ "feature_active", "measurement", "'no'", CP_FEATURE_MEASUREMENT, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decf(STEERING_RSP_T, cases[i].key, cases[i].name, cases[i].active);
		const struct cp_feature_info *f = &m.u.traffic_steering_rsp.feature_active[0];

		cr_expect(rc == 0 && m.u.traffic_steering_rsp.n_feature_active == 1 &&
				  f->feature_name == cases[i].f && f->active == cases[i].on,
			  "%s/%s/%s: rc %d (%s: %s)", cases[i].key, cases[i].name, cases[i].active,
			  rc, e.field, e.reason);
	}
}

#define CAPREQ_T                                                                       \
	"{'version':'1.0','message_type':'mx_capability_req','sequence_num':'3',"      \
	"'feature_active':[],'num_anchor_connections':1,"                              \
	"'anchor_connections':[{'connection_id':4,'connection_type':'vnic'}],"         \
	"'%s':1,'delivery_connections':[{'connection_id':3,'connection_type':'lte'}]," \
	"'convergence_methods':[{'method':'%s','supported':'true'}],"                  \
	"'adaptation_methods':[{'method':'%s','supported':true}]}"

Test(variants, methods)
{
	static const struct {
		const char *conv, *adapt;
		enum cp_conv_method c;
		enum cp_adapt_method a;
	} cases[] = {
		{ "GMA", "IPsec", CP_CONV_GMA, CP_ADAPT_IPSEC },
		{ "Trailer_Based", "IPSec", CP_CONV_GMA, CP_ADAPT_IPSEC },
		{ "trailer_based", "UDP_without_DTLS ", CP_CONV_GMA, CP_ADAPT_UDP_WITHOUT_DTLS },
		{ "MPTCP_Proxy", "UDP_with_TLS", CP_CONV_MPTCP_PROXY, CP_ADAPT_UDP_WITH_DTLS },
		{ "GRE Aggregation Proxy", "client_nat", CP_CONV_GRE_AGGREGATION_PROXY,
		  CP_ADAPT_CLIENT_NAT },
		{ "mpquic", "udp_with_dtls", CP_CONV_MPQUIC, CP_ADAPT_UDP_WITH_DTLS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decf(CAPREQ_T, "num_delivery_connections", cases[i].conv, cases[i].adapt);
		const struct cp_capability *c = &m.u.capability_req;

		cr_expect(rc == 0 && c->convergence_methods[0].method == cases[i].c &&
				  c->adaptation_methods[0].method == cases[i].a &&
				  c->convergence_methods[0].supported &&
				  strcmp(c->adaptation_methods[0].method_raw, cases[i].adapt) == 0,
			  "%s/%s: rc %d (%s: %s)", cases[i].conv, cases[i].adapt, rc, e.field,
			  e.reason);
	}
}

Test(variants, intel_capability_req)
{
	/* string sequence_num, "new_delivery_connections", "true" as a string */
	cr_assert_eq(decf(CAPREQ_T, "new_delivery_connections", "Trailer_Based",
			  "UDP_without_DTLS "), 0, "%s: %s", e.field, e.reason);
	cr_expect_eq(m.sequence_num, 3);
	cr_expect_eq(m.u.capability_req.num_delivery_connections, 1);
	cr_expect_eq(m.u.capability_req.anchor_connections[0].connection_type, CP_CONN_VNIC);
	cr_expect_eq(m.u.capability_req.n_feature_active, 0);
}

#define RECONF_T                                                                       \
	"{'version':'1.0','message_type':'mx_reconf_req','sequence_num':4,"            \
	"'unique_session_id':{'ncm_id':1,'session_id':2},"                             \
	"'reconf_action':'%s','connection_id':%s%s}"

Test(variants, reconf_action_and_scalars)
{
	cr_expect(decf(RECONF_T, "modify", "0", "") == 0 &&
		  m.u.reconf_req.reconf_action == CP_RECONF_UPDATE, "modify: %s", e.reason);
	cr_expect(decf(RECONF_T, "SETUP", "0", "") == 0 &&
		  m.u.reconf_req.reconf_action == CP_RECONF_SETUP, "SETUP: %s", e.reason);
	cr_expect(decf(RECONF_T, "release", "'3'", "") == 0 && m.u.reconf_req.connection_id == 3,
		  "'3': %s", e.reason);
	cr_expect(decf(RECONF_T, "setup", "1", ",'mtu_size':'1300'") == 0 &&
		  m.u.reconf_req.has_mtu_size && m.u.reconf_req.mtu_size == 1300,
		  "'1300': %s", e.reason);
	cr_expect(decf(RECONF_T, "setup", "1", ",'mtu_size':1300.0") == 0 &&
		  m.u.reconf_req.mtu_size == 1300, "1300.0: %s", e.reason);
	/* I1: a digit-only SSID arrives as a number */
	cr_expect(decf(RECONF_T, "setup", "1", ",'ssid':12345") == 0 &&
		  strcmp(m.u.reconf_req.ssid, "12345") == 0, "ssid 12345: %s", e.reason);
	cr_expect(decf(RECONF_T, "update", "1", ",'connection_status':'Enabled'") == 0 &&
		  m.u.reconf_req.connection_status == CP_CONN_STATUS_ENABLED, "%s", e.reason);
	/* absent connection_status: connected, not flagged */
	cr_expect(decf(RECONF_T, "update", "1", "") == 0 && !m.u.reconf_req.has_connection_status &&
		  m.u.reconf_req.connection_status == CP_CONN_STATUS_CONNECTED, "%s", e.reason);
	/* "" for an optional address: absent (release without an address) */
	cr_expect(decf(RECONF_T, "release", "1", ",'ip_address':''") == 0 &&
		  !m.u.reconf_req.has_ip_address, "%s", e.reason);
}

Test(variants, message_type_spellings)
{
	cr_expect(decf("{'version':'1.0','message_type':'mx_capability_resp','sequence_num':3,"
		       "'unique_session_id':{'ncm_id':1,'session_id':2},'feature_active':[],"
		       "'anchor_connections':[],'delivery_connections':[],"
		       "'convergence_methods':[],'adaptation_methods':[]}") == 0 &&
		  m.type == CP_MSG_CAPABILITY_RSP, "%s: %s", e.field, e.reason);
	cr_expect(decf("{'version':'1.0','message_type':'mx_session_termination_resp',"
		       "'sequence_num':13,'unique_session_id':{'ncm_id':1,'session_id':2}}") == 0 &&
		  m.type == CP_MSG_SESSION_TERMINATION_RSP, "%s: %s", e.field, e.reason);
	cr_expect(decf("{'version':'1.0','message_type':' MX_Keep_Alive_RSP ','sequence_num':1,"
		       "'unique_session_id':{'ncm_id':1,'session_id':2}}") == 0 &&
		  m.type == CP_MSG_KEEP_ALIVE_RSP, "%s", e.reason);
	/* Intel's discover: sequence_num as a string */
	cr_expect(decf("{'version':'1.0','message_type':'mx_discover','sequence_num':'1'}") == 0 &&
		  m.sequence_num == 1, "%s", e.reason);
	/* I1: a version given as a number */
	cr_expect(decf("{'version':1.0,'message_type':'mx_discover','sequence_num':1}") == 0 &&
		  strcmp(m.version, "1.0") == 0, "%s (%s)", e.reason, m.version);
	cr_expect(decf("{'version':1e300,'message_type':'mx_discover','sequence_num':1}") == 0 &&
		  strcmp(m.version, "1e+300") == 0, "%s (%s)", e.reason, m.version);
}

Test(variants, capability_ack)
{
	static const char *const accept[] = { "MX_ACCEPT", "MX ACCEPT", "mx_accept", "MX-ACCEPT" };

	for (size_t i = 0; i < 4; i++)
		cr_expect(decf("{'version':'1.0','message_type':'mx_capability_ack','sequence_num':3,"
			       "'unique_session_id':{'ncm_id':1,'session_id':2},"
			       "'capability_ack':'%s'}", accept[i]) == 0 &&
			  m.u.capability_ack.capability_ack == CP_CAP_ACK_ACCEPT,
			  "%s: %s", accept[i], e.reason);
	cr_expect(decf("{'version':'1.0','message_type':'mx_capability_ack','sequence_num':3,"
		       "'unique_session_id':{'ncm_id':1,'session_id':2},"
		       "'capability_ack':'MX REJECT'}") == 0 &&
		  m.u.capability_ack.capability_ack == CP_CAP_ACK_REJECT, "%s", e.reason);
}

#define SSID_T                                                                         \
	"{'version':'1.0','message_type':'mx_ssid_indication','sequence_num':9,"       \
	"'ssid_list':[{'ssid_type':'%s','%s':%s}]}"

Test(variants, ssid)
{
	cr_expect(decf(SSID_T, "SSID", "ssid", "'home'") == 0 &&
		  m.u.ssid_indication.ssid_list[0].ssid_type == CP_SSID_TYPE_SSID &&
		  strcmp(m.u.ssid_indication.ssid_list[0].ssid_id, "home") == 0, "%s", e.reason);
	cr_expect(decf(SSID_T, "BSSID", "ssid_id", "'02:00:00:00:00:01'") == 0 &&
		  m.u.ssid_indication.ssid_list[0].ssid_type == CP_SSID_TYPE_BSSID, "%s", e.reason);
	cr_expect(decf(SSID_T, "HESSID", "ssid_id", "12345") == 0 &&
		  m.u.ssid_indication.ssid_list[0].ssid_type == CP_SSID_TYPE_HESSID &&
		  strcmp(m.u.ssid_indication.ssid_list[0].ssid_id, "12345") == 0, "%s", e.reason);
}

#define MEASCONF_T                                                                     \
	"{'version':'1.0','message_type':'mx_measurement_conf','sequence_num':10,"     \
	"'measurement_configuration':[{'connection_id':0,'%s':'wifi',"                 \
	"'meas_rep_conf':[{'meas_rep_param':'wlan_rssi','%s':250}]}]}"

Test(variants, measurement_conf)
{
	const struct cp_meas_conf *c = &m.u.measurement_conf.measurement_configuration[0];

	cr_expect(decf(MEASCONF_T, "connection_type", "meas_period_ms") == 0 &&
		  c->meas_rep_conf[0].has_meas_period_ms && c->meas_rep_conf[0].meas_period_ms == 250 &&
		  c->meas_rep_conf[0].meas_rep_param == CP_MEAS_WLAN_RSSI &&
		  !c->meas_rep_conf[0].has_meas_threshold, "%s: %s", e.field, e.reason);
	/* Intel: "meas_period" and "connection type" with a space (I6) */
	cr_expect(decf(MEASCONF_T, "connection type", "meas_period") == 0 &&
		  c->connection_type == CP_CONN_WIFI && c->meas_rep_conf[0].meas_period_ms == 250,
		  "%s: %s", e.field, e.reason);
}

#define MEASREP_T                                                                      \
	"{'version':'1.0','message_type':'mx_measurement_report','sequence_num':11,"   \
	"'unique_session_id':{'ncm_id':1,'session_id':2},"                             \
	"'%s':[{'connection_id':0,'connection_type':'LTE','delivery_node_id':%s,"      \
	"'measurements':[{'measurement_type':'lte_rsrp','measurement_value':%s}]}]}"

Test(variants, measurement_report)
{
	const struct cp_meas_report *r = &m.u.measurement_report.measurement_reports[0];

	cr_expect(decf(MEASREP_T, "measurement_reports", "'2021A'", "-12") == 0 &&
		  r->measurements[0].measurement_value == -12.0, "%s: %s", e.field, e.reason);
	/* JSON-00 key; I1: node ID as a number, value as a string */
	cr_expect(decf(MEASREP_T, "measurment_reports", "12323", "'-85'") == 0 &&
		  strcmp(r->delivery_node_id, "12323") == 0 &&
		  r->measurements[0].measurement_value == -85.0 &&
		  r->measurements[0].measurement_type == CP_MEAS_LTE_RSRP, "%s: %s", e.field,
		  e.reason);
	cr_expect(decf(MEASREP_T, "measurement_reports", "'x'", "'-85.5'") == 0 &&
		  r->measurements[0].measurement_value == -85.5, "%s: %s", e.field, e.reason);
}

#define APP_T                                                                          \
	"{'version':'1.0','message_type':'mx_app_madp_assoc_req','sequence_num':6,"    \
	"'unique_session_id':{'ncm_id':1,'session_id':2},"                             \
	"'app_madp_assoc_list':[{'%s':4,'%s':[{'protocol_type':17,"                    \
	"'loca_port_range':{'start':53,'end':53}}],'%s':[{'remote_addr_mask':'%s'}]}]}"

Test(variants, app_madp_assoc)
{
	const struct cp_app_madp_assoc *a = &m.u.app_madp_assoc_req.app_madp_assoc_list[0];

	cr_expect(decf(APP_T, "connection_id", "ul_tft_list", "dl_tft_list", "10.0.0.0/8") == 0 &&
		  a->connection_id == 4 && a->n_ul_tft_list == 1 &&
		  a->ul_tft_list[0].local_port_range.start == 53 && a->n_dl_tft_list == 1 &&
		  a->dl_tft_list[0].remote_addr == 0x0A000000u &&
		  a->dl_tft_list[0].remote_prefix_len == 8, "%s: %s", e.field, e.reason);
	/* struct names (R13), a dotted netmask, a bare address (/32) */
	cr_expect(decf(APP_T, "anchor_conn_id", "tft_ul_list", "tft_dl_list",
		       "10.1.0.0/255.255.0.0") == 0 &&
		  a->connection_id == 4 && a->n_ul_tft_list == 1 &&
		  a->dl_tft_list[0].remote_prefix_len == 16, "%s: %s", e.field, e.reason);
	cr_expect(decf(APP_T, "connection_id", "ul_tft_list", "dl_tft_list", "10.1.2.3") == 0 &&
		  a->dl_tft_list[0].remote_prefix_len == 32, "%s: %s", e.field, e.reason);
}

#define UPSETUP_T                                                                      \
	"{'version':'1.0','message_type':'mx_up_setup_conf_req','sequence_num':5,"     \
	"'anchor_connections':[{'connection_id':4,'connection_type':'vnic',%s}]}"

#define DELIV "'delivery_connections':[{'connection_id':3,'connection_type':'lte',"    \
	"'adaptation_method':'UDP_without_DTLS ','%s':{'tunnel_ip_addr':'192.0.2.1',"  \
	"'tunnel_end_port':'9999'}}]"

Test(variants, up_setup_anchor_shapes)
{
	const struct cp_setup_anchor_conn *a = &m.u.up_setup_conf_req.anchor_connections[0];
	const struct cp_setup_delivery_conn *d = &a->convergence_config[0].delivery_connections[0];
	char deliv[512], body[1024];

	/* JSON-00 flat anchor, Intel's plural "adaptation_method_params" (J8, I4) */
	snprintf(deliv, sizeof(deliv), DELIV, "adaptation_method_params");
	snprintf(body, sizeof(body), "'convergence_method':'Trailer_Based',%s", deliv);
	cr_expect(decf(UPSETUP_T, body) == 0 && a->flat && a->n_convergence_config == 1 &&
		  a->convergence_config[0].convergence_method == CP_CONV_GMA &&
		  d->adaptation_method == CP_ADAPT_UDP_WITHOUT_DTLS &&
		  d->has_adaptation_method_param && d->adaptation_method_param.tunnel_end_port == 9999,
		  "flat: %s: %s", e.field, e.reason);
	/* RFC nested array */
	snprintf(deliv, sizeof(deliv), DELIV, "adaptation_method_param");
	snprintf(body, sizeof(body), "'convergence_config':[{'convergence_method':'GMA',%s}]", deliv);
	cr_expect(decf(UPSETUP_T, body) == 0 && !a->flat && a->n_convergence_config == 1 &&
		  d->adaptation_method_param.tunnel_end_port == 9999,
		  "nested: %s: %s", e.field, e.reason);
	/* C.1 struct: a single ConvergenceConfig object (R4) */
	snprintf(body, sizeof(body), "'convergence_config':{'convergence_method':'GMA',%s}", deliv);
	cr_expect(decf(UPSETUP_T, body) == 0 && !a->flat && a->n_convergence_config == 1 &&
		  a->convergence_config[0].n_delivery_connections == 1,
		  "object: %s: %s", e.field, e.reason);
	/* extensions: udp_port (a string here) and vnic_info */
	snprintf(body, sizeof(body),
		 "'udp_port':'9999','vnic_info':{'ip':'10.8.0.2','gateway':'10.8.0.1',"
		 "'mask':'255.255.255.0','dns':'8.8.8.8','vnic_port':8443,'extra':1},"
		 "'client_config':{'x':1},'convergence_config':[{%s}]", deliv);
	cr_expect(decf(UPSETUP_T, body) == 0 && a->has_udp_port && a->udp_port == 9999 &&
		  a->has_vnic_info && strcmp(a->vnic_info.ip, "10.8.0.2") == 0 &&
		  strcmp(a->vnic_info.mask, "255.255.255.0") == 0 && a->vnic_info.vnic_port == 8443,
		  "vnic: %s: %s", e.field, e.reason);
}

#define STEER_T                                                                        \
	"{'version':'1.0','message_type':'mx_traffic_steering_req','sequence_num':6,"  \
	"'connection_id':0,'downlink_delivery':%s,'uplink_delivery':%s,"               \
	"'feature_activation':[]}"
#define UL_EXAMPLE "[{'ul_tft':{'protocol_type':6},'conn_list':[{'connection_id':1}]}]"

Test(variants, downlink_delivery_shapes)
{
	static const char *const shapes[] = {
		"[{'connection_id':0},{'connection_id':3}]", /* C.4.10 example */
		"[0,3]",                                     /* C.3 schema */
		"{'connection_id':[0,3]}",                   /* C.2.14 struct */
		"['0','3']",                                 /* I1 */
	};
	const struct cp_traffic_steering_req *b = &m.u.traffic_steering_req;

	for (size_t i = 0; i < 4; i++)
		cr_expect(decf(STEER_T, shapes[i], UL_EXAMPLE) == 0 && b->n_downlink_delivery == 2 &&
			  b->downlink_delivery[0] == 0 && b->downlink_delivery[1] == 3,
			  "%s: %s: %s", shapes[i], e.field, e.reason);
}

Test(variants, uplink_delivery_shapes)
{
	const struct cp_traffic_steering_req *b = &m.u.traffic_steering_req;

	/* C.4.10 example */
	cr_expect(decf(STEER_T, "[0]", UL_EXAMPLE) == 0 && b->n_uplink_delivery == 1 &&
		  b->uplink_delivery[0].ul_tft.protocol_type == 6 &&
		  b->uplink_delivery[0].n_conn_list == 1 && b->uplink_delivery[0].conn_list[0] == 1,
		  "example: %s: %s", e.field, e.reason);
	/* C.3 schema: connection_list of integers */
	cr_expect(decf(STEER_T, "[0]",
		       "[{'ul_tft':{'protocol_type':17},'connection_list':[1,0]}]") == 0 &&
		  b->n_uplink_delivery == 1 && b->uplink_delivery[0].ul_tft.protocol_type == 17 &&
		  b->uplink_delivery[0].n_conn_list == 2 && b->uplink_delivery[0].conn_list[1] == 0,
		  "schema: %s: %s", e.field, e.reason);
	/* C.2.15 struct: {ul_del: [{ul_tft: [TFT...], connection_id: [...]}]} */
	cr_expect(decf(STEER_T, "[0]",
		       "{'ul_del':[{'ul_tft':[{'protocol_type':6},{'protocol_type':17}],"
		       "'connection_id':[1,2]}]}") == 0 &&
		  b->n_uplink_delivery == 2 && b->uplink_delivery[0].ul_tft.protocol_type == 6 &&
		  b->uplink_delivery[1].ul_tft.protocol_type == 17 &&
		  b->uplink_delivery[1].n_conn_list == 2 && b->uplink_delivery[1].conn_list[1] == 2,
		  "struct: %s: %s", e.field, e.reason);
}

#define PATHEST_T                                                                      \
	"{'version':'1.0','message_type':'mx_path_est_req','sequence_num':7,"          \
	"'connection_id':0,'init_probe_test_duration_ms':100,"                         \
	"'init_probe_test_rate_Mbps':10,'init_probe_size_bytes':%s,"                   \
	"'init_probe_ack_req':%s,'active_probe_freq_ms':10000,"                        \
	"'active_probe_size_bytes':1000,'active_probe_duration_sec':10,"               \
	"'active_probe_ack_req':'no'}"

Test(variants, yes_no)
{
	static const struct {
		const char *s;
		enum cp_yes_no v;
	} cases[] = {
		{ "'yes'", CP_YES }, { "'no'", CP_NO }, { "'YES'", CP_YES }, { "true", CP_YES },
		{ "false", CP_NO }, { "1", CP_YES }, { "0", CP_NO }, { "'1'", CP_YES },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect(decf(PATHEST_T, "1000", cases[i].s) == 0 &&
			  m.u.path_est_req.init_probe_ack_req == cases[i].v,
			  "%s: %s: %s", cases[i].s, e.field, e.reason);
}

Test(variants, keep_alive_timeout_needs_no_connection)
{
	cr_assert_eq(decf("{'version':'1.0','message_type':'mx_keep_alive_req','sequence_num':12,"
			  "'keep_alive_reason':'timeout',"
			  "'unique_session_id':{'ncm_id':110,'session_id':1111}}"), 0,
		     "%s: %s", e.field, e.reason);
	cr_expect_eq(m.u.keep_alive_req.keep_alive_reason, CP_KEEP_ALIVE_TIMEOUT);
	cr_expect_not(m.u.keep_alive_req.has_connection_id);
	cr_expect_not(m.u.keep_alive_req.has_delivery_node_id);
}

Test(variants, unknown_members_and_null_ignored)
{
	cr_assert_eq(decf("{'version':'1.0','message_type':'mx_capability_ack','sequence_num':3,"
			  "'unique_session_id':{'ncm_id':1,'session_id':2,'x':[1]},"
			  "'capability_ack':'MX_ACCEPT','aes_key':'AAAA','extra':{'a':[{}]},"
			  "'MCC_MNC_Tuple':null}"), 0, "%s: %s", e.field, e.reason);
	cr_expect_eq(m.u.capability_ack.capability_ack, CP_CAP_ACK_ACCEPT);
}

/* ---- Rejections -------------------------------------------------------------- */

#define DISCOVER "{\"version\":\"1.0\",\"message_type\":\"mx_discover\",\"sequence_num\":1}"

Test(malformed, not_json)
{
	expect_fail(dec_lim("{\"version\":", 11, 0, 0, 0), "", 1007, "line 1");
	expect_fail(dec_lim(DISCOVER " x", strlen(DISCOVER) + 2, 0, 0, 0), "", 1007, NULL);
	expect_fail(dec_lim("", 0, 0, 0, 0), "", 1007, NULL);
	expect_fail(cp_msg_decode(NULL, 0, NULL, &m, &e), "", 1007, NULL);
}

Test(malformed, top_level_not_an_object)
{
	expect_fail(dec_lim("[1,2]", 5, 0, 0, 0), "", 1007, "an array, not an object");
	expect_fail(dec_lim("\"mx_discover\"", 13, 0, 0, 0), "", 1007, "not an object");
	expect_fail(dec_lim("42", 2, 0, 0, 0), "", 1007, "not an object");
}

Test(malformed, longer_than_max_bytes)
{
	size_t n = strlen(DISCOVER);

	expect_fail(dec_lim(DISCOVER, n, n - 1, 0, 0), "", 1009, NULL);
	cr_expect_eq(dec_lim(DISCOVER, n, n, 0, 0), 0, "exactly max_bytes: %s", e.reason);
	/* the default limit: 65536 */
	memset(text, ' ', 65537);
	memcpy(text, DISCOVER, n);
	expect_fail(cp_msg_decode(text, 65537, NULL, &m, &e), "", 1009, NULL);
	cr_expect_eq(cp_msg_decode(text, 65536, NULL, &m, &e), 0, "%s", e.reason);
}

Test(malformed, deeper_than_max_depth)
{
	char *t = strdup(sq("{'version':'1.0','message_type':'mx_discover','sequence_num':1,"
			    "'x':{'y':[[{}]]}}"));
	/* brackets and an escaped quote inside a string */
	char *instr = strdup(sq("{'version':'1.0','message_type':'mx_discover','sequence_num':1,"
				"'x':'[[[[[[{{{{{{{\\'}'}"));

	/* depth 5: top object, x, y, [, { */
	expect_fail(dec_lim(t, strlen(t), 0, 4, 0), "", 1008, "deeper than 4");
	cr_expect_eq(dec_lim(t, strlen(t), 0, 5, 0), 0, "%s", e.reason);
	/* brackets inside strings do not count */
	cr_expect_eq(dec_lim(instr, strlen(instr), 0, 1, 0), 0, "%s", e.reason);
	free(t);
	free(instr);
	/* the default: 16 */
	memset(text, '[', 17);
	expect_fail(cp_msg_decode(text, 17, NULL, &m, &e), "", 1008, NULL);
}

Test(malformed, array_longer_than_max_array)
{
	char *t = strdup(sq("{'version':'1.0','message_type':'mx_ssid_indication','sequence_num':9,"
			    "'ssid_list':[{'ssid_type':'ssid','ssid_id':'a'},"
			    "{'ssid_type':'ssid','ssid_id':'b'},{'ssid_type':'ssid','ssid_id':'c'}]}"));
	char *ign = strdup(sq("{'version':'1.0','message_type':'mx_discover','sequence_num':1,"
			      "'ignored':{'deep':[[1,2,3]]}}"));

	expect_fail(dec_lim(t, strlen(t), 0, 0, 2), "ssid_list", 1008, "limit of 2");
	cr_expect_eq(dec_lim(t, strlen(t), 0, 0, 3), 0, "%s", e.reason);
	/* counted in members the decoder ignores too */
	expect_fail(dec_lim(ign, strlen(ign), 0, 0, 2), "ignored.deep[0]", 1008, NULL);
	free(t);
	free(ign);
}

Test(malformed, array_longer_than_the_struct)
{
	char list[2048] = "";

	for (int i = 0; i <= CP_MAX_SSIDS; i++)
		strcat(list, i ? ",{'ssid_type':'ssid','ssid_id':'x'}" : "{'ssid_type':'ssid','ssid_id':'x'}");
	expect_fail(decf("{'version':'1.0','message_type':'mx_ssid_indication','sequence_num':9,"
			 "'ssid_list':[%s]}", list), "ssid_list", 0, "CP_MAX_SSIDS");
	cr_expect_eq(e.type, CP_MSG_SSID_INDICATION);
	cr_expect_eq(e.sequence_num, 9);
}

Test(malformed, missing_message_type)
{
	expect_fail(decf("{'version':'1.0','sequence_num':5}"), "message_type", 0,
		    "required but missing");
	cr_expect_eq(e.type, CP_MSG_NONE);
	cr_expect_eq(e.sequence_num, 5);
	cr_expect_str_eq(e.message_type, "");
}

Test(malformed, unknown_message_type)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_foo','sequence_num':'77'}"),
		    "message_type", 0, "unknown message_type \"mx_foo\"");
	cr_expect_str_eq(e.message_type, "mx_foo");
	cr_expect_eq(e.type, CP_MSG_NONE);
	cr_expect_eq(e.sequence_num, 77);
	expect_fail(decf("{'version':'1.0','message_type':{'a':1},'sequence_num':1}"),
		    "message_type", 0, "expected a string, got an object");
}

Test(malformed, missing_header_fields)
{
	expect_fail(decf("{'message_type':'mx_discover','sequence_num':1}"), "version", 0,
		    "required but missing");
	expect_fail(decf("{'version':'1.0','message_type':'mx_discover'}"), "sequence_num", 0,
		    "required but missing");
	expect_fail(decf("{'version':'1.0','message_type':'mx_discover','sequence_num':'abc'}"),
		    "sequence_num", 0, "expected a number, got a string \"abc\"");
	expect_fail(decf("{'version':'1.0','message_type':'mx_discover','sequence_num':-1}"),
		    "sequence_num", 0, "out of range");
}

Test(malformed, reconf_without_reconf_action)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_reconf_req','sequence_num':4,"
			 "'unique_session_id':{'ncm_id':1,'session_id':2},'connection_id':0}"),
		    "reconf_action", 0, "required but missing");
	cr_expect_eq(e.type, CP_MSG_RECONF_REQ);
	cr_expect_eq(e.sequence_num, 4);
	cr_expect_str_eq(e.message_type, "mx_reconf_req");
}

Test(malformed, capability_req_without_anchor_connections)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_capability_req','sequence_num':3,"
			 "'feature_active':[],'delivery_connections':[],"
			 "'convergence_methods':[],'adaptation_methods':[]}"),
		    "anchor_connections", 0, "required but missing");
}

Test(malformed, session_id_missing_where_required)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_capability_ack','sequence_num':3,"
			 "'capability_ack':'MX_ACCEPT'}"), "unique_session_id", 0, "required");
	expect_fail(decf("{'version':'1.0','message_type':'mx_keep_alive_rsp','sequence_num':3,"
			 "'unique_session_id':{'ncm_id':1}}"), "unique_session_id.session_id", 0,
		    "required");
}

Test(malformed, wrong_type)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_system_info','sequence_num':2,"
			 "'ncm_connections':[{'connection_id':0,'connection_type':'LTE',"
			 "'ncm_end_point':'192.0.2.1:1234'}]}"),
		    "ncm_connections[0].ncm_end_point", 0, "expected an object, got a string");
	expect_fail(decf("{'version':'1.0','message_type':'mx_system_info','sequence_num':2,"
			 "'ncm_connections':{'connection_id':0}}"),
		    "ncm_connections", 0, "expected an array, got an object");
	expect_fail(decf("{'version':'1.0','message_type':'mx_capability_req','sequence_num':3,"
			 "'feature_active':[],'anchor_connections':[],"
			 "'delivery_connections':[{'connection_id':0,'connection_type':'LTE'},"
			 "{'connection_id':'abc','connection_type':'LTE'}],"
			 "'convergence_methods':[],'adaptation_methods':[]}"),
		    "delivery_connections[1].connection_id", 0,
		    "expected a number, got a string \"abc\"");
	expect_fail(decf("{'version':'1.0','message_type':'mx_app_madp_assoc_rsp',"
			 "'sequence_num':6,'is_success':'maybe'}"), "is_success", 0,
		    "expected a boolean");
	expect_fail(decf("{'version':'1.0','message_type':'mx_reconf_req','sequence_num':4,"
			 "'unique_session_id':{'ncm_id':1,'session_id':2},'reconf_action':'setup',"
			 "'connection_id':0,'ssid':['a']}"), "ssid", 0, "expected a string, got an array");
}

Test(malformed, out_of_range)
{
	expect_fail(decf(RECONF_T, "setup", "0", ",'mtu_size':0"), "mtu_size", 0,
		    "0 out of range 1..65535");
	expect_fail(decf(RECONF_T, "setup", "0", ",'mtu_size':70000"), "mtu_size", 0,
		    "70000 out of range 1..65535");
	expect_fail(decf(RECONF_T, "setup", "256", ""), "connection_id", 0, "out of range 0..255");
	expect_fail(decf(RECONF_T, "setup", "1.5", ""), "connection_id", 0, "expected an integer");
	expect_fail(decf("{'version':'1.0','message_type':'mx_system_info','sequence_num':2,"
			 "'ncm_connections':[{'connection_id':0,'connection_type':'LTE',"
			 "'ncm_end_point':{'ip_address':'192.0.2.1','port':0}}]}"),
		    "ncm_connections[0].ncm_end_point.port", 0, "0 out of range 1..65535");
	expect_fail(decf(PATHEST_T, "50", "'yes'"), "init_probe_size_bytes", 0,
		    "50 out of range 100..1500");
	expect_fail(decf(PATHEST_T, "1000", "'maybe'"), "init_probe_ack_req", 0,
		    "expected \"yes\" or \"no\"");
}

Test(malformed, deep_field_paths)
{
	char deliv[512], body[1024];

	snprintf(deliv, sizeof(deliv),
		 "'delivery_connections':[{'connection_id':3,'connection_type':'lte',"
		 "'adaptation_method_param':{'tunnel_ip_addr':'192.0.2.1','tunnel_end_port':0}}]");
	snprintf(body, sizeof(body), "'convergence_config':[{},{%s}]", deliv);
	expect_fail(decf(UPSETUP_T, body), "anchor_connections[0].convergence_config[0]"
		    ".delivery_connections", 0, "required but missing");
	snprintf(body, sizeof(body), "'convergence_config':[{%s}]", deliv);
	/* longer than the 96 bytes of field: the tail is kept */
	expect_fail(decf(UPSETUP_T, body),
		    "...ons[0].convergence_config[0].delivery_connections[0]"
		    ".adaptation_method_param.tunnel_end_port", 0, "0 out of range");
	cr_expect_lt(strlen(e.field), sizeof(e.field));
	expect_fail(decf(STEER_T, "[0]", "[{'ul_tft':{'remote_addr_mask':'10.0.0.0/33'},"
			 "'conn_list':[1]}]"), "uplink_delivery[0].ul_tft.remote_addr_mask", 0,
		    "not an IPv4 prefix");
	expect_fail(decf(STEER_T, "[0]", "[{'ul_tft':{'local_port_range':{'start':9,'end':8}},"
			 "'conn_list':[1]}]"), "uplink_delivery[0].ul_tft.local_port_range.end", 0,
		    "below start");
	expect_fail(decf(STEER_T, "[0,'x']", UL_EXAMPLE), "downlink_delivery[1]", 0,
		    "expected a number");
	expect_fail(decf(STEER_T, "'0'", UL_EXAMPLE), "downlink_delivery", 0,
		    "expected an array of connection IDs");
}

Test(malformed, bad_enum_and_address)
{
	expect_fail(decf(RECONF_T, "explode", "0", ""), "reconf_action", 0,
		    "unknown value \"explode\" (expected setup, release, update)");
	expect_fail(decf(RECONF_T, "setup", "0", ",'connection_status':'gone'"),
		    "connection_status", 0, "unknown value");
	expect_fail(decf(RECONF_T, "setup", "0", ",'ip_address':'192.168.1.300'"), "ip_address", 0,
		    "not an IPv4 or IPv6 address");
	expect_fail(decf("{'version':'1.0','message_type':'mx_capability_ack','sequence_num':3,"
			 "'unique_session_id':{'ncm_id':1,'session_id':2},"
			 "'capability_ack':'MX_MAYBE'}"), "capability_ack", 0, "\"MX_MAYBE\"");
	expect_fail(decf("{'version':'1.0','message_type':'mx_keep_alive_req','sequence_num':3,"
			 "'unique_session_id':{'ncm_id':1,'session_id':2},"
			 "'keep_alive_reason':'Boredom'}"), "keep_alive_reason", 0, "unknown value");
	expect_fail(decf(RECONF_T, "setup", "0", ",'delivery_node_id':'"
			 "0123456789012345678901234567890123456789012345678901234567890123'"),
		    "delivery_node_id", 0, "longer than 63 bytes");
}

Test(malformed, handover_keep_alive_without_connection)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_keep_alive_req','sequence_num':12,"
			 "'keep_alive_reason':'Handover','delivery_node_id':'2021A',"
			 "'unique_session_id':{'ncm_id':110,'session_id':1111}}"),
		    "connection_id", 0, "required when keep_alive_reason is Handover");
	expect_fail(decf("{'version':'1.0','message_type':'mx_keep_alive_req','sequence_num':12,"
			 "'keep_alive_reason':'Handover','connection_id':0,"
			 "'unique_session_id':{'ncm_id':110,'session_id':1111}}"),
		    "delivery_node_id", 0, "required when keep_alive_reason is Handover");
}

Test(malformed, nul_in_a_string)
{
	static const char esc[] = "{\"version\":\"1.0\",\"message_type\":\"mx_discover\","
				  "\"sequence_num\":1,\"MCC_MNC_Tuple\":\"310\\u0000410\"}";
	static const char raw[] = "{\"version\":\"1.0\",\"message_type\":\"mx_discover\","
				  "\"sequence_num\":1,\"MCC_MNC_Tuple\":\"310\0" "410\"}";

	/* valid JSON, refused: answered with an mx_error */
	expect_fail(dec_lim(esc, sizeof(esc) - 1, 0, 0, 0), "", 0, "\\u0000");
	/* a raw NUL byte is not JSON */
	expect_fail(dec_lim(raw, sizeof(raw) - 1, 0, 0, 0), "", 1007, "control character");
}

Test(malformed, invalid_utf8)
{
	static const char t[] = "{\"version\":\"1.0\",\"message_type\":\"mx_discover\","
				"\"sequence_num\":1,\"MCC_MNC_Tuple\":\"\xc3\x28\"}";
	static const char overlong[] = "{\"version\":\"1.0\",\"message_type\":\"mx_discover\","
				       "\"sequence_num\":1,\"x\":\"\xc0\xaf\"}";

	expect_fail(dec_lim(t, sizeof(t) - 1, 0, 0, 0), "", 1007, NULL);
	expect_fail(dec_lim(overlong, sizeof(overlong) - 1, 0, 0, 0), "", 1007, NULL);
}

Test(malformed, duplicate_key_and_huge_integer)
{
	expect_fail(decf("{'version':'1.0','message_type':'mx_discover','sequence_num':1,"
			 "'sequence_num':2}"), "", 0, "duplicate object key");
	expect_fail(decf("{'version':'1.0','message_type':'mx_discover',"
			 "'sequence_num':123456789012345678901234567890}"), "", 0, "too big");
}

Test(malformed, error_texts_are_encodable)
{
	/* a hostile key and value end up in field/reason: still valid UTF-8 */
	char *s;

	cr_assert_eq(decf("{'version':'1.0','message_type':'mx_\\u00e9\\u0001\\n%s',"
			  "'sequence_num':1}", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
			  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"),
		     -1);
	cp_msg_make_error(&want, &e);
	s = cp_msg_encode(&want, CP_DIALECT_RFC8743);
	cr_assert_not_null(s, "mx_error not encodable: %s / %s", e.message_type, e.reason);
	cr_expect(strchr(e.reason, '\n') == NULL && strchr(e.reason, '\x01') == NULL);
	free(s);
}

/* ---- Encoder ------------------------------------------------------------------- */

/* Encodes x in dialect d and parses the text with jansson. */
static json_t *encode_parse(const struct cp_msg *x, enum cp_dialect d)
{
	char *s = cp_msg_encode(x, d);
	json_t *j;

	cr_assert_not_null(s, "encode failed, errno %d", errno);
	j = json_loads(s, 0, NULL);
	cr_assert_not_null(j, "%s", s);
	cr_expect(strchr(s, '\n') == NULL, "compact: %s", s);
	free(s);
	return j;
}

/* The value at a dotted path ("a.0.b": key a, element 0, key b), or NULL. */
static json_t *jget(json_t *j, const char *path)
{
	json_t *v = j;
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		if (*tok >= '0' && *tok <= '9')
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

/* The string at a dotted path, or NULL when it is missing or not a string. */
static const char *jstr(json_t *j, const char *path)
{
	json_t *v = jget(j, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

Test(encoder, rfc8743_spellings)
{
	json_t *j;

	fill(CP_MSG_CAPABILITY_RSP, &want);
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_capability_rsp");
	cr_expect_str_eq(jstr(j, "version"), "1.0");
	cr_expect(json_is_integer(jget(j, "sequence_num")));
	cr_expect_eq(json_integer_value(jget(j, "unique_session_id.session_id")), 0xFFFFFFFFu);
	cr_expect_str_eq(jstr(j, "delivery_connections.0.connection_type"), "Wi-Fi");
	cr_expect_str_eq(jstr(j, "delivery_connections.1.connection_type"), "5G_NR");
	cr_expect_str_eq(jstr(j, "delivery_connections.2.connection_type"), "MulteFire");
	cr_expect_str_eq(jstr(j, "delivery_connections.3.connection_type"), "LTE");
	cr_expect_str_eq(jstr(j, "convergence_methods.0.method"), "GMA");
	cr_expect_str_eq(jstr(j, "adaptation_methods.2.method"), "IPsec");
	cr_expect_str_eq(jstr(j, "feature_active.4.feature_name"), "downlink_aggregation");
	cr_expect_eq(json_integer_value(jget(j, "num_anchor_connections")), 2);
	cr_expect(json_is_true(jget(j, "feature_active.0.active")));
	json_decref(j);

	fill(CP_MSG_SESSION_TERMINATION_RSP, &want);
	want.version[0] = '\0';
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_session_termination_rsp");
	cr_expect_str_eq(jstr(j, "version"), "1.0", "empty version written as 1.0");
	json_decref(j);

	fill(CP_MSG_UP_SETUP_CONF_REQ, &want);
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect(json_is_integer(jget(j, "anchor_connections.0.convergence_config.0"
				       ".delivery_connections.0.adaptation_method_param.tunnel_end_port")));
	cr_expect_str_eq(jstr(j, "anchor_connections.0.vnic_info.ip"), "10.8.0.2");
	cr_expect_eq(json_integer_value(jget(j, "anchor_connections.0.udp_port")), 9999);
	/* flat anchor stays flat */
	cr_expect_str_eq(jstr(j, "anchor_connections.1.convergence_method"), "GMA");
	cr_expect_null(jget(j, "anchor_connections.1.convergence_config"));
	json_decref(j);

	fill(CP_MSG_TRAFFIC_STEERING_REQ, &want);
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect(json_is_array(jget(j, "feature_active")));
	cr_expect_eq(json_integer_value(jget(j, "downlink_delivery.1.connection_id")), 3);
	cr_expect_eq(json_integer_value(jget(j, "uplink_delivery.2.conn_list.1.connection_id")), 3);
	cr_expect_str_eq(jstr(j, "uplink_delivery.0.ul_tft.remote_addr_mask"), "10.10.0.0/24");
	json_decref(j);

	fill(CP_MSG_MEASUREMENT_REPORT, &want);
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect(json_is_array(jget(j, "measurement_reports")));
	cr_expect(json_is_real(jget(j, "measurement_reports.0.measurements.0.measurement_value")));
	json_decref(j);

	fill(CP_MSG_PATH_EST_RESULTS, &want);
	want.u.path_est_results.active_probe_results.avg_tput_last_probe_duration_Mbps = 9.8;
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	/* readable reals (15 digits) where they read back exactly */
	cr_expect(json_is_real(jget(j, "init_probe_results.probe_rate_Mbps")));
	json_decref(j);
	{
		char *s = cp_msg_encode(&want, CP_DIALECT_RFC8743);

		cr_assert_not_null(s);
		cr_expect(strstr(s, "\"probe_rate_Mbps\":9.9}") != NULL, "%s", s);
		free(s);
	}

	fill(CP_MSG_PATH_EST_REQ, &want);
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect_str_eq(jstr(j, "init_probe_ack_req"), "yes");
	cr_expect_str_eq(jstr(j, "active_probe_ack_req"), "no");
	json_decref(j);
}

Test(encoder, json00_spellings)
{
	json_t *j;

	fill(CP_MSG_CAPABILITY_RSP, &want);
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_capability_resp");
	cr_expect_str_eq(jstr(j, "convergence_methods.0.method"), "Trailer_Based");
	cr_expect_str_eq(jstr(j, "adaptation_methods.2.method"), "IPSec");
	json_decref(j);

	fill(CP_MSG_SESSION_TERMINATION_RSP, &want);
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_session_termination_resp");
	json_decref(j);

	fill(CP_MSG_TRAFFIC_STEERING_RSP, &want);
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect(json_is_array(jget(j, "feature_activation")));
	cr_expect_null(jget(j, "feature_active"));
	json_decref(j);

	fill(CP_MSG_MEASUREMENT_REPORT, &want);
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect(json_is_array(jget(j, "measurment_reports")));
	json_decref(j);

	fill(CP_MSG_UP_SETUP_CONF_REQ, &want);
	want.u.up_setup_conf_req.anchor_connections[1].flat = false;
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect_str_eq(jstr(j, "anchor_connections.1.convergence_method"), "Trailer_Based");
	cr_expect(json_is_array(jget(j, "anchor_connections.0.convergence_config")));
	json_decref(j);

	fill(CP_MSG_CAPABILITY_REQ, &want);
	j = encode_parse(&want, CP_DIALECT_JSON00);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_capability_req");
	json_decref(j);
}

static void expect_encode_refused(const char *what)
{
	char *s;

	errno = 0;
	s = cp_msg_encode(&want, CP_DIALECT_RFC8743);
	cr_expect_null(s, "%s: encoded %s", what, s ? s : "");
	cr_expect_eq(errno, EINVAL, "%s: errno %d", what, errno);
	free(s);
}

Test(encoder, refuses_what_the_decoder_refuses)
{
	fill(CP_MSG_CAPABILITY_RSP, &want);
	want.has_unique_session_id = false;
	expect_encode_refused("capability_rsp without unique_session_id");

	fill(CP_MSG_RECONF_REQ, &want);
	want.u.reconf_req.mtu_size = 0;
	expect_encode_refused("mtu_size 0");

	fill(CP_MSG_RECONF_REQ, &want);
	want.u.reconf_req.reconf_action = CP_RECONF_NONE;
	expect_encode_refused("reconf_action NONE");

	fill(CP_MSG_RECONF_REQ, &want);
	strcpy(want.u.reconf_req.ip_address, "not an address");
	expect_encode_refused("bad ip_address");

	fill(CP_MSG_RECONF_REQ, &want);
	memset(want.u.reconf_req.ssid, 'a', sizeof(want.u.reconf_req.ssid));
	expect_encode_refused("unterminated ssid");

	fill(CP_MSG_RECONF_REQ, &want);
	strcpy(want.u.reconf_req.ssid, "\xff\xfe");
	expect_encode_refused("ssid not UTF-8");

	fill(CP_MSG_SYSTEM_INFO, &want);
	want.u.system_info.ncm_connections[0].connection_type = CP_CONN_UNKNOWN;
	want.u.system_info.ncm_connections[0].connection_type_raw[0] = '\0';
	expect_encode_refused("unknown connection type without a spelling");

	fill(CP_MSG_SYSTEM_INFO, &want);
	want.u.system_info.ncm_connections[0].ncm_end_point.port = 0;
	expect_encode_refused("port 0");

	fill(CP_MSG_SYSTEM_INFO, &want);
	want.u.system_info.n_ncm_connections = CP_MAX_CONNS + 1;
	expect_encode_refused("count above the array");

	fill(CP_MSG_KEEP_ALIVE_REQ, &want);
	want.u.keep_alive_req.has_connection_id = false;
	expect_encode_refused("handover without connection_id");

	fill(CP_MSG_PATH_EST_REQ, &want);
	want.u.path_est_req.active_probe_duration_sec = 9;
	expect_encode_refused("active_probe_duration_sec 9");

	fill(CP_MSG_TRAFFIC_STEERING_REQ, &want);
	want.u.traffic_steering_req.uplink_delivery[0].ul_tft.remote_prefix_len = 33;
	expect_encode_refused("prefix 33");

	fill(CP_MSG_UP_SETUP_CONF_REQ, &want);
	want.u.up_setup_conf_req.anchor_connections[0].flat = true; /* with 2 configurations */
	expect_encode_refused("flat anchor with 2 configurations");

	fill(CP_MSG_MEASUREMENT_REPORT, &want);
	want.u.measurement_report.measurement_reports[0].measurements[0].measurement_value = INFINITY;
	expect_encode_refused("infinite value");

	memset(&want, 0, sizeof(want));
	expect_encode_refused("type NONE");
	want.type = CP_MSG_COUNT;
	expect_encode_refused("type COUNT");
}

Test(encoder, mx_error_wire_form)
{
	json_t *j;

	fill(CP_MSG_ERROR, &want);
	want.sequence_num = 0;
	j = encode_parse(&want, CP_DIALECT_RFC8743);
	cr_expect_str_eq(jstr(j, "message_type"), "mx_error");
	cr_expect_eq(json_integer_value(jget(j, "sequence_num")), 0);
	cr_expect_null(jget(j, "unique_session_id"));
	cr_expect_str_eq(jstr(j, "error.message_type"), "mx_reconf_req");
	cr_expect_str_eq(jstr(j, "error.field"), "mtu_size");
	cr_expect_str_eq(jstr(j, "error.reason"), "70000 out of range 1..65535");
	json_decref(j);
}

/* ---- Names and helpers ------------------------------------------------------------ */

Test(names, message_types)
{
	cr_expect_str_eq(cp_msg_type_name(CP_MSG_DISCOVER), "mx_discover");
	cr_expect_str_eq(cp_msg_type_name(CP_MSG_NETWORK_ANALYTICS_RSP), "mx_network_analytics_rsp");
	cr_expect_str_eq(cp_msg_type_name(CP_MSG_ERROR), "mx_error");
	cr_expect_str_eq(cp_msg_type_name(CP_MSG_NONE), "");
	cr_expect_str_eq(cp_msg_type_name(CP_MSG_COUNT), "");
	cr_expect_str_eq(cp_msg_type_name_dialect(CP_MSG_CAPABILITY_RSP, CP_DIALECT_JSON00),
			 "mx_capability_resp");
	for (int t = CP_MSG_NONE + 1; t < CP_MSG_COUNT; t++)
		cr_expect_eq((int)cp_msg_type_from_name(cp_msg_type_name((enum cp_msg_type)t)), t);
	cr_expect_eq(cp_msg_type_from_name("mx_capability_resp"), CP_MSG_CAPABILITY_RSP);
	cr_expect_eq(cp_msg_type_from_name("mx_session_resume_req"), CP_MSG_NONE);
	cr_expect_eq(cp_msg_answer_type(CP_MSG_CAPABILITY_REQ), CP_MSG_CAPABILITY_RSP);
	cr_expect_eq(cp_msg_answer_type(CP_MSG_RECONF_REQ), CP_MSG_RECONF_RSP);
	cr_expect_eq(cp_msg_answer_type(CP_MSG_MEASUREMENT_REPORT), CP_MSG_NONE);
	cr_expect(cp_msg_has_session_id(CP_MSG_CAPABILITY_ACK));
	cr_expect_not(cp_msg_has_session_id(CP_MSG_DISCOVER));
	cr_expect_not(cp_msg_has_session_id(CP_MSG_UP_SETUP_CONF_REQ));
}

Test(names, enumerations)
{
	cr_expect_str_eq(cp_conn_type_name(CP_CONN_WIFI), "Wi-Fi");
	cr_expect_str_eq(cp_conn_type_name(CP_CONN_UNKNOWN), "");
	cr_expect_str_eq(cp_feature_name(CP_FEATURE_PROBING), "probing");
	cr_expect_str_eq(cp_conv_method_name(CP_CONV_GMA), "GMA");
	cr_expect_str_eq(cp_adapt_method_name(CP_ADAPT_IPSEC), "IPsec");
	cr_expect_str_eq(cp_reconf_action_name(CP_RECONF_UPDATE), "update");
	cr_expect_str_eq(cp_conn_status_name(CP_CONN_STATUS_CONNECTED), "connected");
	cr_expect_str_eq(cp_keep_alive_reason_name(CP_KEEP_ALIVE_HANDOVER), "Handover");
	cr_expect_str_eq(cp_term_reason_name(CP_TERM_INTERNAL_ERROR), "INTERNAL_ERROR");
	cr_expect_str_eq(cp_cap_ack_name(CP_CAP_ACK_ACCEPT), "MX_ACCEPT");
	cr_expect_str_eq(cp_ssid_type_name(CP_SSID_TYPE_HESSID), "hessid");
	cr_expect_str_eq(cp_meas_param_name(CP_MEAS_NR_RSRQ), "NR_RSRQ");
	cr_expect_str_eq(cp_analytics_param_name(CP_ANALYTICS_SIGNAL_QUALITY), "signal_quality");
}

Test(names, limits_and_tft_defaults)
{
	struct cp_limits l;
	struct cp_tft t;

	cp_limits_default(&l);
	cr_expect_eq(l.max_bytes, 65536);
	cr_expect_eq(l.max_depth, 16);
	cr_expect_eq(l.max_array, 64);
	cp_tft_default(&t);
	cr_expect_eq(t.protocol_type, 255);
	cr_expect_eq(t.traffic_class, 255);
	cr_expect_eq(t.remote_prefix_len, 0);
	cr_expect_eq(t.local_port_range.start, 0);
	cr_expect_eq(t.local_port_range.end, 65535);
	cr_expect_eq(t.remote_port_range.end, 65535);
	cr_expect_eq(t.flow_label, 0);
	cr_expect_lt(sizeof(struct cp_msg), 64 * 1024);
}
