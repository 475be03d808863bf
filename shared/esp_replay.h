/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP anti-replay window (RFC 4303 section 3.4.3), with 32-bit sequence
 * numbers or 64-bit Extended Sequence Numbers reconstructed from the low 32
 * bits on the wire (RFC 4303 Appendix A2.2).
 *
 * The receiver of an inbound SA calls, per packet:
 *   1. esp_replay_check() before the ICV is verified: it says whether the
 *      sequence number may be new and gives the full 64-bit SN (needed for
 *      the ICV with ESN); it changes nothing, so a forged packet cannot move
 *      the window;
 *   2. esp_replay_update() only once the ICV has verified: it checks again
 *      (another packet of the same burst may have taken that SN meanwhile)
 *      and marks the SN as seen, sliding the window if the SN is ahead.
 *
 * The window covers the `window` SNs ending at the highest SN accepted so far
 * (`top`): an SN above top is new; an SN in (top - window, top] is new unless
 * its bit is set; an SN at or below top - window is too old.  SN 0 is never
 * sent (RFC 4303 3.3.3: the first packet has SN 1) and is refused as too
 * old.  Pure code: no allocation, no clock, no I/O.
 */
#ifndef ESP_REPLAY_H
#define ESP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define ESP_REPLAY_MIN_WINDOW 32u      /* RFC 4303 3.4.3: MUST support 32 */
#define ESP_REPLAY_MAX_WINDOW 4096u
#define ESP_REPLAY_DEFAULT_WINDOW 1024u

enum esp_replay_res {
	ESP_REPLAY_OK = 0,  /* new SN: verify the ICV, then update */
	ESP_REPLAY_DUP,     /* inside the window and already seen */
	ESP_REPLAY_TOO_OLD, /* left of the window (or SN 0, or beyond 2^64) */
};

struct esp_replay {
	uint64_t top;      /* highest SN accepted; 0 = none yet */
	uint32_t window;   /* power of 2, ESP_REPLAY_MIN_WINDOW..ESP_REPLAY_MAX_WINDOW */
	bool esn;          /* 64-bit ESN: reconstruct the high 32 bits */
	uint64_t bits[ESP_REPLAY_MAX_WINDOW / 64]; /* bit (sn % window): sn seen */
};

/* 0, or -EINVAL if window is not a power of 2 in range (0 = default). */
int esp_replay_init(struct esp_replay *r, uint32_t window, bool esn);

/*
 * The full 64-bit SN of a packet whose ESP header carries seq_lo: seq_lo
 * itself without ESN; with ESN the high 32 bits per RFC 4303 A2.2 (the
 * candidate nearest the window).  Returns ESP_REPLAY_TOO_OLD if no valid
 * candidate exists (SN 0, or below 0 / above 2^64-1 at the ends of the
 * space).  *sn is written in every case (0 if none).
 */
enum esp_replay_res esp_replay_check(const struct esp_replay *r, uint32_t seq_lo, uint64_t *sn);

/*
 * After the ICV of the packet with full SN sn verified: ESP_REPLAY_OK and
 * the SN marked seen, or the result of checking again (DUP, TOO_OLD) and
 * nothing changed.
 */
enum esp_replay_res esp_replay_update(struct esp_replay *r, uint64_t sn);

const char *esp_replay_res_name(enum esp_replay_res res);

#endif /* ESP_REPLAY_H */
