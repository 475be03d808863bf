/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default steering policy: from what is known of each delivery
 * connection (data-plane measurements and the CCM's reports) to downlink
 * steering for the flows that follow the policy.  Pure code: no clock of its
 * own, no I/O; the NCM (cp_ncm.c) calls it every policy.interval_ms.
 *
 *  - A path is usable when the client has it set up and enabled, the data
 *    plane has it up, and it is not failing: its probes go unanswered
 *    (probe_fail in a row, and none answered for two RTTs); a failed path
 *    stays out for hold_down_ms after it recovers.
 *  - One usable path: switch to it.  Several: split, weights in proportion
 *    to estimated capacity (the CCM's throughput reports, else equal) times
 *    the delivery ratio (1 - loss) times min RTT / RTT, each at least 1 %.
 *  - None: the steering is left as it is (nothing better is known).
 *  - A change smaller than min_change_pct on every weight is not made, so
 *    noise in the measurements does not re-steer the client all the time.
 */
#ifndef CP_POLICY_H
#define CP_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_config.h"
#include "gma_steer.h"

/* What the policy knows of one path, refreshed by the NCM before each run. */
struct cp_path_view {
	bool usable;          /* set up, enabled, up, not failing, not held down */
	uint32_t rtt_us;      /* 0 = unknown */
	uint32_t loss_ppm;    /* lost / (received + lost) over the last interval, per million */
	uint32_t tput_kbps;   /* the CCM's estimate or measurement; 0 = unknown */
};

/* Tracks probe answers per path to tell "failing" (cp_policy_probe_update). */
struct cp_probe_track {
	uint64_t sent, acks;  /* counters at the last look */
	uint32_t unanswered;  /* probes sent since the last answer */
	uint64_t last_ack_ms; /* when an answer last came */
	uint64_t failed_until_ms; /* held down until then */
	bool failing;
};

/*
 * Feeds the data plane's cumulative probe counters and the path's smoothed
 * RTT (0: none yet); returns true when the path's failing state changed.
 * A path fails when probe_fail probes in a row went unanswered and no
 * answer came for two RTTs (so a long path with probes in flight does not
 * fail); before its first answer it gets four times probe_fail probes.
 */
bool cp_policy_probe_update(const struct cp_policy_cfg *cfg, struct cp_probe_track *t,
			    uint64_t sent, uint64_t acks, uint32_t rtt_us, uint64_t now_ms);

/*
 * Steering for n paths (path indexes 0..n-1 of the session) given the
 * current one.  Returns true and fills *out when it should change.
 */
bool cp_policy_decide(const struct cp_policy_cfg *cfg, const struct cp_path_view *paths,
		      unsigned n, const struct gma_steer_cfg *cur, struct gma_steer_cfg *out);

#endif /* CP_POLICY_H */
