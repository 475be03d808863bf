/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C-MADP of mams-client (mc_madp.h).  Downlink packets live in
 * fixed-size buffers from a pool allocated once; the reorder windows and
 * reassemblers hold buffer pointers as their handles, exactly like the
 * gateway holds mbufs.  Nothing on the packet path allocates or logs.
 */
#include "mc_madp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gma_seq.h"

_Static_assert(MC_MAX_PATHS <= MC_ESP_MAX_PATHS, "every path may be an IPsec one");

struct mc_buf {
	struct mc_buf *next; /* free list */
	uint16_t off, len;   /* the SDU (or PDU) inside data[] */
	bool big;            /* from the pool of reassembled SDUs */
	uint8_t data[];
};

/* Reassembled SDUs larger than a receive buffer (a fragmented PDU is at
 * most a path MTU, the SDU it carried up to 64 KiB): a few big buffers. */
#define MC_BIG_BUFS 16u
#define MC_BIG_SIZE 65535u

struct mc_flow {
	bool used;
	uint8_t flow_id;
	struct gma_reorder *ro;
	struct gma_reasm *ra;
	bool dsn_valid[MC_MAX_PATHS];
	uint8_t dsn[MC_MAX_PATHS];
};

struct mc_path {
	struct mc_path_cfg cfg;
	bool ipsec;              /* IPsec adaptation: ESP only (mc_esp) */
	uint8_t tx_dsn;          /* uplink Delivery SN (one uplink flow) */
	bool probe_valid;
	uint16_t probe_sn;       /* last probe SN received */
	struct mc_path_stats st;
};

struct mc_madp {
	struct mc_madp_cfg cfg;
	struct mc_madp_io io;
	uint32_t anchor_ip;      /* host order */
	uint8_t anchor_conn_id;
	bool ul_paused;
	uint32_t ul_fsn;         /* Flow SN of the uplink flow */
	struct mc_steer steer;
	uint8_t order[MC_MAX_PATHS]; /* connection IDs of the paths, the last resort */
	struct mc_path path[MC_MAX_PATHS];
	struct mc_flow flow[MC_MAX_FLOWS];
	size_t stride;
	uint8_t *pool, *big_pool;
	struct mc_buf *free_list, *big_free;
	struct mc_buf *spare;    /* reserved by mc_madp_rx_buf() */
	uint8_t *tx;             /* uplink scratch: MC_ESP_HEAD | PDU (tx_cap) | MC_ESP_TAIL */
	uint8_t *pdu;            /* = tx + MC_ESP_HEAD: where PDUs are built */
	size_t tx_cap;
	struct mc_esp *esp;      /* SAs of the IPsec paths, the client's IPsec-MB manager */
	uint64_t now_ms;
	bool reasm_held;
	struct mc_madp_stats st;
};

/* ---- Buffers ------------------------------------------------------------------ */

static struct mc_buf *buf_get(struct mc_madp *m)
{
	struct mc_buf *b = m->free_list;

	if (b != NULL) {
		m->free_list = b->next;
		b->off = 0;
		b->len = 0;
	}
	return b;
}

static struct mc_buf *big_get(struct mc_madp *m)
{
	struct mc_buf *b = m->big_free;

	if (b != NULL) {
		m->big_free = b->next;
		b->off = 0;
		b->len = 0;
	}
	return b;
}

static void buf_put(struct mc_madp *m, struct mc_buf *b)
{
	if (b == NULL)
		return;
	if (b->big) {
		b->next = m->big_free;
		m->big_free = b;
		return;
	}
	b->next = m->free_list;
	m->free_list = b;
}

/* ---- Set-up --------------------------------------------------------------------- */

struct mc_madp *mc_madp_create(const struct mc_madp_cfg *cfg, const struct mc_madp_io *io)
{
	struct gma_reorder_cfg rc = {
		.window = cfg->reorder_window,
		.timeout_ms = cfg->reorder_timeout_ms,
		.deliver_late = cfg->deliver_late,
	};
	size_t rsz = gma_reorder_memsize(cfg->reorder_window);
	size_t asz = gma_reasm_memsize(&cfg->reasm);
	struct mc_madp *m;

	if (cfg->n_paths == 0 || cfg->n_paths > MC_MAX_PATHS || cfg->n_bufs < 4 ||
	    cfg->buf_size < 128 || cfg->buf_size > 65535 || rsz == 0 || asz == 0 ||
	    (unsigned)cfg->method >= GMA_METHOD_COUNT)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *cfg;
	m->io = *io;
	m->stride = (sizeof(struct mc_buf) + cfg->buf_size + 15u) & ~(size_t)15u;
	m->pool = calloc(cfg->n_bufs, m->stride);
	m->big_pool = calloc(MC_BIG_BUFS, (sizeof(struct mc_buf) + MC_BIG_SIZE + 16u) & ~(size_t)15u);
	m->tx_cap = MC_BIG_SIZE + GMA_OVERHEAD_MAX + 64u;
	m->tx = malloc(MC_ESP_HEAD + m->tx_cap + MC_ESP_TAIL);
	{
		struct mc_esp_cfg ec = {
			.suite = cfg->esp_suite,
			.esn = cfg->esp_esn,
			.replay_window = cfg->esp_replay_window,
			.rekey_grace_ms = cfg->esp_rekey_grace_ms,
			.method = cfg->method,
			.n_paths = cfg->n_paths,
		};

		m->esp = mc_esp_create(&ec);
	}
	if (m->pool == NULL || m->big_pool == NULL || m->tx == NULL || m->esp == NULL)
		goto fail;
	m->pdu = m->tx + MC_ESP_HEAD;
	for (uint32_t i = 0; i < cfg->n_bufs; i++)
		buf_put(m, (struct mc_buf *)(void *)(m->pool + (size_t)i * m->stride));
	for (uint32_t i = 0; i < MC_BIG_BUFS; i++) {
		struct mc_buf *b = (struct mc_buf *)(void *)(m->big_pool +
			(size_t)i * ((sizeof(struct mc_buf) + MC_BIG_SIZE + 16u) & ~(size_t)15u));

		b->big = true;
		buf_put(m, b);
	}
	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		void *rm = malloc(rsz), *am = malloc(asz);

		m->flow[f].ro = rm != NULL ? gma_reorder_init(rm, rsz, &rc) : NULL;
		m->flow[f].ra = am != NULL ? gma_reasm_init(am, asz, &cfg->reasm) : NULL;
		if (m->flow[f].ro == NULL || m->flow[f].ra == NULL) {
			free(rm);
			free(am);
			m->flow[f].ro = NULL;
			m->flow[f].ra = NULL;
			goto fail;
		}
		for (unsigned p = 0; p < GMA_REORDER_MAX_PATHS; p++)
			gma_reorder_set_path(m->flow[f].ro, p, p < cfg->n_paths);
	}
	for (unsigned p = 0; p < cfg->n_paths; p++) {
		m->path[p].cfg.conn_id = (uint8_t)p;
		m->path[p].cfg.mtu = 1500;
		m->order[p] = (uint8_t)p;
	}
	mc_steer_init(&m->steer);
	return m;
fail:
	mc_madp_destroy(m);
	return NULL;
}

void mc_madp_destroy(struct mc_madp *m)
{
	if (m == NULL)
		return;
	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		free(m->flow[f].ro);
		free(m->flow[f].ra);
	}
	free(m->pool);
	free(m->big_pool);
	free(m->tx);
	mc_esp_destroy(m->esp);
	free(m);
}

void mc_madp_set_anchor(struct mc_madp *m, uint32_t anchor_ip, uint8_t anchor_conn_id)
{
	m->anchor_ip = anchor_ip;
	m->anchor_conn_id = anchor_conn_id & 0x0Fu;
}

void mc_madp_set_path(struct mc_madp *m, unsigned p, const struct mc_path_cfg *pc)
{
	if (p >= m->cfg.n_paths)
		return;
	m->path[p].cfg = *pc;
	m->path[p].cfg.conn_id &= 0x0Fu;
	m->order[p] = m->path[p].cfg.conn_id;
	for (unsigned f = 0; f < MC_MAX_FLOWS; f++)
		gma_reorder_set_path(m->flow[f].ro, p, pc->up);
}

void mc_madp_set_steer(struct mc_madp *m, const struct mc_steer *s)
{
	m->steer = *s;
}

void mc_madp_set_ul_paused(struct mc_madp *m, bool paused)
{
	m->ul_paused = paused;
}

bool mc_madp_ul_paused(const struct mc_madp *m)
{
	return m->ul_paused;
}

int mc_madp_set_ipsec(struct mc_madp *m, unsigned p, const struct mc_esp_keys *k,
		      uint64_t now_ms)
{
	int rc;

	if (p >= m->cfg.n_paths)
		return -EINVAL;
	if (k == NULL) {
		m->path[p].ipsec = false;
		mc_esp_clear(m->esp, p);
		return MC_ESP_KEPT;
	}
	/* IPsec from now on, also if the keys are refused: then nothing is
	 * sent on the path rather than plaintext. */
	m->path[p].ipsec = true;
	rc = mc_esp_set_keys(m->esp, p, k, now_ms);
	if (rc < 0)
		mc_esp_clear(m->esp, p); /* the previous SAs are not used either */
	return rc;
}

bool mc_madp_ipsec(const struct mc_madp *m, unsigned p)
{
	return p < m->cfg.n_paths && m->path[p].ipsec;
}

unsigned mc_madp_path_overhead(const struct mc_madp *m, unsigned p)
{
	return MC_OUTER_OVERHEAD + (mc_madp_ipsec(m, p) ? mc_esp_overhead(m->esp) : 0u);
}

void mc_madp_esp_stats(const struct mc_madp *m, unsigned p, struct mc_esp_stats *out)
{
	mc_esp_stats(m->esp, p, out);
}

enum esp_suite mc_madp_esp_suite(const struct mc_madp *m)
{
	return mc_esp_suite(m->esp);
}

uint32_t mc_madp_tun_mtu(enum gma_method method, uint32_t path_mtu, uint32_t extra)
{
	uint32_t over = MC_OUTER_OVERHEAD + extra + (uint32_t)gma_overhead(method, MC_UL_FLAGS);

	return path_mtu > over + 68u ? path_mtu - over : 68u;
}

/* ---- Uplink --------------------------------------------------------------------- */

static int path_of_conn(const struct mc_madp *m, uint8_t conn)
{
	for (unsigned p = 0; p < m->cfg.n_paths; p++)
		if (m->path[p].cfg.conn_id == conn)
			return (int)p;
	return -1;
}

/* Sends the PDU built at m->pdu; on an IPsec path as ESP only. */
static int send_pdu(struct mc_madp *m, unsigned p, size_t len)
{
	struct mc_path *ps = &m->path[p];
	uint8_t *out = m->pdu;
	uint32_t olen = (uint32_t)len;
	int rc;

	if (ps->ipsec && mc_esp_encap(m->esp, p, m->pdu, (uint32_t)len, &out, &olen) != ESP_OK) {
		ps->st.tx_errors++; /* the reason is counted by mc_esp */
		return -EIO;
	}
	len = olen;
	rc = m->io.send(m->io.opaque, p, out, len);
	if (rc < 0) {
		ps->st.tx_errors++;
		return rc;
	}
	ps->st.tx_pkts++;
	ps->st.tx_bytes += len;
	return 0;
}

int mc_madp_uplink(struct mc_madp *m, const uint8_t *sdu, size_t len, uint64_t now_ms)
{
	struct gma_frag_plan plan;
	struct gma_fields f;
	struct mc_path *ps;
	uint16_t usable = 0;
	int conn, p, rc;

	if (m->ul_paused) {
		m->st.ul_paused++;
		return -EAGAIN;
	}
	if (len < 1 || ((sdu[0] >> 4) != 4 && m->cfg.method != GMA_METHOD_NONIP) ||
	    ((sdu[0] >> 4) != 4 && (sdu[0] >> 4) != 6)) {
		m->st.ul_bad++;
		return -EINVAL;
	}
	for (unsigned i = 0; i < m->cfg.n_paths; i++)
		if (m->path[i].cfg.ul_ok && m->path[i].cfg.connected)
			usable |= (uint16_t)(1u << m->path[i].cfg.conn_id);
	conn = mc_steer_pick(&m->steer, sdu, len, usable, m->order, m->cfg.n_paths);
	p = conn < 0 ? -1 : path_of_conn(m, (uint8_t)conn);
	if (p < 0) {
		m->st.ul_no_path++;
		return -ENETUNREACH;
	}
	ps = &m->path[p];
	memset(&f, 0, sizeof(f));
	f.flags = MC_UL_FLAGS;
	f.conn_id = (uint8_t)(m->anchor_conn_id << 4 | ps->cfg.conn_id);
	f.flow_sn = m->ul_fsn;
	f.timestamp = (uint32_t)now_ms;
	rc = gma_frag_plan(m->cfg.method, sdu, len, ps->cfg.mtu, mc_madp_path_overhead(m, (unsigned)p),
			   f.flags, &plan);
	if (rc < 0) {
		m->st.ul_bad++;
		return -EMSGSIZE;
	}
	for (unsigned i = 0; i < plan.n; i++) {
		f.delivery_sn = ps->tx_dsn;
		rc = plan.n == 1 ? gma_encode(m->cfg.method, &f, sdu, len, m->pdu, m->tx_cap)
				 : gma_frag_build(m->cfg.method, &plan, i, &f, sdu, len, m->pdu,
						  m->tx_cap);
		if (rc < 0) {
			m->st.ul_bad++;
			return -EINVAL;
		}
		ps->tx_dsn++;
		send_pdu(m, (unsigned)p, (size_t)rc);
		if (plan.n > 1)
			m->st.ul_frag_pdus++;
	}
	m->ul_fsn = (m->ul_fsn + 1u) & GMA_SN24_MASK;
	m->st.ul_sdus++;
	m->st.ul_bytes += len;
	return 0;
}

/* ---- MX control -------------------------------------------------------------------- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* IPv4/UDP to the anchor, both ports mx_port: returns the UDP header offset. */
static int ctrl_udp_off(const struct mc_madp *m, const uint8_t *p, size_t len)
{
	unsigned ihl;

	if (m->anchor_ip == 0 || len < 28 || (p[0] >> 4) != 4 || p[9] != 17)
		return -1;
	ihl = (p[0] & 0x0Fu) * 4u;
	if (ihl < 20 || len < ihl + 8u || (rd16(p + 6) & 0x3FFFu) != 0)
		return -1;
	if (rd32(p + 16) != m->anchor_ip || rd16(p + ihl) != m->cfg.mx_port ||
	    rd16(p + ihl + 2) != m->cfg.mx_port)
		return -1;
	return (int)ihl;
}

/* Builds the ACK SDU answering req (IPv4/UDP, addresses and ports swapped)
 * and sends it GMA-encapsulated on path p. */
static void probe_ack(struct mc_madp *m, unsigned p, const uint8_t *req_ip,
		      const struct mx_ctrl_pdu *req)
{
	struct mx_ctrl_pdu ack;
	struct gma_fields f;
	uint8_t sdu[20 + 8 + 16];
	struct mc_path *ps = &m->path[p];
	unsigned ihl = (req_ip[0] & 0x0Fu) * 4u;
	int n, rc;

	memset(&ack, 0, sizeof(ack));
	ack.kind = MX_CTRL_PROBE_ACK;
	ack.cid = ps->cfg.conn_id;
	ack.sn = req->sn;
	ack.timestamp = (uint32_t)(m->now_ms * 10u); /* UP-09: 100 us units */
	n = mx_ctrl_encode(m->cfg.mx_dialect, &ack, sdu + 28, 16);
	if (n < 0)
		return;
	memset(sdu, 0, 28);
	sdu[0] = 0x45;
	wr16(sdu + 2, (uint16_t)(28 + n));
	wr16(sdu + 6, 0x4000); /* DF */
	sdu[8] = 64;
	sdu[9] = 17;
	wr32(sdu + 12, m->anchor_ip);
	memcpy(sdu + 16, req_ip + 12, 4);        /* to the probe's source */
	memcpy(sdu + 20, req_ip + ihl + 2, 2);   /* source port: its destination port */
	memcpy(sdu + 22, req_ip + ihl, 2);       /* destination port: its source port */
	wr16(sdu + 24, (uint16_t)(8 + n));
	wr16(sdu + 10, gma_ipv4_cksum(sdu, 20));
	memset(&f, 0, sizeof(f));
	f.flags = MC_CTRL_FLAGS;
	f.conn_id = (uint8_t)(m->anchor_conn_id << 4 | ps->cfg.conn_id);
	f.timestamp = (uint32_t)m->now_ms;
	rc = gma_encode(m->cfg.method, &f, sdu, (size_t)(28 + n), m->pdu, m->tx_cap);
	if (rc < 0)
		return;
	if (send_pdu(m, p, (size_t)rc) == 0)
		ps->st.probe_acks_tx++;
}

static void ctrl_pdu(struct mc_madp *m, unsigned p, const uint8_t *ip, size_t len, int udp_off)
{
	struct mc_path *ps = &m->path[p];
	struct mx_ctrl_pdu pdu;
	const uint8_t *body = ip + udp_off + 8;
	size_t blen = len - (size_t)udp_off - 8u;
	unsigned reply = p;
	int q;

	m->st.dl_ctrl++;
	if (mx_ctrl_decode(m->cfg.mx_dialect, body, blen, &pdu) < 0) {
		ps->st.ctrl_bad++;
		return;
	}
	switch (pdu.kind) {
	case MX_CTRL_KEEPALIVE:
		ps->st.keepalives_rx++;
		return;
	case MX_CTRL_PROBE_ACK:
		return; /* the client sends no probes */
	case MX_CTRL_PROBE_REQ:
		break;
	}
	ps->st.probes_rx++;
	if (ps->probe_valid) {
		int32_t gap = gma_sn16_diff(pdu.sn, ps->probe_sn);

		if (gap > 1)
			ps->st.probes_lost += (uint64_t)(gap - 1);
		if (gap > 0)
			ps->probe_sn = pdu.sn;
	} else {
		ps->probe_valid = true;
		ps->probe_sn = pdu.sn;
	}
	if (!(pdu.flags & MX_PROBE_F_ACK))
		return;
	/* The connection the ACK must go out on: the R-CID, else this one. */
	if (pdu.has_rcid && pdu.rcid != MX_RCID_SAME) {
		q = path_of_conn(m, pdu.rcid & 0x0Fu);
		if (q >= 0 && m->path[q].cfg.connected)
			reply = (unsigned)q;
	}
	if (m->path[reply].cfg.connected)
		probe_ack(m, reply, ip, &pdu);
}

/* ---- Downlink ----------------------------------------------------------------- */

static void deliver(struct mc_madp *m, struct mc_buf *b)
{
	m->st.dl_sdus++;
	m->st.dl_bytes += b->len;
	m->io.deliver(m->io.opaque, b->data + b->off, b->len);
	buf_put(m, b);
}

static struct mc_flow *flow_of(struct mc_madp *m, uint8_t id)
{
	struct mc_flow *free_slot = NULL;

	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		if (m->flow[f].used && m->flow[f].flow_id == id)
			return &m->flow[f];
		if (!m->flow[f].used && free_slot == NULL)
			free_slot = &m->flow[f];
	}
	if (free_slot != NULL) {
		free_slot->used = true;
		free_slot->flow_id = id;
	}
	return free_slot;
}

#define MC_RELEASE_MAX 64u

/* One SDU: control PDU, or into its flow's reorder window, or straight on. */
static void sdu_in(struct mc_madp *m, struct mc_flow *fl, unsigned p, struct mc_buf *b,
		   uint32_t fsn, bool has_sn)
{
	void *out[MC_RELEASE_MAX], *dropped = NULL;
	int uo = ctrl_udp_off(m, b->data + b->off, b->len);
	unsigned n;

	if (uo >= 0) {
		ctrl_pdu(m, p, b->data + b->off, b->len, uo);
		buf_put(m, b);
		return;
	}
	if (!has_sn || fl == NULL) {
		if (has_sn)
			m->st.dl_no_flow++;
		deliver(m, b);
		return;
	}
	n = gma_reorder_insert(fl->ro, fsn, p, b, m->now_ms, out, MC_RELEASE_MAX, &dropped);
	if (dropped != NULL) {
		m->st.dl_reorder_drops++;
		buf_put(m, dropped);
	}
	for (unsigned i = 0; i < n; i++)
		deliver(m, out[i]);
	if (gma_reorder_held(fl->ro) > 0) {
		/* More may be ready than one call returns. */
		while ((n = gma_reorder_poll(fl->ro, m->now_ms, out, MC_RELEASE_MAX)) > 0)
			for (unsigned i = 0; i < n; i++)
				deliver(m, out[i]);
	}
}

static void measure(struct mc_flow *fl, struct mc_path *ps, unsigned p,
		    const struct gma_fields *f)
{
	if (fl == NULL || !(f->flags & GMA_F_DELIVERY_SN))
		return;
	if (fl->dsn_valid[p]) {
		int32_t gap = gma_sn8_diff(f->delivery_sn, (uint8_t)(fl->dsn[p] + 1u));

		if (gap > 0)
			ps->st.dsn_lost += (uint64_t)gap;
	}
	fl->dsn[p] = f->delivery_sn;
	fl->dsn_valid[p] = true;
}

static void reasm_done(struct mc_madp *m, struct mc_flow *fl, unsigned p,
		       const struct gma_reasm_done *done)
{
	const uint8_t *pdus[GMA_FRAG_MAX];
	struct gma_pdu dec[GMA_FRAG_MAX];
	bool big = done->bytes > m->cfg.buf_size;
	struct mc_buf *nb = big ? big_get(m) : buf_get(m);
	int len = -1;

	for (unsigned i = 0; i < done->n; i++) {
		struct mc_buf *fb = done->handles[i];

		pdus[i] = fb->data + fb->off;
		gma_decode(m->cfg.method, pdus[i], fb->len, &dec[i]);
	}
	if (nb != NULL)
		len = gma_reasm_copy(m->cfg.method, pdus, dec, done->n, nb->data,
				     big ? MC_BIG_SIZE : m->cfg.buf_size);
	for (unsigned i = 0; i < done->n; i++)
		buf_put(m, done->handles[i]);
	if (nb == NULL || len < 0) {
		if (nb == NULL)
			m->st.dl_no_buf++;
		else
			m->st.dl_reasm_reject++;
		buf_put(m, nb);
		return;
	}
	nb->off = 0;
	nb->len = (uint16_t)len;
	sdu_in(m, fl, p, nb, done->flow_sn, true);
}

uint8_t *mc_madp_rx_buf(struct mc_madp *m, size_t *cap)
{
	if (m->spare == NULL)
		m->spare = buf_get(m);
	if (m->spare == NULL) {
		m->st.dl_no_buf++;
		return NULL;
	}
	*cap = m->cfg.buf_size;
	return m->spare->data;
}

void mc_madp_downlink(struct mc_madp *m, unsigned p, size_t len, uint64_t now_ms)
{
	struct mc_buf *b = m->spare, *extra[16];
	struct gma_sdu sdus[16];
	struct mc_flow *fl;
	struct mc_path *ps;
	struct gma_pdu d;
	uint32_t off = 0, plen = (uint32_t)len;
	uint8_t *pdu;
	bool has_sn;
	int n;

	m->spare = NULL;
	m->now_ms = now_ms;
	if (b == NULL)
		return;
	if (p >= m->cfg.n_paths || len > m->cfg.buf_size) {
		buf_put(m, b);
		return;
	}
	ps = &m->path[p];
	/* IPsec: only what an inbound SA authenticates (mc_esp counts the rest). */
	if (ps->ipsec && mc_esp_decap(m->esp, p, b->data, (uint32_t)len, now_ms, &off, &plen) != 0) {
		buf_put(m, b);
		return;
	}
	pdu = b->data + off;
	b->off = (uint16_t)off;
	b->len = (uint16_t)plen;
	if (gma_decode(m->cfg.method, pdu, plen, &d) < 0) {
		ps->st.rx_bad++;
		buf_put(m, b);
		return;
	}
	ps->st.rx_pkts++;
	ps->st.rx_bytes += len;
	len = plen;
	fl = flow_of(m, (d.f.flags & GMA_F_FLOW_ID) ? d.f.flow_id : 0);
	measure(fl, ps, p, &d.f);
	has_sn = (d.f.flags & GMA_F_FLOW_SN) != 0;

	if ((d.f.flags & GMA_F_FRAG) && d.f.fc != 0) {
		struct gma_reasm_done done;
		int rc;

		if (fl == NULL) {
			m->st.dl_reasm_reject++;
			buf_put(m, b);
			return;
		}
		rc = gma_reasm_add(fl->ra, d.f.flow_sn, d.f.fc, b, (uint16_t)len, now_ms, &done);
		if (rc < 0) {
			m->st.dl_reasm_reject++;
			buf_put(m, b);
		} else if (rc == GMA_REASM_COMPLETE) {
			reasm_done(m, fl, p, &done);
		} else {
			m->reasm_held = true;
		}
		return;
	}
	n = gma_decap_sdus(m->cfg.method, pdu, len, &d, sdus, 16);
	if (n <= 0) {
		ps->st.rx_bad++;
		buf_put(m, b);
		return;
	}
	/* Concatenated SDUs after the first get buffers of their own. */
	for (int i = 1; i < n; i++) {
		extra[i] = buf_get(m);
		if (extra[i] == NULL) {
			m->st.dl_no_buf++;
			continue;
		}
		memcpy(extra[i]->data, pdu + sdus[i].off, sdus[i].len);
		extra[i]->len = sdus[i].len;
	}
	b->off = (uint16_t)(off + sdus[0].off);
	b->len = sdus[0].len;
	sdu_in(m, fl, p, b, sdus[0].flow_sn, has_sn);
	for (int i = 1; i < n; i++)
		if (extra[i] != NULL)
			sdu_in(m, fl, p, extra[i], sdus[i].flow_sn, has_sn);
}

void mc_madp_poll(struct mc_madp *m, uint64_t now_ms)
{
	void *out[MC_RELEASE_MAX];
	bool held = false;
	unsigned n;

	m->now_ms = now_ms;
	mc_esp_poll(m->esp, now_ms);
	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		struct mc_flow *fl = &m->flow[f];

		if (!fl->used)
			continue;
		while (gma_reorder_next_deadline(fl->ro) <= now_ms &&
		       (n = gma_reorder_poll(fl->ro, now_ms, out, MC_RELEASE_MAX)) > 0)
			for (unsigned i = 0; i < n; i++)
				deliver(m, out[i]);
		while ((n = gma_reasm_expire(fl->ra, now_ms, out, MC_RELEASE_MAX)) > 0) {
			for (unsigned i = 0; i < n; i++)
				buf_put(m, out[i]);
			m->st.dl_reasm_timeout += n;
			if (n < MC_RELEASE_MAX)
				break;
		}
		held |= gma_reasm_held(fl->ra, NULL) > 0;
	}
	m->reasm_held = held;
}

uint64_t mc_madp_next_deadline(const struct mc_madp *m, uint64_t now_ms)
{
	uint64_t t = mc_esp_next_deadline(m->esp);

	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		uint64_t d;

		if (!m->flow[f].used)
			continue;
		d = gma_reorder_next_deadline(m->flow[f].ro);
		if (d < t)
			t = d;
	}
	/* Reassembly has no deadline query: look again in a tenth of its timeout. */
	if (m->reasm_held) {
		uint64_t d = now_ms + (m->cfg.reasm.timeout_ms / 10u > 0 ? m->cfg.reasm.timeout_ms / 10u : 1u);

		if (d < t)
			t = d;
	}
	return t;
}

void mc_madp_flush(struct mc_madp *m)
{
	void *out[MC_RELEASE_MAX];
	unsigned n;

	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		if (!m->flow[f].used)
			continue;
		while ((n = gma_reorder_flush(m->flow[f].ro, out, MC_RELEASE_MAX)) > 0)
			for (unsigned i = 0; i < n; i++)
				deliver(m, out[i]);
	}
}

void mc_madp_path_stats(const struct mc_madp *m, unsigned p, struct mc_path_stats *out)
{
	if (p >= m->cfg.n_paths) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = m->path[p].st;
}

void mc_madp_stats(const struct mc_madp *m, struct mc_madp_stats *out)
{
	*out = m->st;
	memset(&out->reorder, 0, sizeof(out->reorder));
	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		const struct gma_reorder_stats *r;

		if (!m->flow[f].used)
			continue;
		r = gma_reorder_stats(m->flow[f].ro);
		out->reorder.in_order += r->in_order;
		out->reorder.reordered += r->reordered;
		out->reorder.late += r->late;
		out->reorder.duplicate += r->duplicate;
		out->reorder.timed_out += r->timed_out;
		out->reorder.early += r->early;
		out->reorder.overflow += r->overflow;
		out->reorder.stale += r->stale;
		out->reorder.hold_ms_sum += r->hold_ms_sum;
		if (r->hold_ms_max > out->reorder.hold_ms_max)
			out->reorder.hold_ms_max = r->hold_ms_max;
	}
}

unsigned mc_madp_held(const struct mc_madp *m)
{
	unsigned n = 0;

	for (unsigned f = 0; f < MC_MAX_FLOWS; f++) {
		if (!m->flow[f].used)
			continue;
		n += gma_reorder_held(m->flow[f].ro) + gma_reasm_held(m->flow[f].ra, NULL);
	}
	return n;
}
