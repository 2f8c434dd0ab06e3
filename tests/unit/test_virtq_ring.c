/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq rings: initialisation, kick suppression, guest memory
 * translation, the chain walker, notifications and dirty logging, against
 * the split-ring driver of virtq_driver.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "virtq_fixture.h"

/* --- initialisation and kick suppression --------------------------------- */

static void
test_init_params(void)
{
	static const uint16_t bad_sizes[] = { 0, 3, 6, 100, 255, 32769, 65535 };
	static const struct {
		uint64_t features;  /* Negotiated. */
		uint16_t hdr_len;   /* Expected header length. */
	} hdr[] = {
		{ 0, 10 }, { VFT_F_INDIRECT | VFT_F_EVENT, 10 }, { VFT_F_MRG, 12 },
		{ VFT_F_V1, 12 }, { VFT_F_V1 | VFT_F_MRG, 12 },
	};
	struct virtq_params p;
	struct virtq vq;
	struct vdrv d;
	void *big[3];
	unsigned int i;

	vft_begin();
	vdrv_init(&d, &vft.gm, 0, 256, 0);
	for (i = 0; i < RTE_DIM(bad_sizes); i++) {
		vdrv_params(&d, &p, 0, vft.callfd);
		p.size = bad_sizes[i];
		memset(&vq, 0, sizeof(vq));
		TAP_EQ(virtq_init(&vq, &p), -EINVAL);
		virtq_fini(&vq);
	}
	for (i = 0; i < 3; i++) {
		vdrv_params(&d, &p, 0, vft.callfd);
		if (i == 0)
			p.desc = NULL;
		else if (i == 1)
			p.avail = NULL;
		else
			p.used = NULL;
		memset(&vq, 0, sizeof(vq));
		TAP_EQ(virtq_init(&vq, &p), -EINVAL);
		virtq_fini(&vq);
	}
	/* Sizes at both ends of the range. */
	for (i = 1; i <= 256; i *= 2) {
		vdrv_init(&d, &vft.gm, 0, (uint16_t)i, 0);
		vdrv_params(&d, &p, VFT_F_EVENT, vft.callfd);
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_EQ(vq.size, i);
		TAP_EQ(vq.mask, i - 1);
		virtq_fini(&vq);
	}
	big[0] = calloc(VIRTQ_MAX_SIZE, sizeof(struct vring_desc));
	big[1] = calloc(1, sizeof(struct vring_avail) + (VIRTQ_MAX_SIZE + 1) * 2);
	big[2] = calloc(1, sizeof(struct vring_used) +
			   (VIRTQ_MAX_SIZE + 1) * sizeof(struct vring_used_elem));
	TAP_CHECK(big[0] != NULL && big[1] != NULL && big[2] != NULL);
	if (big[0] != NULL && big[1] != NULL && big[2] != NULL) {
		vdrv_params(&d, &p, VFT_F_EVENT, vft.callfd);
		p.desc = big[0];
		p.avail = big[1];
		p.used = big[2];
		p.size = VIRTQ_MAX_SIZE;
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_EQ(vq.mask, VIRTQ_MAX_SIZE - 1);
		virtq_fini(&vq);
	}
	for (i = 0; i < 3; i++)
		free(big[i]);
	/* The header length and feature flags follow the features. */
	vdrv_init(&d, &vft.gm, 0, 256, 0);
	for (i = 0; i < RTE_DIM(hdr); i++) {
		vdrv_params(&d, &p, hdr[i].features, vft.callfd);
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		TAP_EQ(vq.hdr_len, hdr[i].hdr_len);
		TAP_EQ(vq.mrg_rxbuf, !!(hdr[i].features & VFT_F_MRG));
		TAP_EQ(vq.event_idx, !!(hdr[i].features & VFT_F_EVENT));
		TAP_EQ(vq.indirect, !!(hdr[i].features & VFT_F_INDIRECT));
		TAP_CHECK(!vq.broken);
		TAP_CHECK(vq.shadow != NULL);
		virtq_fini(&vq);
		virtq_fini(&vq);
	}
	memset(&vq, 0, sizeof(vq));
	virtq_fini(&vq);
}

/* Without EVENT_IDX: VRING_USED_F_NO_NOTIFY stays up, whatever the bursts do. */
static void
test_kick_suppress_flag(void)
{
	struct rte_mbuf *m[4];
	uint32_t len = 1024;
	struct virtq vq;
	struct vdrv d;
	uint8_t pkt[64];

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	vft_tx_simple(&d, 60, 1);
	vft_expect_tx_pkt(&vq, 60, 1);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	virtq_fini(&vq);

	/* The same on an rx queue after enqueue. */
	if (vft_setup(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	vdrv_rx(&d, &len, 1, false);
	m[0] = vft_pkt_mbuf(pkt, sizeof(pkt), 2);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	rte_pktmbuf_free(m[0]);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	virtq_fini(&vq);
}

/* No kick is asked for while up to a ring's worth of new entries arrives after @p old. */
static bool
no_kick_window(const struct vdrv *d, uint16_t old)
{
	uint16_t ae = vdrv_avail_event(d);
	uint32_t k;

	for (k = 1; k <= d->size; k++)
		if (vring_need_event(ae, (uint16_t)(old + k), old)) {
			printf("# avail_event %u asks for a kick at %u (old %u)\n",
			       ae, (uint16_t)(old + k), old);
			return false;
		}
	return true;
}

/*
 * With EVENT_IDX: avail_event keeps the guest from kicking after every
 * burst, for more than 2^16 entries (an avail_event left behind is only
 * passed again once the index laps), in both directions.
 */
static void
test_kick_suppress_event_idx(void)
{
	enum { ROUNDS = 65536 / 16 + 8 };  /* Past a whole lap of the index. */
	struct rte_mbuf *m[16];
	uint32_t len = 128, bad = 0;  /* rx buffers: room for header + pkt. */
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	uint16_t i, n;
	int round;

	if (vft_start(&vq, &d, 0, 16, 65530, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 0);
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	for (round = 0; round < ROUNDS && bad < 3; round++) {
		for (i = 0; i < 16; i++)
			vft_tx_simple(&d, 8, i);
		n = vft_deq(&vq, vft.pool, m, 16);
		rte_pktmbuf_free_bulk(m, 16);
		if (n != 16 || vq.last_avail != (uint16_t)(65530 + 16 * (round + 1)))
			bad++;
		bad += !no_kick_window(&d, vq.last_avail);
	}
	TAP_EQ(bad, 0);
	TAP_EQ(vq.stats.pkts, 16 * ROUNDS);
	virtq_fini(&vq);

	/* The same for an rx queue, after each enqueue. */
	if (vft_setup(&vq, &d, 1, 16, 65531, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	m[0] = vft_pkt_mbuf(pkt, sizeof(pkt), 3);
	for (i = 1; i < 16; i++)
		m[i] = m[0];  /* Enqueue copies; the same mbuf 16 times is fine. */
	for (round = 0; round < ROUNDS && bad < 3; round++) {
		for (i = 0; i < 16; i++)
			vdrv_rx(&d, &len, 1, false);
		if (virtq_enqueue_burst(&vq, m, 16) != 16)
			bad++;
		bad += !no_kick_window(&d, vq.last_avail);
	}
	TAP_EQ(bad, 0);
	TAP_EQ(vq.stats.pkts, 16 * ROUNDS);
	rte_pktmbuf_free(m[0]);
	virtq_fini(&vq);
}

/* --- guest memory translation -------------------------------------------- */

static void
test_translate(void)
{
	struct virtq_mem stale = vft.gm.mem;
	uint32_t hint = VDRV_SLOT_R3;
	uint64_t contig = 0;
	uint8_t *h;

	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R0_GPA + 100, 64, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R0_GPA + 100));
	TAP_EQ(contig, 64);
	TAP_EQ(hint, VDRV_SLOT_R0);
	/* The host view really is the guest's memory. */
	*(uint8_t *)vdrv_gva(&vft.gm, VDRV_R0_GPA + 100) = 0x5a;
	TAP_EQ(h[0], 0x5a);

	/* Clipped at R0's end: R1 follows in gpa, not in the host view. */
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R1_GPA - 16, 100, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R1_GPA - 16));
	TAP_EQ(contig, 16);
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R1_GPA, 84, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R1_GPA));
	TAP_EQ(contig, 84);
	TAP_EQ(hint, VDRV_SLOT_R1);
	/* The one-page region. */
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R1_GPA, 8192, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R1_GPA));
	TAP_EQ(contig, VDRV_R1_SIZE);
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R2_GPA - 1, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R2_GPA - 1));
	TAP_EQ(contig, 1);
	/* A wrong hint still finds the region, and moves. */
	hint = VDRV_SLOT_R1;
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R3_GPA + 0x800, 32, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R3_GPA + 0x800));
	TAP_EQ(contig, 32);
	TAP_EQ(hint, VDRV_SLOT_R3);
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_GPA_END - 1, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_GPA_END - 1));
	TAP_EQ(contig, 1);
	hint = VDRV_SLOT_R3;
	h = virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R2_GPA + 5, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R2_GPA + 5));
	TAP_EQ(hint, VDRV_SLOT_R2);

	/* Outside every region. */
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, VDRV_HOLE_GPA, 1, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, VDRV_HOLE_GPA + 0x1000, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, VDRV_R3_GPA - 1, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, 0, 16, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, VDRV_GPA_BASE - 1, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, VDRV_GPA_END, 1, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, UINT64_MAX - 3, 16,
				      &contig) == NULL);
	/* Host addresses are not guest addresses: the hva of R0 is not a gpa. */
	TAP_CHECK(virtq_mem_translate(&vft.gm.mem, &hint, vft.gm.mem.r[VDRV_SLOT_R0].hva,
				      16, &contig) == NULL);

	/* A slot past nregions (a table that shrank) is not a region, hint or not. */
	stale.r[VDRV_NREGIONS].gpa = VDRV_HOLE_GPA;
	stale.r[VDRV_NREGIONS].size = 0x1000;
	stale.r[VDRV_NREGIONS].hva = vft.gm.mem.r[VDRV_SLOT_R0].hva;
	hint = VDRV_NREGIONS;
	TAP_CHECK(virtq_mem_translate(&stale, &hint, VDRV_HOLE_GPA, 16, &contig) == NULL);
	hint = VDRV_NREGIONS;
	h = virtq_mem_translate(&stale, &hint, VDRV_R0_GPA + 8, 8, &contig);
	TAP_CHECK(h == vdrv_hva(&vft.gm, VDRV_R0_GPA + 8));
	TAP_EQ(hint, VDRV_SLOT_R0);
}

/* The walker splits a buffer at every region boundary, and checks direction. */
static void
test_chain_walk_pieces(void)
{
	static struct virtq_chain c;
	struct vdrv_seg s[2], rs;
	uint64_t hdr = VDRV_BUF_GPA;
	uint64_t data = VDRV_R1_GPA - 100;  /* 100 in R0, all of R1, 50 in R2. */
	uint32_t data_len = 100 + VDRV_R1_SIZE + 50;
	static const struct {
		uint64_t gpa;  /* Expected piece start. */
		uint32_t len;  /* Expected piece length. */
	} want[] = {
		{ VDRV_BUF_GPA, VFT_HDR12 },
		{ VDRV_R1_GPA - 100, 100 },
		{ VDRV_R1_GPA, VDRV_R1_SIZE },
		{ VDRV_R2_GPA, 50 },
	};
	struct virtq vq;
	struct vdrv d;
	uint16_t head[3];
	unsigned int i, k;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	s[0] = (struct vdrv_seg){ hdr, VFT_HDR12, 0 };
	s[1] = (struct vdrv_seg){ data, data_len, 0 };
	head[0] = vdrv_add(&d, s, 2);
	head[1] = vdrv_add_indirect(&d, s, 2);
	for (k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		TAP_EQ(virtq_chain_walk(&vq, head[k], false, &c), 0);
		TAP_EQ(c.head, head[k]);
		TAP_EQ(c.nvec, RTE_DIM(want));
		TAP_EQ(c.len, VFT_HDR12 + data_len);
		for (i = 0; i < RTE_DIM(want) && i < c.nvec; i++) {
			TAP_EQ(c.vec[i].gpa, want[i].gpa);
			TAP_EQ(c.vec[i].len, want[i].len);
			TAP_CHECK(c.vec[i].addr == vdrv_hva(&vft.gm, want[i].gpa));
		}
		/* The same chain is not device-writable. */
		TAP_EQ(virtq_chain_walk(&vq, head[k], true, &c), -VIRTQ_ERR_WRONG_DIR);
	}
	rs = (struct vdrv_seg){ VDRV_R1_GPA + 4000, 200, VRING_DESC_F_WRITE };
	head[2] = vdrv_add(&d, &rs, 1);
	TAP_EQ(virtq_chain_walk(&vq, head[2], true, &c), 0);
	TAP_EQ(c.nvec, 2);
	TAP_EQ(c.len, 200);
	TAP_CHECK(c.vec[0].addr == vdrv_hva(&vft.gm, VDRV_R1_GPA + 4000));
	TAP_EQ(c.vec[0].len, 96);
	TAP_CHECK(c.vec[1].addr == vdrv_hva(&vft.gm, VDRV_R2_GPA));
	TAP_EQ(c.vec[1].len, 104);
	TAP_EQ(virtq_chain_walk(&vq, head[2], false, &c), -VIRTQ_ERR_WRONG_DIR);
	/* A head outside the ring must not look like success (an empty chain). */
	TAP_CHECK(virtq_chain_walk(&vq, vq.size, false, &c) < 0);
	TAP_CHECK(virtq_chain_walk(&vq, UINT16_MAX, true, &c) < 0);
	virtq_fini(&vq);
}

/* --- notifications ------------------------------------------------------- */

/* Without EVENT_IDX: one call per burst that completed something, unless NO_INTERRUPT. */
static void
test_notify_flags(void)
{
	struct virtq_params p;
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	/* Nothing to do: no call, nothing counted. */
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 0);
	TAP_EQ(vq.stats.calls_avoided, 0);
	/* Three chains, one call. */
	for (i = 0; i < 3; i++)
		vft_tx_simple(&d, 60, i);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 3);
	rte_pktmbuf_free_bulk(m, 3);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vq.stats.calls, 1);
	/* The guest does not want interrupts. */
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vft_tx_simple(&d, 60, 9);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 1);
	/* An empty burst still counts nothing. */
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	/* Back on: each burst calls once. */
	d.avail->flags = 0;
	vft_tx_simple(&d, 60, 10);
	vft_tx_simple(&d, 60, 11);
	for (i = 0; i < 2; i++) {
		TAP_EQ(vft_deq(&vq, vft.pool, m, 1), 1);
		rte_pktmbuf_free(m[0]);
		TAP_EQ(vft_calls_read(), 1);
	}
	TAP_EQ(vq.stats.calls, 3);
	TAP_EQ(vq.stats.calls_avoided, 1);
	virtq_fini(&vq);

	/* callfd -1: never interrupt, and nothing breaks. */
	vdrv_init(&d, &vft.gm, 0, 16, 0);
	vdrv_params(&d, &p, VFT_F_V1, -1);
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	vft_tx_simple(&d, 60, 12);
	vft_expect_tx_pkt(&vq, 60, 12);
	TAP_EQ(vft_calls_read(), 0);
	virtq_fini(&vq);
}

/* Enqueue obeys the same rule. */
static void
test_notify_rx(void)
{
	static const uint32_t one[] = { 256 };
	struct rte_mbuf *m;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	m = vft_pkt_mbuf(pkt, 64, 1);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vft_calls_read(), 1);
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 1);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

/* Dequeue @p k packets of 60 bytes in one burst and free them. */
static void
tx_burst_of(struct virtq *vq, struct vdrv *d, int k)
{
	struct rte_mbuf *m[16];
	int i;

	for (i = 0; i < k; i++)
		vft_tx_simple(d, 60, i);
	TAP_EQ(vft_deq(vq, vft.pool, m, 16), k);
	rte_pktmbuf_free_bulk(m, k);
}

/* With EVENT_IDX: call iff used_event was crossed since the last call. */
static void
test_notify_event_idx(void)
{
	struct virtq vq;
	struct vdrv d;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	/* The flag means nothing under EVENT_IDX. */
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vdrv_set_used_event(&d, 0);
	tx_burst_of(&vq, &d, 1);              /* used 0 -> 1: first call. */
	TAP_EQ(vft_calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 1 -> 2, event 0 already passed. */
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	vdrv_set_used_event(&d, 3);
	tx_burst_of(&vq, &d, 1);              /* 2 -> 3: entry 3 not written yet. */
	TAP_EQ(vft_calls_read(), 0);
	tx_burst_of(&vq, &d, 1);              /* 3 -> 4: crosses 3. */
	TAP_EQ(vft_calls_read(), 1);
	vdrv_set_used_event(&d, 5);
	tx_burst_of(&vq, &d, 3);              /* 4 -> 7: crosses 5, one call. */
	TAP_EQ(vft_calls_read(), 1);
	vdrv_set_used_event(&d, 6);
	tx_burst_of(&vq, &d, 1);              /* 7 -> 8: 6 was before the last call. */
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 3);
	TAP_EQ(vq.stats.calls_avoided, 3);
	virtq_fini(&vq);

	/* Across the index wrap. */
	if (vft_setup(&vq, &d, 0, 16, 65534, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	vdrv_set_used_event(&d, 65535);
	tx_burst_of(&vq, &d, 1);              /* 65534 -> 65535: first call. */
	TAP_EQ(vft_calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 65535 -> 0: crosses 65535. */
	TAP_EQ(vft_calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 0 -> 1. */
	TAP_EQ(vft_calls_read(), 0);
	vdrv_set_used_event(&d, 2);
	tx_burst_of(&vq, &d, 2);              /* 1 -> 3: crosses 2. */
	TAP_EQ(vft_calls_read(), 1);
	virtq_fini(&vq);
}

/* --- dirty logging ------------------------------------------------------- */

/* What the log ops were told: a byte map of guest memory and one of the used ring. */
static struct {
	uint8_t mem[VDRV_SPAN];   /* 1 per gpa byte reported written. */
	uint8_t used[8192];       /* 1 per used-ring byte reported written. */
	unsigned int writes;      /* write() calls. */
	unsigned int useds;       /* used() calls. */
	unsigned int bad;         /* Reports outside guest memory or the used ring. */
} lg;

static void
log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	RTE_SET_USED(ctx);
	lg.writes++;
	if (!vdrv_gpa_valid(gpa, len) || len == 0) {
		printf("# log write outside guest memory: 0x%" PRIx64 "+%" PRIu64 "\n",
		       gpa, len);
		lg.bad++;
		return;
	}
	memset(lg.mem + (gpa - VDRV_GPA_BASE), 1, len);
}

static void
log_used(void *ctx, uint64_t offset, uint64_t len)
{
	const struct vdrv *d = ctx;
	uint64_t end;

	lg.useds++;
	if (d == NULL) {
		printf("# log used with the context of no queue\n");
		lg.bad++;
		return;
	}
	end = sizeof(struct vring_used) + (d->size + 1) * sizeof(struct vring_used_elem);
	if (offset > end || len > end - offset || len == 0) {
		printf("# log used outside the ring: %" PRIu64 "+%" PRIu64 "\n",
		       offset, len);
		lg.bad++;
		return;
	}
	memset(lg.used + offset, 1, len);
}

static const struct virtq_log_ops log_ops = {
	.write = log_write,
	.used = log_used,
};

/*
 * Begin a case with nothing logged, and set up @p vq over queue @p q of
 * @p d (fresh rings of 16 entries from index @p idx, @p features) logging
 * through log_ops into lg.
 */
static void
log_start(struct virtq *vq, struct vdrv *d, unsigned int q, uint16_t idx,
	  uint64_t features)
{
	struct virtq_params p;

	vft_begin();
	memset(&lg, 0, sizeof(lg));
	vdrv_init(d, &vft.gm, q, 16, idx);
	vdrv_params(d, &p, features, vft.callfd);
	p.log = &log_ops;
	p.log_ctx = d;
	TAP_EQ(vft_init_vq(vq, &p), 0);
}

/*
 * Check the used-ring log: entries [@p from, @p to) (free-running indices)
 * and the idx field were reported, no other entry was.
 */
static void
check_used_log(const struct vdrv *d, uint16_t from, uint16_t to)
{
	uint32_t i, missing = 0, extra = 0;
	uint16_t k;

	for (i = 0; i < d->size; i++) {
		size_t off = offsetof(struct vring_used, ring) +
			     i * sizeof(struct vring_used_elem);
		bool written = false;

		for (k = from; k != to; k++)
			if ((k & (d->size - 1)) == i)
				written = true;
		if (written)
			missing += !lg.used[off] + !lg.used[off + 7];
		else
			extra += lg.used[off] + lg.used[off + 7];
	}
	TAP_EQ(missing, 0);
	TAP_EQ(extra, 0);
	TAP_CHECK(lg.used[offsetof(struct vring_used, idx)] &&
		  lg.used[offsetof(struct vring_used, idx) + 1]);
}

/* Every rx byte written is logged, and nothing else; so are used entries. */
static void
test_log_rx(void)
{
	static const uint32_t one[] = { 256 };
	static const uint32_t two[] = { 100, 300 };
	static uint8_t want[VDRV_SPAN], pkt[600];
	struct vring_used_elem e;
	struct rte_mbuf *m[2];
	struct vdrv_seg s[4];
	uint32_t mismatch = 0, i, j, left;
	struct virtq vq;
	struct vdrv d;
	unsigned int n;

	memset(want, 0, sizeof(want));
	log_start(&vq, &d, 1, 0, VFT_F_V1 | VFT_F_MRG);
	vdrv_rx(&d, one, 1, false);
	vdrv_rx(&d, two, 2, false);
	/* A chain across R0 -> R1 -> R2. */
	s[0] = (struct vdrv_seg){ VDRV_R1_GPA - 30, 4096 + 60, VRING_DESC_F_WRITE };
	vft_push(&d, s, 1);
	vdrv_rx(&d, one, 1, false);
	m[0] = vft_pkt_mbuf(pkt, 600, 100);             /* 612 = 256 + 356 */
	m[1] = vft_mk_mbuf(vft.pool, pkt, 300, 2048);   /* 312 in the 4156-byte chain */
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 2);
	rte_pktmbuf_free_bulk(m, 2);
	/* What was written: the first used.len bytes of each used chain. */
	while (vdrv_used_next(&d, &e)) {
		n = vdrv_chain_segs(&d, (uint16_t)e.id, s, RTE_DIM(s));
		for (i = 0, left = e.len; i < n && left > 0; i++) {
			uint32_t k = RTE_MIN(left, s[i].len);

			memset(want + (s[i].gpa - VDRV_GPA_BASE), 1, k);
			left -= k;
		}
	}
	TAP_EQ(d.used_idx, 3);
	for (j = 0; j < VDRV_SPAN; j++)
		mismatch += want[j] != lg.mem[j];
	TAP_EQ(mismatch, 0);
	TAP_EQ(lg.bad, 0);
	TAP_CHECK(lg.writes > 0);
	check_used_log(&d, 0, 3);
	virtq_fini(&vq);
}

/* A tx queue writes no guest buffer, only used entries. */
static void
test_log_tx(void)
{
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vdrv d;
	int i;

	log_start(&vq, &d, 0, 14, VFT_F_V1);
	for (i = 0; i < 4; i++)
		vft_tx_simple(&d, 60, i);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 4);
	rte_pktmbuf_free_bulk(m, 4);
	TAP_EQ(lg.writes, 0);
	TAP_EQ(lg.bad, 0);
	check_used_log(&d, 14, 18);
	virtq_fini(&vq);
}

/* virtq_set_log() turns logging off and on. */
static void
test_log_switch(void)
{
	static const uint32_t one[] = { 256 };
	struct rte_mbuf *m;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;

	log_start(&vq, &d, 1, 0, VFT_F_V1);
	virtq_set_log(&vq, NULL, NULL);
	memset(&lg, 0, sizeof(lg));  /* virtq_init() may log its used->flags write. */
	m = vft_pkt_mbuf(pkt, 64, 7);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(lg.writes, 0);
	TAP_EQ(lg.useds, 0);
	virtq_fini(&vq);

	/* Off at init, on later. */
	memset(&lg, 0, sizeof(lg));
	vft_setup(&vq, &d, 1, 16, 0, VFT_F_V1);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(lg.writes + lg.useds, 0);
	virtq_set_log(&vq, &log_ops, &d);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_CHECK(lg.writes > 0);
	TAP_CHECK(lg.useds > 0);
	TAP_EQ(lg.bad, 0);
	check_used_log(&d, 1, 2);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_init_params);
	TAP_RUN(test_kick_suppress_flag);
	TAP_RUN(test_kick_suppress_event_idx);
	TAP_RUN(test_translate);
	TAP_RUN(test_chain_walk_pieces);
	TAP_RUN(test_notify_flags);
	TAP_RUN(test_notify_rx);
	TAP_RUN(test_notify_event_idx);
	TAP_RUN(test_log_rx);
	TAP_RUN(test_log_tx);
	TAP_RUN(test_log_switch);
	vft_env_fini();
	return tap_done();
}
