/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM's WebSocket server on libwebsockets (API: cp_ws.h).
 *
 * One lws context (explicit vhosts, default poll() loop), one vhost "ncm"
 * with one protocol whose callback is cp_ws_cb().  Each WebSocket gets a
 * struct cp_ws_conn, found by ID through a small hash table and by wsi
 * through the per-session data.  Outgoing messages wait in a per-connection
 * FIFO (copied, with LWS_PRE headroom) and leave one per writable callback;
 * cp_ws_close() flushes the FIFO first, then sends the close frame.
 * A connection is freed only from the CLOSED callback, so the caller's
 * callbacks can send or close anything at any time.
 *
 * Refusals: a wrong or missing bearer token, or max_conns reached, are
 * answered at the HTTP upgrade (401, 503) and the connection is hung up;
 * client certificates are checked by OpenSSL during the TLS handshake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "cp_ws.h"

#define CP_WS_VHOST_NAME "ncm"
#define CP_WS_PROTOCOL_NAME "mams"
#define CP_WS_LIMIT_MAX (1u << 30)   /* largest max_message / max_queued */
#define CP_WS_REASON_MAX 123u         /* close reason bytes (RFC 6455 5.5) */
#define CP_WS_RX_KEEP 4096u           /* reassembly buffer kept between messages */
#define CP_WS_LOG_PER_SEC 20u         /* log lines per second, then suppressed */
#define CP_WS_DESTROY_WAIT_MS 200     /* cp_ws_destroy(): time given to the peers */
#define CP_WS_PEER_LEN 64u            /* "[v6 address]:port" fits */
#define CP_WS_PEM_MAX (1u << 20)      /* largest PEM file read for the checks */

struct cp_ws_msg {
	struct cp_ws_msg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then len bytes */
};

struct cp_ws_conn {
	struct cp_ws_conn *hnext; /* hash chain */
	struct cp_ws *ws;
	struct lws *wsi;
	uint64_t id;
	struct cp_ws_msg *qhead, *qtail;
	size_t queued;            /* payload bytes in the FIFO */
	char *rx;                 /* reassembly buffer: rx_len of rx_cap used */
	size_t rx_len, rx_cap;
	bool closing;             /* cp_ws_close(): flush, then close frame */
	bool dead;                /* lws was told to close: ignore the rest */
	uint16_t close_code;
	uint8_t close_reason_len;
	unsigned char close_reason[CP_WS_REASON_MAX];
	char peer[CP_WS_PEER_LEN];
};

/* lws's per-session data: only a pointer, the connection lives on its own. */
struct cp_ws_pss {
	struct cp_ws_conn *conn;
};

struct cp_ws_ratelimit {
	time_t sec;
	unsigned lines;
	unsigned long suppressed;
};

struct cp_ws {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct lws_protocols protocols[2]; /* lws keeps a pointer: lives here */
	struct cp_ws_ops ops;
	struct cp_ws_cfg cfg;     /* limits resolved; strings point below */
	char *listen_addr, *cert, *key, *ca, *token;
	size_t token_len;
	uint16_t port;
	struct cp_ws_conn **buckets;
	size_t bucket_mask;
	uint64_t next_id;
	uint64_t n_open;
	struct cp_ws_stats st;
	lws_sorted_usec_list_t tick; /* bounds the poll() wait of cp_ws_service() */
	lws_usec_t tick_us;
	bool draining;            /* cp_ws_destroy(): no new connections */
	bool dying;               /* cp_ws_destroy() is tearing lws down */
	struct cp_ws_ratelimit rl;
};

/* ---- logging ---------------------------------------------------------- */

static void rl_vlog(struct cp_ws_ratelimit *rl, const char *fmt, va_list ap)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != rl->sec) {
		if (rl->suppressed != 0)
			fprintf(stderr, "cp_ws: %lu log lines suppressed\n", rl->suppressed);
		rl->sec = ts.tv_sec;
		rl->lines = 0;
		rl->suppressed = 0;
	}
	if (rl->lines >= CP_WS_LOG_PER_SEC) {
		rl->suppressed++;
		return;
	}
	rl->lines++;
	fputs("cp_ws: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void ws_log(struct cp_ws *ws, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ws_log(struct cp_ws *ws, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_vlog(&ws->rl, fmt, ap);
	va_end(ap);
}

/*
 * lws's own log lines (errors only).  While cp_ws_create() runs they are
 * captured for its error message instead of printed.
 */
static struct cp_ws_ratelimit lws_rl;
static char *lws_capture;
static size_t lws_capture_len;

static void lws_log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void lws_log_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_vlog(&lws_rl, fmt, ap);
	va_end(ap);
}

static void lws_emit(int level, const char *line)
{
	const char *p = line, *q;
	size_t n;

	(void)level;
	/* "[2024/01/02 03:04:05:0006] E: text\n" -> "text" */
	if (*p == '[' && (q = strstr(p, "] ")) != NULL)
		p = q + 2;
	if (p[0] != '\0' && p[1] == ':' && p[2] == ' ')
		p += 3;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (lws_capture != NULL) {
		if (lws_capture[0] == '\0') /* keep the first: the cause */
			snprintf(lws_capture, lws_capture_len, "%.*s", (int)n, p);
		return;
	}
	lws_log_line("lws: %.*s", (int)n, p);
}

/* ---- connections by ID ------------------------------------------------ */

static struct cp_ws_conn **conn_slot(struct cp_ws *ws, uint64_t id)
{
	return &ws->buckets[(id ^ (id >> 17)) & ws->bucket_mask];
}

static struct cp_ws_conn *conn_find(struct cp_ws *ws, uint64_t id)
{
	struct cp_ws_conn *c;

	for (c = *conn_slot(ws, id); c != NULL; c = c->hnext)
		if (c->id == id)
			return c;
	return NULL;
}

static void conn_unlink(struct cp_ws *ws, struct cp_ws_conn *c)
{
	struct cp_ws_conn **pp;

	for (pp = conn_slot(ws, c->id); *pp != NULL; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
	}
}

/*
 * The connection is down: forget it, then tell the caller (who can no
 * longer reach it: cp_ws_send() says -ENOENT from here on).
 */
static void conn_gone(struct cp_ws *ws, struct cp_ws_conn *c)
{
	struct cp_ws_msg *m, *next;
	uint64_t id = c->id;

	conn_unlink(ws, c);
	ws->n_open--;
	for (m = c->qhead; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(c->rx);
	free(c);
	ws->st.closed++;
	if (ws->ops.on_close != NULL)
		ws->ops.on_close(ws->ops.opaque, id);
}

/* ---- helpers ---------------------------------------------------------- */

static struct cp_ws *wsi_ws(struct lws *wsi)
{
	struct lws_vhost *vh = wsi != NULL ? lws_get_vhost(wsi) : NULL;

	return vh != NULL ? lws_vhost_user(vh) : NULL;
}

static void peer_name(struct lws *wsi, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];
	int fd = lws_get_socket_fd(wsi);

	snprintf(buf, len, "(peer gone)");
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		if (inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) != NULL)
			snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) != NULL)
			snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	}
}

/* RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	uint32_t cp, min;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			need = 1, cp = s[i] & 0x1fu, min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			need = 2, cp = s[i] & 0x0fu, min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			need = 3, cp = s[i] & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* The alerts a server sends when it refuses a handshake (RFC 8446 6). */
static const char *tls_alert_name(int desc)
{
	static const struct {
		int desc;
		const char *name;
	} names[] = {
		{40, "handshake failure"}, {42, "bad certificate"},
		{43, "unsupported certificate"}, {44, "certificate revoked"},
		{45, "certificate expired"}, {46, "certificate unknown"},
		{47, "illegal parameter"}, {48, "unknown CA"},
		{49, "access denied"}, {50, "decode error"},
		{51, "decrypt error"}, {70, "protocol version"},
		{80, "internal error"}, {109, "missing extension"},
		{116, "certificate required"}, {120, "no application protocol"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].desc == desc)
			return names[i].name;
	return "other";
}

/* Equal in time that depends on the lengths only, never on the bytes. */
static bool token_equal(const char *got, size_t got_len, const char *want, size_t want_len)
{
	volatile unsigned char d = got_len != want_len;
	size_t i;

	for (i = 0; i < want_len; i++)
		d |= (unsigned char)want[i] ^ (unsigned char)(i < got_len ? got[i] : 0);
	return d == 0;
}

/* NULL when the request carries the right bearer token, else why not. */
static const char *auth_refusal(struct cp_ws *ws, struct lws *wsi)
{
	char hdr[CP_WS_TOKEN_MAX + 64];
	const char *p;
	size_t n;
	int len;

	if (ws->token == NULL)
		return NULL;
	len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
	if (len <= 0)
		return "no Authorization header";
	if ((size_t)len >= sizeof(hdr) ||
	    lws_hdr_copy(wsi, hdr, (int)sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) != len)
		return "wrong bearer token";
	/* RFC 6750 2.1: "Bearer" 1*SP b64token; the scheme is case-insensitive */
	if (len < 7 || strncasecmp(hdr, "Bearer ", 7) != 0)
		return "Authorization is not a bearer token";
	p = hdr + 7;
	while (*p == ' ')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (!token_equal(p, n, ws->token, ws->token_len))
		return "wrong bearer token";
	return NULL;
}

/*
 * Answer an HTTP/1.1 status on the upgrade request; the caller hangs up and
 * lws flushes this first.  Written whole: at this point lws would still say
 * "HTTP/1.0", which WebSocket clients reject.
 */
static int http_refuse(struct lws *wsi, unsigned int status)
{
	unsigned char buf[LWS_PRE + 256];
	const char *text = status == HTTP_STATUS_BAD_REQUEST ? "400 Bad Request" :
			   status == HTTP_STATUS_UNAUTHORIZED ? "401 Unauthorized" :
			   status == HTTP_STATUS_SERVICE_UNAVAILABLE ? "503 Service Unavailable" :
			   "404 Not Found";
	int n;

	n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
		     "HTTP/1.1 %s\r\n%sConnection: close\r\nContent-Length: 0\r\n\r\n", text,
		     status == HTTP_STATUS_UNAUTHORIZED ? "WWW-Authenticate: Bearer\r\n" : "");
	if (n <= 0 || (size_t)n >= sizeof(buf) - LWS_PRE)
		return -1;
	return lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS);
}

/*
 * lws hangs up without a word when none of the subprotocols a client offers
 * is ours: find out first, so that the refusal is answered and logged.
 */
static bool subprotocol_ok(struct lws *wsi)
{
	char hdr[256], *tok, *save;
	int len = lws_hdr_total_length(wsi, WSI_TOKEN_PROTOCOL);

	if (len <= 0)
		return true; /* none asked for: fine */
	if ((size_t)len >= sizeof(hdr) ||
	    lws_hdr_copy(wsi, hdr, (int)sizeof(hdr), WSI_TOKEN_PROTOCOL) != len)
		return false;
	for (tok = strtok_r(hdr, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save))
		if (strcmp(tok, CP_WS_PROTOCOL_NAME) == 0)
			return true;
	return false;
}

/* true (counted, logged, answered if asked) when the upgrade is refused */
static bool upgrade_refused(struct cp_ws *ws, struct lws *wsi, bool answer)
{
	char peer[CP_WS_PEER_LEN];
	const char *why = auth_refusal(ws, wsi);

	if (why != NULL) {
		ws->st.refused_auth++;
		peer_name(wsi, peer, sizeof(peer));
		ws_log(ws, "refused %s: %s (HTTP 401)", peer, why);
		if (answer)
			http_refuse(wsi, HTTP_STATUS_UNAUTHORIZED);
		return true;
	}
	if (!subprotocol_ok(wsi)) {
		ws->st.refused_other++;
		peer_name(wsi, peer, sizeof(peer));
		ws_log(ws, "refused %s: subprotocol \"%s\" not offered (HTTP 400)", peer,
		       CP_WS_PROTOCOL_NAME);
		if (answer)
			http_refuse(wsi, HTTP_STATUS_BAD_REQUEST);
		return true;
	}
	if (ws->n_open >= ws->cfg.max_conns) {
		ws->st.refused_full++;
		peer_name(wsi, peer, sizeof(peer));
		ws_log(ws, "refused %s: %u connections open (HTTP 503)", peer, ws->cfg.max_conns);
		if (answer)
			http_refuse(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
		return true;
	}
	return false;
}

/* Close now (protocol violation): nothing more is read or sent. */
static int conn_fail(struct cp_ws *ws, struct cp_ws_conn *c, enum lws_close_status code,
		     const char *why, uint64_t *counter)
{
	if (counter != NULL)
		(*counter)++;
	ws_log(ws, "connection %llu (%s): %s: closing with %d", (unsigned long long)c->id,
	       c->peer, why, (int)code);
	c->dead = true;
	lws_close_reason(c->wsi, code, (unsigned char *)(uintptr_t)why, strlen(why));
	return -1;
}

/* ---- lws callbacks ------------------------------------------------------ */

static int on_established(struct cp_ws *ws, struct cp_ws_pss *pss, struct lws *wsi)
{
	struct cp_ws_conn *c;
	struct cp_ws_conn **slot;

	if (ws == NULL || pss == NULL || ws->draining)
		return -1;
	if (ws->n_open >= ws->cfg.max_conns) { /* not through upgrade_refused()? */
		ws->st.refused_full++;
		ws_log(ws, "refused a connection: %u connections open", ws->cfg.max_conns);
		return -1;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		ws_log(ws, "out of memory for a connection");
		return -1;
	}
	c->ws = ws;
	c->wsi = wsi;
	c->id = ++ws->next_id;
	peer_name(wsi, c->peer, sizeof(c->peer));
	slot = conn_slot(ws, c->id);
	c->hnext = *slot;
	*slot = c;
	pss->conn = c;
	ws->n_open++;
	ws->st.accepted++;
	if (ws->ops.on_open != NULL)
		ws->ops.on_open(ws->ops.opaque, c->id, c->peer);
	return 0;
}

static int on_receive(struct cp_ws *ws, struct cp_ws_conn *c, const char *in, size_t len)
{
	size_t need, cap;
	char *nrx;

	if (c->dead || c->closing)
		return 0; /* closing: the rest is not for the caller */
	if (lws_frame_is_binary(c->wsi))
		return conn_fail(ws, c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				 "binary messages are not supported", &ws->st.binary_refused);
	/* What has come, this chunk, and the rest of this frame announced. */
	need = c->rx_len + len;
	if (need < c->rx_len || need > ws->cfg.max_message ||
	    (size_t)lws_remaining_packet_payload(c->wsi) > ws->cfg.max_message - need)
		return conn_fail(ws, c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				 "message too big", &ws->st.too_big);
	if (need + 1 > c->rx_cap) {
		cap = c->rx_cap != 0 ? c->rx_cap : 1024;
		while (cap < need + 1)
			cap *= 2;
		if (cap > ws->cfg.max_message + 1)
			cap = ws->cfg.max_message + 1;
		nrx = realloc(c->rx, cap);
		if (nrx == NULL)
			return conn_fail(ws, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
					 "out of memory", NULL);
		c->rx = nrx;
		c->rx_cap = cap;
	}
	if (len != 0)
		memcpy(c->rx + c->rx_len, in, len);
	c->rx_len = need;
	if (!lws_is_final_fragment(c->wsi))
		return 0;

	if (!utf8_valid((const unsigned char *)c->rx, c->rx_len))
		return conn_fail(ws, c, LWS_CLOSE_STATUS_INVALID_PAYLOAD,
				 "text message is not UTF-8", &ws->st.bad_utf8);
	c->rx[c->rx_len] = '\0';
	len = c->rx_len;
	c->rx_len = 0;
	ws->st.msgs_in++;
	/* c stays valid: nothing frees a connection but the CLOSED callback */
	if (ws->ops.on_text != NULL)
		ws->ops.on_text(ws->ops.opaque, c->id, c->rx, len);
	if (c->rx_cap > CP_WS_RX_KEEP) {
		free(c->rx);
		c->rx = NULL;
		c->rx_cap = 0;
	}
	return 0;
}

static int on_writeable(struct cp_ws *ws, struct cp_ws_conn *c)
{
	struct cp_ws_msg *m = c->qhead;
	int n;

	if (c->dead)
		return -1;
	if (m != NULL) {
		c->qhead = m->next;
		if (c->qhead == NULL)
			c->qtail = NULL;
		c->queued -= m->len;
		/* lws keeps what the socket does not take and sends it first */
		n = lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
		free(m);
		if (n < 0) {
			c->dead = true;
			return -1;
		}
		ws->st.msgs_out++;
		if (c->qhead != NULL || c->closing)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->closing) {
		c->dead = true;
		lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, c->close_reason,
				 c->close_reason_len);
		return -1;
	}
	return 0;
}

static int cp_ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct cp_ws_pss *pss = user;
	struct cp_ws *ws;
	char peer[CP_WS_PEER_LEN];

	switch (reason) {
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		/*
		 * len is OpenSSL's preverify_ok; return 0 to accept.  (Not
		 * handling this would accept any certificate.)  wsi is NULL.
		 */
		return len == 1 ? 0 : 1;

	case LWS_CALLBACK_SSL_INFO: {
		const struct lws_ssl_info *si = in;

		/*
		 * A fatal alert that we send ends the TLS session: a client
		 * certificate missing or not verified, or a client that gave
		 * up on ours (OpenSSL then answers "decode error").
		 */
		ws = wsi_ws(wsi);
		if (ws != NULL && si != NULL && (si->where & SSL_CB_WRITE) &&
		    ((si->ret >> 8) & 0xff) == SSL3_AL_FATAL) {
			ws->st.tls_failed++;
			peer_name(wsi, peer, sizeof(peer));
			ws_log(ws, "TLS with %s failed: sent alert %d (%s)", peer, si->ret & 0xff,
			       tls_alert_name(si->ret & 0xff));
		}
		return 0;
	}

	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		ws = wsi_ws(wsi);
		if (ws == NULL || ws->draining)
			return -1;
		if (in == NULL || strcmp(in, "websocket") != 0) {
			ws->st.refused_other++;
			peer_name(wsi, peer, sizeof(peer));
			ws_log(ws, "refused %s: upgrade to %s", peer, in ? (const char *)in : "?");
			return -1;
		}
		/* answered here with a status; hanging up flushes it first */
		return upgrade_refused(ws, wsi, true) ? -1 : 0;

	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* every WebSocket handshake passes here: the same rules again */
		ws = wsi_ws(wsi);
		if (ws == NULL || ws->draining)
			return 1;
		return upgrade_refused(ws, wsi, false) ? 1 : 0;

	case LWS_CALLBACK_ESTABLISHED:
		return on_established(wsi_ws(wsi), pss, wsi);

	case LWS_CALLBACK_RECEIVE:
		if (pss == NULL || pss->conn == NULL)
			return -1;
		return on_receive(pss->conn->ws, pss->conn, in, len);

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss == NULL || pss->conn == NULL)
			return 0;
		return on_writeable(pss->conn->ws, pss->conn);

	case LWS_CALLBACK_CLOSED:
	case LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL: /* whichever comes first */
		if (pss != NULL && pss->conn != NULL) {
			struct cp_ws_conn *c = pss->conn;

			pss->conn = NULL;
			conn_gone(c->ws, c);
		}
		return 0;

	case LWS_CALLBACK_HTTP:
		/* plain HTTP: there is nothing here but the WebSocket */
		ws = wsi_ws(wsi);
		if (ws != NULL) {
			ws->st.refused_other++;
			peer_name(wsi, peer, sizeof(peer));
			ws_log(ws, "refused %s: plain HTTP request (HTTP 404)", peer);
		}
		http_refuse(wsi, HTTP_STATUS_NOT_FOUND);
		return -1;

	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void cp_ws_tick(lws_sorted_usec_list_t *sul)
{
	struct cp_ws *ws = lws_container_of(sul, struct cp_ws, tick);

	/* stay armed: the poll() wait is bounded whenever lws looks at it */
	lws_sul_schedule(ws->ctx, 0, &ws->tick, cp_ws_tick, ws->tick_us);
}

/* ---- set-up ------------------------------------------------------------ */

void cp_ws_cfg_default(struct cp_ws_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_addr = "127.0.0.1";
	c->max_message = CP_WS_DEFAULT_MAX_MESSAGE;
	c->max_conns = CP_WS_DEFAULT_MAX_CONNS;
	c->max_queued = CP_WS_DEFAULT_MAX_QUEUED;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * A readable PEM file holding a certificate (want_key false) or an
 * unencrypted private key: checked here so that the error names the file.
 */
static int check_pem(const char *what, const char *path, bool want_key, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc = -1;

	if (f == NULL) {
		set_err(err, errlen, "%s file '%s': %s", what, path, strerror(errno));
		return -1;
	}
	buf = malloc(CP_WS_PEM_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		set_err(err, errlen, "%s file '%s': out of memory", what, path);
		return -1;
	}
	n = fread(buf, 1, CP_WS_PEM_MAX, f);
	if (ferror(f)) {
		set_err(err, errlen, "%s file '%s': read error", what, path);
		goto out;
	}
	buf[n] = '\0';
	if (!want_key) {
		if (strstr(buf, "-----BEGIN CERTIFICATE-----") == NULL) {
			set_err(err, errlen, "%s file '%s': no PEM certificate in it", what, path);
			goto out;
		}
	} else {
		if (strstr(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
		    strstr(buf, "Proc-Type: 4,ENCRYPTED") != NULL) {
			set_err(err, errlen, "%s file '%s': encrypted keys are not supported",
				what, path);
			goto out;
		}
		if (strstr(buf, "PRIVATE KEY-----") == NULL) {
			set_err(err, errlen, "%s file '%s': no PEM private key in it", what, path);
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

/* Bind once ourselves: lws only logs why it could not. */
static int check_bind(const char *addr, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	int fd, one = 1, rc = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		set_err(err, errlen, "listen address '%s': not an IPv4 address", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_err(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		set_err(err, errlen, "bind %s:%u: %s", addr, port, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

static char *dup_opt(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*fail = true;
	return d;
}

static int check_cfg(const struct cp_ws_cfg *cfg, char *err, size_t errlen)
{
	const char *t;

	if ((cfg->cert == NULL) != (cfg->key == NULL)) {
		set_err(err, errlen, "cert and key must be given together");
		return -1;
	}
	if (cfg->ca != NULL && cfg->cert == NULL) {
		set_err(err, errlen, "CA (client certificates) needs cert and key (wss://)");
		return -1;
	}
	if (cfg->token != NULL) {
		if (cfg->token[0] == '\0' || strlen(cfg->token) > CP_WS_TOKEN_MAX) {
			set_err(err, errlen, "token: 1 to %u characters", CP_WS_TOKEN_MAX);
			return -1;
		}
		for (t = cfg->token; *t != '\0'; t++) {
			if (*t <= ' ' || *t > '~') {
				set_err(err, errlen, "token: visible ASCII characters only");
				return -1;
			}
		}
	}
	if (cfg->max_message > CP_WS_LIMIT_MAX || cfg->max_queued > CP_WS_LIMIT_MAX) {
		set_err(err, errlen, "max_message and max_queued: at most %u bytes",
			CP_WS_LIMIT_MAX);
		return -1;
	}
	if (cfg->cert != NULL && (check_pem("cert", cfg->cert, false, err, errlen) ||
				  check_pem("key", cfg->key, true, err, errlen)))
		return -1;
	if (cfg->ca != NULL && check_pem("CA", cfg->ca, false, err, errlen))
		return -1;
	return 0;
}

struct lws_context *cp_ws_new_lws_context(void)
{
	struct lws_context_creation_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		     LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME;
	ci.port = CONTEXT_PORT_NO_LISTEN;
	ci.gid = -1;
	ci.uid = -1;
	return lws_create_context(&ci);
}

/* What cp_ws_create() allocates, once the lws context is gone. */
static void ws_free(struct cp_ws *ws)
{
	free(ws->buckets);
	free(ws->listen_addr);
	free(ws->cert);
	free(ws->key);
	free(ws->ca);
	free(ws->token);
	free(ws);
}

struct cp_ws *cp_ws_create(const struct cp_ws_cfg *cfg, const struct cp_ws_ops *ops,
			   char *err, size_t errlen)
{
	struct lws_context_creation_info vi;
	char lws_err[256] = "";
	struct cp_ws *ws;
	bool fail = false;
	size_t nb;
	int port;

	set_err(err, errlen, "no error");
	if (cfg == NULL || ops == NULL) {
		set_err(err, errlen, "cfg and ops are required");
		return NULL;
	}
	if (check_cfg(cfg, err, errlen) ||
	    check_bind(cfg->listen_addr ? cfg->listen_addr : "127.0.0.1", cfg->port, err, errlen))
		return NULL;

	ws = calloc(1, sizeof(*ws));
	if (ws == NULL) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	ws->ops = *ops;
	ws->cfg = *cfg;
	ws->listen_addr = dup_opt(cfg->listen_addr ? cfg->listen_addr : "127.0.0.1", &fail);
	ws->cert = dup_opt(cfg->cert, &fail);
	ws->key = dup_opt(cfg->key, &fail);
	ws->ca = dup_opt(cfg->ca, &fail);
	ws->token = dup_opt(cfg->token, &fail);
	ws->token_len = ws->token != NULL ? strlen(ws->token) : 0;
	ws->cfg.listen_addr = ws->listen_addr;
	ws->cfg.cert = ws->cert;
	ws->cfg.key = ws->key;
	ws->cfg.ca = ws->ca;
	ws->cfg.token = ws->token;
	if (ws->cfg.max_message == 0)
		ws->cfg.max_message = CP_WS_DEFAULT_MAX_MESSAGE;
	if (ws->cfg.max_conns == 0)
		ws->cfg.max_conns = CP_WS_DEFAULT_MAX_CONNS;
	if (ws->cfg.max_queued == 0)
		ws->cfg.max_queued = CP_WS_DEFAULT_MAX_QUEUED;
	for (nb = 16; nb < ws->cfg.max_conns && nb < 65536; nb *= 2)
		;
	ws->buckets = calloc(nb, sizeof(*ws->buckets));
	ws->bucket_mask = nb - 1;
	if (fail || ws->buckets == NULL) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	ws->protocols[0].name = CP_WS_PROTOCOL_NAME;
	ws->protocols[0].callback = cp_ws_cb;
	ws->protocols[0].per_session_data_size = sizeof(struct cp_ws_pss);

	/* lws errors only; those of the set-up go into the error message */
	lws_set_log_level(LLL_ERR, lws_emit);
	lws_capture = lws_err;
	lws_capture_len = sizeof(lws_err);

	ws->ctx = cp_ws_new_lws_context();
	if (ws->ctx == NULL) {
		set_err(err, errlen, "libwebsockets context: %s",
			lws_err[0] ? lws_err : "creation failed");
		goto fail;
	}

	memset(&vi, 0, sizeof(vi));
	vi.vhost_name = CP_WS_VHOST_NAME;
	vi.port = cfg->port;
	vi.iface = strcmp(ws->listen_addr, "0.0.0.0") != 0 ? ws->listen_addr : NULL;
	vi.protocols = ws->protocols;
	vi.user = ws;
	vi.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
	if (ws->cert != NULL) {
		vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		vi.ssl_cert_filepath = ws->cert;
		vi.ssl_private_key_filepath = ws->key;
		vi.alpn = "http/1.1"; /* WebSocket over h1 only: every upgrade sees our checks */
		vi.ssl_info_event_mask = SSL_CB_ALERT;
	}
	if (ws->ca != NULL) {
		vi.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
		vi.ssl_ca_filepath = ws->ca;
	}
	ws->vh = lws_create_vhost(ws->ctx, &vi);
	if (ws->vh == NULL) {
		if (ws->cert != NULL)
			set_err(err, errlen, "TLS set-up (cert '%s', key '%s'%s%s): %s", ws->cert,
				ws->key, ws->ca ? ", CA " : "", ws->ca ? ws->ca : "",
				lws_err[0] ? lws_err : "failed");
		else
			set_err(err, errlen, "listen %s:%u: %s", ws->listen_addr, cfg->port,
				lws_err[0] ? lws_err : "failed");
		goto fail;
	}
	port = lws_get_vhost_listen_port(ws->vh);
	if (port <= 0 || port > 65535) {
		set_err(err, errlen, "listen %s:%u: not listening%s%s", ws->listen_addr, cfg->port,
			lws_err[0] ? ": " : "", lws_err);
		goto fail;
	}
	ws->port = (uint16_t)port;
	lws_capture = NULL;
	return ws;

fail:
	lws_capture = NULL;
	if (ws->ctx != NULL)
		lws_context_destroy(ws->ctx);
	ws_free(ws);
	return NULL;
}

/* ---- operations -------------------------------------------------------- */

static struct cp_ws_conn *conn_usable(struct cp_ws *ws, uint64_t id)
{
	struct cp_ws_conn *c;

	if (ws->dying)
		return NULL;
	c = conn_find(ws, id);
	if (c == NULL || c->closing || c->dead)
		return NULL;
	return c;
}

int cp_ws_send(struct cp_ws *ws, uint64_t conn, const char *text, size_t len)
{
	struct cp_ws_conn *c;
	struct cp_ws_msg *m;

	if (ws == NULL || (text == NULL && len != 0))
		return -EINVAL;
	c = conn_usable(ws, conn);
	if (c == NULL)
		return -ENOENT;
	if (len > ws->cfg.max_queued - c->queued)
		return -ENOBUFS;
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (m == NULL)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	if (len != 0)
		memcpy(m->buf + LWS_PRE, text, len);
	if (c->qtail != NULL)
		c->qtail->next = m;
	else
		c->qhead = m;
	c->qtail = m;
	c->queued += len;
	lws_callback_on_writable(c->wsi);
	return 0;
}

static bool close_code_ok(int code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

int cp_ws_close(struct cp_ws *ws, uint64_t conn, int code, const char *reason)
{
	struct cp_ws_conn *c;
	size_t n = 0;

	if (ws == NULL || !close_code_ok(code))
		return -EINVAL;
	c = conn_usable(ws, conn);
	if (c == NULL)
		return -ENOENT;
	if (reason != NULL) {
		n = strlen(reason);
		if (n > CP_WS_REASON_MAX) {
			n = CP_WS_REASON_MAX;
			/* do not cut a UTF-8 sequence */
			while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(c->close_reason, reason, n);
	}
	c->close_reason_len = (uint8_t)n;
	c->close_code = (uint16_t)code;
	c->closing = true;
	lws_callback_on_writable(c->wsi);
	return 0;
}

int cp_ws_service(struct cp_ws *ws, int timeout_ms)
{
	int n;

	if (ws == NULL || ws->ctx == NULL || ws->dying)
		return -1;
	/*
	 * lws_service() ignores its timeout: poll() waits for the next
	 * scheduled lws event, possibly for ever.  A timer of our own bounds
	 * it; a negative timeout makes lws poll() without waiting.
	 */
	if (timeout_ms <= 0) {
		n = lws_service(ws->ctx, -1);
	} else {
		/* lws rounds the wait down to whole ms: aim just before the next */
		ws->tick_us = (lws_usec_t)timeout_ms * LWS_US_PER_MS + LWS_US_PER_MS - 1;
		lws_sul_schedule(ws->ctx, 0, &ws->tick, cp_ws_tick, ws->tick_us);
		n = lws_service(ws->ctx, 0);
	}
	return n < 0 ? -1 : 0;
}

uint16_t cp_ws_port(const struct cp_ws *ws)
{
	return ws != NULL ? ws->port : 0;
}

struct lws_context *cp_ws_lws_context(struct cp_ws *ws)
{
	return ws != NULL ? ws->ctx : NULL;
}

void cp_ws_stats(const struct cp_ws *ws, struct cp_ws_stats *out)
{
	if (ws == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ws->st;
	out->open = ws->n_open;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void cp_ws_destroy(struct cp_ws *ws)
{
	static const char bye[] = "server shutting down";
	struct cp_ws_conn *c;
	uint64_t deadline;
	size_t b;

	if (ws == NULL)
		return;
	/* Politely first: what is queued, then 1001, while the peers answer. */
	ws->draining = true;
	for (b = 0; b <= ws->bucket_mask; b++) {
		for (c = ws->buckets[b]; c != NULL; c = c->hnext) {
			if (c->closing || c->dead)
				continue;
			c->closing = true;
			c->close_code = LWS_CLOSE_STATUS_GOINGAWAY;
			c->close_reason_len = sizeof(bye) - 1;
			memcpy(c->close_reason, bye, sizeof(bye) - 1);
			lws_callback_on_writable(c->wsi);
		}
	}
	deadline = now_ms() + CP_WS_DESTROY_WAIT_MS;
	while (ws->n_open != 0 && now_ms() < deadline)
		if (cp_ws_service(ws, 5) != 0)
			break;

	ws->dying = true;
	lws_sul_cancel(&ws->tick);
	lws_context_destroy(ws->ctx); /* CLOSED for each connection left */
	/* Whatever lws did not report closed is closed now. */
	for (b = 0; b <= ws->bucket_mask; b++)
		while ((c = ws->buckets[b]) != NULL)
			conn_gone(ws, c);
	ws_free(ws);
}
