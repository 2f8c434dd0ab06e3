#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Write the seed inputs of tests/fuzz/corpus/ for fuzz_virtq.

The input layout is the one described at the top of fuzz_virtq.c: an
8-byte configuration, 8 operations of 6 bytes, the descriptor table, the
avail ring, then the bytes of buffer region A (tiled over A, B and C).

    tests/fuzz/gen_corpus.py [OUTDIR]   (default: tests/fuzz/corpus)
"""

import os
import struct
import sys

# Features byte.
EVENT_IDX, INDIRECT, MRG_RXBUF, VERSION_1, LOG, NO_CALL = 1, 2, 4, 8, 0x10, 0x20
GUEST_CSUM, GUEST_TSO = 0x40, 0x80
# Operation kinds.
(NOP, DEQUEUE, ENQUEUE, WALK, AVAIL_ADD, GUEST_EVENT, LOG_SET, REINIT, DESC,
 TRANSLATE, INIT_BAD) = range(11)
# Descriptor flags.
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
# Region gpas.
DESC_GPA, AVAIL_GPA, USED_GPA = 0x1000, 0x2000, 0x3000
A_GPA, B_GPA, C_GPA = 0x10000, 0x13000, 0x20000
A_SIZE = 0x3000
NOPS = 8


def op(kind, n=0, arg=0, x=0, y=0):
    """One operation: kind, n, arg (u16), x, y."""
    return struct.pack("<BBHBB", kind, n, arg & 0xFFFF, x, y)


def desc(addr, length, flags=0, nxt=0):
    """One struct vring_desc."""
    return struct.pack("<QIHH", addr, length, flags, nxt)


def seed(size_log2, features, last_avail, last_used, ops, descs, avail_idx,
         ring, avail_flags=0, used_event=0, data=b""):
    """A whole input; data are the first bytes of region A."""
    size = 1 << size_log2
    assert len(ops) <= NOPS and len(descs) <= size and len(ring) <= size
    out = struct.pack("<BBHHH", size_log2, features, last_avail, last_used, 0)
    out += b"".join(ops) + op(NOP) * (NOPS - len(ops))
    table = b"".join(descs)
    out += table + bytes(16 * size - len(table))
    ring = list(ring) + [0] * (size - len(ring))
    out += struct.pack("<HH%dHH" % size, avail_flags, avail_idx & 0xFFFF,
                       *ring, used_event)
    return out + data


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
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
