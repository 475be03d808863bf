/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 packets for mams-client's unit tests (test_mc_madp, test_mc_esp,
 * test_mc_steer): addresses and ports in host order, written big-endian.
 */
#ifndef MC_TEST_PKT_H
#define MC_TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "mx_ctrl.h"

#define ANCHOR 0x0A4D0002u  /* 10.77.0.2: the client's anchor address */
#define CTRL_IP 0x0A4D0001u /* 10.77.0.1: the gateway's, source of its probes */
#define FAR 0xCB007105u     /* 203.0.113.5: a host beyond the gateway */

/* Source and destination address (bytes 12..19) and the ports after a
 * 20-byte header (20..23). */
void mct_ip4_addrs(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp);

/* An IPv4/UDP packet of `payload` bytes filled with `fill` (IP ID 0x1234,
 * TTL 64, header checksum set, UDP checksum 0); returns its length. */
size_t mct_udp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, size_t payload,
	       uint8_t fill);

/* The gateway's MX probe `req` in dialect d as an SDU, CTRL_IP:9999 ->
 * ANCHOR:9999 (what dataplane/dp_probe.c sends); returns its length. */
size_t mct_probe_sdu(uint8_t *sdu, enum mx_dialect d, const struct mx_ctrl_pdu *req);

#endif
