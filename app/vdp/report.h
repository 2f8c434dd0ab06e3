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

#include <rte_mempool.h>

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

/** Print every port's counters and rates since @p prev, then update it. */
void report_stats(FILE *f, struct report_prev *prev, struct rte_mempool *pool);

/** Print the final totals: per port and queue, drops by reason, lcores. */
void report_summary(FILE *f, struct rte_mempool *pool);

/**
 * Register /vdp/ports, /vdp/port, /vdp/vhost, /vdp/lcores, /vdp/drops and
 * /vdp/mempool with rte_telemetry. Returns 0 or a negative errno.
 */
int report_telemetry_init(struct rte_mempool *pool);

#endif /* VDP_REPORT_H */
