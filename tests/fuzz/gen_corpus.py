#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Write the seed inputs of tests/fuzz/corpus/ for fuzz_virtq.

The input layout is the one described at the top of fuzz_virtq.c: an
8-byte configuration (with zero-copy in bytes 6 and 7), 8 operations of 6
bytes, the descriptor table, the avail ring, then the bytes of buffer
region A (tiled over A, B and C: region B's bytes follow A's). A packed
ring (bit 7 of byte 0) has two more configuration bytes after the
operations (ring size - 1; IN_ORDER, raw vring bases), then its
descriptor ring and the driver event area (4 bytes) instead of the table
and the avail ring.

    tests/fuzz/gen_corpus.py [OUTDIR]   (default: tests/fuzz/corpus)

Every seed must pass: a seed that finds a bug belongs in tests/fuzz/crashes/.
"""

import os
import struct
import sys

# Features byte.
EVENT_IDX, INDIRECT, MRG_RXBUF, VERSION_1, LOG, NO_CALL = 1, 2, 4, 8, 0x10, 0x20
GUEST_CSUM, GUEST_TSO = 0x40, 0x80
# Operation kinds.
(NOP, DEQUEUE, ENQUEUE, WALK, AVAIL_ADD, GUEST_EVENT, LOG_SET, REINIT, DESC,
 TRANSLATE, INIT_BAD, FREE, REF, ZC_MIN, ZC_DRAIN, ZC_ORPHAN, NOTIFY) = range(17)
# Notify n: virtq_notify_enable() or virtq_notify_disable().
ENABLE, DISABLE = 0, 1
# Zero-copy configuration, byte 6: mode (on from a threshold, or state but
# off), no zc_pin; the threshold is 64 * t + 1 bytes (zc_min(t)).
ZC_ON, ZC_OFF, ZC_NO_PIN = 1, 2, 4
# Byte 7: zcopy_max in bits 0-5, guest memory DMA-mapped, host tx offloads.
ZC_DMA, HOST_OFFLOADS = 0x40, 0x80
# Dequeue y: pool (big, small, tiny), free the packets at once.
POOL_BIG, POOL_SMALL, POOL_TINY, FREE_AT_ONCE = 0, 1, 2, 4
# Free y: oldest first, newest first, shuffled, from both ends.
OLDEST, NEWEST, SHUFFLED, BOTH_ENDS = range(4)
# Reinit n: zero-copy the other way round, other zc_pin, drain, orphan.
RI_ZC_FLIP, RI_PIN, RI_DRAIN, RI_ORPHAN = 8, 16, 32, 64
# Descriptor flags.
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
# Region gpas.
DESC_GPA, AVAIL_GPA, USED_GPA = 0x1000, 0x2000, 0x3000
A_GPA, B_GPA, C_GPA = 0x10000, 0x13000, 0x20000
A_SIZE = 0x3000
NOPS = 8
MAX_LEN = 8192  # scripts/fuzz.sh runs with -max_len=8192: longer is cut


# Packed rings: byte 0; configuration byte 1 after the operations.
PACKED = 0x80
IN_ORDER, RAW_BASE = 1, 2
# Descriptor flags: available in the lap of wrap counter 1 (AVAIL set,
# USED clear) or 0 (the other way round).
AV1, AV0 = 0x80, 0x8000
# A vring base's wrap counter (bit 15): 1 at the start.
W1 = 0x8000
# Driver event area flags.
EV_ENABLE, EV_DISABLE, EV_DESC = 0, 1, 2


def op(kind, n=0, arg=0, x=0, y=0):
    """One operation: kind, n, arg (u16), x, y."""
    return struct.pack("<BBHBB", kind, n, arg & 0xFFFF, x, y)


def desc(addr, length, flags=0, nxt=0):
    """One struct vring_desc."""
    return struct.pack("<QIHH", addr, length, flags, nxt)


def pdesc(addr, length, id_, flags=AV1):
    """One struct vring_packed_desc."""
    return struct.pack("<QIHH", addr, length, id_, flags)


def pk_seed(size, features, ops, descs, last_avail=W1, last_used=W1, pk=0,
            event=(0, EV_ENABLE), data=b"", zc=0, zc_max=0):
    """A packed ring of any size 1..256: descs from slot 0 on, the driver
    event area (off_wrap, flags), data the first bytes of region A."""
    assert 1 <= size <= 256 and len(ops) <= NOPS and len(descs) <= size
    out = struct.pack("<BBHHBB", PACKED, features, last_avail, last_used,
                      zc, zc_max)
    out += b"".join(ops) + op(NOP) * (NOPS - len(ops))
    out += struct.pack("<BB", size - 1, pk)
    table = b"".join(descs)
    out += table + bytes(16 * size - len(table))
    out += struct.pack("<HH", *event)
    out += data
    assert len(out) <= MAX_LEN
    return out


def zc_min(t):
    """Byte 6 bits for a zero-copy threshold of 64 * t + 1 bytes."""
    assert 0 <= t < 32
    return t << 3


def seed(size_log2, features, last_avail, last_used, ops, descs, avail_idx,
         ring, avail_flags=0, used_event=0, data=b"", zc=0, zc_max=0):
    """A whole input; data are the first bytes of region A; zc and zc_max
    the configuration bytes 6 and 7."""
    size = 1 << size_log2
    assert len(ops) <= NOPS and len(descs) <= size and len(ring) <= size
    out = struct.pack("<BBHHBB", size_log2, features, last_avail, last_used,
                      zc, zc_max)
    out += b"".join(ops) + op(NOP) * (NOPS - len(ops))
    table = b"".join(descs)
    out += table + bytes(16 * size - len(table))
    ring = list(ring) + [0] * (size - len(ring))
    out += struct.pack("<HH%dHH" % size, avail_flags, avail_idx & 0xFFFF,
                       *ring, used_event)
    out += data
    assert len(out) <= MAX_LEN
    return out


def net_hdr(flags=0, gso_type=0, hdr_len=0, gso_size=0, csum_start=0,
            csum_offset=0, num_buffers=0):
    """struct virtio_net_hdr_mrg_rxbuf (12 bytes)."""
    return struct.pack("<BBHHHHH", flags, gso_type, hdr_len, gso_size,
                       csum_start, csum_offset, num_buffers)


def packet(proto, payload=32):
    """Ethernet + IPv4 + TCP (6) / UDP (17) / ICMP (1) with some payload."""
    l4 = {6: 20, 17: 8, 1: 8}[proto]
    eth = bytes.fromhex("525400000002525400000001") + b"\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + l4 + payload, 1, 0x4000,
                     64, proto, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    if proto == 6:
        l4h = struct.pack("!HHIIBBHHH", 1234, 80, 1, 0, 5 << 4, 0x18, 512, 0, 0)
    elif proto == 17:
        l4h = struct.pack("!HHHH", 1234, 53, 8 + payload, 0)
    else:
        l4h = struct.pack("!BBHHH", 8, 0, 0, 1, 1)
    return eth + ip + l4h + bytes((i * 7) & 0xFF for i in range(payload))


def place(chunks):
    """Region A contents from (offset, bytes) pairs."""
    end = max(off + len(b) for off, b in chunks)
    buf = bytearray(end)
    for off, b in chunks:
        buf[off:off + len(b)] = b
    return bytes(buf)


def seeds():
    """name -> input."""
    s = {}
    udp = packet(17)

    # One good transmit chain of one descriptor.
    s["tx_single"] = seed(
        3, VERSION_1 | EVENT_IDX, 0, 0,
        [op(DEQUEUE, 32), op(WALK, 0, 0), op(DEQUEUE, 32)],
        [desc(A_GPA, 12 + len(udp))], 1, [0],
        data=place([(0, net_hdr() + udp)]))

    # Offloads: hardware TCP checksum, software ICMP checksum, TCPv4 GSO,
    # each a header descriptor plus a packet descriptor; small mbufs.
    tcp, icmp = packet(6, 200), packet(1, 40)
    s["tx_offload"] = seed(
        3, VERSION_1 | NO_CALL, 0, 0,
        [op(DEQUEUE, 4, 0, 0, 1), op(DEQUEUE, 4)],
        [desc(A_GPA, 12, F_NEXT, 1), desc(A_GPA + 0x40, len(tcp)),
         desc(A_GPA + 0x200, 12, F_NEXT, 3), desc(A_GPA + 0x240, len(icmp)),
         desc(A_GPA + 0x300, 12, F_NEXT, 1)],
        3, [0, 2, 4],
        data=place([(0, net_hdr(1, 0, 0, 0, 34, 16)), (0x40, tcp),
                    (0x200, net_hdr(1, 0, 0, 0, 34, 2)), (0x240, icmp),
                    (0x300, net_hdr(1, 1, 54, 1448, 34, 16))]))

    # An indirect table of three buffers: header, a piece crossing from
    # region A into region B (gpa-adjacent, not host-adjacent), one in C.
    s["tx_indirect"] = seed(
        2, VERSION_1 | INDIRECT, 0, 0,
        [op(WALK, 0, 0), op(DEQUEUE, 8, 0, 0, 1), op(AVAIL_ADD, 0, 1),
         op(DEQUEUE, 8), op(TRANSLATE, 0, 0x2ff0, 3, 1),
         op(TRANSLATE, 5, 0xfff0, 4, 2), op(INIT_BAD, 0, 6)],
        [desc(A_GPA + 0x100, 48, F_INDIRECT)], 1, [0, 0],
        data=place([(0x100, desc(A_GPA + 0x200, 12, F_NEXT, 1) +
                     desc(A_GPA + A_SIZE - 20, 100, F_NEXT, 2) +
                     desc(C_GPA, 40, 0, 0)),
                    (0x200, net_hdr())]))

    # Mergeable rx buffers: eight 256-byte buffers, two 600-byte packets
    # (three buffers each), then TSO packets; dirty logging on.
    s["rx_mrg"] = seed(
        4, VERSION_1 | MRG_RXBUF | EVENT_IDX | LOG | GUEST_CSUM | GUEST_TSO, 0, 0,
        [op(ENQUEUE, 2, 600), op(GUEST_EVENT, 0, 3),
         op(ENQUEUE, 2, 100, 0, 3 << 2), op(WALK, 1, 6)],
        [desc(A_GPA + i * 0x100, 256, F_WRITE) for i in range(8)],
        8, list(range(8)), used_event=1)

    # One buffer per packet: two single buffers and a two-descriptor chain
    # across regions B and C; three packets in small mbufs, then one that
    # does not fit.
    s["rx_single"] = seed(
        2, VERSION_1 | GUEST_CSUM, 0, 0,
        [op(ENQUEUE, 3, 60, 12, 1), op(ENQUEUE, 1, 1600), op(LOG_SET, 1),
         op(AVAIL_ADD, 0, 1), op(ENQUEUE, 2, 1000, 0, 1 << 2)],
        [desc(A_GPA, 1526, F_WRITE), desc(A_GPA + 0x800, 1526, F_WRITE),
         desc(B_GPA + 0x1f00, 0x100, F_WRITE | F_NEXT, 3),
         desc(C_GPA, 2000, F_WRITE)],
        3, [0, 1, 2, 0])

    # Indices about to wrap past 65535, event index, a call each burst.
    hdr_pkt = net_hdr() + packet(17, 20)
    s["tx_wrap"] = seed(
        2, VERSION_1 | EVENT_IDX, 0xFFFE, 0xFFFE,
        [op(DEQUEUE, 2), op(GUEST_EVENT, 0, 0xFFFF), op(DEQUEUE, 2),
         op(AVAIL_ADD, 0, 2), op(DEQUEUE, 8), op(REINIT, 3, 0xFFFF)],
        [desc(A_GPA + i * 0x80, len(hdr_pkt)) for i in range(4)],
        0x0002, [2, 3, 0, 1], used_event=0xFFFE,
        data=place([(i * 0x80, hdr_pkt) for i in range(4)]))

    # Malformed chains: a loop, an address in no region, a write buffer in
    # a tx chain, nested indirect, a zero length, a next out of range.
    s["tx_bad"] = seed(
        3, VERSION_1 | INDIRECT, 0, 0,
        [op(DEQUEUE, 8), op(WALK, 0, 3), op(WALK, 0, 7)],
        [desc(A_GPA, 12, F_NEXT, 0), desc(0x5000, 64), desc(A_GPA, 64, F_WRITE),
         desc(A_GPA + 0x100, 16, F_INDIRECT), desc(A_GPA, 0),
         desc(A_GPA, 12, F_NEXT, 200), desc(A_GPA + 0x3000 - 8, 64),
         desc(A_GPA + 0x100, 32, F_INDIRECT | F_NEXT, 1)],
        8, list(range(8)),
        data=place([(0x100, desc(A_GPA + 0x100, 16, F_INDIRECT))]))

    # An avail index too far ahead breaks the queue; re-initialising
    # (as after SET_VRING_BASE) repairs it.
    s["avail_jump"] = seed(
        3, VERSION_1, 0, 0,
        [op(DEQUEUE, 8), op(ENQUEUE, 1, 60), op(REINIT, 1, 95),
         op(DEQUEUE, 8)],
        [desc(A_GPA, 12 + len(udp))], 100, [0] * 8,
        data=place([(0, net_hdr() + udp)]))

    # Adaptive polling, no EVENT_IDX (VRING_USED_F_NO_NOTIFY): enable
    # finds the chain there, a burst takes it (kicks off); enable finds
    # nothing, an empty burst leaves kicks on; the guest posts another,
    # enable finds it, disable turns kicks off, a burst takes it.
    s["notify_split"] = seed(
        2, VERSION_1 | LOG, 0, 0,
        [op(NOTIFY, ENABLE), op(DEQUEUE, 8), op(NOTIFY, ENABLE), op(DEQUEUE, 8),
         op(AVAIL_ADD, 0, 1), op(NOTIFY, ENABLE), op(NOTIFY, DISABLE), op(DEQUEUE, 8)],
        [desc(A_GPA, 12 + len(udp)), desc(A_GPA + 0x100, 12 + len(udp))],
        1, [0, 1],
        data=place([(0, net_hdr() + udp), (0x100, net_hdr() + udp)]))

    s.update(zc_seeds())
    s.update(pk_seeds())
    return s


def pk_seeds():
    """Packed ring seeds: name -> input."""
    s = {}
    pkt = net_hdr() + packet(17, 20)
    big = net_hdr() + packet(17, 1000)

    # The batch path: eight single-descriptor chains, two cache lines of
    # four; the driver posts them again (the lap of wrap counter 0) and the
    # next bursts take them by four, then three alone (a burst of three),
    # then the rest from a position off the line's start.
    s["pk_tx_batch"] = pk_seed(
        8, VERSION_1,
        [op(DEQUEUE, 8), op(AVAIL_ADD, 0, 8), op(DEQUEUE, 8), op(AVAIL_ADD, 0, 8),
         op(DEQUEUE, 3), op(DEQUEUE, 8), op(WALK, 0, 1)],
        [pdesc(A_GPA + i * 0x80, len(pkt), i) for i in range(8)],
        data=place([(i * 0x80, pkt) for i in range(8)]))

    # A ring of 5: a chain of two (header, then packet), an indirect one
    # (header, a piece from the end of A into B, one in C), two singles;
    # event index, the driver asking for a call at slot 3 of the first
    # lap, then at slot 1 of the next.
    s["pk_tx_chains"] = pk_seed(
        5, VERSION_1 | INDIRECT | EVENT_IDX,
        [op(WALK, 0, 2), op(WALK, 0, 0), op(DEQUEUE, 2), op(DEQUEUE, 8),
         op(GUEST_EVENT, EV_DESC, 0x0001), op(AVAIL_ADD, 0, 5), op(DEQUEUE, 8)],
        [pdesc(A_GPA, 12, 9, AV1 | F_NEXT), pdesc(A_GPA + 0x40, len(pkt) - 12, 0),
         pdesc(A_GPA + 0x400, 48, 1, AV1 | F_INDIRECT),
         pdesc(A_GPA + 0x800, len(pkt), 2), pdesc(A_GPA + 0x880, len(pkt), 3)],
        event=(W1 | 3, EV_DESC),
        data=place([(0, net_hdr()), (0x40, pkt[12:]),
                    (0x400, pdesc(A_GPA + 0x600, 12, 0, 0) +
                     pdesc(A_GPA + A_SIZE - 20, 100, 0, 0) +
                     pdesc(C_GPA, 40, 0, 0)),
                    (0x600, net_hdr()), (0x800, pkt), (0x880, pkt)]))

    # Chains across the ring's end (a ring of 3 from slot 2, wrap counter
    # 1): the second descriptor of the first chain is in the next lap; in
    # order, one used descriptor stands for each burst's chains; the
    # driver posts three more, lap after lap.
    s["pk_wrap"] = pk_seed(
        3, VERSION_1 | EVENT_IDX,
        [op(DEQUEUE, 8), op(AVAIL_ADD, 0, 3), op(DEQUEUE, 1), op(DEQUEUE, 8),
         op(AVAIL_ADD, 0, 3), op(DEQUEUE, 8), op(REINIT), op(AVAIL_ADD, 0, 3)],
        [pdesc(A_GPA + 0x40, len(pkt) - 12, 0, AV0),
         pdesc(A_GPA + 0x100, len(pkt), 1, AV0),
         pdesc(A_GPA, 12, 7, AV1 | F_NEXT)],
        last_avail=W1 | 2, last_used=W1 | 2, pk=IN_ORDER,
        data=place([(0, net_hdr()), (0x40, pkt[12:]), (0x100, pkt)]))

    # Receive: four single buffers on a line take four packets together,
    # posted again and filled by four of six packets, then packets too big
    # for a buffer; dirty logging on from the third burst.
    s["pk_rx_batch"] = pk_seed(
        4, VERSION_1,
        [op(ENQUEUE, 4, 60), op(AVAIL_ADD, 0, 4), op(ENQUEUE, 6, 100, 10),
         op(LOG_SET, 1), op(AVAIL_ADD, 0, 4), op(ENQUEUE, 2, 1600), op(ENQUEUE, 2, 60)],
        [pdesc(A_GPA + i * 0x800, 1526, i, AV1 | F_WRITE) for i in range(4)])

    # Mergeable receive buffers: eight of 256 bytes, two 600-byte packets
    # over three each, TSO packets; a two-descriptor buffer across B and
    # C; a call asked for at slot 7.
    s["pk_rx_mrg"] = pk_seed(
        10, VERSION_1 | MRG_RXBUF | EVENT_IDX | LOG | GUEST_CSUM | GUEST_TSO,
        [op(ENQUEUE, 2, 600), op(GUEST_EVENT, EV_DESC, W1 | 7),
         op(ENQUEUE, 2, 100, 0, 3 << 2), op(WALK, 1, 6), op(AVAIL_ADD, 0, 10),
         op(ENQUEUE, 3, 900, 40, 2)],
        [pdesc(A_GPA + i * 0x100, 256, i, AV1 | F_WRITE) for i in range(8)] +
        [pdesc(B_GPA + 0x1f00, 0x100, 8, AV1 | F_WRITE | F_NEXT),
         pdesc(C_GPA, 2000, 9, AV1 | F_WRITE)],
        event=(0, EV_DESC))

    # Bad chains, each given back at its place: a buffer id past the ring,
    # a device-writable buffer, a zero length, a chain cut short (its next
    # descriptor not available), whose slot the guest then fills (DESC:
    # region A, available in the first lap); a nested indirect table; a
    # chain of two; four singles on a line with a buffer id twice (the
    # batch refuses them, the second is head_in_flight).
    s["pk_bad"] = pk_seed(
        12, VERSION_1 | INDIRECT,
        [op(DEQUEUE, 8), op(DESC, 4, 0x200, 0x45, len(pkt) // 8), op(WALK, 0, 4),
         op(DEQUEUE, 8), op(WALK, 0, 11), op(DEQUEUE, 8)],
        [pdesc(A_GPA, len(pkt), 200), pdesc(A_GPA, 64, 1, AV1 | F_WRITE),
         pdesc(A_GPA, 0, 2), pdesc(A_GPA, 12, 3, AV1 | F_NEXT), pdesc(A_GPA, 74, 4, 0),
         pdesc(A_GPA + 0x100, 16, 5, AV1 | F_INDIRECT),
         pdesc(A_GPA, 12, 6, AV1 | F_NEXT), pdesc(A_GPA + 0x8c, len(pkt) - 12, 7),
         pdesc(A_GPA + 0x80, len(pkt), 8), pdesc(A_GPA + 0x80, len(pkt), 8),
         pdesc(A_GPA + 0x80, len(pkt), 9), pdesc(A_GPA + 0x80, len(pkt), 10)],
        data=place([(0x80, pkt), (0x100, pdesc(A_GPA + 0x100, 16, 0, F_INDIRECT)),
                    (0x200, pkt)]))

    # A chain as long as the ring (every descriptor NEXT): too long.
    s["pk_loop"] = pk_seed(
        2, VERSION_1,
        [op(DEQUEUE, 8), op(WALK, 0, 1), op(AVAIL_ADD, 0, 2), op(DEQUEUE, 8)],
        [pdesc(A_GPA, 12, 0, AV1 | F_NEXT), pdesc(A_GPA, 12, 1, AV1 | F_NEXT)],
        data=place([(0, pkt)]))

    # Event suppression: DISABLE (no call), ENABLE (a call), DESC at slot 3
    # of the first lap (no call until the used position passes it, then
    # one; none for the next lap's bursts).
    s["pk_event"] = pk_seed(
        4, VERSION_1 | EVENT_IDX,
        [op(DEQUEUE, 1), op(GUEST_EVENT, EV_ENABLE), op(DEQUEUE, 1),
         op(GUEST_EVENT, EV_DESC, W1 | 3), op(DEQUEUE, 1), op(DEQUEUE, 1),
         op(AVAIL_ADD, 0, 4), op(DEQUEUE, 4)],
        [pdesc(A_GPA + i * 0x80, len(pkt), i) for i in range(4)],
        event=(0, EV_DISABLE), data=place([(i * 0x80, pkt) for i in range(4)]))

    # Zero-copy: four big packets, two zero-copied (the cap is half the
    # ring), two copied behind them; freed newest first, so nothing comes
    # back until the first is; the driver can post nothing until the used
    # descriptors are there; a drain hands everything back; the next lap.
    s["pk_zc"] = pk_seed(
        4, VERSION_1 | EVENT_IDX,
        [op(DEQUEUE, 8), op(FREE, 1, 0, 0, NEWEST), op(DEQUEUE, 8), op(AVAIL_ADD, 0, 4),
         op(FREE, 0, 0, 0, OLDEST), op(ZC_DRAIN), op(AVAIL_ADD, 0, 4), op(DEQUEUE, 8)],
        [pdesc(A_GPA + i * 0x600, len(big), i) for i in range(4)],
        data=place([(i * 0x600, big) for i in range(4)]), zc=ZC_ON | zc_min(2))

    # Zero-copy with a buffer id still out: the driver posts a chain with
    # the id of a held one (head_in_flight, given back at once, but only
    # after the held one: in order) and another; the stall bound
    # outstayed; freed; then orphaned with the ring going away.
    s["pk_zc_busy"] = pk_seed(
        6, VERSION_1,
        [op(DEQUEUE, 2), op(AVAIL_ADD, 0, 2), op(DEQUEUE, 8), op(ZC_DRAIN, 1),
         op(FREE, 2, 0, 0, OLDEST), op(DEQUEUE, 8), op(REINIT, RI_ORPHAN), op(FREE)],
        [pdesc(A_GPA + i * 0x600, len(big), i) for i in range(2)] +
        [pdesc(A_GPA, len(big), 0, 0), pdesc(A_GPA + 0x600, len(big), 3, 0)],
        pk=IN_ORDER, data=place([(i * 0x600, big) for i in range(2)]),
        zc=ZC_ON | zc_min(2))

    # Raw vring bases past the ring: the queue starts broken and does
    # nothing; re-initialised at slot 0 of the first lap, it works.
    s["pk_broken"] = pk_seed(
        5, VERSION_1,
        [op(DEQUEUE, 8), op(ENQUEUE, 2, 60), op(WALK, 0, 0), op(REINIT, 3, W1),
         op(DEQUEUE, 8)],
        [pdesc(A_GPA, len(pkt), 0)], last_avail=W1 | 7, pk=RAW_BASE,
        data=place([(0, pkt)]))

    # Adaptive polling (the device area's ENABLE): enable finds the two
    # chains there, a burst takes them (DISABLE); enable finds the next
    # slot not available, an empty burst leaves ENABLE; the driver posts
    # two more, enable finds them, disable, a burst takes them.
    s["pk_notify"] = pk_seed(
        4, VERSION_1 | EVENT_IDX,
        [op(NOTIFY, ENABLE), op(DEQUEUE, 8), op(NOTIFY, ENABLE), op(DEQUEUE, 8),
         op(AVAIL_ADD, 0, 2), op(NOTIFY, ENABLE), op(NOTIFY, DISABLE), op(DEQUEUE, 8)],
        [pdesc(A_GPA + i * 0x80, len(pkt), i, AV1 if i < 2 else 0) for i in range(4)],
        data=place([(i * 0x80, pkt) for i in range(4)]))

    # A large ring that is not a power of two: 128 chains, two bursts of
    # 64 (batches where four start a line), zero-copied ones held.
    s["pk_many"] = pk_seed(
        200, VERSION_1,
        [op(DEQUEUE, 64), op(DEQUEUE, 64), op(FREE, 0, 0, 0, BOTH_ENDS),
         op(AVAIL_ADD, 0, 200), op(DEQUEUE, 64)],
        [pdesc(A_GPA + i * 0x40, 12 + 200, i) for i in range(128)],
        data=place([(0, net_hdr())]), zc=ZC_ON | zc_min(2))
    return s


def zc_seeds():
    """Zero-copy seeds: name -> input."""
    s = {}
    big, small = packet(17, 1000), packet(17, 20)
    on129 = ZC_ON | zc_min(2)

    # A zero-copied chain, a short one copied behind it, and a chained one
    # across regions A and B (header, then 300 + 300 bytes of whatever the
    # tiling puts there); the packets are held, freed newest first (the
    # third comes back but waits behind the first), then the rest
    # shuffled; a drain hands all back; the guest posts head 0 again three
    # times (taken once, in flight twice).
    s["zc_basic"] = seed(
        3, VERSION_1 | EVENT_IDX, 0, 0,
        [op(DEQUEUE, 8), op(FREE, 1, 0, 0, NEWEST), op(DEQUEUE, 8),
         op(FREE, 0, 0x1234, 0x56, SHUFFLED), op(ZC_DRAIN),
         op(AVAIL_ADD, 0, 3), op(DEQUEUE, 8), op(FREE, 0, 0, 0, BOTH_ENDS)],
        [desc(A_GPA, 12 + len(big)), desc(A_GPA + 0x800, 12 + len(small)),
         desc(A_GPA + 0x1000, 12, F_NEXT, 3),
         desc(A_GPA + A_SIZE - 300, 600)],
        3, [0, 1, 2],
        data=place([(0, net_hdr() + big), (0x800, net_hdr() + small),
                    (0x1000, net_hdr())]),
        zc=on129)

    # The in-flight cap: two of four chains zero-copied, two copied (and
    # counted zc_capped); freeing the copies hands nothing back; freeing
    # the first chain does, up to the second; a clone of the second keeps
    # it out until both are freed. DMA-mapped memory: segments carry IOVAs.
    s["zc_cap"] = seed(
        3, VERSION_1, 0, 0,
        [op(DEQUEUE, 8), op(FREE, 2, 0, 0, NEWEST), op(DEQUEUE, 8),
         op(FREE, 1, 0, 0, OLDEST), op(DEQUEUE, 8), op(REF, 0, 0, 0, 0),
         op(FREE, 1, 0, 0, OLDEST), op(DEQUEUE, 8)],
        [desc(A_GPA + i * 0x600, 12 + len(big)) for i in range(4)],
        4, [0, 1, 2, 3],
        data=place([(i * 0x600, net_hdr() + big) for i in range(4)]),
        zc=on129, zc_max=2 | ZC_DMA)

    # Chains out across a new memory table (the same ring re-initialised,
    # new chains pin the other counter), orphaned with the rings going
    # away, reaped while still out (kept) and after the frees; zero-copy
    # back on a fresh state.
    s["zc_orphan"] = seed(
        2, VERSION_1, 0, 0,
        [op(DEQUEUE, 1), op(REINIT, RI_PIN), op(AVAIL_ADD, 0, 1),
         op(DEQUEUE, 4), op(ZC_ORPHAN), op(FREE, 1, 0, 0, OLDEST),
         op(ZC_ORPHAN, 1), op(REINIT, RI_DRAIN)],
        [desc(A_GPA, 12 + len(big)), desc(A_GPA + 0x800, 12 + len(big))],
        1, [0, 1],
        data=place([(0, net_hdr() + big), (0x800, net_hdr() + big)]),
        zc=on129)

    # Zero-copy state but off: copied and held; turned on at run time
    # (threshold 200), then off with a chain out, so that the next copied
    # chain waits behind it; a ring of a smaller size then orphans what
    # is out.
    s["zc_set_min"] = seed(
        3, VERSION_1 | EVENT_IDX, 0, 0,
        [op(DEQUEUE, 1), op(ZC_MIN, 0, 200), op(DEQUEUE, 1), op(ZC_MIN, 0, 0),
         op(DEQUEUE, 1), op(FREE, 1, 0, 0, OLDEST), op(DEQUEUE, 4),
         op(REINIT, 0, 0, 0, 1)],
        [desc(A_GPA + i * 0x600, 12 + len(big)) for i in range(4)],
        4, [0, 1, 2, 3],
        data=place([(i * 0x600, net_hdr() + big) for i in range(4)]),
        zc=ZC_OFF)

    # Tx headers read (host offloads), zero-copy from 769 bytes: a TCP
    # checksum left to the mbuf flags, an ICMP one completed in the private
    # first segment, one at byte 202 (outside the first 128 bytes: copied,
    # not zero-copied, whatever the packet's length), TCPv4 GSO, a
    # bad GSO type; then copies into 64-byte mbufs (no room for the headers
    # zero-copy keeps).
    tcp, icmp, icmp_s = packet(6, 800), packet(1, 800), packet(1, 300)
    tso = packet(6, 3000)
    s["zc_tx_hdr"] = seed(
        3, VERSION_1, 0, 0,
        [op(DEQUEUE, 8), op(FREE, 0, 7, 9, SHUFFLED), op(AVAIL_ADD, 0, 2),
         op(DEQUEUE, 8, 0, 0, POOL_SMALL), op(ZC_DRAIN)],
        [desc(A_GPA, 12 + len(tcp)), desc(A_GPA + 0x400, 12 + len(icmp)),
         desc(A_GPA + 0x800, 12 + len(icmp)), desc(A_GPA + 0xc00, 12 + len(tso)),
         desc(A_GPA + 0x1800, 12 + len(udp_of(1000))),
         desc(A_GPA + 0x1c40, 12 + len(icmp_s))],
        8, [0, 1, 2, 3, 4, 5, 0, 1],
        data=place([(0, net_hdr(1, 0, 0, 0, 34, 16) + tcp),
                    (0x400, net_hdr(1, 0, 0, 0, 34, 2) + icmp),
                    (0x800, net_hdr(1, 0, 0, 0, 200, 2) + icmp),
                    (0xc00, net_hdr(1, 1, 54, 1448, 34, 16) + tso),
                    (0x1800, net_hdr(0, 5) + udp_of(1000)),
                    (0x1c40, net_hdr(1, 0, 0, 0, 200, 2) + icmp_s)]),
        zc=ZC_ON | zc_min(12), zc_max=HOST_OFFLOADS)

    # A chain out longer than the stall bound: the drain counts the stall,
    # the next chain is copied (zc_capped) until everything is back.
    s["zc_stall"] = seed(
        2, VERSION_1, 0, 0,
        [op(DEQUEUE, 1), op(ZC_DRAIN, 1), op(AVAIL_ADD, 0, 1), op(DEQUEUE, 4),
         op(FREE), op(DEQUEUE, 4), op(AVAIL_ADD, 0, 1), op(DEQUEUE, 4)],
        [desc(A_GPA + i * 0x600, 12 + len(big)) for i in range(3)],
        1, [0, 1, 2],
        data=place([(i * 0x600, net_hdr() + big) for i in range(3)]),
        zc=on129 | ZC_NO_PIN)

    # A chain of four pieces (header, then A, B and C): three external
    # segments; the packet split after its first external segment, the
    # tail cloned, the parts freed one by one: the chain comes back only
    # with the last of its segments.
    s["zc_split"] = seed(
        3, VERSION_1 | INDIRECT, 0, 0,
        [op(DEQUEUE, 8), op(REF, 1, 0, 1), op(REF, 0, 1, 0, 1),
         op(FREE, 1, 0, 0, OLDEST), op(DEQUEUE, 8), op(FREE, 1, 0, 0, NEWEST),
         op(ZC_DRAIN), op(FREE)],
        [desc(A_GPA, 12, F_NEXT, 1), desc(A_GPA + 0x100, 400, F_NEXT, 2),
         desc(B_GPA + 0x100, 500, F_NEXT, 3), desc(C_GPA, 300)],
        1, [0],
        data=place([(0, net_hdr()), (0x100, packet(17, 1158))]),
        zc=on129)

    # Adaptive polling under EVENT_IDX (avail_event): a zero-copied chain
    # held, then freed, still owes its used entry (enable true, nothing
    # collected); an empty burst writes it, leaving kicks on; enable then
    # finds nothing; an avail index jump turns kicks off again (true).
    s["zc_notify"] = seed(
        2, VERSION_1 | EVENT_IDX, 0, 0,
        [op(DEQUEUE, 8), op(NOTIFY, ENABLE), op(FREE), op(NOTIFY, ENABLE),
         op(DEQUEUE, 8), op(NOTIFY, ENABLE), op(AVAIL_ADD, 0, 100), op(NOTIFY, ENABLE)],
        [desc(A_GPA, 12 + len(big))], 1, [0],
        data=place([(0, net_hdr() + big)]), zc=on129)

    # 128 chains out at once (a ring of 256, the cap at half of it), all
    # freed: the next burst collects them 64 at a time.
    s["zc_many"] = seed(
        8, VERSION_1, 0, 0,
        [op(DEQUEUE, 64), op(DEQUEUE, 64), op(FREE, 0, 0, 0, BOTH_ENDS),
         op(DEQUEUE, 8)],
        [desc(A_GPA + i * 0x40, 12 + 200) for i in range(128)],
        128, list(range(128)), data=place([(0, net_hdr())]), zc=on129)

    # Eight mbufs: a burst of seven leaves one for a chain that needs three
    # external segments (left for the next burst), a burst of two has room;
    # a burst of five then finds the pool short, with nothing due back.
    s["zc_mbufs"] = seed(
        3, VERSION_1, 0, 0,
        [op(DEQUEUE, 7, 0, 0, POOL_TINY), op(DEQUEUE, 2, 0, 0, POOL_TINY),
         op(DEQUEUE, 5, 0, 0, POOL_TINY), op(FREE, 0, 0, 0, NEWEST),
         op(DEQUEUE, 8, 0, 0, POOL_TINY)],
        [desc(A_GPA, 12, F_NEXT, 1), desc(A_GPA + 0x100, 300, F_NEXT, 2),
         desc(B_GPA, 300, F_NEXT, 3), desc(C_GPA, 300),
         desc(A_GPA + 0x800, 12 + len(small))],
        7, [0, 4, 4, 4, 4, 4, 4], data=place([(0, net_hdr())]), zc=on129)
    return s


def udp_of(payload):
    """A UDP packet with @p payload bytes."""
    return packet(17, payload)


def regressions():
    """Inputs that once reached engine bugs on the zero-copy dequeue path,
    kept as seeds so that the corpus replay checks them."""
    s = {}
    big = packet(17, 1000)
    # A zero-copied chain freed at once, then an avail index jump: the
    # burst must break the queue without collecting the used entry into
    # the shadow array.
    s["zc-regress-flush-jump"] = seed(
        2, VERSION_1, 0, 0,
        [op(DEQUEUE, 1, 0, 0, FREE_AT_ONCE), op(AVAIL_ADD, 0, 100), op(DEQUEUE, 4),
         op(REINIT, 1, 1)],
        [desc(A_GPA, 12 + len(big))], 1, [0],
        data=place([(0, net_hdr() + big)]), zc=ZC_ON | zc_min(2))
    # A used entry due when the burst's mbufs are not there (8 in the tiny
    # pool, 16 asked for): it must still be written.
    s["zc-regress-flush-mbufs"] = seed(
        5, VERSION_1, 0, 0,
        [op(DEQUEUE, 1, 0, 0, FREE_AT_ONCE), op(AVAIL_ADD, 0, 16),
         op(DEQUEUE, 16, 0, 0, POOL_TINY), op(DEQUEUE, 16)],
        [desc(A_GPA, 12 + len(big))] + [desc(A_GPA + 0x800, 70)] * 16, 1,
        [0] + [1] * 16, data=place([(0, net_hdr() + big)]), zc=ZC_ON | zc_min(2))
    # A zero-copied chain held while bad chains (head 7 of a ring of 4)
    # queue behind it: the burst must stop taking chains once a ring's
    # worth of used entries is owed (else 7 entries go into a shadow array
    # of 4, and the order array wraps over the held chain's entry).
    s["zc-regress-owed"] = seed(
        2, VERSION_1, 0, 0,
        [op(DEQUEUE, 1), op(AVAIL_ADD, 0, 3), op(DEQUEUE, 8), op(AVAIL_ADD, 0, 4),
         op(DEQUEUE, 8)],
        [desc(A_GPA, 12 + len(big))], 1, [0, 7, 7, 7],
        data=place([(0, net_hdr() + big)]), zc=ZC_ON | zc_min(2))
    # Packed: four single-descriptor chains on a cache line, at odd
    # addresses, with host tx offloads (the headers are read): the batch
    # path must not read a header through a misaligned struct pointer.
    pkt = net_hdr() + packet(17, 20)
    s["pk-regress-misaligned-hdr"] = pk_seed(
        4, VERSION_1, [op(DEQUEUE, 4)],
        [pdesc(A_GPA + 1 + i * 0x80, len(pkt), i) for i in range(4)],
        data=place([(1 + i * 0x80, pkt) for i in range(4)]), zc_max=HOST_OFFLOADS)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:]
    out = args[0] if args else os.path.join(here, "corpus")
    os.makedirs(out, exist_ok=True)
    inputs = seeds()
    inputs.update(regressions())
    for name, data in inputs.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
