/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The scheduler with one real worker lcore over dummy ports: plans over a
 * configuration with removed ports, and the cycle accounting of the poll
 * loop (busy + idle cycles cover the loop without gaps), and the adaptive
 * mode's sleep and wake-up over a port that notifies through an eventfd.
 */

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "tap.h"
#include "test_port.h"
#include "vdp_sched.h"

#define POOL_SIZE 1023
#define NB_PKTS 100

static struct rte_mempool *pool;
static struct test_port *tp[3];

static struct fwd_conf *
conf_new(void)
{
	struct fwd_conf *c = rte_zmalloc("conf", sizeof(*c), 0);
	uint16_t i;

	c->engine = &fwd_io_engine;
	c->burst = 32;
	c->pool = pool;
	c->nb_ports = port_count();
	for (i = 0; i < c->nb_ports; i++)
		c->ports[i] = port_get(i);
	fwd_xconnect_pairs(c);
	return c;
}

/*
 * The plan round robin gives every rx queue of the ports @p c forwards,
 * over the first @p nb_cores workers (0: all).
 */
static struct sched_plan *
plan_rr(const struct fwd_conf *c, uint16_t nb_cores)
{
	struct sched_assign_topo t = { .nb_workers = sched_nb_workers(), .nb_cores = nb_cores };
	struct sched_assign_rxq rxq[VDP_MAX_PORTS * PORT_MAX_QUEUES];
	unsigned int n = 0;
	uint16_t i, q;

	for (i = 0; i < c->nb_ports; i++)
		for (q = 0; c->ports[i] != NULL && q < c->ports[i]->nb_rxq; q++)
			rxq[n++] = (struct sched_assign_rxq){ .port = i, .q = q, .socket = -1,
							      .pin = -1, .worker = -1 };
	if (sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &t, rxq, n) < 0)
		return NULL;
	return sched_plan_build(c, rxq, n);
}

/* A removed id is free: port_get() gives NULL and the next port takes it. */
static void
test_port_ids_reused(void)
{
	struct test_port *x;

	TAP_EQ(port_count(), 3);
	port_unregister(&tp[1]->port);
	TAP_CHECK(port_get(1) == NULL);
	TAP_EQ(port_count(), 3);
	TAP_CHECK(port_find("b") == NULL);
	x = test_port_create("x");
	TAP_CHECK(x != NULL && x->port.id == 1);
	port_unregister(&x->port);
	port_unregister(&tp[2]->port);
	TAP_EQ(port_count(), 1);
	TAP_CHECK(port_register(&tp[1]->port) == 0 && tp[1]->port.id == 1);
	TAP_CHECK(port_register(&tp[2]->port) == 0 && tp[2]->port.id == 2);
	free(x);
}

/* Only the ports the configuration holds are polled. */
static void
test_plan_skips_removed_ports(void)
{
	struct fwd_conf *c = conf_new();
	struct sched_plan *plan;

	c->ports[1] = NULL;
	plan = plan_rr(c, 0);
	TAP_CHECK(plan != NULL);
	if (plan == NULL)
		return;
	TAP_EQ(plan->nb_rxq[0], 2);
	TAP_CHECK(plan->rxq[0][0].port == &tp[0]->port);
	TAP_CHECK(plan->rxq[0][1].port == &tp[2]->port);
	rte_free(plan);
	rte_free(c);
}

/*
 * Packets forwarded by the worker are counted, and once the loop ends its
 * busy and idle cycles add up exactly to the loop's span: no time between
 * iterations goes uncounted.
 */
static void
test_loop_cycles_have_no_gaps(void)
{
	struct fwd_conf *c = conf_new();
	struct rte_ether_addr a, b;
	struct stats_lcore s;
	uint64_t deadline;
	unsigned int i;

	test_mac(&a, 1);
	test_mac(&b, 2);
	for (i = 0; i < NB_PKTS; i++)
		TAP_EQ(test_port_rx_add(tp[0], test_pkt(pool, &b, &a, 64)), 0);
	sched_plan_publish(plan_rr(c, 0));
	TAP_CHECK(!sched_running());
	TAP_EQ(sched_start(), 0);
	TAP_CHECK(sched_running());
	TAP_EQ(sched_start(), -EALREADY);
	/* The control thread's read-side section does not hold up a publish. */
	sched_reader_begin();
	sched_reader_end();
	sched_plan_publish(plan_rr(c, 1));
	deadline = rte_get_tsc_cycles() + 60 * rte_get_tsc_hz();
	while (test_port_stats(&tp[1]->port, false).pkts < NB_PKTS &&
	       rte_get_tsc_cycles() < deadline)
		rte_delay_us_sleep(1000);
	sched_stop();
	TAP_CHECK(!sched_running());
	TAP_EQ(test_port_stats(&tp[1]->port, false).pkts, NB_PKTS);
	stats_lcore_read(sched_worker_stats(0), &s);
	TAP_EQ(s.pkts, NB_PKTS);
	TAP_CHECK(s.iterations > 0 && s.loop_cycles > 0);
	TAP_EQ(s.busy_cycles + s.idle_cycles, s.loop_cycles);
	/* The queue that received is charged a share of the busy time, and
	 * the one that had nothing is charged none. */
	TAP_CHECK(tp[0]->port.rxq[0].cycles > 0 && tp[0]->port.rxq[0].cycles <= s.busy_cycles);
	TAP_EQ(tp[1]->port.rxq[0].cycles, 0);
	/* A second run adds its own span. */
	TAP_EQ(sched_start(), 0);
	rte_delay_us_sleep(1000);
	sched_stop();
	stats_lcore_read(sched_worker_stats(0), &s);
	TAP_EQ(s.busy_cycles + s.idle_cycles, s.loop_cycles);
	rte_free(c);
}

/* Wait up to 60 s for worker 0 to be asleep; false on timeout. */
static bool
wait_asleep(void)
{
	uint64_t deadline = rte_get_tsc_cycles() + 60 * rte_get_tsc_hz();

	while (!sched_sleeping(0) && rte_get_tsc_cycles() < deadline)
		rte_delay_us_sleep(1000);
	return sched_sleeping(0);
}

/*
 * Adaptive mode: an idle worker arms the queue and sleeps; packets queued
 * while it sleeps wait for the "kick" (a write to the port's eventfd),
 * then all of them are forwarded and it sleeps again. Each round counts
 * one sleep and one wake-up by kick, and the loop's busy, idle and sleep
 * cycles add up to its span. A port that cannot notify keeps the worker
 * polling, and sched_sleep_blocker() names it.
 */
static void
test_adaptive_sleeps_and_wakes(void)
{
	struct fwd_conf *c = conf_new();
	struct rte_ether_addr a, b;
	struct stats_lcore s0, s;
	char why[96];
	unsigned int round, i, sent = 0;
	uint64_t deadline;
	const unsigned int rounds = 20, per = 5;

	test_port_reset(tp[0]);
	test_port_reset(tp[1]);
	tp[0]->notify_fd = eventfd(0, EFD_NONBLOCK);
	tp[1]->notify_fd = eventfd(0, EFD_NONBLOCK);
	c->nb_ports = 2;
	c->ports[2] = NULL;
	fwd_xconnect_pairs(c);
	test_mac(&a, 1);
	test_mac(&b, 2);
	stats_lcore_read(sched_worker_stats(0), &s0);
	TAP_EQ(sched_set_poll_mode(0, SCHED_POLL_ADAPTIVE), 0);
	TAP_EQ(sched_poll_mode(0), SCHED_POLL_ADAPTIVE);
	sched_plan_publish(plan_rr(c, 0));
	TAP_EQ(sched_start(), 0);
	for (round = 0; round < rounds; round++) {
		TAP_CHECK(wait_asleep());
		/* Asleep in poll(): it reads the rx queue only once woken. */
		for (i = 0; i < per; i++)
			TAP_EQ(test_port_rx_add(tp[0], test_pkt(pool, &b, &a, 64)), 0);
		sent += per;
		eventfd_write(tp[0]->notify_fd, 1);
		deadline = rte_get_tsc_cycles() + 60 * rte_get_tsc_hz();
		while (test_port_stats(&tp[1]->port, false).pkts < sent &&
		       rte_get_tsc_cycles() < deadline)
			rte_delay_us_sleep(1000);
		TAP_EQ(test_port_stats(&tp[1]->port, false).pkts, sent);
	}
	TAP_CHECK(wait_asleep());
	TAP_CHECK(sched_sleep_blocker(0, why, sizeof(why)) == NULL);
	sched_stop();
	stats_lcore_read(sched_worker_stats(0), &s);
	TAP_EQ(s.pkts - s0.pkts, rounds * per);
	TAP_EQ(s.wake_kick - s0.wake_kick, rounds);
	TAP_CHECK(s.sleeps - s0.sleeps >= rounds + 1);
	TAP_EQ(s.sleeps, s.wake_kick + s.wake_intr + s.wake_ctl);
	TAP_CHECK(s.sleep_cycles > s0.sleep_cycles);
	TAP_EQ(s.busy_cycles + s.idle_cycles + s.sleep_cycles, s.loop_cycles);
	for (i = 0, sent = 0; i < STATS_WAKE_BUCKETS; i++)
		sent += s.wake_hist[i] - s0.wake_hist[i];
	TAP_EQ(sent, rounds);

	/* tp[1] cannot notify: the worker keeps polling and says why. */
	close(tp[1]->notify_fd);
	tp[1]->notify_fd = -1;
	stats_lcore_read(sched_worker_stats(0), &s0);
	TAP_EQ(sched_start(), 0);
	rte_delay_us_sleep(20000);
	TAP_CHECK(!sched_sleeping(0));
	TAP_CHECK(sched_sleep_blocker(0, why, sizeof(why)) != NULL &&
		  strstr(why, "port b rx queue 0") != NULL);
	sched_stop();
	stats_lcore_read(sched_worker_stats(0), &s);
	TAP_EQ(s.sleeps, s0.sleeps);
	TAP_EQ(sched_set_poll_mode(0, SCHED_POLL_BUSY), 0);
	TAP_CHECK(sched_sleep_blocker(0, why, sizeof(why)) == NULL);
	close(tp[0]->notify_fd);
	tp[0]->notify_fd = -1;
	test_port_reset(tp[0]);
	test_port_reset(tp[1]);
	rte_free(c);
}

/* sched_fini() leaves nothing published, and sched_init() works again. */
static void
test_fini(void)
{
	TAP_CHECK(sched_plan_current() != NULL);
	sched_fini();
	TAP_CHECK(!sched_running());
	TAP_CHECK(sched_plan_current() == NULL);
	TAP_EQ(sched_start(), -EINVAL);
	TAP_EQ(sched_init(), 1);
	TAP_CHECK(sched_qsbr() != NULL);
	sched_fini();
}

/*
 * The load history keeps the last SCHED_LOAD_HIST samples of every rx
 * queue's cycles and packets, and starts afresh for a new port on a freed
 * id. This thread plays the worker: none runs.
 */
static void
test_load_history(void)
{
	struct sched_worker_load wl;
	struct sched_rxq_load l;
	struct test_port *x;
	uint64_t t = 1000;
	unsigned int i;

	sched_load_forget();
	sched_load_sample(t);
	TAP_EQ(sched_load_samples(), 0);
	for (i = 1; i <= SCHED_LOAD_HIST + 1; i++) {
		stats_add(&tp[0]->port.rxq[0].cycles, 10 * i);
		stats_add(&tp[0]->port.rxq[0].pkts, i);
		t += 100;
		sched_load_sample(t);
	}
	TAP_EQ(sched_load_samples(), SCHED_LOAD_HIST);
	TAP_EQ(sched_load_window(), 100 * SCHED_LOAD_HIST);
	/* The first sample (10 cycles, 1 packet) has dropped out: 2..7. */
	sched_load_rxq(&tp[0]->port, 0, &l);
	TAP_EQ(l.cycles, 270);
	TAP_EQ(l.pkts, 27);
	sched_load_rxq(&tp[1]->port, 0, &l);
	TAP_EQ(l.cycles + l.pkts, 0);
	/* A stopped worker has no cycles: never overloaded, even at 0%. */
	sched_load_worker(0, &wl);
	TAP_EQ(wl.samples, SCHED_LOAD_HIST);
	TAP_EQ(wl.total, 0);
	TAP_CHECK(!sched_load_overloaded(0));
	sched_load_workers_restart();
	sched_load_worker(0, &wl);
	TAP_EQ(wl.samples, 0);
	/* A new port on tp[2]'s id inherits none of its history. */
	stats_add(&tp[2]->port.rxq[0].cycles, 500);
	sched_load_sample(t += 100);
	port_unregister(&tp[2]->port);
	x = test_port_create("x");
	TAP_CHECK(x != NULL && x->port.id == 2);
	if (x == NULL)
		return;
	stats_add(&x->port.rxq[0].cycles, 7);
	sched_load_rxq(&x->port, 0, &l);
	TAP_EQ(l.cycles, 0);
	sched_load_sample(t += 100);
	stats_add(&x->port.rxq[0].cycles, 3);
	sched_load_sample(t += 100);
	sched_load_rxq(&x->port, 0, &l);
	TAP_EQ(l.cycles, 3);
	port_unregister(&x->port);
	TAP_EQ(port_register(&tp[2]->port), 0);
	free(x);
	sched_load_forget();
	TAP_EQ(sched_load_samples(), 0);
}

int
main(void)
{
	/* Two lcores on whatever CPUs there are: the main one and a worker. */
	char *argv[] = {
		"test_sched", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		"--no-telemetry", "--lcores", "0@0,1@0", "--log-level=*:warning", NULL,
	};

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		printf("Bail out! rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_pool", POOL_SIZE, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL || sched_init() != 1) {
		printf("Bail out! pool or worker set-up failed\n");
		return 1;
	}
	tp[0] = test_port_create("a");
	tp[1] = test_port_create("b");
	tp[2] = test_port_create("c");
	if (tp[0] == NULL || tp[1] == NULL || tp[2] == NULL) {
		printf("Bail out! test ports\n");
		return 1;
	}
	TAP_RUN(test_port_ids_reused);
	TAP_RUN(test_plan_skips_removed_ports);
	TAP_RUN(test_loop_cycles_have_no_gaps);
	TAP_RUN(test_adaptive_sleeps_and_wakes);
	TAP_RUN(test_load_history);
	TAP_RUN(test_fini);
	return tap_done();
}
