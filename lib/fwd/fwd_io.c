/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include "fwd.h"

/* Send the burst unchanged to the rx port's cross-connect peer. */
static void
fwd_io(struct fwd_ctx *ctx)
{
	uint16_t dst = ctx->conf->xconnect[ctx->rx_port->id];
	uint16_t i;

	if (unlikely(dst == FWD_NO_PORT)) {
		for (i = 0; i < ctx->nb; i++)
			fwd_drop(ctx, ctx->pkts[i], STATS_DROP_NO_ROUTE);
		return;
	}
	for (i = 0; i < ctx->nb; i++)
		fwd_out_push(ctx, dst, ctx->pkts[i]);
}

const struct fwd_engine fwd_io_engine = {
	.name = "io",
	.fwd = fwd_io,
};
