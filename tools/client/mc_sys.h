/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's system glue: the TUN device, the per-interface UDP sockets,
 * the rtnetlink watch and reading an interface's state.  Linux only; every
 * failure returns -1 with one line in err naming the object and the cause.
 */
#ifndef MC_SYS_H
#define MC_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc_ccm.h"

/* Opens (creates) TUN device `name` (IFF_TUN | IFF_NO_PI), non-blocking. */
int mc_tun_open(const char *name, char *err, size_t errlen);
/* Gives the device its address and mask, its MTU, and brings it up. */
int mc_tun_config(const char *name, uint32_t ip, uint32_t mask, uint32_t mtu, char *err,
		  size_t errlen);
int mc_if_set_mtu(const char *name, uint32_t mtu, char *err, size_t errlen);
/* A route to net/mask through device dev. */
int mc_route_add(const char *dev, uint32_t net, uint32_t mask, char *err, size_t errlen);

/*
 * A non-blocking UDP socket bound to interface ifname (SO_BINDTODEVICE) and
 * to ip:port (ip 0: any address of the interface; port 0: the kernel picks).
 * *bound gets the port.
 */
int mc_udp_open(const char *ifname, uint32_t ip, uint16_t port, uint16_t *bound, char *err,
		size_t errlen);
/* Fixes the peer (the tunnel endpoint): only its datagrams are received. */
int mc_udp_connect(int fd, uint32_t ip, uint16_t port, char *err, size_t errlen);

/* rtnetlink, groups RTMGRP_LINK | RTMGRP_IPV4_IFADDR, non-blocking. */
int mc_nl_open(char *err, size_t errlen);
/* Reads what is queued; true if anything (or an overflow) was seen. */
bool mc_nl_drain(int fd);

/*
 * The state of interface ifname now: up = exists, IFF_UP and IFF_RUNNING
 * and an IPv4 address; the primary IPv4 address and the MTU.  wifi: also
 * the BSSID and SSID (wireless extensions) when the driver tells.
 * Returns false when the interface does not exist.
 */
bool mc_iface_read(int ioctl_fd, const char *ifname, bool wifi, struct mc_iface_obs *o);
/* RSSI of a Wi-Fi interface in dBm (/proc/net/wireless). */
bool mc_wifi_rssi(const char *ifname, double *dbm);

#endif /* MC_SYS_H */
