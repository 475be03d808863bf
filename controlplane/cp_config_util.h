/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to the control plane's configuration: what the "ncm" section
 * (cp_config.c) and the "rest" section (cp_rest_config.c) read alike —
 * "listen", "tls", "token" / "token_file" — and the file both are read
 * from.  Every message names the section it is given ("ncm.tls: ...",
 * "rest.token_file: ...").  Same conventions as dp_config_json.h: -1 with
 * the message written, else 0; an absent optional field keeps its default.
 */
#ifndef CP_CONFIG_UTIL_H
#define CP_CONFIG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dp_config_json.h"

/*
 * The gateway's file json (len bytes) parsed, p's message cleared; *section
 * its member name, NULL when absent (or the file is no object).  The root to
 * json_decref(), or NULL with "line L, column C: reason" written.
 */
json_t *cp_cfg_load_section(struct cfg_parser *p, const char *json, size_t len,
			    const char *name, const json_t **section);
/* An optional string of 1..cap-1 characters copied into dst. */
int cp_cfg_copy_str(struct cfg_parser *p, const json_t *o, const char *path, const char *key,
		    char *dst, size_t cap);
/*
 * The optional object "section.key" with "ip" and "port".  listen: "0.0.0.0"
 * (every address) and port 0 (the kernel picks) are allowed; else (an
 * address announced to clients) neither is.
 */
int cp_cfg_parse_endpoint(struct cfg_parser *p, const json_t *section, const char *name,
			  const char *key, bool listen, uint32_t *ip, uint16_t *port);
/*
 * The optional "section.tls": "cert" and "key" (CP_PATH_LEN each), both or
 * neither, and "client_ca" where the section has it (client_ca not NULL).
 */
int cp_cfg_parse_tls(struct cfg_parser *p, const json_t *section, const char *name, char *cert,
		     char *key, char *client_ca);
/*
 * "token" or "token_file" (not both) of the section into token
 * (CP_TOKEN_LEN): printable ASCII without blanks; a file's trailing
 * newlines and blanks are cut.
 */
int cp_cfg_parse_token(struct cfg_parser *p, const json_t *section, const char *name,
		       char *token);
/*
 * The whole file at path, NUL-terminated, in a malloc'd buffer of *len
 * bytes; NULL with "cannot open: reason" or "cannot read..." in err.
 */
char *cp_cfg_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif /* CP_CONFIG_UTIL_H */
