/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the implementation files of shared/ (not part of any
 * API): big-endian field access and method predicates.
 */
#ifndef GMA_UTIL_H
#define GMA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gma_wire.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define IPV4_OFF_TOTLEN 2 /* IPv4 total length field */

/* IP methods: sdu is an IPv4 packet whose total length is sdu_len; returns
 * its header length or -GMA_ERR_* (gma_wire.c). */
int gma_ipv4_sdu_check(const uint8_t *sdu, size_t sdu_len);

static inline bool method_is_ip(enum gma_method m)
{
	return m == GMA_METHOD_TRAILER || m == GMA_METHOD_HEADER_IP;
}

static inline bool method_valid(enum gma_method m)
{
	return (unsigned)m < GMA_METHOD_COUNT;
}

#endif /* GMA_UTIL_H */
