/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAMS JSON codec (cp_msg.h): RFC 8743 Appendix C messages <-> struct cp_msg.
 *
 * Decoding runs in four stages: the text's length and nesting depth are
 * checked before parsing (a scan that respects strings), jansson parses it
 * (duplicate keys refused, "\u0000" refused), every array anywhere is
 * checked against max_array, then the typed decoder reads the members it
 * knows, one function per message body.  A single JSON path stack in
 * struct dec names the field at fault in every error.
 *
 * Encoding builds a jansson tree from the struct, validating what the
 * decoder would refuse (ranges, enum values, addresses, string sizes), so
 * what the encoder writes always decodes back.
 *
 * The accepted spellings and the decisions on the spec's ambiguities are in
 * docs/mams.md, "JSON codec".
 */
#include "cp_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

_Static_assert(sizeof(struct cp_msg) <= 64 * 1024,
	       "struct cp_msg must fit a control-thread stack frame");

#define PATH_LEN 256u /* the decoder's JSON path stack */
#define KEY_LEN 48u   /* a member name looked up */
#define QUOTE_LEN 56u /* a peer's string quoted in a reason */

#define PORT_MIN 1
#define PORT_MAX 65535
#define MTU_MIN 1
#define MTU_MAX 65535
#define REAL_MAX 1e15  /* |measured values|, thresholds, predictions */
#define MBPS_MAX 1e6   /* probe rates and throughputs (1 Tbit/s) */

/* ---- Names ----------------------------------------------------------------- */

struct alias {
	const char *name;
	int value;
};

/* An enumerated string: canonical spellings indexed by value (NULL: no
 * spelling, e.g. the UNKNOWN value), aliases, whether an unknown string is
 * kept as <X>_UNKNOWN (0) instead of refused. */
struct enum_desc {
	const char *const *names;
	int count;
	const struct alias *aliases;
	bool unknown_ok;
};

static const char *const msg_names[CP_MSG_COUNT] = {
	[CP_MSG_DISCOVER] = "mx_discover",
	[CP_MSG_SYSTEM_INFO] = "mx_system_info",
	[CP_MSG_CAPABILITY_REQ] = "mx_capability_req",
	[CP_MSG_CAPABILITY_RSP] = "mx_capability_rsp",
	[CP_MSG_CAPABILITY_ACK] = "mx_capability_ack",
	[CP_MSG_UP_SETUP_CONF_REQ] = "mx_up_setup_conf_req",
	[CP_MSG_UP_SETUP_CNF] = "mx_up_setup_cnf",
	[CP_MSG_RECONF_REQ] = "mx_reconf_req",
	[CP_MSG_RECONF_RSP] = "mx_reconf_rsp",
	[CP_MSG_PATH_EST_REQ] = "mx_path_est_req",
	[CP_MSG_PATH_EST_RESULTS] = "mx_path_est_results",
	[CP_MSG_TRAFFIC_STEERING_REQ] = "mx_traffic_steering_req",
	[CP_MSG_TRAFFIC_STEERING_RSP] = "mx_traffic_steering_rsp",
	[CP_MSG_APP_MADP_ASSOC_REQ] = "mx_app_madp_assoc_req",
	[CP_MSG_APP_MADP_ASSOC_RSP] = "mx_app_madp_assoc_rsp",
	[CP_MSG_SSID_INDICATION] = "mx_ssid_indication",
	[CP_MSG_MEASUREMENT_CONF] = "mx_measurement_conf",
	[CP_MSG_MEASUREMENT_REPORT] = "mx_measurement_report",
	[CP_MSG_KEEP_ALIVE_REQ] = "mx_keep_alive_req",
	[CP_MSG_KEEP_ALIVE_RSP] = "mx_keep_alive_rsp",
	[CP_MSG_SESSION_TERMINATION_REQ] = "mx_session_termination_req",
	[CP_MSG_SESSION_TERMINATION_RSP] = "mx_session_termination_rsp",
	[CP_MSG_NETWORK_ANALYTICS_REQ] = "mx_network_analytics_req",
	[CP_MSG_NETWORK_ANALYTICS_RSP] = "mx_network_analytics_rsp",
	[CP_MSG_ERROR] = "mx_error",
};

static const struct alias msg_aliases[] = {
	{ "mx_capability_resp", CP_MSG_CAPABILITY_RSP },
	{ "mx_session_termination_resp", CP_MSG_SESSION_TERMINATION_RSP },
	{ NULL, 0 },
};

static const struct enum_desc msg_desc = { msg_names, CP_MSG_COUNT, msg_aliases, false };

static const char *const conn_type_names[CP_CONN_TYPE_COUNT] = {
	[CP_CONN_WIFI] = "Wi-Fi", [CP_CONN_5G_NR] = "5G_NR", [CP_CONN_MULTEFIRE] = "MulteFire",
	[CP_CONN_LTE] = "LTE", [CP_CONN_VNIC] = "vnic",
};
static const struct alias conn_type_aliases[] = {
	{ "multi-fire", CP_CONN_MULTEFIRE }, /* JSON-00; wifi, wi-fi, 5g-nr, "5G NR" normalise */
	{ NULL, 0 },
};
static const struct enum_desc conn_type_desc = {
	conn_type_names, CP_CONN_TYPE_COUNT, conn_type_aliases, true
};

static const char *const feature_names[CP_FEATURE_COUNT] = {
	[CP_FEATURE_LOSSLESS_SWITCHING] = "lossless_switching",
	[CP_FEATURE_FRAGMENTATION] = "fragmentation",
	[CP_FEATURE_CONCATENATION] = "concatenation",
	[CP_FEATURE_UPLINK_AGGREGATION] = "uplink_aggregation",
	[CP_FEATURE_DOWNLINK_AGGREGATION] = "downlink_aggregation",
	[CP_FEATURE_MEASUREMENT] = "measurement",
	[CP_FEATURE_PROBING] = "probing",
};
static const struct alias feature_aliases[] = {
	{ "ul_aggregation", CP_FEATURE_UPLINK_AGGREGATION },
	{ "dl_aggregation", CP_FEATURE_DOWNLINK_AGGREGATION },
	{ NULL, 0 },
};
static const struct enum_desc feature_desc = {
	feature_names, CP_FEATURE_COUNT, feature_aliases, true
};

static const char *const conv_names[CP_CONV_COUNT] = {
	[CP_CONV_GMA] = "GMA", [CP_CONV_MPTCP_PROXY] = "MPTCP_Proxy",
	[CP_CONV_GRE_AGGREGATION_PROXY] = "GRE_Aggregation_Proxy", [CP_CONV_MPQUIC] = "MPQUIC",
};
static const char *const conv_names_json00[CP_CONV_COUNT] = {
	[CP_CONV_GMA] = "Trailer_Based", [CP_CONV_MPTCP_PROXY] = "MPTCP_Proxy",
	[CP_CONV_GRE_AGGREGATION_PROXY] = "GRE_Aggregation_Proxy", [CP_CONV_MPQUIC] = "MPQUIC",
};
static const struct alias conv_aliases[] = {
	{ "Trailer_Based", CP_CONV_GMA },
	{ NULL, 0 },
};
static const struct enum_desc conv_desc = { conv_names, CP_CONV_COUNT, conv_aliases, true };
static const struct enum_desc conv_desc_json00 = {
	conv_names_json00, CP_CONV_COUNT, conv_aliases, true
};

static const char *const adapt_names[CP_ADAPT_COUNT] = {
	[CP_ADAPT_UDP_WITHOUT_DTLS] = "UDP_without_DTLS", [CP_ADAPT_UDP_WITH_DTLS] = "UDP_with_DTLS",
	[CP_ADAPT_IPSEC] = "IPsec", [CP_ADAPT_CLIENT_NAT] = "Client_NAT",
};
static const char *const adapt_names_json00[CP_ADAPT_COUNT] = {
	[CP_ADAPT_UDP_WITHOUT_DTLS] = "UDP_without_DTLS", [CP_ADAPT_UDP_WITH_DTLS] = "UDP_with_DTLS",
	[CP_ADAPT_IPSEC] = "IPSec", [CP_ADAPT_CLIENT_NAT] = "Client_NAT",
};
static const struct alias adapt_aliases[] = {
	{ "UDP_with_TLS", CP_ADAPT_UDP_WITH_DTLS }, /* JSON-00 examples */
	{ NULL, 0 },
};
static const struct enum_desc adapt_desc = { adapt_names, CP_ADAPT_COUNT, adapt_aliases, true };
static const struct enum_desc adapt_desc_json00 = {
	adapt_names_json00, CP_ADAPT_COUNT, adapt_aliases, true
};

static const char *const reconf_names[CP_RECONF_ACTION_COUNT] = {
	[CP_RECONF_SETUP] = "setup", [CP_RECONF_RELEASE] = "release", [CP_RECONF_UPDATE] = "update",
};
static const struct alias reconf_aliases[] = {
	{ "modify", CP_RECONF_UPDATE },
	{ NULL, 0 },
};
static const struct enum_desc reconf_desc = {
	reconf_names, CP_RECONF_ACTION_COUNT, reconf_aliases, false
};

static const char *const conn_status_names[CP_CONN_STATUS_COUNT] = {
	[CP_CONN_STATUS_CONNECTED] = "connected", [CP_CONN_STATUS_DISABLED] = "disabled",
	[CP_CONN_STATUS_ENABLED] = "enabled",
};
static const struct enum_desc conn_status_desc = {
	conn_status_names, CP_CONN_STATUS_COUNT, NULL, false
};

static const char *const keep_alive_names[CP_KEEP_ALIVE_REASON_COUNT] = {
	[CP_KEEP_ALIVE_TIMEOUT] = "Timeout", [CP_KEEP_ALIVE_HANDOVER] = "Handover",
};
static const struct enum_desc keep_alive_desc = {
	keep_alive_names, CP_KEEP_ALIVE_REASON_COUNT, NULL, false
};

static const char *const term_names[CP_TERM_REASON_COUNT] = {
	[CP_TERM_MX_NORMAL_RELEASE] = "MX_NORMAL_RELEASE",
	[CP_TERM_MX_NO_RESPONSE] = "MX_NO_RESPONSE",
	[CP_TERM_INTERNAL_ERROR] = "INTERNAL_ERROR",
};
static const struct enum_desc term_desc = { term_names, CP_TERM_REASON_COUNT, NULL, true };

static const char *const cap_ack_names[CP_CAP_ACK_COUNT] = {
	[CP_CAP_ACK_ACCEPT] = "MX_ACCEPT", [CP_CAP_ACK_REJECT] = "MX_REJECT",
};
static const struct enum_desc cap_ack_desc = { cap_ack_names, CP_CAP_ACK_COUNT, NULL, false };

static const char *const ssid_type_names[CP_SSID_TYPE_COUNT] = {
	[CP_SSID_TYPE_SSID] = "ssid", [CP_SSID_TYPE_BSSID] = "bssid",
	[CP_SSID_TYPE_HESSID] = "hessid",
};
static const struct enum_desc ssid_type_desc = {
	ssid_type_names, CP_SSID_TYPE_COUNT, NULL, true
};

static const char *const meas_names[CP_MEAS_PARAM_COUNT] = {
	[CP_MEAS_WLAN_RSSI] = "WLAN_RSSI", [CP_MEAS_WLAN_LOAD] = "WLAN_LOAD",
	[CP_MEAS_UL_TPUT] = "UL_TPUT", [CP_MEAS_DL_TPUT] = "DL_TPUT",
	[CP_MEAS_EST_UL_TPUT] = "EST_UL_TPUT", [CP_MEAS_EST_DL_TPUT] = "EST_DL_TPUT",
	[CP_MEAS_LTE_RSRP] = "LTE_RSRP", [CP_MEAS_LTE_RSRQ] = "LTE_RSRQ",
	[CP_MEAS_NR_RSRP] = "NR_RSRP", [CP_MEAS_NR_RSRQ] = "NR_RSRQ",
};
static const struct alias meas_aliases[] = {
	{ "wifi_rssi", CP_MEAS_WLAN_RSSI }, /* 8.12 prose (additional_param) */
	{ NULL, 0 },
};
static const struct enum_desc meas_desc = { meas_names, CP_MEAS_PARAM_COUNT, meas_aliases, true };

static const char *const analytics_names[CP_ANALYTICS_PARAM_COUNT] = {
	[CP_ANALYTICS_BANDWIDTH] = "bandwidth", [CP_ANALYTICS_JITTER] = "jitter",
	[CP_ANALYTICS_LATENCY] = "latency", [CP_ANALYTICS_SIGNAL_QUALITY] = "signal_quality",
	[CP_ANALYTICS_VALIDITY_TIME] = "validity_time",
};
static const struct enum_desc analytics_desc = {
	analytics_names, CP_ANALYTICS_PARAM_COUNT, NULL, true
};

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Spelling-tolerant comparison: ASCII case ignored, '-', '_' and blanks
 * ignored wherever they are ("Wi-Fi" = "wifi", "MX ACCEPT" = "MX_ACCEPT",
 * "UDP_without_DTLS " = "UDP_without_DTLS", "5g-nr" = "5G_NR").
 */
static bool name_eq(const char *a, const char *b)
{
	for (;;) {
		while (is_sep(*a))
			a++;
		while (is_sep(*b))
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (lower(*a) != lower(*b))
			return false;
		a++;
		b++;
	}
}

/* Value of s in e (any accepted spelling), or -1. */
static int lookup(const struct enum_desc *e, const char *s)
{
	for (int i = 0; i < e->count; i++)
		if (e->names[i] != NULL && name_eq(s, e->names[i]))
			return i;
	for (const struct alias *a = e->aliases; a != NULL && a->name != NULL; a++)
		if (name_eq(s, a->name))
			return a->value;
	return -1;
}

static const char *enum_name(const struct enum_desc *e, int v)
{
	if (v < 0 || v >= e->count || e->names[v] == NULL)
		return "";
	return e->names[v];
}

const char *cp_msg_type_name(enum cp_msg_type t)
{
	return enum_name(&msg_desc, (int)t);
}

const char *cp_msg_type_name_dialect(enum cp_msg_type t, enum cp_dialect d)
{
	if (d == CP_DIALECT_JSON00 && t == CP_MSG_CAPABILITY_RSP)
		return "mx_capability_resp";
	if (d == CP_DIALECT_JSON00 && t == CP_MSG_SESSION_TERMINATION_RSP)
		return "mx_session_termination_resp";
	return cp_msg_type_name(t);
}

enum cp_msg_type cp_msg_type_from_name(const char *name)
{
	int v = name != NULL ? lookup(&msg_desc, name) : -1;

	return v < 0 ? CP_MSG_NONE : (enum cp_msg_type)v;
}

bool cp_msg_has_session_id(enum cp_msg_type t)
{
	switch (t) {
	case CP_MSG_CAPABILITY_RSP:
	case CP_MSG_CAPABILITY_ACK:
	case CP_MSG_UP_SETUP_CNF:
	case CP_MSG_RECONF_REQ:
	case CP_MSG_PATH_EST_RESULTS:
	case CP_MSG_TRAFFIC_STEERING_RSP:
	case CP_MSG_APP_MADP_ASSOC_REQ:
	case CP_MSG_MEASUREMENT_REPORT:
	case CP_MSG_KEEP_ALIVE_REQ:
	case CP_MSG_KEEP_ALIVE_RSP:
	case CP_MSG_SESSION_TERMINATION_REQ:
	case CP_MSG_SESSION_TERMINATION_RSP:
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		return true;
	default:
		return false;
	}
}

enum cp_msg_type cp_msg_answer_type(enum cp_msg_type t)
{
	switch (t) {
	case CP_MSG_DISCOVER:
		return CP_MSG_SYSTEM_INFO;
	case CP_MSG_CAPABILITY_REQ:
		return CP_MSG_CAPABILITY_RSP;
	case CP_MSG_CAPABILITY_RSP:
		return CP_MSG_CAPABILITY_ACK;
	case CP_MSG_UP_SETUP_CONF_REQ:
		return CP_MSG_UP_SETUP_CNF;
	case CP_MSG_RECONF_REQ:
		return CP_MSG_RECONF_RSP;
	case CP_MSG_PATH_EST_REQ:
		return CP_MSG_PATH_EST_RESULTS;
	case CP_MSG_TRAFFIC_STEERING_REQ:
		return CP_MSG_TRAFFIC_STEERING_RSP;
	case CP_MSG_APP_MADP_ASSOC_REQ:
		return CP_MSG_APP_MADP_ASSOC_RSP;
	case CP_MSG_KEEP_ALIVE_REQ:
		return CP_MSG_KEEP_ALIVE_RSP;
	case CP_MSG_SESSION_TERMINATION_REQ:
		return CP_MSG_SESSION_TERMINATION_RSP;
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		return CP_MSG_NETWORK_ANALYTICS_RSP;
	default:
		return CP_MSG_NONE;
	}
}

const char *cp_conn_type_name(enum cp_conn_type v)
{
	return enum_name(&conn_type_desc, (int)v);
}

const char *cp_feature_name(enum cp_feature v)
{
	return enum_name(&feature_desc, (int)v);
}

const char *cp_conv_method_name(enum cp_conv_method v)
{
	return enum_name(&conv_desc, (int)v);
}

const char *cp_adapt_method_name(enum cp_adapt_method v)
{
	return enum_name(&adapt_desc, (int)v);
}

const char *cp_reconf_action_name(enum cp_reconf_action v)
{
	return enum_name(&reconf_desc, (int)v);
}

const char *cp_conn_status_name(enum cp_conn_status v)
{
	return enum_name(&conn_status_desc, (int)v);
}

const char *cp_keep_alive_reason_name(enum cp_keep_alive_reason v)
{
	return enum_name(&keep_alive_desc, (int)v);
}

const char *cp_term_reason_name(enum cp_term_reason v)
{
	return enum_name(&term_desc, (int)v);
}

const char *cp_cap_ack_name(enum cp_cap_ack v)
{
	return enum_name(&cap_ack_desc, (int)v);
}

const char *cp_ssid_type_name(enum cp_ssid_type v)
{
	return enum_name(&ssid_type_desc, (int)v);
}

const char *cp_meas_param_name(enum cp_meas_param v)
{
	return enum_name(&meas_desc, (int)v);
}

const char *cp_analytics_param_name(enum cp_analytics_param v)
{
	return enum_name(&analytics_desc, (int)v);
}

void cp_limits_default(struct cp_limits *l)
{
	l->max_bytes = 65536;
	l->max_depth = 16;
	l->max_array = 64;
}

void cp_tft_default(struct cp_tft *t)
{
	memset(t, 0, sizeof(*t));
	t->protocol_type = 255;
	t->local_port_range.end = 65535;
	t->remote_port_range.end = 65535;
	t->traffic_class = 255;
}

/* ---- Text helpers ---------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;

	if (c < 0x80u)
		return 1;
	if (c >= 0xC2u && c <= 0xDFu) {
		n = 2;
		min = 0x80u;
	} else if (c >= 0xE0u && c <= 0xEFu) {
		n = 3;
		min = 0x800u;
	} else if (c >= 0xF0u && c <= 0xF4u) {
		n = 4;
		min = 0x10000u;
	} else {
		return 0;
	}
	unsigned cp = c & (0xFFu >> (n + 1));

	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0u) != 0x80u)
			return 0;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFFu || (cp >= 0xD800u && cp <= 0xDFFFu))
		return 0;
	return n;
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

/* In place: control characters and invalid UTF-8 bytes become '?', so that
 * an error text can be logged and sent back in an mx_error. */
static void sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0 || *p < 0x20u || *p == 0x7Fu) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* Copies s into dst[size], cut at a UTF-8 character boundary if too long. */
static void copy_cut(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* A peer's string for a reason: quoted, cut after ~40 bytes, cleaned. */
static const char *quote(char buf[QUOTE_LEN], const char *s)
{
	char tmp[44];

	copy_cut(tmp, sizeof(tmp), s);
	sanitize(tmp);
	snprintf(buf, QUOTE_LEN, "\"%s%s\"", tmp, strlen(s) >= sizeof(tmp) ? "..." : "");
	return buf;
}

/* A JSON real as text (I1 coercion to a string): as jansson writes it, an
 * integral value with ".0" (1.0 -> "1.0"), else the shortest of %.15g and
 * %.17g that reads back exactly. */
static void real_text(char *buf, size_t size, double v)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		snprintf(buf, size, "%.1f", v);
		return;
	}
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * A decimal number in text (lenient coercion, DIGEST I1): optional blanks
 * around, optional sign, digits, optional fraction and exponent.  No hex,
 * no "inf"/"nan".  Returns 0 and the value, or -1.
 */
static int text_real(const char *s, double *out)
{
	const char *p = skip_blanks(s), *start = p;
	char *end;
	bool digit = false;

	for (const char *q = p; *q != '\0' && *q != ' ' && *q != '\t'; q++) {
		if (*q >= '0' && *q <= '9')
			digit = true;
		else if (*q != '+' && *q != '-' && *q != '.' && *q != 'e' && *q != 'E')
			return -1;
	}
	if (!digit)
		return -1;
	errno = 0;
	*out = strtod(start, &end);
	if (end == start || errno == ERANGE || *skip_blanks(end) != '\0')
		return -1;
	return 0;
}

/* An integer in text: digits with optional sign, or an integral real. */
static int text_int(const char *s, long long *out)
{
	const char *p = skip_blanks(s);
	char *end;
	double r;

	if (*p == '-' || *p == '+' || (*p >= '0' && *p <= '9')) {
		errno = 0;
		long long v = strtoll(p, &end, 10);

		if (end != p && errno == 0 && *skip_blanks(end) == '\0') {
			*out = v;
			return 0;
		}
	}
	if (text_real(s, &r) < 0 || !(r >= -9.2e18 && r <= 9.2e18) || r != (double)(long long)r)
		return -1;
	*out = (long long)r;
	return 0;
}

/* Dotted quad (inet_pton: exactly four decimal parts, no leading zeros). */
static bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool addr_ok(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* An address, or a DNS name: labels of letters, digits and '-', 1..63
 * bytes, dot separated, at most 253 bytes. */
static bool host_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (addr_ok(s))
		return true;
	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-') || ++label > 63)
			return false;
	}
	return label > 0 || s[len - 1] == '.';
}

/* "a.b.c.d", "a.b.c.d/n" or "a.b.c.d/m.m.m.m" (contiguous mask). */
static bool parse_prefix(const char *s, uint32_t *addr, uint8_t *plen)
{
	char buf[40];
	const char *slash = strchr(s, '/');
	size_t alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	uint32_t mask;

	if (alen >= sizeof(buf))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (!parse_ipv4(buf, addr))
		return false;
	if (slash == NULL) {
		*plen = 32;
		return true;
	}
	s = slash + 1;
	if (parse_ipv4(s, &mask)) {
		unsigned n = 0;

		while (n < 32 && (mask & (0x80000000u >> n)))
			n++;
		if (n < 32 && (mask << n) != 0)
			return false;
		*plen = (uint8_t)n;
		return true;
	}
	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	unsigned n = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10u + (unsigned)(*s - '0');
		if (n > 32)
			return false;
	}
	if (*s != '\0')
		return false;
	*plen = (uint8_t)n;
	return true;
}

/* ---- Decoder: errors and the JSON path -------------------------------------- */

struct dec {
	const struct cp_limits *lim;
	struct cp_msg_error *err;
	char path[PATH_LEN];
	size_t len;
};

static size_t push(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to the path; returns the mark to pop() back to. */
static size_t push(struct dec *d, const char *fmt, ...)
{
	size_t mark = d->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->path + d->len, PATH_LEN - d->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->len += (size_t)n < PATH_LEN - d->len ? (size_t)n : PATH_LEN - 1 - d->len;
	return mark;
}

static size_t push_key(struct dec *d, const char *key)
{
	return push(d, "%s%s", d->len > 0 ? "." : "", key);
}

static size_t push_idx(struct dec *d, size_t i)
{
	return push(d, "[%zu]", i);
}

static void pop(struct dec *d, size_t mark)
{
	d->len = mark;
	d->path[mark] = '\0';
}

/* Field text: the path (and key), its tail kept when too long. */
static void set_field(char *dst, size_t size, const char *path, const char *key)
{
	char full[PATH_LEN + KEY_LEN + 2];
	size_t n;

	snprintf(full, sizeof(full), "%s%s%s", path, (*path && key && *key) ? "." : "",
		 key ? key : "");
	sanitize(full);
	n = strlen(full);
	if (n < size) {
		memcpy(dst, full, n + 1);
		return;
	}
	const char *tail = full + n - (size - 4);

	while (((unsigned char)*tail & 0xC0u) == 0x80u)
		tail++;
	snprintf(dst, size, "...%s", tail);
}

static int fail(struct dec *d, const char *key, int close, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Records the error at path.key (key may be NULL) and returns -1. */
static int fail(struct dec *d, const char *key, int close, const char *fmt, ...)
{
	struct cp_msg_error *e = d->err;
	va_list ap;

	set_field(e->field, sizeof(e->field), d->path, key);
	va_start(ap, fmt);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	va_end(ap);
	sanitize(e->reason); /* also '?'s a UTF-8 sequence cut by vsnprintf */
	e->close_code = close;
	return -1;
}

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* ---- Decoder: values (the path names the value) ----------------------------- */

static int val_int(struct dec *d, const json_t *v, long long lo, long long hi, long long *out)
{
	char q[QUOTE_LEN];
	long long x;
	double r;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		x = json_integer_value(v);
		break;
	case JSON_REAL:
		r = json_real_value(v);
		if (!(r >= -9.2e18 && r <= 9.2e18) || r != (double)(long long)r)
			return fail(d, NULL, 0, "expected an integer, got %.17g", r);
		x = (long long)r;
		break;
	case JSON_STRING:
		if (text_int(json_string_value(v), &x) < 0)
			return fail(d, NULL, 0, "expected a number, got a string %s",
				    quote(q, json_string_value(v)));
		break;
	default:
		return fail(d, NULL, 0, "expected a number, got %s", jtype(v));
	}
	if (x < lo || x > hi)
		return fail(d, NULL, 0, "%lld out of range %lld..%lld", x, lo, hi);
	*out = x;
	return 0;
}

static int val_real(struct dec *d, const json_t *v, double lo, double hi, double *out)
{
	char q[QUOTE_LEN];
	double x;

	switch (json_typeof(v)) {
	case JSON_INTEGER:
		x = (double)json_integer_value(v);
		break;
	case JSON_REAL:
		x = json_real_value(v);
		break;
	case JSON_STRING:
		if (text_real(json_string_value(v), &x) < 0)
			return fail(d, NULL, 0, "expected a number, got a string %s",
				    quote(q, json_string_value(v)));
		break;
	default:
		return fail(d, NULL, 0, "expected a number, got %s", jtype(v));
	}
	if (!(x >= lo && x <= hi))
		return fail(d, NULL, 0, "%g out of range %g..%g", x, lo, hi);
	*out = x;
	return 0;
}

static int val_bool(struct dec *d, const json_t *v, bool *out)
{
	char q[QUOTE_LEN];
	const char *s;

	switch (json_typeof(v)) {
	case JSON_TRUE:
		*out = true;
		return 0;
	case JSON_FALSE:
		*out = false;
		return 0;
	case JSON_INTEGER:
		if (json_integer_value(v) == 0 || json_integer_value(v) == 1) {
			*out = json_integer_value(v) == 1;
			return 0;
		}
		return fail(d, NULL, 0, "expected a boolean, got %lld",
			    (long long)json_integer_value(v));
	case JSON_STRING:
		s = json_string_value(v);
		if (name_eq(s, "true") || name_eq(s, "yes") || name_eq(s, "1")) {
			*out = true;
			return 0;
		}
		if (name_eq(s, "false") || name_eq(s, "no") || name_eq(s, "0")) {
			*out = false;
			return 0;
		}
		return fail(d, NULL, 0, "expected a boolean, got a string %s", quote(q, s));
	default:
		return fail(d, NULL, 0, "expected a boolean, got %s", jtype(v));
	}
}

/* The text of a string, or of a number or boolean (I1 coercion), in
 * tmp[32] when converted; NULL (error written) for anything else. */
static const char *scalar_text(struct dec *d, const json_t *v, char tmp[32])
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		snprintf(tmp, 32, "%lld", (long long)json_integer_value(v));
		return tmp;
	case JSON_REAL:
		real_text(tmp, 32, json_real_value(v));
		return tmp;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		fail(d, NULL, 0, "expected a string, got %s", jtype(v));
		return NULL;
	}
}

static int val_str(struct dec *d, const json_t *v, char *buf, size_t size)
{
	char tmp[32];
	const char *s = scalar_text(d, v, tmp);
	size_t n;

	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n >= size)
		return fail(d, NULL, 0, "longer than %zu bytes", size - 1);
	memcpy(buf, s, n + 1);
	return 0;
}

static int val_enum(struct dec *d, const json_t *v, const struct enum_desc *e, int *out,
		    char *raw, size_t rawsize)
{
	char tmp[32], q[QUOTE_LEN], list[96];
	const char *s = scalar_text(d, v, tmp);
	int x;

	if (s == NULL)
		return -1;
	x = lookup(e, s);
	if (x < 0 && s[0] == '\0')
		return fail(d, NULL, 0, "empty value");
	if (x < 0 && !e->unknown_ok) {
		size_t off = 0;

		list[0] = '\0';
		for (int i = 0; i < e->count && off < sizeof(list); i++)
			if (e->names[i] != NULL)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							off ? ", " : "", e->names[i]);
		return fail(d, NULL, 0, "unknown value %s (expected %s)", quote(q, s), list);
	}
	*out = x < 0 ? 0 : x;
	if (raw != NULL)
		copy_cut(raw, rawsize, s);
	return 0;
}

/* ---- Decoder: members of an object --------------------------------------- */

/* The member of o named by one of keys ("a|b|c", the first canonical), or
 * NULL when absent (a JSON null counts as absent); name gets the name found,
 * or the canonical one. */
static const json_t *member(const json_t *o, const char *keys, char name[KEY_LEN])
{
	const char *k = keys;

	for (;;) {
		const char *bar = strchr(k, '|');
		size_t n = bar != NULL ? (size_t)(bar - k) : strlen(k);
		const json_t *v = json_object_getn(o, k, n);

		if (v != NULL && !json_is_null(v)) {
			snprintf(name, KEY_LEN, "%.*s", (int)n, k);
			return v;
		}
		if (bar == NULL)
			break;
		k = bar + 1;
	}
	snprintf(name, KEY_LEN, "%.*s", (int)strcspn(keys, "|"), keys);
	return NULL;
}

static bool has_member(const json_t *o, const char *keys)
{
	char name[KEY_LEN];

	return member(o, keys, name) != NULL;
}

/* 1: present, path pushed (pop to *mark); 0: absent and optional; -1: error. */
static int enter(struct dec *d, const json_t *o, const char *keys, bool req, const json_t **v,
		 size_t *mark)
{
	char name[KEY_LEN];

	*v = member(o, keys, name);
	if (*v == NULL)
		return req ? fail(d, name, 0, "required but missing") : 0;
	*mark = push_key(d, name);
	return 1;
}

static int get_int(struct dec *d, const json_t *o, const char *keys, bool req, long long lo,
		   long long hi, long long *out)
{
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_int(d, v, lo, hi, out);
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

static int get_u8(struct dec *d, const json_t *o, const char *keys, bool req, uint8_t *out)
{
	long long x = 0;
	int r = get_int(d, o, keys, req, 0, 255, &x);

	if (r > 0)
		*out = (uint8_t)x;
	return r;
}

static int get_port(struct dec *d, const json_t *o, const char *keys, bool req, uint16_t *out)
{
	long long x = 0;
	int r = get_int(d, o, keys, req, PORT_MIN, PORT_MAX, &x);

	if (r > 0)
		*out = (uint16_t)x;
	return r;
}

static int get_u32(struct dec *d, const json_t *o, const char *keys, bool req, long long lo,
		   long long hi, uint32_t *out)
{
	long long x = 0;
	int r = get_int(d, o, keys, req, lo, hi, &x);

	if (r > 0)
		*out = (uint32_t)x;
	return r;
}

static int get_real(struct dec *d, const json_t *o, const char *keys, bool req, double lo,
		    double hi, double *out)
{
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_real(d, v, lo, hi, out);
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

static int get_bool(struct dec *d, const json_t *o, const char *keys, bool req, bool *out)
{
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_bool(d, v, out);
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

static int get_str(struct dec *d, const json_t *o, const char *keys, bool req, char *buf,
		   size_t size)
{
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_str(d, v, buf, size);
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

/* An IPv4/IPv6 address (or also a DNS name when fqdn).  An optional one
 * given as "" counts as absent. */
static int get_addr(struct dec *d, const json_t *o, const char *keys, bool req, bool fqdn,
		    char *buf, size_t size)
{
	char q[QUOTE_LEN];
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_str(d, v, buf, size);
	if (r == 0 && buf[0] == '\0' && !req) {
		pop(d, mark);
		return 0;
	}
	if (r == 0 && !(fqdn ? host_ok(buf) : addr_ok(buf)))
		r = fail(d, NULL, 0, "%s is not an IPv4 or IPv6 address%s", quote(q, buf),
			 fqdn ? " or a host name" : "");
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

static int get_enum(struct dec *d, const json_t *o, const char *keys, bool req,
		    const struct enum_desc *e, int *out, char *raw, size_t rawsize)
{
	const json_t *v;
	size_t mark;
	int r = enter(d, o, keys, req, &v, &mark);

	if (r <= 0)
		return r;
	r = val_enum(d, v, e, out, raw, rawsize);
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

/* An object member: 1 with the path pushed (caller pops), 0 absent, -1. */
static int get_obj(struct dec *d, const json_t *o, const char *keys, bool req, const json_t **v,
		   size_t *mark)
{
	int r = enter(d, o, keys, req, v, mark);

	if (r <= 0)
		return r;
	if (!json_is_object(*v)) {
		fail(d, NULL, 0, "expected an object, got %s", jtype(*v));
		pop(d, *mark);
		return -1;
	}
	return 1;
}

/* An array member of at most max elements (`limit` names max). */
static int get_arr(struct dec *d, const json_t *o, const char *keys, bool req, size_t max,
		   const char *limit, const json_t **v, size_t *mark)
{
	int r = enter(d, o, keys, req, v, mark);

	if (r <= 0)
		return r;
	if (!json_is_array(*v)) {
		fail(d, NULL, 0, "expected an array, got %s", jtype(*v));
		pop(d, *mark);
		return -1;
	}
	if (json_array_size(*v) > max) {
		fail(d, NULL, 0, "%zu entries, more than %zu (%s)", json_array_size(*v), max, limit);
		pop(d, *mark);
		return -1;
	}
	return 1;
}

static int need_obj(struct dec *d, const json_t *v)
{
	return json_is_object(v) ? 0 : fail(d, NULL, 0, "expected an object, got %s", jtype(v));
}

/* Calls fn on every element of array a, the path pushed with "[i]". */
#define FOR_EACH(d, a, i, fn_call)                                                     \
	do {                                                                           \
		for (size_t i = 0; i < json_array_size(a); i++) {                       \
			size_t mark_ = push_idx((d), i);                               \
			int r_ = (fn_call);                                            \
			pop((d), mark_);                                               \
			if (r_ < 0)                                                    \
				return -1;                                             \
		}                                                                      \
	} while (0)

/* ---- Decoder: shared types --------------------------------------------------- */

static int get_conn_type(struct dec *d, const json_t *o, enum cp_conn_type *t, char *raw)
{
	int v = 0;
	int r = get_enum(d, o, "connection_type|connection type", true, &conn_type_desc, &v, raw,
			 CP_NAME);

	*t = (enum cp_conn_type)v;
	return r;
}

static int dec_conn_info(struct dec *d, const json_t *o, struct cp_conn_info *c)
{
	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0 ||
	    get_conn_type(d, o, &c->connection_type, c->connection_type_raw) < 0)
		return -1;
	return 0;
}

static int dec_feature(struct dec *d, const json_t *o, struct cp_feature_info *f)
{
	int v = 0;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "feature_name", true, &feature_desc, &v, f->feature_name_raw,
		     CP_NAME) < 0 ||
	    get_bool(d, o, "active", true, &f->active) < 0)
		return -1;
	f->feature_name = (enum cp_feature)v;
	return 0;
}

static int dec_features(struct dec *d, const json_t *o, unsigned *n, struct cp_feature_info *f)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "feature_active|feature_activation", true, CP_MAX_FEATURES,
		    "CP_MAX_FEATURES", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_feature(d, json_array_get(a, i), &f[i]));
	*n = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_conns(struct dec *d, const json_t *o, const char *keys, unsigned *n,
		     struct cp_conn_info *c)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, keys, true, CP_MAX_CONNS, "CP_MAX_CONNS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_conn_info(d, json_array_get(a, i), &c[i]));
	*n = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_conv_support(struct dec *d, const json_t *o, struct cp_conv_support *m)
{
	int v = 0;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "method", true, &conv_desc, &v, m->method_raw, CP_NAME) < 0 ||
	    get_bool(d, o, "supported", true, &m->supported) < 0)
		return -1;
	m->method = (enum cp_conv_method)v;
	return 0;
}

static int dec_adapt_support(struct dec *d, const json_t *o, struct cp_adapt_support *m)
{
	int v = 0;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "method", true, &adapt_desc, &v, m->method_raw, CP_NAME) < 0 ||
	    get_bool(d, o, "supported", true, &m->supported) < 0)
		return -1;
	m->method = (enum cp_adapt_method)v;
	return 0;
}

/* A connection ID list in any of its shapes: [0, 1], ["0"], [{"connection_id": 0}],
 * or an object {"connection_id": [...]} (DIGEST R10, R11). */
static int dec_id_list(struct dec *d, const json_t *v, unsigned *n, uint8_t *ids)
{
	long long x;
	size_t mark;

	if (json_is_object(v)) {
		const json_t *a;
		int r = get_arr(d, v, "connection_id|connection_list|conn_list", true, CP_MAX_CONNS,
				"CP_MAX_CONNS", &a, &mark);

		if (r < 0)
			return -1;
		r = dec_id_list(d, a, n, ids);
		pop(d, mark);
		return r;
	}
	if (!json_is_array(v))
		return fail(d, NULL, 0, "expected an array of connection IDs, got %s", jtype(v));
	if (json_array_size(v) > CP_MAX_CONNS)
		return fail(d, NULL, 0, "%zu entries, more than %u (CP_MAX_CONNS)",
			    json_array_size(v), CP_MAX_CONNS);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		int r;

		mark = push_idx(d, i);
		if (json_is_object(e)) {
			uint8_t id = 0;

			r = get_u8(d, e, "connection_id", true, &id);
			x = id;
		} else {
			r = val_int(d, e, 0, 255, &x);
		}
		pop(d, mark);
		if (r < 0)
			return -1;
		ids[i] = (uint8_t)x;
	}
	*n = (unsigned)json_array_size(v);
	return 0;
}

static int get_prefix(struct dec *d, const json_t *o, const char *key, uint32_t *addr,
		      uint8_t *plen)
{
	char buf[64], q[QUOTE_LEN];
	const json_t *v;
	size_t mark;
	int r = enter(d, o, key, false, &v, &mark);

	if (r <= 0)
		return r;
	r = val_str(d, v, buf, sizeof(buf));
	if (r == 0 && !parse_prefix(buf, addr, plen))
		r = fail(d, NULL, 0, "%s is not an IPv4 prefix \"a.b.c.d/n\"", quote(q, buf));
	pop(d, mark);
	return r < 0 ? -1 : 1;
}

static int get_port_range(struct dec *d, const json_t *o, const char *keys,
			  struct cp_port_range *pr)
{
	const json_t *v;
	size_t mark;
	long long s = 0, e = 0;
	int r = get_obj(d, o, keys, false, &v, &mark);

	if (r <= 0)
		return r;
	if (get_int(d, v, "start", true, 0, 65535, &s) < 0 ||
	    get_int(d, v, "end", true, 0, 65535, &e) < 0) {
		pop(d, mark);
		return -1;
	}
	if (s > e) {
		fail(d, "end", 0, "end %lld below start %lld", e, s);
		pop(d, mark);
		return -1;
	}
	pr->start = (uint16_t)s;
	pr->end = (uint16_t)e;
	pop(d, mark);
	return 1;
}

static int dec_tft(struct dec *d, const json_t *o, struct cp_tft *t)
{
	long long x;
	int r;

	cp_tft_default(t);
	if (need_obj(d, o) < 0 ||
	    get_prefix(d, o, "remote_addr_mask", &t->remote_addr, &t->remote_prefix_len) < 0 ||
	    get_prefix(d, o, "local_addr_mask", &t->local_addr, &t->local_prefix_len) < 0 ||
	    get_port_range(d, o, "local_port_range|loca_port_range", &t->local_port_range) < 0 ||
	    get_port_range(d, o, "remote_port_range", &t->remote_port_range) < 0)
		return -1;
	if ((r = get_int(d, o, "protocol_type", false, 0, 255, &x)) < 0)
		return -1;
	if (r > 0)
		t->protocol_type = (uint8_t)x;
	if ((r = get_int(d, o, "traffic_class", false, 0, 255, &x)) < 0)
		return -1;
	if (r > 0)
		t->traffic_class = (uint8_t)x;
	if ((r = get_int(d, o, "flow_label", false, 0, 0xFFFFF, &x)) < 0)
		return -1;
	if (r > 0)
		t->flow_label = (uint32_t)x;
	return 0;
}

static int dec_tft_list(struct dec *d, const json_t *o, const char *keys, unsigned *n,
			struct cp_tft *t)
{
	const json_t *a;
	size_t mark;
	int r = get_arr(d, o, keys, false, CP_MAX_TFTS, "CP_MAX_TFTS", &a, &mark);

	if (r <= 0)
		return r;
	FOR_EACH(d, a, i, dec_tft(d, json_array_get(a, i), &t[i]));
	*n = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

/* ---- Decoder: message bodies ------------------------------------------------- */

static int dec_discover(struct dec *d, const json_t *o, struct cp_discover *b)
{
	int r = get_str(d, o, "MCC_MNC_Tuple", false, b->MCC_MNC_Tuple, CP_STR);

	b->has_MCC_MNC_Tuple = r > 0;
	return r < 0 ? -1 : 0;
}

static int dec_ncm_conn(struct dec *d, const json_t *o, struct cp_ncm_connection *c)
{
	const json_t *ep;
	size_t mark;
	int r;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0 ||
	    get_conn_type(d, o, &c->connection_type, c->connection_type_raw) < 0 ||
	    get_obj(d, o, "ncm_end_point", true, &ep, &mark) < 0)
		return -1;
	r = get_addr(d, ep, "ip_address", true, true, c->ncm_end_point.ip_address, CP_HOST);
	if (r >= 0)
		r = get_port(d, ep, "port", true, &c->ncm_end_point.port);
	pop(d, mark);
	return r < 0 ? -1 : 0;
}

static int dec_system_info(struct dec *d, const json_t *o, struct cp_system_info *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "ncm_connections", true, CP_MAX_CONNS, "CP_MAX_CONNS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_ncm_conn(d, json_array_get(a, i), &b->ncm_connections[i]));
	b->n_ncm_connections = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

/* num_* count: the wire's when given, else the array's length. */
static int get_count(struct dec *d, const json_t *o, const char *keys, unsigned n, uint32_t *out)
{
	int r = get_u32(d, o, keys, false, 0, UINT32_MAX, out);

	if (r == 0)
		*out = n;
	return r < 0 ? -1 : 0;
}

static int dec_capability(struct dec *d, const json_t *o, struct cp_capability *b)
{
	const json_t *a;
	size_t mark;

	if (dec_features(d, o, &b->n_feature_active, b->feature_active) < 0 ||
	    dec_conns(d, o, "anchor_connections", &b->n_anchor_connections,
		      b->anchor_connections) < 0 ||
	    get_count(d, o, "num_anchor_connections", b->n_anchor_connections,
		      &b->num_anchor_connections) < 0 ||
	    dec_conns(d, o, "delivery_connections", &b->n_delivery_connections,
		      b->delivery_connections) < 0 ||
	    get_count(d, o, "num_delivery_connections|new_delivery_connections",
		      b->n_delivery_connections, &b->num_delivery_connections) < 0)
		return -1;
	if (get_arr(d, o, "convergence_methods", true, CP_MAX_METHODS, "CP_MAX_METHODS", &a,
		    &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_conv_support(d, json_array_get(a, i), &b->convergence_methods[i]));
	b->n_convergence_methods = (unsigned)json_array_size(a);
	pop(d, mark);
	if (get_arr(d, o, "adaptation_methods", true, CP_MAX_METHODS, "CP_MAX_METHODS", &a,
		    &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_adapt_support(d, json_array_get(a, i), &b->adaptation_methods[i]));
	b->n_adaptation_methods = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_capability_ack(struct dec *d, const json_t *o, struct cp_capability_ack *b)
{
	int v = 0;

	if (get_enum(d, o, "capability_ack", true, &cap_ack_desc, &v, NULL, 0) < 0)
		return -1;
	b->capability_ack = (enum cp_cap_ack)v;
	return 0;
}

static int dec_adapt_method_param(struct dec *d, const json_t *o,
				  struct cp_adaptation_method_param *p)
{
	int r;

	if (get_addr(d, o, "tunnel_ip_addr", true, false, p->tunnel_ip_addr, CP_ADDR) < 0 ||
	    get_port(d, o, "tunnel_end_port", true, &p->tunnel_end_port) < 0 ||
	    get_bool(d, o, "mx_header_optimization", false, &p->mx_header_optimization) < 0)
		return -1;
	if ((r = get_str(d, o, "shared_secret", false, p->shared_secret, CP_SECRET)) < 0)
		return -1;
	p->has_shared_secret = r > 0;
	return 0;
}

static int dec_setup_delivery(struct dec *d, const json_t *o, struct cp_setup_delivery_conn *c)
{
	const json_t *p;
	size_t mark;
	int v = 0, r;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0 ||
	    get_conn_type(d, o, &c->connection_type, c->connection_type_raw) < 0)
		return -1;
	r = get_enum(d, o, "adaptation_method", false, &adapt_desc, &v, c->adaptation_method_raw,
		     CP_NAME);
	if (r < 0)
		return -1;
	c->has_adaptation_method = r > 0;
	c->adaptation_method = (enum cp_adapt_method)v;
	r = get_obj(d, o, "adaptation_method_param|adaptation_method_params", false, &p, &mark);
	if (r < 0)
		return -1;
	if (r > 0) {
		c->has_adaptation_method_param = true;
		r = dec_adapt_method_param(d, p, &c->adaptation_method_param);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int dec_conv_params(struct dec *d, const json_t *o, struct cp_convergence_method_params *p)
{
	int r;

	if ((r = get_addr(d, o, "proxy_ip", false, false, p->proxy_ip, CP_ADDR)) < 0)
		return -1;
	p->has_proxy_ip = r > 0;
	if ((r = get_port(d, o, "proxy_port", false, &p->proxy_port)) < 0)
		return -1;
	p->has_proxy_port = r > 0;
	if ((r = get_str(d, o, "client_key", false, p->client_key, CP_SECRET)) < 0)
		return -1;
	p->has_client_key = r > 0;
	return 0;
}

/* One convergence configuration: an element of convergence_config, or the
 * anchor object itself in the flat (JSON-00) form. */
static int dec_conv_config(struct dec *d, const json_t *o, struct cp_convergence_config *c)
{
	const json_t *a;
	size_t mark;
	int v = 0, r;

	if (need_obj(d, o) < 0)
		return -1;
	if ((r = get_u8(d, o, "mx_configuration_id", false, &c->mx_configuration_id)) < 0)
		return -1;
	c->has_mx_configuration_id = r > 0;
	r = get_enum(d, o, "convergence_method", false, &conv_desc, &v, c->convergence_method_raw,
		     CP_NAME);
	if (r < 0)
		return -1;
	c->has_convergence_method = r > 0;
	c->convergence_method = (enum cp_conv_method)v;
	if ((r = get_obj(d, o, "convergence_method_params", false, &a, &mark)) < 0)
		return -1;
	if (r > 0) {
		c->has_convergence_method_params = true;
		r = dec_conv_params(d, a, &c->convergence_method_params);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	if (get_arr(d, o, "delivery_connections", true, CP_MAX_CONNS, "CP_MAX_CONNS", &a,
		    &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_setup_delivery(d, json_array_get(a, i), &c->delivery_connections[i]));
	c->n_delivery_connections = (unsigned)json_array_size(a);
	pop(d, mark);
	return get_count(d, o, "num_delivery_connections", c->n_delivery_connections,
			 &c->num_delivery_connections);
}

static int dec_vnic_info(struct dec *d, const json_t *o, struct cp_vnic_info *v)
{
	if (get_addr(d, o, "ip", true, false, v->ip, CP_ADDR) < 0 ||
	    get_addr(d, o, "gateway", true, false, v->gateway, CP_ADDR) < 0 ||
	    get_addr(d, o, "mask", true, false, v->mask, CP_ADDR) < 0 ||
	    get_addr(d, o, "dns", true, false, v->dns, CP_ADDR) < 0 ||
	    get_port(d, o, "vnic_port", true, &v->vnic_port) < 0)
		return -1;
	return 0;
}

static int dec_setup_anchor(struct dec *d, const json_t *o, struct cp_setup_anchor_conn *c)
{
	const json_t *v;
	size_t mark;
	int r;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0 ||
	    get_conn_type(d, o, &c->connection_type, c->connection_type_raw) < 0)
		return -1;
	if ((r = get_u32(d, o, "num_active_mx_conf", false, 0, UINT32_MAX,
			 &c->num_active_mx_conf)) < 0)
		return -1;
	c->has_num_active_mx_conf = r > 0;
	if ((r = get_port(d, o, "udp_port", false, &c->udp_port)) < 0)
		return -1;
	c->has_udp_port = r > 0;
	if ((r = get_obj(d, o, "vnic_info", false, &v, &mark)) < 0)
		return -1;
	if (r > 0) {
		c->has_vnic_info = true;
		r = dec_vnic_info(d, v, &c->vnic_info);
		pop(d, mark);
		if (r < 0)
			return -1;
	}

	if (!has_member(o, "convergence_config") &&
	    (has_member(o, "delivery_connections") || has_member(o, "convergence_method"))) {
		/* JSON-00 / C.4.8's second anchor: one configuration, flat (J8) */
		c->flat = true;
		c->n_convergence_config = 1;
		return dec_conv_config(d, o, &c->convergence_config[0]);
	}
	if (enter(d, o, "convergence_config", true, &v, &mark) < 0)
		return -1;
	if (json_is_object(v)) {
		/* the C.1 struct's single ConvergenceConfig (R4) */
		c->n_convergence_config = 1;
		r = dec_conv_config(d, v, &c->convergence_config[0]);
		pop(d, mark);
		return r;
	}
	if (!json_is_array(v)) {
		fail(d, NULL, 0, "expected an array, got %s", jtype(v));
		pop(d, mark);
		return -1;
	}
	if (json_array_size(v) > CP_MAX_MX_CONF) {
		fail(d, NULL, 0, "%zu entries, more than %u (CP_MAX_MX_CONF)", json_array_size(v),
		     CP_MAX_MX_CONF);
		pop(d, mark);
		return -1;
	}
	FOR_EACH(d, v, i, dec_conv_config(d, json_array_get(v, i), &c->convergence_config[i]));
	c->n_convergence_config = (unsigned)json_array_size(v);
	pop(d, mark);
	return 0;
}

static int dec_up_setup_conf_req(struct dec *d, const json_t *o, struct cp_up_setup_conf_req *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "anchor_connections", true, CP_MAX_ANCHORS, "CP_MAX_ANCHORS", &a,
		    &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_setup_anchor(d, json_array_get(a, i), &b->anchor_connections[i]));
	b->n_anchor_connections = (unsigned)json_array_size(a);
	pop(d, mark);
	return get_count(d, o, "num_anchor_connections", b->n_anchor_connections,
			 &b->num_anchor_connections);
}

static int dec_client_param(struct dec *d, const json_t *o, struct cp_client_param *c)
{
	const json_t *p;
	size_t mark;
	int r;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0)
		return -1;
	if ((r = get_obj(d, o, "adapt_param", false, &p, &mark)) <= 0)
		return r;
	c->has_adapt_param = true;
	r = get_port(d, p, "udp_adapt_port", true, &c->adapt_param.udp_adapt_port);
	pop(d, mark);
	return r < 0 ? -1 : 0;
}

static int dec_up_setup_cnf(struct dec *d, const json_t *o, struct cp_up_setup_cnf *b)
{
	struct cp_probe_param *pp = &b->probe_param;
	const json_t *a;
	size_t mark;
	int r;

	if ((r = get_obj(d, o, "probe_param", false, &a, &mark)) < 0)
		return -1;
	if (r > 0) {
		b->has_probe_param = true;
		r = get_port(d, a, "probe_port", true, &pp->probe_port);
		if (r >= 0 && (r = get_u8(d, a, "anchor_conn_id", false, &pp->anchor_conn_id)) >= 0)
			pp->has_anchor_conn_id = r > 0;
		if (r >= 0 && (r = get_u8(d, a, "mx_configuration_id", false,
					  &pp->mx_configuration_id)) >= 0)
			pp->has_mx_configuration_id = r > 0;
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	if (get_arr(d, o, "client_params", true, CP_MAX_CONNS, "CP_MAX_CONNS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_client_param(d, json_array_get(a, i), &b->client_params[i]));
	b->n_client_params = (unsigned)json_array_size(a);
	pop(d, mark);
	return get_count(d, o, "num_delivery_conn", b->n_client_params, &b->num_delivery_conn);
}

static int dec_reconf_req(struct dec *d, const json_t *o, struct cp_reconf_req *b)
{
	long long x = 0;
	int v = 0, r;

	if (get_enum(d, o, "reconf_action", true, &reconf_desc, &v, NULL, 0) < 0)
		return -1;
	b->reconf_action = (enum cp_reconf_action)v;
	if (get_u8(d, o, "connection_id", true, &b->connection_id) < 0)
		return -1;
	if ((r = get_addr(d, o, "ip_address", false, false, b->ip_address, CP_ADDR)) < 0)
		return -1;
	b->has_ip_address = r > 0;
	if ((r = get_str(d, o, "ssid", false, b->ssid, CP_STR)) < 0)
		return -1;
	b->has_ssid = r > 0;
	if ((r = get_int(d, o, "mtu_size", false, MTU_MIN, MTU_MAX, &x)) < 0)
		return -1;
	b->has_mtu_size = r > 0;
	b->mtu_size = (uint32_t)x;
	v = 0;
	if ((r = get_enum(d, o, "connection_status", false, &conn_status_desc, &v, NULL, 0)) < 0)
		return -1;
	b->has_connection_status = r > 0;
	b->connection_status = (enum cp_conn_status)v;
	if ((r = get_str(d, o, "delivery_node_id", false, b->delivery_node_id, CP_STR)) < 0)
		return -1;
	b->has_delivery_node_id = r > 0;
	return 0;
}

/* "yes"/"no" (also booleans and 0/1, RFC 8743 8.6 prose). */
static int get_yes_no(struct dec *d, const json_t *o, const char *key, enum cp_yes_no *out)
{
	const json_t *v;
	size_t mark;
	bool b = false;
	int r = enter(d, o, key, true, &v, &mark);

	if (r <= 0)
		return -1;
	r = val_bool(d, v, &b);
	if (r < 0)
		snprintf(d->err->reason, sizeof(d->err->reason), "expected \"yes\" or \"no\"");
	pop(d, mark);
	*out = b ? CP_YES : CP_NO;
	return r;
}

static int dec_path_est_req(struct dec *d, const json_t *o, struct cp_path_est_req *b)
{
	if (get_u8(d, o, "connection_id", true, &b->connection_id) < 0 ||
	    get_u32(d, o, "init_probe_test_duration_ms", true, 100, 10000,
		    &b->init_probe_test_duration_ms) < 0 ||
	    get_u32(d, o, "init_probe_test_rate_Mbps", true, 1, 100,
		    &b->init_probe_test_rate_Mbps) < 0 ||
	    get_u32(d, o, "init_probe_size_bytes", true, 100, 1500, &b->init_probe_size_bytes) < 0 ||
	    get_yes_no(d, o, "init_probe_ack_req", &b->init_probe_ack_req) < 0 ||
	    get_u32(d, o, "active_probe_freq_ms", true, 100, 10000, &b->active_probe_freq_ms) < 0 ||
	    get_u32(d, o, "active_probe_size_bytes", true, 100, 1500,
		    &b->active_probe_size_bytes) < 0 ||
	    get_u32(d, o, "active_probe_duration_sec", true, 10, 100,
		    &b->active_probe_duration_sec) < 0 ||
	    get_yes_no(d, o, "active_probe_ack_req", &b->active_probe_ack_req) < 0)
		return -1;
	return 0;
}

static int dec_path_est_results(struct dec *d, const json_t *o, struct cp_path_est_results *b)
{
	const json_t *v;
	size_t mark;
	int r;

	if (get_u8(d, o, "connection_id", true, &b->connection_id) < 0)
		return -1;
	if ((r = get_obj(d, o, "init_probe_results", false, &v, &mark)) < 0)
		return -1;
	if (r > 0) {
		b->has_init_probe_results = true;
		r = get_u32(d, v, "lost_probes_percentage", true, 0, 100,
			    &b->init_probe_results.lost_probes_percentage);
		if (r >= 0)
			r = get_real(d, v, "probe_rate_Mbps", true, 0, MBPS_MAX,
				     &b->init_probe_results.probe_rate_Mbps);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	if ((r = get_obj(d, o, "active_probe_results", false, &v, &mark)) < 0)
		return -1;
	if (r > 0) {
		b->has_active_probe_results = true;
		r = get_real(d, v, "avg_tput_last_probe_duration_Mbps", true, 0, MBPS_MAX,
			     &b->active_probe_results.avg_tput_last_probe_duration_Mbps);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* One uplink_delivery element; a "ul_tft" array (C.2.15 struct) expands to
 * one entry per TFT, all with the same connections. */
static int dec_ul_delivery(struct dec *d, const json_t *o, struct cp_traffic_steering_req *b)
{
	struct cp_ul_delivery tmp;
	const json_t *tft, *ids;
	size_t mark;
	unsigned first = b->n_uplink_delivery, ntft;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	if (need_obj(d, o) < 0 ||
	    enter(d, o, "conn_list|connection_list|connection_id", true, &ids, &mark) < 0)
		return -1;
	r = dec_id_list(d, ids, &tmp.n_conn_list, tmp.conn_list);
	pop(d, mark);
	if (r < 0 || enter(d, o, "ul_tft", true, &tft, &mark) < 0)
		return -1;
	ntft = json_is_array(tft) ? (unsigned)json_array_size(tft) : 1;
	if (json_is_array(tft) && ntft == 0) {
		fail(d, NULL, 0, "empty TFT list");
		pop(d, mark);
		return -1;
	}
	if (first + ntft > CP_MAX_TFTS) {
		fail(d, NULL, 0, "more than %u uplink TFTs (CP_MAX_TFTS)", CP_MAX_TFTS);
		pop(d, mark);
		return -1;
	}
	for (unsigned i = 0; i < ntft; i++) {
		struct cp_ul_delivery *u = &b->uplink_delivery[first + i];
		size_t m2 = json_is_array(tft) ? push_idx(d, i) : d->len;

		*u = tmp;
		r = dec_tft(d, json_is_array(tft) ? json_array_get(tft, i) : tft, &u->ul_tft);
		pop(d, m2);
		if (r < 0) {
			pop(d, mark);
			return -1;
		}
	}
	pop(d, mark);
	b->n_uplink_delivery = first + ntft;
	return 0;
}

static int dec_traffic_steering_req(struct dec *d, const json_t *o,
				    struct cp_traffic_steering_req *b)
{
	const json_t *v, *a;
	size_t mark, m2;
	int r;

	if (get_u8(d, o, "connection_id", true, &b->connection_id) < 0)
		return -1;
	if ((r = get_u8(d, o, "mx_configuration_id", false, &b->mx_configuration_id)) < 0)
		return -1;
	b->has_mx_configuration_id = r > 0;
	if (enter(d, o, "downlink_delivery", true, &v, &mark) < 0)
		return -1;
	r = dec_id_list(d, v, &b->n_downlink_delivery, b->downlink_delivery);
	pop(d, mark);
	if (r < 0)
		return -1;
	if ((r = get_u8(d, o, "default_uplink_delivery", false, &b->default_uplink_delivery)) < 0)
		return -1;
	b->has_default_uplink_delivery = r > 0;
	if (enter(d, o, "uplink_delivery", true, &v, &mark) < 0)
		return -1;
	a = v;
	m2 = d->len;
	if (json_is_object(v)) {
		/* C.2.15 struct: {"ul_del": [...]} */
		if (get_arr(d, v, "ul_del", true, CP_MAX_TFTS, "CP_MAX_TFTS", &a, &m2) < 0) {
			pop(d, mark);
			return -1;
		}
	} else if (!json_is_array(v)) {
		fail(d, NULL, 0, "expected an array, got %s", jtype(v));
		pop(d, mark);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(a); i++) {
		size_t m3 = push_idx(d, i);

		r = dec_ul_delivery(d, json_array_get(a, i), b);
		pop(d, m3);
		if (r < 0) {
			pop(d, mark);
			return -1;
		}
	}
	pop(d, m2);
	pop(d, mark);
	return dec_features(d, o, &b->n_feature_active, b->feature_active);
}

static int dec_app_madp_assoc(struct dec *d, const json_t *o, struct cp_app_madp_assoc *a)
{
	int r;

	if (need_obj(d, o) < 0 ||
	    get_u8(d, o, "connection_id|anchor_conn_id", true, &a->connection_id) < 0)
		return -1;
	if ((r = get_u8(d, o, "mx_configuration_id", false, &a->mx_configuration_id)) < 0)
		return -1;
	a->has_mx_configuration_id = r > 0;
	if (dec_tft_list(d, o, "ul_tft_list|tft_ul_list", &a->n_ul_tft_list, a->ul_tft_list) < 0 ||
	    dec_tft_list(d, o, "dl_tft_list|tft_dl_list", &a->n_dl_tft_list, a->dl_tft_list) < 0)
		return -1;
	return 0;
}

static int dec_app_madp_assoc_req(struct dec *d, const json_t *o, struct cp_app_madp_assoc_req *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "app_madp_assoc_list", true, CP_MAX_APPS, "CP_MAX_APPS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_app_madp_assoc(d, json_array_get(a, i), &b->app_madp_assoc_list[i]));
	b->n_app_madp_assoc_list = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_ssid(struct dec *d, const json_t *o, struct cp_ssid *s)
{
	int v = 0;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "ssid_type", true, &ssid_type_desc, &v, s->ssid_type_raw, CP_NAME) < 0 ||
	    get_str(d, o, "ssid_id|ssid", true, s->ssid_id, CP_STR) < 0)
		return -1;
	s->ssid_type = (enum cp_ssid_type)v;
	return 0;
}

static int dec_ssid_indication(struct dec *d, const json_t *o, struct cp_ssid_indication *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "ssid_list", true, CP_MAX_SSIDS, "CP_MAX_SSIDS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_ssid(d, json_array_get(a, i), &b->ssid_list[i]));
	b->n_ssid_list = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_meas_rep_conf(struct dec *d, const json_t *o, struct cp_meas_rep_conf *c)
{
	const json_t *t;
	size_t mark;
	int v = 0, r;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "meas_rep_param", true, &meas_desc, &v, c->meas_rep_param_raw,
		     CP_NAME) < 0)
		return -1;
	c->meas_rep_param = (enum cp_meas_param)v;
	if ((r = get_obj(d, o, "meas_threshold", false, &t, &mark)) < 0)
		return -1;
	if (r > 0) {
		c->has_meas_threshold = true;
		r = get_real(d, t, "high", true, -REAL_MAX, REAL_MAX, &c->meas_threshold.high);
		if (r >= 0)
			r = get_real(d, t, "low", true, -REAL_MAX, REAL_MAX, &c->meas_threshold.low);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	if ((r = get_u32(d, o, "meas_period_ms|meas_period", false, 0, UINT32_MAX,
			 &c->meas_period_ms)) < 0)
		return -1;
	c->has_meas_period_ms = r > 0;
	return 0;
}

static int dec_meas_conf(struct dec *d, const json_t *o, struct cp_meas_conf *c)
{
	const json_t *a;
	size_t mark;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &c->connection_id) < 0 ||
	    get_conn_type(d, o, &c->connection_type, c->connection_type_raw) < 0 ||
	    get_arr(d, o, "meas_rep_conf", true, CP_MAX_MEAS, "CP_MAX_MEAS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_meas_rep_conf(d, json_array_get(a, i), &c->meas_rep_conf[i]));
	c->n_meas_rep_conf = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_measurement_conf(struct dec *d, const json_t *o, struct cp_measurement_conf *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "measurement_configuration", true, CP_MAX_CONNS, "CP_MAX_CONNS", &a,
		    &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_meas_conf(d, json_array_get(a, i), &b->measurement_configuration[i]));
	b->n_measurement_configuration = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_measurement(struct dec *d, const json_t *o, struct cp_measurement *m)
{
	int v = 0;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "measurement_type", true, &meas_desc, &v, m->measurement_type_raw,
		     CP_NAME) < 0 ||
	    get_real(d, o, "measurement_value", true, -REAL_MAX, REAL_MAX,
		     &m->measurement_value) < 0)
		return -1;
	m->measurement_type = (enum cp_meas_param)v;
	return 0;
}

static int dec_meas_report(struct dec *d, const json_t *o, struct cp_meas_report *m)
{
	const json_t *a;
	size_t mark;
	int r;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &m->connection_id) < 0 ||
	    get_conn_type(d, o, &m->connection_type, m->connection_type_raw) < 0)
		return -1;
	if ((r = get_str(d, o, "delivery_node_id", false, m->delivery_node_id, CP_STR)) < 0)
		return -1;
	m->has_delivery_node_id = r > 0;
	if (get_arr(d, o, "measurements", true, CP_MAX_MEAS, "CP_MAX_MEAS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_measurement(d, json_array_get(a, i), &m->measurements[i]));
	m->n_measurements = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_measurement_report(struct dec *d, const json_t *o, struct cp_measurement_report *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "measurement_reports|measurment_reports", true, CP_MAX_CONNS,
		    "CP_MAX_CONNS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_meas_report(d, json_array_get(a, i), &b->measurement_reports[i]));
	b->n_measurement_reports = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_keep_alive_req(struct dec *d, const json_t *o, struct cp_keep_alive_req *b)
{
	bool handover;
	int v = 0, r;

	if (get_enum(d, o, "keep_alive_reason", true, &keep_alive_desc, &v, NULL, 0) < 0)
		return -1;
	b->keep_alive_reason = (enum cp_keep_alive_reason)v;
	handover = b->keep_alive_reason == CP_KEEP_ALIVE_HANDOVER;
	/* RFC 8743 8.3.2: both mandatory for Handover only (DIGEST R9) */
	if (handover && !has_member(o, "connection_id"))
		return fail(d, "connection_id", 0, "required when keep_alive_reason is Handover");
	if ((r = get_u8(d, o, "connection_id", false, &b->connection_id)) < 0)
		return -1;
	b->has_connection_id = r > 0;
	if (handover && !has_member(o, "delivery_node_id"))
		return fail(d, "delivery_node_id", 0,
			    "required when keep_alive_reason is Handover");
	if ((r = get_str(d, o, "delivery_node_id", false, b->delivery_node_id, CP_STR)) < 0)
		return -1;
	b->has_delivery_node_id = r > 0;
	return 0;
}

static int dec_session_termination_req(struct dec *d, const json_t *o,
				       struct cp_session_termination_req *b)
{
	int v = 0;

	if (get_enum(d, o, "reason", true, &term_desc, &v, b->reason_raw, CP_NAME) < 0)
		return -1;
	b->reason = (enum cp_term_reason)v;
	return 0;
}

static int dec_analytics_param(struct dec *d, const json_t *v, enum cp_analytics_param *p,
			       char *raw)
{
	int x = 0;

	if (val_enum(d, v, &analytics_desc, &x, raw, CP_NAME) < 0)
		return -1;
	*p = (enum cp_analytics_param)x;
	return 0;
}

static int dec_network_analytics_req(struct dec *d, const json_t *o,
				     struct cp_network_analytics_req *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "params", true, CP_MAX_PARAMS, "CP_MAX_PARAMS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_analytics_param(d, json_array_get(a, i), &b->params[i],
					      b->params_raw[i]));
	b->n_params = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_prediction(struct dec *d, const json_t *o, struct cp_prediction *p)
{
	int v = 0, r;

	if (need_obj(d, o) < 0 ||
	    get_enum(d, o, "param_name", true, &analytics_desc, &v, p->param_name_raw, CP_NAME) < 0)
		return -1;
	p->param_name = (enum cp_analytics_param)v;
	v = 0;
	r = get_enum(d, o, "additional_param", false, &meas_desc, &v, p->additional_param_raw,
		     CP_NAME);
	if (r < 0)
		return -1;
	p->has_additional_param = r > 0;
	p->additional_param = (enum cp_meas_param)v;
	if (get_real(d, o, "prediction", true, -REAL_MAX, REAL_MAX, &p->prediction) < 0 ||
	    get_u32(d, o, "likelihood", true, 0, 100, &p->likelihood) < 0 ||
	    get_u32(d, o, "validity_time", true, 0, UINT32_MAX, &p->validity_time) < 0)
		return -1;
	return 0;
}

static int dec_param_list(struct dec *d, const json_t *o, struct cp_param_list *p)
{
	const json_t *a;
	size_t mark;

	if (need_obj(d, o) < 0 || get_u8(d, o, "connection_id", true, &p->connection_id) < 0 ||
	    get_conn_type(d, o, &p->connection_type, p->connection_type_raw) < 0 ||
	    get_arr(d, o, "predictions", true, CP_MAX_PARAMS, "CP_MAX_PARAMS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_prediction(d, json_array_get(a, i), &p->predictions[i]));
	p->n_predictions = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_network_analytics_rsp(struct dec *d, const json_t *o,
				     struct cp_network_analytics_rsp *b)
{
	const json_t *a;
	size_t mark;

	if (get_arr(d, o, "param_list", true, CP_MAX_CONNS, "CP_MAX_CONNS", &a, &mark) < 0)
		return -1;
	FOR_EACH(d, a, i, dec_param_list(d, json_array_get(a, i), &b->param_list[i]));
	b->n_param_list = (unsigned)json_array_size(a);
	pop(d, mark);
	return 0;
}

static int dec_error(struct dec *d, const json_t *o, struct cp_error *b)
{
	const json_t *e;
	size_t mark;
	int r;

	if (get_obj(d, o, "error", true, &e, &mark) < 0)
		return -1;
	r = get_str(d, e, "message_type", false, b->message_type, sizeof(b->message_type));
	if (r >= 0)
		r = get_str(d, e, "field", false, b->field, sizeof(b->field));
	if (r >= 0)
		r = get_str(d, e, "reason", false, b->reason, sizeof(b->reason));
	pop(d, mark);
	return r < 0 ? -1 : 0;
}

static int dec_body(struct dec *d, const json_t *o, struct cp_msg *m)
{
	switch (m->type) {
	case CP_MSG_DISCOVER:
		return dec_discover(d, o, &m->u.discover);
	case CP_MSG_SYSTEM_INFO:
		return dec_system_info(d, o, &m->u.system_info);
	case CP_MSG_CAPABILITY_REQ:
		return dec_capability(d, o, &m->u.capability_req);
	case CP_MSG_CAPABILITY_RSP:
		return dec_capability(d, o, &m->u.capability_rsp);
	case CP_MSG_CAPABILITY_ACK:
		return dec_capability_ack(d, o, &m->u.capability_ack);
	case CP_MSG_UP_SETUP_CONF_REQ:
		return dec_up_setup_conf_req(d, o, &m->u.up_setup_conf_req);
	case CP_MSG_UP_SETUP_CNF:
		return dec_up_setup_cnf(d, o, &m->u.up_setup_cnf);
	case CP_MSG_RECONF_REQ:
		return dec_reconf_req(d, o, &m->u.reconf_req);
	case CP_MSG_PATH_EST_REQ:
		return dec_path_est_req(d, o, &m->u.path_est_req);
	case CP_MSG_PATH_EST_RESULTS:
		return dec_path_est_results(d, o, &m->u.path_est_results);
	case CP_MSG_TRAFFIC_STEERING_REQ:
		return dec_traffic_steering_req(d, o, &m->u.traffic_steering_req);
	case CP_MSG_TRAFFIC_STEERING_RSP:
		return dec_features(d, o, &m->u.traffic_steering_rsp.n_feature_active,
				    m->u.traffic_steering_rsp.feature_active);
	case CP_MSG_APP_MADP_ASSOC_REQ:
		return dec_app_madp_assoc_req(d, o, &m->u.app_madp_assoc_req);
	case CP_MSG_APP_MADP_ASSOC_RSP:
		return get_bool(d, o, "is_success", true, &m->u.app_madp_assoc_rsp.is_success) < 0
			       ? -1 : 0;
	case CP_MSG_SSID_INDICATION:
		return dec_ssid_indication(d, o, &m->u.ssid_indication);
	case CP_MSG_MEASUREMENT_CONF:
		return dec_measurement_conf(d, o, &m->u.measurement_conf);
	case CP_MSG_MEASUREMENT_REPORT:
		return dec_measurement_report(d, o, &m->u.measurement_report);
	case CP_MSG_KEEP_ALIVE_REQ:
		return dec_keep_alive_req(d, o, &m->u.keep_alive_req);
	case CP_MSG_SESSION_TERMINATION_REQ:
		return dec_session_termination_req(d, o, &m->u.session_termination_req);
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		return dec_network_analytics_req(d, o, &m->u.network_analytics_req);
	case CP_MSG_NETWORK_ANALYTICS_RSP:
		return dec_network_analytics_rsp(d, o, &m->u.network_analytics_rsp);
	case CP_MSG_ERROR:
		return dec_error(d, o, &m->u.error);
	case CP_MSG_RECONF_RSP:
	case CP_MSG_KEEP_ALIVE_RSP:
	case CP_MSG_SESSION_TERMINATION_RSP:
		return 0;
	default:
		return fail(d, "message_type", 0, "unsupported message type");
	}
}

/* ---- Decoder: limits and entry point ------------------------------------- */

/* Nesting depth of the raw text (top level = 1), strings skipped. */
static int check_depth(struct dec *d, const char *s, size_t len, unsigned max)
{
	unsigned depth = 0, line = 1, col = 0;
	bool in_str = false, esc = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		col++;
		if (c == '\n') {
			line++;
			col = 0;
		}
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				return fail(d, NULL, CP_CLOSE_POLICY,
					    "nesting deeper than %u levels at line %u, column %u",
					    max, line, col);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* Every array anywhere (ignored members too) within max_array. */
static int check_arrays(struct dec *d, const json_t *v)
{
	if (json_is_array(v)) {
		if (json_array_size(v) > d->lim->max_array)
			return fail(d, NULL, CP_CLOSE_POLICY, "array of %zu elements, over the limit of %u",
				    json_array_size(v), d->lim->max_array);
		for (size_t i = 0; i < json_array_size(v); i++) {
			size_t mark = push_idx(d, i);
			int r = check_arrays(d, json_array_get(v, i));

			pop(d, mark);
			if (r < 0)
				return -1;
		}
	} else if (json_is_object(v)) {
		const char *key;
		json_t *val;

		json_object_foreach((json_t *)v, key, val) {
			size_t mark = push_key(d, key);
			int r = check_arrays(d, val);

			pop(d, mark);
			if (r < 0)
				return -1;
		}
	}
	return 0;
}

static int load_error(struct dec *d, const json_error_t *je)
{
	int close = CP_CLOSE_INVALID;

	switch (json_error_code(je)) {
	case json_error_null_character:
	case json_error_null_byte_in_key:
	case json_error_duplicate_key:
	case json_error_numeric_overflow:
		close = CP_CLOSE_NONE; /* valid JSON we refuse: answer, don't close */
		break;
	case json_error_out_of_memory:
	case json_error_stack_overflow:
		close = CP_CLOSE_INTERNAL;
		break;
	default:
		break;
	}
	return fail(d, NULL, close, "%s at line %d, column %d", je->text, je->line, je->column);
}

/* The header fields, read silently for the error report. */
static void peek_header(struct dec *d, const json_t *root)
{
	const json_t *v = json_object_get(root, "sequence_num");
	long long x;

	if (v != NULL && (json_is_integer(v) || json_is_string(v))) {
		if (json_is_integer(v))
			x = json_integer_value(v);
		else if (text_int(json_string_value(v), &x) < 0)
			x = -1;
		if (x >= 0 && x <= UINT32_MAX)
			d->err->sequence_num = (uint32_t)x;
	}
	v = json_object_get(root, "message_type");
	if (json_is_string(v)) {
		copy_cut(d->err->message_type, sizeof(d->err->message_type), json_string_value(v));
		sanitize(d->err->message_type);
		d->err->type = cp_msg_type_from_name(json_string_value(v));
	}
}

static int decode_root(struct dec *d, const json_t *root, struct cp_msg *m)
{
	char tmp[32], q[QUOTE_LEN];
	const json_t *v;
	const char *s;
	size_t mark;
	int r;

	if (!json_is_object(root))
		return fail(d, NULL, CP_CLOSE_INVALID, "top level is %s, not an object", jtype(root));
	if (check_arrays(d, root) < 0)
		return -1;
	peek_header(d, root);

	if (enter(d, root, "message_type", true, &v, &mark) < 0)
		return -1;
	s = scalar_text(d, v, tmp);
	if (s != NULL && (m->type = cp_msg_type_from_name(s)) == CP_MSG_NONE)
		fail(d, NULL, 0, "unknown message_type %s", quote(q, s));
	pop(d, mark);
	if (m->type == CP_MSG_NONE)
		return -1;
	if (get_str(d, root, "version", true, m->version, CP_VERSION) < 0 ||
	    get_u32(d, root, "sequence_num", true, 0, UINT32_MAX, &m->sequence_num) < 0)
		return -1;

	if ((r = get_obj(d, root, "unique_session_id", cp_msg_has_session_id(m->type), &v,
			 &mark)) < 0)
		return -1;
	if (r > 0) {
		m->has_unique_session_id = true;
		r = get_u32(d, v, "ncm_id", true, 0, UINT32_MAX, &m->unique_session_id.ncm_id);
		if (r >= 0)
			r = get_u32(d, v, "session_id", true, 0, UINT32_MAX,
				    &m->unique_session_id.session_id);
		pop(d, mark);
		if (r < 0)
			return -1;
	}
	return dec_body(d, root, m);
}

int cp_msg_decode(const char *text, size_t len, const struct cp_limits *lim, struct cp_msg *out,
		  struct cp_msg_error *err)
{
	struct cp_msg_error dummy;
	struct cp_limits l;
	struct dec d;
	json_error_t je;
	json_t *root;
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	memset(out, 0, sizeof(*out));
	cp_limits_default(&l);
	if (lim != NULL) {
		if (lim->max_bytes != 0)
			l.max_bytes = lim->max_bytes;
		if (lim->max_depth != 0)
			l.max_depth = lim->max_depth;
		if (lim->max_array != 0)
			l.max_array = lim->max_array;
	}
	memset(&d, 0, sizeof(d));
	d.lim = &l;
	d.err = err;

	if (text == NULL && len > 0)
		return fail(&d, NULL, CP_CLOSE_INVALID, "no text");
	if (len > l.max_bytes)
		return fail(&d, NULL, CP_CLOSE_TOO_BIG, "message of %zu bytes, over the limit of %zu",
			    len, l.max_bytes);
	if (check_depth(&d, text != NULL ? text : "", len, l.max_depth) < 0)
		return -1;
	root = json_loadb(text != NULL ? text : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &je);
	if (root == NULL)
		return load_error(&d, &je);
	rc = decode_root(&d, root, out);
	json_decref(root);
	if (rc < 0)
		return -1;
	err->type = out->type;
	err->sequence_num = out->sequence_num;
	return 0;
}

void cp_msg_make_error(struct cp_msg *m, const struct cp_msg_error *err)
{
	memset(m, 0, sizeof(*m));
	m->type = CP_MSG_ERROR;
	memcpy(m->version, "1.0", 4);
	m->sequence_num = err->sequence_num;
	copy_cut(m->u.error.message_type, sizeof(m->u.error.message_type), err->message_type);
	copy_cut(m->u.error.field, sizeof(m->u.error.field), err->field);
	copy_cut(m->u.error.reason, sizeof(m->u.error.reason), err->reason);
	sanitize(m->u.error.message_type);
	sanitize(m->u.error.field);
	sanitize(m->u.error.reason);
}

/* ---- Encoder ------------------------------------------------------------------ */

struct enc {
	int err;       /* 0, ENOMEM or EINVAL: the first error */
	bool prec17;   /* a real needs 17 digits to read back exactly */
	enum cp_dialect dialect;
};

static json_t *bad(struct enc *e)
{
	if (e->err == 0)
		e->err = EINVAL;
	return NULL;
}

static json_t *nomem(struct enc *e)
{
	if (e->err == 0)
		e->err = ENOMEM;
	return NULL;
}

static json_t *chk(struct enc *e, json_t *v)
{
	return v != NULL ? v : nomem(e);
}

/* Sets o[k] = v (v NULL: an error was recorded, or no memory). */
static void put(struct enc *e, json_t *o, const char *k, json_t *v)
{
	if (v == NULL) {
		nomem(e);
		return;
	}
	if (json_object_set_new(o, k, v) < 0)
		nomem(e);
}

static void app(struct enc *e, json_t *a, json_t *v)
{
	if (v == NULL) {
		nomem(e);
		return;
	}
	if (json_array_append_new(a, v) < 0)
		nomem(e);
}

static json_t *e_obj(struct enc *e)
{
	return chk(e, json_object());
}

static json_t *e_arr(struct enc *e)
{
	return chk(e, json_array());
}

static json_t *e_int(struct enc *e, long long v, long long lo, long long hi)
{
	if (v < lo || v > hi)
		return bad(e);
	return chk(e, json_integer(v));
}

static json_t *e_real(struct enc *e, double v, double lo, double hi)
{
	char buf[40];

	if (!(v >= lo && v <= hi))
		return bad(e);
	if (v > -9e15 && v < 9e15 && v == (double)(long long)v)
		return chk(e, json_integer((long long)v));
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		e->prec17 = true;
	return chk(e, json_real(v));
}

static json_t *e_bool(struct enc *e, bool v)
{
	return chk(e, json_boolean(v));
}

/* A string member of a size-byte array: NUL-terminated inside, UTF-8. */
static json_t *e_str(struct enc *e, const char *s, size_t size)
{
	if (strnlen(s, size) >= size || !utf8_valid(s))
		return bad(e);
	return chk(e, json_string(s));
}

static json_t *e_addr(struct enc *e, const char *s, size_t size, bool fqdn)
{
	if (strnlen(s, size) >= size || !(fqdn ? host_ok(s) : addr_ok(s)))
		return bad(e);
	return chk(e, json_string(s));
}

/* A known value's spelling, or the raw string of an UNKNOWN one. */
static json_t *e_enum(struct enc *e, const struct enum_desc *desc, int v, const char *raw)
{
	if (v >= 0 && v < desc->count && desc->names[v] != NULL)
		return chk(e, json_string(desc->names[v]));
	if (v == 0 && desc->unknown_ok && raw != NULL && strnlen(raw, CP_NAME) < CP_NAME &&
	    raw[0] != '\0' && utf8_valid(raw))
		return chk(e, json_string(raw));
	return bad(e);
}

static void put_conn(struct enc *e, json_t *o, uint8_t id, enum cp_conn_type t, const char *raw)
{
	put(e, o, "connection_id", e_int(e, id, 0, 255));
	put(e, o, "connection_type", e_enum(e, &conn_type_desc, (int)t, raw));
}

static bool count_ok(struct enc *e, unsigned n, unsigned max)
{
	if (n > max) {
		bad(e);
		return false;
	}
	return true;
}

static json_t *e_features(struct enc *e, unsigned n, const struct cp_feature_info *f)
{
	json_t *a = e_arr(e);

	if (!count_ok(e, n, CP_MAX_FEATURES))
		return a;
	for (unsigned i = 0; i < n; i++) {
		json_t *o = e_obj(e);

		put(e, o, "feature_name", e_enum(e, &feature_desc, (int)f[i].feature_name,
						 f[i].feature_name_raw));
		put(e, o, "active", e_bool(e, f[i].active));
		app(e, a, o);
	}
	return a;
}

static json_t *e_conns(struct enc *e, unsigned n, const struct cp_conn_info *c)
{
	json_t *a = e_arr(e);

	if (!count_ok(e, n, CP_MAX_CONNS))
		return a;
	for (unsigned i = 0; i < n; i++) {
		json_t *o = e_obj(e);

		put_conn(e, o, c[i].connection_id, c[i].connection_type, c[i].connection_type_raw);
		app(e, a, o);
	}
	return a;
}

static json_t *e_ids(struct enc *e, unsigned n, const uint8_t *ids)
{
	json_t *a = e_arr(e);

	if (!count_ok(e, n, CP_MAX_CONNS))
		return a;
	for (unsigned i = 0; i < n; i++) {
		json_t *o = e_obj(e);

		put(e, o, "connection_id", e_int(e, ids[i], 0, 255));
		app(e, a, o);
	}
	return a;
}

static json_t *e_prefix(struct enc *e, uint32_t addr, uint8_t plen)
{
	char buf[24];

	if (plen > 32)
		return bad(e);
	snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", addr >> 24, (addr >> 16) & 0xFFu,
		 (addr >> 8) & 0xFFu, addr & 0xFFu, plen);
	return chk(e, json_string(buf));
}

static json_t *e_port_range(struct enc *e, const struct cp_port_range *r)
{
	json_t *o = e_obj(e);

	if (r->start > r->end)
		bad(e);
	put(e, o, "start", e_int(e, r->start, 0, 65535));
	put(e, o, "end", e_int(e, r->end, 0, 65535));
	return o;
}

static json_t *e_tft(struct enc *e, const struct cp_tft *t)
{
	json_t *o = e_obj(e);

	put(e, o, "remote_addr_mask", e_prefix(e, t->remote_addr, t->remote_prefix_len));
	put(e, o, "local_addr_mask", e_prefix(e, t->local_addr, t->local_prefix_len));
	put(e, o, "protocol_type", e_int(e, t->protocol_type, 0, 255));
	put(e, o, "local_port_range", e_port_range(e, &t->local_port_range));
	put(e, o, "remote_port_range", e_port_range(e, &t->remote_port_range));
	put(e, o, "traffic_class", e_int(e, t->traffic_class, 0, 255));
	put(e, o, "flow_label", e_int(e, t->flow_label, 0, 0xFFFFF));
	return o;
}

static json_t *e_tfts(struct enc *e, unsigned n, const struct cp_tft *t)
{
	json_t *a = e_arr(e);

	if (!count_ok(e, n, CP_MAX_TFTS))
		return a;
	for (unsigned i = 0; i < n; i++)
		app(e, a, e_tft(e, &t[i]));
	return a;
}

static void enc_discover(struct enc *e, json_t *o, const struct cp_discover *b)
{
	if (b->has_MCC_MNC_Tuple)
		put(e, o, "MCC_MNC_Tuple", e_str(e, b->MCC_MNC_Tuple, CP_STR));
}

static void enc_system_info(struct enc *e, json_t *o, const struct cp_system_info *b)
{
	json_t *a = e_arr(e);

	put(e, o, "ncm_connections", a);
	if (!count_ok(e, b->n_ncm_connections, CP_MAX_CONNS))
		return;
	for (unsigned i = 0; i < b->n_ncm_connections; i++) {
		const struct cp_ncm_connection *c = &b->ncm_connections[i];
		json_t *x = e_obj(e), *ep = e_obj(e);

		put_conn(e, x, c->connection_id, c->connection_type, c->connection_type_raw);
		put(e, ep, "ip_address", e_addr(e, c->ncm_end_point.ip_address, CP_HOST, true));
		put(e, ep, "port", e_int(e, c->ncm_end_point.port, PORT_MIN, PORT_MAX));
		put(e, x, "ncm_end_point", ep);
		app(e, a, x);
	}
}

static void enc_capability(struct enc *e, json_t *o, const struct cp_capability *b)
{
	json_t *a;

	put(e, o, "feature_active", e_features(e, b->n_feature_active, b->feature_active));
	put(e, o, "num_anchor_connections", e_int(e, b->n_anchor_connections, 0, CP_MAX_CONNS));
	put(e, o, "anchor_connections", e_conns(e, b->n_anchor_connections, b->anchor_connections));
	put(e, o, "num_delivery_connections", e_int(e, b->n_delivery_connections, 0, CP_MAX_CONNS));
	put(e, o, "delivery_connections",
	    e_conns(e, b->n_delivery_connections, b->delivery_connections));
	a = e_arr(e);
	put(e, o, "convergence_methods", a);
	if (count_ok(e, b->n_convergence_methods, CP_MAX_METHODS)) {
		for (unsigned i = 0; i < b->n_convergence_methods; i++) {
			const struct cp_conv_support *m = &b->convergence_methods[i];
			json_t *x = e_obj(e);

			put(e, x, "method", e_enum(e, e->dialect == CP_DIALECT_JSON00 ?
						   &conv_desc_json00 : &conv_desc,
						   (int)m->method, m->method_raw));
			put(e, x, "supported", e_bool(e, m->supported));
			app(e, a, x);
		}
	}
	a = e_arr(e);
	put(e, o, "adaptation_methods", a);
	if (count_ok(e, b->n_adaptation_methods, CP_MAX_METHODS)) {
		for (unsigned i = 0; i < b->n_adaptation_methods; i++) {
			const struct cp_adapt_support *m = &b->adaptation_methods[i];
			json_t *x = e_obj(e);

			put(e, x, "method", e_enum(e, e->dialect == CP_DIALECT_JSON00 ?
						   &adapt_desc_json00 : &adapt_desc,
						   (int)m->method, m->method_raw));
			put(e, x, "supported", e_bool(e, m->supported));
			app(e, a, x);
		}
	}
}

static json_t *e_setup_delivery(struct enc *e, const struct cp_setup_delivery_conn *c)
{
	json_t *o = e_obj(e);

	put_conn(e, o, c->connection_id, c->connection_type, c->connection_type_raw);
	if (c->has_adaptation_method)
		put(e, o, "adaptation_method",
		    e_enum(e, e->dialect == CP_DIALECT_JSON00 ? &adapt_desc_json00 : &adapt_desc,
			   (int)c->adaptation_method, c->adaptation_method_raw));
	if (c->has_adaptation_method_param) {
		const struct cp_adaptation_method_param *p = &c->adaptation_method_param;
		json_t *x = e_obj(e);

		put(e, x, "tunnel_ip_addr", e_addr(e, p->tunnel_ip_addr, CP_ADDR, false));
		put(e, x, "tunnel_end_port", e_int(e, p->tunnel_end_port, PORT_MIN, PORT_MAX));
		if (p->has_shared_secret)
			put(e, x, "shared_secret", e_str(e, p->shared_secret, CP_SECRET));
		put(e, x, "mx_header_optimization", e_bool(e, p->mx_header_optimization));
		put(e, o, "adaptation_method_param", x);
	}
	return o;
}

/* The members of one convergence configuration, into o. */
static void enc_conv_config(struct enc *e, json_t *o, const struct cp_convergence_config *c)
{
	json_t *a;

	if (c->has_mx_configuration_id)
		put(e, o, "mx_configuration_id", e_int(e, c->mx_configuration_id, 0, 255));
	if (c->has_convergence_method)
		put(e, o, "convergence_method",
		    e_enum(e, e->dialect == CP_DIALECT_JSON00 ? &conv_desc_json00 : &conv_desc,
			   (int)c->convergence_method, c->convergence_method_raw));
	if (c->has_convergence_method_params) {
		const struct cp_convergence_method_params *p = &c->convergence_method_params;
		json_t *x = e_obj(e);

		if (p->has_proxy_ip)
			put(e, x, "proxy_ip", e_addr(e, p->proxy_ip, CP_ADDR, false));
		if (p->has_proxy_port)
			put(e, x, "proxy_port", e_int(e, p->proxy_port, PORT_MIN, PORT_MAX));
		if (p->has_client_key)
			put(e, x, "client_key", e_str(e, p->client_key, CP_SECRET));
		put(e, o, "convergence_method_params", x);
	}
	put(e, o, "num_delivery_connections", e_int(e, c->n_delivery_connections, 0, CP_MAX_CONNS));
	a = e_arr(e);
	put(e, o, "delivery_connections", a);
	if (count_ok(e, c->n_delivery_connections, CP_MAX_CONNS))
		for (unsigned i = 0; i < c->n_delivery_connections; i++)
			app(e, a, e_setup_delivery(e, &c->delivery_connections[i]));
}

static json_t *e_setup_anchor(struct enc *e, const struct cp_setup_anchor_conn *c)
{
	json_t *o = e_obj(e);
	bool flat = c->flat || (e->dialect == CP_DIALECT_JSON00 && c->n_convergence_config == 1);

	put_conn(e, o, c->connection_id, c->connection_type, c->connection_type_raw);
	if (c->has_num_active_mx_conf)
		put(e, o, "num_active_mx_conf", e_int(e, c->num_active_mx_conf, 0, UINT32_MAX));
	if (c->has_udp_port)
		put(e, o, "udp_port", e_int(e, c->udp_port, PORT_MIN, PORT_MAX));
	if (c->has_vnic_info) {
		const struct cp_vnic_info *v = &c->vnic_info;
		json_t *x = e_obj(e);

		put(e, x, "ip", e_addr(e, v->ip, CP_ADDR, false));
		put(e, x, "gateway", e_addr(e, v->gateway, CP_ADDR, false));
		put(e, x, "mask", e_addr(e, v->mask, CP_ADDR, false));
		put(e, x, "dns", e_addr(e, v->dns, CP_ADDR, false));
		put(e, x, "vnic_port", e_int(e, v->vnic_port, PORT_MIN, PORT_MAX));
		put(e, o, "vnic_info", x);
	}
	if (flat) {
		if (c->n_convergence_config != 1) {
			bad(e);
			return o;
		}
		enc_conv_config(e, o, &c->convergence_config[0]);
		return o;
	}
	json_t *a = e_arr(e);

	put(e, o, "convergence_config", a);
	if (count_ok(e, c->n_convergence_config, CP_MAX_MX_CONF)) {
		for (unsigned i = 0; i < c->n_convergence_config; i++) {
			json_t *x = e_obj(e);

			enc_conv_config(e, x, &c->convergence_config[i]);
			app(e, a, x);
		}
	}
	return o;
}

static void enc_up_setup_conf_req(struct enc *e, json_t *o, const struct cp_up_setup_conf_req *b)
{
	json_t *a = e_arr(e);

	put(e, o, "num_anchor_connections", e_int(e, b->n_anchor_connections, 0, CP_MAX_ANCHORS));
	put(e, o, "anchor_connections", a);
	if (count_ok(e, b->n_anchor_connections, CP_MAX_ANCHORS))
		for (unsigned i = 0; i < b->n_anchor_connections; i++)
			app(e, a, e_setup_anchor(e, &b->anchor_connections[i]));
}

static void enc_up_setup_cnf(struct enc *e, json_t *o, const struct cp_up_setup_cnf *b)
{
	json_t *a;

	if (b->has_probe_param) {
		const struct cp_probe_param *p = &b->probe_param;
		json_t *x = e_obj(e);

		put(e, x, "probe_port", e_int(e, p->probe_port, PORT_MIN, PORT_MAX));
		if (p->has_anchor_conn_id)
			put(e, x, "anchor_conn_id", e_int(e, p->anchor_conn_id, 0, 255));
		if (p->has_mx_configuration_id)
			put(e, x, "mx_configuration_id", e_int(e, p->mx_configuration_id, 0, 255));
		put(e, o, "probe_param", x);
	}
	put(e, o, "num_delivery_conn", e_int(e, b->n_client_params, 0, CP_MAX_CONNS));
	a = e_arr(e);
	put(e, o, "client_params", a);
	if (!count_ok(e, b->n_client_params, CP_MAX_CONNS))
		return;
	for (unsigned i = 0; i < b->n_client_params; i++) {
		const struct cp_client_param *c = &b->client_params[i];
		json_t *x = e_obj(e);

		put(e, x, "connection_id", e_int(e, c->connection_id, 0, 255));
		if (c->has_adapt_param) {
			json_t *y = e_obj(e);

			put(e, y, "udp_adapt_port",
			    e_int(e, c->adapt_param.udp_adapt_port, PORT_MIN, PORT_MAX));
			put(e, x, "adapt_param", y);
		}
		app(e, a, x);
	}
}

static void enc_reconf_req(struct enc *e, json_t *o, const struct cp_reconf_req *b)
{
	put(e, o, "reconf_action", e_enum(e, &reconf_desc, (int)b->reconf_action, NULL));
	put(e, o, "connection_id", e_int(e, b->connection_id, 0, 255));
	if (b->has_ip_address)
		put(e, o, "ip_address", e_addr(e, b->ip_address, CP_ADDR, false));
	if (b->has_ssid)
		put(e, o, "ssid", e_str(e, b->ssid, CP_STR));
	if (b->has_mtu_size)
		put(e, o, "mtu_size", e_int(e, b->mtu_size, MTU_MIN, MTU_MAX));
	if (b->has_connection_status)
		put(e, o, "connection_status",
		    e_enum(e, &conn_status_desc, (int)b->connection_status, NULL));
	if (b->has_delivery_node_id)
		put(e, o, "delivery_node_id", e_str(e, b->delivery_node_id, CP_STR));
}

static json_t *e_yes_no(struct enc *e, enum cp_yes_no v)
{
	if (v != CP_YES && v != CP_NO)
		return bad(e);
	return chk(e, json_string(v == CP_YES ? "yes" : "no"));
}

static void enc_path_est_req(struct enc *e, json_t *o, const struct cp_path_est_req *b)
{
	put(e, o, "connection_id", e_int(e, b->connection_id, 0, 255));
	put(e, o, "init_probe_test_duration_ms", e_int(e, b->init_probe_test_duration_ms, 100, 10000));
	put(e, o, "init_probe_test_rate_Mbps", e_int(e, b->init_probe_test_rate_Mbps, 1, 100));
	put(e, o, "init_probe_size_bytes", e_int(e, b->init_probe_size_bytes, 100, 1500));
	put(e, o, "init_probe_ack_req", e_yes_no(e, b->init_probe_ack_req));
	put(e, o, "active_probe_freq_ms", e_int(e, b->active_probe_freq_ms, 100, 10000));
	put(e, o, "active_probe_size_bytes", e_int(e, b->active_probe_size_bytes, 100, 1500));
	put(e, o, "active_probe_duration_sec", e_int(e, b->active_probe_duration_sec, 10, 100));
	put(e, o, "active_probe_ack_req", e_yes_no(e, b->active_probe_ack_req));
}

static void enc_path_est_results(struct enc *e, json_t *o, const struct cp_path_est_results *b)
{
	put(e, o, "connection_id", e_int(e, b->connection_id, 0, 255));
	if (b->has_init_probe_results) {
		json_t *x = e_obj(e);

		put(e, x, "lost_probes_percentage",
		    e_int(e, b->init_probe_results.lost_probes_percentage, 0, 100));
		put(e, x, "probe_rate_Mbps", e_real(e, b->init_probe_results.probe_rate_Mbps, 0,
						    MBPS_MAX));
		put(e, o, "init_probe_results", x);
	}
	if (b->has_active_probe_results) {
		json_t *x = e_obj(e);

		put(e, x, "avg_tput_last_probe_duration_Mbps",
		    e_real(e, b->active_probe_results.avg_tput_last_probe_duration_Mbps, 0,
			   MBPS_MAX));
		put(e, o, "active_probe_results", x);
	}
}

static const char *feature_key(const struct enc *e)
{
	return e->dialect == CP_DIALECT_JSON00 ? "feature_activation" : "feature_active";
}

static void enc_traffic_steering_req(struct enc *e, json_t *o,
				     const struct cp_traffic_steering_req *b)
{
	json_t *a;

	put(e, o, "connection_id", e_int(e, b->connection_id, 0, 255));
	if (b->has_mx_configuration_id)
		put(e, o, "mx_configuration_id", e_int(e, b->mx_configuration_id, 0, 255));
	put(e, o, "downlink_delivery", e_ids(e, b->n_downlink_delivery, b->downlink_delivery));
	if (b->has_default_uplink_delivery)
		put(e, o, "default_uplink_delivery", e_int(e, b->default_uplink_delivery, 0, 255));
	a = e_arr(e);
	put(e, o, "uplink_delivery", a);
	if (count_ok(e, b->n_uplink_delivery, CP_MAX_TFTS)) {
		for (unsigned i = 0; i < b->n_uplink_delivery; i++) {
			const struct cp_ul_delivery *u = &b->uplink_delivery[i];
			json_t *x = e_obj(e);

			put(e, x, "ul_tft", e_tft(e, &u->ul_tft));
			put(e, x, "conn_list", e_ids(e, u->n_conn_list, u->conn_list));
			app(e, a, x);
		}
	}
	put(e, o, feature_key(e), e_features(e, b->n_feature_active, b->feature_active));
}

static void enc_app_madp_assoc_req(struct enc *e, json_t *o, const struct cp_app_madp_assoc_req *b)
{
	json_t *a = e_arr(e);

	put(e, o, "app_madp_assoc_list", a);
	if (!count_ok(e, b->n_app_madp_assoc_list, CP_MAX_APPS))
		return;
	for (unsigned i = 0; i < b->n_app_madp_assoc_list; i++) {
		const struct cp_app_madp_assoc *m = &b->app_madp_assoc_list[i];
		json_t *x = e_obj(e);

		put(e, x, "connection_id", e_int(e, m->connection_id, 0, 255));
		if (m->has_mx_configuration_id)
			put(e, x, "mx_configuration_id", e_int(e, m->mx_configuration_id, 0, 255));
		if (m->n_ul_tft_list > 0)
			put(e, x, "ul_tft_list", e_tfts(e, m->n_ul_tft_list, m->ul_tft_list));
		if (m->n_dl_tft_list > 0)
			put(e, x, "dl_tft_list", e_tfts(e, m->n_dl_tft_list, m->dl_tft_list));
		app(e, a, x);
	}
}

static void enc_ssid_indication(struct enc *e, json_t *o, const struct cp_ssid_indication *b)
{
	json_t *a = e_arr(e);

	put(e, o, "ssid_list", a);
	if (!count_ok(e, b->n_ssid_list, CP_MAX_SSIDS))
		return;
	for (unsigned i = 0; i < b->n_ssid_list; i++) {
		const struct cp_ssid *s = &b->ssid_list[i];
		json_t *x = e_obj(e);

		put(e, x, "ssid_type", e_enum(e, &ssid_type_desc, (int)s->ssid_type,
					      s->ssid_type_raw));
		put(e, x, "ssid_id", e_str(e, s->ssid_id, CP_STR));
		app(e, a, x);
	}
}

static void enc_measurement_conf(struct enc *e, json_t *o, const struct cp_measurement_conf *b)
{
	json_t *a = e_arr(e);

	put(e, o, "measurement_configuration", a);
	if (!count_ok(e, b->n_measurement_configuration, CP_MAX_CONNS))
		return;
	for (unsigned i = 0; i < b->n_measurement_configuration; i++) {
		const struct cp_meas_conf *c = &b->measurement_configuration[i];
		json_t *x = e_obj(e), *l = e_arr(e);

		put_conn(e, x, c->connection_id, c->connection_type, c->connection_type_raw);
		put(e, x, "meas_rep_conf", l);
		if (count_ok(e, c->n_meas_rep_conf, CP_MAX_MEAS)) {
			for (unsigned j = 0; j < c->n_meas_rep_conf; j++) {
				const struct cp_meas_rep_conf *r = &c->meas_rep_conf[j];
				json_t *y = e_obj(e);

				put(e, y, "meas_rep_param", e_enum(e, &meas_desc, (int)r->meas_rep_param,
								   r->meas_rep_param_raw));
				if (r->has_meas_threshold) {
					json_t *t = e_obj(e);

					put(e, t, "high", e_real(e, r->meas_threshold.high,
								 -REAL_MAX, REAL_MAX));
					put(e, t, "low", e_real(e, r->meas_threshold.low,
								-REAL_MAX, REAL_MAX));
					put(e, y, "meas_threshold", t);
				}
				if (r->has_meas_period_ms)
					put(e, y, "meas_period_ms",
					    e_int(e, r->meas_period_ms, 0, UINT32_MAX));
				app(e, l, y);
			}
		}
		app(e, a, x);
	}
}

static void enc_measurement_report(struct enc *e, json_t *o,
				   const struct cp_measurement_report *b)
{
	json_t *a = e_arr(e);

	put(e, o, e->dialect == CP_DIALECT_JSON00 ? "measurment_reports" : "measurement_reports", a);
	if (!count_ok(e, b->n_measurement_reports, CP_MAX_CONNS))
		return;
	for (unsigned i = 0; i < b->n_measurement_reports; i++) {
		const struct cp_meas_report *r = &b->measurement_reports[i];
		json_t *x = e_obj(e), *l = e_arr(e);

		put_conn(e, x, r->connection_id, r->connection_type, r->connection_type_raw);
		if (r->has_delivery_node_id)
			put(e, x, "delivery_node_id", e_str(e, r->delivery_node_id, CP_STR));
		put(e, x, "measurements", l);
		if (count_ok(e, r->n_measurements, CP_MAX_MEAS)) {
			for (unsigned j = 0; j < r->n_measurements; j++) {
				const struct cp_measurement *m = &r->measurements[j];
				json_t *y = e_obj(e);

				put(e, y, "measurement_type", e_enum(e, &meas_desc,
								     (int)m->measurement_type,
								     m->measurement_type_raw));
				put(e, y, "measurement_value",
				    e_real(e, m->measurement_value, -REAL_MAX, REAL_MAX));
				app(e, l, y);
			}
		}
		app(e, a, x);
	}
}

static void enc_keep_alive_req(struct enc *e, json_t *o, const struct cp_keep_alive_req *b)
{
	if (b->keep_alive_reason == CP_KEEP_ALIVE_HANDOVER &&
	    (!b->has_connection_id || !b->has_delivery_node_id))
		bad(e);
	put(e, o, "keep_alive_reason", e_enum(e, &keep_alive_desc, (int)b->keep_alive_reason, NULL));
	if (b->has_connection_id)
		put(e, o, "connection_id", e_int(e, b->connection_id, 0, 255));
	if (b->has_delivery_node_id)
		put(e, o, "delivery_node_id", e_str(e, b->delivery_node_id, CP_STR));
}

static void enc_network_analytics_req(struct enc *e, json_t *o,
				      const struct cp_network_analytics_req *b)
{
	json_t *a = e_arr(e);

	put(e, o, "params", a);
	if (!count_ok(e, b->n_params, CP_MAX_PARAMS))
		return;
	for (unsigned i = 0; i < b->n_params; i++)
		app(e, a, e_enum(e, &analytics_desc, (int)b->params[i], b->params_raw[i]));
}

static void enc_network_analytics_rsp(struct enc *e, json_t *o,
				      const struct cp_network_analytics_rsp *b)
{
	json_t *a = e_arr(e);

	put(e, o, "param_list", a);
	if (!count_ok(e, b->n_param_list, CP_MAX_CONNS))
		return;
	for (unsigned i = 0; i < b->n_param_list; i++) {
		const struct cp_param_list *p = &b->param_list[i];
		json_t *x = e_obj(e), *l = e_arr(e);

		put_conn(e, x, p->connection_id, p->connection_type, p->connection_type_raw);
		put(e, x, "predictions", l);
		if (count_ok(e, p->n_predictions, CP_MAX_PARAMS)) {
			for (unsigned j = 0; j < p->n_predictions; j++) {
				const struct cp_prediction *r = &p->predictions[j];
				json_t *y = e_obj(e);

				put(e, y, "param_name", e_enum(e, &analytics_desc, (int)r->param_name,
							       r->param_name_raw));
				if (r->has_additional_param)
					put(e, y, "additional_param",
					    e_enum(e, &meas_desc, (int)r->additional_param,
						   r->additional_param_raw));
				put(e, y, "prediction", e_real(e, r->prediction, -REAL_MAX, REAL_MAX));
				put(e, y, "likelihood", e_int(e, r->likelihood, 0, 100));
				put(e, y, "validity_time", e_int(e, r->validity_time, 0, UINT32_MAX));
				app(e, l, y);
			}
		}
		app(e, a, x);
	}
}

static void enc_error(struct enc *e, json_t *o, const struct cp_error *b)
{
	json_t *x = e_obj(e);

	put(e, x, "message_type", e_str(e, b->message_type, sizeof(b->message_type)));
	put(e, x, "field", e_str(e, b->field, sizeof(b->field)));
	put(e, x, "reason", e_str(e, b->reason, sizeof(b->reason)));
	put(e, o, "error", x);
}

static void enc_body(struct enc *e, json_t *o, const struct cp_msg *m)
{
	switch (m->type) {
	case CP_MSG_DISCOVER:
		enc_discover(e, o, &m->u.discover);
		break;
	case CP_MSG_SYSTEM_INFO:
		enc_system_info(e, o, &m->u.system_info);
		break;
	case CP_MSG_CAPABILITY_REQ:
		enc_capability(e, o, &m->u.capability_req);
		break;
	case CP_MSG_CAPABILITY_RSP:
		enc_capability(e, o, &m->u.capability_rsp);
		break;
	case CP_MSG_CAPABILITY_ACK:
		put(e, o, "capability_ack",
		    e_enum(e, &cap_ack_desc, (int)m->u.capability_ack.capability_ack, NULL));
		break;
	case CP_MSG_UP_SETUP_CONF_REQ:
		enc_up_setup_conf_req(e, o, &m->u.up_setup_conf_req);
		break;
	case CP_MSG_UP_SETUP_CNF:
		enc_up_setup_cnf(e, o, &m->u.up_setup_cnf);
		break;
	case CP_MSG_RECONF_REQ:
		enc_reconf_req(e, o, &m->u.reconf_req);
		break;
	case CP_MSG_PATH_EST_REQ:
		enc_path_est_req(e, o, &m->u.path_est_req);
		break;
	case CP_MSG_PATH_EST_RESULTS:
		enc_path_est_results(e, o, &m->u.path_est_results);
		break;
	case CP_MSG_TRAFFIC_STEERING_REQ:
		enc_traffic_steering_req(e, o, &m->u.traffic_steering_req);
		break;
	case CP_MSG_TRAFFIC_STEERING_RSP:
		put(e, o, feature_key(e), e_features(e, m->u.traffic_steering_rsp.n_feature_active,
						     m->u.traffic_steering_rsp.feature_active));
		break;
	case CP_MSG_APP_MADP_ASSOC_REQ:
		enc_app_madp_assoc_req(e, o, &m->u.app_madp_assoc_req);
		break;
	case CP_MSG_APP_MADP_ASSOC_RSP:
		put(e, o, "is_success", e_bool(e, m->u.app_madp_assoc_rsp.is_success));
		break;
	case CP_MSG_SSID_INDICATION:
		enc_ssid_indication(e, o, &m->u.ssid_indication);
		break;
	case CP_MSG_MEASUREMENT_CONF:
		enc_measurement_conf(e, o, &m->u.measurement_conf);
		break;
	case CP_MSG_MEASUREMENT_REPORT:
		enc_measurement_report(e, o, &m->u.measurement_report);
		break;
	case CP_MSG_KEEP_ALIVE_REQ:
		enc_keep_alive_req(e, o, &m->u.keep_alive_req);
		break;
	case CP_MSG_SESSION_TERMINATION_REQ:
		put(e, o, "reason", e_enum(e, &term_desc, (int)m->u.session_termination_req.reason,
					   m->u.session_termination_req.reason_raw));
		break;
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		enc_network_analytics_req(e, o, &m->u.network_analytics_req);
		break;
	case CP_MSG_NETWORK_ANALYTICS_RSP:
		enc_network_analytics_rsp(e, o, &m->u.network_analytics_rsp);
		break;
	case CP_MSG_ERROR:
		enc_error(e, o, &m->u.error);
		break;
	case CP_MSG_RECONF_RSP:
	case CP_MSG_KEEP_ALIVE_RSP:
	case CP_MSG_SESSION_TERMINATION_RSP:
		break;
	default:
		bad(e);
		break;
	}
}

char *cp_msg_encode(const struct cp_msg *m, enum cp_dialect d)
{
	struct enc e = { 0, false, d };
	json_t *o;
	char *text = NULL;

	if (m == NULL || m->type <= CP_MSG_NONE || m->type >= CP_MSG_COUNT ||
	    (d != CP_DIALECT_RFC8743 && d != CP_DIALECT_JSON00)) {
		errno = EINVAL;
		return NULL;
	}
	o = e_obj(&e);
	put(&e, o, "version", m->version[0] != '\0' ? e_str(&e, m->version, CP_VERSION)
						    : chk(&e, json_string("1.0")));
	put(&e, o, "message_type", chk(&e, json_string(cp_msg_type_name_dialect(m->type, d))));
	put(&e, o, "sequence_num", chk(&e, json_integer(m->sequence_num)));
	/* Required for the types that carry it; written for any other type
	 * that has it set (a CCM resuming its session in mx_capability_req). */
	if (cp_msg_has_session_id(m->type) || m->has_unique_session_id) {
		json_t *u = e_obj(&e);

		if (!m->has_unique_session_id)
			bad(&e);
		put(&e, u, "ncm_id", chk(&e, json_integer(m->unique_session_id.ncm_id)));
		put(&e, u, "session_id", chk(&e, json_integer(m->unique_session_id.session_id)));
		put(&e, o, "unique_session_id", u);
	}
	enc_body(&e, o, m);
	if (e.err == 0) {
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
				     JSON_REAL_PRECISION(e.prec17 ? 17 : 15));
		if (text == NULL)
			e.err = ENOMEM;
	}
	json_decref(o);
	if (text == NULL)
		errno = e.err;
	return text;
}
