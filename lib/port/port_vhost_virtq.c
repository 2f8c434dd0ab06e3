/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * The virtq engine on a vhost-user port: rte_vhost keeps the protocol, the
 * memory table and the ring addresses; lib/virtq processes the rings.
 *
 * rte_vhost does not tell a raw-ring application when the guest changes
 * its memory table or a ring under it. port_vhost.c hooks the messages
 * that can, stops the workers' use of the rings around them and calls
 * port_vhost_virtq_pause() and port_vhost_virtq_resume() here; this file
 * keeps the engine's state and never changes the port's.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rte_vhost.h>

#include "port_vhost_priv.h"

static void
virtq_log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	const struct port_vhost_vring *vr = ctx;

	rte_vhost_log_write(vr->vp->vid, gpa, len);
}

static void
virtq_log_used(void *ctx, uint64_t offset, uint64_t len)
{
	const struct port_vhost_vring *vr = ctx;

	rte_vhost_log_used_vring(vr->vp->vid, vr->idx, offset, len);
}

static const struct virtq_log_ops port_vhost_log_ops = {
	.write = virtq_log_write,
	.used = virtq_log_used,
};

static int
virtq_load_mem(struct port_vhost *vp, int vid)
{
	struct rte_vhost_memory *mem = NULL;
	uint32_t i;

	if (rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		return -EIO;
	if (mem->nregions > VIRTQ_MAX_REGIONS) {
		free(mem);
		return -E2BIG;
	}
	vp->mem.nregions = mem->nregions;
	for (i = 0; i < mem->nregions; i++) {
		vp->mem.r[i].gpa = mem->regions[i].guest_phys_addr;
		vp->mem.r[i].size = mem->regions[i].size;
		vp->mem.r[i].hva = mem->regions[i].host_user_addr;
	}
	free(mem);
	return 0;
}

/* Set up every vring the port uses from rte_vhost's current view. */
static int
virtq_load_vrings(struct port_vhost *vp, int vid)
{
	bool log = !!(vp->features & (1ULL << VHOST_F_LOG_ALL));
	uint16_t nr = RTE_MIN(rte_vhost_get_vring_num(vid), 2 * vp->conf.queues);
	struct rte_vhost_vring ring;
	struct virtq_params vqp;
	uint16_t i;
	int ret;

	for (i = 0; i < VHOST_MAX_VRINGS; i++)
		vp->vr[i].ready = false;
	for (i = 0; i < nr; i++) {
		struct port_vhost_vring *vr = &vp->vr[i];

		vr->vp = vp;
		vr->idx = i;
		if (rte_vhost_get_vhost_vring(vid, i, &ring) != 0 || ring.desc == NULL ||
		    ring.avail == NULL || ring.used == NULL)
			continue;
		memset(&vqp, 0, sizeof(vqp));
		vqp.desc = ring.desc;
		vqp.avail = ring.avail;
		vqp.used = ring.used;
		vqp.size = ring.size;
		vqp.features = vp->features;
		vqp.mem = &vp->mem;
		vqp.callfd = ring.callfd;
		port_vhost_call_nonblock(ring.callfd);
		vqp.log = log ? &port_vhost_log_ops : NULL;
		vqp.log_ctx = vr;
		if (rte_vhost_get_vring_base(vid, i, &vqp.last_avail, &vqp.last_used) != 0)
			return -EIO;
		ret = virtq_init(&vr->vq, &vqp);
		if (ret < 0)
			return ret;
		vr->kickfd = ring.kickfd;
		vr->ready = true;
	}
	return 0;
}

/* Give rte_vhost the indices the engine reached, so that GET_VRING_BASE
 * and a later restart see them. */
static void
virtq_save_bases(struct port_vhost *vp)
{
	uint16_t i;

	for (i = 0; i < VHOST_MAX_VRINGS; i++)
		if (vp->vr[i].ready)
			rte_vhost_set_vring_base(vp->vid, i, vp->vr[i].vq.last_avail,
						 vp->vr[i].vq.last_used);
}

int
port_vhost_virtq_attach(struct port_vhost *vp, int vid)
{
	int ret;

	if (vp->features & ((1ULL << VIRTIO_F_RING_PACKED) |
			    (1ULL << VIRTIO_F_IOMMU_PLATFORM)))
		return -ENOTSUP;
	ret = port_vhost_virtq_resume(vp, vid);
	if (ret < 0)
		port_vhost_virtq_detach(vp);
	return ret;
}

void
port_vhost_virtq_pause(struct port_vhost *vp)
{
	virtq_save_bases(vp);
}

int
port_vhost_virtq_resume(struct port_vhost *vp, int vid)
{
	int ret = virtq_load_mem(vp, vid);

	return ret < 0 ? ret : virtq_load_vrings(vp, vid);
}

void
port_vhost_virtq_detach(struct port_vhost *vp)
{
	uint16_t i;

	virtq_save_bases(vp);
	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		vp->vr[i].ready = false;
		virtq_fini(&vp->vr[i].vq);
	}
}

uint16_t
port_vhost_virtq_rx(struct port_vhost *vp, uint16_t q, struct rte_mbuf **pkts,
		    uint16_t n)
{
	struct port_vhost_vring *vr = &vp->vr[2 * q + VHOST_TXQ];

	if (unlikely(!vr->ready))
		return 0;
	return virtq_dequeue_burst(&vr->vq, vp->port.pool, pkts, n);
}

uint16_t
port_vhost_virtq_tx(struct port_vhost *vp, uint16_t q, struct rte_mbuf **pkts,
		    uint16_t n)
{
	uint16_t vring = 2 * (q % vp->conf.queues) + VHOST_RXQ;
	struct port_vhost_vring *vr = &vp->vr[vring];
	uint16_t sent = 0, done;

	if (unlikely(!vr->ready || !__atomic_load_n(&vp->vring_on[vring], __ATOMIC_ACQUIRE))) {
		vr = &vp->vr[VHOST_RXQ];
		if (!vr->ready)
			return 0;
	}
	/* Workers beyond the guest's queue count share its vrings. */
	rte_spinlock_lock(&vr->lock);
	while (sent < n) {
		done = virtq_enqueue_burst(&vr->vq, pkts + sent,
					   RTE_MIN(n - sent, VIRTQ_MAX_BURST));
		sent += done;
		if (done < RTE_MIN(n - sent + done, VIRTQ_MAX_BURST))
			break;
	}
	rte_spinlock_unlock(&vr->lock);
	/* The engine copied them into guest buffers. */
	rte_pktmbuf_free_bulk(pkts, sent);
	return sent;
}

/* Drain a kick eventfd without blocking; returns the kicks it held. */
static uint64_t
virtq_drain_kicks(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	eventfd_t n = 0;

	if (fd < 0 || poll(&pfd, 1, 0) != 1 || eventfd_read(fd, &n) != 0)
		return 0;
	return n;
}

void
port_vhost_virtq_count_kicks(struct port_vhost *vp)
{
	unsigned int i;

	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		struct port_vhost_vring *vr = &vp->vr[i];

		if (vr->ready)
			stats_add(&vr->kicks, virtq_drain_kicks(vr->kickfd));
	}
}

void
port_vhost_virtq_stats(const struct port_vhost *vp, struct virtq_stats *out,
		       uint64_t *kicks)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	*kicks = 0;
	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		*kicks += stats_read(&vp->vr[i].kicks);
		virtq_stats_acc(out, &vp->vr[i].vq.stats);
	}
}
