/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsctl: the operator's command line for mamsgw's REST API (docs/deploy.md,
 * "REST API, mamsctl, Prometheus").
 *
 *   mamsctl_args.c  flags and subcommand -> one HTTP request (method, path,
 *                   JSON body); pure, no network
 *   mamsctl_fmt.c   the server's JSON -> aligned tables, error bodies ->
 *                   one line on stderr; pure, writes to the FILE it is given
 *   mamsctl_http.c  the request over libcurl
 *   mamsctl_main.c  the three together, exit codes
 */
#ifndef MAMSCTL_H
#define MAMSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes. */
#define MCTL_EXIT_OK 0
#define MCTL_EXIT_API 1     /* the API answered an error (4xx/5xx) or an unreadable answer */
#define MCTL_EXIT_USAGE 2   /* bad command line (message + usage on stderr) */
#define MCTL_EXIT_CONNECT 3 /* could not connect, TLS failure, timeout */

#define MCTL_DEFAULT_URL "http://127.0.0.1:8080"
#define MCTL_DEFAULT_TIMEOUT_MS 5000u
#define MCTL_URL_MAX 1024u
#define MCTL_TOKEN_MAX 4096u     /* bytes of a bearer token, without the NUL */
#define MCTL_MAX_STEER_PATHS 16u /* connection IDs are 0..15 */

enum mctl_cmd {
	MCTL_HEALTH,
	MCTL_PORTS,
	MCTL_STATS,
	MCTL_SESSIONS,
	MCTL_SESSION,
	MCTL_STEER,
	MCTL_TERMINATE,
	MCTL_POLICY,
	MCTL_RELOAD,
};

/* What the environment gives (NULL: unset); main() fills it from getenv(). */
struct mctl_env {
	const char *url;   /* MAMSCTL_URL */
	const char *token; /* MAMSCTL_TOKEN */
};

struct mctl_args {
	bool help;              /* --help: print the usage, exit 0, nothing else is set */
	enum mctl_cmd cmd;
	/* connection */
	char url[MCTL_URL_MAX]; /* base URL, no trailing '/' */
	const char *token;      /* --token or MAMSCTL_TOKEN (NULL: none); points into argv/env */
	const char *token_file; /* --token-file (NULL: none); main() reads it */
	const char *cacert;     /* --cacert (NULL: the system's CAs) */
	bool insecure;          /* --insecure: no TLS certificate or host name check */
	bool json;              /* --json: the server's JSON, pretty-printed */
	unsigned timeout_ms;    /* --timeout-ms, whole request */
	/* the request */
	const char *method;     /* "GET", "PUT", "POST", "DELETE" */
	char path[160];         /* "/v1/...", with the query string */
	json_t *body;           /* request body, NULL for none; owned (mctl_args_free) */
	/* what the command named, for the output */
	uint32_t session_id;
	unsigned flow_id;
};

/*
 * Parses argv (argv[0] is the program) with the environment's defaults.
 * Returns MCTL_EXIT_OK, or MCTL_EXIT_USAGE with one line in err naming the
 * argument at fault.  On success the caller owns a->body.
 */
int mctl_args_parse(int argc, char **argv, const struct mctl_env *env, struct mctl_args *a,
		    char *err, size_t errlen);
void mctl_args_free(struct mctl_args *a);
void mctl_usage(FILE *out);

/* A bearer token: 1..MCTL_TOKEN_MAX printable ASCII characters, no blanks
 * (it goes into an HTTP header).  0 or -1 with err. */
int mctl_token_check(const char *token, const char *from, char *err, size_t errlen);
/* Reads a token file: its first line, the trailing CR/LF removed, checked as
 * above.  0 or -1 with err naming the file. */
int mctl_token_read(const char *file, char *buf, size_t buflen, char *err, size_t errlen);

/*
 * Prints the answer to a successful request as the human-readable tables
 * of the command (a->json unset).  Missing fields print as "-".  Returns 0,
 * or -1 when the answer is not the JSON object the command expects (a line
 * on err says so).
 */
int mctl_fmt_result(const struct mctl_args *a, const json_t *resp, FILE *out, FILE *err);
/* One line on err for an error answer: the status, the server's
 * error.message and error.field; the body itself when it is not the API's
 * error object. */
void mctl_fmt_error(long status, const char *body, size_t len, FILE *err);

/* The HTTP exchange. */
struct mctl_http_resp {
	long status;  /* HTTP status */
	char *body;   /* NUL-terminated, malloc'd */
	size_t len;
};

/* 0 and *r filled (any HTTP status), or -1 with err (connection, TLS,
 * timeout, answer larger than 16 MiB). */
int mctl_http_request(const struct mctl_args *a, const char *token, struct mctl_http_resp *r,
		      char *err, size_t errlen);
void mctl_http_resp_free(struct mctl_http_resp *r);

#endif /* MAMSCTL_H */
