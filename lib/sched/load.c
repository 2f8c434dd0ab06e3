/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Load history: the control thread samples every rx queue's busy cycles
 * (counted by the worker that polls it) and every worker's cycles at a
 * fixed interval and keeps the last SCHED_LOAD_HIST samples. Placement
 * and auto-lb read the history; only the control thread touches it.
 */

#include <string.h>

#include "vdp_sched.h"

/* The history of one rx queue. */
struct load_rxq {
	const struct port *port;         /* port the slot follows; NULL: unused */
	uint64_t last_cycles;            /* live counters at the last sample */
	uint64_t last_pkts;
	uint64_t cycles[SCHED_LOAD_HIST]; /* per sample */
	uint64_t pkts[SCHED_LOAD_HIST];
};

/* The history of one worker. */
struct load_worker {
	uint64_t last_busy;              /* live counters at the last sample */
	uint64_t last_total;
	uint64_t busy[SCHED_LOAD_HIST];  /* per sample */
	uint64_t total[SCHED_LOAD_HIST];
	unsigned int samples;            /* samples since the last reset, up to the history */
};

static struct load_rxq load_rxqs[VDP_MAX_PORTS][PORT_MAX_QUEUES];
static struct load_worker load_workers[SCHED_MAX_WORKERS];
static uint64_t load_len[SCHED_LOAD_HIST]; /* TSC length of each sample */
static unsigned int load_pos;              /* slot the next sample goes to */
static unsigned int load_samples;          /* samples kept, up to the history */
static uint64_t load_last;                 /* TSC of the last sample; 0: none yet */

static void
load_worker_counters(uint16_t w, uint64_t *busy, uint64_t *total)
{
	struct stats_lcore s;

	stats_lcore_read(sched_worker_stats(w), &s);
	*busy = s.busy_cycles;
	*total = s.busy_cycles + s.idle_cycles + s.sleep_cycles;
}

/* Start following @p p's queue @p q (a new port, or a new port on a freed id). */
static void
load_rxq_reset(struct load_rxq *h, const struct port *p, uint16_t q)
{
	memset(h, 0, sizeof(*h));
	h->port = p;
	h->last_cycles = stats_read(&p->rxq[q].cycles);
	h->last_pkts = stats_read(&p->rxq[q].pkts);
}

static void
load_sample_rxqs(void)
{
	uint16_t id, q;

	for (id = 0; id < VDP_MAX_PORTS; id++) {
		const struct port *p = id < port_count() ? port_get(id) : NULL;

		for (q = 0; q < PORT_MAX_QUEUES; q++) {
			struct load_rxq *h = &load_rxqs[id][q];
			uint64_t c, n;

			if (p == NULL || q >= p->nb_rxq) {
				h->port = NULL;
				continue;
			}
			if (h->port != p)
				load_rxq_reset(h, p, q);
			c = stats_read(&p->rxq[q].cycles);
			n = stats_read(&p->rxq[q].pkts);
			h->cycles[load_pos] = c - h->last_cycles;
			h->pkts[load_pos] = n - h->last_pkts;
			h->last_cycles = c;
			h->last_pkts = n;
		}
	}
}

void
sched_load_sample(uint64_t now)
{
	uint16_t w;

	if (load_last == 0) {
		/* The first call only sets the start of the first sample. */
		sched_load_forget();
		load_last = now;
		return;
	}
	load_len[load_pos] = now - load_last;
	load_last = now;
	load_sample_rxqs();
	for (w = 0; w < sched_nb_workers(); w++) {
		struct load_worker *h = &load_workers[w];
		uint64_t busy, total;

		load_worker_counters(w, &busy, &total);
		h->busy[load_pos] = busy - h->last_busy;
		h->total[load_pos] = total - h->last_total;
		h->last_busy = busy;
		h->last_total = total;
		if (h->samples < SCHED_LOAD_HIST)
			h->samples++;
	}
	load_pos = (load_pos + 1) % SCHED_LOAD_HIST;
	if (load_samples < SCHED_LOAD_HIST)
		load_samples++;
}

void
sched_load_forget(void)
{
	uint16_t w;

	memset(load_rxqs, 0, sizeof(load_rxqs));
	memset(load_len, 0, sizeof(load_len));
	load_pos = 0;
	load_samples = 0;
	load_last = 0;
	for (w = 0; w < sched_nb_workers(); w++) {
		memset(&load_workers[w], 0, sizeof(load_workers[w]));
		load_worker_counters(w, &load_workers[w].last_busy, &load_workers[w].last_total);
	}
}

void
sched_load_workers_restart(void)
{
	uint16_t w;

	for (w = 0; w < sched_nb_workers(); w++)
		load_workers[w].samples = 0;
}

unsigned int
sched_load_samples(void)
{
	return load_samples;
}

uint64_t
sched_load_window(void)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < SCHED_LOAD_HIST; i++)
		sum += load_len[i];
	return sum;
}

void
sched_load_rxq(const struct port *p, uint16_t q, struct sched_rxq_load *out)
{
	const struct load_rxq *h;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	if (p->id >= VDP_MAX_PORTS || q >= PORT_MAX_QUEUES)
		return;
	h = &load_rxqs[p->id][q];
	if (h->port != p)
		return;
	for (i = 0; i < SCHED_LOAD_HIST; i++) {
		out->cycles += h->cycles[i];
		out->pkts += h->pkts[i];
	}
}

void
sched_load_worker(uint16_t w, struct sched_worker_load *out)
{
	const struct load_worker *h = &load_workers[w];
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < SCHED_LOAD_HIST; i++) {
		out->busy += h->busy[i];
		out->total += h->total[i];
	}
	out->samples = h->samples;
}

bool
sched_load_overloaded(unsigned int pct)
{
	uint16_t w;
	unsigned int i;

	for (w = 0; w < sched_nb_workers(); w++) {
		const struct load_worker *h = &load_workers[w];
		bool over = h->samples == SCHED_LOAD_HIST;

		for (i = 0; over && i < SCHED_LOAD_HIST; i++)
			over = h->total[i] != 0 && h->busy[i] * 100 >= (uint64_t)pct * h->total[i];
		if (over)
			return true;
	}
	return false;
}
