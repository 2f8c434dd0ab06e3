/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * What split and packed queues share: set-up and release, the choice of
 * burst functions for the negotiated features, the entry points that call
 * them, errors and counters.
 */

#include <errno.h>
#include <string.h>
#ifdef RTE_ARCH_X86
#include <cpuid.h>
#endif

#include <rte_malloc.h>

#include "virtq_priv.h"

RTE_LOG_REGISTER_SUFFIX(virtq_logtype, virtq, NOTICE);

/* Features that let a guest's tx header ask for something. Without any of
 * them the header is all zeroes by the spec, and the dequeue does not read
 * it: for small packets it sits in a cache line of its own. */
#define VIRTQ_TX_HDR_FEATURES ((1ULL << VIRTIO_NET_F_CSUM) | \
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

/* Choose the burst functions once, for the layout and the features. */
static void
virtq_select(struct virtq *vq)
{
	if (vq->packed)
		virtq_packed_select(vq);
	else
		virtq_split_select(vq);
}

/* The per-id array of a packed queue; 0 or -ENOMEM. */
static int
virtq_id_array(struct virtq *vq, uint16_t size)
{
	rte_free(vq->id_burst);
	vq->id_burst = rte_zmalloc("virtq_ids", sizeof(*vq->id_burst) * size, 0);
	if (vq->id_burst == NULL)
		return -ENOMEM;
	vq->burst_seq = 1;
	return 0;
}

int
virtq_init(struct virtq *vq, const struct virtq_params *p)
{
	bool packed = !!(p->features & (1ULL << VIRTIO_F_RING_PACKED));
	int ret;

	if (p->desc == NULL || p->avail == NULL || p->used == NULL ||
	    p->mem == NULL || p->size == 0 || p->size > VIRTQ_MAX_SIZE ||
	    (!packed && (p->size & (p->size - 1)) != 0))
		return -EINVAL;
	if (vq->shadow == NULL || vq->size < p->size) {
		rte_free(vq->shadow);
		vq->shadow = rte_malloc("virtq_shadow", sizeof(*vq->shadow) * p->size,
					RTE_CACHE_LINE_SIZE);
		if (vq->shadow == NULL)
			return -ENOMEM;
	}
	/* Sized for the last packed ring: after a split one, anew. */
	if (packed && (vq->id_burst == NULL || !vq->packed || vq->size < p->size) &&
	    virtq_id_array(vq, p->size) < 0)
		return -ENOMEM;
	vq->desc = p->desc;
	vq->avail = p->avail;
	vq->used = p->used;
	vq->size = p->size;
	vq->mask = p->size - 1;
	vq->packed = packed;
	if (packed) {
		/* Indices past the ring cannot be repaired: start the queue
		 * broken rather than read past it. */
		vq->last_avail = p->last_avail & 0x7fff;
		vq->avail_wrap = !!(p->last_avail & 0x8000);
		vq->last_used = p->last_used & 0x7fff;
		vq->used_wrap = !!(p->last_used & 0x8000);
	} else {
		vq->last_avail = p->last_avail;
		vq->last_used = p->last_used;
	}
	vq->signalled_valid = false;
	vq->features = p->features;
	vq->in_order = !!(p->features & (1ULL << VIRTIO_F_IN_ORDER));
	vq->event_idx = !!(p->features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	vq->indirect = !!(p->features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC));
	vq->mrg_rxbuf = !!(p->features & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
	vq->tx_hdr = !!(p->features & VIRTQ_TX_HDR_FEATURES);
	vq->hdr_len = (vq->mrg_rxbuf || (p->features & (1ULL << VIRTIO_F_VERSION_1))) ?
		sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);
	vq->broken = packed && (vq->last_avail >= vq->size || vq->last_used >= vq->size);
	vq->mem = p->mem;
	vq->hint = 0;
	vq->callfd = p->callfd;
	vq->log = p->log;
	vq->log_ctx = p->log_ctx;
	vq->nb_shadow = 0;
	vq->zc_min = UINT32_MAX;
	vq->zc_pin = p->zc_pin;
	if (p->zcopy_min != 0) {
		ret = virtq_zc_init(vq, p->zcopy_min, p->zcopy_max);
		if (ret < 0)
			return ret;
	} else {
		virtq_zc_fini(vq);
	}
	virtq_select(vq);
	if (vq->broken)
		virtq_error(vq, VIRTQ_ERR_BROKEN);
	else
		virtq_kick_suppress(vq);
	return 0;
}

void
virtq_fini(struct virtq *vq)
{
	virtq_zc_fini(vq);
	rte_free(vq->shadow);
	vq->shadow = NULL;
	rte_free(vq->id_burst);
	vq->id_burst = NULL;
	vq->size = 0;
}

void
virtq_get_base(const struct virtq *vq, uint16_t *last_avail, uint16_t *last_used)
{
	*last_avail = vq->last_avail | (uint16_t)(vq->packed && vq->avail_wrap) << 15;
	*last_used = virtq_used_pos(vq);
}

void
virtq_set_log(struct virtq *vq, const struct virtq_log_ops *log, void *ctx)
{
	vq->log = log;
	vq->log_ctx = ctx;
	virtq_select(vq);
}

uint16_t
virtq_dequeue_burst(struct virtq *vq, struct rte_mempool *mp,
		    struct rte_mbuf **pkts, uint16_t n, uint32_t max_bytes)
{
	/* Zero-copy on, or chains of it still due back. */
	if (unlikely(vq->zc != NULL) &&
	    (__atomic_load_n(&vq->zc_min, __ATOMIC_RELAXED) != UINT32_MAX ||
	     virtq_zc_pending(vq)))
		return vq->dequeue_zc(vq, mp, pkts, n, max_bytes);
	return vq->dequeue(vq, mp, pkts, n, max_bytes);
}

uint16_t
virtq_enqueue_burst(struct virtq *vq, struct rte_mbuf **pkts, uint16_t n)
{
	return vq->enqueue(vq, NULL, pkts, n);
}
