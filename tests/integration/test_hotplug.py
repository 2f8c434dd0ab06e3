# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""vhost ports added and removed while traffic runs: the other pair's
counts stay exact, and the new pair forwards."""

import os
import threading

from vdptest import Peer, settle, start_pair, wait_for, wait_rx


def churn(vdp, sockdir, rounds, errors):
    """Add two vhost ports, cross-connect them, remove them; repeat."""
    try:
        for r in range(rounds):
            for name in ("c%d" % r, "d%d" % r):
                vdp.ctl_ok("add", "vhost", name, os.path.join(sockdir, name + ".sock"))
            vdp.ctl_ok("add", "xconnect", "c%d" % r, "d%d" % r)
            vdp.ctl_ok("set", "rxq", "affinity", "d%d" % r, "0", "1")
            vdp.ctl_ok("del", "port", "c%d" % r)
            vdp.ctl_ok("del", "port", "d%d" % r)
    except AssertionError as e:  # reported by the main thread
        errors.append(e)


def test_hot_add_remove_under_traffic(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    p0.rx_only()
    p1.rx_only()

    # Ports come and go while p0 keeps sending bursts to p1.
    errors = []
    t = threading.Thread(target=churn, args=(vdp, sockdir, 4, errors))
    t.start()
    sent = 0
    while t.is_alive() or sent == 0:
        p0.send(2)
        sent += 64
    t.join()
    assert not errors, errors[0]
    assert wait_rx(p1, sent) == sent
    assert settle(p1) == sent
    assert p0.stats()[1] == sent

    # A new pair with guests attached forwards, while the first pair does too.
    s2, s3 = os.path.join(sockdir, "vm2.sock"), os.path.join(sockdir, "vm3.sock")
    assert "Port 2 (vm2) added: listening on " + s2 in vdp.ctl_ok("add", "vhost", "vm2", s2)
    vdp.ctl_ok("add", "vhost", "vm3", s3, "queues=1")
    vdp.ctl_ok("add", "xconnect", "vm2", "vm3")
    p2, p3 = Peer(s2), Peer(s3)
    procs += [p2, p3]
    wait_for(lambda: vdp.port("vm2")["link_up"] and vdp.port("vm3")["link_up"],
             60, what="vm2 and vm3 up")
    p2.rx_only()
    p3.rx_only()
    p2.send(3)
    p0.send(2)
    assert wait_rx(p3, 96) == 96
    sent += 64

    # Remove vm2 while its guest is attached and both pairs send.
    p3.send(2)
    p0.send(2)
    vdp.ctl_ok("del", "port", "vm2")
    p0.send(2)
    sent += 128
    assert wait_rx(p1, sent) == sent
    assert settle(p1) == sent
    assert p0.stats()[1] == sent
    v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
    assert v0["rx_packets"] == sent and v1["tx_packets"] == sent
    assert v0["rx_dropped"] == 0 and v1["tx_dropped"] == 0
    assert "vm2" not in vdp.ctl_ok("show", "config", "fwd")
    # vm3 has no cross-connect any more: what it sends is dropped as no_route.
    p3.send(1)
    wait_for(lambda: vdp.port("vm3")["rx_drop_no_route"] >= 32, 60, what="no_route drops")
    assert vdp.alive()
    assert vdp.stop() == 0
    assert "exited cleanly" in vdp.output()
