/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: GMA fragment reassembly (shared/gma_frag.c).
 *
 * Input: one configuration byte, then 5-byte records
 *   [sn selector] [FC] [len hi] [len lo] [time advance]
 * each offered to one gma_reasm (1..4 slots, 4096 bytes, 50 ms timeout) as
 * a fragment whose handle points into a table of the records.  Before each
 * fragment the clock advances and gma_reasm_expire() is drained.
 *
 * Checked: every handle comes back exactly once (GMA_REASM_COMPLETE, expiry
 * or rejection), never one the reassembler does not hold; a completed SDU
 * lists offsets 0..n-1 in order, MF on all but the last, lens summing to
 * bytes; the held count and bytes match, bytes stay within the bound; only
 * partial SDUs at least the timeout old expire and none older is left; the
 * statistics count what happened; at the end an expiry far in the future
 * hands everything back.  Any violation ends in __builtin_trap().
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gma_frag.h"
#include "fuzz_check.h"

#define REC_LEN 5u
#define REC_MAX 2048u
#define N_SN 16u
#define MAX_BYTES 4096u
#define TIMEOUT_MS 50u

/* Flow SNs: small ones, and the edges of the 24-bit space. */
static const uint32_t sn_values[N_SN] = {
	0, 1, 2, 3, 4, 5, 6, 7, 0xFFFFFF, 0xFFFFFE, 0x800000, 0x7FFFFF, 0x123456, 8, 9, 10,
};

struct frag {
	bool held;
	uint8_t fc;
	uint8_t sn_idx;
	uint16_t len;
	uint64_t t;
};

static struct frag tab[REC_MAX];
static unsigned n_tab;
static unsigned held_n;
static uint32_t held_bytes;
/* Per SN: fragments held and the arrival of the first of them.  All held
 * fragments of one SN belong to one partial SDU between calls. */
static unsigned sn_held[N_SN];
static uint64_t sn_first[N_SN];
static alignas(64) uint8_t mem[1u << 16];
static struct gma_reasm_done done;
static void *out[8];

static struct frag *frag_of(void *h)
{
	uintptr_t p = (uintptr_t)h, base = (uintptr_t)tab;

	CHECK(p >= base && p < base + (uintptr_t)n_tab * sizeof(tab[0]));
	CHECK((p - base) % sizeof(tab[0]) == 0);
	return (struct frag *)h;
}

static void hold(struct frag *f)
{
	f->held = true;
	held_n++;
	held_bytes += f->len;
	if (sn_held[f->sn_idx]++ == 0)
		sn_first[f->sn_idx] = f->t;
}

static void release(struct frag *f)
{
	CHECK(f->held);
	f->held = false;
	held_n--;
	held_bytes -= f->len;
	sn_held[f->sn_idx]--;
}

static void check_held(const struct gma_reasm *r)
{
	uint32_t bytes = 0;

	CHECK(gma_reasm_held(r, &bytes) == held_n);
	CHECK(bytes == held_bytes);
	CHECK(held_bytes <= MAX_BYTES);
}

/* Drain every expired SDU; returns how many SDUs were lost. */
static unsigned drain(struct gma_reasm *r, uint64_t now, unsigned max)
{
	uint64_t first[N_SN];
	bool lost[N_SN] = { false };
	unsigned w, n_lost = 0, rounds = 0;

	memcpy(first, sn_first, sizeof(first));
	do {
		w = gma_reasm_expire(r, now, out, max);
		CHECK(w <= max);
		for (unsigned i = 0; i < w; i++) {
			struct frag *f = frag_of(out[i]);

			/* Only a partial SDU at least the timeout old. */
			CHECK(sn_held[f->sn_idx] > 0);
			CHECK(now >= first[f->sn_idx] && now - first[f->sn_idx] >= TIMEOUT_MS);
			lost[f->sn_idx] = true;
			release(f);
		}
		check_held(r);
		CHECK(++rounds <= REC_MAX + 1);
	} while (w == max);

	/* Nothing older than the timeout is left behind, and an expired SDU
	 * leaves nothing behind. */
	for (unsigned k = 0; k < N_SN; k++) {
		if (sn_held[k] > 0)
			CHECK(!lost[k] && now - sn_first[k] <= TIMEOUT_MS);
		n_lost += lost[k];
	}
	return n_lost;
}

static void check_done(uint32_t sn, struct frag *added)
{
	uint32_t sum = 0;
	bool saw_added = false;

	CHECK(done.flow_sn == sn);
	CHECK(done.n >= 1 && done.n <= GMA_FRAG_MAX);
	for (unsigned k = 0; k < done.n; k++) {
		struct frag *f = frag_of(done.handles[k]);

		CHECK(sn_values[f->sn_idx] == sn);
		CHECK((f->fc & GMA_FC_FO) == k);
		CHECK(!!(f->fc & GMA_FC_MF) == (k + 1 < done.n));
		CHECK(done.lens[k] == f->len);
		sum += done.lens[k];
		if (f == added) {
			CHECK(!saw_added);
			saw_added = true;
		} else {
			release(f);
		}
	}
	CHECK(saw_added);
	CHECK(sum == done.bytes);
	/* The whole partial SDU came back. */
	CHECK(sn_held[added->sn_idx] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gma_reasm_cfg cfg = { .max_bytes = MAX_BYTES, .timeout_ms = TIMEOUT_MS };
	const struct gma_reasm_stats *st;
	struct gma_reasm *r;
	uint64_t now = 1000, n_frag = 0, n_done = 0, n_rej = 0, n_lost = 0;
	unsigned exp_max;
	size_t msize;

	if (data == NULL || size < 1)
		return 0;
	cfg.slots = (uint16_t)(1u + (data[0] & 3u));
	exp_max = 1u + ((data[0] >> 2) & 7u);
	msize = gma_reasm_memsize(&cfg);
	CHECK(msize > 0 && msize <= sizeof(mem));
	r = gma_reasm_init(mem, msize, &cfg);
	CHECK(r != NULL);
	n_tab = 0;
	held_n = 0;
	held_bytes = 0;
	memset(sn_held, 0, sizeof(sn_held));
	check_held(r);

	for (size_t pos = 1; pos + REC_LEN <= size && n_tab < REC_MAX; pos += REC_LEN) {
		const uint8_t *rec = data + pos;
		struct frag *f = &tab[n_tab];
		uint32_t sn;
		int rc;

		/* Mostly small offsets so that SDUs complete; sometimes any. */
		f->sn_idx = rec[0] & (N_SN - 1);
		f->fc = rec[1];
		if (rec[0] & 0x80)
			f->fc = (uint8_t)((rec[1] & GMA_FC_MF) | (rec[1] & 0x03));
		f->len = (uint16_t)(((rec[2] & 0x0Fu) << 8) | rec[3]);
		f->held = false;
		now += rec[4] >= 0xF0 ? 1000u : (rec[4] & 0x3Fu);
		f->t = now;
		n_tab++;
		sn = sn_values[f->sn_idx];

		n_lost += drain(r, now, exp_max);

		memset(&done, 0, sizeof(done));
		rc = gma_reasm_add(r, sn, f->fc, f, f->len, now, &done);
		if (rc == GMA_REASM_HELD) {
			hold(f);
			n_frag++;
		} else if (rc == GMA_REASM_COMPLETE) {
			check_done(sn, f);
			n_frag++;
			n_done++;
		} else {
			CHECK(rc == -GMA_ERR_NOSPACE || rc == -GMA_ERR_FRAG_OFFSET ||
			      rc == -GMA_ERR_INVAL);
			if (f->fc != 0)
				n_rej++;
		}
		check_held(r);

		st = gma_reasm_stats(r);
		CHECK(st != NULL);
		CHECK(st->fragments == n_frag);
		CHECK(st->completed == n_done);
		CHECK(st->dup_fragment + st->over_bytes + st->no_slot + st->bad_fragment == n_rej);
		CHECK(st->lost_timeout == n_lost);
	}

	/* Far in the future everything left is handed back. */
	now += (uint64_t)1 << 40;
	n_lost += drain(r, now, exp_max);
	CHECK(held_n == 0 && held_bytes == 0);
	for (unsigned i = 0; i < n_tab; i++)
		CHECK(!tab[i].held);
	check_held(r);
	CHECK(gma_reasm_stats(r)->lost_timeout == n_lost);
	return 0;
}
