/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * Descriptor chain -> bounded vector of host buffers. Everything read from
 * the guest is read once into a local copy, then checked: the guest may
 * rewrite its ring while we look at it.
 */

#include "virtq_priv.h"

/* Read a descriptor once. */
static __rte_always_inline struct vring_desc
chain_desc_read(const struct vring_desc *table, uint32_t idx)
{
	const volatile struct vring_desc *d = &table[idx];
	struct vring_desc out;

	out.addr = d->addr;
	out.len = d->len;
	out.flags = d->flags;
	out.next = d->next;
	return out;
}

/* Append [gpa, gpa + len) to the vector, split at region boundaries. */
static __rte_always_inline int
chain_add(struct virtq *vq, struct virtq_chain *c, uint64_t gpa, uint32_t len)
{
	uint64_t contig;
	uint8_t *p;

	while (len != 0) {
		p = virtq_translate(vq->mem, &vq->hint, gpa, len, &contig);
		if (unlikely(p == NULL))
			return -VIRTQ_ERR_BAD_ADDR;
		if (unlikely(c->nvec == VIRTQ_MAX_VEC))
			return -VIRTQ_ERR_TOO_MANY_BUFS;
		c->vec[c->nvec].addr = p;
		c->vec[c->nvec].gpa = gpa;
		c->vec[c->nvec].len = contig;
		c->nvec++;
		gpa += contig;
		len -= contig;
	}
	return 0;
}

/*
 * Switch to an indirect table: it must be a whole number of descriptors,
 * no longer than the ring, in one host-contiguous piece, and it cannot
 * itself continue the chain.
 */
static int
chain_indirect(struct virtq *vq, const struct vring_desc *d,
	       const struct vring_desc **table, uint32_t *table_size)
{
	uint64_t contig;
	void *p;

	if (unlikely(!vq->indirect || (d->flags & VRING_DESC_F_NEXT) ||
		     d->len == 0 || d->len % sizeof(struct vring_desc) != 0 ||
		     d->len / sizeof(struct vring_desc) > vq->size))
		return -VIRTQ_ERR_BAD_INDIRECT;
	p = virtq_translate(vq->mem, &vq->hint, d->addr, d->len, &contig);
	if (unlikely(p == NULL))
		return -VIRTQ_ERR_BAD_ADDR;
	if (unlikely(contig != d->len))
		return -VIRTQ_ERR_BAD_INDIRECT;
	*table = p;
	*table_size = d->len / sizeof(struct vring_desc);
	return 0;
}

int
virtq_chain_walk(struct virtq *vq, uint16_t head, bool writable,
		 struct virtq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	uint32_t table_size = vq->size, idx = head, hops = 0;
	uint64_t total = 0;
	bool in_indirect = false;
	struct vring_desc d;
	int ret;

	c->head = head;
	c->nvec = 0;
	c->len = 0;
	if (unlikely(head >= vq->size))
		return -VIRTQ_ERR_BAD_HEAD;
	for (;;) {
		/* A chain visits each descriptor of its table at most once. */
		if (unlikely(++hops > table_size))
			return -VIRTQ_ERR_LOOP;
		d = chain_desc_read(table, idx);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* Only from the ring's own table: a flag, not an
			 * address compare, since the guest picks the address. */
			if (unlikely(in_indirect))
				return -VIRTQ_ERR_NESTED_INDIRECT;
			ret = chain_indirect(vq, &d, &table, &table_size);
			if (ret < 0)
				return ret;
			in_indirect = true;
			idx = 0;
			hops = 0;
			continue;
		}
		if (unlikely(!!(d.flags & VRING_DESC_F_WRITE) != writable))
			return -VIRTQ_ERR_WRONG_DIR;
		if (unlikely(d.len == 0 && !writable))
			return -VIRTQ_ERR_BAD_LEN;
		total += d.len;
		if (unlikely(total > UINT32_MAX))
			return -VIRTQ_ERR_BAD_LEN;
		ret = chain_add(vq, c, d.addr, d.len);
		if (unlikely(ret < 0))
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		if (unlikely(d.next >= table_size))
			return -VIRTQ_ERR_BAD_INDEX;
		idx = d.next;
	}
	c->len = total;
	return 0;
}
