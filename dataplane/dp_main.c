/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw: start-up, the control loop on the main lcore, and shutdown.
 *
 *   mamsgw [EAL options] -- --config FILE [--run-ms N] [--idle-exit-ms N]
 *
 * --run-ms stops after N ms; --idle-exit-ms stops once no packet has arrived
 * for N ms (replaying pcap files).  SIGINT/SIGTERM stop it too.  Counters are
 * printed at exit.  Exit status: 0, 1 on a configuration or start-up error.
 */
#include <getopt.h>
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

#include "dp.h"

static struct dp_ctx *g_dp; /* for the signal handler only */

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
	dp = dp_create(cfg, err, sizeof(err));
	free(cfg);
	if (dp == NULL) {
		fprintf(stderr, "mamsgw: %s: %s\n", config, err);
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
	fflush(stdout);

	start = rte_get_tsc_cycles();
	atomic_store(&dp->last_rx_tsc, start);
	while (!atomic_load(&dp->quit)) {
		uint64_t now = rte_get_tsc_cycles();

		rte_delay_us_sleep(1000);
		dp_ctl_reclaim(dp);
		dp_ctl_tick(dp);
		if (run_ms != 0 && now - start >= run_ms * dp->tsc_per_ms)
			break;
		if (idle_ms != 0 && now > atomic_load(&dp->last_rx_tsc) &&
		    now - atomic_load(&dp->last_rx_tsc) >= idle_ms * dp->tsc_per_ms)
			break;
	}
	dp_stop(dp);
	dp_stats_print(dp, stdout);
	g_dp = NULL;
	dp_destroy(dp);
	rte_eal_cleanup();
	return 0;
}
