/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MAMS JSON codec: the CCM <-> NCM messages of RFC 8743 Appendix C (and the
 * JSON-00 draft spellings), plus the project's "mx_error" extension.
 *
 * cp_msg_decode() turns one WebSocket text message into a struct cp_msg;
 * cp_msg_encode() does the reverse.  DPDK-free; jansson only; the structs
 * hold no pointers and no heap (fixed arrays with an n_<name> count beside
 * each, a has_<name> flag beside each optional member), so a struct cp_msg
 * (about 40 KB) can live on the control thread's stack and be copied.
 *
 * Member names are the RFC 8743 C.4 JSON names.  Enumerated strings are
 * decoded to C enums; where an unknown value is tolerated the enum is
 * <X>_UNKNOWN (0) and the string as received is kept in <name>_raw (cut to
 * CP_NAME - 1 bytes; filled for known values too).  The encoder writes the
 * RFC 8743 spelling of a known value and echoes <name>_raw for an unknown
 * one.  Everything accepted, emitted and decided is in docs/mams.md,
 * section "JSON codec"; the spec digest is shared/spec/DIGEST.md D.
 *
 * Number-like members: connection IDs and MX configuration IDs are 0..255;
 * ports 1..65535; counts and times uint32_t; measured values double.
 */
#ifndef CP_MSG_H
#define CP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Capacities (an array longer than these is refused, naming it) ------ */

#define CP_MAX_CONNS 8       /* connections in any list (anchor, delivery, reports, ...) */
#define CP_MAX_ANCHORS 4     /* anchor connections of an UP setup request */
#define CP_MAX_MX_CONF 4     /* convergence configurations per anchor */
#define CP_MAX_TFTS 8        /* TFTs per list / uplink_delivery entries */
#define CP_MAX_APPS 8        /* app_madp_assoc_list entries */
#define CP_MAX_FEATURES 8    /* feature_active entries */
#define CP_MAX_METHODS 8     /* convergence_methods / adaptation_methods entries */
#define CP_MAX_MEAS 16       /* meas_rep_conf / measurements entries */
#define CP_MAX_SSIDS 8       /* ssid_list entries */
#define CP_MAX_PARAMS 8      /* analytics params / predictions */

/* String sizes, terminating NUL included; a longer value is refused. */
#define CP_STR 64            /* ssid, delivery_node_id, MCC_MNC_Tuple, ... */
#define CP_NAME 32           /* <name>_raw: an enumerated string as received (cut, never refused) */
#define CP_ADDR 48           /* an IPv4 or IPv6 address in text */
#define CP_HOST 256          /* an address or an FQDN (ncm_end_point.ip_address) */
#define CP_SECRET 257        /* shared_secret (IPsec: 16..256 bytes, docs/ipsec.md), client_key */
#define CP_VERSION 16

/* ---- Message types ------------------------------------------------------- */

enum cp_msg_type {
	CP_MSG_NONE = 0,
	CP_MSG_DISCOVER,
	CP_MSG_SYSTEM_INFO,
	CP_MSG_CAPABILITY_REQ,
	CP_MSG_CAPABILITY_RSP,
	CP_MSG_CAPABILITY_ACK,
	CP_MSG_UP_SETUP_CONF_REQ,
	CP_MSG_UP_SETUP_CNF,
	CP_MSG_RECONF_REQ,
	CP_MSG_RECONF_RSP,
	CP_MSG_PATH_EST_REQ,
	CP_MSG_PATH_EST_RESULTS,
	CP_MSG_TRAFFIC_STEERING_REQ,
	CP_MSG_TRAFFIC_STEERING_RSP,
	CP_MSG_APP_MADP_ASSOC_REQ,
	CP_MSG_APP_MADP_ASSOC_RSP,
	CP_MSG_SSID_INDICATION,
	CP_MSG_MEASUREMENT_CONF,
	CP_MSG_MEASUREMENT_REPORT,
	CP_MSG_KEEP_ALIVE_REQ,
	CP_MSG_KEEP_ALIVE_RSP,
	CP_MSG_SESSION_TERMINATION_REQ,
	CP_MSG_SESSION_TERMINATION_RSP,
	CP_MSG_NETWORK_ANALYTICS_REQ,
	CP_MSG_NETWORK_ANALYTICS_RSP,
	CP_MSG_ERROR, /* "mx_error": project extension, NCM -> CCM */
	CP_MSG_COUNT
};

/* Spelling set of the encoder.  Both are always accepted by the decoder. */
enum cp_dialect {
	CP_DIALECT_RFC8743 = 0, /* mx_capability_rsp, feature_active, measurement_reports */
	CP_DIALECT_JSON00,      /* mx_capability_resp, mx_session_termination_resp,
				 * feature_activation (traffic steering), measurment_reports,
				 * Trailer_Based, IPSec, flat UP setup anchors */
};

/* ---- Enumerations --------------------------------------------------------- */

enum cp_conn_type {
	CP_CONN_UNKNOWN = 0,
	CP_CONN_WIFI,      /* "Wi-Fi" (wifi, wi-fi, WIFI, ...) */
	CP_CONN_5G_NR,     /* "5G_NR" (5g-nr, 5G NR) */
	CP_CONN_MULTEFIRE, /* "MulteFire" (multi-fire) */
	CP_CONN_LTE,       /* "LTE" */
	CP_CONN_VNIC,      /* "vnic": Intel's virtual anchor connection */
	CP_CONN_TYPE_COUNT
};

enum cp_feature {
	CP_FEATURE_UNKNOWN = 0,
	CP_FEATURE_LOSSLESS_SWITCHING,
	CP_FEATURE_FRAGMENTATION,
	CP_FEATURE_CONCATENATION,
	CP_FEATURE_UPLINK_AGGREGATION,   /* also "ul_aggregation" */
	CP_FEATURE_DOWNLINK_AGGREGATION, /* also "dl_aggregation" */
	CP_FEATURE_MEASUREMENT,
	CP_FEATURE_PROBING,
	CP_FEATURE_COUNT
};

enum cp_conv_method {
	CP_CONV_UNKNOWN = 0,
	CP_CONV_GMA,           /* also "Trailer_Based" */
	CP_CONV_MPTCP_PROXY,
	CP_CONV_GRE_AGGREGATION_PROXY,
	CP_CONV_MPQUIC,
	CP_CONV_COUNT
};

enum cp_adapt_method {
	CP_ADAPT_UNKNOWN = 0,
	CP_ADAPT_UDP_WITHOUT_DTLS, /* also "UDP_without_DTLS " */
	CP_ADAPT_UDP_WITH_DTLS,    /* also "UDP_with_TLS" */
	CP_ADAPT_IPSEC,            /* also "IPSec" */
	CP_ADAPT_CLIENT_NAT,
	CP_ADAPT_COUNT
};

/* Refused when unknown (the NCM must act on it). */
enum cp_reconf_action {
	CP_RECONF_NONE = 0,
	CP_RECONF_SETUP,
	CP_RECONF_RELEASE,
	CP_RECONF_UPDATE, /* also "modify" */
	CP_RECONF_ACTION_COUNT
};

/* Refused when unknown; CONNECTED (0) is the default of an absent field. */
enum cp_conn_status {
	CP_CONN_STATUS_CONNECTED = 0,
	CP_CONN_STATUS_DISABLED,
	CP_CONN_STATUS_ENABLED,
	CP_CONN_STATUS_COUNT
};

/* Refused when unknown. */
enum cp_keep_alive_reason {
	CP_KEEP_ALIVE_NONE = 0,
	CP_KEEP_ALIVE_TIMEOUT,
	CP_KEEP_ALIVE_HANDOVER,
	CP_KEEP_ALIVE_REASON_COUNT
};

enum cp_term_reason {
	CP_TERM_UNKNOWN = 0,
	CP_TERM_MX_NORMAL_RELEASE,
	CP_TERM_MX_NO_RESPONSE,
	CP_TERM_INTERNAL_ERROR,
	CP_TERM_REASON_COUNT
};

/* Refused when unknown. */
enum cp_cap_ack {
	CP_CAP_ACK_NONE = 0,
	CP_CAP_ACK_ACCEPT, /* "MX_ACCEPT" (also "MX ACCEPT") */
	CP_CAP_ACK_REJECT, /* "MX_REJECT" */
	CP_CAP_ACK_COUNT
};

/* "yes" / "no" (also true/false, 1/0).  Refused when anything else. */
enum cp_yes_no {
	CP_NO = 0,
	CP_YES = 1,
};

enum cp_ssid_type {
	CP_SSID_TYPE_UNKNOWN = 0,
	CP_SSID_TYPE_SSID,
	CP_SSID_TYPE_BSSID,
	CP_SSID_TYPE_HESSID,
	CP_SSID_TYPE_COUNT
};

/* Measurement parameters (meas_rep_param, measurement_type, additional_param). */
enum cp_meas_param {
	CP_MEAS_UNKNOWN = 0,
	CP_MEAS_WLAN_RSSI, /* also "wifi_rssi" */
	CP_MEAS_WLAN_LOAD,
	CP_MEAS_UL_TPUT,
	CP_MEAS_DL_TPUT,
	CP_MEAS_EST_UL_TPUT,
	CP_MEAS_EST_DL_TPUT,
	CP_MEAS_LTE_RSRP,
	CP_MEAS_LTE_RSRQ,
	CP_MEAS_NR_RSRP,
	CP_MEAS_NR_RSRQ,
	CP_MEAS_PARAM_COUNT
};

enum cp_analytics_param {
	CP_ANALYTICS_UNKNOWN = 0,
	CP_ANALYTICS_BANDWIDTH,
	CP_ANALYTICS_JITTER,
	CP_ANALYTICS_LATENCY,
	CP_ANALYTICS_SIGNAL_QUALITY,
	CP_ANALYTICS_VALIDITY_TIME, /* in the schema's enum only */
	CP_ANALYTICS_PARAM_COUNT
};

/* ---- Shared types (RFC 8743 C.2) ------------------------------------------ */

struct cp_unique_session_id {
	uint32_t ncm_id;
	uint32_t session_id;
};

/* ConnectionInfo. */
struct cp_conn_info {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
};

/* One entry of FeaturesActive. */
struct cp_feature_info {
	enum cp_feature feature_name;
	char feature_name_raw[CP_NAME];
	bool active;
};

/* MethodSupport, for convergence and for adaptation methods. */
struct cp_conv_support {
	enum cp_conv_method method;
	char method_raw[CP_NAME];
	bool supported;
};

struct cp_adapt_support {
	enum cp_adapt_method method;
	char method_raw[CP_NAME];
	bool supported;
};

struct cp_port_range {
	uint16_t start;
	uint16_t end; /* start <= end */
};

/*
 * TrafficFlowTemplate (C.2.16), IPv4.  Every member is optional on the wire;
 * the decoder fills the RFC defaults (cp_tft_default()) before reading:
 * 0.0.0.0/0 addresses, protocol 255 (any), ports 0..65535, traffic class
 * 255 (any), flow label 0.  JSON "remote_addr_mask"/"local_addr_mask" are
 * "a.b.c.d/n" (or "a.b.c.d" = /32, or "a.b.c.d/255.255.255.0").  The
 * encoder writes every member.
 */
struct cp_tft {
	uint32_t remote_addr;      /* host order, as given (host bits not cleared) */
	uint8_t remote_prefix_len; /* 0..32 */
	uint32_t local_addr;
	uint8_t local_prefix_len;
	uint8_t protocol_type;     /* 255 = any */
	struct cp_port_range local_port_range;
	struct cp_port_range remote_port_range;
	uint8_t traffic_class;     /* 255 = any */
	uint32_t flow_label;       /* 0..0xFFFFF */
};

/* ---- Message bodies (one per type; the union member is the type name
 *      without "mx_") ---------------------------------------------------------- */

/* Messages with no body beyond MXBase (and unique_session_id). */
struct cp_empty {
	char unused_;
};

struct cp_discover {
	bool has_MCC_MNC_Tuple;
	char MCC_MNC_Tuple[CP_STR];
};

struct cp_ncm_end_point {
	char ip_address[CP_HOST]; /* IPv4/IPv6 address or FQDN */
	uint16_t port;            /* 1..65535 */
};

struct cp_ncm_connection {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
	struct cp_ncm_end_point ncm_end_point;
};

struct cp_system_info {
	unsigned n_ncm_connections;
	struct cp_ncm_connection ncm_connections[CP_MAX_CONNS];
};

/*
 * mx_capability_req and mx_capability_rsp (the response also needs
 * cp_msg.unique_session_id).  num_* are the wire's count fields: the decoder
 * fills them from the wire (Intel's "new_delivery_connections" too) or, when
 * absent, from the array length; the encoder always writes the array length.
 */
struct cp_capability {
	unsigned n_feature_active;
	struct cp_feature_info feature_active[CP_MAX_FEATURES];
	uint32_t num_anchor_connections;
	unsigned n_anchor_connections;
	struct cp_conn_info anchor_connections[CP_MAX_CONNS];
	uint32_t num_delivery_connections;
	unsigned n_delivery_connections;
	struct cp_conn_info delivery_connections[CP_MAX_CONNS];
	unsigned n_convergence_methods;
	struct cp_conv_support convergence_methods[CP_MAX_METHODS];
	unsigned n_adaptation_methods;
	struct cp_adapt_support adaptation_methods[CP_MAX_METHODS];
};

struct cp_capability_ack {
	enum cp_cap_ack capability_ack;
};

/* adaptation_method_param (JSON also "adaptation_method_params"). */
struct cp_adaptation_method_param {
	char tunnel_ip_addr[CP_ADDR]; /* required; IPv4/IPv6 address */
	uint16_t tunnel_end_port;     /* required; number or numeric string on input */
	bool has_shared_secret;
	char shared_secret[CP_SECRET];
	bool mx_header_optimization;  /* default false; always emitted */
};

struct cp_setup_delivery_conn {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
	bool has_adaptation_method;
	enum cp_adapt_method adaptation_method;
	char adaptation_method_raw[CP_NAME];
	bool has_adaptation_method_param;
	struct cp_adaptation_method_param adaptation_method_param;
};

struct cp_convergence_method_params {
	bool has_proxy_ip;
	char proxy_ip[CP_ADDR];
	bool has_proxy_port;
	uint16_t proxy_port;
	bool has_client_key;
	char client_key[CP_SECRET];
};

struct cp_convergence_config {
	bool has_mx_configuration_id;
	uint8_t mx_configuration_id;
	bool has_convergence_method; /* C.4.8's flat anchor has none */
	enum cp_conv_method convergence_method;
	char convergence_method_raw[CP_NAME];
	bool has_convergence_method_params;
	struct cp_convergence_method_params convergence_method_params;
	uint32_t num_delivery_connections; /* as num_* of struct cp_capability */
	unsigned n_delivery_connections;
	struct cp_setup_delivery_conn delivery_connections[CP_MAX_CONNS];
};

/* Intel extension: the client's virtual anchor address (decoded and encoded). */
struct cp_vnic_info {
	char ip[CP_ADDR];      /* client's virtual IP */
	char gateway[CP_ADDR];
	char mask[CP_ADDR];    /* dotted netmask */
	char dns[CP_ADDR];
	uint16_t vnic_port;    /* 1..65535: the "virtual" WebSocket port */
};

/*
 * One anchor of mx_up_setup_conf_req.  RFC 8743 nests the convergence
 * configuration(s) in "convergence_config" (array; a single object is also
 * read); JSON-00 puts one configuration's members directly in the anchor
 * (DIGEST J8).  Both decode to convergence_config[]; `flat` records the
 * JSON-00 form and makes the encoder write it (n_convergence_config must
 * then be 1).
 */
struct cp_setup_anchor_conn {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
	bool has_num_active_mx_conf;
	uint32_t num_active_mx_conf;
	bool flat;
	unsigned n_convergence_config;
	struct cp_convergence_config convergence_config[CP_MAX_MX_CONF];
	bool has_udp_port;     /* extension: the NCM's MX control UDP port */
	uint16_t udp_port;
	bool has_vnic_info;
	struct cp_vnic_info vnic_info;
};

struct cp_up_setup_conf_req {
	uint32_t num_anchor_connections; /* as num_* of struct cp_capability */
	unsigned n_anchor_connections;
	struct cp_setup_anchor_conn anchor_connections[CP_MAX_ANCHORS];
};

struct cp_probe_param {
	uint16_t probe_port; /* required, 1..65535 */
	bool has_anchor_conn_id; /* RFC: mandatory; JSON-00 lacks it (J9) */
	uint8_t anchor_conn_id;
	bool has_mx_configuration_id;
	uint8_t mx_configuration_id;
};

struct cp_adapt_param {
	uint16_t udp_adapt_port; /* 1..65535 */
};

struct cp_client_param {
	uint8_t connection_id;
	bool has_adapt_param;
	struct cp_adapt_param adapt_param;
};

struct cp_up_setup_cnf {
	bool has_probe_param;
	struct cp_probe_param probe_param;
	uint32_t num_delivery_conn; /* as num_* of struct cp_capability */
	unsigned n_client_params;
	struct cp_client_param client_params[CP_MAX_CONNS];
};

struct cp_reconf_req {
	enum cp_reconf_action reconf_action;
	uint8_t connection_id;
	bool has_ip_address;
	char ip_address[CP_ADDR];     /* IPv4/IPv6 address */
	bool has_ssid;
	char ssid[CP_STR];
	bool has_mtu_size;
	uint32_t mtu_size;            /* 1..65535 */
	bool has_connection_status;   /* absent: CONNECTED */
	enum cp_conn_status connection_status;
	bool has_delivery_node_id;
	char delivery_node_id[CP_STR];
};

/* Ranges are the C.3 schema's; all members required. */
struct cp_path_est_req {
	uint8_t connection_id;
	uint32_t init_probe_test_duration_ms; /* 100..10000 */
	uint32_t init_probe_test_rate_Mbps;   /* 1..100 */
	uint32_t init_probe_size_bytes;       /* 100..1500 */
	enum cp_yes_no init_probe_ack_req;
	uint32_t active_probe_freq_ms;        /* 100..10000 */
	uint32_t active_probe_size_bytes;     /* 100..1500 */
	uint32_t active_probe_duration_sec;   /* 10..100 */
	enum cp_yes_no active_probe_ack_req;
};

struct cp_init_probe_results {
	uint32_t lost_probes_percentage; /* 0..100 (schema: 1..100, see R17) */
	double probe_rate_Mbps;          /* >= 0 */
};

struct cp_active_probe_results {
	double avg_tput_last_probe_duration_Mbps; /* >= 0 */
};

struct cp_path_est_results {
	uint8_t connection_id;
	bool has_init_probe_results;
	struct cp_init_probe_results init_probe_results;
	bool has_active_probe_results;
	struct cp_active_probe_results active_probe_results;
};

/* One entry of uplink_delivery: a TFT and the connections it goes to. */
struct cp_ul_delivery {
	struct cp_tft ul_tft;
	unsigned n_conn_list;
	uint8_t conn_list[CP_MAX_CONNS]; /* connection IDs */
};

/*
 * downlink_delivery and uplink_delivery are read in their three shapes
 * (DIGEST R10, R11) and written in the C.4.10 example's shape.
 */
struct cp_traffic_steering_req {
	uint8_t connection_id; /* anchor */
	bool has_mx_configuration_id;
	uint8_t mx_configuration_id;
	unsigned n_downlink_delivery;
	uint8_t downlink_delivery[CP_MAX_CONNS]; /* connection IDs */
	bool has_default_uplink_delivery;
	uint8_t default_uplink_delivery;
	unsigned n_uplink_delivery;
	struct cp_ul_delivery uplink_delivery[CP_MAX_TFTS];
	unsigned n_feature_active;
	struct cp_feature_info feature_active[CP_MAX_FEATURES];
};

struct cp_traffic_steering_rsp {
	unsigned n_feature_active;
	struct cp_feature_info feature_active[CP_MAX_FEATURES];
};

struct cp_app_madp_assoc {
	uint8_t connection_id; /* anchor (JSON also "anchor_conn_id") */
	bool has_mx_configuration_id;
	uint8_t mx_configuration_id;
	unsigned n_ul_tft_list; /* JSON also "tft_ul_list" */
	struct cp_tft ul_tft_list[CP_MAX_TFTS];
	unsigned n_dl_tft_list; /* JSON also "tft_dl_list" */
	struct cp_tft dl_tft_list[CP_MAX_TFTS];
};

struct cp_app_madp_assoc_req {
	unsigned n_app_madp_assoc_list;
	struct cp_app_madp_assoc app_madp_assoc_list[CP_MAX_APPS];
};

struct cp_app_madp_assoc_rsp {
	bool is_success;
};

struct cp_ssid {
	enum cp_ssid_type ssid_type;
	char ssid_type_raw[CP_NAME];
	char ssid_id[CP_STR]; /* JSON also "ssid"; a number becomes its text */
};

struct cp_ssid_indication {
	unsigned n_ssid_list;
	struct cp_ssid ssid_list[CP_MAX_SSIDS];
};

struct cp_threshold {
	double high;
	double low;
};

struct cp_meas_rep_conf {
	enum cp_meas_param meas_rep_param;
	char meas_rep_param_raw[CP_NAME];
	bool has_meas_threshold;
	struct cp_threshold meas_threshold;
	bool has_meas_period_ms;
	uint32_t meas_period_ms; /* JSON also "meas_period" */
};

struct cp_meas_conf {
	uint8_t connection_id;
	enum cp_conn_type connection_type; /* JSON also "connection type" (Intel) */
	char connection_type_raw[CP_NAME];
	unsigned n_meas_rep_conf;
	struct cp_meas_rep_conf meas_rep_conf[CP_MAX_MEAS];
};

struct cp_measurement_conf {
	unsigned n_measurement_configuration;
	struct cp_meas_conf measurement_configuration[CP_MAX_CONNS];
};

struct cp_measurement {
	enum cp_meas_param measurement_type;
	char measurement_type_raw[CP_NAME];
	double measurement_value;
};

struct cp_meas_report {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
	bool has_delivery_node_id;
	char delivery_node_id[CP_STR];
	unsigned n_measurements;
	struct cp_measurement measurements[CP_MAX_MEAS];
};

/* JSON "measurement_reports" (JSON-00 "measurment_reports"). */
struct cp_measurement_report {
	unsigned n_measurement_reports;
	struct cp_meas_report measurement_reports[CP_MAX_CONNS];
};

/* connection_id and delivery_node_id are required when the reason is Handover. */
struct cp_keep_alive_req {
	enum cp_keep_alive_reason keep_alive_reason;
	bool has_connection_id;
	uint8_t connection_id;
	bool has_delivery_node_id;
	char delivery_node_id[CP_STR];
};

struct cp_session_termination_req {
	enum cp_term_reason reason;
	char reason_raw[CP_NAME];
};

struct cp_network_analytics_req {
	unsigned n_params;
	enum cp_analytics_param params[CP_MAX_PARAMS];
	char params_raw[CP_MAX_PARAMS][CP_NAME];
};

struct cp_prediction {
	enum cp_analytics_param param_name;
	char param_name_raw[CP_NAME];
	bool has_additional_param;
	enum cp_meas_param additional_param;
	char additional_param_raw[CP_NAME];
	double prediction;
	uint32_t likelihood;    /* percent, 0..100 */
	uint32_t validity_time; /* seconds */
};

struct cp_param_list {
	uint8_t connection_id;
	enum cp_conn_type connection_type;
	char connection_type_raw[CP_NAME];
	unsigned n_predictions;
	struct cp_prediction predictions[CP_MAX_PARAMS];
};

struct cp_network_analytics_rsp {
	unsigned n_param_list;
	struct cp_param_list param_list[CP_MAX_CONNS];
};

/* Body of the "mx_error" extension (JSON object "error"). */
struct cp_error {
	char message_type[48]; /* the offending message's raw type, or "" */
	char field[96];        /* JSON path at fault, or "" */
	char reason[160];
};

/* ---- The message ------------------------------------------------------------- */

struct cp_msg {
	enum cp_msg_type type;
	char version[CP_VERSION]; /* "1.0"; the encoder writes "1.0" when empty */
	uint32_t sequence_num;
	/* Decoded whenever present; encoded whenever set.  Required by the
	 * decoder and the encoder for the types that carry it
	 * (cp_msg_has_session_id()); optional elsewhere (a CCM presents its
	 * session in mx_capability_req to resume it, RFC 8743 8.4). */
	bool has_unique_session_id;
	struct cp_unique_session_id unique_session_id;
	union {
		struct cp_discover discover;
		struct cp_system_info system_info;
		struct cp_capability capability_req;
		struct cp_capability capability_rsp;
		struct cp_capability_ack capability_ack;
		struct cp_up_setup_conf_req up_setup_conf_req;
		struct cp_up_setup_cnf up_setup_cnf;
		struct cp_reconf_req reconf_req;
		struct cp_empty reconf_rsp;
		struct cp_path_est_req path_est_req;
		struct cp_path_est_results path_est_results;
		struct cp_traffic_steering_req traffic_steering_req;
		struct cp_traffic_steering_rsp traffic_steering_rsp;
		struct cp_app_madp_assoc_req app_madp_assoc_req;
		struct cp_app_madp_assoc_rsp app_madp_assoc_rsp;
		struct cp_ssid_indication ssid_indication;
		struct cp_measurement_conf measurement_conf;
		struct cp_measurement_report measurement_report;
		struct cp_keep_alive_req keep_alive_req;
		struct cp_empty keep_alive_rsp;
		struct cp_session_termination_req session_termination_req;
		struct cp_empty session_termination_rsp;
		struct cp_network_analytics_req network_analytics_req;
		struct cp_network_analytics_rsp network_analytics_rsp;
		struct cp_error error;
	} u;
};

/* ---- Limits and errors --------------------------------------------------- */

struct cp_limits {
	size_t max_bytes;   /* default 65536: longer text -> close_code 1009 */
	unsigned max_depth; /* default 16: nesting of objects/arrays, top level = 1 -> 1008 */
	unsigned max_array; /* default 64: elements of any array, anywhere -> 1008 */
};

#define CP_CLOSE_NONE 0          /* answer with an mx_error, keep the session */
#define CP_CLOSE_INVALID 1007    /* not JSON, not UTF-8, or not an object */
#define CP_CLOSE_POLICY 1008     /* nesting or an array over the limits */
#define CP_CLOSE_TOO_BIG 1009    /* longer than max_bytes */
#define CP_CLOSE_INTERNAL 1011   /* out of memory while parsing */

struct cp_msg_error {
	char field[96];   /* JSON path at fault: "delivery_connections[1].connection_id"; "" when none */
	char reason[160]; /* "required but missing", "expected a number, got a string", ... */
	int close_code;   /* CP_CLOSE_*: 0 = answer with an mx_error */
	enum cp_msg_type type;  /* when it could be read, else CP_MSG_NONE */
	uint32_t sequence_num;  /* when it could be read, else 0 */
	char message_type[48];  /* raw message_type when present (cut) */
};

/* ---- API ----------------------------------------------------------------- */

void cp_limits_default(struct cp_limits *l);

/*
 * Decodes text[0..len) (need not be NUL-terminated) into *out (zeroed
 * first).  lim NULL means the defaults; err may be NULL.  Returns 0, or -1
 * with *err filled (and *out unspecified).  Unknown members are ignored;
 * duplicate keys, "\u0000" and integers beyond 64 bits are refused with
 * close_code 0.
 */
int cp_msg_decode(const char *text, size_t len, const struct cp_limits *lim, struct cp_msg *out,
		  struct cp_msg_error *err);

/*
 * Compact JSON text of *m (NUL-terminated; free() it), or NULL with errno
 * ENOMEM, or EINVAL when *m is not encodable: unknown type, a required enum
 * NONE/UNKNOWN without a _raw spelling, a value out of its range, a count
 * above its array, a required string empty or not an address, a missing
 * unique_session_id where the type requires it.  What it writes decodes
 * back to *m for the members it writes.
 */
char *cp_msg_encode(const struct cp_msg *m, enum cp_dialect d);

/* Fills *m as the mx_error answering a failed decode (sequence_num and
 * message_type of the offending message, field, reason). */
void cp_msg_make_error(struct cp_msg *m, const struct cp_msg_error *err);

/* RFC 8743 wire name ("mx_capability_rsp", "mx_error"); "" for an invalid value. */
const char *cp_msg_type_name(enum cp_msg_type t);
/* Wire name in a dialect ("mx_capability_resp" in JSON-00). */
const char *cp_msg_type_name_dialect(enum cp_msg_type t, enum cp_dialect d);
/* Type of a wire name, any accepted spelling; CP_MSG_NONE when unknown. */
enum cp_msg_type cp_msg_type_from_name(const char *name);
/* Whether the type carries unique_session_id (DIGEST D.5). */
bool cp_msg_has_session_id(enum cp_msg_type t);
/* The response a request expects (CAPABILITY_REQ -> CAPABILITY_RSP, ...),
 * or CP_MSG_NONE (responses, reports, indications). */
enum cp_msg_type cp_msg_answer_type(enum cp_msg_type t);

/* RFC 8743 spellings of the enumerations; "" for UNKNOWN/NONE or out of range. */
const char *cp_conn_type_name(enum cp_conn_type v);
const char *cp_feature_name(enum cp_feature v);
const char *cp_conv_method_name(enum cp_conv_method v);
const char *cp_adapt_method_name(enum cp_adapt_method v);
const char *cp_reconf_action_name(enum cp_reconf_action v);
const char *cp_conn_status_name(enum cp_conn_status v);
const char *cp_keep_alive_reason_name(enum cp_keep_alive_reason v);
const char *cp_term_reason_name(enum cp_term_reason v);
const char *cp_cap_ack_name(enum cp_cap_ack v);
const char *cp_ssid_type_name(enum cp_ssid_type v);
const char *cp_meas_param_name(enum cp_meas_param v);
const char *cp_analytics_param_name(enum cp_analytics_param v);

/* Fills a TFT with the RFC 8743 C.2.16 defaults (matches everything). */
void cp_tft_default(struct cp_tft *t);

#endif /* CP_MSG_H */
