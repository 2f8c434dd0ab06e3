/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The mbuf pool registry of lib/port: which pool a socket gets, the
 * fallback, the order, and readers while pools are added. The pools are
 * small ones in --no-huge memory; the registry only keeps their pointers,
 * so the sockets they are registered for need not be real.
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "tap.h"
#include "test_port.h"

#define POOL_SIZE 63

static struct rte_mempool *pool_a, *pool_b, *pool_c;

static struct rte_mempool *
small_pool(const char *name)
{
	return rte_pktmbuf_pool_create(name, POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
}

/* Nothing registered: no pool for anyone. */
static void
test_pool_empty(void)
{
	TAP_EQ(port_pool_count(), 0);
	TAP_CHECK(port_pool_at(0) == NULL);
	TAP_CHECK(port_pool_find(0) == NULL);
	TAP_CHECK(port_pool_for(0) == NULL);
	TAP_CHECK(port_pool_for(SOCKET_ID_ANY) == NULL);
}

static void
test_pool_add_bad(void)
{
	TAP_EQ(port_pool_add(0, NULL), -EINVAL);
	TAP_EQ(port_pool_add(-2, pool_a), -EINVAL);
	TAP_EQ(port_pool_add(RTE_MAX_NUMA_NODES, pool_a), -EINVAL);
	TAP_EQ(port_pool_count(), 0);
}

/* The first pool (the main lcore's socket's, here socket 1) serves every socket. */
static void
test_pool_first_is_fallback(void)
{
	TAP_EQ(port_pool_add(1, pool_a), 0);
	TAP_EQ(port_pool_count(), 1);
	TAP_CHECK(port_pool_at(0) == pool_a);
	TAP_CHECK(port_pool_find(1) == pool_a);
	TAP_CHECK(port_pool_find(0) == NULL);
	TAP_CHECK(port_pool_for(1) == pool_a);
	TAP_CHECK(port_pool_for(0) == pool_a);
	TAP_CHECK(port_pool_for(SOCKET_ID_ANY) == pool_a);
}

/* A socket with a pool gets its own; one without, and SOCKET_ID_ANY, the first. */
static void
test_pool_per_socket(void)
{
	TAP_EQ(port_pool_add(0, pool_b), 0);
	TAP_CHECK(port_pool_for(0) == pool_b);
	TAP_CHECK(port_pool_for(1) == pool_a);
	TAP_CHECK(port_pool_for(3) == pool_a);
	TAP_CHECK(port_pool_find(3) == NULL);
	TAP_CHECK(port_pool_for(SOCKET_ID_ANY) == pool_a);
	/* One pool per socket: the first stays. */
	TAP_EQ(port_pool_add(0, pool_c), -EEXIST);
	TAP_CHECK(port_pool_for(0) == pool_b);
	/* In the order registered. */
	TAP_EQ(port_pool_count(), 2);
	TAP_CHECK(port_pool_at(0) == pool_a);
	TAP_CHECK(port_pool_at(1) == pool_b);
	TAP_CHECK(port_pool_at(2) == NULL);
}

/* A pool of no socket is found as SOCKET_ID_ANY's, but is not the fallback. */
static void
test_pool_any(void)
{
	TAP_EQ(port_pool_add(SOCKET_ID_ANY, pool_c), 0);
	TAP_EQ(port_pool_add(SOCKET_ID_ANY, pool_a), -EEXIST);
	TAP_CHECK(port_pool_find(SOCKET_ID_ANY) == pool_c);
	TAP_CHECK(port_pool_for(SOCKET_ID_ANY) == pool_a);
	TAP_CHECK(port_pool_for(5) == pool_a);
	TAP_EQ(port_pool_count(), 3);
	TAP_CHECK(port_pool_at(2) == pool_c);
}

/* An ethdev's rx queues take the pool of its device's socket. */
static void
test_pool_ethdev(void)
{
	struct port_ethdev_conf conf = PORT_ETHDEV_CONF_DEFAULTS;
	struct port *p;
	uint16_t dev;
	int socket;

	strcpy(conf.name, "null0");
	strcpy(conf.devargs, "net_null0");
	p = port_ethdev_create(&conf, 1);
	TAP_CHECK(p != NULL);
	if (p == NULL) {
		printf("# port_ethdev_create: %s\n", rte_strerror(rte_errno));
		return;
	}
	TAP_EQ(rte_eth_dev_get_port_by_name("net_null0", &dev), 0);
	socket = rte_eth_dev_socket_id(dev);
	printf("# net_null0 is on socket %d\n", socket);
	TAP_EQ(port_socket(p), socket);
	TAP_CHECK(port_pool(p) == port_pool_for(socket));
	/* Registered so far: socket 1 (the fallback), 0 and SOCKET_ID_ANY. */
	TAP_CHECK(port_pool(p) == (socket == 0 ? pool_b : pool_a));
	port_destroy_all();
}

/* Registered pools, read by another thread while more are added. */
struct pool_reader {
	bool stop;            /* Set by the writer when it is done. */
	unsigned int bad;     /* Entries below the count that read NULL. */
};

static void *
pool_reader_run(void *arg)
{
	struct pool_reader *r = arg;
	unsigned int i, n;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		n = port_pool_count();
		for (i = 0; i < n; i++)
			if (port_pool_at(i) == NULL || port_pool_for(2 + i) == NULL)
				r->bad++;
	}
	return NULL;
}

static void
test_pool_concurrent_readers(void)
{
	struct pool_reader r = { .stop = false };
	pthread_t t;
	int s;

	TAP_EQ(pthread_create(&t, NULL, pool_reader_run, &r), 0);
	for (s = 2; s < RTE_MAX_NUMA_NODES; s++)
		TAP_EQ(port_pool_add(s, pool_c), 0);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	TAP_EQ(r.bad, 0);
	TAP_EQ(port_pool_count(), RTE_MAX_NUMA_NODES + 1);
	TAP_CHECK(port_pool_for(7) == pool_c);
	TAP_CHECK(port_pool_for(1) == pool_a);
	TAP_CHECK(port_pool_for(0) == pool_b);
}

int
main(void)
{
	if (test_eal_init() == NULL)
		return 1;
	pool_a = small_pool("pool_a");
	pool_b = small_pool("pool_b");
	pool_c = small_pool("pool_c");
	if (pool_a == NULL || pool_b == NULL || pool_c == NULL) {
		printf("Bail out! pools: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	TAP_RUN(test_pool_empty);
	TAP_RUN(test_pool_add_bad);
	TAP_RUN(test_pool_first_is_fallback);
	TAP_RUN(test_pool_per_socket);
	TAP_RUN(test_pool_any);
	TAP_RUN(test_pool_ethdev);
	TAP_RUN(test_pool_concurrent_readers);
	return tap_done();
}
