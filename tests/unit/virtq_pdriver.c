/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <string.h>

#include <rte_atomic.h>
#include <rte_common.h>

#include "virtq_pdriver.h"

/* Move (@p idx, @p wrap) on by @p n descriptors of a ring of @p size. */
static void
vpdrv_advance(uint16_t size, uint16_t *idx, bool *wrap, uint32_t n)
{
	uint32_t i = *idx + n;

	while (i >= size) {
		i -= size;
		*wrap = !*wrap;
	}
	*idx = (uint16_t)i;
}

void
vpdrv_init(struct vpdrv *d, struct vdrv_mem *gm, unsigned int q, uint16_t size,
	   uint16_t base)
{
	uint16_t idx = base & ~VPDRV_WRAP_BIT, i;
	bool wrap = !!(base & VPDRV_WRAP_BIT);

	memset(d, 0, sizeof(*d));
	d->gm = gm;
	d->size = size;
	d->ring_gpa = VDRV_RING_GPA(q);
	d->desc = vdrv_gva(gm, d->ring_gpa);
	d->driver_area = vdrv_gva(gm, d->ring_gpa + VDRV_AVAIL_OFF);
	d->device_area = vdrv_gva(gm, d->ring_gpa + VDRV_USED_OFF);
	memset(d->desc, 0, 0x4000);
	d->avail_idx = idx;
	d->avail_wrap = wrap;
	d->used_idx = idx;
	d->used_wrap = wrap;
	/* Used in this lap (AVAIL = USED = wrap) before the index, in the
	 * previous one (the other wrap) from it on. */
	for (i = 0; i < size; i++) {
		bool w = i < idx ? wrap : !wrap;

		d->desc[i].flags = w ? VPDRV_F_AVAIL | VPDRV_F_USED : 0;
	}
}

void
vpdrv_params(struct vpdrv *d, struct virtq_params *p, uint64_t features, int callfd)
{
	memset(p, 0, sizeof(*p));
	p->desc_packed = vdrv_hva(d->gm, d->ring_gpa);
	p->driver_event = vdrv_hva(d->gm, d->ring_gpa + VDRV_AVAIL_OFF);
	p->device_event = vdrv_hva(d->gm, d->ring_gpa + VDRV_USED_OFF);
	p->size = d->size;
	p->last_avail = vpdrv_avail_pos(d);
	p->last_used = vpdrv_used_pos(d);
	p->features = features | (1ULL << VIRTIO_F_RING_PACKED);
	p->mem = &d->gm->mem;
	p->callfd = callfd;
	d->in_order = !!(features & (1ULL << VIRTIO_F_IN_ORDER));
}

uint16_t
vpdrv_avail_flags(const struct vpdrv *d, uint16_t off)
{
	uint16_t idx = d->avail_idx;
	bool wrap = d->avail_wrap;

	vpdrv_advance(d->size, &idx, &wrap, off);
	return wrap ? VPDRV_F_AVAIL : VPDRV_F_USED;
}

uint16_t
vpdrv_avail_pos(const struct vpdrv *d)
{
	return VPDRV_POS(d->avail_idx, d->avail_wrap);
}

uint16_t
vpdrv_used_pos(const struct vpdrv *d)
{
	return VPDRV_POS(d->used_idx, d->used_wrap);
}

uint16_t
vpdrv_room(const struct vpdrv *d)
{
	uint32_t out = 0;
	uint16_t i;

	for (i = 0; i < d->nb_inflight; i++)
		out += d->inflight[i].ndesc;
	return out >= d->size ? 0 : (uint16_t)(d->size - out);
}

/* Index in inflight[] of the oldest buffer of @p id, or -1. */
static int
vpdrv_find(const struct vpdrv *d, uint16_t id)
{
	uint16_t i;

	for (i = 0; i < d->nb_inflight; i++)
		if (d->inflight[i].id == id)
			return i;
	return -1;
}

uint16_t
vpdrv_id_alloc(struct vpdrv *d)
{
	uint16_t k, id;

	for (k = 0; k < d->size; k++) {
		id = (uint16_t)((d->next_id + k) % d->size);
		if (vpdrv_find(d, id) < 0) {
			d->next_id = (uint16_t)((id + 1) % d->size);
			return id;
		}
	}
	return UINT16_MAX;
}

/* vpdrv_put(), remembering the chain's buffers @p segs (@p nsegs of them). */
static void
vpdrv_put_segs(struct vpdrv *d, const struct vpdrv_desc *x, unsigned int n,
	       const struct vdrv_seg *segs, unsigned int nsegs)
{
	uint16_t idx = d->avail_idx, head = idx;
	bool wrap = d->avail_wrap, head_wrap = wrap;
	struct vpdrv_buf *b;
	unsigned int i;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		struct vring_packed_desc *p = &d->desc[idx];

		p->addr = x[i].addr;
		p->len = x[i].len;
		p->id = x[i].id;
		if (i != 0)
			p->flags = x[i].flags;
		vpdrv_advance(d->size, &idx, &wrap, 1);
	}
	/* The chain must be visible whole before its head is. */
	__atomic_store_n(&d->desc[head].flags, x[0].flags, __ATOMIC_RELEASE);
	d->avail_idx = idx;
	d->avail_wrap = wrap;
	if (d->nb_inflight == VPDRV_MAX_INFLIGHT)
		return;
	b = &d->inflight[d->nb_inflight++];
	memset(b, 0, sizeof(*b));
	b->id = x[n - 1].id;
	b->ndesc = (uint16_t)n;
	b->pos = VPDRV_POS(head, head_wrap);
	if (nsegs <= VPDRV_MAX_SEGS) {
		b->nsegs = (uint16_t)nsegs;
		memcpy(b->segs, segs, nsegs * sizeof(segs[0]));
	}
}

void
vpdrv_put(struct vpdrv *d, const struct vpdrv_desc *x, unsigned int n)
{
	vpdrv_put_segs(d, x, n, NULL, 0);
}

uint16_t
vpdrv_add_id(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n, uint16_t id)
{
	struct vpdrv_desc x[VDRV_MAX_SIZE];
	unsigned int i;

	n = RTE_MIN(n, (unsigned int)RTE_DIM(x));
	for (i = 0; i < n; i++) {
		x[i].addr = s[i].gpa;
		x[i].len = s[i].len;
		x[i].id = id;
		x[i].flags = (uint16_t)(s[i].flags | vpdrv_avail_flags(d, (uint16_t)i) |
					(i + 1 < n ? VRING_DESC_F_NEXT : 0));
	}
	vpdrv_put_segs(d, x, n, s, n);
	return id;
}

uint16_t
vpdrv_add(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	return vpdrv_add_id(d, s, n, vpdrv_id_alloc(d));
}

uint16_t
vpdrv_add_indirect(struct vpdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint64_t tab = vdrv_alloc_table(d->gm, n);
	struct vring_packed_desc *t = vdrv_gva(d->gm, tab);
	uint16_t id = vpdrv_id_alloc(d);
	struct vpdrv_desc x;
	unsigned int i;

	/* Entries are whole packed descriptors; NEXT means nothing in them. */
	for (i = 0; i < n; i++) {
		t[i].addr = s[i].gpa;
		t[i].len = s[i].len;
		t[i].id = 0;
		t[i].flags = s[i].flags;
	}
	x.addr = tab;
	x.len = n * sizeof(struct vring_packed_desc);
	x.id = id;
	x.flags = (uint16_t)(VRING_DESC_F_INDIRECT | vpdrv_avail_flags(d, 0));
	vpdrv_put_segs(d, &x, 1, s, n);
	return id;
}

uint16_t
vpdrv_tx(struct vpdrv *d, const void *hdr, uint32_t hdr_len, const void *pkt,
	 uint32_t len, const uint32_t *cuts, unsigned int ncuts, bool indirect)
{
	struct vdrv_seg s[VDRV_MAX_SIZE];
	uint32_t total = hdr_len + len, off = 0;
	uint64_t gpa = vdrv_alloc(d->gm, total);
	unsigned int n = 0, i;

	memcpy(vdrv_gva(d->gm, gpa), hdr, hdr_len);
	memcpy((uint8_t *)vdrv_gva(d->gm, gpa) + hdr_len, pkt, len);
	for (i = 0; i < ncuts && off < total && n + 1 < RTE_DIM(s); i++) {
		s[n++] = (struct vdrv_seg){ gpa + off, cuts[i], 0 };
		off += cuts[i];
	}
	if (off < total)
		s[n++] = (struct vdrv_seg){ gpa + off, total - off, 0 };
	return indirect ? vpdrv_add_indirect(d, s, n) : vpdrv_add(d, s, n);
}

uint16_t
vpdrv_rx(struct vpdrv *d, const uint32_t *lens, unsigned int n, bool indirect)
{
	struct vdrv_seg s[VDRV_MAX_SIZE];
	unsigned int i;

	n = RTE_MIN(n, (unsigned int)RTE_DIM(s));
	for (i = 0; i < n; i++) {
		s[i].gpa = vdrv_alloc(d->gm, lens[i]);
		s[i].len = lens[i];
		s[i].flags = VRING_DESC_F_WRITE;
		memset(vdrv_gva(d->gm, s[i].gpa), 0xee, lens[i]);
	}
	return indirect ? vpdrv_add_indirect(d, s, n) : vpdrv_add(d, s, n);
}

bool
vpdrv_used_peek(const struct vpdrv *d, struct vpdrv_used *u)
{
	const struct vring_packed_desc *p = &d->desc[d->used_idx];
	uint16_t f = __atomic_load_n(&p->flags, __ATOMIC_ACQUIRE);

	/* Used in our lap: both bits equal to the used wrap counter. */
	if (!!(f & VPDRV_F_AVAIL) != d->used_wrap || !!(f & VPDRV_F_USED) != d->used_wrap)
		return false;
	memset(u, 0, sizeof(*u));
	u->pos = vpdrv_used_pos(d);
	u->id = p->id;
	u->len = p->len;
	u->flags = f;
	return true;
}

bool
vpdrv_used_next(struct vpdrv *d, struct vpdrv_used *u)
{
	uint32_t ndesc = 0;
	int k, i;

	if (!vpdrv_used_peek(d, u))
		return false;
	k = vpdrv_find(d, u->id);
	if (k < 0)
		return false;
	/* In order, the descriptor stands for every buffer up to its own. */
	for (i = d->in_order ? 0 : k; i <= k; i++) {
		ndesc += d->inflight[i].ndesc;
		u->nbufs++;
	}
	u->buf = d->inflight[k];
	u->first_pos = d->inflight[d->in_order ? 0 : k].pos;
	u->ndesc = (uint16_t)ndesc;
	i = d->in_order ? 0 : k;
	memmove(&d->inflight[i], &d->inflight[k + 1],
		(d->nb_inflight - k - 1) * sizeof(d->inflight[0]));
	d->nb_inflight -= (uint16_t)(k + 1 - i);
	vpdrv_advance(d->size, &d->used_idx, &d->used_wrap, ndesc);
	return true;
}

uint16_t
vpdrv_used_pending(const struct vpdrv *d)
{
	static struct vpdrv t;
	struct vpdrv_used u;
	uint16_t n = 0;

	t = *d;
	while (n < VPDRV_MAX_INFLIGHT && vpdrv_used_next(&t, &u))
		n++;
	return n;
}

void
vpdrv_used_skip(struct vpdrv *d, uint16_t n)
{
	vpdrv_advance(d->size, &d->used_idx, &d->used_wrap, n);
}

void
vpdrv_forget(struct vpdrv *d)
{
	d->nb_inflight = 0;
}

uint32_t
vpdrv_buf_read(const struct vpdrv *d, const struct vpdrv_buf *b, void *out, uint32_t len)
{
	uint32_t done = 0;
	uint16_t i;

	for (i = 0; i < b->nsegs && done < len; i++) {
		uint32_t k = RTE_MIN(len - done, b->segs[i].len);

		memcpy((uint8_t *)out + done, vdrv_gva(d->gm, b->segs[i].gpa), k);
		done += k;
	}
	return done;
}

void
vpdrv_set_event(struct vpdrv *d, uint16_t flags, uint16_t off_wrap)
{
	d->driver_area->off_wrap = off_wrap;
	/* off_wrap must be visible before a DESC that points the device at it. */
	__atomic_store_n(&d->driver_area->flags, flags, __ATOMIC_RELEASE);
}

uint16_t
vpdrv_device_flags(const struct vpdrv *d)
{
	return __atomic_load_n(&d->device_area->flags, __ATOMIC_ACQUIRE);
}
