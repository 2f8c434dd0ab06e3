/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include "fwd.h"

/* Count and free: the sink of benchmark scenario S1. */
static void
fwd_rxonly(struct fwd_ctx *ctx)
{
	stats_add(&ctx->rx_port->rxq[ctx->rxq].drops[STATS_DROP_RXONLY], ctx->nb);
	rte_pktmbuf_free_bulk(ctx->pkts, ctx->nb);
}

const struct fwd_engine fwd_rxonly_engine = {
	.name = "rxonly",
	.fwd = fwd_rxonly,
};
