/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_DRIVER_H
#define VDP_VIRTQ_DRIVER_H

/**
 * @file
 * A tiny split-ring virtio driver for the lib/virtq unit tests: the guest
 * side of a virtqueue, over guest memory the test builds itself.
 *
 * Guest memory is one memfd mapped twice, as in Linux's
 * tools/virtio/vringh_test.c. The host view maps the whole file once, as
 * vdp maps a vhost-user memory table; the engine gets host addresses. The
 * guest view is contiguous in guest physical addresses (gpa): each region
 * of the file appears at guest + (gpa - VDRV_GPA_BASE), so the driver
 * writes through plain pointers, as a guest does. Regions that are adjacent
 * in gpa are not adjacent in the file, hence not in the host view either,
 * so a buffer crossing a region boundary is two pieces for the engine. No
 * gpa equals its address in either view.
 *
 * Layout (gpa):
 *   R0 0x100000-0x140000  rings, indirect tables, buffers
 *   R1 0x140000-0x141000  one page
 *   R2 0x141000-0x151000
 *   hole 0x151000-0x200000  in no region
 *   R3 0x200000-0x210000  the last region
 *
 * The driver hands out descriptors round robin and never reclaims them:
 * a test keeps at most a ring's worth in flight.
 */

#include <stdbool.h>
#include <stdint.h>

#include "virtq.h"

#define VDRV_GPA_BASE 0x100000ULL          /**< Lowest gpa of guest memory. */
#define VDRV_R0_GPA   0x100000ULL          /**< R0: rings, tables, buffers. */
#define VDRV_R0_SIZE  0x40000ULL           /**< R0 bytes. */
#define VDRV_R1_GPA   0x140000ULL          /**< R1: one page, right after R0. */
#define VDRV_R1_SIZE  0x1000ULL            /**< R1 bytes. */
#define VDRV_R2_GPA   0x141000ULL          /**< R2: right after R1. */
#define VDRV_R2_SIZE  0x10000ULL           /**< R2 bytes. */
#define VDRV_HOLE_GPA 0x151000ULL          /**< Start of a gpa hole (no region). */
#define VDRV_R3_GPA   0x200000ULL          /**< R3: the last region. */
#define VDRV_R3_SIZE  0x10000ULL           /**< R3 bytes. */
#define VDRV_GPA_END  (VDRV_R3_GPA + VDRV_R3_SIZE) /**< One past guest memory. */
#define VDRV_SPAN     (VDRV_GPA_END - VDRV_GPA_BASE) /**< Bytes of gpa space covered. */

/* Slots of the regions in virtq_mem::r[]: deliberately not in gpa order. */
#define VDRV_SLOT_R3 0 /**< Slot of R3. */
#define VDRV_SLOT_R0 1 /**< Slot of R0. */
#define VDRV_SLOT_R2 2 /**< Slot of R2. */
#define VDRV_SLOT_R1 3 /**< Slot of R1. */
#define VDRV_NREGIONS 4 /**< Regions in the table. */

#define VDRV_MAX_SIZE 256                   /**< Largest ring the layout holds. */
#define VDRV_RING_GPA(q) (VDRV_R0_GPA + (uint64_t)(q) * 0x4000) /**< Rings of queue q (0 or 1). */
#define VDRV_AVAIL_OFF 0x1000               /**< Avail ring, from the descriptor table. */
#define VDRV_USED_OFF  0x2000               /**< Used ring, from the descriptor table. */
#define VDRV_IND_GPA  0x108000ULL           /**< Indirect-table area. */
#define VDRV_IND_END  0x110000ULL           /**< End of the indirect-table area. */
#define VDRV_BUF_GPA  0x110000ULL           /**< Buffer area (to the end of R0). */
#define VDRV_BUF_END  (VDRV_R0_GPA + VDRV_R0_SIZE) /**< End of the buffer area. */

/** Guest memory, seen by the guest and by the host. */
struct vdrv_mem {
	int fd;                /**< The memfd behind both views. */
	uint8_t *host;         /**< Host view: the whole file. */
	uint64_t host_len;     /**< Bytes of the host view (the file). */
	uint8_t *guest;        /**< Guest view: gpa VDRV_GPA_BASE at guest[0]. */
	struct virtq_mem mem;  /**< Memory table handed to the engine. */
	uint64_t buf_next;     /**< Next free gpa of the buffer area. */
	uint64_t ind_next;     /**< Next free gpa of the indirect-table area. */
};

/** One buffer of a chain, as the driver describes it. */
struct vdrv_seg {
	uint64_t gpa;    /**< Guest physical address. */
	uint32_t len;    /**< Bytes. */
	uint16_t flags;  /**< 0 or VRING_DESC_F_WRITE (the driver adds NEXT). */
};

/** The guest side of one split virtqueue. */
struct vdrv {
	struct vdrv_mem *gm;        /**< Guest memory the rings live in. */
	uint16_t size;              /**< Ring size. */
	uint64_t ring_gpa;          /**< gpa of the descriptor table. */
	struct vring_desc *desc;    /**< Descriptor table, guest view. */
	struct vring_avail *avail;  /**< Avail ring, guest view. */
	struct vring_used *used;    /**< Used ring, guest view. */
	uint16_t next_desc;         /**< Next descriptor to hand out. */
	uint16_t avail_idx;         /**< Our copy of avail->idx. */
	uint16_t used_idx;          /**< Next used entry to read. */
};

/** Map guest memory (both views) and fill the memory table. Returns 0 or -errno. */
int vdrv_mem_create(struct vdrv_mem *gm);

/** Unmap and close what vdrv_mem_create() made. */
void vdrv_mem_destroy(struct vdrv_mem *gm);

/** Zero all guest memory and restart the buffer and table allocators. */
void vdrv_mem_reset(struct vdrv_mem *gm);

/** Guest-view pointer to @p gpa (which must be in a region). */
void *vdrv_gva(const struct vdrv_mem *gm, uint64_t gpa);

/**
 * Host-view pointer to @p gpa, computed from the driver's own layout (not
 * through the engine), or NULL outside every region.
 */
void *vdrv_hva(const struct vdrv_mem *gm, uint64_t gpa);

/** True when [gpa, gpa + len) lies in guest memory (possibly across regions). */
bool vdrv_gpa_valid(uint64_t gpa, uint64_t len);

/** Allocate @p len bytes of buffer area (64-byte aligned; wraps around when full). */
uint64_t vdrv_alloc(struct vdrv_mem *gm, uint32_t len);

/** Allocate an indirect table of @p n descriptors; returns its gpa. */
uint64_t vdrv_alloc_table(struct vdrv_mem *gm, uint32_t n);

/**
 * Set up queue @p q's rings (queue 0 or 1) of @p size entries, zeroed, with
 * avail->idx and used->idx both at @p idx.
 */
void vdrv_init(struct vdrv *d, struct vdrv_mem *gm, unsigned int q,
	       uint16_t size, uint16_t idx);

/**
 * Fill @p p for virtq_init() over @p d's rings: host addresses, size,
 * last_avail and last_used at the rings' current indices, @p features,
 * @p callfd, the memory table, no logging.
 */
void vdrv_params(const struct vdrv *d, struct virtq_params *p,
		 uint64_t features, int callfd);

/** Hand out the next free descriptor index. */
uint16_t vdrv_desc_alloc(struct vdrv *d);

/** Add a direct chain of @p n buffers (not published). Returns its head. */
uint16_t vdrv_add(struct vdrv *d, const struct vdrv_seg *s, unsigned int n);

/**
 * Add one ring descriptor pointing to an indirect table of the @p n buffers
 * (not published). Returns its head.
 */
uint16_t vdrv_add_indirect(struct vdrv *d, const struct vdrv_seg *s,
			   unsigned int n);

/** Make @p head available: write the avail entry, barrier, bump avail->idx. */
void vdrv_publish(struct vdrv *d, uint16_t head);

/** Used entries the device has returned that we have not read. */
uint16_t vdrv_used_pending(const struct vdrv *d);

/** Read the next used entry into @p e; false when there is none. */
bool vdrv_used_next(struct vdrv *d, struct vring_used_elem *e);

/** used_event: avail->ring[size], the used index the guest wants a call at. */
void vdrv_set_used_event(struct vdrv *d, uint16_t v);

/** avail_event: used->ring[size], the avail index the device wants a kick at. */
uint16_t vdrv_avail_event(const struct vdrv *d);

/**
 * Transmit: write @p hdr (@p hdr_len bytes) and then @p pkt (@p len bytes)
 * into one fresh buffer and describe it with descriptors of the lengths in
 * @p cuts, the rest (if any) in a last one; direct or through an indirect
 * table. Publishes and returns the head.
 */
uint16_t vdrv_tx(struct vdrv *d, const void *hdr, uint32_t hdr_len,
		 const void *pkt, uint32_t len, const uint32_t *cuts,
		 unsigned int ncuts, bool indirect);

/**
 * Post a receive chain of @p n device-writable buffers of @p lens bytes,
 * each filled with 0xee; direct or indirect. Publishes and returns the head.
 */
uint16_t vdrv_rx(struct vdrv *d, const uint32_t *lens, unsigned int n,
		 bool indirect);

/**
 * The buffers of the (well-formed) chain at @p head, at most @p max of
 * them, following an indirect table if there is one. Returns the count.
 */
unsigned int vdrv_chain_segs(const struct vdrv *d, uint16_t head,
			     struct vdrv_seg *segs, unsigned int max);

/** Copy the first @p len bytes of the chain at @p head to @p out. Returns bytes copied. */
uint32_t vdrv_chain_read(const struct vdrv *d, uint16_t head, void *out,
			 uint32_t len);

#endif /* VDP_VIRTQ_DRIVER_H */
