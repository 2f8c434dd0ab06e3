/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* Port commands: details, counters, attach/detach, start/stop. */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "cli.h"

/* Prints one port; @p first is true for the first of a list (JSON commas). */
typedef void (*cli_port_fn)(struct cli_ctx *ctx, struct port *p, bool first);

/* Run @p fn on the port @p arg names, or on every port for "all". */
static int
cli_ports_each(struct cli_ctx *ctx, const char *arg, cli_port_fn fn)
{
	struct port *one;
	bool first = true;
	uint16_t i;

	if (cli_port_arg(ctx, arg, true, &one) < 0)
		return -1;
	if (ctx->json)
		fprintf(ctx->out, "{\"ports\": [");
	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		if (p == NULL || (one != NULL && p != one))
			continue;
		fn(ctx, p, first);
		first = false;
	}
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	return 0;
}

static void
cli_json_port_head(struct cli_ctx *ctx, const struct port *p, bool first)
{
	fprintf(ctx->out, "%s{\"id\": %u, \"name\": ", first ? "" : ", ", p->id);
	cli_json_str(ctx->out, p->name);
}

/*
 * The port type's detail. It may read engine state that a device teardown
 * frees, so it is taken as a QSBR reader, into memory (nothing inside the
 * section may block on the terminal or the socket).
 */
static void
cli_port_detail(struct cli_ctx *ctx, struct port *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (m == NULL)
		return;
	sched_reader_begin();
	p->ops->show(p, m);
	sched_reader_end();
	fclose(m);
	fwrite(buf, 1, len, ctx->out);
	free(buf);
}

static void
cli_port_info_one(struct cli_ctx *ctx, struct port *p, bool first)
{
	bool started = ctl_port_started(ctx->ctl, p);
	const char *pool = port_pool(p)->name;
	int socket = port_socket(p);

	if (ctx->json) {
		cli_json_port_head(ctx, p, first);
		fprintf(ctx->out, ", \"type\": \"%s\", \"started\": %s, \"link_up\": %s, "
			"\"rx_queues\": %u, \"tx_queues\": %u, \"numa_socket\": %d, "
			"\"pool\": \"%s\"}", p->ops->type,
			started ? "true" : "false", port_is_up(p) ? "true" : "false",
			p->nb_rxq, p->nb_txq, socket, pool);
		return;
	}
	fprintf(ctx->out, "\n********************* Infos for port %u (%s) *********************\n",
		p->id, p->name);
	fprintf(ctx->out, "Type: %s\nState: %s\nLink status: %s\n"
		"Rx queues: %u\nTx queues: %u\n", p->ops->type,
		started ? "started" : "stopped", port_is_up(p) ? "up" : "down",
		p->nb_rxq, p->nb_txq);
	if (socket == SOCKET_ID_ANY)
		fprintf(ctx->out, "NUMA socket: unknown, mbufs from %s\n", pool);
	else
		fprintf(ctx->out, "NUMA socket: %d, mbufs from %s\n", socket, pool);
	cli_port_detail(ctx, p);
}

static int
cli_show_port_info(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	return cli_ports_each(ctx, argv[0], cli_port_info_one);
}

static void
cli_port_stats_one(struct cli_ctx *ctx, struct port *p, bool first)
{
	struct stats_queue rx, tx;

	port_stats_get(p, &rx, &tx);
	if (ctx->json) {
		cli_json_port_head(ctx, p, first);
		fprintf(ctx->out, ", \"rx_packets\": %" PRIu64 ", \"rx_bytes\": %" PRIu64
			", \"rx_dropped\": %" PRIu64 ", \"tx_packets\": %" PRIu64
			", \"tx_bytes\": %" PRIu64 ", \"tx_dropped\": %" PRIu64 "}",
			rx.pkts, rx.bytes, stats_queue_drops(&rx), tx.pkts, tx.bytes,
			stats_queue_drops(&tx));
		return;
	}
	fprintf(ctx->out, "\n  ######## NIC statistics for port %u (%s) ########\n", p->id,
		p->name);
	fprintf(ctx->out, "  RX-packets: %-14" PRIu64 " RX-dropped: %-14" PRIu64
		" RX-bytes: %" PRIu64 "\n", rx.pkts, stats_queue_drops(&rx), rx.bytes);
	fprintf(ctx->out, "  TX-packets: %-14" PRIu64 " TX-dropped: %-14" PRIu64
		" TX-bytes: %" PRIu64 "\n", tx.pkts, stats_queue_drops(&tx), tx.bytes);
}

static int
cli_show_port_stats(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	return cli_ports_each(ctx, argv[0], cli_port_stats_one);
}

/* One extended counter: "name: value" or a JSON member. */
static void
cli_xstat(struct cli_ctx *ctx, bool *first, const char *name, uint64_t v)
{
	if (ctx->json)
		fprintf(ctx->out, "%s\"%s\": %" PRIu64, *first ? "" : ", ", name, v);
	else
		fprintf(ctx->out, "  %-32s %" PRIu64 "\n", name, v);
	*first = false;
}

static void
cli_xstats_dir(struct cli_ctx *ctx, struct port *p, bool rx, bool *first)
{
	const char *dir = rx ? "rx" : "tx";
	uint16_t nq = rx ? p->nb_rxq : p->nb_txq, q;
	struct stats_queue s, one;
	char name[64];
	unsigned int r;

	port_stats_get(p, rx ? &s : NULL, rx ? NULL : &s);
	snprintf(name, sizeof(name), "%s_packets", dir);
	cli_xstat(ctx, first, name, s.pkts);
	snprintf(name, sizeof(name), "%s_bytes", dir);
	cli_xstat(ctx, first, name, s.bytes);
	snprintf(name, sizeof(name), "%s_bursts", dir);
	cli_xstat(ctx, first, name, s.bursts);
	if (rx)
		cli_xstat(ctx, first, "rx_budget_cuts", s.budget_cuts);
	for (r = 0; r < STATS_DROP_MAX; r++) {
		snprintf(name, sizeof(name), "%s_drop_%s", dir, stats_drop_name(r));
		cli_xstat(ctx, first, name, s.drops[r]);
	}
	for (q = 0; q < nq; q++) {
		port_stats_queue(p, rx, q, &one);
		snprintf(name, sizeof(name), "%s_q%u_packets", dir, q);
		cli_xstat(ctx, first, name, one.pkts);
		snprintf(name, sizeof(name), "%s_q%u_bytes", dir, q);
		cli_xstat(ctx, first, name, one.bytes);
		if (!rx)
			continue;
		snprintf(name, sizeof(name), "rx_q%u_budget_cuts", q);
		cli_xstat(ctx, first, name, one.budget_cuts);
	}
}

static void
cli_port_xstats_one(struct cli_ctx *ctx, struct port *p, bool first)
{
	bool f = true;

	if (ctx->json) {
		cli_json_port_head(ctx, p, first);
		fprintf(ctx->out, ", \"xstats\": {");
	} else {
		fprintf(ctx->out, "###### NIC extended statistics for port %u (%s)\n",
			p->id, p->name);
	}
	cli_xstats_dir(ctx, p, true, &f);
	cli_xstats_dir(ctx, p, false, &f);
	if (ctx->json)
		fprintf(ctx->out, "}}");
}

static int
cli_show_port_xstats(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	return cli_ports_each(ctx, argv[0], cli_port_xstats_one);
}

static void
cli_port_clear_one(struct cli_ctx *ctx, struct port *p, bool first __rte_unused)
{
	port_stats_clear(p);
	fprintf(ctx->out, "  NIC statistics for port %u (%s) cleared\n", p->id, p->name);
}

static int
cli_clear_port_stats(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	bool json = ctx->json;
	int ret;

	ctx->json = false;
	ret = cli_ports_each(ctx, argv[0], cli_port_clear_one);
	ctx->json = json;
	return ret;
}

static int
cli_port_attach(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	char err[CTL_ERR_LEN], name[PORT_NAME_LEN];
	struct port *p;

	if (ctl_attach_ethdev(ctx->ctl, argv[0], err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	/* The port is named after the device: devargs up to the first comma. */
	strlcpy(name, argv[0], sizeof(name));
	name[strcspn(name, ",")] = '\0';
	p = port_find(name);
	if (p != NULL)
		fprintf(ctx->out, "Port %u (%s) attached and started\n", p->id, p->name);
	return 0;
}

static int
cli_del_port(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	char err[CTL_ERR_LEN], name[PORT_NAME_LEN];
	struct port *p;
	uint16_t id;

	if (cli_port_arg(ctx, argv[0], false, &p) < 0)
		return -1;
	strlcpy(name, p->name, sizeof(name));
	id = p->id;
	if (ctl_del_port(ctx->ctl, p, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	fprintf(ctx->out, "Port %u (%s) removed\n", id, name);
	return 0;
}

/* "port start|stop <port>|all": with all, ports already there are skipped. */
static int
cli_port_startstop(struct cli_ctx *ctx, const char *arg, bool start)
{
	char err[CTL_ERR_LEN];
	struct port *one;
	uint16_t i;
	int ret;

	if (cli_port_arg(ctx, arg, true, &one) < 0)
		return -1;
	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		if (p == NULL || (one != NULL && p != one))
			continue;
		if (one == NULL && ctl_port_started(ctx->ctl, p) == start)
			continue;
		ret = start ? ctl_port_start(ctx->ctl, p, err, sizeof(err)) :
			      ctl_port_stop(ctx->ctl, p, err, sizeof(err));
		if (ret < 0)
			return cli_err(ctx, "%s", err);
		fprintf(ctx->out, "Port %u (%s) %s\n", p->id, p->name,
			start ? "started" : "stopped");
	}
	return 0;
}

static int
cli_port_start(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	return cli_port_startstop(ctx, argv[0], true);
}

static int
cli_port_stop(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	return cli_port_startstop(ctx, argv[0], false);
}

static const struct cli_cmd cli_port_cmds[] = {
	{ "show port info", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "type, state, link, queues and type detail of ports", cli_show_port_info },
	{ "show port stats", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "rx/tx packets, bytes and drops since the last clear", cli_show_port_stats },
	{ "show port xstats", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "every counter: per queue, bursts, drops by reason", cli_show_port_xstats },
	{ "clear port stats", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "zero the counters (workers keep counting)", cli_clear_port_stats },
	{ "port attach", "<devargs>", 1, 1, CLI_ARG_NONE,
	  "probe an ethdev (e.g. net_ring0) and forward it as a new port", cli_port_attach },
	{ "port detach", "<port>", 1, 1, CLI_ARG_PORT,
	  "remove a port (same as del port)", cli_del_port },
	{ "port start", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "start a stopped port and forward it again", cli_port_start },
	{ "port stop", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "stop forwarding a port, then stop its socket or device", cli_port_stop },
	{ "del port", "<port>", 1, 1, CLI_ARG_PORT,
	  "remove a port while the others keep forwarding", cli_del_port },
};

const struct cli_group cli_group_port = {
	.name = "port",
	.help = "ports and their counters",
	.cmds = cli_port_cmds,
	.nb = RTE_DIM(cli_port_cmds),
};
