/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-linkem's impairment logic, pure: no sockets, no clock of its own, no
 * global state.  A direction (struct lk_dir) takes packets with the time
 * they arrived (lk_dir_enqueue()), decides their fate with its own seeded
 * PRNG, and gives them back in departure order once the caller's clock has
 * passed their departure time (lk_dir_pop()).  Same seed, same arrival
 * times and sizes, same parameters: same decisions and departure times.
 *
 * The pipeline of one packet (docs/testbed.md has the long version):
 *   1. down          the direction is down: dropped (reason "down");
 *   2. loss          Bernoulli with probability `loss`, or the Gilbert-Elliott
 *                    two-state model when `ge` is set (reason "loss");
 *   3. bounds        the rate limiter's queue holds `queue` packets and the
 *                    whole direction `limit` packets: tail drop (reasons
 *                    "queue" and "limit");
 *   4. rate          a token bucket of `rate` kbit/s and `burst` bytes in
 *                    front of a FIFO link: a packet leaves the limiter when
 *                    its last bit is sent (burst 0: pure serialisation);
 *   5. delay/jitter  + delay + a jitter sample (uniform in [-jitter, +jitter],
 *                    or normal with sigma = jitter truncated at +-3 sigma),
 *                    never before the packet left the limiter; the link
 *                    stays FIFO (a packet never leaves before its
 *                    predecessor) unless jitter_reorder is set;
 *   6. reorder       with probability `reorder` a packet skips step 5 and
 *                    leaves as soon as the limiter lets it, ahead of the
 *                    packets in the delay line (netem's semantics: needs a
 *                    delay), or, when reorder_extra > 0, is held that much
 *                    longer than its delay so that its successors overtake it.
 */
#ifndef LINKEM_H
#define LINKEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LK_NS_PER_MS 1000000ull
#define LK_MAX_DELAY_MS 60000u       /* delay, jitter, reorder_extra */
#define LK_MAX_RATE_KBIT 100000000u  /* 100 Gbit/s */
#define LK_MAX_PKTS 1000000u         /* queue, limit */
#define LK_MAX_BURST 100000000u      /* bytes */
#define LK_MAX_OVERHEAD 1000u        /* bytes */
#define LK_DEFAULT_QUEUE 1000u
#define LK_DEFAULT_LIMIT 10000u

/* ---- PRNG: xoshiro256**, seeded through splitmix64 ------------------------ */

struct lk_rng {
	uint64_t s[4];
};

void lk_rng_seed(struct lk_rng *r, uint64_t seed);
uint64_t lk_rng_next(struct lk_rng *r);
/* Uniform in [0, 1) with 53 bits. */
double lk_rng_unit(struct lk_rng *r);
/* True with probability thr / 2^53 (thresholds from lk_prob_threshold()). */
bool lk_rng_chance(struct lk_rng *r, uint64_t thr);
uint64_t lk_prob_threshold(double p); /* p in [0, 1] */

/* ---- Parameters of one direction ------------------------------------------- */

enum lk_dist {
	LK_DIST_UNIFORM = 0,
	LK_DIST_NORMAL = 1,
};

struct lk_params {
	uint64_t delay_ns;
	uint64_t jitter_ns;
	enum lk_dist dist;
	bool jitter_reorder;     /* jitter may reorder packets (netem); default FIFO */
	double loss;             /* probability 0..1 (Bernoulli), unless ge */
	bool ge;                 /* Gilbert-Elliott instead of Bernoulli */
	double ge_p, ge_r;       /* per packet: good -> bad, bad -> good */
	double ge_loss_bad;      /* loss probability in the bad state (default 1) */
	double ge_loss_good;     /* loss probability in the good state (default 0) */
	uint64_t rate_kbit;      /* 0: unlimited */
	uint32_t burst;          /* token bucket depth, bytes; 0: pure serialisation */
	uint32_t overhead;       /* bytes added to every frame for the rate */
	uint32_t queue;          /* packets waiting for the rate limiter, at most */
	uint32_t limit;          /* packets held by the direction, at most */
	double reorder;          /* probability 0..1 */
	uint64_t reorder_extra_ns; /* 0: reordered packets skip the delay; else held longer */
	bool down;               /* drop everything */
};

void lk_params_defaults(struct lk_params *p);

/* ---- One direction ---------------------------------------------------------- */

enum lk_result {
	LK_QUEUED = 0,
	LK_DROP_LOSS,
	LK_DROP_QUEUE,  /* the rate limiter's queue is full */
	LK_DROP_LIMIT,  /* the direction holds `limit` packets */
	LK_DROP_DOWN,
	LK_DROP_ERROR,  /* the send failed (counted by the caller, lk_dir_tx_failed()) */
	LK_N_RESULTS,
};

extern const char *const lk_result_names[LK_N_RESULTS]; /* "queued", "loss", ... */

struct lk_stats {
	uint64_t rx, rx_bytes;        /* offered to the direction */
	uint64_t fwd, fwd_bytes;      /* given back by lk_dir_pop() (less send failures) */
	uint64_t drop[LK_N_RESULTS];  /* by reason; drop[LK_QUEUED] unused */
	uint64_t reordered;           /* packets picked by `reorder` */
	uint64_t queued_max;          /* most packets held at once */
	uint64_t late_max_ns;         /* latest pop after its departure time */
	uint64_t late_sum_ns;
};

struct lk_ent {
	uint64_t t;    /* departure time */
	uint64_t seq;  /* arrival order: equal times leave in arrival order */
	uint32_t len;
	void *user;
};

struct lk_dir {
	struct lk_params p;
	uint64_t thr_loss, thr_reorder, thr_ge_p, thr_ge_r, thr_ge_bad, thr_ge_good;
	bool ge_bad;                  /* Gilbert-Elliott state */
	struct lk_rng rng;
	/* rate limiter: GCRA virtual time vt_ns + vt_rem / rate_bps ns */
	uint64_t vt_ns, vt_rem;
	uint64_t last_shaped;         /* departure from the limiter of the last packet */
	uint64_t *sq;                 /* ring: limiter departure times of packets still in it */
	uint32_t sq_head, sq_n, sq_cap;
	uint64_t last_fifo;           /* delay-line departure of the last in-order packet */
	/* delay line: min-heap by (t, seq) */
	struct lk_ent *heap;
	uint32_t n, cap;
	uint64_t seq;
	struct lk_stats st;
};

typedef void (*lk_free_fn)(void *user, void *ctx);

/* Defaults (no impairment), PRNG seeded with seed.  0, or -1 (ENOMEM). */
int lk_dir_init(struct lk_dir *d, uint64_t seed);
/* Frees the direction; every packet still held goes to free_fn (may be NULL). */
void lk_dir_destroy(struct lk_dir *d, lk_free_fn free_fn, void *ctx);
/*
 * New parameters.  Packets already held keep their departure times.  Going
 * down drops every packet held (counted "down", each given to free_fn) and
 * resets the rate limiter.  0, or -1 when memory for a larger queue is
 * missing (the old parameters stay).
 */
int lk_dir_set(struct lk_dir *d, const struct lk_params *p, lk_free_fn free_fn, void *ctx);
/* A packet of len bytes (L2 frame) arrived at now.  LK_QUEUED: user is held. */
enum lk_result lk_dir_enqueue(struct lk_dir *d, uint64_t now, uint32_t len, void *user);
/* Departure time of the next packet, or UINT64_MAX when none is held. */
uint64_t lk_dir_next(const struct lk_dir *d);
/* The next packet due at now (departure <= now), or false. */
bool lk_dir_pop(struct lk_dir *d, uint64_t now, void **user, uint32_t *len, uint64_t *t);
/* The caller could not send a popped packet: move it from fwd to drop "error". */
void lk_dir_tx_failed(struct lk_dir *d, uint32_t len);
static inline uint32_t lk_dir_held(const struct lk_dir *d) { return d->n; }

/* "ab rx=1 rx_bytes=... fwd=... drop_loss=... ... queued=N" on one line. */
int lk_stats_format(const struct lk_dir *d, const char *name, char *buf, size_t len);
/* "ab delay=20 jitter=0 dist=uniform ..." on one line (ms, %, kbit/s). */
int lk_params_format(const struct lk_params *p, const char *name, char *buf, size_t len);

/* ---- Commands (control socket, --ab/--ba/--both, --conf file) --------------- */

enum lk_cmd {
	LK_CMD_NONE = 0, /* blank line or comment */
	LK_CMD_SET,      /* new parameters for the directions in *dirs */
	LK_CMD_STATS,
	LK_CMD_SHOW,
	LK_CMD_HELP,
};

#define LK_DIR_AB 1u
#define LK_DIR_BA 2u

/*
 * One command line:
 *   [ab|ba|both] (KEY=VALUE | up | down)...
 *   [ab|ba|both] reset
 *   stats | show | help
 * On LK_CMD_SET, p[0] (ab) and p[1] (ba) are updated for the directions
 * named in *dirs (both when none is named); on an error nothing changes
 * and -1 comes back with the reason in err.
 */
int lk_cmd_parse(const char *line, struct lk_params p[2], unsigned *dirs, char *err,
		 size_t errlen);
/* The same, without the direction word: "delay=20 loss=1" for the directions in dirs. */
int lk_spec_parse(const char *spec, unsigned dirs, struct lk_params p[2], char *err,
		  size_t errlen);
extern const char lk_cmd_help[];

/* ---- Checksum help for CHECKSUM_PARTIAL frames (virtio_net_hdr NEEDS_CSUM) -- */

/*
 * Completes the checksum of a frame whose transport checksum field (at
 * start + offset) holds only the pseudo-header sum: sums frame[start..len),
 * folds, complements, stores (0 becomes 0xFFFF, as the kernel does).
 * -1 when start/offset do not fit in len.
 */
int lk_csum_complete(uint8_t *frame, uint32_t len, uint32_t start, uint32_t offset);

#endif /* LINKEM_H */
