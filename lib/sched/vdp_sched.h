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
 * Build a plan over the rx queues of every port in conf->ports: the queues in @p pins go to
 * the lcore they name, the rest round-robin over the first @p nb_cores
 * workers (0: all of them). Returns the
 * plan (to publish) or NULL with rte_errno set (EINVAL for a pin naming a
 * bad port, queue or lcore; ENOSPC when a worker's list overflows).
 */
struct sched_plan *sched_plan_build(const struct fwd_conf *conf,
				    const struct sched_pin *pins,
				    unsigned int nb_pins, uint16_t nb_cores);

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

#endif /* VDP_SCHED_H */
