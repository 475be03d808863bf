/* SPDX-License-Identifier: BSD-3-Clause */
/* Uplink steering of mams-client (mc_steer.h). */
#include "mc_steer.h"

#include <string.h>

void mc_steer_init(struct mc_steer *s)
{
	memset(s, 0, sizeof(*s));
}

static uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xFFFFFFFFu : ~0u << (32 - len);
}

void mc_tft_from_cp(struct gma_tft *g, const struct cp_tft *c, uint8_t id)
{
	memset(g, 0, sizeof(*g));
	g->remote_mask = prefix_mask(c->remote_prefix_len);
	g->remote_ip = c->remote_addr & g->remote_mask;
	g->local_mask = prefix_mask(c->local_prefix_len);
	g->local_ip = c->local_addr & g->local_mask;
	g->remote_port_min = c->remote_port_range.start;
	g->remote_port_max = c->remote_port_range.end;
	g->local_port_min = c->local_port_range.start;
	g->local_port_max = c->local_port_range.end;
	g->proto = c->protocol_type == 255 ? 0 : c->protocol_type;
	if (c->traffic_class != 255) {
		g->dscp_match = true;
		g->dscp = (uint8_t)(c->traffic_class >> 2);
	}
	g->flow_id = id;
}

unsigned mc_steer_from_req(struct mc_steer *s, const struct cp_traffic_steering_req *r)
{
	mc_steer_init(s);
	s->has_default = r->has_default_uplink_delivery;
	s->default_conn = r->default_uplink_delivery;
	for (unsigned i = 0; i < r->n_uplink_delivery && i < CP_MAX_TFTS; i++) {
		const struct cp_ul_delivery *u = &r->uplink_delivery[i];
		unsigned k = s->n_rules;

		if (u->n_conn_list == 0)
			continue; /* a template that sends nowhere: ignored */
		mc_tft_from_cp(&s->tft[k], &u->ul_tft, (uint8_t)k);
		s->n_conns[k] = (uint8_t)(u->n_conn_list < CP_MAX_CONNS ? u->n_conn_list : CP_MAX_CONNS);
		memcpy(s->conns[k], u->conn_list, s->n_conns[k]);
		s->n_rules++;
	}
	for (unsigned i = 0; i < r->n_downlink_delivery && i < CP_MAX_CONNS; i++)
		s->dl[s->n_dl++] = r->downlink_delivery[i];
	return s->n_rules;
}

static bool usable_conn(uint16_t usable, uint8_t c)
{
	return c < 16 && (usable & (1u << c)) != 0;
}

int mc_steer_pick(const struct mc_steer *s, const uint8_t *ip, size_t len, uint16_t usable,
		  const uint8_t *order, unsigned n_order)
{
	if (s->n_rules > 0) {
		uint8_t r = gma_tft_classify(s->tft, s->n_rules, ip, len, false, MC_STEER_NONE);

		if (r != MC_STEER_NONE)
			for (unsigned j = 0; j < s->n_conns[r]; j++)
				if (usable_conn(usable, s->conns[r][j]))
					return s->conns[r][j];
	}
	if (s->has_default && usable_conn(usable, s->default_conn))
		return s->default_conn;
	for (unsigned j = 0; j < n_order; j++)
		if (usable_conn(usable, order[j]))
			return order[j];
	return -1;
}
