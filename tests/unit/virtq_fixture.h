/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_FIXTURE_H
#define VDP_VIRTQ_FIXTURE_H

/**
 * @file
 * What the lib/virtq unit tests (test_virtq_*.c) share: the EAL, two mbuf
 * pools, one guest memory (virtq_driver.h) and the call eventfd every
 * queue gets, plus helpers that build packets and queues and check what
 * the engine did.
 *
 * tap.h keeps its counters per translation unit, so every helper that
 * makes a TAP check is static inline here and counts for the case that
 * calls it; the functions of virtq_fixture.c check nothing themselves.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tap.h"
#include "virtq.h"
#include "virtq_driver.h"

#define VFT_F(bit) (1ULL << (bit))                      /**< Feature bit as a mask. */
#define VFT_F_V1 VFT_F(VIRTIO_F_VERSION_1)              /**< VERSION_1. */
#define VFT_F_MRG VFT_F(VIRTIO_NET_F_MRG_RXBUF)         /**< Mergeable rx buffers. */
#define VFT_F_EVENT VFT_F(VIRTIO_RING_F_EVENT_IDX)      /**< EVENT_IDX. */
#define VFT_F_INDIRECT VFT_F(VIRTIO_RING_F_INDIRECT_DESC) /**< Indirect descriptors. */
/** Every checksum and TSO feature, both directions. */
#define VFT_F_OFFLOADS (VFT_F(VIRTIO_NET_F_CSUM) | VFT_F(VIRTIO_NET_F_GUEST_CSUM) | \
			VFT_F(VIRTIO_NET_F_HOST_TSO4) | VFT_F(VIRTIO_NET_F_HOST_TSO6) | \
			VFT_F(VIRTIO_NET_F_GUEST_TSO4) | VFT_F(VIRTIO_NET_F_GUEST_TSO6))

#define VFT_HDR12 sizeof(struct virtio_net_hdr_mrg_rxbuf) /**< Header with num_buffers. */
#define VFT_HDR10 sizeof(struct virtio_net_hdr)            /**< Legacy header. */
#define VFT_SMALL_ROOM 256  /**< Data room of vft.small_pool's mbufs. */

/** The environment every case runs in, made once per program by vft_env_init(). */
struct vft_env {
	struct rte_mempool *pool;        /**< 2 KiB mbufs, no cache. */
	struct rte_mempool *small_pool;  /**< VFT_SMALL_ROOM-byte mbufs, no cache. */
	struct vdrv_mem gm;              /**< Guest memory, shared by every case. */
	int callfd;                      /**< The call eventfd every queue gets. */
};

/** The one environment of the program. */
extern struct vft_env vft;

/** A virtio-net header with nothing in it. */
extern const struct virtio_net_hdr_mrg_rxbuf vft_zero_hdr;

/**
 * Start the EAL (test_eal_init()), create vft.small_pool, the call eventfd
 * (non-blocking) and the guest memory. Returns 0, or -1 after a TAP
 * "Bail out!" line.
 */
int vft_env_init(void);

/** Unmap the guest memory and close the call eventfd. */
void vft_env_fini(void);

/** Calls made since the last read (the eventfd counter, which reading clears). */
uint64_t vft_calls_read(void);

/** A fresh guest memory for a case: zeroed, allocators restarted, calls cleared. */
void vft_begin(void);

/** Write @p len bytes no two packets share to @p p: @p seed picks the sequence. */
void vft_fill(uint8_t *p, uint32_t len, uint32_t seed);

/** virtq_init() on @p vq zeroed first, as every caller in vdp does. Returns its result. */
int vft_init_vq(struct virtq *vq, const struct virtq_params *p);

/**
 * Sum of every error counter of @p vq except @p skip (VIRTQ_ERR_MAX: none),
 * printing a TAP diagnostic naming each counter that is not zero.
 */
uint64_t vft_other_errors(const struct virtq *vq, int skip);

/** True when @p m is a consistent mbuf chain holding exactly @p len bytes of @p p. */
bool vft_mbuf_is(const struct rte_mbuf *m, const uint8_t *p, uint32_t len);

/**
 * An mbuf from @p mp holding @p len bytes of @p p, in segments of at most
 * @p seg bytes. NULL (nothing leaked) when @p mp runs out.
 */
struct rte_mbuf *vft_mk_mbuf(struct rte_mempool *mp, const uint8_t *p,
			     uint32_t len, uint32_t seg);

/**
 * Fill @p pkt with @p len bytes of seed @p seed (vft_fill()) and return an
 * mbuf of vft.pool holding them (in 2048-byte segments), or NULL.
 */
struct rte_mbuf *vft_pkt_mbuf(uint8_t *pkt, uint32_t len, uint32_t seed);

/**
 * virtq_dequeue_burst(), without a byte budget (test_virtq_budget.c has
 * those), with @p pkts cleared first, so that a short burst
 * leaves NULLs (which the checks and rte_pktmbuf_free_bulk() take) rather
 * than garbage.
 */
uint16_t vft_deq(struct virtq *vq, struct rte_mempool *mp,
		 struct rte_mbuf **pkts, uint16_t n);

/** Publish a direct chain of the @p n buffers @p s. Returns its head. */
uint16_t vft_push(struct vdrv *d, const struct vdrv_seg *s, unsigned int n);

/**
 * Publish a tx packet in one descriptor: vft_zero_hdr (VFT_HDR12 bytes)
 * and @p len (at most 2048) bytes of seed @p seed. Returns its head.
 */
uint16_t vft_tx_simple(struct vdrv *d, uint32_t len, uint32_t seed);

/**
 * Set up @p vq over queue @p q (0 or 1) of @p d: fresh rings of @p size
 * entries from index @p idx, @p features, vft.callfd, no logging. Checks
 * that virtq_init() succeeds and returns its result.
 */
static inline int
vft_setup(struct virtq *vq, struct vdrv *d, unsigned int q, uint16_t size,
	  uint16_t idx, uint64_t features)
{
	struct virtq_params p;
	int ret;

	vdrv_init(d, &vft.gm, q, size, idx);
	vdrv_params(d, &p, features, vft.callfd);
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	return ret;
}

/**
 * Begin a case (vft_begin()) and set up its queue (vft_setup(), same
 * arguments). Returns vft_setup()'s result: on failure the case has
 * already failed and should return.
 */
static inline int
vft_start(struct virtq *vq, struct vdrv *d, unsigned int q, uint16_t size,
	  uint16_t idx, uint64_t features)
{
	vft_begin();
	return vft_setup(vq, d, q, size, idx, features);
}

/** Check that the next used entry of @p d is {@p id, @p len}. */
static inline void
vft_expect_used(struct vdrv *d, uint32_t id, uint32_t len)
{
	struct vring_used_elem e;

	TAP_CHECK(vdrv_used_next(d, &e));
	TAP_EQ(e.id, id);
	TAP_EQ(e.len, len);
}

/**
 * Dequeue (from vft.pool, a burst of up to 4) and check that exactly one
 * packet comes, @p len bytes of seed @p seed; frees it.
 */
static inline void
vft_expect_tx_pkt(struct virtq *vq, uint32_t len, uint32_t seed)
{
	struct rte_mbuf *m[4];
	uint8_t pkt[2048];

	vft_fill(pkt, len, seed);
	TAP_EQ(vft_deq(vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, len));
	rte_pktmbuf_free_bulk(m, 4);
}

/**
 * Check that the next used entry of @p d is chain @p head with a
 * VFT_HDR12-byte header and @p len (at most 4096) bytes after it, and that
 * those bytes are @p pkt.
 */
static inline void
vft_expect_rx_pkt(struct vdrv *d, uint16_t head, const uint8_t *pkt,
		  uint32_t len)
{
	static uint8_t got[VFT_HDR12 + 4096];

	TAP_CHECK(len <= sizeof(got) - VFT_HDR12);
	if (len > sizeof(got) - VFT_HDR12)
		return;
	vft_expect_used(d, head, VFT_HDR12 + len);
	vdrv_chain_read(d, head, got, VFT_HDR12 + len);
	TAP_CHECK(memcmp(got + VFT_HDR12, pkt, len) == 0);
}

#endif /* VDP_VIRTQ_FIXTURE_H */
