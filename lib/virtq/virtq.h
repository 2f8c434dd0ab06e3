/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_H
#define VDP_VIRTQ_H

/**
 * @file
 * vdp's virtqueue engine: split and packed virtqueues processed in bursts,
 * with every guest-controlled value bounded before use. It knows nothing of ports,
 * lcores or vhost-user: the caller hands it ring addresses, a guest memory
 * table and the negotiated features (from rte_vhost, or from a test that
 * builds guest memory itself).
 *
 * Threading: one virtq is used by one thread at a time (the worker that
 * owns it); nothing here takes a lock.
 *
 * The guest is untrusted. Descriptor indices, buffer ids, chain lengths,
 * buffer addresses and lengths, indirect tables, avail flags and the avail
 * index are all checked. A bad chain is returned to the guest with length 0
 * and counted; an avail index more than a ring size ahead (which cannot be
 * repaired) marks the queue broken until it is re-initialised.
 *
 * The layout follows the features: VIRTIO_F_RING_PACKED makes the queue a
 * packed one (virtio 1.1, 2.8), whose ring indices carry their wrap
 * counter in bit 15, as vhost-user's vring base does.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "stats.h"

#define VIRTQ_MAX_REGIONS 8     /**< Guest memory regions (vhost-user allows 8). */
#define VIRTQ_MAX_VEC 64        /**< Host-contiguous pieces in one chain. */
#define VIRTQ_MAX_BURST 64      /**< Packets per dequeue/enqueue call. */
#define VIRTQ_MAX_SIZE 32768    /**< Largest ring (virtio 1.x limit). */
#define VIRTQ_MAX_PKT_LEN (64 * 1024 + 18) /**< Largest packet taken from a guest. */
/**
 * Bytes of a zero-copied packet copied into its private first segment:
 * room for the headers that forwarding may rewrite (Ethernet, VLAN, IPv6,
 * TCP with options), so that nothing writes into the guest's buffer.
 */
#define VIRTQ_ZC_COPY_LEN 128
/**
 * A zero-copied chain out longer than this stalls its queue's zero-copy:
 * the queue copies until every chain is back (counted as zc_stalls).
 */
#define VIRTQ_ZC_STALL_MS 10

/** One region of guest memory, as the vhost-user memory table gives it. */
struct virtq_region {
	uint64_t gpa;   /**< Guest physical start. */
	uint64_t size;  /**< Bytes. */
	uint64_t hva;   /**< Host virtual address of gpa. */
};

/** Guest memory: what guest physical addresses map to. */
struct virtq_mem {
	uint32_t nregions;                          /**< Valid entries in r[]. */
	bool dma;                                   /**< Every region is mapped for device DMA
						     *   at IOVA = host address: zero-copied
						     *   segments carry it, else RTE_BAD_IOVA. */
	struct virtq_region r[VIRTQ_MAX_REGIONS];   /**< The regions. */
};

/**
 * Errors counted per queue, defined once: enum name, user-visible name.
 * The queue-level drops (guest ring full, mbuf allocation failed) share
 * their names with the port's drop reasons (stats.h).
 */
#define VIRTQ_FOREACH_ERROR(X) \
	X(BAD_HEAD, "bad_head") \
	X(BAD_INDEX, "bad_next_index") \
	X(LOOP, "chain_too_long") \
	X(BAD_ADDR, "bad_address") \
	X(BAD_LEN, "bad_length") \
	X(NESTED_INDIRECT, "nested_indirect") \
	X(BAD_INDIRECT, "bad_indirect_table") \
	X(WRONG_DIR, "wrong_direction") \
	X(TOO_MANY_BUFS, "too_many_buffers") \
	X(AVAIL_JUMP, "avail_index_jump") \
	STATS_FOREACH_QUEUE_DROP(X) \
	X(PKT_TOO_BIG, "packet_too_big") \
	X(BAD_HDR, "bad_net_header") \
	X(HEAD_IN_FLIGHT, "head_in_flight") \
	X(BROKEN, "queue_broken") \
	X(BAD_ID, "bad_buffer_id") \
	X(AVAIL_FLIP, "avail_flag_flip")

/**
 * Index of each error in virtq_stats::errors. Functions return errors
 * negated, so 0 is kept for "no error".
 */
enum virtq_error {
	VIRTQ_ERR_NONE = 0, /**< Not an error; its counter stays 0. */
#define VIRTQ_ERR_ENUM(e, s) VIRTQ_ERR_##e,
	VIRTQ_FOREACH_ERROR(VIRTQ_ERR_ENUM)
#undef VIRTQ_ERR_ENUM
	VIRTQ_ERR_MAX /**< Number of error kinds. */
};

/**
 * Counters of one queue: written only by the thread that uses the queue,
 * with stats_add(); read from any thread with stats_read() (as
 * virtq_stats_acc() does).
 */
struct virtq_stats {
	uint64_t pkts;                   /**< Packets dequeued or enqueued. */
	uint64_t bytes;                  /**< Their bytes, without the virtio-net header. */
	uint64_t calls;                  /**< Guest interrupts made (call eventfd writes). */
	uint64_t calls_avoided;          /**< Bursts that completed buffers without a call. */
	uint64_t kicks_avoided;          /**< Bursts that found new buffers with kicks off. */
	uint64_t zc_pkts;                /**< Packets dequeued zero-copy. */
	uint64_t zc_small;               /**< Packets copied, with zero-copy on, for being short. */
	uint64_t zc_capped;              /**< Packets copied because the in-flight cap was reached
					  *   or the queue was stalled. */
	uint64_t zc_stalls;              /**< Times the oldest zero-copied chain was out longer
					  *   than VIRTQ_ZC_STALL_MS. */
	uint64_t errors[VIRTQ_ERR_MAX];  /**< Chains or packets refused, by cause. */
};

/**
 * Dirty-page logging for live migration, called for every guest buffer
 * and used-ring entry the engine writes while logging is on.
 */
struct virtq_log_ops {
	/** Guest memory [gpa, gpa + len) was written. */
	void (*write)(void *ctx, uint64_t gpa, uint64_t len);
	/** The used ring was written at byte @p offset for @p len bytes. */
	void (*used)(void *ctx, uint64_t offset, uint64_t len);
};

/** Everything virtq_init() needs. */
struct virtq_params {
	union {
		struct vring_desc *desc;                 /**< Split: descriptor table
							  *   (host address). */
		struct vring_packed_desc *desc_packed;   /**< Packed: descriptor ring. */
	};
	union {
		struct vring_avail *avail;               /**< Split: avail ring. */
		struct vring_packed_desc_event *driver_event; /**< Packed: driver area. */
	};
	union {
		struct vring_used *used;                 /**< Split: used ring. */
		struct vring_packed_desc_event *device_event; /**< Packed: device area. */
	};
	uint16_t size;               /**< Ring size: split, a power of two 1..VIRTQ_MAX_SIZE;
				      *   packed, any of 1..VIRTQ_MAX_SIZE. */
	uint16_t last_avail;         /**< Next avail entry to take (vring base); packed:
				      *   the wrap counter in bit 15. */
	uint16_t last_used;          /**< Next used entry to fill; packed: bit 15 as above. */
	uint64_t features;           /**< Negotiated virtio features (VIRTIO_F_RING_PACKED
				      *   picks the layout). */
	const struct virtq_mem *mem; /**< Guest memory; must outlive the queue's use. */
	int callfd;                  /**< Call eventfd, or -1: never interrupt. */
	const struct virtq_log_ops *log; /**< Dirty logging ops, or NULL. */
	void *log_ctx;               /**< Passed to the log ops. */
	uint32_t zcopy_min;          /**< Dequeue packets of at least this many bytes zero-copy
				      *   (at least VIRTQ_ZC_COPY_LEN + 1); UINT32_MAX: off
				      *   for now (virtq_zc_set_min() turns it on); 0: never. */
	uint16_t zcopy_max;          /**< Chains zero-copied at most at a time; 0: size / 2. */
	uint32_t *zc_pin;            /**< Or NULL: counted up for each chain zero-copied over
				      *   @p mem, down when it comes back, by the queue's
				      *   owner with relaxed atomic stores; @p mem's mapping
				      *   must outlive a nonzero count. */
};

/** One host-contiguous piece of a descriptor chain. */
struct virtq_buf {
	uint8_t *addr;   /**< Host address. */
	uint64_t gpa;    /**< Guest physical address (for dirty logging). */
	uint32_t len;    /**< Bytes. */
};

/** A walked descriptor chain. */
struct virtq_chain {
	uint16_t head;                       /**< Split: head index; packed: buffer id
					      *   (either way, the used id). */
	uint16_t ndesc;                      /**< Packed: ring descriptors of the chain. */
	uint16_t nvec;                       /**< Valid entries in vec[]. */
	uint32_t len;                        /**< Total bytes in vec[]. */
	struct virtq_buf vec[VIRTQ_MAX_VEC]; /**< The pieces, in order. */
};

struct virtq_zc;
struct virtq;

/** An enqueue function (mp unused), chosen once per queue for its layout and features. */
typedef uint16_t (*virtq_burst_fn)(struct virtq *vq, struct rte_mempool *mp,
				   struct rte_mbuf **pkts, uint16_t n);

/** A dequeue function, chosen as virtq_burst_fn is; virtq_dequeue_burst()'s arguments. */
typedef uint16_t (*virtq_dequeue_fn)(struct virtq *vq, struct rte_mempool *mp,
				     struct rte_mbuf **pkts, uint16_t n, uint32_t max_bytes);

/** A virtqueue (split or packed) as the device side sees it. */
struct virtq {
	union {
		struct vring_desc *desc;                 /**< Split: descriptor table. */
		struct vring_packed_desc *desc_packed;   /**< Packed: descriptor ring. */
	};
	union {
		struct vring_avail *avail;               /**< Split: avail ring (guest writes). */
		struct vring_packed_desc_event *driver_event; /**< Packed: when to call
							  *   (guest writes). */
	};
	union {
		struct vring_used *used;                 /**< Split: used ring (we write). */
		struct vring_packed_desc_event *device_event; /**< Packed: when to kick
							  *   (we write). */
	};
	virtq_dequeue_fn dequeue;     /**< Copy dequeue for the negotiated features. */
	virtq_dequeue_fn dequeue_zc;  /**< Zero-copy dequeue for them. */
	virtq_burst_fn enqueue;       /**< Enqueue for them (mp unused). */
	uint16_t size;                /**< Ring size. */
	uint16_t mask;                /**< Split: size - 1. */
	uint16_t last_avail;          /**< Next avail entry to take (packed: 0..size-1). */
	uint16_t last_used;           /**< Next used entry to fill (packed: 0..size-1). */
	bool packed;                  /**< VIRTIO_F_RING_PACKED: the packed layout. */
	bool avail_wrap;              /**< Packed: wrap counter at last_avail. */
	bool used_wrap;               /**< Packed: wrap counter at last_used. */
	bool in_order;                /**< VIRTIO_F_IN_ORDER negotiated. */
	uint16_t signalled_used;      /**< Used position (virtq_used_pos()) at the last call
				       *   decision (event idx). */
	bool signalled_valid;         /**< signalled_used means something. */
	bool event_idx;               /**< VIRTIO_RING_F_EVENT_IDX negotiated. */
	bool indirect;                /**< VIRTIO_RING_F_INDIRECT_DESC negotiated. */
	bool mrg_rxbuf;               /**< VIRTIO_NET_F_MRG_RXBUF negotiated. */
	bool tx_hdr;                  /**< Tx offloads negotiated (CSUM, HOST_TSO*):
				       *   tx headers are read; without them a
				       *   header cannot ask for anything. */
	bool broken;                  /**< Unrecoverable guest error: queue stopped. */
	uint16_t hdr_len;             /**< virtio-net header bytes: 10 or 12. */
	uint64_t features;            /**< Negotiated features. */
	const struct virtq_mem *mem;  /**< Guest memory. */
	uint32_t hint;                /**< Region of the last translation. */
	int callfd;                   /**< Call eventfd or -1. */
	const struct virtq_log_ops *log; /**< Dirty logging, or NULL when off. */
	void *log_ctx;                /**< Context of the log ops. */
	uint16_t nb_shadow;           /**< Used entries waiting in shadow[]. */
	struct vring_used_elem *shadow; /**< Used entries of this burst (size entries);
					 *   packed: the chain's descriptor count in
					 *   bits 16-31 of id. */
	uint32_t *id_burst;           /**< Packed: per buffer id, the burst that last took
				       *   it (in-flight ids are refused). */
	uint32_t burst_seq;           /**< Packed: number of the current burst. */
	uint32_t zc_min;              /**< Zero-copy threshold; UINT32_MAX when off
				       *   (virtq_zc_set_min() from any thread). */
	struct virtq_zc *zc;          /**< Zero-copy state, or NULL when never on. */
	uint32_t *zc_pin;             /**< References of the current memory table. */
	struct virtq_stats stats;     /**< Counters. */
};

/**
 * Set up @p vq over the rings in @p p, suppress guest kicks, and allocate
 * the shadow used array. @p vq must be zeroed, finished with virtq_fini(),
 * or already initialised (its shadow array is reused). Returns 0, or
 * -EINVAL (bad size, NULL ring) or -ENOMEM. Call virtq_fini() to release.
 */
int virtq_init(struct virtq *vq, const struct virtq_params *p);

/** Release what virtq_init() allocated; safe on a zeroed or finished queue. */
void virtq_fini(struct virtq *vq);

/**
 * The ring indices as vhost-user's vring base gives them: the next avail
 * and used entries, with (packed) the wrap counter in bit 15. What
 * virtq_params takes back to carry on where the queue stopped.
 */
void virtq_get_base(const struct virtq *vq, uint16_t *last_avail, uint16_t *last_used);

/**
 * Turn dirty logging on (@p log non-NULL) or off. Takes effect from the
 * next burst.
 */
void virtq_set_log(struct virtq *vq, const struct virtq_log_ops *log, void *ctx);

/**
 * Translate guest range [gpa, gpa + len). Returns the host address of
 * @p gpa and sets @p contig to the bytes contiguous from there (at most
 * @p len; less when the range crosses a region end), or returns NULL when
 * @p gpa is in no region. @p hint is the region to try first, updated.
 */
void *virtq_mem_translate(const struct virtq_mem *m, uint32_t *hint,
			  uint64_t gpa, uint64_t len, uint64_t *contig);

/**
 * Walk the chain at @p head into @p c. @p writable selects the direction:
 * true for rx (every buffer must be device-writable), false for tx (every
 * buffer must be device-readable). Split: @p head is a descriptor index.
 * Packed: it is a ring position, whose descriptors must be available in
 * the lap they are in when at or after last_avail (else the next one);
 * c->head is then the chain's buffer id and c->ndesc its length in the
 * ring. Returns 0 or the negative of the virtq_error that made the chain
 * bad.
 */
int virtq_chain_walk(struct virtq *vq, uint16_t head, bool writable,
		     struct virtq_chain *c);

/**
 * Dequeue up to @p n packets the guest transmitted into mbufs from @p mp.
 * Packets larger than one mbuf become multi-segment mbufs; the
 * virtio-net header's checksum and GSO fields become mbuf offload flags.
 * Bad chains are returned with length 0 and counted. Calls the guest at
 * most once, if it asked. Returns the number of packets.
 *
 * Byte budget: the burst takes no chain after the one whose packet brings
 * the bytes taken (packets without their virtio-net header, as
 * virtq_stats::bytes counts them) to @p max_bytes or more. That chain is
 * still taken, so a burst with anything to take returns at least one
 * packet; UINT32_MAX is no bound. A bad chain adds nothing. The rule is
 * exact on every path: the packed ring's batches of four are taken
 * together only while their first three packets stay under what is left
 * of the budget, so a batch never takes a chain past the one that reaches
 * it, and a burst takes the same chains with or without batches.
 */
uint16_t virtq_dequeue_burst(struct virtq *vq, struct rte_mempool *mp,
			     struct rte_mbuf **pkts, uint16_t n, uint32_t max_bytes);

/**
 * Copy up to @p n packets (at most VIRTQ_MAX_BURST are considered; the
 * rest are left to the caller, uncounted) into the guest's receive buffers, writing the
 * virtio-net header from the mbuf offload flags (and num_buffers with
 * mergeable rx buffers). Returns how many were placed; the caller still
 * owns (and frees) every mbuf; on return pkts[0..ret) are the placed ones,
 * in their original order, and the rest follow. Packets not placed are
 * counted: ring full, or too big for a buffer without mergeable rx
 * buffers. Calls the guest at most once, if it asked.
 */
uint16_t virtq_enqueue_burst(struct virtq *vq, struct rte_mbuf **pkts,
			     uint16_t n);

/**
 * Adaptive polling: ask the guest to kick on the next buffer it makes
 * available, then look at the ring once more. Split rings clear
 * VRING_USED_F_NO_NOTIFY, or under VIRTIO_RING_F_EVENT_IDX set avail_event
 * to the next entry to take (both dirty-logged as the used ring is);
 * packed rings set the device event suppression area to ENABLE. A full
 * barrier separates that write from the re-check, so that a buffer the
 * guest made available before it could see the write is found here, and
 * one made available after it is kicked (the race the kernel's
 * vhost_enable_notify() closes). Returns true when the caller must not
 * sleep: the ring has a buffer to take, or chains dequeued zero-copy are
 * not all handed back (their used entries wait for this queue's next
 * burst). A broken queue is left with kicks off and returns false. Owner
 * of the queue only; its next burst that takes a buffer, or
 * virtq_notify_disable(), turns kicks off again.
 */
bool virtq_notify_enable(struct virtq *vq);

/** Turn guest kicks off again, as every burst keeps them. Owner only. */
void virtq_notify_disable(struct virtq *vq);

/**
 * Chains dequeued zero-copy whose mbufs are not all freed yet (their used
 * entries wait). Any thread.
 */
uint16_t virtq_zc_inflight(const struct virtq *vq);

/**
 * Zero-copy packets of at least @p min_len bytes (raised to
 * VIRTQ_ZC_COPY_LEN + 1), or none when 0. Needs zero-copy state (a
 * nonzero virtq_params::zcopy_min at init); without it, does nothing.
 * Any thread; the owner sees it from its next burst, and chains already
 * out still come back in order.
 */
void virtq_zc_set_min(struct virtq *vq, uint32_t min_len);

/**
 * While the queue is stopped (no worker uses it) and its rings are still
 * mapped: write the used entries of every chain that came back, call the
 * guest if it asked, and return how many chains are still out. On a
 * broken queue it writes nothing and only counts the chains still out.
 */
uint16_t virtq_zc_drain(struct virtq *vq);

/**
 * The queue's rings are going away with chains still out: take the
 * zero-copy state off @p vq (which goes on without it), so that no used
 * entry is ever written for those chains. Returns the state, to be passed
 * to virtq_zc_reap() until it returns true, or NULL when nothing was out
 * (the state is freed). Only while the queue is stopped.
 */
struct virtq_zc *virtq_zc_orphan(struct virtq *vq);

/**
 * Collect what came back of orphaned state @p zc; when nothing is out
 * any more, free it and return true. One thread at a time.
 */
bool virtq_zc_reap(struct virtq_zc *zc);

/** Chains of orphaned state @p zc still out, as of the last reap. */
uint16_t virtq_zc_orphan_inflight(const struct virtq_zc *zc);

/** acc += @p s, field by field, read with stats_read(): any thread. */
void virtq_stats_acc(struct virtq_stats *acc, const struct virtq_stats *s);

/** Name of an error, for counters and logs. */
const char *virtq_error_name(enum virtq_error e);

#endif /* VDP_VIRTQ_H */
