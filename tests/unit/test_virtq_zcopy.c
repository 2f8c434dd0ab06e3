/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq zero-copy dequeue: which packets become mbufs over guest
 * memory, when their used entries go back, in what order (with and
 * without IN_ORDER), the in-flight cap and the stall bound, a guest that
 * makes a buffer available again while it is out, the memory-table
 * references, the drain before a ring change, orphaned state, the
 * threshold changed at run time, and partial checksums past the private
 * first segment.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_fixture.h"

#define ZC_MIN 512  /* threshold the cases use */

/* A queue of @p size entries with zero-copy from ZC_MIN bytes, at most
 * @p max chains out, features VERSION_1 and @p features, memory table
 * references in @p pin (or none). */
static int
zc_start_f(struct virtq *vq, struct vdrv *d, uint16_t size, uint16_t max,
	   uint64_t features, uint32_t *pin)
{
	struct virtq_params p;
	int ret;

	vft_begin();
	vdrv_init(d, &vft.gm, 0, size, 0);
	vdrv_params(d, &p, VFT_F_V1 | features, vft.callfd);
	p.zcopy_min = ZC_MIN;
	p.zcopy_max = max;
	p.zc_pin = pin;
	ret = vft_init_vq(vq, &p);
	TAP_EQ(ret, 0);
	return ret;
}

static int
zc_start(struct virtq *vq, struct vdrv *d, uint16_t size, uint16_t max)
{
	return zc_start_f(vq, d, size, max, 0, NULL);
}

/* Publish a tx packet of @p len bytes of seed @p seed in one descriptor
 * (header first); @p data gets the guest address of its packet bytes. */
static uint16_t
zc_tx(struct vdrv *d, uint8_t *pkt, uint32_t len, uint32_t seed, uint8_t **data)
{
	struct vdrv_seg s;
	uint16_t head;

	vft_fill(pkt, len, seed);
	head = vdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt, len, NULL, 0, false);
	TAP_EQ(vdrv_chain_segs(d, head, &s, 1), 1);
	if (data != NULL)
		*data = vdrv_hva(d->gm, s.gpa) + VFT_HDR12;
	return head;
}

/* The packet bytes after the private copy are the guest's own memory, and
 * the used entry waits for the free. */
static void
test_zc_points_into_guest(void)
{
	static uint8_t pkt[1500];
	struct rte_mbuf *m[4], *none[4], *seg;
	uint8_t *data;
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	head = zc_tx(&d, pkt, sizeof(pkt), 1, &data);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[0]));
	TAP_EQ(m[0]->data_len, VIRTQ_ZC_COPY_LEN);
	seg = m[0]->next;
	TAP_CHECK(seg != NULL && RTE_MBUF_HAS_EXTBUF(seg));
	if (seg != NULL)
		TAP_CHECK(rte_pktmbuf_mtod(seg, uint8_t *) == data + VIRTQ_ZC_COPY_LEN);
	/* Headers are private: rewriting them leaves the guest's bytes alone. */
	memset(rte_pktmbuf_mtod(m[0], uint8_t *), 0xab, VIRTQ_ZC_COPY_LEN);
	TAP_CHECK(memcmp(data, pkt, sizeof(pkt)) == 0);
	TAP_EQ(vq.stats.zc_pkts, 1);
	TAP_EQ(virtq_zc_inflight(&vq), 1);
	TAP_EQ(vdrv_used_pending(&d), 0);
	/* Nothing new from the guest, and still nothing to give back. */
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 1);
	vft_expect_used(&d, head, 0);
	TAP_EQ(virtq_zc_inflight(&vq), 0);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/* Under the threshold a packet is copied and its buffer goes back at once. */
static void
test_zc_threshold(void)
{
	static uint8_t pkt[ZC_MIN - 1];
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	head = zc_tx(&d, pkt, sizeof(pkt), 2, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	TAP_EQ(m[0]->nb_segs, 1);
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[0]));
	vft_expect_used(&d, head, 0);
	TAP_EQ(vq.stats.zc_pkts, 0);
	rte_pktmbuf_free(m[0]);
	virtq_fini(&vq);
}

/* Frees in any order; used entries in the order the chains were taken,
 * copied ones included, whether or not the guest asked for IN_ORDER. */
static void
zc_order(uint64_t features)
{
	static uint8_t big1[1000], small[100], big2[2000];
	struct rte_mbuf *m[4], *none[4];
	struct vring_used_elem e;
	uint16_t h[3];
	struct virtq vq;
	struct vdrv d;

	if (zc_start_f(&vq, &d, 64, 0, features, NULL) < 0)
		return;
	h[0] = zc_tx(&d, big1, sizeof(big1), 3, NULL);
	h[1] = zc_tx(&d, small, sizeof(small), 4, NULL);
	h[2] = zc_tx(&d, big2, sizeof(big2), 5, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 3);
	TAP_CHECK(vft_mbuf_is(m[0], big1, sizeof(big1)));
	TAP_CHECK(vft_mbuf_is(m[1], small, sizeof(small)));
	TAP_CHECK(vft_mbuf_is(m[2], big2, sizeof(big2)));
	TAP_EQ(vq.stats.zc_pkts, 2);
	/* The copied one waits behind the first zero-copied one. */
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[2]);
	rte_pktmbuf_free(m[1]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(virtq_zc_inflight(&vq), 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 3);
	vft_expect_used(&d, h[0], 0);
	vft_expect_used(&d, h[1], 0);
	vft_expect_used(&d, h[2], 0);
	TAP_CHECK(!vdrv_used_next(&d, &e));
	TAP_EQ(virtq_zc_inflight(&vq), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

static void
test_zc_order(void)
{
	zc_order(0);
}

static void
test_zc_order_in_order(void)
{
	zc_order(VFT_F(VIRTIO_F_IN_ORDER));
}

/* Past the cap, packets are copied (and counted) until buffers come back. */
static void
test_zc_cap(void)
{
	static uint8_t pkt[4][1000];
	struct rte_mbuf *m[8];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;

	if (zc_start(&vq, &d, 64, 2) < 0)
		return;
	for (i = 0; i < 3; i++)
		zc_tx(&d, pkt[i], sizeof(pkt[i]), 10 + i, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 3);
	for (i = 0; i < 3; i++)
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], sizeof(pkt[i])));
	TAP_CHECK(m[0]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[0]->next));
	TAP_CHECK(m[1]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[1]->next));
	TAP_EQ(m[2]->nb_segs, 1);
	TAP_EQ(vq.stats.zc_pkts, 2);
	TAP_EQ(vq.stats.zc_capped, 1);
	TAP_EQ(virtq_zc_inflight(&vq), 2);
	rte_pktmbuf_free_bulk(m, 3);
	/* Back under the cap: zero-copy again. */
	zc_tx(&d, pkt[3], sizeof(pkt[3]), 13, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 1);
	TAP_CHECK(m[0]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[0]->next));
	TAP_EQ(vq.stats.zc_pkts, 3);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vdrv_used_pending(&d), 4);
	virtq_fini(&vq);
}

/* A chain over several descriptors and regions: one external segment per
 * host-contiguous piece, and the bytes all there. */
static void
test_zc_chained(void)
{
	static const uint32_t cuts[] = { VFT_HDR12, 300, 700 };
	static uint8_t pkt[3000];
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	vft_fill(pkt, sizeof(pkt), 20);
	head = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), cuts,
		       RTE_DIM(cuts), false);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	/* The copy takes the first 128 bytes of the 300-byte piece. */
	TAP_EQ(m[0]->nb_segs, 4);
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	vft_expect_used(&d, head, 0);
	virtq_fini(&vq);
}

/* A guest that makes a buffer available again while it is out: the entry
 * is taken and counted, nothing is read from it, and the first use still
 * completes once. */
static void
test_zc_head_in_flight(void)
{
	static uint8_t pkt[1000];
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vdrv d;
	uint16_t head;

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	head = zc_tx(&d, pkt, sizeof(pkt), 30, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	vdrv_publish(&d, head);
	TAP_EQ(vft_deq(&vq, vft.pool, &m[1], 3), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_HEAD_IN_FLIGHT), 0);
	TAP_EQ(vq.last_avail, 2);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 1);
	vft_expect_used(&d, head, 0);
	virtq_fini(&vq);
}

/* Each zero-copied chain holds a reference on the memory table it points
 * into until its free is collected; copied ones hold none. */
static void
test_zc_pin(void)
{
	static uint8_t big[2][1000], small[100];
	struct rte_mbuf *m[4], *none[4];
	uint32_t pin = 0;
	struct virtq vq;
	struct vdrv d;

	if (zc_start_f(&vq, &d, 64, 0, 0, &pin) < 0)
		return;
	zc_tx(&d, big[0], sizeof(big[0]), 40, NULL);
	zc_tx(&d, small, sizeof(small), 41, NULL);
	zc_tx(&d, big[1], sizeof(big[1]), 42, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 3);
	TAP_EQ(pin, 2);
	TAP_EQ(vq.stats.zc_small, 1);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	TAP_EQ(pin, 2); /* freed, not yet collected */
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(pin, 1);
	rte_pktmbuf_free(m[2]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(pin, 0);
	TAP_EQ(vdrv_used_pending(&d), 3);
	virtq_fini(&vq);
}

/* Before a memory-table change the drain hands back what came back and
 * says what is still out; the queue set up again over the new table keeps
 * those chains, whose references stay on the old table until they return
 * into the same ring. New chains pin the new table. */
static void
test_zc_drain_mem_change(void)
{
	static uint8_t pkt[3][1500];
	uint32_t old_pin = 0, new_pin = 0;
	struct rte_mbuf *m[4], *none[4];
	struct virtq_params p;
	struct virtq vq;
	struct vdrv d;
	uint16_t h[3];

	if (zc_start_f(&vq, &d, 64, 0, 0, &old_pin) < 0)
		return;
	h[0] = zc_tx(&d, pkt[0], sizeof(pkt[0]), 50, NULL);
	h[1] = zc_tx(&d, pkt[1], sizeof(pkt[1]), 51, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 2);
	/* The worker is out: drain. */
	TAP_EQ(virtq_zc_drain(&vq), 2);
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(virtq_zc_drain(&vq), 1);
	TAP_EQ(vdrv_used_pending(&d), 1);
	vft_expect_used(&d, h[0], 0);
	TAP_EQ(old_pin, 1);
	/* New table: same ring, same indices. */
	vdrv_params(&d, &p, VFT_F_V1, vft.callfd);
	p.last_avail = vq.last_avail;
	p.last_used = vq.last_used;
	p.zcopy_min = ZC_MIN;
	p.zc_pin = &new_pin;
	TAP_EQ(virtq_init(&vq, &p), 0);
	TAP_EQ(virtq_zc_inflight(&vq), 1);
	h[2] = zc_tx(&d, pkt[2], sizeof(pkt[2]), 52, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, &m[2], 2), 1);
	TAP_CHECK(vft_mbuf_is(m[2], pkt[2], sizeof(pkt[2])));
	TAP_EQ(new_pin, 1);
	TAP_EQ(old_pin, 1);
	rte_pktmbuf_free(m[2]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	/* In order: the new chain waits behind the carried one. */
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(new_pin, 0);
	rte_pktmbuf_free(m[1]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(old_pin, 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	vft_expect_used(&d, h[1], 0);
	vft_expect_used(&d, h[2], 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/* Rings going away with chains out: the state is orphaned, no used entry
 * is ever written for them, the queue goes on copying, and the state is
 * reaped (with its table reference dropped) once the mbufs are freed. */
static void
test_zc_orphan(void)
{
	static uint8_t pkt[2][1500];
	struct rte_mbuf *m[4];
	struct virtq_zc *zc;
	uint32_t pin = 0;
	struct virtq vq;
	struct vdrv d;

	if (zc_start_f(&vq, &d, 64, 0, 0, &pin) < 0)
		return;
	zc_tx(&d, pkt[0], sizeof(pkt[0]), 60, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_EQ(virtq_zc_drain(&vq), 1);
	zc = virtq_zc_orphan(&vq);
	TAP_CHECK(zc != NULL);
	if (zc == NULL)
		return;
	TAP_EQ(virtq_zc_orphan_inflight(zc), 1);
	TAP_CHECK(!virtq_zc_reap(zc));
	/* The queue itself copies from now on. */
	zc_tx(&d, pkt[1], sizeof(pkt[1]), 61, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, &m[1], 3), 1);
	TAP_CHECK(vft_mbuf_is(m[1], pkt[1], sizeof(pkt[1])));
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[1]));
	TAP_EQ(vdrv_used_pending(&d), 1); /* the copied one only */
	rte_pktmbuf_free(m[1]);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(pin, 1);
	TAP_CHECK(virtq_zc_reap(zc));
	TAP_EQ(pin, 0);
	TAP_EQ(vdrv_used_pending(&d), 1);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

/* The threshold changes at run time; turned off with a chain out, that
 * chain still comes back (and in order). */
static void
test_zc_set_min(void)
{
	static uint8_t pkt[3][1000];
	struct rte_mbuf *m[4], *none[4];
	struct virtq vq;
	struct vdrv d;
	uint16_t h[3];

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	h[0] = zc_tx(&d, pkt[0], sizeof(pkt[0]), 70, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_EQ(vq.stats.zc_pkts, 1);
	virtq_zc_set_min(&vq, 0);
	h[1] = zc_tx(&d, pkt[1], sizeof(pkt[1]), 71, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, &m[1], 3), 1);
	TAP_EQ(vq.stats.zc_pkts, 1);
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[1]));
	rte_pktmbuf_free(m[1]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	vft_expect_used(&d, h[0], 0);
	vft_expect_used(&d, h[1], 0);
	/* On again, from a threshold above this packet: copied, counted small. */
	virtq_zc_set_min(&vq, 2000);
	h[2] = zc_tx(&d, pkt[2], sizeof(pkt[2]), 72, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_EQ(vq.stats.zc_small, 1);
	TAP_EQ(vq.stats.zc_pkts, 1);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	vft_expect_used(&d, h[2], 0);
	virtq_fini(&vq);
}

/* A chain out longer than the stall bound is counted, and the queue copies
 * until every chain is back. */
static void
test_zc_stall(void)
{
	static uint8_t pkt[3][1000];
	struct rte_mbuf *m[4], *none[4];
	struct virtq vq;
	struct vdrv d;

	if (zc_start(&vq, &d, 64, 0) < 0)
		return;
	zc_tx(&d, pkt[0], sizeof(pkt[0]), 80, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	rte_delay_ms(VIRTQ_ZC_STALL_MS + 2);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vq.stats.zc_stalls, 1);
	zc_tx(&d, pkt[1], sizeof(pkt[1]), 81, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, &m[1], 3), 1);
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[1]));
	TAP_EQ(vq.stats.zc_capped, 1);
	TAP_EQ(vq.stats.zc_stalls, 1); /* once per stall */
	rte_pktmbuf_free_bulk(m, 2);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	/* Everything back: zero-copy again. */
	zc_tx(&d, pkt[2], sizeof(pkt[2]), 82, NULL);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 1);
	TAP_CHECK(m[0]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[0]->next));
	TAP_EQ(vq.stats.zc_pkts, 2);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	virtq_fini(&vq);
}

/* The partial checksum of @p len bytes of @p pkt from @p start, stored at
 * start + @p off: what the engine must write (into its own copy). */
static void
zc_csum_expect(uint8_t *pkt, uint32_t len, uint16_t start, uint16_t off)
{
	uint16_t sum = ~rte_raw_cksum(pkt + start, len - start);

	if (sum == 0)
		sum = 0xffff;
	memcpy(pkt + start + off, &sum, sizeof(sum));
}

/* A partial checksum whose field lies in the private first segment is
 * completed there on a zero-copied packet; one past it is copied instead
 * (the field cannot be written in guest memory), and completed like any
 * copied packet. Guest memory stays as the guest wrote it either way. */
static void
test_zc_csum_far(void)
{
	static const uint16_t start[2] = { 60, 200 };
	static uint8_t pkt[2][1500], want[2][1500];
	struct virtio_net_hdr_mrg_rxbuf h;
	struct rte_mbuf *m[4], *none[4];
	uint8_t *data[2];
	struct virtq vq;
	struct vdrv d;
	unsigned int i;
	uint16_t n;

	if (zc_start_f(&vq, &d, 64, 0, VFT_F_OFFLOADS, NULL) < 0)
		return;
	for (i = 0; i < 2; i++) {
		struct vdrv_seg s;
		uint16_t head;

		vft_fill(pkt[i], sizeof(pkt[i]), 90 + i);
		memset(&h, 0, sizeof(h));
		h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.hdr.csum_start = start[i];
		h.hdr.csum_offset = 10;
		head = vdrv_tx(&d, &h, VFT_HDR12, pkt[i], sizeof(pkt[i]), NULL, 0, false);
		TAP_EQ(vdrv_chain_segs(&d, head, &s, 1), 1);
		data[i] = vdrv_hva(d.gm, s.gpa) + VFT_HDR12;
		memcpy(want[i], pkt[i], sizeof(pkt[i]));
		zc_csum_expect(want[i], sizeof(want[i]), start[i], 10);
	}
	n = vft_deq(&vq, vft.pool, m, 4);
	TAP_EQ(n, 2);
	if (n != 2) {
		rte_pktmbuf_free_bulk(m, n);
		virtq_fini(&vq);
		return;
	}
	TAP_CHECK(vft_mbuf_is(m[0], want[0], sizeof(want[0])));
	TAP_CHECK(m[0]->next != NULL && RTE_MBUF_HAS_EXTBUF(m[0]->next));
	TAP_CHECK(vft_mbuf_is(m[1], want[1], sizeof(want[1])));
	TAP_CHECK(!RTE_MBUF_HAS_EXTBUF(m[1]) &&
		  (m[1]->next == NULL || !RTE_MBUF_HAS_EXTBUF(m[1]->next)));
	TAP_EQ(vq.stats.zc_pkts, 1);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_BAD_HDR], 0);
	for (i = 0; i < 2; i++)
		TAP_CHECK(memcmp(data[i], pkt[i], sizeof(pkt[i])) == 0);
	rte_pktmbuf_free_bulk(m, 2);
	TAP_EQ(vft_deq(&vq, vft.pool, none, 4), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_zc_points_into_guest);
	TAP_RUN(test_zc_threshold);
	TAP_RUN(test_zc_order);
	TAP_RUN(test_zc_order_in_order);
	TAP_RUN(test_zc_cap);
	TAP_RUN(test_zc_chained);
	TAP_RUN(test_zc_head_in_flight);
	TAP_RUN(test_zc_pin);
	TAP_RUN(test_zc_drain_mem_change);
	TAP_RUN(test_zc_orphan);
	TAP_RUN(test_zc_set_min);
	TAP_RUN(test_zc_stall);
	TAP_RUN(test_zc_csum_far);
	vft_env_fini();
	return tap_done();
}
