/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The vdp authors.
 */

/*
 * libFuzzer target over lib/virtq: the fuzzer plays an untrusted guest.
 *
 * Each input describes one virtqueue, split or packed, and a short script
 * of operations on it. Guest memory is six regions, each on pages of its
 * own with a guard page before it and everything past its size poisoned
 * for AddressSanitizer, so that any access before or past a region is
 * caught (as for a malloc() block of exactly its size):
 *
 *   slot  region  gpa        bytes
 *   3     desc    0x1000     16 * size              the descriptor table
 *                                                   (packed: ring)
 *   5     avail   0x2000     4 + 2 * size (+ 2)     avail ring (+ used_event)
 *                            packed: 4              driver event area
 *   1     used    0x3000     4 + 8 * size (+ 2)     used ring (+ avail_event)
 *                            packed: 4              device event area
 *   0     A       0x10000    0x3000                 buffers
 *   4     B       0x13000    0x2000                 buffers, gpa-adjacent to A
 *   2     C       0x20000    0x1000                 buffers, after a gpa gap
 *
 * (slot: index in virtq_mem::r[], deliberately not in gpa order). The
 * event fields exist only when VIRTIO_RING_F_EVENT_IDX is negotiated, as
 * in the virtio spec, so reading them without it is caught too. The
 * engine sees guest memory read-only, but for what the device writes (the
 * used ring; packed, the descriptor ring and the device area); the guest
 * side of the target writes through a second mapping of the same pages,
 * and an enqueue (the one call that may write guest buffers) gets a
 * memory table over that one: a write into a transmit buffer or the
 * driver area, by the engine or through a zero-copied mbuf, faults where
 * it happens and ASan reports it with its stack. Between inputs the
 * regions are poisoned, so a stale pointer into guest memory is caught as
 * well.
 *
 * Input layout (little-endian), missing bytes read as zero:
 *
 *   0   u8  bit 7: a packed ring (VIRTIO_F_RING_PACKED), see below; else
 *           ring size: 1 << ((b & 0x7f) % 9), 1..256
 *   1   u8  features: bit 0 EVENT_IDX, 1 INDIRECT_DESC, 2 MRG_RXBUF,
 *           3 VERSION_1, 6 GUEST_CSUM, 7 GUEST_TSO4 and GUEST_TSO6;
 *           bit 4 dirty logging from virtq_init(), bit 5 no callfd
 *   2   u16 last_avail
 *   4   u16 last_used (used->idx starts there too)
 *   6   u8  zero-copy: bits 0-1 mode: 0 never (zcopy_min 0), 2 state but
 *           off (zcopy_min UINT32_MAX, for virtq_zc_set_min()), 1 or 3 on
 *           from T = 64 * (b >> 3) + 1 bytes (the engine raises it to
 *           VIRTQ_ZC_COPY_LEN + 1); bit 2: no zc_pin counter
 *   7   u8  bits 0-5 zcopy_max (0: size / 2); bit 6 guest memory mapped for
 *           DMA (virtq_mem::dma); bit 7 host tx offloads (CSUM, HOST_TSO4,
 *           HOST_TSO6: the engine then reads tx headers)
 *   8   FZ_NOPS operations of FZ_OP_LEN bytes: kind, n, arg (u16), x, y
 *       (kind % FZ_OP_MAX picks an enum fz_op_kind)
 *   56  descriptor table: 16 * size bytes
 *   ..  avail ring: 6 + 2 * size bytes (flags, idx, ring[], used_event)
 *   ..  the rest, tiled over A, B and C (as if they were one block)
 *
 * A packed ring: bytes 2 and 4 are the vring bases (the index, and the
 * wrap counter in bit 15; an index past the ring is made one in it), and
 *
 *   56  u8  ring size - 1: any size 1..256
 *   57  u8  bit 0 VIRTIO_F_IN_ORDER; bit 1 vring bases as given (an index
 *           past the ring: the queue starts broken)
 *   58  descriptor ring: 16 * size bytes (addr, len, id, flags)
 *   ..  driver event area: 4 bytes (off_wrap, flags)
 *   ..  the rest, tiled over A, B and C
 *
 * Operations on a packed ring: AVAIL_ADD has the driver make arg more
 * descriptors available (its buffers per slot, from the input's ring, in
 * each position's lap, never more than a ring ahead of the used side),
 * GUEST_EVENT writes the driver area (flags n, off_wrap arg), DESC writes
 * a descriptor and its AVAIL and USED flags as they come, WALK's arg is a
 * ring position.
 *
 * With zero-copy state on the queue, dequeued packets are held (in a list)
 * until a FREE operation frees some of them in an order it picks; CLONE
 * and SPLIT make more packets share a chain's segments. At the end of the
 * input every held packet is freed, the queue drained (or, broken,
 * orphaned) and every orphaned state reaped, then the queue released.
 *
 * After every operation the target checks, and abort()s when one fails:
 * - bursts: counts <= requested and <= VIRTQ_MAX_BURST; avail entries taken
 *   <= what was available; used->idx publishes what was written; an
 *   impossible avail index breaks the queue and a broken queue does
 *   nothing; the shadow used array is empty after every burst;
 * - dequeue, against a model of the burst that predicts each avail entry's
 *   fate from the chains walked beforehand (head still out, walk error,
 *   bad length, zero-copied or copied, out of mbufs, refused header, with
 *   rte_net_get_ptype() parsing what a tx header asks for): exactly the
 *   avail entries taken, the packets returned and from which chain, and
 *   every error counter, zc_pkts, zc_capped, zc_small and byte count;
 *   each packet is a well-formed mbuf chain (pkt_len == sum of data_len,
 *   nb_segs == segments, refcnt 1, from the pool given) holding exactly
 *   what its chain held after the virtio-net header when it was dequeued
 *   (but for a checksum the header asked to complete); guest memory
 *   unchanged but for the used ring, even after the target scribbles over
 *   every segment the packet owns;
 * - zero-copy: a packet of at least the threshold is zero-copied exactly
 *   when the in-flight cap and the stall bound allow (else copied, and
 *   counted zc_capped) and the pool's mbufs can hold the copied headers;
 *   it is a private first segment of the packet's first VIRTQ_ZC_COPY_LEN
 *   bytes, then external segments at exactly the chain's host addresses
 *   (and DMA addresses), sharing one shinfo counted once per segment and
 *   no other chain's still out; copied packets own every byte they hold;
 * - used entries: with zero-copy state, chains go back in the order they
 *   were taken (avail order, less heads refused as head_in_flight), each
 *   only once every external segment of it was freed and a later burst or
 *   virtq_zc_drain() collected it; never for chains of orphaned state; no
 *   more chains outstanding than the ring has entries; used lengths 0;
 *   without zero-copy, every chain taken in avail order;
 * - zero-copy state: each zc_pin counter equals the zero-copied chains
 *   taken and not yet collected that pinned it; virtq_zc_inflight() the
 *   same for the queue, virtq_zc_orphan_inflight() for orphaned state;
 *   virtq_zc_drain() returns what is still out; virtq_zc_orphan() returns
 *   state exactly when something is out, and virtq_zc_reap() frees it
 *   exactly when nothing is; virtq_zc_set_min() sets the threshold it
 *   documents; freeing, cloning and splitting packets, set_min, orphan and
 *   reap write no guest memory (not even the used ring) and call no one;
 * - enqueue: the caller's array comes back a permutation, placed packets
 *   first and in order; the used lengths add up to header + data of the
 *   placed packets; one buffer per packet without MRG_RXBUF;
 * - chain walk: pieces inside one region each, at the right host address,
 *   adding up to the chain length; nothing written;
 * - translation: the right host address and contiguous length, or NULL
 *   exactly outside every region;
 * - dirty log: every range reported lies in guest memory (or the used
 *   ring), and every byte that changed was reported;
 * - calls: at most one per burst or drain, exactly when the guest asked
 *   (used_event or no NO_INTERRUPT; the first after virtq_init() may call
 *   anyway), matching the eventfd counter;
 * - kicks, after every operation, against a model (fz_check_kicks()): off
 *   (VRING_USED_F_NO_NOTIFY set, or under EVENT_IDX avail_event =
 *   last_avail - 1) after virtq_init(), an enqueue that looked at the
 *   ring, a dequeue that took a chain, and virtq_notify_disable(); on
 *   (the flag clear, avail_event = last_avail) after
 *   virtq_notify_enable(), until one of those: a dequeue that takes
 *   nothing leaves them as they are;
 * - virtq_notify_enable(): true exactly when chains of zero-copy still
 *   owe used entries or the avail index moved (more than a ring ahead:
 *   kicks off again, and true), false on a broken queue; enable and
 *   disable write that one field (dirty-logged) and nothing else, move
 *   no index, count and call nothing, collect nothing; on a broken
 *   queue, nothing;
 * - no mbuf leak: every pool's in-use count equals the mbufs the held
 *   packets reference after each operation, and is 0 at the end of the
 *   input (and LeakSanitizer for malloc(): the zero-copy state too);
 * - virtq_stats_acc() adds up every counter.
 *
 * Packed rings: the dequeue model, the zero-copy, pool, packet and dirty
 * log checks above apply as they are, with buffer ids for heads, and:
 * - positions: the target counts them without wrapping and walks each
 *   chain itself (length in descriptors up to one not available or one
 *   without NEXT, id of its last), and the engine's walk must agree; a
 *   burst's avail position moves by whole chains, each a chain that was
 *   available; used descriptors are written only from the used position
 *   on, each where the used side stands, which moves by its chain's
 *   descriptors; id the chain's, flags the lap's (AVAIL = USED = the used
 *   wrap counter, WRITE for a receive), transmit length 0; in order (when
 *   they span a ring at most), one for a transmit burst's chains; nothing
 *   else in the ring changes, the engine's positions and wrap counters are
 *   the target's, and the used position never passes the avail one: what
 *   lies between is exactly the chains still owed (zero-copy), beyond
 *   what the vring bases said at (re)init (bases given at a re-init that
 *   carries chains owed may leave them no room: then only the latter);
 * - dequeue model: a chain whose walk fails is refused for that; one whose
 *   buffer id is out (taken earlier in the burst, or zero-copied and not
 *   freed) as head_in_flight; both are taken and given back in place; the
 *   mbufs for min(n, 64, size, room owed) chains are taken once the first
 *   chain is there; the batch path (four single-descriptor chains on a
 *   cache line) must come out as taking them one at a time would;
 * - enqueue: every chain taken gets its used descriptor in the same burst;
 *   an error is counted once for each chain taken that was bad (its walk
 *   failed, its id was taken earlier in the burst, shorter than the
 *   header), which comes back with length 0, and for nothing else; each
 *   packet not placed is counted once (too big, or the ring full);
 * - calls: at most one per burst or drain, none when the used position did
 *   not move; the driver area's DISABLE never calls, ENABLE (or DESC
 *   without EVENT_IDX, or a reserved value) always does, DESC under
 *   EVENT_IDX exactly when the used position passed off_wrap (virtio 1.1
 *   2.8.10, computed here by walking the positions), but that the first
 *   after virtq_init() may call anyway (and a used position that moved
 *   more than a ring at once, only after a guest made descriptors
 *   available again behind the device, gets at most one decision);
 * - the device area says DISABLE with kicks off, ENABLE with them on (as
 *   above; virtq_notify_enable() is true when the descriptor at the avail
 *   position is available in its lap), its off_wrap untouched; it is the
 *   one write not in the dirty log (the engine has no log offset or gpa
 *   for it);
 * - vring bases past the ring start the queue broken: nothing is written,
 *   counted or called by any burst.
 *
 * ASan sees the bounds of everything the engine touches: guest regions
 * as above; the shadow used array and the zero-copy state (slots, done
 * ring) that lib/virtq takes from rte_malloc() come from malloc() here
 * (lib/virtq is compiled with rte_malloc/rte_free renamed, see
 * scripts/fuzz.sh), so a free callback or reap that touches freed state is
 * a use after free; packets are freed with the inline rte_pktmbuf_free(),
 * instrumented here; the mbuf pools live in malloc() memory with
 * everything between mbufs poisoned.
 *
 * The target itself is built without coverage instrumentation (only
 * lib/virtq guides the fuzzer), and lib/virtq reads the TSC through
 * vdp_fuzz_tsc_cycles(), so that outstaying the stall bound is a jump of
 * the clock, not a sleep.
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

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_net.h>

#include "virtq.h"

#define FZ_NOPS 8            /* Operations in one input. */
#define FZ_OP_LEN 6          /* Bytes of one operation. */
#define FZ_CFG_LEN 8         /* Bytes of configuration before them. */
#define FZ_HDR_LEN (FZ_CFG_LEN + FZ_NOPS * FZ_OP_LEN)
#define FZ_PK_CFG_LEN 2      /* Packed: configuration bytes after the operations. */
#define FZ_PACKED 0x80       /* Byte 0: a packed ring. */
#define FZ_PK_IN_ORDER 1     /* Packed configuration byte 1: VIRTIO_F_IN_ORDER, */
#define FZ_PK_RAW_BASE 2     /* vring bases as given (else their index made < size). */
#define FZ_PK_SIZE 256       /* Largest packed ring. */
#define FZ_PK_F_AVAIL (1u << VRING_PACKED_DESC_F_AVAIL)
#define FZ_PK_F_USED (1u << VRING_PACKED_DESC_F_USED)
#define FZ_PK_F_CHAIN (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE | VRING_DESC_F_INDIRECT)
#define FZ_MAX_SIZE_LOG2 8   /* Largest ring: 256 entries. */
#define FZ_MAX_ENQ 80        /* Packets per enqueue (more than VIRTQ_MAX_BURST). */
#define FZ_MAX_ENQ_LEN 16384 /* Longest packet an enqueue builds. */
/* What an enqueue builds at most, in all: five times the bytes the guest's
 * buffers hold, and a fraction of the pools (the rest of the packets are
 * not built, as when a pool runs out). */
#define FZ_ENQ_BYTES (128 * 1024)
#define FZ_ENQ_MBUFS 1024
#define FZ_MAX_DEQ 256       /* Largest n a dequeue passes. */

/* Pools: 2 KiB data room; 64 bytes (multi-segment paths); 8 mbufs only. */
#define FZ_BIG_N 2047
#define FZ_SMALL_N 4095
#define FZ_SMALL_ROOM 64
#define FZ_TINY_N 8
/* Packet bytes the header parser is given: more than rte_net_get_ptype()
 * reads for L2, L3 (five IPv6 extension headers) and L4. */
#define FZ_ORACLE_LEN 16384

/* Zero-copy bookkeeping. */
#define FZ_MAX_CHAINS 1024   /* Chains taken in one input (8 bursts of 64). */
#define FZ_MAX_HELD 1024     /* Packets held at once. */
#define FZ_MAX_ORPHANS 16    /* Orphaned states at once. */
#define FZ_MAX_SEGS 16384    /* Mbufs the held packets reference (twice the pools). */
#define FZ_ZC_SEG_MAX 32768  /* Largest external segment the engine makes. */
#define FZ_HOST_OFFLOADS ((1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_HOST_TSO4) | \
			  (1ULL << VIRTIO_NET_F_HOST_TSO6))

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
	FZ_OP_DEQUEUE,     /* virtq_dequeue_burst(n, pool y & 3, byte budget arg, 0:
			    * none); y & 4: free at once. */
	FZ_OP_ENQUEUE,     /* virtq_enqueue_burst() of n % 81 built packets. */
	FZ_OP_WALK,        /* virtq_chain_walk(head arg, writable n & 1). */
	FZ_OP_AVAIL_ADD,   /* Guest: avail->idx += arg. */
	FZ_OP_GUEST_EVENT, /* Guest: avail->flags = n, used_event = arg. */
	FZ_OP_LOG,         /* virtq_set_log() on (n & 1) or off. */
	FZ_OP_REINIT,      /* virtq_init() again: see fz_op_reinit(). */
	FZ_OP_DESC,        /* Guest: write a descriptor; see fz_op_desc(). */
	FZ_OP_TRANSLATE,   /* virtq_mem_translate(); see fz_op_translate(). */
	FZ_OP_INIT_BAD,    /* virtq_init() with bad parameters n % 6. */
	FZ_OP_FREE,        /* Free held packets: see fz_op_free(). */
	FZ_OP_REF,         /* Clone or split a held packet: see fz_op_ref(). */
	FZ_OP_ZC_MIN,      /* virtq_zc_set_min(arg, or UINT32_MAX when n & 1). */
	FZ_OP_ZC_DRAIN,    /* virtq_zc_drain(); n & 1: first outstay the stall bound. */
	FZ_OP_ZC_ORPHAN,   /* virtq_zc_orphan() (unless n & 1), then reap all. */
	FZ_OP_NOTIFY,      /* virtq_notify_enable(), or (n & 1) virtq_notify_disable(). */
	FZ_OP_MAX
};

/* Guest kicks, as the ring's suppression fields should say (fz_check_kicks()). */
enum fz_kick {
	FZ_KICK_ANY, /* Not known: a queue that started broken wrote nothing. */
	FZ_KICK_OFF, /* Suppressed: after virtq_init(), a burst that took, disable. */
	FZ_KICK_ON,  /* Armed by virtq_notify_enable(). */
};

/* One region of guest memory and what the checks keep about it. */
struct fz_region {
	uint64_t gpa;    /* Guest physical start. */
	uint32_t size;   /* Bytes (the rest of its pages is poisoned). */
	uint8_t *buf;    /* The memory, as the engine sees it. */
	uint8_t *gw;     /* The same memory, as the guest writes it. */
	uint8_t *snap;   /* Copy taken before an operation. */
	uint8_t *dirty;  /* Per byte: reported written by the dirty log. */
	uint8_t *mark;   /* Per byte: in a receive chain (overlap check). */
};

/* What became of a chain taken from the ring. */
enum fz_chain_st {
	FZ_CH_COPIED, /* Nothing of it is out: copied, or refused. */
	FZ_CH_OUT,    /* Zero-copied, some external segment still held. */
	FZ_CH_FREED,  /* Zero-copied, every segment freed; not yet collected. */
	FZ_CH_BACK,   /* Zero-copied and collected by the engine. */
};

/* A chain the queue took, in taken order. */
struct fz_chain {
	uint16_t head;   /* Its head (used id). */
	uint8_t st;      /* enum fz_chain_st. */
	int8_t pin;      /* fz.pin[] it counts on, or -1. */
	uint16_t nref;   /* Held packets with external segments of it. */
	uint16_t zs;     /* Zero-copy state that took it (0: none). */
	uint16_t ndesc;  /* Packed: its ring descriptors. */
	const struct rte_mbuf_ext_shared_info *shinfo; /* Its segments' (zero-copied). */
};

/* A packet the target holds, as an application that has not sent it yet. */
struct fz_held {
	struct rte_mbuf *m; /* The packet. */
	int32_t chain;      /* fz.chain[] it has external segments of, or -1. */
};

/* Zero-copy state taken off the queue by virtq_zc_orphan(). */
struct fz_orphan {
	struct virtq_zc *zc; /* What to reap. */
	uint16_t zs;         /* Its id (fz_chain::zs). */
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
	uint8_t kick;                   /* enum fz_kick. */
	/* Zero-copy, as the input configures it. */
	uint32_t zc_cfg_min;            /* zcopy_min at init. */
	uint16_t zc_cfg_max;            /* zcopy_max. */
	int pin_cur;                    /* fz.pin[] given as zc_pin, or -1. */
	uint32_t pin[2];                /* zc_pin counters (two memory tables). */
	/* Model of the queue's zero-copy state. */
	bool zq_on;                     /* vq.zc is set. */
	uint16_t zq_id;                 /* Its id. */
	uint16_t zq_max;                /* Its in-flight cap. */
	bool zq_stalled;                /* Stalled: copies until all is back. */
	uint32_t zq_first;              /* chain[zq_first..nchains): no used entry yet. */
	uint16_t next_zs;               /* Last id given to a state. */
	bool waited;                    /* The stall bound was outstayed once. */
	uint32_t nchains;               /* Chains taken. */
	struct fz_chain chain[FZ_MAX_CHAINS];
	uint32_t nheld;                 /* Packets held. */
	struct fz_held held[FZ_MAX_HELD];
	uint32_t norph;                 /* Orphaned states not reaped yet. */
	struct fz_orphan orph[FZ_MAX_ORPHANS];
	/* Packed rings: positions as counts that do not wrap (fz_pk_pos()). */
	bool packed;                    /* VIRTIO_F_RING_PACKED. */
	uint64_t pk_features;           /* RING_PACKED and IN_ORDER as the input has them. */
	bool pk_raw_base;               /* vring bases as given, even past the ring. */
	bool pk_broken;                 /* The queue should have started broken. */
	uint64_t pk_avail;              /* The device's avail position. */
	uint64_t pk_used;               /* Its used position. */
	uint64_t pk_drv;                /* The driver's: next descriptor it makes available. */
	int64_t pk_gap;                 /* pk_avail - pk_used - descriptors owed, fixed from
					 * the (re)init's vring bases on. */
	struct vring_packed_desc pk_tmpl[FZ_PK_SIZE]; /* The driver's buffers, by slot. */
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
static void *fz_pool_mem[4];           /* Their memory (malloc()ed), and the oracle's. */
static struct rte_mbuf *fz_oracle;     /* Linear copy of a packet for rte_net_get_ptype(). */
static uint8_t *fz_guest_at[FZ_R_MAX]; /* Each region in the engine's view (fz_guest_map()), */
static uint8_t *fz_guest_w[FZ_R_MAX];  /* and in the guest's. */
static uint32_t fz_guest_cap[FZ_R_MAX]; /* Its pages' bytes. */
static bool fz_desc_rw;                /* The engine's view of the descriptors is writable. */
static uint8_t *fz_aux[FZ_R_MAX][3];   /* Each region's snapshot, dirty and mark bytes. */
static int fz_callfd = -1;             /* Call eventfd. */
static struct fz_state fz;             /* The current input. */
static bool fz_verbose;                /* FUZZ_VIRTQ_VERBOSE set: trace operations. */
static uint64_t fz_tsc_skew;           /* TSC cycles the engine's clock is ahead. */

static uint32_t fz_zs_count(uint16_t zs, bool freed_too);
static void fz_pat_init(void);

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
	if (fz.packed)
		fprintf(stderr, " -> size %u avail %u/%u used %u/%u broken %d errors:",
			fz.vq.size, fz.vq.last_avail, fz.vq.avail_wrap, fz.vq.last_used,
			fz.vq.used_wrap, fz.vq.broken);
	else
		fprintf(stderr, " -> size %u avail %u/%u used %u broken %d errors:",
			fz.vq.size, fz.vq.last_avail, fz.reg[FZ_R_AVAIL].buf != NULL ?
			((struct vring_avail *)fz.reg[FZ_R_AVAIL].buf)->idx : 0,
			fz.vq.last_used, fz.vq.broken);
	for (e = 0; e < VIRTQ_ERR_MAX; e++)
		if (fz.vq.stats.errors[e] != 0)
			fprintf(stderr, " %s=%" PRIu64, virtq_error_name(e),
				fz.vq.stats.errors[e]);
	if (fz.vq.zc != NULL || fz.nheld != 0 || fz.norph != 0)
		fprintf(stderr, "; zc %s min %u, %u out, %u waiting, %u held, pins %u/%u, "
			"%u orphaned", fz.vq.zc != NULL ? "on" : "off", fz.vq.zc_min,
			virtq_zc_inflight(&fz.vq), fz.nchains - fz.zq_first, fz.nheld,
			fz.pin[0], fz.pin[1], fz.norph);
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
 * lib/virtq's rte_malloc(), rte_zmalloc() and rte_free(), renamed at compile time: plain
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

/* rte_zmalloc(), the same, zeroed (the packed per-id array). */
void *vdp_fuzz_rte_zmalloc(const char *type, size_t size, unsigned int align);

void *
vdp_fuzz_rte_zmalloc(const char *type, size_t size, unsigned int align)
{
	void *p = vdp_fuzz_rte_malloc(type, size, align);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
vdp_fuzz_rte_free(void *p)
{
	free(p);
}

/*
 * lib/virtq's TSC (tests/fuzz/fuzz_clock.h renames its rte_get_tsc_cycles()):
 * the real one, plus the time the target pretends to have waited.
 */
uint64_t vdp_fuzz_tsc_cycles(void);

uint64_t
vdp_fuzz_tsc_cycles(void)
{
	return rte_get_tsc_cycles() + fz_tsc_skew;
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

/* Dirty log of the used ring (packed: of the descriptor ring, whose used
 * descriptors the device writes): the range must lie inside it. */
static void
fz_log_used(void *ctx, uint64_t offset, uint64_t len)
{
	struct fz_region *r = &fz.reg[fz.packed ? FZ_R_DESC : FZ_R_USED];

	FZ_CHECK(ctx == &fz);
	FZ_CHECK(offset <= r->size && len <= r->size - offset);
	memset(r->dirty + offset, 1, len);
}

static const struct virtq_log_ops fz_log_ops = {
	.write = fz_log_write,
	.used = fz_log_used,
};

/* Object callback: let instrumented code use the mbuf (header and buffer),
 * and the IOVA in its object header, which the inline detach of a clone
 * reads (rte_mempool_virt2iova()). */
static void
fz_pool_unpoison(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	struct rte_mempool_objhdr *hdr = RTE_PTR_SUB(obj, sizeof(*hdr));

	RTE_SET_USED(opaque);
	RTE_SET_USED(idx);
	ASAN_UNPOISON_MEMORY_REGION(obj, mp->elt_size);
	ASAN_UNPOISON_MEMORY_REGION(&hdr->iova, sizeof(hdr->iova));
}

/*
 * An mbuf pool of @p n mbufs of @p data_room bytes (headroom included)
 * like rte_pktmbuf_pool_create(), no cache, but in malloc() memory where
 * everything between the mbufs (mempool object headers and padding) is
 * poisoned: ASan then sees a read or write past the end of an mbuf's
 * buffer, which the (uninstrumented) DPDK heap would hide. Only DPDK's own
 * compiled code, which ASan does not check, touches the object headers,
 * but for the IOVA field (see fz_pool_unpoison()).
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
 * Guest memory, mapped once, twice over: the pages of a memfd hold every
 * region, seen by the engine in one view (fz_guest_at[]) and written by
 * the guest side of the target through the other (fz_guest_w[]). In each
 * view, every region is on pages of its own (room for its largest size)
 * with a PROT_NONE page before each and after the last, and everything is
 * poisoned until an input sizes the regions. The engine's view is
 * read-only but for the rings the device writes (see fz_guest_desc_rw());
 * an enqueue, the one call that may write guest buffers, runs over a
 * memory table of the guest's view instead (fz_mem_view()). So nothing
 * needs an mprotect() per operation, and a write into a transmit buffer,
 * by the engine or through a zero-copied mbuf (which points into the
 * engine's view), faults where it happens.
 */
static int
fz_guest_map(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = page, off = page, foff = 0;
	uint8_t *base[2];
	int fd, i, v;

	fz_guest_cap[FZ_R_DESC] = 16u << FZ_MAX_SIZE_LOG2;
	fz_guest_cap[FZ_R_AVAIL] = fz_avail_bytes(1u << FZ_MAX_SIZE_LOG2, true);
	fz_guest_cap[FZ_R_USED] = fz_used_bytes(1u << FZ_MAX_SIZE_LOG2, true);
	for (i = FZ_R_A; i < FZ_R_MAX; i++)
		fz_guest_cap[i] = fz_data_size[i];
	for (i = 0; i < FZ_R_MAX; i++) {
		fz_guest_cap[i] = RTE_ALIGN_CEIL(fz_guest_cap[i], page);
		total += fz_guest_cap[i] + page;
	}
	fd = memfd_create("fz_guest", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, total) != 0)
		return -1;
	for (v = 0; v < 2; v++) {
		base[v] = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base[v] == MAP_FAILED)
			return -1;
	}
	for (i = 0; i < FZ_R_MAX; i++) {
		fz_guest_at[i] = base[0] + off;
		fz_guest_w[i] = base[1] + off;
		if (mmap(fz_guest_at[i], fz_guest_cap[i],
			 i == FZ_R_USED ? PROT_READ | PROT_WRITE : PROT_READ,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)foff) == MAP_FAILED ||
		    mmap(fz_guest_w[i], fz_guest_cap[i], PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)foff) == MAP_FAILED)
			return -1;
		ASAN_POISON_MEMORY_REGION(fz_guest_at[i], fz_guest_cap[i]);
		ASAN_POISON_MEMORY_REGION(fz_guest_w[i], fz_guest_cap[i]);
		for (v = 0; v < 3; v++)
			if ((fz_aux[i][v] = malloc(fz_guest_cap[i])) == NULL)
				return -1;
		off += fz_guest_cap[i] + page;
		foff += fz_guest_cap[i];
	}
	close(fd);
	return 0;
}

/*
 * The engine writes the descriptor area of a packed ring (its used
 * descriptors), never a split one's: the engine's view of it is writable
 * (@p rw) or read-only to match. Changes only with the layout.
 */
static void
fz_guest_desc_rw(bool rw)
{
	if (rw == fz_desc_rw)
		return;
	if (mprotect(fz_guest_at[FZ_R_DESC], fz_guest_cap[FZ_R_DESC],
		     rw ? PROT_READ | PROT_WRITE : PROT_READ) != 0)
		fz_fail(__LINE__, "mprotect of guest memory");
	fz_desc_rw = rw;
}

/* The memory table over the engine's view, or (@p guest) the guest's. */
static void
fz_mem_view(bool guest)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[fz_slot[i]];

		fz.mem.r[i].hva = (uint64_t)(uintptr_t)(guest ? r->gw : r->buf);
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
	struct rte_mempool *oracle;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_verbose = getenv("FUZZ_VIRTQ_VERBOSE") != NULL;
	fz_pat_init();
	if (rte_eal_init(RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	/* No per-lcore cache: in-use counts are exact at any time. */
	fz_pool[0] = fz_pool_create(0, "fz_big", FZ_BIG_N, RTE_MBUF_DEFAULT_BUF_SIZE);
	fz_pool[1] = fz_pool_create(1, "fz_small", FZ_SMALL_N,
				    RTE_PKTMBUF_HEADROOM + FZ_SMALL_ROOM);
	fz_pool[2] = fz_pool_create(2, "fz_tiny", FZ_TINY_N, RTE_MBUF_DEFAULT_BUF_SIZE);
	oracle = fz_pool_create(3, "fz_oracle", 1, RTE_PKTMBUF_HEADROOM + FZ_ORACLE_LEN);
	fz_oracle = oracle != NULL ? rte_pktmbuf_alloc(oracle) : NULL;
	fz_callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fz_pool[0] == NULL || fz_pool[1] == NULL || fz_pool[2] == NULL ||
	    fz_oracle == NULL || fz_callfd < 0 || fz_guest_map() < 0) {
		fprintf(stderr, "fuzz set-up failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	return 0;
}

/* Size the regions for a ring of @p size and fill them from the input. */
static int
fz_mem_build(uint16_t size, bool event, const uint8_t *in, size_t in_len)
{
	const size_t ev_len = sizeof(struct vring_packed_desc_event);
	size_t pos = FZ_HDR_LEN + (fz.packed ? FZ_PK_CFG_LEN : 0), n;
	uint32_t ring_in_len[FZ_R_MAX] = { 0 };
	int i;

	/* Packed: the descriptor ring, and the driver and device areas. */
	fz.reg[FZ_R_DESC].size = 16 * (uint32_t)size;
	fz.reg[FZ_R_AVAIL].size = fz.packed ? ev_len : fz_avail_bytes(size, event);
	fz.reg[FZ_R_USED].size = fz.packed ? ev_len : fz_used_bytes(size, event);
	for (i = FZ_R_A; i < FZ_R_MAX; i++)
		fz.reg[i].size = fz_data_size[i];
	ring_in_len[FZ_R_DESC] = 16 * (uint32_t)size;
	ring_in_len[FZ_R_AVAIL] = fz.packed ? ev_len : fz_avail_bytes(size, true);
	for (i = 0; i < FZ_R_MAX; i++) {
		struct fz_region *r = &fz.reg[i];

		r->gpa = fz_gpa[i];
		r->buf = fz_guest_at[i];
		r->gw = fz_guest_w[i];
		ASAN_UNPOISON_MEMORY_REGION(r->buf, r->size);
		ASAN_UNPOISON_MEMORY_REGION(r->gw, r->size);
		memset(r->gw, 0, r->size);
		r->snap = fz_aux[i][0];
		r->dirty = fz_aux[i][1];
		r->mark = fz_aux[i][2];
	}
	/* Rings: straight from the input. */
	for (i = FZ_R_DESC; i <= FZ_R_AVAIL; i++) {
		if (pos < in_len) {
			n = RTE_MIN((size_t)RTE_MIN(ring_in_len[i], fz.reg[i].size),
				    in_len - pos);
			memcpy(fz.reg[i].gw, in + pos, n);
		}
		pos += ring_in_len[i];
	}
	/* Packed: what the driver posts again and again, slot by slot. */
	if (fz.packed) {
		memcpy(fz.pk_tmpl, fz.reg[FZ_R_DESC].gw, fz.reg[FZ_R_DESC].size);
		for (i = 0; i < size; i++)
			fz.pk_tmpl[i].flags &= FZ_PK_F_CHAIN;
	}
	/* Buffers: the rest, tiled over A, B and C (as one block). */
	if (pos < in_len) {
		const uint8_t *src = in + pos;
		size_t src_len = in_len - pos, k = 0;

		for (i = FZ_R_A; i < FZ_R_MAX; i++) {
			uint32_t j = 0;

			while (j < fz.reg[i].size) {
				n = RTE_MIN(src_len - k, (size_t)(fz.reg[i].size - j));
				memcpy(fz.reg[i].gw + j, src + k, n);
				j += n;
				k = (k + n) % src_len;
			}
		}
	}
	fz.mem.nregions = FZ_R_MAX;
	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[fz_slot[i]];

		fz.mem.r[i].gpa = r->gpa;
		fz.mem.r[i].size = r->size;
	}
	fz_mem_view(false);
	return 0;
}

static void
fz_mem_free(void)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		/* Whatever still points there is caught using it. */
		if (fz.reg[i].buf != NULL) {
			ASAN_POISON_MEMORY_REGION(fz.reg[i].buf, fz_guest_cap[i]);
			ASAN_POISON_MEMORY_REGION(fz.reg[i].gw, fz_guest_cap[i]);
		}
	}
	memset(fz.reg, 0, sizeof(fz.reg));
}

static struct vring_avail *
fz_avail(void)
{
	return (struct vring_avail *)fz.reg[FZ_R_AVAIL].buf;
}

/* The avail ring as the guest writes it. */
static struct vring_avail *
fz_avail_w(void)
{
	return (struct vring_avail *)fz.reg[FZ_R_AVAIL].gw;
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

/*
 * Zero-copy model. Every chain a dequeue takes is appended to fz.chain[];
 * the queue's state owes used entries to chain[zq_first..nchains), which
 * it writes in that order, each once the chain is not out. A state is
 * known by an id (fz_chain::zs); orphaned ones keep theirs.
 */

/* zc_pin as the queue gets it. */
static uint32_t *
fz_pin_ptr(void)
{
	return fz.pin_cur < 0 ? NULL : &fz.pin[fz.pin_cur];
}

/* The in-flight cap virtq_init() derives from zcopy_max @p max. */
static uint16_t
fz_zc_cap(uint16_t size, uint16_t max)
{
	uint16_t m = max == 0 || max > size ? size / 2 : max;

	return m == 0 ? 1 : m;
}

/* The threshold the queue should have after being given @p v. */
static uint32_t
fz_zc_min_of(uint32_t v)
{
	return v == 0 || !fz.zq_on ? UINT32_MAX : RTE_MAX(v, (uint32_t)VIRTQ_ZC_COPY_LEN + 1);
}

/* Chains of state @p zs out (and, with @p freed_too, freed but not collected). */
static uint32_t
fz_zs_count(uint16_t zs, bool freed_too)
{
	uint32_t i, n = 0;

	for (i = 0; i < fz.nchains; i++)
		if (fz.chain[i].zs == zs && (fz.chain[i].st == FZ_CH_OUT ||
					     (freed_too && fz.chain[i].st == FZ_CH_FREED)))
			n++;
	return n;
}

/* State @p zs collects what was freed. */
static void
fz_zs_collect(uint16_t zs)
{
	uint32_t i;

	for (i = 0; i < fz.nchains; i++)
		if (fz.chain[i].zs == zs && fz.chain[i].st == FZ_CH_FREED)
			fz.chain[i].st = FZ_CH_BACK;
}

/* The queue's state collects (a burst or a drain): stalled no more once
 * nothing is out. */
static void
fz_zq_collect(void)
{
	fz_zs_collect(fz.zq_id);
	if (fz_zs_count(fz.zq_id, false) == 0)
		fz.zq_stalled = false;
}

/* Chains the queue's state still owes or holds. */
static bool
fz_zq_busy(void)
{
	return fz.zq_on && (fz.zq_first != fz.nchains || fz_zs_count(fz.zq_id, true) != 0);
}

/* The used entries now due, in order: every chain from zq_first on that
 * is not out. Returns how many, their heads in @p heads and (packed) their
 * descriptor counts in @p nds. */
static uint32_t
fz_zq_pop(uint16_t *heads, uint16_t *nds)
{
	uint32_t n = 0;

	while (fz.zq_first < fz.nchains && (fz.chain[fz.zq_first].st == FZ_CH_COPIED ||
					    fz.chain[fz.zq_first].st == FZ_CH_BACK)) {
		nds[n] = fz.chain[fz.zq_first].ndesc;
		heads[n++] = fz.chain[fz.zq_first++].head;
	}
	return n;
}

/* Descriptors of the chains still owed a used entry (packed). */
static uint64_t
fz_zq_owed_desc(void)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = fz.zq_first; i < fz.nchains; i++)
		n += fz.chain[i].ndesc;
	return n;
}

/* The queue has zero-copy state again (virtq_init()), fresh unless @p carry. */
static void
fz_zq_start(uint32_t zmin, uint16_t size, bool carry)
{
	if (zmin == 0) {
		fz.zq_on = false;
		fz.zq_first = fz.nchains;
		return;
	}
	if (!carry) {
		if (!fz.zq_on)
			fz.zq_id = ++fz.next_zs;
		fz.zq_first = fz.nchains;
		fz.zq_stalled = false;
	}
	fz.zq_on = true;
	fz.zq_max = fz_zc_cap(size, fz.zc_cfg_max);
}

/* Zero-copy counters against the model: pins, the queue's in-flight count. */
static void
fz_check_zc(void)
{
	uint32_t n[2] = { 0, 0 }, i;

	for (i = 0; i < fz.nchains; i++)
		if (fz.chain[i].pin >= 0 && (fz.chain[i].st == FZ_CH_OUT ||
					     fz.chain[i].st == FZ_CH_FREED))
			n[fz.chain[i].pin]++;
	FZ_CHECK(fz.pin[0] == n[0] && fz.pin[1] == n[1]);
	FZ_CHECK(fz.zq_on == (fz.vq.zc != NULL));
	if (fz.zq_on) {
		FZ_CHECK(virtq_zc_inflight(&fz.vq) == fz_zs_count(fz.zq_id, true));
	} else {
		FZ_CHECK(virtq_zc_inflight(&fz.vq) == 0);
		FZ_CHECK(fz.vq.zc_min == UINT32_MAX);
	}
}

/* A held packet is dropped: its chain is freed once no packet holds its
 * external segments. */
static void
fz_chain_unref(int32_t ch)
{
	struct fz_chain *c;

	if (ch < 0)
		return;
	c = &fz.chain[ch];
	FZ_CHECK(c->st == FZ_CH_OUT && c->nref != 0);
	if (--c->nref == 0)
		c->st = FZ_CH_FREED;
}

/* Free held packet @p i (the list is compacted by fz_held_compact()). */
static void
fz_held_release(uint32_t i)
{
	struct fz_held *h = &fz.held[i];

	rte_pktmbuf_free(h->m);
	fz_chain_unref(h->chain);
	h->m = NULL;
}

static void
fz_held_compact(void)
{
	uint32_t i, k = 0;

	for (i = 0; i < fz.nheld; i++)
		if (fz.held[i].m != NULL)
			fz.held[k++] = fz.held[i];
	fz.nheld = k;
}

/* Does @p m have a segment over guest memory? */
static bool
fz_mbuf_has_ext(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (RTE_MBUF_HAS_EXTBUF(m))
			return true;
	return false;
}

static int
fz_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

/* Mbufs in use are exactly those the held packets reference: their
 * segments and, for clones, the mbufs whose data they share. */
static void
fz_check_pools(void)
{
	static const struct rte_mbuf *seen[FZ_MAX_SEGS];
	unsigned int want[RTE_DIM(fz_pool)] = { 0 }, n = 0, i, j;

	for (i = 0; i < fz.nheld; i++) {
		const struct rte_mbuf *s;

		for (s = fz.held[i].m; s != NULL; s = s->next) {
			FZ_CHECK(n + 2 <= FZ_MAX_SEGS);
			seen[n++] = s;
			if (RTE_MBUF_CLONED(s))
				seen[n++] = rte_mbuf_from_indirect((struct rte_mbuf *)(uintptr_t)s);
		}
	}
	qsort(seen, n, sizeof(seen[0]), fz_ptr_cmp);
	for (i = 0; i < n; i++) {
		if (i != 0 && seen[i] == seen[i - 1])
			continue;
		for (j = 0; j < RTE_DIM(fz_pool) && seen[i]->pool != fz_pool[j]; j++)
			;
		FZ_CHECK(j < RTE_DIM(fz_pool));
		want[j]++;
	}
	for (i = 0; i < RTE_DIM(fz_pool); i++)
		FZ_CHECK(rte_mempool_in_use_count(fz_pool[i]) == want[i]);
}

/* The regions the device writes: the used ring; packed, the descriptor
 * ring (its used descriptors) and the device area. */
static unsigned int
fz_used_mask(void)
{
	return (1u << FZ_R_USED) | (fz.packed ? 1u << FZ_R_DESC : 0);
}

/* Snapshot guest memory and clear the dirty marks before an operation. */
static void
fz_snap(void)
{
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		memcpy(fz.reg[i].snap, fz.reg[i].buf, fz.reg[i].size);
		/* Only read with logging on (and cleared once it is). */
		if (fz.log_on)
			memset(fz.reg[i].dirty, 0, fz.reg[i].size);
	}
}

/* Every byte of region @p r that changed since the snapshot was logged. */
static void
fz_check_logged(const struct fz_region *r)
{
	uint32_t j, k, n;

	for (j = 0; j < r->size; j += 64) {
		n = RTE_MIN(64u, r->size - j);
		if (memcmp(r->buf + j, r->snap + j, n) == 0)
			continue;
		for (k = j; k < j + n; k++)
			if (r->buf[k] != r->snap[k] && !r->dirty[k])
				fz_fail(__LINE__, "guest memory written and not logged");
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
	int i;

	for (i = 0; i < FZ_R_MAX; i++) {
		const struct fz_region *r = &fz.reg[i];

		if (!(may_write & (1u << i))) {
			FZ_CHECK(memcmp(r->snap, r->buf, r->size) == 0);
			continue;
		}
		/* Packed: the engine cannot log the device area (neither in the
		 * used ring's log nor by gpa, which it does not know), the one
		 * write not logged: its DISABLE, once after each virtq_init(). */
		if (fz.packed && i == FZ_R_USED)
			continue;
		if (fz.log_on && memcmp(r->snap, r->buf, r->size) != 0)
			fz_check_logged(r);
	}
}

/* What the queue looked like before a burst. */
struct fz_before {
	uint16_t last_avail;  /* vq.last_avail. */
	uint16_t last_used;   /* vq.last_used. */
	uint16_t avail_idx;   /* avail->idx. */
	uint64_t pk_used;     /* fz.pk_used. */
	uint16_t size;        /* vq.size. */
	bool broken;          /* vq.broken. */
	struct virtq_stats st; /* vq.stats. */
};

static void
fz_before_take(struct fz_before *b)
{
	b->last_avail = fz.vq.last_avail;
	b->last_used = fz.vq.last_used;
	b->avail_idx = fz.packed ? 0 : fz_avail()->idx;
	b->pk_used = fz.pk_used;
	b->size = fz.vq.size;
	b->broken = fz.vq.broken;
	b->st = fz.vq.stats;
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
 * The call eventfd got the @p n calls (0 or 1) the counters say an
 * operation made. Read only when there is one (a read is a syscall): a
 * write the counters do not show makes the next read more than 1, or the
 * one at the end of the input, which expects 0.
 */
static void
fz_calls_expect(uint64_t n)
{
	if (n != 0)
		FZ_CHECK(fz_calls_read() == n);
}

/*
 * Notifications after a burst (or drain) that completed @p used entries:
 * none when nothing completed, else exactly one decision; a call when the
 * guest asked for one (used_event passed, with EVENT_IDX; no NO_INTERRUPT
 * flag without it) and not otherwise, except that the first burst after
 * virtq_init() may call anyway.
 */
static void
fz_check_notify(const struct fz_before *b, uint16_t used)
{
	uint64_t calls = fz.vq.stats.calls - b->st.calls;
	uint64_t avoided = fz.vq.stats.calls_avoided - b->st.calls_avoided;
	bool want;

	fz_calls_expect(calls);
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
 * After a burst that returned @p ret of @p n: no more avail entries taken
 * than were available, used->idx publishes what was written, and for an
 * enqueue (!@p tx) the used entries written match the avail entries
 * taken. Returns the number of used entries.
 */
static uint16_t
fz_check_burst(const struct fz_before *b, uint16_t ret, uint16_t n, bool tx)
{
	uint16_t used = fz.vq.last_used - b->last_used;
	uint16_t taken = fz.vq.last_avail - b->last_avail;
	uint16_t pending = b->avail_idx - b->last_avail;

	FZ_CHECK(ret <= n && ret <= VIRTQ_MAX_BURST);
	FZ_CHECK(fz.vq.stats.pkts - b->st.pkts == ret);
	FZ_CHECK(fz.vq.nb_shadow == 0);
	FZ_CHECK(fz.vq.size == b->size);
	if (b->broken) {
		FZ_CHECK(ret == 0 && used == 0 && taken == 0 && fz.vq.broken);
		fz_check_notify(b, 0);
		return 0;
	}
	if (pending > b->size) {
		/* An impossible avail index stops the queue. */
		FZ_CHECK(fz.vq.broken && ret == 0 && used == 0 && taken == 0);
		fz_check_notify(b, 0);
		return 0;
	}
	FZ_CHECK(!fz.vq.broken);
	FZ_CHECK(taken <= pending);
	if (!tx)
		FZ_CHECK(used == taken && ret <= used);
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

/* The @p used entries written from @p first are the @p n heads due, in
 * order, with length 0 (nothing written into a tx chain). */
static void
fz_check_used(uint16_t first, const uint16_t *heads, uint32_t n, uint16_t used)
{
	uint32_t i;

	FZ_CHECK(used == n);
	for (i = 0; i < n; i++) {
		FZ_CHECK(fz_used_elem(first, i)->id == heads[i]);
		FZ_CHECK(fz_used_elem(first, i)->len == 0);
	}
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

/* The snapshot copy of host address @p p, which lies in a region. */
static const uint8_t *
fz_snap_of(const uint8_t *p)
{
	const struct fz_region *r = fz_region_of_host(p);

	if (r == NULL)
		fz_fail(__LINE__, "chain piece outside guest memory");
	return r->snap + (p - r->buf);
}

/* Copy @p len bytes of chain @p c from byte @p off, as guest memory was at
 * the last snapshot. */
static void
fz_snap_chain_copy(const struct virtq_chain *c, uint32_t off, void *dst, uint32_t len)
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
		memcpy(d, fz_snap_of(c->vec[v].addr) + off, n);
		d += n;
		len -= n;
		off = 0;
	}
	FZ_CHECK(len == 0);
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
 * Packed rings. The target counts positions without wrapping: position u
 * is ring slot u % size in the lap of wrap counter fz_pk_wrap(u), laps
 * alternating from 1 (u = 0 is slot 0 with wrap counter 1), so that a
 * position the engine gives as (index, wrap counter) is u modulo twice
 * the size. Chains are walked by the target itself, as the guest laid
 * them out, and the engine's walk must agree.
 */

/* Wrap counter of the lap position @p u is in. */
static bool
fz_pk_wrap(uint64_t u)
{
	return ((u / fz.vq.size) & 1) == 0;
}

/* Position (index, wrap counter in bit 15, as a vring base) to a count
 * below twice the size. */
static uint64_t
fz_pk_lin(uint16_t base)
{
	return (base & 0x7fff) + ((base & 0x8000) ? 0 : fz.vq.size);
}

/* The engine's (index, wrap counter) is position @p u. */
static bool
fz_pk_at(uint16_t idx, bool wrap, uint64_t u)
{
	return idx == u % fz.vq.size && wrap == fz_pk_wrap(u);
}

/* A descriptor of flags @p flags is available in the lap of counter @p wrap. */
static bool
fz_pk_avail(uint16_t flags, bool wrap)
{
	return !!(flags & FZ_PK_F_AVAIL) == wrap && !!(flags & FZ_PK_F_USED) != wrap;
}

static const struct vring_packed_desc *
fz_pk_snap_ring(void)
{
	return (const struct vring_packed_desc *)fz.reg[FZ_R_DESC].snap;
}

/*
 * The chain at position @p u as the guest laid it out (at the snapshot):
 * false when its first descriptor is not available; else its length in
 * descriptors @p ndesc (up to one not available, which it does not take,
 * or one without NEXT, or the ring size) and @p id, its last one's buffer
 * id (virtio 1.1 2.8.6: the id of a chain is in its last descriptor).
 */
static bool
fz_pk_chain(uint64_t u, uint16_t *ndesc, uint16_t *id)
{
	const struct vring_packed_desc *ring = fz_pk_snap_ring();
	uint16_t n = 0;

	for (;;) {
		const struct vring_packed_desc *d = &ring[(u + n) % fz.vq.size];

		if (!fz_pk_avail(d->flags, fz_pk_wrap(u + n)))
			break;
		n++;
		*id = d->id;
		if (!(d->flags & VRING_DESC_F_NEXT) || n == fz.vq.size)
			break;
	}
	*ndesc = n;
	return n != 0;
}

/* A packed candidate: where its chain starts, its descriptors, its id. */
struct fz_pk_cand {
	uint64_t u;
	uint16_t ndesc;
	uint16_t id;
};
static struct fz_pk_cand fz_pkc[FZ_PK_SIZE];

/*
 * The chains available from the device's position, at most @p max, each
 * walked by the target (fz_pkc[]) and by the engine (@p writable or not,
 * into @p cand and @p ret), which must find the same descriptors and id.
 * They add up to a ring at most: a descriptor available in one lap is not
 * in the next. Returns how many.
 */
static uint16_t
fz_pk_cands(uint16_t max, bool writable, struct virtq_chain *cand, int *ret)
{
	uint64_t u = fz.pk_avail;
	uint16_t i;

	for (i = 0; i < max; i++) {
		struct fz_pk_cand *k = &fz_pkc[i];

		if (!fz_pk_chain(u, &k->ndesc, &k->id))
			break;
		k->u = u;
		ret[i] = virtq_chain_walk(&fz.vq, u % fz.vq.size, writable, &cand[i]);
		FZ_CHECK(ret[i] <= 0 && ret[i] > -VIRTQ_ERR_MAX);
		FZ_CHECK(cand[i].ndesc == k->ndesc && cand[i].head == k->id);
		u += k->ndesc;
		FZ_CHECK(u - fz.pk_avail <= fz.vq.size);
	}
	return i;
}

/*
 * After a burst over @p ncand candidates: how many chains it took, from
 * how far the engine's avail position moved, which must be a whole number
 * of them (positions advance by each chain's descriptor count). The
 * target's avail position moves with it.
 */
static uint16_t
fz_pk_taken(uint16_t ncand)
{
	uint64_t span = 2 * (uint64_t)fz.vq.size, adv, sum = 0;
	uint16_t base, k;

	virtq_get_base(&fz.vq, &base, &k);
	FZ_CHECK((base & 0x7fff) < fz.vq.size);
	adv = (fz_pk_lin(base) + span - fz.pk_avail % span) % span;
	for (k = 0; k < ncand && sum < adv; k++)
		sum += fz_pkc[k].ndesc;
	if (sum != adv)
		fz_fail(__LINE__, "avail position moved by part of a chain");
	fz.pk_avail += adv;
	return k;
}

/*
 * The used descriptors a burst (or drain) wrote for the @p n chains due
 * (ids @p ids, @p nds descriptors each), in order from the used position:
 * each at the position the used side has reached, which then moves on by
 * its chain's descriptors; id the chain's, flags the lap's (AVAIL and USED
 * both equal to the used wrap counter, WRITE for a receive), a transmit
 * length 0, the address untouched. With VIRTIO_F_IN_ORDER one descriptor
 * (the last chain's) stands for a transmit burst's, when they span a ring
 * at most. Written as the engine publishes them, ids and lengths first,
 * then the flags, the first one's last: that decides what a slot holds
 * when a guest that reused descriptors behind the device has the used
 * side go round more than once. Nothing else in the ring changed.
 * Receive lengths go to @p lens (by chain).
 */
static void
fz_pk_check_used(const uint16_t *ids, const uint16_t *nds, uint32_t n, bool rx, uint32_t *lens)
{
	static struct vring_packed_desc want[FZ_PK_SIZE];
	static uint16_t slot[FZ_MAX_CHAINS], flags[FZ_MAX_CHAINS];
	static uint8_t wrote[FZ_PK_SIZE];
	const struct vring_packed_desc *ring = (const void *)fz.reg[FZ_R_DESC].buf;
	const struct vring_packed_desc *snap = fz_pk_snap_ring();
	uint16_t size = fz.vq.size, base, k;
	uint64_t u = fz.pk_used, total = 0;
	uint32_t i, j, e, m = 0;
	bool batch;

	for (i = 0; i < n; i++)
		total += nds[i];
	batch = fz.vq.in_order && !rx && n > 1 && total <= size;
	memset(wrote, 0, sizeof(wrote));
	memcpy(want, snap, sizeof(want[0]) * fz.alloc_size);
	for (i = 0; i < n; i = e, m++) {
		uint64_t nd = 0;

		e = batch ? n : i + 1;
		for (j = i; j < e; j++)
			nd += nds[j];
		slot[m] = u % size;
		flags[m] = (fz_pk_wrap(u) ? FZ_PK_F_AVAIL | FZ_PK_F_USED : 0) |
			(rx ? VRING_DESC_F_WRITE : 0);
		want[slot[m]].id = ids[e - 1];
		want[slot[m]].len = rx ? ring[slot[m]].len : 0;
		if (rx)
			lens[i] = ring[slot[m]].len;
		wrote[slot[m]] = 1;
		u += nd;
	}
	for (i = 1; i < m; i++)
		want[slot[i]].flags = flags[i];
	if (m != 0)
		want[slot[0]].flags = flags[0];
	for (k = 0; k < fz.alloc_size; k++)
		if (memcmp(&ring[k], &want[k], sizeof(ring[k])) != 0)
			fz_fail(__LINE__, wrote[k] ? "used descriptor not as expected" :
				"descriptor written that is not a used one");
	fz.pk_used = u;
	virtq_get_base(&fz.vq, &k, &base);
	FZ_CHECK(fz_pk_at(base & 0x7fff, !!(base & 0x8000), fz.pk_used));
	/*
	 * The device stays in step: between the used and avail positions lie
	 * the chains it still owes, and what the vring bases said at the
	 * (re)init. So it never gets ahead of what it took, unless bases
	 * given at a re-init that carried chains owed left no room for them
	 * (a negative gap: the frontend's, not the engine's, inconsistency).
	 */
	FZ_CHECK((int64_t)(fz.pk_avail - fz.pk_used - fz_zq_owed_desc()) == fz.pk_gap);
	FZ_CHECK(fz.pk_gap < 0 || fz.pk_used <= fz.pk_avail);
}

/* Split, under EVENT_IDX: avail_event, after the used ring of the queue's size. */
static uint16_t *
fz_avail_event(uint8_t *used)
{
	return (uint16_t *)(used + offsetof(struct vring_used, ring) +
			    sizeof(struct vring_used_elem) * fz.vq.size);
}

/*
 * Guest kicks are as the model says (fz.kick): off is, split,
 * VRING_USED_F_NO_NOTIFY set or, under EVENT_IDX, avail_event one behind
 * last_avail (passed only after a 2^16 wrap); packed, the device area's
 * DISABLE. On is NO_NOTIFY clear, avail_event at last_avail, ENABLE. Off
 * after virtq_init(), an enqueue that looked at the ring, a dequeue that
 * took a chain (one that takes nothing leaves them: its owner may be
 * about to sleep) and virtq_notify_disable(); on after
 * virtq_notify_enable(), until one of those.
 */
static void
fz_check_kicks(void)
{
	bool off = fz.kick == FZ_KICK_OFF;

	if (fz.kick == FZ_KICK_ANY)
		return;
	if (fz.packed) {
		const struct vring_packed_desc_event *ev = (const void *)fz.reg[FZ_R_USED].buf;

		if (ev->flags != (off ? VRING_PACKED_EVENT_FLAG_DISABLE :
				  VRING_PACKED_EVENT_FLAG_ENABLE))
			fz_fail(__LINE__, off ? "kicks off, the device area not DISABLE" :
				"kicks on, the device area not ENABLE");
	} else if (fz.vq.event_idx) {
		if (*fz_avail_event(fz.reg[FZ_R_USED].buf) != (uint16_t)(fz.vq.last_avail - off))
			fz_fail(__LINE__, off ? "kicks off, avail_event not last_avail - 1" :
				"kicks on, avail_event not last_avail");
	} else if (!(fz_used()->flags & VRING_USED_F_NO_NOTIFY) != !off) {
		fz_fail(__LINE__, off ? "kicks off, VRING_USED_F_NO_NOTIFY clear" :
			"kicks on, VRING_USED_F_NO_NOTIFY set");
	}
}

/*
 * The device area after a burst: kicks as fz_check_kicks() says, and its
 * event offset is not the device's to write (unless a receive buffer of
 * the guest's lies over it, @p rx_over).
 */
static void
fz_pk_check_device_area(bool rx_over)
{
	const struct vring_packed_desc_event *ev = (const void *)fz.reg[FZ_R_USED].buf;
	const struct vring_packed_desc_event *was = (const void *)fz.reg[FZ_R_USED].snap;

	FZ_CHECK(rx_over || ev->off_wrap == was->off_wrap);
	fz_check_kicks();
}

/*
 * virtio 1.1 2.8.10 (event suppression), computed here apart from the
 * engine: with DESC, the driver wants a call once the device has written
 * the used descriptor at off_wrap's offset in the lap of its wrap counter,
 * that is once the used position passed it: is it one of [old, new)? An
 * offset past the ring is never reached; the engine calls then (a call
 * too many is harmless, one too few hangs the guest).
 */
static bool
fz_pk_want_call(uint16_t off_wrap, uint64_t old, uint64_t new)
{
	uint16_t off = off_wrap & 0x7fff;
	bool wrap = off_wrap >> 15;
	uint64_t u;

	if (off >= fz.vq.size)
		return true;
	for (u = old; u < new; u++)
		if (u % fz.vq.size == off && fz_pk_wrap(u) == wrap)
			return true;
	return false;
}

/*
 * Packed calls after a burst (or drain) whose used position moved from
 * b->pk_used: none when it did not move, else exactly one decision; the
 * driver area's DISABLE never calls, ENABLE (or a reserved value, or DESC
 * without EVENT_IDX) always does, DESC under EVENT_IDX calls as
 * fz_pk_want_call() says (the first decision after virtq_init() may call
 * anyway: the engine knows no earlier position).
 */
static void
fz_pk_check_notify(const struct fz_before *b)
{
	const struct vring_packed_desc_event *ev = (const void *)fz.reg[FZ_R_AVAIL].buf;
	uint64_t calls = fz.vq.stats.calls - b->st.calls;
	uint64_t avoided = fz.vq.stats.calls_avoided - b->st.calls_avoided;
	bool want;

	fz_calls_expect(calls);
	if (fz.pk_used == b->pk_used) {
		FZ_CHECK(calls == 0 && avoided == 0);
		return;
	}
	/*
	 * More than a ring at once: a guest that made descriptors available
	 * again behind the device. Positions are known to the engine modulo
	 * two rings (a move of exactly that shows as none), and off_wrap no
	 * longer names one place: at most one decision, DISABLE still none.
	 */
	if (fz.pk_used - b->pk_used > fz.vq.size) {
		FZ_CHECK(calls + avoided <= 1);
		FZ_CHECK(calls == 0 || (fz.vq.callfd >= 0 &&
					ev->flags != VRING_PACKED_EVENT_FLAG_DISABLE));
		fz.sig_valid = false;
		return;
	}
	FZ_CHECK(calls + avoided == 1);
	if (fz.vq.callfd < 0) {
		FZ_CHECK(calls == 0);
	} else if (ev->flags == VRING_PACKED_EVENT_FLAG_DISABLE) {
		FZ_CHECK(calls == 0);
	} else if (ev->flags != VRING_PACKED_EVENT_FLAG_DESC || !fz.vq.event_idx) {
		FZ_CHECK(calls == 1);
	} else {
		want = fz_pk_want_call(ev->off_wrap, b->pk_used, fz.pk_used);
		if (want || fz.sig_valid)
			FZ_CHECK(calls == want);
	}
	fz.sig_valid = true;
}

/*
 * Packed, after a burst that returned @p ret of @p n: counts, and a
 * broken queue does nothing (nothing written, no call). Returns whether
 * the queue was broken.
 */
static bool
fz_pk_check_burst(const struct fz_before *b, uint16_t ret, uint16_t n)
{
	FZ_CHECK(ret <= n && ret <= VIRTQ_MAX_BURST);
	FZ_CHECK(fz.vq.stats.pkts - b->st.pkts == ret);
	FZ_CHECK(fz.vq.nb_shadow == 0);
	FZ_CHECK(fz.vq.size == b->size);
	FZ_CHECK(fz.vq.broken == b->broken);
	if (!b->broken)
		return false;
	FZ_CHECK(ret == 0 && fz.vq.last_avail == b->last_avail &&
		 fz.vq.last_used == b->last_used);
	FZ_CHECK(memcmp(&fz.vq.stats, &b->st, sizeof(b->st)) == 0);
	fz_calls_expect(0);
	fz_check_writes(0);
	return true;
}

/* External segments a zero-copy of chain @p c makes from byte @p off. */
static uint32_t
fz_zc_nseg(const struct virtq_chain *c, uint32_t off)
{
	uint32_t n = 0;
	uint16_t v;

	for (v = 0; v < c->nvec; v++) {
		if (off >= c->vec[v].len) {
			off -= c->vec[v].len;
			continue;
		}
		n += (c->vec[v].len - off + FZ_ZC_SEG_MAX - 1) / FZ_ZC_SEG_MAX;
		off = 0;
	}
	return n;
}

/*
 * Whether the tx header of chain @p c lets it be zero-copied: the engine
 * copies a chain whose partial checksum field, or whose TSO headers
 * (hdr_len), reach past the private first segment.
 */
static bool
fz_hdr_fits_zc(const struct virtq_chain *c)
{
	struct virtio_net_hdr h;

	fz_snap_chain_copy(c, 0, &h, sizeof(h));
	if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    (uint32_t)h.csum_start + h.csum_offset + 2 > VIRTQ_ZC_COPY_LEN)
		return false;
	return h.gso_type == VIRTIO_NET_HDR_GSO_NONE || h.hdr_len <= VIRTQ_ZC_COPY_LEN;
}

/*
 * Does the tx header of chain @p c (packet of @p len bytes, @p l1 of them
 * in the first segment) ask for something impossible? The virtio-net
 * rules as lib/virtq applies them: a checksum must be TCP or UDP at its
 * place right after L3 (then left to the mbuf flags) or else be completed
 * in software inside the first segment; GSO must be TCP (v4 or v6) with a
 * segment size. rte_net_get_ptype() finds L2/L3/L4.
 */
static bool
fz_hdr_bad(const struct virtq_chain *c, uint32_t len, uint32_t l1)
{
	struct rte_net_hdr_lens lens = { 0 };
	struct virtio_net_hdr h;
	uint32_t olen = RTE_MIN(len, (uint32_t)FZ_ORACLE_LEN), ptype, l4;

	fz_snap_chain_copy(c, 0, &h, sizeof(h));
	if ((h.flags | h.gso_type) == 0)
		return false;
	rte_pktmbuf_reset(fz_oracle);
	fz_snap_chain_copy(c, fz.vq.hdr_len, rte_pktmbuf_mtod(fz_oracle, void *), olen);
	fz_oracle->data_len = olen;
	fz_oracle->pkt_len = olen;
	ptype = rte_net_get_ptype(fz_oracle, &lens, RTE_PTYPE_L2_MASK | RTE_PTYPE_L3_MASK |
				  RTE_PTYPE_L4_MASK);
	l4 = ptype & RTE_PTYPE_L4_MASK;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		bool tcp = l4 == RTE_PTYPE_L4_TCP && h.csum_offset == 16;
		bool udp = l4 == RTE_PTYPE_L4_UDP && h.csum_offset == 6;

		if (!((tcp || udp) && h.csum_start == lens.l2_len + lens.l3_len) &&
		    (uint32_t)h.csum_start + h.csum_offset + 2 > l1)
			return true;
	}
	switch (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return false;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return l4 != RTE_PTYPE_L4_TCP || h.gso_size == 0;
	default:
		return true;
	}
}

/* What a dequeue burst should do with its candidates. */
struct fz_sim {
	uint16_t taken;                       /* Avail entries taken. */
	uint16_t npkt;                        /* Packets returned. */
	uint16_t pkt_cand[VIRTQ_MAX_BURST];   /* Candidate each packet came from. */
	bool pkt_zc[VIRTQ_MAX_BURST];         /* Zero-copied. */
	uint16_t nnew;                        /* Chains taken (all but head_in_flight). */
	uint16_t new_head[VIRTQ_MAX_BURST];   /* Their heads (packed: buffer ids), */
	uint16_t new_cand[VIRTQ_MAX_BURST];   /* candidates, */
	uint8_t new_st[VIRTQ_MAX_BURST];      /* fate (enum fz_chain_st), */
	int16_t new_pkt[VIRTQ_MAX_BURST];     /* and packet, or -1. */
	uint64_t err[VIRTQ_ERR_MAX];          /* Errors counted. */
	uint64_t zc_pkts, zc_capped, zc_small, bytes;
};

/*
 * Is @p head still out (zero-copied, not freed) as the burst reaches it?
 * Packed, also a buffer id that this burst took already, whatever became
 * of its chain (@p zc_path: the zero-copied ones count too).
 */
static bool
fz_sim_busy(const struct fz_sim *s, uint16_t head, bool zc_path)
{
	uint32_t i;

	for (i = fz.zq_first; zc_path && i < fz.nchains; i++)
		if (fz.chain[i].head == head && fz.chain[i].st == FZ_CH_OUT)
			return true;
	for (i = 0; i < s->nnew; i++)
		if (s->new_head[i] == head && (fz.packed || s->new_st[i] != FZ_CH_COPIED))
			return true;
	return false;
}

static void
fz_sim_take(struct fz_sim *s, uint16_t cand, uint16_t head, enum fz_chain_st st, int16_t pkt)
{
	s->new_cand[s->nnew] = cand;
	s->new_head[s->nnew] = head;
	s->new_st[s->nnew] = st;
	s->new_pkt[s->nnew] = pkt;
	s->nnew++;
	s->taken++;
}

/*
 * The burst over @p todo candidates (their heads, packed their buffer ids,
 * in @p heads) from pool @p mp (@p avail mbufs free before it, @p bulk
 * taken at its start), on the zero-copy path (@p zc_path, threshold
 * @p zc_min) or not, the queue stalled or not (@p stalled), after the
 * collection that starts the burst. Mirrors split_dequeue() and
 * packed_dequeue(): the mbufs of the whole burst are taken first, then
 * each chain may need more; a refused chain gives back what it took, the
 * burst ends where an allocation fails, and after the packet that brings
 * its bytes to @p max_bytes. Packed (whose batches of four take the
 * chains one at a time would, with the same outcome, byte budget
 * included): a chain that fails its walk is refused for that first; then
 * one whose buffer id is out (taken earlier in the burst, or zero-copied
 * and not freed) is refused as head_in_flight; both are taken and given
 * back, their used descriptors keeping the positions in step.
 */
static void
fz_simulate(const uint16_t *heads, uint16_t todo, uint16_t bulk, struct rte_mempool *mp,
	    uint32_t avail, bool zc_path, uint32_t zc_min, bool stalled, uint32_t max_bytes,
	    struct fz_sim *s)
{
	uint32_t hdr_len = fz.vq.hdr_len;
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t inflight = fz.zq_on ? fz_zs_count(fz.zq_id, false) : 0;
	uint16_t i;

	memset(s, 0, sizeof(*s));
	/* All or nothing (a burst of none asks for no mbufs). */
	if (bulk > avail) {
		s->err[VIRTQ_ERR_MBUF_ALLOC] = 1;
		return;
	}
	avail -= bulk;
	for (i = 0; i < todo; i++) {
		uint16_t head = heads[i];
		const struct virtq_chain *c = &fz_cand[i];
		uint32_t len, need;
		bool zc = false;

		if (!fz.packed && zc_path && fz_sim_busy(s, head, true)) {
			s->err[VIRTQ_ERR_HEAD_IN_FLIGHT]++;
			s->taken++;
			continue;
		}
		if (fz_cand_ret[i] != 0) {
			s->err[-fz_cand_ret[i]]++;
			fz_sim_take(s, i, head, FZ_CH_COPIED, -1);
			continue;
		}
		if (fz.packed && fz_sim_busy(s, head, zc_path)) {
			s->err[VIRTQ_ERR_HEAD_IN_FLIGHT]++;
			fz_sim_take(s, i, head, FZ_CH_COPIED, -1);
			continue;
		}
		if (c->len <= hdr_len || c->len - hdr_len > VIRTQ_MAX_PKT_LEN) {
			s->err[VIRTQ_ERR_BAD_LEN]++;
			fz_sim_take(s, i, head, FZ_CH_COPIED, -1);
			continue;
		}
		len = c->len - hdr_len;
		if (zc_path && len >= zc_min && (!fz.vq.tx_hdr || fz_hdr_fits_zc(c))) {
			if (inflight >= fz.zq_max || stalled)
				s->zc_capped++;
			else if (room >= VIRTQ_ZC_COPY_LEN &&
				 fz_zc_nseg(c, hdr_len + VIRTQ_ZC_COPY_LEN) <= 2 * VIRTQ_MAX_VEC)
				zc = true;
		}
		need = zc ? fz_zc_nseg(c, hdr_len + VIRTQ_ZC_COPY_LEN) : (len + room - 1) / room - 1;
		if (need > avail) {
			/* Left for the next burst. */
			s->err[VIRTQ_ERR_MBUF_ALLOC]++;
			return;
		}
		if (zc) {
			s->zc_pkts++;
			inflight++;
		}
		if (fz.vq.tx_hdr &&
		    fz_hdr_bad(c, len, zc ? VIRTQ_ZC_COPY_LEN : RTE_MIN(len, room))) {
			s->err[VIRTQ_ERR_BAD_HDR]++;
			fz_sim_take(s, i, head, zc ? FZ_CH_FREED : FZ_CH_COPIED, -1);
			continue;
		}
		avail -= need;
		fz_sim_take(s, i, head, zc ? FZ_CH_OUT : FZ_CH_COPIED, s->npkt);
		s->pkt_cand[s->npkt] = i;
		s->pkt_zc[s->npkt] = zc;
		s->npkt++;
		s->bytes += len;
		if (zc_path && zc_min != UINT32_MAX && !zc && len < zc_min)
			s->zc_small++;
		if (s->bytes >= max_bytes)
			return;
	}
}

/* Is @p m zero-copied (external segments after its first)? */
static bool
fz_is_zc(const struct rte_mbuf *m)
{
	return m->next != NULL && RTE_MBUF_HAS_EXTBUF(m->next);
}

/* NULL when burst @p s is what happened (it took @p taken avail entries,
 * packed chains), else what differs. */
static const char *
fz_sim_diff(const struct fz_sim *s, const struct fz_before *b, uint16_t taken, uint16_t ret,
	    struct rte_mbuf **pkts)
{
	static char why[160];
	const struct virtq_stats *st = &fz.vq.stats;
	uint16_t k;
	int e;

	if (s->taken != taken) {
		snprintf(why, sizeof(why), "dequeue took %u avail entries, expected %u",
			 taken, s->taken);
		return why;
	}
	if (s->npkt != ret) {
		snprintf(why, sizeof(why), "dequeue returned %u packets, expected %u", ret, s->npkt);
		return why;
	}
	for (k = 0; k < ret; k++) {
		if (s->pkt_zc[k] != fz_is_zc(pkts[k])) {
			snprintf(why, sizeof(why), "packet %u (avail entry %u) %s, expected %s",
				 k, s->pkt_cand[k], fz_is_zc(pkts[k]) ? "zero-copied" : "copied",
				 s->pkt_zc[k] ? "zero-copied" : "copied");
			return why;
		}
	}
	for (e = 0; e < VIRTQ_ERR_MAX; e++) {
		if (e == VIRTQ_ERR_AVAIL_JUMP)
			continue;
		if (st->errors[e] - b->st.errors[e] != s->err[e]) {
			snprintf(why, sizeof(why), "dequeue counted %" PRIu64 " %s, expected %" PRIu64,
				 st->errors[e] - b->st.errors[e], virtq_error_name(e), s->err[e]);
			return why;
		}
	}
	if (st->zc_pkts - b->st.zc_pkts != s->zc_pkts ||
	    st->zc_capped - b->st.zc_capped != s->zc_capped ||
	    st->zc_small - b->st.zc_small != s->zc_small ||
	    st->bytes - b->st.bytes != s->bytes) {
		snprintf(why, sizeof(why), "dequeue counted zc_pkts %" PRIu64 " zc_capped %" PRIu64
			 " zc_small %" PRIu64 " bytes %" PRIu64 ", expected %" PRIu64 " %" PRIu64
			 " %" PRIu64 " %" PRIu64, st->zc_pkts - b->st.zc_pkts,
			 st->zc_capped - b->st.zc_capped, st->zc_small - b->st.zc_small,
			 st->bytes - b->st.bytes, s->zc_pkts, s->zc_capped, s->zc_small, s->bytes);
		return why;
	}
	return NULL;
}

/*
 * @p len bytes at @p d that differ from @p want: only the two of a
 * checksum at packet offset @p skip may (@p d is packet byte @p off).
 */
static void
fz_check_bytes(const uint8_t *d, const uint8_t *want, uint32_t len, uint32_t off,
	       uint32_t skip)
{
	uint32_t j;

	for (j = 0; j < len; j++, off++)
		if (d[j] != want[j] && (skip == UINT32_MAX || (off != skip && off != skip + 1)))
			fz_fail(__LINE__, "packet byte differs from its chain's");
}

/*
 * Does @p m hold what the guest put in chain @p c after the virtio-net
 * header (as it was before the burst), but for a checksum the header asked
 * to complete? Copied (!@p zc): every segment is the mbuf's own buffer.
 * Zero-copied: a private first segment of VIRTQ_ZC_COPY_LEN bytes, then
 * external segments at exactly the chain's addresses after those bytes,
 * sharing one shinfo that counts them. External segments read guest memory
 * as it is now: in the used ring (packed: the descriptor ring), the burst
 * itself may have changed it.
 */
static void
fz_check_pkt(const struct virtq_chain *c, const struct rte_mbuf *m, bool zc)
{
	static uint8_t want[VIRTQ_MAX_PKT_LEN];
	uint32_t hdr_len = fz.vq.hdr_len, len = c->len - hdr_len, skip = UINT32_MAX, off = 0;
	const struct rte_mbuf_ext_shared_info *sh = zc ? m->next->shinfo : NULL;
	const struct rte_mbuf *s;
	struct virtio_net_hdr h;
	uint32_t at, next = 0;
	uint16_t v = 0, nseg = 0;

	FZ_CHECK(m->pkt_len == len);
	fz_snap_chain_copy(c, 0, &h, sizeof(h));
	if (fz.vq.tx_hdr && (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		skip = (uint32_t)h.csum_start + h.csum_offset;
	fz_snap_chain_copy(c, hdr_len, want, len);
	/* Where the external segments start in the chain. */
	at = hdr_len + VIRTQ_ZC_COPY_LEN;
	while (v < c->nvec && at >= c->vec[v].len)
		at -= c->vec[v++].len;
	for (s = m; s != NULL; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);
		bool ext = RTE_MBUF_HAS_EXTBUF(s), in_used = false;

		FZ_CHECK(!RTE_MBUF_CLONED(s));
		FZ_CHECK(ext == (zc && s != m));
		if (!ext) {
			/* Its own buffer, nothing of guest memory. */
			FZ_CHECK(s->buf_addr == (uint8_t *)(uintptr_t)s + sizeof(*s) +
				 rte_pktmbuf_priv_size(s->pool));
			if (zc)
				FZ_CHECK(s->data_len == VIRTQ_ZC_COPY_LEN);
		} else {
			const struct fz_region *r;
			uint32_t l;

			/* The next piece of the chain, up to a segment's worth. */
			FZ_CHECK(v < c->nvec);
			l = RTE_MIN(c->vec[v].len - at - next, (uint32_t)FZ_ZC_SEG_MAX);
			FZ_CHECK(s->buf_addr == c->vec[v].addr + at + next);
			FZ_CHECK(s->data_off == 0 && s->data_len == l && s->buf_len == l);
			FZ_CHECK(s->shinfo == sh);
			FZ_CHECK(rte_mbuf_iova_get(s) == (fz.mem.dma ?
				 (rte_iova_t)(uintptr_t)s->buf_addr : RTE_BAD_IOVA));
			/* A region the device writes (packed: the descriptor ring). */
			r = fz_region_of_host(s->buf_addr);
			in_used = r != NULL && (fz_used_mask() & 1u << (r - fz.reg));
			next += l;
			if (at + next == c->vec[v].len) {
				v++;
				at = 0;
				next = 0;
			}
			nseg++;
		}
		if (!in_used && memcmp(d, want + off, s->data_len) != 0)
			fz_check_bytes(d, want + off, s->data_len, off, skip);
		off += s->data_len;
	}
	FZ_CHECK(off == len);
	if (zc) {
		FZ_CHECK(v == c->nvec);
		FZ_CHECK(sh != NULL && sh->free_cb != NULL);
		FZ_CHECK(rte_mbuf_ext_refcnt_read(sh) == nseg);
	}
}

/* The application's own bytes of @p m: it may rewrite them (headers,
 * for one) without any of it reaching guest memory. */
static void
fz_scribble(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_HAS_EXTBUF(m))
			memset(rte_pktmbuf_mtod(m, void *), 0xa5, m->data_len);
}

/* A new chain taken by the queue (of @p ndesc descriptors, packed), in
 * state @p st; @p m its packet, if any. */
static int32_t
fz_chain_add(uint16_t head, uint16_t ndesc, uint8_t st, const struct rte_mbuf *m)
{
	struct fz_chain *c;

	FZ_CHECK(fz.nchains < FZ_MAX_CHAINS);
	c = &fz.chain[fz.nchains];
	c->head = head;
	c->ndesc = ndesc;
	c->st = st;
	c->pin = st == FZ_CH_COPIED ? -1 : fz.pin_cur;
	c->nref = st == FZ_CH_OUT;
	c->zs = fz.zq_on ? fz.zq_id : 0;
	c->shinfo = st == FZ_CH_OUT ? m->next->shinfo : NULL;
	return (int32_t)fz.nchains++;
}

static void
fz_op_dequeue(uint8_t n, uint16_t arg, uint8_t y)
{
	static const uint8_t pool_of[4] = { 0, 1, 2, 0 };
	static uint16_t heads[FZ_MAX_CHAINS], nds[FZ_MAX_CHAINS];
	static uint16_t cand_head[VIRTQ_MAX_BURST];
	static struct fz_sim sim[2];
	struct rte_mempool *mp = fz_pool[pool_of[y & 3]];
	struct rte_mbuf *pkts[FZ_MAX_DEQ];
	int32_t pkt_chain[VIRTQ_MAX_BURST];
	uint16_t ret, used = 0, i, j, todo = 0, bulk, pending = 0, taken;
	uint32_t zc_min = fz.vq.zc_min, avail, npop, k, owed;
	uint32_t max_bytes = arg == 0 ? UINT32_MAX : arg;
	const struct fz_sim *s = &sim[0];
	bool zc_path, stall, hold, jump = false, took, pk_wrap;
	uint64_t stalls;
	struct fz_before b;
	const char *why;

	fz_before_take(&b);
	fz_snap();
	/* The engine takes the zero-copy path with zero-copy on, or chains of
	 * it still due back; that path first collects what came back. */
	zc_path = fz.zq_on && (zc_min != UINT32_MAX || fz.zq_first != fz.nchains);
	/* With zero-copy, no more used entries owed than the ring holds. */
	owed = fz.nchains - fz.zq_first;
	if (!fz.packed) {
		/* What the engine should find: walk the chains it may take first. */
		pending = b.avail_idx - b.last_avail;
		jump = pending > b.size;
		if (!b.broken && !jump)
			todo = RTE_MIN(RTE_MIN(pending, (uint16_t)n), (uint16_t)VIRTQ_MAX_BURST);
		if (zc_path)
			todo = owed >= b.size ? 0 : RTE_MIN(todo, b.size - owed);
		for (i = 0; i < todo; i++) {
			cand_head[i] = fz_snap_head(b.last_avail, i);
			fz_cand_ret[i] = virtq_chain_walk(&fz.vq, cand_head[i], false, &fz_cand[i]);
		}
		bulk = todo;
	} else {
		/* The engine takes mbufs for as many chains as it may take (no
		 * more than the ring's: its shadow array's size), once it finds
		 * the first; then it takes chains while there are. */
		if (!b.broken)
			todo = RTE_MIN(RTE_MIN((uint16_t)n, (uint16_t)VIRTQ_MAX_BURST), b.size);
		if (zc_path)
			todo = owed >= b.size ? 0 : RTE_MIN(todo, b.size - owed);
		bulk = todo;
		todo = fz_pk_cands(todo, false, fz_cand, fz_cand_ret);
		if (todo == 0)
			bulk = 0;
		for (i = 0; i < todo; i++)
			cand_head[i] = fz_pkc[i].id;
	}
	avail = rte_mempool_avail_count(mp);
	/* A burst that takes a chain turns kicks off; one that takes nothing
	 * (no candidates, its mbufs not there, or the first chain needing
	 * more mbufs than there are) leaves them as they are. A broken queue
	 * and a jumped avail index have no candidates (bulk 0). */
	took = bulk != 0 && bulk <= avail;
	pk_wrap = fz.vq.avail_wrap;
	/* A broken queue, or one that breaks on a jumped avail index, is
	 * left as it is: nothing collected. */
	if (zc_path && !b.broken && !jump)
		fz_zq_collect();

	ret = virtq_dequeue_burst(&fz.vq, mp, pkts, n, max_bytes);
	/* Taken: the position moved (packed: a whole lap flips the wrap). */
	took = took && (fz.vq.last_avail != b.last_avail ||
			(fz.packed && fz.vq.avail_wrap != pk_wrap));
	FZ_TRACE("dequeue n %u bytes %u pool %s%s: %u packets, avail %u -> %u%s", n, max_bytes,
		 mp->name, zc_path ? " (zero-copy path)" : "", ret, b.last_avail,
		 fz.vq.last_avail, took ? ", kicks off" : "");
	if (took)
		fz.kick = FZ_KICK_OFF;
	if (fz.packed ? fz_pk_check_burst(&b, ret, n) : false)
		return;
	if (!fz.packed)
		used = fz_check_burst(&b, ret, n, true);
	stalls = fz.vq.stats.zc_stalls - b.st.zc_stalls;
	/* A stall is counted once, by a collection that finds the oldest chain
	 * out for too long. */
	FZ_CHECK(stalls <= 1 && (stalls == 0 || (zc_path && !b.broken && !fz.zq_stalled)));
	if (b.broken || jump) {
		fz.zq_stalled |= stalls != 0;
		fz_check_writes(1u << FZ_R_USED);
		return;
	}

	/* What should have happened. A stall counted in this burst was found
	 * at its start or at its end: whichever the packets say. */
	taken = fz.packed ? fz_pk_taken(todo) : (uint16_t)(fz.vq.last_avail - b.last_avail);
	fz_simulate(cand_head, todo, bulk, mp, avail, zc_path, zc_min, fz.zq_stalled, max_bytes,
		    &sim[0]);
	why = fz_sim_diff(&sim[0], &b, taken, ret, pkts);
	if (why != NULL && stalls != 0) {
		fz_simulate(cand_head, todo, bulk, mp, avail, zc_path, zc_min, true, max_bytes,
			    &sim[1]);
		if (fz_sim_diff(&sim[1], &b, taken, ret, pkts) == NULL) {
			s = &sim[1];
			why = NULL;
		}
	}
	if (why != NULL)
		fz_fail(__LINE__, why);
	fz.zq_stalled |= stalls != 0;
	for (i = 0; i < s->nnew; i++) {
		int16_t p = s->new_pkt[i];
		int32_t ch = fz_chain_add(s->new_head[i], fz.packed ?
					  fz_pkc[s->new_cand[i]].ndesc : 1, s->new_st[i],
					  p >= 0 ? pkts[p] : NULL);

		if (p >= 0)
			pkt_chain[p] = s->new_st[i] == FZ_CH_OUT ? ch : -1;
	}
	/* The burst ends by collecting again (zero-copied chains it refused),
	 * then writes the used entries now due. */
	if (zc_path)
		fz_zq_collect();
	npop = fz_zq_pop(heads, nds);
	FZ_TRACE("  used entries: %u written, %u chains still owed", npop,
		 fz.nchains - fz.zq_first);
	if (fz.packed) {
		fz_pk_check_used(heads, nds, npop, false, NULL);
		fz_pk_check_notify(&b);
		fz_pk_check_device_area(false);
	} else {
		fz_check_used(b.last_used, heads, npop, used);
	}
	/* No more chains owed than the ring has entries: the guest cannot have
	 * more out, and the engine's bookkeeping has room for no more. */
	FZ_CHECK(fz.nchains - fz.zq_first <= fz.vq.size);

	/* The packets are the chains' contents as they were, in order. */
	for (i = 0; i < ret; i++) {
		fz_check_rx_mbuf(pkts[i], mp);
		fz_check_pkt(&fz_cand[s->pkt_cand[i]], pkts[i], s->pkt_zc[i]);
		for (j = 0; j < i; j++)
			FZ_CHECK(pkts[j] != pkts[i]);
		/* A zero-copied chain's segments share no state with another
		 * chain still out. */
		for (k = 0; s->pkt_zc[i] && k < fz.nchains; k++)
			FZ_CHECK((int32_t)k == pkt_chain[i] || fz.chain[k].shinfo != pkts[i]->next->shinfo ||
				 (fz.chain[k].st != FZ_CH_OUT && fz.chain[k].st != FZ_CH_FREED));
		fz_scribble(pkts[i]);
	}
	/* A guest transmit never writes guest memory but the used ring (packed:
	 * the used descriptors, checked above, and the device area). */
	fz_check_writes(fz_used_mask());
	/* With zero-copy state, the application keeps them a while. */
	hold = fz.zq_on && !(y & 4);
	for (i = 0; i < ret; i++) {
		if (hold && fz.nheld < FZ_MAX_HELD) {
			fz.held[fz.nheld].m = pkts[i];
			fz.held[fz.nheld].chain = pkt_chain[i];
			fz.nheld++;
			continue;
		}
		rte_pktmbuf_free(pkts[i]);
		fz_chain_unref(pkt_chain[i]);
	}
	stall = fz.zq_stalled;
	FZ_TRACE("  %u zero-copied, %u held%s", (unsigned int)s->zc_pkts, fz.nheld,
		 stall ? ", stalled" : "");
	fz_check_pools();
}

/*
 * virtq_zc_drain(): on a queue with zero-copy state that is not broken,
 * the collection of a burst without the burst: the used entries now due
 * are written, the guest called if it asked, and what is still out is
 * returned. On a broken one, only the collection and the count; without
 * the state, nothing.
 */
static void
fz_zc_drain(void)
{
	static uint16_t heads[FZ_MAX_CHAINS], nds[FZ_MAX_CHAINS];
	struct fz_before b;
	uint64_t stalls;
	uint32_t npop;
	uint16_t ret, used;

	fz_before_take(&b);
	fz_snap();
	ret = virtq_zc_drain(&fz.vq);
	used = fz.vq.last_used - b.last_used;
	stalls = fz.vq.stats.zc_stalls - b.st.zc_stalls;
	FZ_TRACE("drain: %u out", ret);
	FZ_CHECK(fz.vq.nb_shadow == 0);
	if (!fz.zq_on || b.broken) {
		/* A broken queue only collects what came back. */
		if (fz.zq_on)
			fz_zq_collect();
		FZ_CHECK(ret == (fz.zq_on ? fz_zs_count(fz.zq_id, false) : 0));
		FZ_CHECK(used == 0 && stalls == 0);
		fz_check_notify(&b, 0);
		fz_check_writes(0);
		return;
	}
	fz_zq_collect();
	FZ_CHECK(stalls <= 1 && (stalls == 0 || !fz.zq_stalled));
	fz.zq_stalled |= stalls != 0;
	npop = fz_zq_pop(heads, nds);
	if (fz.packed) {
		fz_pk_check_used(heads, nds, npop, false, NULL);
		fz_pk_check_notify(&b);
	} else {
		fz_check_used(b.last_used, heads, npop, used);
		if (used != 0)
			FZ_CHECK(fz_used()->idx == fz.vq.last_used);
		fz_check_notify(&b, used);
	}
	FZ_CHECK(ret == fz_zs_count(fz.zq_id, false));
	FZ_CHECK(stalls == 0 || ret != 0);
	fz_check_writes(fz_used_mask());
}

/*
 * virtq_zc_orphan(): the state leaves the queue with whatever it owes
 * (no used entry will ever be written for it); returned to be reaped when
 * something is still out after collecting, else freed.
 */
static void
fz_zc_orphan(void)
{
	struct virtq_zc *zc;
	uint32_t out;

	fz_snap();
	zc = virtq_zc_orphan(&fz.vq);
	FZ_CHECK(fz.vq.zc == NULL && fz.vq.zc_min == UINT32_MAX);
	if (!fz.zq_on) {
		FZ_TRACE("orphan: no state");
		FZ_CHECK(zc == NULL);
		fz_check_writes(0);
		return;
	}
	fz_zs_collect(fz.zq_id);
	out = fz_zs_count(fz.zq_id, false);
	FZ_TRACE("orphan: %u out, %u owed dropped", out, fz.nchains - fz.zq_first);
	FZ_CHECK((zc != NULL) == (out != 0));
	if (zc != NULL) {
		FZ_CHECK(virtq_zc_orphan_inflight(zc) == out);
		FZ_CHECK(fz.norph < FZ_MAX_ORPHANS);
		fz.orph[fz.norph].zc = zc;
		fz.orph[fz.norph].zs = fz.zq_id;
		fz.norph++;
	}
	/* Packed: the chains dropped keep their descriptors between the used
	 * and avail positions for good, like what the vring bases left. */
	fz.pk_gap += (int64_t)fz_zq_owed_desc();
	fz.zq_on = false;
	fz.zq_first = fz.nchains;
	fz_check_writes(0);
	fz_calls_expect(0);
}

/* virtq_zc_reap() of every orphaned state: freed exactly when nothing of
 * it is out. */
static void
fz_zc_reap(void)
{
	uint32_t i, k = 0, out;

	fz_snap();
	for (i = 0; i < fz.norph; i++) {
		bool done = virtq_zc_reap(fz.orph[i].zc);

		fz_zs_collect(fz.orph[i].zs);
		out = fz_zs_count(fz.orph[i].zs, false);
		FZ_TRACE("reap state %u: %s, %u out", fz.orph[i].zs, done ? "freed" : "kept", out);
		FZ_CHECK(done == (out == 0));
		if (done)
			continue;
		FZ_CHECK(virtq_zc_orphan_inflight(fz.orph[i].zc) == out);
		fz.orph[k++] = fz.orph[i];
	}
	fz.norph = k;
	fz_check_writes(0);
	fz_calls_expect(0);
}

/* xorshift32, for a free order from an operation's bytes. */
static uint32_t
fz_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Free n held packets (all when n is 0), in order y % 4: oldest first,
 * newest first, shuffled (seeded by arg and x), or alternately from both
 * ends. Nothing reaches the guest until a burst or a drain collects.
 */
static void
fz_op_free(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	static uint32_t order[FZ_MAX_HELD];
	uint32_t nheld = fz.nheld, cnt, i, seed = ((uint32_t)arg << 8 | x) | 1;
	uint16_t last_used = fz.vq.last_used, inflight = virtq_zc_inflight(&fz.vq);
	uint32_t pins[2] = { fz.pin[0], fz.pin[1] };

	if (nheld == 0)
		return;
	cnt = n == 0 ? nheld : RTE_MIN((uint32_t)n, nheld);
	for (i = 0; i < nheld; i++) {
		switch (y % 4) {
		case 0:
			order[i] = i;
			break;
		case 1:
			order[i] = nheld - 1 - i;
			break;
		case 2:
			order[i] = i;
			break;
		default:
			order[i] = (i & 1) ? nheld - 1 - i / 2 : i / 2;
			break;
		}
	}
	if (y % 4 == 2) {
		for (i = 0; i + 1 < nheld; i++) {
			uint32_t j = i + fz_rand(&seed) % (nheld - i), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
	}
	fz_snap();
	for (i = 0; i < cnt; i++) {
		FZ_TRACE("  free held #%u: chain %d (%u segments)", order[i],
			 fz.held[order[i]].chain, fz.held[order[i]].m->nb_segs);
		fz_held_release(order[i]);
	}
	fz_held_compact();
	FZ_TRACE("free %u of %u, order %u", cnt, nheld, y % 4);
	fz_check_writes(0);
	fz_calls_expect(0);
	FZ_CHECK(fz.vq.last_used == last_used && virtq_zc_inflight(&fz.vq) == inflight);
	FZ_CHECK(fz.pin[0] == pins[0] && fz.pin[1] == pins[1]);
}

/*
 * More packets over a chain's segments, as forwarding makes them: n & 1
 * splits held packet arg % held at segment 1 + x % (segments - 1) into
 * two packets; else clones it (mbufs from pool y % 3).
 */
static void
fz_op_ref(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	struct fz_held *h;
	struct rte_mbuf *m, *t, *last;
	uint32_t head_len = 0;
	uint16_t k, i;
	bool had, head_ext, tail_ext;

	if (fz.nheld == 0 || fz.nheld == FZ_MAX_HELD)
		return;
	h = &fz.held[arg % fz.nheld];
	m = h->m;
	fz_snap();
	if (!(n & 1)) {
		t = rte_pktmbuf_clone(m, fz_pool[y % 3]);
		FZ_TRACE("clone held #%u (chain %d): %s", arg % fz.nheld, h->chain,
			 t != NULL ? "done" : "out of mbufs");
		if (t == NULL)
			return;
		fz.held[fz.nheld].m = t;
		fz.held[fz.nheld].chain = fz_mbuf_has_ext(t) ? h->chain : -1;
		if (fz.held[fz.nheld].chain >= 0)
			fz.chain[h->chain].nref++;
		fz.nheld++;
	} else {
		if (m->nb_segs < 2)
			return;
		k = 1 + x % (m->nb_segs - 1);
		for (i = 1, last = m; i < k; i++)
			last = last->next;
		for (t = m; t != last->next; t = t->next)
			head_len += t->data_len;
		t = last->next;
		last->next = NULL;
		t->nb_segs = m->nb_segs - k;
		t->pkt_len = m->pkt_len - head_len;
		m->nb_segs = k;
		m->pkt_len = head_len;
		had = h->chain >= 0;
		head_ext = had && fz_mbuf_has_ext(m);
		tail_ext = had && fz_mbuf_has_ext(t);
		FZ_TRACE("split held #%u (chain %d) at %u: %u + %u segments", arg % fz.nheld,
			 h->chain, k, m->nb_segs, t->nb_segs);
		fz.held[fz.nheld].m = t;
		fz.held[fz.nheld].chain = tail_ext ? h->chain : -1;
		fz.nheld++;
		if (had) {
			FZ_CHECK(head_ext || tail_ext);
			fz.chain[h->chain].nref += head_ext + tail_ext - 1;
		}
		if (!head_ext)
			h->chain = -1;
	}
	fz_check_writes(0);
}

/* virtq_zc_set_min(): the threshold as documented, only with state. */
static void
fz_op_zc_min(uint8_t n, uint16_t arg)
{
	uint32_t v = (n & 1) ? UINT32_MAX : arg;

	fz_snap();
	virtq_zc_set_min(&fz.vq, v);
	FZ_TRACE("zc min %u: %u", v, fz.vq.zc_min);
	FZ_CHECK(fz.vq.zc_min == fz_zc_min_of(v));
	fz_check_writes(0);
}

/*
 * Outstay the stall bound once (n & 1, with chains out), then drain. The
 * engine reads the TSC through vdp_fuzz_tsc_cycles(): the clock skips
 * ahead by the bound and a millisecond, as if the target had slept.
 */
static void
fz_op_zc_drain(uint8_t n)
{
	if ((n & 1) && !fz.waited && fz.zq_on && fz_zs_count(fz.zq_id, false) != 0) {
		fz.waited = true;
		fz_tsc_skew += rte_get_tsc_hz() / 1000 * (VIRTQ_ZC_STALL_MS + 1);
		FZ_TRACE("waited %u ms", VIRTQ_ZC_STALL_MS + 1);
	}
	fz_zc_drain();
}

/* Bytes packets are made of: any window of FZ_MAX_ENQ_LEN of it differs
 * from the others (a xorshift sequence). */
static uint8_t fz_pat[65536 + FZ_MAX_ENQ_LEN];

static void
fz_pat_init(void)
{
	uint32_t x = 2463534242u, i;

	for (i = 0; i < sizeof(fz_pat); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		fz_pat[i] = (uint8_t)(x >> 24);
	}
}

/* A packet of @p len bytes from @p mp in segments of at most @p segsz bytes,
 * its bytes a window of fz_pat[] chosen by @p seed. */
static struct rte_mbuf *
fz_pkt_build(struct rte_mempool *mp, uint32_t len, uint32_t segsz,
	     bool empty_first, uint32_t seed)
{
	/* Packet byte k is fz_pat[start + k]: a window of the pattern per seed. */
	uint32_t left = len, k = 0, start = (seed * 2654435761u) >> 16;
	struct rte_mbuf *m, *last, *s;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	last = m;
	s = m;
	for (;;) {
		uint32_t room = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(s), segsz), n;

		n = (s == m && empty_first) ? 0 : RTE_MIN(room, left);
		memcpy(rte_pktmbuf_mtod(s, uint8_t *), &fz_pat[start + k], n);
		k += n;
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
			uint32_t off;

			FZ_CHECK(r != NULL);
			/* In a ring: the rings change under the data. */
			if (r < &fz.reg[FZ_R_A])
				return false;
			off = b->addr - r->buf;
			if (memchr(r->mark + off, 1, b->len) != NULL)
				return false;
			memset(r->mark + off, 1, b->len);
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
fz_check_rx_data(const uint32_t *ulen, struct rte_mbuf **pkts, uint16_t ret, uint16_t used)
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
		while (e < used && ulen[e] == 0)
			e++;
		first = e;
		while (sum < total) {
			uint32_t l;

			FZ_CHECK(e < used);
			l = ulen[e];
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
			uint32_t l = ulen[j] - start;
			static uint8_t got[FZ_MAX_ENQ_LEN];

			FZ_CHECK(p + l <= rte_pktmbuf_pkt_len(pkts[k]));
			fz_chain_copy(&fz_rx_chain[j], start, got, l);
			FZ_CHECK(memcmp(got, pkt + p, l) == 0);
			p += l;
		}
	}
	FZ_TRACE("enqueue: the guest got the %u packets", ret);
}

/*
 * Packed: may a receive buffer of the @p n candidates (those whose walk
 * succeeded) change what the engine reads later in the burst, or where
 * the target looks after it? It would, lying in the descriptor ring (the
 * chains after it, the used descriptors' addresses), the device area (its
 * off_wrap), or over a candidate's indirect table.
 */
static bool
fz_pk_rx_over(uint16_t n)
{
	const struct vring_packed_desc *ring = fz_pk_snap_ring();
	uint16_t i, k, v;
	int r;

	for (r = 0; r < FZ_R_MAX; r++)
		memset(fz.reg[r].mark, 0, fz.reg[r].size);
	for (i = 0; i < n; i++) {
		for (k = 0; k < fz_pkc[i].ndesc; k++) {
			const struct vring_packed_desc *d = &ring[(fz_pkc[i].u + k) % fz.vq.size];
			struct fz_region *t = fz_region_of(d->addr, d->len);

			if ((d->flags & VRING_DESC_F_INDIRECT) && t != NULL)
				memset(t->mark + (d->addr - t->gpa), 1, d->len);
		}
	}
	for (i = 0; i < n; i++) {
		for (v = 0; fz_rx_ret[i] == 0 && v < fz_rx_chain[i].nvec; v++) {
			const struct virtq_buf *b = &fz_rx_chain[i].vec[v];
			const struct fz_region *t = fz_region_of_host(b->addr);

			FZ_CHECK(t != NULL);
			if (t == &fz.reg[FZ_R_DESC] || t == &fz.reg[FZ_R_USED] ||
			    memchr(t->mark + (b->addr - t->buf), 1, b->len) != NULL)
				return true;
		}
	}
	return false;
}

/*
 * Packed, an enqueue whose receive buffers may have changed what it read
 * (fz_pk_rx_over()): the chains it took are no longer known, but every
 * one is used in the same burst, so both positions move alike, by at
 * most a ring; the calls and the device area's DISABLE are as always.
 */
static void
fz_pk_rx_over_check(const struct fz_before *b, uint16_t ret)
{
	uint64_t span = 2 * (uint64_t)fz.vq.size, adv_a, adv_u;
	uint16_t a, u;

	virtq_get_base(&fz.vq, &a, &u);
	FZ_CHECK((a & 0x7fff) < fz.vq.size && (u & 0x7fff) < fz.vq.size);
	adv_a = (fz_pk_lin(a) + span - fz.pk_avail % span) % span;
	adv_u = (fz_pk_lin(u) + span - fz.pk_used % span) % span;
	FZ_CHECK(adv_a == adv_u && adv_a <= fz.vq.size && ret <= adv_a);
	fz.pk_avail += adv_a;
	fz.pk_used += adv_u;
	FZ_CHECK((int64_t)(fz.pk_avail - fz.pk_used - fz_zq_owed_desc()) == fz.pk_gap);
	fz_pk_check_notify(b);
	fz_pk_check_device_area(true);
	FZ_TRACE("enqueue: receive buffers over the rings or a table, %" PRIu64
		 " descriptors taken", adv_a);
}

/*
 * Packed, the errors an enqueue that took the first @p used candidates
 * and placed @p ret of @p lim packets counted: exactly one for each chain
 * taken that was bad (its walk failed; its buffer id was taken earlier in
 * the burst; it is shorter than the header), none for the others, and
 * those come back with length 0; the chains are no longer than the walk
 * found. Each packet not placed is counted once, as too big for a buffer
 * or for the ring being out of buffers.
 */
static void
fz_pk_check_rx_errors(const struct fz_before *b, uint16_t used, uint16_t ret, uint16_t lim,
		      const uint32_t *ulen)
{
	const uint64_t *now = fz.vq.stats.errors, *was = b->st.errors;
	uint64_t err[VIRTQ_ERR_MAX] = { 0 };
	uint16_t i, j;
	int e;

	for (i = 0; i < used; i++) {
		e = -fz_rx_ret[i];
		for (j = 0; j < i && e == 0; j++)
			if (fz_pkc[j].id == fz_pkc[i].id)
				e = VIRTQ_ERR_HEAD_IN_FLIGHT;
		if (e == 0 && fz_rx_chain[i].len < fz.vq.hdr_len)
			e = VIRTQ_ERR_BAD_LEN;
		err[e]++;
		if (e != 0)
			FZ_CHECK(ulen[i] == 0);
		else
			FZ_CHECK(ulen[i] <= fz_rx_chain[i].len);
	}
	for (e = 1; e < VIRTQ_ERR_MAX; e++) {
		if (e == VIRTQ_ERR_GUEST_RING_FULL || e == VIRTQ_ERR_PKT_TOO_BIG)
			continue;
		if (now[e] - was[e] != err[e]) {
			static char why[128];

			snprintf(why, sizeof(why), "enqueue counted %" PRIu64 " %s, expected %" PRIu64,
				 now[e] - was[e], virtq_error_name(e), err[e]);
			fz_fail(__LINE__, why);
		}
	}
	FZ_CHECK(now[VIRTQ_ERR_GUEST_RING_FULL] - was[VIRTQ_ERR_GUEST_RING_FULL] +
		 now[VIRTQ_ERR_PKT_TOO_BIG] - was[VIRTQ_ERR_PKT_TOO_BIG] == (uint64_t)(lim - ret));
	if (fz.vq.mrg_rxbuf)
		FZ_CHECK(now[VIRTQ_ERR_PKT_TOO_BIG] == was[VIRTQ_ERR_PKT_TOO_BIG]);
}

static void
fz_op_enqueue(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	static const uint32_t segsz_of[4] = { UINT32_MAX, UINT32_MAX, 1000, 24 };
	struct rte_mempool *mp = fz_pool[(y & 3) == 1 || (y & 3) == 3];
	static uint16_t heads[FZ_PK_SIZE], nds[FZ_PK_SIZE];
	static uint32_t ulen[FZ_PK_SIZE];
	struct rte_mbuf *pkts[FZ_MAX_ENQ], *orig[FZ_MAX_ENQ];
	uint64_t want = 0, got = 0;
	struct fz_before b;
	uint16_t cnt = n % (FZ_MAX_ENQ + 1), lim, ret, used, i, j, prev;
	uint16_t hdr_len = fz.vq.hdr_len, npre = 0;
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM, bytes = 0, nseg = 0;
	bool found, same, rx_over = false, took;

	for (i = 0; i < cnt; i++) {
		uint32_t len = ((uint32_t)arg + (uint32_t)i * x * 61) % (FZ_MAX_ENQ_LEN + 1);
		uint32_t seg = RTE_MIN(room, segsz_of[y & 3]);

		bytes += len;
		nseg += (len + seg - 1) / seg + 1;
		if (bytes > FZ_ENQ_BYTES || nseg > FZ_ENQ_MBUFS)
			break;
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
	if (fz.packed) {
		if (!b.broken)
			npre = fz_pk_cands(fz.vq.size, true, fz_rx_chain, fz_rx_ret);
		rx_over = fz_pk_rx_over(npre);
	} else {
		if (!b.broken && (uint16_t)(b.avail_idx - b.last_avail) <= b.size)
			npre = b.avail_idx - b.last_avail;
		for (i = 0; i < npre; i++)
			fz_rx_ret[i] = virtq_chain_walk(&fz.vq, fz_snap_head(b.last_avail, i),
							true, &fz_rx_chain[i]);
	}
	/* An enqueue that looks at the ring turns kicks off: split, unless
	 * broken or the avail index jumped; packed, with packets and a chain
	 * there. */
	if (fz.packed)
		took = !b.broken && lim != 0 && npre != 0;
	else
		took = !b.broken && (uint16_t)(b.avail_idx - b.last_avail) <= b.size;
	/* The one call that may write guest buffers: over the guest's view. */
	fz_mem_view(true);
	ret = virtq_enqueue_burst(&fz.vq, pkts, cnt);
	fz_mem_view(false);
	if (took)
		fz.kick = FZ_KICK_OFF;
	FZ_TRACE("enqueue %u (len %u..) pool %s: %u", cnt,
		 cnt ? rte_pktmbuf_pkt_len(orig[0]) : 0, mp->name, ret);
	if (fz.packed) {
		if (fz_pk_check_burst(&b, ret, cnt)) {
			for (i = 0; i < cnt; i++)
				FZ_CHECK(pkts[i] == orig[i]);
			for (i = 0; i < cnt; i++)
				rte_pktmbuf_free(pkts[i]);
			fz_check_pools();
			return;
		}
		if (rx_over) {
			/* Which chains it took is not known: no used entry to
			 * look at below. */
			fz_pk_rx_over_check(&b, ret);
			used = 0;
		} else {
			/* Every chain taken is used in the same burst, in order:
			 * the used position moves as far as the avail one. */
			used = fz_pk_taken(npre);
			for (i = 0; i < used; i++) {
				heads[i] = fz_pkc[i].id;
				nds[i] = fz_pkc[i].ndesc;
			}
			fz_pk_check_used(heads, nds, used, true, ulen);
			FZ_CHECK(ret <= used);
			fz_pk_check_notify(&b);
			fz_pk_check_device_area(false);
			fz_pk_check_rx_errors(&b, used, ret, lim, ulen);
		}
	} else {
		used = fz_check_burst(&b, ret, cnt, false);
		for (i = 0; i < used; i++)
			ulen[i] = fz_used_elem(b.last_used, i)->len;
	}

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
	 * ring itself receive a packet: then the heads changed under us).
	 * Packed: fz_pk_check_used() saw each chain's id at its place. */
	same = memcmp(fz.reg[FZ_R_AVAIL].snap, fz.reg[FZ_R_AVAIL].buf,
		      fz.reg[FZ_R_AVAIL].size) == 0;
	if (!fz.packed && same) {
		for (i = 0; i < used; i++)
			FZ_CHECK(fz_used_elem(b.last_used, i)->id ==
				 fz_snap_head(b.last_avail, i));
	}

	/* Each placed packet fills its buffers with header and data, exactly. */
	for (i = 0; i < ret; i++)
		want += hdr_len + rte_pktmbuf_pkt_len(pkts[i]);
	for (i = 0; i < used; i++)
		got += ulen[i];
	FZ_CHECK(got == want || rx_over);
	if (!fz.vq.mrg_rxbuf && !rx_over) {
		/* One buffer per placed packet, and bad ones come back empty. */
		for (i = 0, j = 0; i < used; i++)
			j += ulen[i] != 0;
		FZ_CHECK(j == ret);
	}
	/* The guest gets the packets, unless its buffers overlap (or overlap
	 * the rings: then they change under the data; packed, the descriptor
	 * ring changes anyway, by the used descriptors). */
	if (ret != 0 && !rx_over && (fz.packed || (same && memcmp(fz.reg[FZ_R_DESC].snap,
						       fz.reg[FZ_R_DESC].buf,
						       fz.reg[FZ_R_DESC].size) == 0)) &&
	    fz_rx_chains_disjoint(npre))
		fz_check_rx_data(ulen, pkts, ret, used);

	fz_check_writes((1u << FZ_R_MAX) - 1);
	for (i = 0; i < cnt; i++)
		rte_pktmbuf_free(pkts[i]);
	fz_check_pools();
}

static void
fz_op_walk(uint16_t head, bool writable)
{
	static uint8_t scratch[4096];
	struct virtq_chain c;
	uint64_t sum = 0;
	uint32_t k, n;
	uint16_t i;
	int ret;

	fz_snap();
	ret = virtq_chain_walk(&fz.vq, head, writable, &c);
	FZ_TRACE("walk head %u %s: %d, %u pieces, %u bytes", head,
		 writable ? "rx" : "tx", ret, c.nvec, c.len);
	FZ_CHECK(ret <= 0 && ret > -VIRTQ_ERR_MAX);
	FZ_CHECK(c.nvec <= VIRTQ_MAX_VEC);
	if (fz.packed && !fz.vq.broken) {
		/* Packed: a ring position, whose chain (in the lap it is in when
		 * at or after the avail position) is the one the target finds. */
		uint64_t u = fz.pk_avail - fz.pk_avail % fz.vq.size + head;
		uint16_t nd, id;

		if (head < fz.vq.last_avail)
			u += fz.vq.size;
		if (head >= fz.vq.size)
			FZ_CHECK(ret == -VIRTQ_ERR_BAD_HEAD);
		else if (!fz_pk_chain(u, &nd, &id))
			FZ_CHECK(ret == -VIRTQ_ERR_AVAIL_FLIP && c.ndesc == 0);
		else
			FZ_CHECK(c.ndesc == nd && c.head == id &&
				 (ret != 0 || id < fz.vq.size));
	} else if (!fz.packed) {
		FZ_CHECK(c.head == head);
	}
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
			/* Read it all: ASan checks the bounds. */
			for (k = 0; k < v->len; k += n) {
				n = RTE_MIN(v->len - k, (uint32_t)sizeof(scratch));
				memcpy(scratch, v->addr + k, n);
			}
		}
		FZ_CHECK(sum == c.len);
		if (!writable)
			FZ_CHECK(c.len != 0);
	}
	fz_check_writes(0);
}

/*
 * Packed: the driver makes up to @p cnt descriptors available, its
 * buffers of each slot (the input's descriptor ring, as fz_op_desc()
 * changed it) marked available in the lap of each position, from where
 * it stopped (or the device's avail position, if that is further): no
 * more than a ring ahead of the device's used position, as a driver
 * only reuses what came back.
 */
static void
fz_pk_post(uint16_t cnt)
{
	struct vring_packed_desc *ring = (struct vring_packed_desc *)fz.reg[FZ_R_DESC].gw;
	uint64_t u = RTE_MAX(fz.pk_drv, fz.pk_avail), end = fz.pk_used + fz.vq.size;

	if (fz.vq.broken)
		return;
	for (; cnt != 0 && u < end; cnt--, u++) {
		uint16_t slot = u % fz.vq.size;

		ring[slot] = fz.pk_tmpl[slot];
		ring[slot].flags = (fz.pk_tmpl[slot].flags & FZ_PK_F_CHAIN) |
			(fz_pk_wrap(u) ? FZ_PK_F_AVAIL : FZ_PK_F_USED);
	}
	fz.pk_drv = u;
	FZ_TRACE("post: driver at %" PRIu64 " (device avail %" PRIu64 " used %" PRIu64 ")",
		 fz.pk_drv, fz.pk_avail, fz.pk_used);
}

/*
 * Packed: the target's positions from the queue's vring bases, after
 * virtq_init(): the used one first, the avail one at most two laps after
 * it, the driver's at the device's; what the bases say was taken beyond
 * the chains the queue still owes is the gap fz_pk_check_used() keeps.
 */
static void
fz_pk_reset(void)
{
	uint64_t span = 2 * (uint64_t)fz.vq.size;
	uint16_t a, u;

	virtq_get_base(&fz.vq, &a, &u);
	fz.pk_used = fz_pk_lin(u);
	fz.pk_avail = fz.pk_used + (fz_pk_lin(a) + span - fz.pk_used) % span;
	fz.pk_drv = fz.pk_avail;
	fz.pk_gap = (int64_t)(fz.pk_avail - fz.pk_used - fz_zq_owed_desc());
}

/* Packed: a vring base for a ring of @p size, its index made < size
 * unless the input asks for them raw. */
static uint16_t
fz_pk_base(uint16_t v, uint16_t size)
{
	return fz.pk_raw_base ? v : (v & 0x8000) | (v & 0x7fff) % size;
}

/* Packed: does a queue of @p size start broken with these bases? */
static bool
fz_pk_bad_base(uint16_t a, uint16_t u, uint16_t size)
{
	return (a & 0x7fff) >= size || (u & 0x7fff) >= size;
}

/*
 * Re-initialise, as after SET_VRING_BASE or a new memory table: n bit 0
 * sets last_avail = arg, bit 1 last_used = arg, bit 2 takes features from
 * x (and host tx offloads from n bit 7); size >>= y % 9. Zero-copy: as the
 * input configures it, or (n bit 3) the other way round (off, or on from
 * VIRTQ_ZC_COPY_LEN + 1); bit 4 counts new chains on the other zc_pin (a
 * new memory table); bit 5 drains first, bit 6 orphans first (the rings
 * go away). Chains out carry over into a queue of the same size with
 * zero-copy; otherwise the state is orphaned first, as the vhost port
 * does (virtq_init() would leave it to the mbufs).
 */
static void
fz_op_reinit(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	struct virtq_params p;
	uint64_t features = fz.vq.features;
	uint16_t size = fz.packed ? fz.alloc_size - y % fz.alloc_size : fz.alloc_size >> (y % 9);
	bool carry, zc_want = (fz.zc_cfg_min != 0) != !!(n & 8), broken = false;
	uint32_t zmin = !zc_want ? 0 : fz.zc_cfg_min != 0 ? fz.zc_cfg_min :
		VIRTQ_ZC_COPY_LEN + 1;
	int ret;

	if (size == 0)
		size = 1;
	if (n & 4) {
		/* The layout stays (a packed ring keeps RING_PACKED and IN_ORDER). */
		features = fz_features(x) | ((n & 0x80) ? FZ_HOST_OFFLOADS : 0) |
			fz.pk_features;
		/* The event fields must have room in the rings. */
		if (!fz.event_room)
			features &= ~(1ULL << VIRTIO_RING_F_EVENT_IDX);
	}
	if ((n & 16) && fz.pin_cur >= 0)
		fz.pin_cur ^= 1;
	if (n & 32)
		fz_zc_drain();
	if (n & 64)
		fz_zc_orphan();
	if ((zmin == 0 || size != fz.vq.size) && fz_zq_busy())
		fz_zc_orphan();
	carry = zmin != 0 && fz_zq_busy();
	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = size;
	p.last_avail = (n & 1) ? arg : fz.vq.last_avail;
	p.last_used = (n & 2) ? arg : fz.vq.last_used;
	if (fz.packed) {
		uint16_t a, u;

		/* Bases with their wrap counters; past the ring, a broken queue. */
		virtq_get_base(&fz.vq, &a, &u);
		p.last_avail = fz_pk_base((n & 1) ? arg : a, size);
		p.last_used = fz_pk_base((n & 2) ? arg : u, size);
		broken = fz_pk_bad_base(p.last_avail, p.last_used, size);
	}
	p.features = features;
	p.mem = &fz.mem;
	p.callfd = fz.vq.callfd;
	p.log = fz.log_on ? &fz_log_ops : NULL;
	p.log_ctx = &fz;
	p.zcopy_min = zmin;
	p.zcopy_max = fz.zc_cfg_max;
	p.zc_pin = fz_pin_ptr();
	fz_snap();
	fz.sig_valid = false;
	ret = virtq_init(&fz.vq, &p);
	FZ_TRACE("reinit size %u avail %u used %u features %#" PRIx64 " zcopy_min %u%s",
		 size, p.last_avail, p.last_used, features, zmin, carry ? " (carried)" : "");
	FZ_CHECK(ret == 0);
	FZ_CHECK(fz.vq.size == size && fz.vq.broken == broken && fz.vq.nb_shadow == 0);
	/* Kicks off, but on a broken queue (which writes nothing: the device
	 * area stays as it was). */
	if (!broken)
		fz.kick = FZ_KICK_OFF;
	fz_zq_start(zmin, size, carry);
	if (fz.packed)
		fz_pk_reset();
	FZ_CHECK(fz.vq.zc_min == fz_zc_min_of(zmin));
	fz_check_writes(1u << FZ_R_USED);
}

/* Guest writes descriptor n & mask: an address in region x % 6 (offset
 * arg, possibly past its end), len y * 8 (or the whole region when y is
 * 255), flags from x >> 3, next n + 1. Packed: slot n % size, buffer id
 * n, flags NEXT, WRITE and INDIRECT from x >> 3 and AVAIL and USED from
 * x bits 6 and 7 as they are (whatever lap that makes it available in);
 * the driver's buffer in that slot (fz_pk_post()) becomes this one. */
static void
fz_op_desc(uint8_t n, uint16_t arg, uint8_t x, uint8_t y)
{
	struct vring_desc *d = (struct vring_desc *)fz.reg[FZ_R_DESC].gw;
	const struct fz_region *r = &fz.reg[x % FZ_R_MAX];
	uint16_t i = n & (fz.alloc_size - 1);

	if (fz.packed) {
		struct vring_packed_desc *pd = (struct vring_packed_desc *)fz.reg[FZ_R_DESC].gw;
		struct vring_packed_desc *t = &fz.pk_tmpl[n % fz.alloc_size];

		t->addr = r->gpa + arg;
		t->len = y == 255 ? r->size : (uint32_t)y * 8;
		t->id = n;
		t->flags = (x >> 3) & FZ_PK_F_CHAIN;
		pd[n % fz.alloc_size] = *t;
		pd[n % fz.alloc_size].flags |= ((x & 0x40) ? FZ_PK_F_AVAIL : 0) |
			((x & 0x80) ? FZ_PK_F_USED : 0);
		FZ_TRACE("desc %u: %#x", n % fz.alloc_size, pd[n % fz.alloc_size].flags);
		return;
	}

	d[i].addr = r->gpa + arg;
	d[i].len = y == 255 ? r->size : (uint32_t)y * 8;
	d[i].flags = (x >> 3) & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE |
				 VRING_DESC_F_INDIRECT);
	d[i].next = (uint16_t)(i + 1) & (fz.alloc_size - 1);
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

/* virtq_init() refuses bad parameters and allocates nothing (zero-copy
 * state included). */
static void
fz_op_init_bad(uint8_t n, uint16_t arg)
{
	struct virtq scratch;
	struct virtq_params p;
	uint32_t pin = 0;
	int ret;

	memset(&scratch, 0, sizeof(scratch));
	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = fz.alloc_size;
	p.mem = &fz.mem;
	p.callfd = -1;
	p.zcopy_min = VIRTQ_ZC_COPY_LEN + 1;
	p.zc_pin = &pin;
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
	FZ_CHECK(ret == -EINVAL && scratch.shadow == NULL && scratch.zc == NULL);
	virtq_fini(&scratch);
	FZ_CHECK(pin == 0);
	fz_check_writes(0);
}

/*
 * virtq_notify_enable(), or (@p n & 1) virtq_notify_disable(), against
 * their contract. Enable arms kicks (split: NO_NOTIFY cleared or, under
 * EVENT_IDX, avail_event = last_avail; packed: the device area's ENABLE)
 * and returns whether the owner must not sleep: chains of zero-copy still
 * owe used entries (taken, not yet handed back, freed or not), or the ring
 * has a buffer to take (split: the avail index moved; packed: the
 * descriptor at the avail position is available in its lap); an avail
 * index more than a ring ahead turns kicks off again and returns true.
 * Disable turns them off. Either writes that one field and nothing else
 * (dirty-logged, split), moves no index, counts and calls nothing, and
 * collects nothing of zero-copy; on a broken queue, writes nothing at all,
 * and enable returns false.
 */
static void
fz_op_notify(uint8_t n)
{
	static uint8_t want[sizeof(struct vring_used) + sizeof(struct vring_used_elem) *
			    (1 << FZ_MAX_SIZE_LOG2) + 2] __rte_aligned(8);
	const struct fz_region *u = &fz.reg[FZ_R_USED];
	bool enable = !(n & 1), ret = false, expect = false;
	uint8_t kick = FZ_KICK_OFF;
	uint16_t a0, u0, a1, u1, pending = 0;
	struct fz_before b;

	fz_before_take(&b);
	virtq_get_base(&fz.vq, &a0, &u0);
	fz_snap();
	if (enable && !b.broken) {
		kick = FZ_KICK_ON;
		if (fz.zq_on && fz.zq_first != fz.nchains) {
			expect = true;
		} else if (fz.packed) {
			const struct vring_packed_desc *d =
				&fz_pk_snap_ring()[fz.pk_avail % fz.vq.size];

			expect = fz_pk_avail(d->flags, fz_pk_wrap(fz.pk_avail));
		} else {
			pending = b.avail_idx - b.last_avail;
			expect = pending != 0;
			if (pending > b.size)
				kick = FZ_KICK_OFF;
		}
	}
	if (enable)
		ret = virtq_notify_enable(&fz.vq);
	else
		virtq_notify_disable(&fz.vq);
	FZ_TRACE("notify %s: %d (expected %d, %u owed%s)", enable ? "enable" : "disable", ret,
		 expect, fz.nchains - fz.zq_first, kick == FZ_KICK_ON ? ", kicks on" : "");
	if (ret != expect)
		fz_fail(__LINE__, expect ? "virtq_notify_enable() false, with work there" :
			"virtq_notify_enable() true, with nothing to do");
	virtq_get_base(&fz.vq, &a1, &u1);
	FZ_CHECK(a1 == a0 && u1 == u0 && fz.vq.size == b.size && fz.vq.broken == b.broken);
	FZ_CHECK(fz.vq.nb_shadow == 0);
	FZ_CHECK(memcmp(&fz.vq.stats, &b.st, sizeof(b.st)) == 0);
	if (b.broken) {
		fz_check_writes(0);
		return;
	}
	fz.kick = kick;
	/* Exactly the one field, as the contract says. */
	memcpy(want, u->snap, u->size);
	if (fz.packed)
		((struct vring_packed_desc_event *)want)->flags = kick == FZ_KICK_OFF ?
			VRING_PACKED_EVENT_FLAG_DISABLE : VRING_PACKED_EVENT_FLAG_ENABLE;
	else if (fz.vq.event_idx)
		*fz_avail_event(want) = fz.vq.last_avail - (kick == FZ_KICK_OFF);
	else if (kick == FZ_KICK_OFF)
		((struct vring_used *)want)->flags |= VRING_USED_F_NO_NOTIFY;
	else
		((struct vring_used *)want)->flags &= ~VRING_USED_F_NO_NOTIFY;
	if (memcmp(want, u->buf, u->size) != 0)
		fz_fail(__LINE__, fz.packed ? "device area not as the kick asked" :
			"used ring not as the kick asked (flags, avail_event, nothing else)");
	fz_check_writes(1u << FZ_R_USED);
}

/* Run one operation of the input. */
static void
fz_op(const uint8_t *op)
{
	uint8_t kind = op[0] % FZ_OP_MAX, n = op[1], x = op[4], y = op[5];
	uint16_t arg = fz_u16(op + 2);

	switch (kind) {
	case FZ_OP_DEQUEUE:
		fz_op_dequeue(n, arg, y);
		break;
	case FZ_OP_ENQUEUE:
		fz_op_enqueue(n, arg, x, y);
		break;
	case FZ_OP_WALK:
		fz_op_walk(arg, n & 1);
		break;
	case FZ_OP_AVAIL_ADD:
		if (fz.packed) {
			fz_pk_post(arg);
			break;
		}
		fz_avail_w()->idx += arg;
		FZ_TRACE("avail idx += %u", arg);
		break;
	case FZ_OP_GUEST_EVENT:
		if (fz.packed) {
			/* The driver area: flags n, off_wrap arg. */
			struct vring_packed_desc_event *ev = (void *)fz.reg[FZ_R_AVAIL].gw;

			ev->off_wrap = arg;
			ev->flags = n;
			break;
		}
		fz_avail_w()->flags = n;
		/* used_event sits after the ring of the queue's current size. */
		if (fz.event_room || fz.vq.size < fz.alloc_size)
			fz_avail_w()->ring[fz.vq.size] = arg;
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
	case FZ_OP_FREE:
		fz_op_free(n, arg, x, y);
		break;
	case FZ_OP_REF:
		fz_op_ref(n, arg, x, y);
		break;
	case FZ_OP_ZC_MIN:
		fz_op_zc_min(n, arg);
		break;
	case FZ_OP_ZC_DRAIN:
		fz_op_zc_drain(n);
		break;
	case FZ_OP_ZC_ORPHAN:
		if (!(n & 1))
			fz_zc_orphan();
		fz_zc_reap();
		break;
	case FZ_OP_NOTIFY:
		fz_op_notify(n);
		break;
	default:
		break;
	}
}

/*
 * The end of an input: every held packet freed, then what is owed handed
 * back by a drain (a broken queue cannot drain: its state is orphaned) and
 * every orphaned state reaped; nothing is out any more.
 */
static void
fz_zc_end(void)
{
	uint32_t i;

	fz_snap();
	for (i = 0; i < fz.nheld; i++)
		fz_held_release(i);
	fz.nheld = 0;
	fz_check_writes(0);
	if (fz.zq_on) {
		fz_zc_drain();
		if (!fz.vq.broken)
			FZ_CHECK(fz.zq_first == fz.nchains && virtq_zc_inflight(&fz.vq) == 0);
		else
			fz_zc_orphan();
	}
	fz_zc_reap();
	FZ_CHECK(fz.norph == 0);
	FZ_CHECK(fz.pin[0] == 0 && fz.pin[1] == 0);
	fz_check_zc();
}

/* One input: build guest memory and a queue, run the operations, tear down. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t cfg[FZ_HDR_LEN + FZ_PK_CFG_LEN] = { 0 };
	struct virtq_stats acc;
	struct virtq_params p;
	uint64_t features;
	uint16_t ring_size;
	int i, ret;

	memcpy(cfg, data, RTE_MIN(size, sizeof(cfg)));
	memset(&fz, 0, sizeof(fz));
	fz.packed = !!(cfg[0] & FZ_PACKED);
	features = fz_features(cfg[1]) | ((cfg[7] & 0x80) ? FZ_HOST_OFFLOADS : 0);
	if (fz.packed) {
		/* Any size; no event fields to make room for. */
		ring_size = cfg[FZ_HDR_LEN] + 1;
		fz.pk_features = 1ULL << VIRTIO_F_RING_PACKED |
			((cfg[FZ_HDR_LEN + 1] & FZ_PK_IN_ORDER) ? 1ULL << VIRTIO_F_IN_ORDER : 0);
		fz.pk_raw_base = !!(cfg[FZ_HDR_LEN + 1] & FZ_PK_RAW_BASE);
		features |= fz.pk_features;
		fz.event_room = true;
	} else {
		ring_size = 1u << ((cfg[0] & ~FZ_PACKED) % (FZ_MAX_SIZE_LOG2 + 1));
		fz.event_room = !!(features & (1ULL << VIRTIO_RING_F_EVENT_IDX));
	}
	fz.alloc_size = ring_size;
	fz_guest_desc_rw(fz.packed);
	fz.log_on = !!(cfg[1] & 0x10);
	switch (cfg[6] & 3) {
	case 0:
		fz.zc_cfg_min = 0;
		break;
	case 2:
		fz.zc_cfg_min = UINT32_MAX;
		break;
	default:
		fz.zc_cfg_min = 64u * (cfg[6] >> 3) + 1;
		break;
	}
	fz.zc_cfg_max = cfg[7] & 0x3f;
	fz.pin_cur = (cfg[6] & 4) ? -1 : 0;
	if (fz_mem_build(ring_size, fz.event_room, data, size) < 0) {
		fz_mem_free();
		return 0;
	}
	fz.mem.dma = !!(cfg[7] & 0x40);
	/* The used index starts where the device will fill from. */
	if (!fz.packed)
		((struct vring_used *)fz.reg[FZ_R_USED].gw)->idx = fz_u16(cfg + 4);

	memset(&p, 0, sizeof(p));
	p.desc = (struct vring_desc *)fz.reg[FZ_R_DESC].buf;
	p.avail = fz_avail();
	p.used = fz_used();
	p.size = ring_size;
	p.last_avail = fz_u16(cfg + 2);
	p.last_used = fz_u16(cfg + 4);
	if (fz.packed) {
		p.last_avail = fz_pk_base(p.last_avail, ring_size);
		p.last_used = fz_pk_base(p.last_used, ring_size);
		fz.pk_broken = fz_pk_bad_base(p.last_avail, p.last_used, ring_size);
	}
	p.features = features;
	p.mem = &fz.mem;
	p.callfd = (cfg[1] & 0x20) ? -1 : fz_callfd;
	p.log = fz.log_on ? &fz_log_ops : NULL;
	p.log_ctx = &fz;
	p.zcopy_min = fz.zc_cfg_min;
	p.zcopy_max = fz.zc_cfg_max;
	p.zc_pin = fz_pin_ptr();
	fz_snap();
	ret = virtq_init(&fz.vq, &p);
	FZ_TRACE("init size %u features %#" PRIx64 " log %d zcopy_min %u max %u pin %d",
		 ring_size, features, fz.log_on, fz.zc_cfg_min, fz.zc_cfg_max, fz.pin_cur);
	FZ_CHECK(ret == 0);
	if (fz.packed) {
		/* The bases come back as given; past the ring, the queue starts
		 * broken (and writes nothing). */
		uint16_t a, u;

		virtq_get_base(&fz.vq, &a, &u);
		FZ_CHECK(a == p.last_avail && u == p.last_used);
		FZ_CHECK(fz.vq.broken == fz.pk_broken);
		fz.kick = fz.vq.broken ? FZ_KICK_ANY : FZ_KICK_OFF;
		fz_pk_reset();
		fz_pk_check_device_area(false);
	} else {
		FZ_CHECK(fz.vq.last_avail == p.last_avail && fz.vq.last_used == p.last_used);
		fz.kick = FZ_KICK_OFF;
		fz_check_kicks();
	}
	fz_zq_start(fz.zc_cfg_min, ring_size, false);
	FZ_CHECK(fz.vq.zc_min == fz_zc_min_of(fz.zc_cfg_min));
	fz_check_writes(1u << FZ_R_USED);

	for (i = 0; i < FZ_NOPS; i++) {
		fz_op(cfg + FZ_CFG_LEN + i * FZ_OP_LEN);
		fz_check_kicks();
		fz_check_zc();
		fz_check_pools();
	}

	fz_zc_end();
	/* virtq_stats_acc() adds up every counter. */
	memset(&acc, 0, sizeof(acc));
	virtq_stats_acc(&acc, &fz.vq.stats);
	FZ_CHECK(memcmp(&acc, &fz.vq.stats, sizeof(acc)) == 0);
	virtq_fini(&fz.vq);
	FZ_CHECK(fz.vq.shadow == NULL && fz.vq.zc == NULL);
	fz_mem_free();
	fz_check_pools();
	/* Whatever wrote the eventfd without counting a call shows here. */
	FZ_CHECK(fz_calls_read() == 0);
	return 0;
}
