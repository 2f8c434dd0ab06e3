/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* Forwarding commands: start/stop, engine and its parameters, cross-connects, MAC table. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ether.h>

#include "cli.h"

static int
cli_start(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	char err[CTL_ERR_LEN];

	if (ctl_start(ctx->ctl, false, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "%s packet forwarding started\n", ctx->ctl->opts.engine->name);
	return 0;
}

static int
cli_start_tx_first(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	char err[CTL_ERR_LEN];

	if (ctl_start(ctx->ctl, true, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "%s packet forwarding started, after one burst of %u from every "
		"port that is up\n", ctx->ctl->opts.engine->name, ctx->ctl->opts.burst);
	return 0;
}

static int
cli_stop(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	char err[CTL_ERR_LEN];

	if (ctl_stop(ctx->ctl, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "Telling cores to stop...\nDone.\n");
	return 0;
}

static void
cli_fwd_stats_lines(FILE *f, const struct stats_queue *rx, const struct stats_queue *tx)
{
	fprintf(f, "  RX-packets: %-14" PRIu64 " RX-dropped: %-14" PRIu64 " RX-total: %"
		PRIu64 "\n", rx->pkts, stats_queue_drops(rx), rx->pkts + stats_queue_drops(rx));
	fprintf(f, "  TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64 " TX-total: %"
		PRIu64 "\n", tx->pkts, stats_queue_drops(tx), tx->pkts + stats_queue_drops(tx));
}

static void
cli_fwd_stats_json(FILE *f, const struct stats_queue *rx, const struct stats_queue *tx)
{
	fprintf(f, "\"rx_packets\": %" PRIu64 ", \"rx_dropped\": %" PRIu64
		", \"tx_packets\": %" PRIu64 ", \"tx_dropped\": %" PRIu64 "}",
		rx->pkts, stats_queue_drops(rx), tx->pkts, stats_queue_drops(tx));
}

static int
cli_show_fwd_stats(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	struct stats_queue rx, tx, trx = { 0 }, ttx = { 0 };
	FILE *f = ctx->out;
	bool first = true;
	uint16_t i;

	if (strcmp(argv[0], "all") != 0)
		return cli_err(ctx, "usage: show fwd stats all");
	if (ctx->json)
		fprintf(f, "{\"ports\": [");
	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		if (p == NULL)
			continue;
		port_stats_get(p, &rx, &tx);
		stats_queue_acc(&trx, &rx);
		stats_queue_acc(&ttx, &tx);
		if (ctx->json) {
			fprintf(f, "%s{\"id\": %u, \"name\": ", first ? "" : ", ", p->id);
			cli_json_str(f, p->name);
			fprintf(f, ", ");
			cli_fwd_stats_json(f, &rx, &tx);
		} else {
			fprintf(f, "\n  ---------------------- Forward statistics for port %u (%s)"
				" ----------------------\n", p->id, p->name);
			cli_fwd_stats_lines(f, &rx, &tx);
		}
		first = false;
	}
	if (ctx->json) {
		fprintf(f, "], \"total\": {");
		cli_fwd_stats_json(f, &trx, &ttx);
		fprintf(f, "}\n");
		return 0;
	}
	fprintf(f, "\n  +++++++++++++++ Accumulated forward statistics for all ports"
		" +++++++++++++++\n");
	cli_fwd_stats_lines(f, &trx, &ttx);
	return 0;
}

static void
cli_config_fwd_text(struct cli_ctx *ctx, const struct fwd_conf *conf,
		    const struct sched_plan *plan)
{
	FILE *f = ctx->out;
	uint16_t i, w, n = 0;

	for (i = 0; i < conf->nb_ports; i++)
		n += conf->ports[i] != NULL;
	fprintf(f, "%s packet forwarding - ports=%u - cores=%u - burst=%u - burst-bytes=%u - %s\n",
		conf->engine->name, n, ctx->ctl->nb_cores ? ctx->ctl->nb_cores :
		sched_nb_workers(), conf->burst, conf->burst_bytes,
		sched_running() ? "started" : "stopped");
	for (w = 0; w < sched_nb_workers(); w++) {
		fprintf(f, "  lcore %u polls", sched_worker_lcore(w));
		for (i = 0; i < plan->nb_rxq[w]; i++)
			fprintf(f, " %s:%u", plan->rxq[w][i].port->name, plan->rxq[w][i].q);
		fprintf(f, "\n");
	}
	for (i = 0; i < conf->nb_ports; i++)
		if (conf->ports[i] != NULL && conf->xconnect[i] != FWD_NO_PORT)
			fprintf(f, "  %s -> %s\n", conf->ports[i]->name,
				conf->ports[conf->xconnect[i]]->name);
	fprintf(f, "  txonly: %u-byte frames, %u flow(s), burst %u\n", conf->txonly.pkt_len,
		conf->txonly.flows, conf->txonly.burst);
}

static void
cli_config_fwd_json(struct cli_ctx *ctx, const struct fwd_conf *conf,
		    const struct sched_plan *plan)
{
	FILE *f = ctx->out;
	bool first = true;
	uint16_t i, w;

	fprintf(f, "{\"mode\": \"%s\", \"burst\": %u, \"burst_bytes\": %u, \"nbcore\": %u, "
		"\"started\": %s, \"txpkts\": %u, \"tx_flows\": %u, \"lcores\": [",
		conf->engine->name, conf->burst, conf->burst_bytes,
		ctx->ctl->nb_cores ? ctx->ctl->nb_cores : sched_nb_workers(),
		sched_running() ? "true" : "false", conf->txonly.pkt_len, conf->txonly.flows);
	for (w = 0; w < sched_nb_workers(); w++) {
		fprintf(f, "%s{\"lcore\": %u, \"rxq\": [", w ? ", " : "", sched_worker_lcore(w));
		for (i = 0; i < plan->nb_rxq[w]; i++)
			fprintf(f, "%s\"%s:%u\"", i ? ", " : "", plan->rxq[w][i].port->name,
				plan->rxq[w][i].q);
		fprintf(f, "]}");
	}
	fprintf(f, "], \"xconnect\": {");
	for (i = 0; i < conf->nb_ports; i++) {
		if (conf->ports[i] == NULL || conf->xconnect[i] == FWD_NO_PORT)
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		cli_json_str(f, conf->ports[i]->name);
		fprintf(f, ": ");
		cli_json_str(f, conf->ports[conf->xconnect[i]]->name);
		first = false;
	}
	fprintf(f, "}}\n");
}

static int
cli_show_config_fwd(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	if (ctx->json)
		cli_config_fwd_json(ctx, ctx->ctl->conf, sched_plan_current());
	else
		cli_config_fwd_text(ctx, ctx->ctl->conf, sched_plan_current());
	return 0;
}

static int
cli_set_fwd(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "fwd", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "Set %s packet forwarding mode\n", ctx->ctl->opts.engine->name);
	return 0;
}

static int
cli_set_burst(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "burst", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "Number of packets per burst set to %u\n", ctx->ctl->opts.burst);
	return 0;
}

static int
cli_set_burst_bytes(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "burst-bytes", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "Rx byte budget per burst set to %u\n", ctx->ctl->opts.burst_bytes);
	return 0;
}

/* testpmd's "len[,len...]": the option sums it, vdp builds one segment. */
static int
cli_set_txpkts(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	if (cli_set_opt(ctx, "txpkts", argv[0]) < 0)
		return -1;
	fprintf(ctx->out, "txonly frames are %u bytes\n", ctx->ctl->opts.txonly.pkt_len);
	return 0;
}

static int
cli_set_nbcore(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	char err[CTL_ERR_LEN];
	uint32_t n;

	if (cli_u32_arg(ctx, "number of cores", argv[0], 1, sched_nb_workers(), &n) < 0)
		return -1;
	if (ctl_set_nbcore(ctx->ctl, n, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "Number of forwarding cores set to %u\n", n);
	return 0;
}

static int
cli_add_xconnect(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	char err[CTL_ERR_LEN];
	struct port *a, *b;

	if (cli_port_arg(ctx, argv[0], false, &a) < 0 ||
	    cli_port_arg(ctx, argv[1], false, &b) < 0)
		return -1;
	if (ctl_add_xconnect(ctx->ctl, a, b, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "%s <-> %s cross-connected\n", a->name, b->name);
	return 0;
}

/* State of one "show mac table" listing. */
struct cli_mac_walk {
	struct cli_ctx *ctx;  /**< Where to print. */
	bool first;           /**< No entry printed yet. */
};

static void
cli_mac_entry(const struct rte_ether_addr *mac, uint16_t port, uint64_t age_s, void *arg)
{
	struct cli_mac_walk *w = arg;
	struct port *p = port_get(port);
	char s[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(s, sizeof(s), mac);
	if (w->ctx->json) {
		fprintf(w->ctx->out, "%s{\"mac\": \"%s\", \"port\": ", w->first ? "" : ", ", s);
		cli_json_str(w->ctx->out, p != NULL ? p->name : "?");
		fprintf(w->ctx->out, ", \"age\": %" PRIu64 "}", age_s);
	} else {
		fprintf(w->ctx->out, "  %-18s %-16s %" PRIu64 "\n", s, p != NULL ? p->name : "?",
			age_s);
	}
	w->first = false;
}

static int
cli_show_mac_table(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	struct cli_mac_walk w = { .ctx = ctx, .first = true };
	unsigned int n;

	if (ctx->ctl->l2 == NULL)
		return cli_err(ctx, "no MAC table: forwarding mode is %s (set fwd l2)",
			       ctx->ctl->opts.engine->name);
	if (ctx->json)
		fprintf(ctx->out, "{\"entries\": [");
	else
		fprintf(ctx->out, "  %-18s %-16s %s\n", "MAC", "port", "age(s)");
	n = fwd_l2_walk(ctx->ctl->l2, rte_rdtsc(), cli_mac_entry, &w);
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	else
		fprintf(ctx->out, "  %u entries\n", n);
	return 0;
}

static int
cli_clear_mac_table(struct cli_ctx *ctx, int argc __rte_unused, char **argv __rte_unused)
{
	if (ctx->ctl->l2 == NULL)
		return cli_err(ctx, "no MAC table: forwarding mode is %s (set fwd l2)",
			       ctx->ctl->opts.engine->name);
	fwd_l2_flush(ctx->ctl->l2);
	fprintf(ctx->out, "MAC table cleared\n");
	return 0;
}

static const struct cli_cmd cli_fwd_cmds[] = {
	{ "start", "", 0, 0, CLI_ARG_NONE, "start the workers", cli_start },
	{ "start tx_first", "", 0, 0, CLI_ARG_NONE,
	  "send one generated burst out of every port that is up, then start",
	  cli_start_tx_first },
	{ "stop", "", 0, 0, CLI_ARG_NONE, "stop the workers (ports stay up)", cli_stop },
	{ "show fwd stats", "all", 1, 1, CLI_ARG_NONE,
	  "forwarded and dropped packets per port, and their sum", cli_show_fwd_stats },
	{ "show config fwd", "", 0, 0, CLI_ARG_NONE,
	  "mode, burst, cores, rx queue placement and cross-connects", cli_show_config_fwd },
	{ "set fwd", "<mode>", 1, 1, CLI_ARG_ENGINE, NULL, cli_set_fwd },
	{ "set burst", "<n>", 1, 1, CLI_ARG_NONE, NULL, cli_set_burst },
	{ "set burst-bytes", "<bytes>", 1, 1, CLI_ARG_NONE, NULL, cli_set_burst_bytes },
	{ "set txpkts", "<len>[,<len>...]", 1, 1, CLI_ARG_NONE, NULL, cli_set_txpkts },
	{ "set nbcore", "<n>", 1, 1, CLI_ARG_NONE,
	  "spread rx queues over the first n worker lcores", cli_set_nbcore },
	{ "add xconnect", "<port> <port>", 2, 2, CLI_ARG_PORT,
	  "io: forward each port's packets to the other", cli_add_xconnect },
	{ "show mac table", "", 0, 0, CLI_ARG_NONE,
	  "l2: learned MACs, their port and age", cli_show_mac_table },
	{ "clear mac table", "", 0, 0, CLI_ARG_NONE, "l2: forget every MAC", cli_clear_mac_table },
};

const struct cli_group cli_group_fwd = {
	.name = "fwd",
	.help = "forwarding",
	.cmds = cli_fwd_cmds,
	.nb = RTE_DIM(cli_fwd_cmds),
};
