/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_OPTS_H
#define VDP_OPTS_H

/**
 * @file
 * The forwarding options, each declared once in a table with its name,
 * range, default and setter. The command line (--NAME), the config file
 * ([fwd] KEY = VALUE) and the run-time change path (ctl_set_opt(), which
 * the "set NAME" commands call) all parse a value here, so a value is
 * taken or refused the same way, with the same message, wherever it is
 * given. Needs no EAL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd.h"
#include "sched_assign.h"

#define OPTS_MAX 16        /**< Most entries the option table may have. */
#define OPTS_RANGE_LEN 128 /**< Room for what opts_range() writes. */

/** The forwarding options, as the user asked for them. */
struct opts_fwd {
	const struct fwd_engine *engine; /**< Forwarding engine. */
	struct fwd_txonly_conf txonly;   /**< Generator parameters; its burst follows burst. */
	uint16_t burst;                  /**< Rx burst size. */
	uint32_t l2_age_s;               /**< l2 MAC aging time in seconds. */
	uint32_t stats_period;           /**< Seconds between periodic stats; 0: off. */
	uint32_t burst_bytes;            /**< Most bytes one rx queue delivers in one burst. */
	enum sched_assign_mode rxq_assign; /**< How unpinned rx queues are placed. */
	uint32_t load_interval_ms;       /**< Length of one load sample, ms. */
	bool autolb;                     /**< Auto load balancing on. */
	uint32_t autolb_load;            /**< Auto-lb load threshold, % busy. */
	uint32_t autolb_improve;         /**< Auto-lb improvement threshold, % of variance. */
	uint32_t autolb_interval_s;      /**< Seconds between two auto rebalances, at least. */
};

/** What an option's value is. */
enum opts_kind {
	OPTS_NUMBER,   /**< A decimal number in [min, max]. */
	OPTS_LENGTHS,  /**< testpmd's "LEN[,LEN...]": the sum, in [min, max]. */
	OPTS_ENGINE,   /**< The name of an engine of fwd_engines[]. */
	OPTS_CHOICE,   /**< One of the names of opts_desc::choices. */
};

/** One option. */
struct opts_desc {
	const char *name;     /**< --NAME on the command line, "set NAME" at run time. */
	const char *key;      /**< KEY in a config file's [fwd] section. */
	const char *arg;      /**< The value in usage text: "N", "MODE". */
	const char *help;     /**< What it sets, without the range. */
	enum opts_kind kind;  /**< How the value is parsed. */
	uint32_t min;         /**< Smallest number (not for OPTS_ENGINE). */
	uint32_t max;         /**< Largest number (not for OPTS_ENGINE). */
	const char *def;      /**< Default, written as the user would give it. */
	bool runtime;         /**< May be changed while forwarding runs. */
	bool replace;         /**< A change at run time places every unpinned rx queue
			       *   afresh. */
	const char *const *choices; /**< OPTS_CHOICE: the names, NULL-terminated. */
	/** Store a parsed value: the number, the engine's index in fwd_engines[],
	 *  or the choice's index in choices. */
	void (*set)(struct opts_fwd *o, uint32_t v);
};

/** The @p i-th option of the table, or NULL past the last. */
const struct opts_desc *opts_at(unsigned int i);

/** The index of @p d in the table (opts_at(opts_index(d)) == d). */
unsigned int opts_index(const struct opts_desc *d);

/** The option called @p name (command line, run time), or NULL. */
const struct opts_desc *opts_find(const char *name);

/** The option with config key @p key, or NULL. */
const struct opts_desc *opts_find_key(const char *key);

/** Fill @p o with every option's default. */
void opts_defaults(struct opts_fwd *o);

/**
 * Parse @p value as option @p d and store it in @p o. Returns 0, or
 * -EINVAL with @p o untouched and, in @p err, what is wrong and what is
 * accepted, without naming the option (the caller names it as the user
 * spelled it): "bad value '0' (1..64)", "unknown mode 'x' (io, l2, ...)",
 * "unknown value 'x' (off, on)".
 */
int opts_set(struct opts_fwd *o, const struct opts_desc *d, const char *value,
	     char *err, size_t errlen);

/**
 * What @p d accepts, for errors, usage and help: "1..64", or the engine
 * names of fwd_engines[] (or the choices) separated by ", ".
 */
void opts_range(const struct opts_desc *d, char *buf, size_t len);

/** Parse a whole decimal number in [min, max]; 0 or -EINVAL. */
int opts_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif /* VDP_OPTS_H */
