# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The hostile guest of test_hostile.py on packed virtqueues: the same bench
(two dpdk-testpmd peers cross-connected on vhost0 and vhost1, the test's own
frontend on vhost2, paired with itself), with the frontend negotiating
VIRTIO_F_RING_PACKED and writing the descriptor ring itself.

A packed ring has no descriptor table and no avail index: the driver marks
each descriptor available for the lap it is in (its AVAIL and USED bits),
and a chain is consecutive ring descriptors named by a buffer id. What can
go wrong is therefore partly other than on a split ring: a buffer id out of
range or taken twice at once, an avail bit that flips inside a chain, a
chain that would go round the whole ring, indirect tables of packed
descriptors. For every case vdp must stay up, give the bad chain back used
(length 0) where the driver looks for it, count it under its class, let the
next good frame through whole, and keep forwarding the good peers' packets
exactly.

A bad chain's used descriptor says how far vdp went: it walks a chain to
its end, or up to the first descriptor that is not available. The driver
here then carries on from where vdp will look next (pk_add's ndesc).
"""

import os
import struct
import time

import pytest

import vhostuser as vu
from test_hostile import HOSTILE, bench  # noqa: F401 (bench: the fixture)
from vdptest import wait_for

PACKED = vu.F_VERSION_1 | vu.F_INDIRECT | vu.F_RING_PACKED
TXQ, RXQ, QSIZE = vu.TXQ, vu.RXQ, vu.QSIZE


def packed(bench, rx=64, mrg=False, **setup):
    """A packed frontend on the hostile socket, with rx buffers posted."""
    fe = bench.frontend(rx=rx, features=PACKED | (vu.F_MRG_RXBUF if mrg else 0), **setup)
    assert fe.packed and fe.features & vu.F_RING_PACKED
    return fe


def buf(fe):
    return vu.GPA_BASE + vu.FREE


def frame_at(fe, addr, seq, size=64):
    """Header and frame seq at guest address addr; returns the frame."""
    f = vu.frame(seq, size)
    fe.write(addr, b"\0" * vu.HDR_LEN + f)
    return f


# --- malformed transmit chains -------------------------------------------
# Each makes one chain available and returns its buffer id: it must come
# back used with length 0, where the driver looks for it.

def one(fe, addr, length, flags=0, **kw):
    return fe.pk_add(TXQ, [(addr, length, flags)], **kw)


def bad_buffer_id(fe):
    frame_at(fe, buf(fe), 1)
    return one(fe, buf(fe), vu.HDR_LEN + 64, bid=QSIZE + 5)


def bad_buffer_id_max(fe):
    frame_at(fe, buf(fe), 1)
    return one(fe, buf(fe), vu.HDR_LEN + 64, bid=0xffff)


def bad_address(fe):
    return one(fe, 0xdead00000000, 76)


def crosses_memory_end(fe):
    return one(fe, vu.GPA_BASE + vu.MEM_SIZE - 32, 76)


def zero_length(fe):
    return one(fe, buf(fe), 0)


def header_only(fe):
    return one(fe, buf(fe), vu.HDR_LEN)


def too_big(fe):
    return one(fe, buf(fe), 70000)


def length_overflow(fe):
    # 76 + 0xffffffff bytes: the sum no longer fits the used length.
    return fe.pk_add(TXQ, [(buf(fe), 76, vu.D_NEXT), (buf(fe), 0xffffffff, 0)])


def write_only_tx(fe):
    return one(fe, buf(fe), 76, vu.D_WRITE)


def write_only_in_chain(fe):
    return fe.pk_add(TXQ, [(buf(fe), 38, vu.D_NEXT), (buf(fe) + 38, 38, vu.D_WRITE)])


def too_many_buffers(fe):
    return fe.pk_add(TXQ, [(buf(fe) + 2 * k, 2, vu.D_NEXT if k < 64 else 0)
                           for k in range(65)])


def longer_than_ring(fe):
    # Every descriptor of the ring, each available in its own lap and each
    # with NEXT: vdp stops at the ring's size. The 64-piece bound has
    # already stopped taking buffers by then, and the first error is what
    # counts; the walk still goes the whole ring, so the driver finds the
    # used descriptor where it looks and the ring is all free again.
    return fe.pk_add(TXQ, [(buf(fe) + 2 * k, 2, vu.D_NEXT) for k in range(QSIZE)])


def avail_flip_mid_chain(fe):
    # The second of three descriptors has its AVAIL bit flipped: vdp takes
    # the chain up to it (one descriptor); the driver goes on from there.
    return fe.pk_add(TXQ, [(buf(fe), 38, vu.D_NEXT),
                           (buf(fe) + 38, 38, vu.D_NEXT, vu.P_AVAIL),
                           (buf(fe) + 76, 38, 0)], ndesc=1)


def previous_lap_mid_chain(fe):
    # The second descriptor still carries the previous lap's bits (a
    # descriptor the driver did not rewrite).
    return fe.pk_add(TXQ, [(buf(fe), 38, vu.D_NEXT),
                           (buf(fe) + 38, 38, 0, vu.P_AVAIL | vu.P_USED)], ndesc=1)


TABLE = 0x10000  # indirect tables, from buf()


def indirect(fe, table_len, flags=vu.D_INDIRECT, entries=(), more=(), table=None):
    """A chain whose head points to a table of packed descriptors
    (addr, len, flags) at buf() + TABLE; more: ring descriptors after it."""
    t = buf(fe) + TABLE if table is None else table
    for k, (addr, length, f) in enumerate(entries):
        fe.pk_desc_write(TXQ, k, addr, length, 0, f, table=t)
    return fe.pk_add(TXQ, [(t, table_len, flags)] + list(more))


def nested_indirect(fe):
    return indirect(fe, 16, entries=[(buf(fe) + 0x20000, 16, vu.D_INDIRECT)])


def indirect_odd_length(fe):
    return indirect(fe, 20, entries=[(buf(fe), 76, 0)])


def indirect_too_long(fe):
    return indirect(fe, (QSIZE + 1) * 16)


def indirect_zero_length(fe):
    return indirect(fe, 0)


def indirect_with_next(fe):
    # An indirect descriptor that claims to continue the chain (the
    # descriptor after it in the ring ends it).
    return indirect(fe, 16, vu.D_INDIRECT | vu.D_NEXT, entries=[(buf(fe), 76, 0)],
                    more=[(buf(fe), 76, 0)])


def indirect_unaligned(fe):
    t = buf(fe) + TABLE + 4
    return indirect(fe, 16, entries=[(buf(fe), 76, 0)], table=t)


def indirect_outside_memory(fe):
    return one(fe, 0xdead00000000, 32, vu.D_INDIRECT)


def indirect_entry_outside_memory(fe):
    return indirect(fe, 32, entries=[(buf(fe), 12, 0), (0xdead00000000, 64, 0)])


def indirect_write_only_entry(fe):
    return indirect(fe, 32, entries=[(buf(fe), 12, 0), (buf(fe) + 12, 64, vu.D_WRITE)])


def indirect_length_overflow(fe):
    return indirect(fe, 32, entries=[(buf(fe), 76, 0), (buf(fe), 0xffffffff, 0)])


CHAINS = [
    (bad_buffer_id, "bad_buffer_id"),
    (bad_buffer_id_max, "bad_buffer_id"),
    (bad_address, "bad_address"),
    (crosses_memory_end, "bad_address"),
    (zero_length, "bad_length"),
    (header_only, "bad_length"),
    (too_big, "bad_length"),
    (length_overflow, "bad_length"),
    (write_only_tx, "wrong_direction"),
    (write_only_in_chain, "wrong_direction"),
    (too_many_buffers, "too_many_buffers"),
    (longer_than_ring, "too_many_buffers"),
    (avail_flip_mid_chain, "avail_flag_flip"),
    (previous_lap_mid_chain, "avail_flag_flip"),
    (nested_indirect, "nested_indirect"),
    (indirect_odd_length, "bad_indirect_table"),
    (indirect_too_long, "bad_indirect_table"),
    (indirect_zero_length, "bad_indirect_table"),
    (indirect_with_next, "bad_indirect_table"),
    (indirect_unaligned, "bad_indirect_table"),
    (indirect_outside_memory, "bad_address"),
    (indirect_entry_outside_memory, "bad_address"),
    (indirect_write_only_entry, "wrong_direction"),
    (indirect_length_overflow, "bad_length"),
]


@pytest.mark.parametrize("make,counter", CHAINS, ids=[c[0].__name__ for c in CHAINS])
def test_bad_tx_chain(bench, make, counter):
    fe = packed(bench)
    bench.loopback(fe)
    bench.good()
    bid = make(fe)
    assert fe.wait_used(TXQ, 1) == [(bid, 0)]
    bench.loopback(fe)
    bench.good()
    assert fe.used_pending(RXQ) == 0 and fe.used_pending(TXQ) == 0
    assert bench.finish() == {counter: 1}


def test_good_chains(bench):
    # What the frontend writes is what a packed driver writes: frames in
    # two-descriptor chains (header apart), in indirect tables of packed
    # descriptors, and four to a cache line (vdp's batch) all loop back.
    fe = packed(bench)
    bench.loopback(fe)
    frames, base = [], buf(fe)
    for k in range(4):
        a = base + 0x1000 * k
        frames.append(frame_at(fe, a, 100 + k, 100))
        fe.pk_add(TXQ, [(a, vu.HDR_LEN, vu.D_NEXT), (a + vu.HDR_LEN, 100, 0)], publish=False)
    for k in range(4):
        a = base + 0x10000 + 0x1000 * k
        t = base + 0x20000 + 0x100 * k
        frames.append(frame_at(fe, a, 200 + k, 300))
        fe.pk_desc_write(TXQ, 0, a, vu.HDR_LEN, 0, 0, table=t)
        fe.pk_desc_write(TXQ, 1, a + vu.HDR_LEN, 300, 0, 0, table=t)
        fe.pk_add(TXQ, [(t, 32, vu.D_INDIRECT)], publish=False)
    fe.pk_publish(TXQ)
    fe.wait_used(TXQ, 8)
    assert fe.received(fe.wait_used(RXQ, 8)) == frames
    for _ in range(8):
        bench.loopback(fe, 4)
    bench.good()
    assert bench.finish() == {}


def to_tx_position(bench, fe, pos, chunk=62):
    """Loop frames back until the tx ring stands at pos (the rx ring moves
    as far)."""
    while fe.pk_avail[TXQ] != pos or fe.pk_avail_wrap[TXQ] is not True:
        n = min(chunk, (pos - fe.pk_avail[TXQ]) % QSIZE or chunk)
        fe.post_rx(n)
        bench.loopback(fe, n)


def test_chain_across_the_ring_end_unflipped(bench):
    # A chain from 8 descriptors before the ring's end that goes on after
    # it without flipping its lap bits: vdp takes the 8 and stops where
    # the next lap's descriptors are not available.
    fe = packed(bench, rx=0)
    to_tx_position(bench, fe, QSIZE - 8)
    bench.good()
    bid = fe.pk_add(TXQ, [(buf(fe) + 4 * k, 4, vu.D_NEXT, vu.P_AVAIL | vu.P_USED if k >= 8 else 0)
                          for k in range(12)], ndesc=8)
    assert fe.wait_used(TXQ, 1) == [(bid, 0)]
    assert fe.pk_avail[TXQ] == 0 and fe.pk_avail_wrap[TXQ] is False
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert fe.used_pending(RXQ) == 0 and fe.used_pending(TXQ) == 0
    assert bench.finish() == {"avail_flag_flip": 1}


def test_tx_id_in_flight(bench):
    # Four chains at a cache line's start, the fourth with the first's
    # buffer id: vdp takes the first three and refuses the fourth while
    # the first is still in its hands (the same burst).
    fe = packed(bench)
    bench.loopback(fe)
    assert fe.pk_avail[TXQ] % 4 == 0
    frames, ids = [], []
    for k in range(4):
        a = vu.GPA_BASE + vu.TX_BUFS + fe.pk_avail[TXQ] * vu.BUF_SIZE
        f = frame_at(fe, a, 300 + k)
        if k < 3:
            frames.append(f)
        ids.append(fe.pk_add(TXQ, [(a, vu.HDR_LEN + len(f), 0)],
                             bid=ids[0] if k == 3 else None, publish=False))
    fe.pk_publish(TXQ)
    assert fe.wait_used(TXQ, 4) == [(ids[0], 0), (ids[1], 0), (ids[2], 0), (ids[0], 0)]
    assert fe.received(fe.wait_used(RXQ, 3)) == frames
    bench.loopback(fe)
    bench.good()
    assert fe.used_pending(RXQ) == 0
    assert bench.finish() == {"head_in_flight": 1}


# --- malformed receive chains --------------------------------------------

def test_read_only_rx_buffers(bench):
    fe = packed(bench, rx=0)
    fe.post_rx(4, writable=False)
    fe.send([vu.frame(1000 + i) for i in range(4)])
    fe.wait_used(TXQ, 4)
    assert [length for _, length in fe.wait_used(RXQ, 4)] == [0] * 4
    bench.good()
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    # Four refused buffers, and four packets with nowhere to go.
    assert bench.finish() == {"wrong_direction": 4, "guest_ring_full": 4}


def test_rx_buffer_outside_memory(bench):
    fe = packed(bench, rx=0)
    bid = fe.pk_add(RXQ, [(0xdead00000000, vu.BUF_SIZE, vu.D_WRITE)])
    fe.send([vu.frame(7)])
    fe.wait_used(TXQ, 1)
    assert fe.wait_used(RXQ, 1) == [(bid, 0)]
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"bad_address": 1, "guest_ring_full": 1}


@pytest.mark.parametrize("mrg", [False, True], ids=["single", "mergeable"])
def test_rx_buffers_smaller_than_header(bench, mrg):
    fe = packed(bench, rx=0, mrg=mrg)
    base = buf(fe)
    sizes = [0, 4, 11]
    for k, size in enumerate(sizes):
        fe.write(base + 256 * k, b"\xaa" * 256)
        fe.pk_add(RXQ, [(base + 256 * k, size, vu.D_WRITE)])
    fe.send([vu.frame(i) for i in range(3)])
    fe.wait_used(TXQ, 3)
    assert [length for _, length in fe.wait_used(RXQ, 3)] == [0, 0, 0]
    for k, size in enumerate(sizes):
        assert fe.read(base + 256 * k + size, 256 - size) == b"\xaa" * (256 - size)
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"bad_length": 3, "guest_ring_full": 3}


def test_rx_bad_buffer_id(bench):
    # A receive buffer with an id past the ring: refused, and the packet
    # goes into the buffer after it.
    fe = packed(bench, rx=0)
    bad = fe.pk_add(RXQ, [(buf(fe), vu.BUF_SIZE, vu.D_WRITE)], bid=QSIZE + 44, publish=False)
    fe.post_rx(1)
    f = vu.frame(9)
    fe.send([f])
    fe.wait_used(TXQ, 1)
    used = fe.wait_used(RXQ, 2)
    assert used[0] == (bad, 0)
    assert fe.received(used[1:]) == [f]
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"bad_buffer_id": 1}


def test_rx_id_in_flight(bench):
    # Two receive buffers with the same id, for two packets of one burst:
    # the second is refused while the first holds the id, and the packet
    # goes into the buffer after it.
    fe = packed(bench, rx=0)
    a = fe.pk_add(RXQ, [(buf(fe), vu.BUF_SIZE, vu.D_WRITE)], publish=False)
    fe.pk_add(RXQ, [(buf(fe) + vu.BUF_SIZE, vu.BUF_SIZE, vu.D_WRITE)], bid=a, publish=False)
    c = fe.pk_add(RXQ, [(buf(fe) + 2 * vu.BUF_SIZE, vu.BUF_SIZE, vu.D_WRITE)], publish=False)
    fe.pk_publish(RXQ)
    frames = [vu.frame(20), vu.frame(21)]
    fe.send(frames)
    fe.wait_used(TXQ, 2)
    n = vu.HDR_LEN + 64
    assert fe.wait_used(RXQ, 3) == [(a, n), (a, 0), (c, n)]
    assert fe.read(buf(fe) + vu.HDR_LEN, 64) == frames[0]
    assert fe.read(buf(fe) + 2 * vu.BUF_SIZE + vu.HDR_LEN, 64) == frames[1]
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"head_in_flight": 1}


def test_rx_avail_flip_mid_chain(bench):
    # A receive chain whose second descriptor is not available: refused
    # after its first; the packet finds nothing after it (counted), and
    # buffers posted from where vdp stopped work.
    fe = packed(bench, rx=0)
    bid = fe.pk_add(RXQ, [(buf(fe), 1024, vu.D_WRITE | vu.D_NEXT),
                          (buf(fe) + 1024, 1024, vu.D_WRITE, vu.P_AVAIL)], ndesc=1)
    fe.send([vu.frame(5)])
    fe.wait_used(TXQ, 1)
    assert fe.wait_used(RXQ, 1) == [(bid, 0)]
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert fe.used_pending(RXQ) == 0
    assert bench.finish() == {"avail_flag_flip": 1, "guest_ring_full": 1}


def test_rx_chain_longer_than_ring(bench):
    # Zero-length writable descriptors take no buffer piece: a chain of the
    # whole ring of them, each with NEXT, is stopped by the ring's size.
    fe = packed(bench, rx=0)
    bid = fe.pk_add(RXQ, [(buf(fe), 0, vu.D_WRITE | vu.D_NEXT) for _ in range(QSIZE)])
    fe.send([vu.frame(6)])
    fe.wait_used(TXQ, 1)
    assert fe.wait_used(RXQ, 1) == [(bid, 0)]
    assert fe.pk_used[RXQ] == 0 and fe.pk_used_wrap[RXQ] is False
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"chain_too_long": 1, "guest_ring_full": 1}


@pytest.mark.parametrize("descs", [1, 2], ids=["one_descriptor", "two_descriptors"])
def test_mergeable_rx(bench, descs):
    # A 612-byte packet (with its header) over receive chains of 64 bytes
    # (one descriptor each, or two of 32): ten consecutive used
    # descriptors, num_buffers 10, the packet whole.
    fe = packed(bench, rx=0, mrg=True)
    base = buf(fe)
    heads = []
    for k in range(16):
        a = base + 64 * k
        d = [(a, 64, vu.D_WRITE)] if descs == 1 else \
            [(a, 32, vu.D_WRITE | vu.D_NEXT), (a + 32, 32, vu.D_WRITE)]
        heads.append(fe.pk_add(RXQ, d, publish=False))
    fe.pk_publish(RXQ)
    f = vu.frame(77, 600)
    fe.send([f])
    fe.wait_used(TXQ, 1)
    used = fe.wait_used(RXQ, 10)
    assert [h for h, _ in used] == heads[:10]
    assert [n for _, n in used] == [64] * 9 + [vu.HDR_LEN + 600 - 9 * 64]
    data = b"".join(fe.read(base + 64 * heads.index(h), n) for h, n in used)
    assert struct.unpack("<H", data[10:12])[0] == 10  # num_buffers
    assert data[vu.HDR_LEN:] == f
    # The six chains left take three more packets, two chains each.
    frames = [vu.frame(80 + i) for i in range(3)]
    fe.send(frames)
    fe.wait_used(TXQ, 3)
    used = fe.wait_used(RXQ, 6)
    assert [h for h, _ in used] == heads[10:]
    assert [n for _, n in used] == [64, vu.HDR_LEN] * 3
    for k, f in enumerate(frames):
        data = b"".join(fe.read(base + 64 * heads.index(h), n) for h, n in used[2 * k:2 * k + 2])
        assert struct.unpack("<H", data[10:12])[0] == 2
        assert data[vu.HDR_LEN:] == f
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {}


def test_mergeable_bad_buffer_mid_packet(bench):
    # The fourth 64-byte buffer is outside guest memory: the three before
    # it come back unused, the bad one is counted, and the packet arrives
    # whole in the ten after it.
    fe = packed(bench, rx=0, mrg=True)
    base = buf(fe)
    heads = []
    for k in range(16):
        heads.append(fe.pk_add(RXQ, [(base + 64 * k if k != 3 else 0xdead00000000, 64,
                                      vu.D_WRITE)], publish=False))
    fe.pk_publish(RXQ)
    f = vu.frame(77, 600)
    fe.send([f])
    fe.wait_used(TXQ, 1)
    used = fe.wait_used(RXQ, 14)
    assert used[:4] == [(h, 0) for h in heads[:4]]
    assert [h for h, _ in used[4:]] == heads[4:14]
    data = b"".join(fe.read(base + 64 * heads.index(h), n) for h, n in used[4:])
    assert len(data) == vu.HDR_LEN + len(f)
    assert struct.unpack("<H", data[10:12])[0] == 10  # num_buffers
    assert data[vu.HDR_LEN:] == f
    bench.good()
    assert bench.finish() == {"bad_address": 1}


# --- vring bases and reconnection ----------------------------------------

def test_get_vring_base(bench):
    # After traffic past a lap, GET_VRING_BASE gives each ring's position
    # with the wrap counter in bit 15, as far as vdp consumed (rx buffers
    # posted beyond are not counted); the rings set up again from there
    # carry on, and a lap later bit 15 is set again.
    fe = packed(bench, rx=0)
    for _ in range(5):
        fe.post_rx(60)
        bench.loopback(fe, 60)
    fe.post_rx(10)
    bench.good()
    assert (fe.pk_used, fe.pk_used_wrap) == ([44, 44], [False, False])
    assert fe.pk_avail[RXQ] == 54
    assert fe.get_vring_base(RXQ) == fe.vring_base(RXQ) == 44
    assert fe.get_vring_base(TXQ) == fe.vring_base(TXQ) == 44
    wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
    fe.setup_rings()
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    # The ten buffers posted before take the first ten frames.
    bench.loopback(fe, 10)
    for _ in range(4):
        fe.post_rx(61)
        bench.loopback(fe, 61)
    bench.good()
    assert (fe.pk_used, fe.pk_used_wrap) == ([42, 42], [True, True])
    assert fe.get_vring_base(RXQ) == fe.vring_base(RXQ) == 42 | 0x8000
    assert fe.get_vring_base(TXQ) == fe.vring_base(TXQ) == 42 | 0x8000
    fe.setup_rings()
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {}


def test_reconnect(bench):
    # The frontend's connection goes away with receive buffers still
    # posted; it connects again and sets each ring's base to where it
    # stands (the next used descriptor it expects, with its wrap counter):
    # traffic carries on in the same rings, across the ring's end.
    fe = packed(bench, rx=64)
    bench.loopback(fe, 40)
    bench.good()
    for rnd in range(3):
        fe.disconnect()
        wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
        fe.connect()
        fe.setup(features=PACKED)
        wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
        # What was posted before is used first.
        left = (fe.pk_avail[RXQ] - fe.pk_used[RXQ]) % QSIZE
        fe.post_rx(100 - left)
        bench.loopback(fe, 100)
        bench.good()
    assert fe.pk_used_wrap == [False, False]
    assert bench.finish() == {}


@pytest.mark.parametrize("when", ["at_setup", "under_traffic"])
def test_vring_base_past_the_ring(bench, when):
    # A packed base past the ring cannot be served: the queue stays
    # stopped (counted once, when vdp takes the ring up), the rest goes
    # on, and a new connection works.
    bad = lambda i: (QSIZE + 44) | 0x8000 if i == TXQ else 0x8000  # noqa: E731
    fe = packed(bench, rx=8, base=bad if when == "at_setup" else None)
    if when == "under_traffic":
        bench.loopback(fe)
        fe.send_msg(vu.SET_VRING_BASE, struct.pack("<II", TXQ, (QSIZE + 44) | 0x8000))
        fe.sync()
    fe.send([vu.frame(1)])
    bench.good()
    assert fe.used_pending(TXQ) == 0 and fe.used_pending(RXQ) == 0
    fe.close()
    bench.frontends.remove(fe)
    wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
    fe = packed(bench)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"queue_broken": 1}


# --- descriptors marked available again within a burst --------------------

FLIP_WRITES = 2000000  # descriptor writes of the flipping guest


@pytest.mark.parametrize("size", [1, 8], ids=["ring_of_1", "ring_of_8"])
def test_descriptors_marked_again_within_a_burst(bench, size):
    # A guest need not wait for used descriptors before it marks a
    # position available for the next lap: on a small ring, the guest flips
    # every descriptor between the two laps' available bits as fast as it
    # can, so that vdp may find the same positions available again in the
    # middle of a burst. The burst must still take no more chains than the
    # ring holds (its used descriptors are kept for one ring's worth; past
    # that they would be written beyond the array): one descriptor per
    # chain with buffer id = position, so chains of one burst have distinct
    # ids exactly when it takes at most the ring's size, and head_in_flight
    # counts any burst that took more. With zero-copy off, the copy path is
    # the one under test; nothing is posted to receive, so each frame
    # taken is dropped as guest_ring_full. (On the ring of 8 the array is
    # one cache line exactly: a ninth entry is written past it.)
    bench.vdp.ctl_ok("set", "port", HOSTILE, "zcopy", "off")
    fe = vu.Frontend(bench.socks[2], qsize=size)
    bench.frontends.append(fe)
    fe.setup(features=PACKED)
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    bench.good()
    # Large frames (copied into chained mbufs) keep vdp on each chain long
    # enough for the guest to flip the next one meanwhile.
    buf_ = vu.GPA_BASE + vu.FREE
    frame_at(fe, buf_, 1, 8000)
    ring = vu.RING(TXQ)
    laps = [[struct.pack("<QIHH", buf_, vu.HDR_LEN + 8000, p, bits) for p in range(size)]
            for bits in (vu.P_AVAIL, vu.P_USED)]
    mem = fe.mem
    # The good peers' forwarding stops meanwhile: their polling would keep
    # vdp's worker and this guest from running at the same time.
    bench.p0.cmd_out("stop")
    bench.p1.cmd_out("stop")
    # And this guest runs on the other CPU than vdp's worker (lcore 1 on
    # CPU 1), as a guest's vCPU would: taking turns on one CPU, the worker
    # would only ever see the descriptors standing still.
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {c for c in cpus if c != 1} or cpus)
    try:
        for _ in range(FLIP_WRITES // (2 * size)):
            for lap in laps:
                for p, d in enumerate(lap):
                    mem[ring + 16 * p:ring + 16 * p + 16] = d
    finally:
        os.sched_setaffinity(0, cpus)
    assert bench.vdp.alive()
    bench.p1.rx_only()
    taken = settle_count(lambda: bench.vdp.port(HOSTILE)["rx_packets"])
    assert taken > 0
    fe.close()
    bench.frontends.remove(fe)
    wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
    fe = packed(bench)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"guest_ring_full": taken}


def settle_count(read, timeout=60):
    """Poll read() until it gives the same value twice, a second apart."""
    last = read()
    for _ in range(timeout):
        time.sleep(1.0)
        now = read()
        if now == last:
            return now
        last = now
    raise TimeoutError("count still moving: %d" % last)
