/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include "stats.h"

static const char *const stats_drop_names[] = {
#define STATS_DROP_NAME(e, s) [STATS_DROP_##e] = s,
	STATS_FOREACH_DROP(STATS_DROP_NAME)
#undef STATS_DROP_NAME
};

const char *
stats_drop_name(enum stats_drop reason)
{
	if ((unsigned int)reason >= STATS_DROP_MAX)
		return "unknown";
	return stats_drop_names[reason];
}

void
stats_queue_read(const struct stats_queue *q, struct stats_queue *out)
{
	unsigned int i;

	out->pkts = stats_read(&q->pkts);
	out->bytes = stats_read(&q->bytes);
	out->bursts = stats_read(&q->bursts);
	out->cycles = stats_read(&q->cycles);
	out->budget_cuts = stats_read(&q->budget_cuts);
	for (i = 0; i < STATS_DROP_MAX; i++)
		out->drops[i] = stats_read(&q->drops[i]);
}

void
stats_queue_sub(struct stats_queue *out, const struct stats_queue *a,
		const struct stats_queue *b)
{
	unsigned int i;

	out->pkts = a->pkts - b->pkts;
	out->bytes = a->bytes - b->bytes;
	out->bursts = a->bursts - b->bursts;
	out->cycles = a->cycles - b->cycles;
	out->budget_cuts = a->budget_cuts - b->budget_cuts;
	for (i = 0; i < STATS_DROP_MAX; i++)
		out->drops[i] = a->drops[i] - b->drops[i];
}

void
stats_queue_acc(struct stats_queue *acc, const struct stats_queue *q)
{
	unsigned int i;

	acc->pkts += q->pkts;
	acc->bytes += q->bytes;
	acc->bursts += q->bursts;
	acc->cycles += q->cycles;
	acc->budget_cuts += q->budget_cuts;
	for (i = 0; i < STATS_DROP_MAX; i++)
		acc->drops[i] += q->drops[i];
}

uint64_t
stats_queue_drops(const struct stats_queue *q)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < STATS_DROP_MAX; i++)
		sum += q->drops[i];
	return sum;
}

void
stats_lcore_read(const struct stats_lcore *l, struct stats_lcore *out)
{
	unsigned int i;

	out->busy_cycles = stats_read(&l->busy_cycles);
	out->idle_cycles = stats_read(&l->idle_cycles);
	out->sleep_cycles = stats_read(&l->sleep_cycles);
	out->loop_cycles = stats_read(&l->loop_cycles);
	out->sleeps = stats_read(&l->sleeps);
	out->wake_kick = stats_read(&l->wake_kick);
	out->wake_intr = stats_read(&l->wake_intr);
	out->wake_ctl = stats_read(&l->wake_ctl);
	out->iterations = stats_read(&l->iterations);
	out->pkts = stats_read(&l->pkts);
	for (i = 0; i < STATS_BURST_BUCKETS; i++)
		out->burst_hist[i] = stats_read(&l->burst_hist[i]);
	for (i = 0; i < STATS_WAKE_BUCKETS; i++)
		out->wake_hist[i] = stats_read(&l->wake_hist[i]);
}
