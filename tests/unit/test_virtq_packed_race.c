/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * lib/virtq packed rings against a guest that races the device: one that
 * makes descriptors available again behind the device in the middle of a
 * burst, before their used descriptors are written. Deterministic: the
 * guest acts from inside the burst's own mbuf allocations.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "virtq_pfixture.h"

/* A valid buffer with a zero header. */
static uint64_t
hdr_buf(void)
{
	uint64_t gpa = vdrv_alloc(&vft.gm, 128);

	memset(vdrv_gva(&vft.gm, gpa), 0, 128);
	return gpa;
}

/* --- a mempool that lets the guest in --------------------------------------------- */

/*
 * A mempool whose dequeue lets the guest act in the middle of a burst: the
 * dequeue allocates a second segment for every packet longer than a small
 * mbuf, and each allocation runs race_hook first. A deterministic stand-in
 * for a guest on another CPU.
 */
static void (*race_hook)(void);  /* Run before every dequeue from the pool, when set. */
static unsigned int race_skip;   /* Dequeues to let by before running it. */

static int
race_alloc(struct rte_mempool *mp)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "race_%.20s", mp->name);
	r = rte_ring_create(name, rte_align32pow2(mp->size + 1), mp->socket_id,
			    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (r == NULL)
		return -rte_errno;
	mp->pool_data = r;
	return 0;
}

static void
race_free(struct rte_mempool *mp)
{
	rte_ring_free(mp->pool_data);
}

static int
race_enqueue(struct rte_mempool *mp, void * const *obj, unsigned int n)
{
	return rte_ring_sp_enqueue_bulk(mp->pool_data, obj, n, NULL) == 0 ? -ENOBUFS : 0;
}

static int
race_dequeue(struct rte_mempool *mp, void **obj, unsigned int n)
{
	if (race_hook != NULL) {
		if (race_skip == 0)
			race_hook();
		else
			race_skip--;
	}
	return rte_ring_sc_dequeue_bulk(mp->pool_data, obj, n, NULL) == 0 ? -ENOBUFS : 0;
}

static unsigned int
race_count(const struct rte_mempool *mp)
{
	return rte_ring_count(mp->pool_data);
}

static struct rte_mempool_ops race_ops = {
	.name = "vdp_test_race",
	.alloc = race_alloc,
	.free = race_free,
	.enqueue = race_enqueue,
	.dequeue = race_dequeue,
	.get_count = race_count,
};

RTE_MEMPOOL_REGISTER_OPS(race_ops);

static struct vpdrv *race_d;     /* The guest that races. */
static unsigned int race_posts;  /* Chains it made available from the hook. */

/* Make the tx chain of packet @p k (a header, then 300 bytes) available
 * as buffer @p id, whatever the driver has had back. */
static void
race_post(struct vpdrv *d, uint16_t id, uint32_t k)
{
	struct vdrv_seg s[2];
	uint8_t *p;

	s[0] = (struct vdrv_seg){ hdr_buf(), VFT_HDR12, 0 };
	s[1] = (struct vdrv_seg){ vdrv_alloc(d->gm, 300), 300, 0 };
	p = vdrv_gva(d->gm, s[1].gpa);
	vft_fill(p, 300, k);
	vpdrv_add_id(d, s, 2, id);
}

/* The guest makes the next chain available over descriptors the device
 * has read but not given back: it does not wait for used descriptors. */
static void
race_repost(void)
{
	struct vpdrv *d = race_d;

	race_posts++;
	race_post(d, (uint16_t)((d->size / 2 + race_posts - 1) % d->size), race_posts);
}

/*
 * A burst takes at most a ring's worth of chains, and the used position
 * stays in the ring, however fast the guest makes descriptors available
 * again behind the device (the shadow array holds a ring's worth of used
 * entries; in order, one used descriptor cannot give back more than a
 * ring).
 */
static void
test_race_relap(void)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m[64];
	struct virtq vq;
	struct vpdrv d;
	uint16_t n, a, u, i;
	unsigned int k;
	uint64_t taken;
	int e;

	mp = rte_pktmbuf_pool_create_by_ops("vq_race", 511, 0, 0,
					    VFT_SMALL_ROOM + RTE_PKTMBUF_HEADROOM,
					    SOCKET_ID_ANY, "vdp_test_race");
	TAP_CHECK(mp != NULL);
	if (mp == NULL)
		return;
	for (k = 0; k < 2; k++) {
		if (vpft_start(&vq, &d, 0, 8, VPFT_FRESH,
			       VFT_F_V1 | (k ? VPFT_F_IN_ORDER : 0)) < 0)
			break;
		for (i = 0; i < d.size / 2; i++)
			race_post(&d, i, 1000 + i);
		race_d = &d;
		race_posts = 0;
		race_skip = 1; /* the burst's own allocation */
		race_hook = race_repost;
		n = vft_deq(&vq, mp, m, 64);
		race_hook = NULL;
		rte_pktmbuf_free_bulk(m, 64);
		taken = vq.stats.pkts;
		for (e = 0; e < VIRTQ_ERR_MAX; e++)
			taken += vq.stats.errors[e];
		/* The guest did race: more came than it had made available before. */
		TAP_CHECK(race_posts > 0);
		TAP_CHECK(n > d.size / 2);
		TAP_CHECK(n <= d.size);
		TAP_CHECK(taken <= d.size);
		TAP_CHECK(vq.last_used < d.size);
		TAP_CHECK(vq.last_avail < d.size);
		/* Every chain taken was given back: both sides in step. */
		virtq_get_base(&vq, &a, &u);
		TAP_EQ(a, u);
		virtq_fini(&vq);
	}
	TAP_EQ(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
}

int
main(void)
{
	if (vft_env_init() < 0)
		return 1;
	TAP_RUN(test_race_relap);
	vft_env_fini();
	return tap_done();
}
