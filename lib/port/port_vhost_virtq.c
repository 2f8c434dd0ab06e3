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
 *
 * Guest memory is mapped a second time, by vdp itself. rte_vhost unmaps a
 * memory table when the guest replaces it or goes away, whether or not
 * zero-copied mbufs still point into it; the engine translates through its
 * own mapping of the same files instead (the pages are the same), and an
 * old table stays mapped until the last chain zero-copied over it has come
 * back. Its pins count those chains, one counter per vring, written by
 * that vring's owner.
 *
 * Before a message that may change the rings, and before a device goes
 * away, the chains still out get a bounded wait (the drain). What is left
 * after it: across a memory table change, those chains stay out and come
 * back into the same ring afterwards; when the rings themselves go, their
 * state is orphaned (no used entry is ever written for it) and reaped by
 * port_vhost_reap() once the last mbuf is freed.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vhost.h>

#include "port_vhost_priv.h"

/** vdp's own mapping of one guest memory table. */
struct port_vhost_mem {
	struct virtq_mem mem;                  /**< Translation over this mapping. */
	void *base[VIRTQ_MAX_REGIONS];         /**< This mapping of each region. */
	size_t len[VIRTQ_MAX_REGIONS];         /**< Its length. */
	size_t page[VIRTQ_MAX_REGIONS];        /**< Its page size. */
	uint64_t src[VIRTQ_MAX_REGIONS];       /**< rte_vhost's mapping it copies. */
	struct {
		uint32_t n;                    /**< Chains out over this table. */
	} __rte_cache_aligned pin[VHOST_MAX_VRINGS]; /**< Per vring (its owner writes). */
	struct port_vhost_mem *next;           /**< Next retired table. */
};

/** Zero-copy state whose rings went away with chains still out. */
struct vhost_orphan {
	struct virtq_zc *zc;                   /**< The state (virtq_zc_reap()). */
	struct vhost_orphan *next;             /**< Next orphan. */
};

/* Retired tables and orphans, kept past their port; rte_vhost's thread adds
 * to them, the control thread's tick reaps them. */
static struct port_vhost_mem *vhost_retired;
static uint32_t vhost_tables; /* mapped, current or retired (atomic) */
static struct vhost_orphan *vhost_orphans;
static pthread_mutex_t vhost_zc_lock = PTHREAD_MUTEX_INITIALIZER;

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

static bool
vhost_mem_pinned(const struct port_vhost_mem *m)
{
	unsigned int i;

	for (i = 0; i < VHOST_MAX_VRINGS; i++)
		if (__atomic_load_n(&m->pin[i].n, __ATOMIC_RELAXED) != 0)
			return true;
	return false;
}

static void
vhost_mem_unmap(struct port_vhost_mem *m)
{
	uint32_t i;

	for (i = 0; i < m->mem.nregions; i++) {
		if (m->mem.dma)
			port_ethdev_dma_unmap(m->base[i], m->len[i], m->page[i]);
		munmap(m->base[i], m->len[i]);
	}
	rte_free(m);
	__atomic_fetch_sub(&vhost_tables, 1, __ATOMIC_RELAXED);
}

uint32_t
port_vhost_tables(void)
{
	return __atomic_load_n(&vhost_tables, __ATOMIC_RELAXED);
}

/* Whether @p m maps the same regions as rte_vhost's table @p mem. */
static bool
vhost_mem_same(const struct port_vhost_mem *m, const struct rte_vhost_memory *mem)
{
	uint32_t i;

	if (m == NULL || m->mem.nregions != mem->nregions)
		return false;
	for (i = 0; i < mem->nregions; i++)
		if (m->src[i] != (uintptr_t)mem->regions[i].mmap_addr ||
		    m->len[i] != mem->regions[i].mmap_size ||
		    m->mem.r[i].gpa != mem->regions[i].guest_phys_addr ||
		    m->mem.r[i].size != mem->regions[i].size)
			return false;
	return true;
}

/* Map every region of device @p vid's memory table again, unless @p cur
 * maps it already (then returns @p cur); NULL with @p err set when one
 * cannot be. */
static struct port_vhost_mem *
vhost_mem_map(int vid, struct port_vhost_mem *cur, int *err)
{
	struct rte_vhost_memory *mem = NULL;
	struct port_vhost_mem *m;
	struct stat st;
	uint32_t i;

	*err = -EIO;
	if (rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		return NULL;
	if (vhost_mem_same(cur, mem)) {
		free(mem);
		return cur;
	}
	*err = -E2BIG;
	m = mem->nregions > VIRTQ_MAX_REGIONS ? NULL :
		rte_zmalloc("vhost_mem", sizeof(*m), RTE_CACHE_LINE_SIZE);
	if (m != NULL)
		__atomic_fetch_add(&vhost_tables, 1, __ATOMIC_RELAXED);
	for (i = 0; m != NULL && i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];
		void *b;

		if (r->fd < 0 || fstat(r->fd, &st) != 0 ||
		    r->host_user_addr < (uintptr_t)r->mmap_addr ||
		    r->host_user_addr - (uintptr_t)r->mmap_addr + r->size > r->mmap_size) {
			*err = -EINVAL;
			break;
		}
		/* Populated, so that workers do not fault its pages in. */
		b = mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 r->fd, 0);
		if (b == MAP_FAILED) {
			*err = -errno;
			break;
		}
		m->base[i] = b;
		m->len[i] = r->mmap_size;
		m->src[i] = (uintptr_t)r->mmap_addr;
		m->page[i] = st.st_blksize;
		m->mem.r[i].gpa = r->guest_phys_addr;
		m->mem.r[i].size = r->size;
		m->mem.r[i].hva = (uintptr_t)b + (r->host_user_addr - (uintptr_t)r->mmap_addr);
		m->mem.nregions = i + 1;
	}
	if (m != NULL && i < mem->nregions) {
		vhost_mem_unmap(m);
		m = NULL;
	}
	free(mem);
	if (m == NULL)
		return NULL;
	/* A NIC may DMA from it only when every region is mapped for it. */
	for (i = 0; i < m->mem.nregions; i++)
		if (port_ethdev_dma_map(m->base[i], m->len[i], m->page[i]) != 0)
			break;
	m->mem.dma = i == m->mem.nregions && i != 0;
	while (!m->mem.dma && i-- > 0)
		port_ethdev_dma_unmap(m->base[i], m->len[i], m->page[i]);
	*err = 0;
	return m;
}

/* The port is done with table @p m: unmap it now, or once its chains are back. */
static void
vhost_mem_retire(struct port_vhost_mem *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&vhost_zc_lock);
	if (vhost_mem_pinned(m)) {
		m->next = vhost_retired;
		vhost_retired = m;
		m = NULL;
	}
	pthread_mutex_unlock(&vhost_zc_lock);
	if (m != NULL)
		vhost_mem_unmap(m);
}

static void
vhost_orphan_add(struct virtq_zc *zc)
{
	struct vhost_orphan *o = malloc(sizeof(*o));

	if (o == NULL) {
		/* Left to the mbufs: it cannot be freed while they point at it. */
		VHOST_LOG(ERR, "out of memory: zero-copy state of a gone ring is never reaped");
		return;
	}
	o->zc = zc;
	pthread_mutex_lock(&vhost_zc_lock);
	o->next = vhost_orphans;
	vhost_orphans = o;
	pthread_mutex_unlock(&vhost_zc_lock);
}

uint32_t
port_vhost_reap(void)
{
	struct vhost_orphan **op, *o;
	struct port_vhost_mem **mp, *m;
	uint32_t out = 0;

	pthread_mutex_lock(&vhost_zc_lock);
	for (op = &vhost_orphans; (o = *op) != NULL;) {
		if (virtq_zc_reap(o->zc)) {
			*op = o->next;
			free(o);
		} else {
			out += virtq_zc_orphan_inflight(o->zc);
			op = &o->next;
		}
	}
	for (mp = &vhost_retired; (m = *mp) != NULL;) {
		if (!vhost_mem_pinned(m)) {
			*mp = m->next;
			vhost_mem_unmap(m);
		} else {
			mp = &m->next;
		}
	}
	pthread_mutex_unlock(&vhost_zc_lock);
	return out;
}

static int
virtq_load_mem(struct port_vhost *vp, int vid)
{
	struct port_vhost_mem *m;
	int ret;

	m = vhost_mem_map(vid, vp->mem, &ret);
	if (m == NULL)
		return ret;
	if (m != vp->mem)
		vhost_mem_retire(vp->mem);
	vp->mem = m;
	return 0;
}

uint32_t
port_vhost_virtq_zc_threshold(const struct port_vhost *vp)
{
	switch (vp->conf.zcopy) {
	case PORT_VHOST_ZCOPY_OFF:
		return UINT32_MAX;
	case PORT_VHOST_ZCOPY_ON:
		return vp->conf.zcopy_min != 0 ? vp->conf.zcopy_min : VIRTQ_ZC_COPY_LEN + 1;
	default:
		return vp->conf.zcopy_min != 0 ? vp->conf.zcopy_min : PORT_VHOST_ZCOPY_AUTO_MIN;
	}
}

void
port_vhost_virtq_zcopy(struct port_vhost *vp)
{
	uint32_t min = port_vhost_virtq_zc_threshold(vp);
	uint16_t i;

	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2)
		if (vp->vr[i].ready)
			virtq_zc_set_min(&vp->vr[i].vq, min == UINT32_MAX ? 0 : min);
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
		vqp.mem = &vp->mem->mem;
		/* Zero-copy state on every tx vring, so that it can be
		 * turned on at run time; the threshold says whether it is. */
		if (i % 2 == VHOST_TXQ) {
			vqp.zcopy_min = port_vhost_virtq_zc_threshold(vp);
			vqp.zc_pin = &vp->mem->pin[i].n;
		}
		vqp.callfd = ring.callfd;
		port_vhost_fd_nonblock(ring.callfd);
		vqp.log = log ? &port_vhost_log_ops : NULL;
		vqp.log_ctx = vr;
		if (rte_vhost_get_vring_base(vid, i, &vqp.last_avail, &vqp.last_used) != 0)
			return -EIO;
		ret = virtq_init(&vr->vq, &vqp);
		if (ret == -ENOMEM && vqp.zcopy_min != 0) {
			VHOST_LOG(WARNING, "%s: vring %u: no memory for zero-copy: copying",
				  vp->port.name, i);
			vqp.zcopy_min = 0;
			ret = virtq_init(&vr->vq, &vqp);
		}
		if (ret < 0)
			return ret;
		vr->kickfd = ring.kickfd;
		port_vhost_fd_nonblock(ring.kickfd);
		vr->ready = true;
	}
	return 0;
}

/* Give rte_vhost the indices the engine reached, so that GET_VRING_BASE
 * and a later restart see them. */
static void
virtq_save_bases(struct port_vhost *vp)
{
	uint16_t avail, used, i;

	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		if (!vp->vr[i].ready)
			continue;
		/* Packed: the wrap counters in bit 15, as rte_vhost keeps them. */
		virtq_get_base(&vp->vr[i].vq, &avail, &used);
		rte_vhost_set_vring_base(vp->vid, i, avail, used);
	}
}

int
port_vhost_virtq_attach(struct port_vhost *vp, int vid)
{
	int ret;

	if (vp->features & (1ULL << VIRTIO_F_IOMMU_PLATFORM))
		return -ENOTSUP;
	ret = port_vhost_virtq_resume(vp, vid);
	if (ret < 0)
		port_vhost_virtq_detach(vp);
	return ret;
}

/* Chains still out on the device's vrings, with their used entries
 * written for those that came back. */
static uint32_t
virtq_drain_pass(struct port_vhost *vp, uint16_t *left)
{
	uint32_t out = 0;
	uint16_t i;

	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2) {
		left[i] = vp->vr[i].ready ? virtq_zc_drain(&vp->vr[i].vq) : 0;
		out += left[i];
	}
	return out;
}

/*
 * Give the chains zero-copied from the device's tx vrings a bounded wait
 * to come back (their destinations free them; workers keep running), and
 * hand each one's used entry to the guest as it does. Counted per vring:
 * drains that had to wait, and those that ended with chains still out.
 * Workers must be out of the rings, which must still be mapped.
 */
static void
virtq_drain(struct port_vhost *vp)
{
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() / 1000 * PORT_VHOST_ZC_DRAIN_MS;
	uint16_t left[VHOST_MAX_VRINGS], i;
	uint32_t out = virtq_drain_pass(vp, left);

	if (out == 0)
		return;
	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2)
		if (left[i] != 0)
			stats_add(&vp->vr[i].zc_drain_waits, 1);
	while (out != 0 && rte_get_timer_cycles() < deadline) {
		usleep(100);
		out = virtq_drain_pass(vp, left);
	}
	if (out == 0)
		return;
	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2)
		if (left[i] != 0)
			stats_add(&vp->vr[i].zc_drain_timeouts, 1);
	VHOST_LOG_RL(WARNING, "%s: %" PRIu32 " zero-copied buffers still out after %d ms: "
		     "a destination holds them; their guest memory stays mapped until freed",
		     vp->port.name, out, PORT_VHOST_ZC_DRAIN_MS);
}

/* The rings of the device are going away: what is still out never gets a
 * used entry. */
static void
virtq_orphan_all(struct port_vhost *vp)
{
	uint16_t i;

	for (i = VHOST_TXQ; i < VHOST_MAX_VRINGS; i += 2) {
		struct virtq_zc *zc = virtq_zc_orphan(&vp->vr[i].vq);

		if (zc != NULL)
			vhost_orphan_add(zc);
	}
}

void
port_vhost_virtq_pause(struct port_vhost *vp, bool rings_kept)
{
	virtq_drain(vp);
	if (!rings_kept)
		virtq_orphan_all(vp);
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

	port_vhost_virtq_pause(vp, false);
	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		vp->vr[i].ready = false;
		virtq_fini(&vp->vr[i].vq);
	}
	vhost_mem_retire(vp->mem);
	vp->mem = NULL;
}

uint16_t
port_vhost_virtq_rx(struct port_vhost *vp, uint16_t q, struct rte_mbuf **pkts,
		    uint16_t n, uint32_t max_bytes)
{
	struct port_vhost_vring *vr = &vp->vr[2 * q + VHOST_TXQ];

	if (unlikely(!vr->ready))
		return 0;
	return virtq_dequeue_burst(&vr->vq, port_pool(&vp->port), pkts, n, max_bytes);
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

uint64_t
port_vhost_drain_kicks(int fd)
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

		/* An adaptive worker sleeps on this fd: a kick read here
		 * would never wake it. */
		if (i % 2 == VHOST_TXQ && vp->port.rxq_adaptive[i / 2])
			continue;
		if (vr->ready)
			stats_add(&vr->kicks, port_vhost_drain_kicks(vr->kickfd));
	}
}

int
port_vhost_virtq_notify(struct port_vhost *vp, uint16_t q, bool on, struct port_notify *n)
{
	struct port_vhost_vring *vr = &vp->vr[2 * q + VHOST_TXQ];
	uint64_t kicks;

	if (!vr->ready) {
		if (on)
			n->fd = -1;
		return 0;
	}
	if (on) {
		n->fd = vr->kickfd;
		n->intr = false;
		return virtq_notify_enable(&vr->vq) ? 1 : 0;
	}
	virtq_notify_disable(&vr->vq);
	kicks = port_vhost_drain_kicks(vr->kickfd);
	stats_add(&vr->kicks_woke, kicks);
	return (int)RTE_MIN(kicks, (uint64_t)INT32_MAX);
}

void
port_vhost_virtq_stats(const struct port_vhost *vp, struct virtq_stats *out,
		       uint64_t *kicks)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	*kicks = 0;
	for (i = 0; i < VHOST_MAX_VRINGS; i++) {
		*kicks += stats_read(&vp->vr[i].kicks) + stats_read(&vp->vr[i].kicks_woke);
		virtq_stats_acc(out, &vp->vr[i].vq.stats);
	}
}

void
port_vhost_virtq_base(const struct port_vhost *vp, uint16_t vring, uint16_t *avail,
		      uint16_t *used)
{
	virtq_get_base(&vp->vr[vring].vq, avail, used);
}

void
port_vhost_virtq_zc_info(const struct port_vhost *vp, uint16_t vring, bool live,
			 struct port_vhost_zc_info *acc)
{
	const struct port_vhost_vring *vr = &vp->vr[vring];

	acc->pkts += stats_read(&vr->vq.stats.zc_pkts);
	acc->small += stats_read(&vr->vq.stats.zc_small);
	acc->capped += stats_read(&vr->vq.stats.zc_capped);
	acc->stalls += stats_read(&vr->vq.stats.zc_stalls);
	acc->drain_waits += stats_read(&vr->zc_drain_waits);
	acc->drain_timeouts += stats_read(&vr->zc_drain_timeouts);
	if (live)
		acc->inflight += virtq_zc_inflight(&vr->vq);
}
