/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/* The chain walker's exported entry point; the body is in virtq_priv.h so
 * that the bursts inline it. */

#include "virtq_priv.h"

int
virtq_chain_walk(struct virtq *vq, uint16_t head, bool writable,
		 struct virtq_chain *c)
{
	if (vq->packed)
		return virtq_packed_walk_at(vq, head, writable, c);
	return virtq_walk(vq, head, writable, c);
}
