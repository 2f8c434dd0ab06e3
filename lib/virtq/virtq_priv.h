/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_VIRTQ_PRIV_H
#define VDP_VIRTQ_PRIV_H

/**
 * @file
 * Internals shared by the files of lib/virtq.
 */

#include <rte_cycles.h>
#include <rte_log.h>

#include "virtq.h"

extern int virtq_logtype;

/** Log at most a few lines a second per call site: the guest controls the rate. */
#define VIRTQ_LOG_RL(level, fmt, ...) do { \
	static uint64_t virtq_rl_next_; \
	uint64_t virtq_rl_now_ = rte_get_tsc_cycles(); \
	if (virtq_rl_now_ >= virtq_rl_next_) { \
		virtq_rl_next_ = virtq_rl_now_ + rte_get_tsc_hz(); \
		rte_log(RTE_LOG_##level, virtq_logtype, "virtq: " fmt "\n", ##__VA_ARGS__); \
	} \
} while (0)

/** virtq_mem_translate(), inlined for the data path. */
static __rte_always_inline void *
virtq_translate(const struct virtq_mem *m, uint32_t *hint, uint64_t gpa,
		uint64_t len, uint64_t *contig)
{
	const struct virtq_region *r = &m->r[*hint < m->nregions ? *hint : 0];
	uint64_t off, room;
	uint32_t i;

	/* Unsigned: a gpa below the region start wraps to a huge offset. */
	off = gpa - r->gpa;
	if (unlikely(m->nregions == 0 || off >= r->size)) {
		for (i = 0; i < m->nregions; i++) {
			off = gpa - m->r[i].gpa;
			if (off < m->r[i].size)
				break;
		}
		if (i == m->nregions)
			return NULL;
		*hint = i;
		r = &m->r[i];
	}
	room = r->size - off;
	*contig = len < room ? len : room;
	return (void *)(uintptr_t)(r->hva + off);
}

/** Add a used entry to the burst's shadow array. */
static __rte_always_inline void
virtq_shadow_add(struct virtq *vq, uint16_t id, uint32_t len)
{
	vq->shadow[vq->nb_shadow].id = id;
	vq->shadow[vq->nb_shadow].len = len;
	vq->nb_shadow++;
}

/** Count an error and log it, rate-limited. */
void virtq_error(struct virtq *vq, enum virtq_error e);

/** Write the shadow used entries and publish the used index. */
void virtq_used_flush(struct virtq *vq);

/** Keep guest kicks off: NO_NOTIFY, or avail_event just behind last_avail. */
void virtq_kick_suppress(struct virtq *vq);

/** Call the guest if entries were completed since @p old_used and it asked. */
void virtq_notify(struct virtq *vq, uint16_t old_used);

/** Set mbuf offload flags from a guest tx header; 0, or -1 for a bad header. */
int virtq_hdr_to_mbuf(const struct virtio_net_hdr *hdr, struct rte_mbuf *m);

/** Fill a guest rx header from mbuf offload flags. */
void virtq_hdr_from_mbuf(const struct rte_mbuf *m, struct virtio_net_hdr *hdr);

#endif /* VDP_VIRTQ_PRIV_H */
