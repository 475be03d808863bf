/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-linkem's impairment logic (linkem.h): PRNG, the pipeline of one
 * direction, its departure heap, the command language.  No I/O, no clock.
 */
#include "linkem.h"

#include "cli_err.h"
#include "cli_name.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- PRNG ------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void lk_rng_seed(struct lk_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	for (unsigned i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t lk_rng_next(struct lk_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double lk_rng_unit(struct lk_rng *r)
{
	return (double)(lk_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t lk_prob_threshold(double p)
{
	if (!(p > 0))
		return 0;
	if (p >= 1)
		return 1ull << 53;
	return (uint64_t)(p * 9007199254740992.0 + 0.5);
}

bool lk_rng_chance(struct lk_rng *r, uint64_t thr)
{
	if (thr == 0)
		return false; /* no draw: an unused impairment costs nothing */
	return (lk_rng_next(r) >> 11) < thr;
}

/* ---- Parameters ------------------------------------------------------------ */

void lk_params_defaults(struct lk_params *p)
{
	memset(p, 0, sizeof(*p));
	p->dist = LK_DIST_UNIFORM;
	p->ge_loss_bad = 1.0;
	p->ge_loss_good = 0.0;
	p->queue = LK_DEFAULT_QUEUE;
	p->limit = LK_DEFAULT_LIMIT;
}

const char *const lk_result_names[LK_N_RESULTS] = {
	"queued", "loss", "queue", "limit", "down", "error",
};

/* ---- Departure heap: min by (t, seq) --------------------------------------- */

static inline bool ent_before(const struct lk_ent *a, const struct lk_ent *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Room for one more entry: the heap grows by doubling, never beyond limit. */
static int heap_reserve(struct lk_dir *d)
{
	uint32_t ncap;
	struct lk_ent *h;

	if (d->n < d->cap)
		return 0;
	ncap = d->cap ? d->cap * 2 : 256;
	if (ncap > d->p.limit)
		ncap = d->p.limit > d->n ? d->p.limit : d->n + 1;
	h = realloc(d->heap, (size_t)ncap * sizeof(*h));
	if (h == NULL)
		return -1;
	d->heap = h;
	d->cap = ncap;
	return 0;
}

static void heap_push(struct lk_dir *d, const struct lk_ent *e)
{
	uint32_t i = d->n++;

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!ent_before(e, &d->heap[parent]))
			break;
		d->heap[i] = d->heap[parent];
		i = parent;
	}
	d->heap[i] = *e;
}

static void heap_pop(struct lk_dir *d, struct lk_ent *out)
{
	struct lk_ent last;
	uint32_t i = 0;

	*out = d->heap[0];
	last = d->heap[--d->n];
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= d->n)
			break;
		if (c + 1 < d->n && ent_before(&d->heap[c + 1], &d->heap[c]))
			c++;
		if (!ent_before(&d->heap[c], &last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->n > 0)
		d->heap[i] = last;
}

/* ---- A direction ------------------------------------------------------------ */

static void thresholds(struct lk_dir *d)
{
	d->thr_loss = lk_prob_threshold(d->p.loss);
	d->thr_reorder = lk_prob_threshold(d->p.reorder);
	d->thr_ge_p = lk_prob_threshold(d->p.ge_p);
	d->thr_ge_r = lk_prob_threshold(d->p.ge_r);
	d->thr_ge_bad = lk_prob_threshold(d->p.ge_loss_bad);
	d->thr_ge_good = lk_prob_threshold(d->p.ge_loss_good);
}

int lk_dir_init(struct lk_dir *d, uint64_t seed)
{
	memset(d, 0, sizeof(*d));
	lk_params_defaults(&d->p);
	thresholds(d);
	lk_rng_seed(&d->rng, seed);
	return 0;
}

static void flush(struct lk_dir *d, lk_free_fn free_fn, void *ctx, bool count)
{
	for (uint32_t i = 0; i < d->n; i++) {
		if (count)
			d->st.drop[LK_DROP_DOWN]++;
		if (free_fn != NULL)
			free_fn(d->heap[i].user, ctx);
	}
	d->n = 0;
	d->sq_n = 0;
	d->sq_head = 0;
	d->vt_ns = d->vt_rem = 0;
	d->last_shaped = d->last_fifo = 0;
}

void lk_dir_destroy(struct lk_dir *d, lk_free_fn free_fn, void *ctx)
{
	flush(d, free_fn, ctx, false);
	free(d->heap);
	free(d->sq);
	d->heap = NULL;
	d->sq = NULL;
	d->cap = d->sq_cap = 0;
}

/* Grows the limiter's ring to cap entries, keeping its contents in order. */
static int sq_grow(struct lk_dir *d, uint32_t cap)
{
	uint64_t *q = malloc((size_t)cap * sizeof(*q));

	if (q == NULL)
		return -1;
	for (uint32_t i = 0; i < d->sq_n; i++)
		q[i] = d->sq[(d->sq_head + i) % d->sq_cap];
	free(d->sq);
	d->sq = q;
	d->sq_head = 0;
	d->sq_cap = cap;
	return 0;
}

int lk_dir_set(struct lk_dir *d, const struct lk_params *np, lk_free_fn free_fn, void *ctx)
{
	bool going_down = np->down && !d->p.down;

	if (np->rate_kbit != 0 && np->queue > d->sq_cap && sq_grow(d, np->queue) != 0)
		return -1;
	if (np->rate_kbit != d->p.rate_kbit) {
		d->vt_rem = 0; /* its unit is 1/rate */
		if (np->rate_kbit == 0)
			d->sq_n = d->sq_head = 0;
	}
	if (!np->ge)
		d->ge_bad = false;
	d->p = *np;
	thresholds(d);
	if (going_down)
		flush(d, free_fn, ctx, true);
	return 0;
}

static enum lk_result drop(struct lk_dir *d, enum lk_result why)
{
	d->st.drop[why]++;
	return why;
}

static bool lost(struct lk_dir *d)
{
	bool l;

	if (!d->p.ge)
		return lk_rng_chance(&d->rng, d->thr_loss);
	/* Loss by the current state, then the state's transition. */
	l = lk_rng_chance(&d->rng, d->ge_bad ? d->thr_ge_bad : d->thr_ge_good);
	if (d->ge_bad) {
		if (lk_rng_chance(&d->rng, d->thr_ge_r))
			d->ge_bad = false;
	} else if (lk_rng_chance(&d->rng, d->thr_ge_p)) {
		d->ge_bad = true;
	}
	return l;
}

/* Drops the limiter's record of packets that have left it by now. */
static void sq_expire(struct lk_dir *d, uint64_t now)
{
	while (d->sq_n > 0 && d->sq[d->sq_head] <= now) {
		d->sq_head = (d->sq_head + 1) % d->sq_cap;
		d->sq_n--;
	}
}

/*
 * Token bucket in GCRA form: vt is the time at which the bucket would be
 * empty; it never lags more than tau (the bucket's depth in time) behind;
 * a packet costs T = bits / rate and leaves at max(base, vt + T).  Without
 * a burst it is a FIFO link that finishes sending the packet at
 * max(arrival, previous departure) + T.  The fraction of a ns is kept in
 * vt_rem (units of 1 / rate_bps ns) so that the long-run rate is exact.
 */
static uint64_t shape(struct lk_dir *d, uint64_t now, uint32_t len)
{
	uint64_t rate_bps = d->p.rate_kbit * 1000u;
	uint64_t num = ((uint64_t)len + d->p.overhead) * 8u * 1000000000u;
	uint64_t tau = (uint64_t)d->p.burst * 8u * 1000000000u / rate_bps;
	uint64_t base = now > d->last_shaped ? now : d->last_shaped, dep;

	if (base > tau && base - tau > d->vt_ns) {
		d->vt_ns = base - tau;
		d->vt_rem = 0;
	}
	d->vt_rem += num % rate_bps;
	d->vt_ns += num / rate_bps + d->vt_rem / rate_bps;
	d->vt_rem %= rate_bps;
	dep = d->vt_ns + (d->vt_rem != 0);
	if (dep < base)
		dep = base;
	d->last_shaped = dep;
	return dep;
}

static int64_t jitter_sample(struct lk_dir *d)
{
	uint64_t j = d->p.jitter_ns;

	if (j == 0)
		return 0;
	if (d->p.dist == LK_DIST_UNIFORM)
		return (int64_t)(lk_rng_next(&d->rng) % (2 * j + 1)) - (int64_t)j;
	/* Normal, sigma = jitter, truncated at 3 sigma (redrawn; Marsaglia's polar method). */
	for (unsigned tries = 0; tries < 64; tries++) {
		double u = 2 * lk_rng_unit(&d->rng) - 1, v = 2 * lk_rng_unit(&d->rng) - 1;
		double s = u * u + v * v, z;

		if (s >= 1 || s == 0)
			continue;
		z = u * sqrt(-2 * log(s) / s);
		if (z > 3 || z < -3)
			continue;
		return (int64_t)llround(z * (double)j);
	}
	return 0;
}

static uint64_t add_signed(uint64_t t, int64_t off, uint64_t floor)
{
	if (off < 0 && (uint64_t)-off > t - floor)
		return floor;
	return t + (uint64_t)off;
}

enum lk_result lk_dir_enqueue(struct lk_dir *d, uint64_t now, uint32_t len, void *user)
{
	struct lk_ent e;
	uint64_t shaped = now;

	d->st.rx++;
	d->st.rx_bytes += len;
	if (d->p.down)
		return drop(d, LK_DROP_DOWN);
	if (lost(d))
		return drop(d, LK_DROP_LOSS);
	if (d->n >= d->p.limit)
		return drop(d, LK_DROP_LIMIT);
	if (d->p.rate_kbit != 0) {
		sq_expire(d, now);
		if (d->sq_n >= d->p.queue)
			return drop(d, LK_DROP_QUEUE);
	}
	/* Room in the heap first: a drop must not move the limiter's state. */
	if (heap_reserve(d) != 0)
		return drop(d, LK_DROP_LIMIT);
	e.len = len;
	e.user = user;
	e.seq = d->seq++;
	if (d->p.rate_kbit != 0) {
		shaped = shape(d, now, len);
		d->sq[(d->sq_head + d->sq_n) % d->sq_cap] = shaped;
		d->sq_n++;
	}
	if (d->thr_reorder != 0 && lk_rng_chance(&d->rng, d->thr_reorder)) {
		d->st.reordered++;
		if (d->p.reorder_extra_ns == 0)
			e.t = shaped; /* ahead of everything in the delay line */
		else
			e.t = add_signed(shaped + d->p.delay_ns, jitter_sample(d), shaped) +
			      d->p.reorder_extra_ns;
	} else {
		e.t = add_signed(shaped + d->p.delay_ns, jitter_sample(d), shaped);
		if (!d->p.jitter_reorder) {
			if (e.t < d->last_fifo)
				e.t = d->last_fifo;
			d->last_fifo = e.t;
		}
	}
	heap_push(d, &e);
	if (d->n > d->st.queued_max)
		d->st.queued_max = d->n;
	return LK_QUEUED;
}

uint64_t lk_dir_next(const struct lk_dir *d)
{
	return d->n > 0 ? d->heap[0].t : UINT64_MAX;
}

bool lk_dir_pop(struct lk_dir *d, uint64_t now, void **user, uint32_t *len, uint64_t *t)
{
	struct lk_ent e;
	uint64_t late;

	if (d->n == 0 || d->heap[0].t > now)
		return false;
	heap_pop(d, &e);
	late = now - e.t;
	if (late > d->st.late_max_ns)
		d->st.late_max_ns = late;
	d->st.late_sum_ns += late;
	d->st.fwd++;
	d->st.fwd_bytes += e.len;
	*user = e.user;
	*len = e.len;
	if (t != NULL)
		*t = e.t;
	return true;
}

void lk_dir_tx_failed(struct lk_dir *d, uint32_t len)
{
	d->st.fwd--;
	d->st.fwd_bytes -= len;
	d->st.drop[LK_DROP_ERROR]++;
}

/* ---- Formatting ------------------------------------------------------------- */

/* ns as ms: "20", "0.5", "1.000001". */
static const char *ms_str(uint64_t ns, char *buf, size_t len)
{
	uint64_t frac = ns % LK_NS_PER_MS;
	int n;

	if (frac == 0) {
		snprintf(buf, len, "%llu", (unsigned long long)(ns / LK_NS_PER_MS));
		return buf;
	}
	n = snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ns / LK_NS_PER_MS),
		     (unsigned long long)frac);
	while (n > 0 && (size_t)n < len && buf[n - 1] == '0')
		buf[--n] = '\0';
	return buf;
}

int lk_stats_format(const struct lk_dir *d, const char *name, char *buf, size_t len)
{
	const struct lk_stats *s = &d->st;
	uint64_t avg = s->fwd ? s->late_sum_ns / s->fwd : 0;

	return snprintf(buf, len,
			"%s rx=%llu rx_bytes=%llu fwd=%llu fwd_bytes=%llu drop_loss=%llu "
			"drop_queue=%llu drop_limit=%llu drop_down=%llu drop_error=%llu "
			"reordered=%llu queued=%u queued_max=%llu late_avg_us=%llu late_max_us=%llu",
			name, (unsigned long long)s->rx, (unsigned long long)s->rx_bytes,
			(unsigned long long)s->fwd, (unsigned long long)s->fwd_bytes,
			(unsigned long long)s->drop[LK_DROP_LOSS],
			(unsigned long long)s->drop[LK_DROP_QUEUE],
			(unsigned long long)s->drop[LK_DROP_LIMIT],
			(unsigned long long)s->drop[LK_DROP_DOWN],
			(unsigned long long)s->drop[LK_DROP_ERROR],
			(unsigned long long)s->reordered, d->n, (unsigned long long)s->queued_max,
			(unsigned long long)(avg / 1000), (unsigned long long)(s->late_max_ns / 1000));
}

int lk_params_format(const struct lk_params *p, const char *name, char *buf, size_t len)
{
	char d[32], j[32], x[32], ge[96];

	if (p->ge)
		snprintf(ge, sizeof(ge), "%g,%g,%g,%g", p->ge_p * 100, p->ge_r * 100,
			 p->ge_loss_bad * 100, p->ge_loss_good * 100);
	else
		snprintf(ge, sizeof(ge), "off");
	return snprintf(buf, len,
			"%s %s delay=%s jitter=%s dist=%s jitter_reorder=%d loss=%g ge=%s rate=%llu "
			"burst=%u overhead=%u queue=%u limit=%u reorder=%g reorder_extra=%s",
			name, p->down ? "down" : "up", ms_str(p->delay_ns, d, sizeof(d)),
			ms_str(p->jitter_ns, j, sizeof(j)),
			p->dist == LK_DIST_NORMAL ? "normal" : "uniform", p->jitter_reorder,
			p->loss * 100, ge, (unsigned long long)p->rate_kbit, p->burst, p->overhead,
			p->queue, p->limit, p->reorder * 100,
			ms_str(p->reorder_extra_ns, x, sizeof(x)));
}

/* ---- Commands ---------------------------------------------------------------- */

const char lk_cmd_help[] =
	"commands (one per datagram or line; DIR is ab, ba or both, default both):\n"
	"  [DIR] KEY=VALUE...   change parameters (all or nothing)\n"
	"  [DIR] down | up      drop everything (and what is queued) / forward again\n"
	"  [DIR] reset          back to no impairment (and up)\n"
	"  stats | show | help  counters / parameters / this text\n"
	"keys:\n"
	"  delay=MS jitter=MS reorder_extra=MS      0..60000, decimals allowed\n"
	"  dist=uniform|normal  jitter_reorder=0|1\n"
	"  loss=PCT reorder=PCT                     0..100, decimals allowed\n"
	"  ge=off|P,R[,BAD[,GOOD]]                  Gilbert-Elliott, percent per packet\n"
	"  rate=KBIT (or 10mbit, 1gbit; 0 = unlimited) burst=BYTES overhead=BYTES\n"
	"  queue=PKTS limit=PKTS                    1..1000000\n";

static const char *const known_keys =
	"delay jitter dist jitter_reorder loss ge rate burst overhead queue limit reorder "
	"reorder_extra";

#define fail cli_fail

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out, const char **rest)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || (rest == NULL && *end != '\0'))
		return -1;
	if (rest != NULL)
		*rest = end;
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_ms(const char *key, const char *v, uint64_t *ns, char *err, size_t errlen)
{
	double ms;

	if (parse_double(v, 0, LK_MAX_DELAY_MS, &ms) != 0)
		return fail(err, errlen, "%s: \"%s\" is not a time in ms, 0..%u", key, v,
			    LK_MAX_DELAY_MS);
	*ns = (uint64_t)llround(ms * 1e6);
	return 0;
}

static int parse_pct(const char *key, const char *v, double *p, char *err, size_t errlen)
{
	double pct;

	if (parse_double(v, 0, 100, &pct) != 0)
		return fail(err, errlen, "%s: \"%s\" is not a percentage, 0..100", key, v);
	*p = pct / 100;
	return 0;
}

static int parse_uint(const char *key, const char *v, uint64_t lo, uint64_t hi, uint32_t *out,
		      char *err, size_t errlen)
{
	uint64_t x;

	if (parse_u64(v, lo, hi, &x, NULL) != 0)
		return fail(err, errlen, "%s: \"%s\" is not an integer in %llu..%llu", key, v,
			    (unsigned long long)lo, (unsigned long long)hi);
	*out = (uint32_t)x;
	return 0;
}

static int parse_rate(const char *v, uint64_t *kbit, char *err, size_t errlen)
{
	static const struct { const char *suffix; uint64_t mult; } units[] = {
		{ "", 1 }, { "k", 1 }, { "kbit", 1 }, { "m", 1000 }, { "mbit", 1000 },
		{ "g", 1000000 }, { "gbit", 1000000 },
	};
	const char *rest;
	uint64_t x;

	if (parse_u64(v, 0, LK_MAX_RATE_KBIT, &x, &rest) == 0) {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcasecmp(rest, units[i].suffix) != 0)
				continue;
			if (x > LK_MAX_RATE_KBIT / units[i].mult)
				break;
			*kbit = x * units[i].mult;
			return 0;
		}
	}
	return fail(err, errlen,
		    "rate: \"%s\" is not a rate: kbit/s (or with kbit, mbit, gbit), 0..%u kbit/s",
		    v, LK_MAX_RATE_KBIT);
}

static int parse_ge(const char *v, struct lk_params *p, char *err, size_t errlen)
{
	double x[4] = { 0, 0, 100, 0 };
	char buf[128], *save = NULL, *tok;
	unsigned n = 0;

	if (strcmp(v, "off") == 0) {
		p->ge = false;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		goto bad;
	memcpy(buf, v, strlen(v) + 1);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (n == 4 || parse_double(tok, 0, 100, &x[n]) != 0)
			goto bad;
		n++;
	}
	if (n < 2 || v[strlen(v) - 1] == ',' || strstr(v, ",,") != NULL || v[0] == ',')
		goto bad;
	p->ge = true;
	p->ge_p = x[0] / 100;
	p->ge_r = x[1] / 100;
	p->ge_loss_bad = x[2] / 100;
	p->ge_loss_good = x[3] / 100;
	return 0;
bad:
	return fail(err, errlen, "ge: \"%s\" is not off or P,R[,BAD[,GOOD]] (percentages)", v);
}

static int apply_token(struct lk_params *p, const char *tok, char *err, size_t errlen)
{
	const char *eq = strchr(tok, '=');
	char key[32];
	static const struct cli_name dists[] = {
		{"uniform", LK_DIST_UNIFORM},
		{"normal", LK_DIST_NORMAL},
	};
	const char *v;
	uint64_t u;
	size_t klen;
	int d;

	if (strcmp(tok, "down") == 0) {
		p->down = true;
		return 0;
	}
	if (strcmp(tok, "up") == 0) {
		p->down = false;
		return 0;
	}
	if (strcmp(tok, "reset") == 0) {
		lk_params_defaults(p);
		return 0;
	}
	if (eq == NULL)
		return fail(err, errlen, "\"%s\": expected KEY=VALUE, up, down or reset", tok);
	klen = (size_t)(eq - tok);
	if (klen == 0 || klen >= sizeof(key))
		return fail(err, errlen, "\"%s\": unknown key (keys: %s)", tok, known_keys);
	memcpy(key, tok, klen);
	key[klen] = '\0';
	v = eq + 1;
	if (strcmp(key, "delay") == 0)
		return parse_ms(key, v, &p->delay_ns, err, errlen);
	if (strcmp(key, "jitter") == 0)
		return parse_ms(key, v, &p->jitter_ns, err, errlen);
	if (strcmp(key, "reorder_extra") == 0)
		return parse_ms(key, v, &p->reorder_extra_ns, err, errlen);
	if (strcmp(key, "loss") == 0)
		return parse_pct(key, v, &p->loss, err, errlen);
	if (strcmp(key, "reorder") == 0)
		return parse_pct(key, v, &p->reorder, err, errlen);
	if (strcmp(key, "dist") == 0) {
		if (!cli_name_value(dists, sizeof(dists) / sizeof(dists[0]), v, &d))
			return fail(err, errlen, "dist: \"%s\" is not uniform or normal", v);
		p->dist = (enum lk_dist)d;
		return 0;
	}
	if (strcmp(key, "jitter_reorder") == 0) {
		if (parse_u64(v, 0, 1, &u, NULL) != 0)
			return fail(err, errlen, "jitter_reorder: \"%s\" is not 0 or 1", v);
		p->jitter_reorder = u != 0;
		return 0;
	}
	if (strcmp(key, "ge") == 0)
		return parse_ge(v, p, err, errlen);
	if (strcmp(key, "rate") == 0)
		return parse_rate(v, &p->rate_kbit, err, errlen);
	if (strcmp(key, "burst") == 0)
		return parse_uint(key, v, 0, LK_MAX_BURST, &p->burst, err, errlen);
	if (strcmp(key, "overhead") == 0)
		return parse_uint(key, v, 0, LK_MAX_OVERHEAD, &p->overhead, err, errlen);
	if (strcmp(key, "queue") == 0)
		return parse_uint(key, v, 1, LK_MAX_PKTS, &p->queue, err, errlen);
	if (strcmp(key, "limit") == 0)
		return parse_uint(key, v, 1, LK_MAX_PKTS, &p->limit, err, errlen);
	return fail(err, errlen, "\"%s\": unknown key (keys: %s)", key, known_keys);
}

#define LK_MAX_LINE 1024
#define LK_MAX_TOKENS 64

/* Splits a copy of line into tokens, stopping at '#'.  Number of tokens or -1. */
static int tokenize(const char *line, char *buf, char **tok, char *err, size_t errlen)
{
	size_t len = strcspn(line, "#");
	int n = 0;

	if (len >= LK_MAX_LINE)
		return fail(err, errlen, "command longer than %d characters", LK_MAX_LINE - 1);
	memcpy(buf, line, len);
	buf[len] = '\0';
	for (char *s = buf; *s;) {
		while (isspace((unsigned char)*s))
			*s++ = '\0';
		if (*s == '\0')
			break;
		if (n == LK_MAX_TOKENS)
			return fail(err, errlen, "more than %d words", LK_MAX_TOKENS);
		tok[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	return n;
}

static int apply_tokens(char **tok, int n, unsigned dirs, struct lk_params p[2], char *err,
			size_t errlen)
{
	struct lk_params tmp[2] = { p[0], p[1] };

	for (int i = 0; i < n; i++)
		for (unsigned d = 0; d < 2; d++)
			if ((dirs & (1u << d)) && apply_token(&tmp[d], tok[i], err, errlen) != 0)
				return -1;
	p[0] = tmp[0];
	p[1] = tmp[1];
	return LK_CMD_SET;
}

int lk_spec_parse(const char *spec, unsigned dirs, struct lk_params p[2], char *err,
		  size_t errlen)
{
	char buf[LK_MAX_LINE], *tok[LK_MAX_TOKENS];
	int n = tokenize(spec, buf, tok, err, errlen);

	if (n < 0)
		return -1;
	if (n == 0)
		return LK_CMD_NONE;
	return apply_tokens(tok, n, dirs, p, err, errlen);
}

int lk_cmd_parse(const char *line, struct lk_params p[2], unsigned *dirs, char *err,
		 size_t errlen)
{
	char buf[LK_MAX_LINE], *tok[LK_MAX_TOKENS];
	int n = tokenize(line, buf, tok, err, errlen), first = 0;

	*dirs = LK_DIR_AB | LK_DIR_BA;
	if (n < 0)
		return -1;
	if (n == 0)
		return LK_CMD_NONE;
	if (n == 1) {
		if (strcmp(tok[0], "stats") == 0)
			return LK_CMD_STATS;
		if (strcmp(tok[0], "show") == 0)
			return LK_CMD_SHOW;
		if (strcmp(tok[0], "help") == 0)
			return LK_CMD_HELP;
	}
	if (strcmp(tok[0], "ab") == 0)
		*dirs = LK_DIR_AB, first = 1;
	else if (strcmp(tok[0], "ba") == 0)
		*dirs = LK_DIR_BA, first = 1;
	else if (strcmp(tok[0], "both") == 0)
		first = 1;
	if (first == n)
		return fail(err, errlen, "\"%s\": what should change? (help)", tok[0]);
	return apply_tokens(tok + first, n - first, *dirs, p, err, errlen);
}

/* ---- Checksum ---------------------------------------------------------------- */

int lk_csum_complete(uint8_t *frame, uint32_t len, uint32_t start, uint32_t offset)
{
	uint64_t sum = 0;
	uint32_t i;
	uint16_t c;

	if (start > len || offset > len - start || len - start - offset < 2)
		return -1;
	for (i = start; i + 1 < len; i += 2)
		sum += (uint32_t)frame[i] << 8 | frame[i + 1];
	if (i < len)
		sum += (uint32_t)frame[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	c = (uint16_t)~sum;
	if (c == 0)
		c = 0xFFFF;
	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
	return 0;
}
