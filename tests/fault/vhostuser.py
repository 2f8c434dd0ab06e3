# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A vhost-user frontend (the driver side) of the tests' own, for feeding
vdp what no real guest driver sends.

It speaks the vhost-user protocol over the real socket, with guest memory
in a memfd that it maps itself and hands over with SCM_RIGHTS, and drives
one queue pair of split virtqueues by writing descriptors, avail entries
and indices directly. Nothing in it checks what it is asked to write: the
tests make bad chains and bad messages on purpose.

It drives split virtqueues, or packed ones (virtio 1.1, 2.8) when setup()
negotiates VIRTIO_F_RING_PACKED. Packed, the driver keeps a wrap counter for
where it makes descriptors available (AVAIL bit = wrap, USED bit = !wrap)
and one for where it reads used descriptors (both bits = wrap); a buffer's
id is, unless a test says otherwise, the ring position of its first
descriptor, and the driver remembers how many descriptors each id took, to
skip them when its used descriptor comes back. A batch of chains is
published with the first chain's head flags written last, so that vdp
finds the whole batch at once.

Guest memory layout (guest physical addresses from GPA_BASE):
  vring i:      split: desc at RING(i), avail at +0x1000, used at +0x2000;
                packed: descriptor ring at RING(i), driver event area at
                +0x1000, device event area at +0x2000
  rx buffers:   RX_BUFS, BUF_SIZE each, one per rx descriptor
  tx buffers:   TX_BUFS, BUF_SIZE each, one per tx descriptor
  free area:    FREE (indirect tables, large buffers) to the end
"""

import mmap
import os
import socket
import struct
import threading
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
F_RING_PACKED = 1 << 34

# descriptor flags
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4
# packed descriptor flags: the lap bits (virtio 1.1, 2.8.1)
P_AVAIL, P_USED = 1 << 7, 1 << 15
# notification suppression: split used->flags, packed device event flags
USED_F_NO_NOTIFY = 1
PACKED_EVENT_DISABLE = 1

# Taking and dropping a lock is a locked instruction: a full barrier
# between the frontend's ring writes and its read of what vdp asks for.
_FENCE = threading.Lock()

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

    def __init__(self, path, timeout=30, qsize=QSIZE):
        self.path = path
        self.qsize = qsize  # ring size (at most QSIZE: the buffer layout's)
        self.connect(timeout)
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
        self.packed = False
        # Packed: where the driver makes descriptors available next, where
        # it reads the next used one (each with its wrap counter), what
        # each buffer id out took (id -> descriptor counts, oldest first),
        # and the head flags a publish is to write.
        self.pk_avail = [0, 0]
        self.pk_avail_wrap = [True, True]
        self.pk_used = [0, 0]
        self.pk_used_wrap = [True, True]
        self.pk_out = [{}, {}]
        self.pk_heads = [[], []]

    def connect(self, timeout=30):
        """Open a connection to vdp's socket (again, after disconnect())."""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.time() + timeout
        while True:
            try:
                self.sock.connect(self.path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)

    def disconnect(self):
        """Close the connection only: guest memory, rings and eventfds stay,
        as a guest's do when its vhost-user backend goes away."""
        self.sock.close()

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

    def setup(self, features=F_VERSION_1 | F_INDIRECT, regions=None, addr=None, base=None):
        """Negotiate, hand over memory and both rings. addr(i) may return
        overrides for vring_addr(); base(i) the vring base (by default 0
        split; packed, where this frontend stands: see vring_base()).
        Asking for VIRTIO_F_RING_PACKED makes the rings packed (vdp must
        offer it)."""
        offered = self.get_u64(GET_FEATURES)
        self.features = offered & features
        self.packed = bool(features & F_RING_PACKED)
        assert not self.packed or self.features & F_RING_PACKED, \
            "vdp does not offer VIRTIO_F_RING_PACKED: %#x" % offered
        self.send_msg(SET_OWNER)
        self.send_msg(SET_FEATURES, struct.pack("<Q", self.features))
        self.mem_table(regions or self.default_regions())
        self.setup_rings(addr, base)

    def setup_rings(self, addr=None, base=None):
        """Both rings: size, base, addresses, kick and call fds."""
        for i in (RXQ, TXQ):
            b = base(i) if base else self.vring_base(i) if self.packed else 0
            self.send_msg(SET_VRING_NUM, struct.pack("<II", i, self.qsize))
            self.send_msg(SET_VRING_BASE, struct.pack("<II", i, b))
            self.vring_addr(i, **(addr(i) if addr else {}))
            self.send_msg(SET_VRING_KICK, struct.pack("<Q", i), fds=[self.kick[i]])
            self.send_msg(SET_VRING_CALL, struct.pack("<Q", i), fds=[self.call[i]])
        # A request with a reply: everything before it has been handled.
        self.get_u64(GET_FEATURES)

    def vring_base(self, i):
        """Where the device is to carry on in ring i: packed, the next
        descriptor this frontend will find used, with its wrap counter in
        bit 15 (what vdp consumed, once everything came back); split, the
        used index seen."""
        if self.packed:
            return self.pk_used[i] | self.pk_used_wrap[i] << 15
        return self.used_seen[i]

    def get_vring_base(self, i):
        """GET_VRING_BASE: the ring's position as vdp gives it (the device
        stops)."""
        self.send_msg(GET_VRING_BASE, struct.pack("<II", i, 0))
        idx, num = struct.unpack("<II", self.recv_reply(GET_VRING_BASE))
        assert idx == i
        return num

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
        self.write(a + 4 + 2 * (self.avail_idx[i] % self.qsize), struct.pack("<H", head))
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
        u = GPA_BASE + RING(i) + 0x2004 + 8 * (n % self.qsize)
        return struct.unpack("<II", self.read(u, 8))

    def take_desc(self, i, n=1):
        """n consecutive descriptor indices of ring i (wrapping)."""
        first = self.next_desc[i]
        self.next_desc[i] = (first + n) % self.qsize
        return [(first + k) % self.qsize for k in range(n)]

    def wait_used(self, i, count, timeout=30):
        """Wait until ring i has count more used entries than last seen;
        return those entries as (id, len)."""
        if self.packed:
            return self.pk_wait_used(i, count, timeout)
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
        if self.packed:
            return self.pk_used_pending(i)
        return (self.used_idx(i) - self.used_seen[i]) & 0xffff

    def post_rx(self, n, writable=True):
        """Give vdp n receive buffers of BUF_SIZE bytes."""
        if self.packed:
            for _ in range(n):
                pos = self.pk_avail[RXQ]
                self.pk_add(RXQ, [(GPA_BASE + RX_BUFS + pos * BUF_SIZE, BUF_SIZE,
                                   D_WRITE if writable else 0)], publish=False)
            self.pk_publish(RXQ)
            return
        for idx in self.take_desc(RXQ, n):
            self.desc_write(RXQ, idx, GPA_BASE + RX_BUFS + idx * BUF_SIZE, BUF_SIZE,
                            D_WRITE if writable else 0)
            self.avail_push(RXQ, idx, publish=False)
        self.publish(RXQ)

    def send(self, frames, publish=True):
        """Transmit frames, one descriptor each (header in front); without
        publish, everything is written but what makes them available
        (publish_tx() does that)."""
        if self.packed:
            for f in frames:
                buf = GPA_BASE + TX_BUFS + self.pk_avail[TXQ] * BUF_SIZE
                self.write(buf, b"\0" * HDR_LEN + f)
                self.pk_add(TXQ, [(buf, HDR_LEN + len(f), 0)], publish=False)
        else:
            for f in frames:
                idx = self.take_desc(TXQ)[0]
                buf = GPA_BASE + TX_BUFS + idx * BUF_SIZE
                self.write(buf, b"\0" * HDR_LEN + f)
                self.desc_write(TXQ, idx, buf, HDR_LEN + len(f))
                self.avail_push(TXQ, idx, publish=False)
        if publish:
            self.publish_tx()

    def publish_tx(self):
        """Make the transmit chains written so far available: the avail
        index (split) or the head flags (packed), one store."""
        if self.packed:
            self.pk_publish(TXQ)
        else:
            self.publish(TXQ)

    def kick_wanted(self, i):
        """Whether vdp asks for a kick on ring i, read the way a driver
        reads it after making buffers available (a full barrier first, so
        that the avail index or head flags written before are visible to
        vdp before its flags are read here): split, VRING_USED_F_NO_NOTIFY
        clear; packed, the device event suppression area not DISABLE.
        (VIRTIO_RING_F_EVENT_IDX is not negotiated by this frontend.)"""
        with _FENCE:
            pass
        if self.packed:
            flags = struct.unpack("<H", self.read(GPA_BASE + RING(i) + 0x2002, 2))[0]
            return flags != PACKED_EVENT_DISABLE
        flags = struct.unpack("<H", self.read(GPA_BASE + RING(i) + 0x2000, 2))[0]
        return not flags & USED_F_NO_NOTIFY

    def kick_if_wanted(self, i):
        """Kick ring i only if vdp asks for it (kick_wanted()), as a real
        driver decides; returns whether it kicked."""
        if not self.kick_wanted(i):
            return False
        os.eventfd_write(self.kick[i], 1)
        return True

    def received(self, entries):
        """The frames in the rx buffers of used entries (id, len)."""
        out = []
        for idx, length in entries:
            data = self.read(GPA_BASE + RX_BUFS + idx * BUF_SIZE, length)
            out.append(data[HDR_LEN:])
        return out

    # --- packed rings -----------------------------------------------------

    def pk_lap_bits(self, wrap):
        """AVAIL and USED as the driver sets them for a descriptor it makes
        available in the lap of wrap counter wrap."""
        return P_AVAIL if wrap else P_USED

    def pk_desc_write(self, i, pos, addr, length, bid, flags, table=None):
        """A 16-byte packed descriptor (addr, len, id, flags), in ring i or
        in an indirect table."""
        base = table if table is not None else GPA_BASE + RING(i)
        self.write(base + 16 * pos, struct.pack("<QIHH", addr, length, bid, flags))

    def pk_desc_read(self, i, pos):
        """(addr, len, id, flags) of ring i's descriptor at pos, the flags
        read first (vdp writes them last)."""
        d = GPA_BASE + RING(i) + 16 * pos
        flags = struct.unpack("<H", self.read(d + 14, 2))[0]
        addr, length, bid = struct.unpack("<QIH", self.read(d, 14))
        return addr, length, bid, flags

    def pk_add(self, i, descs, bid=None, ndesc=None, publish=True):
        """Make a chain available in ring i at the driver's position.

        descs: (addr, len, flags[, lap_xor]) per descriptor, at consecutive
        ring positions: flags as given (NEXT is not added), the lap bits
        for the lap each position is in, XORed with lap_xor when given (a
        descriptor that is not available where it should be). Every
        descriptor carries buffer id bid (by default the head's position).
        The driver moves on by ndesc descriptors (by default all of them):
        what vdp is to take of the chain, so that the next chain starts
        where vdp will look. The head's flags are written at publish
        (pk_publish(), now with publish). Returns bid.
        """
        head = self.pk_avail[i]
        bid = head if bid is None else bid
        pos, wrap = head, self.pk_avail_wrap[i]
        for k, d in enumerate(descs):
            addr, length, flags = d[:3]
            f = flags | (self.pk_lap_bits(wrap) ^ (d[3] if len(d) > 3 else 0))
            if k == 0:
                # Everything but the flags now, the flags at publish.
                self.write(GPA_BASE + RING(i) + 16 * pos, struct.pack("<QIH", addr, length, bid))
                self.pk_heads[i].append((pos, f))
            else:
                self.pk_desc_write(i, pos, addr, length, bid, f)
            pos, wrap = self._pk_next(pos, wrap, 1)
        n = len(descs) if ndesc is None else ndesc
        self.pk_avail[i], self.pk_avail_wrap[i] = self._pk_next(head, self.pk_avail_wrap[i], n)
        self.pk_out[i].setdefault(bid, []).append(n)
        if publish:
            self.pk_publish(i)
        return bid

    def pk_publish(self, i):
        """Write the head flags of the chains added since the last publish,
        the first chain's last: vdp finds them all at once."""
        for pos, f in reversed(self.pk_heads[i]):
            self.write(GPA_BASE + RING(i) + 16 * pos + 14, struct.pack("<H", f))
        self.pk_heads[i] = []

    def _pk_next(self, pos, wrap, n):
        pos += n
        while pos >= self.qsize:
            pos -= self.qsize
            wrap = not wrap
        return pos, wrap

    def _pk_used_at(self, i, pos, wrap):
        """(id, len) of the used descriptor at pos in lap wrap, or None."""
        _, length, bid, flags = self.pk_desc_read(i, pos)
        if bool(flags & P_AVAIL) != wrap or bool(flags & P_USED) != wrap:
            return None
        return bid, length

    def pk_take_used(self, i):
        """The next used descriptor of ring i as (id, len), or None; the
        driver moves on by the descriptors that buffer took."""
        e = self._pk_used_at(i, self.pk_used[i], self.pk_used_wrap[i])
        if e is None:
            return None
        out = self.pk_out[i].get(e[0])
        assert out, "ring %d: used id %d at %d (wrap %d) is not out: %r" % (
            i, e[0], self.pk_used[i], self.pk_used_wrap[i], self.pk_out[i])
        n = out.pop(0)
        if not out:
            del self.pk_out[i][e[0]]
        self.pk_used[i], self.pk_used_wrap[i] = self._pk_next(self.pk_used[i],
                                                              self.pk_used_wrap[i], n)
        return e

    def pk_used_pending(self, i):
        """Used descriptors of ring i not yet taken (without taking them)."""
        pos, wrap = self.pk_used[i], self.pk_used_wrap[i]
        out = {k: list(v) for k, v in self.pk_out[i].items()}
        count = 0
        while True:
            e = self._pk_used_at(i, pos, wrap)
            if e is None or not out.get(e[0]):
                return count
            pos, wrap = self._pk_next(pos, wrap, out[e[0]].pop(0))
            count += 1

    def pk_wait_used(self, i, count, timeout=30):
        got = []
        deadline = time.time() + timeout
        while len(got) < count:
            e = self.pk_take_used(i)
            if e is not None:
                got.append(e)
                continue
            if time.time() > deadline:
                raise TimeoutError("ring %d: %d used descriptors, expected %d: %r" %
                                   (i, len(got), count, got))
            time.sleep(0.01)
        return got
