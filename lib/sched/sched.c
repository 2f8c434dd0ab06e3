/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <sched.h>
#include <string.h>

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
} __rte_cache_aligned;

/* An idle worker pauses 1, 2, 4, ... up to this many times between polls. */
#define SCHED_IDLE_PAUSE_MAX 16u

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

static const struct sched_pin *
sched_pin_find(const struct sched_pin *pins, unsigned int nb_pins,
	       uint16_t port, uint16_t q)
{
	unsigned int i;

	for (i = 0; i < nb_pins; i++)
		if (pins[i].port == port && pins[i].q == q)
			return &pins[i];
	return NULL;
}

struct sched_plan *
sched_plan_build(const struct fwd_conf *conf, const struct sched_pin *pins,
		 unsigned int nb_pins, uint16_t nb_cores)
{
	struct sched_plan *plan;
	unsigned int i, next = 0;
	uint16_t pid, q;
	int w, ret = 0;

	plan = rte_zmalloc("sched_plan", sizeof(*plan), RTE_CACHE_LINE_SIZE);
	if (plan == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (nb_cores == 0 || nb_cores > sched_nb)
		nb_cores = sched_nb;
	plan->conf = conf;
	for (i = 0; i < nb_pins; i++) {
		struct port *p = port_get(pins[i].port);

		if (p == NULL || pins[i].q >= p->nb_rxq ||
		    sched_worker_index(pins[i].lcore) < 0) {
			SCHED_LOG(ERR, "bad rx queue placement: port %u queue %u lcore %u",
				  pins[i].port, pins[i].q, pins[i].lcore);
			rte_free(plan);
			rte_errno = EINVAL;
			return NULL;
		}
	}
	/* Only the ports the configuration forwards; NULL: removed or stopped. */
	for (pid = 0; pid < conf->nb_ports && ret == 0; pid++) {
		struct port *p = conf->ports[pid];

		for (q = 0; p != NULL && q < p->nb_rxq && ret == 0; q++) {
			const struct sched_pin *pin = sched_pin_find(pins, nb_pins, pid, q);

			w = pin != NULL ? sched_worker_index(pin->lcore) :
					  (int)(next++ % nb_cores);
			ret = sched_plan_add(plan, w, p, q);
		}
	}
	if (ret < 0) {
		SCHED_LOG(ERR, "too many rx queues for one worker (max %d)", SCHED_MAX_RXQ);
		rte_free(plan);
		rte_errno = -ret;
		return NULL;
	}
	return plan;
}

void
sched_synchronize(void)
{
	if (sched_qsv != NULL)
		rte_rcu_qsbr_synchronize(sched_qsv, RTE_QSBR_THRID_INVALID);
}

void
sched_plan_publish(struct sched_plan *plan)
{
	struct sched_plan *old = sched_cur;

	plan->gen = ++sched_gen;
	__atomic_store_n(&sched_cur, plan, __ATOMIC_RELEASE);
	if (old != NULL) {
		sched_synchronize();
		rte_free(old);
	}
}

void
sched_fini(void)
{
	sched_stop();
	rte_free(sched_cur);
	sched_cur = NULL;
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

	nb = port_rx_burst(rq->port, rq->q, pkts, conf->burst);
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
	uint32_t pkts = 0;
	uint16_t i;

	for (i = 0; i < plan->nb_rxq[w]; i++)
		pkts += sched_poll_one(wk, plan->conf, &plan->rxq[w][i], start);
	fwd_out_flush(plan->conf, &wk->out);
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
	} else {
		wk->idle_streak = 0;
	}
	end = rte_rdtsc();
	if (pkts != 0) {
		stats_add(&wk->stats.busy_cycles, end - start);
		stats_add(&wk->stats.pkts, pkts);
	} else {
		stats_add(&wk->stats.idle_cycles, end - start);
	}
	stats_add(&wk->stats.iterations, 1);
	return end;
}

static int
sched_worker_main(void *arg)
{
	uint16_t w = (uint16_t)(uintptr_t)arg;
	struct sched_worker *wk = &sched_workers[w];
	uint64_t first, t;

	/* EAL pinned this thread to the lcore's CPU set (-l / --lcores). */
	SCHED_LOG(INFO, "worker %u polling on lcore %u, cpu %d", w, wk->lcore, sched_getcpu());
	rte_rcu_qsbr_thread_online(sched_qsv, w);
	first = rte_rdtsc();
	t = first;
	while (!__atomic_load_n(&sched_quit, __ATOMIC_RELAXED)) {
		t = sched_iterate(wk, w, t);
		rte_rcu_qsbr_quiescent(sched_qsv, w);
	}
	/* Busy plus idle cycles add up to this exactly: no gaps. */
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
	rte_eal_mp_wait_lcore();
	sched_run = false;
}
