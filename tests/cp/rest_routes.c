/* SPDX-License-Identifier: BSD-3-Clause */
/* Prints the REST shim's route table, "METHOD /path/{param}" per line, for
 * rest_openapi.py to compare with docs/api/openapi.yaml. */
#include <stdio.h>

#include "cp_rest.h"

int main(void)
{
	for (unsigned i = 0; i < cp_rest_n_routes(); i++) {
		const char *m, *p;

		cp_rest_route(i, &m, &p);
		printf("%s %s\n", m, p);
	}
	return 0;
}
