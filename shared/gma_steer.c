/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Downlink steering plans.  See gma_steer.h for the contract.
 *
 * All the work is in gma_steer_build(), which runs on the control thread
 * when a flow's configuration or a path's state changes; gma_steer_pick()
 * runs per packet and is a copy or a table read.
 *
 * The split cycle is smooth weighted round-robin as nginx does it: every
 * step adds each weight to the path's running value, picks the largest
 * (ties: the path listed first) and takes the total weight off the winner.
 * After W = sum of weights steps every running value is back at zero, so W
 * steps are exactly one period and path i appears weight[i] times in it.
 */
#include "gma_steer.h"

#include <string.h>

_Static_assert(GMA_STEER_MAX_PATHS <= 32, "up_mask and the seen set are 32-bit masks");
_Static_assert(GMA_STEER_MAX_CYCLE <= UINT16_MAX, "cycle_len is 16 bits");

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Checks what does not depend on the path states, so that a configuration
 * accepted once is never rejected later because a path came up.  The cycle
 * limit is applied to all listed paths with a weight: leaving paths out can
 * only shrink the reduced cycle (the sum drops, the gcd does not), so every
 * plan built from an accepted configuration fits in cycle[].
 */
static int check_cfg(const struct gma_steer_cfg *cfg)
{
	uint32_t seen = 0, sum = 0, g = 0;
	unsigned i;

	if (cfg->n == 0 || cfg->n > GMA_STEER_MAX_PATHS)
		return -GMA_ERR_INVAL;
	if ((unsigned)cfg->mode > GMA_STEER_DUPLICATE)
		return -GMA_ERR_INVAL;
	for (i = 0; i < cfg->n; i++) {
		if (cfg->path[i] >= GMA_STEER_MAX_PATHS || (seen & 1u << cfg->path[i]))
			return -GMA_ERR_INVAL;
		seen |= 1u << cfg->path[i];
		sum += cfg->weight[i];
		g = gcd32(g, cfg->weight[i]);
	}
	if (cfg->mode != GMA_STEER_SPLIT)
		return 0;
	if (sum == 0 || sum / g > GMA_STEER_MAX_CYCLE)
		return -GMA_ERR_INVAL;
	return 0;
}

/* Fills s->cycle from the k >= 2 paths in s->paths with weights w[]. */
static void fill_cycle(struct gma_steer *s, const uint32_t *w, unsigned k)
{
	int32_t cur[GMA_STEER_MAX_PATHS] = {0};
	uint32_t g = 0, total = 0;
	unsigned i, t;

	for (i = 0; i < k; i++)
		g = gcd32(g, w[i]);
	for (i = 0; i < k; i++)
		total += w[i] / g;

	/* Running values stay within (-total, k * total), far inside int32. */
	for (t = 0; t < total; t++) {
		unsigned best = 0;

		for (i = 0; i < k; i++) {
			cur[i] += (int32_t)(w[i] / g);
			if (cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (int32_t)total;
		s->cycle[t] = s->paths[best];
	}
	s->cycle_len = (uint16_t)total;
}

int gma_steer_build(const struct gma_steer_cfg *cfg, uint32_t up_mask, struct gma_steer *out)
{
	uint32_t w[GMA_STEER_MAX_PATHS];
	unsigned i, k = 0;
	int rc;

	if (cfg == NULL || out == NULL)
		return -GMA_ERR_INVAL;
	rc = check_cfg(cfg);
	if (rc < 0)
		return rc;

	/* pick copies all of paths[]: no slot may hold an older plan's path. */
	memset(out->paths, 0, sizeof(out->paths));
	/* Paths that take part, in list order (the order breaks ties). */
	for (i = 0; i < cfg->n; i++) {
		uint8_t p = cfg->path[i];

		if (!(up_mask & 1u << p))
			continue;
		if (cfg->mode == GMA_STEER_SPLIT && cfg->weight[i] == 0)
			continue;
		out->paths[k] = p;
		w[k] = cfg->weight[i];
		k++;
		if (cfg->mode == GMA_STEER_SWITCH)
			break;
	}

	out->cycle_len = 0;
	if (k == 0) {
		/*
		 * An empty plan (pick returns 0) rather than a stale one, for a
		 * caller that publishes it anyway.  A split whose only up paths
		 * have weight 0 lands here too: weight 0 means "do not use".
		 */
		out->mode = GMA_STEER_SWITCH;
		out->n_paths = 0;
		return -GMA_ERR_NOSPACE;
	}
	out->n_paths = (uint8_t)k;
	if (cfg->mode == GMA_STEER_SPLIT && k == 1)
		out->mode = GMA_STEER_SWITCH;
	else
		out->mode = (uint8_t)cfg->mode;
	if (out->mode == GMA_STEER_SPLIT)
		fill_cycle(out, w, k);
	return 0;
}

unsigned gma_steer_pick(const struct gma_steer *s, uint32_t *pos, uint8_t *paths)
{
	uint32_t i;

	if (s->mode != GMA_STEER_SPLIT) {
		/* Switch has n_paths 1, duplicate all its paths: one fixed-size
		 * copy serves both without a loop. */
		memcpy(paths, s->paths, GMA_STEER_MAX_PATHS);
		return s->n_paths;
	}
	i = *pos;
	/* Only a position left over from a longer cycle needs the division. */
	if (i >= s->cycle_len)
		i %= s->cycle_len;
	paths[0] = s->cycle[i];
	i++;
	*pos = i == s->cycle_len ? 0 : i;
	return 1;
}
