/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_PORT_VHOST_PRIV_H
#define VDP_PORT_VHOST_PRIV_H

/**
 * @file
 * State shared by the vhost-user port (port_vhost.c: socket lifecycle and
 * the rte engine) and its virtq engine (port_vhost_virtq.c).
 */

#include <stdbool.h>
#include <time.h>

#include <rte_log.h>
#include <rte_spinlock.h>

#include "port.h"
#include "virtq.h"

extern int port_vhost_logtype;
#define VHOST_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_vhost_logtype, "vhost: " fmt "\n", ##__VA_ARGS__)
/* The same, at most once a second per call site. */
#define VHOST_LOG_RL(level, fmt, ...) do { \
	static uint64_t vhost_rl_next_; \
	if (stats_log_due(&vhost_rl_next_)) \
		VHOST_LOG(level, fmt, ##__VA_ARGS__); \
} while (0)

/* Bounded wait for zero-copied buffers before a ring change or teardown. */
#define PORT_VHOST_ZC_DRAIN_MS 200

#define VHOST_MAX_VRINGS (2 * PORT_MAX_QUEUES)
#define VHOST_RXQ 0 /* guest rx vring of a pair: we enqueue */
#define VHOST_TXQ 1 /* guest tx vring of a pair: we dequeue */

/** One vring under the virtq engine. */
struct port_vhost_vring {
	struct virtq vq;          /**< Engine state: used by one worker, or while paused. */
	struct port_vhost *vp;    /**< Owning port (dirty-log context). */
	uint16_t idx;             /**< Vring index in the device. */
	bool ready;               /**< vq is set up for the current device. */
	int kickfd;               /**< Guest kick eventfd, read only to count kicks. */
	uint64_t kicks;           /**< Kicks the guest made while polled; written by the
				   *   control thread's tick (stats_add), read with
				   *   stats_read(). */
	uint64_t kicks_woke;      /**< Kicks an adaptive worker consumed after it armed the
				   *   ring (that worker, stats_add). */
	uint64_t zc_drain_waits;  /**< Drains that found zero-copied buffers out (rte_vhost
				   *   thread, stats_add). */
	uint64_t zc_drain_timeouts; /**< Drains that ended with buffers still out. */
	rte_spinlock_t lock;      /**< Serialises workers that share one guest rx vring. */
};

struct port_vhost_mem;

/** State of one vhost-user port. */
struct port_vhost {
	struct port port;             /**< Generic part; must stay first. */
	struct port_vhost_conf conf;  /**< Socket path, mode, queue pairs, engine. */
	bool registered;              /**< The path is registered with rte_vhost. */
	int vid;                      /**< rte_vhost device id while running, else -1. */
	bool running;                 /**< A device is attached and its rings usable. */
	bool rx_held;                 /**< Take nothing from the guest (a pause is draining:
				       *   packets already taken still go out). */
	bool use_virtq;               /**< The running device is served by the virtq engine. */
	bool paused;                  /**< Stopped by a vhost-user message that changes rings. */
	bool vring_on[VHOST_MAX_VRINGS]; /**< Vring enabled by the guest. */
	uint64_t features;            /**< Negotiated virtio features. */
	uint64_t connects;            /**< Devices that became ready (rte_vhost thread, stats_add). */
	uint64_t disconnects;         /**< Devices destroyed (rte_vhost thread, stats_add). */
	uint64_t pool_fallbacks;      /**< Devices whose memory is on a node without an mbuf
				       *   pool, served from another node's (rte_vhost
				       *   thread, stats_add). */
	time_t since;                 /**< Wall time of the last state change. */
	struct port_vhost_mem *mem;   /**< vdp's mapping of guest memory (virtq engine). */
	struct port_vhost_vring vr[VHOST_MAX_VRINGS]; /**< Vrings (virtq engine). */
};

/**
 * Publish what the port's tx path may hand the guest as it is: partial
 * checksums (GUEST_CSUM) and TCP segmentation (GUEST_TSO4/6), as
 * negotiated, with the virtq engine; nothing when @p on is false or the
 * rte engine serves the device.
 */
void port_vhost_tx_offloads(struct port_vhost *vp, bool on);

/**
 * Make a guest's call or kick fd non-blocking. vhost-user lets the guest
 * pass any fd (a pipe nobody reads, say): a worker writing a call to it,
 * or reading kicks from it, must never block. An eventfd's other side
 * sees no difference.
 */
void port_vhost_fd_nonblock(int fd);

/*
 * The virtq engine's side of a device's life. port_vhost.c calls these and
 * is the only writer of the port's state (running, rx_held, paused,
 * features, use_virtq, vid); these read vp->features and vp->vid and keep
 * the engine's state (memory table, vrings, kicks).
 */

/**
 * Set up the virtq engine on device @p vid: memory table, vrings and their
 * indices, for vp->features. Returns 0, or a negative errno when the
 * device must fall back to the rte engine (nothing is left set up).
 */
int port_vhost_virtq_attach(struct port_vhost *vp, int vid);

/**
 * The device is paused for a message that may change its rings: drain the
 * zero-copied buffers (bounded, counted) and hand the ring indices to
 * rte_vhost. With @p rings_kept false (the message re-sizes, moves or
 * re-bases a ring), what is still out after the drain is orphaned: no used
 * entry is written for it. Workers must already be out of the rings.
 */
void port_vhost_virtq_pause(struct port_vhost *vp, bool rings_kept);

/** Zero-copy threshold of the port's configuration, in bytes; UINT32_MAX: off. */
uint32_t port_vhost_virtq_zc_threshold(const struct port_vhost *vp);

/**
 * Apply the port's zcopy configuration (vp->conf.zcopy, zcopy_min) to
 * every ready tx vring. Any thread; workers see it from their next burst.
 */
void port_vhost_virtq_zcopy(struct port_vhost *vp);

/**
 * After the message: set the memory table and every vring up again from
 * what rte_vhost now holds, for vp->features. Returns 0 or a negative
 * errno (the port must then stay down).
 */
int port_vhost_virtq_resume(struct port_vhost *vp, int vid);

/**
 * Drain, orphan what is still out, hand the ring indices back to rte_vhost
 * and release the engine's state; the memory mapping goes once nothing
 * points into it. Workers must already be out (a grace period after
 * running was cleared).
 */
void port_vhost_virtq_detach(struct port_vhost *vp);

/**
 * Dequeue up to @p n packets, ending with the one that reaches @p max_bytes
 * (virtq_dequeue_burst()), from guest tx vring of queue pair @p q (worker).
 */
uint16_t port_vhost_virtq_rx(struct port_vhost *vp, uint16_t q,
			     struct rte_mbuf **pkts, uint16_t n, uint32_t max_bytes);

/** Enqueue to the guest rx vring that tx queue @p q maps to (worker). */
uint16_t port_vhost_virtq_tx(struct port_vhost *vp, uint16_t q,
			     struct rte_mbuf **pkts, uint16_t n);

/**
 * Arm (@p on) or disarm the guest tx vring of queue pair @p q for an
 * adaptive worker, as port_ops::rx_notify says. Worker that polls it.
 */
int port_vhost_virtq_notify(struct port_vhost *vp, uint16_t q, bool on,
			    struct port_notify *n);

/**
 * Drain a kick eventfd without blocking; returns the kicks it held (0 for
 * fd -1). Any thread that owns the fd's reading.
 */
uint64_t port_vhost_drain_kicks(int fd);

/**
 * Count the kicks the guest made since the last call, draining the kick
 * eventfds of the ready vrings, but those of rx queues an adaptive worker
 * reads itself (port.rxq_adaptive). Control thread (the periodic port tick).
 */
void port_vhost_virtq_count_kicks(struct port_vhost *vp);

/**
 * Sum of the engine's counters over the device's vrings into @p out, and
 * the kicks counted so far into @p kicks. No side effect; any thread.
 */
void port_vhost_virtq_stats(const struct port_vhost *vp, struct virtq_stats *out,
			    uint64_t *kicks);

/**
 * The ring positions vring @p vring's queue reached (virtq_get_base()), as
 * its worker last wrote them: for show, any thread.
 */
void port_vhost_virtq_base(const struct port_vhost *vp, uint16_t vring, uint16_t *avail,
			   uint16_t *used);

/**
 * Add vring @p vring's zero-copy counters to @p acc, and with @p live its
 * buffers out now. Any thread; @p live only between sched_reader_begin()
 * and sched_reader_end() and after seeing the device running, so that a
 * teardown waits before it frees the vring's state.
 */
void port_vhost_virtq_zc_info(const struct port_vhost *vp, uint16_t vring, bool live,
			      struct port_vhost_zc_info *acc);

#endif /* VDP_PORT_VHOST_PRIV_H */
