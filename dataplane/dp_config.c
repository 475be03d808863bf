/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration parser and validator (dp_config.h; reference:
 * config/README.md): the schema section by section (dataplane, mx_control,
 * reorder, reassembly, ports, sessions with their paths, flows and
 * steering), the defaults and the entry points.  The generic JSON and text
 * helpers it reads values with are in dp_config_json.c.
 *
 * The text is parsed into a scratch struct that is copied out only when
 * every check has passed, so a caller that reloads keeps its configuration
 * on error.  Each object's keys are checked against its known keys before
 * any value is read: a misspelt optional key would otherwise fall back to
 * its default without a word.  Messages are "json.path: reason".
 */
#include "dp_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dp_config_json.h"
#include "gma_reorder.h"

#define CFG_MAX_BYTES (1u << 20) /* a config is a few KiB; refuse anything absurd */
#define CFG_MAX_DEPTH 16u        /* the schema nests 7 deep */

/* Bounds taken from DPDK's default build (rte_config.h, rte_build_config.h). */
#define CFG_MAX_WORKERS 127u       /* RTE_MAX_LCORE 128, less the main lcore */
#define CFG_MAX_RX_QUEUES 1024u    /* RTE_MAX_QUEUES_PER_PORT */
#define CFG_MAX_MBUF_CACHE 512u    /* RTE_MEMPOOL_CACHE_MAX_SIZE */
#define CFG_MAX_DESC 32768u        /* largest power of 2 in a uint16_t */
#define CFG_MAX_RING (1u << 20)
#define CFG_MAX_SESSIONS (1u << 24)
#define CFG_MAX_TIMEOUT_MS 60000u  /* a longer wait outlives any transport timer */
#define CFG_MIN_REASM_BYTES 1500u  /* less cannot hold one fragmented Ethernet frame */
#define CFG_MAX_REASM_BYTES (1u << 24)
#define CFG_MAX_REASM_SLOTS 64u    /* gma_reasm_cfg.slots */
#define CFG_MIN_MTU 68u            /* RFC 791: every IPv4 link carries 68 bytes */
#define CFG_MAX_MTU 9000u          /* jumbo frames */
#define CFG_MAX_CONN_ID 15u        /* GMA Connection ID: delivery = low nibble */
#define CFG_MAX_ARP_QUEUE 64u      /* DP_ARP_QUEUE_MAX: packets waiting per address */

#define DL_FLAGS_DEFAULT (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID)

#define IPPROTO_NUM_ICMP 1u
#define IPPROTO_NUM_TCP 6u
#define IPPROTO_NUM_UDP 17u
#define IPPROTO_NUM_SCTP 132u


static const struct cfg_name port_roles[] = {
	{ "access", DP_PORT_ACCESS }, { "core", DP_PORT_CORE }, { NULL, 0 },
};

const struct cfg_name cfg_gma_methods[] = {
	{ "trailer", GMA_METHOD_TRAILER },
	{ "header", GMA_METHOD_HEADER_IP },
	{ "nonip", GMA_METHOD_NONIP },
	{ NULL, 0 },
};

const struct cfg_name cfg_mx_dialects[] = {
	{ "up09", MX_DIALECT_UP09 }, { "rfc8743", MX_DIALECT_RFC8743 }, { NULL, 0 },
};

/* How uplink PDUs find their path (dp_session_cfg.ul_match_client). */
const struct cfg_name cfg_uplink_matches[] = {
	{ "endpoint", 0 }, { "client", 1 }, { NULL, 0 },
};

static const struct cfg_name steer_modes[] = {
	{ "switch", GMA_STEER_SWITCH },
	{ "split", GMA_STEER_SPLIT },
	{ "duplicate", GMA_STEER_DUPLICATE },
	{ NULL, 0 },
};

/* Concatenation is absent on purpose: the concatenator sets it per PDU. */
static const struct cfg_name dl_field_names[] = {
	{ "checksum", GMA_F_CHECKSUM },
	{ "conn_id", GMA_F_CONN_ID },
	{ "flow_id", GMA_F_FLOW_ID },
	{ "fragmentation", GMA_F_FRAG },
	{ "delivery_sn", GMA_F_DELIVERY_SN },
	{ "flow_sn", GMA_F_FLOW_SN },
	{ "timestamp", GMA_F_TIMESTAMP },
	{ "ttl", GMA_F_TTL },
	{ NULL, 0 },
};

static const struct cfg_name ip_protos[] = {
	{ "icmp", IPPROTO_NUM_ICMP },
	{ "tcp", IPPROTO_NUM_TCP },
	{ "udp", IPPROTO_NUM_UDP },
	{ "sctp", IPPROTO_NUM_SCTP },
	{ NULL, 0 },
};

static const char *const root_keys[] = {
	"dataplane", "mx_control", "reorder", "reassembly", "ports", "sessions",
	"arp",
	"ncm", /* the control plane's section: controlplane/cp_config.c */
	"rest", /* the REST shim's section: controlplane/cp_rest_config.c */
	NULL,
};
static const char *const dataplane_keys[] = {
	"workers", "mbufs", "mbuf_cache", "rx_desc", "tx_desc", "burst",
	"max_sessions", "handoff_ring", "ctrl_ring", NULL,
};
static const char *const mx_control_keys[] = { "ip", "port", NULL };
static const char *const reorder_keys[] = { "window", "timeout_ms", "deliver_late", NULL };
static const char *const reassembly_keys[] = { "timeout_ms", "max_bytes", "slots", NULL };
static const char *const arp_keys[] = {
	"timeout_ms", "retry_ms", "retries", "queue", "entries", "gratuitous", NULL,
};
static const char *const neighbor_keys[] = { "ip", "mac", NULL };
static const char *const port_keys[] = {
	"name", "device", "role", "ipv4", "mac", "next_hop_mac", "gateway", "prefix_len",
	"neighbors", "rx_queues", "gma_udp_ports", NULL,
};
static const char *const session_keys[] = {
	"id", "anchor_ip", "method", "dl_fields", "mx_dialect", "fragment", "concat",
	"concat_hold_us", "default_flow", "probe_interval_ms", "uplink_match", "paths", "flows",
	NULL,
};
static const char *const path_keys[] = {
	"conn_id", "port", "client_ip", "client_port", "gw_port", "mtu", "up", "ipsec", NULL,
};
static const char *const ipsec_keys[] = { "suite", "esn", "replay_window", "out", "in", NULL };
static const char *const ipsec_sa_keys[] = { "spi", "key", "salt", "auth_key", NULL };
static const char *const flow_keys[] = { "flow_id", "match", "steering", NULL };
static const char *const match_keys[] = {
	"remote_ip", "local_ip", "remote_ports", "local_ports", "proto", "dscp", NULL,
};
static const char *const steering_keys[] = { "mode", "paths", "weights", NULL };

/* ---- Global sections ----------------------------------------------------- */

static int parse_dataplane(struct cfg_parser *p, const json_t *o, struct dp_config *c)
{
	const char *dp = "dataplane";
	uint32_t rx = c->rx_desc, tx = c->tx_desc;

	if (cfg_check_object(p, o, dp, dataplane_keys) ||
	    cfg_get_u16(p, o, dp, "workers", false, 1, CFG_MAX_WORKERS, &c->workers) ||
	    cfg_get_u32(p, o, dp, "mbufs", false, 1, UINT32_MAX, &c->mbufs) ||
	    cfg_get_u16(p, o, dp, "mbuf_cache", false, 0, CFG_MAX_MBUF_CACHE, &c->mbuf_cache) ||
	    cfg_get_pow2(p, o, dp, "rx_desc", 16, CFG_MAX_DESC, NULL, &rx) ||
	    cfg_get_pow2(p, o, dp, "tx_desc", 16, CFG_MAX_DESC, NULL, &tx) ||
	    cfg_get_u16(p, o, dp, "burst", false, 1, 64, &c->burst) ||
	    cfg_get_u32(p, o, dp, "max_sessions", false, 1, CFG_MAX_SESSIONS, &c->max_sessions) ||
	    cfg_get_pow2(p, o, dp, "handoff_ring", 2, CFG_MAX_RING, NULL, &c->handoff_ring) ||
	    cfg_get_pow2(p, o, dp, "ctrl_ring", 2, CFG_MAX_RING, NULL, &c->ctrl_ring))
		return -1;
	c->rx_desc = (uint16_t)rx;
	c->tx_desc = (uint16_t)tx;
	/* rte_mempool_create() refuses a cache whose flush threshold (1.5 x the
	 * cache) exceeds the pool: say so here rather than at EAL start. */
	if ((uint64_t)c->mbuf_cache * 3u / 2u > c->mbufs)
		return cfg_fail(p, dp, "mbuf_cache",
				"%u needs mbufs >= %u (1.5 x the cache), mbufs is %u",
				c->mbuf_cache, c->mbuf_cache * 3u / 2u, c->mbufs);
	return 0;
}

static int parse_globals(struct cfg_parser *p, const json_t *root, struct dp_config *c)
{
	const json_t *o;

	o = json_object_get(root, "dataplane");
	if (o != NULL && parse_dataplane(p, o, c))
		return -1;
	o = json_object_get(root, "mx_control");
	if (o != NULL &&
	    (cfg_check_object(p, o, "mx_control", mx_control_keys) ||
	     cfg_get_ipv4(p, o, "mx_control", "ip", false, &c->ctrl_ip) ||
	     cfg_get_u16(p, o, "mx_control", "port", false, 1, UINT16_MAX, &c->ctrl_port)))
		return -1;
	o = json_object_get(root, "reorder");
	if (o != NULL &&
	    (cfg_check_object(p, o, "reorder", reorder_keys) ||
	     cfg_get_pow2(p, o, "reorder", "window", 2, GMA_REORDER_MAX_WINDOW,
			  "GMA_REORDER_MAX_WINDOW", &c->reorder_window) ||
	     cfg_get_u32(p, o, "reorder", "timeout_ms", false, 1, CFG_MAX_TIMEOUT_MS,
			 &c->reorder_timeout_ms) ||
	     cfg_get_bool(p, o, "reorder", "deliver_late", &c->reorder_deliver_late)))
		return -1;
	o = json_object_get(root, "reassembly");
	if (o != NULL &&
	    (cfg_check_object(p, o, "reassembly", reassembly_keys) ||
	     cfg_get_u32(p, o, "reassembly", "timeout_ms", false, 1, CFG_MAX_TIMEOUT_MS,
			 &c->reasm_timeout_ms) ||
	     cfg_get_u32(p, o, "reassembly", "max_bytes", false, CFG_MIN_REASM_BYTES,
			 CFG_MAX_REASM_BYTES, &c->reasm_max_bytes) ||
	     cfg_get_u16(p, o, "reassembly", "slots", false, 1, CFG_MAX_REASM_SLOTS,
			 &c->reasm_slots)))
		return -1;
	o = json_object_get(root, "arp");
	if (o != NULL &&
	    (cfg_check_object(p, o, "arp", arp_keys) ||
	     cfg_get_u32(p, o, "arp", "timeout_ms", false, 1000, 3600000, &c->arp_timeout_ms) ||
	     cfg_get_u32(p, o, "arp", "retry_ms", false, 1, CFG_MAX_TIMEOUT_MS, &c->arp_retry_ms) ||
	     cfg_get_u8(p, o, "arp", "retries", false, 1, 16, &c->arp_retries) ||
	     cfg_get_u16(p, o, "arp", "queue", false, 1, CFG_MAX_ARP_QUEUE, &c->arp_queue) ||
	     cfg_get_u32(p, o, "arp", "entries", false, 8, CFG_MAX_SESSIONS, &c->arp_entries) ||
	     cfg_get_bool(p, o, "arp", "gratuitous", &c->arp_gratuitous)))
		return -1;
	if ((uint64_t)c->arp_retry_ms * c->arp_retries >= c->arp_timeout_ms)
		return cfg_fail(p, "arp", "retry_ms",
				"retries x retry_ms (%u x %u ms) must be shorter than timeout_ms "
				"(%u ms): the refresh starts that long before expiry",
				c->arp_retries, c->arp_retry_ms, c->arp_timeout_ms);
	return 0;
}

/* ---- Ports --------------------------------------------------------------- */

static int parse_gma_ports(struct cfg_parser *p, const json_t *o, const char *path,
			   struct dp_port_cfg *pc)
{
	char ep[CFG_PATH_LEN];
	const json_t *a;
	size_t n;

	if (cfg_get_array(p, o, path, "gma_udp_ports", pc->role == DP_PORT_ACCESS, DP_MAX_GMA_PORTS,
			  "DP_MAX_GMA_PORTS", &a))
		return -1;
	if (a == NULL)
		return 0;
	if (pc->role != DP_PORT_ACCESS)
		return cfg_fail(p, path, "gma_udp_ports", "a core port carries plain IP, not GMA");
	n = json_array_size(a);
	if (n == 0)
		return cfg_fail(p, path, "gma_udp_ports",
				"an access port needs at least one GMA UDP port");
	for (size_t i = 0; i < n; i++) {
		long long x;

		cfg_subpath(ep, "%s.gma_udp_ports[%zu]", path, i);
		if (cfg_int_value(p, json_array_get(a, i), ep, NULL, 1, UINT16_MAX, NULL, &x))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (pc->gma_ports[j] == x)
				return cfg_fail(p, ep, NULL, "%lld is listed twice", x);
		pc->gma_ports[i] = (uint16_t)x;
	}
	pc->n_gma_ports = (uint8_t)n;
	return 0;
}

static bool mac_given(const uint8_t m[6])
{
	static const uint8_t z[6];

	return memcmp(m, z, 6) != 0;
}

/* "gateway", "prefix_len", "neighbors": what is on-link and static entries. */
static int parse_neighbors(struct cfg_parser *p, const json_t *o, const char *path,
			   struct dp_port_cfg *pc)
{
	char ep[CFG_PATH_LEN], ip[16];
	const json_t *a;
	long long x;
	int rc;

	if (cfg_get_ipv4(p, o, path, "gateway", false, &pc->gateway))
		return -1;
	if (pc->gateway != 0 && pc->gateway == pc->ipv4)
		return cfg_fail(p, path, "gateway", "%s is the port's own address",
				cfg_ipv4_str(ip, pc->gateway));
	pc->prefix_len = 32;
	rc = cfg_get_int(p, o, path, "prefix_len", false, 0, 32, &x);
	if (rc < 0)
		return -1;
	if (rc > 0 && pc->gateway == 0)
		return cfg_fail(p, path, "prefix_len", "needs a \"gateway\" (without one every "
				"destination is resolved on the link)");
	if (rc > 0)
		pc->prefix_len = (uint8_t)x;
	if (cfg_get_array(p, o, path, "neighbors", false, DP_MAX_STATIC_NEIGH,
			  "DP_MAX_STATIC_NEIGH", &a))
		return -1;
	if (a != NULL && mac_given(pc->next_hop_mac) && pc->gateway == 0)
		return cfg_fail(p, path, "neighbors", "unused: \"next_hop_mac\" without a "
				"\"gateway\" sends every frame of the port to that MAC");
	for (size_t i = 0; a != NULL && i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		cfg_subpath(ep, "%s.neighbors[%zu]", path, i);
		if (cfg_check_object(p, e, ep, neighbor_keys) ||
		    cfg_get_ipv4(p, e, ep, "ip", true, &pc->neighbors[i].ip) ||
		    cfg_get_mac(p, e, ep, "mac", true, pc->neighbors[i].mac))
			return -1;
		if (pc->neighbors[i].mac[0] & 1u)
			return cfg_fail(p, ep, "mac", "a neighbour's MAC must be unicast");
		if (pc->neighbors[i].ip == pc->ipv4)
			return cfg_fail(p, ep, "ip", "%s is the port's own address",
					cfg_ipv4_str(ip, pc->ipv4));
		for (size_t j = 0; j < i; j++)
			if (pc->neighbors[j].ip == pc->neighbors[i].ip)
				return cfg_fail(p, ep, "ip", "%s is already %s.neighbors[%zu]",
						cfg_ipv4_str(ip, pc->neighbors[i].ip), path, j);
		if (pc->neighbors[i].ip == pc->gateway && mac_given(pc->next_hop_mac))
			return cfg_fail(p, ep, "ip", "the gateway's MAC is \"next_hop_mac\"");
		pc->n_neighbors = (uint8_t)(i + 1);
	}
	return 0;
}

static int parse_port(struct cfg_parser *p, const json_t *o, const char *path,
		      struct dp_port_cfg *pc)
{
	const char *name, *dev;
	char q[CFG_QUOTE_LEN];
	int role;

	if (cfg_check_object(p, o, path, port_keys) ||
	    cfg_get_str(p, o, path, "name", true, &name) < 0)
		return -1;
	if (*name == '\0' || strlen(name) >= DP_NAME_LEN || !cfg_port_name_ok(name))
		return cfg_fail(p, path, "name", "%s: want 1..%u characters of A-Z a-z 0-9 _ - .",
				cfg_quote(q, name), DP_NAME_LEN - 1);
	if (cfg_get_str(p, o, path, "device", true, &dev) < 0)
		return -1;
	if (*dev == '\0' || strlen(dev) >= DP_DEV_LEN || !cfg_device_ok(dev))
		return cfg_fail(p, path, "device", "%s: want 1..%u printable characters, no blanks",
				cfg_quote(q, dev), DP_DEV_LEN - 1);
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->device, sizeof(pc->device), "%s", dev);
	if (cfg_get_name(p, o, path, "role", true, port_roles, &role))
		return -1;
	pc->role = (enum dp_port_role)role;
	if (cfg_get_ipv4(p, o, path, "ipv4", true, &pc->ipv4) ||
	    cfg_get_mac(p, o, path, "mac", false, pc->mac) ||
	    cfg_get_mac(p, o, path, "next_hop_mac", false, pc->next_hop_mac) ||
	    cfg_get_u16(p, o, path, "rx_queues", false, 0, CFG_MAX_RX_QUEUES, &pc->rx_queues) ||
	    parse_gma_ports(p, o, path, pc) || parse_neighbors(p, o, path, pc))
		return -1;
	/* The gateway's own address is a frame's source: a group bit there is invalid. */
	if (pc->mac[0] & 1u)
		return cfg_fail(p, path, "mac", "a multicast address cannot be a port's own MAC");
	return 0;
}

static int parse_ports(struct cfg_parser *p, const json_t *root, struct dp_config *c)
{
	char pp[CFG_PATH_LEN];
	const json_t *a;
	int core = -1, access = -1;

	if (cfg_get_array(p, root, "", "ports", true, DP_MAX_PORTS, "DP_MAX_PORTS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		struct dp_port_cfg *pc = &c->ports[i];
		char q[CFG_QUOTE_LEN];

		cfg_subpath(pp, "ports[%zu]", i);
		if (parse_port(p, json_array_get(a, i), pp, pc))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->ports[j].name, pc->name) == 0)
				return cfg_fail(p, pp, "name",
						"%s is already the name of ports[%zu]",
						cfg_quote(q, pc->name), j);
			if (strcmp(c->ports[j].device, pc->device) == 0)
				return cfg_fail(p, pp, "device",
						"%s is already the device of ports[%zu]",
						cfg_quote(q, pc->device), j);
		}
		if (pc->role == DP_PORT_CORE) {
			if (core >= 0)
				return cfg_fail(p, pp, "role", "a second core port (ports[%d] "
						"is the core port; exactly one is allowed)", core);
			core = (int)i;
		} else if (access < 0) {
			access = (int)i;
		}
		c->n_ports = (uint8_t)(i + 1);
	}
	if (core < 0)
		return cfg_fail(p, "ports", NULL,
				"no core port (exactly one must have role \"core\")");
	if (access < 0)
		return cfg_fail(p, "ports", NULL,
				"no access port (at least one must have role \"access\")");
	return 0;
}

/* ---- Sessions: paths ----------------------------------------------------- */

/* ESP suites (enum esp_suite in dataplane/esp/esp_sa.h; the library's names
 * and short aliases) and their key lengths (docs/ipsec.md, Suites). */
const struct cfg_name cfg_ipsec_suites[] = {
	{ "aes128-gcm", 1 }, { "aes256-gcm", 2 }, { "aes128-cbc-sha256", 3 },
	{ "aes256-cbc-sha256", 4 }, { "aes128gcm", 1 }, { "aes256gcm", 2 },
	{ "aes128cbc-sha256", 3 }, { "aes256cbc-sha256", 4 }, { "aes128-gcm16", 1 },
	{ "aes256-gcm16", 2 }, { "aes128-cbc-hmac-sha256-128", 3 },
	{ "aes256-cbc-hmac-sha256-128", 4 }, { NULL, 0 },
};
#define CFG_SPI_MIN 256u           /* 0..255 reserved (RFC 4303 2.1) */
#define CFG_SPI_STATIC_END 0x80000000u /* derived SPIs have the top bit set */

/* Optional hex string of exactly `want` bytes (0: absent is an error if required). */
static int get_hex(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   bool required, size_t want, uint8_t *out)
{
	const char *s;
	int rc = cfg_get_str(p, o, path, key, required, &s);
	size_t n;

	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	n = strlen(s);
	if (n != 2 * want)
		return cfg_fail(p, path, key, "want %zu hex digits (%zu bytes), got %zu characters",
				2 * want, want, n);
	for (size_t i = 0; i < want; i++) {
		unsigned v = 0;

		for (unsigned k = 0; k < 2; k++) {
			char ch = s[2 * i + k];
			unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
				     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
				     : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10)
							      : 16u;

			if (d == 16u)
				return cfg_fail(p, path, key, "character %zu is not a hex digit",
						2 * i + k);
			v = v << 4 | d;
		}
		out[i] = (uint8_t)v;
	}
	return 1;
}

/* One static SA: "spi", "key" and, per suite, "salt" (GCM) or "auth_key" (CBC). */
static int parse_ipsec_sa(struct cfg_parser *p, const json_t *o, const char *path,
			  unsigned suite, struct dp_ipsec_sa_cfg *sa)
{
	bool gcm = suite == 1 || suite == 2;
	size_t klen = suite == 1 || suite == 3 ? 16 : 32;

	if (!json_is_object(o))
		return cfg_fail(p, path, NULL, "expected an object, got %s", cfg_type_name(o));
	if (cfg_check_object(p, o, path, ipsec_sa_keys) ||
	    cfg_get_u32(p, o, path, "spi", true, CFG_SPI_MIN, CFG_SPI_STATIC_END - 1u, &sa->spi) ||
	    get_hex(p, o, path, "key", true, klen, sa->keymat) < 0)
		return -1;
	if (gcm) {
		if (json_object_get(o, "auth_key") != NULL)
			return cfg_fail(p, path, "auth_key", "only for the CBC suites (GCM has a salt)");
		if (get_hex(p, o, path, "salt", true, 4, sa->keymat + klen) < 0)
			return -1;
		sa->keymat_len = (uint8_t)(klen + 4);
	} else {
		if (json_object_get(o, "salt") != NULL)
			return cfg_fail(p, path, "salt", "only for the GCM suites (CBC has an auth_key)");
		if (get_hex(p, o, path, "auth_key", true, 32, sa->keymat + klen) < 0)
			return -1;
		sa->keymat_len = (uint8_t)(klen + 32);
	}
	return 0;
}

int cfg_ipsec_open(struct cfg_parser *p, const json_t *o, const char *path,
		   const char *const *keys, bool suite_required, const json_t **v, char *sub,
		   int *suite, bool *esn, uint32_t *window)
{
	int rc = cfg_field(p, o, path, "ipsec", false, v);

	if (rc <= 0) {
		*v = NULL;
		return rc < 0 ? -1 : 0;
	}
	cfg_subpath(sub, "%s.ipsec", path);
	if (!json_is_object(*v))
		return cfg_fail(p, path, "ipsec", "expected an object, got %s", cfg_type_name(*v));
	if (cfg_check_object(p, *v, sub, keys) ||
	    cfg_get_name(p, *v, sub, "suite", suite_required, cfg_ipsec_suites, suite) ||
	    cfg_get_bool(p, *v, sub, "esn", esn) ||
	    cfg_get_pow2(p, *v, sub, "replay_window", 32, 4096, NULL, window))
		return -1;
	return 0;
}

/* Optional "ipsec" of a path: the IPsec adaptation with two static SAs. */
static int parse_ipsec(struct cfg_parser *p, const json_t *o, const char *path,
		       struct dp_ipsec_cfg *ic)
{
	const json_t *v;
	char sub[CFG_PATH_LEN];
	int suite = 0;
	bool esn = false;
	uint32_t window = 1024;

	if (cfg_ipsec_open(p, o, path, ipsec_keys, true, &v, sub, &suite, &esn, &window))
		return -1;
	if (v == NULL)
		return 0;
	memset(ic, 0, sizeof(*ic));
	ic->suite = (uint8_t)suite;
	ic->esn = esn;
	ic->replay_window = window;
	if (cfg_field(p, v, sub, "out", true, &o) <= 0)
		return -1;
	cfg_subpath(sub, "%s.ipsec.out", path);
	if (parse_ipsec_sa(p, o, sub, ic->suite, &ic->out))
		return -1;
	cfg_subpath(sub, "%s.ipsec", path);
	if (cfg_field(p, v, sub, "in", true, &o) <= 0)
		return -1;
	cfg_subpath(sub, "%s.ipsec.in", path);
	if (parse_ipsec_sa(p, o, sub, ic->suite, &ic->in))
		return -1;
	ic->enabled = true;
	return 0;
}

static int parse_path(struct cfg_parser *p, const json_t *o, const char *path,
		      const struct dp_config *c, struct dp_path_cfg *pc)
{
	const struct dp_port_cfg *port;
	const char *name;
	char q[CFG_QUOTE_LEN];
	int idx;

	if (cfg_check_object(p, o, path, path_keys) ||
	    cfg_get_u8(p, o, path, "conn_id", true, 0, CFG_MAX_CONN_ID, &pc->conn_id) ||
	    cfg_get_str(p, o, path, "port", true, &name) < 0)
		return -1;
	idx = dp_config_port_index(c, name);
	if (idx < 0)
		return cfg_fail(p, path, "port", "no port named %s", cfg_quote(q, name));
	port = &c->ports[idx];
	if (port->role != DP_PORT_ACCESS)
		return cfg_fail(p, path, "port", "%s is the core port; a path needs an access port",
				cfg_quote(q, name));
	pc->port = (uint8_t)idx;
	pc->gw_port = port->gma_ports[0];
	pc->mtu = 1500;
	pc->up = true;
	if (cfg_get_ipv4(p, o, path, "client_ip", true, &pc->client_ip) ||
	    cfg_get_u16(p, o, path, "client_port", true, 1, UINT16_MAX, &pc->client_port) ||
	    cfg_get_u16(p, o, path, "gw_port", false, 1, UINT16_MAX, &pc->gw_port) ||
	    cfg_get_u16(p, o, path, "mtu", false, CFG_MIN_MTU, CFG_MAX_MTU, &pc->mtu) ||
	    cfg_get_bool(p, o, path, "up", &pc->up) || parse_ipsec(p, o, path, &pc->ipsec))
		return -1;
	for (unsigned i = 0; i < port->n_gma_ports; i++)
		if (port->gma_ports[i] == pc->gw_port)
			return 0;
	return cfg_fail(p, path, "gw_port", "%u is not one of ports[%d].gma_udp_ports", pc->gw_port,
			idx);
}

/* ---- Sessions: flows ----------------------------------------------------- */

static int parse_match(struct cfg_parser *p, const json_t *o, const char *path,
		       struct gma_tft *t)
{
	const json_t *v;
	long long x = 0;
	int proto, rc;

	if (cfg_check_object(p, o, path, match_keys) ||
	    cfg_get_prefix(p, o, path, "remote_ip", &t->remote_ip, &t->remote_mask) ||
	    cfg_get_prefix(p, o, path, "local_ip", &t->local_ip, &t->local_mask))
		return -1;
	if (cfg_field(p, o, path, "proto", false, &v) > 0) {
		if (json_is_integer(v)) {
			/* 0 would read as "any" in gma_tft: leave proto out for that. */
			if (cfg_int_value(p, v, path, "proto", 1, 255, NULL, &x))
				return -1;
			t->proto = (uint8_t)x;
		} else if (json_is_string(v)) {
			if (cfg_get_name(p, o, path, "proto", true, ip_protos, &proto))
				return -1;
			t->proto = (uint8_t)proto;
		} else {
			return cfg_fail(p, path, "proto",
					"expected a protocol name or number, got %s",
					cfg_type_name(v));
		}
	}
	if (cfg_get_ports(p, o, path, "remote_ports", &t->remote_port_min, &t->remote_port_max) ||
	    cfg_get_ports(p, o, path, "local_ports", &t->local_port_min, &t->local_port_max))
		return -1;
	if (t->proto != 0 && t->proto != IPPROTO_NUM_TCP && t->proto != IPPROTO_NUM_UDP &&
	    t->proto != IPPROTO_NUM_SCTP) {
		const char *key = json_object_get(o, "remote_ports") ? "remote_ports" :
				  json_object_get(o, "local_ports") ? "local_ports" : NULL;

		if (key != NULL)
			return cfg_fail(p, path, key,
					"protocol %u has no ports (only tcp, udp, sctp)", t->proto);
	}
	rc = cfg_get_int(p, o, path, "dscp", false, 0, 63, &x);
	if (rc < 0)
		return -1;
	t->dscp_match = rc > 0;
	t->dscp = rc > 0 ? (uint8_t)x : 0;
	return 0;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b != 0) {
		unsigned t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int parse_weights(struct cfg_parser *p, const json_t *o, const char *path,
			 struct gma_steer_cfg *st)
{
	char ep[CFG_PATH_LEN];
	const json_t *a;
	unsigned sum = 0, g = 0;

	if (cfg_get_array(p, o, path, "weights", st->mode == GMA_STEER_SPLIT, GMA_STEER_MAX_PATHS,
			  "GMA_STEER_MAX_PATHS", &a))
		return -1;
	if (a == NULL)
		return 0;
	if (st->mode != GMA_STEER_SPLIT)
		return cfg_fail(p, path, "weights", "only mode \"split\" takes weights");
	if (json_array_size(a) != st->n)
		return cfg_fail(p, path, "weights", "%zu weights for %u paths",
				json_array_size(a), st->n);
	for (unsigned i = 0; i < st->n; i++) {
		long long x;

		cfg_subpath(ep, "%s.weights[%u]", path, i);
		if (cfg_int_value(p, json_array_get(a, i), ep, NULL, 0, UINT16_MAX, NULL, &x))
			return -1;
		st->weight[i] = (uint16_t)x;
		sum += (unsigned)x;
		g = gcd(g, (unsigned)x);
	}
	if (sum == 0)
		return cfg_fail(p, path, "weights", "all weights are 0");
	/* gma_steer_build() lays the cycle out once; any subset of up paths
	 * gives a cycle no longer than this one. */
	if (sum / g > GMA_STEER_MAX_CYCLE)
		return cfg_fail(p, path, "weights", "reduced by their gcd they sum to %u, "
				"more than GMA_STEER_MAX_CYCLE (%u)", sum / g,
				GMA_STEER_MAX_CYCLE);
	return 0;
}

/* Steering lists conn_ids; the data plane wants indexes into the session's paths[]. */
static int parse_steering(struct cfg_parser *p, const json_t *o, const char *path,
			  const struct dp_session_cfg *s, struct gma_steer_cfg *st)
{
	char ep[CFG_PATH_LEN];
	const json_t *a;
	int mode;

	if (cfg_check_object(p, o, path, steering_keys) ||
	    cfg_get_name(p, o, path, "mode", true, steer_modes, &mode))
		return -1;
	st->mode = (enum gma_steer_mode)mode;
	if (cfg_get_array(p, o, path, "paths", true, GMA_STEER_MAX_PATHS,
			  "GMA_STEER_MAX_PATHS", &a))
		return -1;
	if (json_array_size(a) == 0)
		return cfg_fail(p, path, "paths", "at least one conn_id is needed");
	for (size_t i = 0; i < json_array_size(a); i++) {
		long long cid;
		unsigned j;

		cfg_subpath(ep, "%s.paths[%zu]", path, i);
		if (cfg_int_value(p, json_array_get(a, i), ep, NULL, 0, CFG_MAX_CONN_ID,
				  NULL, &cid))
			return -1;
		for (j = 0; j < s->n_paths && s->paths[j].conn_id != cid; j++)
			;
		if (j == s->n_paths)
			return cfg_fail(p, ep, NULL, "the session has no path with conn_id %lld",
					cid);
		for (size_t k = 0; k < i; k++)
			if (st->path[k] == j)
				return cfg_fail(p, ep, NULL, "conn_id %lld is listed twice", cid);
		st->path[i] = (uint8_t)j;
	}
	st->n = (uint8_t)json_array_size(a);
	return parse_weights(p, o, path, st);
}

/* gma_tft_any() by hand: the template semantics are fixed by gma_tft.h. */
static void tft_any(struct gma_tft *t, uint8_t flow_id)
{
	memset(t, 0, sizeof(*t));
	t->remote_port_max = UINT16_MAX;
	t->local_port_max = UINT16_MAX;
	t->flow_id = flow_id;
}

int cfg_parse_flow(struct cfg_parser *p, const json_t *o, const char *path,
		   const struct dp_session_cfg *s, struct dp_flow_cfg *fc)
{
	char sub[CFG_PATH_LEN];
	const json_t *v;

	if (cfg_check_object(p, o, path, flow_keys) ||
	    cfg_get_u8(p, o, path, "flow_id", true, 0, UINT8_MAX, &fc->flow_id))
		return -1;
	tft_any(&fc->tft, fc->flow_id);
	v = json_object_get(o, "match");
	cfg_subpath(sub, "%s.match", path);
	if (v != NULL && parse_match(p, v, sub, &fc->tft))
		return -1;
	if (cfg_field(p, o, path, "steering", true, &v) < 0)
		return -1;
	cfg_subpath(sub, "%s.steering", path);
	return parse_steering(p, v, sub, s, &fc->steer);
}

/* ---- Sessions ------------------------------------------------------------ */

int cfg_parse_dl_fields(struct cfg_parser *p, const json_t *o, const char *path,
			struct dp_session_cfg *s)
{
	char ep[CFG_PATH_LEN], q[CFG_QUOTE_LEN], list[128];
	const json_t *a;

	if (cfg_get_array(p, o, path, "dl_fields", false, 8, NULL, &a))
		return -1;
	if (a == NULL)
		return 0;
	s->dl_flags = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		unsigned j;

		cfg_subpath(ep, "%s.dl_fields[%zu]", path, i);
		if (!json_is_string(v))
			return cfg_fail(p, ep, NULL, "expected a field name, got %s",
					cfg_type_name(v));
		for (j = 0; dl_field_names[j].name != NULL; j++)
			if (strcmp(dl_field_names[j].name, json_string_value(v)) == 0)
				break;
		cfg_quote(q, json_string_value(v));
		if (dl_field_names[j].name == NULL) {
			cfg_names_list(list, sizeof(list), dl_field_names);
			return cfg_fail(p, ep, NULL,
					"%s is not one of %s (concatenation is set per PDU)",
					q, list);
		}
		if (s->dl_flags & dl_field_names[j].value)
			return cfg_fail(p, ep, NULL, "%s is listed twice", q);
		if (dl_field_names[j].value == GMA_F_TTL && s->method == GMA_METHOD_NONIP)
			return cfg_fail(p, ep, NULL,
					"method \"nonip\" has no TTL field (RFC 9188 4.3)");
		s->dl_flags |= (uint16_t)dl_field_names[j].value;
	}
	return 0;
}

static int parse_session(struct cfg_parser *p, const json_t *o, const char *path,
			 const struct dp_config *c, struct dp_session_cfg *s)
{
	char sub[CFG_PATH_LEN];
	const json_t *a;
	int method, dialect = MX_DIALECT_UP09, match = 0;

	memset(s, 0, sizeof(*s));
	s->dl_flags = DL_FLAGS_DEFAULT;
	s->fragment = true;
	s->concat_hold_us = 200;
	if (cfg_check_object(p, o, path, session_keys) ||
	    cfg_get_u32(p, o, path, "id", true, 1, UINT32_MAX, &s->id) ||
	    cfg_get_ipv4(p, o, path, "anchor_ip", true, &s->anchor_ip) ||
	    cfg_get_name(p, o, path, "method", true, cfg_gma_methods, &method))
		return -1;
	s->method = (enum gma_method)method;
	if (cfg_parse_dl_fields(p, o, path, s) ||
	    cfg_get_name(p, o, path, "mx_dialect", false, cfg_mx_dialects, &dialect) ||
	    cfg_get_bool(p, o, path, "fragment", &s->fragment) ||
	    cfg_get_bool(p, o, path, "concat", &s->concat) ||
	    cfg_get_u16(p, o, path, "concat_hold_us", false, 0, UINT16_MAX, &s->concat_hold_us) ||
	    cfg_get_u32(p, o, path, "probe_interval_ms", false, 0, 3600000,
			&s->probe_interval_ms) ||
	    cfg_get_u8(p, o, path, "default_flow", false, 0, UINT8_MAX, &s->default_flow) ||
	    cfg_get_name(p, o, path, "uplink_match", false, cfg_uplink_matches, &match))
		return -1;
	s->ctrl_dialect = (enum mx_dialect)dialect;
	s->ul_match_client = match == 1;

	if (cfg_get_array(p, o, path, "paths", true, DP_MAX_PATHS, "DP_MAX_PATHS", &a))
		return -1;
	if (json_array_size(a) == 0)
		return cfg_fail(p, path, "paths", "at least one path is needed");
	for (size_t i = 0; i < json_array_size(a); i++) {
		cfg_subpath(sub, "%s.paths[%zu]", path, i);
		if (parse_path(p, json_array_get(a, i), sub, c, &s->paths[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (s->paths[j].conn_id == s->paths[i].conn_id)
				return cfg_fail(p, sub, "conn_id",
						"%u is already the conn_id of %s.paths[%zu]",
						s->paths[i].conn_id, path, j);
		s->n_paths = (uint8_t)(i + 1);
	}

	if (cfg_get_array(p, o, path, "flows", false, DP_MAX_FLOWS, "DP_MAX_FLOWS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		cfg_subpath(sub, "%s.flows[%zu]", path, i);
		if (cfg_parse_flow(p, json_array_get(a, i), sub, s, &s->flows[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (s->flows[j].flow_id == s->flows[i].flow_id)
				return cfg_fail(p, sub, "flow_id",
						"%u is already the flow_id of %s.flows[%zu]",
						s->flows[i].flow_id, path, j);
		s->n_flows = (uint8_t)(i + 1);
	}
	if (s->n_flows == 0) {
		/* Everything is one flow, on the first path. */
		s->flows[0].flow_id = s->default_flow;
		tft_any(&s->flows[0].tft, s->default_flow);
		s->flows[0].steer.mode = GMA_STEER_SWITCH;
		s->flows[0].steer.n = 1;
		s->flows[0].steer.path[0] = 0;
		s->n_flows = 1;
		return 0;
	}
	for (unsigned i = 0; i < s->n_flows; i++)
		if (s->flows[i].flow_id == s->default_flow)
			return 0;
	return cfg_fail(p, path, "default_flow", "%u is not the flow_id of any of %s.flows",
			s->default_flow, path);
}

/*
 * The data plane finds a path's session from (access port, client address,
 * client port) of an uplink packet (dp_ul_key): two paths sharing that key
 * could not be told apart, even on different gateway GMA ports.
 */
static int check_tuple(struct cfg_parser *p, const struct dp_config *c, unsigned si, unsigned pi)
{
	const struct dp_path_cfg *a = &c->sessions[si].paths[pi];
	char sub[CFG_PATH_LEN], ip[16];

	for (unsigned s = 0; s <= si; s++) {
		const struct dp_session_cfg *o = &c->sessions[s];

		for (unsigned i = 0; i < (s == si ? pi : o->n_paths); i++) {
			const struct dp_path_cfg *b = &o->paths[i];

			if (a->port != b->port || a->client_ip != b->client_ip ||
			    a->client_port != b->client_port)
				continue;
			cfg_subpath(sub, "sessions[%u].paths[%u]", si, pi);
			return cfg_fail(p, sub, NULL, "client %s:%u on port \"%s\" is already "
					"sessions[%u].paths[%u]", cfg_ipv4_str(ip, a->client_ip),
					a->client_port, c->ports[a->port].name, s, i);
		}
	}
	return 0;
}

/* The gateway finds an inbound SA by its SPI alone: unique over all paths. */
static int check_spi(struct cfg_parser *p, const struct dp_config *c, unsigned si, unsigned pi)
{
	const struct dp_path_cfg *a = &c->sessions[si].paths[pi];
	char sub[CFG_PATH_LEN];

	if (!a->ipsec.enabled)
		return 0;
	for (unsigned s = 0; s <= si; s++) {
		const struct dp_session_cfg *o = &c->sessions[s];

		for (unsigned i = 0; i < (s == si ? pi : o->n_paths); i++) {
			const struct dp_path_cfg *b = &o->paths[i];

			if (!b->ipsec.enabled || b->ipsec.in.spi != a->ipsec.in.spi)
				continue;
			cfg_subpath(sub, "sessions[%u].paths[%u].ipsec.in", si, pi);
			return cfg_fail(p, sub, "spi", "0x%08x is already the inbound SPI of "
					"sessions[%u].paths[%u]", a->ipsec.in.spi, s, i);
		}
	}
	return 0;
}

static int parse_sessions(struct cfg_parser *p, const json_t *root, struct dp_config *c)
{
	char sp[CFG_PATH_LEN], ip[16];
	const json_t *a;

	if (cfg_get_array(p, root, "", "sessions", false, DP_MAX_STATIC_SESSIONS,
			  "DP_MAX_STATIC_SESSIONS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		struct dp_session_cfg *s = &c->sessions[i];

		cfg_subpath(sp, "sessions[%zu]", i);
		if (parse_session(p, json_array_get(a, i), sp, c, s))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (c->sessions[j].id == s->id)
				return cfg_fail(p, sp, "id",
						"%u is already the id of sessions[%zu]", s->id, j);
			if (c->sessions[j].anchor_ip == s->anchor_ip)
				return cfg_fail(p, sp, "anchor_ip",
						"%s is already the anchor_ip of sessions[%zu]",
						cfg_ipv4_str(ip, s->anchor_ip), j);
		}
		for (unsigned k = 0; k < s->n_paths; k++)
			if (check_tuple(p, c, (unsigned)i, k) || check_spi(p, c, (unsigned)i, k))
				return -1;
		c->n_sessions = (uint16_t)(i + 1);
	}
	if (c->n_sessions > c->max_sessions)
		return cfg_fail(p, "sessions", NULL,
				"%u static sessions, more than dataplane.max_sessions (%u)",
				c->n_sessions, c->max_sessions);
	return 0;
}

/* ---- Entry points -------------------------------------------------------- */

void dp_config_defaults(struct dp_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = 1;
	c->mbufs = 8191; /* 2^13 - 1: rte_mempool is most compact at 2^q - 1 */
	c->mbuf_cache = 256;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->burst = 32;
	c->max_sessions = 1024;
	c->handoff_ring = 1024;
	c->ctrl_ring = 256;
	c->ctrl_port = 9999;
	c->reorder_window = 1024;
	c->reorder_timeout_ms = 100;
	c->reorder_deliver_late = true;
	c->reasm_timeout_ms = 100;
	c->reasm_max_bytes = 65536;
	c->reasm_slots = 4;
	c->arp_timeout_ms = 30000;
	c->arp_retry_ms = 1000;
	c->arp_retries = 3;
	c->arp_queue = 16;
	c->arp_entries = 1024;
	c->arp_gratuitous = true;
}

int dp_config_parse(const char *json, size_t len, struct dp_config *c, char *err, size_t errlen)
{
	struct cfg_parser p = { .err = err, .errlen = errlen };
	struct dp_config *tmp;
	json_error_t jerr;
	json_t *root;
	int ret = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (json == NULL || c == NULL)
		return cfg_fail(&p, "", NULL, "no configuration given");
	if (len > CFG_MAX_BYTES)
		return cfg_fail(&p, "", NULL,
				"configuration is %zu bytes, more than the limit of %u (1 MiB)",
				len, CFG_MAX_BYTES);
	if (cfg_check_depth(&p, json, len, CFG_MAX_DEPTH))
		return -1;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return cfg_fail(&p, "", NULL, "line %d, column %d: %s", jerr.line, jerr.column,
				jerr.text);
	if (!json_is_object(root)) {
		cfg_fail(&p, "", NULL, "the configuration must be a JSON object, got %s",
			 cfg_type_name(root));
		goto free_root;
	}
	tmp = malloc(sizeof(*tmp));
	if (tmp == NULL) {
		cfg_fail(&p, "", NULL, "out of memory");
		goto free_root;
	}
	dp_config_defaults(tmp);
	if (cfg_check_object(&p, root, "", root_keys) == 0 && parse_globals(&p, root, tmp) == 0 &&
	    parse_ports(&p, root, tmp) == 0 && parse_sessions(&p, root, tmp) == 0) {
		*c = *tmp;
		ret = 0;
	}
	free(tmp);
free_root:
	json_decref(root);
	return ret;
}

int dp_config_load(const char *path, struct dp_config *c, char *err, size_t errlen)
{
	struct cfg_parser p = { .err = err, .errlen = errlen };
	size_t len = 0;
	char *buf;
	FILE *f;
	int ret;

	if (path == NULL)
		return cfg_fail(&p, "", NULL, "no configuration file given");
	f = fopen(path, "rb");
	if (f == NULL)
		return cfg_fail(&p, "", NULL, "cannot open %s: %s", path, strerror(errno));
	/* Read one byte more than the limit: a pipe or /proc file has no size to stat. */
	buf = malloc(CFG_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return cfg_fail(&p, "", NULL, "%s: out of memory", path);
	}
	while (len <= CFG_MAX_BYTES) {
		size_t n = fread(buf + len, 1, CFG_MAX_BYTES + 1 - len, f);

		if (n == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		ret = cfg_fail(&p, "", NULL, "cannot read %s: %s", path, strerror(errno));
		goto close;
	}
	if (len > CFG_MAX_BYTES) {
		ret = cfg_fail(&p, "", NULL, "%s: larger than the limit of %u bytes (1 MiB)", path,
			       CFG_MAX_BYTES);
		goto close;
	}
	ret = dp_config_parse(buf, len, c, err, errlen);
close:
	free(buf);
	fclose(f);
	return ret;
}

int dp_config_port_index(const struct dp_config *c, const char *name)
{
	if (c == NULL || name == NULL)
		return -1;
	for (unsigned i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}
