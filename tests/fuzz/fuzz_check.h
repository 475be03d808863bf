/* SPDX-License-Identifier: BSD-3-Clause */
/* What every libFuzzer target here shares: its entry point and CHECK(). */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* An invariant of the code under test: a violation is a crash libFuzzer keeps. */
#define CHECK(c)                                                                        \
	do {                                                                            \
		if (!(c))                                                               \
			__builtin_trap();                                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_CHECK_H */
