/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic flow templates.  See gma_tft.h for the contract.
 *
 * The packet is parsed once into a key; each template is then a handful of
 * compares against the key.  Only the buffer length bounds the reads: the
 * IPv4 total length is the decoder's business, not the classifier's.
 */
#include "gma_tft.h"

#include <string.h>

#define IPV4_MIN_HDR 20u
#define IPPROTO_TCP_ 6u
#define IPPROTO_UDP_ 17u
#define IPPROTO_SCTP_ 132u
#define IPV4_FRAG_OFF_MASK 0x1FFFu
#define PORT_ANY_MAX 0xFFFFu

struct tft_key {
	uint32_t remote_ip, local_ip;
	uint16_t remote_port, local_port;
	uint8_t proto;
	uint8_t dscp;
	bool has_ports;
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline bool ports_restricted(const struct gma_tft *t)
{
	return t->remote_port_min != 0 || t->remote_port_max != PORT_ANY_MAX ||
	       t->local_port_min != 0 || t->local_port_max != PORT_ANY_MAX;
}

static inline bool tft_is_any(const struct gma_tft *t)
{
	return t->remote_mask == 0 && t->local_mask == 0 && !ports_restricted(t) &&
	       t->proto == 0 && !t->dscp_match;
}

void gma_tft_any(struct gma_tft *t, uint8_t flow_id)
{
	memset(t, 0, sizeof(*t));
	t->remote_port_max = PORT_ANY_MAX;
	t->local_port_max = PORT_ANY_MAX;
	t->flow_id = flow_id;
}

/* False if ip[0..len) is not an IPv4 header we can read. */
static bool parse(const uint8_t *ip, size_t len, bool downlink, struct tft_key *k)
{
	uint32_t src, dst;
	uint16_t sport = 0, dport = 0;
	size_t hl;

	if (len < IPV4_MIN_HDR || (ip[0] >> 4) != 4)
		return false;
	hl = (size_t)(ip[0] & 0x0Fu) * 4u;
	if (hl < IPV4_MIN_HDR || hl > len)
		return false;

	k->proto = ip[9];
	k->dscp = ip[1] >> 2;
	src = rd32(ip + 12);
	dst = rd32(ip + 16);
	/* Ports live in the first fragment only, in the first 4 bytes of the
	 * transport header for all three protocols. */
	k->has_ports = (k->proto == IPPROTO_TCP_ || k->proto == IPPROTO_UDP_ ||
			k->proto == IPPROTO_SCTP_) &&
		       (rd16(ip + 6) & IPV4_FRAG_OFF_MASK) == 0 && len - hl >= 4;
	if (k->has_ports) {
		sport = rd16(ip + hl);
		dport = rd16(ip + hl + 2);
	}
	k->remote_ip = downlink ? src : dst;
	k->local_ip = downlink ? dst : src;
	k->remote_port = downlink ? sport : dport;
	k->local_port = downlink ? dport : sport;
	return true;
}

static inline bool tft_match(const struct gma_tft *t, const struct tft_key *k)
{
	bool ports_ok = k->has_ports & (k->remote_port >= t->remote_port_min) &
			(k->remote_port <= t->remote_port_max) &
			(k->local_port >= t->local_port_min) &
			(k->local_port <= t->local_port_max);

	/* Bitwise, not short-circuit: every term is a cheap compare and the
	 * compiler can evaluate them without a branch each. */
	return (((k->remote_ip ^ t->remote_ip) & t->remote_mask) == 0) &
	       (((k->local_ip ^ t->local_ip) & t->local_mask) == 0) &
	       ((t->proto == 0) | (t->proto == k->proto)) &
	       (!t->dscp_match | (t->dscp == k->dscp)) & (ports_ok | !ports_restricted(t));
}

uint8_t gma_tft_classify(const struct gma_tft *t, unsigned n, const uint8_t *ip, size_t len,
			 bool downlink, uint8_t default_flow)
{
	struct tft_key k;
	unsigned i;

	if (!parse(ip, len, downlink, &k)) {
		/* Nothing is known about the packet: only "match all" applies. */
		for (i = 0; i < n; i++)
			if (tft_is_any(&t[i]))
				return t[i].flow_id;
		return default_flow;
	}
	for (i = 0; i < n; i++)
		if (tft_match(&t[i], &k))
			return t[i].flow_id;
	return default_flow;
}
