/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics: the Prometheus text exposition format 0.0.4 of every
 * counter and gauge (docs/rest.md lists them).  Names start with mamsgw_,
 * counters end in _total; labels: port, worker, session, path (the
 * delivery connection's access port), reason (drop reason), and flow for
 * the per-flow uplink receiver counters.  The values
 * are read the same way as GET /v1/stats and GET /v1/sessions/{id}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_rest_int.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		char *nb = realloc(o->buf, o->cap * 2 + (size_t)n);

		if (nb == NULL) {
			o->oom = true;
			return;
		}
		o->buf = nb;
		o->cap = o->cap * 2 + (size_t)n;
	}
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values here are port names ([A-Za-z0-9_.-]), numbers and drop
 * reason names: nothing to escape. */

static void session_metrics(struct cp_rest *r, struct out *o, const uint32_t *ids, unsigned n)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "mamsgw_session_dl_packets_total", "counter", "Downlink packets of the session" },
		{ "mamsgw_session_dl_bytes_total", "counter", "Downlink bytes of the session" },
		{ "mamsgw_session_ul_packets_total", "counter", "Uplink packets of the session" },
		{ "mamsgw_session_ul_bytes_total", "counter", "Uplink bytes of the session" },
		{ "mamsgw_session_drops_total", "counter", "Packets of the session dropped, by reason (non-zero only)" },
		{ "mamsgw_path_up", "gauge", "1 when the delivery connection is up" },
		{ "mamsgw_path_mtu_bytes", "gauge", "Path MTU of the delivery connection" },
		{ "mamsgw_path_tx_packets_total", "counter", "Downlink PDUs sent on the path" },
		{ "mamsgw_path_tx_bytes_total", "counter", "Downlink bytes sent on the path" },
		{ "mamsgw_path_rx_packets_total", "counter", "Uplink PDUs received on the path" },
		{ "mamsgw_path_rx_bytes_total", "counter", "Uplink bytes received on the path" },
		{ "mamsgw_path_lost_total", "counter", "Uplink PDUs missing by Delivery SN gaps" },
		{ "mamsgw_path_rtt_microseconds", "gauge", "Smoothed round-trip time from probes (0: none yet)" },
		{ "mamsgw_path_delay_variation_milliseconds", "gauge", "One-way delay variation" },
		{ "mamsgw_path_drops_total", "counter", "Packets of the path dropped, by reason (non-zero only)" },
		{ "mamsgw_path_probes_sent_total", "counter", "MX probes the gateway sent on the path" },
		{ "mamsgw_path_probe_acks_total", "counter", "Answers to the gateway's probes" },
		{ "mamsgw_path_keepalives_received_total", "counter", "MX keep-alives received on the path" },
		{ "mamsgw_path_probes_received_total", "counter", "MX probes received on the path" },
		{ "mamsgw_path_ul_rebound_total", "counter", "Uplink PDUs accepted from a learnt endpoint" },
	};

	for (unsigned fi = 0; fi < sizeof(fam) / sizeof(fam[0]); fi++) {
		family(o, fam[fi].name, fam[fi].type, fam[fi].help);
		for (unsigned i = 0; i < n; i++) {
			const struct dp_session_stats *s = &r->ss;
			const char *nm = fam[fi].name;

			if (dp_session_stats_read(r->dp, ids[i], &r->ss) != 0)
				continue;
			if (fi < 4) {
				uint64_t v = fi == 0 ? s->dl_pkts : fi == 1 ? s->dl_bytes
							  : fi == 2 ? s->ul_pkts : s->ul_bytes;

				put(o, "%s{session=\"%u\"} %llu\n", nm, ids[i], (unsigned long long)v);
				continue;
			}
			if (fi == 4) {
				for (unsigned d = 0; d < s->n_drops; d++)
					if (s->drops[d] != 0)
						put(o, "%s{session=\"%u\",reason=\"%s\"} %llu\n", nm, ids[i],
						    dp_drop_reason_name(d), (unsigned long long)s->drops[d]);
				continue;
			}
			for (unsigned k = 0; k < s->n_paths; k++) {
				const struct dp_path_stats *p = &s->paths[k];
				const char *path = "?";
				uint64_t v;

				/* the path's access port: from the static config or the NCM's */
				for (unsigned j = 0; j < r->dpc->n_sessions; j++)
					if (!r->static_removed[j] && r->dpc->sessions[j].id == ids[i])
						for (unsigned q = 0; q < r->dpc->sessions[j].n_paths; q++)
							if (r->dpc->sessions[j].paths[q].conn_id == p->conn_id)
								path = rest_port_name(r, r->dpc->sessions[j].paths[q].port);
				for (unsigned d = 0; d < r->ncfg->n_delivery; d++)
					if (path[0] == '?' && r->ncfg->delivery[d].connection_id == p->conn_id)
						path = rest_port_name(r, r->ncfg->delivery[d].port);
				if (fi >= 15) {
					v = fi == 15 ? p->probes_sent : fi == 16 ? p->probe_acks
					  : fi == 17 ? p->keepalives : fi == 18 ? p->probes : p->ul_rebound;
					put(o, "%s{session=\"%u\",path=\"%s\"} %llu\n", nm, ids[i], path,
					    (unsigned long long)v);
					continue;
				}
				if (fi == 14) {
					for (unsigned d = 0; d < s->n_drops; d++)
						if (p->drops[d] != 0)
							put(o, "%s{session=\"%u\",path=\"%s\",reason=\"%s\"} %llu\n",
							    nm, ids[i], path, dp_drop_reason_name(d),
							    (unsigned long long)p->drops[d]);
					continue;
				}
				v = fi == 5 ? p->up : fi == 6 ? p->mtu : fi == 7 ? p->tx_pkts
				  : fi == 8 ? p->tx_bytes : fi == 9 ? p->rx_pkts : fi == 10 ? p->rx_bytes
				  : fi == 11 ? p->lost : fi == 12 ? p->rtt_us : p->owd_jitter_ms;
				put(o, "%s{session=\"%u\",path=\"%s\"} %llu\n", nm, ids[i], path,
				    (unsigned long long)v);
			}
		}
	}
}

static void flow_metrics(struct cp_rest *r, struct out *o, const uint32_t *ids, unsigned n)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		{ "mamsgw_flow_in_order_total", "counter", "Uplink packets delivered in order" },
		{ "mamsgw_flow_reordered_total", "counter", "Uplink packets put back in order" },
		{ "mamsgw_flow_late_total", "counter", "Uplink packets arriving after their gap was given up" },
		{ "mamsgw_flow_duplicate_total", "counter", "Uplink duplicates" },
		{ "mamsgw_flow_timed_out_total", "counter", "Reorder gaps given up after the timeout" },
		{ "mamsgw_flow_early_total", "counter", "Uplink packets too far ahead of the window" },
		{ "mamsgw_flow_overflow_total", "counter", "Packets released by a full reorder window" },
		{ "mamsgw_flow_stale_total", "counter", "Uplink packets too old for the window" },
		{ "mamsgw_flow_held", "gauge", "Packets waiting in the reorder window now" },
		{ "mamsgw_flow_frag_completed_total", "counter", "Uplink SDUs reassembled" },
		{ "mamsgw_flow_frag_lost_total", "counter", "Uplink SDUs whose fragments never all came" },
	};

	for (unsigned fi = 0; fi < sizeof(fam) / sizeof(fam[0]); fi++) {
		family(o, fam[fi].name, fam[fi].type, fam[fi].help);
		for (unsigned i = 0; i < n; i++) {
			if (dp_session_stats_read(r->dp, ids[i], &r->ss) != 0)
				continue;
			for (unsigned k = 0; k < r->ss.n_flows; k++) {
				const struct dp_flow_stats *f = &r->ss.flows[k];
				uint64_t v = fi == 0 ? f->in_order : fi == 1 ? f->reordered
					   : fi == 2 ? f->late : fi == 3 ? f->duplicate
					   : fi == 4 ? f->timed_out : fi == 5 ? f->early
					   : fi == 6 ? f->overflow : fi == 7 ? f->stale
					   : fi == 8 ? f->held : fi == 9 ? f->frag_completed
					   : f->frag_lost;

				put(o, "%s{session=\"%u\",flow=\"%u\"} %llu\n", fam[fi].name, ids[i],
				    f->flow_id, (unsigned long long)v);
			}
		}
	}
}

static void ws_metrics(struct cp_rest *r, struct out *o)
{
	struct cp_ws_stats w;

	if (r->ws_stats == NULL)
		return;
	r->ws_stats(r->ws_opaque, &w);
	family(o, "mamsgw_ws_open", "gauge", "NCM WebSocket connections open");
	put(o, "mamsgw_ws_open %llu\n", (unsigned long long)w.open);
#define WS_FAM(field, help)                                                              \
	family(o, "mamsgw_ws_" #field "_total", "counter", help);                       \
	put(o, "mamsgw_ws_" #field "_total %llu\n", (unsigned long long)w.field);
	WS_FAM(accepted, "WebSocket connections opened")
	WS_FAM(refused_auth, "Upgrades refused for the token (HTTP 401)")
	WS_FAM(refused_full, "Upgrades refused for max_conns (HTTP 503)")
	WS_FAM(refused_other, "Other refusals: subprotocol, plain HTTP")
	WS_FAM(tls_failed, "Fatal TLS alerts sent")
	WS_FAM(msgs_in, "WebSocket text messages received")
	WS_FAM(msgs_out, "WebSocket text messages sent")
	WS_FAM(too_big, "Connections closed with 1009")
	WS_FAM(binary_refused, "Connections closed with 1003")
	WS_FAM(bad_utf8, "Connections closed with 1007")
	WS_FAM(closed, "WebSocket connections closed")
#undef WS_FAM
}

int rest_metrics(struct cp_rest *r, struct rest_call *c)
{
	struct out o = { .cap = 16384 };
	struct dp_stats *st = &r->st;
	struct cp_ncm_stats n;
	uint32_t *ids;
	unsigned n_ids = 0, total = 0;

	o.buf = malloc(o.cap);
	if (o.buf == NULL)
		return rest_error(c->resp, 500, "", "out of memory");
	memset(&n, 0, sizeof(n));
	if (r->ncm != NULL)
		cp_ncm_stats(r->ncm, &n);
	dp_stats_read(r->dp, st);

	family(&o, "mamsgw_up", "gauge", "1: the gateway answers");
	put(&o, "mamsgw_up 1\n");
	family(&o, "mamsgw_uptime_seconds", "gauge", "Seconds since the REST shim started");
	put(&o, "mamsgw_uptime_seconds %llu\n",
	    (unsigned long long)((c->req->now_ms - r->start_ms) / 1000u));
	family(&o, "mamsgw_workers", "gauge", "Data-plane workers");
	put(&o, "mamsgw_workers %u\n", st->n_workers);
	family(&o, "mamsgw_sessions", "gauge", "Sessions in the data plane");
	put(&o, "mamsgw_sessions %u\n", st->n_sessions);

#define PORT_FAM(fam_, field_, help_)                                                  \
	family(&o, fam_, "counter", help_);                                              \
	for (unsigned p = 0; p < st->n_ports; p++)                                       \
		put(&o, fam_ "{port=\"%s\"} %llu\n", st->ports[p].name,                  \
		    (unsigned long long)st->ports[p].field_);
	PORT_FAM("mamsgw_port_rx_packets_total", rx_pkts, "Packets received on the port")
	PORT_FAM("mamsgw_port_rx_bytes_total", rx_bytes, "Bytes received on the port")
	PORT_FAM("mamsgw_port_tx_packets_total", tx_pkts, "Packets sent on the port")
	PORT_FAM("mamsgw_port_tx_bytes_total", tx_bytes, "Bytes sent on the port")
#undef PORT_FAM
	family(&o, "mamsgw_port_drops_total", "counter",
	       "Packets dropped, by port (input; TX full: output) and reason");
	for (unsigned p = 0; p < st->n_ports; p++)
		for (unsigned d = 0; d < st->n_drops; d++)
			put(&o, "mamsgw_port_drops_total{port=\"%s\",reason=\"%s\"} %llu\n",
			    st->ports[p].name, dp_drop_reason_name(d),
			    (unsigned long long)st->port_drops[p][d]);
	family(&o, "mamsgw_drops_total", "counter", "Packets dropped, by reason, summed over workers");
	for (unsigned d = 0; d < st->n_drops; d++)
		put(&o, "mamsgw_drops_total{reason=\"%s\"} %llu\n", dp_drop_reason_name(d),
		    (unsigned long long)st->drops[d]);

#define WORKER_FAM(name, field, help)                                                    \
	family(&o, name, "counter", help);                                               \
	for (unsigned w = 0; w < st->n_workers; w++)                                     \
		put(&o, name "{worker=\"%u\"} %llu\n", w,                               \
		    (unsigned long long)st->workers[w].field);
	WORKER_FAM("mamsgw_worker_rx_packets_total", rx_pkts, "Packets the worker received")
	WORKER_FAM("mamsgw_worker_tx_packets_total", tx_pkts, "Packets the worker sent")
	WORKER_FAM("mamsgw_worker_drops_total", drops, "Packets the worker dropped")
	WORKER_FAM("mamsgw_worker_handoff_out_total", handoff_out, "Packets handed to other workers")
	WORKER_FAM("mamsgw_worker_handoff_in_total", handoff_in, "Packets taken from other workers")
	WORKER_FAM("mamsgw_worker_loops_total", loops, "Iterations of the poll loop")
#undef WORKER_FAM

	family(&o, "mamsgw_worker_rebind_notices_total", "counter",
	       "Learnt uplink endpoints the worker sent to the control thread");
	for (unsigned w = 0; w < st->n_workers; w++)
		put(&o, "mamsgw_worker_rebind_notices_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st->workers[w].rebind_notices);
	family(&o, "mamsgw_worker_rebind_ring_full_total", "counter",
	       "Learnt endpoints not sent: the notice ring was full");
	for (unsigned w = 0; w < st->n_workers; w++)
		put(&o, "mamsgw_worker_rebind_ring_full_total{worker=\"%u\"} %llu\n", w,
		    (unsigned long long)st->workers[w].rebind_ring_full);
	family(&o, "mamsgw_rebinds_applied_total", "counter", "Sessions republished with a learnt endpoint");
	put(&o, "mamsgw_rebinds_applied_total %llu\n", (unsigned long long)st->rebinds_applied);
	family(&o, "mamsgw_rebinds_refused_total", "counter", "Learnt endpoints refused (used by another path)");
	put(&o, "mamsgw_rebinds_refused_total %llu\n", (unsigned long long)st->rebinds_refused);
	family(&o, "mamsgw_rebinds_stale_total", "counter", "Learnt endpoints with nothing to do");
	put(&o, "mamsgw_rebinds_stale_total %llu\n", (unsigned long long)st->rebinds_stale);

	family(&o, "mamsgw_ncm_sessions", "gauge", "NCM sessions");
	put(&o, "mamsgw_ncm_sessions %u\n", n.sessions);
	family(&o, "mamsgw_ncm_connections", "gauge", "NCM WebSocket connections");
	put(&o, "mamsgw_ncm_connections %u\n", n.conns);
#define NCM_FAM(field, help)                                                             \
	family(&o, "mamsgw_ncm_" #field "_total", "counter", help);                     \
	put(&o, "mamsgw_ncm_" #field "_total %llu\n", (unsigned long long)n.field);
	NCM_FAM(msgs_in, "MAMS messages received")
	NCM_FAM(msgs_out, "MAMS messages sent")
	NCM_FAM(decode_errors, "Messages answered with mx_error")
	NCM_FAM(protocol_closes, "Connections closed for what they sent")
	NCM_FAM(unexpected, "Messages refused in the session's state")
	NCM_FAM(sessions_created, "Sessions created")
	NCM_FAM(sessions_resumed, "Sessions resumed")
	NCM_FAM(sessions_removed, "Sessions removed")
	NCM_FAM(rejected, "Capability requests rejected")
	NCM_FAM(retransmits, "Requests retransmitted")
	NCM_FAM(peers_dead, "Sessions removed after MAMS_RETRY retransmissions")
	NCM_FAM(detach_expired, "Sessions removed after their WebSocket stayed closed")
	NCM_FAM(steering_changes, "Traffic steering requests sent")
	NCM_FAM(dp_errors, "Data-plane API calls that failed")
	NCM_FAM(ipsec_rekeys, "IPsec rekeys: new secrets sent to active sessions")
	NCM_FAM(ipsec_spi_redraws, "IPsec secrets drawn again because their inbound SPI was in use")
	NCM_FAM(ipsec_errors, "IPsec keys not made or refused by the data plane")
	NCM_FAM(ipsec_not_offered, "IPsec connections not offered: the CCM does not support IPsec")
#undef NCM_FAM

	ids = calloc(st->n_sessions + 16u, sizeof(*ids));
	if (ids != NULL) {
		dp_sessions_list(r->dp, ids, st->n_sessions + 16u, &total);
		n_ids = total < st->n_sessions + 16u ? total : st->n_sessions + 16u;
		session_metrics(r, &o, ids, n_ids);
		flow_metrics(r, &o, ids, n_ids);
		free(ids);
	} else {
		o.oom = true;
	}
	ws_metrics(r, &o);
	if (o.oom) {
		free(o.buf);
		return rest_error(c->resp, 500, "", "out of memory");
	}
	c->resp->status = 200;
	c->resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	c->resp->body = o.buf;
	c->resp->len = o.len;
	return 0;
}
