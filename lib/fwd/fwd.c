/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <string.h>

#include "fwd.h"

const struct fwd_engine *const fwd_engines[] = {
	&fwd_io_engine,
	&fwd_l2_engine,
	&fwd_macswap_engine,
	&fwd_rxonly_engine,
	&fwd_txonly_engine,
	NULL,
};

const struct fwd_engine *
fwd_engine_find(const char *name)
{
	unsigned int i;

	for (i = 0; fwd_engines[i] != NULL; i++)
		if (strcmp(fwd_engines[i]->name, name) == 0)
			return fwd_engines[i];
	return NULL;
}

void
fwd_xconnect_pairs(struct fwd_conf *conf)
{
	uint16_t i;

	for (i = 0; i < VDP_MAX_PORTS; i++)
		conf->xconnect[i] = FWD_NO_PORT;
	for (i = 0; i + 1 < conf->nb_ports; i += 2) {
		conf->xconnect[i] = i + 1;
		conf->xconnect[i + 1] = i;
	}
	if (conf->nb_ports % 2)
		conf->xconnect[conf->nb_ports - 1] = conf->nb_ports - 1;
}

int
fwd_xconnect_add(struct fwd_conf *conf, uint16_t a, uint16_t b)
{
	if (a >= conf->nb_ports || b >= conf->nb_ports)
		return -EINVAL;
	conf->xconnect[a] = b;
	conf->xconnect[b] = a;
	return 0;
}

void
fwd_out_flush_port(const struct fwd_conf *conf, struct fwd_out *out,
		   uint16_t dst)
{
	struct port *p = conf->ports[dst];
	uint16_t n = out->n[dst];

	if (n == 0)
		return;
	out->n[dst] = 0;
	port_tx_burst(p, out->txq % p->nb_txq, out->pkts[dst], n);
}

void
fwd_out_flush(const struct fwd_conf *conf, struct fwd_out *out)
{
	uint16_t i;

	for (i = 0; i < conf->nb_ports; i++)
		if (out->n[i] != 0)
			fwd_out_flush_port(conf, out, i);
}

void
fwd_out_push(struct fwd_ctx *ctx, uint16_t dst, struct rte_mbuf *m)
{
	struct fwd_out *out = ctx->out;

	if (unlikely(out->n[dst] == FWD_OUT_MAX))
		fwd_out_flush_port(ctx->conf, out, dst);
	out->pkts[dst][out->n[dst]++] = m;
}

void
fwd_drop(struct fwd_ctx *ctx, struct rte_mbuf *m, enum stats_drop why)
{
	stats_add(&ctx->rx_port->rxq[ctx->rxq].drops[why], 1);
	rte_pktmbuf_free(m);
}
