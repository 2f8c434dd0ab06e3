/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The virtq engine's own cost per packet, without a second process: an
 * in-process driver sends bursts of one-descriptor packets on a tx queue
 * and posts one-descriptor receive buffers on an rx queue, as the DPDK
 * virtio PMD does; the engine dequeues each burst and enqueues it back
 * (the S2 loopback path). Every line stays in this core's cache, so the
 * figures are the engine's best case: instructions (run it under
 * callgrind, see scripts/virtq_icount.sh) and warm cycles per packet.
 * Not a test: it checks only that every packet made the round trip.
 *
 * Usage: perf_virtq [BURSTS [FRAME_LEN [ZCOPY_MIN [split|packed]]]]
 * (defaults 100000, 64, 0, split). ZCOPY_MIN: dequeue packets of at least
 * that many bytes zero-copy (0: copy). packed: packed rings (the driver
 * reuses its descriptors in order, as the DPDK virtio PMD does).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "test_port.h"
#include "virtq_driver.h"
#include "virtq_pdriver.h"

#define PERF_BURST 32
#define PERF_RING 256
#define PERF_RX_BUF 2048

/* The guest side of the two queues, split or packed. */
struct perf_guest {
	bool packed;          /* Packed rings. */
	struct vdrv tx, rx;   /* Split drivers. */
	struct vpdrv ptx, prx; /* Packed drivers. */
};

/* Set up both queues' rings and the engine over them; 0 or -1. */
static int
perf_setup(struct perf_guest *g, struct vdrv_mem *gm, uint64_t features, uint32_t zc_min,
	   struct virtq *txq, struct virtq *rxq)
{
	struct virtq_params p;

	if (g->packed) {
		vpdrv_init(&g->ptx, gm, 0, PERF_RING, VPDRV_POS(0, 1));
		vpdrv_params(&g->ptx, &p, features, -1);
	} else {
		vdrv_init(&g->tx, gm, 0, PERF_RING, 0);
		vdrv_params(&g->tx, &p, features, -1);
	}
	p.zcopy_min = zc_min;
	if (virtq_init(txq, &p) != 0)
		return -1;
	if (g->packed) {
		vpdrv_init(&g->prx, gm, 1, PERF_RING, VPDRV_POS(0, 1));
		vpdrv_params(&g->prx, &p, features, -1);
	} else {
		vdrv_init(&g->rx, gm, 1, PERF_RING, 0);
		vdrv_params(&g->rx, &p, features, -1);
	}
	return virtq_init(rxq, &p) == 0 ? 0 : -1;
}

/* One packet to transmit and one receive buffer, made available. */
static void
perf_post(struct perf_guest *g, const void *hdr, const uint8_t *pkt, uint32_t len)
{
	uint32_t rx_len = PERF_RX_BUF;

	if (g->packed) {
		vpdrv_tx(&g->ptx, hdr, sizeof(struct virtio_net_hdr_mrg_rxbuf), pkt, len,
			 NULL, 0, false);
		vpdrv_rx(&g->prx, &rx_len, 1, false);
	} else {
		vdrv_tx(&g->tx, hdr, sizeof(struct virtio_net_hdr_mrg_rxbuf), pkt, len,
			NULL, 0, false);
		vdrv_rx(&g->rx, &rx_len, 1, false);
	}
}

/* Take back every used buffer of both queues. */
static void
perf_reap(struct perf_guest *g)
{
	struct vring_used_elem e;
	struct vpdrv_used u;

	if (g->packed) {
		while (vpdrv_used_next(&g->ptx, &u))
			;
		while (vpdrv_used_next(&g->prx, &u))
			;
	} else {
		while (vdrv_used_next(&g->tx, &e))
			;
		while (vdrv_used_next(&g->rx, &e))
			;
	}
}

int
main(int argc, char **argv)
{
	uint64_t features = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		(1ULL << VIRTIO_F_IN_ORDER) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	unsigned long bursts = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	uint32_t len = argc > 2 ? strtoul(argv[2], NULL, 0) - RTE_ETHER_CRC_LEN : 60;
	uint32_t zc_min = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	uint64_t deq_cyc = 0, enq_cyc = 0, pkts = 0, t;
	struct rte_mbuf *m[PERF_BURST];
	struct virtio_net_hdr_mrg_rxbuf hdr;
	static struct vdrv_mem gm;
	static struct perf_guest g;
	struct virtq txq, rxq;
	uint8_t pkt[1514];
	struct rte_mempool *pool;
	unsigned long b;
	uint16_t i, n, placed;

	if (len < RTE_ETHER_HDR_LEN || len > sizeof(pkt)) {
		fprintf(stderr, "perf_virtq: frame length must be 18..1518\n");
		return 2;
	}
	if (argc > 4 && strcmp(argv[4], "packed") != 0 && strcmp(argv[4], "split") != 0) {
		fprintf(stderr, "perf_virtq: ring layout must be split or packed\n");
		return 2;
	}
	g.packed = argc > 4 && strcmp(argv[4], "packed") == 0;
	if (test_eal_init() == NULL)
		return 1;
	/* With a per-lcore cache, as vdp's own pool. */
	pool = rte_pktmbuf_pool_create("perf_mbufs", 4095, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL || vdrv_mem_create(&gm) != 0)
		return 1;
	memset(&hdr, 0, sizeof(hdr));
	memset(pkt, 0x5a, sizeof(pkt));
	memset(&txq, 0, sizeof(txq));
	memset(&rxq, 0, sizeof(rxq));
	if (perf_setup(&g, &gm, features, zc_min, &txq, &rxq) != 0)
		return 1;
	for (b = 0; b < bursts; b++) {
		for (i = 0; i < PERF_BURST; i++)
			perf_post(&g, &hdr, pkt, len);
		t = rte_rdtsc_precise();
		n = virtq_dequeue_burst(&txq, pool, m, PERF_BURST, FWD_BURST_BYTES_DEFAULT);
		deq_cyc += rte_rdtsc_precise() - t;
		t = rte_rdtsc_precise();
		placed = virtq_enqueue_burst(&rxq, m, n);
		enq_cyc += rte_rdtsc_precise() - t;
		rte_pktmbuf_free_bulk(m, n);
		if (n != PERF_BURST || placed != n) {
			fprintf(stderr, "perf_virtq: burst %lu: dequeued %u, enqueued %u of %u\n",
				b, n, placed, PERF_BURST);
			return 1;
		}
		perf_reap(&g);
		pkts += n;
	}
	printf("perf_virtq: %s rings, %" PRIu64 " packets of %u bytes: dequeue %.1f cycles/packet, "
	       "enqueue %.1f cycles/packet (warm cache, one core), %" PRIu64 " zero-copied\n",
	       g.packed ? "packed" : "split", pkts, len + RTE_ETHER_CRC_LEN, (double)deq_cyc / pkts, (double)enq_cyc / pkts,
	       txq.stats.zc_pkts);
	virtq_fini(&txq);
	virtq_fini(&rxq);
	vdrv_mem_destroy(&gm);
	return 0;
}
