/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_PFIXTURE_H
#define VDP_VIRTQ_PFIXTURE_H

/**
 * @file
 * What the packed-ring programs (test_virtq_packed*.c) share on top of
 * virtq_fixture.h: queues over the packed driver of virtq_pdriver.h and
 * checks of its used descriptors. Like virtq_fixture.h, every helper that
 * makes a TAP check is static inline, so that it counts for the case that
 * calls it.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "virtq_fixture.h"
#include "virtq_pdriver.h"

#define VPFT_F_IN_ORDER VFT_F(VIRTIO_F_IN_ORDER) /**< VIRTIO_F_IN_ORDER. */
#define VPFT_FRESH VPDRV_POS(0, 1)                /**< Where a fresh ring starts. */

/**
 * Set up @p vq over a packed ring in queue @p q's place (0 or 1) of @p d:
 * @p size entries, both positions at @p base (VPDRV_POS()), @p features
 * (VIRTIO_F_RING_PACKED added), vft.callfd, no logging. Checks that
 * virtq_init() succeeds on a packed queue and returns its result.
 */
static inline int
vpft_setup(struct virtq *vq, struct vpdrv *d, unsigned int q, uint16_t size,
	   uint16_t base, uint64_t features)
{
	struct virtq_params p;
	int ret;

	vpdrv_init(d, &vft.gm, q, size, base);
	vpdrv_params(d, &p, features, vft.callfd);
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	TAP_CHECK(vq->packed);
	return ret;
}

/** Begin a case (vft_begin()) and set up its queue (vpft_setup(), same arguments). */
static inline int
vpft_start(struct virtq *vq, struct vpdrv *d, unsigned int q, uint16_t size,
	   uint16_t base, uint64_t features)
{
	vft_begin();
	return vpft_setup(vq, d, q, size, base, features);
}

/**
 * The flags of a used descriptor at position @p pos (VPDRV_POS()): AVAIL and
 * USED both equal to its wrap counter, WRITE when the device wrote the
 * buffer (@p rx), nothing else.
 */
static inline uint16_t
vpft_used_flags(uint16_t pos, bool rx)
{
	return (uint16_t)(((pos & VPDRV_WRAP_BIT) ? VPDRV_F_AVAIL | VPDRV_F_USED : 0) |
			  (rx ? VRING_DESC_F_WRITE : 0));
}

/**
 * Take the next used descriptor of @p d (vpdrv_used_next()) into @p u (or
 * a local one when NULL) and check it: buffer @p id, @p len bytes, the
 * flags of its lap (vpft_used_flags() with @p rx), written where the first
 * buffer it gives back started. Returns false (@p u zeroed) when there is
 * none.
 */
static inline bool
vpft_expect_used(struct vpdrv *d, uint16_t id, uint32_t len, bool rx,
		 struct vpdrv_used *u)
{
	struct vpdrv_used tmp;
	bool ok;

	if (u == NULL)
		u = &tmp;
	ok = vpdrv_used_next(d, u);
	TAP_CHECK(ok);
	if (!ok) {
		memset(u, 0, sizeof(*u));
		return false;
	}
	TAP_EQ(u->id, id);
	TAP_EQ(u->len, len);
	TAP_EQ(u->flags, vpft_used_flags(u->pos, rx));
	TAP_EQ(u->pos, u->first_pos);
	return true;
}

/**
 * Check a used descriptor read raw (vpdrv_used_peek()) for a buffer the
 * driver cannot name, then move the used position on by @p ndesc: buffer
 * id @p id, @p len bytes, the flags of its lap.
 */
static inline void
vpft_expect_used_raw(struct vpdrv *d, uint16_t id, uint32_t len, bool rx,
		     uint16_t ndesc)
{
	struct vpdrv_used u;
	bool ok = vpdrv_used_peek(d, &u);

	TAP_CHECK(ok);
	if (!ok)
		return;
	TAP_EQ(u.id, id);
	TAP_EQ(u.len, len);
	TAP_EQ(u.flags, vpft_used_flags(u.pos, rx));
	vpdrv_used_skip(d, ndesc);
}

/**
 * Make a tx packet available in one descriptor: vft_zero_hdr (VFT_HDR12
 * bytes) and @p len (at most 2048) bytes of seed @p seed. Returns its id.
 */
static inline uint16_t
vpft_tx_simple(struct vpdrv *d, uint32_t len, uint32_t seed)
{
	uint8_t pkt[2048];

	vft_fill(pkt, len, seed);
	return vpdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, len, NULL, 0, false);
}

/**
 * Check that the next used descriptor is rx buffer @p id with a VFT_HDR12
 * header saying one buffer and @p len (at most 4096) bytes of @p pkt after
 * it.
 */
static inline void
vpft_expect_rx_pkt(struct vpdrv *d, uint16_t id, const uint8_t *pkt, uint32_t len)
{
	static uint8_t got[VFT_HDR12 + 4096];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct vpdrv_used u;

	TAP_CHECK(len <= sizeof(got) - VFT_HDR12);
	if (len > sizeof(got) - VFT_HDR12)
		return;
	if (!vpft_expect_used(d, id, VFT_HDR12 + len, true, &u))
		return;
	TAP_EQ(vpdrv_buf_read(d, &u.buf, got, VFT_HDR12 + len), VFT_HDR12 + len);
	memcpy(&h, got, sizeof(h));
	TAP_EQ(h.num_buffers, 1);
	TAP_CHECK(memcmp(got + VFT_HDR12, pkt, len) == 0);
}

/**
 * vpft_expect_used() for loops, without a TAP check: whether the next used
 * descriptor is buffer @p id, @p len bytes, the flags of its lap (WRITE
 * with @p rx), giving back @p nbufs buffers from where it was written.
 * Prints a diagnostic when not. @p u (or NULL) gets it.
 */
static inline bool
vpft_used_is(struct vpdrv *d, uint16_t id, uint32_t len, bool rx, uint16_t nbufs,
	     struct vpdrv_used *u)
{
	struct vpdrv_used tmp;

	if (u == NULL)
		u = &tmp;
	if (!vpdrv_used_next(d, u)) {
		printf("# no used descriptor at %#x for id %u\n", vpdrv_used_pos(d), id);
		return false;
	}
	if (u->id != id || u->len != len || u->flags != vpft_used_flags(u->pos, rx) ||
	    u->nbufs != nbufs || u->pos != u->first_pos) {
		printf("# used at %#x: id %u len %u flags %#x bufs %u from %#x; "
		       "expected id %u len %u flags %#x bufs %u\n", u->pos, u->id, u->len,
		       u->flags, u->nbufs, u->first_pos, id, len,
		       vpft_used_flags(u->pos, rx), nbufs);
		return false;
	}
	return true;
}

/** Whether the engine's positions (virtq_get_base()) are where @p d stands; prints when not. */
static inline bool
vpft_base_is(const struct virtq *vq, const struct vpdrv *d)
{
	uint16_t a, u;

	virtq_get_base(vq, &a, &u);
	if (a == vpdrv_avail_pos(d) && u == vpdrv_used_pos(d))
		return true;
	printf("# engine at avail %#x used %#x, driver at %#x, %#x\n", a, u,
	       vpdrv_avail_pos(d), vpdrv_used_pos(d));
	return false;
}

/** Check that the engine's positions (virtq_get_base()) are where @p d stands. */
static inline void
vpft_expect_base(const struct virtq *vq, const struct vpdrv *d)
{
	uint16_t a, u;

	virtq_get_base(vq, &a, &u);
	TAP_EQ(a, vpdrv_avail_pos(d));
	TAP_EQ(u, vpdrv_used_pos(d));
}

#endif /* VDP_VIRTQ_PFIXTURE_H */
