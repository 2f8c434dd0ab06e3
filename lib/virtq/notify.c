/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Notifications both ways. Kicks (guest -> us) stay off while we poll.
 * Calls (us -> guest) happen once per burst at most, and only when the
 * guest asked: VRING_AVAIL_F_NO_INTERRUPT, or used_event under
 * VIRTIO_RING_F_EVENT_IDX.
 */

#include <sys/eventfd.h>

#include <rte_atomic.h>

#include "virtq_priv.h"

/* avail_event and used_event live right after the rings. */
static inline volatile uint16_t *
notify_avail_event(struct virtq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

static inline uint16_t
notify_used_event(const struct virtq *vq)
{
	return *(const volatile uint16_t *)&vq->avail->ring[vq->size];
}

void
virtq_kick_suppress(struct virtq *vq)
{
	uint16_t event = vq->last_avail - 1;

	if (!vq->event_idx) {
		if (!(vq->used->flags & VRING_USED_F_NO_NOTIFY)) {
			vq->used->flags |= VRING_USED_F_NO_NOTIFY;
			if (vq->log != NULL)
				vq->log->used(vq->log_ctx, offsetof(struct vring_used, flags),
					      sizeof(vq->used->flags));
		}
		return;
	}
	/*
	 * The guest kicks when its avail index passes avail_event. One behind
	 * what we consumed is passed only after a full 2^16 wrap.
	 */
	if (*notify_avail_event(vq) == event)
		return;
	*notify_avail_event(vq) = event;
	if (vq->log != NULL)
		vq->log->used(vq->log_ctx,
			      offsetof(struct vring_used, ring) +
			      vq->size * sizeof(struct vring_used_elem), sizeof(uint16_t));
}

void
virtq_notify(struct virtq *vq, uint16_t old_used)
{
	uint16_t new_used = vq->last_used;
	bool call;

	if (new_used == old_used)
		return;
	/* The used index must be visible before we read what the guest wants. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		uint16_t old = vq->signalled_used;
		bool valid = vq->signalled_valid;

		vq->signalled_used = new_used;
		vq->signalled_valid = true;
		call = !valid || vring_need_event(notify_used_event(vq), new_used, old);
	} else {
		call = !(*(volatile uint16_t *)&vq->avail->flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (call && vq->callfd >= 0) {
		eventfd_write(vq->callfd, 1);
		stats_add(&vq->stats.calls, 1);
	} else {
		stats_add(&vq->stats.calls_avoided, 1);
	}
}
