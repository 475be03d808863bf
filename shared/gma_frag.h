/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA fragmentation (RFC 9188 5): planning the fragments of one SDU for a
 * delivery connection's MTU, building them, and reassembling per flow.
 *
 * A fragment PDU carries Fragmentation Control (GMA_FC_MF | offset) and the
 * SDU's Flow SN (the same in every fragment).  For the IP methods every
 * fragment repeats the SDU's IPv4 header (protocol 114, total length of that
 * fragment PDU) and the SDU *body* is split; for non-IP the whole SDU
 * (inner IP header included) is split.  At most GMA_FRAG_MAX fragments.
 *
 * The reassembler works on opaque handles (an mbuf, a buffer pointer) and
 * never copies or allocates: the caller gives it memory of
 * gma_reasm_memsize() bytes once per flow.
 */
#ifndef GMA_FRAG_H
#define GMA_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gma_wire.h"

struct gma_frag_plan {
	uint16_t n;        /* fragments; 1 = the SDU fits, no fragmentation */
	uint16_t chunk;    /* body bytes per fragment (the last may be shorter) */
	uint16_t head_len; /* bytes repeated in each fragment (IPv4 hdr; 0 non-IP) */
	uint16_t body_len; /* bytes split across the fragments */
};

/*
 * Plan the fragments of sdu[0..sdu_len) so that every PDU, plus
 * `extra_overhead` bytes the caller adds around it (outer IPv4+UDP for
 * non-IP, ESP, ...), is at most `mtu` bytes.  `flags` are the optional fields
 * the caller will send; FRAG and FLOW_SN are added when fragmenting.  A PDU
 * that is exactly `mtu` bytes is not fragmented.  Returns 0, or
 * -GMA_ERR_FRAG_OFFSET (more than 128 fragments would be needed),
 * -GMA_ERR_MTU (not even one body byte fits), -GMA_ERR_IPV6_SDU /
 * -GMA_ERR_IP_HDR / -GMA_ERR_IP_LEN for a bad SDU with an IP method.
 */
int gma_frag_plan(enum gma_method m, const uint8_t *sdu, size_t sdu_len, size_t mtu,
		  size_t extra_overhead, uint16_t flags, struct gma_frag_plan *plan);

/* Body span of fragment i (offset relative to the body start). */
void gma_frag_span(const struct gma_frag_plan *p, unsigned i, size_t *off, size_t *len);

/*
 * Build fragment i of the plan into out[0..cap).  `tmpl` gives the flags and
 * field values (Flow SN, timestamp, ...); FC and the Flow SN flag are set
 * here.  Returns the PDU length or -GMA_ERR_*.
 */
int gma_frag_build(enum gma_method m, const struct gma_frag_plan *p, unsigned i,
		   const struct gma_fields *tmpl, const uint8_t *sdu, size_t sdu_len, uint8_t *out,
		   size_t cap);

/* ---- Reassembly ---------------------------------------------------------- */

struct gma_reasm_cfg {
	uint32_t max_bytes;  /* fragment bytes held across this flow's partial SDUs */
	uint32_t timeout_ms; /* a partial SDU older than this is discarded, counted lost */
	uint16_t slots;      /* partial SDUs in progress at once, 1..64 */
};

struct gma_reasm_stats {
	uint64_t fragments;    /* fragments accepted */
	uint64_t completed;    /* SDUs completed */
	uint64_t lost_timeout; /* partial SDUs discarded on timeout */
	uint64_t dup_fragment; /* a fragment already held (same SN and offset) */
	uint64_t over_bytes;   /* rejected: the byte bound would be exceeded */
	uint64_t no_slot;      /* rejected: every slot busy with another SN */
	uint64_t bad_fragment; /* rejected: inconsistent FC (offset past the last, ...) */
};

/* Result of a completed SDU: handles in fragment-offset order. */
struct gma_reasm_done {
	uint32_t flow_sn;
	uint16_t n;
	uint32_t bytes; /* sum of lens[] */
	void *handles[GMA_FRAG_MAX];
	uint16_t lens[GMA_FRAG_MAX];
};

struct gma_reasm; /* opaque; lives in caller-provided memory */

size_t gma_reasm_memsize(const struct gma_reasm_cfg *cfg);
/* Returns the initialised reassembler placed in mem, or NULL (bad cfg or memsize). */
struct gma_reasm *gma_reasm_init(void *mem, size_t memsize, const struct gma_reasm_cfg *cfg);

#define GMA_REASM_HELD 0
#define GMA_REASM_COMPLETE 1
/*
 * Offer one fragment (fc has MF and/or a non-zero offset) of `len` bytes.
 * GMA_REASM_HELD: the reassembler keeps the handle.  GMA_REASM_COMPLETE: the
 * SDU is whole; `done` lists every handle (this one included) in order and
 * the reassembler keeps none of them.  Negative: rejected with a reason
 * (-GMA_ERR_NOSPACE for bounds, -GMA_ERR_FRAG_OFFSET / -GMA_ERR_INVAL for a
 * bad or duplicate fragment); the caller still owns the handle.
 */
int gma_reasm_add(struct gma_reasm *r, uint32_t flow_sn, uint8_t fc, void *handle, uint16_t len,
		  uint64_t now_ms, struct gma_reasm_done *done);

/*
 * Discard partial SDUs older than the timeout (counted lost_timeout): their
 * handles go to out[0..max) for the caller to free.  Returns the number
 * written; call again while it returns max.  A partial SDU is never released
 * as if it were whole.
 */
unsigned gma_reasm_expire(struct gma_reasm *r, uint64_t now_ms, void **out, unsigned max);

/* Handles held right now and their bytes (for bounds and tests). */
unsigned gma_reasm_held(const struct gma_reasm *r, uint32_t *bytes);
const struct gma_reasm_stats *gma_reasm_stats(const struct gma_reasm *r);

/*
 * Convenience for byte-buffer users (tests, mams-client): given decoded
 * fragment PDUs of one SDU in offset order, write the whole SDU to
 * out[0..cap) (IP methods: the first fragment's IPv4 header restored with
 * Next Header, TTL, total length and checksum).  Returns its length or
 * -GMA_ERR_*.
 */
int gma_reasm_copy(enum gma_method m, const uint8_t *const *pdus, const struct gma_pdu *decoded,
		   unsigned n, uint8_t *out, size_t cap);

#endif /* GMA_FRAG_H */
