/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_REPORT_H
#define VDP_REPORT_H

/**
 * @file
 * What vdp shows of its counters: the periodic stats (testpmd's layout),
 * the final summary, and the /vdp/... telemetry endpoints.
 */

#include <stdio.h>

#include "port.h"
#include "vdp_sched.h"

/** Totals at the previous periodic print, to compute rates. */
struct report_prev {
	uint64_t tsc;                         /**< When they were taken; 0: never. */
	uint64_t rx_pkts[VDP_MAX_PORTS];      /**< Rx packets per port. */
	uint64_t tx_pkts[VDP_MAX_PORTS];      /**< Tx packets per port. */
	uint64_t rx_bytes[VDP_MAX_PORTS];     /**< Rx bytes per port. */
	uint64_t tx_bytes[VDP_MAX_PORTS];     /**< Tx bytes per port. */
	struct stats_lcore lcore[SCHED_MAX_WORKERS]; /**< Worker counters. */
};

/** Take the current totals into @p prev so the first print shows rates. */
void report_prime(struct report_prev *prev);

/**
 * Print every port's counters and rates since @p prev, then update it, and
 * the mbufs in use (of every registered pool, and per pool when there are
 * several).
 */
void report_stats(FILE *f, struct report_prev *prev);

/** Print the final totals: per port and queue, drops by reason, lcores, mbufs. */
void report_summary(FILE *f);

/**
 * Register /vdp/ports, /vdp/port, /vdp/vhost, /vdp/lcores, /vdp/rxqs,
 * /vdp/drops and /vdp/mempool (every registered pool) with rte_telemetry,
 * each on its own; one that is refused is named in a warning line.
 * Returns 0, or -EINVAL when some endpoint was refused.
 */
int report_telemetry_init(void);

#endif /* VDP_REPORT_H */
