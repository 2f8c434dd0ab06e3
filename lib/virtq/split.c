/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Split virtqueues: dequeue (guest tx -> mbufs) and enqueue (mbufs ->
 * guest rx), one burst at a time. Used entries collect in a shadow array
 * and reach the used ring once per burst, followed by at most one call.
 *
 * The burst bodies are always-inline over constant flags (zero-copy, tx
 * headers read, mergeable rx buffers, dirty logging); virtq_split_select()
 * picks their noinline instances once, when the features are known.
 */

#include <string.h>

#include <rte_memcpy.h>

#include "virtq_xfer.h"

void
virtq_used_flush(struct virtq *vq)
{
	uint16_t n = vq->nb_shadow, idx = vq->last_used, i;

	if (vq->packed) {
		virtq_packed_flush(vq, false);
		return;
	}
	if (n == 0)
		return;
	/*
	 * An entry that already holds the same id and length is left alone:
	 * drivers that use their descriptors in order and steady packet sizes
	 * make most of them repeat, and a line we do not write stays shared
	 * with the guest's core.
	 */
	for (i = 0; i < n; i++) {
		struct vring_used_elem *u = &vq->used->ring[(uint16_t)(idx + i) & vq->mask];

		if (u->id != vq->shadow[i].id || u->len != vq->shadow[i].len)
			*u = vq->shadow[i];
	}
	if (unlikely(vq->log != NULL)) {
		for (i = 0; i < n; i++)
			vq->log->used(vq->log_ctx, offsetof(struct vring_used, ring) +
				      (((uint16_t)(idx + i) & vq->mask) *
				       sizeof(struct vring_used_elem)),
				      sizeof(struct vring_used_elem));
	}
	/* Entries first, then the index that publishes them. */
	__atomic_store_n(&vq->used->idx, (uint16_t)(idx + n), __ATOMIC_RELEASE);
	if (unlikely(vq->log != NULL))
		vq->log->used(vq->log_ctx, offsetof(struct vring_used, idx),
			      sizeof(vq->used->idx));
	vq->last_used = idx + n;
	vq->nb_shadow = 0;
}

/* Avail entries waiting, or -1 when the guest's index is impossible. */
static __rte_always_inline int
split_pending(struct virtq *vq)
{
	uint16_t avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t pending = avail_idx - vq->last_avail;

	if (unlikely(pending > vq->size)) {
		vq->broken = true;
		virtq_error(vq, VIRTQ_ERR_AVAIL_JUMP);
		return -1;
	}
	return pending;
}

static __rte_always_inline uint16_t
split_avail_head(const struct virtq *vq)
{
	return *(const volatile uint16_t *)&vq->avail->ring[vq->last_avail & vq->mask];
}

/*
 * Prefetching. A burst works on lines the guest's core wrote last: avail
 * entries, descriptors, buffers and used entries. Loaded one packet at a
 * time, each miss waits for the one before it (the buffer's address is in
 * the descriptor, whose index is in the avail entry); fetched ahead, the
 * misses of several packets overlap. Descriptors and buffers read here are
 * hints: neither trusted nor kept, the chain walk reads them again.
 */

/* How many avail slots ahead of the packet being copied its buffer is fetched. */
#define SPLIT_PREFETCH_AHEAD 4

/* Read the heads of the next @p n avail slots into @p heads (once: the
 * dequeue uses this copy) and fetch their descriptors and the used entries
 * the burst will fill (for reading: virtq_used_flush() writes only those
 * that change). */
static __rte_always_inline void
split_prefetch_burst(const struct virtq *vq, uint16_t *heads, uint16_t n)
{
	const unsigned int per_line = RTE_CACHE_LINE_SIZE / sizeof(struct vring_used_elem);
	uint16_t i;

	for (i = 0; i < n; i++) {
		heads[i] = *(const volatile uint16_t *)
			&vq->avail->ring[(uint16_t)(vq->last_avail + i) & vq->mask];
		rte_prefetch0(&vq->desc[heads[i] & vq->mask]);
	}
	for (i = 0; i < n; i += per_line)
		rte_prefetch0(&vq->used->ring[(uint16_t)(vq->last_used + i) & vq->mask]);
}

/*
 * Fetch the first buffer of the chain at @p head. For reading (tx): the
 * lines of its first 128 bytes that the dequeue reads. For writing (rx):
 * the line where the packet starts for writing, and the header's line, when
 * it is another one, for reading only, since virtq_hdr_store() usually
 * leaves it as it is.
 */
static __rte_always_inline void
split_prefetch_buf(struct virtq *vq, uint16_t head, bool write, const bool tx_hdr)
{
	const volatile struct vring_desc *d = &vq->desc[head & vq->mask];
	uint64_t gpa = d->addr, contig;
	uint32_t len = d->len, skip = 0;
	const uint8_t *p;

	if (!write && !tx_hdr)
		skip = vq->hdr_len;
	if (len <= skip)
		return;
	p = virtq_translate(vq->mem, &vq->hint, gpa + skip, 1, &contig);
	if (p == NULL)
		return;
	if (write) {
		rte_prefetch0(p);
		virtq_prefetch_w(p + vq->hdr_len);
	} else {
		rte_prefetch0(p);
		rte_prefetch0(p + RTE_MIN(len - skip, 2u * RTE_CACHE_LINE_SIZE) - 1);
	}
}

/* Prefetch for a burst of @p n chains from last_avail on; @p heads gets
 * their heads. */
static __rte_always_inline void
split_prefetch_start(struct virtq *vq, uint16_t *heads, uint16_t n, bool write,
		     const bool tx_hdr)
{
	uint16_t i;

	split_prefetch_burst(vq, heads, n);
	for (i = 0; i < RTE_MIN(n, (uint16_t)SPLIT_PREFETCH_AHEAD); i++)
		split_prefetch_buf(vq, heads[i], write, tx_hdr);
}

/*
 * The common case: a chain of one descriptor, header and packet in one
 * host piece that fits @p m. Returns 0 when @p m holds the packet, 1 when
 * the general path must look at the chain (nothing has changed then), or
 * -VIRTQ_ERR_BAD_HDR.
 */
static __rte_always_inline int
split_dequeue_fast(struct virtq *vq, uint16_t head, struct rte_mbuf *m, const bool zc,
		   uint32_t zc_min, const bool tx_hdr)
{
	struct virtio_net_hdr hdr;
	struct vring_desc d;
	uint64_t contig;
	uint32_t len;
	uint8_t *p;

	if (unlikely(head >= vq->size))
		return 1;
	d = chain_desc_read(vq->desc, head);
	if (unlikely((d.flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT |
				 VRING_DESC_F_WRITE)) != 0 || d.len <= vq->hdr_len ||
		     d.len - vq->hdr_len > rte_pktmbuf_tailroom(m) ||
		     (zc && d.len - vq->hdr_len >= zc_min)))
		return 1;
	p = virtq_translate(vq->mem, &vq->hint, d.addr, d.len, &contig);
	if (unlikely(p == NULL || contig != d.len))
		return 1;
	len = d.len - vq->hdr_len;
	rte_memcpy(rte_pktmbuf_mtod(m, void *), p + vq->hdr_len, len);
	m->data_len = len;
	m->pkt_len = len;
	if (!tx_hdr)
		return 0;
	memcpy(&hdr, p, sizeof(hdr));
	return virtq_hdr_in(&hdr, m);
}

/* Hand back what the burst used (and, with zero-copy, the buffers whose
 * mbufs were freed), then call the guest if it asked. A burst that took
 * buffers (@p took) turns kicks off, in case a sleeping owner had them on;
 * an empty one leaves them as they are: its owner may be about to sleep. */
static __rte_always_inline void
split_dequeue_end(struct virtq *vq, uint16_t old_used, const bool zc, bool took)
{
	if (zc)
		virtq_zc_complete(vq);
	virtq_used_flush(vq);
	if (took)
		virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
}

/* The dequeue, specialised on zero-copy and on reading tx headers (@p zc,
 * @p tx_hdr constant) so that a path pays nothing for what it does not do.
 * It ends with the packet that brings the bytes to @p max_bytes. */
static __rte_always_inline uint16_t
split_dequeue(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
	      uint16_t n, uint32_t max_bytes, const bool zc, const bool tx_hdr)
{
	struct rte_mbuf *bufs[VIRTQ_MAX_BURST];
	uint16_t heads[VIRTQ_MAX_BURST];
	uint16_t old_used = vq->last_used, first = vq->last_avail, count = 0, small = 0, todo, i;
	uint32_t zc_min = zc ? __atomic_load_n(&vq->zc_min, __ATOMIC_RELAXED) : UINT32_MAX;
	struct virtq_chain c;
	uint64_t bytes = 0;
	int pending, ret;

	if (unlikely(vq->broken))
		return 0;
	pending = split_pending(vq);
	if (unlikely(pending < 0))
		return 0;
	/* Zero-copied buffers that came back count against the cap no more,
	 * and the used entries now due wait in the shadow array: from here
	 * on, every return goes through split_dequeue_end(). */
	if (zc)
		virtq_zc_complete(vq);
	todo = RTE_MIN(RTE_MIN((uint16_t)pending, n), (uint16_t)VIRTQ_MAX_BURST);
	/* With zero-copy, a held chain holds back the used entries of every
	 * chain taken after it: never owe more of them than the ring holds. */
	if (zc)
		todo = RTE_MIN(todo, virtq_zc_room_owed(vq));
	if (todo == 0) {
		if (zc)
			split_dequeue_end(vq, old_used, false, false);
		return 0;
	}
	stats_add(&vq->stats.kicks_avoided, 1);
	/* All or nothing, so a chain is never taken without an mbuf for it. */
	if (unlikely(rte_pktmbuf_alloc_bulk(mp, bufs, todo) != 0)) {
		stats_add(&vq->stats.errors[VIRTQ_ERR_MBUF_ALLOC], 1);
		if (zc)
			split_dequeue_end(vq, old_used, false, false);
		return 0;
	}
	split_prefetch_start(vq, heads, todo, false, tx_hdr);
	for (i = 0; i < todo; i++) {
		uint16_t head = heads[i];
		bool zcopied = false;

		if (i + SPLIT_PREFETCH_AHEAD < todo)
			split_prefetch_buf(vq, heads[i + SPLIT_PREFETCH_AHEAD], false, tx_hdr);

		if (zc && unlikely(virtq_zc_head_busy(vq, head))) {
			/* The guest made a buffer available again before we
			 * gave it back: take the entry, use nothing. */
			vq->last_avail++;
			virtq_error(vq, VIRTQ_ERR_HEAD_IN_FLIGHT);
			continue;
		}
		ret = split_dequeue_fast(vq, head, bufs[count], zc, zc_min, tx_hdr);
		if (unlikely(ret > 0)) {
			ret = virtq_walk(vq, head, false, &c);
			if (likely(ret == 0))
				ret = virtq_chain_to_mbuf(vq, &c, bufs[count], mp, zc, zc_min,
							  tx_hdr, &zcopied);
		}
		if (unlikely(ret == -VIRTQ_ERR_MBUF_ALLOC)) {
			/* Leave the chain for the next burst. */
			stats_add(&vq->stats.errors[VIRTQ_ERR_MBUF_ALLOC], 1);
			rte_pktmbuf_free(bufs[count]->next);
			rte_pktmbuf_reset(bufs[count]);
			break;
		}
		if (zc)
			virtq_zc_taken(vq, head, zcopied);
		else
			virtq_shadow_add(vq, head, 0);
		vq->last_avail++;
		if (unlikely(ret < 0)) {
			virtq_error(vq, -ret);
			rte_pktmbuf_free(bufs[count]->next);
			rte_pktmbuf_reset(bufs[count]);
			continue;
		}
		bytes += bufs[count]->pkt_len;
		if (zc)
			small += !zcopied && bufs[count]->pkt_len < zc_min;
		pkts[count] = bufs[count];
		count++;
		if (unlikely(bytes >= max_bytes))
			break;
	}
	if (count < todo)
		rte_pktmbuf_free_bulk(&bufs[count], todo - count);
	stats_add(&vq->stats.pkts, count);
	stats_add(&vq->stats.bytes, bytes);
	if (zc && zc_min != UINT32_MAX)
		stats_add(&vq->stats.zc_small, small);
	split_dequeue_end(vq, old_used, zc, vq->last_avail != first);
	return count;
}

/* The dequeue's instances: copy or zero-copy, tx headers read or not. */
static __rte_noinline uint16_t
split_dequeue_copy(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		   uint16_t n, uint32_t max_bytes)
{
	return split_dequeue(vq, mp, pkts, n, max_bytes, false, false);
}

static __rte_noinline uint16_t
split_dequeue_copy_hdr(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		       uint16_t n, uint32_t max_bytes)
{
	return split_dequeue(vq, mp, pkts, n, max_bytes, false, true);
}

static __rte_noinline uint16_t
split_dequeue_zc(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		 uint16_t n, uint32_t max_bytes)
{
	return split_dequeue(vq, mp, pkts, n, max_bytes, true, false);
}

static __rte_noinline uint16_t
split_dequeue_zc_hdr(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		     uint16_t n, uint32_t max_bytes)
{
	return split_dequeue(vq, mp, pkts, n, max_bytes, true, true);
}

/*
 * Walk the rx chain at last_avail without taking it: 0, -GUEST_RING_FULL when
 * the budget of avail entries is spent, or the chain's error (c->head
 * still names it).
 */
static int
split_peek_rx_chain(struct virtq *vq, struct virtq_chain *c, uint16_t *budget)
{
	int ret;

	if (*budget == 0)
		return -VIRTQ_ERR_GUEST_RING_FULL;
	(*budget)--;
	ret = virtq_walk(vq, split_avail_head(vq), true, c);
	if (ret == 0 && unlikely(c->len < vq->hdr_len))
		ret = -VIRTQ_ERR_BAD_LEN;
	return ret;
}

/* Give a bad chain back to the guest with length 0. */
static void
split_return_bad(struct virtq *vq, const struct virtq_chain *c, int err)
{
	virtq_error(vq, -err);
	virtq_shadow_add(vq, c->head, 0);
	vq->last_avail++;
}

/* One packet into one chain (no mergeable rx buffers). */
static __rte_always_inline int
split_enqueue_one(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget, const bool log)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtq_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
	struct virtq_chain c;
	int ret;

	while ((ret = split_peek_rx_chain(vq, &c, budget)) < 0) {
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL)
			return ret;
		split_return_bad(vq, &c, ret);
	}
	if (c.len < vq->hdr_len + src.left) {
		/* Not taken: a smaller packet may still use it. */
		(*budget)++;
		return -VIRTQ_ERR_PKT_TOO_BIG;
	}
	virtq_hdr_from_mbuf(vq, m, &hdr.hdr);
	hdr.num_buffers = 1;
	virtq_chain_write(vq, &c, 0, &hdr, vq->hdr_len, log);
	virtq_fill(vq, &c, vq->hdr_len, &src, log);
	virtq_shadow_add(vq, c.head, vq->hdr_len + rte_pktmbuf_pkt_len(m));
	vq->last_avail++;
	return 0;
}

/*
 * One packet over as many chains as it needs (mergeable rx buffers); the
 * guest reads num_buffers consecutive used entries, so nothing else may
 * come between them. A bad chain in the middle: the chains taken so far go
 * back with length 0 along with the bad one, and the packet starts over.
 * Out of chains: everything this packet took is given back untouched.
 */
static __rte_always_inline int
split_enqueue_mrg(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget, const bool log)
{
	uint16_t save_avail = vq->last_avail, save_shadow = vq->nb_shadow;
	uint16_t save_budget = *budget, nbufs = 0, i;
	struct virtq_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtq_chain c, first;
	struct virtq_buf hdr_piece = { NULL, 0, 0 };
	bool hdr_one_piece = false;
	uint32_t w;
	int ret;

	first.nvec = 0;
	do {
		ret = split_peek_rx_chain(vq, &c, budget);
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL) {
			vq->last_avail = save_avail;
			vq->nb_shadow = save_shadow;
			*budget = save_budget;
			return ret;
		}
		if (unlikely(ret < 0)) {
			for (i = save_shadow; i < vq->nb_shadow; i++)
				vq->shadow[i].len = 0;
			split_return_bad(vq, &c, ret);
			save_avail = vq->last_avail;
			save_shadow = vq->nb_shadow;
			save_budget = *budget;
			src = (struct virtq_src){ m, 0, rte_pktmbuf_pkt_len(m) };
			nbufs = 0;
			continue;
		}
		/* Keep where the header goes: one piece (the common case) or,
		 * when the header is split, the whole first chain. */
		if (nbufs == 0) {
			hdr_one_piece = c.vec[0].len >= vq->hdr_len;
			if (hdr_one_piece)
				hdr_piece = c.vec[0];
			else
				first = c;
		}
		w = virtq_fill(vq, &c, nbufs == 0 ? vq->hdr_len : 0, &src, log);
		virtq_shadow_add(vq, c.head, w + (nbufs == 0 ? vq->hdr_len : 0));
		vq->last_avail++;
		nbufs++;
	} while (nbufs == 0 || src.left != 0);
	virtq_hdr_from_mbuf(vq, m, &hdr.hdr);
	hdr.num_buffers = nbufs;
	if (likely(hdr_one_piece)) {
		virtq_hdr_store(hdr_piece.addr, &hdr, vq->hdr_len);
		if (log)
			vq->log->write(vq->log_ctx, hdr_piece.gpa, vq->hdr_len);
	} else {
		virtq_chain_write(vq, &first, 0, &hdr, vq->hdr_len, log);
	}
	return 0;
}

/*
 * The common case, for either rx mode: a one-segment packet into a chain
 * of one descriptor that holds header and packet in one host piece.
 * Returns 0 when placed, 1 when the general path must look at it (nothing
 * has changed then).
 */
static __rte_always_inline int
split_enqueue_fast(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget, const bool log)
{
	uint32_t need = vq->hdr_len + rte_pktmbuf_pkt_len(m);
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct vring_desc d;
	uint64_t contig;
	uint16_t head;
	uint8_t *p;

	if (unlikely(*budget == 0 || m->nb_segs != 1))
		return 1;
	head = split_avail_head(vq);
	if (unlikely(head >= vq->size))
		return 1;
	d = chain_desc_read(vq->desc, head);
	if ((d.flags & (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE)) !=
	    VRING_DESC_F_WRITE || d.len < need)
		return 1;
	/* The whole buffer must be guest memory, as the chain walk demands. */
	p = virtq_translate(vq->mem, &vq->hint, d.addr, d.len, &contig);
	if (unlikely(p == NULL || contig != d.len))
		return 1;
	virtq_hdr_out(vq, m, &hdr.hdr);
	hdr.num_buffers = 1;
	virtq_hdr_store(p, &hdr, vq->hdr_len);
	rte_memcpy(p + vq->hdr_len, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	if (log)
		vq->log->write(vq->log_ctx, d.addr, need);
	virtq_shadow_add(vq, head, need);
	vq->last_avail++;
	(*budget)--;
	return 0;
}

/* The enqueue, specialised on mergeable rx buffers and dirty logging. */
static __rte_always_inline uint16_t
split_enqueue(struct virtq *vq, struct rte_mbuf **pkts, uint16_t n, const bool mrg,
	      const bool log)
{
	uint16_t old_used = vq->last_used, start = vq->last_avail, placed = 0;
	uint16_t heads[VIRTQ_MAX_BURST], nheads, budget, i;
	uint8_t ok[VIRTQ_MAX_BURST];
	uint64_t bytes = 0;
	bool holes = false;
	int pending, ret = 0;

	if (unlikely(vq->broken))
		return 0;
	pending = split_pending(vq);
	if (pending < 0)
		return 0;
	if (pending > 0)
		stats_add(&vq->stats.kicks_avoided, 1);
	budget = pending;
	n = RTE_MIN(n, (uint16_t)VIRTQ_MAX_BURST);
	nheads = RTE_MIN(n, budget);
	split_prefetch_start(vq, heads, nheads, true, false);
	for (i = 0; i < n; i++) {
		uint16_t ahead = (uint16_t)(vq->last_avail - start) + SPLIT_PREFETCH_AHEAD;

		if (ahead < nheads)
			split_prefetch_buf(vq, heads[ahead], true, false);
		if (likely(split_enqueue_fast(vq, pkts[i], &budget, log) == 0))
			ret = 0;
		else
			ret = mrg ? split_enqueue_mrg(vq, pkts[i], &budget, log) :
				    split_enqueue_one(vq, pkts[i], &budget, log);
		ok[i] = ret == 0;
		if (likely(ret == 0)) {
			placed++;
			bytes += rte_pktmbuf_pkt_len(pkts[i]);
			continue;
		}
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL)
			break;
		virtq_error(vq, -ret);
		holes = true;
	}
	if (i < n) {
		stats_add(&vq->stats.errors[VIRTQ_ERR_GUEST_RING_FULL], n - i);
		memset(&ok[i], 0, n - i);
	}
	if (unlikely(holes))
		virtq_compact(pkts, n, ok, placed);
	stats_add(&vq->stats.pkts, placed);
	stats_add(&vq->stats.bytes, bytes);
	virtq_used_flush(vq);
	virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
	return placed;
}

/* The enqueue's instances (mp is unused: virtq_burst_fn's signature). */
static __rte_noinline uint16_t
split_enqueue_one_buf(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		      struct rte_mbuf **pkts, uint16_t n)
{
	return split_enqueue(vq, pkts, n, false, false);
}

static __rte_noinline uint16_t
split_enqueue_mrg_buf(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		      struct rte_mbuf **pkts, uint16_t n)
{
	return split_enqueue(vq, pkts, n, true, false);
}

static __rte_noinline uint16_t
split_enqueue_one_log(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		      struct rte_mbuf **pkts, uint16_t n)
{
	return split_enqueue(vq, pkts, n, false, true);
}

static __rte_noinline uint16_t
split_enqueue_mrg_log(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		      struct rte_mbuf **pkts, uint16_t n)
{
	return split_enqueue(vq, pkts, n, true, true);
}

void
virtq_split_select(struct virtq *vq)
{
	bool log = vq->log != NULL;

	vq->dequeue = vq->tx_hdr ? split_dequeue_copy_hdr : split_dequeue_copy;
	vq->dequeue_zc = vq->tx_hdr ? split_dequeue_zc_hdr : split_dequeue_zc;
	if (vq->mrg_rxbuf)
		vq->enqueue = log ? split_enqueue_mrg_log : split_enqueue_mrg_buf;
	else
		vq->enqueue = log ? split_enqueue_one_log : split_enqueue_one_buf;
}
