/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#ifndef VDP_TAP_H
#define VDP_TAP_H

/**
 * @file
 * A minimal TAP producer for the unit tests: meson runs each test program
 * with protocol 'tap' and counts every case.
 */

#include <stdio.h>

/** Failed checks in the current case. */
static int tap_case_failed;
/** Cases run so far (TAP numbering). */
static int tap_cases;
/** Cases that failed. */
static int tap_failures;

/** Check @p cond; on failure print a TAP diagnostic with the location. */
#define TAP_CHECK(cond) do { \
	if (!(cond)) { \
		tap_case_failed++; \
		printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

/** Check two integers are equal, printing both on failure. */
#define TAP_EQ(a, b) do { \
	long long tap_a_ = (long long)(a), tap_b_ = (long long)(b); \
	if (tap_a_ != tap_b_) { \
		tap_case_failed++; \
		printf("# %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
		       __LINE__, #a, tap_a_, #b, tap_b_); \
	} \
} while (0)

/** Run one case: a void function, reported as one TAP line. */
#define TAP_RUN(fn) do { \
	tap_case_failed = 0; \
	fn(); \
	tap_cases++; \
	if (tap_case_failed) \
		tap_failures++; \
	printf("%s %d - %s\n", tap_case_failed ? "not ok" : "ok", tap_cases, #fn); \
	fflush(stdout); \
} while (0)

/** Print the plan and return the process exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_cases);
	return tap_failures ? 1 : 0;
}

#endif /* VDP_TAP_H */
