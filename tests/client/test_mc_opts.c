/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's flags and configuration file (tools/client/mc_opts.c):
 * defaults, every flag, and a message naming the flag and the value for
 * every mistake.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_esp.h"
#include "mc_opts.h"

static struct mc_opts o;
static char err[512];

/* argv from a NULL-terminated list. */
static int parse(const char *env_token, ...)
{
	char *argv[48];
	va_list ap;
	int n = 1;
	char *a;

	argv[0] = "mams-client";
	va_start(ap, env_token);
	while ((a = va_arg(ap, char *)) != NULL) {
		cr_assert_lt(n, 47);
		argv[n++] = a;
	}
	va_end(ap);
	mc_opts_default(&o);
	err[0] = '\0';
	return mc_opts_parse(&o, n, argv, env_token, err, sizeof(err));
}

#define OK(...) cr_assert_eq(parse(NULL, __VA_ARGS__, NULL), 0, "%s", err)
#define BAD(needle, ...)                                                                    \
	do {                                                                                \
		cr_assert_eq(parse(NULL, __VA_ARGS__, NULL), -1, "accepted");               \
		cr_assert(strstr(err, needle) != NULL, "\"%s\" not in \"%s\"", needle, err); \
	} while (0)

Test(opts, defaults)
{
	OK("--ncm", "ws://192.0.2.1:8765/", "--iface", "wifi=wlan0");
	cr_assert_not(o.wss);
	cr_assert_str_eq(o.host, "192.0.2.1");
	cr_assert_eq(o.port, 8765);
	cr_assert_str_eq(o.path, "/");
	cr_assert_eq(o.n_ifaces, 1);
	cr_assert_str_eq(o.ifaces[0].name, "wifi");
	cr_assert_eq(o.ifaces[0].type, CP_CONN_WIFI);
	cr_assert_str_eq(o.ifaces[0].ifname, "wlan0");
	cr_assert_not(o.ifaces[0].has_conn_id);
	cr_assert_str_eq(o.tun, "mams0");
	cr_assert_eq(o.method, GMA_METHOD_TRAILER);
	cr_assert_eq(o.mx_dialect, MX_DIALECT_RFC8743, "the NCM's default dialect");
	cr_assert_eq(o.mx_port, 9999);
	cr_assert(o.subprotocol);
	cr_assert_eq(o.timeout_ms, 3000);
	cr_assert_eq(o.retries, 3);
	cr_assert_eq(o.keep_alive_ms, 60000);
	cr_assert_eq(o.reorder_timeout_ms, 100);
	cr_assert_eq(o.stats_interval_ms, 0);
	cr_assert_eq(o.run_ms, 0);
}

Test(opts, every_flag)
{
	OK("--ncm=wss://ncm.example.net:9443/mams", "--iface", "wifi=wlan0:1",
	   "--iface", "LTE=wwan0", "--iface", "5g=wwan1:4", "--tun", "mc1", "--gma-method",
	   "nonip", "--mx-dialect", "up09", "--mx-port", "7777", "--ca", "/etc/ca.pem",
	   "--cert", "c.pem", "--key", "k.pem", "--token", "s3cret", "--subprotocol", "none",
	   "--timeout-ms", "500", "--retries=5", "--keep-alive-ms", "20000",
	   "--reorder-timeout-ms", "50", "-v");
	cr_assert(o.wss);
	cr_assert_str_eq(o.host, "ncm.example.net");
	cr_assert_eq(o.port, 9443);
	cr_assert_str_eq(o.path, "/mams");
	cr_assert_eq(o.n_ifaces, 3);
	cr_assert(o.ifaces[0].has_conn_id);
	cr_assert_eq(o.ifaces[0].conn_id, 1);
	cr_assert_eq(o.ifaces[1].type, CP_CONN_LTE);
	cr_assert_str_eq(o.ifaces[1].name, "lte", "names are lower case");
	cr_assert_eq(o.ifaces[2].type, CP_CONN_5G_NR);
	cr_assert_eq(o.ifaces[2].conn_id, 4);
	cr_assert_str_eq(o.tun, "mc1");
	cr_assert_eq(o.method, GMA_METHOD_NONIP);
	cr_assert_eq(o.mx_dialect, MX_DIALECT_UP09);
	cr_assert_eq(o.mx_port, 7777);
	cr_assert_str_eq(o.ca, "/etc/ca.pem");
	cr_assert_str_eq(o.token, "s3cret");
	cr_assert_not(o.subprotocol);
	cr_assert_eq(o.timeout_ms, 500);
	cr_assert_eq(o.retries, 5);
	cr_assert_eq(o.keep_alive_ms, 20000);
	cr_assert_eq(o.reorder_timeout_ms, 50);
	cr_assert_eq(o.verbose, 1);

	OK("--ncm", "ws://[2001:db8::1]:80/", "--iface", "wifi=a", "--route", "10.0.0.0/8",
	   "--route", "0.0.0.0/0", "--stats-interval-ms", "250", "--run-ms", "4000");
	cr_assert_str_eq(o.host, "2001:db8::1");
	cr_assert_eq(o.n_routes, 2);
	cr_assert_eq(o.routes[0].net, 0x0A000000u);
	cr_assert_eq(o.routes[0].mask, 0xFF000000u);
	cr_assert_eq(o.routes[1].mask, 0);
	cr_assert_eq(o.stats_interval_ms, 250);
	cr_assert_eq(o.run_ms, 4000);
}

Test(opts, default_ports_and_paths)
{
	OK("--ncm", "wss://ncm", "--iface", "wifi=a");
	cr_assert_eq(o.port, 443);
	cr_assert_str_eq(o.path, "/");
	OK("--ncm", "ws://ncm", "--iface", "wifi=a");
	cr_assert_eq(o.port, 80);
}

Test(opts, two_paths_of_one_type_get_distinct_names)
{
	OK("--ncm", "ws://h:1/", "--iface", "lte=wwan0", "--iface", "lte=wwan1");
	cr_assert_str_eq(o.ifaces[0].name, "lte");
	cr_assert_str_eq(o.ifaces[1].name, "lte2");
}

Test(opts, token_from_the_environment_unless_given)
{
	char *argv[] = { "mams-client", "--ncm", "ws://h:1/", "--iface", "wifi=a" };
	char *argv2[] = { "mams-client", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--token", "flag" };

	mc_opts_default(&o);
	cr_assert_eq(mc_opts_parse(&o, 5, argv, "from-env", err, sizeof(err)), 0);
	cr_assert_str_eq(o.token, "from-env");
	mc_opts_default(&o);
	cr_assert_eq(mc_opts_parse(&o, 7, argv2, "from-env", err, sizeof(err)), 0);
	cr_assert_str_eq(o.token, "flag");
	mc_opts_default(&o);
	cr_assert_eq(mc_opts_parse(&o, 5, argv, "bad token", err, sizeof(err)), -1);
	cr_assert(strstr(err, "MAMS_TOKEN") != NULL, "%s", err);
}

Test(opts, mistakes_name_the_flag_and_value)
{
	BAD("--ncm ws[s]://HOST:PORT/ is required", "--iface", "wifi=a");
	BAD("at least one --iface", "--ncm", "ws://h:1/");
	BAD("--ncm http://h/: expected ws://", "--ncm", "http://h/", "--iface", "wifi=a");
	BAD("port \"99999\" is not in 1..65535", "--ncm", "ws://h:99999/", "--iface", "wifi=a");
	BAD("--ncm ws://:80/: missing", "--ncm", "ws://:80/", "--iface", "wifi=a");
	BAD("unknown NAME \"wimax\"", "--ncm", "ws://h:1/", "--iface", "wimax=a");
	BAD("--iface wifi: expected NAME=IFNAME", "--ncm", "ws://h:1/", "--iface", "wifi");
	BAD("--iface wifi=a:16: connection ID \"16\" is outside 0..15", "--ncm", "ws://h:1/",
	    "--iface", "wifi=a:16");
	BAD("interface name must be 1..15", "--ncm", "ws://h:1/", "--iface",
	    "wifi=abcdefghijklmnopq");
	BAD("interface a is already given", "--ncm", "ws://h:1/", "--iface", "wifi=a",
	    "--iface", "lte=a");
	BAD("connection ID 2 is already given", "--ncm", "ws://h:1/", "--iface", "wifi=a:2",
	    "--iface", "lte=b:2");
	BAD("--gma-method trail: expected trailer, header or nonip", "--ncm", "ws://h:1/",
	    "--iface", "wifi=a", "--gma-method", "trail");
	BAD("--mx-dialect x", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--mx-dialect", "x");
	BAD("--timeout-ms 0: expected an integer in 10..3600000", "--ncm", "ws://h:1/",
	    "--iface", "wifi=a", "--timeout-ms", "0");
	BAD("--retries -1", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--retries", "-1");
	BAD("--reorder-window 1000: must be a power of 2", "--ncm", "ws://h:1/", "--iface",
	    "wifi=a", "--reorder-window", "1000");
	BAD("--route 10.0.0.0/33", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--route",
	    "10.0.0.0/33");
	BAD("--run-ms soon", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--run-ms", "soon");
	BAD("unknown option --bogus", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--bogus");
	BAD("--tun needs a value", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--tun");
	BAD("unexpected argument \"extra\"", "--ncm", "ws://h:1/", "--iface", "wifi=a",
	    "extra");
	BAD("--cert needs --key", "--ncm", "wss://h:1/", "--iface", "wifi=a", "--cert", "c");
	BAD("--ca is for wss:// only", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--ca", "c");
	BAD("--token: the token must be visible ASCII", "--ncm", "ws://h:1/", "--iface",
	    "wifi=a", "--token", "a b");
	BAD("--subprotocol wamp", "--ncm", "ws://h:1/", "--iface", "wifi=a", "--subprotocol",
	    "wamp");
	BAD("--verbose takes no value", "--ncm", "ws://h:1/", "--iface", "wifi=a",
	    "--verbose=2");
}

Test(opts, help_needs_nothing_else)
{
	OK("--help");
	cr_assert(o.help);
	cr_assert(strstr(mc_opts_usage(), "--gma-method") != NULL);
}

Test(opts, configuration_file)
{
	char path[] = "/tmp/mc-opts-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "# mams-client\n\nncm = ws://192.0.2.1:8765/\niface = wifi=wlan0\n"
		   "  iface=lte=wwan0:3  \ngma-method = header\nipsec-suite = aes256-cbc-sha256\n"
		   "ipsec-esn = off\n");
	fclose(f);
	OK("--config", path, "--gma-method", "nonip");
	cr_assert_eq(o.ipsec_suite, ESP_SUITE_AES256_CBC_SHA256);
	cr_assert_not(o.ipsec_esn);
	cr_assert_eq(o.n_ifaces, 2);
	cr_assert_eq(o.ifaces[1].conn_id, 3);
	cr_assert_eq(o.method, GMA_METHOD_NONIP, "a later flag wins");
	f = fopen(path, "w");
	fprintf(f, "ncm = ws://h:1/\nretries = lots\n");
	fclose(f);
	BAD(":2: --retries lots", "--config", path);
	f = fopen(path, "w");
	fprintf(f, "just words\n");
	fclose(f);
	BAD(":1: expected key = value", "--config", path);
	unlink(path);
	BAD("--config /nonexistent/x: No such file", "--config", "/nonexistent/x");
}

Test(opts, ipsec_defaults_and_flags)
{
	static const struct {
		const char *name;
		int suite;
	} suites[] = {
		{ "aes128-gcm", ESP_SUITE_AES128_GCM },
		{ "aes256-gcm", ESP_SUITE_AES256_GCM },
		{ "aes128-cbc-sha256", ESP_SUITE_AES128_CBC_SHA256 },
		{ "aes256-cbc-sha256", ESP_SUITE_AES256_CBC_SHA256 },
	};

	OK("--ncm", "ws://192.0.2.1:8765/", "--iface", "wifi=wlan0");
	cr_assert_eq(o.ipsec_suite, ESP_SUITE_AES128_GCM);
	cr_assert(o.ipsec_esn);
	cr_assert_eq(o.ipsec_replay_window, 1024);
	cr_assert_eq(o.ipsec_rekey_grace_ms, 5000);
	for (unsigned i = 0; i < 4; i++) {
		OK("--ncm", "ws://192.0.2.1:8765/", "--iface", "wifi=wlan0", "--ipsec-suite",
		   suites[i].name);
		cr_assert_eq(o.ipsec_suite, suites[i].suite, "%s", suites[i].name);
		cr_assert_str_eq(mc_esp_suite_flag((enum esp_suite)o.ipsec_suite), suites[i].name);
	}
	OK("--ncm", "ws://192.0.2.1:8765/", "--iface", "wifi=wlan0", "--ipsec-esn", "off",
	   "--ipsec-replay-window", "32", "--ipsec-rekey-grace-ms=0");
	cr_assert_not(o.ipsec_esn);
	cr_assert_eq(o.ipsec_replay_window, 32);
	cr_assert_eq(o.ipsec_rekey_grace_ms, 0);
	OK("--ncm", "ws://192.0.2.1:8765/", "--iface", "wifi=wlan0", "--ipsec-esn", "on",
	   "--ipsec-replay-window", "4096", "--ipsec-rekey-grace-ms", "60000");
	cr_assert(o.ipsec_esn);
	cr_assert_eq(o.ipsec_replay_window, 4096);
	cr_assert_eq(o.ipsec_rekey_grace_ms, 60000);

	BAD("--ipsec-suite aes-gcm: expected aes128-gcm, aes256-gcm, aes128-cbc-sha256 or "
	    "aes256-cbc-sha256", "--ncm", "ws://h/", "--iface", "wifi=w0", "--ipsec-suite",
	    "aes-gcm");
	BAD("--ipsec-esn yes: expected on or off", "--ncm", "ws://h/", "--iface", "wifi=w0",
	    "--ipsec-esn", "yes");
	BAD("--ipsec-replay-window 1000: must be a power of 2", "--ncm", "ws://h/", "--iface",
	    "wifi=w0", "--ipsec-replay-window", "1000");
	BAD("--ipsec-replay-window 16: expected an integer in 32..4096", "--ncm", "ws://h/",
	    "--iface", "wifi=w0", "--ipsec-replay-window", "16");
	BAD("--ipsec-replay-window 8192: expected an integer in 32..4096", "--ncm", "ws://h/",
	    "--iface", "wifi=w0", "--ipsec-replay-window", "8192");
	BAD("--ipsec-rekey-grace-ms -1: expected an integer", "--ncm", "ws://h/", "--iface",
	    "wifi=w0", "--ipsec-rekey-grace-ms", "-1");
	cr_assert(strstr(mc_opts_usage(), "--ipsec-suite") != NULL);
	cr_assert(strstr(mc_opts_usage(), "--ipsec-rekey-grace-ms") != NULL);
}
