/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_XFER_H
#define VDP_VIRTQ_XFER_H

/**
 * @file
 * Moving packets between walked chains and mbufs, whatever the ring layout:
 * split.c and packed.c inline these into their bursts, with the same
 * constant flags (zero-copy, tx headers read, dirty logging).
 */

#include <string.h>

#include <rte_memcpy.h>

#include "virtq_priv.h"

/* Copy the packet part of a tx chain (after the header) into mbufs. */
static __rte_noinline int
virtq_copy_to_mbuf(const struct virtq_chain *c, uint32_t off, struct rte_mbuf *m,
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
virtq_hdr_in(const struct virtio_net_hdr *hdr, struct rte_mbuf *m)
{
	if (likely((hdr->flags | hdr->gso_type) == 0))
		return 0;
	return virtq_hdr_to_mbuf(hdr, m) < 0 ? -VIRTQ_ERR_BAD_HDR : 0;
}

/* Copy the packet of walked tx chain @p c into @p m; 0 or -virtq_error. */
static __rte_always_inline int
virtq_copy_chain(struct virtq *vq, const struct virtq_chain *c, struct rte_mbuf *m,
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
	return virtq_copy_to_mbuf(c, vq->hdr_len, m, mp);
}

/*
 * Whether the bytes that tx header @p h has written (a partial checksum's
 * field, the headers TSO repeats) lie in a zero-copied packet's private
 * first segment. When not, the chain is copied: written into guest memory
 * they cannot be, and the copy path takes such a packet.
 */
static __rte_always_inline bool
virtq_hdr_fits_zc(const struct virtio_net_hdr *h)
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
static __rte_always_inline int
virtq_chain_to_mbuf(struct virtq *vq, const struct virtq_chain *c,
		    struct rte_mbuf *m, struct rte_mempool *mp, const bool zc, uint32_t zc_min,
		    const bool tx_hdr, bool *zcopied)
{
	struct virtio_net_hdr hdr;
	uint32_t len;
	int ret;

	if (unlikely(c->len <= vq->hdr_len ||
		     c->len - vq->hdr_len > VIRTQ_MAX_PKT_LEN))
		return -VIRTQ_ERR_BAD_LEN;
	len = c->len - vq->hdr_len;
	if (tx_hdr)
		virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	if (zc && len >= zc_min && (!tx_hdr || virtq_hdr_fits_zc(&hdr)) &&
	    virtq_zc_room(vq)) {
		ret = virtq_zc_to_mbuf(vq, c, vq->hdr_len, m, mp);
		if (unlikely(ret < 0))
			return ret;
		*zcopied = ret == 0;
	}
	if (!*zcopied) {
		ret = virtq_copy_chain(vq, c, m, mp);
		if (unlikely(ret < 0))
			return ret;
	}
	if (!tx_hdr)
		return 0;
	return virtq_hdr_in(&hdr, m);
}

/*
 * Put the rx header @p hdr (@p len bytes) at @p p, unless p holds it
 * already. Drivers recycle their buffers, and most headers are the same
 * (no offloads, one buffer): the guest only reads that line, and when we do
 * not write it, it stays shared between its core and ours instead of moving
 * over and back for every packet.
 */
static __rte_always_inline void
virtq_hdr_store(uint8_t *p, const struct virtio_net_hdr_mrg_rxbuf *hdr, uint16_t len)
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
struct virtq_src {
	const struct rte_mbuf *seg;   /* Current segment. */
	uint32_t off;                 /* Offset in it. */
	uint32_t left;                /* Packet bytes still to copy. */
};

/* Write @p len bytes into the chain from byte @p off; logs the writes
 * (with @p log). */
static __rte_always_inline void
virtq_chain_write(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
		  const void *src, uint32_t len, const bool log)
{
	const uint8_t *s = src;
	uint16_t i;

	for (i = virtq_chain_seek(c, &off); i < c->nvec && len != 0; i++, off = 0) {
		uint32_t n = RTE_MIN(c->vec[i].len - off, len);

		rte_memcpy(c->vec[i].addr + off, s, n);
		if (log)
			vq->log->write(vq->log_ctx, c->vec[i].gpa + off, n);
		s += n;
		len -= n;
	}
}

/* Fill the chain from byte @p off with packet bytes; returns bytes written. */
static __rte_always_inline uint32_t
virtq_fill(struct virtq *vq, const struct virtq_chain *c, uint32_t off,
	   struct virtq_src *src, const bool log)
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
		virtq_chain_write(vq, c, off,
				  rte_pktmbuf_mtod_offset(src->seg, const uint8_t *, src->off), n,
				  log);
		src->off += n;
		src->left -= n;
		off += n;
		written += n;
	}
	return written;
}

/* Fill a guest rx header from @p m's flags; most packets carry none. */
static __rte_always_inline void
virtq_hdr_out(const struct virtq *vq, const struct rte_mbuf *m,
		    struct virtio_net_hdr *hdr)
{
	if (likely((m->ol_flags & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG |
				   RTE_MBUF_F_RX_L4_CKSUM_GOOD)) == 0))
		memset(hdr, 0, sizeof(*hdr));
	else
		virtq_hdr_from_mbuf(vq, m, hdr);
}

/* Put placed packets first, in order, and the others after them. */
static __rte_noinline void
virtq_compact(struct rte_mbuf **pkts, uint16_t n, const uint8_t *placed,
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

#endif /* VDP_VIRTQ_XFER_H */
