/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's WebSocket to the NCM, on libwebsockets 4.1: ws:// or wss://
 * (a CA to verify the server, a client certificate, a bearer token), the
 * subprotocol "mams" or none.  Moves whole text messages only.
 *
 * Single-threaded and driven by the caller's poll() loop: mc_ws_pollfds()
 * lists libwebsockets' descriptors with the events it wants (tracked
 * through its external-poll callbacks), and mc_ws_service() runs
 * lws_service() without waiting.  lws 4.1 ignores lws_service()'s timeout,
 * so lws never sleeps here: the caller's poll() does, on lws's descriptors
 * and its own (docs/client.md).
 */
#ifndef MC_WS_H
#define MC_WS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mc_ws;

struct mc_ws_cfg {
	bool wss;
	const char *host;
	uint16_t port;
	const char *path;
	const char *ca, *cert, *key; /* NULL or "" when not given */
	const char *token;           /* NULL or "" when not given */
	bool subprotocol;            /* offer "mams" */
	uint32_t timeout_ms;         /* connect and handshake */
	int verbose;
};

struct mc_ws_ops {
	void *opaque;
	void (*on_open)(void *opaque);
	void (*on_text)(void *opaque, const char *text, size_t len);
	/* The connection ended (was_open) or could not be made; why: a reason. */
	void (*on_close)(void *opaque, bool was_open, const char *why);
};

struct mc_ws *mc_ws_create(const struct mc_ws_cfg *cfg, const struct mc_ws_ops *ops, char *err,
			   size_t errlen);
void mc_ws_destroy(struct mc_ws *w);

/* Starts a connection attempt; its outcome is on_open or on_close. */
int mc_ws_connect(struct mc_ws *w);
/* Queues one text message; -ENOTCONN when not open. */
int mc_ws_send(struct mc_ws *w, const char *text, size_t len);
/* Closes after what is queued. */
void mc_ws_close(struct mc_ws *w, int code, const char *reason);
bool mc_ws_open(const struct mc_ws *w);
bool mc_ws_busy(const struct mc_ws *w); /* connecting or open */

/* libwebsockets' descriptors and the events it waits for. */
unsigned mc_ws_pollfds(const struct mc_ws *w, struct pollfd *out, unsigned max);
/* Whether lws has buffered work that poll() cannot see (service at once). */
bool mc_ws_pending(struct mc_ws *w);
void mc_ws_service(struct mc_ws *w);

#endif /* MC_WS_H */
