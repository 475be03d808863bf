/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsctl: the operator's command line for mamsgw's REST API.
 *
 *   mamsctl [options] health|ports|stats|sessions|session ID|
 *           steer ID FLOW MODE NAME[=WEIGHT]...|terminate ID|policy [KEY=VALUE...]|reload
 *
 * Tables on stdout; --json prints the server's JSON instead (pretty).  An
 * error answer prints its error.message and error.field on stderr (with
 * --json its JSON body goes to stdout too).  Exit status: 0 ok, 1 the API
 * answered an error, 2 usage error, 3 could not connect or timed out.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mamsctl.h"

static int print_json(const struct mctl_http_resp *r, FILE *out)
{
	json_t *j = json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;

	if (s != NULL)
		fprintf(out, "%s\n", s);
	else if (r->len > 0) /* not JSON: as it came */
		fprintf(out, "%s%s", r->body, r->body[r->len - 1] == '\n' ? "" : "\n");
	free(s);
	json_decref(j);
	return j != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct mctl_env env = {getenv("MAMSCTL_URL"), getenv("MAMSCTL_TOKEN")};
	static char token_buf[MCTL_TOKEN_MAX + 2];
	struct mctl_http_resp r;
	struct mctl_args a;
	const char *token;
	char err[1536];
	json_t *j;
	int rc;

	rc = mctl_args_parse(argc, argv, &env, &a, err, sizeof(err));
	if (rc != MCTL_EXIT_OK) {
		fprintf(stderr, "mamsctl: %s\n\n", err);
		mctl_usage(stderr);
		return MCTL_EXIT_USAGE;
	}
	if (a.help) {
		mctl_usage(stdout);
		return MCTL_EXIT_OK;
	}
	token = a.token;
	if (a.token_file != NULL) {
		if (mctl_token_read(a.token_file, token_buf, sizeof(token_buf), err, sizeof(err)) < 0) {
			fprintf(stderr, "mamsctl: %s\n", err);
			mctl_args_free(&a);
			return MCTL_EXIT_USAGE;
		}
		token = token_buf;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "mamsctl: cannot initialise libcurl\n");
		mctl_args_free(&a);
		return MCTL_EXIT_CONNECT;
	}
	if (mctl_http_request(&a, token, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "mamsctl: %s\n", err);
		rc = MCTL_EXIT_CONNECT;
		goto out;
	}
	if (r.status < 200 || r.status > 299) {
		mctl_fmt_error(r.status, r.body, r.len, stderr);
		if (r.status == 401 && token == NULL)
			fprintf(stderr, "mamsctl: the gateway wants a token: --token-file FILE, "
					"--token TOKEN or MAMSCTL_TOKEN\n");
		if (a.json)
			print_json(&r, stdout);
		rc = MCTL_EXIT_API;
	} else if (a.json) {
		rc = print_json(&r, stdout) == 0 ? MCTL_EXIT_OK : MCTL_EXIT_API;
		if (rc != MCTL_EXIT_OK)
			fprintf(stderr, "mamsctl: %s %s: the answer is not JSON\n", a.method, a.path);
	} else {
		json_error_t je;

		j = json_loadb(r.body, r.len, 0, &je);
		if (j == NULL) {
			fprintf(stderr, "mamsctl: %s %s: the answer is not JSON: %s\n", a.method, a.path,
				je.text);
			rc = MCTL_EXIT_API;
		} else {
			rc = mctl_fmt_result(&a, j, stdout, stderr) == 0 ? MCTL_EXIT_OK : MCTL_EXIT_API;
			json_decref(j);
		}
	}
	mctl_http_resp_free(&r);
out:
	curl_global_cleanup();
	mctl_args_free(&a);
	if (fflush(stdout) != 0 && rc == MCTL_EXIT_OK)
		rc = MCTL_EXIT_API;
	return rc;
}
