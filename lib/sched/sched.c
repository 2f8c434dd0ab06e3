/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "vdp_sched.h"

RTE_LOG_REGISTER_SUFFIX(sched_logtype, sched, INFO);
#define SCHED_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sched_logtype, "sched: " fmt "\n", ##__VA_ARGS__)

/** State private to one worker lcore. */
struct sched_worker {
	unsigned int lcore;          /**< EAL lcore id. */
	struct stats_lcore stats;    /**< Busy/idle cycles, bursts; written by this worker. */
	struct fwd_lcore fwd;        /**< Engine state of this worker. */
	struct fwd_out out;          /**< Output buffers of this worker. */
	unsigned int idle_streak;    /**< Empty iterations in a row, up to log2(SCHED_IDLE_PAUSE_MAX). */
	enum sched_poll_mode mode;   /**< Poll mode; the control thread writes it (relaxed). */
	int wakefd;                  /**< Eventfd the control thread writes to wake it. */
	uint32_t gen;                /**< Generation of the plan it last polled. */
	uint64_t idle_since;         /**< TSC of the first of the empty iterations in a row;
				      *   0 after one that received. */
	uint64_t woke_at;            /**< TSC of the last wake-up until a packet comes; 0 after. */
	uint32_t blocked_gen;        /**< Plan under which a queue could not notify (no sleep
				      *   is tried until the plan changes); 0: none. */
	uint32_t blocker;            /**< That queue: port id << 16 | rx queue, + 1; 0: none.
				      *   Read by the control thread (relaxed). */
	bool asleep;                 /**< In poll(); read by any thread (relaxed). */
} __rte_cache_aligned;

/* An idle worker pauses 1, 2, 4, ... up to this many times between polls. */
#define SCHED_IDLE_PAUSE_MAX 16u

static const char *const sched_mode_names[] = {
	[SCHED_POLL_BUSY] = "busy",
	[SCHED_POLL_ADAPTIVE] = "adaptive",
};

static struct sched_worker *sched_workers;
static uint16_t sched_nb;
static struct rte_rcu_qsbr *sched_qsv;
static struct sched_plan *sched_cur;     /* read by workers with acquire loads */
static uint32_t sched_gen;
static bool sched_quit;                  /* tells workers to leave the loop */
static bool sched_run;                   /* workers were launched and not stopped */

int
sched_init(void)
{
	unsigned int lcore;
	size_t sz;

	if (sched_workers != NULL)
		return sched_nb;
	sched_nb = 0;
	RTE_LCORE_FOREACH_WORKER(lcore)
		sched_nb++;
	if (sched_nb == 0)
		return -ENODEV;
	if (sched_nb > SCHED_MAX_WORKERS)
		return -E2BIG;
	sched_workers = rte_zmalloc("sched_workers",
				    sizeof(*sched_workers) * sched_nb,
				    RTE_CACHE_LINE_SIZE);
	/* One more reader than workers: the control thread (sched_reader_begin). */
	sz = rte_rcu_qsbr_get_memsize(sched_nb + 1);
	sched_qsv = rte_zmalloc("sched_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (sched_workers == NULL || sched_qsv == NULL ||
	    rte_rcu_qsbr_init(sched_qsv, sched_nb + 1) != 0) {
		rte_free(sched_workers);
		rte_free(sched_qsv);
		sched_workers = NULL;
		sched_qsv = NULL;
		return -ENOMEM;
	}
	sched_nb = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		sched_workers[sched_nb].lcore = lcore;
		sched_workers[sched_nb].out.txq = sched_nb;
		sched_workers[sched_nb].wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (sched_workers[sched_nb].wakefd < 0)
			SCHED_LOG(WARNING, "no wake-up eventfd for lcore %u (%s): it stays busy",
				  lcore, strerror(errno));
		rte_rcu_qsbr_thread_register(sched_qsv, sched_nb);
		sched_nb++;
	}
	rte_rcu_qsbr_thread_register(sched_qsv, sched_nb);
	return sched_nb;
}

void
sched_reader_begin(void)
{
	rte_rcu_qsbr_thread_online(sched_qsv, sched_nb);
}

void
sched_reader_end(void)
{
	rte_rcu_qsbr_quiescent(sched_qsv, sched_nb);
	rte_rcu_qsbr_thread_offline(sched_qsv, sched_nb);
}

bool
sched_running(void)
{
	return sched_run;
}

uint16_t
sched_nb_workers(void)
{
	return sched_nb;
}

unsigned int
sched_worker_lcore(uint16_t w)
{
	return sched_workers[w].lcore;
}

int
sched_worker_index(unsigned int lcore)
{
	uint16_t w;

	for (w = 0; w < sched_nb; w++)
		if (sched_workers[w].lcore == lcore)
			return w;
	return -1;
}

struct rte_rcu_qsbr *
sched_qsbr(void)
{
	return sched_qsv;
}

const struct stats_lcore *
sched_worker_stats(uint16_t w)
{
	return &sched_workers[w].stats;
}

static int
sched_plan_add(struct sched_plan *plan, int w, struct port *p, uint16_t q)
{
	if (plan->nb_rxq[w] >= SCHED_MAX_RXQ)
		return -ENOSPC;
	plan->rxq[w][plan->nb_rxq[w]].port = p;
	plan->rxq[w][plan->nb_rxq[w]].q = q;
	plan->nb_rxq[w]++;
	return 0;
}

struct sched_plan *
sched_plan_build(const struct fwd_conf *conf, const struct sched_assign_rxq *rxq,
		 unsigned int n)
{
	struct sched_plan *plan;
	unsigned int i;
	int ret = 0;

	plan = rte_zmalloc("sched_plan", sizeof(*plan), RTE_CACHE_LINE_SIZE);
	if (plan == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	plan->conf = conf;
	for (i = 0; i < n && ret == 0; i++) {
		struct port *p = rxq[i].port < conf->nb_ports ? conf->ports[rxq[i].port] : NULL;

		if (p == NULL) /* stopped or removed */
			continue;
		if (rxq[i].q >= p->nb_rxq || rxq[i].worker < 0 || rxq[i].worker >= sched_nb) {
			SCHED_LOG(ERR, "bad rx queue placement: port %u queue %u worker %d",
				  rxq[i].port, rxq[i].q, rxq[i].worker);
			ret = -EINVAL;
		} else {
			ret = sched_plan_add(plan, rxq[i].worker, p, rxq[i].q);
			if (ret < 0)
				SCHED_LOG(ERR, "too many rx queues for one worker (max %d)",
					  SCHED_MAX_RXQ);
		}
	}
	if (ret < 0) {
		rte_free(plan);
		rte_errno = -ret;
		return NULL;
	}
	return plan;
}

int
sched_worker_socket(uint16_t w)
{
	return (int)rte_lcore_to_socket_id(sched_workers[w].lcore);
}

void
sched_synchronize(void)
{
	if (sched_qsv != NULL)
		rte_rcu_qsbr_synchronize(sched_qsv, RTE_QSBR_THRID_INVALID);
}

const char *
sched_poll_mode_name(enum sched_poll_mode mode)
{
	return (unsigned int)mode < RTE_DIM(sched_mode_names) ? sched_mode_names[mode] : "?";
}

int
sched_poll_mode_parse(const char *name, enum sched_poll_mode *mode)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(sched_mode_names); i++)
		if (strcmp(name, sched_mode_names[i]) == 0) {
			*mode = (enum sched_poll_mode)i;
			return 0;
		}
	return -EINVAL;
}

void
sched_wake_all(void)
{
	uint16_t w;

	for (w = 0; w < sched_nb; w++)
		if (sched_workers[w].wakefd >= 0)
			eventfd_write(sched_workers[w].wakefd, 1);
}

bool
sched_sleeping(uint16_t w)
{
	return __atomic_load_n(&sched_workers[w].asleep, __ATOMIC_RELAXED);
}

/*
 * Tell the ports which rx queues an adaptive worker polls under @p plan:
 * that worker reads their notifications, so the ports' ticks must not.
 */
static void
sched_mark_adaptive(const struct sched_plan *plan)
{
	const struct fwd_conf *conf = plan->conf;
	uint16_t w, i;

	for (i = 0; i < conf->nb_ports; i++)
		if (conf->ports[i] != NULL)
			memset(conf->ports[i]->rxq_adaptive, 0,
			       sizeof(conf->ports[i]->rxq_adaptive));
	for (w = 0; w < sched_nb; w++)
		for (i = 0; i < plan->nb_rxq[w]; i++)
			plan->rxq[w][i].port->rxq_adaptive[plan->rxq[w][i].q] =
				sched_workers[w].mode == SCHED_POLL_ADAPTIVE;
}

int
sched_set_poll_mode(uint16_t w, enum sched_poll_mode mode)
{
	struct sched_worker *wk = &sched_workers[w];

	if (mode == SCHED_POLL_ADAPTIVE && wk->wakefd < 0)
		return -ENOTSUP;
	/* The ports' ticks run on this thread: once this returns they leave
	 * an adaptive worker's notifications alone, and one going busy is
	 * woken before they read its queues' again. */
	__atomic_store_n(&wk->mode, mode, __ATOMIC_RELAXED);
	if (sched_cur != NULL)
		sched_mark_adaptive(sched_cur);
	if (wk->wakefd >= 0)
		eventfd_write(wk->wakefd, 1);
	return 0;
}

enum sched_poll_mode
sched_poll_mode(uint16_t w)
{
	return __atomic_load_n(&sched_workers[w].mode, __ATOMIC_RELAXED);
}

const char *
sched_sleep_blocker(uint16_t w, char *buf, size_t len)
{
	uint32_t b = __atomic_load_n(&sched_workers[w].blocker, __ATOMIC_RELAXED);
	const struct port *p;

	if (b == 0 || sched_workers[w].mode != SCHED_POLL_ADAPTIVE)
		return NULL;
	if (b == UINT32_MAX) {
		snprintf(buf, len, "the forwarding mode generates packets");
		return buf;
	}
	p = port_get((uint16_t)((b - 1) >> 16));
	snprintf(buf, len, "port %s rx queue %u cannot notify (no rx interrupt)",
		 p != NULL ? p->name : "?", (b - 1) & 0xffff);
	return buf;
}

int
sched_plan_worker(const struct sched_plan *plan, const struct port *p, uint16_t q)
{
	uint16_t w, i;

	for (w = 0; w < sched_nb; w++)
		for (i = 0; i < plan->nb_rxq[w]; i++)
			if (plan->rxq[w][i].port == p && plan->rxq[w][i].q == q)
				return w;
	return -1;
}

/*
 * @p next without the queues that @p cur has on another worker, or NULL
 * when no queue moves (or memory is short: then the move is not made in
 * two steps, and both workers may poll the queue for one iteration).
 */
static struct sched_plan *
sched_plan_settle(const struct sched_plan *cur, const struct sched_plan *next)
{
	struct sched_plan *mid = NULL;
	uint16_t w, i;
	int owner;

	for (w = 0; w < sched_nb; w++)
		for (i = 0; i < next->nb_rxq[w]; i++) {
			const struct sched_rxq *rq = &next->rxq[w][i];

			owner = sched_plan_worker(cur, rq->port, rq->q);
			if (owner < 0 || owner == w)
				continue;
			if (mid == NULL) {
				mid = rte_zmalloc("sched_plan", sizeof(*mid), RTE_CACHE_LINE_SIZE);
				if (mid == NULL)
					return NULL;
				mid->conf = next->conf;
				memcpy(mid->nb_rxq, next->nb_rxq, sizeof(mid->nb_rxq));
				memcpy(mid->rxq, next->rxq, sizeof(mid->rxq));
			}
			/* Marked here, left out below. */
			mid->rxq[w][i].port = NULL;
		}
	for (w = 0; mid != NULL && w < sched_nb; w++) {
		uint16_t n = 0;

		for (i = 0; i < mid->nb_rxq[w]; i++)
			if (mid->rxq[w][i].port != NULL)
				mid->rxq[w][n++] = mid->rxq[w][i];
		mid->nb_rxq[w] = n;
	}
	return mid;
}

static void
sched_plan_swap(struct sched_plan *plan)
{
	struct sched_plan *old = sched_cur;

	plan->gen = ++sched_gen;
	__atomic_store_n(&sched_cur, plan, __ATOMIC_RELEASE);
	/* Sleeping workers are offline: they take the plan when they wake. */
	sched_wake_all();
	if (old != NULL) {
		sched_synchronize();
		rte_free(old);
	}
}

void
sched_plan_publish(struct sched_plan *plan)
{
	struct sched_plan *mid = sched_cur != NULL ? sched_plan_settle(sched_cur, plan) : NULL;

	if (mid != NULL)
		sched_plan_swap(mid);
	sched_mark_adaptive(plan);
	sched_plan_swap(plan);
}

void
sched_fini(void)
{
	uint16_t w;

	sched_stop();
	rte_free(sched_cur);
	sched_cur = NULL;
	for (w = 0; sched_workers != NULL && w < sched_nb; w++)
		if (sched_workers[w].wakefd >= 0)
			close(sched_workers[w].wakefd);
	rte_free(sched_workers);
	sched_workers = NULL;
	rte_free(sched_qsv);
	sched_qsv = NULL;
	sched_nb = 0;
}

const struct sched_plan *
sched_plan_current(void)
{
	return sched_cur;
}

/* This worker's tx queue on every port has gone idle. */
static void
sched_tx_idle(const struct fwd_conf *conf, const struct fwd_out *out)
{
	uint16_t i;

	for (i = 0; i < conf->nb_ports; i++)
		if (conf->ports[i] != NULL) /* NULL: stopped or removed */
			port_tx_idle(conf->ports[i], out->txq % conf->ports[i]->nb_txq);
}

/* Poll one rx queue and forward what came in; returns packets received. */
static inline uint16_t
sched_poll_one(struct sched_worker *wk, const struct fwd_conf *conf,
	       const struct sched_rxq *rq, uint64_t now)
{
	struct rte_mbuf *pkts[FWD_BURST_MAX];
	struct fwd_ctx ctx;
	uint16_t nb;

	nb = port_rx_burst(rq->port, rq->q, pkts, conf->burst, conf->burst_bytes);
	if (nb == 0 && !conf->engine->poll_empty)
		return 0;
	ctx.conf = conf;
	ctx.rx_port = rq->port;
	ctx.rxq = rq->q;
	ctx.pkts = pkts;
	ctx.nb = nb;
	ctx.out = &wk->out;
	ctx.lc = &wk->fwd;
	ctx.now = now;
	conf->engine->fwd(&ctx);
	if (nb != 0)
		stats_add(&wk->stats.burst_hist[stats_burst_bucket(nb)], 1);
	return nb;
}

/*
 * Charge the flush that ended at @p end (it began at @p t) to the queues
 * that received in this iteration, by their share of the packets.
 */
static void
sched_charge_flush(const struct sched_plan *plan, uint16_t w, const uint16_t *got,
		   uint32_t pkts, uint64_t t, uint64_t end)
{
	uint16_t i;

	for (i = 0; i < plan->nb_rxq[w]; i++) {
		const struct sched_rxq *rq = &plan->rxq[w][i];

		if (got[i] != 0)
			stats_add(&rq->port->rxq[rq->q].cycles, got[i] == pkts ? end - t :
				  (end - t) * got[i] / pkts);
	}
}

/*
 * One burst from every queue of worker @p w's list in @p plan (the
 * iteration began at TSC @p now), and the output flushed; returns the
 * packets received and, when there were some, the TSC after the flush in
 * @p end. Each queue that received is charged the cycles since the
 * previous TSC read (its burst, and the empty polls just before it) and
 * its share of the flush: the load that placement balances. The TSC is
 * read once per queue that received and once after the flush, which
 * stands for the iteration's end read.
 */
static inline uint32_t
sched_poll_all(struct sched_worker *wk, uint16_t w, const struct sched_plan *plan,
	       uint64_t now, uint64_t *end)
{
	uint16_t got[SCHED_MAX_RXQ];
	uint64_t t = now, t1;
	uint32_t pkts = 0;
	uint16_t i;

	for (i = 0; i < plan->nb_rxq[w]; i++) {
		const struct sched_rxq *rq = &plan->rxq[w][i];

		got[i] = sched_poll_one(wk, plan->conf, rq, now);
		if (got[i] != 0) {
			t1 = rte_rdtsc();
			stats_add(&rq->port->rxq[rq->q].cycles, t1 - t);
			pkts += got[i];
			t = t1;
		}
	}
	fwd_out_flush(plan->conf, &wk->out);
	if (pkts == 0)
		return 0;
	if (unlikely(wk->woke_at != 0)) {
		uint64_t us = (t - wk->woke_at) * 1000000 / rte_get_tsc_hz();

		stats_add(&wk->stats.wake_hist[stats_wake_bucket(us)], 1);
		wk->woke_at = 0;
	}
	*end = rte_rdtsc();
	sched_charge_flush(plan, w, got, pkts, t, *end);
	return pkts;
}

/* Count [@p start, @p end) as busy (with @p pkts received) or idle. */
static inline void
sched_account(struct sched_worker *wk, uint64_t start, uint64_t end, uint32_t pkts)
{
	if (pkts != 0) {
		stats_add(&wk->stats.busy_cycles, end - start);
		stats_add(&wk->stats.pkts, pkts);
		wk->idle_since = 0;
	} else {
		stats_add(&wk->stats.idle_cycles, end - start);
		if (wk->idle_since == 0)
			wk->idle_since = start;
	}
}

/*
 * Turn notifications off on every queue of worker @p w's list in @p plan,
 * a queue another worker may have left armed included. With @p take, also
 * consume what their fds hold (the kicks that woke it).
 */
static void
sched_disarm(uint16_t w, const struct sched_plan *plan, bool take)
{
	struct port_notify n;
	uint16_t i;

	for (i = 0; i < plan->nb_rxq[w]; i++)
		port_rx_notify(plan->rxq[w][i].port, plan->rxq[w][i].q, false,
			       take ? &n : NULL);
}

/*
 * One pass over the poll list: every queue gets at most one burst, which
 * is the per-queue budget that keeps one busy guest from starving others.
 * The iteration starts where the previous one ended (@p start), so the
 * time between two iterations counts too; returns where this one ended.
 */
static inline uint64_t
sched_iterate(struct sched_worker *wk, uint16_t w, uint64_t start)
{
	const struct sched_plan *plan = __atomic_load_n(&sched_cur, __ATOMIC_ACQUIRE);
	uint64_t end;
	uint32_t pkts;

	/* A queue that moved here may still be armed by its last poller. */
	if (unlikely(plan->gen != wk->gen)) {
		wk->gen = plan->gen;
		sched_disarm(w, plan, false);
	}
	pkts = sched_poll_all(wk, w, plan, start, &end);
	/* Nothing came in: back off for a moment before reading the guests'
	 * ring indices again, so that the poll does not keep pulling the
	 * cache lines they are writing away from their cores; a little longer
	 * each time, up to a bound that keeps the wait well under a
	 * microsecond. */
	if (pkts == 0) {
		unsigned int n = 1u << wk->idle_streak;

		if (n < SCHED_IDLE_PAUSE_MAX) {
			wk->idle_streak++;
			/* Idle from now on: devices give back what they sent. */
			if (n * 2 == SCHED_IDLE_PAUSE_MAX)
				sched_tx_idle(plan->conf, &wk->out);
		}
		while (n-- != 0)
			rte_pause();
		end = rte_rdtsc();
	} else {
		wk->idle_streak = 0;
	}
	sched_account(wk, start, end, pkts);
	stats_add(&wk->stats.iterations, 1);
	return end;
}

/*
 * Arm every queue of the list for notifications. Returns 0 when all are
 * armed, with their fds in @p fds (and whether each is an interrupt in
 * @p intr); otherwise disarms them again and returns 1 (a queue has work
 * or is owed something) or -1 (a queue cannot notify: wk->blocker).
 */
static int
sched_arm(struct sched_worker *wk, uint16_t w, const struct sched_plan *plan,
	  struct pollfd *fds, bool *intr, unsigned int *nfd)
{
	struct port_notify n;
	uint16_t i;
	int ret = 0;

	*nfd = 0;
	for (i = 0; i < plan->nb_rxq[w] && ret == 0; i++) {
		const struct sched_rxq *rq = &plan->rxq[w][i];

		ret = port_rx_notify(rq->port, rq->q, true, &n);
		if (ret < 0) {
			__atomic_store_n(&wk->blocker, ((uint32_t)rq->port->id << 16 | rq->q) + 1,
					 __ATOMIC_RELAXED);
			ret = -1;
		} else if (ret == 0 && n.fd >= 0) {
			fds[*nfd].fd = n.fd;
			fds[*nfd].events = POLLIN;
			intr[*nfd] = n.intr;
			(*nfd)++;
		}
	}
	if (ret != 0)
		sched_disarm(w, plan, false);
	return ret;
}

/* Count why the worker woke: a kick before an interrupt before the control thread. */
static void
sched_woken_by(struct sched_worker *wk, const struct pollfd *fds, const bool *intr,
	       unsigned int nfd)
{
	bool kick = false, irq = false;
	eventfd_t v;
	unsigned int i;

	for (i = 0; i < nfd; i++)
		if (fds[i].revents != 0) {
			kick |= !intr[i];
			irq |= intr[i];
		}
	if (fds[nfd].revents != 0)
		eventfd_read(wk->wakefd, &v);
	if (kick)
		stats_add(&wk->stats.wake_kick, 1);
	else if (irq)
		stats_add(&wk->stats.wake_intr, 1);
	else
		stats_add(&wk->stats.wake_ctl, 1);
}

/*
 * Adaptive mode, after SCHED_SLEEP_IDLE_US without a packet: arm every
 * queue, look at them once more (a packet that came between the last
 * empty poll and the arming was not notified), and sleep until a
 * notification or the control thread wakes the worker; offline for QSBR
 * meanwhile. Starts at @p start and returns where it ended; what it spent
 * awake counts as idle (or busy, when the last look found packets).
 */
static uint64_t
sched_try_sleep(struct sched_worker *wk, uint16_t w, uint64_t start)
{
	const struct sched_plan *plan = __atomic_load_n(&sched_cur, __ATOMIC_ACQUIRE);
	struct pollfd fds[SCHED_MAX_RXQ + 1];
	bool intr[SCHED_MAX_RXQ + 1];
	uint64_t t0, t1, end;
	unsigned int nfd;
	uint32_t pkts;
	int ret;

	wk->idle_since = 0;
	/* A wake-up that a whole idle spell followed had no packet to time. */
	wk->woke_at = 0;
	if (plan->conf->engine->poll_empty) {
		/* The engine makes packets of its own: never idle. */
		__atomic_store_n(&wk->blocker, UINT32_MAX, __ATOMIC_RELAXED);
		wk->blocked_gen = plan->gen;
		return start;
	}
	ret = sched_arm(wk, w, plan, fds, intr, &nfd);
	if (ret != 0) {
		if (ret < 0)
			wk->blocked_gen = plan->gen;
		return start;
	}
	__atomic_store_n(&wk->blocker, 0, __ATOMIC_RELAXED);
	/* The notification flags must be visible before the rings are read. */
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	pkts = sched_poll_all(wk, w, plan, start, &end);
	if (pkts != 0 || __atomic_load_n(&sched_cur, __ATOMIC_ACQUIRE) != plan ||
	    __atomic_load_n(&sched_quit, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&wk->mode, __ATOMIC_RELAXED) != SCHED_POLL_ADAPTIVE) {
		sched_disarm(w, plan, true);
		end = rte_rdtsc();
		sched_account(wk, start, end, pkts);
		return end;
	}
	fds[nfd].fd = wk->wakefd;
	fds[nfd].events = POLLIN;
	t0 = rte_rdtsc();
	stats_add(&wk->stats.idle_cycles, t0 - start);
	stats_add(&wk->stats.sleeps, 1);
	__atomic_store_n(&wk->asleep, true, __ATOMIC_RELAXED);
	rte_rcu_qsbr_thread_offline(sched_qsv, w);
	while (poll(fds, nfd + 1, -1) < 0 && errno == EINTR)
		;
	rte_rcu_qsbr_thread_online(sched_qsv, w);
	__atomic_store_n(&wk->asleep, false, __ATOMIC_RELAXED);
	t1 = rte_rdtsc();
	stats_add(&wk->stats.sleep_cycles, t1 - t0);
	wk->woke_at = t1;
	/* Online again: the plan may have changed meanwhile, and only the
	 * queues of the one in force are this worker's to touch. What woke
	 * it is taken first; the system calls that turn notifications off
	 * and consume them come after. */
	plan = __atomic_load_n(&sched_cur, __ATOMIC_ACQUIRE);
	wk->gen = plan->gen;
	pkts = sched_poll_all(wk, w, plan, t1, &end);
	sched_disarm(w, plan, true);
	sched_woken_by(wk, fds, intr, nfd);
	end = rte_rdtsc();
	sched_account(wk, t1, end, pkts);
	return end;
}

/* Whether the worker should try to sleep after the iteration that ended at @p now. */
static inline bool
sched_sleep_due(const struct sched_worker *wk, uint64_t now, uint64_t idle_cycles)
{
	const struct sched_plan *plan;

	if (likely(__atomic_load_n(&wk->mode, __ATOMIC_RELAXED) != SCHED_POLL_ADAPTIVE) ||
	    wk->idle_since == 0 || now - wk->idle_since < idle_cycles)
		return false;
	plan = __atomic_load_n(&sched_cur, __ATOMIC_ACQUIRE);
	return plan->gen != wk->blocked_gen;
}

static int
sched_worker_main(void *arg)
{
	uint16_t w = (uint16_t)(uintptr_t)arg;
	struct sched_worker *wk = &sched_workers[w];
	uint64_t idle_cycles = rte_get_tsc_hz() / 1000000 * SCHED_SLEEP_IDLE_US;
	uint64_t first, t;

	/* EAL pinned this thread to the lcore's CPU set (-l / --lcores). */
	SCHED_LOG(INFO, "worker %u polling on lcore %u, cpu %d", w, wk->lcore, sched_getcpu());
	rte_rcu_qsbr_thread_online(sched_qsv, w);
	wk->idle_since = 0;
	wk->woke_at = 0;
	first = rte_rdtsc();
	t = first;
	while (!__atomic_load_n(&sched_quit, __ATOMIC_RELAXED)) {
		t = sched_iterate(wk, w, t);
		if (unlikely(sched_sleep_due(wk, t, idle_cycles)))
			t = sched_try_sleep(wk, w, t);
		rte_rcu_qsbr_quiescent(sched_qsv, w);
	}
	/* Busy, idle and sleep cycles add up to this exactly: no gaps. */
	stats_add(&wk->stats.loop_cycles, t - first);
	rte_rcu_qsbr_thread_offline(sched_qsv, w);
	return 0;
}

int
sched_start(void)
{
	uint16_t w;
	int ret;

	if (sched_cur == NULL)
		return -EINVAL;
	if (sched_run)
		return -EALREADY;
	__atomic_store_n(&sched_quit, false, __ATOMIC_RELAXED);
	sched_run = true;
	for (w = 0; w < sched_nb; w++) {
		ret = rte_eal_remote_launch(sched_worker_main, (void *)(uintptr_t)w,
					    sched_workers[w].lcore);
		if (ret != 0) {
			sched_stop();
			return ret;
		}
	}
	return 0;
}

void
sched_stop(void)
{
	__atomic_store_n(&sched_quit, true, __ATOMIC_RELAXED);
	if (sched_workers != NULL)
		sched_wake_all();
	rte_eal_mp_wait_lcore();
	sched_run = false;
}
