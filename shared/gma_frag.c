/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA fragmentation and reassembly (RFC 9188 5).  See gma_frag.h.
 *
 * Wire formats are gma_wire.c's: this file only decides how an SDU is cut
 * and which FC / Flow SN each piece carries, and keeps the per-flow state of
 * the receiver.  Nothing here allocates or reads a clock.
 */
#include "gma_frag.h"
#include "gma_util.h"

#include <stdalign.h>
#include <string.h>

#define IPV4_OFF_TTL 8
#define IPV4_OFF_PROTO 9
#define FLOW_SN_MASK 0xFFFFFFu
/* Every GMA PDU must be describable by 16-bit lengths (IPv4 total length,
 * struct gma_pdu offsets), whatever the delivery MTU claims. */
#define PDU_MAX_LEN 0xFFFFu
#define REASM_MAX_SLOTS 64u

/*
 * The flags every fragment carries.  FRAG and FLOW_SN because the receiver
 * needs both to place the piece (RFC 9188 5); TTL because the IP methods
 * always carry it; CONCAT never, as a fragment PDU holds nothing else.
 * plan and build both use this so their sizes agree.
 */
static uint16_t frag_flags(enum gma_method m, uint16_t flags)
{
	flags &= GMA_F_OPTIONAL & ~GMA_F_CONCAT;
	flags |= GMA_F_FRAG | GMA_F_FLOW_SN;
	if (method_is_ip(m))
		flags |= GMA_F_TTL;
	return flags;
}

int gma_frag_plan(enum gma_method m, const uint8_t *sdu, size_t sdu_len, size_t mtu,
		  size_t extra_overhead, uint16_t flags, struct gma_frag_plan *plan)
{
	size_t head = 0, body, room, fixed, chunk, n;
	int ihl;

	if (sdu == NULL || plan == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	memset(plan, 0, sizeof(*plan));
	/* gma_encode() refuses an empty SDU; refuse it here already. */
	if (sdu_len == 0)
		return -GMA_ERR_TRUNCATED;
	if (method_is_ip(m)) {
		ihl = gma_ipv4_sdu_check(sdu, sdu_len);
		if (ihl < 0)
			return ihl;
		head = (size_t)ihl;
	}
	/* plan fields and the reassembled SDU are 16-bit lengths */
	if (sdu_len > PDU_MAX_LEN)
		return -GMA_ERR_INVAL;
	body = sdu_len - head;

	if (mtu <= extra_overhead)
		return -GMA_ERR_MTU;
	room = mtu - extra_overhead;
	if (room > PDU_MAX_LEN)
		room = PDU_MAX_LEN;

	/* The whole SDU in one PDU, with the caller's flags (FC left out). */
	if (sdu_len + gma_overhead(m, flags & (uint16_t)~GMA_F_FRAG) <= room) {
		plan->n = 1;
		plan->chunk = (uint16_t)body;
		plan->head_len = (uint16_t)head;
		plan->body_len = (uint16_t)body;
		return 0;
	}

	fixed = head + gma_overhead(m, frag_flags(m, flags));
	if (room <= fixed)
		return -GMA_ERR_MTU;
	/* Greedy: every fragment but the last is exactly `room` bytes. */
	chunk = room - fixed;
	n = (body + chunk - 1) / chunk;
	if (n > GMA_FRAG_MAX)
		return -GMA_ERR_FRAG_OFFSET;
	plan->n = (uint16_t)n;
	plan->chunk = (uint16_t)chunk;
	plan->head_len = (uint16_t)head;
	plan->body_len = (uint16_t)body;
	return 0;
}

/* A plan gma_frag_plan() could have made; plans may come from anywhere. */
static bool plan_valid(const struct gma_frag_plan *p)
{
	size_t full;

	if (p->n == 0 || p->n > GMA_FRAG_MAX)
		return false;
	if (p->n == 1)
		return true;
	if (p->chunk == 0)
		return false;
	full = (size_t)(p->n - 1) * p->chunk;
	return full < p->body_len && p->body_len - full <= p->chunk;
}

void gma_frag_span(const struct gma_frag_plan *p, unsigned i, size_t *off, size_t *len)
{
	size_t o = 0, l = 0;

	if (p != NULL && i < p->n) {
		if (p->n == 1) {
			l = p->body_len;
		} else {
			o = (size_t)i * p->chunk;
			if (o < p->body_len)
				l = p->body_len - o < p->chunk ? p->body_len - o : p->chunk;
			else
				o = p->body_len;
		}
	} else if (p != NULL) {
		o = p->body_len;
	}
	if (off != NULL)
		*off = o;
	if (len != NULL)
		*len = l;
}

int gma_frag_build(enum gma_method m, const struct gma_frag_plan *p, unsigned i,
		   const struct gma_fields *tmpl, const uint8_t *sdu, size_t sdu_len, uint8_t *out,
		   size_t cap)
{
	struct gma_fields f;
	size_t head = 0, off, len, total;
	int rc;

	if (p == NULL || tmpl == NULL || sdu == NULL || out == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	if (!plan_valid(p) || i >= p->n || (size_t)p->head_len + p->body_len != sdu_len)
		return -GMA_ERR_INVAL;

	if (p->n == 1) {
		/* Not fragmented: FC would only say "whole SDU", so leave it out
		 * as gma_frag_plan() did when it sized this PDU. */
		f = *tmpl;
		f.flags &= (uint16_t)~GMA_F_FRAG;
		f.fc = 0;
		return gma_encode(m, &f, sdu, sdu_len, out, cap);
	}

	/* The plan's head must be this SDU's real header, checked again here
	 * because it decides what is copied into every fragment. */
	if (method_is_ip(m)) {
		rc = gma_ipv4_sdu_check(sdu, sdu_len);
		if (rc < 0)
			return rc;
		head = (size_t)rc;
	}
	if (head != p->head_len)
		return -GMA_ERR_INVAL;

	/* Every fragment carries the Flow SN, whether or not the caller's
	 * flags asked for it, so it must be a 24-bit value (as in gma_encode). */
	if (tmpl->flow_sn > FLOW_SN_MASK)
		return -GMA_ERR_INVAL;
	f = *tmpl;
	f.flags = frag_flags(m, tmpl->flags);
	f.fc = (uint8_t)((i + 1 < p->n ? GMA_FC_MF : 0u) | i);
	f.fsl = 0;
	if (method_is_ip(m)) {
		f.next_header = sdu[IPV4_OFF_PROTO];
		f.ttl = sdu[IPV4_OFF_TTL];
	}

	gma_frag_span(p, i, &off, &len);
	total = head + len + gma_overhead(m, f.flags);
	if (total > PDU_MAX_LEN)
		return -GMA_ERR_IP_LEN;
	if (total > cap)
		return -GMA_ERR_NOSPACE;

	switch (m) {
	case GMA_METHOD_TRAILER:
		memcpy(out, sdu, head);
		memcpy(out + head, sdu + head + off, len);
		rc = gma_write_fields(m, &f, out + head + len, cap - head - len);
		break;
	case GMA_METHOD_HEADER_IP:
		memcpy(out, sdu, head);
		rc = gma_write_fields(m, &f, out + head, cap - head);
		if (rc >= 0 && head + (size_t)rc + len <= cap)
			memcpy(out + head + (size_t)rc, sdu + head + off, len);
		break;
	default:
		rc = gma_write_fields(m, &f, out, cap);
		if (rc >= 0 && (size_t)rc + len <= cap)
			memcpy(out + rc, sdu + off, len);
		break;
	}
	if (rc < 0)
		return rc;
	if (head + (size_t)rc + len != total)
		return -GMA_ERR_INVAL; /* codec and gma_overhead() disagree */
	if (method_is_ip(m))
		gma_ipv4_set(out, head, GMA_IPPROTO, 1, (uint16_t)total);
	return (int)total;
}

/* ---- Reassembly ---------------------------------------------------------- */

/* One SDU being reassembled.  Offsets index handles[]/lens[] directly. */
struct reasm_slot {
	uint64_t first_ms;  /* arrival of its first fragment */
	uint64_t have[2];   /* bitmap of offsets held */
	uint32_t flow_sn;
	uint32_t bytes;     /* sum of lens[] held */
	uint16_t count;     /* fragments held */
	int16_t last;       /* offset of the MF=0 fragment, -1 until seen */
	uint8_t hi;         /* highest offset held */
	bool used;
	bool expiring;      /* timed out, handles being handed back */
	void *handles[GMA_FRAG_MAX];
	uint16_t lens[GMA_FRAG_MAX];
};

struct gma_reasm {
	struct gma_reasm_cfg cfg;
	struct gma_reasm_stats stats;
	uint32_t held_bytes;
	uint32_t held_n;
	struct reasm_slot slot[];
};

static bool cfg_valid(const struct gma_reasm_cfg *cfg)
{
	return cfg != NULL && cfg->slots >= 1 && cfg->slots <= REASM_MAX_SLOTS &&
	       cfg->timeout_ms > 0 && cfg->max_bytes > 0;
}

/* The caller's memory need not be aligned: ask for room to align it. */
size_t gma_reasm_memsize(const struct gma_reasm_cfg *cfg)
{
	if (!cfg_valid(cfg))
		return 0;
	return sizeof(struct gma_reasm) + (size_t)cfg->slots * sizeof(struct reasm_slot) +
	       alignof(struct gma_reasm) - 1;
}

struct gma_reasm *gma_reasm_init(void *mem, size_t memsize, const struct gma_reasm_cfg *cfg)
{
	struct gma_reasm *r;
	uintptr_t a;

	if (mem == NULL || !cfg_valid(cfg) || memsize < gma_reasm_memsize(cfg))
		return NULL;
	a = ((uintptr_t)mem + alignof(struct gma_reasm) - 1) &
	    ~(uintptr_t)(alignof(struct gma_reasm) - 1);
	r = (struct gma_reasm *)a;
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	for (unsigned s = 0; s < cfg->slots; s++) {
		/* handles[] and lens[] are only read where have[] says so. */
		memset(&r->slot[s], 0, offsetof(struct reasm_slot, handles));
		r->slot[s].last = -1;
	}
	return r;
}

static inline bool have_off(const struct reasm_slot *s, unsigned o)
{
	return (s->have[o >> 6] >> (o & 63)) & 1u;
}

static inline void set_off(struct reasm_slot *s, unsigned o)
{
	s->have[o >> 6] |= UINT64_C(1) << (o & 63);
}

static inline void clear_off(struct reasm_slot *s, unsigned o)
{
	s->have[o >> 6] &= ~(UINT64_C(1) << (o & 63));
}

static void slot_free(struct reasm_slot *s)
{
	s->used = false;
	s->expiring = false;
	s->have[0] = 0;
	s->have[1] = 0;
	s->count = 0;
	s->bytes = 0;
	s->last = -1;
	s->hi = 0;
}

/* The slot collecting flow_sn; an expiring slot no longer collects. */
static struct reasm_slot *slot_find(struct gma_reasm *r, uint32_t flow_sn)
{
	for (unsigned i = 0; i < r->cfg.slots; i++) {
		struct reasm_slot *s = &r->slot[i];

		if (s->used && !s->expiring && s->flow_sn == flow_sn)
			return s;
	}
	return NULL;
}

static struct reasm_slot *slot_alloc(struct gma_reasm *r)
{
	for (unsigned i = 0; i < r->cfg.slots; i++)
		if (!r->slot[i].used)
			return &r->slot[i];
	return NULL;
}

/*
 * A fragment that contradicts what the slot already knows about the SDU's
 * end: placing it would either never complete or complete wrongly.
 */
static bool frag_inconsistent(const struct reasm_slot *s, unsigned off, bool mf)
{
	if (s->last >= 0)
		return off > (unsigned)s->last || !mf; /* past the end, or a 2nd end */
	return !mf && s->count > 0 && s->hi > off;        /* an end before held pieces */
}

int gma_reasm_add(struct gma_reasm *r, uint32_t flow_sn, uint8_t fc, void *handle, uint16_t len,
		  uint64_t now_ms, struct gma_reasm_done *done)
{
	struct reasm_slot *s;
	unsigned off = fc & GMA_FC_FO;
	bool mf = (fc & GMA_FC_MF) != 0;

	if (r == NULL || done == NULL || fc == 0)
		return -GMA_ERR_INVAL;
	flow_sn &= FLOW_SN_MASK;
	/* More fragments after offset 127 would be a 129th (RFC 9188 5). */
	if (mf && off == GMA_FC_FO) {
		r->stats.bad_fragment++;
		return -GMA_ERR_FRAG_OFFSET;
	}

	s = slot_find(r, flow_sn);
	if (s != NULL) {
		if (have_off(s, off)) {
			r->stats.dup_fragment++;
			return -GMA_ERR_INVAL;
		}
		if (frag_inconsistent(s, off, mf)) {
			r->stats.bad_fragment++;
			return -GMA_ERR_FRAG_OFFSET;
		}
	}
	if ((uint64_t)r->held_bytes + len > r->cfg.max_bytes) {
		r->stats.over_bytes++;
		return -GMA_ERR_NOSPACE;
	}
	if (s == NULL) {
		s = slot_alloc(r);
		if (s == NULL) {
			r->stats.no_slot++;
			return -GMA_ERR_NOSPACE;
		}
		slot_free(s);
		s->used = true;
		s->flow_sn = flow_sn;
		s->first_ms = now_ms;
	}

	s->handles[off] = handle;
	s->lens[off] = len;
	set_off(s, off);
	s->count++;
	s->bytes += len;
	if (off > s->hi)
		s->hi = (uint8_t)off;
	if (!mf)
		s->last = (int16_t)off;
	r->held_bytes += len;
	r->held_n++;
	r->stats.fragments++;

	/* Offsets above `last` are refused, so count == last + 1 means every
	 * offset 0..last is present. */
	if (s->last < 0 || s->count != (unsigned)s->last + 1)
		return GMA_REASM_HELD;

	done->flow_sn = flow_sn;
	done->n = s->count;
	done->bytes = s->bytes;
	for (unsigned o = 0; o < s->count; o++) {
		done->handles[o] = s->handles[o];
		done->lens[o] = s->lens[o];
	}
	r->held_bytes -= s->bytes;
	r->held_n -= s->count;
	r->stats.completed++;
	slot_free(s);
	return GMA_REASM_COMPLETE;
}

unsigned gma_reasm_expire(struct gma_reasm *r, uint64_t now_ms, void **out, unsigned max)
{
	unsigned w = 0;

	if (r == NULL || out == NULL)
		return 0;
	for (unsigned i = 0; i < r->cfg.slots && w < max; i++) {
		struct reasm_slot *s = &r->slot[i];

		if (!s->used)
			continue;
		if (!s->expiring) {
			/* A clock that went back is not an expiry. */
			if (now_ms < s->first_ms || now_ms - s->first_ms < r->cfg.timeout_ms)
				continue;
			/* Lost from now on, even if out[] cannot take all of its
			 * handles in this call: it accepts no more fragments. */
			s->expiring = true;
			r->stats.lost_timeout++;
		}
		for (unsigned o = 0; o < GMA_FRAG_MAX && s->count > 0 && w < max; o++) {
			if (!have_off(s, o))
				continue;
			out[w++] = s->handles[o];
			clear_off(s, o);
			s->count--;
			s->bytes -= s->lens[o];
			r->held_bytes -= s->lens[o];
			r->held_n--;
		}
		if (s->count == 0)
			slot_free(s);
	}
	return w;
}

unsigned gma_reasm_held(const struct gma_reasm *r, uint32_t *bytes)
{
	if (r == NULL) {
		if (bytes != NULL)
			*bytes = 0;
		return 0;
	}
	if (bytes != NULL)
		*bytes = r->held_bytes;
	return r->held_n;
}

const struct gma_reasm_stats *gma_reasm_stats(const struct gma_reasm *r)
{
	return r != NULL ? &r->stats : NULL;
}

/* ---- Byte-buffer reassembly ------------------------------------------------ */

int gma_reasm_copy(enum gma_method m, const uint8_t *const *pdus, const struct gma_pdu *decoded,
		   unsigned n, uint8_t *out, size_t cap)
{
	size_t pos, ihl = 0;

	if (pdus == NULL || decoded == NULL || out == NULL || !method_valid(m))
		return -GMA_ERR_INVAL;
	if (n < 2 || n > GMA_FRAG_MAX)
		return -GMA_ERR_INVAL;

	/* The pieces must be exactly fragments 0..n-1 of one SDU. */
	for (unsigned i = 0; i < n; i++) {
		const struct gma_fields *f = &decoded[i].f;
		uint8_t want = (uint8_t)((i + 1 < n ? GMA_FC_MF : 0u) | i);

		if (pdus[i] == NULL || !(f->flags & GMA_F_FRAG) || !(f->flags & GMA_F_FLOW_SN))
			return -GMA_ERR_INVAL;
		if (f->fc != want)
			return -GMA_ERR_FRAG_OFFSET;
		if (f->flow_sn != decoded[0].f.flow_sn)
			return -GMA_ERR_INVAL;
		if (method_is_ip(m) != (decoded[i].ip_len != 0))
			return -GMA_ERR_INVAL;
	}

	if (method_is_ip(m)) {
		ihl = decoded[0].ip_len;
		if (ihl < GMA_IPV4_MIN_HDR || ihl > decoded[0].data_off)
			return -GMA_ERR_IP_HDR;
		if (ihl > cap)
			return -GMA_ERR_NOSPACE;
		memcpy(out, pdus[0], ihl);
	}
	pos = ihl;
	for (unsigned i = 0; i < n; i++) {
		size_t len = decoded[i].data_len;

		if (pos + len > PDU_MAX_LEN)
			return method_is_ip(m) ? -GMA_ERR_IP_LEN : -GMA_ERR_SDU_LEN;
		if (pos + len > cap)
			return -GMA_ERR_NOSPACE;
		memcpy(out + pos, pdus[i] + decoded[i].data_off, len);
		pos += len;
	}
	if (method_is_ip(m))
		gma_ipv4_set(out, ihl, decoded[0].f.next_header, decoded[0].f.ttl, (uint16_t)pos);
	return (int)pos;
}
