# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Peers that die and come back, in server and client mode."""

import os

import pytest

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

CYCLES = 5


def up(vdp, name):
    wait_for(lambda: vdp.port(name)["link_up"], 90, what="%s up" % name)


def down(vdp, name):
    wait_for(lambda: not vdp.port(name)["link_up"], 60, what="%s down" % name)


def layout_of(vdp, name):
    """The ring layout of a connected port's vrings, as show vhost gives it."""
    return {v["layout"] for v in vdp.ctl_json("show", "vhost", name)["ports"][0]["vrings"]}


@pytest.mark.parametrize("layout", ["split", "packed"])
def test_peer_killed_and_restarted(sockdir, procs, layout):
    packed = layout == "packed"
    s = [os.path.join(sockdir, "v%d.sock" % i) for i in range(4)]
    vdp = Vdp(sum((["--vhost", p] for p in s), []))
    procs.append(vdp)
    vdp.wait_started()
    p1, p2, p3 = (Peer(s[i], packed=packed) for i in (1, 2, 3))
    procs += [p1, p2, p3]
    for p in (p1, p3):
        p.rx_only()
    for i in (1, 2, 3):
        up(vdp, "vhost%d" % i)
    baseline = vdp.mbufs_in_use()

    other = 0
    for cycle in range(CYCLES):
        p0 = Peer(s[0], packed=packed)
        procs.append(p0)
        up(vdp, "vhost0")
        assert layout_of(vdp, "vhost0") == {layout}
        before = settle(p1)
        p0.send(2)
        assert wait_rx(p1, before + 64) == before + 64
        assert settle(p1) == before + 64

        # Die in the middle of a continuous transmit.
        p0.cmd_out("stop")
        p0.cmd_out("set fwd txonly")
        p0.cmd_out("start")
        wait_for(lambda: p1.stats()[0] > before + 64, 60, what="traffic from p0")
        p0.kill()
        down(vdp, "vhost0")

        # The other pair forwards exactly while vhost0 is gone.
        p2.send(1)
        other += 32
        assert wait_rx(p3, other) == other
        assert settle(p3) == other
        assert vdp.alive()

    settle(p1)
    wait_for(lambda: vdp.mbufs_in_use() == baseline, 30,
             what="mbufs in use back to %d" % baseline)
    assert vdp.port("vhost2")["rx_packets"] == other
    assert vdp.port("vhost3")["tx_packets"] == other


@pytest.mark.parametrize("layout", ["split", "packed"])
def test_client_mode_reconnects(sockdir, procs, layout):
    packed = layout == "packed"
    s0, s1 = os.path.join(sockdir, "c0.sock"), os.path.join(sockdir, "c1.sock")
    # vdp starts first and keeps trying until the servers appear.
    vdp = Vdp(["--vhost", s0 + ",client", "--vhost", s1 + ",client"])
    procs.append(vdp)
    vdp.wait_started()
    assert not vdp.port("vhost0")["link_up"]
    p0, p1 = Peer(s0, server=True, packed=packed), Peer(s1, server=True, packed=packed)
    procs += [p0, p1]
    up(vdp, "vhost0")
    up(vdp, "vhost1")
    assert layout_of(vdp, "vhost0") == layout_of(vdp, "vhost1") == {layout}
    p1.rx_only()
    p0.send(1)
    assert wait_rx(p1, 32) == 32

    # The server goes away and comes back: vdp reconnects by itself.
    p0.kill()
    down(vdp, "vhost0")
    os.unlink(s0)  # a killed server leaves its socket file behind
    p0 = Peer(s0, server=True, packed=packed)
    procs.append(p0)
    up(vdp, "vhost0")
    p0.send(2)
    assert wait_rx(p1, 96) == 96
    assert settle(p1) == 96
    p1.send(1)
    assert wait_rx(p0, 32) == 32
