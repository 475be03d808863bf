/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The statistic both benchmarks print (mamsgw-bench, mamsgw-esp-bench):
 * the median of R rounds' cycle counts, per packet.  Header-only.
 */
#ifndef BENCH_MEDIAN_H
#define BENCH_MEDIAN_H

#include <stdint.h>
#include <stdlib.h>

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v[0..rounds) and returns its median divided by n_pkts. */
static inline double bench_median_cycles(uint64_t *v, unsigned rounds, unsigned n_pkts)
{
	qsort(v, rounds, sizeof(*v), bench_cmp_u64);
	return (double)v[rounds / 2] / n_pkts;
}

#endif /* BENCH_MEDIAN_H */
