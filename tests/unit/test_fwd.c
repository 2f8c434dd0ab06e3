/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The simple engines (io, macswap, rxonly, txonly), the output buffers and
 * the port accounting, run against dummy ports.
 */

#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "tap.h"
#include "test_port.h"

#define NB_PORTS 4

static struct rte_mempool *pool;
static struct test_port *tp[NB_PORTS];
static struct fwd_conf conf;
static struct fwd_lcore lc;

/* Fresh ports and a configuration for @p e over the first @p nb ports. */
static void
setup(const struct fwd_engine *e, uint16_t nb)
{
	uint16_t i;

	for (i = 0; i < NB_PORTS; i++)
		test_port_reset(tp[i]);
	memset(&conf, 0, sizeof(conf));
	memset(&lc, 0, sizeof(lc));
	conf.engine = e;
	conf.nb_ports = nb;
	for (i = 0; i < nb; i++)
		conf.ports[i] = &tp[i]->port;
	conf.burst = 32;
	conf.pool = pool;
	fwd_xconnect_pairs(&conf);
}

/* Queue @p n frames A -> B on port @p p, keeping them in @p saved if given. */
static void
queue(uint16_t p, unsigned int n, struct rte_mbuf **saved)
{
	struct rte_ether_addr a, b;
	unsigned int i;

	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = test_pkt(pool, &b, &a, 64);

		TAP_CHECK(m != NULL);
		if (m == NULL)
			return;
		if (saved != NULL)
			saved[i] = m;
		TAP_EQ(test_port_rx_add(tp[p], m), 0);
	}
}

static void
test_engine_table(void)
{
	static const char *const names[] = {
		"io", "l2", "macswap", "rxonly", "txonly",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++) {
		const struct fwd_engine *e = fwd_engine_find(names[i]);

		TAP_CHECK(e != NULL && strcmp(e->name, names[i]) == 0);
	}
	TAP_CHECK(fwd_engine_find("nosuch") == NULL);
	TAP_CHECK(fwd_engine_find("txonly")->poll_empty);
	TAP_CHECK(!fwd_engine_find("io")->poll_empty);
}

/* 0 <-> 1, and an odd port 2 goes back out of itself. */
static void
test_io_pairs(void)
{
	struct rte_mbuf *from0[3], *from1[2], *from2[1];
	unsigned int i;

	setup(&fwd_io_engine, 3);
	TAP_EQ(conf.xconnect[0], 1);
	TAP_EQ(conf.xconnect[1], 0);
	TAP_EQ(conf.xconnect[2], 2);
	TAP_EQ(conf.xconnect[3], FWD_NO_PORT);
	queue(0, 3, from0);
	queue(1, 2, from1);
	queue(2, 1, from2);
	for (i = 0; i < 3; i++)
		TAP_EQ(test_port_poll(&conf, &tp[i]->port, &lc, 0),
		       i == 0 ? 3 : i == 1 ? 2 : 1);
	TAP_EQ(tp[1]->tx_n, 3);
	TAP_EQ(tp[0]->tx_n, 2);
	TAP_EQ(tp[2]->tx_n, 1);
	for (i = 0; i < 3; i++)
		TAP_CHECK(tp[1]->tx[i] == from0[i]);
	for (i = 0; i < 2; i++)
		TAP_CHECK(tp[0]->tx[i] == from1[i]);
	TAP_CHECK(tp[2]->tx[0] == from2[0]);
	TAP_EQ(test_port_stats(&tp[0]->port, true).pkts, 3);
	TAP_EQ(test_port_stats(&tp[1]->port, false).pkts, 3);
	TAP_EQ(test_port_stats(&tp[1]->port, false).bytes, 3 * 64);
}

static void
test_io_xconnect(void)
{
	setup(&fwd_io_engine, 3);
	TAP_EQ(fwd_xconnect_add(&conf, 0, 2), 0);
	TAP_EQ(fwd_xconnect_add(&conf, 0, 3), -EINVAL);
	TAP_EQ(fwd_xconnect_add(&conf, 3, 0), -EINVAL);
	TAP_EQ(conf.xconnect[0], 2);
	TAP_EQ(conf.xconnect[2], 0);
	queue(0, 2, NULL);
	queue(2, 1, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	test_port_poll(&conf, &tp[2]->port, &lc, 0);
	TAP_EQ(tp[2]->tx_n, 2);
	TAP_EQ(tp[0]->tx_n, 1);
	TAP_EQ(tp[1]->tx_n, 0);
}

static void
test_io_no_port(void)
{
	struct stats_queue rx;

	setup(&fwd_io_engine, 2);
	conf.xconnect[0] = FWD_NO_PORT;
	queue(0, 4, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	rx = test_port_stats(&tp[0]->port, true);
	TAP_EQ(rx.pkts, 4);
	TAP_EQ(rx.drops[STATS_DROP_NO_ROUTE], 4);
	TAP_EQ(stats_queue_drops(&rx), 4);
	TAP_EQ(tp[0]->tx_n + tp[1]->tx_n, 0);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

static void
test_macswap(void)
{
	struct rte_ether_addr a, b;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;

	setup(&fwd_macswap_engine, 2);
	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	m = test_pkt(pool, &b, &a, 64);
	test_port_rx_add(tp[1], m);
	test_port_rx_add(tp[1], test_pkt(pool, &b, &a, 10));
	test_port_poll(&conf, &tp[1]->port, &lc, 0);
	TAP_EQ(tp[0]->tx_n, 0);
	TAP_EQ(tp[1]->tx_n, 1);
	TAP_CHECK(tp[1]->tx[0] == m);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	TAP_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &a));
	TAP_CHECK(rte_is_same_ether_addr(&eth->src_addr, &b));
	TAP_EQ(test_port_stats(&tp[1]->port, true).drops[STATS_DROP_SHORT_FRAME], 1);
	TAP_EQ(rte_mempool_in_use_count(pool), 1);
}

static void
test_rxonly(void)
{
	struct stats_queue rx;

	setup(&fwd_rxonly_engine, 2);
	queue(0, 40, NULL);
	TAP_EQ(test_port_poll(&conf, &tp[0]->port, &lc, 0), 32);
	TAP_EQ(test_port_poll(&conf, &tp[0]->port, &lc, 0), 8);
	TAP_EQ(test_port_poll(&conf, &tp[0]->port, &lc, 0), 0);
	rx = test_port_stats(&tp[0]->port, true);
	TAP_EQ(rx.pkts, 40);
	TAP_EQ(rx.bursts, 2);
	TAP_EQ(rx.drops[STATS_DROP_RXONLY], 40);
	TAP_EQ(tp[0]->tx_n + tp[1]->tx_n, 0);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

/* Queue @p n packets of @p len bytes on port 0 and take them in one burst. */
static uint16_t
rx_sized(uint16_t n, uint16_t len)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	struct rte_ether_addr a, b;
	uint16_t i, nb;

	test_mac(&a, 1);
	test_mac(&b, 2);
	for (i = 0; i < n; i++)
		if (test_port_rx_add(tp[0], test_pkt(pool, &a, &b, len)) < 0)
			return 0;
	nb = port_rx_burst(&tp[0]->port, 0, pkts, FWD_BURST_MAX, UINT32_MAX);
	rte_pktmbuf_free_bulk(pkts, nb);
	return nb;
}

/* The bytes per packet port_rx_burst() learns, and how many it then asks for. */
static void
test_rx_estimate(void)
{
	const struct port_rx_est *e = &tp[0]->port.rx_est[0];

	setup(&fwd_rxonly_engine, 2);
	memset(tp[0]->port.rx_est, 0, sizeof(tp[0]->port.rx_est));
	/* Nothing learnt: all that is asked for. */
	TAP_EQ(port_rx_est_ask(e, 32, 4000), 32);
	TAP_EQ(rx_sized(8, 1000), 8);
	TAP_EQ(e->bytes, 8000);
	TAP_EQ(e->pkts, 8);
	/* 1000 bytes a packet: 4 reach 4000; the budget does not bind at 32 KiB. */
	TAP_EQ(port_rx_est_ask(e, 32, 4000), 4);
	TAP_EQ(port_rx_est_ask(e, 32, 4500), 5);
	TAP_EQ(port_rx_est_ask(e, 32, 32000), 32);
	TAP_EQ(port_rx_est_ask(e, 32, 1), 1);
	/* Each burst decays the sums by a quarter: small packets soon dominate. */
	TAP_EQ(rx_sized(8, 64), 8);
	TAP_EQ(e->bytes, 8000 - 2000 + 8 * 64);
	TAP_EQ(e->pkts, 8 - 2 + 8);
	TAP_EQ(port_rx_est_ask(e, 32, 4000), 9);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

static void
test_txonly_begin(void)
{
	const struct fwd_txonly_conf good = { .pkt_len = FWD_TXONLY_MIN_LEN, .flows = 1, .burst = 1 };

	setup(&fwd_txonly_engine, 1);
	conf.txonly = good;
	TAP_EQ(fwd_txonly_engine.begin(&conf), 0);
	conf.txonly.pkt_len = FWD_TXONLY_MAX_LEN;
	conf.txonly.burst = FWD_BURST_MAX;
	TAP_EQ(fwd_txonly_engine.begin(&conf), 0);
	conf.txonly = good;
	conf.txonly.pkt_len = FWD_TXONLY_MIN_LEN - 1;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
	conf.txonly.pkt_len = FWD_TXONLY_MAX_LEN + 1;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
	conf.txonly = good;
	conf.txonly.flows = 0;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
	conf.txonly = good;
	conf.txonly.burst = 0;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
	conf.txonly.burst = FWD_BURST_MAX + 1;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
	conf.txonly = good;
	conf.pool = NULL;
	TAP_EQ(fwd_txonly_engine.begin(&conf), -EINVAL);
}

/* Check one generated frame; returns its UDP source port. */
static uint16_t
check_txonly_pkt(const struct rte_mbuf *m, uint16_t len)
{
	static const struct rte_ether_addr src = {{ 0x02, 0, 0, 0, 0, 0x01 }};
	static const struct rte_ether_addr dst = {{ 0x02, 0, 0, 0, 0, 0x02 }};
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_udp_hdr *udp;
	struct rte_ipv4_hdr copy;

	TAP_EQ(rte_pktmbuf_pkt_len(m), len);
	TAP_EQ(rte_pktmbuf_data_len(m), len);
	TAP_EQ(m->nb_segs, 1);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	udp = (const struct rte_udp_hdr *)(ip + 1);
	TAP_CHECK(rte_is_same_ether_addr(&eth->src_addr, &src));
	TAP_CHECK(rte_is_same_ether_addr(&eth->dst_addr, &dst));
	TAP_EQ(rte_be_to_cpu_16(eth->ether_type), RTE_ETHER_TYPE_IPV4);
	TAP_EQ(ip->version_ihl, 0x45);
	TAP_EQ(ip->next_proto_id, IPPROTO_UDP);
	TAP_EQ(rte_be_to_cpu_16(ip->total_length), len - sizeof(*eth));
	TAP_EQ(rte_be_to_cpu_32(ip->src_addr), RTE_IPV4(198, 18, 0, 1));
	TAP_EQ(rte_be_to_cpu_32(ip->dst_addr), RTE_IPV4(198, 18, 0, 2));
	/* Recompute over the final header: any later field change breaks it. */
	copy = *ip;
	copy.hdr_checksum = 0;
	TAP_EQ(rte_ipv4_cksum(&copy), ip->hdr_checksum);
	TAP_EQ(rte_be_to_cpu_16(udp->dgram_len), len - sizeof(*eth) - sizeof(*ip));
	return rte_be_to_cpu_16(udp->src_port);
}

static void
test_txonly(void)
{
	uint16_t sport[16], i, j, distinct = 0;
	struct stats_queue rx, tx;

	setup(&fwd_txonly_engine, 2);
	conf.txonly = (struct fwd_txonly_conf){ .pkt_len = 128, .flows = 3, .burst = 8 };
	TAP_EQ(fwd_txonly_engine.begin(&conf), 0);
	queue(0, 2, NULL);
	/* poll_empty: the second poll has nothing to receive but still sends. */
	TAP_EQ(test_port_poll(&conf, &tp[0]->port, &lc, 0), 2);
	TAP_EQ(test_port_poll(&conf, &tp[0]->port, &lc, 0), 0);
	TAP_EQ(tp[0]->tx_n, 16);
	TAP_EQ(tp[1]->tx_n, 0);
	for (i = 0; i < tp[0]->tx_n && i < 16; i++)
		sport[i] = check_txonly_pkt(tp[0]->tx[i], 128);
	/* The flow index carries over from one burst to the next. */
	for (i = 0; i < 16; i++)
		TAP_EQ(sport[i], sport[0] + i % 3);
	for (i = 0; i < 16; i++) {
		for (j = 0; j < i && sport[j] != sport[i]; j++)
			;
		distinct += j == i;
	}
	TAP_EQ(distinct, 3);
	TAP_EQ(lc.seq, 16 % 3);
	rx = test_port_stats(&tp[0]->port, true);
	tx = test_port_stats(&tp[0]->port, false);
	TAP_EQ(rx.drops[STATS_DROP_RXONLY], 2);
	TAP_EQ(tx.pkts, 16);
	TAP_EQ(tx.bytes, 16 * 128);
	TAP_EQ(rte_mempool_in_use_count(pool), 16);
}

static void
test_txonly_alloc_fail(void)
{
	struct rte_mempool *tiny;

	setup(&fwd_txonly_engine, 1);
	tiny = rte_pktmbuf_pool_create("tiny", 4, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	TAP_CHECK(tiny != NULL);
	if (tiny == NULL)
		return;
	conf.pool = tiny;
	conf.txonly = (struct fwd_txonly_conf){ .pkt_len = 64, .flows = 1, .burst = 8 };
	TAP_EQ(fwd_txonly_engine.begin(&conf), 0);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	TAP_EQ(tp[0]->tx_n, 0);
	TAP_EQ(test_port_stats(&tp[0]->port, true).drops[STATS_DROP_MBUF_ALLOC], 8);
	conf.txonly.burst = 4;
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	TAP_EQ(tp[0]->tx_n, 4);
	TAP_EQ(test_port_stats(&tp[0]->port, true).drops[STATS_DROP_MBUF_ALLOC], 8);
	test_port_reset(tp[0]);
	TAP_EQ(rte_mempool_in_use_count(tiny), 0);
	rte_mempool_free(tiny);
}

/* A destination's buffer is sent as soon as it fills, before the end of the burst. */
static void
test_out_flush_full(void)
{
	static struct fwd_out out;
	struct rte_mbuf *m[FWD_OUT_MAX + 10];
	struct fwd_ctx ctx = {
		.conf = &conf, .out = &out, .lc = &lc,
	};
	unsigned int i;

	setup(&fwd_io_engine, 2);
	ctx.rx_port = &tp[0]->port;
	memset(&out, 0, sizeof(out));
	for (i = 0; i < RTE_DIM(m); i++) {
		m[i] = rte_pktmbuf_alloc(pool);
		TAP_CHECK(m[i] != NULL);
		if (m[i] == NULL)
			return;
		fwd_out_push(&ctx, 1, m[i]);
	}
	TAP_EQ(tp[1]->tx_calls, 1);
	TAP_EQ(tp[1]->tx_n, FWD_OUT_MAX);
	TAP_EQ(out.n[1], 10);
	fwd_out_flush(&conf, &out);
	TAP_EQ(tp[1]->tx_calls, 2);
	TAP_EQ(tp[1]->tx_n, RTE_DIM(m));
	TAP_EQ(out.n[1], 0);
	for (i = 0; i < RTE_DIM(m); i++)
		TAP_CHECK(tp[1]->tx[i] == m[i]);
	TAP_EQ(test_port_stats(&tp[1]->port, false).bursts, 2);
	/* Nothing buffered: flushing again calls no port. */
	fwd_out_flush(&conf, &out);
	TAP_EQ(tp[1]->tx_calls, 2);
	TAP_EQ(tp[0]->tx_calls, 0);
}

static void
test_tx_full(void)
{
	struct stats_queue tx;

	setup(&fwd_io_engine, 2);
	tp[1]->tx_cap = 5;
	queue(0, 8, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	tx = test_port_stats(&tp[1]->port, false);
	TAP_EQ(tp[1]->tx_n, 5);
	TAP_EQ(tx.pkts, 5);
	TAP_EQ(tx.drops[STATS_DROP_TX_FULL], 3);
	TAP_EQ(tx.drops[STATS_DROP_LINK_DOWN], 0);
	/* The three the port refused were freed, the five it took were not. */
	TAP_EQ(rte_mempool_in_use_count(pool), 5);
}

static void
test_tx_link_down(void)
{
	struct stats_queue tx;

	setup(&fwd_io_engine, 2);
	tp[1]->up = false;
	TAP_CHECK(!port_is_up(&tp[1]->port));
	queue(0, 4, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	tx = test_port_stats(&tp[1]->port, false);
	TAP_EQ(tp[1]->tx_n, 0);
	TAP_EQ(tx.pkts, 0);
	TAP_EQ(tx.drops[STATS_DROP_LINK_DOWN], 4);
	TAP_EQ(tx.drops[STATS_DROP_TX_FULL], 0);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

static void
test_stats_clear(void)
{
	struct stats_queue rx, tx;
	uint64_t live;

	setup(&fwd_io_engine, 2);
	queue(0, 5, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	port_stats_get(&tp[0]->port, &rx, NULL);
	TAP_EQ(rx.pkts, 5);
	live = stats_read(&tp[0]->port.rxq[0].pkts);
	port_stats_clear(&tp[0]->port);
	port_stats_get(&tp[0]->port, &rx, &tx);
	TAP_EQ(rx.pkts, 0);
	TAP_EQ(rx.bytes, 0);
	TAP_EQ(rx.bursts, 0);
	/* Clearing takes a snapshot; the live counters are the writer's alone. */
	TAP_EQ(stats_read(&tp[0]->port.rxq[0].pkts), live);
	queue(0, 3, NULL);
	test_port_poll(&conf, &tp[0]->port, &lc, 0);
	port_stats_get(&tp[0]->port, &rx, NULL);
	TAP_EQ(rx.pkts, 3);
	TAP_EQ(rx.bytes, 3 * 64);
	TAP_EQ(rx.bursts, 1);
	/* The peer's counters were not cleared. */
	port_stats_get(&tp[1]->port, NULL, &tx);
	TAP_EQ(tx.pkts, 8);
}

int
main(void)
{
	char name[PORT_NAME_LEN];
	unsigned int i;

	pool = test_eal_init();
	if (pool == NULL)
		return 1;
	for (i = 0; i < NB_PORTS; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		tp[i] = test_port_create(name);
		if (tp[i] == NULL) {
			printf("Bail out! cannot create test ports\n");
			return 1;
		}
	}
	TAP_RUN(test_engine_table);
	TAP_RUN(test_io_pairs);
	TAP_RUN(test_io_xconnect);
	TAP_RUN(test_io_no_port);
	TAP_RUN(test_macswap);
	TAP_RUN(test_rxonly);
	TAP_RUN(test_rx_estimate);
	TAP_RUN(test_txonly_begin);
	TAP_RUN(test_txonly);
	TAP_RUN(test_txonly_alloc_fail);
	TAP_RUN(test_out_flush_full);
	TAP_RUN(test_tx_full);
	TAP_RUN(test_tx_link_down);
	TAP_RUN(test_stats_clear);
	port_destroy_all();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return tap_done();
}
