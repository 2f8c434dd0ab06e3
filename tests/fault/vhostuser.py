# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A vhost-user frontend (the driver side) of the tests' own, for feeding
vdp what no real guest driver sends.

It speaks the vhost-user protocol over the real socket, with guest memory
in a memfd that it maps itself and hands over with SCM_RIGHTS, and drives
one queue pair of split virtqueues by writing descriptors, avail entries
and indices directly. Nothing in it checks what it is asked to write: the
tests make bad chains and bad messages on purpose.

Guest memory layout (guest physical addresses from GPA_BASE):
  vring i:      desc at RING(i), avail at +0x1000, used at +0x2000
  rx buffers:   RX_BUFS, BUF_SIZE each, one per rx descriptor
  tx buffers:   TX_BUFS, BUF_SIZE each, one per tx descriptor
  free area:    FREE (indirect tables, large buffers) to the end
"""

import mmap
import os
import socket
import struct
import time

# vhost-user requests
GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
SET_MEM_TABLE = 5
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
GET_VRING_BASE = 11
SET_VRING_KICK = 12
SET_VRING_CALL = 13

VERSION = 0x1
REPLY = 0x4

# virtio features
F_MRG_RXBUF = 1 << 15
F_INDIRECT = 1 << 28
F_VERSION_1 = 1 << 32

# descriptor flags
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4

RXQ, TXQ = 0, 1
QSIZE = 256
HDR_LEN = 12  # virtio-net header with VERSION_1
GPA_BASE = 0x40000000
MEM_SIZE = 4 << 20
MEMFD_NAME = "vdp-frontend"  # the guest memory's name in /proc/PID/maps
BUF_SIZE = 2048
RX_BUFS = 0x40000
TX_BUFS = RX_BUFS + QSIZE * BUF_SIZE
FREE = TX_BUFS + QSIZE * BUF_SIZE


def RING(i):
    return 0x10000 * (i + 1)


def frame(seq, size=64):
    """A broadcast Ethernet frame that carries its sequence number."""
    body = struct.pack("!6s6sHI", b"\xff" * 6, b"\x02\x00\x00\x00\x00\x09", 0x88b5, seq)
    return body + bytes((seq + i) & 0xff for i in range(size - len(body)))


class Frontend:
    """One vhost-user connection with one queue pair."""

    def __init__(self, path, timeout=30):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.time() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.memfd = os.memfd_create(MEMFD_NAME)
        os.ftruncate(self.memfd, MEM_SIZE)
        self.mem = mmap.mmap(self.memfd, MEM_SIZE)
        # The frontend's "user address" of guest memory: any value works as
        # long as the ring addresses use the same one.
        self.uva = 0x7f0000000000
        self.kick = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.call = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.avail_idx = [0, 0]
        self.used_seen = [0, 0]
        self.next_desc = [0, 0]
        self.features = 0

    # --- protocol ---------------------------------------------------------

    def send_msg(self, req, payload=b"", fds=(), size=None, flags=VERSION):
        hdr = struct.pack("<III", req, flags, len(payload) if size is None else size)
        if fds:
            socket.send_fds(self.sock, [hdr + payload], list(fds))
        else:
            self.sock.sendall(hdr + payload)

    def recv_reply(self, req):
        hdr = self._recv_exact(12)
        r, flags, size = struct.unpack("<III", hdr)
        assert r == req and flags & REPLY, "unexpected reply %d/%#x to %d" % (r, flags, req)
        return self._recv_exact(size)

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("vhost-user connection closed")
            data += chunk
        return data

    def get_u64(self, req):
        self.send_msg(req)
        return struct.unpack("<Q", self.recv_reply(req))[0]

    def mem_table(self, regions):
        """regions: (gpa, size, uva, mmap_offset) over this frontend's memfd."""
        payload = struct.pack("<II", len(regions), 0)
        for r in regions:
            payload += struct.pack("<QQQQ", *r)
        payload += b"\0" * 32 * (8 - len(regions))
        self.send_msg(SET_MEM_TABLE, payload, fds=[self.memfd] * len(regions))

    def default_regions(self):
        return [(GPA_BASE, MEM_SIZE, self.uva, 0)]

    def vring_addr(self, i, desc=None, used=None, avail=None):
        base = self.uva + RING(i)
        payload = struct.pack("<IIQQQQ", i, 0,
                              base if desc is None else desc,
                              base + 0x2000 if used is None else used,
                              base + 0x1000 if avail is None else avail, 0)
        self.send_msg(SET_VRING_ADDR, payload)

    def setup(self, features=F_VERSION_1 | F_INDIRECT, regions=None, addr=None):
        """Negotiate, hand over memory and both rings. addr(i) may return
        overrides for vring_addr()."""
        offered = self.get_u64(GET_FEATURES)
        self.features = offered & features
        self.send_msg(SET_OWNER)
        self.send_msg(SET_FEATURES, struct.pack("<Q", self.features))
        self.mem_table(regions or self.default_regions())
        for i in (RXQ, TXQ):
            self.send_msg(SET_VRING_NUM, struct.pack("<II", i, QSIZE))
            self.send_msg(SET_VRING_BASE, struct.pack("<II", i, 0))
            self.vring_addr(i, **(addr(i) if addr else {}))
            self.send_msg(SET_VRING_KICK, struct.pack("<Q", i), fds=[self.kick[i]])
            self.send_msg(SET_VRING_CALL, struct.pack("<Q", i), fds=[self.call[i]])
        # A request with a reply: everything before it has been handled.
        self.get_u64(GET_FEATURES)

    def sync(self):
        """Wait until vdp's vhost-user thread has handled what was sent."""
        return self.get_u64(GET_FEATURES)

    def close(self):
        for fd in self.kick + self.call:
            os.close(fd)
        self.sock.close()
        self.mem.close()
        os.close(self.memfd)

    # --- rings ------------------------------------------------------------

    def off(self, gpa):
        return gpa - GPA_BASE

    def write(self, gpa, data):
        o = self.off(gpa)
        self.mem[o:o + len(data)] = data

    def read(self, gpa, n):
        o = self.off(gpa)
        return bytes(self.mem[o:o + n])

    def desc_write(self, i, idx, addr, length, flags=0, nxt=0, table=None):
        base = table if table is not None else GPA_BASE + RING(i)
        self.write(base + 16 * idx, struct.pack("<QIHH", addr, length, flags, nxt))

    def avail_push(self, i, head, publish=True):
        a = GPA_BASE + RING(i) + 0x1000
        self.write(a + 4 + 2 * (self.avail_idx[i] % QSIZE), struct.pack("<H", head))
        self.avail_idx[i] = (self.avail_idx[i] + 1) & 0xffff
        if publish:
            self.publish(i)

    def publish(self, i, idx=None):
        """Write the avail index (the guest's own, or any value)."""
        a = GPA_BASE + RING(i) + 0x1000
        self.write(a + 2, struct.pack("<H", self.avail_idx[i] if idx is None else idx))

    def used_idx(self, i):
        return struct.unpack("<H", self.read(GPA_BASE + RING(i) + 0x2002, 2))[0]

    def used_elem(self, i, n):
        u = GPA_BASE + RING(i) + 0x2004 + 8 * (n % QSIZE)
        return struct.unpack("<II", self.read(u, 8))

    def take_desc(self, i, n=1):
        """n consecutive descriptor indices of ring i (wrapping)."""
        first = self.next_desc[i]
        self.next_desc[i] = (first + n) % QSIZE
        return [(first + k) % QSIZE for k in range(n)]

    def wait_used(self, i, count, timeout=30):
        """Wait until ring i has count more used entries than last seen;
        return those entries as (id, len)."""
        want = (self.used_seen[i] + count) & 0xffff
        deadline = time.time() + timeout
        while self.used_idx(i) != want:
            got = (self.used_idx(i) - self.used_seen[i]) & 0xffff
            if got > count or time.time() > deadline:
                raise TimeoutError("ring %d: %d used entries, expected %d" % (i, got, count))
            time.sleep(0.01)
        out = [self.used_elem(i, self.used_seen[i] + k) for k in range(count)]
        self.used_seen[i] = want
        return out

    def used_pending(self, i):
        return (self.used_idx(i) - self.used_seen[i]) & 0xffff

    def post_rx(self, n, writable=True):
        """Give vdp n receive buffers of BUF_SIZE bytes."""
        for idx in self.take_desc(RXQ, n):
            self.desc_write(RXQ, idx, GPA_BASE + RX_BUFS + idx * BUF_SIZE, BUF_SIZE,
                            D_WRITE if writable else 0)
            self.avail_push(RXQ, idx, publish=False)
        self.publish(RXQ)

    def send(self, frames):
        """Transmit frames, one descriptor each (header in front)."""
        for f in frames:
            idx = self.take_desc(TXQ)[0]
            buf = GPA_BASE + TX_BUFS + idx * BUF_SIZE
            self.write(buf, b"\0" * HDR_LEN + f)
            self.desc_write(TXQ, idx, buf, HDR_LEN + len(f))
            self.avail_push(TXQ, idx, publish=False)
        self.publish(TXQ)

    def received(self, entries):
        """The frames in the rx buffers of used entries (id, len)."""
        out = []
        for idx, length in entries:
            data = self.read(GPA_BASE + RX_BUFS + idx * BUF_SIZE, length)
            out.append(data[HDR_LEN:])
        return out
