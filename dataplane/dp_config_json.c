/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Generic JSON and text helpers of the configuration parser
 * (dp_config_json.h, internal to the dp_config library): error messages
 * "json.path: reason", JSON paths and the quoting of an operator's strings,
 * text syntax (IPv4 addresses and prefixes, MAC addresses, port ranges, port
 * names, DPDK device arguments, the nesting depth of the raw JSON) and
 * typed getters that check a field's type and range.  Nothing here knows
 * the schema: that is dp_config.c.
 */
#include "dp_config_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- Messages ------------------------------------------------------------ */

/* Writes "path.key: reason" (either part may be absent) and returns -1. */
__attribute__((format(printf, 4, 5)))
int cfg_fail(struct cfg_parser *p, const char *path, const char *key, const char *fmt, ...)
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

const char *cfg_quote(char *buf, const char *s)
{
	return clean(buf, s, true);
}

/* A child's JSON path; a path longer than the buffer is cut, never overrun. */
__attribute__((format(printf, 2, 3)))
void cfg_subpath(char buf[CFG_PATH_LEN], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, CFG_PATH_LEN, fmt, ap);
	va_end(ap);
}

const char *cfg_type_name(const json_t *v)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array", [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a real number",
		[JSON_TRUE] = "a boolean", [JSON_FALSE] = "a boolean", [JSON_NULL] = "null",
	};

	return names[json_typeof(v)];
}

const char *cfg_ipv4_str(char buf[16], uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFFu, (a >> 8) & 0xFFu, a & 0xFFu);
	return buf;
}

void cfg_names_list(char *buf, size_t len, const struct cfg_name *names)
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

bool cfg_port_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* DPDK device arguments ("0000:03:00.0", "net_pcap0,iface=eth1") have no blanks. */
bool cfg_device_ok(const char *s)
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
int cfg_check_depth(struct cfg_parser *p, const char *s, size_t len, unsigned max_depth)
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
			if (++depth > max_depth)
				return cfg_fail(p, "", NULL,
						"line %u, column %u: nested deeper than %u levels",
						line, col, max_depth);
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* ---- Typed field access -------------------------------------------------- */

/* Every object is checked against its key list before its values are read. */
int cfg_check_object(struct cfg_parser *p, const json_t *o, const char *path,
		     const char *const *keys)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o))
		return cfg_fail(p, path, NULL, "expected an object, got %s", cfg_type_name(o));
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
		return cfg_fail(p, path, clean(q, key, false), "unknown key (known keys: %s)",
				known);
	}
	return 0;
}

/* An integer in [min, max]; `limit` names the constant behind max, if any. */
int cfg_int_value(struct cfg_parser *p, const json_t *v, const char *path, const char *key,
		  long long min, long long max, const char *limit, long long *out)
{
	long long x;

	if (!json_is_integer(v))
		return cfg_fail(p, path, key, "expected an integer, got %s", cfg_type_name(v));
	x = json_integer_value(v);
	if (x < min || x > max)
		return cfg_fail(p, path, key, "%lld is out of range %lld..%lld%s%s%s", x, min, max,
				limit ? " (" : "", limit ? limit : "", limit ? ")" : "");
	*out = x;
	return 0;
}

/*
 * Field `key` of object o.  Returns 1 when present, 0 when absent (the
 * destination keeps its default) and -1 on error (a required one absent).
 */
int cfg_field(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
	      bool required, const json_t **v)
{
	*v = json_object_get(o, key);
	if (*v != NULL)
		return 1;
	return required ? cfg_fail(p, path, key, "required but missing") : 0;
}

int cfg_get_int(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, long long min, long long max, long long *out)
{
	const json_t *v;
	int rc = cfg_field(p, o, path, key, required, &v);

	if (rc <= 0)
		return rc;
	return cfg_int_value(p, v, path, key, min, max, NULL, out) < 0 ? -1 : 1;
}

/* Typed wrappers: -1 on error, else 0 with *out set or left at its default. */
#define CFG_GET_UINT(fn, type)                                                           \
	int fn(struct cfg_parser *p, const json_t *o, const char *path, const char *key, \
	       bool required, long long min, long long max, type *out)                   \
	{                                                                                \
		long long x;                                                             \
		int rc = cfg_get_int(p, o, path, key, required, min, max, &x);           \
		if (rc > 0)                                                              \
			*out = (type)x;                                                  \
		return rc < 0 ? -1 : 0;                                                  \
	}
CFG_GET_UINT(cfg_get_u8, uint8_t)
CFG_GET_UINT(cfg_get_u16, uint16_t)
CFG_GET_UINT(cfg_get_u32, uint32_t)

/* A power of 2 in [min, max]: ring and descriptor counts. */
int cfg_get_pow2(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 long long min, long long max, const char *limit, uint32_t *out)
{
	const json_t *v;
	long long x;

	if (cfg_field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (cfg_int_value(p, v, path, key, min, max, limit, &x) < 0)
		return -1;
	if ((x & (x - 1)) != 0)
		return cfg_fail(p, path, key, "%lld is not a power of 2", x);
	*out = (uint32_t)x;
	return 0;
}

int cfg_get_bool(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool *out)
{
	const json_t *v;

	if (cfg_field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (!json_is_boolean(v))
		return cfg_fail(p, path, key, "expected true or false, got %s", cfg_type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* Returns 1 with *out set, 0 when absent and optional, -1 on error. */
int cfg_get_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, const char **out)
{
	const json_t *v;
	int rc = cfg_field(p, o, path, key, required, &v);

	if (rc <= 0)
		return rc;
	if (!json_is_string(v))
		return cfg_fail(p, path, key, "expected a string, got %s", cfg_type_name(v));
	*out = json_string_value(v);
	return 1;
}

int cfg_get_name(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool required, const struct cfg_name *names, int *out)
{
	const char *s;
	char q[CFG_QUOTE_LEN], list[128];
	int rc = cfg_get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	for (unsigned i = 0; names[i].name != NULL; i++) {
		if (strcmp(names[i].name, s) == 0) {
			*out = names[i].value;
			return 0;
		}
	}
	cfg_names_list(list, sizeof(list), names);
	return cfg_fail(p, path, key, "%s is not one of %s", cfg_quote(q, s), list);
}

/* A required address must not be 0.0.0.0: that is "unspecified", never a peer. */
int cfg_get_ipv4(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		 bool required, uint32_t *out)
{
	const char *s, *end;
	char q[CFG_QUOTE_LEN];
	uint32_t a;
	int rc = cfg_get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	end = scan_ipv4(s, &a);
	if (end == NULL || *end != '\0')
		return cfg_fail(p, path, key, "%s is not an IPv4 address", cfg_quote(q, s));
	if (required && a == 0)
		return cfg_fail(p, path, key, "0.0.0.0 is not a usable address");
	*out = a;
	return 0;
}

int cfg_get_mac(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		bool required, uint8_t mac[6])
{
	static const uint8_t zero[6];
	const char *s;
	char q[CFG_QUOTE_LEN];
	uint8_t m[6];
	int rc = cfg_get_str(p, o, path, key, required, &s);

	if (rc <= 0)
		return rc;
	if (!parse_mac(s, m))
		return cfg_fail(p, path, key,
				"%s is not a MAC address (six hex pairs: 02:00:00:00:00:01)",
				cfg_quote(q, s));
	if (memcmp(m, zero, sizeof(zero)) == 0)
		return cfg_fail(p, path, key, "00:00:00:00:00:00 is not a usable MAC address");
	memcpy(mac, m, 6);
	return 0;
}

/* An array of at most `max` elements (`limit` names that constant). */
int cfg_get_array(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		  bool required, size_t max, const char *limit, const json_t **out)
{
	const json_t *v;
	int rc = cfg_field(p, o, path, key, required, &v);

	*out = NULL;
	if (rc <= 0)
		return rc;
	if (!json_is_array(v))
		return cfg_fail(p, path, key, "expected an array, got %s", cfg_type_name(v));
	if (json_array_size(v) > max)
		return cfg_fail(p, path, key, "%zu entries, more than %s%s%zu%s",
				json_array_size(v), limit ? limit : "", limit ? " (" : "", max,
				limit ? ")" : "");
	*out = v;
	return 0;
}

/* "a.b.c.d" (a /32) or "a.b.c.d/n"; host bits beyond the prefix are refused. */
int cfg_get_prefix(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		   uint32_t *ip, uint32_t *mask)
{
	const char *s, *end;
	char q[CFG_QUOTE_LEN];
	unsigned len = 32;
	uint16_t n;
	uint32_t a, m;
	int rc = cfg_get_str(p, o, path, key, false, &s);

	if (rc <= 0)
		return rc;
	end = scan_ipv4(s, &a);
	if (end != NULL && *end == '/') {
		end = scan_port(end + 1, &n);
		len = n;
	}
	if (end == NULL || *end != '\0' || len > 32)
		return cfg_fail(p, path, key,
				"%s is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/n)",
				cfg_quote(q, s));
	m = len == 0 ? 0 : UINT32_MAX << (32 - len);
	if (a & ~m)
		return cfg_fail(p, path, key, "%s has bits set beyond the /%u prefix",
				cfg_quote(q, s), len);
	*ip = a;
	*mask = m;
	return 0;
}

/* A port range: an integer, or a string "low-high" (or "port"). */
int cfg_get_ports(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		  uint16_t *min, uint16_t *max)
{
	const json_t *v;
	const char *end;
	char q[CFG_QUOTE_LEN];
	long long x;

	if (cfg_field(p, o, path, key, false, &v) <= 0)
		return 0;
	if (json_is_integer(v)) {
		if (cfg_int_value(p, v, path, key, 0, UINT16_MAX, NULL, &x))
			return -1;
		*min = *max = (uint16_t)x;
		return 0;
	}
	if (!json_is_string(v))
		return cfg_fail(p, path, key,
				"expected a port (integer) or a range (\"low-high\"), got %s",
				cfg_type_name(v));
	end = scan_port(json_string_value(v), min);
	*max = *min;
	if (end != NULL && *end == '-')
		end = scan_port(end + 1, max);
	if (end == NULL || *end != '\0')
		return cfg_fail(p, path, key, "%s is not a port range (\"low-high\", 0..65535)",
				cfg_quote(q, json_string_value(v)));
	if (*min > *max)
		return cfg_fail(p, path, key, "%s: low end above high end",
				cfg_quote(q, json_string_value(v)));
	return 0;
}
