/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow downlink steering (RFC 8743 8.7): switch (one path), weighted
 * split (per packet), or duplicate (every path).
 *
 * The decision is made once per configuration change, not per packet:
 * gma_steer_build() turns the operator's/NCM's wish plus the current path
 * states into a compact plan; gma_steer_pick() is then a table read.  A split
 * is a precomputed cycle in which each path appears exactly `weight` times
 * (weights reduced by their gcd), interleaved smoothly (nginx's smooth
 * weighted round-robin).  With two paths, over any window of consecutive
 * packets (across the end of the cycle too) each path's count deviates from
 * its share by less than one packet.  With three or more no schedule can
 * promise that for every set of weights (3/2/1 cannot do better than exactly
 * one), and this one can be off by more: 5/1/1 gives four a's in a row
 * across the end of the cycle, 8/7 of a packet too many.
 */
#ifndef GMA_STEER_H
#define GMA_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "gma_err.h"

#define GMA_STEER_MAX_PATHS 8u
#define GMA_STEER_MAX_CYCLE 1024u

enum gma_steer_mode {
	GMA_STEER_SWITCH = 0,
	GMA_STEER_SPLIT = 1,
	GMA_STEER_DUPLICATE = 2,
};

struct gma_steer_cfg {
	enum gma_steer_mode mode;
	uint8_t n;                           /* entries in path[] / weight[] */
	uint8_t path[GMA_STEER_MAX_PATHS];   /* path indexes (0..GMA_STEER_MAX_PATHS-1) */
	uint16_t weight[GMA_STEER_MAX_PATHS]; /* split only: relative weights; 0 = unused */
};

struct gma_steer {
	uint8_t mode;                     /* enum gma_steer_mode actually applied */
	uint8_t n_paths;                  /* switch: 1; duplicate: all up paths */
	uint8_t paths[GMA_STEER_MAX_PATHS];
	uint16_t cycle_len;               /* split: length of cycle[] */
	uint8_t cycle[GMA_STEER_MAX_CYCLE]; /* split: path index per position */
};

/*
 * Build the plan from cfg using only the paths whose bit is set in up_mask
 * (bit i = path index i is up).  Switch: the first listed path that is up
 * (listing several is a preference order).  Split: paths down or with weight
 * 0 are left out and the others keep their relative weights; if one path is
 * left the plan becomes a switch.  Duplicate: every listed path that is up.
 * Returns 0, -GMA_ERR_INVAL (bad cfg: n 0 or too large, path index out of
 * range, a path listed twice, split weights summing to 0 or a reduced cycle
 * longer than GMA_STEER_MAX_CYCLE, unknown mode) or -GMA_ERR_NOSPACE when no
 * listed path is up (the caller counts its packets as dropped: no path).
 */
int gma_steer_build(const struct gma_steer_cfg *cfg, uint32_t up_mask, struct gma_steer *out);

/*
 * Paths for the next packet.  *pos is the flow's position in the cycle
 * (owned by the worker that owns the flow); it is advanced.  Writes the path
 * indexes to paths[0..GMA_STEER_MAX_PATHS) and returns their count (0 only
 * for an empty plan).
 */
unsigned gma_steer_pick(const struct gma_steer *s, uint32_t *pos, uint8_t *paths);

#endif /* GMA_STEER_H */
