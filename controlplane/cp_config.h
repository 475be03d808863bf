/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM's configuration: the "ncm" section of the gateway's JSON file
 * (reference: config/README.md).  DPDK-free; parsed with the same helpers
 * and the same "json.path: reason" messages as the data plane's sections,
 * after them, because delivery connections name access ports.
 */
#ifndef CP_CONFIG_H
#define CP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_api.h"
#include "dp_config.h"

#define CP_PATH_LEN 256u   /* file names */
#define CP_TOKEN_LEN 128u
#define CP_TYPE_LEN 16u    /* "Wi-Fi", "LTE", "5G_NR", "MulteFire" */
#define CP_MAX_SSIDS_CFG 8u /* = CP_MAX_SSIDS of cp_msg.h */

/* One delivery connection the NCM offers: an access port of the gateway. */
struct cp_delivery_cfg {
	uint8_t connection_id;        /* MAMS connection ID, 0..15 */
	char connection_type[CP_TYPE_LEN];
	uint8_t port;                 /* access port index in dp_config.ports */
	uint32_t gw_ip;               /* the port's IPv4 (tunnel endpoint), host order */
	uint16_t gw_port;             /* GMA UDP port the client sends to */
	uint16_t mtu;                 /* default path MTU until the client reports one */
	/* "ipsec": the IPsec adaptation (docs/ipsec.md): ESP-in-UDP with SAs
	 * derived from a shared secret the NCM draws per session. */
	bool ipsec;
	uint8_t ipsec_suite;          /* enum esp_suite */
	bool ipsec_esn;
	uint32_t ipsec_replay_window; /* power of 2, 32..4096 */
	uint32_t ipsec_rekey_s;       /* a new secret this often; 0 = never */
	uint32_t ipsec_grace_ms;      /* the old inbound SA lives this long after the switch */
};

/* The default steering policy (cp_policy.h). */
struct cp_policy_cfg {
	uint32_t interval_ms;      /* how often the policy looks at the measurements */
	uint8_t min_change_pct;    /* re-steer only when a weight moves by more */
	uint8_t probe_fail;        /* unanswered probes in a row before a path is "failing" */
	uint32_t hold_down_ms;     /* a failed path stays out at least this long */
};

struct cp_config {
	bool enabled;                 /* the "ncm" section is present */
	uint32_t ncm_id;
	/* "listen": where CCMs connect */
	uint32_t listen_ip;           /* host order; 0 = every address */
	uint16_t listen_port;
	/* "endpoint": what mx_system_info announces (default: listen, or the
	 * first access port's address when listening on every address) */
	uint32_t endpoint_ip;
	uint16_t endpoint_port;
	/* "tls" */
	char cert[CP_PATH_LEN], key[CP_PATH_LEN], client_ca[CP_PATH_LEN];
	/* "token" or "token_file": bearer token required at the upgrade */
	char token[CP_TOKEN_LEN];
	/* "ipsec_secret_over_ws": send IPsec shared secrets over a WebSocket
	 * without TLS (tests only; refused by default) */
	bool secret_over_ws;
	/* "limits" */
	uint32_t max_message;
	uint32_t max_depth;
	uint32_t max_array;
	uint32_t max_sessions;
	/* "timers" (RFC 8743 8.3) */
	uint32_t timeout_ms;          /* MAMS_TIMEOUT */
	uint32_t retries;             /* MAMS_RETRY */
	uint32_t keep_alive_ms;       /* MAMS_KEEP_ALIVE_TIMEOUT */
	uint32_t detach_ms;           /* a session without its WebSocket lives this long */
	/* "anchor": the anchor connection and the client addresses it hands out */
	uint8_t anchor_conn_id;
	char anchor_type[CP_TYPE_LEN];
	uint32_t anchor_net, anchor_mask; /* pool of client anchor addresses */
	uint32_t anchor_gw;           /* the gateway's address on the anchor network */
	uint32_t anchor_dns;
	/* "delivery" */
	uint8_t n_delivery;
	struct cp_delivery_cfg delivery[DP_MAX_PATHS];
	/* "session": template of the data-plane session of every CCM; its
	 * paths are the delivery connections, its flows' steering names them
	 * by connection_id; a flow whose mode is "auto" follows the policy. */
	struct dp_session_cfg tmpl;
	uint8_t auto_flows;           /* bit i: tmpl.flows[i] follows the policy */
	/* "policy" */
	struct cp_policy_cfg policy;
	/* "ssids": the operator's Wi-Fi networks, sent in mx_ssid_indication */
	uint8_t n_ssids;
	char ssids[CP_MAX_SSIDS_CFG][33];
};

void cp_config_defaults(struct cp_config *c);
/*
 * Parses the "ncm" section of json (the whole gateway file) for the data
 * plane configuration dpc it belongs to.  0, or -1 with "ncm.path: reason"
 * in err.  No "ncm" section: 0 and c->enabled false.
 */
int cp_config_parse(const char *json, size_t len, const struct dp_config *dpc,
		    struct cp_config *c, char *err, size_t errlen);
int cp_config_load(const char *path, const struct dp_config *dpc, struct cp_config *c,
		   char *err, size_t errlen);

#endif /* CP_CONFIG_H */
