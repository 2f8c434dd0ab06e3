/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq packed rings going round: both wrap counters over many laps
 * (rings of a power of two, not, and tiny ones; in order or not), vring
 * bases mid-ring with either wrap counter and virtq_get_base() carrying a
 * queue on, and bursts across the ring's end, against the packed driver of
 * virtq_pdriver.c.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_pfixture.h"

/* --- laps: both wrap counters -------------------------------------------- */

/* A chain length for packet @p k: mostly one, sometimes two or three. */
static uint16_t
lap_ndesc(uint32_t k, uint16_t max)
{
	uint16_t n = k % 7 == 3 ? 3 : (k % 3 == 1 ? 2 : 1);

	return RTE_MIN(n, max);
}

/*
 * Transmit through @p vq of @p d until the driver has made @p laps ring's
 * worth of descriptors available: rounds of as many chains as fit (at most
 * 48) of up to @p maxnd descriptors (every fifth through an indirect
 * table), each round dequeued in one burst. Every packet is checked, every
 * used descriptor (in order, one for the round), and where both sides stand
 * after each round. @p seed numbers the packets; returns the times the
 * driver's avail wrap counter flipped.
 */
static unsigned int
tx_laps(struct virtq *vq, struct vpdrv *d, unsigned int laps, uint16_t maxnd,
	uint32_t *seed)
{
	static uint8_t pkt[48][1500];
	uint32_t len[48], k = *seed, bad = 0;
	uint64_t descs = 0, want = (uint64_t)laps * d->size;
	bool wrap = d->avail_wrap, indirect = vq->indirect;
	struct rte_mbuf *m[64];
	unsigned int flips = 0, n, i;
	uint16_t id[48], got;

	while (descs < want && bad < 3) {
		for (n = 0; n < 48 && vpdrv_room(d) >= maxnd; n++, k++) {
			uint32_t cuts[2] = { VFT_HDR12, 0 };
			uint16_t nd = lap_ndesc(k, maxnd);
			bool ind = indirect && k % 5 == 4;

			len[n] = 20 + (k * 37) % 1400;
			cuts[1] = len[n] / 2;
			vft_fill(pkt[n], len[n], k);
			id[n] = vpdrv_tx(d, &vft_zero_hdr, VFT_HDR12, pkt[n], len[n], cuts,
					 nd - 1u, ind);
			descs += ind ? 1 : nd;
		}
		if (n == 0) {
			bad++;
			break;
		}
		got = vft_deq(vq, vft.pool, m, 64);
		bad += got != n;
		for (i = 0; i < got && i < n; i++)
			bad += !vft_mbuf_is(m[i], pkt[i], len[i]);
		rte_pktmbuf_free_bulk(m, got);
		if (d->in_order)
			bad += !vpft_used_is(d, id[n - 1], 0, false, n, NULL);
		else
			for (i = 0; i < n; i++)
				bad += !vpft_used_is(d, id[i], 0, false, 1, NULL);
		bad += vpdrv_used_pending(d) != 0;
		bad += !vpft_base_is(vq, d);
		if (d->avail_wrap != wrap) {
			flips++;
			wrap = d->avail_wrap;
		}
	}
	TAP_EQ(bad, 0);
	*seed = k;
	return flips;
}

/* tx_laps() for receive: chains of up to @p maxnd buffers (1600 bytes in
 * all), packets of 1 to 1400 bytes, one used descriptor each. */
static unsigned int
rx_laps(struct virtq *vq, struct vpdrv *d, unsigned int laps, uint16_t maxnd,
	uint32_t *seed)
{
	static const uint32_t lens[3][3] = {
		{ 1600 }, { VFT_HDR12, 1588 }, { VFT_HDR12, 700, 888 },
	};
	static uint8_t pkt[48][1400], got[VFT_HDR12 + 1400];
	uint32_t len[48], k = *seed, bad = 0;
	uint64_t descs = 0, want = (uint64_t)laps * d->size;
	bool wrap = d->avail_wrap, indirect = vq->indirect;
	struct rte_mbuf *m[48];
	struct vpdrv_used u;
	unsigned int flips = 0, n, i;
	uint16_t id[48], placed;

	while (descs < want && bad < 3) {
		for (n = 0; n < 48 && vpdrv_room(d) >= maxnd; n++, k++) {
			uint16_t nd = lap_ndesc(k, maxnd);
			bool ind = indirect && k % 5 == 4;

			len[n] = 1 + (k * 53) % 1400;
			m[n] = vft_pkt_mbuf(pkt[n], len[n], k);
			id[n] = vpdrv_rx(d, lens[nd - 1], nd, ind);
			descs += ind ? 1 : nd;
		}
		if (n == 0) {
			bad++;
			break;
		}
		placed = virtq_enqueue_burst(vq, m, n);
		bad += placed != n;
		rte_pktmbuf_free_bulk(m, n);
		for (i = 0; i < placed; i++) {
			if (!vpft_used_is(d, id[i], VFT_HDR12 + len[i], true, 1, &u)) {
				bad++;
				continue;
			}
			vpdrv_buf_read(d, &u.buf, got, VFT_HDR12 + len[i]);
			bad += memcmp(got + VFT_HDR12, pkt[i], len[i]) != 0;
		}
		bad += vpdrv_used_pending(d) != 0;
		bad += !vpft_base_is(vq, d);
		if (d->avail_wrap != wrap) {
			flips++;
			wrap = d->avail_wrap;
		}
	}
	TAP_EQ(bad, 0);
	*seed = k;
	return flips;
}

/* Laps of tx (queue 0) and rx (queue 1) on rings of @p size from @p base
 * with @p features: the wrap counters flip at least once a lap. */
static void
laps_both(uint16_t size, uint16_t base, uint64_t features, unsigned int laps)
{
	uint16_t maxnd = RTE_MIN(size, (uint16_t)3);
	uint32_t seed = 1;
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, size, base, features) < 0)
		return;
	TAP_CHECK(tx_laps(&vq, &d, laps, maxnd, &seed) >= laps);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
	if (vpft_setup(&vq, &d, 1, size, base, features) < 0)
		return;
	TAP_CHECK(rx_laps(&vq, &d, laps, maxnd, &seed) >= laps);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), 0);
	virtq_fini(&vq);
}

static void
test_packed_laps_256(void)
{
	laps_both(256, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT, 12);
}

static void
test_packed_laps_100(void)
{
	laps_both(100, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT, 20);
}

/* Tiny rings: a lap every few descriptors, a ring of one included. */
static void
test_packed_laps_tiny(void)
{
	static const uint16_t sizes[] = { 1, 2, 3, 5, 7 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(sizes); i++)
		laps_both(sizes[i], VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT, 40);
}

/* Laps with VIRTIO_F_IN_ORDER: one tx used descriptor a burst, for the
 * last buffer, across every ring end. */
static void
test_packed_laps_in_order(void)
{
	laps_both(100, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT | VPFT_F_IN_ORDER, 20);
	laps_both(256, VPDRV_POS(200, 0), VFT_F_V1 | VPFT_F_IN_ORDER, 8);
}

/*
 * From vring bases mid-ring with the wrap counter clear (and set) the
 * queues carry on; a queue stopped with chains still available and set up
 * again from what virtq_get_base() gives (after virtq_fini(), or over
 * itself) takes them up exactly where it stopped.
 */
static void
test_packed_base(void)
{
	static const struct {
		uint16_t size;  /* Ring size. */
		uint16_t base;  /* Both positions. */
	} c[] = {
		{ 100, VPDRV_POS(37, 0) }, { 100, VPDRV_POS(97, 0) },
		{ 256, VPDRV_POS(254, 0) }, { 256, VPDRV_POS(130, 1) },
	};
	static uint8_t pkt[6][200];
	struct virtq_params p;
	struct rte_mbuf *m[8];
	uint32_t seed = 500;
	struct virtq vq;
	struct vpdrv d;
	uint16_t id[6], a, u;
	unsigned int i;

	for (i = 0; i < RTE_DIM(c); i++)
		laps_both(c[i].size, c[i].base, VFT_F_V1 | VFT_F_INDIRECT, 3);

	if (vpft_start(&vq, &d, 0, 100, VPDRV_POS(97, 0), VFT_F_V1) < 0)
		return;
	for (i = 0; i < 6; i++) {
		vft_fill(pkt[i], 100 + i, 70 + i);
		id[i] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[i], 100 + i, NULL, 0, false);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 4);
	for (i = 0; i < 4; i++) {
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], 100 + i));
		vpft_expect_used(&d, id[i], 0, false, NULL);
	}
	rte_pktmbuf_free_bulk(m, 4);
	virtq_get_base(&vq, &a, &u);
	TAP_EQ(a, VPDRV_POS(1, 1));
	TAP_EQ(u, VPDRV_POS(1, 1));
	TAP_EQ(u, vpdrv_used_pos(&d));
	virtq_fini(&vq);
	vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
	p.last_avail = a;
	p.last_used = u;
	TAP_EQ(vft_init_vq(&vq, &p), 0);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 2);
	for (i = 4; i < 6; i++) {
		TAP_CHECK(vft_mbuf_is(m[i - 4], pkt[i], 100 + i));
		vpft_expect_used(&d, id[i], 0, false, NULL);
	}
	rte_pktmbuf_free_bulk(m, 2);
	vpft_expect_base(&vq, &d);
	TAP_CHECK(tx_laps(&vq, &d, 2, 3, &seed) >= 2);
	/* Over itself, without virtq_fini(). */
	virtq_get_base(&vq, &a, &u);
	vpdrv_params(&d, &p, VFT_F_V1, vft.callfd);
	p.last_avail = a;
	p.last_used = u;
	TAP_EQ(virtq_init(&vq, &p), 0);
	TAP_CHECK(tx_laps(&vq, &d, 2, 3, &seed) >= 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

/* --- the ring's end inside a burst -------------------------------------------- */

/*
 * @p n single-descriptor packets each way from @p base on a ring of
 * @p size, one burst: lines cut by the ring's end go one at a time, the
 * lap flips inside the burst, and everything arrives in order, each used
 * descriptor with the flags of its own lap.
 */
static void
straddle(uint16_t size, uint16_t base, unsigned int n)
{
	static const uint32_t one[] = { 256 };
	static uint8_t pkt[16][200];
	struct rte_mbuf *m[16];
	struct vpdrv_used u;
	uint16_t id[16], pos[16];
	struct virtq vq;
	struct vpdrv d;
	unsigned int i;

	if (vpft_start(&vq, &d, 0, size, base, VFT_F_V1) < 0)
		return;
	for (i = 0; i < n; i++) {
		pos[i] = vpdrv_avail_pos(&d);
		id[i] = vpft_tx_simple(&d, 60 + i, 80 + i);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), n);
	for (i = 0; i < n; i++) {
		vft_fill(pkt[i], 60 + i, 80 + i);
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i], 60 + i));
		vpft_expect_used(&d, id[i], 0, false, &u);
		TAP_EQ(u.pos, pos[i]);
	}
	rte_pktmbuf_free_bulk(m, n);
	TAP_CHECK(vpdrv_avail_pos(&d) >> 15 != base >> 15);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, size, base, VFT_F_V1) < 0)
		return;
	for (i = 0; i < n; i++) {
		pos[i] = vpdrv_avail_pos(&d);
		id[i] = vpdrv_rx(&d, one, 1, false);
		m[i] = vft_pkt_mbuf(pkt[i], 60 + 10 * i, 90 + i);
	}
	TAP_EQ(virtq_enqueue_burst(&vq, m, n), n);
	rte_pktmbuf_free_bulk(m, n);
	for (i = 0; i < n; i++) {
		TAP_EQ(vpdrv_used_pos(&d), pos[i]);
		vpft_expect_rx_pkt(&d, id[i], pkt[i], 60 + 10 * i);
	}
	vpft_expect_base(&vq, &d);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	virtq_fini(&vq);
}

static void
test_packed_straddle(void)
{
	straddle(256, VPDRV_POS(254, 1), 10);
	straddle(102, VPDRV_POS(96, 1), 12);
	straddle(102, VPDRV_POS(100, 0), 9);
	straddle(100, VPDRV_POS(98, 1), 9);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_packed_laps_256);
	TAP_RUN(test_packed_laps_100);
	TAP_RUN(test_packed_laps_tiny);
	TAP_RUN(test_packed_laps_in_order);
	TAP_RUN(test_packed_base);
	TAP_RUN(test_packed_straddle);
	vft_env_fini();
	return tap_done();
}
