/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client: the Linux MAMS client (CCM + C-MADP) for mamsgw
 * (docs/client.md).  One thread, one poll() loop over the TUN device, one
 * UDP socket per access interface, rtnetlink, a signalfd and
 * libwebsockets' descriptors.  The protocol logic is in the pure modules
 * (mc_ccm, mc_madp, mc_steer); this file moves bytes and time between them
 * and the system.
 *
 * Exit status: 0 the session ended cleanly (--run-ms, a signal, or the
 * NCM's termination); 1 a usage or set-up error (flags, interfaces, TUN);
 * 2 a failure at run time (NCM unreachable, session refused, no answer).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "esp_kdf.h"
#include "mc_ccm.h"
#include "mc_madp.h"
#include "mc_opts.h"
#include "mc_sys.h"
#include "mc_ws.h"

_Static_assert(MC_SECRET_MIN == ESP_SECRET_MIN && MC_SECRET_MAX == ESP_SECRET_MAX,
	       "the CCM checks the shared_secret length the key derivation takes");

#define LOOP_MAX_WAIT_MS 100
#define IFACE_POLL_MS 1000     /* re-read interfaces also without rtnetlink events */
#define RX_BATCH 64
#define TUN_BATCH 64
#define CLOSE_WAIT_MS 500

struct path {
	int fd;
	uint16_t port;          /* our UDP port */
	uint32_t bound_ip;      /* address the socket is bound to (0: any of the interface) */
	bool exists;
	struct mc_iface_obs obs;
	bool has_tunnel;
	uint32_t tunnel_ip;
	uint16_t tunnel_port;
	bool connected;
	bool ul_ok;
	uint32_t mtu;
};

struct app {
	struct mc_opts o;
	struct mc_ccm *ccm;
	struct mc_madp *madp;
	struct mc_ws *ws;
	int tun_fd, nl_fd, sig_fd, ioctl_fd;
	struct path paths[MC_MAX_IFACES];
	bool have_setup;
	struct mc_setup setup;
	uint32_t tun_mtu;
	bool routes_added;
	uint64_t start_ms, next_stats_ms, next_iface_ms, reconnect_at;
	unsigned attempts;
	bool ever_open;
	char last_ws_error[256];
	bool terminating;       /* mc_ccm_terminate() asked */
	bool quit;
	int exit_code;
	char fatal[CP_HOST + MC_PATH + 400];
	uint64_t tun_write_errors, tun_read_bytes;
	uint8_t ul_buf[65536];
	uint8_t scratch[65536];
};

static struct app *g_app;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void logmsg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logmsg(int level, const char *fmt, ...)
{
	va_list ap;

	if (g_app != NULL && level > MC_LOG_INFO + g_app->o.verbose)
		return;
	fprintf(stderr, "mams-client: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *ip_s(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, 16);
	return buf;
}

/* A failure after start-up: the session is ended (if any) and we exit 2. */
static void fatal_runtime(struct app *a, const char *msg)
{
	if (a->fatal[0] == '\0')
		snprintf(a->fatal, sizeof(a->fatal), "%s", msg);
	a->exit_code = 2;
	if (!a->terminating) {
		a->terminating = true;
		mc_ccm_terminate(a->ccm, now_ms());
	}
}

/* ---- The data path ----------------------------------------------------------------- */

static void apply_path(struct app *a, unsigned i)
{
	struct path *p = &a->paths[i];
	struct mc_path_cfg pc = {
		.conn_id = (uint8_t)(mc_ccm_conn_id(a->ccm, i) >= 0 ? mc_ccm_conn_id(a->ccm, i) : 0),
		.connected = p->connected,
		.up = p->obs.up,
		.ul_ok = p->ul_ok,
		.mtu = (uint16_t)(p->mtu > 65535 ? 65535 : p->mtu != 0 ? p->mtu : 1500),
	};

	mc_madp_set_path(a->madp, i, &pc);
}

static int madp_send(void *opaque, unsigned i, const uint8_t *pdu, size_t len)
{
	struct app *a = opaque;
	struct path *p = &a->paths[i];

	if (p->fd < 0 || !p->connected)
		return -ENOTCONN;
	return send(p->fd, pdu, len, MSG_DONTWAIT) < 0 ? -errno : 0;
}

static void madp_deliver(void *opaque, const uint8_t *sdu, size_t len)
{
	struct app *a = opaque;

	if (write(a->tun_fd, sdu, len) < 0)
		a->tun_write_errors++;
}

/* The TUN MTU: an uplink SDU must fit the smallest usable path unfragmented. */
static void update_tun_mtu(struct app *a)
{
	uint32_t min = 0;
	char err[256];

	uint32_t extra = 0;

	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		uint32_t m = a->paths[i].obs.mtu;
		uint32_t x = mc_madp_path_overhead(a->madp, i) - MC_OUTER_OVERHEAD;

		/* The smallest room for GMA: MTU less ESP on an IPsec path. */
		if (a->paths[i].obs.up && m > x && (min == 0 || m - x < min)) {
			min = m - x;
			extra = x;
		}
	}
	if (min == 0 || !a->have_setup)
		return;
	min = mc_madp_tun_mtu(a->o.method, min + extra, extra);
	if (min == a->tun_mtu)
		return;
	if (mc_if_set_mtu(a->o.tun, min, err, sizeof(err)) == 0) {
		logmsg(MC_LOG_INFO, "%s: MTU %u", a->o.tun, min);
		a->tun_mtu = min;
	} else {
		logmsg(MC_LOG_ERR, "%s", err);
	}
}

static void connect_path(struct app *a, unsigned i)
{
	struct path *p = &a->paths[i];
	char err[256];

	p->connected = false;
	if (p->fd < 0 || !p->has_tunnel)
		return;
	if (mc_udp_connect(p->fd, p->tunnel_ip, p->tunnel_port, err, sizeof(err)) != 0) {
		logmsg(MC_LOG_ERR, "%s (%s): %s", a->o.ifaces[i].name, a->o.ifaces[i].ifname, err);
		return;
	}
	p->connected = true;
}

/* (Re)binds the socket of interface i to its current address, same port if possible. */
static int bind_path(struct app *a, unsigned i, char *err, size_t errlen)
{
	struct path *p = &a->paths[i];
	uint32_t ip = p->obs.up ? p->obs.ipv4 : 0;
	uint16_t port = 0;
	int fd;

	fd = mc_udp_open(a->o.ifaces[i].ifname, ip, p->port, &port, err, errlen);
	if (fd < 0 && p->port != 0)
		fd = mc_udp_open(a->o.ifaces[i].ifname, ip, 0, &port, err, errlen);
	if (fd < 0)
		return -1;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = fd;
	p->bound_ip = ip;
	if (p->port != 0 && p->port != port)
		logmsg(MC_LOG_INFO, "%s: UDP port %u instead of %u", a->o.ifaces[i].name, port,
		       p->port);
	p->port = port;
	connect_path(a, i);
	return 0;
}

/* ---- Interfaces ---------------------------------------------------------------------- */

static void refresh_ifaces(struct app *a, uint64_t now)
{
	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		struct path *p = &a->paths[i];
		struct mc_iface_obs o;
		bool was_up = p->obs.up;
		char err[256], b1[16];

		p->exists = mc_iface_read(a->ioctl_fd, a->o.ifaces[i].ifname,
					  a->o.ifaces[i].type == CP_CONN_WIFI, &o);
		if (o.up != was_up || o.ipv4 != p->obs.ipv4)
			logmsg(MC_LOG_INFO, "%s (%s): %s%s%s", a->o.ifaces[i].name,
			       a->o.ifaces[i].ifname, !p->exists ? "gone" : o.up ? "up" : "down",
			       o.ipv4 ? ", " : "", o.ipv4 ? ip_s(o.ipv4, b1) : "");
		p->obs = o;
		/* A new address: the socket follows it, on the same port. */
		if (p->exists && o.up && o.ipv4 != p->bound_ip) {
			uint16_t old = p->port;

			if (bind_path(a, i, err, sizeof(err)) != 0)
				logmsg(MC_LOG_ERR, "%s", err);
			else if (p->port != old)
				mc_ccm_set_port(a->ccm, i, p->port, now);
		} else if (o.up && p->has_tunnel && !p->connected) {
			connect_path(a, i); /* it was down when the tunnel end point came */
			apply_path(a, i);
		}
		mc_ccm_iface(a->ccm, i, &o, now);
		if (p->obs.up != was_up)
			apply_path(a, i);
	}
	update_tun_mtu(a);
}

/* ---- CCM callbacks ----------------------------------------------------------------- */

static int ccm_send(void *opaque, const char *text, size_t len)
{
	struct app *a = opaque;

	return mc_ws_send(a->ws, text, len);
}

/* The adaptation of path i from the UP setup: SAs derived from the
 * shared_secret (IPsec), kept for the same secret, or plain UDP. */
static int setup_adaptation(struct app *a, const struct mc_setup *s, unsigned i)
{
	struct mc_esp_keys k = {
		.secret = s->path[i].secret,
		.secret_len = s->path[i].secret_len,
		.ncm_id = s->ncm_id,
		.session_id = s->session_id,
		.conn_id = s->path[i].conn_id,
	};
	struct mc_esp_stats st;
	int rc;

	if (!s->path[i].ipsec)
		return mc_madp_set_ipsec(a->madp, i, NULL, now_ms());
	rc = mc_madp_set_ipsec(a->madp, i, &k, now_ms());
	if (rc < 0)
		return rc;
	mc_madp_esp_stats(a->madp, i, &st);
	if (rc == MC_ESP_NEW)
		logmsg(MC_LOG_INFO, "%s: IPsec %s, ESN %s, SPI out 0x%08x in 0x%08x",
		       a->o.ifaces[i].name, mc_esp_suite_flag((enum esp_suite)a->o.ipsec_suite),
		       a->o.ipsec_esn ? "on" : "off", st.spi_out, st.spi_in);
	else if (rc == MC_ESP_REKEYED)
		logmsg(MC_LOG_INFO, "%s: IPsec rekeyed, SPI out 0x%08x in 0x%08x (0x%08x accepted "
		       "for %u ms more)", a->o.ifaces[i].name, st.spi_out, st.spi_in, st.spi_in_old,
		       a->o.ipsec_rekey_grace_ms);
	return rc;
}

static void ccm_setup(void *opaque, const struct mc_setup *s)
{
	struct app *a = opaque;
	char err[256], b1[16], b2[16];
	bool same_anchor = a->have_setup && a->setup.anchor_ip == s->anchor_ip &&
			   a->setup.anchor_mask == s->anchor_mask;

	a->setup = *s;
	a->have_setup = true;
	mc_madp_set_anchor(a->madp, s->anchor_ip, s->anchor_conn_id);
	for (unsigned i = 0; i < s->n && i < a->o.n_ifaces; i++) {
		struct path *p = &a->paths[i];

		if (setup_adaptation(a, s, i) < 0) {
			snprintf(err, sizeof(err), "%s: cannot derive IPsec SAs from the shared "
				 "secret of connection %u", a->o.ifaces[i].name, s->path[i].conn_id);
			fatal_runtime(a, err);
			return;
		}
		p->has_tunnel = true;
		p->tunnel_ip = s->path[i].tunnel_ip;
		p->tunnel_port = s->path[i].tunnel_port;
		if (p->obs.up)
			connect_path(a, i); /* else when it comes up (refresh_ifaces) */
		else
			p->connected = false;
		logmsg(MC_LOG_INFO, "%s (%s): connection %u, %s, tunnel end point %s:%u, our port %u",
		       a->o.ifaces[i].name, a->o.ifaces[i].ifname, s->path[i].conn_id,
		       s->path[i].ipsec ? "IPsec" : "UDP_without_DTLS", ip_s(p->tunnel_ip, b1),
		       p->tunnel_port, p->port);
		apply_path(a, i);
	}
	if (same_anchor) {
		/* A later setup (a rekey): the TUN device keeps its address and routes. */
		update_tun_mtu(a);
		return;
	}
	a->tun_mtu = 0;
	{
		uint32_t min = 0, extra = 0;

		for (unsigned i = 0; i < a->o.n_ifaces; i++) {
			uint32_t m = a->paths[i].obs.mtu != 0 ? a->paths[i].obs.mtu : 1500;
			uint32_t x = mc_madp_path_overhead(a->madp, i) - MC_OUTER_OVERHEAD;

			if (m > x && (min == 0 || m - x < min)) {
				min = m - x;
				extra = x;
			}
		}
		a->tun_mtu = mc_madp_tun_mtu(a->o.method, min != 0 ? min + extra : 1500, extra);
	}
	if (mc_tun_config(a->o.tun, s->anchor_ip, s->anchor_mask, a->tun_mtu, err, sizeof(err))) {
		fatal_runtime(a, err);
		return;
	}
	logmsg(MC_LOG_INFO, "%s: %s/%s, MTU %u", a->o.tun, ip_s(s->anchor_ip, b1),
	       ip_s(s->anchor_mask, b2), a->tun_mtu);
	if (!a->routes_added) {
		for (unsigned r = 0; r < a->o.n_routes; r++)
			if (mc_route_add(a->o.tun, a->o.routes[r].net, a->o.routes[r].mask, err,
					 sizeof(err)) != 0)
				logmsg(MC_LOG_ERR, "%s", err);
		a->routes_added = true;
	}
}

static void ccm_path(void *opaque, unsigned i, bool ul_ok, uint32_t mtu)
{
	struct app *a = opaque;

	a->paths[i].ul_ok = ul_ok;
	a->paths[i].mtu = mtu;
	apply_path(a, i);
}

static void ccm_steer(void *opaque, const struct mc_steer *s)
{
	struct app *a = opaque;

	mc_madp_set_steer(a->madp, s);
}

static void ccm_pause(void *opaque, bool paused)
{
	struct app *a = opaque;

	mc_madp_set_ul_paused(a->madp, paused);
}

static void ccm_state(void *opaque, enum mc_ccm_state st, const char *reason)
{
	struct app *a = opaque;

	if (st == MC_CCM_DONE) {
		logmsg(MC_LOG_INFO, "%s", reason != NULL ? reason : "done");
		if (a->fatal[0] == '\0')
			a->exit_code = 0;
	} else if (st == MC_CCM_FAILED) {
		logmsg(MC_LOG_ERR, "%s", reason != NULL ? reason : "failed");
		a->exit_code = 2;
	} else {
		logmsg(MC_LOG_DEBUG, "state %s", mc_ccm_state_name(st));
	}
}

static void ccm_counters(void *opaque, unsigned i, struct mc_ccm_counters *out)
{
	struct app *a = opaque;
	struct mc_path_stats ps;

	mc_madp_path_stats(a->madp, i, &ps);
	out->rx_bytes = ps.rx_bytes;
	out->tx_bytes = ps.tx_bytes;
	out->probes_rx = ps.probes_rx;
	out->probes_lost = ps.probes_lost;
}

static bool ccm_signal(void *opaque, unsigned i, enum cp_meas_param p, double *v)
{
	struct app *a = opaque;

	if (p == CP_MEAS_WLAN_RSSI && a->o.ifaces[i].type == CP_CONN_WIFI)
		return mc_wifi_rssi(a->o.ifaces[i].ifname, v);
	return false; /* RSRP/RSRQ need the modem (ModemManager): not read */
}

static void ccm_log(void *opaque, int level, const char *line)
{
	(void)opaque;
	logmsg(level, "%s", line);
}

/* ---- WebSocket callbacks ----------------------------------------------------------- */

static void ws_open(void *opaque)
{
	struct app *a = opaque;

	logmsg(MC_LOG_INFO, "connected to the NCM %s://%s:%u%s", a->o.wss ? "wss" : "ws",
	       a->o.host, a->o.port, a->o.path);
	a->attempts = 0;
	a->ever_open = true;
	mc_ccm_on_open(a->ccm, now_ms());
}

static void ws_text(void *opaque, const char *text, size_t len)
{
	struct app *a = opaque;

	mc_ccm_on_text(a->ccm, text, len, now_ms());
}

static void ws_close(void *opaque, bool was_open, const char *why)
{
	struct app *a = opaque;
	uint64_t now = now_ms();

	snprintf(a->last_ws_error, sizeof(a->last_ws_error), "%s", why);
	if (was_open) {
		logmsg(MC_LOG_INFO, "NCM connection: %s", why);
		mc_ccm_on_close(a->ccm, now);
	} else {
		logmsg(MC_LOG_INFO, "cannot connect to the NCM %s://%s:%u%s: %s",
		       a->o.wss ? "wss" : "ws", a->o.host, a->o.port, a->o.path, why);
	}
	if (mc_ccm_finished(a->ccm) || a->terminating)
		return;
	if (strstr(why, "unauthorized") != NULL || strstr(why, "not 101") != NULL) {
		/* Refused at the upgrade: trying again changes nothing. */
		snprintf(a->fatal, sizeof(a->fatal),
			 "the NCM %s://%s:%u%s refused the WebSocket upgrade (%s)%s",
			 a->o.wss ? "wss" : "ws", a->o.host, a->o.port, a->o.path, why,
			 strstr(why, "unauthorized") != NULL
				 ? (a->o.token[0] ? ": wrong bearer token (--token / MAMS_TOKEN)"
						  : ": it wants a bearer token (--token / MAMS_TOKEN)")
				 : a->o.subprotocol ? ": try --subprotocol none" : "");
		a->exit_code = 2;
		a->quit = true;
		return;
	}
	/* Reconnect: at once after a drop, then every MAMS_TIMEOUT, MAMS_RETRY times. */
	a->attempts++;
	if (a->attempts > a->o.retries) {
		char msg[CP_HOST + MC_PATH + 400];

		snprintf(msg, sizeof(msg), "%s %s://%s:%u%s after %u attempts: %s%s",
			 a->ever_open ? "lost the NCM" : "NCM unreachable", a->o.wss ? "wss" : "ws",
			 a->o.host, a->o.port, a->o.path, a->attempts, why,
			 a->o.wss && !a->ever_open
				 ? " (TLS: check --ca, and --cert/--key if the NCM wants a client "
				   "certificate)"
				 : "");
		snprintf(a->fatal, sizeof(a->fatal), "%s", msg);
		a->exit_code = 2;
		a->quit = true;
		return;
	}
	a->reconnect_at = now + (was_open ? 1 : a->o.timeout_ms);
}

/* ---- Signals, stats ------------------------------------------------------------------ */

static void on_signal(struct app *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (a->terminating) {
			logmsg(MC_LOG_ERR, "signal %u again: exiting without waiting for the NCM",
			       si.ssi_signo);
			a->exit_code = 1;
			a->quit = true;
			return;
		}
		logmsg(MC_LOG_INFO, "signal %u: terminating the session", si.ssi_signo);
		a->terminating = true;
		mc_ccm_terminate(a->ccm, now_ms());
	}
}

static void print_stats(struct app *a, uint64_t now)
{
	struct mc_madp_stats ms;
	struct mc_ccm_stats cs;

	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		struct mc_path_stats ps;
		const struct path *p = &a->paths[i];

		mc_madp_path_stats(a->madp, i, &ps);
		printf("stats t_ms=%llu path=%s if=%s conn=%d state=%s ul=%s port=%u tx_pkts=%llu "
		       "tx_bytes=%llu tx_errors=%llu rx_pkts=%llu rx_bytes=%llu rx_bad=%llu "
		       "dsn_lost=%llu probes=%llu probes_lost=%llu probe_acks=%llu keepalives=%llu\n",
		       (unsigned long long)(now - a->start_ms), a->o.ifaces[i].name,
		       a->o.ifaces[i].ifname, mc_ccm_conn_id(a->ccm, i),
		       !p->exists ? "gone" : p->obs.up ? "up" : "down", p->ul_ok ? "on" : "off",
		       p->port, (unsigned long long)ps.tx_pkts, (unsigned long long)ps.tx_bytes,
		       (unsigned long long)ps.tx_errors, (unsigned long long)ps.rx_pkts,
		       (unsigned long long)ps.rx_bytes, (unsigned long long)ps.rx_bad,
		       (unsigned long long)ps.dsn_lost, (unsigned long long)ps.probes_rx,
		       (unsigned long long)ps.probes_lost, (unsigned long long)ps.probe_acks_tx,
		       (unsigned long long)ps.keepalives_rx);
	}
	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		struct mc_esp_stats es;
		char line[1024];
		int o;

		mc_madp_esp_stats(a->madp, i, &es);
		if (!mc_madp_ipsec(a->madp, i))
			continue;
		o = snprintf(line, sizeof(line),
			     "stats t_ms=%llu ipsec=%s conn=%d suite=%s esn=%s spi_out=0x%08x "
			     "spi_in=0x%08x spi_in_old=0x%08x rekeys=%llu esp_tx=%llu esp_rx=%llu "
			     "esp_rx_old_sa=%llu esp_keepalive=%llu esp_plaintext=%llu",
			     (unsigned long long)(now - a->start_ms), a->o.ifaces[i].name,
			     mc_ccm_conn_id(a->ccm, i), mc_esp_suite_flag((enum esp_suite)a->o.ipsec_suite),
			     a->o.ipsec_esn ? "on" : "off", es.spi_out, es.spi_in, es.spi_in_old,
			     (unsigned long long)es.rekeys, (unsigned long long)es.tx,
			     (unsigned long long)es.rx, (unsigned long long)es.rx_old_sa,
			     (unsigned long long)es.keepalive, (unsigned long long)es.plaintext);
		/* Every refusal by its esp_err.h name. */
		for (unsigned r = ESP_OK + 1; r < ESP_ERR_COUNT && o > 0 && (size_t)o < sizeof(line);
		     r++)
			o += snprintf(line + o, sizeof(line) - (size_t)o, " %s=%llu", esp_err_name(r),
				      (unsigned long long)es.err[r]);
		printf("%s\n", line);
	}
	mc_madp_stats(a->madp, &ms);
	mc_ccm_stats(a->ccm, &cs);
	printf("stats t_ms=%llu session=%u state=%s ul_sdus=%llu ul_bytes=%llu ul_no_path=%llu "
	       "ul_paused=%llu ul_bad=%llu dl_sdus=%llu dl_bytes=%llu dl_ctrl=%llu dl_no_buf=%llu "
	       "reordered=%llu reorder_timed_out=%llu reorder_drops=%llu held=%u "
	       "reorder_hold_avg_ms=%.1f reorder_hold_max_ms=%u tun_errors=%llu "
	       "msgs_in=%llu msgs_out=%llu retransmits=%llu\n",
	       (unsigned long long)(now - a->start_ms), mc_ccm_session_id(a->ccm),
	       mc_ccm_state_name(mc_ccm_state(a->ccm)), (unsigned long long)ms.ul_sdus,
	       (unsigned long long)ms.ul_bytes, (unsigned long long)ms.ul_no_path,
	       (unsigned long long)ms.ul_paused, (unsigned long long)ms.ul_bad,
	       (unsigned long long)ms.dl_sdus, (unsigned long long)ms.dl_bytes,
	       (unsigned long long)ms.dl_ctrl, (unsigned long long)ms.dl_no_buf,
	       (unsigned long long)ms.reorder.reordered, (unsigned long long)ms.reorder.timed_out,
	       (unsigned long long)ms.dl_reorder_drops, mc_madp_held(a->madp),
	       ms.reorder.reordered != 0 ? (double)ms.reorder.hold_ms_sum / ms.reorder.reordered : 0.0,
	       ms.reorder.hold_ms_max,
	       (unsigned long long)a->tun_write_errors, (unsigned long long)cs.msgs_in,
	       (unsigned long long)cs.msgs_out, (unsigned long long)cs.retransmits);
	fflush(stdout);
}

/* ---- Packets ---------------------------------------------------------------------- */

static void rx_path(struct app *a, unsigned i, uint64_t now)
{
	struct path *p = &a->paths[i];

	for (int k = 0; k < RX_BATCH; k++) {
		size_t cap = 0;
		uint8_t *buf = mc_madp_rx_buf(a->madp, &cap);
		ssize_t n;

		if (buf == NULL) {
			/* Every buffer is held: read and drop (counted dl_no_buf). */
			if (recv(p->fd, a->scratch, sizeof(a->scratch), MSG_DONTWAIT) < 0)
				return;
			continue;
		}
		n = recv(p->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return;
		if ((size_t)n > cap)
			continue; /* longer than a buffer: truncated, dropped (the buffer stays reserved) */
		mc_madp_downlink(a->madp, i, (size_t)n, now);
	}
}

static void tx_tun(struct app *a, uint64_t now)
{
	for (int k = 0; k < TUN_BATCH && !mc_madp_ul_paused(a->madp); k++) {
		ssize_t n = read(a->tun_fd, a->ul_buf, sizeof(a->ul_buf));

		if (n <= 0)
			return;
		a->tun_read_bytes += (uint64_t)n;
		mc_madp_uplink(a->madp, a->ul_buf, (size_t)n, now);
	}
}

/* ---- Set-up and the loop ------------------------------------------------------------- */

static int startup(struct app *a, char *err, size_t errlen)
{
	struct mc_madp_cfg mcfg;
	struct mc_madp_io mio = { .opaque = a, .send = madp_send, .deliver = madp_deliver };
	struct mc_ccm_cfg ccfg;
	struct mc_ccm_ops cops = {
		.opaque = a, .send = ccm_send, .setup = ccm_setup, .path = ccm_path,
		.steer = ccm_steer, .ul_pause = ccm_pause, .state = ccm_state,
		.counters = ccm_counters, .signal = ccm_signal, .log = ccm_log,
	};
	struct mc_ws_cfg wcfg;
	struct mc_ws_ops wops = { .opaque = a, .on_open = ws_open, .on_text = ws_text,
				  .on_close = ws_close };
	const char *files[3][2] = { { "--ca", a->o.ca }, { "--cert", a->o.cert },
				    { "--key", a->o.key } };
	uint32_t max_mtu = 1500;
	sigset_t ss;

	for (unsigned i = 0; i < 3; i++)
		if (files[i][1][0] != '\0' && access(files[i][1], R_OK) != 0)
			return snprintf(err, errlen, "%s %s: %s", files[i][0], files[i][1],
					strerror(errno)),
			       -1;
	a->ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (a->ioctl_fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -1;
	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		struct path *p = &a->paths[i];

		p->fd = -1;
		if (if_nametoindex(a->o.ifaces[i].ifname) == 0)
			return snprintf(err, errlen, "--iface %s=%s: no interface named %s",
					a->o.ifaces[i].name, a->o.ifaces[i].ifname,
					a->o.ifaces[i].ifname),
			       -1;
		if (strcmp(a->o.ifaces[i].ifname, a->o.tun) == 0)
			return snprintf(err, errlen, "--iface %s=%s: that is the --tun device",
					a->o.ifaces[i].name, a->o.ifaces[i].ifname),
			       -1;
		p->exists = mc_iface_read(a->ioctl_fd, a->o.ifaces[i].ifname,
					  a->o.ifaces[i].type == CP_CONN_WIFI, &p->obs);
		if (p->obs.mtu > max_mtu)
			max_mtu = p->obs.mtu;
	}
	a->tun_fd = mc_tun_open(a->o.tun, err, errlen);
	if (a->tun_fd < 0)
		return -1;
	a->nl_fd = mc_nl_open(err, errlen);
	if (a->nl_fd < 0)
		return -1;
	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		char e2[256];

		if (bind_path(a, i, e2, sizeof(e2)) != 0)
			return snprintf(err, errlen, "--iface %s=%s: %s", a->o.ifaces[i].name,
					a->o.ifaces[i].ifname, e2),
			       -1;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->sig_fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sig_fd < 0)
		return snprintf(err, errlen, "signalfd: %s", strerror(errno)), -1;

	memset(&mcfg, 0, sizeof(mcfg));
	mcfg.method = a->o.method;
	mcfg.mx_dialect = a->o.mx_dialect;
	mcfg.mx_port = a->o.mx_port;
	mcfg.reorder_window = a->o.reorder_window;
	mcfg.reorder_timeout_ms = a->o.reorder_timeout_ms;
	mcfg.deliver_late = true;
	mcfg.reasm.max_bytes = 65536;
	mcfg.reasm.timeout_ms = a->o.reorder_timeout_ms;
	mcfg.reasm.slots = 4;
	mcfg.n_bufs = a->o.reorder_window * 2u < 1024u ? 1024u : a->o.reorder_window * 2u;
	mcfg.buf_size = max_mtu + 64u > 2048u ? (max_mtu + 64u > 65535u ? 65535u : max_mtu + 64u)
					      : 2048u;
	mcfg.n_paths = a->o.n_ifaces;
	mcfg.esp_suite = (enum esp_suite)a->o.ipsec_suite;
	mcfg.esp_esn = a->o.ipsec_esn;
	mcfg.esp_replay_window = a->o.ipsec_replay_window;
	mcfg.esp_rekey_grace_ms = a->o.ipsec_rekey_grace_ms;
	a->madp = mc_madp_create(&mcfg, &mio);
	if (a->madp == NULL)
		return snprintf(err, errlen, "out of memory (%u downlink buffers of %u bytes)",
				mcfg.n_bufs, mcfg.buf_size),
		       -1;

	memset(&ccfg, 0, sizeof(ccfg));
	ccfg.n_ifaces = a->o.n_ifaces;
	memcpy(ccfg.ifaces, a->o.ifaces, sizeof(ccfg.ifaces));
	for (unsigned i = 0; i < a->o.n_ifaces; i++)
		ccfg.udp_port[i] = a->paths[i].port;
	ccfg.timeout_ms = a->o.timeout_ms;
	ccfg.retries = a->o.retries;
	ccfg.keep_alive_ms = a->o.keep_alive_ms;
	ccfg.mx_port = a->o.mx_port;
	a->ccm = mc_ccm_create(&ccfg, &cops);
	if (a->ccm == NULL)
		return snprintf(err, errlen, "out of memory"), -1;
	for (unsigned i = 0; i < a->o.n_ifaces; i++) {
		char b1[16];

		mc_ccm_iface(a->ccm, i, &a->paths[i].obs, now_ms());
		apply_path(a, i);
		logmsg(MC_LOG_INFO, "%s (%s): %s%s%s, MTU %u, UDP port %u", a->o.ifaces[i].name,
		       a->o.ifaces[i].ifname, a->paths[i].obs.up ? "up" : "down",
		       a->paths[i].obs.ipv4 ? ", " : "",
		       a->paths[i].obs.ipv4 ? ip_s(a->paths[i].obs.ipv4, b1) : "",
		       a->paths[i].obs.mtu, a->paths[i].port);
	}

	memset(&wcfg, 0, sizeof(wcfg));
	wcfg.wss = a->o.wss;
	wcfg.host = a->o.host;
	wcfg.port = a->o.port;
	wcfg.path = a->o.path;
	wcfg.ca = a->o.ca;
	wcfg.cert = a->o.cert;
	wcfg.key = a->o.key;
	wcfg.token = a->o.token;
	wcfg.subprotocol = a->o.subprotocol;
	wcfg.timeout_ms = a->o.timeout_ms;
	wcfg.verbose = a->o.verbose;
	a->ws = mc_ws_create(&wcfg, &wops, err, errlen);
	if (a->ws == NULL)
		return -1;
	return 0;
}

static void loop(struct app *a)
{
	struct pollfd pfd[8 + MC_MAX_IFACES + 32];

	a->start_ms = now_ms();
	a->next_iface_ms = a->start_ms + IFACE_POLL_MS;
	a->next_stats_ms = a->o.stats_interval_ms ? a->start_ms + a->o.stats_interval_ms : UINT64_MAX;
	a->reconnect_at = a->start_ms;
	while (!a->quit) {
		uint64_t now = now_ms(), d;
		unsigned n = 0, i_sig, i_nl, i_tun = ~0u, i_udp[MC_MAX_IFACES], n_ws;
		int timeout;

		if (a->reconnect_at != 0 && now >= a->reconnect_at && !mc_ws_busy(a->ws) &&
		    !mc_ccm_finished(a->ccm)) {
			a->reconnect_at = 0;
			mc_ws_connect(a->ws);
		}
		if (a->o.run_ms != 0 && !a->terminating && now - a->start_ms >= a->o.run_ms) {
			logmsg(MC_LOG_INFO, "--run-ms %llu reached: terminating the session",
			       (unsigned long long)a->o.run_ms);
			a->terminating = true;
			mc_ccm_terminate(a->ccm, now);
		}
		if (mc_ccm_finished(a->ccm))
			break;

		d = mc_ccm_next_deadline(a->ccm);
		{
			/* Already polled this round: at least a millisecond, never a spin. */
			uint64_t md = mc_madp_next_deadline(a->madp, now);

			if (md <= now)
				md = now + 1;
			if (md < d)
				d = md;
		}
		if (a->next_stats_ms < d)
			d = a->next_stats_ms;
		if (a->next_iface_ms < d)
			d = a->next_iface_ms;
		if (a->reconnect_at != 0 && a->reconnect_at < d)
			d = a->reconnect_at;
		if (a->o.run_ms != 0 && !a->terminating && a->start_ms + a->o.run_ms < d)
			d = a->start_ms + a->o.run_ms;
		timeout = d <= now ? 0 : d - now > LOOP_MAX_WAIT_MS ? LOOP_MAX_WAIT_MS : (int)(d - now);
		if (mc_ws_pending(a->ws))
			timeout = 0;

		i_sig = n;
		pfd[n++] = (struct pollfd){ .fd = a->sig_fd, .events = POLLIN };
		i_nl = n;
		pfd[n++] = (struct pollfd){ .fd = a->nl_fd, .events = POLLIN };
		if (a->have_setup && !mc_madp_ul_paused(a->madp)) {
			i_tun = n;
			pfd[n++] = (struct pollfd){ .fd = a->tun_fd, .events = POLLIN };
		}
		for (unsigned i = 0; i < a->o.n_ifaces; i++) {
			i_udp[i] = n;
			pfd[n++] = (struct pollfd){ .fd = a->paths[i].fd, .events = POLLIN };
		}
		n_ws = mc_ws_pollfds(a->ws, pfd + n, (unsigned)(sizeof(pfd) / sizeof(pfd[0])) - n);
		n += n_ws;

		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			fatal_runtime(a, strerror(errno));
			break;
		}
		now = now_ms();
		if (pfd[i_sig].revents & POLLIN)
			on_signal(a);
		if ((pfd[i_nl].revents & POLLIN) && mc_nl_drain(a->nl_fd))
			refresh_ifaces(a, now);
		for (unsigned i = 0; i < a->o.n_ifaces; i++)
			if (pfd[i_udp[i]].revents & POLLIN)
				rx_path(a, i, now);
		if (i_tun != ~0u && (pfd[i_tun].revents & POLLIN))
			tx_tun(a, now);
		mc_ws_service(a->ws);
		now = now_ms();
		mc_ccm_tick(a->ccm, now);
		mc_madp_poll(a->madp, now);
		if (now >= a->next_iface_ms) {
			a->next_iface_ms = now + IFACE_POLL_MS;
			refresh_ifaces(a, now);
		}
		if (now >= a->next_stats_ms) {
			a->next_stats_ms += a->o.stats_interval_ms;
			if (a->next_stats_ms <= now)
				a->next_stats_ms = now + a->o.stats_interval_ms;
			print_stats(a, now);
		}
	}
}

/* Closes the WebSocket politely (bounded) and releases everything. */
static void shutdown_all(struct app *a)
{
	if (a->madp != NULL)
		mc_madp_flush(a->madp);
	if (a->ws != NULL && mc_ws_busy(a->ws)) {
		uint64_t end = now_ms() + CLOSE_WAIT_MS;

		mc_ws_close(a->ws, 1000, "session ended");
		while (mc_ws_busy(a->ws) && now_ms() < end) {
			struct pollfd pfd[32];
			unsigned n = mc_ws_pollfds(a->ws, pfd, 32);

			poll(pfd, n, 10);
			mc_ws_service(a->ws);
		}
	}
	if (a->o.stats_interval_ms != 0 && a->madp != NULL && a->ccm != NULL)
		print_stats(a, now_ms());
	mc_ws_destroy(a->ws);
	mc_ccm_destroy(a->ccm);
	mc_madp_destroy(a->madp); /* wipes the SAs */
	explicit_bzero(&a->setup, sizeof(a->setup)); /* the shared secrets */
	for (unsigned i = 0; i < a->o.n_ifaces; i++)
		if (a->paths[i].fd >= 0)
			close(a->paths[i].fd);
	if (a->tun_fd >= 0)
		close(a->tun_fd);
	if (a->nl_fd >= 0)
		close(a->nl_fd);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	if (a->ioctl_fd >= 0)
		close(a->ioctl_fd);
}

int main(int argc, char **argv)
{
	struct app *a = calloc(1, sizeof(*a));
	char err[512];
	int rc;

	if (a == NULL) {
		fprintf(stderr, "mams-client: out of memory\n");
		return 1;
	}
	g_app = a;
	a->tun_fd = a->nl_fd = a->sig_fd = a->ioctl_fd = -1;
	for (unsigned i = 0; i < MC_MAX_IFACES; i++)
		a->paths[i].fd = -1;
	mc_opts_default(&a->o);
	if (mc_opts_parse(&a->o, argc, argv, getenv("MAMS_TOKEN"), err, sizeof(err)) != 0) {
		fprintf(stderr, "mams-client: %s\n", err);
		free(a);
		return 1;
	}
	if (a->o.help) {
		fputs(mc_opts_usage(), stdout);
		free(a);
		return 0;
	}
	if (startup(a, err, sizeof(err)) != 0) {
		fprintf(stderr, "mams-client: %s\n", err);
		shutdown_all(a);
		free(a);
		return 1;
	}
	logmsg(MC_LOG_INFO, "GMA method %s, MX dialect %s, TUN %s, IPsec (where the NCM asks) %s "
	       "ESN %s", mc_method_name(a->o.method),
	       a->o.mx_dialect == MX_DIALECT_RFC8743 ? "rfc8743" : "up09", a->o.tun,
	       mc_esp_suite_flag((enum esp_suite)a->o.ipsec_suite), a->o.ipsec_esn ? "on" : "off");
	loop(a);
	if (a->fatal[0] != '\0')
		logmsg(MC_LOG_ERR, "%s", a->fatal);
	rc = a->exit_code;
	if (rc == 0 && mc_ccm_state(a->ccm) == MC_CCM_FAILED)
		rc = 2;
	shutdown_all(a);
	free(a);
	return rc;
}
