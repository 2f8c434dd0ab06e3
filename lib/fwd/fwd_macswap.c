/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <rte_ether.h>

#include "fwd.h"

/* Swap source and destination MAC and send the packet back where it came from. */
static void
fwd_macswap(struct fwd_ctx *ctx)
{
	struct rte_ether_hdr *eth;
	struct rte_ether_addr tmp;
	uint16_t i;

	for (i = 0; i < ctx->nb; i++) {
		struct rte_mbuf *m = ctx->pkts[i];

		eth = fwd_eth_hdr(ctx, m);
		if (unlikely(eth == NULL))
			continue;
		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
		fwd_out_push(ctx, ctx->rx_port->id, m);
	}
}

const struct fwd_engine fwd_macswap_engine = {
	.name = "macswap",
	.fwd = fwd_macswap,
};
