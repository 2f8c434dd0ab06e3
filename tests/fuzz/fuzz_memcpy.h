/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Included first (-include) into lib/virtq's objects by scripts/fuzz.sh,
 * with the guard of DPDK's x86 rte_memcpy.h defined so that it is never
 * read: rte_memcpy() is libc's memcpy(). DPDK's version is a large
 * always-inline body; the burst instances inline it dozens of times, and
 * instrumented that took minutes to compile. ASan intercepts memcpy() and
 * checks both ranges of every copy, so nothing is lost for the fuzzer.
 */

#ifndef VDP_FUZZ_MEMCPY_H
#define VDP_FUZZ_MEMCPY_H

#include <stddef.h>
#include <string.h>

/** DPDK's rte_memcpy(), as memcpy(). */
static inline void *
rte_memcpy(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

#endif /* VDP_FUZZ_MEMCPY_H */
