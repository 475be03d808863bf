/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim's HTTP/1.1 listener on libwebsockets (cp_rest.h): its own
 * vhost, on the NCM's context when there is one.  It only collects a
 * request (method, path, query, Authorization, a body of at most
 * CP_REST_MAX_BODY bytes), hands it to cp_rest_handle() and writes the
 * answer back in pieces as the socket takes them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "cp_rest.h"
#include "cp_ws.h"

#define CHUNK 4096u

struct cp_rest_http {
	struct lws_context *ctx;
	bool own_ctx;
	struct lws_vhost *vh;
	struct cp_rest *rest;
	uint64_t (*now_ms)(void);
	uint16_t port;
	struct lws_protocols protocols[2];
};

/* One HTTP transaction. */
struct pss {
	char method[8];
	char path[256];
	char query[512];
	char auth[CP_TOKEN_LEN + 64];
	bool has_auth;
	char *body;
	size_t body_len, body_cap;
	bool too_big;
	struct cp_rest_resp resp;
	size_t sent;
	bool responding;
};

static void pss_free(struct pss *p)
{
	free(p->body);
	p->body = NULL;
	cp_rest_resp_free(&p->resp);
	p->responding = false;
}

static struct cp_rest_http *wsi_http(struct lws *wsi)
{
	struct lws_vhost *vh = lws_get_vhost(wsi);

	return vh != NULL ? lws_vhost_user(vh) : NULL;
}

static const struct {
	enum lws_token_indexes tok;
	const char *name;
} methods[] = {
	{ WSI_TOKEN_GET_URI, "GET" },	    { WSI_TOKEN_POST_URI, "POST" },
	{ WSI_TOKEN_PUT_URI, "PUT" },	    { WSI_TOKEN_DELETE_URI, "DELETE" },
	{ WSI_TOKEN_PATCH_URI, "PATCH" },   { WSI_TOKEN_OPTIONS_URI, "OPTIONS" },
	{ WSI_TOKEN_HEAD_URI, "HEAD" },
};

static int respond(struct lws *wsi, struct cp_rest_http *h, struct pss *p)
{
	unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *q = start,
					   *end = hdr + sizeof(hdr) - 1;
	struct cp_rest_req req = {
		.method = p->method,
		.path = p->path,
		.query = p->query[0] ? p->query : NULL,
		.body = p->body,
		.body_len = p->too_big ? CP_REST_MAX_BODY + 1u : p->body_len,
		.auth = p->has_auth ? p->auth : NULL,
		.now_ms = h->now_ms(),
	};

	cp_rest_handle(h->rest, &req, &p->resp);
	p->responding = true;
	p->sent = 0;
	if (lws_add_http_common_headers(wsi, (unsigned)p->resp.status,
					p->resp.content_type ? p->resp.content_type : "text/plain",
					p->resp.len, &q, end) ||
	    lws_finalize_write_http_header(wsi, start, &q, end))
		return -1;
	lws_callback_on_writable(wsi);
	return 0;
}

static int on_writeable(struct lws *wsi, struct pss *p)
{
	unsigned char buf[LWS_PRE + CHUNK];
	size_t n = p->resp.len - p->sent;
	bool last;

	if (!p->responding)
		return 0;
	if (n > CHUNK)
		n = CHUNK;
	last = p->sent + n == p->resp.len;
	if (n > 0)
		memcpy(buf + LWS_PRE, p->resp.body + p->sent, n);
	if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
	    (int)n)
		return -1;
	p->sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	pss_free(p);
	if (p->too_big)
		return -1; /* the rest of the body is not read: close */
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pss *p = user;
	struct cp_rest_http *h;
	char cl[24];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		h = wsi_http(wsi);
		if (h == NULL || p == NULL)
			return -1;
		pss_free(p);
		memset(p, 0, sizeof(*p));
		snprintf(p->method, sizeof(p->method), "?");
		for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			if (lws_hdr_total_length(wsi, methods[i].tok) > 0)
				snprintf(p->method, sizeof(p->method), "%s", methods[i].name);
		snprintf(p->path, sizeof(p->path), "%s", in != NULL ? (const char *)in : "/");
		/* the arguments one by one (lws splits them at '&', decoded) */
		for (int n = 0, l = 0; l < (int)sizeof(p->query) - 1; n++) {
			int got = lws_hdr_copy_fragment(wsi, p->query + l + (l > 0),
							(int)sizeof(p->query) - l - (l > 0),
							WSI_TOKEN_HTTP_URI_ARGS, n);

			if (got < 0)
				break;
			if (l > 0)
				p->query[l++] = '&';
			l += got;
		}
		p->has_auth = lws_hdr_copy(wsi, p->auth, sizeof(p->auth),
					   WSI_TOKEN_HTTP_AUTHORIZATION) > 0;
		if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
			unsigned long long n = strtoull(cl, NULL, 10);

			if (n > CP_REST_MAX_BODY) {
				p->too_big = true;
				return respond(wsi, h, p);
			}
			/* lws ends a request with a body by
			 * LWS_CALLBACK_HTTP_BODY_COMPLETION, and a POST with
			 * Content-Length: 0 too (lws 4.1; not PUT or PATCH):
			 * answer there */
			if (n > 0 || strcmp(p->method, "POST") == 0) {
				p->body = malloc((size_t)n + 1);
				if (p->body == NULL)
					return -1;
				p->body_cap = (size_t)n;
				return 0;
			}
		}
		return respond(wsi, h, p);

	case LWS_CALLBACK_HTTP_BODY:
		if (p == NULL || p->body == NULL)
			return -1;
		if (len == 0)
			return 0;
		if (len > p->body_cap - p->body_len) {
			p->too_big = true;
			return 0;
		}
		memcpy(p->body + p->body_len, in, len);
		p->body_len += len;
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		h = wsi_http(wsi);
		if (h == NULL || p == NULL)
			return -1;
		if (p->responding)
			return 0; /* answered already (Content-Length: 0, or too big) */
		if (p->body != NULL)
			p->body[p->body_len] = '\0';
		return respond(wsi, h, p);

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (p == NULL)
			return -1;
		return on_writeable(wsi, p);

	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (p != NULL)
			pss_free(p);
		return 0;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

struct cp_rest_http *cp_rest_http_create(struct lws_context *ctx, const struct cp_rest_config *cfg,
					 struct cp_rest *r, uint64_t (*now_ms)(void), char *err,
					 size_t errlen)
{
	struct cp_rest_http *h = calloc(1, sizeof(*h));
	struct lws_context_creation_info vi;
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;
	int port;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->rest = r;
	h->now_ms = now_ms;
	h->protocols[0].name = "http";
	h->protocols[0].callback = cb;
	h->protocols[0].per_session_data_size = sizeof(struct pss);
	if (ctx == NULL) {
		lws_set_log_level(LLL_ERR, NULL);
		ctx = cp_ws_new_lws_context();
		if (ctx == NULL) {
			snprintf(err, errlen, "rest: libwebsockets context creation failed");
			free(h);
			return NULL;
		}
		h->own_ctx = true;
	}
	h->ctx = ctx;
	a.s_addr = htonl(cfg->listen_ip);
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	memset(&vi, 0, sizeof(vi));
	vi.vhost_name = "rest";
	vi.port = cfg->listen_port;
	vi.iface = cfg->listen_ip != 0 ? addr : NULL;
	vi.protocols = h->protocols;
	vi.user = h;
	vi.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (cfg->cert[0] != '\0') {
		vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		vi.ssl_cert_filepath = cfg->cert;
		vi.ssl_private_key_filepath = cfg->key;
		vi.alpn = "http/1.1";
	}
	h->vh = lws_create_vhost(ctx, &vi);
	port = h->vh != NULL ? lws_get_vhost_listen_port(h->vh) : -1;
	if (h->vh == NULL || port <= 0 || port > 65535) {
		if (cfg->cert[0] != '\0')
			snprintf(err, errlen, "rest: listen https://%s:%u (cert '%s', key '%s') failed",
				 addr, cfg->listen_port, cfg->cert, cfg->key);
		else
			snprintf(err, errlen, "rest: listen http://%s:%u failed (address in use?)",
				 addr, cfg->listen_port);
		cp_rest_http_destroy(h);
		return NULL;
	}
	h->port = (uint16_t)port;
	return h;
}

uint16_t cp_rest_http_port(const struct cp_rest_http *h)
{
	return h != NULL ? h->port : 0;
}

void cp_rest_http_service(struct cp_rest_http *h, int timeout_ms)
{
	(void)timeout_ms; /* lws_service() would wait for its next event: poll only */
	if (h != NULL && h->own_ctx)
		lws_service(h->ctx, -1);
}

void cp_rest_http_destroy(struct cp_rest_http *h)
{
	if (h == NULL)
		return;
	if (h->own_ctx)
		lws_context_destroy(h->ctx);
	else if (h->vh != NULL)
		lws_vhost_destroy(h->vh);
	free(h);
}
