/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_SCHED_ASSIGN_H
#define VDP_SCHED_ASSIGN_H

/**
 * @file
 * Rx queue placement: which worker polls each rx queue, from the queues'
 * measured loads, their NUMA sockets and the user's pins, and whether a
 * new placement balances the workers enough better to be worth applying
 * (the rebalance and auto-lb decision). Pure functions over plain data,
 * so that made-up loads and topologies can test them; no EAL needed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHED_ASSIGN_MAX_WORKERS 16 /**< Workers placement knows (SCHED_MAX_WORKERS). */
#define SCHED_ASSIGN_MAX_RXQ 1024   /**< Rx queues one placement takes. */

/** How unpinned rx queues are given to workers (as Open vSwitch's pmd-rxq-assign). */
enum sched_assign_mode {
	SCHED_ASSIGN_ROUNDROBIN, /**< In port and queue order, one worker after the
				  *   other; loads are not looked at. */
	SCHED_ASSIGN_CYCLES,     /**< Busiest queue first, the workers taken in turn,
				  *   up then down (0, 1, 1, 0, ...): the busiest
				  *   queues land on different workers and every
				  *   worker gets about as many queues. */
	SCHED_ASSIGN_GROUP,      /**< Busiest queue first, each to the worker with the
				  *   least load so far (then the fewest queues): the
				  *   best balance of load, whatever the queue counts. */
};

/** One rx queue to place. */
struct sched_assign_rxq {
	uint16_t port;   /**< Port id. */
	uint16_t q;      /**< Rx queue of that port. */
	int socket;      /**< NUMA socket of the queue's memory; < 0: unknown. */
	uint64_t load;   /**< Busy cycles measured over the load history. */
	int pin;         /**< Worker index the user pinned it to; -1: none. */
	int worker;      /**< In: the worker polling it now, -1: none; out: the
			  *   worker that is to poll it. */
};

/** The workers as placement sees them. */
struct sched_assign_topo {
	uint16_t nb_workers;  /**< Workers (1..SCHED_ASSIGN_MAX_WORKERS). */
	uint16_t nb_cores;    /**< Unpinned queues go to workers 0..nb_cores-1; 0: all. */
	int socket[SCHED_ASSIGN_MAX_WORKERS]; /**< NUMA socket of each worker. */
};

/**
 * Place @p n rx queues on the workers of @p t with @p mode. Pinned queues
 * go to their pin. Each unpinned queue goes to a worker of its own socket
 * when one of the first nb_cores is there, else to any of them (it is then
 * polled across sockets). With @p keep, a queue whose current worker is
 * still one it may have stays there and only the others are placed, each
 * on the least loaded candidate (then the one with fewest queues), which
 * is where round robin would have put a queue added last; without it every
 * unpinned queue is placed afresh. Sets rxq[].worker; returns 0, or
 * -EINVAL for a pin or topology out of range, or -E2BIG past
 * SCHED_ASSIGN_MAX_RXQ queues. The order of @p rxq is
 * port, then queue (round robin follows it).
 */
int sched_assign(enum sched_assign_mode mode, bool keep, const struct sched_assign_topo *t,
		 struct sched_assign_rxq *rxq, unsigned int n);

/** True when memory on socket @p mem is polled from socket @p worker, both known. */
static inline bool
sched_socket_remote(int mem, int worker)
{
	return mem >= 0 && worker >= 0 && mem != worker;
}

/** True when @p r is polled by a worker on another NUMA socket than its memory's. */
bool sched_assign_remote(const struct sched_assign_topo *t, const struct sched_assign_rxq *r);

/** What a placement would do to the balance of the workers' loads. */
struct sched_assign_balance {
	double cur_var;       /**< Variance of the workers' loads (in % of a core) now. */
	double new_var;       /**< The same with the proposed placement. */
	double improvement;   /**< (cur_var - new_var) / cur_var in %; 0 when cur_var is 0. */
	unsigned int moves;   /**< Queues that would change worker. */
};

/**
 * Compare the workers' loads under the current placement (@p cur[i] is
 * queue i's worker, -1: none) and under rxq[i].worker, with queue loads in
 * cycles over a window of @p window cycles. Only workers that may poll
 * unpinned queues, or that hold pinned ones, count.
 */
void sched_assign_balance(const struct sched_assign_topo *t,
			  const struct sched_assign_rxq *rxq, const int *cur, unsigned int n,
			  uint64_t window, struct sched_assign_balance *out);

/** Auto load balancing settings (as Open vSwitch's pmd-auto-lb-*). */
struct sched_autolb_conf {
	bool on;                  /**< Rebalance by itself. */
	unsigned int load_pct;    /**< A worker busy at least this % of every sample of
				   *   the history is overloaded. */
	unsigned int improve_pct; /**< Apply a placement only when it cuts the load
				   *   variance by at least this %. */
	uint64_t interval;        /**< Cycles that must pass between two rebalances. */
};

/** Why auto-lb did or did not rebalance at a sample. */
enum sched_autolb_verdict {
	SCHED_AUTOLB_OFF,         /**< Not on, or the mode is roundrobin. */
	SCHED_AUTOLB_NOT_OVERLOADED, /**< No worker was over the load threshold throughout. */
	SCHED_AUTOLB_TOO_SOON,    /**< The last rebalance was less than an interval ago. */
	SCHED_AUTOLB_NO_GAIN,     /**< The dry run would not improve the variance enough. */
	SCHED_AUTOLB_APPLY,       /**< Rebalance now. */
};

/**
 * The auto-lb decision. @p overloaded: some worker was over the load
 * threshold at every sample of a full history; @p since_last: cycles since
 * the last rebalance (UINT64_MAX: never); @p b: the dry run's balance (may
 * be NULL until the earlier conditions hold).
 */
enum sched_autolb_verdict sched_autolb_decide(const struct sched_autolb_conf *c,
					      enum sched_assign_mode mode, bool overloaded,
					      uint64_t since_last,
					      const struct sched_assign_balance *b);

/** Name of an auto-lb verdict, for logs and "show rxq". */
const char *sched_autolb_verdict_name(enum sched_autolb_verdict v);

/** Name of an assignment mode: "roundrobin", "cycles", "group". */
const char *sched_assign_mode_name(enum sched_assign_mode mode);

/** Names of the assignment modes, by enum value, NULL-terminated. */
extern const char *const sched_assign_mode_names[];

#endif /* VDP_SCHED_ASSIGN_H */
