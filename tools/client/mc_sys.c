/* SPDX-License-Identifier: BSD-3-Clause */
/* mams-client's system glue (mc_sys.h). */
#define _GNU_SOURCE
#include "mc_sys.h"

/* <net/if.h> before the <linux/...> headers: their libc-compat.h then
 * leaves struct ifreq and the IFF_* flags to glibc. */
#include <net/if.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/wireless.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *perm_hint(int e)
{
	return e == EPERM || e == EACCES ? " (needs root or CAP_NET_ADMIN)" : "";
}

static void sin_of(struct sockaddr_in *s, uint32_t ip, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(ip);
	s->sin_port = htons(port);
}

/* ---- TUN ------------------------------------------------------------------------ */

int mc_tun_open(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return mc_fail(err, errlen, "--tun %s: cannot open /dev/net/tun: %s%s", name,
			    strerror(errno), perm_hint(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		return mc_fail(err, errlen, "--tun %s: cannot create the TUN device: %s%s", name,
			    strerror(e), e == EBUSY ? " (in use by another program?)" : perm_hint(e));
	}
	return fd;
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr, const char *what, char *err,
		       size_t errlen)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc;

	if (s < 0)
		return mc_fail(err, errlen, "socket: %s", strerror(errno));
	rc = ioctl(s, req, ifr);
	if (rc < 0) {
		int e = errno;

		close(s);
		return mc_fail(err, errlen, "%s %s: %s%s", ifr->ifr_name, what, strerror(e),
			    perm_hint(e));
	}
	close(s);
	return 0;
}

int mc_if_set_mtu(const char *name, uint32_t mtu, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_mtu = (int)mtu;
	return ifreq_ioctl(SIOCSIFMTU, &ifr, "MTU", err, errlen);
}

int mc_tun_config(const char *name, uint32_t ip, uint32_t mask, uint32_t mtu, char *err,
		  size_t errlen)
{
	struct ifreq ifr;
	struct sockaddr_in sa;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	sin_of(&sa, ip, 0);
	memcpy(&ifr.ifr_addr, &sa, sizeof(sa));
	if (ifreq_ioctl(SIOCSIFADDR, &ifr, "address", err, errlen))
		return -1;
	sin_of(&sa, mask, 0);
	memcpy(&ifr.ifr_netmask, &sa, sizeof(sa));
	if (ifreq_ioctl(SIOCSIFNETMASK, &ifr, "netmask", err, errlen))
		return -1;
	if (mc_if_set_mtu(name, mtu, err, errlen))
		return -1;
	/* The anchor is IPv4: no IPv6 chatter (router solicitations, MLD) to
	 * drop uplink.  Best effort: IPv6 may be off or absent already. */
	{
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) != 1) {
				/* ignored */
			}
			close(fd);
		}
	}
	if (ifreq_ioctl(SIOCGIFFLAGS, &ifr, "flags", err, errlen))
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ifreq_ioctl(SIOCSIFFLAGS, &ifr, "up", err, errlen);
}

int mc_route_add(const char *dev, uint32_t net, uint32_t mask, char *err, size_t errlen)
{
	struct rtentry rt;
	struct sockaddr_in sa;
	char devname[IFNAMSIZ];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	if (s < 0)
		return mc_fail(err, errlen, "socket: %s", strerror(errno));
	memset(&rt, 0, sizeof(rt));
	snprintf(devname, sizeof(devname), "%s", dev);
	sin_of(&sa, net, 0);
	memcpy(&rt.rt_dst, &sa, sizeof(sa));
	sin_of(&sa, mask, 0);
	memcpy(&rt.rt_genmask, &sa, sizeof(sa));
	rt.rt_flags = RTF_UP;
	rt.rt_dev = devname;
	rc = ioctl(s, SIOCADDRT, &rt);
	if (rc < 0 && errno != EEXIST) {
		int e = errno;
		struct in_addr ia;
		char a[16], m[16];

		close(s);
		ia.s_addr = htonl(net);
		inet_ntop(AF_INET, &ia, a, sizeof(a));
		ia.s_addr = htonl(mask);
		inet_ntop(AF_INET, &ia, m, sizeof(m));
		return mc_fail(err, errlen, "--route %s/%s via %s: %s%s", a, m, dev, strerror(e),
			    perm_hint(e));
	}
	close(s);
	return 0;
}

/* ---- UDP -------------------------------------------------------------------------- */

int mc_udp_open(const char *ifname, uint32_t ip, uint16_t port, uint16_t *bound, char *err,
		size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int buf = 1 << 20, pmtu = IP_PMTUDISC_DONT;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char a[16];

	if (fd < 0)
		return mc_fail(err, errlen, "%s: socket: %s", ifname, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0) {
		int e = errno;

		close(fd);
		return mc_fail(err, errlen, "%s: SO_BINDTODEVICE: %s%s", ifname, strerror(e),
			    e == EPERM ? " (needs root or CAP_NET_RAW)" : "");
	}
	/* The client fragments GMA itself; a PDU over a smaller MTU than
	 * announced is better IP-fragmented than refused. */
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	sin_of(&sa, ip, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
		return mc_fail(err, errlen, "%s: bind %s:%u: %s", ifname, a, port, strerror(e));
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		int e = errno;

		close(fd);
		return mc_fail(err, errlen, "%s: getsockname: %s", ifname, strerror(e));
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

int mc_udp_connect(int fd, uint32_t ip, uint16_t port, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	char a[16];

	sin_of(&sa, ip, port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
		return mc_fail(err, errlen, "connect to the tunnel end point %s:%u: %s", a, port,
			    strerror(errno));
	}
	return 0;
}

/* ---- rtnetlink ------------------------------------------------------------------- */

int mc_nl_open(char *err, size_t errlen)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return mc_fail(err, errlen, "rtnetlink socket: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return mc_fail(err, errlen, "rtnetlink bind: %s", strerror(e));
	}
	return fd;
}

bool mc_nl_drain(int fd)
{
	char buf[8192];
	bool any = false;

	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == ENOBUFS)
				any = true; /* events were lost: look again anyway */
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			break;
		}
		if (n == 0)
			break;
		/* Which interface does not matter: all are read again. */
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK ||
			    h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				any = true;
	}
	return any;
}

/* ---- Interfaces ------------------------------------------------------------------- */

static void wifi_read(int s, const char *ifname, struct mc_iface_obs *o)
{
	struct iwreq wr;
	char essid[IW_ESSID_MAX_SIZE + 1];
	const unsigned char *b;
	static const unsigned char none[6] = { 0, 0, 0, 0, 0, 0 };
	static const unsigned char bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	static const unsigned char inval[6] = { 0x44, 0x44, 0x44, 0x44, 0x44, 0x44 };

	memset(&wr, 0, sizeof(wr));
	snprintf(wr.ifr_name, sizeof(wr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIWAP, &wr) == 0) {
		b = (const unsigned char *)wr.u.ap_addr.sa_data;
		if (memcmp(b, none, 6) != 0 && memcmp(b, bcast, 6) != 0 && memcmp(b, inval, 6) != 0)
			snprintf(o->node_id, sizeof(o->node_id), "%02x:%02x:%02x:%02x:%02x:%02x",
				 b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	memset(&wr, 0, sizeof(wr));
	memset(essid, 0, sizeof(essid));
	snprintf(wr.ifr_name, sizeof(wr.ifr_name), "%s", ifname);
	wr.u.essid.pointer = essid;
	wr.u.essid.length = IW_ESSID_MAX_SIZE;
	if (ioctl(s, SIOCGIWESSID, &wr) == 0 && wr.u.essid.length > 0 &&
	    wr.u.essid.length <= IW_ESSID_MAX_SIZE) {
		bool printable = true;

		for (unsigned i = 0; i < wr.u.essid.length; i++)
			printable &= essid[i] >= ' ' && essid[i] <= '~';
		if (printable)
			snprintf(o->ssid, sizeof(o->ssid), "%.*s", (int)wr.u.essid.length, essid);
	}
}

bool mc_iface_read(int s, const char *ifname, bool wifi, struct mc_iface_obs *o)
{
	struct ifreq ifr;
	bool exists;

	memset(o, 0, sizeof(*o));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	exists = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
	if (!exists)
		return false;
	o->up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFADDR, &ifr) == 0 && ifr.ifr_addr.sa_family == AF_INET)
		o->ipv4 = ntohl(((struct sockaddr_in *)(void *)&ifr.ifr_addr)->sin_addr.s_addr);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		o->mtu = (uint32_t)ifr.ifr_mtu;
	o->up = o->up && o->ipv4 != 0;
	if (wifi)
		wifi_read(s, ifname, o);
	return true;
}

bool mc_wifi_rssi(const char *ifname, double *dbm)
{
	FILE *f = fopen("/proc/net/wireless", "r");
	char line[256];
	size_t nl = strlen(ifname);
	bool found = false;

	if (f == NULL)
		return false;
	/* "wlan0: 0000   54.  -56.  -256        0 ..." : status, link, level, noise */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p = line;
		double link, level;
		unsigned status;

		while (*p == ' ')
			p++;
		if (strncmp(p, ifname, nl) != 0 || p[nl] != ':')
			continue;
		if (sscanf(p + nl + 1, "%x %lf %lf", &status, &link, &level) == 3 && level < 0 &&
		    level > -200) {
			*dbm = level;
			found = true;
		}
	}
	fclose(f);
	return found;
}
