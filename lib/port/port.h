/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_PORT_H
#define VDP_PORT_H

/**
 * @file
 * A port is anything vdp polls and transmits on: a vhost-user socket or a
 * DPDK ethdev. Workers only see struct port and its ops table.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "stats.h"

#ifndef VDP_MAX_PORTS
#define VDP_MAX_PORTS 32 /**< Ports in one vdp process (meson option max_ports). */
#endif
#define PORT_MAX_QUEUES 16   /**< Rx or tx queues per port. */
#define PORT_NAME_LEN 32     /**< Port name buffer, with the NUL. */

struct port;

/**
 * What a worker that wants to sleep waits on for one rx queue
 * (port_ops::rx_notify).
 */
struct port_notify {
	int fd;     /**< Readable once the queue may have packets; -1: nothing to wait
		     *   on for now (no device: the port calls port_wake() when that
		     *   changes). */
	bool intr;  /**< An rx interrupt (ethdev); else a guest's kick (vhost-user). */
};

/**
 * Operations of one port type. Unless stated otherwise a callback runs on
 * the control lcore and may block.
 */
struct port_ops {
	/** Type name shown to users: "vhost", "ethdev". */
	const char *type;
	/**
	 * Start the port: open its socket or start the device. Returns 0 or a
	 * negative errno, and logs why it failed.
	 */
	int (*start)(struct port *p);
	/**
	 * Stop the port. After it returns no worker touches the device, and
	 * rx_burst/tx_burst return 0 until the next start.
	 */
	void (*stop)(struct port *p);
	/** Release what create allocated; the port must be stopped. */
	void (*destroy)(struct port *p);
	/**
	 * Receive up to @p n packets from rx queue @p q, and stop once they
	 * hold @p max_bytes bytes or more: the packet that reaches the budget
	 * is still returned, so a burst never comes back empty for it. Exact
	 * where the port sees a packet's size before it takes the packet
	 * (the virtq engine); otherwise the port asks its device for the
	 * number of packets that reach the budget at the queue's recent bytes
	 * per packet (port_rx_est_ask()), an estimate. Runs on the one worker
	 * that owns (p, q); never blocks. The caller owns the returned mbufs.
	 * Returns 0 while the port is down.
	 */
	uint16_t (*rx_burst)(struct port *p, uint16_t q, struct rte_mbuf **pkts,
			     uint16_t n, uint32_t max_bytes);
	/**
	 * Transmit up to @p n packets on tx queue @p q. Runs on a worker; never
	 * blocks. Returns how many the port took (it then owns them); the
	 * caller still owns pkts[ret..n-1].
	 */
	uint16_t (*tx_burst)(struct port *p, uint16_t q, struct rte_mbuf **pkts,
			     uint16_t n);
	/** True when the link is up (a vhost peer is attached and running). */
	bool (*is_up)(const struct port *p);
	/** Print type-specific detail (socket, state, features) to @p f. */
	int (*show)(const struct port *p, FILE *f);
	/**
	 * Periodic housekeeping, such as counting what only the control
	 * thread can see (a vhost guest's kicks). Called by port_tick_all()
	 * about every 100 ms; never blocks. May be NULL.
	 */
	void (*tick)(struct port *p);
	/**
	 * Tx queue @p q has been idle for a while: give back what the device
	 * still holds of what was sent (transmitted mbufs a PMD frees only
	 * when its ring wraps, which may point into a guest's memory). Runs
	 * on the worker that transmits on @p q; never blocks. May be NULL.
	 */
	void (*tx_idle)(struct port *p, uint16_t q);
	/**
	 * Adaptive polling. With @p on, arm rx queue @p q: have the device
	 * notify when packets come, and fill @p n. Returns 0 when armed, 1
	 * when the queue has work already or owes the device something (the
	 * caller must keep polling), or -ENOTSUP when the queue cannot notify
	 * (the caller keeps polling). With @p on false, disarm: notifications
	 * off, and what the fd holds consumed; returns how many notifications
	 * it held, and @p n is unused. Disarming a queue that is not armed
	 * does no harm. Runs on the worker that polls (p, q); never blocks.
	 * May be NULL: the port cannot notify.
	 */
	int (*rx_notify)(struct port *p, uint16_t q, bool on, struct port_notify *n);
};

#define PORT_TSO4 0x1 /**< port.tx_tso: takes TCP/IPv4 segmentation requests. */
#define PORT_TSO6 0x2 /**< port.tx_tso: takes TCP/IPv6 segmentation requests. */

/**
 * What a port whose device takes packets before their size is known
 * (rte_vhost's dequeue, an ethdev) keeps per rx queue to bound a burst by
 * bytes: the bytes and packets of its recent bursts, each sum decayed by a
 * quarter per burst. port_rx_burst() learns it for every port; written by
 * the queue's worker only; zeroed: nothing learnt yet.
 */
struct port_rx_est {
	uint32_t bytes; /**< Decayed sum of the bytes of the queue's bursts. */
	uint32_t pkts;  /**< Decayed sum of their packets. */
} __rte_cache_aligned;

/** One port. Created by port_vhost_create() or port_ethdev_create(). */
struct port {
	char name[PORT_NAME_LEN];        /**< Unique user-visible name. */
	uint16_t id;                     /**< Index in the port table. */
	const struct port_ops *ops;      /**< Type operations. */
	uint16_t nb_rxq;                 /**< Rx queues polled. */
	uint16_t nb_txq;                 /**< Tx queues available. */
	int socket;                      /**< NUMA socket of the device (a vhost-user
					  *   device's memory), SOCKET_ID_ANY when unknown;
					  *   read with port_socket(). */
	enum stats_drop tx_full_drop;    /**< Reason counted when tx_burst takes fewer. */
	bool tx_csum;                    /**< Takes partial L4 checksums (TX_*_CKSUM) as they are. */
	uint8_t tx_tso;                  /**< TCP segmentation requests it takes as they are:
					  *   PORT_TSO4 and/or PORT_TSO6; others are segmented
					  *   in software before tx_burst. */
	struct rte_mempool *pool;        /**< Mbufs for packets received here: the
					  *   registered pool of the device's socket
					  *   (port_pool_for()); read with port_pool(). */
	struct stats_queue rxq[PORT_MAX_QUEUES]; /**< Live rx counters per queue. */
	struct stats_queue txq[PORT_MAX_QUEUES]; /**< Live tx counters per queue. */
	struct port_rx_est rx_est[PORT_MAX_QUEUES]; /**< Each rx queue's recent bytes per
						     *   packet (port_rx_burst()), for the
						     *   types that ask their device with
						     *   port_rx_est_ask(). */
	struct stats_queue rxq_base[PORT_MAX_QUEUES]; /**< Rx snapshot at last clear. */
	struct stats_queue txq_base[PORT_MAX_QUEUES]; /**< Tx snapshot at last clear. */
	bool rxq_adaptive[PORT_MAX_QUEUES]; /**< Rx queue q is polled by an adaptive worker,
					     *   which consumes its notifications itself:
					     *   the port's tick leaves them alone. Written
					     *   by the scheduler on the control thread. */
};

/** How a vhost-user port moves packets through the guest's rings. */
enum port_vhost_engine {
	PORT_VHOST_ENGINE_VIRTQ, /**< vdp's own virtqueue engine (lib/virtq). */
	PORT_VHOST_ENGINE_RTE,   /**< rte_vhost_dequeue_burst/enqueue_burst. */
};

/** Zero-copy dequeue of a vhost-user port (virtq engine). */
enum port_vhost_zcopy {
	PORT_VHOST_ZCOPY_AUTO, /**< From PORT_VHOST_ZCOPY_AUTO_MIN bytes (or zcopy_min). */
	PORT_VHOST_ZCOPY_ON,   /**< Every packet longer than the copied headers (or zcopy_min). */
	PORT_VHOST_ZCOPY_OFF,  /**< Always copy. */
};

/**
 * The auto zero-copy threshold, in bytes of packet: the size from which
 * zero-copy dequeue measured faster than copying on the benchmark host
 * (docs/benchmarks.md, "Zero-copy crossover").
 */
#define PORT_VHOST_ZCOPY_AUTO_MIN 2048
#define PORT_VHOST_ZCOPY_MIN_MAX 65536 /**< Largest zcopy_min accepted. */

#define PORT_SOCK_UID  0x1 /**< port_sock_perm.set: uid was given. */
#define PORT_SOCK_GID  0x2 /**< port_sock_perm.set: gid was given. */
#define PORT_SOCK_MODE 0x4 /**< port_sock_perm.set: mode was given. */

/** Default permission bits of a vhost-user server socket: its owner and group. */
#define PORT_VHOST_SOCK_MODE 0660

/** Owner, group and permission bits wanted for a Unix socket file vdp creates. */
struct port_sock_perm {
	uid_t uid;    /**< Owner (PORT_SOCK_UID). */
	gid_t gid;    /**< Group (PORT_SOCK_GID). */
	mode_t mode;  /**< Permission bits, 0..0777 (PORT_SOCK_MODE). */
	uint8_t set;  /**< PORT_SOCK_* of the members given; the others stay as created. */
};

/** Parameters of a vhost-user port. */
struct port_vhost_conf {
	char name[PORT_NAME_LEN];  /**< Port name. */
	char path[108];            /**< Unix socket path (sun_path limit). */
	bool client;               /**< Connect to the peer (and reconnect) instead of listening. */
	uint16_t queues;           /**< Queue pairs polled (1..PORT_MAX_QUEUES). */
	enum port_vhost_engine engine; /**< Ring engine. */
	enum port_vhost_zcopy zcopy;   /**< Zero-copy dequeue mode. */
	uint32_t zcopy_min;        /**< Zero-copy threshold in bytes; 0: the mode's default. */
	struct port_sock_perm perm; /**< Server mode: the socket file's owner, group and
				     *   mode (without one: PORT_VHOST_SOCK_MODE). */
};

/** Parameters of an ethdev port. */
struct port_ethdev_conf {
	char name[PORT_NAME_LEN];  /**< Port name. */
	char devargs[256];         /**< Device name or devargs; probed if not present yet. */
	uint16_t rxq;              /**< Rx queues polled (1..PORT_MAX_QUEUES). */
	uint16_t rx_desc;          /**< Rx ring size. */
	uint16_t tx_desc;          /**< Tx ring size. */
};

/** Initializer of a struct port_ethdev_conf: no name yet, 1 rx queue, 1024-entry rings. */
#define PORT_ETHDEV_CONF_DEFAULTS { .rxq = 1, .rx_desc = 1024, .tx_desc = 1024 }

/**
 * Create a vhost-user port and add it to the table. It listens (or
 * connects) only after port_start(). @p nb_txq is the number of tx queues
 * workers use (one per worker). Its packets come from the fallback pool
 * (port_pool_for(SOCKET_ID_ANY)) until a device attaches, then from the
 * pool of the node the device's memory is on. Returns the port or NULL
 * with rte_errno set (ENOENT: no pool registered); the reason is logged.
 */
struct port *port_vhost_create(const struct port_vhost_conf *conf,
			       uint16_t nb_txq);

/**
 * Create an ethdev port over an existing or newly probed device, configure
 * @p nb_txq tx queues, and add it to the table. Its rx queues take mbufs
 * from port_pool_for() of the device's socket. Returns the port or NULL
 * with rte_errno set (ENOENT: no pool registered).
 */
struct port *port_ethdev_create(const struct port_ethdev_conf *conf,
				uint16_t nb_txq);

/**
 * Change a vhost-user port's zero-copy mode and threshold (@p min 0: the
 * mode's default) at run time; the device's tx vrings follow from their
 * next burst, and chains already out come back as before. Control thread.
 * Returns 0 or -EINVAL (not a vhost-user port).
 */
int port_vhost_set_zcopy(struct port *p, enum port_vhost_zcopy mode, uint32_t min);

/** Name of a zero-copy mode: "auto", "on", "off". */
const char *port_vhost_zcopy_name(enum port_vhost_zcopy mode);

/**
 * Reap zero-copy state left by vrings that went away and unmap guest memory
 * tables no chain points into any more. Returns the zero-copied buffers
 * still held by destinations for rings that are gone. Control thread
 * (port_tick_all() calls it).
 */
uint32_t port_vhost_reap(void);

/**
 * Map host memory [@p addr, @p addr + @p len) (pages of @p page bytes) for
 * DMA by every ethdev port on a physical bus, at IOVA = address. Returns 0
 * when each such port has it, or a negative errno with nothing left mapped:
 * -ENODEV when no port DMAs, -ENOTSUP outside IOVA-as-VA mode. Any thread.
 */
int port_ethdev_dma_map(void *addr, size_t len, size_t page);

/** Undo port_ethdev_dma_map(). */
void port_ethdev_dma_unmap(void *addr, size_t len, size_t page);

/** Guest memory tables vdp has mapped (current and retired). Any thread. */
uint32_t port_vhost_tables(void);

/** Socket path of a vhost-user port, or NULL when @p p is not one. */
const char *port_vhost_path(const struct port *p);

/** Zero-copy counters of one tx vring, or summed over a port's. */
struct port_vhost_zc_info {
	uint64_t pkts;           /**< Packets dequeued zero-copy. */
	uint64_t small;          /**< Packets copied for being under the threshold. */
	uint64_t capped;         /**< Packets copied for the in-flight cap (or a stall). */
	uint64_t stalls;         /**< Times a buffer was out longer than the stall bound. */
	uint64_t drain_waits;    /**< Pauses and teardowns that waited for buffers. */
	uint64_t drain_timeouts; /**< Those that ended with buffers still out. */
	uint32_t inflight;       /**< Zero-copied buffers out now. */
};

/** One vring of a connected vhost-user device, as port_vhost_info() reads it. */
struct port_vhost_vring_info {
	uint16_t size;       /**< Ring size. */
	bool packed;         /**< A packed ring: the indices are then positions. */
	uint16_t avail_idx;  /**< Split: the guest's avail index; packed: the next
			      *   descriptor vdp takes, wrap counter in bit 15. */
	uint16_t used_idx;   /**< Split: vdp's used index; packed: where vdp's next
			      *   used descriptor goes, wrap counter in bit 15. */
	bool enabled;        /**< Enabled by the guest. */
	struct port_vhost_zc_info zc; /**< Zero-copy counters (tx vrings, virtq engine). */
};

#define PORT_VHOST_MAX_ERRORS 32 /**< Room for the ring engine's error classes. */

/** What "show vhost" and /vdp/vhost report of a vhost-user port. */
struct port_vhost_info {
	char path[108];               /**< Socket path. */
	bool client;                  /**< Client mode (vdp connects). */
	bool sock_found;              /**< stat() found the socket file: the sock_*
				       *   members below are valid. */
	char sock_owner[32];          /**< Its owner's name, or uid as a number. */
	char sock_group[32];          /**< Its group's name, or gid as a number. */
	mode_t sock_mode;             /**< Its permission bits. */
	bool connected;               /**< A device is attached and running. */
	time_t since;                 /**< Wall time of the last connect or disconnect. */
	uint64_t connects;            /**< Devices that became ready. */
	uint64_t disconnects;         /**< Devices destroyed. */
	int numa_node;                /**< NUMA node of the last device's memory;
				       *   SOCKET_ID_ANY: unknown, or no device yet. */
	const char *pool;             /**< Name of the pool its received packets come from. */
	uint64_t pool_fallbacks;      /**< Devices whose node had no pool, served from
				       *   the fallback pool (port_pool_for()). */
	const char *engine;           /**< Ring engine serving the device: "virtq" or "rte". */
	const char *zcopy;            /**< Zero-copy mode: "auto", "on" or "off". */
	uint32_t zcopy_min;           /**< Threshold in effect, bytes; 0 when off. */
	struct port_vhost_zc_info zc; /**< Zero-copy counters over every vring, kept
				       *   after the guest leaves. */
	uint64_t features;            /**< Negotiated virtio features (connected only). */
	uint64_t protocol_features;   /**< Negotiated vhost-user protocol features. */
	uint16_t nb_vrings;           /**< Vrings of the device. */
	struct port_vhost_vring_info vring[2 * PORT_MAX_QUEUES]; /**< Per vring. */
	uint64_t kicks;               /**< Guest kicks made (virtq engine). */
	uint64_t kicks_avoided;       /**< Guest kicks suppressed (virtq engine). */
	uint64_t calls;               /**< Calls into the guest made (virtq engine). */
	uint64_t calls_avoided;       /**< Calls the guest did not need (virtq engine). */
	uint16_t nb_ring_errors;      /**< Entries in ring_errors[]. */
	struct {
		const char *name;     /**< Error class (lib/virtq's name for it). */
		uint64_t count;       /**< Chains or rings it hit. */
	} ring_errors[PORT_VHOST_MAX_ERRORS]; /**< Guest ring errors the virtq engine
						* counted since start, non-zero classes
						* only; kept after the guest leaves. */
};

/**
 * Read what a vhost-user port negotiated and where its rings stand. Reads
 * the rings of a connected device: call it inside sched_reader_begin() /
 * sched_reader_end() so a teardown on rte_vhost's thread waits for it.
 * Control thread only. Returns 0, or -EINVAL when @p p is not vhost-user.
 */
int port_vhost_info(const struct port *p, struct port_vhost_info *out);

/** Name of virtio feature bit @p bit, or NULL when vdp does not know it. */
const char *port_vhost_feature_name(unsigned int bit);

/** Name of vhost-user protocol feature bit @p bit, or NULL. */
const char *port_vhost_protocol_feature_name(unsigned int bit);

/**
 * One past the highest port id in use. Ids below it whose port was removed
 * are free: port_get() returns NULL for them.
 */
uint16_t port_count(void);

/** Port by id, or NULL (no such id, or its port was removed). */
struct port *port_get(uint16_t id);

/** Port by name, or NULL. */
struct port *port_find(const char *name);

/**
 * Allocate @p size bytes (a type's state, whose first member is struct
 * port) zeroed, and fill the generic part. Checks the queue counts
 * (1..PORT_MAX_QUEUES), that there is a pool and that the name is free.
 * Returns the port, or NULL with rte_errno set (EINVAL, ENOENT: @p pool is
 * NULL, EEXIST, ENOMEM). For port types only.
 */
struct port *port_alloc(size_t size, const char *name, const struct port_ops *ops,
			uint16_t nb_rxq, uint16_t nb_txq, struct rte_mempool *pool,
			enum stats_drop tx_full_drop);

/**
 * Insert @p p into the table and give it the lowest free id. Fails with -EEXIST when the
 * name is taken and -ENOSPC when the table is full. For port types only.
 */
int port_register(struct port *p);

/**
 * Remove @p p from the table; its id becomes free. The caller stops and
 * destroys the port once no worker can reach it any more.
 */
void port_unregister(struct port *p);

/** Start every port; on failure returns the negative errno of the first. */
int port_start_all(void);

/** Stop and destroy every port, last first. Safe to call twice. */
void port_destroy_all(void);

/*
 * The mbuf pools, one per NUMA socket. The first pool registered is the
 * fallback: the pool of the main lcore's socket. The table only grows, and
 * a pool stays registered until the process exits.
 */

/**
 * Register @p mp as the pool of NUMA socket @p socket (0..RTE_MAX_NUMA_NODES-1,
 * or SOCKET_ID_ANY for a pool of no particular socket). Any thread, while
 * others read the table (writers are serialised). Returns 0, -EINVAL (no
 * pool, or a bad socket) or -EEXIST (the socket has a pool).
 */
int port_pool_add(int socket, struct rte_mempool *mp);

/** The pool registered for @p socket, or NULL when it has none. Any thread. */
struct rte_mempool *port_pool_find(int socket);

/**
 * The pool packets of a device on @p socket should come from: that
 * socket's, else (no pool there; SOCKET_ID_ANY: an unknown socket) the
 * first pool registered. NULL only while no pool is registered. Any thread.
 */
struct rte_mempool *port_pool_for(int socket);

/** Pools registered so far. Any thread. */
unsigned int port_pool_count(void);

/** The @p i-th pool registered (0: the fallback), or NULL past the count. Any thread. */
struct rte_mempool *port_pool_at(unsigned int i);

/**
 * The pool a port's received packets come from now. A vhost-user port
 * changes it when a device attaches (to the pool of its memory's node), so
 * it is read with an acquire load. Any thread.
 */
static inline struct rte_mempool *
port_pool(const struct port *p)
{
	return __atomic_load_n(&p->pool, __ATOMIC_ACQUIRE);
}

/**
 * The NUMA socket of a port's device, SOCKET_ID_ANY when unknown. A
 * vhost-user port learns it when a device attaches. Any thread.
 */
static inline int
port_socket(const struct port *p)
{
	return __atomic_load_n(&p->socket, __ATOMIC_RELAXED);
}

/** Run @p p's tx_idle op on tx queue @p q, if it has one. Worker. */
static inline void
port_tx_idle(struct port *p, uint16_t q)
{
	if (p->ops->tx_idle != NULL)
		p->ops->tx_idle(p, q);
}

/** Run the tick op of every registered port. Control lcore only. */
void port_tick_all(void);

/** Sum a port's counters since the last clear; @p rx / @p tx may be NULL. */
void port_stats_get(const struct port *p, struct stats_queue *rx,
		    struct stats_queue *tx);

/** Per-queue counters since the last clear. */
void port_stats_queue(const struct port *p, bool rx, uint16_t q,
		      struct stats_queue *out);

/** Clear a port's counters (by snapshot; safe while workers run). */
void port_stats_clear(struct port *p);

/**
 * Set the function that returns once no worker is still inside a port's
 * rx_burst/tx_burst begun before the call (the scheduler's RCU grace
 * period). Port types call port_quiesce() before they release a device.
 */
void port_set_quiesce(void (*fn)(void));

/** Wait out workers as set by port_set_quiesce(); no-op when unset. */
void port_quiesce(void);

/**
 * Set the function that wakes every sleeping worker (the scheduler's), for
 * port_wake(). Port types call port_wake() when a queue starts to have
 * something to poll that no notification fd announced: a device attached,
 * a ring enabled or set up again. Any thread.
 */
void port_set_wake(void (*fn)(void));

/** Wake sleeping workers as set by port_set_wake(); no-op when unset. */
void port_wake(void);

/** Run @p p's rx_notify op (port_ops::rx_notify); -ENOTSUP without one. Worker. */
static inline int
port_rx_notify(struct port *p, uint16_t q, bool on, struct port_notify *n)
{
	if (p->ops->rx_notify == NULL)
		return -ENOTSUP;
	return p->ops->rx_notify(p, q, on, n);
}

/**
 * Make a Unix socket path ready for a listener: usable when nothing is
 * there, or when it is a stale socket nobody listens on (left by a process
 * that died), which is removed. Returns 0, -EADDRINUSE for a live listener,
 * -EEXIST for a file that is not a socket, or another negative errno.
 */
int port_sock_path_claim(const char *path);

/**
 * Give the socket file at @p path the owner, group and mode of @p perm
 * that are set, and mode @p def_mode when none is. Returns 0 or the
 * negative errno of chown() or chmod().
 */
int port_sock_perm_apply(const char *path, const struct port_sock_perm *perm,
			 mode_t def_mode);

/** True when the port's link is up. */
static inline bool
port_is_up(const struct port *p)
{
	return p->ops->is_up(p);
}

/**
 * Receive a burst of up to @p n packets, ending with the one that brings
 * its bytes to @p max_bytes (port_ops::rx_burst), and count it on (p, q).
 * A burst that reached the budget with fewer than @p n packets counts as
 * cut by it (budget_cuts), whether or not the queue had more.
 */
static inline uint16_t
port_rx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
	      uint32_t max_bytes)
{
	uint16_t nb = p->ops->rx_burst(p, q, pkts, n, max_bytes);
	uint64_t bytes = 0;
	uint16_t i;

	if (nb == 0)
		return 0;
	for (i = 0; i < nb; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	stats_add(&p->rxq[q].pkts, nb);
	stats_add(&p->rxq[q].bytes, bytes);
	stats_add(&p->rxq[q].bursts, 1);
	p->rx_est[q].bytes += (uint32_t)bytes - (p->rx_est[q].bytes >> 2);
	p->rx_est[q].pkts += nb - (p->rx_est[q].pkts >> 2);
	if (unlikely(bytes >= max_bytes) && nb < n)
		stats_add(&p->rxq[q].budget_cuts, 1);
	return nb;
}

/**
 * How many packets to ask the device for: @p n, or fewer when at the
 * queue's recent bytes per packet @p n would pass @p max_bytes: then as
 * many as reach it, the last one included, as an exact burst takes (at
 * least 1). With nothing learnt yet, @p n. No division unless the budget
 * binds.
 */
static inline uint16_t
port_rx_est_ask(const struct port_rx_est *e, uint16_t n, uint32_t max_bytes)
{
	uint64_t budget = (uint64_t)max_bytes * e->pkts;

	/* Also taken with nothing learnt (0 <= 0): below, bytes > 0. */
	if ((uint64_t)e->bytes * n <= budget)
		return n;
	return (uint16_t)RTE_MAX((budget + e->bytes - 1) / e->bytes, 1ULL);
}

/** Count a tx burst; free and count as dropped what the port did not take. */
static inline uint16_t
port_tx_account(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n,
		uint16_t sent, uint64_t bytes)
{
	uint16_t i;

	if (unlikely(sent < n)) {
		enum stats_drop why = port_is_up(p) ? p->tx_full_drop :
						      STATS_DROP_LINK_DOWN;

		for (i = sent; i < n; i++)
			bytes -= rte_pktmbuf_pkt_len(pkts[i]);
		stats_add(&p->txq[q].drops[why], n - sent);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
	if (sent) {
		stats_add(&p->txq[q].pkts, sent);
		stats_add(&p->txq[q].bytes, bytes);
		stats_add(&p->txq[q].bursts, 1);
	}
	return sent;
}

/**
 * port_tx_burst() for a burst holding offload requests (checksum or
 * segmentation): what @p p cannot take is done in software first. A packet
 * that cannot be segmented is dropped and counted. Returns the number of
 * frames sent (each segment of a segmented packet counts).
 */
uint16_t port_tx_burst_offload(struct port *p, uint16_t q, struct rte_mbuf **pkts,
			       uint16_t n);

/**
 * Transmit a burst on (p, q). Every packet is consumed: the ones the port
 * does not take are freed and counted as drops, as link_down when the port
 * is down and as the port's tx_full_drop reason otherwise. Checksum and
 * segmentation requests the port cannot take are done in software. Returns
 * the number of frames sent.
 */
static inline uint16_t
port_tx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0, slow = RTE_MBUF_F_TX_TCP_SEG;
	uint16_t i;

	if (!__atomic_load_n(&p->tx_csum, __ATOMIC_RELAXED))
		slow |= RTE_MBUF_F_TX_L4_MASK;
	/* Once taken, a packet may already be freed: count bytes first. */
	for (i = 0; i < n; i++) {
		if (unlikely(pkts[i]->ol_flags & slow))
			return port_tx_burst_offload(p, q, pkts, n);
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	}
	return port_tx_account(p, q, pkts, n, p->ops->tx_burst(p, q, pkts, n), bytes);
}

#endif /* VDP_PORT_H */
