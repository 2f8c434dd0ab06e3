/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq against a tiny split-ring driver (virtq_driver.c) over guest
 * memory mapped twice: translation, dequeue and enqueue layouts, index
 * wrap-around, mergeable rx buffers, offloads, notifications, dirty
 * logging, and every malformed chain an untrusted guest can write.
 */

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "tap.h"
#include "test_port.h"
#include "virtq.h"
#include "virtq_driver.h"

#define F(bit) (1ULL << (bit))
#define F_V1 F(VIRTIO_F_VERSION_1)
#define F_MRG F(VIRTIO_NET_F_MRG_RXBUF)
#define F_EVENT F(VIRTIO_RING_F_EVENT_IDX)
#define F_INDIRECT F(VIRTIO_RING_F_INDIRECT_DESC)
#define F_OFFLOADS (F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) | \
		    F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) | \
		    F(VIRTIO_NET_F_GUEST_TSO4) | F(VIRTIO_NET_F_GUEST_TSO6))

#define HDR12 sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define HDR10 sizeof(struct virtio_net_hdr)
#define SMALL_ROOM 256  /* Data room of small_pool's mbufs. */

static struct rte_mempool *pool;        /* 2 KiB mbufs, no cache. */
static struct rte_mempool *small_pool;  /* SMALL_ROOM-byte mbufs, no cache. */
static struct vdrv_mem gm;              /* Guest memory, shared by every case. */
static int callfd;                      /* The call eventfd every queue gets. */
static const struct virtio_net_hdr_mrg_rxbuf zero_hdr; /* A header with nothing in it. */

/* Calls made since the last read (the eventfd counter, which reading clears). */
static uint64_t
calls_read(void)
{
	uint64_t v;

	if (read(callfd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* A fresh guest memory for a case. */
static void
begin(void)
{
	vdrv_mem_reset(&gm);
	calls_read();
}

/* Bytes no two packets share: @p seed picks the sequence. */
static void
fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* virtq_init() on a zeroed queue, as every caller in vdp does. */
static int
init_vq(struct virtq *vq, const struct virtq_params *p)
{
	memset(vq, 0, sizeof(*vq));
	return virtq_init(vq, p);
}

/* Set up @p vq over queue @p q of @p d: rings of @p size from index @p idx. */
static int
setup(struct virtq *vq, struct vdrv *d, unsigned int q, uint16_t size,
      uint16_t idx, uint64_t features)
{
	struct virtq_params p;
	int ret;

	vdrv_init(d, &gm, q, size, idx);
	vdrv_params(d, &p, features, callfd);
	ret = init_vq(vq, &p);
	TAP_EQ(ret, 0);
	return ret;
}

/* Sum of every error counter except @p skip (VIRTQ_ERR_MAX: none), naming them. */
static uint64_t
other_errors(const struct virtq *vq, int skip)
{
	uint64_t n = 0;
	int e;

	for (e = 0; e < VIRTQ_ERR_MAX; e++) {
		if (e == skip || vq->stats.errors[e] == 0)
			continue;
		printf("# counted %s: %" PRIu64 "\n", virtq_error_name(e),
		       vq->stats.errors[e]);
		n += vq->stats.errors[e];
	}
	return n;
}

/* True when @p m is a consistent mbuf chain holding exactly @p len bytes of @p p. */
static bool
mbuf_is(const struct rte_mbuf *m, const uint8_t *p, uint32_t len)
{
	const struct rte_mbuf *s;
	uint32_t off = 0;
	uint16_t segs = 0;

	if (m == NULL || m->pkt_len != len)
		return false;
	for (s = m; s != NULL; s = s->next) {
		if (s->data_off + s->data_len > s->buf_len ||
		    off + s->data_len > len ||
		    memcmp(rte_pktmbuf_mtod(s, const uint8_t *), p + off,
			   s->data_len) != 0)
			return false;
		off += s->data_len;
		segs++;
	}
	return off == len && segs == m->nb_segs;
}

/* An mbuf from @p mp holding @p len bytes of @p p, in segments of at most @p seg bytes. */
static struct rte_mbuf *
mk_mbuf(struct rte_mempool *mp, const uint8_t *p, uint32_t len, uint32_t seg)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t k = RTE_MIN(len - off, seg);

		if (m == NULL || rte_pktmbuf_append(m, k) == NULL) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), p + off, k);
		off += k;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) < 0) {
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(head);
			return NULL;
		}
	} while (off < len);
	return head;
}

/*
 * virtq_dequeue_burst() with @p pkts cleared first, so that a short burst
 * leaves NULLs (which the checks and rte_pktmbuf_free_bulk() take) rather
 * than garbage.
 */
static uint16_t
deq(struct virtq *vq, struct rte_mempool *mp, struct rte_mbuf **pkts, uint16_t n)
{
	memset(pkts, 0, n * sizeof(pkts[0]));
	return virtq_dequeue_burst(vq, mp, pkts, n);
}

/* Read the next used entry and check it is {@p id, @p len}. */
static void
expect_used(struct vdrv *d, uint32_t id, uint32_t len)
{
	struct vring_used_elem e;

	TAP_CHECK(vdrv_used_next(d, &e));
	TAP_EQ(e.id, id);
	TAP_EQ(e.len, len);
}

/* Publish a direct chain of @p n hand-made buffers. Returns its head. */
static uint16_t
push(struct vdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint16_t head = vdrv_add(d, s, n);

	vdrv_publish(d, head);
	return head;
}

/* Publish a tx packet: a zero 12-byte header and @p len bytes of seed @p seed. */
static uint16_t
tx_simple(struct vdrv *d, uint32_t len, uint32_t seed)
{
	uint8_t pkt[2048];

	fill(pkt, len, seed);
	return vdrv_tx(d, &zero_hdr, HDR12, pkt, len, NULL, 0, false);
}

/* Dequeue one packet and check it is @p len bytes of seed @p seed; frees it. */
static void
expect_tx_pkt(struct virtq *vq, uint32_t len, uint32_t seed)
{
	struct rte_mbuf *m[4];
	uint8_t pkt[2048];

	fill(pkt, len, seed);
	TAP_EQ(deq(vq, pool, m, 4), 1);
	TAP_CHECK(mbuf_is(m[0], pkt, len));
	rte_pktmbuf_free_bulk(m, 4);
}

/* --- initialisation and kick suppression --------------------------------- */

static void
test_init_params(void)
{
	static const uint16_t bad_sizes[] = { 0, 3, 6, 100, 255, 32769, 65535 };
	static const struct {
		uint64_t features;  /* Negotiated. */
		uint16_t hdr_len;   /* Expected header length. */
	} hdr[] = {
		{ 0, 10 }, { F_INDIRECT | F_EVENT, 10 }, { F_MRG, 12 },
		{ F_V1, 12 }, { F_V1 | F_MRG, 12 },
	};
	struct virtq_params p;
	struct virtq vq;
	struct vdrv d;
	void *big[3];
	unsigned int i;

	begin();
	vdrv_init(&d, &gm, 0, 256, 0);
	for (i = 0; i < RTE_DIM(bad_sizes); i++) {
		vdrv_params(&d, &p, 0, callfd);
		p.size = bad_sizes[i];
		memset(&vq, 0, sizeof(vq));
		TAP_EQ(virtq_init(&vq, &p), -EINVAL);
		virtq_fini(&vq);
	}
	for (i = 0; i < 3; i++) {
		vdrv_params(&d, &p, 0, callfd);
		if (i == 0)
			p.desc = NULL;
		else if (i == 1)
			p.avail = NULL;
		else
			p.used = NULL;
		memset(&vq, 0, sizeof(vq));
		TAP_EQ(virtq_init(&vq, &p), -EINVAL);
		virtq_fini(&vq);
	}
	/* Sizes at both ends of the range. */
	for (i = 1; i <= 256; i *= 2) {
		vdrv_init(&d, &gm, 0, (uint16_t)i, 0);
		vdrv_params(&d, &p, F_EVENT, callfd);
		TAP_EQ(init_vq(&vq, &p), 0);
		TAP_EQ(vq.size, i);
		TAP_EQ(vq.mask, i - 1);
		virtq_fini(&vq);
	}
	big[0] = calloc(VIRTQ_MAX_SIZE, sizeof(struct vring_desc));
	big[1] = calloc(1, sizeof(struct vring_avail) + (VIRTQ_MAX_SIZE + 1) * 2);
	big[2] = calloc(1, sizeof(struct vring_used) +
			   (VIRTQ_MAX_SIZE + 1) * sizeof(struct vring_used_elem));
	TAP_CHECK(big[0] != NULL && big[1] != NULL && big[2] != NULL);
	if (big[0] != NULL && big[1] != NULL && big[2] != NULL) {
		vdrv_params(&d, &p, F_EVENT, callfd);
		p.desc = big[0];
		p.avail = big[1];
		p.used = big[2];
		p.size = VIRTQ_MAX_SIZE;
		TAP_EQ(init_vq(&vq, &p), 0);
		TAP_EQ(vq.mask, VIRTQ_MAX_SIZE - 1);
		virtq_fini(&vq);
	}
	for (i = 0; i < 3; i++)
		free(big[i]);
	/* The header length and feature flags follow the features. */
	vdrv_init(&d, &gm, 0, 256, 0);
	for (i = 0; i < RTE_DIM(hdr); i++) {
		vdrv_params(&d, &p, hdr[i].features, callfd);
		TAP_EQ(init_vq(&vq, &p), 0);
		TAP_EQ(vq.hdr_len, hdr[i].hdr_len);
		TAP_EQ(vq.mrg_rxbuf, !!(hdr[i].features & F_MRG));
		TAP_EQ(vq.event_idx, !!(hdr[i].features & F_EVENT));
		TAP_EQ(vq.indirect, !!(hdr[i].features & F_INDIRECT));
		TAP_CHECK(!vq.broken);
		TAP_CHECK(vq.shadow != NULL);
		virtq_fini(&vq);
		virtq_fini(&vq);
	}
	memset(&vq, 0, sizeof(vq));
	virtq_fini(&vq);
}

/* Without EVENT_IDX: VRING_USED_F_NO_NOTIFY stays up, whatever the bursts do. */
static void
test_kick_suppress_flag(void)
{
	struct rte_mbuf *m[4];
	uint32_t len = 1024;
	struct virtq vq;
	struct vdrv d;
	uint8_t pkt[64];

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		return;
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	TAP_EQ(deq(&vq, pool, m, 4), 0);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	tx_simple(&d, 60, 1);
	expect_tx_pkt(&vq, 60, 1);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	virtq_fini(&vq);

	/* The same on an rx queue after enqueue. */
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	vdrv_rx(&d, &len, 1, false);
	fill(pkt, sizeof(pkt), 2);
	m[0] = mk_mbuf(pool, pkt, sizeof(pkt), 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	rte_pktmbuf_free(m[0]);
	TAP_CHECK(d.used->flags & VRING_USED_F_NO_NOTIFY);
	virtq_fini(&vq);
}

/* No kick is asked for while up to a ring's worth of new entries arrives after @p old. */
static bool
no_kick_window(const struct vdrv *d, uint16_t old)
{
	uint16_t ae = vdrv_avail_event(d);
	uint32_t k;

	for (k = 1; k <= d->size; k++)
		if (vring_need_event(ae, (uint16_t)(old + k), old)) {
			printf("# avail_event %u asks for a kick at %u (old %u)\n",
			       ae, (uint16_t)(old + k), old);
			return false;
		}
	return true;
}

/*
 * With EVENT_IDX: avail_event keeps the guest from kicking after every
 * burst, for more than 2^16 entries (an avail_event left behind is only
 * passed again once the index laps), in both directions.
 */
static void
test_kick_suppress_event_idx(void)
{
	enum { ROUNDS = 65536 / 16 + 8 };  /* Past a whole lap of the index. */
	struct rte_mbuf *m[16];
	uint32_t len = 128, bad = 0;  /* rx buffers: room for header + pkt. */
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	uint16_t i, n;
	int round;

	begin();
	if (setup(&vq, &d, 0, 16, 65530, F_V1 | F_EVENT) < 0)
		return;
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	TAP_EQ(deq(&vq, pool, m, 16), 0);
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	for (round = 0; round < ROUNDS && bad < 3; round++) {
		for (i = 0; i < 16; i++)
			tx_simple(&d, 8, i);
		n = deq(&vq, pool, m, 16);
		rte_pktmbuf_free_bulk(m, 16);
		if (n != 16 || vq.last_avail != (uint16_t)(65530 + 16 * (round + 1)))
			bad++;
		bad += !no_kick_window(&d, vq.last_avail);
	}
	TAP_EQ(bad, 0);
	TAP_EQ(vq.stats.pkts, 16 * ROUNDS);
	virtq_fini(&vq);

	/* The same for an rx queue, after each enqueue. */
	if (setup(&vq, &d, 1, 16, 65531, F_V1 | F_EVENT) < 0)
		return;
	TAP_CHECK(no_kick_window(&d, vq.last_avail));
	fill(pkt, sizeof(pkt), 3);
	m[0] = mk_mbuf(pool, pkt, sizeof(pkt), 2048);
	for (i = 1; i < 16; i++)
		m[i] = m[0];  /* Enqueue copies; the same mbuf 16 times is fine. */
	for (round = 0; round < ROUNDS && bad < 3; round++) {
		for (i = 0; i < 16; i++)
			vdrv_rx(&d, &len, 1, false);
		if (virtq_enqueue_burst(&vq, m, 16) != 16)
			bad++;
		bad += !no_kick_window(&d, vq.last_avail);
	}
	TAP_EQ(bad, 0);
	TAP_EQ(vq.stats.pkts, 16 * ROUNDS);
	rte_pktmbuf_free(m[0]);
	virtq_fini(&vq);
}

/* --- guest memory translation -------------------------------------------- */

static void
test_translate(void)
{
	struct virtq_mem stale = gm.mem;
	uint32_t hint = VDRV_SLOT_R3;
	uint64_t contig = 0;
	uint8_t *h;

	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R0_GPA + 100, 64, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R0_GPA + 100));
	TAP_EQ(contig, 64);
	TAP_EQ(hint, VDRV_SLOT_R0);
	/* The host view really is the guest's memory. */
	*(uint8_t *)vdrv_gva(&gm, VDRV_R0_GPA + 100) = 0x5a;
	TAP_EQ(h[0], 0x5a);

	/* Clipped at R0's end: R1 follows in gpa, not in the host view. */
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R1_GPA - 16, 100, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R1_GPA - 16));
	TAP_EQ(contig, 16);
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R1_GPA, 84, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R1_GPA));
	TAP_EQ(contig, 84);
	TAP_EQ(hint, VDRV_SLOT_R1);
	/* The one-page region. */
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R1_GPA, 8192, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R1_GPA));
	TAP_EQ(contig, VDRV_R1_SIZE);
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R2_GPA - 1, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R2_GPA - 1));
	TAP_EQ(contig, 1);
	/* A wrong hint still finds the region, and moves. */
	hint = VDRV_SLOT_R1;
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R3_GPA + 0x800, 32, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R3_GPA + 0x800));
	TAP_EQ(contig, 32);
	TAP_EQ(hint, VDRV_SLOT_R3);
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_GPA_END - 1, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_GPA_END - 1));
	TAP_EQ(contig, 1);
	hint = VDRV_SLOT_R3;
	h = virtq_mem_translate(&gm.mem, &hint, VDRV_R2_GPA + 5, 10, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R2_GPA + 5));
	TAP_EQ(hint, VDRV_SLOT_R2);

	/* Outside every region. */
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, VDRV_HOLE_GPA, 1, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, VDRV_HOLE_GPA + 0x1000, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, VDRV_R3_GPA - 1, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, 0, 16, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, VDRV_GPA_BASE - 1, 16,
				      &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, VDRV_GPA_END, 1, &contig) == NULL);
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, UINT64_MAX - 3, 16,
				      &contig) == NULL);
	/* Host addresses are not guest addresses: the hva of R0 is not a gpa. */
	TAP_CHECK(virtq_mem_translate(&gm.mem, &hint, gm.mem.r[VDRV_SLOT_R0].hva,
				      16, &contig) == NULL);

	/* A slot past nregions (a table that shrank) is not a region, hint or not. */
	stale.r[VDRV_NREGIONS].gpa = VDRV_HOLE_GPA;
	stale.r[VDRV_NREGIONS].size = 0x1000;
	stale.r[VDRV_NREGIONS].hva = gm.mem.r[VDRV_SLOT_R0].hva;
	hint = VDRV_NREGIONS;
	TAP_CHECK(virtq_mem_translate(&stale, &hint, VDRV_HOLE_GPA, 16, &contig) == NULL);
	hint = VDRV_NREGIONS;
	h = virtq_mem_translate(&stale, &hint, VDRV_R0_GPA + 8, 8, &contig);
	TAP_CHECK(h == vdrv_hva(&gm, VDRV_R0_GPA + 8));
	TAP_EQ(hint, VDRV_SLOT_R0);
}

/* The walker splits a buffer at every region boundary, and checks direction. */
static void
test_chain_walk_pieces(void)
{
	static struct virtq_chain c;
	struct vdrv_seg s[2], rs;
	uint64_t hdr = VDRV_BUF_GPA;
	uint64_t data = VDRV_R1_GPA - 100;  /* 100 in R0, all of R1, 50 in R2. */
	uint32_t data_len = 100 + VDRV_R1_SIZE + 50;
	static const struct {
		uint64_t gpa;  /* Expected piece start. */
		uint32_t len;  /* Expected piece length. */
	} want[] = {
		{ VDRV_BUF_GPA, HDR12 },
		{ VDRV_R1_GPA - 100, 100 },
		{ VDRV_R1_GPA, VDRV_R1_SIZE },
		{ VDRV_R2_GPA, 50 },
	};
	struct virtq vq;
	struct vdrv d;
	uint16_t head[3];
	unsigned int i, k;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1 | F_INDIRECT) < 0)
		return;
	s[0] = (struct vdrv_seg){ hdr, HDR12, 0 };
	s[1] = (struct vdrv_seg){ data, data_len, 0 };
	head[0] = vdrv_add(&d, s, 2);
	head[1] = vdrv_add_indirect(&d, s, 2);
	for (k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		TAP_EQ(virtq_chain_walk(&vq, head[k], false, &c), 0);
		TAP_EQ(c.head, head[k]);
		TAP_EQ(c.nvec, RTE_DIM(want));
		TAP_EQ(c.len, HDR12 + data_len);
		for (i = 0; i < RTE_DIM(want) && i < c.nvec; i++) {
			TAP_EQ(c.vec[i].gpa, want[i].gpa);
			TAP_EQ(c.vec[i].len, want[i].len);
			TAP_CHECK(c.vec[i].addr == vdrv_hva(&gm, want[i].gpa));
		}
		/* The same chain is not device-writable. */
		TAP_EQ(virtq_chain_walk(&vq, head[k], true, &c), -VIRTQ_ERR_WRONG_DIR);
	}
	rs = (struct vdrv_seg){ VDRV_R1_GPA + 4000, 200, VRING_DESC_F_WRITE };
	head[2] = vdrv_add(&d, &rs, 1);
	TAP_EQ(virtq_chain_walk(&vq, head[2], true, &c), 0);
	TAP_EQ(c.nvec, 2);
	TAP_EQ(c.len, 200);
	TAP_CHECK(c.vec[0].addr == vdrv_hva(&gm, VDRV_R1_GPA + 4000));
	TAP_EQ(c.vec[0].len, 96);
	TAP_CHECK(c.vec[1].addr == vdrv_hva(&gm, VDRV_R2_GPA));
	TAP_EQ(c.vec[1].len, 104);
	TAP_EQ(virtq_chain_walk(&vq, head[2], false, &c), -VIRTQ_ERR_WRONG_DIR);
	/* A head outside the ring must not look like success (an empty chain). */
	TAP_CHECK(virtq_chain_walk(&vq, vq.size, false, &c) < 0);
	TAP_CHECK(virtq_chain_walk(&vq, UINT16_MAX, true, &c) < 0);
	virtq_fini(&vq);
}

/* --- dequeue (guest tx) -------------------------------------------------- */

/* Every way a driver lays out header and packet, in one burst. */
static void
test_tx_layouts(void)
{
	static const uint32_t hdr_alone[] = { HDR12 };
	static const uint32_t split[] = { 4, 4, 4, 20, 100 };
	static const uint32_t ind[] = { HDR12, 30 };
	static const uint32_t len[] = { 60, 1500, 300, 200, 300, 200 };
	static uint8_t pkt[RTE_DIM(len)][1600];
	uint16_t head[RTE_DIM(len)], n;
	struct rte_mbuf *m[32];
	struct vdrv_seg s[2];
	uint64_t bytes = 0, h;
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	begin();
	if (setup(&vq, &d, 0, 64, 0, F_V1 | F_INDIRECT) < 0)
		return;
	for (i = 0; i < RTE_DIM(len); i++) {
		fill(pkt[i], len[i], i);
		bytes += len[i];
	}
	/* Header alone in the first descriptor, as legacy drivers do. */
	head[0] = vdrv_tx(&d, &zero_hdr, HDR12, pkt[0], len[0], hdr_alone, 1, false);
	/* Header and packet in one descriptor. */
	head[1] = vdrv_tx(&d, &zero_hdr, HDR12, pkt[1], len[1], NULL, 0, false);
	/* Header split over three descriptors, packet over three. */
	head[2] = vdrv_tx(&d, &zero_hdr, HDR12, pkt[2], len[2], split,
			  RTE_DIM(split), false);
	/* An indirect table. */
	head[3] = vdrv_tx(&d, &zero_hdr, HDR12, pkt[3], len[3], ind,
			  RTE_DIM(ind), true);
	/* Packet crossing R0 -> R1 (host-discontiguous): R1 bytes 0..199. */
	h = vdrv_alloc(&gm, HDR12);
	memcpy(vdrv_gva(&gm, h), &zero_hdr, HDR12);
	memcpy(vdrv_gva(&gm, VDRV_R1_GPA - 100), pkt[4], len[4]);
	s[0] = (struct vdrv_seg){ h, HDR12, 0 };
	s[1] = (struct vdrv_seg){ VDRV_R1_GPA - 100, len[4], 0 };
	head[4] = push(&d, s, 2);
	/* Header itself crossing R1 -> R2, packet after it in the same buffer. */
	memcpy(vdrv_gva(&gm, VDRV_R2_GPA - 5), &zero_hdr, HDR12);
	memcpy(vdrv_gva(&gm, VDRV_R2_GPA + 7), pkt[5], len[5]);
	s[0] = (struct vdrv_seg){ VDRV_R2_GPA - 5, HDR12 + len[5], 0 };
	head[5] = push(&d, s, 1);

	n = deq(&vq, pool, m, 32);
	TAP_EQ(n, RTE_DIM(len));
	for (i = 0; i < n; i++) {
		TAP_CHECK(mbuf_is(m[i], pkt[i], len[i]));
		TAP_EQ(m[i]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
	}
	rte_pktmbuf_free_bulk(m, n);
	/* One used entry per chain, in ring order, nothing written. */
	TAP_EQ(vdrv_used_pending(&d), RTE_DIM(len));
	for (i = 0; i < RTE_DIM(len); i++)
		expect_used(&d, head[i], 0);
	TAP_EQ(vq.last_avail, RTE_DIM(len));
	TAP_EQ(vq.last_used, RTE_DIM(len));
	TAP_EQ(vq.stats.pkts, RTE_DIM(len));
	TAP_EQ(vq.stats.bytes, bytes);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(calls_read(), 1);
	TAP_EQ(vq.stats.calls, 1);
	virtq_fini(&vq);
}

/* A legacy 10-byte header, alone in its descriptor or with the packet. */
static void
test_tx_legacy_header(void)
{
	static const uint32_t hdr_alone[] = { HDR10 };
	struct rte_mbuf *m[4];
	uint8_t pkt[2][200];
	uint16_t head[2];
	struct virtq vq;
	struct vdrv d;

	begin();
	if (setup(&vq, &d, 0, 16, 0, 0) < 0)
		return;
	fill(pkt[0], 64, 10);
	fill(pkt[1], 200, 11);
	head[0] = vdrv_tx(&d, &zero_hdr, HDR10, pkt[0], 64, hdr_alone, 1, false);
	head[1] = vdrv_tx(&d, &zero_hdr, HDR10, pkt[1], 200, NULL, 0, false);
	TAP_EQ(deq(&vq, pool, m, 4), 2);
	TAP_CHECK(mbuf_is(m[0], pkt[0], 64));
	TAP_CHECK(mbuf_is(m[1], pkt[1], 200));
	rte_pktmbuf_free_bulk(m, 2);
	expect_used(&d, head[0], 0);
	expect_used(&d, head[1], 0);
	TAP_EQ(vq.stats.bytes, 264);
	virtq_fini(&vq);
}

/* Packets bigger than an mbuf become consistent multi-segment mbufs. */
static void
test_tx_multiseg(void)
{
	static const uint32_t len[] = { 1000, SMALL_ROOM, SMALL_ROOM + 1, 2 * SMALL_ROOM, 1514 };
	static uint8_t pkt[RTE_DIM(len)][1600];
	unsigned int in_use = rte_mempool_in_use_count(small_pool);
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		return;
	for (i = 0; i < RTE_DIM(len); i++) {
		fill(pkt[i], len[i], 20 + i);
		vdrv_tx(&d, &zero_hdr, HDR12, pkt[i], len[i], NULL, 0, false);
	}
	n = deq(&vq, small_pool, m, 8);
	TAP_EQ(n, RTE_DIM(len));
	for (i = 0; i < n; i++) {
		TAP_CHECK(mbuf_is(m[i], pkt[i], len[i]));
		if (len[i] > SMALL_ROOM)
			TAP_CHECK(m[i]->nb_segs > 1);
	}
	TAP_EQ(m[1]->nb_segs, 1);
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(rte_mempool_in_use_count(small_pool), in_use);
	TAP_EQ(vq.stats.bytes, 1000 + 256 + 257 + 512 + 1514);
	virtq_fini(&vq);
}

/* The 16-bit avail and used indices wrap past 65535, mid-burst too. */
static void
test_tx_wrap(void)
{
	static const uint32_t hdr_alone[] = { HDR12 };
	struct rte_mbuf *m[16];
	uint16_t head[7];
	uint8_t pkt[128];
	struct virtq vq;
	struct vdrv d;
	uint32_t seed = 0;
	int round, i;

	begin();
	if (setup(&vq, &d, 0, 16, 65530, F_V1 | F_INDIRECT) < 0)
		return;
	for (round = 0; round < 5; round++) {
		for (i = 0; i < 7; i++) {
			fill(pkt, 64 + i, seed + i);
			head[i] = vdrv_tx(&d, &zero_hdr, HDR12, pkt, 64 + i,
					  hdr_alone, 1, i == 3);
		}
		/* Take them as 4 then 3, so bursts start anywhere. */
		TAP_EQ(deq(&vq, pool, m, 4), 4);
		TAP_EQ(deq(&vq, pool, m + 4, 12), 3);
		for (i = 0; i < 7; i++) {
			fill(pkt, 64 + i, seed + i);
			TAP_CHECK(mbuf_is(m[i], pkt, 64 + i));
			expect_used(&d, head[i], 0);
		}
		rte_pktmbuf_free_bulk(m, 7);
		seed += 7;
	}
	TAP_EQ(vq.last_avail, (uint16_t)(65530 + 35));
	TAP_EQ(vq.last_used, (uint16_t)(65530 + 35));
	TAP_EQ(d.used->idx, (uint16_t)(65530 + 35));
	TAP_EQ(vq.stats.pkts, 35);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* A guest flooding its queue gets at most n, and at most VIRTQ_MAX_BURST, per call. */
static void
test_tx_burst_limit(void)
{
	struct rte_mbuf *m[256];
	struct virtq vq;
	struct vdrv d;
	uint16_t n, total = 0;
	int i;

	begin();
	if (setup(&vq, &d, 0, 256, 0, F_V1) < 0)
		return;
	for (i = 0; i < 200; i++)
		tx_simple(&d, 60, i);
	n = deq(&vq, pool, m, 8);
	TAP_EQ(n, 8);
	TAP_EQ(d.used->idx, 8);
	rte_pktmbuf_free_bulk(m, n);
	total += n;
	for (i = 0; i < 3; i++) {
		n = deq(&vq, pool, m, 200);
		TAP_EQ(n, VIRTQ_MAX_BURST);
		TAP_EQ(d.used->idx, total + n);
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	n = deq(&vq, pool, m, 200);
	TAP_EQ(n, 200 - total);
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(deq(&vq, pool, m, 200), 0);
	TAP_EQ(vq.stats.pkts, 200);
	virtq_fini(&vq);
}

/* An indirect table may hold exactly a ring size of entries. */
static void
test_tx_indirect_full_table(void)
{
	uint32_t cuts[16];
	uint8_t pkt[64];
	uint16_t head;
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1 | F_INDIRECT) < 0)
		return;
	cuts[0] = HDR12;
	for (i = 1; i < 16; i++)
		cuts[i] = 4;
	fill(pkt, 60, 3);  /* 15 * 4 bytes: exactly 16 entries. */
	head = vdrv_tx(&d, &zero_hdr, HDR12, pkt, 60, cuts, 16, true);
	TAP_EQ(d.desc[head].len, 16 * sizeof(struct vring_desc));
	expect_tx_pkt(&vq, 60, 3);
	expect_used(&d, head, 0);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* Exactly VIRTQ_MAX_VEC pieces is fine, whether descriptors or region splits. */
static void
test_tx_max_vec(void)
{
	static struct vdrv_seg s[VIRTQ_MAX_VEC];
	static uint8_t pkt[1024];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint64_t gpa;

	begin();
	if (setup(&vq, &d, 0, 256, 0, F_V1) < 0)
		return;
	/* Header + 63 descriptors of 8 bytes. */
	gpa = vdrv_alloc(&gm, HDR12 + 63 * 8);
	fill(pkt, 63 * 8, 4);
	memcpy(vdrv_gva(&gm, gpa), &zero_hdr, HDR12);
	memcpy(vdrv_gva(&gm, gpa + HDR12), pkt, 63 * 8);
	s[0] = (struct vdrv_seg){ gpa, HDR12, 0 };
	for (i = 1; i < VIRTQ_MAX_VEC; i++)
		s[i] = (struct vdrv_seg){ gpa + HDR12 + (i - 1) * 8, 8, 0 };
	push(&d, s, VIRTQ_MAX_VEC);
	expect_tx_pkt(&vq, 63 * 8, 4);
	/* Header + 31 descriptors crossing R0 -> R1 (62 pieces) + 1. */
	fill(pkt, 16, 5);
	memcpy(vdrv_gva(&gm, VDRV_R1_GPA - 8), pkt, 16);
	s[0] = (struct vdrv_seg){ gpa, HDR12, 0 };
	for (i = 1; i <= 31; i++)
		s[i] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 16, 0 };
	s[32] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 8, 0 };
	push(&d, s, 33);
	{
		struct rte_mbuf *m[2];
		uint8_t want[31 * 16 + 8];

		for (i = 0; i < 31; i++)
			memcpy(want + i * 16, pkt, 16);
		memcpy(want + 31 * 16, pkt, 8);
		TAP_EQ(deq(&vq, pool, m, 2), 1);
		TAP_CHECK(mbuf_is(m[0], want, sizeof(want)));
		rte_pktmbuf_free(m[0]);
	}
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* The largest packet a guest may send, VIRTQ_MAX_PKT_LEN, comes through whole. */
static void
test_tx_max_pkt_len(void)
{
	struct vdrv_seg s[3] = {
		{ vdrv_alloc(&gm, HDR12), HDR12, 0 },
		{ VDRV_R3_GPA, VDRV_R3_SIZE, 0 },
		{ VDRV_R2_GPA, VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE, 0 },
	};
	static uint8_t want[VIRTQ_MAX_PKT_LEN];
	struct rte_mbuf *m = NULL;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		return;
	fill(vdrv_gva(&gm, VDRV_R3_GPA), VDRV_R3_SIZE, 6);
	fill(vdrv_gva(&gm, VDRV_R2_GPA), VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE, 7);
	memcpy(want, vdrv_gva(&gm, VDRV_R3_GPA), VDRV_R3_SIZE);
	memcpy(want + VDRV_R3_SIZE, vdrv_gva(&gm, VDRV_R2_GPA),
	       VIRTQ_MAX_PKT_LEN - VDRV_R3_SIZE);
	head = push(&d, s, 3);
	TAP_EQ(deq(&vq, pool, &m, 1), 1);
	TAP_CHECK(mbuf_is(m, want, VIRTQ_MAX_PKT_LEN));
	rte_pktmbuf_free(m);
	expect_used(&d, head, 0);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* --- enqueue (guest rx) -------------------------------------------------- */

/* Without mergeable buffers: one chain per packet, whatever its shape. */
static void
test_rx_basic(void)
{
	static const uint32_t two[] = { HDR10, 1514 };
	static const uint32_t one[] = { 1600 };
	static const uint32_t ind[] = { HDR10, 100, 1900 };
	static const uint32_t len[] = { 60, 1500, 1514 };
	static uint8_t pkt[3][1600], got[2100];
	unsigned int in_use;
	struct rte_mbuf *m[3];
	uint16_t head[3];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_INDIRECT) < 0)
		return;
	head[0] = vdrv_rx(&d, two, RTE_DIM(two), false);
	head[1] = vdrv_rx(&d, one, RTE_DIM(one), false);
	head[2] = vdrv_rx(&d, ind, RTE_DIM(ind), true);
	for (i = 0; i < 3; i++) {
		fill(pkt[i], len[i], 30 + i);
		m[i] = mk_mbuf(pool, pkt[i], len[i], 2048);
	}
	in_use = rte_mempool_in_use_count(pool);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 3);
	/* The caller still owns every mbuf. */
	TAP_EQ(rte_mempool_in_use_count(pool), in_use);
	for (i = 0; i < 3; i++) {
		TAP_EQ(rte_mbuf_refcnt_read(m[i]), 1);
		TAP_CHECK(mbuf_is(m[i], pkt[i], len[i]));
	}
	rte_pktmbuf_free_bulk(m, 3);
	for (i = 0; i < 3; i++) {
		expect_used(&d, head[i], HDR10 + len[i]);
		memset(got, 0, sizeof(got));
		vdrv_chain_read(&d, head[i], got, HDR10 + len[i] + 1);
		TAP_CHECK(memcmp(got, &zero_hdr, HDR10) == 0);
		TAP_CHECK(memcmp(got + HDR10, pkt[i], len[i]) == 0);
		/* Nothing written past the packet (the chains are bigger). */
		TAP_EQ(got[HDR10 + len[i]], 0xee);
	}
	TAP_EQ(vq.stats.pkts, 3);
	TAP_EQ(vq.stats.bytes, 60 + 1500 + 1514);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(calls_read(), 1);
	virtq_fini(&vq);
}

/* VERSION_1 without mergeable buffers: 12-byte header with num_buffers = 1. */
static void
test_rx_v1_header(void)
{
	static const uint32_t one[] = { 2048 };
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t pkt[100], got[HDR12 + 100];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	head = vdrv_rx(&d, one, 1, false);
	fill(pkt, 100, 40);
	m = mk_mbuf(pool, pkt, 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	rte_pktmbuf_free(m);
	expect_used(&d, head, HDR12 + 100);
	vdrv_chain_read(&d, head, got, sizeof(got));
	memcpy(&h, got, HDR12);
	TAP_CHECK(memcmp(&h.hdr, &zero_hdr.hdr, HDR10) == 0);
	TAP_EQ(h.num_buffers, 1);
	TAP_CHECK(memcmp(got + HDR12, pkt, 100) == 0);
	virtq_fini(&vq);
}

/* Receive buffers that cross region boundaries, header included. */
static void
test_rx_cross_regions(void)
{
	/* 6 bytes in R0 + 14 in R1, then 96 in R1 + 204 in R2: 320 bytes. */
	struct vdrv_seg s[2] = {
		{ VDRV_R1_GPA - 6, 20, VRING_DESC_F_WRITE },
		{ VDRV_R1_GPA + 4000, 300, VRING_DESC_F_WRITE },
	};
	enum { PLEN = 306 };  /* 12 + 306 = 318: the last byte lands at R2 + 201. */
	uint8_t pkt[PLEN], got[HDR12 + PLEN];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	memset(vdrv_gva(&gm, VDRV_R1_GPA - 6), 0xee, 20);
	memset(vdrv_gva(&gm, VDRV_R1_GPA + 4000), 0xee, 300);
	head = push(&d, s, 2);
	fill(pkt, PLEN, 41);
	m = mk_mbuf(pool, pkt, PLEN, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	rte_pktmbuf_free(m);
	expect_used(&d, head, HDR12 + PLEN);
	vdrv_chain_read(&d, head, got, sizeof(got));
	TAP_CHECK(memcmp(got, &zero_hdr, HDR10) == 0);
	TAP_CHECK(memcmp(got + HDR12, pkt, PLEN) == 0);
	TAP_EQ(*(uint8_t *)vdrv_gva(&gm, VDRV_R2_GPA + 201), pkt[PLEN - 1]);
	TAP_EQ(*(uint8_t *)vdrv_gva(&gm, VDRV_R2_GPA + 202), 0xee);
	virtq_fini(&vq);
}

/* Too big for the chain: not placed, counted; the chain waits for one that fits. */
static void
test_rx_too_big(void)
{
	static const uint32_t one[] = { 100 };
	uint8_t pkt[2][100], got[100];
	struct rte_mbuf *m[2];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	head = vdrv_rx(&d, one, 1, false);
	fill(pkt[0], 89, 50);  /* 12 + 89 = 101: one byte too many. */
	fill(pkt[1], 88, 51);  /* 12 + 88 = 100: fits exactly. */
	m[0] = mk_mbuf(pool, pkt[0], 89, 2048);
	m[1] = mk_mbuf(pool, pkt[1], 88, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 1);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 1);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_PKT_TOO_BIG), 0);
	TAP_EQ(vdrv_used_pending(&d), 1);
	expect_used(&d, head, 100);
	vdrv_chain_read(&d, head, got, 100);
	TAP_CHECK(memcmp(got + HDR12, pkt[1], 88) == 0);
	TAP_EQ(vq.stats.pkts, 1);
	TAP_EQ(vq.stats.bytes, 88);
	/* The placed packet comes first on return. */
	TAP_CHECK(m[0] != NULL && m[0]->pkt_len == 88);
	TAP_CHECK(m[1] != NULL && m[1]->pkt_len == 89);
	TAP_EQ(rte_mbuf_refcnt_read(m[0]), 1);
	TAP_EQ(rte_mbuf_refcnt_read(m[1]), 1);
	rte_pktmbuf_free_bulk(m, 2);
	virtq_fini(&vq);
}

/* A packet that does not fit between two that do: order kept, hole at the end. */
static void
test_rx_too_big_middle(void)
{
	static const uint32_t one[] = { 100 };
	static const uint32_t len[] = { 50, 200, 60 };
	uint8_t pkt[200], got[100];
	struct rte_mbuf *m[3], *orig[3];
	uint16_t head[2];
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	for (i = 0; i < 3; i++) {
		fill(pkt, len[i], 52 + i);
		m[i] = orig[i] = mk_mbuf(pool, pkt, len[i], 2048);
	}
	TAP_EQ(virtq_enqueue_burst(&vq, m, 3), 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_PKT_TOO_BIG], 1);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_PKT_TOO_BIG), 0);
	TAP_CHECK(m[0] == orig[0] && m[1] == orig[2] && m[2] == orig[1]);
	expect_used(&d, head[0], HDR12 + 50);
	expect_used(&d, head[1], HDR12 + 60);
	fill(pkt, 60, 54);
	vdrv_chain_read(&d, head[1], got, HDR12 + 60);
	TAP_CHECK(memcmp(got + HDR12, pkt, 60) == 0);
	rte_pktmbuf_free_bulk(orig, 3);
	virtq_fini(&vq);
}

/* Enqueue, too, places at most VIRTQ_MAX_BURST per call. */
static void
test_rx_burst_limit(void)
{
	static const uint32_t one[] = { 128 };
	struct rte_mbuf *m[100], *orig[100];
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	uint16_t n;
	int i;

	begin();
	if (setup(&vq, &d, 1, 128, 0, F_V1) < 0)
		return;
	fill(pkt, 64, 5);
	for (i = 0; i < 100; i++) {
		vdrv_rx(&d, one, 1, false);
		m[i] = orig[i] = mk_mbuf(pool, pkt, 64, 2048);
	}
	n = virtq_enqueue_burst(&vq, m, 100);
	TAP_CHECK(n <= VIRTQ_MAX_BURST);
	TAP_EQ(vdrv_used_pending(&d), n);
	TAP_EQ(vq.stats.pkts, n);
	for (i = 0; i < n; i++)
		TAP_CHECK(m[i] == orig[i]);
	printf("# 100 offered: %u placed, %" PRIu64 " counted as ring full\n", n,
	       vq.stats.errors[VIRTQ_ERR_RING_FULL]);
	rte_pktmbuf_free_bulk(orig, 100);
	virtq_fini(&vq);
}

/* Out of chains: the count placed comes back, the rest are counted, no call. */
static void
test_rx_ring_full(void)
{
	static const uint32_t one[] = { 2048 };
	struct rte_mbuf *m[5];
	uint16_t head[2];
	unsigned int in_use;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	for (i = 0; i < 5; i++) {
		fill(pkt, 64, 60 + i);
		m[i] = mk_mbuf(pool, pkt, 64, 2048);
	}
	in_use = rte_mempool_in_use_count(pool);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 5), 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_RING_FULL], 3);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_RING_FULL), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	expect_used(&d, head[0], HDR12 + 64);
	expect_used(&d, head[1], HDR12 + 64);
	TAP_EQ(calls_read(), 1);
	/* Nothing at all: no used entry, no call, every packet counted. */
	TAP_EQ(virtq_enqueue_burst(&vq, m + 2, 3), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_RING_FULL], 6);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 0);
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(rte_mempool_in_use_count(pool), in_use);
	for (i = 0; i < 5; i++)
		TAP_EQ(rte_mbuf_refcnt_read(m[i]), 1);
	rte_pktmbuf_free_bulk(m, 5);
	virtq_fini(&vq);
}

/*
 * Read a mergeable packet whose first chain is @p head0 into @p out: the
 * used entries are read from @p d (the first must be @p head0). Returns
 * the number of chains, as num_buffers says.
 */
static uint16_t
rx_read_merged(struct vdrv *d, uint16_t head0, uint8_t *out, uint32_t *len)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	static uint8_t buf[4096];
	struct vring_used_elem e;
	uint16_t i, nb = 0;
	uint32_t off = 0;

	for (i = 0; i == 0 || i < nb; i++) {
		if (!vdrv_used_next(d, &e)) {
			TAP_CHECK(false);
			break;
		}
		if (i == 0) {
			TAP_EQ(e.id, head0);
			vdrv_chain_read(d, (uint16_t)e.id, buf, e.len);
			memcpy(&h, buf, HDR12);
			nb = h.num_buffers;
			TAP_CHECK(memcmp(&h.hdr, &zero_hdr.hdr, HDR10) == 0);
			memcpy(out, buf + HDR12, e.len - HDR12);
			off = e.len - HDR12;
		} else {
			off += vdrv_chain_read(d, (uint16_t)e.id, out + off, e.len);
		}
	}
	*len = off;
	return nb;
}

/* Mergeable buffers: a packet spans chains; num_buffers counts chains, not descriptors. */
static void
test_rx_mergeable(void)
{
	static const uint32_t one[] = { 1024 };
	static const uint32_t halves[] = { 512, 512 };
	static uint8_t pkt[2][3000], got[4096];
	struct vring_used_elem e;
	struct rte_mbuf *m[2];
	uint16_t head[5];
	struct virtq vq;
	struct vdrv d;
	uint32_t len;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1 | F_MRG | F_INDIRECT) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, halves, 2, false);
	head[2] = vdrv_rx(&d, one, 1, true);
	head[3] = vdrv_rx(&d, one, 1, false);
	head[4] = vdrv_rx(&d, one, 1, false);
	fill(pkt[0], 3000, 70);
	fill(pkt[1], 100, 71);
	m[0] = mk_mbuf(pool, pkt[0], 3000, 2048);
	m[1] = mk_mbuf(pool, pkt[1], 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 2);
	rte_pktmbuf_free_bulk(m, 2);
	TAP_EQ(vdrv_used_pending(&d), 4);
	/* 12 + 3000 = 1024 + 1024 + 964. */
	TAP_EQ(d.used->ring[0].len, 1024);
	TAP_EQ(d.used->ring[1].id, head[1]);
	TAP_EQ(d.used->ring[1].len, 1024);
	TAP_EQ(d.used->ring[2].id, head[2]);
	TAP_EQ(d.used->ring[2].len, 964);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 3);
	TAP_EQ(len, 3000);
	TAP_CHECK(memcmp(got, pkt[0], 3000) == 0);
	TAP_EQ(d.used->ring[3].len, HDR12 + 100);
	TAP_EQ(rx_read_merged(&d, head[3], got, &len), 1);
	TAP_EQ(len, 100);
	TAP_CHECK(memcmp(got, pkt[1], 100) == 0);
	TAP_CHECK(!vdrv_used_next(&d, &e));
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(vq.stats.bytes, 3100);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(calls_read(), 1);
	virtq_fini(&vq);
}

/* Mergeable, not enough chains: nothing partial reaches the used ring. */
static void
test_rx_mergeable_ring_full(void)
{
	static const uint32_t one[] = { 1024 };
	static uint8_t pkt[2][3000], got[4096];
	struct rte_mbuf *m[2];
	uint16_t head[3];
	struct virtq vq;
	struct vdrv d;
	uint32_t len;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1 | F_MRG) < 0)
		return;
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	fill(pkt[0], 3000, 80);
	fill(pkt[1], 100, 81);
	m[0] = mk_mbuf(pool, pkt[0], 3000, 2048);
	m[1] = mk_mbuf(pool, pkt[1], 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_RING_FULL], 1);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_RING_FULL), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(d.used->idx, 0);
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.pkts, 0);
	/* The two chains were not lost: with a third, the packet goes. */
	head[2] = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 1), 1);
	TAP_EQ(vdrv_used_pending(&d), 3);
	TAP_EQ(d.used->ring[1].id, head[1]);
	TAP_EQ(d.used->ring[2].id, head[2]);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 3);
	TAP_EQ(len, 3000);
	TAP_CHECK(memcmp(got, pkt[0], 3000) == 0);
	/* A small packet fits, the big one behind it does not: 1 placed. */
	head[0] = vdrv_rx(&d, one, 1, false);
	head[1] = vdrv_rx(&d, one, 1, false);
	{
		struct rte_mbuf *both[2] = { m[1], m[0] };

		TAP_EQ(virtq_enqueue_burst(&vq, both, 2), 1);
	}
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_RING_FULL], 2);
	TAP_EQ(vdrv_used_pending(&d), 1);
	TAP_EQ(rx_read_merged(&d, head[0], got, &len), 1);
	TAP_EQ(len, 100);
	TAP_CHECK(memcmp(got, pkt[1], 100) == 0);
	rte_pktmbuf_free_bulk(m, 2);
	virtq_fini(&vq);
}

/* A multi-segment mbuf goes out in one piece, mergeable or not. */
static void
test_rx_multiseg_mbuf(void)
{
	static const uint32_t one[] = { 2048 };
	static const uint32_t small[] = { 300 };
	static uint8_t pkt[700], got[2048];
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;
	uint32_t len;

	fill(pkt, 700, 90);
	m = mk_mbuf(small_pool, pkt, 700, SMALL_ROOM);
	TAP_CHECK(m != NULL && m->nb_segs == 3);
	if (m == NULL)
		return;
	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		goto out;
	head = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	expect_used(&d, head, HDR12 + 700);
	vdrv_chain_read(&d, head, got, HDR12 + 700);
	TAP_CHECK(memcmp(got + HDR12, pkt, 700) == 0);
	virtq_fini(&vq);

	if (setup(&vq, &d, 1, 16, 0, F_V1 | F_MRG) < 0)
		goto out;
	head = vdrv_rx(&d, small, 1, false);
	vdrv_rx(&d, small, 1, false);
	vdrv_rx(&d, small, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(rx_read_merged(&d, head, got, &len), 3);
	TAP_EQ(len, 700);
	TAP_CHECK(memcmp(got, pkt, 700) == 0);
	TAP_EQ(d.used->ring[2].len, 712 - 600);
	virtq_fini(&vq);
out:
	TAP_CHECK(mbuf_is(m, pkt, 700));
	rte_pktmbuf_free(m);
}

/* Receive across the 16-bit index wrap. */
static void
test_rx_wrap(void)
{
	static const uint32_t one[] = { 256 };
	uint8_t pkt[200], got[256];
	struct rte_mbuf *m[5];
	uint16_t head[5];
	struct virtq vq;
	struct vdrv d;
	int round, i;

	begin();
	if (setup(&vq, &d, 1, 8, 65533, F_V1) < 0)
		return;
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 5; i++) {
			head[i] = vdrv_rx(&d, one, 1, false);
			fill(pkt, 100 + i, round * 5 + i);
			m[i] = mk_mbuf(pool, pkt, 100 + i, 2048);
		}
		TAP_EQ(virtq_enqueue_burst(&vq, m, 5), 5);
		rte_pktmbuf_free_bulk(m, 5);
		for (i = 0; i < 5; i++) {
			expect_used(&d, head[i], HDR12 + 100 + i);
			fill(pkt, 100 + i, round * 5 + i);
			vdrv_chain_read(&d, head[i], got, HDR12 + 100 + i);
			TAP_CHECK(memcmp(got + HDR12, pkt, 100 + i) == 0);
		}
	}
	TAP_EQ(d.used->idx, (uint16_t)(65533 + 20));
	TAP_EQ(vq.last_avail, (uint16_t)(65533 + 20));
	TAP_EQ(vq.stats.pkts, 20);
	virtq_fini(&vq);
}

/* --- offloads ------------------------------------------------------------ */

/*
 * An Ethernet + IPv4/IPv6 + TCP/UDP frame with @p payload bytes; the TCP
 * header is @p tcp_len bytes (options included). Returns its length.
 */
static uint32_t
build_l4(uint8_t *buf, bool v6, uint8_t proto, uint32_t tcp_len,
	 uint32_t payload)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint32_t l3 = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint32_t l4 = proto == IPPROTO_TCP ? tcp_len : sizeof(struct rte_udp_hdr);
	uint8_t *p = buf + sizeof(*eth);
	uint32_t len = sizeof(*eth) + l3 + l4 + payload;

	fill(buf, len, proto + tcp_len + payload);
	eth->ether_type = rte_cpu_to_be_16(v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(l4 + payload);
		ip->proto = proto;
		ip->hop_limits = 64;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(l3 + l4 + payload);
		ip->fragment_offset = 0;
		ip->time_to_live = 64;
		ip->next_proto_id = proto;
	}
	p += l3;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)p;

		tcp->data_off = (uint8_t)((tcp_len / 4) << 4);
		memset(p + sizeof(*tcp), 1, tcp_len - sizeof(*tcp)); /* NOP options. */
	} else {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)p;

		udp->dgram_len = rte_cpu_to_be_16(l4 + payload);
	}
	return len;
}

/* One offload case: a frame, the guest's header, and the mbuf metadata it means. */
struct offload_case {
	bool v6;            /* IPv6, else IPv4. */
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP. */
	uint32_t tcp_len;   /* TCP header bytes. */
	uint32_t payload;   /* L4 payload bytes. */
	struct virtio_net_hdr hdr; /* What the guest writes / reads. */
	uint64_t ol_flags;  /* RTE_MBUF_F_TX_* the header means. */
	uint16_t tso_segsz; /* For TCP_SEG. */
};

#define CSUM_HDR(start, off) { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, \
	.csum_start = (start), .csum_offset = (off) }
#define GSO_HDR(type, hlen, size, start) { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, \
	.gso_type = (type), .hdr_len = (hlen), .gso_size = (size), \
	.csum_start = (start), .csum_offset = 16 }

static const struct offload_case ol_cases[] = {
	{ false, IPPROTO_TCP, 20, 100, CSUM_HDR(34, 16),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM, 0 },
	{ false, IPPROTO_UDP, 0, 100, CSUM_HDR(34, 6),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM, 0 },
	{ true, IPPROTO_TCP, 20, 100, CSUM_HDR(54, 16),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM, 0 },
	{ true, IPPROTO_UDP, 0, 100, CSUM_HDR(54, 6),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM, 0 },
	{ false, IPPROTO_TCP, 32, 3000,
	  GSO_HDR(VIRTIO_NET_HDR_GSO_TCPV4, 14 + 20 + 32, 1448, 34),
	  RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG, 1448 },
	{ true, IPPROTO_TCP, 20, 3000,
	  GSO_HDR(VIRTIO_NET_HDR_GSO_TCPV6, 14 + 40 + 20, 1400, 54),
	  RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG, 1400 },
	{ false, IPPROTO_UDP, 0, 100, { 0 }, 0, 0 },
};

/* Guest checksum and GSO requests become mbuf offload flags and lengths. */
static void
test_offload_tx(void)
{
	static uint8_t frame[RTE_DIM(ol_cases)][3200];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint32_t len[RTE_DIM(ol_cases)];
	struct rte_mbuf *m[16];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1 | F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len[i] = build_l4(frame[i], c->v6, c->proto, c->tcp_len, c->payload);
		memset(&h, 0, sizeof(h));
		h.hdr = c->hdr;
		vdrv_tx(&d, &h, HDR12, frame[i], len[i], NULL, 0, false);
	}
	n = deq(&vq, pool, m, 16);
	TAP_EQ(n, RTE_DIM(ol_cases));
	for (i = 0; i < n; i++) {
		const struct offload_case *c = &ol_cases[i];
		uint64_t f = m[i]->ol_flags;

		printf("# case %u: ol_flags 0x%" PRIx64 "\n", i, f);
		TAP_CHECK(mbuf_is(m[i], frame[i], len[i]));
		if (c->ol_flags == 0) {
			TAP_EQ(f & RTE_MBUF_F_TX_OFFLOAD_MASK, 0);
			continue;
		}
		TAP_EQ(f & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6),
		       c->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6));
		TAP_EQ(m[i]->l2_len, 14);
		TAP_EQ(m[i]->l3_len, c->v6 ? 40 : 20);
		if (c->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
			TAP_CHECK(f & RTE_MBUF_F_TX_TCP_SEG);
			TAP_EQ(m[i]->tso_segsz, c->tso_segsz);
			TAP_EQ(m[i]->l4_len, c->tcp_len);
		} else {
			TAP_CHECK(!(f & RTE_MBUF_F_TX_TCP_SEG));
			TAP_EQ(f & RTE_MBUF_F_TX_L4_MASK,
			       c->ol_flags & RTE_MBUF_F_TX_L4_MASK);
		}
	}
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* Mbuf offload flags become the guest's receive header. */
static void
test_offload_rx(void)
{
	static const uint32_t big[] = { 4096 };
	static uint8_t frame[3200], got[3300];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t head;
	uint32_t len;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1 | F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len = build_l4(frame, c->v6, c->proto, c->tcp_len, c->payload);
		m = mk_mbuf(pool, frame, len, 2048);
		TAP_CHECK(m != NULL);
		if (m == NULL)
			break;
		m->ol_flags |= c->ol_flags;
		/* TSO implies the TCP checksum (RTE_MBUF_F_TX_TCP_SEG's definition). */
		if (c->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		m->l2_len = 14;
		m->l3_len = c->v6 ? 40 : 20;
		m->l4_len = c->proto == IPPROTO_TCP ? c->tcp_len : 8;
		m->tso_segsz = c->tso_segsz;
		head = vdrv_rx(&d, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
		rte_pktmbuf_free(m);
		expect_used(&d, head, HDR12 + len);
		vdrv_chain_read(&d, head, got, HDR12 + len);
		memcpy(&h, got, HDR12);
		TAP_CHECK(memcmp(got + HDR12, frame, len) == 0);
		printf("# case %u: flags %u gso %u/%u hdr_len %u csum %u/%u\n", i,
		       h.hdr.flags, h.hdr.gso_type, h.hdr.gso_size, h.hdr.hdr_len,
		       h.hdr.csum_start, h.hdr.csum_offset);
		TAP_EQ(h.num_buffers, 1);
		TAP_EQ(h.hdr.flags, c->hdr.flags);
		TAP_EQ(h.hdr.gso_type, c->hdr.gso_type);
		TAP_EQ(h.hdr.gso_size, c->hdr.gso_size);
		TAP_EQ(h.hdr.csum_start, c->hdr.csum_start);
		TAP_EQ(h.hdr.csum_offset, c->hdr.csum_offset);
		if (c->hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE)
			TAP_EQ(h.hdr.hdr_len, 0);
	}
	/* TSO without the (implied) TCP checksum flag is still a checksummed GSO frame. */
	len = build_l4(frame, false, IPPROTO_TCP, 20, 2000);
	m = mk_mbuf(pool, frame, len, 2048);
	if (m != NULL) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_SEG;
		m->l2_len = 14;
		m->l3_len = 20;
		m->l4_len = 20;
		m->tso_segsz = 1000;
		head = vdrv_rx(&d, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
		rte_pktmbuf_free(m);
		expect_used(&d, head, HDR12 + len);
		vdrv_chain_read(&d, head, &h, HDR12);
		TAP_EQ(h.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
		TAP_EQ(h.hdr.gso_size, 1000);
		TAP_EQ(h.hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		TAP_EQ(h.hdr.csum_start, 34);
		TAP_EQ(h.hdr.csum_offset, 16);
	}
	virtq_fini(&vq);
}

/* Guest tx header -> mbuf -> guest rx header reproduces the header. */
static void
test_offload_roundtrip(void)
{
	static const uint32_t big[] = { 4096 };
	static uint8_t frame[3200];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct virtq tx, rx;
	struct vdrv dt, dr;
	struct rte_mbuf *m;
	unsigned int i;
	uint16_t head;
	uint32_t len;

	begin();
	if (setup(&tx, &dt, 0, 16, 0, F_V1 | F_OFFLOADS) < 0)
		return;
	if (setup(&rx, &dr, 1, 16, 0, F_V1 | F_OFFLOADS) < 0)
		return;
	for (i = 0; i < RTE_DIM(ol_cases); i++) {
		const struct offload_case *c = &ol_cases[i];

		len = build_l4(frame, c->v6, c->proto, c->tcp_len, c->payload);
		memset(&h, 0, sizeof(h));
		h.hdr = c->hdr;
		vdrv_tx(&dt, &h, HDR12, frame, len, NULL, 0, false);
		if (deq(&tx, pool, &m, 1) != 1) {
			TAP_CHECK(false);
			continue;
		}
		head = vdrv_rx(&dr, big, 1, false);
		TAP_EQ(virtq_enqueue_burst(&rx, &m, 1), 1);
		rte_pktmbuf_free(m);
		expect_used(&dr, head, HDR12 + len);
		memset(&h, 0xff, sizeof(h));
		vdrv_chain_read(&dr, head, &h, HDR12);
		TAP_EQ(h.hdr.flags, c->hdr.flags);
		TAP_EQ(h.hdr.gso_type, c->hdr.gso_type);
		TAP_EQ(h.hdr.gso_size, c->hdr.gso_size);
		TAP_EQ(h.hdr.csum_start, c->hdr.csum_start);
		TAP_EQ(h.hdr.csum_offset, c->hdr.csum_offset);
		/* hdr_len: the guest set Ethernet + IP + TCP, which the mbuf lengths give back. */
		TAP_EQ(h.hdr.hdr_len, c->hdr.hdr_len);
	}
	virtq_fini(&tx);
	virtq_fini(&rx);
}

/* --- notifications ------------------------------------------------------- */

/* Without EVENT_IDX: one call per burst that completed something, unless NO_INTERRUPT. */
static void
test_notify_flags(void)
{
	struct virtq_params p;
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		return;
	/* Nothing to do: no call, nothing counted. */
	TAP_EQ(deq(&vq, pool, m, 8), 0);
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls, 0);
	TAP_EQ(vq.stats.calls_avoided, 0);
	/* Three chains, one call. */
	for (i = 0; i < 3; i++)
		tx_simple(&d, 60, i);
	TAP_EQ(deq(&vq, pool, m, 8), 3);
	rte_pktmbuf_free_bulk(m, 3);
	TAP_EQ(calls_read(), 1);
	TAP_EQ(vq.stats.calls, 1);
	/* The guest does not want interrupts. */
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	tx_simple(&d, 60, 9);
	TAP_EQ(deq(&vq, pool, m, 8), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 1);
	/* An empty burst still counts nothing. */
	TAP_EQ(deq(&vq, pool, m, 8), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	/* Back on: each burst calls once. */
	d.avail->flags = 0;
	tx_simple(&d, 60, 10);
	tx_simple(&d, 60, 11);
	for (i = 0; i < 2; i++) {
		TAP_EQ(deq(&vq, pool, m, 1), 1);
		rte_pktmbuf_free(m[0]);
		TAP_EQ(calls_read(), 1);
	}
	TAP_EQ(vq.stats.calls, 3);
	TAP_EQ(vq.stats.calls_avoided, 1);
	virtq_fini(&vq);

	/* callfd -1: never interrupt, and nothing breaks. */
	vdrv_init(&d, &gm, 0, 16, 0);
	vdrv_params(&d, &p, F_V1, -1);
	TAP_EQ(init_vq(&vq, &p), 0);
	tx_simple(&d, 60, 12);
	expect_tx_pkt(&vq, 60, 12);
	TAP_EQ(calls_read(), 0);
	virtq_fini(&vq);
}

/* Enqueue obeys the same rule. */
static void
test_notify_rx(void)
{
	static const uint32_t one[] = { 256 };
	struct rte_mbuf *m;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	fill(pkt, 64, 1);
	m = mk_mbuf(pool, pkt, 64, 2048);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(calls_read(), 1);
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls, 1);
	TAP_EQ(vq.stats.calls_avoided, 1);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

/* Dequeue @p k packets of 60 bytes in one burst and free them. */
static void
tx_burst_of(struct virtq *vq, struct vdrv *d, int k)
{
	struct rte_mbuf *m[16];
	int i;

	for (i = 0; i < k; i++)
		tx_simple(d, 60, i);
	TAP_EQ(deq(vq, pool, m, 16), k);
	rte_pktmbuf_free_bulk(m, k);
}

/* With EVENT_IDX: call iff used_event was crossed since the last call. */
static void
test_notify_event_idx(void)
{
	struct virtq vq;
	struct vdrv d;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1 | F_EVENT) < 0)
		return;
	/* The flag means nothing under EVENT_IDX. */
	d.avail->flags = VRING_AVAIL_F_NO_INTERRUPT;
	vdrv_set_used_event(&d, 0);
	tx_burst_of(&vq, &d, 1);              /* used 0 -> 1: first call. */
	TAP_EQ(calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 1 -> 2, event 0 already passed. */
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls_avoided, 1);
	vdrv_set_used_event(&d, 3);
	tx_burst_of(&vq, &d, 1);              /* 2 -> 3: entry 3 not written yet. */
	TAP_EQ(calls_read(), 0);
	tx_burst_of(&vq, &d, 1);              /* 3 -> 4: crosses 3. */
	TAP_EQ(calls_read(), 1);
	vdrv_set_used_event(&d, 5);
	tx_burst_of(&vq, &d, 3);              /* 4 -> 7: crosses 5, one call. */
	TAP_EQ(calls_read(), 1);
	vdrv_set_used_event(&d, 6);
	tx_burst_of(&vq, &d, 1);              /* 7 -> 8: 6 was before the last call. */
	TAP_EQ(calls_read(), 0);
	TAP_EQ(vq.stats.calls, 3);
	TAP_EQ(vq.stats.calls_avoided, 3);
	virtq_fini(&vq);

	/* Across the index wrap. */
	if (setup(&vq, &d, 0, 16, 65534, F_V1 | F_EVENT) < 0)
		return;
	vdrv_set_used_event(&d, 65535);
	tx_burst_of(&vq, &d, 1);              /* 65534 -> 65535: first call. */
	TAP_EQ(calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 65535 -> 0: crosses 65535. */
	TAP_EQ(calls_read(), 1);
	tx_burst_of(&vq, &d, 1);              /* 0 -> 1. */
	TAP_EQ(calls_read(), 0);
	vdrv_set_used_event(&d, 2);
	tx_burst_of(&vq, &d, 2);              /* 1 -> 3: crosses 2. */
	TAP_EQ(calls_read(), 1);
	virtq_fini(&vq);
}

/* --- dirty logging ------------------------------------------------------- */

/* What the log ops were told: a byte map of guest memory and one of the used ring. */
static struct {
	uint8_t mem[VDRV_SPAN];   /* 1 per gpa byte reported written. */
	uint8_t used[8192];       /* 1 per used-ring byte reported written. */
	unsigned int writes;      /* write() calls. */
	unsigned int useds;       /* used() calls. */
	unsigned int bad;         /* Reports outside guest memory or the used ring. */
} lg;

static void
log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	RTE_SET_USED(ctx);
	lg.writes++;
	if (!vdrv_gpa_valid(gpa, len) || len == 0) {
		printf("# log write outside guest memory: 0x%" PRIx64 "+%" PRIu64 "\n",
		       gpa, len);
		lg.bad++;
		return;
	}
	memset(lg.mem + (gpa - VDRV_GPA_BASE), 1, len);
}

static void
log_used(void *ctx, uint64_t offset, uint64_t len)
{
	const struct vdrv *d = ctx;
	uint64_t end;

	lg.useds++;
	if (d == NULL) {
		printf("# log used with the context of no queue\n");
		lg.bad++;
		return;
	}
	end = sizeof(struct vring_used) + (d->size + 1) * sizeof(struct vring_used_elem);
	if (offset > end || len > end - offset || len == 0) {
		printf("# log used outside the ring: %" PRIu64 "+%" PRIu64 "\n",
		       offset, len);
		lg.bad++;
		return;
	}
	memset(lg.used + offset, 1, len);
}

static const struct virtq_log_ops log_ops = {
	.write = log_write,
	.used = log_used,
};

/*
 * Check the used-ring log: entries [@p from, @p to) (free-running indices)
 * and the idx field were reported, no other entry was.
 */
static void
check_used_log(const struct vdrv *d, uint16_t from, uint16_t to)
{
	uint32_t i, missing = 0, extra = 0;
	uint16_t k;

	for (i = 0; i < d->size; i++) {
		size_t off = offsetof(struct vring_used, ring) +
			     i * sizeof(struct vring_used_elem);
		bool written = false;

		for (k = from; k != to; k++)
			if ((k & (d->size - 1)) == i)
				written = true;
		if (written)
			missing += !lg.used[off] + !lg.used[off + 7];
		else
			extra += lg.used[off] + lg.used[off + 7];
	}
	TAP_EQ(missing, 0);
	TAP_EQ(extra, 0);
	TAP_CHECK(lg.used[offsetof(struct vring_used, idx)] &&
		  lg.used[offsetof(struct vring_used, idx) + 1]);
}

/* Every rx byte written is logged, and nothing else; so are used entries. */
static void
test_log_rx(void)
{
	static const uint32_t one[] = { 256 };
	static const uint32_t two[] = { 100, 300 };
	static uint8_t want[VDRV_SPAN], pkt[600];
	struct vring_used_elem e;
	struct virtq_params p;
	struct rte_mbuf *m[2];
	struct vdrv_seg s[4];
	uint32_t mismatch = 0, i, j, left;
	struct virtq vq;
	struct vdrv d;
	unsigned int n;

	begin();
	memset(&lg, 0, sizeof(lg));
	memset(want, 0, sizeof(want));
	vdrv_init(&d, &gm, 1, 16, 0);
	vdrv_params(&d, &p, F_V1 | F_MRG, callfd);
	p.log = &log_ops;
	p.log_ctx = &d;
	TAP_EQ(init_vq(&vq, &p), 0);
	vdrv_rx(&d, one, 1, false);
	vdrv_rx(&d, two, 2, false);
	/* A chain across R0 -> R1 -> R2. */
	s[0] = (struct vdrv_seg){ VDRV_R1_GPA - 30, 4096 + 60, VRING_DESC_F_WRITE };
	push(&d, s, 1);
	vdrv_rx(&d, one, 1, false);
	fill(pkt, 600, 100);
	m[0] = mk_mbuf(pool, pkt, 600, 2048);   /* 612 = 256 + 356 */
	m[1] = mk_mbuf(pool, pkt, 300, 2048);   /* 312 in the 4156-byte chain */
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 2);
	rte_pktmbuf_free_bulk(m, 2);
	/* What was written: the first used.len bytes of each used chain. */
	while (vdrv_used_next(&d, &e)) {
		n = vdrv_chain_segs(&d, (uint16_t)e.id, s, RTE_DIM(s));
		for (i = 0, left = e.len; i < n && left > 0; i++) {
			uint32_t k = RTE_MIN(left, s[i].len);

			memset(want + (s[i].gpa - VDRV_GPA_BASE), 1, k);
			left -= k;
		}
	}
	TAP_EQ(d.used_idx, 3);
	for (j = 0; j < VDRV_SPAN; j++)
		mismatch += want[j] != lg.mem[j];
	TAP_EQ(mismatch, 0);
	TAP_EQ(lg.bad, 0);
	TAP_CHECK(lg.writes > 0);
	check_used_log(&d, 0, 3);
	virtq_fini(&vq);
}

/* A tx queue writes no guest buffer, only used entries. */
static void
test_log_tx(void)
{
	struct virtq_params p;
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	memset(&lg, 0, sizeof(lg));
	vdrv_init(&d, &gm, 0, 16, 14);
	vdrv_params(&d, &p, F_V1, callfd);
	p.log = &log_ops;
	p.log_ctx = &d;
	TAP_EQ(init_vq(&vq, &p), 0);
	for (i = 0; i < 4; i++)
		tx_simple(&d, 60, i);
	TAP_EQ(deq(&vq, pool, m, 4), 4);
	rte_pktmbuf_free_bulk(m, 4);
	TAP_EQ(lg.writes, 0);
	TAP_EQ(lg.bad, 0);
	check_used_log(&d, 14, 18);
	virtq_fini(&vq);
}

/* virtq_set_log() turns logging off and on. */
static void
test_log_switch(void)
{
	static const uint32_t one[] = { 256 };
	struct virtq_params p;
	struct rte_mbuf *m;
	uint8_t pkt[64];
	struct virtq vq;
	struct vdrv d;

	begin();
	memset(&lg, 0, sizeof(lg));
	vdrv_init(&d, &gm, 1, 16, 0);
	vdrv_params(&d, &p, F_V1, callfd);
	p.log = &log_ops;
	p.log_ctx = &d;
	TAP_EQ(init_vq(&vq, &p), 0);
	virtq_set_log(&vq, NULL, NULL);
	memset(&lg, 0, sizeof(lg));  /* virtq_init() may log its used->flags write. */
	fill(pkt, 64, 7);
	m = mk_mbuf(pool, pkt, 64, 2048);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(lg.writes, 0);
	TAP_EQ(lg.useds, 0);
	virtq_fini(&vq);

	/* Off at init, on later. */
	memset(&lg, 0, sizeof(lg));
	vdrv_init(&d, &gm, 1, 16, 0);
	vdrv_params(&d, &p, F_V1, callfd);
	TAP_EQ(init_vq(&vq, &p), 0);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(lg.writes + lg.useds, 0);
	virtq_set_log(&vq, &log_ops, &d);
	vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_CHECK(lg.writes > 0);
	TAP_CHECK(lg.useds > 0);
	TAP_EQ(lg.bad, 0);
	check_used_log(&d, 1, 2);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

/* --- untrusted guest: malformed tx chains --------------------------------- */

/* A valid buffer with a zero header, for bad chains to point at. */
static uint64_t
hdr_buf(void)
{
	uint64_t gpa = vdrv_alloc(&gm, 128);

	memset(vdrv_gva(&gm, gpa), 0, 128);
	return gpa;
}

/* Builds and publishes one malformed chain; returns the head as published. */
typedef uint16_t (*bad_chain_fn)(struct vdrv *d);

/*
 * Publish the chain @p bad builds, then a good one, and dequeue them in one
 * burst: only the good packet comes out, @p err is counted once (nothing
 * else), both chains come back with length 0 in ring order, no mbuf leaks,
 * and the queue keeps flowing.
 */
static void
bad_tx(bad_chain_fn bad, uint16_t size, enum virtq_error err)
{
	unsigned int in_use = rte_mempool_in_use_count(pool);
	struct rte_mbuf *m[8];
	uint8_t pkt[80];
	uint16_t bad_head, good;
	struct virtq vq;
	struct vdrv d;
	uint16_t n;

	begin();
	if (setup(&vq, &d, 0, size, 0, F_V1 | F_INDIRECT) < 0)
		return;
	bad_head = bad(&d);
	good = tx_simple(&d, 80, 77);
	fill(pkt, 80, 77);
	n = deq(&vq, pool, m, 8);
	TAP_EQ(n, 1);
	if (n >= 1)
		TAP_CHECK(mbuf_is(m[0], pkt, 80));
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(other_errors(&vq, err), 0);
	TAP_EQ(vq.stats.pkts, 1);
	TAP_EQ(vq.stats.bytes, 80);
	TAP_EQ(vdrv_used_pending(&d), 2);
	expect_used(&d, bad_head, 0);
	expect_used(&d, good, 0);
	TAP_CHECK(!vq.broken);
	TAP_EQ(rte_mempool_in_use_count(pool), in_use);
	/* And in a later burst too. */
	good = tx_simple(&d, 60, 78);
	expect_tx_pkt(&vq, 60, 78);
	expect_used(&d, good, 0);
	TAP_EQ(vq.stats.errors[err], 1);
	virtq_fini(&vq);
}

static uint16_t
mk_bad_head(struct vdrv *d)
{
	vdrv_publish(d, (uint16_t)(d->size + 5));
	return (uint16_t)(d->size + 5);
}

static uint16_t
mk_bad_next(struct vdrv *d)
{
	uint16_t a = vdrv_desc_alloc(d);

	d->desc[a] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, d->size };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_bad_next_indirect(struct vdrv *d)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2);
	struct vring_desc *t = vdrv_gva(d->gm, tab);
	uint16_t a = vdrv_desc_alloc(d);

	t[0] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, 2 };
	t[1] = (struct vring_desc){ hdr_buf(), 64, 0, 0 };
	d->desc[a] = (struct vring_desc){ tab, 32, VRING_DESC_F_INDIRECT, 0 };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_loop(struct vdrv *d)
{
	uint16_t a = vdrv_desc_alloc(d), b = vdrv_desc_alloc(d);

	d->desc[a] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, b };
	d->desc[b] = (struct vring_desc){ hdr_buf(), 1, VRING_DESC_F_NEXT, a };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_loop_indirect(struct vdrv *d)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2);
	struct vring_desc *t = vdrv_gva(d->gm, tab);
	uint16_t a = vdrv_desc_alloc(d);

	t[0] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ hdr_buf(), 1, VRING_DESC_F_NEXT, 0 };
	d->desc[a] = (struct vring_desc){ tab, 32, VRING_DESC_F_INDIRECT, 0 };
	vdrv_publish(d, a);
	return a;
}

/* Header fine, packet buffer at @p gpa, @p len bytes. */
static uint16_t
mk_tx_data_at(struct vdrv *d, uint64_t gpa, uint32_t len, uint16_t flags)
{
	struct vdrv_seg s[2] = {
		{ hdr_buf(), HDR12, 0 },
		{ gpa, len, flags },
	};

	return push(d, s, 2);
}

static uint16_t
mk_addr_hole(struct vdrv *d)
{
	return mk_tx_data_at(d, VDRV_HOLE_GPA + 0x2000, 100, 0);
}

static uint16_t
mk_addr_into_hole(struct vdrv *d)
{
	return mk_tx_data_at(d, VDRV_HOLE_GPA - 10, 100, 0);
}

static uint16_t
mk_addr_past_end(struct vdrv *d)
{
	return mk_tx_data_at(d, VDRV_GPA_END - 10, 100, 0);
}

static uint16_t
mk_addr_wrap(struct vdrv *d)
{
	return mk_tx_data_at(d, UINT64_MAX - 7, 64, 0);
}

static uint16_t
mk_len_zero(struct vdrv *d)
{
	struct vdrv_seg s[3] = {
		{ hdr_buf(), HDR12, 0 },
		{ hdr_buf(), 0, 0 },
		{ hdr_buf(), 50, 0 },
	};

	return push(d, s, 3);
}

static uint16_t
mk_len_short(struct vdrv *d)
{
	struct vdrv_seg s = { hdr_buf(), HDR12 - 6, 0 };

	return push(d, &s, 1);
}

static uint16_t
mk_len_overflow(struct vdrv *d)
{
	return mk_tx_data_at(d, hdr_buf(), 0xfffffff8u, 0);
}

/* One byte over VIRTQ_MAX_PKT_LEN: all of R3, then 19 more bytes. */
static uint16_t
mk_len_too_long(struct vdrv *d)
{
	struct vdrv_seg s[3] = {
		{ hdr_buf(), HDR12, 0 },
		{ VDRV_R3_GPA, VDRV_R3_SIZE, 0 },
		{ VDRV_R3_GPA, VIRTQ_MAX_PKT_LEN + 1 - VDRV_R3_SIZE, 0 },
	};

	return push(d, s, 3);
}

/* A GSO type no virtio-net header has. */
static uint16_t
mk_bad_gso(struct vdrv *d)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr = { .gso_type = 0x42, .gso_size = 100 } };
	uint8_t pkt[100];

	fill(pkt, sizeof(pkt), 8);
	return vdrv_tx(d, &h, HDR12, pkt, sizeof(pkt), NULL, 0, false);
}

static uint16_t
mk_dir_tx(struct vdrv *d)
{
	return mk_tx_data_at(d, hdr_buf(), 50, VRING_DESC_F_WRITE);
}

static uint16_t
mk_nested(struct vdrv *d)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2), inner = vdrv_alloc_table(d->gm, 1);
	struct vring_desc *t = vdrv_gva(d->gm, tab);
	struct vring_desc *in = vdrv_gva(d->gm, inner);
	uint16_t a = vdrv_desc_alloc(d);

	in[0] = (struct vring_desc){ hdr_buf(), 64, 0, 0 };
	t[0] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ inner, 16, VRING_DESC_F_INDIRECT, 0 };
	d->desc[a] = (struct vring_desc){ tab, 32, VRING_DESC_F_INDIRECT, 0 };
	vdrv_publish(d, a);
	return a;
}

/* A well-formed two-entry table behind a ring descriptor of @p len and @p flags. */
static uint16_t
mk_indirect(struct vdrv *d, uint32_t len, uint16_t flags)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2);
	struct vring_desc *t = vdrv_gva(d->gm, tab);
	uint16_t a = vdrv_desc_alloc(d), b = vdrv_desc_alloc(d);

	t[0] = (struct vring_desc){ hdr_buf(), HDR12, VRING_DESC_F_NEXT, 1 };
	t[1] = (struct vring_desc){ hdr_buf(), 64, 0, 0 };
	d->desc[b] = (struct vring_desc){ hdr_buf(), 64, 0, 0 };
	d->desc[a] = (struct vring_desc){ tab, len,
		(uint16_t)(VRING_DESC_F_INDIRECT | flags), b };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_indirect_len0(struct vdrv *d)
{
	return mk_indirect(d, 0, 0);
}

static uint16_t
mk_indirect_len_odd(struct vdrv *d)
{
	return mk_indirect(d, 24, 0);
}

static uint16_t
mk_indirect_next(struct vdrv *d)
{
	return mk_indirect(d, 32, VRING_DESC_F_NEXT);
}

/* Ring size + 1 well-formed entries (the case runs with a 16-entry ring). */
static uint16_t
mk_indirect_too_big(struct vdrv *d)
{
	struct vdrv_seg s[VDRV_MAX_SIZE + 1];
	uint64_t buf = hdr_buf();
	unsigned int i;

	s[0] = (struct vdrv_seg){ buf, HDR12, 0 };
	for (i = 1; i <= d->size; i++)
		s[i] = (struct vdrv_seg){ buf + HDR12 + i, 1, 0 };
	i = vdrv_add_indirect(d, s, d->size + 1u);
	vdrv_publish(d, (uint16_t)i);
	return (uint16_t)i;
}

static uint16_t
mk_too_many_descs(struct vdrv *d)
{
	struct vdrv_seg s[VIRTQ_MAX_VEC + 1];
	uint64_t buf = vdrv_alloc(d->gm, 1024);
	unsigned int i;

	s[0] = (struct vdrv_seg){ buf, HDR12, 0 };
	for (i = 1; i <= VIRTQ_MAX_VEC; i++)
		s[i] = (struct vdrv_seg){ buf + HDR12 + i * 8, 8, 0 };
	return push(d, s, VIRTQ_MAX_VEC + 1);
}

/* 33 descriptors, but 65 pieces: 32 of them cross R0 -> R1. */
static uint16_t
mk_too_many_pieces(struct vdrv *d)
{
	struct vdrv_seg s[33];
	unsigned int i;

	s[0] = (struct vdrv_seg){ hdr_buf(), HDR12, 0 };
	for (i = 1; i < 33; i++)
		s[i] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 16, 0 };
	return push(d, s, 33);
}

static void test_bad_head(void) { bad_tx(mk_bad_head, 16, VIRTQ_ERR_BAD_HEAD); }
static void test_bad_next(void) { bad_tx(mk_bad_next, 16, VIRTQ_ERR_BAD_INDEX); }
static void test_bad_next_indirect(void) { bad_tx(mk_bad_next_indirect, 16, VIRTQ_ERR_BAD_INDEX); }
static void test_bad_loop(void) { bad_tx(mk_loop, 16, VIRTQ_ERR_LOOP); }
static void test_bad_loop_indirect(void) { bad_tx(mk_loop_indirect, 16, VIRTQ_ERR_LOOP); }
static void test_bad_addr_hole(void) { bad_tx(mk_addr_hole, 16, VIRTQ_ERR_BAD_ADDR); }
static void test_bad_addr_into_hole(void) { bad_tx(mk_addr_into_hole, 16, VIRTQ_ERR_BAD_ADDR); }
static void test_bad_addr_past_end(void) { bad_tx(mk_addr_past_end, 16, VIRTQ_ERR_BAD_ADDR); }
static void test_bad_addr_wrap(void) { bad_tx(mk_addr_wrap, 16, VIRTQ_ERR_BAD_ADDR); }
static void test_bad_len_zero(void) { bad_tx(mk_len_zero, 16, VIRTQ_ERR_BAD_LEN); }
static void test_bad_len_short(void) { bad_tx(mk_len_short, 16, VIRTQ_ERR_BAD_LEN); }
static void test_bad_len_overflow(void) { bad_tx(mk_len_overflow, 16, VIRTQ_ERR_BAD_LEN); }
static void test_bad_len_too_long(void) { bad_tx(mk_len_too_long, 16, VIRTQ_ERR_BAD_LEN); }
static void test_bad_gso(void) { bad_tx(mk_bad_gso, 16, VIRTQ_ERR_BAD_HDR); }
static void test_bad_dir_tx(void) { bad_tx(mk_dir_tx, 16, VIRTQ_ERR_WRONG_DIR); }
static void test_bad_nested_indirect(void) { bad_tx(mk_nested, 16, VIRTQ_ERR_NESTED_INDIRECT); }
static void test_bad_indirect_len0(void) { bad_tx(mk_indirect_len0, 16, VIRTQ_ERR_BAD_INDIRECT); }
static void test_bad_indirect_len_odd(void) { bad_tx(mk_indirect_len_odd, 16, VIRTQ_ERR_BAD_INDIRECT); }
static void test_bad_indirect_too_big(void) { bad_tx(mk_indirect_too_big, 16, VIRTQ_ERR_BAD_INDIRECT); }
static void test_bad_indirect_next(void) { bad_tx(mk_indirect_next, 16, VIRTQ_ERR_BAD_INDIRECT); }
static void test_bad_too_many_descs(void) { bad_tx(mk_too_many_descs, 256, VIRTQ_ERR_TOO_MANY_BUFS); }
static void test_bad_too_many_pieces(void) { bad_tx(mk_too_many_pieces, 64, VIRTQ_ERR_TOO_MANY_BUFS); }

/* --- untrusted guest: malformed rx chains --------------------------------- */

/*
 * Publish the chain @p bad builds, then a good one, and enqueue one packet:
 * the bad chain comes back with length 0, the packet lands in the good one.
 */
static void
bad_rx(bad_chain_fn bad, enum virtq_error err)
{
	static const uint32_t one[] = { 512 };
	uint8_t pkt[100], got[HDR12 + 100];
	uint16_t bad_head, good;
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;

	begin();
	if (setup(&vq, &d, 1, 16, 0, F_V1) < 0)
		return;
	bad_head = bad(&d);
	good = vdrv_rx(&d, one, 1, false);
	fill(pkt, 100, 55);
	m = mk_mbuf(pool, pkt, 100, 2048);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(other_errors(&vq, err), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	expect_used(&d, bad_head, 0);
	expect_used(&d, good, HDR12 + 100);
	vdrv_chain_read(&d, good, got, sizeof(got));
	TAP_CHECK(memcmp(got + HDR12, pkt, 100) == 0);
	TAP_EQ(vq.stats.pkts, 1);
	/* The queue keeps flowing. */
	good = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	expect_used(&d, good, HDR12 + 100);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

static uint16_t
mk_rx_read_only(struct vdrv *d)
{
	struct vdrv_seg s[2] = {
		{ hdr_buf(), HDR12, VRING_DESC_F_WRITE },
		{ hdr_buf(), 100, 0 },
	};

	return push(d, s, 2);
}

static uint16_t
mk_rx_hole(struct vdrv *d)
{
	struct vdrv_seg s = { VDRV_HOLE_GPA - 10, 200, VRING_DESC_F_WRITE };

	return push(d, &s, 1);
}

static void test_bad_dir_rx(void) { bad_rx(mk_rx_read_only, VIRTQ_ERR_WRONG_DIR); }
static void test_bad_addr_rx(void) { bad_rx(mk_rx_hole, VIRTQ_ERR_BAD_ADDR); }
static void test_bad_head_rx(void) { bad_rx(mk_bad_head, VIRTQ_ERR_BAD_HEAD); }

/* --- untrusted guest: the queue as a whole -------------------------------- */

static sigjmp_buf fault_jmp;

static void
on_fault(int sig)
{
	RTE_SET_USED(sig);
	siglongjmp(fault_jmp, 1);
}

/* An avail index more than a ring ahead breaks the queue until re-init. */
static void
test_avail_jump(void)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_segv, old_bus;
	volatile uint16_t n_deq = 0xffff, n_enq = 0xffff;
	volatile bool faulted = false;
	struct virtq_params p;
	struct rte_mbuf *m[16];
	uint16_t used_idx;
	struct virtq vq;
	struct vdrv d;
	int i;

	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		return;
	/* Exactly a ring's worth ahead is legal. */
	for (i = 0; i < 16; i++)
		tx_simple(&d, 60, i);
	TAP_EQ(deq(&vq, pool, m, 16), 16);
	rte_pktmbuf_free_bulk(m, 16);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 0);
	/* One more than that is not. */
	d.avail->idx = (uint16_t)(d.avail_idx + 17);
	TAP_EQ(deq(&vq, pool, m, 16), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 1);
	TAP_CHECK(vq.broken);
	used_idx = d.used->idx;
	TAP_EQ(used_idx, 16);

	/* Broken: nothing is read or written, so guest memory can vanish. */
	m[0] = mk_mbuf(pool, (const uint8_t *)"x", 1, 2048);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	mprotect(gm.host, gm.host_len, PROT_NONE);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		n_deq = deq(&vq, pool, m + 1, 15);
		n_enq = virtq_enqueue_burst(&vq, m, 1);
	} else {
		faulted = true;
	}
	mprotect(gm.host, gm.host_len, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	TAP_CHECK(!faulted);
	TAP_EQ(n_deq, 0);
	TAP_EQ(n_enq, 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(d.used->idx, used_idx);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 1);
	virtq_fini(&vq);

	/* The guest resets the queue; a fresh init over the same rings recovers. */
	vdrv_init(&d, &gm, 0, 16, 0);
	vdrv_params(&d, &p, F_V1, callfd);
	TAP_EQ(init_vq(&vq, &p), 0);
	TAP_CHECK(!vq.broken);
	tx_simple(&d, 60, 99);
	expect_tx_pkt(&vq, 60, 99);
	TAP_EQ(d.used->idx, 1);
	virtq_fini(&vq);
}

/* No mbufs: the chain stays in the ring (not consumed) until mbufs come back. */
static void
test_mbuf_alloc_fail(void)
{
	struct rte_mempool *tiny;
	struct rte_mbuf *held[8], *m[4];
	uint8_t pkt[600];
	uint16_t a, b;
	struct virtq vq;
	struct vdrv d;

	tiny = rte_pktmbuf_pool_create("vq_tiny", 8, 0, 0,
				       SMALL_ROOM + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	TAP_CHECK(tiny != NULL);
	if (tiny == NULL)
		return;
	begin();
	if (setup(&vq, &d, 0, 16, 0, F_V1) < 0)
		goto out;
	TAP_EQ(rte_pktmbuf_alloc_bulk(tiny, held, 8), 0);
	fill(pkt, 60, 1);
	a = vdrv_tx(&d, &zero_hdr, HDR12, pkt, 60, NULL, 0, false);
	fill(pkt, 600, 2);  /* Needs three small mbufs. */
	b = vdrv_tx(&d, &zero_hdr, HDR12, pkt, 600, NULL, 0, false);

	TAP_EQ(deq(&vq, tiny, m, 4), 0);
	TAP_CHECK(vq.stats.errors[VIRTQ_ERR_MBUF_ALLOC] >= 1);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(vq.last_avail, 0);
	TAP_EQ(calls_read(), 0);

	/*
	 * Three mbufs: the first packet takes one; the second gets two of the
	 * three it needs, fails half way, and must give both back.
	 */
	rte_pktmbuf_free_bulk(held, 3);
	TAP_EQ(deq(&vq, tiny, m, 2), 1);
	fill(pkt, 60, 1);
	TAP_CHECK(mbuf_is(m[0], pkt, 60));
	TAP_EQ(rte_mempool_in_use_count(tiny), 5 + 1);
	TAP_EQ(vdrv_used_pending(&d), 1);
	expect_used(&d, a, 0);
	rte_pktmbuf_free(m[0]);

	/* Plenty again: the second packet flows. */
	rte_pktmbuf_free_bulk(held + 3, 5);
	TAP_EQ(deq(&vq, tiny, m, 4), 1);
	fill(pkt, 600, 2);
	TAP_CHECK(mbuf_is(m[0], pkt, 600));
	expect_used(&d, b, 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(rte_mempool_in_use_count(tiny), 0);
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
	virtq_fini(&vq);
out:
	rte_mempool_free(tiny);
}

/* Error names exist for every counter. */
static void
test_error_names(void)
{
	int e;

	for (e = 0; e < VIRTQ_ERR_MAX; e++)
		TAP_CHECK(virtq_error_name(e) != NULL && virtq_error_name(e)[0] != '\0');
	TAP_CHECK(strcmp(virtq_error_name(VIRTQ_ERR_BAD_HEAD), "bad_head") == 0);
	TAP_CHECK(strcmp(virtq_error_name(VIRTQ_ERR_RING_FULL), "guest_ring_full") == 0);
}

int
main(void)
{
	int ret;

	pool = test_eal_init();
	if (pool == NULL)
		return 1;
	small_pool = rte_pktmbuf_pool_create("vq_small", 255, 0, 0,
					     SMALL_ROOM + RTE_PKTMBUF_HEADROOM,
					     SOCKET_ID_ANY);
	callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = vdrv_mem_create(&gm);
	if (small_pool == NULL || callfd < 0 || ret < 0) {
		printf("Bail out! set-up: pool %p, eventfd %d, guest memory %d\n",
		       (void *)small_pool, callfd, ret);
		return 1;
	}
	TAP_RUN(test_init_params);
	TAP_RUN(test_kick_suppress_flag);
	TAP_RUN(test_kick_suppress_event_idx);
	TAP_RUN(test_translate);
	TAP_RUN(test_chain_walk_pieces);
	TAP_RUN(test_tx_layouts);
	TAP_RUN(test_tx_legacy_header);
	TAP_RUN(test_tx_multiseg);
	TAP_RUN(test_tx_wrap);
	TAP_RUN(test_tx_burst_limit);
	TAP_RUN(test_tx_indirect_full_table);
	TAP_RUN(test_tx_max_vec);
	TAP_RUN(test_tx_max_pkt_len);
	TAP_RUN(test_rx_basic);
	TAP_RUN(test_rx_v1_header);
	TAP_RUN(test_rx_cross_regions);
	TAP_RUN(test_rx_too_big);
	TAP_RUN(test_rx_too_big_middle);
	TAP_RUN(test_rx_burst_limit);
	TAP_RUN(test_rx_ring_full);
	TAP_RUN(test_rx_mergeable);
	TAP_RUN(test_rx_mergeable_ring_full);
	TAP_RUN(test_rx_multiseg_mbuf);
	TAP_RUN(test_rx_wrap);
	TAP_RUN(test_offload_tx);
	TAP_RUN(test_offload_rx);
	TAP_RUN(test_offload_roundtrip);
	TAP_RUN(test_notify_flags);
	TAP_RUN(test_notify_rx);
	TAP_RUN(test_notify_event_idx);
	TAP_RUN(test_log_rx);
	TAP_RUN(test_log_tx);
	TAP_RUN(test_log_switch);
	TAP_RUN(test_bad_head);
	TAP_RUN(test_bad_next);
	TAP_RUN(test_bad_next_indirect);
	TAP_RUN(test_bad_loop);
	TAP_RUN(test_bad_loop_indirect);
	TAP_RUN(test_bad_addr_hole);
	TAP_RUN(test_bad_addr_into_hole);
	TAP_RUN(test_bad_addr_past_end);
	TAP_RUN(test_bad_addr_wrap);
	TAP_RUN(test_bad_len_zero);
	TAP_RUN(test_bad_len_short);
	TAP_RUN(test_bad_len_overflow);
	TAP_RUN(test_bad_len_too_long);
	TAP_RUN(test_bad_gso);
	TAP_RUN(test_bad_dir_tx);
	TAP_RUN(test_bad_nested_indirect);
	TAP_RUN(test_bad_indirect_len0);
	TAP_RUN(test_bad_indirect_len_odd);
	TAP_RUN(test_bad_indirect_too_big);
	TAP_RUN(test_bad_indirect_next);
	TAP_RUN(test_bad_too_many_descs);
	TAP_RUN(test_bad_too_many_pieces);
	TAP_RUN(test_bad_dir_rx);
	TAP_RUN(test_bad_addr_rx);
	TAP_RUN(test_bad_head_rx);
	TAP_RUN(test_avail_jump);
	TAP_RUN(test_mbuf_alloc_fail);
	TAP_RUN(test_error_names);
	vdrv_mem_destroy(&gm);
	close(callfd);
	return tap_done();
}
