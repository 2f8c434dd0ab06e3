/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "test_port.h"

#define TEST_POOL_SIZE 1023  /* 2^n - 1 is the mempool's best size. */

static struct test_port *
test_port_of(const struct port *p)
{
	return container_of(p, struct test_port, port);
}

static int
test_port_start(struct port *p)
{
	RTE_SET_USED(p);
	return 0;
}

static void
test_port_stop(struct port *p)
{
	RTE_SET_USED(p);
}

static void
test_port_destroy(struct port *p)
{
	struct test_port *tp = test_port_of(p);

	test_port_reset(tp);
	free(tp);
}

/* Hands out what the test queued, up to @p n, whatever their bytes: a
 * test queues what each burst should bring, and the byte budget is tested
 * where it is kept (lib/virtq; the estimate of port.h). */
static uint16_t
test_port_rx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts,
		   uint16_t n, uint32_t max_bytes)
{
	struct test_port *tp = test_port_of(p);
	uint16_t k = 0;

	RTE_SET_USED(q);
	RTE_SET_USED(max_bytes);
	if (!tp->up)
		return 0;
	while (k < n && tp->rx_head < tp->rx_tail)
		pkts[k++] = tp->rx[tp->rx_head++];
	return k;
}

static uint16_t
test_port_tx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts,
		   uint16_t n)
{
	struct test_port *tp = test_port_of(p);
	uint16_t k;

	RTE_SET_USED(q);
	tp->tx_calls++;
	if (!tp->up)
		return 0;
	k = RTE_MIN(n, tp->tx_cap);
	k = RTE_MIN(k, (uint16_t)(TEST_PORT_PKTS - tp->tx_n));
	memcpy(&tp->tx[tp->tx_n], pkts, k * sizeof(pkts[0]));
	tp->tx_n += k;
	tp->tx_cap -= k;
	return k;
}

/* Notifications through tp->notify_fd; the re-check is the rx queue. */
static int
test_port_rx_notify(struct port *p, uint16_t q, bool on, struct port_notify *n)
{
	struct test_port *tp = test_port_of(p);
	eventfd_t v = 0;

	RTE_SET_USED(q);
	if (tp->notify_fd < 0)
		return -ENOTSUP;
	if (!on) {
		if (n != NULL && eventfd_read(tp->notify_fd, &v) != 0)
			v = 0;
		return (int)v;
	}
	__atomic_store_n(&tp->arms, tp->arms + 1, __ATOMIC_RELAXED);
	n->fd = tp->notify_fd;
	n->intr = false;
	return tp->rx_head < tp->rx_tail ? 1 : 0;
}

static bool
test_port_is_up(const struct port *p)
{
	return test_port_of(p)->up;
}

static int
test_port_show(const struct port *p, FILE *f)
{
	const struct test_port *tp = test_port_of(p);

	return fprintf(f, "test port: %s, %u sent\n", tp->up ? "up" : "down",
		       tp->tx_n) < 0 ? -EIO : 0;
}

static const struct port_ops test_port_ops = {
	.type = "test",
	.start = test_port_start,
	.stop = test_port_stop,
	.destroy = test_port_destroy,
	.rx_burst = test_port_rx_burst,
	.tx_burst = test_port_tx_burst,
	.is_up = test_port_is_up,
	.show = test_port_show,
	.rx_notify = test_port_rx_notify,
};

struct rte_mempool *
test_eal_init(void)
{
	/*
	 * No --in-memory: EAL refuses it with --no-huge (which implies legacy
	 * memory). --no-shconf keeps the tests off the shared config, and
	 * --no-telemetry off the telemetry socket a running vdp may hold.
	 */
	char *argv[] = {
		"test", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		"--no-telemetry", "-l", "0", "--log-level=*:warning", NULL,
	};
	struct rte_mempool *pool;

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		printf("Bail out! rte_eal_init: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	pool = rte_pktmbuf_pool_create("test_pool", TEST_POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		printf("Bail out! mbuf pool: %s\n", rte_strerror(rte_errno));
	return pool;
}

struct test_port *
test_port_create(const char *name)
{
	struct test_port *tp = calloc(1, sizeof(*tp));
	int ret;

	if (tp == NULL) {
		printf("# test_port_create: out of memory\n");
		return NULL;
	}
	snprintf(tp->port.name, sizeof(tp->port.name), "%s", name);
	tp->port.ops = &test_port_ops;
	tp->port.nb_rxq = 1;
	tp->port.nb_txq = 1;
	tp->port.socket = SOCKET_ID_ANY;
	tp->port.tx_full_drop = STATS_DROP_TX_FULL;
	tp->up = true;
	tp->tx_cap = TEST_PORT_PKTS;
	tp->notify_fd = -1;
	ret = port_register(&tp->port);
	if (ret < 0) {
		printf("# port_register(%s): %s\n", name, strerror(-ret));
		free(tp);
		return NULL;
	}
	return tp;
}

void
test_port_reset(struct test_port *tp)
{
	rte_pktmbuf_free_bulk(&tp->rx[tp->rx_head], tp->rx_tail - tp->rx_head);
	rte_pktmbuf_free_bulk(tp->tx, tp->tx_n);
	tp->rx_head = 0;
	tp->rx_tail = 0;
	tp->tx_n = 0;
	tp->tx_cap = TEST_PORT_PKTS;
	tp->tx_calls = 0;
	tp->up = true;
	tp->port.tx_csum = false;
	tp->port.tx_tso = 0;
	port_stats_clear(&tp->port);
}

int
test_port_rx_add(struct test_port *tp, struct rte_mbuf *m)
{
	if (tp->rx_tail == TEST_PORT_PKTS)
		return -ENOSPC;
	tp->rx[tp->rx_tail++] = m;
	return 0;
}

uint16_t
test_port_poll(const struct fwd_conf *conf, struct port *p,
	       struct fwd_lcore *lc, uint64_t now)
{
	/* Static: 16 KiB of output buffers is a lot of stack for a test. */
	static struct fwd_out out;
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	struct fwd_ctx ctx = {
		.conf = conf,
		.rx_port = p,
		.rxq = 0,
		.pkts = pkts,
		.out = &out,
		.lc = lc,
		.now = now,
	};

	ctx.nb = port_rx_burst(p, 0, pkts, RTE_MIN(conf->burst, FWD_BURST_MAX),
			       conf->burst_bytes);
	if (ctx.nb != 0 || conf->engine->poll_empty)
		conf->engine->fwd(&ctx);
	fwd_out_flush(conf, &out);
	return ctx.nb;
}

struct rte_mbuf *
test_pkt(struct rte_mempool *pool, const struct rte_ether_addr *dst,
	 const struct rte_ether_addr *src, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, len);
	if (len < sizeof(*eth))
		return m;
	eth = (struct rte_ether_hdr *)p;
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	return m;
}

void
test_mac(struct rte_ether_addr *mac, uint32_t n)
{
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = (uint8_t)(n >> 24);
	mac->addr_bytes[3] = (uint8_t)(n >> 16);
	mac->addr_bytes[4] = (uint8_t)(n >> 8);
	mac->addr_bytes[5] = (uint8_t)n;
}

struct stats_queue
test_port_stats(const struct port *p, bool rx)
{
	struct stats_queue s;

	port_stats_queue(p, rx, 0, &s);
	return s;
}
