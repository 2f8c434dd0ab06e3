/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The l2 MAC table (learning, aging, deletion, capacity, concurrent
 * learners) and the l2 engine (unicast, flooding with shared mbufs,
 * drops) against dummy ports.
 */

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "tap.h"
#include "test_port.h"

#define NB_PORTS 4
#define AGE_MS 1000

static struct rte_mempool *pool;
static struct test_port *tp[NB_PORTS];
static struct fwd_conf conf;
static struct fwd_lcore lc;
static uint64_t age_tsc;  /* AGE_MS in TSC cycles. */
static uint64_t t0;       /* A start time, far from 0 so that "before" exists. */

static struct fwd_l2_table *
table(uint32_t entries)
{
	const struct fwd_l2_params p = {
		.entries = entries,
		.age_ms = AGE_MS,
		.socket = SOCKET_ID_ANY,
	};
	struct fwd_l2_table *t = fwd_l2_create(&p);

	TAP_CHECK(t != NULL);
	return t;
}

/* Fresh ports and an l2 configuration over the first @p nb ports. */
static void
setup(uint16_t nb)
{
	uint16_t i;

	for (i = 0; i < NB_PORTS; i++)
		test_port_reset(tp[i]);
	memset(&conf, 0, sizeof(conf));
	memset(&lc, 0, sizeof(lc));
	conf.engine = &fwd_l2_engine;
	conf.nb_ports = nb;
	for (i = 0; i < nb; i++)
		conf.ports[i] = &tp[i]->port;
	conf.burst = 32;
	conf.pool = pool;
	conf.l2 = table(1024);
}

static void
teardown(void)
{
	uint16_t i;

	fwd_l2_free(conf.l2);
	conf.l2 = NULL;
	for (i = 0; i < NB_PORTS; i++)
		test_port_reset(tp[i]);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
}

/* Receive one frame @p src -> @p dst on port @p p at time @p now and switch it. */
static struct rte_mbuf *
rx_one(uint16_t p, const struct rte_ether_addr *dst,
       const struct rte_ether_addr *src, uint64_t now)
{
	struct rte_mbuf *m = test_pkt(pool, dst, src, 64);

	TAP_CHECK(m != NULL);
	if (m == NULL)
		return NULL;
	test_port_rx_add(tp[p], m);
	TAP_EQ(test_port_poll(&conf, &tp[p]->port, &lc, now), 1);
	return m;
}

static void
test_l2_create_invalid(void)
{
	struct fwd_l2_params p = {
		.entries = 64, .age_ms = 0, .socket = SOCKET_ID_ANY,
	};

	TAP_CHECK(fwd_l2_create(&p) == NULL);
	TAP_EQ(rte_errno, EINVAL);
	p.age_ms = AGE_MS;
	p.entries = 4;
	TAP_CHECK(fwd_l2_create(&p) == NULL);
	TAP_EQ(rte_errno, EINVAL);
	fwd_l2_free(NULL);
}

static void
test_l2_learn_lookup(void)
{
	struct fwd_l2_table *t = table(64);
	struct rte_ether_addr a, b;

	if (t == NULL)
		return;
	test_mac(&a, 1);
	test_mac(&b, 2);
	TAP_EQ(fwd_l2_count(t), 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0), FWD_NO_PORT);
	TAP_EQ(fwd_l2_learn(t, &a, 3, t0), 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0), 3);
	TAP_EQ(fwd_l2_lookup(t, &b, t0), FWD_NO_PORT);
	TAP_EQ(fwd_l2_learn(t, &a, 3, t0 + 1000), 0);
	TAP_EQ(fwd_l2_count(t), 1);
	TAP_EQ(fwd_l2_learn(t, &b, 0, t0), 0);
	TAP_EQ(fwd_l2_lookup(t, &b, t0), 0);
	TAP_EQ(fwd_l2_count(t), 2);
	fwd_l2_free(t);
}

/* A host that moves is found on its new port at once, not after a refresh period. */
static void
test_l2_move(void)
{
	struct fwd_l2_table *t = table(64);
	struct rte_ether_addr a;

	if (t == NULL)
		return;
	test_mac(&a, 1);
	TAP_EQ(fwd_l2_learn(t, &a, 1, t0), 0);
	TAP_EQ(fwd_l2_learn(t, &a, 2, t0 + 1), 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0 + 1), 2);
	TAP_EQ(fwd_l2_count(t), 1);
	fwd_l2_free(t);
}

static void
test_l2_aging(void)
{
	struct fwd_l2_table *t = table(64);
	uint64_t ms = rte_get_tsc_hz() / 1000;
	struct rte_ether_addr a, b;

	if (t == NULL)
		return;
	test_mac(&a, 1);
	test_mac(&b, 2);
	fwd_l2_learn(t, &a, 1, t0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0 + age_tsc - ms), 1);
	TAP_EQ(fwd_l2_lookup(t, &a, t0 + age_tsc + ms), FWD_NO_PORT);
	/* A clock a little behind the stamping lcore's is not "old". */
	TAP_EQ(fwd_l2_lookup(t, &a, t0 - ms), 1);
	/* Far in the future: still unknown, not wrapped around to fresh. */
	TAP_EQ(fwd_l2_lookup(t, &a, t0 + 1000 * age_tsc), FWD_NO_PORT);
	/* Traffic keeps an entry alive past its first age. */
	fwd_l2_learn(t, &b, 2, t0);
	fwd_l2_learn(t, &b, 2, t0 + age_tsc * 9 / 10);
	TAP_EQ(fwd_l2_lookup(t, &b, t0 + age_tsc * 3 / 2), 2);
	TAP_EQ(fwd_l2_age(t, t0 + age_tsc / 2), 0);
	TAP_EQ(fwd_l2_count(t), 2);
	TAP_EQ(fwd_l2_age(t, t0 + age_tsc * 3 / 2), 1);
	TAP_EQ(fwd_l2_count(t), 1);
	TAP_EQ(fwd_l2_lookup(t, &b, t0 + age_tsc * 3 / 2), 2);
	TAP_EQ(fwd_l2_age(t, t0 + 10 * age_tsc), 1);
	TAP_EQ(fwd_l2_count(t), 0);
	/* Aged out means relearnable. */
	TAP_EQ(fwd_l2_learn(t, &a, 3, t0 + 10 * age_tsc), 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0 + 10 * age_tsc), 3);
	fwd_l2_free(t);
}

static void
test_l2_flush(void)
{
	struct fwd_l2_table *t = table(64);
	struct rte_ether_addr a;
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < 10; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_learn(t, &a, i % 3, t0), 0);
	}
	TAP_EQ(fwd_l2_count(t), 10);
	fwd_l2_flush(t);
	TAP_EQ(fwd_l2_count(t), 0);
	for (i = 0; i < 10; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_lookup(t, &a, t0), FWD_NO_PORT);
	}
	TAP_EQ(fwd_l2_learn(t, &a, 1, t0), 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0), 1);
	fwd_l2_free(t);
}

static void
test_l2_forget_port(void)
{
	struct fwd_l2_table *t = table(64);
	struct rte_ether_addr a;
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < 10; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_learn(t, &a, i % 2 ? 1 : 2, t0), 0);
	}
	fwd_l2_forget_port(t, 1);
	TAP_EQ(fwd_l2_count(t), 5);
	for (i = 0; i < 10; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_lookup(t, &a, t0), i % 2 ? FWD_NO_PORT : 2);
	}
	fwd_l2_forget_port(t, 3);
	TAP_EQ(fwd_l2_count(t), 5);
	fwd_l2_free(t);
}

/* A full table refuses new hosts with -ENOSPC and keeps the ones it has. */
static void
test_l2_full(void)
{
	struct fwd_l2_table *t = table(64);
	uint32_t i, ok = 0, full = 0;
	struct rte_ether_addr a;
	int ret;

	if (t == NULL)
		return;
	for (i = 0; i < 1000; i++) {
		test_mac(&a, i);
		ret = fwd_l2_learn(t, &a, i % 4, t0);
		TAP_CHECK(ret == 0 || ret == -ENOSPC);
		if (ret == 0)
			ok++;
		else
			full++;
	}
	TAP_CHECK(full > 0);
	TAP_CHECK(ok <= 64);
	TAP_CHECK(ok >= 32);
	TAP_EQ(fwd_l2_count(t), ok);
	for (i = 0, ok = 0; i < 1000; i++) {
		uint16_t port;

		test_mac(&a, i);
		port = fwd_l2_lookup(t, &a, t0);
		TAP_CHECK(port == FWD_NO_PORT || port == i % 4);
		ok += port != FWD_NO_PORT;
	}
	TAP_EQ(fwd_l2_count(t), ok);
	/* Deleting makes room again. */
	fwd_l2_flush(t);
	test_mac(&a, 5000);
	TAP_EQ(fwd_l2_learn(t, &a, 0, t0), 0);
	fwd_l2_free(t);
}

/*
 * Many more hosts come and go than the hash has key slots (its capacity
 * plus the per-lcore caches), so every deletion must give its slot back:
 * at once without QSBR, after a grace period with it.
 */
static void
churn(struct fwd_l2_table *t, struct rte_rcu_qsbr *v)
{
	const uint32_t rounds = 400, per_round = 32;
	struct rte_ether_addr a;
	uint32_t r, i, failed = 0;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < per_round; i++) {
			test_mac(&a, r * per_round + i);
			failed += fwd_l2_learn(t, &a, 1, t0) != 0;
		}
		if (r % 2)
			fwd_l2_flush(t);
		else
			fwd_l2_age(t, t0 + 2 * age_tsc);
		if (v != NULL)
			rte_rcu_qsbr_quiescent(v, 0);
	}
	TAP_CHECK(rounds * per_round > (uint32_t)RTE_MAX_LCORE * 64);
	TAP_EQ(failed, 0);
	TAP_EQ(fwd_l2_count(t), 0);
}

static void
test_l2_churn(void)
{
	struct fwd_l2_table *t = table(64);

	if (t == NULL)
		return;
	churn(t, NULL);
	fwd_l2_free(t);
}

/* Deletion with a QSBR variable: slots go through the defer queue. */
static void
test_l2_qsbr(void)
{
	struct fwd_l2_params p = {
		.entries = 64, .age_ms = AGE_MS, .socket = SOCKET_ID_ANY,
	};
	struct rte_rcu_qsbr *v;
	struct fwd_l2_table *t;
	struct rte_ether_addr a;
	uint32_t i;

	v = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	TAP_CHECK(v != NULL);
	if (v == NULL)
		return;
	TAP_EQ(rte_rcu_qsbr_init(v, 1), 0);
	TAP_EQ(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	p.qsbr = v;
	t = fwd_l2_create(&p);
	TAP_CHECK(t != NULL);
	if (t == NULL)
		goto out;
	for (i = 0; i < 8; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_learn(t, &a, i % 2, t0), 0);
	}
	fwd_l2_forget_port(t, 1);
	TAP_EQ(fwd_l2_count(t), 4);
	rte_rcu_qsbr_quiescent(v, 0);
	TAP_EQ(fwd_l2_age(t, t0 + 2 * age_tsc), 4);
	TAP_EQ(fwd_l2_count(t), 0);
	test_mac(&a, 0);
	TAP_EQ(fwd_l2_lookup(t, &a, t0), FWD_NO_PORT);
	rte_rcu_qsbr_quiescent(v, 0);
	for (i = 0; i < 8; i++) {
		test_mac(&a, 100 + i);
		TAP_EQ(fwd_l2_learn(t, &a, 1, t0), 0);
	}
	fwd_l2_flush(t);
	TAP_EQ(fwd_l2_count(t), 0);
	churn(t, v);
	/* Workers stop (go offline) before the table is freed. */
	rte_rcu_qsbr_thread_offline(v, 0);
	fwd_l2_free(t);
out:
	rte_rcu_qsbr_thread_unregister(v, 0);
	rte_free(v);
}

#define CONC_MACS 1000   /* Hosts each learner has to itself. */
#define CONC_SHARED 100  /* Hosts both learners see, on different ports. */
#define CONC_ROUNDS 20   /* Passes over the hosts, to overlap in time. */

/* What each learner thread does. */
struct conc_arg {
	struct fwd_l2_table *t;  /* The shared table. */
	uint16_t port;           /* The port this learner sees hosts on. */
	uint32_t first;          /* Its own hosts are first .. first + CONC_MACS - 1. */
	int errors;              /* Failed learns. */
};

static void *
conc_learner(void *p)
{
	struct conc_arg *arg = p;
	struct rte_ether_addr a;
	uint32_t r, i;

	for (r = 0; r < CONC_ROUNDS; r++) {
		for (i = 0; i < CONC_MACS; i++) {
			test_mac(&a, arg->first + i);
			arg->errors += fwd_l2_learn(arg->t, &a, arg->port,
						    t0 + r * age_tsc / 8) != 0;
			if (i < CONC_SHARED) {
				test_mac(&a, 1000000 + i);
				arg->errors += fwd_l2_learn(arg->t, &a, arg->port,
							    t0) != 0;
			}
		}
	}
	return NULL;
}

/* The learner on a second thread; multi-writer adds need an lcore id. */
static void *
conc_thread(void *p)
{
	if (rte_thread_register() != 0) {
		((struct conc_arg *)p)->errors = -1;
		return NULL;
	}
	conc_learner(p);
	rte_thread_unregister();
	return NULL;
}

static void
test_l2_concurrent(void)
{
	struct fwd_l2_table *t = table(4096);
	struct conc_arg a1 = { .port = 1, .first = 0 };
	struct conc_arg a2 = { .port = 2, .first = CONC_MACS };
	uint64_t now = t0 + CONC_ROUNDS * age_tsc / 8;
	struct rte_ether_addr a;
	pthread_t th;
	uint32_t i;

	if (t == NULL)
		return;
	a1.t = a2.t = t;
	TAP_EQ(pthread_create(&th, NULL, conc_thread, &a2), 0);
	conc_learner(&a1);
	pthread_join(th, NULL);
	TAP_EQ(a1.errors, 0);
	TAP_EQ(a2.errors, 0);
	TAP_EQ(fwd_l2_count(t), 2 * CONC_MACS + CONC_SHARED);
	for (i = 0; i < 2 * CONC_MACS; i++) {
		test_mac(&a, i);
		TAP_EQ(fwd_l2_lookup(t, &a, now), i < CONC_MACS ? 1 : 2);
	}
	for (i = 0; i < CONC_SHARED; i++) {
		uint16_t port;

		test_mac(&a, 1000000 + i);
		port = fwd_l2_lookup(t, &a, t0);
		TAP_CHECK(port == 1 || port == 2);
	}
	fwd_l2_free(t);
}

static void
test_l2_begin(void)
{
	struct fwd_conf c;
	struct fwd_l2_table *mine = table(64);

	memset(&c, 0, sizeof(c));
	/* The table is the caller's: without one the configuration is refused. */
	TAP_EQ(fwd_l2_engine.begin(&c), -EINVAL);
	TAP_CHECK(c.l2 == NULL);
	c.l2 = mine;
	TAP_EQ(fwd_l2_engine.begin(&c), 0);
	TAP_CHECK(c.l2 == mine);
	fwd_l2_free(mine);
}

/* Unknown goes everywhere else; once both ends are known, only to the right port. */
static void
test_l2_unicast(void)
{
	struct rte_ether_addr a, b;
	struct rte_mbuf *m;

	setup(3);
	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	m = rx_one(0, &b, &a, t0);
	TAP_EQ(tp[0]->tx_n, 0);
	TAP_EQ(tp[1]->tx_n, 1);
	TAP_EQ(tp[2]->tx_n, 1);
	TAP_EQ(fwd_l2_lookup(conf.l2, &a, t0), 0);
	TAP_CHECK(tp[1]->tx[0] == m && tp[2]->tx[0] == m);
	test_port_reset(tp[1]);
	test_port_reset(tp[2]);

	m = rx_one(1, &a, &b, t0);
	TAP_EQ(tp[0]->tx_n, 1);
	TAP_CHECK(tp[0]->tx_n == 1 && tp[0]->tx[0] == m);
	TAP_EQ(rte_mbuf_refcnt_read(m), 1);
	TAP_EQ(tp[2]->tx_n, 0);
	m = rx_one(0, &b, &a, t0);
	TAP_EQ(tp[1]->tx_n, 1);
	TAP_CHECK(tp[1]->tx_n == 1 && tp[1]->tx[0] == m);
	TAP_EQ(tp[2]->tx_n, 0);
	TAP_EQ(fwd_l2_count(conf.l2), 2);
	teardown();
}

/* Broadcast and multicast reach every other port through one shared mbuf. */
static void
test_l2_flood_refcnt(void)
{
	static const struct rte_ether_addr mcast = {{ 0x01, 0, 0x5e, 0, 0, 1 }};
	struct rte_ether_addr a, bcast;
	struct rte_mbuf *m;
	uint16_t i;

	setup(4);
	test_mac(&a, 0xa);
	memset(&bcast, 0xff, sizeof(bcast));
	m = rx_one(0, &bcast, &a, t0);
	for (i = 1; i < 4; i++) {
		TAP_EQ(tp[i]->tx_n, 1);
		TAP_CHECK(tp[i]->tx_n == 1 && tp[i]->tx[0] == m);
	}
	TAP_EQ(tp[0]->tx_n, 0);
	TAP_EQ(rte_mbuf_refcnt_read(m), 3);
	TAP_EQ(rte_mempool_in_use_count(pool), 1);
	test_port_reset(tp[1]);
	test_port_reset(tp[2]);
	TAP_EQ(rte_mbuf_refcnt_read(m), 1);
	TAP_EQ(rte_mempool_in_use_count(pool), 1);
	test_port_reset(tp[3]);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);

	/* A multicast destination floods too, even from a known host. */
	m = rx_one(2, &mcast, &a, t0);
	TAP_EQ(tp[0]->tx_n + tp[1]->tx_n + tp[3]->tx_n, 3);
	TAP_EQ(tp[2]->tx_n, 0);
	TAP_EQ(rte_mbuf_refcnt_read(m), 3);
	TAP_EQ(test_port_stats(&tp[0]->port, false).pkts, 1);
	teardown();
}

/* Every segment of a chained packet is shared, not only the first. */
static void
test_l2_flood_multiseg(void)
{
	struct rte_ether_addr a, bcast;
	struct rte_mbuf *m, *seg;
	uint16_t i;

	setup(4);
	test_mac(&a, 0xa);
	memset(&bcast, 0xff, sizeof(bcast));
	m = test_pkt(pool, &bcast, &a, 64);
	seg = test_pkt(pool, &bcast, &a, 100);
	TAP_CHECK(m != NULL && seg != NULL);
	if (m == NULL || seg == NULL)
		return;
	TAP_EQ(rte_pktmbuf_chain(m, seg), 0);
	test_port_rx_add(tp[0], m);
	test_port_poll(&conf, &tp[0]->port, &lc, t0);
	for (i = 1; i < 4; i++)
		TAP_EQ(tp[i]->tx_n, 1);
	TAP_EQ(rte_mbuf_refcnt_read(m), 3);
	TAP_EQ(rte_mbuf_refcnt_read(seg), 3);
	TAP_EQ(rte_mempool_in_use_count(pool), 2);
	teardown();
}

/* A switch does not send a frame back out of the port it came in on. */
static void
test_l2_same_port(void)
{
	struct rte_ether_addr a, b;

	setup(3);
	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	rx_one(0, &a, &b, t0);
	test_port_reset(tp[1]);
	test_port_reset(tp[2]);
	rx_one(0, &b, &a, t0);
	TAP_EQ(tp[0]->tx_n + tp[1]->tx_n + tp[2]->tx_n, 0);
	TAP_EQ(test_port_stats(&tp[0]->port, true).drops[STATS_DROP_NO_ROUTE], 1);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
}

/* With nobody else to flood to, the frame is dropped, not looped back. */
static void
test_l2_single_port(void)
{
	struct rte_ether_addr a, b;

	setup(1);
	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	rx_one(0, &b, &a, t0);
	TAP_EQ(tp[0]->tx_n, 0);
	TAP_EQ(test_port_stats(&tp[0]->port, true).drops[STATS_DROP_NO_ROUTE], 1);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
}

static void
test_l2_runt(void)
{
	struct rte_ether_addr a;

	setup(2);
	test_mac(&a, 0xa);
	test_port_rx_add(tp[0], test_pkt(pool, &a, &a, RTE_ETHER_HDR_LEN - 1));
	test_port_poll(&conf, &tp[0]->port, &lc, t0);
	TAP_EQ(tp[1]->tx_n, 0);
	TAP_EQ(test_port_stats(&tp[0]->port, true).drops[STATS_DROP_SHORT_FRAME], 1);
	TAP_EQ(fwd_l2_count(conf.l2), 0);
	TAP_EQ(rte_mempool_in_use_count(pool), 0);
	teardown();
}

/* Group and all-zero source addresses are never learned. */
static void
test_l2_bad_source(void)
{
	static const struct rte_ether_addr mcast = {{ 0x01, 0, 0x5e, 0, 0, 1 }};
	struct rte_ether_addr a, zero;

	setup(2);
	test_mac(&a, 0xa);
	memset(&zero, 0, sizeof(zero));
	rx_one(0, &a, &mcast, t0);
	rx_one(0, &a, &zero, t0);
	TAP_EQ(fwd_l2_count(conf.l2), 0);
	TAP_EQ(tp[1]->tx_n, 2);
	teardown();
}

/* The engine forgets a silent host (it floods again) and follows a move. */
static void
test_l2_engine_age_move(void)
{
	struct rte_ether_addr a, b, c;
	uint64_t later = t0 + 2 * age_tsc;

	setup(3);
	test_mac(&a, 0xa);
	test_mac(&b, 0xb);
	test_mac(&c, 0xc);
	rx_one(0, &b, &a, t0);
	test_port_reset(tp[1]);
	test_port_reset(tp[2]);
	rx_one(1, &a, &b, later);
	TAP_EQ(tp[0]->tx_n, 1);
	TAP_EQ(tp[2]->tx_n, 1);
	test_port_reset(tp[0]);
	test_port_reset(tp[2]);
	/* a shows up on port 2: c on port 1 reaches it there only. */
	rx_one(2, &c, &a, later);
	test_port_reset(tp[0]);
	test_port_reset(tp[1]);
	rx_one(1, &a, &c, later);
	TAP_EQ(tp[2]->tx_n, 1);
	TAP_EQ(tp[0]->tx_n, 0);
	teardown();
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
	age_tsc = rte_get_tsc_hz() / 1000 * AGE_MS;
	t0 = rte_get_tsc_cycles() + 100 * age_tsc;
	TAP_RUN(test_l2_create_invalid);
	TAP_RUN(test_l2_learn_lookup);
	TAP_RUN(test_l2_move);
	TAP_RUN(test_l2_aging);
	TAP_RUN(test_l2_flush);
	TAP_RUN(test_l2_forget_port);
	TAP_RUN(test_l2_full);
	TAP_RUN(test_l2_churn);
	TAP_RUN(test_l2_qsbr);
	TAP_RUN(test_l2_concurrent);
	TAP_RUN(test_l2_begin);
	TAP_RUN(test_l2_unicast);
	TAP_RUN(test_l2_flood_refcnt);
	TAP_RUN(test_l2_flood_multiseg);
	TAP_RUN(test_l2_same_port);
	TAP_RUN(test_l2_single_port);
	TAP_RUN(test_l2_runt);
	TAP_RUN(test_l2_bad_source);
	TAP_RUN(test_l2_engine_age_move);
	port_destroy_all();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return tap_done();
}
