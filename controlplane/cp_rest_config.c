/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "rest" section of the gateway's configuration (cp_rest.h; reference:
 * config/README.md), parsed with the data plane's helpers so that errors
 * read "rest.path: reason" like every other section's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cp_rest.h"
#include "dp_config_json.h"

static const char *const rest_keys[] = { "listen", "tls", "token", "token_file", NULL };
static const char *const listen_keys[] = { "ip", "port", NULL };
static const char *const tls_keys[] = { "cert", "key", NULL };

void cp_rest_config_defaults(struct cp_rest_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_ip = 0x7F000001u;
	c->listen_port = CP_REST_DEFAULT_PORT;
}

static int copy_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    char *dst, size_t cap)
{
	const char *s;
	int rc = cfg_get_str(p, o, path, key, false, &s);

	if (rc <= 0)
		return rc;
	if (s[0] == '\0' || strlen(s) >= cap)
		return cfg_fail(p, path, key, "must be 1..%zu characters", cap - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int parse_listen(struct cfg_parser *p, const json_t *rest, struct cp_rest_config *c)
{
	const json_t *o = json_object_get(rest, "listen");
	const json_t *ip;

	if (o == NULL)
		return 0;
	if (cfg_check_object(p, o, "rest.listen", listen_keys))
		return -1;
	ip = json_object_get(o, "ip");
	if (ip != NULL) {
		if (json_is_string(ip) && strcmp(json_string_value(ip), "0.0.0.0") == 0)
			c->listen_ip = 0;
		else if (cfg_get_ipv4(p, o, "rest.listen", "ip", true, &c->listen_ip))
			return -1;
	}
	return cfg_get_u16(p, o, "rest.listen", "port", false, 0, UINT16_MAX, &c->listen_port);
}

static int parse_token_file(struct cfg_parser *p, const char *file, struct cp_rest_config *c)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (f == NULL)
		return cfg_fail(p, "rest", "token_file", "cannot open %s: %s", file,
				strerror(errno));
	n = fread(c->token, 1, sizeof(c->token) - 1, f);
	c->token[n] = '\0';
	if (!feof(f) && fgetc(f) != EOF) {
		fclose(f);
		return cfg_fail(p, "rest", "token_file", "%s: token longer than %u bytes", file,
				CP_TOKEN_LEN - 1);
	}
	fclose(f);
	while (n > 0 && (c->token[n - 1] == '\n' || c->token[n - 1] == '\r' ||
			 c->token[n - 1] == ' '))
		c->token[--n] = '\0';
	if (n == 0)
		return cfg_fail(p, "rest", "token_file", "%s is empty", file);
	return 0;
}

static int parse_rest(struct cfg_parser *p, const json_t *rest, struct cp_rest_config *c)
{
	const json_t *tls = json_object_get(rest, "tls");
	const char *file = NULL;

	if (cfg_check_object(p, rest, "rest", rest_keys) || parse_listen(p, rest, c))
		return -1;
	if (tls != NULL) {
		if (cfg_check_object(p, tls, "rest.tls", tls_keys) ||
		    copy_str(p, tls, "rest.tls", "cert", c->cert, sizeof(c->cert)) ||
		    copy_str(p, tls, "rest.tls", "key", c->key, sizeof(c->key)))
			return -1;
		if (c->cert[0] == '\0' || c->key[0] == '\0')
			return cfg_fail(p, "rest.tls", c->cert[0] ? "key" : "cert",
					"required when \"tls\" is given");
	}
	if (json_object_get(rest, "token") != NULL && json_object_get(rest, "token_file") != NULL)
		return cfg_fail(p, "rest", "token_file", "give \"token\" or \"token_file\", not both");
	if (copy_str(p, rest, "rest", "token", c->token, sizeof(c->token)) ||
	    cfg_get_str(p, rest, "rest", "token_file", false, &file) < 0)
		return -1;
	if (file != NULL && parse_token_file(p, file, c))
		return -1;
	for (const char *t = c->token; *t; t++)
		if (*t <= ' ' || *t > '~')
			return cfg_fail(p, "rest", "token", "only printable ASCII without blanks");
	c->enabled = true;
	return 0;
}

int cp_rest_config_parse(const char *json, size_t len, struct cp_rest_config *c, char *err,
			 size_t errlen)
{
	struct cfg_parser p = { .err = err, .errlen = errlen };
	struct cp_rest_config tmp;
	const json_t *rest;
	json_error_t jerr;
	json_t *root;
	int ret = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return cfg_fail(&p, "", NULL, "line %d, column %d: %s", jerr.line, jerr.column,
				jerr.text);
	cp_rest_config_defaults(&tmp);
	rest = json_is_object(root) ? json_object_get(root, "rest") : NULL;
	if (rest == NULL || parse_rest(&p, rest, &tmp) == 0) {
		*c = tmp;
		ret = 0;
	}
	json_decref(root);
	return ret;
}

int cp_rest_config_load(const char *path, struct cp_rest_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		snprintf(err, errlen, "cannot read");
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "cannot read: short read");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = cp_rest_config_parse(buf, (size_t)n, c, err, errlen);
	free(buf);
	return rc;
}
