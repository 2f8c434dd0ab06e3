# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""io forwarding between two vhost-user ports, with exact counts."""

import os
import signal

import pytest

from vdptest import Peer, Vdp, settle, start_pair, wait_for, wait_rx


def test_io_counted_both_directions(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    p0.rx_only()
    p1.rx_only()

    p0.send(5)
    assert wait_rx(p1, 160) == 160
    assert settle(p1) == 160
    assert p0.stats()[1] == 160

    p1.send(3)
    assert wait_rx(p0, 96) == 96
    assert settle(p0) == 96
    assert p1.stats() == (160, 96)

    v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
    assert (v0["rx_packets"], v0["tx_packets"]) == (160, 96)
    assert (v1["rx_packets"], v1["tx_packets"]) == (96, 160)
    assert v0["rx_bytes"] == 160 * 64
    assert v0["tx_dropped"] == 0 and v1["tx_dropped"] == 0


def test_default_topology_and_clean_exit(sockdir, procs):
    vdp = Vdp(["--run-dir", sockdir])
    procs.append(vdp)
    vdp.wait_started()
    out = vdp.output()
    s0, s1 = os.path.join(sockdir, "vhost0.sock"), os.path.join(sockdir, "vhost1.sock")
    assert s0 in out and s1 in out
    assert "net_virtio_user0,path=%s" % s0 in out
    assert os.path.exists(s0) and os.path.exists(s1)

    p0, p1 = Peer(s0), Peer(s1)
    procs += [p0, p1]
    p1.rx_only()
    wait_for(lambda: vdp.port("vhost1")["link_up"], 60, what="vhost1 up")
    p0.send(2)
    assert wait_rx(p1, 64) == 64
    p0.kill()
    p1.kill()

    assert vdp.stop(signal.SIGTERM) == 0
    out = vdp.output()
    assert "vdp summary" in out
    assert "port 0 (vhost0, vhost): rx 64 pkts" in out
    assert "exited cleanly" in out
    assert not os.path.exists(s0) and not os.path.exists(s1)


def test_multiqueue(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs, ",queues=2", ({"queues": 2}, {"queues": 2}))
    p1.rx_only()
    # One testpmd stream per queue: 2 queues x 2 bursts x 32 packets.
    p0.send(2)
    assert wait_rx(p1, 128) == 128
    assert settle(p1) == 128
    v0 = vdp.port("vhost0")
    assert v0["rx_queues"] == 2
    assert v0["rxq0_packets"] == 64 and v0["rxq1_packets"] == 64
    assert vdp.port("vhost1")["tx_packets"] == 128


@pytest.mark.parametrize("engine", ["virtq", "rte"])
def test_jumbo_frames(sockdir, procs, engine):
    # 9000-byte frames span several mbufs in vdp and several mergeable rx
    # buffers in the receiving guest.
    big = {"extra": ["--mbuf-size=9600", "--max-pkt-len=9100"]}
    vdp, p0, p1 = start_pair(sockdir, procs, ",engine=" + engine, (big, big))
    p1.rx_only()
    p0.cmd_out("stop")
    p0.cmd_out("set txpkts 9000")
    p0.send(2)
    assert wait_rx(p1, 64) == 64
    assert settle(p1) == 64
    out = p1.cmd_out("show port stats 0")
    assert "RX-bytes:  %d" % (64 * 9000) in out
    assert vdp.port("vhost1")["tx_bytes"] == 64 * 9000
