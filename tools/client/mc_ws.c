/* SPDX-License-Identifier: BSD-3-Clause */
/* mams-client's WebSocket to the NCM (mc_ws.h). */
#include "mc_ws.h"
#include "mc_opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#define MC_WS_MAX_MESSAGE 65536u
#define MC_WS_MAX_FDS 32u
#define MC_WS_PROTOCOL "mams"

struct out_msg {
	struct out_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE + len */
};

struct mc_ws {
	struct mc_ws_cfg cfg;
	struct mc_ws_ops ops;
	char *host, *path, *token, *ca, *cert, *key;
	struct lws_context *ctx;
	struct lws_protocols protocols[2]; /* lws keeps a pointer: lives here */
	struct lws *wsi;
	bool connecting, open;
	bool closing;
	int close_code;
	char close_reason[124];
	char peer_close[160];           /* what the NCM's close frame said */
	struct out_msg *head, *tail;
	char *rx;
	size_t rx_len;
	bool rx_skip;                   /* the message being received is dropped */
	struct pollfd fds[MC_WS_MAX_FDS];
	unsigned n_fds;
};

static void queue_free(struct mc_ws *w)
{
	while (w->head != NULL) {
		struct out_msg *m = w->head;

		w->head = m->next;
		free(m);
	}
	w->tail = NULL;
}

/* ---- lws's descriptors ----------------------------------------------------------- */

static void fd_set_events(struct mc_ws *w, int fd, short events)
{
	for (unsigned i = 0; i < w->n_fds; i++)
		if (w->fds[i].fd == fd) {
			w->fds[i].events = events;
			return;
		}
	if (w->n_fds < MC_WS_MAX_FDS) {
		w->fds[w->n_fds].fd = fd;
		w->fds[w->n_fds].events = events;
		w->fds[w->n_fds].revents = 0;
		w->n_fds++;
	}
}

static void fd_del(struct mc_ws *w, int fd)
{
	for (unsigned i = 0; i < w->n_fds; i++)
		if (w->fds[i].fd == fd) {
			w->fds[i] = w->fds[--w->n_fds];
			return;
		}
}

unsigned mc_ws_pollfds(const struct mc_ws *w, struct pollfd *out, unsigned max)
{
	unsigned n = w->n_fds < max ? w->n_fds : max;

	memcpy(out, w->fds, n * sizeof(*out));
	for (unsigned i = 0; i < n; i++)
		out[i].revents = 0;
	return n;
}

/* ---- The callback ---------------------------------------------------------------- */

static void ended(struct mc_ws *w, bool was_open, const char *why)
{
	w->wsi = NULL;
	w->connecting = false;
	w->open = false;
	w->closing = false;
	w->rx_len = 0;
	w->rx_skip = false;
	queue_free(w);
	if (w->ops.on_close != NULL)
		w->ops.on_close(w->ops.opaque, was_open, why);
}

static int on_writable(struct mc_ws *w, struct lws *wsi)
{
	struct out_msg *m = w->head;

	if (m == NULL) {
		if (w->closing) {
			lws_close_reason(wsi, (enum lws_close_status)w->close_code,
					 (unsigned char *)w->close_reason, strlen(w->close_reason));
			return -1;
		}
		return 0;
	}
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
		return -1;
	w->head = m->next;
	if (w->head == NULL)
		w->tail = NULL;
	free(m);
	if (w->head != NULL || w->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

static void on_receive(struct mc_ws *w, struct lws *wsi, const void *in, size_t len)
{
	if (lws_is_first_fragment(wsi)) {
		w->rx_len = 0;
		w->rx_skip = lws_frame_is_binary(wsi) != 0;
	}
	if (!w->rx_skip && w->rx_len + len > MC_WS_MAX_MESSAGE) {
		w->rx_skip = true;
		if (w->cfg.verbose > 0)
			fprintf(stderr, "mams-client: a message of the NCM longer than %u bytes: "
				"dropped\n", MC_WS_MAX_MESSAGE);
	}
	if (!w->rx_skip) {
		memcpy(w->rx + w->rx_len, in, len);
		w->rx_len += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0)
		return;
	if (!w->rx_skip && w->ops.on_text != NULL) {
		w->rx[w->rx_len] = '\0';
		w->ops.on_text(w->ops.opaque, w->rx, w->rx_len);
	}
	w->rx_len = 0;
	w->rx_skip = false;
}

static int mc_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	struct mc_ws *w = ctx != NULL ? lws_context_user(ctx) : NULL;

	if (w == NULL)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_ADD_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD: {
		const struct lws_pollargs *pa = in;

		fd_set_events(w, pa->fd, (short)pa->events);
		return 0;
	}
	case LWS_CALLBACK_DEL_POLL_FD: {
		const struct lws_pollargs *pa = in;

		fd_del(w, pa->fd);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (w->token != NULL && wsi == w->wsi) {
			unsigned char **p = in, *end = *p + len;
			char v[16 + 520];
			int n = snprintf(v, sizeof(v), "Bearer %s", w->token);

			if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
							 (unsigned char *)v, n, p, end))
				return -1;
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (wsi != w->wsi)
			return -1;
		w->connecting = false;
		w->open = true;
		w->peer_close[0] = '\0';
		if (w->ops.on_open != NULL)
			w->ops.on_open(w->ops.opaque);
		if (w->head != NULL || w->closing)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (wsi == w->wsi && w->open)
			on_receive(w, wsi, in, len);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (wsi != w->wsi)
			return -1;
		return on_writable(w, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (wsi == w->wsi) {
			const unsigned char *b = in;
			unsigned code = len >= 2 ? (unsigned)b[0] << 8 | b[1] : 1005;

			snprintf(w->peer_close, sizeof(w->peer_close),
				 "the NCM closed the connection (code %u%s%.*s)", code,
				 len > 2 ? ": " : "", len > 2 ? (int)(len - 2 > 120 ? 120 : len - 2) : 0,
				 len > 2 ? (const char *)b + 2 : "");
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
		char why[256];

		if (wsi != w->wsi && w->wsi != NULL)
			return 0;
		snprintf(why, sizeof(why), "%.*s", in != NULL ? (int)(len > 200 ? 200 : len) : 0,
			 in != NULL ? (const char *)in : "");
		if (why[0] == '\0' && in != NULL)
			snprintf(why, sizeof(why), "%s", (const char *)in);
		ended(w, false, why[0] ? why : "connection failed");
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (wsi == w->wsi) {
			bool was_open = w->open;
			char why[160];

			snprintf(why, sizeof(why), "%s",
				 w->peer_close[0] ? w->peer_close : "the connection closed");
			ended(w, was_open, why);
		}
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- API ------------------------------------------------------------------------- */

static void lws_log_emit(int level, const char *line)
{
	(void)level;
	fprintf(stderr, "mams-client: lws: %s", line);
}

static char *dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

struct mc_ws *mc_ws_create(const struct mc_ws_cfg *cfg, const struct mc_ws_ops *ops, char *err,
			   size_t errlen)
{
	struct lws_context_creation_info info;
	struct mc_ws *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		mc_fail(err, errlen, "out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	w->ops = *ops;
	w->host = strdup(cfg->host);
	w->path = strdup(cfg->path != NULL ? cfg->path : "/");
	w->token = dup_or_null(cfg->token);
	w->ca = dup_or_null(cfg->ca);
	w->cert = dup_or_null(cfg->cert);
	w->key = dup_or_null(cfg->key);
	w->rx = malloc(MC_WS_MAX_MESSAGE + 1u);
	if (w->host == NULL || w->path == NULL || w->rx == NULL) {
		mc_fail(err, errlen, "out of memory");
		mc_ws_destroy(w);
		return NULL;
	}
	lws_set_log_level(cfg->verbose >= 2 ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR,
			  lws_log_emit);
	w->protocols[0].name = MC_WS_PROTOCOL;
	w->protocols[0].callback = mc_ws_cb;
	w->protocols[0].rx_buffer_size = 0;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = w->protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = w;
	info.timeout_secs = cfg->timeout_ms < 1000 ? 1 : (cfg->timeout_ms + 999u) / 1000u;
	if (cfg->wss) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = w->ca;
		info.client_ssl_cert_filepath = w->cert;
		info.client_ssl_private_key_filepath = w->key;
	}
	w->ctx = lws_create_context(&info);
	if (w->ctx == NULL) {
		mc_fail(err, errlen, "--ncm: cannot create the libwebsockets context%s",
		     cfg->wss ? " (TLS: check --ca, --cert and --key)" : "");
		mc_ws_destroy(w);
		return NULL;
	}
	return w;
}

int mc_ws_connect(struct mc_ws *w)
{
	struct lws_client_connect_info ci;

	if (w->connecting || w->open)
		return -EBUSY;
	memset(&ci, 0, sizeof(ci));
	ci.context = w->ctx;
	ci.address = w->host;
	ci.port = w->cfg.port;
	ci.path = w->path;
	ci.host = w->host;
	ci.origin = w->host;
	ci.protocol = w->cfg.subprotocol ? MC_WS_PROTOCOL : NULL;
	ci.local_protocol_name = MC_WS_PROTOCOL;
	ci.ssl_connection = w->cfg.wss ? LCCSCF_USE_SSL : 0;
	ci.alpn = w->cfg.wss ? "http/1.1" : NULL;
	ci.pwsi = &w->wsi;
	w->peer_close[0] = '\0';
	w->connecting = true;
	if (lws_client_connect_via_info(&ci) == NULL) {
		/* Failed at once; the error callback may or may not have run. */
		if (w->connecting)
			ended(w, false, "cannot start the connection");
		return -ECONNREFUSED;
	}
	return 0;
}

int mc_ws_send(struct mc_ws *w, const char *text, size_t len)
{
	struct out_msg *m;

	if (!w->open || w->wsi == NULL || w->closing)
		return -ENOTCONN;
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (m == NULL)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (w->tail != NULL)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	lws_callback_on_writable(w->wsi);
	return 0;
}

void mc_ws_close(struct mc_ws *w, int code, const char *reason)
{
	if (w->wsi == NULL)
		return;
	if (!w->open) {
		/* Still connecting: give up the attempt. */
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
		return;
	}
	w->closing = true;
	w->close_code = code;
	snprintf(w->close_reason, sizeof(w->close_reason), "%s", reason != NULL ? reason : "");
	lws_callback_on_writable(w->wsi);
}

bool mc_ws_open(const struct mc_ws *w)
{
	return w->open;
}

bool mc_ws_busy(const struct mc_ws *w)
{
	return w->open || w->connecting;
}

bool mc_ws_pending(struct mc_ws *w)
{
	return lws_service_adjust_timeout(w->ctx, 1, 0) == 0;
}

void mc_ws_service(struct mc_ws *w)
{
	/* A negative timeout: lws polls its descriptors without waiting. */
	lws_service(w->ctx, -1);
}

void mc_ws_destroy(struct mc_ws *w)
{
	if (w == NULL)
		return;
	if (w->ctx != NULL) {
		w->ops.on_close = NULL; /* no callbacks into a caller that is going away */
		w->ops.on_text = NULL;
		w->ops.on_open = NULL;
		lws_context_destroy(w->ctx);
	}
	queue_free(w);
	free(w->host);
	free(w->path);
	free(w->token);
	free(w->ca);
	free(w->cert);
	free(w->key);
	free(w->rx);
	free(w);
}
