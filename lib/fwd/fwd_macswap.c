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

		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
			fwd_drop(ctx, m, STATS_DROP_BAD_DESC);
			continue;
		}
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
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
