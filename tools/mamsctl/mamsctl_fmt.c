/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsctl's output: the REST API's JSON as aligned tables (mamsctl.h).
 * Columns are separated by two blanks, numbers right-aligned, text
 * left-aligned, no trailing blanks; a field the answer lacks prints "-".
 */
#define _GNU_SOURCE /* vasprintf */
#include "mamsctl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TBL_MAX_COLS 16

struct tbl {
	unsigned ncols;
	const char *hdr[TBL_MAX_COLS];
	bool right[TBL_MAX_COLS]; /* right-aligned (numbers) */
	char **cells;             /* row-major, ncols per row */
	size_t n, cap;
};

static void oom(void)
{
	fputs("mamsctl: out of memory\n", stderr);
	exit(MCTL_EXIT_API);
}

static void tbl_init(struct tbl *t, const char *spec)
{
	/* spec: "NAME ROLE >RX_PKTS ...": '>' marks a right-aligned column. */
	const char *s = spec;

	memset(t, 0, sizeof(*t));
	while (*s != '\0' && t->ncols < TBL_MAX_COLS) {
		size_t n = strcspn(s, " ");

		t->right[t->ncols] = s[0] == '>';
		t->hdr[t->ncols] = strndup(s + (s[0] == '>'), n - (s[0] == '>'));
		if (t->hdr[t->ncols++] == NULL)
			oom();
		s += n;
		s += strspn(s, " ");
	}
}

static void tbl_free(struct tbl *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	for (unsigned c = 0; c < t->ncols; c++)
		free((char *)t->hdr[c]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void tbl_cell(struct tbl *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (c == NULL)
			oom();
		t->cells = c;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		oom();
	t->cells[t->n++] = s;
}

static void tbl_print(struct tbl *t, FILE *out)
{
	size_t w[TBL_MAX_COLS];
	size_t rows = t->ncols ? t->n / t->ncols : 0;

	for (unsigned c = 0; c < t->ncols; c++)
		w[c] = t->hdr[c] ? strlen(t->hdr[c]) : 0;
	for (size_t r = 0; r < rows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = 0; r <= rows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->hdr[c] : t->cells[(r - 1) * t->ncols + c];

			if (s == NULL)
				s = "?";
			bool last = c + 1 == t->ncols;

			if (c > 0)
				fputs("  ", out);
			if (t->right[c])
				fprintf(out, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, out);
			else
				fprintf(out, "%-*s", (int)w[c], s);
		}
		fputc('\n', out);
	}
	tbl_free(t);
}

/* ---- Field values -------------------------------------------------------------- */

/* A scalar as text, "-" when absent, empty or not a scalar.  Returns buf. */
static const char *val(const json_t *v, char *buf, size_t len)
{
	if (v == NULL) {
		snprintf(buf, len, "-");
		return buf;
	}
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "%.3g", json_real_value(v));
		break;
	case JSON_STRING:
		snprintf(buf, len, "%s", json_string_value(v)[0] ? json_string_value(v) : "-");
		break;
	case JSON_TRUE:
		snprintf(buf, len, "yes");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "no");
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
	return buf;
}

/* One cell: a member of an object. */
static void tbl_val(struct tbl *t, const json_t *o, const char *key)
{
	char buf[128];

	tbl_cell(t, "%s", val(json_object_get(o, key), buf, sizeof(buf)));
}

/* The sum of a drop map's counters ("-" when there is no map). */
static const char *drops_sum(const json_t *m, char *buf, size_t len)
{
	const char *k;
	const json_t *v;
	json_int_t sum = 0;

	if (!json_is_object(m))
		return "-";
	json_object_foreach((json_t *)m, k, v)
		sum += json_integer_value(v);
	snprintf(buf, len, "%" JSON_INTEGER_FORMAT, sum);
	return buf;
}

/* A drop map's non-zero reasons, "REASON COUNT" rows, in the server's order. */
static void drops_table(const json_t *m, const char *title, FILE *out)
{
	const char *k;
	const json_t *v;
	struct tbl t;
	unsigned nz = 0;

	if (!json_is_object(m))
		return;
	tbl_init(&t, "REASON >COUNT");
	json_object_foreach((json_t *)m, k, v) {
		if (json_integer_value(v) == 0)
			continue;
		tbl_cell(&t, "%s", k);
		tbl_cell(&t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		nz++;
	}
	if (nz == 0) {
		fprintf(out, "%s: none\n", title);
		tbl_free(&t);
		return;
	}
	fprintf(out, "%s:\n", title);
	tbl_print(&t, out);
}

/* Key/value lines, keys padded to the longest. */
static void kv_print(const json_t *o, const char *const *keys, FILE *out)
{
	size_t w = 0;
	char buf[128];

	for (unsigned i = 0; keys[i] != NULL; i++)
		if (strlen(keys[i]) > w)
			w = strlen(keys[i]);
	for (unsigned i = 0; keys[i] != NULL; i++)
		fprintf(out, "%-*s  %s\n", (int)w, keys[i],
			val(json_object_get(o, keys[i]), buf, sizeof(buf)));
}

/* Every scalar member of an object as key/value lines, in the server's order. */
static void kv_all(const json_t *o, FILE *out)
{
	const char *k;
	const json_t *v;
	size_t w = 0;
	char buf[128];

	json_object_foreach((json_t *)o, k, v)
		if (strlen(k) > w)
			w = strlen(k);
	json_object_foreach((json_t *)o, k, v)
		if (!json_is_object(v) && !json_is_array(v))
			fprintf(out, "%-*s  %s\n", (int)w, k, val(v, buf, sizeof(buf)));
}

/* A steering object as "split wifi=70 lte=30", "switch wifi", "duplicate wifi lte". */
static void steering_text(const json_t *s, char *buf, size_t len)
{
	const char *mode = json_string_value(json_object_get(s, "mode"));
	const json_t *paths = json_object_get(s, "paths"), *p;
	size_t i, off;

	off = (size_t)snprintf(buf, len, "%s", mode ? mode : "-");
	json_array_foreach(paths, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		char id[32];

		if (off >= len)
			break;
		if (name == NULL || name[0] == '\0')
			name = val(json_object_get(p, "connection_id"), id, sizeof(id));
		off += (size_t)snprintf(buf + off, len - off, " %s", name);
		if (off < len && mode != NULL && strcmp(mode, "split") == 0)
			off += (size_t)snprintf(buf + off, len - off, "=%" JSON_INTEGER_FORMAT,
						json_integer_value(json_object_get(p, "weight")));
	}
}

/* ---- Commands ------------------------------------------------------------------ */

static void fmt_health(const json_t *r, FILE *out)
{
	static const char *const keys[] = {"status", "version", "uptime_s", "sessions", "workers",
					   NULL};

	kv_print(r, keys, out);
}

static void fmt_ports(const json_t *r, FILE *out)
{
	const json_t *p;
	struct tbl t;
	size_t i;

	tbl_init(&t, ">INDEX NAME ROLE IP MAC >RX_PKTS >RX_BYTES >TX_PKTS >TX_BYTES");
	json_array_foreach(json_object_get(r, "ports"), i, p) {
		tbl_val(&t, p, "index");
		tbl_val(&t, p, "name");
		tbl_val(&t, p, "role");
		tbl_val(&t, p, "ip");
		tbl_val(&t, p, "mac");
		tbl_val(&t, p, "rx_pkts");
		tbl_val(&t, p, "rx_bytes");
		tbl_val(&t, p, "tx_pkts");
		tbl_val(&t, p, "tx_bytes");
	}
	tbl_print(&t, out);
}

static void fmt_stats(const json_t *r, FILE *out)
{
	const json_t *p, *ncm = json_object_get(r, "ncm");
	struct tbl t;
	size_t i;
	char sum[32];
	char b1[128];

	tbl_init(&t, "PORT >RX_PKTS >RX_BYTES >TX_PKTS >TX_BYTES >DROPS");
	json_array_foreach(json_object_get(r, "ports"), i, p) {
		tbl_val(&t, p, "name");
		tbl_val(&t, p, "rx_pkts");
		tbl_val(&t, p, "rx_bytes");
		tbl_val(&t, p, "tx_pkts");
		tbl_val(&t, p, "tx_bytes");
		tbl_cell(&t, "%s", drops_sum(json_object_get(p, "drops"), sum, sizeof(sum)));
	}
	tbl_print(&t, out);
	fputc('\n', out);
	tbl_init(&t, ">WORKER >RX_PKTS >TX_PKTS >DROPS >HANDOFF_OUT >HANDOFF_IN >LOOPS");
	json_array_foreach(json_object_get(r, "workers"), i, p) {
		tbl_val(&t, p, "index");
		tbl_val(&t, p, "rx_pkts");
		tbl_val(&t, p, "tx_pkts");
		tbl_val(&t, p, "drops");
		tbl_val(&t, p, "handoff_out");
		tbl_val(&t, p, "handoff_in");
		tbl_val(&t, p, "loops");
	}
	tbl_print(&t, out);
	fputc('\n', out);
	drops_table(json_object_get(r, "drops"), "drops", out);
	fputc('\n', out);
	fprintf(out, "sessions  %s\n", val(json_object_get(r, "sessions"), b1, sizeof(b1)));
	if (json_is_object(ncm)) {
		fputs("\nncm:\n", out);
		kv_all(ncm, out);
	}
}

static void fmt_sessions(const json_t *r, FILE *out)
{
	const json_t *s, *c;
	struct tbl t;
	size_t i, j, shown = json_array_size(json_object_get(r, "sessions"));
	json_int_t total = json_integer_value(json_object_get(r, "total"));
	json_int_t offset = json_integer_value(json_object_get(r, "offset"));

	tbl_init(&t, ">ID >NCM_ID STATE ATTACHED PEER ANCHOR CONNECTIONS >DL_PKTS >UL_PKTS");
	json_array_foreach(json_object_get(r, "sessions"), i, s) {
		char conns[256] = "";
		size_t off = 0;

		json_array_foreach(json_object_get(s, "connections"), j, c) {
			char id[32], name[64];

			if (off < sizeof(conns))
				off += (size_t)snprintf(conns + off, sizeof(conns) - off, "%s%s:%s",
							j ? "," : "",
							val(json_object_get(c, "connection_id"), id,
							    sizeof(id)),
							val(json_object_get(c, "name"), name,
							    sizeof(name)));
		}
		tbl_val(&t, s, "id");
		tbl_val(&t, s, "ncm_id");
		tbl_val(&t, s, "state");
		tbl_val(&t, s, "attached");
		tbl_val(&t, s, "peer");
		tbl_val(&t, s, "anchor_ip");
		tbl_cell(&t, "%s", conns[0] ? conns : "-");
		tbl_val(&t, s, "dl_pkts");
		tbl_val(&t, s, "ul_pkts");
	}
	tbl_print(&t, out);
	if (shown == 0)
		fprintf(out, "(no sessions%s)\n", total > 0 ? " at this offset" : "");
	fprintf(out, "%zu of %" JSON_INTEGER_FORMAT " session%s", shown, total,
		total == 1 ? "" : "s");
	if (offset > 0 || (json_int_t)shown < total)
		fprintf(out, " (from offset %" JSON_INTEGER_FORMAT ")", offset);
	fputc('\n', out);
}

/* A flow's traffic template as "KEY=VALUE ...", leaving out what matches
 * anything (null, "0.0.0.0/0", "0-65535", proto 0); "*" when nothing is left. */
static void template_text(const json_t *tpl, char *buf, size_t len)
{
	const char *k;
	const json_t *v;
	size_t off = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)tpl, k, v) {
		char vb[128];
		const char *s = json_string_value(v);

		if (json_is_null(v) || (s != NULL && (strcmp(s, "0.0.0.0/0") == 0 ||
						      strcmp(s, "0-65535") == 0)) ||
		    (strcmp(k, "proto") == 0 && json_is_integer(v) && json_integer_value(v) == 0))
			continue;
		if (json_is_object(v) || json_is_array(v)) {
			char *d = json_dumps(v, JSON_COMPACT);

			snprintf(vb, sizeof(vb), "%s", d ? d : "?");
			free(d);
		} else {
			val(v, vb, sizeof(vb));
		}
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? " " : "", k, vb);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "*");
}

static void flows_table(const json_t *flows, FILE *out)
{
	const json_t *f;
	struct tbl t;
	size_t i;

	tbl_init(&t, ">FLOW STEERING CONTROL MATCH");
	json_array_foreach(flows, i, f) {
		char steer[256], tpl[256];

		steering_text(json_object_get(f, "steering"), steer, sizeof(steer));
		template_text(json_object_get(f, "template"), tpl, sizeof(tpl));
		tbl_val(&t, f, "flow_id");
		tbl_cell(&t, "%s", steer);
		tbl_val(&t, f, "control");
		tbl_cell(&t, "%s", tpl);
	}
	tbl_print(&t, out);
}

/* An SPI in hex as ip-xfrm and Wireshark show it; "-" when absent or 0 (none). */
static void tbl_spi(struct tbl *t, const json_t *c, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(c, key));

	if (v <= 0 || v > 0xffffffff)
		tbl_cell(t, "-");
	else
		tbl_cell(t, "0x%08" PRIx32, (uint32_t)v);
}

/* The SPIs in use on the IPsec connections, when there are any (keys are
 * never in the answer). */
static void ipsec_table(const json_t *conns, FILE *out)
{
	const json_t *c;
	struct tbl t;
	size_t i;
	bool any = false;

	json_array_foreach(conns, i, c)
		any |= json_is_true(json_object_get(c, "ipsec"));
	if (!any)
		return;
	fputs("\nipsec:\n", out);
	tbl_init(&t, ">CONN NAME SPI_OUT SPI_IN SPI_IN_PREV");
	json_array_foreach(conns, i, c) {
		if (!json_is_true(json_object_get(c, "ipsec")))
			continue;
		tbl_val(&t, c, "connection_id");
		tbl_val(&t, c, "name");
		tbl_spi(&t, c, "esp_spi_out");
		tbl_spi(&t, c, "esp_spi_in");
		tbl_spi(&t, c, "esp_spi_in_prev");
	}
	tbl_print(&t, out);
}

static void fmt_session(const json_t *r, FILE *out)
{
	static const char *const keys[] = {"id", "ncm_id", "state", "attached", "peer",
					   "anchor_ip", NULL};
	static const char *const ckeys[] = {"dl_pkts", "dl_bytes", "ul_pkts", "ul_bytes", NULL};
	const json_t *c, *counters = json_object_get(r, "counters");
	struct tbl t;
	size_t i;
	char sum[32];
	char b1[128], b2[128];

	kv_print(r, keys, out);
	fputs("\nconnections:\n", out);
	tbl_init(&t, ">CONN NAME TYPE STATE >MTU CLIENT IPSEC >RTT_US >DV_MS >LOST >TX_PKTS "
		     ">TX_BYTES >RX_PKTS >RX_BYTES >DROPS");
	json_array_foreach(json_object_get(r, "connections"), i, c) {
		tbl_val(&t, c, "connection_id");
		tbl_val(&t, c, "name");
		tbl_val(&t, c, "type");
		tbl_val(&t, c, "state");
		tbl_val(&t, c, "mtu");
		tbl_cell(&t, "%s:%s", val(json_object_get(c, "client_ip"), b1, sizeof(b1)),
			 val(json_object_get(c, "client_port"), b2, sizeof(b2)));
		tbl_val(&t, c, "ipsec");
		tbl_val(&t, c, "rtt_us");
		tbl_val(&t, c, "delay_variation_ms");
		tbl_val(&t, c, "lost");
		tbl_val(&t, c, "tx_pkts");
		tbl_val(&t, c, "tx_bytes");
		tbl_val(&t, c, "rx_pkts");
		tbl_val(&t, c, "rx_bytes");
		tbl_cell(&t, "%s", drops_sum(json_object_get(c, "drops"), sum, sizeof(sum)));
	}
	tbl_print(&t, out);
	ipsec_table(json_object_get(r, "connections"), out);
	json_array_foreach(json_object_get(r, "connections"), i, c) {
		char title[96], name[64];

		if (json_object_size(json_object_get(c, "drops")) == 0)
			continue;
		snprintf(title, sizeof(title), "connection %s drops",
			 val(json_object_get(c, "name"), name, sizeof(name)));
		fputc('\n', out);
		drops_table(json_object_get(c, "drops"), title, out);
	}
	fputs("\nflows:\n", out);
	flows_table(json_object_get(r, "flows"), out);
	fputs("\ncounters:\n", out);
	kv_print(counters, ckeys, out);
	if (json_object_size(json_object_get(counters, "drops")) > 0) {
		fputc('\n', out);
		drops_table(json_object_get(counters, "drops"), "session drops", out);
	}
}

static void fmt_steer(const struct mctl_args *a, const json_t *r, FILE *out)
{
	char steer[256];
	char b1[128], b2[128];

	steering_text(json_object_get(r, "steering"), steer, sizeof(steer));
	fprintf(out, "session %u flow %s: %s (control: %s)\n", a->session_id,
		val(json_object_get(r, "flow_id"), b1, sizeof(b1)), steer,
		val(json_object_get(r, "control"), b2, sizeof(b2)));
}

static void fmt_terminate(const struct mctl_args *a, const json_t *r, FILE *out)
{
	const char *state = json_string_value(json_object_get(r, "state"));

	fprintf(out, "session %u: %s\n", a->session_id, state ? state : "removed");
}

static void fmt_policy(const json_t *r, FILE *out)
{
	kv_all(r, out);
}

static void fmt_reload(const json_t *r, FILE *out)
{
	const json_t *applied = json_object_get(r, "applied"), *x;
	const json_t *restart = json_object_get(r, "restart_required");
	struct tbl t;
	size_t i;
	char b1[128];

	if (json_array_size(applied) == 0) {
		fputs("applied: nothing changed\n", out);
	} else {
		fputs("applied:\n", out);
		json_array_foreach(applied, i, x) {
				fprintf(out, "  %s\n", val(x, b1, sizeof(b1)));
		}
	}
	if (json_array_size(restart) == 0) {
		fputs("restart required: no\n", out);
		return;
	}
	fputs("restart required (changed in the file, not applied until mamsgw restarts):\n", out);
	tbl_init(&t, "FIELD REASON");
	json_array_foreach(restart, i, x) {
		tbl_val(&t, x, "field");
		tbl_val(&t, x, "reason");
	}
	tbl_print(&t, out);
}

int mctl_fmt_result(const struct mctl_args *a, const json_t *resp, FILE *out, FILE *err)
{
	if (!json_is_object(resp)) {
		fprintf(err, "mamsctl: %s %s: the answer is not a JSON object\n", a->method, a->path);
		return -1;
	}
	switch (a->cmd) {
	case MCTL_HEALTH:
		fmt_health(resp, out);
		break;
	case MCTL_PORTS:
		fmt_ports(resp, out);
		break;
	case MCTL_STATS:
		fmt_stats(resp, out);
		break;
	case MCTL_SESSIONS:
		fmt_sessions(resp, out);
		break;
	case MCTL_SESSION:
		fmt_session(resp, out);
		break;
	case MCTL_STEER:
		fmt_steer(a, resp, out);
		break;
	case MCTL_TERMINATE:
		fmt_terminate(a, resp, out);
		break;
	case MCTL_POLICY:
		fmt_policy(resp, out);
		break;
	case MCTL_RELOAD:
		fmt_reload(resp, out);
		break;
	}
	return 0;
}

void mctl_fmt_error(long status, const char *body, size_t len, FILE *err)
{
	json_t *j = body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
	const json_t *e = json_object_get(j, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *field = json_string_value(json_object_get(e, "field"));

	if (msg != NULL) {
		fprintf(err, "mamsctl: HTTP %ld: %s", status, msg);
		if (field != NULL && field[0] != '\0')
			fprintf(err, " (field: %s)", field);
		fputc('\n', err);
	} else {
		/* Not the API's error object (a proxy, another server): show the
		 * start of what came, control characters as '?'. */
		char shown[201];
		size_t n = 0;

		for (size_t i = 0; i < len && n < sizeof(shown) - 1; i++)
			shown[n++] = body[i] >= ' ' && body[i] <= '~' ? body[i] : (body[i] == '\n' ? ' ' : '?');
		while (n > 0 && shown[n - 1] == ' ')
			n--;
		shown[n] = '\0';
		fprintf(err, "mamsctl: HTTP %ld%s%s%s\n", status, n ? ": " : " (empty answer)", shown,
			len > sizeof(shown) - 1 ? "..." : "");
	}
	json_decref(j);
}
