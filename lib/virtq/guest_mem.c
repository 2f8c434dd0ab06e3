/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* Guest physical to host virtual translation, with a last-region hint. */

#include "virtq_priv.h"

void *
virtq_mem_translate(const struct virtq_mem *m, uint32_t *hint, uint64_t gpa,
		    uint64_t len, uint64_t *contig)
{
	return virtq_translate(m, hint, gpa, len, contig);
}
