/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* Worker lcore commands: load and placement, drops, periodic stats. */

#include <inttypes.h>

#include <rte_common.h>

#include "cli.h"

/* Upper bounds of the wake-up histogram's buckets, in microseconds. */
static const char *const cli_wake_buckets[STATS_WAKE_BUCKETS] = {
	"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024", "inf",
};

static void
cli_lcore_json(struct cli_ctx *ctx, uint16_t w, const struct sched_plan *plan,
	       const struct stats_lcore *s, double busy, double cpp, const char *blocker)
{
	unsigned int b;
	uint16_t i;

	fprintf(ctx->out, "%s{\"lcore\": %u, \"busy_pct\": %.1f, \"cycles_per_pkt\": %.1f"
		", \"busy_cycles\": %" PRIu64 ", \"idle_cycles\": %" PRIu64
		", \"sleep_cycles\": %" PRIu64 ", \"loop_cycles\": %" PRIu64
		", \"iterations\": %" PRIu64 ", \"packets\": %" PRIu64
		", \"poll_mode\": \"%s\", \"sleeping\": %s, \"sleeps\": %" PRIu64
		", \"wakeups\": {\"kick\": %" PRIu64 ", \"interrupt\": %" PRIu64
		", \"control\": %" PRIu64 "}, \"wake_to_packet_us\": {",
		w ? ", " : "", sched_worker_lcore(w), busy, cpp, s->busy_cycles, s->idle_cycles,
		s->sleep_cycles, s->loop_cycles, s->iterations, s->pkts,
		sched_poll_mode_name(sched_poll_mode(w)), sched_sleeping(w) ? "true" : "false",
		s->sleeps, s->wake_kick, s->wake_intr, s->wake_ctl);
	for (b = 0; b < STATS_WAKE_BUCKETS; b++)
		fprintf(ctx->out, "%s\"%s\": %" PRIu64, b ? ", " : "", cli_wake_buckets[b],
			s->wake_hist[b]);
	fprintf(ctx->out, "}, \"sleep_blocker\": ");
	if (blocker != NULL)
		cli_json_str(ctx->out, blocker);
	else
		fprintf(ctx->out, "null");
	fprintf(ctx->out, ", \"rxq\": [");
	for (i = 0; i < plan->nb_rxq[w]; i++)
		fprintf(ctx->out, "%s\"%s:%u\"", i ? ", " : "", plan->rxq[w][i].port->name,
			plan->rxq[w][i].q);
	fprintf(ctx->out, "]}");
}

/* The poll mode lines of a worker that is or was adaptive: sleeps, why it
 * woke, why it keeps polling, how soon a packet came after a wake-up. */
static void
cli_lcore_sleeps(struct cli_ctx *ctx, uint16_t w, const struct stats_lcore *s,
		 const char *blocker)
{
	unsigned int b;

	fprintf(ctx->out, "    poll mode %s: %s; sleeps %" PRIu64 ", woken by kick %" PRIu64
		", interrupt %" PRIu64 ", control %" PRIu64 "\n",
		sched_poll_mode_name(sched_poll_mode(w)), sched_sleeping(w) ? "asleep" : "awake",
		s->sleeps, s->wake_kick, s->wake_intr, s->wake_ctl);
	if (blocker != NULL)
		fprintf(ctx->out, "    keeps polling: %s\n", blocker);
	fprintf(ctx->out, "    wake-up to first packet (us):");
	for (b = 0; b < STATS_WAKE_BUCKETS; b++)
		if (s->wake_hist[b] != 0)
			fprintf(ctx->out, " %s%s %" PRIu64, b + 1 < STATS_WAKE_BUCKETS ? "<" : ">=",
				cli_wake_buckets[b + 1 < STATS_WAKE_BUCKETS ? b : b - 1],
				s->wake_hist[b]);
	fprintf(ctx->out, "\n");
}

static void
cli_lcore_one(struct cli_ctx *ctx, uint16_t w, const struct sched_plan *plan)
{
	char why[96];
	const char *blocker = sched_sleep_blocker(w, why, sizeof(why));
	struct stats_lcore s;
	uint64_t total;
	double busy, cpp;
	uint16_t i;

	stats_lcore_read(sched_worker_stats(w), &s);
	total = s.busy_cycles + s.idle_cycles + s.sleep_cycles;
	busy = total ? 100.0 * s.busy_cycles / total : 0.0;
	cpp = s.pkts ? (double)s.busy_cycles / s.pkts : 0.0;
	if (ctx->json) {
		cli_lcore_json(ctx, w, plan, &s, busy, cpp, blocker);
		return;
	}
	fprintf(ctx->out, "  lcore %u: busy %.1f%%, %.1f cycles/pkt, %" PRIu64 " pkts, polls",
		sched_worker_lcore(w), busy, cpp, s.pkts);
	for (i = 0; i < plan->nb_rxq[w]; i++)
		fprintf(ctx->out, " %s:%u", plan->rxq[w][i].port->name, plan->rxq[w][i].q);
	fprintf(ctx->out, "%s\n", plan->nb_rxq[w] ? "" : " nothing");
	if (sched_poll_mode(w) == SCHED_POLL_ADAPTIVE || s.sleeps != 0)
		cli_lcore_sleeps(ctx, w, &s, blocker);
	else
		fprintf(ctx->out, "    poll mode busy\n");
}

static int
cli_show_lcores(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	const struct sched_plan *plan = sched_plan_current();
	uint16_t w;

	if (ctx->json)
		fprintf(ctx->out, "{\"started\": %s, \"lcores\": [",
			sched_running() ? "true" : "false");
	for (w = 0; w < sched_nb_workers(); w++)
		cli_lcore_one(ctx, w, plan);
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	return 0;
}

/* Print the non-zero drop counters of one queue; returns how many. */
static unsigned int
cli_drops_queue(struct cli_ctx *ctx, const struct port *p, bool rx, uint16_t q,
		unsigned int printed)
{
	struct stats_queue s;
	unsigned int r, n = 0;

	port_stats_queue(p, rx, q, &s);
	for (r = 0; r < STATS_DROP_MAX; r++) {
		if (s.drops[r] == 0)
			continue;
		if (ctx->json) {
			fprintf(ctx->out, "%s{\"port\": ", printed + n ? ", " : "");
			cli_json_str(ctx->out, p->name);
			fprintf(ctx->out, ", \"queue\": \"%s%u\", \"reason\": \"%s\", "
				"\"packets\": %" PRIu64 "}", rx ? "rxq" : "txq", q,
				stats_drop_name(r), s.drops[r]);
		} else {
			fprintf(ctx->out, "  %s %s %u %s: %" PRIu64 "\n", p->name,
				rx ? "rxq" : "txq", q, stats_drop_name(r), s.drops[r]);
		}
		n++;
	}
	return n;
}

static int
cli_show_drops(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	unsigned int n = 0;
	uint16_t i, q;

	if (ctx->json)
		fprintf(ctx->out, "{\"drops\": [");
	for (i = 0; i < port_count(); i++) {
		const struct port *p = port_get(i);

		if (p == NULL)
			continue;
		for (q = 0; q < p->nb_rxq; q++)
			n += cli_drops_queue(ctx, p, true, q, n);
		for (q = 0; q < p->nb_txq; q++)
			n += cli_drops_queue(ctx, p, false, q, n);
	}
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	else if (n == 0)
		fprintf(ctx->out, "  no drops\n");
	return 0;
}

static int
cli_set_rxq_affinity(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	char err[CTL_ERR_LEN];
	uint32_t q, lcore;
	struct port *p;

	if (cli_port_arg(ctx, argv[0], false, &p) < 0 ||
	    cli_u32_arg(ctx, "queue", argv[1], 0, PORT_MAX_QUEUES - 1, &q) < 0 ||
	    cli_u32_arg(ctx, "lcore", argv[2], 0, RTE_MAX_LCORE - 1, &lcore) < 0)
		return -1;
	if (ctl_set_rxq_affinity(ctx->ctl, p, q, lcore, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "%s rx queue %u is polled by lcore %u\n", p->name, q, lcore);
	return 0;
}

static int
cli_set_poll_mode(struct cli_ctx *ctx, int argc, char **argv)
{
	char err[CTL_ERR_LEN];
	enum sched_poll_mode mode;
	uint32_t lcore = 0;
	uint16_t w;

	if (sched_poll_mode_parse(argv[0], &mode) < 0)
		return cli_err(ctx, "unknown poll mode '%s' (busy, adaptive)", argv[0]);
	if (argc > 1 && cli_u32_arg(ctx, "lcore", argv[1], 0, RTE_MAX_LCORE - 1, &lcore) < 0)
		return -1;
	if (ctl_set_poll_mode(ctx->ctl, argc > 1 ? (int)lcore : -1, mode, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	for (w = 0; w < sched_nb_workers(); w++)
		if (argc == 1 || sched_worker_lcore(w) == lcore)
			fprintf(ctx->out, "lcore %u: poll mode %s\n", sched_worker_lcore(w),
				sched_poll_mode_name(mode));
	return 0;
}

static int
cli_set_stats_period(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	uint32_t s;

	if (cli_set_opt(ctx, "stats-period", argv[0]) < 0)
		return -1;
	s = ctx->ctl->opts.stats_period;
	if (s == 0)
		fprintf(ctx->out, "Periodic stats off\n");
	else
		fprintf(ctx->out, "Stats every %u s\n", s);
	return 0;
}

static const struct cli_cmd cli_lcore_cmds[] = {
	{ "show lcores", "", 0, 0, CLI_ARG_NONE,
	  "per worker: busy %, cycles per packet, the rx queues it polls, poll mode and sleeps", cli_show_lcores },
	{ "show drops", "", 0, 0, CLI_ARG_NONE,
	  "every non-zero drop counter by port, queue and reason", cli_show_drops },
	{ "set rxq affinity", "<port> <queue> <lcore>", 3, 3, CLI_ARG_PORT,
	  "poll an rx queue on the given worker lcore", cli_set_rxq_affinity },
	{ "set poll-mode", "busy|adaptive [lcore]", 1, 2, CLI_ARG_NONE,
	  "busy-poll, or sleep on guest kicks and rx interrupts when idle (all workers, "
	  "or one)", cli_set_poll_mode },
	{ "set stats-period", "<seconds>", 1, 1, CLI_ARG_NONE, NULL, cli_set_stats_period },
};

const struct cli_group cli_group_lcore = {
	.name = "lcore",
	.help = "worker lcores, drops and periodic stats",
	.cmds = cli_lcore_cmds,
	.nb = RTE_DIM(cli_lcore_cmds),
};
