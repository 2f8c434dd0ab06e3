/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_TEST_PORT_H
#define VDP_TEST_PORT_H

/**
 * @file
 * A dummy port type, "test", for the unit tests: rx hands out the mbufs a
 * test queued, tx records what it is given so the test can inspect it. As
 * with OVS's dummy netdev, the engines and the port accounting run
 * unchanged against it. Also the EAL set-up the tests share.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "fwd.h"
#include "port.h"

#define TEST_PORT_PKTS 512  /**< Packets a test port queues for rx and records on tx. */

/** One dummy port. Single-threaded: only the test's own thread uses it. */
struct test_port {
	struct port port;                     /**< What vdp sees; its id is its table index. */
	struct rte_mbuf *rx[TEST_PORT_PKTS];  /**< Packets queued for rx_burst, in order. */
	uint16_t rx_head;                     /**< Next queued packet rx_burst hands out. */
	uint16_t rx_tail;                     /**< One past the last queued packet. */
	struct rte_mbuf *tx[TEST_PORT_PKTS];  /**< Packets tx_burst took, in order; owned here. */
	uint16_t tx_n;                        /**< Packets in tx[]. */
	uint16_t tx_cap;                      /**< tx_burst takes at most this many more ("full"). */
	uint32_t tx_calls;                    /**< tx_burst calls, to observe flushes. */
	bool up;                              /**< Link state is_up reports; down ports move nothing. */
	int notify_fd;                        /**< Eventfd rx_notify hands an adaptive worker,
					       *   which the test writes to "kick"; -1 (the
					       *   default): the port cannot notify. */
	uint32_t arms;                        /**< rx_notify calls that armed (worker). */
};

/**
 * Start the EAL the way every unit test does (no hugepages, no PCI, one
 * lcore, nothing shared on disk) and create a 1023-mbuf pool without a
 * per-lcore cache, so that rte_mempool_in_use_count() is exact. Prints a
 * TAP "Bail out!" and returns NULL on failure.
 */
struct rte_mempool *test_eal_init(void);

/**
 * Create a test port named @p name with one rx and one tx queue, up, with
 * room for TEST_PORT_PKTS transmitted packets, and register it. Ports get
 * ids in creation order. Returns NULL (after a TAP diagnostic) on failure.
 */
struct test_port *test_port_create(const char *name);

/**
 * Return @p tp to its created state: free queued and recorded mbufs, link
 * up, tx room TEST_PORT_PKTS, no tx offloads taken, and clear its counters.
 */
void test_port_reset(struct test_port *tp);

/** Queue @p m for rx; the port then owns it. Returns 0 or -ENOSPC. */
int test_port_rx_add(struct test_port *tp, struct rte_mbuf *m);

/**
 * Do what a worker does for one poll of (@p p, 0): receive a burst of up to
 * conf->burst, run conf->engine on it (or on nothing, for generators),
 * then flush every output buffer. Returns the number received.
 */
uint16_t test_port_poll(const struct fwd_conf *conf, struct port *p,
			struct fwd_lcore *lc, uint64_t now);

/**
 * An Ethernet frame of @p len bytes from @p pool: @p dst, @p src, type
 * IPv4, zero payload. Frames shorter than a header are all zeros. NULL if
 * the pool is empty.
 */
struct rte_mbuf *test_pkt(struct rte_mempool *pool,
			  const struct rte_ether_addr *dst,
			  const struct rte_ether_addr *src, uint16_t len);

/** A locally administered unicast MAC, distinct for each @p n. */
void test_mac(struct rte_ether_addr *mac, uint32_t n);

/** Counters of (@p p, queue 0) since the last clear; @p rx selects rx or tx. */
struct stats_queue test_port_stats(const struct port *p, bool rx);

#endif /* VDP_TEST_PORT_H */
