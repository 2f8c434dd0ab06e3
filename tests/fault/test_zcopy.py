# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Zero-copy dequeue against the tests' own frontends (vhostuser.py).

The scribble test: frontend A transmits large frames through vdp to
frontend B, and overwrites every transmit buffer the moment its used entry
comes back. B must receive every frame intact; a used entry handed back
before vdp has consumed the data shows as a corrupted frame. It runs at
1518 and 9000 bytes, with the packet in one descriptor, split from its
header, and chained over several, and with and without mergeable rx
buffers at B.

The fault tests: while A's frames are zero-copied towards B, which posts
no receive buffers, A changes its memory table, disconnects, its port is
deleted, or vdp is stopped with SIGTERM. vdp stays up (or exits cleanly),
counts what happened, gets every mbuf back, and the good pair of
dpdk-testpmd peers through the same vdp stays exact.
"""

import os
import signal
import struct
import time

import pytest

import vhostuser as vu
from vdptest import Peer, Vdp, settle, wait_for, wait_rx

# Transmit buffers of A and big receive buffers of B, in the free area.
BIG = 9216            # room for a 9000-byte frame and its header
NBIG = 200            # buffers of BIG bytes that fit the free area
SLOT = vu.GPA_BASE + vu.FREE


def pattern(seq, size):
    """A frame of @size bytes for A -> B (unicast to nobody, so io mode
    forwards it as it is) that carries its sequence number."""
    head = struct.pack("!6s6sHI", b"\x02\x00\x00\x00\x00\x0b", b"\x02\x00\x00\x00\x00\x0a",
                       0x88b5, seq)
    return head + bytes((seq * 7 + i) & 0xff for i in range(size - len(head)))


def layout_pieces(frame, layout):
    """(header in its own piece?, frame pieces) of a layout."""
    if layout == "single":
        return [b"\0" * vu.HDR_LEN + frame]
    if layout == "split":
        return [b"\0" * vu.HDR_LEN, frame]
    # chained: the header, then the frame in pieces of 1000 bytes
    return [b"\0" * vu.HDR_LEN] + [frame[i:i + 1000] for i in range(0, len(frame), 1000)]


class Sender:
    """A's transmit side: chains over buffer slots in the free area, and
    what each head's chain covers, so that it can be scribbled on."""

    def __init__(self, fe):
        self.fe = fe
        self.slot = 0
        self.chains = {}   # head -> [(gpa, len)]

    def send(self, frame, layout):
        pieces = layout_pieces(frame, layout)
        idx = self.fe.take_desc(vu.TXQ, len(pieces))
        base = SLOT + (self.slot % NBIG) * BIG
        self.slot += 1
        off, covered = 0, []
        for k, piece in enumerate(pieces):
            gpa = base + off
            self.fe.write(gpa, piece)
            last = k == len(pieces) - 1
            self.fe.desc_write(vu.TXQ, idx[k], gpa, len(piece),
                               0 if last else vu.D_NEXT, 0 if last else idx[k + 1])
            covered.append((gpa, len(piece)))
            off += len(piece)
        self.chains[idx[0]] = covered
        self.fe.avail_push(vu.TXQ, idx[0], publish=False)
        return idx[0]

    def scribble(self):
        """Overwrite the buffers of every chain that came back; returns how many."""
        n = self.fe.used_pending(vu.TXQ)
        for k in range(n):
            head, _ = self.fe.used_elem(vu.TXQ, self.fe.used_seen[vu.TXQ] + k)
            for gpa, length in self.chains.pop(head, ()):
                self.fe.write(gpa, b"\xee" * length)
        self.fe.used_seen[vu.TXQ] = (self.fe.used_seen[vu.TXQ] + n) & 0xffff
        return n


class Receiver:
    """B's receive side: small buffers with mergeable rx buffers, or big
    ones without."""

    def __init__(self, fe, mrg):
        self.fe = fe
        self.mrg = mrg
        self.addr = {}     # descriptor -> gpa
        self.frames = []
        self.partial = None

    def post(self, n):
        if self.mrg:
            for idx in self.fe.take_desc(vu.RXQ, n):
                self.addr[idx] = vu.GPA_BASE + vu.RX_BUFS + idx * vu.BUF_SIZE
                self.fe.desc_write(vu.RXQ, idx, self.addr[idx], vu.BUF_SIZE, vu.D_WRITE)
                self.fe.avail_push(vu.RXQ, idx, publish=False)
        else:
            for idx in self.fe.take_desc(vu.RXQ, n):
                self.addr[idx] = SLOT + (idx % NBIG) * BIG
                self.fe.desc_write(vu.RXQ, idx, self.addr[idx], BIG, vu.D_WRITE)
                self.fe.avail_push(vu.RXQ, idx, publish=False)
        self.fe.publish(vu.RXQ)

    def poll(self):
        """Collect the frames completed so far."""
        n = self.fe.used_pending(vu.RXQ)
        for k in range(n):
            idx, length = self.fe.used_elem(vu.RXQ, self.fe.used_seen[vu.RXQ] + k)
            data = self.fe.read(self.addr[idx], length)
            if self.partial is None:
                nbufs = struct.unpack("<H", data[10:12])[0] if self.mrg else 1
                self.partial = [nbufs, data[vu.HDR_LEN:]]
            else:
                self.partial[1] += data
            self.partial[0] -= 1
            if self.partial[0] <= 0:
                self.frames.append(self.partial[1])
                self.partial = None
        self.fe.used_seen[vu.RXQ] = (self.fe.used_seen[vu.RXQ] + n) & 0xffff


def zc_counters(vdp, port):
    return vdp.ctl_json("show", "vhost", port)["ports"][0]


@pytest.fixture
def pair(sockdir, procs):
    socks = [os.path.join(sockdir, "z%d.sock" % i) for i in range(2)]
    vdp = Vdp(sum((["--vhost", s] for s in socks), []))
    procs.append(vdp)
    vdp.wait_started()
    fes = []
    yield vdp, socks, fes
    for fe in fes:
        try:
            fe.close()
        except OSError:
            pass


@pytest.mark.parametrize("mrg", [True, False], ids=["mrg", "nomrg"])
@pytest.mark.parametrize("layout", ["single", "split", "chained"])
@pytest.mark.parametrize("size", [1518, 9000])
def test_scribble(pair, size, layout, mrg):
    vdp, socks, fes = pair
    # every frame zero-copied, whatever the auto threshold
    vdp.ctl_ok("set", "port", "vhost0", "zcopy", "on")
    a, b = vu.Frontend(socks[0]), vu.Frontend(socks[1])
    fes += [a, b]
    a.setup()
    b.setup(features=vu.F_VERSION_1 | vu.F_INDIRECT | (vu.F_MRG_RXBUF if mrg else 0))
    assert bool(b.features & vu.F_MRG_RXBUF) == mrg
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"], 30,
             what="both frontends up")
    tx, rx = Sender(a), Receiver(b, mrg)
    per_frame = -(-(size + vu.HDR_LEN) // vu.BUF_SIZE) if mrg else 1
    rounds, burst = 6, 24 if size > 2000 else 40
    sent = []
    for r in range(rounds):
        rx.post(burst * per_frame)
        for i in range(burst):
            f = pattern(r * burst + i, size - 4)
            sent.append(f)
            tx.send(f, layout)
        a.publish(vu.TXQ)
        deadline = time.time() + 60
        while len(rx.frames) < len(sent) and time.time() < deadline:
            tx.scribble()
            rx.poll()
        assert len(rx.frames) == len(sent), "round %d: %d of %d frames" % (
            r, len(rx.frames), len(sent))
        wait_for(lambda: tx.scribble() >= 0 and not tx.chains, 30, step=0.01,
                 what="every tx chain back")
    assert [len(f) for f in rx.frames] == [len(f) for f in sent]
    bad = [i for i, (got, want) in enumerate(zip(rx.frames, sent)) if got != want]
    assert bad == [], "frames %s arrived scribbled on" % bad[:10]
    z = zc_counters(vdp, "vhost0")
    assert z["zc_pkts"] == len(sent), z
    assert z["zc_inflight"] == 0
    assert vdp.alive()


# --- faults with zero-copied buffers in flight -----------------------------

class FaultBench:
    """vdp with a good pair of testpmd peers (vhost0, vhost1) and A -> B
    over the tests' own frontends (vhost2, vhost3); B posts no buffers."""

    def __init__(self, sockdir, procs):
        self.socks = [os.path.join(sockdir, "f%d.sock" % i) for i in range(4)]
        self.vdp = Vdp(sum((["--vhost", s] for s in self.socks), []))
        procs.append(self.vdp)
        self.vdp.wait_started()
        self.p0, self.p1 = Peer(self.socks[0]), Peer(self.socks[1])
        procs += [self.p0, self.p1]
        wait_for(lambda: self.vdp.port("vhost0")["link_up"] and
                 self.vdp.port("vhost1")["link_up"], 60, what="good peers up")
        self.p1.rx_only()
        self.good_pkts = 0
        self.fes = []
        self.a = self.frontend(2)
        self.b = self.frontend(3)
        self.baseline = self.vdp.mbufs_in_use()
        self.tx = Sender(self.a)
        self.seq = 0

    def frontend(self, i):
        fe = vu.Frontend(self.socks[i])
        self.fes.append(fe)
        fe.setup()
        wait_for(lambda: self.vdp.port("vhost%d" % i)["link_up"], 30, what="frontend up")
        return fe

    def flood(self, n=48):
        """A transmits n 9000-byte frames (zero-copied: B takes none): the
        first half until vdp has taken some, then the rest, so that the
        fault that follows finds vdp in the middle of them."""
        first = self.seq
        for k in range(n):
            self.tx.send(pattern(self.seq, 8996), "single")
            self.seq += 1
            if k == n // 2:
                self.a.publish(vu.TXQ)
                wait_for(lambda: self.a.used_idx(vu.TXQ) != first & 0xffff, 30, step=0.01,
                         what="vdp taking A's frames")
        self.a.publish(vu.TXQ)

    def good(self, bursts=2, timeout=60):
        self.p0.send(bursts)
        self.good_pkts += 32 * bursts
        assert wait_rx(self.p1, self.good_pkts, timeout) == self.good_pkts
        assert settle(self.p1, 10) == self.good_pkts
        assert self.vdp.alive(), self.vdp.output()[-4000:]

    def no_leak(self):
        """Every mbuf is back once nothing is in flight."""
        wait_for(lambda: self.vdp.mbufs_in_use() <= self.baseline, 30,
                 what="mbufs back to %d (now %d)" % (self.baseline, self.vdp.mbufs_in_use()))

    def close(self):
        for fe in self.fes:
            try:
                fe.close()
            except OSError:
                pass


@pytest.fixture
def fb(sockdir, procs):
    b = FaultBench(sockdir, procs)
    yield b
    b.close()


def a_zc(fb):
    return zc_counters(fb.vdp, "vhost2")


def test_fault_mem_table_change(fb):
    fb.good()
    fb.flood()
    # The same memory in two regions: a new table, mid-traffic.
    half = vu.MEM_SIZE // 2
    fb.a.mem_table([(vu.GPA_BASE, half, fb.a.uva, 0),
                    (vu.GPA_BASE + half, half, fb.a.uva + half, half)])
    fb.flood()
    fb.a.sync()
    wait_for(lambda: fb.a.used_idx(vu.TXQ) == fb.seq & 0xffff, 30,
             what="every tx chain back after the table change")
    z = a_zc(fb)
    assert z["zc_pkts"] == fb.seq and z["zc_inflight"] == 0, z
    assert z["zc_drain_timeouts"] <= z["zc_drain_waits"]
    fb.good()
    # The new table serves: B takes frames again and they arrive whole.
    rx = Receiver(fb.b, False)
    rx.post(8)
    frames = [pattern(10000 + i, 8996) for i in range(8)]
    for f in frames:
        fb.tx.send(f, "split")
    fb.a.publish(vu.TXQ)
    wait_for(lambda: rx.poll() or len(rx.frames) == 8, 30, step=0.05, what="frames at B")
    assert rx.frames == frames
    fb.no_leak()


def test_fault_disconnect(fb):
    fb.good()
    fb.flood()
    fb.a.close()
    fb.fes.remove(fb.a)
    wait_for(lambda: not fb.vdp.port("vhost2")["link_up"], 30, what="vhost2 down")
    fb.good()
    fb.no_leak()
    z = a_zc(fb)
    assert z["zc_pkts"] > 0 and z["zc_inflight"] == 0, z
    # A new frontend on the same socket is served.
    fb.a = fb.frontend(2)
    fb.tx = Sender(fb.a)
    fb.seq = 0
    fb.flood(8)
    wait_for(lambda: fb.a.used_idx(vu.TXQ) == 8, 30, what="the new frontend's chains back")
    fb.good()


def test_fault_del_port(fb):
    fb.good()
    fb.flood()
    fb.vdp.ctl_ok("del", "port", "vhost2")
    fb.good()
    fb.no_leak()
    assert fb.vdp.alive()


def test_fault_sigterm(fb):
    fb.good()
    fb.flood()
    assert fb.vdp.stop(signal.SIGTERM) == 0
    out = fb.vdp.output()
    assert "exited cleanly" in out
    assert "still held by a destination" not in out
    assert "zcopy auto" in out


def test_set_port_zcopy(pair):
    """The mode and threshold change at run time, through vdpctl, and the
    counters say what each packet got."""
    vdp, socks, fes = pair
    a, b = vu.Frontend(socks[0]), vu.Frontend(socks[1])
    fes += [a, b]
    a.setup()
    b.setup()
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"], 30,
             what="both frontends up")
    tx, rx = Sender(a), Receiver(b, False)
    z = zc_counters(vdp, "vhost0")
    assert (z["zcopy"], z["zcopy_min"]) == ("auto", 2048)
    sent = []

    def burst(n, size):
        rx.post(n)
        for _ in range(n):
            sent.append(pattern(len(sent), size))
            tx.send(sent[-1], "single")
        a.publish(vu.TXQ)
        wait_for(lambda: rx.poll() or len(rx.frames) == len(sent), 30, step=0.05,
                 what="frames at B")
        return zc_counters(vdp, "vhost0")

    # auto: standard frames copied, larger ones zero-copied
    z = burst(4, 1514)
    assert (z["zc_pkts"], z["zc_copied_small"]) == (0, 4)
    z = burst(4, 4000)
    assert (z["zc_pkts"], z["zc_copied_small"]) == (4, 4)
    assert vdp.ctl_ok("set", "port", "vhost0", "zcopy", "off") == "Port vhost0: zcopy off\n"
    z = burst(4, 4000)
    assert (z["zcopy"], z["zcopy_min"], z["zc_pkts"]) == ("off", 0, 4)
    vdp.ctl_ok("set", "port", "vhost0", "zcopy", "on", "2000")
    z = burst(4, 1514)
    assert (z["zcopy"], z["zcopy_min"], z["zc_pkts"], z["zc_copied_small"]) == ("on", 2000, 4, 8)
    vdp.ctl_ok("set", "port", "vhost0", "zcopy", "on")
    z = burst(4, 300)
    assert (z["zcopy_min"], z["zc_pkts"]) == (129, 8)
    assert z["vrings"][1]["zc_pkts"] == 8
    assert rx.frames == sent
    text = vdp.ctl_ok("show", "vhost", "vhost0")
    assert "  zcopy: on, from 129 bytes\n" in text
    assert "zero-copied 8, copied small 8, copied capped 0" in text
    rc, out, err = vdp.ctl("set", "port", "vhost0", "zcopy", "sometimes")
    assert rc != 0 and "zcopy: bad value 'sometimes' (auto, on or off)" in err
    rc, out, err = vdp.ctl("set", "port", "vhost0", "zcopy", "on", "99999")
    assert rc != 0 and "zcopy-min: bad value '99999'" in err
    assert zc_counters(vdp, "vhost0")["zcopy_min"] == 129
