/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Zero-copy dequeue: a tx chain becomes an mbuf whose first segment is a
 * private copy of the packet's first VIRTQ_ZC_COPY_LEN bytes (the headers that
 * forwarding may rewrite) and whose other segments are external buffers
 * over the guest's memory, one per host-contiguous piece. The guest's
 * buffer is handed back (its used entry written) only once every segment
 * that points into it has been freed, whichever thread frees it.
 *
 * The state is indexed by the chain's used id: the head of a split chain,
 * the buffer id of a packed one (whose used id also carries the chain's
 * descriptor count, kept in the order array for the used descriptor).
 *
 * Used entries of a queue with zero-copy go out in the order the chains
 * were taken, zero-copied or not: that is what VIRTIO_F_IN_ORDER asks for,
 * and without it the order is still allowed. The cost is that a copied
 * chain taken after a zero-copied one waits for it; the in-flight cap
 * bounds that wait, and so does the stall bound: when the oldest chain has
 * been out longer than VIRTQ_ZC_STALL_MS, the queue copies until every
 * chain is back.
 *
 * Each chain also holds a reference on the memory table it points into
 * (virtq_params::zc_pin): the owner counts it up when the chain is taken
 * and down when its free is collected, so whoever maps guest memory knows
 * when an old mapping has no reader left.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "virtq_priv.h"

/** What one guest buffer (by head index) needs while it is zero-copied. */
struct virtq_zc_slot {
	struct rte_mbuf_ext_shared_info shinfo; /**< Shared by the chain's external segments. */
	struct virtq_zc *zc;                    /**< Owning state (free callback). */
	uint32_t *pin;                          /**< Memory table reference the chain holds. */
	uint16_t head;                          /**< The chain's head: its used id. */
};

/** Zero-copy state of one queue. */
struct virtq_zc {
	struct rte_ring *done;        /**< Heads whose segments are all freed (MP, SC). */
	uint16_t max_inflight;        /**< Chains zero-copied at most at a time. */
	uint16_t inflight;            /**< Chains zero-copied and not yet freed (owner
				       *   writes, relaxed; any thread reads). */
	uint16_t mask;                /**< The ring size rounded up to a power of two, - 1. */
	uint16_t first;               /**< Sequence of the oldest chain without a used entry. */
	uint16_t next;                /**< Sequence of the next chain taken. */
	bool stalled;                 /**< The oldest chain overstayed: copy until all are back. */
	uint64_t now;                 /**< TSC at the last collection. */
	uint64_t stall_tsc;           /**< VIRTQ_ZC_STALL_MS in TSC cycles. */
	uint32_t *order;              /**< Used ids (virtq_used_id()) by sequence & mask. */
	uint64_t *stamp;              /**< TSC when each sequence was taken (zero-copied ones). */
	uint8_t *busy;                /**< Per head: 1 while zero-copied and not freed. */
	struct virtq_zc_slot *slot;   /**< Per head. */
};

static void
virtq_zc_free(struct virtq_zc *zc)
{
	rte_free(zc->done);
	rte_free(zc->slot);
	rte_free(zc->busy);
	rte_free(zc->stamp);
	rte_free(zc->order);
	rte_free(zc);
}

/* The last segment of a zero-copied chain was freed: hand its head to the
 * owner. The ring holds every head, so this never fails. */
static void
virtq_zc_free_cb(void *addr __rte_unused, void *opaque)
{
	struct virtq_zc_slot *s = opaque;

	rte_ring_mp_enqueue(s->zc->done, (void *)(uintptr_t)s->head);
}

int
virtq_zc_init(struct virtq *vq, uint32_t min_len, uint16_t max_inflight)
{
	struct virtq_zc *zc = vq->zc;
	/* Packed rings need not be a power of two; the arrays are. */
	uint32_t nb = rte_align32pow2(vq->size);
	ssize_t ring_sz = rte_ring_get_memsize(2 * nb);
	uint32_t i;

	if (zc != NULL && zc->mask == nb - 1) {
		/* Chains still out carry over (the caller keeps the ring's
		 * indices); otherwise start afresh. */
		if (zc->inflight != 0 || zc->first != zc->next)
			goto carry;
		rte_ring_reset(zc->done);
	} else {
		virtq_zc_fini(vq);
		zc = rte_malloc("virtq_zc", sizeof(*zc), RTE_CACHE_LINE_SIZE);
		if (zc == NULL)
			return -ENOMEM;
		memset(zc, 0, sizeof(*zc));
		zc->order = rte_malloc("virtq_zc_order", sizeof(*zc->order) * nb, 0);
		zc->stamp = rte_malloc("virtq_zc_stamp", sizeof(*zc->stamp) * nb, 0);
		zc->busy = rte_malloc("virtq_zc_busy", nb, 0);
		zc->slot = rte_malloc("virtq_zc_slot", sizeof(*zc->slot) * nb,
				      RTE_CACHE_LINE_SIZE);
		/* Twice the ring: a power of two that holds every head. */
		zc->done = ring_sz < 0 ? NULL :
			rte_malloc("virtq_zc_done", ring_sz, RTE_CACHE_LINE_SIZE);
		vq->zc = zc;
		if (zc->order == NULL || zc->stamp == NULL || zc->busy == NULL || zc->slot == NULL ||
		    zc->done == NULL ||
		    rte_ring_init(zc->done, "virtq_zc", 2 * nb, RING_F_SC_DEQ) != 0) {
			virtq_zc_fini(vq);
			return -ENOMEM;
		}
		zc->mask = nb - 1;
		for (i = 0; i < nb; i++) {
			zc->slot[i].zc = zc;
			zc->slot[i].head = i;
			zc->slot[i].shinfo.free_cb = virtq_zc_free_cb;
			zc->slot[i].shinfo.fcb_opaque = &zc->slot[i];
		}
	}
	memset(zc->busy, 0, nb);
	zc->first = 0;
	zc->next = 0;
	zc->stalled = false;
	zc->stall_tsc = rte_get_tsc_hz() / 1000 * VIRTQ_ZC_STALL_MS;
carry:
	virtq_zc_set_min(vq, min_len);
	zc->max_inflight = max_inflight == 0 || max_inflight > vq->size ?
		vq->size / 2 : max_inflight;
	if (zc->max_inflight == 0)
		zc->max_inflight = 1;
	return 0;
}

void
virtq_zc_fini(struct virtq *vq)
{
	struct virtq_zc *zc = vq->zc;

	if (zc == NULL)
		return;
	vq->zc = NULL;
	vq->zc_min = UINT32_MAX;
	/* Segments still out point at the slots: leave them to the mbufs
	 * rather than free memory a free callback would write. */
	if (zc->inflight != 0) {
		VIRTQ_LOG_RL(WARNING, "ring %p: %u zero-copied buffers still out at release: "
			     "their state is left allocated", (void *)vq->desc, zc->inflight);
		return;
	}
	virtq_zc_free(zc);
}

void
virtq_zc_set_min(struct virtq *vq, uint32_t min_len)
{
	uint32_t v = min_len == 0 || vq->zc == NULL ? UINT32_MAX :
		RTE_MAX(min_len, (uint32_t)VIRTQ_ZC_COPY_LEN + 1);

	__atomic_store_n(&vq->zc_min, v, __ATOMIC_RELAXED);
}


uint16_t
virtq_zc_inflight(const struct virtq *vq)
{
	return vq->zc == NULL ? 0 : __atomic_load_n(&vq->zc->inflight, __ATOMIC_RELAXED);
}

bool
virtq_zc_room(struct virtq *vq)
{
	const struct virtq_zc *zc = vq->zc;

	if (zc->inflight >= zc->max_inflight || zc->stalled) {
		stats_add(&vq->stats.zc_capped, 1);
		return false;
	}
	return true;
}

bool
virtq_zc_pending(const struct virtq *vq)
{
	return vq->zc->first != vq->zc->next;
}

uint16_t
virtq_zc_room_owed(const struct virtq *vq)
{
	uint32_t owed = (uint16_t)(vq->zc->next - vq->zc->first) + vq->nb_shadow;

	return owed >= vq->size ? 0 : vq->size - owed;
}

bool
virtq_zc_head_busy(const struct virtq *vq, uint16_t head)
{
	return head <= vq->zc->mask && vq->zc->busy[head];
}

void
virtq_zc_taken(struct virtq *vq, uint32_t used_id, bool zcopied)
{
	struct virtq_zc *zc = vq->zc;
	uint16_t head = used_id & UINT16_MAX;

	zc->order[zc->next & zc->mask] = used_id;
	if (zcopied) {
		zc->stamp[zc->next & zc->mask] = zc->now;
		zc->slot[head].pin = vq->zc_pin;
		if (vq->zc_pin != NULL)
			__atomic_store_n(vq->zc_pin, *vq->zc_pin + 1, __ATOMIC_RELAXED);
		zc->busy[head] = 1;
		__atomic_store_n(&zc->inflight, zc->inflight + 1, __ATOMIC_RELAXED);
		stats_add(&vq->stats.zc_pkts, 1);
	}
	zc->next++;
}

/* Take the heads whose mbufs were all freed: they are no longer busy, and
 * their memory table loses a reference. Owner only. */
static void
virtq_zc_collect(struct virtq_zc *zc)
{
	void *done[VIRTQ_MAX_BURST];
	unsigned int n, i;

	do {
		n = rte_ring_sc_dequeue_burst(zc->done, done, RTE_DIM(done), NULL);
		for (i = 0; i < n; i++) {
			struct virtq_zc_slot *s = &zc->slot[(uintptr_t)done[i] & zc->mask];

			zc->busy[s->head] = 0;
			if (s->pin != NULL)
				__atomic_store_n(s->pin, *s->pin - 1, __ATOMIC_RELAXED);
		}
		if (n != 0)
			__atomic_store_n(&zc->inflight, zc->inflight - n, __ATOMIC_RELAXED);
	} while (n == RTE_DIM(done));
	if (zc->inflight == 0)
		zc->stalled = false;
}

void
virtq_zc_complete(struct virtq *vq)
{
	struct virtq_zc *zc = vq->zc;

	virtq_zc_collect(zc);
	zc->now = rte_get_tsc_cycles();
	/* Used entries in the order the chains were taken. */
	while (zc->first != zc->next) {
		uint32_t used_id = zc->order[zc->first & zc->mask];
		uint16_t head = used_id & UINT16_MAX;

		if (head <= zc->mask && zc->busy[head]) {
			if (unlikely(!zc->stalled &&
				     zc->now - zc->stamp[zc->first & zc->mask] > zc->stall_tsc)) {
				zc->stalled = true;
				stats_add(&vq->stats.zc_stalls, 1);
			}
			break;
		}
		virtq_shadow_add(vq, used_id, 0);
		zc->first++;
	}
}

uint16_t
virtq_zc_drain(struct virtq *vq)
{
	uint16_t old_used = virtq_used_pos(vq);

	if (vq->zc == NULL)
		return 0;
	if (vq->broken) {
		/* The ring is not to be touched: only learn what came back. */
		virtq_zc_collect(vq->zc);
		return vq->zc->inflight;
	}
	virtq_zc_complete(vq);
	virtq_used_flush(vq);
	virtq_notify(vq, old_used);
	return vq->zc->inflight;
}

struct virtq_zc *
virtq_zc_orphan(struct virtq *vq)
{
	struct virtq_zc *zc = vq->zc;

	if (zc == NULL)
		return NULL;
	vq->zc = NULL;
	vq->zc_min = UINT32_MAX;
	if (virtq_zc_reap(zc))
		return NULL;
	return zc;
}

bool
virtq_zc_reap(struct virtq_zc *zc)
{
	virtq_zc_collect(zc);
	if (zc->inflight != 0)
		return false;
	virtq_zc_free(zc);
	return true;
}

uint16_t
virtq_zc_orphan_inflight(const struct virtq_zc *zc)
{
	return zc->inflight;
}

/* Attach @p seg to [addr, addr + len) of guest memory (DMA address @p iova). */
static void
virtq_zc_attach(struct rte_mbuf *seg, uint8_t *addr, rte_iova_t iova, uint16_t len,
		struct rte_mbuf_ext_shared_info *shinfo)
{
	rte_pktmbuf_attach_extbuf(seg, addr, iova, len, shinfo);
	seg->data_len = len;
}

/* The external pieces of chain @p c after byte @p off: how many segments
 * they need (a piece longer than a segment can hold is split). */
static unsigned int
virtq_zc_nb_segs(const struct virtq_chain *c, uint32_t off)
{
	unsigned int n = 0;
	uint16_t i;

	for (i = virtq_chain_seek(c, &off); i < c->nvec; i++, off = 0)
		n += (c->vec[i].len - off + VIRTQ_ZC_SEG_MAX - 1) / VIRTQ_ZC_SEG_MAX;
	return n;
}

int
virtq_zc_to_mbuf(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
		 struct rte_mbuf *m, struct rte_mempool *mp)
{
	struct rte_mbuf_ext_shared_info *shinfo = &vq->zc->slot[c->head].shinfo;
	struct rte_mbuf *segs[VIRTQ_MAX_VEC * 2], *last = m;
	uint32_t len = c->len - off, skip = off + VIRTQ_ZC_COPY_LEN;
	unsigned int nseg = virtq_zc_nb_segs(c, skip), k = 0;
	uint16_t i;

	if (unlikely(nseg > RTE_DIM(segs) || rte_pktmbuf_tailroom(m) < VIRTQ_ZC_COPY_LEN))
		return 1;
	if (unlikely(rte_pktmbuf_alloc_bulk(mp, segs, nseg) != 0))
		return -VIRTQ_ERR_MBUF_ALLOC;
	virtq_chain_read(c, off, rte_pktmbuf_mtod(m, void *), VIRTQ_ZC_COPY_LEN);
	m->data_len = VIRTQ_ZC_COPY_LEN;
	m->pkt_len = len;
	m->nb_segs = 1 + nseg;
	rte_mbuf_ext_refcnt_set(shinfo, nseg);
	for (i = virtq_chain_seek(c, &skip); i < c->nvec; i++, skip = 0) {
		uint8_t *p = c->vec[i].addr + skip;
		uint32_t l = c->vec[i].len - skip;

		while (l != 0) {
			uint16_t n = RTE_MIN(l, (uint32_t)VIRTQ_ZC_SEG_MAX);

			virtq_zc_attach(segs[k], p, vq->mem->dma ? (rte_iova_t)(uintptr_t)p :
					RTE_BAD_IOVA, n, shinfo);
			last->next = segs[k++];
			last = last->next;
			p += n;
			l -= n;
		}
	}
	return 0;
}
