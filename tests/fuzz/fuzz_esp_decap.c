/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: ESP decapsulation (dataplane/esp/esp_proc.c) on inbound
 * SAs with fixed keys.
 *
 * Input: one configuration byte, then the rest.
 *   bits 0-1: suite (AES-128-GCM, AES-256-GCM, AES-128-CBC, AES-256-CBC)
 *   bit 2:    ESN
 *   bit 3:    replay window 32 (else 1024)
 *   bit 7:    0 = the rest is ESP spans, each preceded by a 2-byte length,
 *             decapsulated in one burst by one SA (seeds: valid packets);
 *             1 = the rest is a payload: encapsulate it on the matching
 *             outbound SA, then decapsulate, flip one byte chosen by the
 *             payload and decapsulate again.
 * Checked: no out-of-bounds access (ASan); a decapsulated payload lies
 * inside its span and its next header is 4 or 253; every status is a known
 * reason; the window's top only grows; a round trip returns the payload
 * and a flipped byte is never accepted.  Violations end in __builtin_trap().
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp_sa.h"
#include "fuzz_check.h"

#define MAX_OPS 32u
#define SPAN_MAX 2048u
#define FUZZ_SPI 0x00001234u

static IMB_MGR *mgr;
static alignas(64) struct esp_sa in_sa, out_sa;
static uint8_t bufs[MAX_OPS][SPAN_MAX];
static uint8_t keymat[ESP_KEYMAT_MAX];

static void setup(uint8_t conf)
{
	static const enum esp_suite suites[] = {
		ESP_SUITE_AES128_GCM, ESP_SUITE_AES256_GCM, ESP_SUITE_AES128_CBC_SHA256,
		ESP_SUITE_AES256_CBC_SHA256,
	};
	struct esp_sa_cfg cfg = {
		.spi = FUZZ_SPI,
		.suite = suites[conf & 3u],
		.esn = (conf & 4u) != 0,
		.replay_window = (conf & 8u) ? 32u : 1024u,
		.keymat = keymat,
		.keymat_len = esp_suite_keymat_len(suites[conf & 3u]),
	};

	if (mgr == NULL) {
		mgr = alloc_mb_mgr(0);
		CHECK(mgr != NULL);
		init_mb_mgr_auto(mgr, NULL);
		for (unsigned i = 0; i < sizeof(keymat); i++)
			keymat[i] = (uint8_t)(i * 11 + 3);
	}
	cfg.inbound = true;
	CHECK(esp_sa_init(&in_sa, mgr, &cfg) == 0);
	cfg.inbound = false;
	CHECK(esp_sa_init(&out_sa, mgr, &cfg) == 0);
}

static void spans(const uint8_t *data, size_t size)
{
	struct esp_op ops[MAX_OPS];
	uint32_t lens[MAX_OPS];
	unsigned n = 0, ok = 0, i;
	uint64_t top = in_sa.replay.top;

	while (n < MAX_OPS && size >= 2) {
		uint32_t l = (uint32_t)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		if (l > size)
			l = (uint32_t)size;
		if (l > SPAN_MAX)
			l = SPAN_MAX;
		memcpy(bufs[n], data, l);
		lens[n] = l;
		ops[n] = (struct esp_op){ .sa = &in_sa, .esp = bufs[n], .len = l };
		data += l;
		size -= l;
		n++;
	}
	ok = esp_decap_burst(mgr, ops, n);
	for (i = 0; i < n; i++) {
		CHECK(ops[i].status < ESP_ERR_COUNT);
		if (ops[i].status != ESP_OK)
			continue;
		ok--;
		CHECK(esp_sa_hdr_len(&in_sa) + ops[i].len + 2u + ESP_ICV_LEN <= lens[i]);
		CHECK(ops[i].next_header == ESP_NH_IPV4 || ops[i].next_header == ESP_NH_NOIP);
		CHECK(ops[i].sn > top || top - ops[i].sn < in_sa.replay.window);
	}
	CHECK(ok == 0);
	CHECK(in_sa.replay.top >= top);
}

static void round_trip(const uint8_t *data, size_t size)
{
	static uint8_t pkt[SPAN_MAX], copy[SPAN_MAX];
	unsigned hdr = esp_sa_hdr_len(&out_sa);
	uint32_t n = 0, plen = 0, len = (uint32_t)size;
	uint8_t nh = 0, want_nh = size & 1 ? ESP_NH_NOIP : ESP_NH_IPV4;

	if (len > SPAN_MAX - hdr - esp_sa_tail_max(&out_sa))
		len = SPAN_MAX - hdr - esp_sa_tail_max(&out_sa);
	memcpy(pkt + hdr, data, len);
	CHECK(esp_encap(mgr, &out_sa, pkt, len, SPAN_MAX, want_nh, &n) == ESP_OK);
	CHECK(n <= SPAN_MAX);
	memcpy(copy, pkt, n);
	CHECK(esp_decap(mgr, &in_sa, pkt, n, &plen, &nh) == ESP_OK);
	CHECK(plen == len && nh == want_nh);
	CHECK(memcmp(pkt + hdr, data, len) == 0);
	if (len > 0) {
		uint32_t at = (uint32_t)data[0] * 7u % n;

		/* a fresh SA: the SN is new again, so only the flip can fail it */
		setup((uint8_t)(in_sa.suite - 1u) | (in_sa.esn ? 4u : 0u));
		copy[at] ^= (uint8_t)(data[len - 1] | 1u);
		CHECK(esp_decap(mgr, &in_sa, copy, n, &plen, &nh) != ESP_OK);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	setup(data[0]);
	if (data[0] & 0x80u)
		round_trip(data + 1, size - 1);
	else
		spans(data + 1, size - 1);
	return 0;
}
