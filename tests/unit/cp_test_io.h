/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What test_cp_ncm.c and test_cp_rest.c share: the NCM's transport faked
 * (what it sends and closes recorded, deterministic "random" bytes), a
 * message fed to it, and the pieces of the gateway configuration both use.
 */
#ifndef CP_TEST_IO_H
#define CP_TEST_IO_H

#include <stddef.h>
#include <stdint.h>

#include "cp_ncm.h"

#define CP_TEST_MAX_SENT 128u

/* What the NCM sent, in order; freed by cp_test_io_reset(). */
struct cp_test_sent {
	uint64_t conn;
	char *text;
};
extern struct cp_test_sent cp_sent[CP_TEST_MAX_SENT];
extern unsigned cp_n_sent;
/* The last close and how many there were. */
extern uint64_t cp_closed_conn;
extern int cp_closed_code;
extern unsigned cp_n_closes;

/* The callbacks of struct cp_ncm_io. */
int cp_test_io_send(void *o, uint64_t conn, const char *text, size_t len);
int cp_test_io_close(void *o, uint64_t conn, int code, const char *reason);
/* Deterministic "CSPRNG" for the tests: distinct values. */
int cp_test_io_random(void *o, void *buf, size_t len);
/* Forgets what was sent (freeing it) and closed. */
void cp_test_io_reset(void);

/* One text message (printf format) from conn at now. */
__attribute__((format(printf, 4, 5)))
void cp_test_rx(struct cp_ncm *ncm, uint64_t conn, uint64_t now, const char *fmt, ...);

#define CP_TEST_USID "\"unique_session_id\": {\"ncm_id\": %u, \"session_id\": %u}"

/* A CCM's MX Capability Request: connections 0 (Wi-Fi) and 3 (LTE), anchor 15. */
#define CP_TEST_CAP_REQ \
	"{\"version\":\"1.0\",\"message_type\":\"mx_capability_req\",\"sequence_num\":3," \
	"\"feature_active\":[{\"feature_name\":\"fragmentation\",\"active\":true}]," \
	"\"num_anchor_connections\":1," \
	"\"anchor_connections\":[{\"connection_id\":15,\"connection_type\":\"LTE\"}]," \
	"\"num_delivery_connections\":2," \
	"\"delivery_connections\":[{\"connection_id\":0,\"connection_type\":\"Wi-Fi\"}," \
	"{\"connection_id\":3,\"connection_type\":\"LTE\"}]," \
	"\"convergence_methods\":[{\"method\":\"GMA\",\"supported\":true}]," \
	"\"adaptation_methods\":[{\"method\":\"UDP_without_DTLS\",\"supported\":true}]}"

/*
 * The gateway's file up to its "ncm" section's "delivery": access ports wifi
 * (192.0.2.1) and lte (LTE_IP; GMA ports 10020 and 10021), a core port, then
 * after SESSIONS (JSON members ending in a comma, or nothing) an NCM with
 * ID 7 delivering on wifi (connection 0) and lte (3, port 10021, MTU 1400).
 * The caller goes on with the rest of "ncm" and closes both objects.
 */
#define CP_TEST_GW_HEAD(LTE_IP, SESSIONS) \
	"{ \"ports\": [" \
	"  { \"name\": \"wifi\", \"device\": \"net_null0\", \"role\": \"access\"," \
	"    \"ipv4\": \"192.0.2.1\", \"next_hop_mac\": \"02:00:00:00:01:02\"," \
	"    \"gma_udp_ports\": [10020] }," \
	"  { \"name\": \"lte\", \"device\": \"net_null1\", \"role\": \"access\"," \
	"    \"ipv4\": \"" LTE_IP "\", \"next_hop_mac\": \"02:00:00:00:02:02\"," \
	"    \"gma_udp_ports\": [10020, 10021] }," \
	"  { \"name\": \"core\", \"device\": \"net_null2\", \"role\": \"core\"," \
	"    \"ipv4\": \"203.0.113.1\", \"next_hop_mac\": \"02:00:00:00:03:02\" } ]," \
	SESSIONS \
	"  \"ncm\": { \"ncm_id\": 7," \
	"    \"listen\": { \"ip\": \"127.0.0.1\", \"port\": 0 }," \
	"    \"endpoint\": { \"ip\": \"192.0.2.1\", \"port\": 8765 }," \
	"    \"timers\": { \"timeout_ms\": 1000, \"retries\": 2, \"keep_alive_ms\": 10000 }," \
	"    \"anchor\": { \"connection_id\": 15, \"pool\": \"10.9.0.0/24\" }," \
	"    \"delivery\": [" \
	"      { \"connection_id\": 0, \"connection_type\": \"Wi-Fi\", \"port\": \"wifi\" }," \
	"      { \"connection_id\": 3, \"connection_type\": \"LTE\", \"port\": \"lte\"," \
	"        \"gw_port\": 10021, \"mtu\": 1400 } ],"

#endif /* CP_TEST_IO_H */
