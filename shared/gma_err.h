/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rejection reasons of the DPDK-free protocol core.
 *
 * One X-macro list generates the enum and the names, so a data-plane drop
 * counter, a log line and a test all speak of the same reason.  Functions of
 * shared/ return 0 (or a length) on success and the negated reason on
 * failure: `return -GMA_ERR_TRUNCATED;`.
 */
#ifndef GMA_ERR_H
#define GMA_ERR_H

#define GMA_ERRORS(X)                                                          \
	X(OK, "ok")                                                            \
	X(VERSION, "unsupported GMA version")                                  \
	X(TRUNCATED, "packet shorter than its mandatory fields")               \
	X(TRAILER_LEN, "GMA trailer/header longer than the packet")            \
	X(IP_LEN, "IPv4 total length disagrees with the buffer")               \
	X(IP_HDR, "malformed IPv4 header (version or IHL)")                    \
	X(IPV6_SDU, "IPv6 SDU given to an IP encapsulation method")            \
	X(NOT_GMA, "IP protocol is not 114 (no GMA trailer/header)")           \
	X(TTL_MISSING, "IP encapsulation without the TTL field")               \
	X(NONIP_FIELD, "TTL/FSL/Next Header present in non-IP encapsulation")  \
	X(CHECKSUM, "GMA checksum mismatch")                                   \
	X(FRAG_OFFSET, "fragment offset >= 128")                               \
	X(FRAG_CONCAT, "fragment and concatenation in one PDU")                \
	X(FRAG_NO_SN, "fragment without Flow SN")                              \
	X(FSL, "First SDU Length outside the PDU")                             \
	X(SDU_LEN, "concatenated SDU length outside the PDU")                  \
	X(TOO_MANY, "more SDUs than the caller's array holds")                 \
	X(NOSPACE, "output buffer too small")                                  \
	X(MTU, "MTU too small for one byte of payload")                        \
	X(INVAL, "invalid argument")                                           \
	X(CTRL_TYPE, "unknown MX control PDU type")                            \
	X(CTRL_LEN, "MX control PDU length does not match its type")

enum gma_err {
#define GMA_ERR_ENUM_(name, text) GMA_ERR_##name,
	GMA_ERRORS(GMA_ERR_ENUM_)
#undef GMA_ERR_ENUM_
	GMA_ERR_MAX_
};

/* Human-readable text of a reason; accepts the value or its negation. */
const char *gma_strerror(int err);
/* Short identifier ("TRUNCATED") for counters and metrics labels. */
const char *gma_errname(int err);

#endif /* GMA_ERR_H */
