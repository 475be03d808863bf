/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mams-client's configuration: command-line flags and an optional
 * key=value file (docs/client.md).  Pure: no I/O besides reading the file
 * named by --config; every error is one line naming the flag and the value.
 */
#ifndef MC_OPTS_H
#define MC_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_err.h"
#include "cp_msg.h"
#include "gma_wire.h"
#include "mx_ctrl.h"

#define MC_MAX_IFACES 8u   /* = CP_MAX_CONNS: delivery connections of one session */
#define MC_IFNAME 16u      /* IFNAMSIZ */
#define MC_PATH 256u
#define MC_TOKEN 513u      /* 512 visible ASCII characters + NUL (the server's limit) */
#define MC_MAX_ROUTES 16u

struct mc_iface_opt {
	char name[MC_IFNAME];      /* "wifi", "lte", "5g": the path's name in logs and stats */
	enum cp_conn_type type;    /* CP_CONN_WIFI, CP_CONN_LTE, CP_CONN_5G_NR */
	char ifname[MC_IFNAME];    /* the Linux interface */
	bool has_conn_id;
	uint8_t conn_id;           /* 0..15; else taken from the capability response */
};

struct mc_route {
	uint32_t net, mask; /* host order */
};

struct mc_opts {
	/* --ncm ws[s]://HOST[:PORT][/PATH] */
	bool has_ncm;
	bool wss;
	char host[CP_HOST];
	uint16_t port;
	char path[MC_PATH];
	/* --iface NAME=IFNAME[:CONN_ID], repeated */
	unsigned n_ifaces;
	struct mc_iface_opt ifaces[MC_MAX_IFACES];
	char tun[MC_IFNAME];            /* --tun, default mams0 */
	enum gma_method method;         /* --gma-method, default trailer */
	enum mx_dialect mx_dialect;     /* --mx-dialect, default rfc8743 */
	uint16_t mx_port;               /* --mx-port, default 9999 */
	/* security */
	char ca[MC_PATH], cert[MC_PATH], key[MC_PATH];
	char token[MC_TOKEN];           /* --token, or MAMS_TOKEN */
	bool subprotocol;               /* --subprotocol mams (default) | none */
	/* timers (RFC 8743 8.3) */
	uint32_t timeout_ms;            /* MAMS_TIMEOUT, default 3000 */
	uint32_t retries;               /* MAMS_RETRY, default 3 */
	uint32_t keep_alive_ms;         /* MAMS_KEEP_ALIVE_TIMEOUT, default 60000 */
	/* downlink receiver */
	uint32_t reorder_timeout_ms;    /* default 100 */
	uint32_t reorder_window;        /* default 1024 */
	/* IPsec adaptation (docs/ipsec.md): MAMS has no field for the suite,
	 * so both ends are configured alike */
	int ipsec_suite;                /* enum esp_suite (esp_sa.h, whose IPsec-MB header
					 * cannot meet OpenSSL's in mc_ws.c): --ipsec-suite,
					 * default aes128-gcm */
	bool ipsec_esn;                 /* --ipsec-esn on|off, default on */
	uint32_t ipsec_replay_window;   /* --ipsec-replay-window, power of 2 32..4096, 1024 */
	uint32_t ipsec_rekey_grace_ms;  /* --ipsec-rekey-grace-ms, default 5000 */
	/* routes through the TUN device once the session is up */
	unsigned n_routes;
	struct mc_route routes[MC_MAX_ROUTES];
	/* operation */
	uint32_t stats_interval_ms;     /* 0: no stats lines */
	uint64_t run_ms;                /* 0: until a signal or the NCM ends the session */
	int verbose;
	bool help;
};

void mc_opts_default(struct mc_opts *o);

/*
 * Parses argv[1..argc) on top of *o (call mc_opts_default() first).
 * env_token: the value of MAMS_TOKEN or NULL (--token wins).  Checks that
 * the result is complete (--ncm, at least one --iface, --cert with --key).
 * Returns 0, or -1 with one line in err: "--iface lte=wwan0:99: connection
 * ID 99 is outside 0..15".
 */
int mc_opts_parse(struct mc_opts *o, int argc, char *const argv[], const char *env_token,
		  char *err, size_t errlen);

/* One setting by its flag name without "--" ("ncm", "iface", ...). */
int mc_opts_set(struct mc_opts *o, const char *name, const char *value, char *err,
		size_t errlen);

/* Reads a key=value file ('#' comments, blank lines) through mc_opts_set. */
int mc_opts_file(struct mc_opts *o, const char *path, char *err, size_t errlen);

const char *mc_opts_usage(void);
/* Writes a message to err[0..errlen) (err may be NULL) and returns -1. */
#define mc_fail cli_fail
const char *mc_method_name(enum gma_method m);

#endif /* MC_OPTS_H */
