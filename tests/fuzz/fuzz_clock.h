/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Included first (-include) into lib/virtq's objects by scripts/fuzz.sh:
 * the engine reads the TSC through the target's clock, the real TSC plus
 * whatever the target has skipped ahead, so that outstaying the zero-copy
 * stall bound (VIRTQ_ZC_STALL_MS) costs no sleep. rte_cycles.h is
 * included here, before the macro, so that its own definition keeps its
 * name; every later use in lib/virtq (and the headers it includes) reads
 * the target's clock.
 */

#ifndef VDP_FUZZ_CLOCK_H
#define VDP_FUZZ_CLOCK_H

#include <stdint.h>

#include <rte_cycles.h>

/** The real TSC plus the target's skips (fuzz_virtq.c). */
uint64_t vdp_fuzz_tsc_cycles(void);

#define rte_get_tsc_cycles() vdp_fuzz_tsc_cycles()

#endif /* VDP_FUZZ_CLOCK_H */
