/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reorder window: scenario tests with exact expected output and counters.
 *
 * The scenario tests describe traffic as (send order, SN, path, arrival
 * time) and replay it in arrival order, polling at every deadline the window
 * reports before the next arrival, as the data plane's timer would.  Every
 * packet has its own handle, so a handle returned twice or never is caught.
 * Randomness comes from a fixed-seed xorshift, never rand().
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gma_reorder.h"
#include "gma_seq.h"

#define MAXEV 8192u
#define OUT_BIG 4096u

static _Alignas(64) unsigned char mem[1u << 20];

static uint32_t rng_state;

static uint32_t rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	rng_state = x;
	return x;
}

/* Paths at and above npaths are set down, as the control plane would. */
static struct gma_reorder *mk(uint32_t window, uint32_t timeout_ms, bool deliver_late,
			      unsigned npaths)
{
	struct gma_reorder_cfg cfg = {
		.window = window,
		.timeout_ms = timeout_ms,
		.deliver_late = deliver_late,
	};
	struct gma_reorder *r = gma_reorder_init(mem, sizeof(mem), &cfg);
	unsigned p;

	cr_assert_not_null(r);
	for (p = npaths; p < GMA_REORDER_MAX_PATHS; p++)
		gma_reorder_set_path(r, p, false);
	return r;
}

/* Handles of the hand-written tests: one per SN. */
static void *h(uint32_t sn)
{
	return (void *)(uintptr_t)(sn + 1u);
}

static uint32_t sn_of(void *handle)
{
	return (uint32_t)((uintptr_t)handle - 1u);
}

static void expect_out(void **out, unsigned n, const uint32_t *sn, unsigned nsn)
{
	unsigned i;

	cr_assert_eq(n, nsn, "released %u packets, expected %u", n, nsn);
	for (i = 0; i < n; i++)
		cr_assert_eq(sn_of(out[i]), sn[i], "out[%u] = SN %u, expected %u", i,
			     sn_of(out[i]), sn[i]);
}

/* Insert that must not drop: returns the count released. */
static unsigned put(struct gma_reorder *r, uint32_t sn, unsigned path, uint64_t t, void **out,
		    unsigned out_max)
{
	void *dropped = h(0xDEAD);
	unsigned n = gma_reorder_insert(r, sn, path, h(sn), t, out, out_max, &dropped);

	cr_assert_null(dropped, "SN %u dropped", sn);
	return n;
}

/* Insert that must drop the packet itself and release nothing. */
static void put_dropped(struct gma_reorder *r, uint32_t sn, unsigned path, uint64_t t)
{
	void *out[4];
	void *dropped = NULL;
	unsigned n = gma_reorder_insert(r, sn, path, h(sn), t, out, 4, &dropped);

	cr_assert_eq(n, 0);
	cr_assert_eq(dropped, h(sn), "SN %u not dropped", sn);
}

/* ---- Trace replay ---- */

struct ev {
	uint64_t t; /* arrival time */
	uint32_t sn;
	unsigned path;
	unsigned id; /* send order; breaks ties in arrival time */
};

static struct sim {
	struct gma_reorder *r;
	struct ev ev[MAXEV];
	unsigned nev;
	uint32_t sn_of_id[MAXEV];
	unsigned back[MAXEV]; /* times each packet came back */
	uint32_t out[MAXEV]; /* SNs released, in release order */
	unsigned nout;
	unsigned ndrop;
	unsigned polls;
} sim;

static void sim_start(struct gma_reorder *r)
{
	memset(&sim, 0, sizeof(sim));
	sim.r = r;
}

static void sim_send(uint32_t sn, unsigned path, uint64_t arrival)
{
	cr_assert_lt(sim.nev, MAXEV);
	sim.sn_of_id[sim.nev] = sn & GMA_SN24_MASK;
	sim.ev[sim.nev] = (struct ev){ .t = arrival, .sn = sn & GMA_SN24_MASK, .path = path,
				       .id = sim.nev };
	sim.nev++;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void sim_collect(void **out, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		unsigned id = (unsigned)((uintptr_t)out[i] - 1u);

		cr_assert_lt(id, sim.nev);
		sim.back[id]++;
		sim.out[sim.nout++] = sim.sn_of_id[id];
	}
}

/* Poll at every deadline before t; each such poll must release something. */
static void sim_poll_before(uint64_t t)
{
	static void *out[OUT_BIG];
	uint64_t dl;

	while ((dl = gma_reorder_next_deadline(sim.r)) < t) {
		unsigned n = gma_reorder_poll(sim.r, dl, out, OUT_BIG);

		cr_assert_gt(n, 0, "poll at deadline %llu released nothing", (unsigned long long)dl);
		sim_collect(out, n);
		sim.polls++;
	}
}

/* Replay the trace; returns with the window possibly still holding packets. */
static void sim_replay(void)
{
	static void *out[OUT_BIG];
	unsigned i;

	qsort(sim.ev, sim.nev, sizeof(sim.ev[0]), ev_cmp);
	for (i = 0; i < sim.nev; i++) {
		const struct ev *e = &sim.ev[i];
		void *dropped;
		unsigned n;

		sim_poll_before(e->t);
		n = gma_reorder_insert(sim.r, e->sn, e->path, (void *)(uintptr_t)(e->id + 1u), e->t,
				       out, OUT_BIG, &dropped);
		sim_collect(out, n);
		if (dropped != NULL) {
			cr_assert_eq(dropped, (void *)(uintptr_t)(e->id + 1u));
			sim.back[e->id]++;
			sim.ndrop++;
		}
	}
}

/* Let the clock run until nothing is held. */
static void sim_drain(void)
{
	sim_poll_before(UINT64_MAX);
	cr_assert_eq(gma_reorder_held(sim.r), 0);
}

static void sim_expect_each_back_once(void)
{
	unsigned i;

	for (i = 0; i < sim.nev; i++)
		cr_assert_eq(sim.back[i], 1, "packet %u (SN %u) came back %u times", i,
			     sim.sn_of_id[i], sim.back[i]);
}

/* Released SNs are exactly first, first+1, ..., first+n-1 (mod 2^24). */
static void sim_expect_out_run(uint32_t first, unsigned n)
{
	unsigned i;

	cr_assert_eq(sim.nout, n, "released %u, expected %u", sim.nout, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(sim.out[i], (first + i) & GMA_SN24_MASK, "out[%u] = %u, expected %u",
			     i, sim.out[i], (first + i) & GMA_SN24_MASK);
}

/* Number of adjacent pairs of the replayed trace that arrive out of SN order. */
static unsigned sim_arrival_inversions(void)
{
	unsigned i, inv = 0;

	for (i = 1; i < sim.nev; i++)
		if (gma_sn24_diff(sim.ev[i].sn, sim.ev[i - 1].sn) < 0)
			inv++;
	return inv;
}

/* ---- Configuration ---- */

Test(reorder, init_rejects_bad_cfg)
{
	static const uint32_t bad[] = { 0, 1, 3, 6, 100, 65536, 1u << 20, UINT32_MAX };
	struct gma_reorder_cfg cfg = { .window = 64, .timeout_ms = 100 };
	size_t need;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.window = bad[i];
		cr_expect_eq(gma_reorder_memsize(bad[i]), 0, "window %u", bad[i]);
		cr_expect_null(gma_reorder_init(mem, sizeof(mem), &cfg), "window %u", bad[i]);
	}

	cfg.window = 2;
	cr_expect_not_null(gma_reorder_init(mem, gma_reorder_memsize(2), &cfg));
	cfg.window = GMA_REORDER_MAX_WINDOW;
	need = gma_reorder_memsize(GMA_REORDER_MAX_WINDOW);
	cr_assert_leq(need, sizeof(mem));
	cr_expect_not_null(gma_reorder_init(mem, need, &cfg));
	cr_expect_null(gma_reorder_init(mem, need - 1, &cfg));

	cfg.window = 64;
	need = gma_reorder_memsize(64);
	cr_expect_null(gma_reorder_init(mem, need - 1, &cfg));
	cr_expect_null(gma_reorder_init(NULL, need, &cfg));
	cr_expect_null(gma_reorder_init(mem, need, NULL));
	/* Any buffer alignment: memsize includes the slack. */
	cr_expect_not_null(gma_reorder_init(mem + 1, need, &cfg));
}

/* ---- Traffic scenarios ---- */

/*
 * SN i sent at time 5000 + i, even SNs on path 0 (latency 2), odd on path 1
 * (latency 11: nine packets behind).  Every odd SN fills the head gap, every
 * even one but the first waits for it.  Path 1 has delivered nothing when
 * SN 2 arrives: only its presumed liveness at flow start keeps SN 1.
 */
Test(reorder, skew_two_paths_in_order)
{
	const struct gma_reorder_stats *st;
	uint32_t i;

	sim_start(mk(64, 100, true, 2));
	for (i = 0; i < 1000; i++)
		sim_send(i, i & 1u, 5000u + i + ((i & 1u) ? 11u : 2u));
	sim_replay();
	/* The trace really is out of order: a pass-through would fail below. */
	cr_assert_gt(sim_arrival_inversions(), 400);
	sim_drain();

	sim_expect_out_run(0, 1000);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->in_order, 501);
	cr_expect_eq(st->reordered, 499);
	cr_expect_eq(st->early + st->timed_out + st->overflow, 0);
	cr_expect_eq(st->late + st->duplicate + st->stale, 0);
	cr_expect_eq(sim.ndrop, 0);
	cr_expect_eq(sim.polls, 0, "nothing should have waited for a timer");
}

/*
 * Random path per packet (latency 10 or 30), a random 5% of SNs never sent.
 * Paths deliver in order, so no packet that was sent is given up: every gap
 * is a real loss, released by the early rule while both paths run and by the
 * timeout at the end of the stream.
 */
Test(reorder, random_loss_released_in_order)
{
	enum { N = 4000 };
	static bool lost[N];
	const struct gma_reorder_stats *st;
	uint32_t i, last_sent = 0, nlost_inside = 0, nsent = 0, k;

	rng_state = 0x2545F491u;
	sim_start(mk(256, 100, true, 2));
	for (i = 0; i < N; i++) {
		unsigned path = rng() & 1u;

		/* SN 0 must arrive first: it sets the expected SN. */
		lost[i] = i > 0 && rng() % 100u < 5u;
		if (i == 0)
			path = 0;
		if (lost[i])
			continue;
		sim_send(i, path, i + (path ? 30u : 10u));
		last_sent = i;
		nsent++;
	}
	for (i = 0; i < last_sent; i++)
		nlost_inside += lost[i];
	cr_assert_gt(nlost_inside, 100);

	sim_replay();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->timed_out, 0, "no timeout while both paths are running");
	sim_drain();

	sim_expect_each_back_once();
	cr_assert_eq(sim.nout, nsent);
	for (i = 0, k = 0; i < N && k < sim.nout; i++) {
		if (lost[i])
			continue;
		cr_assert_eq(sim.out[k], i, "out[%u] = %u, expected %u", k, sim.out[k], i);
		k++;
	}
	cr_expect_eq(st->early + st->timed_out, nlost_inside);
	cr_expect_gt(st->early, nlost_inside - 10);
	cr_expect_eq(st->in_order + st->reordered, nsent);
	cr_expect_eq(st->overflow + st->late + st->duplicate + st->stale, 0);
}

/*
 * Duplication mode: every SN on both paths.  Path 0 is faster for the first
 * half, path 1 for the second; the slower copy is always a duplicate.
 */
Test(reorder, duplication_each_sn_once)
{
	const struct gma_reorder_stats *st;
	uint32_t i;

	sim_start(mk(64, 100, true, 2));
	for (i = 0; i < 1000; i++) {
		sim_send(i, 0, i + (i < 500 ? 5u : 20u));
		sim_send(i, 1, i + 12u);
	}
	sim_replay();
	sim_drain();

	sim_expect_out_run(0, 1000);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->duplicate, 1000);
	cr_expect_eq(sim.ndrop, 1000);
	cr_expect_eq(st->in_order, 1000);
	cr_expect_eq(st->reordered + st->early + st->timed_out + st->overflow, 0);
	cr_expect_eq(st->late + st->stale, 0);
}

Test(reorder, duplicate_of_held_packet)
{
	void *out[8];
	struct gma_reorder *r = mk(16, 100, true, 2);

	cr_assert_eq(put(r, 0, 1, 0, out, 8), 1);
	cr_assert_eq(put(r, 3, 0, 1, out, 8), 0);
	/* Same path: path 1 still holds SNs 1 and 2. */
	put_dropped(r, 3, 0, 2);
	cr_expect_eq(gma_reorder_held(r), 1);
	cr_expect_eq(gma_reorder_stats(r)->duplicate, 1);
}

/*
 * Path switch: SN 0..99 on the old path 0 (latency 50), SN 100..299 on the
 * new path 1 (latency 5).  Path 1's packets overtake the last 45 of path 0;
 * path 0 stays live while it drains, so none of its SNs is given up.
 */
Test(reorder, path_switch_old_path_drains)
{
	const struct gma_reorder_stats *st;
	uint32_t i;

	sim_start(mk(256, 100, true, 2));
	for (i = 0; i < 300; i++)
		sim_send(i, i < 100 ? 0 : 1, i + (i < 100 ? 50u : 5u));
	sim_replay();
	cr_assert_gt(sim_arrival_inversions(), 0);
	sim_drain();

	sim_expect_out_run(0, 300);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->early, 0);
	cr_expect_eq(st->timed_out, 0);
	/* 100..143 arrive (105..148) before SN 99 (149) and wait for it. */
	cr_expect_eq(st->reordered, 44);
	cr_expect_eq(st->in_order, 256);
	cr_expect_eq(st->late + st->duplicate + st->stale + st->overflow, 0);
}

/*
 * Odd SNs on path 0 (latency 19), even on path 1 (latency 0); SN i sent at
 * time i.  Path 0 goes silent after SN 41 (arrives at 60), path 1 sends up
 * to SN 46.  So 43 and 45 never come, while 44 (at 44) and 46 (at 46) wait.
 */
static void dead_path_trace(void)
{
	uint32_t i;

	sim_start(mk(64, 50, true, 2));
	for (i = 0; i <= 46; i++) {
		if ((i & 1u) && i > 41)
			continue;
		sim_send(i, (i & 1u) ? 0 : 1, i + ((i & 1u) ? 19u : 0u));
	}
	sim_replay();
	sim_expect_out_run(0, 43);
	cr_assert_eq(gma_reorder_held(sim.r), 2);
}

/*
 * Path 0 was last heard at 60, so it stays live until 110 and holds the gap:
 * each gap goes when the packet after it has waited 50 ms (94, 96).
 */
Test(reorder, dead_path_released_by_timeout)
{
	const struct gma_reorder_stats *st;

	dead_path_trace();
	cr_expect_eq(gma_reorder_next_deadline(sim.r), 94);
	sim_drain();

	cr_expect_eq(sim.nout, 45);
	cr_expect_eq(sim.out[43], 44);
	cr_expect_eq(sim.out[44], 46);
	cr_expect_eq(sim.polls, 2);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->timed_out, 2);
	cr_expect_eq(st->early, 0);
}

/* Once path 0 is set down, path 1 alone decides: released at once. */
Test(reorder, dead_path_set_down_released_early)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	unsigned n;

	dead_path_trace();
	gma_reorder_set_path(sim.r, 0, false);
	cr_expect_eq(gma_reorder_next_deadline(sim.r), 60, "due at once (last time seen)");
	n = gma_reorder_poll(sim.r, 70, out, 8);
	cr_assert_eq(n, 2);
	sim_collect(out, n);
	cr_expect_eq(sim.out[43], 44);
	cr_expect_eq(sim.out[44], 46);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->early, 2);
	cr_expect_eq(st->timed_out, 0);
	cr_expect_eq(gma_reorder_held(sim.r), 0);
	cr_expect_eq(gma_reorder_next_deadline(sim.r), UINT64_MAX);
}

/* The skew scenario across the 24-bit wrap. */
Test(reorder, sn24_wrap)
{
	const struct gma_reorder_stats *st;
	const uint32_t base = 0xFFFFF0u;
	uint32_t i;

	sim_start(mk(64, 100, true, 2));
	for (i = 0; i < 100; i++)
		sim_send(base + i, i & 1u, i + ((i & 1u) ? 11u : 2u));
	sim_replay();
	sim_drain();

	sim_expect_out_run(base, 100);
	cr_expect_eq(sim.out[16], 0);
	sim_expect_each_back_once();
	st = gma_reorder_stats(sim.r);
	cr_expect_eq(st->in_order, 51);
	cr_expect_eq(st->reordered, 49);
	cr_expect_eq(st->early + st->timed_out + st->overflow + st->late + st->stale, 0);
}

/* A path that is up but never delivers stops holding gaps after timeout_ms. */
Test(reorder, silent_path_stops_holding_after_timeout)
{
	void *out[8];
	struct gma_reorder *r = mk(16, 100, true, 2);

	cr_assert_eq(put(r, 0, 0, 0, out, 8), 1);
	/* Path 1 may still bring SN 1: wait. */
	cr_assert_eq(put(r, 2, 0, 10, out, 8), 0);
	cr_expect_eq(gma_reorder_next_deadline(r), 100);
	cr_expect_eq(gma_reorder_poll(r, 99, out, 8), 0);
	expect_out(out, gma_reorder_poll(r, 100, out, 8), (const uint32_t[]){ 2 }, 1);
	cr_expect_eq(gma_reorder_stats(r)->early, 1);
	/* From now on path 0 alone decides. */
	cr_assert_eq(put(r, 4, 0, 101, out, 8), 1);
	cr_expect_eq(sn_of(out[0]), 4);
	cr_expect_eq(gma_reorder_stats(r)->early, 2);
	cr_expect_eq(gma_reorder_stats(r)->timed_out, 0);
}

/* A path set up again may have packets on the way: it holds gaps. */
Test(reorder, path_set_up_again_presumed_live)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 100, true, 2);

	gma_reorder_set_path(r, 1, false);
	cr_assert_eq(put(r, 0, 0, 1000, out, 8), 1);
	/* Path 0 alone: SN 1 is lost. */
	expect_out(out, put(r, 2, 0, 1010, out, 8), (const uint32_t[]){ 2 }, 1);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->early, 1);

	gma_reorder_set_path(r, 1, true);
	cr_assert_eq(put(r, 4, 0, 1020, out, 8), 0);
	cr_expect_eq(gma_reorder_next_deadline(r), 1110);
	expect_out(out, put(r, 3, 1, 1030, out, 8), (const uint32_t[]){ 3, 4 }, 2);
	cr_expect_eq(st->early, 1);
	cr_expect_eq(st->late, 0);
}

/*
 * A flow that resumes after being idle longer than the timeout: the other
 * path is presumed live again, as at the start, so a gap it may fill is
 * held, not given up at once (mams-client saw 1, 3, 2 at stream starts).
 */
Test(reorder, idle_flow_resumes_with_every_path_presumed_live)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 100, true, 2);

	cr_assert_eq(put(r, 0, 0, 0, out, 8), 1);
	cr_assert_eq(put(r, 1, 1, 5, out, 8), 1);
	/* A second of silence, then path 0 brings 2 and 4; 3 is on path 1. */
	cr_assert_eq(put(r, 2, 0, 1005, out, 8), 1);
	cr_assert_eq(put(r, 4, 0, 1006, out, 8), 0, "4 must wait for path 1");
	expect_out(out, put(r, 3, 1, 1030, out, 8), (const uint32_t[]){ 3, 4 }, 2);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->early, 0);
	cr_expect_eq(st->late, 0);
	/* 4 waited from 1006 to 1030; 3 was released on arrival. */
	cr_expect_eq(st->reordered, 1);
	cr_expect_eq(st->hold_ms_sum, 24);
	cr_expect_eq(st->hold_ms_max, 24);
	/* Path 1 stays silent after the next idle period: the gap is given up
	 * when the presumption runs out, timeout_ms after the flow resumed. */
	cr_assert_eq(put(r, 5, 0, 3000, out, 8), 1);
	cr_assert_eq(put(r, 7, 0, 3001, out, 8), 0);
	cr_expect_eq(gma_reorder_poll(r, 3099, out, 8), 0);
	expect_out(out, gma_reorder_poll(r, 3100, out, 8), (const uint32_t[]){ 7 }, 1);
}

/* When both rules would give a gap up at once, it counts as a timeout. */
Test(reorder, timeout_counted_before_early)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 50, true, 2);

	cr_assert_eq(put(r, 0, 1, 200, out, 8), 1);
	cr_assert_eq(put(r, 2, 0, 200, out, 8), 0);
	cr_assert_eq(put(r, 3, 0, 220, out, 8), 0);
	cr_expect_eq(gma_reorder_next_deadline(r), 250);
	cr_expect_eq(gma_reorder_poll(r, 249, out, 8), 0);
	/*
	 * At 250 SN 2 has waited 50, and path 1, holding SN 1, has just
	 * stopped being live while path 0, past it, still is.
	 */
	expect_out(out, gma_reorder_poll(r, 250, out, 8), (const uint32_t[]){ 2, 3 }, 2);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->timed_out, 1);
	cr_expect_eq(st->early, 0);
}

/* ---- Window edges ---- */

/*
 * Window 8.  Path 1 delivers SN 0 and stays live with nothing beyond it, so
 * only the window itself can give up SN 1.
 */
Test(reorder, window_overflow_slide)
{
	void *out[16];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(8, 1000, true, 2);
	uint32_t sn;

	cr_assert_eq(put(r, 0, 1, 0, out, 16), 1);
	for (sn = 2; sn <= 8; sn++)
		cr_assert_eq(put(r, sn, 0, 1, out, 16), 0);
	cr_expect_eq(gma_reorder_held(r), 7);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->overflow, 0);

	/* SN 9 = head + window: the head slides to 2. */
	expect_out(out, put(r, 9, 0, 2, out, 16), (const uint32_t[]){ 2, 3, 4, 5, 6, 7, 8, 9 }, 8);
	cr_expect_eq(st->overflow, 1);
	cr_expect_eq(gma_reorder_held(r), 0);

	/* Far ahead: head 10 -> 103, handing out 12 and 14 on the way. */
	cr_assert_eq(put(r, 12, 0, 3, out, 16), 0);
	cr_assert_eq(put(r, 14, 0, 3, out, 16), 0);
	expect_out(out, put(r, 110, 0, 4, out, 16), (const uint32_t[]){ 12, 14 }, 2);
	cr_expect_eq(st->overflow, 1 + 93 - 2);
	cr_expect_eq(gma_reorder_held(r), 1);
	cr_expect_eq(st->reordered, 10);

	/* The history behind the new head knows 95..102 were given up. */
	expect_out(out, put(r, 95, 0, 5, out, 16), (const uint32_t[]){ 95 }, 1);
	cr_expect_eq(st->late, 1);
	put_dropped(r, 94, 0, 5);
	cr_expect_eq(st->stale, 1);
	expect_out(out, gma_reorder_flush(r, out, 16), (const uint32_t[]){ 110 }, 1);
}

/*
 * The slide must hand out what it passes; with out too small it stops at
 * the first packet that does not fit and drops the newcomer instead.
 */
Test(reorder, overflow_with_full_out_drops_newcomer)
{
	void *out[16];
	void *dropped = NULL;
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(8, 1000, true, 2);
	uint32_t sn;
	unsigned n;

	cr_assert_eq(put(r, 0, 1, 0, out, 16), 1);
	for (sn = 2; sn <= 8; sn++)
		cr_assert_eq(put(r, sn, 0, 1, out, 16), 0);

	/* SN 20 needs the head at 13: past 1 (lost) and 2..8 (held). */
	n = gma_reorder_insert(r, 20, 0, h(20), 2, out, 2, &dropped);
	expect_out(out, n, (const uint32_t[]){ 2, 3 }, 2);
	cr_expect_eq(dropped, h(20));
	st = gma_reorder_stats(r);
	cr_expect_eq(st->overflow, 1);
	cr_expect_eq(gma_reorder_held(r), 5);
	/* The rest is ready: the next poll hands it out. */
	cr_expect_eq(gma_reorder_next_deadline(r), 2);
	expect_out(out, gma_reorder_poll(r, 2, out, 16), (const uint32_t[]){ 4, 5, 6, 7, 8 }, 5);
	cr_expect_eq(gma_reorder_held(r), 0);
	cr_expect_eq(st->overflow, 1);
	cr_expect_eq(st->reordered, 7);
}

Test(reorder, late_delivered_when_configured)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 1000, true, 1);

	cr_assert_eq(put(r, 0, 0, 0, out, 8), 1);
	/* The only path has passed SN 1: lost, given up at once. */
	expect_out(out, put(r, 2, 0, 1, out, 8), (const uint32_t[]){ 2 }, 1);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->early, 1);

	expect_out(out, put(r, 1, 0, 2, out, 8), (const uint32_t[]){ 1 }, 1);
	cr_expect_eq(st->late, 1);
	/* Delivered now: a second copy is a duplicate. */
	put_dropped(r, 1, 0, 3);
	cr_expect_eq(st->late, 1);
	cr_expect_eq(st->duplicate, 1);
	cr_expect_eq(st->in_order, 1);
	cr_expect_eq(st->reordered, 1);

	/* A late packet has no slot to wait in: with no room in out it goes. */
	expect_out(out, put(r, 4, 0, 4, out, 8), (const uint32_t[]){ 4 }, 1);
	cr_expect_eq(st->early, 2);
	{
		void *dropped = NULL;

		cr_expect_eq(gma_reorder_insert(r, 3, 0, h(3), 5, out, 0, &dropped), 0);
		cr_expect_eq(dropped, h(3));
	}
	cr_expect_eq(st->late, 2);
	cr_expect_eq(gma_reorder_held(r), 0);
}

Test(reorder, late_dropped_when_configured)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 1000, false, 1);

	cr_assert_eq(put(r, 0, 0, 0, out, 8), 1);
	expect_out(out, put(r, 2, 0, 1, out, 8), (const uint32_t[]){ 2 }, 1);
	put_dropped(r, 1, 0, 2);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->late, 1);
	/* Still given up, not delivered: a second copy is late again. */
	put_dropped(r, 1, 0, 3);
	cr_expect_eq(st->late, 2);
	cr_expect_eq(st->duplicate, 0);
}

Test(reorder, stale)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(8, 1000, true, 1);
	uint32_t sn;

	/* The first packet sets the head: nothing is known before it. */
	cr_assert_eq(put(r, 100, 0, 0, out, 8), 1);
	put_dropped(r, 99, 0, 0);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->stale, 1);

	for (sn = 101; sn <= 120; sn++)
		cr_assert_eq(put(r, sn, 0, 1, out, 8), 1);
	/* Head 121, history 113..120. */
	put_dropped(r, 113, 0, 2);
	cr_expect_eq(st->duplicate, 1);
	put_dropped(r, 112, 0, 2);
	cr_expect_eq(st->stale, 2);
	/* Exactly half the SN space behind counts as behind, not ahead. */
	put_dropped(r, (121u + 0x800000u) & GMA_SN24_MASK, 0, 3);
	cr_expect_eq(st->stale, 3);
	cr_expect_eq(st->overflow, 0);
	cr_expect_eq(gma_reorder_held(r), 0);
}

Test(reorder, out_max_smaller_than_ready_run)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 1000, true, 2);
	uint32_t sn;

	cr_assert_eq(put(r, 0, 1, 0, out, 8), 1);
	for (sn = 2; sn <= 9; sn++)
		cr_assert_eq(put(r, sn, 0, 1, out, 8), 0);
	expect_out(out, put(r, 1, 1, 2, out, 3), (const uint32_t[]){ 1, 2, 3 }, 3);
	cr_expect_eq(gma_reorder_held(r), 6);
	cr_expect_eq(gma_reorder_next_deadline(r), 2, "ready now");

	expect_out(out, gma_reorder_poll(r, 3, out, 4), (const uint32_t[]){ 4, 5, 6, 7 }, 4);
	cr_expect_eq(gma_reorder_held(r), 2);
	cr_expect_eq(gma_reorder_poll(r, 3, out, 0), 0);
	expect_out(out, gma_reorder_poll(r, 3, out, 8), (const uint32_t[]){ 8, 9 }, 2);
	cr_expect_eq(gma_reorder_held(r), 0);

	/* An in-order packet with no room at all waits in the window. */
	cr_assert_eq(put(r, 10, 1, 4, out, 0), 0);
	cr_expect_eq(gma_reorder_held(r), 1);
	/* A copy of it is a duplicate; the insert hands out the original. */
	{
		void *dropped = NULL;

		expect_out(out, gma_reorder_insert(r, 10, 1, h(10), 4, out, 8, &dropped),
			   (const uint32_t[]){ 10 }, 1);
		cr_expect_eq(dropped, h(10));
	}

	st = gma_reorder_stats(r);
	cr_expect_eq(st->in_order, 3);
	cr_expect_eq(st->reordered, 8);
	cr_expect_eq(st->duplicate, 1);
	cr_expect_eq(st->early + st->timed_out + st->overflow, 0);
	cr_expect_eq(gma_reorder_next_deadline(r), UINT64_MAX);
}

Test(reorder, flush)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 1000, false, 2);

	cr_assert_eq(put(r, 0, 1, 0, out, 8), 1);
	cr_assert_eq(put(r, 3, 0, 1, out, 8), 0);
	cr_assert_eq(put(r, 6, 0, 1, out, 8), 0);
	cr_assert_eq(put(r, 5, 0, 1, out, 8), 0);
	cr_expect_eq(gma_reorder_held(r), 3);

	expect_out(out, gma_reorder_flush(r, out, 2), (const uint32_t[]){ 3, 5 }, 2);
	cr_expect_eq(gma_reorder_held(r), 1);
	expect_out(out, gma_reorder_flush(r, out, 8), (const uint32_t[]){ 6 }, 1);
	cr_expect_eq(gma_reorder_held(r), 0);
	cr_expect_eq(gma_reorder_flush(r, out, 8), 0);

	/* The flow goes on after the flushed run; skipped SNs are late. */
	put_dropped(r, 4, 0, 2);
	expect_out(out, put(r, 7, 1, 2, out, 8), (const uint32_t[]){ 7 }, 1);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->late, 1);
	cr_expect_eq(st->reordered, 3);
	cr_expect_eq(st->in_order, 2);
	cr_expect_eq(st->early + st->timed_out + st->overflow, 0);
}

/*
 * The timeout runs from the oldest arrival, not from the lowest SN held: SN
 * 5 (at 10) makes the deadline, though SN 3 (at 20) is ahead of it.
 */
Test(reorder, next_deadline_timeout)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 50, true, 2);

	cr_expect_eq(gma_reorder_next_deadline(r), UINT64_MAX);
	cr_assert_eq(put(r, 0, 1, 0, out, 8), 1);
	cr_expect_eq(gma_reorder_next_deadline(r), UINT64_MAX);
	cr_assert_eq(put(r, 5, 0, 10, out, 8), 0);
	/* Path 1, holding the gap, would fall silent at 50 (the early rule). */
	cr_expect_eq(gma_reorder_next_deadline(r), 50);
	cr_assert_eq(put(r, 3, 0, 20, out, 8), 0);
	cr_expect_eq(gma_reorder_next_deadline(r), 50);
	/* Now path 1 stays live (and behind) until 75. */
	put_dropped(r, 0, 1, 25);
	cr_expect_eq(gma_reorder_next_deadline(r), 60);

	cr_expect_eq(gma_reorder_poll(r, 59, out, 8), 0);
	expect_out(out, gma_reorder_poll(r, 60, out, 8), (const uint32_t[]){ 3, 5 }, 2);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->timed_out, 3);
	cr_expect_eq(st->early, 0);
	cr_expect_eq(gma_reorder_next_deadline(r), UINT64_MAX);
}

/*
 * A path holding the gap that falls silent brings the deadline forward: at
 * 50 path 1 stops being live, and path 0 has passed the gap.
 */
Test(reorder, next_deadline_early)
{
	void *out[8];
	const struct gma_reorder_stats *st;
	struct gma_reorder *r = mk(16, 50, true, 2);

	cr_assert_eq(put(r, 0, 1, 0, out, 8), 1);
	cr_assert_eq(put(r, 2, 0, 20, out, 8), 0);
	cr_expect_eq(gma_reorder_next_deadline(r), 50);
	cr_expect_eq(gma_reorder_poll(r, 49, out, 8), 0);
	expect_out(out, gma_reorder_poll(r, 50, out, 8), (const uint32_t[]){ 2 }, 1);
	st = gma_reorder_stats(r);
	cr_expect_eq(st->early, 1);
	cr_expect_eq(st->timed_out, 0);

	/*
	 * Path 0 holds gap 5 until 115, but path 1, the one past it, falls
	 * silent at 111 first: only the timeout of SN 6 (at 61) is left.
	 */
	cr_assert_eq(put(r, 4, 1, 60, out, 8), 0);
	cr_assert_eq(put(r, 6, 1, 61, out, 8), 0);
	expect_out(out, put(r, 3, 0, 65, out, 8), (const uint32_t[]){ 3, 4 }, 2);
	cr_expect_eq(gma_reorder_next_deadline(r), 111);
	cr_expect_eq(gma_reorder_poll(r, 110, out, 8), 0);
	expect_out(out, gma_reorder_poll(r, 111, out, 8), (const uint32_t[]){ 6 }, 1);
	cr_expect_eq(st->timed_out, 1);
	cr_expect_eq(st->early, 1);
}

/* ---- Random operations: conservation and order ---- */

/*
 * Random inserts around a moving cursor (reordering, duplicates, jumps past
 * the window, SNs far behind), polls, flushes, path flaps and tiny out
 * arrays.  Whatever happens: every handle comes back exactly once, held is
 * exact, releases other than late ones are in SN order, and the packet
 * counters add up.
 */
static void stress(uint32_t seed, bool deliver_late)
{
	enum { OPS = 20000 };
	static uint8_t back[OPS];
	static uint32_t sn_of_id[OPS];
	void *out[8];
	struct gma_reorder *r = mk(16, 40, deliver_late, 3);
	const struct gma_reorder_stats *st = gma_reorder_stats(r);
	uint32_t cursor, nid = 0, last = 0;
	uint64_t now = 0, nout = 0, ndrop = 0, behind = 0;
	bool any_out = false;
	unsigned op, i, n;

	memset(back, 0, sizeof(back));
	rng_state = seed;
	cursor = seed % 3u == 0 ? 0xFFFF00u : rng() & GMA_SN24_MASK;
	for (op = 0; op < OPS; op++) {
		uint32_t k = rng() % 100u;

		n = 0;

		now += rng() % 3u;
		if (k < 80) {
			int32_t jitter = (int32_t)(rng() % 24u) - 8;
			uint32_t sn = gma_sn24_add(cursor, jitter);
			void *dropped;

			if (k < 2)
				sn = gma_sn24_add(cursor, (int32_t)(rng() % 64u));
			else if (k < 3)
				sn = gma_sn24_add(cursor, -(int32_t)(rng() % 64u));
			sn_of_id[nid] = sn;
			n = gma_reorder_insert(r, sn, rng() % 3u, (void *)(uintptr_t)(nid + 1u), now,
					       out, 1u + rng() % 4u, &dropped);
			if (dropped != NULL) {
				cr_assert_eq(dropped, (void *)(uintptr_t)(nid + 1u));
				back[nid]++;
				ndrop++;
			}
			nid++;
			if (rng() % 4u != 0)
				cursor = gma_sn24_add(cursor, 1);
		} else if (k < 95) {
			n = gma_reorder_poll(r, now, out, rng() % 5u);
		} else if (k < 99) {
			gma_reorder_set_path(r, rng() % 3u, rng() % 2u);
		} else {
			n = gma_reorder_flush(r, out, rng() % 8u);
		}
		for (i = 0; i < n; i++) {
			unsigned id = (unsigned)((uintptr_t)out[i] - 1u);
			uint32_t sn = sn_of_id[id];

			cr_assert_lt(id, nid);
			back[id]++;
			nout++;
			if (any_out && gma_sn24_diff(sn, last) <= 0)
				behind++;
			else
				last = sn;
			any_out = true;
		}
		cr_assert_eq(gma_reorder_held(r), nid - nout - ndrop, "op %u", op);
		/* Inserts always leave room in out, so a late packet is never
		 * dropped for want of it. */
		cr_assert_eq(nout, st->in_order + st->reordered + (deliver_late ? st->late : 0),
			     "op %u", op);
		cr_assert_geq(ndrop, st->duplicate + st->stale + (deliver_late ? 0 : st->late),
			      "op %u", op);
	}
	while ((n = gma_reorder_flush(r, out, 8)) > 0) {
		for (i = 0; i < n; i++)
			back[(uintptr_t)out[i] - 1u]++;
	}
	cr_assert_eq(gma_reorder_held(r), 0);
	for (i = 0; i < nid; i++)
		cr_assert_eq(back[i], 1, "packet %u came back %u times", i, back[i]);
	cr_expect_leq(behind, deliver_late ? st->late : 0);
	cr_expect_gt(st->reordered, 1000);
	cr_expect_gt(st->duplicate, 100);
	cr_expect_gt(st->late, 10);
	cr_expect_gt(st->stale, 10);
	cr_expect_gt(st->overflow, 0);
	cr_expect_gt(st->early, 100);
	cr_expect_gt(st->timed_out, 0);
}

Test(reorder, random_ops_deliver_late)
{
	stress(0x9E3779B9u, true);
	stress(12345u, true);
	stress(3u, true);
}

Test(reorder, random_ops_drop_late)
{
	stress(0x9E3779B9u, false);
	stress(777u, false);
}
