/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_CTL_H
#define VDP_CTL_H

/**
 * @file
 * The running configuration and every change to it. Start-up (options and
 * config file) and the commands (prompt, control socket, command files)
 * call the same functions here. Each change rebuilds the forwarding
 * configuration and the poll plan from what the user asked for, publishes
 * them (workers pick them up between iterations) and frees the old ones
 * after a grace period, so changes take effect while traffic runs.
 *
 * Control thread only. Functions return 0 or a negative errno and, on
 * failure, put one line (no "error: " prefix, no newline) in @p err.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_mempool.h>

#include "fwd.h"
#include "opts.h"
#include "params.h"
#include "port.h"
#include "vdp_sched.h"

#define CTL_ERR_LEN 256 /**< Room for one error line. */

/** What the user asked for; the forwarding configuration is derived from it. */
struct ctl {
	struct opts_fwd opts;             /**< The options of the table in opts.h. */
	uint16_t xconnect[VDP_MAX_PORTS]; /**< io map by port id, FWD_NO_PORT: none. */
	struct sched_pin pins[PARAMS_MAX_PINS]; /**< Explicit rx queue placements. */
	unsigned int nb_pins;             /**< Entries in pins[]. */
	uint16_t nb_cores;                /**< Workers rx queues are spread over; 0: all. */
	bool stopped[VDP_MAX_PORTS];      /**< Port stopped by "port stop" (not forwarded). */
	struct fwd_l2_table *l2;          /**< l2 MAC table while the engine is l2; only ctl
					   *   creates and frees it. */
	uint32_t l2_entries;              /**< l2 table capacity. */
	struct port_sock_perm vhost_sock; /**< --sock-owner/-group/-mode: what a
					   *   server-mode port added at run time
					   *   does not set itself. */
	struct rte_mempool *pool;         /**< Pool of the main lcore's socket (the
					   *   fallback of port_pool_for()): txonly
					   *   and tx_first packets. */
	struct fwd_conf *conf;            /**< Configuration in force (published). */
	bool quit;                        /**< "quit" was asked for. */
	uint64_t next_sample;             /**< TSC of the next load sample; 0: not begun. */
	uint64_t last_rebalance;          /**< TSC of the last rebalance applied; 0: none. */
	enum sched_autolb_verdict autolb_last; /**< Auto-lb's verdict at the last sample. */
	uint64_t autolb_checks;           /**< Samples at which auto-lb made a dry run. */
	uint64_t rebalances;              /**< Rebalances applied (command or auto-lb). */
	struct vdp_params *loaded;        /**< The --config file as it was last loaded (at
					   *   start or by ctl_reload()), alone; NULL: no
					   *   file. */
	bool poll_mode_fixed;             /**< --poll-mode was given: [lcore N] poll-mode
					   *   keys are not applied. */
};

/** A placement computed from the measured loads, and what it would change. */
struct ctl_placement {
	unsigned int n;                   /**< Rx queues placed. */
	struct sched_assign_rxq rxq[SCHED_ASSIGN_MAX_RXQ]; /**< Each with its new worker. */
	int cur[SCHED_ASSIGN_MAX_RXQ];    /**< Each one's worker now; -1: none. */
	struct sched_assign_topo topo;    /**< The workers it was made for. */
	uint64_t window;                  /**< TSC cycles the loads were measured over. */
	struct sched_assign_balance bal;  /**< Load variance now and with it. */
};

/** Write one error line in @p err and return @p ret (a negative errno). */
int ctl_err(char *err, size_t errlen, int ret, const char *fmt, ...) __rte_format_printf(4, 5);

/** The one control state of the process. */
extern struct ctl vdp_ctl;

/**
 * Held while a command runs and while telemetry (on its own thread) reads
 * ports, so that a port removed by a command is never read half-freed.
 */
extern pthread_mutex_t ctl_lock;

/**
 * Take the forwarding choices of @p p (its options, cross-connects, rx
 * queue placements) over the ports already created, and
 * publish the first plan.
 */
int ctl_init(struct ctl *c, const struct vdp_params *p, struct rte_mempool *pool,
	     char *err, size_t errlen);

/**
 * Release what ctl_init() and later changes allocated; workers stopped.
 * The plan in force is sched's to free (sched_fini()).
 */
void ctl_fini(struct ctl *c);

/**
 * Rebuild the configuration and plan from @p c and publish them. Rx queues
 * stay on the worker that polls them; new ones (or ones whose worker they
 * may no longer use) are placed by the assignment mode.
 */
int ctl_commit(struct ctl *c, char *err, size_t errlen);

/**
 * Place every unpinned rx queue afresh with the assignment mode, from the
 * measured loads, into @p out, without applying it (a dry run).
 */
int ctl_placement(struct ctl *c, struct ctl_placement *out, char *err, size_t errlen);

/**
 * Compute a placement as ctl_placement() does into @p out and, with
 * @p apply, publish it. Counted in c->rebalances when applied.
 */
int ctl_rebalance(struct ctl *c, bool apply, struct ctl_placement *out, char *err,
		  size_t errlen);

/**
 * Periodic work of the control thread at TSC @p now: take a load sample
 * every load-interval, and at each let auto-lb decide (and rebalance).
 * Takes ctl_lock.
 */
void ctl_tick(struct ctl *c, uint64_t now);

/** One polled rx queue, as "show rxq" and /vdp/rxqs show it. */
struct ctl_rxq_info {
	const struct port *port; /**< Its port. */
	uint16_t q;              /**< Rx queue. */
	uint16_t worker;         /**< Worker index that polls it. */
	uint64_t pkts;           /**< Packets over the load history. */
	uint64_t cycles;         /**< Busy cycles over the load history. */
	double load_pct;         /**< Cycles in % of the history's length (a core's time). */
	double busy_pct;         /**< Cycles in % of its worker's busy cycles (at most 100). */
	int socket;              /**< NUMA socket of its memory; < 0: unknown. */
	bool pinned;             /**< Placed by "set rxq affinity" or the config. */
	bool remote;             /**< Polled from another NUMA socket than its memory's. */
};

/**
 * Fill @p out (room for @p max) with the rx queues the plan in force
 * polls, worker by worker; returns how many.
 */
unsigned int ctl_rxq_info(const struct ctl *c, struct ctl_rxq_info *out, unsigned int max);

/** A port by id or name, or NULL. */
struct port *ctl_port_ref(const char *ref);

/** True when @p p is forwarded (not stopped with ctl_port_stop()). */
bool ctl_port_started(const struct ctl *c, const struct port *p);

/**
 * Change option @p name of the option table (opts.h) to @p value while
 * forwarding runs, as the command line and config would set it, and
 * publish the result; on any failure nothing changes. Switching to the l2
 * engine creates an empty MAC table, leaving it frees the table. An
 * option the table does not mark as changeable at run time is refused.
 * The message names the option: "burst: bad value '0' (1..64)".
 */
int ctl_set_opt(struct ctl *c, const char *name, const char *value, char *err,
		size_t errlen);

/** Spread unplaced rx queues over the first @p n workers. */
int ctl_set_nbcore(struct ctl *c, uint16_t n, char *err, size_t errlen);

/** Cross-connect ports @p a and @p b both ways (io). */
int ctl_add_xconnect(struct ctl *c, struct port *a, struct port *b, char *err,
		     size_t errlen);

/**
 * Set the poll mode of worker lcore @p lcore, or of every worker when
 * @p lcore is -1. -EINVAL when @p lcore is not a worker.
 */
int ctl_set_poll_mode(struct ctl *c, int lcore, enum sched_poll_mode mode, char *err,
		      size_t errlen);

/** Undo ctl_add_xconnect(): -ENOENT when @p a and @p b are not each other's peer. */
int ctl_del_xconnect(struct ctl *c, const struct port *a, const struct port *b, char *err,
		     size_t errlen);

/**
 * Forget the placement of rx queue @p q of @p p (it stays where it is
 * until placed afresh); -ENOENT when it is not pinned.
 */
int ctl_unpin_rxq(struct ctl *c, const struct port *p, uint16_t q, char *err,
		  size_t errlen);

/** Poll rx queue @p q of @p p on worker lcore @p lcore. */
int ctl_set_rxq_affinity(struct ctl *c, struct port *p, uint16_t q,
			 unsigned int lcore, char *err, size_t errlen);

/**
 * Create, start and forward a vhost-user port; a server-mode one takes
 * the socket owner, group and mode it does not set from c->vhost_sock.
 */
int ctl_add_vhost(struct ctl *c, const struct port_vhost_conf *conf, char *err,
		  size_t errlen);

/** Probe (if needed), start and forward an ethdev port named after its device. */
int ctl_attach_ethdev(struct ctl *c, const char *devargs, char *err, size_t errlen);

/** Probe (if needed), create, start and forward the ethdev port @p conf describes. */
int ctl_add_ethdev(struct ctl *c, const struct port_ethdev_conf *conf, char *err,
		   size_t errlen);

/**
 * Remove @p p: stop forwarding it, wait until no worker can reach it, then
 * stop and destroy it. Other ports keep forwarding throughout.
 */
int ctl_del_port(struct ctl *c, struct port *p, char *err, size_t errlen);

/** Start a stopped port and forward it again. */
int ctl_port_start(struct ctl *c, struct port *p, char *err, size_t errlen);

/** Stop forwarding @p p, then stop the port (its socket or device). */
int ctl_port_stop(struct ctl *c, struct port *p, char *err, size_t errlen);

/**
 * Start the workers. With @p tx_first, first send one burst of generated
 * frames out of every port whose link is up, as testpmd's "start
 * tx_first" does.
 */
int ctl_start(struct ctl *c, bool tx_first, char *err, size_t errlen);

/** Stop the workers; ports stay up. */
int ctl_stop(struct ctl *c, char *err, size_t errlen);

/**
 * Keep what @p p's --config file says alone (reading the file again),
 * for ctl_reload(). Does nothing without a --config file. -EINVAL when
 * the file no longer loads.
 */
int ctl_reload_init(struct ctl *c, const struct vdp_params *p, char *err, size_t errlen);

/**
 * Read the --config file again and apply what changed in it since it was
 * last loaded, through the functions above: ports removed, added, or
 * restarted with new settings; cross-connects; [fwd] options (a key taken
 * out of the file goes back to its default); rx queue placements and poll
 * modes of [lcore N] sections. A file that does not load changes nothing
 * (-EINVAL). Otherwise every change is tried, one line each on @p out
 * ("  port vhost2: added", "  burst: 16", "  port x: failed: ..."), then
 * a summary line; -EINVAL when any failed, and a later reload tries again
 * what is not in force. Ports that the file never named (command line,
 * "add vhost") are left alone.
 */
int ctl_reload(struct ctl *c, FILE *out, char *err, size_t errlen);

#endif /* VDP_CTL_H */
