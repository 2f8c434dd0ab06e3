/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_PRIV_H
#define VDP_VIRTQ_PRIV_H

/**
 * @file
 * Internals shared by the files of lib/virtq.
 */

#include <rte_atomic.h>
#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_prefetch.h>

#include "virtq.h"

extern int virtq_logtype;

/** Log at most a few lines a second per call site: the guest controls the rate. */
#define VIRTQ_LOG_RL(level, fmt, ...) do { \
	static uint64_t virtq_rl_next_; \
	if (stats_log_due(&virtq_rl_next_)) \
		rte_log(RTE_LOG_##level, virtq_logtype, "virtq: " fmt "\n", ##__VA_ARGS__); \
} while (0)

/** Whether the CPU has PREFETCHW (x86 only; set at start-up). */
extern bool virtq_cpu_prefetchw;

/**
 * Fetch the line at @p p for writing: PREFETCHW takes it exclusive, so the
 * store that follows does not wait for another core to let go of it.
 * Where the CPU lacks the instruction, a plain prefetch.
 */
static __rte_always_inline void
virtq_prefetch_w(const void *p)
{
#ifdef RTE_ARCH_X86
	if (likely(virtq_cpu_prefetchw)) {
		asm volatile("prefetchw %0" : : "m" (*(const volatile char *)p));
		return;
	}
#endif
	rte_prefetch0(p);
}

/** virtq_mem_translate(), inlined for the data path. */
static __rte_always_inline void *
virtq_translate(const struct virtq_mem *m, uint32_t *hint, uint64_t gpa,
		uint64_t len, uint64_t *contig)
{
	const struct virtq_region *r = &m->r[*hint < m->nregions ? *hint : 0];
	uint64_t off, room;
	uint32_t i;

	/* Unsigned: a gpa below the region start wraps to a huge offset. */
	off = gpa - r->gpa;
	if (unlikely(m->nregions == 0 || off >= r->size)) {
		for (i = 0; i < m->nregions; i++) {
			off = gpa - m->r[i].gpa;
			if (off < m->r[i].size)
				break;
		}
		if (i == m->nregions)
			return NULL;
		*hint = i;
		r = &m->r[i];
	}
	room = r->size - off;
	*contig = len < room ? len : room;
	return (void *)(uintptr_t)(r->hva + off);
}

/*
 * Descriptor chain -> bounded vector of host buffers. Everything read from
 * the guest is read once into a local copy, then checked: the guest may
 * rewrite its ring while we look at it.
 */

/* Read a descriptor once. */
static __rte_always_inline struct vring_desc
chain_desc_read(const struct vring_desc *table, uint32_t idx)
{
	const volatile struct vring_desc *d = &table[idx];
	struct vring_desc out;

	out.addr = d->addr;
	out.len = d->len;
	out.flags = d->flags;
	out.next = d->next;
	return out;
}

/* Append [gpa, gpa + len) to the vector, split at region boundaries. */
static __rte_always_inline int
chain_add(struct virtq *vq, struct virtq_chain *c, uint64_t gpa, uint32_t len)
{
	uint64_t contig;
	uint8_t *p;

	while (len != 0) {
		p = virtq_translate(vq->mem, &vq->hint, gpa, len, &contig);
		if (unlikely(p == NULL))
			return -VIRTQ_ERR_BAD_ADDR;
		if (unlikely(c->nvec == VIRTQ_MAX_VEC))
			return -VIRTQ_ERR_TOO_MANY_BUFS;
		c->vec[c->nvec].addr = p;
		c->vec[c->nvec].gpa = gpa;
		c->vec[c->nvec].len = contig;
		c->nvec++;
		gpa += contig;
		len -= contig;
	}
	return 0;
}

/*
 * An indirect table at [gpa, gpa + len) (split and packed descriptors are
 * both 16 bytes): a whole number of descriptors, no longer than the ring,
 * in one host-contiguous piece, 8-byte aligned for the loads that read it.
 * The caller has refused a table that would continue the chain.
 */
static __rte_noinline int
chain_table(struct virtq *vq, uint64_t gpa, uint32_t len, const void **table,
	    uint32_t *table_size)
{
	uint64_t contig;
	void *p;

	RTE_BUILD_BUG_ON(sizeof(struct vring_desc) != sizeof(struct vring_packed_desc));
	if (unlikely(!vq->indirect || len == 0 || len % sizeof(struct vring_desc) != 0 ||
		     len / sizeof(struct vring_desc) > vq->size))
		return -VIRTQ_ERR_BAD_INDIRECT;
	p = virtq_translate(vq->mem, &vq->hint, gpa, len, &contig);
	if (unlikely(p == NULL))
		return -VIRTQ_ERR_BAD_ADDR;
	/* Drivers allocate tables with at least that alignment. */
	if (unlikely(contig != len || ((uintptr_t)p & 7) != 0))
		return -VIRTQ_ERR_BAD_INDIRECT;
	*table = p;
	*table_size = len / sizeof(struct vring_desc);
	return 0;
}

/* Switch to a split indirect table: it cannot itself continue the chain. */
static __rte_always_inline int
chain_indirect(struct virtq *vq, const struct vring_desc *d,
	       const struct vring_desc **table, uint32_t *table_size)
{
	const void *t;
	int ret;

	if (unlikely(d->flags & VRING_DESC_F_NEXT))
		return -VIRTQ_ERR_BAD_INDIRECT;
	ret = chain_table(vq, d->addr, d->len, &t, table_size);
	if (ret == 0)
		*table = t;
	return ret;
}

/** virtq_chain_walk(), inlined into the bursts. */
static __rte_always_inline int
virtq_walk(struct virtq *vq, uint16_t head, bool writable, struct virtq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	uint32_t table_size = vq->size, idx = head, hops = 0;
	uint64_t total = 0;
	bool in_indirect = false;
	struct vring_desc d;
	int ret;

	c->head = head;
	c->ndesc = 1;
	c->nvec = 0;
	c->len = 0;
	if (unlikely(head >= vq->size))
		return -VIRTQ_ERR_BAD_HEAD;
	for (;;) {
		/* A chain visits each descriptor of its table at most once. */
		if (unlikely(++hops > table_size))
			return -VIRTQ_ERR_LOOP;
		d = chain_desc_read(table, idx);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* Only from the ring's own table: a flag, not an
			 * address compare, since the guest picks the address. */
			if (unlikely(in_indirect))
				return -VIRTQ_ERR_NESTED_INDIRECT;
			ret = chain_indirect(vq, &d, &table, &table_size);
			if (ret < 0)
				return ret;
			in_indirect = true;
			idx = 0;
			hops = 0;
			continue;
		}
		if (unlikely(!!(d.flags & VRING_DESC_F_WRITE) != writable))
			return -VIRTQ_ERR_WRONG_DIR;
		if (unlikely(d.len == 0 && !writable))
			return -VIRTQ_ERR_BAD_LEN;
		total += d.len;
		if (unlikely(total > UINT32_MAX))
			return -VIRTQ_ERR_BAD_LEN;
		ret = chain_add(vq, c, d.addr, d.len);
		if (unlikely(ret < 0))
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (unlikely(d.next >= table_size))
			return -VIRTQ_ERR_BAD_INDEX;
		idx = d.next;
	}
	c->len = total;
	return 0;
}

/*
 * Packed descriptor flags (packed.c, and notify.c's re-check before the
 * owner sleeps): whether the driver has made a descriptor available.
 */
#define PACKED_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)  /* Driver's lap bit. */
#define PACKED_F_USED (1u << VRING_PACKED_DESC_F_USED)    /* Device's lap bit. */

/* Whether @p flags mark a descriptor available in the lap of wrap counter @p wrap. */
static __rte_always_inline bool
packed_is_avail(uint16_t flags, bool wrap)
{
	return !!(flags & PACKED_F_AVAIL) == wrap && !!(flags & PACKED_F_USED) != wrap;
}

static __rte_always_inline uint16_t
packed_flags(const struct virtq *vq, uint16_t pos)
{
	return *(const volatile uint16_t *)&vq->desc_packed[pos].flags;
}

/* Whether the chain at last_avail is there; acquire on what it holds. */
static __rte_always_inline bool
packed_head_avail(const struct virtq *vq)
{
	if (!packed_is_avail(packed_flags(vq, vq->last_avail), vq->avail_wrap))
		return false;
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	return true;
}

/**
 * The used id of chain @p c: its head (split) or buffer id with its
 * descriptor count in bits 16-31 (packed), as the shadow array and the
 * zero-copy order keep it.
 */
static __rte_always_inline uint32_t
virtq_used_id(const struct virtq *vq, const struct virtq_chain *c)
{
	return vq->packed ? c->head | (uint32_t)c->ndesc << 16 : c->head;
}

/**
 * Where the used side stands: last_used, with (packed) the wrap counter in
 * bit 15, so that a burst that went once round the ring still shows.
 */
static __rte_always_inline uint16_t
virtq_used_pos(const struct virtq *vq)
{
	return vq->last_used | (uint16_t)(vq->packed && vq->used_wrap) << 15;
}

/** Add a used entry to the burst's shadow array. */
static __rte_always_inline void
virtq_shadow_add(struct virtq *vq, uint32_t id, uint32_t len)
{
	vq->shadow[vq->nb_shadow].id = id;
	vq->shadow[vq->nb_shadow].len = len;
	vq->nb_shadow++;
}

/**
 * The piece of chain @p c that holds its byte @p *off, with @p *off made
 * the offset inside that piece; c->nvec when the chain is shorter.
 */
static __rte_always_inline uint16_t
virtq_chain_seek(const struct virtq_chain *c, uint32_t *off)
{
	uint16_t i;

	for (i = 0; i < c->nvec && *off >= c->vec[i].len; i++)
		*off -= c->vec[i].len;
	return i;
}

/* Copy @p len bytes of the chain from byte @p off into @p dst. */
static __rte_always_inline void
virtq_chain_read(const struct virtq_chain *c, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	uint16_t i;

	for (i = virtq_chain_seek(c, &off); i < c->nvec && len != 0; i++, off = 0) {
		uint32_t n = RTE_MIN(c->vec[i].len - off, len);

		rte_memcpy(d, c->vec[i].addr + off, n);
		d += n;
		len -= n;
	}
}

/*
 * Zero-copy dequeue (zcopy.c). A queue can have it when vq->zc is set;
 * vq->zc_min is then its threshold, UINT32_MAX while it is off. A queue
 * with it off, and nothing of it still due back, takes the copy path.
 */
#define VIRTQ_ZC_SEG_MAX 32768   /**< Largest external segment. */

/**
 * Set up (or reset) zero-copy on @p vq (its size set) and its threshold
 * vq->zc_min; 0 or -ENOMEM.
 */
int virtq_zc_init(struct virtq *vq, uint32_t min_len, uint16_t max_inflight);

/**
 * Release the zero-copy state (vq->zc_min back to UINT32_MAX); with
 * buffers still out, it is left to them.
 */
void virtq_zc_fini(struct virtq *vq);

/** True when one more chain may be zero-copied; counts zc_capped when not. */
bool virtq_zc_room(struct virtq *vq);

/** True when chains taken with zero-copy on still wait for used entries. */
bool virtq_zc_pending(const struct virtq *vq);

/**
 * How many more chains may be taken before the used entries owed (chains
 * taken and not handed back, and entries waiting in the shadow array)
 * would pass the ring size.
 */
uint16_t virtq_zc_room_owed(const struct virtq *vq);

/** True when @p head is zero-copied and not yet freed. */
bool virtq_zc_head_busy(const struct virtq *vq, uint16_t head);

/**
 * Build @p m over chain @p c from byte @p off: a private first segment of
 * VIRTQ_ZC_COPY_LEN bytes, then external segments over the guest's buffers.
 * Returns 0, 1 when the chain is to be copied instead (nothing changed),
 * or -VIRTQ_ERR_MBUF_ALLOC (nothing changed).
 */
int virtq_zc_to_mbuf(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
		     struct rte_mbuf *m, struct rte_mempool *mp);

/**
 * The chain of used id @p used_id (virtq_used_id(): its low 16 bits are the
 * head or buffer id) was taken, zero-copied or not: its used entry is queued.
 */
void virtq_zc_taken(struct virtq *vq, uint32_t used_id, bool zcopied);

/**
 * Collect the heads whose mbufs were freed and queue the used entries that
 * are now due, in the order the chains were taken, into the shadow array.
 */
void virtq_zc_complete(struct virtq *vq);

/** Count an error and log it, rate-limited. */
void virtq_error(struct virtq *vq, enum virtq_error e);

/**
 * Write the shadow used entries and publish them: split, the entries then
 * the used index; packed, virtq_packed_flush().
 */
void virtq_used_flush(struct virtq *vq);

/**
 * Packed: write the shadow entries as used descriptors from last_used on,
 * ids and lengths first, then the flags, the first entry's last (release),
 * so that the guest sees the batch whole. @p rx marks them written (WRITE).
 * With VIRTIO_F_IN_ORDER and !@p rx, one descriptor stands for them all.
 */
void virtq_packed_flush(struct virtq *vq, bool rx);

/**
 * Keep guest kicks off: split, NO_NOTIFY or avail_event just behind
 * last_avail; packed, the device area's DISABLE.
 */
void virtq_kick_suppress(struct virtq *vq);

/**
 * Call the guest if entries were completed since used position @p old_used
 * (virtq_used_pos()) and it asked.
 */
void virtq_notify(struct virtq *vq, uint16_t old_used);

/**
 * Whether a guest whose driver area says @p off_wrap (under EVENT_IDX, DESC)
 * wants a call now that the used position went from @p old to @p new
 * (positions as virtq_used_pos() gives them) on a ring of @p size.
 */
bool virtq_packed_need_event(uint16_t size, uint16_t off_wrap, uint16_t old, uint16_t new);

/** Set vq's split burst functions for its features (and logging). */
void virtq_split_select(struct virtq *vq);

/** Set vq's packed burst functions for its features (and logging). */
void virtq_packed_select(struct virtq *vq);

/** Packed virtq_chain_walk(). */
int virtq_packed_walk_at(struct virtq *vq, uint16_t pos, bool writable,
			 struct virtq_chain *c);

/** Set mbuf offload flags from a guest tx header; 0, or -1 for a bad header. */
int virtq_hdr_to_mbuf(const struct virtio_net_hdr *hdr, struct rte_mbuf *m);

/**
 * Fill a guest rx header from mbuf offload flags, using only what the
 * guest negotiated (GUEST_CSUM, GUEST_TSO4/6); the caller completes in
 * software what the guest cannot take.
 */
void virtq_hdr_from_mbuf(const struct virtq *vq, const struct rte_mbuf *m,
			 struct virtio_net_hdr *hdr);

#endif /* VDP_VIRTQ_PRIV_H */
