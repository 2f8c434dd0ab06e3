# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Both ring engines deliver the same packets, byte for byte.

A peer replays a pcap of varied frames into vhost0 (testpmd io between a
net_pcap port and its virtio-user port); vdp forwards vhost0 -> vhost1;
the other peer writes what it receives to a pcap. The run is made once
with engine=rte and once with engine=virtq, and both captures must equal
the input; on split rings and on packed rings (the peers' packed_vq=1)."""

import os
import struct

import pytest

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

FRAMES = 200


def frame(i):
    """An IPv4/UDP frame of a size that varies with i, its payload a
    pattern that also carries i."""
    size = [60, 64, 65, 128, 255, 511, 1000, 1514][i % 8] + (i // 8) % 3
    size = min(size, 1514)
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    ip_len = size - 14
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i, 0, 64, 17, 0,
                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
    udp = struct.pack("!HHHH", 1000 + i, 2000, ip_len - 20, 0)
    payload = bytes((i + k) & 0xff for k in range(size - 42))
    return eth + ip + udp + payload


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            f.write(struct.pack("<IIII", k, 0, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from("<IIII", data, off)
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


def run_engine(engine, packed, sockdir, procs, tmp_path):
    s0 = os.path.join(sockdir, engine + "0.sock")
    s1 = os.path.join(sockdir, engine + "1.sock")
    inp, empty = str(tmp_path / "in.pcap"), str(tmp_path / "empty.pcap")
    out = str(tmp_path / ("out-%s.pcap" % engine))
    vdp = Vdp(["--vhost", s0 + ",engine=" + engine, "--vhost", s1 + ",engine=" + engine])
    procs.append(vdp)
    vdp.wait_started()
    assert "engine: %s" % engine in vdp.output()
    src = Peer(s0, extra=["--nb-ports=2", "--no-flush-rx"], packed=packed,
               vdevs=["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, str(tmp_path / "unused.pcap"))])
    dst = Peer(s1, extra=["--nb-ports=2", "--no-flush-rx"], packed=packed,
               vdevs=["net_pcap0,rx_pcap=%s,tx_pcap=%s" % (empty, out)])
    procs += [src, dst]
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"],
             60, what="links up")
    for name in ("vhost0", "vhost1"):
        info = vdp.ctl_json("show", "vhost", name)["ports"][0]
        assert info["engine"] == engine
        assert ("RING_PACKED" in info["feature_names"]) == packed
        assert {v["layout"] for v in info["vrings"]} == {"packed" if packed else "split"}
    dst.cmd_out("set fwd io")
    dst.cmd_out("start")
    src.cmd_out("set fwd io")
    src.cmd_out("start")
    wait_for(lambda: vdp.port("vhost1")["tx_packets"] >= FRAMES, 60, what="frames through vdp")
    assert wait_rx(dst, FRAMES) == FRAMES
    assert settle(dst) == FRAMES
    # testpmd flushes the pcap writer when the port closes.
    dst.quit()
    src.quit()
    vdp.stop()
    return read_pcap(out)


@pytest.mark.parametrize("layout", ["split", "packed"])
def test_engines_deliver_identical_packets(sockdir, procs, tmp_path, layout):
    frames = [frame(i) for i in range(FRAMES)]
    write_pcap(str(tmp_path / "in.pcap"), frames)
    write_pcap(str(tmp_path / "empty.pcap"), [])
    got = {}
    for engine in ("rte", "virtq"):
        got[engine] = run_engine(engine, layout == "packed", sockdir, procs, tmp_path)
    assert got["rte"] == frames
    assert got["virtq"] == got["rte"]
