/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "fwd.h"

#define TXONLY_UDP_SRC 1024  /* Source port of flow 0; flow f uses 1024 + f. */
#define TXONLY_UDP_DST 9     /* The discard port. */

/*
 * Headers of every generated frame, as they are on the wire. The natural
 * layout has no holes (14 + 20 + 8, udp at an even offset), so no packing.
 */
struct txonly_hdr {
	struct rte_ether_hdr eth;  /* Fixed locally administered unicast MACs. */
	struct rte_ipv4_hdr ip;    /* Benchmark range (RFC 2544): 198.18.0.1 -> .2. */
	struct rte_udp_hdr udp;    /* Source port set per packet from the flow. */
};

static_assert(sizeof(struct txonly_hdr) == 42, "txonly headers must have no padding");

/*
 * Fill the headers every packet of this call shares. Only the UDP source
 * port changes per packet, and the IPv4 checksum does not cover it, so it
 * is computed once here. The UDP checksum stays 0 (none, valid in IPv4).
 */
static void
txonly_hdr_init(struct txonly_hdr *h, uint16_t pkt_len)
{
	static const struct rte_ether_addr src = {{ 0x02, 0, 0, 0, 0, 0x01 }};
	static const struct rte_ether_addr dst = {{ 0x02, 0, 0, 0, 0, 0x02 }};

	memset(h, 0, sizeof(*h));
	rte_ether_addr_copy(&dst, &h->eth.dst_addr);
	rte_ether_addr_copy(&src, &h->eth.src_addr);
	h->eth.ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	h->ip.version_ihl = RTE_IPV4_VHL_DEF;
	h->ip.total_length = rte_cpu_to_be_16(pkt_len - sizeof(h->eth));
	h->ip.time_to_live = 64;
	h->ip.next_proto_id = IPPROTO_UDP;
	h->ip.src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 1));
	h->ip.dst_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 2));
	h->ip.hdr_checksum = rte_ipv4_cksum(&h->ip);
	h->udp.dst_port = rte_cpu_to_be_16(TXONLY_UDP_DST);
	h->udp.dgram_len = rte_cpu_to_be_16(pkt_len - sizeof(h->eth) -
					    sizeof(h->ip));
}

/*
 * The pool this worker generates from: its socket's, looked up on its
 * first burst (the pools are registered before workers start), else the
 * configuration's.
 */
static struct rte_mempool *
txonly_pool(struct fwd_ctx *ctx)
{
	struct fwd_lcore *lc = ctx->lc;

	if (unlikely(!lc->pool_found)) {
		lc->local_pool = port_pool_find(rte_socket_id());
		lc->pool_found = true;
	}
	return lc->local_pool != NULL ? lc->local_pool : ctx->conf->pool;
}

/*
 * Drop what came in (as rxonly does) and send a burst of generated UDP
 * frames out of the port being polled.
 */
static void
fwd_txonly(struct fwd_ctx *ctx)
{
	const struct fwd_txonly_conf *tc = &ctx->conf->txonly;
	struct stats_queue *rxq = &ctx->rx_port->rxq[ctx->rxq];
	/* begin() checked the burst; the cap only guards the stack array. */
	uint16_t n = RTE_MIN(tc->burst, FWD_BURST_MAX);
	uint16_t len = tc->pkt_len;
	uint32_t flow = ctx->lc->seq;
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	struct txonly_hdr hdr;
	uint16_t i;

	if (ctx->nb != 0) {
		stats_add(&rxq->drops[STATS_DROP_RXONLY], ctx->nb);
		rte_pktmbuf_free_bulk(ctx->pkts, ctx->nb);
	}
	if (unlikely(rte_pktmbuf_alloc_bulk(txonly_pool(ctx), pkts, n) != 0)) {
		stats_add(&rxq->drops[STATS_DROP_MBUF_ALLOC], n);
		return;
	}
	txonly_hdr_init(&hdr, len);
	/* The flow count may have shrunk since this lcore last ran. */
	if (flow >= tc->flows)
		flow = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

		/* Wraps past 65535, which keeps up to 65536 flows distinct. */
		hdr.udp.src_port = rte_cpu_to_be_16((uint16_t)(TXONLY_UDP_SRC + flow));
		memcpy(p, &hdr, sizeof(hdr));
		memset(p + sizeof(hdr), 0, len - sizeof(hdr));
		m->data_len = len;
		m->pkt_len = len;
		if (++flow == tc->flows)
			flow = 0;
		fwd_out_push(ctx, ctx->rx_port->id, m);
	}
	ctx->lc->seq = flow;
}

/*
 * Check the generator parameters once, so that fwd() can trust them:
 * every frame holds the headers and fits in one mbuf segment of
 * conf->pool and of every registered pool (a worker may generate from its
 * socket's), and bursts fit the stack array. User input is validated
 * against these same constants before it gets here; this guard is the
 * library's own, for any caller, because fwd() writes memory sized by them.
 */
static int
fwd_txonly_begin(struct fwd_conf *conf)
{
	const struct fwd_txonly_conf *tc = &conf->txonly;
	unsigned int i;

	if (conf->pool == NULL || tc->flows == 0 || tc->burst == 0 ||
	    tc->burst > FWD_BURST_MAX || tc->pkt_len < FWD_TXONLY_MIN_LEN ||
	    tc->pkt_len > FWD_TXONLY_MAX_LEN)
		return -EINVAL;
	if (rte_pktmbuf_data_room_size(conf->pool) <
	    RTE_PKTMBUF_HEADROOM + tc->pkt_len)
		return -EINVAL;
	for (i = 0; i < port_pool_count(); i++)
		if (rte_pktmbuf_data_room_size(port_pool_at(i)) <
		    RTE_PKTMBUF_HEADROOM + tc->pkt_len)
			return -EINVAL;
	return 0;
}

const struct fwd_engine fwd_txonly_engine = {
	.name = "txonly",
	.begin = fwd_txonly_begin,
	.fwd = fwd_txonly,
	.poll_empty = true,
};
