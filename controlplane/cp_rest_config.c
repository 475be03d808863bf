/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "rest" section of the gateway's configuration (cp_rest.h; reference:
 * config/README.md), parsed with the data plane's helpers so that errors
 * read "rest.path: reason" like every other section's; "listen", "tls" and
 * "token" / "token_file" are read as the "ncm" section's (cp_config_util.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_rest.h"
#include "cp_config_util.h"

static const char *const rest_keys[] = { "listen", "tls", "token", "token_file", NULL };

void cp_rest_config_defaults(struct cp_rest_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_ip = 0x7F000001u;
	c->listen_port = CP_REST_DEFAULT_PORT;
}

static int parse_rest(struct cfg_parser *p, const json_t *rest, struct cp_rest_config *c)
{
	if (cfg_check_object(p, rest, "rest", rest_keys) ||
	    cp_cfg_parse_endpoint(p, rest, "rest", "listen", true, &c->listen_ip, &c->listen_port) ||
	    cp_cfg_parse_tls(p, rest, "rest", c->cert, c->key, NULL) ||
	    cp_cfg_parse_token(p, rest, "rest", c->token))
		return -1;
	c->enabled = true;
	return 0;
}

int cp_rest_config_parse(const char *json, size_t len, struct cp_rest_config *c, char *err,
			 size_t errlen)
{
	struct cfg_parser p = { .err = err, .errlen = errlen };
	struct cp_rest_config tmp;
	const json_t *rest;
	json_t *root = cp_cfg_load_section(&p, json, len, "rest", &rest);
	int ret = -1;

	if (root == NULL)
		return -1;
	cp_rest_config_defaults(&tmp);
	if (rest == NULL || parse_rest(&p, rest, &tmp) == 0) {
		*c = tmp;
		ret = 0;
	}
	json_decref(root);
	return ret;
}

int cp_rest_config_load(const char *path, struct cp_rest_config *c, char *err, size_t errlen)
{
	size_t len;
	char *buf = cp_cfg_read_file(path, &len, err, errlen);
	int rc;

	if (buf == NULL)
		return -1;
	rc = cp_rest_config_parse(buf, len, c, err, errlen);
	free(buf);
	return rc;
}
