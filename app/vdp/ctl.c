/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_string_fns.h>

#include "ctl.h"

RTE_LOG_REGISTER_SUFFIX(ctl_logtype, ctl, INFO);
#define CTL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ctl_logtype, "vdp: " fmt "\n", ##__VA_ARGS__)

struct ctl vdp_ctl;
pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;

int
ctl_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

struct port *
ctl_port_ref(const char *ref)
{
	unsigned long id;
	char *end;

	if (*ref == '\0')
		return NULL;
	id = strtoul(ref, &end, 10);
	if (*end == '\0')
		return id < VDP_MAX_PORTS ? port_get(id) : NULL;
	return port_find(ref);
}

bool
ctl_port_started(const struct ctl *c, const struct port *p)
{
	return !c->stopped[p->id];
}

/* Worker index of the pin of (@p port, @p q), or -1. */
static int
ctl_pin_worker(const struct ctl *c, uint16_t port, uint16_t q)
{
	unsigned int i;

	for (i = 0; i < c->nb_pins; i++)
		if (c->pins[i].port == port && c->pins[i].q == q)
			return sched_worker_index(c->pins[i].lcore);
	return -1;
}

/*
 * What placement starts from: every rx queue of the ports @p conf
 * forwards, with its pin, NUMA socket, measured load and current worker,
 * and the workers.
 */
static void
ctl_place_input(const struct ctl *c, const struct fwd_conf *conf, struct ctl_placement *pl)
{
	const struct sched_plan *cur = sched_plan_current();
	struct sched_rxq_load load;
	uint16_t i, q, w;

	memset(&pl->topo, 0, sizeof(pl->topo));
	pl->topo.nb_workers = sched_nb_workers();
	pl->topo.nb_cores = c->nb_cores;
	for (w = 0; w < pl->topo.nb_workers; w++)
		pl->topo.socket[w] = sched_worker_socket(w);
	pl->window = sched_load_window();
	pl->n = 0;
	/* At most VDP_MAX_PORTS * PORT_MAX_QUEUES entries: they fit. */
	for (i = 0; i < conf->nb_ports; i++) {
		struct port *p = conf->ports[i];

		for (q = 0; p != NULL && q < p->nb_rxq; q++) {
			struct sched_assign_rxq *r = &pl->rxq[pl->n];

			sched_load_rxq(p, q, &load);
			r->port = i;
			r->q = q;
			r->socket = port_socket(p);
			r->load = load.cycles;
			r->pin = ctl_pin_worker(c, i, q);
			r->worker = cur != NULL ? sched_plan_worker(cur, p, q) : -1;
			pl->cur[pl->n++] = r->worker;
		}
	}
}

/*
 * Place the rx queues of @p conf into @p pl: afresh with @p fresh (or when
 * no plan is in force yet), else keeping every queue where it is polled.
 */
static int
ctl_place(struct ctl *c, const struct fwd_conf *conf, bool fresh, struct ctl_placement *pl,
	  char *err, size_t errlen)
{
	int ret;

	ctl_place_input(c, conf, pl);
	ret = sched_assign(c->opts.rxq_assign, !fresh && sched_plan_current() != NULL,
			   &pl->topo, pl->rxq, pl->n);
	if (ret < 0)
		return ctl_err(err, errlen, ret, "cannot place rx queues: %s", rte_strerror(-ret));
	sched_assign_balance(&pl->topo, pl->rxq, pl->cur, pl->n, pl->window, &pl->bal);
	return 0;
}

/* ctl_commit(), with every unpinned queue placed afresh when @p fresh. */
static int
ctl_commit_place(struct ctl *c, bool fresh, char *err, size_t errlen)
{
	struct fwd_conf *conf = calloc(1, sizeof(*conf));
	struct ctl_placement *pl = malloc(sizeof(*pl));
	struct fwd_conf *old = c->conf;
	struct sched_plan *plan = NULL;
	uint16_t i, d;
	int ret = 0;

	if (conf == NULL || pl == NULL) {
		free(conf);
		free(pl);
		return ctl_err(err, errlen, -ENOMEM, "out of memory");
	}
	conf->engine = c->opts.engine;
	conf->burst = c->opts.burst;
	conf->burst_bytes = c->opts.burst_bytes;
	conf->txonly = c->opts.txonly;
	conf->pool = c->pool;
	conf->l2 = c->l2;
	conf->nb_ports = port_count();
	for (i = 0; i < conf->nb_ports; i++)
		conf->ports[i] = c->stopped[i] ? NULL : port_get(i);
	/* Only ports that are forwarded may be a destination. */
	for (i = 0; i < VDP_MAX_PORTS; i++) {
		d = c->xconnect[i];
		conf->xconnect[i] = i < conf->nb_ports && conf->ports[i] != NULL &&
				    d < conf->nb_ports && conf->ports[d] != NULL ?
				    d : FWD_NO_PORT;
	}
	if (conf->engine->begin != NULL) {
		ret = conf->engine->begin(conf);
		if (ret < 0)
			ctl_err(err, errlen, ret, "fwd %s: %s", c->opts.engine->name,
				rte_strerror(-ret));
	}
	if (ret == 0)
		ret = ctl_place(c, conf, fresh, pl, err, errlen);
	if (ret == 0) {
		plan = sched_plan_build(conf, pl->rxq, pl->n);
		if (plan == NULL)
			ret = ctl_err(err, errlen, -rte_errno, "cannot place rx queues: %s",
				      rte_strerror(rte_errno));
	}
	free(pl);
	if (ret < 0) {
		free(conf);
		return ret;
	}
	/* Returns once no worker uses the old plan, nor so the old conf. */
	sched_plan_publish(plan);
	c->conf = conf;
	free(old);
	return 0;
}

int
ctl_commit(struct ctl *c, char *err, size_t errlen)
{
	return ctl_commit_place(c, false, err, errlen);
}

int
ctl_placement(struct ctl *c, struct ctl_placement *out, char *err, size_t errlen)
{
	return ctl_place(c, c->conf, true, out, err, errlen);
}

int
ctl_rebalance(struct ctl *c, bool apply, struct ctl_placement *out, char *err,
	      size_t errlen)
{
	int ret = ctl_placement(c, out, err, errlen);

	if (ret < 0 || !apply || out->bal.moves == 0)
		return ret;
	/* The same inputs give the same placement: the dry run is what applies. */
	ret = ctl_commit_place(c, true, err, errlen);
	if (ret < 0)
		return ret;
	c->rebalances++;
	c->last_rebalance = rte_rdtsc();
	sched_load_workers_restart();
	return 0;
}

/* At a load sample: rebalance when auto-lb's conditions hold (TSC @p now). */
static void
ctl_autolb(struct ctl *c, uint64_t now)
{
	struct sched_autolb_conf ac = {
		.on = c->opts.autolb,
		.load_pct = c->opts.autolb_load,
		.improve_pct = c->opts.autolb_improve,
		.interval = c->opts.autolb_interval_s * rte_get_tsc_hz(),
	};
	uint64_t since = c->last_rebalance != 0 ? now - c->last_rebalance : UINT64_MAX;
	bool over = sched_load_overloaded(ac.load_pct);
	enum sched_autolb_verdict v;
	struct ctl_placement *pl;
	char err[CTL_ERR_LEN];

	v = sched_autolb_decide(&ac, c->opts.rxq_assign, over, since, NULL);
	/* Only NO_GAIN is left without a dry run: everything else held. */
	pl = v == SCHED_AUTOLB_NO_GAIN ? malloc(sizeof(*pl)) : NULL;
	if (pl != NULL && ctl_placement(c, pl, err, sizeof(err)) == 0) {
		c->autolb_checks++;
		v = sched_autolb_decide(&ac, c->opts.rxq_assign, over, since, &pl->bal);
		if (v == SCHED_AUTOLB_APPLY && ctl_rebalance(c, true, pl, err, sizeof(err)) == 0)
			CTL_LOG(NOTICE, "auto-lb: %u rx queues moved, load variance %.1f -> %.1f "
				"(%.0f%% better)", pl->bal.moves, pl->bal.cur_var, pl->bal.new_var,
				pl->bal.improvement);
		else if (v == SCHED_AUTOLB_APPLY)
			CTL_LOG(ERR, "auto-lb: %s", err);
		else if (c->autolb_last != v)
			CTL_LOG(INFO, "auto-lb: a worker is overloaded but no placement cuts the "
				"load variance by %u%% (best %.0f%%)", ac.improve_pct,
				pl->bal.improvement);
	}
	free(pl);
	c->autolb_last = v;
}

void
ctl_tick(struct ctl *c, uint64_t now)
{
	if (c->next_sample != 0 && now < c->next_sample)
		return;
	pthread_mutex_lock(&ctl_lock);
	c->next_sample = now + (uint64_t)c->opts.load_interval_ms * rte_get_tsc_hz() / 1000;
	sched_load_sample(now);
	ctl_autolb(c, now);
	pthread_mutex_unlock(&ctl_lock);
}

unsigned int
ctl_rxq_info(const struct ctl *c, struct ctl_rxq_info *out, unsigned int max)
{
	const struct sched_plan *plan = sched_plan_current();
	uint64_t window = sched_load_window();
	struct sched_worker_load wl;
	struct sched_rxq_load rl;
	unsigned int n = 0;
	uint16_t w, i;

	for (w = 0; plan != NULL && w < sched_nb_workers(); w++) {
		sched_load_worker(w, &wl);
		for (i = 0; i < plan->nb_rxq[w] && n < max; i++) {
			const struct sched_rxq *rq = &plan->rxq[w][i];
			struct ctl_rxq_info *r = &out[n++];
			int ws = sched_worker_socket(w);

			sched_load_rxq(rq->port, rq->q, &rl);
			r->port = rq->port;
			r->q = rq->q;
			r->worker = w;
			r->pkts = rl.pkts;
			r->cycles = rl.cycles;
			r->load_pct = window != 0 ? 100.0 * rl.cycles / window : 0;
			r->busy_pct = wl.busy != 0 ? RTE_MIN(100.0, 100.0 * rl.cycles / wl.busy) : 0;
			r->socket = port_socket(rq->port);
			r->pinned = ctl_pin_worker(c, rq->port->id, rq->q) >= 0;
			r->remote = sched_socket_remote(r->socket, ws);
		}
	}
	return n;
}

static int
ctl_l2_create(struct ctl *c, char *err, size_t errlen)
{
	struct fwd_l2_params l2 = {
		.entries = c->l2_entries,
		.age_ms = c->opts.l2_age_s * 1000,
		.socket = SOCKET_ID_ANY,
		.qsbr = sched_qsbr(),
	};

	c->l2 = fwd_l2_create(&l2);
	if (c->l2 == NULL)
		return ctl_err(err, errlen, -ENOMEM, "cannot create the l2 table: %s",
			       rte_strerror(rte_errno));
	return 0;
}

/*
 * The l2 table exists while the engine is l2: create it on the way in;
 * on the way out only drop it from @p c (the caller frees it once the
 * commit that stops its use is done).
 */
static int
ctl_l2_follow(struct ctl *c, char *err, size_t errlen)
{
	if (c->opts.engine != &fwd_l2_engine) {
		c->l2 = NULL;
		return 0;
	}
	return c->l2 == NULL ? ctl_l2_create(c, err, errlen) : 0;
}

static int
ctl_init_pins(struct ctl *c, const struct vdp_params *p, char *err, size_t errlen)
{
	uint16_t i;

	for (i = 0; i < p->nb_pins; i++) {
		struct port *port = port_find(p->pins[i].port);

		if (port == NULL)
			return ctl_err(err, errlen, -EINVAL, "[lcore %u] rxq: no port '%s'",
				       p->pins[i].lcore, p->pins[i].port);
		if (sched_worker_index(p->pins[i].lcore) < 0)
			return ctl_err(err, errlen, -EINVAL,
				       "[lcore %u]: lcore %u is not a worker lcore",
				       p->pins[i].lcore, p->pins[i].lcore);
		if (p->pins[i].q >= port->nb_rxq)
			return ctl_err(err, errlen, -EINVAL,
				       "[lcore %u] rxq: port %s has no rx queue %u",
				       p->pins[i].lcore, port->name, p->pins[i].q);
		c->pins[i].port = port->id;
		c->pins[i].q = p->pins[i].q;
		c->pins[i].lcore = p->pins[i].lcore;
	}
	c->nb_pins = p->nb_pins;
	return 0;
}

/* --poll-mode for every worker, or the [lcore N] sections' poll-mode. */
static int
ctl_init_polls(struct ctl *c, const struct vdp_params *p, char *err, size_t errlen)
{
	uint16_t i;
	int ret;

	ret = ctl_set_poll_mode(c, -1, p->poll_mode, err, errlen);
	for (i = 0; i < p->nb_polls && ret == 0 && !p->poll_mode_set; i++) {
		if (sched_worker_index(p->polls[i].lcore) < 0)
			return ctl_err(err, errlen, -EINVAL,
				       "[lcore %u]: lcore %u is not a worker lcore",
				       p->polls[i].lcore, p->polls[i].lcore);
		ret = ctl_set_poll_mode(c, p->polls[i].lcore, p->polls[i].mode, err, errlen);
	}
	return ret;
}

int
ctl_init(struct ctl *c, const struct vdp_params *p, struct rte_mempool *pool,
	 char *err, size_t errlen)
{
	struct fwd_conf pairs;
	uint16_t i;
	int ret;

	memset(c, 0, sizeof(*c));
	c->opts = p->opts;
	c->poll_mode_fixed = p->poll_mode_set;
	c->l2_entries = p->l2_entries;
	c->vhost_sock = p->vhost_sock;
	c->pool = pool;
	pairs.nb_ports = port_count();
	fwd_xconnect_pairs(&pairs);
	memcpy(c->xconnect, pairs.xconnect, sizeof(c->xconnect));
	for (i = 0; i < p->nb_xconnect; i++) {
		struct port *a = ctl_port_ref(p->xconnect[i].a);
		struct port *b = ctl_port_ref(p->xconnect[i].b);

		if (a == NULL || b == NULL)
			return ctl_err(err, errlen, -EINVAL, "port pair %s:%s: no port '%s'",
				       p->xconnect[i].a, p->xconnect[i].b,
				       a == NULL ? p->xconnect[i].a : p->xconnect[i].b);
		c->xconnect[a->id] = b->id;
		c->xconnect[b->id] = a->id;
	}
	ret = ctl_init_pins(c, p, err, errlen);
	if (ret == 0)
		ret = ctl_init_polls(c, p, err, errlen);
	if (ret == 0)
		ret = ctl_reload_init(c, p, err, errlen);
	if (ret == 0)
		ret = ctl_l2_follow(c, err, errlen);
	return ret < 0 ? ret : ctl_commit(c, err, errlen);
}

int
ctl_set_poll_mode(struct ctl *c __rte_unused, int lcore, enum sched_poll_mode mode,
		  char *err, size_t errlen)
{
	int w = lcore < 0 ? 0 : sched_worker_index(lcore);
	int last = lcore < 0 ? sched_nb_workers() - 1 : w;

	if (w < 0)
		return ctl_err(err, errlen, -EINVAL, "lcore %d is not a worker lcore", lcore);
	for (; w <= last; w++)
		if (sched_set_poll_mode(w, mode) < 0)
			return ctl_err(err, errlen, -ENOTSUP, "lcore %u cannot sleep "
				       "(no wake-up eventfd): it stays busy", sched_worker_lcore(w));
	return 0;
}

void
ctl_fini(struct ctl *c)
{
	fwd_l2_free(c->l2);
	c->l2 = NULL;
	free(c->conf);
	c->conf = NULL;
	free(c->loaded);
	c->loaded = NULL;
}

int
ctl_set_opt(struct ctl *c, const char *name, const char *value, char *err,
	    size_t errlen)
{
	const struct opts_desc *d = opts_find(name);
	struct fwd_l2_table *old_l2 = c->l2;
	struct opts_fwd old = c->opts;
	char why[CTL_ERR_LEN];
	int ret;

	if (d == NULL || !d->runtime)
		return ctl_err(err, errlen, -EINVAL, "%s cannot be changed at run time", name);
	if (opts_set(&c->opts, d, value, why, sizeof(why)) < 0)
		return ctl_err(err, errlen, -EINVAL, "%s: %s", name, why);
	ret = ctl_l2_follow(c, err, errlen);
	if (ret == 0)
		ret = ctl_commit_place(c, d->replace, err, errlen);
	if (ret < 0) {
		if (c->l2 != old_l2)
			fwd_l2_free(c->l2);
		c->l2 = old_l2;
		c->opts = old;
		return ret;
	}
	/* The commit waited for the workers: nobody reads the old table. */
	if (old_l2 != c->l2)
		fwd_l2_free(old_l2);
	/* A new sample length counts from now. */
	if (c->opts.load_interval_ms != old.load_interval_ms)
		c->next_sample = 0;
	return 0;
}

int
ctl_set_nbcore(struct ctl *c, uint16_t n, char *err, size_t errlen)
{
	uint16_t old = c->nb_cores;
	int ret;

	if (n == 0 || n > sched_nb_workers())
		return ctl_err(err, errlen, -EINVAL, "nbcore %u out of range 1..%u",
			       n, sched_nb_workers());
	c->nb_cores = n;
	ret = ctl_commit_place(c, true, err, errlen);
	if (ret < 0)
		c->nb_cores = old;
	return ret;
}

static int
ctl_need_started(const struct ctl *c, const struct port *p, char *err, size_t errlen)
{
	if (c->stopped[p->id])
		return ctl_err(err, errlen, -ENETDOWN, "port %s is stopped", p->name);
	return 0;
}

int
ctl_add_xconnect(struct ctl *c, struct port *a, struct port *b, char *err,
		 size_t errlen)
{
	uint16_t old[VDP_MAX_PORTS];
	int ret;

	ret = ctl_need_started(c, a, err, errlen);
	if (ret == 0)
		ret = ctl_need_started(c, b, err, errlen);
	if (ret < 0)
		return ret;
	memcpy(old, c->xconnect, sizeof(old));
	/* A port's old peer loses its route back to it. */
	if (c->xconnect[a->id] < VDP_MAX_PORTS && c->xconnect[c->xconnect[a->id]] == a->id)
		c->xconnect[c->xconnect[a->id]] = FWD_NO_PORT;
	if (c->xconnect[b->id] < VDP_MAX_PORTS && c->xconnect[c->xconnect[b->id]] == b->id)
		c->xconnect[c->xconnect[b->id]] = FWD_NO_PORT;
	c->xconnect[a->id] = b->id;
	c->xconnect[b->id] = a->id;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0)
		memcpy(c->xconnect, old, sizeof(old));
	return ret;
}

int
ctl_del_xconnect(struct ctl *c, const struct port *a, const struct port *b, char *err,
		 size_t errlen)
{
	int ret;

	if (c->xconnect[a->id] != b->id || c->xconnect[b->id] != a->id)
		return ctl_err(err, errlen, -ENOENT, "%s and %s are not cross-connected",
			       a->name, b->name);
	c->xconnect[a->id] = FWD_NO_PORT;
	c->xconnect[b->id] = FWD_NO_PORT;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		c->xconnect[a->id] = b->id;
		c->xconnect[b->id] = a->id;
	}
	return ret;
}

int
ctl_set_rxq_affinity(struct ctl *c, struct port *p, uint16_t q,
		     unsigned int lcore, char *err, size_t errlen)
{
	struct sched_pin saved;
	unsigned int i;
	bool added;
	int ret;

	ret = ctl_need_started(c, p, err, errlen);
	if (ret < 0)
		return ret;
	if (q >= p->nb_rxq)
		return ctl_err(err, errlen, -EINVAL, "port %s has no rx queue %u (it has %u)",
			       p->name, q, p->nb_rxq);
	if (sched_worker_index(lcore) < 0)
		return ctl_err(err, errlen, -EINVAL, "lcore %u is not a worker lcore", lcore);
	for (i = 0; i < c->nb_pins; i++)
		if (c->pins[i].port == p->id && c->pins[i].q == q)
			break;
	if (i == RTE_DIM(c->pins))
		return ctl_err(err, errlen, -ENOSPC, "too many rx queue placements (max %zu)",
			       RTE_DIM(c->pins));
	added = i == c->nb_pins;
	saved = c->pins[i];
	c->pins[i].port = p->id;
	c->pins[i].q = q;
	c->pins[i].lcore = lcore;
	if (added)
		c->nb_pins++;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		c->pins[i] = saved;
		if (added)
			c->nb_pins--;
	}
	return ret;
}

int
ctl_unpin_rxq(struct ctl *c, const struct port *p, uint16_t q, char *err, size_t errlen)
{
	struct sched_pin pins[PARAMS_MAX_PINS];
	unsigned int i, n = 0, nb_pins = c->nb_pins;
	int ret;

	memcpy(pins, c->pins, sizeof(pins));
	for (i = 0; i < c->nb_pins; i++)
		if (c->pins[i].port != p->id || c->pins[i].q != q)
			c->pins[n++] = c->pins[i];
	if (n == nb_pins)
		return ctl_err(err, errlen, -ENOENT, "rx queue %s:%u is not pinned", p->name, q);
	c->nb_pins = n;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		memcpy(c->pins, pins, sizeof(pins));
		c->nb_pins = nb_pins;
	}
	return ret;
}

/* A new port is forwarded, with no cross-connect until one is added. */
static int
ctl_port_added(struct ctl *c, struct port *p, char *err, size_t errlen)
{
	int ret;

	c->stopped[p->id] = false;
	c->xconnect[p->id] = FWD_NO_PORT;
	ret = p->ops->start(p);
	if (ret < 0) {
		ctl_err(err, errlen, ret, "port %s: cannot start: %s", p->name,
			rte_strerror(-ret));
	} else {
		ret = ctl_commit(c, err, errlen);
		if (ret == 0)
			return 0;
	}
	port_unregister(p);
	p->ops->stop(p);
	p->ops->destroy(p);
	return ret;
}

int
ctl_add_vhost(struct ctl *c, const struct port_vhost_conf *conf, char *err,
	      size_t errlen)
{
	struct port_vhost_conf with = *conf;
	struct port *p;

	if (!with.client)
		params_sock_perm_merge(&with.perm, &c->vhost_sock);
	p = port_vhost_create(&with, sched_nb_workers());

	if (p == NULL) {
		if (rte_errno == EADDRINUSE)
			return ctl_err(err, errlen, -EADDRINUSE,
				       "socket path %s is in use by another process", conf->path);
		if (rte_errno == EEXIST)
			return ctl_err(err, errlen, -EEXIST,
				       "port %s or socket %s already exists", conf->name,
				       conf->path);
		return ctl_err(err, errlen, -rte_errno, "port %s: %s: %s", conf->name,
			       conf->path, rte_strerror(rte_errno));
	}
	return ctl_port_added(c, p, err, errlen);
}

int
ctl_add_ethdev(struct ctl *c, const struct port_ethdev_conf *conf, char *err,
	       size_t errlen)
{
	struct port *p = port_ethdev_create(conf, sched_nb_workers());

	if (p == NULL)
		return ctl_err(err, errlen, -rte_errno, "cannot attach '%s': %s", conf->devargs,
			       rte_strerror(rte_errno));
	return ctl_port_added(c, p, err, errlen);
}

int
ctl_attach_ethdev(struct ctl *c, const char *devargs, char *err, size_t errlen)
{
	struct port_ethdev_conf conf = PORT_ETHDEV_CONF_DEFAULTS;

	if (strlcpy(conf.devargs, devargs, sizeof(conf.devargs)) >= sizeof(conf.devargs))
		return ctl_err(err, errlen, -EINVAL, "devargs too long");
	strlcpy(conf.name, devargs, sizeof(conf.name));
	conf.name[strcspn(conf.name, ",")] = '\0';
	return ctl_add_ethdev(c, &conf, err, errlen);
}

int
ctl_del_port(struct ctl *c, struct port *p, char *err, size_t errlen)
{
	uint16_t xconnect[VDP_MAX_PORTS];
	struct sched_pin pins[PARAMS_MAX_PINS];
	unsigned int i, n = 0, nb_pins = c->nb_pins;
	bool stopped = c->stopped[p->id];
	int ret;

	memcpy(xconnect, c->xconnect, sizeof(xconnect));
	memcpy(pins, c->pins, sizeof(pins));
	c->stopped[p->id] = true;
	for (i = 0; i < VDP_MAX_PORTS; i++)
		if (c->xconnect[i] == p->id)
			c->xconnect[i] = FWD_NO_PORT;
	c->xconnect[p->id] = FWD_NO_PORT;
	for (i = 0; i < c->nb_pins; i++)
		if (c->pins[i].port != p->id)
			c->pins[n++] = c->pins[i];
	c->nb_pins = n;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		memcpy(c->xconnect, xconnect, sizeof(xconnect));
		memcpy(c->pins, pins, sizeof(pins));
		c->nb_pins = nb_pins;
		c->stopped[p->id] = stopped;
		return ret;
	}
	/* No worker reaches the port any more. */
	port_unregister(p);
	c->stopped[p->id] = false;
	if (c->l2 != NULL)
		fwd_l2_forget_port(c->l2, p->id);
	p->ops->stop(p);
	p->ops->destroy(p);
	return 0;
}

int
ctl_port_stop(struct ctl *c, struct port *p, char *err, size_t errlen)
{
	int ret;

	if (c->stopped[p->id])
		return ctl_err(err, errlen, -EALREADY, "port %s is already stopped", p->name);
	c->stopped[p->id] = true;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		c->stopped[p->id] = false;
		return ret;
	}
	p->ops->stop(p);
	return 0;
}

int
ctl_port_start(struct ctl *c, struct port *p, char *err, size_t errlen)
{
	int ret;

	if (!c->stopped[p->id])
		return ctl_err(err, errlen, -EALREADY, "port %s is already started", p->name);
	ret = p->ops->start(p);
	if (ret < 0)
		return ctl_err(err, errlen, ret, "port %s: cannot start: %s", p->name,
			       rte_strerror(-ret));
	c->stopped[p->id] = false;
	ret = ctl_commit(c, err, errlen);
	if (ret < 0) {
		c->stopped[p->id] = true;
		p->ops->stop(p);
	}
	return ret;
}

/* One burst of generated frames out of every port that is up, sent from
 * the control thread on tx queue 0 while no worker runs. */
static void
ctl_tx_first(struct ctl *c)
{
	struct fwd_out *out = calloc(1, sizeof(*out));
	struct fwd_conf *conf = c->conf;
	struct fwd_lcore lc = { 0 };
	struct fwd_ctx ctx = { .conf = conf, .out = out, .lc = &lc };
	uint16_t i;

	if (out == NULL)
		return;
	for (i = 0; i < conf->nb_ports; i++) {
		if (conf->ports[i] == NULL || !port_is_up(conf->ports[i]))
			continue;
		ctx.rx_port = conf->ports[i];
		fwd_txonly_engine.fwd(&ctx);
	}
	fwd_out_flush(conf, out);
	free(out);
}

int
ctl_start(struct ctl *c, bool tx_first, char *err, size_t errlen)
{
	int ret;

	if (sched_running())
		return ctl_err(err, errlen, -EALREADY, "forwarding is already started");
	if (tx_first)
		ctl_tx_first(c);
	ret = sched_start();
	if (ret < 0)
		return ctl_err(err, errlen, ret, "cannot launch workers: %s", rte_strerror(-ret));
	return 0;
}

int
ctl_stop(struct ctl *c __rte_unused, char *err, size_t errlen)
{
	if (!sched_running())
		return ctl_err(err, errlen, -EALREADY, "forwarding is not started");
	sched_stop();
	return 0;
}
