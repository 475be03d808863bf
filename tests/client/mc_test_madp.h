/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C-MADP fixture of test_mc_madp and test_mc_esp: one mc_madp `m`
 * whose io captures every PDU sent (tx) and every SDU delivered (dl).
 * Criterion runs each test in a process of its own, so the fixture is
 * plain globals, set up by mct_madp_init and freed by mct_madp_fini.
 */
#ifndef MC_TEST_MADP_H
#define MC_TEST_MADP_H

#include <stddef.h>
#include <stdint.h>

#include "mc_madp.h"
#include "mc_test_pkt.h"

struct mct_cap {
	unsigned path; /* tx only */
	size_t len;
	uint8_t b[4096];
};

extern struct mc_madp *m;
extern struct mct_cap *tx, *dl; /* [max_cap] each, max_cap of mct_madp_init */
extern unsigned n_tx, n_dl;

/* Empty captures of max_cap entries each (more fails the test), no m. */
void mct_madp_init(unsigned max_cap);
void mct_madp_fini(void);

/* The configuration both tests start from: method, RFC 8743 MX control on
 * port 9999, reorder window 64 with 100 ms timeout delivering late SDUs,
 * reassembly 64 KiB / 100 ms / 4 slots, 64 buffers of 2048 bytes, 2 paths. */
struct mc_madp_cfg mct_madp_cfg(enum gma_method method);

/* m (again) from cfg with the capturing io: anchor ANCHOR, connection 15;
 * path 0 connection 0, the others connection 3; all up, uplink on, MTU 1500. */
void mct_madp_make(const struct mc_madp_cfg *cfg);

/* Feeds len bytes as the UDP payload received on path p at now. */
void mct_rx(unsigned p, const uint8_t *b, size_t len, uint64_t now);

#endif
