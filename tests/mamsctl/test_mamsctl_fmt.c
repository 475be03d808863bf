/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsctl's tables (tools/mamsctl/mamsctl_fmt.c) from JSON fixtures shaped
 * like the REST contract (tests/mamsctl/fixtures/, also served by the fake
 * server of mamsctl_cli.py): whole outputs compared where the layout is the
 * point, alignment checked column by column, missing fields, error lines.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamsctl.h"

static char *out_buf, *err_buf;
static size_t out_len, err_len;

static json_t *fixture(const char *name)
{
	char path[1024];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", MAMSCTL_FIXTURES, name);
	j = json_load_file(path, 0, &je);
	cr_assert_not_null(j, "%s: %s (line %d)", path, je.text, je.line);
	return j;
}

/* Formats `resp` as the answer to `cmd`; the output lands in out_buf/err_buf. */
static int fmt(enum mctl_cmd cmd, const json_t *resp, uint32_t session_id)
{
	struct mctl_args a = {.cmd = cmd, .method = "GET", .session_id = session_id};
	FILE *out, *err;
	int rc;

	free(out_buf);
	free(err_buf);
	out = open_memstream(&out_buf, &out_len);
	err = open_memstream(&err_buf, &err_len);
	cr_assert(out && err);
	snprintf(a.path, sizeof(a.path), "/v1/test");
	rc = mctl_fmt_result(&a, resp, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static int fmt_fixture(enum mctl_cmd cmd, const char *name, uint32_t session_id)
{
	json_t *j = fixture(name);
	int rc = fmt(cmd, j, session_id);

	json_decref(j);
	return rc;
}

/* Line n (0-based) of out_buf, or "" past the end. */
static const char *line(unsigned n)
{
	static char buf[1024];
	const char *p = out_buf;

	for (unsigned i = 0; i < n && p != NULL; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (p == NULL || *p == '\0')
		return "";
	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

static unsigned find_line(const char *prefix)
{
	for (unsigned i = 0; i < 200; i++)
		if (strncmp(line(i), prefix, strlen(prefix)) == 0)
			return i;
	cr_assert_fail("no line starting with \"%s\" in:\n%s", prefix, out_buf);
	return 0;
}

static void fini(void)
{
	free(out_buf);
	free(err_buf);
	out_buf = err_buf = NULL;
}

TestSuite(mamsctl_fmt, .fini = fini);

Test(mamsctl_fmt, health)
{
	cr_assert_eq(fmt_fixture(MCTL_HEALTH, "health.json", 0), 0);
	cr_assert_str_eq(out_buf, "status    ok\n"
				  "version   0.1.0\n"
				  "uptime_s  93784\n"
				  "sessions  3\n"
				  "workers   2\n");
	cr_assert_str_eq(err_buf, "");
}

Test(mamsctl_fmt, ports_aligned)
{
	cr_assert_eq(fmt_fixture(MCTL_PORTS, "ports.json", 0), 0);
	cr_assert_str_eq(out_buf,
		"INDEX  NAME  ROLE    IP            MAC                RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES\n"
		"    0  wifi  access  192.0.2.1     02:00:00:00:01:01     1200   1500000     3400   4100000\n"
		"    1  lte   access  198.51.100.1  02:00:00:00:02:01      800    950000     1900   2300000\n"
		"    2  core  core    203.0.113.1   02:00:00:00:03:01     5300   6200000     2000   2400000\n");
}

Test(mamsctl_fmt, missing_fields_and_wide_values)
{
	/* A port without counters, a longer name and a counter wider than its
	 * header: every column widens, numbers stay right-aligned. */
	json_t *j = json_pack("{s:[{s:i, s:s, s:s}, {s:i, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:i}]}",
			      "ports", "index", 0, "name", "core", "role", "core",
			      "index", 1, "name", "access-5g", "role", "access", "ip", "192.0.2.1",
			      "mac", "02:00:00:00:01:01", "rx_pkts", (json_int_t)123456789012LL,
			      "rx_bytes", 1, "tx_pkts", 2, "tx_bytes", 3);

	cr_assert_eq(fmt(MCTL_PORTS, j, 0), 0);
	json_decref(j);
	cr_assert_str_eq(out_buf,
		"INDEX  NAME       ROLE    IP         MAC                     RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES\n"
		"    0  core       core    -          -                             -         -        -         -\n"
		"    1  access-5g  access  192.0.2.1  02:00:00:00:01:01  123456789012         1        2         3\n");
}

Test(mamsctl_fmt, stats_sections)
{
	cr_assert_eq(fmt_fixture(MCTL_STATS, "stats.json", 0), 0);
	cr_assert_str_eq(line(0), "PORT  RX_PKTS  RX_BYTES  TX_PKTS  TX_BYTES  DROPS");
	cr_assert_str_eq(line(1), "wifi     1200   1500000     3400   4100000      5",
			 "the port's drop map summed");
	cr_assert_str_eq(line(3), "core     5300   6200000     2000   2400000      3");
	cr_assert_str_eq(line(5), "WORKER  RX_PKTS  TX_PKTS  DROPS  HANDOFF_OUT  HANDOFF_IN      LOOPS");
	cr_assert_str_eq(line(6), "     0     4000     4100      5           12           9  123456789");
	/* the drop map: non-zero reasons only, in the server's order */
	cr_assert_str_eq(line(9), "drops:");
	cr_assert_str_eq(line(10), "REASON             COUNT");
	cr_assert_str_eq(line(11), "no_session             3");
	cr_assert_str_eq(line(12), "unknown_client         4");
	cr_assert_str_eq(line(13), "reorder_duplicate      1");
	cr_assert_str_eq(line(14), "");
	cr_assert_str_eq(line(15), "sessions  3");
	cr_assert(strstr(out_buf, "tx_full") == NULL, "a zero reason is listed");
	cr_assert_str_eq(line(17), "ncm:");
	cr_assert_str_eq(line(18), "sessions          2");
	cr_assert_str_eq(line(22), "retransmits       1");
	cr_assert_str_eq(line(24), "decode_errors     0");
}

Test(mamsctl_fmt, stats_without_drops)
{
	json_t *j = json_pack("{s:[], s:[], s:{s:i, s:i}, s:i}", "ports", "workers", "drops",
			      "no_session", 0, "tx_full", 0, "sessions", 0);

	cr_assert_eq(fmt(MCTL_STATS, j, 0), 0);
	json_decref(j);
	cr_assert(strstr(out_buf, "drops: none\n") != NULL, "%s", out_buf);
	cr_assert(strstr(out_buf, "ncm:") == NULL, "no ncm section without \"ncm\"");
}

Test(mamsctl_fmt, sessions)
{
	cr_assert_eq(fmt_fixture(MCTL_SESSIONS, "sessions.json", 0), 0);
	cr_assert_str_eq(out_buf,
		"ID  NCM_ID  STATE       ATTACHED  PEER                 ANCHOR    CONNECTIONS   DL_PKTS  UL_PKTS\n"
		" 1       0  static      no        -                    10.8.0.2  0:wifi,1:lte       90       40\n"
		" 7       1  active      yes       192.0.2.10:40112     10.8.1.2  0:wifi,3:lte    52000    31000\n"
		" 8       1  setup_sent  yes       198.51.100.20:40113  10.8.1.3  -                   0        0\n"
		"3 of 3 sessions\n");
	cr_assert_eq(fmt_fixture(MCTL_SESSIONS, "sessions_page.json", 0), 0);
	cr_assert_str_eq(line(3), "2 of 250 sessions (from offset 200)");

	/* an empty page; no session at all: no trailing blank in the note */
	static const struct {
		int total, offset;
		const char *note, *count;
	} empty[] = {
		{ 1, 5, "(no sessions at this offset)", "0 of 1 session (from offset 5)" },
		{ 0, 0, "(no sessions)", "0 of 0 sessions" },
	};
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		json_t *j = json_pack("{s:i, s:i, s:i, s:[]}", "total", empty[i].total, "offset",
				      empty[i].offset, "limit", 100, "sessions");

		cr_assert_eq(fmt(MCTL_SESSIONS, j, 0), 0);
		json_decref(j);
		cr_assert_str_eq(line(1), empty[i].note);
		cr_assert_str_eq(line(2), empty[i].count);
	}
}

Test(mamsctl_fmt, session_detail)
{
	unsigned c, f;

	cr_assert_eq(fmt_fixture(MCTL_SESSION, "session_7.json", 7), 0);
	cr_assert_str_eq(line(0), "id         7");
	cr_assert_str_eq(line(2), "state      active");
	cr_assert_str_eq(line(5), "anchor_ip  10.8.1.2");
	c = find_line("connections:");
	cr_assert_str_eq(line(c + 1),
		"CONN  NAME  TYPE   STATE   MTU  CLIENT              IPSEC  RTT_US  DV_MS  LOST  TX_PKTS  TX_BYTES  RX_PKTS  RX_BYTES  DROPS");
	cr_assert_str_eq(line(c + 2),
		"   0  wifi  Wi-Fi  up     1500  192.0.2.10:5000     no      10432      2     3    36000  43000000    20000   2100000      2");
	cr_assert_str_eq(line(c + 3),
		"   3  lte   LTE    down   1400  198.51.100.10:5001  yes     61020      9     0    16000  19000000    11000   1200000      0");
	/* the SPIs of the IPsec connection (lte) in hex; none before a rekey: "-" */
	c = find_line("ipsec:");
	cr_assert_str_eq(line(c + 1), "CONN  NAME  SPI_OUT     SPI_IN      SPI_IN_PREV");
	cr_assert_str_eq(line(c + 2), "   3  lte   0xabcdef12  0x80000101  -");
	cr_assert_str_eq(line(c + 3), "");
	/* wifi's non-zero drops get their own table; lte's empty map none */
	c = find_line("connection wifi drops:");
	cr_assert_str_eq(line(c + 2), "reorder_duplicate      2");
	cr_assert(strstr(out_buf, "connection lte drops") == NULL);
	f = find_line("flows:");
	cr_assert_str_eq(line(f + 1), "FLOW  STEERING              CONTROL   MATCH");
	cr_assert_str_eq(line(f + 2), "   0  switch wifi           policy    *");
	/* templates without their match-anything fields; dscp 0 is a match */
	cr_assert_str_eq(line(f + 3), "   1  split wifi=70 lte=30  operator  remote_ports=443-443 proto=6");
	cr_assert_str_eq(line(f + 4), "   2  duplicate wifi lte    static    remote_ip=203.0.113.0/24 "
				      "remote_ports=5060-5061 proto=17 dscp=0");
	c = find_line("counters:");
	cr_assert_str_eq(line(c + 2), "dl_bytes  62000000");
	c = find_line("session drops:");
	cr_assert_str_eq(line(c + 2), "no_path      6");
}

Test(mamsctl_fmt, steer_terminate_policy)
{
	json_t *j;

	cr_assert_eq(fmt_fixture(MCTL_STEER, "steer_7_1.json", 7), 0);
	cr_assert_str_eq(out_buf, "session 7 flow 1: split wifi=70 lte=30 (control: operator)\n");
	/* a path without a name shows its connection ID */
	j = json_pack("{s:i, s:{s:s, s:[{s:i}]}, s:s}", "flow_id", 2, "steering", "mode", "switch",
		      "paths", "connection_id", 3, "control", "operator");
	cr_assert_eq(fmt(MCTL_STEER, j, 9), 0);
	json_decref(j);
	cr_assert_str_eq(out_buf, "session 9 flow 2: switch 3 (control: operator)\n");

	cr_assert_eq(fmt_fixture(MCTL_TERMINATE, "terminate_7.json", 7), 0);
	cr_assert_str_eq(out_buf, "session 7: terminating\n");
	j = json_object(); /* a static session: removed, no state in the answer */
	cr_assert_eq(fmt(MCTL_TERMINATE, j, 1), 0);
	json_decref(j);
	cr_assert_str_eq(out_buf, "session 1: removed\n");

	cr_assert_eq(fmt_fixture(MCTL_POLICY, "policy.json", 0), 0);
	cr_assert_str_eq(out_buf, "interval_ms     50\n"
				  "min_change_pct  10\n"
				  "probe_fail      3\n"
				  "hold_down_ms    5000\n");
}

Test(mamsctl_fmt, reload)
{
	json_t *j;

	cr_assert_eq(fmt_fixture(MCTL_RELOAD, "reload.json", 0), 0);
	cr_assert_str_eq(out_buf,
		"applied:\n"
		"  ncm.policy.interval_ms\n"
		"  ncm.policy.hold_down_ms\n"
		"restart required (changed in the file, not applied until mamsgw restarts):\n"
		"FIELD            REASON\n"
		"ports[1].device  ports are opened at start\n");
	j = json_pack("{s:[], s:[]}", "applied", "restart_required");
	cr_assert_eq(fmt(MCTL_RELOAD, j, 0), 0);
	json_decref(j);
	cr_assert_str_eq(out_buf, "applied: nothing changed\nrestart required: no\n");
}

Test(mamsctl_fmt, not_an_object)
{
	json_t *j = json_array();

	cr_assert_eq(fmt(MCTL_HEALTH, j, 0), -1);
	json_decref(j);
	cr_assert_str_eq(out_buf, "");
	cr_assert_str_eq(err_buf, "mamsctl: GET /v1/test: the answer is not a JSON object\n");
}

static const char *error_line(long status, const char *body)
{
	FILE *err;

	free(err_buf);
	err = open_memstream(&err_buf, &err_len);
	mctl_fmt_error(status, body, body ? strlen(body) : 0, err);
	fclose(err);
	return err_buf;
}

Test(mamsctl_fmt, errors)
{
	cr_assert_str_eq(error_line(404, "{\"error\":{\"status\":404,\"field\":\"id\",\"message\":\"no session 99\"}}"),
			 "mamsctl: HTTP 404: no session 99 (field: id)\n");
	cr_assert_str_eq(error_line(405, "{\"error\":{\"status\":405,\"field\":\"\",\"message\":\"use GET\"}}"),
			 "mamsctl: HTTP 405: use GET\n", "an empty field is not shown");
	cr_assert_str_eq(error_line(502, "<html>\r\nBad\tGateway</html>\n"),
			 "mamsctl: HTTP 502: <html>? Bad?Gateway</html>\n");
	cr_assert_str_eq(error_line(500, ""), "mamsctl: HTTP 500 (empty answer)\n");
	{
		char big[400];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		error_line(503, big);
		cr_assert_eq(strlen(err_buf), strlen("mamsctl: HTTP 503: ") + 200 + 4,
			     "cut to 200 characters and \"...\": %s", err_buf);
		cr_assert(strstr(err_buf, "x...\n") != NULL);
	}
}
