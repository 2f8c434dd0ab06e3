/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_common.h>

#include "virtq_driver.h"

/* Where each region lives in the memfd: gpa-adjacent regions are not file-adjacent. */
static const struct {
	uint64_t gpa;   /* Guest physical start. */
	uint64_t size;  /* Bytes. */
	uint64_t off;   /* Offset in the memfd. */
	uint32_t slot;  /* Index in virtq_mem::r[]. */
} layout[VDRV_NREGIONS] = {
	{ VDRV_R0_GPA, VDRV_R0_SIZE, 0x40000, VDRV_SLOT_R0 },
	{ VDRV_R1_GPA, VDRV_R1_SIZE, 0x00000, VDRV_SLOT_R1 },
	{ VDRV_R2_GPA, VDRV_R2_SIZE, 0x10000, VDRV_SLOT_R2 },
	{ VDRV_R3_GPA, VDRV_R3_SIZE, 0x80000, VDRV_SLOT_R3 },
};

#define VDRV_FILE_LEN 0x90000ULL /* Covers every region's offset + size. */

int
vdrv_mem_create(struct vdrv_mem *gm)
{
	unsigned int i;

	memset(gm, 0, sizeof(*gm));
	gm->fd = memfd_create("vdrv_guest", MFD_CLOEXEC);
	if (gm->fd < 0)
		return -errno;
	if (ftruncate(gm->fd, VDRV_FILE_LEN) < 0)
		goto fail;
	gm->host_len = VDRV_FILE_LEN;
	gm->host = mmap(NULL, VDRV_FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			gm->fd, 0);
	if (gm->host == MAP_FAILED)
		goto fail;
	/* Reserve the gpa span (holes stay inaccessible), then map each region in. */
	gm->guest = mmap(NULL, VDRV_SPAN, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gm->guest == MAP_FAILED)
		goto fail;
	for (i = 0; i < VDRV_NREGIONS; i++) {
		void *at = gm->guest + (layout[i].gpa - VDRV_GPA_BASE);

		if (mmap(at, layout[i].size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, gm->fd, layout[i].off) != at)
			goto fail;
		gm->mem.r[layout[i].slot].gpa = layout[i].gpa;
		gm->mem.r[layout[i].slot].size = layout[i].size;
		gm->mem.r[layout[i].slot].hva =
			(uint64_t)(uintptr_t)(gm->host + layout[i].off);
	}
	gm->mem.nregions = VDRV_NREGIONS;
	vdrv_mem_reset(gm);
	return 0;
fail:
	i = errno;
	vdrv_mem_destroy(gm);
	return -(int)i;
}

void
vdrv_mem_destroy(struct vdrv_mem *gm)
{
	if (gm->guest != NULL && gm->guest != MAP_FAILED)
		munmap(gm->guest, VDRV_SPAN);
	if (gm->host != NULL && gm->host != MAP_FAILED)
		munmap(gm->host, VDRV_FILE_LEN);
	if (gm->fd >= 0)
		close(gm->fd);
	memset(gm, 0, sizeof(*gm));
	gm->fd = -1;
}

void
vdrv_mem_reset(struct vdrv_mem *gm)
{
	memset(gm->host, 0, gm->host_len);
	gm->buf_next = VDRV_BUF_GPA;
	gm->ind_next = VDRV_IND_GPA;
}

void *
vdrv_gva(const struct vdrv_mem *gm, uint64_t gpa)
{
	return gm->guest + (gpa - VDRV_GPA_BASE);
}

void *
vdrv_hva(const struct vdrv_mem *gm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < VDRV_NREGIONS; i++)
		if (gpa >= layout[i].gpa && gpa - layout[i].gpa < layout[i].size)
			return gm->host + layout[i].off + (gpa - layout[i].gpa);
	return NULL;
}

bool
vdrv_gpa_valid(uint64_t gpa, uint64_t len)
{
	/* R0..R2 are one gpa run, R3 another. */
	if (gpa >= VDRV_R0_GPA && gpa <= VDRV_HOLE_GPA &&
	    len <= VDRV_HOLE_GPA - gpa)
		return true;
	return gpa >= VDRV_R3_GPA && gpa <= VDRV_GPA_END &&
	       len <= VDRV_GPA_END - gpa;
}

uint64_t
vdrv_alloc(struct vdrv_mem *gm, uint32_t len)
{
	uint64_t gpa;

	len = RTE_ALIGN_CEIL(len, 64);
	if (gm->buf_next + len > VDRV_BUF_END)
		gm->buf_next = VDRV_BUF_GPA;
	gpa = gm->buf_next;
	gm->buf_next += len;
	return gpa;
}

uint64_t
vdrv_alloc_table(struct vdrv_mem *gm, uint32_t n)
{
	uint64_t len = RTE_ALIGN_CEIL((uint64_t)n * sizeof(struct vring_desc), 64);
	uint64_t gpa;

	if (gm->ind_next + len > VDRV_IND_END)
		gm->ind_next = VDRV_IND_GPA;
	gpa = gm->ind_next;
	gm->ind_next += len;
	return gpa;
}

void
vdrv_init(struct vdrv *d, struct vdrv_mem *gm, unsigned int q, uint16_t size,
	  uint16_t idx)
{
	memset(d, 0, sizeof(*d));
	d->gm = gm;
	d->size = size;
	d->ring_gpa = VDRV_RING_GPA(q);
	d->desc = vdrv_gva(gm, d->ring_gpa);
	d->avail = vdrv_gva(gm, d->ring_gpa + VDRV_AVAIL_OFF);
	d->used = vdrv_gva(gm, d->ring_gpa + VDRV_USED_OFF);
	memset(d->desc, 0, 0x4000);
	d->avail_idx = idx;
	d->used_idx = idx;
	d->avail->idx = idx;
	d->used->idx = idx;
}

void
vdrv_params(const struct vdrv *d, struct virtq_params *p, uint64_t features,
	    int callfd)
{
	memset(p, 0, sizeof(*p));
	p->desc = vdrv_hva(d->gm, d->ring_gpa);
	p->avail = vdrv_hva(d->gm, d->ring_gpa + VDRV_AVAIL_OFF);
	p->used = vdrv_hva(d->gm, d->ring_gpa + VDRV_USED_OFF);
	p->size = d->size;
	p->last_avail = d->avail_idx;
	p->last_used = d->used_idx;
	p->features = features;
	p->mem = &d->gm->mem;
	p->callfd = callfd;
}

uint16_t
vdrv_desc_alloc(struct vdrv *d)
{
	uint16_t i = d->next_desc;

	d->next_desc = (uint16_t)((d->next_desc + 1) % d->size);
	return i;
}

/* Write @p n buffers as a NEXT-linked run into @p tab, entries from @p idx[]. */
static void
vdrv_link(struct vring_desc *tab, const uint16_t *idx,
	  const struct vdrv_seg *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vring_desc *dp = &tab[idx[i]];

		dp->addr = s[i].gpa;
		dp->len = s[i].len;
		dp->flags = s[i].flags;
		dp->next = 0;
		if (i + 1 < n) {
			dp->flags |= VRING_DESC_F_NEXT;
			dp->next = idx[i + 1];
		}
	}
}

uint16_t
vdrv_add(struct vdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint16_t idx[VDRV_MAX_SIZE];
	unsigned int i;

	for (i = 0; i < n; i++)
		idx[i] = vdrv_desc_alloc(d);
	vdrv_link(d->desc, idx, s, n);
	return idx[0];
}

uint16_t
vdrv_add_indirect(struct vdrv *d, const struct vdrv_seg *s, unsigned int n)
{
	uint64_t tab_gpa = vdrv_alloc_table(d->gm, n);
	uint16_t idx[VDRV_MAX_SIZE * 2];
	uint16_t head = vdrv_desc_alloc(d);
	unsigned int i;

	for (i = 0; i < n; i++)
		idx[i] = (uint16_t)i;
	vdrv_link(vdrv_gva(d->gm, tab_gpa), idx, s, n);
	d->desc[head].addr = tab_gpa;
	d->desc[head].len = n * sizeof(struct vring_desc);
	d->desc[head].flags = VRING_DESC_F_INDIRECT;
	d->desc[head].next = 0;
	return head;
}

void
vdrv_publish(struct vdrv *d, uint16_t head)
{
	d->avail->ring[d->avail_idx & (d->size - 1)] = head;
	d->avail_idx++;
	/* The entry (and the chain) must be visible before the index. */
	rte_smp_wmb();
	d->avail->idx = d->avail_idx;
}

uint16_t
vdrv_used_pending(const struct vdrv *d)
{
	uint16_t idx = d->used->idx;

	rte_smp_rmb();
	return (uint16_t)(idx - d->used_idx);
}

bool
vdrv_used_next(struct vdrv *d, struct vring_used_elem *e)
{
	if (vdrv_used_pending(d) == 0)
		return false;
	*e = d->used->ring[d->used_idx & (d->size - 1)];
	d->used_idx++;
	return true;
}

void
vdrv_set_used_event(struct vdrv *d, uint16_t v)
{
	d->avail->ring[d->size] = v;
}

uint16_t
vdrv_avail_event(const struct vdrv *d)
{
	uint16_t v;

	/* A 16-bit field laid over a used element: copy, do not pun. */
	memcpy(&v, &d->used->ring[d->size], sizeof(v));
	return v;
}

uint16_t
vdrv_tx(struct vdrv *d, const void *hdr, uint32_t hdr_len, const void *pkt,
	uint32_t len, const uint32_t *cuts, unsigned int ncuts, bool indirect)
{
	struct vdrv_seg s[VDRV_MAX_SIZE];
	uint32_t total = hdr_len + len, off = 0;
	uint64_t gpa = vdrv_alloc(d->gm, total);
	unsigned int n = 0, i;
	uint16_t head;

	memcpy(vdrv_gva(d->gm, gpa), hdr, hdr_len);
	memcpy((uint8_t *)vdrv_gva(d->gm, gpa) + hdr_len, pkt, len);
	for (i = 0; i < ncuts && off < total; i++) {
		s[n++] = (struct vdrv_seg){ gpa + off, cuts[i], 0 };
		off += cuts[i];
	}
	if (off < total)
		s[n++] = (struct vdrv_seg){ gpa + off, total - off, 0 };
	head = indirect ? vdrv_add_indirect(d, s, n) : vdrv_add(d, s, n);
	vdrv_publish(d, head);
	return head;
}

uint16_t
vdrv_rx(struct vdrv *d, const uint32_t *lens, unsigned int n, bool indirect)
{
	struct vdrv_seg s[VDRV_MAX_SIZE];
	unsigned int i;
	uint16_t head;

	for (i = 0; i < n; i++) {
		s[i].gpa = vdrv_alloc(d->gm, lens[i]);
		s[i].len = lens[i];
		s[i].flags = VRING_DESC_F_WRITE;
		memset(vdrv_gva(d->gm, s[i].gpa), 0xee, lens[i]);
	}
	head = indirect ? vdrv_add_indirect(d, s, n) : vdrv_add(d, s, n);
	vdrv_publish(d, head);
	return head;
}

unsigned int
vdrv_chain_segs(const struct vdrv *d, uint16_t head, struct vdrv_seg *segs,
		unsigned int max)
{
	const struct vring_desc *tab = d->desc;
	const struct vring_desc *dp = &d->desc[head];
	unsigned int n = 0;

	if (dp->flags & VRING_DESC_F_INDIRECT) {
		tab = vdrv_gva(d->gm, dp->addr);
		dp = &tab[0];
	}
	for (;;) {
		if (n == max)
			break;
		segs[n].gpa = dp->addr;
		segs[n].len = dp->len;
		segs[n].flags = dp->flags & VRING_DESC_F_WRITE;
		n++;
		if (!(dp->flags & VRING_DESC_F_NEXT))
			break;
		dp = &tab[dp->next];
	}
	return n;
}

uint32_t
vdrv_chain_read(const struct vdrv *d, uint16_t head, void *out, uint32_t len)
{
	struct vdrv_seg s[VDRV_MAX_SIZE];
	unsigned int n = vdrv_chain_segs(d, head, s, RTE_DIM(s)), i;
	uint32_t done = 0;

	for (i = 0; i < n && done < len; i++) {
		uint32_t k = RTE_MIN(len - done, s[i].len);

		memcpy((uint8_t *)out + done, vdrv_gva(d->gm, s[i].gpa), k);
		done += k;
	}
	return done;
}
