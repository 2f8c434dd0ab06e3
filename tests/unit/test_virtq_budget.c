/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq's byte budget on dequeue, on split and packed rings: a burst
 * ends with the packet that brings its bytes to the budget (that one is
 * taken, so a burst takes at least one), the next burst goes on from
 * there with the contents intact, a budget above everything leaves the
 * packet count as the only bound, and the paths that take chains
 * differently (split's one-descriptor fast path and its walk, packed
 * batches of four and single chains, zero-copy) cut at the same packet.
 */

#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_pfixture.h"

#define BUD_RING 64      /* ring size of every case */
#define BUD_JUMBO 9000   /* jumbo packet bytes: 5 mbufs, never batched */
#define BUD_SMALL 1000   /* small packet bytes: one mbuf, batched on packed rings */
#define BUD_PKTS 16      /* packets a case publishes */
#define BUD_SEED 100     /* seed of the first packet (vft_fill()); then one more each */

/* The guest side of a case: a split or a packed ring, and what it published. */
struct bud_ring {
	bool packed;                /* The packed driver, else the split one. */
	struct vdrv d;              /* Split driver. */
	struct vpdrv pd;            /* Packed driver. */
	uint16_t ids[BUD_PKTS];     /* Heads (packed: buffer ids), in publishing order. */
	unsigned int published;     /* Packets published. */
	unsigned int taken;         /* Packets dequeued so far. */
	unsigned int used;          /* Used entries checked so far. */
};

/* One burst of a sequence: its byte budget and the packets it must take. */
struct bud_step {
	uint32_t max_bytes;  /* Byte budget. */
	uint16_t want;       /* Packets it takes. */
	uint16_t n;          /* Packets asked for; 0: BUD_PKTS. */
};

/* Begin a case: @p r's ring of BUD_RING entries under @p vq, VERSION_1,
 * zero-copy from @p zcopy_min bytes (0: none). */
static int
bud_start(struct virtq *vq, struct bud_ring *r, bool packed, uint32_t zcopy_min)
{
	struct virtq_params p;
	int ret;

	memset(r, 0, sizeof(*r));
	r->packed = packed;
	vft_begin();
	if (packed) {
		vpdrv_init(&r->pd, &vft.gm, 0, BUD_RING, VPFT_FRESH);
		vpdrv_params(&r->pd, &p, VFT_F_V1, vft.callfd);
	} else {
		vdrv_init(&r->d, &vft.gm, 0, BUD_RING, 0);
		vdrv_params(&r->d, &p, VFT_F_V1, vft.callfd);
	}
	p.zcopy_min = zcopy_min;
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	TAP_EQ(vq->packed, packed);
	return ret;
}

/* Publish @p n tx packets of @p len bytes: header and packet in one
 * descriptor, or with @p two the header in a descriptor of its own. */
static void
bud_tx(struct bud_ring *r, unsigned int n, uint32_t len, bool two)
{
	static const uint32_t cuts[] = { VFT_HDR12 };
	static uint8_t pkt[BUD_JUMBO];
	unsigned int i;

	for (i = 0; i < n && r->published < BUD_PKTS; i++) {
		vft_fill(pkt, len, BUD_SEED + r->published);
		r->ids[r->published++] = r->packed ?
			vpdrv_tx(&r->pd, &vft_zero_hdr, VFT_HDR12, pkt, len, cuts, two,
				 false) :
			vdrv_tx(&r->d, &vft_zero_hdr, VFT_HDR12, pkt, len, cuts, two, false);
	}
}

/* Check that the guest has exactly @p n new used entries, the next
 * published chains' in order, each of length 0. */
static void
bud_expect_used(struct bud_ring *r, unsigned int n)
{
	unsigned int i;

	TAP_EQ(r->packed ? vpdrv_used_pending(&r->pd) : vdrv_used_pending(&r->d), n);
	for (i = 0; i < n && r->used < r->published; i++, r->used++) {
		if (r->packed)
			vpft_expect_used(&r->pd, r->ids[r->used], 0, false, NULL);
		else
			vft_expect_used(&r->d, r->ids[r->used], 0);
	}
}

/*
 * Dequeue up to @p n packets within @p max_bytes and check that exactly
 * the next @p want published packets come, each @p len bytes as
 * published; frees them. Copied packets (!@p zc) give their chains back
 * in the same burst: their used entries are checked too.
 */
static void
bud_expect(struct virtq *vq, struct bud_ring *r, uint16_t n, uint32_t max_bytes,
	   uint16_t want, uint32_t len, bool zc)
{
	static uint8_t pkt[BUD_JUMBO];
	struct rte_mbuf *m[VIRTQ_MAX_BURST];
	uint16_t got, i;

	memset(m, 0, sizeof(m));
	got = virtq_dequeue_burst(vq, vft.pool, m, n, max_bytes);
	TAP_EQ(got, want);
	for (i = 0; i < got && i < want; i++) {
		vft_fill(pkt, len, BUD_SEED + r->taken + i);
		TAP_CHECK(vft_mbuf_is(m[i], pkt, len));
	}
	rte_pktmbuf_free_bulk(m, n);
	r->taken += got;
	if (!zc)
		bud_expect_used(r, got);
}

/* The end of a case: every packet taken and counted once, nothing else
 * counted, every mbuf back. */
static void
bud_end(struct virtq *vq, struct bud_ring *r, uint32_t len)
{
	TAP_EQ(r->taken, r->published);
	TAP_EQ(vq->stats.pkts, r->published);
	TAP_EQ(vq->stats.bytes, (uint64_t)r->published * len);
	TAP_EQ(vft_other_errors(vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(vq);
}

/*
 * On a split and on a packed ring: publish BUD_PKTS packets of @p len
 * bytes (each in two descriptors with @p two), take them in @p nb bursts
 * as @p steps say, and end the case.
 */
static void
bud_run(const struct bud_step *steps, unsigned int nb, uint32_t len, bool two)
{
	struct bud_ring r;
	struct virtq vq;
	unsigned int i;
	int packed;

	for (packed = 0; packed < 2; packed++) {
		if (bud_start(&vq, &r, packed, 0) < 0)
			return;
		bud_tx(&r, BUD_PKTS, len, two);
		for (i = 0; i < nb; i++)
			bud_expect(&vq, &r, steps[i].n ? steps[i].n : BUD_PKTS, steps[i].max_bytes,
				   steps[i].want, len, false);
		bud_end(&vq, &r, len);
	}
}

/* 16 jumbo packets, 32 KiB a burst: four each time, the fourth crossing
 * the budget (3 * 9000 < 32768 <= 4 * 9000), then nothing. */
static void
test_budget_jumbo(void)
{
	static const struct bud_step steps[] = {
		{ 32768, 4, 0 }, { 32768, 4, 0 }, { 32768, 4, 0 }, { 32768, 4, 0 }, { 32768, 0, 0 },
	};

	bud_run(steps, RTE_DIM(steps), BUD_JUMBO, false);
}

/* Where a burst ends: a budget under one packet still takes it; one the
 * third packet reaches exactly ends there; one byte more takes a fourth;
 * one above what is left takes the rest. */
static void
test_budget_edges(void)
{
	static const struct bud_step steps[] = {
		{ 1, 1, 0 },
		{ 3 * BUD_JUMBO, 3, 0 },
		{ 3 * BUD_JUMBO + 1, 4, 0 },
		{ 1u << 20, 8, 0 },
		{ UINT32_MAX, 0, 0 },
	};

	bud_run(steps, RTE_DIM(steps), BUD_JUMBO, false);
}

/* A budget above everything the ring holds (vdp's default, 512 KiB, over
 * 16 * 9000 bytes): the packet count is the only bound. */
static void
test_budget_above_all(void)
{
	static const struct bud_step part[] = { { 524288, 12, 12 }, { 524288, 4, 0 } };
	static const struct bud_step all[] = { { 524288, BUD_PKTS, 0 } };

	bud_run(part, RTE_DIM(part), BUD_JUMBO, false);
	bud_run(all, RTE_DIM(all), BUD_JUMBO, false);
}

/*
 * Small packets, in one descriptor each (split: the fast path; packed:
 * batches of four from each line's start) and in two (split: the walk;
 * packed: one chain at a time): the same cuts. From line start 0, 2500
 * bytes end at the third packet, so the batch is not taken; 1000 takes
 * one, to the next line; 3500 takes a batch whose fourth crosses; 4500 a
 * batch, then one packet of the next line; the rest.
 */
static void
test_budget_batches(void)
{
	static const struct bud_step steps[] = {
		{ 2500, 3, 0 },
		{ 1000, 1, 0 },
		{ 3500, 4, 0 },
		{ 4500, 5, 0 },
		{ UINT32_MAX, 3, 0 },
	};

	bud_run(steps, RTE_DIM(steps), BUD_SMALL, false);
	bud_run(steps, RTE_DIM(steps), BUD_SMALL, true);
}

/* Zero-copied jumbo packets are cut as copied ones; their chains go back,
 * in order, once their mbufs are freed and a burst collects them. */
static void
test_budget_zcopy(void)
{
	struct bud_ring r;
	struct virtq vq;
	unsigned int i;
	int packed;

	for (packed = 0; packed < 2; packed++) {
		if (bud_start(&vq, &r, packed, 512) < 0)
			return;
		bud_tx(&r, BUD_PKTS, BUD_JUMBO, false);
		for (i = 0; i < BUD_PKTS / 4; i++)
			bud_expect(&vq, &r, BUD_PKTS, 32768, 4, BUD_JUMBO, true);
		TAP_EQ(vq.stats.zc_pkts, BUD_PKTS);
		/* The last four came back after their burst: this one collects them. */
		bud_expect(&vq, &r, BUD_PKTS, 32768, 0, BUD_JUMBO, true);
		bud_expect_used(&r, BUD_PKTS);
		TAP_EQ(virtq_zc_inflight(&vq), 0);
		bud_end(&vq, &r, BUD_JUMBO);
	}
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_budget_jumbo);
	TAP_RUN(test_budget_edges);
	TAP_RUN(test_budget_above_all);
	TAP_RUN(test_budget_batches);
	TAP_RUN(test_budget_zcopy);
	vft_env_fini();
	return tap_done();
}
