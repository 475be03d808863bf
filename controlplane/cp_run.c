/* SPDX-License-Identifier: BSD-3-Clause */
/* The WebSocket server and the NCM wired together (cp_run.h). */
#include "cp_run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cp_run {
	struct cp_ws *ws;
	struct cp_ncm *ncm;
	pthread_mutex_t lock; /* the NCM: service loop vs. readers */
};

uint64_t cp_run_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- cp_ws -> NCM (called inside cp_ws_service, lock held) --------------- */

static void on_open(void *opaque, uint64_t conn, const char *peer)
{
	struct cp_run *r = opaque;

	cp_ncm_on_open(r->ncm, conn, peer, cp_run_now_ms());
}

static void on_text(void *opaque, uint64_t conn, const char *text, size_t len)
{
	struct cp_run *r = opaque;

	cp_ncm_on_text(r->ncm, conn, text, len, cp_run_now_ms());
}

static void on_close(void *opaque, uint64_t conn)
{
	struct cp_run *r = opaque;

	if (r->ncm != NULL)
		cp_ncm_on_close(r->ncm, conn, cp_run_now_ms());
}

/* ---- NCM -> cp_ws ---------------------------------------------------------- */

static int io_send(void *opaque, uint64_t conn, const char *text, size_t len)
{
	struct cp_run *r = opaque;

	return cp_ws_send(r->ws, conn, text, len);
}

static int io_close(void *opaque, uint64_t conn, int code, const char *reason)
{
	struct cp_run *r = opaque;

	return cp_ws_close(r->ws, conn, code, reason);
}

struct cp_run *cp_run_create(const struct cp_config *cfg, struct dp_ctx *dp, char *err,
			     size_t errlen)
{
	struct cp_ws_ops ops = { .on_open = on_open, .on_text = on_text, .on_close = on_close };
	struct cp_ncm_io io = { .send = io_send, .close = io_close };
	struct cp_ws_cfg wc;
	struct cp_run *r = calloc(1, sizeof(*r));
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	ops.opaque = r;
	io.opaque = r;
	r->ncm = cp_ncm_create(cfg, dp, &io);
	if (r->ncm == NULL) {
		snprintf(err, errlen, "ncm: out of memory (max_sessions %u)", cfg->max_sessions);
		cp_run_destroy(r);
		return NULL;
	}
	cp_ws_cfg_default(&wc);
	a.s_addr = htonl(cfg->listen_ip);
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	wc.listen_addr = addr;
	wc.port = cfg->listen_port;
	wc.cert = cfg->cert[0] ? cfg->cert : NULL;
	wc.key = cfg->key[0] ? cfg->key : NULL;
	wc.ca = cfg->client_ca[0] ? cfg->client_ca : NULL;
	wc.token = cfg->token[0] ? cfg->token : NULL;
	wc.max_message = cfg->max_message;
	wc.max_conns = cfg->max_sessions * 2u;
	r->ws = cp_ws_create(&wc, &ops, err, errlen);
	if (r->ws == NULL) {
		cp_run_destroy(r);
		return NULL;
	}
	cp_ncm_set_listen_port(r->ncm, cp_ws_port(r->ws));
	return r;
}

void cp_run_service(struct cp_run *r, int timeout_ms)
{
	pthread_mutex_lock(&r->lock);
	cp_ws_service(r->ws, timeout_ms);
	cp_ncm_tick(r->ncm, cp_run_now_ms());
	pthread_mutex_unlock(&r->lock);
}

uint16_t cp_run_port(const struct cp_run *r)
{
	return cp_ws_port(r->ws);
}

unsigned cp_run_sessions(struct cp_run *r, struct cp_ncm_session_info *out, unsigned max,
			 unsigned *total)
{
	unsigned n;

	pthread_mutex_lock(&r->lock);
	n = cp_ncm_sessions(r->ncm, out, max, total, cp_run_now_ms());
	pthread_mutex_unlock(&r->lock);
	return n;
}

void cp_run_stats(struct cp_run *r, struct cp_ncm_stats *ncm, struct cp_ws_stats *ws)
{
	pthread_mutex_lock(&r->lock);
	cp_ncm_stats(r->ncm, ncm);
	cp_ws_stats(r->ws, ws);
	pthread_mutex_unlock(&r->lock);
}

int cp_run_terminate(struct cp_run *r, uint32_t session_id)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = cp_ncm_terminate(r->ncm, session_id, cp_run_now_ms());
	pthread_mutex_unlock(&r->lock);
	return rc;
}

void cp_run_destroy(struct cp_run *r)
{
	struct cp_ncm *ncm;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	/* The WebSockets first (their on_close still finds the NCM), then the
	 * NCM, which removes its sessions from the data plane. */
	if (r->ws != NULL)
		cp_ws_destroy(r->ws);
	r->ws = NULL;
	ncm = r->ncm;
	r->ncm = NULL;
	cp_ncm_destroy(ncm);
	pthread_mutex_unlock(&r->lock);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

struct cp_ncm *cp_run_ncm(struct cp_run *r)
{
	return r->ncm;
}

struct lws_context *cp_run_lws_context(struct cp_run *r)
{
	return cp_ws_lws_context(r->ws);
}

void cp_run_ws_stats_unlocked(struct cp_run *r, struct cp_ws_stats *out)
{
	cp_ws_stats(r->ws, out);
}
