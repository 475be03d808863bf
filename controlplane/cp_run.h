/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-plane thread's pieces put together: the WebSocket server
 * (cp_ws) feeding the NCM (cp_ncm), with the NCM's answers going back out
 * through it.  mamsgw's main loop calls cp_run_service() every millisecond
 * or so; other threads (telemetry) read the NCM through cp_run_sessions()
 * and cp_run_stats(), which take the same lock as the service loop.
 */
#ifndef CP_RUN_H
#define CP_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "cp_config.h"
#include "cp_ncm.h"
#include "cp_ws.h"

struct dp_ctx;
struct cp_run;

/* NULL with a message naming what failed (listen address, TLS files). */
struct cp_run *cp_run_create(const struct cp_config *cfg, struct dp_ctx *dp, char *err,
			     size_t errlen);
/* Serves the WebSocket for up to timeout_ms, then runs the NCM's timers. */
void cp_run_service(struct cp_run *r, int timeout_ms);
uint16_t cp_run_port(const struct cp_run *r);
/* Milliseconds of the NCM's clock (CLOCK_MONOTONIC). */
uint64_t cp_run_now_ms(void);

/* Thread-safe readers for telemetry and the operator. */
unsigned cp_run_sessions(struct cp_run *r, struct cp_ncm_session_info *out, unsigned max,
			 unsigned *total);
void cp_run_stats(struct cp_run *r, struct cp_ncm_stats *ncm, struct cp_ws_stats *ws);
/* NCM-initiated termination; -ENOENT when unknown. */
int cp_run_terminate(struct cp_run *r, uint32_t session_id);

void cp_run_destroy(struct cp_run *r);

/* For the REST shim, which runs inside cp_run_service() (the lock held):
 * the NCM, and the libwebsockets context its listener joins. */
struct cp_ncm *cp_run_ncm(struct cp_run *r);
struct lws_context *cp_run_lws_context(struct cp_run *r);
/* The WebSocket server's counters, without the lock (the control thread). */
void cp_run_ws_stats_unlocked(struct cp_run *r, struct cp_ws_stats *out);

#endif /* CP_RUN_H */
