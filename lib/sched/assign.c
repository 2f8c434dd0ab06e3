/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <string.h>

#include "sched_assign.h"

const char *const sched_assign_mode_names[] = {
	[SCHED_ASSIGN_ROUNDROBIN] = "roundrobin",
	[SCHED_ASSIGN_CYCLES] = "cycles",
	[SCHED_ASSIGN_GROUP] = "group",
	NULL,
};

static const char *const sched_autolb_verdict_names[] = {
	[SCHED_AUTOLB_OFF] = "off",
	[SCHED_AUTOLB_NOT_OVERLOADED] = "no worker overloaded",
	[SCHED_AUTOLB_TOO_SOON] = "too soon after the last rebalance",
	[SCHED_AUTOLB_NO_GAIN] = "no improvement worth a move",
	[SCHED_AUTOLB_APPLY] = "rebalanced",
};

const char *
sched_assign_mode_name(enum sched_assign_mode mode)
{
	return (unsigned int)mode <= SCHED_ASSIGN_GROUP ? sched_assign_mode_names[mode] : "?";
}

const char *
sched_autolb_verdict_name(enum sched_autolb_verdict v)
{
	return (unsigned int)v <= SCHED_AUTOLB_APPLY ? sched_autolb_verdict_names[v] : "?";
}

/* Running totals of the workers while queues are placed. */
struct assign_state {
	const struct sched_assign_topo *t;
	unsigned int ncand;                          /* workers unpinned queues may use */
	uint64_t load[SCHED_ASSIGN_MAX_WORKERS];     /* cycles placed on each */
	unsigned int count[SCHED_ASSIGN_MAX_WORKERS]; /* queues placed on each */
	/* One turn counter per candidate set (a socket, or every worker). */
	int cursor_socket[SCHED_ASSIGN_MAX_WORKERS + 1];
	unsigned int cursor[SCHED_ASSIGN_MAX_WORKERS + 1];
	unsigned int nb_cursors;
};

/* True when a candidate worker is on @p socket (so the queue stays local). */
static bool
assign_has_local(const struct assign_state *s, int socket)
{
	unsigned int w;

	for (w = 0; socket >= 0 && w < s->ncand; w++)
		if (s->t->socket[w] == socket)
			return true;
	return false;
}

/*
 * The candidates of a queue on @p socket: the workers of its socket when
 * there are any, else all; written to @p cand, returns how many. The
 * socket of the set is put in @p set (-1: all workers).
 */
static unsigned int
assign_candidates(const struct assign_state *s, int socket, unsigned int *cand, int *set)
{
	bool local = assign_has_local(s, socket);
	unsigned int w, n = 0;

	*set = local ? socket : -1;
	for (w = 0; w < s->ncand; w++)
		if (!local || s->t->socket[w] == socket)
			cand[n++] = w;
	return n;
}

/* The turn counter of candidate set @p set. */
static unsigned int *
assign_cursor(struct assign_state *s, int set)
{
	unsigned int i;

	for (i = 0; i < s->nb_cursors; i++)
		if (s->cursor_socket[i] == set)
			return &s->cursor[i];
	s->cursor_socket[s->nb_cursors] = set;
	s->cursor[s->nb_cursors] = 0;
	return &s->cursor[s->nb_cursors++];
}

/* The candidate with the least load (@p by_load), then fewest queues, then lowest index. */
static unsigned int
assign_least(const struct assign_state *s, const unsigned int *cand, unsigned int n,
	     bool by_load)
{
	unsigned int i, best = cand[0];

	for (i = 1; i < n; i++) {
		unsigned int w = cand[i];

		if (by_load && s->load[w] != s->load[best]) {
			if (s->load[w] < s->load[best])
				best = w;
		} else if (s->count[w] < s->count[best]) {
			best = w;
		}
	}
	return best;
}

/* Where unpinned queue @p r goes. */
static unsigned int
assign_pick(struct assign_state *s, enum sched_assign_mode mode, bool keep,
	    const struct sched_assign_rxq *r)
{
	unsigned int cand[SCHED_ASSIGN_MAX_WORKERS] = { 0 }, n, k, *c;
	int set;

	n = assign_candidates(s, r->socket, cand, &set);
	if (keep || mode == SCHED_ASSIGN_GROUP)
		return assign_least(s, cand, n, mode != SCHED_ASSIGN_ROUNDROBIN);
	c = assign_cursor(s, set);
	k = (*c)++;
	if (mode == SCHED_ASSIGN_ROUNDROBIN)
		return cand[k % n];
	/* cycles: up, then down, repeating the worker at each end. */
	k %= 2 * n;
	return cand[k < n ? k : 2 * n - 1 - k];
}

static void
assign_put(struct assign_state *s, struct sched_assign_rxq *r, unsigned int w)
{
	r->worker = (int)w;
	s->load[w] += r->load;
	s->count[w]++;
}

/* Sort @p idx (queue indices) by load, busiest first, keeping the order of equals. */
static void
assign_sort(const struct sched_assign_rxq *rxq, unsigned int *idx, unsigned int n)
{
	unsigned int i, j, v;

	for (i = 1; i < n; i++) {
		v = idx[i];
		for (j = i; j > 0 && rxq[idx[j - 1]].load < rxq[v].load; j--)
			idx[j] = idx[j - 1];
		idx[j] = v;
	}
}

int
sched_assign(enum sched_assign_mode mode, bool keep, const struct sched_assign_topo *t,
	     struct sched_assign_rxq *rxq, unsigned int n)
{
	struct assign_state s;
	unsigned int i, nb_todo = 0;
	unsigned int todo[SCHED_ASSIGN_MAX_RXQ];

	if (n > SCHED_ASSIGN_MAX_RXQ)
		return -E2BIG;
	if (t->nb_workers == 0 || t->nb_workers > SCHED_ASSIGN_MAX_WORKERS ||
	    (unsigned int)mode > SCHED_ASSIGN_GROUP)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	s.t = t;
	s.ncand = t->nb_cores != 0 && t->nb_cores < t->nb_workers ? t->nb_cores :
								   t->nb_workers;
	for (i = 0; i < n; i++)
		if (rxq[i].pin >= (int)t->nb_workers)
			return -EINVAL;
	for (i = 0; i < n; i++) {
		struct sched_assign_rxq *r = &rxq[i];

		if (r->pin >= 0)
			assign_put(&s, r, (unsigned int)r->pin);
		else if (keep && r->worker >= 0 && r->worker < (int)s.ncand)
			assign_put(&s, r, (unsigned int)r->worker);
		else
			todo[nb_todo++] = i;
	}
	if (!keep && mode != SCHED_ASSIGN_ROUNDROBIN)
		assign_sort(rxq, todo, nb_todo);
	for (i = 0; i < nb_todo; i++)
		assign_put(&s, &rxq[todo[i]], assign_pick(&s, mode, keep, &rxq[todo[i]]));
	return 0;
}

bool
sched_assign_remote(const struct sched_assign_topo *t, const struct sched_assign_rxq *r)
{
	return r->worker >= 0 && sched_socket_remote(r->socket, t->socket[r->worker]);
}

/* Variance of the loads (% of @p window) of the workers marked in @p counted. */
static double
assign_variance(const uint64_t *load, const bool *counted, unsigned int nb_workers,
		uint64_t window)
{
	double sum = 0, sq = 0, pct, mean;
	unsigned int w, n = 0;

	for (w = 0; w < nb_workers; w++) {
		if (!counted[w])
			continue;
		pct = window != 0 ? 100.0 * (double)load[w] / (double)window : 0;
		sum += pct;
		sq += pct * pct;
		n++;
	}
	if (n == 0)
		return 0;
	mean = sum / n;
	return sq / n - mean * mean > 0 ? sq / n - mean * mean : 0;
}

void
sched_assign_balance(const struct sched_assign_topo *t,
		     const struct sched_assign_rxq *rxq, const int *cur, unsigned int n,
		     uint64_t window, struct sched_assign_balance *out)
{
	uint64_t cur_load[SCHED_ASSIGN_MAX_WORKERS] = { 0 };
	uint64_t new_load[SCHED_ASSIGN_MAX_WORKERS] = { 0 };
	bool counted[SCHED_ASSIGN_MAX_WORKERS] = { false };
	unsigned int i, w, ncand;

	ncand = t->nb_cores != 0 && t->nb_cores < t->nb_workers ? t->nb_cores : t->nb_workers;
	for (w = 0; w < ncand; w++)
		counted[w] = true;
	out->moves = 0;
	for (i = 0; i < n; i++) {
		if (rxq[i].pin >= 0 && rxq[i].pin < (int)t->nb_workers)
			counted[rxq[i].pin] = true;
		if (cur[i] >= 0 && cur[i] < (int)t->nb_workers)
			cur_load[cur[i]] += rxq[i].load;
		if (rxq[i].worker >= 0 && rxq[i].worker < (int)t->nb_workers)
			new_load[rxq[i].worker] += rxq[i].load;
		if (cur[i] != rxq[i].worker)
			out->moves++;
	}
	out->cur_var = assign_variance(cur_load, counted, t->nb_workers, window);
	out->new_var = assign_variance(new_load, counted, t->nb_workers, window);
	out->improvement = out->cur_var > 0 ?
			   100.0 * (out->cur_var - out->new_var) / out->cur_var : 0;
}

enum sched_autolb_verdict
sched_autolb_decide(const struct sched_autolb_conf *c, enum sched_assign_mode mode,
		    bool overloaded, uint64_t since_last, const struct sched_assign_balance *b)
{
	if (!c->on || mode == SCHED_ASSIGN_ROUNDROBIN)
		return SCHED_AUTOLB_OFF;
	if (!overloaded)
		return SCHED_AUTOLB_NOT_OVERLOADED;
	if (since_last < c->interval)
		return SCHED_AUTOLB_TOO_SOON;
	if (b == NULL || b->moves == 0 || b->improvement < (double)c->improve_pct)
		return SCHED_AUTOLB_NO_GAIN;
	return SCHED_AUTOLB_APPLY;
}
