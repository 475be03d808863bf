/* SPDX-License-Identifier: BSD-3-Clause */
/* mams-client's flags and configuration file (mc_opts.h). */
#include "mc_opts.h"

#include "cli_name.h"
#include "cli_num.h"
#include "mc_esp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The many messages below read better short. */
#define fail cli_fail

void mc_opts_default(struct mc_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->tun, sizeof(o->tun), "mams0");
	snprintf(o->path, sizeof(o->path), "/");
	o->method = GMA_METHOD_TRAILER;
	o->mx_dialect = MX_DIALECT_RFC8743; /* the NCM's default (ncm.session.mx_dialect) */
	o->mx_port = 9999;                  /* the gateway's default mx_control.port */
	o->subprotocol = true;
	o->timeout_ms = 3000;
	o->retries = 3;
	o->keep_alive_ms = 60000;
	o->reorder_timeout_ms = 100;
	o->reorder_window = 1024;
	o->ipsec_suite = ESP_SUITE_AES128_GCM;
	o->ipsec_esn = true;
	o->ipsec_replay_window = 1024;
	o->ipsec_rekey_grace_ms = 5000;
}

const char *mc_method_name(enum gma_method m)
{
	switch (m) {
	case GMA_METHOD_TRAILER:
		return "trailer";
	case GMA_METHOD_HEADER_IP:
		return "header";
	case GMA_METHOD_NONIP:
		return "nonip";
	}
	return "?";
}


static int set_u32(const char *flag, const char *v, uint32_t lo, uint32_t hi, uint32_t *out,
		   char *err, size_t errlen)
{
	uint64_t x;

	if (!cli_parse_u64(v, lo, hi, &x))
		return fail(err, errlen, "--%s %s: expected an integer in %u..%u", flag, v, lo, hi);
	*out = (uint32_t)x;
	return 0;
}

/* ws://host[:port][/path], wss://..., host an IPv4 address, a name or [IPv6]. */
static int set_ncm(struct mc_opts *o, const char *v, char *err, size_t errlen)
{
	const char *p, *host, *host_end, *port = NULL, *path;
	size_t hl;

	if (strncmp(v, "ws://", 5) == 0) {
		o->wss = false;
		p = v + 5;
	} else if (strncmp(v, "wss://", 6) == 0) {
		o->wss = true;
		p = v + 6;
	} else {
		return fail(err, errlen, "--ncm %s: expected ws://HOST:PORT/ or wss://HOST:PORT/", v);
	}
	path = strchr(p, '/');
	if (path == NULL)
		path = p + strlen(p);
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(path - host));
		if (host_end == NULL)
			return fail(err, errlen, "--ncm %s: unterminated [IPv6 address]", v);
		if (host_end[1] == ':')
			port = host_end + 2;
		else if (host_end + 1 != path)
			return fail(err, errlen, "--ncm %s: unexpected text after ]", v);
	} else {
		host = p;
		host_end = memchr(p, ':', (size_t)(path - p));
		if (host_end == NULL)
			host_end = path;
		else
			port = host_end + 1;
	}
	hl = (size_t)(host_end - host);
	if (hl == 0 || hl >= sizeof(o->host))
		return fail(err, errlen, "--ncm %s: missing or too long host", v);
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)host[i]) && strchr(".-_:", host[i]) == NULL)
			return fail(err, errlen, "--ncm %s: bad character '%c' in the host", v,
				    host[i]);
	memcpy(o->host, host, hl);
	o->host[hl] = '\0';
	if (port != NULL) {
		char buf[8];
		size_t pl = (size_t)(path - port);
		uint64_t x;

		if (pl == 0 || pl >= sizeof(buf))
			return fail(err, errlen, "--ncm %s: bad port", v);
		memcpy(buf, port, pl);
		buf[pl] = '\0';
		if (!cli_parse_u64(buf, 1, 65535, &x))
			return fail(err, errlen, "--ncm %s: port \"%s\" is not in 1..65535", v, buf);
		o->port = (uint16_t)x;
	} else {
		o->port = o->wss ? 443 : 80;
	}
	if (*path == '\0')
		path = "/";
	if (strlen(path) >= sizeof(o->path))
		return fail(err, errlen, "--ncm %s: path longer than %zu bytes", v,
			    sizeof(o->path) - 1);
	for (const char *c = path; *c; c++)
		if (*c <= ' ' || *c > '~')
			return fail(err, errlen, "--ncm %s: the path must be visible ASCII", v);
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->has_ncm = true;
	return 0;
}

static bool conn_type_of(const char *name, enum cp_conn_type *t)
{
	static const struct {
		const char *n;
		enum cp_conn_type t;
	} names[] = {
		{ "wifi", CP_CONN_WIFI }, { "wi-fi", CP_CONN_WIFI }, { "wlan", CP_CONN_WIFI },
		{ "lte", CP_CONN_LTE },   { "5g", CP_CONN_5G_NR },  { "nr", CP_CONN_5G_NR },
		{ "5g_nr", CP_CONN_5G_NR },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].n) == 0) {
			*t = names[i].t;
			return true;
		}
	return false;
}

/* NAME=IFNAME[:CONN_ID] */
static int set_iface(struct mc_opts *o, const char *v, char *err, size_t errlen)
{
	struct mc_iface_opt io;
	const char *eq = strchr(v, '='), *colon;
	size_t nl, il;

	memset(&io, 0, sizeof(io));
	if (o->n_ifaces >= MC_MAX_IFACES)
		return fail(err, errlen, "--iface %s: at most %u interfaces", v, MC_MAX_IFACES);
	if (eq == NULL)
		return fail(err, errlen, "--iface %s: expected NAME=IFNAME[:CONN_ID], "
			    "NAME one of wifi, lte, 5g", v);
	nl = (size_t)(eq - v);
	if (nl == 0 || nl >= sizeof(io.name))
		return fail(err, errlen, "--iface %s: missing or too long NAME", v);
	memcpy(io.name, v, nl);
	for (size_t i = 0; i < nl; i++)
		io.name[i] = (char)tolower((unsigned char)io.name[i]);
	if (!conn_type_of(io.name, &io.type))
		return fail(err, errlen, "--iface %s: unknown NAME \"%s\" (expected wifi, lte or 5g)",
			    v, io.name);
	colon = strchr(eq + 1, ':');
	il = colon != NULL ? (size_t)(colon - eq - 1) : strlen(eq + 1);
	if (il == 0 || il >= sizeof(io.ifname))
		return fail(err, errlen, "--iface %s: interface name must be 1..%zu characters", v,
			    sizeof(io.ifname) - 1);
	memcpy(io.ifname, eq + 1, il);
	for (size_t i = 0; i < il; i++)
		if (io.ifname[i] == '/' || io.ifname[i] <= ' ' || io.ifname[i] > '~')
			return fail(err, errlen, "--iface %s: bad character in the interface name",
				    v);
	if (colon != NULL) {
		uint64_t x;

		if (!cli_parse_u64(colon + 1, 0, UINT64_MAX, &x) || x > 15)
			return fail(err, errlen, "--iface %s: connection ID \"%s\" is outside 0..15",
				    v, colon + 1);
		io.has_conn_id = true;
		io.conn_id = (uint8_t)x;
	}
	for (unsigned i = 0; i < o->n_ifaces; i++) {
		if (strcmp(o->ifaces[i].ifname, io.ifname) == 0)
			return fail(err, errlen, "--iface %s: interface %s is already given", v,
				    io.ifname);
		if (io.has_conn_id && o->ifaces[i].has_conn_id &&
		    o->ifaces[i].conn_id == io.conn_id)
			return fail(err, errlen, "--iface %s: connection ID %u is already given", v,
				    io.conn_id);
	}
	/* Two paths of one type get distinct names in logs and stats: lte, lte2. */
	{
		unsigned same = 0;

		for (unsigned i = 0; i < o->n_ifaces; i++)
			same += o->ifaces[i].type == io.type;
		if (same > 0) {
			char base[MC_IFNAME];

			memcpy(base, io.name, sizeof(base));
			snprintf(io.name, sizeof(io.name), "%.12s%u", base, same + 1);
		}
	}
	o->ifaces[o->n_ifaces++] = io;
	return 0;
}

static int set_route(struct mc_opts *o, const char *v, char *err, size_t errlen)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	struct in_addr a;
	uint64_t len = 32;

	if (o->n_routes >= MC_MAX_ROUTES)
		return fail(err, errlen, "--route %s: at most %u routes", v, MC_MAX_ROUTES);
	if (strlen(v) >= sizeof(buf))
		return fail(err, errlen, "--route %s: expected A.B.C.D/LEN", v);
	snprintf(buf, sizeof(buf), "%s", v);
	if (slash != NULL) {
		buf[slash - v] = '\0';
		if (!cli_parse_u64(slash + 1, 0, 32, &len))
			return fail(err, errlen, "--route %s: prefix length outside 0..32", v);
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return fail(err, errlen, "--route %s: \"%s\" is not an IPv4 address", v, buf);
	o->routes[o->n_routes].mask = len == 0 ? 0 : ~0u << (32 - len);
	o->routes[o->n_routes].net = ntohl(a.s_addr) & o->routes[o->n_routes].mask;
	o->n_routes++;
	return 0;
}

static int set_path(const char *flag, const char *v, char *dst, size_t cap, char *err,
		    size_t errlen)
{
	if (v[0] == '\0' || strlen(v) >= cap)
		return fail(err, errlen, "--%s: file name must be 1..%zu characters", flag, cap - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_token(struct mc_opts *o, const char *flag, const char *v, char *err,
		     size_t errlen)
{
	size_t n = strlen(v);

	if (n == 0 || n >= sizeof(o->token))
		return fail(err, errlen, "%s: the token must be 1..%zu characters", flag,
			    sizeof(o->token) - 1);
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return fail(err, errlen, "%s: the token must be visible ASCII without blanks",
				    flag);
	memcpy(o->token, v, n + 1);
	return 0;
}

/* The words of the options that name a value. */
static const struct cli_name gma_methods[] = {
	{"trailer", GMA_METHOD_TRAILER},
	{"header", GMA_METHOD_HEADER_IP},
	{"nonip", GMA_METHOD_NONIP},
};
static const struct cli_name mx_dialects[] = {
	{"rfc8743", MX_DIALECT_RFC8743},
	{"up09", MX_DIALECT_UP09},
};
static const struct cli_name subprotocols[] = {{"mams", 1}, {"none", 0}};
static const struct cli_name on_off[] = {{"on", 1}, {"off", 0}};

#define set_name(flag, v, table, out, err, errlen)                                        \
	set_name_of(flag, v, table, sizeof(table) / sizeof((table)[0]), out, err, errlen)

/* --flag v where v is a word of the table: "--flag v: expected a, b or c". */
static int set_name_of(const char *flag, const char *v, const struct cli_name *t, size_t n,
		       int *out, char *err, size_t errlen)
{
	char words[128];

	if (cli_name_value(t, n, v, out))
		return 0;
	cli_name_list(t, n, words, sizeof(words));
	return fail(err, errlen, "--%s %s: expected %s", flag, v, words);
}

int mc_opts_set(struct mc_opts *o, const char *name, const char *v, char *err, size_t errlen)
{
	uint32_t u;
	int w;

	if (strcmp(name, "ncm") == 0)
		return set_ncm(o, v, err, errlen);
	if (strcmp(name, "iface") == 0)
		return set_iface(o, v, err, errlen);
	if (strcmp(name, "tun") == 0) {
		if (v[0] == '\0' || strlen(v) >= sizeof(o->tun) || strchr(v, '/') != NULL)
			return fail(err, errlen, "--tun %s: must be 1..%zu characters without '/'",
				    v, sizeof(o->tun) - 1);
		snprintf(o->tun, sizeof(o->tun), "%s", v);
		return 0;
	}
	if (strcmp(name, "gma-method") == 0) {
		if (set_name(name, v, gma_methods, &w, err, errlen))
			return -1;
		o->method = (enum gma_method)w;
		return 0;
	}
	if (strcmp(name, "mx-dialect") == 0) {
		if (set_name(name, v, mx_dialects, &w, err, errlen))
			return -1;
		o->mx_dialect = (enum mx_dialect)w;
		return 0;
	}
	if (strcmp(name, "mx-port") == 0) {
		if (set_u32(name, v, 1, 65535, &u, err, errlen))
			return -1;
		o->mx_port = (uint16_t)u;
		return 0;
	}
	if (strcmp(name, "ca") == 0)
		return set_path(name, v, o->ca, sizeof(o->ca), err, errlen);
	if (strcmp(name, "cert") == 0)
		return set_path(name, v, o->cert, sizeof(o->cert), err, errlen);
	if (strcmp(name, "key") == 0)
		return set_path(name, v, o->key, sizeof(o->key), err, errlen);
	if (strcmp(name, "token") == 0)
		return set_token(o, "--token", v, err, errlen);
	if (strcmp(name, "subprotocol") == 0) {
		if (set_name(name, v, subprotocols, &w, err, errlen))
			return -1;
		o->subprotocol = w != 0;
		return 0;
	}
	if (strcmp(name, "timeout-ms") == 0)
		return set_u32(name, v, 10, 3600000, &o->timeout_ms, err, errlen);
	if (strcmp(name, "retries") == 0)
		return set_u32(name, v, 0, 100, &o->retries, err, errlen);
	if (strcmp(name, "keep-alive-ms") == 0)
		return set_u32(name, v, 100, 3600000, &o->keep_alive_ms, err, errlen);
	if (strcmp(name, "reorder-timeout-ms") == 0)
		return set_u32(name, v, 1, 60000, &o->reorder_timeout_ms, err, errlen);
	if (strcmp(name, "reorder-window") == 0) {
		if (set_u32(name, v, 2, 32768, &u, err, errlen))
			return -1;
		if ((u & (u - 1)) != 0)
			return fail(err, errlen, "--reorder-window %s: must be a power of 2", v);
		o->reorder_window = u;
		return 0;
	}
	if (strcmp(name, "ipsec-suite") == 0) {
		enum esp_suite su;

		if (mc_esp_suite_parse(v, &su) != 0)
			return fail(err, errlen, "--ipsec-suite %s: expected aes128-gcm, aes256-gcm, "
				    "aes128-cbc-sha256 or aes256-cbc-sha256", v);
		o->ipsec_suite = (int)su;
		return 0;
	}
	if (strcmp(name, "ipsec-esn") == 0) {
		if (set_name(name, v, on_off, &w, err, errlen))
			return -1;
		o->ipsec_esn = w != 0;
		return 0;
	}
	if (strcmp(name, "ipsec-replay-window") == 0) {
		if (set_u32(name, v, 32, 4096, &u, err, errlen))
			return -1;
		if ((u & (u - 1)) != 0)
			return fail(err, errlen, "--ipsec-replay-window %s: must be a power of 2", v);
		o->ipsec_replay_window = u;
		return 0;
	}
	if (strcmp(name, "ipsec-rekey-grace-ms") == 0)
		return set_u32(name, v, 0, 3600000, &o->ipsec_rekey_grace_ms, err, errlen);
	if (strcmp(name, "route") == 0)
		return set_route(o, v, err, errlen);
	if (strcmp(name, "stats-interval-ms") == 0)
		return set_u32(name, v, 0, 3600000, &o->stats_interval_ms, err, errlen);
	if (strcmp(name, "run-ms") == 0) {
		uint64_t x;

		if (!cli_parse_u64(v, 0, UINT64_MAX / 2, &x))
			return fail(err, errlen, "--run-ms %s: expected a number of milliseconds", v);
		o->run_ms = x;
		return 0;
	}
	if (strcmp(name, "verbose") == 0) {
		uint32_t lvl;

		if (set_u32(name, v, 0, 3, &lvl, err, errlen))
			return -1;
		o->verbose = (int)lvl;
		return 0;
	}
	return fail(err, errlen, "unknown option --%s (see --help)", name);
}

/* Flags that take no value. */
static bool no_value(const char *name)
{
	return strcmp(name, "help") == 0 || strcmp(name, "verbose") == 0;
}

static bool known(const char *name)
{
	static const char *const names[] = {
		"ncm", "iface", "tun", "gma-method", "mx-dialect", "mx-port", "ca", "cert", "key",
		"token", "subprotocol", "timeout-ms", "retries", "keep-alive-ms",
		"reorder-timeout-ms", "reorder-window", "route", "stats-interval-ms", "run-ms",
		"ipsec-suite", "ipsec-esn", "ipsec-replay-window", "ipsec-rekey-grace-ms",
		"config", NULL,
	};

	for (unsigned i = 0; names[i] != NULL; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

int mc_opts_file(struct mc_opts *o, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned ln = 0;

	if (f == NULL)
		return fail(err, errlen, "--config %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *k = line, *v, *e;
		size_t n = strlen(line);

		ln++;
		if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
			fclose(f);
			return fail(err, errlen, "%s:%u: line longer than %zu bytes", path, ln,
				    sizeof(line) - 2);
		}
		while (isspace((unsigned char)*k))
			k++;
		if (*k == '#' || *k == '\0')
			continue;
		v = strchr(k, '=');
		if (v == NULL) {
			fclose(f);
			return fail(err, errlen, "%s:%u: expected key = value", path, ln);
		}
		for (e = v; e > k && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		v++;
		while (isspace((unsigned char)*v))
			v++;
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (strcmp(k, "config") == 0 || strcmp(k, "help") == 0) {
			fclose(f);
			return fail(err, errlen, "%s:%u: \"%s\" cannot be set in a file", path, ln,
				    k);
		}
		if (mc_opts_set(o, k, v, err, errlen) != 0) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", err);
			fclose(f);
			return fail(err, errlen, "%s:%u: %s", path, ln, msg);
		}
	}
	fclose(f);
	return 0;
}

int mc_opts_parse(struct mc_opts *o, int argc, char *const argv[], const char *env_token,
		  char *err, size_t errlen)
{
	bool token_flag = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		char name[32];
		const char *eq;
		size_t nl;

		if (strcmp(a, "-v") == 0 || strcmp(a, "-vv") == 0 || strcmp(a, "-vvv") == 0) {
			o->verbose += (int)strlen(a) - 1;
			continue;
		}
		if (strcmp(a, "-h") == 0) {
			o->help = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
			return fail(err, errlen, "unexpected argument \"%s\" (options start with --)",
				    a);
		a += 2;
		eq = strchr(a, '=');
		nl = eq != NULL ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof(name))
			return fail(err, errlen, "unknown option --%s (see --help)", a);
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (no_value(name)) {
			if (eq != NULL)
				return fail(err, errlen, "--%s takes no value", name);
			if (strcmp(name, "help") == 0)
				o->help = true;
			else
				o->verbose++;
			continue;
		}
		if (!known(name))
			return fail(err, errlen, "unknown option --%s (see --help)", name);
		if (eq != NULL) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return fail(err, errlen, "--%s needs a value", name);
			v = argv[++i];
		}
		if (strcmp(name, "config") == 0) {
			if (mc_opts_file(o, v, err, errlen) != 0)
				return -1;
			continue;
		}
		if (strcmp(name, "token") == 0)
			token_flag = true;
		if (mc_opts_set(o, name, v, err, errlen) != 0)
			return -1;
	}
	if (o->help)
		return 0;
	if (!token_flag && o->token[0] == '\0' && env_token != NULL && env_token[0] != '\0' &&
	    set_token(o, "MAMS_TOKEN", env_token, err, errlen) != 0)
		return -1;
	if (!o->has_ncm)
		return fail(err, errlen, "--ncm ws[s]://HOST:PORT/ is required");
	if (o->n_ifaces == 0)
		return fail(err, errlen, "at least one --iface NAME=IFNAME is required");
	if ((o->cert[0] != '\0') != (o->key[0] != '\0'))
		return fail(err, errlen, "%s needs %s as well", o->cert[0] ? "--cert" : "--key",
			    o->cert[0] ? "--key" : "--cert");
	if (!o->wss && (o->ca[0] || o->cert[0]))
		return fail(err, errlen, "--%s is for wss:// only, and --ncm is ws://",
			    o->ca[0] ? "ca" : "cert");
	return 0;
}

const char *mc_opts_usage(void)
{
	return "usage: mams-client --ncm ws[s]://HOST:PORT/ --iface NAME=IFNAME[:CONN_ID] "
	       "[--iface ...] [options]\n"
	       "  --iface NAME=IFNAME[:ID]  an access interface; NAME wifi, lte or 5g; ID the MAMS\n"
	       "                            connection ID (default: from the NCM, by type)\n"
	       "  --tun NAME                TUN device carrying the anchor address (mams0)\n"
	       "  --gma-method M            trailer | header | nonip (trailer); must equal the\n"
	       "                            gateway's ncm.session.method\n"
	       "  --mx-dialect D            rfc8743 | up09 (rfc8743): MX control PDUs\n"
	       "  --mx-port N               UDP port of MX control PDUs in the tunnel (9999)\n"
	       "  --ca FILE                 PEM CA to verify a wss:// NCM (else the system's)\n"
	       "  --cert FILE --key FILE    client certificate for wss://\n"
	       "  --token T                 Authorization: Bearer T (or MAMS_TOKEN)\n"
	       "  --subprotocol mams|none   WebSocket subprotocol offered (mams)\n"
	       "  --timeout-ms N            MAMS_TIMEOUT (3000)\n"
	       "  --retries N               MAMS_RETRY (3)\n"
	       "  --keep-alive-ms N         MAMS_KEEP_ALIVE_TIMEOUT (60000)\n"
	       "  --reorder-timeout-ms N    downlink reorder timeout (100)\n"
	       "  --reorder-window N        downlink reorder window, a power of 2 (1024)\n"
	       "  --ipsec-suite S           ESP on IPsec connections: aes128-gcm | aes256-gcm |\n"
	       "                            aes128-cbc-sha256 | aes256-cbc-sha256 (aes128-gcm);\n"
	       "                            must equal the gateway's\n"
	       "  --ipsec-esn on|off        64-bit ESP sequence numbers (on); as the gateway\n"
	       "  --ipsec-replay-window N   ESP anti-replay window, a power of 2, 32..4096 (1024)\n"
	       "  --ipsec-rekey-grace-ms N  old inbound SA accepted this long after a rekey (5000)\n"
	       "  --route A.B.C.D/LEN       route through the TUN device once up (repeatable)\n"
	       "  --stats-interval-ms N     print one 'stats path=...' line per path every N ms\n"
	       "  --run-ms N                terminate the session and exit after N ms\n"
	       "  --config FILE             key = value lines, keys as the flags without --\n"
	       "  -v, --verbose             more log (repeatable)\n"
	       "  -h, --help\n";
}
