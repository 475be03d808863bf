/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: per worker, summed on read (no atomics on the fast path), shown
 * at exit and through rte_telemetry: /mamsgw/stats (per port), /mamsgw/drops
 * (per reason), /mamsgw/workers, /mamsgw/sessions, /mamsgw/session,<id>
 * (per path and flow).  Readable with dpdk-telemetry.py.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "dp.h"

static const char *const drop_names[] = {
#define DP_DROP_NAME_(n, t) #n,
	DP_DROPS(DP_DROP_NAME_)
#undef DP_DROP_NAME_
};
static const char *const drop_texts[] = {
#define DP_DROP_TEXT_(n, t) t,
	DP_DROPS(DP_DROP_TEXT_)
#undef DP_DROP_TEXT_
};

static char lower_names[DP_DROP_MAX][40];

static void names_init(void)
{
	if (lower_names[0][0] != '\0')
		return;
	for (unsigned r = 0; r < DP_DROP_MAX; r++) {
		char *o = lower_names[r];

		if (r < DP_DROP_GMA_BASE_)
			snprintf(o, sizeof(lower_names[r]), "%s", drop_names[r]);
		else if (r >= DP_DROP_ESP_BASE_)
			snprintf(o, sizeof(lower_names[r]), "%s", esp_err_name(r - DP_DROP_ESP_BASE_));
		else
			snprintf(o, sizeof(lower_names[r]), "gma_%s", gma_errname((int)(r - DP_DROP_GMA_BASE_)));
		for (; *o; o++)
			*o = (char)tolower((unsigned char)*o);
	}
}

const char *dp_drop_name(unsigned reason)
{
	names_init();
	return reason < DP_DROP_MAX ? lower_names[reason] : "unknown";
}

const char *dp_drop_text(unsigned reason)
{
	if (reason < DP_DROP_GMA_BASE_)
		return drop_texts[reason];
	if (reason >= DP_DROP_ESP_BASE_)
		return reason < DP_DROP_MAX ? "ESP (docs/ipsec.md, failure reasons)" : "unknown";
	return gma_strerror((int)(reason - DP_DROP_GMA_BASE_));
}

void dp_stats_sum(const struct dp_ctx *dp, struct dp_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < dp->n_workers; w++) {
		const struct dp_worker_stats *s = &dp->workers[w]->stats;

		for (unsigned r = 0; r < DP_DROP_MAX; r++) {
			out->drops[r] += s->drops[r];
			for (unsigned p = 0; p < DP_MAX_PORTS; p++)
				out->port_drops[p][r] += s->port_drops[p][r];
		}
		for (unsigned p = 0; p < DP_MAX_PORTS; p++) {
			out->rx_pkts[p] += s->rx_pkts[p];
			out->rx_bytes[p] += s->rx_bytes[p];
			out->tx_pkts[p] += s->tx_pkts[p];
			out->tx_bytes[p] += s->tx_bytes[p];
		}
		out->handoff_in += s->handoff_in;
		out->handoff_out += s->handoff_out;
		out->loops += s->loops;
		out->rebind_notices += s->rebind_notices;
		out->rebind_ring_full += s->rebind_ring_full;
#define SUM_(f) out->f += s->f
		SUM_(arp_requests_in);
		SUM_(arp_replies_out);
		SUM_(arp_replies_in);
		SUM_(arp_requests_out);
		SUM_(garps_out);
		SUM_(arp_notes);
		SUM_(arp_note_full);
		SUM_(arp_waited);
		SUM_(arp_released);
		SUM_(icmp_echo_in);
		SUM_(icmp_echo_out);
#undef SUM_
	}
}

void dp_stats_print(const struct dp_ctx *dp, FILE *f)
{
	struct dp_worker_stats t;

	dp_stats_sum(dp, &t);
	fprintf(f, "port            rx_pkts    rx_bytes    tx_pkts    tx_bytes\n");
	for (unsigned p = 0; p < dp->cfg.n_ports; p++)
		fprintf(f, "%-12s %10lu %11lu %10lu %11lu\n", dp->cfg.ports[p].name,
			(unsigned long)t.rx_pkts[p], (unsigned long)t.rx_bytes[p],
			(unsigned long)t.tx_pkts[p], (unsigned long)t.tx_bytes[p]);
	fprintf(f, "handoffs %lu\n", (unsigned long)t.handoff_out);
	fprintf(f, "rebinds notices %lu ring_full %lu applied %lu refused %lu stale %lu\n",
		(unsigned long)t.rebind_notices, (unsigned long)t.rebind_ring_full,
		(unsigned long)dp->rebinds_applied, (unsigned long)dp->rebinds_refused,
		(unsigned long)dp->rebinds_stale);
	fprintf(f, "arp requests_in %lu replies_out %lu replies_in %lu requests_out %lu garps %lu "
		   "notes %lu note_full %lu waited %lu released %lu\n",
		(unsigned long)t.arp_requests_in, (unsigned long)t.arp_replies_out,
		(unsigned long)t.arp_replies_in, (unsigned long)t.arp_requests_out,
		(unsigned long)t.garps_out, (unsigned long)t.arp_notes,
		(unsigned long)t.arp_note_full, (unsigned long)t.arp_waited,
		(unsigned long)t.arp_released);
	fprintf(f, "neighbors learnt %lu updated %lu expired %lu refreshes %lu table_full %lu\n",
		(unsigned long)dp->neigh_learnt, (unsigned long)dp->neigh_updated,
		(unsigned long)dp->neigh_expired, (unsigned long)dp->neigh_refreshes,
		(unsigned long)dp->neigh_table_full);
	fprintf(f, "icmp echo_in %lu echo_out %lu\n", (unsigned long)t.icmp_echo_in,
		(unsigned long)t.icmp_echo_out);
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		if (t.drops[r] != 0)
			fprintf(f, "drop %-22s %10lu  (%s)\n", dp_drop_name(r), (unsigned long)t.drops[r],
				dp_drop_text(r));
}

static struct dp_ctx *tel_dp;

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_worker_stats t;
	char key[64];

	(void)cmd;
	(void)params;
	dp_stats_sum(tel_dp, &t);
	rte_tel_data_start_dict(d);
	for (unsigned p = 0; p < tel_dp->cfg.n_ports; p++) {
		const char *n = tel_dp->cfg.ports[p].name;

		snprintf(key, sizeof(key), "%s_rx_pkts", n);
		rte_tel_data_add_dict_u64(d, key, t.rx_pkts[p]);
		snprintf(key, sizeof(key), "%s_tx_pkts", n);
		rte_tel_data_add_dict_u64(d, key, t.tx_pkts[p]);
		snprintf(key, sizeof(key), "%s_rx_bytes", n);
		rte_tel_data_add_dict_u64(d, key, t.rx_bytes[p]);
		snprintf(key, sizeof(key), "%s_tx_bytes", n);
		rte_tel_data_add_dict_u64(d, key, t.tx_bytes[p]);
		uint64_t pd = 0;
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			pd += t.port_drops[p][r];
		snprintf(key, sizeof(key), "%s_drops", n);
		rte_tel_data_add_dict_u64(d, key, pd);
	}
	rte_tel_data_add_dict_u64(d, "handoffs", t.handoff_out);
	rte_tel_data_add_dict_u64(d, "rebind_notices", t.rebind_notices);
	rte_tel_data_add_dict_u64(d, "rebind_ring_full", t.rebind_ring_full);
#define TEL_S_(f) rte_tel_data_add_dict_u64(d, #f, t.f)
	TEL_S_(arp_requests_in);
	TEL_S_(arp_replies_out);
	TEL_S_(arp_replies_in);
	TEL_S_(arp_requests_out);
	TEL_S_(garps_out);
	TEL_S_(arp_notes);
	TEL_S_(arp_note_full);
	TEL_S_(arp_waited);
	TEL_S_(arp_released);
	TEL_S_(icmp_echo_in);
	TEL_S_(icmp_echo_out);
#undef TEL_S_
	pthread_mutex_lock(&tel_dp->ctl_lock);
	rte_tel_data_add_dict_u64(d, "neigh_learnt", tel_dp->neigh_learnt);
	rte_tel_data_add_dict_u64(d, "neigh_updated", tel_dp->neigh_updated);
	rte_tel_data_add_dict_u64(d, "neigh_expired", tel_dp->neigh_expired);
	rte_tel_data_add_dict_u64(d, "neigh_refreshes", tel_dp->neigh_refreshes);
	rte_tel_data_add_dict_u64(d, "neigh_table_full", tel_dp->neigh_table_full);
	rte_tel_data_add_dict_u64(d, "rebinds_applied", tel_dp->rebinds_applied);
	rte_tel_data_add_dict_u64(d, "rebinds_refused", tel_dp->rebinds_refused);
	rte_tel_data_add_dict_u64(d, "rebinds_stale", tel_dp->rebinds_stale);
	pthread_mutex_unlock(&tel_dp->ctl_lock);
	return 0;
}

static int tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_worker_stats t;

	(void)cmd;
	(void)params;
	dp_stats_sum(tel_dp, &t);
	rte_tel_data_start_dict(d);
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		rte_tel_data_add_dict_u64(d, dp_drop_name(r), t.drops[r]);
	return 0;
}

static int tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_stats st;
	char key[64];

	(void)cmd;
	(void)params;
	dp_stats_read(tel_dp, &st);
	rte_tel_data_start_dict(d);
	for (unsigned w = 0; w < st.n_workers; w++) {
		const struct dp_worker_counters *c = &st.workers[w];

#define TEL_W_(field)                                                                      \
	do {                                                                               \
		snprintf(key, sizeof(key), "w%u_" #field, w);                              \
		rte_tel_data_add_dict_u64(d, key, c->field);                               \
	} while (0)
		TEL_W_(rx_pkts);
		TEL_W_(tx_pkts);
		TEL_W_(drops);
		TEL_W_(handoff_out);
		TEL_W_(handoff_in);
		TEL_W_(loops);
		TEL_W_(rebind_notices);
		TEL_W_(rebind_ring_full);
#undef TEL_W_
	}
	return 0;
}

static int tel_sessions(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint32_t ids[256];
	unsigned total = 0;

	(void)cmd;
	(void)params;
	dp_sessions_list(tel_dp, ids, RTE_DIM(ids), &total);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned i = 0; i < total && i < RTE_DIM(ids); i++)
		rte_tel_data_add_array_int(d, (int)ids[i]);
	return 0;
}

/* /mamsgw/session,<id>: counters, per path and per flow, flat keys. */
static int tel_session(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_session_stats ss;
	char key[64], *end;
	unsigned long id;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || id == 0 || id > UINT32_MAX ||
	    dp_session_stats_read(tel_dp, (uint32_t)id, &ss) < 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "id", ss.id);
	rte_tel_data_add_dict_u64(d, "owner", ss.owner);
	rte_tel_data_add_dict_u64(d, "dl_pkts", ss.dl_pkts);
	rte_tel_data_add_dict_u64(d, "dl_bytes", ss.dl_bytes);
	rte_tel_data_add_dict_u64(d, "ul_pkts", ss.ul_pkts);
	rte_tel_data_add_dict_u64(d, "ul_bytes", ss.ul_bytes);
	for (unsigned r = 0; r < ss.n_drops; r++) {
		if (ss.drops[r] == 0)
			continue;
		snprintf(key, sizeof(key), "drop_%s", dp_drop_name(r));
		rte_tel_data_add_dict_u64(d, key, ss.drops[r]);
	}
	for (unsigned i = 0; i < ss.n_paths; i++) {
		const struct dp_path_stats *p = &ss.paths[i];

#define TEL_P_(field, val)                                                                 \
	do {                                                                               \
		snprintf(key, sizeof(key), "path%u_" #field, p->conn_id);                  \
		rte_tel_data_add_dict_u64(d, key, (val));                                  \
	} while (0)
		TEL_P_(up, p->up);
		TEL_P_(mtu, p->mtu);
		TEL_P_(tx_pkts, p->tx_pkts);
		TEL_P_(rx_pkts, p->rx_pkts);
		TEL_P_(lost, p->lost);
		TEL_P_(owd_jitter_ms, p->owd_jitter_ms);
		TEL_P_(rtt_us, p->rtt_us);
		TEL_P_(probes_sent, p->probes_sent);
		TEL_P_(probe_acks, p->probe_acks);
		uint64_t pd = 0;
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			pd += p->drops[r];
		TEL_P_(drops, pd);
		TEL_P_(keepalives, p->keepalives);
		TEL_P_(probes, p->probes);
		TEL_P_(client_port, p->client_port);
		TEL_P_(ul_rebound, p->ul_rebound);
		TEL_P_(esp_spi_out, p->esp_spi_out);
		TEL_P_(esp_spi_in, p->esp_spi_in);
		TEL_P_(esp_spi_in_prev, p->esp_spi_in_prev);
#undef TEL_P_
	}
	for (unsigned i = 0; i < ss.n_flows; i++) {
		const struct dp_flow_stats *f = &ss.flows[i];

#define TEL_F_(field)                                                                      \
	do {                                                                               \
		snprintf(key, sizeof(key), "flow%u_" #field, f->flow_id);                  \
		rte_tel_data_add_dict_u64(d, key, f->field);                               \
	} while (0)
		TEL_F_(in_order);
		TEL_F_(reordered);
		TEL_F_(late);
		TEL_F_(duplicate);
		TEL_F_(timed_out);
		TEL_F_(early);
		TEL_F_(held);
#undef TEL_F_
	}
	return 0;
}

/*
 * /mamsgw/neighbors: "0", "1", ... -> {ip, port, mac, state, age_ms}.
 * Numbered: telemetry refuses '.' in dictionary keys, and arrays cannot
 * hold dictionaries.
 */
static int tel_neighbors(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dp_neigh_info e[RTE_TEL_MAX_DICT_ENTRIES];
	unsigned n;

	(void)cmd;
	(void)params;
	n = dp_neigh_list(tel_dp, e, RTE_DIM(e));
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < n; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16], mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "ip", e[i].ip);
		rte_tel_data_add_dict_string(c, "port", e[i].port);
		rte_ether_format_addr(mac, sizeof(mac), &e[i].mac);
		rte_tel_data_add_dict_string(c, "mac", mac);
		rte_tel_data_add_dict_string(c, "state", e[i].state);
		rte_tel_data_add_dict_u64(c, "age_ms", e[i].age_ms);
		snprintf(key, sizeof(key), "%u", i);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
			rte_tel_data_free(c);
			return -ENOSPC;
		}
	}
	return 0;
}

int dp_telemetry_init(struct dp_ctx *dp)
{
	int rc;

	tel_dp = dp;
	names_init();
	rc = rte_telemetry_register_cmd("/mamsgw/stats", tel_stats,
					"Per-port packet and byte counters, summed over workers");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/drops", tel_drops,
						"Dropped packets by reason, summed over workers");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/workers", tel_workers,
						"Per-worker packets, drops and hand-offs");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/sessions", tel_sessions,
						"IDs of the sessions in the data plane");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/session", tel_session,
						"One session's counters per path and flow. Parameter: id");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/neighbors", tel_neighbors,
						"Neighbour table: ip, port, mac, state, age_ms");
	return rc;
}
