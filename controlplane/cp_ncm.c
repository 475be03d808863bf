/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NCM state machine (cp_ncm.h; procedures in docs/mams.md).
 *
 * Tables are plain arrays sized at creation (max_sessions sessions, twice
 * as many connections) and searched linearly: the control thread handles a
 * few messages per session per second, never per packet.  Every message is
 * decoded into one of two scratch struct cp_msg (about 40 KB each) owned by
 * the NCM, not the stack.
 */
#include "cp_ncm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cp_policy.h"
#include "dp_api.h"
#include "esp_kdf.h"

#define MAX_PENDING 6u
#define SECRET_BYTES 32u /* a shared secret: 32 random bytes ... */
#define SECRET_CHARS 43u /* ... in base64url without padding (docs/ipsec.md) */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* A request of the NCM waiting for its answer. */
struct pending {
	enum cp_msg_type type;   /* the request (CAPABILITY_RSP waits for the ACK) */
	enum cp_msg_type answer;
	uint32_t seq;
	char *text;              /* for retransmission; NULL = slot free */
	size_t len;
	uint64_t sent_ms;
	uint32_t tries;          /* retransmissions so far */
};

/* One delivery connection as the client describes it (index = cfg.delivery[]). */
struct dconn {
	bool setup;              /* reconfiguration "setup" or "update" seen, not released */
	bool has_ip;
	uint32_t ip;             /* client's address on it, host order */
	uint16_t mtu;            /* 0 = the configured default */
	uint16_t udp_port;       /* from the UP setup confirmation; 0 = unknown */
	enum cp_conn_status status;
	char ssid[CP_STR];
	char delivery_node_id[CP_STR];
	bool in_dp;              /* has a data-plane path (never removed, only downed) */
	uint32_t dp_ip;          /* the endpoint last given to the data plane */
	uint16_t dp_port;
	bool est_sent;           /* path estimation requested */
	uint32_t tput_kbps;      /* the CCM's reports (DL_TPUT, EST_DL_TPUT, path est.) */
	double signal;           /* RSSI / RSRP, dBm */
	bool has_signal;
	/* policy inputs */
	struct cp_probe_track probe;
	uint64_t rx_pkts, lost, tx_bytes; /* counters at the last policy run */
	uint32_t loss_ppm;
	uint32_t rate_kbps;      /* measured downlink rate */
	/* IPsec adaptation (cfg.delivery[].ipsec; docs/ipsec.md): the secret
	 * last sent and the SAs the data plane has.  A rekey installs the new
	 * inbound SA next to the old one (ipsec.in_prev) and sends the new
	 * secret; the client's confirmation switches the outbound SA
	 * (next_out), and the old inbound SA goes grace_ms later. */
	char secret[SECRET_CHARS + 1];
	struct dp_ipsec_cfg ipsec;   /* enabled once derived */
	struct dp_ipsec_sa_cfg next_out;
	bool rekeying;               /* new secret sent, not yet confirmed */
	uint64_t rekey_ms;           /* next rekey; 0: never */
	uint64_t grace_end_ms;       /* remove ipsec.in_prev then; 0: nothing to remove */
};

struct sess {
	bool used;
	uint32_t id;             /* MAMS session ID = data-plane session ID */
	enum cp_ncm_state state;
	uint64_t conn;           /* 0: detached */
	uint64_t detached_ms;
	uint32_t anchor_ip;
	enum cp_dialect dialect;
	uint32_t next_seq;
	uint64_t last_rx_ms;
	uint64_t msgs_in, msgs_out;
	struct dconn dc[DP_MAX_PATHS];
	uint8_t dp_order[DP_MAX_PATHS]; /* delivery index of each data-plane path */
	uint8_t n_dp;
	bool in_dp;
	bool cli_ipsec;          /* the CCM supports the IPsec adaptation */
	struct gma_steer_cfg steer[DP_MAX_FLOWS]; /* per template flow, delivery indexes */
	uint64_t policy_ms;
	struct pending pend[MAX_PENDING];
	uint8_t operator_flows;  /* bit f: template flow f steered by an operator (REST) */
};

struct conn {
	uint64_t id;             /* 0: slot free */
	char peer[48];
	struct sess *s;
	uint64_t last_rx_ms;
	bool closing;            /* closed by the NCM; on_close will free it */
};

struct cp_ncm {
	struct cp_config cfg;
	struct dp_ctx *dp;
	struct cp_ncm_io io;
	struct cp_limits lim;
	unsigned max_sess, max_conns;
	struct sess *sess;
	struct conn *conns;
	uint32_t anchor_cursor;
	struct cp_ncm_stats st;
	struct cp_msg in, out;   /* scratch */
	struct dp_session_cfg dpc; /* scratch */
	struct dp_session_stats dps; /* scratch */
	IMB_MGR *mb;             /* key derivation (IPsec adaptation) */
};

static const char *const state_names[CP_NCM_STATE_COUNT] = {
	[CP_NCM_CAPS_SENT] = "caps_sent",
	[CP_NCM_SETUP_SENT] = "setup_sent",
	[CP_NCM_ACTIVE] = "active",
	[CP_NCM_TERMINATING] = "terminating",
};

const char *cp_ncm_state_name(enum cp_ncm_state s)
{
	return (unsigned)s < CP_NCM_STATE_COUNT ? state_names[s] : "?";
}

/* ---- Tables ---------------------------------------------------------------- */

static struct conn *conn_find(struct cp_ncm *n, uint64_t id)
{
	for (unsigned i = 0; i < n->max_conns; i++)
		if (n->conns[i].id == id)
			return &n->conns[i];
	return NULL;
}

/* Closes a connection once; its on_close frees the record. */
static void close_conn(struct cp_ncm *n, uint64_t id, int code, const char *reason)
{
	struct conn *c = conn_find(n, id);

	if (id == 0 || (c != NULL && c->closing))
		return;
	if (c != NULL)
		c->closing = true;
	n->io.close(n->io.opaque, id, code, reason);
}

static struct sess *sess_find(const struct cp_ncm *n, uint32_t id)
{
	for (unsigned i = 0; i < n->max_sess; i++)
		if (n->sess[i].used && n->sess[i].id == id)
			return &n->sess[i];
	return NULL;
}

static int delivery_index(const struct cp_ncm *n, uint8_t conn_id)
{
	for (unsigned i = 0; i < n->cfg.n_delivery; i++)
		if (n->cfg.delivery[i].connection_id == conn_id)
			return (int)i;
	return -1;
}

static bool anchor_used(const struct cp_ncm *n, uint32_t a)
{
	for (unsigned i = 0; i < n->max_sess; i++)
		if (n->sess[i].used && n->sess[i].anchor_ip == a)
			return true;
	return false;
}

/* Next free client address of the pool: not the network, broadcast or gateway. */
static uint32_t anchor_alloc(struct cp_ncm *n)
{
	uint32_t size = ~n->cfg.anchor_mask + 1u;

	for (uint32_t k = 0; k < size; k++) {
		uint32_t a;

		n->anchor_cursor = (n->anchor_cursor + 1) % size;
		a = n->cfg.anchor_net | n->anchor_cursor;
		if (n->anchor_cursor == 0 || n->anchor_cursor == size - 1 || a == n->cfg.anchor_gw)
			continue;
		if (!anchor_used(n, a))
			return a;
	}
	return 0;
}

static int random_bytes(struct cp_ncm *n, void *buf, size_t len)
{
	if (n->io.random != NULL)
		return n->io.random(n->io.opaque, buf, len);
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -EIO;
}

/* ---- IPsec adaptation (docs/ipsec.md, "Keys from MAMS") ------------------- */

static void b64url(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		size_t k = len - i;
		uint32_t v = (uint32_t)in[i] << 16;

		if (k > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (k > 2)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		if (k > 1)
			out[o++] = tab[(v >> 6) & 63];
		if (k > 2)
			out[o++] = tab[v & 63];
	}
	out[o] = '\0';
}

/* Is spi an inbound SPI of one of the NCM's sessions? */
static bool spi_in_use(const struct cp_ncm *n, uint32_t spi)
{
	for (unsigned i = 0; i < n->max_sess; i++) {
		const struct sess *s = &n->sess[i];

		for (unsigned d = 0; s->used && d < n->cfg.n_delivery; d++) {
			const struct dp_ipsec_cfg *ic = &s->dc[d].ipsec;

			if (ic->enabled && (ic->in.spi == spi || ic->in_prev.spi == spi))
				return true;
		}
	}
	return false;
}

static void sa_copy(struct dp_ipsec_sa_cfg *o, const struct esp_sa_cfg *c)
{
	o->spi = c->spi;
	o->keymat_len = (uint8_t)c->keymat_len;
	memcpy(o->keymat, c->keymat, c->keymat_len);
}

/*
 * A new shared secret for delivery connection di of s, and the gateway's
 * SAs it gives (in: uplink, out: downlink).  Drawn again while the inbound
 * SPI is one the NCM already uses.  0, -EIO (no random bytes), -EAGAIN.
 */
static int ipsec_draw(struct cp_ncm *n, const struct sess *s, unsigned di, char *secret,
		      struct dp_ipsec_sa_cfg *in, struct dp_ipsec_sa_cfg *out)
{
	const struct cp_delivery_cfg *dc = &n->cfg.delivery[di];
	struct esp_kdf_ctx ctx = {
		.ncm_id = n->cfg.ncm_id, .session_id = s->id, .conn_id = dc->connection_id,
		.suite = (enum esp_suite)dc->ipsec_suite, .esn = dc->ipsec_esn,
	};
	uint8_t raw[SECRET_BYTES], km[ESP_KEYMAT_MAX];
	struct esp_sa_cfg c;
	int rc = -EAGAIN;

	for (unsigned tries = 0; tries < 8 && rc == -EAGAIN; tries++) {
		if (random_bytes(n, raw, sizeof(raw)) != 0) {
			rc = -EIO;
			break;
		}
		b64url(raw, sizeof(raw), secret);
		if (esp_kdf_derive(n->mb, (const uint8_t *)secret, SECRET_CHARS, &ctx,
				   ESP_DIR_UPLINK, true, km, &c) < 0) {
			rc = -EINVAL;
			break;
		}
		sa_copy(in, &c);
		if (spi_in_use(n, in->spi) || in->spi == s->dc[di].ipsec.in.spi ||
		    in->spi == s->dc[di].ipsec.in_prev.spi) {
			n->st.ipsec_spi_redraws++;
			continue;
		}
		if (esp_kdf_derive(n->mb, (const uint8_t *)secret, SECRET_CHARS, &ctx,
				   ESP_DIR_DOWNLINK, true, km, &c) < 0) {
			rc = -EINVAL;
			break;
		}
		sa_copy(out, &c);
		rc = 0;
	}
	esp_wipe(raw, sizeof(raw));
	esp_wipe(km, sizeof(km));
	return rc;
}

/* The first secret and SAs of an IPsec delivery connection of s. */
static int ipsec_init(struct cp_ncm *n, struct sess *s, unsigned di, uint64_t now_ms)
{
	const struct cp_delivery_cfg *dc = &n->cfg.delivery[di];
	struct dconn *d = &s->dc[di];
	struct dp_ipsec_cfg ic = { 0 };
	int rc = ipsec_draw(n, s, di, d->secret, &ic.in, &ic.out);

	if (rc < 0) {
		n->st.ipsec_errors++;
		fprintf(stderr, "ncm: session %u: no IPsec keys for connection %u: %s\n", s->id,
			dc->connection_id, strerror(-rc));
		memset(d->secret, 0, sizeof(d->secret));
		return rc;
	}
	ic.enabled = true;
	ic.suite = dc->ipsec_suite;
	ic.esn = dc->ipsec_esn;
	ic.replay_window = dc->ipsec_replay_window;
	d->ipsec = ic;
	d->rekey_ms = dc->ipsec_rekey_s != 0 ? now_ms + dc->ipsec_rekey_s * 1000ull : 0;
	esp_wipe(&ic, sizeof(ic));
	return 0;
}

static bool sess_has_ipsec(const struct cp_ncm *n, const struct sess *s)
{
	for (unsigned i = 0; i < n->cfg.n_delivery; i++)
		if (s->dc[i].ipsec.enabled)
			return true;
	return false;
}

/* ---- Sending --------------------------------------------------------------- */

static int send_text(struct cp_ncm *n, uint64_t conn, const char *text, size_t len)
{
	int rc = n->io.send(n->io.opaque, conn, text, len);

	if (rc == 0)
		n->st.msgs_out++;
	return rc;
}

/* Encodes n->out (type, seq set by the caller) and sends it; keeps a copy
 * for retransmission when it expects an answer. */
static int send_msg(struct cp_ncm *n, struct sess *s, uint64_t conn, bool track)
{
	struct cp_msg *m = &n->out;
	enum cp_dialect d = s != NULL ? s->dialect : CP_DIALECT_RFC8743;
	char *text;
	size_t len;
	int rc;

	if (s != NULL && cp_msg_has_session_id(m->type)) {
		m->has_unique_session_id = true;
		m->unique_session_id.ncm_id = n->cfg.ncm_id;
		m->unique_session_id.session_id = s->id;
	}
	text = cp_msg_encode(m, d);
	if (text == NULL) {
		fprintf(stderr, "ncm: cannot encode %s: %s\n", cp_msg_type_name(m->type),
			strerror(errno));
		return -EINVAL;
	}
	len = strlen(text);
	rc = conn != 0 ? send_text(n, conn, text, len) : -ENOTCONN;
	if (s != NULL && rc == 0)
		s->msgs_out++;
	if (track && s != NULL) {
		for (unsigned i = 0; i < MAX_PENDING; i++) {
			struct pending *p = &s->pend[i];

			if (p->text != NULL && p->type != m->type)
				continue;
			free(p->text); /* a newer request of the same type replaces it */
			p->type = m->type;
			p->answer = m->type == CP_MSG_CAPABILITY_RSP ? CP_MSG_CAPABILITY_ACK
								     : cp_msg_answer_type(m->type);
			p->seq = m->sequence_num;
			p->text = text;
			p->len = len;
			p->sent_ms = s->last_rx_ms; /* refreshed by the caller's clock below */
			p->tries = 0;
			return 0;
		}
	}
	free(text);
	return rc;
}

static void begin(struct cp_ncm *n, enum cp_msg_type type, uint32_t seq)
{
	memset(&n->out, 0, sizeof(n->out));
	n->out.type = type;
	n->out.sequence_num = seq;
}

static uint32_t next_seq(struct sess *s)
{
	uint32_t v = s->next_seq;

	s->next_seq = s->next_seq >= 0x7FFFFFFFu ? 1 : s->next_seq + 1;
	return v;
}

static void pending_stamp(struct sess *s, enum cp_msg_type type, uint64_t now_ms)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (s->pend[i].text != NULL && s->pend[i].type == type)
			s->pend[i].sent_ms = now_ms;
}

/* Sends a request that expects an answer, tracked for retransmission. */
static void send_request(struct cp_ncm *n, struct sess *s, uint64_t now_ms)
{
	enum cp_msg_type t = n->out.type;

	send_msg(n, s, s->conn, true);
	pending_stamp(s, t, now_ms);
}

/* The answer to a tracked request: true when it was awaited. */
static bool pending_done(struct sess *s, enum cp_msg_type answer, uint32_t seq, bool any_seq)
{
	for (unsigned i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &s->pend[i];

		if (p->text == NULL || p->answer != answer || (!any_seq && p->seq != seq))
			continue;
		free(p->text);
		p->text = NULL;
		return true;
	}
	return false;
}

static bool pending_has(const struct sess *s, enum cp_msg_type type)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (s->pend[i].text != NULL && s->pend[i].type == type)
			return true;
	return false;
}

static void send_error(struct cp_ncm *n, uint64_t conn, const char *type, uint32_t seq,
		       const char *field, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void send_error(struct cp_ncm *n, uint64_t conn, const char *type, uint32_t seq,
		       const char *field, const char *fmt, ...)
{
	struct conn *c = conn_find(n, conn);
	va_list ap;

	begin(n, CP_MSG_ERROR, seq);
	snprintf(n->out.u.error.message_type, sizeof(n->out.u.error.message_type), "%s", type);
	snprintf(n->out.u.error.field, sizeof(n->out.u.error.field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(n->out.u.error.reason, sizeof(n->out.u.error.reason), fmt, ap);
	va_end(ap);
	send_msg(n, c != NULL ? c->s : NULL, conn, false);
}

/* ---- The data plane -------------------------------------------------------- */

/* The session's data-plane configuration: template + what the client told. */
static void build_dp(struct cp_ncm *n, const struct sess *s, struct dp_session_cfg *o)
{
	const struct dp_session_cfg *t = &n->cfg.tmpl;
	int map[DP_MAX_PATHS];

	*o = *t;
	o->id = s->id;
	o->anchor_ip = s->anchor_ip;
	o->n_paths = s->n_dp;
	for (unsigned i = 0; i < DP_MAX_PATHS; i++)
		map[i] = -1;
	for (unsigned k = 0; k < s->n_dp; k++) {
		unsigned di = s->dp_order[k];
		const struct dconn *d = &s->dc[di];
		struct dp_path_cfg *p = &o->paths[k];

		*p = t->paths[di];
		p->client_ip = d->ip;
		p->client_port = d->udp_port;
		if (d->mtu != 0)
			p->mtu = d->mtu;
		p->up = d->setup && d->status != CP_CONN_STATUS_DISABLED;
		p->ipsec = d->ipsec; /* disabled on plain connections */
		map[di] = (int)k;
	}
	for (unsigned f = 0; f < o->n_flows; f++) {
		const struct gma_steer_cfg *src = &s->steer[f];
		struct gma_steer_cfg *dst = &o->flows[f].steer;

		memset(dst, 0, sizeof(*dst));
		dst->mode = src->mode;
		for (unsigned j = 0; j < src->n; j++) {
			if (map[src->path[j]] < 0)
				continue;
			dst->path[dst->n] = (uint8_t)map[src->path[j]];
			dst->weight[dst->n] = src->weight[j];
			dst->n++;
		}
		if (dst->n == 0) {
			/* None of the flow's paths exists yet: the first one. */
			dst->mode = GMA_STEER_SWITCH;
			dst->n = 1;
			dst->path[0] = 0;
		}
		if (dst->mode == GMA_STEER_SPLIT && dst->n == 1)
			dst->mode = GMA_STEER_SWITCH;
	}
}

/* Adds paths that became complete, then adds or updates the session.
 * 0, or the data plane's -errno (counted and logged). */
static int dp_sync(struct cp_ncm *n, struct sess *s)
{
	int rc;

	for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
		struct dconn *d = &s->dc[i];

		/* An IPsec connection never goes to the data plane without its SAs. */
		if (!d->in_dp && d->setup && d->has_ip && d->udp_port != 0 &&
		    (!n->cfg.delivery[i].ipsec || d->ipsec.enabled) && s->n_dp < DP_MAX_PATHS) {
			d->in_dp = true;
			s->dp_order[s->n_dp++] = (uint8_t)i;
		}
	}
	if (s->state != CP_NCM_ACTIVE || s->n_dp == 0)
		return 0;
	/* With uplink_match "client", or from authenticated ESP, the data
	 * plane learns endpoints that NAT rebinding moved; an update must not
	 * put the old ones back unless the client itself reported a new
	 * address since. */
	if (s->in_dp && (n->cfg.tmpl.ul_match_client || sess_has_ipsec(n, s)) &&
	    dp_session_stats_read(n->dp, s->id, &n->dps) == 0) {
		for (unsigned k = 0; k < s->n_dp && k < n->dps.n_paths; k++) {
			struct dconn *d = &s->dc[s->dp_order[k]];
			const struct dp_path_stats *ps = &n->dps.paths[k];

			if (d->ip == d->dp_ip && d->udp_port == d->dp_port && ps->client_ip != 0) {
				d->ip = ps->client_ip;
				d->udp_port = ps->client_port;
			}
		}
	}
	build_dp(n, s, &n->dpc);
	rc = s->in_dp ? dp_session_update(n->dp, &n->dpc) : dp_session_add(n->dp, &n->dpc);
	if (rc < 0) {
		n->st.dp_errors++;
		fprintf(stderr, "ncm: session %u: data plane %s failed: %s\n", s->id,
			s->in_dp ? "update" : "add", strerror(-rc));
		return rc;
	}
	s->in_dp = true;
	for (unsigned k = 0; k < s->n_dp; k++) {
		s->dc[s->dp_order[k]].dp_ip = s->dc[s->dp_order[k]].ip;
		s->dc[s->dp_order[k]].dp_port = s->dc[s->dp_order[k]].udp_port;
	}
	return 0;
}

/* ---- Sessions -------------------------------------------------------------- */

static void sess_free(struct cp_ncm *n, struct sess *s)
{
	if (s->in_dp) {
		int rc = dp_session_remove(n->dp, s->id);

		if (rc < 0)
			n->st.dp_errors++;
	}
	for (unsigned i = 0; i < MAX_PENDING; i++)
		free(s->pend[i].text);
	for (unsigned i = 0; i < n->max_conns; i++)
		if (n->conns[i].s == s)
			n->conns[i].s = NULL;
	memset(s, 0, sizeof(*s));
	n->st.sessions--;
	n->st.sessions_removed++;
}

static struct sess *sess_new(struct cp_ncm *n, uint64_t now_ms)
{
	struct sess *s = NULL;
	uint32_t id = 0;

	for (unsigned i = 0; i < n->max_sess && s == NULL; i++)
		if (!n->sess[i].used)
			s = &n->sess[i];
	if (s == NULL)
		return NULL;
	/* A session ID nobody can guess, unique among live sessions. */
	for (int tries = 0; tries < 16; tries++) {
		if (random_bytes(n, &id, sizeof(id)) != 0)
			return NULL;
		id &= 0x7FFFFFFFu;
		if (id != 0 && sess_find(n, id) == NULL)
			break;
		id = 0;
	}
	if (id == 0)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->anchor_ip = anchor_alloc(n);
	if (s->anchor_ip == 0)
		return NULL;
	s->used = true;
	s->id = id;
	s->next_seq = 1;
	s->last_rx_ms = now_ms;
	s->policy_ms = now_ms;
	for (unsigned f = 0; f < n->cfg.tmpl.n_flows; f++) {
		/* Template steering in delivery indexes (the template's paths
		 * are the delivery connections, in order). */
		s->steer[f] = n->cfg.tmpl.flows[f].steer;
	}
	n->st.sessions++;
	n->st.sessions_created++;
	return s;
}

static void attach(struct cp_ncm *n, struct sess *s, struct conn *c, uint64_t now_ms)
{
	if (c->s != NULL && c->s != s) {
		/* The connection carried another session: that one is detached. */
		c->s->conn = 0;
		c->s->detached_ms = now_ms;
	}
	if (s->conn != 0 && s->conn != c->id) {
		struct conn *old = conn_find(n, s->conn);

		if (old != NULL) {
			old->s = NULL;
			close_conn(n, old->id, 1000, "session resumed elsewhere");
		}
	}
	s->conn = c->id;
	c->s = s;
	s->detached_ms = 0;
}

/* ---- Messages from the CCM ------------------------------------------------- */

static void fill_conn_info(struct cp_conn_info *ci, uint8_t id, const char *type)
{
	ci->connection_id = id;
	snprintf(ci->connection_type_raw, sizeof(ci->connection_type_raw), "%s", type);
	ci->connection_type = strcmp(type, "Wi-Fi") == 0     ? CP_CONN_WIFI
			      : strcmp(type, "5G_NR") == 0   ? CP_CONN_5G_NR
			      : strcmp(type, "MulteFire") == 0 ? CP_CONN_MULTEFIRE
							       : CP_CONN_LTE;
}

/* The three connection members of any message struct that has them. */
#define SET_CONN(dst, id, type)                                                          \
	do {                                                                             \
		struct cp_conn_info ci_;                                                 \
		fill_conn_info(&ci_, (id), (type));                                      \
		(dst)->connection_id = ci_.connection_id;                                \
		(dst)->connection_type = ci_.connection_type;                            \
		memcpy((dst)->connection_type_raw, ci_.connection_type_raw,              \
		       sizeof(ci_.connection_type_raw));                                 \
	} while (0)

static void on_discover(struct cp_ncm *n, struct conn *c, const struct cp_msg *m)
{
	struct cp_ncm_connection *nc;
	struct in_addr a;

	begin(n, CP_MSG_SYSTEM_INFO, m->sequence_num);
	n->out.u.system_info.n_ncm_connections = 1;
	nc = &n->out.u.system_info.ncm_connections[0];
	SET_CONN(nc, n->cfg.anchor_conn_id, n->cfg.anchor_type);
	a.s_addr = htonl(n->cfg.endpoint_ip);
	inet_ntop(AF_INET, &a, nc->ncm_end_point.ip_address, sizeof(nc->ncm_end_point.ip_address));
	nc->ncm_end_point.port = n->cfg.endpoint_port;
	send_msg(n, c->s, c->id, false);
}

static void capabilities(struct cp_ncm *n, struct cp_capability *cap)
{
	static const enum cp_feature feats[] = {
		CP_FEATURE_LOSSLESS_SWITCHING, CP_FEATURE_FRAGMENTATION,
		CP_FEATURE_CONCATENATION, CP_FEATURE_UPLINK_AGGREGATION,
		CP_FEATURE_DOWNLINK_AGGREGATION, CP_FEATURE_MEASUREMENT, CP_FEATURE_PROBING,
	};
	const struct dp_session_cfg *t = &n->cfg.tmpl;

	for (unsigned i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		struct cp_feature_info *f = &cap->feature_active[cap->n_feature_active++];

		f->feature_name = feats[i];
		f->active = feats[i] == CP_FEATURE_FRAGMENTATION   ? t->fragment
			    : feats[i] == CP_FEATURE_CONCATENATION ? t->concat
			    : feats[i] == CP_FEATURE_PROBING       ? t->probe_interval_ms != 0
								   : true;
	}
	cap->n_anchor_connections = 1;
	fill_conn_info(&cap->anchor_connections[0], n->cfg.anchor_conn_id, n->cfg.anchor_type);
	cap->num_anchor_connections = 1;
	for (unsigned i = 0; i < n->cfg.n_delivery && i < CP_MAX_CONNS; i++)
		fill_conn_info(&cap->delivery_connections[cap->n_delivery_connections++],
			       n->cfg.delivery[i].connection_id,
			       n->cfg.delivery[i].connection_type);
	cap->num_delivery_connections = cap->n_delivery_connections;
	for (int i = CP_CONV_GMA; i < CP_CONV_COUNT; i++) {
		struct cp_conv_support *c = &cap->convergence_methods[cap->n_convergence_methods++];

		c->method = (enum cp_conv_method)i;
		c->supported = i == CP_CONV_GMA;
	}
	for (int i = CP_ADAPT_UDP_WITHOUT_DTLS; i < CP_ADAPT_COUNT; i++) {
		struct cp_adapt_support *a = &cap->adaptation_methods[cap->n_adaptation_methods++];

		a->method = (enum cp_adapt_method)i;
		a->supported = i == CP_ADAPT_UDP_WITHOUT_DTLS ||
			       (i == CP_ADAPT_IPSEC && n->mb != NULL);
	}
}

static void on_capability_req(struct cp_ncm *n, struct conn *c, const struct cp_msg *m,
			      uint64_t now_ms)
{
	const struct cp_capability *req = &m->u.capability_req;
	struct sess *s = NULL;
	bool gma = false;

	for (unsigned i = 0; i < req->n_convergence_methods; i++)
		gma |= req->convergence_methods[i].method == CP_CONV_GMA &&
		       req->convergence_methods[i].supported;
	if (!gma) {
		send_error(n, c->id, "mx_capability_req", m->sequence_num, "convergence_methods",
			   "this NCM supports the GMA convergence method only, "
			   "and the CCM does not list it as supported");
		return;
	}
	if (m->has_unique_session_id) {
		/* A CCM presenting its session: resume it. */
		s = sess_find(n, m->unique_session_id.session_id);
		if (s == NULL || m->unique_session_id.ncm_id != n->cfg.ncm_id) {
			send_error(n, c->id, "mx_capability_req", m->sequence_num,
				   "unique_session_id", "unknown session %u of NCM %u",
				   m->unique_session_id.session_id, m->unique_session_id.ncm_id);
			return;
		}
		n->st.sessions_resumed++;
	} else if (c->s != NULL) {
		s = c->s; /* asked again on the same connection: same session */
	} else {
		s = sess_new(n, now_ms);
		if (s == NULL) {
			send_error(n, c->id, "mx_capability_req", m->sequence_num, "",
				   "no session available (max_sessions %u, anchor pool)",
				   n->max_sess);
			return;
		}
		s->state = CP_NCM_CAPS_SENT;
	}
	attach(n, s, c, now_ms);
	s->last_rx_ms = now_ms;
	s->cli_ipsec = false;
	for (unsigned i = 0; i < req->n_adaptation_methods; i++)
		s->cli_ipsec |= req->adaptation_methods[i].method == CP_ADAPT_IPSEC &&
				req->adaptation_methods[i].supported;
	begin(n, CP_MSG_CAPABILITY_RSP, m->sequence_num);
	capabilities(n, &n->out.u.capability_rsp);
	if (s->state == CP_NCM_CAPS_SENT)
		send_request(n, s, now_ms); /* waits for the ACK */
	else
		send_msg(n, s, s->conn, false);
}

/* The user-plane configuration; again: a rekey of an active session (new
 * IPsec secrets), which keeps the session's state. */
static void send_up_setup(struct cp_ncm *n, struct sess *s, uint64_t now_ms, bool again)
{
	struct cp_up_setup_conf_req *r;
	struct cp_setup_anchor_conn *a;
	struct cp_convergence_config *cc;
	struct in_addr ia;
	uint32_t mask = n->cfg.anchor_mask;

	begin(n, CP_MSG_UP_SETUP_CONF_REQ, next_seq(s));
	r = &n->out.u.up_setup_conf_req;
	r->n_anchor_connections = 1;
	r->num_anchor_connections = 1;
	a = &r->anchor_connections[0];
	SET_CONN(a, n->cfg.anchor_conn_id, n->cfg.anchor_type);
	a->n_convergence_config = 1;
	cc = &a->convergence_config[0];
	cc->has_convergence_method = true;
	cc->convergence_method = CP_CONV_GMA;
	for (unsigned i = 0; i < n->cfg.n_delivery && i < CP_MAX_CONNS; i++) {
		const struct cp_delivery_cfg *d = &n->cfg.delivery[i];
		struct dconn *dc = &s->dc[i];
		struct cp_setup_delivery_conn *sd = &cc->delivery_connections[cc->n_delivery_connections];

		if (d->ipsec) {
			/* Never offered in the clear: left out for a CCM without
			 * IPsec, or when no keys could be made. */
			if (!s->cli_ipsec || n->mb == NULL) {
				n->st.ipsec_not_offered++;
				continue;
			}
			if (!dc->ipsec.enabled && ipsec_init(n, s, i, now_ms) < 0)
				continue;
		}
		SET_CONN(sd, d->connection_id, d->connection_type);
		sd->has_adaptation_method = true;
		sd->adaptation_method = d->ipsec ? CP_ADAPT_IPSEC : CP_ADAPT_UDP_WITHOUT_DTLS;
		sd->has_adaptation_method_param = true;
		if (d->ipsec) {
			sd->adaptation_method_param.has_shared_secret = true;
			snprintf(sd->adaptation_method_param.shared_secret,
				 sizeof(sd->adaptation_method_param.shared_secret), "%s", dc->secret);
		}
		ia.s_addr = htonl(d->gw_ip);
		inet_ntop(AF_INET, &ia, sd->adaptation_method_param.tunnel_ip_addr,
			  sizeof(sd->adaptation_method_param.tunnel_ip_addr));
		sd->adaptation_method_param.tunnel_end_port = d->gw_port;
		cc->n_delivery_connections++;
	}
	cc->num_delivery_connections = cc->n_delivery_connections;
	/* Extensions (docs/mams.md): the client's anchor address, and where
	 * MX control PDUs go. */
	a->has_vnic_info = true;
	ia.s_addr = htonl(s->anchor_ip);
	inet_ntop(AF_INET, &ia, a->vnic_info.ip, sizeof(a->vnic_info.ip));
	ia.s_addr = htonl(n->cfg.anchor_gw);
	inet_ntop(AF_INET, &ia, a->vnic_info.gateway, sizeof(a->vnic_info.gateway));
	ia.s_addr = htonl(mask);
	inet_ntop(AF_INET, &ia, a->vnic_info.mask, sizeof(a->vnic_info.mask));
	ia.s_addr = htonl(n->cfg.anchor_dns != 0 ? n->cfg.anchor_dns : n->cfg.anchor_gw);
	inet_ntop(AF_INET, &ia, a->vnic_info.dns, sizeof(a->vnic_info.dns));
	a->vnic_info.vnic_port = n->cfg.endpoint_port;
	if (!again)
		s->state = CP_NCM_SETUP_SENT;
	send_request(n, s, now_ms);
	/* The secrets are in the pending request's text only. */
	for (unsigned i = 0; i < cc->n_delivery_connections; i++)
		esp_wipe(cc->delivery_connections[i].adaptation_method_param.shared_secret,
			 sizeof(cc->delivery_connections[i].adaptation_method_param.shared_secret));
}

static void on_capability_ack(struct cp_ncm *n, struct sess *s, const struct cp_msg *m,
			      uint64_t now_ms)
{
	pending_done(s, CP_MSG_CAPABILITY_ACK, 0, true);
	if (m->u.capability_ack.capability_ack == CP_CAP_ACK_REJECT) {
		uint64_t conn = s->conn;

		n->st.rejected++;
		sess_free(n, s);
		close_conn(n, conn, 1000, "MX_REJECT");
		return;
	}
	if (s->state == CP_NCM_CAPS_SENT)
		send_up_setup(n, s, now_ms, false);
}

static bool parse_ipv4(const char *txt, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, txt, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static void on_reconf(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_reconf_req *r = &m->u.reconf_req;
	int di = delivery_index(n, r->connection_id);
	struct dconn *d;
	uint32_t ip = 0;

	if (di < 0) {
		send_error(n, s->conn, "mx_reconf_req", m->sequence_num, "connection_id",
			   "%u is not a delivery connection of this NCM", r->connection_id);
		return;
	}
	d = &s->dc[di];
	if (r->reconf_action != CP_RECONF_RELEASE && r->has_ip_address &&
	    !parse_ipv4(r->ip_address, &ip)) {
		send_error(n, s->conn, "mx_reconf_req", m->sequence_num, "ip_address",
			   "\"%s\" is not an IPv4 address (the data plane is IPv4)",
			   r->ip_address);
		return;
	}
	if (r->has_mtu_size && (r->mtu_size < 576 || r->mtu_size > 9000)) {
		send_error(n, s->conn, "mx_reconf_req", m->sequence_num, "mtu_size",
			   "%u is outside 576..9000", r->mtu_size);
		return;
	}
	if (r->reconf_action == CP_RECONF_UPDATE && !d->setup) {
		send_error(n, s->conn, "mx_reconf_req", m->sequence_num, "reconf_action",
			   "update of connection %u, which is not set up", r->connection_id);
		return;
	}
	switch (r->reconf_action) {
	case CP_RECONF_SETUP:
	case CP_RECONF_UPDATE:
		d->setup = true;
		if (r->has_ip_address) {
			if (d->in_dp && d->has_ip && d->ip != ip)
				d->probe = (struct cp_probe_track){ 0 };
			d->ip = ip;
			d->has_ip = true;
		}
		if (r->has_mtu_size)
			d->mtu = (uint16_t)r->mtu_size;
		d->status = r->has_connection_status ? r->connection_status
						     : CP_CONN_STATUS_CONNECTED;
		if (r->has_ssid)
			snprintf(d->ssid, sizeof(d->ssid), "%s", r->ssid);
		if (r->has_delivery_node_id)
			snprintf(d->delivery_node_id, sizeof(d->delivery_node_id), "%s",
				 r->delivery_node_id);
		break;
	default: /* release */
		d->setup = false;
		break;
	}
	begin(n, CP_MSG_RECONF_RSP, m->sequence_num);
	send_msg(n, s, s->conn, false);
	dp_sync(n, s);
}

static void send_steering(struct cp_ncm *n, struct sess *s, uint64_t now_ms);
static void send_measurement_conf(struct cp_ncm *n, struct sess *s);
static void send_ssids(struct cp_ncm *n, struct sess *s);
static void send_path_est(struct cp_ncm *n, struct sess *s);

static void on_up_setup_cnf(struct cp_ncm *n, struct sess *s, const struct cp_msg *m,
			    uint64_t now_ms)
{
	const struct cp_up_setup_cnf *c = &m->u.up_setup_cnf;
	bool first = s->state == CP_NCM_SETUP_SENT;

	for (unsigned i = 0; i < c->n_client_params; i++)
		if (delivery_index(n, c->client_params[i].connection_id) < 0) {
			char field[64];

			snprintf(field, sizeof(field), "client_params[%u].connection_id", i);
			send_error(n, s->conn, "mx_up_setup_cnf", m->sequence_num, field,
				   "%u is not a delivery connection of this NCM",
				   c->client_params[i].connection_id);
			return;
		}
	pending_done(s, CP_MSG_UP_SETUP_CNF, m->sequence_num, true);
	for (unsigned i = 0; i < c->n_client_params; i++) {
		struct dconn *d = &s->dc[delivery_index(n, c->client_params[i].connection_id)];

		if (c->client_params[i].has_adapt_param)
			d->udp_port = c->client_params[i].adapt_param.udp_adapt_port;
	}
	/* A rekey confirmed: the client has the new SAs, the gateway sends
	 * with the new one; the old inbound SA stays grace_ms for packets
	 * still in flight. */
	for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
		struct dconn *d = &s->dc[i];

		if (!d->rekeying)
			continue;
		d->ipsec.out = d->next_out;
		esp_wipe(&d->next_out, sizeof(d->next_out));
		d->rekeying = false;
		d->grace_end_ms = now_ms + n->cfg.delivery[i].ipsec_grace_ms;
	}
	s->state = CP_NCM_ACTIVE;
	dp_sync(n, s);
	if (first) {
		send_steering(n, s, now_ms);
		send_measurement_conf(n, s);
		send_ssids(n, s);
	}
	send_path_est(n, s);
}

static void on_keep_alive_req(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_keep_alive_req *k = &m->u.keep_alive_req;

	if (k->keep_alive_reason == CP_KEEP_ALIVE_HANDOVER) {
		int di = delivery_index(n, k->connection_id);

		if (di < 0) {
			send_error(n, s->conn, "mx_keep_alive_req", m->sequence_num,
				   "connection_id", "%u is not a delivery connection of this NCM",
				   k->connection_id);
			return;
		}
		snprintf(s->dc[di].delivery_node_id, sizeof(s->dc[di].delivery_node_id), "%s",
			 k->delivery_node_id);
	}
	begin(n, CP_MSG_KEEP_ALIVE_RSP, m->sequence_num);
	send_msg(n, s, s->conn, false);
}

static void on_measurement_report(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_measurement_report *r = &m->u.measurement_report;

	for (unsigned i = 0; i < r->n_measurement_reports; i++) {
		int di = delivery_index(n, r->measurement_reports[i].connection_id);

		if (di < 0)
			continue; /* a connection of the client's that the NCM does not serve */
		for (unsigned j = 0; j < r->measurement_reports[i].n_measurements; j++) {
			const struct cp_measurement *x = &r->measurement_reports[i].measurements[j];
			struct dconn *d = &s->dc[di];

			switch (x->measurement_type) {
			case CP_MEAS_DL_TPUT:
			case CP_MEAS_EST_DL_TPUT:
				if (x->measurement_value > 0 && x->measurement_value < 4e6)
					d->tput_kbps = (uint32_t)(x->measurement_value * 1000.0);
				break;
			case CP_MEAS_WLAN_RSSI:
			case CP_MEAS_LTE_RSRP:
			case CP_MEAS_NR_RSRP:
				d->signal = x->measurement_value;
				d->has_signal = true;
				break;
			default:
				break;
			}
		}
	}
}

static void on_path_est_results(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_path_est_results *r = &m->u.path_est_results;
	int di = delivery_index(n, r->connection_id);
	double mbps = 0;

	if (di < 0) {
		send_error(n, s->conn, "mx_path_est_results", m->sequence_num, "connection_id",
			   "%u is not a delivery connection of this NCM", r->connection_id);
		return;
	}
	if (r->has_active_probe_results)
		mbps = r->active_probe_results.avg_tput_last_probe_duration_Mbps;
	else if (r->has_init_probe_results)
		mbps = r->init_probe_results.probe_rate_Mbps;
	if (mbps > 0 && mbps < 4e6 && s->dc[di].tput_kbps == 0)
		s->dc[di].tput_kbps = (uint32_t)(mbps * 1000.0);
}

static void on_app_madp(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_app_madp_assoc_req *r = &m->u.app_madp_assoc_req;
	bool ok = true;

	/* One MADP instance per session: the anchor connection, MX
	 * configuration 1 (or none); its flows are steered by the policy. */
	for (unsigned i = 0; i < r->n_app_madp_assoc_list; i++) {
		const struct cp_app_madp_assoc *a = &r->app_madp_assoc_list[i];

		if (a->connection_id != n->cfg.anchor_conn_id ||
		    (a->has_mx_configuration_id && a->mx_configuration_id > 1))
			ok = false;
	}
	begin(n, CP_MSG_APP_MADP_ASSOC_RSP, m->sequence_num);
	n->out.u.app_madp_assoc_rsp.is_success = ok;
	send_msg(n, s, s->conn, false);
}

static void on_analytics(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	const struct cp_network_analytics_req *r = &m->u.network_analytics_req;
	struct cp_network_analytics_rsp *o;
	bool have = s->in_dp && dp_session_stats_read(n->dp, s->id, &n->dps) == 0;

	begin(n, CP_MSG_NETWORK_ANALYTICS_RSP, m->sequence_num);
	o = &n->out.u.network_analytics_rsp;
	for (unsigned k = 0; k < s->n_dp && o->n_param_list < CP_MAX_CONNS; k++) {
		unsigned di = s->dp_order[k];
		const struct dconn *d = &s->dc[di];
		const struct dp_path_stats *ps = have && k < n->dps.n_paths ? &n->dps.paths[k] : NULL;
		struct cp_param_list *pl = &o->param_list[o->n_param_list];

		SET_CONN(pl, n->cfg.delivery[di].connection_id, n->cfg.delivery[di].connection_type);
		for (unsigned j = 0; j < r->n_params && pl->n_predictions < CP_MAX_PARAMS; j++) {
			struct cp_prediction *p = &pl->predictions[pl->n_predictions];
			bool known = true;

			p->param_name = r->params[j];
			memcpy(p->param_name_raw, r->params_raw[j], sizeof(p->param_name_raw));
			p->likelihood = 50;
			p->validity_time = n->cfg.policy.interval_ms < 1000 ? 1 :
					   n->cfg.policy.interval_ms / 1000;
			switch (r->params[j]) {
			case CP_ANALYTICS_BANDWIDTH: /* Mbps */
				p->prediction = (d->tput_kbps != 0 ? d->tput_kbps : d->rate_kbps) /
						1000.0;
				break;
			case CP_ANALYTICS_JITTER: /* seconds */
				known = ps != NULL;
				p->prediction = ps != NULL ? ps->owd_jitter_ms / 1000.0 : 0;
				break;
			case CP_ANALYTICS_LATENCY: /* seconds, one way: half the RTT */
				known = ps != NULL && ps->rtt_us != 0;
				p->prediction = ps != NULL ? ps->rtt_us / 2e6 : 0;
				break;
			case CP_ANALYTICS_SIGNAL_QUALITY: /* dBm, as the CCM reported it */
				known = d->has_signal;
				p->prediction = d->signal;
				break;
			default:
				known = false;
				break;
			}
			if (known)
				pl->n_predictions++;
		}
		o->n_param_list++;
	}
	send_msg(n, s, s->conn, false);
}

static void on_termination_req(struct cp_ncm *n, struct sess *s, const struct cp_msg *m)
{
	uint64_t conn = s->conn;

	begin(n, CP_MSG_SESSION_TERMINATION_RSP, m->sequence_num);
	send_msg(n, s, conn, false);
	sess_free(n, s);
}

/* Which messages make sense in which state (CCM -> NCM only). */
static bool allowed(enum cp_msg_type t, enum cp_ncm_state st)
{
	switch (t) {
	case CP_MSG_CAPABILITY_ACK:
		return st == CP_NCM_CAPS_SENT;
	case CP_MSG_RECONF_REQ:
		return st == CP_NCM_SETUP_SENT || st == CP_NCM_ACTIVE;
	case CP_MSG_UP_SETUP_CNF:
		return st == CP_NCM_SETUP_SENT || st == CP_NCM_ACTIVE;
	case CP_MSG_TRAFFIC_STEERING_RSP:
	case CP_MSG_PATH_EST_RESULTS:
	case CP_MSG_APP_MADP_ASSOC_REQ:
	case CP_MSG_MEASUREMENT_REPORT:
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		return st == CP_NCM_ACTIVE;
	case CP_MSG_KEEP_ALIVE_REQ:
	case CP_MSG_KEEP_ALIVE_RSP:
	case CP_MSG_SESSION_TERMINATION_REQ:
	case CP_MSG_SESSION_TERMINATION_RSP:
		return true;
	default:
		return false;
	}
}

static bool from_ncm_only(enum cp_msg_type t)
{
	switch (t) {
	case CP_MSG_SYSTEM_INFO:
	case CP_MSG_CAPABILITY_RSP:
	case CP_MSG_UP_SETUP_CONF_REQ:
	case CP_MSG_RECONF_RSP:
	case CP_MSG_PATH_EST_REQ:
	case CP_MSG_TRAFFIC_STEERING_REQ:
	case CP_MSG_APP_MADP_ASSOC_RSP:
	case CP_MSG_SSID_INDICATION:
	case CP_MSG_MEASUREMENT_CONF:
	case CP_MSG_NETWORK_ANALYTICS_RSP:
	case CP_MSG_ERROR:
		return true;
	default:
		return false;
	}
}

static void dispatch(struct cp_ncm *n, struct conn *c, const struct cp_msg *m, uint64_t now_ms)
{
	const char *tn = cp_msg_type_name(m->type);
	struct sess *s;

	if (from_ncm_only(m->type)) {
		n->st.unexpected++;
		send_error(n, c->id, tn, m->sequence_num, "message_type",
			   "%s is sent by an NCM, not to it", tn);
		return;
	}
	if (m->type == CP_MSG_DISCOVER) {
		on_discover(n, c, m);
		return;
	}
	if (m->type == CP_MSG_CAPABILITY_REQ) {
		on_capability_req(n, c, m, now_ms);
		return;
	}
	/* Everything else belongs to a session: the one named, which must be
	 * this connection's (or resumes on it). */
	s = m->has_unique_session_id ? sess_find(n, m->unique_session_id.session_id) : c->s;
	if (s == NULL || (m->has_unique_session_id && m->unique_session_id.ncm_id != n->cfg.ncm_id)) {
		n->st.unexpected++;
		if (m->has_unique_session_id)
			send_error(n, c->id, tn, m->sequence_num, "unique_session_id",
				   "unknown session %u of NCM %u",
				   m->unique_session_id.session_id, m->unique_session_id.ncm_id);
		else
			send_error(n, c->id, tn, m->sequence_num, "",
				   "no session on this connection: send mx_capability_req first");
		return;
	}
	if (c->s != s) {
		if (c->s != NULL) {
			n->st.unexpected++;
			send_error(n, c->id, tn, m->sequence_num, "unique_session_id",
				   "this connection carries session %u", c->s->id);
			return;
		}
		attach(n, s, c, now_ms); /* the CCM came back on a new WebSocket */
	}
	s->last_rx_ms = now_ms;
	s->msgs_in++;
	if (!allowed(m->type, s->state)) {
		n->st.unexpected++;
		send_error(n, c->id, tn, m->sequence_num, "message_type",
			   "%s is not expected in state %s", tn, cp_ncm_state_name(s->state));
		return;
	}
	switch (m->type) {
	case CP_MSG_CAPABILITY_ACK:
		on_capability_ack(n, s, m, now_ms);
		break;
	case CP_MSG_RECONF_REQ:
		on_reconf(n, s, m);
		break;
	case CP_MSG_UP_SETUP_CNF:
		on_up_setup_cnf(n, s, m, now_ms);
		break;
	case CP_MSG_TRAFFIC_STEERING_RSP:
		pending_done(s, CP_MSG_TRAFFIC_STEERING_RSP, m->sequence_num, false);
		break;
	case CP_MSG_PATH_EST_RESULTS:
		on_path_est_results(n, s, m);
		break;
	case CP_MSG_APP_MADP_ASSOC_REQ:
		on_app_madp(n, s, m);
		break;
	case CP_MSG_MEASUREMENT_REPORT:
		on_measurement_report(n, s, m);
		break;
	case CP_MSG_NETWORK_ANALYTICS_REQ:
		on_analytics(n, s, m);
		break;
	case CP_MSG_KEEP_ALIVE_REQ:
		on_keep_alive_req(n, s, m);
		break;
	case CP_MSG_KEEP_ALIVE_RSP:
		pending_done(s, CP_MSG_KEEP_ALIVE_RSP, m->sequence_num, false);
		break;
	case CP_MSG_SESSION_TERMINATION_REQ:
		on_termination_req(n, s, m);
		break;
	case CP_MSG_SESSION_TERMINATION_RSP:
		if (s->state == CP_NCM_TERMINATING) {
			uint64_t conn = s->conn;

			sess_free(n, s);
			close_conn(n, conn, 1000, "session terminated");
		}
		break;
	default:
		break;
	}
}

/* ---- NCM-initiated requests ---------------------------------------------- */

static void send_steering(struct cp_ncm *n, struct sess *s, uint64_t now_ms)
{
	struct cp_traffic_steering_req *r;
	const struct dp_session_cfg *t = &n->cfg.tmpl;
	unsigned dflt = 0;

	if (s->conn == 0)
		return;
	for (unsigned f = 0; f < t->n_flows; f++)
		if (t->flows[f].flow_id == t->default_flow)
			dflt = f;
	begin(n, CP_MSG_TRAFFIC_STEERING_REQ, next_seq(s));
	r = &n->out.u.traffic_steering_req;
	r->connection_id = n->cfg.anchor_conn_id;
	for (unsigned j = 0; j < s->steer[dflt].n; j++) {
		unsigned di = s->steer[dflt].path[j];

		if (!s->dc[di].in_dp)
			continue;
		r->downlink_delivery[r->n_downlink_delivery++] = n->cfg.delivery[di].connection_id;
	}
	if (r->n_downlink_delivery > 0) {
		r->has_default_uplink_delivery = true;
		r->default_uplink_delivery = r->downlink_delivery[0];
	}
	/* Flows with a template: the same paths uplink. */
	for (unsigned f = 0; f < t->n_flows && r->n_uplink_delivery < CP_MAX_TFTS; f++) {
		const struct gma_tft *g = &t->flows[f].tft;
		struct cp_ul_delivery *u = &r->uplink_delivery[r->n_uplink_delivery];

		if (f == dflt)
			continue;
		cp_tft_default(&u->ul_tft);
		/* Uplink: the client's side is "local", the far end "remote". */
		u->ul_tft.remote_addr = g->remote_ip;
		u->ul_tft.remote_prefix_len = (uint8_t)__builtin_popcount(g->remote_mask);
		u->ul_tft.remote_port_range.start = g->remote_port_min;
		u->ul_tft.remote_port_range.end = g->remote_port_max;
		u->ul_tft.protocol_type = g->proto == 0 ? 255 : g->proto;
		if (g->dscp_match)
			u->ul_tft.traffic_class = (uint8_t)(g->dscp << 2);
		for (unsigned j = 0; j < s->steer[f].n; j++)
			if (s->dc[s->steer[f].path[j]].in_dp)
				u->conn_list[u->n_conn_list++] =
					n->cfg.delivery[s->steer[f].path[j]].connection_id;
		if (u->n_conn_list > 0)
			r->n_uplink_delivery++;
	}
	r->n_feature_active = 2;
	r->feature_active[0].feature_name = CP_FEATURE_DOWNLINK_AGGREGATION;
	r->feature_active[0].active = s->steer[dflt].mode == GMA_STEER_SPLIT;
	r->feature_active[1].feature_name = CP_FEATURE_LOSSLESS_SWITCHING;
	r->feature_active[1].active = true;
	n->st.steering_changes++;
	send_request(n, s, now_ms);
}

/* The operator's Wi-Fi networks (RFC 8743 8.9), when it has any. */
static void send_ssids(struct cp_ncm *n, struct sess *s)
{
	struct cp_ssid_indication *si;

	if (n->cfg.n_ssids == 0)
		return;
	begin(n, CP_MSG_SSID_INDICATION, next_seq(s));
	si = &n->out.u.ssid_indication;
	for (unsigned i = 0; i < n->cfg.n_ssids && i < CP_MAX_SSIDS; i++) {
		si->ssid_list[i].ssid_type = CP_SSID_TYPE_SSID;
		snprintf(si->ssid_list[i].ssid_id, sizeof(si->ssid_list[i].ssid_id), "%s",
			 n->cfg.ssids[i]);
		si->n_ssid_list++;
	}
	send_msg(n, s, s->conn, false);
}

static void send_measurement_conf(struct cp_ncm *n, struct sess *s)
{
	struct cp_measurement_conf *mc;

	begin(n, CP_MSG_MEASUREMENT_CONF, next_seq(s));
	mc = &n->out.u.measurement_conf;
	for (unsigned i = 0; i < n->cfg.n_delivery && i < CP_MAX_CONNS; i++) {
		struct cp_meas_conf *c = &mc->measurement_configuration[mc->n_measurement_configuration++];
		unsigned k = 0;

		SET_CONN(c, n->cfg.delivery[i].connection_id, n->cfg.delivery[i].connection_type);
		c->meas_rep_conf[k++].meas_rep_param = CP_MEAS_DL_TPUT;
		c->meas_rep_conf[k++].meas_rep_param = CP_MEAS_UL_TPUT;
		c->meas_rep_conf[k++].meas_rep_param = c->connection_type == CP_CONN_WIFI
							       ? CP_MEAS_WLAN_RSSI
						       : c->connection_type == CP_CONN_5G_NR
							       ? CP_MEAS_NR_RSRP
							       : CP_MEAS_LTE_RSRP;
		for (unsigned j = 0; j < k; j++) {
			c->meas_rep_conf[j].has_meas_period_ms = true;
			c->meas_rep_conf[j].meas_period_ms = 1000;
		}
		c->n_meas_rep_conf = k;
	}
	send_msg(n, s, s->conn, false);
}

/* One path estimation request per delivery connection new in the data plane. */
static void send_path_est(struct cp_ncm *n, struct sess *s)
{
	for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
		struct cp_path_est_req *r;

		if (!s->dc[i].in_dp || s->dc[i].est_sent || s->conn == 0)
			continue;
		s->dc[i].est_sent = true;
		begin(n, CP_MSG_PATH_EST_REQ, next_seq(s));
		r = &n->out.u.path_est_req;
		r->connection_id = n->cfg.delivery[i].connection_id;
		r->init_probe_test_duration_ms = 100;
		r->init_probe_test_rate_Mbps = 1;
		r->init_probe_size_bytes = 100;
		r->init_probe_ack_req = CP_NO;
		r->active_probe_freq_ms = 1000;
		r->active_probe_size_bytes = 100;
		r->active_probe_duration_sec = 10;
		r->active_probe_ack_req = CP_NO;
		send_msg(n, s, s->conn, false);
	}
}

int cp_ncm_terminate(struct cp_ncm *n, uint32_t session_id, uint64_t now_ms)
{
	struct sess *s = sess_find(n, session_id);

	if (s == NULL)
		return -ENOENT;
	if (s->conn == 0) {
		sess_free(n, s);
		return 0;
	}
	begin(n, CP_MSG_SESSION_TERMINATION_REQ, next_seq(s));
	n->out.u.session_termination_req.reason = CP_TERM_MX_NORMAL_RELEASE;
	s->state = CP_NCM_TERMINATING;
	/* The data plane stops now; the answer only frees the record. */
	if (s->in_dp && dp_session_remove(n->dp, s->id) < 0)
		n->st.dp_errors++;
	s->in_dp = false;
	send_request(n, s, now_ms);
	return 0;
}

/* ---- The policy ------------------------------------------------------------ */

static void policy_run(struct cp_ncm *n, struct sess *s, uint64_t now_ms)
{
	struct cp_path_view view[DP_MAX_PATHS];
	uint64_t dt = now_ms - s->policy_ms;
	bool changed = false;

	s->policy_ms = now_ms;
	if (!s->in_dp || dp_session_stats_read(n->dp, s->id, &n->dps) != 0)
		return;
	memset(view, 0, sizeof(view));
	for (unsigned k = 0; k < s->n_dp && k < n->dps.n_paths; k++) {
		unsigned di = s->dp_order[k];
		struct dconn *d = &s->dc[di];
		const struct dp_path_stats *ps = &n->dps.paths[k];
		uint64_t rx = ps->rx_pkts - d->rx_pkts, lost = ps->lost - d->lost;

		if (n->cfg.tmpl.probe_interval_ms != 0)
			cp_policy_probe_update(&n->cfg.policy, &d->probe, ps->probes_sent,
					       ps->probe_acks, ps->rtt_us, now_ms);
		d->loss_ppm = rx + lost != 0 ? (uint32_t)(lost * 1000000u / (rx + lost)) : 0;
		if (dt != 0)
			d->rate_kbps = (uint32_t)((ps->tx_bytes - d->tx_bytes) * 8u / dt);
		d->rx_pkts = ps->rx_pkts;
		d->lost = ps->lost;
		d->tx_bytes = ps->tx_bytes;
		view[di].usable = d->setup && d->status != CP_CONN_STATUS_DISABLED && ps->up &&
				  !d->probe.failing;
		view[di].rtt_us = ps->rtt_us;
		view[di].loss_ppm = d->loss_ppm;
		view[di].tput_kbps = d->tput_kbps;
	}
	for (unsigned f = 0; f < n->cfg.tmpl.n_flows; f++) {
		struct gma_steer_cfg next;

		if (!(n->cfg.auto_flows & (1u << f)) || (s->operator_flows & (1u << f)))
			continue;
		if (!cp_policy_decide(&n->cfg.policy, view, n->cfg.n_delivery, &s->steer[f], &next))
			continue;
		s->steer[f] = next;
		changed = true;
	}
	if (!changed)
		return;
	dp_sync(n, s);
	send_steering(n, s, now_ms);
}

/* ---- Entry points ---------------------------------------------------------- */

struct cp_ncm *cp_ncm_create(const struct cp_config *cfg, struct dp_ctx *dp,
			     const struct cp_ncm_io *io)
{
	struct cp_ncm *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->cfg = *cfg;
	n->dp = dp;
	n->io = *io;
	n->max_sess = cfg->max_sessions;
	n->max_conns = cfg->max_sessions * 2u;
	n->sess = calloc(n->max_sess, sizeof(*n->sess));
	n->conns = calloc(n->max_conns, sizeof(*n->conns));
	if (n->sess == NULL || n->conns == NULL) {
		cp_ncm_destroy(n);
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_delivery; i++) {
		if (!cfg->delivery[i].ipsec || n->mb != NULL)
			continue;
		n->mb = alloc_mb_mgr(0);
		if (n->mb == NULL) {
			cp_ncm_destroy(n);
			return NULL;
		}
		init_mb_mgr_auto(n->mb, NULL);
	}
	cp_limits_default(&n->lim);
	n->lim.max_bytes = cfg->max_message;
	n->lim.max_depth = cfg->max_depth;
	n->lim.max_array = cfg->max_array;
	return n;
}

void cp_ncm_set_listen_port(struct cp_ncm *n, uint16_t port)
{
	if (n->cfg.endpoint_port == 0)
		n->cfg.endpoint_port = port;
}

void cp_ncm_destroy(struct cp_ncm *n)
{
	if (n == NULL)
		return;
	for (unsigned i = 0; n->sess != NULL && i < n->max_sess; i++)
		if (n->sess[i].used)
			sess_free(n, &n->sess[i]);
	if (n->sess != NULL)
		esp_wipe(n->sess, n->max_sess * sizeof(*n->sess)); /* secrets */
	free(n->sess);
	free(n->conns);
	if (n->mb != NULL)
		free_mb_mgr(n->mb);
	free(n);
}

void cp_ncm_on_open(struct cp_ncm *n, uint64_t conn, const char *peer, uint64_t now_ms)
{
	struct conn *c = conn_find(n, 0);

	if (c == NULL) {
		n->io.close(n->io.opaque, conn, 1013, "too many connections");
		return;
	}
	c->id = conn;
	snprintf(c->peer, sizeof(c->peer), "%s", peer != NULL ? peer : "");
	c->s = NULL;
	c->last_rx_ms = now_ms;
	n->st.conns++;
}

void cp_ncm_on_close(struct cp_ncm *n, uint64_t conn, uint64_t now_ms)
{
	struct conn *c = conn_find(n, conn);

	if (c == NULL || conn == 0)
		return;
	if (c->s != NULL && c->s->conn == conn) {
		c->s->conn = 0;
		c->s->detached_ms = now_ms;
	}
	memset(c, 0, sizeof(*c));
	n->st.conns--;
}

void cp_ncm_on_text(struct cp_ncm *n, uint64_t conn, const char *text, size_t len,
		    uint64_t now_ms)
{
	struct conn *c = conn_find(n, conn);
	struct cp_msg_error err;

	if (c == NULL || conn == 0)
		return;
	n->st.msgs_in++;
	c->last_rx_ms = now_ms;
	if (cp_msg_decode(text, len, &n->lim, &n->in, &err) != 0) {
		if (err.close_code != CP_CLOSE_NONE) {
			n->st.protocol_closes++;
			close_conn(n, conn, err.close_code, err.reason);
			return;
		}
		n->st.decode_errors++;
		if (c->s != NULL)
			c->s->last_rx_ms = now_ms; /* alive, if confused */
		begin(n, CP_MSG_ERROR, err.sequence_num);
		cp_msg_make_error(&n->out, &err);
		send_msg(n, c->s, conn, false);
		return;
	}
	dispatch(n, c, &n->in, now_ms);
}

/* A request unanswered after MAMS_RETRY retransmissions: the peer is dead. */
static void peer_dead(struct cp_ncm *n, struct sess *s, enum cp_msg_type what)
{
	uint64_t conn = s->conn;

	fprintf(stderr, "ncm: session %u: no answer to %s after %u retransmissions: removed\n",
		s->id, cp_msg_type_name(what), n->cfg.retries);
	n->st.peers_dead++;
	sess_free(n, s);
	close_conn(n, conn, 1001, "MX_NO_RESPONSE");
}

/*
 * IPsec timers of an active session: the end of a rekey's grace period
 * (the old inbound SA goes), and the next rekey: new secrets for all its
 * IPsec connections, the new inbound SAs installed next to the old ones
 * before the secrets are sent (docs/ipsec.md, "Rekey").
 */
static void ipsec_tick(struct cp_ncm *n, struct sess *s, uint64_t now_ms, bool force)
{
	struct dp_ipsec_cfg saved[DP_MAX_PATHS];
	bool rekey = force, sync = false;

	for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
		struct dconn *d = &s->dc[i];

		if (!d->ipsec.enabled)
			continue;
		if (d->grace_end_ms != 0 && now_ms >= d->grace_end_ms) {
			esp_wipe(&d->ipsec.in_prev, sizeof(d->ipsec.in_prev));
			d->grace_end_ms = 0;
			sync = true;
		}
		rekey |= d->rekey_ms != 0 && now_ms >= d->rekey_ms;
	}
	if (rekey && (pending_has(s, CP_MSG_UP_SETUP_CONF_REQ) || !sess_has_ipsec(n, s)))
		rekey = false; /* the previous configuration is not confirmed yet */
	for (unsigned i = 0; rekey && i < n->cfg.n_delivery; i++) {
		struct dconn *d = &s->dc[i];
		char secret[SECRET_CHARS + 1];
		struct dp_ipsec_sa_cfg in;

		saved[i] = d->ipsec;
		if (!d->ipsec.enabled)
			continue;
		if (ipsec_draw(n, s, i, secret, &in, &d->next_out) < 0) {
			n->st.ipsec_errors++;
			d->rekey_ms = now_ms + 1000; /* try again */
			rekey = false;
			for (unsigned k = 0; k < i; k++)
				s->dc[k].ipsec = saved[k];
			break;
		}
		d->ipsec.in_prev = d->ipsec.in;
		d->ipsec.in = in;
		memcpy(d->secret, secret, sizeof(secret));
		esp_wipe(secret, sizeof(secret));
		d->grace_end_ms = 0;
	}
	if (!rekey) {
		if (sync)
			dp_sync(n, s);
		return;
	}
	if (s->in_dp && dp_sync(n, s) < 0) {
		/* The data plane refused the new inbound SAs: keep the old keys. */
		n->st.ipsec_errors++;
		for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
			s->dc[i].ipsec = saved[i];
			s->dc[i].rekey_ms = now_ms + 1000;
		}
		return;
	}
	for (unsigned i = 0; i < n->cfg.n_delivery; i++) {
		struct dconn *d = &s->dc[i];
		uint32_t every = n->cfg.delivery[i].ipsec_rekey_s;

		if (!d->ipsec.enabled)
			continue;
		d->rekeying = true;
		d->rekey_ms = every != 0 ? now_ms + every * 1000ull : 0;
	}
	n->st.ipsec_rekeys++;
	send_up_setup(n, s, now_ms, true);
	esp_wipe(saved, sizeof(saved));
}

static void sess_tick(struct cp_ncm *n, struct sess *s, uint64_t now_ms)
{
	if (s->conn == 0) {
		if (now_ms - s->detached_ms >= n->cfg.detach_ms) {
			n->st.detach_expired++;
			sess_free(n, s);
		}
		return;
	}
	for (unsigned i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &s->pend[i];

		if (p->text == NULL || now_ms - p->sent_ms < n->cfg.timeout_ms)
			continue;
		if (p->tries >= n->cfg.retries) {
			peer_dead(n, s, p->type);
			return;
		}
		p->tries++;
		p->sent_ms = now_ms;
		n->st.retransmits++;
		if (send_text(n, s->conn, p->text, p->len) == 0)
			s->msgs_out++;
	}
	if (now_ms - s->last_rx_ms >= n->cfg.keep_alive_ms && !pending_has(s, CP_MSG_KEEP_ALIVE_REQ)) {
		begin(n, CP_MSG_KEEP_ALIVE_REQ, next_seq(s));
		n->out.u.keep_alive_req.keep_alive_reason = CP_KEEP_ALIVE_TIMEOUT;
		send_request(n, s, now_ms);
	}
	if (s->state == CP_NCM_ACTIVE && now_ms - s->policy_ms >= n->cfg.policy.interval_ms)
		policy_run(n, s, now_ms);
	if (s->state == CP_NCM_ACTIVE)
		ipsec_tick(n, s, now_ms, false);
}

int cp_ncm_rekey(struct cp_ncm *n, uint32_t session_id, uint64_t now_ms)
{
	struct sess *s = sess_find(n, session_id);
	uint64_t before = n->st.ipsec_rekeys;

	if (s == NULL)
		return -ENOENT;
	if (!sess_has_ipsec(n, s))
		return -EINVAL;
	if (s->state != CP_NCM_ACTIVE || s->conn == 0 ||
	    pending_has(s, CP_MSG_UP_SETUP_CONF_REQ))
		return -EBUSY;
	ipsec_tick(n, s, now_ms, true);
	return n->st.ipsec_rekeys > before ? 0 : -EIO;
}

void cp_ncm_tick(struct cp_ncm *n, uint64_t now_ms)
{
	for (unsigned i = 0; i < n->max_sess; i++)
		if (n->sess[i].used)
			sess_tick(n, &n->sess[i], now_ms);
	/* A connection that never brings a session is closed after a while. */
	for (unsigned i = 0; i < n->max_conns; i++) {
		struct conn *c = &n->conns[i];

		if (c->id != 0 && c->s == NULL && !c->closing &&
		    now_ms - c->last_rx_ms >= n->cfg.timeout_ms * (n->cfg.retries + 1u))
			close_conn(n, c->id, 1000, "idle without a session");
	}
}

void cp_ncm_stats(const struct cp_ncm *n, struct cp_ncm_stats *out)
{
	*out = n->st;
}

static void info(const struct cp_ncm *n, const struct sess *s, struct cp_ncm_session_info *o,
		 uint64_t now_ms)
{
	memset(o, 0, sizeof(*o));
	o->ncm_id = n->cfg.ncm_id;
	o->session_id = s->id;
	o->state = s->state;
	o->attached = s->conn != 0;
	for (unsigned i = 0; s->conn != 0 && i < n->max_conns; i++)
		if (n->conns[i].id == s->conn)
			memcpy(o->peer, n->conns[i].peer, sizeof(o->peer));
	o->anchor_ip = s->anchor_ip;
	o->in_dataplane = s->in_dp;
	for (unsigned i = 0; i < n->cfg.n_delivery; i++)
		if (s->dc[i].setup)
			o->conn_ids[o->n_conns++] = n->cfg.delivery[i].connection_id;
	o->idle_ms = now_ms - s->last_rx_ms;
	o->msgs_in = s->msgs_in;
	o->msgs_out = s->msgs_out;
}

unsigned cp_ncm_sessions(const struct cp_ncm *n, struct cp_ncm_session_info *out, unsigned max,
			 unsigned *total, uint64_t now_ms)
{
	unsigned k = 0, all = 0;

	for (unsigned i = 0; i < n->max_sess; i++) {
		if (!n->sess[i].used)
			continue;
		if (k < max)
			info(n, &n->sess[i], &out[k++], now_ms);
		all++;
	}
	if (total != NULL)
		*total = all;
	return k;
}

int cp_ncm_session(const struct cp_ncm *n, uint32_t session_id, struct cp_ncm_session_info *out,
		   uint64_t now_ms)
{
	const struct sess *s = sess_find(n, session_id);

	if (s == NULL)
		return -ENOENT;
	info(n, s, out, now_ms);
	return 0;
}

/* ---- The operator (REST shim, docs/rest.md) -------------------------------- */

int cp_ncm_session_detail(const struct cp_ncm *n, uint32_t session_id,
			  struct cp_ncm_session_detail *out, uint64_t now_ms)
{
	const struct sess *s = sess_find(n, session_id);

	if (s == NULL)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	info(n, s, &out->info, now_ms);
	/* build_dp only reads the NCM */
	build_dp((struct cp_ncm *)(uintptr_t)n, s, &out->dp);
	for (unsigned k = 0; k < s->n_dp; k++)
		out->delivery[k] = s->dp_order[k];
	out->operator_flows = s->operator_flows;
	out->auto_flows = n->cfg.auto_flows & (uint8_t)~s->operator_flows;
	return 0;
}

int cp_ncm_operator_steer(struct cp_ncm *n, uint32_t session_id, uint8_t flow_id,
			  const struct gma_steer_cfg *steer, uint64_t now_ms)
{
	struct sess *s = sess_find(n, session_id);
	struct gma_steer_cfg next;
	uint64_t errors;
	unsigned f;

	if (s == NULL)
		return -ENOENT;
	for (f = 0; f < n->cfg.tmpl.n_flows && n->cfg.tmpl.flows[f].flow_id != flow_id; f++)
		;
	if (f == n->cfg.tmpl.n_flows)
		return -ESRCH;
	if (steer->n == 0 || steer->n > DP_MAX_PATHS)
		return -EINVAL;
	next = *steer;
	for (unsigned j = 0; j < steer->n; j++) {
		int di = delivery_index(n, steer->path[j]);

		if (di < 0 || !s->dc[di].in_dp)
			return -ENXIO;
		next.path[j] = (uint8_t)di;
	}
	if (s->state != CP_NCM_ACTIVE || !s->in_dp)
		return -EBUSY;
	s->steer[f] = next;
	s->operator_flows |= (uint8_t)(1u << f);
	errors = n->st.dp_errors;
	dp_sync(n, s);
	if (n->st.dp_errors != errors)
		return -EIO;
	send_steering(n, s, now_ms);
	return 0;
}

void cp_ncm_policy_get(const struct cp_ncm *n, struct cp_policy_cfg *out)
{
	*out = n->cfg.policy;
}

void cp_ncm_policy_set(struct cp_ncm *n, const struct cp_policy_cfg *p)
{
	n->cfg.policy = *p;
}

int cp_ncm_template_steer(struct cp_ncm *n, uint8_t flow_id, const struct gma_steer_cfg *steer,
			  uint64_t now_ms)
{
	unsigned f;

	for (f = 0; f < n->cfg.tmpl.n_flows && n->cfg.tmpl.flows[f].flow_id != flow_id; f++)
		;
	if (f == n->cfg.tmpl.n_flows)
		return -ESRCH;
	for (unsigned j = 0; j < steer->n; j++)
		if (steer->path[j] >= n->cfg.n_delivery)
			return -EINVAL;
	n->cfg.tmpl.flows[f].steer = *steer;
	for (unsigned i = 0; i < n->max_sess; i++) {
		struct sess *s = &n->sess[i];

		if (!s->used || (n->cfg.auto_flows & (1u << f)) || (s->operator_flows & (1u << f)))
			continue;
		s->steer[f] = *steer;
		if (s->state == CP_NCM_ACTIVE && s->in_dp) {
			dp_sync(n, s);
			send_steering(n, s, now_ms);
		}
	}
	return 0;
}
