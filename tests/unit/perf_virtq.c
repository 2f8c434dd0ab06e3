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
 * Usage: perf_virtq [BURSTS [FRAME_LEN [ZCOPY_MIN]]]   (defaults 100000, 64, 0)
 * ZCOPY_MIN: dequeue packets of at least that many bytes zero-copy (0: copy).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "test_port.h"
#include "virtq_driver.h"

#define PERF_BURST 32
#define PERF_RING 256
#define PERF_RX_BUF 2048

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
	struct virtq txq, rxq;
	struct virtq_params p;
	struct vring_used_elem e;
	struct vdrv tx, rx;
	uint32_t rx_len = PERF_RX_BUF;
	uint8_t pkt[1514];
	struct rte_mempool *pool;
	unsigned long b;
	uint16_t i, n, placed;

	if (len < RTE_ETHER_HDR_LEN || len > sizeof(pkt)) {
		fprintf(stderr, "perf_virtq: frame length must be 18..1518\n");
		return 2;
	}
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
	vdrv_init(&tx, &gm, 0, PERF_RING, 0);
	vdrv_params(&tx, &p, features, -1);
	p.zcopy_min = zc_min;
	if (virtq_init(&txq, &p) != 0)
		return 1;
	vdrv_init(&rx, &gm, 1, PERF_RING, 0);
	vdrv_params(&rx, &p, features, -1);
	if (virtq_init(&rxq, &p) != 0)
		return 1;
	for (b = 0; b < bursts; b++) {
		for (i = 0; i < PERF_BURST; i++) {
			vdrv_tx(&tx, &hdr, sizeof(hdr), pkt, len, NULL, 0, false);
			vdrv_rx(&rx, &rx_len, 1, false);
		}
		t = rte_rdtsc_precise();
		n = virtq_dequeue_burst(&txq, pool, m, PERF_BURST);
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
		while (vdrv_used_next(&tx, &e))
			;
		while (vdrv_used_next(&rx, &e))
			;
		pkts += n;
	}
	printf("perf_virtq: %" PRIu64 " packets of %u bytes: dequeue %.1f cycles/packet, "
	       "enqueue %.1f cycles/packet (warm cache, one core), %" PRIu64 " zero-copied\n",
	       pkts, len + RTE_ETHER_CRC_LEN, (double)deq_cyc / pkts, (double)enq_cyc / pkts,
	       txq.stats.zc_pkts);
	virtq_fini(&txq);
	virtq_fini(&rxq);
	vdrv_mem_destroy(&gm);
	return 0;
}
