/* SPDX-License-Identifier: BSD-3-Clause */
/* The default steering policy (cp_policy.h). */
#include "cp_policy.h"

#include <string.h>

bool cp_policy_probe_update(const struct cp_policy_cfg *cfg, struct cp_probe_track *t,
			    uint64_t sent, uint64_t acks, uint32_t rtt_us, uint64_t now_ms)
{
	bool was = t->failing;
	uint32_t need = acks == 0 ? cfg->probe_fail * 4u : cfg->probe_fail;

	if (acks > t->acks) {
		t->unanswered = 0;
		t->last_ack_ms = now_ms;
	} else if (sent > t->sent) {
		t->unanswered += (uint32_t)(sent - t->sent);
	}
	t->sent = sent;
	t->acks = acks;
	if (t->unanswered >= need && now_ms - t->last_ack_ms >= 2u * (uint64_t)rtt_us / 1000u) {
		t->failing = true;
		t->failed_until_ms = now_ms + cfg->hold_down_ms;
	} else if (t->failing && now_ms >= t->failed_until_ms) {
		t->failing = false;
	}
	return was != t->failing;
}

/* Weights in percent of the usable paths; 0 for the others. */
static unsigned weights(const struct cp_path_view *p, unsigned n, uint16_t *w)
{
	uint64_t score[GMA_STEER_MAX_PATHS], sum = 0;
	uint32_t min_rtt = 0;
	unsigned usable = 0, i;

	for (i = 0; i < n; i++)
		if (p[i].usable && p[i].rtt_us != 0 && (min_rtt == 0 || p[i].rtt_us < min_rtt))
			min_rtt = p[i].rtt_us;
	for (i = 0; i < n; i++) {
		uint64_t s = 0;

		if (p[i].usable) {
			s = p[i].tput_kbps != 0 ? p[i].tput_kbps : 1000;
			s = s * (1000000u - (p[i].loss_ppm > 1000000u ? 1000000u : p[i].loss_ppm));
			if (min_rtt != 0 && p[i].rtt_us != 0)
				s = s / p[i].rtt_us * min_rtt;
			if (s == 0)
				s = 1;
			usable++;
		}
		score[i] = s;
		sum += s;
	}
	for (i = 0; i < n; i++) {
		w[i] = 0;
		if (score[i] != 0) {
			uint64_t x = score[i] * 100u / sum;

			w[i] = (uint16_t)(x < 1 ? 1 : x);
		}
	}
	return usable;
}

bool cp_policy_decide(const struct cp_policy_cfg *cfg, const struct cp_path_view *paths,
		      unsigned n, const struct gma_steer_cfg *cur, struct gma_steer_cfg *out)
{
	uint16_t w[GMA_STEER_MAX_PATHS];
	uint16_t old[GMA_STEER_MAX_PATHS] = { 0 };
	unsigned usable, i;
	bool big = false;

	if (n > GMA_STEER_MAX_PATHS)
		n = GMA_STEER_MAX_PATHS;
	usable = weights(paths, n, w);
	if (usable == 0)
		return false;
	memset(out, 0, sizeof(*out));
	if (usable == 1) {
		out->mode = GMA_STEER_SWITCH;
		out->n = 1;
		for (i = 0; i < n; i++)
			if (w[i] != 0)
				out->path[0] = (uint8_t)i;
		return cur->mode != GMA_STEER_SWITCH || cur->n != 1 ||
		       cur->path[0] != out->path[0];
	}
	out->mode = GMA_STEER_SPLIT;
	for (i = 0; i < n; i++) {
		if (w[i] == 0)
			continue;
		out->path[out->n] = (uint8_t)i;
		out->weight[out->n] = w[i];
		out->n++;
	}
	if (cur->mode != GMA_STEER_SPLIT)
		return true;
	/* Same paths, every weight within min_change_pct: keep the current one. */
	for (i = 0; i < cur->n; i++) {
		if (cur->path[i] >= n)
			return true;
		old[cur->path[i]] = cur->weight[i];
	}
	unsigned old_sum = 0;

	for (i = 0; i < n; i++)
		old_sum += old[i];
	if (old_sum == 0)
		return true;
	for (i = 0; i < n; i++) {
		unsigned o = old[i] * 100u / old_sum;

		if ((o == 0) != (w[i] == 0))
			return true;
		if ((o > w[i] ? o - w[i] : w[i] - o) > cfg->min_change_pct)
			big = true;
	}
	return big;
}
