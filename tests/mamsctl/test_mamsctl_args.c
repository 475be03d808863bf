/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsctl's command line (tools/mamsctl/mamsctl_args.c): each subcommand's
 * request (method, path, JSON body), the options and the environment, and
 * every kind of usage error (exit 2 with a message naming the argument).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mamsctl.h"

static struct mctl_args a;
static char err[512];

/* Parses "mamsctl" + the NULL-terminated words; returns the exit code. */
static int parse_env(const struct mctl_env *env, ...)
{
	static char *argv[64];
	va_list ap;
	int argc = 0;
	const char *w;

	mctl_args_free(&a);
	argv[argc++] = (char *)"mamsctl";
	va_start(ap, env);
	while ((w = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return mctl_args_parse(argc, argv, env, &a, err, sizeof(err));
}

#define parse(...) parse_env(NULL, __VA_ARGS__, NULL)

/* The request body as compact JSON with sorted keys ("" for none). */
static const char *body(void)
{
	static char buf[1024];
	char *s;

	if (a.body == NULL)
		return "";
	s = json_dumps(a.body, JSON_COMPACT | JSON_SORT_KEYS);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static void usage_error(const char *msg)
{
	cr_assert_str_neq(err, "", "no message for a usage error");
	cr_assert(strstr(err, msg) != NULL, "message \"%s\" lacks \"%s\"", err, msg);
	cr_assert_null(a.body, "a failed parse keeps no body");
}

/* The words (after "mamsctl") are a usage error whose message has msg. */
#define refused(msg, ...)                                                                    \
	do {                                                                                 \
		cr_assert_eq(parse(__VA_ARGS__), MCTL_EXIT_USAGE, "accepted, not: %s", msg); \
		usage_error(msg);                                                            \
	} while (0)

static void teardown(void)
{
	mctl_args_free(&a);
}

TestSuite(mamsctl_args, .fini = teardown);

Test(mamsctl_args, read_only_commands)
{
	static const struct {
		const char *cmd, *path;
		enum mctl_cmd id;
	} c[] = {
		{"health", "/v1/health", MCTL_HEALTH},
		{"ports", "/v1/ports", MCTL_PORTS},
		{"stats", "/v1/stats", MCTL_STATS},
		{"sessions", "/v1/sessions?offset=0&limit=100", MCTL_SESSIONS},
		{"policy", "/v1/policy", MCTL_POLICY},
	};

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(parse(c[i].cmd), MCTL_EXIT_OK, "%s: %s", c[i].cmd, err);
		cr_assert_eq(a.cmd, c[i].id);
		cr_assert_str_eq(a.method, "GET", "%s", c[i].cmd);
		cr_assert_str_eq(a.path, c[i].path);
		cr_assert_null(a.body, "%s has no body", c[i].cmd);
	}
}

Test(mamsctl_args, defaults)
{
	cr_assert_eq(parse("health"), MCTL_EXIT_OK);
	cr_assert_str_eq(a.url, MCTL_DEFAULT_URL);
	cr_assert_eq(a.timeout_ms, MCTL_DEFAULT_TIMEOUT_MS);
	cr_assert_null(a.token);
	cr_assert_null(a.token_file);
	cr_assert_null(a.cacert);
	cr_assert(!a.insecure && !a.json && !a.help);
}

Test(mamsctl_args, sessions_page)
{
	cr_assert_eq(parse("sessions", "--offset", "200", "--limit", "1000"), MCTL_EXIT_OK, "%s",
		     err);
	cr_assert_str_eq(a.path, "/v1/sessions?offset=200&limit=1000");
	refused("--limit 0: expected an integer 1..1000", "--limit", "0", "sessions");
	refused("--limit 1001", "sessions", "--limit", "1001");
	refused("--offset and --limit belong to \"sessions\"", "health", "--offset", "1");
}

Test(mamsctl_args, session_and_terminate)
{
	cr_assert_eq(parse("session", "7"), MCTL_EXIT_OK);
	cr_assert_eq(a.cmd, MCTL_SESSION);
	cr_assert_str_eq(a.method, "GET");
	cr_assert_str_eq(a.path, "/v1/sessions/7");
	cr_assert_eq(a.session_id, 7);
	cr_assert_eq(parse("terminate", "4294967295"), MCTL_EXIT_OK);
	cr_assert_str_eq(a.method, "DELETE");
	cr_assert_str_eq(a.path, "/v1/sessions/4294967295");
	cr_assert_null(a.body);

	refused("session: the session ID is missing", "session");
	refused("terminate: session ID \"4294967296\": expected an integer 0..4294967295",
		"terminate", "4294967296");
	refused("-1", "session", "-1"); /* an unknown option to getopt */
	refused("session ID \"7x\"", "session", "7x");
	refused("session: unexpected argument \"8\"", "session", "7", "8");
}

Test(mamsctl_args, steer_split)
{
	cr_assert_eq(parse("steer", "7", "1", "split", "wifi=70", "lte=30"), MCTL_EXIT_OK, "%s",
		     err);
	cr_assert_eq(a.cmd, MCTL_STEER);
	cr_assert_str_eq(a.method, "PUT");
	cr_assert_str_eq(a.path, "/v1/sessions/7/flows/1/steering");
	cr_assert_eq(a.session_id, 7);
	cr_assert_eq(a.flow_id, 1);
	cr_assert_str_eq(body(), "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":70},"
				 "{\"name\":\"lte\",\"weight\":30}]}");
	/* A numeric NAME is a connection ID; one path may carry all. */
	cr_assert_eq(parse("steer", "7", "255", "split", "3=100"), MCTL_EXIT_OK, "%s", err);
	cr_assert_str_eq(body(), "{\"mode\":\"split\",\"paths\":[{\"connection_id\":3,\"weight\":100}]}");
	cr_assert_str_eq(a.path, "/v1/sessions/7/flows/255/steering");
	cr_assert_eq(parse("steer", "7", "0", "split", "wifi=0", "0=100", "5g.b=0"), MCTL_EXIT_OK,
		     "%s", err);
	cr_assert_str_eq(body(), "{\"mode\":\"split\",\"paths\":[{\"name\":\"wifi\",\"weight\":0},"
				 "{\"connection_id\":0,\"weight\":100},{\"name\":\"5g.b\",\"weight\":0}]}");
}

Test(mamsctl_args, steer_switch_and_duplicate)
{
	cr_assert_eq(parse("steer", "7", "2", "switch", "wifi"), MCTL_EXIT_OK, "%s", err);
	cr_assert_str_eq(body(), "{\"mode\":\"switch\",\"paths\":[{\"name\":\"wifi\"}]}");
	cr_assert_eq(parse("steer", "7", "2", "switch", "15"), MCTL_EXIT_OK, "%s", err);
	cr_assert_str_eq(body(), "{\"mode\":\"switch\",\"paths\":[{\"connection_id\":15}]}");
	cr_assert_eq(parse("steer", "7", "2", "duplicate", "wifi", "3", "5g"), MCTL_EXIT_OK, "%s",
		     err);
	cr_assert_str_eq(body(), "{\"mode\":\"duplicate\",\"paths\":[{\"name\":\"wifi\"},"
				 "{\"connection_id\":3},{\"name\":\"5g\"}]}");
}

Test(mamsctl_args, steer_errors)
{
	static const struct {
		const char *w[6];
		const char *msg;
	} c[] = {
		{{"steer", "7", "1", "split", NULL}, "expected ID FLOW MODE PATH... (3 arguments given)"},
		{{"steer", "x", "1", "switch", "wifi", NULL}, "steer: session ID \"x\""},
		{{"steer", "7", "256", "switch", "wifi", NULL}, "flow \"256\": expected an integer 0..255"},
		{{"steer", "7", "1", "spray", "wifi", NULL}, "mode \"spray\": expected switch, split or duplicate"},
		{{"steer", "7", "1", "switch", "wifi", "lte"}, "switch takes exactly one connection (2 given)"},
		{{"steer", "7", "1", "duplicate", "wifi", NULL}, "duplicate takes two or more"},
		{{"steer", "7", "1", "split", "wifi", NULL}, "split path \"wifi\": expected NAME=WEIGHT"},
		{{"steer", "7", "1", "switch", "wifi=100", NULL}, "a weight is given with split only"},
		{{"steer", "7", "1", "split", "wifi=70", "lte=20"}, "split weights sum to 90, not 100"},
		{{"steer", "7", "1", "split", "wifi=101", NULL}, "weight \"101\": expected an integer 0..100"},
		{{"steer", "7", "1", "split", "wifi=-1", NULL}, "weight \"-1\""},
		{{"steer", "7", "1", "split", "=100", NULL}, "the connection name is missing"},
		{{"steer", "7", "1", "switch", "16", NULL}, "connection ID 16 is not in 0..15"},
		{{"steer", "7", "1", "switch", "wi fi", NULL}, "a name has only A-Z a-z 0-9 _ - ."},
		{{"steer", "7", "1", "duplicate", "wifi", "wifi"}, "path \"wifi\" names a connection listed before"},
		{{"steer", "7", "1", "duplicate", "3", "3"}, "path \"3\" names a connection listed before"},
	};

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(parse(c[i].w[0], c[i].w[1], c[i].w[2], c[i].w[3], c[i].w[4], c[i].w[5]),
			     MCTL_EXIT_USAGE, "case %u accepted", i);
		usage_error(c[i].msg);
	}
}

Test(mamsctl_args, policy_put)
{
	cr_assert_eq(parse("policy", "interval_ms=100", "hold_down_ms=0", "min_change_pct=5",
			   "probe_fail=4"),
		     MCTL_EXIT_OK, "%s", err);
	cr_assert_str_eq(a.method, "PUT");
	cr_assert_str_eq(a.path, "/v1/policy");
	cr_assert_str_eq(body(), "{\"hold_down_ms\":0,\"interval_ms\":100,\"min_change_pct\":5,"
				 "\"probe_fail\":4}");
	cr_assert_eq(parse("policy", "probe_fail=3"), MCTL_EXIT_OK);
	cr_assert_str_eq(body(), "{\"probe_fail\":3}");

	refused("unknown key \"interval\" (keys: interval_ms, min_change_pct, probe_fail, hold_down_ms)",
		"policy", "interval=5");
	refused("\"interval_ms\": expected KEY=VALUE", "policy", "interval_ms");
	refused("interval_ms: \"fast\" is not an integer", "policy", "interval_ms=fast");
	refused("probe_fail is given twice", "policy", "probe_fail=1", "probe_fail=2");
}

Test(mamsctl_args, reload)
{
	cr_assert_eq(parse("reload"), MCTL_EXIT_OK);
	cr_assert_str_eq(a.method, "POST");
	cr_assert_str_eq(a.path, "/v1/config/reload");
	cr_assert_null(a.body);
	refused("reload: unexpected argument \"now\"", "reload", "now");
}

Test(mamsctl_args, options_anywhere)
{
	cr_assert_eq(parse("--json", "--url", "https://gw.example:8443/", "--insecure",
			   "--timeout-ms", "250", "health"),
		     MCTL_EXIT_OK, "%s", err);
	cr_assert(a.json && a.insecure);
	cr_assert_str_eq(a.url, "https://gw.example:8443", "the trailing '/' is dropped");
	cr_assert_eq(a.timeout_ms, 250);
	/* after the command, and mixed with its operands */
	cr_assert_eq(parse("steer", "7", "--json", "1", "split", "wifi=100", "--cacert", "/ca.pem"),
		     MCTL_EXIT_OK, "%s", err);
	cr_assert(a.json);
	cr_assert_str_eq(a.cacert, "/ca.pem");
	cr_assert_str_eq(a.path, "/v1/sessions/7/flows/1/steering");
	cr_assert_eq(parse("--help"), MCTL_EXIT_OK);
	cr_assert(a.help);
	cr_assert_eq(parse("health", "-h"), MCTL_EXIT_OK);
	cr_assert(a.help);
}

Test(mamsctl_args, option_errors)
{
	static const struct {
		const char *w[3];
		const char *msg;
	} c[] = {
		{{NULL}, "no command given"},
		{{"frobnicate", NULL}, "unknown command \"frobnicate\""},
		{{"--bogus", "health", NULL}, "unknown option --bogus"},
		{{"health", "--url", NULL}, "--url needs a value"},
		{{"--url", "gw:8080", "health"}, "--url gw:8080: expected http://HOST[:PORT] or https://HOST[:PORT]"},
		{{"--url", "http://gw/?x=1", "health"}, "no query or fragment"},
		{{"--url", "http://g w", "health"}, "blank or non-ASCII"},
		{{"--timeout-ms", "0", "health"}, "--timeout-ms 0: expected an integer 1..3600000"},
		{{"--timeout-ms", "3600001", "health"}, "--timeout-ms 3600001"},
		{{"--token", "", "health"}, "--token: the token is empty"},
		{{"--token", "a b", "health"}, "--token: the token must be printable ASCII without blanks (byte 2)"},
		{{"health", "now", NULL}, "health: unexpected argument \"now\""},
	};

	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		cr_assert_eq(parse(c[i].w[0], c[i].w[1], c[i].w[2]), MCTL_EXIT_USAGE, "case %u accepted",
			     i);
		usage_error(c[i].msg);
	}
	refused("give --token or --token-file, not both",
		"--token", "t", "--token-file", "/f", "health");
	refused("give --cacert or --insecure, not both",
		"--cacert", "/ca.pem", "--insecure", "health");
}

Test(mamsctl_args, environment)
{
	struct mctl_env env = {"http://10.0.0.1:9000", "env-token"};
	struct mctl_env bad = {"10.0.0.1:9000", "bad token"};

	cr_assert_eq(parse_env(&env, "health", NULL), MCTL_EXIT_OK, "%s", err);
	cr_assert_str_eq(a.url, "http://10.0.0.1:9000");
	cr_assert_str_eq(a.token, "env-token");
	/* flags win over the environment; --token-file over MAMSCTL_TOKEN */
	cr_assert_eq(parse_env(&env, "--url", "http://127.0.0.1:1", "--token", "flag", "health",
			       NULL),
		     MCTL_EXIT_OK);
	cr_assert_str_eq(a.url, "http://127.0.0.1:1");
	cr_assert_str_eq(a.token, "flag");
	cr_assert_eq(parse_env(&env, "--token-file", "/t", "health", NULL), MCTL_EXIT_OK);
	cr_assert_null(a.token);
	cr_assert_str_eq(a.token_file, "/t");
	/* errors name the variable */
	cr_assert_eq(parse_env(&bad, "health", NULL), MCTL_EXIT_USAGE);
	usage_error("MAMSCTL_URL 10.0.0.1:9000: expected http://");
	bad.url = NULL;
	cr_assert_eq(parse_env(&bad, "health", NULL), MCTL_EXIT_USAGE);
	usage_error("MAMSCTL_TOKEN: the token must be printable ASCII without blanks");
	/* empty variables count as unset */
	bad.url = "";
	bad.token = "";
	cr_assert_eq(parse_env(&bad, "health", NULL), MCTL_EXIT_OK);
	cr_assert_str_eq(a.url, MCTL_DEFAULT_URL);
	cr_assert_null(a.token);
}

Test(mamsctl_args, token_file)
{
	char path[] = "/tmp/mamsctl-token-XXXXXX", tok[MCTL_TOKEN_MAX + 2], long_tok[MCTL_TOKEN_MAX + 2];
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("abc.DEF-123\r\nsecond line ignored\n", f);
	fclose(f);
	cr_assert_eq(mctl_token_read(path, tok, sizeof(tok), err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(tok, "abc.DEF-123");

	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	cr_assert_eq(mctl_token_read(path, tok, sizeof(tok), err, sizeof(err)), -1);
	cr_assert(strstr(err, "the token is empty") && strstr(err, path), "%s", err);

	f = fopen(path, "w");
	memset(long_tok, 'x', MCTL_TOKEN_MAX + 1);
	long_tok[MCTL_TOKEN_MAX + 1] = '\0';
	fputs(long_tok, f);
	fclose(f);
	cr_assert_eq(mctl_token_read(path, tok, sizeof(tok), err, sizeof(err)), -1);
	cr_assert(strstr(err, "longer than 4096 bytes") != NULL, "%s", err);

	f = fopen(path, "w");
	long_tok[MCTL_TOKEN_MAX] = '\0'; /* exactly the limit: accepted */
	fputs(long_tok, f);
	fclose(f);
	cr_assert_eq(mctl_token_read(path, tok, sizeof(tok), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(tok), MCTL_TOKEN_MAX);

	unlink(path);
	cr_assert_eq(mctl_token_read(path, tok, sizeof(tok), err, sizeof(err)), -1);
	cr_assert(strstr(err, path) && strstr(err, "No such file"), "%s", err);
}
