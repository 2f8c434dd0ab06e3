/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_PDRIVER_H
#define VDP_VIRTQ_PDRIVER_H

/**
 * @file
 * A tiny packed-ring virtio driver (virtio 1.1, 2.8) for the lib/virtq
 * unit tests: the guest side of a packed virtqueue, over the guest memory
 * of virtq_driver.h (struct vdrv_mem and its allocators).
 *
 * It does what Linux's virtio_ring and DPDK's virtio PMD do on a packed
 * ring: it keeps its own avail wrap counter (from 1) and next avail
 * position; it writes a chain's descriptors with the AVAIL/USED bits of the
 * lap each one lands in and the same buffer id on each, the head's flags
 * last with a release store; it reads a used descriptor when its flags
 * match its used wrap counter, and moves its used position on by the
 * descriptors of the buffer that descriptor names, as it tracked them when
 * it made the buffer available. With VIRTIO_F_IN_ORDER one used
 * descriptor stands for every buffer made available up to the one it
 * names. A queue's rings take the place of queue q's split rings: the
 * descriptor ring at VDRV_RING_GPA(q), the driver area at VDRV_AVAIL_OFF
 * after it, the device area at VDRV_USED_OFF.
 *
 * Positions passed in and out as one 16-bit value are encoded as vhost-user's
 * vring base is: the ring index, with the wrap counter in bit 15.
 */

#include <stdbool.h>
#include <stdint.h>

#include "virtq.h"
#include "virtq_driver.h"

#define VPDRV_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL) /**< Descriptor flag AVAIL. */
#define VPDRV_F_USED  (1u << VRING_PACKED_DESC_F_USED)  /**< Descriptor flag USED. */
#define VPDRV_WRAP_BIT 0x8000u                           /**< Wrap counter in a position. */
#define VPDRV_MAX_SEGS 8     /**< Buffers of a chain the driver remembers for reading. */
#define VPDRV_MAX_INFLIGHT (VDRV_MAX_SIZE + 8) /**< Buffers the driver tracks at a time. */

/** A position (@p idx, wrap counter @p wrap) as one value. */
#define VPDRV_POS(idx, wrap) ((uint16_t)((idx) | ((wrap) ? VPDRV_WRAP_BIT : 0)))

/** One raw ring descriptor, for chains built by hand (malformed ones). */
struct vpdrv_desc {
	uint64_t addr;   /**< Guest physical address. */
	uint32_t len;    /**< Bytes. */
	uint16_t id;     /**< Buffer id. */
	uint16_t flags;  /**< Flags, written exactly as given (lap bits included). */
};

/** A buffer the driver made available and has not had back. */
struct vpdrv_buf {
	uint16_t id;                          /**< Its buffer id. */
	uint16_t ndesc;                       /**< Ring descriptors it took. */
	uint16_t pos;                         /**< Position of its first descriptor
					       *   (VPDRV_POS()). */
	uint16_t nsegs;                       /**< Valid entries in segs[] (0: not
					       *   remembered, the chain was longer). */
	struct vdrv_seg segs[VPDRV_MAX_SEGS]; /**< Its buffers, in order. */
};

/** A used descriptor as the driver read it, and what it gave back. */
struct vpdrv_used {
	uint16_t pos;             /**< Position it was read at (VPDRV_POS()). */
	uint16_t id;              /**< Buffer id it names. */
	uint32_t len;             /**< Bytes the device wrote. */
	uint16_t flags;           /**< Its flags. */
	uint16_t nbufs;           /**< Buffers it gave back (more than 1 only in order). */
	uint16_t ndesc;           /**< Ring descriptors it gave back. */
	uint16_t first_pos;       /**< Where the first buffer it gave back started
				   *   (VPDRV_POS()). */
	struct vpdrv_buf buf;     /**< The buffer it names (the last one, in order). */
};

/** The guest side of one packed virtqueue. */
struct vpdrv {
	struct vdrv_mem *gm;                         /**< Guest memory the ring lives in. */
	uint16_t size;                               /**< Ring size, 1..VDRV_MAX_SIZE. */
	uint64_t ring_gpa;                           /**< gpa of the descriptor ring. */
	struct vring_packed_desc *desc;              /**< Descriptor ring, guest view. */
	struct vring_packed_desc_event *driver_area; /**< Driver event suppression area
						      *   (we write), guest view. */
	struct vring_packed_desc_event *device_area; /**< Device event suppression area
						      *   (the device writes), guest view. */
	uint16_t avail_idx;                          /**< Next descriptor to make available. */
	bool avail_wrap;                             /**< Wrap counter at avail_idx. */
	uint16_t used_idx;                           /**< Next descriptor to read as used. */
	bool used_wrap;                              /**< Wrap counter at used_idx. */
	bool in_order;                               /**< VIRTIO_F_IN_ORDER negotiated. */
	uint16_t next_id;                            /**< Where the search for a free id
						      *   starts. */
	uint16_t nb_inflight;                        /**< Valid entries in inflight[]. */
	struct vpdrv_buf inflight[VPDRV_MAX_INFLIGHT]; /**< Buffers out, in the order
							*   made available. */
};

/**
 * Set up a packed ring of @p size entries in queue @p q's place (0 or 1),
 * both positions at @p base (VPDRV_POS()), as if the driver had run up to
 * there: descriptors before the index used in the current lap, the others
 * used in the previous one (a fresh ring, base VPDRV_POS(0, 1), is all
 * zeroes). Both event areas zeroed (ENABLE).
 */
void vpdrv_init(struct vpdrv *d, struct vdrv_mem *gm, unsigned int q,
		uint16_t size, uint16_t base);

/**
 * Fill @p p for virtq_init() over @p d's ring: host addresses, size, both
 * positions where the driver stands, @p features with VIRTIO_F_RING_PACKED
 * added, @p callfd, the memory table, no logging. Takes VIRTIO_F_IN_ORDER
 * from @p features for the driver too: call it before adding buffers.
 */
void vpdrv_params(struct vpdrv *d, struct virtq_params *p, uint64_t features,
		  int callfd);

/** The AVAIL/USED bits that make a descriptor available @p off descriptors on. */
uint16_t vpdrv_avail_flags(const struct vpdrv *d, uint16_t off);

/** Where the driver makes the next descriptor available (VPDRV_POS()). */
uint16_t vpdrv_avail_pos(const struct vpdrv *d);

/** Where the driver reads the next used descriptor (VPDRV_POS()). */
uint16_t vpdrv_used_pos(const struct vpdrv *d);

/** Free ring descriptors: the ring size less the descriptors of buffers out. */
uint16_t vpdrv_room(const struct vpdrv *d);

/** A buffer id not out (from a round robin over 0..size-1), or UINT16_MAX. */
uint16_t vpdrv_id_alloc(struct vpdrv *d);

/**
 * Write the @p n raw descriptors @p x from the avail position on (the
 * first one's flags last, with a release store), move the avail position
 * on by @p n, and track them as one buffer of the last one's id.
 */
void vpdrv_put(struct vpdrv *d, const struct vpdrv_desc *x, unsigned int n);

/**
 * Make a direct chain of the @p n buffers @p s available as buffer @p id
 * (any value: a malformed chain may name one out of range or in flight).
 * Returns @p id.
 */
uint16_t vpdrv_add_id(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n,
		      uint16_t id);

/** vpdrv_add_id() with a free id. Returns the id. */
uint16_t vpdrv_add(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n);

/**
 * Make one ring descriptor available pointing to an indirect table of the
 * @p n buffers (struct vring_packed_desc entries, len = 16 * n), with a
 * free id. Returns the id.
 */
uint16_t vpdrv_add_indirect(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n);

/**
 * Transmit: write @p hdr (@p hdr_len bytes) and then @p pkt (@p len bytes)
 * into one fresh buffer and describe it with descriptors of the lengths in
 * @p cuts, the rest (if any) in a last one; direct or through an indirect
 * table. Returns the id.
 */
uint16_t vpdrv_tx(struct vpdrv *d, const void *hdr, uint32_t hdr_len,
		  const void *pkt, uint32_t len, const uint32_t *cuts,
		  unsigned int ncuts, bool indirect);

/**
 * Post a receive chain of @p n device-writable buffers of @p lens bytes,
 * each filled with 0xee; direct or indirect. Returns the id.
 */
uint16_t vpdrv_rx(struct vpdrv *d, const uint32_t *lens, unsigned int n, bool indirect);

/**
 * Read the descriptor at the used position into @p u (pos, id, len, flags;
 * nothing given back) if the device has marked it used in the driver's
 * lap. Moves nothing.
 */
bool vpdrv_used_peek(const struct vpdrv *d, struct vpdrv_used *u);

/**
 * Take the next used descriptor, as a driver does: it must name a buffer
 * out (the oldest one of that id); that buffer (in order: with every one
 * made available before it) is given back and the used position moves on
 * by their descriptors. False, with nothing changed, when there is no used
 * descriptor or it names no buffer out.
 */
bool vpdrv_used_next(struct vpdrv *d, struct vpdrv_used *u);

/** Used descriptors vpdrv_used_next() would take now, one after the other. */
uint16_t vpdrv_used_pending(const struct vpdrv *d);

/**
 * Move the used position on by @p n descriptors, giving back nothing (a
 * driver resynchronising after a device returned what it cannot place).
 */
void vpdrv_used_skip(struct vpdrv *d, uint16_t n);

/** Forget every buffer out (a driver resetting its tracking). */
void vpdrv_forget(struct vpdrv *d);

/** Copy the first @p len bytes of buffer @p b's chain to @p out. Returns bytes copied. */
uint32_t vpdrv_buf_read(const struct vpdrv *d, const struct vpdrv_buf *b, void *out,
			uint32_t len);

/**
 * Set the driver area: @p off_wrap (VPDRV_POS()) first, then @p flags
 * (VRING_PACKED_EVENT_FLAG_*) with a release store.
 */
void vpdrv_set_event(struct vpdrv *d, uint16_t flags, uint16_t off_wrap);

/** The device area's flags (VRING_PACKED_EVENT_FLAG_*). */
uint16_t vpdrv_device_flags(const struct vpdrv *d);

#endif /* VDP_VIRTQ_PDRIVER_H */
