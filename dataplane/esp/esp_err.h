/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP per-packet outcomes: one X-macro list generating the enum and the
 * counter names (the data plane adds them to its drop reasons).  ESP_OK is 0;
 * every other value is a counted drop with its own reason.
 */
#ifndef ESP_ERR_H
#define ESP_ERR_H

#define ESP_ERR_LIST(_)                                                                 \
	_(OK, "ok")                                                                     \
	_(UNKNOWN_SPI, "esp_unknown_spi")     /* no inbound SA (caller), or SPI != SA's */ \
	_(WRONG_SA, "esp_wrong_sa")           /* outbound SA given to decap or vice versa */ \
	_(SHORT, "esp_short")                 /* shorter than header + IV + trailer + ICV */ \
	_(BAD_LEN, "esp_bad_len")             /* ciphertext not a multiple of 4 (GCM) / 16 (CBC) */ \
	_(REPLAY, "esp_replay")               /* SN already received (window) */         \
	_(TOO_OLD, "esp_too_old")             /* SN left of the replay window */         \
	_(BAD_ICV, "esp_bad_icv")             /* integrity check failed */               \
	_(BAD_PAD, "esp_bad_pad")             /* pad length or pad bytes wrong */        \
	_(BAD_NH, "esp_bad_next_header")      /* next header not 4 (IPv4) or 253 */      \
	_(DUMMY, "esp_dummy")                 /* next header 59: dummy packet, discarded */ \
	_(NO_ROOM, "esp_no_room")             /* encap: buffer too small for the trailer */ \
	_(TOO_BIG, "esp_too_big")             /* encap: payload beyond ESP_MAX_PAYLOAD */ \
	_(SN_EXHAUSTED, "esp_sn_exhausted")   /* outbound SN space used up: rekey */      \
	_(CRYPTO, "esp_crypto")               /* the job manager reported an error */

enum esp_err {
#define ESP_ERR_ENUM(name, str) ESP_##name,
	ESP_ERR_LIST(ESP_ERR_ENUM)
#undef ESP_ERR_ENUM
	ESP_ERR_COUNT
};

/* Counter name of an outcome ("esp_bad_icv"), or "unknown". */
const char *esp_err_name(unsigned err);

#endif /* ESP_ERR_H */
