/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * libFuzzer target over lib/virtq: the fuzzer plays an untrusted guest.
 *
 * Each input describes one split virtqueue and a short script of
 * operations on it. Guest memory is six regions, each on pages of its own
 * with a guard page before it and everything past its size poisoned for
 * AddressSanitizer, so that any access before or past a region is caught
 * (as for a malloc() block of exactly its size):
 *
 *   slot  region  gpa        bytes
 *   3     desc    0x1000     16 * size              the descriptor table
 *   5     avail   0x2000     4 + 2 * size (+ 2)     avail ring (+ used_event)
 *   1     used    0x3000     4 + 8 * size (+ 2)     used ring (+ avail_event)
 *   0     A       0x10000    0x3000                 buffers
 *   4     B       0x13000    0x2000                 buffers, gpa-adjacent to A
 *   2     C       0x20000    0x1000                 buffers, after a gpa gap
 *
 * (slot: index in virtq_mem::r[], deliberately not in gpa order). The
 * event fields exist only when VIRTIO_RING_F_EVENT_IDX is negotiated, as
 * in the virtio spec, so reading them without it is caught too. Every
 * region but the used ring is mapped read-only except while an enqueue
 * (the one call that may write guest buffers) runs or the guest side of
 * the target writes it: a write into a transmit buffer faults where it
 * happens and ASan reports it with its stack. Between inputs the regions
 * are poisoned, so a stale pointer into guest memory is caught as well.
 *
 * Input layout (little-endian), missing bytes read as zero:
 *
 *   0   u8  ring size: 1 << (b % 9), 1..256
 *   1   u8  features: bit 0 EVENT_IDX, 1 INDIRECT_DESC, 2 MRG_RXBUF,
 *           3 VERSION_1, 6 GUEST_CSUM, 7 GUEST_TSO4 and GUEST_TSO6;
 *           bit 4 dirty logging from virtq_init(), bit 5 no callfd
 *   2   u16 last_avail
 *   4   u16 last_used (used->idx starts there too)
 *   6   u16 unused
 *   8   FZ_NOPS operations of FZ_OP_LEN bytes: kind, n, arg (u16), x, y
 *       (kind % FZ_OP_MAX picks an enum fz_op_kind)
 *   56  descriptor table: 16 * size bytes
 *   ..  avail ring: 6 + 2 * size bytes (flags, idx, ring[], used_event)
 *   ..  the rest, tiled over A, B and C (as if they were one block)
 *
 * After every operation the target checks, and abort()s when one fails:
 * - bursts: counts <= requested and <= VIRTQ_MAX_BURST; used entries
 *   written == avail entries taken <= what was available; used->idx
 *   publishes them; used ids are the avail heads in order; an impossible
 *   avail index breaks the queue and a broken queue does nothing;
 * - dequeue: each packet is a well-formed mbuf chain (pkt_len == sum of
 *   data_len, nb_segs == segments, refcnt 1, from the pool given) holding
 *   exactly what a good chain held after its virtio-net header (but for a
 *   checksum the header asked to complete), in avail order; used lengths
 *   0; guest memory unchanged but for the used ring;
 * - enqueue: the caller's array comes back a permutation, placed packets
 *   first and in order; the used lengths add up to header + data of the
 *   placed packets; one buffer per packet without MRG_RXBUF;
 * - chain walk: pieces inside one region each, at the right host address,
 *   adding up to the chain length; nothing written;
 * - translation: the right host address and contiguous length, or NULL
 *   exactly outside every region;
 * - dirty log: every range reported lies in guest memory (or the used
 *   ring), and every byte that changed was reported;
 * - calls: at most one per burst, exactly when the guest asked (used_event
 *   or no NO_INTERRUPT; the first burst after virtq_init() may call
 *   anyway), matching the eventfd counter;
 * - no mbuf leak: every pool's in-use count is back to 0 after each
 *   operation (and LeakSanitizer for malloc()).
 *
 * ASan sees the bounds of everything the engine touches: guest regions
 * as above; the shadow used array that virtq_init() takes
 * from rte_malloc() comes from malloc() here (lib/virtq is compiled with
 * rte_malloc/rte_free renamed, see scripts/fuzz.sh); the mbuf pools live
 * in malloc() memory with everything between mbufs poisoned.
 *
 * FUZZ_VIRTQ_VERBOSE=1 in the environment traces each operation, to
 * read what a crash input does.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "virtq.h"

#define FZ_NOPS 8            /* Operations in one input. */
#define FZ_OP_LEN 6          /* Bytes of one operation. */
#define FZ_CFG_LEN 8         /* Bytes of configuration before them. */
#define FZ_HDR_LEN (FZ_CFG_LEN + FZ_NOPS * FZ_OP_LEN)
#define FZ_MAX_SIZE_LOG2 8   /* Largest ring: 256 entries. */
#define FZ_MAX_ENQ 80        /* Packets per enqueue (more than VIRTQ_MAX_BURST). */
#define FZ_MAX_ENQ_LEN 16384 /* Longest packet an enqueue builds. */
#define FZ_MAX_DEQ 256       /* Largest n a dequeue passes. */

/* Pools: 2 KiB data room; 64 bytes (multi-segment paths); 8 mbufs only. */
#define FZ_BIG_N 2047
#define FZ_SMALL_N 4095
#define FZ_SMALL_ROOM 64
#define FZ_TINY_N 8

/* The six regions, by role. */
enum fz_reg {
	FZ_R_DESC,
	FZ_R_AVAIL,
	FZ_R_USED,
	FZ_R_A,
	FZ_R_B,
	FZ_R_C,
	FZ_R_MAX
};

/* Operation kinds (byte 0 of an operation, modulo FZ_OP_MAX). */
enum fz_op_kind {
	FZ_OP_NOP,         /* Nothing. */
	FZ_OP_DEQUEUE,     /* virtq_dequeue_burst(n, pool y & 3). */
	FZ_OP_ENQUEUE,     /* virtq_enqueue_burst() of n % 81 built packets. */
	FZ_OP_WALK,        /* virtq_chain_walk(head arg, writable n & 1). */
	FZ_OP_AVAIL_ADD,   /* Guest: avail->idx += arg. */
	FZ_OP_GUEST_EVENT, /* Guest: avail->flags = n, used_event = arg. */
	FZ_OP_LOG,         /* virtq_set_log() on (n & 1) or off. */
	FZ_OP_REINIT,      /* virtq_init() again: see fz_op_reinit(). */
	FZ_OP_DESC,        /* Guest: write a descriptor; see fz_op_desc(). */
	FZ_OP_TRANSLATE,   /* virtq_mem_translate(); see fz_op_translate(). */
	FZ_OP_INIT_BAD,    /* virtq_init() with bad parameters n % 6. */
	FZ_OP_MAX
};

/* One region of guest memory and what the checks keep about it. */
struct fz_region {
	uint64_t gpa;    /* Guest physical start. */
	uint32_t size;   /* Bytes (the rest of its pages is poisoned). */
	uint8_t *buf;    /* The memory. */
	uint8_t *snap;   /* Copy taken before an operation. */
	uint8_t *dirty;  /* Per byte: reported written by the dirty log. */
	uint8_t *mark;   /* Per byte: in a receive chain (overlap check). */
};

/* State of the input being run. */
struct fz_state {
	struct fz_region reg[FZ_R_MAX]; /* Guest memory, by role. */
	struct virtq_mem mem;           /* The table the engine gets. */
	struct virtq vq;                /* The queue under test. */
	uint16_t alloc_size;            /* Ring size the regions were sized for. */
	bool event_room;                /* Rings have the event fields. */
	bool log_on;                    /* Dirty logging is on. */
	bool sig_valid;                 /* A burst completed since (re)init. */
};

static const uint64_t fz_gpa[FZ_R_MAX] = {
	[FZ_R_DESC] = 0x1000, [FZ_R_AVAIL] = 0x2000, [FZ_R_USED] = 0x3000,
	[FZ_R_A] = 0x10000, [FZ_R_B] = 0x13000, [FZ_R_C] = 0x20000,
};
static const uint32_t fz_data_size[FZ_R_MAX] = {
	[FZ_R_A] = 0x3000, [FZ_R_B] = 0x2000, [FZ_R_C] = 0x1000,
};
/* Role of each slot of virtq_mem::r[]. */
static const enum fz_reg fz_slot[FZ_R_MAX] = {
	FZ_R_A, FZ_R_USED, FZ_R_C, FZ_R_DESC, FZ_R_B, FZ_R_AVAIL,
};

static struct rte_mempool *fz_pool[3]; /* Big, small, tiny. */
static void *fz_pool_mem[3];           /* Their memory (malloc()ed). */
static uint8_t *fz_guest_at[FZ_R_MAX]; /* Where each region lives (fz_guest_map()). */
static uint32_t fz_guest_cap[FZ_R_MAX]; /* Its pages' bytes. */
static int fz_callfd = -1;             /* Call eventfd. */
static struct fz_state fz;             /* The current input. */
static bool fz_verbose;                /* FUZZ_VIRTQ_VERBOSE set: trace operations. */

/* Trace one operation (FUZZ_VIRTQ_VERBOSE=1, for reading a crash input). */
#define FZ_TRACE(fmt, ...) do { \
	if (unlikely(fz_verbose)) \
		fz_trace(fmt, ##__VA_ARGS__); \
} while (0)

static void __rte_format_printf(1, 2)
fz_trace(const char *fmt, ...)
{
	va_list ap;
	int e;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " -> size %u avail %u/%u used %u broken %d errors:",
		fz.vq.size, fz.vq.last_avail, fz.reg[FZ_R_AVAIL].buf != NULL ?
		((struct vring_avail *)fz.reg[FZ_R_AVAIL].buf)->idx : 0,
		fz.vq.last_used, fz.vq.broken);
	for (e = 0; e < VIRTQ_ERR_MAX; e++)
		if (fz.vq.stats.errors[e] != 0)
			fprintf(stderr, " %s=%" PRIu64, virtq_error_name(e),
				fz.vq.stats.errors[e]);
	fprintf(stderr, "\n");
}

/* Stop on a broken invariant: libFuzzer saves the input as a crash. */
#define FZ_CHECK(cond) do { \
	if (unlikely(!(cond))) \
		fz_fail(__LINE__, #cond); \
} while (0)

static void __rte_noreturn
fz_fail(int line, const char *what)
{
	fprintf(stderr, "fuzz_virtq.c:%d: invariant violated: %s\n", line, what);
	fprintf(stderr, "  vq: size %u last_avail %u last_used %u broken %d\n",
		fz.vq.size, fz.vq.last_avail, fz.vq.last_used, fz.vq.broken);
	abort();
}

/*
 * lib/virtq's rte_malloc() and rte_free(), renamed at compile time: plain
 * heap blocks of exactly the size asked, so ASan sees their bounds (the
 * DPDK heap is not instrumented).
 */
void *vdp_fuzz_rte_malloc(const char *type, size_t size, unsigned int align);
/* See vdp_fuzz_rte_malloc(). */
void vdp_fuzz_rte_free(void *p);

void *
vdp_fuzz_rte_malloc(const char *type, size_t size, unsigned int align)
{
	void *p;

	RTE_SET_USED(type);
	if (size == 0)
		return NULL;
	if (align < sizeof(void *))
		align = sizeof(void *);
	if (posix_memalign(&p, align, size) != 0)
		return NULL;
	return p;
}

void
vdp_fuzz_rte_free(void *p)
{
	free(p);
}

/* Little-endian u16 at @p p. */
static inline uint16_t
fz_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* The region holding all of [gpa, gpa + len), or NULL. */
static struct fz_region *
fz_region_of(uint64_t gpa, uint64_t len)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		struct fz_region *r = &fz.reg[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size &&
		    len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

/* Dirty log: every byte of [gpa, gpa + len) must be guest memory. */
static void
fz_log_write(void *ctx, uint64_t gpa, uint64_t len)
{
	FZ_CHECK(ctx == &fz);
	while (len != 0) {
		struct fz_region *r = fz_region_of(gpa, 1);
		uint64_t off, n;

		FZ_CHECK(r != NULL);
		off = gpa - r->gpa;
		n = RTE_MIN(len, r->size - off);
		memset(r->dirty + off, 1, n);
		gpa += n;
		len -= n;
	}
}

/* Dirty log of the used ring: the range must lie inside it. */
static void
fz_log_used(void *ctx, uint64_t offset, uint64_t len)
{
	struct fz_region *r = &fz.reg[FZ_R_USED];

	FZ_CHECK(ctx == &fz);
	FZ_CHECK(offset <= r->size && len <= r->size - offset);
	memset(r->dirty + offset, 1, len);
}

static const struct virtq_log_ops fz_log_ops = {
	.write = fz_log_write,
	.used = fz_log_used,
};

/* Object callback: let instrumented code use the mbuf (header and buffer). */
static void
fz_pool_unpoison(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	RTE_SET_USED(opaque);
	RTE_SET_USED(idx);
	ASAN_UNPOISON_MEMORY_REGION(obj, mp->elt_size);
}

/*
 * An mbuf pool of @p n mbufs of @p data_room bytes (headroom included)
 * like rte_pktmbuf_pool_create(), no cache, but in malloc() memory where
 * everything between the mbufs (mempool object headers and padding) is
 * poisoned: ASan then sees a read or write past the end of an mbuf's
 * buffer, which the (uninstrumented) DPDK heap would hide. Only DPDK's own
 * compiled code, which ASan does not check, touches the object headers.
 */
static struct rte_mempool *
fz_pool_create(unsigned int i, const char *name, unsigned int n, uint16_t data_room)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = data_room,
		.mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;
	size_t len;
	int ret;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + data_room,
				      0, sizeof(priv), SOCKET_ID_ANY,
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	/* Objects packed back to back (no page alignment: NO_IOVA_CONTIG). */
	len = (size_t)n * (mp->header_size + mp->elt_size + mp->trailer_size) +
		RTE_CACHE_LINE_SIZE;
	if (posix_memalign(&fz_pool_mem[i], RTE_CACHE_LINE_SIZE, len) != 0)
		goto fail;
	ret = rte_mempool_populate_iova(mp, fz_pool_mem[i], RTE_BAD_IOVA, len, NULL, NULL);
	if (ret < 0 || mp->populated_size != n)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	ASAN_POISON_MEMORY_REGION(fz_pool_mem[i], len);
	rte_mempool_obj_iter(mp, fz_pool_unpoison, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

/* Ring sizes (bytes) for @p size entries. */
static uint32_t
fz_avail_bytes(uint16_t size, bool event)
{
	return 4 + 2 * (uint32_t)size + (event ? 2 : 0);
}

static uint32_t
fz_used_bytes(uint16_t size, bool event)
{
	return 4 + 8 * (uint32_t)size + (event ? 2 : 0);
}

/*
 * Guest memory, mapped once: each region on pages of its own (room for
 * its largest size), a PROT_NONE page before each and after the last.
 * Everything is poisoned until an input sizes the regions.
 */
static int
fz_guest_map(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = page, off = page;
	uint8_t *base;
	int i;

	fz_guest_cap[FZ_R_DESC] = 16u << FZ_MAX_SIZE_LOG2;
	fz_guest_cap[FZ_R_AVAIL] = fz_avail_bytes(1u << FZ_MAX_SIZE_LOG2, true);
	fz_guest_cap[FZ_R_USED] = fz_used_bytes(1u << FZ_MAX_SIZE_LOG2, true);
	for (i = FZ_R_A; i < FZ_R_MAX; i++)
		fz_guest_cap[i] = fz_data_size[i];
	for (i = 0; i < FZ_R_MAX; i++) {
		fz_guest_cap[i] = RTE_ALIGN_CEIL(fz_guest_cap[i], page);
		total += fz_guest_cap[i] + page;
	}
	base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	for (i = 0; i < FZ_R_MAX; i++) {
		fz_guest_at[i] = base + off;
		if (mprotect(fz_guest_at[i], fz_guest_cap[i], PROT_READ | PROT_WRITE) != 0)
			return -1;
		ASAN_POISON_MEMORY_REGION(fz_guest_at[i], fz_guest_cap[i]);
		off += fz_guest_cap[i] + page;
	}
	return 0;
}

/*
 * Let region @p i (every region when FZ_R_MAX) be written (@p rw), or
 * only read. The used ring is always writable: the engine writes it.
 */
static void
fz_guest_rw(int i, bool rw)
{
	int k;

	for (k = 0; k < FZ_R_MAX; k++) {
		if (k == FZ_R_USED || (i != FZ_R_MAX && k != i))
			continue;
		if (mprotect(fz_guest_at[k], fz_guest_cap[k],
			     rw ? PROT_READ | PROT_WRITE : PROT_READ) != 0)
			fz_fail(__LINE__, "mprotect of guest memory");
	}
}

/*
 * Start EAL once (no hugepages, no PCI, no shared config, one lcore), make
 * the mbuf pools and map guest memory.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* --in-memory cannot be combined with --no-huge on DPDK 22.11. */
	char *eal_argv[] = {
		"fuzz_virtq", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
		"--no-telemetry", "-l", "0", "--log-level=*:error", NULL,
	};

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_verbose = getenv("FUZZ_VIRTQ_VERBOSE") != NULL;
	if (rte_eal_init(RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	/* No per-lcore cache: in-use counts are exact at any time. */
	fz_pool[0] = fz_pool_create(0, "fz_big", FZ_BIG_N, RTE_MBUF_DEFAULT_BUF_SIZE);
	fz_pool[1] = fz_pool_create(1, "fz_small", FZ_SMALL_N,
				    RTE_PKTMBUF_HEADROOM + FZ_SMALL_ROOM);
	fz_pool[2] = fz_pool_create(2, "fz_tiny", FZ_TINY_N, RTE_MBUF_DEFAULT_BUF_SIZE);
	fz_callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fz_pool[0] == NULL || fz_pool[1] == NULL || fz_pool[2] == NULL ||
	    fz_callfd < 0 || fz_guest_map() < 0) {
		fprintf(stderr, "fuzz set-up failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	return 0;
}

/* Size the regions for a ring of @p size and fill them from the input. */
static int
fz_mem_build(uint16_t size, bool event, const uint8_t *in, size_t in_len)
{
	size_t pos = FZ_HDR_LEN, n;
	uint32_t ring_in_len[FZ_R_MAX] = { 0 };
	int i;

	fz.reg[FZ_R_DESC].size = 16 * (uint32_t)size;
	fz.reg[FZ_R_AVAIL].size = fz_avail_bytes(size, event);
	fz.reg[FZ_R_USED].size = fz_used_bytes(size, event);
	for (i = FZ_R_A; i < FZ_R_MAX; i++)
		fz.reg[i].size = fz_data_size[i];
	ring_in_len[FZ_R_DESC] = 16 * (uint32_t)size;
	ring_in_len[FZ_R_AVAIL] = fz_avail_bytes(size, true);
	fz_guest_rw(FZ_R_MAX, true);
	for (i = 0; i < FZ_R_MAX; i++) {
		struct fz_region *r = &fz.reg[i];

		r->gpa = fz_gpa[i];
		r->buf = fz_guest_at[i];
		ASAN_UNPOISON_MEMORY_REGION(r->buf, r->size);
		memset(r->buf, 0, r->size);
		r->snap = malloc(r->size);
		r->dirty = malloc(r->size);
		r->mark = malloc(r->size);
		if (r->snap == NULL || r->dirty == NULL || r->mark == NULL)
			return -ENOMEM;
	}
	/* Rings: straight from the input. */
	for (i = FZ_R_DESC; i <= FZ_R_AVAIL; i++) {
		if (pos < in_len) {
			n = RTE_MIN((size_t)RTE_MIN(ring_in_len[i], fz.reg[i].size),
				    in_len - pos);
			memcpy(fz.reg[i].buf, in + pos, n);
		}
		pos += ring_in_len[i];
	}
	/* Buffers: the rest, tiled over A, B and C. */
	if (pos < in_len) {
		const uint8_t *src = in + pos;
		size_t src_len = in_len - pos, k = 0;

		for (i = FZ_R_A; i < FZ_R_MAX; i++) {
			uint32_t j;

			for (j = 0; j < fz.reg[i].size; j++, k++)
				fz.reg[i].buf[j] = src[k % src_len];
		}
	}
	fz_guest_rw(FZ_R_MAX, false);
	fz.mem.nregions = FZ_R_MAX;
	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[fz_slot[i]];

		fz.mem.r[i].gpa = r->gpa;
		fz.mem.r[i].size = r->size;
		fz.mem.r[i].hva = (uint64_t)(uintptr_t)r->buf;
	}
	return 0;
}

static void
fz_mem_free(void)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		/* Whatever still points there is caught using it. */
		if (fz.reg[i].buf != NULL)
			ASAN_POISON_MEMORY_REGION(fz.reg[i].buf, fz_guest_cap[i]);
		free(fz.reg[i].snap);
		free(fz.reg[i].dirty);
		free(fz.reg[i].mark);
	}
	memset(fz.reg, 0, sizeof(fz.reg));
}

static struct vring_avail *
fz_avail(void)
{
	return (struct vring_avail *)fz.reg[FZ_R_AVAIL].buf;
}

static struct vring_used *
fz_used(void)
{
	return (struct vring_used *)fz.reg[FZ_R_USED].buf;
}

/* Features from the feature byte of the input. */
static uint64_t
fz_features(uint8_t b)
{
	uint64_t f = 0;

	if (b & 1)
		f |= 1ULL << VIRTIO_RING_F_EVENT_IDX;
	if (b & 2)
		f |= 1ULL << VIRTIO_RING_F_INDIRECT_DESC;
	if (b & 4)
		f |= 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	if (b & 8)
		f |= 1ULL << VIRTIO_F_VERSION_1;
	if (b & 0x40)
		f |= 1ULL << VIRTIO_NET_F_GUEST_CSUM;
	if (b & 0x80)
		f |= (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

/* Mbufs of every pool are all back. */
static void
fz_check_pools(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(fz_pool); i++)
		FZ_CHECK(rte_mempool_in_use_count(fz_pool[i]) == 0);
}

/* Snapshot guest memory and clear the dirty marks before an operation. */
static void
fz_snap(void)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		memcpy(fz.reg[i].snap, fz.reg[i].buf, fz.reg[i].size);
		memset(fz.reg[i].dirty, 0, fz.reg[i].size);
	}
}

/*
 * Guest memory after an operation: with dirty logging on, every changed
 * byte was logged; regions other than @p may_write (a mask of regions)
 * did not change at all.
 */
static void
fz_check_writes(unsigned int may_write)
{
	uint32_t j;
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[i];

		if (!(may_write & (1u << i))) {
			FZ_CHECK(memcmp(r->snap, r->buf, r->size) == 0);
			continue;
		}
		if (!fz.log_on)
			continue;
		for (j = 0; j < r->size; j++)
			FZ_CHECK(r->buf[j] == r->snap[j] || r->dirty[j]);
	}
}

/* What the queue looked like before a burst. */
struct fz_before {
	uint16_t last_avail;  /* vq.last_avail. */
	uint16_t last_used;   /* vq.last_used. */
	uint16_t avail_idx;   /* avail->idx. */
	uint16_t size;        /* vq.size. */
	bool broken;          /* vq.broken. */
	uint64_t pkts;        /* vq.stats.pkts. */
	uint64_t calls;       /* vq.stats.calls. */
	uint64_t avoided;     /* vq.stats.calls_avoided. */
};

static void
fz_before_take(struct fz_before *b)
{
	b->last_avail = fz.vq.last_avail;
	b->last_used = fz.vq.last_used;
	b->avail_idx = fz_avail()->idx;
	b->size = fz.vq.size;
	b->broken = fz.vq.broken;
	b->pkts = fz.vq.stats.pkts;
	b->calls = fz.vq.stats.calls;
	b->avoided = fz.vq.stats.calls_avoided;
}

/* Calls the eventfd got since the last look. */
static uint64_t
fz_calls_read(void)
{
	uint64_t v;

	if (read(fz_callfd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/*
 * Notifications after a burst that completed @p used entries: none when
 * nothing completed, else exactly one decision; a call when the guest
 * asked for one (used_event passed, with EVENT_IDX; no NO_INTERRUPT flag
 * without it) and not otherwise, except that the first burst after
 * virtq_init() may call anyway.
 */
static void
fz_check_notify(const struct fz_before *b, uint16_t used)
{
	uint64_t calls = fz.vq.stats.calls - b->calls;
	uint64_t avoided = fz.vq.stats.calls_avoided - b->avoided;
	bool want;

	FZ_CHECK(fz_calls_read() == calls);
	if (used == 0) {
		FZ_CHECK(calls == 0 && avoided == 0);
		return;
	}
	FZ_CHECK(calls + avoided == 1);
	if (fz.vq.callfd < 0) {
		FZ_CHECK(calls == 0);
		return;
	}
	if (fz.vq.event_idx)
		want = vring_need_event(fz_avail()->ring[fz.vq.size], fz.vq.last_used,
					b->last_used);
	else
		want = !(fz_avail()->flags & VRING_AVAIL_F_NO_INTERRUPT);
	if (want || fz.sig_valid)
		FZ_CHECK(calls == want);
	fz.sig_valid = true;
}

/*
 * After a burst that returned @p ret of @p n: the used entries written
 * match the avail entries taken, no more than were available, and
 * used->idx publishes them. Returns the number of used entries.
 */
static uint16_t
fz_check_burst(const struct fz_before *b, uint16_t ret, uint16_t n)
{
	uint16_t used = fz.vq.last_used - b->last_used;
	uint16_t taken = fz.vq.last_avail - b->last_avail;
	uint16_t pending = b->avail_idx - b->last_avail;

	FZ_CHECK(ret <= n && ret <= VIRTQ_MAX_BURST);
	FZ_CHECK(fz.vq.stats.pkts - b->pkts == ret);
	FZ_CHECK(used == taken);
	FZ_CHECK(fz.vq.nb_shadow == 0);
	FZ_CHECK(fz.vq.size == b->size);
	if (b->broken) {
		FZ_CHECK(ret == 0 && used == 0 && fz.vq.broken);
		fz_check_notify(b, 0);
		return 0;
	}
	if (pending > b->size) {
		/* An impossible avail index stops the queue. */
		FZ_CHECK(fz.vq.broken && ret == 0 && used == 0);
		fz_check_notify(b, 0);
		return 0;
	}
	FZ_CHECK(!fz.vq.broken);
	FZ_CHECK(used <= pending && ret <= used);
	if (used != 0)
		FZ_CHECK(fz_used()->idx == fz.vq.last_used);
	fz_check_notify(b, used);
	return used;
}

/* Used entry @p i of the ones a burst wrote from @p first. */
static const struct vring_used_elem *
fz_used_elem(uint16_t first, uint16_t i)
{
	return &fz_used()->ring[(uint16_t)(first + i) & fz.vq.mask];
}

/* A dequeued packet is a well-formed mbuf chain from @p mp. */
static void
fz_check_rx_mbuf(const struct rte_mbuf *m, const struct rte_mempool *mp)
{
	const struct rte_mbuf *s;
	const char *reason = NULL;
	uint32_t sum = 0;
	uint16_t segs = 0;

	FZ_CHECK(m != NULL);
	FZ_CHECK(rte_mbuf_check(m, 1, &reason) == 0);
	for (s = m; s != NULL; s = s->next) {
		FZ_CHECK(s->pool == mp);
		FZ_CHECK(rte_mbuf_refcnt_read(s) == 1);
		FZ_CHECK((uint32_t)s->data_off + s->data_len <= s->buf_len);
		sum += s->data_len;
		segs++;
		FZ_CHECK(segs != 0);
	}
	FZ_CHECK(segs == m->nb_segs);
	FZ_CHECK(sum == m->pkt_len);
	FZ_CHECK(m->pkt_len != 0 && m->pkt_len <= VIRTQ_MAX_PKT_LEN);
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)
		FZ_CHECK(m->tso_segsz != 0);
}

/* The snapshot copy of host address @p p, which lies in a region. */
static const uint8_t *
fz_snap_of(const uint8_t *p)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[i];
		uintptr_t base = (uintptr_t)r->buf;

		if (a >= base && a - base < r->size)
			return r->snap + (a - base);
	}
	fz_fail(__LINE__, "chain piece outside guest memory");
}

/* The avail entries a burst may take (their heads from the snapshot). */
static uint16_t
fz_snap_head(uint16_t last_avail, uint16_t i)
{
	const struct vring_avail *a = (const struct vring_avail *)fz.reg[FZ_R_AVAIL].snap;

	return a->ring[(uint16_t)(last_avail + i) & fz.vq.mask];
}

/* Chains at the avail entries a dequeue may take, walked before it. */
static struct virtq_chain fz_cand[VIRTQ_MAX_BURST];
static int fz_cand_ret[VIRTQ_MAX_BURST];

/*
 * Does @p m hold what the guest put in chain @p c after the virtio-net
 * header (as it was before the burst), but for a checksum the header asked
 * to complete?
 */
static bool
fz_pkt_matches(const struct virtq_chain *c, const struct rte_mbuf *m)
{
	uint32_t hdr_len = fz.vq.hdr_len, off = 0, skip = UINT32_MAX, seg_off = 0;
	struct virtio_net_hdr h;
	uint8_t *hp = (uint8_t *)&h;
	const struct rte_mbuf *s = m;
	uint16_t i;

	if (c->len <= hdr_len || m->pkt_len != c->len - hdr_len)
		return false;
	for (i = 0; i < c->nvec; i++) {
		const uint8_t *src = fz_snap_of(c->vec[i].addr);
		uint32_t k;

		for (k = 0; k < c->vec[i].len; k++, off++) {
			if (off < sizeof(h)) {
				hp[off] = src[k];
				if (off + 1 == sizeof(h) && (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
					skip = (uint32_t)h.csum_start + h.csum_offset;
			}
			if (off < hdr_len)
				continue;
			while (seg_off == s->data_len) {
				s = s->next;
				seg_off = 0;
				FZ_CHECK(s != NULL);
			}
			if ((skip == UINT32_MAX ||
			     (off - hdr_len != skip && off - hdr_len != skip + 1)) &&
			    rte_pktmbuf_mtod_offset(s, const uint8_t *, seg_off)[0] != src[k])
				return false;
			seg_off++;
		}
	}
	return true;
}

static void
fz_op_dequeue(uint8_t n, uint8_t y)
{
	static const uint8_t pool_of[4] = { 0, 1, 2, 0 };
	struct rte_mempool *mp = fz_pool[pool_of[y & 3]];
	struct rte_mbuf *pkts[FZ_MAX_DEQ];
	uint16_t ret, used, i, j, ncand = 0;
	struct fz_before b;

	fz_before_take(&b);
	fz_snap();
	/* What the engine should find: walk the chains it may take first. */
	if (!b.broken && (uint16_t)(b.avail_idx - b.last_avail) <= b.size)
		ncand = RTE_MIN(RTE_MIN((uint16_t)(b.avail_idx - b.last_avail),
					(uint16_t)n), (uint16_t)VIRTQ_MAX_BURST);
	for (i = 0; i < ncand; i++)
		fz_cand_ret[i] = virtq_chain_walk(&fz.vq, fz_snap_head(b.last_avail, i),
						  false, &fz_cand[i]);

	ret = virtq_dequeue_burst(&fz.vq, mp, pkts, n);
	FZ_TRACE("dequeue n %u pool %s: %u", n, mp->name, ret);
	used = fz_check_burst(&b, ret, n);
	FZ_CHECK(used <= ncand);
	/* Every chain taken goes back, in avail order, with nothing written. */
	for (i = 0; i < used; i++) {
		FZ_CHECK(fz_used_elem(b.last_used, i)->id == fz_snap_head(b.last_avail, i));
		FZ_CHECK(fz_used_elem(b.last_used, i)->len == 0);
	}
	/* The packets are the good chains' contents, in order. */
	for (i = 0, j = 0; i < ret; i++, j++) {
		fz_check_rx_mbuf(pkts[i], mp);
		while (j < used && (fz_cand_ret[j] != 0 || !fz_pkt_matches(&fz_cand[j], pkts[i])))
			j++;
		FZ_CHECK(j < used);
	}
	for (i = 0; i < ret; i++)
		for (j = 0; j < i; j++)
			FZ_CHECK(pkts[j] != pkts[i]);
	/* A guest transmit never writes guest memory but the used ring. */
	fz_check_writes(1u << FZ_R_USED);
	rte_pktmbuf_free_bulk(pkts, ret);
	fz_check_pools();
}

/* A packet of @p len bytes from @p mp in segments of at most @p segsz bytes. */
static struct rte_mbuf *
fz_pkt_build(struct rte_mempool *mp, uint32_t len, uint32_t segsz,
	     bool empty_first, uint32_t seed)
{
	struct rte_mbuf *m, *last, *s;
	uint32_t left = len, k = 0;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	last = m;
	s = m;
	for (;;) {
		uint32_t room = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(s), segsz), n, i;
		uint8_t *p;

		n = (s == m && empty_first) ? 0 : RTE_MIN(room, left);
		p = rte_pktmbuf_mtod(s, uint8_t *);
		for (i = 0; i < n; i++, k++)
			p[i] = (uint8_t)(seed * 131 + k * 7 + (k >> 8));
		s->data_len = n;
		m->pkt_len += n;
		left -= n;
		if (left == 0)
			break;
		s = rte_pktmbuf_alloc(mp);
		if (s == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		last->next = s;
		last = s;
		m->nb_segs++;
	}
	return m;
}

/* Offload requests as an application would set them on a packet. */
static void
fz_pkt_offload(struct rte_mbuf *m, uint8_t kind, uint8_t x)
{
	m->l2_len = 14 + (x & 3) * 4;
	m->l3_len = (x & 4) ? 40 : 20;
	m->l4_len = (x & 8) ? 8 : 20 + (x >> 4) * 4;
	switch (kind) {
	case 1:
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
			       RTE_MBUF_F_TX_IP_CKSUM;
		break;
	case 2:
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM | RTE_MBUF_F_TX_IPV6;
		break;
	case 3:
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
			       RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		m->tso_segsz = 1448 + x;
		break;
	case 4:
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
			       RTE_MBUF_F_TX_IPV6;
		m->tso_segsz = x;
		break;
	case 5:
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		break;
	case 6:
		m->ol_flags |= RTE_MBUF_F_TX_SCTP_CKSUM | RTE_MBUF_F_TX_IPV4;
		break;
	default:
		break;
	}
}

/* Chains at the avail entries an enqueue may take, walked before it. */
static struct virtq_chain fz_rx_chain[1 << FZ_MAX_SIZE_LOG2];
static int fz_rx_ret[1 << FZ_MAX_SIZE_LOG2];
static uint8_t fz_pkt_buf[FZ_MAX_ENQ_LEN]; /* One packet, linear. */

/* The region whose memory holds host address @p p, or NULL. */
static struct fz_region *
fz_region_of_host(const uint8_t *p)
{
	uintptr_t a = (uintptr_t)p;
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		uintptr_t base = (uintptr_t)fz.reg[i].buf;

		if (a >= base && a - base < fz.reg[i].size)
			return &fz.reg[i];
	}
	return NULL;
}

/*
 * Can what an enqueue wrote be read back? Only when the @p n chains it may
 * have written (good walks) share no byte with each other or with the
 * rings; otherwise a later write legitimately overwrites an earlier one.
 */
static bool
fz_rx_chains_disjoint(uint16_t n)
{
	uint16_t i, v;
	int k;

	for (k = 0; k < FZ_R_MAX; k++)
		memset(fz.reg[k].mark, 0, fz.reg[k].size);
	for (i = 0; i < n; i++) {
		if (fz_rx_ret[i] != 0)
			continue;
		for (v = 0; v < fz_rx_chain[i].nvec; v++) {
			const struct virtq_buf *b = &fz_rx_chain[i].vec[v];
			struct fz_region *r = fz_region_of_host(b->addr);
			uint32_t off, j;

			FZ_CHECK(r != NULL);
			/* In a ring: the rings change under the data. */
			if (r < &fz.reg[FZ_R_A])
				return false;
			off = b->addr - r->buf;
			for (j = 0; j < b->len; j++) {
				if (r->mark[off + j])
					return false;
				r->mark[off + j] = 1;
			}
		}
	}
	return true;
}

/* Copy @p len bytes of chain @p c from byte @p off, as guest memory is now. */
static void
fz_chain_copy(const struct virtq_chain *c, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *d = dst;
	uint16_t v;

	for (v = 0; v < c->nvec && len != 0; v++) {
		uint32_t l = c->vec[v].len, n;

		if (off >= l) {
			off -= l;
			continue;
		}
		n = RTE_MIN(l - off, len);
		memcpy(d, c->vec[v].addr + off, n);
		d += n;
		len -= n;
		off = 0;
	}
	FZ_CHECK(len == 0);
}

/* A receive header says only what the guest negotiated (virtio 1.x
 * 5.1.6.4.1): no flags without GUEST_CSUM, GSO only of a negotiated kind
 * and with NEEDS_CSUM. */
static void
fz_check_rx_hdr(const struct virtio_net_hdr *h)
{
	uint64_t f = fz.vq.features;

	FZ_CHECK((h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM |
			       VIRTIO_NET_HDR_F_DATA_VALID)) == 0);
	if (!(f & (1ULL << VIRTIO_NET_F_GUEST_CSUM)))
		FZ_CHECK(h->flags == 0);
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		FZ_CHECK(f & (1ULL << VIRTIO_NET_F_GUEST_TSO4));
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		FZ_CHECK(f & (1ULL << VIRTIO_NET_F_GUEST_TSO6));
		break;
	default:
		fz_fail(__LINE__, "unexpected gso_type");
	}
	FZ_CHECK(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

/*
 * What the guest finds after an enqueue that placed @p ret of @p pkts in
 * @p used entries: each placed packet, in order, is the header and then its
 * bytes over one buffer (or num_buffers consecutive ones with mergeable rx
 * buffers); entries between packets are buffers given back empty.
 */
static void
fz_check_rx_data(const struct fz_before *b, struct rte_mbuf **pkts, uint16_t ret,
		 uint16_t used)
{
	uint32_t hdr_len = fz.vq.hdr_len;
	uint16_t e = 0, k;

	for (k = 0; k < ret; k++) {
		struct virtio_net_hdr_mrg_rxbuf h;
		uint32_t total = hdr_len + rte_pktmbuf_pkt_len(pkts[k]), sum = 0, p = 0;
		const uint8_t *pkt;
		uint16_t first, nb = 0, j;

		pkt = rte_pktmbuf_read(pkts[k], 0, rte_pktmbuf_pkt_len(pkts[k]), fz_pkt_buf);
		FZ_CHECK(pkt != NULL || rte_pktmbuf_pkt_len(pkts[k]) == 0);
		while (e < used && fz_used_elem(b->last_used, e)->len == 0)
			e++;
		first = e;
		while (sum < total) {
			uint32_t l;

			FZ_CHECK(e < used);
			l = fz_used_elem(b->last_used, e)->len;
			FZ_CHECK(fz_rx_ret[e] == 0 && l != 0 && l <= fz_rx_chain[e].len);
			FZ_CHECK(e == first || l > 0);
			sum += l;
			nb++;
			e++;
		}
		FZ_CHECK(sum == total);
		FZ_CHECK(nb == 1 || fz.vq.mrg_rxbuf);
		memset(&h, 0, sizeof(h));
		fz_chain_copy(&fz_rx_chain[first], 0, &h, hdr_len);
		if (hdr_len == sizeof(h))
			FZ_CHECK(h.num_buffers == nb);
		fz_check_rx_hdr(&h.hdr);
		for (j = first; j < e; j++) {
			uint32_t start = j == first ? hdr_len : 0;
			uint32_t l = fz_used_elem(b->last_used, j)->len - start;
			static uint8_t got[FZ_MAX_ENQ_LEN];

			FZ_CHECK(p + l <= rte_pktmbuf_pkt_len(pkts[k]));
			fz_chain_copy(&fz_rx_chain[j], start, got, l);
			FZ_CHECK(memcmp(got, pkt + p, l) == 0);
			p += l;
		}
	}
	FZ_TRACE("enqueue: the guest got the %u packets", ret);
}

static void
fz_op_enqueue(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	static const uint32_t segsz_of[4] = { UINT32_MAX, UINT32_MAX, 1000, 24 };
	struct rte_mempool *mp = fz_pool[(y & 3) == 1 || (y & 3) == 3];
	struct rte_mbuf *pkts[FZ_MAX_ENQ], *orig[FZ_MAX_ENQ];
	uint64_t want = 0, got = 0;
	struct fz_before b;
	uint16_t cnt = n % (FZ_MAX_ENQ + 1), lim, ret, used, i, j, prev;
	uint16_t hdr_len = fz.vq.hdr_len, npre = 0;
	bool found;

	for (i = 0; i < cnt; i++) {
		uint32_t len = ((uint32_t)arg + (uint32_t)i * x * 61) % (FZ_MAX_ENQ_LEN + 1);

		pkts[i] = fz_pkt_build(mp, len, segsz_of[y & 3], (y & 3) == 3, i + arg);
		if (pkts[i] == NULL)
			break;
		fz_pkt_offload(pkts[i], (y >> 2) & 7, x + i);
	}
	cnt = i;
	memcpy(orig, pkts, cnt * sizeof(pkts[0]));
	lim = RTE_MIN(cnt, (uint16_t)VIRTQ_MAX_BURST);

	fz_before_take(&b);
	fz_snap();
	/* The chains it may fill, walked first (so the data can be checked). */
	if (!b.broken && (uint16_t)(b.avail_idx - b.last_avail) <= b.size)
		npre = b.avail_idx - b.last_avail;
	for (i = 0; i < npre; i++)
		fz_rx_ret[i] = virtq_chain_walk(&fz.vq, fz_snap_head(b.last_avail, i),
						true, &fz_rx_chain[i]);
	/* The one call that may write guest buffers. */
	fz_guest_rw(FZ_R_MAX, true);
	ret = virtq_enqueue_burst(&fz.vq, pkts, cnt);
	fz_guest_rw(FZ_R_MAX, false);
	FZ_TRACE("enqueue %u (len %u..) pool %s: %u", cnt,
		 cnt ? rte_pktmbuf_pkt_len(orig[0]) : 0, mp->name, ret);
	used = fz_check_burst(&b, ret, cnt);

	/*
	 * The caller still owns every mbuf: pkts[0..lim) is a permutation of
	 * what it passed, the placed ones first and in their order; the rest
	 * is untouched.
	 */
	for (i = 0; i < lim; i++) {
		found = false;
		for (j = 0; j < lim; j++) {
			if (pkts[i] == orig[j]) {
				found = true;
				break;
			}
		}
		FZ_CHECK(found);
		for (j = 0; j < i; j++)
			FZ_CHECK(pkts[j] != pkts[i]);
	}
	for (i = 0, prev = 0; i < ret; i++) {
		for (j = prev; j < lim && orig[j] != pkts[i]; j++)
			;
		FZ_CHECK(j < lim); /* Placed packets keep their order. */
		prev = j + 1;
	}
	for (i = lim; i < cnt; i++)
		FZ_CHECK(pkts[i] == orig[i]);

	/* Buffers go back in avail order (unless the guest had the avail
	 * ring itself receive a packet: then the heads changed under us). */
	if (memcmp(fz.reg[FZ_R_AVAIL].snap, fz.reg[FZ_R_AVAIL].buf,
		   fz.reg[FZ_R_AVAIL].size) == 0) {
		for (i = 0; i < used; i++)
			FZ_CHECK(fz_used_elem(b.last_used, i)->id ==
				 fz_snap_head(b.last_avail, i));
	}

	/* Each placed packet fills its buffers with header and data, exactly. */
	for (i = 0; i < ret; i++)
		want += hdr_len + rte_pktmbuf_pkt_len(pkts[i]);
	for (i = 0; i < used; i++)
		got += fz_used_elem(b.last_used, i)->len;
	FZ_CHECK(got == want);
	if (!fz.vq.mrg_rxbuf) {
		/* One buffer per placed packet, and bad ones come back empty. */
		for (i = 0, j = 0; i < used; i++)
			j += fz_used_elem(b.last_used, i)->len != 0;
		FZ_CHECK(j == ret);
	}
	/* The guest gets the packets, unless its buffers overlap. */
	if (ret != 0 &&
	    memcmp(fz.reg[FZ_R_DESC].snap, fz.reg[FZ_R_DESC].buf, fz.reg[FZ_R_DESC].size) == 0 &&
	    memcmp(fz.reg[FZ_R_AVAIL].snap, fz.reg[FZ_R_AVAIL].buf, fz.reg[FZ_R_AVAIL].size) == 0 &&
	    fz_rx_chains_disjoint(npre))
		fz_check_rx_data(&b, pkts, ret, used);

	fz_check_writes((1u << FZ_R_MAX) - 1);
	for (i = 0; i < cnt; i++)
		rte_pktmbuf_free(pkts[i]);
	fz_check_pools();
}

static void
fz_op_walk(uint16_t head, bool writable)
{
	struct virtq_chain c;
	uint64_t sum = 0;
	uint32_t k;
	uint16_t i;
	int ret;

	fz_snap();
	ret = virtq_chain_walk(&fz.vq, head, writable, &c);
	FZ_TRACE("walk head %u %s: %d, %u pieces, %u bytes", head,
		 writable ? "rx" : "tx", ret, c.nvec, c.len);
	FZ_CHECK(ret <= 0 && ret > -VIRTQ_ERR_MAX);
	FZ_CHECK(c.head == head);
	FZ_CHECK(c.nvec <= VIRTQ_MAX_VEC);
	if (ret == 0) {
		FZ_CHECK(head < fz.vq.size);
		for (i = 0; i < c.nvec; i++) {
			const struct virtq_buf *v = &c.vec[i];
			const struct fz_region *r = fz_region_of(v->gpa, v->len);

			/* Each piece is inside one region, at the right place. */
			FZ_CHECK(v->len != 0);
			FZ_CHECK(r != NULL);
			FZ_CHECK(v->addr == r->buf + (v->gpa - r->gpa));
			sum += v->len;
			/* Touch it all: ASan checks the bounds. */
			for (k = 0; k < v->len; k++)
				((volatile uint8_t *)v->addr)[k];
		}
		FZ_CHECK(sum == c.len);
		if (!writable)
			FZ_CHECK(c.len != 0);
	}
	fz_check_writes(0);
}

/* Re-initialise, as after SET_VRING_BASE: n bit 0 sets last_avail = arg,
 * bit 1 last_used = arg, bit 2 takes features from x; size >>= y % 9. */
static void
fz_op_reinit(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	struct virtq_params p;
	uint64_t features = fz.vq.features;
	uint16_t size = fz.alloc_size >> (y % 9);
	int ret;

	if (size == 0)
		size = 1;
	if (n & 4) {
		features = fz_features(x);
		/* The event fields must have room in the rings. */
		if (!fz.event_room)
			features &= ~(1ULL << VIRTIO_RING_F_EVENT_IDX);
	}
	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = size;
	p.last_avail = (n & 1) ? arg : fz.vq.last_avail;
	p.last_used = (n & 2) ? arg : fz.vq.last_used;
	p.features = features;
	p.mem = &fz.mem;
	p.callfd = fz.vq.callfd;
	p.log = fz.log_on ? &fz_log_ops : NULL;
	p.log_ctx = &fz;
	fz_snap();
	fz.sig_valid = false;
	ret = virtq_init(&fz.vq, &p);
	FZ_TRACE("reinit size %u avail %u used %u features %#" PRIx64,
		 size, p.last_avail, p.last_used, features);
	FZ_CHECK(ret == 0);
	FZ_CHECK(fz.vq.size == size && !fz.vq.broken && fz.vq.nb_shadow == 0);
	fz_check_writes(1u << FZ_R_USED);
}

/* Guest writes descriptor n & mask: an address in region x % 6 (offset
 * arg, possibly past its end), len y * 8 (or the whole region when y is
 * 255), flags from x >> 3, next n + 1. */
static void
fz_op_desc(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	struct vring_desc *d = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	const struct fz_region *r = &fz.reg[x % FZ_R_MAX];
	uint16_t i = n & (fz.alloc_size - 1);

	fz_guest_rw(FZ_R_DESC, true);
	d[i].addr = r->gpa + arg;
	d[i].len = y == 255 ? r->size : (uint32_t)y * 8;
	d[i].flags = (x >> 3) & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
				 VRING_DESC_F_INDIRECT);
	d[i].next = (uint16_t)(i + 1) & (fz.alloc_size - 1);
	fz_guest_rw(FZ_R_DESC, false);
}

/* Translate gpa = (region x % 6) + (int16_t)arg, len y * 97 (or ~0 when
 * y is 255), with hint n: compare with the regions the target made. */
static void
fz_op_translate(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	uint64_t gpa = fz.reg[x % FZ_R_MAX].gpa + (int16_t)arg;
	uint64_t len = y == 255 ? UINT64_MAX : (uint64_t)y * 97, contig = ~0ULL;
	const struct fz_region *r = fz_region_of(gpa, 1);
	uint32_t hint = n;
	void *p;

	p = virtq_mem_translate(&fz.mem, &hint, gpa, len, &contig);
	FZ_TRACE("translate %#" PRIx64 " len %" PRIu64 ": %p contig %" PRIu64,
		 gpa, len, p, contig);
	if (r == NULL) {
		FZ_CHECK(p == NULL);
		return;
	}
	FZ_CHECK(p == r->buf + (gpa - r->gpa));
	FZ_CHECK(contig == RTE_MIN(len, r->size - (gpa - r->gpa)));
	/* The hint names the region found (an out-of-range hint means slot 0
	 * and may stay as it was). */
	if (hint >= fz.mem.nregions)
		FZ_CHECK(hint == n && fz.mem.r[0].gpa == r->gpa);
	else
		FZ_CHECK(fz.mem.r[hint].gpa == r->gpa);
}

/* virtq_init() refuses bad parameters and allocates nothing. */
static void
fz_op_init_bad(uint8_t n, uint16_t arg)
{
	struct virtq scratch;
	struct virtq_params p;
	int ret;

	memset(&scratch, 0, sizeof(scratch));
	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = fz.alloc_size;
	p.mem = &fz.mem;
	p.callfd = -1;
	switch (n % 6) {
	case 0:
		/* Not a power of two (or 0): arg with its lowest bit set. */
		p.size = (arg | 1) == 1 ? 0 : arg | 1;
		break;
	case 1:
		p.desc = NULL;
		break;
	case 2:
		p.avail = NULL;
		break;
	case 3:
		p.used = NULL;
		break;
	case 4:
		p.mem = NULL;
		break;
	default:
		p.size = 0;
		break;
	}
	fz_snap();
	ret = virtq_init(&scratch, &p);
	FZ_TRACE("bad init %u: %d", n % 6, ret);
	FZ_CHECK(ret == -EINVAL && scratch.shadow == NULL);
	virtq_fini(&scratch);
	fz_check_writes(0);
}

/* Run one operation of the input. */
static void
fz_op(const uint8_t *op)
{
	uint8_t kind = op[0] % FZ_OP_MAX, n = op[1], x = op[4], y = op[5];
	uint16_t arg = fz_u16(op + 2);

	switch (kind) {
	case FZ_OP_DEQUEUE:
		fz_op_dequeue(n, y);
		break;
	case FZ_OP_ENQUEUE:
		fz_op_enqueue(n, arg, x, y);
		break;
	case FZ_OP_WALK:
		fz_op_walk(arg, n & 1);
		break;
	case FZ_OP_AVAIL_ADD:
		fz_guest_rw(FZ_R_AVAIL, true);
		fz_avail()->idx += arg;
		fz_guest_rw(FZ_R_AVAIL, false);
		FZ_TRACE("avail idx += %u", arg);
		break;
	case FZ_OP_GUEST_EVENT:
		fz_guest_rw(FZ_R_AVAIL, true);
		fz_avail()->flags = n;
		/* used_event sits after the ring of the queue's current size. */
		if (fz.event_room || fz.vq.size < fz.alloc_size)
			fz_avail()->ring[fz.vq.size] = arg;
		fz_guest_rw(FZ_R_AVAIL, false);
		break;
	case FZ_OP_LOG:
		fz.log_on = n & 1;
		virtq_set_log(&fz.vq, fz.log_on ? &fz_log_ops : NULL, &fz);
		break;
	case FZ_OP_REINIT:
		fz_op_reinit(n, arg, x, y);
		break;
	case FZ_OP_DESC:
		fz_op_desc(n, arg, x, y);
		break;
	case FZ_OP_TRANSLATE:
		fz_op_translate(n, arg, x, y);
		break;
	case FZ_OP_INIT_BAD:
		fz_op_init_bad(n, arg);
		break;
	default:
		break;
	}
}

/* One input: build guest memory and a queue, run the operations, tear down. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg[FZ_HDR_LEN] = { 0 };
	struct virtq_params p;
	uint64_t features;
	uint16_t ring_size;
	int i, ret;

	memcpy(cfg, data, RTE_MIN(size, sizeof(cfg)));
	memset(&fz, 0, sizeof(fz));
	ring_size = 1u << (cfg[0] % (FZ_MAX_SIZE_LOG2 + 1));
	features = fz_features(cfg[1]);
	fz.alloc_size = ring_size;
	fz.event_room = !!(features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	fz.log_on = !!(cfg[1] & 0x10);
	if (fz_mem_build(ring_size, fz.event_room, data, size) < 0) {
		fz_mem_free();
		return 0;
	}
	/* The used index starts where the device will fill from. */
	fz_used()->idx = fz_u16(cfg + 4);

	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = ring_size;
	p.last_avail = fz_u16(cfg + 2);
	p.last_used = fz_u16(cfg + 4);
	p.features = features;
	p.mem = &fz.mem;
	p.callfd = (cfg[1] & 0x20) ? -1 : fz_callfd;
	p.log = fz.log_on ? &fz_log_ops : NULL;
	p.log_ctx = &fz;
	fz_snap();
	ret = virtq_init(&fz.vq, &p);
	FZ_TRACE("init size %u features %#" PRIx64 " log %d", ring_size, features,
		 fz.log_on);
	FZ_CHECK(ret == 0);
	FZ_CHECK(fz.vq.last_avail == p.last_avail && fz.vq.last_used == p.last_used);
	fz_check_writes(1u << FZ_R_USED);

	for (i = 0; i < FZ_NOPS; i++)
		fz_op(cfg + FZ_CFG_LEN + i * FZ_OP_LEN);

	virtq_fini(&fz.vq);
	FZ_CHECK(fz.vq.shadow == NULL);
	fz_mem_free();
	fz_check_pools();
	fz_calls_read();
	return 0;
}
