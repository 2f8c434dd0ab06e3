# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A hostile guest: malformed rings and vhost-user messages through a real
socket, while two well-behaved peers forward through the same vdp.

vdp serves three ports: vhost0 and vhost1 are dpdk-testpmd virtio-user
peers cross-connected with io; vhost2 is the test's own frontend
(vhostuser.py), paired with itself so that what it transmits comes back to
its receive ring. For every case vdp must stay up, return each bad chain
to the guest (length 0) without stalling the queue, count it under its
class, and keep forwarding the good peers' packets exactly. The per-class
counters are read from the summary vdp prints when it stops, with the
frontend still attached.
"""

import fcntl
import os
import re
import signal
import struct

import pytest

import vhostuser as vu
from vdptest import Peer, Vdp, settle, wait_for, wait_rx

HOSTILE = "vhost2"


class Bench:
    """vdp, two good peers and the hostile socket."""

    def __init__(self, sockdir, procs):
        self.socks = [os.path.join(sockdir, "v%d.sock" % i) for i in range(3)]
        self.vdp = Vdp(sum((["--vhost", s] for s in self.socks), []))
        procs.append(self.vdp)
        self.vdp.wait_started()
        self.p0, self.p1 = Peer(self.socks[0]), Peer(self.socks[1])
        procs += [self.p0, self.p1]
        wait_for(lambda: self.vdp.port("vhost0")["link_up"] and
                 self.vdp.port("vhost1")["link_up"], 60, what="good peers up")
        self.p1.rx_only()
        self.good_pkts = 0
        self.frontends = []
        self.seq = 0

    def good(self, bursts=2, timeout=60):
        """The good pair forwards exactly bursts x 32 more packets."""
        self.p0.send(bursts)
        self.good_pkts += 32 * bursts
        assert wait_rx(self.p1, self.good_pkts, timeout) == self.good_pkts
        assert settle(self.p1, 10) == self.good_pkts
        assert self.vdp.alive()

    def frontend(self, rx=64, **setup):
        fe = vu.Frontend(self.socks[2])
        self.frontends.append(fe)
        fe.setup(**setup)
        wait_for(lambda: self.vdp.port(HOSTILE)["link_up"], 30, what="hostile frontend up")
        if rx:
            fe.post_rx(rx)
        return fe

    def loopback(self, fe, n=4):
        """fe's frames come back to it, whole and in order."""
        frames = [vu.frame(self.seq + i) for i in range(n)]
        self.seq += n
        fe.send(frames)
        fe.wait_used(vu.TXQ, n)
        assert fe.received(fe.wait_used(vu.RXQ, n)) == frames

    def finish(self):
        """Stop vdp (frontends still attached); return the hostile port's
        error counters from the summary."""
        assert self.vdp.stop(signal.SIGTERM) == 0
        out = self.vdp.output()
        assert "exited cleanly" in out
        return port_errors(out, HOSTILE)

    def close(self):
        for fe in self.frontends:
            try:
                fe.close()
            except OSError:
                pass


def port_errors(out, name):
    """Counter lines ("  bad_head: 3") of one port in vdp's summary."""
    summary = out[out.index("vdp summary"):]
    m = re.search(r"\n  port \d+ \(%s, vhost\):.*\n((?:    .*\n|  (?!port |lcore ).*\n)*)" % name,
                  summary)
    assert m, summary
    return {k: int(v) for k, v in re.findall(r"^\s+([a-z_]+): (\d+)$", m.group(1), re.M)
            if k not in ("rxq",)}


@pytest.fixture
def bench(sockdir, procs):
    b = Bench(sockdir, procs)
    yield b
    b.close()


# --- malformed transmit chains -------------------------------------------
# Each returns the head it made available; the chain must come back used
# with length 0.

def one(fe, addr, length, flags=0):
    idx = fe.take_desc(vu.TXQ)[0]
    fe.desc_write(vu.TXQ, idx, addr, length, flags)
    fe.avail_push(vu.TXQ, idx)
    return idx


def buf(fe):
    return vu.GPA_BASE + vu.FREE


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


def write_only_tx(fe):
    return one(fe, buf(fe), 76, vu.D_WRITE)


def loop(fe):
    a, b = fe.take_desc(vu.TXQ, 2)
    fe.desc_write(vu.TXQ, a, buf(fe), 38, vu.D_NEXT, b)
    fe.desc_write(vu.TXQ, b, buf(fe), 38, vu.D_NEXT, a)
    fe.avail_push(vu.TXQ, a)
    return a


def bad_next(fe):
    a = fe.take_desc(vu.TXQ)[0]
    fe.desc_write(vu.TXQ, a, buf(fe), 76, vu.D_NEXT, vu.QSIZE + 7)
    fe.avail_push(vu.TXQ, a)
    return a


def bad_head(fe):
    fe.avail_push(vu.TXQ, vu.QSIZE + 5)
    return vu.QSIZE + 5


def too_many_buffers(fe):
    idx = fe.take_desc(vu.TXQ, 65)
    for k, i in enumerate(idx):
        last = k == len(idx) - 1
        fe.desc_write(vu.TXQ, i, buf(fe) + 2 * k, 2, 0 if last else vu.D_NEXT,
                      0 if last else idx[k + 1])
    fe.avail_push(vu.TXQ, idx[0])
    return idx[0]


def indirect(fe, table_len, flags=vu.D_INDIRECT, entries=()):
    table = buf(fe) + 0x10000
    for k, e in enumerate(entries):
        fe.desc_write(vu.TXQ, k, *e, table=table)
    return one(fe, table, table_len, flags)


def nested_indirect(fe):
    inner = buf(fe) + 0x20000
    return indirect(fe, 16, entries=[(inner, 16, vu.D_INDIRECT, 0)])


def indirect_too_long(fe):
    return indirect(fe, (vu.QSIZE + 1) * 16)


def indirect_odd_length(fe):
    return indirect(fe, 20)


def indirect_with_next(fe):
    return indirect(fe, 16, vu.D_INDIRECT | vu.D_NEXT,
                    entries=[(buf(fe), 76, 0, 0)])


def indirect_loop(fe):
    return indirect(fe, 32, entries=[(buf(fe), 38, vu.D_NEXT, 1),
                                     (buf(fe), 38, vu.D_NEXT, 0)])


def indirect_outside_memory(fe):
    return one(fe, 0xdead00000000, 32, vu.D_INDIRECT)


CHAINS = [
    (bad_address, "bad_address"),
    (crosses_memory_end, "bad_address"),
    (zero_length, "bad_length"),
    (header_only, "bad_length"),
    (too_big, "bad_length"),
    (write_only_tx, "wrong_direction"),
    # In the ring's own table (256 entries) the 64-piece vector bound stops
    # a loop before the hop bound does; in a small indirect table the hop
    # bound does.
    (loop, "too_many_buffers"),
    (bad_next, "bad_next_index"),
    (bad_head, "bad_head"),
    (too_many_buffers, "too_many_buffers"),
    (nested_indirect, "nested_indirect"),
    (indirect_too_long, "bad_indirect_table"),
    (indirect_odd_length, "bad_indirect_table"),
    (indirect_with_next, "bad_indirect_table"),
    (indirect_loop, "chain_too_long"),
    (indirect_outside_memory, "bad_address"),
]


@pytest.mark.parametrize("make,counter", CHAINS, ids=[c[0].__name__ for c in CHAINS])
def test_bad_tx_chain(bench, make, counter):
    fe = bench.frontend()
    bench.loopback(fe)
    bench.good()
    head = make(fe)
    # Returned to the guest, unused, and the queue goes on.
    assert fe.wait_used(vu.TXQ, 1) == [(head, 0)]
    bench.loopback(fe)
    bench.good()
    assert fe.used_pending(vu.RXQ) == 0
    assert bench.finish() == {counter: 1}


def test_avail_index_jump(bench):
    # An index more than a ring ahead cannot be repaired: the queue stops
    # (and only that queue), until the guest sets the device up again.
    fe = bench.frontend()
    bench.loopback(fe)
    fe.publish(vu.TXQ, (fe.avail_idx[vu.TXQ] + vu.QSIZE + 1) & 0xffff)
    bench.good()
    bench.good()
    assert fe.used_pending(vu.TXQ) == 0
    errors = bench.finish()
    assert errors == {"avail_index_jump": 1}


def test_avail_index_jump_then_reconnect(bench):
    fe = bench.frontend()
    fe.publish(vu.TXQ, (fe.avail_idx[vu.TXQ] + vu.QSIZE + 1) & 0xffff)
    bench.good()
    fe.close()
    bench.frontends.remove(fe)
    wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
    fe = bench.frontend()
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"avail_index_jump": 1}


def test_rx_avail_index_jump(bench):
    # The same on the receive ring: it stops, and what vdp has for it is
    # dropped and counted.
    fe = bench.frontend(rx=4)
    fe.publish(vu.RXQ, (fe.avail_idx[vu.RXQ] + vu.QSIZE + 44) & 0xffff)
    fe.send([vu.frame(i) for i in range(8)])
    fe.wait_used(vu.TXQ, 8)
    bench.good()
    assert fe.used_pending(vu.RXQ) == 0
    assert bench.finish() == {"avail_index_jump": 1}


def test_vring_base_beyond_avail_under_traffic(bench):
    # SET_VRING_BASE while the ring runs, to an index the guest never
    # reached: the ring stops as for an index jump, and the rest goes on.
    fe = bench.frontend()
    bench.loopback(fe)
    fe.send_msg(vu.SET_VRING_BASE, struct.pack("<II", vu.TXQ, 40000))
    fe.sync()
    fe.send([vu.frame(1)])
    bench.good()
    assert fe.used_pending(vu.TXQ) == 0
    assert bench.finish() == {"avail_index_jump": 1}

def test_read_only_rx_buffers(bench):
    # Receive buffers the device may not write: refused and counted, the
    # packet dropped; writable ones posted afterwards work.
    fe = bench.frontend(rx=0)
    fe.post_rx(4, writable=False)
    frames = [vu.frame(1000 + i) for i in range(4)]
    fe.send(frames)
    fe.wait_used(vu.TXQ, 4)
    assert [length for _, length in fe.wait_used(vu.RXQ, 4)] == [0] * 4
    bench.good()
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    # Four refused buffers, and four packets with nowhere to go.
    assert bench.finish() == {"wrong_direction": 4, "guest_ring_full": 4}


def test_rx_buffer_outside_memory(bench):
    fe = bench.frontend(rx=0)
    idx = fe.take_desc(vu.RXQ)[0]
    fe.desc_write(vu.RXQ, idx, 0xdead00000000, vu.BUF_SIZE, vu.D_WRITE)
    fe.avail_push(vu.RXQ, idx)
    fe.send([vu.frame(7)])
    fe.wait_used(vu.TXQ, 1)
    assert fe.wait_used(vu.RXQ, 1) == [(idx, 0)]
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"bad_address": 1, "guest_ring_full": 1}


@pytest.mark.parametrize("mrg", [False, True], ids=["single", "mergeable"])
def test_rx_buffers_smaller_than_header(bench, mrg):
    # Writable buffers of 0, 4 and 11 bytes cannot take a 12-byte header:
    # each is refused, and nothing is written past its end.
    features = vu.F_VERSION_1 | vu.F_INDIRECT | (vu.F_MRG_RXBUF if mrg else 0)
    fe = bench.frontend(rx=0, features=features)
    base = vu.GPA_BASE + vu.FREE
    sizes = [0, 4, 11]
    for k, size in enumerate(sizes):
        idx = fe.take_desc(vu.RXQ)[0]
        fe.write(base + 256 * k, b"\xaa" * 256)
        fe.desc_write(vu.RXQ, idx, base + 256 * k, size, vu.D_WRITE)
        fe.avail_push(vu.RXQ, idx)
    fe.send([vu.frame(i) for i in range(3)])
    fe.wait_used(vu.TXQ, 3)
    assert [length for _, length in fe.wait_used(vu.RXQ, 3)] == [0, 0, 0]
    for k, size in enumerate(sizes):
        assert fe.read(base + 256 * k + size, 256 - size) == b"\xaa" * (256 - size)
    fe.post_rx(8)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {"bad_length": 3, "guest_ring_full": 3}


def test_mergeable_bad_buffer_mid_packet(bench):
    # A 612-byte packet (with its header) over 64-byte buffers, the fourth
    # of which is outside guest memory: the three before it come back
    # unused, the bad one is counted, and the packet arrives whole in the
    # ten buffers after it.
    fe = bench.frontend(rx=0, features=vu.F_VERSION_1 | vu.F_MRG_RXBUF)
    base = vu.GPA_BASE + vu.FREE
    heads = []
    for k in range(16):
        idx = fe.take_desc(vu.RXQ)[0]
        heads.append(idx)
        fe.desc_write(vu.RXQ, idx, base + 64 * k if k != 3 else 0xdead00000000, 64, vu.D_WRITE)
        fe.avail_push(vu.RXQ, idx)
    f = vu.frame(77, 600)
    fe.send([f])
    fe.wait_used(vu.TXQ, 1)
    used = fe.wait_used(vu.RXQ, 14)
    assert used[:4] == [(h, 0) for h in heads[:4]]
    assert [h for h, _ in used[4:]] == heads[4:14]
    data = b"".join(fe.read(base + 64 * heads.index(h), n) for h, n in used[4:])
    assert len(data) == vu.HDR_LEN + len(f)
    assert struct.unpack("<H", data[10:12])[0] == 10  # num_buffers
    assert data[vu.HDR_LEN:] == f
    bench.good()
    assert bench.finish() == {"bad_address": 1}


# --- malformed and out-of-order vhost-user messages ------------------------

def test_vring_address_outside_memory_table(bench):
    # rte_vhost cannot translate the ring: the device never starts. A
    # correct address afterwards, and the kick that makes rte_vhost
    # translate it again, bring it up.
    fe = vu.Frontend(bench.socks[2])
    bench.frontends.append(fe)
    fe.setup(addr=lambda i: {"desc": 0x1000} if i == vu.TXQ else {})
    bench.good()
    assert not bench.vdp.port(HOSTILE)["link_up"]
    fe.vring_addr(vu.TXQ)
    fe.send_msg(vu.SET_VRING_KICK, struct.pack("<Q", vu.TXQ), fds=[fe.kick[vu.TXQ]])
    fe.sync()
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    fe.post_rx(64)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {}


def test_rings_before_memory_table(bench):
    # Ring addresses and kicks before any memory table: vdp stays up, the
    # device does not start, and a correct connection afterwards works.
    fe = vu.Frontend(bench.socks[2])
    bench.frontends.append(fe)
    fe.features = fe.get_u64(vu.GET_FEATURES) & (vu.F_VERSION_1 | vu.F_INDIRECT)
    fe.send_msg(vu.SET_OWNER)
    # rte_vhost may refuse the sequence by closing the connection at any of
    # these messages (when depends on how fast it reads them): either way
    # the device must not start.
    try:
        for i in (vu.RXQ, vu.TXQ):
            fe.send_msg(vu.SET_VRING_NUM, struct.pack("<II", i, vu.QSIZE))
            fe.send_msg(vu.SET_VRING_BASE, struct.pack("<II", i, 0))
            fe.vring_addr(i)
            fe.send_msg(vu.SET_VRING_KICK, struct.pack("<Q", i), fds=[fe.kick[i]])
            fe.send_msg(vu.SET_VRING_CALL, struct.pack("<Q", i), fds=[fe.call[i]])
        fe.send_msg(vu.SET_FEATURES, struct.pack("<Q", fe.features))
        fe.sync()
    except ConnectionError:
        pass
    bench.good()
    assert not bench.vdp.port(HOSTILE)["link_up"]
    fe2 = bench.frontend()
    bench.loopback(fe2)
    bench.good()
    assert bench.finish() == {}


@pytest.mark.parametrize("req,payload,size", [
    (0x7f, b"", None),                                   # no such request
    (vu.SET_VRING_NUM, struct.pack("<II", 200, 256), None),  # no such vring
    (vu.SET_VRING_NUM, struct.pack("<II", 0, 300), None),    # not a power of two
    (vu.SET_MEM_TABLE, struct.pack("<II", 9, 0), None),      # too many regions, no fds
    (vu.SET_FEATURES, b"", 0x10000),                     # size beyond any payload
], ids=["unknown_request", "bad_vring_index", "bad_ring_size", "bad_mem_table",
        "oversized"])
def test_malformed_message(bench, req, payload, size):
    # The connection may be dropped; vdp stays up, the good pair forwards,
    # and a new connection on the same socket works.
    fe = vu.Frontend(bench.socks[2])
    bench.frontends.append(fe)
    fe.send_msg(req, payload, size=size)
    bench.good()
    fe2 = bench.frontend()
    bench.loopback(fe2)
    bench.good()
    assert bench.finish() == {}


def test_memory_table_change_under_traffic(bench):
    # The same guest memory, described as two regions instead of one, while
    # the frontend keeps transmitting: every frame still comes back, whole.
    fe = bench.frontend(rx=0)
    half = vu.MEM_SIZE // 2
    tables = [[(vu.GPA_BASE, half, fe.uva, 0),
               (vu.GPA_BASE + half, half, fe.uva + half, half)],
              fe.default_regions()]
    for rnd in range(6):
        fe.post_rx(32)
        frames = [vu.frame(5000 + 32 * rnd + i) for i in range(32)]
        fe.send(frames[:16])
        fe.mem_table(tables[rnd % 2])
        fe.send(frames[16:])
        fe.sync()
        fe.wait_used(vu.TXQ, 32)
        assert fe.received(fe.wait_used(vu.RXQ, 32)) == frames
        bench.good(1)
    assert bench.finish() == {}


def test_memory_table_without_the_rings(bench):
    # A new table that no longer holds the rings: the port stops using them
    # (nothing to translate), the good pair goes on, and the full table
    # plus a kick per ring bring the frontend back.
    fe = bench.frontend()
    bench.loopback(fe)
    half = vu.MEM_SIZE // 2
    fe.mem_table([(vu.GPA_BASE + half, half, fe.uva + half, half)])
    fe.sync()
    fe.send([vu.frame(1)])
    bench.good()
    assert bench.vdp.alive()
    fe.mem_table(fe.default_regions())
    for i in (vu.RXQ, vu.TXQ):
        fe.send_msg(vu.SET_VRING_KICK, struct.pack("<Q", i), fds=[fe.kick[i]])
    fe.sync()
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    fe.wait_used(vu.TXQ, 1)
    fe.wait_used(vu.RXQ, 1)
    bench.loopback(fe)
    bench.good()
    assert bench.finish() == {}


def test_buffers_across_a_region_boundary(bench):
    # Guest memory in two regions, which vdp maps apart: a receive buffer
    # and then a transmit buffer that cross the boundary come through whole.
    half = vu.MEM_SIZE // 2
    fe = vu.Frontend(bench.socks[2])
    bench.frontends.append(fe)
    fe.setup(regions=[(vu.GPA_BASE, half, fe.uva, 0),
                      (vu.GPA_BASE + half, half, fe.uva + half, half)])
    wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
    edge = vu.GPA_BASE + half
    rx = fe.take_desc(vu.RXQ)[0]
    fe.desc_write(vu.RXQ, rx, edge - 100, 400, vu.D_WRITE)
    fe.avail_push(vu.RXQ, rx)
    f = vu.frame(42, 300)
    fe.send([f])
    fe.wait_used(vu.TXQ, 1)
    assert fe.wait_used(vu.RXQ, 1) == [(rx, vu.HDR_LEN + len(f))]
    assert fe.read(edge - 100 + vu.HDR_LEN, len(f)) == f

    fe.post_rx(4)
    f2 = vu.frame(43, 300)
    tx = fe.take_desc(vu.TXQ)[0]
    fe.write(edge - 37, b"\0" * vu.HDR_LEN + f2)
    fe.desc_write(vu.TXQ, tx, edge - 37, vu.HDR_LEN + len(f2))
    fe.avail_push(vu.TXQ, tx)
    fe.wait_used(vu.TXQ, 1)
    assert fe.received(fe.wait_used(vu.RXQ, 1)) == [f2]
    bench.good()
    assert bench.finish() == {}

def test_call_fd_that_blocks(bench):
    # vhost-user lets the frontend pass any fd as a ring's call fd. Here it
    # is a pipe that is already full and that nobody reads: a write to it
    # blocks. vdp must not stop serving the other ports, nor hang on exit.
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, fcntl.F_SETFL, os.O_NONBLOCK)
        try:
            while True:
                os.write(w, b"\0" * 4096)
        except BlockingIOError:
            pass
        fcntl.fcntl(w, fcntl.F_SETFL, 0)
        fe = vu.Frontend(bench.socks[2])
        bench.frontends.append(fe)
        os.close(fe.call[vu.TXQ])
        fe.call[vu.TXQ] = w
        fe.setup()
        wait_for(lambda: bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile up")
        fe.post_rx(8)
        fe.send([vu.frame(i) for i in range(4)])
        bench.good(timeout=20)
        assert bench.vdp.stop(signal.SIGTERM, timeout=20) == 0
    finally:
        # A blocked worker gets EPIPE once the pipe has no reader.
        os.close(r)
        bench.vdp.stop(signal.SIGKILL, timeout=20)


def test_errors_reported_after_the_frontend_leaves(bench):
    # A frontend that misbehaves and disconnects must leave its counts in
    # vdp's report, as the port's packet counters stay.
    fe = bench.frontend()
    head = bad_address(fe)
    assert fe.wait_used(vu.TXQ, 1) == [(head, 0)]
    fe.close()
    bench.frontends.remove(fe)
    wait_for(lambda: not bench.vdp.port(HOSTILE)["link_up"], 30, what="hostile down")
    # Telemetry, show vhost and its JSON keep the count too.
    tel = bench.vdp.telemetry("/vdp/vhost")[HOSTILE]
    assert tel["connected"] == 0 and tel["ring_error_bad_address"] == 1
    assert "ring error bad_address: 1" in bench.vdp.ctl_ok("show", "vhost", HOSTILE)
    shown = bench.vdp.ctl_json("show", "vhost", HOSTILE)
    assert shown["ports"][0]["ring_errors"] == {"bad_address": 1}
    bench.good()
    assert bench.finish() == {"bad_address": 1}
