/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq packed rings, around the data path: event suppression both
 * ways (the device area that keeps kicks off, the driver area's ENABLE,
 * DISABLE and DESC with EVENT_IDX, and virtq_packed_need_event() itself),
 * dirty logging of used descriptors and rx buffers, zero-copy dequeue, and
 * running out of mbufs, against the packed driver of virtq_pdriver.c.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_pfixture.h"
#include "virtq_priv.h"

/* --- event suppression -------------------------------------------------- */

/* The device area says DISABLE from virtq_init() on, and again after every
 * burst that found buffers, whatever was written there: the guest never
 * kicks while we poll. */
static void
test_packed_kick_suppress(void)
{
	static const uint32_t one[] = { 256 };
	struct rte_mbuf *m[4];
	uint8_t pkt[64];
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	d.device_area->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
	vpft_tx_simple(&d, 60, 1);
	vft_expect_tx_pkt(&vq, 60, 1);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	d.device_area->flags = VRING_PACKED_EVENT_FLAG_DESC;
	vpft_tx_simple(&d, 60, 2);
	vft_expect_tx_pkt(&vq, 60, 2);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	TAP_EQ(vq.stats.kicks_avoided, 2);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	d.device_area->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
	vpdrv_rx(&d, one, 1, false);
	m[0] = vft_pkt_mbuf(pkt, sizeof(pkt), 3);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	TAP_EQ(vq.stats.kicks_avoided, 1);
	virtq_fini(&vq);
}

/* Make @p k chains of @p nd descriptors available and dequeue them in one burst. */
static void
tx_burst_of(struct virtq *vq, struct vpdrv *d, unsigned int k, unsigned int nd)
{
	static const uint32_t cuts[] = { VFT_HDR12, 20 };
	struct rte_mbuf *m[16];
	struct vpdrv_used u;
	uint8_t pkt[100];
	unsigned int i;

	vft_fill(pkt, sizeof(pkt), k);
	for (i = 0; i < k; i++)
		vpdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), cuts, nd - 1, false);
	TAP_EQ(vft_deq(vq, vft.pool, m, 16), k);
	rte_pktmbuf_free_bulk(m, 16);
	while (vpdrv_used_next(d, &u))
		;
}

/*
 * Without EVENT_IDX: driver area DISABLE, no call; ENABLE, one call per
 * burst that gave something back (none for an empty one); DESC is taken as
 * ENABLE. The same for rx; with callfd -1, never a call.
 */
static void
test_packed_notify_flags(void)
{
	static const uint32_t one[] = { 256 };
	struct virtq_params p;
	struct rte_mbuf *m[4];
	uint8_t pkt[64];
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls + vq.stats.calls_avoided, 0);
	tx_burst_of(&vq, &d, 3, 1);
	TAP_EQ(vft_calls_read(), 1);
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_DISABLE, 0);
	tx_burst_of(&vq, &d, 2, 2);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_ENABLE, 0);
	tx_burst_of(&vq, &d, 1, 1);
	TAP_EQ(vft_calls_read(), 1);
	tx_burst_of(&vq, &d, 4, 1);
	TAP_EQ(vft_calls_read(), 1);
	/* DESC means nothing without EVENT_IDX: a call. */
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_DESC, VPDRV_POS(3, 0));
	tx_burst_of(&vq, &d, 1, 1);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vq.stats.calls, 4);
	TAP_EQ(vq.stats.calls_avoided, 1);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	m[0] = vft_pkt_mbuf(pkt, sizeof(pkt), 4);
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(vft_calls_read(), 1);
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_DISABLE, 0);
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(vft_calls_read(), 0);
	/* No buffer: nothing given back, nothing counted. */
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_ENABLE, 0);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 0);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 1);
	virtq_fini(&vq);

	vpdrv_init(&d, &vft.gm, 1, 16, VPFT_FRESH);
	vpdrv_params(&d, &p, VFT_F_V1, -1);
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(vft_calls_read(), 0);
	TAP_EQ(vq.stats.calls, 0);
	rte_pktmbuf_free(m[0]);
	virtq_fini(&vq);
}

/* Set DESC at (@p idx, @p wrap), run a burst of @p k chains of @p nd, and
 * check that it called @p calls times. */
static void
desc_burst(struct virtq *vq, struct vpdrv *d, uint16_t idx, bool wrap, unsigned int k,
	   unsigned int nd, unsigned int calls)
{
	vpdrv_set_event(d, VRING_PACKED_EVENT_FLAG_DESC, VPDRV_POS(idx, wrap));
	tx_burst_of(vq, d, k, nd);
	TAP_EQ(vft_calls_read(), calls);
}

/*
 * With EVENT_IDX, DESC: a call exactly when the used position passes
 * off_wrap (the first decision always calls), off_wrap a lap ahead or
 * behind not passed, one inside a multi-descriptor chain passed, across
 * the ring's end both ways; ENABLE still calls every burst, DISABLE never,
 * and what passed while disabled is not called for later.
 */
static void
test_packed_notify_desc(void)
{
	static const uint32_t one[] = { 256 };
	struct rte_mbuf *m;
	uint8_t pkt[64];
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	desc_burst(&vq, &d, 0, 1, 1, 1, 1);   /* 0 -> 1: the first decision */
	desc_burst(&vq, &d, 0, 1, 1, 1, 0);   /* 1 -> 2: 0 is behind */
	desc_burst(&vq, &d, 3, 1, 1, 1, 0);   /* 2 -> 3: 3 not yet used */
	desc_burst(&vq, &d, 3, 1, 1, 1, 1);   /* 3 -> 4 */
	desc_burst(&vq, &d, 5, 1, 3, 1, 1);   /* 4 -> 7: one call */
	desc_burst(&vq, &d, 6, 1, 1, 1, 0);   /* 7 -> 8: 6 was passed before */
	desc_burst(&vq, &d, 1, 0, 4, 1, 0);   /* 8 -> 12: 1 of the next lap */
	desc_burst(&vq, &d, 1, 0, 4, 1, 0);   /* 12 -> (0, 0) */
	desc_burst(&vq, &d, 1, 0, 2, 1, 1);   /* (0, 0) -> (2, 0) */
	desc_burst(&vq, &d, 3, 1, 2, 1, 0);   /* (2, 0) -> (4, 0): (3, 1) a lap behind */
	desc_burst(&vq, &d, 5, 0, 1, 3, 1);   /* (4, 0) -> (7, 0): inside the chain */
	desc_burst(&vq, &d, 20, 1, 1, 1, 1);  /* off_wrap outside the ring */
	desc_burst(&vq, &d, 9, 1, 1, 1, 0);   /* (8, 0) -> (9, 0): (9, 1) a lap ahead */
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_DISABLE, VPDRV_POS(10, 0));
	tx_burst_of(&vq, &d, 2, 1);           /* (9, 0) -> (11, 0): disabled */
	TAP_EQ(vft_calls_read(), 0);
	desc_burst(&vq, &d, 10, 0, 1, 1, 0);  /* (11, 0) -> (12, 0): 10 passed while off */
	desc_burst(&vq, &d, 15, 0, 2, 2, 1);  /* (12, 0) -> (0, 1): 15 of this lap */
	desc_burst(&vq, &d, 0, 1, 1, 1, 1);   /* (0, 1) -> (1, 1) */
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_ENABLE, VPDRV_POS(9, 1));
	tx_burst_of(&vq, &d, 1, 1);
	TAP_EQ(vft_calls_read(), 1);
	tx_burst_of(&vq, &d, 1, 1);
	TAP_EQ(vft_calls_read(), 1);
	TAP_EQ(vq.stats.calls, 10);
	TAP_EQ(vq.stats.calls_avoided, 9);
	virtq_fini(&vq);

	/* The same rule for rx. */
	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	m = vft_pkt_mbuf(pkt, sizeof(pkt), 5);
	vpdrv_set_event(&d, VRING_PACKED_EVENT_FLAG_DESC, VPDRV_POS(2, 1));
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vft_calls_read(), 1);
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vft_calls_read(), 0);
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vft_calls_read(), 1);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

/* virtq_packed_need_event() arithmetic: off_wrap in [old, new) of the
 * positions, counted modulo two laps, on rings of any size. */
static void
test_packed_need_event(void)
{
	static const struct {
		uint16_t size;      /* Ring size. */
		uint16_t off_wrap;  /* Driver area's position. */
		uint16_t old;       /* Used position at the last decision. */
		uint16_t new;       /* Used position now. */
		bool want;          /* Whether to call. */
	} c[] = {
		{ 256, VPDRV_POS(2, 1), VPDRV_POS(0, 1), VPDRV_POS(4, 1), true },
		{ 256, VPDRV_POS(0, 1), VPDRV_POS(0, 1), VPDRV_POS(4, 1), true },
		{ 256, VPDRV_POS(3, 1), VPDRV_POS(0, 1), VPDRV_POS(4, 1), true },
		{ 256, VPDRV_POS(4, 1), VPDRV_POS(0, 1), VPDRV_POS(4, 1), false },
		{ 256, VPDRV_POS(3, 0), VPDRV_POS(0, 1), VPDRV_POS(4, 1), false },
		{ 256, VPDRV_POS(255, 0), VPDRV_POS(0, 1), VPDRV_POS(4, 1), false },
		/* Lap 1 into lap 0. */
		{ 256, VPDRV_POS(255, 1), VPDRV_POS(250, 1), VPDRV_POS(6, 0), true },
		{ 256, VPDRV_POS(2, 0), VPDRV_POS(250, 1), VPDRV_POS(6, 0), true },
		{ 256, VPDRV_POS(250, 1), VPDRV_POS(250, 1), VPDRV_POS(6, 0), true },
		{ 256, VPDRV_POS(6, 0), VPDRV_POS(250, 1), VPDRV_POS(6, 0), false },
		{ 256, VPDRV_POS(249, 1), VPDRV_POS(250, 1), VPDRV_POS(6, 0), false },
		{ 256, VPDRV_POS(2, 1), VPDRV_POS(250, 1), VPDRV_POS(6, 0), false },
		/* Lap 0 into lap 1. */
		{ 256, VPDRV_POS(2, 1), VPDRV_POS(250, 0), VPDRV_POS(6, 1), true },
		{ 256, VPDRV_POS(255, 0), VPDRV_POS(250, 0), VPDRV_POS(6, 1), true },
		{ 256, VPDRV_POS(249, 0), VPDRV_POS(250, 0), VPDRV_POS(6, 1), false },
		{ 256, VPDRV_POS(6, 1), VPDRV_POS(250, 0), VPDRV_POS(6, 1), false },
		{ 256, VPDRV_POS(2, 0), VPDRV_POS(250, 0), VPDRV_POS(6, 1), false },
		/* Nothing moved; off_wrap outside the ring. */
		{ 256, VPDRV_POS(7, 1), VPDRV_POS(7, 1), VPDRV_POS(7, 1), false },
		{ 256, VPDRV_POS(256, 1), VPDRV_POS(7, 1), VPDRV_POS(8, 1), true },
		{ 256, VPDRV_POS(0x7fff, 0), VPDRV_POS(7, 1), VPDRV_POS(8, 1), true },
		/* Not a power of two. */
		{ 100, VPDRV_POS(99, 1), VPDRV_POS(98, 1), VPDRV_POS(2, 0), true },
		{ 100, VPDRV_POS(1, 0), VPDRV_POS(98, 1), VPDRV_POS(2, 0), true },
		{ 100, VPDRV_POS(2, 0), VPDRV_POS(98, 1), VPDRV_POS(2, 0), false },
		{ 100, VPDRV_POS(97, 1), VPDRV_POS(98, 1), VPDRV_POS(2, 0), false },
		{ 100, VPDRV_POS(98, 0), VPDRV_POS(98, 1), VPDRV_POS(2, 0), false },
		{ 100, VPDRV_POS(100, 0), VPDRV_POS(98, 1), VPDRV_POS(2, 0), true },
		/* A whole lap in one go. */
		{ 100, VPDRV_POS(5, 1), VPDRV_POS(5, 1), VPDRV_POS(5, 0), true },
		{ 100, VPDRV_POS(4, 0), VPDRV_POS(5, 1), VPDRV_POS(5, 0), true },
		{ 100, VPDRV_POS(5, 0), VPDRV_POS(5, 1), VPDRV_POS(5, 0), false },
		{ 100, VPDRV_POS(4, 1), VPDRV_POS(5, 1), VPDRV_POS(5, 0), false },
		/* A ring of one: every position is a lap. */
		{ 1, VPDRV_POS(0, 1), VPDRV_POS(0, 1), VPDRV_POS(0, 0), true },
		{ 1, VPDRV_POS(0, 0), VPDRV_POS(0, 1), VPDRV_POS(0, 0), false },
		{ 1, VPDRV_POS(0, 0), VPDRV_POS(0, 0), VPDRV_POS(0, 1), true },
		{ 1, VPDRV_POS(0, 1), VPDRV_POS(0, 0), VPDRV_POS(0, 1), false },
		/* The largest ring, across its end. */
		{ 32768, VPDRV_POS(0, 0), VPDRV_POS(32767, 1), VPDRV_POS(1, 0), true },
		{ 32768, VPDRV_POS(32767, 1), VPDRV_POS(32767, 1), VPDRV_POS(1, 0), true },
		{ 32768, VPDRV_POS(1, 0), VPDRV_POS(32767, 1), VPDRV_POS(1, 0), false },
		{ 32768, VPDRV_POS(32766, 1), VPDRV_POS(32767, 1), VPDRV_POS(1, 0), false },
	};
	unsigned int i, bad = 0;

	for (i = 0; i < RTE_DIM(c); i++) {
		bool got = virtq_packed_need_event(c[i].size, c[i].off_wrap, c[i].old, c[i].new);

		if (got != c[i].want) {
			printf("# case %u: size %u off_wrap %#x old %#x new %#x: %d, expected %d\n",
			       i, c[i].size, c[i].off_wrap, c[i].old, c[i].new, got, c[i].want);
			bad++;
		}
	}
	TAP_EQ(bad, 0);
}

/* --- dirty logging -------------------------------------------------------- */

/* What the log ops were told: a byte map of guest memory, and per ring
 * position how often its used descriptor was reported. */
static struct {
	uint8_t mem[VDRV_SPAN];      /* 1 per gpa byte reported written. */
	uint8_t used[VDRV_MAX_SIZE]; /* Reports per descriptor position. */
	unsigned int writes;         /* write() calls. */
	unsigned int useds;          /* used() calls. */
	unsigned int bad;            /* Reports outside guest memory or the ring. */
} lg;

static void
log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	RTE_SET_USED(ctx);
	lg.writes++;
	if (!vdrv_gpa_valid(gpa, len) || len == 0) {
		printf("# log write outside guest memory: 0x%" PRIx64 "+%" PRIu64 "\n", gpa, len);
		lg.bad++;
		return;
	}
	memset(lg.mem + (gpa - VDRV_GPA_BASE), 1, len);
}

static void
log_used(void *ctx, uint64_t offset, uint64_t len)
{
	const struct vpdrv *d = ctx;

	lg.useds++;
	if (d == NULL || len != sizeof(struct vring_packed_desc) ||
	    offset % sizeof(struct vring_packed_desc) != 0 ||
	    offset / sizeof(struct vring_packed_desc) >= d->size) {
		printf("# log used not one descriptor of the ring: %" PRIu64 "+%" PRIu64 "\n",
		       offset, len);
		lg.bad++;
		return;
	}
	lg.used[offset / sizeof(struct vring_packed_desc)]++;
}

static const struct virtq_log_ops log_ops = {
	.write = log_write,
	.used = log_used,
};

/* Begin a case with nothing logged and set up @p vq over a packed ring of
 * @p d (queue @p q, @p size entries from @p base, @p features), logging. */
static int
log_start(struct virtq *vq, struct vpdrv *d, unsigned int q, uint16_t size, uint16_t base,
	  uint64_t features)
{
	struct virtq_params p;
	int ret;

	vft_begin();
	memset(&lg, 0, sizeof(lg));
	vpdrv_init(d, &vft.gm, q, size, base);
	vpdrv_params(d, &p, features, vft.callfd);
	p.log = &log_ops;
	p.log_ctx = d;
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	return ret;
}

/* Take every used descriptor of @p d; count as @p missing those positions
 * not reported exactly once, and return how many were taken. Positions in
 * @p seen are marked. */
static unsigned int
log_take_used(struct vpdrv *d, uint8_t *seen, unsigned int *missing,
	      struct vpdrv_used *all, unsigned int max)
{
	struct vpdrv_used u;
	unsigned int n = 0;

	while (vpdrv_used_next(d, &u)) {
		uint16_t idx = u.pos & ~VPDRV_WRAP_BIT;

		*missing += lg.used[idx] != 1;
		seen[idx] = 1;
		if (n < max)
			all[n] = u;
		n++;
	}
	return n;
}

/* Positions reported that no used descriptor was read at. */
static unsigned int
log_extra(const struct vpdrv *d, const uint8_t *seen)
{
	unsigned int i, extra = 0;

	for (i = 0; i < d->size; i++)
		extra += lg.used[i] != 0 && !seen[i];
	return extra;
}

/*
 * Tx: every used descriptor written is reported once, at offset position
 * * 16, across the ring's end, and nothing else; no guest buffer is. In
 * order, one descriptor a burst, so one report.
 */
static void
test_packed_log_tx(void)
{
	static const uint32_t cuts[] = { VFT_HDR12 };
	uint8_t seen[VDRV_MAX_SIZE] = { 0 }, pkt[100];
	unsigned int missing = 0, i, k;
	struct vpdrv_used u[8];
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vpdrv d;

	for (k = 0; k < 2; k++) {
		if (log_start(&vq, &d, 0, 16, VPDRV_POS(14, 1),
			      VFT_F_V1 | (k ? VPFT_F_IN_ORDER : 0)) < 0)
			return;
		memset(seen, 0, sizeof(seen));
		missing = 0;
		vft_fill(pkt, sizeof(pkt), 7);
		for (i = 0; i < 6; i++)
			vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), cuts,
				 i == 5 ? 1 : 0, false);
		TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 6);
		rte_pktmbuf_free_bulk(m, 6);
		TAP_EQ(log_take_used(&d, seen, &missing, u, RTE_DIM(u)), k ? 1 : 6);
		TAP_EQ(missing, 0);
		TAP_EQ(log_extra(&d, seen), 0);
		TAP_EQ(lg.useds, k ? 1 : 6);
		TAP_EQ(lg.writes, 0);
		TAP_EQ(lg.bad, 0);
		TAP_EQ(u[0].pos, VPDRV_POS(14, 1));
		virtq_fini(&vq);
	}
}

/*
 * Rx, with mergeable buffers: every byte written into a buffer is reported
 * (header, packet, over region ends) and nothing else, and every used
 * descriptor once; virtq_set_log() turns it off and on.
 */
static void
test_packed_log_rx(void)
{
	static const uint32_t one[] = { 1024 };
	static const uint32_t two[] = { 100, 300 };
	static uint8_t want[VDRV_SPAN], pkt[4][4130];
	uint8_t seen[VDRV_MAX_SIZE] = { 0 };
	unsigned int missing = 0, n, i, j, mismatch = 0;
	struct vpdrv_used u[8];
	struct rte_mbuf *m[4];
	struct vdrv_seg s;
	struct virtq vq;
	struct vpdrv d;

	if (log_start(&vq, &d, 1, 16, VPDRV_POS(13, 1), VFT_F_V1 | VFT_F_MRG) < 0)
		return;
	memset(want, 0, sizeof(want));
	vpdrv_rx(&d, one, 1, false);
	vpdrv_rx(&d, two, 2, false);
	s = (struct vdrv_seg){ VDRV_R1_GPA - 30, 4096 + 60, VRING_DESC_F_WRITE };
	vpdrv_add(&d, &s, 1);
	vpdrv_rx(&d, one, 1, false);
	vpdrv_rx(&d, one, 1, false);
	m[0] = vft_pkt_mbuf(pkt[0], 1400, 8);   /* 1024 + 388 of 400 */
	m[1] = vft_pkt_mbuf(pkt[1], 4130, 9);   /* R0 30, R1 4096, R2 16 */
	m[2] = vft_pkt_mbuf(pkt[2], 60, 10);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 3);
	rte_pktmbuf_free_bulk(m, 3);
	n = log_take_used(&d, seen, &missing, u, RTE_DIM(u));
	TAP_EQ(n, 4);
	TAP_EQ(u[1].len, 388);
	TAP_EQ(u[2].len, VFT_HDR12 + 4130);
	TAP_EQ(missing, 0);
	TAP_EQ(log_extra(&d, seen), 0);
	/* What was written: the first len bytes of each used buffer. */
	for (i = 0; i < n && i < RTE_DIM(u); i++) {
		uint32_t left = u[i].len;

		for (j = 0; j < u[i].buf.nsegs && left > 0; j++) {
			uint32_t k = RTE_MIN(left, u[i].buf.segs[j].len);

			memset(want + (u[i].buf.segs[j].gpa - VDRV_GPA_BASE), 1, k);
			left -= k;
		}
	}
	for (j = 0; j < VDRV_SPAN; j++)
		mismatch += want[j] != lg.mem[j];
	TAP_EQ(mismatch, 0);
	TAP_EQ(lg.bad, 0);

	/* Off: nothing reported; on again: reported. */
	virtq_set_log(&vq, NULL, NULL);
	memset(&lg, 0, sizeof(lg));
	vpdrv_rx(&d, one, 1, false);
	m[0] = vft_pkt_mbuf(pkt[0], 100, 11);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(lg.writes + lg.useds, 0);
	virtq_set_log(&vq, &log_ops, &d);
	TAP_EQ(vpdrv_used_next(&d, &u[0]), true);
	memset(seen, 0, sizeof(seen));
	missing = 0;
	vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(log_take_used(&d, seen, &missing, u, RTE_DIM(u)), 1);
	TAP_EQ(missing, 0);
	TAP_EQ(log_extra(&d, seen), 0);
	TAP_CHECK(lg.writes > 0);
	TAP_EQ(lg.bad, 0);

	/* A line of four (a batch): each header and packet, each used one. */
	memset(&lg, 0, sizeof(lg));
	memset(want, 0, sizeof(want));
	memset(seen, 0, sizeof(seen));
	missing = 0;
	TAP_EQ(vq.last_avail, 4); /* one buffer left there */
	for (i = 0; i < 3; i++)
		vpdrv_rx(&d, one, 1, false);
	for (i = 0; i < 4; i++)
		m[i] = vft_pkt_mbuf(pkt[i], 60 + 20 * i, 12 + i);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 4), 4);
	rte_pktmbuf_free_bulk(m, 4);
	n = log_take_used(&d, seen, &missing, u, RTE_DIM(u));
	TAP_EQ(n, 4);
	TAP_EQ(missing, 0);
	TAP_EQ(log_extra(&d, seen), 0);
	for (i = 0; i < n && i < RTE_DIM(u); i++)
		memset(want + (u[i].buf.segs[0].gpa - VDRV_GPA_BASE), 1, u[i].len);
	for (j = 0, mismatch = 0; j < VDRV_SPAN; j++)
		mismatch += want[j] != lg.mem[j];
	TAP_EQ(mismatch, 0);
	TAP_EQ(lg.bad, 0);
	virtq_fini(&vq);
}

/* --- zero-copy dequeue ---------------------------------------------------- */

#define ZC_MIN 512  /* threshold the cases use */

/* A tx queue on a packed ring of 16 with zero-copy from ZC_MIN bytes, at
 * most @p max chains out, features VERSION_1 and @p features. */
static int
zc_start(struct virtq *vq, struct vpdrv *d, uint16_t max, uint64_t features)
{
	struct virtq_params p;
	int ret;

	vft_begin();
	vpdrv_init(d, &vft.gm, 0, 16, VPFT_FRESH);
	vpdrv_params(d, &p, VFT_F_V1 | features, vft.callfd);
	p.zcopy_min = ZC_MIN;
	p.zcopy_max = max;
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	return ret;
}

/* Make a tx packet of @p len bytes of seed @p seed available in @p nd
 * descriptors (header apart when more than one). Returns its id. */
static uint16_t
zc_tx(struct vpdrv *d, uint8_t *pkt, uint32_t len, uint32_t seed, unsigned int nd)
{
	static const uint32_t cuts[] = { VFT_HDR12, 300 };

	vft_fill(pkt, len, seed);
	return vpdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, len, cuts, nd - 1, false);
}

/* Whether @p m's second segment is an external one over the guest's bytes
 * at @p gpa (its first VIRTQ_ZC_COPY_LEN being the private copy). */
static bool
zc_in_guest(const struct rte_mbuf *m, uint64_t gpa)
{
	return m != NULL && m->next != NULL && RTE_MBUF_HAS_EXTBUF(m->next) &&
	       !RTE_MBUF_HAS_EXTBUF(m) && m->data_len == VIRTQ_ZC_COPY_LEN &&
	       rte_pktmbuf_mtod(m->next, uint8_t *) ==
	       (uint8_t *)vdrv_hva(&vft.gm, gpa) + VIRTQ_ZC_COPY_LEN;
}

/*
 * Big packets become mbufs over guest memory, small ones are copied; the
 * used descriptors come back only once the mbufs are freed, in the order
 * the chains were taken (a copied one waits too), each where its chain
 * started. Small single-descriptor packets still go as a batch.
 */
static void
test_packed_zc(void)
{
	static uint8_t big1[1000], small[100], big2[2000];
	struct rte_mbuf *m[4], *none[4];
	struct vpdrv_used u;
	struct virtq vq;
	struct vpdrv d;
	uint16_t id[3];
	unsigned int i;

	if (zc_start(&vq, &d, 0, 0) < 0)
		return;
	id[0] = zc_tx(&d, big1, sizeof(big1), 1, 1);
	id[1] = zc_tx(&d, small, sizeof(small), 2, 1);
	id[2] = zc_tx(&d, big2, sizeof(big2), 3, 3);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 3);
	TAP_CHECK(vft_mbuf_is(m[0], big1, sizeof(big1)));
	TAP_CHECK(vft_mbuf_is(m[1], small, sizeof(small)));
	TAP_CHECK(vft_mbuf_is(m[2], big2, sizeof(big2)));
	TAP_CHECK(zc_in_guest(m[0], d.inflight[0].segs[0].gpa + VFT_HDR12));
	TAP_EQ(m[1]->nb_segs, 1);
	TAP_CHECK(m[2]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[2]->next));
	TAP_EQ(vq.stats.zc_pkts, 2);
	TAP_EQ(virtq_zc_inflight(&vq), 2);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[2]);
	rte_pktmbuf_free(m[1]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(virtq_zc_inflight(&vq), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vpdrv_used_pending(&d), 3);
	for (i = 0; i < 3; i++) {
		vpft_expect_used(&d, id[i], 0, false, &u);
		TAP_EQ(u.ndesc, i == 2 ? 3 : 1);
	}
	TAP_EQ(vpdrv_used_pos(&d), VPDRV_POS(5, 1));
	TAP_EQ(virtq_zc_inflight(&vq), 0);
	/* Small ones, then four from a line: copied, back at once. */
	for (i = 0; i < 3; i++)
		zc_tx(&d, small, sizeof(small), 4, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 3);
	rte_pktmbuf_free_bulk(none, 4);
	TAP_EQ(vpdrv_used_pending(&d), 3);
	for (i = 0; i < 4; i++)
		zc_tx(&d, small, sizeof(small), 5 + i, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 4);
	TAP_CHECK(vft_mbuf_is(none[3], small, sizeof(small)));
	rte_pktmbuf_free_bulk(none, 4);
	TAP_EQ(vpdrv_used_pending(&d), 7);
	TAP_EQ(vq.stats.zc_small, 8);
	TAP_EQ(vq.stats.zc_pkts, 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/*
 * In order, a burst's completions share one used descriptor (the last
 * buffer's id) whenever several are due together: freeing the first
 * zero-copied mbuf gives back it and the copied one behind it at once.
 */
static void
test_packed_zc_in_order(void)
{
	static uint8_t big1[1000], small[100], big2[2000];
	struct rte_mbuf *m[4], *none[4];
	struct vpdrv_used u;
	struct virtq vq;
	struct vpdrv d;
	uint16_t id[3];

	if (zc_start(&vq, &d, 0, VPFT_F_IN_ORDER) < 0)
		return;
	id[0] = zc_tx(&d, big1, sizeof(big1), 1, 2);
	id[1] = zc_tx(&d, small, sizeof(small), 2, 1);
	id[2] = zc_tx(&d, big2, sizeof(big2), 3, 3);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 3);
	TAP_EQ(vq.stats.zc_pkts, 2);
	rte_pktmbuf_free(m[1]);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vpdrv_used_pending(&d), 1);
	vpft_expect_used(&d, id[1], 0, false, &u);
	TAP_EQ(u.nbufs, 2);
	TAP_EQ(u.ndesc, 3);
	TAP_EQ(u.pos, VPDRV_POS(0, 1));
	rte_pktmbuf_free(m[2]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	vpft_expect_used(&d, id[2], 0, false, &u);
	TAP_EQ(u.nbufs, 1);
	TAP_EQ(u.pos, VPDRV_POS(3, 1));
	TAP_EQ(vpdrv_used_pos(&d), VPDRV_POS(6, 1));
	vpft_expect_base(&vq, &d);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/*
 * A guest that makes a buffer id available again while its zero-copied
 * chain is out: that chain is taken and refused (head_in_flight), nothing
 * read from it, and its used descriptor follows the first use's once the
 * mbuf is freed; then the queue flows on.
 */
static void
test_packed_zc_head_in_flight(void)
{
	static uint8_t pkt[2][1000];
	struct rte_mbuf *m[4], *none[4];
	struct vdrv_seg s;
	struct vpdrv_used u;
	struct virtq vq;
	struct vpdrv d;
	uint16_t id, id2;

	if (zc_start(&vq, &d, 0, 0) < 0)
		return;
	id = zc_tx(&d, pkt[0], sizeof(pkt[0]), 1, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_EQ(vq.stats.zc_pkts, 1);
	s = d.inflight[0].segs[0];
	vpdrv_add_id(&d, &s, 1, id);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_HEAD_IN_FLIGHT), 0);
	TAP_EQ(vq.last_avail, 2);
	TAP_EQ(vq.stats.zc_pkts, 1);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vpdrv_used_pending(&d), 2);
	vpft_expect_used(&d, id, 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(0, 1));
	vpft_expect_used(&d, id, 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(1, 1));
	/* The id is free again, and a good chain flows. */
	id2 = zc_tx(&d, pkt[1], sizeof(pkt[1]), 2, 1);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt[1], sizeof(pkt[1])));
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	vpft_expect_used(&d, id2, 0, false, NULL);
	TAP_EQ(vq.stats.zc_pkts, 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 1);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/* --- mbuf exhaustion ----------------------------------------------------- */

/*
 * No mbufs: nothing is taken, nothing given back, no call. Mbufs for the
 * first packet and only part of the second: the first goes, the second
 * gives its mbufs back and stays in the ring (not consumed) until there are
 * mbufs again.
 */
static void
test_packed_mbuf_alloc_fail(void)
{
	struct rte_mbuf *held[8], *m[4];
	struct rte_mempool *tiny;
	uint8_t pkt[600];
	struct virtq vq;
	struct vpdrv d;
	uint16_t a, b;

	tiny = rte_pktmbuf_pool_create("vq_ptiny", 8, 0, 0,
				       VFT_SMALL_ROOM + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);
	TAP_CHECK(tiny != NULL);
	if (tiny == NULL)
		return;
	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1) < 0)
		goto out;
	TAP_EQ(rte_pktmbuf_alloc_bulk(tiny, held, 8), 0);
	a = vpft_tx_simple(&d, 60, 1);
	vft_fill(pkt, sizeof(pkt), 2); /* three small mbufs */
	b = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), NULL, 0, false);
	TAP_EQ(vft_deq(&vq, tiny, m, 4), 0);
	TAP_CHECK(vq.stats.errors[VIRTQ_ERR_MBUF_ALLOC] >= 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.last_avail, 0);
	TAP_EQ(vft_calls_read(), 0);
	rte_pktmbuf_free_bulk(held, 3);
	TAP_EQ(vft_deq(&vq, tiny, m, 2), 1);
	vft_fill(pkt, 60, 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, 60));
	TAP_EQ(rte_mempool_in_use_count(tiny), 5 + 1);
	vpft_expect_used(&d, a, 0, false, NULL);
	TAP_EQ(vpdrv_used_pending(&d), 0);
	TAP_EQ(vq.last_avail, 1);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free_bulk(held + 3, 5);
	TAP_EQ(vft_deq(&vq, tiny, m, 4), 1);
	vft_fill(pkt, sizeof(pkt), 2);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	rte_pktmbuf_free(m[0]);
	vpft_expect_used(&d, b, 0, false, NULL);
	vpft_expect_base(&vq, &d);
	TAP_EQ(rte_mempool_in_use_count(tiny), 0);
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
	virtq_fini(&vq);
out:
	rte_mempool_free(tiny);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_packed_kick_suppress);
	TAP_RUN(test_packed_notify_flags);
	TAP_RUN(test_packed_notify_desc);
	TAP_RUN(test_packed_need_event);
	TAP_RUN(test_packed_log_tx);
	TAP_RUN(test_packed_log_rx);
	TAP_RUN(test_packed_zc);
	TAP_RUN(test_packed_zc_in_order);
	TAP_RUN(test_packed_zc_head_in_flight);
	TAP_RUN(test_packed_mbuf_alloc_fail);
	vft_env_fini();
	return tap_done();
}
