/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration parser and validator (dp_config.h; reference:
 * config/README.md).
 *
 * The text is parsed into a scratch struct that is copied out only when
 * every check has passed, so a caller that reloads keeps its configuration
 * on error.  Each object's keys are checked against its known keys before
 * any value is read: a misspelt optional key would otherwise fall back to
 * its default without a word.  Messages are "json.path: reason".
 */
#include "dp_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gma_reorder.h"

#define CFG_MAX_BYTES (1u << 20) /* a config is a few KiB; refuse anything absurd */
#define CFG_MAX_DEPTH 16u        /* the schema nests 7 deep */
#define CFG_PATH_LEN 64u         /* "sessions[63].flows[7].steering.weights" */
#define CFG_QUOTE_LEN 64u        /* an operator's string quoted in a message */

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

#define DL_FLAGS_DEFAULT (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP | GMA_F_FLOW_ID)

#define IPPROTO_NUM_ICMP 1u
#define IPPROTO_NUM_TCP 6u
#define IPPROTO_NUM_UDP 17u
#define IPPROTO_NUM_SCTP 132u

struct cfg_parser {
	char *err;
	size_t errlen;
};

/* A string value by name (enum-like JSON strings); lists end with a NULL name. */
struct cfg_name {
	const char *name;
	int value;
};

static const struct cfg_name port_roles[] = {
	{ "access", DP_PORT_ACCESS }, { "core", DP_PORT_CORE }, { NULL, 0 },
};

static const struct cfg_name gma_methods[] = {
	{ "trailer", GMA_METHOD_TRAILER },
	{ "header", GMA_METHOD_HEADER_IP },
	{ "nonip", GMA_METHOD_NONIP },
	{ NULL, 0 },
};

static const struct cfg_name mx_dialects[] = {
	{ "up09", MX_DIALECT_UP09 }, { "rfc8743", MX_DIALECT_RFC8743 }, { NULL, 0 },
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
	"dataplane", "mx_control", "reorder", "reassembly", "ports", "sessions", NULL,
};
static const char *const dataplane_keys[] = {
	"workers", "mbufs", "mbuf_cache", "rx_desc", "tx_desc", "burst",
	"max_sessions", "handoff_ring", "ctrl_ring", NULL,
};
static const char *const mx_control_keys[] = { "ip", "port", NULL };
static const char *const reorder_keys[] = { "window", "timeout_ms", "deliver_late", NULL };
static const char *const reassembly_keys[] = { "timeout_ms", "max_bytes", "slots", NULL };
static const char *const port_keys[] = {
	"name", "device", "role", "ipv4", "mac", "next_hop_mac", "rx_queues", "gma_udp_ports", NULL,
};
static const char *const session_keys[] = {
	"id", "anchor_ip", "method", "dl_fields", "mx_dialect", "fragment", "concat",
	"concat_hold_us", "default_flow", "probe_interval_ms", "paths", "flows", NULL,
};
static const char *const path_keys[] = {
	"conn_id", "port", "client_ip", "client_port", "gw_port", "mtu", "up", NULL,
};
static const char *const flow_keys[] = { "flow_id", "match", "steering", NULL };
static const char *const match_keys[] = {
	"remote_ip", "local_ip", "remote_ports", "local_ports", "proto", "dscp", NULL,
};
static const char *const steering_keys[] = { "mode", "paths", "weights", NULL };

/* ---- Messages ------------------------------------------------------------ */

/* Writes "path.key: reason" (either part may be absent) and returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail(struct cfg_parser *p, const char *path, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key == NULL)
		key = "";
	if (*path == '\0' && *key == '\0')
		snprintf(p->err, p->errlen, "%s", msg);
	else
		snprintf(p->err, p->errlen, "%s%s%s: %s", path, (*path && *key) ? "." : "", key, msg);
	return -1;
}

/*
 * An operator's string for a message: cut after about 40 bytes (at a UTF-8
 * character boundary), control characters replaced so that a hostile or
 * binary value cannot garble the log line, and quoted unless it is a key
 * (the path shows keys bare).  buf holds CFG_QUOTE_LEN bytes.
 */
static const char *clean(char *buf, const char *s, bool quoted)
{
	size_t i = 0, j = 0;

	if (quoted)
		buf[j++] = '"';
	while (s[i] != '\0' && j + 5 < CFG_QUOTE_LEN &&
	       (i < 40 || ((unsigned char)s[i] & 0xC0u) == 0x80u)) {
		unsigned char ch = (unsigned char)s[i++];

		buf[j++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (s[i] != '\0') {
		memcpy(&buf[j], "...", 3);
		j += 3;
	}
	if (quoted)
		buf[j++] = '"';
	buf[j] = '\0';
	return buf;
}

static const char *quote(char *buf, const char *s)
{
	return clean(buf, s, true);
}

/* A child's JSON path; a path longer than the buffer is cut, never overrun. */
__attribute__((format(printf, 2, 3)))
static void subpath(char buf[CFG_PATH_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, CFG_PATH_LEN, fmt, ap);
	va_end(ap);
}

static const char *type_name(const json_t *v)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a real number",
		[JSON_TRUE] = "a boolean", [JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
	};

	return names[json_typeof(v)];
}

static const char *ipv4_str(char buf[16], uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFFu, (a >> 8) & 0xFFu, a & 0xFFu);
	return buf;
}

static void names_list(char *buf, size_t len, const struct cfg_name *names)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; names[i].name != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", names[i].name);
}

/* ---- Text syntax --------------------------------------------------------- */

/*
 * Dotted quad, exactly four decimal parts of 0..255.  Leading zeros are
 * refused: inet_aton() and friends read "010" as octal 8, so the operator's
 * intent is unclear.  Returns the character after the address, or NULL.
 */
static const char *scan_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0 && *s++ != '.')
			return NULL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (digits == 1 && v == 0)
				return NULL;
			v = v * 10u + (unsigned)(*s - '0');
			if (++digits > 3)
				return NULL;
		}
		if (digits == 0 || v > 255u)
			return NULL;
		a = a << 8 | v;
	}
	*out = a;
	return s;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Six pairs of hex digits separated by colons: "02:00:00:00:01:01". */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	return true;
}

/* Decimal 0..65535 without sign or leading zeros; returns the end or NULL. */
static const char *scan_port(const char *s, uint16_t *out)
{
	uint32_t v = 0;
	const char *start = s;

	for (; *s >= '0' && *s <= '9'; s++) {
		if (s > start && v == 0)
			return NULL;
		v = v * 10u + (uint32_t)(*s - '0');
		if (v > 0xFFFFu)
			return NULL;
	}
	if (s == start)
		return NULL;
	*out = (uint16_t)v;
	return s;
}

static bool port_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* DPDK device arguments ("0000:03:00.0", "net_pcap0,iface=eth1") have no blanks. */
static bool device_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/*
 * jansson already stops at JSON_PARSER_MAX_DEPTH (2048) levels; this tighter
 * bound rejects, with a position, nesting no valid configuration has.
 */
static int check_depth(struct cfg_parser *p, const char *s, size_t len)
{
	unsigned depth = 0, line = 1, col = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch & 0xC0u) != 0x80u) /* a column is a character, as in jansson */
			col++;
		if (ch == '\n') {
			line++;
			col = 0;
		} else if (in_str) {
			if (ch == '\\')
				i++; /* an escaped quote does not end the string */
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > CFG_MAX_DEPTH)
				return fail(p, "", NULL, "line %u, column %u: nested deeper than %u levels",
					    line, col, CFG_MAX_DEPTH);
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* ---- Typed field access -------------------------------------------------- */

/* Every object is checked against its key list before its values are read. */
static int check_object(struct cfg_parser *p, const json_t *o, const char *path,
			const char *const *keys)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return fail(p, path, NULL, "expected an object, got %s", type_name(o));
	json_object_foreach((json_t *)o, key, v) {
		char known[192], q[CFG_QUOTE_LEN];
		size_t off = 0;
		unsigned i;

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], key) == 0)
				break;
		if (keys[i] != NULL)
			continue;
		known[0] = '\0';
		for (i = 0; keys[i] != NULL && off < sizeof(known); i++)
			off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
						i ? ", " : "", keys[i]);
		return fail(p, path, clean(q, key, false), "unknown key (known keys: %s)",
			    known);
	}
	return 0;
}

/* An integer in [min, max]; `limit` names the constant behind max, if any. */
static int int_value(struct cfg_parser *p, const json_t *v, const char *path, const char *key,
		     long long min, long long max, const char *limit, long long *out)
{
	long long x;

	if (!json_is_integer(v))
		return fail(p, path, key, "expected an integer, got %s", type_name(v));
	x = json_integer_value(v);
	if (x < min || x > max)
		return fail(p, path, key, "%lld is out of range %lld..%lld%s%s%s", x, min, max,
			    limit ? " (" : "", limit ? limit : "", limit ? ")" : "");
	*out = x;
	return 0;
}

/*
 * Field `key` of object o.  Returns 1 when present, 0 when absent (the
 * destination keeps its default) and -1 on error (a required one absent).
 */
static int field(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool required, const json_t **v)
{
	*v = json_object_get(o, key);
	if (*v != NULL)
		return 1;
	return required ? fail(p, path, key, "required but missing") : 0;
}

static int get_int(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   bool required, long long min, long long max, long long *out)
{
	const json_t *v;
	int rc = field(p, o, path, key, required, &v);

	if (rc <= 0)
		return rc;
	return int_value(p, v, path, key, min, max, NULL, out) < 0 ? -1 : 1;
}

/* Typed wrappers: -1 on error, else 0 with *out set or left at its default. */
#define CFG_GET_UINT(fn, type)                                                           \
	static int fn(struct cfg_parser *p, const json_t *o, const char *path, const char *key, \
		      bool required, long long min, long long max, type *out)              \
	{                                                                                \
		long long x;                                                             \
		int rc = get_int(p, o, path, key, required, min, max, &x);               \
		if (rc > 0)                                                              \
			*out = (type)x;                                                  \
		return rc < 0 ? -1 : 0;                                                  \
	}
CFG_GET_UINT(get_u8, uint8_t)
CFG_GET_UINT(get_u16, uint16_t)
CFG_GET_UINT(get_u32, uint32_t)

/* A power of 2 in [min, max]: ring and descriptor counts. */
static int get_pow2(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    long long min, long long max, const char *limit, uint32_t *out)
{
	const json_t *v;
	long long x;

	if (field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (int_value(p, v, path, key, min, max, limit, &x) < 0)
		return -1;
	if ((x & (x - 1)) != 0)
		return fail(p, path, key, "%lld is not a power of 2", x);
	*out = (uint32_t)x;
	return 0;
}

static int get_bool(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    bool *out)
{
	const json_t *v;

	if (field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (!json_is_boolean(v))
		return fail(p, path, key, "expected true or false, got %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Returns 1 with *out set, 0 when absent and optional, -1 on error. */
static int get_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   bool required, const char **out)
{
	const json_t *v;
	int rc = field(p, o, path, key, required, &v);

	if (rc <= 0)
		return rc;
	if (!json_is_string(v))
		return fail(p, path, key, "expected a string, got %s", type_name(v));
	*out = json_string_value(v);
	return 1;
}

static int get_name(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    bool required, const struct cfg_name *names, int *out)
{
	const char *s;
	char q[CFG_QUOTE_LEN], list[128];
	int rc = get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	for (unsigned i = 0; names[i].name != NULL; i++) {
		if (strcmp(names[i].name, s) == 0) {
			*out = names[i].value;
			return 0;
		}
	}
	names_list(list, sizeof(list), names);
	return fail(p, path, key, "%s is not one of %s", quote(q, s), list);
}

/* A required address must not be 0.0.0.0: that is "unspecified", never a peer. */
static int get_ipv4(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    bool required, uint32_t *out)
{
	const char *s, *end;
	char q[CFG_QUOTE_LEN];
	uint32_t a;
	int rc = get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	end = scan_ipv4(s, &a);
	if (end == NULL || *end != '\0')
		return fail(p, path, key, "%s is not an IPv4 address", quote(q, s));
	if (required && a == 0)
		return fail(p, path, key, "0.0.0.0 is not a usable address");
	*out = a;
	return 0;
}

static int get_mac(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   bool required, uint8_t mac[6])
{
	static const uint8_t zero[6];
	const char *s;
	char q[CFG_QUOTE_LEN];
	uint8_t m[6];
	int rc = get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	if (!parse_mac(s, m))
		return fail(p, path, key, "%s is not a MAC address (six hex pairs: 02:00:00:00:00:01)",
			    quote(q, s));
	if (memcmp(m, zero, sizeof(zero)) == 0)
		return fail(p, path, key, "00:00:00:00:00:00 is not a usable MAC address");
	memcpy(mac, m, 6);
	return 0;
}

/* An array of at most `max` elements (`limit` names that constant). */
static int get_array(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		     bool required, size_t max, const char *limit, const json_t **out)
{
	const json_t *v;
	int rc = field(p, o, path, key, required, &v);

	*out = NULL;
	if (rc <= 0)
		return rc;
	if (!json_is_array(v))
		return fail(p, path, key, "expected an array, got %s", type_name(v));
	if (json_array_size(v) > max)
		return fail(p, path, key, "%zu entries, more than %s%s%zu%s", json_array_size(v),
			    limit ? limit : "", limit ? " (" : "", max, limit ? ")" : "");
	*out = v;
	return 0;
}

/* ---- Global sections ----------------------------------------------------- */

static int parse_dataplane(struct cfg_parser *p, const json_t *o, struct dp_config *c)
{
	const char *dp = "dataplane";
	uint32_t rx = c->rx_desc, tx = c->tx_desc;

	if (check_object(p, o, dp, dataplane_keys) ||
	    get_u16(p, o, dp, "workers", false, 1, CFG_MAX_WORKERS, &c->workers) ||
	    get_u32(p, o, dp, "mbufs", false, 1, UINT32_MAX, &c->mbufs) ||
	    get_u16(p, o, dp, "mbuf_cache", false, 0, CFG_MAX_MBUF_CACHE, &c->mbuf_cache) ||
	    get_pow2(p, o, dp, "rx_desc", 16, CFG_MAX_DESC, NULL, &rx) ||
	    get_pow2(p, o, dp, "tx_desc", 16, CFG_MAX_DESC, NULL, &tx) ||
	    get_u16(p, o, dp, "burst", false, 1, 64, &c->burst) ||
	    get_u32(p, o, dp, "max_sessions", false, 1, CFG_MAX_SESSIONS, &c->max_sessions) ||
	    get_pow2(p, o, dp, "handoff_ring", 2, CFG_MAX_RING, NULL, &c->handoff_ring) ||
	    get_pow2(p, o, dp, "ctrl_ring", 2, CFG_MAX_RING, NULL, &c->ctrl_ring))
		return -1;
	c->rx_desc = (uint16_t)rx;
	c->tx_desc = (uint16_t)tx;
	/* rte_mempool_create() refuses a cache whose flush threshold (1.5 x the
	 * cache) exceeds the pool: say so here rather than at EAL start. */
	if ((uint64_t)c->mbuf_cache * 3u / 2u > c->mbufs)
		return fail(p, dp, "mbuf_cache", "%u needs mbufs >= %u (1.5 x the cache), mbufs is %u",
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
	    (check_object(p, o, "mx_control", mx_control_keys) ||
	     get_ipv4(p, o, "mx_control", "ip", false, &c->ctrl_ip) ||
	     get_u16(p, o, "mx_control", "port", false, 1, UINT16_MAX, &c->ctrl_port)))
		return -1;
	o = json_object_get(root, "reorder");
	if (o != NULL &&
	    (check_object(p, o, "reorder", reorder_keys) ||
	     get_pow2(p, o, "reorder", "window", 2, GMA_REORDER_MAX_WINDOW,
		      "GMA_REORDER_MAX_WINDOW", &c->reorder_window) ||
	     get_u32(p, o, "reorder", "timeout_ms", false, 1, CFG_MAX_TIMEOUT_MS,
		     &c->reorder_timeout_ms) ||
	     get_bool(p, o, "reorder", "deliver_late", &c->reorder_deliver_late)))
		return -1;
	o = json_object_get(root, "reassembly");
	if (o != NULL &&
	    (check_object(p, o, "reassembly", reassembly_keys) ||
	     get_u32(p, o, "reassembly", "timeout_ms", false, 1, CFG_MAX_TIMEOUT_MS,
		     &c->reasm_timeout_ms) ||
	     get_u32(p, o, "reassembly", "max_bytes", false, CFG_MIN_REASM_BYTES,
		     CFG_MAX_REASM_BYTES, &c->reasm_max_bytes) ||
	     get_u16(p, o, "reassembly", "slots", false, 1, CFG_MAX_REASM_SLOTS, &c->reasm_slots)))
		return -1;
	return 0;
}

/* ---- Ports --------------------------------------------------------------- */

static int parse_gma_ports(struct cfg_parser *p, const json_t *o, const char *path,
			   struct dp_port_cfg *pc)
{
	char ep[CFG_PATH_LEN];
	const json_t *a;
	size_t n;

	if (get_array(p, o, path, "gma_udp_ports", pc->role == DP_PORT_ACCESS, DP_MAX_GMA_PORTS,
		      "DP_MAX_GMA_PORTS", &a))
		return -1;
	if (a == NULL)
		return 0;
	if (pc->role != DP_PORT_ACCESS)
		return fail(p, path, "gma_udp_ports", "a core port carries plain IP, not GMA");
	n = json_array_size(a);
	if (n == 0)
		return fail(p, path, "gma_udp_ports", "an access port needs at least one GMA UDP port");
	for (size_t i = 0; i < n; i++) {
		long long x;

		subpath(ep, "%s.gma_udp_ports[%zu]", path, i);
		if (int_value(p, json_array_get(a, i), ep, NULL, 1, UINT16_MAX, NULL, &x))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (pc->gma_ports[j] == x)
				return fail(p, ep, NULL, "%lld is listed twice", x);
		pc->gma_ports[i] = (uint16_t)x;
	}
	pc->n_gma_ports = (uint8_t)n;
	return 0;
}

static int parse_port(struct cfg_parser *p, const json_t *o, const char *path,
		      struct dp_port_cfg *pc)
{
	const char *name, *dev;
	char q[CFG_QUOTE_LEN];
	int role;

	if (check_object(p, o, path, port_keys) ||
	    get_str(p, o, path, "name", true, &name) < 0)
		return -1;
	if (*name == '\0' || strlen(name) >= DP_NAME_LEN || !port_name_ok(name))
		return fail(p, path, "name", "%s: want 1..%u characters of A-Z a-z 0-9 _ - .",
			    quote(q, name), DP_NAME_LEN - 1);
	if (get_str(p, o, path, "device", true, &dev) < 0)
		return -1;
	if (*dev == '\0' || strlen(dev) >= DP_DEV_LEN || !device_ok(dev))
		return fail(p, path, "device", "%s: want 1..%u printable characters, no blanks",
			    quote(q, dev), DP_DEV_LEN - 1);
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->device, sizeof(pc->device), "%s", dev);
	if (get_name(p, o, path, "role", true, port_roles, &role))
		return -1;
	pc->role = (enum dp_port_role)role;
	if (get_ipv4(p, o, path, "ipv4", true, &pc->ipv4) ||
	    get_mac(p, o, path, "mac", false, pc->mac) ||
	    get_mac(p, o, path, "next_hop_mac", true, pc->next_hop_mac) ||
	    get_u16(p, o, path, "rx_queues", false, 0, CFG_MAX_RX_QUEUES, &pc->rx_queues) ||
	    parse_gma_ports(p, o, path, pc))
		return -1;
	/* The gateway's own address is a frame's source: a group bit there is invalid. */
	if (pc->mac[0] & 1u)
		return fail(p, path, "mac", "a multicast address cannot be a port's own MAC");
	return 0;
}

static int parse_ports(struct cfg_parser *p, const json_t *root, struct dp_config *c)
{
	char pp[CFG_PATH_LEN];
	const json_t *a;
	int core = -1, access = -1;

	if (get_array(p, root, "", "ports", true, DP_MAX_PORTS, "DP_MAX_PORTS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		struct dp_port_cfg *pc = &c->ports[i];
		char q[CFG_QUOTE_LEN];

		subpath(pp, "ports[%zu]", i);
		if (parse_port(p, json_array_get(a, i), pp, pc))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->ports[j].name, pc->name) == 0)
				return fail(p, pp, "name", "%s is already the name of ports[%zu]",
					    quote(q, pc->name), j);
			if (strcmp(c->ports[j].device, pc->device) == 0)
				return fail(p, pp, "device", "%s is already the device of ports[%zu]",
					    quote(q, pc->device), j);
		}
		if (pc->role == DP_PORT_CORE) {
			if (core >= 0)
				return fail(p, pp, "role", "a second core port (ports[%d] is the core "
					    "port; exactly one is allowed)", core);
			core = (int)i;
		} else if (access < 0) {
			access = (int)i;
		}
		c->n_ports = (uint8_t)(i + 1);
	}
	if (core < 0)
		return fail(p, "ports", NULL, "no core port (exactly one must have role \"core\")");
	if (access < 0)
		return fail(p, "ports", NULL, "no access port (at least one must have role \"access\")");
	return 0;
}

/* ---- Sessions: paths ----------------------------------------------------- */

static int parse_path(struct cfg_parser *p, const json_t *o, const char *path,
		      const struct dp_config *c, struct dp_path_cfg *pc)
{
	const struct dp_port_cfg *port;
	const char *name;
	char q[CFG_QUOTE_LEN];
	int idx;

	if (check_object(p, o, path, path_keys) ||
	    get_u8(p, o, path, "conn_id", true, 0, CFG_MAX_CONN_ID, &pc->conn_id) ||
	    get_str(p, o, path, "port", true, &name) < 0)
		return -1;
	idx = dp_config_port_index(c, name);
	if (idx < 0)
		return fail(p, path, "port", "no port named %s", quote(q, name));
	port = &c->ports[idx];
	if (port->role != DP_PORT_ACCESS)
		return fail(p, path, "port", "%s is the core port; a path needs an access port",
			    quote(q, name));
	pc->port = (uint8_t)idx;
	pc->gw_port = port->gma_ports[0];
	pc->mtu = 1500;
	pc->up = true;
	if (get_ipv4(p, o, path, "client_ip", true, &pc->client_ip) ||
	    get_u16(p, o, path, "client_port", true, 1, UINT16_MAX, &pc->client_port) ||
	    get_u16(p, o, path, "gw_port", false, 1, UINT16_MAX, &pc->gw_port) ||
	    get_u16(p, o, path, "mtu", false, CFG_MIN_MTU, CFG_MAX_MTU, &pc->mtu) ||
	    get_bool(p, o, path, "up", &pc->up))
		return -1;
	for (unsigned i = 0; i < port->n_gma_ports; i++)
		if (port->gma_ports[i] == pc->gw_port)
			return 0;
	return fail(p, path, "gw_port", "%u is not one of ports[%d].gma_udp_ports", pc->gw_port,
		    idx);
}

/* ---- Sessions: flows ----------------------------------------------------- */

/* "a.b.c.d" (a /32) or "a.b.c.d/n"; host bits beyond the prefix are refused. */
static int get_prefix(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		      uint32_t *ip, uint32_t *mask)
{
	const char *s, *end;
	char q[CFG_QUOTE_LEN];
	unsigned len = 32;
	uint16_t n;
	uint32_t a, m;
	int rc = get_str(p, o, path, key, false, &s);

	if (rc <= 0)
		return rc;
	end = scan_ipv4(s, &a);
	if (end != NULL && *end == '/') {
		end = scan_port(end + 1, &n);
		len = n;
	}
	if (end == NULL || *end != '\0' || len > 32)
		return fail(p, path, key, "%s is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/n)",
			    quote(q, s));
	m = len == 0 ? 0 : UINT32_MAX << (32 - len);
	if (a & ~m)
		return fail(p, path, key, "%s has bits set beyond the /%u prefix",
			    quote(q, s), len);
	*ip = a;
	*mask = m;
	return 0;
}

/* A port range: an integer, or a string "low-high" (or "port"). */
static int get_ports(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		     uint16_t *min, uint16_t *max)
{
	const json_t *v;
	const char *end;
	char q[CFG_QUOTE_LEN];
	long long x;

	if (field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (json_is_integer(v)) {
		if (int_value(p, v, path, key, 0, UINT16_MAX, NULL, &x))
			return -1;
		*min = *max = (uint16_t)x;
		return 0;
	}
	if (!json_is_string(v))
		return fail(p, path, key, "expected a port (integer) or a range (\"low-high\"), got %s",
			    type_name(v));
	end = scan_port(json_string_value(v), min);
	*max = *min;
	if (end != NULL && *end == '-')
		end = scan_port(end + 1, max);
	if (end == NULL || *end != '\0')
		return fail(p, path, key, "%s is not a port range (\"low-high\", 0..65535)",
			    quote(q, json_string_value(v)));
	if (*min > *max)
		return fail(p, path, key, "%s: low end above high end",
			    quote(q, json_string_value(v)));
	return 0;
}

static int parse_match(struct cfg_parser *p, const json_t *o, const char *path,
		       struct gma_tft *t)
{
	const json_t *v;
	long long x = 0;
	int proto, rc;

	if (check_object(p, o, path, match_keys) ||
	    get_prefix(p, o, path, "remote_ip", &t->remote_ip, &t->remote_mask) ||
	    get_prefix(p, o, path, "local_ip", &t->local_ip, &t->local_mask))
		return -1;
	if (field(p, o, path, "proto", false, &v) > 0) {
		if (json_is_integer(v)) {
			/* 0 would read as "any" in gma_tft: leave proto out for that. */
			if (int_value(p, v, path, "proto", 1, 255, NULL, &x))
				return -1;
			t->proto = (uint8_t)x;
		} else if (json_is_string(v)) {
			if (get_name(p, o, path, "proto", true, ip_protos, &proto))
				return -1;
			t->proto = (uint8_t)proto;
		} else {
			return fail(p, path, "proto", "expected a protocol name or number, got %s",
				    type_name(v));
		}
	}
	if (get_ports(p, o, path, "remote_ports", &t->remote_port_min, &t->remote_port_max) ||
	    get_ports(p, o, path, "local_ports", &t->local_port_min, &t->local_port_max))
		return -1;
	if (t->proto != 0 && t->proto != IPPROTO_NUM_TCP && t->proto != IPPROTO_NUM_UDP &&
	    t->proto != IPPROTO_NUM_SCTP) {
		const char *key = json_object_get(o, "remote_ports") ? "remote_ports" :
				  json_object_get(o, "local_ports") ? "local_ports" : NULL;

		if (key != NULL)
			return fail(p, path, key, "protocol %u has no ports (only tcp, udp, sctp)",
				    t->proto);
	}
	rc = get_int(p, o, path, "dscp", false, 0, 63, &x);
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

	if (get_array(p, o, path, "weights", st->mode == GMA_STEER_SPLIT, GMA_STEER_MAX_PATHS,
		      "GMA_STEER_MAX_PATHS", &a))
		return -1;
	if (a == NULL)
		return 0;
	if (st->mode != GMA_STEER_SPLIT)
		return fail(p, path, "weights", "only mode \"split\" takes weights");
	if (json_array_size(a) != st->n)
		return fail(p, path, "weights", "%zu weights for %u paths", json_array_size(a), st->n);
	for (unsigned i = 0; i < st->n; i++) {
		long long x;

		subpath(ep, "%s.weights[%u]", path, i);
		if (int_value(p, json_array_get(a, i), ep, NULL, 0, UINT16_MAX, NULL, &x))
			return -1;
		st->weight[i] = (uint16_t)x;
		sum += (unsigned)x;
		g = gcd(g, (unsigned)x);
	}
	if (sum == 0)
		return fail(p, path, "weights", "all weights are 0");
	/* gma_steer_build() lays the cycle out once; any subset of up paths
	 * gives a cycle no longer than this one. */
	if (sum / g > GMA_STEER_MAX_CYCLE)
		return fail(p, path, "weights", "reduced by their gcd they sum to %u, more than "
			    "GMA_STEER_MAX_CYCLE (%u)", sum / g, GMA_STEER_MAX_CYCLE);
	return 0;
}

/* Steering lists conn_ids; the data plane wants indexes into the session's paths[]. */
static int parse_steering(struct cfg_parser *p, const json_t *o, const char *path,
			  const struct dp_session_cfg *s, struct gma_steer_cfg *st)
{
	char ep[CFG_PATH_LEN];
	const json_t *a;
	int mode;

	if (check_object(p, o, path, steering_keys) ||
	    get_name(p, o, path, "mode", true, steer_modes, &mode))
		return -1;
	st->mode = (enum gma_steer_mode)mode;
	if (get_array(p, o, path, "paths", true, GMA_STEER_MAX_PATHS, "GMA_STEER_MAX_PATHS", &a))
		return -1;
	if (json_array_size(a) == 0)
		return fail(p, path, "paths", "at least one conn_id is needed");
	for (size_t i = 0; i < json_array_size(a); i++) {
		long long cid;
		unsigned j;

		subpath(ep, "%s.paths[%zu]", path, i);
		if (int_value(p, json_array_get(a, i), ep, NULL, 0, CFG_MAX_CONN_ID, NULL, &cid))
			return -1;
		for (j = 0; j < s->n_paths && s->paths[j].conn_id != cid; j++)
			;
		if (j == s->n_paths)
			return fail(p, ep, NULL, "the session has no path with conn_id %lld", cid);
		for (size_t k = 0; k < i; k++)
			if (st->path[k] == j)
				return fail(p, ep, NULL, "conn_id %lld is listed twice", cid);
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

static int parse_flow(struct cfg_parser *p, const json_t *o, const char *path,
		      const struct dp_session_cfg *s, struct dp_flow_cfg *fc)
{
	char sub[CFG_PATH_LEN];
	const json_t *v;

	if (check_object(p, o, path, flow_keys) ||
	    get_u8(p, o, path, "flow_id", true, 0, UINT8_MAX, &fc->flow_id))
		return -1;
	tft_any(&fc->tft, fc->flow_id);
	v = json_object_get(o, "match");
	subpath(sub, "%s.match", path);
	if (v != NULL && parse_match(p, v, sub, &fc->tft))
		return -1;
	if (field(p, o, path, "steering", true, &v) < 0)
		return -1;
	subpath(sub, "%s.steering", path);
	return parse_steering(p, v, sub, s, &fc->steer);
}

/* ---- Sessions ------------------------------------------------------------ */

static int parse_dl_fields(struct cfg_parser *p, const json_t *o, const char *path,
			   struct dp_session_cfg *s)
{
	char ep[CFG_PATH_LEN], q[CFG_QUOTE_LEN], list[128];
	const json_t *a;

	if (get_array(p, o, path, "dl_fields", false, 8, NULL, &a))
		return -1;
	if (a == NULL)
		return 0;
	s->dl_flags = 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		unsigned j;

		subpath(ep, "%s.dl_fields[%zu]", path, i);
		if (!json_is_string(v))
			return fail(p, ep, NULL, "expected a field name, got %s", type_name(v));
		for (j = 0; dl_field_names[j].name != NULL; j++)
			if (strcmp(dl_field_names[j].name, json_string_value(v)) == 0)
				break;
		quote(q, json_string_value(v));
		if (dl_field_names[j].name == NULL) {
			names_list(list, sizeof(list), dl_field_names);
			return fail(p, ep, NULL, "%s is not one of %s (concatenation is set per PDU)",
				    q, list);
		}
		if (s->dl_flags & dl_field_names[j].value)
			return fail(p, ep, NULL, "%s is listed twice", q);
		if (dl_field_names[j].value == GMA_F_TTL && s->method == GMA_METHOD_NONIP)
			return fail(p, ep, NULL, "method \"nonip\" has no TTL field (RFC 9188 4.3)");
		s->dl_flags |= (uint16_t)dl_field_names[j].value;
	}
	return 0;
}

static int parse_session(struct cfg_parser *p, const json_t *o, const char *path,
			 const struct dp_config *c, struct dp_session_cfg *s)
{
	char sub[CFG_PATH_LEN];
	const json_t *a;
	int method, dialect = MX_DIALECT_UP09;

	memset(s, 0, sizeof(*s));
	s->dl_flags = DL_FLAGS_DEFAULT;
	s->fragment = true;
	s->concat_hold_us = 200;
	if (check_object(p, o, path, session_keys) ||
	    get_u32(p, o, path, "id", true, 1, UINT32_MAX, &s->id) ||
	    get_ipv4(p, o, path, "anchor_ip", true, &s->anchor_ip) ||
	    get_name(p, o, path, "method", true, gma_methods, &method))
		return -1;
	s->method = (enum gma_method)method;
	if (parse_dl_fields(p, o, path, s) ||
	    get_name(p, o, path, "mx_dialect", false, mx_dialects, &dialect) ||
	    get_bool(p, o, path, "fragment", &s->fragment) ||
	    get_bool(p, o, path, "concat", &s->concat) ||
	    get_u16(p, o, path, "concat_hold_us", false, 0, UINT16_MAX, &s->concat_hold_us) ||
	    get_u32(p, o, path, "probe_interval_ms", false, 0, 3600000, &s->probe_interval_ms) ||
	    get_u8(p, o, path, "default_flow", false, 0, UINT8_MAX, &s->default_flow))
		return -1;
	s->ctrl_dialect = (enum mx_dialect)dialect;

	if (get_array(p, o, path, "paths", true, DP_MAX_PATHS, "DP_MAX_PATHS", &a))
		return -1;
	if (json_array_size(a) == 0)
		return fail(p, path, "paths", "at least one path is needed");
	for (size_t i = 0; i < json_array_size(a); i++) {
		subpath(sub, "%s.paths[%zu]", path, i);
		if (parse_path(p, json_array_get(a, i), sub, c, &s->paths[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (s->paths[j].conn_id == s->paths[i].conn_id)
				return fail(p, sub, "conn_id", "%u is already the conn_id of %s.paths[%zu]",
					    s->paths[i].conn_id, path, j);
		s->n_paths = (uint8_t)(i + 1);
	}

	if (get_array(p, o, path, "flows", false, DP_MAX_FLOWS, "DP_MAX_FLOWS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		subpath(sub, "%s.flows[%zu]", path, i);
		if (parse_flow(p, json_array_get(a, i), sub, s, &s->flows[i]))
			return -1;
		for (size_t j = 0; j < i; j++)
			if (s->flows[j].flow_id == s->flows[i].flow_id)
				return fail(p, sub, "flow_id", "%u is already the flow_id of %s.flows[%zu]",
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
	return fail(p, path, "default_flow", "%u is not the flow_id of any of %s.flows",
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
			subpath(sub, "sessions[%u].paths[%u]", si, pi);
			return fail(p, sub, NULL, "client %s:%u on port \"%s\" is already "
				    "sessions[%u].paths[%u]", ipv4_str(ip, a->client_ip),
				    a->client_port, c->ports[a->port].name, s, i);
		}
	}
	return 0;
}

static int parse_sessions(struct cfg_parser *p, const json_t *root, struct dp_config *c)
{
	char sp[CFG_PATH_LEN], ip[16];
	const json_t *a;

	if (get_array(p, root, "", "sessions", false, DP_MAX_STATIC_SESSIONS,
		      "DP_MAX_STATIC_SESSIONS", &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		struct dp_session_cfg *s = &c->sessions[i];

		subpath(sp, "sessions[%zu]", i);
		if (parse_session(p, json_array_get(a, i), sp, c, s))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (c->sessions[j].id == s->id)
				return fail(p, sp, "id", "%u is already the id of sessions[%zu]", s->id, j);
			if (c->sessions[j].anchor_ip == s->anchor_ip)
				return fail(p, sp, "anchor_ip", "%s is already the anchor_ip of sessions[%zu]",
					    ipv4_str(ip, s->anchor_ip), j);
		}
		for (unsigned k = 0; k < s->n_paths; k++)
			if (check_tuple(p, c, (unsigned)i, k))
				return -1;
		c->n_sessions = (uint16_t)(i + 1);
	}
	if (c->n_sessions > c->max_sessions)
		return fail(p, "sessions", NULL, "%u static sessions, more than dataplane.max_sessions (%u)",
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
		return fail(&p, "", NULL, "no configuration given");
	if (len > CFG_MAX_BYTES)
		return fail(&p, "", NULL, "configuration is %zu bytes, more than the limit of %u (1 MiB)",
			    len, CFG_MAX_BYTES);
	if (check_depth(&p, json, len))
		return -1;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(&p, "", NULL, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		fail(&p, "", NULL, "the configuration must be a JSON object, got %s", type_name(root));
		goto free_root;
	}
	tmp = malloc(sizeof(*tmp));
	if (tmp == NULL) {
		fail(&p, "", NULL, "out of memory");
		goto free_root;
	}
	dp_config_defaults(tmp);
	if (check_object(&p, root, "", root_keys) == 0 && parse_globals(&p, root, tmp) == 0 &&
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
		return fail(&p, "", NULL, "no configuration file given");
	f = fopen(path, "rb");
	if (f == NULL)
		return fail(&p, "", NULL, "cannot open %s: %s", path, strerror(errno));
	/* Read one byte more than the limit: a pipe or /proc file has no size to stat. */
	buf = malloc(CFG_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return fail(&p, "", NULL, "%s: out of memory", path);
	}
	while (len <= CFG_MAX_BYTES) {
		size_t n = fread(buf + len, 1, CFG_MAX_BYTES + 1 - len, f);

		if (n == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		ret = fail(&p, "", NULL, "cannot read %s: %s", path, strerror(errno));
		goto close;
	}
	if (len > CFG_MAX_BYTES) {
		ret = fail(&p, "", NULL, "%s: larger than the limit of %u bytes (1 MiB)", path,
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
