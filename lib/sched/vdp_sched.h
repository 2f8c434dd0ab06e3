/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_SCHED_H
#define VDP_SCHED_H

/**
 * @file
 * Worker lcores and their poll plan.
 *
 * The plan says which (port, rx queue) pairs each worker polls. It is
 * built on the control lcore, never modified once published, and swapped
 * in by pointer: workers load the pointer once per iteration and report a
 * quiescent state at the end of each one, so an old plan (and anything else
 * a worker might still touch, such as a destroyed vhost device) is released
 * only after rte_rcu_qsbr_synchronize().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "fwd.h"
#include "port.h"
#include "sched_assign.h"
#include "stats.h"

#define SCHED_MAX_WORKERS 16   /**< Worker lcores (each owns one tx queue per port). */
#define SCHED_MAX_RXQ 64       /**< (port, rxq) pairs one worker polls. */
#ifndef VDP_SLEEP_IDLE_US
#define VDP_SLEEP_IDLE_US 200 /**< Meson option sleep_idle_us. */
#endif
/**
 * An adaptive worker sleeps once it has found nothing to receive for this
 * long (docs/benchmarks.md, "Adaptive polling", has the measurements that
 * chose it).
 */
#define SCHED_SLEEP_IDLE_US VDP_SLEEP_IDLE_US

/** How a worker waits when its queues are idle. */
enum sched_poll_mode {
	SCHED_POLL_BUSY,     /**< Poll without pause, guest kicks off (the default). */
	SCHED_POLL_ADAPTIVE, /**< After SCHED_SLEEP_IDLE_US idle: arm notifications and
			      *   sleep until a kick, an rx interrupt or the control
			      *   thread wakes it. */
};

/** One entry of a worker's poll list. */
struct sched_rxq {
	struct port *port;    /**< Port to poll. */
	uint16_t q;           /**< Rx queue on that port. */
};

/** What every worker polls; immutable once published. */
struct sched_plan {
	uint32_t gen;                        /**< Generation, bumped on every publish. */
	const struct fwd_conf *conf;         /**< Forwarding configuration in force. */
	uint16_t nb_rxq[SCHED_MAX_WORKERS];  /**< Entries per worker. */
	struct sched_rxq rxq[SCHED_MAX_WORKERS][SCHED_MAX_RXQ]; /**< Poll lists per worker. */
};

/** An explicit placement of one rx queue, from the config's [lcore N] sections. */
struct sched_pin {
	uint16_t port;         /**< Port id. */
	uint16_t q;            /**< Rx queue. */
	unsigned int lcore;    /**< EAL lcore id of the worker that polls it. */
};

/**
 * Find the worker lcores (every EAL lcore but the main one) and set up the
 * QSBR variable. Returns the number of workers, or a negative errno
 * (-ENODEV when there is no worker lcore, -E2BIG past SCHED_MAX_WORKERS).
 */
int sched_init(void);

/**
 * Stop the workers if they run, and free the plan in force and what
 * sched_init() set up. Whatever used the QSBR variable (an l2 table) must
 * be freed first. sched_init() may be called again. Control lcore only.
 */
void sched_fini(void);

/** Number of worker lcores found by sched_init(). */
uint16_t sched_nb_workers(void);

/** EAL lcore id of worker @p w. */
unsigned int sched_worker_lcore(uint16_t w);

/** Worker index of EAL lcore @p lcore, or -1 when it is not a worker. */
int sched_worker_index(unsigned int lcore);

/** The QSBR variable workers report to; valid after sched_init(). */
struct rte_rcu_qsbr *sched_qsbr(void);

/**
 * Build a plan from a placement (sched_assign()): rxq[i].q of port
 * rxq[i].port is polled by worker rxq[i].worker. Entries whose port is not
 * in conf->ports (stopped or removed) are left out. Returns the plan (to
 * publish) or NULL with rte_errno set (EINVAL for a bad port, queue or
 * worker; ENOSPC when a worker's list overflows).
 */
struct sched_plan *sched_plan_build(const struct fwd_conf *conf,
				    const struct sched_assign_rxq *rxq, unsigned int n);

/** The worker that polls (@p p, @p q) under @p plan, or -1. */
int sched_plan_worker(const struct sched_plan *plan, const struct port *p, uint16_t q);

/** NUMA socket of worker @p w (rte_lcore_to_socket_id()). */
int sched_worker_socket(uint16_t w);

/**
 * Publish @p plan. When workers run, waits until none uses the previous
 * plan, then frees it. A queue that moves to another worker has one
 * poller at any time: it is first left out (an intermediate plan, a grace
 * period), then given to its new worker. Sleeping workers are woken to
 * pick the plan up. Control lcore only.
 */
void sched_plan_publish(struct sched_plan *plan);

/** The plan in force (control lcore: for display). */
const struct sched_plan *sched_plan_current(void);

/**
 * Launch the poll loop on every worker lcore. Returns 0, -EALREADY when
 * they run already, or another negative errno.
 */
int sched_start(void);

/** True between sched_start() and sched_stop(). */
bool sched_running(void);

/** Ask workers to leave their loop and wait for them. Safe to call twice. */
void sched_stop(void);

/** Name of a poll mode: "busy", "adaptive". */
const char *sched_poll_mode_name(enum sched_poll_mode mode);

/** The poll mode called @p name; 0, or -EINVAL for an unknown name. */
int sched_poll_mode_parse(const char *name, enum sched_poll_mode *mode);

/**
 * Set worker @p w's poll mode; it takes effect from the worker's next
 * iteration (a sleeping worker is woken). Returns 0, or -ENOTSUP for
 * adaptive when the worker has no wake-up eventfd. Control thread only.
 */
int sched_set_poll_mode(uint16_t w, enum sched_poll_mode mode);

/** Worker @p w's poll mode. */
enum sched_poll_mode sched_poll_mode(uint16_t w);

/**
 * Why adaptive worker @p w keeps polling instead of sleeping, as of its
 * last try: NULL when it can sleep (or is busy), else a short reason
 * naming the queue ("port tap0 rx queue 0 has no rx interrupt"), written
 * into @p buf. Control thread.
 */
const char *sched_sleep_blocker(uint16_t w, char *buf, size_t len);

/** True while worker @p w sleeps. Any thread. */
bool sched_sleeping(uint16_t w);

/** Wake every sleeping worker (port_wake()'s function). Any thread. */
void sched_wake_all(void);

/** Counters of worker @p w (read with stats_lcore_read()). */
const struct stats_lcore *sched_worker_stats(uint16_t w);

/**
 * Wait until every running worker has finished the iteration it was in.
 * Callable from any non-worker thread; returns at once when no worker runs.
 */
void sched_synchronize(void);

/**
 * Enter a read-side section on the control thread: until
 * sched_reader_end(), sched_synchronize() (and so port_quiesce()) waits
 * for it, as for a worker's iteration. Lets the control thread read state
 * that a device teardown on another thread frees after a grace period.
 * Never call sched_synchronize() or stop a port inside the section.
 */
void sched_reader_begin(void);

/** Leave the section begun by sched_reader_begin(). */
void sched_reader_end(void);

/**
 * Load samples kept per rx queue and per worker; with the sample interval
 * (10 s by default) they make the minute that Open vSwitch's pmd-rxq-show
 * and auto-lb look at.
 */
#define SCHED_LOAD_HIST 6

/**
 * Take a load sample at TSC @p now: every rx queue's busy cycles and
 * packets and every worker's busy and total cycles since the previous
 * sample (the first call only starts the first sample). The last
 * SCHED_LOAD_HIST samples are kept. Control thread only, as are the other
 * sched_load_*() functions.
 */
void sched_load_sample(uint64_t now);

/** Drop the whole history; the next sched_load_sample() starts afresh. */
void sched_load_forget(void);

/**
 * Restart the workers' overload history (after a rebalance: their loads
 * change); the queues' history stays, since it does not depend on the
 * worker that polled them.
 */
void sched_load_workers_restart(void);

/** Samples kept (0..SCHED_LOAD_HIST). */
unsigned int sched_load_samples(void);

/** TSC cycles the kept samples cover. */
uint64_t sched_load_window(void);

/** One rx queue over the kept samples. */
struct sched_rxq_load {
	uint64_t cycles;  /**< Busy cycles (its bursts and their share of the flushes). */
	uint64_t pkts;    /**< Packets received. */
};

/** Rx queue @p q of @p p over the kept samples (zero for a port not sampled yet). */
void sched_load_rxq(const struct port *p, uint16_t q, struct sched_rxq_load *out);

/** One worker over the kept samples. */
struct sched_worker_load {
	uint64_t busy;         /**< Cycles of iterations that received. */
	uint64_t total;        /**< Busy, idle and asleep cycles. */
	unsigned int samples;  /**< Samples since its history last restarted. */
};

/** Worker @p w over the kept samples. */
void sched_load_worker(uint16_t w, struct sched_worker_load *out);

/**
 * True when some worker was busy at least @p pct % of every one of
 * SCHED_LOAD_HIST samples since its history last restarted.
 */
bool sched_load_overloaded(unsigned int pct);

#endif /* VDP_SCHED_H */
