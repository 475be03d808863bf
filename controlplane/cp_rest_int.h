/* SPDX-License-Identifier: BSD-3-Clause */
/* The REST shim's pieces (cp_rest.c, cp_rest_ops.c, cp_rest_metrics.c). */
#ifndef CP_REST_INT_H
#define CP_REST_INT_H

#include <jansson.h>

#include "cp_ncm.h"
#include "cp_rest.h"
#include "dp_api.h"

#define REST_MAX_PARAMS 2u

struct cp_rest {
	struct dp_ctx *dp;
	struct cp_ncm *ncm;
	struct dp_config *dpc;           /* the running configuration */
	struct cp_config *ncfg;
	struct cp_rest_config rcfg;
	char *config_path;
	json_t *config_json;             /* the file as last applied (reload diffs it) */
	uint64_t start_ms;
	void (*ws_stats)(void *opaque, struct cp_ws_stats *out);
	void *ws_opaque;
	/* static sessions, by index in dpc->sessions */
	bool static_removed[DP_MAX_STATIC_SESSIONS];
	uint8_t static_operator[DP_MAX_STATIC_SESSIONS]; /* bit f: flows[f] steered by REST */
	/* scratch (the control thread only) */
	struct dp_stats st;
	struct dp_session_stats ss;
	struct cp_ncm_session_detail det;
	struct cp_ncm_session_info *infos;
	unsigned max_infos;
};

/* A request being answered: route parameters parsed. */
struct rest_call {
	const struct cp_rest_req *req;
	struct cp_rest_resp *resp;
	uint64_t id;                     /* {id} */
	unsigned flow;                   /* {flow} */
};

/* A session found by ID: NCM (det filled) or static (index). */
struct rest_sess {
	bool is_static;
	unsigned idx;                    /* dpc->sessions[idx] */
	const struct dp_session_cfg *cfg; /* static: dpc's; NCM: &r->det.dp */
	uint8_t operator_flows, auto_flows;
};

__attribute__((format(printf, 4, 5)))
int rest_error(struct cp_rest_resp *o, int status, const char *field, const char *fmt, ...);
/* Answers status with j (consumed). */
int rest_json(struct cp_rest_resp *o, int status, json_t *j);
/* Finds session id; 0, or -ENOENT after answering 404. */
int rest_find_session(struct cp_rest *r, struct rest_call *c, struct rest_sess *s);
const char *rest_port_name(const struct cp_rest *r, uint8_t port);
json_t *rest_flow_json(struct cp_rest *r, const struct rest_sess *s, unsigned f);
json_t *rest_ip(uint32_t a);

int rest_put_steering(struct cp_rest *r, struct rest_call *c);
int rest_delete_session(struct cp_rest *r, struct rest_call *c);
int rest_get_policy(struct cp_rest *r, struct rest_call *c);
int rest_put_policy(struct cp_rest *r, struct rest_call *c);
int rest_reload(struct cp_rest *r, struct rest_call *c);
int rest_metrics(struct cp_rest *r, struct rest_call *c);

/* Parses the request body as a JSON object; NULL after answering 400/413. */
json_t *rest_body_object(struct rest_call *c);

#endif /* CP_REST_INT_H */
