/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST shim (docs/rest.md, docs/api/openapi.yaml): operators read and
 * reconfigure the running gateway over HTTP/JSON, Prometheus scrapes it.
 *
 * Two halves.  cp_rest_handle() is transport-free: method, path, query,
 * body and Authorization header in, status and body out; it reaches the
 * data plane through shared/dp_api.h only and the NCM through cp_ncm.h, and
 * the unit tests drive it with the fake data plane.  cp_rest_http (below)
 * is the thin libwebsockets glue: its own vhost on the NCM's lws context
 * (or a context of its own without an NCM), served by the control thread.
 * Everything runs on the control thread; nothing here blocks a worker.
 */
#ifndef CP_REST_H
#define CP_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_ws.h"
#include "dp_config.h"

struct dp_ctx;
struct cp_ncm;
struct cp_rest;
struct lws_context;

#define CP_REST_MAX_BODY 65536u   /* request bodies; larger: 413 */
#define CP_REST_DEFAULT_PORT 8080u

/* The "rest" section of the gateway's file (config/README.md). */
struct cp_rest_config {
	bool enabled;                 /* the section is present */
	uint32_t listen_ip;           /* host order; 0 = every address */
	uint16_t listen_port;         /* 0: the kernel picks */
	char cert[CP_PATH_LEN], key[CP_PATH_LEN]; /* both: https */
	char token[CP_TOKEN_LEN];     /* "": no token required */
};

void cp_rest_config_defaults(struct cp_rest_config *c);
/* 0, or -1 with "rest.path: reason" in err.  No section: 0, enabled false. */
int cp_rest_config_parse(const char *json, size_t len, struct cp_rest_config *c, char *err,
			 size_t errlen);
int cp_rest_config_load(const char *path, struct cp_rest_config *c, char *err, size_t errlen);

/* What the shim works on; copied by cp_rest_create(). */
struct cp_rest_env {
	struct dp_ctx *dp;
	struct cp_ncm *ncm;               /* NULL: no NCM */
	const struct dp_config *dpc;      /* the running configuration */
	const struct cp_config *ncfg;
	const struct cp_rest_config *rcfg;
	const char *config_path;          /* POST /v1/config/reload reads it; NULL: 409 */
	uint64_t start_ms;                /* for uptime_s, on the clock of the requests */
	/* The NCM's WebSocket server counters for /metrics; NULL: none. */
	void (*ws_stats)(void *opaque, struct cp_ws_stats *out);
	void *ws_opaque;
};

struct cp_rest_req {
	const char *method;     /* "GET", "PUT", ... */
	const char *path;       /* "/v1/sessions/7", no query */
	const char *query;      /* "offset=0&limit=10" (decoded values) or NULL */
	const char *body;       /* NULL or body_len bytes */
	size_t body_len;
	const char *auth;       /* the Authorization header or NULL */
	uint64_t now_ms;
};

struct cp_rest_resp {
	int status;
	const char *content_type; /* static string */
	char *body;               /* malloc'd, NUL-terminated; cp_rest_resp_free() */
	size_t len;
};

struct cp_rest *cp_rest_create(const struct cp_rest_env *env);
void cp_rest_destroy(struct cp_rest *r);
/* Always fills resp (errors are JSON bodies); 0, or -ENOMEM (resp is then a
 * bodiless 500). */
int cp_rest_handle(struct cp_rest *r, const struct cp_rest_req *req, struct cp_rest_resp *resp);
void cp_rest_resp_free(struct cp_rest_resp *resp);

/* The route table: method and OpenAPI path template of route i (i <
 * cp_rest_n_routes()), e.g. "PUT", "/v1/sessions/{id}/flows/{flow}/steering". */
unsigned cp_rest_n_routes(void);
void cp_rest_route(unsigned i, const char **method, const char **path);

/* ---- The HTTP listener (cp_rest_http.c) ---------------------------------- */

struct cp_rest_http;

/*
 * Listen on cfg's address with r's routes.  ctx: an lws context created
 * with LWS_SERVER_OPTION_EXPLICIT_VHOSTS (the NCM's, cp_ws_lws_context());
 * NULL: the listener makes a context of its own and cp_rest_http_service()
 * must be called.  NULL on failure with err naming what failed.
 */
struct cp_rest_http *cp_rest_http_create(struct lws_context *ctx, const struct cp_rest_config *cfg,
					 struct cp_rest *r, uint64_t (*now_ms)(void), char *err,
					 size_t errlen);
uint16_t cp_rest_http_port(const struct cp_rest_http *h);
/* Own context only (no-op otherwise): serve for up to timeout_ms. */
void cp_rest_http_service(struct cp_rest_http *h, int timeout_ms);
void cp_rest_http_destroy(struct cp_rest_http *h);

#endif /* CP_REST_H */
