/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mc_gma_dump METHOD: decodes GMA PDUs with the shared/ codec for the live
 * test (mc_live.py).  stdin: one UDP payload per line in hex; stdout: one
 * line per PDU,
 *   ok flags=0x.. conn=0x.. dsn=N fsn=N ts=N fc=0x.. sdus=N src=A dst=A proto=N len=N sport=N dport=N
 * (the fields of the first SDU; fragments: sdus=0 and no SDU fields), or
 *   bad <reason name>
 * METHOD: trailer | header | nonip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gma_err.h"
#include "gma_wire.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(int argc, char **argv)
{
	static char line[2 * 70000];
	static uint8_t pdu[70000];
	enum gma_method m;

	if (argc != 2) {
		fprintf(stderr, "usage: mc_gma_dump trailer|header|nonip < hex lines\n");
		return 2;
	}
	if (strcmp(argv[1], "trailer") == 0)
		m = GMA_METHOD_TRAILER;
	else if (strcmp(argv[1], "header") == 0)
		m = GMA_METHOD_HEADER_IP;
	else if (strcmp(argv[1], "nonip") == 0)
		m = GMA_METHOD_NONIP;
	else {
		fprintf(stderr, "mc_gma_dump: unknown method %s\n", argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct gma_pdu d;
		struct gma_sdu s[16];
		size_t n = 0;
		int rc;

		for (size_t i = 0; line[i] && line[i + 1] && hexval(line[i]) >= 0; i += 2) {
			int hi = hexval(line[i]), lo = hexval(line[i + 1]);

			if (lo < 0 || n >= sizeof(pdu))
				break;
			pdu[n++] = (uint8_t)(hi << 4 | lo);
		}
		rc = gma_decode(m, pdu, n, &d);
		if (rc < 0) {
			printf("bad %s\n", gma_errname(-rc));
			continue;
		}
		printf("ok flags=0x%04x conn=0x%02x dsn=%u fsn=%u ts=%u fc=0x%02x", d.f.flags,
		       d.f.conn_id, d.f.delivery_sn, d.f.flow_sn, d.f.timestamp, d.f.fc);
		if ((d.f.flags & GMA_F_FRAG) && d.f.fc != 0) {
			printf(" sdus=0\n");
			continue;
		}
		rc = gma_decap_sdus(m, pdu, n, &d, s, 16);
		if (rc <= 0) {
			printf(" sdus=0 bad=%s\n", gma_errname(rc < 0 ? -rc : GMA_ERR_SDU_LEN));
			continue;
		}
		{
			const uint8_t *ip = pdu + s[0].off;
			unsigned ihl = (ip[0] & 0x0Fu) * 4u;

			printf(" sdus=%d src=%u.%u.%u.%u dst=%u.%u.%u.%u proto=%u len=%u", rc, ip[12],
			       ip[13], ip[14], ip[15], ip[16], ip[17], ip[18], ip[19], ip[9], s[0].len);
			if ((ip[9] == 17 || ip[9] == 6) && s[0].len >= ihl + 4u)
				printf(" sport=%u dport=%u", (unsigned)ip[ihl] << 8 | ip[ihl + 1],
				       (unsigned)ip[ihl + 2] << 8 | ip[ihl + 3]);
			printf("\n");
		}
	}
	return 0;
}
