/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_STATS_H
#define VDP_STATS_H

/**
 * @file
 * Per-queue and per-lcore counters.
 *
 * Every counter has exactly one writer (the lcore that owns the queue, or
 * the lcore itself) and is updated with relaxed atomic load/store, so that
 * readers on the control lcore see whole values without locking the data
 * path. Clearing never writes the live counters: it takes a snapshot that
 * readers subtract.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_cycles.h>

/**
 * Drops that a virtqueue counts as well as the port (lib/virtq's errors
 * include them): enum name, then the name shown to users.
 */
#define STATS_FOREACH_QUEUE_DROP(X) \
	X(GUEST_RING_FULL, "guest_ring_full") \
	X(MBUF_ALLOC, "mbuf_alloc_failed")

/** Drop reasons, defined once: enum name, then the name shown to users. */
#define STATS_FOREACH_DROP(X) \
	STATS_FOREACH_QUEUE_DROP(X) \
	X(SHORT_FRAME, "short_frame") \
	X(TX_FULL, "tx_full") \
	X(NO_ROUTE, "no_route") \
	X(LINK_DOWN, "link_down") \
	X(RXONLY, "rxonly_sink") \
	X(BAD_OFFLOAD, "bad_offload")

/** Index of each drop reason in stats_queue::drops. */
enum stats_drop {
#define STATS_DROP_ENUM(e, s) STATS_DROP_##e,
	STATS_FOREACH_DROP(STATS_DROP_ENUM)
#undef STATS_DROP_ENUM
	STATS_DROP_MAX /**< Number of drop reasons. */
};

/** Buckets of the burst-size histogram: 1, 2-3, 4-7, ..., 64-127, 128+. */
#define STATS_BURST_BUCKETS 8

/**
 * Buckets of the wake-up histogram, by microseconds from a wake-up to the
 * first packet received: <1, <2, <4, ..., <1024, and 1024 or more.
 */
#define STATS_WAKE_BUCKETS 12

/** Counters of one rx or tx queue; written by the queue's owning lcore only. */
struct stats_queue {
	uint64_t pkts;                  /**< Packets received or sent. */
	uint64_t bytes;                 /**< Bytes received or sent. */
	uint64_t bursts;                /**< Non-empty bursts. */
	uint64_t cycles;                /**< Rx: TSC cycles of the non-empty bursts, with
					 *   their share of the flush that sent what they
					 *   brought (the queue's load); tx: 0. */
	uint64_t budget_cuts;           /**< Rx: bursts that reached the byte budget with
					 *   fewer packets than asked for (port_rx_burst());
					 *   tx: 0. */
	uint64_t drops[STATS_DROP_MAX]; /**< Packets dropped, by reason. */
} __rte_cache_aligned;

/** Counters of one worker lcore; written by that lcore only. */
struct stats_lcore {
	uint64_t busy_cycles;  /**< TSC cycles spent in iterations that moved packets. */
	uint64_t idle_cycles;  /**< TSC cycles spent in empty iterations. */
	uint64_t sleep_cycles; /**< TSC cycles spent asleep (adaptive mode). */
	uint64_t loop_cycles;  /**< TSC cycles of every ended poll loop, start to last
				*   iteration's end: busy + idle + sleep. */
	uint64_t sleeps;       /**< Times the worker went to sleep. */
	uint64_t wake_kick;    /**< Wake-ups by a guest's kick. */
	uint64_t wake_intr;    /**< Wake-ups by an rx interrupt (and no kick). */
	uint64_t wake_ctl;     /**< Wake-ups by the control thread only (a new plan, a
				*   device change, a stop). */
	uint64_t wake_hist[STATS_WAKE_BUCKETS]; /**< Wake-ups followed by a packet, by
						 *   microseconds to that packet
						 *   (stats_wake_bucket()). */
	uint64_t iterations;   /**< Poll loop iterations. */
	uint64_t pkts;         /**< Packets received by this lcore. */
	uint64_t burst_hist[STATS_BURST_BUCKETS]; /**< Rx bursts by size bucket (stats_burst_bucket()). */
} __rte_cache_aligned;

/** Name of a drop reason, or "unknown". */
const char *stats_drop_name(enum stats_drop reason);

/** Add @p n to a single-writer counter; call only from the owning lcore. */
static inline void
stats_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/** Read a counter from any thread. */
static inline uint64_t
stats_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** Copy a queue's live counters into @p out (a consistent-enough snapshot). */
void stats_queue_read(const struct stats_queue *q, struct stats_queue *out);

/** out = a - b, field by field (used to subtract a clear snapshot). */
void stats_queue_sub(struct stats_queue *out, const struct stats_queue *a,
		     const struct stats_queue *b);

/** acc += q, field by field. */
void stats_queue_acc(struct stats_queue *acc, const struct stats_queue *q);

/** Sum of all drop counters of @p q. */
uint64_t stats_queue_drops(const struct stats_queue *q);

/** Copy an lcore's live counters into @p out. */
void stats_lcore_read(const struct stats_lcore *l, struct stats_lcore *out);

/** Histogram bucket of a burst of @p n packets (n > 0). */
static inline unsigned int
stats_burst_bucket(uint16_t n)
{
	unsigned int b = 31 - __builtin_clz(n);

	return b < STATS_BURST_BUCKETS ? b : STATS_BURST_BUCKETS - 1;
}

/** Histogram bucket of @p us microseconds from a wake-up to a packet. */
static inline unsigned int
stats_wake_bucket(uint64_t us)
{
	unsigned int b = us == 0 ? 0 : 64 - __builtin_clzll(us);

	return b < STATS_WAKE_BUCKETS ? b : STATS_WAKE_BUCKETS - 1;
}

/**
 * Rate limit for log lines: true at most once a second per @p next (a
 * static of the caller, holding the TSC of the next allowed line). Any
 * thread; two threads racing may both log once.
 */
static inline bool
stats_log_due(uint64_t *next)
{
	uint64_t now = rte_get_tsc_cycles();

	if (now < __atomic_load_n(next, __ATOMIC_RELAXED))
		return false;
	__atomic_store_n(next, now + rte_get_tsc_hz(), __ATOMIC_RELAXED);
	return true;
}

#endif /* VDP_STATS_H */
