/* SPDX-License-Identifier: BSD-3-Clause */
/* The C-MADP fixture of mams-client's unit tests (mc_test_madp.h). */
#include "mc_test_madp.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

struct mc_madp *m;
struct mct_cap *tx, *dl;
unsigned n_tx, n_dl;
static unsigned max_cap;

static int io_send(void *o, unsigned path, const uint8_t *pdu, size_t len)
{
	(void)o;
	cr_assert_lt(n_tx, max_cap);
	cr_assert_leq(len, sizeof(tx[0].b));
	tx[n_tx].path = path;
	tx[n_tx].len = len;
	memcpy(tx[n_tx].b, pdu, len);
	n_tx++;
	return 0;
}

static void io_deliver(void *o, const uint8_t *sdu, size_t len)
{
	(void)o;
	cr_assert_lt(n_dl, max_cap);
	dl[n_dl].len = len;
	memcpy(dl[n_dl].b, sdu, len);
	n_dl++;
}

void mct_madp_init(unsigned cap)
{
	max_cap = cap;
	tx = calloc(cap, sizeof(*tx));
	dl = calloc(cap, sizeof(*dl));
	cr_assert(tx != NULL && dl != NULL);
	n_tx = n_dl = 0;
	m = NULL;
}

void mct_madp_fini(void)
{
	mc_madp_destroy(m);
	m = NULL;
	free(tx);
	free(dl);
	tx = dl = NULL;
}

struct mc_madp_cfg mct_madp_cfg(enum gma_method method)
{
	return (struct mc_madp_cfg){
		.method = method,
		.mx_dialect = MX_DIALECT_RFC8743,
		.mx_port = 9999,
		.reorder_window = 64,
		.reorder_timeout_ms = 100,
		.deliver_late = true,
		.reasm = { .max_bytes = 65536, .timeout_ms = 100, .slots = 4 },
		.n_bufs = 64,
		.buf_size = 2048,
		.n_paths = 2,
	};
}

void mct_madp_make(const struct mc_madp_cfg *cfg)
{
	struct mc_madp_io io = { .send = io_send, .deliver = io_deliver };

	if (m != NULL)
		mc_madp_destroy(m);
	m = mc_madp_create(cfg, &io);
	cr_assert_not_null(m);
	mc_madp_set_anchor(m, ANCHOR, 15);
	for (unsigned p = 0; p < cfg->n_paths; p++) {
		struct mc_path_cfg pc = { .conn_id = (uint8_t)(p == 0 ? 0 : 3), .connected = true,
					  .up = true, .ul_ok = true, .mtu = 1500 };

		mc_madp_set_path(m, p, &pc);
	}
}

void mct_rx(unsigned p, const uint8_t *b, size_t len, uint64_t now)
{
	size_t cap = 0;
	uint8_t *buf = mc_madp_rx_buf(m, &cap);

	cr_assert_not_null(buf);
	cr_assert_geq(cap, len);
	memcpy(buf, b, len);
	mc_madp_downlink(m, p, len, now);
}
