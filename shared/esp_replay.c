/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP anti-replay window: RFC 4303 3.4.3 and Appendix A2 (ESN).
 * The bitmap is a ring indexed by sn mod window; bits of SNs that slide into
 * the window are cleared as top advances (a jump of a window or more clears
 * it all).
 */
#include "esp_replay.h"

#include <errno.h>
#include <string.h>

int esp_replay_init(struct esp_replay *r, uint32_t window, bool esn)
{
	if (window == 0)
		window = ESP_REPLAY_DEFAULT_WINDOW;
	if (window < ESP_REPLAY_MIN_WINDOW || window > ESP_REPLAY_MAX_WINDOW ||
	    (window & (window - 1)) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
	return 0;
}

static inline unsigned bit_index(const struct esp_replay *r, uint64_t sn)
{
	return (unsigned)(sn & (r->window - 1u));
}

static inline bool bit_get(const struct esp_replay *r, uint64_t sn)
{
	unsigned i = bit_index(r, sn);

	return (r->bits[i >> 6] >> (i & 63u)) & 1u;
}

/* Where sn stands relative to the window, without reconstruction. */
static enum esp_replay_res classify(const struct esp_replay *r, uint64_t sn)
{
	if (sn == 0)
		return ESP_REPLAY_TOO_OLD;
	if (sn > r->top)
		return ESP_REPLAY_OK;
	if (r->top - sn >= r->window)
		return ESP_REPLAY_TOO_OLD;
	return bit_get(r, sn) ? ESP_REPLAY_DUP : ESP_REPLAY_OK;
}

enum esp_replay_res esp_replay_check(const struct esp_replay *r, uint32_t seq_lo, uint64_t *sn)
{
	uint32_t tl = (uint32_t)r->top;
	uint32_t th = (uint32_t)(r->top >> 32);
	uint32_t w = r->window;
	uint32_t bottom = tl - w + 1u; /* low 32 bits of the window's first SN, mod 2^32 */
	uint32_t hi;

	*sn = 0;
	if (!r->esn) {
		*sn = seq_lo;
		return classify(r, seq_lo);
	}
	/* RFC 4303 A2.2 */
	if (tl >= w - 1u) {
		/* Case A: the window lies within one 2^32 subspace. */
		if (seq_lo >= bottom) {
			hi = th;
		} else {
			if (th == UINT32_MAX)
				return ESP_REPLAY_TOO_OLD; /* would pass 2^64 - 1 */
			hi = th + 1u;
		}
	} else {
		/* Case B: the window spans two subspaces. */
		if (seq_lo >= bottom) {
			if (th == 0)
				return ESP_REPLAY_TOO_OLD; /* would be below SN 0 */
			hi = th - 1u;
		} else {
			hi = th;
		}
	}
	*sn = (uint64_t)hi << 32 | seq_lo;
	return classify(r, *sn);
}

enum esp_replay_res esp_replay_update(struct esp_replay *r, uint64_t sn)
{
	enum esp_replay_res res = classify(r, sn);
	unsigned i;

	if (res != ESP_REPLAY_OK)
		return res;
	if (!r->esn && sn > UINT32_MAX)
		return ESP_REPLAY_TOO_OLD; /* cannot come from check(); refuse anyway */
	if (sn > r->top) {
		if (sn - r->top >= r->window) {
			memset(r->bits, 0, sizeof(r->bits));
		} else {
			/* Clear the SNs top+1 .. sn, whole words where possible. */
			uint64_t s = r->top + 1u;
			uint64_t left = sn - r->top; /* < window: no overflow of s */

			while (left > 0) {
				i = bit_index(r, s);
				if ((s & 63u) == 0 && left >= 64u) {
					r->bits[i >> 6] = 0;
					s += 64u;
					left -= 64u;
				} else {
					r->bits[i >> 6] &= ~(UINT64_C(1) << (i & 63u));
					s++;
					left--;
				}
			}
		}
		r->top = sn;
	}
	i = bit_index(r, sn);
	r->bits[i >> 6] |= UINT64_C(1) << (i & 63u);
	return ESP_REPLAY_OK;
}

const char *esp_replay_res_name(enum esp_replay_res res)
{
	switch (res) {
	case ESP_REPLAY_OK:
		return "ok";
	case ESP_REPLAY_DUP:
		return "replay";
	case ESP_REPLAY_TOO_OLD:
		return "too_old";
	}
	return "unknown";
}
