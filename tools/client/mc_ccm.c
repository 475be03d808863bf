/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CCM state machine of mams-client (mc_ccm.h; procedures and decisions
 * in docs/client.md).  Two scratch struct cp_msg (about 56 KB each) live in
 * the context, never on the stack.  Requests that expect an answer keep
 * their encoded text for retransmission, matched by (answer type,
 * sequence_num) like the NCM does.
 */
#include "mc_ccm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PENDING 32u
#define MIN_REPORT_MS 100u
#define DEFAULT_REPORT_MS 1000u

struct pending {
	bool used;
	enum cp_msg_type type, answer;
	uint32_t seq;
	int iface;                     /* reconfiguration / handover: the interface, else -1 */
	enum cp_reconf_action action;  /* reconfiguration */
	bool handover;                 /* keep-alive with reason Handover */
	char *text;
	size_t len;
	uint64_t sent_ms;
	uint32_t tries;
};

struct ifstate {
	int conn_id;                   /* -1 until the capability response */
	bool observed;
	struct mc_iface_obs obs;       /* the system's view, last reported */
	bool setup;                    /* the NCM acknowledged setup/update, not released since */
	bool refused;                  /* the NCM answered its reconfiguration with mx_error */
	uint32_t told_ip, told_mtu;    /* what the last reconfiguration said */
	char told_node[CP_STR];
	bool ul_ok;                    /* last told to ops->path */
	uint32_t ul_mtu;
	/* measurement configuration (mx_measurement_conf) */
	bool meas;
	unsigned n_params;
	enum cp_meas_param params[CP_MAX_MEAS];
	uint32_t period_ms;
	uint64_t next_report_ms;
	struct mc_ccm_counters meas_base;
	uint64_t meas_base_ms;
	/* path estimation (mx_path_est_req) */
	int est_phase;                 /* 0 none, 1 initial probing, 2 active probing */
	uint64_t est_start_ms, est_end_ms;
	struct mc_ccm_counters est_base;
	uint32_t est_active_ms;
};

struct mc_ccm {
	struct mc_ccm_cfg cfg;
	struct mc_ccm_ops ops;
	enum mc_ccm_state st;
	char reason[320];
	char fail_reason[320];         /* set while terminating because of a failure */
	bool open;
	bool has_usid;
	struct cp_unique_session_id usid;
	uint32_t next_seq;
	uint64_t last_rx_ms;
	uint64_t state_deadline;       /* SETUP_WAIT: the UP setup must come by then */
	bool has_anchor;
	uint8_t anchor_conn_id;
	enum cp_conn_type anchor_type;
	char anchor_type_raw[CP_NAME];
	uint32_t setup_seq;
	bool have_setup;
	struct mc_setup setup;
	bool paused;
	struct ifstate ifs[MC_MAX_IFACES];
	struct pending pend[MAX_PENDING];
	struct mc_ccm_stats stt;
	struct cp_msg in, out;
};

static const char *const state_names[MC_CCM_STATE_COUNT] = {
	[MC_CCM_IDLE] = "idle",
	[MC_CCM_DISCOVER] = "discover",
	[MC_CCM_CAPS] = "capabilities",
	[MC_CCM_SETUP_WAIT] = "setup_wait",
	[MC_CCM_RECONF] = "reconf",
	[MC_CCM_ACTIVE] = "active",
	[MC_CCM_DETACHED] = "detached",
	[MC_CCM_RESUMING] = "resuming",
	[MC_CCM_TERMINATING] = "terminating",
	[MC_CCM_DONE] = "done",
	[MC_CCM_FAILED] = "failed",
};

const char *mc_ccm_state_name(enum mc_ccm_state s)
{
	return (unsigned)s < MC_CCM_STATE_COUNT ? state_names[s] : "?";
}

/* ---- Helpers ------------------------------------------------------------------- */

static void logf_(struct mc_ccm *c, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void logf_(struct mc_ccm *c, int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (c->ops.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->ops.log(c->ops.opaque, level, line);
}

static void set_state(struct mc_ccm *c, enum mc_ccm_state st, const char *reason)
{
	if (c->st == st)
		return;
	c->st = st;
	if (reason != NULL)
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (c->ops.state != NULL)
		c->ops.state(c->ops.opaque, st, reason);
}

static void ip_text(uint32_t ip, char *buf, size_t cap)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)cap);
}

static bool ip_parse(const char *txt, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, txt, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static int iface_of_conn(const struct mc_ccm *c, uint8_t conn)
{
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++)
		if (c->ifs[i].conn_id == (int)conn)
			return (int)i;
	return -1;
}

static const char *node_id(const struct mc_ccm *c, unsigned i)
{
	return c->ifs[i].obs.node_id[0] ? c->ifs[i].obs.node_id : c->cfg.ifaces[i].ifname;
}

static bool session_states(enum mc_ccm_state s)
{
	return s == MC_CCM_ACTIVE || s == MC_CCM_DETACHED || s == MC_CCM_RESUMING ||
	       s == MC_CCM_TERMINATING;
}

/* ---- Pending requests ---------------------------------------------------------- */

static void pending_free(struct pending *p)
{
	free(p->text);
	memset(p, 0, sizeof(*p));
}

static void pending_clear(struct mc_ccm *c)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used)
			pending_free(&c->pend[i]);
}

static struct pending *pending_find(struct mc_ccm *c, enum cp_msg_type answer, uint32_t seq)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used && c->pend[i].answer == answer && c->pend[i].seq == seq)
			return &c->pend[i];
	return NULL;
}

static bool pending_has(const struct mc_ccm *c, enum cp_msg_type type, int iface)
{
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used && c->pend[i].type == type &&
		    (iface < 0 || c->pend[i].iface == iface))
			return true;
	return false;
}

static void update_pause(struct mc_ccm *c)
{
	bool paused = false;

	for (unsigned i = 0; i < MAX_PENDING; i++)
		paused |= c->pend[i].used && c->pend[i].handover;
	if (paused == c->paused)
		return;
	c->paused = paused;
	logf_(c, MC_LOG_INFO, "uplink GMA %s", paused ? "paused until the handover keep-alive "
							  "is answered (RFC 8743 8.3.2)"
						       : "resumed");
	if (c->ops.ul_pause != NULL)
		c->ops.ul_pause(c->ops.opaque, paused);
}

/* ---- Sending --------------------------------------------------------------------- */

static void begin(struct mc_ccm *c, enum cp_msg_type type, uint32_t seq)
{
	memset(&c->out, 0, sizeof(c->out));
	c->out.type = type;
	c->out.sequence_num = seq;
}

static uint32_t next_seq(struct mc_ccm *c)
{
	uint32_t v = c->next_seq;

	c->next_seq = c->next_seq >= 0x7FFFFFFFu ? 1 : c->next_seq + 1;
	return v;
}

/*
 * Encodes c->out and sends it.  track: keep it for retransmission until its
 * answer; iface/handover/action describe it.  Returns 0 or -errno.
 */
static int send_out(struct mc_ccm *c, bool track, int iface, bool handover, uint64_t now_ms)
{
	struct cp_msg *m = &c->out;
	struct pending *p = NULL;
	char *text;
	size_t len;
	int rc;

	if (cp_msg_has_session_id(m->type)) {
		m->has_unique_session_id = true;
		m->unique_session_id = c->usid;
	}
	text = cp_msg_encode(m, CP_DIALECT_RFC8743);
	if (text == NULL) {
		logf_(c, MC_LOG_ERR, "cannot encode %s: %s", cp_msg_type_name(m->type),
		      strerror(errno));
		return -EINVAL;
	}
	len = strlen(text);
	rc = c->open ? c->ops.send(c->ops.opaque, text, len) : -ENOTCONN;
	if (rc == 0) {
		c->stt.msgs_out++;
		logf_(c, MC_LOG_DEBUG, "-> %s", text);
	}
	if (track) {
		for (unsigned i = 0; i < MAX_PENDING && p == NULL; i++)
			if (!c->pend[i].used)
				p = &c->pend[i];
		if (p == NULL) {
			/* The oldest goes: a full table means the NCM is not answering. */
			p = &c->pend[0];
			for (unsigned i = 1; i < MAX_PENDING; i++)
				if (c->pend[i].sent_ms < p->sent_ms)
					p = &c->pend[i];
			pending_free(p);
		}
		p->used = true;
		p->type = m->type;
		p->answer = cp_msg_answer_type(m->type);
		p->seq = m->sequence_num;
		p->iface = iface;
		p->handover = handover;
		p->action = m->type == CP_MSG_RECONF_REQ ? m->u.reconf_req.reconf_action
							 : CP_RECONF_NONE;
		p->text = text;
		p->len = len;
		p->sent_ms = now_ms;
		p->tries = 0;
		if (handover)
			update_pause(c);
		return rc;
	}
	free(text);
	return rc;
}

/* ---- Ending -------------------------------------------------------------------- */

static void finish(struct mc_ccm *c, enum mc_ccm_state st, const char *reason)
{
	pending_clear(c);
	update_pause(c);
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		if (c->ifs[i].ul_ok && c->ops.path != NULL)
			c->ops.path(c->ops.opaque, i, false, c->ifs[i].ul_mtu);
		c->ifs[i].ul_ok = false;
	}
	set_state(c, st, reason);
}

static void send_termination(struct mc_ccm *c, enum cp_term_reason why, uint64_t now_ms)
{
	begin(c, CP_MSG_SESSION_TERMINATION_REQ, next_seq(c));
	c->out.u.session_termination_req.reason = why;
	send_out(c, true, -1, false, now_ms);
	set_state(c, MC_CCM_TERMINATING, NULL);
}

/* A failure with a session: tell the NCM (INTERNAL_ERROR) when possible. */
static void fail_session(struct mc_ccm *c, const char *reason, uint64_t now_ms)
{
	logf_(c, MC_LOG_ERR, "%s", reason);
	if (c->has_usid && c->open && c->st != MC_CCM_TERMINATING) {
		snprintf(c->fail_reason, sizeof(c->fail_reason), "%s", reason);
		pending_clear(c);
		update_pause(c);
		send_termination(c, CP_TERM_INTERNAL_ERROR, now_ms);
		return;
	}
	finish(c, MC_CCM_FAILED, reason);
}

/* ---- Paths ------------------------------------------------------------------------ */

/* Tells the data path which interfaces may carry uplink now. */
static void update_paths(struct mc_ccm *c)
{
	bool on = session_states(c->st);

	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct ifstate *f = &c->ifs[i];
		bool ok = on && f->conn_id >= 0 && f->setup && f->obs.up;

		if (ok == f->ul_ok && f->obs.mtu == f->ul_mtu)
			continue;
		f->ul_ok = ok;
		f->ul_mtu = f->obs.mtu;
		if (c->ops.path != NULL)
			c->ops.path(c->ops.opaque, i, ok, f->obs.mtu);
	}
}

static void send_reconf(struct mc_ccm *c, unsigned i, enum cp_reconf_action action,
			uint64_t now_ms)
{
	struct ifstate *f = &c->ifs[i];
	struct cp_reconf_req *r;

	/* A newer reconfiguration of the interface supersedes an unanswered one. */
	for (unsigned k = 0; k < MAX_PENDING; k++)
		if (c->pend[k].used && c->pend[k].type == CP_MSG_RECONF_REQ && c->pend[k].iface == (int)i)
			pending_free(&c->pend[k]);
	begin(c, CP_MSG_RECONF_REQ, next_seq(c));
	r = &c->out.u.reconf_req;
	r->reconf_action = action;
	r->connection_id = (uint8_t)f->conn_id;
	if (action != CP_RECONF_RELEASE) {
		uint32_t mtu = f->obs.mtu;

		r->has_ip_address = true;
		ip_text(f->obs.ipv4, r->ip_address, sizeof(r->ip_address));
		/* The NCM takes 576..9000 (the data plane's range). */
		if (mtu > 9000)
			mtu = 9000;
		if (mtu != 0) {
			r->has_mtu_size = true;
			r->mtu_size = mtu < 576 ? 576 : mtu;
		}
		r->has_delivery_node_id = true;
		snprintf(r->delivery_node_id, sizeof(r->delivery_node_id), "%s", node_id(c, i));
		if (f->obs.ssid[0] != '\0') {
			r->has_ssid = true;
			snprintf(r->ssid, sizeof(r->ssid), "%s", f->obs.ssid);
		}
		f->told_ip = f->obs.ipv4;
		f->told_mtu = f->obs.mtu;
		snprintf(f->told_node, sizeof(f->told_node), "%s", node_id(c, i));
	} else {
		f->setup = false; /* stop using it at once */
	}
	f->refused = false;
	logf_(c, MC_LOG_INFO, "%s (%s, connection %d): reconfiguration %s%s%s",
	      c->cfg.ifaces[i].name, c->cfg.ifaces[i].ifname, f->conn_id,
	      cp_reconf_action_name(action), r->has_ip_address ? " " : "",
	      r->has_ip_address ? r->ip_address : "");
	send_out(c, true, (int)i, false, now_ms);
}

static void send_handover(struct mc_ccm *c, unsigned i, uint64_t now_ms)
{
	struct cp_keep_alive_req *k;

	begin(c, CP_MSG_KEEP_ALIVE_REQ, next_seq(c));
	k = &c->out.u.keep_alive_req;
	k->keep_alive_reason = CP_KEEP_ALIVE_HANDOVER;
	k->has_connection_id = true;
	k->connection_id = (uint8_t)c->ifs[i].conn_id;
	k->has_delivery_node_id = true;
	snprintf(k->delivery_node_id, sizeof(k->delivery_node_id), "%s", node_id(c, i));
	c->stt.handovers++;
	c->stt.keep_alives_tx++;
	send_out(c, true, (int)i, true, now_ms);
}

/* Brings the NCM's view of every interface in line with the system's
 * (entering ACTIVE, after a resumption). */
static void resync(struct mc_ccm *c, uint64_t now_ms)
{
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct ifstate *f = &c->ifs[i];

		if (f->conn_id < 0 || !f->observed || pending_has(c, CP_MSG_RECONF_REQ, (int)i))
			continue;
		if (f->obs.up && !f->setup && !f->refused)
			send_reconf(c, i, CP_RECONF_SETUP, now_ms);
		else if (f->obs.up && f->setup &&
			 (f->obs.ipv4 != f->told_ip || f->obs.mtu != f->told_mtu))
			send_reconf(c, i, CP_RECONF_UPDATE, now_ms);
		else if (!f->obs.up && f->setup)
			send_reconf(c, i, CP_RECONF_RELEASE, now_ms);
	}
	update_paths(c);
}

/* ---- Bring-up -------------------------------------------------------------------- */

static void send_discover(struct mc_ccm *c, uint64_t now_ms)
{
	begin(c, CP_MSG_DISCOVER, next_seq(c));
	send_out(c, true, -1, false, now_ms);
	set_state(c, MC_CCM_DISCOVER, NULL);
}

/* Provisional connection IDs before the NCM's answer: JSON-00 5.4's fixed
 * map (Wi-Fi 0, 5G NR 1, LTE 3), or the next free one. */
static uint8_t provisional_id(const struct mc_ccm *c, unsigned i, const bool *taken)
{
	uint8_t pref = c->cfg.ifaces[i].type == CP_CONN_WIFI    ? 0
		       : c->cfg.ifaces[i].type == CP_CONN_5G_NR ? 1
								: 3;

	for (unsigned k = 0; k < 16; k++) {
		uint8_t id = (uint8_t)((pref + k) % 16);

		if (!taken[id])
			return id;
	}
	return 0;
}

static void send_capability_req(struct mc_ccm *c, bool resume, uint64_t now_ms)
{
	static const struct {
		enum cp_feature f;
		bool on;
	} feats[] = {
		{ CP_FEATURE_LOSSLESS_SWITCHING, true },   /* downlink reordering */
		{ CP_FEATURE_FRAGMENTATION, true },
		{ CP_FEATURE_CONCATENATION, true },        /* downlink de-concatenation */
		{ CP_FEATURE_UPLINK_AGGREGATION, false },  /* uplink is steered per flow */
		{ CP_FEATURE_DOWNLINK_AGGREGATION, true },
		{ CP_FEATURE_MEASUREMENT, true },
		{ CP_FEATURE_PROBING, true },
	};
	struct cp_capability *cap;
	bool taken[16] = { false };

	begin(c, CP_MSG_CAPABILITY_REQ, next_seq(c));
	cap = &c->out.u.capability_req;
	for (unsigned i = 0; i < sizeof(feats) / sizeof(feats[0]); i++) {
		cap->feature_active[i].feature_name = feats[i].f;
		cap->feature_active[i].active = feats[i].on;
		cap->n_feature_active++;
	}
	cap->n_anchor_connections = 1;
	cap->num_anchor_connections = 1;
	cap->anchor_connections[0].connection_id = c->has_anchor ? c->anchor_conn_id : 15;
	cap->anchor_connections[0].connection_type = c->has_anchor ? c->anchor_type : CP_CONN_LTE;
	snprintf(cap->anchor_connections[0].connection_type_raw,
		 sizeof(cap->anchor_connections[0].connection_type_raw), "%s",
		 c->has_anchor ? c->anchor_type_raw : "LTE");
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++)
		if (c->ifs[i].conn_id >= 0)
			taken[c->ifs[i].conn_id] = true;
		else if (c->cfg.ifaces[i].has_conn_id)
			taken[c->cfg.ifaces[i].conn_id] = true;
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct cp_conn_info *ci = &cap->delivery_connections[cap->n_delivery_connections++];
		uint8_t id;

		if (c->ifs[i].conn_id >= 0) {
			id = (uint8_t)c->ifs[i].conn_id;
		} else if (c->cfg.ifaces[i].has_conn_id) {
			id = c->cfg.ifaces[i].conn_id;
		} else {
			id = provisional_id(c, i, taken);
			taken[id] = true;
		}
		ci->connection_id = id;
		ci->connection_type = c->cfg.ifaces[i].type;
		snprintf(ci->connection_type_raw, sizeof(ci->connection_type_raw), "%s",
			 cp_conn_type_name(ci->connection_type));
	}
	cap->num_delivery_connections = cap->n_delivery_connections;
	cap->n_convergence_methods = 1;
	cap->convergence_methods[0].method = CP_CONV_GMA;
	cap->convergence_methods[0].supported = true;
	/* IPsec: ESP-in-UDP with SAs derived from the shared_secret (docs/ipsec.md). */
	cap->n_adaptation_methods = 2;
	cap->adaptation_methods[0].method = CP_ADAPT_UDP_WITHOUT_DTLS;
	cap->adaptation_methods[0].supported = true;
	cap->adaptation_methods[1].method = CP_ADAPT_IPSEC;
	cap->adaptation_methods[1].supported = true;
	/* A resumption presents the session (cp_msg_has_session_id() is false
	 * for this type, so send_out() does not add it). */
	if (resume) {
		c->out.has_unique_session_id = true;
		c->out.unique_session_id = c->usid;
	}
	send_out(c, true, -1, false, now_ms);
	set_state(c, resume ? MC_CCM_RESUMING : MC_CCM_CAPS, NULL);
}

static void send_capability_ack(struct mc_ccm *c, uint32_t seq, bool accept)
{
	begin(c, CP_MSG_CAPABILITY_ACK, seq);
	c->out.u.capability_ack.capability_ack = accept ? CP_CAP_ACK_ACCEPT : CP_CAP_ACK_REJECT;
	send_out(c, false, -1, false, 0);
}

static void list_conns(const struct cp_capability *cap, char *buf, size_t cap_len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < cap->n_delivery_connections && o < cap_len; i++) {
		const struct cp_conn_info *ci = &cap->delivery_connections[i];
		int n = snprintf(buf + o, cap_len - o, "%s%u %s", i ? ", " : "", ci->connection_id,
				 ci->connection_type_raw[0] ? ci->connection_type_raw
							    : cp_conn_type_name(ci->connection_type));

		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (o == 0)
		snprintf(buf, cap_len, "none");
}

/* The capability response: what we need, and each interface's connection. */
static void on_capability_rsp(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	const struct cp_capability *cap = &m->u.capability_rsp;
	bool gma = false, udp = false, ipsec = false, used[CP_MAX_CONNS] = { false };
	int ids[MC_MAX_IFACES];
	char why[320] = "", offered[200];

	for (unsigned i = 0; i < MC_MAX_IFACES; i++)
		ids[i] = -1;
	c->usid = m->unique_session_id;
	c->has_usid = true;
	if (cap->n_anchor_connections > 0) {
		c->has_anchor = true;
		c->anchor_conn_id = cap->anchor_connections[0].connection_id;
		c->anchor_type = cap->anchor_connections[0].connection_type;
		snprintf(c->anchor_type_raw, sizeof(c->anchor_type_raw), "%s",
			 cap->anchor_connections[0].connection_type_raw);
	}
	for (unsigned i = 0; i < cap->n_convergence_methods; i++)
		gma |= cap->convergence_methods[i].method == CP_CONV_GMA &&
		       cap->convergence_methods[i].supported;
	for (unsigned i = 0; i < cap->n_adaptation_methods; i++) {
		udp |= cap->adaptation_methods[i].method == CP_ADAPT_UDP_WITHOUT_DTLS &&
		       cap->adaptation_methods[i].supported;
		ipsec |= cap->adaptation_methods[i].method == CP_ADAPT_IPSEC &&
			 cap->adaptation_methods[i].supported;
	}
	list_conns(cap, offered, sizeof(offered));
	if (!gma)
		snprintf(why, sizeof(why), "the NCM does not support the GMA convergence method");
	else if (!udp && !ipsec)
		snprintf(why, sizeof(why), "the NCM supports neither UDP_without_DTLS nor IPsec "
			 "adaptation");
	/* Explicit connection IDs first, then the rest by type, in order. */
	for (unsigned i = 0; i < c->cfg.n_ifaces && why[0] == '\0'; i++) {
		const struct mc_iface_opt *io = &c->cfg.ifaces[i];

		if (!io->has_conn_id)
			continue;
		for (unsigned k = 0; k < cap->n_delivery_connections; k++)
			if (cap->delivery_connections[k].connection_id == io->conn_id && !used[k]) {
				ids[i] = io->conn_id;
				used[k] = true;
			}
		if (ids[i] < 0)
			snprintf(why, sizeof(why),
				 "--iface %s=%s:%u: the NCM has no delivery connection %u "
				 "(it offers %s)", io->name, io->ifname, io->conn_id, io->conn_id,
				 offered);
	}
	for (unsigned i = 0; i < c->cfg.n_ifaces && why[0] == '\0'; i++) {
		const struct mc_iface_opt *io = &c->cfg.ifaces[i];

		if (io->has_conn_id)
			continue;
		for (unsigned k = 0; k < cap->n_delivery_connections && ids[i] < 0; k++)
			if (cap->delivery_connections[k].connection_type == io->type && !used[k]) {
				ids[i] = cap->delivery_connections[k].connection_id;
				used[k] = true;
			}
		if (ids[i] < 0)
			snprintf(why, sizeof(why),
				 "--iface %s=%s: the NCM offers no free %s delivery connection "
				 "(it offers %s); give one with --iface %s=%s:ID", io->name,
				 io->ifname, cp_conn_type_name(io->type), offered, io->name,
				 io->ifname);
	}
	for (unsigned i = 0; i < c->cfg.n_ifaces && why[0] == '\0'; i++)
		if (ids[i] > 15)
			snprintf(why, sizeof(why),
				 "%s: connection ID %d does not fit GMA's 4-bit Connection ID",
				 c->cfg.ifaces[i].name, ids[i]);
	if (why[0] != '\0') {
		char reason[400];

		send_capability_ack(c, m->sequence_num, false);
		snprintf(reason, sizeof(reason), "session refused (MX_REJECT sent): %s", why);
		logf_(c, MC_LOG_ERR, "%s", reason);
		c->has_usid = false;
		finish(c, MC_CCM_FAILED, reason);
		return;
	}
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		c->ifs[i].conn_id = ids[i];
		logf_(c, MC_LOG_INFO, "%s (%s) is delivery connection %d", c->cfg.ifaces[i].name,
		      c->cfg.ifaces[i].ifname, ids[i]);
	}
	logf_(c, MC_LOG_INFO, "session %u of NCM %u", c->usid.session_id, c->usid.ncm_id);
	send_capability_ack(c, m->sequence_num, true);
	c->state_deadline = now_ms + (uint64_t)c->cfg.timeout_ms * (c->cfg.retries + 1u);
	set_state(c, MC_CCM_SETUP_WAIT, NULL);
}

/* The UP setup: anchor address and tunnel endpoints; false with *why. */
static bool parse_setup(struct mc_ccm *c, const struct cp_up_setup_conf_req *r,
			struct mc_setup *s, char *why, size_t wl)
{
	const struct cp_setup_anchor_conn *a;

	memset(s, 0, sizeof(*s));
	if (r->n_anchor_connections == 0) {
		snprintf(why, wl, "mx_up_setup_conf_req without an anchor connection");
		return false;
	}
	a = &r->anchor_connections[0];
	if (!a->has_vnic_info) {
		snprintf(why, wl, "mx_up_setup_conf_req gives no anchor address (vnic_info)");
		return false;
	}
	if (!ip_parse(a->vnic_info.ip, &s->anchor_ip) || s->anchor_ip == 0 ||
	    !ip_parse(a->vnic_info.mask, &s->anchor_mask)) {
		snprintf(why, wl, "vnic_info: \"%s\" / \"%s\" is not an IPv4 address and mask",
			 a->vnic_info.ip, a->vnic_info.mask);
		return false;
	}
	if (~s->anchor_mask & (~s->anchor_mask + 1u)) {
		snprintf(why, wl, "vnic_info.mask \"%s\" is not a netmask", a->vnic_info.mask);
		return false;
	}
	ip_parse(a->vnic_info.gateway, &s->anchor_gw);
	s->ncm_id = c->usid.ncm_id;
	s->session_id = c->usid.session_id;
	s->anchor_conn_id = a->connection_id;
	s->has_udp_port = a->has_udp_port;
	s->udp_port = a->udp_port;
	s->n = c->cfg.n_ifaces;
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		const struct cp_setup_delivery_conn *d = NULL;
		unsigned dk = 0, dj = 0;

		for (unsigned k = 0; k < a->n_convergence_config && d == NULL; k++) {
			const struct cp_convergence_config *cc = &a->convergence_config[k];

			if (cc->has_convergence_method && cc->convergence_method != CP_CONV_GMA)
				continue;
			for (unsigned j = 0; j < cc->n_delivery_connections; j++)
				if (cc->delivery_connections[j].connection_id == c->ifs[i].conn_id) {
					d = &cc->delivery_connections[j];
					dk = k;
					dj = j;
				}
		}
		if (d == NULL) {
			snprintf(why, wl, "mx_up_setup_conf_req has no GMA delivery connection %d "
				 "(%s, %s)", c->ifs[i].conn_id, c->cfg.ifaces[i].name,
				 c->cfg.ifaces[i].ifname);
			return false;
		}
		if (d->has_adaptation_method && d->adaptation_method != CP_ADAPT_UDP_WITHOUT_DTLS &&
		    d->adaptation_method != CP_ADAPT_IPSEC) {
			snprintf(why, wl, "delivery connection %d: adaptation method %s is not "
				 "supported (UDP_without_DTLS or IPsec)", c->ifs[i].conn_id,
				 d->adaptation_method_raw);
			return false;
		}
		if (d->has_adaptation_method && d->adaptation_method == CP_ADAPT_IPSEC) {
			const struct cp_adaptation_method_param *ap = &d->adaptation_method_param;
			size_t sl = d->has_adaptation_method_param && ap->has_shared_secret
					    ? strlen(ap->shared_secret)
					    : 0;

			/* The keys come from the secret's bytes as sent (docs/ipsec.md). */
			if (sl < MC_SECRET_MIN || sl > MC_SECRET_MAX) {
				char len_txt[48];

				if (sl == 0)
					snprintf(len_txt, sizeof(len_txt), "is missing");
				else
					snprintf(len_txt, sizeof(len_txt), "has %zu bytes", sl);
				snprintf(why, wl, "delivery connection %d (%s, %s) is IPsec, and "
					 "anchor_connections[0].convergence_config[%u]."
					 "delivery_connections[%u].adaptation_method_param."
					 "shared_secret %s (%u..%u bytes needed)", c->ifs[i].conn_id,
					 c->cfg.ifaces[i].name, c->cfg.ifaces[i].ifname, dk, dj,
					 len_txt, MC_SECRET_MIN, MC_SECRET_MAX);
				return false;
			}
			s->path[i].ipsec = true;
			s->path[i].secret_len = (uint16_t)sl;
			memcpy(s->path[i].secret, ap->shared_secret, sl);
		}
		if (!d->has_adaptation_method_param ||
		    !ip_parse(d->adaptation_method_param.tunnel_ip_addr, &s->path[i].tunnel_ip)) {
			snprintf(why, wl, "delivery connection %d: no IPv4 tunnel_ip_addr",
				 c->ifs[i].conn_id);
			return false;
		}
		s->path[i].conn_id = (uint8_t)c->ifs[i].conn_id;
		s->path[i].tunnel_port = d->adaptation_method_param.tunnel_end_port;
	}
	return true;
}

bool mc_setup_same(const struct mc_setup *a, const struct mc_setup *b)
{
	if (a->ncm_id != b->ncm_id || a->session_id != b->session_id ||
	    a->anchor_ip != b->anchor_ip || a->anchor_mask != b->anchor_mask ||
	    a->anchor_gw != b->anchor_gw || a->anchor_conn_id != b->anchor_conn_id ||
	    a->has_udp_port != b->has_udp_port || (a->has_udp_port && a->udp_port != b->udp_port) ||
	    a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n && i < MC_MAX_IFACES; i++) {
		if (a->path[i].conn_id != b->path[i].conn_id ||
		    a->path[i].tunnel_ip != b->path[i].tunnel_ip ||
		    a->path[i].tunnel_port != b->path[i].tunnel_port ||
		    a->path[i].ipsec != b->path[i].ipsec ||
		    a->path[i].secret_len != b->path[i].secret_len ||
		    memcmp(a->path[i].secret, b->path[i].secret, a->path[i].secret_len) != 0)
			return false;
	}
	return true;
}

static void send_up_setup_cnf(struct mc_ccm *c)
{
	struct cp_up_setup_cnf *u;

	begin(c, CP_MSG_UP_SETUP_CNF, c->setup_seq);
	u = &c->out.u.up_setup_cnf;
	u->has_probe_param = true;
	u->probe_param.probe_port = c->cfg.mx_port;
	u->probe_param.has_anchor_conn_id = true;
	u->probe_param.anchor_conn_id = c->setup.anchor_conn_id;
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct cp_client_param *cp = &u->client_params[u->n_client_params];

		if (c->ifs[i].conn_id < 0 || c->cfg.udp_port[i] == 0)
			continue;
		cp->connection_id = (uint8_t)c->ifs[i].conn_id;
		cp->has_adapt_param = true;
		cp->adapt_param.udp_adapt_port = c->cfg.udp_port[i];
		u->n_client_params++;
	}
	u->num_delivery_conn = u->n_client_params;
	send_out(c, false, -1, false, 0);
}

static void go_active(struct mc_ccm *c, uint64_t now_ms)
{
	send_up_setup_cnf(c);
	set_state(c, MC_CCM_ACTIVE, NULL);
	logf_(c, MC_LOG_INFO, "session %u active", c->usid.session_id);
	resync(c, now_ms);
}

static void on_up_setup(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	char why[320];
	struct mc_setup s;

	if (c->st == MC_CCM_RECONF || c->st == MC_CCM_ACTIVE) {
		/* A retransmission (our confirmation was lost, or is not sent
		 * yet), or a change: a new shared_secret is a rekey, applied
		 * before it is confirmed (the gateway keeps its old inbound SA
		 * until then, and sends on its old outbound SA). */
		if (!parse_setup(c, &m->u.up_setup_conf_req, &s, why, sizeof(why))) {
			fail_session(c, why, now_ms);
			return;
		}
		c->setup_seq = m->sequence_num;
		if (!mc_setup_same(&c->setup, &s)) {
			c->setup = s;
			c->stt.setup_changes++;
			logf_(c, MC_LOG_INFO, "UP setup %u changed: applied", m->sequence_num);
			if (c->ops.setup != NULL)
				c->ops.setup(c->ops.opaque, &s);
		}
		if (c->st == MC_CCM_ACTIVE)
			send_up_setup_cnf(c);
		return;
	}
	if (c->st != MC_CCM_SETUP_WAIT) {
		c->stt.unexpected++;
		return;
	}
	if (!parse_setup(c, &m->u.up_setup_conf_req, &s, why, sizeof(why))) {
		fail_session(c, why, now_ms);
		return;
	}
	c->setup = s;
	c->have_setup = true;
	c->setup_seq = m->sequence_num;
	{
		char a[16], k[16];

		ip_text(s.anchor_ip, a, sizeof(a));
		ip_text(s.anchor_mask, k, sizeof(k));
		logf_(c, MC_LOG_INFO, "anchor address %s mask %s", a, k);
	}
	if (c->ops.setup != NULL)
		c->ops.setup(c->ops.opaque, &s);
	set_state(c, MC_CCM_RECONF, NULL);
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		c->ifs[i].setup = false;
		if (c->ifs[i].obs.up)
			send_reconf(c, i, CP_RECONF_SETUP, now_ms);
		else
			logf_(c, MC_LOG_INFO, "%s (%s) is down: not set up yet",
			      c->cfg.ifaces[i].name, c->cfg.ifaces[i].ifname);
	}
	if (!pending_has(c, CP_MSG_RECONF_REQ, -1))
		go_active(c, now_ms);
}

static void on_reconf_rsp(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	struct pending *p = pending_find(c, CP_MSG_RECONF_RSP, m->sequence_num);

	if (p == NULL) {
		c->stt.unexpected++;
		return;
	}
	if (p->iface >= 0) {
		struct ifstate *f = &c->ifs[p->iface];

		f->setup = p->action != CP_RECONF_RELEASE;
		logf_(c, MC_LOG_INFO, "%s: %s acknowledged", c->cfg.ifaces[p->iface].name,
		      cp_reconf_action_name(p->action));
	}
	pending_free(p);
	if (c->st == MC_CCM_RECONF && !pending_has(c, CP_MSG_RECONF_REQ, -1))
		go_active(c, now_ms);
	else
		update_paths(c);
}

/* ---- Serving the NCM ----------------------------------------------------------- */

static void on_steering(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	const struct cp_traffic_steering_req *r = &m->u.traffic_steering_req;
	struct cp_traffic_steering_rsp *o;
	struct mc_steer s;
	unsigned rules = mc_steer_from_req(&s, r);

	c->stt.steering++;
	if (s.has_default && iface_of_conn(c, s.default_conn) < 0)
		logf_(c, MC_LOG_INFO, "steering: default uplink connection %u is not one of ours",
		      s.default_conn);
	logf_(c, MC_LOG_INFO, "steering: uplink default %d, %u template rule(s), downlink on %u "
	      "connection(s)", s.has_default ? s.default_conn : -1, rules, s.n_dl);
	if (c->ops.steer != NULL)
		c->ops.steer(c->ops.opaque, &s);
	begin(c, CP_MSG_TRAFFIC_STEERING_RSP, m->sequence_num);
	o = &c->out.u.traffic_steering_rsp;
	o->n_feature_active = r->n_feature_active;
	memcpy(o->feature_active, r->feature_active, sizeof(o->feature_active));
	send_out(c, false, -1, false, now_ms);
}

static void on_measurement_conf(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	const struct cp_measurement_conf *mc = &m->u.measurement_conf;

	for (unsigned i = 0; i < c->cfg.n_ifaces; i++)
		c->ifs[i].meas = false;
	for (unsigned k = 0; k < mc->n_measurement_configuration; k++) {
		const struct cp_meas_conf *e = &mc->measurement_configuration[k];
		int i = iface_of_conn(c, e->connection_id);
		struct ifstate *f;
		uint32_t period = 0;

		if (i < 0) {
			logf_(c, MC_LOG_INFO, "measurement configuration for connection %u: not ours",
			      e->connection_id);
			continue;
		}
		f = &c->ifs[i];
		f->n_params = 0;
		for (unsigned j = 0; j < e->n_meas_rep_conf && f->n_params < CP_MAX_MEAS; j++) {
			const struct cp_meas_rep_conf *r = &e->meas_rep_conf[j];

			f->params[f->n_params++] = r->meas_rep_param;
			if (r->has_meas_period_ms && r->meas_period_ms != 0 &&
			    (period == 0 || r->meas_period_ms < period))
				period = r->meas_period_ms;
		}
		if (period == 0)
			period = DEFAULT_REPORT_MS;
		if (period < MIN_REPORT_MS)
			period = MIN_REPORT_MS;
		f->meas = f->n_params > 0;
		f->period_ms = period;
		f->next_report_ms = now_ms + period;
		if (c->ops.counters != NULL)
			c->ops.counters(c->ops.opaque, (unsigned)i, &f->meas_base);
		f->meas_base_ms = now_ms;
		logf_(c, MC_LOG_INFO, "%s: %u measurement(s) every %u ms", c->cfg.ifaces[i].name,
		      f->n_params, period);
	}
}

static double mbps(uint64_t bytes, uint64_t ms)
{
	return ms == 0 ? 0.0 : (double)bytes * 8.0 / ((double)ms * 1000.0);
}

/* The measurement reports that are due, in one message. */
static void reports_due(struct mc_ccm *c, uint64_t now_ms)
{
	struct cp_measurement_report *r;
	bool any = false;

	begin(c, CP_MSG_MEASUREMENT_REPORT, 0);
	r = &c->out.u.measurement_report;
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct ifstate *f = &c->ifs[i];
		struct cp_meas_report *e;
		struct mc_ccm_counters now = { 0 };
		uint64_t dt;

		if (!f->meas || now_ms < f->next_report_ms)
			continue;
		any = true;
		f->next_report_ms += f->period_ms;
		if (f->next_report_ms <= now_ms)
			f->next_report_ms = now_ms + f->period_ms;
		if (c->ops.counters != NULL)
			c->ops.counters(c->ops.opaque, i, &now);
		dt = now_ms - f->meas_base_ms;
		e = &r->measurement_reports[r->n_measurement_reports];
		e->connection_id = (uint8_t)f->conn_id;
		e->connection_type = c->cfg.ifaces[i].type;
		snprintf(e->connection_type_raw, sizeof(e->connection_type_raw), "%s",
			 cp_conn_type_name(e->connection_type));
		e->has_delivery_node_id = true;
		snprintf(e->delivery_node_id, sizeof(e->delivery_node_id), "%s", node_id(c, i));
		for (unsigned j = 0; j < f->n_params && e->n_measurements < CP_MAX_MEAS; j++) {
			struct cp_measurement *x = &e->measurements[e->n_measurements];
			double v;

			switch (f->params[j]) {
			case CP_MEAS_DL_TPUT:
				x->measurement_value = mbps(now.rx_bytes - f->meas_base.rx_bytes, dt);
				break;
			case CP_MEAS_UL_TPUT:
				x->measurement_value = mbps(now.tx_bytes - f->meas_base.tx_bytes, dt);
				break;
			case CP_MEAS_UNKNOWN:
			case CP_MEAS_EST_UL_TPUT:
			case CP_MEAS_EST_DL_TPUT:
				continue; /* nothing to estimate them from: omitted */
			default:
				if (c->ops.signal == NULL ||
				    !c->ops.signal(c->ops.opaque, i, f->params[j], &v))
					continue; /* not readable here: omitted */
				x->measurement_value = v;
				break;
			}
			x->measurement_type = f->params[j];
			snprintf(x->measurement_type_raw, sizeof(x->measurement_type_raw), "%s",
				 cp_meas_param_name(f->params[j]));
			e->n_measurements++;
		}
		f->meas_base = now;
		f->meas_base_ms = now_ms;
		if (e->n_measurements > 0)
			r->n_measurement_reports++;
	}
	if (!any || r->n_measurement_reports == 0)
		return;
	c->out.sequence_num = next_seq(c);
	c->stt.reports++;
	send_out(c, false, -1, false, now_ms);
}

static void on_path_est(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	const struct cp_path_est_req *r = &m->u.path_est_req;
	int i = iface_of_conn(c, r->connection_id);
	struct ifstate *f;

	if (i < 0) {
		logf_(c, MC_LOG_INFO, "path estimation of connection %u: not ours", r->connection_id);
		return;
	}
	f = &c->ifs[i];
	f->est_phase = 1;
	f->est_start_ms = now_ms;
	f->est_end_ms = now_ms + r->init_probe_test_duration_ms;
	f->est_active_ms = r->active_probe_duration_sec * 1000u;
	memset(&f->est_base, 0, sizeof(f->est_base));
	if (c->ops.counters != NULL)
		c->ops.counters(c->ops.opaque, (unsigned)i, &f->est_base);
	logf_(c, MC_LOG_INFO, "%s: path estimation, %u ms initial, %u s active",
	      c->cfg.ifaces[i].name, r->init_probe_test_duration_ms, r->active_probe_duration_sec);
}

static void path_est_due(struct mc_ccm *c, uint64_t now_ms)
{
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		struct ifstate *f = &c->ifs[i];
		struct cp_path_est_results *r;
		struct mc_ccm_counters now = { 0 };
		uint64_t dt;

		if (f->est_phase == 0 || now_ms < f->est_end_ms)
			continue;
		if (c->ops.counters != NULL)
			c->ops.counters(c->ops.opaque, i, &now);
		dt = now_ms - f->est_start_ms;
		begin(c, CP_MSG_PATH_EST_RESULTS, next_seq(c));
		r = &c->out.u.path_est_results;
		r->connection_id = (uint8_t)f->conn_id;
		if (f->est_phase == 1) {
			uint64_t got = now.probes_rx - f->est_base.probes_rx;
			uint64_t lost = now.probes_lost - f->est_base.probes_lost;

			r->has_init_probe_results = true;
			/* No probe expected in the window: nothing lost that we know of. */
			r->init_probe_results.lost_probes_percentage =
				got + lost == 0 ? 0 : (uint32_t)((lost * 100u + (got + lost) / 2u) /
								 (got + lost));
			r->init_probe_results.probe_rate_Mbps =
				mbps(now.rx_bytes - f->est_base.rx_bytes, dt);
			f->est_phase = 2;
			f->est_start_ms = now_ms;
			f->est_end_ms = now_ms + f->est_active_ms;
			f->est_base = now;
		} else {
			r->has_active_probe_results = true;
			r->active_probe_results.avg_tput_last_probe_duration_Mbps =
				mbps(now.rx_bytes - f->est_base.rx_bytes, dt);
			f->est_phase = 0;
		}
		c->stt.path_est_results++;
		send_out(c, false, -1, false, now_ms);
	}
}

static void on_error(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	const struct cp_error *e = &m->u.error;
	struct pending *p = NULL;
	char reason[400];

	c->stt.errors_rx++;
	snprintf(reason, sizeof(reason), "the NCM refused %s%s%s: %s",
		 e->message_type[0] ? e->message_type : "a message", e->field[0] ? ", field " : "",
		 e->field, e->reason);
	for (unsigned i = 0; i < MAX_PENDING && p == NULL; i++)
		if (c->pend[i].used && c->pend[i].seq == m->sequence_num &&
		    (e->message_type[0] == '\0' ||
		     strcmp(e->message_type, cp_msg_type_name(c->pend[i].type)) == 0))
			p = &c->pend[i];
	if (p != NULL && p->type == CP_MSG_CAPABILITY_REQ && c->st == MC_CCM_RESUMING) {
		/* The NCM forgot the session: a new one (new anchor address). */
		logf_(c, MC_LOG_ERR, "%s: starting a new session", reason);
		pending_free(p);
		c->has_usid = false;
		for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
			c->ifs[i].setup = false;
			c->ifs[i].meas = false;
			c->ifs[i].est_phase = 0;
		}
		update_paths(c);
		send_discover(c, now_ms);
		return;
	}
	if (p != NULL && p->type == CP_MSG_RECONF_REQ && p->iface >= 0) {
		int i = p->iface;

		logf_(c, MC_LOG_ERR, "%s (%s): %s", c->cfg.ifaces[i].name, c->cfg.ifaces[i].ifname,
		      reason);
		c->ifs[i].refused = true;
		c->ifs[i].setup = false;
		pending_free(p);
		if (c->st == MC_CCM_RECONF && !pending_has(c, CP_MSG_RECONF_REQ, -1))
			go_active(c, now_ms);
		else
			update_paths(c);
		return;
	}
	if (p != NULL && p->type == CP_MSG_SESSION_TERMINATION_REQ) {
		pending_free(p);
		finish(c, MC_CCM_FAILED, reason);
		return;
	}
	if (p != NULL || strcmp(e->field, "unique_session_id") == 0 ||
	    strcmp(e->message_type, "mx_capability_ack") == 0 ||
	    strcmp(e->message_type, "mx_up_setup_cnf") == 0 || c->st < MC_CCM_ACTIVE) {
		/* A request of the bring-up, or the session itself: nothing to go on with. */
		if (p != NULL)
			pending_free(p);
		logf_(c, MC_LOG_ERR, "%s", reason);
		c->has_usid = c->has_usid && strcmp(e->field, "unique_session_id") != 0;
		finish(c, MC_CCM_FAILED, reason);
		return;
	}
	logf_(c, MC_LOG_ERR, "%s", reason); /* one of our answers: logged, the session goes on */
}

/* ---- Entry points ------------------------------------------------------------------- */

struct mc_ccm *mc_ccm_create(const struct mc_ccm_cfg *cfg, const struct mc_ccm_ops *ops)
{
	struct mc_ccm *c;

	if (cfg->n_ifaces == 0 || cfg->n_ifaces > MC_MAX_IFACES || ops->send == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->ops = *ops;
	c->next_seq = 1;
	for (unsigned i = 0; i < MC_MAX_IFACES; i++)
		c->ifs[i].conn_id = -1;
	return c;
}

void mc_ccm_destroy(struct mc_ccm *c)
{
	if (c == NULL)
		return;
	pending_clear(c);
	/* The IPsec shared secrets (the setup, the last messages). */
	explicit_bzero(c, sizeof(*c));
	free(c);
}

void mc_ccm_on_open(struct mc_ccm *c, uint64_t now_ms)
{
	c->open = true;
	c->last_rx_ms = now_ms;
	switch (c->st) {
	case MC_CCM_DETACHED:
		c->stt.resumes++;
		logf_(c, MC_LOG_INFO, "resuming session %u", c->usid.session_id);
		send_capability_req(c, true, now_ms);
		break;
	case MC_CCM_DONE:
	case MC_CCM_FAILED:
	case MC_CCM_TERMINATING:
	case MC_CCM_ACTIVE:
	case MC_CCM_RESUMING:
		break;
	default:
		/* A bring-up that the transport interrupted starts over. */
		pending_clear(c);
		c->has_usid = false;
		for (unsigned i = 0; i < c->cfg.n_ifaces; i++)
			c->ifs[i].setup = false;
		send_discover(c, now_ms);
		break;
	}
}

void mc_ccm_on_close(struct mc_ccm *c, uint64_t now_ms)
{
	(void)now_ms;
	c->open = false;
	pending_clear(c);
	update_pause(c);
	switch (c->st) {
	case MC_CCM_ACTIVE:
	case MC_CCM_RESUMING:
		/* The data path goes on; the NCM keeps the session for a while. */
		set_state(c, MC_CCM_DETACHED, NULL);
		break;
	case MC_CCM_TERMINATING:
		if (c->fail_reason[0] != '\0')
			finish(c, MC_CCM_FAILED, c->fail_reason);
		else
			finish(c, MC_CCM_FAILED, "the connection to the NCM closed before "
						 "mx_session_termination_rsp");
		break;
	case MC_CCM_DONE:
	case MC_CCM_FAILED:
	case MC_CCM_DETACHED:
		break;
	default:
		set_state(c, MC_CCM_IDLE, NULL);
		break;
	}
}

/* The values of "shared_secret" keys in a JSON text starred out (for logs). */
static void redact_secrets(char *t)
{
	static const char key[] = "\"shared_secret\"";
	char *p = t;

	while ((p = strstr(p, key)) != NULL) {
		p += sizeof(key) - 1;
		while (*p == ' ' || *p == ':' || *p == '\t')
			p++;
		if (*p != '"')
			continue;
		for (p++; *p != '\0' && *p != '"'; p++)
			*p = '*';
	}
}

void mc_ccm_on_text(struct mc_ccm *c, const char *text, size_t len, uint64_t now_ms)
{
	struct cp_msg_error err;

	if (cp_msg_decode(text, len, NULL, &c->in, &err) != 0) {
		c->stt.decode_errors++;
		logf_(c, MC_LOG_ERR, "undecodable message from the NCM (%s%s%s): ignored",
		      err.field, err.field[0] ? ": " : "", err.reason);
		c->last_rx_ms = now_ms;
		return;
	}
	if (c->ops.log != NULL) {
		char shown[401];
		size_t n = len > 400 ? 400 : len;

		memcpy(shown, text, n);
		shown[n] = '\0';
		redact_secrets(shown);
		logf_(c, MC_LOG_DEBUG, "<- %s", shown);
	}
	mc_ccm_on_msg(c, &c->in, now_ms);
}

/* Whether m names another session than ours. */
static bool foreign(const struct mc_ccm *c, const struct cp_msg *m)
{
	return m->has_unique_session_id && c->has_usid &&
	       (m->unique_session_id.session_id != c->usid.session_id ||
		m->unique_session_id.ncm_id != c->usid.ncm_id);
}

void mc_ccm_on_msg(struct mc_ccm *c, const struct cp_msg *m, uint64_t now_ms)
{
	struct pending *p;

	c->stt.msgs_in++;
	c->last_rx_ms = now_ms;
	if (c->st == MC_CCM_DONE || c->st == MC_CCM_FAILED)
		return;
	if (foreign(c, m) && m->type != CP_MSG_CAPABILITY_RSP) {
		c->stt.unexpected++;
		logf_(c, MC_LOG_INFO, "%s for session %u ignored (ours is %u)",
		      cp_msg_type_name(m->type), m->unique_session_id.session_id,
		      c->usid.session_id);
		return;
	}
	switch (m->type) {
	case CP_MSG_SYSTEM_INFO:
		if (c->st != MC_CCM_DISCOVER) {
			c->stt.unexpected++;
			return;
		}
		p = pending_find(c, CP_MSG_SYSTEM_INFO, m->sequence_num);
		if (p != NULL)
			pending_free(p);
		if (m->u.system_info.n_ncm_connections > 0) {
			const struct cp_ncm_connection *nc = &m->u.system_info.ncm_connections[0];

			c->has_anchor = true;
			c->anchor_conn_id = nc->connection_id;
			c->anchor_type = nc->connection_type;
			snprintf(c->anchor_type_raw, sizeof(c->anchor_type_raw), "%s",
				 nc->connection_type_raw);
			logf_(c, MC_LOG_INFO, "NCM end point %s:%u, anchor connection %u (%s)",
			      nc->ncm_end_point.ip_address, nc->ncm_end_point.port,
			      nc->connection_id, nc->connection_type_raw);
		}
		send_capability_req(c, false, now_ms);
		return;
	case CP_MSG_CAPABILITY_RSP:
		p = pending_find(c, CP_MSG_CAPABILITY_RSP, m->sequence_num);
		if (c->st == MC_CCM_CAPS && p != NULL) {
			pending_free(p);
			on_capability_rsp(c, m, now_ms);
		} else if (c->st == MC_CCM_RESUMING && p != NULL) {
			pending_free(p);
			if (foreign(c, m)) {
				fail_session(c, "the NCM resumed another session than ours", now_ms);
				return;
			}
			set_state(c, MC_CCM_ACTIVE, NULL);
			logf_(c, MC_LOG_INFO, "session %u resumed", c->usid.session_id);
			resync(c, now_ms);
		} else if (c->st == MC_CCM_SETUP_WAIT && !foreign(c, m)) {
			send_capability_ack(c, m->sequence_num, true); /* our ACK was lost */
		} else {
			c->stt.unexpected++;
		}
		return;
	case CP_MSG_UP_SETUP_CONF_REQ:
		on_up_setup(c, m, now_ms);
		return;
	case CP_MSG_RECONF_RSP:
		on_reconf_rsp(c, m, now_ms);
		return;
	case CP_MSG_TRAFFIC_STEERING_REQ:
		if (!c->has_usid) {
			c->stt.unexpected++;
			return;
		}
		on_steering(c, m, now_ms);
		return;
	case CP_MSG_KEEP_ALIVE_REQ:
		if (!c->has_usid) {
			c->stt.unexpected++;
			return;
		}
		c->stt.keep_alives_rx++;
		begin(c, CP_MSG_KEEP_ALIVE_RSP, m->sequence_num);
		send_out(c, false, -1, false, now_ms);
		return;
	case CP_MSG_KEEP_ALIVE_RSP:
		p = pending_find(c, CP_MSG_KEEP_ALIVE_RSP, m->sequence_num);
		if (p == NULL) {
			c->stt.unexpected++;
			return;
		}
		pending_free(p);
		update_pause(c);
		return;
	case CP_MSG_MEASUREMENT_CONF:
		on_measurement_conf(c, m, now_ms);
		return;
	case CP_MSG_PATH_EST_REQ:
		on_path_est(c, m, now_ms);
		return;
	case CP_MSG_SSID_INDICATION:
		for (unsigned i = 0; i < m->u.ssid_indication.n_ssid_list; i++)
			logf_(c, MC_LOG_INFO, "the operator's Wi-Fi: %s %s",
			      m->u.ssid_indication.ssid_list[i].ssid_type_raw,
			      m->u.ssid_indication.ssid_list[i].ssid_id);
		return;
	case CP_MSG_SESSION_TERMINATION_REQ: {
		char reason[160];

		begin(c, CP_MSG_SESSION_TERMINATION_RSP, m->sequence_num);
		send_out(c, false, -1, false, now_ms);
		snprintf(reason, sizeof(reason), "session terminated by the NCM (%s)",
			 m->u.session_termination_req.reason_raw[0]
				 ? m->u.session_termination_req.reason_raw
				 : cp_term_reason_name(m->u.session_termination_req.reason));
		logf_(c, MC_LOG_INFO, "%s", reason);
		finish(c, MC_CCM_DONE, reason);
		return;
	}
	case CP_MSG_SESSION_TERMINATION_RSP:
		p = pending_find(c, CP_MSG_SESSION_TERMINATION_RSP, m->sequence_num);
		if (c->st != MC_CCM_TERMINATING || p == NULL) {
			c->stt.unexpected++;
			return;
		}
		pending_free(p);
		if (c->fail_reason[0] != '\0')
			finish(c, MC_CCM_FAILED, c->fail_reason);
		else
			finish(c, MC_CCM_DONE, "session terminated");
		return;
	case CP_MSG_ERROR:
		on_error(c, m, now_ms);
		return;
	default:
		/* Requests of the CCM's own, answers we never asked for. */
		c->stt.unexpected++;
		logf_(c, MC_LOG_INFO, "%s from the NCM ignored", cp_msg_type_name(m->type));
		return;
	}
}

void mc_ccm_iface(struct mc_ccm *c, unsigned i, const struct mc_iface_obs *o, uint64_t now_ms)
{
	struct ifstate *f;
	struct mc_iface_obs prev;
	bool first;

	if (i >= c->cfg.n_ifaces)
		return;
	f = &c->ifs[i];
	prev = f->obs;
	first = !f->observed;
	f->obs = *o;
	f->observed = true;
	if (first || c->st != MC_CCM_ACTIVE || f->conn_id < 0) {
		/* Synchronised when the session becomes (or is again) active. */
		update_paths(c);
		return;
	}
	if (prev.up && !o->up) {
		/* Gone: released at once, also when a setup is still unanswered. */
		if (f->setup || pending_has(c, CP_MSG_RECONF_REQ, (int)i))
			send_reconf(c, i, CP_RECONF_RELEASE, now_ms);
	} else if (!prev.up && o->up) {
		/* Back: set up again, and a handover keep-alive (RFC 8743 8.3.2). */
		send_reconf(c, i, CP_RECONF_SETUP, now_ms);
		send_handover(c, i, now_ms);
	} else if (o->up && (o->ipv4 != f->told_ip || strcmp(node_id(c, i), f->told_node) != 0)) {
		/* A new address or another access point: a handover. */
		send_reconf(c, i, f->setup ? CP_RECONF_UPDATE : CP_RECONF_SETUP, now_ms);
		send_handover(c, i, now_ms);
	} else if (o->up && o->mtu != f->told_mtu && f->setup) {
		send_reconf(c, i, CP_RECONF_UPDATE, now_ms);
	}
	update_paths(c);
}

void mc_ccm_set_port(struct mc_ccm *c, unsigned i, uint16_t port, uint64_t now_ms)
{
	(void)now_ms;
	if (i >= c->cfg.n_ifaces || c->cfg.udp_port[i] == port)
		return;
	c->cfg.udp_port[i] = port;
	/* The NCM learns client ports from the UP setup confirmation only. */
	if (c->st == MC_CCM_ACTIVE && c->open)
		send_up_setup_cnf(c);
}

void mc_ccm_terminate(struct mc_ccm *c, uint64_t now_ms)
{
	switch (c->st) {
	case MC_CCM_DONE:
	case MC_CCM_FAILED:
	case MC_CCM_TERMINATING:
		return;
	default:
		break;
	}
	if (c->has_usid && c->open) {
		pending_clear(c);
		update_pause(c);
		send_termination(c, CP_TERM_MX_NORMAL_RELEASE, now_ms);
		return;
	}
	finish(c, MC_CCM_DONE, c->has_usid ? "ended without telling the NCM (no connection)"
					   : "ended before a session was set up");
}

void mc_ccm_tick(struct mc_ccm *c, uint64_t now_ms)
{
	if (c->st == MC_CCM_DONE || c->st == MC_CCM_FAILED || !c->open)
		return;
	for (unsigned i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &c->pend[i];
		int rc;

		if (!p->used || now_ms - p->sent_ms < c->cfg.timeout_ms)
			continue;
		if (p->tries >= c->cfg.retries) {
			char reason[200];

			snprintf(reason, sizeof(reason), "no answer to %s after %u retransmission%s",
				 cp_msg_type_name(p->type), c->cfg.retries,
				 c->cfg.retries == 1 ? "" : "s");
			if (p->type == CP_MSG_SESSION_TERMINATION_REQ && c->fail_reason[0] != '\0') {
				char both[sizeof(c->fail_reason) + 240];

				snprintf(both, sizeof(both), "%s (then %s)", c->fail_reason, reason);
				finish(c, MC_CCM_FAILED, both);
			} else {
				finish(c, MC_CCM_FAILED, reason);
			}
			return;
		}
		p->tries++;
		p->sent_ms = now_ms;
		c->stt.retransmits++;
		rc = c->ops.send(c->ops.opaque, p->text, p->len);
		if (rc == 0)
			c->stt.msgs_out++;
		logf_(c, MC_LOG_INFO, "%s %u retransmitted (%u/%u)", cp_msg_type_name(p->type),
		      p->seq, p->tries, c->cfg.retries);
	}
	if (c->st == MC_CCM_SETUP_WAIT && now_ms >= c->state_deadline) {
		fail_session(c, "no mx_up_setup_conf_req from the NCM after MX_ACCEPT", now_ms);
		return;
	}
	if (c->st != MC_CCM_ACTIVE)
		return;
	if (now_ms - c->last_rx_ms >= c->cfg.keep_alive_ms &&
	    !pending_has(c, CP_MSG_KEEP_ALIVE_REQ, -1)) {
		begin(c, CP_MSG_KEEP_ALIVE_REQ, next_seq(c));
		c->out.u.keep_alive_req.keep_alive_reason = CP_KEEP_ALIVE_TIMEOUT;
		c->stt.keep_alives_tx++;
		send_out(c, true, -1, false, now_ms);
	}
	reports_due(c, now_ms);
	path_est_due(c, now_ms);
}

uint64_t mc_ccm_next_deadline(const struct mc_ccm *c)
{
	uint64_t t = UINT64_MAX;

	if (c->st == MC_CCM_DONE || c->st == MC_CCM_FAILED || !c->open)
		return t;
	for (unsigned i = 0; i < MAX_PENDING; i++)
		if (c->pend[i].used && c->pend[i].sent_ms + c->cfg.timeout_ms < t)
			t = c->pend[i].sent_ms + c->cfg.timeout_ms;
	if (c->st == MC_CCM_SETUP_WAIT && c->state_deadline < t)
		t = c->state_deadline;
	if (c->st != MC_CCM_ACTIVE)
		return t;
	/* A keep-alive already on its way: its retransmission timer counts. */
	if (!pending_has(c, CP_MSG_KEEP_ALIVE_REQ, -1) && c->last_rx_ms + c->cfg.keep_alive_ms < t)
		t = c->last_rx_ms + c->cfg.keep_alive_ms;
	for (unsigned i = 0; i < c->cfg.n_ifaces; i++) {
		if (c->ifs[i].meas && c->ifs[i].next_report_ms < t)
			t = c->ifs[i].next_report_ms;
		if (c->ifs[i].est_phase != 0 && c->ifs[i].est_end_ms < t)
			t = c->ifs[i].est_end_ms;
	}
	return t;
}

enum mc_ccm_state mc_ccm_state(const struct mc_ccm *c)
{
	return c->st;
}

const char *mc_ccm_reason(const struct mc_ccm *c)
{
	return c->reason;
}

bool mc_ccm_finished(const struct mc_ccm *c)
{
	return c->st == MC_CCM_DONE || c->st == MC_CCM_FAILED;
}

uint32_t mc_ccm_session_id(const struct mc_ccm *c)
{
	return c->has_usid ? c->usid.session_id : 0;
}

int mc_ccm_conn_id(const struct mc_ccm *c, unsigned i)
{
	return i < c->cfg.n_ifaces ? c->ifs[i].conn_id : -1;
}

bool mc_ccm_path_setup(const struct mc_ccm *c, unsigned i)
{
	return i < c->cfg.n_ifaces && c->ifs[i].setup;
}

void mc_ccm_stats(const struct mc_ccm *c, struct mc_ccm_stats *out)
{
	*out = c->stt;
}
