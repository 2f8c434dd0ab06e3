/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Notifications both ways. Kicks (guest -> us) stay off while we poll.
 * Calls (us -> guest) happen once per burst at most, and only when the
 * guest asked: split, VRING_AVAIL_F_NO_INTERRUPT, or used_event under
 * VIRTIO_RING_F_EVENT_IDX; packed, the driver event suppression area
 * (ENABLE, DISABLE, or DESC with off_wrap under EVENT_IDX). An owner
 * about to sleep turns kicks on for a while (virtq_notify_enable()).
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

/* avail_event's offset in the used ring, for the dirty log. */
static inline uint64_t
notify_avail_event_off(const struct virtq *vq)
{
	return offsetof(struct vring_used, ring) + vq->size * sizeof(struct vring_used_elem);
}

static inline uint16_t
notify_used_event(const struct virtq *vq)
{
	return *(const volatile uint16_t *)&vq->avail->ring[vq->size];
}

/* Packed: the device area says DISABLE (off_wrap is then unused). */
static void
notify_packed_suppress(struct virtq *vq)
{
	volatile uint16_t *flags = &vq->device_event->flags;

	if (*flags != VRING_PACKED_EVENT_FLAG_DISABLE)
		*flags = VRING_PACKED_EVENT_FLAG_DISABLE;
}

void
virtq_kick_suppress(struct virtq *vq)
{
	uint16_t event = vq->last_avail - 1;

	if (vq->packed) {
		notify_packed_suppress(vq);
		return;
	}
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
		vq->log->used(vq->log_ctx, notify_avail_event_off(vq), sizeof(uint16_t));
}

/* Split: ask for a kick on the next buffer made available. */
static void
notify_split_enable(struct virtq *vq)
{
	if (!vq->event_idx) {
		if (vq->used->flags & VRING_USED_F_NO_NOTIFY) {
			vq->used->flags &= ~VRING_USED_F_NO_NOTIFY;
			if (vq->log != NULL)
				vq->log->used(vq->log_ctx, offsetof(struct vring_used, flags),
					      sizeof(vq->used->flags));
		}
		return;
	}
	/* The guest kicks once its avail index passes the entry we take next. */
	if (*notify_avail_event(vq) == vq->last_avail)
		return;
	*notify_avail_event(vq) = vq->last_avail;
	if (vq->log != NULL)
		vq->log->used(vq->log_ctx, notify_avail_event_off(vq), sizeof(uint16_t));
}

bool
virtq_notify_enable(struct virtq *vq)
{
	uint16_t pending;

	if (unlikely(vq->broken))
		return false;
	/* Packed: not dirty-logged, the device area is not the used ring. */
	if (vq->packed)
		*(volatile uint16_t *)&vq->device_event->flags = VRING_PACKED_EVENT_FLAG_ENABLE;
	else
		notify_split_enable(vq);
	/*
	 * The write above against the guest's: it makes a buffer available,
	 * then reads whether to kick. Store-load order both ways, so that one
	 * of us sees the other's write (vhost_enable_notify()).
	 */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Zero-copied chains, or chains taken behind them, still owe their
	 * used entries: only a burst writes them. */
	if (vq->zc != NULL && virtq_zc_pending(vq))
		return true;
	if (vq->packed)
		return packed_head_avail(vq);
	pending = *(const volatile uint16_t *)&vq->avail->idx - vq->last_avail;
	/* An impossible index: kicks off again, and let the burst that finds
	 * it break the queue and count it. */
	if (unlikely(pending > vq->size))
		virtq_kick_suppress(vq);
	return pending != 0;
}

void
virtq_notify_disable(struct virtq *vq)
{
	/* A broken queue's rings are not to be touched (nor were they by
	 * virtq_notify_enable()). */
	if (likely(!vq->broken))
		virtq_kick_suppress(vq);
}

/*
 * Packed positions (index, wrap counter in bit 15) as a count modulo twice
 * the ring: laps alternate the wrap counter, starting from 1.
 */
static inline uint32_t
notify_packed_lin(uint16_t size, uint16_t pos)
{
	return (pos & 0x7fff) + (pos >> 15 ? 0 : size);
}

bool
virtq_packed_need_event(uint16_t size, uint16_t off_wrap, uint16_t old, uint16_t new)
{
	uint32_t span = 2 * (uint32_t)size;
	uint32_t o = notify_packed_lin(size, old), n = notify_packed_lin(size, new);
	uint32_t e = notify_packed_lin(size, off_wrap);

	/* The guest wants a call once the descriptor at e is used: when e
	 * lies in [old, new), as vring_need_event() asks for split rings. */
	if (unlikely((off_wrap & 0x7fff) >= size))
		return true;
	return (n + span - e - 1) % span < (n + span - o) % span;
}

/* Whether a packed ring's guest asked for a call. */
static bool
notify_packed_call(struct virtq *vq, uint16_t new_used)
{
	const volatile struct vring_packed_desc_event *ev = vq->driver_event;
	uint16_t flags = ev->flags, old = vq->signalled_used;
	bool valid = vq->signalled_valid;

	vq->signalled_used = new_used;
	vq->signalled_valid = true;
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	/* DESC without EVENT_IDX, or anything else, is treated as ENABLE. */
	if (!vq->event_idx || flags != VRING_PACKED_EVENT_FLAG_DESC || !valid)
		return true;
	/* The guest writes off_wrap before it sets DESC. */
	rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
	return virtq_packed_need_event(vq->size, ev->off_wrap, old, new_used);
}

void
virtq_notify(struct virtq *vq, uint16_t old_used)
{
	uint16_t new_used = virtq_used_pos(vq);
	bool call;

	if (new_used == old_used)
		return;
	/* The used index must be visible before we read what the guest wants. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->packed) {
		call = notify_packed_call(vq, new_used);
	} else if (vq->event_idx) {
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
