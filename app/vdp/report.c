/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "ctl.h"
#include "report.h"

static void
report_drops(FILE *f, const char *dir, const struct stats_queue *s)
{
	unsigned int i;

	for (i = 0; i < STATS_DROP_MAX; i++)
		if (s->drops[i] != 0)
			fprintf(f, "  %s-drop %s: %" PRIu64 "\n", dir,
				stats_drop_name(i), s->drops[i]);
}

static void
report_lcores(FILE *f, struct report_prev *prev)
{
	struct stats_lcore now, d;
	uint16_t w;

	for (w = 0; w < sched_nb_workers(); w++) {
		uint64_t total;

		stats_lcore_read(sched_worker_stats(w), &now);
		d = now;
		if (prev != NULL) {
			d.busy_cycles -= prev->lcore[w].busy_cycles;
			d.idle_cycles -= prev->lcore[w].idle_cycles;
			d.sleep_cycles -= prev->lcore[w].sleep_cycles;
			d.pkts -= prev->lcore[w].pkts;
			d.sleeps -= prev->lcore[w].sleeps;
			prev->lcore[w] = now;
		}
		total = d.busy_cycles + d.idle_cycles + d.sleep_cycles;
		fprintf(f, "  lcore %u: busy %.1f%%, %.1f cycles/pkt, %" PRIu64 " pkts",
			sched_worker_lcore(w),
			total ? 100.0 * d.busy_cycles / total : 0.0,
			d.pkts ? (double)d.busy_cycles / d.pkts : 0.0, d.pkts);
		/* Adaptive: how often it slept, and the share of time asleep. */
		if (d.sleeps != 0 || sched_poll_mode(w) == SCHED_POLL_ADAPTIVE)
			fprintf(f, ", %" PRIu64 " sleeps, asleep %.1f%%", d.sleeps,
				total ? 100.0 * d.sleep_cycles / total : 0.0);
		fprintf(f, "\n");
	}
}

/* Rx burst-size histogram of each worker: how full the bursts were. */
static void
report_bursts(FILE *f)
{
	static const char *const names[STATS_BURST_BUCKETS] = {
		"1", "2-3", "4-7", "8-15", "16-31", "32-63", "64-127", "128+",
	};
	struct stats_lcore s;
	unsigned int b;
	uint16_t w;

	for (w = 0; w < sched_nb_workers(); w++) {
		stats_lcore_read(sched_worker_stats(w), &s);
		fprintf(f, "  lcore %u rx bursts:", sched_worker_lcore(w));
		for (b = 0; b < STATS_BURST_BUCKETS; b++)
			if (s.burst_hist[b] != 0)
				fprintf(f, " %s:%" PRIu64, names[b], s.burst_hist[b]);
		fprintf(f, "\n");
	}
}

/*
 * Mbufs in use over every pool, as one line when there is one pool; with
 * several, then one line per pool.
 */
static void
report_pools(FILE *f)
{
	unsigned int i, n = port_pool_count();
	uint64_t used = 0, size = 0;

	for (i = 0; i < n; i++) {
		used += rte_mempool_in_use_count(port_pool_at(i));
		size += port_pool_at(i)->size;
	}
	fprintf(f, "  mbufs in use: %" PRIu64 " of %" PRIu64 "\n", used, size);
	for (i = 0; i < n && n > 1; i++) {
		const struct rte_mempool *mp = port_pool_at(i);

		fprintf(f, "    %s: %u in use, %u available, of %u\n", mp->name,
			rte_mempool_in_use_count(mp), rte_mempool_avail_count(mp), mp->size);
	}
}

void
report_prime(struct report_prev *prev)
{
	struct stats_queue rx, tx;
	uint16_t i, w;

	for (i = 0; i < port_count(); i++) {
		if (port_get(i) == NULL)
			continue;
		port_stats_get(port_get(i), &rx, &tx);
		prev->rx_pkts[i] = rx.pkts;
		prev->tx_pkts[i] = tx.pkts;
		prev->rx_bytes[i] = rx.bytes;
		prev->tx_bytes[i] = tx.bytes;
	}
	for (w = 0; w < sched_nb_workers(); w++)
		stats_lcore_read(sched_worker_stats(w), &prev->lcore[w]);
	prev->tsc = rte_rdtsc();
}

void
report_stats(FILE *f, struct report_prev *prev)
{
	uint64_t now = rte_rdtsc();
	double secs = prev->tsc ? (double)(now - prev->tsc) / rte_get_tsc_hz() : 0;
	struct stats_queue rx, tx;
	uint16_t i;

	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);
		double rx_pps = 0, tx_pps = 0, rx_bps = 0, tx_bps = 0;

		if (p == NULL)
			continue;
		port_stats_get(p, &rx, &tx);
		if (secs > 0) {
			rx_pps = (rx.pkts - prev->rx_pkts[i]) / secs;
			tx_pps = (tx.pkts - prev->tx_pkts[i]) / secs;
			rx_bps = (rx.bytes - prev->rx_bytes[i]) * 8 / secs;
			tx_bps = (tx.bytes - prev->tx_bytes[i]) * 8 / secs;
		}
		prev->rx_pkts[i] = rx.pkts;
		prev->tx_pkts[i] = tx.pkts;
		prev->rx_bytes[i] = rx.bytes;
		prev->tx_bytes[i] = tx.bytes;
		fprintf(f, "\n  ######## port %u (%s, %s, link %s) ########\n", i, p->name,
			p->ops->type, port_is_up(p) ? "up" : "down");
		fprintf(f, "  RX-packets: %-14" PRIu64 " RX-bytes: %-16" PRIu64
			" RX-dropped: %" PRIu64 "\n", rx.pkts, rx.bytes, stats_queue_drops(&rx));
		fprintf(f, "  TX-packets: %-14" PRIu64 " TX-bytes: %-16" PRIu64
			" TX-dropped: %" PRIu64 "\n", tx.pkts, tx.bytes, stats_queue_drops(&tx));
		fprintf(f, "  Rx-pps: %-14.0f Rx-bps: %.0f\n", rx_pps, rx_bps);
		fprintf(f, "  Tx-pps: %-14.0f Tx-bps: %.0f\n", tx_pps, tx_bps);
		report_drops(f, "rx", &rx);
		report_drops(f, "tx", &tx);
	}
	prev->tsc = now;
	fprintf(f, "\n");
	report_lcores(f, prev);
	report_pools(f);
	fflush(f);
}

void
report_summary(FILE *f)
{
	struct stats_queue rx, tx, s;
	uint16_t i, q;

	fprintf(f, "\n  ======== vdp summary ========\n");
	for (i = 0; i < port_count(); i++) {
		struct port *p = port_get(i);

		if (p == NULL)
			continue;
		port_stats_get(p, &rx, &tx);
		fprintf(f, "  port %u (%s, %s): rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %"
			PRIu64 " pkts %" PRIu64 " bytes, dropped %" PRIu64 "\n", i, p->name,
			p->ops->type, rx.pkts, rx.bytes, tx.pkts, tx.bytes,
			stats_queue_drops(&rx) + stats_queue_drops(&tx));
		for (q = 0; q < p->nb_rxq && p->nb_rxq > 1; q++) {
			port_stats_queue(p, true, q, &s);
			fprintf(f, "    rxq %u: %" PRIu64 " pkts %" PRIu64 " bytes\n",
				q, s.pkts, s.bytes);
		}
		report_drops(f, "rx", &rx);
		report_drops(f, "tx", &tx);
		p->ops->show(p, f);
	}
	report_lcores(f, NULL);
	report_bursts(f);
	report_pools(f);
	fflush(f);
}

static void
report_tel_queue(struct rte_tel_data *d, const char *dir, const struct stats_queue *s)
{
	char key[64];
	unsigned int i;

	snprintf(key, sizeof(key), "%s_packets", dir);
	rte_tel_data_add_dict_u64(d, key, s->pkts);
	snprintf(key, sizeof(key), "%s_bytes", dir);
	rte_tel_data_add_dict_u64(d, key, s->bytes);
	snprintf(key, sizeof(key), "%s_dropped", dir);
	rte_tel_data_add_dict_u64(d, key, stats_queue_drops(s));
	for (i = 0; i < STATS_DROP_MAX; i++) {
		if (s->drops[i] == 0)
			continue;
		snprintf(key, sizeof(key), "%s_drop_%s", dir, stats_drop_name(i));
		rte_tel_data_add_dict_u64(d, key, s->drops[i]);
	}
}

static void
report_tel_port(struct rte_tel_data *d, const struct port *p)
{
	struct stats_queue rx, tx;

	char key[32];
	uint16_t q;

	port_stats_get(p, &rx, &tx);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_string(d, "type", p->ops->type);
	rte_tel_data_add_dict_int(d, "id", p->id);
	rte_tel_data_add_dict_int(d, "link_up", port_is_up(p));
	rte_tel_data_add_dict_int(d, "rx_queues", p->nb_rxq);
	report_tel_queue(d, "rx", &rx);
	report_tel_queue(d, "tx", &tx);
	for (q = 0; q < p->nb_rxq; q++) {
		port_stats_queue(p, true, q, &rx);
		snprintf(key, sizeof(key), "rxq%u_packets", q);
		rte_tel_data_add_dict_u64(d, key, rx.pkts);
	}
	for (q = 0; q < p->nb_txq; q++) {
		port_stats_queue(p, false, q, &tx);
		snprintf(key, sizeof(key), "txq%u_packets", q);
		rte_tel_data_add_dict_u64(d, key, tx.pkts);
	}
}

static int
report_tel_ports(const char *params __rte_unused, struct rte_tel_data *d)
{
	uint16_t i;

	rte_tel_data_start_dict(d);
	for (i = 0; i < port_count(); i++) {
		struct rte_tel_data *c;

		if (port_get(i) == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		report_tel_port(c, port_get(i));
		rte_tel_data_add_dict_container(d, port_get(i)->name, c, 0);
	}
	return 0;
}

static int
report_tel_one_port(const char *params, struct rte_tel_data *d)
{
	struct port *p = NULL;
	char *end;
	unsigned long id;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end == '\0' && id < VDP_MAX_PORTS)
		p = port_get(id);
	if (p == NULL)
		p = port_find(params);
	if (p == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	report_tel_port(d, p);
	return 0;
}

/* The wake-up histogram as an array: bucket b counts wake-ups whose first
 * packet came in under 2^b us (the last: 1024 us or more). */
static void
report_tel_wake_hist(struct rte_tel_data *c, const struct stats_lcore *s)
{
	struct rte_tel_data *h = rte_tel_data_alloc();
	unsigned int b;

	if (h == NULL)
		return;
	rte_tel_data_start_array(h, RTE_TEL_U64_VAL);
	for (b = 0; b < STATS_WAKE_BUCKETS; b++)
		rte_tel_data_add_array_u64(h, s->wake_hist[b]);
	rte_tel_data_add_dict_container(c, "wake_to_packet_log2_us", h, 0);
}

static int
report_tel_lcores(const char *params __rte_unused, struct rte_tel_data *d)
{
	const struct sched_plan *plan = sched_plan_current();
	struct stats_lcore s;
	char key[32], rxq[PORT_NAME_LEN + 8];
	uint16_t w, i;

	rte_tel_data_start_dict(d);
	for (w = 0; w < sched_nb_workers(); w++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_tel_data *l = rte_tel_data_alloc();
		uint64_t total;

		if (c == NULL || l == NULL) {
			rte_tel_data_free(c);
			rte_tel_data_free(l);
			return -ENOMEM;
		}
		stats_lcore_read(sched_worker_stats(w), &s);
		total = s.busy_cycles + s.idle_cycles + s.sleep_cycles;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "poll_mode", sched_poll_mode_name(sched_poll_mode(w)));
		rte_tel_data_add_dict_u64(c, "sleeping", sched_sleeping(w));
		rte_tel_data_add_dict_u64(c, "busy_cycles", s.busy_cycles);
		rte_tel_data_add_dict_u64(c, "idle_cycles", s.idle_cycles);
		rte_tel_data_add_dict_u64(c, "sleep_cycles", s.sleep_cycles);
		rte_tel_data_add_dict_u64(c, "sleeps", s.sleeps);
		rte_tel_data_add_dict_u64(c, "wake_kick", s.wake_kick);
		rte_tel_data_add_dict_u64(c, "wake_interrupt", s.wake_intr);
		rte_tel_data_add_dict_u64(c, "wake_control", s.wake_ctl);
		report_tel_wake_hist(c, &s);
		rte_tel_data_add_dict_u64(c, "iterations", s.iterations);
		rte_tel_data_add_dict_u64(c, "packets", s.pkts);
		rte_tel_data_add_dict_u64(c, "busy_permille",
					  total ? 1000 * s.busy_cycles / total : 0);
		rte_tel_data_add_dict_u64(c, "cycles_per_packet",
					  s.pkts ? s.busy_cycles / s.pkts : 0);
		rte_tel_data_start_array(l, RTE_TEL_STRING_VAL);
		for (i = 0; i < plan->nb_rxq[w]; i++) {
			snprintf(rxq, sizeof(rxq), "%s:%u", plan->rxq[w][i].port->name,
				 plan->rxq[w][i].q);
			rte_tel_data_add_array_string(l, rxq);
		}
		rte_tel_data_add_dict_container(c, "rxq", l, 0);
		snprintf(key, sizeof(key), "lcore%u", sched_worker_lcore(w));
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

/* Every polled rx queue, keyed "port/rxqN": worker, load history, NUMA. */
static int
report_tel_rxqs(const char *params __rte_unused, struct rte_tel_data *d)
{
	struct ctl_rxq_info *r = malloc(sizeof(*r) * VDP_MAX_PORTS * PORT_MAX_QUEUES);
	char key[PORT_NAME_LEN + 16];
	unsigned int i, n;

	if (r == NULL)
		return -ENOMEM;
	n = ctl_rxq_info(&vdp_ctl, r, VDP_MAX_PORTS * PORT_MAX_QUEUES);
	rte_tel_data_start_dict(d);
	for (i = 0; i < n; i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL) {
			free(r);
			return -ENOMEM;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "lcore", sched_worker_lcore(r[i].worker));
		rte_tel_data_add_dict_u64(c, "packets", r[i].pkts);
		rte_tel_data_add_dict_u64(c, "cycles", r[i].cycles);
		rte_tel_data_add_dict_u64(c, "load_permille", (uint64_t)(r[i].load_pct * 10));
		rte_tel_data_add_dict_u64(c, "busy_permille", (uint64_t)(r[i].busy_pct * 10));
		rte_tel_data_add_dict_int(c, "socket", r[i].socket);
		rte_tel_data_add_dict_u64(c, "pinned", r[i].pinned);
		rte_tel_data_add_dict_u64(c, "remote", r[i].remote);
		snprintf(key, sizeof(key), "%s/rxq%u", r[i].port->name, r[i].q);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	free(r);
	return 0;
}

/* Every non-zero drop counter, keyed "port/rxqN/reason". */
static int
report_tel_drops(const char *params __rte_unused, struct rte_tel_data *d)
{
	struct stats_queue s;
	char key[RTE_TEL_MAX_STRING_LEN];
	unsigned int r, dir;
	uint16_t i, q;

	rte_tel_data_start_dict(d);
	for (i = 0; i < port_count(); i++) {
		const struct port *p = port_get(i);

		for (dir = 0; p != NULL && dir < 2; dir++)
			for (q = 0; q < (dir == 0 ? p->nb_rxq : p->nb_txq); q++) {
				port_stats_queue(p, dir == 0, q, &s);
				for (r = 0; r < STATS_DROP_MAX; r++) {
					if (s.drops[r] == 0)
						continue;
					snprintf(key, sizeof(key), "%s/%s%u/%s", p->name,
						 dir == 0 ? "rxq" : "txq", q, stats_drop_name(r));
					rte_tel_data_add_dict_u64(d, key, s.drops[r]);
				}
			}
	}
	return 0;
}

/* Zero-copy counters, each key after @p prefix. */
static void
report_tel_zc(struct rte_tel_data *c, const char *prefix, const struct port_vhost_zc_info *z)
{
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "zc_pkts", z->pkts }, { "zc_copied_small", z->small },
		{ "zc_copied_capped", z->capped }, { "zc_stalls", z->stalls },
		{ "zc_inflight", z->inflight }, { "zc_drain_waits", z->drain_waits },
		{ "zc_drain_timeouts", z->drain_timeouts },
	};
	char key[RTE_TEL_MAX_STRING_LEN];
	unsigned int i;

	for (i = 0; i < RTE_DIM(f); i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, f[i].name);
		rte_tel_data_add_dict_u64(c, key, f[i].v);
	}
}

static void
report_tel_vhost_one(struct rte_tel_data *c, const struct port_vhost_info *vi)
{
	char prefix[32];
	uint16_t i;

	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_string(c, "socket", vi->path);
	rte_tel_data_add_dict_string(c, "mode", vi->client ? "client" : "server");
	/* As in "show vhost --json": "" when there is no socket file. */
	prefix[0] = '\0';
	if (vi->sock_found)
		snprintf(prefix, sizeof(prefix), "%04o", (unsigned int)vi->sock_mode);
	rte_tel_data_add_dict_string(c, "socket_owner", vi->sock_owner);
	rte_tel_data_add_dict_string(c, "socket_group", vi->sock_group);
	rte_tel_data_add_dict_string(c, "socket_mode", prefix);
	rte_tel_data_add_dict_int(c, "connected", vi->connected);
	rte_tel_data_add_dict_u64(c, "since", (uint64_t)vi->since);
	rte_tel_data_add_dict_u64(c, "connects", vi->connects);
	rte_tel_data_add_dict_u64(c, "disconnects", vi->disconnects);
	rte_tel_data_add_dict_string(c, "engine", vi->engine);
	rte_tel_data_add_dict_int(c, "numa_node", vi->numa_node);
	rte_tel_data_add_dict_string(c, "pool", vi->pool);
	rte_tel_data_add_dict_u64(c, "pool_fallbacks", vi->pool_fallbacks);
	rte_tel_data_add_dict_u64(c, "features", vi->features);
	rte_tel_data_add_dict_u64(c, "protocol_features", vi->protocol_features);
	rte_tel_data_add_dict_int(c, "vrings", vi->nb_vrings);
	if (vi->nb_vrings > 0)
		rte_tel_data_add_dict_int(c, "ring_size", vi->vring[0].size);
	rte_tel_data_add_dict_u64(c, "kicks", vi->kicks);
	rte_tel_data_add_dict_u64(c, "kicks_avoided", vi->kicks_avoided);
	rte_tel_data_add_dict_u64(c, "calls", vi->calls);
	rte_tel_data_add_dict_u64(c, "calls_avoided", vi->calls_avoided);
	rte_tel_data_add_dict_string(c, "zcopy", vi->zcopy);
	rte_tel_data_add_dict_u64(c, "zcopy_min", vi->zcopy_min);
	report_tel_zc(c, "", &vi->zc);
	for (i = 1; i < vi->nb_vrings; i += 2) {
		snprintf(prefix, sizeof(prefix), "vring%u_", i);
		report_tel_zc(c, prefix, &vi->vring[i].zc);
	}
	for (i = 0; i < vi->nb_ring_errors; i++) {
		char key[RTE_TEL_MAX_STRING_LEN];

		snprintf(key, sizeof(key), "ring_error_%s", vi->ring_errors[i].name);
		rte_tel_data_add_dict_u64(c, key, vi->ring_errors[i].count);
	}
}

/* Every vhost-user port: socket, state, negotiated features, engine, notifications. */
static int
report_tel_vhost(const char *params __rte_unused, struct rte_tel_data *d)
{
	struct port_vhost_info vi;
	uint16_t i;

	rte_tel_data_start_dict(d);
	for (i = 0; i < port_count(); i++) {
		const struct port *p = port_get(i);
		struct rte_tel_data *c;

		if (p == NULL || port_vhost_path(p) == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		port_vhost_info(p, &vi);
		report_tel_vhost_one(c, &vi);
		rte_tel_data_add_dict_container(d, p->name, c, 0);
	}
	return 0;
}

static int
report_tel_mempool(const char *params __rte_unused, struct rte_tel_data *d)
{
	unsigned int i, n = port_pool_count();
	struct rte_tel_data *names = rte_tel_data_alloc();
	uint64_t used = 0, size = 0;

	if (names == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	/* Each pool under its name (telemetry nests containers one level). */
	for (i = 0; i < n; i++) {
		const struct rte_mempool *mp = port_pool_at(i);
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL) {
			rte_tel_data_free(names);
			return -ENOMEM;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_int(c, "socket", mp->socket_id);
		rte_tel_data_add_dict_u64(c, "size", mp->size);
		rte_tel_data_add_dict_u64(c, "in_use", rte_mempool_in_use_count(mp));
		rte_tel_data_add_dict_u64(c, "available", rte_mempool_avail_count(mp));
		rte_tel_data_add_dict_container(d, mp->name, c, 0);
		rte_tel_data_add_array_string(names, mp->name);
		used += rte_mempool_in_use_count(mp);
		size += mp->size;
	}
	/* The fallback pool's name; size and in_use over every pool. */
	rte_tel_data_add_dict_string(d, "name", port_pool_at(0)->name);
	rte_tel_data_add_dict_u64(d, "size", size);
	rte_tel_data_add_dict_u64(d, "in_use", used);
	rte_tel_data_add_dict_container(d, "pools", names, 0);
	return 0;
}

/* A telemetry endpoint: a name, its help, and the reader run under ctl_lock. */
struct report_tel_cmd {
	const char *name;   /**< Command, "/vdp/..." */
	const char *help;   /**< What it returns. */
	int (*fn)(const char *params, struct rte_tel_data *d); /**< Reader. */
};

static const struct report_tel_cmd report_tel_cmds[] = {
	{ "/vdp/ports", "Counters of every port. No parameters", report_tel_ports },
	{ "/vdp/port", "Counters of one port. Parameter: port id or name", report_tel_one_port },
	{ "/vdp/vhost", "vhost-user ports: socket, state, NUMA node, pool, features, engine, "
	  "kicks, calls, zero-copy. No parameters", report_tel_vhost },
	{ "/vdp/lcores", "Worker lcores: cycles, packets, busy share, poll mode, sleeps and wake-ups, rx queues. No parameters",
	  report_tel_lcores },
	{ "/vdp/rxqs", "Rx queues: the worker polling each, packets and load over the last "
	  "samples, NUMA socket. No parameters", report_tel_rxqs },
	{ "/vdp/drops", "Every non-zero drop counter by port, queue and reason. No parameters",
	  report_tel_drops },
	{ "/vdp/mempool", "Packet pools (one per NUMA socket): size and mbufs in use, in all "
	  "and per pool. No parameters", report_tel_mempool },
};

/*
 * Telemetry runs on its own thread: hold ctl_lock so that no command
 * removes a port while it is read, and read vhost rings as a QSBR reader.
 */
static int
report_tel_dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;
	int ret = -EINVAL;

	for (i = 0; i < RTE_DIM(report_tel_cmds); i++) {
		if (strcmp(cmd, report_tel_cmds[i].name) != 0)
			continue;
		pthread_mutex_lock(&ctl_lock);
		sched_reader_begin();
		ret = report_tel_cmds[i].fn(params, d);
		sched_reader_end();
		pthread_mutex_unlock(&ctl_lock);
	}
	return ret;
}

int
report_telemetry_init(void)
{
	unsigned int i;
	int ret = 0;

	/* Each on its own: one refused (a help of 128 characters or more)
	 * does not take the others with it. */
	for (i = 0; i < RTE_DIM(report_tel_cmds); i++)
		if (rte_telemetry_register_cmd(report_tel_cmds[i].name, report_tel_dispatch,
					       report_tel_cmds[i].help) != 0) {
			printf("vdp: warning: telemetry endpoint %s not registered\n",
			       report_tel_cmds[i].name);
			ret = -EINVAL;
		}
	return ret;
}
