/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP SAs across session versions (in-process, ring ports, the test thread
 * as control thread): an update that keeps a path's SAs keeps the SN counter
 * and the replay window (owner's state); one that changes a key under the
 * same SPI is refused; new SPIs and keys replace both SAs (counters restart,
 * the old inbound SPI is gone); an inbound SPI of another session is -EEXIST.
 * A rekey overlaps the old and new SAs (docs/ipsec.md, "Rekey"), and an
 * authenticated ESP packet from a new endpoint moves the path there.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "esp_sa.h"
#include "ring_world.h"

#define SPI_OUT 0x1000u
#define SPI_IN 0x2000u

struct world {
	struct rport wifi, lte, core;
	struct rte_mempool *mp;
	struct dp_ctx *dp;
	IMB_MGR *mb;
	struct esp_sa cli_in, cli_out; /* the client's SAs */
	uint32_t next_sn;              /* uplink Flow SN */
	uint32_t dl_seq;
	uint16_t cli_port;             /* the client's wifi UDP port (NAT) */
};

static void keys(struct dp_ipsec_cfg *ic, uint32_t out_spi, uint32_t in_spi, uint8_t seed)
{
	memset(ic, 0, sizeof(*ic));
	ic->enabled = true;
	ic->suite = ESP_SUITE_AES128_GCM;
	ic->replay_window = 64;
	ic->out.spi = out_spi;
	ic->in.spi = in_spi;
	ic->out.keymat_len = ic->in.keymat_len = 20;
	for (unsigned i = 0; i < 20; i++) {
		ic->out.keymat[i] = (uint8_t)(seed + 3 * i);
		ic->in.keymat[i] = (uint8_t)(seed ^ (0x5A + i));
	}
}

/* The client's side of ic (its inbound is the gateway's out). */
static void client_sas(struct world *wd, const struct dp_ipsec_cfg *ic)
{
	struct esp_sa_cfg in = { .spi = ic->out.spi, .suite = ESP_SUITE_AES128_GCM, .inbound = true,
				 .keymat = ic->out.keymat, .keymat_len = 20 };
	struct esp_sa_cfg out = { .spi = ic->in.spi, .suite = ESP_SUITE_AES128_GCM,
				  .keymat = ic->in.keymat, .keymat_len = 20 };

	cr_assert_eq(esp_sa_init(&wd->cli_in, wd->mb, &in), 0);
	cr_assert_eq(esp_sa_init(&wd->cli_out, wd->mb, &out), 0);
}

static struct dp_config g_cfg;

static void world_up(struct world *wd)
{

	memset(wd, 0, sizeof(*wd));
	wd->cli_port = 5000;
	rw_world_up("test_dp_esp_live", "0@0,1@1", 1, 4096, &wd->wifi, &wd->lte, &wd->core);
	wd->mp = rw_pool(4095, 64);
	rw_config(&g_cfg, &wd->wifi, &wd->lte, &wd->core);
	g_cfg.reorder_timeout_ms = 60000;
	/* All downlink on path 0 (wifi, IPsec). */
	g_cfg.sessions[0].flows[0].steer.mode = GMA_STEER_SWITCH;
	g_cfg.sessions[0].flows[0].steer.n = 1;
	g_cfg.sessions[0].flows[0].steer.path[0] = 0;
	keys(&g_cfg.sessions[0].paths[0].ipsec, SPI_OUT, SPI_IN, 1);
	wd->mb = alloc_mb_mgr(0);
	cr_assert_not_null(wd->mb);
	init_mb_mgr_auto(wd->mb, NULL);
	client_sas(wd, &g_cfg.sessions[0].paths[0].ipsec);
	wd->dp = rw_dp_create(&g_cfg);
	cr_assert_eq(dp_start(wd->dp), 0);
}

static void world_down(struct world *wd)
{
	dp_destroy(wd->dp);
	rte_mempool_free(wd->mp);
	free_mb_mgr(wd->mb);
	rw_eal_down();
}

/* n downlink SDUs; the wifi frames must carry SPI spi and SNs first_sn.. */
static void dl_expect(struct world *wd, unsigned n, uint32_t spi, uint64_t first_sn)
{
	uint64_t deadline;
	unsigned got = 0;

	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(rte_ring_enqueue(wd->core.rx, rw_dl_frame(wd->mp, RW_SERVER, 4000,
								     ANCHOR, wd->dl_seq++)), 0);
	deadline = rte_get_tsc_cycles() + 2 * rte_get_tsc_hz();
	while (got < n && rte_get_tsc_cycles() < deadline) {
		struct rte_mbuf *m;
		uint8_t buf[2048];
		uint32_t len, pl;
		uint8_t nh;
		enum esp_err e;

		if (rte_ring_dequeue(wd->wifi.tx, (void **)&m) != 0)
			continue;
		len = rte_pktmbuf_data_len(m) - 42u;
		memcpy(buf, rte_pktmbuf_mtod_offset(m, uint8_t *, 42), len);
		rte_pktmbuf_free(m);
		cr_assert_eq(esp_spi_of(buf, len), spi, "frame %u: SPI %#x", got, esp_spi_of(buf, len));
		e = esp_decap(wd->mb, &wd->cli_in, buf, len, &pl, &nh);
		cr_assert_eq(e, ESP_OK, "frame %u: %s", got, esp_err_name(e));
		cr_assert_eq(wd->cli_in.replay.top, first_sn + got, "frame %u: SN %lu", got,
			     (unsigned long)wd->cli_in.replay.top);
		got++;
	}
	cr_assert_eq(got, n, "wifi sent %u of %u", got, n);
}

/* One uplink ESP frame on wifi (Flow SN next_sn); its SDU is expected on core iff ok
 * (and is then the only SDU that arrives). */
static void ul_one(struct world *wd, bool ok)
{
	struct rw_ul u = {
		.method = GMA_METHOD_TRAILER, .f = { .flags = GMA_F_FLOW_SN, .flow_sn = wd->next_sn },
		.client_ip = IP4(192, 0, 2, 10), .client_port = wd->cli_port,
		.gw_ip = IP4(192, 0, 2, 1),
	};
	struct rte_mbuf *p = rw_ul_frame(wd->mp, &u, wd->next_sn), *m;
	uint8_t *f = rte_pktmbuf_mtod(p, uint8_t *), esp[2048];
	uint32_t pdu_len = rte_pktmbuf_data_len(p) - 42u, esp_len;
	unsigned hdr = esp_sa_hdr_len(&wd->cli_out);
	struct rte_ipv4_hdr *ip;
	uint64_t deadline;
	uint8_t *o;

	memcpy(esp + hdr, f + 42, pdu_len);
	cr_assert_eq(esp_encap(wd->mb, &wd->cli_out, esp, pdu_len, sizeof(esp), ESP_NH_IPV4,
			       &esp_len), ESP_OK);
	m = rte_pktmbuf_alloc(wd->mp);
	o = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(42u + esp_len));
	memcpy(o, f, 42);
	memcpy(o + 42, esp, esp_len);
	rte_pktmbuf_free(p);
	ip = (struct rte_ipv4_hdr *)(o + 14);
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28u + esp_len));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	o[38] = (uint8_t)((8u + esp_len) >> 8);
	o[39] = (uint8_t)(8u + esp_len);
	o[40] = o[41] = 0;
	cr_assert_eq(rte_ring_enqueue(wd->wifi.rx, m), 0);
	deadline = rte_get_tsc_cycles() + (ok ? 2 : 0.2) * rte_get_tsc_hz();
	while (rte_get_tsc_cycles() < deadline) {
		if (rte_ring_dequeue(wd->core.tx, (void **)&m) != 0)
			continue;
		cr_assert(ok, "SDU %u reached the core", wd->next_sn);
		cr_assert_eq(rw_core_seq(m), wd->next_sn);
		rte_pktmbuf_free(m);
		wd->next_sn++;
		return;
	}
	cr_assert(!ok, "SDU %u did not reach the core", wd->next_sn);
	/* Dropped: its Flow SN is sent again (no gap held in the reorder window). */
}

static uint64_t drops_named(struct world *wd, const char *name)
{
	struct dp_stats st;

	rte_delay_ms(5);
	cr_assert_eq(dp_stats_read(wd->dp, &st), 0);
	for (unsigned r = 0; r < st.n_drops; r++)
		if (strcmp(dp_drop_reason_name(r), name) == 0)
			return st.drops[r];
	cr_assert_fail("no drop reason %s", name);
	return 0;
}

Test(esp_live, sas_across_versions, .timeout = 60)
{
	struct world wd;
	struct dp_session_cfg c;

	world_up(&wd);
	dl_expect(&wd, 3, SPI_OUT, 1);
	ul_one(&wd, true);
	ul_one(&wd, true);

	/* Same SAs (an MTU change on the other path): counters continue. */
	cr_assert_eq(dp_path_set(wd.dp, 1, 1, true, 1400), 0);
	dl_expect(&wd, 2, SPI_OUT, 4);
	ul_one(&wd, true);

	/* Another key under the same SPI: refused (a restarted SN would reuse nonces). */
	c = g_cfg.sessions[0];
	c.paths[0].ipsec.out.keymat[0] ^= 1;
	cr_assert_eq(dp_session_update(wd.dp, &c), -EINVAL);
	/* New SPIs but the same outbound key: refused as well. */
	c = g_cfg.sessions[0];
	c.paths[0].ipsec.out.spi = SPI_OUT + 1;
	c.paths[0].ipsec.in.spi = SPI_IN + 1;
	cr_assert_eq(dp_session_update(wd.dp, &c), -EINVAL);
	/* Removing IPsec from the path: refused (never plaintext by an update). */
	c = g_cfg.sessions[0];
	c.paths[0].ipsec.enabled = false;
	cr_assert_eq(dp_session_update(wd.dp, &c), -EINVAL);
	dl_expect(&wd, 1, SPI_OUT, 6);

	/* New SAs: the counters restart, the old inbound SPI is unknown. */
	c = g_cfg.sessions[0];
	keys(&c.paths[0].ipsec, SPI_OUT + 1, SPI_IN + 1, 77);
	cr_assert_eq(dp_session_update(wd.dp, &c), 0);
	ul_one(&wd, false); /* still the old client SA */
	cr_assert_eq(drops_named(&wd, "esp_unknown_spi"), 1);
	client_sas(&wd, &c.paths[0].ipsec);
	dl_expect(&wd, 2, SPI_OUT + 1, 1);
	ul_one(&wd, true);

	/* An inbound SPI is the gateway's alone. */
	struct dp_session_cfg o = g_cfg.sessions[0];
	o.id = 2;
	o.anchor_ip = IP4(10, 8, 0, 3);
	o.paths[0].client_port = 6000;
	o.paths[1].client_port = 6000;
	keys(&o.paths[0].ipsec, 0x3000, SPI_IN + 1, 9);
	cr_assert_eq(dp_session_add(wd.dp, &o), -EEXIST);
	keys(&o.paths[0].ipsec, 0x3000, 0x3001, 9);
	cr_assert_eq(dp_session_add(wd.dp, &o), 0);
	cr_assert_eq(dp_session_remove(wd.dp, 2), 0);
	cr_assert_eq(dp_session_remove(wd.dp, 1), 0);
	world_down(&wd);
}

static void sa_set(struct dp_ipsec_sa_cfg *sa, uint32_t spi, uint8_t seed)
{
	sa->spi = spi;
	sa->keymat_len = 20;
	for (unsigned i = 0; i < 20; i++)
		sa->keymat[i] = (uint8_t)(seed * 7 + i);
}

/* The client's SA for a gateway SA (its direction reversed). */
static void cli_sa(struct world *wd, struct esp_sa *sa, const struct dp_ipsec_sa_cfg *c,
		   bool inbound)
{
	struct esp_sa_cfg e = { .spi = c->spi, .suite = ESP_SUITE_AES128_GCM, .inbound = inbound,
				.keymat = c->keymat, .keymat_len = c->keymat_len };

	cr_assert_eq(esp_sa_init(sa, wd->mb, &e), 0);
}

Test(esp_live, rekey_overlap, .timeout = 60)
{
	struct world wd;
	struct dp_session_cfg c;
	struct dp_ipsec_cfg *ic = &c.paths[0].ipsec;
	struct esp_sa old_out, old_out_at3, new_out_at1;
	struct dp_session_stats ss;

	world_up(&wd);
	c = g_cfg.sessions[0];
	ul_one(&wd, true);
	ul_one(&wd, true);
	old_out_at3 = wd.cli_out; /* would send SN 3 again */
	ul_one(&wd, true);
	dl_expect(&wd, 2, SPI_OUT, 1);

	/* Not a rekey: a previous SA the path never had, or the old previous
	 * one as the current SA again. */
	sa_set(&ic->in, SPI_IN + 1, 40);
	sa_set(&ic->in_prev, 0x2222, 41);
	cr_assert_eq(dp_session_update(wd.dp, &c), -EINVAL);
	ic->in_prev = ic->in;
	cr_assert_eq(dp_session_update(wd.dp, &c), -EINVAL, "in_prev == in");

	/* Rekey, step 1: a new inbound SA, the old one still accepted. */
	c = g_cfg.sessions[0];
	ic->in_prev = ic->in;
	sa_set(&ic->in, SPI_IN + 1, 40);
	cr_assert_eq(dp_session_update(wd.dp, &c), 0);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].esp_spi_in, SPI_IN + 1);
	cr_assert_eq(ss.paths[0].esp_spi_in_prev, SPI_IN);
	cr_assert_eq(ss.paths[0].esp_spi_out, SPI_OUT);
	old_out = wd.cli_out;
	cli_sa(&wd, &wd.cli_out, &ic->in, false);
	ul_one(&wd, true); /* the client switched */
	new_out_at1 = wd.cli_out;
	new_out_at1.next_sn = 1;
	wd.cli_out = old_out;
	ul_one(&wd, true); /* one sent with the old SA before the switch */
	old_out = wd.cli_out;
	/* The old SA's window continued: SN 3 again is a replay. */
	wd.cli_out = old_out_at3;
	ul_one(&wd, false);
	cr_assert_eq(drops_named(&wd, "esp_replay"), 1);
	dl_expect(&wd, 2, SPI_OUT, 3); /* downlink: still the old SA, SN continues */

	/* Step 2 (the client confirmed): a new outbound SA, SN from 1. */
	sa_set(&ic->out, SPI_OUT + 1, 50);
	cr_assert_eq(dp_session_update(wd.dp, &c), 0);
	cli_sa(&wd, &wd.cli_in, &ic->out, true);
	dl_expect(&wd, 3, SPI_OUT + 1, 1);
	wd.cli_out = old_out;
	ul_one(&wd, true); /* still inside the grace period */
	old_out = wd.cli_out;
	/* Step 2 again (an unrelated update): the same SAs, same windows. */
	cr_assert_eq(dp_path_set(wd.dp, 1, 1, true, 1400), 0);
	wd.cli_out = new_out_at1;
	ul_one(&wd, false); /* new SA's SN 1 again: the window continued */
	cr_assert_eq(drops_named(&wd, "esp_replay"), 2);

	/* Step 3 (grace over): the old inbound SA is gone. */
	memset(&ic->in_prev, 0, sizeof(ic->in_prev));
	cr_assert_eq(dp_session_update(wd.dp, &c), 0);
	wd.cli_out = old_out;
	ul_one(&wd, false);
	cr_assert_eq(drops_named(&wd, "esp_unknown_spi"), 1);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].esp_spi_in_prev, 0);
	cr_assert_eq(ss.paths[0].esp_spi_out, SPI_OUT + 1);
	cli_sa(&wd, &wd.cli_out, &ic->in, false);
	wd.cli_out.next_sn = 2; /* SN 1 was used */
	ul_one(&wd, true);
	dl_expect(&wd, 1, SPI_OUT + 1, 4);
	cr_assert_eq(dp_session_remove(wd.dp, 1), 0);
	world_down(&wd);
}

Test(esp_live, endpoint_learnt_from_esp, .timeout = 60)
{
	struct world wd;
	struct dp_session_stats ss;
	struct dp_stats st;

	world_up(&wd);
	cr_assert(!g_cfg.sessions[0].ul_match_client, "ESP alone, no client match");
	ul_one(&wd, true);
	/* The client's NAT rebinds: authenticated ESP from port 6000 is
	 * accepted and the path moves there at the next control tick. */
	wd.cli_port = 6000;
	ul_one(&wd, true);
	ul_one(&wd, true);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].ul_rebound, 2);
	cr_assert_eq(ss.paths[0].client_port, 5000, "not before the control tick");
	dp_ctl_tick(wd.dp);
	cr_assert_eq(dp_stats_read(wd.dp, &st), 0);
	cr_assert_eq(st.rebinds_applied, 1);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].client_port, 6000, "the path has the learnt port");
	ul_one(&wd, true);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].ul_rebound, 2, "from the learnt endpoint: no longer rebound");
	/* A forged packet from yet another port does not move the path. */
	wd.cli_port = 7000;
	{
		struct esp_sa saved = wd.cli_out;

		wd.cli_out.salt[0] ^= 1; /* wrong key material: ICV fails */
		ul_one(&wd, false);
		wd.cli_out = saved;
	}
	dp_ctl_tick(wd.dp);
	cr_assert_eq(dp_session_stats_read(wd.dp, 1, &ss), 0);
	cr_assert_eq(ss.paths[0].client_port, 6000);
	cr_assert_eq(drops_named(&wd, "esp_bad_icv"), 1);
	cr_assert_eq(dp_session_remove(wd.dp, 1), 0);
	world_down(&wd);
}
