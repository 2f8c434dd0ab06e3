/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq dequeue (guest tx): every header and packet layout, index
 * wrap-around, burst limits and the largest chains and packets, against
 * the split-ring driver of virtq_driver.c.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_fixture.h"

/* --- dequeue (guest tx) -------------------------------------------------- */

/* Every way a driver lays out header and packet, in one burst. */
static void
test_tx_layouts(void)
{
	static const uint32_t hdr_alone[] = { VFT_HDR12 };
	static const uint32_t split[] = { 4, 4, 4, 20, 100 };
	static const uint32_t ind[] = { VFT_HDR12, 30 };
	static const uint32_t len[] = { 60, 1500, 300, 200, 300, 200 };
	static uint8_t pkt[RTE_DIM(len)][1600];
	uint16_t head[RTE_DIM(len)], n;
	struct rte_mbuf *m[32];
	struct vdrv_seg s[2];
	uint64_t bytes = 0, h;
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	if (vft_start(&vq, &d, 0, 64, 0, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	for (i = 0; i < RTE_DIM(len); i++) {
		vft_fill(pkt[i], len[i], i);
		bytes += len[i];
	}
	/* Header alone in the first descriptor, as legacy drivers do. */
	head[0] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[0], len[0], hdr_alone, 1, false);
	/* Header and packet in one descriptor. */
	head[1] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[1], len[1], NULL, 0, false);
	/* Header split over three descriptors, packet over three. */
	head[2] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[2], len[2], split,
			  RTE_DIM(split), false);
	/* An indirect table. */
	head[3] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[3], len[3], ind,
			  RTE_DIM(ind), true);
	/* Packet crossing R0 -> R1 (host-discontiguous): R1 bytes 0..199. */
	h = vdrv_alloc(&vft.gm, VFT_HDR12);
	memcpy(vdrv_gva(&vft.gm, h), &vft_zero_hdr, VFT_HDR12);
	memcpy(vdrv_gva(&vft.gm, VDRV_R1_GPA - 100), pkt[4], len[4]);
	s[0] = (struct vdrv_seg){ h, VFT_HDR12, 0 };
	s[1] = (struct vdrv_seg){ VDRV_R1_GPA - 100, len[4], 0 };
	head[4] = vft_push(&d, s, 2);
	/* Header itself crossing R1 -> R2, packet after it in the same buffer. */
	memcpy(vdrv_gva(&vft.gm, VDRV_R2_GPA - 5), &vft_zero_hdr, VFT_HDR12);
	memcpy(vdrv_gva(&vft.gm, VDRV_R2_GPA + 7), pkt[5], len[5]);
	s[0] = (struct vdrv_seg){ VDRV_R2_GPA - 5, VFT_HDR12 + len[5], 0 };
	head[5] = vft_push(&d, s, 1);

	n = vft_deq(&vq, vft.pool, m, 32);
	TAP_EQ(n, RTE_DIM(len));
	for (i = 0; i < n; i++) {
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
		TAP_EQ(m[i]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
	}
	rte_pktmbuf_free_bulk(m, n);
	/* One used entry per chain, in ring order, nothing written. */
	TAP_EQ(vdrv_used_pending(&d), RTE_DIM(len));
	for (i = 0; i < RTE_DIM(len); i++)
		vft_expect_used(&d, head[i], 0);
	TAP_EQ(vq.last_avail, RTE_DIM(len));
	TAP_EQ(vq.last_used, RTE_DIM(len));
	TAP_EQ(vq.stats.pkts, RTE_DIM(len));
	TAP_EQ(vq.stats.bytes, bytes);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vq.stats.calls, 1);
	virtq_fini(&vq);
}

/* A legacy 10-byte header, alone in its descriptor or with the packet. */
static void
test_tx_legacy_header(void)
{
	static const uint32_t hdr_alone[] = { VFT_HDR10 };
	struct rte_mbuf *m[4];
	uint8_t pkt[2][200];
	uint16_t head[2];
	struct virtq vq;
	struct vdrv d;

	if (vft_start(&vq, &d, 0, 16, 0, 0) < 0)
		return;
	vft_fill(pkt[0], 64, 10);
	vft_fill(pkt[1], 200, 11);
	head[0] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR10, pkt[0], 64, hdr_alone, 1, false);
	head[1] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR10, pkt[1], 200, NULL, 0, false);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 2);
	TAP_CHECK(vft_mbuf_is(m[0], pkt[0], 64));
	TAP_CHECK(vft_mbuf_is(m[1], pkt[1], 200));
	rte_pktmbuf_free_bulk(m, 2);
	vft_expect_used(&d, head[0], 0);
	vft_expect_used(&d, head[1], 0);
	TAP_EQ(vq.stats.bytes, 264);
	virtq_fini(&vq);
}

/* Packets bigger than an mbuf become consistent multi-segment mbufs. */
static void
test_tx_multiseg(void)
{
	static const uint32_t len[] = {
		1000, VFT_SMALL_ROOM, VFT_SMALL_ROOM + 1, 2 * VFT_SMALL_ROOM, 1514
	};
	static uint8_t pkt[RTE_DIM(len)][1600];
	unsigned int in_use = rte_mempool_in_use_count(vft.small_pool);
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	for (i = 0; i < RTE_DIM(len); i++) {
		vft_fill(pkt[i], len[i], 20 + i);
		vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[i], len[i], NULL, 0, false);
	}
	n = vft_deq(&vq, vft.small_pool, m, 8);
	TAP_EQ(n, RTE_DIM(len));
	for (i = 0; i < n; i++) {
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
		if (len[i] > VFT_SMALL_ROOM)
			TAP_CHECK(m[i]->nb_segs > 1);
	}
	TAP_EQ(m[1]->nb_segs, 1);
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(rte_mempool_in_use_count(vft.small_pool), in_use);
	TAP_EQ(vq.stats.bytes, 1000 + 256 + 257 + 512 + 1514);
	virtq_fini(&vq);
}

/* The 16-bit avail and used indices wrap past 65535, mid-burst too. */
static void
test_tx_wrap(void)
{
	static const uint32_t hdr_alone[] = { VFT_HDR12 };
	struct rte_mbuf *m[16];
	uint16_t head[7];
	uint8_t pkt[128];
	struct virtq vq;
	struct vdrv d;
	uint32_t seed = 0;
	int round, i;

	if (vft_start(&vq, &d, 0, 16, 65530, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 7; i++) {
			vft_fill(pkt, 64 + i, seed + i);
			head[i] = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 64 + i,
					  hdr_alone, 1, i == 3);
		}
		/* Take them as 4 then 3, so bursts start anywhere. */
		TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 4);
		TAP_EQ(vft_deq(&vq, vft.pool, m + 4, 12), 3);
		for (i = 0; i < 7; i++) {
			vft_fill(pkt, 64 + i, seed + i);
			TAP_CHECK(vft_mbuf_is(m[i], pkt, 64 + i));
			vft_expect_used(&d, head[i], 0);
		}
		rte_pktmbuf_free_bulk(m, 7);
		seed += 7;
	}
	TAP_EQ(vq.last_avail, (uint16_t)(65530 + 35));
	TAP_EQ(vq.last_used, (uint16_t)(65530 + 35));
	TAP_EQ(d.used->idx, (uint16_t)(65530 + 35));
	TAP_EQ(vq.stats.pkts, 35);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* A guest flooding its queue gets at most n, and at most VIRTQ_MAX_BURST, per call. */
static void
test_tx_burst_limit(void)
{
	struct rte_mbuf *m[256];
	struct virtq vq;
	struct vdrv d;
	uint16_t n, total = 0;
	int i;

	if (vft_start(&vq, &d, 0, 256, 0, VFT_F_V1) < 0)
		return;
	for (i = 0; i < 200; i++)
		vft_tx_simple(&d, 60, i);
	n = vft_deq(&vq, vft.pool, m, 8);
	TAP_EQ(n, 8);
	TAP_EQ(d.used->idx, 8);
	rte_pktmbuf_free_bulk(m, n);
	total += n;
	for (i = 0; i < 3; i++) {
		n = vft_deq(&vq, vft.pool, m, 200);
		TAP_EQ(n, VIRTQ_MAX_BURST);
		TAP_EQ(d.used->idx, total + n);
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	n = vft_deq(&vq, vft.pool, m, 200);
	TAP_EQ(n, 200 - total);
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 200), 0);
	TAP_EQ(vq.stats.pkts, 200);
	virtq_fini(&vq);
}

/* An indirect table may hold exactly a ring size of entries. */
static void
test_tx_indirect_full_table(void)
{
	uint32_t cuts[16];
	uint8_t pkt[64];
	uint16_t head;
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	cuts[0] = VFT_HDR12;
	for (i = 1; i < 16; i++)
		cuts[i] = 4;
	vft_fill(pkt, 60, 3);  /* 15 * 4 bytes: exactly 16 entries. */
	head = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 60, cuts, 16, true);
	TAP_EQ(d.desc[head].len, 16 * sizeof(struct vring_desc));
	vft_expect_tx_pkt(&vq, 60, 3);
	vft_expect_used(&d, head, 0);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* Exactly VIRTQ_MAX_VEC pieces is fine, whether descriptors or region splits. */
static void
test_tx_max_vec(void)
{
	static struct vdrv_seg s[VIRTQ_MAX_VEC];
	static uint8_t pkt[1024];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint64_t gpa;

	if (vft_start(&vq, &d, 0, 256, 0, VFT_F_V1) < 0)
		return;
	/* Header + 63 descriptors of 8 bytes. */
	gpa = vdrv_alloc(&vft.gm, VFT_HDR12 + 63 * 8);
	vft_fill(pkt, 63 * 8, 4);
	memcpy(vdrv_gva(&vft.gm, gpa), &vft_zero_hdr, VFT_HDR12);
	memcpy(vdrv_gva(&vft.gm, gpa + VFT_HDR12), pkt, 63 * 8);
	s[0] = (struct vdrv_seg){ gpa, VFT_HDR12, 0 };
	for (i = 1; i < VIRTQ_MAX_VEC; i++)
		s[i] = (struct vdrv_seg){ gpa + VFT_HDR12 + (i - 1) * 8, 8, 0 };
	vft_push(&d, s, VIRTQ_MAX_VEC);
	vft_expect_tx_pkt(&vq, 63 * 8, 4);
	/* Header + 31 descriptors crossing R0 -> R1 (62 pieces) + 1. */
	vft_fill(pkt, 16, 5);
	memcpy(vdrv_gva(&vft.gm, VDRV_R1_GPA - 8), pkt, 16);
	s[0] = (struct vdrv_seg){ gpa, VFT_HDR12, 0 };
	for (i = 1; i <= 31; i++)
		s[i] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 16, 0 };
	s[32] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 8, 0 };
	vft_push(&d, s, 33);
	{
		struct rte_mbuf *m[2];
		uint8_t want[31 * 16 + 8];

		for (i = 0; i < 31; i++)
			memcpy(want + i * 16, pkt, 16);
		memcpy(want + 31 * 16, pkt, 8);
		TAP_EQ(vft_deq(&vq, vft.pool, m, 2), 1);
		TAP_CHECK(vft_mbuf_is(m[0], want, sizeof(want)));
		rte_pktmbuf_free(m[0]);
	}
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* The largest packet a guest may send, VIRTQ_MAX_PKT_LEN, comes through whole. */
static void
test_tx_max_pkt_len(void)
{
	struct vdrv_seg s[3] = {
		{ vdrv_alloc(&vft.gm, VFT_HDR12), VFT_HDR12, 0 },
		{ VDRV_R3_GPA, VDRV_R3_SIZE, 0 },
		{ VDRV_R2_GPA, VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE, 0 },
	};
	static uint8_t want[VIRTQ_MAX_PKT_LEN];
	struct rte_mbuf *m = NULL;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	vft_fill(vdrv_gva(&vft.gm, VDRV_R3_GPA), VDRV_R3_SIZE, 6);
	vft_fill(vdrv_gva(&vft.gm, VDRV_R2_GPA), VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE, 7);
	memcpy(want, vdrv_gva(&vft.gm, VDRV_R3_GPA), VDRV_R3_SIZE);
	memcpy(want + VDRV_R3_SIZE, vdrv_gva(&vft.gm, VDRV_R2_GPA),
	       VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE);
	head = vft_push(&d, s, 3);
	TAP_EQ(vft_deq(&vq, vft.pool, &m, 1), 1);
	TAP_CHECK(vft_mbuf_is(m, want, VIRTQ_MAX_PKT_LEN));
	rte_pktmbuf_free(m);
	vft_expect_used(&d, head, 0);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_tx_layouts);
	TAP_RUN(test_tx_legacy_header);
	TAP_RUN(test_tx_multiseg);
	TAP_RUN(test_tx_wrap);
	TAP_RUN(test_tx_burst_limit);
	TAP_RUN(test_tx_indirect_full_table);
	TAP_RUN(test_tx_max_vec);
	TAP_RUN(test_tx_max_pkt_len);
	vft_env_fini();
	return tap_done();
}
