/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* vhost-user commands: negotiated state and rings, hot add. */

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "cli.h"

/* Names of the bits set in @p bits, space-separated (JSON: a list). */
static void
cli_vhost_bits(struct cli_ctx *ctx, uint64_t bits, const char *(*name)(unsigned int))
{
	bool first = true;
	unsigned int b;

	for (b = 0; b < 64; b++) {
		const char *n;

		if (!(bits & (1ULL << b)))
			continue;
		n = name(b);
		if (ctx->json)
			fprintf(ctx->out, "%s\"%s\"", first ? "" : ", ", n != NULL ? n : "?");
		else if (n != NULL)
			fprintf(ctx->out, " %s", n);
		else
			fprintf(ctx->out, " bit%u", b);
		first = false;
	}
}

static void
cli_vhost_text(struct cli_ctx *ctx, const struct port *p, const struct port_vhost_info *vi)
{
	char since[32];
	uint16_t i;

	strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", gmtime(&vi->since));
	fprintf(ctx->out, "vhost port %u (%s)\n", p->id, p->name);
	if (vi->sock_found)
		fprintf(ctx->out, "  socket: %s (%s, %s:%s %04o)\n", vi->path,
			vi->client ? "client" : "server", vi->sock_owner, vi->sock_group,
			(unsigned int)vi->sock_mode);
	else
		fprintf(ctx->out, "  socket: %s (%s)\n", vi->path,
			vi->client ? "client" : "server");
	fprintf(ctx->out, "  state: %s since %s, connects %" PRIu64 ", disconnects %" PRIu64 "\n",
		vi->connected ? "connected" : "waiting for peer", since, vi->connects,
		vi->disconnects);
	fprintf(ctx->out, "  engine: %s\n", vi->engine);
	if (vi->numa_node == SOCKET_ID_ANY)
		fprintf(ctx->out, "  numa: node unknown, pool %s, pool fallbacks %" PRIu64 "\n",
			vi->pool, vi->pool_fallbacks);
	else
		fprintf(ctx->out, "  numa: node %d, pool %s, pool fallbacks %" PRIu64 "\n",
			vi->numa_node, vi->pool, vi->pool_fallbacks);
	if (vi->zcopy_min != 0)
		fprintf(ctx->out, "  zcopy: %s, from %u bytes\n", vi->zcopy, vi->zcopy_min);
	else
		fprintf(ctx->out, "  zcopy: off\n");
	fprintf(ctx->out, "  zero-copied %" PRIu64 ", copied small %" PRIu64 ", copied capped %"
		PRIu64 ", stalls %" PRIu64 ", in flight %u, drain waits %" PRIu64
		", drain timeouts %" PRIu64 "\n", vi->zc.pkts, vi->zc.small, vi->zc.capped,
		vi->zc.stalls, vi->zc.inflight, vi->zc.drain_waits, vi->zc.drain_timeouts);
	for (i = 0; i < vi->nb_ring_errors; i++)
		fprintf(ctx->out, "  ring error %s: %" PRIu64 "\n", vi->ring_errors[i].name,
			vi->ring_errors[i].count);
	if (!vi->connected)
		return;
	fprintf(ctx->out, "  features: 0x%" PRIx64, vi->features);
	cli_vhost_bits(ctx, vi->features, port_vhost_feature_name);
	fprintf(ctx->out, "\n  protocol features: 0x%" PRIx64, vi->protocol_features);
	cli_vhost_bits(ctx, vi->protocol_features, port_vhost_protocol_feature_name);
	fprintf(ctx->out, "\n");
	for (i = 0; i < vi->nb_vrings; i++) {
		const struct port_vhost_zc_info *z = &vi->vring[i].zc;

		const struct port_vhost_vring_info *v = &vi->vring[i];

		if (v->packed)
			fprintf(ctx->out, "  vring %u (%s %u): size %u, packed, next avail %u "
				"wrap %u, next used %u wrap %u, %s\n", i, i % 2 ? "tx" : "rx",
				i / 2, v->size, v->avail_idx & 0x7fff, v->avail_idx >> 15,
				v->used_idx & 0x7fff, v->used_idx >> 15,
				v->enabled ? "enabled" : "disabled");
		else
			fprintf(ctx->out, "  vring %u (%s %u): size %u, avail idx %u, used idx %u, "
				"%s\n", i, i % 2 ? "tx" : "rx", i / 2, v->size, v->avail_idx,
				v->used_idx, v->enabled ? "enabled" : "disabled");
		if (i % 2 == 1 && strcmp(vi->engine, "virtq") == 0)
			fprintf(ctx->out, "    zero-copied %" PRIu64 ", copied small %" PRIu64
				", copied capped %" PRIu64 ", stalls %" PRIu64 ", in flight %u"
				", drain waits %" PRIu64 ", drain timeouts %" PRIu64 "\n",
				z->pkts, z->small, z->capped, z->stalls, z->inflight,
				z->drain_waits, z->drain_timeouts);
	}
	fprintf(ctx->out, "  kicks %" PRIu64 ", kicks avoided %" PRIu64 ", calls %" PRIu64
		", calls avoided %" PRIu64 "\n", vi->kicks, vi->kicks_avoided, vi->calls,
		vi->calls_avoided);
}

/* Zero-copy counters as JSON members of an open object. */
static void
cli_vhost_zc_json(FILE *f, const struct port_vhost_zc_info *z)
{
	fprintf(f, "\"zc_pkts\": %" PRIu64 ", \"zc_copied_small\": %" PRIu64
		", \"zc_copied_capped\": %" PRIu64 ", \"zc_stalls\": %" PRIu64
		", \"zc_inflight\": %u, \"zc_drain_waits\": %" PRIu64
		", \"zc_drain_timeouts\": %" PRIu64, z->pkts, z->small, z->capped, z->stalls,
		z->inflight, z->drain_waits, z->drain_timeouts);
}

static void
cli_vhost_json(struct cli_ctx *ctx, const struct port *p, const struct port_vhost_info *vi,
	       bool first)
{
	FILE *f = ctx->out;
	uint16_t i;

	fprintf(f, "%s{\"id\": %u, \"name\": ", first ? "" : ", ", p->id);
	cli_json_str(f, p->name);
	fprintf(f, ", \"socket\": ");
	cli_json_str(f, vi->path);
	/* "" when there is no socket file (a client-mode peer not listening). */
	fprintf(f, ", \"socket_owner\": ");
	cli_json_str(f, vi->sock_owner);
	fprintf(f, ", \"socket_group\": ");
	cli_json_str(f, vi->sock_group);
	if (vi->sock_found)
		fprintf(f, ", \"socket_mode\": \"%04o\"", (unsigned int)vi->sock_mode);
	else
		fprintf(f, ", \"socket_mode\": \"\"");
	fprintf(f, ", \"mode\": \"%s\", \"connected\": %s, \"since\": %" PRId64
		", \"connects\": %" PRIu64 ", \"disconnects\": %" PRIu64 ", \"engine\": \"%s\""
		", \"numa_node\": %d, \"pool\": \"%s\", \"pool_fallbacks\": %" PRIu64
		", \"features\": %" PRIu64 ", \"feature_names\": [",
		vi->client ? "client" : "server", vi->connected ? "true" : "false",
		(int64_t)vi->since, vi->connects, vi->disconnects, vi->engine, vi->numa_node,
		vi->pool, vi->pool_fallbacks, vi->features);
	cli_vhost_bits(ctx, vi->features, port_vhost_feature_name);
	fprintf(f, "], \"protocol_features\": %" PRIu64 ", \"protocol_feature_names\": [",
		vi->protocol_features);
	cli_vhost_bits(ctx, vi->protocol_features, port_vhost_protocol_feature_name);
	fprintf(f, "], \"vrings\": [");
	for (i = 0; i < vi->nb_vrings; i++)
	{
		fprintf(f, "%s{\"index\": %u, \"size\": %u, \"layout\": \"%s\", "
			"\"avail_idx\": %u, \"used_idx\": %u, \"enabled\": %s, ", i ? ", " : "",
			i, vi->vring[i].size, vi->vring[i].packed ? "packed" : "split",
			vi->vring[i].avail_idx, vi->vring[i].used_idx,
			vi->vring[i].enabled ? "true" : "false");
		cli_vhost_zc_json(f, &vi->vring[i].zc);
		fprintf(f, "}");
	}
	fprintf(f, "], \"kicks\": %" PRIu64 ", \"kicks_avoided\": %" PRIu64 ", \"calls\": %"
		PRIu64 ", \"calls_avoided\": %" PRIu64 ", \"zcopy\": \"%s\", \"zcopy_min\": %u, ",
		vi->kicks, vi->kicks_avoided, vi->calls, vi->calls_avoided, vi->zcopy,
		vi->zcopy_min);
	cli_vhost_zc_json(f, &vi->zc);
	fprintf(f, ", \"ring_errors\": {");
	for (i = 0; i < vi->nb_ring_errors; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", vi->ring_errors[i].name,
			vi->ring_errors[i].count);
	fprintf(f, "}}");
}

static int
cli_show_vhost(struct cli_ctx *ctx, int argc __rte_unused, char **argv)
{
	struct port_vhost_info vi;
	struct port *one;
	bool first = true;
	uint16_t i;

	if (cli_port_arg(ctx, argv[0], true, &one) < 0)
		return -1;
	if (one != NULL && port_vhost_path(one) == NULL)
		return cli_err(ctx, "port %s is not a vhost-user port", one->name);
	if (ctx->json)
		fprintf(ctx->out, "{\"ports\": [");
	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		if (p == NULL || (one != NULL && p != one) || port_vhost_path(p) == NULL)
			continue;
		/* A device torn down meanwhile waits until the rings are read. */
		sched_reader_begin();
		port_vhost_info(p, &vi);
		sched_reader_end();
		if (ctx->json)
			cli_vhost_json(ctx, p, &vi, first);
		else
			cli_vhost_text(ctx, p, &vi);
		first = false;
	}
	if (ctx->json)
		fprintf(ctx->out, "]}\n");
	return 0;
}

/* "set port <port> zcopy auto|on|off [BYTES]": at run time, through the
 * same value checks as --vhost's zcopy= and zcopy-min=. */
static int
cli_set_port_zcopy(struct cli_ctx *ctx, int argc, char **argv)
{
	struct port_vhost_conf c = { .zcopy_min = 0 };
	char err[CTL_ERR_LEN];
	struct port *p;

	if (cli_port_arg(ctx, argv[0], false, &p) < 0)
		return -1;
	if (port_vhost_path(p) == NULL)
		return cli_err(ctx, "port %s is not a vhost-user port", p->name);
	if (strcmp(argv[1], "zcopy") != 0)
		return cli_err(ctx, "unknown port setting '%s' (zcopy)", argv[1]);
	if (params_vhost_key(&c, "zcopy", argv[2], err, sizeof(err)) != 0)
		return cli_err(ctx, "zcopy: %s", err);
	if (argc > 3 && params_vhost_key(&c, "zcopy-min", argv[3], err, sizeof(err)) != 0)
		return cli_err(ctx, "zcopy-min: %s", err);
	port_vhost_set_zcopy(p, c.zcopy, c.zcopy_min);
	fprintf(ctx->out, "Port %s: zcopy %s%s%s\n", p->name, argv[2],
		argc > 3 ? ", from " : "", argc > 3 ? argv[3] : "");
	return 0;
}

/* "add vhost <name> <path> [client] [KEY=VALUE...]": the same parser as --vhost;
 * a server-mode port takes the socket owner, group and mode it does not set
 * from --sock-owner, --sock-group and --sock-mode (ctl_add_vhost()). */
static int
cli_add_vhost(struct cli_ctx *ctx, int argc, char **argv)
{
	char spec[512], err[CTL_ERR_LEN];
	struct port_vhost_conf conf;
	struct port *p;
	int i;

	snprintf(spec, sizeof(spec), "%s,name=%s", argv[1], argv[0]);
	for (i = 2; i < argc; i++) {
		if (strchr(argv[i], ',') != NULL)
			return cli_err(ctx, "bad option '%s' (client, queues=N, engine=virtq|rte, "
				       "zcopy=auto|on|off, zcopy-min=BYTES, sock-owner=USER, "
				       "sock-group=GROUP, sock-mode=MODE)", argv[i]);
		strlcat(spec, ",", sizeof(spec));
		strlcat(spec, argv[i], sizeof(spec));
	}
	if (strchr(argv[1], ',') != NULL)
		return cli_err(ctx, "bad socket path '%s'", argv[1]);
	if (params_parse_vhost(spec, 0, &conf, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", strncmp(err, "--vhost: ", 9) == 0 ? err + 9 : err);
	if (ctl_add_vhost(ctx->ctl, &conf, err, sizeof(err)) < 0)
		return cli_err(ctx, "%s", err);
	p = port_find(conf.name);
	fprintf(ctx->out, "Port %u (%s) added: %s %s\n", p->id, p->name,
		conf.client ? "connecting to" : "listening on", conf.path);
	return 0;
}

static const struct cli_cmd cli_vhost_cmds[] = {
	{ "show vhost", "<port>|all", 1, 1, CLI_ARG_PORT,
	  "socket, state, negotiated features, rings, engine, kicks and calls",
	  cli_show_vhost },
	{ "set port", "<port> zcopy auto|on|off [<bytes>]", 3, 4, CLI_ARG_PORT,
	  "zero-copy dequeue of a vhost-user port, and its threshold (0: the mode's)",
	  cli_set_port_zcopy },
	{ "add vhost", "<name> <path> [client] [queues=N] [engine=virtq|rte] [zcopy=M] "
	  "[zcopy-min=B] [sock-owner=U] [sock-group=G] [sock-mode=M]", 2, 10,
	  CLI_ARG_NONE, "create a vhost-user port and forward it (no cross-connect yet)",
	  cli_add_vhost },
};

const struct cli_group cli_group_vhost = {
	.name = "vhost",
	.help = "vhost-user ports",
	.cmds = cli_vhost_cmds,
	.nb = RTE_DIM(cli_vhost_cmds),
};
