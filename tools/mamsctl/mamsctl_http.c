/* SPDX-License-Identifier: BSD-3-Clause */
/* mamsctl's one HTTP exchange over libcurl (mamsctl.h). */
#define _GNU_SOURCE /* asprintf */
#include "mamsctl.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#define MCTL_MAX_ANSWER (16u << 20)

struct sink {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->len + n > MCTL_MAX_ANSWER) {
		s->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *b;

		while (cap < s->len + n + 1)
			cap *= 2;
		b = realloc(s->buf, cap);
		if (b == NULL)
			return 0;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

int mctl_http_request(const struct mctl_args *a, const char *token, struct mctl_http_resp *r,
		      char *err, size_t errlen)
{
	char url[MCTL_URL_MAX + sizeof(a->path)], curl_err[CURL_ERROR_SIZE] = "";
	char *auth = NULL, *body = NULL;
	struct curl_slist *hdr = NULL;
	struct sink s = {0};
	CURL *c = curl_easy_init();
	CURLcode rc;
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (c == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", a->url, a->path);
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip */
	if (a->body != NULL) {
		body = json_dumps(a->body, JSON_COMPACT);
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
	} else {
		hdr = curl_slist_append(hdr, "Content-Type:"); /* not curl's form type */
	}
	if (token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) < 0)
			auth = NULL;
		hdr = curl_slist_append(hdr, auth ? auth : "");
	}
	if (hdr == NULL || (a->body != NULL && body == NULL) || (token != NULL && auth == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)a->timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mamsctl/" MAMSGW_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, a->method);
	if (strcmp(a->method, "PUT") == 0 || strcmp(a->method, "POST") == 0) {
		/* A body, or an empty one, so that curl sends Content-Length: 0. */
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	}
	if (a->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, a->cacert);
	if (a->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (s.too_big)
			snprintf(err, errlen, "%s %s: the answer is larger than %u bytes", a->method,
				 url, MCTL_MAX_ANSWER);
		else
			snprintf(err, errlen, "%s %s: %s", a->method, url,
				 curl_err[0] ? curl_err : curl_easy_strerror(rc));
		free(s.buf);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = s.buf ? s.buf : strdup("");
	r->len = s.len;
	ret = r->body ? 0 : -1;
	if (ret < 0)
		snprintf(err, errlen, "out of memory");
out:
	curl_slist_free_all(hdr);
	free(auth);
	free(body);
	curl_easy_cleanup(c);
	return ret;
}

void mctl_http_resp_free(struct mctl_http_resp *r)
{
	free(r->body);
	r->body = NULL;
}
