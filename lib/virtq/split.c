/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Split virtqueues: dequeue (guest tx -> mbufs) and enqueue (mbufs ->
 * guest rx), one burst at a time. Used entries collect in a shadow array
 * and reach the used ring once per burst, followed by at most one call.
 */

#include <errno.h>
#include <string.h>
#ifdef RTE_ARCH_X86
#include <cpuid.h>
#endif

#include <rte_malloc.h>
#include <rte_memcpy.h>

#include "virtq_priv.h"

RTE_LOG_REGISTER_SUFFIX(virtq_logtype, virtq, NOTICE);

/* Features that let a guest's tx header ask for something. Without any of
 * them the header is all zeroes by the spec, and the dequeue does not read
 * it: for small packets it sits in a cache line of its own. */
#define SPLIT_TX_HDR_FEATURES ((1ULL << VIRTIO_NET_F_CSUM) | \
			       (1ULL << VIRTIO_NET_F_HOST_TSO4) | \
			       (1ULL << VIRTIO_NET_F_HOST_TSO6) | \
			       (1ULL << VIRTIO_NET_F_HOST_ECN) | \
			       (1ULL << VIRTIO_NET_F_HOST_UFO))

bool virtq_cpu_prefetchw;

RTE_INIT(virtq_cpu_probe)
{
#ifdef RTE_ARCH_X86
	unsigned int a, b, c, d;

	if (__get_cpuid(0x80000001, &a, &b, &c, &d))
		virtq_cpu_prefetchw = !!(c & bit_PRFCHW);
#endif
}

static const char *const virtq_error_names[] = {
	[VIRTQ_ERR_NONE] = "none",
#define VIRTQ_ERR_NAME(e, s) [VIRTQ_ERR_##e] = s,
	VIRTQ_FOREACH_ERROR(VIRTQ_ERR_NAME)
#undef VIRTQ_ERR_NAME
};

const char *
virtq_error_name(enum virtq_error e)
{
	return (unsigned int)e < VIRTQ_ERR_MAX ? virtq_error_names[e] : "unknown";
}

void
virtq_stats_acc(struct virtq_stats *acc, const struct virtq_stats *s)
{
	unsigned int e;

	acc->pkts += stats_read(&s->pkts);
	acc->bytes += stats_read(&s->bytes);
	acc->calls += stats_read(&s->calls);
	acc->calls_avoided += stats_read(&s->calls_avoided);
	acc->kicks_avoided += stats_read(&s->kicks_avoided);
	acc->zc_pkts += stats_read(&s->zc_pkts);
	acc->zc_small += stats_read(&s->zc_small);
	acc->zc_capped += stats_read(&s->zc_capped);
	acc->zc_stalls += stats_read(&s->zc_stalls);
	for (e = 0; e < VIRTQ_ERR_MAX; e++)
		acc->errors[e] += stats_read(&s->errors[e]);
}

void
virtq_error(struct virtq *vq, enum virtq_error e)
{
	stats_add(&vq->stats.errors[e], 1);
	VIRTQ_LOG_RL(WARNING, "ring %p: %s (avail %u used %u)", (void *)vq->desc,
		     virtq_error_name(e), vq->last_avail, vq->last_used);
}

int
virtq_init(struct virtq *vq, const struct virtq_params *p)
{
	if (p->desc == NULL || p->avail == NULL || p->used == NULL ||
	    p->mem == NULL || p->size == 0 || p->size > VIRTQ_MAX_SIZE ||
	    (p->size & (p->size - 1)) != 0)
		return -EINVAL;
	if (vq->shadow == NULL || vq->size < p->size) {
		rte_free(vq->shadow);
		vq->shadow = rte_malloc("virtq_shadow", sizeof(*vq->shadow) * p->size,
					RTE_CACHE_LINE_SIZE);
		if (vq->shadow == NULL)
			return -ENOMEM;
	}
	vq->desc = p->desc;
	vq->avail = p->avail;
	vq->used = p->used;
	vq->size = p->size;
	vq->mask = p->size - 1;
	vq->last_avail = p->last_avail;
	vq->last_used = p->last_used;
	vq->signalled_valid = false;
	vq->features = p->features;
	vq->event_idx = !!(p->features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	vq->indirect = !!(p->features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
	vq->mrg_rxbuf = !!(p->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
	vq->tx_hdr = !!(p->features & SPLIT_TX_HDR_FEATURES);
	vq->hdr_len = (vq->mrg_rxbuf || (p->features & (1ULL << VIRTIO_F_VERSION_1))) ?
		sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);
	vq->broken = false;
	vq->mem = p->mem;
	vq->hint = 0;
	vq->callfd = p->callfd;
	vq->log = p->log;
	vq->log_ctx = p->log_ctx;
	vq->nb_shadow = 0;
	vq->zc_min = UINT32_MAX;
	vq->zc_pin = p->zc_pin;
	if (p->zcopy_min != 0) {
		int ret = virtq_zc_init(vq, p->zcopy_min, p->zcopy_max);

		if (ret < 0)
			return ret;
	} else {
		virtq_zc_fini(vq);
	}
	virtq_kick_suppress(vq);
	return 0;
}

void
virtq_fini(struct virtq *vq)
{
	virtq_zc_fini(vq);
	rte_free(vq->shadow);
	vq->shadow = NULL;
	vq->size = 0;
}

void
virtq_set_log(struct virtq *vq, const struct virtq_log_ops *log, void *ctx)
{
	vq->log = log;
	vq->log_ctx = ctx;
}

void
virtq_used_flush(struct virtq *vq)
{
	uint16_t n = vq->nb_shadow, idx = vq->last_used, i;

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
 * it is another one, for reading only, since split_hdr_store() usually
 * leaves it as it is.
 */
static __rte_always_inline void
split_prefetch_buf(struct virtq *vq, uint16_t head, bool write)
{
	const volatile struct vring_desc *d = &vq->desc[head & vq->mask];
	uint64_t gpa = d->addr, contig;
	uint32_t len = d->len, skip = 0;
	const uint8_t *p;

	if (!write && !vq->tx_hdr)
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
split_prefetch_start(struct virtq *vq, uint16_t *heads, uint16_t n, bool write)
{
	uint16_t i;

	split_prefetch_burst(vq, heads, n);
	for (i = 0; i < RTE_MIN(n, (uint16_t)SPLIT_PREFETCH_AHEAD); i++)
		split_prefetch_buf(vq, heads[i], write);
}

/* Copy the packet part of a tx chain (after the header) into mbufs. */
static int
split_copy_to_mbuf(const struct virtq_chain *c, uint32_t off, struct rte_mbuf *m,
		   struct rte_mempool *mp)
{
	struct rte_mbuf *cur = m;
	uint16_t i;

	for (i = virtq_chain_seek(c, &off); i < c->nvec; i++, off = 0) {
		const uint8_t *src = c->vec[i].addr + off;
		uint32_t l = c->vec[i].len - off;

		while (l != 0) {
			uint16_t room = rte_pktmbuf_tailroom(cur), n;

			if (room == 0) {
				struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);

				if (unlikely(seg == NULL))
					return -VIRTQ_ERR_MBUF_ALLOC;
				cur->next = seg;
				cur = seg;
				m->nb_segs++;
				room = rte_pktmbuf_tailroom(cur);
			}
			n = RTE_MIN((uint32_t)room, l);
			rte_memcpy(rte_pktmbuf_mtod_offset(cur, uint8_t *, cur->data_len), src, n);
			cur->data_len += n;
			m->pkt_len += n;
			src += n;
			l -= n;
		}
	}
	return 0;
}

/* Map a guest tx header to @p m's flags: 0, or -VIRTQ_ERR_BAD_HDR. Most
 * headers ask for nothing. */
static __rte_always_inline int
split_hdr_to_mbuf(const struct virtio_net_hdr *hdr, struct rte_mbuf *m)
{
	if (likely((hdr->flags | hdr->gso_type) == 0))
		return 0;
	return virtq_hdr_to_mbuf(hdr, m) < 0 ? -VIRTQ_ERR_BAD_HDR : 0;
}

/*
 * The common case: a chain of one descriptor, header and packet in one
 * host piece that fits @p m. Returns 0 when @p m holds the packet, 1 when
 * the general path must look at the chain (nothing has changed then), or
 * -VIRTQ_ERR_BAD_HDR.
 */
static __rte_always_inline int
split_dequeue_fast(struct virtq *vq, uint16_t head, struct rte_mbuf *m, const bool zc,
		   uint32_t zc_min)
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
	if (likely(!vq->tx_hdr))
		return 0;
	memcpy(&hdr, p, sizeof(hdr));
	return split_hdr_to_mbuf(&hdr, m);
}

/* Copy the packet of walked tx chain @p c into @p m; 0 or -virtq_error. */
static int
split_copy_chain(struct virtq *vq, const struct virtq_chain *c, struct rte_mbuf *m,
		 struct rte_mempool *mp)
{
	uint32_t len = c->len - vq->hdr_len;

	/* Header and packet in one piece that fits one mbuf: the common case
	 * (virtio 1.0 drivers push the header in front of the data). */
	if (likely(c->nvec == 1 && len <= rte_pktmbuf_tailroom(m))) {
		rte_memcpy(rte_pktmbuf_mtod(m, void *), c->vec[0].addr + vq->hdr_len, len);
		m->data_len = len;
		m->pkt_len = len;
		return 0;
	}
	return split_copy_to_mbuf(c, vq->hdr_len, m, mp);
}

/*
 * Whether the bytes that tx header @p h has written (a partial checksum's
 * field, the headers TSO repeats) lie in a zero-copied packet's private
 * first segment. When not, the chain is copied: written into guest memory
 * they cannot be, and the copy path takes such a packet.
 */
static __rte_always_inline bool
split_hdr_fits_zc(const struct virtio_net_hdr *h)
{
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (uint32_t)h->csum_start + h->csum_offset + sizeof(uint16_t) > VIRTQ_ZC_COPY_LEN)
		return false;
	return h->gso_type == VIRTIO_NET_HDR_GSO_NONE || h->hdr_len <= VIRTQ_ZC_COPY_LEN;
}

/*
 * Turn one walked tx chain into @p m; 0 or -virtq_error. Zero-copies
 * packets of at least @p zc_min bytes (with @p zc) and sets @p zcopied
 * when @p m points into the guest's buffers (even when it then fails: the
 * chain's used entry must wait for the free of its segments).
 */
static int
split_chain_to_mbuf(struct virtq *vq, const struct virtq_chain *c,
		    struct rte_mbuf *m, struct rte_mempool *mp, const bool zc, uint32_t zc_min,
		    bool *zcopied)
{
	struct virtio_net_hdr hdr;
	uint32_t len;
	int ret;

	if (unlikely(c->len <= vq->hdr_len ||
		     c->len - vq->hdr_len > VIRTQ_MAX_PKT_LEN))
		return -VIRTQ_ERR_BAD_LEN;
	len = c->len - vq->hdr_len;
	if (vq->tx_hdr)
		virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	if (zc && len >= zc_min && (!vq->tx_hdr || split_hdr_fits_zc(&hdr)) &&
	    virtq_zc_room(vq)) {
		ret = virtq_zc_to_mbuf(vq, c, vq->hdr_len, m, mp);
		if (unlikely(ret < 0))
			return ret;
		*zcopied = ret == 0;
	}
	if (!*zcopied) {
		ret = split_copy_chain(vq, c, m, mp);
		if (unlikely(ret < 0))
			return ret;
	}
	if (!vq->tx_hdr)
		return 0;
	return split_hdr_to_mbuf(&hdr, m);
}

/* Hand back what the burst used (and, with zero-copy, the buffers whose
 * mbufs were freed), then call the guest if it asked. */
static __rte_always_inline void
split_dequeue_end(struct virtq *vq, uint16_t old_used, const bool zc)
{
	if (zc)
		virtq_zc_complete(vq);
	virtq_used_flush(vq);
	virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
}

/* The dequeue, specialised on zero-copy (@p zc constant) so that the copy
 * path pays nothing for it. */
static __rte_always_inline uint16_t
split_dequeue(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
	      uint16_t n, const bool zc)
{
	struct rte_mbuf *bufs[VIRTQ_MAX_BURST];
	uint16_t heads[VIRTQ_MAX_BURST];
	uint16_t old_used = vq->last_used, count = 0, small = 0, todo, i;
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
			split_dequeue_end(vq, old_used, false);
		return 0;
	}
	stats_add(&vq->stats.kicks_avoided, 1);
	/* All or nothing, so a chain is never taken without an mbuf for it. */
	if (unlikely(rte_pktmbuf_alloc_bulk(mp, bufs, todo) != 0)) {
		stats_add(&vq->stats.errors[VIRTQ_ERR_MBUF_ALLOC], 1);
		if (zc)
			split_dequeue_end(vq, old_used, false);
		return 0;
	}
	split_prefetch_start(vq, heads, todo, false);
	for (i = 0; i < todo; i++) {
		uint16_t head = heads[i];
		bool zcopied = false;

		if (i + SPLIT_PREFETCH_AHEAD < todo)
			split_prefetch_buf(vq, heads[i + SPLIT_PREFETCH_AHEAD], false);

		if (zc && unlikely(virtq_zc_head_busy(vq, head))) {
			/* The guest made a buffer available again before we
			 * gave it back: take the entry, use nothing. */
			vq->last_avail++;
			virtq_error(vq, VIRTQ_ERR_HEAD_IN_FLIGHT);
			continue;
		}
		ret = split_dequeue_fast(vq, head, bufs[count], zc, zc_min);
		if (unlikely(ret > 0)) {
			ret = virtq_walk(vq, head, false, &c);
			if (likely(ret == 0))
				ret = split_chain_to_mbuf(vq, &c, bufs[count], mp, zc, zc_min,
							  &zcopied);
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
	}
	if (count < todo)
		rte_pktmbuf_free_bulk(&bufs[count], todo - count);
	stats_add(&vq->stats.pkts, count);
	stats_add(&vq->stats.bytes, bytes);
	if (zc && zc_min != UINT32_MAX)
		stats_add(&vq->stats.zc_small, small);
	split_dequeue_end(vq, old_used, zc);
	return count;
}

static __rte_noinline uint16_t
split_dequeue_copy(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		   uint16_t n)
{
	return split_dequeue(vq, mp, pkts, n, false);
}

static __rte_noinline uint16_t
split_dequeue_zc(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts,
		 uint16_t n)
{
	return split_dequeue(vq, mp, pkts, n, true);
}

uint16_t
virtq_dequeue_burst(struct virtq *vq, struct rte_mempool *mp,
		    struct rte_mbuf **pkts, uint16_t n)
{
	/* Zero-copy on, or chains of it still due back. */
	if (unlikely(vq->zc != NULL) &&
	    (__atomic_load_n(&vq->zc_min, __ATOMIC_RELAXED) != UINT32_MAX ||
	     virtq_zc_pending(vq)))
		return split_dequeue_zc(vq, mp, pkts, n);
	return split_dequeue_copy(vq, mp, pkts, n);
}

/*
 * Put the rx header @p hdr (@p len bytes) at @p p, unless p holds it
 * already. Drivers recycle their buffers, and most headers are the same
 * (no offloads, one buffer): the guest only reads that line, and when we do
 * not write it, it stays shared between its core and ours instead of moving
 * over and back for every packet.
 */
static __rte_always_inline void
split_hdr_store(uint8_t *p, const struct virtio_net_hdr_mrg_rxbuf *hdr, uint16_t len)
{
	uint64_t a, b;
	uint32_t c, e;

	RTE_BUILD_BUG_ON(sizeof(*hdr) != sizeof(a) + sizeof(c));
	memcpy(&a, p, sizeof(a));
	memcpy(&b, hdr, sizeof(b));
	if (likely(len == sizeof(*hdr))) {
		memcpy(&c, p + sizeof(a), sizeof(c));
		memcpy(&e, (const uint8_t *)hdr + sizeof(b), sizeof(e));
		if (a != b || c != e)
			memcpy(p, hdr, sizeof(*hdr));
	} else if (a != b || memcmp(p + sizeof(a), (const uint8_t *)hdr + sizeof(b),
				    len - sizeof(a)) != 0) {
		memcpy(p, hdr, len);
	}
}

/* Where an enqueue copy stands in the mbuf it reads. */
struct split_src {
	const struct rte_mbuf *seg;   /* Current segment. */
	uint32_t off;                 /* Offset in it. */
	uint32_t left;                /* Packet bytes still to copy. */
};

/* Write @p len bytes into the chain from byte @p off; logs the writes. */
static void
split_chain_write(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
		  const void *src, uint32_t len)
{
	const uint8_t *s = src;
	uint16_t i;

	for (i = virtq_chain_seek(c, &off); i < c->nvec && len != 0; i++, off = 0) {
		uint32_t n = RTE_MIN(c->vec[i].len - off, len);

		rte_memcpy(c->vec[i].addr + off, s, n);
		if (unlikely(vq->log != NULL))
			vq->log->write(vq->log_ctx, c->vec[i].gpa + off, n);
		s += n;
		len -= n;
	}
}

/* Fill the chain from byte @p off with packet bytes; returns bytes written. */
static uint32_t
split_fill(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
	   struct split_src *src)
{
	uint32_t written = 0;

	while (src->left != 0 && off < c->len) {
		uint32_t seg_left = src->seg->data_len - src->off;
		uint32_t n = RTE_MIN(RTE_MIN(seg_left, src->left), c->len - off);

		if (seg_left == 0) {
			src->seg = src->seg->next;
			src->off = 0;
			continue;
		}
		split_chain_write(vq, c, off,
				  rte_pktmbuf_mtod_offset(src->seg, const uint8_t *, src->off), n);
		src->off += n;
		src->left -= n;
		off += n;
		written += n;
	}
	return written;
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
static int
split_enqueue_one(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct split_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
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
	split_chain_write(vq, &c, 0, &hdr, vq->hdr_len);
	split_fill(vq, &c, vq->hdr_len, &src);
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
static int
split_enqueue_mrg(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget)
{
	uint16_t save_avail = vq->last_avail, save_shadow = vq->nb_shadow;
	uint16_t save_budget = *budget, nbufs = 0, i;
	struct split_src src = { m, 0, rte_pktmbuf_pkt_len(m) };
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
			src = (struct split_src){ m, 0, rte_pktmbuf_pkt_len(m) };
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
		w = split_fill(vq, &c, nbufs == 0 ? vq->hdr_len : 0, &src);
		virtq_shadow_add(vq, c.head, w + (nbufs == 0 ? vq->hdr_len : 0));
		vq->last_avail++;
		nbufs++;
	} while (nbufs == 0 || src.left != 0);
	virtq_hdr_from_mbuf(vq, m, &hdr.hdr);
	hdr.num_buffers = nbufs;
	if (likely(hdr_one_piece)) {
		split_hdr_store(hdr_piece.addr, &hdr, vq->hdr_len);
		if (unlikely(vq->log != NULL))
			vq->log->write(vq->log_ctx, hdr_piece.gpa, vq->hdr_len);
	} else {
		split_chain_write(vq, &first, 0, &hdr, vq->hdr_len);
	}
	return 0;
}

/* Fill a guest rx header from @p m's flags; most packets carry none. */
static __rte_always_inline void
split_hdr_from_mbuf(const struct virtq *vq, const struct rte_mbuf *m,
		    struct virtio_net_hdr *hdr)
{
	if (likely((m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG |
				   RTE_MBUF_F_RX_L4_CKSUM_GOOD)) == 0))
		memset(hdr, 0, sizeof(*hdr));
	else
		virtq_hdr_from_mbuf(vq, m, hdr);
}

/*
 * The common case, for either rx mode: a one-segment packet into a chain
 * of one descriptor that holds header and packet in one host piece.
 * Returns 0 when placed, 1 when the general path must look at it (nothing
 * has changed then).
 */
static __rte_always_inline int
split_enqueue_fast(struct virtq *vq, struct rte_mbuf *m, uint16_t *budget)
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
	split_hdr_from_mbuf(vq, m, &hdr.hdr);
	hdr.num_buffers = 1;
	split_hdr_store(p, &hdr, vq->hdr_len);
	rte_memcpy(p + vq->hdr_len, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	if (unlikely(vq->log != NULL))
		vq->log->write(vq->log_ctx, d.addr, need);
	virtq_shadow_add(vq, head, need);
	vq->last_avail++;
	(*budget)--;
	return 0;
}

/* Put placed packets first, in order, and the others after them. */
static void
split_compact(struct rte_mbuf **pkts, uint16_t n, const uint8_t *placed,
	      uint16_t nb_placed)
{
	struct rte_mbuf *rest[VIRTQ_MAX_BURST];
	uint16_t i, a = 0, b = 0;

	for (i = 0; i < n; i++) {
		if (placed[i])
			pkts[a++] = pkts[i];
		else
			rest[b++] = pkts[i];
	}
	RTE_ASSERT(a == nb_placed);
	memcpy(&pkts[nb_placed], rest, b * sizeof(rest[0]));
}

uint16_t
virtq_enqueue_burst(struct virtq *vq, struct rte_mbuf **pkts, uint16_t n)
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
	split_prefetch_start(vq, heads, nheads, true);
	for (i = 0; i < n; i++) {
		uint16_t ahead = (uint16_t)(vq->last_avail - start) + SPLIT_PREFETCH_AHEAD;

		if (ahead < nheads)
			split_prefetch_buf(vq, heads[ahead], true);
		if (likely(split_enqueue_fast(vq, pkts[i], &budget) == 0))
			ret = 0;
		else
			ret = vq->mrg_rxbuf ? split_enqueue_mrg(vq, pkts[i], &budget) :
					      split_enqueue_one(vq, pkts[i], &budget);
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
		split_compact(pkts, n, ok, placed);
	stats_add(&vq->stats.pkts, placed);
	stats_add(&vq->stats.bytes, bytes);
	virtq_used_flush(vq);
	virtq_kick_suppress(vq);
	virtq_notify(vq, old_used);
	return placed;
}
