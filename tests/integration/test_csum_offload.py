# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A guest that leaves TCP/UDP checksums to the device (VIRTIO_NET_F_CSUM).

The peer's testpmd csum engine sends frames through its virtio-user port
with checksum offload on, so they leave with a partial checksum and
NEEDS_CSUM. vdp (virtq engine) maps that to mbuf flags and forwards to a
net_pcap port, which cannot take partial checksums: vdp completes them,
and every captured frame must carry a correct checksum."""

import os
import struct

from test_engine_equiv import read_pcap, write_pcap
from vdptest import Peer, Vdp, settle, wait_for, wait_rx

FRAMES = 64


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def l4_ok(frame):
    """True when the frame's TCP or UDP checksum verifies."""
    ihl = (frame[14] & 0xf) * 4
    proto = frame[23]
    total = struct.unpack("!H", frame[16:18])[0]
    l4 = frame[14 + ihl:14 + total]
    pseudo = frame[26:34] + struct.pack("!BBH", 0, proto, len(l4))
    return csum16(pseudo + l4) == 0xffff


def frame(i):
    """IPv4 TCP (even i) or UDP (odd i), valid IP header, L4 checksum wrong
    (non-zero for UDP, where 0 would mean "no checksum")."""
    tcp = i % 2 == 0
    payload = bytes((7 * i + k) & 0xff for k in range(40 + 13 * (i % 50)))
    l4 = (struct.pack("!HHIIBBHHH", 1000 + i, 80, i, 0, 5 << 4, 0x18, 8192, 0, 0)
          if tcp else struct.pack("!HHHH", 1000 + i, 53, 8 + len(payload), 0x1234)) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), i, 0, 64, 6 if tcp else 17, 0,
                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
    ip = ip[:10] + struct.pack("!H", 0xffff - csum16(ip)) + ip[12:]
    return bytes.fromhex("020000000002" "020000000001" "0800") + ip + l4


def test_partial_checksums_completed(sockdir, procs, tmp_path):
    inp, out = str(tmp_path / "in.pcap"), str(tmp_path / "out.pcap")
    write_pcap(inp, [frame(i) for i in range(FRAMES)])
    sock = os.path.join(sockdir, "c.sock")
    vdp = Vdp(["--vhost", sock], eal=["--vdev", "net_pcap0,tx_pcap=%s" % out])
    procs.append(vdp)
    vdp.wait_started()
    peer = Peer(sock, extra=["--nb-ports=2", "--no-flush-rx"],
                vdevs=["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, str(tmp_path / "x.pcap"))])
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    # Checksums by "hardware" on the virtio-user port: the frames leave
    # with the pseudo-header sum in place and NEEDS_CSUM in their header.
    peer.cmd_out("port stop 0")
    for proto in ("tcp", "udp"):
        out_csum = peer.cmd_out("csum set %s hw 0" % proto)
        assert "%s checksum offload is hw" % proto.upper() in out_csum, out_csum
    peer.cmd_out("port start 0")
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up again")
    peer.cmd_out("set fwd csum")
    peer.cmd_out("start")
    wait_for(lambda: vdp.port("net_pcap0")["tx_packets"] >= FRAMES, 60,
             what="frames at the pcap port")
    settle(peer)
    peer.quit()
    vdp.stop()
    got = read_pcap(out)
    assert len(got) == FRAMES
    sent = {struct.unpack("!H", f[18:20])[0]: f for f in (frame(i) for i in range(FRAMES))}
    for f in got:
        assert l4_ok(f), f.hex()
        orig = sent[struct.unpack("!H", f[18:20])[0]]
        # The IP header and the payload are what the guest sent (testpmd's
        # csum engine rewrites the MAC addresses).
        assert len(f) == len(orig)
        assert f[12:34] == orig[12:34]
        assert f[-20:] == orig[-20:]
