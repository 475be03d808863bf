/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM's WebSocket server: terminates the CCMs' WebSocket sessions
 * (ws:// or wss://, optionally with client certificates and a bearer token)
 * on top of libwebsockets, and hands complete text messages to the caller.
 *
 * Single-threaded: every function, and every callback in struct cp_ws_ops,
 * runs on the control thread that calls cp_ws_service().  The server owns a
 * libwebsockets context created with LWS_SERVER_OPTION_EXPLICIT_VHOSTS and
 * the default poll() event loop; the NCM listens on its own vhost, and other
 * listeners (the REST shim) may add theirs to the same context.
 *
 * Connections are named by 64-bit IDs that are never reused: a stale ID is
 * simply -ENOENT.  The callbacks may call cp_ws_send() and cp_ws_close()
 * for any connection, including the one being served: both only queue and
 * ask libwebsockets for a writable callback, and nothing is freed before
 * libwebsockets reports the connection closed.
 *
 * Close codes sent by the server (RFC 6455 7.4.1): 1003 a binary message,
 * 1007 a text message that is not UTF-8, 1009 a message longer than
 * max_message, 1001 cp_ws_destroy(); anything else comes from cp_ws_close()
 * (1008 is left to the MAMS codec's own limits).  Refused upgrades answer
 * HTTP 401 (token), 503 (max_conns) or 400 (a client that offers
 * subprotocols but not "mams"); plain HTTP gets 404.  A missing or
 * unverifiable client certificate fails the TLS handshake.  Every refusal is
 * logged (stderr, rate-limited) and counted.
 */
#ifndef CP_WS_H
#define CP_WS_H

#include <stddef.h>
#include <stdint.h>

struct cp_ws;
struct lws_context;

#define CP_WS_DEFAULT_MAX_MESSAGE 65536u
#define CP_WS_DEFAULT_MAX_CONNS 1024u
#define CP_WS_DEFAULT_MAX_QUEUED (1024u * 1024u)
#define CP_WS_TOKEN_MAX 512u /* longest bearer token accepted in cfg */

struct cp_ws_cfg {
	const char *listen_addr; /* IPv4 address; NULL = "127.0.0.1"; "0.0.0.0" = all */
	uint16_t port;           /* 0 = let the kernel pick; see cp_ws_port() */
	const char *cert, *key;  /* PEM files; both set: wss://, neither: ws:// */
	const char *ca;          /* PEM file (needs cert/key): client certs required, verified */
	const char *token;       /* set: "Authorization: Bearer <token>" required, else HTTP 401 */
	size_t max_message;      /* bytes of one (reassembled) text message; over: close 1009 */
	unsigned max_conns;      /* concurrent WebSocket connections; over: HTTP 503 */
	size_t max_queued;       /* bytes queued for sending on one connection; over: -ENOBUFS */
};

struct cp_ws_ops {
	void *opaque;
	/* A WebSocket connection is open; peer is "a.b.c.d:port". */
	void (*on_open)(void *opaque, uint64_t conn, const char *peer);
	/*
	 * One complete text message: valid UTF-8, len bytes, followed by a NUL
	 * that len does not count.  The buffer is valid during the call only.
	 */
	void (*on_text)(void *opaque, uint64_t conn, const char *text, size_t len);
	/* Exactly once per on_open, whatever the cause; conn is already gone. */
	void (*on_close)(void *opaque, uint64_t conn);
};

struct cp_ws_stats {
	uint64_t accepted;       /* WebSocket connections opened (on_open calls) */
	uint64_t refused_auth;   /* upgrades refused for the token: HTTP 401 */
	uint64_t refused_full;   /* upgrades refused for max_conns: HTTP 503 */
	uint64_t refused_other;  /* not "mams" subprotocol (400), plain HTTP (404), h2c */
	uint64_t tls_failed;     /* fatal TLS alerts sent: client cert refused, ... */
	uint64_t open;           /* connections open now */
	uint64_t msgs_in;        /* text messages delivered to on_text */
	uint64_t msgs_out;       /* text messages written to the network */
	uint64_t too_big;        /* connections closed with 1009 */
	uint64_t binary_refused; /* connections closed with 1003 */
	uint64_t bad_utf8;       /* connections closed with 1007 by this module */
	uint64_t closed;         /* on_close calls */
};

/* Defaults: 127.0.0.1, port 0, ws://, no token, the CP_WS_DEFAULT_* limits. */
void cp_ws_cfg_default(struct cp_ws_cfg *c);

/*
 * Listen.  On failure: NULL, and err (when errlen > 0) names what failed:
 * the listen address, bind, cert file, key, CA, ...  The cfg strings are
 * copied; ops is copied.  Zero limits in cfg mean the defaults.
 */
struct cp_ws *cp_ws_create(const struct cp_ws_cfg *cfg, const struct cp_ws_ops *ops,
			   char *err, size_t errlen);

/*
 * Copy text and queue it as one text message.  0; -ENOENT: no such open
 * connection (closed, closing after cp_ws_close(), or never existed);
 * -ENOBUFS: it would put more than max_queued bytes in the queue;
 * -ENOMEM; -EINVAL.  Does not check that text is UTF-8.
 */
int cp_ws_send(struct cp_ws *ws, uint64_t conn, const char *text, size_t len);

/*
 * Send what is queued, then a close frame with code (1000-1003, 1007-1014
 * or 3000-4999) and reason (NULL, or UTF-8 cut to 123 bytes).  Messages
 * that arrive meanwhile are dropped.  0; -ENOENT as cp_ws_send(); -EINVAL
 * for a code that may not be sent.  on_close follows once the connection
 * is down.
 */
int cp_ws_close(struct cp_ws *ws, uint64_t conn, int code, const char *reason);

/*
 * Serve what is pending, waiting at most timeout_ms (0: do not wait) for
 * something to happen.  0, or -1 once the libwebsockets context is dead.
 */
int cp_ws_service(struct cp_ws *ws, int timeout_ms);

/* The port listened on (the kernel's choice when cfg.port was 0). */
uint16_t cp_ws_port(const struct cp_ws *ws);

/* For other vhosts (REST) on the same context; owned by ws. */
struct lws_context *cp_ws_lws_context(struct cp_ws *ws);

/*
 * A new libwebsockets context for explicit vhosts, listening nowhere itself
 * (TLS initialised, no canonical name lookup): the one cp_ws_create() makes,
 * and the REST listener's own without an NCM.  NULL on failure.
 */
struct lws_context *cp_ws_new_lws_context(void);

void cp_ws_stats(const struct cp_ws *ws, struct cp_ws_stats *out);

/*
 * Close every connection (1001 after its queue, waiting at most ~200 ms for
 * the peers; no new ones meanwhile), call on_close for each open one, free
 * everything.  Not from inside a cp_ws callback.  NULL is a no-op.
 */
void cp_ws_destroy(struct cp_ws *ws);

#endif /* CP_WS_H */
