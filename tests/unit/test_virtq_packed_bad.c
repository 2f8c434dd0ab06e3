/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq packed rings against an untrusted guest: every malformed tx
 * and rx chain, each counted under its own error with the queue flowing on
 * after it, and buffer ids reused in flight. A guest racing the device is
 * test_virtq_packed_race.c's.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_pfixture.h"

/* --- building malformed chains ---------------------------------------------- */

/* A valid buffer with a zero header, for bad chains to point at. */
static uint64_t
hdr_buf(void)
{
	uint64_t gpa = vdrv_alloc(&vft.gm, 128);

	memset(vdrv_gva(&vft.gm, gpa), 0, 128);
	return gpa;
}

/* Make the raw descriptors @p x available as one buffer, each with the
 * avail bits of its own lap added to its flags. Returns the last one's id. */
static uint16_t
put_chain(struct vpdrv *d, struct vpdrv_desc *x, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		x[i].flags |= vpdrv_avail_flags(d, (uint16_t)i);
	vpdrv_put(d, x, n);
	return x[n - 1].id;
}

/* Descriptor @p off after the avail position, for writing it directly. */
static struct vring_packed_desc *
desc_at(struct vpdrv *d, uint16_t off)
{
	return &d->desc[(d->avail_idx + off) % d->size];
}

/*
 * Builds and makes available one malformed chain. Returns the buffer id its
 * used descriptor must carry and sets @p ndesc to the ring descriptors the
 * device must walk (and give back) for it; the driver tracks exactly those.
 */
typedef uint16_t (*pbad_fn)(struct vpdrv *d, uint16_t *ndesc);

/*
 * Make the chain @p bad builds available on a tx ring of @p size from
 * @p base with @p features and then a good one, and dequeue them in one
 * burst (with @p alone, the good one only after a burst that took the bad
 * one by itself: it could not have been made available before). Only the
 * good packet comes out, @p err is counted once and nothing else is, the
 * bad chain's used descriptor (its id, length 0) is where it started and
 * gives back what it walked, the good one's follows, no mbuf leaks, and the
 * queue flows on in a later burst.
 */
static void
pbad_tx_f(pbad_fn bad, uint16_t size, uint16_t base, uint64_t features, bool alone,
	  enum virtq_error err)
{
	unsigned int in_use = rte_mempool_in_use_count(vft.pool);
	uint16_t bad_id, bad_pos, good = 0, nd = 0, n;
	struct rte_mbuf *m[8];
	struct vpdrv_used u;
	uint8_t pkt[80];
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 0, size, base, features) < 0)
		return;
	bad_pos = vpdrv_avail_pos(&d);
	bad_id = bad(&d, &nd);
	if (!alone)
		good = vpft_tx_simple(&d, 80, 77);
	n = vft_deq(&vq, vft.pool, m, 8);
	if (alone) {
		TAP_EQ(n, 0);
		TAP_EQ(vpdrv_used_pending(&d), 1);
		vpft_expect_used(&d, bad_id, 0, false, &u);
		TAP_EQ(u.pos, bad_pos);
		TAP_EQ(u.ndesc, nd);
		good = vpft_tx_simple(&d, 80, 77);
		n = vft_deq(&vq, vft.pool, m, 8);
	}
	vft_fill(pkt, 80, 77);
	TAP_EQ(n, 1);
	if (n >= 1)
		TAP_CHECK(vft_mbuf_is(m[0], pkt, 80));
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(vft_other_errors(&vq, err), 0);
	TAP_EQ(vq.stats.pkts, 1);
	TAP_EQ(vq.stats.bytes, 80);
	if (!alone) {
		TAP_EQ(vpdrv_used_pending(&d), 2);
		vpft_expect_used(&d, bad_id, 0, false, &u);
		TAP_EQ(u.pos, bad_pos);
		TAP_EQ(u.ndesc, nd);
	}
	vpft_expect_used(&d, good, 0, false, NULL);
	TAP_CHECK(!vq.broken);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), in_use);
	good = vpft_tx_simple(&d, 60, 78);
	vft_expect_tx_pkt(&vq, 60, 78);
	vpft_expect_used(&d, good, 0, false, NULL);
	vpft_expect_base(&vq, &d);
	TAP_EQ(vq.stats.errors[err], 1);
	virtq_fini(&vq);
}

/* pbad_tx_f() on a fresh ring of 16 with the features most cases take. */
static void
pbad_tx(pbad_fn bad, enum virtq_error err)
{
	pbad_tx_f(bad, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT, false, err);
}

/* --- buffer ids -------------------------------------------------------------- */

static uint16_t
mk_bad_id(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12 + 50, (uint16_t)(d->size + 5), 0 };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_bad_id_max(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12 + 50, UINT16_MAX, 0 };

	*nd = 1;
	return put_chain(d, &x, 1);
}

/* The id that counts is the last descriptor's: the first one's is fine. */
static uint16_t
mk_bad_id_last(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[2] = {
		{ hdr_buf(), VFT_HDR12, 3, VRING_DESC_F_NEXT },
		{ hdr_buf(), 50, d->size, 0 },
	};

	*nd = 2;
	return put_chain(d, x, 2);
}

static void test_pbad_id(void) { pbad_tx(mk_bad_id, VIRTQ_ERR_BAD_ID); }
static void test_pbad_id_max(void) { pbad_tx(mk_bad_id_max, VIRTQ_ERR_BAD_ID); }
static void test_pbad_id_last(void) { pbad_tx(mk_bad_id_last, VIRTQ_ERR_BAD_ID); }

/* A line of four single descriptors, the second with an id out of the
 * ring: no batch, that one refused, the three others through. */
static void
test_pbad_id_in_line(void)
{
	static uint8_t pkt[4][100];
	struct rte_mbuf *m[8];
	struct vpdrv_desc x;
	struct virtq vq;
	struct vpdrv d;
	uint16_t id[4], i;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	for (i = 0; i < 4; i++) {
		vft_fill(pkt[i], 100, 10 + i);
		if (i != 1) {
			id[i] = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt[i], 100, NULL, 0,
					 false);
			continue;
		}
		x = (struct vpdrv_desc){ hdr_buf(), VFT_HDR12 + 100, 40, 0 };
		id[i] = put_chain(&d, &x, 1);
	}
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 3);
	TAP_CHECK(vft_mbuf_is(m[0], pkt[0], 100));
	TAP_CHECK(vft_mbuf_is(m[1], pkt[2], 100));
	TAP_CHECK(vft_mbuf_is(m[2], pkt[3], 100));
	rte_pktmbuf_free_bulk(m, 3);
	for (i = 0; i < 4; i++)
		vpft_expect_used(&d, id[i], 0, false, NULL);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_BAD_ID], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_BAD_ID), 0);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

/*
 * A buffer id made available twice in one burst: the second chain is
 * refused (head_in_flight) and given back, in a line of four that then
 * goes one at a time, at its start or in its middle; both used descriptors
 * carry the id. Rx the same. A later burst takes the id again.
 */
static void
test_pbad_head_in_flight(void)
{
	static const uint32_t one[] = { 256 };
	static const uint16_t ids[] = { 5, 5, 0, 1, 9, 10, 9, 11 };
	static uint8_t pkt[RTE_DIM(ids)][100];
	struct rte_mbuf *m[8];
	struct vdrv_seg s;
	struct virtq vq;
	struct vpdrv d;
	uint16_t i, n;

	if (vpft_start(&vq, &d, 0, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	for (i = 0; i < RTE_DIM(ids); i++) {
		vft_fill(pkt[i], 100, 20 + i);
		s.gpa = vdrv_alloc(&vft.gm, VFT_HDR12 + 100);
		s.len = VFT_HDR12 + 100;
		s.flags = 0;
		memset(vdrv_gva(&vft.gm, s.gpa), 0, VFT_HDR12);
		memcpy((uint8_t *)vdrv_gva(&vft.gm, s.gpa) + VFT_HDR12, pkt[i], 100);
		vpdrv_add_id(&d, &s, 1, ids[i]);
	}
	n = vft_deq(&vq, vft.pool, m, 8);
	TAP_EQ(n, 6);
	for (i = 0; i < 6 && i < n; i++)
		TAP_CHECK(vft_mbuf_is(m[i], pkt[i < 1 ? 0 : i < 5 ? i + 1 : 7], 100));
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_HEAD_IN_FLIGHT), 0);
	for (i = 0; i < RTE_DIM(ids); i++)
		vpft_expect_used(&d, ids[i], 0, false, NULL);
	vpft_expect_base(&vq, &d);
	/* Back, so free to be taken again (the last packet's buffer). */
	vpdrv_add_id(&d, &s, 1, 5);
	vft_expect_tx_pkt(&vq, 100, 20 + RTE_DIM(ids) - 1);
	vpft_expect_used(&d, 5, 0, false, NULL);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 2);
	virtq_fini(&vq);

	if (vpft_setup(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1) < 0)
		return;
	s = (struct vdrv_seg){ vdrv_alloc(&vft.gm, 256), 256, VRING_DESC_F_WRITE };
	vpdrv_add_id(&d, &s, 1, 5);
	s.gpa = vdrv_alloc(&vft.gm, 256);
	vpdrv_add_id(&d, &s, 1, 5);
	TAP_EQ(vpdrv_rx(&d, one, 1, false), 0);
	for (i = 0; i < 2; i++)
		m[i] = vft_pkt_mbuf(pkt[i], 100, 30 + i);
	TAP_EQ(virtq_enqueue_burst(&vq, m, 2), 2);
	rte_pktmbuf_free_bulk(m, 2);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_HEAD_IN_FLIGHT), 0);
	vpft_expect_rx_pkt(&d, 5, pkt[0], 100);
	vpft_expect_used(&d, 5, 0, true, NULL);
	vpft_expect_rx_pkt(&d, 0, pkt[1], 100);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

/* --- chains that do not end, or end early -------------------------------------- */

/* A ring's worth of descriptors, every one saying NEXT (from the middle of
 * the ring, so across its end). */
static uint16_t
mk_too_long(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[VDRV_MAX_SIZE];
	uint64_t buf = hdr_buf();
	uint16_t i;

	for (i = 0; i < d->size; i++)
		x[i] = (struct vpdrv_desc){ buf, i == 0 ? VFT_HDR12 : 16, 2, VRING_DESC_F_NEXT };
	*nd = d->size;
	return put_chain(d, x, d->size);
}

/* NEXT on the last descriptor made available: the next one is what the
 * last lap left. */
static uint16_t
mk_never_ending(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[2] = {
		{ hdr_buf(), VFT_HDR12, 4, VRING_DESC_F_NEXT },
		{ hdr_buf(), 50, 4, VRING_DESC_F_NEXT },
	};

	*nd = 2;
	return put_chain(d, x, 2);
}

/* Two descriptors, the second with the other lap's avail bits: the
 * device can take only the first. */
static uint16_t
mk_flip_last(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12, 6, VRING_DESC_F_NEXT };
	struct vring_packed_desc *p = desc_at(d, 1);

	p->addr = hdr_buf();
	p->len = 50;
	p->id = 6;
	p->flags = (uint16_t)(vpdrv_avail_flags(d, 1) ^ (VPDRV_F_AVAIL | VPDRV_F_USED));
	*nd = 1;
	return put_chain(d, &x, 1);
}

/* A chain across the ring's end whose descriptor after it keeps the old
 * lap's avail bits (a driver that did not flip its wrap counter). */
static uint16_t
mk_flip_end(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12, 7, VRING_DESC_F_NEXT };
	struct vring_packed_desc *p = desc_at(d, 1);

	p->addr = hdr_buf();
	p->len = 50;
	p->id = 7;
	p->flags = vpdrv_avail_flags(d, 0);
	*nd = 1;
	return put_chain(d, &x, 1);
}

static void
test_pbad_too_long(void)
{
	pbad_tx_f(mk_too_long, 16, VPDRV_POS(5, 1), VFT_F_V1, true, VIRTQ_ERR_LOOP);
}

static void
test_pbad_never_ending(void)
{
	pbad_tx_f(mk_never_ending, 16, VPFT_FRESH, VFT_F_V1, true, VIRTQ_ERR_AVAIL_FLIP);
}

static void
test_pbad_flip_last(void)
{
	pbad_tx_f(mk_flip_last, 16, VPDRV_POS(3, 0), VFT_F_V1, true, VIRTQ_ERR_AVAIL_FLIP);
}

/*
 * Three descriptors of which the middle one carries the other lap's avail
 * bits: the device takes the first alone (avail_flag_flip, given back as
 * one descriptor) and waits at the second, which is not available to it;
 * nothing after it is read. A driver that writes its next chain from there
 * on (over the two) is taken up exactly there.
 */
static void
test_pbad_flip_mid(void)
{
	static const uint32_t cuts[] = { VFT_HDR12 };
	struct vpdrv_desc x[3];
	struct rte_mbuf *m[8];
	struct vpdrv_used u;
	uint8_t pkt[80];
	struct virtq vq;
	struct vpdrv d;
	uint16_t good;

	if (vpft_start(&vq, &d, 0, 16, VPDRV_POS(14, 0), VFT_F_V1) < 0)
		return;
	x[0] = (struct vpdrv_desc){ hdr_buf(), VFT_HDR12, 6, VRING_DESC_F_NEXT };
	x[1] = (struct vpdrv_desc){ hdr_buf(), 50, 6, VRING_DESC_F_NEXT };
	x[2] = (struct vpdrv_desc){ hdr_buf(), 50, 6, 0 };
	x[0].flags |= vpdrv_avail_flags(&d, 0);
	x[1].flags |= vpdrv_avail_flags(&d, 1) ^ (VPDRV_F_AVAIL | VPDRV_F_USED);
	x[2].flags |= vpdrv_avail_flags(&d, 2);
	vpdrv_put(&d, x, 3);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_FLIP], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_AVAIL_FLIP), 0);
	TAP_EQ(vq.last_avail, 15);
	/* Its used descriptor: where it started, one descriptor long. */
	vpft_expect_used_raw(&d, 6, 0, false, 1);
	TAP_EQ(vpdrv_used_pos(&d), VPDRV_POS(15, 0));
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_FLIP], 1);
	/* The driver writes its next chain from the flipped one on. */
	vpdrv_forget(&d);
	d.avail_idx = 15;
	d.avail_wrap = false;
	vft_fill(pkt, sizeof(pkt), 79);
	good = vpdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, sizeof(pkt), cuts, 1, false);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 8), 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, sizeof(pkt)));
	rte_pktmbuf_free(m[0]);
	vpft_expect_used(&d, good, 0, false, &u);
	TAP_EQ(u.pos, VPDRV_POS(15, 0));
	TAP_EQ(u.ndesc, 2);
	good = vpft_tx_simple(&d, 60, 78);
	vft_expect_tx_pkt(&vq, 60, 78);
	vpft_expect_used(&d, good, 0, false, NULL);
	vpft_expect_base(&vq, &d);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_AVAIL_FLIP), 0);
	virtq_fini(&vq);
}

static void
test_pbad_flip_end(void)
{
	pbad_tx_f(mk_flip_end, 16, VPDRV_POS(15, 1), VFT_F_V1, true, VIRTQ_ERR_AVAIL_FLIP);
}

/*
 * Descriptors whose flags say used in the device's lap (AVAIL and USED both
 * equal to its wrap counter) are not available: at the head nothing is
 * taken and nothing counted; inside a chain the chain is cut there
 * (avail_flag_flip). Made available properly, the chains flow.
 */
static void
test_pbad_used_flags(void)
{
	struct vpdrv_desc x[2];
	struct rte_mbuf *m[4];
	struct virtq vq;
	struct vpdrv d;
	uint16_t avail_bits, id;

	if (vpft_start(&vq, &d, 0, 16, VPDRV_POS(6, 0), VFT_F_V1) < 0)
		return;
	avail_bits = vpdrv_avail_flags(&d, 0);
	id = vpft_tx_simple(&d, 60, 1);
	d.desc[6].flags = avail_bits & VPDRV_F_AVAIL ? VPDRV_F_AVAIL | VPDRV_F_USED : 0;
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vq.last_avail, 6);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MAX), 0);
	__atomic_store_n(&d.desc[6].flags, avail_bits, __ATOMIC_RELEASE);
	vft_expect_tx_pkt(&vq, 60, 1);
	vpft_expect_used(&d, id, 0, false, NULL);
	/* Inside a chain: cut there; the driver then writes from there on. */
	x[0] = (struct vpdrv_desc){ hdr_buf(), VFT_HDR12, 2,
		(uint16_t)(VRING_DESC_F_NEXT | vpdrv_avail_flags(&d, 0)) };
	x[1] = (struct vpdrv_desc){ hdr_buf(), 50, 2,
		(uint16_t)(vpdrv_avail_flags(&d, 1) & VPDRV_F_AVAIL ?
			   VPDRV_F_AVAIL | VPDRV_F_USED : 0) };
	vpdrv_put(&d, x, 2);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 4), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_FLIP], 1);
	TAP_EQ(vq.last_avail, 8);
	vpft_expect_used_raw(&d, 2, 0, false, 1);
	vpdrv_forget(&d);
	d.avail_idx = 8;
	id = vpft_tx_simple(&d, 70, 2);
	vft_expect_tx_pkt(&vq, 70, 2);
	vpft_expect_used(&d, id, 0, false, NULL);
	vpft_expect_base(&vq, &d);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_AVAIL_FLIP), 0);
	virtq_fini(&vq);
}

/* --- indirect tables ------------------------------------------------------------ */

static uint16_t
mk_nested(struct vpdrv *d, uint16_t *nd)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2), inner = vdrv_alloc_table(d->gm, 1);
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab), *in = vdrv_gva(d->gm, inner);
	struct vpdrv_desc x = { tab, 32, 8, VRING_DESC_F_INDIRECT };

	in[0] = (struct vring_packed_desc){ hdr_buf(), 64, 0, 0 };
	t[0] = (struct vring_packed_desc){ hdr_buf(), VFT_HDR12, 0, 0 };
	t[1] = (struct vring_packed_desc){ inner, 16, 0, VRING_DESC_F_INDIRECT };
	*nd = 1;
	return put_chain(d, &x, 1);
}

/* A well-formed two-entry table (header, 64 bytes) behind a ring
 * descriptor of @p len bytes at @p tab_off past the table's start, with
 * @p flags; with NEXT, a second ring descriptor follows. */
static uint16_t
mk_indirect(struct vpdrv *d, uint16_t *nd, uint32_t len, uint64_t tab_off, uint16_t flags)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 3);
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab);
	struct vpdrv_desc x[2] = {
		{ tab + tab_off, len, 9, (uint16_t)(VRING_DESC_F_INDIRECT | flags) },
		{ hdr_buf(), 64, 9, 0 },
	};

	t[0] = (struct vring_packed_desc){ hdr_buf(), VFT_HDR12, 0, 0 };
	t[1] = (struct vring_packed_desc){ hdr_buf(), 64, 0, 0 };
	*nd = flags & VRING_DESC_F_NEXT ? 2 : 1;
	return put_chain(d, x, *nd);
}

static uint16_t
mk_ind_len0(struct vpdrv *d, uint16_t *nd)
{
	return mk_indirect(d, nd, 0, 0, 0);
}

static uint16_t
mk_ind_len_odd(struct vpdrv *d, uint16_t *nd)
{
	return mk_indirect(d, nd, 24, 0, 0);
}

static uint16_t
mk_ind_misaligned(struct vpdrv *d, uint16_t *nd)
{
	return mk_indirect(d, nd, 32, 4, 0);
}

static uint16_t
mk_ind_next(struct vpdrv *d, uint16_t *nd)
{
	return mk_indirect(d, nd, 32, 0, VRING_DESC_F_NEXT);
}

/* Well-formed: refused only when indirect descriptors are not negotiated. */
static uint16_t
mk_ind_plain(struct vpdrv *d, uint16_t *nd)
{
	return mk_indirect(d, nd, 32, 0, 0);
}

/* Ring size + 1 well-formed entries. */
static uint16_t
mk_ind_too_big(struct vpdrv *d, uint16_t *nd)
{
	uint64_t tab = vdrv_alloc_table(d->gm, d->size + 1u), buf = hdr_buf();
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab);
	struct vpdrv_desc x = { tab, (d->size + 1u) * 16, 10, VRING_DESC_F_INDIRECT };
	uint16_t i;

	t[0] = (struct vring_packed_desc){ buf, VFT_HDR12, 0, 0 };
	for (i = 1; i <= d->size; i++)
		t[i] = (struct vring_packed_desc){ buf + VFT_HDR12 + i, 1, 0, 0 };
	*nd = 1;
	return put_chain(d, &x, 1);
}

/* A table over the end of R0 into R1: not one host piece. */
static uint16_t
mk_ind_cross(struct vpdrv *d, uint16_t *nd)
{
	struct vring_packed_desc *t = vdrv_gva(d->gm, VDRV_R1_GPA - 16);
	struct vpdrv_desc x = { VDRV_R1_GPA - 16, 32, 11, VRING_DESC_F_INDIRECT };

	t[0] = (struct vring_packed_desc){ hdr_buf(), VFT_HDR12, 0, 0 };
	t[1] = (struct vring_packed_desc){ hdr_buf(), 64, 0, 0 };
	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_ind_hole(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { VDRV_HOLE_GPA + 0x100, 32, 12, VRING_DESC_F_INDIRECT };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static void test_pbad_nested_indirect(void) { pbad_tx(mk_nested, VIRTQ_ERR_NESTED_INDIRECT); }
static void test_pbad_indirect_len0(void) { pbad_tx(mk_ind_len0, VIRTQ_ERR_BAD_INDIRECT); }
static void test_pbad_indirect_len_odd(void) { pbad_tx(mk_ind_len_odd, VIRTQ_ERR_BAD_INDIRECT); }
static void test_pbad_indirect_too_big(void) { pbad_tx(mk_ind_too_big, VIRTQ_ERR_BAD_INDIRECT); }
static void test_pbad_indirect_next(void) { pbad_tx(mk_ind_next, VIRTQ_ERR_BAD_INDIRECT); }
static void
test_pbad_indirect_misaligned(void)
{
	pbad_tx(mk_ind_misaligned, VIRTQ_ERR_BAD_INDIRECT);
}
static void test_pbad_indirect_cross(void) { pbad_tx(mk_ind_cross, VIRTQ_ERR_BAD_INDIRECT); }
static void test_pbad_indirect_hole(void) { pbad_tx(mk_ind_hole, VIRTQ_ERR_BAD_ADDR); }

static void
test_pbad_indirect_off(void)
{
	pbad_tx_f(mk_ind_plain, 16, VPFT_FRESH, VFT_F_V1, false, VIRTQ_ERR_BAD_INDIRECT);
}

/* --- direction, addresses, lengths ----------------------------------------------- */

/* Header fine, then a buffer at @p gpa of @p len bytes with @p flags. */
static uint16_t
mk_data_at(struct vpdrv *d, uint16_t *nd, uint64_t gpa, uint32_t len, uint16_t flags)
{
	struct vpdrv_desc x[2] = {
		{ hdr_buf(), VFT_HDR12, 13, VRING_DESC_F_NEXT },
		{ gpa, len, 13, flags },
	};

	*nd = 2;
	return put_chain(d, x, 2);
}

/* Header fine, then a table entry at @p gpa of @p len bytes with @p flags. */
static uint16_t
mk_entry_at(struct vpdrv *d, uint16_t *nd, uint64_t gpa, uint32_t len, uint16_t flags)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2);
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab);
	struct vpdrv_desc x = { tab, 32, 14, VRING_DESC_F_INDIRECT };

	t[0] = (struct vring_packed_desc){ hdr_buf(), VFT_HDR12, 0, 0 };
	t[1] = (struct vring_packed_desc){ gpa, len, 0, flags };
	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_dir_tx(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, hdr_buf(), 50, VRING_DESC_F_WRITE);
}

static uint16_t
mk_dir_tx_entry(struct vpdrv *d, uint16_t *nd)
{
	return mk_entry_at(d, nd, hdr_buf(), 50, VRING_DESC_F_WRITE);
}

/* One descriptor, device-writable, where a line of four could start. */
static uint16_t
mk_dir_tx_single(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12 + 50, 15, VRING_DESC_F_WRITE };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_addr_hole(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, VDRV_HOLE_GPA + 0x2000, 100, 0);
}

static uint16_t
mk_addr_into_hole(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, VDRV_HOLE_GPA - 10, 100, 0);
}

static uint16_t
mk_addr_past_end(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, VDRV_GPA_END - 10, 100, 0);
}

static uint16_t
mk_addr_wrap(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, UINT64_MAX - 7, 64, 0);
}

static uint16_t
mk_addr_entry(struct vpdrv *d, uint16_t *nd)
{
	return mk_entry_at(d, nd, VDRV_HOLE_GPA - 10, 100, 0);
}

/* Past 4 GiB in all: refused before any of it is translated. */
static uint16_t
mk_len_overflow(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, hdr_buf(), 0xfffffff8u, 0);
}

static uint16_t
mk_len_zero(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[3] = {
		{ hdr_buf(), VFT_HDR12, 3, VRING_DESC_F_NEXT },
		{ hdr_buf(), 0, 3, VRING_DESC_F_NEXT },
		{ hdr_buf(), 50, 3, 0 },
	};

	*nd = 3;
	return put_chain(d, x, 3);
}

static uint16_t
mk_len_zero_entry(struct vpdrv *d, uint16_t *nd)
{
	return mk_entry_at(d, nd, hdr_buf(), 0, 0);
}

/* Shorter than the header, or the header and nothing else. */
static uint16_t
mk_len_short(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12 - 6, 11, 0 };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_len_hdr_only(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), VFT_HDR12, 12, 0 };

	*nd = 1;
	return put_chain(d, &x, 1);
}

/* One byte over VIRTQ_MAX_PKT_LEN: all of R3, then 19 more bytes. */
static uint16_t
mk_len_too_long(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[3] = {
		{ hdr_buf(), VFT_HDR12, 13, VRING_DESC_F_NEXT },
		{ VDRV_R3_GPA, VDRV_R3_SIZE, 13, VRING_DESC_F_NEXT },
		{ VDRV_R3_GPA, VIRTQ_MAX_PKT_LEN + 1 - VDRV_R3_SIZE, 13, 0 },
	};

	*nd = 3;
	return put_chain(d, x, 3);
}

/* VIRTQ_MAX_VEC + 1 descriptors (the case runs with a ring of 256). */
static uint16_t
mk_too_many(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[VIRTQ_MAX_VEC + 1];
	uint64_t buf = vdrv_alloc(d->gm, 1024);
	unsigned int i;

	x[0] = (struct vpdrv_desc){ buf, VFT_HDR12, 20, VRING_DESC_F_NEXT };
	for (i = 1; i <= VIRTQ_MAX_VEC; i++)
		x[i] = (struct vpdrv_desc){ buf + VFT_HDR12 + i * 8, 8, 20,
			i < VIRTQ_MAX_VEC ? VRING_DESC_F_NEXT : 0 };
	*nd = VIRTQ_MAX_VEC + 1;
	return put_chain(d, x, VIRTQ_MAX_VEC + 1);
}

/* A GSO type no virtio-net header has. */
static uint16_t
mk_bad_gso(struct vpdrv *d, uint16_t *nd)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr = { .gso_type = 0x42, .gso_size = 100 } };
	uint8_t pkt[100];

	vft_fill(pkt, sizeof(pkt), 8);
	*nd = 1;
	return vpdrv_tx(d, &h, VFT_HDR12, pkt, sizeof(pkt), NULL, 0, false);
}

static void test_pbad_dir_tx(void) { pbad_tx(mk_dir_tx, VIRTQ_ERR_WRONG_DIR); }
static void test_pbad_dir_tx_entry(void) { pbad_tx(mk_dir_tx_entry, VIRTQ_ERR_WRONG_DIR); }
static void test_pbad_dir_tx_single(void) { pbad_tx(mk_dir_tx_single, VIRTQ_ERR_WRONG_DIR); }
static void test_pbad_addr_hole(void) { pbad_tx(mk_addr_hole, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_addr_into_hole(void) { pbad_tx(mk_addr_into_hole, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_addr_past_end(void) { pbad_tx(mk_addr_past_end, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_addr_wrap(void) { pbad_tx(mk_addr_wrap, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_addr_entry(void) { pbad_tx(mk_addr_entry, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_len_overflow(void) { pbad_tx(mk_len_overflow, VIRTQ_ERR_BAD_LEN); }
static void test_pbad_len_zero(void) { pbad_tx(mk_len_zero, VIRTQ_ERR_BAD_LEN); }
static void
test_pbad_len_zero_entry(void)
{
	pbad_tx(mk_len_zero_entry, VIRTQ_ERR_BAD_LEN);
}
static void test_pbad_len_short(void) { pbad_tx(mk_len_short, VIRTQ_ERR_BAD_LEN); }
static void test_pbad_len_hdr_only(void) { pbad_tx(mk_len_hdr_only, VIRTQ_ERR_BAD_LEN); }
static void test_pbad_len_too_long(void) { pbad_tx(mk_len_too_long, VIRTQ_ERR_BAD_LEN); }

static void
test_pbad_too_many(void)
{
	pbad_tx_f(mk_too_many, 256, VPFT_FRESH, VFT_F_V1, false, VIRTQ_ERR_TOO_MANY_BUFS);
}

static void
test_pbad_gso(void)
{
	pbad_tx_f(mk_bad_gso, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_OFFLOADS, false,
		  VIRTQ_ERR_BAD_HDR);
}

/* --- malformed rx chains ------------------------------------------------------------ */

/*
 * Make the chain @p bad builds available on an rx ring, then a good one,
 * and enqueue one packet: the bad chain comes back with length 0 (and
 * WRITE, as every rx used descriptor), the packet lands in the good one,
 * @p err is counted once and nothing else is; then the queue flows on.
 */
static void
pbad_rx(pbad_fn bad, enum virtq_error err)
{
	static const uint32_t one[] = { 512 };
	uint16_t bad_id, bad_pos, good, nd = 0;
	struct rte_mbuf *m;
	struct vpdrv_used u;
	uint8_t pkt[100];
	struct virtq vq;
	struct vpdrv d;

	if (vpft_start(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_INDIRECT) < 0)
		return;
	bad_pos = vpdrv_avail_pos(&d);
	bad_id = bad(&d, &nd);
	good = vpdrv_rx(&d, one, 1, false);
	m = vft_pkt_mbuf(pkt, 100, 55);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(vft_other_errors(&vq, err), 0);
	TAP_EQ(vpdrv_used_pending(&d), 2);
	vpft_expect_used(&d, bad_id, 0, true, &u);
	TAP_EQ(u.pos, bad_pos);
	TAP_EQ(u.ndesc, nd);
	vpft_expect_rx_pkt(&d, good, pkt, 100);
	TAP_EQ(vq.stats.pkts, 1);
	good = vpdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	vpft_expect_rx_pkt(&d, good, pkt, 100);
	rte_pktmbuf_free(m);
	vpft_expect_base(&vq, &d);
	virtq_fini(&vq);
}

static uint16_t
mk_rx_read_only(struct vpdrv *d, uint16_t *nd)
{
	return mk_data_at(d, nd, hdr_buf(), 100, 0);
}

/* mk_data_at()'s first descriptor is read-only: make both writable but
 * the second, which is. */
static uint16_t
mk_rx_read_only_2nd(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[2] = {
		{ hdr_buf(), VFT_HDR12, 10, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE },
		{ hdr_buf(), 100, 10, 0 },
	};

	*nd = 2;
	return put_chain(d, x, 2);
}

static uint16_t
mk_rx_hole(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { VDRV_HOLE_GPA - 10, 200, 9, VRING_DESC_F_WRITE };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_rx_bad_id(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x = { hdr_buf(), 128, 300, VRING_DESC_F_WRITE };

	*nd = 1;
	return put_chain(d, &x, 1);
}

static uint16_t
mk_rx_short(struct vpdrv *d, uint16_t *nd)
{
	struct vpdrv_desc x[2] = {
		{ hdr_buf(), 4, 14, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE },
		{ hdr_buf(), 0, 14, VRING_DESC_F_WRITE },
	};

	*nd = 2;
	return put_chain(d, x, 2);
}

static uint16_t
mk_rx_nested(struct vpdrv *d, uint16_t *nd)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2), inner = vdrv_alloc_table(d->gm, 1);
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab), *in = vdrv_gva(d->gm, inner);
	struct vpdrv_desc x = { tab, 32, 8, VRING_DESC_F_INDIRECT };

	in[0] = (struct vring_packed_desc){ hdr_buf(), 64, 0, VRING_DESC_F_WRITE };
	t[0] = (struct vring_packed_desc){ hdr_buf(), 128, 0, VRING_DESC_F_WRITE };
	t[1] = (struct vring_packed_desc){ inner, 16, 0, VRING_DESC_F_INDIRECT };
	*nd = 1;
	return put_chain(d, &x, 1);
}

static void test_pbad_dir_rx(void) { pbad_rx(mk_rx_read_only, VIRTQ_ERR_WRONG_DIR); }
static void test_pbad_dir_rx_2nd(void) { pbad_rx(mk_rx_read_only_2nd, VIRTQ_ERR_WRONG_DIR); }
static void test_pbad_addr_rx(void) { pbad_rx(mk_rx_hole, VIRTQ_ERR_BAD_ADDR); }
static void test_pbad_id_rx(void) { pbad_rx(mk_rx_bad_id, VIRTQ_ERR_BAD_ID); }
static void test_pbad_len_rx(void) { pbad_rx(mk_rx_short, VIRTQ_ERR_BAD_LEN); }
static void test_pbad_nested_rx(void) { pbad_rx(mk_rx_nested, VIRTQ_ERR_NESTED_INDIRECT); }
static void test_pbad_indirect_rx(void) { pbad_rx(mk_ind_len_odd, VIRTQ_ERR_BAD_INDIRECT); }

/*
 * Mergeable rx buffers, a bad chain after the first buffer of a packet:
 * that buffer goes back with length 0 along with the bad one, and the packet
 * starts over in the next chain.
 */
static void
test_pbad_mrg_restart(void)
{
	static const uint32_t big[] = { 2000 };
	struct vdrv_seg s;
	struct vpdrv_used u;
	struct rte_mbuf *m;
	uint8_t pkt[150];
	struct virtq vq;
	struct vpdrv d;
	uint16_t good;

	if (vpft_start(&vq, &d, 1, 16, VPFT_FRESH, VFT_F_V1 | VFT_F_MRG) < 0)
		return;
	s = (struct vdrv_seg){ vdrv_alloc(&vft.gm, 100), 100, VRING_DESC_F_WRITE };
	vpdrv_add_id(&d, &s, 1, 3);
	s.gpa = vdrv_alloc(&vft.gm, 100);
	vpdrv_add_id(&d, &s, 1, 3);
	good = vpdrv_rx(&d, big, 1, false);
	m = vft_pkt_mbuf(pkt, sizeof(pkt), 56);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	rte_pktmbuf_free(m);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_HEAD_IN_FLIGHT], 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_HEAD_IN_FLIGHT), 0);
	vpft_expect_used(&d, 3, 0, true, &u);
	vpft_expect_used(&d, 3, 0, true, &u);
	vpft_expect_rx_pkt(&d, good, pkt, sizeof(pkt));
	TAP_EQ(vq.stats.pkts, 1);
	virtq_fini(&vq);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_pbad_id);
	TAP_RUN(test_pbad_id_max);
	TAP_RUN(test_pbad_id_last);
	TAP_RUN(test_pbad_id_in_line);
	TAP_RUN(test_pbad_head_in_flight);
	TAP_RUN(test_pbad_too_long);
	TAP_RUN(test_pbad_never_ending);
	TAP_RUN(test_pbad_flip_last);
	TAP_RUN(test_pbad_flip_mid);
	TAP_RUN(test_pbad_flip_end);
	TAP_RUN(test_pbad_used_flags);
	TAP_RUN(test_pbad_nested_indirect);
	TAP_RUN(test_pbad_indirect_len0);
	TAP_RUN(test_pbad_indirect_len_odd);
	TAP_RUN(test_pbad_indirect_too_big);
	TAP_RUN(test_pbad_indirect_next);
	TAP_RUN(test_pbad_indirect_misaligned);
	TAP_RUN(test_pbad_indirect_cross);
	TAP_RUN(test_pbad_indirect_hole);
	TAP_RUN(test_pbad_indirect_off);
	TAP_RUN(test_pbad_dir_tx);
	TAP_RUN(test_pbad_dir_tx_entry);
	TAP_RUN(test_pbad_dir_tx_single);
	TAP_RUN(test_pbad_addr_hole);
	TAP_RUN(test_pbad_addr_into_hole);
	TAP_RUN(test_pbad_addr_past_end);
	TAP_RUN(test_pbad_addr_wrap);
	TAP_RUN(test_pbad_addr_entry);
	TAP_RUN(test_pbad_len_overflow);
	TAP_RUN(test_pbad_len_zero);
	TAP_RUN(test_pbad_len_zero_entry);
	TAP_RUN(test_pbad_len_short);
	TAP_RUN(test_pbad_len_hdr_only);
	TAP_RUN(test_pbad_len_too_long);
	TAP_RUN(test_pbad_too_many);
	TAP_RUN(test_pbad_gso);
	TAP_RUN(test_pbad_dir_rx);
	TAP_RUN(test_pbad_dir_rx_2nd);
	TAP_RUN(test_pbad_addr_rx);
	TAP_RUN(test_pbad_id_rx);
	TAP_RUN(test_pbad_len_rx);
	TAP_RUN(test_pbad_nested_rx);
	TAP_RUN(test_pbad_indirect_rx);
	TAP_RUN(test_pbad_mrg_restart);
	vft_env_fini();
	return tap_done();
}
