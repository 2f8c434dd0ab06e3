/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq against an untrusted guest: every malformed tx and rx chain,
 * an avail index that jumps, mbuf exhaustion, and the error counters
 * naming them.
 */

#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "virtq_fixture.h"

/* --- untrusted guest: malformed tx chains --------------------------------- */

/* A valid buffer with a zero header, for bad chains to point at. */
static uint64_t
hdr_buf(void)
{
	uint64_t gpa = vdrv_alloc(&vft.gm, 128);

	memset(vdrv_gva(&vft.gm, gpa), 0, 128);
	return gpa;
}

/* Builds and publishes one malformed chain; returns the head as published. */
typedef uint16_t (*bad_chain_fn)(struct vdrv *d);

/*
 * Publish the chain @p bad builds, then a good one, and dequeue them in one
 * burst from a ring of @p size entries with @p features: only the good
 * packet comes out, @p err is counted once (nothing else), both chains come
 * back with length 0 in ring order, no mbuf leaks, and the queue keeps
 * flowing.
 */
static void
bad_tx_f(bad_chain_fn bad, uint16_t size, uint64_t features, enum virtq_error err)
{
	unsigned int in_use = rte_mempool_in_use_count(vft.pool);
	struct rte_mbuf *m[8];
	uint8_t pkt[80];
	uint16_t bad_head, good;
	struct virtq vq;
	struct vdrv d;
	uint16_t n;

	if (vft_start(&vq, &d, 0, size, 0, features) < 0)
		return;
	bad_head = bad(&d);
	good = vft_tx_simple(&d, 80, 77);
	vft_fill(pkt, 80, 77);
	n = vft_deq(&vq, vft.pool, m, 8);
	TAP_EQ(n, 1);
	if (n >= 1)
		TAP_CHECK(vft_mbuf_is(m[0], pkt, 80));
	rte_pktmbuf_free_bulk(m, n);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(vft_other_errors(&vq, err), 0);
	TAP_EQ(vq.stats.pkts, 1);
	TAP_EQ(vq.stats.bytes, 80);
	TAP_EQ(vdrv_used_pending(&d), 2);
	vft_expect_used(&d, bad_head, 0);
	vft_expect_used(&d, good, 0);
	TAP_CHECK(!vq.broken);
	TAP_EQ(rte_mempool_in_use_count(vft.pool), in_use);
	/* And in a later burst too. */
	good = vft_tx_simple(&d, 60, 78);
	vft_expect_tx_pkt(&vq, 60, 78);
	vft_expect_used(&d, good, 0);
	TAP_EQ(vq.stats.errors[err], 1);
	virtq_fini(&vq);
}

/* bad_tx_f() with the features most tests negotiate: no tx offloads. */
static void
bad_tx(bad_chain_fn bad, uint16_t size, enum virtq_error err)
{
	bad_tx_f(bad, size, VFT_F_V1 | VFT_F_INDIRECT, err);
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

	d->desc[a] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, d->size };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_bad_next_indirect(struct vdrv *d)
{
	uint64_t tab = vdrv_alloc_table(d->gm, 2);
	struct vring_desc *t = vdrv_gva(d->gm, tab);
	uint16_t a = vdrv_desc_alloc(d);

	t[0] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, 2 };
	t[1] = (struct vring_desc){ hdr_buf(), 64, 0, 0 };
	d->desc[a] = (struct vring_desc){ tab, 32, VRING_DESC_F_INDIRECT, 0 };
	vdrv_publish(d, a);
	return a;
}

static uint16_t
mk_loop(struct vdrv *d)
{
	uint16_t a = vdrv_desc_alloc(d), b = vdrv_desc_alloc(d);

	d->desc[a] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, b };
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

	t[0] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, 1 };
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
		{ hdr_buf(), VFT_HDR12, 0 },
		{ gpa, len, flags },
	};

	return vft_push(d, s, 2);
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
		{ hdr_buf(), VFT_HDR12, 0 },
		{ hdr_buf(), 0, 0 },
		{ hdr_buf(), 50, 0 },
	};

	return vft_push(d, s, 3);
}

static uint16_t
mk_len_short(struct vdrv *d)
{
	struct vdrv_seg s = { hdr_buf(), VFT_HDR12 - 6, 0 };

	return vft_push(d, &s, 1);
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
		{ hdr_buf(), VFT_HDR12, 0 },
		{ VDRV_R3_GPA, VDRV_R3_SIZE, 0 },
		{ VDRV_R3_GPA, VIRTQ_MAX_PKT_LEN + 1 - VDRV_R3_SIZE, 0 },
	};

	return vft_push(d, s, 3);
}

/* A GSO type no virtio-net header has. */
static uint16_t
mk_bad_gso(struct vdrv *d)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr = { .gso_type = 0x42, .gso_size = 100 } };
	uint8_t pkt[100];

	vft_fill(pkt, sizeof(pkt), 8);
	return vdrv_tx(d, &h, VFT_HDR12, pkt, sizeof(pkt), NULL, 0, false);
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
	t[0] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, 1 };
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

	t[0] = (struct vring_desc){ hdr_buf(), VFT_HDR12, VRING_DESC_F_NEXT, 1 };
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

	s[0] = (struct vdrv_seg){ buf, VFT_HDR12, 0 };
	for (i = 1; i <= d->size; i++)
		s[i] = (struct vdrv_seg){ buf + VFT_HDR12 + i, 1, 0 };
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

	s[0] = (struct vdrv_seg){ buf, VFT_HDR12, 0 };
	for (i = 1; i <= VIRTQ_MAX_VEC; i++)
		s[i] = (struct vdrv_seg){ buf + VFT_HDR12 + i * 8, 8, 0 };
	return vft_push(d, s, VIRTQ_MAX_VEC + 1);
}

/* 33 descriptors, but 65 pieces: 32 of them cross R0 -> R1. */
static uint16_t
mk_too_many_pieces(struct vdrv *d)
{
	struct vdrv_seg s[33];
	unsigned int i;

	s[0] = (struct vdrv_seg){ hdr_buf(), VFT_HDR12, 0 };
	for (i = 1; i < 33; i++)
		s[i] = (struct vdrv_seg){ VDRV_R1_GPA - 8, 16, 0 };
	return vft_push(d, s, 33);
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
static void
test_bad_gso(void)
{
	bad_tx_f(mk_bad_gso, 16, VFT_F_V1 | VFT_F_INDIRECT | VFT_F_OFFLOADS, VIRTQ_ERR_BAD_HDR);
}
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
	uint8_t pkt[100];
	uint16_t bad_head, good;
	struct rte_mbuf *m;
	struct virtq vq;
	struct vdrv d;

	if (vft_start(&vq, &d, 1, 16, 0, VFT_F_V1) < 0)
		return;
	bad_head = bad(&d);
	good = vdrv_rx(&d, one, 1, false);
	m = vft_pkt_mbuf(pkt, 100, 55);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	TAP_EQ(vq.stats.errors[err], 1);
	TAP_EQ(vft_other_errors(&vq, err), 0);
	TAP_EQ(vdrv_used_pending(&d), 2);
	vft_expect_used(&d, bad_head, 0);
	vft_expect_rx_pkt(&d, good, pkt, 100);
	TAP_EQ(vq.stats.pkts, 1);
	/* The queue keeps flowing. */
	good = vdrv_rx(&d, one, 1, false);
	TAP_EQ(virtq_enqueue_burst(&vq, &m, 1), 1);
	vft_expect_used(&d, good, VFT_HDR12 + 100);
	rte_pktmbuf_free(m);
	virtq_fini(&vq);
}

static uint16_t
mk_rx_read_only(struct vdrv *d)
{
	struct vdrv_seg s[2] = {
		{ hdr_buf(), VFT_HDR12, VRING_DESC_F_WRITE },
		{ hdr_buf(), 100, 0 },
	};

	return vft_push(d, s, 2);
}

static uint16_t
mk_rx_hole(struct vdrv *d)
{
	struct vdrv_seg s = { VDRV_HOLE_GPA - 10, 200, VRING_DESC_F_WRITE };

	return vft_push(d, &s, 1);
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
	struct rte_mbuf *m[16];
	uint16_t used_idx;
	struct virtq vq;
	struct vdrv d;
	int i;

	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		return;
	/* Exactly a ring's worth ahead is legal. */
	for (i = 0; i < 16; i++)
		vft_tx_simple(&d, 60, i);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 16);
	rte_pktmbuf_free_bulk(m, 16);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 0);
	/* One more than that is not. */
	d.avail->idx = (uint16_t)(d.avail_idx + 17);
	TAP_EQ(vft_deq(&vq, vft.pool, m, 16), 0);
	TAP_EQ(vq.stats.errors[VIRTQ_ERR_AVAIL_JUMP], 1);
	TAP_CHECK(vq.broken);
	used_idx = d.used->idx;
	TAP_EQ(used_idx, 16);

	/* Broken: nothing is read or written, so guest memory can vanish. */
	m[0] = vft_mk_mbuf(vft.pool, (const uint8_t *)"x", 1, 2048);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	mprotect(vft.gm.host, vft.gm.host_len, PROT_NONE);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		n_deq = vft_deq(&vq, vft.pool, m + 1, 15);
		n_enq = virtq_enqueue_burst(&vq, m, 1);
	} else {
		faulted = true;
	}
	mprotect(vft.gm.host, vft.gm.host_len, PROT_READ | PROT_WRITE);
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
	vft_setup(&vq, &d, 0, 16, 0, VFT_F_V1);
	TAP_CHECK(!vq.broken);
	vft_tx_simple(&d, 60, 99);
	vft_expect_tx_pkt(&vq, 60, 99);
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
				       VFT_SMALL_ROOM + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	TAP_CHECK(tiny != NULL);
	if (tiny == NULL)
		return;
	if (vft_start(&vq, &d, 0, 16, 0, VFT_F_V1) < 0)
		goto out;
	TAP_EQ(rte_pktmbuf_alloc_bulk(tiny, held, 8), 0);
	vft_fill(pkt, 60, 1);
	a = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 60, NULL, 0, false);
	vft_fill(pkt, 600, 2);  /* Needs three small mbufs. */
	b = vdrv_tx(&d, &vft_zero_hdr, VFT_HDR12, pkt, 600, NULL, 0, false);

	TAP_EQ(vft_deq(&vq, tiny, m, 4), 0);
	TAP_CHECK(vq.stats.errors[VIRTQ_ERR_MBUF_ALLOC] >= 1);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
	TAP_EQ(vdrv_used_pending(&d), 0);
	TAP_EQ(vq.last_avail, 0);
	TAP_EQ(vft_calls_read(), 0);

	/*
	 * Three mbufs: the first packet takes one; the second gets two of the
	 * three it needs, fails half way, and must give both back.
	 */
	rte_pktmbuf_free_bulk(held, 3);
	TAP_EQ(vft_deq(&vq, tiny, m, 2), 1);
	vft_fill(pkt, 60, 1);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, 60));
	TAP_EQ(rte_mempool_in_use_count(tiny), 5 + 1);
	TAP_EQ(vdrv_used_pending(&d), 1);
	vft_expect_used(&d, a, 0);
	rte_pktmbuf_free(m[0]);

	/* Plenty again: the second packet flows. */
	rte_pktmbuf_free_bulk(held + 3, 5);
	TAP_EQ(vft_deq(&vq, tiny, m, 4), 1);
	vft_fill(pkt, 600, 2);
	TAP_CHECK(vft_mbuf_is(m[0], pkt, 600));
	vft_expect_used(&d, b, 0);
	rte_pktmbuf_free(m[0]);
	TAP_EQ(rte_mempool_in_use_count(tiny), 0);
	TAP_EQ(vq.stats.pkts, 2);
	TAP_EQ(vft_other_errors(&vq, VIRTQ_ERR_MBUF_ALLOC), 0);
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
	TAP_CHECK(strcmp(virtq_error_name(VIRTQ_ERR_GUEST_RING_FULL), "guest_ring_full") == 0);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
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
	vft_env_fini();
	return tap_done();
}
