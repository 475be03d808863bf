/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the "ncm" and "rest" sections of the gateway's configuration read
 * alike (cp_config_util.h; reference: config/README.md).
 */
#include "cp_config_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_config.h"

static const char *const endpoint_keys[] = { "ip", "port", NULL };
static const char *const tls_keys[] = { "cert", "key", NULL };
static const char *const tls_ca_keys[] = { "cert", "key", "client_ca", NULL };

json_t *cp_cfg_load_section(struct cfg_parser *p, const char *json, size_t len,
			    const char *name, const json_t **section)
{
	json_error_t jerr;
	json_t *root;

	if (p->err != NULL && p->errlen > 0)
		p->err[0] = '\0';
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		cfg_fail(p, "", NULL, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	*section = json_is_object(root) ? json_object_get(root, name) : NULL;
	return root;
}

int cp_cfg_copy_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
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

int cp_cfg_parse_endpoint(struct cfg_parser *p, const json_t *section, const char *name,
			  const char *key, bool listen, uint32_t *ip, uint16_t *port)
{
	const json_t *o = json_object_get(section, key);
	char path[CFG_PATH_LEN];
	const json_t *v;

	if (o == NULL)
		return 0;
	cfg_subpath(path, "%s.%s", name, key);
	if (cfg_check_object(p, o, path, endpoint_keys))
		return -1;
	v = json_object_get(o, "ip");
	if (v != NULL) {
		*ip = 0;
		/* "0.0.0.0": listen on every address */
		if (json_is_string(v) && strcmp(json_string_value(v), "0.0.0.0") == 0) {
			if (!listen)
				return cfg_fail(p, path, "ip", "must be an address CCMs can reach");
		} else if (cfg_get_ipv4(p, o, path, "ip", true, ip)) {
			return -1;
		}
	}
	/* port 0: the kernel picks one (tests); never in an announcement */
	return cfg_get_u16(p, o, path, "port", false, listen ? 0 : 1, UINT16_MAX, port);
}

int cp_cfg_parse_tls(struct cfg_parser *p, const json_t *section, const char *name, char *cert,
		     char *key, char *client_ca)
{
	const json_t *o = json_object_get(section, "tls");
	char path[CFG_PATH_LEN];

	if (o == NULL)
		return 0;
	cfg_subpath(path, "%s.tls", name);
	if (cfg_check_object(p, o, path, client_ca != NULL ? tls_ca_keys : tls_keys) ||
	    cp_cfg_copy_str(p, o, path, "cert", cert, CP_PATH_LEN) ||
	    cp_cfg_copy_str(p, o, path, "key", key, CP_PATH_LEN) ||
	    (client_ca != NULL && cp_cfg_copy_str(p, o, path, "client_ca", client_ca, CP_PATH_LEN)))
		return -1;
	if (cert[0] == '\0' || key[0] == '\0')
		return cfg_fail(p, path, cert[0] ? "key" : "cert", "required when \"tls\" is given");
	return 0;
}

static int read_token_file(struct cfg_parser *p, const char *name, const char *file, char *token)
{
	FILE *f = fopen(file, "r");
	size_t n;

	if (f == NULL)
		return cfg_fail(p, name, "token_file", "cannot open %s: %s", file, strerror(errno));
	n = fread(token, 1, CP_TOKEN_LEN - 1, f);
	token[n] = '\0';
	if (!feof(f) && fgetc(f) != EOF) {
		fclose(f);
		return cfg_fail(p, name, "token_file", "%s: token longer than %u bytes", file,
				CP_TOKEN_LEN - 1);
	}
	fclose(f);
	while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r' || token[n - 1] == ' '))
		token[--n] = '\0';
	if (n == 0)
		return cfg_fail(p, name, "token_file", "%s is empty", file);
	return 0;
}

int cp_cfg_parse_token(struct cfg_parser *p, const json_t *section, const char *name,
		       char *token)
{
	const char *file = NULL;

	if (json_object_get(section, "token") != NULL &&
	    json_object_get(section, "token_file") != NULL)
		return cfg_fail(p, name, "token_file", "give \"token\" or \"token_file\", not both");
	if (cp_cfg_copy_str(p, section, name, "token", token, CP_TOKEN_LEN) ||
	    cfg_get_str(p, section, name, "token_file", false, &file) < 0)
		return -1;
	if (file != NULL && read_token_file(p, name, file, token))
		return -1;
	for (const char *t = token; *t; t++)
		if (*t <= ' ' || *t > '~')
			return cfg_fail(p, name, "token", "only printable ASCII without blanks");
	return 0;
}

char *cp_cfg_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		snprintf(err, errlen, "cannot read");
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "cannot read: short read");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}
