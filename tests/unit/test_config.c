/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration parser (dataplane/dp_config.c): the shipped example parses,
 * omitted fields take their documented defaults, every field of a full
 * configuration lands where dp_config.h / dp_api.h say (host-order
 * addresses, masks, port ranges, conn_id -> path index, GMA flag bits), and
 * every rejection names its field as a JSON path.
 *
 * Most rejection cases are one edit of a valid base configuration (BASE):
 * set or delete the member at a JSON path, then the message must *start*
 * with the expected "path: reason".  JSON in this file is written with
 * single quotes; sq() turns them into double quotes.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dp_config.h"

#ifndef MAMSGW_SOURCE_ROOT
#error "meson passes MAMSGW_SOURCE_ROOT (tests/unit/meson.build)"
#endif

#define ERR_LEN 512

static struct dp_config cfg;
static char err[ERR_LEN];

/* A valid configuration that exercises every section; the cases edit it. */
static const char BASE[] =
	"{'dataplane': {'workers': 1, 'burst': 32},"
	" 'mx_control': {'ip': '10.8.0.1', 'port': 9999},"
	" 'reorder': {'window': 1024, 'timeout_ms': 100, 'deliver_late': true},"
	" 'reassembly': {'timeout_ms': 100, 'max_bytes': 65536, 'slots': 4},"
	" 'ports': ["
	"  {'name': 'wifi', 'device': 'net_pcap0', 'role': 'access', 'ipv4': '192.0.2.1',"
	"   'mac': '02:00:00:00:01:01', 'next_hop_mac': '02:00:00:00:01:02', 'gma_udp_ports': [10020]},"
	"  {'name': 'lte', 'device': 'net_pcap1', 'role': 'access', 'ipv4': '198.51.100.1',"
	"   'next_hop_mac': '02:00:00:00:02:02', 'gma_udp_ports': [10020, 10021]},"
	"  {'name': 'core', 'device': 'net_pcap2', 'role': 'core', 'ipv4': '203.0.113.1',"
	"   'next_hop_mac': '02:00:00:00:03:02'}],"
	" 'sessions': ["
	"  {'id': 1, 'anchor_ip': '10.8.0.2', 'method': 'trailer', 'dl_fields': ['flow_sn'],"
	"   'paths': ["
	"    {'conn_id': 0, 'port': 'wifi', 'client_ip': '192.0.2.10', 'client_port': 5000},"
	"    {'conn_id': 1, 'port': 'lte', 'client_ip': '198.51.100.10', 'client_port': 5000}],"
	"   'flows': ["
	"    {'flow_id': 0, 'steering': {'mode': 'switch', 'paths': [0]}},"
	"    {'flow_id': 1, 'match': {'remote_ip': '203.0.113.0/24', 'proto': 'tcp',"
	"      'remote_ports': '80-443', 'dscp': 10},"
	"     'steering': {'mode': 'split', 'paths': [0, 1], 'weights': [1, 1]}}]},"
	"  {'id': 2, 'anchor_ip': '10.8.0.3', 'method': 'nonip',"
	"   'paths': [{'conn_id': 0, 'port': 'wifi', 'client_ip': '192.0.2.11', 'client_port': 5000}]}]}";

/* Single-quoted JSON to JSON (caller frees). */
static char *sq(const char *s)
{
	char *d = strdup(s);

	cr_assert_not_null(d);
	for (char *p = d; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int parse_sq(const char *s)
{
	char *j = sq(s);
	int rc = dp_config_parse(j, strlen(j), &cfg, err, sizeof(err));

	free(j);
	return rc;
}

/*
 * BASE with the member at `path` ("sessions[0].paths[1].mtu") set to the
 * single-quoted JSON `value`, or deleted when value is NULL.  An index equal
 * to the array's size appends.  Returns the JSON text (caller frees).
 */
static char *edit(const char *path, const char *value)
{
	char *base = sq(BASE), buf[128], *seg, *next, *save = NULL;
	json_t *root, *parent, *v = NULL;
	json_error_t je;

	root = json_loads(base, 0, &je);
	free(base);
	cr_assert_not_null(root, "BASE: %s", je.text);
	if (value != NULL) {
		char *vj = sq(value);

		v = json_loads(vj, JSON_DECODE_ANY, &je);
		free(vj);
		cr_assert_not_null(v, "value %s: %s", value, je.text);
	}
	snprintf(buf, sizeof(buf), "%s", path);
	parent = root;
	for (seg = strtok_r(buf, ".", &save); seg != NULL; seg = next) {
		char *br = strchr(seg, '[');
		long idx = -1;

		next = strtok_r(NULL, ".", &save);
		if (br != NULL) {
			*br = '\0';
			idx = strtol(br + 1, NULL, 10);
		}
		if (next == NULL && idx < 0) {
			if (v != NULL)
				json_object_set_new(parent, seg, v);
			else
				json_object_del(parent, seg);
		} else if (next == NULL) {
			json_t *a = json_object_get(parent, seg);

			cr_assert(json_is_array(a), "%s: no array %s", path, seg);
			if (v == NULL)
				json_array_remove(a, (size_t)idx);
			else if ((size_t)idx == json_array_size(a))
				json_array_append_new(a, v);
			else
				json_array_set_new(a, (size_t)idx, v);
		} else {
			parent = json_object_get(parent, seg);
			if (idx >= 0)
				parent = json_array_get(parent, (size_t)idx);
			cr_assert_not_null(parent, "%s: no member %s", path, seg);
		}
	}
	base = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	cr_assert_not_null(base);
	return base;
}

struct edit_case {
	const char *path;
	const char *value; /* single-quoted JSON; NULL = delete the member */
	const char *want;  /* the message must start with this */
};

static void run_edits(const struct edit_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *j = edit(t[i].path, t[i].value);
		int rc = dp_config_parse(j, strlen(j), &cfg, err, sizeof(err));

		cr_expect_eq(rc, -1, "%s = %s: accepted", t[i].path, t[i].value);
		cr_expect(strncmp(err, t[i].want, strlen(t[i].want)) == 0,
			  "%s = %s:\n  got  %s\n  want %s...", t[i].path, t[i].value, err, t[i].want);
		free(j);
	}
}

struct raw_case {
	const char *json; /* single-quoted */
	const char *want; /* the message must start with this */
};

static void run_raw(const struct raw_case *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = parse_sq(t[i].json);

		cr_expect_eq(rc, -1, "%s: accepted", t[i].json);
		cr_expect(strncmp(err, t[i].want, strlen(t[i].want)) == 0,
			  "%s:\n  got  %s\n  want %s...", t[i].json, err, t[i].want);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Accepted configurations ------------------------------------------- */

Test(config, example_file_parses)
{
	const char *path = MAMSGW_SOURCE_ROOT "/config/mamsgw.json";
	const struct dp_session_cfg *s;

	cr_assert_eq(dp_config_load(path, &cfg, err, sizeof(err)), 0, "%s: %s", path, err);
	cr_expect_eq(cfg.n_ports, 3);
	cr_expect_eq(dp_config_port_index(&cfg, "wifi"), 0);
	cr_expect_eq(dp_config_port_index(&cfg, "lte"), 1);
	cr_expect_eq(dp_config_port_index(&cfg, "core"), 2);
	cr_expect_eq(cfg.ports[2].role, DP_PORT_CORE);
	cr_expect_eq(cfg.n_sessions, 2);
	s = &cfg.sessions[0];
	cr_expect_eq(s->n_paths, 2);
	cr_expect_eq(s->n_flows, 3);
	cr_expect_eq(s->flows[2].steer.mode, GMA_STEER_SPLIT);
	cr_expect_eq(cfg.sessions[1].n_flows, 1, "the session without flows gets the default one");
}

Test(config, base_parses)
{
	cr_assert_eq(parse_sq(BASE), 0, "%s", err);
	cr_expect_eq(err[0], '\0');
}

Test(config, defaults_function)
{
	dp_config_defaults(&cfg);
	cr_expect_eq(cfg.workers, 1);
	cr_expect_eq(cfg.mbufs, 8191);
	cr_expect_eq(cfg.mbuf_cache, 256);
	cr_expect_eq(cfg.rx_desc, 1024);
	cr_expect_eq(cfg.tx_desc, 1024);
	cr_expect_eq(cfg.burst, 32);
	cr_expect_eq(cfg.max_sessions, 1024);
	cr_expect_eq(cfg.handoff_ring, 1024);
	cr_expect_eq(cfg.ctrl_ring, 256);
	cr_expect_eq(cfg.ctrl_ip, 0);
	cr_expect_eq(cfg.ctrl_port, 9999);
	cr_expect_eq(cfg.reorder_window, 1024);
	cr_expect_eq(cfg.reorder_timeout_ms, 100);
	cr_expect_eq(cfg.reorder_deliver_late, true);
	cr_expect_eq(cfg.reasm_timeout_ms, 100);
	cr_expect_eq(cfg.reasm_max_bytes, 65536);
	cr_expect_eq(cfg.reasm_slots, 4);
	cr_expect_eq(cfg.n_ports, 0);
	cr_expect_eq(cfg.n_sessions, 0);
}

/* Only the required fields: everything else must come out at its default. */
Test(config, defaults_applied)
{
	const struct dp_session_cfg *s;
	const struct dp_flow_cfg *f;
	const struct dp_path_cfg *pa;

	cr_assert_eq(parse_sq("{'ports': ["
			      " {'name': 'wifi', 'device': 'net_pcap0', 'role': 'access',"
			      "  'ipv4': '192.0.2.1', 'next_hop_mac': '02:00:00:00:01:02',"
			      "  'gma_udp_ports': [10020, 10021]},"
			      " {'name': 'core', 'device': 'net_pcap2', 'role': 'core',"
			      "  'ipv4': '203.0.113.1', 'next_hop_mac': '02:00:00:00:03:02'}],"
			      " 'sessions': [{'id': 7, 'anchor_ip': '10.8.0.2', 'method': 'trailer',"
			      "  'paths': [{'conn_id': 2, 'port': 'wifi', 'client_ip': '192.0.2.10',"
			      "             'client_port': 5000}]}]}"),
		     0, "%s", err);
	cr_expect_eq(cfg.workers, 1);
	cr_expect_eq(cfg.mbufs, 8191);
	cr_expect_eq(cfg.mbuf_cache, 256);
	cr_expect_eq(cfg.rx_desc, 1024);
	cr_expect_eq(cfg.tx_desc, 1024);
	cr_expect_eq(cfg.burst, 32);
	cr_expect_eq(cfg.max_sessions, 1024);
	cr_expect_eq(cfg.handoff_ring, 1024);
	cr_expect_eq(cfg.ctrl_ring, 256);
	cr_expect_eq(cfg.ctrl_ip, 0);
	cr_expect_eq(cfg.ctrl_port, 9999);
	cr_expect_eq(cfg.reorder_window, 1024);
	cr_expect_eq(cfg.reorder_timeout_ms, 100);
	cr_expect_eq(cfg.reorder_deliver_late, true);
	cr_expect_eq(cfg.reasm_timeout_ms, 100);
	cr_expect_eq(cfg.reasm_max_bytes, 65536);
	cr_expect_eq(cfg.reasm_slots, 4);

	cr_expect_eq(cfg.n_ports, 2);
	for (unsigned i = 0; i < 6; i++)
		cr_expect_eq(cfg.ports[0].mac[i], 0, "mac absent: all zero (the port's own)");
	cr_expect_eq(cfg.ports[0].rx_queues, 0);

	cr_assert_eq(cfg.n_sessions, 1);
	s = &cfg.sessions[0];
	cr_expect_eq(s->dl_flags, GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID);
	cr_expect_eq(s->ctrl_dialect, MX_DIALECT_UP09);
	cr_expect_eq(s->fragment, true);
	cr_expect_eq(s->concat, false);
	cr_expect_eq(s->concat_hold_us, 200);
	cr_expect_eq(s->default_flow, 0);
	pa = &s->paths[0];
	cr_expect_eq(pa->gw_port, 10020, "the port's first GMA port");
	cr_expect_eq(pa->mtu, 1500);
	cr_expect_eq(pa->up, true);

	/* No flows: one flow, id default_flow, matching anything, on path 0. */
	cr_assert_eq(s->n_flows, 1);
	f = &s->flows[0];
	cr_expect_eq(f->flow_id, 0);
	cr_expect_eq(f->tft.flow_id, 0);
	cr_expect_eq(f->tft.remote_mask, 0);
	cr_expect_eq(f->tft.local_mask, 0);
	cr_expect_eq(f->tft.remote_port_min, 0);
	cr_expect_eq(f->tft.remote_port_max, 65535);
	cr_expect_eq(f->tft.local_port_min, 0);
	cr_expect_eq(f->tft.local_port_max, 65535);
	cr_expect_eq(f->tft.proto, 0);
	cr_expect_eq(f->tft.dscp_match, false);
	cr_expect_eq(f->steer.mode, GMA_STEER_SWITCH);
	cr_expect_eq(f->steer.n, 1);
	cr_expect_eq(f->steer.path[0], 0);
}

/* Every key set to a value other than its default; every struct field checked. */
static const char FULL[] =
	"{'dataplane': {'workers': 4, 'mbufs': 16383, 'mbuf_cache': 128, 'rx_desc': 512,"
	"  'tx_desc': 2048, 'burst': 64, 'max_sessions': 4096, 'handoff_ring': 2048, 'ctrl_ring': 64},"
	" 'mx_control': {'ip': '10.8.0.1', 'port': 7777},"
	" 'reorder': {'window': 256, 'timeout_ms': 250, 'deliver_late': false},"
	" 'reassembly': {'timeout_ms': 300, 'max_bytes': 131072, 'slots': 8},"
	" 'ports': ["
	"  {'name': 'wifi', 'device': '0000:03:00.0', 'role': 'access', 'ipv4': '192.0.2.1',"
	"   'mac': '02:00:00:00:01:01', 'next_hop_mac': '02:00:00:00:01:02', 'rx_queues': 2,"
	"   'gma_udp_ports': [10020, 10030]},"
	"  {'name': 'core', 'device': 'net_pcap2,iface=eth2', 'role': 'core', 'ipv4': '203.0.113.1',"
	"   'next_hop_mac': 'AA:bb:CC:dd:EE:f0'},"
	"  {'name': 'lte', 'device': 'net_pcap1', 'role': 'access', 'ipv4': '198.51.100.1',"
	"   'next_hop_mac': '02:00:00:00:02:02', 'gma_udp_ports': [10021]}],"
	" 'sessions': ["
	"  {'id': 4000000000, 'anchor_ip': '10.8.1.2', 'method': 'header',"
	"   'dl_fields': ['checksum', 'conn_id', 'flow_id', 'fragmentation', 'delivery_sn',"
	"                 'flow_sn', 'timestamp', 'ttl'],"
	"   'mx_dialect': 'rfc8743', 'fragment': false, 'concat': true, 'concat_hold_us': 750,"
	"   'default_flow': 9,"
	"   'paths': ["
	"    {'conn_id': 3, 'port': 'lte', 'client_ip': '198.51.100.10', 'client_port': 6000,"
	"     'mtu': 1400, 'up': false},"
	"    {'conn_id': 7, 'port': 'wifi', 'client_ip': '192.0.2.10', 'client_port': 6001,"
	"     'gw_port': 10030, 'mtu': 9000}],"
	"   'flows': ["
	"    {'flow_id': 9, 'steering': {'mode': 'switch', 'paths': [7, 3]}},"
	"    {'flow_id': 5, 'match': {'remote_ip': '203.0.113.0/24', 'local_ip': '10.8.1.2',"
	"      'remote_ports': '1000-2000', 'local_ports': 53, 'proto': 'udp', 'dscp': 46},"
	"     'steering': {'mode': 'split', 'paths': [3, 7], 'weights': [30, 70]}},"
	"    {'flow_id': 6, 'match': {'proto': 132, 'remote_ip': '0.0.0.0/0', 'local_ip': '10.8.0.0/16'},"
	"     'steering': {'mode': 'duplicate', 'paths': [7, 3]}},"
	"    {'flow_id': 8, 'match': {'proto': 'icmp', 'dscp': 0},"
	"     'steering': {'mode': 'split', 'paths': [7], 'weights': [5]}}]},"
	"  {'id': 2, 'anchor_ip': '10.8.1.3', 'method': 'nonip', 'dl_fields': [], 'default_flow': 4,"
	"   'paths': [{'conn_id': 15, 'port': 'wifi', 'client_ip': '192.0.2.11', 'client_port': 1}]}]}";

Test(config, full_config_fields)
{
	const struct dp_port_cfg *p;
	const struct dp_session_cfg *s;
	const struct dp_flow_cfg *f;
	const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0x01, 0x01 };
	const uint8_t nh0[6] = { 0x02, 0, 0, 0, 0x01, 0x02 };
	const uint8_t nh1[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0 };

	cr_assert_eq(parse_sq(FULL), 0, "%s", err);
	cr_expect_eq(cfg.workers, 4);
	cr_expect_eq(cfg.mbufs, 16383);
	cr_expect_eq(cfg.mbuf_cache, 128);
	cr_expect_eq(cfg.rx_desc, 512);
	cr_expect_eq(cfg.tx_desc, 2048);
	cr_expect_eq(cfg.burst, 64);
	cr_expect_eq(cfg.max_sessions, 4096);
	cr_expect_eq(cfg.handoff_ring, 2048);
	cr_expect_eq(cfg.ctrl_ring, 64);
	cr_expect_eq(cfg.ctrl_ip, 0x0A080001u, "host order");
	cr_expect_eq(cfg.ctrl_port, 7777);
	cr_expect_eq(cfg.reorder_window, 256);
	cr_expect_eq(cfg.reorder_timeout_ms, 250);
	cr_expect_eq(cfg.reorder_deliver_late, false);
	cr_expect_eq(cfg.reasm_timeout_ms, 300);
	cr_expect_eq(cfg.reasm_max_bytes, 131072);
	cr_expect_eq(cfg.reasm_slots, 8);

	cr_assert_eq(cfg.n_ports, 3);
	p = &cfg.ports[0];
	cr_expect_str_eq(p->name, "wifi");
	cr_expect_str_eq(p->device, "0000:03:00.0");
	cr_expect_eq(p->role, DP_PORT_ACCESS);
	cr_expect_eq(p->ipv4, 0xC0000201u);
	cr_expect_arr_eq(p->mac, mac0, 6);
	cr_expect_arr_eq(p->next_hop_mac, nh0, 6);
	cr_expect_eq(p->rx_queues, 2);
	cr_expect_eq(p->n_gma_ports, 2);
	cr_expect_eq(p->gma_ports[0], 10020);
	cr_expect_eq(p->gma_ports[1], 10030);
	p = &cfg.ports[1];
	cr_expect_str_eq(p->name, "core");
	cr_expect_str_eq(p->device, "net_pcap2,iface=eth2");
	cr_expect_eq(p->role, DP_PORT_CORE);
	cr_expect_eq(p->ipv4, 0xCB007101u);
	cr_expect_arr_eq(p->next_hop_mac, nh1, 6, "hex digits in either case");
	cr_expect_eq(p->n_gma_ports, 0);
	p = &cfg.ports[2];
	cr_expect_str_eq(p->name, "lte");
	cr_expect_eq(p->ipv4, 0xC6336401u);
	cr_expect_eq(p->n_gma_ports, 1);
	cr_expect_eq(p->gma_ports[0], 10021);

	cr_assert_eq(cfg.n_sessions, 2);
	s = &cfg.sessions[0];
	cr_expect_eq(s->id, 4000000000u);
	cr_expect_eq(s->anchor_ip, 0x0A080102u);
	cr_expect_eq(s->method, GMA_METHOD_HEADER_IP);
	cr_expect_eq(s->dl_flags, GMA_F_CHECKSUM | GMA_F_CONN_ID | GMA_F_FLOW_ID | GMA_F_FRAG |
				  GMA_F_DELIVERY_SN | GMA_F_FLOW_SN | GMA_F_TIMESTAMP | GMA_F_TTL);
	cr_expect_eq(s->dl_flags & GMA_F_CONCAT, 0);
	cr_expect_eq(s->ctrl_dialect, MX_DIALECT_RFC8743);
	cr_expect_eq(s->fragment, false);
	cr_expect_eq(s->concat, true);
	cr_expect_eq(s->concat_hold_us, 750);
	cr_expect_eq(s->default_flow, 9);
	cr_assert_eq(s->n_paths, 2);
	cr_expect_eq(s->paths[0].conn_id, 3);
	cr_expect_eq(s->paths[0].port, 2, "\"lte\" is ports[2]");
	cr_expect_eq(s->paths[0].client_ip, 0xC633640Au);
	cr_expect_eq(s->paths[0].client_port, 6000);
	cr_expect_eq(s->paths[0].gw_port, 10021);
	cr_expect_eq(s->paths[0].mtu, 1400);
	cr_expect_eq(s->paths[0].up, false);
	cr_expect_eq(s->paths[1].conn_id, 7);
	cr_expect_eq(s->paths[1].port, 0);
	cr_expect_eq(s->paths[1].client_ip, 0xC000020Au);
	cr_expect_eq(s->paths[1].client_port, 6001);
	cr_expect_eq(s->paths[1].gw_port, 10030);
	cr_expect_eq(s->paths[1].mtu, 9000);
	cr_expect_eq(s->paths[1].up, true);

	cr_assert_eq(s->n_flows, 4);
	f = &s->flows[0];
	cr_expect_eq(f->flow_id, 9);
	cr_expect_eq(f->tft.flow_id, 9);
	cr_expect_eq(f->tft.remote_mask, 0);
	cr_expect_eq(f->tft.remote_port_max, 65535);
	cr_expect_eq(f->steer.mode, GMA_STEER_SWITCH);
	cr_expect_eq(f->steer.n, 2);
	cr_expect_eq(f->steer.path[0], 1, "conn_id 7 is paths[1]");
	cr_expect_eq(f->steer.path[1], 0, "conn_id 3 is paths[0]");
	f = &s->flows[1];
	cr_expect_eq(f->flow_id, 5);
	cr_expect_eq(f->tft.flow_id, 5);
	cr_expect_eq(f->tft.remote_ip, 0xCB007100u);
	cr_expect_eq(f->tft.remote_mask, 0xFFFFFF00u);
	cr_expect_eq(f->tft.local_ip, 0x0A080102u);
	cr_expect_eq(f->tft.local_mask, 0xFFFFFFFFu, "an address alone is a /32");
	cr_expect_eq(f->tft.remote_port_min, 1000);
	cr_expect_eq(f->tft.remote_port_max, 2000);
	cr_expect_eq(f->tft.local_port_min, 53);
	cr_expect_eq(f->tft.local_port_max, 53);
	cr_expect_eq(f->tft.proto, 17);
	cr_expect_eq(f->tft.dscp_match, true);
	cr_expect_eq(f->tft.dscp, 46);
	cr_expect_eq(f->steer.mode, GMA_STEER_SPLIT);
	cr_expect_eq(f->steer.n, 2);
	cr_expect_eq(f->steer.path[0], 0);
	cr_expect_eq(f->steer.path[1], 1);
	cr_expect_eq(f->steer.weight[0], 30);
	cr_expect_eq(f->steer.weight[1], 70);
	f = &s->flows[2];
	cr_expect_eq(f->flow_id, 6);
	cr_expect_eq(f->tft.proto, 132);
	cr_expect_eq(f->tft.remote_ip, 0);
	cr_expect_eq(f->tft.remote_mask, 0, "/0 matches any address");
	cr_expect_eq(f->tft.local_ip, 0x0A080000u);
	cr_expect_eq(f->tft.local_mask, 0xFFFF0000u);
	cr_expect_eq(f->tft.local_port_min, 0);
	cr_expect_eq(f->tft.local_port_max, 65535);
	cr_expect_eq(f->tft.dscp_match, false);
	cr_expect_eq(f->steer.mode, GMA_STEER_DUPLICATE);
	cr_expect_eq(f->steer.n, 2);
	cr_expect_eq(f->steer.path[0], 1);
	cr_expect_eq(f->steer.path[1], 0);
	f = &s->flows[3];
	cr_expect_eq(f->tft.proto, 1);
	cr_expect_eq(f->tft.dscp_match, true, "dscp 0 is a match on 0, not \"any\"");
	cr_expect_eq(f->tft.dscp, 0);
	cr_expect_eq(f->steer.n, 1);
	cr_expect_eq(f->steer.weight[0], 5);

	s = &cfg.sessions[1];
	cr_expect_eq(s->id, 2);
	cr_expect_eq(s->method, GMA_METHOD_NONIP);
	cr_expect_eq(s->dl_flags, 0, "an empty list sends no optional field");
	cr_expect_eq(s->paths[0].conn_id, 15);
	cr_expect_eq(s->paths[0].client_port, 1);
	cr_expect_eq(s->paths[0].gw_port, 10020);
	cr_assert_eq(s->n_flows, 1);
	cr_expect_eq(s->flows[0].flow_id, 4, "the default flow takes default_flow's id");
	cr_expect_eq(s->flows[0].tft.flow_id, 4);
}

/* Edge values that must be accepted. */
Test(config, boundaries_accepted)
{
	static const struct edit_case ok[] = {
		{ "dataplane.workers", "127", NULL },
		{ "dataplane.burst", "1", NULL },
		{ "dataplane.burst", "64", NULL },
		{ "dataplane.rx_desc", "16", NULL },
		{ "dataplane.tx_desc", "32768", NULL },
		{ "dataplane.mbuf_cache", "0", NULL },
		{ "dataplane.handoff_ring", "2", NULL },
		{ "reorder.window", "2", NULL },
		{ "reorder.window", "32768", NULL },
		{ "reassembly.slots", "64", NULL },
		{ "mx_control.ip", "'0.0.0.0'", NULL },
		{ "mx_control.ip", "'255.255.255.255'", NULL },
		{ "ports[2].name", "'abcdefghijklmnopqrstuvwxyz_-.01'", NULL }, /* 31 */
		{ "ports[2].name", "'a'", NULL },
		{ "ports[0].mac", "'FE:DC:BA:98:76:54'", NULL },
		{ "ports[0].gma_udp_ports", "[1, 2, 3, 10020]", NULL },
		{ "ports[0].rx_queues", "1024", NULL },
		{ "sessions[1].paths[0].conn_id", "15", NULL },
		{ "sessions[0].paths[1].mtu", "68", NULL },
		{ "sessions[0].paths[1].mtu", "9000", NULL },
		{ "sessions[0].paths[1].gw_port", "10021", NULL },
		{ "sessions[0].paths[1].client_port", "65535", NULL },
		{ "sessions[0].flows[1].match.remote_ports", "'0-65535'", NULL },
		{ "sessions[0].flows[1].match.remote_ports", "'8080'", NULL },
		{ "sessions[0].flows[1].match.remote_ports", "0", NULL },
		{ "sessions[0].flows[0].match", "{'proto': 255}", NULL },
		{ "sessions[0].flows[1].match.dscp", "63", NULL },
		{ "sessions[0].flows[1].steering.weights", "[0, 1]", NULL },
		{ "sessions[0].flows[1].steering.weights", "[1001, 23]", NULL }, /* 1024 */
		{ "sessions[0].flows[1].steering.weights", "[4000, 96]", NULL }, /* 1024 x 4 */
		{ "sessions[0].flows[1].steering.weights", "[65535, 65535]", NULL },
		{ "sessions[0].flows", "[]", NULL },
		{ "sessions[0].dl_fields", "['ttl']", NULL },
		{ "sessions[0].default_flow", "1", NULL },
		{ "sessions", "[]", NULL },
		{ "sessions", NULL, NULL },
		{ "dataplane", NULL, NULL },
	};

	for (size_t i = 0; i < N(ok); i++) {
		char *j = edit(ok[i].path, ok[i].value);

		cr_expect_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), 0,
			     "%s = %s: %s", ok[i].path, ok[i].value, err);
		free(j);
	}
}

/* Largest counts: DP_MAX_PORTS ports, DP_MAX_STATIC_SESSIONS sessions, full sessions. */
static char *big_config(unsigned n_access, unsigned n_sessions, unsigned n_paths, unsigned n_flows)
{
	size_t cap = 1u << 20, off = 0;
	char *b = malloc(cap);

	cr_assert_not_null(b);
#define PUT(...) (off += (size_t)snprintf(b + off, cap - off, __VA_ARGS__))
	PUT("{\"dataplane\": {\"max_sessions\": 64}, \"ports\": [");
	for (unsigned i = 0; i < n_access; i++)
		PUT("{\"name\": \"a%u\", \"device\": \"net_null%u\", \"role\": \"access\","
		    " \"ipv4\": \"192.0.2.%u\", \"next_hop_mac\": \"02:00:00:00:00:01\","
		    " \"gma_udp_ports\": [10020]},", i, i, i + 1);
	PUT("{\"name\": \"core\", \"device\": \"net_null99\", \"role\": \"core\","
	    " \"ipv4\": \"203.0.113.1\", \"next_hop_mac\": \"02:00:00:00:00:02\"}], \"sessions\": [");
	for (unsigned s = 0; s < n_sessions; s++) {
		PUT("%s{\"id\": %u, \"anchor_ip\": \"10.8.0.%u\", \"method\": \"trailer\", \"paths\": [",
		    s ? "," : "", s + 1, s + 1);
		for (unsigned p = 0; p < n_paths; p++)
			PUT("%s{\"conn_id\": %u, \"port\": \"a0\", \"client_ip\": \"198.51.100.%u\","
			    " \"client_port\": %u}", p ? "," : "", p, s + 1, 1000 + p);
		PUT("], \"flows\": [");
		for (unsigned f = 0; f < n_flows; f++)
			PUT("%s{\"flow_id\": %u, \"steering\": {\"mode\": \"duplicate\","
			    " \"paths\": [0, 1, 2, 3, 4, 5, 6, 7]}}", f ? "," : "", f);
		PUT("]}");
	}
	PUT("]}");
#undef PUT
	cr_assert_lt(off, cap);
	return b;
}

Test(config, largest_counts_accepted)
{
	char *j = big_config(DP_MAX_PORTS - 1, DP_MAX_STATIC_SESSIONS, DP_MAX_PATHS, DP_MAX_FLOWS);

	cr_expect_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(cfg.n_ports, DP_MAX_PORTS);
	cr_expect_eq(cfg.n_sessions, DP_MAX_STATIC_SESSIONS);
	cr_expect_eq(cfg.sessions[63].n_paths, DP_MAX_PATHS);
	cr_expect_eq(cfg.sessions[63].n_flows, DP_MAX_FLOWS);
	cr_expect_eq(cfg.sessions[63].flows[7].steer.n, 8);
	free(j);
}

Test(config, count_limits_rejected)
{
	static const struct {
		unsigned access, sessions;
		const char *want;
	} t[] = {
		{ DP_MAX_PORTS, 1, "ports: 9 entries, more than DP_MAX_PORTS (8)" },
		{ 1, DP_MAX_STATIC_SESSIONS + 1, "sessions: 65 entries, more than DP_MAX_STATIC_SESSIONS (64)" },
	};

	for (size_t i = 0; i < N(t); i++) {
		char *j = big_config(t[i].access, t[i].sessions, 1, 0);

		cr_expect_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), -1);
		cr_expect(strncmp(err, t[i].want, strlen(t[i].want)) == 0, "got %s, want %s", err,
			  t[i].want);
		free(j);
	}
}

/* ---- Rejections, one group per section --------------------------------- */

Test(config_errors, dataplane_and_globals)
{
	static const struct edit_case t[] = {
		{ "dataplane.workers", "0", "dataplane.workers: 0 is out of range 1..127" },
		{ "dataplane.workers", "128", "dataplane.workers: 128 is out of range 1..127" },
		{ "dataplane.mbufs", "0", "dataplane.mbufs: 0 is out of range 1..4294967295" },
		{ "dataplane.mbufs", "4294967296", "dataplane.mbufs: 4294967296 is out of range" },
		{ "dataplane.mbufs", "383", "dataplane.mbuf_cache: 256 needs mbufs >= 384" },
		{ "dataplane.mbuf_cache", "513", "dataplane.mbuf_cache: 513 is out of range 0..512" },
		{ "dataplane.rx_desc", "1000", "dataplane.rx_desc: 1000 is not a power of 2" },
		{ "dataplane.rx_desc", "8", "dataplane.rx_desc: 8 is out of range 16..32768" },
		{ "dataplane.tx_desc", "65536", "dataplane.tx_desc: 65536 is out of range 16..32768" },
		{ "dataplane.tx_desc", "3000", "dataplane.tx_desc: 3000 is not a power of 2" },
		{ "dataplane.burst", "0", "dataplane.burst: 0 is out of range 1..64" },
		{ "dataplane.burst", "65", "dataplane.burst: 65 is out of range 1..64" },
		{ "dataplane.max_sessions", "0", "dataplane.max_sessions: 0 is out of range 1..16777216" },
		{ "dataplane.max_sessions", "1", "sessions: 2 static sessions, more than "
						"dataplane.max_sessions (1)" },
		{ "dataplane.handoff_ring", "1000", "dataplane.handoff_ring: 1000 is not a power of 2" },
		{ "dataplane.handoff_ring", "1", "dataplane.handoff_ring: 1 is out of range 2..1048576" },
		{ "dataplane.ctrl_ring", "96", "dataplane.ctrl_ring: 96 is not a power of 2" },
		{ "dataplane.ctrl_ring", "2097152", "dataplane.ctrl_ring: 2097152 is out of range" },
		{ "mx_control.ip", "'10.8.0.256'", "mx_control.ip: \"10.8.0.256\" is not an IPv4 address" },
		{ "mx_control.port", "0", "mx_control.port: 0 is out of range 1..65535" },
		{ "mx_control.port", "65536", "mx_control.port: 65536 is out of range 1..65535" },
		{ "reorder.window", "65536", "reorder.window: 65536 is out of range 2..32768 "
					     "(GMA_REORDER_MAX_WINDOW)" },
		{ "reorder.window", "1", "reorder.window: 1 is out of range 2..32768" },
		{ "reorder.window", "1000", "reorder.window: 1000 is not a power of 2" },
		{ "reorder.timeout_ms", "0", "reorder.timeout_ms: 0 is out of range 1..60000" },
		{ "reassembly.timeout_ms", "60001", "reassembly.timeout_ms: 60001 is out of range 1..60000" },
		{ "reassembly.max_bytes", "1499", "reassembly.max_bytes: 1499 is out of range 1500..16777216" },
		{ "reassembly.slots", "0", "reassembly.slots: 0 is out of range 1..64" },
		{ "reassembly.slots", "65", "reassembly.slots: 65 is out of range 1..64" },
	};

	run_edits(t, N(t));
}

Test(config_errors, wrong_types)
{
	static const struct edit_case t[] = {
		{ "dataplane.workers", "'4'", "dataplane.workers: expected an integer, got a string" },
		{ "dataplane.workers", "4.0", "dataplane.workers: expected an integer, got a real number" },
		{ "dataplane.workers", "true", "dataplane.workers: expected an integer, got a boolean" },
		{ "dataplane.workers", "null", "dataplane.workers: expected an integer, got null" },
		{ "dataplane.workers", "-1", "dataplane.workers: -1 is out of range 1..127" },
		{ "reorder.deliver_late", "1", "reorder.deliver_late: expected true or false, got an integer" },
		{ "reorder.deliver_late", "'true'", "reorder.deliver_late: expected true or false, got a string" },
		{ "dataplane", "[]", "dataplane: expected an object, got an array" },
		{ "mx_control", "'x'", "mx_control: expected an object, got a string" },
		{ "reorder", "null", "reorder: expected an object, got null" },
		{ "reassembly", "1", "reassembly: expected an object, got an integer" },
		{ "ports", "{}", "ports: expected an array, got an object" },
		{ "sessions", "{}", "sessions: expected an array, got an object" },
		{ "ports[0]", "'wifi'", "ports[0]: expected an object, got a string" },
		{ "ports[0].name", "5", "ports[0].name: expected a string, got an integer" },
		{ "ports[0].ipv4", "3221225985", "ports[0].ipv4: expected a string, got an integer" },
		{ "ports[0].mac", "[2, 0, 0, 0, 1, 1]", "ports[0].mac: expected a string, got an array" },
		{ "ports[0].gma_udp_ports", "10020", "ports[0].gma_udp_ports: expected an array, got an integer" },
		{ "ports[0].gma_udp_ports[0]", "10020.0", "ports[0].gma_udp_ports[0]: expected an integer, "
							  "got a real number" },
		{ "sessions[0]", "[]", "sessions[0]: expected an object, got an array" },
		{ "sessions[0].id", "1.5", "sessions[0].id: expected an integer, got a real number" },
		{ "sessions[0].id", "'1'", "sessions[0].id: expected an integer, got a string" },
		{ "sessions[0].method", "1", "sessions[0].method: expected a string, got an integer" },
		{ "sessions[0].fragment", "'yes'", "sessions[0].fragment: expected true or false, got a string" },
		{ "sessions[0].concat", "0", "sessions[0].concat: expected true or false, got an integer" },
		{ "sessions[0].dl_fields", "'flow_sn'", "sessions[0].dl_fields: expected an array, got a string" },
		{ "sessions[0].dl_fields[0]", "6", "sessions[0].dl_fields[0]: expected a field name, got an integer" },
		{ "sessions[0].paths[0]", "0", "sessions[0].paths[0]: expected an object, got an integer" },
		{ "sessions[0].paths[0].up", "0", "sessions[0].paths[0].up: expected true or false, got an integer" },
		{ "sessions[0].paths[0].port", "0", "sessions[0].paths[0].port: expected a string, got an integer" },
		{ "sessions[0].paths[0].mtu", "1500.5", "sessions[0].paths[0].mtu: expected an integer, got a real" },
		{ "sessions[0].flows", "{}", "sessions[0].flows: expected an array, got an object" },
		{ "sessions[0].flows[1].match", "[]", "sessions[0].flows[1].match: expected an object, got an array" },
		{ "sessions[0].flows[1].match.remote_ip", "1", "sessions[0].flows[1].match.remote_ip: expected a "
							       "string, got an integer" },
		{ "sessions[0].flows[1].match.remote_ports", "true", "sessions[0].flows[1].match.remote_ports: "
								     "expected a port (integer) or a range" },
		{ "sessions[0].flows[1].match.proto", "6.0", "sessions[0].flows[1].match.proto: expected a protocol "
							     "name or number, got a real number" },
		{ "sessions[0].flows[1].match.dscp", "'ef'", "sessions[0].flows[1].match.dscp: expected an integer" },
		{ "sessions[0].flows[1].steering", "'split'", "sessions[0].flows[1].steering: expected an object" },
		{ "sessions[0].flows[1].steering.paths", "0", "sessions[0].flows[1].steering.paths: expected an array" },
		{ "sessions[0].flows[1].steering.paths[0]", "'0'", "sessions[0].flows[1].steering.paths[0]: expected "
								   "an integer, got a string" },
		{ "sessions[0].flows[1].steering.weights[0]", "0.5", "sessions[0].flows[1].steering.weights[0]: "
								     "expected an integer, got a real number" },
	};

	run_edits(t, N(t));
}

Test(config_errors, unknown_keys)
{
	static const struct edit_case t[] = {
		{ "dataplan", "{}", "dataplan: unknown key" },
		{ "dataplane.wrokers", "2", "dataplane.wrokers: unknown key" },
		{ "mx_control.addr", "'10.8.0.1'", "mx_control.addr: unknown key" },
		{ "reorder.windw", "1024", "reorder.windw: unknown key" },
		{ "reassembly.slot", "4", "reassembly.slot: unknown key" },
		{ "ports[1].ip", "'198.51.100.1'", "ports[1].ip: unknown key" },
		{ "sessions[0].anchor", "'10.8.0.2'", "sessions[0].anchor: unknown key" },
		{ "sessions[0].paths[1].MTU", "1400", "sessions[0].paths[1].MTU: unknown key" },
		{ "sessions[0].flows[0].matches", "{}", "sessions[0].flows[0].matches: unknown key" },
		{ "sessions[0].flows[1].match.src_ip", "'1.2.3.4'", "sessions[0].flows[1].match.src_ip: unknown key" },
		{ "sessions[0].flows[1].steering.weight", "[1, 1]", "sessions[0].flows[1].steering.weight: unknown key" },
	};

	run_edits(t, N(t));
	/* The message lists the known keys, and a control character in a key
	 * cannot break the log line. */
	cr_expect_eq(parse_sq("{'dataplane': {'wrokers': 2}}"), -1);
	cr_expect(strstr(err, "known keys: workers, mbufs, mbuf_cache") != NULL, "%s", err);
	cr_expect_eq(parse_sq("{'a\\nb': 1}"), -1);
	cr_expect_str_eq(err, "a?b: unknown key (known keys: dataplane, mx_control, reorder, "
			      "reassembly, ports, sessions, arp, ncm, rest)");
}

/* An operator's value is quoted cut short at a character boundary, control
 * characters replaced: a message stays one readable line. */
Test(config_errors, values_quoted_safely)
{
	static const struct edit_case t[] = {
		/* x + 21 two-byte characters: the 40-byte cut falls inside the 20th. */
		{ "ports[1].ipv4", "'x\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
				   "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9'",
		  "ports[1].ipv4: \"x\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9...\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'1.2.3.4\\n'", "ports[1].ipv4: \"1.2.3.4?\" is not an IPv4 address" },
		{ "sessions[0].paths[0].port", "'wi\\u001bfi'", "sessions[0].paths[0].port: no port named \"wi?fi\"" },
		{ "sessions[0].method", "'0123456789012345678901234567890123456789abc'",
		  "sessions[0].method: \"0123456789012345678901234567890123456789...\" is not one of" },
	};

	run_edits(t, N(t));
}

/* Port definitions for the cases that rebuild the whole list. */
#define P_WIFI "{'name': 'wifi', 'device': 'net_pcap0', 'role': 'access', 'ipv4': '192.0.2.1'," \
	       " 'next_hop_mac': '02:00:00:00:01:02', 'gma_udp_ports': [10020]}"
#define P_CORE "{'name': 'core', 'device': 'net_pcap2', 'role': 'core', 'ipv4': '203.0.113.1'," \
	       " 'next_hop_mac': '02:00:00:00:03:02'}"
#define P_CORE2 "{'name': 'core2', 'device': 'net_pcap3', 'role': 'core', 'ipv4': '203.0.113.2'," \
		" 'next_hop_mac': '02:00:00:00:03:03'}"

Test(config_errors, ports)
{
	static const struct raw_case raw[] = {
		{ "{}", "ports: required but missing" },
		{ "{'ports': []}", "ports: no core port (exactly one must have role \"core\")" },
		{ "{'ports': [" P_WIFI "]}", "ports: no core port" },
		{ "{'ports': [" P_CORE "]}", "ports: no access port (at least one must have role \"access\")" },
		{ "{'ports': [" P_CORE ", " P_WIFI ", " P_CORE2 "]}",
		  "ports[2].role: a second core port (ports[0] is the core port; exactly one is allowed)" },
	};
	static const struct edit_case t[] = {
		{ "ports[1].name", "'wifi'", "ports[1].name: \"wifi\" is already the name of ports[0]" },
		{ "ports[2].device", "'net_pcap0'", "ports[2].device: \"net_pcap0\" is already the device of ports[0]" },
		{ "ports[1].role", "'core'", "ports[1].gma_udp_ports: a core port carries plain IP, not GMA" },
		{ "ports[2].gma_udp_ports", "[10020]", "ports[2].gma_udp_ports: a core port carries plain IP, not GMA" },
		{ "ports[0].role", "'edge'", "ports[0].role: \"edge\" is not one of access, core" },
		{ "ports[0].role", NULL, "ports[0].role: required but missing" },
		{ "ports[0].name", NULL, "ports[0].name: required but missing" },
		{ "ports[0].name", "''", "ports[0].name: \"\": want 1..31 characters of A-Z a-z 0-9 _ - ." },
		{ "ports[0].name", "'wi fi'", "ports[0].name: \"wi fi\": want 1..31 characters" },
		{ "ports[0].name", "'abcdefghijklmnopqrstuvwxyz_-.0123'", "ports[0].name: \"abcdefghijklmnopqrstuvwxyz_-.0123\": want" },
		{ "ports[0].device", NULL, "ports[0].device: required but missing" },
		{ "ports[0].device", "''", "ports[0].device: \"\": want 1..63 printable characters, no blanks" },
		{ "ports[0].device", "'net pcap0'", "ports[0].device: \"net pcap0\": want 1..63" },
		{ "ports[1].ipv4", "'300.1.2.3'", "ports[1].ipv4: \"300.1.2.3\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'198.51.100'", "ports[1].ipv4: \"198.51.100\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'198.51.100.01'", "ports[1].ipv4: \"198.51.100.01\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'198.51.100.1 '", "ports[1].ipv4: \"198.51.100.1 \" is not an IPv4 address" },
		{ "ports[1].ipv4", "' 198.51.100.1'", "ports[1].ipv4: \" 198.51.100.1\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'198.51.100.1.5'", "ports[1].ipv4: \"198.51.100.1.5\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'198.51.100.0/24'", "ports[1].ipv4: \"198.51.100.0/24\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'1234.1.1.1'", "ports[1].ipv4: \"1234.1.1.1\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'+1.2.3.4'", "ports[1].ipv4: \"+1.2.3.4\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'::1'", "ports[1].ipv4: \"::1\" is not an IPv4 address" },
		{ "ports[1].ipv4", "''", "ports[1].ipv4: \"\" is not an IPv4 address" },
		{ "ports[1].ipv4", "'0.0.0.0'", "ports[1].ipv4: 0.0.0.0 is not a usable address" },
		{ "ports[1].ipv4", NULL, "ports[1].ipv4: required but missing" },
		{ "ports[0].mac", "'02:00:00:00:01'", "ports[0].mac: \"02:00:00:00:01\" is not a MAC address "
						      "(six hex pairs" },
		{ "ports[0].mac", "'02-00-00-00-01-01'", "ports[0].mac: \"02-00-00-00-01-01\" is not a MAC address" },
		{ "ports[0].mac", "'02:00:00:00:01:0g'", "ports[0].mac: \"02:00:00:00:01:0g\" is not a MAC address" },
		{ "ports[0].mac", "'2:0:0:0:1:1'", "ports[0].mac: \"2:0:0:0:1:1\" is not a MAC address" },
		{ "ports[0].mac", "'02:00:00:00:01:01:'", "ports[0].mac: \"02:00:00:00:01:01:\" is not a MAC address" },
		{ "ports[0].mac", "'02:00:00:00:01:011'", "ports[0].mac: \"02:00:00:00:01:011\" is not a MAC address" },
		{ "ports[0].mac", "'01:00:5e:00:00:01'", "ports[0].mac: a multicast address cannot be a port's own MAC" },
		{ "ports[0].mac", "'00:00:00:00:00:00'", "ports[0].mac: 00:00:00:00:00:00 is not a usable MAC address" },
		{ "ports[0].prefix_len", "24", "ports[0].prefix_len: needs a \"gateway\"" },
		{ "ports[0].gateway", "'192.0.2.1'", "ports[0].gateway: 192.0.2.1 is the port's own address" },
		{ "ports[0].neighbors", "[]", "ports[0].neighbors: unused: \"next_hop_mac\" without a \"gateway\"" },
		{ "ports[2].neighbors", "[{'ip': '203.0.113.9', 'mac': '03:00:00:00:00:01'}]",
		  "ports[2].neighbors: unused" },
		{ "arp", "{'queue': 65}", "arp.queue: " },
		{ "arp", "{'timeout_ms': 1000, 'retry_ms': 500, 'retries': 2}", "arp.retry_ms: retries x retry_ms" },
		{ "arp", "{'gratuitus': true}", "arp.gratuitus: unknown key" },
		{ "ports[2].next_hop_mac", "'00:00:00:00:00:00'", "ports[2].next_hop_mac: 00:00:00:00:00:00 is not a "
								  "usable MAC address" },
		{ "ports[2].next_hop_mac", "'xx'", "ports[2].next_hop_mac: \"xx\" is not a MAC address" },
		{ "ports[0].gma_udp_ports", NULL, "ports[0].gma_udp_ports: required but missing" },
		{ "ports[0].gma_udp_ports", "[]", "ports[0].gma_udp_ports: an access port needs at least one GMA UDP port" },
		{ "ports[0].gma_udp_ports", "[1, 2, 3, 4, 5]", "ports[0].gma_udp_ports: 5 entries, more than "
							       "DP_MAX_GMA_PORTS (4)" },
		{ "ports[0].gma_udp_ports", "[0]", "ports[0].gma_udp_ports[0]: 0 is out of range 1..65535" },
		{ "ports[0].gma_udp_ports", "[65536]", "ports[0].gma_udp_ports[0]: 65536 is out of range 1..65535" },
		{ "ports[1].gma_udp_ports", "[10020, 10020]", "ports[1].gma_udp_ports[1]: 10020 is listed twice" },
		{ "ports[0].rx_queues", "1025", "ports[0].rx_queues: 1025 is out of range 0..1024" },
	};

	run_raw(raw, N(raw));
	run_edits(t, N(t));
}

Test(config_errors, sessions)
{
	static const struct edit_case t[] = {
		{ "sessions[1].id", "1", "sessions[1].id: 1 is already the id of sessions[0]" },
		{ "sessions[0].id", "0", "sessions[0].id: 0 is out of range 1..4294967295" },
		{ "sessions[0].id", "4294967296", "sessions[0].id: 4294967296 is out of range 1..4294967295" },
		{ "sessions[0].id", NULL, "sessions[0].id: required but missing" },
		{ "sessions[1].anchor_ip", "'10.8.0.2'", "sessions[1].anchor_ip: 10.8.0.2 is already the anchor_ip "
							 "of sessions[0]" },
		{ "sessions[0].anchor_ip", "'0.0.0.0'", "sessions[0].anchor_ip: 0.0.0.0 is not a usable address" },
		{ "sessions[0].anchor_ip", "'10.8.0'", "sessions[0].anchor_ip: \"10.8.0\" is not an IPv4 address" },
		{ "sessions[0].anchor_ip", NULL, "sessions[0].anchor_ip: required but missing" },
		{ "sessions[0].method", "'udp'", "sessions[0].method: \"udp\" is not one of trailer, header, nonip" },
		{ "sessions[0].method", NULL, "sessions[0].method: required but missing" },
		{ "sessions[0].mx_dialect", "'up10'", "sessions[0].mx_dialect: \"up10\" is not one of up09, rfc8743" },
		{ "sessions[0].dl_fields", "['flow_sn', 'concatenation']",
		  "sessions[0].dl_fields[1]: \"concatenation\" is not one of checksum, conn_id, flow_id, "
		  "fragmentation, delivery_sn, flow_sn, timestamp, ttl (concatenation is set per PDU)" },
		{ "sessions[0].dl_fields", "['FLOW_SN']", "sessions[0].dl_fields[0]: \"FLOW_SN\" is not one of" },
		{ "sessions[0].dl_fields", "['flow_sn', 'flow_sn']", "sessions[0].dl_fields[1]: \"flow_sn\" is listed twice" },
		{ "sessions[0].dl_fields", "['checksum', 'conn_id', 'flow_id', 'fragmentation', 'delivery_sn', "
					   "'flow_sn', 'timestamp', 'ttl', 'ttl']",
		  "sessions[0].dl_fields: 9 entries, more than 8" },
		{ "sessions[1].dl_fields", "['flow_sn', 'ttl']", "sessions[1].dl_fields[1]: method \"nonip\" has no TTL "
								 "field (RFC 9188 4.3)" },
		{ "sessions[0].concat_hold_us", "65536", "sessions[0].concat_hold_us: 65536 is out of range 0..65535" },
		{ "sessions[0].default_flow", "7", "sessions[0].default_flow: 7 is not the flow_id of any of "
						   "sessions[0].flows" },
		{ "sessions[0].default_flow", "256", "sessions[0].default_flow: 256 is out of range 0..255" },
		{ "sessions[0].paths", NULL, "sessions[0].paths: required but missing" },
		{ "sessions[0].paths", "[]", "sessions[0].paths: at least one path is needed" },
		{ "sessions[0].paths", "[{}, {}, {}, {}, {}, {}, {}, {}, {}]",
		  "sessions[0].paths: 9 entries, more than DP_MAX_PATHS (8)" },
		{ "sessions[0].flows", "[{}, {}, {}, {}, {}, {}, {}, {}, {}]",
		  "sessions[0].flows: 9 entries, more than DP_MAX_FLOWS (8)" },
	};

	run_edits(t, N(t));
}

Test(config_errors, paths)
{
	static const struct edit_case t[] = {
		{ "sessions[0].paths[1].port", "'wlan'", "sessions[0].paths[1].port: no port named \"wlan\"" },
		{ "sessions[0].paths[1].port", "'core'", "sessions[0].paths[1].port: \"core\" is the core port; "
							 "a path needs an access port" },
		{ "sessions[0].paths[1].port", NULL, "sessions[0].paths[1].port: required but missing" },
		{ "sessions[0].paths[1].conn_id", "0", "sessions[0].paths[1].conn_id: 0 is already the conn_id of "
						       "sessions[0].paths[0]" },
		{ "sessions[0].paths[1].conn_id", "16", "sessions[0].paths[1].conn_id: 16 is out of range 0..15" },
		{ "sessions[0].paths[1].conn_id", NULL, "sessions[0].paths[1].conn_id: required but missing" },
		{ "sessions[0].paths[1].client_ip", "'0.0.0.0'", "sessions[0].paths[1].client_ip: 0.0.0.0 is not a "
								 "usable address" },
		{ "sessions[0].paths[1].client_ip", "'198.51.100.300'", "sessions[0].paths[1].client_ip: "
									"\"198.51.100.300\" is not an IPv4 address" },
		{ "sessions[0].paths[1].client_ip", NULL, "sessions[0].paths[1].client_ip: required but missing" },
		{ "sessions[0].paths[1].client_port", "0", "sessions[0].paths[1].client_port: 0 is out of range 1..65535" },
		{ "sessions[0].paths[1].client_port", NULL, "sessions[0].paths[1].client_port: required but missing" },
		{ "sessions[0].paths[1].gw_port", "10030", "sessions[0].paths[1].gw_port: 10030 is not one of "
							   "ports[1].gma_udp_ports" },
		{ "sessions[0].paths[0].gw_port", "10021", "sessions[0].paths[0].gw_port: 10021 is not one of "
							   "ports[0].gma_udp_ports" },
		{ "sessions[0].paths[1].gw_port", "0", "sessions[0].paths[1].gw_port: 0 is out of range 1..65535" },
		{ "sessions[0].paths[1].mtu", "67", "sessions[0].paths[1].mtu: 67 is out of range 68..9000" },
		{ "sessions[0].paths[1].mtu", "9001", "sessions[0].paths[1].mtu: 9001 is out of range 68..9000" },
		{ "sessions[1].paths[0].client_ip", "'192.0.2.10'",
		  "sessions[1].paths[0]: client 192.0.2.10:5000 on port \"wifi\" is already sessions[0].paths[0]" },
		/* Another gateway port does not tell the paths apart (dp_ul_key). */
		{ "sessions[0].paths[2]", "{'conn_id': 2, 'port': 'lte', 'client_ip': '198.51.100.10', "
					  "'client_port': 5000, 'gw_port': 10021}",
		  "sessions[0].paths[2]: client 198.51.100.10:5000 on port \"lte\" is already sessions[0].paths[1]" },
	};

	run_edits(t, N(t));
}

Test(config_errors, flows_and_steering)
{
	static const struct edit_case t[] = {
		{ "sessions[0].flows[1].flow_id", "0", "sessions[0].flows[1].flow_id: 0 is already the flow_id of "
						       "sessions[0].flows[0]" },
		{ "sessions[0].flows[1].flow_id", "256", "sessions[0].flows[1].flow_id: 256 is out of range 0..255" },
		{ "sessions[0].flows[1].flow_id", NULL, "sessions[0].flows[1].flow_id: required but missing" },
		{ "sessions[0].flows[1].steering", NULL, "sessions[0].flows[1].steering: required but missing" },
		{ "sessions[0].flows[1].steering.mode", "'round-robin'", "sessions[0].flows[1].steering.mode: "
			"\"round-robin\" is not one of switch, split, duplicate" },
		{ "sessions[0].flows[1].steering.mode", NULL, "sessions[0].flows[1].steering.mode: required" },
		{ "sessions[0].flows[1].steering.paths", NULL, "sessions[0].flows[1].steering.paths: required" },
		{ "sessions[0].flows[1].steering.paths", "[]", "sessions[0].flows[1].steering.paths: at least one "
							       "conn_id is needed" },
		{ "sessions[0].flows[1].steering.paths", "[0, 2]", "sessions[0].flows[1].steering.paths[1]: the "
			"session has no path with conn_id 2" },
		{ "sessions[0].flows[1].steering.paths", "[1, 1]", "sessions[0].flows[1].steering.paths[1]: "
								   "conn_id 1 is listed twice" },
		{ "sessions[0].flows[1].steering.paths", "[0, 16]", "sessions[0].flows[1].steering.paths[1]: 16 is "
								    "out of range 0..15" },
		{ "sessions[0].flows[1].steering.paths", "[0, 1, 2, 3, 4, 5, 6, 7, 8]",
		  "sessions[0].flows[1].steering.paths: 9 entries, more than GMA_STEER_MAX_PATHS (8)" },
		{ "sessions[0].flows[1].steering.weights", NULL, "sessions[0].flows[1].steering.weights: required" },
		{ "sessions[0].flows[1].steering.weights", "[1]", "sessions[0].flows[1].steering.weights: 1 weights "
								  "for 2 paths" },
		{ "sessions[0].flows[1].steering.weights", "[1, 1, 1]", "sessions[0].flows[1].steering.weights: "
									"3 weights for 2 paths" },
		{ "sessions[0].flows[1].steering.weights", "[0, 0]", "sessions[0].flows[1].steering.weights: all "
								     "weights are 0" },
		{ "sessions[0].flows[1].steering.weights", "[1001, 24]", "sessions[0].flows[1].steering.weights: "
			"reduced by their gcd they sum to 1025, more than GMA_STEER_MAX_CYCLE (1024)" },
		{ "sessions[0].flows[1].steering.weights", "[65536, 1]", "sessions[0].flows[1].steering.weights[0]: "
									 "65536 is out of range 0..65535" },
		{ "sessions[0].flows[1].steering.weights", "[-1, 1]", "sessions[0].flows[1].steering.weights[0]: -1 "
								      "is out of range" },
		{ "sessions[0].flows[0].steering.weights", "[1]", "sessions[0].flows[0].steering.weights: only mode "
								  "\"split\" takes weights" },
		{ "sessions[0].flows[1].steering.mode", "'duplicate'", "sessions[0].flows[1].steering.weights: only "
			"mode \"split\" takes weights" },
		{ "sessions[0].flows[1].match.remote_ip", "'203.0.113.0/33'", "sessions[0].flows[1].match.remote_ip: "
			"\"203.0.113.0/33\" is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/n)" },
		{ "sessions[0].flows[1].match.remote_ip", "'203.0.113.5/24'", "sessions[0].flows[1].match.remote_ip: "
			"\"203.0.113.5/24\" has bits set beyond the /24 prefix" },
		{ "sessions[0].flows[1].match.remote_ip", "'203.0.113.0/'", "sessions[0].flows[1].match.remote_ip: "
			"\"203.0.113.0/\" is not an IPv4 address or prefix" },
		{ "sessions[0].flows[1].match.remote_ip", "'203.0.113.0/024'", "sessions[0].flows[1].match.remote_ip: "
			"\"203.0.113.0/024\" is not" },
		{ "sessions[0].flows[1].match.remote_ip", "'203.0.113.0/24x'", "sessions[0].flows[1].match.remote_ip: "
			"\"203.0.113.0/24x\" is not" },
		{ "sessions[0].flows[1].match.local_ip", "'10.8.0.256'", "sessions[0].flows[1].match.local_ip: "
			"\"10.8.0.256\" is not an IPv4 address or prefix" },
		{ "sessions[0].flows[1].match.remote_ports", "'443-80'", "sessions[0].flows[1].match.remote_ports: "
			"\"443-80\": low end above high end" },
		{ "sessions[0].flows[1].match.remote_ports", "'80-'", "sessions[0].flows[1].match.remote_ports: "
			"\"80-\" is not a port range (\"low-high\", 0..65535)" },
		{ "sessions[0].flows[1].match.remote_ports", "'http'", "sessions[0].flows[1].match.remote_ports: "
			"\"http\" is not a port range" },
		{ "sessions[0].flows[1].match.remote_ports", "'80-65536'", "sessions[0].flows[1].match.remote_ports: "
			"\"80-65536\" is not a port range" },
		{ "sessions[0].flows[1].match.remote_ports", "'80 - 90'", "sessions[0].flows[1].match.remote_ports: "
			"\"80 - 90\" is not a port range" },
		{ "sessions[0].flows[1].match.remote_ports", "65536", "sessions[0].flows[1].match.remote_ports: 65536 "
			"is out of range 0..65535" },
		{ "sessions[0].flows[1].match.local_ports", "-1", "sessions[0].flows[1].match.local_ports: -1 is out "
			"of range 0..65535" },
		{ "sessions[0].flows[1].match.proto", "'gre'", "sessions[0].flows[1].match.proto: \"gre\" is not one "
			"of icmp, tcp, udp, sctp" },
		{ "sessions[0].flows[1].match.proto", "0", "sessions[0].flows[1].match.proto: 0 is out of range 1..255" },
		{ "sessions[0].flows[1].match.proto", "256", "sessions[0].flows[1].match.proto: 256 is out of range" },
		{ "sessions[0].flows[1].match.proto", "'icmp'", "sessions[0].flows[1].match.remote_ports: protocol 1 "
			"has no ports (only tcp, udp, sctp)" },
		{ "sessions[0].flows[1].match.dscp", "64", "sessions[0].flows[1].match.dscp: 64 is out of range 0..63" },
	};

	run_edits(t, N(t));
}

/* ---- Text, file and API edges ------------------------------------------ */

Test(config_errors, json_syntax)
{
	static const struct raw_case t[] = {
		{ "{'ports': [}", "line 1, column 12: unexpected token near '}'" },
		{ "{\n  'dataplane': {\n    'workers': 1,\n  }\n}", "line 4, column 3: " },
		{ "", "line 1, column 0: " },
		{ "{'ports': []} x", "line 1, column 15: end of file expected" },
		{ "{'dataplane': {'workers': 99999999999999999999}}", "line 1, column 46: too big integer" },
		{ "{'ports': [], 'ports': []}", "line 1, column 21: duplicate object key" },
		{ "{'dataplane': {'workers': 1, 'workers': 2}}", "line 1, column 38: duplicate object key" },
		{ "[]", "the configuration must be a JSON object, got an array" },
		{ "{'ports': [{'name': 'a\\u0000b'}]}", "line 1, column " },
		{ "'ports'", "line 1, column " },
		{ "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", "line 1, column 17: nested deeper than 16 levels" },
		{ "{'ports': [{'name': '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"['}]}", "ports[0].name: \"[[[[[[" },
	};

	run_raw(t, N(t));
}

Test(config_errors, size_limit)
{
	size_t len = (1u << 20) + 1;
	char *big = malloc(len);

	cr_assert_not_null(big);
	memset(big, ' ', len);
	big[0] = '{';
	big[len - 1] = '}';
	cr_expect_eq(dp_config_parse(big, len, &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "configuration is 1048577 bytes, more than the limit of 1048576 (1 MiB)");
	/* One byte less is read (and rejected for what it says, not its size). */
	big[len - 2] = '}';
	cr_expect_eq(dp_config_parse(big, len - 1, &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "ports: required but missing");
	free(big);
}

Test(config, failure_leaves_config_unchanged)
{
	static struct dp_config before;

	cr_assert_eq(parse_sq(BASE), 0, "%s", err);
	before = cfg;
	cr_assert_eq(parse_sq("{'ports': [" P_WIFI ", " P_CORE "], 'sessions': [{'id': 1}]}"), -1);
	cr_expect(memcmp(&before, &cfg, sizeof(cfg)) == 0);
}

Test(config, error_buffer_edges)
{
	char small[12];
	const char *bad = "{\"dataplane\": {\"burst\": 65}}";

	memset(small, 'x', sizeof(small));
	cr_expect_eq(dp_config_parse(bad, strlen(bad), &cfg, small, sizeof(small)), -1);
	cr_expect_str_eq(small, "dataplane.b", "truncated, terminated");
	cr_expect_eq(dp_config_parse(bad, strlen(bad), &cfg, NULL, 0), -1);
	cr_expect_eq(dp_config_parse(NULL, 0, &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "no configuration given");
	cr_expect_eq(dp_config_load(NULL, &cfg, err, sizeof(err)), -1);
}

/* Exception path: next_hop_mac optional, gateway/prefix, static neighbours, "arp". */
Test(config, neighbors_and_arp)
{
	char *j = edit("ports[2]", "{'name': 'core', 'device': 'net_pcap2', 'role': 'core',"
				   " 'ipv4': '203.0.113.1', 'gateway': '203.0.113.254', 'prefix_len': 24,"
				   " 'next_hop_mac': '02:00:00:00:03:fe',"
				   " 'neighbors': [{'ip': '203.0.113.9', 'mac': '02:00:00:00:03:09'}]}");
	char *k;
	static const uint8_t nh[6] = { 2, 0, 0, 0, 3, 0xfe }, n9[6] = { 2, 0, 0, 0, 3, 9 };
	static const uint8_t zero[6];

	cr_assert_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), 0, "%s", err);
	free(j);
	cr_expect_eq(cfg.ports[2].gateway, 0xCB0071FEu);
	cr_expect_eq(cfg.ports[2].prefix_len, 24);
	cr_expect_arr_eq(cfg.ports[2].next_hop_mac, nh, 6);
	cr_expect_eq(cfg.ports[2].n_neighbors, 1);
	cr_expect_eq(cfg.ports[2].neighbors[0].ip, 0xCB007109u);
	cr_expect_arr_eq(cfg.ports[2].neighbors[0].mac, n9, 6);
	cr_expect_eq(cfg.arp_timeout_ms, 30000);
	cr_expect_eq(cfg.arp_retry_ms, 1000);
	cr_expect_eq(cfg.arp_retries, 3);
	cr_expect_eq(cfg.arp_queue, 16);
	cr_expect_eq(cfg.arp_entries, 1024);
	cr_expect_eq(cfg.arp_gratuitous, true);

	/* No next_hop_mac at all: resolved by ARP; a gateway alone means /32. */
	k = edit("ports[1]", "{'name': 'lte', 'device': 'net_pcap1', 'role': 'access',"
			     " 'ipv4': '198.51.100.1', 'gateway': '198.51.100.254',"
			     " 'gma_udp_ports': [10020, 10021]}");
	cr_assert_eq(dp_config_parse(k, strlen(k), &cfg, err, sizeof(err)), 0, "%s", err);
	free(k);
	cr_expect_arr_eq(cfg.ports[1].next_hop_mac, zero, 6);
	cr_expect_eq(cfg.ports[1].prefix_len, 32);
	k = edit("arp", "{'timeout_ms': 5000, 'retry_ms': 100, 'retries': 5, 'queue': 64,"
			" 'entries': 64, 'gratuitous': false}");
	cr_assert_eq(dp_config_parse(k, strlen(k), &cfg, err, sizeof(err)), 0, "%s", err);
	free(k);
	cr_expect_eq(cfg.arp_timeout_ms, 5000);
	cr_expect_eq(cfg.arp_retry_ms, 100);
	cr_expect_eq(cfg.arp_retries, 5);
	cr_expect_eq(cfg.arp_queue, 64);
	cr_expect_eq(cfg.arp_entries, 64);
	cr_expect_eq(cfg.arp_gratuitous, false);
}

Test(config, port_index)
{
	cr_assert_eq(parse_sq(BASE), 0, "%s", err);
	cr_expect_eq(dp_config_port_index(&cfg, "wifi"), 0);
	cr_expect_eq(dp_config_port_index(&cfg, "lte"), 1);
	cr_expect_eq(dp_config_port_index(&cfg, "core"), 2);
	cr_expect_eq(dp_config_port_index(&cfg, "Wifi"), -1);
	cr_expect_eq(dp_config_port_index(&cfg, ""), -1);
	cr_expect_eq(dp_config_port_index(&cfg, NULL), -1);
	cr_expect_eq(dp_config_port_index(NULL, "wifi"), -1);
}

/* ---- dp_config_load ------------------------------------------------------ */

static char *write_temp(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_config_XXXXXX");
	int fd;

	cr_assert_not_null(path);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

Test(config_load, missing_file_names_path)
{
	const char *path = "/nonexistent/mamsgw/config.json";

	cr_expect_eq(dp_config_load(path, &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "cannot open /nonexistent/mamsgw/config.json: No such file or directory");
}

Test(config_load, directory_names_path)
{
	cr_expect_eq(dp_config_load(MAMSGW_SOURCE_ROOT "/config", &cfg, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "cannot read " MAMSGW_SOURCE_ROOT "/config: Is a directory");
}

Test(config_load, oversized_file)
{
	size_t len = (1u << 20) + 100;
	char *text = malloc(len), *path;

	cr_assert_not_null(text);
	memset(text, ' ', len);
	path = write_temp(text, len);
	cr_expect_eq(dp_config_load(path, &cfg, err, sizeof(err)), -1);
	cr_expect(strstr(err, path) != NULL && strstr(err, "larger than the limit of 1048576 bytes"),
		  "%s", err);
	unlink(path);
	free(path);
	free(text);
}

Test(config_load, file_errors_like_text)
{
	const char *text = "{\n  \"ports\": [\n    {\"name\": \"wifi\",}\n  ]\n}\n";
	char *path = write_temp(text, strlen(text));

	cr_expect_eq(dp_config_load(path, &cfg, err, sizeof(err)), -1);
	cr_expect(strncmp(err, "line 3, column ", 15) == 0, "%s", err);
	unlink(path);
	free(path);

	path = write_temp(BASE, 0);
	cr_expect_eq(dp_config_load(path, &cfg, err, sizeof(err)), -1, "an empty file");
	unlink(path);
	free(path);
}

/* ---- The "ipsec" object of a path (docs/ipsec.md, config/README.md) ------ */

#define K16 "'000102030405060708090a0b0c0d0e0f'"
#define K32 "'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'"
#define IPSEC_GCM(spi_in)                                                             \
	"{'suite': 'aes128gcm', 'out': {'spi': 4096, 'key': " K16 ", 'salt': 'a0a1a2a3'}," \
	" 'in': {'spi': " spi_in ", 'key': " K16 ", 'salt': 'b0b1b2b3'}}"

Test(config, ipsec_parsed)
{
	char *j = edit("sessions[0].paths[0].ipsec",
		       "{'suite': 'aes256cbc-sha256', 'esn': true, 'replay_window': 4096,"
		       " 'out': {'spi': 256, 'key': " K32 ", 'auth_key': " K32 "},"
		       " 'in': {'spi': 2147483647, 'key': " K32 ", 'auth_key': " K32 "}}");
	const struct dp_ipsec_cfg *ic;

	cr_assert_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), 0, "%s", err);
	free(j);
	ic = &cfg.sessions[0].paths[0].ipsec;
	cr_expect(ic->enabled);
	cr_expect_eq(ic->suite, 4);
	cr_expect(ic->esn);
	cr_expect_eq(ic->replay_window, 4096);
	cr_expect_eq(ic->out.spi, 256);
	cr_expect_eq(ic->in.spi, 0x7FFFFFFFu);
	cr_expect_eq(ic->out.keymat_len, 64);
	cr_expect_eq(ic->out.keymat[31], 0x1f);
	cr_expect_eq(ic->out.keymat[32], 0x00);
	cr_expect(!cfg.sessions[0].paths[1].ipsec.enabled);

	j = edit("sessions[0].paths[0].ipsec", IPSEC_GCM("8192"));
	cr_assert_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), 0, "%s", err);
	free(j);
	ic = &cfg.sessions[0].paths[0].ipsec;
	cr_expect_eq(ic->suite, 1);
	cr_expect(!ic->esn);
	cr_expect_eq(ic->replay_window, 1024);
	cr_expect_eq(ic->in.keymat_len, 20);
	cr_expect_eq(ic->in.keymat[16], 0xb0);
	cr_expect_eq(ic->in.keymat[19], 0xb3);
}

Test(config_errors, ipsec)
{
	static const struct edit_case t[] = {
		{ "sessions[0].paths[0].ipsec", "true",
		  "sessions[0].paths[0].ipsec: expected an object" },
		{ "sessions[0].paths[0].ipsec", "{'suite': 'aes128gcm', 'out': {}, 'in': {}, 'x': 1}",
		  "sessions[0].paths[0].ipsec" },
		{ "sessions[0].paths[0].ipsec", "{'suite': 'des', 'out': {}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.suite: \"des\" is not one of" },
		{ "sessions[0].paths[0].ipsec", "{'out': {}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.suite: required but missing" },
		{ "sessions[0].paths[0].ipsec", "{'suite': 'aes128gcm', 'in': {}}",
		  "sessions[0].paths[0].ipsec.out: required but missing" },
		{ "sessions[0].paths[0].ipsec", "{'suite': 'aes128gcm', 'replay_window': 1000, 'out': {}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.replay_window: 1000 is not a power of 2" },
		{ "sessions[0].paths[0].ipsec", "{'suite': 'aes128gcm', 'replay_window': 16, 'out': {}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.replay_window: 16 is out of range" },
		{ "sessions[0].paths[0].ipsec", IPSEC_GCM("2147483648"),
		  "sessions[0].paths[0].ipsec.in.spi: 2147483648 is out of range 256..2147483647" },
		{ "sessions[0].paths[0].ipsec", IPSEC_GCM("255"),
		  "sessions[0].paths[0].ipsec.in.spi: 255 is out of range" },
		{ "sessions[0].paths[0].ipsec",
		  "{'suite': 'aes128gcm', 'out': {'spi': 4096, 'key': '0001', 'salt': 'a0a1a2a3'}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.out.key: want 32 hex digits (16 bytes)" },
		{ "sessions[0].paths[0].ipsec",
		  "{'suite': 'aes128gcm', 'out': {'spi': 4096, 'key': " K16 ", 'salt': 'a0a1a2ag'}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.out.salt: character 7 is not a hex digit" },
		{ "sessions[0].paths[0].ipsec",
		  "{'suite': 'aes128gcm', 'out': {'spi': 4096, 'key': " K16 "}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.out.salt: required but missing" },
		{ "sessions[0].paths[0].ipsec",
		  "{'suite': 'aes128gcm', 'out': {'spi': 4096, 'key': " K16 ", 'salt': 'a0a1a2a3', "
		  "'auth_key': " K32 "}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.out.auth_key: only for the CBC suites" },
		{ "sessions[0].paths[0].ipsec",
		  "{'suite': 'aes128cbc-sha256', 'out': {'spi': 4096, 'key': " K16 "}, 'in': {}}",
		  "sessions[0].paths[0].ipsec.out.auth_key: required but missing" },
	};

	run_edits(t, N(t));
}

/* The gateway tells inbound SAs apart by SPI alone. */
Test(config_errors, ipsec_spi_unique)
{
	char *a = edit("sessions[0].paths[0].ipsec", IPSEC_GCM("8192"));
	json_error_t je;
	json_t *root = json_loads(a, 0, &je), *p;
	char *j;

	cr_assert_not_null(root);
	p = json_array_get(json_object_get(json_array_get(json_object_get(root, "sessions"), 1),
					   "paths"), 0);
	char *v = sq(IPSEC_GCM("8192"));

	json_object_set_new(p, "ipsec", json_loads(v, 0, &je));
	free(v);
	j = json_dumps(root, JSON_COMPACT);
	cr_expect_eq(dp_config_parse(j, strlen(j), &cfg, err, sizeof(err)), -1);
	cr_expect(strncmp(err, "sessions[1].paths[0].ipsec.in.spi: 0x00002000 is already the inbound "
			       "SPI of sessions[0].paths[0]", 80) == 0, "%s", err);
	json_decref(root);
	free(a);
	free(j);
}
