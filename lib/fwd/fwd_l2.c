/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "fwd.h"

/*
 * An entry is one 64-bit word per hash position: (port + 1) << 48 | last
 * seen time. One word, rather than a { port, last_seen } pair, means a
 * reader never sees a new port with an old time or the reverse, and the
 * whole entry is refreshed by one relaxed store or compare-and-swap. Zero
 * means "no entry": a slot being inserted or already deleted.
 *
 * Time is the TSC in units of 1024 cycles, kept modulo 2^48: about three
 * years at 3 GHz before it wraps, and differences are taken modulo 2^48.
 */
#define L2_TIME_SHIFT 10
#define L2_TIME_BITS 48
#define L2_TIME_MASK ((UINT64_C(1) << L2_TIME_BITS) - 1)

/* A learned entry is re-stamped at most every age / L2_REFRESH_DIV. */
#define L2_REFRESH_DIV 16

/** A MAC learning table. */
struct fwd_l2_table {
	struct rte_hash *h;          /**< MAC -> position in entry[]. */
	uint64_t age;                /**< Aging time, in table time units. */
	uint64_t refresh;            /**< Minimum age before a hit re-stamps the entry. */
	struct rte_rcu_qsbr *qsbr;   /**< Set: the hash frees slots after a grace period. */
	uint64_t entry[];            /**< Per hash position: packed port and time, or 0. */
};

static inline uint64_t
l2_time(uint64_t tsc)
{
	return (tsc >> L2_TIME_SHIFT) & L2_TIME_MASK;
}

static inline uint64_t
l2_pack(uint16_t port, uint64_t now)
{
	return ((uint64_t)(port + 1) << L2_TIME_BITS) | l2_time(now);
}

static inline uint16_t
l2_port(uint64_t e)
{
	return (uint16_t)((e >> L2_TIME_BITS) - 1);
}

/*
 * Time since the entry was stamped. Workers read the TSC at different
 * moments, so an entry may be stamped slightly "after" @p now: a
 * difference in the upper half of the range is such a negative one, and
 * counts as zero.
 */
static inline uint64_t
l2_elapsed(uint64_t e, uint64_t now)
{
	uint64_t d = (l2_time(now) - e) & L2_TIME_MASK;

	return d >= (UINT64_C(1) << (L2_TIME_BITS - 1)) ? 0 : d;
}

static inline bool
l2_expired(const struct fwd_l2_table *t, uint64_t e, uint64_t now)
{
	return e == 0 || l2_elapsed(e, now) > t->age;
}

struct fwd_l2_table *
fwd_l2_create(const struct fwd_l2_params *params)
{
	static uint32_t seq;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = params->entries,
		.key_len = RTE_ETHER_ADDR_LEN,
		.socket_id = params->socket,
		/* Workers learn concurrently; lookups never take a lock. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	struct fwd_l2_table *t;
	struct rte_hash *h;
	int32_t max_pos;

	if (params->age_ms == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	snprintf(name, sizeof(name), "l2_%u",
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	rte_errno = 0;
	h = rte_hash_create(&hp);
	if (h == NULL) {
		if (rte_errno == 0)
			rte_errno = ENOMEM;
		return NULL;
	}
	/*
	 * With per-lcore slot caches (multi-writer) positions go well past
	 * params->entries; the documented bound is rte_hash_max_key_id().
	 */
	max_pos = rte_hash_max_key_id(h);
	t = rte_zmalloc_socket("fwd_l2", sizeof(*t) +
			       ((size_t)max_pos + 1) * sizeof(t->entry[0]),
			       RTE_CACHE_LINE_SIZE, params->socket);
	if (t == NULL) {
		rte_hash_free(h);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->h = h;
	t->age = ((rte_get_tsc_hz() / 1000) * params->age_ms) >> L2_TIME_SHIFT;
	t->refresh = t->age / L2_REFRESH_DIV;
	t->qsbr = params->qsbr;
	if (t->qsbr != NULL) {
		struct rte_hash_rcu_config rc = {
			.v = t->qsbr,
			.mode = RTE_HASH_QSBR_MODE_DQ,
		};

		if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
			int err = rte_errno;

			fwd_l2_free(t);
			rte_errno = err;
			return NULL;
		}
	}
	return t;
}

void
fwd_l2_free(struct fwd_l2_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_free(t);
}

int
fwd_l2_learn(struct fwd_l2_table *t, const struct rte_ether_addr *mac,
	     uint16_t port, uint64_t now)
{
	int32_t pos = rte_hash_lookup(t->h, mac);
	uint64_t e;

	if (likely(pos >= 0)) {
		e = __atomic_load_n(&t->entry[pos], __ATOMIC_RELAXED);
		/*
		 * A known host on its usual port is re-stamped only now and
		 * then: every lcore reads this line, so writing it per packet
		 * would bounce it between caches.
		 */
		if (likely(l2_port(e) == port &&
			   l2_elapsed(e, now) < t->refresh))
			return 0;
		/*
		 * 0 is a key being inserted (its adder stores the word) or
		 * being deleted. Otherwise compare-and-swap, so that a
		 * refresh racing with a delete (which zeroes the word) cannot
		 * bring a stale entry back into a slot that will be reused. A
		 * lost race only means another lcore stamped it first.
		 */
		if (e != 0)
			__atomic_compare_exchange_n(&t->entry[pos], &e,
						    l2_pack(port, now), false,
						    __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
		return 0;
	}
	pos = rte_hash_add_key(t->h, mac);
	if (unlikely(pos < 0))
		return pos;
	/*
	 * Readers may find the key before this store and see 0 (unknown):
	 * they flood for that instant, which is what a switch does anyway.
	 */
	__atomic_store_n(&t->entry[pos], l2_pack(port, now), __ATOMIC_RELAXED);
	return 0;
}

uint16_t
fwd_l2_lookup(struct fwd_l2_table *t, const struct rte_ether_addr *mac,
	      uint64_t now)
{
	int32_t pos = rte_hash_lookup(t->h, mac);
	uint64_t e;

	if (pos < 0)
		return FWD_NO_PORT;
	e = __atomic_load_n(&t->entry[pos], __ATOMIC_RELAXED);
	if (l2_expired(t, e, now))
		return FWD_NO_PORT;
	return l2_port(e);
}

/* What a sweep removes. */
enum l2_sweep {
	L2_SWEEP_AGED,  /* Entries older than the aging time. */
	L2_SWEEP_PORT,  /* Entries learned on one port. */
	L2_SWEEP_ALL,   /* Every entry (but those being inserted this instant). */
};

static bool
l2_sweep_match(const struct fwd_l2_table *t, enum l2_sweep what, uint64_t e,
	       uint64_t arg)
{
	/*
	 * 0 is a key a worker is inserting right now. Leaving it alone means
	 * no sweep ever deletes a key before its word is stamped, so a freed
	 * slot always holds 0 when it is reused.
	 */
	if (e == 0)
		return false;
	if (what == L2_SWEEP_ALL)
		return true;
	return what == L2_SWEEP_AGED ? l2_expired(t, e, arg) : l2_port(e) == arg;
}

/*
 * Delete the matching entries; control lcore only, on an EAL or registered
 * thread (rte_thread_register()), as the learning workers are: with
 * per-lcore slot caches the hash picks the cache by rte_lcore_id().
 *
 * The walk goes over the bucket array. Removing the current key empties
 * its bucket slot without moving others (no extendable buckets), so the
 * walk stays valid; a worker's concurrent cuckoo move may make it miss a
 * key, which the next sweep catches.
 */
static uint32_t
l2_sweep(struct fwd_l2_table *t, enum l2_sweep what, uint64_t arg)
{
	struct rte_ether_addr mac;
	uint32_t next = 0, n = 0;
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(t->h, &key, &data, &next)) >= 0) {
		uint64_t e = __atomic_load_n(&t->entry[pos], __ATOMIC_RELAXED);

		if (!l2_sweep_match(t, what, e, arg))
			continue;
		/*
		 * Zero the word before the key goes: a zero word stops late
		 * refreshes (see fwd_l2_learn()), and after the delete the
		 * slot may be reclaimed and reused at any time.
		 */
		__atomic_store_n(&t->entry[pos], 0, __ATOMIC_RELAXED);
		rte_ether_addr_copy(key, &mac);
		pos = rte_hash_del_key(t->h, &mac);
		if (pos < 0)
			continue;
		/*
		 * With QSBR the hash queues the slot itself and frees it
		 * once every worker has been quiescent; without it nobody
		 * else reads the table, and the lock-free mode leaves the
		 * slot to us.
		 */
		if (t->qsbr == NULL)
			rte_hash_free_key_with_position(t->h, pos);
		n++;
	}
	return n;
}

uint32_t
fwd_l2_age(struct fwd_l2_table *t, uint64_t now)
{
	return l2_sweep(t, L2_SWEEP_AGED, now);
}

void
fwd_l2_flush(struct fwd_l2_table *t)
{
	l2_sweep(t, L2_SWEEP_ALL, 0);
}

void
fwd_l2_forget_port(struct fwd_l2_table *t, uint16_t port)
{
	l2_sweep(t, L2_SWEEP_PORT, port);
}

uint32_t
fwd_l2_count(const struct fwd_l2_table *t)
{
	uint32_t next = 0, n = 0;
	const void *key;
	void *data;

	/*
	 * Walk the keys rather than rte_hash_count(): the latter also counts
	 * deleted keys whose slot is still waiting for a QSBR grace period.
	 */
	while (rte_hash_iterate(t->h, &key, &data, &next) >= 0)
		n++;
	return n;
}

unsigned int
fwd_l2_walk(const struct fwd_l2_table *t, uint64_t now, fwd_l2_walk_fn fn, void *arg)
{
	uint32_t next = 0;
	unsigned int n = 0;
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(t->h, &key, &data, &next)) >= 0) {
		uint64_t e = __atomic_load_n(&t->entry[pos], __ATOMIC_RELAXED);

		if (l2_expired(t, e, now))
			continue;
		fn(key, l2_port(e), (l2_elapsed(e, now) << L2_TIME_SHIFT) / rte_get_tsc_hz(), arg);
		n++;
	}
	return n;
}

/*
 * Send @p m to every port but the one it came from. The ports share one
 * mbuf with its reference count raised instead of one copy each: port tx
 * only reads packets (vhost copies them into guest buffers, ethdev ports
 * do not use MBUF_FAST_FREE, and free handles shared mbufs), so nothing
 * writes to the shared data. rte_pktmbuf_refcnt_update() raises every
 * segment, as each free drops every segment.
 */
static void
fwd_l2_flood(struct fwd_ctx *ctx, struct rte_mbuf *m)
{
	const struct fwd_conf *conf = ctx->conf;
	uint16_t nb = conf->nb_ports;
	uint16_t rx = ctx->rx_port->id;
	uint16_t others = 0;
	uint16_t i;

	/* A removed port leaves a NULL slot in conf->ports. */
	for (i = 0; i < nb; i++)
		others += i != rx && conf->ports[i] != NULL;
	if (unlikely(others == 0)) {
		fwd_drop(ctx, m, STATS_DROP_NO_ROUTE);
		return;
	}
	rte_pktmbuf_refcnt_update(m, (int16_t)(others - 1));
	for (i = 0; i < nb; i++)
		if (i != rx && conf->ports[i] != NULL)
			fwd_out_push(ctx, i, m);
}

/* Learn the source, then switch on the destination as a learning bridge does. */
static void
fwd_l2(struct fwd_ctx *ctx)
{
	struct fwd_l2_table *t = ctx->conf->l2;
	uint16_t rx = ctx->rx_port->id;
	struct rte_ether_hdr *eth;
	uint16_t i, dst;

	for (i = 0; i < ctx->nb; i++) {
		struct rte_mbuf *m = ctx->pkts[i];

		eth = fwd_eth_hdr(ctx, m);
		if (unlikely(eth == NULL))
			continue;
		/*
		 * A full table only means this host is flooded to until an
		 * entry ages out; the packet itself still goes through.
		 */
		if (likely(rte_is_valid_assigned_ether_addr(&eth->src_addr)))
			fwd_l2_learn(t, &eth->src_addr, rx, ctx->now);
		if (unlikely(rte_is_multicast_ether_addr(&eth->dst_addr))) {
			fwd_l2_flood(ctx, m);
			continue;
		}
		dst = fwd_l2_lookup(t, &eth->dst_addr, ctx->now);
		/* A port beyond nb_ports or removed is a stale entry: treat as unknown. */
		if (dst >= ctx->conf->nb_ports || ctx->conf->ports[dst] == NULL)
			fwd_l2_flood(ctx, m);
		else if (dst == rx)
			fwd_drop(ctx, m, STATS_DROP_NO_ROUTE);
		else
			fwd_out_push(ctx, dst, m);
	}
}

/* The table is the caller's (it lives across configurations and engine
 * switches): the engine only checks that there is one. */
static int
fwd_l2_begin(struct fwd_conf *conf)
{
	return conf->l2 == NULL ? -EINVAL : 0;
}

const struct fwd_engine fwd_l2_engine = {
	.name = "l2",
	.begin = fwd_l2_begin,
	.fwd = fwd_l2,
};
