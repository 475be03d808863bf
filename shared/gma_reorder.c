/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reorder window: a ring of `window` slots for the SNs at and ahead of the
 * head, and a bitmap of `window` bits for the SNs behind it (1 = delivered,
 * 0 = given up).  Ring slot and history bit of an SN share the index
 * sn & (window - 1): when the head passes an SN, its slot is freed for
 * SN + window and its bit replaces the record of SN - window, which has just
 * left the history.
 *
 * Held packets are also chained in arrival order, so the oldest one (the
 * timeout rule) is found in O(1).  Receive times are clamped to never go
 * backwards, which keeps arrival order and age order the same.
 *
 * The head only moves past a held packet by handing it out.  A packet that
 * is ready but did not fit in `out` therefore stays in the head slot, and
 * the next call hands it out first.
 */
#include <string.h>

#include "gma_reorder.h"
#include "gma_seq.h"

#define SLOT_NIL 0xFFFFu /* window <= 32768, so no slot index reaches it */

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_WAITING, /* arrived ahead of the head: counted reordered */
	SLOT_IN_ORDER, /* arrived as the head: counted in_order */
};

struct gma_reorder_slot {
	void *handle;
	uint64_t rx_ms;
	uint16_t prev; /* arrival order, oldest first */
	uint16_t next;
	uint8_t state;
};

_Static_assert(sizeof(struct gma_reorder_slot) == 24, "slot should stay 24 bytes");
_Static_assert(GMA_REORDER_MAX_WINDOW <= SLOT_NIL, "slot index must fit in 16 bits");

struct gma_reorder_path {
	uint64_t last_rx_ms; /* or when it was presumed live (flow start, set up) */
	uint32_t max_sn; /* highest SN delivered since the path was last silent */
	bool seen; /* max_sn is valid */
	bool up;
};

struct gma_reorder {
	struct gma_reorder_cfg cfg;
	uint32_t mask;
	uint32_t head; /* next SN to hand out */
	uint32_t hist_len; /* SNs behind the head the bitmap speaks for */
	uint32_t held;
	uint64_t clock; /* latest time seen */
	uint64_t last_in_ms; /* the flow's latest packet */
	uint16_t oldest; /* arrival list */
	uint16_t newest;
	bool started;
	struct gma_reorder_stats stats;
	struct gma_reorder_path paths[GMA_REORDER_MAX_PATHS];
	uint64_t *hist;
	struct gma_reorder_slot slots[];
};

static bool window_ok(uint32_t window)
{
	return window >= 2 && window <= GMA_REORDER_MAX_WINDOW && (window & (window - 1)) == 0;
}

static size_t hist_words(uint32_t window)
{
	return (window + 63u) / 64u;
}

size_t gma_reorder_memsize(uint32_t window)
{
	if (!window_ok(window))
		return 0;
	/* Slack for aligning an arbitrary caller buffer. */
	return _Alignof(struct gma_reorder) - 1 + sizeof(struct gma_reorder) +
	       (size_t)window * sizeof(struct gma_reorder_slot) +
	       hist_words(window) * sizeof(uint64_t);
}

struct gma_reorder *gma_reorder_init(void *mem, size_t memsize, const struct gma_reorder_cfg *cfg)
{
	struct gma_reorder *r;
	uintptr_t p;
	size_t need;
	unsigned i;

	if (mem == NULL || cfg == NULL || !window_ok(cfg->window))
		return NULL;
	need = gma_reorder_memsize(cfg->window);
	if (memsize < need)
		return NULL;

	p = ((uintptr_t)mem + _Alignof(struct gma_reorder) - 1) &
	    ~(uintptr_t)(_Alignof(struct gma_reorder) - 1);
	r = (struct gma_reorder *)p;
	memset(r, 0, need - (_Alignof(struct gma_reorder) - 1));
	r->cfg = *cfg;
	r->mask = cfg->window - 1;
	r->oldest = SLOT_NIL;
	r->newest = SLOT_NIL;
	r->hist = (uint64_t *)(void *)&r->slots[cfg->window];
	for (i = 0; i < GMA_REORDER_MAX_PATHS; i++)
		r->paths[i].up = true;
	return r;
}

void gma_reorder_set_path(struct gma_reorder *r, unsigned path, bool up)
{
	struct gma_reorder_path *p;

	if (path >= GMA_REORDER_MAX_PATHS)
		return;
	p = &r->paths[path];
	if (up && !p->up) {
		/* What it delivered before going down says nothing now. */
		p->seen = false;
		p->last_rx_ms = r->clock;
	}
	p->up = up;
}

static uint64_t tick(struct gma_reorder *r, uint64_t now_ms)
{
	if (now_ms > r->clock)
		r->clock = now_ms;
	return r->clock;
}

static bool path_live(const struct gma_reorder *r, const struct gma_reorder_path *p, uint64_t now)
{
	return p->up && now - p->last_rx_ms < r->cfg.timeout_ms;
}

/* Whether path p may still deliver the SN sn in order. */
static bool path_holds(const struct gma_reorder_path *p, uint32_t sn)
{
	return !p->seen || gma_sn24_diff(p->max_sn, sn) <= 0;
}

static void path_saw(struct gma_reorder *r, unsigned path, uint32_t sn, uint64_t now)
{
	struct gma_reorder_path *p;

	if (path >= GMA_REORDER_MAX_PATHS)
		return;
	p = &r->paths[path];
	/*
	 * After a silence the old maximum may be arbitrarily far away in SN
	 * space, where 24-bit comparison is meaningless: start over.
	 */
	if (!p->seen || now - p->last_rx_ms >= r->cfg.timeout_ms || gma_sn24_diff(sn, p->max_sn) > 0)
		p->max_sn = sn;
	p->seen = true;
	p->last_rx_ms = now;
}

/*
 * How many SNs from the head on every live path has already passed: paths
 * deliver in order, so a missing SN among them is lost.  With no live path
 * nothing is known, and only the timeout may decide.
 */
static uint32_t early_span(const struct gma_reorder *r, uint64_t now)
{
	int32_t span = 0;
	bool any = false;
	unsigned i;

	for (i = 0; i < GMA_REORDER_MAX_PATHS; i++) {
		const struct gma_reorder_path *p = &r->paths[i];
		int32_t d;

		if (!path_live(r, p, now))
			continue;
		if (!p->seen)
			return 0;
		d = gma_sn24_diff(p->max_sn, r->head);
		if (!any || d < span)
			span = d;
		any = true;
	}
	return any && span > 0 ? (uint32_t)span : 0;
}

static void hist_put(struct gma_reorder *r, uint32_t sn, bool delivered)
{
	uint32_t i = sn & r->mask;
	uint64_t bit = UINT64_C(1) << (i & 63u);

	if (delivered)
		r->hist[i >> 6] |= bit;
	else
		r->hist[i >> 6] &= ~bit;
}

static bool hist_get(const struct gma_reorder *r, uint32_t sn)
{
	uint32_t i = sn & r->mask;

	return (r->hist[i >> 6] >> (i & 63u)) & 1u;
}

static void head_step(struct gma_reorder *r, bool delivered)
{
	hist_put(r, r->head, delivered);
	r->head = (r->head + 1u) & GMA_SN24_MASK;
	if (r->hist_len < r->cfg.window)
		r->hist_len++;
}

/* Give up `count` SNs at once; only called when nothing is held. */
static void head_skip(struct gma_reorder *r, uint32_t count)
{
	uint32_t i;

	if (count >= r->cfg.window) {
		memset(r->hist, 0, hist_words(r->cfg.window) * sizeof(uint64_t));
		r->head = (r->head + count) & GMA_SN24_MASK;
		r->hist_len = r->cfg.window;
		return;
	}
	for (i = 0; i < count; i++)
		head_step(r, false);
}

static void list_append(struct gma_reorder *r, uint16_t idx)
{
	struct gma_reorder_slot *s = &r->slots[idx];

	s->prev = r->newest;
	s->next = SLOT_NIL;
	if (r->newest != SLOT_NIL)
		r->slots[r->newest].next = idx;
	else
		r->oldest = idx;
	r->newest = idx;
}

static void list_unlink(struct gma_reorder *r, uint16_t idx)
{
	struct gma_reorder_slot *s = &r->slots[idx];

	if (s->prev != SLOT_NIL)
		r->slots[s->prev].next = s->next;
	else
		r->oldest = s->next;
	if (s->next != SLOT_NIL)
		r->slots[s->next].prev = s->prev;
	else
		r->newest = s->prev;
}

static void hold(struct gma_reorder *r, uint32_t sn, void *handle, uint64_t now,
		 enum slot_state state)
{
	uint16_t idx = (uint16_t)(sn & r->mask);
	struct gma_reorder_slot *s = &r->slots[idx];

	s->handle = handle;
	s->rx_ms = now;
	s->state = (uint8_t)state;
	list_append(r, idx);
	r->held++;
}

/* Hand out the packet in the head slot and move the head past it. */
static void *release_head(struct gma_reorder *r)
{
	uint16_t idx = (uint16_t)(r->head & r->mask);
	struct gma_reorder_slot *s = &r->slots[idx];
	void *h = s->handle;

	if (s->state == SLOT_IN_ORDER) {
		r->stats.in_order++;
	} else {
		/* r->clock: the time of the call that releases it. */
		uint64_t held = r->clock - s->rx_ms;

		r->stats.reordered++;
		r->stats.hold_ms_sum += held;
		if (held > r->stats.hold_ms_max)
			r->stats.hold_ms_max = held > UINT32_MAX ? UINT32_MAX : (uint32_t)held;
	}
	list_unlink(r, idx);
	s->state = SLOT_EMPTY;
	s->handle = NULL;
	r->held--;
	head_step(r, true);
	return h;
}

static bool head_held(const struct gma_reorder *r)
{
	return r->slots[r->head & r->mask].state != SLOT_EMPTY;
}

/*
 * Release the in-order run at the head and give up gaps the rules allow,
 * until out is full or the head gap must still be waited for.
 */
static unsigned drain(struct gma_reorder *r, uint64_t now, void **out, unsigned out_max, unsigned n)
{
	uint32_t early = early_span(r, now);

	for (;;) {
		if (head_held(r)) {
			if (n >= out_max)
				break;
			out[n++] = release_head(r);
		} else if (r->held == 0) {
			break;
		} else if (now - r->slots[r->oldest].rx_ms >= r->cfg.timeout_ms) {
			/*
			 * Before the early rule: a wait that ran out is a
			 * timeout, even where a silent path has just stopped
			 * being live.
			 */
			r->stats.timed_out++;
			head_step(r, false);
		} else if (early > 0) {
			r->stats.early++;
			head_step(r, false);
		} else {
			break;
		}
		if (early > 0)
			early--;
	}
	return n;
}

/*
 * Move the head to new_head, handing out what waits before it.  Returns false
 * if out fills up first: the head then stops at the packet that did not fit.
 */
static bool slide(struct gma_reorder *r, uint32_t new_head, void **out, unsigned out_max,
		  unsigned *n)
{
	int32_t left = gma_sn24_diff(new_head, r->head);

	while (left > 0) {
		if (r->held == 0) {
			r->stats.overflow += (uint32_t)left;
			head_skip(r, (uint32_t)left);
			return true;
		}
		if (head_held(r)) {
			if (*n >= out_max)
				return false;
			out[(*n)++] = release_head(r);
		} else {
			r->stats.overflow++;
			head_step(r, false);
		}
		left--;
	}
	return true;
}

/* A packet behind the head: returns it if dropped, else NULL. */
static void *behind(struct gma_reorder *r, uint32_t sn, uint32_t age, void *handle, void **out,
		    unsigned out_max, unsigned *n)
{
	if (age > r->hist_len) {
		r->stats.stale++;
		return handle;
	}
	if (hist_get(r, sn)) {
		r->stats.duplicate++;
		return handle;
	}
	r->stats.late++;
	/* With no room in out a late packet cannot wait: it has no slot. */
	if (!r->cfg.deliver_late || *n >= out_max)
		return handle;
	/* From now on a copy of it is a duplicate. */
	hist_put(r, sn, true);
	out[(*n)++] = handle;
	return NULL;
}

unsigned gma_reorder_insert(struct gma_reorder *r, uint32_t flow_sn, unsigned path, void *handle,
			    uint64_t now_ms, void **out, unsigned out_max, void **dropped)
{
	uint32_t sn = flow_sn & GMA_SN24_MASK;
	uint64_t now = tick(r, now_ms);
	void *drop = NULL;
	unsigned n = 0;
	int32_t d;

	if (!r->started) {
		unsigned i;

		/* The other paths' first packets may still be on the way. */
		for (i = 0; i < GMA_REORDER_MAX_PATHS; i++)
			r->paths[i].last_rx_ms = now;
		r->started = true;
		r->head = sn;
	} else if (now - r->last_in_ms >= r->cfg.timeout_ms) {
		unsigned i;

		/* The flow was idle: as at its start, the other paths' first
		 * packets of this burst may still be on the way, and their
		 * silence says nothing yet. */
		for (i = 0; i < GMA_REORDER_MAX_PATHS; i++)
			r->paths[i].last_rx_ms = now;
	}
	r->last_in_ms = now;
	path_saw(r, path, sn, now);

	d = gma_sn24_diff(sn, r->head);
	if (d < 0) {
		drop = behind(r, sn, (uint32_t)-d, handle, out, out_max, &n);
	} else if ((uint32_t)d >= r->cfg.window &&
		   !slide(r, (sn - r->cfg.window + 1u) & GMA_SN24_MASK, out, out_max, &n)) {
		/*
		 * The window cannot move past packets that out has no room
		 * for, so the newcomer is dropped.  Its SN is still ahead and
		 * is counted once, when the head passes it.
		 */
		drop = handle;
	} else if (r->slots[sn & r->mask].state != SLOT_EMPTY) {
		r->stats.duplicate++;
		drop = handle;
	} else {
		hold(r, sn, handle, now, d == 0 ? SLOT_IN_ORDER : SLOT_WAITING);
	}

	n = drain(r, now, out, out_max, n);
	if (dropped != NULL)
		*dropped = drop;
	return n;
}

unsigned gma_reorder_poll(struct gma_reorder *r, uint64_t now_ms, void **out, unsigned out_max)
{
	return drain(r, tick(r, now_ms), out, out_max, 0);
}

unsigned gma_reorder_flush(struct gma_reorder *r, void **out, unsigned out_max)
{
	unsigned n = 0;

	/* Gaps skipped at teardown are not losses of any rule: not counted. */
	while (r->held > 0) {
		if (head_held(r)) {
			if (n >= out_max)
				break;
			out[n++] = release_head(r);
		} else {
			head_step(r, false);
		}
	}
	return n;
}

static uint64_t after_timeout(const struct gma_reorder *r, uint64_t t)
{
	return t > UINT64_MAX - r->cfg.timeout_ms ? UINT64_MAX : t + r->cfg.timeout_ms;
}

/*
 * When the early rule will allow giving up the head gap without any new
 * packet: once the last live path that may still fill it stops being live,
 * provided a live path that has passed it outlasts it.
 */
static uint64_t early_deadline(const struct gma_reorder *r)
{
	uint64_t block_end = 0, pass_end = 0;
	bool blocked = false;
	unsigned i;

	for (i = 0; i < GMA_REORDER_MAX_PATHS; i++) {
		const struct gma_reorder_path *p = &r->paths[i];
		uint64_t end;

		if (!path_live(r, p, r->clock))
			continue;
		end = after_timeout(r, p->last_rx_ms);
		if (path_holds(p, r->head)) {
			blocked = true;
			if (end > block_end)
				block_end = end;
		} else if (end > pass_end) {
			pass_end = end;
		}
	}
	return blocked && pass_end > block_end ? block_end : UINT64_MAX;
}

uint64_t gma_reorder_next_deadline(const struct gma_reorder *r)
{
	uint64_t timeout, early;

	if (r->held == 0)
		return UINT64_MAX;
	/* Ready now: out was full, or a path was set down since the last call. */
	if (head_held(r) || early_span(r, r->clock) > 0)
		return r->clock;
	timeout = after_timeout(r, r->slots[r->oldest].rx_ms);
	early = early_deadline(r);
	return early < timeout ? early : timeout;
}

unsigned gma_reorder_held(const struct gma_reorder *r)
{
	return r->held;
}

const struct gma_reorder_stats *gma_reorder_stats(const struct gma_reorder *r)
{
	return &r->stats;
}
