/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* Rx queue placement: measured loads, assignment mode, rebalance, auto-lb. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "cli.h"

#define CLI_RXQ_MAX (VDP_MAX_PORTS * PORT_MAX_QUEUES)

/* Seconds the load history covers. */
static double
cli_rxq_window_s(void)
{
	return (double)sched_load_window() / rte_get_tsc_hz();
}

static void
cli_rxq_socket(FILE *f, int socket)
{
	if (socket >= 0)
		fprintf(f, "%d", socket);
	else
		fprintf(f, "null");
}

static void
cli_rxq_json(struct cli_ctx *ctx, const struct ctl_rxq_info *r, unsigned int n)
{
	const struct opts_fwd *o = &ctx->ctl->opts;
	struct sched_worker_load wl;
	unsigned int i;
	uint16_t w;

	fprintf(ctx->out, "{\"window_s\": %.3f, \"samples\": %u, \"rxq_assign\": \"%s\", "
		"\"auto_lb\": {\"on\": %s, \"load_threshold\": %u, \"improvement_threshold\": %u"
		", \"interval_s\": %u, \"last\": \"%s\", \"dry_runs\": %" PRIu64
		", \"rebalances\": %" PRIu64 "}, \"lcores\": [", cli_rxq_window_s(),
		sched_load_samples(), sched_assign_mode_name(o->rxq_assign),
		o->autolb ? "true" : "false", o->autolb_load, o->autolb_improve,
		o->autolb_interval_s, sched_autolb_verdict_name(ctx->ctl->autolb_last),
		ctx->ctl->autolb_checks, ctx->ctl->rebalances);
	for (w = 0; w < sched_nb_workers(); w++) {
		sched_load_worker(w, &wl);
		fprintf(ctx->out, "%s{\"lcore\": %u, \"socket\": %d, \"busy_pct\": %.1f}",
			w ? ", " : "", sched_worker_lcore(w), sched_worker_socket(w),
			wl.total ? 100.0 * wl.busy / wl.total : 0.0);
	}
	fprintf(ctx->out, "], \"rxqs\": [");
	for (i = 0; i < n; i++) {
		fprintf(ctx->out, "%s{\"lcore\": %u, \"port\": ", i ? ", " : "",
			sched_worker_lcore(r[i].worker));
		cli_json_str(ctx->out, r[i].port->name);
		fprintf(ctx->out, ", \"queue\": %u, \"packets\": %" PRIu64 ", \"cycles\": %" PRIu64
			", \"load_pct\": %.1f, \"busy_pct\": %.1f, \"socket\": ", r[i].q,
			r[i].pkts, r[i].cycles, r[i].load_pct, r[i].busy_pct);
		cli_rxq_socket(ctx->out, r[i].socket);
		fprintf(ctx->out, ", \"pinned\": %s, \"remote\": %s}",
			r[i].pinned ? "true" : "false", r[i].remote ? "true" : "false");
	}
	fprintf(ctx->out, "]}\n");
}

static void
cli_rxq_text(struct cli_ctx *ctx, const struct ctl_rxq_info *r, unsigned int n)
{
	const struct opts_fwd *o = &ctx->ctl->opts;
	struct sched_worker_load wl;
	unsigned int i = 0;
	uint16_t w;

	fprintf(ctx->out, "Rx queue load over %.1f s (%u of %u samples of %u ms), "
		"assignment %s\n", cli_rxq_window_s(), sched_load_samples(), SCHED_LOAD_HIST,
		o->load_interval_ms, sched_assign_mode_name(o->rxq_assign));
	fprintf(ctx->out, "auto-lb %s (load threshold %u%%, improvement threshold %u%%, "
		"interval %u s): %s; dry runs %" PRIu64 ", rebalances %" PRIu64 "\n",
		o->autolb ? "on" : "off", o->autolb_load, o->autolb_improve,
		o->autolb_interval_s, sched_autolb_verdict_name(ctx->ctl->autolb_last),
		ctx->ctl->autolb_checks, ctx->ctl->rebalances);
	for (w = 0; w < sched_nb_workers(); w++) {
		sched_load_worker(w, &wl);
		fprintf(ctx->out, "  lcore %u (socket %d): busy %.1f%%\n", sched_worker_lcore(w),
			sched_worker_socket(w), wl.total ? 100.0 * wl.busy / wl.total : 0.0);
		if (i == n || r[i].worker != w)
			fprintf(ctx->out, "    nothing\n");
		for (; i < n && r[i].worker == w; i++) {
			fprintf(ctx->out, "    %s rxq %u: %" PRIu64 " pkts, %.1f%% of a core, "
				"%.1f%% of the lcore's busy cycles", r[i].port->name, r[i].q,
				r[i].pkts, r[i].load_pct, r[i].busy_pct);
			if (r[i].pinned)
				fprintf(ctx->out, ", pinned");
			if (r[i].remote)
				fprintf(ctx->out, ", across sockets (memory on socket %d)",
					r[i].socket);
			fprintf(ctx->out, "\n");
		}
	}
}

static int
cli_show_rxq(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	struct ctl_rxq_info *r = malloc(sizeof(*r) * CLI_RXQ_MAX);
	unsigned int n;

	if (r == NULL)
		return cli_err(ctx, "out of memory");
	n = ctl_rxq_info(ctx->ctl, r, CLI_RXQ_MAX);
	if (ctx->json)
		cli_rxq_json(ctx, r, n);
	else
		cli_rxq_text(ctx, r, n);
	free(r);
	return 0;
}

/* The lcore of worker index @p w, or -1 for none. */
static long
cli_rxq_lcore(int w)
{
	return w >= 0 ? (long)sched_worker_lcore(w) : -1;
}

static void
cli_rebalance_json(struct cli_ctx *ctx, const struct ctl_placement *pl, bool apply)
{
	unsigned int i;

	fprintf(ctx->out, "{\"applied\": %s, \"rxq_assign\": \"%s\", \"window_s\": %.3f, "
		"\"moves\": %u, \"variance\": %.3f, \"new_variance\": %.3f, "
		"\"improvement_pct\": %.1f, \"rxqs\": [", apply && pl->bal.moves ? "true" : "false",
		sched_assign_mode_name(ctx->ctl->opts.rxq_assign), cli_rxq_window_s(),
		pl->bal.moves, pl->bal.cur_var, pl->bal.new_var, pl->bal.improvement);
	for (i = 0; i < pl->n; i++) {
		fprintf(ctx->out, "%s{\"port\": ", i ? ", " : "");
		cli_json_str(ctx->out, port_get(pl->rxq[i].port)->name);
		fprintf(ctx->out, ", \"queue\": %u, \"lcore\": %ld, \"new_lcore\": %ld, "
			"\"load_pct\": %.1f}", pl->rxq[i].q, cli_rxq_lcore(pl->cur[i]),
			cli_rxq_lcore(pl->rxq[i].worker),
			pl->window ? 100.0 * pl->rxq[i].load / pl->window : 0.0);
	}
	fprintf(ctx->out, "]}\n");
}

static void
cli_rebalance_text(struct cli_ctx *ctx, const struct ctl_placement *pl, bool apply)
{
	unsigned int i;

	if (sched_load_samples() == 0)
		fprintf(ctx->out, "No load measured yet: queues are placed by the mode alone.\n");
	fprintf(ctx->out, "Rebalance (%s)%s: %u of %u rx queues %s; load variance %.1f -> %.1f "
		"(%.1f%% better)\n", sched_assign_mode_name(ctx->ctl->opts.rxq_assign),
		apply ? "" : ", dry run", pl->bal.moves, pl->n,
		apply ? "moved" : "would move", pl->bal.cur_var, pl->bal.new_var,
		pl->bal.improvement);
	for (i = 0; i < pl->n; i++)
		fprintf(ctx->out, "  %s rxq %u: lcore %ld -> lcore %ld, %.1f%% of a core%s\n",
			port_get(pl->rxq[i].port)->name, pl->rxq[i].q, cli_rxq_lcore(pl->cur[i]),
			cli_rxq_lcore(pl->rxq[i].worker),
			pl->window ? 100.0 * pl->rxq[i].load / pl->window : 0.0,
			pl->rxq[i].pin >= 0 ? ", pinned" : "");
	if (!apply && pl->bal.moves != 0)
		fprintf(ctx->out, "Run \"rebalance apply\" to move them.\n");
}

static int
cli_rebalance(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ctl_placement *pl;
	char err[CTL_ERR_LEN];
	bool apply = false;

	if (argc == 1) {
		if (strcmp(argv[0], "apply") == 0)
			apply = true;
		else if (strcmp(argv[0], "dry-run") != 0)
			return cli_err(ctx, "rebalance: unknown argument '%s' (dry-run, apply)",
				       argv[0]);
	}
	pl = malloc(sizeof(*pl));
	if (pl == NULL)
		return cli_err(ctx, "out of memory");
	if (ctl_rebalance(ctx->ctl, apply, pl, err, sizeof(err)) < 0) {
		free(pl);
		return cli_err(ctx, "%s", err);
	}
	if (ctx->json)
		cli_rebalance_json(ctx, pl, apply);
	else
		cli_rebalance_text(ctx, pl, apply);
	free(pl);
	return 0;
}

static int
cli_set_rxq_assign(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "rxq-assign", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "Rx queues placed by %s\n",
		sched_assign_mode_name(ctx->ctl->opts.rxq_assign));
	return 0;
}

static int
cli_set_load_interval(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "load-interval", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "Load sampled every %u ms\n", ctx->ctl->opts.load_interval_ms);
	return 0;
}

/* The auto-lb settings "set auto-lb WORD VALUE" changes, and their options. */
static const struct {
	const char *word;
	const char *opt;
} cli_autolb_params[] = {
	{ "load-threshold", "auto-lb-load-threshold" },
	{ "improvement-threshold", "auto-lb-improvement-threshold" },
	{ "interval", "auto-lb-interval" },
};

static int
cli_set_autolb(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct opts_fwd *o = &ctx->ctl->opts;
	unsigned int i;

	if (argc == 1) {
		if (cli_set_opt(ctx, "auto-lb", argv[0]) < 0)
			return -1;
	} else {
		for (i = 0; i < RTE_DIM(cli_autolb_params); i++)
			if (strcmp(argv[0], cli_autolb_params[i].word) == 0)
				break;
		if (i == RTE_DIM(cli_autolb_params))
			return cli_err(ctx, "set auto-lb: unknown setting '%s' (load-threshold, "
				       "improvement-threshold, interval)", argv[0]);
		if (cli_set_opt(ctx, cli_autolb_params[i].opt, argv[1]) < 0)
			return -1;
	}
	fprintf(ctx->out, "auto-lb %s: load threshold %u%%, improvement threshold %u%%, "
		"interval %u s\n", o->autolb ? "on" : "off", o->autolb_load, o->autolb_improve,
		o->autolb_interval_s);
	return 0;
}

static const struct cli_cmd cli_rxq_cmds[] = {
	{ "show rxq", "", 0, 0, CLI_ARG_NONE,
	  "per worker: its rx queues with packets and load over the last samples, "
	  "NUMA sockets and auto-lb state", cli_show_rxq },
	{ "rebalance", "[dry-run|apply]", 0, 1, CLI_ARG_NONE,
	  "place rx queues afresh from their measured loads: show the result, or apply it",
	  cli_rebalance },
	{ "set rxq-assign", "roundrobin|cycles|group", 1, 1, CLI_ARG_NONE, NULL,
	  cli_set_rxq_assign },
	{ "set load-interval", "<ms>", 1, 1, CLI_ARG_NONE, NULL, cli_set_load_interval },
	{ "set auto-lb", "on|off | load-threshold <pct> | improvement-threshold <pct> | "
	  "interval <s>", 1, 2, CLI_ARG_NONE,
	  "rebalance by itself when a worker stays overloaded, and its thresholds",
	  cli_set_autolb },
};

const struct cli_group cli_group_rxq = {
	.name = "rxq",
	.help = "rx queue load, placement and load balancing",
	.cmds = cli_rxq_cmds,
	.nb = RTE_DIM(cli_rxq_cmds),
};
