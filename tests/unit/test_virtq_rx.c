/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq enqueue (guest rx): chain layouts, packets that do not fit,
 * a full ring, mergeable rx buffers and index wrap-around, against the
 * split-ring driver of virtq_driver.c.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_fixture.h"

/* --- enqueue (guest rx) -------------------------------------------------- */

/* Without mergeable buffers: one chain per packet, whatever its shape. */
static void
test_rx_basic(void)
{
	static const uint32_t two[] = { VFT_HDR10, 1514 };
	static const uint32_t one[] = { 1600 };
	static const uint32_t ind[] = { VFT_HDR10, 100, 1900 };
	static const uint32_t len[] = { 60, 1500, 1514 };
	static uint8_t pkt[3][1600], got[2100];
	unsigned int in_use;
	struct rte_mbuf *m[3];
	uint16_t head[3];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_INDIRECT) < 0)
		return;
	head[0] = vdrv_rx(&d, two, RTE_DIM(two), false);
	head[1] = vdrv_rx(&d, one, RTE_DIM(one), false);
	head[2] = vdrv_rx(&d, ind, RTE_DIM(ind), true);
	for (i = 0; i < 3; i++)
		m[i] = vft_pkt_mbuf(pkt[i], len[i], 30 + i);
	in_use = rte_mempool_in_use_count(vft.pool);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 3);
	/* The caller still owns every mbuf. */
	TAP_EQ(rte_mempool_in_use_count(vft.pool), in_use);
	for (i = 0; i < 3; i++) {
		TAP_EQ(rte_mbuf_refcnt_read(m[i]), 1);
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
	}
	rte_pktmbuf_free_bulk(m, 3);
	for (i = 0; i < 3; i++) {
		vft_expect_used(&d, head[i], VFT_HDR10 + len[i]);
		memset(got, 0, sizeof(got));
		vdrv_chain_read(&d, head[i], got, VFT_HDR10 + len[i] + 1);
		TAP_CHECK(memcmp(got, &vft_zero_hdr, VFT_HDR10) == 0);
		TAP_CHECK(memcmp(got + VFT_HDR10, pkt[i], len[i]) == 0);
		/* Nothing written past the packet (the chains are bigger). */
		TAP_EQ(got[VFT_HDR10 + len[i]], 0xee);
	}
	TAP_EQ(vq.stats.pkts, 3);
	TAP_EQ(vq.stats.bytes, 60 + 1500 + 1514);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(vft_calls_read(), 1);
	virtq_fini(&vq);
}

/* VERSION_1 without mergeable buffers: 12-byte header with num_buffers = 1. */
static void
test_rx_v1_header(void)
{
	static const uint32_t one[] = { 2048 };
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t pkt[100], got[VFT_HDR12 + 100];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	head = vdrv_rx(&d, one, 1, false);
	m = vft_pkt_mbuf(pkt, 100, 40);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	rte_pktmbuf_free(m);
	vft_expect_used(&d, head, VFT_HDR12 + 100);
	vdrv_chain_read(&d, head, got, sizeof(got));
	memcpy(&h, got, VFT_HDR12);
	TAP_CHECK(memcmp(&h.hdr, &vft_zero_hdr.hdr, VFT_HDR10) == 0);
	TAP_EQ(h.num_buffers, 1);
	TAP_CHECK(memcmp(got + VFT_HDR12, pkt, 100) == 0);
	virtq_fini(&vq);
}

/*
 * Buffers and used entries that already hold what the enqueue would write
 * are left as they are; anything that differs, in any byte of the header
 * or in either field of a used entry, is written. Each header is checked
 * with every one of its bytes wrong in turn, for both header sizes, and
 * each packet lands on a used entry that is right, or wrong in its id or
 * its length.
 */
static void
test_rx_recycled(void)
{
	static const uint64_t feats[] = { 0, VFT_F_V1, VFT_F_V1 | VFT_F_MRG };
	static const uint32_t one[] = { 512 };
	struct virtio_net_hdr_mrg_rxbuf want, h;
	uint8_t pkt[60], got[VFT_HDR12 + 60];
	struct vring_used_elem *stale;
	unsigned int f, k;
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;
	uint8_t *buf;
	bool ok;

	for (f = 0; f < RTE_DIM(feats); f++) {
		uint32_t hl = feats[f] ? VFT_HDR12 : VFT_HDR10;

		if (vft_start(&vq, &d, 1, 16, 0, feats[f]) < 0)
			return;
		memset(&want, 0, sizeof(want));
		want.num_buffers = 1;
		/* k == hl: the buffer holds the right header already. */
		for (k = 0; k <= hl; k++) {
			head = vdrv_rx(&d, one, 1, false);
			buf = vdrv_gva(d.gm, d.desc[head].addr);
			memcpy(buf, &want, hl);
			if (k < hl)
				buf[k] ^= 0x5a;
			stale = &d.used->ring[d.used_idx & (d.size - 1)];
			stale->id = k % 3 == 1 ? head ^ 1 : head;
			stale->len = hl + 60 + (k % 3 == 2);
			m = vft_pkt_mbuf(pkt, 60, 50 + k);
			TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
			rte_pktmbuf_free(m);
			vft_expect_used(&d, head, hl + 60);
			vdrv_chain_read(&d, head, got, hl + 60);
			memset(&h, 0, sizeof(h));
			memcpy(&h, got, hl);
			ok = memcmp(&h, &want, hl) == 0;
			if (!ok)
				printf("# features 0x%" PRIx64 ", byte %u wrong\n", feats[f], k);
			TAP_CHECK(ok);
			TAP_CHECK(memcmp(got + hl, pkt, 60) == 0);
		}
		TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
		virtq_fini(&vq);
	}
}

/* Receive buffers that cross region boundaries, header included. */
static void
test_rx_cross_regions(void)
{
	/* 6 bytes in R0 + 14 in R1, then 96 in R1 + 204 in R2: 320 bytes. */
	struct vdrv_seg s[2] = {
		{ VDRV_R1_GPA - 6, 20, VRING_DESC_F_WRITE },
		{ VDRV_R1_GPA + 4000, 300, VRING_DESC_F_WRITE },
	};
	enum { PLEN = 306 };  /* 12 + 306 = 318: the last byte lands at R2 + 201. */
	uint8_t pkt[PLEN], got[VFT_HDR12 + PLEN];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	memset(vdrv_gva(&vft.gm, VDRV_R1_GPA - 6), 0xee, 20);
	memset(vdrv_gva(&vft.gm, VDRV_R1_GPA + 4000), 0xee, 300);
	head = vft_push(&d, s, 2);
	m = vft_pkt_mbuf(pkt, PLEN, 41);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	rte_pktmbuf_free(m);
	vft_expect_used(&d, head, VFT_HDR12 + PLEN);
	vdrv_chain_read(&d, head, got, sizeof(got));
	TAP_CHECK(memcmp(got, &vft_zero_hdr, VFT_HDR10) == 0);
	TAP_CHECK(memcmp(got + VFT_HDR12, pkt, PLEN) == 0);
	TAP_EQ(*(uint8_t *)vdrv_gva(&vft.gm, VDRV_R2_GPA + 201), pkt[PLEN - 1]);
	TAP_EQ(*(uint8_t *)vdrv_gva(&vft.gm, VDRV_R2_GPA + 202), 0xee);
	virtq_fini(&vq);
}

/* Too big for the chain: not placed, counted; the chain waits for one that fits. */
static void
test_rx_too_big(void)
{
	static const uint32_t one[] = { 100 };
	uint8_t pkt[2][100];
	struct rte_mbuf *m[2];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	head = vdrv_rx(&d, one, 1, false);
	vft_fill(pkt[0], 89, 50);  /* 12 + 89 = 101: one byte too many. */
	vft_fill(pkt[1], 88, 51);  /* 12 + 88 = 100: fits exactly. */
	m[0] = vft_mk_mbuf(vft.pool, pkt[0], 89, 2048);
	m[1] = vft_mk_mbuf(vft.pool, pkt[1], 88, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 1);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_PKT_TOO_BIG), 0);
	TAP_EQ(vdrv_used_pending(&d), 1);
	vft_expect_rx_pkt(&d, head, pkt[1], 88);
	TAP_EQ(vq.stats.pkts, 1);
	TAP_EQ(vq.stats.bytes, 88);
	/* The placed packet comes first on return. */
	TAP_CHECK(m[0] != NULL && m[0]->pkt_len == 88);
	TAP_CHECK(m[1] != NULL && m[1]->pkt_len == 89);
	TAP_EQ(rte_mbuf_refcnt_read(m[0]), 1);
	TAP_EQ(rte_mbuf_refcnt_read(m[1]), 1);
	rte_pktmbuf_free_bulk(m, 2);
	virtq_fini(&vq);
}

/* A packet that does not fit between two that do: order kept, hole at the end. */
static void
test_rx_too_big_middle(void)
{
	static const uint32_t one[] = { 100 };
	static const uint32_t len[] = { 50, 200, 60 };
	uint8_t pkt[200];
	struct rte_mbuf *m[3], *orig[3];
	uint16_t head[2];
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	for (i = 0; i < 3; i++)
		m[i] = orig[i] = vft_pkt_mbuf(pkt, len[i], 52 + i);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_PKT_TOO_BIG), 0);
	TAP_CHECK(m[0] == orig[0] && m[1] == orig[2] && m[2] == orig[1]);
	vft_expect_used(&d, head[0], VFT_HDR12 + 50);
	vft_fill(pkt, 60, 54);
	vft_expect_rx_pkt(&d, head[1], pkt, 60);
	rte_pktmbuf_free_bulk(orig, 3);
	virtq_fini(&vq);
}

/* Enqueue, too, places at most VIRTQ_MAX_BURST per call. */
static void
test_rx_burst_limit(void)
{
	static const uint32_t one[] = { 128 };
	struct rte_mbuf *m[100], *orig[100];
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	uint16_t n;
	int i;

	if (vft_start(&vq, &d, 1, 128, 0, VFT_F_V1) < 0)
		return;
	vft_fill(pkt, 64, 5);
	for (i = 0; i < 100; i++) {
		vdrv_rx(&d, one, 1, false);
		m[i] = orig[i] = vft_mk_mbuf(vft.pool, pkt, 64, 2048);
	}
	n = virtq_enqueue_burst(&vq, m, 100);
	TAP_CHECK(n <= VIRTQ_MAX_BURST);
	TAP_EQ(vdrv_used_pending(&d), n);
	TAP_EQ(vq.stats.pkts, n);
	for (i = 0; i < n; i++)
		TAP_CHECK(m[i] == orig[i]);
	printf("# 100 offered: %u placed, %" PRIu64 " counted as ring full\n", n,
	       vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL]);
	rte_pktmbuf_free_bulk(orig, 100);
	virtq_fini(&vq);
}

/* Out of chains: the count placed comes back, the rest are counted, no call. */
static void
test_rx_ring_full(void)
{
	static const uint32_t one[] = { 2048 };
	struct rte_mbuf *m[5];
	uint16_t head[2];
	unsigned int in_use;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	for (i = 0; i < 5; i++)
		m[i] = vft_pkt_mbuf(pkt, 64, 60 + i);
	in_use = rte_mempool_in_use_count(vft.pool);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 5), 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 3);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_GUEST_RING_FULL), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	vft_expect_used(&d, head[0], VFT_HDR12 + 64);
	vft_expect_used(&d, head[1], VFT_HDR12 + 64);
	TAP_EQ(vft_calls_read(), 1);
	/* Nothing at all: no used entry, no call, every packet counted. */
	TAP_EQ(virtq_enqueue_burst(&vq, m + 2, 3), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 6);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 0);
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), in_use);
	for (i = 0; i < 5; i++)
		TAP_EQ(rte_mbuf_refcnt_read(m[i]), 1);
	rte_pktmbuf_free_bulk(m, 5);
	virtq_fini(&vq);
}

/*
 * Read a mergeable packet whose first chain is @p head0 into @p out: the
 * used entries are read from @p d (the first must be @p head0). Returns
 * the number of chains, as num_buffers says.
 */
static uint16_t
rx_read_merged(struct vdrv *d, uint16_t head0, uint8_t *out, uint32_t *len)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	static uint8_t buf[4096];
	struct vring_used_elem e;
	uint16_t i, nb = 0;
	uint32_t off = 0;

	for (i = 0; i == 0 || i < nb; i++) {
		if (!vdrv_used_next(d, &e)) {
			TAP_CHECK(false);
			break;
		}
		if (i == 0) {
			TAP_EQ(e.id, head0);
			vdrv_chain_read(d, (uint16_t)e.id, buf, e.len);
			memcpy(&h, buf, VFT_HDR12);
			nb = h.num_buffers;
			TAP_CHECK(memcmp(&h.hdr, &vft_zero_hdr.hdr, VFT_HDR10) == 0);
			memcpy(out, buf + VFT_HDR12, e.len - VFT_HDR12);
			off = e.len - VFT_HDR12;
		} else {
			off += vdrv_chain_read(d, (uint16_t)e.id, out + off, e.len);
		}
	}
	*len = off;
	return nb;
}

/* Mergeable buffers: a packet spans chains; num_buffers counts chains, not descriptors. */
static void
test_rx_mergeable(void)
{
	static const uint32_t one[] = { 1024 };
	static const uint32_t halves[] = { 512, 512 };
	static uint8_t pkt[2][3000], got[4096];
	struct vring_used_elem e;
	struct rte_mbuf *m[2];
	uint16_t head[5];
	struct virtq vq;
	struct vdrv d;
	uint32_t len;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1 | VFT_F_MRG | VFT_F_INDIRECT) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, halves, 2, false);
	head[2] = vdrv_rx(&d, one, 1, true);
	head[3] = vdrv_rx(&d, one, 1, false);
	head[4] = vdrv_rx(&d, one, 1, false);
	vft_fill(pkt[0], 3000, 70);
	vft_fill(pkt[1], 100, 71);
	m[0] = vft_mk_mbuf(vft.pool, pkt[0], 3000, 2048);
	m[1] = vft_mk_mbuf(vft.pool, pkt[1], 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 2);
	rte_pktmbuf_free_bulk(m, 2);
	TAP_EQ(vdrv_used_pending(&d), 4);
	/* 12 + 3000 = 1024 + 1024 + 964. */
	TAP_EQ(d.used->ring[0].len, 1024);
	TAP_EQ(d.used->ring[1].id, head[1]);
	TAP_EQ(d.used->ring[1].len, 1024);
	TAP_EQ(d.used->ring[2].id, head[2]);
	TAP_EQ(d.used->ring[2].len, 964);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 3);
	TAP_EQ(len, 3000);
	TAP_CHECK(memcmp(got, pkt[0], 3000) == 0);
	TAP_EQ(d.used->ring[3].len, VFT_HDR12 + 100);
	TAP_EQ(rx_read_merged(&d, head[3], got, &len), 1);
	TAP_EQ(len, 100);
	TAP_CHECK(memcmp(got, pkt[1], 100) == 0);
	TAP_CHECK(!vdrv_used_next(&d, &e));
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(vq.stats.bytes, 3100);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(vft_calls_read(), 1);
	virtq_fini(&vq);
}

/* Mergeable, not enough chains: nothing partial reaches the used ring. */
static void
test_rx_mergeable_ring_full(void)
{
	static const uint32_t one[] = { 1024 };
	static uint8_t pkt[2][3000], got[4096];
	struct rte_mbuf *m[2];
	uint16_t head[3];
	struct virtq vq;
	struct vdrv d;
	uint32_t len;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1 | VFT_F_MRG) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	vft_fill(pkt[0], 3000, 80);
	vft_fill(pkt[1], 100, 81);
	m[0] = vft_mk_mbuf(vft.pool, pkt[0], 3000, 2048);
	m[1] = vft_mk_mbuf(vft.pool, pkt[1], 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_GUEST_RING_FULL), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(d.used->idx, 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.pkts, 0);
	/* The two chains were not lost: with a third, the packet goes. */
	head[2] = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(vdrv_used_pending(&d), 3);
	TAP_EQ(d.used->ring[1].id, head[1]);
	TAP_EQ(d.used->ring[2].id, head[2]);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 3);
	TAP_EQ(len, 3000);
	TAP_CHECK(memcmp(got, pkt[0], 3000) == 0);
	/* A small packet fits, the big one behind it does not: 1 placed. */
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	{
		struct rte_mbuf *both[2] = { m[1], m[0] };

		TAP_EQ(virtq_enqueue_burst(&vq, both, 2), 1);
	}
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 2);
	TAP_EQ(vdrv_used_pending(&d), 1);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 1);
	TAP_EQ(len, 100);
	TAP_CHECK(memcmp(got, pkt[1], 100) == 0);
	rte_pktmbuf_free_bulk(m, 2);
	virtq_fini(&vq);
}

/* A multi-segment mbuf goes out in one piece, mergeable or not. */
static void
test_rx_multiseg_mbuf(void)
{
	static const uint32_t one[] = { 2048 };
	static const uint32_t small[] = { 300 };
	static uint8_t pkt[700], got[2048];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;
	uint32_t len;

	vft_fill(pkt, 700, 90);
	m = vft_mk_mbuf(vft.small_pool, pkt, 700, VFT_SMALL_ROOM);
	TAP_CHECK(m != NULL && m->nb_segs == 3);
	if (m == NULL)
		return;
	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		goto out;
	head = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	vft_expect_rx_pkt(&d, head, pkt, 700);
	virtq_fini(&vq);

	if (vft_setup(&vq, &d, 1, 16, 0, VFT_F_V1 | VFT_F_MRG) < 0)
		goto out;
	head = vdrv_rx(&d, small, 1, false);
	vdrv_rx(&d, small, 1, false);
	vdrv_rx(&d, small, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(rx_read_merged(&d, head, got, &len), 3);
	TAP_EQ(len, 700);
	TAP_CHECK(memcmp(got, pkt, 700) == 0);
	TAP_EQ(d.used->ring[2].len, 712 - 600);
	virtq_fini(&vq);
out:
	TAP_CHECK(vft_mbuf_is(m, pkt, 700));
	rte_pktmbuf_free(m);
}

/* Receive across the 16-bit index wrap. */
static void
test_rx_wrap(void)
{
	static const uint32_t one[] = { 256 };
	uint8_t pkt[200];
	struct rte_mbuf *m[5];
	uint16_t head[5];
	struct virtq vq;
	struct vdrv d;
	int round, i;

	if (vft_start(&vq, &d, 1, 8, 65533, VFT_F_V1) < 0)
		return;
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 5; i++) {
			head[i] = vdrv_rx(&d, one, 1, false);
			m[i] = vft_pkt_mbuf(pkt, 100 + i, round * 5 + i);
		}
		TAP_EQ(virtq_enqueue_burst(&vq, m, 5), 5);
		rte_pktmbuf_free_bulk(m, 5);
		for (i = 0; i < 5; i++) {
			vft_fill(pkt, 100 + i, round * 5 + i);
			vft_expect_rx_pkt(&d, head[i], pkt, 100 + i);
		}
	}
	TAP_EQ(d.used->idx, (uint16_t)(65533 + 20));
	TAP_EQ(vq.last_avail, (uint16_t)(65533 + 20));
	TAP_EQ(vq.stats.pkts, 20);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_rx_basic);
	TAP_RUN(test_rx_v1_header);
	TAP_RUN(test_rx_recycled);
	TAP_RUN(test_rx_cross_regions);
	TAP_RUN(test_rx_too_big);
	TAP_RUN(test_rx_too_big_middle);
	TAP_RUN(test_rx_burst_limit);
	TAP_RUN(test_rx_ring_full);
	TAP_RUN(test_rx_mergeable);
	TAP_RUN(test_rx_mergeable_ring_full);
	TAP_RUN(test_rx_multiseg_mbuf);
	TAP_RUN(test_rx_wrap);
	vft_env_fini();
	return tap_done();
}
