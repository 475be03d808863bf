/* SPDX-License-Identifier: BSD-3-Clause */
/* Runner and expectation helpers of the pcap tests (dp_harness.h). */
#define _GNU_SOURCE
#include "dp_harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAMSGW_BIN
#error "MAMSGW_BIN (path of the mamsgw binary) must be defined by the build"
#endif

/* EAL leaves an empty runtime directory per file prefix: remove ours. */
void dpt_runtime_dir_remove(const char *prefix)
{
	char path[256];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	if (xdg != NULL) {
		snprintf(path, sizeof(path), "%s/dpdk/%s", xdg, prefix);
		rmdir(path);
	}
}

#define RUN_TIMEOUT_MS 30000
#define IDLE_EXIT_MS "300"

const struct dpt_port dpt_ports[DPT_NDEV] = {
	{ "wifi", 0xC0000201u, { 2, 0, 0, 0, 1, 1 }, { 2, 0, 0, 0, 1, 2 } },
	{ "lte", 0xC6336401u, { 2, 0, 0, 0, 2, 1 }, { 2, 0, 0, 0, 2, 2 } },
	{ "core", 0xCB007101u, { 2, 0, 0, 0, 3, 1 }, { 2, 0, 0, 0, 3, 2 } },
};

struct dpt_path dpt_path_wifi(void)
{
	return (struct dpt_path){ .conn_id = 3, .port = DPT_WIFI, .client_ip = pu_ip4("192.0.2.10"),
				  .client_port = 5000 };
}

struct dpt_path dpt_path_lte(void)
{
	return (struct dpt_path){ .conn_id = 7, .port = DPT_LTE, .client_ip = pu_ip4("198.51.100.10"),
				  .client_port = 5001, .gw_port = 10021 };
}

static uint16_t gw_port_of(const struct dpt_path *p)
{
	return p->gw_port ? p->gw_port : 10020;
}

enum gma_method dpt_method(const char *name)
{
	if (strcmp(name, "header") == 0)
		return GMA_METHOD_HEADER_IP;
	if (strcmp(name, "nonip") == 0)
		return GMA_METHOD_NONIP;
	return GMA_METHOD_TRAILER;
}

/* ---- Temp directories ---------------------------------------------------------- */

static struct dpt_run *g_runs[8];
static unsigned g_n_runs;

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void dpt_fini(void)
{
	const char *keep = getenv("DPT_KEEP");

	for (unsigned i = 0; i < g_n_runs; i++) {
		struct dpt_run *r = g_runs[i];

		if (keep != NULL && *keep == '1')
			fprintf(stderr, "dpt: kept %s\n", r->dir);
		else
			rm_dir(r->dir);
		for (unsigned d = 0; d < DPT_NDEV; d++) {
			pkt_list_free(&r->in[d]);
			pkt_list_free(&r->out[d]);
		}
		free(r->log);
		free(r);
	}
	g_n_runs = 0;
}

struct dpt_run *dpt_new(void)
{
	struct dpt_run *r = calloc(1, sizeof(*r));

	cr_assert_not_null(r);
	cr_assert_lt(g_n_runs, 8u);
	g_runs[g_n_runs++] = r;
	snprintf(r->dir, sizeof(r->dir), "/tmp/mamsgw-dpt-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
	return r;
}

void dpt_send(struct dpt_run *r, unsigned dev, const uint8_t *frame, size_t len)
{
	cr_assert_lt(dev, DPT_NDEV);
	cr_assert(len > 0, "dpt_send: empty frame");
	cr_assert_eq(pkt_list_add(&r->in[dev], frame, len), 0);
}

/* ---- Config ------------------------------------------------------------------ */

void dpt_ip_str(char buf[16], uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xFFu, (a >> 8) & 0xFFu, a & 0xFFu);
}

void dpt_mac_str(char buf[18], const uint8_t m[6])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void write_config(FILE *f, const struct dpt_run *r, const struct dpt_session *s,
			 unsigned n)
{
	char ip[16], mac[18], nh[18], nhm[48];

	fprintf(f, "{\n  \"dataplane\": { \"workers\": 1, \"mbufs\": 8191, \"mbuf_cache\": 128,"
		   " \"rx_desc\": 1024, \"tx_desc\": 1024, \"burst\": 32 },\n");
	fprintf(f, "  \"mx_control\": { \"ip\": \"%s\", \"port\": %u },\n", DPT_CTRL_IP, DPT_CTRL_PORT);
	/* A long reorder timeout: nothing may be given up while pcaps replay. */
	fprintf(f, "  \"reorder\": { \"window\": 1024, \"timeout_ms\": 5000, \"deliver_late\": true },\n");
	fprintf(f, "  \"reassembly\": { \"timeout_ms\": 5000, \"max_bytes\": 65536, \"slots\": 8 },\n");
	fprintf(f, "  \"arp\": %s,\n", r->arp_json ? r->arp_json : "{ \"gratuitous\": false }");
	fprintf(f, "  \"ports\": [\n");
	for (unsigned i = 0; i < DPT_NDEV; i++) {
		const struct dpt_port *p = &dpt_ports[i];

		dpt_ip_str(ip, p->ipv4);
		dpt_mac_str(mac, p->mac);
		dpt_mac_str(nh, p->next_hop);
		snprintf(nhm, sizeof(nhm), ", \"next_hop_mac\": \"%s\"", nh);
		fprintf(f, "    { \"name\": \"%s\", \"device\": \"net_pcap%u\", \"role\": \"%s\", "
			   "\"ipv4\": \"%s\", \"mac\": \"%s\"%s%s%s%s }%s\n",
			p->name, i, i == DPT_CORE ? "core" : "access", ip, mac,
			r->no_next_hop[i] ? "" : nhm, r->port_extra[i] ? ", " : "",
			r->port_extra[i] ? r->port_extra[i] : "",
			i == DPT_WIFI ? ", \"gma_udp_ports\": [10020]"
			: i == DPT_LTE ? ", \"gma_udp_ports\": [10020, 10021]" : "",
			i + 1 < DPT_NDEV ? "," : "");
	}
	fprintf(f, "  ],\n  \"sessions\": [\n");
	for (unsigned k = 0; k < n; k++) {
		dpt_ip_str(ip, s[k].anchor);
		fprintf(f, "    { \"id\": %u, \"anchor_ip\": \"%s\", \"method\": \"%s\"", s[k].id, ip,
			s[k].method);
		if (s[k].dl_fields)
			fprintf(f, ", \"dl_fields\": %s", s[k].dl_fields);
		if (s[k].dialect)
			fprintf(f, ", \"mx_dialect\": \"%s\"", s[k].dialect);
		if (s[k].extra)
			fprintf(f, ", %s", s[k].extra);
		fprintf(f, ",\n      \"paths\": [\n");
		for (unsigned i = 0; i < s[k].n_paths; i++) {
			const struct dpt_path *p = &s[k].paths[i];

			dpt_ip_str(ip, p->client_ip);
			fprintf(f, "        { \"conn_id\": %u, \"port\": \"%s\", \"client_ip\": \"%s\", "
				   "\"client_port\": %u, \"gw_port\": %u",
				p->conn_id, dpt_ports[p->port].name, ip, p->client_port, gw_port_of(p));
			if (p->mtu)
				fprintf(f, ", \"mtu\": %u", p->mtu);
			if (p->down)
				fprintf(f, ", \"up\": false");
			if (p->ipsec)
				fprintf(f, ", \"ipsec\": %s", p->ipsec);
			fprintf(f, " }%s\n", i + 1 < s[k].n_paths ? "," : "");
		}
		fprintf(f, "      ]");
		if (s[k].flows)
			fprintf(f, ",\n      \"flows\": %s", s[k].flows);
		fprintf(f, " }%s\n", k + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

/* ---- Running ----------------------------------------------------------------- */

char *dpt_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *buf;

	if (f == NULL)
		return strdup("");
	buf = malloc(cap);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int dpt_spawn(char *const argv[], const char *out_path, const char *err_path,
	      unsigned timeout_ms, bool *killed)
{
	uint64_t start;
	int status = 0;
	pid_t pid;

	*killed = false;
	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = err_path == NULL ? o : open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		close_range(3, ~0u, 0); /* nothing of the test runner's */
		execv(argv[0], argv);
		_exit(127);
	}
	start = now_ms();
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			cr_assert_fail("waitpid %s: %s", argv[0], strerror(errno));
		if (!*killed && now_ms() - start > timeout_ms) {
			kill(pid, SIGKILL);
			*killed = true;
		}
		usleep(5000);
	}
	return status;
}

static void parse_log(struct dpt_run *r)
{
	char *save = NULL, *line;
	bool in_ports = false;

	for (line = strtok_r(r->log, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		unsigned long a, b, c, d;
		char name[48];

		if (strncmp(line, "port ", 5) == 0 && strstr(line, "rx_pkts") != NULL) {
			in_ports = true;
			continue;
		}
		if (strncmp(line, "handoffs", 8) == 0) {
			in_ports = false;
			continue;
		}
		if (in_ports && r->n_ports < DPT_NDEV &&
		    sscanf(line, "%31s %lu %lu %lu %lu", name, &a, &b, &c, &d) == 5) {
			struct dpt_port_stats *s = &r->port[r->n_ports++];

			snprintf(s->name, sizeof(s->name), "%.31s", name);
			s->rx_pkts = a;
			s->rx_bytes = b;
			s->tx_pkts = c;
			s->tx_bytes = d;
			continue;
		}
		if (strncmp(line, "rebinds ", 8) == 0) {
			unsigned long n, f, ap, rf, st;

			if (sscanf(line, "rebinds notices %lu ring_full %lu applied %lu refused %lu "
					 "stale %lu", &n, &f, &ap, &rf, &st) == 5) {
				r->rebind_notices = n;
				r->rebind_ring_full = f;
				r->rebinds_applied = ap;
				r->rebinds_refused = rf;
				r->rebinds_stale = st;
			}
			continue;
		}
		if (strncmp(line, "arp ", 4) == 0) {
			sscanf(line, "arp requests_in %lu replies_out %lu replies_in %lu requests_out %lu "
				     "garps %lu notes %lu note_full %lu waited %lu released %lu",
			       &r->arp.requests_in, &r->arp.replies_out, &r->arp.replies_in,
			       &r->arp.requests_out, &r->arp.garps, &r->arp.notes, &r->arp.note_full,
			       &r->arp.waited, &r->arp.released);
			continue;
		}
		if (strncmp(line, "neighbors ", 10) == 0) {
			sscanf(line, "neighbors learnt %lu updated %lu expired %lu refreshes %lu "
				     "table_full %lu", &r->arp.learnt, &r->arp.updated, &r->arp.expired,
			       &r->arp.refreshes, &r->arp.table_full);
			continue;
		}
		if (strncmp(line, "icmp ", 5) == 0) {
			sscanf(line, "icmp echo_in %lu echo_out %lu", &r->arp.echo_in, &r->arp.echo_out);
			continue;
		}
		if (strncmp(line, "drop ", 5) == 0 && r->n_drops < DPT_MAX_DROPS &&
		    sscanf(line, "drop %47s %lu", name, &a) == 2) {
			snprintf(r->drop[r->n_drops].name, sizeof(r->drop[0].name), "%s", name);
			r->drop[r->n_drops++].n = a;
		}
	}
}

void dpt_exec(struct dpt_run *r, const struct dpt_session *s, unsigned n_sessions)
{
	char cfg[128], in[DPT_NDEV][128], out[DPT_NDEV][128], vdev[DPT_NDEV][320], so[128], se[128];
	char *argv[32];
	char prefix[48];
	unsigned argc = 0;
	int status;
	bool killed;
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/config.json", r->dir);
	snprintf(so, sizeof(so), "%s/stdout.txt", r->dir);
	snprintf(se, sizeof(se), "%s/stderr.txt", r->dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	write_config(f, r, s, n_sessions);
	fclose(f);

	argv[argc++] = (char *)MAMSGW_BIN;
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-shconf";
	/* A runtime directory of our own (telemetry socket): no clash with
	 * other DPDK processes on the machine. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=mamsgw-dpt-%d", (int)getpid());
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"512";
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0,1";
	for (unsigned i = 0; i < DPT_NDEV; i++) {
		snprintf(in[i], sizeof(in[i]), "%s/in%u.pcap", r->dir, i);
		snprintf(out[i], sizeof(out[i]), "%s/out%u.pcap", r->dir, i);
		cr_assert_eq(pcap_write_file(in[i], &r->in[i]), 0, "cannot write %s", in[i]);
		snprintf(vdev[i], sizeof(vdev[i]), "net_pcap%u,rx_pcap=%s,tx_pcap=%s", i, in[i], out[i]);
		argv[argc++] = (char *)"--vdev";
		argv[argc++] = vdev[i];
	}
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)"--config";
	argv[argc++] = cfg;
	argv[argc++] = (char *)"--idle-exit-ms";
	argv[argc++] = (char *)IDLE_EXIT_MS;
	argv[argc] = NULL;

	status = dpt_spawn(argv, so, se, RUN_TIMEOUT_MS, &killed);
	r->log = dpt_slurp(so);
	dpt_runtime_dir_remove(prefix + strlen("--file-prefix="));
	if (killed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *err = dpt_slurp(se);

		fprintf(stderr, "mamsgw (%s) stdout:\n%s\nstderr:\n%s\n", r->dir, r->log, err);
		free(err);
		cr_assert_fail("mamsgw %s (status 0x%x)",
			       killed ? "killed after 30 s" : "failed", (unsigned)status);
	}
	{
		char *copy = strdup(r->log);

		cr_assert_not_null(copy);
		parse_log(r); /* tokenises r->log */
		free(r->log);
		r->log = copy;
	}
	cr_assert_eq(r->n_ports, DPT_NDEV, "per-port counters missing from the output:\n%s", r->log);
	for (unsigned i = 0; i < DPT_NDEV; i++) {
		cr_assert_eq(pcap_read_file(out[i], &r->out[i]), 0, "cannot read %s", out[i]);
		cr_expect_str_eq(r->port[i].name, dpt_ports[i].name);
		cr_expect_eq(r->port[i].rx_pkts, r->in[i].n, "%s rx_pkts %lu, %zu frames sent",
			     dpt_ports[i].name, (unsigned long)r->port[i].rx_pkts, r->in[i].n);
		cr_expect_eq(r->port[i].tx_pkts, r->out[i].n, "%s tx_pkts %lu, %zu frames in its pcap",
			     dpt_ports[i].name, (unsigned long)r->port[i].tx_pkts, r->out[i].n);
	}
}

uint64_t dpt_drop(const struct dpt_run *r, const char *name)
{
	for (unsigned i = 0; i < r->n_drops; i++)
		if (strcmp(r->drop[i].name, name) == 0)
			return r->drop[i].n;
	return 0;
}

uint64_t dpt_drops_total(const struct dpt_run *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < r->n_drops; i++)
		n += r->drop[i].n;
	return n;
}

void dpt_expect_only_drops(const struct dpt_run *r, const char *const *names)
{
	for (unsigned i = 0; i < r->n_drops; i++) {
		bool ok = false;

		for (unsigned k = 0; names != NULL && names[k] != NULL; k++)
			ok |= strcmp(names[k], r->drop[i].name) == 0;
		cr_expect(ok, "unexpected drop counter %s = %lu; gateway output:\n%s", r->drop[i].name,
			  (unsigned long)r->drop[i].n, r->log);
	}
}

/* ---- Frames ------------------------------------------------------------------ */

size_t dpt_dl_sdu(uint8_t *b, size_t cap, uint32_t anchor, size_t len, uint8_t proto, uint8_t ttl,
		  unsigned seed)
{
	struct pu_ip ip = { .src = pu_ip4(DPT_SERVER), .dst = anchor, .proto = proto, .ttl = ttl,
			    .id = (uint16_t)(0x1000u + seed), .df = true };

	return pu_sdu(b, cap, &ip, 4000, 4001, len, seed);
}

size_t dpt_ul_sdu(uint8_t *b, size_t cap, uint32_t anchor, size_t len, uint8_t proto, uint8_t ttl,
		  unsigned seed)
{
	struct pu_ip ip = { .src = anchor, .dst = pu_ip4(DPT_SERVER), .proto = proto, .ttl = ttl,
			    .id = (uint16_t)(0x2000u + seed), .df = true };

	return pu_sdu(b, cap, &ip, 4001, 4000, len, seed);
}

size_t dpt_core_in(uint8_t *b, size_t cap, const uint8_t *sdu, size_t len)
{
	const struct dpt_port *c = &dpt_ports[DPT_CORE];

	return pu_eth(b, cap, c->mac, c->next_hop, PU_ETHERTYPE_IPV4, sdu, len, true);
}

size_t dpt_core_out(uint8_t *b, size_t cap, const uint8_t *sdu, size_t len)
{
	const struct dpt_port *c = &dpt_ports[DPT_CORE];

	return pu_eth(b, cap, c->next_hop, c->mac, PU_ETHERTYPE_IPV4, sdu, len, false);
}

static uint16_t g_ul_id;

size_t dpt_ul_frame(uint8_t *b, size_t cap, const struct dpt_path *p, const uint8_t *pdu,
		    size_t len)
{
	const struct dpt_port *port = &dpt_ports[p->port];
	struct pu_ip ip = { .src = p->client_ip, .dst = port->ipv4, .ttl = 64, .id = ++g_ul_id };
	uint8_t tmp[PU_FRAME_MAX];
	size_t n;

	n = pu_udp4(tmp, sizeof(tmp), &ip, p->client_port, gw_port_of(p), pdu, len, true);
	if (n == 0)
		return 0;
	return pu_eth(b, cap, port->mac, port->next_hop, PU_ETHERTYPE_IPV4, tmp, n, true);
}

size_t dpt_dl_frame(uint8_t *b, size_t cap, const struct dpt_path *p, const uint8_t *pdu,
		    size_t len)
{
	const struct dpt_port *port = &dpt_ports[p->port];
	struct pu_ip ip = { .src = port->ipv4, .dst = p->client_ip, .ttl = 64, .id = 0, .df = true };
	uint8_t tmp[PU_FRAME_MAX];
	size_t n;

	n = pu_udp4(tmp, sizeof(tmp), &ip, gw_port_of(p), p->client_port, pdu, len, false);
	if (n == 0)
		return 0;
	return pu_eth(b, cap, port->next_hop, port->mac, PU_ETHERTYPE_IPV4, tmp, n, false);
}

/* ---- Checking ---------------------------------------------------------------- */

void dpt_hexdump(const char *title, const uint8_t *p, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", title, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 ? "\n  " : i % 4 == 0 ? " " : "", p[i]);
	fprintf(stderr, "\n");
}

static void expect_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
			 const char *what)
{
	bool same = got_len == want_len && memcmp(got, want, want_len) == 0;

	if (!same) {
		size_t i = 0;

		while (i < got_len && i < want_len && got[i] == want[i])
			i++;
		fprintf(stderr, "%s: first difference at byte %zu\n", what, i);
		dpt_hexdump("  got", got, got_len);
		dpt_hexdump("  want", want, want_len);
	}
	cr_expect(same, "%s: %zu bytes differ from the expected %zu bytes", what, got_len, want_len);
}

size_t dpt_dl_decode(const struct pkt *f, const struct dpt_path *p, enum gma_method m,
		     struct gma_pdu *d, const char *what)
{
	uint8_t want[PU_FRAME_MAX];
	uint8_t got[PU_OUTER_LEN];
	size_t n, pdu_len;
	int rc;

	cr_assert_geq(f->len, PU_OUTER_LEN + 1, "%s: frame of %zu bytes", what, f->len);
	pdu_len = f->len - PU_OUTER_LEN;
	cr_assert_eq((size_t)(f->data[16] << 8 | f->data[17]), PU_IP_HLEN + PU_UDP_HLEN + pdu_len,
		     "%s: outer IPv4 total length disagrees with the %zu-byte frame", what, f->len);
	/* Outer headers byte for byte; the (optional) UDP checksum only if valid. */
	n = dpt_dl_frame(want, sizeof(want), p, f->data + PU_OUTER_LEN, pdu_len);
	cr_assert_eq(n, f->len);
	memcpy(got, f->data, PU_OUTER_LEN);
	cr_expect(pu_ipv4_cksum_ok(f->data + PU_ETH_HLEN), "%s: outer IPv4 checksum", what);
	cr_expect(pu_udp4_cksum_ok(f->data + PU_ETH_HLEN), "%s: outer UDP checksum", what);
	memcpy(want + PU_ETH_HLEN + PU_IP_HLEN + 6, got + PU_ETH_HLEN + PU_IP_HLEN + 6, 2);
	expect_bytes(got, PU_OUTER_LEN, want, PU_OUTER_LEN, what);

	rc = gma_decode(m, f->data + PU_OUTER_LEN, pdu_len, d);
	cr_assert_eq(rc, 0, "%s: gma_decode: %s", what, gma_strerror(rc));
	cr_expect_eq(d->f.flags & GMA_F_VERSION, GMA_VERSION, "%s: GMA version", what);
	return PU_OUTER_LEN;
}

void dpt_expect_dl(const struct pkt *f, const struct dpt_path *p, enum gma_method m,
		   const struct gma_fields *want, const uint8_t *sdu, size_t sdu_len,
		   const char *what)
{
	uint8_t pdu[PU_FRAME_MAX], exp_pdu[PU_FRAME_MAX], exp[PU_FRAME_MAX];
	struct gma_fields w = *want;
	struct gma_sdu sdus[4];
	struct gma_pdu d;
	size_t off = dpt_dl_decode(f, p, m, &d, what), len = f->len - off;
	uint16_t want_flags = want->flags;
	int n, elen;

	if (m != GMA_METHOD_NONIP)
		want_flags |= GMA_F_TTL;
	cr_expect_eq(d.f.flags, want_flags, "%s: flags 0x%04x, want 0x%04x", what, d.f.flags,
		     want_flags);
	if (want->flags & GMA_F_FLOW_ID)
		cr_expect_eq(d.f.flow_id, want->flow_id, "%s: Flow ID %u, want %u", what, d.f.flow_id,
			     want->flow_id);
	if (want->flags & GMA_F_FLOW_SN)
		cr_expect_eq(d.f.flow_sn, want->flow_sn, "%s: Flow SN %u, want %u", what, d.f.flow_sn,
			     want->flow_sn);
	if (want->flags & GMA_F_DELIVERY_SN)
		cr_expect_eq(d.f.delivery_sn, want->delivery_sn, "%s: Delivery SN %u, want %u", what,
			     d.f.delivery_sn, want->delivery_sn);
	if (want->flags & GMA_F_CONN_ID)
		cr_expect_eq(d.f.conn_id, want->conn_id, "%s: Connection ID %u, want %u", what,
			     d.f.conn_id, want->conn_id);
	if (m != GMA_METHOD_NONIP) {
		cr_expect_eq(d.f.ttl, sdu[8], "%s: TTL field %u, SDU TTL %u", what, d.f.ttl, sdu[8]);
		cr_expect_eq(d.f.next_header, sdu[9], "%s: Next Header %u, SDU protocol %u", what,
			     d.f.next_header, sdu[9]);
	}

	/* The SDU back, byte-identical. */
	memcpy(pdu, f->data + off, len);
	n = gma_decap_sdus(m, pdu, len, &d, sdus, 4);
	cr_assert_eq(n, 1, "%s: gma_decap_sdus gave %d", what, n);
	expect_bytes(pdu + sdus[0].off, sdus[0].len, sdu, sdu_len, what);

	/* The whole frame as the codec builds it, with the gateway's timestamp. */
	w.timestamp = d.f.timestamp;
	elen = gma_encode(m, &w, sdu, sdu_len, exp_pdu, sizeof(exp_pdu));
	cr_assert_gt(elen, 0, "%s: gma_encode: %s", what, gma_strerror(elen));
	cr_assert_gt(dpt_dl_frame(exp, sizeof(exp), p, exp_pdu, (size_t)elen), 0);
	memcpy(exp + PU_ETH_HLEN + PU_IP_HLEN + 6, f->data + PU_ETH_HLEN + PU_IP_HLEN + 6, 2);
	expect_bytes(f->data, f->len, exp, PU_OUTER_LEN + (size_t)elen, what);
}

void dpt_expect_core(const struct pkt *f, const uint8_t *sdu, size_t sdu_len, const char *what)
{
	uint8_t exp[PU_FRAME_MAX];
	size_t n = dpt_core_out(exp, sizeof(exp), sdu, sdu_len);

	cr_assert_gt(n, 0);
	/* A transmitter may pad a short frame to the Ethernet minimum with zeros. */
	if (f->len == PU_ETH_MIN && n < PU_ETH_MIN && memcmp(f->data, exp, n) == 0) {
		for (size_t i = n; i < f->len; i++)
			cr_expect_eq(f->data[i], 0, "%s: padding byte %zu not zero", what, i);
		return;
	}
	expect_bytes(f->data, f->len, exp, n, what);
}
