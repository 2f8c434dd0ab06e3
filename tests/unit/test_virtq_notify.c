/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq adaptive polling: virtq_notify_enable() turns guest kicks on
 * (split NO_NOTIFY cleared or avail_event at last_avail, packed device area
 * ENABLE) and looks at the ring once more; virtq_notify_disable() and the
 * next burst that takes a buffer turn them off again. Against the split
 * driver of virtq_driver.c and the packed one of virtq_pdriver.c: what the
 * guest would decide about kicking, the re-check (across a packed ring's
 * end too), dirty logging, zero-copy chains still owed, broken queues.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "virtq_pfixture.h"

/*
 * Whether the guest, having moved its avail index from @p old to where it
 * stands now, would kick: what a driver reads after publishing (Linux's
 * virtqueue_kick_prepare_split()).
 */
static bool
drv_would_kick(const struct vdrv *d, uint16_t old, bool event_idx)
{
	rte_smp_mb();
	if (event_idx)
		return vring_need_event(vdrv_avail_event(d), d->avail_idx, old);
	return !(*(volatile uint16_t *)&d->used->flags & VRING_USED_F_NO_NOTIFY);
}

/* Publish a 60-byte tx packet of seed @p seed; whether the guest would kick. */
static bool
drv_tx_kicks(struct vdrv *d, uint32_t seed, bool event_idx)
{
	uint16_t old = d->avail_idx;

	vft_tx_simple(d, 60, seed);
	return drv_would_kick(d, old, event_idx);
}

/*
 * Without EVENT_IDX: NO_NOTIFY from virtq_init() on; enable clears it (an
 * empty ring: false) and the guest would kick; the burst that takes that
 * buffer sets it again, so does disable, and a burst after disable leaves
 * it set. Nothing is counted.
 */
static void
test_split_flag(void)
{
	struct virtq_stats before;
	struct virtq vq;
	struct vdrv d;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	TAP_EQ(drv_would_kick(&d, d.avail_idx, false), false);
	before = vq.stats;
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(d.used->flags, 0);
	TAP_CHECK(memcmp(&before, &vq.stats, sizeof(before)) == 0);
	TAP_EQ(drv_tx_kicks(&d, 1, false), true);
	vft_expect_tx_pkt(&vq, 60, 1);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	vft_expect_used(&d, 0, 0);

	/* On, then off again without a burst. */
	before = vq.stats;
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(d.used->flags, 0);
	virtq_notify_disable(&vq);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	TAP_CHECK(memcmp(&before, &vq.stats, sizeof(before)) == 0);
	TAP_EQ(drv_tx_kicks(&d, 2, false), false);
	vft_expect_tx_pkt(&vq, 60, 2);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	TAP_EQ(drv_tx_kicks(&d, 3, false), false);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/*
 * With EVENT_IDX, across the index's 2^16 wrap: enable sets avail_event to
 * last_avail, so the next buffer kicks; the burst that takes it, and
 * disable, put it one behind last_avail, so that no buffer of a ring's
 * worth kicks.
 */
static void
test_split_event_idx(void)
{
	uint16_t old;
	uint32_t k;
	struct virtq vq;
	struct vdrv d;
	bool kick = false;

	if (vft_start(&vq, &d, 0, 16, 65534, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	TAP_EQ(vdrv_avail_event(&d), 65533);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vdrv_avail_event(&d), 65534);
	TAP_EQ(vq.last_avail, 65534);
	TAP_EQ(drv_tx_kicks(&d, 1, true), true);
	vft_expect_tx_pkt(&vq, 60, 1);
	TAP_EQ(vdrv_avail_event(&d), 65534);
	TAP_EQ(vq.last_avail, 65535);

	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vdrv_avail_event(&d), 65535);
	virtq_notify_disable(&vq);
	TAP_EQ(vdrv_avail_event(&d), 65534);
	TAP_EQ(drv_tx_kicks(&d, 2, true), false);
	vft_expect_tx_pkt(&vq, 60, 2);
	TAP_EQ(vq.last_avail, 0);

	/* Across the wrap: avail_event 0, and the next buffer kicks. */
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vdrv_avail_event(&d), 0);
	TAP_EQ(drv_tx_kicks(&d, 3, true), true);
	vft_expect_tx_pkt(&vq, 60, 3);
	/* Off: a ring's worth of buffers, one at a time, no kick. */
	old = d.avail_idx;
	for (k = 0; k < 16; k++) {
		vft_tx_simple(&d, 60, 4 + k);
		kick |= drv_would_kick(&d, old, true);
	}
	TAP_EQ(kick, false);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/*
 * The re-check, split: a buffer published before enable (the guest saw
 * kicks off, so it did not kick) makes enable return true, and the next
 * burst takes it whole and turns kicks off again.
 */
static void
split_recheck(uint64_t features)
{
	bool event_idx = !!(features & VFT_F_EVENT);
	struct rte_mbuf *m[1];
	uint8_t pkt[60];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (vft_start(&vq, &d, 0, 16, 7, features) < 0)
		return;
	head = vft_tx_simple(&d, 200, 11);
	TAP_EQ(drv_would_kick(&d, (uint16_t)(d.avail_idx - 1), event_idx), false);
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(vq.last_avail, 7);
	/* Still true until a burst takes it. */
	TAP_EQ(virtq_notify_enable(&vq), true);
	vft_expect_tx_pkt(&vq, 200, 11);
	vft_expect_used(&d, head, 0);
	if (event_idx)
		TAP_EQ(vdrv_avail_event(&d), 7);
	else
		TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	TAP_EQ(virtq_notify_enable(&vq), false);
	/* Two waiting, one burst of one: still something to take. */
	vft_tx_simple(&d, 60, 12);
	vft_tx_simple(&d, 60, 13);
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 1), 1);
	vft_fill(pkt, sizeof(pkt), 12);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	rte_pktmbuf_free(m[0]);
	TAP_EQ(virtq_notify_enable(&vq), true);
	vft_expect_tx_pkt(&vq, 60, 13);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

static void
test_split_recheck(void)
{
	split_recheck(VFT_F_V1);
}

static void
test_split_recheck_event_idx(void)
{
	split_recheck(VFT_F_V1 | VFT_F_EVENT);
}

/*
 * Packed: enable writes ENABLE into the device area, disable and the next
 * burst that takes a buffer DISABLE; the re-check finds a buffer made
 * available before enable. From the last descriptor of a lap with the
 * wrap counter at 0, then past the ring's end into wrap 1, and a chain
 * that crosses the end: each lap's AVAIL/USED bits are read for its wrap.
 */
static void
test_packed(void)
{
	static const uint32_t cuts[] = { VFT_HDR12, 40 };
	uint8_t pkt[100];
	uint16_t id;
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, 16, VPDRV_POS(15, 0), VFT_F_V1) < 0)
		return;
	TAP_EQ(vq.avail_wrap, false);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_ENABLE);
	virtq_notify_disable(&vq);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);

	/* At (15, 0). */
	id = vpft_tx_simple(&d, 100, 1);
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_ENABLE);
	vft_expect_tx_pkt(&vq, 100, 1);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	vpft_expect_used(&d, id, 0, false, NULL);
	TAP_EQ(vq.last_avail, 0);
	TAP_EQ(vq.avail_wrap, true);

	/* At (0, 1): descriptor 0 was used in lap 0, not available. */
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_ENABLE);
	id = vpft_tx_simple(&d, 100, 2);
	TAP_EQ(virtq_notify_enable(&vq), true);
	vft_expect_tx_pkt(&vq, 100, 2);
	vpft_expect_used(&d, id, 0, false, NULL);
	TAP_EQ(virtq_notify_enable(&vq), false);
	virtq_notify_disable(&vq);
	TAP_EQ(vpdrv_device_flags(&d), VRING_PACKED_EVENT_FLAG_DISABLE);
	vpft_expect_base(&vq, &d);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);

	/* A chain of three from (14, 0) on, its last descriptor in wrap 1. */
	if (vpft_setup(&vq, &d, 0, 16, VPDRV_POS(14, 0), VFT_F_V1) < 0)
		return;
	TAP_EQ(virtq_notify_enable(&vq), false);
	vft_fill(pkt, sizeof(pkt), 3);
	id = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), cuts, 2, false);
	TAP_EQ(virtq_notify_enable(&vq), true);
	vft_expect_tx_pkt(&vq, 100, 3);
	vpft_expect_used(&d, id, 0, false, NULL);
	TAP_EQ(vq.last_avail, 1);
	TAP_EQ(vq.avail_wrap, true);
	TAP_EQ(virtq_notify_enable(&vq), false);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

/* --- dirty logging ------------------------------------------------------- */

/* What the log ops were told. */
static struct {
	unsigned int writes;   /* write() calls. */
	unsigned int useds;    /* used() calls. */
	uint64_t off, len;     /* The last used() call's range. */
} lg;

static void
log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(gpa);
	RTE_SET_USED(len);
	lg.writes++;
}

static void
log_used(void *ctx, uint64_t offset, uint64_t len)
{
	RTE_SET_USED(ctx);
	lg.useds++;
	lg.off = offset;
	lg.len = len;
}

static const struct virtq_log_ops log_ops = {
	.write = log_write,
	.used = log_used,
};

/* Check that exactly one used() call reported [@p off, @p off + 2), then forget it. */
#define EXPECT_LOGGED(off) do { \
	TAP_EQ(lg.useds, 1); \
	TAP_EQ(lg.off, (off)); \
	TAP_EQ(lg.len, 2); \
	TAP_EQ(lg.writes, 0); \
	memset(&lg, 0, sizeof(lg)); \
} while (0)

/*
 * Split, logging: enable and disable each report the two bytes they
 * change, used->flags at 0 or avail_event after the 16 used entries, once
 * per change; nothing when there is nothing to change.
 */
static void
test_log_split(void)
{
	const uint64_t ae_off = offsetof(struct vring_used, ring) +
				16 * sizeof(struct vring_used_elem);
	struct virtq_params p;
	struct virtq vq;
	struct vdrv d;
	int k;

	for (k = 0; k < 2; k++) {
		bool event_idx = k == 1;
		uint64_t off = event_idx ? ae_off : offsetof(struct vring_used, flags);

		vft_begin();
		vdrv_init(&d, &vft.gm, 0, 16, 3);
		vdrv_params(&d, &p, VFT_F_V1 | (event_idx ? VFT_F_EVENT : 0), vft.callfd);
		p.log = &log_ops;
		p.log_ctx = &d;
		memset(&lg, 0, sizeof(lg));
		TAP_EQ(vft_init_vq(&vq, &p), 0);
		/* virtq_init() turned kicks off. */
		EXPECT_LOGGED(off);
		TAP_EQ(virtq_notify_enable(&vq), false);
		EXPECT_LOGGED(off);
		TAP_EQ(virtq_notify_enable(&vq), false);
		TAP_EQ(lg.useds, 0);
		virtq_notify_disable(&vq);
		EXPECT_LOGGED(off);
		virtq_notify_disable(&vq);
		TAP_EQ(lg.useds, 0);
		if (event_idx)
			TAP_EQ(vdrv_avail_event(&d), 2);
		else
			TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
		virtq_fini(&vq);
	}
}

/* --- zero-copy ----------------------------------------------------------- */

/*
 * A chain dequeued zero-copy keeps the owner awake on an empty ring while
 * its mbuf is out, and after the free until a burst writes its used entry.
 */
static void
test_zc_owed(void)
{
	static uint8_t pkt[1000];
	struct rte_mbuf *m[4], *none[4];
	struct virtq_params p;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	vft_begin();
	vdrv_init(&d, &vft.gm, 0, 16, 0);
	vdrv_params(&d, &p, VFT_F_V1, vft.callfd);
	p.zcopy_min = 512;
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	TAP_EQ(virtq_notify_enable(&vq), false);
	vft_fill(pkt, sizeof(pkt), 5);
	head = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), NULL, 0, false);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	TAP_EQ(vq.stats.zc_pkts, 1);
	TAP_EQ(virtq_zc_inflight(&vq), 1);
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	vft_expect_used(&d, head, 0);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/* --- broken queues ------------------------------------------------------- */

/*
 * A queue broken by an avail index jump: enable returns false and neither
 * it nor disable writes the ring (kicks stay off). A jump that enable
 * itself finds: kicks off again and true, so that the next burst breaks
 * the queue and counts it.
 */
static void
test_broken(void)
{
	struct rte_mbuf *m[16];
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	for (i = 0; i < 16; i++)
		vft_tx_simple(&d, 60, i);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 16);
	rte_pktmbuf_free_bulk(m, 16);
	d.avail->idx = (uint16_t)(d.avail_idx + 17);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 0);
	TAP_CHECK(vq.broken);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	/* Nothing written: a flag the guest cleared stays clear. */
	d.used->flags = 0;
	virtq_notify_disable(&vq);
	TAP_EQ(d.used->flags, 0);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(d.used->flags, 0);
	virtq_fini(&vq);

	/* With EVENT_IDX, avail_event is left alone too. */
	if (vft_setup(&vq, &d, 0, 16, 100, VFT_F_V1 | VFT_F_EVENT) < 0)
		return;
	d.avail->idx = 100 + 17;
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 0);
	TAP_CHECK(vq.broken);
	TAP_EQ(vdrv_avail_event(&d), 99);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(vdrv_avail_event(&d), 99);
	virtq_notify_disable(&vq);
	TAP_EQ(vdrv_avail_event(&d), 99);
	virtq_fini(&vq);

	/* The jump seen first by enable. */
	if (vft_setup(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	d.avail->idx = 17;
	TAP_EQ(virtq_notify_enable(&vq), true);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	TAP_CHECK(!vq.broken);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 0);
	TAP_CHECK(vq.broken);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 1);
	TAP_EQ(virtq_notify_enable(&vq), false);
	TAP_EQ(d.used->flags, VRING_USED_F_NO_NOTIFY);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_split_flag);
	TAP_RUN(test_split_event_idx);
	TAP_RUN(test_split_recheck);
	TAP_RUN(test_split_recheck_event_idx);
	TAP_RUN(test_packed);
	TAP_RUN(test_log_split);
	TAP_RUN(test_zc_owed);
	TAP_RUN(test_broken);
	vft_env_fini();
	return tap_done();
}
