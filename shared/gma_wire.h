/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GMA encapsulation codec (RFC 9188), pure C11.
 *
 * Three methods:
 *   GMA_METHOD_TRAILER    trailer-based IPv4 encapsulation (RFC 9188 4.1):
 *                         IP hdr | SDU body | trailer; protocol 114, TTL 1.
 *   GMA_METHOD_HEADER_IP  header-based IPv4 encapsulation (RFC 9188 4.2):
 *                         IP hdr | GMA header | SDU body; protocol 114, TTL 1.
 *   GMA_METHOD_NONIP      header-based non-IP encapsulation (RFC 9188 4.3):
 *                         GMA header | SDU (inner IP header untouched); this
 *                         is the UDP payload of the delivery connection.
 *
 * Byte spans in, byte spans out; nothing is allocated, nothing logged, no
 * clock read (timestamps are fields the caller fills).  Every function that
 * can fail returns a negated enum gma_err (gma_err.h).  Wire decisions taken
 * where the RFC is silent are written down in docs/gma.md.
 */
#ifndef GMA_WIRE_H
#define GMA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "gma_err.h"

enum gma_method {
	GMA_METHOD_TRAILER = 0,
	GMA_METHOD_HEADER_IP = 1,
	GMA_METHOD_NONIP = 2,
};
#define GMA_METHOD_COUNT 3

/* Flags (RFC 9188 4.1): bit 0 is the MSB of the 16-bit field. */
#define GMA_F_CHECKSUM    0x8000u /* bit 0: Checksum (1 byte) */
#define GMA_F_CONCAT      0x4000u /* bit 1: First SDU Length (2 bytes) */
#define GMA_F_CONN_ID     0x2000u /* bit 2: Connection ID (1 byte) */
#define GMA_F_FLOW_ID     0x1000u /* bit 3: Flow ID (1 byte) */
#define GMA_F_FRAG        0x0800u /* bit 4: Fragmentation Control (1 byte) */
#define GMA_F_DELIVERY_SN 0x0400u /* bit 5: Delivery SN (1 byte) */
#define GMA_F_FLOW_SN     0x0200u /* bit 6: Flow SN (3 bytes) */
#define GMA_F_TIMESTAMP   0x0100u /* bit 7: Timestamp (4 bytes, 1 ms) */
#define GMA_F_TTL         0x0080u /* bit 8: TTL (1 byte) */
#define GMA_F_OPTIONAL    0xFF80u /* the nine optional-field bits */
#define GMA_F_RESERVED    0x0078u /* bits 9-12: sent 0, ignored on receipt */
#define GMA_F_VERSION     0x0007u /* bits 13-15: version, 0 = RFC 9188 */
#define GMA_VERSION       0u

/* Fragmentation Control byte (RFC 9188 5; numbering decision: docs/gma.md). */
#define GMA_FC_MF 0x80u /* more fragments follow */
#define GMA_FC_FO 0x7Fu /* fragment offset, in fragments */
#define GMA_FRAG_MAX 128u

#define GMA_IPPROTO 114u       /* "any 0-hop protocol" (RFC 9188 4.4) */
#define GMA_FIELDS_MAX_LEN 15u /* all nine optional fields */
#define GMA_OVERHEAD_MAX 18u   /* largest trailer/header: 15 + 3 */
#define GMA_IPV4_MIN_HDR 20u

/*
 * The GMA control fields.  `flags` says which optional fields are present;
 * the value of an absent field is not read on encode and is 0 on decode.
 */
struct gma_fields {
	uint16_t flags;      /* GMA_F_* presence bits (+ version on decode) */
	uint8_t next_header; /* IP methods: the SDU's original protocol */
	uint8_t checksum;    /* decode: value read (verified); encode: computed */
	uint16_t fsl;        /* First SDU Length (concatenation, IP methods) */
	uint8_t conn_id;     /* anchor (high nibble) / delivery (low nibble) */
	uint8_t flow_id;
	uint8_t fc;          /* GMA_FC_MF | fragment offset */
	uint8_t delivery_sn;
	uint32_t flow_sn;    /* 24 bits; in a concatenated PDU: the last SDU's */
	uint32_t timestamp;  /* transmitter clock, 1 ms units */
	uint8_t ttl;         /* the SDU's original IPv4 TTL */
};

/* A decoded PDU, as offsets into the caller's buffer. */
struct gma_pdu {
	struct gma_fields f;
	uint16_t ip_len;   /* IP methods: IPv4 header length at offset 0; else 0 */
	uint16_t gma_off;  /* offset of the GMA trailer or header */
	uint16_t gma_len;  /* its length */
	uint16_t data_off; /* first SDU byte after the IP header and GMA header */
	uint16_t data_len; /* SDU bytes up to the trailer / end of the PDU */
};

/* One SDU found in a PDU by gma_decap_sdus(). */
struct gma_sdu {
	uint16_t off;     /* offset in the (rewritten) PDU buffer */
	uint16_t len;     /* a whole IP packet */
	uint32_t flow_sn; /* Flow SN of this SDU (0 if the PDU has none) */
};

/* Bytes of the optional fields selected by `flags`. */
size_t gma_fields_len(uint16_t flags);

/*
 * Bytes GMA adds to an SDU with this method and these flags: trailer =
 * fields + Next Header + Flags; header-IP = Flags + fields + Next Header;
 * non-IP = Flags + fields.  For the IP methods the TTL field is counted
 * whether or not `flags` has it, because the encoder always adds it.
 */
size_t gma_overhead(enum gma_method m, uint16_t flags);

/*
 * Serialise the trailer (GMA_METHOD_TRAILER) or header (the other methods)
 * into dst[0..cap).  The checksum, when selected, is computed here.  For the
 * IP methods the caller must have set GMA_F_TTL; for non-IP, TTL and FSL must
 * be absent.  Returns the number of bytes written or -GMA_ERR_*.
 */
int gma_write_fields(enum gma_method m, const struct gma_fields *f, uint8_t *dst, size_t cap);

/*
 * Parse a trailer that ends at pdu[len-1] (walking back from the Flags), or a
 * header that starts at hdr[0].  Verifies version, bounds and the checksum.
 * Returns the trailer/header length or -GMA_ERR_*.
 */
int gma_read_trailer(const uint8_t *pdu, size_t len, struct gma_fields *f);
int gma_read_header(enum gma_method m, const uint8_t *hdr, size_t len, struct gma_fields *f);

/*
 * IPv4 helpers.  gma_ipv4_hdr_len() checks that ip[0..len) starts with an
 * IPv4 header (IPv6 -> -GMA_ERR_IPV6_SDU, other versions or IHL < 5 ->
 * -GMA_ERR_IP_HDR, short -> -GMA_ERR_TRUNCATED) and returns its length.
 * gma_ipv4_set() writes protocol, TTL and total length and recomputes the
 * header checksum.
 */
int gma_ipv4_hdr_len(const uint8_t *ip, size_t len);
uint16_t gma_ipv4_cksum(const uint8_t *ip, size_t hdr_len);
void gma_ipv4_set(uint8_t *ip, size_t hdr_len, uint8_t proto, uint8_t ttl, uint16_t total_len);

/*
 * Encapsulate one whole SDU into out[0..cap) (copying).  For the IP methods
 * the SDU must be IPv4 with a total length equal to sdu_len; Next Header and
 * TTL are taken from it and GMA_F_TTL is forced on.  Returns the PDU length
 * or -GMA_ERR_*.
 */
int gma_encode(enum gma_method m, const struct gma_fields *f, const uint8_t *sdu, size_t sdu_len,
	       uint8_t *out, size_t cap);

/*
 * Trailer encapsulation in place: buf[0..len) holds an IPv4 SDU and the
 * buffer has room up to cap.  The trailer is appended and the IPv4 header
 * rewritten.  Returns the new length or -GMA_ERR_*.
 */
int gma_encap_trailer_inplace(const struct gma_fields *f, uint8_t *buf, size_t len, size_t cap);

/*
 * Decode a PDU without modifying it: validates the IPv4 header (IP methods:
 * version, IHL, total length == len, protocol 114), the GMA fields (version,
 * length, checksum, TTL present for IP methods, no TTL/FSL for non-IP,
 * fragmentation rules) and fills `out`.  Returns 0 or -GMA_ERR_*.
 */
int gma_decode(enum gma_method m, const uint8_t *pdu, size_t len, struct gma_pdu *out);

/*
 * After gma_decode() of a PDU that is not a fragment: restore the SDUs in
 * place and list them.  For the IP methods the first SDU's IPv4 header gets
 * back its protocol (Next Header), TTL and total length (FSL when
 * concatenated) with a new checksum; with the header method the IP header is
 * moved up against the SDU body.  Concatenated SDUs are found from FSL and
 * then from each SDU's own IP header (for non-IP always from the inner
 * headers, IPv4 or IPv6).  Flow SNs are assigned last-SDU-first.  Returns the
 * number of SDUs written to out[0..max) or -GMA_ERR_* (fragments:
 * -GMA_ERR_INVAL; they go to the reassembler).
 */
int gma_decap_sdus(enum gma_method m, uint8_t *pdu, size_t len, const struct gma_pdu *d,
		   struct gma_sdu *out, unsigned max);

/* Length of the IP packet (IPv4 or IPv6) that starts at p, or -GMA_ERR_*. */
int gma_ip_packet_len(const uint8_t *p, size_t avail);

#endif /* GMA_WIRE_H */
