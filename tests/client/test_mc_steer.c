/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's uplink steering (tools/client/mc_steer.c): the NCM's
 * mx_traffic_steering_req turned into templates, and the connection each
 * uplink packet takes, with connections usable or not.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cp_msg.h"
#include "mc_steer.h"
#include "mc_test_pkt.h"

#define ALL 0xFFFFu
#define BIT(c) (uint16_t)(1u << (c))

static const uint8_t order[] = { 0, 3, 5 };

/* IPv4 packet src -> dst, protocol, ports, DSCP. */
static size_t pkt(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sp,
		  uint16_t dp, uint8_t dscp)
{
	memset(b, 0, 40);
	b[0] = 0x45;
	b[1] = (uint8_t)(dscp << 2);
	b[3] = 40;
	b[8] = 64;
	b[9] = proto;
	mct_ip4_addrs(b, src, dst, sp, dp);
	return 40;
}

/*
 * The connection s picks for a packet from the client (10.77.0.2) to dst,
 * with protocol, ports and DSCP, when every connection is usable.
 */
static int pick(const struct mc_steer *s, uint32_t dst, uint8_t proto, uint16_t sp, uint16_t dp,
		uint8_t dscp)
{
	uint8_t b[40];
	size_t n = pkt(b, 0x0A4D0002u, dst, proto, sp, dp, dscp);

	return mc_steer_pick(s, b, n, ALL, order, 3);
}

static struct cp_traffic_steering_req req;

static void setup(void)
{
	memset(&req, 0, sizeof(req));
}

TestSuite(steer, .init = setup);

/* The request names connection c as the default for uplink traffic. */
static void default_uplink(uint8_t c)
{
	req.has_default_uplink_delivery = true;
	req.default_uplink_delivery = c;
}

static struct cp_ul_delivery *rule(void)
{
	struct cp_ul_delivery *u = &req.uplink_delivery[req.n_uplink_delivery++];

	cp_tft_default(&u->ul_tft);
	return u;
}

Test(steer, before_any_request_the_first_usable_connection)
{
	struct mc_steer s;
	uint8_t b[40];
	size_t n = pkt(b, 0x0A4D0002u, 0x08080808u, 17, 1, 53, 0);

	mc_steer_init(&s);
	cr_assert_eq(mc_steer_pick(&s, b, n, ALL, order, 3), 0);
	cr_assert_eq(mc_steer_pick(&s, b, n, BIT(3) | BIT(5), order, 3), 3);
	cr_assert_eq(mc_steer_pick(&s, b, n, 0, order, 3), -1, "nothing usable");
}

Test(steer, default_uplink_delivery)
{
	struct mc_steer s;
	uint8_t b[40];
	size_t n = pkt(b, 0x0A4D0002u, 0x08080808u, 6, 40000, 443, 0);

	default_uplink(3);
	cr_assert_eq(mc_steer_from_req(&s, &req), 0);
	cr_assert_eq(mc_steer_pick(&s, b, n, ALL, order, 3), 3);
	/* The default is not usable (down, handover): the configured order. */
	cr_assert_eq(mc_steer_pick(&s, b, n, BIT(0) | BIT(5), order, 3), 0);
	cr_assert_eq(mc_steer_pick(&s, b, n, BIT(5), order, 3), 5);
}

Test(steer, templates_select_connections_first_match_wins)
{
	struct mc_steer s;
	struct cp_ul_delivery *u;
	uint8_t b[40];
	size_t n;

	default_uplink(0);
	/* VoIP (UDP to 203.0.113.0/24 ports 5060-5061) on 3, else 5. */
	u = rule();
	u->ul_tft.remote_addr = 0xCB007100u;
	u->ul_tft.remote_prefix_len = 24;
	u->ul_tft.protocol_type = 17;
	u->ul_tft.remote_port_range.start = 5060;
	u->ul_tft.remote_port_range.end = 5061;
	u->conn_list[u->n_conn_list++] = 3;
	u->conn_list[u->n_conn_list++] = 5;
	/* Anything with DSCP 46 (EF) on 5. */
	u = rule();
	u->ul_tft.traffic_class = 46 << 2;
	u->conn_list[u->n_conn_list++] = 5;
	/* A template without connections is ignored. */
	u = rule();
	u->ul_tft.protocol_type = 6;
	cr_assert_eq(mc_steer_from_req(&s, &req), 2);

	n = pkt(b, 0x0A4D0002u, 0xCB007109u, 17, 40000, 5060, 0);
	cr_assert_eq(mc_steer_pick(&s, b, n, ALL, order, 3), 3);
	cr_assert_eq(mc_steer_pick(&s, b, n, BIT(0) | BIT(5), order, 3), 5,
		     "the template's next connection before the default");
	cr_assert_eq(mc_steer_pick(&s, b, n, BIT(0), order, 3), 0, "then the default");
	cr_assert_eq(pick(&s, 0xCB007109u, 17, 40000, 5062, 0), 0, "port outside the range");
	cr_assert_eq(pick(&s, 0xC6336409u, 17, 40000, 5060, 0), 0, "address outside the prefix");
	cr_assert_eq(pick(&s, 0xCB007109u, 6, 40000, 5060, 0), 0, "TCP is not the template's UDP");
	cr_assert_eq(pick(&s, 0x08080808u, 6, 40000, 443, 46), 5, "DSCP 46");
	cr_assert_eq(pick(&s, 0x08080808u, 6, 40000, 443, 10), 0);
}

Test(steer, local_side_is_the_client)
{
	struct mc_steer s;
	struct cp_ul_delivery *u;

	default_uplink(0);
	u = rule();
	u->ul_tft.local_port_range.start = 6000;
	u->ul_tft.local_port_range.end = 6010;
	u->ul_tft.protocol_type = 17;
	u->conn_list[u->n_conn_list++] = 3;
	mc_steer_from_req(&s, &req);
	cr_assert_eq(pick(&s, 0x08080808u, 17, 6005, 53, 0), 3, "the client's (source) port");
	cr_assert_eq(pick(&s, 0x08080808u, 17, 53, 6005, 0), 0);
}

Test(steer, conversion_of_rfc_defaults_matches_everything)
{
	struct cp_tft t;
	struct gma_tft g;

	cp_tft_default(&t);
	mc_tft_from_cp(&g, &t, 4);
	cr_assert_eq(g.remote_mask, 0);
	cr_assert_eq(g.local_mask, 0);
	cr_assert_eq(g.proto, 0, "255 = any");
	cr_assert_not(g.dscp_match, "traffic class 255 = any");
	cr_assert_eq(g.remote_port_min, 0);
	cr_assert_eq(g.remote_port_max, 65535);
	cr_assert_eq(g.flow_id, 4);
}

Test(steer, downlink_list_kept_for_information)
{
	struct mc_steer s;

	req.n_downlink_delivery = 2;
	req.downlink_delivery[0] = 3;
	req.downlink_delivery[1] = 0;
	mc_steer_from_req(&s, &req);
	cr_assert_eq(s.n_dl, 2);
	cr_assert_eq(s.dl[0], 3);
	cr_assert_not(s.has_default);
}
