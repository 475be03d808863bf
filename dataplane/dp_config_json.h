/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the dp_config library: not part of any public API.  Only
 * dp_config.c (the schema) and dp_config_json.c (these helpers) include it;
 * the public interface is dp_config.h.
 *
 * Generic helpers for reading a JSON configuration: error reporting as
 * "json.path: reason", JSON paths, quoting of the operator's strings, typed
 * getters that check a field's type and range, and text syntax: IPv4
 * addresses and prefixes, MAC addresses, port ranges, port names, DPDK
 * device arguments and the nesting depth of the raw JSON.
 *
 * The getters share one convention: -1 on error (the message is written),
 * else 0 with *out set or, for an absent optional field, left at its
 * default.  cfg_field(), cfg_get_int() and cfg_get_str() return 1 when the
 * field is present and 0 when it is absent.
 */
#ifndef DP_CONFIG_JSON_H
#define DP_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CFG_PATH_LEN 64u  /* "sessions[63].flows[7].steering.weights" */
#define CFG_QUOTE_LEN 64u /* an operator's string quoted in a message */

/* Where messages go: err[0..errlen), or nowhere when err is NULL. */
struct cfg_parser {
	char *err;
	size_t errlen;
};

/* A string value by name (enum-like JSON strings); lists end with a NULL name. */
struct cfg_name {
	const char *name;
	int value;
};

/* ---- Messages ------------------------------------------------------------ */

/* Writes "path.key: reason" (either part may be absent) and returns -1. */
__attribute__((format(printf, 4, 5)))
int cfg_fail(struct cfg_parser *p, const char *path, const char *key, const char *fmt, ...);
/* s cut, cleaned of control characters and quoted into buf[CFG_QUOTE_LEN]. */
const char *cfg_quote(char *buf, const char *s);
/* A child's JSON path; a path longer than the buffer is cut, never overrun. */
__attribute__((format(printf, 2, 3)))
void cfg_subpath(char buf[CFG_PATH_LEN], const char *fmt, ...);
/* "an object", "a string", ...: what the operator wrote instead. */
const char *cfg_type_name(const json_t *v);
/* A host-order address as a dotted quad. */
const char *cfg_ipv4_str(char buf[16], uint32_t a);
/* "a, b, c": the names of a cfg_name list. */
void cfg_names_list(char *buf, size_t len, const struct cfg_name *names);

/* ---- Text syntax --------------------------------------------------------- */

/* A port name: A-Z a-z 0-9 _ - . only. */
bool cfg_port_name_ok(const char *s);
/* A DPDK device argument: printable ASCII, no blanks. */
bool cfg_device_ok(const char *s);
/* Refuses, with a line and column, JSON nested deeper than max_depth levels. */
int cfg_check_depth(struct cfg_parser *p, const char *s, size_t len, unsigned max_depth);

/* ---- Typed field access -------------------------------------------------- */

/* o must be an object whose keys are all in the NULL-terminated keys[]. */
int cfg_check_object(struct cfg_parser *p, const json_t *o, const char *path,
		     const char *const *keys);
/* An integer in [min, max]; `limit` names the constant behind max, if any. */
int cfg_int_value(struct cfg_parser *p, const json_t *v, const char *path, const char *key,
		  long long min, long long max, const char *limit, long long *out);
int cfg_field(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
	      bool required, const json_t **v);
int cfg_get_int(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, long long min, long long max, long long *out);
int cfg_get_u8(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
	       bool required, long long min, long long max, uint8_t *out);
int cfg_get_u16(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, long long min, long long max, uint16_t *out);
int cfg_get_u32(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, long long min, long long max, uint32_t *out);
/* Optional; a power of 2 in [min, max]. */
int cfg_get_pow2(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 long long min, long long max, const char *limit, uint32_t *out);
/* Optional. */
int cfg_get_bool(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool *out);
int cfg_get_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, const char **out);
/* One of names[]; *out is its value. */
int cfg_get_name(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool required, const struct cfg_name *names, int *out);
/* A dotted quad, host order; a required one must not be 0.0.0.0. */
int cfg_get_ipv4(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool required, uint32_t *out);
/* "02:00:00:00:00:01"; never all zero. */
int cfg_get_mac(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, uint8_t mac[6]);
/* An array of at most `max` elements (`limit` names that constant); *out is
 * NULL when it is absent. */
int cfg_get_array(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		  bool required, size_t max, const char *limit, const json_t **out);
/* Optional; "a.b.c.d" (a /32) or "a.b.c.d/n" as address and mask, host order. */
int cfg_get_prefix(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   uint32_t *ip, uint32_t *mask);
/* Optional; a port (integer) or a string "low-high" (or "port"). */
int cfg_get_ports(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		  uint16_t *min, uint16_t *max);

/* ---- Pieces of the session schema (dp_config.c), shared with the NCM's
 * session template (controlplane/cp_config.c) ----------------------------- */

struct dp_session_cfg;
struct dp_flow_cfg;
/* Names of a session's "method", "mx_dialect" and "uplink_match". */
extern const struct cfg_name cfg_gma_methods[];
/* ESP suites: "aes128-gcm" ... (enum esp_suite values; docs/ipsec.md) */
extern const struct cfg_name cfg_ipsec_suites[];
/* The optional "ipsec" object of o at path (*v NULL when absent), checked
 * against keys, and its transform: "suite" (required, or *suite kept),
 * "esn", "replay_window" (power of 2, 32..4096); sub gets "path.ipsec".
 * 0 or -1. */
int cfg_ipsec_open(struct cfg_parser *p, const json_t *o, const char *path,
		   const char *const *keys, bool suite_required, const json_t **v, char *sub,
		   int *suite, bool *esn, uint32_t *window);
extern const struct cfg_name cfg_mx_dialects[];
extern const struct cfg_name cfg_uplink_matches[];
/* One "flows" entry; its steering "paths" are conn_ids of s->paths[]. */
int cfg_parse_flow(struct cfg_parser *p, const json_t *o, const char *path,
		   const struct dp_session_cfg *s, struct dp_flow_cfg *fc);
/* Optional "dl_fields" of o into s->dl_flags (s->method must be set). */
int cfg_parse_dl_fields(struct cfg_parser *p, const json_t *o, const char *path,
			struct dp_session_cfg *s);

#endif /* DP_CONFIG_JSON_H */
