/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM's WebSocket server (controlplane/cp_ws.c) against an independent
 * client: Debian's python3-websockets, driven by tests/cp/ws_client.py.
 *
 * Each test runs the server in its own process (Criterion forks), on a port
 * the kernel picks, and services it from the test's thread while the client
 * runs as a child process.  The client runs a list of steps and prints one
 * line per outcome ("a OPEN", "a RECV text", "a CLOSED 1009 reason",
 * "b STATUS 401", ...); the test asserts those lines, in order per
 * connection, and the server's callbacks and counters.
 *
 * The server's handlers: echo, except for commands
 *   close:CODE         send "bye-first", then cp_ws_close(CODE, "server says bye")
 *   broadcast:TEXT     send TEXT to every open connection
 *   closeothers:CODE   cp_ws_close(CODE, "closed by another") every other connection
 *   fill:N             send N-byte messages until -ENOBUFS; reply nothing else
 *   probe              check the argument errors of cp_ws_close(), reply "probed"
 *   big:N              send N 'L' (if it fits in max_queued) then "small"
 * and every callback checks that its re-entrant calls behave.
 */
#define _GNU_SOURCE /* nftw() */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cp_ws.h"

#if !defined(PYTHON3) || !defined(WS_CLIENT_PY) || !defined(MAKE_TEST_PKI)
#error "meson passes PYTHON3, WS_CLIENT_PY and MAKE_TEST_PKI (tests/cp/meson.build)"
#endif

#define CLIENT_TIMEOUT_MS 60000
#define MAX_IDS 64

extern char **environ;

struct srv {
	struct cp_ws *ws;
	char url[64];
	char dir[64];               /* mkdtemp: PKI, client output */
	unsigned opens, closes, texts;
	uint64_t ids[MAX_IDS];      /* in on_open order */
	bool open[MAX_IDS];
	char peer[MAX_IDS][64];
	int send_after_close_rc;    /* cp_ws_send() right after cp_ws_close() */
	int send_in_on_close_rc;    /* cp_ws_send() from on_close, to the one closed */
	int fill_count;             /* fill:N sends accepted before -ENOBUFS */
	int fill_last_rc;
	int probe_rc[3];
	int big_rc;                 /* big:N: cp_ws_send() of the N bytes */
};

static struct srv S;

/* ---- time, files ------------------------------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* ---- the server's handlers --------------------------------------------- */

static int slot_of(uint64_t id)
{
	for (unsigned i = 0; i < S.opens; i++)
		if (S.ids[i] == id)
			return (int)i;
	cr_assert_fail("unknown connection %llu", (unsigned long long)id);
	return -1;
}

static void h_open(void *opaque, uint64_t id, const char *peer)
{
	cr_assert_eq(opaque, &S);
	cr_assert_lt(S.opens, MAX_IDS);
	for (unsigned i = 0; i < S.opens; i++)
		cr_assert_neq(S.ids[i], id, "connection ID reused");
	S.ids[S.opens] = id;
	S.open[S.opens] = true;
	snprintf(S.peer[S.opens], sizeof(S.peer[0]), "%s", peer);
	S.opens++;
}

static void h_close(void *opaque, uint64_t id)
{
	int i = slot_of(id);

	cr_assert_eq(opaque, &S);
	cr_assert(S.open[i], "on_close twice for %llu", (unsigned long long)id);
	S.open[i] = false;
	S.closes++;
	S.send_in_on_close_rc = cp_ws_send(S.ws, id, "late", 4);
}

static void h_text(void *opaque, uint64_t id, const char *text, size_t len)
{
	int rc;

	cr_assert_eq(opaque, &S);
	cr_assert(S.open[slot_of(id)]);
	cr_assert_eq(text[len], '\0', "text not NUL-terminated");
	cr_assert_eq(strlen(text), len);
	S.texts++;
	if (strncmp(text, "close:", 6) == 0) {
		cr_assert_eq(cp_ws_send(S.ws, id, "bye-first", 9), 0);
		cr_assert_eq(cp_ws_close(S.ws, id, atoi(text + 6), "server says bye"), 0);
		S.send_after_close_rc = cp_ws_send(S.ws, id, "too late", 8);
	} else if (strncmp(text, "broadcast:", 10) == 0) {
		for (unsigned i = 0; i < S.opens; i++)
			if (S.open[i])
				cr_assert_eq(cp_ws_send(S.ws, S.ids[i], text + 10, len - 10), 0);
	} else if (strncmp(text, "closeothers:", 12) == 0) {
		for (unsigned i = 0; i < S.opens; i++)
			if (S.open[i] && S.ids[i] != id)
				cr_assert_eq(cp_ws_close(S.ws, S.ids[i], atoi(text + 12),
							 "closed by another"), 0);
	} else if (strncmp(text, "fill:", 5) == 0) {
		size_t n = (size_t)atoi(text + 5);
		char *buf = malloc(n);

		cr_assert_not_null(buf);
		memset(buf, 'f', n);
		S.fill_count = 0;
		while ((rc = cp_ws_send(S.ws, id, buf, n)) == 0 && S.fill_count < 1000)
			S.fill_count++;
		S.fill_last_rc = rc;
		free(buf);
	} else if (strncmp(text, "big:", 4) == 0) {
		size_t n = (size_t)atoi(text + 4);
		char *buf = malloc(n);

		cr_assert_not_null(buf);
		memset(buf, 'L', n);
		S.big_rc = cp_ws_send(S.ws, id, buf, n);
		free(buf); /* cp_ws_send() copied it */
		cr_assert_eq(cp_ws_send(S.ws, id, "small", 5), 0);
	} else if (strcmp(text, "probe") == 0) {
		S.probe_rc[0] = cp_ws_close(S.ws, id, 1005, NULL);
		S.probe_rc[1] = cp_ws_close(S.ws, id, 999, "x");
		S.probe_rc[2] = cp_ws_close(S.ws, id, 5000, "x");
		cr_assert_eq(cp_ws_send(S.ws, id, "probed", 6), 0);
	} else {
		cr_assert_eq(cp_ws_send(S.ws, id, text, len), 0);
	}
}

static void srv_start(struct cp_ws_cfg *cfg)
{
	const struct cp_ws_ops ops = {
		.opaque = &S, .on_open = h_open, .on_text = h_text, .on_close = h_close,
	};
	char err[256];

	S.ws = cp_ws_create(cfg, &ops, err, sizeof(err));
	cr_assert_not_null(S.ws, "cp_ws_create: %s", err);
	cr_assert_neq(cp_ws_port(S.ws), 0);
	cr_assert_not_null(cp_ws_lws_context(S.ws));
	snprintf(S.url, sizeof(S.url), "%s://127.0.0.1:%u/", cfg->cert ? "wss" : "ws",
		 cp_ws_port(S.ws));
}

/* Service until *count reaches n (or the client timeout); the caller asserts. */
static void srv_service_until(const unsigned *count, unsigned n)
{
	uint64_t deadline = now_ms() + CLIENT_TIMEOUT_MS;

	while (*count < n && now_ms() < deadline)
		cp_ws_service(S.ws, 5);
}

/* Service until every connection opened has closed (or 10 s). */
static void srv_settle(void)
{
	uint64_t deadline = now_ms() + 10000;

	while (S.closes < S.opens && now_ms() < deadline)
		cp_ws_service(S.ws, 5);
	cr_assert_eq(S.closes, S.opens, "%u opened, %u closed", S.opens, S.closes);
}

static void setup(void)
{
	memset(&S, 0, sizeof(S));
	S.send_after_close_rc = 1;
	S.send_in_on_close_rc = 1;
	snprintf(S.dir, sizeof(S.dir), "/tmp/cp_ws_test.XXXXXX");
	cr_assert_not_null(mkdtemp(S.dir));
}

static void teardown(void)
{
	cp_ws_destroy(S.ws);
	S.ws = NULL;
	nftw(S.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(cp_ws, .init = setup, .fini = teardown);

static void make_pki(void)
{
	char *argv[] = {"/bin/sh", MAKE_TEST_PKI, S.dir, NULL};
	pid_t pid;
	int st;

	cr_assert_eq(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ), 0);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "make_test_pki.sh failed");
}

static const char *pki(const char *name)
{
	static char paths[8][128];
	static unsigned next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", S.dir, name);
	return p;
}

/* ---- the client -------------------------------------------------------- */

static pid_t client_start(const char *const *steps)
{
	char out[128];
	const char *argv[64];
	posix_spawn_file_actions_t fa;
	unsigned n = 0;
	pid_t pid;

	argv[n++] = PYTHON3;
	argv[n++] = "-I"; /* no PYTHON* variables, no user site: Debian's modules */
	argv[n++] = WS_CLIENT_PY;
	argv[n++] = S.url;
	for (; *steps != NULL; steps++) {
		cr_assert_lt(n, 63);
		argv[n++] = *steps;
	}
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/client.out", S.dir);
	cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
	cr_assert_eq(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0), 0);
	cr_assert_eq(posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC,
						      0644), 0);
	cr_assert_eq(posix_spawn(&pid, PYTHON3, &fa, NULL, (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/* Wait for the client, servicing the server meanwhile (if there is one). */
static char *client_wait(pid_t pid)
{
	uint64_t deadline = now_ms() + CLIENT_TIMEOUT_MS;
	char out[128];
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		cr_assert_neq(r, -1, "waitpid: %s", strerror(errno));
		if (r == pid)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			cr_assert_fail("ws_client.py did not finish in %d ms", CLIENT_TIMEOUT_MS);
		}
		if (S.ws != NULL)
			cp_ws_service(S.ws, 5);
		else
			usleep(5000);
	}
	snprintf(out, sizeof(out), "%s/client.out", S.dir);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "ws_client.py: status %d; output:\n%s",
		  st, slurp(out));
	return slurp(out);
}

static char *client_run(const char *const *steps)
{
	return client_wait(client_start(steps));
}

/*
 * Each expected line must be a whole line of the output, after the line
 * that matched the previous one: order matters.
 */
static void expect_lines(const char *out, const char *const *lines)
{
	const char *pos = out;

	for (; *lines != NULL; lines++) {
		size_t n = strlen(*lines);
		const char *p = pos;

		for (;;) {
			p = strstr(p, *lines);
			cr_assert_not_null(p, "line \"%s\" missing (in order) in:\n%s", *lines,
					   out);
			if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
				break;
			p++;
		}
		pos = p + n;
	}
}

/* A line that starts with prefix exists. */
static void expect_prefix(const char *out, const char *prefix)
{
	const char *p = out;

	for (; (p = strstr(p, prefix)) != NULL; p++)
		if (p == out || p[-1] == '\n')
			return;
	cr_assert_fail("no line starting \"%s\" in:\n%s", prefix, out);
}

static void expect_no_prefix(const char *out, const char *prefix)
{
	const char *p = out;

	for (; (p = strstr(p, prefix)) != NULL; p++)
		cr_assert(p != out && p[-1] != '\n', "unexpected \"%s\" in:\n%s", prefix, out);
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

/*
 * Runs the client through steps, checks that its output holds the lines want
 * in order, waits until every connection has closed and, if st is not NULL,
 * reads the server's counters into it.
 */
static void run_and_settle(const char *const *steps, const char *const *want,
			   struct cp_ws_stats *st)
{
	char *out = client_run(steps);

	expect_lines(out, want);
	free(out);
	srv_settle();
	if (st != NULL)
		cp_ws_stats(S.ws, st);
}

/* ---- the cases ---------------------------------------------------------- */

Test(cp_ws, echo_in_order)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	run_and_settle(LINES("a:open", "a:send:one", "a:send:two", "a:send:three",
			     "a:send:", "a:recv", "a:recv", "a:recv", "a:recv", "a:close"),
		       LINES("a OPEN", "a RECV one", "a RECV two", "a RECV three", "a RECV",
			     "a CLOSED 1000"), NULL);
	cr_assert_eq(S.opens, 1);
	cr_assert_eq(S.closes, 1);
	cr_assert_eq(S.texts, 4);
	cr_assert_eq(strncmp(S.peer[0], "127.0.0.1:", 10), 0, "peer %s", S.peer[0]);
	cr_assert_gt(atoi(S.peer[0] + 10), 0);
	cr_assert_eq(S.send_in_on_close_rc, -ENOENT);
	cp_ws_stats(S.ws, &st);
	cr_assert_eq(st.accepted, 1);
	cr_assert_eq(st.open, 0);
	cr_assert_eq(st.msgs_in, 4);
	cr_assert_eq(st.msgs_out, 4);
	cr_assert_eq(st.closed, 1);
	cr_assert_eq(st.refused_auth + st.refused_full + st.refused_other + st.tls_failed, 0);
	cr_assert_eq(st.too_big + st.binary_refused + st.bad_utf8, 0);
}

Test(cp_ws, callbacks_reenter_other_connections)
{
	struct cp_ws_cfg cfg;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	run_and_settle(LINES("a:open", "b:open", "a:send:broadcast:hey", "a:recv", "b:recv",
			     "a:send:closeothers:4001", "b:waitclose", "a:send:still",
			     "a:recv", "a:close"),
		       LINES("a OPEN", "b OPEN", "a RECV hey", "b RECV hey",
			     "b CLOSED 4001 closed by another", "a RECV still",
			     "a CLOSED 1000"), NULL);
	cr_assert_eq(S.opens, 2);
}

Test(cp_ws, wss_echo)
{
	struct cp_ws_cfg cfg;
	char *out, a_open[256], c_open[256];

	make_pki();
	cp_ws_cfg_default(&cfg);
	cfg.cert = pki("server.pem");
	cfg.key = pki("server.key");
	cfg.token = "tls-token";
	srv_start(&cfg);
	cr_assert_eq(strncmp(S.url, "wss://", 6), 0);
	snprintf(a_open, sizeof(a_open), "a:open:token=tls-token,ca=%s", pki("ca.pem"));
	snprintf(c_open, sizeof(c_open), "c:open:ca=%s", pki("ca.pem"));
	/* b trusts only the system's CAs: it must not accept the test server */
	out = client_run(LINES(a_open, "a:send:over tls", "a:recv", "a:send:big:300000",
			       "a:recvlen", "a:recv", "a:close", "b:open:token=tls-token",
			       c_open));
	expect_lines(out, LINES("a OPEN", "a RECV over tls", "a RECVLEN 300000 L same",
				"a RECV small", "a CLOSED 1000", "c STATUS 401"));
	expect_prefix(out, "b ERROR SSLCertVerificationError");
	srv_settle();
	cr_assert_eq(S.opens, 1);
	free(out);
}

Test(cp_ws, client_certificates)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;
	char *out, good[512], none[256], rogue[512];

	make_pki();
	cp_ws_cfg_default(&cfg);
	cfg.cert = pki("server.pem");
	cfg.key = pki("server.key");
	cfg.ca = pki("ca.pem");
	srv_start(&cfg);
	snprintf(good, sizeof(good), "a:open:ca=%s,cert=%s,key=%s", pki("ca.pem"),
		 pki("client.pem"), pki("client.key"));
	snprintf(none, sizeof(none), "b:open:ca=%s", pki("ca.pem"));
	snprintf(rogue, sizeof(rogue), "c:open:ca=%s,cert=%s,key=%s", pki("ca.pem"),
		 pki("rogue.pem"), pki("rogue.key"));
	out = client_run(LINES(good, "a:send:with cert", "a:recv", none, rogue, "a:send:again",
			       "a:recv", "a:close"));
	expect_lines(out, LINES("a OPEN", "a RECV with cert", "a RECV again", "a CLOSED 1000"));
	expect_prefix(out, "b ERROR");
	expect_prefix(out, "c ERROR");
	expect_no_prefix(out, "b OPEN");
	expect_no_prefix(out, "c OPEN");
	srv_settle();
	cp_ws_stats(S.ws, &st);
	cr_assert_eq(S.opens, 1);
	cr_assert_eq(st.accepted, 1);
	cr_assert_eq(st.tls_failed, 2);
	free(out);
}

Test(cp_ws, bearer_token)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg);
	cfg.token = "s3cret-T0ken";
	srv_start(&cfg);
	run_and_settle(LINES("a:open:token=s3cret-T0ken", "a:send:authorised", "a:recv",
			     "b:open", "c:open:token=s3cret-T0kem", "d:open:token=s3cret-T0ken2",
			     "e:open:token=s3cret", "a:close"),
		       LINES("a OPEN", "a RECV authorised", "b STATUS 401", "c STATUS 401",
			     "d STATUS 401", "e STATUS 401", "a CLOSED 1000"), &st);
	cr_assert_eq(S.opens, 1);
	cr_assert_eq(st.accepted, 1);
	cr_assert_eq(st.refused_auth, 4);
}

Test(cp_ws, message_too_big)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg); /* max_message 65536 */
	srv_start(&cfg);
	run_and_settle(LINES("a:open", "b:open", "b:send:before", "b:recv",
			     "a:sendsize:1048576", "a:waitclose", "b:send:after", "b:recv",
			     "c:open", "c:sendsize:65536", "c:recvlen", "b:send:still", "b:recv",
			     "b:close", "c:close"),
		       LINES("a OPEN", "b OPEN", "b RECV before",
			     "a CLOSED 1009 message too big",
			     "b RECV after", "c OPEN", "c RECVLEN 65536 x same", "b RECV still",
			     "b CLOSED 1000"), &st);
	cr_assert_eq(st.too_big, 1);
	cr_assert_eq(S.opens, 3);
}

Test(cp_ws, binary_refused)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	run_and_settle(LINES("a:open", "a:sendbin:10", "a:waitclose"),
		       LINES("a OPEN", "a CLOSED 1003 binary messages are not supported"), &st);
	cr_assert_eq(st.binary_refused, 1);
	cr_assert_eq(S.texts, 0);
}

Test(cp_ws, fragmented_messages)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;
	char big[200];

	cp_ws_cfg_default(&cfg);
	cfg.max_message = 100;
	srv_start(&cfg);
	/* c: 3 fragments of 40 bytes: each fits, the message (120) does not */
	snprintf(big, sizeof(big), "c:sendfrag:%.40s,%.40s,%.40s",
		 "0123456789012345678901234567890123456789",
		 "0123456789012345678901234567890123456789",
		 "0123456789012345678901234567890123456789");
	run_and_settle(LINES("a:open", "a:sendfrag:frag-one,frag-two,frag-three", "a:recv",
			     /* "café!" with é split between two frames */
			     "a:sendraw:636166c3,a921", "a:recv",
			     "b:open", "b:sendraw:c328", "b:waitclose",
			     "c:open", big, "c:waitclose",
			     "d:open", "d:sendraw:eda080", "d:waitclose",
			     "a:send:last", "a:recv", "a:close"),
		       LINES("a OPEN", "a RECV frag-onefrag-twofrag-three",
			     "a RECV caf\xc3\xa9!",
			     "b OPEN", "b CLOSED 1007 text message is not UTF-8",
			     "c OPEN", "c CLOSED 1009 message too big",
			     "d OPEN", "d CLOSED 1007 text message is not UTF-8",
			     "a RECV last", "a CLOSED 1000"), &st);
	cr_assert_eq(st.bad_utf8, 2);
	cr_assert_eq(st.too_big, 1);
	cr_assert_eq(st.msgs_in, 3);
}

Test(cp_ws, server_close_with_code)
{
	struct cp_ws_cfg cfg;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	/* what was queued before cp_ws_close() arrives before the close frame */
	run_and_settle(LINES("a:open", "a:send:close:4000", "a:recv", "a:waitclose"),
		       LINES("a OPEN", "a RECV bye-first", "a CLOSED 4000 server says bye"), NULL);
	cr_assert_eq(S.send_after_close_rc, -ENOENT);
	cr_assert_eq(S.send_in_on_close_rc, -ENOENT);
}

Test(cp_ws, max_conns)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg);
	cfg.max_conns = 2;
	srv_start(&cfg);
	run_and_settle(LINES("a:open", "b:open", "c:open", "a:send:a-alive", "a:recv",
			     "b:send:b-alive", "b:recv", "a:close", "sleep:200", "d:open",
			     "d:send:d-alive", "d:recv", "e:open", "b:close", "d:close"),
		       LINES("a OPEN", "b OPEN", "c STATUS 503", "a RECV a-alive",
			     "b RECV b-alive", "a CLOSED 1000", "d OPEN", "d RECV d-alive",
			     "e STATUS 503", "b CLOSED 1000", "d CLOSED 1000"), &st);
	cr_assert_eq(st.accepted, 3);
	cr_assert_eq(st.refused_full, 2);
	cr_assert_eq(st.open, 0);
}

Test(cp_ws, send_errors)
{
	struct cp_ws_cfg cfg;
	char *out, line[320];

	cp_ws_cfg_default(&cfg);
	cfg.max_queued = 1000;
	srv_start(&cfg);
	cr_assert_eq(cp_ws_send(S.ws, 0, "x", 1), -ENOENT);
	cr_assert_eq(cp_ws_send(S.ws, 12345, "x", 1), -ENOENT);
	cr_assert_eq(cp_ws_close(S.ws, 12345, 1000, NULL), -ENOENT);
	cr_assert_eq(cp_ws_send(S.ws, 1, NULL, 1), -EINVAL);
	/* 3 x 300 bytes fit in max_queued 1000, the 4th does not */
	out = client_run(LINES("a:open", "a:send:fill:300", "a:recv", "a:recv", "a:recv",
			       "a:send:probe", "a:recv", "a:close"));
	memcpy(line, "a RECV ", 7);
	memset(line + 7, 'f', 300);
	line[307] = '\0';
	/* the three, in order, before the reply to what the client sent next */
	expect_lines(out, LINES("a OPEN", line, line, line, "a RECV probed", "a CLOSED 1000"));
	cr_assert_eq(S.fill_count, 3);
	cr_assert_eq(S.fill_last_rc, -ENOBUFS);
	cr_assert_eq(S.probe_rc[0], -EINVAL);
	cr_assert_eq(S.probe_rc[1], -EINVAL);
	cr_assert_eq(S.probe_rc[2], -EINVAL);
	srv_settle();
	/* closed: the ID is stale for ever */
	cr_assert_eq(cp_ws_send(S.ws, S.ids[0], "x", 1), -ENOENT);
	cr_assert_eq(cp_ws_close(S.ws, S.ids[0], 1000, NULL), -ENOENT);
	free(out);
}

Test(cp_ws, destroy_closes_all)
{
	struct cp_ws_cfg cfg;
	pid_t pid;
	char *out;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	pid = client_start(LINES("a:open", "b:open", "c:open", "a:waitclose", "b:waitclose",
				 "c:waitclose"));
	srv_service_until(&S.opens, 3);
	cr_assert_eq(S.opens, 3);
	cr_assert_eq(cp_ws_send(S.ws, S.ids[0], "queued", 6), 0);
	cp_ws_destroy(S.ws);
	S.ws = NULL;
	cr_assert_eq(S.closes, 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert(!S.open[i]);
	out = client_wait(pid);
	expect_lines(out, LINES("a RECV queued", "a CLOSED 1001 server shutting down"));
	expect_lines(out, LINES("b CLOSED 1001 server shutting down"));
	expect_lines(out, LINES("c CLOSED 1001 server shutting down"));
	free(out);
}

Test(cp_ws, large_messages_out)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;
	char *out;

	cp_ws_cfg_default(&cfg); /* max_queued 1 MiB */
	srv_start(&cfg);
	out = client_run(LINES("a:open", "a:send:big:1000000", "a:recvlen", "a:recv",
			       "a:send:big:2000000", "a:send:after", "a:recv", "a:recv",
			       "a:close"));
	/* the second big one exceeds max_queued: -ENOBUFS, and only "small" goes */
	expect_lines(out, LINES("a OPEN", "a RECVLEN 1000000 L same", "a RECV small",
				"a RECV small", "a RECV after", "a CLOSED 1000"));
	cr_assert_eq(S.big_rc, -ENOBUFS);
	srv_settle();
	cp_ws_stats(S.ws, &st);
	cr_assert_eq(st.msgs_out, 4);
	free(out);
}

Test(cp_ws, other_refusals)
{
	struct cp_ws_cfg cfg;
	struct cp_ws_stats st;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	run_and_settle(LINES("a:http", "b:open:proto=other", "c:open:proto=other|mams",
			     "c:send:fine", "c:recv", "d:open:proto=mams", "c:close", "d:close"),
		       LINES("a HTTP 404", "b STATUS 400", "c OPEN mams", "c RECV fine",
			     "d OPEN mams", "c CLOSED 1000", "d CLOSED 1000"), &st);
	cr_assert_eq(S.opens, 2);
	cr_assert_eq(st.refused_other, 2);
	cr_assert_eq(st.refused_auth + st.refused_full, 0);
}

/* A client that dies: on_close all the same. */
Test(cp_ws, abrupt_disconnect)
{
	struct cp_ws_cfg cfg;
	pid_t pid;
	int st;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	pid = client_start(LINES("a:open", "b:open", "a:send:hello", "sleep:60000"));
	srv_service_until(&S.texts, 1);
	cr_assert_eq(S.opens, 2);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	srv_settle();
	cr_assert_eq(S.closes, 2);
	cr_assert_eq(cp_ws_send(S.ws, S.ids[0], "x", 1), -ENOENT);
}

/*
 * Destroy the server while the client pid is stopped: it must end within 2 s
 * and report on_close for each of its `closes` connections; then reap pid.
 */
static void destroy_then_reap(pid_t pid, unsigned closes)
{
	uint64_t t0 = now_ms();
	int st;

	cp_ws_destroy(S.ws);
	S.ws = NULL;
	cr_assert_lt(now_ms() - t0, 2000);
	cr_assert_eq(S.closes, closes);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
}

/* Peers that do not answer the close: destroy still ends, on_close for each. */
Test(cp_ws, destroy_with_frozen_peers)
{
	struct cp_ws_cfg cfg;
	pid_t pid;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	pid = client_start(LINES("a:open", "b:open", "a:send:hello", "sleep:60000"));
	srv_service_until(&S.texts, 1);
	cr_assert_eq(S.opens, 2);
	kill(pid, SIGSTOP);
	destroy_then_reap(pid, 2);
}

/* A peer that stopped reading: the close cannot even be sent. */
Test(cp_ws, destroy_with_stuck_peer)
{
	struct cp_ws_cfg cfg;
	uint64_t deadline;
	char *chunk;
	unsigned sent = 0, refused = 0;
	pid_t pid;

	cp_ws_cfg_default(&cfg);
	cfg.max_queued = 4u << 20;
	srv_start(&cfg);
	pid = client_start(LINES("a:open", "a:send:hello", "sleep:60000"));
	srv_service_until(&S.texts, 1);
	cr_assert_eq(S.opens, 1);
	kill(pid, SIGSTOP);
	chunk = malloc(1u << 20);
	cr_assert_not_null(chunk);
	memset(chunk, 's', 1u << 20);
	/* fill the socket buffers, then our queue, until sending is refused */
	deadline = now_ms() + 20000;
	while (refused < 50 && now_ms() < deadline) {
		if (cp_ws_send(S.ws, S.ids[0], chunk, 1u << 20) == 0)
			sent++;
		else
			refused++;
		cp_ws_service(S.ws, 1);
	}
	free(chunk);
	cr_assert_eq(refused, 50, "%u MiB sent, the queue never filled", sent);
	destroy_then_reap(pid, 1);
}

/* The main loop calls cp_ws_service(ws, 1) and needs it back in ~1 ms. */
Test(cp_ws, service_returns_when_idle)
{
	struct cp_ws_cfg cfg;
	uint64_t t0, dt;
	int i;

	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);
	t0 = now_ms();
	for (i = 0; i < 200; i++)
		cr_assert_eq(cp_ws_service(S.ws, 1), 0);
	dt = now_ms() - t0;
	/* waits (not a busy loop), but never much longer than asked */
	cr_assert_geq(dt, 150, "200 x 1 ms took %llu ms", (unsigned long long)dt);
	cr_assert_lt(dt, 4000, "200 x 1 ms took %llu ms", (unsigned long long)dt);
	t0 = now_ms();
	for (i = 0; i < 1000; i++)
		cr_assert_eq(cp_ws_service(S.ws, 0), 0);
	dt = now_ms() - t0;
	cr_assert_lt(dt, 1000, "1000 x 0 ms took %llu ms", (unsigned long long)dt);
	t0 = now_ms();
	cr_assert_eq(cp_ws_service(S.ws, 50), 0);
	dt = now_ms() - t0;
	cr_assert_geq(dt, 40, "50 ms took %llu ms", (unsigned long long)dt);
	cr_assert_lt(dt, 1000, "50 ms took %llu ms", (unsigned long long)dt);
}

static void expect_create_error(const struct cp_ws_cfg *cfg, const char *want)
{
	const struct cp_ws_ops ops = {.opaque = &S};
	struct cp_ws *ws;
	char err[512];

	ws = cp_ws_create(cfg, &ops, err, sizeof(err));
	if (ws != NULL)
		cp_ws_destroy(ws);
	cr_assert_null(ws, "created; wanted an error with \"%s\"", want);
	cr_assert_not_null(strstr(err, want), "error \"%s\" does not say \"%s\"", err, want);
}

Test(cp_ws, create_errors_name_the_cause)
{
	struct cp_ws_cfg cfg;

	make_pki();
	cp_ws_cfg_default(&cfg);
	srv_start(&cfg);

	cp_ws_cfg_default(&cfg);
	cfg.port = cp_ws_port(S.ws); /* taken */
	expect_create_error(&cfg, "bind 127.0.0.1:");
	cp_ws_cfg_default(&cfg);
	cfg.listen_addr = "192.0.2.1"; /* TEST-NET-1: not ours */
	expect_create_error(&cfg, "bind 192.0.2.1:0");
	cfg.listen_addr = "localhost";
	expect_create_error(&cfg, "not an IPv4 address");

	cp_ws_cfg_default(&cfg);
	cfg.cert = pki("missing.pem");
	cfg.key = pki("server.key");
	expect_create_error(&cfg, "cert file");
	cfg.cert = pki("server.key");
	expect_create_error(&cfg, "no PEM certificate");
	cfg.cert = pki("server.pem");
	cfg.key = pki("server.pem");
	expect_create_error(&cfg, "key file");
	cfg.key = pki("client.key"); /* a key, but not the cert's */
	expect_create_error(&cfg, "TLS set-up");
	cfg.key = pki("server.key");
	cfg.ca = pki("missing-ca.pem");
	expect_create_error(&cfg, "CA file");
	cfg.key = NULL;
	expect_create_error(&cfg, "cert and key");
	cp_ws_cfg_default(&cfg);
	cfg.ca = pki("ca.pem");
	expect_create_error(&cfg, "needs cert and key");
	cp_ws_cfg_default(&cfg);
	cfg.token = "has space";
	expect_create_error(&cfg, "token");
	cfg.token = "";
	expect_create_error(&cfg, "token");

	/* and a good one still works next to the first */
	cp_ws_cfg_default(&cfg);
	cfg.cert = pki("server.pem");
	cfg.key = pki("server.key");
	cfg.ca = pki("ca.pem");
	{
		const struct cp_ws_ops ops = {.opaque = &S};
		char err[256];
		struct cp_ws *ws = cp_ws_create(&cfg, &ops, err, sizeof(err));

		cr_assert_not_null(ws, "%s", err);
		cr_assert_neq(cp_ws_port(ws), cp_ws_port(S.ws));
		cp_ws_destroy(ws);
	}
}
