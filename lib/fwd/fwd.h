/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_FWD_H
#define VDP_FWD_H

/**
 * @file
 * Forwarding engines. An engine is an entry of a table, as in testpmd:
 * a name, an optional begin hook run on the control lcore, and a fwd
 * function run by a worker for every received burst. The engine gets
 * everything through its context and reads no mutable globals, and owns
 * nothing: what a configuration points to (ports, the l2 table, the pool)
 * belongs to whoever built it.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "port.h"

#define FWD_NO_PORT UINT16_MAX  /**< "No destination" in the cross-connect map. */
#define FWD_OUT_MAX 64          /**< Packets buffered per destination before a flush. */
#define FWD_BURST_MAX 64        /**< Largest rx/tx burst. */
/**
 * Default rx byte budget of one burst (fwd_conf::burst_bytes): the Linux
 * kernel's VHOST_NET_WEIGHT, 0x80000, in decimal for the option table.
 */
#define FWD_BURST_BYTES_DEFAULT 524288
#define FWD_BURST_BYTES_MIN 1518     /**< Smallest byte budget: one full Ethernet frame. */
#define FWD_BURST_BYTES_MAX 16777216 /**< Largest byte budget (16 MiB: no bound in effect). */

struct fwd_l2_table;

/** Parameters of the built-in generator (txonly). */
struct fwd_txonly_conf {
	uint16_t pkt_len;   /**< Frame length without CRC, FWD_TXONLY_MIN_LEN..FWD_TXONLY_MAX_LEN. */
	uint16_t flows;     /**< Distinct UDP flows (source port varies), >= 1. */
	uint16_t burst;     /**< Packets generated per poll of each rx queue. */
};

/** Smallest frame txonly builds: Ethernet's minimum without the CRC (60). */
#define FWD_TXONLY_MIN_LEN (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)
/** Largest frame txonly builds (one mbuf segment). */
#define FWD_TXONLY_MAX_LEN 1518

/**
 * Shared forwarding configuration. Built on the control lcore; workers only
 * read it (the l2 table is internally concurrent).
 */
struct fwd_conf {
	const struct fwd_engine *engine;      /**< Active engine. */
	uint16_t nb_ports;                    /**< Ports valid in ports[]. */
	struct port *ports[VDP_MAX_PORTS];    /**< Ports by id (flooding targets); NULL: removed. */
	uint16_t xconnect[VDP_MAX_PORTS];     /**< io: destination per rx port id, or FWD_NO_PORT. */
	struct fwd_l2_table *l2;              /**< l2: the MAC table. */
	struct fwd_txonly_conf txonly;        /**< txonly: generator parameters. */
	struct rte_mempool *pool;             /**< txonly: where generated packets come from
					       *   on a worker whose socket has no registered
					       *   pool (port_pool_find()). */
	uint16_t burst;                       /**< Rx burst size, 1..FWD_BURST_MAX. */
	uint32_t burst_bytes;                 /**< Rx byte budget of one burst of one queue,
					       *   as port_rx_burst() takes it: a burst ends
					       *   with the packet that reaches it. */
};

/**
 * Per-worker output buffers, one per destination port. Packets pushed
 * here are sent on tx queue @p txq at the end of the iteration (or earlier
 * when a buffer fills).
 */
struct fwd_out {
	uint16_t txq;                                   /**< This worker's tx queue on every port. */
	uint16_t n[VDP_MAX_PORTS];                      /**< Packets buffered per port. */
	struct rte_mbuf *pkts[VDP_MAX_PORTS][FWD_OUT_MAX]; /**< Buffered packets per port. */
};

/** Per-worker engine state. */
struct fwd_lcore {
	uint32_t seq;       /**< txonly: next flow sequence number. */
	bool pool_found;    /**< txonly: local_pool was looked up (zeroed: not yet). */
	struct rte_mempool *local_pool; /**< txonly: the pool of this worker's socket, or
					 *   NULL when it has none (then fwd_conf::pool). */
};

/** Everything an engine's fwd function may use for one burst. */
struct fwd_ctx {
	const struct fwd_conf *conf;  /**< Shared configuration. */
	struct port *rx_port;         /**< Port the burst came from. */
	uint16_t rxq;                 /**< Rx queue the burst came from. */
	struct rte_mbuf **pkts;       /**< The burst; the engine consumes every mbuf. */
	uint16_t nb;                  /**< Packets in the burst (may be 0 for txonly). */
	struct fwd_out *out;          /**< This worker's output buffers. */
	struct fwd_lcore *lc;         /**< This worker's engine state. */
	uint64_t now;                 /**< TSC at the start of the iteration. */
};

/** One forwarding engine. */
struct fwd_engine {
	const char *name;                      /**< Name used by --fwd and the CLI. */
	/**
	 * Check @p conf before it is published, so that fwd can trust it.
	 * Runs on the control lcore for every new configuration, possibly
	 * while workers still run the previous one; allocates nothing.
	 * Returns 0, or a negative errno: conf is then not used. May be NULL.
	 */
	int (*begin)(struct fwd_conf *conf);
	/**
	 * Forward one burst. Every mbuf in ctx->pkts must end up pushed with
	 * fwd_out_push() or dropped with fwd_drop(). Runs on a worker; never
	 * blocks.
	 */
	void (*fwd)(struct fwd_ctx *ctx);
	/** True when the engine must be called even for empty bursts (generators). */
	bool poll_empty;
};

/** Engine by name, or NULL. */
const struct fwd_engine *fwd_engine_find(const char *name);

/** The engine table, terminated by a NULL name; for listing. */
extern const struct fwd_engine *const fwd_engines[];

/**
 * Fill conf->xconnect with the default pairing: ports 0<->1, 2<->3, ...;
 * an odd last port is paired with itself.
 */
void fwd_xconnect_pairs(struct fwd_conf *conf);

/**
 * Connect @p a and @p b both ways in conf->xconnect. Returns 0, or -EINVAL
 * when either id is not below conf->nb_ports.
 */
int fwd_xconnect_add(struct fwd_conf *conf, uint16_t a, uint16_t b);

/**
 * Buffer @p m for transmission on port @p dst by this worker. Flushes the
 * port's buffer first when it is full.
 */
void fwd_out_push(struct fwd_ctx *ctx, uint16_t dst, struct rte_mbuf *m);

/** Free @p m and count it on the rx queue as dropped for @p why. */
void fwd_drop(struct fwd_ctx *ctx, struct rte_mbuf *m, enum stats_drop why);

/**
 * The Ethernet header of @p m, for engines that read or rewrite it; NULL
 * when the first segment is shorter than one, after dropping @p m as
 * short_frame.
 */
static inline struct rte_ether_hdr *
fwd_eth_hdr(struct fwd_ctx *ctx, struct rte_mbuf *m)
{
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
		fwd_drop(ctx, m, STATS_DROP_SHORT_FRAME);
		return NULL;
	}
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

/** Send everything buffered in @p out for port @p dst. */
void fwd_out_flush_port(const struct fwd_conf *conf, struct fwd_out *out,
			uint16_t dst);

/** Send everything buffered in @p out. */
void fwd_out_flush(const struct fwd_conf *conf, struct fwd_out *out);

/* Engines, for the table and for tests. */
extern const struct fwd_engine fwd_io_engine;      /**< Cross-connect / port pairs. */
extern const struct fwd_engine fwd_l2_engine;      /**< MAC-learning switch. */
extern const struct fwd_engine fwd_macswap_engine; /**< Swap MACs, send back out. */
extern const struct fwd_engine fwd_rxonly_engine;  /**< Receive and free. */
extern const struct fwd_engine fwd_txonly_engine;  /**< Built-in generator. */

/** Configuration of the l2 MAC table. */
struct fwd_l2_params {
	uint32_t entries;      /**< Table capacity. */
	uint32_t age_ms;       /**< An entry not refreshed for this long is aged out. */
	int socket;            /**< NUMA socket for the table memory. */
	struct rte_rcu_qsbr *qsbr; /**< Workers' QSBR variable, for safe deletion; may be NULL. */
};

/** Create an l2 MAC table; NULL with rte_errno set on failure. */
struct fwd_l2_table *fwd_l2_create(const struct fwd_l2_params *params);

/** Free an l2 table; NULL does nothing. */
void fwd_l2_free(struct fwd_l2_table *t);

/**
 * Learn (or refresh) @p mac on @p port at time @p now (TSC). Callable from
 * any worker concurrently. Returns 0, or -ENOSPC when the table is full.
 */
int fwd_l2_learn(struct fwd_l2_table *t, const struct rte_ether_addr *mac,
		 uint16_t port, uint64_t now);

/**
 * Port that @p mac was learned on, or FWD_NO_PORT when it is unknown or
 * older than the aging time at @p now.
 */
uint16_t fwd_l2_lookup(struct fwd_l2_table *t, const struct rte_ether_addr *mac,
		       uint64_t now);

/** Remove entries older than the aging time at @p now; returns how many. Control lcore only. */
uint32_t fwd_l2_age(struct fwd_l2_table *t, uint64_t now);

/** Remove every entry. Control lcore only. */
void fwd_l2_flush(struct fwd_l2_table *t);

/** Number of entries in the table. */
uint32_t fwd_l2_count(const struct fwd_l2_table *t);

/** What fwd_l2_walk() calls for each live entry: MAC, port, seconds since last seen. */
typedef void (*fwd_l2_walk_fn)(const struct rte_ether_addr *mac, uint16_t port,
			       uint64_t age_s, void *arg);

/**
 * Call @p fn for every entry not aged out at @p now (TSC); returns how
 * many. Control lcore only.
 */
unsigned int fwd_l2_walk(const struct fwd_l2_table *t, uint64_t now, fwd_l2_walk_fn fn,
			 void *arg);

/** Remove the entries learned on @p port (it went away). Control lcore only. */
void fwd_l2_forget_port(struct fwd_l2_table *t, uint16_t port);

#endif /* VDP_FWD_H */
