/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * vhost-user ports over the rte_vhost library. rte_vhost owns the socket,
 * the protocol, the memory table and the ring addresses, and runs its
 * callbacks on its own thread. The callbacks only publish state (running,
 * which vrings are enabled); workers read it with acquire loads. A device
 * is released to rte_vhost only after a scheduler grace period, so no
 * worker is inside rte_vhost_{de,en}queue_burst() with a dead vid.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_net.h>
#include <numa.h>
#include <numaif.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include <rte_vhost.h>

#include "port_vhost_priv.h"

RTE_LOG_REGISTER_SUFFIX(port_vhost_logtype, vhost, INFO);

/** vhost-user requests (vhost-user protocol numbering) that may change the
 * memory, a ring, its indices, its call fd, the features or the log. */
enum port_vhost_req {
	VHOST_REQ_SET_FEATURES = 2,
	VHOST_REQ_SET_MEM_TABLE = 5,
	VHOST_REQ_SET_LOG_BASE = 6,
	VHOST_REQ_SET_VRING_NUM = 8,
	VHOST_REQ_SET_VRING_ADDR = 9,
	VHOST_REQ_SET_VRING_BASE = 10,
	VHOST_REQ_SET_VRING_KICK = 12,
	VHOST_REQ_SET_VRING_CALL = 13,
	VHOST_REQ_SET_VRING_ENABLE = 18,
	VHOST_REQ_ADD_MEM_REG = 37,
	VHOST_REQ_REM_MEM_REG = 38,
};

#define VHOST_ENQ_MAX 32 /* rte_vhost's MAX_PKT_BURST: most packets one enqueue call takes */

/*
 * Offloads are offered by the virtq engine only, which maps them to and
 * from mbuf flags: checksums (CSUM, GUEST_CSUM) and TCP segmentation over
 * IPv4 (HOST_TSO4, GUEST_TSO4). port_tx_burst() completes in software what
 * a destination cannot take: it segments a TSO packet and completes a
 * partial checksum. TSO over IPv6 is not offered, since the software
 * segmentation (rte_gso) cannot do it; ECN and UFO never are.
 */
#define VHOST_DISABLED_FEATURES \
	((1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) | \
	 (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) | \
	 (1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO))
#define VHOST_RTE_DISABLED_FEATURES \
	((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) | \
	 (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO4))

void
port_vhost_tx_offloads(struct port_vhost *vp, bool on)
{
	uint64_t f = on && vp->use_virtq ? vp->features : 0;
	uint8_t tso = 0;

	if (f & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
		tso |= PORT_TSO4;
	if (f & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
		tso |= PORT_TSO6;
	__atomic_store_n(&vp->port.tx_csum, !!(f & (1ULL << VIRTIO_NET_F_GUEST_CSUM)),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&vp->port.tx_tso, tso, __ATOMIC_RELAXED);
}

/* Registered vhost ports, to map a callback's socket path to its port. */
static struct port_vhost *vhost_ports[VDP_MAX_PORTS];
static rte_spinlock_t vhost_lock = RTE_SPINLOCK_INITIALIZER;

static struct port_vhost *
vhost_by_vid(int vid)
{
	char path[PATH_MAX];
	unsigned int i;

	if (rte_vhost_get_ifname(vid, path, sizeof(path)) != 0)
		return NULL;
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (vhost_ports[i] != NULL &&
		    strcmp(vhost_ports[i]->conf.path, path) == 0)
			return vhost_ports[i];
	return NULL;
}

static struct port_vhost *
vhost_lookup(int vid)
{
	struct port_vhost *vp;

	rte_spinlock_lock(&vhost_lock);
	vp = vhost_by_vid(vid);
	rte_spinlock_unlock(&vhost_lock);
	return vp;
}

void
port_vhost_fd_nonblock(int fd)
{
	int fl;

	if (fd < 0)
		return;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
		VHOST_LOG(WARNING, "cannot make call fd %d non-blocking: %s", fd, strerror(errno));
}

/* Every call and kick fd of device @p vid, non-blocking (rte engine:
 * rte_vhost writes the call fds from the workers' enqueue and dequeue
 * calls, and an adaptive worker reads the kick fds). */
static void
vhost_fds_nonblock(int vid)
{
	struct rte_vhost_vring ring;
	uint16_t i, nr = rte_vhost_get_vring_num(vid);

	for (i = 0; i < nr; i++)
		if (rte_vhost_get_vhost_vring(vid, i, &ring) == 0) {
			port_vhost_fd_nonblock(ring.callfd);
			port_vhost_fd_nonblock(ring.kickfd);
		}
}

/* rte engine: a new call or kick fd is made non-blocking as it arrives. */
static enum rte_vhost_msg_result
vhost_rte_post_msg(int vid, void *msg)
{
	uint32_t req;

	/* The request number opens every vhost-user message. */
	memcpy(&req, msg, sizeof(req));
	if (req == VHOST_REQ_SET_VRING_CALL || req == VHOST_REQ_SET_VRING_KICK)
		vhost_fds_nonblock(vid);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops vhost_rte_msg_ops = {
	.post_msg_handle = vhost_rte_post_msg,
};

/*
 * Stop the workers' use of the device's rings, in two steps so that
 * nothing already taken from a guest is lost: no more rx, and the packets
 * workers hold go out while the rings are still the ones they know; then
 * no tx either. Every pause (a ring-changing message, a device going
 * away) goes through here. rte_vhost thread.
 */
static void
vhost_quiesce(struct port_vhost *vp)
{
	__atomic_store_n(&vp->rx_held, true, __ATOMIC_RELEASE);
	port_quiesce();
	__atomic_store_n(&vp->running, false, __ATOMIC_RELEASE);
	port_quiesce();
	__atomic_store_n(&vp->rx_held, false, __ATOMIC_RELEASE);
}

static bool
vhost_req_pauses(uint32_t req)
{
	switch (req) {
	case VHOST_REQ_SET_FEATURES:
	case VHOST_REQ_SET_MEM_TABLE:
	case VHOST_REQ_SET_LOG_BASE:
	case VHOST_REQ_SET_VRING_NUM:
	case VHOST_REQ_SET_VRING_ADDR:
	case VHOST_REQ_SET_VRING_BASE:
	case VHOST_REQ_SET_VRING_KICK:
	case VHOST_REQ_SET_VRING_CALL:
	case VHOST_REQ_SET_VRING_ENABLE:
	case VHOST_REQ_ADD_MEM_REG:
	case VHOST_REQ_REM_MEM_REG:
		return true;
	}
	return false;
}

/* Whether the rings stay the same ring (same size, place and indices)
 * across message @p req, so that zero-copied buffers still out can come
 * back into them afterwards. */
static bool
vhost_req_keeps_rings(uint32_t req)
{
	return req != VHOST_REQ_SET_VRING_NUM && req != VHOST_REQ_SET_VRING_ADDR &&
	       req != VHOST_REQ_SET_VRING_BASE;
}

/* virtq engine, before rte_vhost handles a message that can change what
 * the engine uses: pause the device. */
static enum rte_vhost_msg_result
vhost_virtq_pre_msg(int vid, void *msg)
{
	struct port_vhost *vp;
	uint32_t req;

	/* The request number opens every vhost-user message. */
	memcpy(&req, msg, sizeof(req));
	if (!vhost_req_pauses(req))
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	vp = vhost_lookup(vid);
	if (vp == NULL || !vp->use_virtq ||
	    !__atomic_load_n(&vp->running, __ATOMIC_ACQUIRE))
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	vhost_quiesce(vp);
	port_vhost_virtq_pause(vp, vhost_req_keeps_rings(req));
	vp->paused = true;
	VHOST_LOG(DEBUG, "%s: paused for message %u", vp->port.name, req);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

/* After it: set the engine up again from what rte_vhost now holds. */
static enum rte_vhost_msg_result
vhost_virtq_post_msg(int vid, void *msg __rte_unused)
{
	struct port_vhost *vp = vhost_lookup(vid);
	int ret;

	if (vp == NULL || !vp->paused || vp->vid != vid)
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	vp->paused = false;
	rte_vhost_get_negotiated_features(vid, &vp->features);
	/* port_vhost_set_zcopy() may be reading the vrings meanwhile. */
	rte_spinlock_lock(&vhost_lock);
	ret = port_vhost_virtq_resume(vp, vid);
	rte_spinlock_unlock(&vhost_lock);
	if (ret < 0) {
		VHOST_LOG(ERR, "%s: cannot resume after a ring change (%s): port stays down",
			  vp->port.name, strerror(-ret));
		return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
	}
	port_vhost_tx_offloads(vp, true);
	__atomic_store_n(&vp->running, true, __ATOMIC_RELEASE);
	/* A sleeping worker may wait on a kick fd this message replaced. */
	port_wake();
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops vhost_virtq_msg_ops = {
	.pre_msg_handle = vhost_virtq_pre_msg,
	.post_msg_handle = vhost_virtq_post_msg,
};

/* Serve device @p vid with the virtq engine; 0, or a negative errno when
 * the rte engine has to. */
static int
vhost_virtq_attach(struct port_vhost *vp, int vid)
{
	int ret = port_vhost_virtq_attach(vp, vid);

	if (ret == 0 && rte_vhost_extern_callback_register(vid, &vhost_virtq_msg_ops,
							   NULL) != 0) {
		port_vhost_virtq_detach(vp);
		ret = -EIO;
	}
	return ret;
}

/*
 * The NUMA node of device @p vid's memory: rte_vhost's answer (the node of
 * its device state, which it moves to the node of the guest's rings when it
 * has memory there), else the node of the first guest memory region's first
 * page. SOCKET_ID_ANY when neither can tell.
 */
static int
vhost_numa_node(int vid)
{
	struct rte_vhost_memory *mem = NULL;
	int node = rte_vhost_get_numa_node(vid);

	if (node >= 0)
		return node;
	if (numa_available() < 0 || rte_vhost_get_mem_table(vid, &mem) != 0 || mem == NULL)
		return SOCKET_ID_ANY;
	if (mem->nregions == 0 ||
	    get_mempolicy(&node, NULL, 0, (void *)(uintptr_t)mem->regions[0].host_user_addr,
			  MPOL_F_NODE | MPOL_F_ADDR) != 0 || node < 0)
		node = SOCKET_ID_ANY;
	free(mem);
	return node;
}

/*
 * Take the port's mbufs from the pool of @p node, the node of the device's
 * memory, or from the fallback pool when that node has none (counted) or is
 * unknown. Before the device is marked running: workers load the pool
 * (port_pool()) only after they see it running.
 */
static void
vhost_numa_bind(struct port_vhost *vp, int node)
{
	struct rte_mempool *mp = port_pool_for(node);

	if (node == SOCKET_ID_ANY) {
		VHOST_LOG(INFO, "%s: guest memory on an unknown node, mbufs from pool %s",
			  vp->port.name, mp->name);
	} else if (port_pool_find(node) == mp) {
		VHOST_LOG(INFO, "%s: guest memory on node %d, mbufs from pool %s",
			  vp->port.name, node, mp->name);
	} else {
		stats_add(&vp->pool_fallbacks, 1);
		VHOST_LOG(INFO, "%s: guest memory on node %d, which has no mbuf pool: "
			  "mbufs from pool %s", vp->port.name, node, mp->name);
	}
	__atomic_store_n(&vp->port.socket, node, __ATOMIC_RELAXED);
	__atomic_store_n(&vp->port.pool, mp, __ATOMIC_RELEASE);
}

static int
vhost_new_device(int vid)
{
	int node = vhost_numa_node(vid);
	struct port_vhost *vp;
	uint16_t i, nr;

	rte_spinlock_lock(&vhost_lock);
	vp = vhost_by_vid(vid);
	if (vp == NULL) {
		rte_spinlock_unlock(&vhost_lock);
		VHOST_LOG(ERR, "new device %d on an unknown socket", vid);
		return -1;
	}
	rte_vhost_get_negotiated_features(vid, &vp->features);
	nr = rte_vhost_get_vring_num(vid);
	/* Kicks stay off: the rings are polled. */
	for (i = 0; i < nr; i++)
		rte_vhost_enable_guest_notification(vid, i, 0);
	vp->vid = vid;
	vp->use_virtq = false;
	if (vp->conf.engine == PORT_VHOST_ENGINE_VIRTQ) {
		int ret = vhost_virtq_attach(vp, vid);

		if (ret == 0)
			vp->use_virtq = true;
		else
			VHOST_LOG(WARNING, "%s: virtq engine cannot serve device %d (%s): "
				  "using the rte engine", vp->port.name, vid, strerror(-ret));
	}
	if (!vp->use_virtq) {
		vhost_fds_nonblock(vid);
		if (rte_vhost_extern_callback_register(vid, &vhost_rte_msg_ops, NULL) != 0)
			VHOST_LOG(WARNING, "%s: cannot watch device %d's messages: a call fd "
				  "it changes later may block", vp->port.name, vid);
	}
	port_vhost_tx_offloads(vp, true);
	vhost_numa_bind(vp, node);
	stats_add(&vp->connects, 1);
	vp->since = time(NULL);
	__atomic_store_n(&vp->running, true, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&vhost_lock);
	port_wake();
	VHOST_LOG(INFO, "%s: device %d up, %u vrings, features 0x%" PRIx64,
		  vp->port.name, vid, nr, vp->features);
	if (nr > 2 * vp->conf.queues)
		VHOST_LOG(WARNING, "%s: the guest has %u queue pairs, vdp polls %u (queues=%u): "
			  "what it sends on the others is never received",
			  vp->port.name, nr / 2, vp->conf.queues, vp->conf.queues);
	return 0;
}

static void
vhost_destroy_device(int vid)
{
	struct port_vhost *vp;
	unsigned int i;

	rte_spinlock_lock(&vhost_lock);
	vp = vhost_by_vid(vid);
	if (vp == NULL || vp->vid != vid) {
		rte_spinlock_unlock(&vhost_lock);
		return;
	}
	port_vhost_tx_offloads(vp, false);
	rte_spinlock_unlock(&vhost_lock);
	/* rte_vhost frees the rings when this returns: wait out the workers. */
	vhost_quiesce(vp);
	for (i = 0; i < VHOST_MAX_VRINGS; i++)
		__atomic_store_n(&vp->vring_on[i], false, __ATOMIC_RELAXED);
	if (vp->use_virtq)
		port_vhost_virtq_detach(vp);
	vp->use_virtq = false;
	vp->paused = false;
	vp->vid = -1;
	stats_add(&vp->disconnects, 1);
	vp->since = time(NULL);
	VHOST_LOG(INFO, "%s: device %d down", vp->port.name, vid);
}

static int
vhost_vring_state_changed(int vid, uint16_t vring, int enable)
{
	struct port_vhost *vp;

	rte_spinlock_lock(&vhost_lock);
	vp = vhost_by_vid(vid);
	if (vp != NULL && vring < VHOST_MAX_VRINGS)
		__atomic_store_n(&vp->vring_on[vring], enable != 0, __ATOMIC_RELEASE);
	rte_spinlock_unlock(&vhost_lock);
	if (enable)
		port_wake();
	if (vp != NULL)
		VHOST_LOG(DEBUG, "%s: vring %u %s", vp->port.name, vring,
			  enable ? "enabled" : "disabled");
	return 0;
}

static int
vhost_features_changed(int vid, uint64_t features)
{
	struct port_vhost *vp;

	rte_spinlock_lock(&vhost_lock);
	vp = vhost_by_vid(vid);
	if (vp != NULL)
		vp->features = features;
	rte_spinlock_unlock(&vhost_lock);
	return 0;
}

static const struct rte_vhost_device_ops vhost_device_ops = {
	.new_device = vhost_new_device,
	.destroy_device = vhost_destroy_device,
	.vring_state_changed = vhost_vring_state_changed,
	.features_changed = vhost_features_changed,
};

/* The virtq engine bounds a burst by bytes exactly (it sees each chain's
 * length before it takes the next); rte_vhost copies packets before vdp
 * sees their size, so there the queue's recent bytes per packet say how
 * many to ask for: an estimate. */
static uint16_t
vhost_rx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
	       uint32_t max_bytes)
{
	struct port_vhost *vp = (struct port_vhost *)p;
	uint16_t vring = 2 * q + VHOST_TXQ;

	if (unlikely(!__atomic_load_n(&vp->running, __ATOMIC_ACQUIRE) ||
		     __atomic_load_n(&vp->rx_held, __ATOMIC_ACQUIRE)))
		return 0;
	if (unlikely(!__atomic_load_n(&vp->vring_on[vring], __ATOMIC_ACQUIRE)))
		return 0;
	if (likely(vp->use_virtq))
		return port_vhost_virtq_rx(vp, q, pkts, n, max_bytes);
	return rte_vhost_dequeue_burst(vp->vid, vring, port_pool(p), pkts,
				       port_rx_est_ask(&p->rx_est[q], n, max_bytes));
}

/* Workers map their tx queue onto the guest's rx vrings; rte_vhost
 * serialises enqueues on one vring with its per-vring lock. It copies the
 * packets into guest buffers, so the ones it took are freed here. */
static uint16_t
vhost_tx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct port_vhost *vp = (struct port_vhost *)p;
	uint16_t vring = 2 * (q % vp->conf.queues) + VHOST_RXQ;
	uint16_t sent, done;

	if (unlikely(!__atomic_load_n(&vp->running, __ATOMIC_ACQUIRE)))
		return 0;
	if (likely(vp->use_virtq))
		return port_vhost_virtq_tx(vp, q, pkts, n);
	if (unlikely(!__atomic_load_n(&vp->vring_on[vring], __ATOMIC_ACQUIRE))) {
		vring = VHOST_RXQ;
		if (!__atomic_load_n(&vp->vring_on[vring], __ATOMIC_ACQUIRE))
			return 0;
	}
	/* rte_vhost takes at most VHOST_ENQ_MAX packets per call. */
	for (sent = 0; sent < n; sent += done) {
		uint16_t want = RTE_MIN(n - sent, VHOST_ENQ_MAX);

		done = rte_vhost_enqueue_burst(vp->vid, vring, pkts + sent, want);
		if (done < want) {
			sent += done;
			break;
		}
	}
	rte_pktmbuf_free_bulk(pkts, sent);
	return sent;
}

/*
 * Adaptive polling on guest tx vring 2q + 1. While no device runs there is
 * nothing to wait on: new_device() and the ring hooks call port_wake().
 */
static int
vhost_rx_notify(struct port *p, uint16_t q, bool on, struct port_notify *n)
{
	struct port_vhost *vp = (struct port_vhost *)p;
	uint16_t vring = 2 * q + VHOST_TXQ;
	struct rte_vhost_vring ring;

	if (!__atomic_load_n(&vp->running, __ATOMIC_ACQUIRE) ||
	    !__atomic_load_n(&vp->vring_on[vring], __ATOMIC_ACQUIRE)) {
		if (on)
			n->fd = -1;
		return 0;
	}
	if (likely(vp->use_virtq))
		return port_vhost_virtq_notify(vp, q, on, n);
	if (rte_vhost_get_vhost_vring(vp->vid, vring, &ring) != 0)
		return on ? -ENOTSUP : 0;
	if (!on) {
		rte_vhost_enable_guest_notification(vp->vid, vring, 0);
		return (int)RTE_MIN(port_vhost_drain_kicks(ring.kickfd), (uint64_t)INT32_MAX);
	}
	/* The caller polls once more after arming: that is the re-check. */
	if (rte_vhost_enable_guest_notification(vp->vid, vring, 1) != 0)
		return -ENOTSUP;
	n->fd = ring.kickfd;
	n->intr = false;
	return 0;
}

static bool
vhost_is_up(const struct port *p)
{
	const struct port_vhost *vp = (const struct port_vhost *)p;

	return __atomic_load_n(&vp->running, __ATOMIC_ACQUIRE);
}

/*
 * rte_vhost binds and listens in driver_start (server mode). Under the
 * umask 0177 the socket is created 0600, so no one but vdp's user can
 * connect before port_sock_perm_apply() gives it its owner, group and
 * mode. The umask is process-wide: this is safe because only the control
 * thread creates files, and this is it (workers create none; rte_vhost's
 * thread makes memfds, which a umask does not touch).
 */
static int
vhost_driver_start(const struct port_vhost *vp)
{
	mode_t old;
	int ret;

	if (vp->conf.client)
		return rte_vhost_driver_start(vp->conf.path);
	old = umask(0177);
	ret = rte_vhost_driver_start(vp->conf.path);
	umask(old);
	return ret;
}

static int
vhost_start(struct port *p)
{
	struct port_vhost *vp = (struct port_vhost *)p;
	uint64_t flags = RTE_VHOST_USER_NET_COMPLIANT_OL_FLAGS;
	uint64_t disabled = VHOST_DISABLED_FEATURES;

	if (vp->conf.client)
		flags |= RTE_VHOST_USER_CLIENT;
	if (rte_vhost_driver_register(vp->conf.path, flags) != 0) {
		VHOST_LOG(ERR, "%s: cannot register socket %s", p->name, vp->conf.path);
		return -EIO;
	}
	vp->registered = true;
	/* The virtq engine serves everything rte_vhost offers but a vIOMMU
	 * (the rte engine takes those devices), split and packed rings both.
	 * VIRTIO_F_IN_ORDER is served: it returns buffers in the order the
	 * guest made them available (bad chains and rolled-back mergeable
	 * chains included). */
	if (vp->conf.engine != PORT_VHOST_ENGINE_VIRTQ)
		disabled |= VHOST_RTE_DISABLED_FEATURES;
	if (rte_vhost_driver_disable_features(vp->conf.path, disabled) != 0 ||
	    rte_vhost_driver_callback_register(vp->conf.path, &vhost_device_ops) != 0 ||
	    vhost_driver_start(vp) != 0) {
		VHOST_LOG(ERR, "%s: cannot start vhost-user on %s", p->name, vp->conf.path);
		return -EIO;
	}
	if (!vp->conf.client) {
		int ret = port_sock_perm_apply(vp->conf.path, &vp->conf.perm,
					       PORT_VHOST_SOCK_MODE);

		if (ret < 0) {
			VHOST_LOG(ERR, "%s: cannot set the owner, group or mode of %s: %s",
				  p->name, vp->conf.path, strerror(-ret));
			return ret;
		}
	}
	VHOST_LOG(INFO, "%s: %s %s, %u queue pair(s)", p->name,
		  vp->conf.client ? "connecting to" : "listening on",
		  vp->conf.path, vp->conf.queues);
	return 0;
}

static void
vhost_stop(struct port *p)
{
	struct port_vhost *vp = (struct port_vhost *)p;

	if (!vp->registered)
		return;
	/* Destroys an attached device (through destroy_device) and, in
	 * server mode, unlinks the socket. */
	if (rte_vhost_driver_unregister(vp->conf.path) != 0)
		VHOST_LOG(WARNING, "%s: unregister of %s failed", p->name, vp->conf.path);
	vp->registered = false;
	if (!vp->conf.client)
		unlink(vp->conf.path);
}

static void
vhost_destroy(struct port *p)
{
	struct port_vhost *vp = (struct port_vhost *)p;
	unsigned int i;

	rte_spinlock_lock(&vhost_lock);
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (vhost_ports[i] == vp)
			vhost_ports[i] = NULL;
	rte_spinlock_unlock(&vhost_lock);
	rte_free(vp);
}

static const char *
vhost_engine_name(enum port_vhost_engine e)
{
	return e == PORT_VHOST_ENGINE_RTE ? "rte" : "virtq";
}

static int
vhost_show(const struct port *p, FILE *f)
{
	const struct port_vhost *vp = (const struct port_vhost *)p;
	bool up = vhost_is_up(p);

	fprintf(f, "  socket: %s (%s)\n", vp->conf.path,
		vp->conf.client ? "client" : "server");
	fprintf(f, "  state: %s, connects %" PRIu64 ", disconnects %" PRIu64 "\n",
		up ? "connected" : "waiting for peer", stats_read(&vp->connects),
		stats_read(&vp->disconnects));
	if (up)
		fprintf(f, "  features: 0x%" PRIx64 "\n", vp->features);
	fprintf(f, "  engine: %s%s\n", vhost_engine_name(vp->conf.engine),
		up && vp->conf.engine == PORT_VHOST_ENGINE_VIRTQ && !vp->use_virtq ?
		" (this device: rte)" : "");
	/* The engine's counters outlive a device: a guest that misbehaved and
	 * left still shows what it did. */
	if (vp->conf.engine == PORT_VHOST_ENGINE_VIRTQ) {
		struct virtq_stats st;
		uint64_t kicks;
		unsigned int i;

		port_vhost_virtq_stats(vp, &st, &kicks);
		fprintf(f, "  kicks %" PRIu64 ", kicks avoided %" PRIu64
			", calls %" PRIu64 ", calls avoided %" PRIu64 "\n",
			kicks, st.kicks_avoided, st.calls, st.calls_avoided);
		fprintf(f, "  zcopy %s: %" PRIu64 " zero-copied, %" PRIu64 " copied small, %"
			PRIu64 " copied capped, %" PRIu64 " stalls\n",
			port_vhost_zcopy_name(vp->conf.zcopy), st.zc_pkts, st.zc_small,
			st.zc_capped, st.zc_stalls);
		for (i = 0; i < VIRTQ_ERR_MAX; i++)
			if (st.errors[i] != 0)
				fprintf(f, "  %s: %" PRIu64 "\n", virtq_error_name(i),
					st.errors[i]);
	}
	return 0;
}

const char *
port_vhost_zcopy_name(enum port_vhost_zcopy mode)
{
	switch (mode) {
	case PORT_VHOST_ZCOPY_ON:
		return "on";
	case PORT_VHOST_ZCOPY_OFF:
		return "off";
	default:
		return "auto";
	}
}

int
port_vhost_set_zcopy(struct port *p, enum port_vhost_zcopy mode, uint32_t min)
{
	struct port_vhost *vp = (struct port_vhost *)p;

	if (port_vhost_path(p) == NULL)
		return -EINVAL;
	/* Under the lock that rte_vhost's callbacks take to set rings up. */
	rte_spinlock_lock(&vhost_lock);
	vp->conf.zcopy = mode;
	vp->conf.zcopy_min = min;
	if (vp->use_virtq)
		port_vhost_virtq_zcopy(vp);
	rte_spinlock_unlock(&vhost_lock);
	return 0;
}

/* Kicks reach the kick eventfds only: count them from the control thread. */
static void
vhost_tick(struct port *p)
{
	struct port_vhost *vp = (struct port_vhost *)p;

	if (vp->use_virtq && __atomic_load_n(&vp->running, __ATOMIC_ACQUIRE))
		port_vhost_virtq_count_kicks(vp);
}

static const struct port_ops port_vhost_ops = {
	.type = "vhost",
	.start = vhost_start,
	.stop = vhost_stop,
	.destroy = vhost_destroy,
	.rx_burst = vhost_rx_burst,
	.tx_burst = vhost_tx_burst,
	.is_up = vhost_is_up,
	.show = vhost_show,
	.tick = vhost_tick,
	.rx_notify = vhost_rx_notify,
};

const char *
port_vhost_path(const struct port *p)
{
	if (p->ops != &port_vhost_ops)
		return NULL;
	return ((const struct port_vhost *)p)->conf.path;
}

static bool
vhost_path_taken(const char *path)
{
	unsigned int i;

	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (vhost_ports[i] != NULL && strcmp(vhost_ports[i]->conf.path, path) == 0)
			return true;
	return false;
}

struct port *
port_vhost_create(const struct port_vhost_conf *conf, uint16_t nb_txq)
{
	struct port_vhost *vp;
	unsigned int i;
	int ret;

	if (vhost_path_taken(conf->path)) {
		rte_errno = EEXIST;
		return NULL;
	}
	if (!conf->client) {
		ret = port_sock_path_claim(conf->path);
		if (ret < 0) {
			rte_errno = -ret;
			return NULL;
		}
	}
	/* A device attached later takes the pool of its memory's node. */
	vp = (struct port_vhost *)port_alloc(sizeof(*vp), conf->name, &port_vhost_ops,
					     conf->queues, nb_txq, port_pool_for(SOCKET_ID_ANY),
					     STATS_DROP_GUEST_RING_FULL);
	if (vp == NULL)
		return NULL;
	vp->conf = *conf;
	vp->vid = -1;
	vp->since = time(NULL);
	ret = port_register(&vp->port);
	if (ret < 0) {
		rte_free(vp);
		rte_errno = -ret;
		return NULL;
	}
	rte_spinlock_lock(&vhost_lock);
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (vhost_ports[i] == NULL) {
			vhost_ports[i] = vp;
			break;
		}
	rte_spinlock_unlock(&vhost_lock);
	return &vp->port;
}
