/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA concatenation (RFC 9188 6): several SDUs of one client and one Flow ID
 * in one PDU, up to the delivery connection's MTU.
 *
 * IP methods: the first SDU's (rewritten) IPv4 header leads the PDU, then
 * its body, then each following SDU whole, and First SDU Length (FSL) says
 * where the first ends.  Non-IP: the SDUs follow the GMA header back to back
 * and no FSL is sent (the receiver walks the inner IP headers).  The PDU's
 * Flow SN is the last SDU's.  Unpacking is gma_decap_sdus() in gma_wire.h.
 */
#ifndef GMA_CONCAT_H
#define GMA_CONCAT_H

#include <stddef.h>
#include <stdint.h>

#include "gma_wire.h"

struct gma_span {
	const uint8_t *p;
	size_t len;
};

/*
 * How many of sdus[0..n), taken in order, fit in one PDU of at most `mtu`
 * bytes (plus `extra_overhead` bytes the caller adds around it) with these
 * flags (CONCAT is added when more than one fits, for the IP methods).
 * Returns 0 when even the first does not fit alone.
 */
unsigned gma_concat_fit(enum gma_method m, uint16_t flags, const struct gma_span *sdus, unsigned n,
			size_t mtu, size_t extra_overhead);

/*
 * Build one PDU from sdus[0..n) into out[0..cap).  tmpl->flow_sn is the
 * first SDU's Flow SN; the PDU carries first + n - 1 (mod 2^24).  With one
 * SDU this is plain gma_encode().  IP methods: every SDU must be IPv4 with a
 * consistent total length.  Returns the PDU length or -GMA_ERR_*.
 */
int gma_concat_build(enum gma_method m, const struct gma_fields *tmpl, const struct gma_span *sdus,
		     unsigned n, uint8_t *out, size_t cap);

#endif /* GMA_CONCAT_H */
