/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Steering plans: exact cycles, the window property of the split, path
 * states, every rejection.
 *
 * Sequences are written as letters: 'a' is the first path of the cfg list,
 * 'b' the second, and so on.  The path indexes in the lists are deliberately
 * not 0, 1, 2 so that a mix-up of list position and path index shows.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "gma_steer.h"

#define ALL_UP 0xFFu

static struct gma_steer_cfg mkcfg(enum gma_steer_mode mode, unsigned n, const uint8_t *path,
				  const uint16_t *weight)
{
	struct gma_steer_cfg c;
	unsigned i;

	memset(&c, 0, sizeof(c));
	c.mode = mode;
	c.n = (uint8_t)n;
	for (i = 0; i < n && i < GMA_STEER_MAX_PATHS; i++) {
		c.path[i] = path[i];
		c.weight[i] = weight != NULL ? weight[i] : 0;
	}
	return c;
}

#define CFG(mode, paths, weights)                                                          \
	mkcfg(mode, sizeof((uint8_t[])paths) / sizeof(uint8_t), (uint8_t[])paths,            \
	      (uint16_t[])weights)
#define L(...) {__VA_ARGS__}

static void build_ok(const struct gma_steer_cfg *c, uint32_t up, struct gma_steer *s)
{
	int rc = gma_steer_build(c, up, s);

	cr_assert_eq(rc, 0, "build: %d (%s)", rc, gma_strerror(rc));
}

/* One split packet: exactly one path. */
static uint8_t pick1(const struct gma_steer *s, uint32_t *pos)
{
	uint8_t out[GMA_STEER_MAX_PATHS];
	unsigned n = gma_steer_pick(s, pos, out);

	cr_assert_eq(n, 1u, "pick returned %u paths", n);
	return out[0];
}

/* The next strlen(letters) picks, from pos 0, are letters over cfg->path. */
static void expect_seq(const struct gma_steer_cfg *c, const struct gma_steer *s,
		       const char *letters)
{
	uint32_t pos = 0;
	size_t i;

	for (i = 0; letters[i] != '\0'; i++) {
		uint8_t want = c->path[letters[i] - 'a'];
		uint8_t got = pick1(s, &pos);

		cr_assert_eq(got, want, "pick %zu: path %u, expected %u ('%c')", i, got, want,
			     letters[i]);
	}
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Largest deviation, over every cyclic window seq[s..s+len) of every length
 * len = 1..W and every path, of the path's count from len * w / W, in units
 * of 1/W (so "within one packet" is a result <= W, integers only).  w[] is
 * indexed by path index.
 */
static uint64_t window_dev(const uint8_t *seq, uint32_t W, const uint32_t *w)
{
	uint64_t worst = 0;
	uint32_t s, len, p;

	for (s = 0; s < W; s++) {
		uint32_t cnt[GMA_STEER_MAX_PATHS] = {0};

		for (len = 1; len <= W; len++) {
			cnt[seq[(s + len - 1) % W]]++;
			for (p = 0; p < GMA_STEER_MAX_PATHS; p++) {
				int64_t d = (int64_t)cnt[p] * W - (int64_t)len * w[p];
				uint64_t a = (uint64_t)(d < 0 ? -d : d);

				if (a > worst)
					worst = a;
			}
		}
	}
	return worst;
}

/*
 * Checks a split plan built from c with every listed path up: cycle length
 * sum(w) / gcd, each path exactly w / gcd times, and returns window_dev of
 * the cycle as picked (in units of 1/cycle_len).
 */
static uint64_t check_split(const struct gma_steer_cfg *c, struct gma_steer *s)
{
	uint32_t w[GMA_STEER_MAX_PATHS] = {0}, cnt[GMA_STEER_MAX_PATHS] = {0};
	uint8_t seq[GMA_STEER_MAX_CYCLE];
	uint32_t g = 0, W = 0, pos = 0, i;

	build_ok(c, ALL_UP, s);
	cr_assert_eq(s->mode, GMA_STEER_SPLIT);
	cr_assert_eq(s->n_paths, c->n);
	for (i = 0; i < c->n; i++)
		g = gcd(g, c->weight[i]);
	for (i = 0; i < c->n; i++) {
		w[c->path[i]] = c->weight[i] / g;
		W += c->weight[i] / g;
	}
	cr_assert_eq(s->cycle_len, W, "cycle %u, expected %u", s->cycle_len, W);
	for (i = 0; i < W; i++) {
		seq[i] = pick1(s, &pos);
		cnt[seq[i]]++;
	}
	cr_assert_eq(pos, 0u, "a whole cycle brings pos back to 0");
	for (i = 0; i < GMA_STEER_MAX_PATHS; i++)
		cr_assert_eq(cnt[i], w[i], "path %u: %u times in the cycle, expected %u", i,
			     cnt[i], w[i]);
	return window_dev(seq, W, w);
}

/* ---- Split: exact cycles ------------------------------------------------------ */

Test(split, ratio_70_30)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(4, 1), L(70, 30));
	struct gma_steer s;

	cr_assert_leq(check_split(&c, &s), 10u);
	cr_assert_eq(s.cycle_len, 10u);
	expect_seq(&c, &s, "abaaabaaba");
}

Test(split, ratio_1_1_2)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(7, 0, 3), L(1, 1, 2));
	struct gma_steer s;

	cr_assert_leq(check_split(&c, &s), 4u);
	expect_seq(&c, &s, "cabc");
}

Test(split, ratio_3_5)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(2, 6), L(3, 5));
	struct gma_steer s;

	cr_assert_leq(check_split(&c, &s), 8u);
	expect_seq(&c, &s, "bababbab");
}

Test(split, ratio_100_1)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 5), L(100, 1));
	struct gma_steer s;
	unsigned i;

	cr_assert_leq(check_split(&c, &s), 101u);
	cr_assert_eq(s.cycle_len, 101u);
	/* The single 'b' sits in the middle, not at an end. */
	for (i = 0; i < 101; i++)
		cr_assert_eq(s.cycle[i], i == 50 ? 5 : 1, "cycle[%u] = %u", i, s.cycle[i]);
}

/* nginx's documented sequence for weights 5, 1, 1 (ngx_http_upstream_round_robin.c). */
Test(split, swrr_5_1_1_is_nginx_sequence)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(3, 0, 6), L(5, 1, 1));
	struct gma_steer s;

	check_split(&c, &s);
	expect_seq(&c, &s, "aabacaa");
	/* Second time round: the same, since the cycle is a table. */
	expect_seq(&c, &s, "aabacaaaabacaa");
}

Test(split, ties_go_to_the_path_listed_first)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(6, 2, 4), L(1, 1, 1));
	struct gma_steer s;

	check_split(&c, &s);
	expect_seq(&c, &s, "abc");
}

Test(split, weights_reduced_by_gcd)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 2), L(50, 50));
	struct gma_steer_cfg c3 = CFG(GMA_STEER_SPLIT, L(0, 5, 7), L(20, 40, 60));
	struct gma_steer s;

	check_split(&c, &s);
	cr_assert_eq(s.cycle_len, 2u);
	expect_seq(&c, &s, "abababab");

	check_split(&c3, &s);
	cr_assert_eq(s.cycle_len, 6u);
	expect_seq(&c3, &s, "cbacbc");
}

Test(split, largest_cycle_accepted)
{
	/* 1023 + 1 = GMA_STEER_MAX_CYCLE exactly. */
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(0, 1), L(1023, 1));
	struct gma_steer s;

	check_split(&c, &s);
	cr_assert_eq(s.cycle_len, GMA_STEER_MAX_CYCLE);
	cr_assert_eq(s.cycle[512], 1);
}

/* ---- Split: the window property ----------------------------------------------- */

/*
 * "Over any window of consecutive packets each path's count is within one
 * packet of its share."  A window here is cyclic: the cycle repeats, so the
 * packets after the last position are the first ones again.
 *
 * The checker must catch the schedule the interleave exists to avoid: for
 * 70/30, "aaaaaaabbb" has a window of 7 a's where 4.9 are due (2.1 too many),
 * and "bbb" where 0.9 b's are due.  It is built by hand here, since the plan
 * never produces it, and must be rejected.
 */
Test(window, checker_rejects_block_schedule)
{
	const uint8_t naive[10] = {4, 4, 4, 4, 4, 4, 4, 1, 1, 1};
	uint32_t w[GMA_STEER_MAX_PATHS] = {0};

	w[4] = 7;
	w[1] = 3;
	cr_assert_gt(window_dev(naive, 10, w), 10u, "block schedule must fail the window test");
	cr_assert_eq(window_dev(naive, 10, w), 21u);
}

Test(window, within_one_packet)
{
	static const struct {
		uint8_t n;
		uint16_t w[4];
	} cases[] = {
		{2, {70, 30}}, {3, {1, 1, 2}}, {2, {3, 5}},    {2, {100, 1}}, {2, {50, 50}},
		{3, {3, 2, 1}}, {3, {4, 2, 1}}, {4, {1, 1, 1, 1}}, {2, {1, 1023}},
	};
	const uint8_t paths[4] = {5, 3, 0, 7};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gma_steer_cfg c = mkcfg(GMA_STEER_SPLIT, cases[i].n, paths, cases[i].w);
		struct gma_steer s;
		uint64_t dev = check_split(&c, &s);

		cr_assert_leq(dev, s.cycle_len, "case %u: deviation %llu/%u > 1", i,
			      (unsigned long long)dev, s.cycle_len);
	}
}

/* With two paths the cycle is balanced: strictly less than one packet off. */
Test(window, two_paths_every_weight_pair_below_one)
{
	const uint8_t paths[2] = {6, 1};
	uint16_t w[2];

	for (w[0] = 1; w[0] <= 40; w[0]++) {
		for (w[1] = 1; w[1] <= 40; w[1]++) {
			struct gma_steer_cfg c = mkcfg(GMA_STEER_SPLIT, 2, paths, w);
			struct gma_steer s;
			uint64_t dev = check_split(&c, &s);

			cr_assert_lt(dev, s.cycle_len, "%u/%u: deviation %llu/%u", w[0], w[1],
				     (unsigned long long)dev, s.cycle_len);
		}
	}
}

/*
 * Pins a known limit: with three or more paths smooth WRR is not balanced
 * across the cycle boundary.  5/1/1 ends "..aa" and starts "aa..", four a's
 * in a row where 20/7 are due: 8/7 of a packet too many.  (A balanced cycle
 * exists for 5/1/1, "aaabaac"; for 3/2/1 none does better than exactly one.)
 * If the algorithm changes, this test says so.
 */
Test(window, three_paths_5_1_1_exceeds_one_at_the_wrap)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(3, 0, 6), L(5, 1, 1));
	struct gma_steer s;

	cr_assert_eq(check_split(&c, &s), 8u);
}

/* ---- Split: path states --------------------------------------------------------- */

Test(split, down_path_left_out_ratio_kept)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 4, 6), L(50, 30, 20));
	struct gma_steer s;
	uint32_t pos = 0, cnt[GMA_STEER_MAX_PATHS] = {0};
	unsigned i;

	/* Path 4 down: 50/20 -> 5/2. */
	build_ok(&c, ALL_UP & ~(1u << 4), &s);
	cr_assert_eq(s.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s.n_paths, 2u);
	cr_assert_eq(s.paths[0], 1);
	cr_assert_eq(s.paths[1], 6);
	cr_assert_eq(s.cycle_len, 7u);
	for (i = 0; i < 7 * 3; i++)
		cnt[pick1(&s, &pos)]++;
	cr_assert_eq(cnt[1], 15u);
	cr_assert_eq(cnt[4], 0u);
	cr_assert_eq(cnt[6], 6u);
	expect_seq(&c, &s, "acaaaca");
}

Test(split, weight_zero_path_left_out)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 4, 6), L(2, 0, 1));
	struct gma_steer s;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(s.mode, GMA_STEER_SPLIT);
	cr_assert_eq(s.n_paths, 2u);
	cr_assert_eq(s.cycle_len, 3u);
	expect_seq(&c, &s, "acaaca");
}

Test(split, one_path_left_becomes_switch)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(3, 5), L(70, 30));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 0;
	unsigned i;

	build_ok(&c, 1u << 5, &s);
	cr_assert_eq(s.mode, GMA_STEER_SWITCH);
	cr_assert_eq(s.n_paths, 1u);
	for (i = 0; i < 20; i++) {
		cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
		cr_assert_eq(out[0], 5);
	}
	/* The other path alone: the same. */
	build_ok(&c, 1u << 3, &s);
	cr_assert_eq(s.mode, GMA_STEER_SWITCH);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 3);
}

Test(split, only_nonzero_weight_up_becomes_switch)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(3, 5, 2), L(0, 9, 0));
	struct gma_steer s;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(s.mode, GMA_STEER_SWITCH);
	cr_assert_eq(s.n_paths, 1u);
	cr_assert_eq(s.paths[0], 5);
}

Test(split, pos_wraps_and_stale_pos_is_reduced)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(2, 6), L(3, 5));
	struct gma_steer s;
	uint32_t pos = 0;
	unsigned i;

	build_ok(&c, ALL_UP, &s);
	for (i = 0; i < 8; i++) {
		cr_assert_eq(pos, i);
		pick1(&s, &pos);
	}
	cr_assert_eq(pos, 0u, "pos wraps to 0 after the last cycle position");

	/* A position from an older, longer plan: pos % cycle_len is used. */
	pos = 8 * 5 + 3;
	cr_assert_eq(pick1(&s, &pos), s.cycle[3]);
	cr_assert_eq(pos, 4u);
	pos = UINT32_MAX; /* UINT32_MAX % 8 == 7, the last position */
	cr_assert_eq(pick1(&s, &pos), s.cycle[7]);
	cr_assert_eq(pos, 0u);
}

/* ---- Switch and duplicate ------------------------------------------------------- */

Test(switch_mode, preference_order)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(3, 1, 6), L(0, 0, 0));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 0;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(s.mode, GMA_STEER_SWITCH);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 3);

	build_ok(&c, ALL_UP & ~(1u << 3), &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 1, "first path down: the second listed");

	build_ok(&c, 1u << 6, &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 6);
}

Test(switch_mode, weights_ignored)
{
	/* Weights that would be invalid for a split. */
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(2, 4), L(65535, 65534));
	struct gma_steer s;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(s.mode, GMA_STEER_SWITCH);
	cr_assert_eq(s.n_paths, 1u);
	cr_assert_eq(s.paths[0], 2);
}

Test(duplicate, picks_all_up_paths_in_list_order)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_DUPLICATE, L(4, 0, 2), L(0, 0, 0));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 0;
	unsigned i;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(s.mode, GMA_STEER_DUPLICATE);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(gma_steer_pick(&s, &pos, out), 3u);
		cr_assert_eq(out[0], 4);
		cr_assert_eq(out[1], 0);
		cr_assert_eq(out[2], 2);
	}

	build_ok(&c, ALL_UP & ~1u, &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 2u);
	cr_assert_eq(out[0], 4);
	cr_assert_eq(out[1], 2);

	build_ok(&c, 1u << 2, &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 2);
}

Test(duplicate, all_eight_paths)
{
	struct gma_steer_cfg c =
		CFG(GMA_STEER_DUPLICATE, L(7, 6, 5, 4, 3, 2, 1, 0), L(0, 0, 0, 0, 0, 0, 0, 0));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 0;
	unsigned i;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 8u);
	for (i = 0; i < 8; i++)
		cr_assert_eq(out[i], 7 - i);
}

Test(plan, up_mask_bits_of_unlisted_paths_ignored)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_DUPLICATE, L(1, 2), L(0, 0));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 0;

	build_ok(&c, 0xFFFFFFFFu & ~(1u << 1), &s);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 1u);
	cr_assert_eq(out[0], 2);
}

/* ---- Rejections ----------------------------------------------------------------- */

static void expect_rc(const struct gma_steer_cfg *c, uint32_t up, int want)
{
	struct gma_steer s, before;
	int rc;

	memset(&s, 0xA5, sizeof(s));
	before = s;
	rc = gma_steer_build(c, up, &s);
	cr_assert_eq(rc, want, "build: %d (%s), expected %d (%s)", rc, gma_errname(rc), want,
		     gma_errname(want));
	if (want == -GMA_ERR_INVAL)
		cr_assert_eq(memcmp(&s, &before, sizeof(s)), 0, "rejected cfg wrote the plan");
}

Test(reject, null_arguments)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(1), L(0));
	struct gma_steer s;

	cr_assert_eq(gma_steer_build(NULL, ALL_UP, &s), -GMA_ERR_INVAL);
	cr_assert_eq(gma_steer_build(&c, ALL_UP, NULL), -GMA_ERR_INVAL);
}

Test(reject, n_zero_or_too_large)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(0, 1, 2, 3, 4, 5, 6, 7),
				     L(1, 1, 1, 1, 1, 1, 1, 1));
	enum gma_steer_mode m;

	for (m = GMA_STEER_SWITCH; m <= GMA_STEER_DUPLICATE; m++) {
		c.mode = m;
		c.n = 0;
		expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
		c.n = GMA_STEER_MAX_PATHS + 1;
		expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
		c.n = 255;
		expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
		c.n = GMA_STEER_MAX_PATHS;
		expect_rc(&c, ALL_UP, 0);
	}
}

Test(reject, path_index_out_of_range)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(1, 8), L(1, 1));
	enum gma_steer_mode m;

	for (m = GMA_STEER_SWITCH; m <= GMA_STEER_DUPLICATE; m++) {
		c.mode = m;
		c.path[1] = GMA_STEER_MAX_PATHS;
		/* Rejected even though the switch would never get that far. */
		expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
		c.path[1] = 255;
		expect_rc(&c, 0xFFFFFFFFu, -GMA_ERR_INVAL);
		c.path[1] = GMA_STEER_MAX_PATHS - 1;
		expect_rc(&c, ALL_UP, 0);
	}
}

Test(reject, path_listed_twice)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(3, 1, 3), L(1, 1, 1));
	enum gma_steer_mode m;

	for (m = GMA_STEER_SWITCH; m <= GMA_STEER_DUPLICATE; m++) {
		c.mode = m;
		expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
	}
}

Test(reject, unknown_mode)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(1), L(1));

	c.mode = (enum gma_steer_mode)3;
	expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
	c.mode = (enum gma_steer_mode)-1;
	expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
}

Test(reject, split_weights_all_zero)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 2, 3), L(0, 0, 0));

	expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
	expect_rc(&c, 0, -GMA_ERR_INVAL); /* a bad cfg is bad whatever is up */
}

Test(reject, split_cycle_too_long)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 2), L(1024, 1));
	struct gma_steer_cfg big = CFG(GMA_STEER_SPLIT, L(0, 1, 2, 3, 4, 5, 6, 7),
				       L(65535, 65535, 65535, 65535, 65535, 65535, 65535, 65534));
	struct gma_steer_cfg g = CFG(GMA_STEER_SPLIT, L(1, 2), L(2048, 2));

	expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
	expect_rc(&big, ALL_UP, -GMA_ERR_INVAL);
	/* 2048/2 reduces to 1024/1: too long even after the gcd. */
	expect_rc(&g, ALL_UP, -GMA_ERR_INVAL);
	g.weight[0] = 2046; /* 1023/1 */
	expect_rc(&g, ALL_UP, 0);
}

/*
 * The cycle limit applies to the configuration, not to the paths up at the
 * moment: 512/512/3 is rejected even while the weight-3 path is down (where
 * the plan would be a 2-cycle), so a path coming up later cannot turn an
 * accepted configuration into a rejected one.
 */
Test(reject, cycle_limit_independent_of_path_states)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 2, 3), L(512, 512, 3));

	expect_rc(&c, ALL_UP, -GMA_ERR_INVAL);
	expect_rc(&c, ALL_UP & ~(1u << 3), -GMA_ERR_INVAL);
}

Test(reject, invalid_before_nospace)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(1, 1), L(1, 1));

	expect_rc(&c, 0, -GMA_ERR_INVAL);
}

Test(nospace, no_listed_path_up)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SWITCH, L(1, 4), L(1, 2));
	enum gma_steer_mode m;

	for (m = GMA_STEER_SWITCH; m <= GMA_STEER_DUPLICATE; m++) {
		c.mode = m;
		expect_rc(&c, 0, -GMA_ERR_NOSPACE);
		expect_rc(&c, ALL_UP & ~(1u << 1 | 1u << 4), -GMA_ERR_NOSPACE);
	}
}

/* Weight 0 means "do not use": up paths with weight 0 alone cannot carry it. */
Test(nospace, split_only_zero_weight_paths_up)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 4), L(0, 5));

	expect_rc(&c, 1u << 1, -GMA_ERR_NOSPACE);
}

/* The plan left behind by NOSPACE is empty: a pick gives no path. */
Test(nospace, plan_is_empty)
{
	struct gma_steer_cfg c = CFG(GMA_STEER_SPLIT, L(1, 4), L(3, 5));
	struct gma_steer s;
	uint8_t out[GMA_STEER_MAX_PATHS];
	uint32_t pos = 5;

	build_ok(&c, ALL_UP, &s);
	cr_assert_eq(gma_steer_build(&c, 0, &s), -GMA_ERR_NOSPACE);
	cr_assert_eq(gma_steer_pick(&s, &pos, out), 0u);
}
