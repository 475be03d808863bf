/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-linkem: a link emulator for the namespace test bed.  It bridges two
 * interfaces with AF_PACKET sockets and impairs each direction on its own
 * (delay, jitter, loss, rate, reordering, down/up: linkem.h), changed at
 * run time through a unix datagram socket or SIGHUP.  DPDK-free.
 *
 *   mams-linkem -a IFACE -b IFACE [--ab SPEC] [--ba SPEC] [--both SPEC]
 *               [--seed N] [--ctl PATH] [--conf FILE] [--max-seconds N] [-q]
 *   mams-linkem ctl PATH COMMAND...
 *
 * Direction "ab" is what arrives on -a and leaves on -b; "ba" the reverse.
 * Reference: docs/testbed.md.
 *
 * Offloads: every socket reads and writes a virtio_net_hdr
 * (PACKET_VNET_HDR), so that a frame whose checksum the sender left to
 * "hardware" (CHECKSUM_PARTIAL) is completed here and a GSO super-frame is
 * passed on with its header for the kernel to segment; both are counted.
 * The test bed turns offloads off anyway (ethtool -K IF tso off gso off
 * gro off tx off rx off): impairments are per frame, and a 64 KB GSO frame
 * would be lost or delayed as one.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <endian.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "linkem.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define PROG "mams-linkem"
#define RX_BATCH 64             /* frames read per socket per loop */
#define CTL_MAX 1024            /* a command */
#define REPLY_MAX 4096
#define SOCK_BUF (4 << 20)
#define MAX_FRAME (65535 + 64)  /* a GSO super-frame at most */

struct pkt {
	uint32_t len;                 /* frame bytes, after vh */
	struct virtio_net_hdr vh;     /* sent as is: data follows it directly */
	uint8_t data[];
};

struct port {
	const char *name;
	int ifindex;
	int fd;
	int mtu;
	uint64_t gso, csum_fixed, truncated, runts, rx_errors, tx_errors;
	bool gso_warned;
};

struct app {
	struct port port[2];          /* a, b */
	struct lk_dir dir[2];         /* ab: a -> b, ba: b -> a */
	struct lk_params params[2];
	int ctl_fd, sig_fd;
	char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *conf;
	bool quiet, quit;
	uint64_t start;
};

static const char *const dir_name[2] = { "ab", "ba" };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void logmsg(const struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logmsg(const struct app *a, const char *fmt, ...)
{
	va_list ap;
	uint64_t t = a != NULL ? now_ns() - a->start : 0;

	fprintf(stderr, PROG " [%" PRIu64 ".%03" PRIu64 "] ", t / 1000000000u,
		t / 1000000u % 1000u);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void free_pkt(void *user, void *ctx)
{
	(void)ctx;
	free(user);
}

/* ---- Ports --------------------------------------------------------------------- */

static void port_open(struct port *p)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct ifreq ifr;
	int one = 1, buf = SOCK_BUF;

	if (strlen(p->name) >= IFNAMSIZ)
		die(1, "interface \"%s\": name longer than %d characters", p->name, IFNAMSIZ - 1);
	p->ifindex = (int)if_nametoindex(p->name);
	if (p->ifindex == 0)
		die(1, "interface \"%s\": %s (in this network namespace)", p->name,
		    strerror(errno));
	/* Protocol 0: nothing is received until bind() names the interface. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		die(1, "AF_PACKET socket: %s%s", strerror(errno),
		    errno == EPERM ? " (needs CAP_NET_RAW: run as root)" : "");
	if (setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) != 0)
		die(1, "interface \"%s\": PACKET_VNET_HDR: %s", p->name, strerror(errno));
	/* Never read back what is sent on this interface (checked per frame too). */
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0)
		fprintf(stderr, PROG ": %s: PACKET_IGNORE_OUTGOING: %s (outgoing frames are "
			"skipped by their packet type instead)\n", p->name, strerror(errno));
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) != 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) != 0)
		setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		die(1, "interface \"%s\": bind: %s", p->name, strerror(errno));
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
		die(1, "interface \"%s\": promiscuous mode: %s", p->name, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->name);
	if (ioctl(p->fd, SIOCGIFMTU, &ifr) == 0)
		p->mtu = ifr.ifr_mtu;
	if (ioctl(p->fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP))
		fprintf(stderr, PROG ": warning: interface \"%s\" is down\n", p->name);
}

/* Departures due at now, for both directions. */
static void send_due(struct app *a, uint64_t now)
{
	for (unsigned d = 0; d < 2; d++) {
		struct port *out = &a->port[!d];
		void *user;
		uint32_t len;

		while (lk_dir_pop(&a->dir[d], now, &user, &len, NULL)) {
			struct pkt *p = user;

			if (send(out->fd, &p->vh, sizeof(p->vh) + p->len, MSG_DONTWAIT) < 0) {
				out->tx_errors++;
				lk_dir_tx_failed(&a->dir[d], len);
			}
			free(p);
		}
	}
}

/* Up to RX_BATCH frames from port i into direction i. */
static void receive(struct app *a, unsigned i)
{
	static uint8_t buf[sizeof(struct virtio_net_hdr) + MAX_FRAME];
	struct port *in = &a->port[i];
	const size_t hl = sizeof(struct virtio_net_hdr);

	for (unsigned k = 0; k < RX_BATCH; k++) {
		struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(in->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from,
				     &fl);
		uint32_t len;
		struct pkt *p;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				in->rx_errors++;
			return;
		}
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n > sizeof(buf)) {
			in->truncated++;
			continue;
		}
		if ((size_t)n < hl + ETH_HLEN) {
			in->runts++;
			continue;
		}
		len = (uint32_t)((size_t)n - hl);
		if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			/* Passed on with its header: the kernel segments it on the way out. */
			in->gso++;
			if (!in->gso_warned) {
				in->gso_warned = true;
				logmsg(a, "%s: GSO frame of %u bytes: impairments apply to it as "
				       "one; turn offloads off (ethtool -K %s tso off gso off gro "
				       "off tx off rx off, and on its peer)", in->name, len,
				       in->name);
			}
		} else if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			if (lk_csum_complete(buf + hl, len, le16toh(vh->csum_start),
					     le16toh(vh->csum_offset)) == 0)
				in->csum_fixed++;
			memset(vh, 0, hl);
		}
		p = malloc(sizeof(*p) + len);
		if (p == NULL) {
			in->rx_errors++;
			continue;
		}
		p->len = len;
		memcpy(&p->vh, buf, hl + len);
		if (lk_dir_enqueue(&a->dir[i], now_ns(), len, p) != LK_QUEUED)
			free(p);
	}
}

/* ---- Control --------------------------------------------------------------------- */

static size_t append(char *buf, size_t off, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t off, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= cap)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, cap - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	return off + (size_t)n >= cap ? cap - 1 : off + (size_t)n;
}

static size_t format_stats(const struct app *a, char *buf, size_t off, size_t cap)
{
	char line[512];

	for (unsigned d = 0; d < 2; d++) {
		lk_stats_format(&a->dir[d], dir_name[d], line, sizeof(line));
		off = append(buf, off, cap, "%s\n", line);
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct port *p = &a->port[i];

		off = append(buf, off, cap,
			     "%s iface=%s gso=%" PRIu64 " csum_fixed=%" PRIu64 " truncated=%" PRIu64
			     " runts=%" PRIu64 " rx_errors=%" PRIu64 " tx_errors=%" PRIu64 "\n",
			     i == 0 ? "a" : "b", p->name, p->gso, p->csum_fixed, p->truncated,
			     p->runts, p->rx_errors, p->tx_errors);
	}
	return off;
}

static size_t format_params(const struct app *a, char *buf, size_t off, size_t cap)
{
	char line[512];

	for (unsigned d = 0; d < 2; d++) {
		lk_params_format(&a->params[d], dir_name[d], line, sizeof(line));
		off = append(buf, off, cap, "%s\n", line);
	}
	return off;
}

/* Runs one command; the reply ("ok\n..." or "error: ...\n") goes to reply. */
static void run_command(struct app *a, const char *line, char *reply, size_t cap)
{
	struct lk_params tmp[2] = { a->params[0], a->params[1] };
	char err[256];
	unsigned dirs;
	size_t off = 0;
	int rc = lk_cmd_parse(line, tmp, &dirs, err, sizeof(err));

	if (rc < 0) {
		snprintf(reply, cap, "error: %s\n", err);
		return;
	}
	off = append(reply, off, cap, "ok\n");
	switch (rc) {
	case LK_CMD_SET:
		for (unsigned d = 0; d < 2; d++) {
			if (!(dirs & (1u << d)))
				continue;
			if (lk_dir_set(&a->dir[d], &tmp[d], free_pkt, NULL) != 0) {
				snprintf(reply, cap, "error: out of memory for %s's queue\n",
					 dir_name[d]);
				return;
			}
			a->params[d] = tmp[d];
		}
		format_params(a, reply, off, cap);
		break;
	case LK_CMD_STATS:
		format_stats(a, reply, off, cap);
		break;
	case LK_CMD_SHOW:
		format_params(a, reply, off, cap);
		break;
	case LK_CMD_HELP:
		append(reply, off, cap, "%s", lk_cmd_help);
		break;
	default:
		break;
	}
}

static void control(struct app *a)
{
	for (unsigned k = 0; k < 16; k++) {
		char cmd[CTL_MAX + 1], reply[REPLY_MAX];
		struct sockaddr_un from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(a->ctl_fd, cmd, CTL_MAX, MSG_DONTWAIT, (struct sockaddr *)&from,
				     &fl);

		if (n < 0)
			return;
		cmd[n] = '\0';
		cmd[strcspn(cmd, "\r\n")] = '\0';
		run_command(a, cmd, reply, sizeof(reply));
		if (!a->quiet && strcmp(cmd, "stats") != 0 && strcmp(cmd, "show") != 0)
			logmsg(a, "control: %s -> %.*s", cmd, (int)strcspn(reply, "\n"), reply);
		if (fl > sizeof(sa_family_t))
			sendto(a->ctl_fd, reply, strlen(reply), MSG_DONTWAIT,
			       (struct sockaddr *)&from, fl);
	}
}

static void ctl_open(struct app *a)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, a->ctl_path, strlen(a->ctl_path) + 1);
	if (lstat(a->ctl_path, &st) == 0) {
		/* A leftover socket is replaced; one somebody listens on is not. */
		if (!S_ISSOCK(st.st_mode))
			die(1, "--ctl %s: exists and is not a socket", a->ctl_path);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			die(1, "--ctl %s: another emulator listens on it", a->ctl_path);
		if (fd >= 0)
			close(fd);
		unlink(a->ctl_path);
	}
	a->ctl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->ctl_fd < 0 || bind(a->ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die(1, "--ctl %s: %s", a->ctl_path, strerror(errno));
}

/* SIGHUP: the --conf file's commands, in order, on top of the current parameters. */
static void read_conf(struct app *a, bool at_start)
{
	char line[CTL_MAX + 2], reply[REPLY_MAX];
	FILE *f = fopen(a->conf, "r");
	unsigned no = 0;

	if (f == NULL) {
		if (at_start)
			die(1, "--conf %s: %s", a->conf, strerror(errno));
		logmsg(a, "SIGHUP: %s: %s", a->conf, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		no++;
		line[strcspn(line, "\r\n")] = '\0';
		run_command(a, line, reply, sizeof(reply));
		if (strncmp(reply, "error", 5) == 0) {
			if (at_start)
				die(2, "--conf %s:%u: %s", a->conf, no, reply + 7);
			logmsg(a, "%s:%u: %.*s", a->conf, no, (int)strcspn(reply, "\n"), reply);
		} else if (strncmp(line, "stats", 5) == 0 || strncmp(line, "show", 4) == 0) {
			fputs(reply + 3, stderr);
		}
	}
	fclose(f);
	if (!at_start) {
		format_params(a, reply, 0, sizeof(reply));
		logmsg(a, "SIGHUP: %s applied:\n%s", a->conf, reply);
	}
}

static void print_stats(const struct app *a, const char *why)
{
	char buf[REPLY_MAX];

	format_stats(a, buf, 0, sizeof(buf));
	logmsg(a, "stats (%s):\n%s", why, buf);
}

static void signals(struct app *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			print_stats(a, "SIGUSR1");
			break;
		case SIGHUP:
			if (a->conf != NULL)
				read_conf(a, false);
			else
				logmsg(a, "SIGHUP ignored: no --conf file");
			break;
		default:
			a->quit = true;
			break;
		}
	}
}

/* ---- The client: mams-linkem ctl PATH COMMAND... ---------------------------------- */

static int client(int argc, char **argv)
{
	struct sockaddr_un srv, me;
	char cmd[CTL_MAX + 1] = "", reply[REPLY_MAX + 1];
	const char *path, *slash;
	struct pollfd pfd;
	size_t off = 0;
	int fd, rc, timeout_ms = 5000, first = 1;
	ssize_t n;

	if (argc >= 3 && strcmp(argv[1], "--timeout") == 0) {
		timeout_ms = atoi(argv[2]) * 1000;
		first = 3;
	}
	if (argc - first < 2) {
		fprintf(stderr, "usage: " PROG " ctl [--timeout S] PATH COMMAND...\n");
		return 2;
	}
	path = argv[first];
	if (strlen(path) >= sizeof(srv.sun_path)) {
		fprintf(stderr, PROG ": %s: socket path too long\n", path);
		return 2;
	}
	for (int i = first + 1; i < argc; i++) {
		int w = snprintf(cmd + off, sizeof(cmd) - off, "%s%s", i > first + 1 ? " " : "",
				 argv[i]);

		if (w < 0 || (size_t)w >= sizeof(cmd) - off) {
			fprintf(stderr, PROG ": command longer than %d characters\n", CTL_MAX);
			return 2;
		}
		off += (size_t)w;
	}
	memset(&srv, 0, sizeof(srv));
	srv.sun_family = AF_UNIX;
	memcpy(srv.sun_path, path, strlen(path) + 1);
	/* A name of our own, next to the server's socket, so that the answer finds
	 * us from any network namespace (abstract names are per namespace). */
	memset(&me, 0, sizeof(me));
	me.sun_family = AF_UNIX;
	slash = strrchr(path, '/');
	rc = snprintf(me.sun_path, sizeof(me.sun_path), "%.*s.linkem-ctl.%ld.%ld",
		      slash ? (int)(slash - path + 1) : 0, path, (long)getpid(), (long)time(NULL));
	if (rc < 0 || (size_t)rc >= sizeof(me.sun_path))
		snprintf(me.sun_path, sizeof(me.sun_path), "/tmp/.linkem-ctl.%ld", (long)getpid());
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", me.sun_path, strerror(errno));
		return 3;
	}
	rc = 3;
	if (connect(fd, (struct sockaddr *)&srv, sizeof(srv)) != 0 || send(fd, cmd, off, 0) < 0) {
		fprintf(stderr, PROG ": %s: %s (is the emulator running?)\n", path, strerror(errno));
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) != 1 || (n = recv(fd, reply, REPLY_MAX, 0)) < 0) {
		fprintf(stderr, PROG ": %s: no answer within %d ms\n", path, timeout_ms);
		goto out;
	}
	reply[n] = '\0';
	if (strncmp(reply, "ok\n", 3) == 0) {
		fputs(reply + 3, stdout);
		rc = 0;
	} else {
		fputs(reply, stderr);
		rc = 1;
	}
out:
	close(fd);
	unlink(me.sun_path);
	return rc;
}

/* ---- Main ----------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " -a IFACE -b IFACE [options]\n"
		"       " PROG " ctl [--timeout S] SOCKET COMMAND...\n"
		"Bridges IFACE a and b, impairing each direction: ab (a -> b), ba (b -> a).\n"
		"  -a, --iface-a IFACE   first interface\n"
		"  -b, --iface-b IFACE   second interface\n"
		"      --ab SPEC         parameters of a -> b, e.g. \"delay=20 loss=1\"\n"
		"      --ba SPEC         parameters of b -> a\n"
		"      --both SPEC       parameters of both (all three may repeat; in order)\n"
		"  -s, --seed N          PRNG seed (default: from the clock; printed)\n"
		"  -c, --ctl PATH        unix datagram control socket\n"
		"      --conf FILE       commands applied at start and again on SIGHUP\n"
		"      --max-seconds N   exit after N s (default 0: until SIGINT/SIGTERM)\n"
		"  -q, --quiet           do not log control commands\n"
		"  -h, --help\n"
		"SIGUSR1 prints the counters; they are printed at exit too.\n"
		"%s",
		lk_cmd_help);
}

int main(int argc, char **argv)
{
	enum { OPT_AB = 256, OPT_BA, OPT_BOTH, OPT_CONF, OPT_MAX };
	static const struct option opts[] = {
		{ "iface-a", required_argument, NULL, 'a' },
		{ "iface-b", required_argument, NULL, 'b' },
		{ "ab", required_argument, NULL, OPT_AB },
		{ "ba", required_argument, NULL, OPT_BA },
		{ "both", required_argument, NULL, OPT_BOTH },
		{ "seed", required_argument, NULL, 's' },
		{ "ctl", required_argument, NULL, 'c' },
		{ "conf", required_argument, NULL, OPT_CONF },
		{ "max-seconds", required_argument, NULL, OPT_MAX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct app app;
	struct app *a = &app;
	uint64_t seed = 0, max_ns = 0;
	bool seeded = false;
	char err[256], *end;
	sigset_t mask;
	int opt;

	if (argc >= 2 && strcmp(argv[1], "ctl") == 0)
		return client(argc - 1, argv + 1);

	lk_params_defaults(&a->params[0]);
	lk_params_defaults(&a->params[1]);
	a->ctl_fd = a->sig_fd = -1;
	while ((opt = getopt_long(argc, argv, "a:b:s:c:qh", opts, NULL)) != -1) {
		unsigned dirs = 0;

		switch (opt) {
		case 'a':
			a->port[0].name = optarg;
			break;
		case 'b':
			a->port[1].name = optarg;
			break;
		case OPT_AB:
			dirs = LK_DIR_AB;
			break;
		case OPT_BA:
			dirs = LK_DIR_BA;
			break;
		case OPT_BOTH:
			dirs = LK_DIR_AB | LK_DIR_BA;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-')
				die(2, "--seed: \"%s\" is not an unsigned 64-bit integer", optarg);
			seeded = true;
			break;
		case 'c':
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof(a->ctl_path))
				die(2, "--ctl: path must be 1..%zu characters",
				    sizeof(a->ctl_path) - 1);
			memcpy(a->ctl_path, optarg, strlen(optarg) + 1);
			break;
		case OPT_CONF:
			a->conf = optarg;
			break;
		case OPT_MAX: {
			unsigned long long s;

			errno = 0;
			s = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    s > 10u * 365 * 86400)
				die(2, "--max-seconds: \"%s\" is not a number of seconds", optarg);
			max_ns = s * 1000000000ull;
			break;
		}
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "usage: " PROG " -a IFACE -b IFACE [options]  (--help)\n");
			return 2;
		}
		if (dirs != 0 && lk_spec_parse(optarg, dirs, a->params, err, sizeof(err)) < 0)
			die(2, "--%s \"%s\": %s", opts[opt - OPT_AB + 2].name, optarg, err);
	}
	if (optind < argc)
		die(2, "unexpected argument \"%s\" (interfaces are given with -a and -b)",
		    argv[optind]);
	if (a->port[0].name == NULL || a->port[1].name == NULL)
		die(2, "both interfaces are needed: -a IFACE -b IFACE (--help)");
	if (strcmp(a->port[0].name, a->port[1].name) == 0)
		die(2, "-a and -b name the same interface \"%s\"", a->port[0].name);
	if (!seeded)
		seed = now_ns() ^ ((uint64_t)getpid() << 32);

	a->start = now_ns();
	for (unsigned d = 0; d < 2; d++)
		/* Each direction its own stream, both from the one seed. */
		if (lk_dir_init(&a->dir[d], seed + 0x9E3779B97F4A7C15ull * (d + 1)) != 0)
			die(1, "out of memory");
	if (a->conf != NULL)
		read_conf(a, true);
	for (unsigned d = 0; d < 2; d++)
		if (lk_dir_set(&a->dir[d], &a->params[d], free_pkt, NULL) != 0)
			die(1, "out of memory for the queues");
	port_open(&a->port[0]);
	port_open(&a->port[1]);
	if (a->ctl_path[0] != '\0')
		ctl_open(a);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (a->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		die(1, "signalfd: %s", strerror(errno));
	/* Wake up on time: the default 50 us of timer slack would add to every delay. */
	prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);

	{
		char buf[REPLY_MAX];

		format_params(a, buf, 0, sizeof(buf));
		logmsg(a, "a=%s (ifindex %d, mtu %d) b=%s (ifindex %d, mtu %d) seed=%" PRIu64
		       " ctl=%s\n%s",
		       a->port[0].name, a->port[0].ifindex, a->port[0].mtu, a->port[1].name,
		       a->port[1].ifindex, a->port[1].mtu, seed,
		       a->ctl_path[0] ? a->ctl_path : "(none)", buf);
	}

	while (!a->quit) {
		struct pollfd pfd[4] = {
			{ .fd = a->port[0].fd, .events = POLLIN },
			{ .fd = a->port[1].fd, .events = POLLIN },
			{ .fd = a->sig_fd, .events = POLLIN },
			{ .fd = a->ctl_fd, .events = POLLIN },
		};
		uint64_t now = now_ns(), next, wait = 1000000000u;
		struct timespec ts;

		if (max_ns != 0 && now - a->start >= max_ns) {
			logmsg(a, "--max-seconds reached");
			break;
		}
		send_due(a, now);
		next = lk_dir_next(&a->dir[0]);
		if (lk_dir_next(&a->dir[1]) < next)
			next = lk_dir_next(&a->dir[1]);
		now = now_ns();
		if (next <= now)
			wait = 0;
		else if (next - now < wait)
			wait = next - now;
		ts.tv_sec = (time_t)(wait / 1000000000u);
		ts.tv_nsec = (long)(wait % 1000000000u);
		if (ppoll(pfd, a->ctl_fd >= 0 ? 4 : 3, &ts, NULL) < 0 && errno != EINTR)
			die(1, "ppoll: %s", strerror(errno));
		if (pfd[2].revents & POLLIN)
			signals(a);
		if (a->ctl_fd >= 0 && (pfd[3].revents & POLLIN))
			control(a);
		for (unsigned i = 0; i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLNVAL | POLLHUP)) {
				char name[IF_NAMESIZE];
				int e = 0;
				socklen_t el = sizeof(e);

				/* Reading SO_ERROR clears it.  An interface that went down
				 * stays bridged; one that is gone ends the emulator. */
				getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &e, &el);
				if (pfd[i].revents & POLLNVAL)
					die(1, "%s: socket closed", a->port[i].name);
				if (if_indextoname((unsigned)a->port[i].ifindex, name) == NULL) {
					logmsg(a, "%s: interface gone, exiting", a->port[i].name);
					a->quit = true;
				}
			}
			if (pfd[i].revents & POLLIN)
				receive(a, i);
		}
	}
	print_stats(a, "exit");
	for (unsigned d = 0; d < 2; d++)
		lk_dir_destroy(&a->dir[d], free_pkt, NULL);
	if (a->ctl_fd >= 0) {
		close(a->ctl_fd);
		unlink(a->ctl_path);
	}
	close(a->port[0].fd);
	close(a->port[1].fd);
	return 0;
}
