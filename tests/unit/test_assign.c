/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Rx queue placement over made-up loads and topologies: the three
 * assignment modes, pins, nb_cores, keeping a placement, NUMA sockets,
 * the balance of a placement, and the auto-lb decision. No EAL.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sched_assign.h"
#include "tap.h"

#define MAXQ 16

/* Queues 0..n-1 of port 0 with @p loads, socket unknown, unpinned, unplaced. */
static void
queues(struct sched_assign_rxq *r, unsigned int n, const uint64_t *loads)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		r[i] = (struct sched_assign_rxq){ .port = 0, .q = i, .socket = -1,
						  .load = loads != NULL ? loads[i] : 0,
						  .pin = -1, .worker = -1 };
}

/* Check that queue i went to want[i]. */
static void
check_workers(const struct sched_assign_rxq *r, unsigned int n, const int *want)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (r[i].worker != want[i]) {
			printf("# queue %u: worker %d, expected %d\n", i, r[i].worker, want[i]);
			tap_case_failed++;
		}
}

static const struct sched_assign_topo two = { .nb_workers = 2 };
static const struct sched_assign_topo three = { .nb_workers = 3 };

/* Round robin: queue order alone, loads ignored; nb_cores bounds it; pins stay. */
static void
test_roundrobin(void)
{
	static const uint64_t loads[] = { 90, 80, 70, 60, 50 };
	struct sched_assign_topo one_core = { .nb_workers = 3, .nb_cores = 1 };
	struct sched_assign_rxq r[MAXQ];

	queues(r, 5, loads);
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &three, r, 5), 0);
	check_workers(r, 5, (const int[]){ 0, 1, 2, 0, 1 });
	queues(r, 5, loads);
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &one_core, r, 5), 0);
	check_workers(r, 5, (const int[]){ 0, 0, 0, 0, 0 });
	/* A pin goes to its worker, even outside nb_cores, and takes no turn. */
	queues(r, 5, loads);
	r[1].pin = 2;
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &one_core, r, 5), 0);
	check_workers(r, 5, (const int[]){ 0, 2, 0, 0, 0 });
	queues(r, 4, NULL);
	r[0].pin = 1;
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 1, 0, 1, 0 });
}

/* cycles: busiest first, the workers in turn up then down. */
static void
test_cycles(void)
{
	static const uint64_t loads[] = { 10, 40, 30, 20, 5, 50 };
	struct sched_assign_rxq r[MAXQ];

	/* Sorted: q5 50, q1 40, q2 30, q3 20, q0 10, q4 5 -> 0, 1, 2, 2, 1, 0. */
	queues(r, 6, loads);
	TAP_EQ(sched_assign(SCHED_ASSIGN_CYCLES, false, &three, r, 6), 0);
	check_workers(r, 6, (const int[]){ 1, 1, 2, 2, 0, 0 });
	/* Equal loads keep queue order: 0, 1, 1, 0 on two workers. */
	queues(r, 4, NULL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_CYCLES, false, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 0, 1, 1, 0 });
}

/* group: busiest first, each to the least loaded worker, pinned load counted. */
static void
test_group(void)
{
	static const uint64_t loads[] = { 10, 40, 30, 20 };
	static const uint64_t pinned[] = { 100, 40, 30, 20 };
	struct sched_assign_rxq r[MAXQ];

	/* 40 -> w0, 30 -> w1, 20 -> w1 (30 < 40), 10 -> w0 (40 < 50): 50 and 50. */
	queues(r, 4, loads);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 0, 0, 1, 1 });
	/* A pinned 100 on w1: everything else fits under it on w0. */
	queues(r, 4, pinned);
	r[0].pin = 1;
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 1, 0, 0, 0 });
	/* No load known: the fewest queues, then the lowest index (as round robin). */
	queues(r, 5, NULL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 5), 0);
	check_workers(r, 5, (const int[]){ 0, 1, 0, 1, 0 });
}

/* keep: placed queues stay; new ones go where they fit best. */
static void
test_keep(void)
{
	static const uint64_t loads[] = { 50, 10, 10, 0, 0 };
	struct sched_assign_topo one_core = { .nb_workers = 2, .nb_cores = 1 };
	struct sched_assign_rxq r[MAXQ];

	/* q0 (50) on w0, q1 and q2 on w1: a new q3 goes to w1 by load (20 < 50),
	 * and in round robin by queue count to w0 (1 queue < 2). */
	queues(r, 4, loads);
	r[0].worker = 0;
	r[1].worker = 1;
	r[2].worker = 1;
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, true, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 0, 1, 1, 1 });
	queues(r, 4, loads);
	r[0].worker = 0;
	r[1].worker = 1;
	r[2].worker = 1;
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, true, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 0, 1, 1, 0 });
	/* Round robin kept and extended is round robin: queues added last. */
	queues(r, 5, NULL);
	r[0].worker = 0;
	r[1].worker = 1;
	r[2].worker = 0;
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, true, &two, r, 5), 0);
	check_workers(r, 5, (const int[]){ 0, 1, 0, 1, 0 });
	/* A queue on a worker it may no longer use (nb_cores) is placed again. */
	queues(r, 2, loads);
	r[0].worker = 1;
	r[1].worker = 0;
	TAP_EQ(sched_assign(SCHED_ASSIGN_CYCLES, true, &one_core, r, 2), 0);
	check_workers(r, 2, (const int[]){ 0, 0 });
	/* Without keep the same input is placed afresh: 50 alone on w0. */
	queues(r, 4, loads);
	r[0].worker = 1;
	r[1].worker = 0;
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 4), 0);
	check_workers(r, 4, (const int[]){ 0, 1, 1, 1 });
}

/* Two sockets of two workers each: queues stay on their own socket. */
static void
test_numa(void)
{
	struct sched_assign_topo t = { .nb_workers = 4, .socket = { 0, 0, 1, 1 } };
	struct sched_assign_topo t2 = { .nb_workers = 4, .nb_cores = 2,
					.socket = { 0, 0, 1, 1 } };
	static const uint64_t loads[] = { 10, 10, 10, 10, 10, 10, 100 };
	struct sched_assign_rxq r[MAXQ];
	unsigned int i;

	queues(r, 6, loads);
	r[0].socket = r[1].socket = r[2].socket = 1;
	r[3].socket = 0;
	r[4].socket = 2; /* a node without workers */
	TAP_EQ(sched_assign(SCHED_ASSIGN_ROUNDROBIN, false, &t, r, 6), 0);
	/* Socket 1 takes turns over 2, 3; socket 0's over 0, 1; socket 2 and the
	 * unknown one over all four, with a turn counter of their own. */
	check_workers(r, 6, (const int[]){ 2, 3, 2, 0, 0, 1 });
	TAP_CHECK(!sched_assign_remote(&t, &r[0]) && !sched_assign_remote(&t, &r[3]));
	TAP_CHECK(sched_assign_remote(&t, &r[4]));   /* socket 2 polled from socket 0 */
	TAP_CHECK(!sched_assign_remote(&t, &r[5]));  /* unknown: never remote */
	/* group prefers the local socket even when it is the busier one. */
	queues(r, 7, loads);
	for (i = 0; i < 7; i++)
		r[i].socket = 0;
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &t, r, 7), 0);
	for (i = 0; i < 7; i++)
		TAP_CHECK(r[i].worker == 0 || r[i].worker == 1);
	TAP_EQ(r[6].worker, 0);
	/* Only workers 0 and 1 may be used: socket 1's queues cross over. */
	queues(r, 2, loads);
	r[0].socket = r[1].socket = 1;
	TAP_EQ(sched_assign(SCHED_ASSIGN_CYCLES, false, &t2, r, 2), 0);
	check_workers(r, 2, (const int[]){ 0, 1 });
	TAP_CHECK(sched_assign_remote(&t2, &r[0]) && sched_assign_remote(&t2, &r[1]));
}

static void
test_bad_input(void)
{
	struct sched_assign_topo none = { .nb_workers = 0 };
	struct sched_assign_topo many = { .nb_workers = SCHED_ASSIGN_MAX_WORKERS + 1 };
	struct sched_assign_rxq r[MAXQ];

	queues(r, 2, NULL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &none, r, 2), -EINVAL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &many, r, 2), -EINVAL);
	TAP_EQ(sched_assign((enum sched_assign_mode)7, false, &two, r, 2), -EINVAL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, SCHED_ASSIGN_MAX_RXQ + 1),
	       -E2BIG);
	r[1].pin = 2;
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 2), -EINVAL);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 0), 0);
	TAP_CHECK(strcmp(sched_assign_mode_name(SCHED_ASSIGN_GROUP), "group") == 0);
	TAP_CHECK(strcmp(sched_assign_mode_name((enum sched_assign_mode)9), "?") == 0);
}

/* The variance of the workers' loads now and with a placement. */
static void
test_balance(void)
{
	static const uint64_t skew[] = { 50, 0, 50, 0 };
	static const uint64_t lone[] = { 80, 0, 0, 0 };
	struct sched_assign_topo one_core = { .nb_workers = 2, .nb_cores = 1 };
	struct sched_assign_rxq r[MAXQ];
	struct sched_assign_balance b;
	int cur[MAXQ] = { 0, 1, 0, 1 };

	/* Both loaded queues on w0 (100% against 0%): moving one evens them. */
	queues(r, 4, skew);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 4), 0);
	sched_assign_balance(&two, r, cur, 4, 100, &b);
	TAP_CHECK(b.cur_var > 2499.9 && b.cur_var < 2500.1);
	TAP_CHECK(b.new_var < 0.001);
	TAP_CHECK(b.improvement > 99.9);
	TAP_CHECK(r[0].worker != r[2].worker);
	TAP_EQ(b.moves, 2);
	/* One loaded queue: no placement is better. */
	queues(r, 4, lone);
	TAP_EQ(sched_assign(SCHED_ASSIGN_GROUP, false, &two, r, 4), 0);
	sched_assign_balance(&two, r, cur, 4, 100, &b);
	TAP_CHECK(b.improvement < 0.001 && b.improvement > -0.001);
	/* No window yet: every load counts as 0%. */
	sched_assign_balance(&two, r, cur, 4, 0, &b);
	TAP_CHECK(b.cur_var == 0 && b.improvement == 0);
	/* nb_cores 1: only worker 0 counts, unless a pin puts load elsewhere. */
	queues(r, 2, skew);
	cur[0] = cur[1] = 0;
	r[0].worker = r[1].worker = 0;
	sched_assign_balance(&one_core, r, cur, 2, 100, &b);
	TAP_CHECK(b.cur_var == 0);
	r[1].pin = 1;
	r[1].load = 50;
	cur[1] = 1;
	r[1].worker = 1;
	sched_assign_balance(&one_core, r, cur, 2, 100, &b);
	TAP_CHECK(b.cur_var == 0 && b.moves == 0);
	r[1].load = 10;
	sched_assign_balance(&one_core, r, cur, 2, 100, &b);
	TAP_CHECK(b.cur_var > 399.9 && b.cur_var < 400.1);
}

/* Auto-lb acts only on, overloaded, after its interval, with enough gain. */
static void
test_autolb_decide(void)
{
	struct sched_autolb_conf c = { .on = true, .load_pct = 95, .improve_pct = 25,
				       .interval = 1000 };
	struct sched_assign_balance gain = { .improvement = 30, .moves = 1 };
	struct sched_assign_balance little = { .improvement = 24.9, .moves = 1 };
	struct sched_assign_balance even = { .improvement = 25, .moves = 2 };
	struct sched_assign_balance still = { .improvement = 80, .moves = 0 };

	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, &gain),
	       SCHED_AUTOLB_APPLY);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_CYCLES, true, 1000, &gain),
	       SCHED_AUTOLB_APPLY);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, 999, &gain),
	       SCHED_AUTOLB_TOO_SOON);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, false, UINT64_MAX, &gain),
	       SCHED_AUTOLB_NOT_OVERLOADED);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_ROUNDROBIN, true, UINT64_MAX, &gain),
	       SCHED_AUTOLB_OFF);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, &little),
	       SCHED_AUTOLB_NO_GAIN);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, &even),
	       SCHED_AUTOLB_APPLY);
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, &still),
	       SCHED_AUTOLB_NO_GAIN);
	/* Before the dry run: everything else holds, so NO_GAIN until it is done. */
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, NULL),
	       SCHED_AUTOLB_NO_GAIN);
	c.on = false;
	TAP_EQ(sched_autolb_decide(&c, SCHED_ASSIGN_GROUP, true, UINT64_MAX, &gain),
	       SCHED_AUTOLB_OFF);
	TAP_CHECK(strcmp(sched_autolb_verdict_name(SCHED_AUTOLB_APPLY), "rebalanced") == 0);
}

int
main(void)
{
	TAP_RUN(test_roundrobin);
	TAP_RUN(test_cycles);
	TAP_RUN(test_group);
	TAP_RUN(test_keep);
	TAP_RUN(test_numa);
	TAP_RUN(test_bad_input);
	TAP_RUN(test_balance);
	TAP_RUN(test_autolb_decide);
	return tap_done();
}
