/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MX control PDUs and malformed input through the real data plane.
 *
 * Probes and keep-alives are uplink SDUs (IPv4/UDP anchor:7000 -> the
 * gateway's mx_control address) in GMA PDUs; the ACK expected for each probe
 * is built with mx_ctrl_encode in the session's dialect and must arrive,
 * GMA-encapsulated, on the path the probe's R-CID names.  Malformed frames
 * must each raise the named drop counter (for GMA decoding errors: the name
 * of the reason gma_decode itself returns for the same bytes), and good
 * packets sent after them must still get through.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "dp_harness.h"
#include "mx_ctrl.h"

#define UL_FLAGS (GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP)
#define CTRL_FLAGS (GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP)
#define DL_FIELDS_CID "[\"flow_id\", \"delivery_sn\", \"flow_sn\", \"timestamp\", \"conn_id\"]"
#define SDU_CAP 2048
#define N_GOOD 4

#define CTL_TEST(name) Test(dp_control, name, .fini = dpt_fini, .timeout = 120)

static struct dpt_path g_path[2];
static const unsigned g_dev[2] = { DPT_WIFI, DPT_LTE };

static struct dpt_session session(const char *method, const char *dialect)
{
	struct dpt_session s = {
		.id = 1, .anchor = pu_ip4(DPT_ANCHOR), .method = method, .dialect = dialect,
		.dl_fields = DL_FIELDS_CID, .n_paths = 2,
	};

	g_path[0] = dpt_path_wifi();
	g_path[1] = dpt_path_lte();
	s.paths[0] = g_path[0];
	s.paths[1] = g_path[1];
	return s;
}

static void send_pdu(struct dpt_run *r, const struct dpt_path *p, const uint8_t *pdu, size_t len)
{
	uint8_t frame[PU_FRAME_MAX];
	size_t n = dpt_ul_frame(frame, sizeof(frame), p, pdu, len);

	cr_assert_gt(n, 0);
	dpt_send(r, p->port, frame, n);
}

/* ---- MX control --------------------------------------------------------------------- */

/* The control SDU carrying an MX PDU: anchor:7000 -> ctrl ip:port, or back. */
static size_t ctrl_sdu(uint8_t *b, size_t cap, const uint8_t *mx, size_t mx_len, bool reply)
{
	struct pu_ip ip = { .src = pu_ip4(DPT_ANCHOR), .dst = pu_ip4(DPT_CTRL_IP), .ttl = 64,
			    .id = 0x77, .df = true };

	if (reply) {
		ip.src = pu_ip4(DPT_CTRL_IP);
		ip.dst = pu_ip4(DPT_ANCHOR);
		return pu_udp4(b, cap, &ip, DPT_CTRL_PORT, 7000, mx, mx_len, false);
	}
	return pu_udp4(b, cap, &ip, 7000, DPT_CTRL_PORT, mx, mx_len, true);
}

static void send_ctrl(struct dpt_run *r, enum gma_method m, enum mx_dialect d, unsigned pi,
		      const struct mx_ctrl_pdu *mx)
{
	uint8_t buf[1600], sdu[SDU_CAP], pdu[PU_FRAME_MAX];
	static uint8_t dsn[2];
	struct gma_fields f = { .flags = CTRL_FLAGS, .delivery_sn = dsn[pi]++, .timestamp = 777 };
	int n = mx_ctrl_encode(d, mx, buf, sizeof(buf));
	size_t sl;
	int len;

	cr_assert_gt(n, 0, "mx_ctrl_encode: %s", gma_strerror(n));
	sl = ctrl_sdu(sdu, sizeof(sdu), buf, (size_t)n, false);
	len = gma_encode(m, &f, sdu, sl, pdu, sizeof(pdu));
	cr_assert_gt(len, 0);
	send_pdu(r, &g_path[pi], pdu, (size_t)len);
}

struct probe_case {
	unsigned on;          /* path index the probe is sent on */
	uint16_t sn;
	uint8_t flags;
	bool rcid;            /* carries an R-CID */
	unsigned rcid_path;   /* ... naming this path */
	unsigned ack_path;    /* path the ACK must use (UINT_MAX: no ACK) */
};

/*
 * One ACK frame: on path p, a GMA PDU without Flow SN (control PDUs must not
 * enter the client's reorder window) whose Connection ID is p's; its SDU is
 * the request's SDU turned round, carrying mx_ctrl_encode(ACK{cid, sn}).
 */
static void expect_ack(const struct pkt *fr, enum gma_method m, enum mx_dialect dia,
		       const struct dpt_path *p, const struct probe_case *pc)
{
	uint8_t pdu[PU_FRAME_MAX], mx[64], want[SDU_CAP];
	struct mx_ctrl_pdu ack, exp = { .kind = MX_CTRL_PROBE_ACK, .cid = p->conn_id, .sn = pc->sn };
	struct gma_sdu sdus[2];
	struct gma_pdu d;
	const uint8_t *ip, *udp;
	size_t off = dpt_dl_decode(fr, p, m, &d, "probe ACK"), len = fr->len - off;
	int n, ml;
	size_t wl;

	cr_expect_eq(d.f.flags & GMA_F_FLOW_SN, 0, "ACK %u carries a Flow SN", pc->sn);
	cr_expect(d.f.flags & GMA_F_CONN_ID, "ACK %u: no Connection ID (dl_fields has conn_id)",
		  pc->sn);
	cr_expect_eq(d.f.conn_id, p->conn_id, "ACK %u: Connection ID %u, want %u", pc->sn,
		     d.f.conn_id, p->conn_id);
	memcpy(pdu, fr->data + off, len);
	n = gma_decap_sdus(m, pdu, len, &d, sdus, 2);
	cr_assert_eq(n, 1, "ACK %u: gma_decap_sdus %d", pc->sn, n);
	ip = pdu + sdus[0].off;
	cr_assert_geq(sdus[0].len, 28);
	udp = ip + 20;
	cr_expect(pu_ipv4_cksum_ok(ip), "ACK %u: inner IPv4 checksum", pc->sn);
	cr_expect(pu_udp4_cksum_ok(ip), "ACK %u: inner UDP checksum", pc->sn);
	cr_expect_gt(ip[8], 1, "ACK %u: inner TTL %u", pc->sn, ip[8]);
	n = mx_ctrl_decode(dia, udp + 8, sdus[0].len - 28u, &ack);
	cr_assert_eq(n, 0, "ACK %u: mx_ctrl_decode: %s", pc->sn, gma_strerror(n));
	cr_expect_eq(ack.kind, MX_CTRL_PROBE_ACK, "ACK %u: kind %d", pc->sn, ack.kind);
	cr_expect_eq(ack.sn, pc->sn, "ACK SN %u, REQ SN %u", ack.sn, pc->sn);
	cr_expect_eq(ack.cid, p->conn_id, "ACK %u: CID %u, want %u", pc->sn, ack.cid, p->conn_id);

	/* Bytes: the reply SDU built here (UP-09 timestamp: the gateway's). */
	exp.timestamp = ack.timestamp;
	ml = mx_ctrl_encode(dia, &exp, mx, sizeof(mx));
	cr_assert_gt(ml, 0);
	wl = ctrl_sdu(want, sizeof(want), mx, (size_t)ml, true);
	want[4] = ip[4]; /* IP identification, TTL and the UDP checksum (valid or 0, checked */
	want[5] = ip[5]; /* above) are the gateway's to choose */
	want[8] = ip[8];
	want[10] = 0;
	want[11] = 0;
	{
		uint16_t c = pu_ipv4_cksum(want);

		want[10] = (uint8_t)(c >> 8);
		want[11] = (uint8_t)c;
	}
	memcpy(want + 26, udp + 6, 2);
	cr_expect(sdus[0].len == wl && memcmp(ip, want, wl) == 0,
		  "ACK %u: SDU differs from the expected reply", pc->sn);
	if (sdus[0].len != wl || memcmp(ip, want, wl) != 0) {
		dpt_hexdump("got", ip, sdus[0].len);
		dpt_hexdump("want", want, wl);
	}
}

static void probe_test(const char *method, const char *dialect_name, enum mx_dialect dia,
		       const struct probe_case *pcs, unsigned n_pc, unsigned keepalives)
{
	enum gma_method m = dpt_method(method);
	struct dpt_session s = session(method, dialect_name);
	unsigned want_acks[2] = { 0, 0 }, consumed = keepalives;
	struct dpt_run *r;

	r = dpt_new();
	for (unsigned i = 0; i < n_pc; i++) {
		struct mx_ctrl_pdu req = { .kind = MX_CTRL_PROBE_REQ, .cid = g_path[pcs[i].on].conn_id,
					   .sn = pcs[i].sn, .flags = pcs[i].flags,
					   .has_rcid = pcs[i].rcid, .timestamp = 4242,
					   .pad_len = (uint16_t)(8 * i) };

		if (pcs[i].rcid)
			req.rcid = g_path[pcs[i].rcid_path].conn_id;
		send_ctrl(r, m, dia, pcs[i].on, &req);
		if (pcs[i].ack_path < 2)
			want_acks[pcs[i].ack_path]++;
		else
			consumed++;
	}
	for (unsigned i = 0; i < keepalives; i++) {
		struct mx_ctrl_pdu ka = { .kind = MX_CTRL_KEEPALIVE, .cid = g_path[i % 2].conn_id,
					  .sn = (uint16_t)(100 + i), .timestamp = 99 };

		send_ctrl(r, m, dia, i % 2, &ka);
	}
	dpt_exec(r, &s, 1);

	cr_expect_eq(r->out[DPT_CORE].n, 0, "control PDUs must not be forwarded to the core");
	cr_expect_eq(dpt_drop(r, "ctrl_consumed"), consumed, "ctrl_consumed %lu, want %u:\n%s",
		     (unsigned long)dpt_drop(r, "ctrl_consumed"), consumed, r->log);
	cr_expect_eq(dpt_drops_total(r), consumed, "unexpected drops:\n%s", r->log);
	for (unsigned pi = 0; pi < 2; pi++) {
		const struct pkt_list *out = &r->out[g_dev[pi]];

		cr_expect_eq(out->n, want_acks[pi], "%zu ACKs on %s, want %u", out->n,
			     dpt_ports[g_dev[pi]].name, want_acks[pi]);
		/* Match each ACK to its probe by SN (ports are flushed independently). */
		for (size_t k = 0; k < out->n; k++) {
			uint8_t pdu[PU_FRAME_MAX];
			struct gma_sdu sd[2];
			struct gma_pdu d;
			struct mx_ctrl_pdu a;
			const struct probe_case *pc = NULL;
			size_t len = out->v[k].len - PU_OUTER_LEN;

			memcpy(pdu, out->v[k].data + PU_OUTER_LEN, len);
			cr_assert_eq(gma_decode(m, pdu, len, &d), 0, "%s frame %zu is no GMA PDU",
				     dpt_ports[g_dev[pi]].name, k);
			cr_assert_eq(gma_decap_sdus(m, pdu, len, &d, sd, 2), 1);
			cr_assert_eq(mx_ctrl_decode(dia, pdu + sd[0].off + 28, sd[0].len - 28u, &a), 0);
			for (unsigned i = 0; i < n_pc; i++)
				if (pcs[i].sn == a.sn)
					pc = &pcs[i];
			cr_assert_not_null(pc, "ACK with SN %u answers no probe", a.sn);
			cr_expect_eq(pc->ack_path, pi, "ACK %u on %s, want path %u", a.sn,
				     dpt_ports[g_dev[pi]].name, pc->ack_path);
			expect_ack(&out->v[k], m, dia, &g_path[pi], pc);
		}
	}
}

CTL_TEST(probe_up09)
{
	static const struct probe_case pcs[] = {
		/* on wifi naming lte -> ACK on lte */
		{ 0, 0x1234, MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, true, 1, 1 },
		/* on lte naming wifi -> ACK on wifi */
		{ 1, 0x2345, MX_PROBE_F_ACK, true, 0, 0 },
		/* R-CID all ones: the same path */
		{ 0, 0x3456, MX_PROBE_F_ACK, false, 0, 0 },
		{ 1, 0xFFFE, MX_PROBE_F_ACK, false, 0, 1 },
		/* no ACK wanted: consumed */
		{ 1, 0x4567, MX_PROBE_F_ACTIVE, false, 0, ~0u },
	};

	probe_test("trailer", "up09", MX_DIALECT_UP09, pcs, sizeof(pcs) / sizeof(pcs[0]), 0);
}

CTL_TEST(probe_rfc8743)
{
	static const struct probe_case pcs[] = {
		{ 0, 0x0102, MX_PROBE_F_ACK | MX_PROBE_F_RCID, true, 1, 1 },
		{ 1, 0x0203, MX_PROBE_F_ACK | MX_PROBE_F_RCID, true, 0, 0 },
		/* no R-CID bit: the same path */
		{ 1, 0x0304, MX_PROBE_F_ACK, false, 0, 1 },
		{ 0, 0x0405, 0, false, 0, ~0u },
	};

	probe_test("header", "rfc8743", MX_DIALECT_RFC8743, pcs, sizeof(pcs) / sizeof(pcs[0]), 0);
}

/* Keep-alives (both dialects' sessions): consumed, counted, nothing sent anywhere. */
CTL_TEST(keepalive_consumed)
{
	probe_test("nonip", "up09", MX_DIALECT_UP09, NULL, 0, 7);
}

CTL_TEST(keepalive_consumed_rfc8743)
{
	probe_test("trailer", "rfc8743", MX_DIALECT_RFC8743, NULL, 0, 5);
}

/* ---- Malformed input ---------------------------------------------------------------- */

static uint8_t g_good[N_GOOD][SDU_CAP];
static size_t g_good_len[N_GOOD];

/* N_GOOD whole uplink SDUs (Flow SN 0..) on wifi, after whatever came before. */
static void send_good_uplink(struct dpt_run *r)
{
	for (unsigned i = 0; i < N_GOOD; i++) {
		struct gma_fields f = { .flags = UL_FLAGS, .flow_sn = i, .delivery_sn = (uint8_t)i };
		uint8_t pdu[PU_FRAME_MAX];
		int len;

		g_good_len[i] = dpt_ul_sdu(g_good[i], SDU_CAP, pu_ip4(DPT_ANCHOR), 64 + 100 * i,
					   PU_PROTO_UDP, 64, 50 + i);
		len = gma_encode(GMA_METHOD_TRAILER, &f, g_good[i], g_good_len[i], pdu, sizeof(pdu));
		cr_assert_gt(len, 0);
		send_pdu(r, &g_path[0], pdu, (size_t)len);
	}
}

/* Runs the gateway and checks: exactly `drops` (NULL-terminated name/count
 * pairs) and the good SDUs on the core, in order. */
static void run_malformed(struct dpt_run *r, const char *const *names, const uint64_t *counts)
{
	struct dpt_session s = session("trailer", NULL);
	uint64_t total = 0;

	dpt_exec(r, &s, 1);
	for (unsigned i = 0; names[i] != NULL; i++) {
		cr_expect_eq(dpt_drop(r, names[i]), counts[i], "drop %s = %lu, want %lu:\n%s", names[i],
			     (unsigned long)dpt_drop(r, names[i]), (unsigned long)counts[i], r->log);
		total += counts[i];
	}
	dpt_expect_only_drops(r, names);
	cr_expect_eq(dpt_drops_total(r), total);
	cr_assert_eq(r->out[DPT_CORE].n, N_GOOD, "%zu good SDUs forwarded, want %u:\n%s",
		     r->out[DPT_CORE].n, N_GOOD, r->log);
	for (unsigned i = 0; i < N_GOOD; i++)
		dpt_expect_core(&r->out[DPT_CORE].v[i], g_good[i], g_good_len[i], "good SDU");
}

/* "gma_" + the lower-case name of the reason gma_decode gives for pdu. */
static const char *decode_drop(char *buf, size_t cap, const uint8_t *pdu, size_t len)
{
	int rc = gma_decode(GMA_METHOD_TRAILER, pdu, len, &(struct gma_pdu){ 0 });
	size_t i;

	cr_assert_lt(rc, 0, "gma_decode accepts the malformed PDU");
	snprintf(buf, cap, "gma_%s", gma_errname(rc));
	for (i = 0; buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return buf;
}

/*
 * A 24-byte PDU (IPv4 header, protocol 114, and 4 bytes whose Flags announce
 * an 11-byte trailer), a 1-byte PDU, and a whole PDU whose last 3 trailer
 * bytes are cut off (IPv4 total length still the full one).
 */
CTL_TEST(bad_truncated)
{
	uint8_t sdu[SDU_CAP], pdu[3][PU_FRAME_MAX], name[3][48];
	size_t len[3];
	const char *names[4] = { NULL };
	uint64_t counts[3] = { 0 };
	struct gma_fields f = { .flags = UL_FLAGS, .flow_sn = 999 };
	struct pu_ip ip = { .src = pu_ip4(DPT_ANCHOR), .dst = pu_ip4(DPT_SERVER), .proto = 114,
			    .ttl = 1 };
	struct dpt_run *r;
	unsigned n_names = 0;
	int n;

	session("trailer", NULL);
	r = dpt_new();
	pu_ipv4_hdr(pdu[0], &ip, 24);
	memcpy(pdu[0] + 20, (const uint8_t[]){ 17, 0x00, 0x03, 0x80 }, 4); /* NH, Flags SN|TS|TTL */
	len[0] = 24;
	pdu[1][0] = 0x45;
	len[1] = 1;
	n = gma_encode(GMA_METHOD_TRAILER, &f,
		       sdu, dpt_ul_sdu(sdu, sizeof(sdu), pu_ip4(DPT_ANCHOR), 200, 17, 64, 7),
		       pdu[2], sizeof(pdu[2]));
	cr_assert_gt(n, 3);
	len[2] = (size_t)n - 3;
	for (unsigned i = 0; i < 3; i++) {
		const char *nm = decode_drop((char *)name[i], sizeof(name[i]), pdu[i], len[i]);
		unsigned k;

		for (k = 0; k < n_names && strcmp(names[k], nm) != 0; k++)
			;
		if (k == n_names)
			names[n_names++] = nm;
		counts[k]++;
		send_pdu(r, &g_path[0], pdu[i], len[i]);
	}
	send_good_uplink(r);
	run_malformed(r, names, counts);
}

/* GMA version 1 in the Flags (bits 13-15) -> gma_version. */
CTL_TEST(bad_version)
{
	uint8_t sdu[SDU_CAP], pdu[PU_FRAME_MAX], name[48];
	struct gma_fields f = { .flags = UL_FLAGS, .flow_sn = 0 };
	struct dpt_run *r;
	const char *names[2];
	uint64_t counts[1] = { 2 };
	int n;

	session("trailer", NULL);
	r = dpt_new();
	n = gma_encode(GMA_METHOD_TRAILER, &f,
		       sdu, dpt_ul_sdu(sdu, sizeof(sdu), pu_ip4(DPT_ANCHOR), 300, 17, 64, 9), pdu,
		       sizeof(pdu));
	cr_assert_gt(n, 0);
	pdu[n - 1] |= 0x01; /* the trailer ends with the Flags: version in the low bits */
	names[0] = decode_drop((char *)name, sizeof(name), pdu, (size_t)n);
	names[1] = NULL;
	cr_assert_str_eq(names[0], "gma_version");
	send_pdu(r, &g_path[0], pdu, (size_t)n);
	send_pdu(r, &g_path[1], pdu, (size_t)n);
	send_good_uplink(r);
	run_malformed(r, names, counts);
}

/* A valid PDU from an unknown source port, and from an unknown address. */
CTL_TEST(bad_unknown_client)
{
	struct dpt_path stranger;
	uint8_t pdu[] = { 1, 2, 3, 4 };
	struct dpt_run *r;

	session("trailer", NULL);
	r = dpt_new();
	stranger = g_path[0];
	stranger.client_port = 5999;
	send_pdu(r, &stranger, pdu, sizeof(pdu));
	stranger = g_path[0];
	stranger.client_ip = pu_ip4("192.0.2.77");
	send_pdu(r, &stranger, pdu, sizeof(pdu));
	/* lte's client address and port, but on wifi: no path of the session */
	stranger = g_path[1];
	stranger.port = DPT_WIFI;
	stranger.gw_port = 10020;
	send_pdu(r, &stranger, pdu, sizeof(pdu));
	send_good_uplink(r);
	run_malformed(r, (const char *const[]){ "unknown_client", NULL }, (const uint64_t[]){ 3 });
}

/* UDP to a port that is not a GMA port of that access port; ICMP that is not
 * an echo request (the exception path answers only those). */
CTL_TEST(bad_udp_port)
{
	struct dpt_path p;
	uint8_t frame[PU_FRAME_MAX], ip[64];
	struct pu_ip h = { .src = 0, .dst = dpt_ports[DPT_WIFI].ipv4, .proto = 1, .ttl = 64 };
	uint8_t pdu[] = { 1, 2, 3, 4 };
	struct dpt_run *r;
	size_t n;

	session("trailer", NULL);
	r = dpt_new();
	p = g_path[0];
	p.gw_port = 10099;
	send_pdu(r, &p, pdu, sizeof(pdu));
	p.gw_port = 10021; /* a GMA port of lte, not of wifi */
	send_pdu(r, &p, pdu, sizeof(pdu));
	h.src = g_path[0].client_ip;
	pu_ipv4_hdr(ip, &h, 28); /* ICMP */
	memset(ip + 20, 0, 8);
	n = pu_eth(frame, sizeof(frame), dpt_ports[DPT_WIFI].mac, dpt_ports[DPT_WIFI].next_hop,
		   PU_ETHERTYPE_IPV4, ip, 28, true);
	dpt_send(r, DPT_WIFI, frame, n);
	send_good_uplink(r);
	run_malformed(r, (const char *const[]){ "not_gma_port", "icmp_unhandled", NULL },
		      (const uint64_t[]){ 2, 1 });
}

/* Outer destination another host on the access network. */
CTL_TEST(bad_not_for_us)
{
	uint8_t frame[PU_FRAME_MAX], tmp[128];
	struct pu_ip h = { .src = pu_ip4("192.0.2.10"), .dst = pu_ip4("192.0.2.99"), .ttl = 64 };
	uint8_t pdu[] = { 1, 2, 3, 4 };
	struct dpt_run *r;
	size_t n;

	session("trailer", NULL);
	r = dpt_new();
	n = pu_udp4(tmp, sizeof(tmp), &h, 5000, 10020, pdu, sizeof(pdu), true);
	n = pu_eth(frame, sizeof(frame), dpt_ports[DPT_WIFI].mac, dpt_ports[DPT_WIFI].next_hop,
		   PU_ETHERTYPE_IPV4, tmp, n, true);
	dpt_send(r, DPT_WIFI, frame, n);
	send_good_uplink(r);
	run_malformed(r, (const char *const[]){ "not_for_us", NULL }, (const uint64_t[]){ 1 });
}

/* Frames shorter than Ethernet + IPv4 headers (20 and 33 bytes). */
CTL_TEST(bad_short_frame)
{
	uint8_t frame[64] = { 0 };
	struct dpt_run *r;

	session("trailer", NULL);
	r = dpt_new();
	memcpy(frame, dpt_ports[DPT_WIFI].mac, 6);
	memcpy(frame + 6, dpt_ports[DPT_WIFI].next_hop, 6);
	frame[12] = 0x08;
	frame[14] = 0x45;
	dpt_send(r, DPT_WIFI, frame, 20);
	dpt_send(r, DPT_WIFI, frame, 33);
	send_good_uplink(r);
	run_malformed(r, (const char *const[]){ "short_frame", NULL }, (const uint64_t[]){ 2 });
}

/* ARP for an address that is not the gateway's and IPv6 frames on an access
 * port, IPv6 on the core port. */
CTL_TEST(bad_not_ipv4)
{
	uint8_t frame[PU_FRAME_MAX], body[80];
	const struct dpt_port *w = &dpt_ports[DPT_WIFI], *c = &dpt_ports[DPT_CORE];
	struct dpt_run *r;
	size_t n;

	session("trailer", NULL);
	r = dpt_new();
	memset(body, 0, sizeof(body));
	memcpy(body, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8); /* ARP request */
	n = pu_eth(frame, sizeof(frame), (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		   w->next_hop, PU_ETHERTYPE_ARP, body, 28, true);
	dpt_send(r, DPT_WIFI, frame, n);
	memset(body, 0, sizeof(body));
	body[0] = 0x60; /* IPv6, no payload */
	body[6] = 59;
	body[7] = 64;
	n = pu_eth(frame, sizeof(frame), w->mac, w->next_hop, PU_ETHERTYPE_IPV6, body, 40, true);
	dpt_send(r, DPT_WIFI, frame, n);
	n = pu_eth(frame, sizeof(frame), c->mac, c->next_hop, PU_ETHERTYPE_IPV6, body, 40, true);
	dpt_send(r, DPT_CORE, frame, n);
	send_good_uplink(r);
	run_malformed(r, (const char *const[]){ "not_ipv4", "arp_not_for_us", NULL },
		      (const uint64_t[]){ 2, 1 });
}

/* Downlink to an address that is no session's anchor; good downlink after it. */
CTL_TEST(dl_no_session)
{
	struct dpt_session s = session("trailer", NULL);
	uint8_t sdu[4][SDU_CAP], frame[PU_FRAME_MAX];
	size_t len[4], n;
	struct dpt_run *r;

	r = dpt_new();
	len[0] = dpt_dl_sdu(sdu[0], SDU_CAP, pu_ip4("10.8.0.99"), 100, 17, 64, 1);
	n = dpt_core_in(frame, sizeof(frame), sdu[0], len[0]);
	dpt_send(r, DPT_CORE, frame, n);
	for (unsigned i = 1; i < 4; i++) {
		len[i] = dpt_dl_sdu(sdu[i], SDU_CAP, pu_ip4(DPT_ANCHOR), 100 + i, 17, 64, i);
		n = dpt_core_in(frame, sizeof(frame), sdu[i], len[i]);
		dpt_send(r, DPT_CORE, frame, n);
	}
	dpt_exec(r, &s, 1);
	cr_expect_eq(dpt_drop(r, "no_session"), 1, "no_session %lu:\n%s",
		     (unsigned long)dpt_drop(r, "no_session"), r->log);
	cr_expect_eq(dpt_drops_total(r), 1, "unexpected drops:\n%s", r->log);
	cr_assert_eq(r->out[DPT_WIFI].n, 3, "%zu PDUs on wifi, want 3", r->out[DPT_WIFI].n);
	for (unsigned i = 1; i < 4; i++) {
		struct gma_fields want = { .flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_TIMESTAMP |
						    GMA_F_FLOW_ID | GMA_F_CONN_ID,
					   .flow_sn = i - 1, .delivery_sn = (uint8_t)(i - 1),
					   .conn_id = g_path[0].conn_id };

		dpt_expect_dl(&r->out[DPT_WIFI].v[i - 1], &g_path[0], GMA_METHOD_TRAILER, &want, sdu[i],
			      len[i], "good downlink PDU");
	}
}
