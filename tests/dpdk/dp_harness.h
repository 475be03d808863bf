/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Harness of the pcap-in / pcap-out tests of mamsgw.
 *
 * Every test uses one fixed topology of three pcap devices, which are also
 * the config's ports in this order:
 *
 *   index  name   device     role    gateway address   GMA UDP ports
 *   0      wifi   net_pcap0  access  192.0.2.1          10020
 *   1      lte    net_pcap1  access  198.51.100.1       10020, 10021
 *   2      core   net_pcap2  core    203.0.113.1        -
 *
 * A test describes its sessions (dpt_session), queues frames per device
 * (dpt_send), and runs the gateway once (dpt_exec): the config JSON and the
 * input pcaps go to a fresh mkdtemp directory under /tmp, the binary runs
 * with `--idle-exit-ms 300` (killed after 30 s), and the per-port counters,
 * the drop counters and the output pcaps are loaded into struct dpt_run.
 * dpt_fini (the tests' .fini) removes the directories; DPT_KEEP=1 in the
 * environment keeps them for debugging.
 *
 * Expected output is built with the shared/ codec (gma_encode and friends)
 * through the dpt_*_frame helpers; the GMA timestamp, the gateway's clock, is
 * taken from the actual PDU before the bytes are compared.
 */
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gma_wire.h"
#include "pcap_util.h"

#define DPT_WIFI 0u
#define DPT_LTE 1u
#define DPT_CORE 2u
#define DPT_NDEV 3u
#define DPT_MAX_PATHS 4u
#define DPT_MAX_DROPS 96u

#define DPT_ANCHOR "10.8.0.2"      /* client anchor of session 1 */
#define DPT_SERVER "203.0.113.50"  /* the far end of the client's traffic */
#define DPT_CTRL_IP "10.8.0.1"     /* mx_control.ip */
#define DPT_CTRL_PORT 9999u        /* mx_control.port */

struct dpt_port {
	const char *name;
	uint32_t ipv4;
	uint8_t mac[6];
	uint8_t next_hop[6];
};

extern const struct dpt_port dpt_ports[DPT_NDEV];

struct dpt_path {
	uint8_t conn_id;
	unsigned port;        /* DPT_WIFI or DPT_LTE */
	uint32_t client_ip;   /* host order */
	uint16_t client_port;
	uint16_t gw_port;     /* 0 = the port's first GMA port (10020) */
	uint16_t mtu;         /* 0 = default (1500) */
	bool down;            /* "up": false */
	const char *ipsec;    /* JSON text of the path's "ipsec" object, NULL = none */
};

struct dpt_session {
	uint32_t id;
	uint32_t anchor;        /* host order */
	const char *method;     /* "trailer", "header", "nonip" */
	const char *dl_fields;  /* JSON array text, NULL = default */
	const char *dialect;    /* "up09" / "rfc8743", NULL = default */
	const char *extra;      /* more JSON members ("\"default_flow\": 5"), or NULL */
	const char *flows;      /* JSON array text, NULL = none */
	unsigned n_paths;
	struct dpt_path paths[DPT_MAX_PATHS];
};

struct dpt_port_stats {
	char name[32];
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
};

struct dpt_run {
	char dir[64];
	struct pkt_list in[DPT_NDEV];
	struct pkt_list out[DPT_NDEV];
	char *log;              /* the gateway's stdout */
	unsigned n_ports;
	struct dpt_port_stats port[DPT_NDEV];
	unsigned n_drops;
	struct {
		char name[48];
		uint64_t n;
	} drop[DPT_MAX_DROPS];
	/* The "rebinds" line: learnt uplink endpoints (uplink_match "client"). */
	uint64_t rebind_notices, rebind_ring_full, rebinds_applied, rebinds_refused, rebinds_stale;
	/* The "arp", "neighbors" and "icmp" lines (exception path). */
	struct {
		uint64_t requests_in, replies_out, replies_in, requests_out, garps, notes,
			note_full, waited, released;
		uint64_t learnt, updated, expired, refreshes, table_full;
		uint64_t echo_in, echo_out;
	} arp;
	/* Config knobs, set before dpt_exec: the "arp" object (NULL: gratuitous
	 * ARP off, so that output pcaps hold only the test's traffic), and per
	 * port: no next_hop_mac (resolved by ARP), more JSON members. */
	const char *arp_json;
	bool no_next_hop[DPT_NDEV];
	const char *port_extra[DPT_NDEV];
};

/* Paths of the standard two-path client: conn 3 on wifi, conn 7 on lte (gw port 10021). */
struct dpt_path dpt_path_wifi(void);
struct dpt_path dpt_path_lte(void);

/* A fresh run: temp dir created; the run and the dir are freed by dpt_fini. */
struct dpt_run *dpt_new(void);
/* Queue a frame on device dev's rx_pcap. */
void dpt_send(struct dpt_run *r, unsigned dev, const uint8_t *frame, size_t len);
/* Write config and pcaps, run the gateway, load the results; asserts success. */
void dpt_exec(struct dpt_run *r, const struct dpt_session *s, unsigned n_sessions);
/* Drop counter by name (0 when not printed); the sum of all of them. */
uint64_t dpt_drop(const struct dpt_run *r, const char *name);
uint64_t dpt_drops_total(const struct dpt_run *r);
/* Asserts that every printed drop counter is one of names[] (NULL-terminated). */
void dpt_expect_only_drops(const struct dpt_run *r, const char *const *names);
/* Frees every run of dpt_new and removes its directory (Criterion .fini). */
void dpt_fini(void);

enum gma_method dpt_method(const char *name);

/* ---- Frames ------------------------------------------------------------------ */

/* Downlink SDU server:4000 -> anchor:4001 (UDP) or raw proto, total len bytes. */
size_t dpt_dl_sdu(uint8_t *b, size_t cap, uint32_t anchor, size_t len, uint8_t proto, uint8_t ttl,
		  unsigned seed);
/* Uplink SDU anchor:4001 -> server:4000. */
size_t dpt_ul_sdu(uint8_t *b, size_t cap, uint32_t anchor, size_t len, uint8_t proto, uint8_t ttl,
		  unsigned seed);
/* A frame arriving on the core port (next hop -> gateway) carrying sdu. */
size_t dpt_core_in(uint8_t *b, size_t cap, const uint8_t *sdu, size_t len);
/* The frame the gateway must send on the core port for sdu. */
size_t dpt_core_out(uint8_t *b, size_t cap, const uint8_t *sdu, size_t len);
/* Uplink: client -> gateway on path p, UDP payload pdu (valid checksums). */
size_t dpt_ul_frame(uint8_t *b, size_t cap, const struct dpt_path *p, const uint8_t *pdu,
		    size_t len);
/* Downlink as the gateway must send it on path p (IP id 0, DF, TTL 64, UDP checksum 0). */
size_t dpt_dl_frame(uint8_t *b, size_t cap, const struct dpt_path *p, const uint8_t *pdu,
		    size_t len);

/* ---- Checking gateway output ----------------------------------------------------- */

/*
 * Checks the outer Ethernet/IPv4/UDP headers of a downlink frame on path p
 * (cr_expect, byte for byte against dpt_dl_frame; a non-zero UDP checksum is
 * accepted when valid) and decodes its GMA PDU with method m.  Returns the
 * PDU's offset in the frame, or asserts.
 */
size_t dpt_dl_decode(const struct pkt *f, const struct dpt_path *p, enum gma_method m,
		     struct gma_pdu *d, const char *what);

/*
 * A whole (unfragmented) downlink PDU carrying sdu: outer headers, decoded
 * fields (flags, Flow ID, Flow SN, Delivery SN, Connection ID; TTL and Next
 * Header of the SDU for IP methods), decapsulated SDU byte-identical, and the
 * whole frame equal to gma_encode(want + actual timestamp).
 */
void dpt_expect_dl(const struct pkt *f, const struct dpt_path *p, enum gma_method m,
		   const struct gma_fields *want, const uint8_t *sdu, size_t sdu_len,
		   const char *what);

/* The frame must be dpt_core_out(sdu): byte-identical. */
void dpt_expect_core(const struct pkt *f, const uint8_t *sdu, size_t sdu_len, const char *what);

/* Hex dump to stderr (diagnostics of a failing comparison). */
void dpt_hexdump(const char *title, const uint8_t *p, size_t len);

/* ---- Processes and text ----------------------------------------------------- */

/*
 * Runs argv[0] (a path) with argv: stdout to out_path, stderr to err_path
 * (NULL: the same file), no other descriptor of the test runner.  Waits by
 * polling every 5 ms; after timeout_ms the process is killed (SIGKILL,
 * *killed true) and reaped.  Returns its wait status; asserts fork/waitpid.
 */
int dpt_spawn(char *const argv[], const char *out_path, const char *err_path,
	      unsigned timeout_ms, bool *killed);
/* A file's whole text, malloc'd ("" when it cannot be opened; NULL: out of memory). */
char *dpt_slurp(const char *path);
/* Host-order address as "a.b.c.d"; MAC as "xx:xx:xx:xx:xx:xx". */
void dpt_ip_str(char buf[16], uint32_t a);
void dpt_mac_str(char buf[18], const uint8_t m[6]);

/* Remove the (empty) EAL runtime directory of a file prefix. */
void dpt_runtime_dir_remove(const char *prefix);

#endif /* DP_HARNESS_H */
