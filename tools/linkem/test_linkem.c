/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-linkem's impairment logic (linkem.h) on a simulated clock: the
 * numbers the test bed relies on (loss within +-1 %, exact delay, jitter
 * bounds, rate within 2 %, reorder fraction, queue bounds, determinism).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "linkem.h"

#define MS LK_NS_PER_MS
#define T0 (1000 * MS) /* the simulated clock starts at 1 s */

static struct lk_dir dir;

static void setup(void)
{
	lk_dir_init(&dir, 42);
}

static void teardown(void)
{
	lk_dir_destroy(&dir, NULL, NULL);
}

TestSuite(linkem, .init = setup, .fini = teardown);

/* Parameters from a spec for both directions; p[0] is returned. */
static struct lk_params spec(const char *s)
{
	struct lk_params p[2];
	char err[256] = "";

	lk_params_defaults(&p[0]);
	lk_params_defaults(&p[1]);
	cr_assert_eq(lk_spec_parse(s, LK_DIR_AB | LK_DIR_BA, p, err, sizeof(err)), LK_CMD_SET,
		     "%s: %s", s, err);
	return p[0];
}

static void set(struct lk_dir *d, const char *s)
{
	struct lk_params p = spec(s);

	cr_assert_eq(lk_dir_set(d, &p, NULL, NULL), 0);
}

/* Packet identity travels as the user pointer (index + 1). */
#define ID(i) ((void *)(uintptr_t)((i) + 1))
#define IDX(u) ((uint64_t)(uintptr_t)(u) - 1)

struct out {
	uint64_t idx, t;
	uint32_t len;
};

/* Everything due by `until`, at the exact departure times (a perfect clock). */
static size_t drain(struct lk_dir *d, uint64_t until, struct out *o, size_t max)
{
	size_t n = 0;
	void *u;
	uint32_t len;
	uint64_t t;

	while (lk_dir_next(d) <= until) {
		cr_assert(lk_dir_pop(d, lk_dir_next(d), &u, &len, &t));
		cr_assert_lt(n, max);
		o[n].idx = IDX(u);
		o[n].t = t;
		o[n].len = len;
		n++;
	}
	return n;
}

/* ---- PRNG ------------------------------------------------------------------- */

Test(linkem, rng_is_seeded_and_uniform)
{
	struct lk_rng a, b, c;
	double sum = 0;
	unsigned below_half = 0;

	lk_rng_seed(&a, 7);
	lk_rng_seed(&b, 7);
	lk_rng_seed(&c, 8);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(lk_rng_next(&a), lk_rng_next(&b));
	cr_assert_neq(lk_rng_next(&a), lk_rng_next(&c));
	for (int i = 0; i < 100000; i++) {
		double u = lk_rng_unit(&a);

		cr_assert(u >= 0 && u < 1);
		sum += u;
		below_half += u < 0.5;
	}
	cr_assert_float_eq(sum / 100000, 0.5, 0.005);
	cr_assert(below_half > 49000 && below_half < 51000);
	cr_assert_eq(lk_prob_threshold(0), 0);
	cr_assert_eq(lk_prob_threshold(1), 1ull << 53);
	cr_assert(lk_rng_chance(&a, lk_prob_threshold(1)));
	cr_assert(!lk_rng_chance(&a, 0));
}

/* ---- Loss ------------------------------------------------------------------- */

Test(linkem, loss_20_percent_within_1_percent)
{
	unsigned lost = 0;

	set(&dir, "loss=20");
	for (uint64_t i = 0; i < 100000; i++) {
		enum lk_result r = lk_dir_enqueue(&dir, T0 + i * 10000, 100, ID(i));

		cr_assert(r == LK_QUEUED || r == LK_DROP_LOSS);
		lost += r == LK_DROP_LOSS;
		while (lk_dir_next(&dir) != UINT64_MAX) {
			void *u;
			uint32_t len;

			cr_assert(lk_dir_pop(&dir, UINT64_MAX - 1, &u, &len, NULL));
		}
	}
	cr_assert(lost >= 19000 && lost <= 21000, "lost %u of 100000", lost);
	cr_assert_eq(dir.st.drop[LK_DROP_LOSS], lost);
	cr_assert_eq(dir.st.fwd, 100000 - lost);
	cr_assert_eq(dir.st.rx, 100000);
}

Test(linkem, loss_0_and_100)
{
	set(&dir, "loss=0");
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(lk_dir_enqueue(&dir, T0, 60, ID(i)), LK_QUEUED);
	set(&dir, "loss=100");
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(lk_dir_enqueue(&dir, T0, 60, ID(i)), LK_DROP_LOSS);
}

Test(linkem, gilbert_elliott_mean_and_bursts)
{
	/* p = 1 %, r = 25 %: bad 1/26 of the time, loss 100 % there: 3.85 %,
	 * in bursts of 1/r = 4 packets on average. */
	unsigned lost = 0, bursts = 0;
	bool prev = false;

	set(&dir, "ge=1,25");
	for (uint64_t i = 0; i < 200000; i++) {
		bool l = lk_dir_enqueue(&dir, T0 + i, 60, ID(i)) == LK_DROP_LOSS;

		lost += l;
		bursts += l && !prev;
		prev = l;
		if (lk_dir_held(&dir) > 1000)
			drain(&dir, UINT64_MAX - 1, (struct out[1024]){ 0 }, 1024);
	}
	cr_assert(fabs(lost / 200000.0 - 1.0 / 26) < 0.004, "GE loss %u / 200000", lost);
	cr_assert(fabs((double)lost / bursts - 4.0) < 0.3, "mean burst %.2f",
		  (double)lost / bursts);
}

/* ---- Delay and jitter -------------------------------------------------------- */

Test(linkem, delay_exact)
{
	static struct out o[1000];

	set(&dir, "delay=20");
	for (uint64_t i = 0; i < 1000; i++)
		cr_assert_eq(lk_dir_enqueue(&dir, T0 + i * 137 * 1000, 1000, ID(i)), LK_QUEUED);
	cr_assert_eq(lk_dir_next(&dir), T0 + 20 * MS);
	/* Nothing leaves a ns early. */
	cr_assert_eq(drain(&dir, T0 + 20 * MS - 1, o, 1000), 0);
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 1000), 1000);
	for (uint64_t i = 0; i < 1000; i++) {
		cr_assert_eq(o[i].idx, i);
		cr_assert_eq(o[i].t, T0 + i * 137 * 1000 + 20 * MS);
		cr_assert_eq(o[i].len, 1000);
	}
	cr_assert_eq(dir.st.fwd, 1000);
	cr_assert_eq(dir.st.fwd_bytes, 1000 * 1000);
}

Test(linkem, delay_sub_ms)
{
	struct out o[1];

	set(&dir, "delay=0.25");
	lk_dir_enqueue(&dir, T0, 60, ID(0));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 1), 1);
	cr_assert_eq(o[0].t, T0 + 250000);
}

Test(linkem, pop_waits_for_the_clock)
{
	void *u;
	uint32_t len;

	set(&dir, "delay=5");
	lk_dir_enqueue(&dir, T0, 60, ID(0));
	cr_assert(!lk_dir_pop(&dir, T0 + 5 * MS - 1, &u, &len, NULL));
	cr_assert(lk_dir_pop(&dir, T0 + 6 * MS, &u, &len, NULL));
	cr_assert_eq(dir.st.late_max_ns, MS);
}

/* Sparse packets (spacing > 2 x jitter): the jitter is seen as drawn. */
static void jitter_stats(const char *s, uint64_t n, double *mean, double *sd, int64_t *lo,
			 int64_t *hi, bool *in_order)
{
	static struct out o[20000];
	double sum = 0, sq = 0;

	set(&dir, s);
	for (uint64_t i = 0; i < n; i++)
		lk_dir_enqueue(&dir, T0 + i * 100 * MS, 100, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 20000), n);
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	*in_order = true;
	for (uint64_t i = 0; i < n; i++) {
		int64_t dt = (int64_t)(o[i].t - (T0 + o[i].idx * 100 * MS));

		sum += (double)dt;
		sq += (double)dt * (double)dt;
		if (dt < *lo)
			*lo = dt;
		if (dt > *hi)
			*hi = dt;
		if (o[i].idx != i)
			*in_order = false;
	}
	*mean = sum / (double)n;
	*sd = sqrt(sq / (double)n - *mean * *mean);
}

Test(linkem, jitter_uniform_bounds)
{
	double mean, sd;
	int64_t lo, hi;
	bool in_order;

	jitter_stats("delay=40 jitter=10 limit=20000", 20000, &mean, &sd, &lo, &hi, &in_order);
	cr_assert_geq(lo, 30 * (int64_t)MS);
	cr_assert_leq(hi, 50 * (int64_t)MS);
	/* Both ends are reached, the mean is the delay, sd = J / sqrt(3). */
	cr_assert_lt(lo, 30 * (int64_t)MS + (int64_t)MS / 5);
	cr_assert_gt(hi, 50 * (int64_t)MS - (int64_t)MS / 5);
	cr_assert(fabs(mean - 40e6) < 0.2e6, "mean %.0f ns", mean);
	cr_assert(fabs(sd - 10e6 / sqrt(3)) < 0.03 * 10e6 / sqrt(3), "sd %.0f ns", sd);
	cr_assert(in_order);
}

Test(linkem, jitter_normal_sigma_and_truncation)
{
	double mean, sd;
	int64_t lo, hi;
	bool in_order;

	jitter_stats("delay=40 jitter=5 dist=normal limit=20000", 20000, &mean, &sd, &lo, &hi, &in_order);
	cr_assert_geq(lo, 25 * (int64_t)MS);
	cr_assert_leq(hi, 55 * (int64_t)MS);
	cr_assert(fabs(mean - 40e6) < 0.15e6, "mean %.0f ns", mean);
	/* A normal truncated at 3 sigma has sd 0.9866 sigma. */
	cr_assert(fabs(sd - 0.9866 * 5e6) < 0.03 * 5e6, "sd %.0f ns", sd);
}

Test(linkem, jitter_never_before_arrival)
{
	static struct out o[2000];

	set(&dir, "delay=1 jitter=5");
	for (uint64_t i = 0; i < 2000; i++)
		lk_dir_enqueue(&dir, T0 + i * 20 * MS, 100, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 2000), 2000);
	for (uint64_t i = 0; i < 2000; i++)
		cr_assert_geq(o[i].t, T0 + o[i].idx * 20 * MS);
}

/* Dense packets: FIFO by default, reordered with jitter_reorder=1. */
static unsigned dense_out_of_order(const char *s)
{
	static struct out o[5000];
	unsigned ooo = 0;
	uint64_t prev_t = 0;

	set(&dir, s);
	for (uint64_t i = 0; i < 5000; i++)
		lk_dir_enqueue(&dir, T0 + i * MS, 100, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 5000), 5000);
	for (uint64_t i = 0; i < 5000; i++) {
		cr_assert_geq(o[i].t, prev_t);
		prev_t = o[i].t;
		ooo += i > 0 && o[i].idx < o[i - 1].idx;
	}
	return ooo;
}

Test(linkem, jitter_keeps_order_by_default)
{
	cr_assert_eq(dense_out_of_order("delay=20 jitter=10"), 0);
}

Test(linkem, jitter_reorder_reorders)
{
	cr_assert_gt(dense_out_of_order("delay=20 jitter=10 jitter_reorder=1"), 500);
}

/* ---- Rate ------------------------------------------------------------------- */

/* Offered at twice the rate; throughput measured between first and last departure. */
static double throughput_kbit(const char *s, uint32_t len, uint64_t n, uint64_t gap_ns)
{
	static struct out o[20000];
	size_t got;
	uint64_t bytes = 0;

	set(&dir, s);
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(lk_dir_enqueue(&dir, T0 + i * gap_ns, len, ID(i)), LK_QUEUED);
	got = drain(&dir, UINT64_MAX - 1, o, 20000);
	cr_assert_eq(got, n);
	for (size_t i = 1; i < got; i++) {
		cr_assert_eq(o[i].idx, i);
		bytes += o[i].len;
	}
	return (double)bytes * 8 / ((double)(o[got - 1].t - o[0].t) / 1e9) / 1000;
}

Test(linkem, rate_throughput_within_2_percent)
{
	/* 10 Mbit/s, 1500-byte frames every 600 us (20 Mbit/s offered). */
	double r = throughput_kbit("rate=10mbit queue=20000 limit=20000", 1500, 10000, 600000);

	cr_assert(fabs(r - 10000) < 200, "throughput %.1f kbit/s", r);
	/* Odd sizes and rates: the fraction of a ns is carried, not lost. */
	r = throughput_kbit("rate=7777 queue=20000 limit=20000", 997, 10000, 500000);
	cr_assert(fabs(r - 7777) < 0.02 * 7777, "throughput %.1f kbit/s", r);
	cr_assert(fabs(r - 7777) < 1, "long-run rate exact: %.3f", r);
}

Test(linkem, rate_serialisation_delay)
{
	struct out o[2];

	/* 1 Mbit/s: a 1250-byte frame takes 10 ms; burst 0 = no head start. */
	set(&dir, "rate=1000 delay=5");
	lk_dir_enqueue(&dir, T0, 1250, ID(0));
	lk_dir_enqueue(&dir, T0, 1250, ID(1));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 2), 2);
	cr_assert_eq(o[0].t, T0 + 15 * MS);
	cr_assert_eq(o[1].t, T0 + 25 * MS);
}

Test(linkem, rate_overhead_counts)
{
	struct out o[1];

	set(&dir, "rate=1000 overhead=250");
	lk_dir_enqueue(&dir, T0, 1000, ID(0));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 1), 1);
	cr_assert_eq(o[0].t, T0 + 10 * MS);
}

Test(linkem, rate_burst_goes_at_once)
{
	static struct out o[20];

	/* A 10 000-byte bucket: the first 10 frames of 1000 bytes leave at once,
	 * the rest at 1 Mbit/s (8 ms each). */
	set(&dir, "rate=1000 burst=10000");
	for (uint64_t i = 0; i < 20; i++)
		lk_dir_enqueue(&dir, T0, 1000, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 20), 20);
	for (unsigned i = 0; i < 10; i++)
		cr_assert_eq(o[i].t, T0, "frame %u at %llu", i, (unsigned long long)(o[i].t - T0));
	for (unsigned i = 10; i < 20; i++)
		cr_assert_eq(o[i].t, T0 + (i - 9) * 8 * MS);
}

Test(linkem, rate_queue_bound_tail_drop)
{
	static struct out o[4000];
	unsigned dropped = 0;
	size_t got = 0;

	/* 1 Mbit/s, 1250-byte frames (10 ms each) offered every 5 ms: half of them
	 * are too many; the limiter's queue never holds more than 50. */
	set(&dir, "rate=1000 queue=50");
	for (uint64_t i = 0; i < 4000; i++) {
		uint64_t now = T0 + i * 5 * MS;
		enum lk_result r;

		got += drain(&dir, now, o + got, 4000 - got);
		r = lk_dir_enqueue(&dir, now, 1250, ID(i));
		cr_assert(r == LK_QUEUED || r == LK_DROP_QUEUE);
		dropped += r == LK_DROP_QUEUE;
		cr_assert_leq(dir.sq_n, 50);
		cr_assert_leq(lk_dir_held(&dir), 50);
	}
	cr_assert(dropped > 1900 && dropped < 2100, "dropped %u", dropped);
	cr_assert_eq(dir.st.drop[LK_DROP_QUEUE], dropped);
	/* What was forwarded left at exactly the link's pace. */
	for (size_t i = 60; i < got; i++)
		cr_assert_eq(o[i].t - o[i - 1].t, 10 * MS);
}

Test(linkem, limit_bounds_the_delay_line)
{
	unsigned dropped = 0;

	set(&dir, "delay=1000 limit=100");
	for (uint64_t i = 0; i < 1000; i++)
		dropped += lk_dir_enqueue(&dir, T0 + i * MS, 100, ID(i)) == LK_DROP_LIMIT;
	cr_assert_eq(dropped, 900);
	cr_assert_eq(lk_dir_held(&dir), 100);
	cr_assert_eq(dir.st.queued_max, 100);
	cr_assert_eq(dir.st.drop[LK_DROP_LIMIT], 900);
}

/* ---- Reordering --------------------------------------------------------------- */

Test(linkem, reorder_fraction_early)
{
	static struct out o[20000];
	unsigned ooo = 0, early = 0;

	/* Every 1 ms, 10 ms of delay: a reordered packet overtakes ~9 others. */
	set(&dir, "delay=10 reorder=10 limit=20000");
	for (uint64_t i = 0; i < 20000; i++)
		lk_dir_enqueue(&dir, T0 + i * MS, 100, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 20000), 20000);
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t sent = T0 + o[i].idx * MS;

		early += o[i].t == sent;
		/* The packets that arrive before a predecessor: the reordered ones. */
		ooo += i + 1 < 20000 && o[i].idx > o[i + 1].idx && o[i].t == sent;
	}
	cr_assert_eq(early, dir.st.reordered);
	cr_assert(fabs(early / 20000.0 - 0.10) < 0.01, "reordered %u / 20000", early);
	cr_assert(fabs(ooo / 20000.0 - 0.10) < 0.01, "ahead of a predecessor %u / 20000", ooo);
}

Test(linkem, reorder_late_is_overtaken)
{
	static struct out o[10000];
	unsigned late = 0;

	set(&dir, "delay=10 reorder=5 reorder_extra=3.5");
	for (uint64_t i = 0; i < 10000; i++)
		lk_dir_enqueue(&dir, T0 + i * MS, 100, ID(i));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 10000), 10000);
	for (uint64_t i = 0; i < 10000; i++) {
		uint64_t dt = o[i].t - (T0 + o[i].idx * MS);

		cr_assert(dt == 10 * MS || dt == 13 * MS + MS / 2, "delay %llu",
			  (unsigned long long)dt);
		late += dt != 10 * MS;
	}
	cr_assert_eq(late, dir.st.reordered);
	cr_assert(fabs(late / 10000.0 - 0.05) < 0.01, "late %u", late);
}

/* ---- Down / up, parameter changes ----------------------------------------------- */

static unsigned freed;
static void count_free(void *user, void *ctx)
{
	(void)user;
	(void)ctx;
	freed++;
}

Test(linkem, down_drops_all_and_flushes)
{
	struct lk_params p = spec("delay=50");

	freed = 0;
	lk_dir_set(&dir, &p, count_free, NULL);
	for (uint64_t i = 0; i < 10; i++)
		lk_dir_enqueue(&dir, T0 + i, 100, ID(i));
	p.down = true;
	lk_dir_set(&dir, &p, count_free, NULL);
	cr_assert_eq(freed, 10);
	cr_assert_eq(lk_dir_held(&dir), 0);
	cr_assert_eq(lk_dir_next(&dir), UINT64_MAX);
	for (uint64_t i = 0; i < 5; i++)
		cr_assert_eq(lk_dir_enqueue(&dir, T0 + MS, 100, ID(i)), LK_DROP_DOWN);
	cr_assert_eq(dir.st.drop[LK_DROP_DOWN], 15);
	p.down = false;
	lk_dir_set(&dir, &p, count_free, NULL);
	cr_assert_eq(lk_dir_enqueue(&dir, T0 + 2 * MS, 100, ID(0)), LK_QUEUED);
	cr_assert_eq(lk_dir_next(&dir), T0 + 52 * MS);
}

Test(linkem, change_keeps_queued_departures)
{
	struct out o[2];

	set(&dir, "delay=100");
	lk_dir_enqueue(&dir, T0, 100, ID(0));
	set(&dir, "delay=10");
	lk_dir_enqueue(&dir, T0 + MS, 100, ID(1));
	cr_assert_eq(drain(&dir, UINT64_MAX - 1, o, 2), 2);
	cr_assert_eq(o[0].idx, 0);
	cr_assert_eq(o[0].t, T0 + 100 * MS);
	/* The link is FIFO: the second waits behind the first. */
	cr_assert_eq(o[1].t, T0 + 100 * MS);
}

Test(linkem, tx_failed_moves_the_count)
{
	void *u;
	uint32_t len;

	lk_dir_enqueue(&dir, T0, 100, ID(0));
	cr_assert(lk_dir_pop(&dir, T0, &u, &len, NULL));
	lk_dir_tx_failed(&dir, len);
	cr_assert_eq(dir.st.fwd, 0);
	cr_assert_eq(dir.st.fwd_bytes, 0);
	cr_assert_eq(dir.st.drop[LK_DROP_ERROR], 1);
}

/* ---- Determinism -------------------------------------------------------------------- */

static uint64_t run_hash(uint64_t seed)
{
	struct lk_dir d;
	uint64_t h = 1469598103934665603ull;
	struct lk_params p = spec("delay=10 jitter=4 dist=normal loss=5 rate=5mbit queue=30 "
				  "reorder=3 jitter_reorder=1");
	void *u;
	uint32_t len;
	uint64_t t;

	lk_dir_init(&d, seed);
	lk_dir_set(&d, &p, NULL, NULL);
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t now = T0 + i * 1500 * 1000;
		enum lk_result r = lk_dir_enqueue(&d, now, 200 + (uint32_t)(i * 37 % 1300), ID(i));

		h = (h ^ (uint64_t)r) * 1099511628211ull;
		while (lk_dir_pop(&d, now, &u, &len, &t))
			h = (h ^ IDX(u) ^ (t << 20)) * 1099511628211ull;
	}
	lk_dir_destroy(&d, NULL, NULL);
	return h;
}

Test(linkem, deterministic_with_a_seed)
{
	cr_assert_eq(run_hash(1234), run_hash(1234));
	cr_assert_eq(run_hash(99), run_hash(99));
	cr_assert_neq(run_hash(1234), run_hash(1235));
}

/* ---- Commands ------------------------------------------------------------------------ */

Test(linkem, command_parse)
{
	struct lk_params p[2];
	unsigned dirs;
	char err[256];

	lk_params_defaults(&p[0]);
	lk_params_defaults(&p[1]);
	cr_assert_eq(lk_cmd_parse("ab delay=20 jitter=2.5 loss=1.5 rate=10mbit", p, &dirs, err,
				  sizeof(err)),
		     LK_CMD_SET, "%s", err);
	cr_assert_eq(dirs, LK_DIR_AB);
	cr_assert_eq(p[0].delay_ns, 20 * MS);
	cr_assert_eq(p[0].jitter_ns, 2500000);
	cr_assert_float_eq(p[0].loss, 0.015, 1e-12);
	cr_assert_eq(p[0].rate_kbit, 10000);
	cr_assert_eq(p[1].delay_ns, 0);

	cr_assert_eq(lk_cmd_parse("  down  # a comment", p, &dirs, err, sizeof(err)), LK_CMD_SET);
	cr_assert_eq(dirs, LK_DIR_AB | LK_DIR_BA);
	cr_assert(p[0].down && p[1].down);
	cr_assert_eq(lk_cmd_parse("ba up", p, &dirs, err, sizeof(err)), LK_CMD_SET);
	cr_assert(p[0].down && !p[1].down);
	cr_assert_eq(lk_cmd_parse("both ge=1,20,90 dist=normal queue=5 limit=7 rate=1gbit", p,
				  &dirs, err, sizeof(err)),
		     LK_CMD_SET, "%s", err);
	cr_assert(p[1].ge);
	cr_assert_float_eq(p[1].ge_p, 0.01, 1e-12);
	cr_assert_float_eq(p[1].ge_r, 0.20, 1e-12);
	cr_assert_float_eq(p[1].ge_loss_bad, 0.90, 1e-12);
	cr_assert_float_eq(p[1].ge_loss_good, 0, 1e-12);
	cr_assert_eq(p[1].rate_kbit, 1000000);
	cr_assert_eq(lk_cmd_parse("ab reset", p, &dirs, err, sizeof(err)), LK_CMD_SET);
	cr_assert(!p[0].down && p[0].rate_kbit == 0 && !p[0].ge && p[0].queue == LK_DEFAULT_QUEUE);
	cr_assert_eq(p[1].rate_kbit, 1000000);

	cr_assert_eq(lk_cmd_parse("stats", p, &dirs, err, sizeof(err)), LK_CMD_STATS);
	cr_assert_eq(lk_cmd_parse("show", p, &dirs, err, sizeof(err)), LK_CMD_SHOW);
	cr_assert_eq(lk_cmd_parse("help", p, &dirs, err, sizeof(err)), LK_CMD_HELP);
	cr_assert_eq(lk_cmd_parse("   ", p, &dirs, err, sizeof(err)), LK_CMD_NONE);
	cr_assert_eq(lk_cmd_parse("# only a comment", p, &dirs, err, sizeof(err)), LK_CMD_NONE);
}

Test(linkem, command_errors_change_nothing)
{
	static const char *const bad[] = {
		"ab delay=abc", "delay=-1", "delay=60001", "loss=101", "loss=", "ab", "frob=1",
		"ab delay=20 bogus", "rate=10tbit", "rate=200gbit", "queue=0", "limit=1000001",
		"dist=pareto", "ge=1", "ge=1,2,3,4,5", "ge=1,,2", "jitter_reorder=2",
		"delay=nan", "delay=inf", "burst=-5", "=5", "delay=1e9",
	};
	struct lk_params p[2], q[2];
	unsigned dirs;
	char err[256];

	lk_params_defaults(&p[0]);
	lk_params_defaults(&p[1]);
	p[0].delay_ns = 7;
	memcpy(q, p, sizeof(p));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(lk_cmd_parse(bad[i], p, &dirs, err, sizeof(err)), -1, "%s accepted",
			     bad[i]);
		cr_assert_neq(err[0], '\0', "%s: no reason", bad[i]);
		cr_assert_eq(memcmp(p, q, sizeof(p)), 0, "%s changed the parameters", bad[i]);
	}
	lk_cmd_parse("frob=1", p, &dirs, err, sizeof(err));
	cr_assert(strstr(err, "unknown key") != NULL, "%s", err);
	/* All or nothing: a good key before a bad one is not applied. */
	cr_assert_eq(lk_cmd_parse("delay=20 loss=200", p, &dirs, err, sizeof(err)), -1);
	cr_assert_eq(p[0].delay_ns, 7);
}

Test(linkem, params_format_round_trip)
{
	struct lk_params p[2], r[2];
	char line[512], err[256];
	unsigned dirs;

	lk_params_defaults(&p[0]);
	lk_params_defaults(&p[1]);
	cr_assert_eq(lk_cmd_parse("ab delay=12.5 jitter=0.001 loss=0.5 ge=2,30 rate=1500 burst=3000 "
				  "overhead=24 queue=77 limit=88 reorder=2.5 reorder_extra=4 "
				  "dist=normal jitter_reorder=1 down",
				  p, &dirs, err, sizeof(err)),
		     LK_CMD_SET, "%s", err);
	lk_params_format(&p[0], "ab", line, sizeof(line));
	cr_assert(strstr(line, "ab down delay=12.5 jitter=0.001 dist=normal") == line, "%s", line);
	lk_params_defaults(&r[0]);
	lk_params_defaults(&r[1]);
	/* "ab down ..." is itself a command that gives the same parameters back. */
	cr_assert_eq(lk_cmd_parse(line, r, &dirs, err, sizeof(err)), LK_CMD_SET, "%s: %s", line,
		     err);
	cr_assert_eq(memcmp(&r[0], &p[0], sizeof(p[0])), 0, "%s", line);
}

Test(linkem, stats_format)
{
	char line[512];

	set(&dir, "loss=100");
	lk_dir_enqueue(&dir, T0, 100, ID(0));
	lk_stats_format(&dir, "ba", line, sizeof(line));
	cr_assert(strstr(line, "ba rx=1 rx_bytes=100 fwd=0 fwd_bytes=0 drop_loss=1 drop_queue=0 "
			       "drop_limit=0 drop_down=0 drop_error=0") == line,
		  "%s", line);
}

/* ---- Checksum ---------------------------------------------------------------------------- */

Test(linkem, checksum_completion)
{
	/* UDP over IPv4 192.0.2.10:5000 -> 192.0.2.1:10020, 4 bytes "abcd"; the
	 * checksum field holds the pseudo-header sum as CHECKSUM_PARTIAL leaves it. */
	uint8_t f[14 + 20 + 8 + 4] = { 0 };
	uint8_t *udp = f + 34;
	uint32_t ps = 0;

	memcpy(f + 26, (uint8_t[]){ 192, 0, 2, 10, 192, 0, 2, 1 }, 8);
	udp[0] = 5000 >> 8, udp[1] = 5000 & 0xFF, udp[2] = 10020 >> 8, udp[3] = 10020 & 0xFF;
	udp[5] = 12;
	memcpy(udp + 8, "abcd", 4);
	ps = 0xC000 + 0x020A + 0xC000 + 0x0201 + 17 + 12;
	ps = (ps & 0xFFFF) + (ps >> 16);
	udp[6] = (uint8_t)(ps >> 8), udp[7] = (uint8_t)ps;
	cr_assert_eq(lk_csum_complete(f, sizeof(f), 34, 6), 0);
	/* Verify: pseudo-header + UDP segment sums to 0xFFFF. */
	{
		uint64_t s = 0xC000 + 0x020A + 0xC000 + 0x0201 + 17 + 12;

		for (unsigned i = 0; i < 12; i += 2)
			s += (uint32_t)udp[i] << 8 | udp[i + 1];
		while (s >> 16)
			s = (s & 0xFFFF) + (s >> 16);
		cr_assert_eq(s, 0xFFFF);
	}
	cr_assert_eq(lk_csum_complete(f, sizeof(f), 34, 11), -1);
	cr_assert_eq(lk_csum_complete(f, sizeof(f), 47, 0), -1);
	cr_assert_eq(lk_csum_complete(f, sizeof(f), 100, 0), -1);
}

Test(linkem, checksum_odd_length)
{
	uint8_t f[5] = { 0x12, 0x34, 0x00, 0x00, 0x56 };

	cr_assert_eq(lk_csum_complete(f, 5, 0, 2), 0);
	/* 0x1234 + 0x0000 + 0x5600 = 0x6834 -> ~ = 0x97CB */
	cr_assert_eq(f[2], 0x97);
	cr_assert_eq(f[3], 0xCB);
}
