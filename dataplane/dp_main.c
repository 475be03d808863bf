/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw: start-up, the control loop on the main lcore, and shutdown.
 *
 *   mamsgw [EAL options] -- --config FILE [--run-ms N] [--idle-exit-ms N]
 *
 * --run-ms stops after N ms; --idle-exit-ms stops once no packet has arrived
 * for N ms (replaying pcap files).  SIGINT/SIGTERM stop it too.  Counters are
 * printed at exit.  Exit status: 0, 1 on a configuration or start-up error.
 *
 * The main lcore is the control thread: when the configuration has an
 * "ncm" section it serves the NCM's WebSocket (controlplane/cp_run.h) about
 * every millisecond, between the data plane's housekeeping calls.  The
 * NCM's sessions are readable through telemetry: /mamsgw/ncm,
 * /mamsgw/ncm/sessions and /mamsgw/ncm/session,<id>.  With a "rest" section
 * the control thread also serves the REST shim (controlplane/cp_rest.h,
 * docs/rest.md): on the NCM's libwebsockets context, or on its own without
 * an NCM.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <rte_telemetry.h>

#include "cp_config.h"
#include "cp_rest.h"
#include "cp_run.h"
#include "dp.h"

static struct dp_ctx *g_dp; /* for the signal handler only */
/* For the telemetry callbacks, which run in their own thread: they hold
 * the read lock while they use it, shutdown takes the write lock to clear it. */
static struct cp_run *g_cp;
static pthread_rwlock_t g_cp_lock = PTHREAD_RWLOCK_INITIALIZER;

/* ---- The NCM in telemetry -------------------------------------------------- */

static int tel_ncm_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct cp_ncm_stats n;
	struct cp_ws_stats w;

	(void)cmd;
	(void)params;
	if (g_cp == NULL)
		return -ENOENT;
	cp_run_stats(g_cp, &n, &w);
	rte_tel_data_start_dict(d);
#define U(k, v) rte_tel_data_add_dict_u64(d, k, v)
	U("sessions", n.sessions);
	U("connections", n.conns);
	U("msgs_in", n.msgs_in);
	U("msgs_out", n.msgs_out);
	U("decode_errors", n.decode_errors);
	U("protocol_closes", n.protocol_closes);
	U("unexpected", n.unexpected);
	U("sessions_created", n.sessions_created);
	U("sessions_resumed", n.sessions_resumed);
	U("sessions_removed", n.sessions_removed);
	U("rejected", n.rejected);
	U("retransmits", n.retransmits);
	U("peers_dead", n.peers_dead);
	U("detach_expired", n.detach_expired);
	U("steering_changes", n.steering_changes);
	U("dp_errors", n.dp_errors);
	U("ipsec_rekeys", n.ipsec_rekeys);
	U("ipsec_spi_redraws", n.ipsec_spi_redraws);
	U("ipsec_errors", n.ipsec_errors);
	U("ipsec_not_offered", n.ipsec_not_offered);
	U("ws_accepted", w.accepted);
	U("ws_refused_auth", w.refused_auth);
	U("ws_refused_full", w.refused_full);
	U("ws_tls_failed", w.tls_failed);
	U("ws_too_big", w.too_big);
	U("ws_binary_refused", w.binary_refused);
	U("ws_bad_utf8", w.bad_utf8);
#undef U
	return 0;
}

static void session_dict(struct rte_tel_data *d, const struct cp_ncm_session_info *s)
{
	char ip[16];

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", s->anchor_ip >> 24, (s->anchor_ip >> 16) & 0xFFu,
		 (s->anchor_ip >> 8) & 0xFFu, s->anchor_ip & 0xFFu);
	rte_tel_data_add_dict_u64(d, "ncm_id", s->ncm_id);
	rte_tel_data_add_dict_u64(d, "session_id", s->session_id);
	rte_tel_data_add_dict_string(d, "state", cp_ncm_state_name(s->state));
	rte_tel_data_add_dict_u64(d, "attached", s->attached);
	rte_tel_data_add_dict_string(d, "peer", s->peer);
	rte_tel_data_add_dict_string(d, "anchor_ip", ip);
	rte_tel_data_add_dict_u64(d, "in_dataplane", s->in_dataplane);
	rte_tel_data_add_dict_u64(d, "delivery_connections", s->n_conns);
	rte_tel_data_add_dict_u64(d, "idle_ms", s->idle_ms);
	rte_tel_data_add_dict_u64(d, "msgs_in", s->msgs_in);
	rte_tel_data_add_dict_u64(d, "msgs_out", s->msgs_out);
}

/* Session ID -> its state, for the first RTE_TEL_MAX_DICT_ENTRIES - 1 sessions. */
static int tel_ncm_sessions_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct cp_ncm_session_info info[RTE_TEL_MAX_DICT_ENTRIES - 1];
	unsigned n, total = 0;

	(void)cmd;
	(void)params;
	if (g_cp == NULL)
		return -ENOENT;
	n = cp_run_sessions(g_cp, info, RTE_DIM(info), &total);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "total", total);
	for (unsigned i = 0; i < n; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		session_dict(c, &info[i]);
		snprintf(key, sizeof(key), "%u", info[i].session_id);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

static int tel_ncm_session_locked(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct cp_ncm_session_info info[RTE_TEL_MAX_DICT_ENTRIES - 1];
	unsigned n, total = 0;
	char *end;
	unsigned long id;

	(void)cmd;
	if (g_cp == NULL || params == NULL)
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (end == params || *end != '\0')
		return -EINVAL;
	n = cp_run_sessions(g_cp, info, RTE_DIM(info), &total);
	for (unsigned i = 0; i < n; i++) {
		if (info[i].session_id != id)
			continue;
		rte_tel_data_start_dict(d);
		session_dict(d, &info[i]);
		return 0;
	}
	return -ENOENT;
}

#define TEL_LOCKED(name)                                                              \
	static int name(const char *cmd, const char *params, struct rte_tel_data *d)        \
	{                                                                                   \
		int rc;                                                                     \
		pthread_rwlock_rdlock(&g_cp_lock);                                          \
		rc = name##_locked(cmd, params, d);                                         \
		pthread_rwlock_unlock(&g_cp_lock);                                          \
		return rc;                                                                  \
	}
TEL_LOCKED(tel_ncm)
TEL_LOCKED(tel_ncm_sessions)
TEL_LOCKED(tel_ncm_session)

static int ncm_telemetry_init(void)
{
	int rc = rte_telemetry_register_cmd("/mamsgw/ncm", tel_ncm,
					    "NCM counters: sessions, messages, errors, WebSocket");

	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/ncm/sessions", tel_ncm_sessions,
						"NCM sessions and their state, by session ID");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/mamsgw/ncm/session", tel_ncm_session,
						"One NCM session's state. Parameter: session ID");
	return rc;
}

/* For the REST shim's /metrics: it runs inside cp_run_service(). */
static void ws_stats(void *opaque, struct cp_ws_stats *out)
{
	cp_run_ws_stats_unlocked(opaque, out);
}

static void on_signal(int sig)
{
	(void)sig;
	if (g_dp != NULL)
		atomic_store(&g_dp->quit, true);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [EAL options] -- --config FILE [--run-ms N] [--idle-exit-ms N]\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"run-ms", required_argument, NULL, 'r'},
		{"idle-exit-ms", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL;
	uint64_t run_ms = 0, idle_ms = 0, start;
	struct dp_config *cfg;
	struct cp_config *ccfg;
	struct cp_run *cp = NULL;
	struct cp_rest_config rcfg;
	struct cp_rest *rest = NULL;
	struct cp_rest_http *http = NULL;
	struct dp_ctx *dp;
	char err[512];
	int rc, opt;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "mamsgw: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			run_ms = strtoull(optarg, NULL, 10);
			break;
		case 'i':
			idle_ms = strtoull(optarg, NULL, 10);
			break;
		default:
			usage(argv[0]);
			rte_eal_cleanup();
			return opt == 'h' ? 0 : 1;
		}
	}
	if (config == NULL) {
		usage(argv[0]);
		rte_eal_cleanup();
		return 1;
	}

	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || dp_config_load(config, cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mamsgw: %s: %s\n", config, cfg ? err : "out of memory");
		free(cfg);
		rte_eal_cleanup();
		return 1;
	}
	ccfg = calloc(1, sizeof(*ccfg));
	if (ccfg == NULL || cp_config_load(config, cfg, ccfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mamsgw: %s: %s\n", config, ccfg ? err : "out of memory");
		free(ccfg);
		free(cfg);
		rte_eal_cleanup();
		return 1;
	}
	if (cp_rest_config_load(config, &rcfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "mamsgw: %s: %s\n", config, err);
		free(ccfg);
		free(cfg);
		rte_eal_cleanup();
		return 1;
	}
	dp = dp_create(cfg, err, sizeof(err));
	free(cfg);
	if (dp == NULL) {
		fprintf(stderr, "mamsgw: %s: %s\n", config, err);
		free(ccfg);
		rte_eal_cleanup();
		return 1;
	}
	if (dp_telemetry_init(dp) != 0)
		fprintf(stderr, "mamsgw: telemetry commands not registered (already present?)\n");

	g_dp = dp;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (dp_start(dp) != 0) {
		fprintf(stderr, "mamsgw: cannot launch the workers\n");
		dp_destroy(dp);
		rte_eal_cleanup();
		return 1;
	}
	printf("mamsgw: %u worker(s), %u port(s), %u static session(s)\n", dp->n_workers,
	       dp->cfg.n_ports, dp->cfg.n_sessions);
	if (ccfg->enabled) {
		cp = cp_run_create(ccfg, dp, err, sizeof(err));
		if (cp == NULL) {
			fprintf(stderr, "mamsgw: %s: ncm: %s\n", config, err);
			free(ccfg);
			dp_stop(dp);
			g_dp = NULL;
			dp_destroy(dp);
			rte_eal_cleanup();
			return 1;
		}
		g_cp = cp;
		if (ncm_telemetry_init() != 0)
			fprintf(stderr, "mamsgw: NCM telemetry commands not registered\n");
		printf("mamsgw: ncm %u listening on %s://%u.%u.%u.%u:%u\n", ccfg->ncm_id,
		       ccfg->cert[0] ? "wss" : "ws", ccfg->listen_ip >> 24,
		       (ccfg->listen_ip >> 16) & 0xFFu, (ccfg->listen_ip >> 8) & 0xFFu,
		       ccfg->listen_ip & 0xFFu, cp_run_port(cp));
	}
	if (rcfg.enabled) {
		struct cp_rest_env env = {
			.dp = dp,
			.ncm = cp != NULL ? cp_run_ncm(cp) : NULL,
			.dpc = &dp->cfg,
			.ncfg = ccfg,
			.rcfg = &rcfg,
			.config_path = config,
			.start_ms = cp_run_now_ms(),
			.ws_stats = cp != NULL ? ws_stats : NULL,
			.ws_opaque = cp,
		};

		rest = cp_rest_create(&env);
		http = rest != NULL ? cp_rest_http_create(cp != NULL ? cp_run_lws_context(cp) : NULL,
							  &rcfg, rest, cp_run_now_ms, err,
							  sizeof(err))
				    : NULL;
		if (http == NULL) {
			fprintf(stderr, "mamsgw: %s: %s\n", config, rest ? err : "rest: out of memory");
			cp_rest_destroy(rest);
			free(ccfg);
			pthread_rwlock_wrlock(&g_cp_lock);
			g_cp = NULL;
			pthread_rwlock_unlock(&g_cp_lock);
			cp_run_destroy(cp);
			dp_stop(dp);
			g_dp = NULL;
			dp_destroy(dp);
			rte_eal_cleanup();
			return 1;
		}
		printf("mamsgw: rest listening on %s://%u.%u.%u.%u:%u\n",
		       rcfg.cert[0] ? "https" : "http", rcfg.listen_ip >> 24,
		       (rcfg.listen_ip >> 16) & 0xFFu, (rcfg.listen_ip >> 8) & 0xFFu,
		       rcfg.listen_ip & 0xFFu, cp_rest_http_port(http));
	}
	free(ccfg);
	fflush(stdout);

	start = rte_get_tsc_cycles();
	atomic_store(&dp->last_rx_tsc, start);
	while (!atomic_load(&dp->quit)) {
		uint64_t now = rte_get_tsc_cycles();

		if (cp != NULL) {
			cp_run_service(cp, 1); /* the REST vhost too */
		} else {
			cp_rest_http_service(http, 0);
			rte_delay_us_sleep(1000);
		}
		dp_ctl_reclaim(dp);
		dp_ctl_tick(dp);
		if (run_ms != 0 && now - start >= run_ms * dp->tsc_per_ms)
			break;
		if (idle_ms != 0 && now > atomic_load(&dp->last_rx_tsc) &&
		    now - atomic_load(&dp->last_rx_tsc) >= idle_ms * dp->tsc_per_ms)
			break;
	}
	/* The REST listener first (it uses the NCM), then the NCM: it removes
	 * its sessions through the running data plane. */
	cp_rest_http_destroy(http);
	cp_rest_destroy(rest);
	pthread_rwlock_wrlock(&g_cp_lock);
	g_cp = NULL;
	pthread_rwlock_unlock(&g_cp_lock);
	cp_run_destroy(cp);
	dp_stop(dp);
	dp_stats_print(dp, stdout);
	g_dp = NULL;
	dp_destroy(dp);
	rte_eal_cleanup();
	return 0;
}
