/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP anti-replay window (shared/esp_replay.c): table-driven edge cases for
 * 32-bit SN and ESN, and a randomized model test against a plain set of seen
 * SNs (seeded xorshift, never rand()).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "esp_replay.h"
#include "test_util.h"

static struct esp_replay mk(uint32_t window, bool esn)
{
	struct esp_replay r;

	cr_assert_eq(esp_replay_init(&r, window, esn), 0);
	return r;
}

/* check (must not change r) then update; returns the check result. */
static enum esp_replay_res offer(struct esp_replay *r, uint32_t seq_lo, uint64_t *sn_out)
{
	struct esp_replay before = *r;
	uint64_t sn;
	enum esp_replay_res res = esp_replay_check(r, seq_lo, &sn);

	cr_assert_eq(memcmp(&before, r, sizeof(*r)), 0, "check mutated the window");
	if (res == ESP_REPLAY_OK)
		cr_assert_eq(esp_replay_update(r, sn), ESP_REPLAY_OK);
	if (sn_out)
		*sn_out = sn;
	return res;
}

Test(esp_replay, init_sizes)
{
	struct esp_replay r;

	cr_assert_eq(esp_replay_init(&r, 0, false), 0);
	cr_assert_eq(r.window, ESP_REPLAY_DEFAULT_WINDOW);
	cr_assert_eq(r.window, 1024u);
	for (uint32_t w = 32; w <= 4096; w <<= 1)
		cr_assert_eq(esp_replay_init(&r, w, true), 0);
	cr_assert_eq(esp_replay_init(&r, 16, false), -EINVAL);
	cr_assert_eq(esp_replay_init(&r, 8192, false), -EINVAL);
	cr_assert_eq(esp_replay_init(&r, 1000, false), -EINVAL);
	cr_assert_eq(esp_replay_init(&r, 33, false), -EINVAL);
}

Test(esp_replay, in_order_and_duplicates)
{
	struct esp_replay r = mk(64, false);
	uint64_t sn;

	for (uint32_t s = 1; s <= 1000; s++) {
		cr_assert_eq(offer(&r, s, &sn), ESP_REPLAY_OK, "sn %u", s);
		cr_assert_eq(sn, s);
		cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_DUP, "dup %u", s);
	}
	cr_assert_eq(r.top, 1000u);
	/* everything in the window is a duplicate, everything older too old */
	for (uint32_t s = 1000 - 63; s <= 1000; s++)
		cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_DUP);
	cr_assert_eq(offer(&r, 1000 - 64, NULL), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(offer(&r, 1, NULL), ESP_REPLAY_TOO_OLD);
}

Test(esp_replay, sn_zero_refused)
{
	struct esp_replay r = mk(32, false);
	struct esp_replay e = mk(32, true);
	uint64_t sn;

	cr_assert_eq(offer(&r, 0, NULL), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(offer(&e, 0, &sn), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(esp_replay_update(&r, 0), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(r.top, 0u);
}

Test(esp_replay, window_edge)
{
	static const uint32_t sizes[] = { 32, 64, 128, 1024, 4096 };

	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t w = sizes[k];
		struct esp_replay r = mk(w, false);
		uint32_t top = 3 * w + 17;

		cr_assert_eq(offer(&r, top, NULL), ESP_REPLAY_OK);
		/* oldest SN still in the window: top - w + 1 */
		cr_assert_eq(offer(&r, top - w + 1, NULL), ESP_REPLAY_OK, "w %u", w);
		cr_assert_eq(offer(&r, top - w + 1, NULL), ESP_REPLAY_DUP);
		cr_assert_eq(offer(&r, top - w, NULL), ESP_REPLAY_TOO_OLD, "w %u", w);
		/* advance by one: the oldest drops out */
		cr_assert_eq(offer(&r, top + 1, NULL), ESP_REPLAY_OK);
		cr_assert_eq(offer(&r, top - w + 1, NULL), ESP_REPLAY_TOO_OLD);
		/* every other SN in between is still new, exactly once */
		for (uint32_t s = top - w + 2; s < top; s++) {
			cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_OK, "w %u s %u", w, s);
			cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_DUP);
		}
	}
}

Test(esp_replay, far_ahead_jumps)
{
	struct esp_replay r = mk(128, false);

	for (uint32_t s = 1; s <= 100; s += 2)
		cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_OK);
	/* jump by exactly the window: nothing older survives, bits cleared */
	cr_assert_eq(offer(&r, 99 + 128, NULL), ESP_REPLAY_OK);
	cr_assert_eq(offer(&r, 99, NULL), ESP_REPLAY_TOO_OLD);
	for (uint32_t s = 100; s < 99 + 128; s++)
		cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_OK, "s %u", s);
	/* jump by window - 1: SNs behind keep their state */
	cr_assert_eq(offer(&r, 99 + 128 + 127, NULL), ESP_REPLAY_OK);
	cr_assert_eq(offer(&r, 99 + 128, NULL), ESP_REPLAY_DUP);
	for (uint32_t s = 99 + 129; s < 99 + 128 + 127; s++)
		cr_assert_eq(offer(&r, s, NULL), ESP_REPLAY_OK, "s %u", s);
	/* a huge jump */
	cr_assert_eq(offer(&r, 0x80000000u, NULL), ESP_REPLAY_OK);
	cr_assert_eq(offer(&r, 0x80000000u - 127, NULL), ESP_REPLAY_OK);
	cr_assert_eq(offer(&r, 0x80000000u - 128, NULL), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(offer(&r, UINT32_MAX, NULL), ESP_REPLAY_OK);
	cr_assert_eq(r.top, UINT32_MAX);
	/* 32-bit SN: nothing follows 2^32 - 1; 0 is too old, not a wrap */
	cr_assert_eq(offer(&r, 0, NULL), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(offer(&r, 1, NULL), ESP_REPLAY_TOO_OLD);
}

Test(esp_replay, update_rechecks)
{
	struct esp_replay r = mk(64, false);
	uint64_t a, b;

	/* two copies in one burst both pass check; the second update fails */
	cr_assert_eq(esp_replay_check(&r, 5, &a), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_check(&r, 5, &b), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_update(&r, a), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_update(&r, b), ESP_REPLAY_DUP);
	/* a packet checked before a big jump is too old by update time */
	cr_assert_eq(esp_replay_check(&r, 6, &a), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_update(&r, 1000), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_update(&r, a), ESP_REPLAY_TOO_OLD);
}

/* ESN: the window just below 2^32, top crossing it, SNs on both sides. */
Test(esp_replay, esn_wrap_both_sides)
{
	struct esp_replay r = mk(1024, true);
	const uint64_t base = (UINT64_C(1) << 32) - 512; /* window will straddle 2^32 */
	uint64_t sn;

	r.top = base; /* as if SNs up to base had been received */
	/* ahead in the same subspace */
	cr_assert_eq(offer(&r, (uint32_t)(base + 10), &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, base + 10);
	/* ahead across 2^32: low bits small -> high bits + 1 (case A) */
	cr_assert_eq(offer(&r, 5, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, (UINT64_C(1) << 32) + 5);
	cr_assert_eq(r.top, (UINT64_C(1) << 32) + 5);
	/* now the window spans the subspaces (case B): late packets below 2^32 */
	cr_assert_eq(offer(&r, (uint32_t)(base + 20), &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, base + 20);
	cr_assert_eq(offer(&r, (uint32_t)(base + 20), &sn), ESP_REPLAY_DUP);
	cr_assert_eq(sn, base + 20);
	cr_assert_eq(offer(&r, UINT32_MAX, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, UINT32_MAX);
	cr_assert_eq(offer(&r, 0, &sn), ESP_REPLAY_OK); /* SN 2^32 is a valid ESN */
	cr_assert_eq(sn, UINT64_C(1) << 32);
	cr_assert_eq(offer(&r, 0, &sn), ESP_REPLAY_DUP);
	/* oldest in the window: top - 1023 */
	uint64_t top = r.top;
	cr_assert_eq(offer(&r, (uint32_t)(top - 1023), &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, top - 1023);
	/* one older: reconstructed into the next subspace (case B rule gives
	 * th for low values... here it is below the window bottom) */
	cr_assert_eq(esp_replay_check(&r, (uint32_t)(top - 1024), &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, top - 1024 + (UINT64_C(1) << 32),
		     "an SN left of the window is taken as the next subspace (ICV then fails)");
	/* ahead in the new subspace */
	cr_assert_eq(offer(&r, 100, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, (UINT64_C(1) << 32) + 100);
	/* window now entirely above 2^32 (case A again): low values near 2^32-1
	 * belong to the next-but-one subspace */
	cr_assert_eq(offer(&r, 2000, &sn), ESP_REPLAY_OK);
	cr_assert_eq(esp_replay_check(&r, UINT32_MAX, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, (UINT64_C(1) << 32) + UINT32_MAX);
	cr_assert_eq(esp_replay_check(&r, 2000 - 1023, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, (UINT64_C(1) << 32) + 2000 - 1023);
	cr_assert_eq(esp_replay_check(&r, 2000 - 1024, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, (UINT64_C(2) << 32) + 2000 - 1024);
}

Test(esp_replay, esn_start_and_end_of_space)
{
	struct esp_replay r = mk(64, true);
	uint64_t sn;

	/* fresh: top 0, case B with th 0: high low-values cannot be SN < 0 */
	cr_assert_eq(esp_replay_check(&r, UINT32_MAX, &sn), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(esp_replay_check(&r, UINT32_MAX - 62, &sn), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(esp_replay_check(&r, 1, &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, 1u);
	/* top near 2^64: a value that would need th + 1 is refused */
	r.top = UINT64_MAX - 100;
	cr_assert_eq(esp_replay_check(&r, (uint32_t)(UINT64_MAX - 50), &sn), ESP_REPLAY_OK);
	cr_assert_eq(sn, UINT64_MAX - 50);
	cr_assert_eq(esp_replay_check(&r, 3, &sn), ESP_REPLAY_TOO_OLD);
	cr_assert_eq(esp_replay_update(&r, UINT64_MAX), ESP_REPLAY_OK);
	cr_assert_eq(r.top, UINT64_MAX);
}

Test(esp_replay, check_never_mutates)
{
	struct esp_replay r = mk(256, true);
	uint64_t sn;

	rng_state = 0x1234567u;
	for (unsigned i = 0; i < 20000; i++) {
		struct esp_replay before;
		uint32_t lo = rng();

		if (i % 3 == 0)
			lo = (uint32_t)r.top + (rng() % 600) - 300;
		before = r;
		(void)esp_replay_check(&r, lo, &sn);
		cr_assert_eq(memcmp(&before, &r, sizeof(r)), 0);
		if (i % 2 == 0 && esp_replay_check(&r, lo, &sn) == ESP_REPLAY_OK)
			cr_assert_eq(esp_replay_update(&r, sn), ESP_REPLAY_OK);
	}
}

/*
 * Model test: the sender's true 64-bit SNs, offered as the low 32 bits (or
 * the SN itself without ESN).  Reference: a set of seen SNs (a bitmap over
 * the SNs the test can produce) and the highest accepted.  An SN is new iff
 * it is not 0, not seen and within window of the highest.  Under ESN the
 * window may reconstruct a different SN for a packet left of the window; the
 * ICV would then fail, so the model updates only when the reconstruction
 * equals the true SN, and checks that this happens exactly for the SNs the
 * reference accepts.
 */
#define MODEL_SPAN (UINT64_C(1) << 26) /* SNs base .. base + 2^26 */

static void model(uint32_t window, bool esn, uint64_t base, uint32_t seed, unsigned ops)
{
	struct esp_replay r = mk(window, esn);
	uint8_t *seen = calloc(MODEL_SPAN / 8, 1);
	uint64_t top = base; /* reference highest; SNs <= base count as seen */
	unsigned accepted = 0, dup = 0, old = 0;

	cr_assert_not_null(seen);
	rng_state = seed;
	r.top = base;
	for (unsigned i = 0; i < ops; i++) {
		uint32_t k = rng() % 100;
		uint64_t s;
		int64_t d;

		if (k < 50)
			d = 1 + rng() % 4;                           /* in order-ish */
		else if (k < 85)
			d = -(int64_t)(rng() % (window + window / 2)); /* late, dups */
		else if (k < 97)
			d = rng() % (2 * window);                     /* ahead */
		else
			d = (int64_t)(rng() % (4 * window)) - 2 * window;
		if (k == 99 && rng() % 64 == 0)
			d = window * 3 + rng() % 100000;              /* far jump */
		s = (uint64_t)((int64_t)top + d);
		if (s <= base || s >= base + MODEL_SPAN)
			continue;

		uint64_t off = s - base;
		bool ref_seen = (seen[off >> 3] >> (off & 7)) & 1;
		bool ref_new = !ref_seen && (s > top || top - s < window);
		uint64_t sn;
		uint32_t lo = (uint32_t)s;
		enum esp_replay_res res = esp_replay_check(&r, esn ? lo : (uint32_t)s, &sn);

		if (!esn)
			cr_assert_eq(sn, s);
		if (res == ESP_REPLAY_OK && sn == s) {
			cr_assert(ref_new, "op %u: s %llu accepted, reference refuses", i,
				  (unsigned long long)s);
			cr_assert_eq(esp_replay_update(&r, sn), ESP_REPLAY_OK);
			seen[off >> 3] |= (uint8_t)(1u << (off & 7));
			if (s > top)
				top = s;
			accepted++;
		} else {
			cr_assert(!ref_new, "op %u: s %llu refused (%s), reference accepts", i,
				  (unsigned long long)s, esp_replay_res_name(res));
			if (res == ESP_REPLAY_OK) {
				/* only under ESN, only for an SN left of the window */
				cr_assert(esn);
				cr_assert(top - s >= window);
				cr_assert_eq(sn, s + (UINT64_C(1) << 32));
			}
			if (ref_seen && top - s < window)
				cr_assert_eq(res, ESP_REPLAY_DUP, "op %u", i);
			if (top >= s && top - s >= window && !esn)
				cr_assert_eq(res, ESP_REPLAY_TOO_OLD);
			if (ref_seen)
				dup++;
			else
				old++;
		}
		cr_assert_eq(r.top, top);
	}
	cr_assert_gt(accepted, ops / 4);
	cr_assert_gt(dup, ops / 100);
	cr_assert_gt(old, ops / 1000);
	free(seen);
}

Test(esp_replay, model_32bit, .timeout = 60)
{
	model(1024, false, 0, 0xC0FFEEu, 1000000);
	model(32, false, 1000, 0xBEEFu, 200000);
}

Test(esp_replay, model_esn_across_2_32, .timeout = 60)
{
	/* starts a little below 2^32 and runs well past it */
	model(1024, true, (UINT64_C(1) << 32) - 300000, 0xFACEu, 1000000);
	model(4096, true, (UINT64_C(5) << 32) - 5000, 0xABCDu, 200000);
	model(64, true, 0, 0x51u, 200000);
}
