# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The l2 switch between three vhost ports: flood unknown, then unicast."""

import os

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

MAC_A, MAC_B, MAC_C = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "02:00:00:00:00:0c"


def test_l2_learning_three_ports(sockdir, procs):
    paths = [os.path.join(sockdir, n) for n in ("a.sock", "b.sock", "c.sock")]
    vdp = Vdp(["--fwd", "l2"] + sum((["--vhost", p] for p in paths), []))
    procs.append(vdp)
    vdp.wait_started()
    a, b, c = Peer(paths[0], MAC_A), Peer(paths[1], MAC_B), Peer(paths[2], MAC_C)
    procs += [a, b, c]
    for i in range(3):
        wait_for(lambda: vdp.port("vhost%d" % i)["link_up"], 60, what="links up")
    for p in (a, b, c):
        p.rx_only()

    # B -> A while nothing is learned: flooded to A and C; B's MAC learned.
    b.set_peer(MAC_A)
    b.send(1)
    assert wait_rx(a, 32) == 32
    assert wait_rx(c, 32) == 32
    assert settle(c) == 32

    # A -> B: B is known, so only B gets it.
    a.set_peer(MAC_B)
    a.send(2)
    assert wait_rx(b, 64) == 64
    assert settle(b) == 64
    assert settle(c) == 32
    assert a.stats()[0] == 32

    # C -> A: A was learned from its packets to B.
    c.set_peer(MAC_A)
    c.send(1)
    assert wait_rx(a, 64) == 64
    assert settle(a) == 64
    assert b.stats()[0] == 64
