/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap files and frames for the DPDK pcap-in/pcap-out tests.
 *
 * Packet lists are plain heap copies; pcap files are written with
 * pcap_dump (Ethernet link type, microsecond timestamps one apart, so that
 * a reader keeps their order) and read back with pcap_next_ex.  The frame
 * builders write Ethernet / IPv4 / UDP with correct checksums and IPv4 SDUs
 * with a patterned payload; addresses and ports are host order throughout.
 * No assertions here: failures are return values, checked by the callers.
 */
#ifndef PCAP_UTIL_H
#define PCAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PU_ETH_HLEN 14u
#define PU_IP_HLEN 20u
#define PU_UDP_HLEN 8u
#define PU_OUTER_LEN (PU_ETH_HLEN + PU_IP_HLEN + PU_UDP_HLEN)
#define PU_ETH_MIN 60u /* shortest Ethernet frame without FCS */
#define PU_FRAME_MAX 9216u

#define PU_ETHERTYPE_IPV4 0x0800u
#define PU_ETHERTYPE_ARP 0x0806u
#define PU_ETHERTYPE_IPV6 0x86DDu
#define PU_PROTO_TCP 6u
#define PU_PROTO_UDP 17u

struct pkt {
	uint8_t *data;
	size_t len;
};

struct pkt_list {
	struct pkt *v;
	size_t n, cap;
};

/* Appends a copy; returns 0 or -1 (out of memory). */
int pkt_list_add(struct pkt_list *l, const uint8_t *data, size_t len);
void pkt_list_free(struct pkt_list *l);

/* Writes l as a pcap file (an empty list gives just the global header). */
int pcap_write_file(const char *path, const struct pkt_list *l);
/* Reads every frame of a pcap file into l (appended); 0 or -1. */
int pcap_read_file(const char *path, struct pkt_list *l);

/* ---- Checksums -------------------------------------------------------------- */

/* RFC 1071 one's-complement sum folded, not complemented. */
uint32_t pu_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t pu_fold(uint32_t sum);
/* IPv4 header checksum of ip[0..ihl) (the field counted as zero). */
uint16_t pu_ipv4_cksum(const uint8_t *ip);
bool pu_ipv4_cksum_ok(const uint8_t *ip);
/* UDP checksum of the datagram after the IPv4 header ip (pseudo header). */
uint16_t pu_udp4_cksum(const uint8_t *ip);
bool pu_udp4_cksum_ok(const uint8_t *ip); /* a zero checksum is "none": ok */

/* ---- Builders --------------------------------------------------------------- */

struct pu_ip {
	uint32_t src, dst;
	uint8_t proto;
	uint8_t ttl;
	uint8_t tos;
	uint16_t id;
	bool df;
};

/* A 20-byte IPv4 header for a packet of total_len bytes, checksum set. */
void pu_ipv4_hdr(uint8_t *b, const struct pu_ip *ip, uint16_t total_len);

/*
 * IPv4 + UDP + payload into b[0..cap) with both checksums (ip->proto is
 * ignored).  udp_cksum false leaves the UDP checksum 0.  Returns the length
 * or 0 when cap is too small.
 */
size_t pu_udp4(uint8_t *b, size_t cap, const struct pu_ip *ip, uint16_t sport, uint16_t dport,
	       const uint8_t *payload, size_t plen, bool udp_cksum);

/*
 * An IPv4 SDU of exactly total_len bytes (>= 20; UDP needs >= 28): for UDP
 * a UDP header (ports sport/dport) with a valid checksum, else raw bytes;
 * the payload is a pattern derived from seed.  Returns total_len or 0.
 */
size_t pu_sdu(uint8_t *b, size_t cap, const struct pu_ip *ip, uint16_t sport, uint16_t dport,
	      size_t total_len, unsigned seed);

/* Ethernet frame: header + payload, zero-padded to 60 bytes when pad. */
size_t pu_eth(uint8_t *b, size_t cap, const uint8_t dst[6], const uint8_t src[6], uint16_t type,
	      const uint8_t *payload, size_t plen, bool pad);

/* "a.b.c.d" -> host order (test literals only: no validation). */
uint32_t pu_ip4(const char *s);

#endif /* PCAP_UTIL_H */
