/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Packed virtqueues (virtio 1.1, 2.8): one ring of descriptors that the
 * driver marks available and the device marks used, each lap telling the
 * two apart by a wrap counter. A chain is consecutive ring descriptors
 * (or one pointing to an indirect table), named by the buffer id of its
 * last one; its used descriptor goes where the device's used position is,
 * and the position moves on by the chain's length.
 *
 * Four descriptors share a cache line. When four single-descriptor chains
 * that start on a line are all available, they are checked together, one
 * acquire fence for the four, then translated, validated and copied
 * together; anything else takes them one at a time. Used descriptors
 * collect in the shadow array and are written once per burst: ids and
 * lengths, then the flags, the first one's last.
 *
 * Positions always stay in step with the driver: a bad chain is walked to
 * its end (or to the first descriptor that is not available) and returned
 * with length 0, so that the driver finds its used descriptor where it
 * looks for it. A buffer id taken twice while in flight is refused
 * (head_in_flight) and returned the same way.
 */

#include <string.h>

#include <rte_memcpy.h>

#include "virtq_xfer.h"

#define PACKED_BATCH 4 /* Descriptors per cache line. */
/* Flags that keep a descriptor out of a batch. */
#define PACKED_F_SINGLE (VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT)

_Static_assert(sizeof(struct vring_packed_desc) * PACKED_BATCH == RTE_CACHE_LINE_SIZE,
	       "a batch is one cache line of descriptors");

/* Read a descriptor once (the guest may rewrite it while we look). */
static __rte_always_inline struct vring_packed_desc
packed_desc_read(const struct vring_packed_desc *t, uint32_t i)
{
	const volatile struct vring_packed_desc *d = &t[i];
	struct vring_packed_desc out;

	out.addr = d->addr;
	out.len = d->len;
	out.id = d->id;
	out.flags = d->flags;
	return out;
}

/* Move position (@p idx, @p wrap) on by @p n <= size descriptors. */
static __rte_always_inline void
packed_advance(const struct virtq *vq, uint16_t *idx, bool *wrap, uint16_t n)
{
	*idx += n;
	if (*idx >= vq->size) {
		*idx -= vq->size;
		*wrap = !*wrap;
	}
}

/* One buffer of a chain, in the direction the queue wants. */
static __rte_always_inline int
packed_add_buf(struct virtq *vq, struct virtq_chain *c, const struct vring_packed_desc *d,
	       bool writable, uint64_t *total)
{
	if (unlikely(!!(d->flags & VRING_DESC_F_WRITE) != writable))
		return -VIRTQ_ERR_WRONG_DIR;
	if (unlikely(d->len == 0 && !writable))
		return -VIRTQ_ERR_BAD_LEN;
	*total += d->len;
	if (unlikely(*total > UINT32_MAX))
		return -VIRTQ_ERR_BAD_LEN;
	return chain_add(vq, c, d->addr, d->len);
}

/* The buffers of an indirect table: every entry of it, in order (a packed
 * table's length says how many; NEXT means nothing there). */
static __rte_noinline int
packed_indirect(struct virtq *vq, struct virtq_chain *c, const struct vring_packed_desc *d,
		bool writable, uint64_t *total)
{
	const struct vring_packed_desc *table;
	struct vring_packed_desc e;
	uint32_t n, i;
	const void *t;
	int ret;

	if (unlikely(d->flags & VRING_DESC_F_NEXT))
		return -VIRTQ_ERR_BAD_INDIRECT;
	ret = chain_table(vq, d->addr, d->len, &t, &n);
	if (ret < 0)
		return ret;
	table = t;
	for (i = 0; i < n; i++) {
		e = packed_desc_read(table, i);
		if (unlikely(e.flags & VRING_DESC_F_INDIRECT))
			return -VIRTQ_ERR_NESTED_INDIRECT;
		ret = packed_add_buf(vq, c, &e, writable, total);
		if (unlikely(ret < 0))
			return ret;
	}
	return 0;
}

/*
 * Walk the chain that starts at ring position (@p pos, lap @p wrap), whose
 * first descriptor the caller found available (and fenced). Whatever the
 * chain holds, the walk finds its end: c->ndesc descriptors (stopping
 * short of one that is not available), c->head the last one's buffer id.
 * Returns 0 or -virtq_error.
 */
static __rte_always_inline int
packed_walk(struct virtq *vq, uint16_t pos, bool wrap, bool writable, struct virtq_chain *c)
{
	struct vring_packed_desc d;
	uint64_t total = 0;
	uint16_t n = 0;
	int err = 0;

	c->nvec = 0;
	c->len = 0;
	for (;;) {
		d = packed_desc_read(vq->desc_packed, pos);
		/* The driver makes a chain available before its head: a
		 * later descriptor that is not is a chain cut short. */
		if (unlikely(n != 0 && !packed_is_avail(d.flags, wrap))) {
			if (err == 0)
				err = -VIRTQ_ERR_AVAIL_FLIP;
			break;
		}
		n++;
		c->head = d.id;
		if (likely(err == 0)) {
			if (unlikely(d.flags & VRING_DESC_F_INDIRECT))
				err = packed_indirect(vq, c, &d, writable, &total);
			else
				err = packed_add_buf(vq, c, &d, writable, &total);
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (unlikely(n == vq->size)) {
			if (err == 0)
				err = -VIRTQ_ERR_LOOP;
			break;
		}
		packed_advance(vq, &pos, &wrap, 1);
	}
	c->ndesc = n;
	if (err == 0 && unlikely(c->head >= vq->size))
		err = -VIRTQ_ERR_BAD_ID;
	if (likely(err == 0))
		c->len = total;
	return err;
}

int
virtq_packed_walk_at(struct virtq *vq, uint16_t pos, bool writable, struct virtq_chain *c)
{
	bool wrap = vq->avail_wrap ^ (pos < vq->last_avail);

	c->head = 0;
	c->ndesc = 0;
	c->nvec = 0;
	c->len = 0;
	if (pos >= vq->size)
		return -VIRTQ_ERR_BAD_HEAD;
	if (!packed_is_avail(packed_flags(vq, pos), wrap))
		return -VIRTQ_ERR_AVAIL_FLIP;
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	return packed_walk(vq, pos, wrap, writable, c);
}

/* Whether a batch's four buffer ids are four different ones. */
static __rte_always_inline bool
packed_ids_distinct(const uint16_t *id)
{
	return id[0] != id[1] && id[0] != id[2] && id[0] != id[3] &&
	       id[1] != id[2] && id[1] != id[3] && id[2] != id[3];
}

/* A new burst: ids taken in earlier ones are no longer in flight. */
static __rte_always_inline void
packed_burst_begin(struct virtq *vq)
{
	if (unlikely(++vq->burst_seq == 0)) {
		memset(vq->id_burst, 0, sizeof(*vq->id_burst) * vq->size);
		vq->burst_seq = 1;
	}
}

/* Whether buffer id @p id (< size) is out: taken in this burst, or
 * zero-copied and not yet back. */
static __rte_always_inline bool
packed_id_busy(const struct virtq *vq, uint16_t id, const bool zc)
{
	return vq->id_burst[id] == vq->burst_seq || (zc && virtq_zc_head_busy(vq, id));
}

/* Chain @p c was taken: its descriptors are consumed, its id is out. */
static __rte_always_inline void
packed_take(struct virtq *vq, const struct virtq_chain *c)
{
	if (likely(c->head < vq->size))
		vq->id_burst[c->head] = vq->burst_seq;
	packed_advance(vq, &vq->last_avail, &vq->avail_wrap, c->ndesc);
}

void
virtq_packed_flush(struct virtq *vq, bool rx)
{
	struct vring_packed_desc *ring = vq->desc_packed;
	uint16_t n = vq->nb_shadow, idx = vq->last_used, first = idx, i;
	uint16_t used = rx ? VRING_DESC_F_WRITE : 0, first_flags = 0;
	bool wrap = vq->used_wrap;

	if (n == 0)
		return;
	if (vq->in_order && !rx && n > 1) {
		/* In order, one used descriptor, the last buffer's, stands
		 * for every buffer before it (tx lengths are all 0). */
		uint32_t ndesc = 0;

		for (i = 0; i < n; i++)
			ndesc += vq->shadow[i].id >> 16;
		/* One descriptor moves the used position a ring at most (more
		 * only from a guest that reused descriptors behind us): else
		 * one each. */
		if (likely(ndesc <= vq->size)) {
			vq->shadow[0].id = (vq->shadow[n - 1].id & UINT16_MAX) | ndesc << 16;
			vq->shadow[0].len = 0;
			n = 1;
		}
	}
	/* Ids and lengths first. */
	for (i = 0; i < n; i++) {
		ring[idx].id = vq->shadow[i].id & UINT16_MAX;
		ring[idx].len = vq->shadow[i].len;
		packed_advance(vq, &idx, &wrap, vq->shadow[i].id >> 16);
	}
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	/* Then the flags, the first descriptor's last: the guest reads the
	 * batch from there, so it finds it whole. */
	idx = first;
	wrap = vq->used_wrap;
	for (i = 0; i < n; i++) {
		uint16_t f = used | (wrap ? PACKED_F_AVAIL | PACKED_F_USED : 0);

		if (i == 0)
			first_flags = f;
		else
			ring[idx].flags = f;
		if (unlikely(vq->log != NULL))
			vq->log->used(vq->log_ctx, idx * sizeof(*ring), sizeof(*ring));
		packed_advance(vq, &idx, &wrap, vq->shadow[i].id >> 16);
	}
	__atomic_store_n(&ring[first].flags, first_flags, __ATOMIC_RELEASE);
	vq->last_used = idx;
	vq->used_wrap = wrap;
	vq->nb_shadow = 0;
}

/*
 * Dequeue.
 */

/*
 * Four single-descriptor tx chains from a line's start, each header and
 * packet in one host piece that fits its mbuf, none to be zero-copied and
 * (with @p tx_hdr) none whose header asks for anything, and the first three
 * packets under @p room bytes (what is left of the burst's byte budget: no
 * chain after the one that reaches it is taken): taken together.
 * Returns 0 when @p m[0..3] hold them, 1 when they are to be taken one at
 * a time (nothing has changed then).
 */
static __rte_always_inline int
packed_dequeue_batch(struct virtq *vq, struct rte_mbuf **m, const bool zc, uint32_t zc_min,
		     const bool tx_hdr, uint64_t room)
{
	const struct vring_packed_desc *ring = &vq->desc_packed[vq->last_avail];
	uint16_t hdr = vq->hdr_len, id[PACKED_BATCH], i;
	uint32_t len[PACKED_BATCH];
	uint8_t *p[PACKED_BATCH];
	uint64_t contig;

	if ((vq->last_avail & (PACKED_BATCH - 1)) != 0 ||
	    vq->last_avail + PACKED_BATCH > vq->size)
		return 1;
	for (i = 0; i < PACKED_BATCH; i++) {
		uint16_t f = packed_flags(vq, vq->last_avail + i);

		if (!packed_is_avail(f, vq->avail_wrap) || (f & (PACKED_F_SINGLE |
								  VRING_DESC_F_WRITE)))
			return 1;
	}
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < PACKED_BATCH; i++) {
		const volatile struct vring_packed_desc *d = &ring[i];
		uint64_t addr = d->addr;

		len[i] = d->len;
		id[i] = d->id;
		if (unlikely(id[i] >= vq->size || packed_id_busy(vq, id[i], zc)) ||
		    len[i] <= hdr || len[i] - hdr > rte_pktmbuf_tailroom(m[i]) ||
		    (zc && len[i] - hdr >= zc_min))
			return 1;
		p[i] = virtq_translate(vq->mem, &vq->hint, addr, len[i], &contig);
		if (unlikely(p[i] == NULL || contig != len[i]))
			return 1;
		if (tx_hdr) {
			/* Bytes, not a struct: the guest picks the address. */
			const uint8_t *h = p[i];

			if ((h[offsetof(struct virtio_net_hdr, flags)] |
			     h[offsetof(struct virtio_net_hdr, gso_type)]) != 0)
				return 1;
		}
		rte_prefetch0(p[i] + hdr);
	}
	if (unlikely(!packed_ids_distinct(id)) ||
	    unlikely((uint64_t)len[0] + len[1] + len[2] - 3u * hdr >= room))
		return 1;
	for (i = 0; i < PACKED_BATCH; i++) {
		uint32_t l = len[i] - hdr;

		rte_memcpy(rte_pktmbuf_mtod(m[i], void *), p[i] + hdr, l);
		m[i]->data_len = l;
		m[i]->pkt_len = l;
		vq->id_burst[id[i]] = vq->burst_seq;
		if (zc)
			virtq_zc_taken(vq, id[i] | 1u << 16, false);
		else
			virtq_shadow_add(vq, id[i] | 1u << 16, 0);
	}
	rte_prefetch0(ring + PACKED_BATCH);
	packed_advance(vq, &vq->last_avail, &vq->avail_wrap, PACKED_BATCH);
	return 0;
}

/*
 * One tx chain from last_avail (available, fenced) into @p m. Returns 0
 * with a packet in @p m, or -virtq_error: -VIRTQ_ERR_MBUF_ALLOC leaves the
 * chain where it is, any other takes it and gives it back with length 0.
 */
static __rte_always_inline int
packed_dequeue_one(struct virtq *vq, struct rte_mbuf *m, struct rte_mempool *mp,
		   const bool zc, uint32_t zc_min, const bool tx_hdr)
{
	struct virtq_chain c;
	bool zcopied = false;
	int ret;

	ret = packed_walk(vq, vq->last_avail, vq->avail_wrap, false, &c);
	if (likely(ret == 0) && unlikely(packed_id_busy(vq, c.head, zc)))
		ret = -VIRTQ_ERR_HEAD_IN_FLIGHT;
	if (likely(ret == 0))
		ret = virtq_chain_to_mbuf(vq, &c, m, mp, zc, zc_min, tx_hdr, &zcopied);
	if (unlikely(ret == -VIRTQ_ERR_MBUF_ALLOC))
		return ret;
	if (zc)
		virtq_zc_taken(vq, virtq_used_id(vq, &c), zcopied);
	else
		virtq_shadow_add(vq, virtq_used_id(vq, &c), 0);
	packed_take(vq, &c);
	return ret;
}

/* Hand back what the burst used (and, with zero-copy, the buffers whose
 * mbufs were freed), then call the guest if it asked. A burst that took
 * buffers (@p took) turns kicks off, in case a sleeping owner had them on;
 * an empty one leaves them as they are: its owner may be about to sleep. */
static __rte_always_inline void
packed_dequeue_end(struct virtq *vq, uint16_t old_used, const bool zc, bool took)
{
	if (zc)
		virtq_zc_complete(vq);
	virtq_packed_flush(vq, false);
	if (took)
		virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
}

/* The dequeue, specialised on zero-copy and on reading tx headers. It ends
 * with the packet that brings the bytes to @p max_bytes. */
static __rte_always_inline uint16_t
packed_dequeue(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
	       uint16_t n, uint32_t max_bytes, const bool zc, const bool tx_hdr)
{
	struct rte_mbuf *bufs[VIRTQ_MAX_BURST];
	uint16_t old_used = virtq_used_pos(vq), count = 0, taken = 0, small = 0, todo;
	uint32_t zc_min = zc ? __atomic_load_n(&vq->zc_min, __ATOMIC_RELAXED) : UINT32_MAX;
	uint64_t bytes = 0;
	int ret;

	if (unlikely(vq->broken))
		return 0;
	/* From here on, every return goes through packed_dequeue_end(); those
	 * that took nothing need not collect again. */
	if (zc)
		virtq_zc_complete(vq);
	todo = RTE_MIN(n, (uint16_t)VIRTQ_MAX_BURST);
	/* No more chains than the shadow array holds: a guest that makes
	 * descriptors available again behind us has more to offer. */
	todo = RTE_MIN(todo, vq->size);
	if (zc)
		todo = RTE_MIN(todo, virtq_zc_room_owed(vq));
	if (todo == 0 || !packed_head_avail(vq)) {
		packed_dequeue_end(vq, old_used, false, false);
		return 0;
	}
	stats_add(&vq->stats.kicks_avoided, 1);
	if (unlikely(rte_pktmbuf_alloc_bulk(mp, bufs, todo) != 0)) {
		stats_add(&vq->stats.errors[VIRTQ_ERR_MBUF_ALLOC], 1);
		packed_dequeue_end(vq, old_used, false, false);
		return 0;
	}
	packed_burst_begin(vq);
	while (taken < todo) {
		if (taken + PACKED_BATCH <= todo &&
		    packed_dequeue_batch(vq, &bufs[count], zc, zc_min, tx_hdr,
					 max_bytes - bytes) == 0) {
			for (ret = 0; ret < PACKED_BATCH; ret++) {
				bytes += bufs[count]->pkt_len;
				pkts[count] = bufs[count];
				count++;
			}
			small += zc ? PACKED_BATCH : 0;
			taken += PACKED_BATCH;
			if (unlikely(bytes >= max_bytes))
				break;
			continue;
		}
		if (!packed_head_avail(vq))
			break;
		ret = packed_dequeue_one(vq, bufs[count], mp, zc, zc_min, tx_hdr);
		if (unlikely(ret < 0)) {
			if (ret == -VIRTQ_ERR_MBUF_ALLOC)
				stats_add(&vq->stats.errors[VIRTQ_ERR_MBUF_ALLOC], 1);
			else
				virtq_error(vq, -ret);
			rte_pktmbuf_free(bufs[count]->next);
			rte_pktmbuf_reset(bufs[count]);
			if (ret == -VIRTQ_ERR_MBUF_ALLOC)
				break;
			taken++;
			continue;
		}
		bytes += bufs[count]->pkt_len;
		/* Shorter than the threshold: copied, whatever the cap said. */
		if (zc)
			small += bufs[count]->pkt_len < zc_min;
		pkts[count] = bufs[count];
		count++;
		taken++;
		if (unlikely(bytes >= max_bytes))
			break;
	}
	if (count < todo)
		rte_pktmbuf_free_bulk(&bufs[count], todo - count);
	stats_add(&vq->stats.pkts, count);
	stats_add(&vq->stats.bytes, bytes);
	if (zc && zc_min != UINT32_MAX)
		stats_add(&vq->stats.zc_small, small);
	packed_dequeue_end(vq, old_used, zc, taken != 0);
	return count;
}

/* The dequeue's instances: copy or zero-copy, tx headers read or not. */
static __rte_noinline uint16_t
packed_dequeue_copy(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		    uint16_t n, uint32_t max_bytes)
{
	return packed_dequeue(vq, mp, pkts, n, max_bytes, false, false);
}

static __rte_noinline uint16_t
packed_dequeue_copy_hdr(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
			uint16_t n, uint32_t max_bytes)
{
	return packed_dequeue(vq, mp, pkts, n, max_bytes, false, true);
}

static __rte_noinline uint16_t
packed_dequeue_zc(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		  uint16_t n, uint32_t max_bytes)
{
	return packed_dequeue(vq, mp, pkts, n, max_bytes, true, false);
}

static __rte_noinline uint16_t
packed_dequeue_zc_hdr(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		      uint16_t n, uint32_t max_bytes)
{
	return packed_dequeue(vq, mp, pkts, n, max_bytes, true, true);
}

/*
 * Enqueue.
 */

/*
 * Four one-segment packets into four single-descriptor rx chains from a
 * line's start, each big enough for header and packet in one host piece:
 * placed together. Returns 0 when placed, 1 when they are to be placed one
 * at a time (nothing has changed then).
 */
static __rte_always_inline int
packed_enqueue_batch(struct virtq *vq, struct rte_mbuf **m, const bool log)
{
	const struct vring_packed_desc *ring = &vq->desc_packed[vq->last_avail];
	uint16_t hdr = vq->hdr_len, id[PACKED_BATCH], i;
	uint64_t addr[PACKED_BATCH], contig;
	uint8_t *p[PACKED_BATCH];
	uint32_t need;

	if ((vq->last_avail & (PACKED_BATCH - 1)) != 0 ||
	    vq->last_avail + PACKED_BATCH > vq->size)
		return 1;
	for (i = 0; i < PACKED_BATCH; i++) {
		uint16_t f = packed_flags(vq, vq->last_avail + i);

		if (!packed_is_avail(f, vq->avail_wrap) ||
		    (f & (PACKED_F_SINGLE | VRING_DESC_F_WRITE)) != VRING_DESC_F_WRITE ||
		    m[i]->nb_segs != 1)
			return 1;
	}
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < PACKED_BATCH; i++) {
		const volatile struct vring_packed_desc *d = &ring[i];
		uint32_t len = d->len;

		addr[i] = d->addr;
		id[i] = d->id;
		need = hdr + rte_pktmbuf_pkt_len(m[i]);
		if (unlikely(id[i] >= vq->size || vq->id_burst[id[i]] == vq->burst_seq) ||
		    len < need)
			return 1;
		/* The whole buffer must be guest memory, as the chain walk demands. */
		p[i] = virtq_translate(vq->mem, &vq->hint, addr[i], len, &contig);
		if (unlikely(p[i] == NULL || contig != len))
			return 1;
		virtq_prefetch_w(p[i] + hdr);
	}
	if (unlikely(!packed_ids_distinct(id)))
		return 1;
	for (i = 0; i < PACKED_BATCH; i++) {
		struct virtio_net_hdr_mrg_rxbuf h;

		need = hdr + rte_pktmbuf_pkt_len(m[i]);
		virtq_hdr_out(vq, m[i], &h.hdr);
		h.num_buffers = 1;
		virtq_hdr_store(p[i], &h, hdr);
		rte_memcpy(p[i] + hdr, rte_pktmbuf_mtod(m[i], void *), rte_pktmbuf_pkt_len(m[i]));
		if (log)
			vq->log->write(vq->log_ctx, addr[i], need);
		vq->id_burst[id[i]] = vq->burst_seq;
		virtq_shadow_add(vq, id[i] | 1u << 16, need);
	}
	packed_advance(vq, &vq->last_avail, &vq->avail_wrap, PACKED_BATCH);
	return 0;
}

/*
 * Walk the rx chain at last_avail without taking it: 0, -GUEST_RING_FULL
 * when there is none or the burst's chains are spent, or the chain's error
 * (it is then to be given back: c names it).
 */
static __rte_always_inline int
packed_peek_rx(struct virtq *vq, struct virtq_chain *c, uint16_t *budget)
{
	int ret;

	if (*budget == 0 || !packed_head_avail(vq))
		return -VIRTQ_ERR_GUEST_RING_FULL;
	ret = packed_walk(vq, vq->last_avail, vq->avail_wrap, true, c);
	if (ret == 0 && unlikely(vq->id_burst[c->head] == vq->burst_seq))
		ret = -VIRTQ_ERR_HEAD_IN_FLIGHT;
	if (ret == 0 && unlikely(c->len < vq->hdr_len))
		ret = -VIRTQ_ERR_BAD_LEN;
	return ret;
}

/* Take rx chain @p c with @p len bytes written. */
static __rte_always_inline void
packed_rx_take(struct virtq *vq, const struct virtq_chain *c, uint32_t len, uint16_t *budget)
{
	virtq_shadow_add(vq, virtq_used_id(vq, c), len);
	packed_take(vq, c);
	(*budget)--;
}

/* Give a bad rx chain back with length 0. */
static void
packed_rx_bad(struct virtq *vq, const struct virtq_chain *c, int err, uint16_t *budget)
{
	virtq_error(vq, -err);
	packed_rx_take(vq, c, 0, budget);
}

/* One packet into one chain (no mergeable rx buffers). */
static __rte_always_inline int
packed_enqueue_one(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget, const bool log)
{
	struct virtq_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtq_chain c;
	int ret;

	while ((ret = packed_peek_rx(vq, &c, budget)) < 0) {
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL)
			return ret;
		packed_rx_bad(vq, &c, ret, budget);
	}
	/* Not taken: a smaller packet may still use it. */
	if (c.len < vq->hdr_len + src.left)
		return -VIRTQ_ERR_PKT_TOO_BIG;
	virtq_hdr_out(vq, m, &hdr.hdr);
	hdr.num_buffers = 1;
	virtq_chain_write(vq, &c, 0, &hdr, vq->hdr_len, log);
	virtq_fill(vq, &c, vq->hdr_len, &src, log);
	packed_rx_take(vq, &c, vq->hdr_len + rte_pktmbuf_pkt_len(m), budget);
	return 0;
}

/*
 * One packet over as many chains as it needs (mergeable rx buffers), as
 * consecutive used descriptors. A bad chain in the middle: the chains taken
 * so far go back with length 0 along with the bad one, and the packet
 * starts over. Out of chains: everything this packet took is given back
 * untouched.
 */
static __rte_always_inline int
packed_enqueue_mrg(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget, const bool log)
{
	uint16_t save_avail = vq->last_avail, save_shadow = vq->nb_shadow;
	uint16_t save_budget = *budget, nbufs = 0, i;
	bool save_wrap = vq->avail_wrap;
	struct virtq_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtq_chain c, first;
	struct virtq_buf hdr_piece = { NULL, 0, 0 };
	bool hdr_one_piece = false;
	uint32_t w;
	int ret;

	first.nvec = 0;
	do {
		ret = packed_peek_rx(vq, &c, budget);
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL) {
			vq->last_avail = save_avail;
			vq->avail_wrap = save_wrap;
			vq->nb_shadow = save_shadow;
			*budget = save_budget;
			return ret;
		}
		if (unlikely(ret < 0)) {
			for (i = save_shadow; i < vq->nb_shadow; i++)
				vq->shadow[i].len = 0;
			packed_rx_bad(vq, &c, ret, budget);
			save_avail = vq->last_avail;
			save_wrap = vq->avail_wrap;
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
		packed_rx_take(vq, &c, w + (nbufs == 0 ? vq->hdr_len : 0), budget);
		nbufs++;
	} while (nbufs == 0 || src.left != 0);
	virtq_hdr_out(vq, m, &hdr.hdr);
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

/* The enqueue, specialised on mergeable rx buffers and dirty logging. */
static __rte_always_inline uint16_t
packed_enqueue(struct virtq *vq, struct rte_mbuf **pkts, uint16_t n, const bool mrg,
	       const bool log)
{
	uint16_t old_used = virtq_used_pos(vq), placed = 0, budget, i = 0, k;
	uint8_t ok[VIRTQ_MAX_BURST];
	uint64_t bytes = 0;
	bool holes = false;
	int ret;

	if (unlikely(vq->broken))
		return 0;
	n = RTE_MIN(n, (uint16_t)VIRTQ_MAX_BURST);
	if (n == 0 || !packed_head_avail(vq)) {
		if (n != 0)
			stats_add(&vq->stats.errors[VIRTQ_ERR_GUEST_RING_FULL], n);
		return 0;
	}
	stats_add(&vq->stats.kicks_avoided, 1);
	packed_burst_begin(vq);
	/* Chains this burst may take: a ring's worth, so that the shadow
	 * array holds them. */
	budget = vq->size;
	while (i < n) {
		if (i + PACKED_BATCH <= n && budget >= PACKED_BATCH &&
		    packed_enqueue_batch(vq, &pkts[i], log) == 0) {
			for (k = 0; k < PACKED_BATCH; k++, i++) {
				ok[i] = 1;
				bytes += rte_pktmbuf_pkt_len(pkts[i]);
			}
			placed += PACKED_BATCH;
			budget -= PACKED_BATCH;
			continue;
		}
		ret = mrg ? packed_enqueue_mrg(vq, pkts[i], &budget, log) :
			    packed_enqueue_one(vq, pkts[i], &budget, log);
		ok[i] = ret == 0;
		if (likely(ret == 0)) {
			placed++;
			bytes += rte_pktmbuf_pkt_len(pkts[i++]);
			continue;
		}
		if (ret == -VIRTQ_ERR_GUEST_RING_FULL)
			break;
		virtq_error(vq, -ret);
		holes = true;
		i++;
	}
	if (i < n) {
		stats_add(&vq->stats.errors[VIRTQ_ERR_GUEST_RING_FULL], n - i);
		memset(&ok[i], 0, n - i);
	}
	if (unlikely(holes))
		virtq_compact(pkts, n, ok, placed);
	stats_add(&vq->stats.pkts, placed);
	stats_add(&vq->stats.bytes, bytes);
	virtq_packed_flush(vq, true);
	virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
	return placed;
}

/* The enqueue's instances (mp is unused: virtq_burst_fn's signature). */
static __rte_noinline uint16_t
packed_enqueue_one_buf(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		       struct rte_mbuf **pkts, uint16_t n)
{
	return packed_enqueue(vq, pkts, n, false, false);
}

static __rte_noinline uint16_t
packed_enqueue_mrg_buf(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		       struct rte_mbuf **pkts, uint16_t n)
{
	return packed_enqueue(vq, pkts, n, true, false);
}

static __rte_noinline uint16_t
packed_enqueue_one_log(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		       struct rte_mbuf **pkts, uint16_t n)
{
	return packed_enqueue(vq, pkts, n, false, true);
}

static __rte_noinline uint16_t
packed_enqueue_mrg_log(struct virtq *vq, struct rte_mempool *mp __rte_unused,
		       struct rte_mbuf **pkts, uint16_t n)
{
	return packed_enqueue(vq, pkts, n, true, true);
}

void
virtq_packed_select(struct virtq *vq)
{
	bool log = vq->log != NULL;

	vq->dequeue = vq->tx_hdr ? packed_dequeue_copy_hdr : packed_dequeue_copy;
	vq->dequeue_zc = vq->tx_hdr ? packed_dequeue_zc_hdr : packed_dequeue_zc;
	if (vq->mrg_rxbuf)
		vq->enqueue = log ? packed_enqueue_mrg_log : packed_enqueue_mrg_buf;
	else
		vq->enqueue = log ? packed_enqueue_one_log : packed_enqueue_one_buf;
}
