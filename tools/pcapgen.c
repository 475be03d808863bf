/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mamsgw-pcapgen: traffic for the example configuration (config/mamsgw.json),
 * as pcap files to replay through mamsgw's net_pcap ports (tools/run.sh) or
 * with pktgen-dpdk.
 *
 *   mamsgw-pcapgen DIR          write DIR/core_in.pcap, wifi_in.pcap, lte_in.pcap
 *   mamsgw-pcapgen --count F..  print the number of packets in each pcap file
 *
 * core_in.pcap (downlink, to the clients' anchor addresses):
 *   session 1 (10.8.0.2, trailer): 40 UDP packets of the default flow
 *   (switch: wifi), 10 SIP packets with DSCP 46 (flow 1: duplicated on
 *   both paths), 40 HTTPS packets from port 443 (flow 2: split 70/30), 4 of
 *   them 1450 bytes long, at the places of the 70/30 cycle that go to lte
 *   (MTU 1400: each leaves in two fragments);
 *   session 2 (10.8.0.3, non-IP): 20 UDP packets;
 *   3 packets to 10.8.0.99, which has no session (dropped: no_session).
 * wifi_in.pcap / lte_in.pcap (uplink from session 1's client): 40 UDP SDUs
 *   in GMA trailer PDUs, even Flow SNs on wifi and odd ones on lte (the
 *   gateway puts them back in order), a probe request on wifi asking for
 *   its ACK on lte (R-CID 1), and a keep-alive on lte.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gma_wire.h"
#include "mx_ctrl.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t mac_wifi_gw[6] = {2, 0, 0, 0, 1, 1};
static const uint8_t mac_client[6] = {2, 0, 0, 0, 0xc, 1};
static const uint8_t mac_core_gw[6] = {2, 0, 0, 0, 3, 1};
static const uint8_t mac_router[6] = {2, 0, 0, 0, 3, 2};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct out {
	pcap_t *p;
	pcap_dumper_t *d;
	unsigned n;
};

static void die(const char *msg, const char *arg)
{
	fprintf(stderr, "mamsgw-pcapgen: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(1);
}

static void out_open(struct out *o, const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o->p = pcap_open_dead(DLT_EN10MB, 65535);
	o->d = o->p ? pcap_dump_open(o->p, path) : NULL;
	if (o->d == NULL)
		die("cannot write", path);
	o->n = 0;
}

static void emit(struct out *o, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};

	h.ts.tv_usec = (suseconds_t)o->n;
	pcap_dump((u_char *)o->d, &h, frame);
	o->n++;
}

static void out_close(struct out *o)
{
	pcap_dump_close(o->d);
	pcap_close(o->p);
}

/* IPv4 + UDP/TCP header of an IP packet of `len` bytes at p; payload patterned. */
static size_t ipv4(uint8_t *p, size_t len, uint32_t src, uint32_t dst, uint8_t proto,
		   uint16_t sport, uint16_t dport, uint8_t dscp)
{
	uint32_t s = htonl(src), d = htonl(dst);

	memset(p, 0, len);
	p[0] = 0x45;
	p[1] = (uint8_t)(dscp << 2);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	if (proto == 17) {
		p[24] = (uint8_t)((len - 20) >> 8);
		p[25] = (uint8_t)(len - 20);
	} else {
		p[32] = 0x50; /* TCP data offset 5 */
		p[33] = 0x18; /* PSH, ACK */
	}
	for (size_t i = proto == 17 ? 28 : 40; i < len; i++)
		p[i] = (uint8_t)(i * 13);
	gma_ipv4_set(p, 20, proto, 64, (uint16_t)len);
	return len;
}

static size_t ether(uint8_t *f, const uint8_t dst[6], const uint8_t src[6])
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	return 14;
}

/* An uplink frame: outer IPv4/UDP from the client's path address to the gateway. */
static void uplink(struct out *o, const uint8_t *dst_mac, uint32_t client, uint32_t gw,
		   uint16_t gw_port, const struct gma_fields *f, const uint8_t *sdu, size_t sdu_len)
{
	uint8_t frame[2048], pdu[1700];
	size_t h = ether(frame, dst_mac, mac_client);
	int n = gma_encode(GMA_METHOD_TRAILER, f, sdu, sdu_len, pdu, sizeof(pdu));

	if (n < 0)
		die("cannot encode an uplink PDU", gma_strerror(n));
	ipv4(frame + h, (size_t)n + 28, client, gw, 17, 5000, gw_port, 0);
	memcpy(frame + h + 28, pdu, (size_t)n);
	emit(o, frame, h + 28 + (size_t)n);
}

static int generate(const char *dir)
{
	const uint32_t anchor1 = IP4(10, 8, 0, 2), anchor2 = IP4(10, 8, 0, 3);
	const uint32_t ctrl = IP4(10, 8, 0, 1);
	struct out core, wifi, lte;
	uint8_t frame[2048], sdu[1600];
	size_t h;

	out_open(&core, dir, "core_in.pcap");
	out_open(&wifi, dir, "wifi_in.pcap");
	out_open(&lte, dir, "lte_in.pcap");

	for (unsigned i = 0; i < 40; i++) {
		h = ether(frame, mac_core_gw, mac_router);
		emit(&core, frame, h + ipv4(frame + h, 200, IP4(203, 0, 113, 50), anchor1, 17, 4000,
					    4001, 0));
		if (i % 4 == 0) {
			h = ether(frame, mac_core_gw, mac_router);
			emit(&core, frame, h + ipv4(frame + h, 160, IP4(203, 0, 113, 60), anchor1, 17,
						    5060, 5060, 46));
		}
		h = ether(frame, mac_core_gw, mac_router);
		emit(&core, frame, h + ipv4(frame + h, i % 10 == 1 ? 1450 : 600,
					    IP4(203, 0, 113, 70), anchor1, 6, 443, 40000, 0));
		if (i % 2 == 0) {
			h = ether(frame, mac_core_gw, mac_router);
			emit(&core, frame, h + ipv4(frame + h, 300, IP4(203, 0, 113, 80), anchor2, 17,
						    4000, 4001, 0));
		}
	}
	for (unsigned i = 0; i < 3; i++) {
		h = ether(frame, mac_core_gw, mac_router);
		emit(&core, frame, h + ipv4(frame + h, 100, IP4(203, 0, 113, 50), IP4(10, 8, 0, 99),
					    17, 4000, 4001, 0));
	}

	for (uint32_t sn = 0; sn < 40; sn++) {
		struct gma_fields f = {
			.flags = GMA_F_FLOW_SN | GMA_F_DELIVERY_SN | GMA_F_FLOW_ID | GMA_F_TIMESTAMP,
			.flow_sn = sn,
			.delivery_sn = (uint8_t)(sn / 2),
			.flow_id = 0,
			.timestamp = sn * 5,
		};
		size_t len = ipv4(sdu, 120 + sn, anchor1, IP4(203, 0, 113, 50), 17, 4001, 4000, 0);

		if (sn % 2 == 0)
			uplink(&wifi, mac_wifi_gw, IP4(192, 0, 2, 10), IP4(192, 0, 2, 1), 10020, &f, sdu,
			       len);
		else
			uplink(&lte, mac_bcast, IP4(198, 51, 100, 10), IP4(198, 51, 100, 1), 10021, &f,
			       sdu, len);
	}

	/* MX control PDUs (UP-09 dialect), inside GMA like user data, no Flow SN. */
	struct gma_fields cf = {.flags = GMA_F_TIMESTAMP, .timestamp = 1000};
	struct mx_ctrl_pdu probe = {.kind = MX_CTRL_PROBE_REQ, .cid = 0, .sn = 7,
				    .flags = MX_PROBE_F_ACK | MX_PROBE_F_ACTIVE, .has_rcid = true,
				    .rcid = 1, .timestamp = 10000, .pad_len = 20};
	struct mx_ctrl_pdu ka = {.kind = MX_CTRL_KEEPALIVE, .cid = 1, .sn = 1, .timestamp = 10000};
	uint8_t msg[64];
	int n = mx_ctrl_encode(MX_DIALECT_UP09, &probe, msg, sizeof(msg));

	if (n < 0)
		die("cannot encode a probe", gma_strerror(n));
	ipv4(sdu, 28 + (size_t)n, anchor1, ctrl, 17, 7000, 9999, 0);
	memcpy(sdu + 28, msg, (size_t)n);
	uplink(&wifi, mac_wifi_gw, IP4(192, 0, 2, 10), IP4(192, 0, 2, 1), 10020, &cf, sdu,
	       28 + (size_t)n);
	n = mx_ctrl_encode(MX_DIALECT_UP09, &ka, msg, sizeof(msg));
	if (n < 0)
		die("cannot encode a keep-alive", gma_strerror(n));
	ipv4(sdu, 28 + (size_t)n, anchor1, ctrl, 17, 7000, 9999, 0);
	memcpy(sdu + 28, msg, (size_t)n);
	uplink(&lte, mac_bcast, IP4(198, 51, 100, 10), IP4(198, 51, 100, 1), 10021, &cf, sdu,
	       28 + (size_t)n);

	printf("%s/core_in.pcap: %u packets\n%s/wifi_in.pcap: %u packets\n%s/lte_in.pcap: %u packets\n",
	       dir, core.n, dir, wifi.n, dir, lte.n);
	out_close(&core);
	out_close(&wifi);
	out_close(&lte);
	return 0;
}

static int count(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];

	for (int i = 0; i < argc; i++) {
		pcap_t *p = pcap_open_offline(argv[i], err);
		struct pcap_pkthdr *h;
		const u_char *d;
		unsigned n = 0;

		if (p == NULL)
			die(err, NULL);
		while (pcap_next_ex(p, &h, &d) == 1)
			n++;
		pcap_close(p);
		printf("%8u  %s\n", n, argv[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--count") == 0)
		return count(argc - 2, argv + 2);
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mamsgw-pcapgen DIR | mamsgw-pcapgen --count FILE...\n");
		return 2;
	}
	return generate(argv[1]);
}
