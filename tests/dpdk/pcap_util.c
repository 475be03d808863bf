/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap files and frame builders for the DPDK tests (pcap_util.h). */
#include "pcap_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

int pkt_list_add(struct pkt_list *l, const uint8_t *data, size_t len)
{
	uint8_t *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct pkt *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -1;
	if (len)
		memcpy(copy, data, len);
	l->v[l->n].data = copy;
	l->v[l->n].len = len;
	l->n++;
	return 0;
}

void pkt_list_free(struct pkt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].data);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int pcap_write_file(const char *path, const struct pkt_list *l)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	if (pd == NULL)
		return -1;
	d = pcap_dump_open(pd, path);
	if (d == NULL) {
		pcap_close(pd);
		return -1;
	}
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		struct pcap_pkthdr h;

		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1;
		h.ts.tv_usec = (suseconds_t)i;
		h.caplen = (bpf_u_int32)l->v[i].len;
		h.len = (bpf_u_int32)l->v[i].len;
		pcap_dump((u_char *)d, &h, l->v[i].data);
	}
	pcap_dump_close(d);
	pcap_close(pd);
	return 0;
}

int pcap_read_file(const char *path, struct pkt_list *l)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = pcap_open_offline(path, err);
	int rc;

	if (p == NULL) {
		fprintf(stderr, "pcap_read_file: %s: %s\n", path, err);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (h->caplen != h->len || pkt_list_add(l, data, h->caplen) < 0) {
			pcap_close(p);
			return -1;
		}
	}
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

/* ---- Checksums -------------------------------------------------------------- */

uint32_t pu_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return sum;
}

uint16_t pu_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)sum;
}

static size_t ihl_of(const uint8_t *ip)
{
	return (size_t)(ip[0] & 0x0Fu) * 4u;
}

uint16_t pu_ipv4_cksum(const uint8_t *ip)
{
	uint32_t s = pu_sum(0, ip, 10);

	s = pu_sum(s, ip + 12, ihl_of(ip) - 12);
	return (uint16_t)~pu_fold(s);
}

bool pu_ipv4_cksum_ok(const uint8_t *ip)
{
	return pu_fold(pu_sum(0, ip, ihl_of(ip))) == 0xFFFFu;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint16_t udp_len)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = ip[9];
	ph[10] = (uint8_t)(udp_len >> 8);
	ph[11] = (uint8_t)udp_len;
	return pu_sum(0, ph, sizeof(ph));
}

uint16_t pu_udp4_cksum(const uint8_t *ip)
{
	const uint8_t *udp = ip + ihl_of(ip);
	uint16_t len = (uint16_t)(udp[4] << 8 | udp[5]);
	uint32_t s = pseudo_sum(ip, len);
	uint16_t c;

	s = pu_sum(s, udp, 6);
	s = pu_sum(s, udp + 8, len - 8u);
	c = (uint16_t)~pu_fold(s);
	return c == 0 ? 0xFFFFu : c; /* RFC 768: a computed 0 is sent as all ones */
}

bool pu_udp4_cksum_ok(const uint8_t *ip)
{
	const uint8_t *udp = ip + ihl_of(ip);
	uint16_t len = (uint16_t)(udp[4] << 8 | udp[5]);

	if (udp[6] == 0 && udp[7] == 0)
		return true;
	return pu_fold(pu_sum(pseudo_sum(ip, len), udp, len)) == 0xFFFFu;
}

/* ---- Builders --------------------------------------------------------------- */

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void pu_ipv4_hdr(uint8_t *b, const struct pu_ip *ip, uint16_t total_len)
{
	memset(b, 0, PU_IP_HLEN);
	b[0] = 0x45;
	b[1] = ip->tos;
	wr16(b + 2, total_len);
	wr16(b + 4, ip->id);
	b[6] = ip->df ? 0x40 : 0;
	b[8] = ip->ttl;
	b[9] = ip->proto;
	wr32(b + 12, ip->src);
	wr32(b + 16, ip->dst);
	wr16(b + 10, pu_ipv4_cksum(b));
}

size_t pu_udp4(uint8_t *b, size_t cap, const struct pu_ip *ip, uint16_t sport, uint16_t dport,
	       const uint8_t *payload, size_t plen, bool udp_cksum)
{
	struct pu_ip h = *ip;
	size_t total = PU_IP_HLEN + PU_UDP_HLEN + plen;
	uint8_t *udp = b + PU_IP_HLEN;

	if (total > cap || total > 0xFFFFu)
		return 0;
	h.proto = PU_PROTO_UDP;
	pu_ipv4_hdr(b, &h, (uint16_t)total);
	wr16(udp, sport);
	wr16(udp + 2, dport);
	wr16(udp + 4, (uint16_t)(PU_UDP_HLEN + plen));
	wr16(udp + 6, 0);
	if (plen)
		memmove(udp + 8, payload, plen);
	if (udp_cksum)
		wr16(udp + 6, pu_udp4_cksum(b));
	return total;
}

static uint8_t pattern(unsigned seed, size_t i)
{
	return (uint8_t)((seed * 131u + (unsigned)i * 7u + (unsigned)(i >> 8)) ^ 0x5Au);
}

size_t pu_sdu(uint8_t *b, size_t cap, const struct pu_ip *ip, uint16_t sport, uint16_t dport,
	      size_t total_len, unsigned seed)
{
	size_t hdr = ip->proto == PU_PROTO_UDP ? PU_IP_HLEN + PU_UDP_HLEN : PU_IP_HLEN;

	if (total_len < hdr || total_len > cap || total_len > 0xFFFFu)
		return 0;
	for (size_t i = hdr; i < total_len; i++)
		b[i] = pattern(seed, i);
	if (ip->proto == PU_PROTO_UDP)
		return pu_udp4(b, cap, ip, sport, dport, b + hdr, total_len - hdr, true);
	pu_ipv4_hdr(b, ip, (uint16_t)total_len);
	return total_len;
}

size_t pu_eth(uint8_t *b, size_t cap, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
	      const uint8_t *payload, size_t plen, bool pad)
{
	size_t len = PU_ETH_HLEN + plen;

	if (pad && len < PU_ETH_MIN)
		len = PU_ETH_MIN;
	if (len > cap)
		return 0;
	memmove(b + PU_ETH_HLEN, payload, plen);
	memset(b + PU_ETH_HLEN + plen, 0, len - PU_ETH_HLEN - plen);
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	wr16(b + 12, type);
	return len;
}

uint32_t pu_ip4(const char *s)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		return 0;
	return (uint32_t)(a << 24 | b << 16 | c << 8 | d);
}
