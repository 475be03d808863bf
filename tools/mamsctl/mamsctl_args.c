/* SPDX-License-Identifier: BSD-3-Clause */
/* mamsctl's command line -> one REST request (mamsctl.h). */
#include "mamsctl.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_num.h"

static int usage_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return MCTL_EXIT_USAGE;
}

void mctl_usage(FILE *out)
{
	fputs("usage: mamsctl [options] COMMAND [ARGS]\n"
	      "\n"
	      "commands:\n"
	      "  health                         gateway status, version, uptime\n"
	      "  ports                          ports and their counters\n"
	      "  stats                          ports, workers, drops by reason, NCM counters\n"
	      "  sessions [--offset N] [--limit N]\n"
	      "                                 sessions (limit 1..1000, default 100)\n"
	      "  session ID                     one session: connections, flows, counters\n"
	      "  steer ID FLOW split NAME=WEIGHT...  weighted split, weights summing to 100\n"
	      "  steer ID FLOW switch NAME      all of the flow on one connection\n"
	      "  steer ID FLOW duplicate NAME NAME...  every packet on each connection\n"
	      "                                 NAME: the connection's name (\"wifi\"), or its\n"
	      "                                 connection ID (0..15) when numeric\n"
	      "  terminate ID                   end a session\n"
	      "  policy [KEY=VALUE...]          show the steering policy, or change it; keys:\n"
	      "                                 interval_ms, min_change_pct, probe_fail,\n"
	      "                                 hold_down_ms\n"
	      "  reload                         reload the gateway's configuration file\n"
	      "\n"
	      "options:\n"
	      "  --url URL          REST endpoint (MAMSCTL_URL, default " MCTL_DEFAULT_URL ")\n"
	      "  --token TOKEN      bearer token (MAMSCTL_TOKEN)\n"
	      "  --token-file FILE  bearer token from the first line of FILE\n"
	      "  --cacert FILE      CA certificate(s) for an https:// URL\n"
	      "  --insecure         https:// without checking the certificate\n"
	      "  --json             print the server's JSON (pretty) instead of tables\n"
	      "  --timeout-ms N     whole request, 1..3600000 (default 5000)\n"
	      "  -h, --help         this text\n"
	      "\n"
	      "exit status: 0 ok, 1 the API answered an error, 2 usage error,\n"
	      "3 could not connect or timed out\n",
	      out);
}

/* A decimal integer in lo..hi, the whole string. */
static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (!cli_parse_u64(s, lo, hi, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int mctl_token_check(const char *token, const char *from, char *err, size_t errlen)
{
	size_t n = strlen(token);

	if (n == 0) {
		usage_fail(err, errlen, "%s: the token is empty", from);
		return -1;
	}
	if (n > MCTL_TOKEN_MAX) {
		usage_fail(err, errlen, "%s: the token is longer than %u bytes", from, MCTL_TOKEN_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (token[i] <= ' ' || token[i] > '~') {
			usage_fail(err, errlen,
				   "%s: the token must be printable ASCII without blanks (byte %zu)",
				   from, i + 1);
			return -1;
		}
	}
	return 0;
}

int mctl_token_read(const char *file, char *buf, size_t buflen, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char from[300];
	size_t n;

	snprintf(from, sizeof(from), "--token-file %s", file);
	if (f == NULL) {
		usage_fail(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)buflen, f) == NULL) {
		buf[0] = '\0';
		if (ferror(f)) {
			usage_fail(err, errlen, "%s: %s", from, strerror(errno));
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	n = strlen(buf);
	if (n == buflen - 1 && buf[n - 1] != '\n') {
		usage_fail(err, errlen, "%s: the token is longer than %zu bytes", from, buflen - 2);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return mctl_token_check(buf, from, err, errlen);
}

static int set_url(struct mctl_args *a, const char *url, const char *from, char *err,
		   size_t errlen)
{
	size_t n = strlen(url);

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return usage_fail(err, errlen, "%s %s: expected http://HOST[:PORT] or https://HOST[:PORT]",
				  from, url);
	if (n >= sizeof(a->url))
		return usage_fail(err, errlen, "%s: longer than %zu characters", from,
				  sizeof(a->url) - 1);
	for (size_t i = 0; i < n; i++)
		if (url[i] <= ' ' || url[i] > '~')
			return usage_fail(err, errlen, "%s: blank or non-ASCII character in the URL",
					  from);
	memcpy(a->url, url, n + 1);
	while (n > 0 && a->url[n - 1] == '/')
		a->url[--n] = '\0';
	if (strchr(a->url, '?') != NULL || strchr(a->url, '#') != NULL)
		return usage_fail(err, errlen, "%s %s: no query or fragment in the base URL", from,
				  url);
	return 0;
}

static const struct {
	const char *name;
	enum mctl_cmd cmd;
} commands[] = {
	{"health", MCTL_HEALTH},       {"ports", MCTL_PORTS},   {"stats", MCTL_STATS},
	{"sessions", MCTL_SESSIONS},   {"session", MCTL_SESSION}, {"steer", MCTL_STEER},
	{"terminate", MCTL_TERMINATE}, {"policy", MCTL_POLICY}, {"reload", MCTL_RELOAD},
};

static int session_id_arg(struct mctl_args *a, const char *cmd, const char *s, char *err,
			  size_t errlen)
{
	if (s == NULL)
		return usage_fail(err, errlen, "%s: the session ID is missing", cmd);
	if (!parse_u32(s, 0, UINT32_MAX, &a->session_id))
		return usage_fail(err, errlen, "%s: session ID \"%s\": expected an integer 0..%u",
				  cmd, s, UINT32_MAX);
	return 0;
}

/* One steering path: NAME, a connection ID 0..15, or either with =WEIGHT. */
static int steer_path(json_t *paths, const char *arg, bool split, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
	char name[64];
	json_t *p;
	uint32_t v;

	if (nlen == 0)
		return usage_fail(err, errlen, "steer: path \"%s\": the connection name is missing",
				  arg);
	if (nlen >= sizeof(name))
		return usage_fail(err, errlen, "steer: path \"%s\": name longer than %zu characters",
				  arg, sizeof(name) - 1);
	memcpy(name, arg, nlen);
	name[nlen] = '\0';
	if (split && eq == NULL)
		return usage_fail(err, errlen, "steer: split path \"%s\": expected NAME=WEIGHT", arg);
	if (!split && eq != NULL)
		return usage_fail(err, errlen,
				  "steer: path \"%s\": a weight is given with split only", arg);
	for (size_t i = 0; i < nlen; i++)
		if (!isalnum((unsigned char)name[i]) && strchr("_-.", name[i]) == NULL)
			return usage_fail(err, errlen,
					  "steer: path \"%s\": a name has only A-Z a-z 0-9 _ - .",
					  arg);
	p = json_object();
	if (p == NULL)
		return usage_fail(err, errlen, "out of memory");
	json_array_append_new(paths, p);
	if (all_digits(name)) {
		if (!parse_u32(name, 0, 15, &v))
			return usage_fail(err, errlen,
					  "steer: path \"%s\": connection ID %s is not in 0..15", arg,
					  name);
		json_object_set_new(p, "connection_id", json_integer(v));
	} else {
		json_object_set_new(p, "name", json_string(name));
	}
	if (split) {
		if (!parse_u32(eq + 1, 0, 100, &v))
			return usage_fail(err, errlen,
					  "steer: path \"%s\": weight \"%s\": expected an integer 0..100",
					  arg, eq + 1);
		json_object_set_new(p, "weight", json_integer(v));
	}
	return 0;
}

/* The index of the first entry naming the same connection as an earlier
 * one (by name or by connection ID), or -1. */
static int steer_twice(const json_t *paths)
{
	size_t n = json_array_size(paths);

	for (size_t i = 0; i < n; i++) {
		const json_t *pi = json_array_get(paths, i);

		for (size_t j = 0; j < i; j++) {
			const json_t *pj = json_array_get(paths, j);
			const json_t *x = json_object_get(pi, "name"), *y = json_object_get(pj, "name");

			if (x == NULL) {
				x = json_object_get(pi, "connection_id");
				y = json_object_get(pj, "connection_id");
			}
			if (x != NULL && y != NULL && json_equal(x, y))
				return (int)i;
		}
	}
	return -1;
}

static int cmd_steer(struct mctl_args *a, int n, char **v, char *err, size_t errlen)
{
	static const char *const modes[] = {"switch", "split", "duplicate"};
	const char *mode = NULL;
	json_t *paths;
	uint32_t flow, sum = 0;
	int rc;

	if (n < 4)
		return usage_fail(err, errlen, "steer: expected ID FLOW MODE PATH... (%d argument%s given)",
				  n, n == 1 ? "" : "s");
	rc = session_id_arg(a, "steer", v[0], err, errlen);
	if (rc != 0)
		return rc;
	if (!parse_u32(v[1], 0, 255, &flow))
		return usage_fail(err, errlen, "steer: flow \"%s\": expected an integer 0..255", v[1]);
	a->flow_id = flow;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(v[2], modes[i]) == 0)
			mode = modes[i];
	if (mode == NULL)
		return usage_fail(err, errlen, "steer: mode \"%s\": expected switch, split or duplicate",
				  v[2]);
	n -= 3;
	v += 3;
	if (strcmp(mode, "switch") == 0 && n != 1)
		return usage_fail(err, errlen, "steer: switch takes exactly one connection (%d given)",
				  n);
	if (strcmp(mode, "duplicate") == 0 && n < 2)
		return usage_fail(err, errlen, "steer: duplicate takes two or more connections");
	if ((unsigned)n > MCTL_MAX_STEER_PATHS)
		return usage_fail(err, errlen, "steer: more than %u connections",
				  MCTL_MAX_STEER_PATHS);
	paths = json_array();
	a->body = json_pack("{s:s, s:o}", "mode", mode, "paths", paths);
	if (a->body == NULL)
		return usage_fail(err, errlen, "out of memory");
	for (int i = 0; i < n; i++) {
		rc = steer_path(paths, v[i], strcmp(mode, "split") == 0, err, errlen);
		if (rc != 0)
			return rc;
		sum += (uint32_t)json_integer_value(json_object_get(json_array_get(paths, (size_t)i),
								    "weight"));
	}
	if (strcmp(mode, "split") == 0 && sum != 100)
		return usage_fail(err, errlen, "steer: split weights sum to %u, not 100", sum);
	rc = steer_twice(paths);
	if (rc >= 0)
		return usage_fail(err, errlen, "steer: path \"%s\" names a connection listed before",
				  v[rc]);
	a->method = "PUT";
	snprintf(a->path, sizeof(a->path), "/v1/sessions/%u/flows/%u/steering", a->session_id,
		 a->flow_id);
	return 0;
}

static int cmd_policy(struct mctl_args *a, int n, char **v, char *err, size_t errlen)
{
	static const char *const keys[] = {"interval_ms", "min_change_pct", "probe_fail",
					   "hold_down_ms"};

	a->method = "GET";
	snprintf(a->path, sizeof(a->path), "/v1/policy");
	if (n == 0)
		return 0;
	a->method = "PUT";
	a->body = json_object();
	if (a->body == NULL)
		return usage_fail(err, errlen, "out of memory");
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		const char *key = NULL;
		uint32_t val;

		for (unsigned k = 0; eq != NULL && k < 4; k++)
			if (strlen(keys[k]) == (size_t)(eq - v[i]) &&
			    strncmp(v[i], keys[k], (size_t)(eq - v[i])) == 0)
				key = keys[k];
		if (eq == NULL)
			return usage_fail(err, errlen, "policy: \"%s\": expected KEY=VALUE", v[i]);
		if (key == NULL)
			return usage_fail(err, errlen,
					  "policy: unknown key \"%.*s\" (keys: interval_ms, "
					  "min_change_pct, probe_fail, hold_down_ms)",
					  (int)(eq - v[i]), v[i]);
		if (json_object_get(a->body, key) != NULL)
			return usage_fail(err, errlen, "policy: %s is given twice", key);
		if (!parse_u32(eq + 1, 0, UINT32_MAX, &val))
			return usage_fail(err, errlen, "policy: %s: \"%s\" is not an integer 0..%u",
					  key, eq + 1, UINT32_MAX);
		json_object_set_new(a->body, key, json_integer(val));
	}
	return 0;
}

static int no_args(const char *cmd, int n, char **v, char *err, size_t errlen)
{
	if (n > 0)
		return usage_fail(err, errlen, "%s: unexpected argument \"%s\"", cmd, v[0]);
	return 0;
}

enum { O_URL = 256, O_TOKEN, O_TOKEN_FILE, O_CACERT, O_INSECURE, O_JSON, O_TIMEOUT, O_OFFSET,
       O_LIMIT };

static const struct option long_opts[] = {
	{"url", required_argument, NULL, O_URL},
	{"token", required_argument, NULL, O_TOKEN},
	{"token-file", required_argument, NULL, O_TOKEN_FILE},
	{"cacert", required_argument, NULL, O_CACERT},
	{"insecure", no_argument, NULL, O_INSECURE},
	{"json", no_argument, NULL, O_JSON},
	{"timeout-ms", required_argument, NULL, O_TIMEOUT},
	{"offset", required_argument, NULL, O_OFFSET},
	{"limit", required_argument, NULL, O_LIMIT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The command's operands, after the options. */
static int command_args(struct mctl_args *a, const char *cmd_name, int n, char **v, char *err,
			size_t errlen)
{
	int rc;

	a->method = "GET";
	switch (a->cmd) {
	case MCTL_HEALTH:
		snprintf(a->path, sizeof(a->path), "/v1/health");
		return no_args(cmd_name, n, v, err, errlen);
	case MCTL_PORTS:
		snprintf(a->path, sizeof(a->path), "/v1/ports");
		return no_args(cmd_name, n, v, err, errlen);
	case MCTL_STATS:
		snprintf(a->path, sizeof(a->path), "/v1/stats");
		return no_args(cmd_name, n, v, err, errlen);
	case MCTL_SESSIONS:
		return no_args(cmd_name, n, v, err, errlen); /* path: with --offset/--limit */
	case MCTL_SESSION:
	case MCTL_TERMINATE:
		rc = session_id_arg(a, cmd_name, n > 0 ? v[0] : NULL, err, errlen);
		if (rc != 0)
			return rc;
		if (n > 1)
			return usage_fail(err, errlen, "%s: unexpected argument \"%s\"", cmd_name, v[1]);
		snprintf(a->path, sizeof(a->path), "/v1/sessions/%u", a->session_id);
		if (a->cmd == MCTL_TERMINATE)
			a->method = "DELETE";
		return 0;
	case MCTL_STEER:
		return cmd_steer(a, n, v, err, errlen);
	case MCTL_POLICY:
		return cmd_policy(a, n, v, err, errlen);
	case MCTL_RELOAD:
		a->method = "POST";
		snprintf(a->path, sizeof(a->path), "/v1/config/reload");
		return no_args(cmd_name, n, v, err, errlen);
	}
	return usage_fail(err, errlen, "unknown command \"%s\"", cmd_name);
}

int mctl_args_parse(int argc, char **argv, const struct mctl_env *env, struct mctl_args *a,
		    char *err, size_t errlen)
{
	const char *url = MCTL_DEFAULT_URL, *url_from = "--url";
	const char *token_flag = NULL, *cmd_name;
	uint32_t offset = 0, limit = 100;
	bool has_offset = false, has_limit = false;
	int opt, rc;
	unsigned i;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = MCTL_DEFAULT_TIMEOUT_MS;
	if (env != NULL && env->url != NULL && env->url[0] != '\0') {
		url = env->url;
		url_from = "MAMSCTL_URL";
	}
	/* glibc: optind 0 starts afresh (the tests parse many command lines).
	 * Options may follow the command too ("mamsctl sessions --json"):
	 * getopt moves them ahead of the operands. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		switch (opt) {
		case O_URL:
			url = optarg;
			url_from = "--url";
			break;
		case O_TOKEN:
			token_flag = optarg;
			break;
		case O_TOKEN_FILE:
			a->token_file = optarg;
			break;
		case O_CACERT:
			a->cacert = optarg;
			break;
		case O_INSECURE:
			a->insecure = true;
			break;
		case O_JSON:
			a->json = true;
			break;
		case O_TIMEOUT:
			if (!parse_u32(optarg, 1, 3600000, &a->timeout_ms))
				return usage_fail(err, errlen,
						  "--timeout-ms %s: expected an integer 1..3600000",
						  optarg);
			break;
		case O_OFFSET:
			if (!parse_u32(optarg, 0, UINT32_MAX, &offset))
				return usage_fail(err, errlen, "--offset %s: expected an integer 0..%u",
						  optarg, UINT32_MAX);
			has_offset = true;
			break;
		case O_LIMIT:
			if (!parse_u32(optarg, 1, 1000, &limit))
				return usage_fail(err, errlen, "--limit %s: expected an integer 1..1000",
						  optarg);
			has_limit = true;
			break;
		case 'h':
			a->help = true;
			return MCTL_EXIT_OK;
		case ':':
			return usage_fail(err, errlen, "%s needs a value", argv[optind - 1]);
		default:
			return usage_fail(err, errlen, "unknown option %s", argv[optind - 1]);
		}
	}

	rc = set_url(a, url, url_from, err, errlen);
	if (rc != 0)
		return rc;
	if (token_flag != NULL && a->token_file != NULL)
		return usage_fail(err, errlen, "give --token or --token-file, not both");
	if (token_flag != NULL) {
		a->token = token_flag;
		if (mctl_token_check(a->token, "--token", err, errlen) != 0)
			return MCTL_EXIT_USAGE;
	} else if (a->token_file == NULL && env != NULL && env->token != NULL &&
		   env->token[0] != '\0') {
		/* --token-file wins over MAMSCTL_TOKEN, as --token does */
		a->token = env->token;
		if (mctl_token_check(a->token, "MAMSCTL_TOKEN", err, errlen) != 0)
			return MCTL_EXIT_USAGE;
	}
	if (a->cacert != NULL && a->insecure)
		return usage_fail(err, errlen, "give --cacert or --insecure, not both");

	if (optind >= argc)
		return usage_fail(err, errlen, "no command given");
	cmd_name = argv[optind];
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd_name, commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return usage_fail(err, errlen, "unknown command \"%s\"", cmd_name);
	a->cmd = commands[i].cmd;
	if ((has_offset || has_limit) && a->cmd != MCTL_SESSIONS)
		return usage_fail(err, errlen, "%s: --offset and --limit belong to \"sessions\"",
				  cmd_name);
	if (a->cmd == MCTL_SESSIONS)
		snprintf(a->path, sizeof(a->path), "/v1/sessions?offset=%u&limit=%u", offset, limit);
	rc = command_args(a, cmd_name, argc - optind - 1, &argv[optind + 1], err, errlen);
	if (rc != 0)
		mctl_args_free(a);
	return rc;
}

void mctl_args_free(struct mctl_args *a)
{
	json_decref(a->body);
	a->body = NULL;
}
