/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow reorder window over opaque packet handles (the receiver side of
 * RFC 9188 Flow SN; algorithm: docs/gma.md "Reordering", DIGEST B.3).
 *
 * Packets are inserted with their 24-bit Flow SN, the delivery path they came
 * on and the local receive time; they are released strictly in SN order.  A
 * gap (a missing SN) is given up ("declared lost") when
 *   - the oldest buffered packet has waited timeout_ms          (timed_out), or
 *   - every *live* path has already delivered an SN beyond the gap: paths
 *     deliver in order, so the missing packet is lost, not late (early).
 *     A path is live while it is up (gma_reorder_set_path) and has delivered
 *     a packet of this flow within the last timeout_ms; that keeps a path
 *     switch lossless: the old path stays live while its packets drain.
 *     For timeout_ms after the flow's first packet, after the flow resumes
 *     from timeout_ms or more of silence, and after a path is set up again,
 *     an up path that has delivered nothing since counts as live: its
 *     first packets may still be on the way.
 *   - a packet arrives so far ahead that it does not fit in the window
 *     (overflow): the window slides and gaps behind it are given up.
 * An SN behind the window's head was either delivered (duplicate: dropped)
 * or given up (late: handed back for delivery, or dropped, per cfg).  The
 * module never frees or copies a packet: every handle inserted comes back
 * exactly once, through `out` (deliver) or `drop`.
 *
 * No allocation: the caller provides gma_reorder_memsize() bytes once.
 */
#ifndef GMA_REORDER_H
#define GMA_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMA_REORDER_MAX_PATHS 16u       /* delivery connection IDs are 4 bits */
#define GMA_REORDER_MAX_WINDOW 32768u   /* < 2^23: unambiguous in 24-bit SN space */

struct gma_reorder_cfg {
	uint32_t window;     /* buffered SNs ahead of the head; power of 2, 2..32768 */
	uint32_t timeout_ms; /* longest wait for a missing SN */
	bool deliver_late;   /* a late packet (its gap already given up): true = deliver
				out of order, false = drop (counted either way) */
};

struct gma_reorder_stats {
	uint64_t in_order;   /* released at once: it was the next expected SN */
	uint64_t reordered;  /* released after waiting in the window */
	uint64_t late;       /* arrived after its gap was given up */
	uint64_t duplicate;  /* its SN was already delivered or is already held */
	uint64_t timed_out;  /* SNs given up because the head waited timeout_ms */
	uint64_t early;      /* SNs given up because every live path passed them */
	uint64_t overflow;   /* SNs given up because the window had to slide */
	uint64_t stale;      /* dropped: older than the window's history */
	uint64_t hold_ms_sum; /* time the reordered packets waited, summed (ms) */
	uint32_t hold_ms_max; /* the longest such wait (ms) */
};

struct gma_reorder; /* opaque */

size_t gma_reorder_memsize(uint32_t window);
/* Returns the context placed in mem, or NULL (bad cfg or memsize). */
struct gma_reorder *gma_reorder_init(void *mem, size_t memsize, const struct gma_reorder_cfg *cfg);

/* Path state from the control plane; all paths start up. */
void gma_reorder_set_path(struct gma_reorder *r, unsigned path, bool up);

/*
 * Insert one packet.  Handles ready for delivery, in order, are written to
 * out[0..out_max) and their count returned (more may remain ready if out_max
 * is reached: gma_reorder_poll() releases them).  If the packet itself is
 * dropped (duplicate, stale, late with deliver_late false or out_max 0, or
 * so far ahead that the window would have to slide past more packets than
 * out_max), *dropped is set to its handle, else to NULL.  The first packet
 * of a flow sets the expected SN.
 */
unsigned gma_reorder_insert(struct gma_reorder *r, uint32_t flow_sn, unsigned path, void *handle,
			    uint64_t now_ms, void **out, unsigned out_max, void **dropped);

/* Apply the timeout and live-path rules at time now; release what is ready. */
unsigned gma_reorder_poll(struct gma_reorder *r, uint64_t now_ms, void **out, unsigned out_max);

/* Release everything held, in SN order, skipping gaps (session teardown). */
unsigned gma_reorder_flush(struct gma_reorder *r, void **out, unsigned out_max);

/* Earliest time at which poll() may release something, or UINT64_MAX. */
uint64_t gma_reorder_next_deadline(const struct gma_reorder *r);

unsigned gma_reorder_held(const struct gma_reorder *r);
const struct gma_reorder_stats *gma_reorder_stats(const struct gma_reorder *r);

#endif /* GMA_REORDER_H */
