/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq packed rings (virtio 1.1, 2.8) against the packed driver of
 * virtq_pdriver.c: set-up, tx and rx round trips over every chain shape,
 * batches mixed with single chains, used descriptors (ids, lengths, flags,
 * positions, IN_ORDER), mergeable rx buffers, packets too big, offload
 * headers in lines of four, and the chain walker. Wrap-around is
 * test_virtq_packed_wrap.c's.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "virtq_pfixture.h"

/* --- set-up ---------------------------------------------------------------- */

/* Any size from 1 up, every ring required, bases with the wrap counter in
 * bit 15, and a base past the ring making the queue broken. */
static void
test_packed_init(void)
{
	static const uint16_t sizes[] = { 1, 3, 100, 255, 256 };
	struct vring_packed_desc_event *ev;
	struct vring_packed_desc *big;
	struct rte_mbuf *m[4];
	struct virtq_params p;
	struct virtq vq;
	struct vpdrv d;
	uint16_t a, u;
	unsigned int i;

	vft_begin();
	for (i = 0; i < RTE_DIM(sizes); i++) {
		vpdrv_init(&d, &vft.gm, 0, sizes[i], VPFT_FRESH);
		vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
		TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_ENABLE);
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_CHECK(vq.packed);
		TAP_EQ(vq.size, sizes[i]);
		TAP_CHECK(!vq.broken);
		/* Kicks are off from the start. */
		TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
		virtq_get_base(&vq, &a, &u);
		TAP_EQ(a, VPFT_FRESH);
		TAP_EQ(u, VPFT_FRESH);
		virtq_fini(&vq);
	}
	/* No size, too big a size, or a missing area: refused. */
	vpdrv_init(&d, &vft.gm, 0, 16, VPFT_FRESH);
	for (i = 0; i < 5; i++) {
		vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
		switch (i) {
		case 0:
			p.size = 0;
			break;
		case 1:
			p.size = VIRTQ_MAX_SIZE + 1;
			break;
		case 2:
			p.desc_packed = NULL;
			break;
		case 3:
			p.driver_event = NULL;
			break;
		default:
			p.device_event = NULL;
			break;
		}
		TAP_EQ(vft_init_vq(&vq, &p), -EINVAL);
		virtq_fini(&vq);
	}
	/* The largest ring, from its last position in lap 0: a zeroed ring
	 * has nothing available there. */
	big = calloc(VIRTQ_MAX_SIZE, sizeof(*big));
	ev = calloc(2, sizeof(*ev));
	TAP_CHECK(big != NULL && ev != NULL);
	if (big != NULL && ev != NULL) {
		vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
		p.desc_packed = big;
		p.driver_event = &ev[0];
		p.device_event = &ev[1];
		p.size = VIRTQ_MAX_SIZE;
		p.last_avail = VPDRV_POS(VIRTQ_MAX_SIZE - 1, 0);
		p.last_used = VPDRV_POS(VIRTQ_MAX_SIZE - 1, 0);
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_CHECK(!vq.broken);
		TAP_EQ(vq.last_avail, VIRTQ_MAX_SIZE - 1);
		TAP_CHECK(!vq.avail_wrap);
		TAP_EQ(ev[1].flags, VRING_PACKED_EVENT_FLAG_DISABLE);
		TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
		virtq_fini(&vq);
	}
	free(big);
	free(ev);
	/* Each side's index and wrap counter, as given. */
	vpdrv_init(&d, &vft.gm, 0, 100, VPDRV_POS(37, 0));
	vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
	p.last_avail = VPDRV_POS(40, 1);
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	TAP_EQ(vq.last_avail, 40);
	TAP_CHECK(vq.avail_wrap);
	TAP_EQ(vq.last_used, 37);
	TAP_CHECK(!vq.used_wrap);
	virtq_get_base(&vq, &a, &u);
	TAP_EQ(a, VPDRV_POS(40, 1));
	TAP_EQ(u, VPDRV_POS(37, 0));
	virtq_fini(&vq);
	/* An index past the ring cannot be repaired: broken, nothing moves. */
	for (i = 0; i < 2; i++) {
		vpdrv_init(&d, &vft.gm, 0, 100, VPDRV_POS(37, 0));
		vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
		if (i == 0)
			p.last_avail = VPDRV_POS(100, 1);
		else
			p.last_used = VPDRV_POS(0x7fff, 0);
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_CHECK(vq.broken);
		TAP_EQ(vq.stats.errors[VIRTQ_ERR_BROKEN], 1);
		vpft_tx_simple(&d, 60, 1);
		TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
		TAP_EQ(vpdrv_used_pending(&d), 0);
		virtq_fini(&vq);
	}
}

/* --- round trips ----------------------------------------------------------- */

/* Single-descriptor packets: the bytes the guest wrote, a used descriptor
 * for each where its buffer was, in ring order, one call. */
static void
test_packed_tx_basic(void)
{
	static const uint32_t len[] = { 60, 1, 1514, 2048, 333 };
	static uint8_t pkt[RTE_DIM(len)][2048];
	uint16_t id[RTE_DIM(len)], pos[RTE_DIM(len)];
	struct rte_mbuf *m[8];
	struct vpdrv_used u;
	uint64_t bytes = 0;
	struct virtq vq;
	struct vpdrv d;
	unsigned int i;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	d.next_id = 11; /* ids that are not the positions */
	for (i = 0; i < RTE_DIM(len); i++) {
		pos[i] = vpdrv_avail_pos(&d);
		vft_fill(pkt[i], len[i], i + 1);
		id[i] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[i], len[i], NULL, 0, false);
		bytes += len[i];
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), RTE_DIM(len));
	for (i = 0; i < RTE_DIM(len); i++)
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
	rte_pktmbuf_free_bulk(m, RTE_DIM(len));
	for (i = 0; i < RTE_DIM(len); i++) {
		vpft_expect_used(&d, id[i], 0, false, &u);
		TAP_EQ(u.pos, pos[i]);
		TAP_EQ(u.ndesc, 1);
	}
	TAP_EQ(id[0], 11);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.stats.pkts, RTE_DIM(len));
	TAP_EQ(vq.stats.bytes, bytes);
	TAP_EQ(vq.stats.kicks_avoided, 1);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	vpft_expect_base(&vq, &d);
	/* Nothing more: an empty burst writes nothing and calls no one. */
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.kicks_avoided, 1);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	virtq_fini(&vq);
}

/*
 * Chains of several descriptors, indirect tables, a header split over two
 * descriptors, and buffers across region ends (R0 -> R1 -> R2): each packet
 * whole, each used descriptor where its chain started, the positions
 * moving on by each chain's descriptors.
 */
static void
test_packed_tx_chains(void)
{
	static const uint32_t cut_hdr[] = { VFT_HDR12 };
	static const uint32_t cut3[] = { VFT_HDR12, 100, 300 };
	static const uint32_t cut_split[] = { 5 };
	static const struct {
		const uint32_t *cuts;  /* Descriptor lengths (the rest in a last one). */
		unsigned int ncuts;    /* Entries in cuts. */
		bool indirect;         /* Through an indirect table. */
		uint32_t len;          /* Packet bytes. */
		uint16_t ndesc;        /* Ring descriptors it takes. */
	} shape[] = {
		{ cut_hdr, 1, false, 1000, 2 },
		{ cut3, 3, false, 1500, 4 },
		{ cut3, 3, true, 1500, 1 },
		{ cut_split, 1, false, 200, 2 },
		{ NULL, 0, true, 3000, 1 },
	};
	static const uint32_t data_len = 100 + VDRV_R1_SIZE + 50;
	static uint8_t pkt[RTE_DIM(shape) + 2][100 + VDRV_R1_SIZE + 50];
	uint16_t id[RTE_DIM(shape) + 2], pos[RTE_DIM(shape) + 2], nd[RTE_DIM(shape) + 2];
	uint32_t len[RTE_DIM(shape) + 2];
	struct rte_mbuf *m[16];
	struct vdrv_seg s[2];
	struct vpdrv_used u;
	unsigned int i, n = 0;
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	for (i = 0; i < RTE_DIM(shape); i++, n++) {
		len[n] = shape[i].len;
		nd[n] = shape[i].ndesc;
		pos[n] = vpdrv_avail_pos(&d);
		vft_fill(pkt[n], len[n], 40 + n);
		id[n] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[n], len[n], shape[i].cuts,
				 shape[i].ncuts, shape[i].indirect);
	}
	/* The packet bytes over three regions, once direct, once indirect. */
	s[0] = (struct vdrv_seg){ vdrv_alloc(&vft.gm, VFT_HDR12), VFT_HDR12, 0 };
	s[1] = (struct vdrv_seg){ VDRV_R1_GPA - 100, data_len, 0 };
	memset(vdrv_gva(&vft.gm, s[0].gpa), 0, VFT_HDR12);
	vft_fill(vdrv_gva(&vft.gm, s[1].gpa), data_len, 50);
	for (i = 0; i < 2; i++, n++) {
		len[n] = data_len;
		nd[n] = i == 0 ? 2 : 1;
		pos[n] = vpdrv_avail_pos(&d);
		vft_fill(pkt[n], data_len, 50);
		id[n] = i == 0 ? vpdrv_add(&d, s, 2) : vpdrv_add_indirect(&d, s, 2);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), n);
	for (i = 0; i < n; i++)
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
	rte_pktmbuf_free_bulk(m, n);
	for (i = 0; i < n; i++) {
		vpft_expect_used(&d, id[i], 0, false, &u);
		TAP_EQ(u.pos, pos[i]);
		TAP_EQ(u.ndesc, nd[i]);
	}
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.stats.pkts, n);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	vpft_expect_base(&vq, &d);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/*
 * Receive chains of every shape: one buffer, header and packet apart, an
 * indirect table, a header split over two buffers, a buffer over three
 * regions. Each used descriptor says WRITE and the bytes written, the
 * header says one buffer, and nothing is written past the packet.
 */
static void
test_packed_rx_basic(void)
{
	static const uint32_t one[] = { 1600 };
	static const uint32_t two[] = { VFT_HDR12, 1514 };
	static const uint32_t three[] = { VFT_HDR12, 100, 1900 };
	static const uint32_t split[] = { 8, 1000 };
	static const uint32_t len[] = { 60, 1514, 1500, 700, 3000 };
	static const uint32_t room[] = { 1600, VFT_HDR12 + 1514, 2012, 1008, 4096 + 60 };
	static const uint16_t nd[] = { 1, 2, 1, 2, 1 };
	static uint8_t pkt[RTE_DIM(len)][3000], got[4096 + 60];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint16_t id[RTE_DIM(len)], pos[RTE_DIM(len)];
	struct rte_mbuf *m[RTE_DIM(len)];
	struct vdrv_seg s;
	struct vpdrv_used u;
	uint64_t bytes = 0;
	struct virtq vq;
	struct vpdrv d;
	unsigned int i;

	if (vpft_start(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	d.next_id = 9;
	pos[0] = vpdrv_avail_pos(&d);
	id[0] = vpdrv_rx(&d, one, 1, false);
	pos[1] = vpdrv_avail_pos(&d);
	id[1] = vpdrv_rx(&d, two, 2, false);
	pos[2] = vpdrv_avail_pos(&d);
	id[2] = vpdrv_rx(&d, three, 3, true);
	pos[3] = vpdrv_avail_pos(&d);
	id[3] = vpdrv_rx(&d, split, 2, false);
	s = (struct vdrv_seg){ VDRV_R1_GPA - 30, 4096 + 60, VRING_DESC_F_WRITE };
	memset(vdrv_gva(&vft.gm, s.gpa), 0xee, s.len);
	pos[4] = vpdrv_avail_pos(&d);
	id[4] = vpdrv_add(&d, &s, 1);
	for (i = 0; i < RTE_DIM(len); i++) {
		m[i] = vft_pkt_mbuf(pkt[i], len[i], 60 + i);
		bytes += len[i];
	}
	TAP_EQ(virtq_enqueue_burst(&vq, m, RTE_DIM(len)), RTE_DIM(len));
	rte_pktmbuf_free_bulk(m, RTE_DIM(len));
	for (i = 0; i < RTE_DIM(len); i++) {
		uint32_t want = VFT_HDR12 + len[i];

		if (!vpft_expect_used(&d, id[i], want, true, &u))
			continue;
		TAP_EQ(u.pos, pos[i]);
		TAP_EQ(u.ndesc, nd[i]);
		memset(got, 0, sizeof(got));
		TAP_EQ(vpdrv_buf_read(&d, &u.buf, got, room[i]), room[i]);
		memcpy(&h, got, sizeof(h));
		TAP_CHECK(memcmp(&h.hdr, &vft_zero_hdr.hdr, VFT_HDR10) == 0);
		TAP_EQ(h.num_buffers, 1);
		TAP_CHECK(memcmp(got + VFT_HDR12, pkt[i], len[i]) == 0);
		if (room[i] > want)
			TAP_EQ(got[want], 0xee);
	}
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.stats.pkts, RTE_DIM(len));
	TAP_EQ(vq.stats.bytes, bytes);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

/* --- batches and single chains ------------------------------------------- */

/* Dequeue a burst (up to 16) and check it is @p n packets of 60 + seed
 * bytes for seeds @p seeds, their used descriptors for @p ids, and (with
 * @p all, when it took everything made available) that both sides stand
 * at the same place. */
static void
mixed_expect(struct virtq *vq, struct vpdrv *d, const uint16_t *ids,
	     const uint32_t *seeds, unsigned int n, bool all)
{
	static uint8_t pkt[2048];
	struct rte_mbuf *m[16];
	unsigned int i;

	TAP_EQ(vft_deq(vq, vft.pool, m, 16), n);
	for (i = 0; i < n; i++) {
		vft_fill(pkt, 60 + seeds[i], seeds[i]);
		TAP_CHECK(vft_mbuf_is(m[i], pkt, 60 + seeds[i]));
		vpft_expect_used(d, ids[i], 0, false, NULL);
	}
	rte_pktmbuf_free_bulk(m, 16);
	TAP_EQ(vpdrv_used_pending(d), 0);
	if (all)
		vpft_expect_base(vq, d);
}

/* Make packet @p seed (60 + seed bytes) available in @p nd descriptors. */
static uint16_t
mixed_tx(struct vpdrv *d, uint32_t seed, unsigned int nd)
{
	static const uint32_t cuts[] = { VFT_HDR12, 20 };
	uint8_t pkt[2048];

	vft_fill(pkt, 60 + seed, seed);
	return vpdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, 60 + seed, cuts, nd - 1, false);
}

/*
 * A line of four single descriptors from the avail position (a line's
 * start) with one the batch must not take: with @p cross, the third across
 * the end of R0 (not one host piece); else the second of 3000 bytes, more
 * than an mbuf holds (tx only). The line goes one at a time, each packet
 * whole. Rx (@p rx): buffers of those sizes.
 */
static void
mixed_line(struct virtq *vq, struct vpdrv *d, bool rx, bool cross)
{
	static uint8_t pkt[4][3000];
	struct rte_mbuf *m[4];
	uint32_t len[4] = { 60, 70, 200, 70 };
	struct vdrv_seg s;
	uint16_t ids[4], i;
	uint64_t gpa;

	if (!cross)
		len[1] = 3000 - VFT_HDR12;
	TAP_EQ(vpdrv_avail_pos(d) & 3, 0);
	for (i = 0; i < 4; i++) {
		gpa = cross && i == 2 ? VDRV_R1_GPA - 100 : vdrv_alloc(d->gm, VFT_HDR12 + len[i]);
		s = (struct vdrv_seg){ gpa, VFT_HDR12 + len[i], rx ? VRING_DESC_F_WRITE : 0 };
		vft_fill(pkt[i], len[i], 170 + i);
		memset(vdrv_gva(d->gm, gpa), rx ? 0xee : 0, VFT_HDR12 + len[i]);
		if (!rx)
			memcpy((uint8_t *)vdrv_gva(d->gm, gpa) + VFT_HDR12, pkt[i], len[i]);
		ids[i] = vpdrv_add(d, &s, 1);
	}
	if (rx) {
		for (i = 0; i < 4; i++)
			m[i] = vft_mk_mbuf(vft.pool, pkt[i], len[i], 2048);
		TAP_EQ(virtq_enqueue_burst(vq, m, 4), 4);
		rte_pktmbuf_free_bulk(m, 4);
		for (i = 0; i < 4; i++)
			vpft_expect_rx_pkt(d, ids[i], pkt[i], len[i]);
	} else {
		TAP_EQ(vft_deq(vq, vft.pool, m, 4), 4);
		for (i = 0; i < 4; i++) {
			TAP_CHECK(vft_mbuf_is(m[i], pkt[i], len[i]));
			vpft_expect_used(d, ids[i], 0, false, NULL);
		}
		rte_pktmbuf_free_bulk(m, 4);
	}
	vpft_expect_base(vq, d);
}

/*
 * Batches and single chains mixed: a chain of three among single ones, a
 * line whose 4th descriptor is written but not yet available (the three
 * before it go, it waits), one whose 4th is a chain's head, one with
 * buffers the batch cannot take (mixed_line()); rx: a line with a packet of
 * two segments, one whose 4th buffer is not available, and mixed_line().
 */
static void
test_packed_batch_mixed(void)
{
	static const uint32_t one[] = { 256 };
	static uint8_t pkt[4][200];
	uint32_t seeds[16];
	uint16_t ids[16], f;
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vpdrv d;
	unsigned int i, n;

	if (vpft_start(&vq, &d, 0, 64, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	d.next_id = 40;
	/* 0, 1 single; 2..4 one chain; 5..12 single. */
	for (n = 0; n < 11; n++) {
		seeds[n] = n + 1;
		ids[n] = mixed_tx(&d, seeds[n], n == 2 ? 3 : 1);
	}
	mixed_expect(&vq, &d, ids, seeds, 11, true);
	/* 13..15: up to the next line. */
	for (n = 0; n < 3; n++) {
		seeds[n] = 20 + n;
		ids[n] = mixed_tx(&d, seeds[n], 1);
	}
	mixed_expect(&vq, &d, ids, seeds, 3, true);
	/* 16..19, the last one written but its flags not yet. */
	for (n = 0; n < 4; n++) {
		seeds[n] = 30 + n;
		ids[n] = mixed_tx(&d, seeds[n], 1);
	}
	f = d.desc[19].flags;
	d.desc[19].flags = d.desc[20].flags; /* what the last lap left */
	mixed_expect(&vq, &d, ids, seeds, 3, false);
	TAP_EQ(vq.last_avail, 19);
	__atomic_store_n(&d.desc[19].flags, f, __ATOMIC_RELEASE);
	mixed_expect(&vq, &d, &ids[3], &seeds[3], 1, true);
	/* 20..22 single, 23..24 a chain, 25 single. */
	for (n = 0; n < 5; n++) {
		seeds[n] = 40 + n;
		ids[n] = mixed_tx(&d, seeds[n], n == 3 ? 2 : 1);
	}
	mixed_expect(&vq, &d, ids, seeds, 5, true);
	/* 26, 27 single; the line 28..31 with a packet too big for an mbuf,
	 * 32..35 with one across the end of R0, each in one descriptor. */
	for (n = 0; n < 2; n++) {
		seeds[n] = 50 + n;
		ids[n] = mixed_tx(&d, seeds[n], 1);
	}
	mixed_expect(&vq, &d, ids, seeds, 2, true);
	mixed_line(&vq, &d, false, false);
	mixed_line(&vq, &d, false, true);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 64, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	/* A line of four where the second packet has two segments. */
	for (i = 0; i < 4; i++) {
		ids[i] = vpdrv_rx(&d, one, 1, false);
		vft_fill(pkt[i], 60 + 30 * i, 100 + i);
		m[i] = vft_mk_mbuf(vft.pool, pkt[i], 60 + 30 * i, i == 1 ? 50 : 2048);
	}
	TAP_EQ(m[1]->nb_segs, 2);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 4), 4);
	for (i = 0; i < 4; i++)
		vpft_expect_rx_pkt(&d, ids[i], pkt[i], 60 + 30 * i);
	/* A line whose 4th buffer is not available yet: three placed. */
	for (i = 0; i < 4; i++)
		ids[i] = vpdrv_rx(&d, one, 1, false);
	f = d.desc[7].flags;
	d.desc[7].flags = d.desc[8].flags;
	TAP_EQ(virtq_enqueue_burst(&vq, m, 4), 3);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 1);
	for (i = 0; i < 3; i++)
		vpft_expect_rx_pkt(&d, ids[i], pkt[i], 60 + 30 * i);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	__atomic_store_n(&d.desc[7].flags, f, __ATOMIC_RELEASE);
	TAP_EQ(virtq_enqueue_burst(&vq, &m[3], 1), 1);
	vpft_expect_rx_pkt(&d, ids[3], pkt[3], 60 + 30 * 3);
	rte_pktmbuf_free_bulk(m, 4);
	vpft_expect_base(&vq, &d);
	/* The line 8..11 with one buffer across the end of R0. */
	mixed_line(&vq, &d, true, true);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_GUEST_RING_FULL), 0);
	virtq_fini(&vq);
}

/* --- used descriptors in order -------------------------------------------- */

/*
 * VIRTIO_F_IN_ORDER: a tx burst is given back by one used descriptor, at
 * the first chain's position, with the last buffer's id; the descriptors
 * after it stay as the driver made them available. Rx writes one used
 * descriptor per buffer still (their lengths differ).
 */
static void
test_packed_in_order(void)
{
	static const uint16_t nd[] = { 1, 2, 1, 3, 1 };
	static const uint32_t one[] = { 512 };
	static uint8_t pkt[3][200];
	struct rte_mbuf *m[8];
	struct vpdrv_used u;
	uint32_t seeds[8];
	uint16_t ids[8], pos[8];
	struct virtq vq;
	struct vpdrv d;
	unsigned int i;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VPFT_F_IN_ORDER) < 0)
		return;
	for (i = 0; i < RTE_DIM(nd); i++) {
		seeds[i] = i + 1;
		pos[i] = vpdrv_avail_pos(&d);
		ids[i] = mixed_tx(&d, seeds[i], nd[i]);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), RTE_DIM(nd));
	rte_pktmbuf_free_bulk(m, RTE_DIM(nd));
	/* The heads after the first still say available, not used. */
	for (i = 1; i < RTE_DIM(nd); i++)
		TAP_EQ(d.desc[pos[i] & 0x7fff].flags & (VPDRV_F_AVAIL | VPDRV_F_USED),
		       VPDRV_F_AVAIL);
	TAP_EQ(vpdrv_used_pending(&d), 1);
	vpft_expect_used(&d, ids[RTE_DIM(nd) - 1], 0, false, &u);
	TAP_EQ(u.pos, pos[0]);
	TAP_EQ(u.nbufs, RTE_DIM(nd));
	TAP_EQ(u.ndesc, 8);
	/* The next burst's at 8; a burst of one is one buffer. */
	for (i = 0; i < 3; i++)
		ids[i] = mixed_tx(&d, 10 + i, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 3);
	rte_pktmbuf_free_bulk(m, 3);
	vpft_expect_used(&d, ids[2], 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(8, 1));
	TAP_EQ(u.nbufs, 3);
	ids[0] = mixed_tx(&d, 20, 2);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 1);
	rte_pktmbuf_free_bulk(m, 1);
	vpft_expect_used(&d, ids[0], 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(11, 1));
	TAP_EQ(u.nbufs, 1);
	/* Across the ring's end: 13..15 and 0..1 of the next lap. */
	for (i = 0; i < 4; i++)
		ids[i] = mixed_tx(&d, 30 + i, i == 1 ? 2 : 1);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 4);
	rte_pktmbuf_free_bulk(m, 4);
	vpft_expect_used(&d, ids[3], 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(13, 1));
	TAP_EQ(u.ndesc, 5);
	TAP_EQ(vpdrv_used_pos(&d), VPDRV_POS(2, 0));
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VPFT_F_IN_ORDER) < 0)
		return;
	for (i = 0; i < 3; i++) {
		ids[i] = vpdrv_rx(&d, one, 1, false);
		m[i] = vft_pkt_mbuf(pkt[i], 50 + 40 * i, 110 + i);
	}
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 3);
	rte_pktmbuf_free_bulk(m, 3);
	TAP_EQ(vpdrv_used_pending(&d), 3);
	for (i = 0; i < 3; i++)
		vpft_expect_rx_pkt(&d, ids[i], pkt[i], 50 + 40 * i);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* --- mergeable rx buffers, packets too big ---------------------------------- */

/* Check the next @p nbufs used descriptors: buffers @p ids with @p lens
 * bytes, a header saying @p nbufs, and @p pkt (@p len bytes) over them. */
static void
mrg_expect(struct vpdrv *d, const uint16_t *ids, const uint32_t *lens,
	   uint16_t nbufs, const uint8_t *pkt, uint32_t len)
{
	static uint8_t got[VFT_HDR12 + 8192];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct vpdrv_used u;
	uint32_t off = 0;
	uint16_t i;

	for (i = 0; i < nbufs; i++) {
		if (!vpft_expect_used(d, ids[i], lens[i], true, &u))
			return;
		if (off + lens[i] > sizeof(got))
			return;
		TAP_EQ(vpdrv_buf_read(d, &u.buf, got + off, lens[i]), lens[i]);
		off += lens[i];
	}
	TAP_EQ(off, VFT_HDR12 + len);
	memcpy(&h, got, sizeof(h));
	TAP_CHECK(memcmp(&h.hdr, &vft_zero_hdr.hdr, VFT_HDR10) == 0);
	TAP_EQ(h.num_buffers, nbufs);
	TAP_CHECK(memcmp(got + VFT_HDR12, pkt, len) == 0);
}

/*
 * Mergeable rx buffers: packets over as many buffers as they need, one
 * used descriptor per buffer (a chain of two among them, a header split
 * over two descriptors), num_buffers in the first; a packet the ring cannot
 * hold whole takes nothing and goes once there is room.
 */
static void
test_packed_mrg(void)
{
	static const uint32_t k1[] = { 1024 };
	static const uint32_t k2[] = { 512, 512 };
	static const uint32_t split[] = { 8, 1000 };
	static const uint32_t len[] = { 3000, 100, 1500, 1500 };
	static const uint32_t used_len[] = { 1024, 1024, 964, 112, 1024, 488, 1008, 504 };
	static uint8_t pkt[5][3000];
	struct rte_mbuf *m[5];
	struct vpdrv_used u;
	struct virtq vq;
	struct vpdrv d;
	uint16_t ids[9];
	unsigned int i;

	if (vpft_start(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_MRG) < 0)
		return;
	for (i = 0; i < 4; i++)
		ids[i] = vpdrv_rx(&d, k1, 1, false);
	ids[4] = vpdrv_rx(&d, k2, 2, false);
	ids[5] = vpdrv_rx(&d, k1, 1, false);
	ids[6] = vpdrv_rx(&d, split, 2, false);
	ids[7] = vpdrv_rx(&d, k1, 1, false);
	for (i = 0; i < RTE_DIM(len); i++)
		m[i] = vft_pkt_mbuf(pkt[i], len[i], 120 + i);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 4), 4);
	rte_pktmbuf_free_bulk(m, 4);
	TAP_EQ(vpdrv_used_pending(&d), 8);
	mrg_expect(&d, &ids[0], &used_len[0], 3, pkt[0], len[0]);
	mrg_expect(&d, &ids[3], &used_len[3], 1, pkt[1], len[1]);
	mrg_expect(&d, &ids[4], &used_len[4], 2, pkt[2], len[2]);
	mrg_expect(&d, &ids[6], &used_len[6], 2, pkt[3], len[3]);
	TAP_EQ(vq.stats.pkts, 4);
	vpft_expect_base(&vq, &d);
	/* 2000 bytes, one buffer of 1024: nothing taken. */
	ids[0] = vpdrv_rx(&d, k1, 1, false);
	m[4] = vft_pkt_mbuf(pkt[4], 2000, 130);
	TAP_EQ(virtq_enqueue_burst(&vq, &m[4], 1), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 1);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.last_avail, 10);
	/* Another buffer: it goes over both. */
	ids[1] = vpdrv_rx(&d, k1, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m[4], 1), 1);
	rte_pktmbuf_free(m[4]);
	mrg_expect(&d, ids, (const uint32_t []){ 1024, 988 }, 2, pkt[4], 2000);
	TAP_CHECK(!vpdrv_used_next(&d, &u));
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_GUEST_RING_FULL), 0);
	virtq_fini(&vq);
}

/*
 * Without mergeable buffers a packet too big for the next buffer is not
 * placed (packet_too_big) and the next packet that fits takes that buffer;
 * the placed ones come first in pkts[], in order. With no buffer at all the
 * burst is counted guest_ring_full.
 */
static void
test_packed_too_big(void)
{
	static const uint32_t bufs[] = { 256, 256, 40, 256, 2000 };
	static const uint32_t len[] = { 60, 60, 60, 20, 200 };
	static uint8_t pkt[RTE_DIM(len)][200];
	struct rte_mbuf *m[RTE_DIM(len)], *orig[RTE_DIM(len)];
	uint16_t ids[RTE_DIM(bufs)];
	struct virtq vq;
	struct vpdrv d;
	unsigned int i;

	if (vpft_start(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	for (i = 0; i < RTE_DIM(bufs); i++)
		ids[i] = vpdrv_rx(&d, &bufs[i], 1, false);
	for (i = 0; i < RTE_DIM(len); i++)
		orig[i] = m[i] = vft_pkt_mbuf(pkt[i], len[i], 140 + i);
	TAP_EQ(virtq_enqueue_burst(&vq, m, RTE_DIM(len)), 4);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 1);
	TAP_CHECK(m[0] == orig[0] && m[1] == orig[1] && m[2] == orig[3] &&
		  m[3] == orig[4] && m[4] == orig[2]);
	vpft_expect_rx_pkt(&d, ids[0], pkt[0], len[0]);
	vpft_expect_rx_pkt(&d, ids[1], pkt[1], len[1]);
	vpft_expect_rx_pkt(&d, ids[2], pkt[3], len[3]);
	vpft_expect_rx_pkt(&d, ids[3], pkt[4], len[4]);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	/* The one left over goes into the last buffer. */
	TAP_EQ(virtq_enqueue_burst(&vq, &orig[2], 1), 1);
	vpft_expect_rx_pkt(&d, ids[4], pkt[2], len[2]);
	/* No buffer at all. */
	TAP_EQ(virtq_enqueue_burst(&vq, orig, 3), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_GUEST_RING_FULL], 3);
	/* Bigger than the only buffer: it stays for a smaller packet. */
	ids[0] = vpdrv_rx(&d, (const uint32_t []){ 100 }, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &orig[4], 1), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 2);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(virtq_enqueue_burst(&vq, &orig[0], 1), 1);
	vpft_expect_rx_pkt(&d, ids[0], pkt[0], len[0]);
	rte_pktmbuf_free_bulk(orig, RTE_DIM(len));
	TAP_EQ(vq.stats.pkts, 6);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

/* --- offloads in lines of four ----------------------------------------------- */

/* An Ethernet + IPv4 + TCP frame (no options) with @p payload bytes of seed
 * @p seed. Returns its length. */
static uint32_t
tcp4_frame(uint8_t *buf, uint32_t payload, uint32_t seed)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);
	uint32_t len = sizeof(*eth) + sizeof(*ip) + sizeof(*tcp) + payload;

	vft_fill(buf, len, seed);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(*eth));
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	tcp->data_off = 5 << 4;
	return len;
}

/*
 * With offloads negotiated, a tx header that asks for a checksum keeps its
 * line of four from going as a batch: it gets its offload flags, the
 * others none, all whole. Rx headers from mbuf flags are written in a
 * batch as well.
 */
static void
test_packed_offload(void)
{
	static const uint32_t one[] = { 256 };
	static uint8_t frame[4][200], got[VFT_HDR12 + 200];
	struct virtio_net_hdr_mrg_rxbuf h;
	const uint64_t want = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	struct rte_mbuf *m[4];
	struct vpdrv_used u;
	uint32_t len[4];
	uint16_t id[4], i;
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	for (i = 0; i < 4; i++) {
		len[i] = tcp4_frame(frame[i], 60 + i, 160 + i);
		memset(&h, 0, sizeof(h));
		if (i == 2) {
			h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			h.hdr.csum_start = 34;
			h.hdr.csum_offset = 16;
		}
		id[i] = vpdrv_tx(&d, &h, VFT_HDR12, frame[i], len[i], NULL, 0, false);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 4);
	for (i = 0; i < 4; i++) {
		TAP_CHECK(vft_mbuf_is(m[i], frame[i], len[i]));
		TAP_EQ(m[i]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, i == 2 ? want : 0);
		vpft_expect_used(&d, id[i], 0, false, NULL);
	}
	TAP_EQ(m[2]->l2_len, 14);
	TAP_EQ(m[2]->l3_len, 20);
	rte_pktmbuf_free_bulk(m, 4);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_OFFLOADS) < 0)
		return;
	for (i = 0; i < 4; i++) {
		id[i] = vpdrv_rx(&d, one, 1, false);
		m[i] = vft_mk_mbuf(vft.pool, frame[i], len[i], 2048);
	}
	m[1]->ol_flags |= want;
	m[1]->l2_len = 14;
	m[1]->l3_len = 20;
	m[1]->l4_len = 20;
	TAP_EQ(virtq_enqueue_burst(&vq, m, 4), 4);
	rte_pktmbuf_free_bulk(m, 4);
	for (i = 0; i < 4; i++) {
		if (!vpft_expect_used(&d, id[i], VFT_HDR12 + len[i], true, &u))
			continue;
		vpdrv_buf_read(&d, &u.buf, got, VFT_HDR12 + len[i]);
		memcpy(&h, got, sizeof(h));
		TAP_EQ(h.num_buffers, 1);
		TAP_EQ(h.hdr.flags, i == 1 ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0);
		TAP_EQ(h.hdr.csum_start, i == 1 ? 34 : 0);
		TAP_EQ(h.hdr.csum_offset, i == 1 ? 16 : 0);
		TAP_EQ(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		TAP_CHECK(memcmp(got + VFT_HDR12, frame[i], len[i]) == 0);
	}
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* --- the chain walker -------------------------------------------------------- */

/*
 * virtq_chain_walk() on a packed ring takes positions: the chain's buffer
 * id and length in the ring come back; positions before last_avail are in
 * the next lap; one not available, one outside the ring, the wrong
 * direction are refused.
 */
static void
test_packed_chain_walk(void)
{
	static const uint32_t cuts[] = { VFT_HDR12, 100 };
	static struct virtq_chain c;
	struct rte_mbuf *m[16];
	uint8_t pkt[400];
	struct virtq vq;
	struct vpdrv d;
	uint16_t id[3], i;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	vft_fill(pkt, sizeof(pkt), 150);
	id[0] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 400, cuts, 2, false);
	id[1] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 400, cuts, 2, true);
	id[2] = vpft_tx_simple(&d, 60, 151);
	TAP_EQ(virtq_chain_walk(&vq, 0, false, &c), 0);
	TAP_EQ(c.head, id[0]);
	TAP_EQ(c.ndesc, 3);
	TAP_EQ(c.nvec, 3);
	TAP_EQ(c.len, VFT_HDR12 + 400);
	TAP_EQ(virtq_chain_walk(&vq, 3, false, &c), 0);
	TAP_EQ(c.head, id[1]);
	TAP_EQ(c.ndesc, 1);
	TAP_EQ(c.nvec, 3);
	TAP_EQ(c.len, VFT_HDR12 + 400);
	TAP_EQ(virtq_chain_walk(&vq, 4, false, &c), 0);
	TAP_EQ(c.head, id[2]);
	TAP_EQ(c.len, VFT_HDR12 + 60);
	TAP_CHECK(c.vec[0].addr == vdrv_hva(&vft.gm, d.desc[4].addr));
	TAP_EQ(virtq_chain_walk(&vq, 5, false, &c), -VIRTQ_ERR_AVAIL_FLIP);
	TAP_EQ(virtq_chain_walk(&vq, 16, false, &c), -VIRTQ_ERR_BAD_HEAD);
	TAP_EQ(virtq_chain_walk(&vq, UINT16_MAX, true, &c), -VIRTQ_ERR_BAD_HEAD);
	/* Walked to its end all the same. */
	TAP_EQ(virtq_chain_walk(&vq, 0, true, &c), -VIRTQ_ERR_WRONG_DIR);
	TAP_EQ(c.ndesc, 3);
	/* Walking takes nothing. */
	TAP_EQ(vq.last_avail, 0);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 3);
	rte_pktmbuf_free_bulk(m, 3);
	for (i = 0; i < 3; i++)
		vpft_expect_used(&d, id[i], 0, false, NULL);
	/* Position 0 is now in the next lap: not there until made available. */
	TAP_EQ(virtq_chain_walk(&vq, 0, false, &c), -VIRTQ_ERR_AVAIL_FLIP);
	for (i = 5; i < 16; i++)
		vpft_tx_simple(&d, 60, i);
	id[0] = vpft_tx_simple(&d, 70, 152);
	TAP_EQ(virtq_chain_walk(&vq, 0, false, &c), 0);
	TAP_EQ(c.head, id[0]);
	TAP_EQ(c.len, VFT_HDR12 + 70);
	TAP_EQ(virtq_chain_walk(&vq, 15, false, &c), 0);
	TAP_EQ(virtq_chain_walk(&vq, 1, false, &c), -VIRTQ_ERR_AVAIL_FLIP);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 12);
	rte_pktmbuf_free_bulk(m, 12);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_packed_init);
	TAP_RUN(test_packed_tx_basic);
	TAP_RUN(test_packed_tx_chains);
	TAP_RUN(test_packed_rx_basic);
	TAP_RUN(test_packed_batch_mixed);
	TAP_RUN(test_packed_in_order);
	TAP_RUN(test_packed_mrg);
	TAP_RUN(test_packed_too_big);
	TAP_RUN(test_packed_offload);
	TAP_RUN(test_packed_chain_walk);
	vft_env_fini();
	return tap_done();
}
