/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mamsgw binary at start-up: a configuration or start-up error names the
 * field at fault and exits non-zero; a good configuration runs and stops
 * cleanly with its counters.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EAL "--no-huge --no-shconf --no-pci -m 256 -l 0,1 --log-level=1"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mamsgw-cli-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Runs mamsgw with `args`; returns its exit status, output in out[]. */
static int run(const char *args, char *out, size_t cap)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	/* A runtime directory of our own, removed afterwards (EAL leaves it). */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && timeout 30 %s --file-prefix=mamsgw-cli-%d %s 2>&1; rc=$?; "
		 "rmdir /var/run/dpdk/mamsgw-cli-%d 2>/dev/null; exit $rc",
		 dir, MAMSGW_BIN, (int)getpid(), args, (int)getpid());
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	st = pclose(p);
	cr_assert(WIFEXITED(st), "mamsgw did not exit normally: %s", out);
	return WEXITSTATUS(st);
}

static const char *good_ports =
	"\"ports\": ["
	"{\"name\": \"wifi\", \"device\": \"net_pcap0\", \"role\": \"access\", \"ipv4\": "
	"\"192.0.2.1\", \"next_hop_mac\": \"02:00:00:00:01:02\", \"gma_udp_ports\": [10020]},"
	"{\"name\": \"core\", \"device\": \"net_pcap1\", \"role\": \"core\", \"ipv4\": "
	"\"203.0.113.1\", \"next_hop_mac\": \"02:00:00:00:03:02\"}]";

static const char *vdevs = "--vdev net_pcap0,rx_pcap=empty.pcap,tx_pcap=o0.pcap "
			   "--vdev net_pcap1,rx_pcap=empty.pcap,tx_pcap=o1.pcap";

static void empty_pcap(void)
{
	/* A pcap global header (little-endian, Ethernet) and no packet. */
	static const unsigned char hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
					      0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/empty.pcap", dir);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 60);

Test(cli, bad_field_is_named_and_exit_is_nonzero)
{
	char out[8192], args[512];
	char cfg[1024];

	empty_pcap();
	snprintf(cfg, sizeof(cfg), "{\"dataplane\": {\"workers\": 1}, %s}", good_ports);
	/* The second port's address is not an IPv4 address. */
	char *bad = strstr(cfg, "203.0.113.1");
	memcpy(bad, "203.0.113.x", 11);
	write_file("bad.json", cfg);
	snprintf(args, sizeof(args), EAL " %s -- --config bad.json", vdevs);
	cr_assert_eq(run(args, out, sizeof(out)), 1, "%s", out);
	cr_assert_not_null(strstr(out, "ports[1].ipv4"), "message: %s", out);
}

Test(cli, unknown_device_is_named)
{
	char out[8192], args[512], cfg[1024];

	empty_pcap();
	snprintf(cfg, sizeof(cfg), "{\"dataplane\": {\"workers\": 1}, %s}", good_ports);
	write_file("c.json", cfg);
	/* net_pcap1 is not given to EAL. */
	snprintf(args, sizeof(args),
		 EAL " --vdev net_pcap0,rx_pcap=empty.pcap,tx_pcap=o0.pcap -- --config c.json");
	cr_assert_eq(run(args, out, sizeof(out)), 1, "%s", out);
	cr_assert_not_null(strstr(out, "ports[1].device"), "message: %s", out);
	cr_assert_not_null(strstr(out, "net_pcap1"), "message: %s", out);
}

Test(cli, too_many_workers_for_the_lcores)
{
	char out[8192], args[512], cfg[1024];

	empty_pcap();
	snprintf(cfg, sizeof(cfg), "{\"dataplane\": {\"workers\": 4}, %s}", good_ports);
	write_file("c.json", cfg);
	snprintf(args, sizeof(args), EAL " %s -- --config c.json", vdevs);
	cr_assert_eq(run(args, out, sizeof(out)), 1, "%s", out);
	cr_assert_not_null(strstr(out, "dataplane.workers"), "message: %s", out);
}

Test(cli, missing_config_file_and_usage)
{
	char out[8192], args[512];

	snprintf(args, sizeof(args), EAL " %s -- --config nowhere.json", vdevs);
	cr_assert_eq(run(args, out, sizeof(out)), 1, "%s", out);
	cr_assert_not_null(strstr(out, "nowhere.json"), "message: %s", out);
	snprintf(args, sizeof(args), EAL " %s", vdevs);
	cr_assert_eq(run(args, out, sizeof(out)), 1, "%s", out);
	cr_assert_not_null(strstr(out, "usage:"), "message: %s", out);
}

Test(cli, good_config_runs_and_stops_with_counters)
{
	char out[8192], args[512], cfg[1024];

	empty_pcap();
	snprintf(cfg, sizeof(cfg), "{\"dataplane\": {\"workers\": 1}, %s}", good_ports);
	write_file("c.json", cfg);
	snprintf(args, sizeof(args), EAL " %s -- --config c.json --run-ms 200", vdevs);
	cr_assert_eq(run(args, out, sizeof(out)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "mamsgw: 1 worker(s), 2 port(s), 0 static session(s)"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "rx_pkts"), "%s", out);
}
