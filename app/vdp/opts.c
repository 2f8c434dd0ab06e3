/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "opts.h"

static void
opts_set_engine(struct opts_fwd *o, uint32_t v)
{
	o->engine = fwd_engines[v];
}

static void
opts_set_burst(struct opts_fwd *o, uint32_t v)
{
	o->burst = v;
	o->txonly.burst = v;
}

static void
opts_set_txpkts(struct opts_fwd *o, uint32_t v)
{
	o->txonly.pkt_len = v;
}

static void
opts_set_tx_flows(struct opts_fwd *o, uint32_t v)
{
	o->txonly.flows = v;
}

static void
opts_set_l2_age(struct opts_fwd *o, uint32_t v)
{
	o->l2_age_s = v;
}

static void
opts_set_stats_period(struct opts_fwd *o, uint32_t v)
{
	o->stats_period = v;
}

static void
opts_set_burst_bytes(struct opts_fwd *o, uint32_t v)
{
	o->burst_bytes = v;
}

static void
opts_set_rxq_assign(struct opts_fwd *o, uint32_t v)
{
	o->rxq_assign = (enum sched_assign_mode)v;
}

static void
opts_set_load_interval(struct opts_fwd *o, uint32_t v)
{
	o->load_interval_ms = v;
}

static void
opts_set_autolb(struct opts_fwd *o, uint32_t v)
{
	o->autolb = v != 0;
}

static void
opts_set_autolb_load(struct opts_fwd *o, uint32_t v)
{
	o->autolb_load = v;
}

static void
opts_set_autolb_improve(struct opts_fwd *o, uint32_t v)
{
	o->autolb_improve = v;
}

static void
opts_set_autolb_interval(struct opts_fwd *o, uint32_t v)
{
	o->autolb_interval_s = v;
}

static const char *const opts_off_on[] = { "off", "on", NULL };

static const struct opts_desc opts_table[] = {
	{ .name = "fwd", .key = "mode", .arg = "MODE", .help = "forwarding mode",
	  .kind = OPTS_ENGINE, .def = "io", .runtime = true, .set = opts_set_engine },
	{ .name = "burst", .key = "burst", .arg = "N", .help = "rx burst size and txonly burst",
	  .kind = OPTS_NUMBER, .min = 1, .max = FWD_BURST_MAX,
	  .def = RTE_STR(VDP_DEFAULT_BURST), .runtime = true, .set = opts_set_burst },
	{ .name = "txpkts", .key = "txpkts", .arg = "LEN[,LEN...]",
	  .help = "txonly frame length, segments summed",
	  .kind = OPTS_LENGTHS, .min = FWD_TXONLY_MIN_LEN, .max = FWD_TXONLY_MAX_LEN,
	  .def = "64", .runtime = true, .set = opts_set_txpkts },
	{ .name = "tx-flows", .key = "tx-flows", .arg = "N", .help = "txonly UDP flows",
	  .kind = OPTS_NUMBER, .min = 1, .max = UINT16_MAX, .def = "1",
	  .set = opts_set_tx_flows },
	{ .name = "l2-age", .key = "l2-age", .arg = "S", .help = "l2 MAC aging time in seconds",
	  .kind = OPTS_NUMBER, .min = 1, .max = 86400, .def = "300", .set = opts_set_l2_age },
	{ .name = "rxq-assign", .key = "rxq-assign", .arg = "MODE",
	  .help = "how unpinned rx queues are placed on workers",
	  .kind = OPTS_CHOICE, .choices = sched_assign_mode_names, .def = "roundrobin",
	  .runtime = true, .replace = true, .set = opts_set_rxq_assign },
	{ .name = "load-interval", .key = "load-interval", .arg = "MS",
	  .help = "length of one rx queue load sample in ms (6 are kept)",
	  .kind = OPTS_NUMBER, .min = 100, .max = 600000, .def = "10000", .runtime = true,
	  .set = opts_set_load_interval },
	{ .name = "auto-lb", .key = "auto-lb", .arg = "on|off",
	  .help = "rebalance rx queues when a worker stays overloaded",
	  .kind = OPTS_CHOICE, .choices = opts_off_on, .def = "off", .runtime = true,
	  .set = opts_set_autolb },
	{ .name = "auto-lb-load-threshold", .key = "auto-lb-load-threshold", .arg = "PCT",
	  .help = "busy % a worker must stay at to be overloaded",
	  .kind = OPTS_NUMBER, .min = 0, .max = 100, .def = "95", .runtime = true,
	  .set = opts_set_autolb_load },
	{ .name = "auto-lb-improvement-threshold", .key = "auto-lb-improvement-threshold",
	  .arg = "PCT", .help = "% cut in load variance a rebalance must bring",
	  .kind = OPTS_NUMBER, .min = 0, .max = 100, .def = "25", .runtime = true,
	  .set = opts_set_autolb_improve },
	{ .name = "auto-lb-interval", .key = "auto-lb-interval", .arg = "S",
	  .help = "seconds between two automatic rebalances, at least",
	  .kind = OPTS_NUMBER, .min = 0, .max = 86400, .def = "60", .runtime = true,
	  .set = opts_set_autolb_interval },
	{ .name = "stats-period", .key = "stats-period", .arg = "S",
	  .help = "seconds between counter prints, 0: off",
	  .kind = OPTS_NUMBER, .min = 0, .max = 86400, .def = "0", .runtime = true,
	  .set = opts_set_stats_period },
	{ .name = "burst-bytes", .key = "burst-bytes", .arg = "BYTES",
	  .help = "most bytes one rx queue delivers in one burst",
	  .kind = OPTS_NUMBER, .min = FWD_BURST_BYTES_MIN, .max = FWD_BURST_BYTES_MAX,
	  .def = RTE_STR(FWD_BURST_BYTES_DEFAULT), .runtime = true,
	  .set = opts_set_burst_bytes },
};

static_assert(RTE_DIM(opts_table) <= OPTS_MAX, "raise OPTS_MAX");

const struct opts_desc *
opts_at(unsigned int i)
{
	return i < RTE_DIM(opts_table) ? &opts_table[i] : NULL;
}

unsigned int
opts_index(const struct opts_desc *d)
{
	return (unsigned int)(d - opts_table);
}

/* The entry whose name, or with @p by_key whose config key, is @p s. */
static const struct opts_desc *
opts_lookup(const char *s, bool by_key)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(opts_table); i++)
		if (strcmp(by_key ? opts_table[i].key : opts_table[i].name, s) == 0)
			return &opts_table[i];
	return NULL;
}

const struct opts_desc *
opts_find(const char *name)
{
	return opts_lookup(name, false);
}

const struct opts_desc *
opts_find_key(const char *key)
{
	return opts_lookup(key, true);
}

int
opts_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* testpmd's segment lengths, each at least 1, summed: vdp builds one segment. */
static int
opts_lengths(const char *s, uint32_t min, uint32_t max, uint32_t *sum)
{
	unsigned long len;
	char *end;

	*sum = 0;
	do {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(s, &end, 10);
		if (errno != 0 || len == 0 || len > max - *sum)
			return -EINVAL;
		*sum += len;
		s = end + 1;
	} while (*end == ',');
	return *end == '\0' && *sum >= min ? 0 : -EINVAL;
}

static int
opts_engine(const char *s, uint32_t *index)
{
	uint32_t i;

	for (i = 0; fwd_engines[i] != NULL; i++)
		if (strcmp(fwd_engines[i]->name, s) == 0) {
			*index = i;
			return 0;
		}
	return -EINVAL;
}

static int
opts_choice(const char *const *choices, const char *s, uint32_t *index)
{
	uint32_t i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(choices[i], s) == 0) {
			*index = i;
			return 0;
		}
	return -EINVAL;
}

static int
opts_parse(const struct opts_desc *d, const char *s, uint32_t *v)
{
	switch (d->kind) {
	case OPTS_CHOICE:
		return opts_choice(d->choices, s, v);
	case OPTS_NUMBER:
		return opts_u32(s, d->min, d->max, v);
	case OPTS_LENGTHS:
		return opts_lengths(s, d->min, d->max, v);
	case OPTS_ENGINE:
		return opts_engine(s, v);
	}
	return -EINVAL;
}

void
opts_range(const struct opts_desc *d, char *buf, size_t len)
{
	unsigned int i;

	if (d->kind != OPTS_ENGINE && d->kind != OPTS_CHOICE) {
		snprintf(buf, len, "%u..%u", d->min, d->max);
		return;
	}
	buf[0] = '\0';
	for (i = 0; d->kind == OPTS_ENGINE ? fwd_engines[i] != NULL : d->choices[i] != NULL;
	     i++) {
		if (i != 0)
			strlcat(buf, ", ", len);
		strlcat(buf, d->kind == OPTS_ENGINE ? fwd_engines[i]->name : d->choices[i], len);
	}
}

int
opts_set(struct opts_fwd *o, const struct opts_desc *d, const char *value,
	 char *err, size_t errlen)
{
	char range[OPTS_RANGE_LEN];
	uint32_t v;

	if (opts_parse(d, value, &v) < 0) {
		opts_range(d, range, sizeof(range));
		snprintf(err, errlen, "%s '%s' (%s)",
			 d->kind == OPTS_ENGINE ? "unknown mode" :
			 d->kind == OPTS_CHOICE ? "unknown value" : "bad value", value, range);
		return -EINVAL;
	}
	d->set(o, v);
	return 0;
}

void
opts_defaults(struct opts_fwd *o)
{
	unsigned int i;

	memset(o, 0, sizeof(*o));
	/* Each default parses: test_params checks it. */
	for (i = 0; i < RTE_DIM(opts_table); i++)
		opts_set(o, &opts_table[i], opts_table[i].def, NULL, 0);
}
